//! The health checks a load balancer and an orchestrator poll:
//!
//! - `GET /health/live`: `200` while the process serves (restart it when this fails);
//! - `GET /health/ready`: `200` when every readiness check passes (the app's database, its
//!   PubSub adapter, and whatever else the app registered with
//!   [`LiveBuilder::ready_check`](crate::LiveBuilder::ready_check)), `503` when one fails or
//!   times out (2 s) and from the moment shutdown starts, so traffic moves to another node
//!   while this one drains. The body names each check `ok` or `failing`; why one failed is
//!   logged (`zero_live::health`, `WARN`), never answered: the path needs no token;
//! - `GET /health`: `200` with the live sockets open now (kept for existing probes).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Live;

/// How long one readiness check may take before it counts as failing.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A readiness check: resolves to `Err(why)` when what it checks cannot serve.
pub type ReadyCheck =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// The named checks `/health/ready` runs, in registration order.
#[derive(Clone, Default)]
pub(crate) struct Readiness(pub(crate) Vec<(&'static str, ReadyCheck)>);

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(name, _)| name)).finish()
    }
}

impl Live {
    /// Runs every readiness check (the PubSub adapter's first): each name with its outcome.
    pub async fn ready(&self) -> Vec<(&'static str, Result<(), String>)> {
        let mut out = vec![("pubsub", self.pubsub().ready())];
        for (name, check) in &self.readiness().0 {
            let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check()).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())),
            };
            out.push((name, outcome));
        }
        out
    }
}

fn json(status: StatusCode, body: String) -> Response {
    let headers = [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")];
    (status, headers, body).into_response()
}

/// `GET /health`: the live sockets open now.
pub(crate) async fn health(State(live): State<Live>) -> Response {
    json(StatusCode::OK, format!("{{\"status\":\"ok\",\"sessions\":{}}}", live.active_sessions()))
}

/// `GET /health/live`.
pub(crate) async fn live(State(_): State<Live>) -> Response {
    json(StatusCode::OK, "{\"status\":\"ok\"}".to_owned())
}

/// `GET /health/ready`.
pub(crate) async fn ready(State(live): State<Live>) -> Response {
    if live.is_shutting_down() {
        return json(StatusCode::SERVICE_UNAVAILABLE, "{\"status\":\"draining\"}".to_owned());
    }
    let outcomes = live.ready().await;
    let mut checks = serde_json::Map::new();
    let mut ready = true;
    for (name, outcome) in outcomes {
        let word = match outcome {
            Ok(()) => "ok",
            Err(why) => {
                tracing::warn!(target: "zero_live::health", check = name, error = %why, "not ready");
                ready = false;
                "failing"
            }
        };
        checks.insert(name.to_owned(), word.into());
    }
    let (status, word) = if ready {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    json(status, serde_json::json!({ "status": word, "checks": checks }).to_string())
}
