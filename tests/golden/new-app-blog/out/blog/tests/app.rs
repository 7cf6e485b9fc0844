//! Blog over HTTP (each route, its pipeline, the endpoint's layers) and its live views over
//! a real socket (`zero_live::testing`).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use tower::ServiceExt as _;
use zero_live::testing::TestServer;
use zero_live::{Endpoint, LiveConfig, Signer};

use blog::web::App;

mod support;

/// The app on a fresh, migrated database (see `support`).
async fn app() -> App {
    let db = support::database().await;
    App::new(LiveConfig::default(), Signer::random(), Endpoint::default(), db)
}

async fn get(app: &App, path: &str) -> axum::response::Response {
    let request = Request::get(path).body(Body::empty()).expect("a request");
    app.router.clone().oneshot(request).await.expect("a response")
}

async fn body(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("a body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn header_of<'a>(response: &'a axum::response::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn the_home_page_renders_disconnected_through_the_browser_pipeline() {
    let app = app().await;
    let response = get(&app, "/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, "x-pipeline"), "browser");
    assert_eq!(header_of(&response, "x-frame-options"), "DENY");
    assert!(!header_of(&response, "x-request-id").is_empty(), "every response has a request id");
    assert!(header_of(&response, "content-security-policy").contains("script-src 'self'"));
    let html = body(response).await;
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<title>Home</title>"));
    assert!(html.contains("data-zl-root") && html.contains("id=\"tally\""), "{html}");
    assert!(html.contains("aria-current=\"page\">Home</a>"), "the active link: {html}");
}

#[tokio::test]
async fn http_routes_health_and_static_files_answer_and_unknown_ones_do_not() {
    let app = app().await;
    let status = get(&app, "/api/status").await;
    assert_eq!(status.status(), StatusCode::OK);
    assert_eq!(header_of(&status, "x-pipeline"), "api");
    assert_eq!(header_of(&status, "cache-control"), "no-store");
    let json: serde_json::Value = serde_json::from_str(&body(status).await).expect("JSON");
    assert_eq!(json["app"], env!("CARGO_PKG_NAME"));
    let health = get(&app, "/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert!(body(health).await.contains("\"status\":\"ok\""));
    let ready = get(&app, "/health/ready").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(body(ready).await.contains("\"database\":\"ok\""), "the database is checked");
    assert_eq!(get(&app, "/health/live").await.status(), StatusCode::OK);
    let css = get(&app, "/assets/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    // An asset passes no pipeline of pages: it sets no cookie, so a shared cache keeps it.
    assert_eq!(header_of(&css, "set-cookie"), "", "an asset sets no cookie");
    assert_eq!(header_of(&css, "x-pipeline"), "");
    // The theme's stylesheet, generated from spec/theme.tsv, sets every token app.css uses.
    let theme = body(get(&app, "/assets/theme.css").await).await;
    let used = body(get(&app, "/assets/app.css").await).await;
    for token in used.split("var(--").skip(1).filter_map(|rest| rest.split(')').next()) {
        assert!(theme.contains(&format!("--{token}:")), "--{token} is not in theme.css");
    }
    assert_eq!(header_of(&css, "cache-control"), "public, max-age=0, must-revalidate");
    // Served from the binary: a browser's current copy is confirmed, not sent again.
    let etag = header_of(&css, "etag").to_owned();
    let again = Request::get("/assets/app.css").header(header::IF_NONE_MATCH, &etag);
    let again = app.router.clone().oneshot(again.body(Body::empty()).expect("a request"));
    assert_eq!(again.await.expect("a response").status(), StatusCode::NOT_MODIFIED);
    let icon = get(&app, "/assets/favicon.svg").await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(header_of(&icon, "content-type"), "image/svg+xml");
    let missing = get(&app, "/nowhere/a&b").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(!header_of(&missing, "x-request-id").is_empty(), "the endpoint's layers apply");
    assert_eq!(header_of(&missing, "x-pipeline"), "", "no pipeline runs for an unknown path");
    assert!(header_of(&missing, "content-security-policy").contains("script-src 'self'"));
    let html = body(missing).await;
    assert!(html.contains("<title>Page not found</title>"), "{html}");
    assert!(html.contains("class=\"app-header\""), "in the app layout: {html}");
    assert!(html.contains("<h1>Page not found</h1>"), "{html}");
    assert!(html.contains("<code>/nowhere/a&amp;b</code>"), "the path, escaped: {html}");
    assert!(!html.contains("data-zl-root"), "a page that is not live: {html}");
    assert!(html.contains("rel=\"icon\" href=\"/assets/favicon.svg\""), "{html}");
    assert_eq!(get(&app, "/assets/missing.css").await.status(), StatusCode::NOT_FOUND);
    let post = Request::post("/api/status").body(Body::empty()).expect("a request");
    let refused = app.router.clone().oneshot(post).await.expect("a response");
    assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// The browser pipeline refuses a state-changing request without the CSRF token of its cookie
/// before any handler runs (with the pipeline's headers); a GET hands out the cookie.
#[tokio::test]
async fn browser_routes_refuse_a_post_without_its_csrf_token() {
    let app = app().await;
    let page = get(&app, "/").await;
    let cookie = header_of(&page, "set-cookie");
    assert!(cookie.starts_with("zl_csrf=") && cookie.contains("HttpOnly"), "{cookie}");
    let cookie = cookie.split(';').next().expect("a cookie").to_owned();
    for (with_cookie, token) in [(false, None), (true, None), (true, Some("forged"))] {
        let mut post = Request::post("/");
        if with_cookie {
            post = post.header(header::COOKIE, &cookie);
        }
        if let Some(token) = token {
            post = post.header("x-csrf-token", token);
        }
        let response = app.router.clone().oneshot(post.body(Body::empty()).expect("a request"));
        let response = response.await.expect("a response");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{with_cookie} {token:?}");
        assert_eq!(header_of(&response, "x-frame-options"), "DENY");
        assert!(body(response).await.contains("csrf_invalid"));
    }
}

#[tokio::test]
async fn a_bad_step_is_refused_and_a_big_body_gets_413() {
    let app = app().await;
    assert_eq!(get(&app, "/?step=0").await.status(), StatusCode::BAD_REQUEST);
    let big = Request::post("/api/status")
        .header(header::CONTENT_LENGTH, 64 << 20)
        .body(Body::from(vec![b'x'; 64 << 20]))
        .expect("a request");
    let response = app.router.clone().oneshot(big).await.expect("a response");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_tally_counts_live_patches_its_step_and_resets_with_a_flash() {
    let app = app().await;
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let mut home = server.live("/").await.expect("joined");
    home.event("inc", json!({})).await.expect("inc");
    assert!(
        home.html()
            .expect("html")
            .contains("<p id=\"tally\" class=\"tally\" aria-live=\"polite\">1</p>")
    );
    home.patch("/?step=5").await.expect("patched");
    home.event("dec", json!({})).await.expect("dec");
    assert!(home.html().expect("html").contains(">-4</p>"));
    let reply = home.event("reset", json!({})).await.expect("reset");
    assert_eq!(reply["flash"]["info"], "The tally is back to zero.");
    let exec = home.receive().await.expect("the dialog closes");
    assert_eq!(exec["ops"], json!([["hide", {"to": "#reset-dialog"}]]));
    assert!(home.event("explode", json!({})).await.is_err(), "unknown events are refused");
}

#[tokio::test]
async fn the_dashboard_shows_the_node_live_in_a_debug_build_and_nothing_without_a_token() {
    let app = app().await;
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    if !cfg!(debug_assertions) {
        // A release build without METRICS_TOKEN: the page does not exist.
        assert_eq!(get(&app, "/dev/dashboard").await.status(), StatusCode::NOT_FOUND);
        return;
    }
    let _home = server.live("/").await.expect("joined");
    let mut dashboard = server.live("/dev/dashboard").await.expect("joined");
    // The next tick counts both sessions, each by its view.
    let html = dashboard.render_async().await.expect("a tick");
    assert!(html.contains("Live sessions") && html.contains("2 of "), "{html}");
    assert!(html.contains("web::live::home::Home</code>"), "the home page's session: {html}");
    assert!(dashboard.event("explode", json!({})).await.is_err(), "unknown events are refused");
}

#[tokio::test]
async fn navigate_moves_to_the_about_page_over_the_same_socket() {
    let app = app().await;
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let mut view = server.live("/").await.expect("joined");
    let reply = view.navigate("/about").await.expect("navigated");
    assert_eq!(reply["title"], "About");
    let html = view.html().expect("html");
    assert!(
        html.contains("<dt>Version</dt>") && html.contains("aria-current=\"page\">About"),
        "{html}"
    );
    assert!(view.navigate("/nowhere").await.is_err());
}

#[tokio::test]
async fn the_gallery_keeps_tab_and_page_in_the_url_and_refuses_bad_ones() {
    let app = app().await;
    let html = body(get(&app, "/components?tab=details&page=6").await).await;
    assert!(
        html.contains("id=\"tab-details\" href=\"/components?tab=details&amp;page=6\""),
        "{html}"
    );
    assert!(html.contains("aria-selected=\"true\""), "{html}");
    assert!(html.contains("aria-current=\"page\">6</a>"), "{html}");
    // Each component of the app's own (`zerogen component`) shows its example.
    let html = body(get(&app, "/components").await).await;
    for example in blog::web::components::EXAMPLES {
        let section = format!("<section id=\"example-{}\" class=\"example\">", example.name);
        assert!(html.contains(&section), "{section}: {html}");
        assert!(html.contains(&(example.render)()), "{html}");
    }
    assert_eq!(get(&app, "/components?page=13").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(get(&app, "/components?tab=nope").await.status(), StatusCode::BAD_REQUEST);
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let mut view = server.live("/components").await.expect("joined");
    view.patch("/components?tab=overview&page=12").await.expect("patched");
    assert!(view.html().expect("html").contains("Page 12 of 12"));
    let refused = view.patch("/components?page=99").await.expect("a reply");
    assert_eq!(refused["flash"]["error"], "page `99` is not from 1 to 12");
    assert!(view.html().expect("html").contains("Page 12 of 12"), "a bad page changes nothing");
}

#[tokio::test]
async fn the_gallery_table_removes_rows_shows_its_empty_state_and_refuses_unknown_rows() {
    let app = app().await;
    let html = body(get(&app, "/components").await).await;
    assert!(html.contains("<th scope=\"col\">What it does</th>"), "{html}");
    assert!(html.contains("id=\"row-modal\"") && !html.contains("table-empty"), "{html}");
    assert!(
        html.contains("id=\"gallery-note\" class=\"flash flash-info\" role=\"status\""),
        "{html}"
    );
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let mut view = server.live("/components").await.expect("joined");
    let reply = view.event("remove", json!({"name": "modal"})).await.expect("removed");
    assert_eq!(reply["flash"]["info"], "Removed modal.");
    let html = view.html().expect("html");
    assert!(!html.contains("id=\"row-modal\"") && html.contains("id=\"row-table\""), "{html}");
    // A row the table does not show is refused and changes nothing.
    let refused = view.event("remove", json!({"name": "modal"})).await.expect_err("refused");
    assert!(refused.to_string().contains("no row `modal`"), "{refused}");
    assert!(view.html().expect("html").contains("id=\"row-table\""));
    view.event("remove", json!({"name": "button"})).await.expect("removed");
    view.event("remove", json!({"name": "table"})).await.expect("removed");
    let html = view.html().expect("html");
    assert!(html.contains("<td colspan=\"3\">No components listed."), "{html}");
    view.event("restore", json!({})).await.expect("restored");
    assert!(view.html().expect("html").contains("id=\"row-modal\""));
}

#[tokio::test]
async fn the_database_is_migrated_on_load_and_config_dir_replaces_a_built_in_file() {
    let app = app().await;
    app.db.ping().await.expect("reachable");
    app.db.require_tables(&["_sqlx_migrations"]).await.expect("migrations ran");
    // A configuration folder with another database file: loading migrates it there.
    let root = tempfile_dir();
    let url = format!("sqlite://{}/data/test.db", root.display());
    std::fs::write(root.join("database.toml"), format!("url = {url:?}\n")).expect("written");
    let dir = root.display().to_string();
    let env = |name: &str| match name {
        "CONFIG_DIR" => Some(dir.clone()),
        _ => std::env::var(name).ok(),
    };
    if std::env::var_os("DATABASE_URL").is_none() {
        let loaded = App::load_with(&env).await.expect("loaded");
        loaded.db.require_tables(&["_sqlx_migrations"]).await.expect("migrated");
        assert!(root.join("data/test.db").is_file(), "the SQLite file is created on first run");
        std::fs::write(root.join("database.toml"), "url = \"mysql://localhost/app\"\n")
            .expect("written");
        let refused = App::load_with(&env).await.expect_err("refused");
        assert!(
            refused.contains("database.toml") && refused.contains("names no supported database"),
            "{refused}"
        );
    }
    // A folder that is not there stops the start, naming it.
    let missing = root.join("absent").display().to_string();
    let refused = App::load_with(|name: &str| (name == "CONFIG_DIR").then(|| missing.clone()))
        .await
        .expect_err("refused");
    assert!(refused.contains("CONFIG_DIR") && refused.contains("absent"), "{refused}");
    let _ = std::fs::remove_dir_all(&root);
}

/// A new empty folder under the system's temporary directory.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{}-test-{}-{:?}",
        env!("CARGO_PKG_NAME"),
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[tokio::test]
async fn the_signup_form_validates_as_the_user_types_and_submits_once_valid() {
    let app = app().await;
    let html = body(get(&app, "/components").await).await;
    assert!(html.contains("<label for=\"signup_email\">Email</label>"), "{html}");
    assert!(html.contains("name=\"signup[terms]\" value=\"false\""), "{html}");
    assert!(
        html.contains("<select multiple id=\"signup_topics\" name=\"signup[topics][]\""),
        "{html}"
    );
    assert!(
        html.contains("<input type=\"file\" id=\"signup_avatar\" name=\"signup[avatar]\""),
        "{html}"
    );
    assert!(!html.contains("class=\"field-error\""), "no errors before typing: {html}");
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let mut view = server.live("/components").await.expect("joined");
    let typed = json!({"signup[email]": "nobody", "_target": "signup[email]"});
    view.event("validate", typed).await.expect("validated");
    let html = view.html().expect("html");
    assert!(html.contains("is not an email address"), "{html}");
    assert!(!html.contains("can&#39;t be blank"), "untouched fields stay quiet: {html}");
    let refused = json!({"signup[name]": "A", "signup[email]": "a@b.c", "signup[terms]": "false"});
    let offered = json!({"signup[topics][]": ["news", "gossip"], "_target": "signup[topics][]"});
    view.event("validate", offered).await.expect("validated");
    assert!(view.html().expect("html").contains("has a topic that is not offered"));
    let reply = view.event("subscribe", refused).await.expect("a reply");
    assert!(reply["flash"].is_null(), "nothing is subscribed: {reply}");
    let html = view.html().expect("html");
    assert!(html.contains("must be accepted") && html.contains("aria-invalid=\"true\""), "{html}");
    let accepted = json!({
        "signup[name]": "Ada",
        "signup[email]": "ada@example.com",
        "signup[plan]": "pro",
        "signup[contact]": "none",
        "signup[topics][]": ["news", "jobs"],
        "signup[terms]": ["false", "true"],
    });
    view.event("validate", accepted.clone()).await.expect("validated");
    let html = view.html().expect("html");
    assert!(html.contains("<option value=\"news\" selected>"), "{html}");
    assert!(html.contains("<option value=\"tips\">"), "{html}");
    let reply = view.event("subscribe", accepted).await.expect("subscribed");
    assert_eq!(reply["flash"]["info"], "Subscribed Ada.");
    assert!(!view.html().expect("html").contains("value=\"Ada\""), "the form is reset");
}

/// The sign-up form's nested list (`inputs_for`): each row's inputs are named and labelled as
/// its own, and an error shows on the row that has it.
#[tokio::test]
async fn nested_rows_of_a_form_are_named_validated_and_shown_per_row() {
    let app = app().await;
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let page = server.get("/components").await.expect("the page");
    assert!(
        page.has_element("input[name='signup[links][1][url]']#signup_links_1_url", None)
            .expect("html")
    );
    assert!(page.has_element("label[for=signup_links_0_url]", Some("Link")).expect("html"));
    let mut view = server.live("/components").await.expect("joined");
    let typed = json!({"signup": {"links": {"1": {"url": "ftp://old"}}}});
    view.change("#signup", typed).await.expect("validated");
    assert!(
        view.has_element("#signup_links_1_url-errors", Some("must start with https://"))
            .expect("html")
    );
    assert!(
        !view.has_element("#signup_links_0_url-errors", Some("must")).expect("html"),
        "row 0 is fine"
    );
    let fixed = json!({"signup[links][1][url]": "https://example.com"});
    view.change("#signup", fixed).await.expect("validated");
    assert!(!view.has_element("#signup_links_1_url-errors", Some("must")).expect("html"));
    assert!(
        view.has_element("#signup_links_1_url[value='https://example.com']", None).expect("html")
    );
}
