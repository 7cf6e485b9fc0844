//! The HTTP endpoint an app serves: where it listens, the layers every request goes through
//! (request id, gzip compression, the body size limit of `security.toml`, response counts and
//! durations), the health check, the metrics (Prometheus text at `/metrics`, only when
//! `METRICS_TOKEN` is set, only for requests that carry it as a bearer token), static files
//! with cache headers, and graceful shutdown. Configured from the app's `spec/endpoint.toml`,
//! with `HOST` and `PORT` from the environment taking precedence.
//!
//! ```toml
//! [http]
//! host = "127.0.0.1"
//! port = 4000
//! shutdown_grace_secs = 5
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Live;
use crate::metrics::METRICS_PATH;

/// The header carrying each request's id (kept from the client when present, else generated).
pub const REQUEST_ID: &str = "x-request-id";

/// The health check's path (the sockets open now).
pub const HEALTH_PATH: &str = "/health";

/// The liveness check's path ([`crate::health`]).
pub const LIVE_PATH: &str = "/health/live";

/// The readiness check's path ([`crate::health`]).
pub const READY_PATH: &str = "/health/ready";

/// Where and how an app serves HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The address to listen on (default `127.0.0.1`).
    pub host: IpAddr,
    /// The port (default 4000).
    pub port: u16,
    /// How long shutdown waits for live sessions to close (default 5 s).
    pub shutdown_grace: Duration,
    /// Serve HTTPS (and WSS) with these PEM files instead of plain HTTP (needs the `tls`
    /// feature).
    pub tls: Option<Tls>,
    /// The bearer token a scraper of `/metrics` must send (`METRICS_TOKEN`); without one the
    /// path does not exist.
    pub metrics_token: Option<MetricsToken>,
}

/// The secret a metrics scraper sends as `Authorization: Bearer TOKEN`: at least
/// [`MetricsToken::MIN_LEN`] characters. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// The shortest token accepted.
    pub const MIN_LEN: usize = 16;

    /// `token`, if long enough.
    pub fn new(token: &str) -> Result<MetricsToken, EndpointError> {
        if token.chars().count() < Self::MIN_LEN || token.chars().any(char::is_whitespace) {
            return Err(EndpointError(format!(
                "METRICS_TOKEN must be at least {} characters without spaces (e.g. `openssl rand -hex 24`)",
                Self::MIN_LEN
            )));
        }
        Ok(MetricsToken(token.to_owned()))
    }

    /// Whether `headers` carry this token as a bearer token (compared in constant time).
    pub fn admits(&self, headers: &axum::http::HeaderMap) -> bool {
        let Some(sent) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        self.matches(sent)
    }

    /// Whether `sent` is this token (compared in constant time): what an operator types into
    /// a dashboard's lock, say.
    pub fn matches(&self, sent: &str) -> bool {
        use subtle::ConstantTimeEq as _;
        bool::from(sent.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

/// The certificate chain and private key an endpoint serves HTTPS with, as PEM files; relative
/// paths are relative to the working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// The certificate chain, leaf first.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

impl Default for Endpoint {
    fn default() -> Endpoint {
        Endpoint {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 4000,
            shutdown_grace: Duration::from_secs(5),
            tls: None,
            metrics_token: None,
        }
    }
}

/// Why the endpoint configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EndpointError(pub String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    http: Http,
    tls: Option<TlsFiles>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFiles {
    cert_file: PathBuf,
    key_file: PathBuf,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Http {
    host: Option<String>,
    port: Option<u16>,
    shutdown_grace_secs: Option<u64>,
}

impl Endpoint {
    /// Reads `text` (an `endpoint.toml`), then `HOST`, `PORT`, `TLS_CERT_FILE`,
    /// `TLS_KEY_FILE` and `METRICS_TOKEN` from `env` (which wins; the two TLS variables come
    /// together).
    pub fn from_toml(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Endpoint, EndpointError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|span| line_col(text, span.start));
            match at {
                Some((line, col)) => EndpointError(format!("{line}:{col}: {}", e.message())),
                None => EndpointError(e.message().to_owned()),
            }
        })?;
        let defaults = Endpoint::default();
        let host = match env("HOST").or(file.http.host) {
            None => defaults.host,
            Some(host) => host.parse().map_err(|_| {
                EndpointError(format!("host `{host}` is not an IP address (e.g. 127.0.0.1)"))
            })?,
        };
        let port = match env("PORT") {
            Some(port) => port
                .parse()
                .map_err(|_| EndpointError(format!("PORT `{port}` is not a port number")))?,
            None => file.http.port.unwrap_or(defaults.port),
        };
        let shutdown_grace =
            file.http.shutdown_grace_secs.map_or(defaults.shutdown_grace, Duration::from_secs);
        let tls = match (env("TLS_CERT_FILE"), env("TLS_KEY_FILE")) {
            (Some(cert), Some(key)) => {
                Some(Tls { cert_file: PathBuf::from(cert), key_file: PathBuf::from(key) })
            }
            (None, None) => file.tls.map(|t| Tls { cert_file: t.cert_file, key_file: t.key_file }),
            (Some(_), None) | (None, Some(_)) => {
                return Err(EndpointError(
                    "TLS_CERT_FILE and TLS_KEY_FILE must be set together".to_owned(),
                ));
            }
        };
        let metrics_token = env("METRICS_TOKEN").map(|t| MetricsToken::new(&t)).transpose()?;
        Ok(Endpoint { host, port, shutdown_grace, tls, metrics_token })
    }

    /// Reads the file at `path` (its absence means the defaults) and the process environment.
    pub fn load(path: &Path) -> Result<Endpoint, EndpointError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(EndpointError(format!("{}: {e}", path.display()))),
        };
        Endpoint::from_toml(&text, |name| std::env::var(name).ok())
            .map_err(|e| EndpointError(format!("{}:{}", path.display(), e.0)))
    }

    /// The address to listen on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// The URL a browser on this machine opens: `https` when the endpoint serves TLS itself,
    /// and the loopback address when it listens on every interface (`0.0.0.0`, `::`).
    pub fn local_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let host = match self.host {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            host => host,
        };
        format!("{scheme}://{}", SocketAddr::new(host, self.port))
    }

    /// Adds the health check, the metrics (with a token) and the layers every request goes
    /// through, outermost first: response counts and durations (for the metrics), request id
    /// (set, then echoed in the response), gzip compression, the body size limit
    /// (`max_body_bytes` of the live endpoint's `security.toml`).
    pub fn wrap(&self, router: Router, live: &Live) -> Router {
        let limit = crate::config::count(live.config().limits.max_body_bytes);
        // One stack, layered once: each `Router::layer` call boxes every route again, and a
        // boxed service is cloned per request.
        let stack = tower::ServiceBuilder::new()
            .layer(FrontLayer { live: live.clone(), ids: RequestIds::new() })
            .layer(CompressionLayer::new())
            .layer(RequestBodyLimitLayer::new(limit))
            .layer(DefaultBodyLimit::max(limit))
            .layer(GuardLayer { live: live.clone() });
        let mut router = router
            .route(HEALTH_PATH, get(crate::health::health).with_state(live.clone()))
            .route(LIVE_PATH, get(crate::health::live).with_state(live.clone()))
            .route(READY_PATH, get(crate::health::ready).with_state(live.clone()));
        if let Some(token) = &self.metrics_token {
            let state = (live.clone(), token.clone());
            router = router.route(METRICS_PATH, get(metrics).with_state(state));
        }
        router.layer(stack)
    }

    /// Serves `router` until Ctrl-C or SIGTERM, then shuts the live sessions down (close 1001)
    /// and waits up to the grace period for them to end. HTTPS when `tls` is set.
    pub async fn serve(&self, live: &Live, router: Router) -> std::io::Result<()> {
        let listener = std::net::TcpListener::bind(self.addr())?;
        let stopper = live.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            stopper.shutdown();
        });
        self.serve_on(listener, live, router).await
    }

    /// Serves `router` on `listener` (bound by the caller, e.g. to port 0 in a test) until
    /// [`Live::shutdown`], then waits up to the grace period for live sessions to end.
    pub async fn serve_on(
        &self,
        listener: std::net::TcpListener,
        live: &Live,
        router: Router,
    ) -> std::io::Result<()> {
        listener.set_nonblocking(true)?;
        let served = match &self.tls {
            None => {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                serve_plain(listener, live, router, self.shutdown_grace).await
            }
            Some(tls) => serve_tls(tls, listener, live, router, self.shutdown_grace).await,
        };
        live.drained(self.shutdown_grace).await;
        served
    }
}

/// Serves HTTP/1.1 (and its WebSocket upgrades) on `listener` until [`Live::shutdown`]: hyper
/// with a timer, so a client that sends its headers slower than `[limits] header_read_secs`
/// (slowloris) is cut off instead of holding a connection for ever; handlers see the peer
/// (`ConnectInfo<SocketAddr>`); no Nagle. At shutdown the listener closes, open connections
/// finish their request in flight, and the grace period bounds the wait.
async fn serve_plain(
    listener: tokio::net::TcpListener,
    live: &Live,
    router: Router,
    grace: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let header_read = Duration::from_secs(live.config().limits.header_read_secs);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read);
    let builder = builder.http1_only();
    let (signal, signals) = tokio::sync::watch::channel(());
    let (closed, close) = tokio::sync::watch::channel(());
    let stop = live.clone();
    let mut stopped = std::pin::pin!(async move { stop.shutdown_requested().await });
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Out of descriptors, or the peer gave up during the handshake: go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut stopped => break,
        };
        let _ = tcp.set_nodelay(true);
        let service = router.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request.map(axum::body::Body::new)
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(service);
        let builder = builder.clone();
        let mut signals = signals.clone();
        let close = close.clone();
        tokio::spawn(async move {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = signals.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
            drop(close);
        });
    }
    drop(listener);
    let _ = signal.send(());
    drop(close);
    let _ = tokio::time::timeout(grace, closed.closed()).await;
    Ok(())
}

/// `listener` with `TCP_NODELAY` on every connection it accepts: a response written in parts
/// (a static file's body after its head) must not wait for the client's delayed ACK, which
/// cost 40 ms a response on keep-alive connections (static files served at about a thousand
/// a second, `release/evidence/app.tsv`).
pub fn no_delay(listener: tokio::net::TcpListener) -> NoDelay {
    listener.tap_io(set_no_delay)
}

/// A listener whose connections have `TCP_NODELAY` ([`no_delay`]).
pub type NoDelay = axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)>;

fn set_no_delay(tcp: &mut tokio::net::TcpStream) {
    let _ = tcp.set_nodelay(true);
}

#[cfg(feature = "tls")]
async fn serve_tls(
    tls: &Tls,
    listener: std::net::TcpListener,
    live: &Live,
    router: Router,
    grace: Duration,
) -> std::io::Result<()> {
    let config = tls_config(tls)?;
    // As over plain HTTP, a client gets `[limits] header_read_secs` for its request's headers,
    // and as long for the TLS handshake before them.
    let header_read = Duration::from_secs(live.config().limits.header_read_secs);
    let handle = axum_server::Handle::new();
    let waiter = live.clone();
    let stopper = handle.clone();
    tokio::spawn(async move {
        waiter.shutdown_requested().await;
        stopper.graceful_shutdown(Some(grace));
    });
    // No Nagle, as without TLS.
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
        .handshake_timeout(header_read)
        .acceptor(axum_server::accept::NoDelayAcceptor::new());
    let mut server = axum_server::from_tcp(listener)?.acceptor(acceptor).handle(handle);
    server.http_builder().http1().header_read_timeout(header_read);
    server.serve(router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}

#[cfg(not(feature = "tls"))]
async fn serve_tls(
    _: &Tls,
    _: std::net::TcpListener,
    _: &Live,
    _: Router,
    _: Duration,
) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "TLS is configured but zero-live was built without its `tls` feature \
         (add `features = [\"tls\"]` to the zero-live dependency)",
    ))
}

/// The rustls server configuration of `tls` (ring; TLS 1.2 and 1.3; HTTP/1.1 by ALPN), with
/// the file at fault named in the error.
#[cfg(feature = "tls")]
fn tls_config(tls: &Tls) -> std::io::Result<axum_server::tls_rustls::RustlsConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let at = |path: &Path, e: &dyn std::fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display()))
    };
    let certs = CertificateDer::pem_file_iter(&tls.cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| at(&tls.cert_file, &e))?;
    if certs.is_empty() {
        return Err(at(&tls.cert_file, &"no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key_file).map_err(|e| at(&tls.key_file, &e))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| at(&tls.key_file, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(std::sync::Arc::new(config)))
}

/// Request ids: a random prefix per process and a counter (`3f2a9c1e-000000000042`), unique
/// across restarts without a system call per request.
#[derive(Debug, Clone)]
struct RequestIds {
    prefix: u32,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> RequestIds {
        RequestIds { prefix: rand::random(), next: std::sync::Arc::default() }
    }

    /// The next id: the prefix in hex, `-`, the counter in 12 decimal digits (it wraps after
    /// 10^12 requests of one process).
    fn next(&self) -> HeaderValue {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut id = [b'-'; 21];
        for (i, byte) in id[..8].iter_mut().enumerate() {
            *byte = HEX[(self.prefix >> (28 - 4 * i) & 0xf) as usize];
        }
        for byte in id[9..].iter_mut().rev() {
            *byte = b'0' + (n % 10) as u8;
            n /= 10;
        }
        HeaderValue::from_bytes(&id).unwrap_or_else(|_| HeaderValue::from_static("-"))
    }
}

/// The endpoint's outermost layer, one service for what every request needs: its id (the
/// client's `x-request-id` when it sent one, else a new one), handed to the handlers in the
/// request's headers and returned in the response's, and the response counted in the metrics
/// (status class and duration).
#[derive(Debug, Clone)]
struct FrontLayer {
    live: Live,
    ids: RequestIds,
}

impl<S> tower::Layer<S> for FrontLayer {
    type Service = Front<S>;

    fn layer(&self, inner: S) -> Front<S> {
        Front { inner, live: self.live.clone(), ids: self.ids.clone() }
    }
}

#[derive(Debug, Clone)]
struct Front<S> {
    inner: S,
    live: Live,
    ids: RequestIds,
}

impl<S, ReqBody, ResBody> tower::Service<axum::http::Request<ReqBody>> for Front<S>
where
    S: tower::Service<axum::http::Request<ReqBody>, Response = axum::http::Response<ResBody>>,
{
    type Response = axum::http::Response<ResBody>;
    type Error = S::Error;
    type Future = FrontFuture<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<ReqBody>) -> Self::Future {
        let started = std::time::Instant::now();
        let name = HeaderName::from_static(REQUEST_ID);
        let id = match request.headers().get(&name).filter(|id| is_request_id(id.as_bytes())) {
            Some(id) => id.clone(),
            None => {
                let id = self.ids.next();
                request.headers_mut().insert(name, id.clone());
                id
            }
        };
        let line = AccessLine::of(&request);
        let span = line.span(&id);
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        FrontFuture { inner, id: Some(id), started, live: self.live.clone(), span, line }
    }
}

/// Whether a client's `x-request-id` is kept: 1 to 200 visible ASCII characters (a proxy's or
/// load balancer's id); anything else is replaced by a new id.
fn is_request_id(id: &[u8]) -> bool {
    (1..=200).contains(&id.len()) && id.iter().all(|b| b.is_ascii_graphic())
}

/// What the access line names a request by: its method and route pattern, or the path for
/// a request no route matched, without its query. A route's own path is never written: it may
/// hold a token (`/users/log-in/{token}`).
struct AccessLine {
    method: axum::http::Method,
    route: Result<axum::extract::MatchedPath, Box<str>>,
}

impl AccessLine {
    fn of<B>(request: &axum::http::Request<B>) -> AccessLine {
        let route = match request.extensions().get::<axum::extract::MatchedPath>() {
            Some(route) => Ok(route.clone()),
            None => {
                let path = request.uri().path();
                Err(path.get(..path.len().min(200)).unwrap_or("/").into())
            }
        };
        AccessLine { method: request.method().clone(), route }
    }

    /// The span of the request (what a handler logs is written in it).
    fn span(&self, id: &HeaderValue) -> tracing::Span {
        let (id, method) = (id.to_str().unwrap_or("-"), self.method.as_str());
        match &self.route {
            Ok(route) => tracing::info_span!(
                target: "zero_live::access",
                "request",
                request_id = id,
                method,
                route = route.as_str()
            ),
            Err(path) => tracing::info_span!(
                target: "zero_live::access",
                "request",
                request_id = id,
                method,
                unmatched = &**path
            ),
        }
    }

    /// Writes the line, outside the request's span: it names the request itself, so it does
    /// not pay for the span's fields again.
    fn write(&self, id: &HeaderValue, status: u16, elapsed: std::time::Duration) {
        let (id, method) = (id.to_str().unwrap_or("-"), self.method.as_str());
        let duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        match &self.route {
            Ok(route) => tracing::info!(
                target: "zero_live::access",
                request_id = id,
                method,
                route = route.as_str(),
                status,
                duration_us
            ),
            Err(path) => tracing::info!(
                target: "zero_live::access",
                request_id = id,
                method,
                unmatched = &**path,
                status,
                duration_us
            ),
        }
    }
}

pin_project_lite::pin_project! {
    struct FrontFuture<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
        started: std::time::Instant,
        live: Live,
        span: tracing::Span,
        line: AccessLine,
    }
}

impl<F, B, E> std::future::Future for FrontFuture<F>
where
    F: std::future::Future<Output = Result<axum::http::Response<B>, E>>,
{
    type Output = Result<axum::http::Response<B>, E>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let entered = this.span.enter();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        drop(entered);
        let elapsed = this.started.elapsed();
        let status = response.status().as_u16();
        this.live.metrics().http(status, elapsed);
        if let Some(id) = this.id.take() {
            this.line.write(&id, status, elapsed);
            let name = HeaderName::from_static(REQUEST_ID);
            if !response.headers().contains_key(&name) {
                response.headers_mut().insert(name, id);
            }
        }
        std::task::Poll::Ready(Ok(response))
    }
}

/// The innermost layer of [`Endpoint::wrap`]: a request for a host outside `[network]
/// allowed_hosts` gets 400 before any route runs; every other request carries its
/// [`ClientAddr`](crate::ClientAddr) (through trusted proxies) for the per-client limits of
/// the live socket and of accounts.
#[derive(Debug, Clone)]
struct GuardLayer {
    live: Live,
}

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard { inner, live: self.live.clone() }
    }
}

#[derive(Debug, Clone)]
struct Guard<S> {
    inner: S,
    live: Live,
}

impl<S, B> tower::Service<axum::http::Request<B>> for Guard<S>
where
    S: tower::Service<axum::http::Request<B>, Response = axum::response::Response>,
{
    type Response = axum::response::Response;
    type Error = S::Error;
    type Future = futures_util::future::Either<
        std::future::Ready<Result<axum::response::Response, S::Error>>,
        S::Future,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::http::Request<B>) -> Self::Future {
        let refused = self.live.refuse_host(request.uri(), request.headers(), request.extensions());
        if let Some(refused) = refused {
            return futures_util::future::Either::Left(std::future::ready(Ok(refused)));
        }
        let addr = self.live.client_addr(request.extensions(), request.headers());
        let extensions = request.extensions_mut();
        extensions.insert(addr);
        extensions.insert(crate::server::HostChecked);
        futures_util::future::Either::Right(self.inner.call(request))
    }
}

/// Serves the files of `dir` under `prefix`: names with a content hash (`app.1a2b3c4d.css`)
/// are cached for a year as immutable, others revalidate on every use.
pub fn static_files(prefix: &str, dir: &Path) -> Router {
    let service = ServeDir::new(dir).append_index_html_on_directories(false);
    Router::new()
        .nest_service(prefix, service)
        .layer(axum::middleware::from_fn(cache_control))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Sets `Cache-Control` on a successful static response: immutable when the file name
/// carries a hash, revalidated otherwise.
async fn cache_control(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let hashed = request.uri().path().rsplit('/').next().is_some_and(is_hashed);
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=0, must-revalidate"
        };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Whether a file name carries a content hash: a dot-separated part of 8 or more hex digits
/// before the extension (`app.1a2b3c4d.css`).
pub fn is_hashed(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|p| p.len() >= 8 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Counts each response by status class, with the time to its head.
async fn metrics(
    State((live, token)): State<(Live, MetricsToken)>,
    headers: axum::http::HeaderMap,
) -> Response {
    if !token.admits(&headers) {
        let headers = [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")];
        return (StatusCode::UNAUTHORIZED, headers, "send METRICS_TOKEN as a bearer token")
            .into_response();
    }
    let headers = [
        (header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (StatusCode::OK, headers, live.metrics_text()).into_response()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_request_has_an_id_the_handler_sees_and_the_response_returns() {
        use tower::ServiceExt as _;
        let live = Live::builder().build();
        let echo = |headers: axum::http::HeaderMap| async move {
            headers.get(REQUEST_ID).map_or("none", |v| v.to_str().unwrap_or("bad")).to_owned()
        };
        let router = Endpoint::default().wrap(Router::new().route("/", get(echo)), &live);
        let call = |id: Option<&'static str>| {
            let mut request = axum::http::Request::get("/");
            if let Some(id) = id {
                request = request.header(REQUEST_ID, id);
            }
            router.clone().oneshot(request.body(axum::body::Body::empty()).unwrap())
        };
        // A client's id is kept; one the endpoint makes reaches the handler too.
        for sent in [Some("trace-7"), None] {
            let response = call(sent).await.unwrap();
            let returned = response.headers()[REQUEST_ID].to_str().unwrap().to_owned();
            let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
            assert_eq!(body, returned.as_bytes());
            match sent {
                Some(sent) => assert_eq!(returned, sent),
                None => assert_eq!(returned.len(), 21, "{returned}"),
            }
        }
        // A path no route matches still gets an id, and is counted.
        let missing = router
            .clone()
            .oneshot(axum::http::Request::get("/nope").body(axum::body::Body::empty()).unwrap());
        let missing = missing.await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(missing.headers().contains_key(REQUEST_ID));
        let text = live.metrics_text();
        assert!(text.contains("zero_live_http_responses_total{class=\"2xx\"} 2"), "{text}");
        assert!(text.contains("zero_live_http_responses_total{class=\"4xx\"} 1"), "{text}");
    }

    #[test]
    fn client_request_ids_are_kept_only_when_short_and_visible() {
        assert!(is_request_id(b"proxy-42") && is_request_id(&[b'a'; 200]));
        assert!(!is_request_id(b"") && !is_request_id(&[b'a'; 201]));
        assert!(!is_request_id(b"has space") && !is_request_id("é".as_bytes()));
    }

    #[tokio::test]
    async fn accepted_connections_have_no_nagle_and_plain_ones_do() {
        use axum::serve::Listener as _;
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = plain.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (stream, _) = plain.accept().await.unwrap();
        assert!(!stream.nodelay().unwrap(), "the kernel's default, which the endpoint changes");
        let mut listener = no_delay(plain);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (stream, _) = listener.accept().await;
        assert!(stream.nodelay().unwrap());
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_metrics_token_comes_from_the_environment_and_must_be_long() {
        let env = |token: &'static str| {
            move |name: &str| (name == "METRICS_TOKEN").then(|| token.to_owned())
        };
        let endpoint = Endpoint::from_toml("", env("0123456789abcdef")).unwrap();
        let token = endpoint.metrics_token.unwrap();
        assert_eq!(format!("{token:?}"), "MetricsToken(..)", "Debug never shows it");
        let mut headers = axum::http::HeaderMap::new();
        assert!(!token.admits(&headers), "no header");
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdef"));
        assert!(token.admits(&headers));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdeF"));
        assert!(!token.admits(&headers), "one character off");
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer 0123456789abcdef0"));
        assert!(!token.admits(&headers), "longer");
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer 0123456789abcdef"));
        assert!(!token.admits(&headers), "the scheme as RFC 6750 spells it");
        for bad in ["short", "0123456789abcde", "0123456789 abcdef"] {
            let e = Endpoint::from_toml("", env(bad)).unwrap_err().0;
            assert!(e.contains("METRICS_TOKEN must be at least 16 characters"), "{bad}: {e}");
        }
        assert_eq!(Endpoint::from_toml("", no_env).unwrap().metrics_token, None);
    }

    #[test]
    fn the_file_sets_what_it_names_and_the_environment_wins() {
        assert_eq!(Endpoint::from_toml("", no_env).unwrap(), Endpoint::default());
        let text = "[http]\nhost = \"0.0.0.0\"\nport = 8080\nshutdown_grace_secs = 1\n";
        let endpoint = Endpoint::from_toml(text, no_env).unwrap();
        assert_eq!(endpoint.addr().to_string(), "0.0.0.0:8080");
        assert_eq!(endpoint.shutdown_grace.as_secs(), 1);
        let env = |name: &str| (name == "PORT").then(|| "9000".to_owned());
        assert_eq!(Endpoint::from_toml(text, env).unwrap().port, 9000);
    }

    #[test]
    fn the_local_url_is_what_a_browser_on_this_machine_opens() {
        let url = |text: &str| Endpoint::from_toml(text, no_env).unwrap().local_url();
        assert_eq!(url(""), "http://127.0.0.1:4000");
        assert_eq!(url("[http]\nhost = \"0.0.0.0\"\nport = 8080\n"), "http://127.0.0.1:8080");
        assert_eq!(url("[http]\nhost = \"::\"\nport = 8080\n"), "http://[::1]:8080");
        assert_eq!(url("[http]\nhost = \"10.1.2.3\"\n"), "http://10.1.2.3:4000");
        let tls = Tls { cert_file: "c.pem".into(), key_file: "k.pem".into() };
        let tls = Endpoint { tls: Some(tls), ..Endpoint::default() };
        assert_eq!(tls.local_url(), "https://127.0.0.1:4000");
    }

    #[test]
    fn bad_values_are_refused_with_their_place() {
        let error = Endpoint::from_toml("[http]\nport = \"x\"\n", no_env).unwrap_err();
        assert!(error.0.starts_with("2:8:"), "{error}");
        let error = Endpoint::from_toml("[http]\nprot = 1\n", no_env).unwrap_err();
        assert!(error.0.contains("unknown field `prot`"), "{error}");
        let error = Endpoint::from_toml("[http]\nhost = \"localhost\"\n", no_env).unwrap_err();
        assert!(error.0.contains("not an IP address"), "{error}");
        let env = |name: &str| (name == "PORT").then(|| "eighty".to_owned());
        assert!(Endpoint::from_toml("", env).unwrap_err().0.contains("not a port"));
    }

    #[test]
    fn tls_comes_from_the_file_or_both_environment_variables() {
        assert_eq!(Endpoint::from_toml("", no_env).unwrap().tls, None);
        let text = "[tls]\ncert_file = \"certs/app.pem\"\nkey_file = \"certs/app.key\"\n";
        let tls = Endpoint::from_toml(text, no_env).unwrap().tls.unwrap();
        assert_eq!(tls.cert_file, PathBuf::from("certs/app.pem"));
        assert_eq!(tls.key_file, PathBuf::from("certs/app.key"));
        let env = |name: &str| match name {
            "TLS_CERT_FILE" => Some("/etc/app/cert.pem".to_owned()),
            "TLS_KEY_FILE" => Some("/etc/app/key.pem".to_owned()),
            _ => None,
        };
        let tls = Endpoint::from_toml(text, env).unwrap().tls.unwrap();
        assert_eq!(tls.cert_file, PathBuf::from("/etc/app/cert.pem"));
        // Half a configuration is refused, in the file and in the environment.
        let error = Endpoint::from_toml("[tls]\ncert_file = \"a.pem\"\n", no_env).unwrap_err();
        assert!(error.0.contains("missing field `key_file`"), "{error}");
        let env = |name: &str| (name == "TLS_KEY_FILE").then(|| "key.pem".to_owned());
        assert!(Endpoint::from_toml("", env).unwrap_err().0.contains("must be set together"));
    }

    #[test]
    fn request_ids_are_unique_and_share_the_process_prefix() {
        let ids = RequestIds { prefix: 0x3f2a_9c1e, next: std::sync::Arc::default() };
        ids.next.store(41, std::sync::atomic::Ordering::Relaxed);
        let (a, b) = (ids.next(), ids.clone().next());
        assert_eq!(a, "3f2a9c1e-000000000041");
        assert_eq!(b, "3f2a9c1e-000000000042");
        let random = RequestIds::new();
        let (c, d) = (random.next(), random.next());
        let (c, d) = (c.to_str().unwrap(), d.to_str().unwrap());
        assert_ne!(c, d);
        assert_eq!(c[..9], d[..9]);
        assert_eq!(c.len(), 21, "{c}");
    }

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed("app.1a2b3c4d.css") && is_hashed("counter.1a2b3c4d5e6f7a8b.js"));
        assert!(!is_hashed("app.css") && !is_hashed("logo.png") && !is_hashed("notes.v2.txt"));
    }
}
