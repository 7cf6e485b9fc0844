//! JS commands: small page changes the browser client runs without a round trip (show, hide,
//! toggle, classes, attributes, transitions, focus, dispatch, exec) and the ones that talk to
//! the server (push, patch, navigate). Built in Rust, written into a binding attribute (`z-click={Js::new().toggle("#menu")}`)
//! or pushed from a view (`Context::exec`), and executed by the client in order.
//!
//! A `to` selector that is empty (`""`) names the element the commands run for: the one
//! clicked, the one entering (`z-mounted`) or leaving (`z-remove`) the page.
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

    /// Sets the attribute `name` to `value` on the elements matching `to`; server patches keep
    /// it. The client refuses an event-handler name (`on...`) and a script URL in a URL
    /// attribute (`href`, `src`, `action`, `formaction`).
    pub fn set_attribute(self, to: &str, name: &str, value: &str) -> Js {
        self.op(
            "set_attr",
            &[("name", Arg::Str(name)), ("to", Arg::Str(to)), ("value", Arg::Str(value))],
        )
    }

    /// Removes the attribute `name` from the elements matching `to`; server patches keep it
    /// removed.
    pub fn remove_attribute(self, to: &str, name: &str) -> Js {
        self.op("remove_attr", &[("name", Arg::Str(name)), ("to", Arg::Str(to))])
    }

    /// Adds the attribute `name` (empty) to the elements matching `to` where it is absent and
    /// removes it where present (`open`, `disabled`); server patches keep the result.
    pub fn toggle_attribute(self, to: &str, name: &str) -> Js {
        self.op("toggle_attr", &[("name", Arg::Str(name)), ("to", Arg::Str(to))])
    }

    /// Sets the attribute `name` of the elements matching `to` to `second` where it is `first`
    /// and to `first` otherwise (`aria-expanded` between `"false"` and `"true"`).
    pub fn toggle_attribute_between(self, to: &str, name: &str, first: &str, second: &str) -> Js {
        let values = serde_json::to_string(&[first, second]).unwrap_or_else(|_| "[]".into());
        self.op(
            "toggle_attr",
            &[("name", Arg::Str(name)), ("to", Arg::Str(to)), ("values", Arg::Json(values))],
        )
    }

    /// Adds the space-separated `classes` to the elements matching `to` for `time_ms`
    /// milliseconds, then removes them (a CSS transition or animation they start); server
    /// patches meanwhile keep them.
    pub fn transition(self, to: &str, classes: &str, time_ms: u32) -> Js {
        self.op(
            "transition",
            &[
                ("names", Arg::Str(classes)),
                ("time", Arg::Json(time_ms.to_string())),
                ("to", Arg::Str(to)),
            ],
        )
    }

    /// Focuses the first focusable element inside the first element matching `to` (a dialog's
    /// first field).
    pub fn focus_first(self, to: &str) -> Js {
        self.op("focus_first", &[("to", Arg::Str(to))])
    }

    /// Remembers the element the commands run for (the button that opens a dialog) on the
    /// client's focus stack, for [`Js::pop_focus`].
    pub fn push_focus(self) -> Js {
        self.op("push_focus", &[])
    }

    /// Focuses the element last remembered by [`Js::push_focus`] and forgets it (a dialog
    /// closes, focus goes back to what opened it).
    pub fn pop_focus(self) -> Js {
        self.op("pop_focus", &[])
    }

    /// Runs the commands written in the attribute `attribute` of the elements matching `to`
    /// (`Js::new().exec("#dialog", "data-cancel")`: one definition, run from several places).
    pub fn exec(self, to: &str, attribute: &str) -> Js {
        self.op("exec", &[("attr", Arg::Str(attribute)), ("to", Arg::Str(to))])
    }

    /// Keeps the space-separated attributes `names` of the elements matching `to` as the
    /// browser has them when the server patches the page (`open` of a `<details>` the user
    /// opened).
    pub fn ignore_attributes(self, to: &str, names: &str) -> Js {
        self.op("ignore_attrs", &[("names", Arg::Str(names)), ("to", Arg::Str(to))])
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
    fn attribute_focus_transition_and_exec_commands_encode_their_arguments() {
        let js = Js::new()
            .set_attribute("#p", "aria-expanded", "true")
            .remove_attribute("#p", "title")
            .toggle_attribute("#faq", "open")
            .toggle_attribute_between("#p", "aria-pressed", "false", "true")
            .transition("#p", "fade in", 300)
            .focus_first("#dialog")
            .push_focus()
            .pop_focus()
            .exec("#dialog", "data-cancel")
            .ignore_attributes("#faq", "open");
        assert_eq!(
            js.to_value(),
            json!([
                ["set_attr", {"name": "aria-expanded", "to": "#p", "value": "true"}],
                ["remove_attr", {"name": "title", "to": "#p"}],
                ["toggle_attr", {"name": "open", "to": "#faq"}],
                ["toggle_attr", {"name": "aria-pressed", "to": "#p", "values": ["false", "true"]}],
                ["transition", {"names": "fade in", "time": 300, "to": "#p"}],
                ["focus_first", {"to": "#dialog"}],
                ["push_focus", {}],
                ["pop_focus", {}],
                ["exec", {"attr": "data-cancel", "to": "#dialog"}],
                ["ignore_attrs", {"names": "open", "to": "#faq"}],
            ])
        );
        // Values that need escaping stay one JSON string each.
        let quoted = Js::new().set_attribute("#p", "title", "say \"hi\"\n");
        assert_eq!(quoted.to_value()[0][1]["value"], "say \"hi\"\n");
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
