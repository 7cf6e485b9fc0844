//! The gate pipeline: spec tables, generated files, ledger rows and their references,
//! evidence and completeness. Every check adds diagnostics; nothing stops at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use zero_diag::{Diagnostic, Location, codes};
use zero_spec::tables::{Budget, EvidenceRow, LedgerRow, Status};
use zero_spec::{Row, Table};

use crate::index::{self, FileIndex};
use crate::testreport::{Outcome, TestReport};
use crate::{GateError, anchors, evidence, reach};

/// Kinds of ledger rows whose `stable` status demands evidence.
pub const EVIDENCE_KINDS: &[&str] = &["budget", "bench"];

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The project root.
    pub root: PathBuf,
    /// Test reports (nextest or Node JUnit XML, libtest JSON), merged: named tests must have run
    /// and passed.
    pub test_reports: Vec<PathBuf>,
}

/// One ledger row, for per-row output formats.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowSummary {
    /// The row id.
    pub id: String,
    /// The ledger file.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// Its status.
    pub status: &'static str,
}

/// Everything the gate found.
#[derive(Debug, Clone)]
pub struct GateRun {
    /// Findings in canonical order.
    pub findings: Vec<Diagnostic>,
    /// Every ledger row that loaded.
    pub rows: Vec<RowSummary>,
    /// Tests in the report, when one was given.
    pub tests_in_report: Option<usize>,
}

/// Runs every check on the project at `options.root`.
pub fn run(options: &Options) -> Result<GateRun, GateError> {
    let root = options.root.as_path();
    if !root.is_dir() {
        return Err(GateError::Usage(format!("{}: not a folder", root.display())));
    }
    let mut report: Option<TestReport> = None;
    for path in &options.test_reports {
        let text = std::fs::read_to_string(path).map_err(|e| {
            GateError::Io(format!("cannot read test report {}: {e}", path.display()))
        })?;
        let parsed = TestReport::parse(&text)
            .map_err(|e| GateError::Io(format!("{}: {e}", path.display())))?;
        report.get_or_insert_with(TestReport::default).merge(parsed);
    }

    let mut findings = Vec::new();
    let spec = SpecTables::load(root, &mut findings);
    // Broken links and anchors of the documentation (what `zerogen docs` would refuse).
    if root.join("docs").is_dir()
        && let Err(problems) = zerogen::site::build(root)
    {
        findings.extend(problems);
    }
    let ledgers = load_ledgers(root, &mut findings)?;
    let mut gate = Gate::new(root, report.as_ref(), spec.budgets.as_ref());
    let mut rows = Vec::new();
    check_ids(&ledgers, &mut findings);
    gate.prepare(&ledgers);
    gate.check_evidence_files(&ledgers, &mut findings)?;
    for ledger in &ledgers {
        for row in &ledger.rows {
            rows.push(RowSummary {
                id: row.value.id.clone(),
                file: ledger.file.clone(),
                line: row.line,
                status: row.value.status.as_str(),
            });
            gate.check_row(ledger, row, &mut findings);
        }
    }
    findings.extend(gate.findings);
    spec.check_completeness(&ledgers, &mut findings);
    zero_diag::sort(&mut findings);
    rows.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(GateRun { findings, rows, tests_in_report: report.map(|r| r.len()) })
}

/// The framework's security table.
const SECURITY_TOML: &str = "spec/security.toml";

/// The keys of a security table, as `(section, key)`, in the model's order.
fn security_keys(config: &zero_spec::security::SecurityConfig) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(sections)) = serde_json::to_value(config) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (section, table) in sections {
        if let serde_json::Value::Object(table) = table {
            keys.extend(table.keys().map(|key| (section.clone(), key.clone())));
        }
    }
    keys
}

/// The 1-based line and column of `key = ...` in `[section]` of a TOML text; the file as a
/// whole (0, 0) when it is not written there.
fn toml_key_position(text: &str, section: &str, key: &str) -> (u32, u32) {
    let mut current = "";
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.split(']').next()) {
            current = name.trim();
        } else if current == section
            && let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let column = line.len() - trimmed.len() + 1;
            return (i as u32 + 1, column as u32);
        }
    }
    (0, 0)
}

/// The spec tables of the project: the framework's (when `spec/wire-protocol.tsv` exists) or
/// an app's.
struct SpecTables {
    root: PathBuf,
    framework: Option<zero_spec::FrameworkSpec>,
    budgets: Option<Table<Budget>>,
}

impl SpecTables {
    fn load(root: &Path, findings: &mut Vec<Diagnostic>) -> SpecTables {
        if root.join("spec/wire-protocol.tsv").is_file() {
            let spec = zero_spec::load_framework(root);
            findings.extend(spec.diagnostics.iter().cloned());
            if spec.diagnostics.is_empty() {
                let outputs = zerogen::generate::emit_spec(&spec);
                findings.extend(zerogen::generate::check(root, &outputs));
            }
            let budgets = Some(spec.budgets.clone());
            return SpecTables { root: root.to_path_buf(), framework: Some(spec), budgets };
        }
        let mut budgets = None;
        if root.join("spec/budgets.tsv").is_file() {
            let table = zero_spec::checks::load_file::<Budget>(root, "spec/budgets.tsv");
            findings.extend(table.diagnostics.iter().cloned());
            zero_spec::checks::unique(&table, "id", |b| b.id.clone(), findings);
            budgets = Some(table);
        }
        if root.join(zerogen::app::ROUTES_TABLE).is_file() {
            // The files generated from valid routes and theme tables must be the committed ones.
            match zerogen::app::emit_app(root) {
                Ok(outputs) => findings.extend(zerogen::generate::check(root, &outputs)),
                Err(problems) => findings.extend(problems),
            }
            findings.extend(crate::applayout::check(root));
        }
        let security = "spec/security.toml";
        if let Ok(text) = std::fs::read_to_string(root.join(security)) {
            findings.extend(zero_spec::security::load(security, &text).1);
        }
        SpecTables { root: root.to_path_buf(), framework: None, budgets }
    }

    /// Every wire message, component, budget and (framework) security key needs a ledger row.
    fn check_completeness(&self, ledgers: &[Table<LedgerRow>], findings: &mut Vec<Diagnostic>) {
        let ids: BTreeSet<&str> =
            ledgers.iter().flat_map(|l| l.rows.iter().map(|r| r.value.id.as_str())).collect();
        let mut need = |table_location: Location, id: String, what: String| {
            if !ids.contains(id.as_str()) {
                findings.push(
                    Diagnostic::error(
                        codes::SURFACE_UNCOVERED,
                        table_location,
                        format!("{what} has no ledger row `{id}`"),
                    )
                    .with_row(id),
                );
            }
        };
        if let Some(spec) = &self.framework {
            for row in &spec.wire.rows {
                let id = format!("wire.{}", row.value.kind);
                need(spec.wire.row_location(row), id, format!("wire message `{}`", row.value.kind));
            }
            for row in &spec.components.rows {
                let id = format!("component.{}", row.value.name);
                need(
                    spec.components.row_location(row),
                    id,
                    format!("component `{}`", row.value.name),
                );
            }
            // Every key of the security table: where it is enforced and the test that proves
            // it, or `planned` while nothing reads it.
            if let Some(security) = &spec.security {
                let text =
                    std::fs::read_to_string(self.root.join(SECURITY_TOML)).unwrap_or_default();
                for (section, key) in security_keys(security) {
                    let (line, column) = toml_key_position(&text, &section, &key);
                    let location = Location::span(SECURITY_TOML, line, column, key.len() as u32);
                    let what = format!("security key `{section}.{key}`");
                    need(location, format!("security.{section}.{key}"), what);
                }
            }
        }
        if let Some(budgets) = &self.budgets {
            for row in &budgets.rows {
                let id = format!("budget.{}", row.value.id);
                need(budgets.row_location(row), id, format!("budget `{}`", row.value.id));
            }
        }
    }
}

/// Every `release/*.tsv`, sorted by path.
fn load_ledgers(
    root: &Path,
    findings: &mut Vec<Diagnostic>,
) -> Result<Vec<Table<LedgerRow>>, GateError> {
    let files = tsv_files(root, "release")?;
    let ledgers: Vec<Table<LedgerRow>> =
        files.iter().map(|f| zero_spec::checks::load_file::<LedgerRow>(root, f)).collect();
    for ledger in &ledgers {
        findings.extend(ledger.diagnostics.iter().cloned());
    }
    Ok(ledgers)
}

/// The `.tsv` files directly in `folder` (repository-relative), sorted; none when it is missing.
fn tsv_files(root: &Path, folder: &str) -> Result<Vec<String>, GateError> {
    let dir = root.join(folder);
    let mut files = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(|e| GateError::Io(format!("{}: {e}", dir.display())))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".tsv") && entry.path().is_file() {
                    files.push(format!("{folder}/{name}"));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(GateError::Io(format!("{}: {e}", dir.display()))),
    }
    files.sort();
    Ok(files)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('.').all(|segment| {
            let mut chars = segment.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && chars
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

fn check_ids(ledgers: &[Table<LedgerRow>], findings: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, (&str, u32)> = HashMap::new();
    for ledger in ledgers {
        for row in &ledger.rows {
            let id = row.value.id.as_str();
            if !valid_id(id) {
                findings.push(
                    Diagnostic::error(
                        codes::ROW_ID_INVALID,
                        ledger.location(row, "id"),
                        format!("row id `{id}` is malformed"),
                    )
                    .with_row(id),
                );
            }
            match first.get(id) {
                Some((file, line)) => findings.push(
                    Diagnostic::error(
                        codes::ROW_ID_DUPLICATE,
                        ledger.location(row, "id"),
                        format!("row id `{id}` is already used at {file}:{line}"),
                    )
                    .with_row(id),
                ),
                None => {
                    first.insert(id, (ledger.file.as_str(), row.line));
                }
            }
        }
    }
}

/// A `path#name` reference.
struct Reference<'a> {
    path: &'a str,
    name: &'a str,
}

fn parse_reference(text: &str) -> Option<Reference<'_>> {
    let (path, name) = text.rsplit_once('#')?;
    let bad_path = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.split('/').any(|s| s == ".." || s.is_empty());
    if bad_path || name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some(Reference { path, name })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Rust,
    Js,
    Tsv,
}

fn lang(path: &str) -> Option<Lang> {
    // A generator's template of a source file (`mod.rs.tmpl`) is checked as that source.
    let path = path.strip_suffix(".tmpl").unwrap_or(path);
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("rs") => Some(Lang::Rust),
        Some("js" | "mjs") => Some(Lang::Js),
        Some("tsv") => Some(Lang::Tsv),
        _ => None,
    }
}

type Indexed = Result<std::sync::Arc<FileIndex>, IndexError>;

#[derive(Debug, Clone)]
enum IndexError {
    Missing,
    Syntax(u32, u32, String),
}

/// `target` as written in `file` (both repository-relative), resolved: `a/b.rs` and
/// `../../c.js` give `c.js` with `..` folded; `None` if it leaves the repository.
fn normalize(file: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Caches and state shared by the row checks.
struct Gate<'a> {
    root: &'a Path,
    report: Option<&'a TestReport>,
    budgets: BTreeMap<&'a str, (&'a Table<Budget>, &'a Row<Budget>)>,
    indexes: HashMap<String, Indexed>,
    anchors: HashMap<String, Option<BTreeSet<String>>>,
    packages: HashMap<PathBuf, Option<String>>,
    evidence: HashMap<String, Option<Table<EvidenceRow>>>,
    hashes: HashMap<Vec<String>, Result<String, String>>,
    bodies: HashMap<String, Option<std::sync::Arc<reach::Bodies>>>,
    /// Package name to its folder, for every package `package_of` has met.
    manifests: BTreeMap<String, PathBuf>,
    /// Files that Rust code embeds (`include_str!`, `include_bytes!`), repository-relative,
    /// to the packages that embed them; read once, on first need.
    embedded: Option<BTreeMap<String, BTreeSet<String>>>,
    /// Findings about shared files (syntax errors, evidence tables), reported once.
    findings: Vec<Diagnostic>,
    reported_files: BTreeSet<String>,
}

impl<'a> Gate<'a> {
    fn new(
        root: &'a Path,
        report: Option<&'a TestReport>,
        budgets: Option<&'a Table<Budget>>,
    ) -> Gate<'a> {
        let budgets = budgets
            .map(|t| t.rows.iter().map(|r| (r.value.id.as_str(), (t, r))).collect())
            .unwrap_or_default();
        Gate {
            root,
            report,
            budgets,
            indexes: HashMap::new(),
            anchors: HashMap::new(),
            packages: HashMap::new(),
            evidence: HashMap::new(),
            hashes: HashMap::new(),
            bodies: HashMap::new(),
            manifests: BTreeMap::new(),
            embedded: None,
            findings: Vec::new(),
            reported_files: BTreeSet::new(),
        }
    }

    /// Parses every Rust file the rows name, spread over the machine's cores.
    fn prepare(&mut self, ledgers: &[Table<LedgerRow>]) {
        let mut paths: BTreeSet<&str> = BTreeSet::new();
        for row in ledgers.iter().flat_map(|l| &l.rows) {
            if row.value.status == Status::Planned {
                continue;
            }
            let refs = row.value.source.iter().chain(row.value.tests.items());
            for reference in refs.filter_map(|r| parse_reference(r)) {
                if lang(reference.path) == Some(Lang::Rust) {
                    paths.insert(reference.path);
                }
            }
        }
        let paths: Vec<&str> = paths.into_iter().collect();
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let chunk = paths.len().div_ceil(workers).max(1);
        let root = self.root;
        let parsed: Vec<(String, Indexed)> = std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| ((*p).to_owned(), index_file(root, p, Lang::Rust)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        self.indexes.extend(parsed);
    }

    fn index(&mut self, path: &str, lang: Lang) -> &Indexed {
        let root = self.root;
        self.indexes.entry(path.to_owned()).or_insert_with(|| index_file(root, path, lang))
    }

    fn check_row(
        &mut self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        out: &mut Vec<Diagnostic>,
    ) {
        let r = &row.value;
        if r.status == Status::Planned {
            return;
        }
        let id = r.id.as_str();
        let mut require = |present: bool, column: &str| {
            if !present {
                out.push(
                    Diagnostic::error(
                        codes::ROW_INCOMPLETE,
                        ledger.location(row, column),
                        format!("{} row `{id}` has no `{column}`", r.status.as_str()),
                    )
                    .with_row(id),
                );
            }
        };
        require(r.source.is_some(), "source");
        require(!r.tests.is_empty(), "tests");
        require(r.docs.is_some(), "docs");
        let measured = matches!(r.status, Status::Stable | Status::Failing);
        if measured && EVIDENCE_KINDS.contains(&r.kind.as_str()) {
            require(!r.evidence.is_empty(), "evidence");
        }
        if r.status == Status::Failing {
            require(!r.evidence.is_empty(), "evidence");
            if r.docs.as_deref().is_some_and(|d| !d.starts_with("docs/adr/")) {
                out.push(
                    Diagnostic::error(
                        codes::FAILING_STATUS,
                        ledger.location(row, "docs"),
                        format!("failing row `{id}` must document the miss in an ADR"),
                    )
                    .with_help("point `docs` at `docs/adr/NNNN-name.md#anchor`")
                    .with_row(id),
                );
            }
        }
        if let Some(source) = &r.source {
            self.check_source(ledger, row, source, out);
        }
        for test in r.tests.items() {
            self.check_test(ledger, row, test, out);
        }
        if let Some(docs) = &r.docs {
            self.check_docs(ledger, row, docs, out);
        }
        for evidence in r.evidence.items() {
            self.check_evidence(ledger, row, evidence, out);
        }
    }

    fn reference<'r>(
        &self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        column: &str,
        text: &'r str,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Reference<'r>> {
        let parsed = parse_reference(text);
        if parsed.is_none() {
            out.push(
                Diagnostic::error(
                    codes::REFERENCE_MALFORMED,
                    ledger.location(row, column),
                    format!("`{text}` is not a `path#name` reference"),
                )
                .with_row(&row.value.id),
            );
        }
        parsed
    }

    /// Reports a file's syntax error once, at the file, and says whether the index is usable.
    fn usable(&mut self, path: &str, lang: Lang) -> Option<std::sync::Arc<FileIndex>> {
        match self.index(path, lang) {
            Ok(index) => Some(std::sync::Arc::clone(index)),
            Err(IndexError::Missing) => None,
            Err(IndexError::Syntax(line, column, message)) => {
                let (line, column, message) = (*line, *column, message.clone());
                if self.reported_files.insert(path.to_owned()) {
                    self.findings.push(Diagnostic::error(
                        codes::SOURCE_UNPARSABLE,
                        Location::span(path, line, column, 1),
                        format!("cannot parse {path}: {message}"),
                    ));
                }
                None
            }
        }
    }

    fn check_source(
        &mut self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        text: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(reference) = self.reference(ledger, row, "source", text, out) else { return };
        let location = ledger.location(row, "source");
        let id = &row.value.id;
        let Some(lang) = lang(reference.path) else {
            out.push(
                Diagnostic::error(
                    codes::REFERENCE_MALFORMED,
                    location,
                    format!("cannot check symbols in `{}`", reference.path),
                )
                .with_help("sources are Rust (.rs), JavaScript (.js, .mjs) or TSV tables (.tsv, first column), or their generator templates (.rs.tmpl, ...)")
                .with_row(id),
            );
            return;
        };
        if matches!(self.index(reference.path, lang), Err(IndexError::Missing)) {
            out.push(
                Diagnostic::error(
                    codes::SOURCE_MISSING,
                    location,
                    format!("source file {} does not exist", reference.path),
                )
                .with_row(id),
            );
            return;
        }
        let Some(index) = self.usable(reference.path, lang) else { return };
        if !index.symbols.contains(reference.name) {
            out.push(
                Diagnostic::error(
                    codes::SYMBOL_MISSING,
                    location,
                    format!("{} does not define `{}`", reference.path, reference.name),
                )
                .with_row(id),
            );
        }
    }

    fn check_test(
        &mut self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        text: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(reference) = self.reference(ledger, row, "tests", text, out) else { return };
        let location = ledger.location(row, "tests");
        let id = &row.value.id;
        let lang = match lang(reference.path) {
            Some(l @ (Lang::Rust | Lang::Js)) => l,
            _ => {
                out.push(
                    Diagnostic::error(
                        codes::REFERENCE_MALFORMED,
                        location,
                        format!("`{}` is not a Rust or JS test file", reference.path),
                    )
                    .with_row(id),
                );
                return;
            }
        };
        if matches!(self.index(reference.path, lang), Err(IndexError::Missing)) {
            out.push(
                Diagnostic::error(
                    codes::TEST_MISSING,
                    location,
                    format!("test file {} does not exist", reference.path),
                )
                .with_row(id),
            );
            return;
        }
        let Some(index) = self.usable(reference.path, lang) else { return };
        let paths: Vec<String> = match lang {
            Lang::Rust => index.test_paths(reference.name).into_iter().map(str::to_owned).collect(),
            _ => index.tests.iter().filter(|t| *t == reference.name).cloned().collect(),
        };
        if paths.is_empty() {
            out.push(
                Diagnostic::error(
                    codes::TEST_MISSING,
                    location,
                    format!("{} has no test `{}`", reference.path, reference.name),
                )
                .with_row(id),
            );
            return;
        }
        self.check_reach(ledger, row, &reference, lang, out);
        let Some(report) = self.report else { return };
        let package = self.package_of(reference.path);
        let path_refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        match report.outcome(package.as_deref(), &path_refs) {
            Some(Outcome::Passed) => {}
            Some(Outcome::Failed) => out.push(
                Diagnostic::error(
                    codes::TEST_FAILED,
                    location,
                    format!("test `{}` failed", reference.name),
                )
                .with_row(id),
            ),
            Some(Outcome::Skipped) | None => out.push(
                Diagnostic::error(
                    codes::TEST_NOT_RUN,
                    location,
                    format!(
                        "test `{}` ({}) did not run in the test report",
                        reference.name, reference.path
                    ),
                )
                .with_row(id),
            ),
        }
    }

    /// A named test must reach the row's source (see [`reach`]). Sources that are tables or
    /// generator templates are reached through what they generate, and are not checked here.
    fn check_reach(
        &mut self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        test: &Reference<'_>,
        lang: Lang,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(source) = row.value.source.as_deref().and_then(parse_reference) else { return };
        if source.path.ends_with(".tmpl") || self::lang(source.path) == Some(Lang::Tsv) {
            return;
        }
        // A source that does not resolve is already a finding (Z0301/Z0302); reach says nothing
        // more about it.
        let Some(source_lang) = self::lang(source.path) else { return };
        let resolves =
            self.usable(source.path, source_lang).is_some_and(|i| i.symbols.contains(source.name));
        if !resolves {
            return;
        }
        let name = source.name.rsplit("::").next().unwrap_or(source.name);
        let source_package = self.package_of(source.path);
        let reached = match lang {
            // A unit test beside its source can call it, so it must: it or a function of the
            // file it calls names the source. A test elsewhere reaches the source through its
            // crate: its package is the source's or depends on it, or it runs the binary.
            Lang::Rust if test.path == source.path => {
                let root = self.root;
                let bodies = self
                    .bodies
                    .entry(test.path.to_owned())
                    .or_insert_with(|| {
                        let text = std::fs::read_to_string(root.join(test.path)).ok()?;
                        reach::rust(&text).ok().map(std::sync::Arc::new)
                    })
                    .clone();
                let Some(bodies) = bodies else { return };
                // A test that is itself the row's source (a fixture suite) reaches it.
                test.name == source.name || bodies.reaches(test.name, name)
            }
            Lang::Rust => {
                let test_package = self.package_of(test.path);
                match (test_package, source_package) {
                    (Some(t), Some(s)) => self.depends(&t, &s),
                    _ => true,
                }
            }
            _ => match std::fs::read_to_string(self.root.join(test.path)) {
                // A JavaScript source: the test names or imports it, or (a browser test) runs
                // a binary of a package that is, or depends on, a package that serves it.
                Ok(text) if self::lang(source.path) == Some(Lang::Js) => {
                    reach::javascript(&text, source.path, name) || {
                        let servers = self.embedders(source.path);
                        let names: Vec<String> = self.manifests.keys().cloned().collect();
                        names.iter().any(|p| {
                            reach::javascript(&text, "", p)
                                && servers.iter().any(|s| self.depends(p, s))
                        })
                    }
                }
                // A browser test of a Rust source: it runs a binary of a package that is, or
                // depends on, the source's.
                Ok(text) => match source_package {
                    Some(s) => {
                        let names: Vec<String> = self.manifests.keys().cloned().collect();
                        names.iter().any(|p| reach::javascript(&text, "", p) && self.depends(p, &s))
                    }
                    None => true,
                },
                Err(_) => return,
            },
        };
        if !reached {
            out.push(
                Diagnostic::error(
                    codes::TEST_UNRELATED,
                    ledger.location(row, "tests"),
                    format!(
                        "test `{}` ({}) never reaches the row's source `{}`",
                        test.name,
                        test.path,
                        row.value.source.as_deref().unwrap_or_default()
                    ),
                )
                .with_row(&row.value.id),
            );
        }
    }

    /// Whether package `from` is `to` or depends on it (normal, dev or build dependencies,
    /// through path dependencies of this repository, transitively).
    fn depends(&mut self, from: &str, to: &str) -> bool {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(package) = stack.pop() {
            if package == to {
                return true;
            }
            if !seen.insert(package.clone()) {
                continue;
            }
            let Some(dir) = self.manifests.get(&package).cloned() else { continue };
            for dep_dir in path_dependencies(self.root, &dir) {
                let manifest = dep_dir.join("Cargo.toml");
                let Some(name) =
                    std::fs::read_to_string(&manifest).ok().and_then(|t| package_name(&t))
                else {
                    continue;
                };
                self.manifests.entry(name.clone()).or_insert(dep_dir);
                stack.push(name);
            }
        }
        false
    }

    /// The Cargo package owning `path`: the nearest `Cargo.toml` with a `[package]` name.
    /// The packages whose Rust code embeds `path` (`include_str!`/`include_bytes!`).
    fn embedders(&mut self, path: &str) -> BTreeSet<String> {
        if self.embedded.is_none() {
            let mut embedded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            let files: Vec<PathBuf> = walkdir::WalkDir::new(self.root)
                .into_iter()
                .filter_entry(|e| {
                    let name = e.file_name().to_string_lossy();
                    e.depth() == 0
                        || !(name.starts_with('.') || name == "target" || name == "node_modules")
                })
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
                .map(|e| e.into_path())
                .collect();
            for file in files {
                let Ok(text) = std::fs::read_to_string(&file) else { continue };
                let Ok(relative) = file.strip_prefix(self.root) else { continue };
                let relative = relative.to_string_lossy().into_owned();
                for target in reach::embeds(&text) {
                    let Some(joined) = normalize(&relative, &target) else { continue };
                    if let Some(package) = self.package_of(&relative) {
                        embedded.entry(joined).or_default().insert(package);
                    }
                }
            }
            self.embedded = Some(embedded);
        }
        self.embedded.as_ref().and_then(|e| e.get(path)).cloned().unwrap_or_default()
    }

    fn package_of(&mut self, path: &str) -> Option<String> {
        let mut dir = self.root.join(path);
        while dir.pop() {
            if !dir.starts_with(self.root) {
                return None;
            }
            if let Some(cached) = self.packages.get(&dir) {
                if cached.is_some() {
                    return cached.clone();
                }
                continue;
            }
            let name =
                std::fs::read_to_string(dir.join("Cargo.toml")).ok().and_then(|t| package_name(&t));
            self.packages.insert(dir.clone(), name.clone());
            if let Some(name) = &name {
                self.manifests.insert(name.clone(), dir.clone());
            }
            if name.is_some() {
                return name;
            }
        }
        None
    }

    fn check_docs(
        &mut self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        text: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(reference) = self.reference(ledger, row, "docs", text, out) else { return };
        let location = ledger.location(row, "docs");
        let id = &row.value.id;
        let root = self.root;
        let anchors = self.anchors.entry(reference.path.to_owned()).or_insert_with(|| {
            let text = std::fs::read_to_string(root.join(reference.path)).ok()?;
            Some(anchors::anchors(&text, !reference.path.ends_with(".html")))
        });
        match anchors {
            None => out.push(
                Diagnostic::error(
                    codes::DOCS_MISSING,
                    location,
                    format!("docs page {} does not exist", reference.path),
                )
                .with_row(id),
            ),
            Some(set) if !set.contains(reference.name) => out.push(
                Diagnostic::error(
                    codes::ANCHOR_MISSING,
                    location,
                    format!("{} has no heading or id `{}`", reference.path, reference.name),
                )
                .with_row(id),
            ),
            Some(_) => {}
        }
    }

    /// Loads an evidence table once; its own problems are reported once, at the file.
    fn evidence_table(&mut self, path: &str) -> Option<&Table<EvidenceRow>> {
        let root = self.root;
        let mut table_findings = Vec::new();
        let table = self.evidence.entry(path.to_owned()).or_insert_with(|| {
            let text = std::fs::read_to_string(root.join(path)).ok()?;
            let table: Table<EvidenceRow> = zero_spec::tsv::load(path, &text);
            table_findings.extend(table.diagnostics.iter().cloned());
            zero_spec::checks::unique(&table, "id", |e| e.id.clone(), &mut table_findings);
            Some(table)
        });
        self.findings.extend(table_findings);
        table.as_ref()
    }

    /// Every row of every `release/evidence/*.tsv`, whether a ledger row names it or not:
    /// fresh sources, an intact digest, enough runs, and its budget met (in the median and in
    /// all but one run) unless the budget's ledger row is `failing`.
    fn check_evidence_files(
        &mut self,
        ledgers: &[Table<LedgerRow>],
        out: &mut Vec<Diagnostic>,
    ) -> Result<(), GateError> {
        let files = tsv_files(self.root, "release/evidence")?;
        // Findings about an evidence row name the first ledger row that cites it.
        let mut cited: HashMap<String, String> = HashMap::new();
        for row in ledgers.iter().flat_map(|l| &l.rows) {
            for reference in row.value.evidence.items() {
                cited.entry(reference.clone()).or_insert_with(|| row.value.id.clone());
            }
        }
        let statuses: HashMap<&str, Status> = ledgers
            .iter()
            .flat_map(|l| &l.rows)
            .map(|r| (r.value.id.as_str(), r.value.status))
            .collect();
        for file in files {
            let root = self.root;
            let Some(table) = self.evidence_table(&file).cloned() else { continue };
            for row in &table.rows {
                let e = &row.value;
                let start = out.len();
                let hash = self
                    .hashes
                    .entry(e.sources.items().to_vec())
                    .or_insert_with(|| evidence::source_hash(root, e.sources.items()));
                match hash {
                    Ok(hash) if *hash == e.hash => {}
                    Ok(_) => out.push(
                        Diagnostic::error(
                            codes::EVIDENCE_STALE,
                            table.location(row, "hash"),
                            format!(
                                "evidence `{}` was recorded against other sources ({} changed since)",
                                e.id,
                                e.sources.items().join(", ")
                            ),
                        )
                        .with_help(format!("re-run `cargo run --release -p zero-bench -- {} --record` and commit the evidence", e.suite)),
                    ),
                    Err(message) => out.push(Diagnostic::error(
                        codes::EVIDENCE_STALE,
                        table.location(row, "sources"),
                        format!("evidence `{}`: {message}", e.id),
                    )),
                }
                if evidence::digest(e) != e.digest {
                    out.push(Diagnostic::error(
                        codes::EVIDENCE_TAMPERED,
                        table.location(row, "digest"),
                        format!("evidence `{}` does not match its digest: its values were edited after recording", e.id),
                    ));
                }
                if e.runs < evidence::MIN_RUNS {
                    out.push(Diagnostic::error(
                        codes::EVIDENCE_RUNS,
                        table.location(row, "runs"),
                        format!(
                            "evidence `{}` is the median of {} run{}, fewer than {}",
                            e.id,
                            e.runs,
                            if e.runs == 1 { "" } else { "s" },
                            evidence::MIN_RUNS
                        ),
                    ));
                }
                if let Some(budget_id) = &e.budget {
                    let failing = statuses.get(format!("budget.{budget_id}").as_str())
                        == Some(&Status::Failing);
                    self.check_budget(&table, row, budget_id, failing, out);
                }
                if let Some(id) = cited.get(&format!("{file}#{}", e.id)) {
                    for finding in &mut out[start..] {
                        finding.row_id = Some(id.clone());
                    }
                }
            }
        }
        Ok(())
    }

    fn check_budget(
        &self,
        table: &Table<EvidenceRow>,
        row: &Row<EvidenceRow>,
        budget_id: &str,
        failing: bool,
        out: &mut Vec<Diagnostic>,
    ) {
        let e = &row.value;
        let Some((budgets, budget_row)) = self.budgets.get(budget_id) else {
            out.push(Diagnostic::error(
                codes::UNRESOLVED_REFERENCE,
                table.location(row, "budget"),
                format!("budget `{budget_id}` is not defined in spec/budgets.tsv"),
            ));
            return;
        };
        let b = &budget_row.value;
        if b.unit != e.unit {
            out.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    table.location(row, "unit"),
                    format!(
                        "evidence `{}` is in {} but budget `{}` is in {}",
                        e.id,
                        e.unit.as_str(),
                        b.id,
                        b.unit.as_str()
                    ),
                )
                .with_help(format!("budget defined at {}", budgets.row_location(budget_row))),
            );
            return;
        }
        let missed = !b.comparison.holds(e.value, b.budget) || e.misses >= evidence::MAX_MISSES;
        if missed && !failing {
            out.push(
                Diagnostic::error(
                    codes::BUDGET_EXCEEDED,
                    table.location(row, "value"),
                    format!(
                        "{} {} {} (min {}, max {}, missed in {} of {} runs) does not meet budget `{}` ({} {} {})",
                        e.metric,
                        e.value,
                        e.unit.as_str(),
                        e.min,
                        e.max,
                        e.misses,
                        e.runs,
                        b.id,
                        b.comparison.symbol(),
                        b.budget,
                        b.unit.as_str()
                    ),
                )
                .with_help(format!("a budget that is known to be missed is `failing` in the ledger, with an ADR (budget defined at {})", budgets.row_location(budget_row))),
            );
        } else if !missed && failing {
            out.push(Diagnostic::error(
                codes::FAILING_STATUS,
                table.location(row, "value"),
                format!(
                    "`budget.{}` is marked failing, but {} {} {} meets it in {} of {} runs",
                    b.id,
                    e.metric,
                    e.value,
                    e.unit.as_str(),
                    e.runs - e.misses,
                    e.runs
                ),
            ));
        }
    }

    /// A ledger row's evidence: it exists, a `budget.X` row's evidence measures X, and the
    /// row's own source file is among the sources the evidence hashed.
    fn check_evidence(
        &mut self,
        ledger: &Table<LedgerRow>,
        row: &Row<LedgerRow>,
        text: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(reference) = self.reference(ledger, row, "evidence", text, out) else { return };
        let location = ledger.location(row, "evidence");
        let id = row.value.id.as_str();
        let Some(table) = self.evidence_table(reference.path) else {
            out.push(
                Diagnostic::error(
                    codes::EVIDENCE_MISSING,
                    location,
                    format!("evidence file {} does not exist", reference.path),
                )
                .with_row(id),
            );
            return;
        };
        let Some(evidence) = table.rows.iter().find(|e| e.value.id == reference.name) else {
            out.push(
                Diagnostic::error(
                    codes::EVIDENCE_MISSING,
                    location,
                    format!("{} has no evidence row `{}`", reference.path, reference.name),
                )
                .with_row(id),
            );
            return;
        };
        let e = &evidence.value;
        if let Some(budget) = id.strip_prefix("budget.")
            && e.budget.as_deref() != Some(budget)
        {
            let measures = match &e.budget {
                Some(other) => format!("measures budget `{other}`"),
                None => "measures no budget".to_owned(),
            };
            out.push(
                Diagnostic::error(
                    codes::BUDGET_MISMATCH,
                    location.clone(),
                    format!("`{id}` names evidence `{}`, which {measures}", e.id),
                )
                .with_row(id),
            );
        }
        if let Some(source) = row.value.source.as_deref().and_then(parse_reference)
            && !evidence::covers(e.sources.items(), source.path)
        {
            out.push(
                Diagnostic::error(
                    codes::EVIDENCE_UNCOVERED,
                    location,
                    format!(
                        "`{id}`'s source {} is not among the sources evidence `{}` hashed ({})",
                        source.path,
                        e.id,
                        e.sources.items().join(", ")
                    ),
                )
                .with_row(id),
            );
        }
    }
}

/// The folders of the path dependencies of the package in `dir` (its own `path = ".."` and
/// `workspace = true` entries whose workspace entry has a path).
fn path_dependencies(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let read = |p: &Path| -> Option<toml::Table> { std::fs::read_to_string(p).ok()?.parse().ok() };
    let Some(manifest) = read(&dir.join("Cargo.toml")) else { return Vec::new() };
    let workspace = read(&root.join("Cargo.toml"));
    let workspace_deps = workspace
        .as_ref()
        .and_then(|w| w.get("workspace")?.get("dependencies")?.as_table().cloned());
    let mut out = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) else { continue };
        for (key, spec) in deps {
            if let Some(path) = spec.get("path").and_then(|p| p.as_str()) {
                out.push(dir.join(path));
            } else if spec.get("workspace").and_then(toml::Value::as_bool) == Some(true)
                && let Some(path) = workspace_deps
                    .as_ref()
                    .and_then(|w| w.get(key)?.get("path")?.as_str().map(str::to_owned))
            {
                out.push(root.join(path));
            }
        }
    }
    out
}

fn index_file(root: &Path, path: &str, lang: Lang) -> Indexed {
    let text = std::fs::read_to_string(root.join(path)).map_err(|_| IndexError::Missing)?;
    let index = match lang {
        Lang::Rust => index::rust(&text).map_err(|(l, c, m)| IndexError::Syntax(l, c, m))?,
        Lang::Js => index::javascript(&text),
        Lang::Tsv => index::tsv(&text),
    };
    Ok(std::sync::Arc::new(index))
}

/// The `name` of the `[package]` table of a Cargo.toml, read without a TOML parser.
fn package_name(text: &str) -> Option<String> {
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if in_package
            && let Some(value) =
                line.strip_prefix("name").map(str::trim_start).and_then(|l| l.strip_prefix('='))
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_keys_are_found_where_the_table_writes_them() {
        let text =
            "# c\n[limits]\nmax_x = 1\n  max_frame_bytes = 2\n[tokens]\nmax_frame_bytes = 3\n";
        assert_eq!(toml_key_position(text, "limits", "max_frame_bytes"), (4, 3));
        assert_eq!(toml_key_position(text, "tokens", "max_frame_bytes"), (6, 1));
        assert_eq!(toml_key_position(text, "limits", "max"), (0, 0), "whole keys only");
        assert_eq!(toml_key_position(text, "mail", "from"), (0, 0));
        let framework = include_str!("../../../spec/security.toml");
        let (config, _) = zero_spec::security::load("spec/security.toml", framework);
        let keys = security_keys(&config.unwrap());
        assert!(keys.contains(&("heartbeat".to_owned(), "interval_secs".to_owned())));
        for (section, key) in &keys {
            assert_ne!(toml_key_position(framework, section, key), (0, 0), "{section}.{key}");
        }
    }

    #[test]
    fn embedded_paths_resolve_from_the_embedding_file() {
        let file = "runtime/zero-live/src/assets.rs";
        assert_eq!(
            normalize(file, "../../client/zero-live.js").as_deref(),
            Some("runtime/client/zero-live.js")
        );
        assert_eq!(normalize(file, "./x.css").as_deref(), Some("runtime/zero-live/src/x.css"));
        assert_eq!(normalize("a.rs", "../../etc/passwd"), None, "outside the repository");
    }

    #[test]
    fn references_need_a_relative_path_and_a_name() {
        assert!(parse_reference("src/a.rs#f").is_some());
        assert!(
            parse_reference("docs/x.md#a#b")
                .is_some_and(|r| r.path == "docs/x.md#a" && r.name == "b")
        );
        for bad in [
            "src/a.rs",
            "#f",
            "src/a.rs#",
            "/abs.rs#f",
            "../up.rs#f",
            "a//b.rs#f",
            "a.rs#two words",
        ] {
            assert!(parse_reference(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn sources_are_checked_by_language_and_templates_as_what_they_make() {
        assert!(matches!(lang("src/a.rs"), Some(Lang::Rust)));
        assert!(matches!(lang("templates/app/web/components/mod.rs.tmpl"), Some(Lang::Rust)));
        assert!(matches!(lang("client/live.js.tmpl"), Some(Lang::Js)));
        assert!(matches!(lang("spec/a.tsv"), Some(Lang::Tsv)));
        for unknown in ["docs/a.md", "web/a.html.0x0.tmpl", "a.tmpl", "Makefile"] {
            assert!(lang(unknown).is_none(), "{unknown}");
        }
    }

    #[test]
    fn ids_are_dotted_lowercase_segments() {
        for good in ["gate.check", "wire.join", "budget.gate.check_10k.wall", "a-b.c_d"] {
            assert!(valid_id(good), "{good}");
        }
        for bad in ["", "Gate.check", "gate..check", ".gate", "gate check", "_x"] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn package_name_reads_only_the_package_table() {
        let toml = "[workspace]\nname = \"no\"\n[package]\nname = \"zero-live\"\nversion = \"1\"\n";
        assert_eq!(package_name(toml).as_deref(), Some("zero-live"));
        assert_eq!(package_name("[workspace]\nmembers = []\n"), None);
    }
}
