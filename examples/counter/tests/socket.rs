#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]
//! The live transport over a real loopback socket, driven by a Rust WebSocket client
//! (tokio-tungstenite): every rule of `zero_live::server` accepted and refused, and each refusal
//! leaves the server serving other sessions.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use zero_live::client::ClientTree;
use zero_live::{Live, LiveConfig};

mod support;
use support::{LIMIT, Ws, recv, send};

struct Server {
    live: Live,
    addr: std::net::SocketAddr,
}

async fn serve(config: LiveConfig) -> Server {
    let live = counter::live(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = live.router();
    let waiter = live.clone();
    tokio::spawn(async move {
        // With the peer's address, as the endpoint serves: per-client limits key on it.
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(async move { waiter.shutdown_requested().await })
            .await
            .unwrap();
    });
    Server { live, addr }
}

impl Server {
    async fn connect_with(
        &self,
        origin: Option<&str>,
        protocol: Option<&str>,
    ) -> Result<Ws, WsError> {
        let mut request = format!("ws://{}{}", self.addr, zero_live::server::SOCKET_PATH)
            .into_client_request()?;
        let headers = request.headers_mut();
        if let Some(origin) = origin {
            headers.insert("origin", origin.parse().unwrap());
        }
        if let Some(protocol) = protocol {
            headers.insert("sec-websocket-protocol", protocol.parse().unwrap());
        }
        let (ws, _) = tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(request))
            .await
            .unwrap()?;
        Ok(ws)
    }

    async fn connect(&self) -> Ws {
        let origin = format!("http://{}", self.addr);
        self.connect_with(Some(&origin), Some(zero_live::protocol::SUBPROTOCOL)).await.unwrap()
    }

    /// A socket that has joined `/`; returns the client tree after the join.
    async fn joined(&self) -> (Ws, ClientTree) {
        let mut ws = self.connect().await;
        let (token, csrf) = self.live.tokens_for("/");
        let reply = join(&mut ws, &token, &csrf).await;
        assert_eq!(reply["status"], "ok", "{reply}");
        let mut tree = ClientTree::default();
        tree.apply_full(&reply["rendered"]).unwrap();
        (ws, tree)
    }
}

async fn join(ws: &mut Ws, token: &str, csrf: &str) -> Value {
    send(ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
    recv(ws).await
}

async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.to_owned().into())).await.unwrap();
}

/// The next text message, as JSON.
/// Reads until the server closes; returns the close code.
async fn closed(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(LIMIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => return frame.map(|f: CloseFrame| f.code.into()),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return None,
        }
    }
}

async fn event(ws: &mut Ws, reference: u64, name: &str, value: Value) -> Value {
    send(ws, json!({"v": 1, "kind": "event", "ref": reference, "type": "click", "event": name, "value": value})).await;
    recv(ws).await
}

/// The value of the sample `series` (name and labels) in the server's metrics.
fn metric(server: &Server, series: &str) -> f64 {
    let text = server.live.metrics_text();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

/// The counter still works for a fresh session.
async fn still_serving(server: &Server) {
    let (mut ws, mut tree) = server.joined().await;
    let reply = event(&mut ws, 2, "inc", json!({})).await;
    tree.apply_diff(&reply["rendered"]).unwrap();
    assert!(tree.to_html().unwrap().contains("Count: 1"));
}

#[tokio::test]
async fn page_renders_disconnected_with_tokens() {
    let server = serve(LiveConfig::default()).await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET /?start=41 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut page = String::new();
    tcp.read_to_string(&mut page).await.unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<h1>Count: 41</h1>") && page.contains("<title>Counter</title>"));
    assert!(page.contains("data-zl-session=\"") && page.contains("name=\"csrf-token\""));
    // Served under the strict policy of security.toml, with no inline script to allow.
    assert!(
        page.contains("content-security-policy: default-src 'self'; script-src 'self';"),
        "{page}"
    );
    assert!(page.contains("x-content-type-options: nosniff"), "{page}");
    assert!(!page.contains("<script>") && !page.contains(" style="), "no inline script or style");
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET /?start=x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut page = String::new();
    tcp.read_to_string(&mut page).await.unwrap();
    assert!(page.starts_with("HTTP/1.1 400") && page.contains("bad start"), "{page}");
}

#[tokio::test]
async fn join_click_and_keyed_list_round_trips() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, mut tree) = server.joined().await;
    assert!(tree.to_html().unwrap().contains("Count: 0"));
    let reply = event(&mut ws, 2, "inc", json!({})).await;
    assert_eq!(
        (reply["kind"].as_str(), reply["ref"].as_u64(), reply["rev"].as_u64()),
        (Some("reply"), Some(2), Some(1))
    );
    assert_eq!(reply["rendered"], json!({"0": "1"}), "only the changed dynamic travels");
    tree.apply_diff(&reply["rendered"]).unwrap();
    assert!(tree.to_html().unwrap().contains("Count: 1"));
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        let reply = event(&mut ws, 3 + i as u64, "add", json!({"name": name})).await;
        tree.apply_diff(&reply["rendered"]).unwrap();
    }
    let reply = event(&mut ws, 9, "reverse", json!({})).await;
    let list = &reply["rendered"]["1"];
    assert_eq!(list["o"], json!(["3", "2", "1"]), "{reply}");
    assert!(list.get("i").is_none() && list.get("u").is_none(), "a move sends keys only: {reply}");
    tree.apply_diff(&reply["rendered"]).unwrap();
    let html = tree.to_html().unwrap();
    assert!(html.find("item-3").unwrap() < html.find("item-1").unwrap());
    // No change: a reply without a revision or render.
    let reply = event(&mut ws, 10, "remove", json!({"id": 99})).await;
    assert_eq!(reply["status"], "ok");
    assert!(reply.get("rev").is_none() && reply.get("rendered").is_none(), "{reply}");
    // Handler refusals are errors with codes; the session goes on.
    let reply = event(&mut ws, 11, "add", json!({"name": ""})).await;
    assert_eq!(
        (reply["kind"].as_str(), reply["code"].as_str()),
        (Some("error"), Some("invalid_event"))
    );
    let reply = event(&mut ws, 12, "explode", json!({})).await;
    assert_eq!(reply["code"], "unknown_event");
    send(&mut ws, json!({"v": 1, "kind": "heartbeat", "ref": 13})).await;
    assert_eq!(recv(&mut ws).await["kind"], "heartbeat");
    let reply = event(&mut ws, 14, "inc", json!({})).await;
    assert_eq!(reply["rev"], 6, "revisions count renders that changed something");
    // The metrics counted the join, the nine events and the two refused by their handler.
    assert_eq!(metric(&server, "zero_live_joins_total"), 1.0);
    assert_eq!(metric(&server, "zero_live_join_failures_total"), 0.0);
    assert_eq!(metric(&server, "zero_live_events_total"), 9.0);
    assert_eq!(metric(&server, "zero_live_event_errors_total"), 2.0);
    assert_eq!(metric(&server, "zero_live_event_duration_seconds_count"), 9.0);
    assert_eq!(metric(&server, "zero_live_sockets_open"), 1.0);
    assert!(metric(&server, "zero_live_frames_sent_total") >= 11.0, "join, replies, heartbeat");
    assert!(metric(&server, "zero_live_frame_bytes_sent_total") > 100.0);
    send(&mut ws, json!({"v": 1, "kind": "close", "reason": "done"})).await;
    assert_eq!(closed(&mut ws).await, Some(1000));
    tokio::time::timeout(LIMIT, async {
        while server.live.active_sessions() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(metric(&server, "zero_live_socket_closes_total{code=\"1000\"}"), 1.0);
    assert_eq!(metric(&server, "zero_live_sockets_open"), 0.0);
}

#[tokio::test]
async fn refused_upgrades_answer_403_426_and_503() {
    let mut config = LiveConfig::default();
    config.limits.max_connections = 2;
    let server = serve(config).await;
    let status = |e: WsError| match e {
        WsError::Http(response) => response.status().as_u16(),
        other => panic!("{other:?}"),
    };
    let protocol = Some(zero_live::protocol::SUBPROTOCOL);
    let e = server.connect_with(Some("http://evil.example"), protocol).await.unwrap_err();
    assert_eq!(status(e), 403);
    let e = server.connect_with(None, protocol).await.unwrap_err();
    assert_eq!(status(e), 403, "a socket without an Origin is refused");
    let origin = format!("http://{}", server.addr);
    let e = server.connect_with(Some(&origin), None).await.unwrap_err();
    assert_eq!(status(e), 426);
    let e = server.connect_with(Some(&origin), Some("0x0-live.v0")).await.unwrap_err();
    assert_eq!(status(e), 426);
    let first = server.connect().await;
    let (mut second, _) = server.joined().await;
    let e = server.connect_with(Some(&origin), protocol).await.unwrap_err();
    assert_eq!(status(e), 503);
    drop(first);
    // The freed slot serves again; the joined session never noticed.
    let reply = event(&mut second, 2, "inc", json!({})).await;
    assert_eq!(reply["rev"], 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _third = server.connect().await;
    assert_eq!(metric(&server, "zero_live_upgrades_refused_total{reason=\"origin\"}"), 2.0);
    assert_eq!(metric(&server, "zero_live_upgrades_refused_total{reason=\"protocol\"}"), 2.0);
    assert_eq!(metric(&server, "zero_live_upgrades_refused_total{reason=\"capacity\"}"), 1.0);
    assert_eq!(metric(&server, "zero_live_upgrades_total"), 3.0);
}

#[tokio::test]
async fn an_allowed_origin_opens_a_socket_and_check_origin_off_lets_any_in() {
    let protocol = Some(zero_live::protocol::SUBPROTOCOL);
    let status = |e: WsError| match e {
        WsError::Http(response) => response.status().as_u16(),
        other => panic!("{other:?}"),
    };
    let mut config = LiveConfig::default();
    config.origins.allow = vec!["https://app.example.com".to_owned()];
    let server = serve(config).await;
    assert!(server.connect_with(Some("https://app.example.com"), protocol).await.is_ok());
    let e = server.connect_with(Some("https://app.example.com.evil"), protocol).await.unwrap_err();
    assert_eq!(status(e), 403, "only the exact origin is allowed");
    let e = server.connect_with(Some("http://app.example.com"), protocol).await.unwrap_err();
    assert_eq!(status(e), 403, "the scheme is part of the origin");

    let mut open = LiveConfig::default();
    open.origins.check_origin = false;
    let server = serve(open).await;
    assert!(server.connect_with(Some("http://evil.example"), protocol).await.is_ok());
}

#[tokio::test]
async fn malformed_messages_get_specific_errors_and_the_session_goes_on() {
    let server = serve(LiveConfig::default()).await;
    let mut ws = server.connect().await;
    let cases = [
        ("not json", "malformed"),
        ("[1, 2]", "malformed"),
        (r#"{"v": 1, "kind": "shout"}"#, "unknown_kind"),
        (r#"{"v": 1, "kind": "diff", "rev": 1, "diff": {}}"#, "wrong_direction"),
        (r#"{"v": 1, "kind": "event", "type": "click", "value": 1}"#, "missing_field"),
        (r#"{"v": 1, "kind": "event", "type": "click", "event": 5, "value": 1}"#, "mistyped_field"),
        (r#"{"v": 1, "kind": "heartbeat", "extra": true}"#, "unknown_field"),
        (r#"{"v": 1, "kind": "event", "type": "click", "event": "inc", "value": 1}"#, "not_joined"),
    ];
    for (frame, code) in cases {
        send_text(&mut ws, frame).await;
        let reply = recv(&mut ws).await;
        assert_eq!(
            (reply["kind"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{frame}"
        );
    }
    ws.send(Message::Binary(vec![1, 2, 3].into())).await.unwrap();
    assert_eq!(recv(&mut ws).await["code"], "binary_frame");
    // A bad version ends the session with 1002.
    send_text(&mut ws, r#"{"v": 2, "kind": "heartbeat"}"#).await;
    assert_eq!(recv(&mut ws).await["code"], "bad_version");
    assert_eq!(closed(&mut ws).await, Some(1002));
    still_serving(&server).await;
}

#[tokio::test]
async fn oversized_messages_close_with_1009() {
    let mut config = LiveConfig::default();
    config.limits.max_frame_bytes = 2048;
    config.limits.max_message_bytes = 2048;
    let server = serve(config).await;
    let (mut ws, _) = server.joined().await;
    let big = "x".repeat(4096);
    send(&mut ws, json!({"v": 1, "kind": "event", "type": "click", "event": big, "value": 1}))
        .await;
    assert_eq!(closed(&mut ws).await, Some(1009));
    still_serving(&server).await;
}

#[tokio::test]
async fn silent_sockets_close_with_4000_and_heartbeats_keep_them() {
    let mut config = LiveConfig::default();
    config.heartbeat.timeout_secs = 1;
    let server = serve(config).await;
    let (mut ws, _) = server.joined().await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        send(&mut ws, json!({"v": 1, "kind": "heartbeat"})).await;
        assert_eq!(recv(&mut ws).await["kind"], "heartbeat");
    }
    assert_eq!(closed(&mut ws).await, Some(4000));
    assert!(server.live.drained(LIMIT).await, "the timed-out session ended");
}

/// `events_per_second` and `event_burst` hold for every frame a socket sends, events,
/// heartbeats and malformed frames alike: a run of frames over the rate is dropped with one
/// `rate_limited` answer, and the socket goes on once it slows down.
#[tokio::test]
async fn every_frame_counts_against_the_rate_and_a_throttled_run_gets_one_answer() {
    let mut config = LiveConfig::default();
    config.rate_limits.events_per_second = 2;
    config.rate_limits.event_burst = 5;
    let server = serve(config).await;
    let (mut ws, _) = server.joined().await;
    for r in 0..2 {
        assert_eq!(event(&mut ws, r, "inc", json!({})).await["status"], "ok");
    }
    send_text(&mut ws, "not json").await;
    assert_eq!(recv(&mut ws).await["code"], "malformed");
    // The join, two events and the malformed frame took four tokens, the heartbeat takes the
    // fifth; the next 50 frames are over the rate.
    send(&mut ws, json!({"v": 1, "kind": "heartbeat"})).await;
    assert_eq!(recv(&mut ws).await["kind"], "heartbeat");
    for r in 10..60 {
        send(&mut ws, json!({"v": 1, "kind": "event", "ref": r, "type": "click", "event": "inc"}))
            .await;
    }
    let throttled = recv(&mut ws).await;
    assert_eq!(throttled["code"], "rate_limited", "{throttled}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The next answer is the heartbeat's: the 49 other dropped frames got none.
    send(&mut ws, json!({"v": 1, "kind": "heartbeat"})).await;
    assert_eq!(recv(&mut ws).await["kind"], "heartbeat");
    let reply = event(&mut ws, 99, "inc", json!({})).await;
    assert_eq!(reply["status"], "ok", "{reply}");
    assert!(metric(&server, "zero_live_events_rate_limited_total") >= 50.0);
    still_serving(&server).await;
}

/// `max_protocol_errors`: malformed, unknown and misdirected frames are answered each, up to
/// the allowance; the next one closes the socket with 1008, and other sessions go on.
#[tokio::test]
async fn repeated_protocol_errors_close_the_socket_with_1008() {
    let mut config = LiveConfig::default();
    config.limits.max_protocol_errors = 3;
    let server = serve(config).await;
    let mut ws = server.connect().await;
    send_text(&mut ws, "{").await;
    assert_eq!(recv(&mut ws).await["code"], "malformed");
    send(&mut ws, json!({"v": 1, "kind": "launch"})).await;
    assert!(recv(&mut ws).await["code"].is_string());
    // An event before any join is misdirected.
    send(&mut ws, json!({"v": 1, "kind": "event", "ref": 3, "type": "click", "event": "inc"}))
        .await;
    assert_eq!(recv(&mut ws).await["code"], "not_joined");
    // Three errors are allowed: the socket still answers.
    send(&mut ws, json!({"v": 1, "kind": "heartbeat"})).await;
    assert_eq!(recv(&mut ws).await["kind"], "heartbeat");
    ws.send(Message::Binary(vec![1, 2, 3].into())).await.unwrap();
    assert_eq!(recv(&mut ws).await["code"], "binary_frame");
    assert_eq!(closed(&mut ws).await, Some(1008));
    assert_eq!(metric(&server, "zero_live_socket_closes_total{code=\"1008\"}"), 1.0);
    still_serving(&server).await;
}

/// `max_sessions_per_client`: one client's sockets past the cap are closed with 4009 and
/// counted; another client, and the same one after a socket closes, are served.
#[tokio::test]
async fn a_client_past_its_socket_cap_is_closed_with_4009() {
    let mut config = LiveConfig::default();
    config.limits.max_sessions_per_client = 2;
    let server = serve(config).await;
    let (mut first, _) = server.joined().await;
    let (_second, _) = server.joined().await;
    let mut third = server.connect().await;
    assert_eq!(closed(&mut third).await, Some(4009));
    assert_eq!(
        metric(&server, "zero_live_upgrades_refused_total{reason=\"sessions_per_client\"}"),
        1.0
    );
    assert_eq!(metric(&server, "zero_live_socket_closes_total{code=\"4009\"}"), 1.0);
    send(&mut first, json!({"v": 1, "kind": "close", "reason": "done"})).await;
    assert_eq!(closed(&mut first).await, Some(1000));
    assert!(wait_for(|| server.live.active_sessions() == 1).await);
    still_serving(&server).await;
}

/// `joins_per_minute`: a client's joins past its budget are refused (`join_rate`, close
/// 4029) and counted, across sockets; the joins within it were served.
#[tokio::test]
async fn joins_past_the_clients_minute_budget_close_with_4029() {
    let mut config = LiveConfig::default();
    config.rate_limits.joins_per_minute = 2;
    let server = serve(config).await;
    let (mut ws, mut tree) = server.joined().await;
    let reply = event(&mut ws, 2, "inc", json!({})).await;
    tree.apply_diff(&reply["rendered"]).unwrap();
    assert!(tree.to_html().unwrap().contains("Count: 1"));
    let _second = server.joined().await;
    let mut third = server.connect().await;
    let (token, csrf) = server.live.tokens_for("/");
    let reply = join(&mut third, &token, &csrf).await;
    assert_eq!(reply["code"], "join_rate", "{reply}");
    assert_eq!(closed(&mut third).await, Some(4029));
    assert_eq!(metric(&server, "zero_live_upgrades_refused_total{reason=\"join_rate\"}"), 1.0);
    assert_eq!(metric(&server, "zero_live_socket_closes_total{code=\"4029\"}"), 1.0);
}

/// `heartbeat.idle_session_secs`: a socket that joins nothing is closed with 4008; a joined
/// one stays open past that time.
#[tokio::test]
async fn a_socket_that_joins_nothing_is_closed_with_4008_and_a_joined_one_stays() {
    let mut config = LiveConfig::default();
    config.heartbeat.idle_session_secs = 1;
    let server = serve(config).await;
    let (mut joined, _) = server.joined().await;
    let mut idle = server.connect().await;
    let started = std::time::Instant::now();
    assert_eq!(closed(&mut idle).await, Some(4008));
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(&mut joined, json!({"v": 1, "kind": "heartbeat"})).await;
    assert_eq!(recv(&mut joined).await["kind"], "heartbeat");
    assert_eq!(metric(&server, "zero_live_socket_closes_total{code=\"4008\"}"), 1.0);
}

/// `heartbeat.interval_secs` reaches the client in the join's reply.
#[tokio::test]
async fn the_join_reply_tells_the_client_the_heartbeat_interval() {
    let mut config = LiveConfig::default();
    config.heartbeat.interval_secs = 7;
    let server = serve(config).await;
    let mut ws = server.connect().await;
    let (token, csrf) = server.live.tokens_for("/");
    let reply = join(&mut ws, &token, &csrf).await;
    assert_eq!(reply["heartbeat_ms"], 7000, "{reply}");
    let reply = event(&mut ws, 2, "inc", json!({})).await;
    assert!(reply.get("heartbeat_ms").is_none(), "only a join's reply carries it: {reply}");
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_refused_with_4001() {
    let server = serve(LiveConfig::default()).await;
    let (token, csrf) = server.live.tokens_for("/");
    let other = counter::live(LiveConfig::default());
    let (foreign, foreign_csrf) = other.tokens_for("/");
    let mut config = LiveConfig::default();
    config.tokens.session_token_secs = 0;
    let expiring = serve(config).await;
    let (old, old_csrf) = expiring.live.tokens_for("/");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (server, token, csrf, code) in [
        (&server, foreign.as_str(), foreign_csrf.as_str(), "token_invalid"),
        (&server, "garbage", csrf.as_str(), "token_malformed"),
        (&server, token.as_str(), foreign_csrf.as_str(), "csrf_invalid"),
        (&expiring, old.as_str(), old_csrf.as_str(), "token_expired"),
    ] {
        let mut ws = server.connect().await;
        let reply = join(&mut ws, token, csrf).await;
        assert_eq!(reply["code"], code);
        assert_eq!(closed(&mut ws).await, Some(4001), "{code}");
    }
    still_serving(&server).await;
    assert_eq!(metric(&server, "zero_live_join_failures_total"), 3.0);
    assert_eq!(metric(&expiring, "zero_live_join_failures_total"), 1.0);
    assert_eq!(metric(&server, "zero_live_joins_total"), 1.0, "still_serving's join");
    assert_eq!(metric(&server, "zero_live_socket_closes_total{code=\"4001\"}"), 3.0);
}

#[tokio::test]
async fn reconnect_with_a_valid_token_remounts_cleanly() {
    let server = serve(LiveConfig::default()).await;
    let (token, csrf) = server.live.tokens_for("/");
    let mut ws = server.connect().await;
    let first = join(&mut ws, &token, &csrf).await;
    event(&mut ws, 2, "inc", json!({})).await;
    drop(ws);
    let mut ws = server.connect().await;
    let again = join(&mut ws, &token, &csrf).await;
    assert_eq!(again["rev"], 0);
    assert_eq!(again["rendered"], first["rendered"], "a fresh mount with statics resent");
    let mut ws2 = server.connect().await;
    let twice = join(&mut ws2, &token, &csrf).await;
    assert_eq!(twice["status"], "ok");
    send(&mut ws2, json!({"v": 1, "kind": "join", "ref": 5, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
    assert_eq!(recv(&mut ws2).await["code"], "already_joined");
}

#[tokio::test]
async fn shutdown_closes_every_session_with_1001() {
    let server = serve(LiveConfig::default()).await;
    let (mut a, _) = server.joined().await;
    let (mut b, _) = server.joined().await;
    assert_eq!(server.live.active_sessions(), 2);
    server.live.shutdown();
    assert_eq!(closed(&mut a).await, Some(1001));
    assert_eq!(closed(&mut b).await, Some(1001));
    assert!(server.live.drained(LIMIT).await);
}

#[tokio::test]
async fn a_slow_consumer_is_disconnected_and_memory_stays_bounded() {
    let mut config = LiveConfig::default();
    config.limits.outbound_queue = 4;
    config.rate_limits.events_per_second = 1_000_000;
    config.rate_limits.event_burst = 1_000_000;
    let server = serve(config).await;
    let (ws, _) = server.joined().await;
    let (mut sink, mut stream) = ws.split();
    // Send heartbeats and never read: the server's replies pile up until the queue overflows.
    let frame = json!({"v": 1, "kind": "heartbeat"}).to_string();
    let flood = async {
        for _ in 0..200_000 {
            if sink.send(Message::Text(frame.clone().into())).await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(20), flood).await;
    assert!(server.live.drained(Duration::from_secs(20)).await, "the slow session was closed");
    // Reading now finds the end of the stream (a 1008 close, or a reset if it could not be sent).
    let mut end = None;
    while let Ok(Some(message)) = tokio::time::timeout(LIMIT, stream.next()).await {
        match message {
            Ok(Message::Close(frame)) => {
                end = Some(frame.map(|f| u16::from(f.code)));
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(matches!(end, None | Some(Some(1008))), "{end:?}");
    still_serving(&server).await;
}

/// Thousands of connect/join/disconnect cycles leave no session, task or descriptor behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_task_or_descriptor_leaks_after_connect_disconnect_cycles() {
    // 2,020 joins from one client: its join budget is lifted (the limit has its own test).
    let mut config = LiveConfig::default();
    config.rate_limits.joins_per_minute = 1_000_000;
    let server = serve(config).await;
    let fds = || std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0);
    // Warm up, then measure.
    for _ in 0..20 {
        let (ws, _) = server.joined().await;
        drop(ws);
    }
    assert!(server.live.drained(LIMIT).await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let tasks_before = tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let fds_before = fds();
    for i in 0..2_000u64 {
        let (mut ws, _) = server.joined().await;
        if i % 2 == 0 {
            event(&mut ws, 2, "inc", json!({})).await;
            ws.close(None).await.unwrap();
        }
        drop(ws);
    }
    assert!(server.live.drained(LIMIT).await, "{} sessions left", server.live.active_sessions());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let tasks_after = tokio::runtime::Handle::current().metrics().num_alive_tasks();
    assert!(tasks_after <= tasks_before + 2, "tasks {tasks_before} -> {tasks_after}");
    let fds_after = fds();
    assert!(fds_after <= fds_before + 4, "descriptors {fds_before} -> {fds_after}");
}

/// The wire messages of one session, as snapshots: any change to the protocol's bytes shows up
/// in review.
#[tokio::test]
async fn wire_messages_of_a_session_are_stable() {
    let server = serve(LiveConfig::default()).await;
    let mut ws = server.connect().await;
    let (token, csrf) = server.live.tokens_for("/");
    let joined = join(&mut ws, &token, &csrf).await;
    insta::assert_json_snapshot!("join_reply", joined);
    insta::assert_json_snapshot!("click_reply", event(&mut ws, 2, "inc", json!({})).await);
    insta::assert_json_snapshot!(
        "add_reply",
        event(&mut ws, 3, "add", json!({"name": "<b>x</b>"})).await
    );
    insta::assert_json_snapshot!("error_reply", event(&mut ws, 4, "nope", json!({})).await);
}

#[tokio::test]
async fn published_messages_reach_subscribed_sessions_as_pushed_diffs() {
    let server = serve(LiveConfig::default()).await;
    let (mut a, mut tree_a) = server.joined().await;
    let (mut b, _) = server.joined().await;
    let (c, _) = server.joined().await;
    drop(c);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        server.live.pubsub().subscribers(counter::ANNOUNCEMENTS),
        2,
        "the closed session left"
    );
    let delivered =
        server.live.broadcast(counter::ANNOUNCEMENTS, "Maintenance at 5 <pm>".to_owned());
    assert_eq!(delivered, 2);
    let mut pushes = Vec::new();
    for ws in [&mut a, &mut b] {
        let pushed = recv(ws).await;
        assert_eq!(
            (pushed["kind"].as_str(), pushed["rev"].as_u64()),
            (Some("diff"), Some(1)),
            "{pushed}"
        );
        assert!(pushed.get("ref").is_none());
        pushes.push(pushed);
    }
    // Merged, the notice is escaped text; the session goes on with the next revision.
    tree_a.apply_diff(&pushes[0]["diff"]).unwrap();
    assert!(
        tree_a.to_html().unwrap().contains("<p class=\"notice\">Maintenance at 5 &lt;pm&gt;</p>")
    );
    let reply = event(&mut a, 2, "inc", json!({})).await;
    assert_eq!(reply["rev"], 2);
    // A message of a type the view ignores changes nothing and pushes nothing.
    assert_eq!(server.live.broadcast(counter::ANNOUNCEMENTS, 42u32), 2);
    let reply = event(&mut b, 2, "inc", json!({})).await;
    assert_eq!(
        (reply["kind"].as_str(), reply["rev"].as_u64()),
        (Some("reply"), Some(2)),
        "{reply}"
    );
}

#[tokio::test]
async fn a_full_mailbox_drops_what_it_cannot_hold_and_the_session_goes_on() {
    let mut config = LiveConfig::default();
    config.limits.mailbox_capacity = 3;
    let server = serve(config).await;
    let (mut ws, _) = server.joined().await;
    assert_eq!(server.live.pubsub().subscribers(counter::ANNOUNCEMENTS), 1);
    // The test's runtime has one thread: without an await the session cannot drain its
    // mailbox, so it holds `mailbox_capacity` messages and the rest are dropped for it.
    let delivered: usize =
        (0..10).map(|i| server.live.broadcast(counter::ANNOUNCEMENTS, format!("notice {i}"))).sum();
    assert_eq!(delivered, 3, "the mailbox holds 3");
    // The view takes the three in one turn and one diff answers them: the last one shows.
    let pushed = recv(&mut ws).await;
    assert_eq!((pushed["kind"].as_str(), pushed["rev"].as_u64()), (Some("diff"), Some(1)));
    assert!(pushed.to_string().contains("notice 2"), "{pushed}");
    let reply = event(&mut ws, 2, "inc", json!({})).await;
    assert_eq!((reply["kind"].as_str(), reply["rev"].as_u64()), (Some("reply"), Some(2)));
    // Drained, it takes messages again.
    assert_eq!(server.live.broadcast(counter::ANNOUNCEMENTS, "later".to_owned()), 1);
}

#[tokio::test]
async fn the_registry_lists_joined_sessions_and_forgets_ended_ones() {
    let server = serve(LiveConfig::default()).await;
    assert!(server.live.sessions().is_empty());
    let mut ws = server.connect().await;
    let (token, csrf) = server.live.tokens_for("/");
    assert!(server.live.sessions().is_empty(), "a socket that has not joined is no session");
    send(
        &mut ws,
        json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token,
                         "csrf": csrf, "url": "/", "caps": ["streams"]}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["status"], "ok");
    event(&mut ws, 2, "inc", json!({})).await;
    event(&mut ws, 3, "inc", json!({})).await;
    let sessions = server.live.sessions();
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(
        (s.path.as_str(), s.revision, s.capabilities.clone()),
        ("/", 2, vec!["streams".to_owned()])
    );
    assert_eq!(s.id.len(), 32);
    ws.close(None).await.unwrap();
    assert!(server.live.drained(LIMIT).await);
    assert!(server.live.sessions().is_empty());
}

/// The activity log is a stream: each reply carries only the new entry and its position; the
/// client keeps the newest five.
#[tokio::test]
async fn stream_entries_are_sent_once_and_the_client_keeps_the_limit() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, mut tree) = server.joined().await;
    for i in 0..8u64 {
        let reply = event(&mut ws, 2 + i, "add", json!({"name": format!("n{i}")})).await;
        let log = &reply["rendered"]["3"];
        assert_eq!(log["k"], json!([(i + 1).to_string()]), "only the new entry: {reply}");
        assert_eq!(log["x"], json!({"at": [0], "limit": 5}));
        tree.apply_diff(&reply["rendered"]).unwrap();
    }
    let html = tree.to_html().unwrap();
    let log = &html[html.find("<ol class=\"log\">").unwrap()..];
    assert_eq!(log.matches("<li>").count(), 5, "{log}");
    assert!(log.find("added n7").unwrap() < log.find("added n3").unwrap(), "newest first: {log}");
    assert!(!log.contains("added n2"), "older entries fall off: {log}");
    // Events that log nothing send nothing for the stream.
    let reply = event(&mut ws, 20, "inc", json!({})).await;
    assert_eq!(reply["rendered"], json!({"0": "1"}));
}

/// The benchmark page: the peers' counter, served beside the example.
#[tokio::test]
async fn the_benchmark_page_counts_clicks() {
    let server = serve(LiveConfig::default()).await;
    let mut ws = server.connect().await;
    let (token, csrf) = server.live.tokens_for("/clicks");
    send(&mut ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/clicks", "session": token, "csrf": csrf, "url": "/clicks"})).await;
    let joined = recv(&mut ws).await;
    let mut tree = ClientTree::default();
    tree.apply_full(&joined["rendered"]).unwrap();
    assert!(tree.to_html().unwrap().contains("<p>Count: 0</p>"));
    let reply = event(&mut ws, 2, "inc", json!({})).await;
    assert_eq!(reply["rendered"], json!({"0": "1"}));
    // The compact click a browser sends for a button without values: no type, no value.
    send_text(&mut ws, r#"{"v":1,"kind":"event","ref":3,"event":"inc"}"#).await;
    let reply = recv(&mut ws).await;
    assert_eq!((reply["ref"].as_u64(), reply["rendered"].clone()), (Some(3), json!({"0": "2"})));
    // A token for one view does not join another.
    let mut other = server.connect().await;
    send(&mut other, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
    assert_eq!(recv(&mut other).await["code"], "no_route");
    assert_eq!(closed(&mut other).await, Some(4004));
}

/// A client offering both subprotocols gets the compact encoding (protocol v2): positional
/// arrays, a click's reply under 40 bytes; the same session semantics.
#[tokio::test]
async fn the_compact_encoding_is_negotiated_and_speaks_the_same_protocol() {
    use zero_live::protocol::Kind;
    let server = serve(LiveConfig::default()).await;
    let mut request = format!("ws://{}{}", server.addr, zero_live::server::SOCKET_PATH)
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://{}", server.addr).parse().unwrap());
    headers.insert("sec-websocket-protocol", "0x0-live.v2, 0x0-live.v1".parse().unwrap());
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "0x0-live.v2");
    let index = |k: Kind| Kind::ALL.iter().position(|x| *x == k).unwrap();
    let (token, csrf) = server.live.tokens_for("/clicks");
    send(&mut ws, json!([index(Kind::Join), 1, "lv:/clicks", token, csrf, "/clicks"])).await;
    let joined = recv(&mut ws).await;
    assert_eq!(
        (joined[0].as_u64(), joined[1].as_u64(), joined[2].as_str()),
        (Some(index(Kind::Reply) as u64), Some(1), Some("ok"))
    );
    let mut tree = ClientTree::default();
    tree.apply_full(&joined[4]).unwrap();
    assert!(tree.to_html().unwrap().contains("<p>Count: 0</p>"));
    let click = format!("[{},2,null,\"inc\"]", index(Kind::Event));
    send_text(&mut ws, &click).await;
    let reply = match ws.next().await.unwrap().unwrap() {
        Message::Text(t) => t.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(reply, format!("[{},2,\"ok\",1,{{\"0\":\"1\"}}]", index(Kind::Reply)));
    assert!(click.len() < 60 && reply.len() < 40, "{} / {} bytes", click.len(), reply.len());
    // A version 1 frame on a version 2 socket is refused, in version 2.
    send(&mut ws, json!({"v": 1, "kind": "heartbeat"})).await;
    let refused = recv(&mut ws).await;
    assert_eq!(
        (refused[0].as_u64(), refused[2].as_str()),
        (Some(index(Kind::Error) as u64), Some("malformed"))
    );
}

/// Live navigation: `params` runs `handle_params` without a remount; a view may push a patch or
/// redirect with a flash; a patch never leaves the view.
#[tokio::test]
async fn params_patches_and_redirects() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, mut tree) = server.joined().await;
    send(&mut ws, json!({"v": 1, "kind": "params", "ref": 2, "url": "/?start=10"})).await;
    let reply = recv(&mut ws).await;
    assert_eq!((reply["rev"].as_u64(), reply["rendered"].clone()), (Some(1), json!({"0": "10"})));
    tree.apply_diff_at(1, &reply["rendered"]).unwrap();
    send(&mut ws, json!({"v": 1, "kind": "params", "ref": 3, "url": "/clicks"})).await;
    assert_eq!(recv(&mut ws).await["code"], "wrong_view");
    // The view asks for a patch: the client is told, then the reply comes.
    let patch = event(&mut ws, 4, "jump", json!({"to": 3})).await;
    assert_eq!(
        (patch["kind"].as_str(), patch["to"].as_str(), patch["replace"].as_bool()),
        (Some("patch"), Some("/?start=3"), Some(false))
    );
    assert_eq!(recv(&mut ws).await["ref"], 4);
    let refused = event(&mut ws, 5, "jump", json!({"to": "x"})).await;
    assert_eq!(refused["code"], "invalid_event");
    // A redirect carries the flash.
    let redirect = event(&mut ws, 6, "leave", json!({})).await;
    assert_eq!(redirect["kind"], "redirect");
    assert_eq!(
        (redirect["to"].as_str(), redirect["live"].as_bool()),
        (Some("/clicks"), Some(false))
    );
    assert_eq!(redirect["flash"], json!({"info": "See you on the clicks page"}));
}

/// A client that sees a revision gap refuses the diff and rejoins; the rejoin (even one that
/// reports the revision it had) gets a full render with its statics at revision 0.
#[tokio::test]
async fn a_revision_gap_is_recovered_by_a_full_render() {
    let server = serve(LiveConfig::default()).await;
    let (token, csrf) = server.live.tokens_for("/");
    let mut ws = server.connect().await;
    let joined = join(&mut ws, &token, &csrf).await;
    let mut tree = ClientTree::default();
    tree.apply_join(0, &joined["rendered"]).unwrap();
    let first = event(&mut ws, 2, "inc", json!({})).await;
    let second = event(&mut ws, 3, "inc", json!({})).await;
    // The first reply was lost: merging the second would corrupt the page.
    let before = tree.to_html().unwrap();
    let gap = tree.apply_diff_at(2, &second["rendered"]).unwrap_err();
    assert!(gap.to_string().contains("revision gap"), "{gap}");
    assert_eq!(tree.to_html().unwrap(), before, "a refused diff changes nothing");
    tree.apply_diff_at(1, &first["rendered"]).unwrap();
    tree.apply_diff_at(2, &second["rendered"]).unwrap();
    assert!(tree.to_html().unwrap().contains("Count: 2"));
    drop(ws);
    let mut ws = server.connect().await;
    send(
        &mut ws,
        json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token,
                         "csrf": csrf, "url": "/", "revision": 1}),
    )
    .await;
    let rejoined = recv(&mut ws).await;
    assert_eq!(rejoined["rev"], 0);
    let mut fresh = ClientTree::default();
    fresh.apply_join(0, &rejoined["rendered"]).unwrap();
    assert!(fresh.to_html().unwrap().contains("Count: 0"), "a rejoin remounts");
}

/// `close` ends the session with 1000 and `terminate(Closed)`; shutdown runs `terminate(Shutdown)`.
#[tokio::test]
async fn close_and_shutdown_run_terminate() {
    use std::sync::atomic::Ordering;
    let server = serve(LiveConfig::default()).await;
    let closed_before = counter::TERMINATED.closed.load(Ordering::Relaxed);
    let (mut ws, _) = server.joined().await;
    send(&mut ws, json!({"v": 1, "kind": "close", "reason": "navigating away"})).await;
    assert_eq!(closed(&mut ws).await, Some(1000));
    assert!(server.live.drained(LIMIT).await);
    assert!(counter::TERMINATED.closed.load(Ordering::Relaxed) > closed_before);
    let shutdown = counter::TERMINATED.shutdown.load(Ordering::Relaxed);
    let (mut ws, _) = server.joined().await;
    server.live.shutdown();
    assert_eq!(closed(&mut ws).await, Some(1001));
    assert!(server.live.drained(LIMIT).await);
    assert!(counter::TERMINATED.shutdown.load(Ordering::Relaxed) > shutdown);
}

/// A raw HTTP GET of `path` with extra request headers; returns the whole response.
async fn http_get(server: &Server, path: &str, headers: &str) -> String {
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut page = String::new();
    tcp.read_to_string(&mut page).await.unwrap();
    page
}

/// `navigate` moves the session to another live view over the same socket: the old view
/// terminates (`Navigate`) and its subscriptions end, the new one mounts with its title, and a
/// flash set before a server-side `push_navigate` is shown by the next view. A path with no live
/// view is refused and the current view goes on.
#[tokio::test]
async fn navigate_mounts_another_view_over_the_same_socket() {
    use std::sync::atomic::Ordering;
    let server = serve(LiveConfig::default()).await;
    let (mut ws, _) = server.joined().await;
    assert_eq!(server.live.pubsub().subscribers(counter::ANNOUNCEMENTS), 1);
    let navigated = counter::TERMINATED.navigated.load(Ordering::Relaxed);
    send(&mut ws, json!({"v": 1, "kind": "navigate", "ref": 2, "url": "/nowhere"})).await;
    assert_eq!(recv(&mut ws).await["code"], "no_route");
    assert!(event(&mut ws, 3, "inc", json!({})).await["rendered"]["0"] == "1", "still the counter");

    send(&mut ws, json!({"v": 1, "kind": "navigate", "ref": 4, "url": "/notes?from=home"})).await;
    let reply = recv(&mut ws).await;
    assert_eq!((reply["ref"].as_u64(), reply["rev"].as_u64()), (Some(4), Some(0)), "{reply}");
    assert_eq!(reply["title"], "Notes");
    assert_eq!(reply["flash"], json!({}), "the flash group is reset");
    let mut tree = ClientTree::default();
    tree.apply_join(0, &reply["rendered"]).unwrap();
    assert!(tree.to_html().unwrap().contains("Mounted connected: true"));
    assert_eq!(counter::TERMINATED.navigated.load(Ordering::Relaxed), navigated + 1);
    assert_eq!(server.live.pubsub().subscribers(counter::ANNOUNCEMENTS), 0);
    assert_eq!(server.live.sessions()[0].path, "/notes");
    // The notes view sends the client home with a flash: a live redirect, then the client
    // navigates and the counter's reply carries the flash.
    let redirect = event(&mut ws, 5, "home", json!({})).await;
    assert_eq!(
        (redirect["kind"].as_str(), redirect["live"].as_bool()),
        (Some("redirect"), Some(true))
    );
    assert_eq!((redirect["to"].as_str(), redirect.get("flash")), (Some("/"), None));
    assert_eq!(recv(&mut ws).await["ref"], 5);
    send(&mut ws, json!({"v": 1, "kind": "navigate", "ref": 6, "url": "/"})).await;
    let home = recv(&mut ws).await;
    assert_eq!(home["flash"], json!({"info": "Back from notes"}));
    assert_eq!(server.live.pubsub().subscribers(counter::ANNOUNCEMENTS), 1);
    // A reply to an event that set a flash carries it; the next one does not.
    let added = event(&mut ws, 7, "add", json!({"name": "pen"})).await;
    assert_eq!(added["flash"], json!({"info": "Added pen"}));
    assert!(event(&mut ws, 8, "inc", json!({})).await.get("flash").is_none());
}

/// A navigate's reply carries a token for the view navigated to, under the page's session id:
/// after a lost connection the page rejoins the view it shows with it and the CSRF token it
/// already holds. The page's first token still joins only its own path, and the new token only
/// the new one.
#[tokio::test]
async fn a_navigated_page_rejoins_the_view_it_shows_with_the_token_the_navigate_sent() {
    let server = serve(LiveConfig::default()).await;
    let mut ws = server.connect().await;
    let (first, csrf) = server.live.tokens_for("/");
    assert_eq!(join(&mut ws, &first, &csrf).await["status"], "ok");
    assert!(
        event(&mut ws, 2, "inc", json!({})).await["rendered"]["0"] == "1",
        "the join's reply carries no token: the page has its own"
    );
    send(&mut ws, json!({"v": 1, "kind": "navigate", "ref": 3, "url": "/notes?from=home"})).await;
    let reply = recv(&mut ws).await;
    let token = reply["session"].as_str().expect("a token for the new view").to_owned();
    assert_ne!(token, first);
    drop(ws);

    let rejoin = |token: String, url: &'static str| {
        let server = &server;
        let csrf = csrf.clone();
        async move {
            let mut ws = server.connect().await;
            let topic = format!("lv:{}", url.split('?').next().unwrap_or(url));
            send(&mut ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": topic, "session": token, "csrf": csrf, "url": url, "revision": 0})).await;
            recv(&mut ws).await
        }
    };
    let back = rejoin(token.clone(), "/notes?from=home").await;
    assert_eq!(back["status"], "ok", "{back}");
    assert_eq!(back["title"], "Notes");
    assert!(back.get("session").is_none(), "a join keeps the token it came with");
    assert_eq!(rejoin(first.clone(), "/notes").await["code"], "no_route", "the old token");
    assert_eq!(rejoin(token, "/").await["code"], "no_route", "the new token, elsewhere");
    let (other, _) = server.live.tokens_for("/notes");
    let foreign = rejoin(other, "/notes").await;
    assert_eq!(
        foreign["code"], "csrf_invalid",
        "another session's token with this CSRF: {foreign}"
    );
}

/// A full-load redirect carries the flash as a signed token; the next page shows it once (and
/// clears the cookie); a forged or foreign token shows nothing.
#[tokio::test]
async fn a_redirect_flash_survives_the_page_load_through_a_signed_cookie() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, _) = server.joined().await;
    let redirect = event(&mut ws, 2, "leave", json!({})).await;
    let token = redirect["flash_token"].as_str().unwrap().to_owned();
    let page = http_get(&server, "/clicks", &format!("Cookie: a=b; zl_flash={token}\r\n")).await;
    assert!(
        page.contains(r#"<p class="zl-flash zl-flash-info" data-kind="info" role="status">See you on the clicks page</p>"#),
        "{page}"
    );
    let lower = page.to_ascii_lowercase();
    let clear = lower.lines().find(|l| l.starts_with("set-cookie: zl_flash=;"));
    assert!(
        clear.is_some_and(|c| c.contains("path=/") && c.contains("max-age=0")),
        "the flash is cleared: {page}"
    );
    let plain = http_get(&server, "/clicks", "").await;
    assert!(
        plain.contains(r#"<div id="zl-flash" aria-live="polite"></div>"#)
            && !plain.contains("set-cookie")
    );
    // Signed by another key, or edited: ignored, and cleared.
    let foreign = zero_live::Signer::random()
        .sign_flash(&[("error".to_owned(), "Your account is locked".to_owned())].into());
    for bad in [foreign.as_str(), "e30.c2ln", "garbage"] {
        let page = http_get(&server, "/clicks", &format!("Cookie: zl_flash={bad}\r\n")).await;
        assert!(!page.contains("zl-flash-") && page.contains("Max-Age=0"), "{bad}: {page}");
    }
}

/// Server pushes: `push_event` reaches hooks after the reply, `exec` sends JS commands, and an
/// event's `z-target` is what `Context::target` says.
#[tokio::test]
async fn pushed_events_js_commands_and_targets() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, _) = server.joined().await;
    let reply = event(&mut ws, 2, "hooked", json!({})).await;
    assert_eq!(reply["ref"], 2);
    let push = recv(&mut ws).await;
    assert_eq!((push["kind"].as_str(), push["event"].as_str()), (Some("push"), Some("ping")));
    assert_eq!(push["payload"], json!({"count": 0}));
    assert_eq!(event(&mut ws, 3, "reveal", json!({})).await["ref"], 3);
    let exec = recv(&mut ws).await;
    assert_eq!(exec["kind"], "exec");
    assert_eq!(
        exec["ops"],
        json!([["show", {"to": "#panel"}], ["add_class", {"to": "#panel", "names": "from-server"}]])
    );
    send(
        &mut ws,
        json!({"v": 1, "kind": "event", "ref": 4, "event": "targeted", "target": "sidebar"}),
    )
    .await;
    let targeted = recv(&mut ws).await;
    assert!(targeted["rendered"].to_string().contains("sidebar"), "{targeted}");
    let untargeted = event(&mut ws, 5, "targeted", json!({})).await;
    assert!(untargeted["rendered"].to_string().contains("none"), "{untargeted}");
}

/// Colocated assets are served immutable with the integrity hash the page loads them with.
#[tokio::test]
async fn colocated_assets_are_served_and_loaded_with_integrity() {
    let server = serve(LiveConfig::default()).await;
    let page = http_get(&server, "/", "").await;
    let tag = page.lines().find(|l| l.contains("/assets/app/counter.")).unwrap();
    let src = tag.split("src=\"").nth(1).unwrap().split('"').next().unwrap();
    let integrity = tag.split("integrity=\"").nth(1).unwrap().split('"').next().unwrap();
    let asset = http_get(&server, src, "").await;
    assert!(asset.contains("immutable") && asset.contains("window.zeroLive?.hook(\"Ticker\""));
    let body = asset.split("\r\n\r\n").nth(1).unwrap();
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(body.as_bytes());
    use base64::Engine as _;
    assert_eq!(
        integrity,
        format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
    );
    assert!(
        http_get(&server, "/assets/app/counter.0000000000000000.js", "")
            .await
            .starts_with("HTTP/1.1 404")
    );
}

/// A big stream joins in parts: a reply with the first rows and `parts`, then that many diffs
/// of the next rows with the revisions after 0, no frame much above the part size; merged, they
/// are the whole render, and the next event's revision follows the parts. A small stream is
/// one reply. The same holds for a navigate.
#[tokio::test]
async fn a_big_stream_joins_in_parts_of_bounded_size() {
    let server = serve(LiveConfig::default()).await;
    let join_feed = |n: usize| {
        let (token, csrf) = server.live.tokens_for("/feed");
        let url = format!("/feed?n={n}");
        json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/feed", "session": token, "csrf": csrf, "url": url})
    };
    let mut ws = server.connect().await;
    send(&mut ws, join_feed(10_000)).await;
    let mut frames = Vec::new();
    let reply = {
        let Some(Ok(Message::Text(t))) = tokio::time::timeout(LIMIT, ws.next()).await.unwrap()
        else {
            panic!("a text frame")
        };
        frames.push(t.len());
        serde_json::from_str::<Value>(&t).unwrap()
    };
    let parts = reply["parts"].as_u64().expect("parts") as usize;
    assert!((2..=32).contains(&parts), "{parts} parts");
    let mut tree = ClientTree::default();
    tree.apply_join(0, &reply["rendered"]).unwrap();
    for rev in 1..=parts as u64 {
        let Some(Ok(Message::Text(t))) = tokio::time::timeout(LIMIT, ws.next()).await.unwrap()
        else {
            panic!("a part")
        };
        frames.push(t.len());
        let part: Value = serde_json::from_str(&t).unwrap();
        assert_eq!((part["kind"].as_str(), part["rev"].as_u64()), (Some("diff"), Some(rev)));
        tree.apply_diff_at(rev, &part["diff"]).unwrap();
    }
    assert!(frames.iter().all(|len| *len < 160 * 1024), "bounded frames: {frames:?}");
    let html = tree.to_html().unwrap();
    assert_eq!(html.matches("<li id=\"entry-").count(), 10_000);
    assert!(html.find("entry-1\"").unwrap() < html.find("entry-10000\"").unwrap(), "in order");
    // The page's own render is the same.
    let page = http_get(&server, "/feed?n=10000", "").await;
    assert_eq!(page.matches("<li id=\"entry-").count(), 10_000);
    // A heartbeat answers after the parts, and nothing else was pending.
    send(&mut ws, json!({"v": 1, "kind": "heartbeat", "ref": 9})).await;
    assert_eq!(recv(&mut ws).await["kind"], "heartbeat");

    // A small stream: one reply, no parts.
    let mut small = server.connect().await;
    send(&mut small, join_feed(50)).await;
    let reply = recv(&mut small).await;
    assert!(reply.get("parts").is_none(), "{reply}");
    let mut tree = ClientTree::default();
    tree.apply_join(0, &reply["rendered"]).unwrap();
    assert_eq!(tree.to_html().unwrap().matches("<li id=\"entry-").count(), 50);
    // A navigate to a big stream comes in parts too.
    send(&mut small, json!({"v": 1, "kind": "navigate", "ref": 3, "url": "/feed?n=5000"})).await;
    let reply = recv(&mut small).await;
    let parts = reply["parts"].as_u64().expect("parts");
    let mut tree = ClientTree::default();
    tree.apply_join(0, &reply["rendered"]).unwrap();
    for rev in 1..=parts {
        tree.apply_diff_at(rev, &recv(&mut small).await["diff"]).unwrap();
    }
    assert_eq!(tree.to_html().unwrap().matches("<li id=\"entry-").count(), 5_000);
    // More than the view allows is refused at mount.
    let mut refused = server.connect().await;
    send(&mut refused, join_feed(counter::FEED_MAX + 1)).await;
    let reply = recv(&mut refused).await;
    assert_eq!(reply["code"], "bad_request", "{reply}");
    assert!(reply["reason"].as_str().is_some_and(|m| m.starts_with("bad n")), "{reply}");
}

/// A join whose mount refuses gets the refusal's code: `not_found` with the view's message
/// (the client then loads the page, which shows it), `mount_failed` with a generic one.
#[tokio::test]
async fn a_refused_mount_answers_the_join_with_its_code_and_no_server_error() {
    let server = serve(LiveConfig::default()).await;
    let join_row = |id: &str| {
        let path = format!("/rows/{id}");
        let (token, csrf) = server.live.tokens_for(&path);
        json!({"v": 1, "kind": "join", "ref": 1, "topic": format!("lv:{path}"), "session": token, "csrf": csrf, "url": path})
    };
    // No visitor on this socket: row 1 is someone else's.
    let mut ws = server.connect().await;
    send(&mut ws, join_row("1")).await;
    let reply = recv(&mut ws).await;
    assert_eq!(
        (reply["code"].as_str(), reply["reason"].as_str()),
        (Some("not_found"), Some("No such row.")),
        "{reply}"
    );
    let mut ws = server.connect().await;
    send(&mut ws, join_row("0")).await;
    let reply = recv(&mut ws).await;
    assert_eq!(reply["code"], "mount_failed", "{reply}");
    assert!(
        !reply.to_string().contains("10.0.0.5"),
        "the store's error stays on the server: {reply}"
    );
}

#[tokio::test]
async fn more_appends_a_hundred_stream_entries_up_to_the_feeds_limit() {
    let server = serve(LiveConfig::default()).await;
    let join = |n: usize| {
        let (token, csrf) = server.live.tokens_for("/feed");
        json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/feed", "session": token, "csrf": csrf, "url": format!("/feed?n={n}")})
    };
    let mut ws = server.connect().await;
    send(&mut ws, join(50)).await;
    let reply = recv(&mut ws).await;
    let mut tree = ClientTree::default();
    tree.apply_join(0, &reply["rendered"]).unwrap();
    let more = event(&mut ws, 2, "more", json!(null)).await;
    assert_eq!((more["kind"].as_str(), more["status"].as_str()), (Some("reply"), Some("ok")));
    tree.apply_diff_at(1, &more["rendered"]).unwrap();
    let html = tree.to_html().unwrap();
    assert_eq!(html.matches("<li id=\"entry-").count(), 50 + counter::FEED_MORE, "{html}");
    assert!(html.contains("Feed of 150 entries") && html.contains(">Entry 150</li>"), "{html}");

    // At the limit, `more` is refused and the page keeps what it has.
    let mut full = server.connect().await;
    send(&mut full, join(counter::FEED_MAX)).await;
    let reply = recv(&mut full).await;
    for _ in 0..reply["parts"].as_u64().unwrap_or(0) {
        recv(&mut full).await;
    }
    let refused = event(&mut full, 2, "more", json!(null)).await;
    assert_eq!(refused["code"], "invalid_event", "{refused}");
}

/// Polls `done` for up to [`LIMIT`].
async fn wait_for(done: impl Fn() -> bool) -> bool {
    let started = std::time::Instant::now();
    while !done() {
        if started.elapsed() > LIMIT {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

/// What a view sends the browser to over the socket stays on the site: a `?next=`-style value
/// that names another site, a protocol-relative or a `javascript:` URL goes to `/`; an
/// external URL passes only through `redirect_external` to one of `[network] redirect_hosts`.
#[tokio::test]
async fn socket_redirects_stay_local_unless_the_view_asks_for_an_allowed_external_one() {
    let mut config = LiveConfig::default();
    config.network.redirect_hosts = vec!["pay.example.com".to_owned()];
    let server = serve(config).await;
    let cases = [
        ("follow", json!({"next": "/clicks?from=home"}), "/clicks?from=home", None, false),
        ("follow", json!({"next": "https://evil.example/phish"}), "/", None, false),
        ("follow", json!({"next": "//evil.example/phish"}), "/", None, false),
        ("follow", json!({"next": "/\\evil.example"}), "/", None, false),
        ("follow", json!({"next": "javascript:alert(1)"}), "/", None, false),
        ("pay", json!({"url": "https://evil.example/"}), "/", None, false),
        (
            "pay",
            json!({"url": "https://pay.example.com/c?id=7"}),
            "https://pay.example.com/c?id=7",
            Some(true),
            false,
        ),
        ("go-to", json!({"to": "https://evil.example/"}), "/", None, true),
        ("go-to", json!({"to": "/notes"}), "/notes", None, true),
    ];
    for (name, value, to, external, live) in cases {
        let (mut ws, _) = server.joined().await;
        let redirect = event(&mut ws, 2, name, value.clone()).await;
        assert_eq!(redirect["kind"], "redirect", "{name} {value}: {redirect}");
        assert_eq!(redirect["to"], to, "{name} {value}");
        assert_eq!(redirect["external"].as_bool(), external, "{name} {value}");
        assert_eq!(redirect["live"], live, "{name} {value}");
    }
}

/// A socket joined to `/photos` that has offered one PNG of `size` bytes; returns its entry.
async fn offered(server: &Server, size: usize) -> (Ws, String) {
    let mut ws = server.connect().await;
    let (token, csrf) = server.live.tokens_for("/photos");
    send(&mut ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/photos", "session": token, "csrf": csrf, "url": "/photos"})).await;
    assert_eq!(recv(&mut ws).await["status"], "ok");
    let entries = json!([{"ref": "0", "name": "cat.png", "size": size, "type": "image/png"}]);
    send(
        &mut ws,
        json!({"v": 1, "kind": "upload_start", "ref": 2, "upload": "photos", "entries": entries}),
    )
    .await;
    let reply = recv(&mut ws).await;
    let entry = reply["response"]["entries"]["0"]["entry"].as_str().unwrap().to_owned();
    (ws, entry)
}

/// A binary upload chunk (layout in `zero_live::uploads`' frame module).
fn binary_chunk(reference: u64, entry: &str, offset: u64, bytes: &[u8], last: bool) -> Message {
    let mut frame = vec![1u8];
    frame.extend_from_slice(&reference.to_be_bytes());
    frame.push(entry.len() as u8);
    frame.extend_from_slice(entry.as_bytes());
    frame.extend_from_slice(&offset.to_be_bytes());
    frame.push(u8::from(last));
    frame.extend_from_slice(bytes);
    Message::Binary(frame.into())
}

#[tokio::test]
async fn binary_chunks_are_acknowledged_with_the_offset_received_and_bad_ones_refused() {
    let server = serve(LiveConfig::default()).await;
    let png = b"\x89PNG\r\n\x1a\n0123456789";
    let (mut ws, entry) = offered(&server, png.len()).await;
    ws.send(binary_chunk(3, &entry, 0, &png[..8], false)).await.unwrap();
    let reply = recv(&mut ws).await;
    assert_eq!(
        (reply["ref"].as_u64(), &reply["response"]),
        (Some(3), &json!({"offset": 8, "done": false}))
    );
    // Out of order, for an entry that never was, and not a chunk at all: refused, the session
    // goes on.
    ws.send(binary_chunk(4, &entry, 0, &png[8..], true)).await.unwrap();
    assert_eq!(recv(&mut ws).await["code"], "bad_offset");
    ws.send(binary_chunk(5, "photos:9", 0, b"x", true)).await.unwrap();
    assert_eq!(recv(&mut ws).await["code"], "unknown_entry");
    ws.send(Message::Binary(vec![7, 0, 0].into())).await.unwrap();
    assert_eq!(recv(&mut ws).await["code"], "bad_frame");
    ws.send(binary_chunk(6, &entry, 8, &png[8..], true)).await.unwrap();
    let reply = recv(&mut ws).await;
    assert_eq!(reply["response"], json!({"offset": png.len(), "done": true}), "{reply}");
}

#[tokio::test]
async fn a_flood_of_bad_binary_frames_closes_the_socket_like_any_protocol_error() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, _) = offered(&server, 100).await;
    for _ in 0..11 {
        ws.send(Message::Binary(vec![1].into())).await.unwrap();
    }
    assert_eq!(closed(&mut ws).await, Some(1008));
    still_serving(&server).await;
}

#[tokio::test]
async fn reports_of_external_uploads_are_refused_for_entries_the_socket_carries_or_never_were() {
    let server = serve(LiveConfig::default()).await;
    let (mut ws, entry) = offered(&server, 100).await;
    let report = |reference: u64, entry: &str| json!({"v": 1, "kind": "upload_progress", "ref": reference, "entry": entry, "received": 10, "last": true});
    // /photos sends over the socket: its entries take chunks, not reports.
    send(&mut ws, report(3, &entry)).await;
    assert_eq!(recv(&mut ws).await["code"], "not_external");
    send(&mut ws, report(4, "photos:9")).await;
    assert_eq!(recv(&mut ws).await["code"], "unknown_entry");
    send(&mut ws, report(5, "avatars:0")).await;
    assert_eq!(recv(&mut ws).await["code"], "unknown_entry");
    // The entry still takes its chunks.
    let png = b"\x89PNG\r\n\x1a\n0123456789";
    ws.send(binary_chunk(6, &entry, 0, &png[..8], false)).await.unwrap();
    assert_eq!(recv(&mut ws).await["response"]["offset"], 8);
}
