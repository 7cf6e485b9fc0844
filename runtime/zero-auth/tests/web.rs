#![allow(clippy::unwrap_used)]
//! The web side over real HTTP: the scope middleware, the login and logout handlers, the
//! signed session cookie and the development mailbox.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Extension, Router};
use zero_auth::mail::{DevMailbox, Mailer};
use zero_auth::web::{self, Auth, SESSION_COOKIE, paths};
use zero_auth::{Accounts, AuthConfig, Scope, schema};
use zero_db::Db;
use zero_live::testing::TestServer;
use zero_live::{Live, LiveConfig};
use zero_pubsub::{Local, PubSub};

async fn whoami(Extension(scope): Extension<Scope>) -> String {
    scope.user.map_or_else(|| "anonymous".to_owned(), |u| u.email)
}

struct App {
    server: TestServer,
    accounts: Accounts,
    mailbox: Arc<DevMailbox>,
}

async fn app(dir: &std::path::Path) -> App {
    app_with(dir, false).await
}

/// The app, its cookies `Secure` with `__Host-` names when `secure`.
async fn app_with(dir: &std::path::Path, secure: bool) -> App {
    let db = Db::connect(&format!("sqlite://{}/web.db", dir.display())).await.unwrap();
    schema::create(&db).await.unwrap();
    let mailbox = Arc::new(DevMailbox::new());
    let mailer: Arc<dyn Mailer> = mailbox.clone();
    let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
    let accounts = Accounts::new(db, pubsub.clone(), mailer, AuthConfig::default());
    let live =
        Live::builder().config(LiveConfig::default()).pubsub(pubsub).secure_cookies(secure).build();
    let auth = Auth::new(accounts.clone(), &live);
    let router = Router::new()
        .route("/whoami", get(whoami))
        .route(paths::LOG_IN, post(web::log_in))
        .route(paths::LOG_OUT, post(web::log_out))
        .route(paths::PASSWORD, post(web::update_password))
        .route(paths::DEV_MAILBOX, get(web::dev_mailbox))
        .layer(Extension(auth.clone()))
        .layer(axum::middleware::from_fn_with_state(auth, web::fetch_scope));
    let server = TestServer::start(router, live).await.unwrap();
    App { server, accounts, mailbox }
}

impl App {
    async fn link(&self, email: &str) -> String {
        self.mailbox.clear();
        self.accounts.register(email, None).await.unwrap();
        self.mailed_token(email).await
    }

    /// The token of the link in the newest message to `email`.
    async fn mailed_token(&self, email: &str) -> String {
        let mail = self.mailbox.wait_for(email, Duration::from_secs(5)).await.unwrap();
        let link = mail.text.split_whitespace().find(|w| w.starts_with("http")).unwrap();
        link.rsplit('/').next().unwrap().to_owned()
    }

    async fn whoami(&self, server: &TestServer) -> String {
        server.get("/whoami").await.unwrap().body
    }
}

#[tokio::test]
async fn a_link_logs_in_with_a_signed_httponly_cookie_and_logout_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    assert_eq!(app.whoami(&app.server).await, "anonymous");
    let token = app.link("ann@example.com").await;
    let page = app
        .server
        .post(paths::LOG_IN, &[("token", &token), ("return_to", "/users/settings")])
        .await
        .unwrap();
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), Some("/users/settings"));
    let set: Vec<&str> =
        page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    let session = set.iter().find(|c| c.starts_with(SESSION_COOKIE)).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Max-Age=1209600"), "{session}");
    assert!(!session.contains(&token), "the cookie carries a new session, not the link");
    assert_eq!(app.whoami(&app.server).await, "ann@example.com");
    // Another browser has no session.
    assert_eq!(app.whoami(&app.server.new_browser()).await, "anonymous");
    let out = app.server.post(paths::LOG_OUT, &[]).await.unwrap();
    assert_eq!(out.location(), Some("/"));
    assert!(app.server.cookie(SESSION_COOKIE).is_none(), "the cookie is cleared");
    assert_eq!(app.whoami(&app.server).await, "anonymous");
}

#[tokio::test]
async fn a_secure_endpoint_names_the_login_cookie_host_only_and_ignores_the_plain_name() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), true).await;
    let token = app.link("ann@example.com").await;
    let page = app.server.post(paths::LOG_IN, &[("token", &token)]).await.unwrap();
    let set: Vec<&str> =
        page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    let session = set.iter().find(|c| c.starts_with("__Host-zl_login=")).unwrap();
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(attribute), "{attribute} in {session}");
    }
    assert_eq!(app.whoami(&app.server).await, "ann@example.com");
    // The same signed value under the plain name (what a sibling subdomain could plant).
    let value = app.server.cookie("__Host-zl_login").unwrap();
    let planted = app.server.new_browser().with_cookie(SESSION_COOKIE, &value);
    assert_eq!(app.whoami(&planted).await, "anonymous");
    let out = app.server.post(paths::LOG_OUT, &[]).await.unwrap();
    let cleared = out.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap());
    assert!(cleared.into_iter().any(|c| c.starts_with("__Host-zl_login=;")), "cleared by name");
}

#[tokio::test]
async fn a_forged_or_stale_cookie_is_anonymous_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let token = app.link("ann@example.com").await;
    app.server.post(paths::LOG_IN, &[("token", &token)]).await.unwrap();
    let cookie = app.server.cookie(SESSION_COOKIE).unwrap();
    // The raw token without its signature, and the signed value edited.
    let (payload, tag) = cookie.split_once('.').unwrap();
    for forged in [payload.to_owned(), format!("{payload}A.{tag}"), "x".to_owned()] {
        let browser = app.server.new_browser().with_cookie(SESSION_COOKIE, &forged);
        assert_eq!(app.whoami(&browser).await, "anonymous", "{forged}");
        assert!(browser.cookie(SESSION_COOKIE).is_none(), "a forged cookie is cleared");
    }
    // A signed cookie whose session was revoked elsewhere.
    let stale = app.server.new_browser().with_cookie(SESSION_COOKIE, &cookie);
    app.server.post(paths::LOG_OUT, &[]).await.unwrap();
    assert_eq!(app.whoami(&stale).await, "anonymous");
    assert!(stale.cookie(SESSION_COOKIE).is_none());
}

#[tokio::test]
async fn logging_in_never_keeps_the_session_the_browser_came_with() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let first = app.link("ann@example.com").await;
    app.server.post(paths::LOG_IN, &[("token", &first)]).await.unwrap();
    let planted = app.server.cookie(SESSION_COOKIE).unwrap();
    // An attacker's session planted in a victim's browser ends when the victim logs in.
    let victim = app.server.new_browser().with_cookie(SESSION_COOKIE, &planted);
    app.mailbox.clear();
    app.accounts.request_login_link("ann@example.com", None, None).await.unwrap();
    let second = app.mailed_token("ann@example.com").await;
    victim.post(paths::LOG_IN, &[("token", &second)]).await.unwrap();
    let fresh = victim.cookie(SESSION_COOKIE).unwrap();
    assert_ne!(fresh, planted);
    assert_eq!(app.whoami(&app.server).await, "anonymous", "the planted session ended");
    assert_eq!(app.whoami(&victim).await, "ann@example.com");
}

#[tokio::test]
async fn bad_links_and_foreign_return_paths_go_nowhere_dangerous() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let page = app.server.post(paths::LOG_IN, &[("token", "forged")]).await.unwrap();
    assert_eq!(page.location(), Some(paths::LOG_IN));
    assert!(app.server.cookie(SESSION_COOKIE).is_none());
    assert!(app.server.cookie(zero_live::server::FLASH_COOKIE).is_some(), "the error is flashed");
    let token = app.link("ann@example.com").await;
    let page = app
        .server
        .post(paths::LOG_IN, &[("token", &token), ("return_to", "//evil.example/x")])
        .await
        .unwrap();
    assert_eq!(page.location(), Some("/"));
    // A form without the token field is refused by the extractor, not a crash.
    let missing = app.server.post(paths::LOG_IN, &[]).await.unwrap();
    assert!(missing.status.is_client_error(), "{}", missing.status);
}

#[tokio::test]
async fn the_dev_mailbox_lists_messages_escaped_with_their_links() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let empty = app.server.get(paths::DEV_MAILBOX).await.unwrap();
    assert!(empty.has_element("#empty", Some("No messages yet.")).unwrap());
    // In the root layout, with the endpoint's headers and no caching.
    assert!(empty.has_element("head title", Some("Dev mailbox")).unwrap(), "{}", empty.body);
    assert!(empty.has_element("main.app-main h1", Some("Dev mailbox")).unwrap());
    let header = |name: &str| empty.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("cache-control"), Some("no-store"));
    assert!(header("content-security-policy").is_some_and(|c| c.contains("default-src")));
    app.link("ann@example.com").await;
    let page = app.server.get(paths::DEV_MAILBOX).await.unwrap();
    assert!(page.has_element("article h2", Some("Confirm your account")).unwrap());
    assert!(page.has_element("a[href^='http://127.0.0.1:4000/users/log-in/']", None).unwrap());
    assert!(page.has_element(".to", Some("ann@example.com")).unwrap());
}

#[tokio::test]
async fn a_password_is_set_in_sudo_mode_and_then_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path()).await;
    let password =
        [("password", "correct horse battery"), ("password_confirmation", "correct horse battery")];
    // Nobody signed in: sent to log in, nothing set.
    let anonymous = app.server.post(paths::PASSWORD, &password).await.unwrap();
    assert_eq!(anonymous.location(), Some("/users/log-in?return_to=/users/settings"));
    let token = app.link("ann@example.com").await;
    app.server.post(paths::LOG_IN, &[("token", &token)]).await.unwrap();
    let before = app.server.cookie(SESSION_COOKIE).unwrap();
    let other = app.server.new_browser().with_cookie(SESSION_COOKIE, &before);
    // Refused passwords go back to the settings with why.
    let short = app
        .server
        .post(paths::PASSWORD, &[("password", "short"), ("password_confirmation", "short")]);
    let short = short.await.unwrap();
    assert_eq!(short.location(), Some(paths::SETTINGS));
    let mismatch = [("password", "correct horse battery"), ("password_confirmation", "other")];
    assert_eq!(
        app.server.post(paths::PASSWORD, &mismatch).await.unwrap().location(),
        Some(paths::SETTINGS)
    );
    assert_eq!(app.whoami(&other).await, "ann@example.com", "a refusal changes nothing");
    let set = app.server.post(paths::PASSWORD, &password).await.unwrap();
    assert_eq!((set.status.as_u16(), set.location()), (303, Some(paths::SETTINGS)));
    let after = app.server.cookie(SESSION_COOKIE).unwrap();
    assert_ne!(after, before, "a new session for this browser");
    assert_eq!(app.whoami(&app.server).await, "ann@example.com");
    assert_eq!(app.whoami(&other).await, "anonymous", "the other sessions ended");
    // The password logs in another browser, to where it was going.
    let browser = app.server.new_browser();
    let login = [
        ("email", "ann@example.com"),
        ("password", "correct horse battery"),
        ("return_to", "/whoami"),
    ];
    let done = browser.post(paths::LOG_IN, &login).await.unwrap();
    assert_eq!((done.status.as_u16(), done.location()), (303, Some("/whoami")));
    assert_eq!(app.whoami(&browser).await, "ann@example.com");
    // A wrong one goes back to the login page, keeping where it was going.
    let stranger = app.server.new_browser();
    let wrong = [
        ("email", "ann@example.com"),
        ("password", "wrong horse battery"),
        ("return_to", "/whoami"),
    ];
    let refused = stranger.post(paths::LOG_IN, &wrong).await.unwrap();
    assert_eq!(refused.location(), Some("/users/log-in?return_to=/whoami"));
    assert!(stranger.cookie(SESSION_COOKIE).is_none());
    assert_eq!(app.whoami(&stranger).await, "anonymous");
    // Half a form is not a login.
    let half = stranger.post(paths::LOG_IN, &[("email", "ann@example.com")]).await.unwrap();
    assert_eq!(half.status, 422);
    let both = [
        ("token", token.as_str()),
        ("email", "ann@example.com"),
        ("password", "correct horse battery"),
    ];
    assert_eq!(stranger.post(paths::LOG_IN, &both).await.unwrap().status, 422);
}

async fn client_ip(Extension(scope): Extension<Scope>) -> String {
    scope.client_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The scope's client address (what the login and registration limits key on) is the one the
/// endpoint resolved: the forwarded client behind a trusted proxy, the TCP peer otherwise, so
/// neither does a proxy make every visitor one client nor can a client name its own address.
#[tokio::test]
async fn the_scope_keys_on_the_forwarded_client_only_behind_a_trusted_proxy() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/ip.db", dir.path().display())).await.unwrap();
    schema::create(&db).await.unwrap();
    let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
    let mailer: Arc<dyn Mailer> = Arc::new(DevMailbox::new());
    let accounts = Accounts::new(db, pubsub.clone(), mailer, AuthConfig::default());
    for (trusted, expected) in [(true, "203.0.113.9"), (false, "127.0.0.1")] {
        let mut config = LiveConfig::default();
        if trusted {
            config.network.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
        }
        let live = Live::builder().config(config).pubsub(pubsub.clone()).build();
        let auth = Auth::new(accounts.clone(), &live);
        let router = Router::new()
            .route("/ip", get(client_ip))
            .layer(axum::middleware::from_fn_with_state(auth, web::fetch_scope));
        let endpoint = zero_live::Endpoint::default();
        let router = endpoint.wrap(router, &live);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = live.clone();
        tokio::spawn(async move { endpoint.serve_on(listener, &served, router).await.unwrap() });
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = "GET /ip HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 203.0.113.9\r\n\
                       Connection: close\r\n\r\n";
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        tcp.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with(expected), "trusted {trusted}: {response}");
        live.shutdown();
    }
}
