//! The HTTP endpoint and the WebSocket transport: pages render disconnected with a signed
//! session token; the socket (tungstenite framing via axum) joins with it and runs the session.
//!
//! Every refusal fails closed and leaves other sessions serving:
//!
//! | rule | at | answer |
//! |---|---|---|
//! | origin not the page's host nor allowed | upgrade | HTTP 403 |
//! | neither `0x0-live.v2` nor `0x0-live.v1` offered | upgrade | HTTP 426 |
//! | `max_connections` sockets open | upgrade | HTTP 503 |
//! | more than `max_sessions_per_client` sockets from one client | upgrade | close 4009 |
//! | more than `joins_per_minute` joins from one client | join | `error` `join_rate`, close 4029 |
//! | no view joined within `heartbeat.idle_session_secs` | session | close 4008 |
//! | frames above the rate limit (every frame counts) | session | one `error` `rate_limited` per run, frames dropped |
//! | malformed, unknown, mistyped, misdirected message | session | `error` message, session goes on |
//! | more than `max_protocol_errors` such messages | session | close 1008 |
//! | unsupported protocol version | session | `error`, close 1002 |
//! | frame or message over the limit | session | close 1009 |
//! | forged, expired or malformed token, bad CSRF | join | `error`, close 4001 |
//! | more than `outbound_queue` frames in one turn | session | close 1008 |
//! | frames not taken by the client within 5 s (slow consumer) | session | connection dropped |
//! | silent for `heartbeat.timeout_secs` | session | close 4000 |
//! | server shutdown | session | close 1001 |
//! | [`Disconnect`] published on the session's [`LiveSocketId`] (a revoked login) | session | close 4003 |

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use zero_live_core::{Asset, Rendered};

use crate::config::LiveConfig;
use crate::cookies::Cookies;
use crate::diff::{self, Statics};
use crate::hooks::Flow;
use crate::limits::{Admit, ClientAddr, ClientRefusal, ClientSlot, Clients, FrameBudget};
use crate::metrics::{Refusal, UploadOutcome};
use crate::protocol::{self, DecodeError, Encoding, Envelope, Message, Side, wire};
use crate::pubsub::{Info, Local, PubSub};
use crate::token::{Claims, Signer};
use crate::uploads::frame::Chunk;
use crate::view::{Context, DynView, LiveView, MountError, Route, Terminate};

/// Where an app's colocated assets are served.
pub const APP_ASSETS: &str = "/assets/app";

/// The path of the live socket.
pub const SOCKET_PATH: &str = "/live/websocket";

/// Close codes the server uses (besides the standard 1000, 1001, 1002, 1008, 1009).
pub mod close {
    /// The socket was silent longer than the heartbeat timeout.
    pub const HEARTBEAT_TIMEOUT: u16 = 4000;
    /// The join's token was forged, expired or malformed, or its CSRF token did not match.
    pub const UNAUTHORIZED: u16 = 4001;
    /// The join named a path that has no live view.
    pub const NO_ROUTE: u16 = 4004;
    /// No view was joined within `heartbeat.idle_session_secs` of the socket opening.
    pub const IDLE: u16 = 4008;
    /// The client already holds `limits.max_sessions_per_client` sockets.
    pub const TOO_MANY_SESSIONS: u16 = 4009;
    /// The client used up `rate_limits.joins_per_minute`.
    pub const JOIN_RATE: u16 = 4029;
    /// A [`super::Disconnect`] reached the session through its [`super::LiveSocketId`]: the
    /// login it ran under was revoked. The client reconnects, and the view's mount decides
    /// again (usually: to the login page).
    pub const REVOKED: u16 = 4003;
}

/// The live routes: literal paths, and patterns with `{name}` segments.
#[derive(Default)]
struct RouteTable {
    exact: HashMap<String, Arc<Route>>,
    /// Pattern, its segments, the route; in registration order (the first match wins).
    patterns: Vec<(String, Vec<String>, Arc<Route>)>,
    /// Every pattern and its route, in registration order (what the pages are served from).
    order: Vec<(String, Arc<Route>)>,
}

impl RouteTable {
    fn insert(&mut self, pattern: &str, route: Route) {
        let route = Arc::new(route);
        self.order.retain(|(p, _)| p != pattern);
        self.order.push((pattern.to_owned(), Arc::clone(&route)));
        if !pattern.contains('{') {
            self.exact.insert(pattern.to_owned(), route);
            return;
        }
        self.patterns.retain(|(p, _, _)| p != pattern);
        let segments = pattern.split('/').map(str::to_owned).collect();
        self.patterns.push((pattern.to_owned(), segments, route));
    }

    /// The route serving `path` and the values of its `{name}` segments (percent-decoded).
    fn find(&self, path: &str) -> Option<(&Arc<Route>, BTreeMap<String, String>)> {
        if let Some(route) = self.exact.get(path) {
            return Some((route, BTreeMap::new()));
        }
        let parts: Vec<&str> = path.split('/').collect();
        'patterns: for (_, segments, route) in &self.patterns {
            if segments.len() != parts.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            for (segment, part) in segments.iter().zip(&parts) {
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) if !part.is_empty() => {
                        params.insert(name.to_owned(), decoded(part));
                    }
                    Some(_) => continue 'patterns,
                    None if segment == part => {}
                    None => continue 'patterns,
                }
            }
            return Some((route, params));
        }
        None
    }

    /// Every registered path or pattern, sorted.
    fn patterns(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.order.iter().map(|(p, _)| p.as_str()).collect();
        all.sort_unstable();
        all
    }
}

/// A path segment, percent-decoded (bytes that are not UTF-8 become U+FFFD).
fn decoded(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The topic that names the login a request runs under (say `user_sessions:<token hash>`),
/// put in the request's extensions by the app's pipeline. Every live session whose socket's
/// upgrade request carried it subscribes to it; publishing [`Disconnect`] there closes them
/// all (log out, log out everywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSocketId(pub String);

/// Published on a [`LiveSocketId`]: closes every live session of that login (close code
/// [`close::REVOKED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect;

/// A live endpoint: routes, policies and the sessions it runs.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    config: LiveConfig,
    /// The `Content-Security-Policy` of `config`, checked once.
    csp: HeaderValue,
    signer: Signer,
    routes: RouteTable,
    assets: Vec<&'static Asset>,
    /// The client's and the app's script and stylesheet tags, the same on every page.
    head_tags: String,
    layout: RootLayout,
    connections: Arc<Semaphore>,
    /// Sockets and joins per client.
    clients: Arc<Clients>,
    /// `[network] trusted_proxies`, parsed once.
    proxies: Vec<ipnet::IpNet>,
    cookies: Cookies,
    sessions: AtomicUsize,
    shutdown: watch::Sender<bool>,
    pubsub: Arc<dyn PubSub>,
    state: Arc<axum::http::Extensions>,
    readiness: crate::health::Readiness,
    app_metrics: crate::metrics::AppMetrics,
    registry: std::sync::Mutex<HashMap<u64, Entry>>,
    next_socket: std::sync::atomic::AtomicU64,
    metrics: crate::metrics::Metrics,
    /// Where sessions keep the files being uploaded to them (a folder each).
    upload_dir: std::path::PathBuf,
    /// The bytes each upload scope's sessions hold (`max_scope_upload_bytes`).
    upload_scopes: crate::uploads::quota::Scopes,
    /// Where consumed uploads are kept, and the routes of its signed URLs.
    #[cfg(feature = "storage")]
    storage: Option<crate::storage::Storage>,
}

/// What a view reads its endpoint's metrics through: every [`Live`] shares one with its views
/// (`ctx.state::<Observer>()`), as an operator's dashboard does. It does not keep the endpoint
/// alive.
#[derive(Clone)]
pub struct Observer(std::sync::Weak<Inner>);

impl Observer {
    /// The endpoint's metrics now; `None` once the endpoint is gone.
    pub fn snapshot(&self) -> Option<crate::metrics::Snapshot> {
        self.0.upgrade().map(|inner| Live { inner }.snapshot())
    }

    /// The PubSub adapter the endpoint's sessions subscribe through (to publish to them);
    /// `None` once the endpoint is gone.
    pub fn pubsub(&self) -> Option<Arc<dyn PubSub>> {
        self.0.upgrade().map(|inner| Arc::clone(&inner.pubsub))
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Observer").field(&self.0.strong_count()).finish()
    }
}

/// A joined session as the registry sees it.
struct Entry {
    id: String,
    path: String,
    /// The view its route mounts (what the per-view figures count it under).
    view: &'static str,
    caps: Vec<String>,
    revision: Arc<std::sync::atomic::AtomicU64>,
}

/// A snapshot of one joined session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session id from its token.
    pub id: String,
    /// The view's path.
    pub path: String,
    /// What the client said it supports (`caps` of its join).
    pub capabilities: Vec<String>,
    /// Renders sent since the join.
    pub revision: u64,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("routes", &self.inner.routes.patterns())
            .field("sessions", &self.active_sessions())
            .finish()
    }
}

/// What the runtime gives a root layout to place: the page's title, the tags its `<head>`
/// needs (CSRF token, client and app assets), and its body (the flash group and the live root
/// with the view's first render). A root layout writes them raw: the runtime escaped them.
/// It may also read what the request's middleware left for it (`extensions`: the pipeline's
/// CSRF token, an auth layer's user), for parts of the document outside the live root such as
/// an account menu.
#[derive(Debug, Clone)]
pub struct Page {
    /// The title the view set (`0x0 Live` if none).
    pub title: String,
    /// `<meta name="csrf-token">`, the client module and the app's colocated assets.
    pub head: String,
    /// The flash group and `<div data-zl-root ...>` with the view's render.
    pub body: String,
    /// The request's extensions, as the view's mount saw them (`Context::extension`).
    pub extensions: Arc<axum::http::Extensions>,
}

impl Page {
    /// The bytes of its parts: what a root layout adds its own markup to (to size its output
    /// once: `String::with_capacity(page.size() + Root::SIZE_HINT)`).
    pub fn size(&self) -> usize {
        self.title.len() + self.head.len() + self.body.len()
    }
}

/// Renders a whole HTML document around a [`Page`].
pub type RootLayout = fn(Page) -> String;

/// The root layout of an endpoint that sets none.
pub fn default_root_layout(page: Page) -> String {
    let mut html = String::with_capacity(page.size() + 256);
    html.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
    );
    zero_live_core::escape::html(&mut html, &page.title);
    html.push_str("</title>\n");
    html.push_str(&page.head);
    html.push_str("</head>\n<body>\n");
    html.push_str(&page.body);
    html.push_str("</body>\n</html>\n");
    html
}

/// A live package's entry point: registers its views in a pipeline (the first `&str`) under
/// a path (the second), see [`LiveBuilder::mount`].
pub type Package = fn(LiveBuilder, &str, &str) -> LiveBuilder;

/// Builds a [`Live`] endpoint.
pub struct LiveBuilder {
    config: LiveConfig,
    signer: Option<Signer>,
    routes: RouteTable,
    assets: Vec<&'static Asset>,
    layout: RootLayout,
    pubsub: Option<Arc<dyn PubSub>>,
    state: axum::http::Extensions,
    cookies: Cookies,
    readiness: crate::health::Readiness,
    app_metrics: crate::metrics::AppMetrics,
    upload_dir: Option<std::path::PathBuf>,
    #[cfg(feature = "storage")]
    storage: Option<crate::storage::Storage>,
}

impl Default for LiveBuilder {
    fn default() -> LiveBuilder {
        LiveBuilder {
            config: LiveConfig::default(),
            signer: None,
            routes: RouteTable::default(),
            assets: Vec::new(),
            layout: default_root_layout,
            pubsub: None,
            state: axum::http::Extensions::new(),
            cookies: Cookies::default(),
            readiness: crate::health::Readiness::default(),
            app_metrics: crate::metrics::AppMetrics::default(),
            upload_dir: None,
            #[cfg(feature = "storage")]
            storage: None,
        }
    }
}

impl LiveBuilder {
    /// The folder sessions keep uploads in until the view consumes them, one folder each
    /// (default: `zero-live-uploads` in the system's temporary folder). Folders left by a
    /// process that no longer runs are removed when the endpoint is built.
    pub fn upload_dir(mut self, dir: impl Into<std::path::PathBuf>) -> LiveBuilder {
        self.upload_dir = Some(dir.into());
        self
    }

    /// Where views keep consumed uploads (`Upload::store`): shared with every view
    /// (`ctx.state::<Storage>()`), and for a local folder, [`Live::router`] serves its signed
    /// URLs.
    #[cfg(feature = "storage")]
    pub fn storage(mut self, storage: crate::storage::Storage) -> LiveBuilder {
        self.state.insert(storage.clone());
        self.storage = Some(storage);
        self
    }

    /// The policies to enforce (default: the framework's `security.toml`).
    pub fn config(mut self, config: LiveConfig) -> LiveBuilder {
        self.config = config;
        self
    }

    /// The token signer (default: a random key, so tokens die with the process).
    pub fn signer(mut self, signer: Signer) -> LiveBuilder {
        self.signer = Some(signer);
        self
    }

    /// Serves the live view `V` at `path`: literal segments, and `{name}` segments that match
    /// any one segment and reach the view as [`Context::param`] (`/posts/{id}`). Its page is
    /// served by [`Live::router`]; to put it behind a pipeline, use [`LiveBuilder::live_in`].
    pub fn live<V: LiveView>(self, path: &str) -> LiveBuilder {
        self.live_in::<V>("", path)
    }

    /// Serves the live view `V` at `path` in `pipeline`: [`Live::pages_of`] serves its page, so
    /// the app can put the pipeline's layers in front of it. A live navigation moves only
    /// between views of one pipeline; a link to another pipeline's view loads its page over
    /// HTTP, through that pipeline (Phoenix's `live_session` boundary).
    pub fn live_in<V: LiveView>(mut self, pipeline: &str, path: &str) -> LiveBuilder {
        self.routes.insert(path, Route::of::<V>(pipeline));
        self
    }

    /// Mounts a live package (a crate `zerogen package` made) under the path `at` in
    /// `pipeline`: `package` is its `mount` function, which registers its views below `at`
    /// ([`LiveBuilder::live_in`]), its colocated assets and the state its views read. The app's
    /// `spec/routes.tsv` names it with a `mount` row; its migrations join the app's
    /// (`zero_db::Migrations::merge`).
    pub fn mount(self, package: Package, pipeline: &str, at: &str) -> LiveBuilder {
        package(self, pipeline, at)
    }

    /// The app's colocated assets (`zero_live_core::colocated_assets!()`): served under
    /// [`APP_ASSETS`] with long cache headers (their names carry their hash) and loaded by every
    /// page with an integrity hash, stylesheets as `<link>`, scripts as modules after the client.
    ///
    /// Each call adds to the assets before it: the app's, then those of each live package it
    /// mounts. A file already added (its name carries its content's hash) is added once.
    pub fn assets(mut self, assets: &'static [Asset]) -> LiveBuilder {
        for asset in assets {
            if !self.assets.iter().any(|a| a.file == asset.file) {
                self.assets.push(asset);
            }
        }
        self
    }

    /// The PubSub adapter sessions subscribe through (default: a new in-process
    /// [`Local`]); pass the one the app's domain code publishes on.
    pub fn pubsub(mut self, pubsub: Arc<dyn PubSub>) -> LiveBuilder {
        self.pubsub = Some(pubsub);
        self
    }

    /// Shares `value` with every view, read with `ctx.state::<T>()` (one value per type): the
    /// app's database pool, its PubSub adapter, its clients.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> LiveBuilder {
        self.state.insert(value);
        self
    }

    /// A check `/health/ready` runs (besides the PubSub adapter's): `Err(why)` when `name`
    /// (the database, say) cannot serve. See [`crate::health`].
    pub fn ready_check<F, Fut>(mut self, name: &'static str, check: F) -> LiveBuilder
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
    {
        self.readiness.0.push((name, Arc::new(move || Box::pin(check()))));
        self
    }

    /// An app's counter, written at `/metrics` after the runtime's (`name` should end in
    /// `_total`); the app bumps its clone of `counter`.
    ///
    /// # Panics
    ///
    /// When `name` is not a metric name an app may register (letters, digits, `_` and `:`, not
    /// starting with a digit, `zero_live_` or `process_`) or is registered twice: a mistake in
    /// the app's code, found at its start, as axum finds a route it cannot add.
    pub fn counter(
        mut self,
        name: &str,
        help: &str,
        counter: &crate::metrics::Counter,
    ) -> LiveBuilder {
        if let Err(e) = self.app_metrics.counter(name, help, counter) {
            panic!("{e}");
        }
        self
    }

    /// An app's gauge, read by `value` at each scrape of `/metrics` (a database pool's
    /// connections, a queue's length).
    ///
    /// # Panics
    ///
    /// As [`LiveBuilder::counter`].
    pub fn gauge(
        mut self,
        name: &str,
        help: &str,
        value: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> LiveBuilder {
        if let Err(e) = self.app_metrics.gauge(name, help, Arc::new(value)) {
            panic!("{e}");
        }
        self
    }

    /// The root layout every page renders in (default: [`default_root_layout`]).
    pub fn root_layout(mut self, layout: RootLayout) -> LiveBuilder {
        self.layout = layout;
        self
    }

    /// Whether the endpoint's cookies are `Secure` with `__Host-` names (see
    /// [`crate::cookies`]; default: in release builds). An app served over TLS passes `true`.
    pub fn secure_cookies(mut self, secure: bool) -> LiveBuilder {
        self.cookies = Cookies::new(secure);
        self
    }

    /// The endpoint.
    pub fn build(self) -> Live {
        let (shutdown, _) = watch::channel(false);
        let upload_dir = self.upload_dir.unwrap_or_else(crate::uploads::default_root);
        let swept = crate::uploads::sweep(&upload_dir);
        if swept > 0 {
            tracing::info!(
                target: "zero_live::uploads",
                folders = swept,
                "removed the uploads of sessions that ended with their process"
            );
        }
        Live {
            inner: Arc::new_cyclic(|weak| Inner {
                connections: Arc::new(Semaphore::new(crate::config::count(
                    self.config.limits.max_connections,
                ))),
                // A policy that is not a header value (a newline in it) fails closed: nothing
                // loads but the page.
                csp: HeaderValue::from_str(&self.config.csp.header())
                    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
                clients: Arc::new(Clients::new(&self.config)),
                proxies: self.config.network.proxies(),
                cookies: self.cookies,
                config: self.config,
                signer: self.signer.unwrap_or_else(Signer::random),
                routes: self.routes,
                head_tags: {
                    let client = crate::assets::ClientAssets::get();
                    format!(
                        "<script type=\"module\" src=\"{}\" integrity=\"{}\"></script>\n{}",
                        client.entry(),
                        client.integrity,
                        asset_tags(&self.assets)
                    )
                },
                assets: self.assets,
                layout: self.layout,
                sessions: AtomicUsize::new(0),
                shutdown,
                pubsub: self.pubsub.unwrap_or_else(|| Arc::new(Local::default())),
                state: Arc::new({
                    let mut state = self.state;
                    state.insert(Observer(weak.clone()));
                    state
                }),
                readiness: self.readiness,
                app_metrics: self.app_metrics,
                registry: std::sync::Mutex::new(HashMap::new()),
                next_socket: std::sync::atomic::AtomicU64::new(0),
                metrics: crate::metrics::Metrics::default(),
                upload_dir,
                upload_scopes: crate::uploads::quota::Scopes::default(),
                #[cfg(feature = "storage")]
                storage: self.storage,
            }),
        }
    }
}

impl Live {
    /// A builder.
    pub fn builder() -> LiveBuilder {
        LiveBuilder::default()
    }

    /// The axum router: one GET route per live view, the socket and the assets.
    pub fn router(&self) -> Router {
        self.transport().merge(self.pages_where(|_| true))
    }

    /// The socket, the client modules and the app's colocated assets (and a local storage's
    /// signed URLs): what every page needs, without the pages (see [`Live::pages`]).
    pub fn transport(&self) -> Router {
        let mut router = Router::new().route(SOCKET_PATH, get(upgrade));
        #[cfg(feature = "storage")]
        if let Some(storage) = &self.inner.storage {
            router = router.merge(storage.router());
        }
        for (path, body) in crate::assets::ClientAssets::get().files() {
            router = router.route(&path, get(move || async move { script(body) }));
        }
        for &asset in &self.inner.assets {
            let path = format!("{APP_ASSETS}/{}", asset.file);
            router = router.route(&path, get(move || async move { app_asset(asset) }));
        }
        router.with_state(self.clone())
    }

    /// The GET routes of the live views registered in `pipeline` ([`LiveBuilder::live_in`]),
    /// so an app can put the pipeline's layers in front of them. Each page's handler is bound
    /// to its view: axum matches the path once.
    pub fn pages_of(&self, pipeline: &str) -> Router {
        self.pages_where(|route| &*route.pipeline == pipeline)
    }

    fn pages_where(&self, mut wanted: impl FnMut(&Route) -> bool) -> Router {
        let mut router = Router::new();
        for (pattern, route) in &self.inner.routes.order {
            if wanted(route) {
                let route = Arc::clone(route);
                router = router.route(
                    pattern,
                    get(move |State(live): State<Live>, request: axum::extract::Request| {
                        page(live, route, request)
                    }),
                );
            }
        }
        router.with_state(self.clone())
    }

    /// The client a request comes from, for per-client limits: what an outer layer resolved
    /// (a [`ClientAddr`] extension), else the TCP peer (`ConnectInfo`) or the client a trusted
    /// proxy names ([`crate::peer`]); unknown when the server was started without connect
    /// info (such clients share one entry: the limits still hold).
    pub fn client_addr(
        &self,
        extensions: &axum::http::Extensions,
        headers: &HeaderMap,
    ) -> ClientAddr {
        if crate::limits::UNCHECKED {
            return ClientAddr(None);
        }
        if let Some(addr) = extensions.get::<ClientAddr>() {
            return *addr;
        }
        let peer = extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        crate::peer::resolve(peer.map(|c| c.0.ip()), headers, &self.inner.proxies)
    }

    /// Whether the request's host (its URI's authority, as HTTP/2 sends it, else its `Host`
    /// header) is one of `[network] allowed_hosts`. A request that names no host at all
    /// (HTTP/1.0, or a test's in-process request) cannot point links at another site and is
    /// let through; a `Host` that is not text is refused.
    pub fn host_allowed(&self, uri: &axum::http::Uri, headers: &HeaderMap) -> bool {
        if crate::limits::UNCHECKED {
            return true;
        }
        let network = &self.inner.config.network;
        match (uri.authority(), headers.get(header::HOST)) {
            (Some(authority), _) => network.host_allowed(authority.as_str()),
            (None, Some(host)) => host.to_str().is_ok_and(|host| network.host_allowed(host)),
            (None, None) => true,
        }
    }

    /// The policies this endpoint enforces.
    pub fn config(&self) -> &LiveConfig {
        &self.inner.config
    }

    /// CSRF protection for the HTTP routes of a pipeline, keyed like the endpoint's tokens and
    /// reading form bodies up to `max_body_bytes` (see [`crate::csrf`]):
    /// `router.route_layer(live.csrf())` (a [`tower::Layer`]).
    pub fn csrf(&self) -> crate::csrf::Csrf {
        crate::csrf::Csrf::new(
            self.inner.signer.clone(),
            crate::config::count(self.inner.config.limits.max_body_bytes),
        )
        .ttl_secs(self.inner.config.tokens.csrf_token_secs)
        .cookies(self.inner.cookies)
    }

    /// How the endpoint writes and reads its cookies (what the accounts' login cookie follows).
    pub fn cookies(&self) -> Cookies {
        self.inner.cookies
    }

    /// The endpoint's signer (what an app signs its own cookies with).
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The runtime's counters.
    pub(crate) fn metrics(&self) -> &crate::metrics::Metrics {
        &self.inner.metrics
    }

    /// Live sessions running now.
    pub fn active_sessions(&self) -> usize {
        self.inner.sessions.load(Ordering::SeqCst)
    }

    /// The joined sessions, sorted by id.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let registry =
            self.inner.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut list: Vec<SessionInfo> = registry
            .values()
            .map(|e| SessionInfo {
                id: e.id.clone(),
                path: e.path.clone(),
                capabilities: e.caps.clone(),
                revision: e.revision.load(Ordering::Relaxed),
            })
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    /// Asks every session to end: each terminates its view and closes with 1001. New sockets
    /// are refused from now on.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        self.inner.connections.close();
    }

    /// Whether [`Live::shutdown`] was called.
    pub fn is_shutting_down(&self) -> bool {
        *self.inner.shutdown.borrow()
    }

    /// The metrics the app registered.
    pub(crate) fn app_metrics(&self) -> &crate::metrics::AppMetrics {
        &self.inner.app_metrics
    }

    /// Writes the event-duration histogram of each view (the routes of one view added up).
    pub(crate) fn write_view_events(&self, out: &mut String, name: &str) {
        for (view, events) in self.view_events() {
            let label = format!("view=\"{}\",", view.replace(['\\', '"'], "_"));
            events.write(out, name, &label);
        }
    }

    /// Each view's event durations (the routes of one view added up), sorted by view.
    fn view_events(
        &self,
    ) -> std::collections::BTreeMap<&'static str, crate::metrics::Distribution> {
        let mut views: std::collections::BTreeMap<&'static str, (&Route, Vec<u64>, u64)> =
            std::collections::BTreeMap::new();
        for (_, route) in &self.inner.routes.order {
            let (counts, sum) = route.events.snapshot();
            let entry =
                views.entry(route.view).or_insert_with(|| (route, vec![0; counts.len()], 0));
            entry.1.iter_mut().zip(counts).for_each(|(total, count)| *total += count);
            entry.2 += sum;
        }
        views
            .into_iter()
            .map(|(view, (route, counts, sum))| (view, route.events.distribution(counts, sum)))
            .collect()
    }

    /// Each view's sessions open now and event durations (the routes of one view added up),
    /// sorted by view.
    pub(crate) fn view_stats(&self) -> Vec<crate::metrics::ViewStats> {
        let mut open: HashMap<&'static str, usize> = HashMap::new();
        {
            let registry =
                self.inner.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for entry in registry.values() {
                *open.entry(entry.view).or_default() += 1;
            }
        }
        self.view_events()
            .into_iter()
            .map(|(view, events)| crate::metrics::ViewStats {
                view,
                sessions: open.get(view).copied().unwrap_or(0),
                events,
            })
            .collect()
    }

    /// A handle views read this endpoint's metrics through (`ctx.state::<Observer>()`); every
    /// endpoint shares one with its views.
    pub fn observer(&self) -> Observer {
        Observer(Arc::downgrade(&self.inner))
    }

    /// The readiness checks the app registered.
    pub(crate) fn readiness(&self) -> &crate::health::Readiness {
        &self.inner.readiness
    }

    /// Resolves once [`Live::shutdown`] was called (for `axum::serve(..).with_graceful_shutdown`).
    pub async fn shutdown_requested(&self) {
        let mut rx = self.inner.shutdown.subscribe();
        let _ = rx.wait_for(|down| *down).await;
    }

    /// Resolves once every session has ended (after [`Live::shutdown`]), or after `limit`.
    pub async fn drained(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.active_sessions() > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Publishes `message` on `topic`: every session subscribed to it runs `handle_info` and
    /// pushes the change. Returns how many sessions received it.
    pub fn broadcast<T: std::any::Any + Send + Sync>(&self, topic: &str, message: T) -> usize {
        self.inner.pubsub.broadcast(topic, Arc::new(message))
    }

    /// The endpoint's PubSub (to publish from elsewhere in the app).
    pub fn pubsub(&self) -> &Arc<dyn PubSub> {
        &self.inner.pubsub
    }

    /// A session token for `path` and its CSRF token, as a page embeds them.
    pub fn tokens_for(&self, path: &str) -> (String, String) {
        let (claims, token) = self.inner.signer.session(path);
        (token, self.inner.signer.csrf(&claims.id))
    }
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    zero_live_core::escape::html(&mut out, s);
    out
}

/// The cookie a full-load redirect leaves the flash in (set by the client from the redirect's
/// signed `flash_token`, read and cleared by the next page).
pub const FLASH_COOKIE: &str = "zl_flash";

/// How long a flash token is honoured: long enough for a redirect to load.
const FLASH_TTL: Duration = Duration::from_secs(60);

/// The flash group: one `<p>` a message, `role="alert"` for errors; the client renders the
/// same markup from a message's `flash`.
fn flash_group(html: &mut String, flash: &std::collections::BTreeMap<String, String>) {
    html.push_str("<div id=\"zl-flash\" aria-live=\"polite\">");
    for (kind, message) in flash {
        let role = if kind == "error" { "alert" } else { "status" };
        html.push_str("<p class=\"zl-flash zl-flash-");
        zero_live_core::escape::html(html, kind);
        html.push_str("\" data-kind=\"");
        zero_live_core::escape::html(html, kind);
        html.push_str("\" role=\"");
        html.push_str(role);
        html.push_str("\">");
        zero_live_core::escape::html(html, message);
        html.push_str("</p>");
    }
    html.push_str("</div>");
}

async fn page(live: Live, route: Arc<Route>, request: axum::extract::Request) -> Response {
    // The request's parts by value: its headers and extensions are not copied.
    let (mut parts, _) = request.into_parts();
    // The `{name}` segments axum matched, percent-decoded; one that is not UTF-8 is refused.
    let params = match <axum::extract::RawPathParams as axum::extract::FromRequestParts<()>>::from_request_parts(
        &mut parts,
        &(),
    ).await {
        Ok(raw) => raw.iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect(),
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let (uri, headers, extensions) = (parts.uri, parts.headers, parts.extensions);
    if let Some(refused) = live.refuse_host(&uri, &headers, &extensions) {
        return refused;
    }
    let path = uri.path();
    let url = uri.path_and_query().map_or(path, |p| p.as_str());
    let extensions = Arc::new(extensions);
    let mut ctx = context(&live.inner, false, url, &extensions);
    ctx.params = params;
    // A forged, expired or malformed flash cookie is ignored (and cleared below).
    let flash_cookie = crate::cookies::get(&headers, FLASH_COOKIE);
    if let Some(flash) =
        flash_cookie.and_then(|t| live.inner.signer.verify_flash(t, FLASH_TTL).ok())
    {
        ctx.flash = flash;
    }
    let view = match (route.mount)(&mut ctx).await {
        Ok(view) => view,
        Err(e) => return mount_failed(&live, &headers, extensions, route.view, &e),
    };
    if let Some((to, external)) = redirect_target(&live.inner.config, &mut ctx) {
        if external {
            return see_other_external(&to);
        }
        return see_other(&live, &to, &ctx.flash);
    }
    let (token, csrf) = live.tokens_for(path);
    let mut head = String::with_capacity(live.inner.head_tags.len() + csrf.len() + 40);
    head.push_str("<meta name=\"csrf-token\" content=\"");
    zero_live_core::escape::html(&mut head, &csrf);
    head.push_str("\">\n");
    head.push_str(&live.inner.head_tags);
    // The view renders straight into the page body, sized by the route's largest page so far.
    let mut page_body = String::with_capacity(route.page_hint() + token.len() + 160);
    flash_group(&mut page_body, &ctx.flash);
    page_body.push_str("\n<div data-zl-root data-zl-session=\"");
    zero_live_core::escape::html(&mut page_body, &token);
    page_body.push_str("\" data-zl-socket=\"");
    page_body.push_str(SOCKET_PATH);
    page_body.push_str("\">");
    view.render_html(&mut page_body);
    page_body.push_str("</div>\n");
    route.rendered(page_body.len());
    let page = Page {
        title: ctx.title.take().unwrap_or_else(|| "0x0 Live".to_owned()),
        head,
        body: page_body,
        extensions,
    };
    let html = (live.inner.layout)(page);
    document(&live, StatusCode::OK, html, flash_cookie.is_some())
}

/// A laid-out page's response: the security headers of every page, and the flash cookie
/// cleared when the request had one (a flash shows once).
fn document(live: &Live, status: StatusCode, html: String, had_flash: bool) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    // Room for the headers the pipeline and the endpoint add, so the map grows once.
    headers.reserve(16);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, live.inner.csp.clone());
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if had_flash {
        let clear = live.inner.cookies.clear_flash(FLASH_COOKIE);
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// A page that is not live (a handler's, e.g. the pages of `zerogen resource --html`): `body`
/// (a template's HTML) in the endpoint's root layout, after the flash a redirect left (see
/// [`see_other`]; shown once) or `flash` when the handler has one of its own, with the
/// security headers of a live page and the app's head tags, but no live root: the client
/// does not connect. The root layout sees the request's extensions (`request.extensions`).
pub fn html_page(
    live: &Live,
    request: &axum::http::request::Parts,
    status: StatusCode,
    title: &str,
    flash: &std::collections::BTreeMap<String, String>,
    body: &str,
) -> Response {
    let extensions = Arc::new(request.extensions.clone());
    laid_out(live, &request.headers, extensions, status, title, flash, body)
}

/// `body` in the root layout, after the flash (see [`html_page`]).
fn laid_out(
    live: &Live,
    headers: &HeaderMap,
    extensions: Arc<axum::http::Extensions>,
    status: StatusCode,
    title: &str,
    flash: &std::collections::BTreeMap<String, String>,
    body: &str,
) -> Response {
    let flash_cookie = crate::cookies::get(headers, FLASH_COOKIE);
    let left = flash_cookie.and_then(|t| live.inner.signer.verify_flash(t, FLASH_TTL).ok());
    let shown = if flash.is_empty() { left.as_ref().unwrap_or(flash) } else { flash };
    let mut page_body = String::with_capacity(body.len() + 64);
    flash_group(&mut page_body, shown);
    page_body.push('\n');
    page_body.push_str(body);
    let page = Page {
        title: title.to_owned(),
        head: live.inner.head_tags.clone(),
        body: page_body,
        extensions,
    };
    let html = (live.inner.layout)(page);
    document(live, status, html, flash_cookie.is_some())
}

/// Logs a mount's failure of the server at `ERROR`, where the operator reads it (the visitor
/// is told only that the page could not be loaded).
fn report_mount_failure(view: &str, e: &MountError) {
    if e.status().is_server_error() {
        tracing::error!(target: "zero_live::session", view, error = %e, "mount failed");
    }
}

/// The page of a mount that refused (see [`MountError`]): its status, in the root layout, with
/// its message unless the server failed (then the message goes to the log instead).
fn mount_failed(
    live: &Live,
    headers: &HeaderMap,
    extensions: Arc<axum::http::Extensions>,
    view: &str,
    e: &MountError,
) -> Response {
    report_mount_failure(view, e);
    let status = e.status();
    let title = status.canonical_reason().unwrap_or("Error");
    let mut body = String::with_capacity(160);
    body.push_str("<main class=\"zl-error\" data-status=\"");
    body.push_str(status.as_str());
    body.push_str("\"><h1>");
    body.push_str(title);
    body.push_str("</h1><p>");
    zero_live_core::escape::html(&mut body, e.public_message());
    body.push_str("</p></main>");
    laid_out(live, headers, extensions, status, title, &BTreeMap::new(), &body)
}

/// Whether `to` is a path of this site (`/x`), not `//host`, `/\\host`, a URL, nor anything
/// with a control character: the only redirect targets taken from input.
pub fn is_local_path(to: &str) -> bool {
    to.starts_with('/')
        && !to.starts_with("//")
        && !to.starts_with("/\\")
        && to.len() <= 2048
        && !to.chars().any(char::is_control)
}

/// `303 See Other` to `to` (`/` when it is not a local path, see [`is_local_path`]), with
/// `flash` in its signed cookie for the next page: how a page whose mount redirected answers,
/// and how an app's HTTP handler sends a browser on with a message.
pub fn see_other(live: &Live, to: &str, flash: &BTreeMap<String, String>) -> Response {
    let to = if is_local_path(to) { to } else { "/" };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    if !flash.is_empty() {
        let token = live.inner.signer.sign_flash(flash);
        let cookie = live.inner.cookies.set_flash(FLASH_COOKIE, &token, FLASH_TTL.as_secs());
        if let Some(value) = cookie {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Where the redirect a view asked for (a full load, else a live navigation) may go: a local
/// path; an external URL only through `redirect_external` to one of `[network]
/// redirect_hosts`. Any other target goes to `/`: a value from a request can never send the
/// browser to another site. The flag says the target is external.
fn redirect_target(config: &LiveConfig, ctx: &mut Context) -> Option<(String, bool)> {
    let external = std::mem::take(&mut ctx.external);
    let to = ctx.redirect.take().or_else(|| ctx.navigate.take())?;
    Some(safe_target(config, to, external))
}

/// `to` if it may be sent to (see [`redirect_target`]), else `/`.
fn safe_target(config: &LiveConfig, to: String, external: bool) -> (String, bool) {
    match external {
        true if config.network.external_redirect_allowed(&to) => (to, true),
        false if is_local_path(&to) => (to, false),
        _ => ("/".to_owned(), false),
    }
}

/// `303 See Other` to an allowed external URL (no flash: it is for this site's pages).
fn see_other_external(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

/// A session's context: the app's shared values and the request's extensions.
fn context(
    inner: &Inner,
    connected: bool,
    url: &str,
    extensions: &Arc<axum::http::Extensions>,
) -> Context {
    let mut ctx = Context::new(connected, url);
    ctx.state = inner.state.clone();
    ctx.extensions = extensions.clone();
    ctx
}

/// An app's colocated asset: immutable (its name carries its hash).
fn app_asset(asset: &'static Asset) -> Response {
    let kind = if asset.is_script() {
        "text/javascript; charset=utf-8"
    } else {
        "text/css; charset=utf-8"
    };
    let headers = [
        (header::CONTENT_TYPE, kind),
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, asset.body).into_response()
}

/// The `<link>` and `<script>` tags of the app's colocated assets.
fn asset_tags(assets: &[&Asset]) -> String {
    let mut tags = String::new();
    for asset in assets {
        let src = escape_attr(&format!("{APP_ASSETS}/{}", asset.file));
        let integrity = escape_attr(asset.integrity);
        if asset.is_script() {
            tags.push_str(&format!(
                "<script type=\"module\" src=\"{src}\" integrity=\"{integrity}\"></script>\n"
            ));
        } else {
            tags.push_str(&format!(
                "<link rel=\"stylesheet\" href=\"{src}\" integrity=\"{integrity}\">\n"
            ));
        }
    }
    tags
}

/// A client module: immutable (its folder is named by the content hash).
fn script(body: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, body).into_response()
}

/// Whether `origin` is the server's own host or an allowed origin.
fn origin_allowed(config: &LiveConfig, headers: &HeaderMap) -> bool {
    if !config.origins.check_origin {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if config.origins.allow.iter().any(|a| a == origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

async fn upgrade(
    State(live): State<Live>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    let config = &live.inner.config;
    if let Some(refused) = live.refuse_host(&uri, &headers, &extensions) {
        return refused;
    }
    if !origin_allowed(config, &headers) {
        live.inner.metrics.refused(Refusal::Origin);
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| Encoding::from_subprotocol(p.trim()).is_some());
    if !offered {
        live.inner.metrics.refused(Refusal::Protocol);
        let known: Vec<&str> = Encoding::PREFERRED.iter().map(|e| e.subprotocol()).collect();
        let message = format!(
            "this server speaks the live protocol as {}; offer one as a subprotocol",
            known.join(" or ")
        );
        return (StatusCode::UPGRADE_REQUIRED, message).into_response();
    }
    let Ok(permit) = live.inner.connections.clone().try_acquire_owned() else {
        live.inner.metrics.refused(Refusal::Capacity);
        return (StatusCode::SERVICE_UNAVAILABLE, "too many live connections").into_response();
    };
    let addr = live.client_addr(&extensions, &headers);
    let slot = live.inner.clients.open(addr);
    // The browser's HTTP CSRF token (from its cookie), for HTML forms a view renders.
    let mut extensions = extensions;
    if extensions.get::<crate::csrf::CsrfToken>().is_none()
        && let Some(token) = crate::csrf::token_of(
            &live.inner.signer,
            live.inner.cookies,
            &headers,
            config.tokens.csrf_token_secs,
        )
    {
        extensions.insert(token);
    }
    // Its own span, not the upgrade request's (which ends with the 101), carrying that
    // request's id so a user's report ties the two together.
    let span = tracing::info_span!(
        target: "zero_live::session",
        parent: None,
        "live_session",
        request_id = headers.get(crate::endpoint::REQUEST_ID).and_then(|v| v.to_str().ok()),
        node = crate::logs::node(),
        socket = tracing::field::Empty,
        view = tracing::field::Empty,
    );
    // tungstenite's 128 KiB read and write buffers per socket would dominate an idle session's
    // memory; live frames are small, so the buffers start small and grow only when needed.
    ws.protocols(Encoding::PREFERRED.map(Encoding::subprotocol))
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_frame_size(crate::config::count(config.limits.max_frame_bytes))
        .max_message_size(crate::config::count(config.limits.max_message_bytes))
        .on_upgrade(move |socket| {
            let session = run(live, socket, permit, slot, Arc::new(extensions));
            tracing::Instrument::instrument(session, span)
        })
}

/// The answer to a request for a host the app does not serve.
fn host_refused() -> Response {
    let why = "this server does not answer for that host (see [network] allowed_hosts)";
    (StatusCode::BAD_REQUEST, why).into_response()
}

/// Put in a request's extensions by the endpoint's guard once the request's host was checked,
/// so the page and socket handlers behind it do not check it again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostChecked;

impl Live {
    /// The `400` for a request whose host is not one of `[network] allowed_hosts` (counted as
    /// refused), or `None` when it is, or when the endpoint's guard already checked it.
    pub(crate) fn refuse_host(
        &self,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        extensions: &axum::http::Extensions,
    ) -> Option<Response> {
        if extensions.get::<HostChecked>().is_some() || self.host_allowed(uri, headers) {
            return None;
        }
        self.inner.metrics.refused(Refusal::Host);
        Some(host_refused())
    }
}

/// Counts a session while it lives and removes it from the registry when it ends.
struct SessionGuard(Arc<Inner>, u64);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.0.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.1);
        self.0.sessions.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Session {
    socket: u64,
    view: Option<Box<dyn DynView>>,
    /// Created when the view first subscribes: a view without subscriptions pays nothing.
    mail: Option<mpsc::Receiver<Info>>,
    mailbox: Option<mpsc::Sender<Info>>,
    /// The view's timers (`Context::send_after`, `interval`, `send_self`).
    timers: crate::timers::Timers,
    /// The view's async work (`Context::start_async`).
    tasks: crate::tasks::Tasks,
    /// The view's hooks (`Context::attach_event_hook` and the like).
    hooks: crate::hooks::Hooks,
    /// The files being uploaded to the view, one folder removed when the session ends.
    spool: crate::uploads::Spool,
    /// Whether the view has taken an `upload_start`: frames are then decoded before they are
    /// charged to the rate limit, so that full chunks of an entry pass uncharged.
    uploading: bool,
    /// Renders sent since the join: the revision of the last one (shared with the registry).
    revision: Arc<std::sync::atomic::AtomicU64>,
    ctx: Context,
    last: Option<Rendered>,
    statics: Statics,
    /// What the socket may still send.
    budget: FrameBudget,
    /// The client's socket slot (its joins are counted against it).
    slot: ClientSlot,
    /// Throttled frames since the last admitted one (one `rate_limited` answers a run).
    throttled: u64,
    /// The upgrade request's extensions, which every context of this socket sees.
    extensions: Arc<axum::http::Extensions>,
    /// The pipeline of the joined view's route: a navigate stays within it.
    pipeline: Box<str>,
    /// The id of the joined session's token (its CSRF token's subject): a navigate signs the
    /// new view's token with it, so the page rejoins what it shows with the CSRF it holds.
    id: String,
    /// The joined view's route (its per-view metrics).
    route: Option<Arc<Route>>,
    /// Events handled (for the log line of the session's end).
    events: u64,
    /// The code of the last frame refused as a protocol error (ditto).
    last_error: Option<&'static str>,
    /// Whether the session's user was logged out everywhere (a [`Disconnect`] in its mailbox):
    /// the loop closes it.
    revoked: bool,
}

/// What handling one frame asks the loop to do next.
enum Next {
    Continue,
    /// The client closed the session (`close`): answer 1000.
    Leave,
    /// The session broke a rule: close with this code and reason.
    Refuse(u16, &'static str),
}

/// How long the frames of one turn may take to reach a client before it counts as a slow
/// consumer and is closed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One session: one task reads frames and mailbox messages, handles them, and writes the
/// answers before reading on, so a session holds at most one turn of unsent frames.
async fn run(
    live: Live,
    mut socket: WebSocket,
    permit: OwnedSemaphorePermit,
    slot: Result<ClientSlot, ClientRefusal>,
    extensions: Arc<axum::http::Extensions>,
) {
    let inner = live.inner.clone();
    let Ok(slot) = slot else {
        // Upgraded only to say why in a close code the client understands.
        inner.metrics.refused(crate::metrics::Refusal::SessionsPerClient);
        inner.metrics.closed(Some(close::TOO_MANY_SESSIONS));
        let why = "too many sessions from this client";
        tracing::info!(
            target: "zero_live::session",
            close_code = close::TOO_MANY_SESSIONS,
            reason = why,
            events = 0u64,
            lifetime_ms = 0u64,
            "session ended"
        );
        let frame = CloseFrame { code: close::TOO_MANY_SESSIONS, reason: why.into() };
        let _ = tokio::time::timeout(
            Duration::from_millis(500),
            socket.send(WsMessage::Close(Some(frame))),
        )
        .await;
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.close()).await;
        return;
    };
    inner.sessions.fetch_add(1, Ordering::SeqCst);
    inner.metrics.upgraded();
    let socket_id = inner.next_socket.fetch_add(1, Ordering::Relaxed);
    tracing::Span::current().record("socket", socket_id);
    let _guard = SessionGuard(inner.clone(), socket_id);
    let _permit = permit;
    let config = &inner.config;
    // The upgrade only accepts sockets that offered one of our subprotocols.
    let encoding = socket
        .protocol()
        .and_then(|p| p.to_str().ok())
        .and_then(Encoding::from_subprotocol)
        .unwrap_or(Encoding::Json);
    let mut out = Outbox {
        frames: Vec::new(),
        limit: crate::config::count(config.limits.outbound_queue),
        overflow: false,
        encoding,
    };
    let mut session = Session {
        socket: socket_id,
        view: None,
        mail: None,
        mailbox: None,
        timers: crate::timers::Timers::default(),
        tasks: crate::tasks::Tasks::default(),
        hooks: crate::hooks::Hooks::default(),
        spool: crate::uploads::Spool::new(&inner.upload_dir, socket_id),
        uploading: false,
        revision: Arc::default(),
        ctx: Context::default(),
        last: None,
        statics: Statics::default(),
        budget: FrameBudget::new(config),
        slot,
        throttled: 0,
        extensions,
        pipeline: "".into(),
        id: String::new(),
        route: None,
        events: 0,
        last_error: None,
        revoked: false,
    };
    let idle = Duration::from_secs(config.heartbeat.idle_session_secs);
    let heartbeat_timeout = Duration::from_secs(config.heartbeat.timeout_secs);
    let opened = tokio::time::Instant::now();
    let mut shutdown = inner.shutdown.subscribe();
    let (reason, close) = loop {
        if *shutdown.borrow() {
            break (Terminate::Shutdown, Some((1001, "server shutting down")));
        }
        let frame = tokio::select! {
            _ = shutdown.changed() => continue,
            Some(info) = recv_mail(&mut session.mail), if session.mail.is_some() => {
                // What else is waiting goes to the view too, and one render answers it all.
                inform(&mut session, &info).await;
                drain_mail(&inner, &mut session).await;
                if session.revoked {
                    break (Terminate::Refused, Some((close::REVOKED, "session revoked")));
                }
                rerender(&inner, &mut session, Answer::Push, &mut out);
                None
            }
            done = session.tasks.next(), if session.tasks.busy() => {
                if let Some(view) = session.view.as_mut() {
                    match done.assign {
                        // `assign_async`: the outcome goes into the view's field.
                        Some(assign) => assign(view.as_any_mut(), Some(done.result)),
                        None => view.handle_async(&done.name, done.result, &mut session.ctx).await,
                    }
                    rerender(&inner, &mut session, Answer::Push, &mut out);
                }
                None
            }
            () = crate::timers::until(session.timers.next_deadline()),
                if session.timers.len() > 0 =>
            {
                if let Some(info) = session.timers.pop_due(tokio::time::Instant::now()) {
                    deliver(&inner, &mut session, &info, &mut out).await;
                }
                None
            }
            // A socket that joins nothing is closed: it only holds a connection.
            () = tokio::time::sleep_until(opened + idle), if session.view.is_none() => {
                break (Terminate::Refused, Some((close::IDLE, "no view joined")));
            }
            frame = tokio::time::timeout(heartbeat_timeout, socket.next()) => Some(frame),
        };
        let mut next = Next::Continue;
        match frame {
            None => {}
            Some(Err(_)) => {
                break (Terminate::Refused, Some((close::HEARTBEAT_TIMEOUT, "heartbeat timeout")));
            }
            Some(Ok(None) | Ok(Some(Ok(WsMessage::Close(_))))) => break (Terminate::Closed, None),
            Some(Ok(Some(Err(e)))) => {
                let inner_error = e.into_inner();
                let capacity = matches!(
                    inner_error.downcast_ref::<tungstenite::Error>(),
                    Some(tungstenite::Error::Capacity(_))
                );
                if capacity {
                    break (Terminate::Refused, Some((1009, "message too big")));
                }
                break (Terminate::Closed, None);
            }
            // Every data frame takes a token first, whatever it holds.
            Some(Ok(Some(Ok(WsMessage::Text(text))))) => {
                next = if session.uploading {
                    // `handle` charges the frame once it knows what it is.
                    handle(&inner, &mut session, text.as_str(), &mut out).await
                } else {
                    match admit(&inner, &mut session, &mut out) {
                        true => handle(&inner, &mut session, text.as_str(), &mut out).await,
                        false => Next::Continue,
                    }
                };
            }
            // A binary frame is an upload chunk, once the view takes uploads.
            Some(Ok(Some(Ok(WsMessage::Binary(bytes))))) if session.uploading => {
                next = match Chunk::from_binary(&bytes) {
                    Ok((reference, chunk)) => {
                        upload_chunk(&inner, &mut session, reference, &chunk, &mut out).await
                    }
                    Err(refused) => refuse_chunk(&inner, &mut session, None, &refused, &mut out),
                };
            }
            Some(Ok(Some(Ok(WsMessage::Binary(_))))) => {
                next = match admit(&inner, &mut session, &mut out) {
                    true => {
                        out.error(None, "binary_frame", "the live protocol sends text frames");
                        protocol_error(&mut session, "binary_frame")
                    }
                    false => Next::Continue,
                };
            }
            Some(Ok(Some(Ok(_)))) => {}
        }
        if out.overflow || !flush(&inner, &mut socket, &mut session, &mut out).await {
            // The client does not read; the close frame is tried once, briefly.
            break (Terminate::Refused, Some((1008, "slow consumer")));
        }
        if session.revoked {
            break (Terminate::Refused, Some((close::REVOKED, "session revoked")));
        }
        match next {
            Next::Continue => {}
            Next::Leave => break (Terminate::Closed, Some((1000, "closed by the client"))),
            Next::Refuse(code, why) => break (Terminate::Refused, Some((code, why))),
        }
    };
    if let Some(view) = session.view.as_mut() {
        view.terminate(reason);
    }
    inner.metrics.closed(close.map(|(code, _)| code));
    inner.metrics.lifetime(opened.elapsed());
    tracing::info!(
        target: "zero_live::session",
        close_code = close.map(|(code, _)| code),
        reason = close.map(|(_, why)| why),
        error = session.last_error,
        events = session.events,
        lifetime_ms = u64::try_from(opened.elapsed().as_millis()).unwrap_or(u64::MAX),
        "session ended"
    );
    if let Some((code, why)) = close {
        let frame = WsMessage::Close(Some(CloseFrame { code, reason: why.into() }));
        let _ = tokio::time::timeout(Duration::from_millis(500), socket.send(frame)).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close()).await;
}

/// Whether an inbound frame is within the socket's rate; a run of throttled frames is dropped
/// with one `rate_limited` answer.
fn admit(inner: &Inner, session: &mut Session, send: &mut Outbox) -> bool {
    match session.budget.admit() {
        Admit::Yes => {
            session.throttled = 0;
            true
        }
        Admit::RateLimited => {
            inner.metrics.rate_limited();
            if session.throttled == 0 {
                send.error(None, "rate_limited", "too many messages; slow down");
            }
            session.throttled += 1;
            false
        }
    }
}

/// Counts a frame that broke the protocol; past `max_protocol_errors` the socket closes.
fn protocol_error(session: &mut Session, code: &'static str) -> Next {
    tracing::debug!(target: "zero_live::session", error = code, "frame refused");
    session.last_error = Some(code);
    if session.budget.protocol_error() {
        Next::Refuse(1008, "too many protocol errors")
    } else {
        Next::Continue
    }
}

/// Writes `frames` (and empties it) within [`WRITE_TIMEOUT`]; false if the client did not take
/// them.
async fn write_all(socket: &mut WebSocket, frames: &mut Vec<String>) -> bool {
    let write = async {
        for text in frames.drain(..) {
            socket.feed(WsMessage::Text(Utf8Bytes::from(text))).await?;
        }
        socket.flush().await
    };
    matches!(tokio::time::timeout(WRITE_TIMEOUT, write).await, Ok(Ok(())))
}

/// Writes the turn's frames, each write within [`WRITE_TIMEOUT`]; false if the client did not
/// take them (or a render overflowed the outbox).
///
/// Backpressure: while the turn's write waits for a slow client, the view goes on taking its
/// mailbox's messages, so the mailbox drains at the view's pace instead of the client's (and
/// drops nothing a fast view can take). What they changed is rendered once and written when
/// that write is done: however fast messages come, a client gets at most one diff per write it
/// took, and the session holds one render's frames, never a queue of them. That second write
/// takes no mail, so the loop reads the client's own frames (its events, its heartbeats)
/// between turns even while a flood lasts.
async fn flush(
    inner: &Inner,
    socket: &mut WebSocket,
    session: &mut Session,
    out: &mut Outbox,
) -> bool {
    if out.frames.is_empty() {
        return true;
    }
    inner.metrics.sent(out.frames.len(), out.bytes());
    let mut informed = false;
    {
        let write = write_all(socket, &mut out.frames);
        tokio::pin!(write);
        loop {
            tokio::select! {
                biased;
                written = &mut write => {
                    if !written {
                        return false;
                    }
                    break;
                }
                Some(info) = recv_mail(&mut session.mail),
                    if session.mail.is_some() && !session.revoked && room_for_effects(inner, session) =>
                {
                    inform(session, &info).await;
                    informed = true;
                }
            }
        }
    }
    if !informed || session.revoked {
        return true;
    }
    rerender(inner, session, Answer::Push, out);
    if out.overflow {
        return false;
    }
    if !out.frames.is_empty() {
        inner.metrics.sent(out.frames.len(), out.bytes());
    }
    write_all(socket, &mut out.frames).await
}

/// Hands a message (PubSub's or a timer's) to the view's info hooks and `handle_info`, without
/// rendering. A revocation is kept for the loop to close the session.
async fn inform(session: &mut Session, info: &Info) {
    if info.is::<Disconnect>() {
        session.revoked = true;
        return;
    }
    if let Some(view) = session.view.as_mut()
        && (session.hooks.is_empty()
            || session.hooks.info(&**info, &mut session.ctx) == Flow::Continue)
    {
        view.handle_info(&**info, &mut session.ctx).await;
    }
}

/// Whether the view's pending effects leave room for another message's: events it pushes and
/// JS commands are each a frame, never coalesced, so a turn stops taking mail once they fill
/// half the outbound queue (the rest waits in the mailbox for the next turn).
fn room_for_effects(inner: &Inner, session: &Session) -> bool {
    let effects = session.ctx.pushes.len() + session.ctx.execs.len();
    effects < crate::config::count(inner.config.limits.outbound_queue) / 2
}

/// Hands the view what its mailbox already holds (at most its capacity, so a producer as fast
/// as the view cannot hold the socket's turn forever), stopping at a revocation or when the
/// effects it asked for fill the turn ([`room_for_effects`]).
async fn drain_mail(inner: &Inner, session: &mut Session) {
    for _ in 0..crate::config::count(inner.config.limits.mailbox_capacity) {
        if session.revoked || !room_for_effects(inner, session) {
            return;
        }
        let Some(info) = session.mail.as_mut().and_then(|mail| mail.try_recv().ok()) else {
            return;
        };
        inform(session, &info).await;
    }
}

/// Hands a timer's message to the view and pushes what changed.
async fn deliver(inner: &Inner, session: &mut Session, info: &Info, out: &mut Outbox) {
    inform(session, info).await;
    if !session.revoked {
        rerender(inner, session, Answer::Push, out);
    }
}

async fn recv_mail(mail: &mut Option<mpsc::Receiver<Info>>) -> Option<Info> {
    match mail {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The frames one turn of a session answers with, written before the session reads on.
struct Outbox {
    frames: Vec<String>,
    /// More frames than this in one turn make the client a slow consumer.
    limit: usize,
    overflow: bool,
    /// How this socket's frames are written and read.
    encoding: Encoding,
}

impl Outbox {
    /// Queues `message`, answering request `reference` if any.
    fn message(&mut self, message: &Message, reference: Option<u64>) {
        let text = protocol::encode_with(message, reference, self.encoding);
        self.send(text);
    }

    /// Queues an `error` message.
    fn error(&mut self, reference: Option<u64>, code: &str, reason: &str) {
        let error = wire::Error { code: code.to_owned(), reason: reason.to_owned() };
        self.message(&Message::Error(error), reference);
    }

    /// The bytes of the frames queued so far this turn.
    fn bytes(&self) -> usize {
        self.frames.iter().map(String::len).sum()
    }

    /// Queues a frame.
    fn send(&mut self, text: String) {
        if self.frames.len() >= self.limit {
            self.overflow = true;
        } else {
            self.frames.push(text);
        }
    }
}

async fn handle(inner: &Inner, session: &mut Session, text: &str, send: &mut Outbox) -> Next {
    let decoded = protocol::decode_with(text, Side::Server, send.encoding);
    if session.uploading {
        // A chunk is charged by `upload_chunk` (only a short one that is not the last);
        // any other frame as `run` charges it when nothing is being uploaded.
        let chunk = matches!(decoded, Ok(Envelope { message: Message::Upload(_), .. }));
        if !chunk && !admit(inner, session, send) {
            return Next::Continue;
        }
    }
    let envelope = match decoded {
        Ok(envelope) => envelope,
        Err(e @ DecodeError::BadVersion { .. }) => {
            send.error(None, e.code(), &e.to_string());
            session.last_error = Some(e.code());
            return Next::Refuse(1002, "unsupported protocol version");
        }
        Err(e) => {
            send.error(None, e.code(), &e.to_string());
            return protocol_error(session, e.code());
        }
    };
    let reference = envelope.reference;
    match envelope.message {
        Message::Heartbeat(_) => {
            send.message(&Message::Heartbeat(wire::Heartbeat {}), reference);
            Next::Continue
        }
        Message::Join(join) => {
            let joined_before = session.view.is_some();
            if !joined_before && inner.clients.join(&session.slot).is_err() {
                inner.metrics.refused(crate::metrics::Refusal::JoinRate);
                send.error(
                    reference,
                    "join_rate",
                    "too many joins from this client; wait a minute",
                );
                return Next::Refuse(close::JOIN_RATE, "too many joins");
            }
            let next = join_session(inner, session, reference, &join, send).await;
            if !joined_before {
                let ok = matches!(next, Next::Continue) && session.view.is_some();
                inner.metrics.joined(ok, join.revision.is_some());
            }
            next
        }
        Message::Close(_) => Next::Leave,
        _ if session.view.is_none() => {
            send.error(reference, "not_joined", "join the session first");
            protocol_error(session, "not_joined")
        }
        Message::Event(event) => handle_event(inner, session, reference, event, send).await,
        Message::Navigate(navigate) => {
            navigate_session(inner, session, reference, &navigate.url, send).await
        }
        Message::Params(params) => {
            let Some(view) = session.view.as_mut() else { return Next::Continue };
            let path = params.url.split('?').next().unwrap_or("");
            if path != session.ctx.path() {
                send.error(reference, "wrong_view", "a patch stays within the view");
                return Next::Continue;
            }
            let path_params = std::mem::take(&mut session.ctx.params);
            session.ctx = context(inner, true, &params.url, &session.extensions);
            session.ctx.params = path_params;
            if session.hooks.is_empty() || session.hooks.params(&mut session.ctx) == Flow::Continue
            {
                view.handle_params(&mut session.ctx).await;
            }
            rerender(inner, session, Answer::Reply(reference), send);
            Next::Continue
        }
        Message::UploadStart(start) => upload_start(inner, session, reference, &start, send).await,
        Message::UploadProgress(report) => {
            upload_progress(inner, session, reference, &report, send).await
        }
        Message::Upload(message) => match Chunk::from_message(&message) {
            Ok(chunk) => upload_chunk(inner, session, reference, &chunk, send).await,
            Err(refused) => refuse_chunk(inner, session, reference, &refused, send),
        },
        // Decoding refuses messages sent in the wrong direction.
        _ => Next::Continue,
    }
}

/// Runs a client event through the view and answers with the change, in a `DEBUG` span
/// naming the event, its reference, how long it took and how many bytes the answer held.
async fn handle_event(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    event: wire::Event,
    send: &mut Outbox,
) -> Next {
    let Some(view) = session.view.as_mut() else { return Next::Continue };
    let span = tracing::debug_span!(
        target: "zero_live::session",
        "event",
        event = ?clipped(&event.event),
        reference,
        duration_us = tracing::field::Empty,
        patch_bytes = tracing::field::Empty,
    );
    session.events += 1;
    // A click without values sends no `value`: handlers see an empty object.
    let started = Instant::now();
    let value = event.value.unwrap_or_else(|| Value::Object(serde_json::Map::new()));
    session.ctx.target = event.target;
    let go_on = session.hooks.is_empty()
        || span.in_scope(|| session.hooks.event(&event.event, &value, &mut session.ctx))
            == Flow::Continue;
    // A halted event is answered like a handled one, with what the hooks changed.
    let handled = if go_on {
        let handled = view.handle_event(&event.event, &value, &mut session.ctx);
        tracing::Instrument::instrument(handled, span.clone()).await
    } else {
        Ok(())
    };
    session.ctx.target = None;
    let _entered = span.enter();
    let queued = send.bytes();
    let ok = match handled {
        Err(e) => {
            tracing::debug!(target: "zero_live::session", error = e.code(), "event refused");
            send.error(reference, e.code(), &e.to_string());
            false
        }
        Ok(()) => {
            rerender(inner, session, Answer::Reply(reference), send);
            true
        }
    };
    let elapsed = started.elapsed();
    let answer = send.bytes() - queued;
    inner.metrics.event(elapsed, ok);
    inner.metrics.answer(answer);
    if let Some(route) = &session.route {
        route.events.observe_duration(elapsed);
    }
    if !span.is_disabled() {
        span.record("duration_us", u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
        span.record("patch_bytes", answer);
        tracing::debug!(target: "zero_live::session", "event handled");
    }
    Next::Continue
}

/// Checks the files a client offers against the view's upload and answers with their entries.
async fn upload_start(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    start: &wire::UploadStart,
    send: &mut Outbox,
) -> Next {
    let Some(upload) = session.view.as_mut().and_then(|v| v.upload(&start.upload)) else {
        send.error(reference, "unknown_upload", "the view has no upload of this name");
        return Next::Continue;
    };
    let policy = crate::uploads::Policy::of(&inner.config.limits);
    let owner = crate::uploads::resume::owner(&session.id);
    let owner = crate::uploads::session::Owner {
        root: session.spool.root(),
        owner: &owner,
        held: session.spool.counter(),
    };
    if upload.scope_held.is_none()
        && let Some(scope) = upload.scope()
    {
        upload.scope_held = Some(inner.upload_scopes.counter(scope));
    }
    let resumable = upload.config().resume.is_some();
    match crate::uploads::session::start(upload, &start.entries, &policy, Some(owner)) {
        #[allow(unused_mut)] // signed below with the `storage` feature
        Ok(mut response) => {
            #[cfg(feature = "storage")]
            crate::uploads::external::sign(upload, &mut response).await;
            count_offers(inner, &response);
            session.uploading = true;
            // The session's end sweeps the expired files of resumable uploads.
            session.spool.resumable |= resumable;
            rerender(inner, session, Answer::Respond(reference, response), send);
            Next::Continue
        }
        Err(refused) => {
            send.error(reference, refused.code, &refused.reason);
            protocol_error(session, refused.code)
        }
    }
}

/// Counts the entries an `upload_start` answer refused, and those it took up from a kept file.
fn count_offers(inner: &Inner, response: &Value) {
    for answer in response["entries"].as_object().into_iter().flat_map(|e| e.values()) {
        if answer.get("error").is_some() {
            inner.metrics.upload_entry(UploadOutcome::Refused);
        } else if answer["offset"].as_u64().is_some_and(|o| o > 0) {
            inner.metrics.upload_entry(UploadOutcome::Resumed);
        }
    }
}

/// Writes one chunk of an entry and acknowledges it with the offset received, and the view's
/// change (its progress).
async fn upload_chunk(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    chunk: &Chunk,
    send: &mut Outbox,
) -> Next {
    let name = crate::uploads::session::upload_of(&chunk.entry);
    let pays = match session.view.as_mut().and_then(|v| v.upload(name)) {
        Some(upload) => upload.entry_pays(chunk),
        None => {
            if !admit(inner, session, send) {
                return Next::Continue;
            }
            send.error(reference, "unknown_entry", "no upload entry has this reference");
            return protocol_error(session, "unknown_entry");
        }
    };
    // A short chunk that is not the last pays the rate limit before it is written: dropped
    // unwritten when over it, like any throttled frame (a refused one is charged below).
    if pays && !admit(inner, session, send) {
        return Next::Continue;
    }
    let Some(upload) = session.view.as_mut().and_then(|v| v.upload(name)) else {
        return Next::Continue;
    };
    let policy = crate::uploads::Policy::of(&inner.config.limits);
    match crate::uploads::session::chunk(upload, &mut session.spool, chunk, &policy).await {
        Ok(ack) => {
            inner.metrics.uploaded(chunk.bytes.len());
            if ack.done {
                inner.metrics.upload_entry(UploadOutcome::Done);
            } else if chunk.last {
                // The last chunk came and the entry is not done: short, or the scanner refused.
                inner.metrics.upload_entry(UploadOutcome::Refused);
            }
            let response = json!({"offset": ack.offset, "done": ack.done});
            rerender(inner, session, Answer::Respond(reference, response), send);
            Next::Continue
        }
        Err(refused) => {
            if crate::uploads::session::fails_entry(refused.code) {
                inner.metrics.upload_entry(UploadOutcome::Refused);
            }
            let next = refuse_chunk(inner, session, reference, &refused, send);
            // The entry may have failed: the page shows why.
            rerender(inner, session, Answer::Push, send);
            next
        }
    }
}

/// Takes the browser's report on an external upload entry (bytes sent to the store, or that
/// the store took it whole, when the object is checked) and answers with the entry's state and
/// the view's change. Each report pays the rate limit.
async fn upload_progress(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    report: &wire::UploadProgress,
    send: &mut Outbox,
) -> Next {
    if !admit(inner, session, send) {
        return Next::Continue;
    }
    let name = crate::uploads::session::upload_of(&report.entry);
    let Some(upload) = session.view.as_mut().and_then(|v| v.upload(name)) else {
        send.error(reference, "unknown_entry", "no upload entry has this reference");
        return protocol_error(session, "unknown_entry");
    };
    #[cfg(feature = "storage")]
    let reported = crate::uploads::external::progress(
        upload,
        &mut session.spool,
        &report.entry,
        report.received,
        report.last,
    )
    .await;
    #[cfg(not(feature = "storage"))]
    let reported: Result<crate::uploads::session::Ack, _> = {
        let _ = upload;
        Err(crate::uploads::session::refused(
            "not_external",
            "this entry is sent over the socket",
            true,
        ))
    };
    match reported {
        Ok(ack) => {
            if report.last {
                let outcome = if ack.done { UploadOutcome::Done } else { UploadOutcome::Refused };
                inner.metrics.upload_entry(outcome);
            }
            let response = json!({"offset": ack.offset, "done": ack.done});
            rerender(inner, session, Answer::Respond(reference, response), send);
            Next::Continue
        }
        Err(refused) => {
            send.error(reference, refused.code, &refused.reason);
            let next = if refused.protocol {
                protocol_error(session, refused.code)
            } else {
                Next::Continue
            };
            rerender(inner, session, Answer::Push, send);
            next
        }
    }
}

/// Answers a refused chunk. Every refusal is charged to the rate limit, so a client cannot
/// flood them for free; one that breaks the protocol counts against `max_protocol_errors`.
fn refuse_chunk(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    refused: &crate::uploads::session::Refused,
    send: &mut Outbox,
) -> Next {
    if !admit(inner, session, send) {
        return Next::Continue;
    }
    send.error(reference, refused.code, &refused.reason);
    if refused.protocol { protocol_error(session, refused.code) } else { Next::Continue }
}

/// `name` cut to its first 64 characters: what a log holds of a name the client chose.
fn clipped(name: &str) -> &str {
    name.char_indices().nth(64).map_or(name, |(at, _)| &name[..at])
}

async fn join_session(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    join: &wire::Join,
    send: &mut Outbox,
) -> Next {
    if session.view.is_some() {
        send.error(reference, "already_joined", "this socket already runs a session");
        return protocol_error(session, "already_joined");
    }
    let claims: Claims = match inner
        .signer
        .verify(&join.session, Duration::from_secs(inner.config.tokens.session_token_secs))
    {
        Ok(claims) => claims,
        Err(e) => {
            send.error(reference, e.code(), &e.to_string());
            return Next::Refuse(close::UNAUTHORIZED, "invalid session token");
        }
    };
    if !inner.signer.verify_csrf(&claims.id, &join.csrf) {
        send.error(reference, "csrf_invalid", "the CSRF token does not match the session");
        return Next::Refuse(close::UNAUTHORIZED, "invalid CSRF token");
    }
    let path = join.url.split('?').next().unwrap_or("");
    let Some((route, params)) = inner.routes.find(&claims.path).filter(|_| path == claims.path)
    else {
        send.error(reference, "no_route", "the token's view is not served here");
        return Next::Refuse(close::NO_ROUTE, "no live view");
    };
    session.pipeline.clone_from(&route.pipeline);
    session.id.clone_from(&claims.id);
    let mut ctx = context(inner, true, &join.url, &session.extensions);
    ctx.params = params;
    // Boxed: a mount's state (the render, its parts) lives only while it runs, so the
    // session's task, and every idle session with it, stays small.
    match Box::pin(mount(inner, session, reference, route, ctx, None, send)).await {
        Mounted::Yes => {}
        Mounted::Failed => return Next::Refuse(1011, "mount failed"),
        Mounted::Redirected => return Next::Refuse(1000, "redirected"),
    }
    subscribe_login(inner, session);
    let entry = Entry {
        id: claims.id.clone(),
        path: claims.path.clone(),
        view: route.view,
        caps: join.caps.clone().unwrap_or_default(),
        revision: session.revision.clone(),
    };
    inner
        .registry
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(session.socket, entry);
    Next::Continue
}

/// About how many bytes of stream rows one frame of a join carries.
const PART_BYTES: usize = 64 * 1024;

/// How many rows of a stream one part of a join carries: about [`PART_BYTES`] of them, and
/// never so few that the parts would overflow the outbox.
fn rows_per_part(rendered: &zero_live_core::Rendered, config: &LiveConfig) -> usize {
    let total = rendered.stream_rows();
    let per_row = rendered.buf.len() / total.max(1) + 1;
    let most_parts = (crate::config::count(config.limits.outbound_queue) / 2).max(1);
    (PART_BYTES / per_row).max(1).max(total.div_ceil(most_parts))
}

/// How a mount ended.
enum Mounted {
    /// The view runs; its render was sent.
    Yes,
    /// `mount` refused: an `error` was sent.
    Failed,
    /// `mount` redirected: the `redirect` was sent instead of a render.
    Redirected,
}

/// Subscribes the session to its login's [`LiveSocketId`], if its socket has one.
fn subscribe_login(inner: &Inner, session: &mut Session) {
    let extensions = session.extensions.clone();
    if let Some(LiveSocketId(topic)) = extensions.get::<LiveSocketId>() {
        let mailbox = mailbox(inner, session);
        inner.pubsub.subscribe(topic, mailbox);
    }
}

/// The session's mailbox, made on first use.
fn mailbox(inner: &Inner, session: &mut Session) -> mpsc::Sender<Info> {
    session
        .mailbox
        .get_or_insert_with(|| {
            let (tx, rx) =
                mpsc::channel(crate::config::count(inner.config.limits.mailbox_capacity));
            session.mail = Some(rx);
            tx
        })
        .clone()
}

/// Mounts `route`'s view connected with `ctx` and replies with its full render (revision 0, a
/// fresh statics cache), its title and flash.
async fn mount(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    route: &Arc<Route>,
    mut ctx: Context,
    token: Option<String>,
    send: &mut Outbox,
) -> Mounted {
    let mut view = match (route.mount)(&mut ctx).await {
        Ok(view) => view,
        Err(e) => {
            report_mount_failure(route.view, &e);
            send.error(reference, e.code(), e.public_message());
            return Mounted::Failed;
        }
    };
    if let Some((to, external)) = redirect_target(&inner.config, &mut ctx) {
        // The view is never shown: the client loads `to` in full, with the flash.
        view.terminate(Terminate::Navigate);
        let flash = std::mem::take(&mut ctx.flash);
        let flash_token = (!flash.is_empty() && !external).then(|| inner.signer.sign_flash(&flash));
        let flash = (!flash.is_empty() && !external).then(|| flash_object(&flash));
        let external = external.then_some(true);
        send.message(
            &Message::Redirect(wire::Redirect { to, live: false, flash, flash_token, external }),
            reference,
        );
        return Mounted::Redirected;
    }
    let rendered = view.render_live();
    view.flush_streams();
    // A (re)joining client starts with an empty statics cache.
    session.statics.clear();
    // A big stream goes in parts: the reply with its first rows, then diffs of the next rows,
    // so no frame (and no transport buffer, which keeps the size of the largest frame it sent)
    // grows with the stream.
    let rows = rows_per_part(&rendered, &inner.config);
    let (first, rest) = rendered.split_stream_rows(rows);
    let full = diff::full(&first, &mut session.statics);
    let mut parts = Vec::with_capacity(rest.len());
    let mut last = first;
    for part in rest {
        parts.extend(diff::diff(&last, &part, &mut session.statics));
        last = part;
    }
    let flash = std::mem::take(&mut ctx.flash_changed).then(|| flash_object(&ctx.flash));
    let count = parts.len() as u64;
    let reply = wire::Reply {
        status: "ok".into(),
        rev: Some(0),
        rendered: Some(full),
        response: None,
        title: ctx.title.take(),
        flash,
        parts: (count > 0).then_some(count),
        heartbeat_ms: Some(inner.config.heartbeat.interval_secs.saturating_mul(1000)),
        session: token,
    };
    send.message(&Message::Reply(reply), reference);
    for (rev, diff) in (1..).zip(parts) {
        send.message(&Message::Diff(wire::Diff { rev, diff, title: None, flash: None }), None);
    }
    session.view = Some(view);
    // The streamed rows were sent: the session keeps the render without them.
    session.last = Some(last.forget_stream_rows());
    session.revision.store(count, Ordering::Relaxed);
    session.ctx = ctx;
    take_requests(inner, session);
    send_effects(&mut session.ctx, send);
    tracing::Span::current().record("view", route.view);
    session.route = Some(Arc::clone(route));
    Mounted::Yes
}

/// Carries out what the last callback asked of the session: its subscriptions, timers, tasks
/// and hooks.
fn take_requests(inner: &Inner, session: &mut Session) {
    for topic in std::mem::take(&mut session.ctx.subscriptions) {
        let mailbox = mailbox(inner, session);
        inner.pubsub.subscribe(&topic, mailbox);
    }
    // Messengers first: a task started by the same callback may use one at once.
    let messengers = std::mem::take(&mut session.ctx.messengers);
    if !messengers.is_empty() {
        let mailbox = mailbox(inner, session);
        for messenger in messengers {
            messenger.connect(&mailbox);
        }
    }
    if session.ctx.mailbox.is_none() {
        session.ctx.mailbox.clone_from(&session.mailbox);
    }
    let timers = std::mem::take(&mut session.ctx.timers);
    if !timers.is_empty() {
        session.timers.apply(timers, tokio::time::Instant::now());
    }
    let tasks = std::mem::take(&mut session.ctx.tasks);
    if !tasks.is_empty() {
        session.tasks.apply(tasks, session.view.as_mut().map(|view| view.as_any_mut()));
    }
    let hooks = std::mem::take(&mut session.ctx.hooks);
    if !hooks.is_empty() {
        session.hooks.apply(hooks);
    }
}

/// Moves a joined session to the live view at `url` over the same socket: the current view
/// terminates and its subscriptions end, the new view mounts, and a flash not yet shown goes
/// along. A path with no live view is refused (`no_route`) and the current view goes on: the
/// client loads it in full.
async fn navigate_session(
    inner: &Inner,
    session: &mut Session,
    reference: Option<u64>,
    url: &str,
    send: &mut Outbox,
) -> Next {
    let path = url.split('?').next().unwrap_or("");
    let Some((route, params)) = inner.routes.find(path) else {
        send.error(reference, "no_route", "no live view is served at this path");
        return Next::Continue;
    };
    // Another pipeline's view is loaded over HTTP, through that pipeline's layers.
    if route.pipeline != session.pipeline {
        send.error(reference, "other_pipeline", "the view is served behind another pipeline");
        return Next::Continue;
    }
    let mut ctx = context(inner, true, url, &session.extensions);
    ctx.params = params;
    // The flash a view set before navigating away, and not shown yet, is the next one's.
    if session.ctx.flash_changed {
        ctx.flash = std::mem::take(&mut session.ctx.flash);
    }
    // The page's flash group is replaced, emptied if the new view has none.
    ctx.flash_changed = true;
    if let Some(mut old) = session.view.take() {
        old.terminate(Terminate::Navigate);
    }
    // Dropping the mailbox ends the old view's subscriptions (the login's topic is taken
    // again below).
    session.mail = None;
    session.mailbox = None;
    // Its timers, tasks and hooks end with it.
    session.timers.clear();
    session.uploading = false;
    session.tasks.clear();
    session.hooks.clear();
    // The page rejoins the view it shows after a disconnect: with a token for its path,
    // under the same session id (so the page's CSRF token still matches).
    let token = inner.signer.session_for(&session.id, path);
    // Boxed: a mount's state (the render, its parts) lives only while it runs, so the
    // session's task, and every idle session with it, stays small.
    match Box::pin(mount(inner, session, reference, route, ctx, Some(token), send)).await {
        Mounted::Yes => {}
        Mounted::Failed => return Next::Refuse(1011, "mount failed"),
        Mounted::Redirected => return Next::Refuse(1000, "redirected"),
    }
    subscribe_login(inner, session);
    let mut registry = inner.registry.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(entry) = registry.get_mut(&session.socket) {
        path.clone_into(&mut entry.path);
        entry.view = route.view;
    }
    Next::Continue
}

/// The flash as a wire object.
fn flash_object(
    flash: &std::collections::BTreeMap<String, String>,
) -> serde_json::Map<String, Value> {
    flash.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect()
}

/// Sends the events and JS commands a callback asked for, after its render.
fn send_effects(ctx: &mut Context, send: &mut Outbox) {
    for (event, payload) in std::mem::take(&mut ctx.pushes) {
        let payload = (!payload.is_null()).then_some(payload);
        send.message(&Message::Push(wire::Push { event, payload }), None);
    }
    for js in std::mem::take(&mut ctx.execs) {
        send.message(&Message::Exec(wire::Exec { ops: js.to_value() }), None);
    }
}

/// How a render after a change is sent.
enum Answer {
    /// As the reply to a request (with its ref, if it had one), even when nothing changed.
    Reply(Option<u64>),
    /// As a pushed `diff` message (after `handle_info`), only when something changed.
    Push,
    /// As [`Answer::Reply`], with a response for the client (an upload's entries, a chunk's
    /// acknowledgement).
    Respond(Option<u64>, Value),
}

/// Renders after a change and sends it as `answer` says.
fn rerender(inner: &Inner, session: &mut Session, answer: Answer, send: &mut Outbox) {
    take_requests(inner, session);
    let Some(view) = session.view.as_mut() else { return };
    let rendered = view.render_live();
    view.flush_streams();
    let ctx = &mut session.ctx;
    let mut change = match &session.last {
        Some(last) => diff::diff(last, &rendered, &mut session.statics),
        None => Some(diff::full(&rendered, &mut session.statics)),
    };
    // A full load wins over a live navigation asked in the same callback.
    let full_load = ctx.redirect.is_some();
    let redirect = match redirect_target(&inner.config, ctx) {
        Some((to, external)) if full_load => {
            // The flash rides along in a signed token the next page reads (on this site).
            let flash = std::mem::take(&mut ctx.flash);
            ctx.flash_changed = false;
            let flash_token =
                (!flash.is_empty() && !external).then(|| inner.signer.sign_flash(&flash));
            let flash = (!flash.is_empty() && !external).then(|| flash_object(&flash));
            let external = external.then_some(true);
            Some(wire::Redirect { to, live: false, flash, flash_token, external })
        }
        // The client answers with `navigate`; the pending flash is kept for the next view.
        Some((to, _)) => {
            Some(wire::Redirect { to, live: true, flash: None, flash_token: None, external: None })
        }
        None => None,
    };
    let navigating = redirect.as_ref().is_some_and(|r| r.live);
    if let Some(redirect) = redirect {
        send.message(&Message::Redirect(redirect), None);
    }
    if let Some(to) = ctx.patch.take().filter(|to| is_local_path(to)) {
        send.message(&Message::Patch(wire::Patch { to, replace: false }), None);
    }
    let title = ctx.title.take();
    // The flash waits for the next view when one is being navigated to.
    let flash = (ctx.flash_changed && !navigating).then(|| {
        ctx.flash_changed = false;
        flash_object(&ctx.flash)
    });
    if change.is_none() && (title.is_some() || flash.is_some()) {
        // Nothing to merge, but the title or flash changed: an empty change carries them.
        change = Some(Value::Object(serde_json::Map::new()));
    }
    let rev = change.as_ref().map(|_| session.revision.fetch_add(1, Ordering::Relaxed) + 1);
    match (answer, change, rev) {
        (Answer::Push, Some(diff), Some(rev)) => {
            send.message(&Message::Diff(wire::Diff { rev, diff, title, flash }), None);
        }
        (Answer::Push, _, _) => {}
        (answer @ (Answer::Reply(_) | Answer::Respond(..)), change, rev) => {
            let (reference, response) = match answer {
                Answer::Respond(reference, response) => (reference, Some(response)),
                Answer::Reply(reference) => (reference, None),
                Answer::Push => (None, None),
            };
            let reply = wire::Reply {
                status: "ok".into(),
                rev,
                rendered: change,
                response,
                title,
                flash,
                parts: None,
                heartbeat_ms: None,
                session: None,
            };
            send.message(&Message::Reply(reply), reference);
        }
    }
    send_effects(ctx, send);
    session.last = Some(rendered.forget_stream_rows());
}

#[cfg(test)]
mod tests {
    use super::*;

    static APP: [Asset; 1] =
        [Asset { file: "app.1111111111111111.css", integrity: "sha256-a", body: "a{}" }];
    static PACKAGE: [Asset; 2] = [
        Asset { file: "kb.2222222222222222.css", integrity: "sha256-b", body: "b{}" },
        Asset { file: "app.1111111111111111.css", integrity: "sha256-a", body: "a{}" },
    ];

    #[test]
    fn each_assets_call_adds_to_the_last_and_a_file_is_added_once() {
        let live = Live::builder().assets(&APP).assets(&PACKAGE).build();
        let files: Vec<&str> = live.inner.assets.iter().map(|a| a.file).collect();
        assert_eq!(files, ["app.1111111111111111.css", "kb.2222222222222222.css"]);
        let tags = &live.inner.head_tags;
        assert_eq!(tags.matches("app.1111111111111111.css").count(), 1, "{tags}");
        assert!(tags.contains("/assets/app/kb.2222222222222222.css"), "{tags}");
        // Without a call, a page loads the client and nothing else.
        let bare = Live::builder().build();
        assert!(bare.inner.assets.is_empty() && !bare.inner.head_tags.contains("/assets/app/"));
    }

    #[test]
    fn only_local_paths_are_redirected_to_and_the_flash_rides_signed() {
        for good in ["/", "/users/settings", "/a?b=c"] {
            assert!(is_local_path(good), "{good}");
        }
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "", "x", "/a\nb"] {
            assert!(!is_local_path(bad), "{bad}");
        }
        let live = Live::builder().secure_cookies(false).build();
        let flash = BTreeMap::from([("info".to_owned(), "Saved".to_owned())]);
        let response = see_other(&live, "//evil.example", &flash);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/");
        let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
        assert!(!set.contains("Secure"), "{set}");
        let token = set.strip_prefix("zl_flash=").unwrap().split(';').next().unwrap();
        assert_eq!(live.signer().verify_flash(token, FLASH_TTL).unwrap(), flash);
        let none = see_other(&live, "/next", &BTreeMap::new());
        assert!(none.headers().get(header::SET_COOKIE).is_none());
        // A secure endpoint's flash cookie is `Secure` (its name is the one the client writes).
        let secure = Live::builder().secure_cookies(true).build();
        let response = see_other(&secure, "/next", &flash);
        let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(set.starts_with("zl_flash=") && set.contains("Secure"), "{set}");
    }
}
