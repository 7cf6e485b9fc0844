//! Plain HTTP handlers the routes table names.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `GET /api/status`: the app's name and version, as JSON.
pub async fn status() -> Response {
    let body =
        serde_json::json!({ "app": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
