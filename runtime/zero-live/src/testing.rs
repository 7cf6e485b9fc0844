//! Test helpers (feature `testing`): serve an app's router on a loopback port and drive its live
//! views as a browser would, without a browser.
//!
//! A view is mounted through the router: [`TestServer::live`] GETs the page (the disconnected
//! render, with the endpoint's layers), reads the session and CSRF tokens the page carries and
//! joins with them over a real WebSocket. The test then acts on the page by CSS selector (click,
//! change, submit, key events), reads it (`has_element`, `html`), follows redirects and patches,
//! waits for renders pushed by the server, and drops and rejoins the socket.
//!
//! ```ignore
//! let server = TestServer::start(router, live).await?;
//! let mut view = server.live("/posts/new").await?;
//! view.submit("#post-form", json!({"post": {"title": ""}})).await?;
//! assert!(view.has_element("#post_title-errors", Some("can't be blank"))?);
//! view.submit("#post-form", json!({"post": {"title": "Hello"}})).await?;
//! assert_eq!(view.redirected_to().await?, "/posts/1");
//! view.follow_redirect().await?;
//! ```
//!
//! A server's handle is one browser: it keeps the cookies its responses set (a login's session
//! cookie, the CSRF cookie) and sends them with every request and socket.
//! [`TestServer::new_browser`] is another browser on the same server, with no cookies;
//! [`TestServer::submit`] posts a page's HTML form as the browser would.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use futures_util::{SinkExt, StreamExt};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tower::ServiceExt as _;

use crate::Live;
use crate::client::ClientTree;
use crate::protocol::SUBPROTOCOL;
use crate::server::{FLASH_COOKIE, SOCKET_PATH};

/// How long a helper waits for the server before failing.
const LIMIT: Duration = Duration::from_secs(10);

/// The largest page body a helper reads.
const MAX_PAGE: usize = 16 << 20;

/// An app served on 127.0.0.1 for a test, and one browser's cookies; the server stops when
/// the last handle on it is dropped.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    http: Http,
    serving: Arc<Serving>,
}

/// The server task; stops the endpoint when dropped.
#[derive(Debug)]
struct Serving {
    live: Live,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.live.shutdown();
        self.task.abort();
    }
}

/// A browser's cookie jar: name to value, shared by its handles and views.
type Jar = Arc<Mutex<BTreeMap<String, String>>>;

/// What a view needs of its server to load pages and open sockets.
#[derive(Debug, Clone)]
struct Http {
    addr: SocketAddr,
    router: axum::Router,
    cookies: Jar,
}

/// What went wrong while driving a view.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TestError(pub String);

fn fail(what: impl std::fmt::Display) -> TestError {
    TestError(what.to_string())
}

/// A page the router answered (a disconnected render, an HTTP route, a refusal).
#[derive(Debug, Clone)]
pub struct Page {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text.
    pub body: String,
    /// The path requested (without its query).
    pub path: String,
}

impl Page {
    /// Where a redirect (`3xx` with `Location`) sends the browser.
    pub fn location(&self) -> Option<&str> {
        self.status
            .is_redirection()
            .then(|| self.headers.get(header::LOCATION)?.to_str().ok())
            .flatten()
    }

    /// The text of the first element matching `selector`.
    pub fn text(&self, selector: &str) -> Result<String, TestError> {
        let doc = Html::parse_document(&self.body);
        let parsed = parse_selector(selector)?;
        let el = doc
            .select(&parsed)
            .next()
            .ok_or_else(|| fail(format!("no element matches `{selector}`")))?;
        Ok(el.text().collect())
    }

    /// Whether an element matches `selector` (and, when given, contains `text`).
    pub fn has_element(&self, selector: &str, text: Option<&str>) -> Result<bool, TestError> {
        Ok(count(&Html::parse_document(&self.body), selector, text)? > 0)
    }

    /// The value of the `content` attribute of `<meta name=NAME>`.
    fn meta(&self, name: &str) -> Option<String> {
        let doc = Html::parse_document(&self.body);
        let selector = Selector::parse(&format!("meta[name=\"{name}\"]")).ok()?;
        doc.select(&selector).next()?.attr("content").map(str::to_owned)
    }

    /// The session token of the page's live root.
    fn session(&self) -> Option<String> {
        let doc = Html::parse_document(&self.body);
        let selector = Selector::parse("[data-zl-root]").ok()?;
        doc.select(&selector).next()?.attr("data-zl-session").map(str::to_owned)
    }
}

impl TestServer {
    /// Serves `router` (built from `live`) on a free loopback port.
    pub async fn start(router: axum::Router, live: Live) -> Result<TestServer, TestError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(fail)?;
        let addr = listener.local_addr().map_err(fail)?;
        let waiter = live.clone();
        let served = router.clone();
        let task = tokio::spawn(async move {
            let service = served.into_make_service_with_connect_info::<SocketAddr>();
            // As the endpoint serves: no Nagle.
            let _ = axum::serve(crate::endpoint::no_delay(listener), service)
                .with_graceful_shutdown(async move { waiter.shutdown_requested().await })
                .await;
        });
        let http = Http { addr, router, cookies: Jar::default() };
        Ok(TestServer { addr, http, serving: Arc::new(Serving { live, task }) })
    }

    /// Sends cookie `name` with every page load and socket of this server's views (a signed-in
    /// user's session cookie, say), as a browser that holds it would.
    #[must_use]
    pub fn with_cookie(self, name: &str, value: &str) -> TestServer {
        self.http.set_cookie(name, value);
        self
    }

    /// Another browser on the same server: no cookies, its own from then on (a second device
    /// of the same user, or another user).
    pub fn new_browser(&self) -> TestServer {
        let http = Http { cookies: Jar::default(), ..self.http.clone() };
        TestServer { addr: self.addr, http, serving: self.serving.clone() }
    }

    /// Drops cookie `name` from this browser's jar (its views' next socket goes without it).
    pub fn clear_cookie(&self, name: &str) {
        self.http.jar().remove(name);
    }

    /// The value of cookie `name` in this browser's jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.http.jar().get(name).cloned()
    }

    /// The endpoint served.
    pub fn live_endpoint(&self) -> &Live {
        &self.serving.live
    }

    /// POSTs `fields` to `path` as an HTML form (`application/x-www-form-urlencoded`) with this
    /// browser's cookies and nothing else: no CSRF token unless `fields` has one (see
    /// [`TestServer::submit`] for what a browser sends).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<Page, TestError> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, format!("http://{}", self.addr));
        self.http.send(request, Body::from(body), path).await
    }

    /// Submits the HTML form `selector` of `page` as a browser does: to its `action` (the
    /// page's path when it has none), with its fields (hidden ones, the CSRF token among them)
    /// and `values` over them. A name the form has no field for is an error.
    pub async fn submit(
        &self,
        page: &Page,
        selector: &str,
        values: &[(&str, &str)],
    ) -> Result<Page, TestError> {
        let doc = Html::parse_document(&page.body);
        let parsed = parse_selector(selector)?;
        let form = doc
            .select(&parsed)
            .next()
            .map(Found::of)
            .ok_or_else(|| fail(format!("no element matches `{selector}`")))?;
        let overlay: Vec<(String, Value)> =
            values.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        let Value::Object(fields) = form.form_values(&overlay, selector)? else {
            return Err(fail(format!("`{selector}` has no fields")));
        };
        let action = form.attr("action").unwrap_or(&page.path).to_owned();
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in fields {
            match value {
                Value::Array(list) => pairs.extend(
                    list.iter().map(|v| (name.clone(), v.as_str().unwrap_or_default().to_owned())),
                ),
                one => pairs.push((name, one.as_str().unwrap_or_default().to_owned())),
            }
        }
        let borrowed: Vec<(&str, &str)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post(&action, &borrowed).await
    }

    /// `http://127.0.0.1:PORT` and `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GETs `path` through the router, as a browser's first request: a live route answers with
    /// its disconnected render.
    pub async fn get(&self, path: &str) -> Result<Page, TestError> {
        self.http.get(path).await
    }

    /// GETs `path` and follows `303`/`302` redirects (at most 5), as a browser does.
    pub async fn follow(&self, path: &str) -> Result<Page, TestError> {
        let mut page = self.http.get(path).await?;
        for _ in 0..5 {
            let Some(to) = page.location().map(str::to_owned) else { return Ok(page) };
            page = self.http.get(&to).await?;
        }
        Err(fail(format!("GET {path}: more than 5 redirects")))
    }

    /// Mounts the live view at `path` (with its query): loads the page through the router
    /// (disconnected), then joins with the tokens the page carries (connected). A page that is
    /// not `200 OK` or not live is an error naming its status.
    pub async fn live(&self, path: &str) -> Result<TestView, TestError> {
        TestView::open(self.http.clone(), path).await
    }
}

impl Http {
    async fn get(&self, path: &str) -> Result<Page, TestError> {
        self.send(Request::get(path), Body::empty(), path).await
    }

    /// Sends a request with the jar's cookies and keeps the cookies the response sets.
    async fn send(
        &self,
        mut request: axum::http::request::Builder,
        body: Body,
        path: &str,
    ) -> Result<Page, TestError> {
        if let Some(cookies) = self.cookie_header() {
            request = request.header(header::COOKIE, cookies);
        }
        // As a browser names the host it asked for (`[network] allowed_hosts` checks it).
        request = request.header(header::HOST, self.addr.to_string());
        let request = request.body(body).map_err(fail)?;
        let method = request.method().clone();
        let response = tokio::time::timeout(LIMIT, self.router.clone().oneshot(request))
            .await
            .map_err(|_| fail(format!("{method} {path} did not answer in time")))?
            .map_err(fail)?;
        let (parts, body) = response.into_parts();
        for set in parts.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok())
        {
            self.take_cookie(set);
        }
        let bytes = axum::body::to_bytes(body, MAX_PAGE).await.map_err(fail)?;
        let body = String::from_utf8(bytes.to_vec()).map_err(fail)?;
        let path = path.split('?').next().unwrap_or(path).to_owned();
        Ok(Page { status: parts.status, headers: parts.headers, body, path })
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.cookies.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_cookie(&self, name: &str, value: &str) {
        self.jar().insert(name.to_owned(), value.to_owned());
    }

    /// Applies a `Set-Cookie` header: stores the value, or removes it when it expires now.
    fn take_cookie(&self, set: &str) {
        let mut parts = set.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
            return;
        };
        let expired = parts.any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "max-age=0" || p.starts_with("max-age=-")
        });
        if expired || value.is_empty() {
            self.jar().remove(name);
        } else {
            self.set_cookie(name, value);
        }
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar();
        (!jar.is_empty())
            .then(|| jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }
}

/// One HTTP/1.1 `PUT` of `body` to an `http://` URL over a fresh connection: the status.
async fn put_http(url: &str, body: &[u8]) -> Result<u16, TestError> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(fail(format!("TestView puts external uploads over http:// only: {url}")));
    };
    let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).await.map_err(fail)?;
    let head = format!(
        "PUT {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.map_err(fail)?;
    stream.write_all(body).await.map_err(fail)?;
    let mut response = Vec::new();
    tokio::time::timeout(LIMIT, stream.read_to_end(&mut response))
        .await
        .map_err(|_| fail(format!("PUT {url} did not answer in time")))?
        .map_err(fail)?;
    let status = String::from_utf8_lossy(&response).split(' ').nth(1).map(str::to_owned);
    status.and_then(|s| s.parse().ok()).ok_or_else(|| fail(format!("PUT {url}: no HTTP answer")))
}

/// `application/x-www-form-urlencoded` encoding of one name or value.
fn form_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'*')
        .remove(b' ');
    percent_encoding::utf8_percent_encode(s, SET).to_string().replace(' ', "+")
}

/// How a view was sent elsewhere by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Where to.
    pub to: String,
    /// `true` for a live navigation over the same socket, `false` for a full page load.
    pub live: bool,
    /// The signed flash a full load carries to the next page.
    flash_token: Option<String>,
}

/// A joined live view.
#[derive(Debug)]
pub struct TestView {
    http: Http,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    tree: ClientTree,
    next: u64,
    pushed: Vec<Value>,
    /// The URL joined or last navigated or patched to.
    url: String,
    session: String,
    csrf: String,
    disconnected: String,
}

impl TestView {
    async fn open(http: Http, path: &str) -> Result<TestView, TestError> {
        let page = http.get(path).await?;
        if let Some(to) = page.location() {
            return Err(fail(format!("GET {path} redirected ({}) to {to}", page.status)));
        }
        if page.status != StatusCode::OK {
            return Err(fail(format!("GET {path} answered {}: {}", page.status, page.body)));
        }
        let (Some(session), Some(csrf)) = (page.session(), page.meta("csrf-token")) else {
            return Err(fail(format!("GET {path} is not a live page (no data-zl-session)")));
        };
        let ws = connect(&http).await?;
        let mut view = TestView {
            http,
            ws,
            tree: ClientTree::default(),
            next: 1,
            pushed: Vec::new(),
            url: path.to_owned(),
            session,
            csrf,
            disconnected: page.body,
        };
        view.join().await?;
        Ok(view)
    }

    async fn join(&mut self) -> Result<(), TestError> {
        let bare = self.url.split('?').next().unwrap_or(&self.url).to_owned();
        let reply = self
            .request(json!({"kind": "join", "topic": format!("lv:{bare}"),
                            "session": self.session, "csrf": self.csrf, "url": self.url}))
            .await?;
        if reply["kind"] == "redirect" {
            return Err(fail(format!("join redirected to {}", reply["to"])));
        }
        if reply["status"] != "ok" {
            return Err(fail(format!("join refused: {reply}")));
        }
        self.mount_tree(&reply).await
    }

    /// Starts the page over from a join's or navigate's full render, and merges the parts of a
    /// big stream that follow it (`parts` diffs), as the browser client does before it shows
    /// the render.
    async fn mount_tree(&mut self, reply: &Value) -> Result<(), TestError> {
        self.tree = ClientTree::default();
        self.tree.apply_join(0, &reply["rendered"]).map_err(fail)?;
        for _ in 0..reply["parts"].as_u64().unwrap_or(0) {
            let part = self.read().await?;
            if part["kind"] != "diff" {
                return Err(fail(format!("a part of the render was expected, not {part}")));
            }
            self.apply_pushed_diff(&part)?;
        }
        Ok(())
    }

    /// The page as the client renders it now.
    pub fn html(&self) -> Result<String, TestError> {
        self.tree.to_html().map_err(fail)
    }

    /// The whole page of the disconnected render the view was mounted from.
    pub fn disconnected_html(&self) -> &str {
        &self.disconnected
    }

    /// The URL the view is at (joined, navigated or patched to).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether an element of the page matches `selector` (and, when given, contains `text`).
    pub fn has_element(&self, selector: &str, text: Option<&str>) -> Result<bool, TestError> {
        Ok(self.count(selector, text)? > 0)
    }

    /// How many elements of the page match `selector` (and contain `text`, when given).
    pub fn count(&self, selector: &str, text: Option<&str>) -> Result<usize, TestError> {
        count(&Html::parse_fragment(&self.html()?), selector, text)
    }

    /// Messages the server pushed besides replies (`push`, `exec`, `redirect`, `patch`) while
    /// a request waited for its reply, oldest first (see [`TestView::receive`]).
    pub fn pushed(&self) -> &[Value] {
        &self.pushed
    }

    /// Waits for the next message the server pushes (`push`, `exec`, `redirect`, `patch`, or a
    /// `diff`, which is applied), e.g. the JS commands an event sent after its reply.
    pub async fn receive(&mut self) -> Result<Value, TestError> {
        if !self.pushed.is_empty() {
            return Ok(self.pushed.remove(0));
        }
        let value = self.read().await?;
        if value["kind"] == "diff" {
            self.apply_pushed_diff(&value)?;
        }
        Ok(value)
    }

    /// Waits for a render the server pushes on its own (after `handle_info`: a PubSub message,
    /// the result of work the view started) and returns the page then. Other pushes that
    /// arrive first are kept for [`TestView::receive`].
    pub async fn render_async(&mut self) -> Result<String, TestError> {
        loop {
            let value = self.read().await?;
            if value["kind"] == "diff" {
                self.apply_pushed_diff(&value)?;
                return self.html();
            }
            self.pushed.push(value);
        }
    }

    /// The payload of the next `push` of `event` the server sent (`Context::push_event`);
    /// other pushes before it are skipped.
    pub async fn pushed_event(&mut self, event: &str) -> Result<Value, TestError> {
        loop {
            let value = self.receive().await?;
            if value["kind"] == "push" && value["event"] == event {
                return Ok(value["payload"].clone());
            }
        }
    }

    /// Where the server sent the view (`push_navigate` or `redirect`), from the pushes so far
    /// or the next ones; an error if the view was patched or sent nowhere in time.
    pub async fn redirect(&mut self) -> Result<Redirect, TestError> {
        let message = self.next_of(&["redirect", "patch"]).await?;
        if message["kind"] == "patch" {
            return Err(fail(format!("the view was patched, not redirected: {message}")));
        }
        Ok(Redirect {
            to: message["to"].as_str().unwrap_or_default().to_owned(),
            live: message["live"].as_bool().unwrap_or(false),
            flash_token: message["flash_token"].as_str().map(str::to_owned),
        })
    }

    /// Where the server sent the view, put back so [`TestView::follow_redirect`] still sees it.
    pub async fn redirected_to(&mut self) -> Result<String, TestError> {
        let message = self.next_of(&["redirect", "patch"]).await?;
        let to = message["to"].as_str().unwrap_or_default().to_owned();
        let kind = message["kind"].clone();
        self.pushed.insert(0, message);
        if kind == "patch" {
            return Err(fail(format!("the view was patched to {to}, not redirected")));
        }
        Ok(to)
    }

    /// Where the view patched its URL to (`push_patch`); an error if it was redirected.
    pub async fn patched_to(&mut self) -> Result<String, TestError> {
        let message = self.next_of(&["redirect", "patch"]).await?;
        if message["kind"] == "redirect" {
            return Err(fail(format!("the view was redirected, not patched: {message}")));
        }
        let to = message["to"].as_str().unwrap_or_default().to_owned();
        self.url = to.clone();
        Ok(to)
    }

    /// Follows the server's redirect as the browser client does: a live one navigates over
    /// the same socket; a full one loads the new page (with the flash it carries) and joins
    /// it on a new socket. Returns where the view is now.
    pub async fn follow_redirect(&mut self) -> Result<String, TestError> {
        let redirect = self.redirect().await?;
        if redirect.live {
            self.navigate(&redirect.to).await?;
        } else {
            let http = self.http.clone();
            if let Some(token) = &redirect.flash_token {
                http.set_cookie(FLASH_COOKIE, token);
            }
            let _ = self.ws.close(None).await;
            *self = TestView::open(http, &redirect.to).await?;
            self.http.jar().remove(FLASH_COOKIE);
        }
        Ok(redirect.to)
    }

    /// The first pushed message of one of `kinds`, waiting for it if it has not arrived.
    async fn next_of(&mut self, kinds: &[&str]) -> Result<Value, TestError> {
        if let Some(i) = self.pushed.iter().position(|m| kinds.iter().any(|k| m["kind"] == *k)) {
            return Ok(self.pushed.remove(i));
        }
        loop {
            let value = self.read().await?;
            if kinds.iter().any(|k| value["kind"] == *k) {
                return Ok(value);
            }
            if value["kind"] == "diff" {
                self.apply_pushed_diff(&value)?;
            } else {
                self.pushed.push(value);
            }
        }
    }

    fn apply_pushed_diff(&mut self, value: &Value) -> Result<(), TestError> {
        let rev = value["rev"].as_u64().unwrap_or_default();
        self.tree.apply_diff_at(rev, &value["diff"]).map_err(fail)
    }

    /// The next text frame, as JSON.
    async fn read(&mut self) -> Result<Value, TestError> {
        loop {
            let frame = tokio::time::timeout(LIMIT, self.ws.next())
                .await
                .map_err(|_| fail("nothing arrived in time"))?
                .ok_or_else(|| fail("the socket closed"))?
                .map_err(fail)?;
            match frame {
                WsMessage::Text(text) => return serde_json::from_str(&text).map_err(fail),
                WsMessage::Close(frame) => {
                    return Err(fail(format!("the server closed the socket: {frame:?}")));
                }
                _ => {}
            }
        }
    }

    /// Uploads `files` (name, declared MIME type, bytes) to the view's upload `upload` as the
    /// browser does: `upload_start`, then each accepted file in binary chunks of the size the
    /// server gave, each reply merged. Returns the `upload_start` reply's response (each
    /// file's entry, or why it was refused); a refused chunk is an error. With `percent` below
    /// 100, each file stops after that share of its bytes (an upload under way, to render its
    /// progress).
    pub async fn upload(
        &mut self,
        upload: &str,
        files: &[(&str, &str, &[u8])],
        percent: u8,
    ) -> Result<Value, TestError> {
        self.upload_with(upload, files, percent, true, None).await
    }

    /// Offers `files` again with the `resume` tokens of an earlier [`TestView::upload`]'s
    /// response (`started`), as the browser does after it joined again, and sends each from the
    /// offset the server answers (the bytes it has) up to `percent`. Returns the response.
    pub async fn resume_upload(
        &mut self,
        upload: &str,
        files: &[(&str, &str, &[u8])],
        started: &Value,
        percent: u8,
    ) -> Result<Value, TestError> {
        self.upload_with(upload, files, percent, true, Some(started)).await
    }

    /// [`TestView::upload`] with each chunk in an `upload` message (base64 in a text frame), as
    /// a client that speaks only the JSON protocol sends it.
    pub async fn upload_text(
        &mut self,
        upload: &str,
        files: &[(&str, &str, &[u8])],
        percent: u8,
    ) -> Result<Value, TestError> {
        self.upload_with(upload, files, percent, false, None).await
    }

    async fn upload_with(
        &mut self,
        upload: &str,
        files: &[(&str, &str, &[u8])],
        percent: u8,
        binary: bool,
        resume: Option<&Value>,
    ) -> Result<Value, TestError> {
        let entries: Vec<Value> = files
            .iter()
            .enumerate()
            .map(|(i, (name, mime, bytes))| {
                let mut entry =
                    json!({"ref": i.to_string(), "name": name, "type": mime, "size": bytes.len()});
                if let Some(token) = resume.map(|r| &r["entries"][i.to_string()]["resume"]) {
                    entry["resume"] = token.clone();
                }
                entry
            })
            .collect();
        let start = json!({"kind": "upload_start", "upload": upload, "entries": entries});
        let reply = self.request(start).await?;
        self.merge(&reply)?;
        let response = reply["response"].clone();
        for (i, (_, _, bytes)) in files.iter().enumerate() {
            let answer = &response["entries"][i.to_string()];
            if let (Some(entry), Some(url)) =
                (answer["entry"].as_str(), answer["external"]["url"].as_str())
            {
                self.put_external(entry, url, bytes, percent).await?;
                continue;
            }
            let (Some(entry), Some(chunk)) = (answer["entry"].as_str(), answer["chunk"].as_u64())
            else {
                continue;
            };
            let chunk = usize::try_from(chunk).map_err(fail)?.max(1);
            // A text message carries no more than its `max_bytes` allows.
            let chunk = if binary { chunk } else { chunk.min(crate::uploads::TEXT_CHUNK_BYTES) };
            let until = bytes.len() * usize::from(percent.min(100)) / 100;
            let mut offset = usize::try_from(answer["offset"].as_u64().unwrap_or(0))
                .map_err(fail)?
                .min(bytes.len());
            loop {
                let end = (offset + chunk).min(bytes.len());
                if end > until && percent < 100 {
                    break;
                }
                let piece = crate::uploads::frame::Chunk {
                    entry: entry.to_owned(),
                    offset: u64::try_from(offset).map_err(fail)?,
                    bytes: bytes[offset..end].to_vec(),
                    last: end == bytes.len(),
                };
                let reply = if binary {
                    self.request_binary(&piece).await?
                } else {
                    use base64::Engine as _;
                    let data = base64::engine::general_purpose::STANDARD.encode(&piece.bytes);
                    let message = json!({"kind": "upload", "entry": entry, "offset": offset,
                        "chunk": data, "last": piece.last});
                    self.request(message).await?
                };
                self.merge(&reply)?;
                offset = end;
                if offset == bytes.len() {
                    break;
                }
            }
        }
        Ok(response)
    }

    /// Sends an external upload entry's file as the browser does: with `percent` below 100,
    /// only a report of that share sent (an upload under way); else a `PUT` of the whole file
    /// to `url` (the app's own, or an `http://` store such as a local S3 server), then the
    /// report that the store took it, whose reply is merged. A store that refuses it is an
    /// error.
    async fn put_external(
        &mut self,
        entry: &str,
        url: &str,
        bytes: &[u8],
        percent: u8,
    ) -> Result<(), TestError> {
        let size = u64::try_from(bytes.len()).map_err(fail)?;
        let report = |received: u64, last: bool| json!({"kind": "upload_progress", "entry": entry, "received": received, "last": last});
        if percent < 100 {
            let reply = self.request(report(size * u64::from(percent) / 100, false)).await?;
            return self.merge(&reply);
        }
        let status = if url.starts_with('/') {
            let request = Request::put(url);
            self.http.send(request, Body::from(bytes.to_vec()), url).await?.status.as_u16()
        } else {
            put_http(url, bytes).await?
        };
        if !(200..300).contains(&status) {
            return Err(fail(format!("the store answered {status} to the PUT of {entry}")));
        }
        let reply = self.request(report(size, true)).await?;
        self.merge(&reply)
    }

    /// Sends a chunk as a binary frame and returns the reply with its ref.
    async fn request_binary(
        &mut self,
        chunk: &crate::uploads::frame::Chunk,
    ) -> Result<Value, TestError> {
        self.next += 1;
        let reference = self.next;
        let frame = chunk.to_binary(Some(reference));
        self.ws.send(WsMessage::Binary(frame.into())).await.map_err(fail)?;
        self.reply_to(reference).await
    }

    /// Sends `event` with `value` (as a click, submit or change would) and applies the reply;
    /// an `error` reply is an error. The selector helpers below read the event and its value
    /// from the page instead; this one sends whatever it is given (a forged event, say).
    pub async fn event(&mut self, event: &str, value: Value) -> Result<Value, TestError> {
        self.send_event(event, value, None).await
    }

    async fn send_event(
        &mut self,
        event: &str,
        value: Value,
        target: Option<String>,
    ) -> Result<Value, TestError> {
        let mut message = json!({"kind": "event", "event": event, "value": value});
        if let Some(target) = target {
            message["target"] = json!(target);
        }
        let reply = self.request(message).await?;
        self.merge(&reply)?;
        Ok(reply)
    }

    /// Clicks the one element matching `selector` (and containing `text`, when given): its
    /// `z-click` event with its `z-value-*` values and `z-target`, or, for a link, its live
    /// patch (`z-patch`) or navigation (`z-navigate`). An element without a binding, or a
    /// selector that matches none or several, is an error.
    pub async fn click(&mut self, selector: &str, text: Option<&str>) -> Result<Value, TestError> {
        let el = self.one(selector, text)?;
        if el.name == "a" && (el.attr("z-patch").is_some() || el.attr("z-navigate").is_some()) {
            let href = el.attr("href").ok_or_else(|| fail(format!("`{selector}` has no href")))?;
            let href = href.to_owned();
            return if el.attr("z-patch").is_some() {
                self.patch(&href).await
            } else {
                self.navigate(&href).await
            };
        }
        let (event, value) = el.binding("z-click", selector)?;
        let value = value.unwrap_or_else(|| el.values());
        let value = if value.as_object().is_some_and(Map::is_empty) { Value::Null } else { value };
        self.send_event(&event, value, el.target.clone()).await
    }

    /// A key press on the one element matching `selector` with a `z-keydown` binding (its
    /// `z-key` filter, when present, must be `key`).
    pub async fn keydown(&mut self, selector: &str, key: &str) -> Result<Value, TestError> {
        self.key("z-keydown", selector, key).await
    }

    /// A key release on the one element matching `selector` with a `z-keyup` binding.
    pub async fn keyup(&mut self, selector: &str, key: &str) -> Result<Value, TestError> {
        self.key("z-keyup", selector, key).await
    }

    async fn key(&mut self, binding: &str, selector: &str, key: &str) -> Result<Value, TestError> {
        let el = self.one(selector, None)?;
        if let Some(wanted) = el.attr("z-key").filter(|wanted| *wanted != key) {
            return Err(fail(format!("`{selector}` listens for key `{wanted}`, not `{key}`")));
        }
        let (event, _) = el.binding(binding, selector)?;
        let mut value = el.values();
        value["key"] = json!(key);
        if let Some(v) = el.attr("value") {
            value["value"] = json!(v);
        }
        self.send_event(&event, value, el.target.clone()).await
    }

    /// A change of the one form matching `form` (its `z-change`, or else `z-input`, event):
    /// the form's fields as the page has them, with `values` over them, and `_target` naming
    /// the field edited (the first of `values`). `values` is an object of field names
    /// (`{"post[title]": "Hi"}`) or nested objects (`{"post": {"title": "Hi"}}`); a name the
    /// form has no field for is an error, as a user could not type into it.
    pub async fn change(&mut self, form: &str, values: Value) -> Result<Value, TestError> {
        let el = self.one(form, None)?;
        let binding = if el.attr("z-change").is_some() { "z-change" } else { "z-input" };
        let (event, _) = el.binding(binding, form)?;
        let overlay = flatten(&values)?;
        let mut value = el.form_values(&overlay, form)?;
        if let Some((name, _)) = overlay.first() {
            value["_target"] = json!(name);
        }
        self.send_event(&event, value, el.target.clone()).await
    }

    /// Submits the one form matching `form` (its `z-submit` event) with its fields as the
    /// page has them and `values` over them (see [`TestView::change`]).
    pub async fn submit(&mut self, form: &str, values: Value) -> Result<Value, TestError> {
        let el = self.one(form, None)?;
        let (event, _) = el.binding("z-submit", form)?;
        let value = el.form_values(&flatten(&values)?, form)?;
        self.send_event(&event, value, el.target.clone()).await
    }

    /// A live patch to `url` (same view, `handle_params`).
    pub async fn patch(&mut self, url: &str) -> Result<Value, TestError> {
        let reply = self.request(json!({"kind": "params", "url": url})).await?;
        self.merge(&reply)?;
        self.url = url.to_owned();
        Ok(reply)
    }

    /// A live navigation to `url`: the page is the new view's.
    pub async fn navigate(&mut self, url: &str) -> Result<Value, TestError> {
        let reply = self.request(json!({"kind": "navigate", "url": url})).await?;
        if reply["status"] != "ok" {
            return Err(fail(format!("navigate refused: {reply}")));
        }
        self.mount_tree(&reply).await?;
        self.url = url.to_owned();
        // The page keeps the new view's token, as the browser does, to rejoin what it shows.
        if let Some(token) = reply["session"].as_str() {
            token.clone_into(&mut self.session);
        }
        Ok(reply)
    }

    /// Drops the socket and joins again on a new one with the page's tokens (after a live
    /// navigation, the navigated view's), as the browser client does after a lost connection:
    /// the view mounts anew and the page is its full render.
    pub async fn reconnect(&mut self) -> Result<(), TestError> {
        let _ = self.ws.close(None).await;
        self.ws = connect(&self.http).await?;
        self.pushed.clear();
        self.next = 1;
        self.join().await
    }

    /// Waits until the server closes the socket, and returns the close code and reason
    /// (messages that arrive first are dropped).
    pub async fn closed(&mut self) -> Result<(u16, String), TestError> {
        loop {
            let frame = tokio::time::timeout(LIMIT, self.ws.next())
                .await
                .map_err(|_| fail("the server did not close the socket in time"))?;
            match frame {
                Some(Ok(WsMessage::Close(Some(close)))) => {
                    return Ok((close.code.into(), close.reason.to_string()));
                }
                Some(Ok(WsMessage::Close(None))) | None => return Ok((1005, String::new())),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(fail(e)),
            }
        }
    }

    /// Closes the socket (the view terminates on the server).
    pub async fn disconnect(mut self) -> Result<(), TestError> {
        self.ws.close(None).await.map_err(fail)
    }

    fn merge(&mut self, reply: &Value) -> Result<(), TestError> {
        if reply["kind"] == "error" {
            return Err(fail(format!("refused: {reply}")));
        }
        if let (Some(rev), Some(change)) = (reply["rev"].as_u64(), reply.get("rendered")) {
            self.tree.apply_diff_at(rev, change).map_err(fail)?;
        }
        Ok(())
    }

    /// Sends a request and returns the answer with its ref, keeping what was pushed meanwhile.
    async fn request(&mut self, mut message: Value) -> Result<Value, TestError> {
        self.next += 1;
        let reference = self.next;
        message["v"] = json!(1);
        message["ref"] = json!(reference);
        self.ws.send(WsMessage::Text(message.to_string().into())).await.map_err(fail)?;
        self.reply_to(reference).await
    }

    /// The answer with `reference`, keeping what was pushed meanwhile.
    async fn reply_to(&mut self, reference: u64) -> Result<Value, TestError> {
        loop {
            let value = self.read().await?;
            if value["ref"].as_u64() == Some(reference) {
                return Ok(value);
            }
            if value["kind"] == "diff" {
                self.apply_pushed_diff(&value)?;
            } else {
                self.pushed.push(value);
            }
        }
    }

    /// The one element matching `selector` (containing `text`, when given).
    fn one(&self, selector: &str, text: Option<&str>) -> Result<Found, TestError> {
        let doc = Html::parse_fragment(&self.html()?);
        let parsed = parse_selector(selector)?;
        let matches: Vec<ElementRef<'_>> =
            doc.select(&parsed).filter(|el| text.is_none_or(|t| contains_text(el, t))).collect();
        let with = text.map(|t| format!(" with text `{t}`")).unwrap_or_default();
        match matches.as_slice() {
            [el] => Ok(Found::of(*el)),
            [] => Err(fail(format!("no element matches `{selector}`{with}"))),
            many => Err(fail(format!(
                "{} elements match `{selector}`{with}: narrow the selector (an id) or the text",
                many.len()
            ))),
        }
    }
}

async fn connect(http: &Http) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, TestError> {
    let mut request =
        format!("ws://{}{SOCKET_PATH}", http.addr).into_client_request().map_err(fail)?;
    let headers = request.headers_mut();
    let origin = format!("http://{}", http.addr);
    headers.insert("origin", origin.parse().map_err(fail)?);
    headers.insert("sec-websocket-protocol", SUBPROTOCOL.parse().map_err(fail)?);
    if let Some(cookies) = http.cookie_header() {
        headers.insert(header::COOKIE, cookies.parse().map_err(fail)?);
    }
    let (ws, _) = tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| fail("the socket did not open in time"))?
        .map_err(fail)?;
    Ok(ws)
}

fn parse_selector(selector: &str) -> Result<Selector, TestError> {
    Selector::parse(selector).map_err(|e| fail(format!("`{selector}` is not a CSS selector: {e}")))
}

fn count(doc: &Html, selector: &str, text: Option<&str>) -> Result<usize, TestError> {
    let parsed = parse_selector(selector)?;
    Ok(doc.select(&parsed).filter(|el| text.is_none_or(|t| contains_text(el, t))).count())
}

/// Whether the element's text, with runs of whitespace as one space, contains `text`.
fn contains_text(el: &ElementRef<'_>, text: &str) -> bool {
    let all: String = el.text().collect();
    all.split_whitespace().collect::<Vec<_>>().join(" ").contains(text)
}

/// `{"post": {"title": "x"}, "tags[]": ["a"]}` → `post[title]` = "x", `tags[]` = ["a"], in
/// the order given.
fn flatten(values: &Value) -> Result<Vec<(String, Value)>, TestError> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let name =
                        if prefix.is_empty() { key.clone() } else { format!("{prefix}[{key}]") };
                    walk(&name, value, out);
                }
            }
            Value::Array(_) | Value::String(_) => out.push((prefix.to_owned(), value.clone())),
            Value::Null => out.push((prefix.to_owned(), json!(""))),
            other => out.push((prefix.to_owned(), json!(other.to_string()))),
        }
    }
    if !values.is_object() && !values.is_null() {
        return Err(fail(format!("form values are an object of field names, not {values}")));
    }
    let mut out = Vec::new();
    if values.is_object() {
        walk("", values, &mut out);
    }
    Ok(out)
}

/// What a helper reads of one element, owned (the parsed page does not outlive the call).
struct Found {
    name: String,
    attrs: Vec<(String, String)>,
    /// The `z-target` of the element or its closest ancestor.
    target: Option<String>,
    /// For a form: its named fields as `FormData` would list them.
    fields: Vec<Field>,
}

/// One named control of a form.
struct Field {
    name: String,
    /// What it submits now: `None` for an unchecked box or a select with nothing selected.
    value: Option<Value>,
}

impl Found {
    fn of(el: ElementRef<'_>) -> Found {
        let attrs =
            el.value().attrs().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>();
        let target = std::iter::once(el)
            .chain(el.ancestors().filter_map(ElementRef::wrap))
            .find_map(|e| e.attr("z-target").map(str::to_owned));
        let fields = if el.value().name() == "form" { form_fields(el) } else { Vec::new() };
        Found { name: el.value().name().to_owned(), attrs, target, fields }
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The element's `z-value-*` attributes, as the client sends them.
    fn values(&self) -> Value {
        let map: Map<String, Value> = self
            .attrs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("z-value-").map(|k| (k.to_owned(), json!(v))))
            .collect();
        Value::Object(map)
    }

    /// The event `binding` sends: its name, or the first `push` of a JS command list (with
    /// that command's value, if it has one).
    fn binding(&self, binding: &str, selector: &str) -> Result<(String, Option<Value>), TestError> {
        let Some(text) = self.attr(binding) else {
            return Err(fail(format!("`{selector}` has no `{binding}` binding")));
        };
        if !text.trim_start().starts_with('[') {
            return Ok((text.to_owned(), None));
        }
        let commands: Value = serde_json::from_str(text)
            .map_err(|e| fail(format!("`{selector}`'s `{binding}` is not a command list: {e}")))?;
        commands
            .as_array()
            .into_iter()
            .flatten()
            .find(|op| op[0] == "push")
            .and_then(|op| Some((op[1]["event"].as_str()?.to_owned(), op[1].get("value").cloned())))
            .ok_or_else(|| fail(format!("`{selector}`'s `{binding}` pushes no event: {text}")))
    }

    /// The form's values with `overlay` over them, as the client serializes a form (repeated
    /// names become arrays). A name of `overlay` the form has no field for is an error.
    fn form_values(&self, overlay: &[(String, Value)], selector: &str) -> Result<Value, TestError> {
        if self.name != "form" {
            return Err(fail(format!("`{selector}` is a <{}>, not a form", self.name)));
        }
        let mut out = Map::new();
        for field in &self.fields {
            let Some(value) = &field.value else { continue };
            let entry = out.entry(field.name.clone());
            match entry {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value.clone());
                }
                serde_json::map::Entry::Occupied(mut slot) => {
                    let old = slot.get_mut();
                    let mut list = match old.take() {
                        Value::Array(list) => list,
                        one => vec![one],
                    };
                    list.push(value.clone());
                    *old = Value::Array(list);
                }
            }
        }
        for (name, value) in overlay {
            if !self.fields.iter().any(|f| &f.name == name) {
                let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
                return Err(fail(format!(
                    "form `{selector}` has no field `{name}` (its fields: {})",
                    names.join(", ")
                )));
            }
            out.insert(name.clone(), value.clone());
        }
        Ok(Value::Object(out))
    }
}

/// A form's named, enabled controls in document order, as `FormData` lists them: buttons and
/// file inputs are left out; a checkbox or radio submits its value (`on` by default) only when
/// checked; a select its selected options (a single select its first option when none is).
fn form_fields(form: ElementRef<'_>) -> Vec<Field> {
    let Ok(controls) = Selector::parse("input[name], select[name], textarea[name]") else {
        return Vec::new();
    };
    let Ok(options) = Selector::parse("option") else { return Vec::new() };
    let mut fields = Vec::new();
    for el in form.select(&controls) {
        let e = el.value();
        if e.attr("disabled").is_some() {
            continue;
        }
        let name = e.attr("name").unwrap_or_default().to_owned();
        let value = match e.name() {
            "textarea" => Some(json!(el.text().collect::<String>())),
            "select" => {
                let option_value = |o: &ElementRef<'_>| {
                    o.attr("value").map_or_else(|| o.text().collect(), str::to_owned)
                };
                let selected: Vec<String> = el
                    .select(&options)
                    .filter(|o| o.attr("selected").is_some())
                    .map(|o| option_value(&o))
                    .collect();
                if e.attr("multiple").is_some() {
                    // Each selected option is one entry of the name.
                    for v in selected {
                        fields.push(Field { name: name.clone(), value: Some(json!(v)) });
                    }
                    // Named even when nothing is selected, so values may be given for it.
                    fields.push(Field { name, value: None });
                    continue;
                }
                selected
                    .into_iter()
                    .next()
                    .or_else(|| el.select(&options).next().map(|o| option_value(&o)))
                    .map(|v| json!(v))
            }
            _ => match e.attr("type").unwrap_or("text") {
                "submit" | "button" | "reset" | "image" | "file" => continue,
                "checkbox" | "radio" => {
                    e.attr("checked").map(|_| json!(e.attr("value").unwrap_or("on")))
                }
                _ => Some(json!(e.attr("value").unwrap_or_default())),
            },
        };
        fields.push(Field { name, value });
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(html: &str, selector: &str) -> Found {
        let doc = Html::parse_fragment(html);
        let el = doc.select(&Selector::parse(selector).unwrap()).next().unwrap();
        Found::of(el)
    }

    #[test]
    fn a_form_serializes_as_form_data_does() {
        let form = found(
            r#"<form id="f" z-submit="save">
                 <input name="p[title]" value="Hi"><input name="p[hidden]" type="hidden" value="h">
                 <input name="p[off]" type="checkbox" value="true">
                 <input name="p[on]" type="checkbox" checked>
                 <input name="p[gone]" value="x" disabled>
                 <input name="p[file]" type="file"><button name="go" type="submit">Go</button>
                 <textarea name="p[body]">Long
text</textarea>
                 <select name="p[kind]"><option value="a">A</option><option value="b">B</option></select>
                 <select name="p[tags][]" multiple><option selected>x</option><option value="y" selected>Y</option></select>
               </form>"#,
            "form",
        );
        let value = form.form_values(&[], "#f").unwrap();
        assert_eq!(
            value,
            json!({"p[title]": "Hi", "p[hidden]": "h", "p[on]": "on", "p[body]": "Long\ntext",
                   "p[kind]": "a", "p[tags][]": ["x", "y"]})
        );
        let over = flatten(&json!({"p": {"title": "New", "off": "true"}})).unwrap();
        let value = form.form_values(&over, "#f").unwrap();
        assert_eq!(value["p[title]"], "New");
        assert_eq!(value["p[off]"], "true");
    }

    #[test]
    fn a_field_the_form_lacks_or_a_non_form_is_an_error() {
        let form = found(r#"<form z-submit="save"><input name="p[title]"></form>"#, "form");
        let typo = flatten(&json!({"p": {"titel": "x"}})).unwrap();
        let err = form.form_values(&typo, "form").unwrap_err().to_string();
        assert!(err.contains("no field `p[titel]`") && err.contains("p[title]"), "{err}");
        let disabled = found(r#"<form><input name="a" disabled></form>"#, "form");
        assert!(disabled.form_values(&flatten(&json!({"a": "1"})).unwrap(), "form").is_err());
        let div = found(r#"<div id="d"></div>"#, "div");
        assert!(div.form_values(&[], "#d").unwrap_err().to_string().contains("not a form"));
        assert!(flatten(&json!("text")).is_err());
    }

    #[test]
    fn bindings_read_names_command_lists_values_and_targets() {
        let el = found(
            r##"<div z-target="#box"><button z-click="delete" z-value-id="7" z-value-kind="x">D</button></div>"##,
            "button",
        );
        assert_eq!(el.binding("z-click", "button").unwrap(), ("delete".to_owned(), None));
        assert_eq!(el.values(), json!({"id": "7", "kind": "x"}));
        assert_eq!(el.target.as_deref(), Some("#box"));
        let js = found(
            r##"<button z-click='[["toggle",{"to":"#m"}],["push",{"event":"open","value":{"id":3}}]]'>o</button>"##,
            "button",
        );
        assert_eq!(
            js.binding("z-click", "b").unwrap(),
            ("open".to_owned(), Some(json!({"id": 3})))
        );
        let none = found(r##"<button z-click='[["toggle",{"to":"#m"}]]'>o</button>"##, "button");
        assert!(none.binding("z-click", "b").unwrap_err().to_string().contains("pushes no event"));
        let plain = found("<button>x</button>", "button");
        assert!(plain.binding("z-click", "b").unwrap_err().to_string().contains("no `z-click`"));
    }

    #[test]
    fn counting_filters_by_text_and_refuses_a_bad_selector() {
        let doc = Html::parse_fragment("<ul><li>One  item</li><li>Two</li></ul>");
        assert_eq!(count(&doc, "li", None).unwrap(), 2);
        assert_eq!(count(&doc, "li", Some("One item")).unwrap(), 1);
        assert_eq!(count(&doc, "li", Some("Three")).unwrap(), 0);
        assert!(count(&doc, "li[", None).unwrap_err().to_string().contains("not a CSS selector"));
    }
}
