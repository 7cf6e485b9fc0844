//! JS commands: small page changes the browser client runs without a round trip (show, hide,
//! toggle, classes, focus, dispatch) and the ones that talk to the server (push, patch,
//! navigate). Built in Rust, written into a binding attribute (`z-click={Js::new().toggle("#menu")}`)
//! or pushed from a view (`Context::exec`), and executed by the client in order.
//!
//! The encoding is a JSON array of `[name, args]` pairs, e.g.
//! `[["toggle",{"to":"#menu"}],["push",{"event":"opened"}]]`; `docs/reference/client.md`
//! documents every command.

use serde_json::{Map, Value, json};

use crate::render::{Render, RenderAttr};

/// A list of JS commands, run in order by the client.
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct Js {
    ops: Vec<Value>,
}

impl Js {
    /// No commands yet.
    pub fn new() -> Js {
        Js::default()
    }

    fn op(mut self, name: &str, args: Value) -> Js {
        self.ops.push(json!([name, args]));
        self
    }

    /// Shows the elements matching the CSS selector `to` (removes `hidden`).
    pub fn show(self, to: &str) -> Js {
        self.op("show", json!({ "to": to }))
    }

    /// Hides the elements matching `to` (sets `hidden`).
    pub fn hide(self, to: &str) -> Js {
        self.op("hide", json!({ "to": to }))
    }

    /// Shows the elements matching `to` if hidden, hides them otherwise.
    pub fn toggle(self, to: &str) -> Js {
        self.op("toggle", json!({ "to": to }))
    }

    /// Adds the space-separated `classes` to the elements matching `to`.
    pub fn add_class(self, to: &str, classes: &str) -> Js {
        self.op("add_class", json!({ "to": to, "names": classes }))
    }

    /// Removes the space-separated `classes` from the elements matching `to`.
    pub fn remove_class(self, to: &str, classes: &str) -> Js {
        self.op("remove_class", json!({ "to": to, "names": classes }))
    }

    /// Focuses the first element matching `to`.
    pub fn focus(self, to: &str) -> Js {
        self.op("focus", json!({ "to": to }))
    }

    /// Dispatches a bubbling `CustomEvent` named `event` with `detail` on the elements matching
    /// `to`.
    pub fn dispatch(self, to: &str, event: &str, detail: Value) -> Js {
        self.op("dispatch", json!({ "to": to, "event": event, "detail": detail }))
    }

    /// Sends the event `event` with `value` to the view (`handle_event`), as `z-click` would.
    pub fn push(self, event: &str, value: Value) -> Js {
        let mut args = Map::new();
        args.insert("event".into(), Value::from(event));
        if !value.is_null() {
            args.insert("value".into(), value);
        }
        self.op("push", Value::Object(args))
    }

    /// Patches the current view to `href` (same path, new params: `handle_params` runs).
    pub fn patch(self, href: &str) -> Js {
        self.op("patch", json!({ "href": href }))
    }

    /// Navigates to the live view at `href` over the same socket (a full load if it is not a
    /// live route of this endpoint).
    pub fn navigate(self, href: &str) -> Js {
        self.op("navigate", json!({ "href": href }))
    }

    /// The commands as a JSON value (what `Context::exec` sends).
    pub fn to_value(&self) -> Value {
        Value::Array(self.ops.clone())
    }

    /// Whether no command was added.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

impl std::fmt::Display for Js {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Value::Array(self.ops.clone()).to_string())
    }
}

impl Render for Js {
    fn render_escaped(&self, out: &mut String) {
        self.to_string().render_escaped(out);
    }
}

impl RenderAttr for Js {
    fn render_attr(&self, out: &mut String, name: &str, url: bool) {
        self.to_string().render_attr(out, name, url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_encode_in_order_as_name_and_args() {
        let js = Js::new()
            .toggle("#menu")
            .add_class("#menu", "open wide")
            .push("opened", json!({"id": 3}))
            .navigate("/clicks");
        assert_eq!(
            js.to_string(),
            r##"[["toggle",{"to":"#menu"}],["add_class",{"names":"open wide","to":"#menu"}],["push",{"event":"opened","value":{"id":3}}],["navigate",{"href":"/clicks"}]]"##
        );
        assert!(Js::new().is_empty());
        assert_eq!(Js::new().push("x", Value::Null).to_value(), json!([["push", {"event": "x"}]]));
    }

    #[test]
    fn an_attribute_escapes_the_json() {
        let mut out = String::new();
        Js::new().dispatch("#a", "say", json!("\"<hi>\"")).render_attr(&mut out, " z-click", false);
        assert_eq!(
            out,
            r#" z-click="[[&quot;dispatch&quot;,{&quot;detail&quot;:&quot;\&quot;&lt;hi&gt;\&quot;&quot;,&quot;event&quot;:&quot;say&quot;,&quot;to&quot;:&quot;#a&quot;}]]""#
        );
        assert!(!out.contains('<') && !out[10..].contains("\"\""));
    }
}
