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
pub(crate) fn kind(k: Kind) -> usize {
    Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// What one run measured.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    /// One session's: the page, the join and clicks.
    pub(crate) latency: Latencies,
    pub(crate) conc_events_per_s: f64,
    pub(crate) conc_p99_ms: f64,
    pub(crate) conc_server_cpu: f64,
    pub(crate) conc_client_cpu: f64,
    pub(crate) conc1k_events_per_s: f64,
    pub(crate) conc1k_p99_ms: f64,
    pub(crate) rss_per_session_kib_1k: f64,
    pub(crate) rss_per_session_kib_10k: f64,
    pub(crate) join_p50_ms_10k: f64,
    /// Big messages, for the subjects that serve the feed page.
    pub(crate) large: Option<Large>,
}

/// Bytes of big messages on one socket: the join of a 10,000-entry stream (every frame of it)
/// and the reply to an event that appends 100 entries, as sent (payload bytes, no compression
/// negotiated) and as permessage-deflate would send the same payloads (computed, see
/// [`Deflater`]).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Large {
    pub(crate) join_bytes: f64,
    pub(crate) join_deflated_bytes: f64,
    pub(crate) more_bytes: f64,
    pub(crate) more_deflated_bytes: f64,
}

/// The feed page of every subject that has one: 10,000 stream entries and a `more` button.
const FEED_PATH: &str = "/feed?n=10000";

/// The payload sizes RFC 7692's permessage-deflate gives a server's messages on one socket:
/// raw DEFLATE at zlib's default level 6 with a 32 KiB window and context takeover (what
/// Phoenix's Bandit negotiates by default), each message ending in a sync flush whose trailing
/// `00 00 ff ff` is not sent.
pub(crate) struct Deflater(flate2::Compress);

impl Deflater {
    pub(crate) fn new() -> Deflater {
        Deflater(flate2::Compress::new(flate2::Compression::new(6), false))
    }

    /// The bytes of `payload` once deflated, after the messages before it on the socket.
    pub(crate) fn message(&mut self, payload: &[u8]) -> Result<usize> {
        let start = self.0.total_in();
        let mut out: Vec<u8> = Vec::with_capacity(payload.len() / 2 + 64);
        loop {
            let consumed = usize::try_from(self.0.total_in() - start)?;
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            self.0.compress_vec(&payload[consumed..], &mut out, flate2::FlushCompress::Sync)?;
            let done = usize::try_from(self.0.total_in() - start)? == payload.len();
            if done && out.len() < out.capacity() && out.ends_with(&[0, 0, 0xff, 0xff]) {
                return Ok(out.len() - 4);
            }
        }
    }
}

/// The server under test: a child we started (killed on drop), or a running peer's process.
pub(crate) struct Server {
    child: Option<Child>,
    pid: u32,
    pub(crate) port: u16,
}

impl Server {
    /// Stops a server we started with SIGINT (its Ctrl-C) and waits for it to exit, so a
    /// wrapper such as callgrind writes its output.
    pub(crate) async fn interrupt(mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .context("running kill")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("the server did not exit within 60 s of SIGINT");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A running LiveView-protocol server given by URL (`--peer NAME=URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlPeer {
    /// Its name in evidence rows (`phoenix`).
    pub(crate) name: String,
    /// The port on 127.0.0.1 or ::1.
    pub(crate) port: u16,
    /// The counter page's path.
    pub(crate) path: String,
}

/// Parses `NAME=http://127.0.0.1:PORT/PATH`; load runs target loopback only.
pub(crate) fn parse_peer(text: &str) -> Result<UrlPeer, String> {
    let (name, url) = text.split_once('=').ok_or("expected NAME=URL")?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return Err(format!("peer name `{name}` must be lowercase letters and `_`"));
    }
    let rest = url.strip_prefix("http://").ok_or("the URL must start with http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = authority.rsplit_once(':').ok_or("the URL needs a port")?;
    if host != "127.0.0.1" && host != "localhost" {
        return Err(format!("`{host}`: load runs target 127.0.0.1 only"));
    }
    let port = port.parse().map_err(|_| format!("`{port}` is not a port"))?;
    Ok(UrlPeer { name: name.to_owned(), port, path: path.to_owned() })
}

/// The process listening on `port` on loopback, found through /proc (its RSS and CPU are
/// measured like our server's).
pub(crate) fn listener_pid(port: u16) -> Result<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let listening = *state == "0A";
            let on_port = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                .is_some_and(|p| p == port);
            if listening && on_port {
                inodes.push(format!("socket:[{inode}]"));
            }
        }
    }
    if inodes.is_empty() {
        bail!("nothing listens on port {port}");
    }
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && inodes.iter().any(|i| target.as_os_str() == i.as_str())
            {
                return Ok(pid);
            }
        }
    }
    bail!("no process of this user holds the socket listening on port {port}")
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
pub(crate) fn cpu_seconds(pid: u32) -> Result<f64> {
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
    /// The server's process.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    fn rss_kib(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
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
    build_counter_with(root, &[])
}

/// `cargo build --release -p counter` with `args` (features); the binary's path.
pub(crate) fn build_counter_with(root: &Path, args: &[&str]) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-q", "-p", "counter"])
        .args(args)
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p counter {} failed", args.join(" "));
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
    /// A LiveView server already running (Phoenix), measured where it runs.
    Url(UrlPeer),
}

impl Subject {
    fn peer(&self) -> Peer {
        match self {
            Subject::ZeroLive(_) => Peer::ZeroLive,
            Subject::Pyview(_) => Peer::Pyview,
            Subject::Url(_) => Peer::Phoenix,
        }
    }

    /// The subject's name in evidence rows.
    pub(crate) fn name(&self) -> &str {
        match self {
            Subject::ZeroLive(_) => "zero_live",
            Subject::Pyview(_) => "pyview",
            Subject::Url(peer) => &peer.name,
        }
    }

    /// The counter page's path.
    fn path(&self) -> &str {
        match self {
            Subject::Url(peer) => &peer.path,
            _ => self.peer().path(),
        }
    }

    /// The feed page's path, for the subjects that serve one (pyview's app has none).
    fn feed_path(&self) -> Option<&'static str> {
        match self {
            Subject::ZeroLive(_) | Subject::Url(_) => Some(FEED_PATH),
            Subject::Pyview(_) => None,
        }
    }

    /// Whether each memory phase may start a fresh server (not one we were given).
    fn restartable(&self) -> bool {
        !matches!(self, Subject::Url(_))
    }
}

pub(crate) async fn start(subject: &Subject) -> Result<Server> {
    start_wrapped(subject, &[], &[]).await
}

/// Starts `subject` as [`start`] does; our counter behind `wrap` (a command that runs it, such
/// as valgrind) and with `args`.
pub(crate) async fn start_wrapped(
    subject: &Subject,
    wrap: &[std::ffi::OsString],
    args: &[&str],
) -> Result<Server> {
    start_with(subject, &Launch { wrap, args, env: &[], stdout: None }).await
}

/// How our counter is started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Launch<'a> {
    /// A command that runs it (valgrind), or nothing.
    pub(crate) wrap: &'a [std::ffi::OsString],
    /// Its arguments.
    pub(crate) args: &'a [&'a str],
    /// Its environment, beside the port and the raised limits.
    pub(crate) env: &'a [(&'static str, String)],
    /// The file its standard output is appended to (discarded when `None`).
    pub(crate) stdout: Option<&'a Path>,
}

/// Starts `subject` as [`start`] does; our counter as `launch` says.
pub(crate) async fn start_with(subject: &Subject, launch: &Launch<'_>) -> Result<Server> {
    let Launch { wrap, args, env, stdout } = *launch;
    if let Subject::Url(peer) = subject {
        let server = Server { child: None, pid: listener_pid(peer.port)?, port: peer.port };
        get(subject, peer.port)
            .await
            .with_context(|| format!("{} does not serve its counter page", peer.name))?;
        return Ok(server);
    }
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
            // the default 50 events/s per session, and every session comes from one client.
            let policy =
                std::env::temp_dir().join(format!("zl-bench-security-{}.toml", std::process::id()));
            let raised = zero_live::config::DEFAULT_SECURITY_TOML
                .replace("events_per_second = 50", "events_per_second = 1000000")
                .replace("event_burst = 100", "event_burst = 1000000")
                .replace("max_sessions_per_client = 64", "max_sessions_per_client = 100000")
                .replace("joins_per_minute = 120", "joins_per_minute = 1000000");
            std::fs::write(&policy, raised)?;
            command.args(wrap).arg(counter).args(args);
            command.env("PORT", port.to_string()).env("SECURITY_TOML", &policy);
            // As the peers run (their loggers at warning), unless `env` says otherwise.
            command.env("RUST_LOG", crate::app::PEER_LOG_LEVEL);
            command.envs(env.iter().map(|(name, value)| (name, value)));
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
        Subject::Url(peer) => bail!("{} runs already; it is not started here", peer.name),
    }
    let out = match stdout {
        None => Stdio::null(),
        Some(path) => {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(path);
            Stdio::from(file.with_context(|| format!("opening {}", path.display()))?)
        }
    };
    let child = command
        .stdout(out)
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", subject.name()))?;
    let server = Server { pid: child.id(), child: Some(child), port };
    // Under a wrapper such as valgrind a server starts tens of times slower.
    let deadline = Instant::now() + Duration::from_secs(if wrap.is_empty() { 30 } else { 180 });
    while let Err(e) = get(subject, port).await {
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
    /// Phoenix LiveView: the same channel frames as pyview, and the page's cookies sent with
    /// the upgrade (the socket checks the CSRF token against the session cookie).
    Phoenix,
}

/// What the client reads from the page.
pub(crate) struct Page {
    token: String,
    csrf: String,
    stat: String,
    view: String,
    /// The page's cookies as a `Cookie` header value (empty when it set none).
    cookies: String,
    /// The path the page was served at.
    path: String,
}

impl Peer {
    fn path(self) -> &'static str {
        match self {
            Peer::ZeroLive => "/clicks",
            Peer::Pyview | Peer::Phoenix => "/",
        }
    }

    fn parse(self, fetched: Fetched, path: &str) -> Result<Page> {
        let html = &fetched.html;
        let csrf = attr(html, "name=\"csrf-token\" content=\"").context("no csrf token")?;
        let cookies = if self == Peer::Phoenix { fetched.cookies } else { String::new() };
        Ok(match self {
            Peer::ZeroLive => Page {
                token: attr(html, "data-zl-session=\"").context("no session token")?,
                csrf,
                stat: String::new(),
                view: String::new(),
                cookies,
                path: path.to_owned(),
            },
            Peer::Pyview | Peer::Phoenix => Page {
                token: attr(html, "data-phx-session=\"").context("no data-phx-session")?,
                csrf,
                stat: attr(html, "data-phx-static=\"").unwrap_or_default(),
                view: phx_view_id(html).context("no data-phx-main view id")?,
                cookies,
                path: path.to_owned(),
            },
        })
    }

    fn socket_url(self, port: u16, page: &Page) -> String {
        match self {
            Peer::ZeroLive => format!("ws://127.0.0.1:{port}{}", zero_live::server::SOCKET_PATH),
            Peer::Pyview | Peer::Phoenix => format!(
                "ws://127.0.0.1:{port}/live/websocket?_csrf_token={}&_mounts=0&_live_referer=undefined&vsn=2.0.0",
                page.csrf
            ),
        }
    }

    fn join_frame(self, port: u16, page: &Page) -> String {
        match self {
            Peer::ZeroLive => {
                let route = page.path.split('?').next().unwrap_or_default();
                json!([kind(Kind::Join), 1, format!("lv:{route}"), page.token, page.csrf, page.path])
                    .to_string()
            }
            Peer::Pyview | Peer::Phoenix => json!(["1", "1", format!("lv:{}", page.view), "phx_join", {
                "url": format!("http://127.0.0.1:{port}{}", page.path),
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
            Peer::Pyview | Peer::Phoenix => {
                reply.contains("\"phx_reply\"") && reply.contains("\"ok\"")
            }
        }
    }

    /// What a browser sends for a click on the `+` button.
    fn click_frame(self, reference: u64, page: &Page) -> String {
        self.event_frame(reference, page, "inc")
    }

    /// What a browser sends for a click on a button bound to `event`.
    fn event_frame(self, reference: u64, page: &Page, event: &str) -> String {
        match self {
            // A click on a button without `z-value-*`: no type, no value.
            Peer::ZeroLive => format!(r#"[{},{reference},null,"{event}"]"#, kind(Kind::Event)),
            Peer::Pyview | Peer::Phoenix => format!(
                r#"["1","{reference}","lv:{}","event",{{"type":"click","event":"{event}","value":{{"value":""}}}}]"#,
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
            Peer::Pyview | Peer::Phoenix => {
                text.contains(&format!("\"{reference}\"")) && text.contains("phx_reply")
            }
        }
    }

    /// The count a click's reply carries.
    fn count(self, reply: &str) -> Option<u64> {
        let value: Value = serde_json::from_str(reply).ok()?;
        let diff = match self {
            Peer::ZeroLive => &value[4],
            Peer::Pyview | Peer::Phoenix => &value[4]["response"]["diff"],
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

async fn get(subject: &Subject, port: u16) -> Result<Page> {
    let path = subject.path();
    subject.peer().parse(fetch(port, path).await?, path)
}

/// A page and how it arrived.
pub(crate) struct Fetched {
    /// The HTML (decompressed).
    pub(crate) html: String,
    /// Bytes on the wire (gzip, as a browser asks).
    pub(crate) wire: usize,
    /// The cookies it set, as a `Cookie` header value.
    pub(crate) cookies: String,
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
    let cookies = cookie_header(&String::from_utf8_lossy(&response[..split]));
    Ok(Fetched { wire: response.len(), html, cookies })
}

/// The `name=value` of every `Set-Cookie` of a response head, as a `Cookie` header value.
fn cookie_header(head: &str) -> String {
    head.lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim().eq_ignore_ascii_case("set-cookie").then_some(value)
        })
        .filter_map(|v| v.split(';').next().map(str::trim))
        .filter(|pair| pair.contains('='))
        .collect::<Vec<_>>()
        .join("; ")
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
    pub(crate) ws: Ws,
    peer: Peer,
    page: std::sync::Arc<Page>,
}

/// A session of our counter's page at `path`, joined over the compact encoding.
pub(crate) async fn join_page(port: u16, path: &str) -> Result<Joined> {
    let page = std::sync::Arc::new(Peer::ZeroLive.parse(fetch(port, path).await?, path)?);
    open(Peer::ZeroLive, port, &page).await
}

async fn open(peer: Peer, port: u16, page: &std::sync::Arc<Page>) -> Result<Joined> {
    Ok(open_with_reply(peer, port, page).await?.0)
}

/// Joins, and returns the join's reply too.
async fn open_with_reply(
    peer: Peer,
    port: u16,
    page: &std::sync::Arc<Page>,
) -> Result<(Joined, String)> {
    let mut request = peer.socket_url(port, page).into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://127.0.0.1:{port}").parse()?);
    if peer == Peer::ZeroLive {
        headers.insert("sec-websocket-protocol", COMPACT_SUBPROTOCOL.parse()?);
    }
    if !page.cookies.is_empty() {
        headers.insert("cookie", page.cookies.parse()?);
    }
    let (mut ws, _) = connect(request).await?;
    ws.send(Message::Text(peer.join_frame(port, page).into())).await?;
    let reply = next_text(&mut ws).await?;
    if !peer.join_ok(&reply) {
        bail!("join refused: {reply}");
    }
    Ok((Joined { ws, peer, page: page.clone() }, reply))
}

/// The feed's join (every frame until the socket is quiet for 300 ms: a big join may come in
/// parts) and its `more` event's reply, with what deflate would make of them.
async fn large_messages(subject: &Subject, port: u16) -> Result<Option<Large>> {
    let Some(path) = subject.feed_path() else { return Ok(None) };
    let peer = subject.peer();
    let page = std::sync::Arc::new(peer.parse(fetch(port, path).await?, path)?);
    let (mut joined, reply) = open_with_reply(peer, port, &page).await?;
    let mut deflater = Deflater::new();
    let mut large = Large {
        join_bytes: reply.len() as f64,
        join_deflated_bytes: deflater.message(reply.as_bytes())? as f64,
        ..Large::default()
    };
    let quiet = Duration::from_millis(300);
    while let Ok(text) = tokio::time::timeout(quiet, next_text(&mut joined.ws)).await {
        let text = text?;
        large.join_bytes += text.len() as f64;
        large.join_deflated_bytes += deflater.message(text.as_bytes())? as f64;
    }
    if large.join_bytes < 10_000.0 * "Entry 10000".len() as f64 {
        bail!("{path} joined with {} bytes: fewer than its entries", large.join_bytes);
    }
    let reference = 2;
    let frame = peer.event_frame(reference, &page, "more");
    joined.ws.send(Message::Text(frame.into())).await?;
    loop {
        let text = next_text(&mut joined.ws).await?;
        large.more_bytes += text.len() as f64;
        large.more_deflated_bytes += deflater.message(text.as_bytes())? as f64;
        if peer.is_reply(&text, reference) {
            if !text.contains("Entry 10100") {
                bail!("the `more` reply lacks the entries it appends: {text:.200}");
            }
            break;
        }
    }
    joined.ws.close(None).await?;
    Ok(Some(large))
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
pub(crate) async fn click(joined: &mut Joined, reference: u64) -> Result<(f64, String)> {
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

/// One phase of closed-loop sessions.
struct Loops {
    events_per_s: f64,
    p99_ms: f64,
    server_cores: f64,
    client_cores: f64,
}

/// `sessions` sessions, each clicking in a closed loop for `duration` once all have joined.
async fn closed_loops(
    subject: &Subject,
    port: u16,
    sessions: usize,
    duration: Duration,
    server_pid: u32,
) -> Result<Loops> {
    let peer = subject.peer();
    let page = std::sync::Arc::new(get(subject, port).await?);
    let warmup = Duration::from_millis(300);
    let ready = std::sync::Arc::new(tokio::sync::Barrier::new(sessions + 1));
    let mut tasks = Vec::new();
    for _ in 0..sessions {
        let (page, ready) = (page.clone(), ready.clone());
        tasks.push(tokio::spawn(async move {
            let joined = open(peer, port, &page).await;
            ready.wait().await;
            let mut joined = joined?;
            let begin = Instant::now() + warmup;
            let deadline = begin + duration;
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
    ready.wait().await;
    tokio::time::sleep(warmup).await;
    let begin = Instant::now();
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

/// Resident memory each idle joined session adds, and the median join time while they pile
/// up. A server we start is fresh for each phase; a running peer is measured where it is.
async fn idle_rss_per_session(subject: &Subject, sessions: usize) -> Result<(f64, f64)> {
    let peer = subject.peer();
    let server = start(subject).await?;
    // Warm up: a few sessions, then none.
    for _ in 0..3 {
        let page = std::sync::Arc::new(get(subject, server.port).await?);
        let mut joined = open(peer, server.port, &page).await?;
        click(&mut joined, 2).await?;
        joined.ws.close(None).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_kib()?;
    let mut held = Vec::with_capacity(sessions);
    let mut joins = Vec::with_capacity(sessions);
    let page = std::sync::Arc::new(get(subject, server.port).await?);
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
    for mut joined in held {
        let _ = joined.ws.close(None).await;
    }
    if !subject.restartable() {
        // Let the peer reap the sessions before the next phase measures it.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok(((after - before) / sessions as f64, percentile(&mut joins, 0.5)))
}

/// Runs the suite against `subject`; `quick` shortens every phase and skips 10,000 sessions.
pub(crate) async fn run(subject: &Subject, quick: bool) -> Result<Figures> {
    let mut figures = Figures::default();
    let server = start(subject).await?;
    let port = server.port;
    figures.latency = latencies(subject, port, quick).await?;
    figures.large = large_messages(subject, port).await?;
    // 100 sessions, then 1,000, each a closed loop (the second shows the queueing the first
    // hides).
    let duration = Duration::from_secs(if quick { 3 } else { 6 });
    let hundred = closed_loops(subject, port, 100, duration, server.pid).await?;
    figures.conc_events_per_s = hundred.events_per_s;
    figures.conc_p99_ms = hundred.p99_ms;
    figures.conc_server_cpu = hundred.server_cores;
    figures.conc_client_cpu = hundred.client_cores;
    let thousand = closed_loops(subject, port, 1000, duration, server.pid).await?;
    figures.conc1k_events_per_s = thousand.events_per_s;
    figures.conc1k_p99_ms = thousand.p99_ms;
    drop(server);
    // Memory per idle joined session.
    figures.rss_per_session_kib_1k = idle_rss_per_session(subject, 1000).await?.0;
    if !quick {
        let (kib, join_p50) = idle_rss_per_session(subject, 10_000).await?;
        figures.rss_per_session_kib_10k = kib;
        figures.join_p50_ms_10k = join_p50;
    }
    Ok(figures)
}

/// One session's latencies against a running server.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Latencies {
    pub(crate) get_p50_ms: f64,
    pub(crate) join_after_get_p50_ms: f64,
    pub(crate) click_p50_ms: f64,
    pub(crate) click_p99_ms: f64,
    pub(crate) click_request_bytes: f64,
    pub(crate) click_reply_bytes: f64,
}

/// After 20 warm-up visits: `n` GETs each followed by a join (300, or 50 when `quick`), then
/// one session's closed loop of clicks (2,000, or 500), checked by the count it ends at.
pub(crate) async fn latencies(subject: &Subject, port: u16, quick: bool) -> Result<Latencies> {
    let peer = subject.peer();
    for _ in 0..20 {
        let page = std::sync::Arc::new(get(subject, port).await?);
        let mut joined = open(peer, port, &page).await?;
        click(&mut joined, 2).await?;
    }
    // First render and join after the GET.
    let n = if quick { 50 } else { 300 };
    let (mut gets, mut joins) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let start = Instant::now();
        let page = std::sync::Arc::new(get(subject, port).await?);
        let got = Instant::now();
        gets.push((got - start).as_secs_f64() * 1000.0);
        let mut joined = open(peer, port, &page).await?;
        joins.push(got.elapsed().as_secs_f64() * 1000.0);
        joined.ws.close(None).await?;
    }
    // One session, closed loop.
    let page = std::sync::Arc::new(get(subject, port).await?);
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
    Ok(Latencies {
        get_p50_ms: percentile(&mut gets, 0.5),
        join_after_get_p50_ms: percentile(&mut joins, 0.5),
        click_p50_ms: percentile(&mut rtts, 0.5),
        click_p99_ms: percentile(&mut rtts, 0.99),
        click_request_bytes: peer.click_frame(2 + clicks as u64, &page).len() as f64,
        click_reply_bytes: last.len() as f64,
    })
}

/// `n` visits (a GET, then the socket opened, joined and closed).
pub(crate) async fn visits(subject: &Subject, port: u16, n: usize) -> Result<()> {
    for _ in 0..n {
        let page = std::sync::Arc::new(get(subject, port).await?);
        let mut joined = open(subject.peer(), port, &page).await?;
        joined.ws.close(None).await?;
    }
    Ok(())
}

/// `n` GETs of the counter page (the dead render), each on a fresh connection.
pub(crate) async fn pages(subject: &Subject, port: u16, n: usize) -> Result<()> {
    for _ in 0..n {
        get(subject, port).await?;
    }
    Ok(())
}

/// One session's `n` clicks, checked by the count it ends at.
pub(crate) async fn clicks(subject: &Subject, port: u16, n: usize) -> Result<()> {
    let peer = subject.peer();
    let page = std::sync::Arc::new(get(subject, port).await?);
    let mut joined = open(peer, port, &page).await?;
    let mut last = String::new();
    for i in 0..n {
        last = click(&mut joined, 2 + i as u64).await?.1;
    }
    if n > 0 && peer.count(&last) != Some(n as u64) {
        bail!("the count after {n} clicks is wrong: {last}");
    }
    joined.ws.close(None).await?;
    Ok(())
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

impl Figures {
    /// The figures every subject records, by metric name, in order.
    fn metrics(&self, quick: bool) -> Vec<(&'static str, f64, &'static str, bool)> {
        let mut out = vec![
            ("get_p50", self.latency.get_p50_ms, "ms", true),
            ("join_after_get_p50", self.latency.join_after_get_p50_ms, "ms", true),
            ("click_p50", self.latency.click_p50_ms, "ms", true),
            ("click_p99", self.latency.click_p99_ms, "ms", true),
            ("conc_events_per_s", self.conc_events_per_s, "ops_per_s", true),
            ("conc_p99", self.conc_p99_ms, "ms", true),
            ("conc_server_cores", self.conc_server_cpu, "ratio", false),
            ("conc_client_cores", self.conc_client_cpu, "ratio", false),
            ("conc1k_events_per_s", self.conc1k_events_per_s, "ops_per_s", false),
            ("conc1k_p99", self.conc1k_p99_ms, "ms", false),
            ("click_request_bytes", self.latency.click_request_bytes, "bytes", true),
            ("click_reply_bytes", self.latency.click_reply_bytes, "bytes", true),
            ("rss_per_idle_session_1k", self.rss_per_session_kib_1k, "kib", true),
        ];
        if !quick {
            out.push(("rss_per_idle_session_10k", self.rss_per_session_kib_10k, "kib", false));
            out.push(("join_p50_at_10k", self.join_p50_ms_10k, "ms", false));
        }
        if let Some(large) = self.large {
            out.push(("feed_join_bytes", large.join_bytes, "bytes", false));
            out.push(("feed_join_deflated_bytes", large.join_deflated_bytes, "bytes", false));
            out.push(("feed_more_bytes", large.more_bytes, "bytes", false));
            out.push(("feed_more_deflated_bytes", large.more_deflated_bytes, "bytes", false));
        }
        out
    }
}

/// Figures recorded for us and each peer, with no ratio between them.
const NOT_COMPARED: &[&str] = &["rss_per_idle_session_1k"];

/// Our figures, each peer's, and our ratio to each peer for every figure (`_vs_<peer>`, ours
/// divided by theirs) but those [`NOT_COMPARED`].
fn rows(ours: &Figures, peers: &[(String, Figures)], quick: bool, stolen: f64) -> Vec<Measure> {
    let mut measures = Vec::new();
    let mut add = |subject: &str, metric: String, value: f64, unit: &'static str, budget: bool| {
        let budget = budget.then(|| format!("live.counter.{metric}"));
        measures.push(Measure {
            case: "counter".to_owned(),
            subject: subject.to_owned(),
            metric,
            value: round(value),
            unit,
            budget,
        });
    };
    for (metric, value, unit, budgeted) in ours.metrics(quick) {
        add("zero_live", metric.to_owned(), value, unit, budgeted);
    }
    for (name, figures) in peers {
        for (metric, value, unit, _) in figures.metrics(quick) {
            add(name, format!("{name}_{metric}"), value, unit, false);
        }
    }
    add("zero_live", "cpu_stolen_during_run".to_owned(), stolen, "s", false);
    for (name, figures) in peers {
        let theirs = figures.metrics(quick);
        for (metric, value, _, _) in ours.metrics(quick) {
            // The memory of 1,000 idle sessions is compared at 10,000 only: at 1,000 a runtime
            // that takes memory in large blocks (the BEAM's carriers) measures within its noise,
            // below zero in some runs, and a ratio to that says nothing.
            if NOT_COMPARED.contains(&metric) {
                continue;
            }
            // A figure the peer has no page for (pyview's feed) has no ratio.
            if let Some((_, theirs, _, _)) = theirs.iter().find(|m| m.0 == metric) {
                add("zero_live", format!("{metric}_vs_{name}"), value / theirs, "ratio", false);
            }
        }
    }
    measures
}

pub(crate) fn suite(
    printer: &Printer,
    quick: bool,
    pyview: Option<&Path>,
    url_peers: &[UrlPeer],
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
    let mut subjects: Vec<Subject> =
        pyview.map(|d| Subject::Pyview(d.to_path_buf())).into_iter().collect();
    subjects.extend(url_peers.iter().cloned().map(Subject::Url));
    let mut peers = Vec::new();
    for subject in &subjects {
        let figures = runtime
            .block_on(run(subject, quick))
            .with_context(|| format!("measuring {}", subject.name()))?;
        peers.push((subject.name().to_owned(), figures));
    }
    report(printer, "live", SOURCES, &rows(&ours, &peers, quick, stolen))
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
        let page = Page {
            token: "t".into(),
            csrf: "c".into(),
            stat: String::new(),
            view: "phx-1".into(),
            cookies: String::new(),
            path: "/".into(),
        };
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
        let phoenix = r#"<div id="phx-F1" data-phx-main data-phx-session="s">"#;
        assert_eq!(phx_view_id(phoenix).as_deref(), Some("phx-F1"));
    }

    #[test]
    fn figures_become_budgeted_rows_and_a_ratio_to_each_peer() {
        let large = |join| Some(Large { join_bytes: join, ..Large::default() });
        let ours = Figures {
            latency: Latencies { click_p50_ms: 0.1, ..Latencies::default() },
            conc1k_p99_ms: 4.0,
            large: large(300.0),
            ..Figures::default()
        };
        let phoenix = Figures {
            latency: Latencies { click_p50_ms: 0.2, ..Latencies::default() },
            conc1k_p99_ms: 8.0,
            large: large(600.0),
            ..Figures::default()
        };
        let latency = Latencies { click_p50_ms: 0.4, ..Latencies::default() };
        let pyview = Figures { latency, ..Figures::default() };
        let peers = [("phoenix".to_owned(), phoenix), ("pyview".to_owned(), pyview)];
        let measures = rows(&ours, &peers, false, 1.5);
        let find = |metric: &str| measures.iter().find(|m| m.metric == metric);
        let click = find("click_p50").unwrap();
        assert_eq!(click.budget.as_deref(), Some("live.counter.click_p50"));
        assert_eq!(find("conc1k_p99").unwrap().budget, None, "the 1,000-session loop is context");
        let theirs = find("phoenix_click_p50").unwrap();
        assert_eq!(
            (theirs.subject.as_str(), theirs.value, theirs.budget.clone()),
            ("phoenix", 0.2, None)
        );
        assert_eq!(find("click_p50_vs_phoenix").unwrap().value, 0.5);
        assert_eq!(find("conc1k_p99_vs_phoenix").unwrap().value, 0.5);
        assert!(find("rss_per_idle_session_10k_vs_phoenix").is_some());
        assert!(find("rss_per_idle_session_1k_vs_phoenix").is_none(), "noise at 1,000");
        assert!(find("phoenix_rss_per_idle_session_1k").is_some(), "recorded all the same");
        assert_eq!(find("cpu_stolen_during_run").unwrap().value, 1.5);
        assert_eq!(find("feed_join_bytes_vs_phoenix").unwrap().value, 0.5);
        assert_eq!(find("click_p50_vs_pyview").unwrap().value, 0.25);
        assert!(find("feed_join_bytes_vs_pyview").is_none(), "pyview serves no feed");
        let quick = rows(&ours, &[], true, 0.0);
        assert!(quick.iter().all(|m| !m.metric.contains("10k") && !m.metric.contains("_vs_")));
    }

    #[test]
    fn deflated_sizes_shrink_repeats_and_remember_the_socket() {
        let mut deflater = Deflater::new();
        let entries: String = (1..=500).map(|i| format!(r#"["entry-{i}","Entry {i}"],"#)).collect();
        let first = deflater.message(entries.as_bytes()).unwrap();
        assert!(first > 0 && first * 4 < entries.len(), "{first} of {}", entries.len());
        // The same payload again costs a few back-references: the window is the socket's.
        let again = deflater.message(entries.as_bytes()).unwrap();
        assert!(again * 10 < first, "{again} after {first}");
        assert!(Deflater::new().message(b"").unwrap() <= 2, "an empty message is near nothing");
        // Raw DEFLATE: what flate2 inflates back (with the trailer the RFC drops put back).
        let mut fresh = Deflater::new();
        let mut out = Vec::with_capacity(4096);
        fresh.0.compress_vec(b"hello hello", &mut out, flate2::FlushCompress::Sync).unwrap();
        let mut text = Vec::with_capacity(64);
        flate2::Decompress::new(false)
            .decompress_vec(&out, &mut text, flate2::FlushDecompress::Sync)
            .unwrap();
        assert_eq!(text, b"hello hello");
    }

    #[test]
    fn peers_are_loopback_urls_and_send_the_pages_cookies() {
        let peer = parse_peer("phoenix=http://127.0.0.1:4100/").unwrap();
        assert_eq!(peer, UrlPeer { name: "phoenix".into(), port: 4100, path: "/".into() });
        assert_eq!(parse_peer("phoenix=http://localhost:9/counter").unwrap().path, "/counter");
        assert_eq!(parse_peer("p=http://127.0.0.1:1").unwrap().path, "/");
        for bad in [
            "http://127.0.0.1:4100/",
            "Phoenix=http://127.0.0.1:4100/",
            "phoenix=https://127.0.0.1:4100/",
            "phoenix=http://example.com:80/",
            "phoenix=http://127.0.0.1/",
            "phoenix=http://127.0.0.1:http/",
        ] {
            assert!(parse_peer(bad).is_err(), "{bad}");
        }
        let head = "HTTP/1.1 200 OK\r\nSet-Cookie: _k=abc.def; path=/; HttpOnly\r\n\
                    content-type: text/html\r\nset-cookie: b=2\r\nset-cookie: broken";
        assert_eq!(cookie_header(head), "_k=abc.def; b=2");
        assert_eq!(cookie_header("HTTP/1.1 200 OK\r\n"), "");
        let fetched = |cookies: &str| {
            Fetched {
            html: r#"<meta name="csrf-token" content="c"><div id="phx-1" data-phx-main data-phx-session="s">"#.into(),
            wire: 0,
            cookies: cookies.into(),
        }
        };
        assert_eq!(Peer::Phoenix.parse(fetched("_k=1"), "/").unwrap().cookies, "_k=1");
        assert_eq!(
            Peer::Pyview.parse(fetched("_k=1"), "/").unwrap().cookies,
            "",
            "pyview's page sets none a browser would send"
        );
        assert!(Peer::ZeroLive.parse(fetched(""), "/clicks").is_err(), "no zl session token");
    }
}
