#![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]
//! Hostile clients over real sockets against the endpoint as an app serves it
//! (`Endpoint::wrap` and `Endpoint::serve_on`): foreign hosts, forged forwarding headers, slow
//! and flooding headers, malformed frame floods, a wrong WebSocket version, and one client
//! opening a thousand sockets. Each is refused as `spec/security.toml` says, in bounded time,
//! while a probe session on another client keeps clicking in under 5 ms.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use zero_live::{Endpoint, Live, LiveConfig};

mod support;
use support::{LIMIT, Ws, recv, send};

/// The counter served as an app serves it, on a loopback port.
struct App {
    live: Live,
    addr: std::net::SocketAddr,
}

async fn serve(config: LiveConfig) -> App {
    let live = counter::live(config);
    let endpoint = Endpoint::default();
    let router = endpoint.wrap(live.router(), &live);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = live.clone();
    tokio::spawn(async move { endpoint.serve_on(listener, &served, router).await.unwrap() });
    App { live, addr }
}

impl Drop for App {
    fn drop(&mut self) {
        self.live.shutdown();
    }
}

impl App {
    /// A socket with `headers` on its upgrade (the origin and subprotocol a browser sends
    /// unless named).
    async fn socket(&self, headers: &[(&str, &str)]) -> Result<Ws, String> {
        let url = format!("ws://{}{}", self.addr, zero_live::server::SOCKET_PATH);
        let mut request = url.into_client_request().unwrap();
        let h = request.headers_mut();
        h.insert("origin", format!("http://{}", self.addr).parse().unwrap());
        h.insert("sec-websocket-protocol", zero_live::protocol::SUBPROTOCOL.parse().unwrap());
        for (name, value) in headers {
            let name = axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            h.insert(name, value.parse().unwrap());
        }
        let connected = tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(request));
        match connected.await.map_err(|_| "timed out".to_owned())? {
            Ok((ws, _)) => Ok(ws),
            Err(e) => Err(e.to_string()),
        }
    }

    /// A socket joined to `/`.
    async fn joined(&self, headers: &[(&str, &str)]) -> Ws {
        let mut ws = self.socket(headers).await.unwrap();
        let (token, csrf) = self.live.tokens_for("/");
        send(&mut ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
        let reply = recv(&mut ws).await;
        assert_eq!(reply["status"], "ok", "{reply}");
        ws
    }

    /// The status line of a raw HTTP/1.1 request.
    async fn status_of(&self, request: &str) -> String {
        let mut tcp = TcpStream::connect(self.addr).await.unwrap();
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut head = vec![0; 256];
        let n = tokio::time::timeout(LIMIT, tcp.read(&mut head)).await.unwrap().unwrap();
        String::from_utf8_lossy(&head[..n]).lines().next().unwrap_or_default().to_owned()
    }
}

/// The close code the server ends `ws` with, counting the text messages before it.
async fn close_code(ws: &mut Ws) -> (Option<u16>, usize) {
    let mut texts = 0;
    loop {
        match tokio::time::timeout(LIMIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => return (frame.map(|f| f.code.into()), texts),
            Some(Ok(Message::Text(_))) => texts += 1,
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (None, texts),
        }
    }
}

/// The median click round trip of a joined probe socket, over 20 clicks.
async fn probe_round_trip(probe: &mut Ws, first_ref: u64) -> Duration {
    let mut times = Vec::new();
    for r in first_ref..first_ref + 20 {
        let started = Instant::now();
        send(probe, json!({"v": 1, "kind": "event", "ref": r, "type": "click", "event": "inc"}))
            .await;
        let reply = recv(probe).await;
        assert_eq!(reply["status"], "ok", "{reply}");
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

const PROXY: (&str, &str) = ("x-forwarded-for", "198.51.100.200");

fn behind_proxy() -> LiveConfig {
    let mut config = LiveConfig::default();
    config.network.trusted_proxies = vec!["127.0.0.1".to_owned()];
    config
}

/// `[network] allowed_hosts`: a request for another host is refused with 400 before any route
/// (pages, the socket, the health check), and counted; the app's own host is served.
#[tokio::test]
async fn a_request_for_a_host_not_allowed_gets_400_and_the_apps_host_is_served() {
    let app = serve(LiveConfig::default()).await;
    let get = |host: &str, path: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    };
    for path in ["/", "/healthz", "/clicks"] {
        assert_eq!(
            app.status_of(&get("evil.example", path)).await,
            "HTTP/1.1 400 Bad Request",
            "{path}"
        );
    }
    assert_eq!(
        app.status_of(&get("localhost.evil.example", "/")).await,
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        app.status_of("GET / HTTP/1.0\r\n\r\n").await,
        "HTTP/1.0 200 OK",
        "no Host names no other site"
    );
    let own = format!("127.0.0.1:{}", app.addr.port());
    assert_eq!(app.status_of(&get(&own, "/")).await, "HTTP/1.1 200 OK");
    assert_eq!(app.status_of(&get("localhost", "/clicks")).await, "HTTP/1.1 200 OK");
    let refused = app.socket(&[("host", "evil.example")]).await.unwrap_err();
    assert!(refused.contains("400"), "{refused}");
    let metrics = app.live.metrics_text();
    assert!(metrics.contains("zero_live_upgrades_refused_total{reason=\"host\"} 5"), "{metrics}");
}

/// `[network] trusted_proxies`: behind a trusted proxy each forwarded client has its own
/// socket cap; a forwarded address from an untrusted peer is ignored, so all its clients
/// share the peer's cap (no client picks its own address).
#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_socket_cap() {
    for trusted in [true, false] {
        let mut config = if trusted { behind_proxy() } else { LiveConfig::default() };
        config.limits.max_sessions_per_client = 2;
        let app = serve(config).await;
        let a = [("x-forwarded-for", "203.0.113.1")];
        let _a1 = app.joined(&a).await;
        let _a2 = app.joined(&a).await;
        let mut a3 = app.socket(&a).await.unwrap();
        assert_eq!(close_code(&mut a3).await.0, Some(4009), "the third of client A");
        // Client B forwards through the same proxy; a forged chain cannot make A look like B.
        let b = [("x-forwarded-for", "203.0.113.2")];
        let mut b1 = app.socket(&b).await.unwrap();
        if trusted {
            let (token, csrf) = app.live.tokens_for("/");
            send(&mut b1, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
            assert_eq!(recv(&mut b1).await["status"], "ok", "B has its own cap");
            let forged = [("x-forwarded-for", "203.0.113.3, 203.0.113.1")];
            let mut forged = app.socket(&forged).await.unwrap();
            assert_eq!(close_code(&mut forged).await.0, Some(4009), "still client A");
        } else {
            assert_eq!(close_code(&mut b1).await.0, Some(4009), "untrusted: one client");
        }
    }
}

/// `[limits] header_read_secs`: connections that send their headers too slowly (slowloris)
/// are cut off; a request with too many headers is refused with 431; the probe session on
/// the same server keeps its round trip.
#[tokio::test]
async fn slow_and_flooding_headers_are_cut_off_and_a_probe_keeps_clicking() {
    let mut config = behind_proxy();
    config.limits.header_read_secs = 1;
    let app = serve(config).await;
    let mut probe = app.joined(&[PROXY]).await;
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut tcp = TcpStream::connect(app.addr).await.unwrap();
        tcp.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
        slow.push(tcp);
    }
    let round_trip = probe_round_trip(&mut probe, 10).await;
    assert!(round_trip < Duration::from_millis(5), "probe click took {round_trip:?}");
    // Each slow connection keeps trickling a header; the server closes it anyway.
    for tcp in &mut slow {
        let mut buf = [0; 512];
        let ended = tokio::time::timeout(LIMIT, async {
            loop {
                if tcp.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return;
                }
                tokio::select! {
                    read = tcp.read(&mut buf) => if matches!(read, Ok(0) | Err(_)) { return },
                    () = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            }
        });
        ended.await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let many: String = (0..200).map(|i| format!("X-Flood-{i}: {i}\r\n")).collect();
    let flood = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}\r\n");
    assert_eq!(app.status_of(&flood).await, "HTTP/1.1 431 Request Header Fields Too Large");
    let round_trip = probe_round_trip(&mut probe, 40).await;
    assert!(round_trip < Duration::from_millis(5), "probe click took {round_trip:?}");
}

/// A socket that floods 20,000 malformed frames gets at most `max_protocol_errors` + 1
/// answers, then close 1008; an upgrade with a WebSocket version other than 13 is refused.
#[tokio::test]
async fn a_malformed_frame_flood_is_closed_after_its_allowance_and_a_wrong_version_refused() {
    let app = serve(behind_proxy()).await;
    let mut probe = app.joined(&[PROXY]).await;
    let mut flood = app.socket(&[("x-forwarded-for", "203.0.113.50")]).await.unwrap();
    let sender = async {
        for _ in 0..20_000 {
            if flood.send(Message::Text("{not json".into())).await.is_err() {
                break;
            }
        }
    };
    tokio::time::timeout(LIMIT, sender).await.unwrap();
    let (code, answers) = close_code(&mut flood).await;
    assert_eq!(code, Some(1008));
    assert!(answers <= 11, "{answers} answers");
    let round_trip = probe_round_trip(&mut probe, 10).await;
    assert!(round_trip < Duration::from_millis(5), "probe click took {round_trip:?}");
    let refused = app.socket(&[("sec-websocket-version", "8")]).await.unwrap_err();
    assert!(refused.contains("400") || refused.contains("426"), "{refused}");
}

/// One client opening 1,000 sockets gets `max_sessions_per_client` of them; the rest are
/// closed with 4009 in bounded time, and a probe session of another client keeps clicking.
#[tokio::test]
async fn a_thousand_sockets_from_one_client_get_its_cap_and_a_probe_keeps_clicking() {
    let app = serve(behind_proxy()).await;
    let cap = usize::try_from(app.live.config().limits.max_sessions_per_client).unwrap();
    let mut probe = app.joined(&[PROXY]).await;
    let attacker = [("x-forwarded-for", "203.0.113.66")];
    let started = Instant::now();
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..1_000 {
        let mut ws = app.socket(&attacker).await.unwrap();
        if held.len() < cap {
            held.push(ws);
            continue;
        }
        assert_eq!(close_code(&mut ws).await.0, Some(4009));
        refused += 1;
    }
    assert_eq!((held.len(), refused), (cap, 1_000 - cap));
    assert!(started.elapsed() < LIMIT, "{:?}", started.elapsed());
    let round_trip = probe_round_trip(&mut probe, 10).await;
    assert!(round_trip < Duration::from_millis(5), "probe click took {round_trip:?}");
    let metrics = app.live.metrics_text();
    let line =
        format!("zero_live_upgrades_refused_total{{reason=\"sessions_per_client\"}} {refused}");
    assert!(metrics.contains(&line), "{metrics}");
}
