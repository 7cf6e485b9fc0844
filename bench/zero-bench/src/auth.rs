//! The auth suite: magic-link logins on SQLite through `zero_auth::Accounts` (ask for a link,
//! receive it, use it: a new session), one at a time for latency and from 8 tasks for
//! throughput; the session lookup every page load and socket upgrade of a signed-in user pays
//! (the scope middleware's query); and a live page's event round trip and join with the scope
//! middleware and a signed-in user against the same page without it, in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use zero_auth::mail::{DevMailbox, Mailer};
use zero_auth::{Accounts, AuthConfig, schema};
use zero_db::Db;
use zero_live::pubsub::{Local, PubSub};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::live::{Ws, attr, connect, next_text, percentile};
use crate::{Measure, Printer, report};

/// What the suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "runtime/zero-auth/src",
    "runtime/zero-db/src",
    "runtime/zero-live/src",
    "examples/counter/src",
    "bench/zero-bench/src/auth.rs",
];

/// Runs the suite and prints (and with `record`, writes) its measurements.
pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (logins, workers) = if quick { (100, 4) } else { (500, 8) };
    let measures = runtime.block_on(measure(printer, logins, workers))?;
    report(printer, "auth", SOURCES, &measures)
}

struct Bench {
    accounts: Accounts,
    mailbox: Arc<DevMailbox>,
    _dir: tempfile::TempDir,
}

async fn bench() -> Result<Bench> {
    let dir = tempfile::tempdir()?;
    let db = Db::connect(&format!("sqlite://{}/auth.db", dir.path().display())).await?;
    schema::create(&db).await?;
    let mailbox = Arc::new(DevMailbox::new());
    let mailer: Arc<dyn Mailer> = mailbox.clone();
    let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
    // The limiter is not what is measured: no limit is reached.
    let mut config = AuthConfig::default();
    config.rate_limits.login_attempts_per_hour = u32::MAX;
    config.rate_limits.registrations_per_hour = u32::MAX;
    Ok(Bench { accounts: Accounts::new(db, pubsub, mailer, config), mailbox, _dir: dir })
}

/// The counter's `/clicks` page served on loopback, with the scope middleware in front (and
/// a cookie of a signed-in user) or without; `None` is the page without accounts.
struct Served {
    port: u16,
    cookie: Option<String>,
    _live: zero_live::Live,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(b: &Bench, signed_in: Option<&str>) -> Result<Served> {
    use axum::middleware::from_fn_with_state;
    // The event rate limit is not what is measured: lifted, as in the live suite.
    let mut config = zero_live::LiveConfig::default();
    config.rate_limits.events_per_second = 1_000_000;
    config.rate_limits.event_burst = 1_000_000;
    let live = counter::live(config);
    let mut router = live.router();
    let mut cookie = None;
    if let Some(token) = signed_in {
        let auth = zero_auth::web::Auth::new(b.accounts.clone(), &live);
        cookie = Some(format!("{}={}", auth.cookie_name(), auth.cookie_value(token)));
        router = router
            .layer(axum::Extension(auth.clone()))
            .layer(from_fn_with_state(auth, zero_auth::web::fetch_scope));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    Ok(Served { port, cookie, _live: live, task })
}

/// GETs the page and joins it (JSON protocol); returns the socket and the time it took.
async fn join(s: &Served) -> Result<(Ws, f64)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let start = Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", s.port)).await?;
    let cookie = s.cookie.as_ref().map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    let request = format!(
        "GET /clicks HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{cookie}Connection: close\r\n\r\n",
        s.port
    );
    tcp.write_all(request.as_bytes()).await?;
    let mut page = String::new();
    tcp.read_to_string(&mut page).await?;
    let session = attr(&page, "data-zl-session=\"").context("a live page")?;
    let csrf = attr(&page, "name=\"csrf-token\" content=\"").context("a CSRF token")?;
    let mut request = format!("ws://127.0.0.1:{}/live/websocket", s.port).into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("origin", format!("http://127.0.0.1:{}", s.port).parse()?);
    headers.insert("sec-websocket-protocol", zero_live::protocol::SUBPROTOCOL.parse()?);
    if let Some(c) = &s.cookie {
        headers.insert("cookie", c.parse()?);
    }
    let (mut ws, _) = connect(request).await?;
    let join = serde_json::json!({"v": 1, "ref": 1, "kind": "join", "topic": "lv:/clicks",
                                  "session": session, "csrf": csrf, "url": "/clicks"});
    ws.send(Message::Text(join.to_string().into())).await?;
    let reply = next_text(&mut ws).await?;
    if !reply.contains("\"ok\"") {
        return Err(anyhow!("join refused: {reply}"));
    }
    Ok((ws, start.elapsed().as_secs_f64() * 1e3))
}

/// `n` clicks on a joined page, one at a time; the round trips in ms.
async fn clicks(ws: &mut Ws, n: usize, from: u64) -> Result<Vec<f64>> {
    let mut times = Vec::with_capacity(n);
    for reference in from..from + n as u64 {
        let frame = serde_json::json!({"v": 1, "ref": reference, "kind": "event", "event": "inc", "value": {}});
        let start = Instant::now();
        ws.send(Message::Text(frame.to_string().into())).await?;
        loop {
            let text = next_text(ws).await?;
            if text.contains(&format!("\"ref\":{reference},")) {
                if !text.contains("\"status\":\"ok\"") {
                    return Err(anyhow!("click refused: {text}"));
                }
                break;
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(times)
}

/// Event round trips and joins of the page with the scope middleware (signed in) and without,
/// interleaved one by one (the order swapped every time) so both see the same machine at the
/// same moment: on this noisy machine rounds of 500 clicks each drifted by 15% between rounds.
async fn scope_cost(b: &Bench, token: &str, rounds: usize, per: usize) -> Result<[f64; 4]> {
    // The signed-in page really runs as a user.
    b.accounts.session(token).await?.context("a valid session for the signed-in page")?;
    let plain = serve(b, None).await?;
    let signed = serve(b, Some(token)).await?;
    let (mut plain_clicks, mut signed_clicks) = (Vec::new(), Vec::new());
    let (mut plain_joins, mut signed_joins) = (Vec::new(), Vec::new());
    for i in 0..rounds * 10 {
        let order = if i % 2 == 0 { [false, true] } else { [true, false] };
        for signed_turn in order {
            let (served, joined) =
                if signed_turn { (&signed, &mut signed_joins) } else { (&plain, &mut plain_joins) };
            let (ws, ms) = join(served).await?;
            joined.push(ms);
            drop(ws);
        }
    }
    let (mut plain_ws, _) = join(&plain).await?;
    let (mut signed_ws, _) = join(&signed).await?;
    // The first clicks warm the sessions up.
    clicks(&mut plain_ws, 20, 2).await?;
    clicks(&mut signed_ws, 20, 2).await?;
    for i in 0..rounds * per {
        let order = if i % 2 == 0 { [false, true] } else { [true, false] };
        let reference = 100 + i as u64;
        for signed_turn in order {
            let (ws, clicked) = if signed_turn {
                (&mut signed_ws, &mut signed_clicks)
            } else {
                (&mut plain_ws, &mut plain_clicks)
            };
            clicked.extend(clicks(ws, 1, reference).await?);
        }
    }
    Ok([
        percentile(&mut plain_clicks, 0.5),
        percentile(&mut signed_clicks, 0.5),
        percentile(&mut plain_joins, 0.5),
        percentile(&mut signed_joins, 0.5),
    ])
}

/// One login: ask for a link, wait for its mail (a link other than `last`, the one this
/// address used before), use it. Returns the session token.
async fn login(b: &Bench, email: &str, last: &mut String) -> Result<String> {
    b.accounts.request_login_link(email, None, None).await?;
    let deadline = Instant::now() + Duration::from_secs(5);
    let token = loop {
        let newest = b.mailbox.messages().into_iter().rev().find(|m| m.to == email);
        let link = newest.as_ref().and_then(|m| {
            let link = m.text.split_whitespace().find(|w| w.starts_with("http"))?;
            link.rsplit('/').next().map(str::to_owned)
        });
        if let Some(token) = link.filter(|t| t != last) {
            break token;
        }
        if Instant::now() > deadline {
            return Err(anyhow!("no link for {email} within 5 s"));
        }
        b.mailbox.wait_for(email, Duration::from_millis(2)).await;
        tokio::task::yield_now().await;
    };
    last.clone_from(&token);
    Ok(b.accounts.log_in_with_link(&token, None).await?.token)
}

async fn measure(printer: &Printer, logins: usize, workers: usize) -> Result<Vec<Measure>> {
    let rounds = if logins < 500 { 2 } else { 6 };
    let b = Arc::new(bench().await?);
    for i in 0..workers.max(1) {
        let email = format!("user{i}@example.com");
        b.accounts.register(&email, None).await?;
        login(&b, &email, &mut String::new()).await?;
    }
    // Keep the mailbox small: it scans its messages.
    b.mailbox.clear();
    printer.status("Measuring", &format!("{logins} logins one at a time"));
    let mut latencies = Vec::with_capacity(logins);
    let mut tokens = Vec::with_capacity(logins);
    let mut lasts = vec![String::new(); workers];
    for i in 0..logins {
        let email = format!("user{}@example.com", i % workers);
        let start = Instant::now();
        tokens.push(login(&b, &email, &mut lasts[i % workers]).await?);
        latencies.push(start.elapsed().as_secs_f64() * 1e3);
        if i % 50 == 49 {
            b.mailbox.clear();
        }
    }
    printer.status("Measuring", &format!("{logins} logins from {workers} tasks"));
    b.mailbox.clear();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let b = b.clone();
        let per = logins / workers;
        tasks.push(tokio::spawn(async move {
            let email = format!("user{w}@example.com");
            let mut last = String::new();
            for _ in 0..per {
                login(&b, &email, &mut last).await?;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let throughput = (logins / workers * workers) as f64 / start.elapsed().as_secs_f64();
    printer.status("Measuring", "session lookups");
    let mut lookups = Vec::with_capacity(tokens.len());
    for token in &tokens {
        let start = Instant::now();
        b.accounts.session(token).await?.context("a valid session")?;
        lookups.push(start.elapsed().as_secs_f64() * 1e6);
    }
    printer.status("Measuring", "a live page's events and joins with and without accounts");
    let [plain_click, signed_click, plain_join, signed_join] =
        scope_cost(&b, &tokens[0], rounds, 500).await?;
    Ok(vec![
        Measure::new("event", "zero_live", "click_p50_ms", plain_click, "ms", None),
        Measure::new("event", "zero_auth", "signed_in_click_p50_ms", signed_click, "ms", None),
        Measure::new(
            "event",
            "zero_auth",
            "signed_in_vs_plain",
            signed_click / plain_click,
            "ratio",
            Some("runtime.auth.event_overhead"),
        ),
        Measure::new("join", "zero_live", "join_p50_ms", plain_join, "ms", None),
        Measure::new("join", "zero_auth", "signed_in_join_p50_ms", signed_join, "ms", None),
        Measure::new(
            "join",
            "zero_auth",
            "signed_in_vs_plain",
            signed_join / plain_join,
            "ratio",
            None,
        ),
        Measure::new("login", "zero_auth", "p50_ms", percentile(&mut latencies, 0.5), "ms", None),
        Measure::new(
            "login",
            "zero_auth",
            "p99_ms",
            percentile(&mut latencies, 0.99),
            "ms",
            Some("runtime.auth.login_p99"),
        ),
        Measure::new(
            "login",
            "zero_auth",
            "logins_per_s",
            throughput,
            "ops_per_s",
            Some("runtime.auth.login_throughput"),
        ),
        Measure::new(
            "session_lookup",
            "zero_auth",
            "p50_us",
            percentile(&mut lookups, 0.5),
            "us",
            None,
        ),
        Measure::new(
            "session_lookup",
            "zero_auth",
            "p99_us",
            percentile(&mut lookups, 0.99),
            "us",
            Some("runtime.auth.session_lookup_p99"),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small run of the real measurement: accounts on SQLite, mailed links, session lookups,
    /// and a live page's clicks and joins with and without a signed-in user.
    #[test]
    fn the_measure_gives_every_budgeted_figure() {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let measures = runtime.block_on(measure(&Printer::new(true), 8, 2)).unwrap();
        let budgets: Vec<&str> = measures.iter().filter_map(|m| m.budget.as_deref()).collect();
        assert_eq!(
            budgets,
            [
                "runtime.auth.event_overhead",
                "runtime.auth.login_p99",
                "runtime.auth.login_throughput",
                "runtime.auth.session_lookup_p99"
            ]
        );
        for m in &measures {
            assert!(m.value.is_finite() && m.value > 0.0, "{} {} = {}", m.case, m.metric, m.value);
        }
    }
}
