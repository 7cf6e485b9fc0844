#![allow(clippy::unwrap_used)]
//! No secret reaches the log. The account flows (a magic link, a password set in sudo mode, a
//! password login, a wrong one, logging out) and a live session under the login run behind
//! the endpoint with every target at `TRACE`, and what was written is scanned for the link,
//! the session cookies, the password, the page's signed tokens, the signing key and the
//! database password. The same log holds what it should: the access lines, the accounts'
//! own lines and sqlx's statements.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use serde_json::Value;
use zero_auth::mail::{DevMailbox, Mailer};
use zero_auth::web::{self, Auth, SESSION_COOKIE, paths};
use zero_auth::{Accounts, AuthConfig, schema};
use zero_db::Db;
use zero_live::logs::{Capture, Format, Logs};
use zero_live::testing::TestServer;
use zero_live::{Context, Live, LiveConfig, LiveView, MountError, Signer};
use zero_live_core::{Block, Builder, Rendered, Template};
use zero_pubsub::{Local, PubSub};

/// The signing key (`SECRET_KEY_BASE`).
const SECRET_KEY_BASE: &str = "log-scan-secret-key-base-0123456789abcdef";
const PASSWORD: &str = "correct horse battery staple";

/// `/me`: the signed-in user's address; anyone else is sent to log in.
struct Me {
    email: String,
}

static ME: &[&str] = &["<p id=\"me\">", "</p>"];

impl Template for Me {
    const SIZE_HINT: usize = 64;

    fn render_html(&self, out: &mut String) {
        out.push_str(ME[0]);
        zero_live_core::escape::html(out, &self.email);
        out.push_str(ME[1]);
    }

    fn render_live(&self) -> Rendered {
        let mut b = Builder::with_capacity(Self::SIZE_HINT);
        let root = self.render_block(&mut b);
        b.finish(root)
    }

    fn render_block(&self, b: &mut Builder) -> Block {
        let start = b.mark();
        zero_live_core::escape::html(b.buf(), &self.email);
        Block { fingerprint: 0x6d65, statics: ME, dynamics: vec![b.text_since(start)] }
    }
}

impl LiveView for Me {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let email = web::require_user(ctx).and_then(|scope| scope.user).map(|u| u.email);
        Ok(Me { email: email.unwrap_or_default() })
    }

    async fn handle_event(
        &mut self,
        _event: &str,
        _value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), zero_live::EventError> {
        self.email.push('!');
        Ok(())
    }
}

/// The text between `before` and the next `"` in `html`.
fn attribute<'a>(html: &'a str, before: &str) -> &'a str {
    let start = html.find(before).unwrap() + before.len();
    let len = html[start..].find('"').unwrap();
    &html[start..start + len]
}

#[tokio::test]
async fn the_account_flows_and_a_live_session_at_trace_write_no_secret() {
    let log = Capture::default();
    std::mem::forget(Logs::new("trace", Format::Json).install(log.clone()).unwrap());
    let mut secrets: Vec<(&str, String)> = vec![
        ("the signing key", SECRET_KEY_BASE.to_owned()),
        ("the password", PASSWORD.to_owned()),
    ];
    // A Postgres URL's password, when CI gives a server.
    if let Ok(url) = std::env::var("ZERO_DB_POSTGRES_URL")
        && let Some(password) = url.split_once("://").and_then(|(_, rest)| {
            let (userinfo, _) = rest.rsplit_once('@')?;
            Some(userinfo.split_once(':')?.1.to_owned())
        })
    {
        let db = Db::connect(&url).await.unwrap();
        sqlx::query("SELECT 1").execute(db.pool()).await.unwrap();
        secrets.push(("the database password", password));
    }

    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/logs.db", dir.path().display())).await.unwrap();
    schema::create(&db).await.unwrap();
    let mailbox = Arc::new(DevMailbox::new());
    let mailer: Arc<dyn Mailer> = mailbox.clone();
    let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
    let accounts = Accounts::new(db, pubsub.clone(), mailer, AuthConfig::default());
    let signer = Signer::new(SECRET_KEY_BASE.as_bytes()).unwrap();
    let live = Live::builder()
        .config(LiveConfig::default())
        .signer(signer)
        .pubsub(pubsub)
        .live::<Me>("/me")
        .build();
    let auth = Auth::new(accounts.clone(), &live);
    let routes = live
        .router()
        .route(paths::LOG_IN, post(web::log_in))
        .route(paths::LOG_OUT, post(web::log_out))
        .route(paths::PASSWORD, post(web::update_password))
        .layer(axum::Extension(auth.clone()))
        .layer(axum::middleware::from_fn_with_state(auth, web::fetch_scope));
    let routes = Router::new().merge(routes);
    let router = zero_live::Endpoint::default().wrap(routes, &live);
    let server = TestServer::start(router, live).await.unwrap();

    // A magic link.
    accounts.register("ann@example.com", None).await.unwrap();
    let mail = mailbox.wait_for("ann@example.com", Duration::from_secs(5)).await.unwrap();
    let link = mail.text.split_whitespace().find(|w| w.starts_with("http")).unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    let logged_in = server.post(paths::LOG_IN, &[("token", &token)]).await.unwrap();
    assert_eq!(logged_in.status, 303);
    secrets.push(("the link", link));
    secrets.push(("the link's token", token));
    secrets.push(("the first session cookie", server.cookie(SESSION_COOKIE).unwrap()));
    // A live session under the login: the page's tokens, a click.
    let mut view = server.live("/me").await.unwrap();
    assert!(view.html().unwrap().contains("ann@example.com"));
    view.event("ping", serde_json::json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("ann@example.com!"));
    let page = view.disconnected_html().to_owned();
    secrets.push(("the live session token", attribute(&page, "data-zl-session=\"").to_owned()));
    secrets.push(("the CSRF token", attribute(&page, "name=\"csrf-token\" content=\"").to_owned()));
    // A password set in sudo mode, then a login with it, and a wrong one.
    let fields = [("password", PASSWORD), ("password_confirmation", PASSWORD)];
    assert_eq!(server.post(paths::PASSWORD, &fields).await.unwrap().status, 303);
    secrets.push(("the second session cookie", server.cookie(SESSION_COOKIE).unwrap()));
    let browser = server.new_browser();
    let login = [("email", "ann@example.com"), ("password", PASSWORD)];
    assert_eq!(browser.post(paths::LOG_IN, &login).await.unwrap().status, 303);
    secrets.push(("the password login's cookie", browser.cookie(SESSION_COOKIE).unwrap()));
    let wrong = [("email", "ann@example.com"), ("password", "wrong horse battery staple")];
    server.new_browser().post(paths::LOG_IN, &wrong).await.unwrap();
    secrets.push(("a wrong password", "wrong horse battery staple".to_owned()));
    assert_eq!(browser.post(paths::LOG_OUT, &[]).await.unwrap().status, 303);
    drop(view);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let text = log.text();
    for (what, secret) in &secrets {
        let leak = text.lines().find(|l| l.contains(secret.as_str()));
        assert!(!secret.is_empty() && leak.is_none(), "{what} reached the log: {leak:?}");
    }
    // What the log should hold, it does.
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let has = |target: &str, message: Option<&str>| {
        lines.iter().any(|l| l["target"] == target && message.is_none_or(|m| l["message"] == m))
    };
    assert!(has("zero_live::access", None), "no access line");
    assert!(has("zero_auth", Some("logged in")), "no login line");
    assert!(has("zero_auth", Some("login refused")), "no refused login line");
    assert!(has("zero_auth", Some("password changed")), "no password line");
    assert!(has("zero_auth", Some("logged out")), "no logout line");
    assert!(has("zero_db", Some("connected")), "no connection line");
    assert!(has("zero_live::session", Some("event handled")), "no event line");
    let statements = lines.iter().filter(|l| l["target"] == "sqlx::query");
    let mut tokens = statements.filter_map(|l| l["db.statement"].as_str());
    assert!(tokens.any(|s| s.contains("users_tokens")), "no sqlx statement line");
}
