//! Lifecycle hooks a view (or a library it calls) attaches to its session (Phoenix's
//! `attach_hook`): functions that run before the view's own `handle_event`, `handle_params` or
//! `handle_info`, in the order they were attached, and may let the callback go on or halt it.
//!
//! A hook sees what the callback would see (the event and its value, the message, the
//! context) but not the view's struct, so one written once (an audit log, a guard, a counter)
//! serves every view. A halted event is answered like a handled one, with whatever the hook
//! changed in the context (a flash, a redirect, a pushed event). Hooks are the view's: they end
//! with it (a live navigation to another view, the session's end).

use std::any::Any;
use std::sync::Arc;

use serde_json::Value;

use crate::Context;

/// What a hook tells the session: go on to the next hook and the view, or stop here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The next hook runs, then the view's callback.
    Continue,
    /// Neither later hooks nor the view's callback run.
    Halt,
}

/// A hook on client events: the event's name, its value, the context.
pub type EventHook = Arc<dyn Fn(&str, &Value, &mut Context) -> Flow + Send + Sync>;
/// A hook on server messages (PubSub's and the view's timers').
pub type InfoHook = Arc<dyn Fn(&(dyn Any + Send + Sync), &mut Context) -> Flow + Send + Sync>;
/// A hook on live patches (the context holds the new URL).
pub type ParamsHook = Arc<dyn Fn(&mut Context) -> Flow + Send + Sync>;

/// One hook, by stage.
#[derive(Clone)]
pub(crate) enum Hook {
    Event(EventHook),
    Info(InfoHook),
    Params(ParamsHook),
}

/// What a callback asked of the session's hooks.
#[derive(Clone)]
pub(crate) enum Request {
    Attach(String, Hook),
    Detach(String),
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Attach(name, _) => f.debug_tuple("Attach").field(name).finish_non_exhaustive(),
            Request::Detach(name) => f.debug_tuple("Detach").field(name).finish(),
        }
    }
}

/// A session's hooks, in the order they were attached.
#[derive(Default, Clone)]
pub(crate) struct Hooks {
    hooks: Vec<(String, Hook)>,
}

impl Hooks {
    /// Applies a callback's requests in order: attaching a name already attached replaces its
    /// hook in place; detaching removes every hook of that name.
    pub(crate) fn apply(&mut self, requests: Vec<Request>) {
        for request in requests {
            match request {
                Request::Attach(name, hook) => {
                    match self.hooks.iter_mut().find(|(n, _)| *n == name) {
                        Some(slot) => slot.1 = hook,
                        None => self.hooks.push((name, hook)),
                    }
                }
                Request::Detach(name) => self.hooks.retain(|(n, _)| *n != name),
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.hooks.is_empty()
    }

    /// Runs the event hooks in order; whether the view's `handle_event` may run.
    pub(crate) fn event(&self, event: &str, value: &Value, ctx: &mut Context) -> Flow {
        self.run(|hook| match hook {
            Hook::Event(hook) => Some(hook(event, value, ctx)),
            _ => None,
        })
    }

    /// Runs the message hooks in order; whether the view's `handle_info` may run.
    pub(crate) fn info(&self, message: &(dyn Any + Send + Sync), ctx: &mut Context) -> Flow {
        self.run(|hook| match hook {
            Hook::Info(hook) => Some(hook(message, ctx)),
            _ => None,
        })
    }

    /// Runs the patch hooks in order; whether the view's `handle_params` may run.
    pub(crate) fn params(&self, ctx: &mut Context) -> Flow {
        self.run(|hook| match hook {
            Hook::Params(hook) => Some(hook(ctx)),
            _ => None,
        })
    }

    fn run(&self, mut each: impl FnMut(&Hook) -> Option<Flow>) -> Flow {
        for (_, hook) in &self.hooks {
            if each(hook) == Some(Flow::Halt) {
                return Flow::Halt;
            }
        }
        Flow::Continue
    }

    pub(crate) fn clear(&mut self) {
        self.hooks.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_hook(f: impl Fn(&str) -> Flow + Send + Sync + 'static) -> Hook {
        Hook::Event(Arc::new(move |event, _, ctx| {
            ctx.push_event("seen", Value::from(event));
            f(event)
        }))
    }

    #[test]
    fn hooks_run_in_order_until_one_halts_and_only_on_their_stage() {
        let mut hooks = Hooks::default();
        hooks.apply(vec![
            Request::Attach("audit".into(), event_hook(|_| Flow::Continue)),
            Request::Attach(
                "guard".into(),
                event_hook(|e| match e {
                    "delete" => Flow::Halt,
                    _ => Flow::Continue,
                }),
            ),
            Request::Attach("after".into(), event_hook(|_| Flow::Continue)),
        ]);
        let mut ctx = Context::new(true, "/");
        assert_eq!(hooks.event("save", &Value::Null, &mut ctx), Flow::Continue);
        assert_eq!(ctx.pushes.len(), 3, "every hook saw it");
        ctx.pushes.clear();
        assert_eq!(hooks.event("delete", &Value::Null, &mut ctx), Flow::Halt);
        assert_eq!(ctx.pushes.len(), 2, "the hook after the halting one did not run");
        assert_eq!(hooks.info(&1u8, &mut ctx), Flow::Continue, "no hook on messages");
        assert_eq!(hooks.params(&mut ctx), Flow::Continue);
    }

    #[test]
    fn attaching_a_name_again_replaces_it_and_detaching_removes_it() {
        let mut hooks = Hooks::default();
        let halt_all = || event_hook(|_| Flow::Halt);
        hooks.apply(vec![
            Request::Attach("guard".into(), halt_all()),
            Request::Attach("guard".into(), event_hook(|_| Flow::Continue)),
        ]);
        let mut ctx = Context::new(true, "/");
        assert_eq!(hooks.event("x", &Value::Null, &mut ctx), Flow::Continue, "replaced");
        assert_eq!(ctx.pushes.len(), 1, "one hook of that name");
        hooks.apply(vec![Request::Detach("guard".into()), Request::Detach("unknown".into())]);
        assert!(hooks.is_empty());
        hooks.apply(vec![Request::Attach("guard".into(), halt_all())]);
        hooks.clear();
        assert_eq!(hooks.event("x", &Value::Null, &mut ctx), Flow::Continue);
    }
}
