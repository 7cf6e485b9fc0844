//! The web layer: live views (`live/`), layouts, components, HTTP handlers, pipelines, and the
//! routes `zerogen generate` writes from `spec/routes.tsv`.

pub mod auth;
pub mod components;
pub mod features;
pub mod http;
pub mod layouts;
pub mod live;
pub mod pipelines;
pub mod routes;
pub mod storage;

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

/// `spec/NAME` as the binary was built with it, or the file of that name in the folder
/// `CONFIG_DIR` names (read through `env`) when it has one. The binary needs no `spec/` beside
/// it; the environment then overrides single settings (`PORT`, `DATABASE_URL`, ...).
pub fn spec_file(
    name: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<zero_live::config::ConfigFile, String> {
    let built = match name {
        "security.toml" => include_str!("../spec/security.toml"),
        "endpoint.toml" => include_str!("../spec/endpoint.toml"),
        "database.toml" => include_str!("../spec/database.toml"),
        _ => return Err(format!("spec/{name} is not a configuration file of the app")),
    };
    zero_live::config::ConfigFile::layered(name, built, env)
}

/// The app's folder, where a development build keeps its state (`.zero-live/`: its signing
/// key, its dev mailbox). A release build keeps nothing there and never reads it.
fn dev_root() -> Option<&'static Path> {
    cfg!(debug_assertions).then(|| Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// What the app runs with, read and checked before anything connects: its policies, where it
/// listens, its signing keys and its database URL.
#[derive(Debug)]
pub struct Config {
    /// `security.toml`.
    pub security: LiveConfig,
    /// `endpoint.toml`, `HOST` and `PORT`.
    pub endpoint: Endpoint,
    /// `SECRET_KEY_BASE` and `SECRET_KEY_BASE_PREVIOUS`.
    pub signer: Signer,
    /// `database.toml` or `DATABASE_URL`.
    pub database_url: String,
}

impl Config {
    /// Reads the configuration ([`spec_file`]: `security.toml`, `endpoint.toml` and
    /// `database.toml`, each built in or from `CONFIG_DIR`; `HOST`, `PORT` and `DATABASE_URL`
    /// override them) and the signing keys (`zero_live::keys`: a release build refuses to
    /// start without a 64-byte `SECRET_KEY_BASE` or with the origin check off; a development
    /// build without one keeps a key in `.zero-live/`), all through `env`, and runs the
    /// features' checks.
    pub fn load(env: impl Fn(&str) -> Option<String> + Copy) -> Result<Config, String> {
        let file = spec_file("security.toml", env)?;
        let security =
            LiveConfig::from_toml(&file.text).map_err(|e| format!("{}: {e}", file.origin))?;
        let file = spec_file("endpoint.toml", env)?;
        let endpoint =
            Endpoint::from_toml(&file.text, env).map_err(|e| format!("{}:{}", file.origin, e.0))?;
        let release = !cfg!(debug_assertions);
        zero_live::keys::check_release(&security, release)?;
        let root = dev_root().unwrap_or(Path::new("."));
        let signer = zero_live::keys::signer_from_env(env, release, root)?;
        let file = spec_file("database.toml", env)?;
        let database_url =
            zero_db::url_from_text(&file.text, env).map_err(|e| format!("{}: {e}", file.origin))?;
        features::Features::check(dev_root())?;
        Ok(Config { security, endpoint, signer, database_url })
    }
}

impl App {
    /// [`App::load_with`] the process's environment.
    pub async fn load() -> Result<App, String> {
        App::load_with(|name| std::env::var(name).ok()).await
    }

    /// The app as [`Config::load`] reads it through `env`, its database migrated.
    pub async fn load_with(env: impl Fn(&str) -> Option<String> + Copy) -> Result<App, String> {
        let config = Config::load(env)?;
        let db = database(&config.database_url).await?;
        Ok(App::build(config.security, config.signer, config.endpoint, db, dev_root()))
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
            // The database pool at `/metrics` (with `METRICS_TOKEN`).
            .gauge("zero_db_pool_connections", "Database connections open.", {
                let db = db.clone();
                move || f64::from(db.pool().size())
            })
            .gauge("zero_db_pool_idle_connections", "Database connections open and idle.", {
                let db = db.clone();
                move || db.pool().num_idle() as f64
            })
            // `/health/ready` answers 503 while the database does not.
            .ready_check("database", {
                let db = db.clone();
                move || {
                    let db = db.clone();
                    async move { db.ping().await.map_err(|e| e.to_string()) }
                }
            })
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
