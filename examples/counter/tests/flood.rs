#![allow(clippy::unwrap_used)]
//! Backpressure: a view flooded with PubSub messages while its client reads slowly keeps
//! taking them at its own pace, coalesces what they change into one diff per write the client
//! takes, ends with the client showing the last message, and holds bounded memory throughout.
//!
//! This file is its own test binary so that its allocator counts only this test's bytes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use zero_live::client::ClientTree;
use zero_live::{Live, LiveConfig};

mod support;
use support::{LIMIT, Ws, recv, send};

/// The system allocator, counting the most bytes live at once since its last reset.
#[global_allocator]
static ALLOCATOR: &PeakMemAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Messages published.
const MESSAGES: usize = 100_000;

/// The most the whole process (server, client and publisher) may hold above its level before
/// the flood: a mailbox of 256 one-KiB messages, one render's frames, the sockets' buffers.
const MEMORY_BOUND: usize = 8 * 1024 * 1024;

/// Message `i`: its number, padded to about a KiB so that, sent one diff each, the flood would
/// be 100 MB: far more than the sockets' buffers hold.
fn message(i: usize) -> String {
    format!("notice {i:06} {}", "x".repeat(1000))
}

async fn serve() -> (Live, std::net::SocketAddr) {
    let live = counter::live(LiveConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = live.router();
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.unwrap();
    });
    (live, addr)
}

async fn joined(live: &Live, addr: std::net::SocketAddr) -> (Ws, ClientTree) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request =
        format!("ws://{addr}{}", zero_live::server::SOCKET_PATH).into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://{addr}").parse().unwrap());
    headers.insert("sec-websocket-protocol", zero_live::protocol::SUBPROTOCOL.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let (token, csrf) = live.tokens_for("/");
    send(&mut ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
    let reply = recv(&mut ws).await;
    assert_eq!(reply["status"], "ok", "{reply}");
    let mut tree = ClientTree::default();
    tree.apply_full(&reply["rendered"]).unwrap();
    (ws, tree)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_view_coalesces_its_renders_for_a_slow_client_and_ends_right() {
    let (live, addr) = serve().await;
    let (mut ws, mut tree) = joined(&live, addr).await;
    ALLOCATOR.reset_peak_memory();

    // The publisher: every message reaches the session (one that finds the mailbox full is
    // published again a moment later), as fast as the session takes them.
    let published = std::sync::Arc::new(AtomicBool::new(false));
    let publisher = tokio::spawn({
        let live = live.clone();
        let published = published.clone();
        async move {
            let mut retries = 0u64;
            for i in 1..=MESSAGES {
                let text = message(i);
                while live.broadcast(counter::ANNOUNCEMENTS, text.clone()) == 0 {
                    retries += 1;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            published.store(true, Ordering::SeqCst);
            retries
        }
    });

    // The client takes a frame every 2 ms while the flood lasts (at most 500 diffs a second:
    // a 100,000-diff answer would take over 3 minutes), then reads on until the last message
    // shows.
    let last = message(MESSAGES);
    let mut frames = 0usize;
    let mut replied = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next()).await;
        let Ok(Some(Ok(Message::Text(text)))) = next else {
            panic!("the session ended or stalled after {frames} frames: {next:?}");
        };
        frames += 1;
        let message: Value = serde_json::from_str(&text).unwrap();
        if message["kind"] == "reply" {
            assert_eq!(message["ref"], 2, "{message}");
            replied = Some(frames);
            tree.apply_diff(&message["rendered"]).unwrap();
            continue;
        }
        assert_eq!(message["kind"], "diff", "{message}");
        tree.apply_diff(&message["diff"]).unwrap();
        if text.contains(&last) {
            break;
        }
        // A click amid the flood: the session reads the client's frames between its turns.
        if frames == 20 {
            send(&mut ws, json!({"v": 1, "kind": "event", "ref": 2, "type": "click", "event": "inc", "value": {}})).await;
        }
        if !published.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let peak = ALLOCATOR.get_peak_memory();
    let retries = publisher.await.unwrap();

    let html = tree.to_html().unwrap();
    assert!(html.contains(&format!("notice {MESSAGES:06}")), "the last message shows");
    assert!(
        frames < MESSAGES / 10,
        "{frames} diffs for {MESSAGES} messages: the renders were not coalesced"
    );
    assert!(
        peak < MEMORY_BOUND,
        "the process held {peak} bytes more at its peak (bound {MEMORY_BOUND})"
    );
    // What was measured, for the docs' figures (`--nocapture`).
    println!(
        "{frames} frames (the click answered at {replied:?}), peak +{peak} bytes, {retries} publishes found the mailbox full"
    );

    assert!(replied.is_some(), "the click amid the flood was answered before it ended");
    assert!(html.contains("Count: 1"), "the click counted");
    // The session answers events as before.
    send(
        &mut ws,
        json!({"v": 1, "kind": "event", "ref": 3, "type": "click", "event": "inc", "value": {}}),
    )
    .await;
    let reply = recv(&mut ws).await;
    assert_eq!(reply["kind"], "reply", "{reply}");
    drop(ws);
    assert!(live.drained(LIMIT).await);
}
