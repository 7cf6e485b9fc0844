//! CSRF protection for HTTP requests that change state (a signed double-submit cookie).
//!
//! The first safe request (`GET`, `HEAD`, `OPTIONS`, `TRACE`) through [`check`] gives the
//! browser a random secret in an `HttpOnly`, `SameSite=Lax` cookie ([`CSRF_COOKIE`]); the
//! request carries [`CsrfToken`], an HMAC of that secret under the endpoint's key, for a form
//! or a script to send back. Every other method (`POST`, `PUT`, `PATCH`, `DELETE`, ...) must
//! present the token for the secret in its cookie, in the [`CSRF_HEADER`] header or, for a
//! form (`application/x-www-form-urlencoded`), its [`CSRF_FIELD`] field; anything else is
//! refused with `403 Forbidden` and a reason, before the handler runs. Another site can make
//! a browser send the cookie but can neither read it nor compute its token; a cookie it
//! managed to plant is useless without the key.
//!
//! Live sockets are protected at the join (the page's CSRF token is bound to its session
//! token); this covers the HTTP routes of a pipeline:
//!
//! ```ignore
//! router.route_layer(live.csrf())
//! ```
//!
//! The secret carries the time it was issued (`SECRET.ISSUED`, covered by the token's HMAC):
//! past `[tokens] csrf_token_secs` a safe request gets a new secret, and an unsafe one is
//! refused, so a token that leaked stops working.
//!
//! [`Csrf`] is the layer. A safe request costs no more than a lookup of the cookie: its token
//! is computed only if a handler reads it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use futures_util::future::BoxFuture;
use tower::Service;

use crate::Signer;
use crate::cookies::Cookies;

/// The cookie holding the browser's CSRF secret.
pub const CSRF_COOKIE: &str = "zl_csrf";
/// The header a script sends the token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a form sends the token in.
pub const CSRF_FIELD: &str = "_csrf_token";

const PURPOSE: &[u8] = b"csrf-http";

/// The token of the request's browser, for the forms and scripts of the response (a request
/// extension set by [`Csrf`]). Computed from the browser's secret the first time it is read.
#[derive(Clone)]
pub struct CsrfToken {
    signer: Arc<Signer>,
    secret: String,
    token: OnceLock<String>,
}

impl CsrfToken {
    fn new(signer: Arc<Signer>, secret: String) -> CsrfToken {
        CsrfToken { signer, secret, token: OnceLock::new() }
    }

    /// The token text.
    pub fn as_str(&self) -> &str {
        self.token.get_or_init(|| self.signer.tag(PURPOSE, self.secret.as_bytes()))
    }
}

impl PartialEq for CsrfToken {
    fn eq(&self, other: &CsrfToken) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for CsrfToken {}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CsrfToken").field(&self.as_str()).finish()
    }
}

/// The CSRF layer of a pipeline (`router.route_layer(live.csrf())`): the endpoint's key, the
/// largest form body it reads for the token, and how its cookie is written ([`Cookies`]).
#[derive(Clone)]
pub struct Csrf {
    signer: Arc<Signer>,
    max_body: usize,
    cookies: Cookies,
    /// How long a secret (and every token of it) is valid.
    ttl_secs: u64,
}

impl std::fmt::Debug for Csrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Csrf")
            .field("max_body", &self.max_body)
            .field("cookies", &self.cookies)
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

impl Csrf {
    /// Protection keyed by `signer`, reading form bodies of at most `max_body` bytes, with
    /// secrets valid for the framework's `csrf_token_secs`.
    pub fn new(signer: Signer, max_body: usize) -> Csrf {
        let ttl_secs = zero_security::SecurityConfig::framework().tokens.csrf_token_secs;
        Csrf { signer: Arc::new(signer), max_body, cookies: Cookies::default(), ttl_secs }
    }

    /// Secrets (and their tokens) older than `secs` are replaced on a safe request and refused
    /// on an unsafe one (`[tokens] csrf_token_secs`).
    #[must_use]
    pub fn ttl_secs(mut self, secs: u64) -> Csrf {
        self.ttl_secs = secs;
        self
    }

    /// How the cookie is written and read (`Secure` with a `__Host-` name when the endpoint
    /// is; see [`crate::cookies`]). [`crate::Live::csrf`] passes the endpoint's.
    #[must_use]
    pub fn cookies(mut self, cookies: Cookies) -> Csrf {
        self.cookies = cookies;
        self
    }

    /// The token for `secret`, computed when read.
    fn token(&self, secret: &str) -> CsrfToken {
        CsrfToken::new(self.signer.clone(), secret.to_owned())
    }

    /// Whether `token` is the token of `secret` (constant-time).
    fn verify(&self, secret: &str, token: &str) -> bool {
        self.signer.verify_tag(PURPOSE, secret.as_bytes(), token)
    }

    /// The `Set-Cookie` value giving a browser `secret`.
    fn cookie(&self, secret: &str) -> Option<HeaderValue> {
        self.cookies.set(CSRF_COOKIE, secret, self.ttl_secs)
    }
}

/// The token of the browser whose request carries `headers`, if it has a CSRF cookie: what
/// the socket's upgrade hands its live session, so a live view renders the same token into an
/// HTML form on its connected render as on its first (the socket is outside the pipelines).
pub(crate) fn token_of(
    signer: &Signer,
    cookies: Cookies,
    headers: &axum::http::HeaderMap,
    ttl_secs: u64,
) -> Option<CsrfToken> {
    let secret = cookies.get(headers, CSRF_COOKIE).filter(|s| valid_secret(s, now(), ttl_secs))?;
    Some(CsrfToken::new(Arc::new(signer.clone()), secret.to_owned()))
}

/// Why a request was refused.
fn refuse(reason: &str) -> Response {
    let body = format!("{{\"error\":\"csrf_invalid\",\"reason\":\"{reason}\"}}");
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Seconds since the Unix epoch.
fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A new secret: 32 random bytes, base64url, and the time it was issued.
fn new_secret(issued: u64) -> String {
    format!("{}.{issued}", B64.encode(rand::random::<[u8; 32]>()))
}

/// Whether `secret` is one of ours (32 bytes base64url, `.`, its issue time) and no older than
/// `ttl_secs` at `now` (nor issued in the future, beyond a minute of clock skew).
fn valid_secret(secret: &str, now: u64, ttl_secs: u64) -> bool {
    let Some((random, issued)) = secret.split_once('.') else { return false };
    let Ok(issued) = issued.parse::<u64>() else { return false };
    B64.decode(random).is_ok_and(|bytes| bytes.len() == 32)
        && now.saturating_sub(issued) < ttl_secs
        && issued <= now.saturating_add(60)
}

impl<S> tower::Layer<S> for Csrf {
    type Service = CsrfService<S>;

    fn layer(&self, inner: S) -> CsrfService<S> {
        CsrfService { csrf: self.clone(), inner }
    }
}

/// The service of the [`Csrf`] layer: hands safe requests their token (and a new secret when
/// the browser has none), refuses unsafe ones without the token of their cookie's secret.
#[derive(Clone)]
pub struct CsrfService<S> {
    csrf: Csrf,
    inner: S,
}

impl<S> std::fmt::Debug for CsrfService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsrfService").field("csrf", &self.csrf).finish_non_exhaustive()
    }
}

impl<S> Service<Request> for CsrfService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CsrfFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> CsrfFuture<S::Future> {
        let csrf = &self.csrf;
        let safe = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        );
        let now = now();
        let cookie = csrf.cookies.get(request.headers(), CSRF_COOKIE);
        let secret = cookie.filter(|s| valid_secret(s, now, csrf.ttl_secs));
        if safe {
            let (token, set_cookie) = match secret {
                Some(secret) => (csrf.token(secret), None),
                None => {
                    let secret = new_secret(now);
                    (csrf.token(&secret), csrf.cookie(&secret))
                }
            };
            request.extensions_mut().insert(token);
            return CsrfFuture::inner(self.inner.call(request), set_cookie);
        }
        let Some(secret) = secret else {
            if cookie.is_some_and(|s| valid_secret(s, now, u64::MAX)) {
                return CsrfFuture::refused("the CSRF token expired: load the page again");
            }
            return CsrfFuture::refused("no CSRF cookie: load the page with the form first");
        };
        // A request that passes gets the token too (a form shown again with its errors).
        let token = csrf.token(secret);
        let header_token = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if let Some(sent) = header_token {
            if !csrf.verify(secret, sent) {
                return CsrfFuture::refused(
                    "the x-csrf-token header does not match the CSRF cookie",
                );
            }
            request.extensions_mut().insert(token);
            return CsrfFuture::inner(self.inner.call(request), None);
        }
        let form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return CsrfFuture::refused(
                "no x-csrf-token header (a form sends a _csrf_token field)",
            );
        }
        // The token is a field of the form: read the body (bounded), then hand it on
        // unchanged, to the service that was polled ready (a clone stays for the next call).
        let csrf = csrf.clone();
        let secret = secret.to_owned();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let checked = async move {
            let (mut parts, body) = request.into_parts();
            let Ok(bytes) = to_bytes(body, csrf.max_body).await else {
                return (StatusCode::PAYLOAD_TOO_LARGE, "the form body is too large")
                    .into_response();
            };
            match form_urlencoded_field(&bytes, CSRF_FIELD) {
                Some(sent) if csrf.verify(&secret, &sent) => {
                    parts.extensions.insert(token);
                    match inner.call(Request::from_parts(parts, Body::from(bytes))).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    }
                }
                Some(_) => refuse("the _csrf_token field does not match the CSRF cookie"),
                None => refuse("the form has no _csrf_token field"),
            }
        };
        CsrfFuture { state: State::Form { future: Box::pin(checked) } }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`CsrfService`].
    pub struct CsrfFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        // The handler runs; a new secret's cookie goes on its response.
        Inner { #[pin] future: F, set_cookie: Option<HeaderValue> },
        // Refused before the handler.
        Refused { response: Option<Response> },
        // A form whose body is read for its token.
        Form { future: BoxFuture<'static, Response> },
    }
}

impl<F> CsrfFuture<F> {
    fn inner(future: F, set_cookie: Option<HeaderValue>) -> CsrfFuture<F> {
        CsrfFuture { state: State::Inner { future, set_cookie } }
    }

    fn refused(reason: &str) -> CsrfFuture<F> {
        CsrfFuture { state: State::Refused { response: Some(refuse(reason)) } }
    }
}

impl<F> std::fmt::Debug for CsrfFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsrfFuture").finish_non_exhaustive()
    }
}

impl<F> Future for CsrfFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future, set_cookie } => {
                let mut response = std::task::ready!(future.poll(cx))?;
                if let Some(value) = set_cookie.take() {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Refused { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| refuse("the CSRF check was polled after it answered")))),
            StateProj::Form { future } => future.as_mut().poll(cx).map(Ok),
        }
    }
}

/// The first value of field `name` in a URL-encoded form.
fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let decode = |s: &str| {
        let plus = s.replace('+', " ");
        percent_encoding::percent_decode_str(&plus).decode_utf8().ok().map(|c| c.into_owned())
    };
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(k, v)| (decode(k).as_deref() == Some(name)).then(|| decode(v)).flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;
    use tower::ServiceExt as _;

    fn app(csrf: Csrf) -> Router {
        Router::new()
            .route(
                "/form",
                get(|axum::Extension(token): axum::Extension<CsrfToken>| async move {
                    token.as_str().to_owned()
                })
                .post(|body: String| async move { format!("saved {body}") }),
            )
            .layer(csrf)
    }

    async fn send(router: &Router, request: Request) -> (StatusCode, Vec<String>, String) {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, cookies, String::from_utf8(body.to_vec()).unwrap())
    }

    /// A browser's first GET: its cookie (the secret) and the token the page embeds.
    async fn visit(router: &Router) -> (String, String) {
        let (status, cookies, token) =
            send(router, Request::get("/form").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        let cookie = cookies[0].split(';').next().unwrap().to_owned();
        assert!(cookies[0].contains("HttpOnly") && cookies[0].contains("SameSite=Lax"));
        (cookie, token)
    }

    fn post(cookie: Option<&str>) -> axum::http::request::Builder {
        let builder = Request::post("/form");
        match cookie {
            Some(c) => builder.header(header::COOKIE, c),
            None => builder,
        }
    }

    #[test]
    fn a_token_is_the_tag_of_its_secret_computed_when_read() {
        let signer = Signer::random();
        let csrf = Csrf::new(signer.clone(), 1);
        let token = csrf.token("secret-a");
        assert_eq!(token.as_str(), signer.tag(PURPOSE, b"secret-a"));
        assert_eq!(token.as_str(), token.clone().as_str(), "read twice, the same");
        assert_eq!(token, csrf.token("secret-a"));
        assert_ne!(token, csrf.token("secret-b"), "another secret, another token");
        let other_key = Csrf::new(Signer::random(), 1).token("secret-a");
        assert_ne!(token, other_key, "another key, another token");
        assert!(csrf.verify("secret-a", token.as_str()));
        assert!(!csrf.verify("secret-b", token.as_str()));
    }

    #[tokio::test]
    async fn a_post_with_the_token_of_its_cookie_passes_by_header_or_form_field() {
        let router = app(Csrf::new(Signer::random(), 1 << 20));
        let (cookie, token) = visit(&router).await;
        let by_header =
            post(Some(&cookie)).header(CSRF_HEADER, &token).body(Body::from("a=1")).unwrap();
        assert_eq!(send(&router, by_header).await.2, "saved a=1");
        let form = format!("title=Hello+world&{CSRF_FIELD}={token}");
        let by_field = post(Some(&cookie))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.clone()))
            .unwrap();
        let (status, _, body) = send(&router, by_field).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, format!("saved {form}"), "the handler reads the whole body");
        // A browser that has its cookie gets no new one, and the same token.
        let again = Request::get("/form").header(header::COOKIE, &cookie).body(Body::empty());
        let (_, cookies, same) = send(&router, again.unwrap()).await;
        assert!(cookies.is_empty());
        assert_eq!(same, token);
    }

    #[tokio::test]
    async fn a_secure_endpoint_sets_a_host_cookie_and_ignores_one_planted_under_the_plain_name() {
        let router = app(Csrf::new(Signer::random(), 1 << 20).cookies(Cookies::new(true)));
        let (_, cookies, token) =
            send(&router, Request::get("/form").body(Body::empty()).unwrap()).await;
        let set = &cookies[0];
        assert!(set.starts_with("__Host-zl_csrf=") && set.contains("Secure"), "{set}");
        let secret = set.split(';').next().unwrap().strip_prefix("__Host-zl_csrf=").unwrap();
        let with = |cookie: String| post(Some(&cookie)).header(CSRF_HEADER, &token);
        let good = with(format!("__Host-zl_csrf={secret}")).body(Body::empty()).unwrap();
        assert_eq!(send(&router, good).await.0, StatusCode::OK);
        // The same secret under the name a subdomain or a plain-HTTP page could set.
        let planted = with(format!("zl_csrf={secret}")).body(Body::empty()).unwrap();
        let (status, _, body) = send(&router, planted).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("no CSRF cookie"), "{body}");
    }

    #[tokio::test]
    async fn a_post_without_a_cookie_or_with_a_missing_or_foreign_token_is_refused() {
        let signer = Signer::random();
        let router = app(Csrf::new(signer.clone(), 1 << 20));
        let (cookie, token) = visit(&router).await;
        let (other_cookie, other_token) = visit(&router).await;
        let form = |c: &str, t: &str| {
            post(Some(c))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("{CSRF_FIELD}={t}")))
                .unwrap()
        };
        let cases = [
            (post(None).header(CSRF_HEADER, &token).body(Body::empty()).unwrap(), "no CSRF cookie"),
            (post(Some(&cookie)).body(Body::empty()).unwrap(), "no x-csrf-token header"),
            (
                post(Some(&cookie)).header(CSRF_HEADER, "forged").body(Body::empty()).unwrap(),
                "header",
            ),
            // Another browser's token does not fit this browser's cookie.
            (
                post(Some(&cookie)).header(CSRF_HEADER, &other_token).body(Body::empty()).unwrap(),
                "header",
            ),
            (form(&other_cookie, &token), "field does not match"),
            (form(&cookie, ""), "field does not match"),
            (
                post(Some(&cookie))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("title=x"))
                    .unwrap(),
                "no _csrf_token field",
            ),
            // A planted cookie that is not one of ours is no cookie at all.
            (
                post(Some("zl_csrf=short"))
                    .header(CSRF_HEADER, &token)
                    .body(Body::empty())
                    .unwrap(),
                "no CSRF cookie",
            ),
        ];
        for (request, reason) in cases {
            let (status, _, body) = send(&router, request).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{reason}: {body}");
            assert!(body.contains("csrf_invalid") && body.contains(reason), "{reason}: {body}");
        }
        // A key other than the endpoint's signs tokens that do not pass.
        let elsewhere = app(Csrf::new(Signer::random(), 1 << 20));
        let request = post(Some(&cookie)).header(CSRF_HEADER, &token).body(Body::empty()).unwrap();
        assert_eq!(send(&elsewhere, request).await.0, StatusCode::FORBIDDEN);
        // A form body over the limit is refused before the handler.
        let small = app(Csrf::new(signer, 8));
        assert_eq!(send(&small, form(&cookie, &token)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    }

    /// `csrf_token_secs`: a secret past its lifetime is replaced on a page load and its token
    /// refused on a post, with a reason that says so; within it, both pass.
    #[tokio::test]
    async fn an_expired_csrf_secret_is_renewed_on_a_get_and_refused_on_a_post() {
        let signer = Signer::random();
        let csrf = Csrf::new(signer.clone(), 1 << 20).ttl_secs(600);
        let router = app(csrf.clone());
        let old = new_secret(now() - 601);
        let token = csrf.token(&old);
        let cookie = format!("{CSRF_COOKIE}={old}");
        let request = post(Some(&cookie)).header(CSRF_HEADER, token.as_str());
        let (status, _, body) = send(&router, request.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("expired"), "{body}");
        let reload = Request::get("/form").header(header::COOKIE, &cookie).body(Body::empty());
        let (_, cookies, fresh) = send(&router, reload.unwrap()).await;
        assert_eq!(cookies.len(), 1, "a new secret is issued");
        assert!(cookies[0].contains("Max-Age=600"), "{cookies:?}");
        assert_ne!(fresh, token.as_str());
        // Within its lifetime the same kind of secret passes.
        let young = new_secret(now() - 599);
        let cookie = format!("{CSRF_COOKIE}={young}");
        let request = post(Some(&cookie)).header(CSRF_HEADER, csrf.token(&young).as_str());
        assert_eq!(send(&router, request.body(Body::empty()).unwrap()).await.0, StatusCode::OK);
        // The issue time is under the HMAC: moving it forward breaks the token.
        let (random, _) = old.split_once('.').unwrap();
        let moved = format!("{random}.{}", now());
        let request =
            post(Some(&format!("{CSRF_COOKIE}={moved}"))).header(CSRF_HEADER, token.as_str());
        assert_eq!(
            send(&router, request.body(Body::empty()).unwrap()).await.0,
            StatusCode::FORBIDDEN
        );
        assert!(!valid_secret(&new_secret(now() + 3600), now(), 600), "not from the future");
    }

    #[test]
    fn form_fields_are_percent_decoded() {
        assert_eq!(
            form_urlencoded_field(b"a=1&_csrf_token=x%2By+z", CSRF_FIELD).as_deref(),
            Some("x+y z")
        );
        assert_eq!(form_urlencoded_field(b"a=1", CSRF_FIELD), None);
    }
}
