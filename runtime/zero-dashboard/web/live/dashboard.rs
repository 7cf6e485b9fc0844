//! The dashboard: the endpoint's figures, refreshed each second by the mount's ticker, behind
//! the access its [`crate::Settings`] grant.

use serde_json::Value;
use zero_live::recent::{self, Record};
use zero_live::{Context, EventError, LiveView, MountError, Observer};

use crate::figures::{self, Figures};
use crate::ticker::{TOPIC, Tick};
use crate::{Admin, Mounted};

/// Wrong tokens a session may type before its lock stops answering (a reload starts a new
/// session, which the endpoint's join rate limits).
pub const MAX_ATTEMPTS: u8 = 5;

/// How many of the log's recent records the page lists.
pub const ERRORS_SHOWN: usize = 20;

/// A warning or error of the log, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRow {
    /// `WARN` or `ERROR`.
    pub level: &'static str,
    /// Seconds since it was written (`12 s ago`).
    pub age: String,
    /// Its target.
    pub target: String,
    /// Its message and fields.
    pub text: String,
}

/// The dashboard's state.
#[derive(Debug)]
pub struct Dashboard {
    /// Whether this session may see the figures.
    pub unlocked: bool,
    /// Wrong tokens typed so far.
    pub attempts: u8,
    /// The lock's answer to the last wrong token.
    pub refusal: Option<String>,
    /// What the page shows.
    pub figures: Figures,
    /// The log's last warnings and errors, newest first.
    pub errors: Vec<ErrorRow>,
    /// The process's node name.
    pub node: &'static str,
    previous: Option<std::sync::Arc<zero_live::metrics::Snapshot>>,
    settings: crate::Settings,
}
zero_live_core::template!(Dashboard, "live/dashboard");

impl LiveView for Dashboard {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Dashboard");
        let mounted = ctx.state::<Mounted>().cloned().ok_or_else(|| {
            MountError::new("zero_dashboard is not mounted (zero_dashboard::mount)")
        })?;
        let observer = ctx
            .state::<Observer>()
            .cloned()
            .ok_or_else(|| MountError::new("the endpoint shares no Observer with its views"))?;
        let settings = mounted.settings.clone();
        let admin = ctx.extension::<Admin>().is_some();
        if !settings.open && !admin && settings.token.is_none() {
            // Nobody may see it: the page does not exist.
            return Err(MountError::not_found("no dashboard here"));
        }
        let unlocked = settings.open || admin;
        let mut view = Dashboard {
            unlocked,
            attempts: 0,
            refusal: None,
            figures: Figures::default(),
            errors: Vec::new(),
            node: zero_live::logs::node(),
            previous: None,
            settings,
        };
        if ctx.connected() {
            ctx.subscribe(TOPIC);
            mounted.ticker.start(&observer);
        }
        if unlocked && let Some(now) = observer.snapshot() {
            view.show(std::sync::Arc::new(now));
        }
        Ok(view)
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        if event != "unlock" {
            return Err(EventError::Unknown(event.to_owned()));
        }
        if self.unlocked {
            return Ok(());
        }
        if self.attempts >= MAX_ATTEMPTS {
            self.refusal = Some("Too many attempts: reload the page to try again.".to_owned());
            return Ok(());
        }
        let sent = value.get("token").and_then(Value::as_str).unwrap_or("");
        let matches = self.settings.token.as_ref().is_some_and(|t| t.matches(sent));
        if !matches {
            self.attempts += 1;
            self.refusal = Some("That is not the metrics token.".to_owned());
            tracing::warn!(
                target: "zero_dashboard",
                attempts = self.attempts,
                "dashboard unlock refused"
            );
            return Ok(());
        }
        self.unlocked = true;
        self.refusal = None;
        tracing::info!(target: "zero_dashboard", "dashboard unlocked");
        if let Some(now) = ctx.state::<Observer>().and_then(Observer::snapshot) {
            self.show(std::sync::Arc::new(now));
        }
        Ok(())
    }

    async fn handle_info(
        &mut self,
        message: &(dyn std::any::Any + Send + Sync),
        _ctx: &mut Context,
    ) {
        if let Some(Tick(snapshot)) = message.downcast_ref::<Tick>()
            && self.unlocked
        {
            self.show(snapshot.clone());
        }
    }
}

impl Dashboard {
    /// Shows `now`, with rates since the snapshot shown before.
    fn show(&mut self, now: std::sync::Arc<zero_live::metrics::Snapshot>) {
        self.figures = figures::figures(&now, self.previous.as_deref());
        let written = std::time::SystemTime::now();
        self.errors =
            recent::records().into_iter().take(ERRORS_SHOWN).map(|r| row(&r, written)).collect();
        self.previous = Some(now);
    }
}

fn row(record: &Record, now: std::time::SystemTime) -> ErrorRow {
    let age = now.duration_since(record.at).unwrap_or_default().as_secs();
    let text = if record.fields.is_empty() {
        record.message.clone()
    } else {
        format!("{} {}", record.message, record.fields)
    };
    ErrorRow {
        level: if record.level == tracing::Level::ERROR { "ERROR" } else { "WARN" },
        age: format!("{age} s ago"),
        target: record.target.clone(),
        text,
    }
}
