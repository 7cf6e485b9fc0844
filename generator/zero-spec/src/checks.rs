//! Loading the framework's tables and the semantic checks a schema cannot express: unique
//! names, references that resolve, and rules across columns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zero_diag::{Diagnostic, Location, codes, to_u32};

use crate::security::{self, SecurityConfig};
use crate::tables::{
    AttrType, Budget, Component, ComponentAttr, ComponentSlot, LedgerRow, Route, RouteKind,
    ThemeToken, WireMessage,
};
use crate::tsv::{self, Table};
use crate::wire;

/// Every framework table, loaded and checked.
#[derive(Debug)]
pub struct FrameworkSpec {
    /// `spec/wire-protocol.tsv`.
    pub wire: Table<WireMessage>,
    /// `spec/budgets.tsv`.
    pub budgets: Table<Budget>,
    /// `spec/security.toml`, when it parsed.
    pub security: Option<SecurityConfig>,
    /// `spec/components.tsv`.
    pub components: Table<Component>,
    /// `spec/component-attrs.tsv`.
    pub attrs: Table<ComponentAttr>,
    /// `spec/component-slots.tsv`.
    pub slots: Table<ComponentSlot>,
    /// The surface ledger (`release/live-framework-surface.tsv`), for the docs: where each
    /// security key is enforced and proven. `zerogate` checks it; its faults are not repeated
    /// here.
    pub ledger: Table<LedgerRow>,
    /// Every problem found, in canonical order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a TSV table from `root/file`; an unreadable file is a `Z0109` diagnostic.
pub fn load_file<T>(root: &Path, file: &str) -> Table<T>
where
    T: DeserializeOwned + Serialize + JsonSchema,
{
    match std::fs::read_to_string(root.join(file)) {
        Ok(text) => tsv::load(file, &text),
        Err(e) => Table {
            file: file.to_owned(),
            columns: Vec::new(),
            rows: Vec::new(),
            diagnostics: vec![Diagnostic::error(
                codes::TABLE_MISSING,
                Location::file(file),
                format!("cannot read {file}: {e}"),
            )],
        },
    }
}

/// Loads and checks every framework table under `root/spec/`.
pub fn load_framework(root: &Path) -> FrameworkSpec {
    let wire = load_file::<WireMessage>(root, "spec/wire-protocol.tsv");
    let budgets = load_file::<Budget>(root, "spec/budgets.tsv");
    let components = load_file::<Component>(root, "spec/components.tsv");
    let attrs = load_file::<ComponentAttr>(root, "spec/component-attrs.tsv");
    let slots = load_file::<ComponentSlot>(root, "spec/component-slots.tsv");
    let security_file = "spec/security.toml";
    let (security, security_diagnostics) = match std::fs::read_to_string(root.join(security_file)) {
        Ok(text) => security::load(security_file, &text),
        Err(e) => (
            None,
            vec![Diagnostic::error(
                codes::TABLE_MISSING,
                Location::file(security_file),
                format!("cannot read {security_file}: {e}"),
            )],
        ),
    };

    let mut diagnostics = Vec::new();
    for table_diagnostics in [
        &wire.diagnostics,
        &budgets.diagnostics,
        &components.diagnostics,
        &attrs.diagnostics,
        &slots.diagnostics,
        &security_diagnostics,
    ] {
        diagnostics.extend(table_diagnostics.iter().cloned());
    }
    check_wire(&wire, &mut diagnostics);
    unique(&budgets, "id", |b| b.id.clone(), &mut diagnostics);
    check_components(&components, &attrs, &slots, &mut diagnostics);
    zero_diag::sort(&mut diagnostics);
    let ledger = load_file::<LedgerRow>(root, "release/live-framework-surface.tsv");
    FrameworkSpec { wire, budgets, security, components, attrs, slots, ledger, diagnostics }
}

/// Reports rows whose `key` repeats an earlier row's, pointing at both.
pub fn unique<T>(
    table: &Table<T>,
    column: &str,
    key: impl Fn(&T) -> String,
    out: &mut Vec<Diagnostic>,
) {
    let mut first: BTreeMap<String, u32> = BTreeMap::new();
    for row in &table.rows {
        let k = key(&row.value);
        if let Some(line) = first.get(&k) {
            out.push(
                Diagnostic::error(
                    codes::DUPLICATE_KEY,
                    table.location(row, column),
                    format!("`{k}` is already defined on line {line}"),
                )
                .with_help(format!("`{column}` must be unique in {}", table.file)),
            );
        } else {
            first.insert(k, row.line);
        }
    }
}

fn check_wire(wire: &Table<WireMessage>, out: &mut Vec<Diagnostic>) {
    unique(wire, "kind", |m| m.kind.clone(), out);
    for row in &wire.rows {
        if let Err((offset, message)) = wire::parse_fields(&row.value.fields) {
            let mut location = wire.location(row, "fields");
            let item_len = row.value.fields[offset..].split(',').next().map_or(1, str::len);
            location.column += to_u32(row.value.fields[..offset].chars().count());
            location.len = to_u32(item_len.max(1));
            out.push(Diagnostic::error(codes::INVALID_VALUE, location, message).with_help(
                "write fields as `name:type` or `name?:type`, comma-separated; `-` for none",
            ));
        }
    }
}

fn check_components(
    components: &Table<Component>,
    attrs: &Table<ComponentAttr>,
    slots: &Table<ComponentSlot>,
    out: &mut Vec<Diagnostic>,
) {
    unique(components, "name", |c| c.name.clone(), out);
    unique(attrs, "name", |a| format!("{}.{}", a.component, a.name), out);
    unique(slots, "name", |s| format!("{}.{}", s.component, s.name), out);
    let names: BTreeSet<&str> = components.rows.iter().map(|r| r.value.name.as_str()).collect();
    let unresolved = |location: Location, component: &str| {
        Diagnostic::error(
            codes::UNRESOLVED_REFERENCE,
            location,
            format!("component `{component}` is not declared in spec/components.tsv"),
        )
    };
    for row in &attrs.rows {
        let a = &row.value;
        if !names.contains(a.component.as_str()) {
            out.push(unresolved(attrs.location(row, "component"), &a.component));
        }
        let mut rule = |ok: bool, column: &str, message: String| {
            if !ok {
                out.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    attrs.location(row, column),
                    message,
                ));
            }
        };
        rule(
            !(a.required && a.default.is_some()),
            "default",
            format!("attr `{}` is required, so a default is never used", a.name),
        );
        rule(
            (a.ty == AttrType::Enum) != a.values.is_empty(),
            "values",
            format!(
                "attr `{}`: `values` is required for type enum and only allowed for it",
                a.name
            ),
        );
        if let Some(default) = &a.default {
            let ok = match a.ty {
                AttrType::Bool => default == "true" || default == "false",
                AttrType::Int => default.parse::<i64>().is_ok(),
                AttrType::Float => default.parse::<f64>().is_ok(),
                AttrType::Enum => a.values.items().iter().any(|v| v == default),
                _ => true,
            };
            rule(
                ok,
                "default",
                format!(
                    "default `{default}` is not a valid {} value",
                    format!("{:?}", a.ty).to_lowercase()
                ),
            );
        }
    }
    for row in &slots.rows {
        let s = &row.value;
        if !names.contains(s.component.as_str()) {
            out.push(unresolved(slots.location(row, "component"), &s.component));
        }
        for attr in s.attrs.items() {
            let ty = attr.split_once(':').map(|(_, t)| t);
            let ok = ty.is_some_and(|t| {
                serde_json::from_value::<AttrType>(serde_json::Value::String(t.to_owned())).is_ok()
            });
            if !ok {
                out.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    slots.location(row, "attrs"),
                    format!("slot attr `{attr}` is not `name:type` with a known attr type"),
                ));
            }
        }
    }
}

/// The colour tokens a theme must have, each a `#rrggbb` (or `#rgb`) colour.
pub const THEME_COLOURS: &[&str] =
    &["bg", "fg", "muted", "accent", "accent-fg", "surface", "border", "error", "success"];

/// The text and background colours used together, checked in both schemes against WCAG's
/// 4.5:1 (normal text, level AA): text, secondary text, links, errors and confirmations on
/// the page and on surfaces, and the text of a primary button.
pub const THEME_CONTRASTS: &[(&str, &str)] = &[
    ("fg", "bg"),
    ("fg", "surface"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("accent", "bg"),
    ("accent", "surface"),
    ("accent-fg", "accent"),
    ("error", "bg"),
    ("error", "surface"),
    ("success", "bg"),
];

/// WCAG's minimum contrast for normal text (level AA).
pub const MIN_CONTRAST: f64 = 4.5;

/// The red, green and blue of `#rrggbb` or `#rgb`.
pub fn hex_colour(value: &str) -> Option<[u8; 3]> {
    let hex = value.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        6 => Some([channel(&hex[0..2])?, channel(&hex[2..4])?, channel(&hex[4..6])?]),
        3 => {
            let twice = |i: usize| channel(&hex[i..=i].repeat(2));
            Some([twice(0)?, twice(1)?, twice(2)?])
        }
        _ => None,
    }
}

/// The contrast ratio of two colours, 1 to 21 (WCAG 2's relative luminance).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let luminance = |c: [u8; 3]| {
        let linear = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2])
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Checks an app's theme table: unique tokens, values a declaration can hold, every colour
/// token present as a hex colour, and each text colour readable (4.5:1) on the backgrounds it
/// is used on, in the light and in the dark scheme.
pub fn check_theme(theme: &Table<ThemeToken>, out: &mut Vec<Diagnostic>) {
    unique(theme, "token", |t| t.token.clone(), out);
    for row in &theme.rows {
        let t = &row.value;
        for (column, value) in [("light", Some(&t.light)), ("dark", t.dark.as_ref())] {
            let Some(value) = value else { continue };
            if value.contains([';', '{', '}', '<', '>', '\\']) || value.contains("/*") {
                out.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        theme.location(row, column),
                        format!("`{value}` is not a value a CSS declaration can hold"),
                    )
                    .with_help("a token's value is one CSS value: `#0b5cad`, `0.375rem`, `system-ui, sans-serif`"),
                );
            } else if THEME_COLOURS.contains(&t.token.as_str()) && hex_colour(value).is_none() {
                out.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        theme.location(row, column),
                        format!("colour token `{}` is `{value}`, not a `#rrggbb` colour", t.token),
                    )
                    .with_help(
                        "write colour tokens as hex, so their contrast can be checked: `#1b1f24`",
                    ),
                );
            }
        }
    }
    let find = |token: &str| theme.rows.iter().find(|r| r.value.token == token);
    let missing: Vec<&str> = THEME_COLOURS.iter().copied().filter(|c| find(c).is_none()).collect();
    if !missing.is_empty() {
        out.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                Location::span(theme.file.clone(), 1, 1, 1),
                format!("the theme has no `{}` token", missing.join("`, `")),
            )
            .with_help(format!(
                "a theme names every colour the app's CSS uses: {}",
                THEME_COLOURS.join(", ")
            )),
        );
        return;
    }
    for (scheme, dark) in [("light", false), ("dark", true)] {
        let colour = |token: &str| {
            let row = find(token)?;
            let value = if dark {
                row.value.dark.as_ref().unwrap_or(&row.value.light)
            } else {
                &row.value.light
            };
            hex_colour(value).map(|c| (c, row))
        };
        for (text, background) in THEME_CONTRASTS {
            let (Some((fg, row)), Some((bg, _))) = (colour(text), colour(background)) else {
                continue;
            };
            let ratio = contrast(fg, bg);
            if ratio < MIN_CONTRAST {
                let column = if dark && row.value.dark.is_some() { "dark" } else { "light" };
                out.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        theme.location(row, column),
                        format!(
                            "`{text}` on `{background}` has a contrast of {ratio:.2}:1 in the {scheme} scheme, under {MIN_CONTRAST}:1"
                        ),
                    )
                    .with_help(format!("darken or lighten `{text}` or `{background}` ({scheme}) until text on it is readable (WCAG AA)")),
                );
            }
        }
    }
}

/// Checks an app's routes table: unique paths and names, live and static routes use GET,
/// and path segments are well formed.
pub fn check_routes(routes: &Table<Route>, out: &mut Vec<Diagnostic>) {
    unique(routes, "path", |r| format!("{:?} {}", r.method, r.full_path()), out);
    // A mounted package owns every path under its own: the app's rows stay out of it.
    for mount in routes.rows.iter().filter(|r| r.value.kind == RouteKind::Mount) {
        let prefix = mount.value.full_path();
        for row in routes.rows.iter().filter(|r| r.line != mount.line) {
            let path = row.value.full_path();
            let under = path.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with('/'));
            if under || (path == prefix && row.value.method != crate::tables::Method::Get) {
                out.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        routes.location(row, "path"),
                        format!(
                            "`{path}` is under `{prefix}`, where package `{}` is mounted ({}:{})",
                            mount.value.target, routes.file, mount.line
                        ),
                    )
                    .with_help("give the route a path outside the package's, or mount the package elsewhere"),
                );
            }
        }
    }
    let named = Table {
        file: routes.file.clone(),
        columns: routes.columns.clone(),
        rows: routes.rows.iter().filter(|r| r.value.name.is_some()).cloned().collect(),
        diagnostics: Vec::new(),
    };
    unique(&named, "name", |r| r.name.clone().unwrap_or_default(), out);
    for row in &routes.rows {
        let r = &row.value;
        if r.kind != RouteKind::Http && r.method != crate::tables::Method::Get {
            out.push(Diagnostic::error(
                codes::INVALID_VALUE,
                routes.location(row, "method"),
                format!("a {:?} route must use GET", r.kind).to_lowercase(),
            ));
        }
        let segments: Vec<&str> = r.path.split('/').skip(1).collect();
        for (i, segment) in segments.iter().enumerate() {
            let param = segment.strip_prefix(':').or_else(|| segment.strip_prefix('*'));
            let bad = match param {
                Some(name) => {
                    name.is_empty()
                        || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        || (segment.starts_with('*') && i + 1 != segments.len())
                }
                None => segment.contains([':', '*']),
            };
            if bad {
                out.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        routes.location(row, "path"),
                        format!(
                            "path segment `{segment}` is not a literal, `:param` or a final `*tail`"
                        ),
                    )
                    .with_help(
                        "parameters are `:snake_case`; a `*tail` may only be the last segment",
                    ),
                );
            }
        }
        // A navigation link goes to one page: a GET live or http route without parameters.
        if r.nav.is_some()
            && (r.kind == RouteKind::Static
                || r.method != crate::tables::Method::Get
                || segments.iter().any(|s| s.starts_with([':', '*'])))
        {
            out.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    routes.location(row, "nav"),
                    "only a GET live, http or mount route without parameters can be a navigation link",
                )
                .with_help("leave `nav` empty here, and give it to the page the link should open"),
            );
        }
        // Live routes take `:param` segments (read with `ctx.param`), not a `*tail`; static
        // folders take neither.
        let refused = match r.kind {
            RouteKind::Http => None,
            RouteKind::Mount => (r.full_path() == "/"
                || segments.iter().any(|s| s.starts_with([':', '*'])))
            .then_some((
                "a mount's path is a literal prefix below `/`",
                "a package is mounted under a path of its own: `/kb`",
            )),
            RouteKind::Live => segments.iter().any(|s| s.starts_with('*')).then_some((
                "a live route cannot have a `*tail` parameter",
                "name each segment: `/posts/:id`",
            )),
            RouteKind::Static => segments.iter().any(|s| s.starts_with([':', '*'])).then_some((
                "a static route cannot have path parameters",
                "a static route serves a folder under its path prefix",
            )),
        };
        if let Some((message, help)) = refused {
            out.push(
                Diagnostic::error(codes::INVALID_VALUE, routes.location(row, "path"), message)
                    .with_help(help),
            );
        }
        let rust_path = |t: &str| {
            t.split("::").all(|part| {
                part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        let bad_target = match r.kind {
            RouteKind::Static => r.target.starts_with('/') || r.target.contains(".."),
            RouteKind::Live | RouteKind::Http => !rust_path(&r.target),
            RouteKind::Mount => {
                !rust_path(&r.target) || r.target.contains("::") || r.target.starts_with('_')
            }
        };
        if bad_target {
            let help = if r.kind == RouteKind::Static {
                "a static route's target is a folder relative to the app (`web/assets`)"
            } else if r.kind == RouteKind::Mount {
                "a mount's target is the package's crate, as Rust names it (`kb`, `help_desk`)"
            } else {
                "a live or http route's target is a Rust path from the crate root (`web::live::home::Home`)"
            };
            out.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    routes.location(row, "target"),
                    format!("target `{}` is not valid for a {:?} route", r.target, r.kind)
                        .replace("Live", "live")
                        .replace("Http", "http")
                        .replace("Static", "static")
                        .replace("Mount", "mount"),
                )
                .with_help(help),
            );
        }
        let bad_name = r.name.as_ref().filter(|name| {
            !name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
        if let Some(name) = bad_name {
            out.push(Diagnostic::error(
                codes::INVALID_VALUE,
                routes.location(row, "name"),
                format!("route name `{name}` is not snake_case"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }

    #[test]
    fn framework_tables_are_valid_and_complete() {
        let spec = load_framework(repo_root());
        assert!(spec.diagnostics.is_empty(), "{:#?}", spec.diagnostics);
        let kinds: Vec<&str> = spec.wire.rows.iter().map(|r| r.value.kind.as_str()).collect();
        for kind in [
            "join",
            "params",
            "event",
            "diff",
            "heartbeat",
            "upload",
            "reply",
            "error",
            "redirect",
            "patch",
            "close",
        ] {
            assert!(kinds.contains(&kind), "wire protocol lacks `{kind}`");
        }
        assert!(spec.budgets.rows.len() >= 5);
        assert!(spec.security.is_some());
        assert!(!spec.components.rows.is_empty());
    }

    fn with_file(file: &str, edit: impl Fn(String) -> String) -> FrameworkSpec {
        let dir = tempdir_with_spec();
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(text)).unwrap();
        let spec = load_framework(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        spec
    }

    fn tempdir_with_spec() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "zero-spec-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        for entry in std::fs::read_dir(repo_root().join("spec")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join("spec").join(entry.file_name())).unwrap();
        }
        dir
    }

    #[test]
    fn duplicate_wire_kind_and_bad_field_list_are_reported() {
        let spec = with_file("spec/wire-protocol.tsv", |t| {
            format!("{t}join\tto_server\tx:strng\t1\t4096\tagain\n")
        });
        let found: Vec<_> = spec.diagnostics.iter().map(|d| d.code.id).collect();
        assert_eq!(found, vec!["Z0105", "Z0108"], "{:#?}", spec.diagnostics);
        let bad_field = &spec.diagnostics[1];
        assert!(bad_field.message.contains("unknown field type `strng`"));
        assert_eq!(bad_field.location.column, 16);
    }

    #[test]
    fn attr_of_unknown_component_does_not_resolve() {
        let spec = with_file("spec/component-attrs.tsv", |t| {
            format!("{t}nope\tkind\tenum\tfalse\tred\tblue,green\tcolour\n")
        });
        let found: Vec<_> =
            spec.diagnostics.iter().map(|d| (d.code.id, d.location.column)).collect();
        assert_eq!(found, vec![("Z0106", 1), ("Z0108", 22)], "{:#?}", spec.diagnostics);
    }

    #[test]
    fn missing_table_is_reported() {
        let dir = tempdir_with_spec();
        std::fs::remove_file(dir.join("spec/budgets.tsv")).unwrap();
        let spec = load_framework(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(spec.diagnostics.len(), 1);
        assert_eq!(spec.diagnostics[0].code, codes::TABLE_MISSING);
    }

    const ROUTES: &str = "method\tpath\tkind\ttarget\tpipeline\tscope\tname\n";

    fn routes(body: &str) -> Vec<Diagnostic> {
        let table: Table<Route> = tsv::load("spec/routes.tsv", &format!("{ROUTES}{body}"));
        let mut out = table.diagnostics.clone();
        check_routes(&table, &mut out);
        out
    }

    fn theme(body: &str) -> Vec<Diagnostic> {
        let table: Table<ThemeToken> =
            tsv::load("spec/theme.tsv", &format!("token\tlight\tdark\tuse\n{body}"));
        let mut out = table.diagnostics.clone();
        check_theme(&table, &mut out);
        out
    }

    const GOOD_THEME: &str = concat!(
        "bg\t#ffffff\t#0d1117\t\nfg\t#1b1f24\t#e6edf3\t\nmuted\t#57606a\t#9aa5b1\t\n",
        "accent\t#0b5cad\t#58a6ff\t\naccent-fg\t#fff\t#0d1117\t\nsurface\t#f3f5f7\t#161b22\t\n",
        "border\t#d0d7de\t#30363d\t\nerror\t#a4161a\t#ff7b72\t\nsuccess\t#1a7f37\t#3fb950\t\n",
        "radius\t0.375rem\t\tcorners\nfont\tsystem-ui, sans-serif\t\t\n",
    );

    #[test]
    fn a_readable_theme_passes_and_contrast_is_wcags() {
        assert!(theme(GOOD_THEME).is_empty(), "{:#?}", theme(GOOD_THEME));
        let (black, white) = ([0, 0, 0], [255, 255, 255]);
        assert!((contrast(black, white) - 21.0).abs() < 1e-9);
        assert!((contrast(white, white) - 1.0).abs() < 1e-9);
        // #767676 on white is the lightest grey that passes AA.
        assert!(contrast(hex_colour("#767676").unwrap(), white) >= MIN_CONTRAST);
        assert!(contrast(hex_colour("#777777").unwrap(), white) < MIN_CONTRAST);
        assert_eq!(hex_colour("#abc"), Some([0xaa, 0xbb, 0xcc]));
        assert_eq!(hex_colour("red"), None);
        assert_eq!(hex_colour("#12345g"), None);
    }

    #[test]
    fn unreadable_colours_bad_values_and_missing_tokens_are_reported_at_their_cell() {
        // Light muted text too pale on the surface; dark links too dark on the page.
        let pale = GOOD_THEME
            .replace("muted\t#57606a", "muted\t#8c959f")
            .replace("accent\t#0b5cad\t#58a6ff", "accent\t#0b5cad\t#1f3b66");
        let out = theme(&pale);
        let found: Vec<_> = out.iter().map(|d| (d.location.line, d.location.column)).collect();
        assert_eq!(found, vec![(4, 7), (4, 7), (5, 16), (5, 16), (6, 16)], "{out:#?}");
        assert!(
            out[0].message.contains("`muted` on `bg` has a contrast of 3."),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("in the light scheme"), "{}", out[0].message);
        assert!(
            out[2].message.contains("`accent` on `bg`") && out[2].message.contains("dark scheme")
        );
        assert!(out[4].message.contains("`accent-fg` on `accent`"), "{}", out[4].message);
        let bad = GOOD_THEME
            .replace("radius\t0.375rem", "radius\t1rem; color: red")
            .replace("error\t#a4161a", "error\tcrimson");
        let out = theme(&format!("{bad}radius\t2px\t\t\n"));
        let messages: Vec<&str> = out.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(out.len(), 3, "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("already defined")), "{messages:#?}");
        assert!(messages.iter().any(|m| m.contains("`crimson`, not a `#rrggbb` colour")));
        assert!(messages.iter().any(|m| m.contains("not a value a CSS declaration can hold")));
        let out = theme("bg\t#fff\t\t\n");
        assert!(out[0].message.contains("no `fg`, `muted`"), "{}", out[0].message);
        assert_eq!((out[0].location.line, out[0].location.column), (1, 1));
    }

    #[test]
    fn good_routes_pass() {
        let out = routes(concat!(
            "GET\t/\tlive\tlive::home::Home\tbrowser\t/\thome\n",
            "GET\t/posts\tlive\tlive::posts::Index\tbrowser\t/\tposts\n",
            "GET\t/posts/:id\thttp\tcontrollers::posts::show\tbrowser\t/\tpost\n",
            "POST\t/posts\thttp\tcontrollers::posts::create\tbrowser\t/\t\n",
            "GET\t/files/*path\thttp\tcontrollers::files::get\tapi\t/\t\n",
            "GET\t/assets\tstatic\tweb/assets\tassets\t/\t\n",
            "GET\t/kb\tmount\tkb\tbrowser\t/\tkb\n",
            "GET\t/help\tmount\thelp_desk\tbrowser\t/admin\t\n",
            "GET\t/kbase\tlive\tlive::kbase::Kbase\tbrowser\t/\t\n",
        ));
        assert!(out.is_empty(), "{out:#?}");
    }

    #[test]
    fn a_mount_owns_the_paths_under_it_and_names_a_crate() {
        let out = routes(concat!(
            "GET\t/kb\tmount\tkb\tbrowser\t/\tkb\n",
            "GET\t/kb/new\tlive\tlive::x::X\tbrowser\t/\t\n",
            "POST\t/kb\thttp\th::post\tbrowser\t/\t\n",
            "GET\t/\tmount\twiki\tbrowser\t/\t\n",
            "GET\t/docs/:id\tmount\tdocs\tbrowser\t/\t\n",
            "GET\t/help\tmount\thelp::desk\tbrowser\t/\t\n",
            "GET\t/a/kb\tlive\tlive::y::Y\tbrowser\t/\t\n",
        ));
        let found: Vec<_> = out.iter().map(|d| (d.location.line, d.message.as_str())).collect();
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(
            found[0].0 == 3
                && found[0].1.contains(
                    "`/kb/new` is under `/kb`, where package `kb` is mounted (spec/routes.tsv:2)"
                ),
            "{found:#?}"
        );
        assert!(found[1].0 == 4 && found[1].1.contains("`/kb` is under `/kb`"), "{found:#?}");
        // Every path is under `/`: the mount at `/` is refused, not the rows under it.
        assert!(found[2].0 == 5 && found[2].1.contains("a literal prefix below `/`"), "{found:#?}");
        assert!(found[3].0 == 6 && found[3].1.contains("a literal prefix below `/`"), "{found:#?}");
        assert!(
            found[4].0 == 7
                && found[4].1.contains("target `help::desk` is not valid for a mount route"),
            "{found:#?}"
        );
    }

    #[test]
    fn bad_routes_are_all_reported() {
        let out = routes(concat!(
            "GET\t/\tlive\tlive::home::Home\tbrowser\t/\thome\n",
            "GET\t/\tlive\tlive::home::Other\tbrowser\t/\tother\n",
            "POST\t/x\tlive\tlive::x::X\tbrowser\t/\thome\n",
            "GET\t/a/*rest/b\thttp\th\tbrowser\t/\t\n",
            "GET\t/a\tsideways\th\tbrowser\t/\t\n",
        ));
        let found: Vec<_> = out.iter().map(|d| (d.code.id, d.location.line)).collect();
        assert_eq!(
            found,
            vec![("Z0104", 6), ("Z0105", 3), ("Z0105", 4), ("Z0108", 4), ("Z0108", 5)],
            "{out:#?}"
        );
    }

    #[test]
    fn live_routes_with_parameters_and_bad_targets_are_reported() {
        let out = routes(concat!(
            "GET\t/posts/*rest\tlive\tlive::posts::Show\tbrowser\t/\tpost\n",
            "GET\t/a\thttp\tnot a path\tbrowser\t/\t\n",
            "GET\t/b\tlive\tweb::Home()\tbrowser\t/\t\n",
            "GET\t/s\tstatic\t../secrets\tbrowser\t/\t\n",
            "GET\t/t\tstatic\t/etc\tbrowser\t/\t\n",
        ));
        let found: Vec<_> = out.iter().map(|d| (d.location.line, d.message.clone())).collect();
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].1.contains("cannot have a `*tail`"), "{found:#?}");
        assert!(out[0].help.contains("/posts/:id"));
        for (line, message) in &found[1..] {
            assert!(message.contains("is not valid for a"), "{line}: {message}");
        }
        assert!(found[1].1.ends_with("http route") && found[3].1.ends_with("static route"));
    }

    #[test]
    fn navigation_links_go_to_pages_without_parameters() {
        let table = |body: &str| {
            let text = format!("method\tpath\tkind\ttarget\tpipeline\tscope\tname\tnav\n{body}");
            let table: Table<Route> = tsv::load("spec/routes.tsv", &text);
            let mut out = table.diagnostics.clone();
            check_routes(&table, &mut out);
            (table, out)
        };
        let (good, out) = table(concat!(
            "GET\t/\tlive\tlive::home::Home\tbrowser\t/\thome\tHome\n",
            "GET\t/posts/:id\tlive\tlive::posts::Show\tbrowser\t/\tpost\t\n",
            "GET\t/report\thttp\thttp::report\tbrowser\t/\t\tReport\n",
        ));
        assert!(out.is_empty(), "{out:#?}");
        let navs: Vec<_> = good.rows.iter().map(|r| r.value.nav.clone()).collect();
        assert_eq!(navs, [Some("Home".to_owned()), None, Some("Report".to_owned())]);
        let (_, out) = table(concat!(
            "GET\t/posts/:id\tlive\tlive::posts::Show\tbrowser\t/\tpost\tPost\n",
            "POST\t/posts\thttp\thttp::create\tbrowser\t/\t\tNew\n",
            "GET\t/assets\tstatic\tweb/assets\tbrowser\t/\t\tFiles\n",
        ));
        let found: Vec<_> = out.iter().map(|d| (d.location.line, d.location.column)).collect();
        assert_eq!(found, [(2, 54), (3, 42), (4, 42)], "{out:#?}");
        assert!(out.iter().all(|d| d.message.contains("navigation link")), "{out:#?}");
        // A table without the column (an app made before it) loads as before.
        assert!(routes("GET\t/\tlive\tlive::home::Home\tbrowser\t/\thome\n").is_empty());
    }
}
