//! The dashboard mounted in an endpoint of its own, as an app mounts it, over a real socket
//! (`zero_live::testing`): what it shows, how it refreshes, and who may see it.

use std::sync::OnceLock;

use serde_json::json;
use zero_dashboard::Settings;
use zero_live::Live;
use zero_live::endpoint::MetricsToken;
use zero_live::logs::{Capture, Format, Logs};
use zero_live::testing::{TestServer, TestView};

const TOKEN: &str = "a-metrics-token-of-32-characters";

/// The process's log, installed once, as an app's `main` does: the dashboard lists what it
/// writes at `WARN` and above.
fn log() -> &'static Capture {
    static LOG: OnceLock<Capture> = OnceLock::new();
    LOG.get_or_init(|| {
        let capture = Capture::default();
        let traces = Logs::new("info", Format::Text).install(capture.clone()).expect("the log");
        // Held for the process's life (it exports nothing here).
        std::mem::forget(traces);
        capture
    })
}

/// The dashboard at `/dev/dashboard` of the `browser` pipeline, visible as `settings` say;
/// `admin` puts `zero_dashboard::Admin` on every request, as an app's admin check would.
async fn served(settings: Settings, admin: bool) -> TestServer {
    log();
    let live =
        zero_dashboard::mount_with(Live::builder(), "browser", "/dev/dashboard", settings).build();
    let mut router = live.transport().merge(live.pages_of("browser"));
    if admin {
        router = router.layer(axum::middleware::map_request(
            |mut request: axum::extract::Request| async move {
                request.extensions_mut().insert(zero_dashboard::Admin);
                request
            },
        ));
    }
    TestServer::start(router, live).await.expect("served")
}

fn open() -> Settings {
    Settings { open: true, token: None }
}

fn locked() -> Settings {
    Settings { open: false, token: Some(MetricsToken::new(TOKEN).expect("a token")) }
}

/// The text of the one element matching `selector`.
fn text(view: &TestView, selector: &str) -> String {
    let html = view.html().expect("html");
    let doc = scraper::Html::parse_fragment(&html);
    let found = scraper::Selector::parse(selector).expect("a selector");
    doc.select(&found)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_open_dashboard_shows_sessions_by_view_events_topics_and_errors() {
    let server = served(open(), false).await;
    let page = server.get("/dev/dashboard").await.expect("the page");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.has_element("#zd-figures", None).expect("html"), "open: figures at once");
    assert!(!page.has_element("#zd-unlock", None).expect("html"), "open: no lock");

    let mut first = server.live("/dev/dashboard").await.expect("joined");
    let mut second = server.live("/dev/dashboard").await.expect("joined");
    // Events the dashboard's view handles: one it ignores when open, one it does not know.
    first.event("unlock", json!({"token": "x"})).await.expect("answered");
    assert!(first.event("nope", json!({})).await.is_err(), "an unknown event is refused");
    tracing::error!(target: "dashboard_test", table = "posts", "the database went away");

    // The next tick shows what happened since the join.
    let html = first.render_async().await.expect("a tick");
    assert!(text(&first, "#zd-window").starts_with("the last "), "{html}");
    assert!(text(&first, "#zd-sessions dd").contains("2 of "), "two sessions: {html}");
    let row = text(&first, "#zd-views tbody tr");
    assert!(row.contains("Dashboard") && row.contains('2'), "sessions by view: {row}");
    let topics = text(&first, "#zd-topics tbody");
    assert!(topics.contains("zero_dashboard:tick") && topics.contains('2'), "{topics}");
    assert_eq!(text(&first, "#zd-event-errors"), "1", "the unknown event failed");
    let errors = text(&first, "#zd-errors");
    assert!(errors.contains("ERROR") && errors.contains("dashboard_test"), "{errors}");
    assert!(errors.contains("the database went away table=\"posts\""), "{errors}");
    assert!(text(&first, "#zd-memory dd").ends_with("MiB"), "memory: {html}");
    let http = text(&first, "#zd-http tbody");
    assert!(http.contains("2xx"), "{http}");

    // Every session is refreshed by the one ticker.
    second.render_async().await.expect("the second session ticks too");
    drop(second);
    drop(first);
}

#[tokio::test]
async fn a_release_dashboard_without_a_token_or_an_admin_does_not_exist() {
    let server = served(Settings { open: false, token: None }, false).await;
    let page = server.get("/dev/dashboard").await.expect("an answer");
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(!page.body.contains("zd-figures") && !page.body.contains("Live sessions"));
    assert!(server.live("/dev/dashboard").await.is_err(), "nor does its socket mount");
}

#[tokio::test]
async fn the_token_unlocks_a_session_and_nothing_shows_before() {
    let server = served(locked(), false).await;
    let page = server.get("/dev/dashboard").await.expect("the page");
    assert_eq!(page.status, 200);
    assert!(page.has_element("#zd-unlock", None).expect("html"));
    assert!(!page.body.contains("zd-figures") && !page.body.contains("zero_dashboard:tick"));

    let mut view = server.live("/dev/dashboard").await.expect("joined");
    view.submit("#zd-unlock", json!({"token": "not-the-token-at-all-not-it"})).await.expect("sent");
    assert_eq!(text(&view, "#zd-refusal"), "That is not the metrics token.");
    assert!(!view.has_element("#zd-figures", None).expect("html"), "still locked");
    view.submit("#zd-unlock", json!({"token": TOKEN})).await.expect("sent");
    assert!(view.has_element("#zd-figures", None).expect("html"), "unlocked");
    assert!(!view.has_element("#zd-refusal", None).expect("html"));
    assert!(text(&view, "#zd-sessions dd").contains("1 of "));

    // Another session starts locked: the token unlocked one session, not the page.
    let other = server.live("/dev/dashboard").await.expect("joined");
    assert!(!other.has_element("#zd-figures", None).expect("html"));
}

#[tokio::test]
async fn the_lock_stops_answering_after_too_many_wrong_tokens() {
    let server = served(locked(), false).await;
    let mut view = server.live("/dev/dashboard").await.expect("joined");
    for _ in 0..zero_dashboard::web::live::dashboard::MAX_ATTEMPTS {
        view.submit("#zd-unlock", json!({"token": "wrong-wrong-wrong-wrong"})).await.expect("sent");
    }
    view.submit("#zd-unlock", json!({"token": TOKEN})).await.expect("sent");
    assert!(!view.has_element("#zd-figures", None).expect("html"), "the right token, too late");
    assert!(text(&view, "#zd-refusal").starts_with("Too many attempts"));
    assert!(
        !log().text().contains(TOKEN) && !log().text().contains("wrong-wrong"),
        "no token typed reaches the log"
    );
    assert!(log().text().contains("dashboard unlock refused"));
}

#[tokio::test]
async fn an_admin_sees_it_without_the_token() {
    let server = served(locked(), true).await;
    let page = server.get("/dev/dashboard").await.expect("the page");
    assert!(page.has_element("#zd-figures", None).expect("html"), "{}", page.body);
    assert!(!page.has_element("#zd-unlock", None).expect("html"));
    let view = server.live("/dev/dashboard").await.expect("joined");
    assert!(view.has_element("#zd-figures", None).expect("html"));
    let nobody = served(Settings { open: false, token: None }, true).await;
    assert_eq!(nobody.get("/dev/dashboard").await.expect("an answer").status, 200, "an admin");
}
