//! The web layer: live views (`live/`), layouts, components, HTTP handlers, pipelines, and the
//! routes `zerogen generate` writes from `spec/routes.tsv`.

pub mod components;
pub mod features;
pub mod html;
pub mod http;
pub mod layouts;
pub mod live;
pub mod pipelines;
pub mod routes;

use std::path::Path;
use std::sync::Arc;

use axum::Extension;
use zero_db::{Db, Migrations};
use zero_live::pubsub::{Local, PubSub};
use zero_live::{Endpoint, Live, LiveConfig, Signer};

/// The app, ready to serve: its live endpoint, its router, where it listens and its database.
#[derive(Debug)]
pub struct App {
    /// The live endpoint (sessions, PubSub).
    pub live: Live,
    /// Every route, behind the endpoint's layers.
    pub router: axum::Router,
    /// Where it listens.
    pub endpoint: Endpoint,
    /// The database, migrated.
    pub db: Db,
    /// What the generators added (`web/features.rs`).
    pub features: features::Features,
}

/// The app's migrations, embedded in the binary by `build.rs` (one folder per backend), and
/// those of the live packages it mounts (`spec/routes.tsv`).
pub fn migrations() -> Result<Migrations, zero_db::DbError> {
    routes::with_packages(Migrations::embedded(
        include!(concat!(env!("OUT_DIR"), "/zero-embed/migrations-sqlite.rs")),
        include!(concat!(env!("OUT_DIR"), "/zero-embed/migrations-postgres.rs")),
    )?)
}

/// The database and PubSub adapter the app shares with its views (`LiveBuilder::state`).
pub fn services(ctx: &zero_live::Context) -> Result<(Db, Arc<dyn PubSub>), String> {
    let db = ctx.state::<Db>().cloned();
    let pubsub = ctx.state::<Arc<dyn PubSub>>().cloned();
    db.zip(pubsub).ok_or_else(|| "the app shares no database with its views (App::new)".to_owned())
}

/// Opens the database at `url` and applies the migrations it lacks.
pub async fn database(url: &str) -> Result<Db, String> {
    let db = Db::connect(url).await.map_err(|e| e.to_string())?;
    let migrations = migrations().map_err(|e| e.to_string())?;
    db.migrate(&migrations).await.map_err(|e| e.to_string())?;
    Ok(db)
}

impl App {
    /// Reads `spec/security.toml`, `spec/endpoint.toml` and `spec/database.toml` under `root`
    /// (`DATABASE_URL` overrides the last), migrates the database, and takes the signing keys
    /// from `SECRET_KEY_BASE` and `SECRET_KEY_BASE_PREVIOUS` (`zero_live::keys`: a release
    /// build refuses to start without a 64-byte key or with the origin check off; a
    /// development build without one keeps a key in `.zero-live/`).
    pub async fn load(root: &Path) -> Result<App, String> {
        let security = root.join("spec/security.toml");
        let text = std::fs::read_to_string(&security)
            .map_err(|e| format!("{}: {e}", security.display()))?;
        let config =
            LiveConfig::from_toml(&text).map_err(|e| format!("{}: {e}", security.display()))?;
        let endpoint =
            Endpoint::load(&root.join("spec/endpoint.toml")).map_err(|e| e.to_string())?;
        let release = !cfg!(debug_assertions);
        zero_live::keys::check_release(&config, release)?;
        let signer = zero_live::keys::signer_from_env(|k| std::env::var(k).ok(), release, root)?;
        let url =
            zero_db::url_from_file(&root.join("spec/database.toml")).map_err(|e| e.to_string())?;
        let db = database(&url).await?;
        features::Features::check(Some(root))?;
        Ok(App::build(config, signer, endpoint, db, Some(root)))
    }

    /// The app with these policies, signing key, endpoint and database (what tests build): it
    /// keeps no development state on disk.
    pub fn new(config: LiveConfig, signer: Signer, endpoint: Endpoint, db: Db) -> App {
        App::build(config, signer, endpoint, db, None)
    }

    /// The app; a served one's features keep their development state under `root`.
    fn build(
        config: LiveConfig,
        signer: Signer,
        endpoint: Endpoint,
        db: Db,
        root: Option<&Path>,
    ) -> App {
        // One PubSub adapter: sessions subscribe through it, the domain publishes on it.
        let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
        let features = features::Features::new(&db, &pubsub, &endpoint, root);
        // Cookies are `Secure` with `__Host-` names in release builds and over TLS.
        let secure_cookies = !cfg!(debug_assertions) || endpoint.tls.is_some();
        let builder = Live::builder()
            .config(config)
            .signer(signer)
            .secure_cookies(secure_cookies)
            .assets(zero_live_core::colocated_assets!())
            .pubsub(pubsub.clone())
            // Views reach them with `ctx.state::<Db>()` and `ctx.state::<Arc<dyn PubSub>>()`.
            .state(db.clone())
            .state(pubsub.clone())
            .root_layout(layouts::root);
        let live = routes::live_views(features.share(builder)).build();
        // HTTP handlers reach them with `Extension<Db>` and `Extension<Arc<dyn PubSub>>`, and
        // the endpoint (its root layout and signer, for pages that are not live) with
        // `Extension<Live>`.
        // One layer call: each `Router::layer` boxes every route again. A path no route names
        // gets the app's 404 page. The features' layers run first.
        let routes = routes::router(&live).fallback(http::not_found).layer(
            tower::ServiceBuilder::new()
                .layer(Extension(db.clone()))
                .layer(Extension(pubsub))
                .layer(Extension(live.clone())),
        );
        let routes = features.layer(&live, routes);
        let router = endpoint.wrap(routes, &live);
        App { live, router, endpoint, db, features }
    }

    /// Serves until Ctrl-C or SIGTERM, then closes the live sessions gracefully.
    pub async fn serve(self) -> std::io::Result<()> {
        self.endpoint.serve(&self.live, self.router).await
    }
}
