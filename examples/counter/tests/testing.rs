#![allow(clippy::unwrap_used)]
//! `zero_live::testing` against the counter: what an app's tests do without a browser.

use serde_json::json;
use zero_live::LiveConfig;
use zero_live::testing::TestServer;

async fn server() -> TestServer {
    let live = counter::live(LiveConfig::default());
    TestServer::start(live.router(), live).await.unwrap()
}

#[tokio::test]
async fn a_view_is_joined_clicked_patched_and_navigated_over_a_real_socket() {
    let server = server().await;
    let mut view = server.live("/?start=3").await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 3</h1>"));
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 4</h1>"));
    view.patch("/?start=9").await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 9</h1>"));
    // Effects sent after a reply arrive through `receive`.
    view.event("reveal", json!({})).await.unwrap();
    let exec = view.receive().await.unwrap();
    assert_eq!(exec["kind"], "exec");
    view.event("hooked", json!({})).await.unwrap();
    assert_eq!(view.receive().await.unwrap()["event"], "ping");
    let reply = view.navigate("/notes").await.unwrap();
    assert_eq!(reply["title"], "Notes");
    assert!(view.html().unwrap().contains("Mounted connected: true"));
    // A lost connection after the navigate rejoins the notes, not the page first loaded.
    view.reconnect().await.unwrap();
    assert!(view.html().unwrap().contains("Mounted connected: true"), "the notes again");
    assert!(server.url("/notes").starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn refusals_are_errors_not_panics() {
    let server = server().await;
    let mut view = server.live("/").await.unwrap();
    let unknown = view.event("explode", json!({})).await.unwrap_err();
    assert!(unknown.to_string().contains("unknown_event"), "{unknown}");
    assert!(view.navigate("/nowhere").await.unwrap_err().to_string().contains("no_route"));
    assert!(server.live("/missing").await.is_err(), "a path with no view is refused at join");
    // The view still works after the refusals.
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 1</h1>"));
}

/// A pipeline's pages are served by `pages_of` alone (each handler bound to its view), and a
/// live navigate stays within the pipeline of the joined view: another pipeline's view is
/// refused with `other_pipeline`, so the client loads its page through that pipeline.
#[tokio::test]
async fn pages_are_served_per_pipeline_and_a_navigate_does_not_cross_one() {
    let live = counter::builder(LiveConfig::default())
        .live_in::<counter::Counter>("browser", "/")
        .live_in::<counter::Notes>("browser", "/notes")
        .live_in::<counter::Counter>("browser", "/from/{start}")
        .live_in::<counter::Private>("admin", "/private")
        .build();
    let browser = live.transport().merge(live.pages_of("browser"));
    let server = TestServer::start(browser, live.clone()).await.unwrap();
    assert_eq!(server.get("/notes").await.unwrap().status, 200);
    assert_eq!(server.get("/private").await.unwrap().status, 404, "not in the pipeline");
    // A path segment is percent-decoded on the page as at the join.
    let from = server.get("/from/%35").await.unwrap();
    assert!(from.body.contains("Count: 5"), "{}", from.body);
    assert_eq!(server.get("/from/%FF").await.unwrap().status, 400, "a segment that is not UTF-8");
    let mut view = server.live("/").await.unwrap();
    let crossed = view.navigate("/private").await.unwrap_err().to_string();
    assert!(crossed.contains("other_pipeline"), "{crossed}");
    assert_eq!(view.navigate("/notes").await.unwrap()["title"], "Notes");
    let admin = live.transport().merge(live.pages_of("admin"));
    let server = TestServer::start(admin, live).await.unwrap();
    // Served: `Private` sends a request without a visitor away.
    assert_eq!(server.get("/private").await.unwrap().status, 303);
    assert_eq!(server.get("/notes").await.unwrap().status, 404);
}

/// A package's `mount` function, as `zerogen package` writes one: its views under `at`.
fn notes_package(live: zero_live::LiveBuilder, pipeline: &str, at: &str) -> zero_live::LiveBuilder {
    live.live_in::<counter::Notes>(pipeline, at)
        .live_in::<counter::Counter>(pipeline, &format!("{at}/from/{{start}}"))
}

/// `LiveBuilder::mount`: the package's views are served under the path, in the pipeline, and
/// a live navigate moves between them and the app's; nothing of it is served elsewhere.
#[tokio::test]
async fn a_mounted_package_serves_its_views_under_its_path_in_its_pipeline() {
    let live = counter::builder(LiveConfig::default())
        .live_in::<counter::Counter>("browser", "/")
        .mount(notes_package, "browser", "/kb")
        .mount(notes_package, "admin", "/staff")
        .build();
    let server =
        TestServer::start(live.transport().merge(live.pages_of("browser")), live.clone()).await;
    let server = server.unwrap();
    assert!(server.get("/kb").await.unwrap().body.contains("Notes"));
    assert!(server.get("/kb/from/7").await.unwrap().body.contains("Count: 7"));
    assert_eq!(server.get("/notes").await.unwrap().status, 404, "only under the mount");
    assert_eq!(server.get("/staff").await.unwrap().status, 404, "not in this pipeline");
    let mut view = server.live("/").await.unwrap();
    assert_eq!(view.navigate("/kb").await.unwrap()["title"], "Notes");
    let crossed = view.navigate("/staff").await.unwrap_err().to_string();
    assert!(crossed.contains("other_pipeline"), "{crossed}");
}

/// A PubSub adapter shared with code outside the web layer: what it publishes reaches the
/// views subscribed through the endpoint; an endpoint with its own adapter hears nothing.
#[tokio::test]
async fn a_shared_pubsub_carries_messages_published_outside_the_web_layer() {
    use std::sync::Arc;
    use zero_live::pubsub::{Local, PubSub, publish};
    let shared: Arc<dyn PubSub> = Arc::new(Local::default());
    let live = counter::builder(LiveConfig::default()).pubsub(shared.clone()).build();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/").await.unwrap();
    assert_eq!(shared.subscribers(counter::ANNOUNCEMENTS), 1);
    assert_eq!(publish(&*shared, counter::ANNOUNCEMENTS, "Deploy at noon".to_owned()), 1);
    view.receive().await.unwrap();
    assert!(view.html().unwrap().contains("Deploy at noon"), "{}", view.html().unwrap());

    let other = counter::live(LiveConfig::default());
    let other_server = TestServer::start(other.router(), other).await.unwrap();
    let _other_view = other_server.live("/").await.unwrap();
    assert_eq!(publish(&*shared, counter::ANNOUNCEMENTS, "again".to_owned()), 1, "one subscriber");
}

/// `{name}` segments: the page and the live session of `/from/{start}` read the segment; a
/// path with a missing or extra segment is no route; a forged path in the join is refused.
#[tokio::test]
async fn routes_with_parameters_serve_pages_and_sessions() {
    let server = server().await;
    let (status, body) = http_get(&server.url("/from/7")).await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Count: 7</h1>"), "{body}");
    let (status, body) = http_get(&server.url("/from/x%20y")).await;
    assert_eq!(status, 400, "a segment the view refuses is a bad request: {body}");
    assert!(body.contains("bad start `x y`"), "percent-decoded: {body}");
    assert!(body.contains("<main class=\"zl-error\" data-status=\"400\">"), "{body}");
    for missing in ["/from/", "/from", "/from/7/8"] {
        assert_eq!(http_get(&server.url(missing)).await.0, 404, "{missing}");
    }
    let mut view = server.live("/from/41").await.unwrap();
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 42</h1>"));
    let reply = view.navigate("/from/5").await.unwrap();
    assert_eq!(reply["status"], "ok", "{reply}");
    assert!(view.html().unwrap().contains("<h1>Count: 5</h1>"));
    assert!(server.live("/from/").await.is_err(), "an empty segment has no view");
}

/// A GET over a plain TCP connection: status and body.
async fn http_get(url: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// A value shared with `LiveBuilder::state` reaches every view's context, disconnected and
/// connected; without it the view falls back.
#[tokio::test]
async fn shared_state_reaches_views() {
    let live = counter::builder(LiveConfig::default()).state(counter::StartAt(100)).build();
    let shared = TestServer::start(live.router(), live).await.unwrap();
    let (status, body) = http_get(&shared.url("/")).await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Count: 100</h1>"), "{body}");
    let mut view = shared.live("/").await.unwrap();
    view.event("inc", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("<h1>Count: 101</h1>"));
    assert!(shared.live("/?start=3").await.unwrap().html().unwrap().contains("<h1>Count: 3</h1>"));
    let plain = server().await;
    assert!(plain.live("/").await.unwrap().html().unwrap().contains("<h1>Count: 0</h1>"));
}

/// The selector helpers: the page is loaded through the router (disconnected) and joined with
/// the tokens it carries; clicks, key presses, form changes and submits read their event and
/// values from the rendered page, as the browser client does.
#[tokio::test]
async fn views_are_driven_by_selector_from_the_page_the_router_served() {
    let server = server().await;
    let page = server.get("/?start=2").await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.has_element("h1", Some("Count: 2")).unwrap(), "the disconnected render");
    assert!(!page.has_element("h1", Some("Count: 3")).unwrap());
    let mut view = server.live("/?start=2").await.unwrap();
    assert!(view.disconnected_html().contains("data-zl-session"));
    view.click("button", Some("+")).await.unwrap();
    assert!(view.has_element("h1", Some("Count: 3")).unwrap(), "{}", view.html().unwrap());
    view.keydown("#shortcut", "ArrowUp").await.unwrap();
    assert!(view.has_element("h1", Some("Count: 4")).unwrap());
    let wrong_key = view.keydown("#shortcut", "Enter").await.unwrap_err().to_string();
    assert!(wrong_key.contains("listens for key `ArrowUp`"), "{wrong_key}");
    // A JS command list that pushes an event sends that event.
    view.click("#js-push", None).await.unwrap();
    assert!(view.has_element("h1", Some("Count: 5")).unwrap());
    // A form submit carries the form's fields with the given values over them.
    view.submit("form:not([id])", json!({"name": "Milk"})).await.unwrap();
    view.submit("form:not([id])", json!({"name": "Eggs"})).await.unwrap();
    assert_eq!(view.count("ul li", None).unwrap(), 2);
    view.click("li button", Some("x")).await.unwrap_err(); // two rows: ambiguous
    let milk = view.html().unwrap();
    let id = milk.split("id=\"item-").nth(1).unwrap().split('"').next().unwrap().to_owned();
    view.click(&format!("#item-{id} button"), None).await.unwrap();
    assert_eq!(view.count("ul li", None).unwrap(), 1);
    assert!(!view.has_element("ul li", Some("Milk")).unwrap());
    // A change names the edited field.
    view.change("#draft", json!({"note": "half"})).await.unwrap();
    assert!(view.has_element("p.draft", Some("Draft: half")).unwrap(), "{}", view.html().unwrap());
    // z-target of an ancestor travels with the click.
    view.click("#targeted", None).await.unwrap();
    assert!(view.has_element("p.target", Some("Target: sidebar")).unwrap());
    // A link with z-patch patches; the view stays and the URL follows.
    view.click("#start-at-5", None).await.unwrap();
    assert_eq!(view.url(), "/?start=5");
    assert!(view.has_element("h1", Some("Count: 5")).unwrap());
    view.click("#to-notes", None).await.unwrap();
    assert!(view.has_element("h1", Some("Notes")).unwrap());
}

#[tokio::test]
async fn selector_helpers_refuse_what_a_user_could_not_do() {
    let server = server().await;
    let mut view = server.live("/").await.unwrap();
    let none = view.click("#nowhere", None).await.unwrap_err().to_string();
    assert!(none.contains("no element matches `#nowhere`"), "{none}");
    let many = view.click("button", None).await.unwrap_err().to_string();
    assert!(many.contains("elements match `button`"), "{many}");
    let unbound = view.click("#panel", None).await.unwrap_err().to_string();
    assert!(unbound.contains("no `z-click` binding"), "{unbound}");
    let typo = view.submit("form:not([id])", json!({"nmae": "x"})).await.unwrap_err().to_string();
    assert!(typo.contains("has no field `nmae`") && typo.contains("name"), "{typo}");
    let not_form = view.submit("#panel", json!({})).await.unwrap_err().to_string();
    assert!(not_form.contains("no `z-submit` binding"), "{not_form}");
    let bad = view.has_element("li[", None).unwrap_err().to_string();
    assert!(bad.contains("not a CSS selector"), "{bad}");
    // Nothing was sent: the count is untouched and the view still answers.
    view.click("button", Some("+")).await.unwrap();
    assert!(view.has_element("h1", Some("Count: 1")).unwrap());
    let missing = server.live("/missing").await.unwrap_err().to_string();
    assert!(missing.contains("404"), "a page the router does not serve: {missing}");
    let not_live = server.live("/health").await.unwrap_err().to_string();
    assert!(not_live.contains("404") || not_live.contains("not a live page"), "{not_live}");
}

/// Redirects and patches are asserted and followed: a live navigation moves over the same
/// socket with its flash; a full redirect loads the next page with the signed flash.
#[tokio::test]
async fn redirects_and_patches_are_asserted_and_followed() {
    let server = server().await;
    let mut view = server.live("/").await.unwrap();
    view.click("#navigate-with-flash", None).await.unwrap();
    assert_eq!(view.redirected_to().await.unwrap(), "/notes");
    let not_patch = view.patched_to().await.unwrap_err().to_string();
    assert!(not_patch.contains("redirected, not patched"), "{not_patch}");
    let mut view = server.live("/").await.unwrap();
    view.click("#navigate-with-flash", None).await.unwrap();
    assert_eq!(view.follow_redirect().await.unwrap(), "/notes");
    assert!(view.has_element("p.visits", Some("Mounted connected: true")).unwrap());
    assert_eq!(view.url(), "/notes");

    let mut view = server.live("/").await.unwrap();
    view.click("#leave-with-flash", None).await.unwrap();
    let redirect = view.redirect().await.unwrap();
    assert_eq!((redirect.to.as_str(), redirect.live), ("/clicks", false));
    let mut view = server.live("/").await.unwrap();
    view.click("#leave-with-flash", None).await.unwrap();
    view.follow_redirect().await.unwrap();
    assert_eq!(view.url(), "/clicks");
    assert!(
        view.disconnected_html().contains("See you on the clicks page"),
        "the flash crossed the full load: {}",
        view.disconnected_html()
    );

    // A server patch (`push_patch`) is a patch, not a redirect.
    let mut view = server.live("/").await.unwrap();
    view.event("jump", json!({"to": 8})).await.unwrap();
    assert_eq!(view.patched_to().await.unwrap(), "/?start=8");
    assert_eq!(view.url(), "/?start=8");
    view.event("jump", json!({"to": 9})).await.unwrap();
    let not_redirect = view.redirected_to().await.unwrap_err().to_string();
    assert!(not_redirect.contains("patched to /?start=9"), "{not_redirect}");
    // A JS command list without a push has no event to send.
    let no_push = view.click("#js-patch", None).await.unwrap_err().to_string();
    assert!(no_push.contains("pushes no event"), "{no_push}");
    let mut view = server.live("/").await.unwrap();
    view.click("#js-push", None).await.unwrap();
    let none = tokio::time::timeout(std::time::Duration::from_millis(300), view.redirect()).await;
    assert!(none.is_err(), "a click that sends nowhere has no redirect");
}

/// Pushed events, renders the server pushes on its own, and a dropped socket rejoined.
#[tokio::test]
async fn pushed_events_async_renders_and_reconnects() {
    let live = counter::live(LiveConfig::default());
    let server = TestServer::start(live.router(), live.clone()).await.unwrap();
    let mut view = server.live("/").await.unwrap();
    view.event("hooked", json!({})).await.unwrap();
    assert!(view.pushed_event("ping").await.unwrap()["count"].is_number());
    live.broadcast(counter::ANNOUNCEMENTS, "Lunch".to_owned());
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Lunch"), "{html}");
    view.click("button", Some("+")).await.unwrap();
    assert!(view.has_element("h1", Some("Count: 1")).unwrap());
    view.reconnect().await.unwrap();
    assert!(view.has_element("h1", Some("Count: 0")).unwrap(), "a rejoin mounts anew");
    view.click("button", Some("+")).await.unwrap();
    assert!(view.has_element("h1", Some("Count: 1")).unwrap());
    view.disconnect().await.unwrap();
}

/// A view whose stream joins in parts is whole once mounted: the helper merges the parts as
/// the browser client does, for a join, a navigate and a reconnect.
#[tokio::test]
async fn a_stream_joined_in_parts_is_whole_in_the_test_view() {
    let server = server().await;
    let mut view = server.live("/feed?n=6000").await.unwrap();
    assert_eq!(view.count("#feed li", None).unwrap(), 6000);
    assert!(view.has_element("#entry-6000", Some("Entry 6000")).unwrap());
    view.reconnect().await.unwrap();
    assert_eq!(view.count("#feed li", None).unwrap(), 6000);
    view.navigate("/feed?n=4000").await.unwrap();
    assert_eq!(view.count("#feed li", None).unwrap(), 4000);
    let bad = server.live("/feed?n=lots").await.unwrap_err().to_string();
    assert!(bad.contains("400") && bad.contains("bad n"), "{bad}");
}

/// The app's pipeline as a test stands it up: cookie `who` names the visitor, who gets a
/// [`counter::Visitor`] and a live socket id in the request's extensions.
async fn who(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let name = request
        .headers()
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("who=")))
        .map(str::to_owned);
    if let Some(name) = name {
        request.extensions_mut().insert(zero_live::LiveSocketId(format!("who:{name}")));
        request.extensions_mut().insert(counter::Visitor(name));
    }
    next.run(request).await
}

async fn visitor_server() -> TestServer {
    let live = counter::live(LiveConfig::default());
    let router = live.router().layer(axum::middleware::from_fn(who));
    TestServer::start(router, live).await.unwrap()
}

#[tokio::test]
async fn a_view_reads_what_the_pipeline_put_in_the_page_and_socket_requests() {
    let server = visitor_server().await.with_cookie("who", "ann");
    let view = server.live("/private").await.unwrap();
    assert!(view.disconnected_html().contains("Hello, ann"), "{}", view.disconnected_html());
    assert!(view.disconnected_html().contains("Mounted connected: false"));
    let html = view.html().unwrap();
    assert!(html.contains("Hello, ann") && html.contains("Mounted connected: true"), "{html}");
}

/// An HTML form in a live view carries the browser's HTTP CSRF token on both renders: the
/// page's from the pipeline, the session's from the socket's upgrade (outside the pipeline).
#[tokio::test]
async fn a_live_views_html_form_keeps_the_csrf_token_once_connected() {
    use axum::middleware::from_fn;
    let live = counter::builder(LiveConfig::default())
        .live_in::<counter::Private>("private", "/private")
        .build();
    let pages = live.pages_of("private").route_layer(live.csrf());
    let router = live.transport().merge(pages).layer(from_fn(who));
    let server = TestServer::start(router, live).await.unwrap().with_cookie("who", "ann");
    let mut view = server.live("/private").await.unwrap();
    let first = csrf_field(view.disconnected_html());
    assert!(first.len() > 20, "the page has the token: {first:?}");
    assert_eq!(csrf_field(&view.html().unwrap()), first);
    // A socket without the browser's CSRF cookie gets no token.
    server.clear_cookie(zero_live::csrf::CSRF_COOKIE);
    view.reconnect().await.unwrap();
    assert_eq!(csrf_field(&view.html().unwrap()), "");
}

/// The value of the `_csrf_token` field in `html`.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"_csrf_token\" value=\"").expect("the CSRF field");
    let rest = &html[at + "name=\"_csrf_token\" value=\"".len()..];
    rest.split('"').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_mount_that_redirects_answers_see_other_with_its_flash() {
    let server = visitor_server().await;
    let page = server.get("/private").await.unwrap();
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), Some("/"));
    assert!(server.cookie(zero_live::server::FLASH_COOKIE).is_some(), "the flash rides along");
    let home = server.get("/").await.unwrap();
    assert!(home.has_element(".zl-flash-error", Some("Say who you are first.")).unwrap());
    let err = server.live("/private").await.unwrap_err().to_string();
    assert!(err.contains("redirected (303 See Other) to /"), "{err}");
}

#[tokio::test]
async fn disconnect_on_a_live_socket_id_closes_that_logins_sessions_only() {
    let server = visitor_server().await.with_cookie("who", "ann");
    let bob = server.new_browser().with_cookie("who", "bob");
    let mut ann_view = server.live("/private").await.unwrap();
    let mut bob_view = bob.live("/private").await.unwrap();
    let pubsub = server.live_endpoint().pubsub().clone();
    assert_eq!(pubsub.subscribers("who:ann"), 1);
    assert_eq!(zero_live::pubsub::publish(&*pubsub, "who:ann", zero_live::Disconnect), 1);
    let (code, reason) = ann_view.closed().await.unwrap();
    assert_eq!((code, reason.as_str()), (zero_live::server::close::REVOKED, "session revoked"));
    // Another message on the topic is a message, not a disconnect; bob's session goes on.
    assert_eq!(zero_live::pubsub::publish(&*pubsub, "who:bob", "hello".to_owned()), 1);
    let alive = bob_view.event("ping", json!({})).await.unwrap_err().to_string();
    assert!(alive.contains("unknown_event"), "bob's session still answers: {alive}");
    // Without its cookie, ann's rejoin is sent away by the mount.
    server.clear_cookie("who");
    let err = ann_view.reconnect().await.unwrap_err().to_string();
    assert!(err.contains("join redirected to \"/\""), "{err}");
}

/// A page that is not live (`zero_live::server::html_page`): in the root layout, with the
/// flash a redirect left shown once, the security headers, no live root; a form posted back
/// with its CSRF token is shown again with the same token.
#[tokio::test]
async fn a_dead_page_renders_in_the_layout_with_the_flash_and_its_forms_keep_the_csrf_token() {
    use axum::Extension;
    use axum::extract::Form;
    use axum::http::StatusCode;
    use axum::response::Response;
    use axum::routing::get;
    use std::collections::BTreeMap;
    use zero_live::csrf::CsrfToken;
    use zero_live::server::{html_page, see_other};

    fn form(csrf: &CsrfToken, note: &str) -> String {
        let mut html = String::from("<form id=\"f\" method=\"post\" action=\"/dead\">");
        html.push_str("<input type=\"hidden\" name=\"_csrf_token\" value=\"");
        zero_live_core::escape::html(&mut html, csrf.as_str());
        html.push_str("\"><input name=\"note\" value=\"");
        zero_live_core::escape::html(&mut html, note);
        html.push_str("\"></form>");
        html
    }
    async fn show(
        Extension(live): Extension<zero_live::Live>,
        Extension(csrf): Extension<CsrfToken>,
        request: axum::http::request::Parts,
    ) -> Response {
        html_page(
            &live,
            &request,
            StatusCode::OK,
            "Dead <page>",
            &BTreeMap::new(),
            &form(&csrf, ""),
        )
    }
    async fn post(
        Extension(live): Extension<zero_live::Live>,
        Extension(csrf): Extension<CsrfToken>,
        request: axum::http::request::Parts,
        Form(values): Form<BTreeMap<String, String>>,
    ) -> Response {
        let note = values.get("note").cloned().unwrap_or_default();
        if note.is_empty() {
            let flash = BTreeMap::from([("error".to_owned(), "A note, please.".to_owned())]);
            let body = form(&csrf, &note);
            return html_page(
                &live,
                &request,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Dead",
                &flash,
                &body,
            );
        }
        let flash = BTreeMap::from([("info".to_owned(), format!("Saved {note}."))]);
        see_other(&live, "/dead", &flash)
    }
    let live = counter::live(LiveConfig::default());
    let router = axum::Router::new()
        .route("/dead", get(show).post(post))
        .route_layer(live.csrf())
        .layer(Extension(live.clone()));
    let server = TestServer::start(router, live).await.unwrap();
    let page = server.get("/dead").await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>Dead &lt;page&gt;</title>"), "{}", page.body);
    assert!(!page.body.contains("data-zl-root"), "not live: {}", page.body);
    assert!(page.headers.get("content-security-policy").is_some());
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    assert!(page.has_element("#zl-flash", None).unwrap());
    let token = csrf_field(&page.body);
    // Refused values: 422, the handler's flash, the same token for the next try.
    let refused = server.submit(&page, "#f", &[("note", "")]).await.unwrap();
    assert_eq!(refused.status, 422);
    assert!(refused.has_element(".zl-flash-error", Some("A note, please.")).unwrap());
    assert_eq!(csrf_field(&refused.body), token);
    let saved = server.submit(&refused, "#f", &[("note", "hi")]).await.unwrap();
    assert_eq!((saved.status.as_u16(), saved.location()), (303, Some("/dead")));
    let after = server.get("/dead").await.unwrap();
    assert!(after.has_element(".zl-flash-info", Some("Saved hi.")).unwrap(), "{}", after.body);
    let again = server.get("/dead").await.unwrap();
    assert!(!again.has_element(".zl-flash-info", None).unwrap(), "a flash shows once");
    // Without the token: refused before the handler.
    assert_eq!(server.post("/dead", &[("note", "x")]).await.unwrap().status, 403);
}

/// A page carries the configured `Content-Security-Policy`; one that cannot be a header value
/// fails closed (nothing loads but the page) instead of failing every page.
#[tokio::test]
async fn a_page_carries_the_policy_and_a_policy_that_is_no_header_fails_closed() {
    let expected = "default-src 'self'; script-src 'self'; style-src 'self'; img-src data:; \
                    connect-src 'self'; frame-ancestors 'none'";
    for (img_src, sent) in [("data:", expected), ("data:\nscript-src *", "default-src 'none'")] {
        let mut config = LiveConfig::default();
        config.csp.img_src = vec![img_src.to_owned()];
        let policy = img_src;
        let live = counter::live(config);
        let server = TestServer::start(live.router(), live).await.unwrap();
        let page = server.get("/").await.unwrap();
        assert_eq!(page.status, 200);
        assert_eq!(page.headers.get("content-security-policy").unwrap(), sent, "{policy:?}");
    }
}

/// A route's page body is allocated at the size of its largest page so far: pages smaller and
/// larger than that (and larger than the most it reserves) still render whole, in the layout.
#[tokio::test]
async fn pages_of_one_route_render_whole_whatever_size_came_before() {
    let server = server().await;
    // 3 entries, then 4,000 (more than the 64 KiB a route reserves), then 3 again.
    for n in [3, 4000, 3, 250] {
        let page = server.get(&format!("/feed?n={n}")).await.unwrap();
        assert_eq!(page.status, axum::http::StatusCode::OK);
        assert!(page.body.len() > n * 20, "{n} entries in {} bytes", page.body.len());
        assert!(page.has_element(&format!("#entry-{n}"), Some(&format!("Entry {n}"))).unwrap());
        let missing = format!("#entry-{}", n + 1);
        assert!(!page.has_element(&missing, None).unwrap(), "only {n} entries");
        assert!(page.body.trim_end().ends_with("</html>"), "the layout closes the page");
        assert_eq!(page.body.matches("<li ").count(), n);
    }
}

/// A mount that refuses answers with its status in the root layout: another visitor's row,
/// or none, is `404` with the view's message; a failed store is `500` without its error. The
/// page has no live root, so the client does not connect.
#[tokio::test]
async fn a_refused_mount_answers_its_status_in_the_layout_and_hides_server_errors() {
    let ann = visitor_server().await.with_cookie("who", "ann");
    let own = ann.get("/rows/1").await.unwrap();
    assert_eq!(own.status, 200);
    assert!(own.has_element("#row", Some("Ann's list")).unwrap(), "{}", own.body);
    for path in ["/rows/2", "/rows/3", "/rows/x"] {
        let page = ann.get(path).await.unwrap();
        assert_eq!(page.status, 404, "{path}: {}", page.body);
        assert!(page.body.starts_with("<!DOCTYPE html>"), "in the root layout: {}", page.body);
        assert!(page.has_element("title", Some("Not Found")).unwrap(), "{}", page.body);
        assert!(page.has_element("main.zl-error p", Some("No such row.")).unwrap());
        assert!(
            !page.body.contains("Bob's list") && !page.has_element("[data-zl-root]", None).unwrap()
        );
    }
    // Nobody signed in: Ann's row is missing too.
    assert_eq!(ann.new_browser().get("/rows/1").await.unwrap().status, 404);
    let failed = ann.get("/rows/0").await.unwrap();
    assert_eq!(failed.status, 500);
    assert!(failed.has_element("main.zl-error p", Some("could not be loaded")).unwrap());
    assert!(!failed.body.contains("10.0.0.5"), "the store's error stays on the server");
}

/// The root layout sees what the request's middleware left (`Page::extensions`): on a live
/// page, on a page that is not live, and on a refused mount's page. Without the middleware it
/// sees nothing.
#[tokio::test]
async fn the_root_layout_reads_the_requests_extensions_on_every_kind_of_page() {
    use axum::Extension;
    use axum::http::StatusCode;
    use axum::routing::get;
    use std::collections::BTreeMap;
    use zero_live::server::{Page, html_page};

    #[derive(Clone)]
    struct Visitor(&'static str);

    fn layout(page: Page) -> String {
        let who = page.extensions.get::<Visitor>().map_or("nobody", |v| v.0);
        format!("<!DOCTYPE html><html><body><p id=\"who\">{who}</p>{}</body></html>", page.body)
    }
    async fn dead(
        Extension(live): Extension<zero_live::Live>,
        request: axum::http::request::Parts,
    ) -> axum::response::Response {
        html_page(&live, &request, StatusCode::OK, "Dead", &BTreeMap::new(), "<p>dead</p>")
    }
    let live = counter::builder(LiveConfig::default())
        .live_in::<counter::Counter>("browser", "/")
        .live_in::<counter::Row>("browser", "/rows/{id}")
        .root_layout(layout)
        .build();
    let routes = || {
        axum::Router::new()
            .route("/dead", get(dead))
            .merge(live.pages_of("browser"))
            .layer(Extension(live.clone()))
    };
    let with = live.transport().merge(routes().layer(Extension(Visitor("ann"))));
    let server = TestServer::start(with, live.clone()).await.unwrap();
    for (path, status) in [("/", 200), ("/dead", 200), ("/rows/999", 404)] {
        let page = server.get(path).await.unwrap();
        assert_eq!(page.status, status, "{path}: {}", page.body);
        assert!(page.has_element("#who", Some("ann")).unwrap(), "{path}: {}", page.body);
    }
    let without = live.transport().merge(routes());
    let server = TestServer::start(without, live.clone()).await.unwrap();
    for path in ["/", "/dead", "/rows/999"] {
        let page = server.get(path).await.unwrap();
        assert!(page.has_element("#who", Some("nobody")).unwrap(), "{path}: {}", page.body);
    }
}
