//! The web side of accounts: [`fetch_scope`] (middleware that puts the request's [`Scope`]
//! and its user's [`LiveSocketId`] in the extensions of every page, handler and live socket),
//! the login and logout handlers, the signed session cookie, the development mailbox page,
//! and the guards a live view mounts behind ([`require_user`], [`require_sudo`]).

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zero_live::server::{html_page, is_local_path, see_other};
use zero_live::{Context, Live, LiveSocketId};
use zero_live_core::escape::html as escape;

use crate::accounts::{Accounts, AuthError, socket_topic};
use crate::scope::Scope;

/// The paths of the account pages and handlers.
pub mod paths {
    /// The login page (GET) and the handler that uses a magic link (POST); a link is
    /// `LOG_IN/<token>`.
    pub const LOG_IN: &str = "/users/log-in";
    /// The registration page.
    pub const REGISTER: &str = "/users/register";
    /// Logging out (POST).
    pub const LOG_OUT: &str = "/users/log-out";
    /// The settings page.
    pub const SETTINGS: &str = "/users/settings";
    /// Setting a password (POST; apps that offer passwords).
    pub const PASSWORD: &str = "/users/settings/password";
    /// An email-change link is `CONFIRM_EMAIL/<token>`.
    pub const CONFIRM_EMAIL: &str = "/users/settings/confirm-email";
    /// The development mailbox (debug builds only).
    pub const DEV_MAILBOX: &str = "/dev/mailbox";
}

/// The cookie that holds a login's session token, signed.
pub const SESSION_COOKIE: &str = "zl_login";

/// What the session cookie's value is signed for.
const COOKIE_PURPOSE: &str = "login-session";

/// Accounts and what the web side needs with them: the live endpoint, whose signer signs the
/// session cookie and whose cookie policy ([`zero_live::cookies`]) writes it. Shared with
/// handlers as an `Extension<Auth>`.
#[derive(Debug, Clone)]
pub struct Auth {
    accounts: Accounts,
    live: Live,
}

/// The session token a request's cookie carried (for logging it out).
#[derive(Clone)]
pub struct CurrentSession(String);

impl std::fmt::Debug for CurrentSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CurrentSession(..)")
    }
}

impl Auth {
    /// The web side of `accounts` on `live`: the session cookie is signed with its signer and
    /// written like its other cookies (`Secure`, named `__Host-zl_login`, when it is secure).
    pub fn new(accounts: Accounts, live: &Live) -> Auth {
        Auth { accounts, live: live.clone() }
    }

    /// The accounts.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The name the browser keeps the session cookie under ([`SESSION_COOKIE`], prefixed
    /// `__Host-` when the endpoint's cookies are secure).
    pub fn cookie_name(&self) -> String {
        self.live.cookies().name(SESSION_COOKIE)
    }

    /// The session cookie's value for `token`: the token, signed.
    pub fn cookie_value(&self, token: &str) -> String {
        self.live.signer().sign_value(COOKIE_PURPOSE, token)
    }

    /// The `Set-Cookie` value that holds `token` (signed, `HttpOnly`, `SameSite=Lax`, for the
    /// session's lifetime).
    fn session_cookie(&self, token: &str) -> Option<HeaderValue> {
        let max_age = self.accounts.config().tokens.login_session_secs;
        self.live.cookies().set(SESSION_COOKIE, &self.cookie_value(token), max_age)
    }

    fn clear_cookie(&self) -> HeaderValue {
        self.live.cookies().clear(SESSION_COOKIE)
    }

    /// The session token of a request's cookie, if its signature holds.
    fn token_of(&self, headers: &axum::http::HeaderMap) -> Option<Result<String, ()>> {
        self.live
            .cookies()
            .get(headers, SESSION_COOKIE)
            .map(|value| self.live.signer().verify_value(COOKIE_PURPOSE, value).map_err(|_| ()))
    }

    /// A `303 See Other` to `to` with `flash` (`kind`, message) for the next page.
    fn see_other(&self, to: &str, flash: (&str, &str)) -> Response {
        let flash = std::collections::BTreeMap::from([(flash.0.to_owned(), flash.1.to_owned())]);
        see_other(&self.live, to, &flash)
    }
}

fn append_cookie(response: &mut Response, value: Option<HeaderValue>) {
    if let Some(value) = value {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Middleware: the request's [`Scope`] (its user when the session cookie names a valid
/// session; the request id; the client's address) and, for a signed-in user, the
/// [`LiveSocketId`] their live sockets listen on. A cookie that is forged or names no valid
/// session is cleared; a session in use for a day gets a fresh token. When the accounts
/// cannot be read the request is refused (503): it never runs as someone else, nor as no one.
pub async fn fetch_scope(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    // The endpoint's resolution (through `[network] trusted_proxies`), else the TCP peer.
    let client_ip = match request.extensions().get::<zero_live::ClientAddr>() {
        Some(addr) => addr.0,
        None => request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
    };
    let request_id =
        request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut scope = Scope { client_ip, request_id, ..Scope::default() };
    let mut set_cookie = None;
    match auth.token_of(request.headers()) {
        None => {}
        Some(Err(())) => set_cookie = Some(auth.clear_cookie()),
        Some(Ok(token)) => match auth.accounts.session(&token).await {
            Ok(Some(session)) => {
                if let Ok(Some(fresh)) = auth.accounts.renew(&session).await {
                    set_cookie = auth.session_cookie(&fresh);
                }
                let extensions = request.extensions_mut();
                extensions.insert(LiveSocketId(socket_topic(session.user.id)));
                extensions.insert(CurrentSession(token));
                scope.authenticated_at = Some(session.authenticated_at);
                scope.user = Some(session.user);
            }
            Ok(None) => set_cookie = Some(auth.clear_cookie()),
            Err(e) => return unavailable(&e),
        },
    }
    request.extensions_mut().insert(scope);
    let mut response = next.run(request).await;
    append_cookie(&mut response, set_cookie);
    response
}

/// `return_to` if it is a path of this site ([`is_local_path`]).
pub fn local_path(return_to: Option<&str>) -> Option<&str> {
    return_to.filter(|p| is_local_path(p))
}

/// The form the login pages post: a magic link's token (its confirmation page), or an email
/// and password (apps that offer passwords).
#[derive(Debug, Deserialize)]
pub struct LogInForm {
    /// The link's token.
    pub token: Option<String>,
    /// The email, with `password`.
    pub email: Option<String>,
    /// The password, with `email`.
    pub password: Option<String>,
    /// Where to go after logging in.
    pub return_to: Option<String>,
}

/// `POST /users/log-in`: uses a magic link's token, or checks an email and password. A login
/// always starts a new session (the one the request came with, if any, ends: no session
/// fixation) and sends the browser to `return_to` or `/`; a bad, used or expired link, or a
/// wrong password, goes back to the login page (keeping `return_to`).
pub async fn log_in(
    Extension(auth): Extension<Auth>,
    Extension(scope): Extension<Scope>,
    current: Option<Extension<CurrentSession>>,
    axum::Form(form): axum::Form<LogInForm>,
) -> Response {
    let return_to = local_path(form.return_to.as_deref());
    let attempt = match (&form.token, &form.email, &form.password) {
        (Some(token), None, None) => auth.accounts.log_in_with_link(token, scope.client_ip).await,
        (None, Some(email), Some(password)) => {
            auth.accounts.log_in_with_password(email, password, scope.client_ip).await
        }
        _ => {
            return (StatusCode::UNPROCESSABLE_ENTITY, "a token, or an email and a password")
                .into_response();
        }
    };
    let method = if form.token.is_some() { "link" } else { "password" };
    match attempt {
        Ok(login) => {
            tracing::info!(target: "zero_auth", user_id = login.user.id, method, "logged in");
            if let Some(Extension(CurrentSession(old))) = current {
                let _ = auth.accounts.log_out(&old).await;
            }
            let mut response = auth.see_other(return_to.unwrap_or("/"), ("info", "Welcome back!"));
            append_cookie(&mut response, auth.session_cookie(&login.token));
            response
        }
        Err(e @ (AuthError::Db(_) | AuthError::Hashing(_))) => unavailable(&e),
        Err(e) => {
            let error = match e {
                AuthError::Limited(_) => "rate_limited",
                AuthError::InvalidCredentials => "invalid_credentials",
                _ => "invalid_link",
            };
            tracing::info!(target: "zero_auth", method, error, "login refused");
            let message = match e {
                AuthError::Limited(l) => format!("{}.", capitalize(&l.to_string())),
                AuthError::InvalidCredentials => "Invalid email or password.".to_owned(),
                _ => "The link is invalid or it has expired.".to_owned(),
            };
            let back = return_to.map_or_else(|| paths::LOG_IN.to_owned(), log_in_path);
            auth.see_other(&back, ("error", &message))
        }
    }
}

/// The 503 of a request whose accounts could not be read, logged with why.
fn unavailable(e: &AuthError) -> Response {
    tracing::error!(target: "zero_auth", error = %e, "accounts unavailable");
    (StatusCode::SERVICE_UNAVAILABLE, "accounts are unavailable").into_response()
}

/// The form that sets a password.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    /// The new password.
    pub password: String,
    /// The same, typed again.
    pub password_confirmation: String,
}

/// `POST /users/settings/password`: sets the signed-in user's password (sudo mode). Every
/// other session of theirs ends; this browser gets a new one and goes back to the settings.
/// A stale login is sent to log in again first; a refused password goes back with why.
pub async fn update_password(
    Extension(auth): Extension<Auth>,
    Extension(scope): Extension<Scope>,
    current: Option<Extension<CurrentSession>>,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Response {
    let result =
        auth.accounts.set_password(&scope, &form.password, &form.password_confirmation).await;
    match result {
        Ok(login) => {
            tracing::info!(target: "zero_auth", user_id = login.user.id, "password changed");
            if let Some(Extension(CurrentSession(old))) = current {
                let _ = auth.accounts.log_out(&old).await;
            }
            let mut response = auth.see_other(paths::SETTINGS, ("info", "Password updated."));
            append_cookie(&mut response, auth.session_cookie(&login.token));
            response
        }
        Err(AuthError::NotSignedIn) => auth.see_other(
            &log_in_path(paths::SETTINGS),
            ("error", "You must log in to access this page."),
        ),
        Err(AuthError::SudoRequired) => auth.see_other(
            &log_in_path(paths::SETTINGS),
            ("error", "You must log in again to change your password."),
        ),
        Err(e @ (AuthError::Db(_) | AuthError::Hashing(_))) => unavailable(&e),
        Err(AuthError::PasswordMismatch) => auth
            .see_other(paths::SETTINGS, ("error", "The confirmation does not match the password.")),
        Err(e) => auth.see_other(paths::SETTINGS, ("error", &format!("Password {e}."))),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().collect::<String>() + chars.as_str())
}

/// `POST /users/log-out`: ends this browser's session, clears its cookie, and goes home.
pub async fn log_out(
    Extension(auth): Extension<Auth>,
    current: Option<Extension<CurrentSession>>,
) -> Response {
    if let Some(Extension(CurrentSession(token))) = current {
        if let Err(e) = auth.accounts.log_out(&token).await {
            return unavailable(&e);
        }
        tracing::info!(target: "zero_auth", "logged out");
    }
    let mut response = auth.see_other("/", ("info", "Logged out successfully."));
    append_cookie(&mut response, Some(auth.clear_cookie()));
    response
}

/// `GET /dev/mailbox`: the messages the development mailbox holds, newest first, links
/// clickable, in the app's root layout (its stylesheets and account menu). Not found in a
/// release build or with a real mailer.
pub async fn dev_mailbox(
    Extension(auth): Extension<Auth>,
    request: axum::http::request::Parts,
) -> Response {
    let mailbox = auth.accounts.mailer().dev_mailbox().filter(|_| cfg!(debug_assertions));
    let Some(mailbox) = mailbox else { return StatusCode::NOT_FOUND.into_response() };
    let mut html = String::from(
        "<main class=\"app-main mailbox\">\n<header class=\"page-header\">\n<div>\n\
         <h1>Dev mailbox</h1>\n<p class=\"subtitle\">The mail the app sent, newest first \
         (development only).</p>\n</div>\n</header>\n",
    );
    let messages = mailbox.messages();
    if messages.is_empty() {
        html.push_str("<p id=\"empty\" class=\"mailbox-empty\">No messages yet.</p>\n");
    }
    for (i, m) in messages.iter().enumerate().rev() {
        html.push_str(&format!("<article id=\"message-{i}\" class=\"mailbox-message\">\n<h2>"));
        escape(&mut html, &m.subject);
        html.push_str("</h2>\n<p class=\"mailbox-to\">To: <span class=\"to\">");
        escape(&mut html, &m.to);
        html.push_str("</span></p>\n<pre>");
        for word in m.text.split_inclusive(char::is_whitespace) {
            let bare = word.trim_end();
            if bare.starts_with("http://") || bare.starts_with("https://") {
                html.push_str("<a href=\"");
                escape(&mut html, bare);
                html.push_str("\">");
                escape(&mut html, bare);
                html.push_str("</a>");
                escape(&mut html, &word[bare.len()..]);
            } else {
                escape(&mut html, word);
            }
        }
        html.push_str("</pre>\n</article>\n");
    }
    html.push_str("</main>\n");
    let flash = std::collections::BTreeMap::new();
    let mut page = html_page(&auth.live, &request, StatusCode::OK, "Dev mailbox", &flash, &html);
    page.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    page
}

/// The request's scope (anonymous when the app has no [`fetch_scope`] in front).
pub fn scope(ctx: &Context) -> Scope {
    ctx.extension::<Scope>().cloned().unwrap_or_default()
}

/// The login page's URL that comes back to `path` afterwards.
pub fn log_in_path(return_to: &str) -> String {
    format!("{}?return_to={}", paths::LOG_IN, encode_path(return_to))
}

/// `path` percent-encoded for a query value (`/` kept).
pub(crate) fn encode_path(path: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(path, KEEP).to_string()
}

/// The `return_to` query parameter of the view's URL, decoded, if it is a local path (what the
/// login page passes on to the link it mails).
pub fn return_to(ctx: &Context) -> Option<String> {
    let raw = ctx.query("return_to")?;
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
    local_path(Some(&decoded)).map(str::to_owned)
}

/// For a view only signed-in users see: their scope, or `None` after sending the browser to
/// the login page (which comes back here). Call it first in `mount` and return on `None`.
pub fn require_user(ctx: &mut Context) -> Option<Scope> {
    let scope = scope(ctx);
    if scope.user.is_some() {
        return Some(scope);
    }
    ctx.put_flash("error", "You must log in to access this page.");
    let back = log_in_path(ctx.path());
    ctx.redirect(back);
    None
}

/// For a view of sensitive actions: the scope of a user who logged in within the sudo window,
/// or `None` after sending the browser to log in again (and come back here).
pub fn require_sudo(ctx: &mut Context, accounts: &Accounts) -> Option<Scope> {
    let scope = require_user(ctx)?;
    if accounts.sudo(&scope) {
        return Some(scope);
    }
    ctx.put_flash("error", "You must log in again to access this page.");
    let back = log_in_path(ctx.path());
    ctx.redirect(back);
    None
}

/// For the login and registration pages: `true` (after sending the browser home) when a user
/// is already signed in.
pub fn redirect_if_user(ctx: &mut Context) -> bool {
    if scope(ctx).user.is_some() {
        ctx.redirect("/");
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path(Some("/users/settings")), Some("/users/settings"));
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "", "x"] {
            assert_eq!(local_path(Some(bad)), None, "{bad}");
        }
        assert_eq!(local_path(Some("/a\nb")), None);
        assert_eq!(local_path(None), None);
        assert_eq!(log_in_path("/users/settings"), "/users/log-in?return_to=/users/settings");
        assert_eq!(log_in_path("/a b?c"), "/users/log-in?return_to=/a%20b%3Fc");
    }
}
