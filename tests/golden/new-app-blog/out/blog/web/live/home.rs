//! The home page: a tally (the domain's [`Tally`]) stepped up and down live, a step set by a
//! live patch (`/?step=5`), and a reset behind a confirmation dialog.

use serde_json::Value;
use zero_live::{Context, EventError, LiveView, MountError};
use zero_live_core::Js;

use crate::tally::Tally;
use crate::web::components::hide_modal;

/// The home page's state.
#[derive(Debug, Default)]
pub struct Home {
    /// The tally.
    pub tally: Tally,
    /// How far one click moves it (from `?step=`, 1 by default).
    pub step: i64,
}
zero_live_core::template!(Home, "live/home");

/// The step a URL asks for: `?step=N` with N from 1 to 100.
fn step_of(ctx: &Context) -> Result<i64, String> {
    match ctx.query("step") {
        None => Ok(1),
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| format!("step `{raw}` is not a number from 1 to 100")),
    }
}

impl LiveView for Home {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Home");
        let step = step_of(ctx).map_err(MountError::bad_request)?;
        Ok(Home { tally: Tally::default(), step })
    }

    async fn handle_params(&mut self, ctx: &mut Context) {
        match step_of(ctx) {
            Ok(step) => self.step = step,
            Err(e) => ctx.put_flash("error", e),
        }
    }

    async fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        let step = match event {
            "inc" => self.step,
            "dec" => -self.step,
            "reset" => {
                self.tally.reset();
                ctx.put_flash("info", "The tally is back to zero.");
                ctx.exec(hide_modal("reset-dialog"));
                return Ok(());
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        };
        if let Err(e) = self.tally.add(step) {
            ctx.put_flash("error", e.to_string());
        }
        Ok(())
    }
}

/// The JS commands that open the reset dialog and focus its safe choice.
pub fn open_reset() -> Js {
    Js::new().show("#reset-dialog").focus("#reset-cancel")
}
