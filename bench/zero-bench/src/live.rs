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

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

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

fn taskset() -> bool {
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

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

async fn start(counter: &Path) -> Result<Server> {
    let port = free_port()?;
    let mut command = if taskset() {
        let mut c = Command::new("taskset");
        c.args(["-c", "0"]).arg(counter);
        c
    } else {
        Command::new(counter)
    };
    // Like the peers' harness raises djust's limits: the closed loops click far above the
    // default 50 events/s per session.
    let policy =
        std::env::temp_dir().join(format!("zl-bench-security-{}.toml", std::process::id()));
    let raised = zero_live::config::DEFAULT_SECURITY_TOML
        .replace("events_per_second = 50", "events_per_second = 1000000")
        .replace("event_burst = 100", "event_burst = 1000000");
    std::fs::write(&policy, raised)?;
    let child = command
        .env("PORT", port.to_string())
        .env("SECURITY_TOML", &policy)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the counter")?;
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if Instant::now() > deadline {
            bail!("the counter did not start listening");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
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

struct Page {
    token: String,
    csrf: String,
}

fn attr(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

async fn get(port: u16) -> Result<Page> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.set_nodelay(true)?;
    tcp.write_all(
        b"GET /clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    )
    .await?;
    let mut body = String::new();
    tcp.read_to_string(&mut body).await?;
    if !body.starts_with("HTTP/1.1 200") {
        bail!("GET /clicks answered {}", body.lines().next().unwrap_or(""));
    }
    Ok(Page {
        token: attr(&body, "data-zl-session=\"").context("no session token")?,
        csrf: attr(&body, "name=\"csrf-token\" content=\"").context("no csrf token")?,
    })
}

async fn open(port: u16, page: &Page) -> Result<Ws> {
    let mut request =
        format!("ws://127.0.0.1:{port}{}", zero_live::server::SOCKET_PATH).into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://127.0.0.1:{port}").parse()?);
    headers.insert("sec-websocket-protocol", zero_live::protocol::SUBPROTOCOL.parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    let join = json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/clicks",
                      "session": page.token, "csrf": page.csrf, "url": "/clicks"});
    ws.send(Message::Text(join.to_string().into())).await?;
    let reply = next_text(&mut ws).await?;
    if !reply.contains("\"status\":\"ok\"") {
        bail!("join refused: {reply}");
    }
    Ok(ws)
}

async fn next_text(ws: &mut Ws) -> Result<String> {
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

fn click_frame(reference: u64) -> String {
    // What a browser sends for `z-click="inc"`: the event, its type and an empty value.
    format!(
        r#"{{"v":1,"kind":"event","ref":{reference},"type":"click","event":"inc","value":{{}}}}"#
    )
}

/// One click: send, wait for the reply with the same ref. Returns (seconds, reply).
async fn click(ws: &mut Ws, reference: u64) -> Result<(f64, String)> {
    let frame = click_frame(reference);
    let start = Instant::now();
    ws.send(Message::Text(frame.into())).await?;
    let needle = format!("\"ref\":{reference},");
    loop {
        let text = next_text(ws).await?;
        if text.contains(&needle) || text.ends_with(&format!("\"ref\":{reference}}}")) {
            return Ok((start.elapsed().as_secs_f64(), text));
        }
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
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
            let mut ws = open(port, &page).await?;
            let mut rtts = Vec::new();
            let mut reference = 2u64;
            while Instant::now() < deadline {
                let (dt, _) = click(&mut ws, reference).await?;
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

async fn idle_rss_per_session(counter: &Path, sessions: usize) -> Result<(f64, f64)> {
    let server = start(counter).await?;
    // Warm up: a few sessions, then none.
    for _ in 0..3 {
        let page = get(server.port).await?;
        let mut ws = open(server.port, &page).await?;
        click(&mut ws, 2).await?;
        ws.close(None).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kib()?;
    let mut held = Vec::with_capacity(sessions);
    let mut joins = Vec::with_capacity(sessions);
    let page = get(server.port).await?;
    for _ in 0..sessions {
        let start = Instant::now();
        held.push(open(server.port, &page).await?);
        joins.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss_kib()?;
    // Every held session still answers.
    for ws in held.iter_mut().step_by((sessions / 20).max(1)) {
        click(ws, 2).await?;
    }
    drop(held);
    Ok(((after - before) / sessions as f64, percentile(&mut joins, 0.5)))
}

/// Runs the suite; `quick` shortens every phase.
pub(crate) async fn run(counter: &Path, quick: bool) -> Result<Figures> {
    let mut figures = Figures::default();
    let server = start(counter).await?;
    let port = server.port;
    for _ in 0..20 {
        let page = get(port).await?;
        let mut ws = open(port, &page).await?;
        click(&mut ws, 2).await?;
    }
    // First render and join after the GET.
    let n = if quick { 50 } else { 300 };
    let (mut gets, mut joins) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let start = Instant::now();
        let page = get(port).await?;
        let got = Instant::now();
        gets.push((got - start).as_secs_f64() * 1000.0);
        let mut ws = open(port, &page).await?;
        joins.push(got.elapsed().as_secs_f64() * 1000.0);
        ws.close(None).await?;
    }
    figures.get_p50_ms = percentile(&mut gets, 0.5);
    figures.join_after_get_p50_ms = percentile(&mut joins, 0.5);
    // One session, closed loop.
    let page = get(port).await?;
    let mut ws = open(port, &page).await?;
    let clicks = if quick { 500 } else { 2000 };
    let mut rtts = Vec::with_capacity(clicks);
    let mut last = String::new();
    for i in 0..clicks {
        let (dt, reply) = click(&mut ws, 2 + i as u64).await?;
        rtts.push(dt * 1000.0);
        last = reply;
    }
    let count: Value = serde_json::from_str(&last)?;
    if count["rendered"]["0"] != json!(clicks.to_string()) {
        bail!("the count after {clicks} clicks is wrong: {last}");
    }
    figures.click_p50_ms = percentile(&mut rtts, 0.5);
    figures.click_p99_ms = percentile(&mut rtts, 0.99);
    figures.click_request_bytes = click_frame(2 + clicks as u64).len() as f64;
    figures.click_reply_bytes = last.len() as f64;
    drop(ws);
    // 100 sessions, each a closed loop; the median of three phases (the machine is shared).
    let duration = Duration::from_secs(if quick { 3 } else { 6 });
    let page = std::sync::Arc::new(get(port).await?);
    let mut phases = Vec::new();
    for _ in 0..if quick { 1 } else { 3 } {
        phases.push(closed_loops(port, &page, duration, server.child.id()).await?);
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
    figures.rss_per_session_kib_1k = idle_rss_per_session(counter, 1000).await?.0;
    if !quick {
        let (kib, join_p50) = idle_rss_per_session(counter, 10_000).await?;
        figures.rss_per_session_kib_10k = kib;
        figures.join_p50_ms_10k = join_p50;
    }
    Ok(figures)
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
        assert!(click_frame(7).contains("\"ref\":7,") && click_frame(7).len() < 80);
    }
}
