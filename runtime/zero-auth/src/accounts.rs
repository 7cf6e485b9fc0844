//! Users and their tokens: registration, magic-link logins, login sessions (issued, renewed,
//! revoked one by one or everywhere), sudo mode, email changes and account deletion.
//!
//! Every token is 32 random bytes of which only the SHA-256 is stored ([`crate::token`]).
//! A magic link works once (consumed by one `DELETE ... RETURNING`) and for
//! `magic_link_secs`; a session token for `login_session_secs` after it was issued, renewed
//! (reissued) after a day of use, and never beyond `remember_me_secs` after its login.
//! Revoking sessions publishes [`zero_live::Disconnect`] on the user's socket topic, so their
//! live pages reconnect and meet the login page.
//!
//! Nothing here tells whether an email has an account: asking for a link, or registering, with
//! an address answers the same whether or not it has one, and the work that differs (a token,
//! a message) runs after the answer.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use zero_db::sqlx::{self, any::AnyRow};
use zero_db::{Db, DbError, get};
use zero_pubsub::{PubSub, publish};

use crate::clock::{Clock, SystemClock};
use crate::config::{self, AuthConfig};
use crate::mail::{Email, Mailer};
use crate::rate::{Limit, Limited, RateLimiter};
use crate::scope::Scope;
use crate::web::paths;
use crate::{password, token};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: i64,
    /// Its email address, lowercase.
    pub email: String,
    /// When its email was confirmed (its first login by link), seconds since the epoch.
    pub confirmed_at: Option<i64>,
    /// When it registered.
    pub inserted_at: i64,
}

/// A login just made: the user and the session token for their cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// Who logged in.
    pub user: User,
    /// The new session token (give it to the browser only, in an HttpOnly cookie).
    pub token: String,
}

/// A valid login session, as a request's cookie names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its user.
    pub user: User,
    /// When its login authenticated.
    pub authenticated_at: i64,
    /// When this token was issued.
    pub issued_at: i64,
}

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The email address is not one.
    #[error("{0}")]
    InvalidEmail(&'static str),
    /// The link or token is unknown, used, expired, or for another address.
    #[error("the link is invalid or it has expired")]
    InvalidToken,
    /// Too many attempts.
    #[error(transparent)]
    Limited(#[from] Limited),
    /// The action needs a recent login.
    #[error("this action needs a recent login")]
    SudoRequired,
    /// The action needs a signed-in user.
    #[error("log in first")]
    NotSignedIn,
    /// The new email is the current one.
    #[error("that is already your email")]
    SameEmail,
    /// Another account has the email.
    #[error("that email is taken")]
    EmailTaken,
    /// The email and password match no account (which of the two is wrong is not said).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// The new password is not one (the reason, for the form).
    #[error("{0}")]
    InvalidPassword(&'static str),
    /// The password and its confirmation differ.
    #[error("does not match the password")]
    PasswordMismatch,
    /// A password could not be hashed (the system's random source or the blocking pool
    /// failed).
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl AuthError {
    /// A stable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::InvalidEmail(_) => "invalid_email",
            AuthError::InvalidToken => "invalid_token",
            AuthError::Limited(_) => "rate_limited",
            AuthError::SudoRequired => "sudo_required",
            AuthError::NotSignedIn => "not_signed_in",
            AuthError::SameEmail => "same_email",
            AuthError::EmailTaken => "email_taken",
            AuthError::InvalidCredentials => "invalid_credentials",
            AuthError::InvalidPassword(_) => "invalid_password",
            AuthError::PasswordMismatch => "password_mismatch",
            AuthError::Hashing(_) => "hashing",
            AuthError::Db(_) => "database",
        }
    }
}

impl From<sqlx::Error> for AuthError {
    fn from(e: sqlx::Error) -> AuthError {
        AuthError::Db(e.into())
    }
}

/// The longest email address taken.
pub const MAX_EMAIL: usize = 160;

/// `email` trimmed and lowercased, if it is an address.
pub fn normalize_email(email: &str) -> Result<String, AuthError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AuthError::InvalidEmail("can't be blank"));
    }
    if email.len() > MAX_EMAIL {
        return Err(AuthError::InvalidEmail("should be at most 160 characters"));
    }
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    });
    if !valid || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AuthError::InvalidEmail("must have the @ sign and no spaces"));
    }
    Ok(email)
}

/// The topic a user's live sockets listen on ([`zero_live::LiveSocketId`]).
pub fn socket_topic(user_id: i64) -> String {
    format!("user_sockets:{user_id}")
}

/// After how long in use a session token is reissued.
const RENEW_AFTER_SECS: i64 = 24 * 3600;

/// Token contexts.
const LOGIN: &str = "login";
const SESSION: &str = "session";
const CHANGE: &str = "change:";

/// The columns a [`User`] is read from (a macro, for `concat!`: sqlx takes static SQL).
macro_rules! user_columns {
    () => {
        "id, email, confirmed_at, inserted_at"
    };
}

fn user_of(row: &AnyRow) -> Result<User, DbError> {
    Ok(User {
        id: get(row, "id")?,
        email: get(row, "email")?,
        confirmed_at: get(row, "confirmed_at")?,
        inserted_at: get(row, "inserted_at")?,
    })
}

/// Accounts over one database: cheap to clone, shared by the web layer and views.
#[derive(Debug, Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    pubsub: Arc<dyn PubSub>,
    mailer: Arc<dyn Mailer>,
    config: AuthConfig,
    clock: Arc<dyn Clock>,
    limiter: RateLimiter,
    mail_failures: AtomicU64,
}

impl Accounts {
    /// Accounts on `db`, revoking sockets through `pubsub` and mailing through `mailer`.
    pub fn new(
        db: Db,
        pubsub: Arc<dyn PubSub>,
        mailer: Arc<dyn Mailer>,
        config: AuthConfig,
    ) -> Accounts {
        Accounts::with_clock(db, pubsub, mailer, config, Arc::new(SystemClock))
    }

    /// The same, on `clock` (tests move it to expire tokens and end windows).
    pub fn with_clock(
        db: Db,
        pubsub: Arc<dyn PubSub>,
        mailer: Arc<dyn Mailer>,
        config: AuthConfig,
        clock: Arc<dyn Clock>,
    ) -> Accounts {
        let limiter = RateLimiter::new(clock.clone());
        Accounts {
            inner: Arc::new(Inner {
                db,
                pubsub,
                mailer,
                config,
                clock,
                limiter,
                mail_failures: AtomicU64::new(0),
            }),
        }
    }

    /// The policies enforced.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The mailer (its [`Mailer::dev_mailbox`] in development).
    pub fn mailer(&self) -> &Arc<dyn Mailer> {
        &self.inner.mailer
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Now, on the accounts' clock.
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// Messages that failed to send since start (each also printed to stderr).
    pub fn mail_failures(&self) -> u64 {
        self.inner.mail_failures.load(Ordering::Relaxed)
    }

    /// Whether `scope`'s login is recent enough for a sensitive action.
    pub fn sudo(&self, scope: &Scope) -> bool {
        scope.sudo(self.now(), config::secs(self.inner.config.tokens.sudo_window_secs))
    }

    fn limit(&self, per_hour: u32) -> Limit {
        Limit { count: per_hour, window_secs: 3600 }
    }

    /// Counts an attempt of `action` by the client and by the email; refused over the limit.
    fn hit(
        &self,
        action: &'static str,
        per_hour: u32,
        client: Option<IpAddr>,
        email: Option<&str>,
    ) -> Result<(), AuthError> {
        let limit = self.limit(per_hour);
        if let Some(ip) = client {
            self.inner.limiter.hit(action, &ip.to_string(), limit)?;
        }
        if let Some(email) = email {
            self.inner.limiter.hit(action, email, limit)?;
        }
        Ok(())
    }

    /// The user with this email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, AuthError> {
        let Ok(email) = normalize_email(email) else { return Ok(None) };
        let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1"))
            .bind(email)
            .fetch_optional(self.inner.db.pool())
            .await?;
        Ok(row.as_ref().map(user_of).transpose()?)
    }

    /// The user with this id.
    pub async fn user(&self, id: i64) -> Result<Option<User>, AuthError> {
        let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.inner.db.pool())
            .await?;
        Ok(row.as_ref().map(user_of).transpose()?)
    }

    /// Registers `email` and mails it a link that confirms it and logs in. An address that
    /// has an account gets a login link instead, and the answer is the same.
    pub async fn register(&self, email: &str, client: Option<IpAddr>) -> Result<(), AuthError> {
        let email = normalize_email(email)?;
        self.hit(
            "register",
            self.inner.config.rate_limits.registrations_per_hour,
            client,
            Some(&email),
        )?;
        let now = self.now();
        let inserted = sqlx::query(concat!(
            "INSERT INTO users (email, inserted_at) VALUES ($1, $2) RETURNING ",
            user_columns!()
        ))
        .bind(email.clone())
        .bind(now)
        .fetch_one(self.inner.db.pool())
        .await;
        let user = match inserted {
            Ok(row) => user_of(&row)?,
            Err(e) => match DbError::from(e) {
                DbError::Unique { .. } => match self.user_by_email(&email).await? {
                    Some(user) => user,
                    None => return Ok(()),
                },
                other => return Err(other.into()),
            },
        };
        self.spawn_login_link(user, None);
        Ok(())
    }

    /// Mails a magic link to `email` if it has an account; answers the same either way. The
    /// link comes back to `return_to` after the login, when that is a local path.
    pub async fn request_login_link(
        &self,
        email: &str,
        client: Option<IpAddr>,
        return_to: Option<&str>,
    ) -> Result<(), AuthError> {
        let email = normalize_email(email)?;
        self.hit(
            "login",
            self.inner.config.rate_limits.login_attempts_per_hour,
            client,
            Some(&email),
        )?;
        if let Some(user) = self.user_by_email(&email).await? {
            self.spawn_login_link(user, crate::web::local_path(return_to).map(str::to_owned));
        }
        Ok(())
    }

    /// Stores a login token and mails its link, after the caller has answered.
    fn spawn_login_link(&self, user: User, return_to: Option<String>) {
        let accounts = self.clone();
        tokio::spawn(async move {
            let result = async {
                let token = accounts.insert_token(user.id, LOGIN, Some(&user.email), None).await?;
                let mut link =
                    format!("{}{}/{token}", accounts.inner.config.base_url, paths::LOG_IN);
                if let Some(to) = &return_to {
                    link.push_str("?return_to=");
                    link.push_str(&crate::web::encode_path(to));
                }
                let (subject, intro) = if user.confirmed_at.is_none() {
                    ("Confirm your account", "Confirm your account and log in")
                } else {
                    ("Log in", "Log in")
                };
                let text = format!(
                    "Hi {},\n\n{intro} by visiting the link below (it works once, for {} minutes):\n\n\
                     {link}\n\nIf you didn't ask for this, ignore this email.\n",
                    user.email,
                    accounts.inner.config.tokens.magic_link_secs / 60
                );
                accounts.send(Email { to: user.email.clone(), subject: subject.into(), text }).await;
                Ok::<(), AuthError>(())
            }
            .await;
            if let Err(e) = result {
                accounts.failed(&user.email, &e.to_string());
            }
        });
    }

    async fn send(&self, email: Email) {
        let to = email.to.clone();
        if let Err(e) = self.inner.mailer.deliver(email).await {
            self.failed(&to, &e.to_string());
        }
    }

    /// Counts and logs a mail that was not sent (the recipient's domain only, never the mail:
    /// it holds a login link).
    fn failed(&self, to: &str, why: &str) {
        self.inner.mail_failures.fetch_add(1, Ordering::Relaxed);
        let domain = to.rsplit_once('@').map_or("", |(_, domain)| domain);
        tracing::error!(target: "zero_auth::mail", domain, error = why, "mail not sent");
    }

    /// Stores a new token of `context` for `user_id` and returns what the user holds.
    async fn insert_token(
        &self,
        user_id: i64,
        context: &str,
        sent_to: Option<&str>,
        authenticated_at: Option<i64>,
    ) -> Result<String, AuthError> {
        let (token, hash) = token::generate();
        sqlx::query(
            "INSERT INTO users_tokens (user_id, token_hash, context, sent_to, authenticated_at, \
             inserted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(hash)
        .bind(context.to_owned())
        .bind(sent_to.map(str::to_owned))
        .bind(authenticated_at)
        .bind(self.now())
        .execute(self.inner.db.pool())
        .await?;
        Ok(token)
    }

    /// The user a magic link would log in, without using it (the page that asks to confirm).
    pub async fn login_link_user(&self, link_token: &str) -> Result<User, AuthError> {
        let hash = token::hash(link_token).ok_or(AuthError::InvalidToken)?;
        let row = sqlx::query(
            "SELECT u.id, u.email, u.confirmed_at, u.inserted_at FROM users_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.context = $1 AND t.token_hash = $2 AND t.inserted_at > $3 AND t.sent_to = u.email",
        )
        .bind(LOGIN)
        .bind(hash)
        .bind(self.now() - config::secs(self.inner.config.tokens.magic_link_secs))
        .fetch_optional(self.inner.db.pool())
        .await?;
        Ok(user_of(&row.ok_or(AuthError::InvalidToken)?)?)
    }

    /// Uses a magic link: it works once, within its lifetime, for the address it was sent to.
    /// The first use confirms the account (and revokes anything issued before it). Returns a
    /// new session: a login never keeps a session token from before it.
    pub async fn log_in_with_link(
        &self,
        link_token: &str,
        client: Option<IpAddr>,
    ) -> Result<Login, AuthError> {
        self.hit("log_in", self.inner.config.rate_limits.login_attempts_per_hour, client, None)?;
        let hash = token::hash(link_token).ok_or(AuthError::InvalidToken)?;
        let now = self.now();
        let mut tx = self.inner.db.begin().await?;
        let used = sqlx::query(
            "DELETE FROM users_tokens WHERE context = $1 AND token_hash = $2 \
             RETURNING user_id, sent_to, inserted_at",
        )
        .bind(LOGIN)
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AuthError::InvalidToken)?;
        let user_id: i64 = get(&used, "user_id")?;
        let sent_to: Option<String> = get(&used, "sent_to")?;
        let issued: i64 = get(&used, "inserted_at")?;
        if now - issued >= config::secs(self.inner.config.tokens.magic_link_secs) {
            // Expired: used up all the same (committed), and refused.
            tx.commit().await?;
            return Err(AuthError::InvalidToken);
        }
        let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        let mut user = user_of(&row)?;
        if sent_to.as_deref() != Some(user.email.as_str()) {
            tx.commit().await?;
            return Err(AuthError::InvalidToken);
        }
        if user.confirmed_at.is_none() {
            // Whatever was issued before the address was proven is void.
            sqlx::query("DELETE FROM users_tokens WHERE user_id = $1")
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE users SET confirmed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            user.confirmed_at = Some(now);
        }
        tx.commit().await?;
        let token = self.insert_token(user.id, SESSION, None, Some(now)).await?;
        Ok(Login { user, token })
    }

    /// The session a token names, if it is valid now.
    pub async fn session(&self, session_token: &str) -> Result<Option<Session>, AuthError> {
        let Some(hash) = token::hash(session_token) else { return Ok(None) };
        let now = self.now();
        let row = sqlx::query(
            "SELECT u.id, u.email, u.confirmed_at, u.inserted_at, t.authenticated_at, \
             t.inserted_at AS issued_at FROM users_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.context = $1 AND t.token_hash = $2 AND t.inserted_at > $3 \
             AND t.authenticated_at > $4",
        )
        .bind(SESSION)
        .bind(hash)
        .bind(now - config::secs(self.inner.config.tokens.login_session_secs))
        .bind(now - config::secs(self.inner.config.tokens.remember_me_secs))
        .fetch_optional(self.inner.db.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            user: user_of(&row)?,
            authenticated_at: get(&row, "authenticated_at")?,
            issued_at: get(&row, "issued_at")?,
        }))
    }

    /// A new token for `session` (same login, same authentication time) when it has been in
    /// use a day; the old one stays valid until it expires, so parallel requests never race.
    pub async fn renew(&self, session: &Session) -> Result<Option<String>, AuthError> {
        if self.now() - session.issued_at < RENEW_AFTER_SECS {
            return Ok(None);
        }
        let token =
            self.insert_token(session.user.id, SESSION, None, Some(session.authenticated_at));
        Ok(Some(token.await?))
    }

    /// Ends the session of this token, and closes the user's live sockets (the others rejoin
    /// with their own, still valid, sessions).
    pub async fn log_out(&self, session_token: &str) -> Result<(), AuthError> {
        let Some(hash) = token::hash(session_token) else { return Ok(()) };
        let row = sqlx::query(
            "DELETE FROM users_tokens WHERE context = $1 AND token_hash = $2 RETURNING user_id",
        )
        .bind(SESSION)
        .bind(hash)
        .fetch_optional(self.inner.db.pool())
        .await?;
        if let Some(row) = row {
            let user_id: i64 = get(&row, "user_id")?;
            publish(&*self.inner.pubsub, &socket_topic(user_id), zero_live::Disconnect);
        }
        Ok(())
    }

    /// Ends every session of the scope's user and closes their live sockets. Returns how many
    /// sessions ended.
    pub async fn log_out_everywhere(&self, scope: &Scope) -> Result<u64, AuthError> {
        let user = scope.user().ok_or(AuthError::NotSignedIn)?;
        let done = sqlx::query("DELETE FROM users_tokens WHERE user_id = $1 AND context = $2")
            .bind(user.id)
            .bind(SESSION)
            .execute(self.inner.db.pool())
            .await?;
        publish(&*self.inner.pubsub, &socket_topic(user.id), zero_live::Disconnect);
        Ok(done.rows_affected())
    }

    /// Mails `new_email` a link that makes it the user's address. Needs sudo mode. An address
    /// another account has gets no mail, and the answer is the same.
    pub async fn request_email_change(
        &self,
        scope: &Scope,
        new_email: &str,
    ) -> Result<(), AuthError> {
        let user = scope.user().ok_or(AuthError::NotSignedIn)?;
        if !self.sudo(scope) {
            return Err(AuthError::SudoRequired);
        }
        let new_email = normalize_email(new_email)?;
        if new_email == user.email {
            return Err(AuthError::SameEmail);
        }
        if self.user_by_email(&new_email).await?.is_some() {
            return Ok(());
        }
        let context = format!("{CHANGE}{}", user.email);
        let token = self.insert_token(user.id, &context, Some(&new_email), None).await?;
        let link = format!("{}{}/{token}", self.inner.config.base_url, paths::CONFIRM_EMAIL);
        let text = format!(
            "Hi {new_email},\n\nMake this your account's email by visiting the link below (it \
             works once, for {} minutes):\n\n{link}\n\nIf you didn't ask for this, ignore this email.\n",
            config::secs(self.inner.config.tokens.magic_link_secs) / 60
        );
        self.send(Email { to: new_email, subject: "Confirm your new email".into(), text }).await;
        Ok(())
    }

    /// Uses an email-change link of the scope's user: the address it was sent to becomes
    /// theirs. Works once, within its lifetime, and only while the user's email is still the
    /// one it was asked from.
    pub async fn change_email(&self, scope: &Scope, link_token: &str) -> Result<User, AuthError> {
        let user = scope.user().ok_or(AuthError::NotSignedIn)?;
        let hash = token::hash(link_token).ok_or(AuthError::InvalidToken)?;
        let now = self.now();
        let mut tx = self.inner.db.begin().await?;
        let used = sqlx::query(
            "DELETE FROM users_tokens WHERE context = $1 AND token_hash = $2 AND user_id = $3 \
             RETURNING sent_to, inserted_at",
        )
        .bind(format!("{CHANGE}{}", user.email))
        .bind(hash)
        .bind(user.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AuthError::InvalidToken)?;
        let issued: i64 = get(&used, "inserted_at")?;
        let new_email: String = get(&used, "sent_to")?;
        if now - issued >= config::secs(self.inner.config.tokens.magic_link_secs) {
            tx.commit().await?;
            return Err(AuthError::InvalidToken);
        }
        let updated = sqlx::query(concat!(
            "UPDATE users SET email = $1 WHERE id = $2 RETURNING ",
            user_columns!()
        ))
        .bind(new_email)
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await;
        let row = match updated {
            Ok(row) => row,
            Err(e) => {
                return Err(match DbError::from(e) {
                    DbError::Unique { .. } => AuthError::EmailTaken,
                    other => other.into(),
                });
            }
        };
        sqlx::query("DELETE FROM users_tokens WHERE user_id = $1 AND context LIKE 'change:%'")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user_of(&row)?)
    }

    /// Logs in with a password (apps that offer them). The answer, and the time it takes, are
    /// the same for an unknown address, an account without a password, and a wrong password;
    /// attempts are limited per client and per address. Returns a new session.
    pub async fn log_in_with_password(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<Login, AuthError> {
        let email = normalize_email(email).unwrap_or_default();
        let by_email = (!email.is_empty()).then_some(email.as_str());
        self.hit(
            "password",
            self.inner.config.rate_limits.login_attempts_per_hour,
            client,
            by_email,
        )?;
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", hashed_password FROM users WHERE email = $1"
        ))
        .bind(email.clone())
        .fetch_optional(self.inner.db.pool())
        .await?;
        let stored: Option<String> =
            row.as_ref().map(|r| get(r, "hashed_password")).transpose()?.flatten();
        let matches = password::verify(password, stored.as_deref()).await;
        let (Some(row), true) = (row, matches) else { return Err(AuthError::InvalidCredentials) };
        let user = user_of(&row)?;
        let token = self.insert_token(user.id, SESSION, None, Some(self.now())).await?;
        Ok(Login { user, token })
    }

    /// Sets (or changes) the scope's user's password. Needs sudo mode. Every session of the
    /// user ends (their live pages are closed) and a new one is returned for the browser that
    /// asked, as after a login.
    pub async fn set_password(
        &self,
        scope: &Scope,
        password: &str,
        confirmation: &str,
    ) -> Result<Login, AuthError> {
        let user = scope.user().ok_or(AuthError::NotSignedIn)?;
        if !self.sudo(scope) {
            return Err(AuthError::SudoRequired);
        }
        password::validate(password).map_err(AuthError::InvalidPassword)?;
        if password != confirmation {
            return Err(AuthError::PasswordMismatch);
        }
        let hashed = password::hash(password).await.map_err(AuthError::Hashing)?;
        let mut tx = self.inner.db.begin().await?;
        sqlx::query("UPDATE users SET hashed_password = $1 WHERE id = $2")
            .bind(hashed)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users_tokens WHERE user_id = $1 AND context = $2")
            .bind(user.id)
            .bind(SESSION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        publish(&*self.inner.pubsub, &socket_topic(user.id), zero_live::Disconnect);
        let token = self.insert_token(user.id, SESSION, None, scope.authenticated_at).await?;
        Ok(Login { user: user.clone(), token })
    }

    /// Whether the scope's user has a password.
    pub async fn has_password(&self, scope: &Scope) -> Result<bool, AuthError> {
        let Some(user) = scope.user() else { return Ok(false) };
        let row = sqlx::query("SELECT hashed_password FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_optional(self.inner.db.pool())
            .await?;
        let stored: Option<String> =
            row.as_ref().map(|r| get(r, "hashed_password")).transpose()?.flatten();
        Ok(stored.is_some())
    }

    /// Deletes the scope's user, their tokens and (through the app's foreign keys) their data,
    /// and closes their live sockets. Needs sudo mode.
    pub async fn delete_account(&self, scope: &Scope) -> Result<(), AuthError> {
        let user = scope.user().ok_or(AuthError::NotSignedIn)?;
        if !self.sudo(scope) {
            return Err(AuthError::SudoRequired);
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user.id)
            .execute(self.inner.db.pool())
            .await?;
        publish(&*self.inner.pubsub, &socket_topic(user.id), zero_live::Disconnect);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_or_refused_with_a_reason() {
        assert_eq!(normalize_email("  Ann@Example.COM ").unwrap(), "ann@example.com");
        for (bad, why) in [
            ("", "blank"),
            ("ann", "@ sign"),
            ("ann@", "@ sign"),
            ("@example.com", "@ sign"),
            ("ann@example", "@ sign"),
            ("a b@example.com", "@ sign"),
            ("ann@@example.com", "@ sign"),
            ("ann@example.com.", "@ sign"),
        ] {
            let e = normalize_email(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL));
        assert!(normalize_email(&long).unwrap_err().to_string().contains("160"));
    }
}
