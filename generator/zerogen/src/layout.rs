//! `zerogen layout NAME`: another layout for the app's pages, called as `<.NAME_layout>`. It
//! writes `web/layouts/NAME_layout.rs` (the declaration and a test),
//! `web/layouts/NAME_layout.html.0x0` and `docs/layouts/NAME.md` from `templates/layout/`, and
//! adds the module to `web/layouts/mod.rs` and a ledger row. Nothing is written when the name is
//! invalid or a file exists (unless `--force`).

use std::path::Path;

use serde::Serialize;

use crate::render::{RenderError, Templates};
use crate::resource::{ResourceError, label_of, snake};

/// A layout, as its templates see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// `admin`.
    pub name: String,
    /// `admin_layout`: the call name, module and template.
    pub call: String,
    /// `AdminLayout`.
    pub type_name: String,
    /// `admin`, in sentences.
    pub human: String,
    /// `Admin`, in headings and the navigation's label.
    pub label: String,
    /// `admin`, its CSS class suffix.
    pub class: String,
}

/// Parses and checks the name.
pub fn parse(name: &str) -> Result<Layout, ResourceError> {
    let name = name.strip_suffix("_layout").unwrap_or(name);
    if !snake(name) || crate::scaffold::KEYWORDS.contains(&name) || matches!(name, "app" | "root") {
        return Err(ResourceError::Invalid(format!(
            "NAME `{name}` must be a snake_case name other than `app` and `root` (the layouts a \
             new app has), e.g. `admin` for `<.admin_layout>`"
        )));
    }
    let call = format!("{name}_layout");
    Ok(Layout {
        name: name.to_owned(),
        type_name: call.split('_').map(label_of).collect(),
        call,
        human: name.replace('_', " "),
        label: label_of(name),
        class: name.replace('_', "-"),
    })
}

impl Layout {
    /// The files this layout writes, rendered (not formatted yet).
    pub fn files(&self) -> Result<Vec<(String, String)>, RenderError> {
        let templates = Templates::of("layout")?;
        let (c, n) = (&self.call, &self.name);
        Ok(vec![
            (format!("web/layouts/{c}.rs"), templates.render("layout.rs", self)?),
            (format!("web/layouts/{c}.html.0x0"), templates.render("layout.html.0x0", self)?),
            (format!("docs/layouts/{n}.md"), templates.render("docs.md", self)?),
        ])
    }

    /// `web/layouts/mod.rs` with the module and its re-export, before the tests.
    fn registered(&self, code: &str) -> String {
        let declared = format!("mod {c};\npub use {c}::{t};\n", c = self.call, t = self.type_name);
        if code.contains(&declared) {
            return code.to_owned();
        }
        let at = code.find("\n#[cfg(test)]\n").map_or(code.len(), |i| i + 1);
        let mut out = String::with_capacity(code.len() + declared.len() + 1);
        out.push_str(&code[..at]);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&declared);
        out.push('\n');
        out.push_str(&code[at..]);
        out
    }
}

/// Writes the layout into the app at `root`; returns the files written and edited.
pub fn write(layout: &Layout, root: &Path, force: bool) -> Result<Vec<String>, ResourceError> {
    let failed = |e: RenderError| ResourceError::Invalid(e.to_string());
    let files = layout.files().map_err(failed)?;
    let rows =
        Templates::of("layout").and_then(|t| t.render("surface.tsv", layout)).map_err(failed)?;
    let register = |code: &str| Ok(layout.registered(code));
    crate::apptree::write_module(root, "web/layouts", &files, force, register, &rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_name_gives_the_call_and_type_and_bad_ones_are_refused() {
        let l = parse("admin_area").unwrap();
        assert_eq!(
            (l.call.as_str(), l.type_name.as_str()),
            ("admin_area_layout", "AdminAreaLayout")
        );
        assert_eq!(parse("admin_layout").unwrap().call, "admin_layout", "the suffix once");
        for bad in ["Admin", "app", "root", "type", "a-b"] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("must be a snake_case name"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_module_goes_before_the_tests_once() {
        let l = parse("admin").unwrap();
        let code = "pub struct AppLayout;\n\n#[cfg(test)]\nmod tests {}\n";
        let once = l.registered(code);
        assert_eq!(
            once,
            "pub struct AppLayout;\n\nmod admin_layout;\npub use admin_layout::AdminLayout;\n\n\
             #[cfg(test)]\nmod tests {}\n"
        );
        assert_eq!(l.registered(&once), once);
        assert!(
            l.registered("pub struct A;\n").ends_with(
                "pub struct A;\nmod admin_layout;\npub use admin_layout::AdminLayout;\n\n"
            )
        );
    }
}
