//! The package's index, at the path the app mounts it under: every entry, kept current by the
//! changes published on [`entries::TOPIC`], and a form that adds one (checked as the user types
//! and on submit).

use serde_json::Value;
use zero_live::form::{Action, Form};
use zero_live::{Context, EventError, LiveView, MountError};

use crate::entries::{self, Change, Entry};
use crate::web::services;

/// The index's state.
#[derive(Debug)]
pub struct Index {
    /// The entries, oldest first.
    pub entries: Vec<Entry>,
    /// The form that adds one.
    pub form: Form,
    /// Where the package is mounted (its links start here).
    pub at: String,
}
zero_live_core::template!(Index, "live/index");

impl LiveView for Index {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Kb");
        let (db, _, mounted) = services(ctx).map_err(MountError::new)?;
        if ctx.connected() {
            ctx.subscribe(entries::TOPIC);
        }
        let entries = entries::list(&db).await.map_err(|e| MountError::new(e.to_string()))?;
        Ok(Index { entries, form: Form::new("entry", entries::defaults()), at: mounted.at })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        let action = match event {
            "validate" => Action::Change,
            "save" => Action::Submit,
            other => return Err(EventError::Unknown(other.to_owned())),
        };
        self.form = self.form.clone().with_params(value, action);
        let values = [("body".to_owned(), self.form.value("body").to_owned())].into();
        let body = match entries::validate(&values) {
            Ok(body) => body,
            Err(problems) => {
                for problem in problems {
                    self.form.add_error(problem.field, problem.code, problem.message);
                }
                return Ok(());
            }
        };
        if !self.form.submitted() {
            return Ok(());
        }
        let (db, pubsub, _) = services(ctx).map_err(EventError::Invalid)?;
        match entries::create(&db, &*pubsub, &body).await {
            Ok(entry) => {
                // The change reaches this view over PubSub too; the list keeps one of each.
                self.add(entry);
                self.form = Form::new("entry", entries::defaults());
                ctx.put_flash("info", "Entry added.");
            }
            Err(e) => ctx.put_flash("error", e.to_string()),
        }
        Ok(())
    }

    async fn handle_info(
        &mut self,
        message: &(dyn std::any::Any + Send + Sync),
        _ctx: &mut Context,
    ) {
        if let Some(Change::Created(entry)) = message.downcast_ref::<Change>() {
            self.add(entry.clone());
        }
    }
}

impl Index {
    /// Adds `entry` to the list, once.
    fn add(&mut self, entry: Entry) {
        if !self.entries.iter().any(|e| e.id == entry.id) {
            self.entries.push(entry);
        }
    }
}
