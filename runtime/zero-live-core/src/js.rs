//! JS commands: small page changes the browser client runs without a round trip (show, hide,
//! toggle, classes, focus, dispatch) and the ones that talk to the server (push, patch,
//! navigate). Built in Rust, written into a binding attribute (`z-click={Js::new().toggle("#menu")}`)
//! or pushed from a view (`Context::exec`), and executed by the client in order.
//!
//! The encoding is a JSON array of `[name, args]` pairs, e.g.
//! `[["toggle",{"to":"#menu"}],["push",{"event":"opened"}]]`; `docs/reference/client.md`
//! documents every command.

use serde_json::Value;

use crate::render::{Render, RenderAttr};

/// A list of JS commands, run in order by the client.
///
/// The JSON is written as commands are added (templates render these on every render, so no
/// intermediate JSON values are built).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Js {
    json: String,
}

impl Default for Js {
    fn default() -> Js {
        // Room for a command or two, so a chain rarely grows the buffer.
        let mut json = String::with_capacity(64);
        json.push_str("[]");
        Js { json }
    }
}

/// One argument of a command: a string (written as a JSON string literal) or JSON text.
enum Arg<'a> {
    Str(&'a str),
    Json(String),
}

/// Appends `s` to `out` as a JSON string literal.
fn push_quoted(out: &mut String, s: &str) {
    // Selectors, event names and paths rarely need escaping: copy them as they are.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\"")));
    }
}

impl Js {
    /// No commands yet.
    pub fn new() -> Js {
        Js::default()
    }

    /// Appends `[name, {key: value, ...}]`; `name` and the keys are plain identifiers, `args`
    /// sorted by key.
    fn op(mut self, name: &str, args: &[(&str, Arg<'_>)]) -> Js {
        let json = &mut self.json;
        json.pop();
        if json.len() > 1 {
            json.push(',');
        }
        json.push_str("[\"");
        json.push_str(name);
        json.push_str("\",{");
        for (i, (key, value)) in args.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push('"');
            json.push_str(key);
            json.push_str("\":");
            match value {
                Arg::Str(s) => push_quoted(json, s),
                Arg::Json(text) => json.push_str(text),
            }
        }
        json.push_str("}]]");
        self
    }

    /// Shows the elements matching the CSS selector `to` (removes `hidden`).
    pub fn show(self, to: &str) -> Js {
        self.op("show", &[("to", Arg::Str(to))])
    }

    /// Hides the elements matching `to` (sets `hidden`).
    pub fn hide(self, to: &str) -> Js {
        self.op("hide", &[("to", Arg::Str(to))])
    }

    /// Shows the elements matching `to` if hidden, hides them otherwise.
    pub fn toggle(self, to: &str) -> Js {
        self.op("toggle", &[("to", Arg::Str(to))])
    }

    /// Adds the space-separated `classes` to the elements matching `to`.
    pub fn add_class(self, to: &str, classes: &str) -> Js {
        self.op("add_class", &[("names", Arg::Str(classes)), ("to", Arg::Str(to))])
    }

    /// Removes the space-separated `classes` from the elements matching `to`.
    pub fn remove_class(self, to: &str, classes: &str) -> Js {
        self.op("remove_class", &[("names", Arg::Str(classes)), ("to", Arg::Str(to))])
    }

    /// Focuses the first element matching `to`.
    pub fn focus(self, to: &str) -> Js {
        self.op("focus", &[("to", Arg::Str(to))])
    }

    /// Dispatches a bubbling `CustomEvent` named `event` with `detail` on the elements matching
    /// `to`.
    pub fn dispatch(self, to: &str, event: &str, detail: Value) -> Js {
        self.op(
            "dispatch",
            &[
                ("detail", Arg::Json(detail.to_string())),
                ("event", Arg::Str(event)),
                ("to", Arg::Str(to)),
            ],
        )
    }

    /// Sends the event `event` with `value` to the view (`handle_event`), as `z-click` would.
    pub fn push(self, event: &str, value: Value) -> Js {
        if value.is_null() {
            self.op("push", &[("event", Arg::Str(event))])
        } else {
            self.op("push", &[("event", Arg::Str(event)), ("value", Arg::Json(value.to_string()))])
        }
    }

    /// Patches the current view to `href` (same path, new params: `handle_params` runs).
    pub fn patch(self, href: &str) -> Js {
        self.op("patch", &[("href", Arg::Str(href))])
    }

    /// Navigates to the live view at `href` over the same socket (a full load if it is not a
    /// live route of this endpoint).
    pub fn navigate(self, href: &str) -> Js {
        self.op("navigate", &[("href", Arg::Str(href))])
    }

    /// The commands as a JSON value (what `Context::exec` sends).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Array(Vec::new()))
    }

    /// Whether no command was added.
    pub fn is_empty(&self) -> bool {
        self.json == "[]"
    }

    /// The commands as JSON text.
    pub fn as_str(&self) -> &str {
        &self.json
    }
}

impl std::fmt::Display for Js {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.json)
    }
}

impl Render for Js {
    fn render_escaped(&self, out: &mut String) {
        self.json.render_escaped(out);
    }
}

impl RenderAttr for Js {
    /// Writes ` name='[...]'`: in single quotes, the JSON's `"` need no escaping.
    fn render_attr(&self, out: &mut String, name: &str, url: bool) {
        if url {
            // Commands are never a URL; if a template puts them in one, check them as one.
            return self.json.render_attr(out, name, url);
        }
        out.reserve(name.len() + self.json.len() + 3);
        out.push_str(name);
        out.push_str("='");
        crate::escape::single_quoted(out, &self.json);
        out.push('\'');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
    fn the_text_is_the_json_of_the_value_for_every_command() {
        let js = Js::new()
            .show("#a\"b")
            .hide(".x")
            .toggle("#m")
            .add_class("#m", "a b")
            .remove_class("#m", "a")
            .focus("#f")
            .dispatch("#d", "ev", json!({"k": [1, "two"]}))
            .push("save", json!({"id": 1}))
            .push("plain", Value::Null)
            .patch("/?p=1")
            .navigate("/n");
        let reparsed: Value = serde_json::from_str(js.as_str()).unwrap();
        assert_eq!(js.to_value(), reparsed);
        assert_eq!(reparsed.as_array().unwrap().len(), 11);
        assert_eq!(reparsed[0], json!(["show", {"to": "#a\"b"}]));
        assert_eq!(
            reparsed[6],
            json!(["dispatch", {"detail": {"k": [1, "two"]}, "event": "ev", "to": "#d"}])
        );
    }

    #[test]
    fn an_attribute_holds_the_json_in_single_quotes() {
        let mut out = String::new();
        Js::new()
            .dispatch("#a", "it's", json!("\"<hi>\" & 'bye'"))
            .render_attr(&mut out, " z-click", false);
        assert_eq!(
            out,
            r##" z-click='[["dispatch",{"detail":"\"&lt;hi&gt;\" &amp; &#39;bye&#39;","event":"it&#39;s","to":"#a"}]]'"##
        );
        // Only the closing quote ends the value; no `<` opens a tag.
        assert_eq!(out.matches('\'').count(), 2, "{out}");
        assert!(!out.contains('<'));
        // In a URL attribute (never meaningful) it is written and checked as any other value.
        let mut url = String::new();
        Js::new().hide("#a").render_attr(&mut url, " href", true);
        assert!(url.starts_with(" href=\"[[&quot;hide"), "{url}");
    }
}
