//! Plain HTTP handlers the routes table names, and the page for paths no route names.

use std::collections::BTreeMap;

use axum::Extension;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use zero_live::Live;
use zero_live::server::html_page;
use zero_live_core::Template as _;

/// `GET /api/status`: the app's name and version, as JSON.
pub async fn status() -> Response {
    let body =
        serde_json::json!({ "app": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// The page for a path no route names.
#[derive(Debug)]
pub struct NotFound {
    /// The path asked for.
    pub path: String,
}
zero_live_core::template!(NotFound, "html/not_found");

/// Any path no route names (the router's fallback): 404, "Page not found" in the app's layout.
pub async fn not_found(Extension(live): Extension<Live>, request: Parts) -> Response {
    let body = NotFound { path: request.uri.path().to_owned() }.to_html();
    html_page(&live, &request, StatusCode::NOT_FOUND, "Page not found", &BTreeMap::new(), &body)
}
