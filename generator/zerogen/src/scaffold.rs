//! `zerogen new app`: writes a complete app from the templates in `templates/app/` (embedded
//! at build time), then generates its router from its routes table, so the new app is fresh for
//! `zerogate check` from the first commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::render::APP;

/// The framework's default policies, which a new app starts from.
const SECURITY_TOML: &str = include_str!("../../../spec/security.toml");

/// Where the generated app's `zero-live` crates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A checkout of the framework (its root folder).
    Path(PathBuf),
    /// A released version.
    Version(String),
}

impl Source {
    /// The checkout this `zerogen` was built from, if it is still there.
    pub fn this_checkout() -> Option<Source> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let root = root.canonicalize().ok()?;
        root.join("runtime/zero-live/Cargo.toml").is_file().then_some(Source::Path(root))
    }

    /// Where the app's CI finds the framework, for the workflow's comment.
    fn note(&self) -> String {
        match self {
            Source::Path(root) => {
                format!("checkout at {} by path: run CI where it is", root.display())
            }
            Source::Version(version) => format!("release {version} from the registry"),
        }
    }

    /// The runner the app's CI needs: the machine with the checkout, or any.
    fn runner(&self) -> &'static str {
        match self {
            Source::Path(_) => "self-hosted",
            Source::Version(_) => "ubuntu-latest",
        }
    }

    /// The workflow steps that run `zerogen generate --check` and `zerogate check`.
    fn gate_steps(&self) -> String {
        match self {
            Source::Path(root) => {
                let manifest = root.join("Cargo.toml").display().to_string();
                format!(
                    "      - run: cargo run --locked --manifest-path {manifest} -p zerogen -- --root \"$PWD\" generate --check\n\
                     \x20     - run: cargo run --locked --manifest-path {manifest} -p zerogate -- check --root \"$PWD\""
                )
            }
            Source::Version(version) => format!(
                "      - run: cargo install --locked zerogen zerogate --version {version}\n\
                 \x20     - run: zerogen generate --check\n\
                 \x20     - run: zerogate check"
            ),
        }
    }

    /// The dependency line of the framework crate whose folder in a checkout is `dir`, with
    /// `features` on.
    pub(crate) fn dependency(&self, dir: &str, features: &[&str]) -> String {
        let features =
            if features.is_empty() { String::new() } else { format!(", features = {features:?}") };
        match self {
            Source::Path(root) => {
                format!("{{ path = {:?}{features} }}", root.join(dir).display().to_string())
            }
            Source::Version(version) if features.is_empty() => format!("{version:?}"),
            Source::Version(version) => format!("{{ version = {version:?}{features} }}"),
        }
    }
}

/// What `zerogen new app` was asked for.
#[derive(Debug, Clone)]
pub struct NewApp {
    /// The app's name (the crate's).
    pub name: String,
    /// The folder to create (must not exist or be empty).
    pub dir: PathBuf,
    /// Where the framework comes from.
    pub source: Source,
    /// The database the app starts with.
    pub db: Database,
}

/// The database a new app is set up for (`--db`); both backends work with the same code, this
/// picks the URL of `spec/database.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Database {
    /// A SQLite file in the app's folder, `data/dev.db`: nothing to start.
    #[default]
    Sqlite,
    /// A local Postgres database named after the app (`NAME_dev`).
    Postgres,
}

impl Database {
    /// The development database URL of app `name`.
    fn url(self, name: &str) -> String {
        match self {
            Database::Sqlite => "sqlite://data/dev.db".to_owned(),
            Database::Postgres => format!("postgres://localhost/{}_dev", name.replace('-', "_")),
        }
    }
}

/// Why an app was not written. Nothing is written in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot be a crate name.
    #[error("invalid name `{name}`: {why}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        why: String,
    },
    /// The folder has files in it.
    #[error("{0} is not empty; choose a new folder (nothing was written)")]
    NotEmpty(PathBuf),
    /// Writing failed.
    #[error("{0}")]
    Io(String),
}

const RESERVED: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "build",
    "deps",
    "examples",
    "src",
    "web",
    "zero_live",
    "zero_live_core",
    "zero_db",
    "zero_pubsub",
    "zero_dashboard",
    "zero_template",
    "sqlx",
    "zerogen",
    "zerogate",
    "axum",
    "tokio",
];

/// Rust's keywords, strict and reserved.
pub(crate) const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Checks that `name` can name the app's crate and module.
pub fn validate_name(name: &str) -> Result<(), ScaffoldError> {
    let invalid =
        |why: &str| ScaffoldError::InvalidName { name: name.to_owned(), why: why.to_owned() };
    if name.is_empty() || name.len() > 64 {
        return Err(invalid("use 1 to 64 characters"));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid("start with a lowercase letter (e.g. `blog`)"));
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') {
        return Err(invalid("use lowercase letters, digits, `_` and `-` only"));
    }
    let module = name.replace('-', "_");
    if KEYWORDS.contains(&module.as_str()) {
        return Err(invalid("it is a Rust keyword"));
    }
    if RESERVED.contains(&module.as_str()) {
        return Err(invalid("it is the name of a crate or folder the app uses"));
    }
    Ok(())
}

/// A crate's name as people read it: `help-desk` is `Help Desk`.
pub(crate) fn title_of(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scaffold template of the app file at `path` (placeholders unfilled).
pub fn template(path: &str) -> Option<&'static str> {
    APP.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

/// The app's files, rendered in memory: (path relative to the app, contents), sorted.
pub fn files(app: &NewApp) -> Result<Vec<(String, String)>, ScaffoldError> {
    validate_name(&app.name)?;
    let module = app.name.replace('-', "_");
    let title = title_of(&app.name);
    let vars = BTreeMap::from([
        ("name", app.name.clone()),
        ("module", module),
        ("title", title),
        ("zero_live", app.source.dependency("runtime/zero-live", &[])),
        ("zero_live_testing", app.source.dependency("runtime/zero-live", &["testing"])),
        ("zero_db_testing", app.source.dependency("runtime/zero-db", &["testing"])),
        ("zero_live_core", app.source.dependency("runtime/zero-live-core", &[])),
        ("zero_db", app.source.dependency("runtime/zero-db", &[])),
        ("zero_pubsub", app.source.dependency("runtime/zero-pubsub", &[])),
        ("zero_dashboard", app.source.dependency("runtime/zero-dashboard", &[])),
        ("database_url", app.db.url(&app.name)),
        ("zero_template", app.source.dependency("generator/zero-template", &[])),
        ("zerogen_version", env!("CARGO_PKG_VERSION").to_owned()),
        ("framework_note", app.source.note()),
        ("runner", app.source.runner().to_owned()),
        ("gate_steps", app.source.gate_steps()),
    ]);
    let templates =
        crate::render::Templates::of("app").map_err(|e| ScaffoldError::Io(e.to_string()))?;
    let mut context: serde_json::Map<String, serde_json::Value> =
        vars.into_iter().map(|(k, v)| (k.to_owned(), serde_json::Value::String(v))).collect();
    // A new app has no features yet (`web/features.rs`); `zerogen auth` adds accounts.
    context.insert("accounts".to_owned(), serde_json::Value::Bool(false));
    let mut out = Vec::new();
    for path in templates.paths() {
        let text =
            templates.render(path, &context).map_err(|e| ScaffoldError::Io(e.to_string()))?;
        out.push((path.to_owned(), text));
    }
    out.push(("spec/security.toml".to_owned(), SECURITY_TOML.to_owned()));
    // The router and the theme's stylesheet come from their tables, as `zerogen generate`
    // would write them.
    let text = |path: &str| {
        let text = out.iter().find(|(p, _)| p == path).map(|(_, text)| text.as_str());
        text.ok_or_else(|| ScaffoldError::Io(format!("the scaffold has no {path}")))
    };
    let (routes_path, theme_path) = (crate::app::ROUTES_TABLE, crate::app::THEME_TABLE);
    let routes = zero_spec::tsv::load(routes_path, text(routes_path)?);
    let theme = zero_spec::tsv::load(theme_path, text(theme_path)?);
    let generated = crate::app::emit_tables(routes, Some(theme)).map_err(|problems| {
        let first = problems.first().map(|p| format!("{}: {}", p.location, p.message));
        ScaffoldError::Io(format!("the scaffold's tables: {}", first.unwrap_or_default()))
    })?;
    out.extend(generated.into_iter().map(|o| (o.path, o.contents)));
    out.sort();
    Ok(out)
}

/// Writes the app; returns the files written. Refuses a folder that has anything in it.
pub fn write(app: &NewApp) -> Result<Vec<String>, ScaffoldError> {
    write_new(&app.dir, &app.source, files(app)?)
}

/// Writes `files` into the new folder `dir` (an app, a package), with the checkout's lock file
/// when the framework comes from one; returns the files written. Refuses a folder that has
/// anything in it.
pub(crate) fn write_new(
    dir: &Path,
    source: &Source,
    mut files: Vec<(String, String)>,
) -> Result<Vec<String>, ScaffoldError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ScaffoldError::NotEmpty(dir.to_owned()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ScaffoldError::Io(format!("{}: {e}", dir.display()))),
    }
    let io = |path: &Path, e: std::io::Error| ScaffoldError::Io(format!("{}: {e}", path.display()));
    // A checkout's lock file pins the versions the framework is tested with.
    if let Source::Path(root) = source {
        let lock = root.join("Cargo.lock");
        if lock.is_file() {
            let text = std::fs::read_to_string(&lock).map_err(|e| io(&lock, e))?;
            files.push(("Cargo.lock".to_owned(), text));
            files.sort();
        }
    }
    // All or nothing: a failure leaves no half app behind.
    crate::apptree::commit::commit(dir, &files).map_err(|e| ScaffoldError::Io(e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn app(name: &str, dir: &Path) -> NewApp {
        NewApp {
            name: name.to_owned(),
            dir: dir.to_path_buf(),
            source: Source::Version("0.1.0".to_owned()),
            db: Database::default(),
        }
    }

    #[test]
    fn names_are_checked_with_a_reason() {
        for good in ["blog", "my-shop", "app_2"] {
            validate_name(good).unwrap();
        }
        for (bad, why) in [
            ("", "1 to 64"),
            ("Blog", "lowercase letter"),
            ("2fast", "lowercase letter"),
            ("my app", "lowercase letters"),
            ("fn", "keyword"),
            ("zero-live", "crate or folder"),
            ("test", "crate or folder"),
        ] {
            let error = validate_name(bad).unwrap_err().to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn the_database_flag_picks_the_url_of_spec_database_toml() {
        let dir = tempfile::tempdir().unwrap();
        let database = |app: &NewApp| {
            let files = files(app).unwrap();
            files.into_iter().find(|(p, _)| p == "spec/database.toml").unwrap().1
        };
        let sqlite = database(&app("blog", dir.path()));
        assert!(sqlite.contains("url = \"sqlite://data/dev.db\""), "{sqlite}");
        let postgres = database(&NewApp { db: Database::Postgres, ..app("my-blog", dir.path()) });
        assert!(postgres.contains("url = \"postgres://localhost/my_blog_dev\""), "{postgres}");
        assert!(!postgres.contains("url = \"sqlite"), "{postgres}");
    }

    #[test]
    fn an_app_is_written_once_into_an_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("blog");
        let written = write(&app("blog", &target)).unwrap();
        for expected in [
            "Cargo.toml",
            "build.rs",
            "spec/routes.tsv",
            "spec/security.toml",
            "spec/endpoint.toml",
            "spec/budgets.tsv",
            "src/lib.rs",
            "web/routes.rs",
            "tests/app.rs",
            "release/surface.tsv",
            "README.md",
            ".github/workflows/ci.yml",
        ] {
            assert!(written.iter().any(|w| w == expected), "{expected} in {written:?}");
        }
        let cargo = std::fs::read_to_string(target.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"blog\"") && cargo.contains("zero-live = \"0.1.0\""));
        assert!(!written.iter().any(|w| w.ends_with(".tmpl")));
        // Nothing is left unfilled (GitHub's own `${{ ... }}` expressions aside).
        for path in &written {
            let text = std::fs::read_to_string(target.join(path)).unwrap().replace("${{ ", "");
            assert!(!text.contains("{{ ") && !text.contains("{{name"), "{path}");
        }
        // The generated router is what `zerogen generate` makes of the table.
        assert_eq!(
            crate::app::emit_app(&target).unwrap()[0].contents,
            std::fs::read_to_string(target.join("web/routes.rs")).unwrap()
        );
        // A second run refuses and changes nothing.
        let before = std::fs::read_to_string(target.join("src/lib.rs")).unwrap();
        assert_eq!(
            write(&app("blog", &target)).unwrap_err(),
            ScaffoldError::NotEmpty(target.clone())
        );
        assert_eq!(std::fs::read_to_string(target.join("src/lib.rs")).unwrap(), before);
        // A bad name writes nothing.
        let other = dir.path().join("other");
        assert!(matches!(write(&app("Other", &other)), Err(ScaffoldError::InvalidName { .. })));
        assert!(!other.exists());
    }
}
