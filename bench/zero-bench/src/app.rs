//! The generated-app suite: `zerogen new app` wall time (fresh processes), the app's
//! incremental `cargo build` (after editing one template), and the dead render of its home page
//! over keep-alive HTTP (`wrk` when installed) next to, in the same run, a bare axum handler
//! returning the same bytes, that handler behind the app's endpoint, and calibration peers (all
//! servers pinned to core 0, the load client to core 1), with each server's CPU time per
//! request; a static file of the app; and the counter example's `/clicks` against a running
//! Phoenix LiveView's counter page (`--peer phoenix=URL`), in the same rounds.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use zerogen::term::Printer;

use crate::{Measure, report};

/// The signing key the generated apps are benchmarked with: a release build refuses to start
/// without one (`zero_live::keys`); its value does not matter to the figures.
pub(crate) const BENCH_KEY: &str =
    "zero-bench-signing-key-for-generated-apps-in-release-builds-0123456789";

/// What the app suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "templates/app",
    "generator/zerogen/src/scaffold.rs",
    "generator/zerogen/src/app.rs",
    "runtime/zero-live/src",
    "runtime/zero-live-core/src",
    "runtime/zero-dashboard/src",
    "runtime/zero-dashboard/web",
    "generator/zero-template/src",
    "bench/zero-bench/src/app.rs",
];

/// The log level of the servers compared with peers and bare handlers: warnings only, as the
/// Phoenix peer runs (`logger` at `:warning`, `shared/bench/phoenix-lv`); the `logs` suite
/// prices logging itself.
pub(crate) const PEER_LOG_LEVEL: &str = "warn";

pub(crate) fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo` in `dir` with the environment a user's shell would have: no `CARGO_*` variable of
/// the repository's (incremental builds off, profile overrides, a target folder) reaches it,
/// but where cargo and rustup live.
pub(crate) fn user_cargo(dir: &Path) -> Command {
    let mut command = Command::new(cargo());
    command.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        let keep = name == "CARGO_HOME" || name == "RUSTUP_HOME" || name == "RUSTUP_TOOLCHAIN";
        if name.to_string_lossy().starts_with("CARGO") && !keep {
            command.env_remove(&name);
        }
    }
    command
}

pub(crate) fn run(command: &mut Command, what: &str) -> Result<Duration> {
    let started = Instant::now();
    let output = command.output().with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!("{what} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What a suite of generated apps starts from: the repository root, its target folder and a
/// release build of `zerogen` in it.
pub(crate) struct Generator {
    pub(crate) root: PathBuf,
    pub(crate) target: PathBuf,
    pub(crate) zerogen: PathBuf,
}

impl Generator {
    /// Builds `zerogen` (release) for `suite`, which must itself run in release.
    pub(crate) fn build(suite: &str) -> Result<Generator> {
        if cfg!(debug_assertions) {
            bail!("run the {suite} suite with --release");
        }
        let root = zerogen::find_root(&std::env::current_dir()?)
            .context("run from inside the repository")?;
        let target = root.join("target");
        run(
            Command::new(cargo())
                .args(["build", "--release", "-q", "-p", "zerogen"])
                .current_dir(&root),
            "cargo build -p zerogen",
        )?;
        let zerogen = target.join("release/zerogen");
        Ok(Generator { root, target, zerogen })
    }
}

pub(crate) fn suite(printer: &Printer, quick: bool, peers: &[crate::live::UrlPeer]) -> Result<()> {
    let Generator { root, target, zerogen } = Generator::build("app")?;
    let tmp = tempfile::tempdir()?;
    let mut measures = Vec::new();
    let mut add =
        |case: &str, subject: &str, metric: &str, value: f64, unit, budget: Option<&str>| {
            measures.push(Measure::new(case, subject, metric, value, unit, budget));
        };

    // `zerogen new app`, in fresh processes.
    let runs = if quick { 3 } else { 7 };
    let mut walls = Vec::new();
    for i in 0..runs {
        let dir = tmp.path().join(format!("wall{i}"));
        let wall = run(
            Command::new(&zerogen)
                .args(["-q", "new", "app", "demo", "--path"])
                .arg(&dir)
                .arg("--zero-live-path")
                .arg(&root),
            "zerogen new app",
        )?;
        walls.push(ms(wall));
    }
    add("new_app", "zerogen", "wall", crate::median(walls), "ms", Some("generator.new_app.wall"));

    // Builds: cold (own target folder), then an edited template (the developer's loop).
    let app = tmp.path().join("wall0");
    // As a developer's shell builds it (incremental on), into the shared target folder.
    let build = |profile: &[&str]| {
        let mut command = user_cargo(&app);
        command.arg("build").arg("-q").args(profile).env("CARGO_TARGET_DIR", &target);
        run(&mut command, "cargo build of the app")
    };
    build(&[])?;
    let template = app.join("web/live/about.html.0x0");
    let mut text = std::fs::read_to_string(&template)?;
    let mut rebuilds = Vec::new();
    for i in 0..if quick { 1 } else { 3 } {
        text = text.replace("Built with", if i % 2 == 0 { "Made with" } else { "Built with" });
        std::fs::write(&template, &text)?;
        rebuilds.push(build(&[])?.as_secs_f64());
    }
    add(
        "app_build",
        "cargo",
        "incremental_template",
        crate::median(rebuilds),
        "s",
        Some("generator.app.incremental_build"),
    );

    // The dead render of `/` against a bare axum handler with the same bytes, the app built as
    // it is deployed (its `production` profile).
    build(&["--profile", "production"])?;
    let binary = target.join("production/demo");
    let page = {
        let port = crate::live::free_port()?;
        let server = Server::start(
            Command::new(&binary)
                .env("PORT", port.to_string())
                .env("RUST_LOG", PEER_LOG_LEVEL)
                .env("SECRET_KEY_BASE", BENCH_KEY)
                .current_dir(&app),
            port,
        )?;
        let body = get_body(server.addr)?;
        drop(server);
        body
    };
    let body_file = tmp.path().join("page.html");
    std::fs::write(&body_file, &page)?;
    crate::live::pin_client();
    let secs = if quick { 1 } else { 3 };
    let tool = Load::detect();
    printer.status("Load", &format!("{} (16 keep-alive connections, core 1)", tool.name()));
    let port = crate::live::free_port()?;
    let ours = Server::start(
        pinned(&binary)
            .env("PORT", port.to_string())
            .env("RUST_LOG", PEER_LOG_LEVEL)
            .env("SECRET_KEY_BASE", BENCH_KEY)
            .current_dir(&app),
        port,
    )?;
    // The servers side by side, each on core 0: the app; the same bytes from the bare handler
    // behind the app's endpoint (its layers and its server, what every page pays before the
    // app's own work); the bare handler; and the calibration peers: the bare handler doing a
    // fixed amount of work per request, to show what share of the bare throughput any handler
    // that works that long keeps on this machine.
    let mut servers =
        vec![ours, peer_process(&body_file, 0, true)?, peer_process(&body_file, 0, false)?];
    for &work_us in &CALIBRATION_WORK_US {
        servers.push(peer_process(&body_file, work_us, false)?);
    }
    // Rounds alternate the servers (reversed every other round); the figures are medians of
    // the rounds', so a burst of noise on this shared machine moves one round only.
    // One round per process: `--record` runs five processes and takes the median of them.
    let rounds = if quick { 1 } else { 2 };
    let mut rps = vec![Vec::new(); servers.len()];
    let mut ratios = vec![Vec::new(); servers.len()];
    let mut cpu = vec![(Vec::new(), Vec::new()); servers.len()];
    for round in 0..rounds {
        let order = round_order(round, servers.len());
        let mut round_rps = vec![0.0; servers.len()];
        for i in order {
            let before = servers[i].cpu_seconds();
            let (requests, elapsed) = tool.run(servers[i].addr, "/", secs)?;
            let after = servers[i].cpu_seconds();
            round_rps[i] = requests / elapsed;
            if let (Ok(before), Ok(after)) = (before, after) {
                cpu[i].0.push((after.0 - before.0) / requests * 1e6);
                cpu[i].1.push((after.1 - before.1) / requests * 1e6);
            }
        }
        for (i, value) in round_rps.iter().enumerate() {
            rps[i].push(*value);
            ratios[i].push(value / round_rps[BARE]);
        }
    }
    // A static file (the app's stylesheet, served from the binary's memory) over the same
    // keep-alive connections, against the bare handler answering the same bytes, alternating.
    let css_file = tmp.path().join("app.css");
    std::fs::copy(app.join("web/assets/app.css"), &css_file)?;
    let bare_css = peer_process(&css_file, 0, false)?;
    let mut static_rps = Vec::new();
    let mut static_ratios = Vec::new();
    for round in 0..rounds {
        let mut pair = [(servers[OURS].addr, "/assets/app.css"), (bare_css.addr, "/")];
        if round % 2 == 1 {
            pair.reverse();
        }
        let mut figures = [0.0; 2];
        for (i, (addr, path)) in pair.iter().enumerate() {
            let (requests, elapsed) = tool.run(*addr, path, secs)?;
            figures[if round % 2 == 1 { 1 - i } else { i }] = requests / elapsed;
        }
        static_rps.push(figures[0]);
        static_ratios.push(figures[0] / figures[1]);
    }
    drop(bare_css);
    drop(servers);
    let median = crate::median;
    add(
        "home_dead_render",
        "zero_live",
        "requests_per_s",
        median(rps[OURS].clone()),
        "ops_per_s",
        None,
    );
    add(
        "home_dead_render",
        "bare_axum",
        "bare_requests_per_s",
        median(rps[BARE].clone()),
        "ops_per_s",
        None,
    );
    add(
        "home_dead_render",
        "zero_live",
        "vs_bare_axum",
        median(ratios[OURS].clone()),
        "ratio",
        Some("generator.app.dead_render_vs_bare"),
    );
    // The same figure against the floor below the target (two budgets, two rows).
    add(
        "home_dead_render",
        "zero_live",
        "vs_bare_axum_floor",
        median(ratios[OURS].clone()),
        "ratio",
        Some("generator.app.dead_render_vs_bare_floor"),
    );
    add(
        "home_dead_render",
        "zero_live",
        "endpoint_only_vs_bare_axum",
        median(ratios[ENDPOINT_ONLY].clone()),
        "ratio",
        None,
    );
    add("home_dead_render", "zero_live", "page_bytes", page.len() as f64, "bytes", None);
    for (k, work_us) in CALIBRATION_WORK_US.iter().enumerate() {
        let metric = format!("work_{work_us}us_vs_bare_axum");
        add(
            "home_dead_render",
            "bare_axum",
            &metric,
            median(ratios[BARE + 1 + k].clone()),
            "ratio",
            None,
        );
    }
    // Where the time goes: the server's CPU time per request, in user space and in the kernel.
    for (i, subject, prefix) in [
        (OURS, "zero_live", ""),
        (ENDPOINT_ONLY, "zero_live", "endpoint_only_"),
        (BARE, "bare_axum", "bare_"),
    ] {
        let (user, system) = &cpu[i];
        if user.is_empty() {
            continue;
        }
        add(
            "home_dead_render",
            subject,
            &format!("{prefix}user_us_per_request"),
            median(user.clone()),
            "us",
            None,
        );
        add(
            "home_dead_render",
            subject,
            &format!("{prefix}sys_us_per_request"),
            median(system.clone()),
            "us",
            None,
        );
    }
    add("static_asset", "zero_live", "requests_per_s", median(static_rps), "ops_per_s", None);
    add(
        "static_asset",
        "zero_live",
        "vs_bare_axum",
        median(static_ratios),
        "ratio",
        Some("generator.app.static_vs_bare"),
    );
    measures.extend(counter_dead_render(&root, tool, secs, rounds, peers)?);
    report(printer, "app", SOURCES, &measures)
}

/// The counter example's `/clicks` (the peers' counter page: a fresh session, its tokens and
/// the render) against each running peer's counter page, alternating in the same rounds, each
/// server on core 0 and wrk on core 1.
fn counter_dead_render(
    root: &Path,
    tool: Load,
    secs: u64,
    rounds: usize,
    peers: &[crate::live::UrlPeer],
) -> Result<Vec<Measure>> {
    let counter = crate::live::build_counter(root)?;
    let port = crate::live::free_port()?;
    let mut servers = vec![(
        Server::start(
            pinned(&counter).env("PORT", port.to_string()).env("RUST_LOG", PEER_LOG_LEVEL),
            port,
        )?,
        "/clicks".to_owned(),
    )];
    for peer in peers {
        servers.push((Server::running(peer)?, peer.path.clone()));
    }
    let mut rps = vec![Vec::new(); servers.len()];
    let mut ratios = vec![Vec::new(); servers.len()];
    for round in 0..rounds {
        let order = round_order(round, servers.len());
        let mut round_rps = vec![0.0; servers.len()];
        for i in order {
            let (server, path) = &servers[i];
            let (requests, elapsed) = tool.run(server.addr, path, secs)?;
            round_rps[i] = requests / elapsed;
        }
        for (i, value) in round_rps.iter().enumerate() {
            rps[i].push(*value);
            ratios[i].push(round_rps[0] / value);
        }
    }
    let median = crate::median;
    let case = "counter_dead_render";
    let clicks = median(rps[0].clone());
    let mut out =
        vec![Measure::new(case, "zero_live", "clicks_requests_per_s", clicks, "ops_per_s", None)];
    for (k, peer) in peers.iter().enumerate() {
        let budget = (peer.name == "phoenix").then_some("live.counter.dead_render_vs_phoenix");
        let theirs = median(rps[k + 1].clone());
        let metric = format!("{}_requests_per_s", peer.name);
        out.push(Measure::new(case, &peer.name, &metric, theirs, "ops_per_s", None));
        let ratio = median(ratios[k + 1].clone());
        let metric = format!("clicks_vs_{}", peer.name);
        out.push(Measure::new(case, "zero_live", &metric, ratio, "ratio", budget));
    }
    Ok(out)
}

/// The order servers run in during `round`: reversed every other round, so no server always runs
/// right after the same one.
fn round_order(round: usize, servers: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..servers).collect();
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// The work per request (µs) of the calibration peers: bare handlers that spin that long.
const CALIBRATION_WORK_US: [u64; 2] = [2, 10];

/// The dead render's servers, by index: the app, the bare handler behind the app's endpoint,
/// the bare handler, then the calibration peers.
const OURS: usize = 0;
const ENDPOINT_ONLY: usize = 1;
const BARE: usize = 2;

/// The bare peer (pinned like the app) doing `work_us` of work per request, behind the app's
/// endpoint when `endpoint`, serving.
fn peer_process(body: &Path, work_us: u64, endpoint: bool) -> Result<Server> {
    let port = crate::live::free_port()?;
    let mut command = pinned(&std::env::current_exe()?);
    command
        .arg("__bare-server")
        .arg(port.to_string())
        .arg(body)
        .arg(format!("--work-us={work_us}"));
    if endpoint {
        command.arg("--endpoint");
    }
    Server::start(&mut command, port)
}

/// A command that runs on core 0 (the servers' core) when `taskset` is there.
pub(crate) fn pinned(program: &Path) -> Command {
    on_core("0", program)
}

/// A command that runs on `core` when `taskset` is there.
fn on_core(core: &str, program: &Path) -> Command {
    if crate::live::taskset() {
        let mut command = Command::new("taskset");
        command.args(["-c", core]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A server process: one we started (killed when dropped), or a running peer's.
pub(crate) struct Server {
    child: Option<Child>,
    pid: u32,
    addr: SocketAddr,
}

impl Server {
    pub(crate) fn start(command: &mut Command, port: u16) -> Result<Server> {
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let server = Server { pid: child.id(), child: Some(child), addr };
        for _ in 0..400 {
            if TcpStream::connect(addr).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("the server on {addr} did not start")
    }

    /// A peer that runs already (`--peer NAME=URL`), measured where it runs.
    fn running(peer: &crate::live::UrlPeer) -> Result<Server> {
        let pid = crate::live::listener_pid(peer.port)?;
        Ok(Server { child: None, pid, addr: SocketAddr::from(([127, 0, 0, 1], peer.port)) })
    }

    /// The server's CPU time so far, in user space and in the kernel (seconds; Linux's
    /// `/proc/PID/stat`, in ticks of 1/100 s, the `USER_HZ` of every Linux architecture).
    pub(crate) fn cpu_seconds(&self) -> Result<(f64, f64)> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // The fields after the command name (which may hold spaces) in parentheses.
        let rest = stat.rsplit_once(')').context("no command name")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| -> Result<f64> {
            Ok(fields.get(i).context("short stat")?.parse::<f64>()? / 100.0)
        };
        // utime and stime are fields 14 and 15; `rest` starts at field 3.
        Ok((tick(11)?, tick(12)?))
    }

    /// The server's resident memory (VmRSS), in KiB.
    pub(crate) fn rss_kib(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
        Ok(line.split_whitespace().nth(1).context("VmRSS value")?.parse()?)
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

/// Reads one HTTP/1.1 response with a `content-length` body; returns the body.
fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Vec<u8>> {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            if !head.starts_with("http/1.1 200") {
                bail!("not a 200: {}", head.lines().next().unwrap_or_default());
            }
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .context("no content-length")?;
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    bail!("the server closed mid-response");
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf[end + 4..end + 4 + length].to_vec());
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            bail!("the server closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn get_body(addr: SocketAddr) -> Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
    read_response(&mut stream, &mut Vec::new())
}

/// The dead render's load client: 16 keep-alive connections in closed loops on core 1.
#[derive(Debug, Clone, Copy)]
enum Load {
    /// `wrk -t1 -c16` (what the issue names), when it is installed.
    Wrk,
    /// This process's own client: a blocking thread per connection.
    Threads,
}

impl Load {
    fn detect() -> Load {
        let found =
            Command::new("wrk").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status();
        // `wrk -v` prints its version and exits 1.
        if found.is_ok() { Load::Wrk } else { Load::Threads }
    }

    fn name(self) -> &'static str {
        match self {
            Load::Wrk => "wrk -t1 -c16",
            Load::Threads => "16 blocking threads (wrk is not installed)",
        }
    }

    /// Requests answered and the seconds they took, `GET path` for `secs`.
    fn run(self, addr: SocketAddr, path: &str, secs: u64) -> Result<(f64, f64)> {
        let (requests, seconds) = match self {
            Load::Wrk => wrk(addr, path, secs)?,
            Load::Threads => threads(addr, path, 16, secs)?,
        };
        if requests < 1.0 {
            bail!("no response to GET {path} from {addr} in {secs} s");
        }
        Ok((requests, seconds))
    }
}

/// `wrk -t1 -c16` on core 1: the requests it counted and the seconds they took. A response
/// that is not 2xx or 3xx, or a socket error, fails the run.
fn wrk(addr: SocketAddr, path: &str, secs: u64) -> Result<(f64, f64)> {
    let output = on_core("1", Path::new("wrk"))
        .args(["-t1", "-c16", &format!("-d{secs}s")])
        .arg(format!("http://{addr}{path}"))
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk on {path}: {text}{}", String::from_utf8_lossy(&output.stderr));
    }
    wrk_summary(&text).with_context(|| format!("wrk on {path}"))
}

/// The requests and seconds of wrk's summary (`  72148 requests in 2.02s, 35.76MB read`);
/// responses that are not 2xx or 3xx, or socket errors, are an error.
fn wrk_summary(text: &str) -> Result<(f64, f64)> {
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
    {
        bail!("{}", line.trim());
    }
    let line = text.lines().find(|l| l.contains(" requests in ")).context("no summary line")?;
    let mut words = line.split_whitespace();
    let requests: f64 = words.next().and_then(|n| n.parse().ok()).context("no request count")?;
    let took = words.nth(2).context("no duration")?.trim_end_matches(',');
    let seconds = match took.strip_suffix("ms") {
        Some(ms) => ms.parse::<f64>()? / 1000.0,
        None => took.strip_suffix('s').context("a duration without a unit")?.parse()?,
    };
    Ok((requests, seconds))
}

/// `connections` keep-alive connections in closed loops of `GET path` for `secs`, a blocking
/// thread each: the requests answered and the seconds they took.
fn threads(addr: SocketAddr, path: &str, connections: usize, secs: u64) -> Result<(f64, f64)> {
    let request: std::sync::Arc<[u8]> =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes().into();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..connections)
        .map(|_| {
            let request = request.clone();
            std::thread::spawn(move || -> Result<u64> {
                let mut stream = TcpStream::connect(addr)?;
                stream.set_nodelay(true)?;
                let mut buf = Vec::with_capacity(16 * 1024);
                let mut done = 0;
                while Instant::now() < deadline {
                    stream.write_all(&request)?;
                    read_response(&mut stream, &mut buf)?;
                    done += 1;
                }
                Ok(done)
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.join().map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
    }
    Ok((total as f64, started.elapsed().as_secs_f64()))
}

/// The bare peer: an axum handler answering `GET /` with the bytes of `file` as HTML, after
/// `work_us` microseconds of busy work (0: at once). With `endpoint`, the handler sits behind
/// the layers and the server of an app's endpoint (`Endpoint::wrap`, `Endpoint::serve_on`)
/// instead of a plain `axum::serve`.
pub(crate) fn bare_server(port: u16, file: &PathBuf, work_us: u64, endpoint: bool) -> Result<()> {
    let body: &'static [u8] = Box::leak(std::fs::read(file)?.into_boxed_slice());
    let work = Duration::from_micros(work_us);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let router = axum::Router::new().route(
            "/",
            axum::routing::get(move || async move {
                if !work.is_zero() {
                    let started = Instant::now();
                    while started.elapsed() < work {
                        std::hint::spin_loop();
                    }
                }
                ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
            }),
        );
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        if endpoint {
            let live = zero_live::Live::builder().build();
            let endpoint = zero_live::Endpoint::default();
            let router = endpoint.wrap(router, &live);
            return endpoint.serve_on(listener, &live, router).await;
        }
        listener.set_nonblocking(true)?;
        axum::serve(tokio::net::TcpListener::from_std(listener)?, router).await
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_alternate_which_server_goes_first() {
        assert_eq!(round_order(0, 3), vec![0, 1, 2]);
        assert_eq!(round_order(1, 3), vec![2, 1, 0], "odd rounds run backwards");
        assert_eq!(round_order(2, 3), round_order(0, 3));
        assert!(round_order(1, 0).is_empty());
        for round in 0..4 {
            let mut order = round_order(round, 5);
            order.sort_unstable();
            assert_eq!(order, vec![0, 1, 2, 3, 4], "every server runs once a round");
        }
    }

    #[test]
    fn wrks_summary_gives_the_requests_and_the_seconds() {
        let text = "Running 3s test @ http://127.0.0.1:4101/\n  1 threads and 16 connections\n  \
                    72148 requests in 2.02s, 35.76MB read\nRequests/sec:  35716.83\n";
        assert_eq!(wrk_summary(text).unwrap(), (72148.0, 2.02));
        let short = "  812 requests in 998.50ms, 3.1MB read\n";
        assert_eq!(wrk_summary(short).unwrap(), (812.0, 0.9985));
    }

    #[test]
    fn wrks_summary_refuses_errors_and_garbage() {
        let failing = "  100 requests in 1.00s, 1MB read\n  Non-2xx or 3xx responses: 100\n";
        assert!(wrk_summary(failing).unwrap_err().to_string().contains("Non-2xx"));
        let broken = "  100 requests in 1.00s, 1MB read\n  Socket errors: connect 16, read 0\n";
        assert!(wrk_summary(broken).unwrap_err().to_string().contains("Socket errors"));
        assert!(wrk_summary("unable to connect to 127.0.0.1:1\n").is_err());
        assert!(wrk_summary("  many requests in 1.00s, 1MB read\n").is_err());
        assert!(wrk_summary("  100 requests in 1.00m, 1MB read\n").is_err());
    }
}
