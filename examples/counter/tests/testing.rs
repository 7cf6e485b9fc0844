#![allow(clippy::unwrap_used)]
//! `zero_live::testing` against the counter: what an app's tests do without a browser.

use serde_json::json;
use zero_live::LiveConfig;
use zero_live::testing::TestServer;

async fn server() -> TestServer {
    let live = counter::live(LiveConfig::default());
    TestServer::start(live.router(), live).await.unwrap()
}

#[tokio::test]
async fn a_view_is_joined_clicked_patched_and_navigated_over_a_real_socket() {
    let server = server().await;
    let mut view = server.live("/?start=3").await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 3</h1>"));
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 4</h1>"));
    view.patch("/?start=9").await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 9</h1>"));
    // Effects sent after a reply arrive through `receive`.
    view.event("reveal", json!({})).await.unwrap();
    let exec = view.receive().await.unwrap();
    assert_eq!(exec["kind"], "exec");
    view.event("hooked", json!({})).await.unwrap();
    assert_eq!(view.receive().await.unwrap()["event"], "ping");
    let reply = view.navigate("/notes").await.unwrap();
    assert_eq!(reply["title"], "Notes");
    assert!(view.html().unwrap().contains("Mounted connected: true"));
    assert!(server.url("/notes").starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn refusals_are_errors_not_panics() {
    let server = server().await;
    let mut view = server.live("/").await.unwrap();
    let unknown = view.event("explode", json!({})).await.unwrap_err();
    assert!(unknown.to_string().contains("unknown_event"), "{unknown}");
    assert!(view.navigate("/nowhere").await.unwrap_err().to_string().contains("no_route"));
    assert!(server.live("/missing").await.is_err(), "a path with no view is refused at join");
    // The view still works after the refusals.
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 1</h1>"));
}

/// A PubSub adapter shared with code outside the web layer: what it publishes reaches the
/// views subscribed through the endpoint; an endpoint with its own adapter hears nothing.
#[tokio::test]
async fn a_shared_pubsub_carries_messages_published_outside_the_web_layer() {
    use std::sync::Arc;
    use zero_live::pubsub::{Local, PubSub, publish};
    let shared: Arc<dyn PubSub> = Arc::new(Local::default());
    let live = counter::builder(LiveConfig::default()).pubsub(shared.clone()).build();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/").await.unwrap();
    assert_eq!(shared.subscribers(counter::ANNOUNCEMENTS), 1);
    assert_eq!(publish(&*shared, counter::ANNOUNCEMENTS, "Deploy at noon".to_owned()), 1);
    view.receive().await.unwrap();
    assert!(view.html().unwrap().contains("Deploy at noon"), "{}", view.html().unwrap());

    let other = counter::live(LiveConfig::default());
    let other_server = TestServer::start(other.router(), other).await.unwrap();
    let _other_view = other_server.live("/").await.unwrap();
    assert_eq!(publish(&*shared, counter::ANNOUNCEMENTS, "again".to_owned()), 1, "one subscriber");
}

/// `{name}` segments: the page and the live session of `/from/{start}` read the segment; a
/// path with a missing or extra segment is no route; a forged path in the join is refused.
#[tokio::test]
async fn routes_with_parameters_serve_pages_and_sessions() {
    let server = server().await;
    let (status, body) = http_get(&server.url("/from/7")).await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Count: 7</h1>"), "{body}");
    let (status, body) = http_get(&server.url("/from/x%20y")).await;
    assert_eq!(status, 400, "a segment the view refuses is a bad request: {body}");
    assert!(body.contains("bad start `x y`"), "percent-decoded: {body}");
    for missing in ["/from/", "/from", "/from/7/8"] {
        assert_eq!(http_get(&server.url(missing)).await.0, 404, "{missing}");
    }
    let mut view = server.live("/from/41").await.unwrap();
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 42</h1>"));
    let reply = view.navigate("/from/5").await.unwrap();
    assert_eq!(reply["status"], "ok", "{reply}");
    assert!(view.html().unwrap().contains("<h1>Count: 5</h1>"));
    assert!(server.live("/from/").await.is_err(), "an empty segment has no view");
}

/// A GET over a plain TCP connection: status and body.
async fn http_get(url: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// A value shared with `LiveBuilder::state` reaches every view's context, disconnected and
/// connected; without it the view falls back.
#[tokio::test]
async fn shared_state_reaches_views() {
    let live = counter::builder(LiveConfig::default()).state(counter::StartAt(100)).build();
    let shared = TestServer::start(live.router(), live).await.unwrap();
    let (status, body) = http_get(&shared.url("/")).await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Count: 100</h1>"), "{body}");
    let mut view = shared.live("/").await.unwrap();
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 101</h1>"));
    assert!(shared.live("/?start=3").await.unwrap().html().unwrap().contains("<h1>Count: 3</h1>"));
    let plain = server().await;
    assert!(plain.live("/").await.unwrap().html().unwrap().contains("<h1>Count: 0</h1>"));
}
