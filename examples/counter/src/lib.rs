//! A live counter with a keyed list: the smallest complete 0x0 Live app.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use serde_json::json;
use zero_live::{Context, EventError, LiveView, MountError, Terminate};
use zero_live_core::{Js, Stream};

mod attachments;
mod files;
mod photos;
pub use attachments::Attachments;
pub use files::Files;
pub use photos::{EICAR, MAX_PHOTO_BYTES, Photos};

/// One list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its key.
    pub id: u64,
    /// Its text.
    pub name: String,
}

/// The counter page's state.
#[derive(Debug, Default)]
pub struct Counter {
    /// The count.
    pub count: i64,
    /// The list.
    pub items: Vec<Item>,
    /// The last announcement published on [`ANNOUNCEMENTS`].
    pub notice: String,
    /// What happened to the list, newest first: a stream, so the server keeps none of it once
    /// sent; the page keeps the last [`LOG_LIMIT`].
    pub log: Stream<LogEntry>,
    /// The last search text (from a debounced input).
    pub searched: String,
    /// How many search events arrived.
    pub searches: u32,
    /// The draft note (a form with an id: recovered after a reconnect).
    pub draft: String,
    /// Whether the hooked ticker is on the page.
    pub ticker: bool,
    /// How many times the ticker's hook pushed `hooked`.
    pub pinged: u32,
    /// The `z-target` of the last `targeted` event.
    pub target: String,
    next_id: u64,
    next_log: u64,
}

/// How many counter sessions ended, by reason (what `terminate` saw).
#[derive(Debug)]
pub struct Terminations {
    /// The client closed or left.
    pub closed: AtomicUsize,
    /// The server shut down.
    pub shutdown: AtomicUsize,
    /// The session broke a rule.
    pub refused: AtomicUsize,
    /// The client navigated to another view.
    pub navigated: AtomicUsize,
}

/// Counter sessions ended so far.
pub static TERMINATED: Terminations = Terminations {
    closed: AtomicUsize::new(0),
    shutdown: AtomicUsize::new(0),
    refused: AtomicUsize::new(0),
    navigated: AtomicUsize::new(0),
};

/// Entries of the activity log the page keeps.
pub const LOG_LIMIT: i32 = 5;

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Its key.
    pub id: u64,
    /// What happened.
    pub text: String,
}

/// The topic every counter session listens to: publish a `String` with
/// `live.broadcast(ANNOUNCEMENTS, text)`.
pub const ANNOUNCEMENTS: &str = "announcements";
zero_live_core::template!(Counter, "counter");

impl LiveView for Counter {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        // `/from/{start}`, `/?start=N`, or the app's default (`LiveBuilder::state`).
        let count = match ctx.param("start").or_else(|| ctx.query("start")) {
            Some(start) => start
                .parse()
                .map_err(|_| MountError::bad_request(format!("bad start `{start}`")))?,
            None => ctx.state::<StartAt>().map_or(0, |s| s.0),
        };
        ctx.set_title("Counter");
        ctx.subscribe(ANNOUNCEMENTS);
        let mut log = Stream::new();
        log.limit(LOG_LIMIT);
        Ok(Counter { count, log, ticker: true, ..Counter::default() })
    }

    async fn handle_info(
        &mut self,
        message: &(dyn std::any::Any + Send + Sync),
        _ctx: &mut Context,
    ) {
        if let Some(text) = message.downcast_ref::<String>() {
            self.notice.clone_from(text);
        }
    }

    async fn handle_params(&mut self, ctx: &mut Context) {
        // A live patch to `/?start=N` sets the count without a remount.
        if let Some(start) = ctx.query("start").and_then(|s| s.parse().ok()) {
            self.count = start;
        }
    }

    fn terminate(&mut self, reason: Terminate) {
        let counter = match reason {
            Terminate::Closed => &TERMINATED.closed,
            Terminate::Shutdown => &TERMINATED.shutdown,
            Terminate::Refused => &TERMINATED.refused,
            Terminate::Navigate => &TERMINATED.navigated,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "jump" => {
                let to = value
                    .get("to")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| EventError::Invalid("`to` must be a number".into()))?;
                ctx.push_patch(format!("/?start={to}"));
            }
            "search" => {
                let text = value.get("value").and_then(Value::as_str).unwrap_or_default();
                self.searched = text.chars().take(100).collect();
                self.searches += 1;
            }
            "leave" => {
                ctx.put_flash("info", "See you on the clicks page");
                ctx.redirect("/clicks");
            }
            // Where a `?next=`-style value from the client may send the browser: local paths
            // only, or an allowed external site (`[network] redirect_hosts`).
            "follow" => {
                let next = value.get("next").and_then(Value::as_str).unwrap_or("/");
                ctx.redirect(next);
            }
            "pay" => {
                let url = value.get("url").and_then(Value::as_str).unwrap_or_default();
                ctx.redirect_external(url);
            }
            "go-to" => {
                let to = value.get("to").and_then(Value::as_str).unwrap_or("/");
                ctx.push_navigate(to);
            }
            "go-notes" => {
                ctx.put_flash("info", "Navigated with a flash");
                ctx.push_navigate("/notes");
            }
            "draft" => {
                let note = value.get("note").and_then(Value::as_str).unwrap_or_default();
                self.draft = note.chars().take(200).collect();
            }
            "toggle-ticker" => self.ticker = !self.ticker,
            "hooked" => {
                self.pinged += 1;
                ctx.push_event("ping", json!({ "count": self.count }));
            }
            "reveal" => ctx.exec(Js::new().show("#panel").add_class("#panel", "from-server")),
            "targeted" => ctx.target().unwrap_or("none").clone_into(&mut self.target),
            "inc" => self.count += 1,
            "dec" => self.count -= 1,
            "add" => {
                let name = value
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.trim().is_empty() && n.len() <= 200)
                    .ok_or_else(|| EventError::Invalid("`name` must be 1-200 characters".into()))?;
                self.next_id += 1;
                self.items.push(Item { id: self.next_id, name: name.trim().to_owned() });
                self.record(format!("added {}", name.trim()));
                ctx.put_flash("info", format!("Added {}", name.trim()));
            }
            "remove" => {
                let id = value
                    .get("id")
                    .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
                    .ok_or_else(|| EventError::Invalid("`id` must be a number".into()))?;
                let before = self.items.len();
                self.items.retain(|i| i.id != id);
                if self.items.len() < before {
                    self.record(format!("removed #{id}"));
                }
            }
            "reverse" => {
                self.items.reverse();
                self.record("reversed".to_owned());
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

impl Counter {
    fn record(&mut self, text: String) {
        self.next_log += 1;
        self.log.insert_at(0, LogEntry { id: self.next_log, text });
    }
}

/// The peers' benchmark page (`shared/bench/live-peers`): a count and one button, nothing else,
/// so the `live` suite measures the same page pyview and djust serve.
#[derive(Debug, Default)]
pub struct Clicks {
    /// The count.
    pub count: u64,
}
zero_live_core::template!(Clicks, "clicks");

impl LiveView for Clicks {
    async fn mount(_ctx: &mut Context) -> Result<Self, MountError> {
        Ok(Clicks::default())
    }

    async fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "inc" => self.count += 1,
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

/// A page driven by its own timers: an interval it starts and stops, alarms after a delay,
/// and messages it sends itself (`Context::interval`, `send_after`, `send_self`).
#[derive(Debug, Default)]
pub struct Clock {
    /// Interval ticks received.
    pub ticks: u64,
    /// Alarms received.
    pub alarms: u64,
    /// Messages sent to itself received.
    pub pings: u64,
    /// Chimes received (each pushed to the page as an event).
    pub chimes: u64,
    /// The running interval.
    pub interval: Option<zero_live::TimerRef>,
    /// The last alarm set.
    pub alarm: Option<zero_live::TimerRef>,
    /// Where the async load stands: `idle`, `loading`, its value, or why it failed.
    pub load: String,
}
zero_live_core::template!(Clock, "clock");

/// A topic whose [`ClockMessage`]s reach every clock that listens (its `listen` event).
pub const CLOCK_ALARMS: &str = "clock:alarms";

/// What the clock's timers send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMessage {
    /// An interval's tick.
    Tick,
    /// An alarm went off.
    Alarm,
    /// A chime: the clock counts it and pushes the page an event (`chime`, with the count).
    Chime,
    /// Sent to itself.
    Ping,
}

/// Always true, opaquely to the compiler: a task that panics still has an output type.
fn opaque_true() -> bool {
    std::hint::black_box(true)
}

/// The `ms` of an event's value (20 when absent or not a number).
fn millis(value: &Value) -> std::time::Duration {
    std::time::Duration::from_millis(value["ms"].as_u64().unwrap_or(20))
}

/// The clock's async load: `ms` of waiting (a slow query), then its answer.
async fn slow_answer(ms: std::time::Duration) -> u64 {
    tokio::time::sleep(ms).await;
    42
}

/// A hook a library could attach to any view: every event is reported to the page (`audit`)
/// and `forbidden` never reaches the view.
fn audit(event: &str, _value: &Value, ctx: &mut Context) -> zero_live::Flow {
    ctx.push_event("audit", json!({"event": event}));
    if event == "forbidden" { zero_live::Flow::Halt } else { zero_live::Flow::Continue }
}

impl LiveView for Clock {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.attach_event_hook("audit", audit);
        // Each live patch is reported too (the clock has no `handle_params` of its own).
        ctx.attach_params_hook("patches", |ctx| {
            ctx.push_event("patched", json!({"path": ctx.path()}));
            zero_live::Flow::Continue
        });
        Ok(Clock { load: "idle".to_owned(), ..Clock::default() })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "start" => {
                if let Some(old) = self.interval.take() {
                    ctx.cancel_timer(old);
                }
                self.interval = Some(ctx.interval(millis(value), ClockMessage::Tick));
            }
            "stop" => {
                if let Some(timer) = self.interval.take() {
                    ctx.cancel_timer(timer);
                }
            }
            "alarm" => self.alarm = Some(ctx.send_after(millis(value), ClockMessage::Alarm)),
            "cancel_alarm" => {
                if let Some(timer) = self.alarm.take() {
                    ctx.cancel_timer(timer);
                }
            }
            "ping" => {
                ctx.send_self(ClockMessage::Ping);
            }
            "load" => {
                self.load = "loading".to_owned();
                ctx.start_async("load", slow_answer(millis(value)));
            }
            "load_within" => {
                self.load = "loading".to_owned();
                ctx.start_async_within("load", millis(value), slow_answer(millis(value) * 50));
            }
            "load_panics" => ctx.start_async("load", async {
                if opaque_true() {
                    panic!("the query failed");
                }
                0u64
            }),
            "cancel_load" => {
                ctx.cancel_async("load");
                self.load = "cancelled".to_owned();
            }
            "away" => ctx.push_navigate("/clock"),
            // The benchmark's memory figures (`zero-bench tasks`): a hundred timers pending
            // for an hour, and as many tasks as a session runs, idle for an hour.
            "alarms_100" => {
                for _ in 0..100 {
                    ctx.send_after(std::time::Duration::from_secs(3600), ClockMessage::Alarm);
                }
            }
            "idle_tasks" => {
                for i in 0..zero_live::tasks::MAX_TASKS {
                    let idle = tokio::time::sleep(std::time::Duration::from_secs(3600));
                    ctx.start_async_within(
                        format!("idle{i}"),
                        std::time::Duration::from_secs(7200),
                        idle,
                    );
                }
            }
            "unaudit" => ctx.detach_hook("audit"),
            // From now on alarms are swallowed before `handle_info`.
            "mute_alarms" => ctx.attach_info_hook("mute", |message, _| {
                match message.downcast_ref::<ClockMessage>() {
                    Some(ClockMessage::Alarm) => zero_live::Flow::Halt,
                    _ => zero_live::Flow::Continue,
                }
            }),
            // Subscribing from an event, not only in `mount`.
            "listen" => ctx.subscribe(CLOCK_ALARMS),
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }

    async fn handle_async(
        &mut self,
        _name: &str,
        result: zero_live::tasks::TaskResult,
        _ctx: &mut Context,
    ) {
        self.load = match result.map(|output| output.downcast::<u64>()) {
            Ok(Ok(answer)) => answer.to_string(),
            Ok(Err(_)) => "not a number".to_owned(),
            Err(failure) => failure.to_string(),
        };
    }

    async fn handle_info(
        &mut self,
        message: &(dyn std::any::Any + Send + Sync),
        ctx: &mut Context,
    ) {
        match message.downcast_ref::<ClockMessage>() {
            Some(ClockMessage::Tick) => self.ticks += 1,
            Some(ClockMessage::Alarm) => self.alarms += 1,
            Some(ClockMessage::Chime) => {
                self.chimes += 1;
                ctx.push_event("chime", json!({"n": self.chimes}));
            }
            Some(ClockMessage::Ping) => self.pings += 1,
            None => {}
        }
    }
}

/// A page that loads in parts (`Context::assign_async`): it renders at once with both parts
/// loading, and each fills in when its work is done: `visits` after `?visits_ms=` (50 by
/// default), `top` after `?top_ms=` (200), failing with `?top_fails=1`.
#[derive(Debug, Default)]
pub struct Report {
    /// How many visits (a quick query).
    pub visits: zero_live::AsyncResult<u64>,
    /// The most visited page (a slow one).
    pub top: zero_live::AsyncResult<String>,
    /// Times `reload` was clicked.
    pub reloads: u64,
    /// Rows the running import reported done (its progress messages).
    pub imported: u64,
    /// Where the import stands: empty, `running`, or `done: N rows`.
    pub import: String,
    /// `tally` clicks, counted in the callback (the benchmark's plain callback).
    pub tally: u64,
    /// `tally_async` clicks, counted by a task into the field (the benchmark's
    /// `assign_async`, the same work beside the session).
    pub tallied: zero_live::AsyncResult<u64>,
    /// `tally_async` clicks asked.
    tally_asks: u64,
}
zero_live_core::template!(Report, "report");

/// An import task's progress: rows done so far.
#[derive(Debug, Clone, Copy)]
pub struct Imported(pub u64);

/// The report's quick query: `reloads` more than 1,200 visits, after `delay`.
async fn count_visits(delay: std::time::Duration, reloads: u64) -> Result<u64, String> {
    tokio::time::sleep(delay).await;
    Ok(1_200 + reloads)
}

/// The report's slow query, which fails when asked to.
async fn top_page(delay: std::time::Duration, fails: bool) -> Result<String, String> {
    tokio::time::sleep(delay).await;
    if fails {
        Err("the analytics store did not answer".to_owned())
    } else {
        Ok("/pricing".to_owned())
    }
}

impl LiveView for Report {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let ms = |name: &str, default: u64| {
            let ms = ctx.query(name).and_then(|v| v.parse().ok()).unwrap_or(default);
            std::time::Duration::from_millis(ms)
        };
        let (visits_ms, top_ms) = (ms("visits_ms", 50), ms("top_ms", 200));
        let fails = ctx.query("top_fails") == Some("1");
        ctx.assign_async("visits", |r: &mut Report| &mut r.visits, count_visits(visits_ms, 0));
        ctx.assign_async("top", |r: &mut Report| &mut r.top, top_page(top_ms, fails));
        Ok(Report::default())
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            // The count shown stays while the new one loads.
            "reload" => {
                self.reloads += 1;
                let work = count_visits(millis(value), self.reloads);
                ctx.assign_async("visits", |r: &mut Report| &mut r.visits, work);
            }
            "cancel" => ctx.cancel_async("visits"),
            // The benchmark's pair (`zero-bench tasks`): the same count, in the callback and
            // through `assign_async`.
            "tally" => self.tally += 1,
            "tally_async" => {
                self.tally_asks += 1;
                let asks = self.tally_asks;
                let work = async move { Ok::<u64, std::convert::Infallible>(asks) };
                ctx.assign_async("tally", |r: &mut Report| &mut r.tallied, work);
            }
            // A task that reports its progress: a message per row reaches `handle_info`.
            "import" => {
                let rows = value["rows"].as_u64().unwrap_or(5);
                let progress = ctx.messenger();
                self.import = "running".to_owned();
                ctx.start_async("import", async move {
                    for done in 1..=rows {
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        progress.send(Imported(done));
                    }
                    rows
                });
            }
            "slow_top" => {
                let work = top_page(millis(value) * 50, false);
                ctx.assign_async_within("top", millis(value), |r: &mut Report| &mut r.top, work);
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }

    async fn handle_info(&mut self, message: &(dyn std::any::Any + Send + Sync), _: &mut Context) {
        if let Some(Imported(done)) = message.downcast_ref::<Imported>() {
            self.imported = *done;
        }
    }

    async fn handle_async(
        &mut self,
        _name: &str,
        result: zero_live::tasks::TaskResult,
        _ctx: &mut Context,
    ) {
        self.import = match result.map(|output| output.downcast::<u64>()) {
            Ok(Ok(rows)) => format!("done: {rows} rows"),
            Ok(Err(_)) => "done".to_owned(),
            Err(failure) => failure.to_string(),
        };
    }
}

/// A second view to navigate to over the same socket.
#[derive(Debug, Default)]
pub struct Notes {
    /// Whether this mount is the connected one.
    pub connected: bool,
}
zero_live_core::template!(Notes, "notes");

impl LiveView for Notes {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Notes");
        Ok(Notes { connected: ctx.connected() })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "home" => {
                ctx.put_flash("info", "Back from notes");
                ctx.push_navigate("/");
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

/// A long stream: `/feed?n=N` (at most [`FEED_MAX`]) sends N entries, which no session keeps;
/// a big join arrives in parts. The `more` event appends [`FEED_MORE`] entries (the `live`
/// suite's stream insert, measured beside Phoenix LiveView's).
#[derive(Debug, Default)]
pub struct Feed {
    /// How many entries the page shows.
    pub total: usize,
    /// The entries, sent once.
    pub entries: Stream<LogEntry>,
}
zero_live_core::template!(Feed, "feed");

/// The most entries `/feed` renders.
pub const FEED_MAX: usize = 20_000;

/// The entries one `more` event appends to `/feed`.
pub const FEED_MORE: usize = 100;

impl LiveView for Feed {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let total =
            match ctx.query("n") {
                None => 100,
                Some(n) => n.parse::<usize>().ok().filter(|n| *n <= FEED_MAX).ok_or_else(|| {
                    MountError::bad_request(format!("bad n `{n}` (0 to {FEED_MAX})"))
                })?,
            };
        ctx.set_title("Feed");
        let mut entries = Stream::new();
        entries.extend(feed_entries(0, total));
        Ok(Feed { total, entries })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "more" if self.total + FEED_MORE <= FEED_MAX => {
                self.entries.extend(feed_entries(self.total, FEED_MORE));
                self.total += FEED_MORE;
                Ok(())
            }
            "more" => Err(EventError::Invalid(format!("the feed holds at most {FEED_MAX}"))),
            other => Err(EventError::Unknown(other.to_owned())),
        }
    }
}

/// `count` entries numbered after `after`.
fn feed_entries(after: usize, count: usize) -> impl Iterator<Item = LogEntry> {
    (after as u64 + 1..=(after + count) as u64)
        .map(|id| LogEntry { id, text: format!("Entry {id}") })
}

/// Who a request comes from, as an app's pipeline would put it in the request's extensions
/// (a signed-in user, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor(pub String);

/// `/private`: only for a request that carries a [`Visitor`]; anyone else is sent to `/` with
/// a flash, on the first render and on a join alike.
#[derive(Debug, Default)]
pub struct Private {
    /// The visitor's name.
    pub name: String,
    /// Whether this mount is the connected one.
    pub connected: bool,
    /// The browser's HTTP CSRF token, for the page's HTML form.
    pub csrf: String,
}
zero_live_core::template!(Private, "private");

impl LiveView for Private {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let Some(Visitor(name)) = ctx.extension::<Visitor>().cloned() else {
            ctx.put_flash("error", "Say who you are first.");
            ctx.redirect("/");
            return Ok(Private::default());
        };
        ctx.set_title("Private");
        let csrf = ctx.extension::<zero_live::csrf::CsrfToken>().map(|t| t.as_str().to_owned());
        Ok(Private { name, connected: ctx.connected(), csrf: csrf.unwrap_or_default() })
    }
}

/// The rows `/rows/{id}` serves: (id, the visitor it belongs to, its title).
pub const ROWS: [(u32, &str, &str); 2] = [(1, "ann", "Ann's list"), (2, "bob", "Bob's list")];

/// `/rows/{id}`: a row that belongs to one visitor, as a generated resource's rows belong to a
/// scope. Another visitor's row is as missing as one that does not exist (`404`); row `0`
/// stands for a store that failed (`500`, its error kept from the visitor).
#[derive(Debug)]
pub struct Row {
    /// The row's title.
    pub title: String,
}
zero_live_core::template!(Row, "row");

impl LiveView for Row {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let id = ctx.param("id").and_then(|id| id.parse::<u32>().ok());
        let id = id.ok_or_else(|| MountError::not_found("No such row."))?;
        if id == 0 {
            return Err(MountError::new("row store: connection refused (10.0.0.5:5432)"));
        }
        let visitor = ctx.extension::<Visitor>().map(|v| v.0.as_str());
        let (_, _, title) = ROWS
            .iter()
            .find(|(row, owner, _)| *row == id && Some(*owner) == visitor)
            .ok_or_else(|| MountError::not_found("No such row."))?;
        ctx.set_title(*title);
        Ok(Row { title: (*title).to_owned() })
    }
}

/// Where counters start when the URL does not say (shared with `LiveBuilder::state`).
#[derive(Debug, Clone, Copy)]
pub struct StartAt(pub i64);

/// The app's live endpoint, to finish (e.g. with a signer): the counter at `/` (and at
/// `/from/{start}`, starting there), notes at
/// `/notes`, the benchmark page at `/clicks`, a long stream at `/feed`, a page for known
/// visitors at `/private`, visitors' own rows at `/rows/{id}`, a page of timers at `/clock`, one that loads in parts at `/report`,
/// pages of uploads at `/photos`, `/files` and `/attachments` (sent straight to the store),
/// and the templates' colocated assets.
pub fn builder(config: zero_live::LiveConfig) -> zero_live::LiveBuilder {
    zero_live::Live::builder()
        .config(config)
        .assets(zero_live_core::colocated_assets!())
        .live::<Counter>("/")
        .live::<Counter>("/from/{start}")
        .live::<Notes>("/notes")
        .live::<Clicks>("/clicks")
        .live::<Feed>("/feed")
        .live::<Private>("/private")
        .live::<Row>("/rows/{id}")
        .live::<Clock>("/clock")
        .live::<Report>("/report")
        .live::<Photos>("/photos")
        .live::<Files>("/files")
        .live::<Attachments>("/attachments")
        .storage(store())
}

/// Where saved photos go: `COUNTER_FILES` (default `zero-live-counter-files` in the system's
/// temporary folder), served under `/stored` through URLs signed with a key of the process's
/// own (links die with it).
fn store() -> zero_live::storage::Storage {
    let dir = std::env::var_os("COUNTER_FILES")
        .map_or_else(|| std::env::temp_dir().join("zero-live-counter-files"), Into::into);
    let key: [u8; 32] = rand::random();
    match zero_live::storage::Storage::local(&dir, &key, "/stored") {
        Ok(storage) => storage,
        Err(e) => panic!("the counter's store at {} cannot be used: {e}", dir.display()),
    }
}

/// The app's live endpoint with a random signing key (tokens die with the process).
pub fn live(config: zero_live::LiveConfig) -> zero_live::Live {
    builder(config).build()
}
