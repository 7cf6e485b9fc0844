//! The resource suite: a generated app with `zerogen resource Post posts title:string
//! body:text`, release build, served in a child process pinned to core 0 on a SQLite file of
//! 10,000 posts; the load client (this process) on core 1, over loopback, speaking protocol v2
//! as the browser client does.
//!
//! - `index_10k`: the index as a stream of 10,000 rows: the disconnected page (fresh TCP
//!   connection, gzip accepted, until the last byte: what the browser paints first), the join
//!   (socket open until the reply and its parts arrived: when the page is live), the bytes of
//!   both and the largest frame, and the server's resident memory per joined index session
//!   (100 sessions): the rows are sent, then dropped from the session.
//! - `fanout_100`: one row created through the live form reaches 100 joined index sessions:
//!   latency from the submit to each session's pushed diff, p50 and p99 over 20 inserts.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use zero_live::protocol::{COMPACT_SUBPROTOCOL, Kind};
use zerogen::term::Printer;

use crate::app::{Generator, Server, cargo, pinned, run};
use crate::live::{Fetched as Page, Ws, attr, connect, fetch as get, next_text};
use crate::{Measure, report};

/// What the suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "generator/zerogen/src/resource.rs",
    "templates/app",
    "runtime/zero-live/src",
    "runtime/zero-live-core/src",
    "runtime/zero-db/src",
    "runtime/zero-pubsub/src",
    "runtime/zero-dashboard/src",
    "runtime/zero-dashboard/web",
    "bench/zero-bench/src/resource.rs",
    "bench/zero-bench/src/live.rs",
];

/// Rows in the table.
const ROWS: usize = 10_000;
/// Joined index sessions for the memory and fan-out cases.
const SESSIONS: usize = 100;

fn code(k: Kind) -> usize {
    Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    let Generator { root, target, zerogen } = Generator::build("resource")?;
    let tmp = tempfile::tempdir()?;
    let app = tmp.path().join("demo");
    run(
        Command::new(&zerogen)
            .args(["-q", "new", "app", "demo", "--path"])
            .arg(&app)
            .arg("--zero-live-path")
            .arg(&root),
        "zerogen new app",
    )?;
    run(
        Command::new(&zerogen)
            .args(["-q", "resource", "Post", "posts", "title:string", "body:text"])
            .current_dir(&app),
        "zerogen resource",
    )?;
    // A load test from one client: its 100 sessions and their joins are over the per-client
    // limits (`max_sessions_per_client`, `joins_per_minute`), which are not what is measured.
    let policy = app.join("spec/security.toml");
    let table = std::fs::read_to_string(&policy)?
        .replace("max_sessions_per_client = 64", "max_sessions_per_client = 100000")
        .replace("joins_per_minute = 120", "joins_per_minute = 1000000");
    std::fs::write(&policy, table)?;
    run(
        Command::new(cargo())
            .args(["build", "-q", "--release"])
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target),
        "cargo build --release of the app",
    )?;
    let binary = target.join("release/demo");
    let url = format!("sqlite://{}", tmp.path().join("bench.db").display());
    let port = crate::live::free_port()?;
    let server = Server::start(
        pinned(&binary)
            .env("PORT", port.to_string())
            .env("SECRET_KEY_BASE", crate::app::BENCH_KEY)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "off")
            .current_dir(&app),
        port,
    )?;
    crate::live::pin_client();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let measures = runtime.block_on(measure(&server, port, &url, quick))?;
    drop(server);
    report(printer, "resource", SOURCES, &measures)
}

async fn measure(server: &Server, port: u16, url: &str, quick: bool) -> Result<Vec<Measure>> {
    seed(url).await?;
    let mut measures = Vec::new();
    let mut add = |case: &str, metric: &str, value: f64, unit, budget: Option<&str>| {
        measures.push(Measure::new(case, "zero_live", metric, value, unit, budget));
    };
    let runs = if quick { 3 } else { 11 };

    // The page and the join, each from a fresh connection.
    let (mut gets, mut joins) = (Vec::new(), Vec::new());
    let (mut page_wire, mut page_bytes) = (0, 0);
    let mut joined = Joined { bytes: 0, largest: 0, parts: 0 };
    for _ in 0..runs {
        let started = Instant::now();
        let page = get(port, "/posts").await?;
        gets.push(started.elapsed().as_secs_f64() * 1000.0);
        (page_wire, page_bytes) = (page.wire, page.html.len());
        let rows = page.html.matches("<tr id=\"post-").count();
        if rows != ROWS {
            bail!("the index page shows {rows} rows, not {ROWS}");
        }
        let started = Instant::now();
        let (ws, frames) = join(port, &page, "/posts").await?;
        joins.push(started.elapsed().as_secs_f64() * 1000.0);
        joined = frames;
        drop(ws);
    }
    add(
        "index_10k",
        "get_page_ms",
        crate::median(gets),
        "ms",
        Some("generator.resource.index_get"),
    );
    add("index_10k", "page_wire_bytes", page_wire as f64, "bytes", None);
    add("index_10k", "page_html_bytes", page_bytes as f64, "bytes", None);
    add("index_10k", "join_ms", crate::median(joins), "ms", Some("generator.resource.index_join"));
    add("index_10k", "join_bytes", joined.bytes as f64, "bytes", None);
    add("index_10k", "join_largest_frame_bytes", joined.largest as f64, "bytes", None);
    add("index_10k", "join_parts", joined.parts as f64, "count", None);

    // Resident memory per joined index session: each received all rows, none kept them.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss_kib()?;
    let page = get(port, "/posts").await?;
    let mut index = Vec::new();
    for _ in 0..SESSIONS {
        index.push(join(port, &page, "/posts").await?.0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let per_session = (server.rss_kib()? - before) / SESSIONS as f64;
    add(
        "index_10k",
        "rss_per_session_kib",
        per_session,
        "kib",
        Some("generator.resource.index_rss_per_session"),
    );

    // One row created through the form reaches every joined index.
    let (tx, mut arrivals) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let diff = format!("[{},", code(Kind::Diff));
    for mut ws in index {
        let (tx, diff) = (tx.clone(), diff.clone());
        tokio::spawn(async move {
            while let Ok(text) = next_text(&mut ws).await {
                if text.starts_with(&diff) && tx.send(Instant::now()).is_err() {
                    return;
                }
            }
        });
    }
    let form_page = get(port, "/posts/new").await?;
    let (mut form, _) = join(port, &form_page, "/posts/new").await?;
    let mut latencies = Vec::new();
    let inserts = if quick { 5 } else { 20 };
    for i in 0..inserts {
        let values = json!({"post[title]": format!("Fan-out {i}"), "post[body]": "Hello"});
        let frame = json!([code(Kind::Event), 10 + i * 2, null, "save", values]).to_string();
        let sent = Instant::now();
        form.send(Message::Text(frame.into())).await?;
        for _ in 0..SESSIONS {
            let at = tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
                .await
                .context("a subscribed index did not receive the new row in 10 s")?
                .context("the index sessions ended")?;
            latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
        }
        // The saved form moved on: back to a new one for the next row.
        let back = json!([code(Kind::Navigate), 11 + i * 2, "/posts/new"]).to_string();
        form.send(Message::Text(back.into())).await?;
        let reply = format!("[{},{},", code(Kind::Reply), 11 + i * 2);
        while !next_text(&mut form).await?.starts_with(&reply) {}
    }
    add("fanout_100", "p50_ms", crate::live::percentile(&mut latencies, 0.50), "ms", None);
    add(
        "fanout_100",
        "p99_ms",
        crate::live::percentile(&mut latencies, 0.99),
        "ms",
        Some("generator.resource.fanout_p99"),
    );
    add("fanout_100", "deliveries", latencies.len() as f64, "count", None);
    Ok(measures)
}

/// 10,000 posts in one transaction, into the database the app migrated on start.
async fn seed(url: &str) -> Result<()> {
    let db = zero_db::Db::connect(url).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    db.require_tables(&["posts"]).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = db.begin().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    for i in 0..ROWS {
        zero_db::sqlx::query("INSERT INTO posts (title, body) VALUES ($1, $2)")
            .bind(format!("Post number {i}"))
            .bind(format!("The body of post {i}, a sentence or two of text as a post has."))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    db.close().await;
    Ok(())
}

/// Opens a socket and joins the page's view (the reply and the parts that follow it).
async fn join(port: u16, page: &Page, path: &str) -> Result<(Ws, Joined)> {
    let token = attr(&page.html, "data-zl-session=\"").context("no session token")?;
    let csrf = attr(&page.html, "name=\"csrf-token\" content=\"").context("no csrf token")?;
    let url = format!("ws://127.0.0.1:{port}{}", zero_live::server::SOCKET_PATH);
    let mut request = url.into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://127.0.0.1:{port}").parse()?);
    headers.insert("sec-websocket-protocol", COMPACT_SUBPROTOCOL.parse()?);
    let (mut ws, _) = connect(request).await?;
    let frame = json!([code(Kind::Join), 1, format!("lv:{path}"), token, csrf, path]);
    ws.send(Message::Text(frame.to_string().into())).await?;
    let reply = next_text(&mut ws).await?;
    if !reply.starts_with(&format!("[{},1,\"ok\"", code(Kind::Reply))) {
        bail!("join refused: {}", reply.chars().take(200).collect::<String>());
    }
    // A big stream's rows follow as `parts` diffs: the page is live after the last.
    let value: serde_json::Value = serde_json::from_str(&reply)?;
    let parts = value.get(8).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let mut frames = Joined { bytes: reply.len(), largest: reply.len(), parts };
    for _ in 0..parts {
        let part = next_text(&mut ws).await?;
        if !part.starts_with(&format!("[{},", code(Kind::Diff))) {
            bail!(
                "a part of the join was expected: {}",
                part.chars().take(200).collect::<String>()
            );
        }
        frames.bytes += part.len();
        frames.largest = frames.largest.max(part.len());
    }
    Ok((ws, frames))
}

/// What a join sent.
struct Joined {
    /// Bytes of the reply and its parts.
    bytes: usize,
    /// Bytes of the largest frame.
    largest: usize,
    /// Diffs after the reply.
    parts: u64,
}
