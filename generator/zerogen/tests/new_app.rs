#![allow(clippy::unwrap_used)]
//! End to end: `zerogen new app` into a temp folder, then the app builds without a warning,
//! passes its own tests and clippy, is fresh for `zerogen generate --check`, and its gate is
//! green. Cargo shares this workspace's target folder, so dependencies compile once.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    cargo_with(dir, args, &[])
}

fn cargo_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// Removes the test binaries `cargo test` ran in `dir` (see `support::forget_test_binaries`).
fn forget(dir: &Path, test: &Output) {
    support::forget_test_binaries(dir, &String::from_utf8_lossy(&test.stderr));
}

fn zerogen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zerogen")).args(args).current_dir(dir).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The warnings cargo printed for the app's own crate (dependencies are not the app's).
fn app_warnings(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| {
            l.starts_with("warning") && !l.contains("generated") && !l.contains("(lib) generated")
        })
        .map(str::to_owned)
        .collect()
}

/// `zerogen new app NAME` in `dir`, on this checkout; the app's folder and what zerogen printed.
fn new_app(dir: &Path, name: &str) -> (PathBuf, String) {
    let made =
        zerogen(dir, &["new", "app", name, "--zero-live-path", workspace().to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made));
    (dir.join(name), text(&made))
}

/// `cargo clippy` with warnings denied and `cargo fmt --check` pass in `app`.
fn lints_are_clean(app: &Path) {
    let clippy = cargo(app, &["clippy", "--all-targets", "--", "-D", "warnings"]);
    assert!(clippy.status.success(), "{}", text(&clippy));
    // Generated code reads like formatted code: rustfmt changes nothing, and neither does
    // `zerogen fmt` on the templates.
    let fmt = cargo(app, &["fmt", "--check"]);
    assert!(fmt.status.success(), "{}", text(&fmt));
    let templates = zerogen(app, &["fmt", "--check"]);
    assert!(templates.status.success(), "{}", text(&templates));
}

#[test]
fn a_new_app_builds_without_warnings_passes_its_tests_clippy_and_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, printed) = new_app(tmp.path(), "shop");
    assert!(printed.contains("cargo run"), "next steps are printed");

    let build = cargo(&app, &["build", "--all-targets"]);
    assert!(build.status.success(), "{}", text(&build));
    assert_eq!(app_warnings(&build), Vec::<String>::new(), "{}", text(&build));

    let test = cargo(&app, &["test"]);
    assert!(test.status.success(), "{}", text(&test));
    assert!(text(&test).contains("7 passed"), "{}", text(&test));
    forget(&app, &test);

    lints_are_clean(&app);

    let fresh = zerogen(&app, &["generate", "--check"]);
    assert!(fresh.status.success(), "{}", text(&fresh));
    // Organizations need accounts first; nothing is written.
    let orgs = zerogen(&app, &["scope", "org"]);
    assert_eq!(orgs.status.code(), Some(2), "{}", text(&orgs));
    assert!(text(&orgs).contains("run `zerogen auth` first"), "{}", text(&orgs));
    assert!(!app.join("src/orgs.rs").exists());
    let routes = zerogen(&app, &["routes", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&routes.stdout).unwrap();
    assert_eq!(json["routes"][0]["helper"], "home_path");
    // The app's docs site: its pages, its routes and components, its ledger.
    let site = app.join("target/site");
    let docs = zerogen(&app, &["docs", "--out", site.to_str().unwrap()]);
    assert!(docs.status.success(), "{}", text(&docs));
    for page in ["index.html", "app/routes.html", "app/components.html", "status.html"] {
        assert!(site.join(page).is_file(), "{page}: {}", text(&docs));
    }
    let components = std::fs::read_to_string(site.join("app/components.html")).unwrap();
    assert!(components.contains("<h2 id=\"modal\">modal</h2>"), "{components}");

    let gate = cargo(
        &workspace(),
        &["run", "-q", "-p", "zerogate", "--", "check", "--root", app.to_str().unwrap()],
    );
    assert!(gate.status.success(), "{}", text(&gate));
    assert!(text(&gate).contains("0 findings"), "{}", text(&gate));

    served_over_real_http(&app);

    // A route to a handler that does not exist fails the build at the generated line that
    // names the table row.
    let table = app.join("spec/routes.tsv");
    let edited =
        std::fs::read_to_string(&table).unwrap().replace("web::http::status", "web::http::gone");
    std::fs::write(&table, edited).unwrap();
    assert!(zerogen(&app, &["generate"]).status.success());
    let broken = cargo(&app, &["build"]);
    assert!(!broken.status.success());
    let message = text(&broken);
    assert!(message.contains("gone") && message.contains("web/routes.rs"), "{message}");
}

#[test]
fn a_package_passes_its_tests_and_mounts_into_an_app_whose_tests_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let checkout = workspace();
    let made = zerogen(
        tmp.path(),
        &["package", "help-desk", "--zero-live-path", checkout.to_str().unwrap()],
    );
    assert!(made.status.success(), "{}", text(&made));
    let package = tmp.path().join("help-desk");
    // The package alone: its domain and its views mounted in a test endpoint.
    let test = cargo(&package, &["test"]);
    assert!(test.status.success(), "{}", text(&test));
    assert_eq!(app_warnings(&test), Vec::<String>::new(), "{}", text(&test));
    assert!(text(&test).contains("3 passed"), "{}", text(&test));
    forget(&package, &test);
    lints_are_clean(&package);
    // A second package of that name is refused: the folder is taken.
    let again = zerogen(tmp.path(), &["package", "help-desk"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("is not empty"), "{}", text(&again));

    let (app, _) = new_app(tmp.path(), "shop");
    // A crate that is not a live package is refused, and nothing is written.
    let refused = zerogen(&app, &["mount", "../shop"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("is not a live package"), "{}", text(&refused));
    // A path that is taken by the app is refused at its row.
    let taken = zerogen(&app, &["mount", "../help-desk", "--at", "/about"]);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    assert!(text(&taken).contains("spec/routes.tsv:"), "{}", text(&taken));
    assert!(!app.join("tests/help_desk.rs").exists(), "nothing was written");
    let mounted = zerogen(&app, &["mount", "../help-desk", "--at", "/help"]);
    assert!(mounted.status.success(), "{}", text(&mounted));
    let routes = std::fs::read_to_string(app.join("spec/routes.tsv")).unwrap();
    assert!(routes.contains("GET\t/help\tmount\thelp_desk\tbrowser\t/\thelp_desk\tHelp Desk"));
    // The app's tests, its package's among them, pass; so do its lints and gate.
    let test = cargo(&app, &["test"]);
    assert!(test.status.success(), "{}", text(&test));
    assert_eq!(app_warnings(&test), Vec::<String>::new(), "{}", text(&test));
    assert!(text(&test).contains("the_help_desk_package_is_served_under_its_mount ... ok"));
    forget(&app, &test);
    lints_are_clean(&app);
    let gate = cargo(
        &workspace(),
        &["run", "-q", "-p", "zerogate", "--", "check", "--root", app.to_str().unwrap()],
    );
    assert!(gate.status.success(), "{}", text(&gate));
    assert!(text(&gate).contains("0 findings"), "{}", text(&gate));
    // A route the app adds under the package's path is refused by the table's check.
    let table = app.join("spec/routes.tsv");
    let under =
        format!("{routes}GET\t/help/extra\tlive\tweb::live::about::About\tbrowser\t/\t\t\n");
    std::fs::write(&table, under).unwrap();
    let generate = zerogen(&app, &["generate"]);
    assert_eq!(generate.status.code(), Some(1), "{}", text(&generate));
    assert!(text(&generate).contains("is under `/help`, where package `help_desk` is mounted"));
}

/// Every golden case (`tests/golden/*/in/args`), generated again on this checkout instead of
/// a released version: each crate it makes builds without a warning and passes its own tests,
/// so what the golden trees show a user is code that works.
#[test]
fn every_golden_case_builds_and_passes_its_own_tests() {
    let golden = workspace().join("tests/golden");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("in/args").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    let checkout = format!("--zero-live-path {}", workspace().display());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let args = std::fs::read_to_string(case.join("in/args")).unwrap();
        for line in args.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let line = line.replace("--zero-live-version 0.1.0", &checkout);
            let words: Vec<&str> = line.split_whitespace().collect();
            let made = zerogen(tmp.path(), &words);
            assert!(made.status.success(), "{name}: zerogen {line}: {}", text(&made));
        }
        let mut crates: Vec<PathBuf> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("Cargo.toml").is_file())
            .collect();
        crates.sort();
        assert!(!crates.is_empty(), "{name}: no crate made");
        for dir in crates {
            let test = cargo(&dir, &["test"]);
            forget(&dir, &test);
            let which = format!("{name}/{}", dir.file_name().unwrap().to_string_lossy());
            if !test.status.success() {
                failures.push(format!("{which}: cargo test failed:\n{}", text(&test)));
            } else if !app_warnings(&test).is_empty() {
                failures.push(format!("{which}: warnings: {:?}", app_warnings(&test)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One HTTP/1.1 request to `port`; the response head (lowercased) and body.
fn http(port: u16, method: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_ascii_lowercase(), body.to_owned())
}

/// The built app, run as a process: each kind of route, the health check, 404 and 405 over
/// real HTTP, with the endpoint's layers on every response and each pipeline only on its routes.
fn served_over_real_http(app: &Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(target_dir().join("debug/shop"))
        .current_dir(app)
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let result = std::panic::catch_unwind(|| {
        assert!(ready, "the app did not start");
        let (head, body) = http(port, "GET", "/");
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("x-pipeline: browser") && head.contains("x-request-id: "), "{head}");
        assert!(
            body.contains("data-zl-root") && body.contains("/assets/app/"),
            "live page with colocated assets"
        );
        let (head, body) = http(port, "GET", "/api/status");
        assert!(
            head.contains("x-pipeline: api") && !head.contains("x-pipeline: browser"),
            "{head}"
        );
        assert!(body.contains("\"app\":\"shop\""), "{body}");
        let (head, _) = http(port, "GET", "/assets/app.css");
        assert!(
            head.starts_with("http/1.1 200") && head.contains("cache-control: public, max-age=0"),
            "{head}"
        );
        let (head, body) = http(port, "GET", "/health");
        assert!(head.starts_with("http/1.1 200") && body.contains("\"status\":\"ok\""), "{head}");
        // Outside every pipeline: the endpoint's layers still apply, no pipeline's do.
        let (head, _) = http(port, "GET", "/nowhere");
        assert!(head.starts_with("http/1.1 404") && head.contains("x-request-id: "), "{head}");
        assert!(!head.contains("x-pipeline"), "{head}");
        let (head, _) = http(port, "DELETE", "/api/status");
        assert!(head.starts_with("http/1.1 405"), "{head}");
        // The browser pipeline refuses a state change without the CSRF token of its cookie.
        let (head, body) = http(port, "POST", "/");
        assert!(head.starts_with("http/1.1 403") && body.contains("csrf_invalid"), "{head}{body}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// The text of `attribute="..."` after `marker` in `html`.
fn attribute<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}")) + marker.len();
    let rest = &html[start..];
    &rest[..rest.find('"').unwrap()]
}

/// The release build alone: `cargo build --release`, only the binary copied to an empty folder,
/// run from `/` as another user (nobody, when the test runs as root) with nothing but
/// environment variables. It migrates its database, is ready, serves every page and asset
/// (its configuration, templates, migrations, stylesheets and client are in the binary), its
/// live page joins over a real socket, it logs JSON lines, and SIGTERM stops it.
#[test]
fn a_release_binary_copied_alone_serves_from_root_with_only_its_environment() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let (app, _) = new_app(tmp.path(), "solo");
    let made = zerogen(&app, &["resource", "Post", "posts", "title:string"]);
    assert!(made.status.success(), "{}", text(&made));
    let built = cargo(&app, &["build", "--release", "-q"]);
    assert!(built.status.success(), "{}", text(&built));
    // An empty folder anyone may enter, holding the binary and nothing else; the database in a
    // folder of its own the server's user may write.
    let deploy = tempfile::tempdir().unwrap();
    std::fs::set_permissions(deploy.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary = deploy.path().join("solo");
    std::fs::copy(target_dir().join("release/solo"), &binary).unwrap();
    // The app's folder is gone: nothing the build knew the path of is there to read.
    std::fs::rename(&app, tmp.path().join("moved-away")).unwrap();
    let data = deploy.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let as_root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    // The binary as another user, from `/`, with only `env`.
    let run = |args: &[&str], env: &[(&str, String)]| {
        let mut command = if as_root {
            let mut command = Command::new("setpriv");
            command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&binary);
            command
        } else {
            Command::new(&binary)
        };
        command.args(args).current_dir("/").env_clear();
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    };
    let env = [
        ("PORT", port.to_string()),
        ("SECRET_KEY_BASE", "r".repeat(64)),
        ("DATABASE_URL", format!("sqlite://{}/solo.db", data.display())),
    ];
    // Its commands: version, help, a usage error, the configuration checked, migrations.
    let output = run(&["version"], &[]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "solo 0.1.0\n");
    let output = run(&["--help"], &[]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("check-config"), "{output:?}");
    let output = run(&["deploy"], &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unrecognized subcommand 'deploy'"));
    let output = run(&["check-config"], &env[..2]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let output = run(&["check-config"], &env[2..]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "no key: {}", text(&output));
    assert!(text(&output).contains("SECRET_KEY_BASE is not set"), "{}", text(&output));
    let output = run(&["migrate"], &env).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(data.join("solo.db").is_file(), "migrated into DATABASE_URL");
    let log = deploy.path().join("solo.log");
    let mut child = run(&[], &env)
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ready = (0..400).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && http(port, "GET", "/health/ready").0.starts_with("http/1.1 200")
    });
    let result = std::panic::catch_unwind(|| {
        assert!(ready, "the binary did not become ready");
        let (_, body) = http(port, "GET", "/health/ready");
        assert!(body.contains("\"database\":\"ok\""), "{body}");
        for page in ["/", "/components", "/about", "/posts", "/posts/new"] {
            let (head, body) = http(port, "GET", page);
            assert!(head.starts_with("http/1.1 200"), "{page}: {head}");
            assert!(body.contains("data-zl-root"), "{page} is a live page");
        }
        let (_, home) = http(port, "GET", "/");
        // Every asset the page names (the client, colocated files, stylesheets, the icon).
        let mut assets: Vec<&str> =
            home.split("=\"/assets/").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        assets.sort_unstable();
        assets.dedup();
        assert!(assets.len() >= 4, "{assets:?}");
        assert!(assets.iter().any(|a| a.starts_with("zl-")), "the client: {assets:?}");
        let assets: Vec<String> = assets.iter().map(|a| format!("/assets/{a}")).collect();
        for asset in assets {
            let (head, body) = http(port, "GET", &asset);
            assert!(head.starts_with("http/1.1 200") && !body.is_empty(), "{asset}: {head}");
        }
        // The live page joins with the tokens it carries.
        let session = attribute(&home, "data-zl-session=\"");
        let csrf = attribute(&home, "name=\"csrf-token\" content=\"");
        let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let request =
            tungstenite::http::Request::get(format!("ws://127.0.0.1:{port}/live/websocket"))
                .header("host", format!("127.0.0.1:{port}"))
                .header("origin", format!("http://127.0.0.1:{port}"))
                .header("sec-websocket-protocol", "0x0-live.v1")
                .header("sec-websocket-key", tungstenite::handshake::client::generate_key())
                .header("sec-websocket-version", "13")
                .header("connection", "Upgrade")
                .header("upgrade", "websocket")
                .body(())
                .unwrap();
        let (mut ws, _) = tungstenite::client(request, tcp).unwrap();
        let join = serde_json::json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/", "session": session, "csrf": csrf, "url": "/"});
        ws.send(tungstenite::Message::text(join.to_string())).unwrap();
        let reply = ws.read().unwrap();
        let reply: serde_json::Value = serde_json::from_str(reply.to_text().unwrap()).unwrap();
        assert_eq!(reply["kind"], "reply", "{reply}");
        assert_eq!(reply["status"], "ok", "{reply}");
        let _ = ws.close(None);
    });
    // SIGTERM: the server drains and exits on its own.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let exited = (0..400).find_map(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        child.try_wait().ok().flatten()
    });
    if exited.is_none() {
        let _ = child.kill();
    }
    let stderr = child.wait_with_output().map(|o| String::from_utf8_lossy(&o.stderr).into_owned());
    if let Err(panic) = result {
        eprintln!("the binary's stderr: {}", stderr.unwrap_or_default());
        std::panic::resume_unwind(panic);
    }
    assert!(exited.is_some_and(|status| status.success()), "SIGTERM stops it cleanly: {exited:?}");
    let logged = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> =
        logged.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        lines.iter().any(|l| l["target"] == "zero_live::access" && l["route"] == "/posts"),
        "a release build logs JSON access lines: {logged}"
    );
    // The resource's migration comes back out by its down file, once; then it goes back in.
    let output = run(&["rollback-migration", "--step", "0"], &env).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("invalid value '0' for '--step <N>'"), "{}", text(&output));
    let output = run(&["rollback-migration"], &env).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    // Standard output has the log's JSON lines and the command's own lines.
    let said = |output: &Output| -> Vec<String> {
        let stdout = String::from_utf8_lossy(&output.stdout);
        stdout.lines().filter(|l| !l.starts_with('{')).map(str::to_owned).collect()
    };
    let lines = said(&output);
    assert!(
        lines.len() == 1
            && lines[0].starts_with("reverted ")
            && lines[0].ends_with(" (create posts)"),
        "{lines:?}"
    );
    let output = run(&["rollback-migration"], &env).output().unwrap();
    assert_eq!(said(&output), ["nothing to roll back"]);
    let output = run(&["migrate"], &env).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

/// The crates an app depends on, directly or through each other: what a release publishes.
const PUBLISHED: [&str; 10] = [
    "zero-diag",
    "zero-security",
    "zero-template",
    "zero-live-core",
    "zero-pubsub",
    "zero-values",
    "zero-db",
    "zero-live",
    "zero-auth",
    "zero-dashboard",
];

/// An app made for a registry release (`--zero-live-version`) builds and passes its tests
/// against the framework's crates as `cargo package` makes them (each `.crate` unpacked, and
/// crates.io's `zero-*` patched to them), not against this checkout: a file a crate reads from
/// outside its folder, or a dependency without a version, fails here.
#[test]
fn an_app_builds_and_passes_its_tests_against_the_packaged_crates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut package = vec!["package", "--no-verify", "--allow-dirty", "--target-dir"];
    let packages = tmp.path().join("packages");
    package.push(packages.to_str().unwrap());
    for name in PUBLISHED {
        package.extend(["-p", name]);
    }
    let packed = cargo(&workspace(), &package);
    assert!(packed.status.success(), "{}", text(&packed));
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let mut patches = Vec::new();
    for name in PUBLISHED {
        let file = packages.join(format!("package/{name}-0.1.0.crate"));
        let untar = Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(&unpacked).output();
        assert!(untar.unwrap().status.success(), "{}", file.display());
        let dir = unpacked.join(format!("{name}-0.1.0"));
        patches.push(format!("patch.crates-io.{name}.path={:?}", dir.to_str().unwrap()));
    }
    // Nothing of the checkout is reachable from the unpacked crates.
    let live = std::fs::read_to_string(unpacked.join("zero-live-0.1.0/Cargo.toml")).unwrap();
    let outside = |l: &str| l.starts_with("path = \"..") || l.starts_with("path = \"/");
    assert!(!live.lines().any(outside), "a packaged manifest names nothing outside: {live}");
    let made = zerogen(tmp.path(), &["new", "app", "shop", "--zero-live-version", "0.1.0"]);
    assert!(made.status.success(), "{}", text(&made));
    let app = tmp.path().join("shop");
    for args in [&["auth"][..], &["resource", "Item", "items", "name:string"][..]] {
        let made = zerogen(&app, args);
        assert!(made.status.success(), "{}", text(&made));
    }
    let mut test = vec!["test".to_owned(), "-q".to_owned()];
    for patch in &patches {
        test.extend(["--config".to_owned(), patch.clone()]);
    }
    let test: Vec<&str> = test.iter().map(String::as_str).collect();
    let tested = cargo(&app, &test);
    assert!(tested.status.success(), "{}", text(&tested));
    forget(&app, &tested);
    // And the lock file says so: every framework crate came from the unpacked folder.
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).unwrap();
    let checkout = workspace().display().to_string();
    assert!(!lock.contains(&checkout), "nothing from the checkout: {lock}");
    let tree =
        cargo(&app, &[&["tree", "-e", "normal", "-i", "zero-live"][..], &test[2..]].concat());
    assert!(
        text(&tree).contains(unpacked.join("zero-live-0.1.0").to_str().unwrap()),
        "{}",
        text(&tree)
    );
}

#[test]
fn new_app_refuses_bad_names_and_non_empty_folders_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = zerogen(tmp.path(), &["new", "app", "My App"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("invalid name `My App`"), "{}", text(&bad));
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    std::fs::write(tmp.path().join("taken/notes.txt"), "mine").unwrap();
    let taken = zerogen(tmp.path(), &["new", "app", "taken"]);
    assert_eq!(taken.status.code(), Some(2));
    assert!(text(&taken).contains("is not empty"), "{}", text(&taken));
    assert_eq!(std::fs::read_dir(tmp.path().join("taken")).unwrap().count(), 1);
    let nowhere = zerogen(tmp.path(), &["new", "app", "x", "--zero-live-path", "/nonexistent"]);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(text(&nowhere).contains("not a 0x0 Live checkout"), "{}", text(&nowhere));
    let routes = zerogen(tmp.path(), &["--root", tmp.path().to_str().unwrap(), "routes"]);
    assert_eq!(routes.status.code(), Some(2), "{}", text(&routes));
}

/// `zerogen resource` twice (the second referencing the first) and once with `--json` (a JSON
/// API referencing the second) in a new app: the app still builds without a warning, its
/// generated tests (domain against SQLite, live pages over a real socket, the API through the
/// router) pass, clippy and rustfmt change nothing, the router is fresh and the gate is green.
/// A second run refuses to overwrite, and bad arguments or a taken migration version write
/// nothing.
#[test]
fn resources_add_tables_pages_and_tests_that_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, _) = new_app(tmp.path(), "library");
    let author = [
        "resource",
        "Author",
        "authors",
        "name:string:unique",
        "born:date:optional",
        "--timestamp",
        "20261125120000",
    ];
    let made = zerogen(&app, &author);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("Wrote src/authors.rs"), "{}", text(&made));
    let book = [
        "resource",
        "Book",
        "books",
        "title:string:unique",
        "summary:text:optional",
        "pages:integer:default=100",
        "price:decimal",
        "rating:float:optional",
        "in_print:boolean:default=true",
        "released_at:datetime",
        "isbn_id:uuid:optional",
        "format:enum:paper:ebook",
        "author_id:references:authors",
        "--timestamp",
        "20261125120100",
    ];
    let made = zerogen(&app, &book);
    assert!(made.status.success(), "{}", text(&made));
    // A JSON API instead of live pages, referencing a live resource; its version is taken by
    // the books' migration, so it is refused until it is a free one.
    let mut review = vec![
        "resource",
        "Review",
        "reviews",
        "stars:integer",
        "comment:text:optional",
        "book_id:references:books",
        "--json",
        "--timestamp",
        "20261125120100",
    ];
    let taken = zerogen(&app, &review);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    assert!(text(&taken).contains("is the version of another migration"), "{}", text(&taken));
    assert!(!app.join("src/reviews.rs").exists(), "nothing written");
    review[8] = "20261125120200";
    let made = zerogen(&app, &review);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("serves /api/reviews"), "{}", text(&made));
    assert!(app.join("web/api/reviews.rs").is_file() && !app.join("web/live/reviews").exists());
    // Made before the accounts: given owners after them.
    let genre = ["resource", "Genre", "genres", "name:string", "--timestamp", "20261125120250"];
    let made = zerogen(&app, &genre);
    assert!(made.status.success(), "{}", text(&made));
    // Accounts (with passwords, and rows owned by a scope named `owner`): their tables, pages,
    // wiring and tests.
    let bad_scope = zerogen(&app, &["auth", "--scope", "owner_id"]);
    assert_eq!(bad_scope.status.code(), Some(2), "{}", text(&bad_scope));
    assert!(text(&bad_scope).contains("not ending in `_id`"), "{}", text(&bad_scope));
    assert!(!app.join("web/auth.rs").exists(), "nothing written");
    let auth = ["auth", "--password", "--scope", "owner", "--timestamp", "20261125120300"];
    let auth = zerogen(&app, &auth);
    assert!(auth.status.success(), "{}", text(&auth));
    assert!(text(&auth).contains("Wrote tests/auth.rs"), "{}", text(&auth));
    assert!(app.join("migrations/sqlite/20261125120300_create_users_auth_tables.sql").is_file());
    let routes = std::fs::read_to_string(app.join("spec/routes.tsv")).unwrap();
    assert!(routes.contains("/users/settings/password\thttp\tweb::auth::update_password"));
    let scopes = std::fs::read_to_string(app.join("spec/scopes.tsv")).unwrap();
    assert!(scopes.ends_with("\nowner\tyes\towner_id\tusers\t\n"), "{scopes}");
    assert!(text(&auth).contains("zerogen resource Genre genres name:string --force"));
    assert!(text(&auth).contains("zerogen resource Author authors"), "{}", text(&auth));
    // Authors are referenced by books, which stay everyone's: refused until books have owners.
    let authors =
        zerogen(&app, &["resource", "Author", "authors", "name:string:unique", "--force"]);
    assert_eq!(authors.status.code(), Some(2), "{}", text(&authors));
    assert!(text(&authors).contains("the rows of `books` are everyone's"), "{}", text(&authors));
    let converted = zerogen(
        &app,
        &["resource", "Genre", "genres", "name:string", "--force", "--timestamp", "20261125120350"],
    );
    assert!(converted.status.success(), "{}", text(&converted));
    assert!(app.join("migrations/sqlite/20261125120350_add_owner_id_to_genres.sql").is_file());
    assert!(app.join("migrations/sqlite/20261125120250_create_genres.sql").is_file(), "kept");
    let domain = std::fs::read_to_string(app.join("src/genres.rs")).unwrap();
    assert!(domain.contains("pub async fn list(scope: &Scope, db: &Db)"), "{domain}");
    // After the accounts, rows belong to users; a JSON API of them is refused.
    let shelf =
        ["resource", "Shelf", "shelves", "label:string:unique", "--timestamp", "20261125120400"];
    let made = zerogen(&app, &shelf);
    assert!(made.status.success(), "{}", text(&made));
    let domain = std::fs::read_to_string(app.join("src/shelves.rs")).unwrap();
    assert!(domain.contains("pub async fn list(scope: &Scope, db: &Db)"), "{domain}");
    assert!(domain.contains("WHERE id = $1 AND owner_id = $2"), "{domain}");
    let unknown = zerogen(&app, &["resource", "Bin", "bins", "label:string", "--scope", "team"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("no such scope in spec/scopes.tsv; the app's are: owner"));
    // A reference to owned rows must name the scope's own (no unique field here: a double
    // submit of its form must still save once).
    let item = [
        "resource",
        "Item",
        "items",
        "name:string",
        "shelf_id:references:shelves",
        "--timestamp",
        "20261125120500",
    ];
    let made = zerogen(&app, &item);
    assert!(made.status.success(), "{}", text(&made));
    let domain = std::fs::read_to_string(app.join("src/items.rs")).unwrap();
    assert!(domain.contains("own_references(db, owner, attrs).await?;"), "{domain}");
    // Pages that are not live, of owned rows.
    let memo = [
        "resource",
        "Memo",
        "memos",
        "title:string",
        "shelf_id:references:shelves:optional",
        "--html",
        "--timestamp",
        "20261125120550",
    ];
    let made = zerogen(&app, &memo);
    assert!(made.status.success(), "{}", text(&made));
    assert!(app.join("web/html/memos.rs").is_file() && !app.join("web/live/memos").exists());
    // Who owns a table is read from the scopes table, which lists each owned resource.
    let scopes = std::fs::read_to_string(app.join("spec/scopes.tsv")).unwrap();
    assert!(scopes.ends_with("\towner_id\tusers\tgenres shelves items memos\n"), "{scopes}");
    let unowned = ["resource", "Shelf", "shelves", "label:string", "--no-scope", "--force"];
    let refused = zerogen(&app, &unowned);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("cannot become everyone's"), "{}", text(&refused));
    let api = zerogen(&app, &["resource", "Bin", "bins", "label:string", "--json"]);
    assert_eq!(api.status.code(), Some(2), "{}", text(&api));
    assert!(text(&api).contains("rows belong to users"), "{}", text(&api));
    assert!(!app.join("src/bins.rs").exists(), "nothing written");
    // Rows for everyone (`--no-scope`) may have a JSON API, and may not point at owned rows.
    let shared = ["resource", "Tag", "tags", "shelf_id:references:shelves", "--no-scope"];
    let refused = zerogen(&app, &shared);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("belong to a scope (owner_id)"), "{}", text(&refused));
    let bins = ["resource", "Bin", "bins", "label:string", "--json", "--no-scope"];
    let bins = [&bins[..], &["--timestamp", "20261125120600"]].concat();
    let made = zerogen(&app, &bins);
    assert!(made.status.success(), "{}", text(&made));
    let domain = std::fs::read_to_string(app.join("src/bins.rs")).unwrap();
    assert!(!domain.contains("Scope"), "{domain}");
    // Teams: organizations with members and roles, and rows that belong to the current team
    // (live and not), which rows of a user cannot reference.
    let made = zerogen(&app, &["scope", "team", "--timestamp", "20261125120700"]);
    assert!(made.status.success(), "{}", text(&made));
    let second = zerogen(&app, &["scope", "crew"]);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(text(&second).contains("has organizations already (`team`"), "{}", text(&second));
    let sprints = [
        "resource",
        "Sprint",
        "sprints",
        "name:string",
        "--scope",
        "team",
        "--timestamp",
        "20261125120710",
    ];
    let made = zerogen(&app, &sprints);
    assert!(made.status.success(), "{}", text(&made));
    let domain = std::fs::read_to_string(app.join("src/sprints.rs")).unwrap();
    assert!(domain.contains("scope.organization_id().ok_or(DbError::NotFound)"), "{domain}");
    let logs = [
        "resource",
        "Log",
        "logs",
        "entry:text",
        "sprint_id:references:sprints",
        "--html",
        "--scope",
        "team",
        "--timestamp",
        "20261125120720",
    ];
    let made = zerogen(&app, &logs);
    assert!(made.status.success(), "{}", text(&made));
    let pins = ["resource", "Pin", "pins", "sprint_id:references:sprints"];
    let crossed = zerogen(&app, &pins);
    assert_eq!(crossed.status.code(), Some(2), "{}", text(&crossed));
    assert!(text(&crossed).contains("belong to another scope"), "{}", text(&crossed));
    // A component of the app's own, called from a page; the gallery shows its example.
    let tag = ["component", "price_tag", "amount:float:required", "note:string", "--slot", "extra"];
    let made = zerogen(&app, &tag);
    assert!(made.status.success(), "{}", text(&made));
    let taken = zerogen(&app, &["component", "price_tag", "amount:float"]);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    assert!(text(&taken).contains("already exist: nothing was written"), "{}", text(&taken));
    let bad = zerogen(&app, &["component", "button", "a:string"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    // Another layout; its own test lays a page out with it.
    let made = zerogen(&app, &["layout", "admin"]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(app.join("web/layouts/admin_layout.html.0x0").is_file());
    let taken = zerogen(&app, &["layout", "admin"]);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    let reserved = zerogen(&app, &["layout", "app"]);
    assert_eq!(reserved.status.code(), Some(2), "{}", text(&reserved));
    let about = app.join("web/live/about.html.0x0");
    let page = std::fs::read_to_string(&about).unwrap();
    let called = page.replacen(
        "</.app_layout>",
        "  <.price_tag amount={2.5} note=\"A note\">Inside</.price_tag>\n</.app_layout>",
        1,
    );
    std::fs::write(&about, called).unwrap();

    let build = cargo(&app, &["build", "--all-targets"]);
    assert!(build.status.success(), "{}", text(&build));
    assert_eq!(app_warnings(&build), Vec::<String>::new(), "{}", text(&build));
    let test = cargo(&app, &["test"]);
    assert!(test.status.success(), "{}", text(&test));
    for suite in [
        "tests/authors.rs",
        "tests/books.rs",
        "tests/reviews.rs",
        "tests/auth.rs",
        "tests/shelves.rs",
        "tests/items.rs",
        "tests/memos.rs",
        "tests/bins.rs",
        "tests/genres.rs",
    ] {
        assert!(text(&test).contains(suite), "{suite} ran: {}", text(&test));
    }
    // Another user's row answers 404 in the app's layout, live and not.
    for owned in ["shelf", "item", "memo"] {
        let passed = format!("another_users_{owned}_page_is_not_found_in_the_layout ... ok");
        assert!(text(&test).contains(&passed), "{passed}: {}", text(&test));
    }
    // The same generated tests on Postgres (CI starts one with `.ci/postgres`).
    match std::env::var("ZERO_DB_POSTGRES_URL") {
        Ok(url) => {
            let on_postgres = cargo_with(&app, &["test"], &[("TEST_DATABASE_URL", &url)]);
            assert!(on_postgres.status.success(), "{}", text(&on_postgres));
            forget(&app, &on_postgres);
        }
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("ZERO_DB_POSTGRES_URL is not set: CI runs the generated tests on Postgres too")
        }
        Err(_) => {}
    }
    forget(&app, &test);
    lints_are_clean(&app);
    let fresh = zerogen(&app, &["generate", "--check"]);
    assert!(fresh.status.success(), "{}", text(&fresh));
    let gate = cargo(
        &workspace(),
        &["run", "-q", "-p", "zerogate", "--", "check", "--root", app.to_str().unwrap()],
    );
    assert!(gate.status.success() && text(&gate).contains("0 findings"), "{}", text(&gate));

    // Again: refused, nothing changed.
    let before = std::fs::read_to_string(app.join("src/authors.rs")).unwrap();
    let again = zerogen(&app, &author);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already exist") && text(&again).contains("--force"));
    assert_eq!(std::fs::read_to_string(app.join("src/authors.rs")).unwrap(), before);
    // Bad arguments: exit 2, the argument named, nothing written.
    let bad = zerogen(&app, &["resource", "Tag", "tags", "name:strng"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("field 1 `name:strng`: unknown type `strng`"), "{}", text(&bad));
    assert!(!app.join("src/tags.rs").exists());
    let orphan = zerogen(&app, &["resource", "Note", "notes", "crate_id:references:crates"]);
    assert_eq!(orphan.status.code(), Some(2));
    assert!(text(&orphan).contains("needs the `crates` resource first"), "{}", text(&orphan));
    // Accounts again: refused, nothing changed.
    let web = std::fs::read_to_string(app.join("web/mod.rs")).unwrap();
    let again = zerogen(&app, &["auth"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("tests/auth.rs") && text(&again).contains("--force"));
    assert_eq!(std::fs::read_to_string(app.join("web/mod.rs")).unwrap(), web);
}

/// `zerogen auth` outside an app, in one whose `web/features.rs` was reshaped, or in one
/// without that extension point, writes nothing and says what to do.
#[test]
fn auth_refuses_a_folder_that_is_not_an_app_and_a_reshaped_app() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = zerogen(tmp.path(), &["auth"]);
    assert_eq!(outside.status.code(), Some(2), "{}", text(&outside));
    let (app, _) = new_app(tmp.path(), "shop");
    let features = app.join("web/features.rs");
    let original = std::fs::read_to_string(&features).unwrap();
    let reshaped = original.replace("        Ok(())\n", "        my_own_check()\n");
    assert_ne!(reshaped, original);
    std::fs::write(&features, &reshaped).unwrap();
    let refused = zerogen(&app, &["auth"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("is not as a generator wrote it"), "{}", text(&refused));
    assert!(text(&refused).contains("pub accounts: zero_auth::Accounts"), "{}", text(&refused));
    assert!(!app.join("tests/auth.rs").exists(), "nothing written");
    assert_eq!(std::fs::read_to_string(&features).unwrap(), reshaped);
    // An app without the extension point (made before it) is told how to add it.
    std::fs::remove_file(&features).unwrap();
    let refused = zerogen(&app, &["auth"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("has no web/features.rs"), "{}", text(&refused));
    assert!(!app.join("tests/auth.rs").exists(), "nothing written");
    std::fs::write(&features, &original).unwrap();
    // A migration version another migration has is refused too.
    let item = ["resource", "Item", "items", "name:string", "--timestamp", "20261125120000"];
    assert!(zerogen(&app, &item).status.success());
    let taken = zerogen(&app, &["auth", "--timestamp", "20261125120000"]);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    assert!(text(&taken).contains("is the version of another migration"), "{}", text(&taken));
    assert!(!app.join("web/auth.rs").exists(), "nothing written");
}
