//! `zerogen release`: what an operator needs to ship the app, written into it from
//! `templates/release/`: a multi-stage `Dockerfile` and `.dockerignore`, a systemd unit
//! (`deploy/NAME.service`), an nginx site (`deploy/nginx.conf`), `.env.example` listing every
//! variable the app reads ([`VARIABLES`]) and `RELEASE.md` (deploy, upgrade, roll back). Nothing
//! is written when a file exists (unless `--force`) or the folder is not an app.

use std::path::Path;

use serde::Serialize;

use crate::render::{RenderError, Templates};
use crate::resource::ResourceError;

/// An environment variable an app reads.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Variable {
    /// Its name.
    pub name: &'static str,
    /// Read only by an app with accounts (`zerogen auth`).
    pub accounts: bool,
    /// Uncommented in `.env.example`: a release build needs it.
    pub required: bool,
    /// An example value.
    pub example: &'static str,
    /// What it does, one line.
    pub doc: &'static str,
}

const fn var(
    name: &'static str,
    accounts: bool,
    required: bool,
    example: &'static str,
    doc: &'static str,
) -> Variable {
    Variable { name, accounts, required, example, doc }
}

/// Every variable a generated app and the runtime read (a test scans the framework's sources
/// and the app templates and fails when one is read but not listed, or listed but not read).
pub const VARIABLES: &[Variable] = &[
    var(
        "SECRET_KEY_BASE",
        false,
        true,
        "",
        "Signs sessions and tokens: at least 64 bytes (`openssl rand -base64 48`). Required in release.",
    ),
    var(
        "SECRET_KEY_BASE_PREVIOUS",
        false,
        false,
        "",
        "The key before the last rotation: tokens it signed still verify.",
    ),
    var(
        "DATABASE_URL",
        false,
        true,
        "sqlite://data/app.db",
        "The database: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/NAME`.",
    ),
    var("HOST", false, false, "127.0.0.1", "The address to listen on (`0.0.0.0` in a container)."),
    var("PORT", false, false, "4000", "The port to listen on."),
    var(
        "TLS_CERT_FILE",
        false,
        false,
        "/etc/app/cert.pem",
        "Serve HTTPS and WSS with this certificate chain (with TLS_KEY_FILE; build with --features tls).",
    ),
    var("TLS_KEY_FILE", false, false, "/etc/app/key.pem", "The private key of TLS_CERT_FILE."),
    var(
        "CONFIG_DIR",
        false,
        false,
        "/etc/app/spec",
        "A folder whose security.toml, endpoint.toml or database.toml replaces the built-in one.",
    ),
    var("RUST_LOG", false, false, "info", "What the log keeps (tracing EnvFilter directives)."),
    var(
        "LOG_FORMAT",
        false,
        false,
        "json",
        "`json` lines or `text` (default: JSON in a release build).",
    ),
    var("NODE_NAME", false, false, "web-1", "This process's name in logs (default: HOSTNAME)."),
    var(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        false,
        false,
        "http://127.0.0.1:4318",
        "Export traces to this OpenTelemetry collector over OTLP/HTTP (zero-live's otlp feature).",
    ),
    var(
        "OTEL_SERVICE_NAME",
        false,
        false,
        "app",
        "The service name of exported traces (default: the binary's name).",
    ),
    var(
        "STORAGE_BUCKET",
        false,
        false,
        "uploads",
        "The S3 bucket an app that keeps uploads with `Storage::from_env` uses (with object_store's AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); unset: a local folder.",
    ),
    var(
        "METRICS_TOKEN",
        false,
        false,
        "",
        "Serves /metrics to requests bearing this token (`openssl rand -hex 24`) and unlocks /dev/dashboard; unset, neither exists.",
    ),
    var(
        "APP_URL",
        true,
        true,
        "https://example.com",
        "Where links in account mail point. Required in release.",
    ),
    var(
        "SMTP_URL",
        true,
        true,
        "smtps://user:password@smtp.example.com:465",
        "The SMTP server account mail goes through. Required in release.",
    ),
    var(
        "MAIL_FROM",
        true,
        false,
        "App <noreply@example.com>",
        "The sender of account mail (default: `[mail] from` in spec/security.toml).",
    ),
];

/// What the templates see.
#[derive(Debug, Serialize)]
struct Model {
    name: String,
    title: String,
    domain: String,
    accounts: bool,
    variables: Vec<Variable>,
}

/// The files `zerogen release` writes into the app at `root` for `domain`, rendered.
pub fn files(root: &Path, domain: &str) -> Result<Vec<(String, String)>, ResourceError> {
    crate::apptree::require_app(root)?;
    if domain.is_empty()
        || !domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(ResourceError::Invalid(format!(
            "--domain `{domain}` must be a host name (letters, digits, `.` and `-`), e.g. example.com"
        )));
    }
    let name = crate::app::crate_module(root).map_err(ResourceError::Invalid)?.replace('_', "-");
    let name = package_name(root).unwrap_or(name);
    let accounts = root.join(crate::auth::AUTH_MODULE).is_file();
    let model = Model {
        title: crate::resource::label_of(&name.replace('-', "_")),
        name: name.clone(),
        domain: domain.to_owned(),
        accounts,
        variables: VARIABLES.iter().filter(|v| accounts || !v.accounts).copied().collect(),
    };
    let templates = Templates::of("release").map_err(failed)?;
    let render = |path: &str| templates.render(path, &model).map_err(failed);
    Ok(vec![
        ("Dockerfile".to_owned(), render("Dockerfile")?),
        (".dockerignore".to_owned(), render("dockerignore")?),
        (format!("deploy/{name}.service"), render("deploy/app.service")?),
        ("deploy/nginx.conf".to_owned(), render("deploy/nginx.conf")?),
        (".env.example".to_owned(), render("env.example")?),
        ("RELEASE.md".to_owned(), render("RELEASE.md")?),
    ])
}

/// Writes them; refuses (writing nothing) when one exists, unless `force`.
pub fn write(root: &Path, domain: &str, force: bool) -> Result<Vec<String>, ResourceError> {
    let files = files(root, domain)?;
    let existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    if !force && !existing.is_empty() {
        return Err(ResourceError::Exists(existing));
    }
    crate::apptree::commit::commit(root, &files)
}

/// The `[package] name` of the app's `Cargo.toml` (its binary's name).
fn package_name(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    Some(manifest.get("package")?.get("name")?.as_str()?.to_owned())
}

fn failed(e: RenderError) -> ResourceError {
    ResourceError::Invalid(e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeSet;

    /// Every `env("NAME")`, `var("NAME")` and `var_os("NAME")` outside comments under `dir`.
    fn read_names(dir: &Path, names: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                read_names(&path, names);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for call in ["env(\"", "var(\"", "var_os(\""] {
                    for (at, _) in line.match_indices(call) {
                        let before = line[..at].chars().last();
                        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                            continue;
                        }
                        let rest = &line[at + call.len()..];
                        let name: String = rest
                            .chars()
                            .take_while(|c| {
                                c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_'
                            })
                            .collect();
                        if !name.is_empty() && rest[name.len()..].starts_with('"') {
                            names.insert(name);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_list_is_exactly_what_the_runtime_and_the_app_read() {
        let framework = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut read = BTreeSet::new();
        for crate_dir in std::fs::read_dir(framework.join("runtime")).unwrap().flatten() {
            if crate_dir.path().join("src").is_dir() {
                read_names(&crate_dir.path().join("src"), &mut read);
            }
        }
        for group in ["app", "auth", "auth-password"] {
            read_names(&framework.join("templates").join(group), &mut read);
        }
        // Set by the system (the node name's fallback), and by tests only.
        for not_for_operators in ["HOSTNAME", "TEST_DATABASE_URL"] {
            read.remove(not_for_operators);
        }
        let listed: BTreeSet<String> = VARIABLES.iter().map(|v| v.name.to_owned()).collect();
        assert_eq!(read, listed, "read by the code (left) and listed in VARIABLES (right)");
    }

    /// A folder `require_app` takes, named `shop`, with accounts or not.
    fn app(accounts: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"shop\"\n").unwrap();
        std::fs::create_dir_all(dir.path().join("spec")).unwrap();
        std::fs::write(dir.path().join("spec/routes.tsv"), "").unwrap();
        if accounts {
            std::fs::create_dir_all(dir.path().join("web")).unwrap();
            std::fs::write(dir.path().join(crate::auth::AUTH_MODULE), "").unwrap();
        }
        dir
    }

    fn file(files: &[(String, String)], path: &str) -> String {
        files.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone()).unwrap()
    }

    #[test]
    fn mail_settings_are_listed_only_for_an_app_with_accounts_and_a_bad_domain_is_refused() {
        let plain = files(app(false).path(), "shop.example.com").unwrap();
        let env = file(&plain, ".env.example");
        assert!(env.contains("\nSECRET_KEY_BASE=\n") && !env.contains("SMTP_URL"), "{env}");
        assert!(file(&plain, "deploy/nginx.conf").contains("server_name shop.example.com;"));
        let with = files(app(true).path(), "shop.example.com").unwrap();
        let env = file(&with, ".env.example");
        assert!(env.contains("\nSMTP_URL=smtps://") && env.contains("\nAPP_URL="), "{env}");
        for bad in ["", "shop example", "shop.com;evil", "a/b"] {
            let e = files(app(false).path(), bad).unwrap_err().to_string();
            assert!(e.contains("must be a host name"), "{bad}: {e}");
        }
        let e = files(tempfile::tempdir().unwrap().path(), "x.com").unwrap_err().to_string();
        assert!(e.contains("is not an app"), "{e}");
    }

    #[test]
    fn the_systemd_unit_passes_systemds_verifier() {
        let Ok(output) = std::process::Command::new("systemd-analyze").arg("--version").output()
        else {
            assert!(std::env::var_os("CI").is_none(), "CI installs systemd-analyze (.ci/test)");
            return;
        };
        assert!(output.status.success());
        let made = files(app(false).path(), "shop.example.com").unwrap();
        // The binary and environment file of a machine it is installed on.
        let unit = file(&made, "deploy/shop.service").replace("/usr/local/bin/shop", "/bin/true");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shop.service");
        std::fs::write(&path, &unit).unwrap();
        let verify = |path: &Path| {
            let out = std::process::Command::new("systemd-analyze")
                .args(["verify", "--man=no"])
                .arg(path)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            // Only what the unit says: a host without systemd running may add its own notes.
            let about: Vec<&str> = stderr.lines().filter(|l| l.contains("shop.service")).collect();
            (out.status.success(), about.join("\n"))
        };
        let (ok, said) = verify(&path);
        assert!(ok && said.is_empty(), "{said}");
        std::fs::write(&path, unit.replace("Restart=on-failure", "Restart=sometimes")).unwrap();
        let (_, said) = verify(&path);
        assert!(said.contains("sometimes"), "the verifier reads the unit: {said:?}");
    }

    #[test]
    fn the_nginx_site_passes_nginxs_own_check() {
        let Ok(output) = std::process::Command::new("nginx").arg("-v").output() else {
            assert!(std::env::var_os("CI").is_none(), "CI installs nginx (.ci/test)");
            return;
        };
        assert!(output.status.success());
        let made = files(app(false).path(), "shop.example.com").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A certificate of the machine it is installed on (the site names Let's Encrypt's).
        let cert = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"])
            .args(["-subj", "/CN=shop.example.com", "-keyout"])
            .arg(d.join("key.pem"))
            .arg("-out")
            .arg(d.join("cert.pem"))
            .output()
            .unwrap();
        assert!(cert.status.success(), "{}", String::from_utf8_lossy(&cert.stderr));
        let site = file(&made, "deploy/nginx.conf")
            .replace(
                "/etc/letsencrypt/live/shop.example.com/fullchain.pem",
                d.join("cert.pem").to_str().unwrap(),
            )
            .replace(
                "/etc/letsencrypt/live/shop.example.com/privkey.pem",
                d.join("key.pem").to_str().unwrap(),
            );
        let check = |site: &str| {
            std::fs::write(d.join("site.conf"), site).unwrap();
            // What nginx.conf around conf.d/ holds, with every path in the temporary folder.
            let main = format!(
                "pid {0}/nginx.pid;\nerror_log {0}/error.log;\nevents {{}}\nhttp {{\n\
                 access_log off;\nclient_body_temp_path {0}/body;\nproxy_temp_path {0}/proxy;\n\
                 fastcgi_temp_path {0}/fastcgi;\nuwsgi_temp_path {0}/uwsgi;\n\
                 scgi_temp_path {0}/scgi;\ninclude {0}/site.conf;\n}}\n",
                d.display()
            );
            std::fs::write(d.join("nginx.conf"), main).unwrap();
            let out = std::process::Command::new("nginx")
                .args(["-t", "-q", "-e"])
                .arg(d.join("error.log"))
                .arg("-p")
                .arg(d)
                .arg("-c")
                .arg(d.join("nginx.conf"))
                .output()
                .unwrap();
            let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
            (out.status.success(), format!("{}{log}", String::from_utf8_lossy(&out.stderr)))
        };
        let (ok, said) = check(&site);
        assert!(ok, "{said}");
        let (ok, said) = check(&site.replace("proxy_http_version 1.1;", "proxy_http_version;"));
        assert!(!ok && said.contains("proxy_http_version"), "nginx reads the site: {said}");
    }

    #[test]
    fn the_scan_finds_a_call_and_skips_comments_and_other_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.rs"),
            "let a = env(\"NEW_SETTING\");\n// env(\"IN_A_COMMENT\")\nmy_env(\"OTHER\");\nvar(\"lower\");\n",
        )
        .unwrap();
        let mut names = BTreeSet::new();
        read_names(dir.path(), &mut names);
        assert_eq!(names, BTreeSet::from(["NEW_SETTING".to_owned()]));
    }
}
