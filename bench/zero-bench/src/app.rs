//! The generated-app suite: `zerogen new app` wall time (fresh processes), the app's cold and
//! incremental `cargo build` (after editing one template), and the dead render of its home page
//! over keep-alive HTTP next to a bare axum handler returning the same bytes, in the same run
//! (both servers pinned to core 0, the load client to core 1), and a static file of the app.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use zerogen::term::Printer;

use crate::{Measure, report};

/// What the app suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "templates/app",
    "generator/zerogen/src/scaffold.rs",
    "generator/zerogen/src/app.rs",
    "runtime/zero-live/src",
    "runtime/zero-live-core/src",
    "generator/zero-template/src",
    "bench/zero-bench/src/app.rs",
];

pub(crate) fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
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

pub(crate) fn suite(printer: &Printer, quick: bool, record: bool) -> Result<()> {
    let Generator { root, target, zerogen } = Generator::build("app")?;
    let tmp = tempfile::tempdir()?;
    let mut measures = Vec::new();
    let mut add =
        |case: &str, subject: &str, metric: &str, value: f64, unit, budget: Option<&str>| {
            measures.push(Measure::new(case, subject, metric, value, unit, budget));
        };

    // `zerogen new app`, in fresh processes.
    let runs = if quick { 5 } else { 21 };
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
    if !quick {
        let cold_target = tmp.path().join("cold-target");
        let cold = run(
            Command::new(cargo())
                .args(["build", "-q"])
                .current_dir(&app)
                .env("CARGO_TARGET_DIR", &cold_target),
            "cold cargo build of the app",
        )?;
        add("app_build", "cargo", "cold_build", cold.as_secs_f64(), "s", None);
        let _ = std::fs::remove_dir_all(&cold_target);
    }
    let build = |profile: &[&str]| {
        let mut command = Command::new(cargo());
        command
            .arg("build")
            .arg("-q")
            .args(profile)
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target);
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
            Command::new(&binary).env("PORT", port.to_string()).current_dir(&app),
            port,
        )?;
        let body = get_body(server.addr)?;
        drop(server);
        body
    };
    let body_file = tmp.path().join("page.html");
    std::fs::write(&body_file, &page)?;
    crate::live::pin_client();
    let secs = if quick { 1.0 } else { 3.0 };
    let port = crate::live::free_port()?;
    let ours =
        Server::start(pinned(&binary).env("PORT", port.to_string()).current_dir(&app), port)?;
    let bare = bare_server_process(&body_file, 0)?;
    // Calibration: the same bare handler doing a fixed amount of work per request shows what
    // share of the bare throughput any handler that works that long keeps on this machine
    // (a slower server lets the load client sleep, and each response then pays a wakeup).
    let calibration = CALIBRATION_WORK_US
        .iter()
        .map(|&work_us| bare_server_process(&body_file, work_us))
        .collect::<Result<Vec<_>>>()?;
    // Rounds alternate the servers (reversed every other round); the ratios are medians of
    // the rounds' ratios, so a burst of noise on this shared machine moves one round only.
    let rounds = if quick { 1 } else { 5 };
    let (mut ours_rps, mut bare_rps) = (Vec::new(), Vec::new());
    let mut ratios = Vec::new();
    let mut calibrated = vec![Vec::new(); calibration.len()];
    for round in 0..rounds {
        // 0: ours, 1: the bare handler, 2..: the calibration peers.
        let mut order: Vec<usize> = (0..2 + calibration.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        let mut rps = vec![0.0; order.len()];
        for server in order {
            let addr = match server {
                0 => ours.addr,
                1 => bare.addr,
                i => calibration[i - 2].addr,
            };
            rps[server] = load(addr, REQUEST, 16, secs)?;
        }
        ratios.push(rps[0] / rps[1]);
        for (i, work) in rps[2..].iter().enumerate() {
            calibrated[i].push(work / rps[1]);
        }
        ours_rps.push(rps[0]);
        bare_rps.push(rps[1]);
    }
    // A static file (the app's stylesheet) over the same keep-alive connections.
    let static_rps = load(ours.addr, STATIC_REQUEST, 16, secs)?;
    drop((ours, bare, calibration));
    let median = crate::median;
    add("home_dead_render", "zero_live", "requests_per_s", median(ours_rps), "ops_per_s", None);
    add(
        "home_dead_render",
        "bare_axum",
        "bare_requests_per_s",
        median(bare_rps),
        "ops_per_s",
        None,
    );
    add(
        "home_dead_render",
        "zero_live",
        "vs_bare_axum",
        median(ratios),
        "ratio",
        Some("generator.app.dead_render_vs_bare"),
    );
    add("home_dead_render", "zero_live", "page_bytes", page.len() as f64, "bytes", None);
    for (work_us, ratios) in CALIBRATION_WORK_US.iter().zip(calibrated) {
        let metric = format!("work_{work_us}us_vs_bare_axum");
        add("home_dead_render", "bare_axum", &metric, median(ratios), "ratio", None);
    }
    add("static_asset", "zero_live", "requests_per_s", static_rps, "ops_per_s", None);
    report(printer, "app", SOURCES, runs, &measures, record)
}

/// The work per request (µs) of the calibration peers: bare handlers that spin that long.
const CALIBRATION_WORK_US: [u64; 2] = [2, 10];

/// The bare peer (pinned like the app) doing `work_us` of work per request, serving.
fn bare_server_process(body: &Path, work_us: u64) -> Result<Server> {
    let port = crate::live::free_port()?;
    Server::start(
        pinned(&std::env::current_exe()?)
            .arg("__bare-server")
            .arg(port.to_string())
            .arg(body)
            .arg(format!("--work-us={work_us}")),
        port,
    )
}

/// A command that runs on core 0 when `taskset` is there.
pub(crate) fn pinned(program: &Path) -> Command {
    if crate::live::taskset() {
        let mut command = Command::new("taskset");
        command.args(["-c", "0"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A server process, killed when dropped.
pub(crate) struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    pub(crate) fn start(command: &mut Command, port: u16) -> Result<Server> {
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let server = Server { child, addr };
        for _ in 0..400 {
            if TcpStream::connect(addr).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("the server on {addr} did not start")
    }

    /// The server's resident memory (VmRSS), in KiB.
    pub(crate) fn rss_kib(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
        Ok(line.split_whitespace().nth(1).context("VmRSS value")?.parse()?)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
const STATIC_REQUEST: &[u8] = b"GET /assets/app.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

fn get_body(addr: SocketAddr) -> Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(REQUEST)?;
    read_response(&mut stream, &mut Vec::new())
}

/// Requests per second of `request` from `connections` keep-alive connections in closed loops
/// for `secs`.
fn load(addr: SocketAddr, request: &'static [u8], connections: usize, secs: f64) -> Result<f64> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..connections)
        .map(|_| {
            std::thread::spawn(move || -> Result<u64> {
                let mut stream = TcpStream::connect(addr)?;
                stream.set_nodelay(true)?;
                let mut buf = Vec::with_capacity(16 * 1024);
                let mut done = 0;
                while Instant::now() < deadline {
                    stream.write_all(request)?;
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
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The bare peer: an axum handler answering `GET /` with the bytes of `file` as HTML, after
/// `work_us` microseconds of busy work (0: at once).
pub(crate) fn bare_server(port: u16, file: &PathBuf, work_us: u64) -> Result<()> {
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
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        axum::serve(listener, router).await
    })?;
    Ok(())
}
