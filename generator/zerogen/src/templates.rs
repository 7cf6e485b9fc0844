//! Templates as the generator sees them: the core components of `spec/components*.tsv` as a
//! registry the template compiler checks calls against, and checking template files.

use std::path::{Path, PathBuf};

use zero_diag::{Diagnostic, SourceCache};
use zero_spec::FrameworkSpec;
use zero_spec::tables::AttrType as SpecType;
use zero_template::{AttrDef, AttrType, ComponentDef, Components, SlotDef};

use crate::term::Printer;

/// The file extension of templates.
pub const EXTENSION: &str = ".html.0x0";

fn attr_type(ty: SpecType) -> AttrType {
    match ty {
        SpecType::String => AttrType::String,
        SpecType::Bool => AttrType::Bool,
        SpecType::Int => AttrType::Int,
        SpecType::Float => AttrType::Float,
        SpecType::Enum => AttrType::Enum,
        SpecType::Js | SpecType::Field | SpecType::Form | SpecType::List | SpecType::Any => {
            AttrType::Any
        }
    }
}

/// The core components declared in the framework's tables.
pub fn core_components(spec: &FrameworkSpec) -> Components {
    let mut components = Components::default();
    for row in &spec.components.rows {
        let c = &row.value;
        let attrs = spec
            .attrs
            .rows
            .iter()
            .map(|r| &r.value)
            .filter(|a| a.component == c.name)
            .map(|a| AttrDef {
                name: a.name.clone(),
                ty: attr_type(a.ty),
                required: a.required,
                values: a.values.items().to_vec(),
                rust: None,
            })
            .collect();
        let slots = spec
            .slots
            .rows
            .iter()
            .map(|r| &r.value)
            .filter(|s| s.component == c.name)
            .map(|s| SlotDef {
                name: s.name.clone(),
                required: s.required,
                multiple: s.multiple,
                attrs: s
                    .attrs
                    .items()
                    .iter()
                    .filter_map(|item| item.split_once(':'))
                    .map(|(name, ty)| AttrDef {
                        name: name.to_owned(),
                        ty: serde_json::from_value::<SpecType>(serde_json::Value::String(
                            ty.to_owned(),
                        ))
                        .map_or(AttrType::Any, attr_type),
                        required: false,
                        values: Vec::new(),
                        rust: None,
                    })
                    .collect(),
                rust: None,
            })
            .collect();
        components.insert(ComponentDef {
            name: c.name.clone(),
            global_attrs: c.global_attrs,
            attrs,
            slots,
            rust: None,
        });
    }
    components
}

/// Checks the template at `root/file` (repository-relative).
pub fn check_file(
    root: &Path,
    file: &str,
    components: &Components,
) -> std::io::Result<Vec<Diagnostic>> {
    let source = read_source(&root.join(file))?;
    Ok(zero_template::check(file, &source, components).diagnostics)
}

/// The components templates under `root` may call: the core components when `root` has the
/// framework's component tables, none otherwise.
pub fn components_for(root: &Path) -> Components {
    if root.join("spec/components.tsv").is_file() {
        let spec = zero_spec::load_framework(root);
        if spec.diagnostics.is_empty() {
            return core_components(&spec);
        }
    }
    Components::default()
}

/// Reads a template, naming it in the error.
fn read_source(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))
}

/// Every template file under `paths` (files as given, folders searched), sorted.
pub fn find(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else if path.is_file() {
            found.push(path.clone());
        } else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no such file or folder", path.display()),
            ));
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
    {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            walk(&path, found)?;
        } else if path.to_string_lossy().ends_with(EXTENSION) {
            found.push(path);
        }
    }
    Ok(())
}

/// The name a template has in diagnostics: relative to `root` when inside it.
fn display_name(root: &Path, path: &Path) -> String {
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    absolute.strip_prefix(&root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// `zerogen templates check`: returns whether every template is clean.
pub fn run_check(
    printer: &Printer,
    root: &Path,
    paths: &[PathBuf],
    components: &Components,
    json: bool,
) -> std::io::Result<bool> {
    let files = find(paths)?;
    let mut diagnostics = Vec::new();
    let mut sources = SourceCache::new(Path::new("."));
    for path in &files {
        let name = display_name(root, path);
        let source = read_source(path)?;
        diagnostics.extend(zero_template::check(&name, &source, components).diagnostics);
        sources.insert(&name, source);
    }
    zero_diag::sort(&mut diagnostics);
    if json {
        let value = serde_json::json!({ "templates": files.len(), "findings": diagnostics });
        printer.result(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else if !diagnostics.is_empty() {
        printer.result(&zero_diag::render_all(&diagnostics, &mut sources));
    }
    printer
        .status("Checked", &format!("{} templates, {} problems", files.len(), diagnostics.len()));
    Ok(diagnostics.is_empty())
}

/// What `zerogen templates dump` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dump {
    /// The generated Rust code.
    Code,
    /// The tokens.
    Tokens,
    /// The tree.
    Ast,
    /// The source map.
    Map,
}

/// `zerogen templates dump`: returns false when the template has problems (printed instead).
pub fn run_dump(
    printer: &Printer,
    root: &Path,
    file: &Path,
    components: &Components,
    what: Dump,
) -> std::io::Result<bool> {
    let name = display_name(root, file);
    let source = read_source(file)?;
    if what == Dump::Tokens {
        let (tokens, _) = zero_template::lexer::lex(&source);
        printer.result(&serde_json::to_string_pretty(&tokens).unwrap_or_default());
        return Ok(true);
    }
    let checked = zero_template::check(&name, &source, components);
    let mut sources = SourceCache::new(Path::new("."));
    sources.insert(&name, source.clone());
    if !checked.diagnostics.is_empty() {
        printer.result(&zero_diag::render_all(&checked.diagnostics, &mut sources));
        return Ok(false);
    }
    if what == Dump::Ast {
        printer.result(&serde_json::to_string_pretty(&checked.nodes).unwrap_or_default());
        return Ok(true);
    }
    match zero_template::lower::lower(
        &name,
        &source,
        &checked.nodes,
        components,
        &zero_template::lower::Options::default(),
    ) {
        Ok(lowered) if what == Dump::Map => {
            printer.result(&serde_json::to_string_pretty(&lowered.map).unwrap_or_default())
        }
        Ok(lowered) => printer.result(&lowered.code),
        Err(problems) => {
            let diagnostics = zero_template::diagnostics(&name, &source, problems);
            printer.result(&zero_diag::render_all(&diagnostics, &mut sources));
            return Ok(false);
        }
    }
    Ok(true)
}

/// `zerogen.toml`: project settings for the generator.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[fmt]`: formatter settings.
    pub fmt: zero_template::format::Config,
}

/// Reads `root/zerogen.toml` (defaults when absent).
pub fn settings(root: &Path) -> std::io::Result<Settings> {
    let path = root.join("zerogen.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {}", path.display(), e.message()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => {
            Err(std::io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))
        }
    }
}

/// `zerogen fmt`: formats templates in place, or with `check` prints a diff for each file that
/// is not formatted. Returns false when a file needs formatting (`check`) or is invalid.
pub fn run_fmt(
    printer: &Printer,
    root: &Path,
    paths: &[PathBuf],
    check: bool,
    config: &zero_template::format::Config,
) -> std::io::Result<bool> {
    let files = find(paths)?;
    let mut ok = true;
    let mut changed = 0;
    let mut sources = SourceCache::new(Path::new("."));
    for path in &files {
        let name = display_name(root, path);
        let source = read_source(path)?;
        let formatted = match zero_template::format::format(&source, config) {
            Ok(f) => f,
            Err(problems) => {
                ok = false;
                let diagnostics = zero_template::diagnostics(&name, &source, problems);
                sources.insert(&name, source.clone());
                printer.result(&zero_diag::render_all(&diagnostics, &mut sources));
                printer.error(&format!("{name} is not a valid template; it was left as it is"));
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        changed += 1;
        if check {
            ok = false;
            let diff = similar::TextDiff::from_lines(&source, &formatted);
            printer.result(
                &diff
                    .unified_diff()
                    .context_radius(2)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
                    .to_string(),
            );
        } else {
            std::fs::write(path, &formatted).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
            })?;
            printer.status("Formatted", &name);
        }
    }
    let verb = if check { "would reformat" } else { "reformatted" };
    printer.status("Checked", &format!("{} templates, {changed} {verb}", files.len()));
    Ok(ok)
}

/// `zerogen templates cargo-check`: runs `cargo check` with `cargo_args` in `root` and reports
/// rustc's errors in generated template code at their template line and column; other errors
/// are passed on as rustc rendered them. Returns whether the check passed.
pub fn run_cargo_check(
    printer: &Printer,
    root: &Path,
    cargo_args: &[String],
    json: bool,
) -> std::io::Result<bool> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["check", "--message-format=json"])
        .args(cargo_args)
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot run cargo: {e}")))?;
    let root_abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut diagnostics = Vec::new();
    let mut others = Vec::new();
    let mut finished = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        match value.get("reason").and_then(serde_json::Value::as_str) {
            Some("compiler-message") => {
                let Some(message) = value.get("message") else { continue };
                let package = value
                    .get("manifest_path")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|m| Path::new(m).parent())
                    .map(|dir| dir.strip_prefix(&root_abs).unwrap_or(dir).to_path_buf())
                    .unwrap_or_default();
                if let Some(d) = zero_template::remap::remap(message, &package) {
                    // The HTML and the live render evaluate each expression: report it once.
                    if !diagnostics
                        .iter()
                        .any(|x: &Diagnostic| x.location == d.location && x.message == d.message)
                    {
                        diagnostics.push(d);
                    }
                } else if message.get("level").and_then(serde_json::Value::as_str) == Some("error")
                {
                    let rendered = message.get("rendered").and_then(serde_json::Value::as_str);
                    others.push(rendered.unwrap_or("error").to_owned());
                }
            }
            Some("build-finished") => {
                finished = value.get("success").and_then(serde_json::Value::as_bool);
            }
            _ => {}
        }
    }
    zero_diag::sort(&mut diagnostics);
    if json {
        let value = serde_json::json!({ "findings": diagnostics, "other_errors": others });
        printer.result(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        let mut sources = SourceCache::new(root);
        if !diagnostics.is_empty() {
            printer.result(&zero_diag::render_all(&diagnostics, &mut sources));
        }
        for other in &others {
            printer.result(other);
        }
    }
    let Some(success) = finished else {
        return Err(std::io::Error::other(format!(
            "cargo check did not finish ({}); see its output above",
            output.status
        )));
    };
    printer.status(
        "Checked",
        &format!("{} template errors, {} other errors", diagnostics.len(), others.len()),
    );
    Ok(success && diagnostics.is_empty() && others.is_empty())
}
