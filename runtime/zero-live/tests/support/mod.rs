//! What the OTLP tests share: a live endpoint serving a route on a loopback port.

use std::net::SocketAddr;

use zero_live::{Endpoint, Live};

/// A `Live` with `path` answering `body` behind the endpoint's layers, served on a loopback
/// port (listening when this returns).
pub(crate) async fn serve(path: &str, body: &'static str) -> (Live, SocketAddr) {
    let live = Live::builder().build();
    let routes = live.router().route(path, axum::routing::get(move || async move { body }));
    let endpoint = Endpoint::default();
    let router = endpoint.wrap(routes, &live);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let served = live.clone();
    tokio::spawn(async move { endpoint.serve_on(listener, &served, router).await });
    (live, addr)
}
