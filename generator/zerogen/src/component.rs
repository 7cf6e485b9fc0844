//! `zerogen component NAME ATTR:TYPE[:required]... [--slot NAME]...`: a component of the app's
//! own, called as `<.NAME ...>`. It writes `web/components/NAME.rs` (the declaration, an
//! `example()` for the gallery, a test), `web/components/NAME.html.0x0` and
//! `docs/components/NAME.md` from `templates/component/`, and adds the module to
//! `web/components/mod.rs`, its example to the gallery's list there and a ledger row. Nothing is
//! written when an argument is invalid or a file exists (unless `--force`).

use std::path::Path;

use serde::Serialize;

use crate::render::{RenderError, Templates};
use crate::resource::{ResourceError, snake};

/// The types an attribute takes.
const TYPES: &str = "string, int, float, bool";

/// Names a component cannot take: the core components and the layouts.
const TAKEN: &[&str] = &[
    "button",
    "link",
    "header",
    "modal",
    "flash",
    "input",
    "list",
    "table",
    "tabs",
    "dropdown",
    "pagination",
    "icon",
    "app_layout",
    "root",
];

/// An attribute as the templates see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attr {
    /// `amount`.
    pub name: String,
    /// `Amount`.
    pub label: String,
    /// `string`, `int`, `float` or `bool`.
    pub kind: &'static str,
    /// May be left out (`Option`); a `bool` is never optional, it is `false` when left out.
    pub optional: bool,
    /// Its Rust type in the struct.
    pub rust: String,
    /// The Rust expression of an example value.
    pub example: String,
}

/// What `zerogen component` was asked for, as its templates see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// `price_tag`: the call name, module and template.
    pub name: String,
    /// `PriceTag`.
    pub type_name: String,
    /// `price tag`, in sentences.
    pub human: String,
    /// `price-tag`, its CSS class.
    pub class: String,
    /// The command, for the files' first line.
    pub command: String,
    /// The attributes, in order.
    pub attrs: Vec<Attr>,
    /// The named slots, in order.
    pub slots: Vec<String>,
}

/// Parses and checks the command's arguments.
pub fn parse(name: &str, attrs: &[String], slots: &[String]) -> Result<Component, ResourceError> {
    let invalid = |m: String| Err(ResourceError::Invalid(m));
    if !snake(name) || crate::scaffold::KEYWORDS.contains(&name) || TAKEN.contains(&name) {
        return invalid(format!(
            "NAME `{name}` must be a snake_case name that is not a Rust keyword nor a core \
             component's ({}), e.g. `price_tag`",
            TAKEN.join(", ")
        ));
    }
    let mut names: Vec<&str> = vec!["inner_block", "rest"];
    let mut out = Vec::new();
    for (i, arg) in attrs.iter().enumerate() {
        let at = |m: &str| ResourceError::Invalid(format!("attribute {} `{arg}`: {m}", i + 1));
        let mut parts = arg.split(':');
        let attr = parts.next().unwrap_or_default();
        if !snake(attr) || crate::scaffold::KEYWORDS.contains(&attr) {
            return Err(at("the name must be snake_case and not a Rust keyword"));
        }
        if names.contains(&attr) {
            return Err(at("an attribute or slot of that name comes earlier (or is reserved)"));
        }
        names.push(attr);
        let kind = match parts.next() {
            Some("string") => "string",
            Some("int") => "int",
            Some("float") => "float",
            Some("bool") => "bool",
            Some(other) => return Err(at(&format!("unknown type `{other}` (types: {TYPES})"))),
            None => return Err(at(&format!("give a type: `{attr}:string` (types: {TYPES})"))),
        };
        let required = match parts.next() {
            None => false,
            Some("required") if kind == "bool" => {
                return Err(at("a bool is never required: left out, it is false"));
            }
            Some("required") => true,
            Some(other) => {
                return Err(at(&format!("unknown modifier `{other}` (only `required`)")));
            }
        };
        if parts.next().is_some() {
            return Err(at("one modifier at most: `NAME:TYPE:required`"));
        }
        let label = crate::resource::label_of(attr);
        let (base, example) = match kind {
            "string" => ("&'a str", format!("{:?}", format!("Example {}", attr.replace('_', " ")))),
            "int" => ("i64", "42".to_owned()),
            "float" => ("f64", "1.5".to_owned()),
            _ => ("bool", "true".to_owned()),
        };
        let optional = !required && kind != "bool";
        out.push(Attr {
            name: attr.to_owned(),
            label,
            kind,
            optional,
            rust: if optional { format!("Option<{base}>") } else { base.to_owned() },
            example: if optional { format!("Some({example})") } else { example },
        });
    }
    for slot in slots {
        if !snake(slot) || crate::scaffold::KEYWORDS.contains(&slot.as_str()) {
            return invalid(format!("--slot `{slot}` must be a snake_case name"));
        }
        if names.contains(&slot.as_str()) {
            return invalid(format!(
                "--slot `{slot}`: an attribute or slot of that name comes earlier"
            ));
        }
        names.push(slot);
    }
    let mut command = format!("zerogen component {name}");
    for arg in attrs {
        command.push(' ');
        command.push_str(arg);
    }
    for slot in slots {
        command.push_str(" --slot ");
        command.push_str(slot);
    }
    Ok(Component {
        name: name.to_owned(),
        type_name: name.split('_').map(crate::resource::label_of).collect(),
        human: name.replace('_', " "),
        class: name.replace('_', "-"),
        command,
        attrs: out,
        slots: slots.to_vec(),
    })
}

/// The start of the gallery's list of examples (its doc comment).
const EXAMPLES_START: &str = "/// A component's example in the gallery";
/// The line the gallery's list of examples ends with.
const EXAMPLES_END: &str = "// zerogen component adds a line above.";

impl Component {
    /// The files this component writes, rendered (not formatted yet).
    pub fn files(&self) -> Result<Vec<(String, String)>, RenderError> {
        let templates = Templates::of("component")?;
        let n = &self.name;
        Ok(vec![
            (format!("web/components/{n}.rs"), templates.render("component.rs", self)?),
            (format!("web/components/{n}.html.0x0"), templates.render("component.html.0x0", self)?),
            (format!("docs/components/{n}.md"), templates.render("docs.md", self)?),
        ])
    }

    /// `web/components/mod.rs` with the module, its re-export and its gallery example.
    fn registered(&self, code: &str) -> Result<String, String> {
        let (n, t) = (&self.name, &self.type_name);
        let declared = format!("mod {n};\npub use {n}::{t};\n");
        if code.contains(&declared) {
            return Ok(code.to_owned());
        }
        let Some(end) = code.find(EXAMPLES_END) else {
            return Err(format!(
                "web/components/mod.rs has no gallery list (a line `{EXAMPLES_END}` in `EXAMPLES`, as \
                 `zerogen new app` writes it): add it, then run this again"
            ));
        };
        let line_start = code[..end].rfind('\n').map_or(0, |i| i + 1);
        // The module goes before the list's doc comment (or the list), not after the tests.
        let list = code[..end].rfind(EXAMPLES_START).unwrap_or(line_start);
        let list = code[..list].rfind('\n').map_or(0, |i| i + 1);
        let mut out = String::with_capacity(code.len() + 80);
        out.push_str(&code[..list]);
        out.push_str(&declared);
        out.push('\n');
        out.push_str(&code[list..line_start]);
        out.push_str(&format!("    Example {{ name: {n:?}, render: {n}::example }},\n"));
        out.push_str(&code[line_start..]);
        Ok(out)
    }
}

/// Writes the component into the app at `root`; returns the files written and edited.
pub fn write(c: &Component, root: &Path, force: bool) -> Result<Vec<String>, ResourceError> {
    let failed = |e: RenderError| ResourceError::Invalid(e.to_string());
    let files = c.files().map_err(failed)?;
    let rows =
        Templates::of("component").and_then(|t| t.render("surface.tsv", c)).map_err(failed)?;
    let register = |code: &str| c.registered(code);
    crate::apptree::write_module(root, "web/components", &files, force, register, &rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn attributes_and_slots_parse_into_rust_types() {
        let c = parse(
            "price_tag",
            &args(&["amount:float:required", "currency:string", "sale:bool", "count:int"]),
            &args(&["actions"]),
        )
        .unwrap();
        assert_eq!(c.type_name, "PriceTag");
        let rust: Vec<&str> = c.attrs.iter().map(|a| a.rust.as_str()).collect();
        assert_eq!(rust, ["f64", "Option<&'a str>", "bool", "Option<i64>"]);
        assert_eq!(c.attrs[1].example, "Some(\"Example currency\")");
        assert_eq!(
            c.command,
            "zerogen component price_tag amount:float:required currency:string sale:bool \
             count:int --slot actions"
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_the_argument_named() {
        for (name, attrs, slots, expected) in [
            ("PriceTag", vec!["a:string"], vec![], "snake_case name"),
            ("button", vec!["a:string"], vec![], "core component"),
            ("tag", vec!["a"], vec![], "attribute 1 `a`: give a type"),
            ("tag", vec!["a:text"], vec![], "unknown type `text`"),
            ("tag", vec!["on:bool:required"], vec![], "a bool is never required"),
            ("tag", vec!["a:string", "a:int"], vec![], "attribute 2 `a:int`: an attribute"),
            ("tag", vec!["rest:string"], vec![], "reserved"),
            ("tag", vec!["a:string:optional"], vec![], "unknown modifier `optional`"),
            ("tag", vec!["a:string"], vec!["a"], "--slot `a`"),
            ("tag", vec!["type:string"], vec![], "Rust keyword"),
        ] {
            let e = parse(name, &args(&attrs), &args(&slots)).unwrap_err().to_string();
            assert!(e.contains(expected), "{name} {attrs:?} {slots:?}: {e}");
        }
    }

    #[test]
    fn the_module_and_its_example_are_registered_once() {
        let c = parse("tag", &args(&["a:string"]), &[]).unwrap();
        let code = "use x;\n\n/// A component's example in the gallery.\npub struct Example;\n\n\
                    pub const EXAMPLES: &[Example] = &[\n    \
                    // zerogen component adds a line above.\n];\n\n#[cfg(test)]\nmod tests {}\n";
        let once = c.registered(code).unwrap();
        let line = "    Example { name: \"tag\", render: tag::example },\n    // zerogen";
        assert!(once.contains(line), "{once}");
        assert!(
            once.contains("use x;\n\nmod tag;\npub use tag::Tag;\n\n/// A component's"),
            "{once}"
        );
        assert!(once.ends_with("#[cfg(test)]\nmod tests {}\n"), "the tests stay last: {once}");
        assert_eq!(c.registered(&once).unwrap(), once, "once");
        let e = c.registered("use x;\n").unwrap_err();
        assert!(e.contains("no gallery list"), "{e}");
    }
}
