//! Maps rustc's errors in generated template code back to the template.
//!
//! A type error in `title={count}` is found by rustc in `$OUT_DIR/zero-templates/page.rs`;
//! [`remap`] reads cargo's JSON message for it, looks the span up in `page.rs.map.json` (written
//! next to the code by the build) and returns a diagnostic at the template's line and column.

use std::path::{Path, PathBuf};

use serde_json::Value;
use zero_diag::{Diagnostic, Location, codes};

use crate::lower::SourceMap;

/// The source map written next to generated code `file`, if `file` is generated template code.
pub fn source_map_of(file: &Path) -> Option<SourceMap> {
    if !file.components().any(|c| c.as_os_str() == "zero-templates") {
        return None;
    }
    let mut map_path = file.as_os_str().to_owned();
    map_path.push(".map.json");
    let text = std::fs::read_to_string(PathBuf::from(map_path)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The template diagnostic for one rustc diagnostic (the `message` object of a cargo
/// `compiler-message`), or `None` when its primary span is not in generated template code.
///
/// `package_dir` is where template paths in the source map are relative to (the package root,
/// which is the build script's working folder), as the caller wants them named.
pub fn remap(message: &Value, package_dir: &Path) -> Option<Diagnostic> {
    let spans = message.get("spans")?.as_array()?;
    let primary =
        spans.iter().find(|s| s.get("is_primary").and_then(Value::as_bool) == Some(true))?;
    let file = primary.get("file_name")?.as_str()?;
    let map = source_map_of(Path::new(file))?;
    let number = |key: &str| {
        primary.get(key).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
    };
    let len = if number("line_start") == number("line_end") {
        number("column_end").saturating_sub(number("column_start"))
    } else {
        1
    };
    let (line, column, len) = map.lookup_span(number("line_start"), number("column_start"), len)?;
    let template = package_dir.join(&map.template).to_string_lossy().replace('\\', "/");
    let text = message.get("message").and_then(Value::as_str).unwrap_or("rustc error");
    let rustc_code = message.pointer("/code/code").and_then(Value::as_str);
    let mut headline = match rustc_code {
        Some(code) => format!("{text} [rustc {code}]"),
        None => text.to_owned(),
    };
    if let Some(label) = primary.get("label").and_then(Value::as_str) {
        headline.push_str(": ");
        headline.push_str(label);
    }
    let mut d = Diagnostic::error(
        codes::TPL_RUST_ERROR,
        Location::span(template, line, column, len),
        headline,
    );
    let mut helps = Vec::new();
    for child in message.get("children").and_then(Value::as_array).into_iter().flatten() {
        let Some(text) = child.get("message").and_then(Value::as_str) else { continue };
        match child.get("level").and_then(Value::as_str) {
            Some("help") => helps.push(text.to_owned()),
            _ => d = d.with_note(text),
        }
    }
    if !helps.is_empty() {
        d = d.with_help(helps.join("; "));
    }
    Some(d.with_note(format!("in generated code {file}:{}", number("line_start"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(dir: &Path) -> PathBuf {
        let code_dir = dir.join("zero-templates");
        std::fs::create_dir_all(&code_dir).unwrap();
        let code = code_dir.join("page.rs");
        std::fs::write(&code, "// generated\n").unwrap();
        let map = SourceMap {
            template: "templates/page.html.0x0".into(),
            entries: vec![crate::lower::MapEntry {
                generated_line: 12,
                generated_column: 29,
                len: 5,
                line: 3,
                column: 18,
            }],
        };
        std::fs::write(code_dir.join("page.rs.map.json"), serde_json::to_string(&map).unwrap())
            .unwrap();
        code
    }

    fn message(file: &Path, line: u64, column: u64) -> Value {
        serde_json::json!({
            "message": "mismatched types",
            "code": { "code": "E0308" },
            "level": "error",
            "spans": [
                { "file_name": "src/lib.rs", "line_start": 1, "line_end": 1, "column_start": 1,
                  "column_end": 2, "is_primary": false, "label": null },
                { "file_name": file.to_string_lossy(), "line_start": line, "line_end": line,
                  "column_start": column, "column_end": column + 5, "is_primary": true,
                  "label": "expected `&str`, found `&u32`" }
            ],
            "children": [
                { "message": "expected reference `&str`", "level": "note", "spans": [] },
                { "message": "consider converting", "level": "help", "spans": [] }
            ]
        })
    }

    #[test]
    fn errors_in_generated_code_point_into_the_template() {
        let dir = std::env::temp_dir().join(format!("zl-remap-{}", std::process::id()));
        let code = generated(&dir);
        let d = remap(&message(&code, 12, 31), Path::new("app")).unwrap();
        assert_eq!(d.code.id, "Z0432");
        assert_eq!(d.location.file, "app/templates/page.html.0x0");
        assert_eq!((d.location.line, d.location.column, d.location.len), (3, 20, 3));
        assert!(
            d.message.contains("mismatched types [rustc E0308]: expected `&str`"),
            "{}",
            d.message
        );
        assert_eq!(d.help, "consider converting");
        assert!(d.notes.iter().any(|n| n == "expected reference `&str`"));
        // Outside the expression: the start of the template code the line evaluates.
        let d = remap(&message(&code, 12, 3), Path::new("")).unwrap();
        assert_eq!((d.location.line, d.location.column, d.location.len), (3, 18, 5));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn errors_elsewhere_are_not_remapped() {
        let other = serde_json::json!({
            "message": "unused", "level": "warning",
            "spans": [{ "file_name": "src/lib.rs", "line_start": 1, "column_start": 1,
                        "is_primary": true }]
        });
        assert!(remap(&other, Path::new("")).is_none());
        let missing_map = message(Path::new("/nowhere/zero-templates/x.rs"), 1, 1);
        assert!(remap(&missing_map, Path::new("")).is_none());
        assert!(remap(&serde_json::json!({}), Path::new("")).is_none());
    }
}
