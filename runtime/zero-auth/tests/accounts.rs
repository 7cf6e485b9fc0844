#![allow(clippy::unwrap_used, clippy::print_stderr)]
//! Accounts against real databases (a SQLite file always; Postgres when
//! `ZERO_DB_POSTGRES_URL` names one, required under `CI`), on a clock the tests move. Each
//! security property has a test that fails if the protection is removed.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use zero_auth::clock::ManualClock;
use zero_auth::mail::{DevMailbox, Mailer};
use zero_auth::{Accounts, AuthConfig, AuthError, Scope, schema};
use zero_db::Db;
use zero_pubsub::{Local, PubSub};

struct Fixture {
    accounts: Accounts,
    clock: ManualClock,
    mailbox: Arc<DevMailbox>,
    pubsub: Arc<dyn PubSub>,
    db: Db,
}

async fn fixtures(dir: &std::path::Path) -> Vec<Fixture> {
    let mut dbs = vec![Db::connect(&format!("sqlite://{}/auth.db", dir.display())).await.unwrap()];
    match std::env::var("ZERO_DB_POSTGRES_URL") {
        Ok(url) => dbs.push(postgres_schema(&url).await),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("ZERO_DB_POSTGRES_URL is not set: CI runs these tests on Postgres too")
        }
        Err(_) => eprintln!("ZERO_DB_POSTGRES_URL not set: Postgres not tested in this run"),
    }
    let mut out = Vec::new();
    for db in dbs {
        schema::create(&db).await.unwrap();
        let clock = ManualClock::new();
        let mailbox = Arc::new(DevMailbox::new());
        let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
        let mailer: Arc<dyn Mailer> = mailbox.clone();
        let accounts = Accounts::with_clock(
            db.clone(),
            pubsub.clone(),
            mailer,
            AuthConfig::default(),
            Arc::new(clock.clone()),
        );
        out.push(Fixture { accounts, clock, mailbox, pubsub, db });
    }
    out
}

async fn postgres_schema(url: &str) -> Db {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // The process id and the time: ids are reused (a busy machine wraps them) and a schema
    // outlives the test that made it.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let schema = format!("auth{}_{}_{n}", std::process::id(), nanos.as_nanos());
    let admin = Db::connect(url).await.unwrap();
    let create = format!("CREATE SCHEMA {schema}");
    zero_db::sqlx::query(zero_db::sqlx::AssertSqlSafe(create)).execute(admin.pool()).await.unwrap();
    admin.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Db::connect(&format!("{url}{sep}options=-c%20search_path%3D{schema}")).await.unwrap()
}

const IP: Option<IpAddr> = None;

/// The token of the newest link mailed to `to`.
async fn link_token(mailbox: &DevMailbox, to: &str) -> String {
    let mail = mailbox.wait_for(to, Duration::from_secs(5)).await.expect("a message arrived");
    let link = mail.text.split_whitespace().find(|w| w.starts_with("http")).unwrap();
    link.rsplit('/').next().unwrap().to_owned()
}

impl Fixture {
    /// Registers `email`, follows the mailed link, and returns the login.
    async fn signed_in(&self, email: &str) -> zero_auth::Login {
        self.accounts.register(email, IP).await.unwrap();
        let token = link_token(&self.mailbox, email).await;
        self.mailbox.clear();
        self.accounts.log_in_with_link(&token, IP).await.unwrap()
    }

    async fn scope(&self, token: &str) -> Scope {
        let session = self.accounts.session(token).await.unwrap().expect("a valid session");
        Scope::for_user(session.user, session.authenticated_at)
    }

    async fn stored_token_hashes(&self) -> Vec<String> {
        let rows = zero_db::sqlx::query("SELECT token_hash FROM users_tokens")
            .fetch_all(self.db.pool())
            .await
            .unwrap();
        rows.iter().map(|r| zero_db::get::<String>(r, "token_hash").unwrap()).collect()
    }
}

#[tokio::test]
async fn a_magic_link_confirms_logs_in_once_and_only_its_hash_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        f.accounts.register(" Ann@Example.com ", IP).await.unwrap();
        let mail = f.mailbox.wait_for("ann@example.com", Duration::from_secs(5)).await.unwrap();
        assert_eq!(mail.subject, "Confirm your account");
        let token = link_token(&f.mailbox, "ann@example.com").await;
        assert!(!f.stored_token_hashes().await.iter().any(|h| h.contains(&token)));
        assert_eq!(f.accounts.login_link_user(&token).await.unwrap().email, "ann@example.com");
        let login = f.accounts.log_in_with_link(&token, IP).await.unwrap();
        assert!(login.user.confirmed_at.is_some(), "the first login confirms");
        let session = f.accounts.session(&login.token).await.unwrap().unwrap();
        assert_eq!(session.user.email, "ann@example.com");
        // Reused: refused, and it logs in no one.
        let reused = f.accounts.log_in_with_link(&token, IP).await.unwrap_err();
        assert!(matches!(reused, AuthError::InvalidToken), "{reused}");
        assert!(matches!(f.accounts.login_link_user(&token).await, Err(AuthError::InvalidToken)));
        // Not a token at all, or a session token used as a link.
        for bad in ["", "nope", &login.token] {
            let e = f.accounts.log_in_with_link(bad, IP).await.unwrap_err();
            assert!(matches!(e, AuthError::InvalidToken), "{bad}: {e}");
        }
        assert!(f.accounts.session("forged").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn an_expired_link_is_refused_and_used_up() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        f.accounts.register("ann@example.com", IP).await.unwrap();
        let token = link_token(&f.mailbox, "ann@example.com").await;
        f.clock.advance(secs(f.accounts.config().tokens.magic_link_secs));
        assert!(matches!(f.accounts.login_link_user(&token).await, Err(AuthError::InvalidToken)));
        let e = f.accounts.log_in_with_link(&token, IP).await.unwrap_err();
        assert!(matches!(e, AuthError::InvalidToken), "{e}");
        f.clock.advance(-secs(f.accounts.config().tokens.magic_link_secs));
        let again = f.accounts.log_in_with_link(&token, IP).await.unwrap_err();
        assert!(matches!(again, AuthError::InvalidToken), "an expired link was used up: {again}");
    }
}

#[tokio::test]
async fn asking_for_a_link_answers_the_same_for_unknown_addresses_and_mails_only_users() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let ann = f.signed_in("ann@example.com").await;
        f.accounts
            .request_login_link("ann@example.com", IP, Some("/users/settings"))
            .await
            .unwrap();
        f.accounts.request_login_link("nobody@example.com", IP, None).await.unwrap();
        let mail = f.mailbox.wait_for("ann@example.com", Duration::from_secs(5)).await.unwrap();
        assert_eq!(mail.subject, "Log in");
        assert!(mail.text.contains("?return_to=/users/settings\n"), "{}", mail.text);
        // A foreign return path is left out of the link.
        f.mailbox.clear();
        f.accounts.request_login_link("ann@example.com", IP, Some("//evil.example")).await.unwrap();
        let mail = f.mailbox.wait_for("ann@example.com", Duration::from_secs(5)).await.unwrap();
        assert!(!mail.text.contains("return_to"), "{}", mail.text);
        assert!(
            f.mailbox.wait_for("nobody@example.com", Duration::from_millis(200)).await.is_none()
        );
        // Registering a taken address mails that account a login link, and answers Ok.
        f.mailbox.clear();
        f.accounts.register("ann@example.com", IP).await.unwrap();
        assert_eq!(
            f.mailbox.wait_for("ann@example.com", Duration::from_secs(5)).await.unwrap().subject,
            "Log in"
        );
        let bad = f.accounts.request_login_link("not an email", IP, None).await.unwrap_err();
        assert_eq!(bad.code(), "invalid_email");
        assert!(f.accounts.session(&ann.token).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn sessions_expire_are_renewed_after_a_day_and_end_at_the_remember_me_cap() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let login = f.signed_in("ann@example.com").await;
        let session = f.accounts.session(&login.token).await.unwrap().unwrap();
        assert_eq!(f.accounts.renew(&session).await.unwrap(), None, "fresh: not renewed");
        f.clock.advance(24 * 3600);
        let session = f.accounts.session(&login.token).await.unwrap().unwrap();
        let renewed = f.accounts.renew(&session).await.unwrap().expect("renewed after a day");
        // Both work (no race between parallel requests); the old one expires on its own.
        assert!(f.accounts.session(&login.token).await.unwrap().is_some());
        f.clock.advance(secs(f.accounts.config().tokens.login_session_secs) - 24 * 3600);
        assert!(f.accounts.session(&login.token).await.unwrap().is_none(), "14 days: expired");
        let fresh = f.accounts.session(&renewed).await.unwrap().unwrap();
        assert_eq!(fresh.authenticated_at, session.authenticated_at, "the same login");
        // Renewals never outlive the remember-me cap after the login: renewed every 13 days,
        // the chain lives until the cap, then ends.
        let cap = secs(f.accounts.config().tokens.remember_me_secs);
        let step = secs(f.accounts.config().tokens.login_session_secs) - 24 * 3600;
        let mut token = f.accounts.renew(&fresh).await.unwrap().unwrap();
        let mut lived = secs(f.accounts.config().tokens.login_session_secs);
        while lived + step < cap {
            f.clock.advance(step);
            lived += step;
            let s = f.accounts.session(&token).await.unwrap().expect("renewed chain lives");
            token = f.accounts.renew(&s).await.unwrap().unwrap();
        }
        f.clock.advance(cap - lived);
        assert!(f.accounts.session(&token).await.unwrap().is_none(), "past remember-me");
    }
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_and_disconnects_sockets() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let one = f.signed_in("ann@example.com").await;
        f.accounts.request_login_link("ann@example.com", IP, None).await.unwrap();
        let token = link_token(&f.mailbox, "ann@example.com").await;
        let two = f.accounts.log_in_with_link(&token, IP).await.unwrap();
        let bob = f.signed_in("bob@example.com").await;
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        f.pubsub.subscribe(&zero_auth::accounts::socket_topic(one.user.id), tx);
        let scope = f.scope(&one.token).await;
        assert_eq!(f.accounts.log_out_everywhere(&scope).await.unwrap(), 2);
        assert!(f.accounts.session(&one.token).await.unwrap().is_none());
        assert!(f.accounts.session(&two.token).await.unwrap().is_none());
        assert!(f.accounts.session(&bob.token).await.unwrap().is_some(), "bob is not ann");
        let message = rx.recv().await.unwrap();
        assert!(message.is::<zero_live::Disconnect>());
        let anonymous = f.accounts.log_out_everywhere(&Scope::anonymous()).await.unwrap_err();
        assert_eq!(anonymous.code(), "not_signed_in");
        // One session's logout leaves the others.
        let three = f.signed_in_again("bob@example.com").await;
        f.accounts.log_out(&bob.token).await.unwrap();
        assert!(f.accounts.session(&bob.token).await.unwrap().is_none());
        assert!(f.accounts.session(&three).await.unwrap().is_some());
    }
}

impl Fixture {
    async fn signed_in_again(&self, email: &str) -> String {
        self.accounts.request_login_link(email, IP, None).await.unwrap();
        let token = link_token(&self.mailbox, email).await;
        self.mailbox.clear();
        self.accounts.log_in_with_link(&token, IP).await.unwrap().token
    }
}

#[tokio::test]
async fn email_changes_need_sudo_a_link_to_the_new_address_and_work_once() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let ann = f.signed_in("ann@example.com").await;
        let bob = f.signed_in("bob@example.com").await;
        let scope = f.scope(&ann.token).await;
        f.accounts.request_email_change(&scope, "ann@new.example").await.unwrap();
        let token = link_token(&f.mailbox, "ann@new.example").await;
        // Bob cannot use Ann's link.
        let bob_scope = f.scope(&bob.token).await;
        let e = f.accounts.change_email(&bob_scope, &token).await.unwrap_err();
        assert!(matches!(e, AuthError::InvalidToken), "{e}");
        let changed = f.accounts.change_email(&scope, &token).await.unwrap();
        assert_eq!(changed.email, "ann@new.example");
        let scope = f.scope(&ann.token).await;
        assert!(matches!(
            f.accounts.change_email(&scope, &token).await,
            Err(AuthError::InvalidToken)
        ));
        assert_eq!(
            f.accounts.request_email_change(&scope, "ann@new.example").await.unwrap_err().code(),
            "same_email"
        );
        // Taken: no mail, the same answer.
        f.mailbox.clear();
        f.accounts.request_email_change(&scope, "bob@example.com").await.unwrap();
        assert!(f.mailbox.messages().is_empty());
        // Stale login: sudo required.
        f.clock.advance(secs(f.accounts.config().tokens.sudo_window_secs));
        let e = f.accounts.request_email_change(&scope, "ann@third.example").await.unwrap_err();
        assert_eq!(e.code(), "sudo_required");
        assert_eq!(f.accounts.delete_account(&scope).await.unwrap_err().code(), "sudo_required");
        // A fresh login restores it.
        let fresh = f.signed_in_again("ann@new.example").await;
        let scope = f.scope(&fresh).await;
        f.accounts.delete_account(&scope).await.unwrap();
        assert!(f.accounts.session(&fresh).await.unwrap().is_none());
        assert!(f.accounts.user_by_email("ann@new.example").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn attempts_over_the_limit_are_refused_until_the_window_ends() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let ip: Option<IpAddr> = Some("10.1.2.3".parse().unwrap());
        let limit = f.accounts.config().rate_limits.login_attempts_per_hour;
        for i in 0..limit {
            f.accounts.request_login_link(&format!("u{i}@example.com"), ip, None).await.unwrap();
        }
        let e = f.accounts.request_login_link("other@example.com", ip, None).await.unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        // Per email too, whatever the client.
        for _ in 0..limit {
            f.accounts.request_login_link("ann@example.com", IP, None).await.unwrap();
        }
        assert!(f.accounts.request_login_link("ann@example.com", IP, None).await.is_err());
        // Guessing links is limited per client.
        for _ in 0..limit {
            assert!(matches!(
                f.accounts.log_in_with_link("AAAA", ip).await,
                Err(AuthError::InvalidToken)
            ));
        }
        assert_eq!(
            f.accounts.log_in_with_link("AAAA", ip).await.unwrap_err().code(),
            "rate_limited"
        );
        let reg = f.accounts.config().rate_limits.registrations_per_hour;
        for i in 0..reg {
            f.accounts.register(&format!("r{i}@example.com"), ip).await.unwrap();
        }
        assert!(f.accounts.register("r@example.com", ip).await.is_err());
        f.clock.advance(3600);
        f.accounts.request_login_link("other@example.com", ip, None).await.unwrap();
        f.accounts.register("r@example.com", ip).await.unwrap();
    }
}

#[tokio::test]
async fn passwords_need_sudo_are_stored_hashed_and_end_the_other_sessions() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let ann = f.signed_in("ann@example.com").await;
        let other = f.signed_in_again("ann@example.com").await;
        let scope = f.scope(&ann.token).await;
        assert!(!f.accounts.has_password(&scope).await.unwrap());
        for (password, confirmation, code) in [
            ("short", "short", "invalid_password"),
            ("            ", "            ", "invalid_password"),
            ("correct horse battery", "correct horse batterY", "password_mismatch"),
        ] {
            let e = f.accounts.set_password(&scope, password, confirmation).await.unwrap_err();
            assert_eq!(e.code(), code, "{password}");
        }
        assert!(!f.accounts.has_password(&scope).await.unwrap(), "nothing set by a refusal");
        let anonymous = Scope::anonymous();
        let e =
            f.accounts.set_password(&anonymous, "correct horse battery", "correct horse battery");
        assert_eq!(e.await.unwrap_err().code(), "not_signed_in");
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        f.pubsub.subscribe(&zero_auth::accounts::socket_topic(ann.user.id), tx);
        let login =
            f.accounts.set_password(&scope, "correct horse battery", "correct horse battery");
        let login = login.await.unwrap();
        assert!(f.accounts.has_password(&scope).await.unwrap());
        assert!(f.accounts.session(&ann.token).await.unwrap().is_none(), "sessions end");
        assert!(f.accounts.session(&other).await.unwrap().is_none(), "all of them");
        assert!(rx.recv().await.unwrap().is::<zero_live::Disconnect>());
        let renewed = f.accounts.session(&login.token).await.unwrap().expect("a new session");
        assert_eq!(renewed.authenticated_at, scope.authenticated_at.unwrap(), "not a new login");
        // Only an Argon2id hash is stored.
        let row = zero_db::sqlx::query("SELECT hashed_password FROM users WHERE id = $1")
            .bind(ann.user.id)
            .fetch_one(f.db.pool())
            .await
            .unwrap();
        let stored: String = zero_db::get(&row, "hashed_password").unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("horse"), "{stored}");
        // A stale login may not change it.
        f.clock.advance(secs(f.accounts.config().tokens.sudo_window_secs));
        let scope = f.scope(&login.token).await;
        let e = f.accounts.set_password(&scope, "another good password", "another good password");
        assert_eq!(e.await.unwrap_err().code(), "sudo_required");
    }
}

#[tokio::test]
async fn a_password_logs_in_and_every_failure_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let ann = f.signed_in("ann@example.com").await;
        f.signed_in("bob@example.com").await;
        let scope = f.scope(&ann.token).await;
        f.accounts
            .set_password(&scope, "correct horse battery", "correct horse battery")
            .await
            .unwrap();
        f.clock.advance(60);
        let login =
            f.accounts.log_in_with_password(" Ann@Example.com ", "correct horse battery", IP);
        let login = login.await.unwrap();
        assert_eq!(login.user.email, "ann@example.com");
        let session = f.accounts.session(&login.token).await.unwrap().unwrap();
        assert_eq!(session.authenticated_at, f.accounts.now(), "a login: sudo again");
        // Wrong password, an account without one, no account, no address: one answer.
        for (email, password) in [
            ("ann@example.com", "correct horse batterY"),
            ("bob@example.com", "correct horse battery"),
            ("nobody@example.com", "correct horse battery"),
            ("not an address", "correct horse battery"),
            ("ann@example.com", ""),
        ] {
            let e = f.accounts.log_in_with_password(email, password, IP).await.unwrap_err();
            assert_eq!(e.to_string(), "invalid email or password", "{email}");
            assert_eq!(e.code(), "invalid_credentials");
        }
    }
}

#[tokio::test]
async fn password_guesses_are_limited_per_client_and_per_address() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures(dir.path()).await {
        let ann = f.signed_in("ann@example.com").await;
        let scope = f.scope(&ann.token).await;
        f.accounts
            .set_password(&scope, "correct horse battery", "correct horse battery")
            .await
            .unwrap();
        let limit = f.accounts.config().rate_limits.login_attempts_per_hour;
        let ip: Option<IpAddr> = Some("10.9.8.7".parse().unwrap());
        for i in 0..limit {
            let email = format!("u{i}@example.com");
            let e = f.accounts.log_in_with_password(&email, "guess", ip).await.unwrap_err();
            assert_eq!(e.code(), "invalid_credentials");
        }
        let e = f.accounts.log_in_with_password("ann@example.com", "correct horse battery", ip);
        assert_eq!(e.await.unwrap_err().code(), "rate_limited", "per client");
        for _ in 0..limit {
            let e = f.accounts.log_in_with_password("ann@example.com", "guess", IP);
            assert_eq!(e.await.unwrap_err().code(), "invalid_credentials");
        }
        let e = f.accounts.log_in_with_password("ann@example.com", "correct horse battery", IP);
        assert_eq!(e.await.unwrap_err().code(), "rate_limited", "per address, any client");
        f.clock.advance(3600);
        f.accounts
            .log_in_with_password("ann@example.com", "correct horse battery", ip)
            .await
            .unwrap();
    }
}

/// A lifetime from the table as the test clock's signed seconds.
fn secs(value: u64) -> i64 {
    i64::try_from(value).expect("a lifetime fits in i64")
}
