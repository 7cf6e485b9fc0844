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
