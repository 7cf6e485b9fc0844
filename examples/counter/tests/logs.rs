#![allow(clippy::unwrap_used)]
//! What the endpoint and the live sessions write to the log, over real sockets: one access
//! line a request named by its route pattern (never its path or query), a session's end with
//! its view, close code and the class of the error that closed it, a `DEBUG` span per event,
//! and never a frame or a token, even at `TRACE`.
//!
//! One process-wide subscriber (as an app's `main` installs it) writes JSON lines to memory;
//! each test picks its own lines by a request id or socket it alone uses.

use std::sync::OnceLock;

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use zero_live::logs::{Capture, Format, Logs};
use zero_live::{Endpoint, Live, LiveConfig};

mod support;
use support::{LIMIT, Ws, recv, send};

/// The log every test of this binary writes to (installed once, before any event).
fn log() -> &'static Capture {
    static LOG: OnceLock<Capture> = OnceLock::new();
    LOG.get_or_init(|| {
        let capture = Capture::default();
        std::mem::forget(Logs::new("trace", Format::Json).install(capture.clone()).unwrap());
        capture
    })
}

/// Every line logged so far, parsed.
fn lines() -> Vec<Value> {
    log().text().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

struct App {
    live: Live,
    addr: std::net::SocketAddr,
}

impl Drop for App {
    fn drop(&mut self) {
        self.live.shutdown();
    }
}

/// The counter and a route with a token in its path, behind the endpoint, on a loopback port.
async fn serve() -> App {
    log();
    let live = counter::live(LiveConfig::default());
    let link = axum::routing::get(|| async { "logged in" });
    let routes = live.router().route("/users/log-in/{token}", link);
    let endpoint = Endpoint::default();
    let router = endpoint.wrap(routes, &live);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = live.clone();
    tokio::spawn(async move { endpoint.serve_on(listener, &served, router).await.unwrap() });
    App { live, addr }
}

impl App {
    /// A GET over a fresh connection with `x-request-id: id`.
    async fn get(&self, path: &str, id: &str) -> Response {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: {id}\r\nConnection: close\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut text = String::new();
        tokio::time::timeout(LIMIT, tcp.read_to_string(&mut text)).await.unwrap().unwrap();
        let status = text.split(' ').nth(1).unwrap().parse().unwrap();
        let request_id = text.lines().find_map(|l| l.strip_prefix("x-request-id: "));
        Response { status, request_id: request_id.unwrap_or_default().to_owned() }
    }

    /// A socket joined to `/`, its upgrade request carrying `request_id`.
    async fn joined(&self, request_id: &str) -> Ws {
        let url = format!("ws://{}{}", self.addr, zero_live::server::SOCKET_PATH);
        let mut request = url.into_client_request().unwrap();
        let h = request.headers_mut();
        h.insert("origin", format!("http://{}", self.addr).parse().unwrap());
        h.insert("sec-websocket-protocol", zero_live::protocol::SUBPROTOCOL.parse().unwrap());
        h.insert("x-request-id", request_id.parse().unwrap());
        let (mut ws, _) = tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(request))
            .await
            .unwrap()
            .unwrap();
        let (token, csrf) = self.live.tokens_for("/");
        send(&mut ws, json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": token, "csrf": csrf, "url": "/"})).await;
        assert_eq!(recv(&mut ws).await["status"], "ok");
        ws
    }

    fn tokens(&self) -> (String, String) {
        self.live.tokens_for("/")
    }
}

/// A response as these tests read it.
struct Response {
    status: u16,
    request_id: String,
}

/// The lines of the request `id`.
fn of_request(id: &str) -> Vec<Value> {
    let access = lines().into_iter().filter(|l| l["target"] == "zero_live::access");
    access.filter(|l| l["request_id"] == id).collect()
}

#[tokio::test]
async fn each_request_logs_one_access_line_by_route_pattern_never_its_path_or_query() {
    let app = serve().await;
    let served = app.get("/users/log-in/SECRET-LINK?next=SECRET-QUERY", "logs-access-1").await;
    assert_eq!(served.status, 200);
    let access = of_request("logs-access-1");
    assert_eq!(access.len(), 1, "one line a request: {access:?}");
    let line = &access[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["target"], "zero_live::access");
    assert_eq!(line["status"], 200);
    assert!(line["duration_us"].is_u64(), "{line}");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/users/log-in/{token}");
    assert!(line.get("spans").is_none(), "the line names the request itself: {line}");
    // No route matched: the path without its query.
    assert_eq!(app.get("/nowhere?token=SECRET-QUERY", "logs-access-2").await.status, 404);
    let missing = of_request("logs-access-2");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["status"], 404);
    assert_eq!(missing[0]["unmatched"], "/nowhere");
    assert!(!log().text().contains("SECRET"), "a path or query reached the log");
}

#[tokio::test]
async fn a_request_id_a_client_should_not_choose_is_replaced_in_the_log_and_the_response() {
    let app = serve().await;
    let long = "logs-long-".repeat(30);
    let response = app.get("/", &long).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.len(), 21, "{}", response.request_id);
    assert_eq!(of_request(&long).len(), 0, "the client's id is not logged");
    let ours = of_request(&response.request_id);
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["route"], "/");
}

#[tokio::test]
async fn a_session_logs_its_view_events_and_end_and_never_a_frame_or_token() {
    let app = serve().await;
    let (token, csrf) = app.tokens();
    let mut ws = app.joined("logs-session-1").await;
    for r in 2..5 {
        send(&mut ws, json!({"v": 1, "kind": "event", "ref": r, "type": "click", "event": "inc"}))
            .await;
        assert_eq!(recv(&mut ws).await["status"], "ok");
    }
    // Malformed frames until the socket is closed for them.
    let closed = loop {
        if ws.send(Message::text("{not json")).await.is_err() {
            break None;
        }
        match tokio::time::timeout(LIMIT, futures_util::StreamExt::next(&mut ws)).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break None,
        }
    };
    assert_eq!(closed, Some(1008));
    // The session's end is logged after its close frame: wait for it.
    let ended = tokio::time::timeout(LIMIT, async {
        loop {
            let end = lines().into_iter().find(|l| {
                l["spans"][0]["request_id"] == "logs-session-1" && l["message"] == "session ended"
            });
            match end {
                Some(end) => break end,
                None => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(ended["level"], "INFO");
    assert_eq!(ended["target"], "zero_live::session");
    assert_eq!(ended["close_code"], 1008);
    assert_eq!(ended["reason"], "too many protocol errors");
    assert_eq!(ended["error"], "malformed");
    assert_eq!(ended["events"], 3);
    assert!(ended["lifetime_ms"].is_u64(), "{ended}");
    let session = &ended["spans"][0];
    assert_eq!(session["name"], "live_session");
    assert_eq!(session["view"], "counter::Counter");
    assert!(session["node"].is_string(), "{ended}");
    let socket = session["socket"].clone();
    let mine: Vec<Value> =
        lines().into_iter().filter(|l| l["spans"][0]["socket"] == socket).collect();
    // At DEBUG, each event in its own span within the session's: its name, reference, time
    // and answer size.
    let events: Vec<&Value> = mine.iter().filter(|l| l["message"] == "event handled").collect();
    assert_eq!(events.len(), 3, "{mine:?}");
    let event = events[2];
    assert_eq!(event["level"], "DEBUG");
    let span = &event["spans"][1];
    assert_eq!(span["name"], "event");
    assert_eq!(span["event"], "\"inc\"");
    assert_eq!(span["reference"], 4);
    assert!(span["duration_us"].is_u64(), "{event}");
    assert!(span["patch_bytes"].as_u64().unwrap() > 0, "{event}");
    let refused = mine.iter().filter(|l| l["message"] == "frame refused").count();
    assert!(refused >= 1, "each refused frame is logged at DEBUG: {mine:?}");
    // Not a token, not a frame: TRACE included (tungstenite's frame dumps, `log` records,
    // stay out; other crates' `log` records come in).
    log::trace!(target: "some_crate", "a log record");
    let text = log().text();
    assert!(text.contains("a log record"), "`log` records are not routed to the log");
    assert!(!text.contains(&token) && !text.contains(&csrf), "a token reached the log");
    assert!(!text.contains("{not json"), "a frame reached the log");
}
