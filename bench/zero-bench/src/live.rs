//! The `live` suite: the counter example (`examples/counter`, release build) served in a child
//! process pinned to core 0, driven by a Rust load client pinned to core 1, over loopback. The
//! page is `/clicks`, the peers' counter (a count and one button).
//!
//! Measured like `shared/bench/live-peers` measures pyview and djust: first render (fresh TCP
//! connection), join reply after the GET (socket open + join), click round trips (one session,
//! closed loop), 100 sessions in closed loops, click payload bytes, and resident memory per idle
//! joined session (VmRSS of the server, 1,000 and 10,000 sessions).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use zero_live::protocol::{COMPACT_SUBPROTOCOL, Kind};
use zerogen::term::Printer;

use crate::{Measure, report, round};

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// A message kind's index: its code in the compact encoding.
fn kind(k: Kind) -> usize {
    Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// What one run measured.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    pub(crate) get_p50_ms: f64,
    pub(crate) join_after_get_p50_ms: f64,
    pub(crate) click_p50_ms: f64,
    pub(crate) click_p99_ms: f64,
    pub(crate) conc_events_per_s: f64,
    pub(crate) conc_p99_ms: f64,
    pub(crate) conc_server_cpu: f64,
    pub(crate) conc_client_cpu: f64,
    pub(crate) click_request_bytes: f64,
    pub(crate) click_reply_bytes: f64,
    pub(crate) rss_per_session_kib_1k: f64,
    pub(crate) rss_per_session_kib_10k: f64,
    pub(crate) join_p50_ms_10k: f64,
}

/// The server child: killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time the hypervisor took from this machine so far (`steal` in /proc/stat), in seconds:
/// recorded with the evidence, since a run that lost much of it measured the neighbours.
fn steal_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    stat.lines()
        .find(|l| l.starts_with("cpu "))
        .and_then(|l| l.split_whitespace().nth(8))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |ticks| ticks / 100.0)
}

/// CPU seconds (user + system) of process `pid` so far.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').context("stat format")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11).context("utime")?.parse::<f64>()?
        + fields.get(12).context("stime")?.parse::<f64>()?;
    // USER_HZ is 100 on Linux.
    Ok(ticks / 100.0)
}

impl Server {
    fn rss_kib(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
        let kib: f64 = line.split_whitespace().nth(1).context("VmRSS value")?.parse()?;
        Ok(kib)
    }
}

pub(crate) fn taskset() -> bool {
    Command::new("taskset").arg("-V").stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Builds the counter in release mode and returns its path.
pub(crate) fn build_counter(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-q", "-p", "counter"])
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p counter failed");
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("bench binary has a folder")?;
    Ok(dir.join("counter"))
}

pub(crate) fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// How to start the server under test.
#[derive(Debug, Clone)]
pub(crate) enum Subject {
    /// Our counter binary.
    ZeroLive(PathBuf),
    /// pyview's counter under uvicorn, from a set-up copy of `shared/bench/live-peers` (with its
    /// `.venv`), started as its `run_pyview.sh` starts it.
    Pyview(PathBuf),
}

impl Subject {
    fn peer(&self) -> Peer {
        match self {
            Subject::ZeroLive(_) => Peer::ZeroLive,
            Subject::Pyview(_) => Peer::Pyview,
        }
    }

    /// The subject's name in evidence rows.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Subject::ZeroLive(_) => "zero_live",
            Subject::Pyview(_) => "pyview",
        }
    }
}

async fn start(subject: &Subject) -> Result<Server> {
    let port = free_port()?;
    let mut command = Command::new("taskset");
    if taskset() {
        command.args(["-c", "0"]);
    } else {
        command = Command::new("env");
    }
    match subject {
        Subject::ZeroLive(counter) => {
            // Like the peers' harness raises djust's limits: the closed loops click far above
            // the default 50 events/s per session.
            let policy =
                std::env::temp_dir().join(format!("zl-bench-security-{}.toml", std::process::id()));
            let raised = zero_live::config::DEFAULT_SECURITY_TOML
                .replace("events_per_second = 50", "events_per_second = 1000000")
                .replace("event_burst = 100", "event_burst = 1000000");
            std::fs::write(&policy, raised)?;
            command.arg(counter).env("PORT", port.to_string()).env("SECURITY_TOML", &policy);
        }
        Subject::Pyview(dir) => {
            command
                .arg(dir.join(".venv/bin/uvicorn"))
                .args(["--app-dir", "pyview_app", "app:app", "--host", "127.0.0.1"])
                .args(["--port", &port.to_string()])
                .args(["--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio"])
                .args(["--log-level", "warning", "--no-access-log"])
                .current_dir(dir);
        }
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", subject.name()))?;
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Err(e) = get(subject.peer(), port).await {
        if Instant::now() > deadline {
            bail!("{} did not start serving: {e:#}", subject.name());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(server)
}

/// Pins this process (and the threads it starts afterwards) to core 1.
pub(crate) fn pin_client() {
    if taskset() {
        let _ = Command::new("taskset")
            .args(["-cp", "1", &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status();
    }
}

/// Which server the client talks to, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    /// Our counter at `/clicks`, protocol v2 (the compact encoding our browser client uses).
    ZeroLive,
    /// pyview-web's counter at `/`, Phoenix channels v2 (as its bundled JS client speaks it).
    Pyview,
}

/// What the client reads from the page.
pub(crate) struct Page {
    token: String,
    csrf: String,
    stat: String,
    view: String,
}

impl Peer {
    fn path(self) -> &'static str {
        match self {
            Peer::ZeroLive => "/clicks",
            Peer::Pyview => "/",
        }
    }

    fn parse(self, html: &str) -> Result<Page> {
        let csrf = attr(html, "name=\"csrf-token\" content=\"").context("no csrf token")?;
        Ok(match self {
            Peer::ZeroLive => Page {
                token: attr(html, "data-zl-session=\"").context("no session token")?,
                csrf,
                stat: String::new(),
                view: String::new(),
            },
            Peer::Pyview => Page {
                token: attr(html, "data-phx-session=\"").context("no data-phx-session")?,
                csrf,
                stat: attr(html, "data-phx-static=\"").unwrap_or_default(),
                view: phx_view_id(html).context("no data-phx-main view id")?,
            },
        })
    }

    fn socket_url(self, port: u16, page: &Page) -> String {
        match self {
            Peer::ZeroLive => format!("ws://127.0.0.1:{port}{}", zero_live::server::SOCKET_PATH),
            Peer::Pyview => format!(
                "ws://127.0.0.1:{port}/live/websocket?_csrf_token={}&_mounts=0&_live_referer=undefined&vsn=2.0.0",
                page.csrf
            ),
        }
    }

    fn join_frame(self, port: u16, page: &Page) -> String {
        match self {
            Peer::ZeroLive => {
                json!([kind(Kind::Join), 1, "lv:/clicks", page.token, page.csrf, "/clicks"])
                    .to_string()
            }
            Peer::Pyview => json!(["1", "1", format!("lv:{}", page.view), "phx_join", {
                "url": format!("http://127.0.0.1:{port}/"),
                "params": {"_csrf_token": page.csrf, "_mounts": 0},
                "session": page.token,
                "static": if page.stat.is_empty() { Value::Null } else { Value::from(page.stat.as_str()) },
            }])
            .to_string(),
        }
    }

    fn join_ok(self, reply: &str) -> bool {
        match self {
            Peer::ZeroLive => reply.starts_with(&format!("[{},1,\"ok\"", kind(Kind::Reply))),
            Peer::Pyview => reply.contains("\"phx_reply\"") && reply.contains("\"ok\""),
        }
    }

    /// What a browser sends for a click on the `+` button.
    fn click_frame(self, reference: u64, page: &Page) -> String {
        match self {
            // A click on a button without `z-value-*`: no type, no value.
            Peer::ZeroLive => format!(r#"[{},{reference},null,"inc"]"#, kind(Kind::Event)),
            Peer::Pyview => format!(
                r#"["1","{reference}","lv:{}","event",{{"type":"click","event":"inc","value":{{"value":""}}}}]"#,
                page.view
            ),
        }
    }

    fn is_reply(self, text: &str, reference: u64) -> bool {
        match self {
            // The reply, or an error answering the same request (which fails the count check).
            Peer::ZeroLive => [Kind::Reply, Kind::Error]
                .iter()
                .any(|k| text.starts_with(&format!("[{},{reference},", kind(*k)))),
            Peer::Pyview => {
                text.contains(&format!("\"{reference}\"")) && text.contains("phx_reply")
            }
        }
    }

    /// The count a click's reply carries.
    fn count(self, reply: &str) -> Option<u64> {
        let value: Value = serde_json::from_str(reply).ok()?;
        let diff = match self {
            Peer::ZeroLive => &value[4],
            Peer::Pyview => &value[4]["response"]["diff"],
        };
        diff["0"].as_str()?.parse().ok()
    }
}

/// The id of pyview's main view: `id="phx-..."` on the element with `data-phx-main`.
fn phx_view_id(html: &str) -> Option<String> {
    let main = html.find("data-phx-main")?;
    let tag_start = html[..main].rfind('<')?;
    let tag_end = main + html[main..].find('>')?;
    attr(&html[tag_start..tag_end], "id=\"")
}

pub(crate) fn attr(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

async fn get(peer: Peer, port: u16) -> Result<Page> {
    peer.parse(&fetch(port, peer.path()).await?.html)
}

/// A page and how it arrived.
pub(crate) struct Fetched {
    /// The HTML (decompressed).
    pub(crate) html: String,
    /// Bytes on the wire (gzip, as a browser asks).
    pub(crate) wire: usize,
}

/// GET `path` on a fresh connection, gzip accepted, until the last byte.
pub(crate) async fn fetch(port: u16, path: &str) -> Result<Fetched> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).await?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").context("no header end")?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200") {
        bail!("GET {path} answered {}", head.lines().next().unwrap_or(""));
    }
    let raw = &response[split + 4..];
    let body =
        if head.contains("transfer-encoding: chunked") { dechunk(raw)? } else { raw.to_vec() };
    let html = if head.contains("content-encoding: gzip") {
        let mut html = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut html)?;
        html
    } else {
        String::from_utf8(body)?
    };
    Ok(Fetched { wire: response.len(), html })
}

/// The body of a `transfer-encoding: chunked` response.
fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").context("a chunk size line")?;
        let size = std::str::from_utf8(&raw[..line_end])?.split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size.trim(), 16).context("a chunk size")?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(raw.get(..size).context("a chunk shorter than its size")?);
        raw = raw.get(size + 2..).context("a chunk without its line end")?;
    }
}

/// A joined socket.
pub(crate) struct Joined {
    ws: Ws,
    peer: Peer,
    page: std::sync::Arc<Page>,
}

async fn open(peer: Peer, port: u16, page: &std::sync::Arc<Page>) -> Result<Joined> {
    let mut request = peer.socket_url(port, page).into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://127.0.0.1:{port}").parse()?);
    if peer == Peer::ZeroLive {
        headers.insert("sec-websocket-protocol", COMPACT_SUBPROTOCOL.parse()?);
    }
    let (mut ws, _) = connect(request).await?;
    ws.send(Message::Text(peer.join_frame(port, page).into())).await?;
    let reply = next_text(&mut ws).await?;
    if !peer.join_ok(&reply) {
        bail!("join refused: {reply}");
    }
    Ok(Joined { ws, peer, page: page.clone() })
}

/// Opens a client socket with a small read buffer: tungstenite zero-fills the free part of its
/// read buffer (128 KiB by default) before every read, which made the load client, not the
/// server, the bottleneck of the closed loops (a third of its time in `memset`). The servers
/// measured are unaffected (ours reads with a 1 KiB buffer, pyview is another stack).
pub(crate) async fn connect(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
) -> Result<(Ws, tokio_tungstenite::tungstenite::handshake::client::Response)> {
    let config =
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
    Ok(tokio_tungstenite::connect_async_with_config(request, Some(config), false).await?)
}

pub(crate) async fn next_text(ws: &mut Ws) -> Result<String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
            Some(Ok(Message::Close(f))) => bail!("closed: {f:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => bail!("the socket ended"),
        }
    }
}

/// One click: send, wait for the reply with the same ref. Returns (seconds, reply).
async fn click(joined: &mut Joined, reference: u64) -> Result<(f64, String)> {
    let frame = joined.peer.click_frame(reference, &joined.page);
    let start = Instant::now();
    joined.ws.send(Message::Text(frame.into())).await?;
    loop {
        let text = next_text(&mut joined.ws).await?;
        if joined.peer.is_reply(&text, reference) {
            return Ok((start.elapsed().as_secs_f64(), text));
        }
    }
}

pub(crate) fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let i = ((values.len() - 1) as f64 * p).round() as usize;
    values[i]
}

/// One phase of 100 closed-loop sessions.
struct Loops {
    events_per_s: f64,
    p99_ms: f64,
    server_cores: f64,
    client_cores: f64,
}

async fn closed_loops(
    peer: Peer,
    port: u16,
    page: &std::sync::Arc<Page>,
    duration: Duration,
    server_pid: u32,
) -> Result<Loops> {
    let warmup = Duration::from_millis(300);
    let begin = Instant::now() + warmup;
    let deadline = begin + duration;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let page = page.clone();
        tasks.push(tokio::spawn(async move {
            let mut joined = open(peer, port, &page).await?;
            let mut rtts = Vec::new();
            let mut reference = 2u64;
            while Instant::now() < deadline {
                let (dt, _) = click(&mut joined, reference).await?;
                reference += 1;
                if Instant::now() >= begin {
                    rtts.push(dt * 1000.0);
                }
            }
            anyhow::Ok(rtts)
        }));
    }
    tokio::time::sleep_until(begin.into()).await;
    let (server0, client0) = (cpu_seconds(server_pid)?, cpu_seconds(std::process::id())?);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let measured = begin.elapsed().as_secs_f64();
    Ok(Loops {
        events_per_s: all.len() as f64 / duration.as_secs_f64(),
        p99_ms: percentile(&mut all, 0.99),
        server_cores: (cpu_seconds(server_pid)? - server0) / measured,
        client_cores: (cpu_seconds(std::process::id())? - client0) / measured,
    })
}

async fn idle_rss_per_session(subject: &Subject, sessions: usize) -> Result<(f64, f64)> {
    let peer = subject.peer();
    let server = start(subject).await?;
    // Warm up: a few sessions, then none.
    for _ in 0..3 {
        let page = std::sync::Arc::new(get(peer, server.port).await?);
        let mut joined = open(peer, server.port, &page).await?;
        click(&mut joined, 2).await?;
        joined.ws.close(None).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kib()?;
    let mut held = Vec::with_capacity(sessions);
    let mut joins = Vec::with_capacity(sessions);
    let page = std::sync::Arc::new(get(peer, server.port).await?);
    for _ in 0..sessions {
        let start = Instant::now();
        held.push(open(peer, server.port, &page).await?);
        joins.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kib()?;
    // Every held session still answers.
    for joined in held.iter_mut().step_by((sessions / 20).max(1)) {
        click(joined, 2).await?;
    }
    drop(held);
    Ok(((after - before) / sessions as f64, percentile(&mut joins, 0.5)))
}

/// Runs the suite against `subject`; `quick` shortens every phase and skips 10,000 sessions.
pub(crate) async fn run(subject: &Subject, quick: bool) -> Result<Figures> {
    let peer = subject.peer();
    let mut figures = Figures::default();
    let server = start(subject).await?;
    let port = server.port;
    for _ in 0..20 {
        let page = std::sync::Arc::new(get(peer, port).await?);
        let mut joined = open(peer, port, &page).await?;
        click(&mut joined, 2).await?;
    }
    // First render and join after the GET.
    let n = if quick { 50 } else { 300 };
    let (mut gets, mut joins) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let start = Instant::now();
        let page = std::sync::Arc::new(get(peer, port).await?);
        let got = Instant::now();
        gets.push((got - start).as_secs_f64() * 1000.0);
        let mut joined = open(peer, port, &page).await?;
        joins.push(got.elapsed().as_secs_f64() * 1000.0);
        joined.ws.close(None).await?;
    }
    figures.get_p50_ms = percentile(&mut gets, 0.5);
    figures.join_after_get_p50_ms = percentile(&mut joins, 0.5);
    // One session, closed loop.
    let page = std::sync::Arc::new(get(peer, port).await?);
    let mut joined = open(peer, port, &page).await?;
    let clicks = if quick { 500 } else { 2000 };
    let mut rtts = Vec::with_capacity(clicks);
    let mut last = String::new();
    for i in 0..clicks {
        let (dt, reply) = click(&mut joined, 2 + i as u64).await?;
        rtts.push(dt * 1000.0);
        last = reply;
    }
    if peer.count(&last) != Some(clicks as u64) {
        bail!("the count after {clicks} clicks is wrong: {last}");
    }
    figures.click_p50_ms = percentile(&mut rtts, 0.5);
    figures.click_p99_ms = percentile(&mut rtts, 0.99);
    figures.click_request_bytes = peer.click_frame(2 + clicks as u64, &page).len() as f64;
    figures.click_reply_bytes = last.len() as f64;
    drop(joined);
    // 100 sessions, each a closed loop; the median of three phases (the machine is shared).
    let duration = Duration::from_secs(if quick { 3 } else { 6 });
    let mut phases = Vec::new();
    for _ in 0..if quick { 1 } else { 3 } {
        phases.push(closed_loops(peer, port, &page, duration, server.child.id()).await?);
    }
    let median_of = |f: fn(&Loops) -> f64| {
        let mut values: Vec<f64> = phases.iter().map(f).collect();
        percentile(&mut values, 0.5)
    };
    figures.conc_events_per_s = median_of(|l| l.events_per_s);
    figures.conc_p99_ms = median_of(|l| l.p99_ms);
    figures.conc_server_cpu = median_of(|l| l.server_cores);
    figures.conc_client_cpu = median_of(|l| l.client_cores);
    drop(server);
    // Memory per idle joined session, each on a fresh server.
    figures.rss_per_session_kib_1k = idle_rss_per_session(subject, 1000).await?.0;
    if !quick {
        let (kib, join_p50) = idle_rss_per_session(subject, 10_000).await?;
        figures.rss_per_session_kib_10k = kib;
        figures.join_p50_ms_10k = join_p50;
    }
    Ok(figures)
}

/// What the live suite measures.
pub(crate) const SOURCES: &[&str] = &[
    "runtime/zero-live/src",
    "runtime/zero-live-core/src",
    "generated/rust/wire.rs",
    "examples/counter/src",
    "examples/counter/templates",
    "bench/zero-bench/src/live.rs",
];

/// pyview-web 0.9 on this machine, from `shared/bench/live-peers/results/pyview.tsv` (the
/// same counter page, server on one core, Python client): the reference the `_vs_pyview_ref`
/// ratios quote when pyview is not measured in the same run.
const PYVIEW_REF: &[(&str, f64)] = &[
    ("get_p50", 1.604),
    ("join_after_get_p50", 2.113),
    ("click_p50", 0.354),
    ("click_p99", 0.622),
    ("conc_events_per_s", 5641.7),
    ("conc_p99", 38.853),
];

pub(crate) fn suite(
    printer: &Printer,
    quick: bool,
    record: bool,
    pyview: Option<&Path>,
) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the live suite with --release");
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let counter = build_counter(&root)?;
    pin_client();
    // 10,000 sessions need 10,000 descriptors in the client and in the server (which inherits
    // the limit).
    let limit = rlimit::increase_nofile_limit(65_536).context("raising the descriptor limit")?;
    if limit < 10_500 {
        bail!("the descriptor limit is {limit}; the 10,000-session phase needs more");
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let steal = steal_seconds();
    let ours = runtime.block_on(run(&Subject::ZeroLive(counter), quick))?;
    let stolen = steal_seconds() - steal;
    let peer = match pyview {
        Some(dir) => {
            let subject = Subject::Pyview(dir.to_path_buf());
            Some(runtime.block_on(run(&subject, quick))?)
        }
        None => None,
    };
    let mut measures = Vec::new();
    let mut add = |subject: &str, metric: &str, value: f64, unit: &'static str, budgeted: bool| {
        measures.push(Measure {
            case: "counter".to_owned(),
            subject: subject.to_owned(),
            metric: metric.to_owned(),
            value: round(value),
            unit,
            budget: budgeted.then(|| format!("live.counter.{metric}")),
        });
    };
    for (subject, f, budgeted) in
        std::iter::once(("zero_live", &ours, true)).chain(peer.iter().map(|p| ("pyview", p, false)))
    {
        let metric =
            |m: &str| if subject == "zero_live" { m.to_owned() } else { format!("pyview_{m}") };
        add(subject, &metric("get_p50"), f.get_p50_ms, "ms", budgeted);
        add(subject, &metric("join_after_get_p50"), f.join_after_get_p50_ms, "ms", budgeted);
        add(subject, &metric("click_p50"), f.click_p50_ms, "ms", budgeted);
        add(subject, &metric("click_p99"), f.click_p99_ms, "ms", budgeted);
        add(subject, &metric("conc_events_per_s"), f.conc_events_per_s, "ops_per_s", budgeted);
        add(subject, &metric("conc_p99"), f.conc_p99_ms, "ms", budgeted);
        add(subject, &metric("conc_server_cores"), f.conc_server_cpu, "ratio", false);
        add(subject, &metric("conc_client_cores"), f.conc_client_cpu, "ratio", false);
        add(subject, &metric("click_request_bytes"), f.click_request_bytes, "bytes", budgeted);
        add(subject, &metric("click_reply_bytes"), f.click_reply_bytes, "bytes", budgeted);
        add(subject, &metric("rss_per_idle_session_1k"), f.rss_per_session_kib_1k, "kib", budgeted);
        if !quick {
            add(
                subject,
                &metric("rss_per_idle_session_10k"),
                f.rss_per_session_kib_10k,
                "kib",
                false,
            );
            add(subject, &metric("join_p50_at_10k"), f.join_p50_ms_10k, "ms", false);
        }
    }
    add("zero_live", "cpu_stolen_during_run", stolen, "s", false);
    let pairs = |f: &Figures| {
        [
            ("get_p50", f.get_p50_ms),
            ("join_after_get_p50", f.join_after_get_p50_ms),
            ("click_p50", f.click_p50_ms),
            ("click_p99", f.click_p99_ms),
            ("conc_events_per_s", f.conc_events_per_s),
            ("conc_p99", f.conc_p99_ms),
            ("click_request_bytes", f.click_request_bytes),
            ("click_reply_bytes", f.click_reply_bytes),
            ("rss_per_idle_session_1k", f.rss_per_session_kib_1k),
        ]
    };
    match &peer {
        Some(p) => {
            for ((metric, value), (_, reference)) in pairs(&ours).into_iter().zip(pairs(p)) {
                add("zero_live", &format!("{metric}_vs_pyview"), value / reference, "ratio", false);
            }
        }
        None => {
            for ((metric, reference), (_, value)) in PYVIEW_REF.iter().zip(pairs(&ours)) {
                add(
                    "zero_live",
                    &format!("{metric}_vs_pyview_ref"),
                    value / reference,
                    "ratio",
                    false,
                );
            }
        }
    }
    report(printer, "live", SOURCES, 1, &measures, record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_found_and_percentiles_pick_ranks() {
        let html = r#"<meta name="csrf-token" content="c1"><div data-zl-session="t.k" x>"#;
        assert_eq!(attr(html, "data-zl-session=\"").as_deref(), Some("t.k"));
        assert_eq!(attr(html, "name=\"csrf-token\" content=\"").as_deref(), Some("c1"));
        assert_eq!(attr(html, "data-missing=\""), None);
        let mut values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut values, 0.5), 51.0);
        assert_eq!(percentile(&mut values, 0.99), 99.0);
        assert!(percentile(&mut [], 0.5).is_nan());
        let page =
            Page { token: "t".into(), csrf: "c".into(), stat: String::new(), view: "phx-1".into() };
        let ours = Peer::ZeroLive.click_frame(7, &page);
        assert!(Peer::ZeroLive.is_reply(r#"[6,7,"ok",1,{"0":"1"}]"#, 7));
        assert!(!Peer::ZeroLive.is_reply(r#"[6,71,"ok",1,{"0":"1"}]"#, 7));
        assert!(Peer::ZeroLive.is_reply(r#"[7,7,"rate_limited","slow down"]"#, 7));
        assert!(!Peer::ZeroLive.is_reply(r#"[3,7,{"0":"1"}]"#, 7), "a pushed diff is no reply");
        assert_eq!(ours, r#"[2,7,null,"inc"]"#);
        let phx = Peer::Pyview.click_frame(7, &page);
        assert!(phx.starts_with(r#"["1","7","lv:phx-1","event""#), "{phx}");
        let reply =
            r#"["1","7","lv:phx-1","phx_reply",{"response":{"diff":{"0":"3"}},"status":"ok"}]"#;
        assert!(Peer::Pyview.is_reply(reply, 7) && !Peer::Pyview.is_reply(reply, 8));
        assert_eq!(Peer::Pyview.count(reply), Some(3));
        assert_eq!(Peer::ZeroLive.count(r#"[6,9,"ok",9,{"0":"12"}]"#), Some(12));
        let html = r#"<div data-phx-main="true" data-phx-session="s" id="phx-abc">"#;
        assert_eq!(phx_view_id(html).as_deref(), Some("phx-abc"));
    }
}
