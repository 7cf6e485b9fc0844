//! The auth suite: magic-link logins on SQLite through `zero_auth::Accounts` (ask for a link,
//! receive it, use it: a new session), one at a time for latency and from 8 tasks for
//! throughput; and the session lookup every page load and socket upgrade of a signed-in user
//! pays (the scope middleware's query). A live event pays nothing for its scope: it was read
//! once, at the socket's upgrade.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use zero_auth::mail::{DevMailbox, Mailer};
use zero_auth::{Accounts, AuthConfig, schema};
use zero_db::Db;
use zero_live::pubsub::{Local, PubSub};

use crate::live::percentile;
use crate::{Measure, Printer, report};

/// What the suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] =
    &["runtime/zero-auth/src", "runtime/zero-db/src", "bench/zero-bench/src/auth.rs"];

/// Runs the suite and prints (and with `record`, writes) its measurements.
pub(crate) fn suite(printer: &Printer, quick: bool, record: bool) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (logins, workers) = if quick { (100, 4) } else { (500, 8) };
    let measures = runtime.block_on(measure(printer, logins, workers))?;
    report(printer, "auth", SOURCES, logins, &measures, record)
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
    let config = AuthConfig {
        login_attempts_per_hour: u32::MAX,
        registrations_per_hour: u32::MAX,
        ..AuthConfig::default()
    };
    Ok(Bench { accounts: Accounts::new(db, pubsub, mailer, config), mailbox, _dir: dir })
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
    Ok(vec![
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
