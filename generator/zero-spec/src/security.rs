//! `spec/security.toml`: the secure defaults every app starts from. The model and its rules
//! live in `zero-security` (the runtime reads the same types); this module reports a table's
//! faults at their file positions.

use zero_diag::{Diagnostic, Location, codes, line_col};
pub use zero_security::{
    Csp, Heartbeat, Limits, Mail, Origins, RateLimits, SecurityConfig, Tokens, Violation,
};

use crate::schema::TableSchema;

/// Reads and checks `spec/security.toml`.
pub fn load(file: &str, text: &str) -> (Option<SecurityConfig>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let config: SecurityConfig = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            let location = match e.span() {
                Some(span) => {
                    let (line, column) = line_col(text, span.start);
                    let len = text.get(span.clone()).map_or(1, |s| s.chars().count());
                    Location::span(file, line, column, zero_diag::to_u32(len))
                }
                None => Location::file(file),
            };
            diagnostics.push(Diagnostic::error(
                codes::TOML_SYNTAX,
                location,
                e.message().trim_end_matches('.').to_owned(),
            ));
            return (None, diagnostics);
        }
    };
    let schema = TableSchema::of::<SecurityConfig>();
    for (path, message) in schema.violations(&config) {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        diagnostics.push(Diagnostic::error(
            codes::SCHEMA,
            locate_key(file, text, &segments),
            format!("`{}`: {message}", segments.join(".")),
        ));
    }
    // A key the schema already faulted is not reported twice.
    let faulted: Vec<String> =
        diagnostics.iter().filter_map(|d| d.message.split('`').nth(1).map(str::to_owned)).collect();
    for Violation { key, message } in config.violations() {
        if faulted.contains(&key.join(".")) {
            continue;
        }
        diagnostics.push(Diagnostic::error(
            codes::INVALID_VALUE,
            locate_key(file, text, &key),
            message,
        ));
    }
    (Some(config), diagnostics)
}

/// Finds `key` (the last segment) inside the `[section]` named by the first, for a location.
fn locate_key(file: &str, text: &str, path: &[&str]) -> Location {
    let Some((key, sections)) = path.split_last() else {
        return Location::file(file);
    };
    let header = if sections.is_empty() { None } else { Some(format!("[{}]", sections.join("."))) };
    let mut in_section = header.is_none();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_section = header.as_deref().is_some_and(|h| trimmed.starts_with(h));
            if in_section && key.is_empty() {
                return Location::span(
                    file,
                    zero_diag::to_u32(i + 1),
                    1,
                    zero_diag::to_u32(line.len()),
                );
            }
            continue;
        }
        let name = trimmed.split('=').next().unwrap_or("").trim();
        if in_section && name == *key {
            let column = line.len() - trimmed.len() + 1;
            return Location::span(
                file,
                zero_diag::to_u32(i + 1),
                zero_diag::to_u32(column),
                zero_diag::to_u32(key.len()),
            );
        }
    }
    Location::file(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../../spec/security.toml");

    /// The keys the security reference documents, by section, from its `## \`[section]\``
    /// headings and `| \`key\` |` table rows.
    fn documented_keys(page: &str) -> std::collections::BTreeSet<String> {
        let mut section = String::new();
        let mut keys = std::collections::BTreeSet::new();
        for line in page.lines() {
            if let Some(name) = line.strip_prefix("## `[").and_then(|l| l.strip_suffix("]`")) {
                section = name.to_owned();
            } else if line.starts_with("## ") {
                section.clear();
            } else if let Some(rest) = line.strip_prefix("| `") {
                let key = rest.split('`').next().unwrap_or_default();
                if !section.is_empty() && !key.is_empty() {
                    keys.insert(format!("{section}.{key}"));
                }
            }
        }
        keys
    }

    #[test]
    fn the_security_reference_documents_exactly_the_models_keys() {
        let (config, _) = load("spec/security.toml", GOOD);
        let model = serde_json::to_value(config.unwrap()).unwrap();
        let mut keys = std::collections::BTreeSet::new();
        for (section, table) in model.as_object().unwrap() {
            for key in table.as_object().unwrap().keys() {
                keys.insert(format!("{section}.{key}"));
            }
        }
        let page = include_str!("../../../docs/reference/security.md");
        let documented = documented_keys(page);
        let undocumented: Vec<_> = keys.difference(&documented).collect();
        let unknown: Vec<_> = documented.difference(&keys).collect();
        assert!(undocumented.is_empty(), "keys of the model the page omits: {undocumented:?}");
        assert!(unknown.is_empty(), "keys the page documents that the model lacks: {unknown:?}");
        assert!(keys.contains("limits.max_frame_bytes") && keys.len() > 20, "{keys:?}");
        // The reader is a real check: a page that drops or invents a key is caught.
        let dropped = page.replace("| `max_frame_bytes` |", "| max_frame_bytes |");
        assert!(!documented_keys(&dropped).contains("limits.max_frame_bytes"));
        let invented = format!("{page}\n## `[limits]`\n| `max_magic` | x |\n");
        assert!(documented_keys(&invented).contains("limits.max_magic"));
    }

    #[test]
    fn framework_defaults_are_valid() {
        let (config, diagnostics) = load("spec/security.toml", GOOD);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let config = config.unwrap();
        assert_eq!(config.csp.script_src, vec!["'self'"]);
        assert!(config.origins.check_origin);
    }

    #[test]
    fn unknown_key_is_reported_with_position() {
        let text = GOOD.replace("[limits]\n", "[limits]\nmax_bogus = 3\n");
        let (config, diagnostics) = load("spec/security.toml", &text);
        assert!(config.is_none());
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!(d.code, codes::TOML_SYNTAX);
        assert!(d.message.contains("max_bogus"), "{}", d.message);
        let line = text.lines().position(|l| l.starts_with("max_bogus")).unwrap() + 1;
        assert_eq!(d.location.line as usize, line);
    }

    #[test]
    fn an_optional_mail_table_is_read_and_its_unknown_keys_refused() {
        let with_mail = format!("{GOOD}\n[mail]\nfrom = \"Blog <hi@example.com>\"\n");
        let (config, diagnostics) = load("spec/security.toml", &with_mail);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let mail = config.unwrap().mail.unwrap();
        assert_eq!(mail.from.as_deref(), Some("Blog <hi@example.com>"));
        assert_eq!(mail.base_url, None);
        let (_, diagnostics) =
            load("spec/security.toml", &format!("{with_mail}smtp_password = \"x\"\n"));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0].message.contains("smtp_password"), "{}", diagnostics[0].message);
    }

    #[test]
    fn unsafe_csp_and_bad_limits_are_all_reported() {
        let text = GOOD
            .replace("script_src = [\"'self'\"]", "script_src = [\"'self'\", \"'unsafe-inline'\"]")
            .replace("timeout_secs = 60", "timeout_secs = 10")
            .replace("mailbox_capacity = 256", "mailbox_capacity = 0");
        let (_, diagnostics) = load("spec/security.toml", &text);
        let mut found: Vec<_> = diagnostics.iter().map(|d| (d.code.id, d.location.line)).collect();
        found.sort();
        let line_of = |needle: &str| {
            zero_diag::to_u32(text.lines().position(|l| l.starts_with(needle)).unwrap() + 1)
        };
        let mut expected = vec![
            ("Z0104", line_of("mailbox_capacity")),
            ("Z0108", line_of("script_src")),
            ("Z0108", line_of("timeout_secs")),
        ];
        expected.sort();
        assert_eq!(found, expected, "{diagnostics:#?}");
    }
}
