#![allow(clippy::unwrap_used)]
//! `/health/live` and `/health/ready` over real HTTP: ready while every check passes, `503`
//! naming (not explaining) the check that fails or hangs, and `503 draining` from the moment
//! shutdown starts; live throughout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zero_live::endpoint::{Endpoint, LIVE_PATH, READY_PATH};
use zero_live::{Live, LiveConfig};

/// The counter with `live` built by the caller, behind the endpoint on a loopback port.
fn serve(live: &Live) -> u16 {
    let endpoint = Endpoint::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = endpoint.wrap(live.router(), live);
    let live = live.clone();
    tokio::spawn(async move { endpoint.serve_on(listener, &live, router).await });
    port
}

async fn get(port: u16, path: &str) -> (u16, serde_json::Value) {
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_string(&mut text))
        .await
        .unwrap()
        .unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or_default())
}

#[tokio::test]
async fn ready_follows_its_checks_and_names_the_failing_one_without_saying_why() {
    let up = Arc::new(AtomicBool::new(true));
    let database = up.clone();
    let live = counter::builder(LiveConfig::default())
        .ready_check("database", move || {
            let up = database.load(Ordering::SeqCst);
            async move { if up { Ok(()) } else { Err("connection refused (10.0.0.5:5432)".into()) } }
        })
        .build();
    let port = serve(&live);
    let (status, body) = get(port, READY_PATH).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["pubsub"], "ok");
    up.store(false, Ordering::SeqCst);
    let (status, body) = get(port, READY_PATH).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "failing");
    assert!(!body.to_string().contains("10.0.0.5"), "why stays in the log: {body}");
    assert_eq!(get(port, LIVE_PATH).await.0, 200, "not ready is still live");
    up.store(true, Ordering::SeqCst);
    assert_eq!(get(port, READY_PATH).await.0, 200, "ready again");
    live.shutdown();
}

#[tokio::test]
async fn a_hanging_check_fails_in_bounded_time() {
    let live = counter::builder(LiveConfig::default())
        .ready_check("queue", std::future::pending::<Result<(), String>>)
        .build();
    let port = serve(&live);
    let started = std::time::Instant::now();
    let (status, body) = get(port, READY_PATH).await;
    assert_eq!((status, body["checks"]["queue"].as_str()), (503, Some("failing")));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    live.shutdown();
}

#[tokio::test]
async fn shutting_down_is_not_ready_from_its_first_moment() {
    use tower::ServiceExt as _;
    let live = counter::builder(LiveConfig::default()).build();
    let router = Endpoint::default().wrap(live.router(), &live);
    let probe = |path: &'static str| {
        let request = axum::http::Request::get(path)
            .header("host", "127.0.0.1")
            .body(axum::body::Body::empty())
            .unwrap();
        router.clone().oneshot(request)
    };
    assert_eq!(probe(READY_PATH).await.unwrap().status(), 200);
    // A connection still open when shutdown starts asks again: the balancer is told to stop.
    live.shutdown();
    let draining = probe(READY_PATH).await.unwrap();
    assert_eq!(draining.status(), 503);
    let body = axum::body::to_bytes(draining.into_body(), 1024).await.unwrap();
    assert_eq!(&body[..], b"{\"status\":\"draining\"}");
    assert_eq!(probe(LIVE_PATH).await.unwrap().status(), 200, "draining is still live");
}
