//! A live counter with a keyed list: the smallest complete 0x0 Live app.

use serde_json::Value;
use zero_live::{Context, EventError, LiveView, MountError};

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
    next_id: u64,
}

/// The topic every counter session listens to: publish a `String` with
/// `live.broadcast(ANNOUNCEMENTS, text)`.
pub const ANNOUNCEMENTS: &str = "announcements";
zero_live_core::template!(Counter, "counter");

impl LiveView for Counter {
    fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let count = match ctx.query("start") {
            Some(start) => start.parse().map_err(|_| MountError(format!("bad start `{start}`")))?,
            None => 0,
        };
        ctx.set_title("Counter");
        ctx.subscribe(ANNOUNCEMENTS);
        Ok(Counter { count, ..Counter::default() })
    }

    fn handle_info(&mut self, message: &(dyn std::any::Any + Send + Sync), _ctx: &mut Context) {
        if let Some(text) = message.downcast_ref::<String>() {
            self.notice.clone_from(text);
        }
    }

    fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
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
            }
            "remove" => {
                let id = value
                    .get("id")
                    .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
                    .ok_or_else(|| EventError::Invalid("`id` must be a number".into()))?;
                self.items.retain(|i| i.id != id);
            }
            "reverse" => self.items.reverse(),
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

/// The app's live endpoint.
pub fn live(config: zero_live::LiveConfig) -> zero_live::Live {
    zero_live::Live::builder().config(config).live::<Counter>("/").build()
}
