//! The component gallery: tabs and pages whose state is in the URL (live patches), a table
//! with row actions and an empty state, a dismissible flash and a dropdown.

use serde_json::Value;
use zero_live::form::{Action, Form};
use zero_live::{Context, EventError, LiveView, MountError};

/// The gallery's state: what the URL says.
#[derive(Debug)]
pub struct Gallery {
    /// The selected tab (`?tab=`).
    pub tab: &'static str,
    /// The page (`?page=`, 1 to [`PAGES`]).
    pub page: u32,
    /// The table's rows: component name and what it does.
    pub rows: Vec<(&'static str, &'static str)>,
    /// The sign-up form (validated as the user types, submitted with `subscribe`).
    pub signup: Form,
}

/// The plans of the sign-up form's select: value and text.
pub const PLANS: &[(&str, &str)] = &[("free", "Free"), ("pro", "Pro")];

/// The choices of the sign-up form's radio group.
pub const CONTACTS: &[(&str, &str)] = &[("email", "Email"), ("none", "Never")];

/// The topics of the sign-up form's multiple select: value and text.
pub const TOPICS: &[(&str, &str)] = &[("news", "News"), ("tips", "Tips"), ("jobs", "Jobs")];

/// A new sign-up form.
fn signup_form() -> Form {
    Form::new(
        "signup",
        [
            ("name", ""),
            ("email", ""),
            ("plan", "free"),
            ("contact", "email"),
            ("topics", ""),
            ("notes", ""),
            ("terms", "false"),
            // A nested list: rows `links.0.url`, `links.1.url` (`signup[links][0][url]`).
            ("links.0.url", ""),
            ("links.1.url", ""),
        ],
    )
}

/// The sign-up rules.
fn check(form: Form) -> Form {
    let form = (0..2).fold(form, |form, i| {
        form.validate_format(
            &format!("links.{i}.url"),
            |v| v.is_empty() || v.starts_with("https://"),
            "must start with https://",
        )
    });
    form.validate_required(&["name", "email"])
        .validate_length("name", Some(2), Some(40))
        .validate_format(
            "email",
            |v| v.contains('@') && !v.starts_with('@'),
            "is not an email address",
        )
        .validate_inclusion("plan", &["free", "pro"])
        .validate_inclusion("contact", &["email", "none"])
        .validate_with("topics", |v| {
            let known = |t: &str| TOPICS.iter().any(|(value, _)| *value == t);
            if v.is_empty() || v.split(',').all(known) {
                Ok(())
            } else {
                Err(("inclusion", "has a topic that is not offered".to_owned()))
            }
        })
        .validate_length("notes", None, Some(200))
        .validate_with("terms", |v| {
            if v == "true" { Ok(()) } else { Err(("accepted", "must be accepted".to_owned())) }
        })
}
zero_live_core::template!(Gallery, "live/gallery");

/// How many pages the gallery's pagination has.
pub const PAGES: u32 = 12;

/// The table's rows before any is removed.
pub const CATALOG: &[(&str, &str)] = &[
    ("button", "Runs an event, with a loading state"),
    ("modal", "A dialog that keeps focus inside"),
    ("table", "Rows with actions and an empty state"),
];

/// The gallery's tabs: id and label.
pub const TABS: &[(&str, &str)] = &[("overview", "Overview"), ("details", "Details")];

impl Gallery {
    /// The tab and page the URL names.
    fn from_url(ctx: &Context) -> Result<(&'static str, u32), String> {
        let tab = match ctx.query("tab") {
            None => TABS[0].0,
            Some(tab) => TABS
                .iter()
                .find(|(id, _)| *id == tab)
                .map(|(id, _)| *id)
                .ok_or_else(|| format!("no tab `{tab}`"))?,
        };
        let page = match ctx.query("page") {
            None => 1,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|p| (1..=PAGES).contains(p))
                .ok_or_else(|| format!("page `{raw}` is not from 1 to {PAGES}"))?,
        };
        Ok((tab, page))
    }
}

impl LiveView for Gallery {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Components");
        let (tab, page) = Gallery::from_url(ctx).map_err(MountError::bad_request)?;
        Ok(Gallery { tab, page, rows: CATALOG.to_vec(), signup: signup_form() })
    }

    async fn handle_params(&mut self, ctx: &mut Context) {
        match Gallery::from_url(ctx) {
            Ok((tab, page)) => (self.tab, self.page) = (tab, page),
            Err(e) => ctx.put_flash("error", e),
        }
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "remove" => {
                let name = value["name"].as_str().unwrap_or_default();
                let before = self.rows.len();
                self.rows.retain(|(row, _)| *row != name);
                if self.rows.len() == before {
                    // A name the table does not show (a stale page, or a forged event).
                    return Err(EventError::Invalid(format!("no row `{name}`")));
                }
                ctx.put_flash("info", format!("Removed {name}."));
            }
            "restore" => self.rows = CATALOG.to_vec(),
            "validate" | "subscribe" => {
                let action = if event == "subscribe" { Action::Submit } else { Action::Change };
                self.signup = check(self.signup.clone().with_params(value, action));
                if self.signup.submitted() && self.signup.is_valid() {
                    ctx.put_flash("info", format!("Subscribed {}.", self.signup.value("name")));
                    self.signup = signup_form();
                }
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}
