//! `zero-dashboard`: a running app's live dashboard (Phoenix's LiveDashboard is the anchor),
//! as a live package an app mounts with a row of its routes table:
//!
//! ```text
//! GET  /dev/dashboard  mount  zero_dashboard  browser  /  Dashboard
//! ```
//!
//! One page, refreshed every second over its socket: sessions open and by view, events per
//! second, p50 and p99 event time, memory and open files, the views that spend the most time in
//! events, the last warnings and errors of the log, the PubSub topics and their subscribers,
//! and HTTP requests per second by status class. Its figures come from the endpoint's
//! [`zero_live::Observer`] and the log's [`zero_live::recent`] records.
//!
//! **Who may see it** ([`Settings`]): in a debug build, everyone who reaches the page (the dev
//! server on loopback). In a release build, a request whose pipeline put [`Admin`] in its
//! extensions (an app's admin check), or a session that typed the endpoint's `METRICS_TOKEN`
//! into the page's lock; without a token and an admin the page does not exist (404). The
//! figures never reach a page before access is granted: the locked page is only the lock.

mod figures;
mod ticker;

#[path = "../web/mod.rs"]
pub mod web;

pub use figures::{Figures, RequestRow, TopicRow, ViewRow, duration, figures, shape};
pub use ticker::{INTERVAL, TOPIC, Tick};

use zero_db::{DbError, Migrations};
use zero_live::LiveBuilder;
use zero_live::endpoint::MetricsToken;

/// The extension an app's pipeline puts on a request whose user may see the dashboard in a
/// release build (`request.extensions_mut().insert(zero_dashboard::Admin)`, after its own
/// admin check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admin;

/// Who may see the dashboard, fixed when it is mounted.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Everyone who reaches the page (a debug build's default).
    pub open: bool,
    /// The token that unlocks a session (a release build's `METRICS_TOKEN`).
    pub token: Option<MetricsToken>,
}

impl Settings {
    /// A debug build's dashboard is open; a release build's takes `METRICS_TOKEN` from `env`
    /// (a token the endpoint would refuse, too short, unlocks nothing).
    pub fn of_build(env: impl Fn(&str) -> Option<String>) -> Settings {
        Settings {
            open: cfg!(debug_assertions),
            token: env("METRICS_TOKEN").and_then(|t| MetricsToken::new(&t).ok()),
        }
    }
}

/// Where the app mounted the dashboard and who may see it: what its view reads.
#[derive(Debug, Clone)]
pub struct Mounted {
    /// The path prefix (never ending in `/`).
    pub at: String,
    /// Who may see it.
    pub settings: Settings,
    /// The one task that publishes the figures each second, started by the first session.
    pub(crate) ticker: ticker::Ticker,
}

/// Mounts the dashboard under `at` in the app's `pipeline`, with [`Settings::of_build`] from
/// the process's environment: what a `mount` row of the routes table calls.
pub fn mount(live: LiveBuilder, pipeline: &str, at: &str) -> LiveBuilder {
    mount_with(live, pipeline, at, Settings::of_build(|name| std::env::var(name).ok()))
}

/// Mounts the dashboard under `at` in `pipeline`, visible as `settings` say.
pub fn mount_with(live: LiveBuilder, pipeline: &str, at: &str, settings: Settings) -> LiveBuilder {
    let at = at.trim_end_matches('/');
    let path = if at.is_empty() { "/" } else { at };
    live.live_in::<web::live::dashboard::Dashboard>(pipeline, path)
        .assets(zero_live_core::colocated_assets!())
        .state(Mounted { at: at.to_owned(), settings, ticker: ticker::Ticker::default() })
}

/// The dashboard keeps nothing in the database: no migrations (the mount contract's second
/// function).
pub fn migrations() -> Result<Migrations, DbError> {
    Migrations::embedded(&[], &[])
}
