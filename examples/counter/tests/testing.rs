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
