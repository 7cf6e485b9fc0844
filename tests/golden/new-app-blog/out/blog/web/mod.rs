//! The web layer: live views (`live/`), layouts, components, HTTP handlers, pipelines, and the
//! routes `zerogen generate` writes from `spec/routes.tsv`.

pub mod components;
pub mod http;
pub mod layouts;
pub mod live;
pub mod pipelines;
pub mod routes;

use std::path::Path;

use zero_live::{Endpoint, Live, LiveConfig, Signer};

/// The app, ready to serve: its live endpoint, its router and where it listens.
#[derive(Debug)]
pub struct App {
    /// The live endpoint (sessions, PubSub).
    pub live: Live,
    /// Every route, behind the endpoint's layers.
    pub router: axum::Router,
    /// Where it listens.
    pub endpoint: Endpoint,
}

impl App {
    /// Reads `spec/security.toml` and `spec/endpoint.toml` under `root`, and the signing key
    /// from `SECRET_KEY_BASE` (a random key when unset: tokens then die with the process).
    pub fn load(root: &Path) -> Result<App, String> {
        let security = root.join("spec/security.toml");
        let text = std::fs::read_to_string(&security)
            .map_err(|e| format!("{}: {e}", security.display()))?;
        let config = LiveConfig::from_toml(&text)
            .map_err(|e| format!("{}: {e}", security.display()))?;
        let endpoint =
            Endpoint::load(&root.join("spec/endpoint.toml")).map_err(|e| e.to_string())?;
        let signer = match std::env::var("SECRET_KEY_BASE") {
            Err(_) => Signer::random(),
            Ok(secret) => Signer::new(secret.as_bytes()).map_err(|_| {
                "SECRET_KEY_BASE needs at least 32 bytes (try `openssl rand -base64 48`)"
                    .to_owned()
            })?,
        };
        Ok(App::new(config, signer, endpoint))
    }

    /// The app with these policies, signing key and endpoint (what tests build).
    pub fn new(config: LiveConfig, signer: Signer, endpoint: Endpoint) -> App {
        let builder = Live::builder()
            .config(config)
            .signer(signer)
            .assets(zero_live_core::colocated_assets!())
            .root_layout(layouts::root);
        let live = routes::live_views(builder).build();
        let router = endpoint.wrap(routes::router(&live), &live);
        App { live, router, endpoint }
    }

    /// Serves until Ctrl-C or SIGTERM, then closes the live sessions gracefully.
    pub async fn serve(self) -> std::io::Result<()> {
        self.endpoint.serve(&self.live, self.router).await
    }
}
