//! The table's types: one struct per `[section]`, one field per key, documented once.

use serde::{Deserialize, Serialize};

/// Security defaults: content security policy, origins, limits, rate limits, token lifetimes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// The Content-Security-Policy header every page is served with.
    pub csp: Csp,
    /// Which origins may open a live socket.
    pub origins: Origins,
    /// Size limits.
    pub limits: Limits,
    /// Rate limits per client.
    pub rate_limits: RateLimits,
    /// Lifetimes of signed tokens.
    pub tokens: Tokens,
    /// Socket liveness.
    pub heartbeat: Heartbeat,
    /// Which hosts the app answers and which proxies it believes about the client's address.
    #[serde(default)]
    pub network: Network,
    /// Account mail (apps with `zerogen auth`); the environment overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<Mail>,
}

/// Account mail: who it is from and where its links point. `MAIL_FROM` and `APP_URL` in the
/// environment override these; the SMTP server (`SMTP_URL`, which holds a password) is only
/// ever read from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Mail {
    /// The sender, `Name <address>` or an address.
    pub from: Option<String>,
    /// The URL links in mail start with, e.g. `https://example.com`.
    pub base_url: Option<String>,
}

/// Content-Security-Policy directives; each is a list of sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Csp {
    /// `default-src`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub default_src: Vec<String>,
    /// `script-src`; must not allow `'unsafe-inline'` or `'unsafe-eval'`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub script_src: Vec<String>,
    /// `style-src`; must not allow `'unsafe-inline'`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub style_src: Vec<String>,
    /// `img-src`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub img_src: Vec<String>,
    /// `connect-src` (the live socket connects to `'self'`).
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub connect_src: Vec<String>,
    /// `frame-ancestors`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub frame_ancestors: Vec<String>,
}

/// Origin checks at socket upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Origins {
    /// Refuse upgrades whose `Origin` is not the page's own host or in `allow`.
    pub check_origin: bool,
    /// Extra allowed origins, as `scheme://host[:port]`.
    pub allow: Vec<String>,
}

/// Size limits, in bytes unless named otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest HTTP request body.
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    pub max_body_bytes: u64,
    /// Largest WebSocket frame.
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    pub max_frame_bytes: u64,
    /// Largest WebSocket message (frames reassembled); at least `max_frame_bytes`.
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    pub max_message_bytes: u64,
    /// Largest upload, all chunks together.
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    pub max_upload_bytes: u64,
    /// Uploaded bytes one live session may hold at once (received and not yet consumed or
    /// cancelled, over all its uploads); an upload past it is refused `quota_exceeded`.
    /// Optional (default 67108864, 64 MiB).
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    #[serde(default = "default_max_session_upload_bytes")]
    pub max_session_upload_bytes: u64,
    /// Uploaded bytes the live sessions of one scope (a view's `Upload::scoped` key: a user,
    /// an organization) may hold at once, over all their sessions on this endpoint; an upload
    /// past it is refused `quota_exceeded`. Optional (default 268435456, 256 MiB).
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    #[serde(default = "default_max_scope_upload_bytes")]
    pub max_scope_upload_bytes: u64,
    /// The size of the chunks an upload is sent in (a view may choose its own); with the frame
    /// header it must fit `max_frame_bytes`. Optional (default 262144, 256 KiB).
    #[cfg_attr(feature = "schema", schemars(range(min = 1024)))]
    #[serde(default = "default_upload_chunk_bytes")]
    pub upload_chunk_bytes: u64,
    /// Chunks of one upload a client may send before the first is acknowledged. Optional
    /// (default 4).
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 64)))]
    #[serde(default = "default_upload_window")]
    pub upload_window: u32,
    /// Messages a live session's mailbox holds; a message that finds it full is dropped for that session and counted (senders never wait).
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 65536)))]
    pub mailbox_capacity: u32,
    /// Live sockets one client (IP) may hold open; more are refused with close 4009.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub max_sessions_per_client: u32,
    /// Live sockets the server holds open at once; further upgrades are refused with 503.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub max_connections: u32,
    /// Frames one turn of a session may queue for its socket; more close it as a slow consumer.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 65536)))]
    pub outbound_queue: u32,
    /// Malformed, unknown or misdirected frames a socket may send; the next one closes it
    /// with 1008. Optional (default 10) in tables written before it existed.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    #[serde(default = "default_max_protocol_errors")]
    pub max_protocol_errors: u32,
    /// Seconds a connection may take to send a request's headers, and over TLS as long again
    /// for the handshake (slow clients holding connections open are cut off). Optional
    /// (default 10).
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    #[serde(default = "default_header_read_secs")]
    pub header_read_secs: u64,
}

/// Rate limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Sustained frames per second per socket: events and every other frame, malformed ones
    /// included. A frame over the limit is answered `rate_limited` and dropped.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub events_per_second: u32,
    /// Burst of frames above the sustained rate.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub event_burst: u32,
    /// Socket joins per minute per client; more are refused with close 4029.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub joins_per_minute: u32,
    /// Login attempts per hour per account or client: magic links asked for, links and
    /// passwords tried.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub login_attempts_per_hour: u32,
    /// Registrations per hour per client and per email address.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub registrations_per_hour: u32,
}

/// Token lifetimes, in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    /// Signed live-session token embedded in the page.
    #[cfg_attr(feature = "schema", schemars(range(min = 60)))]
    pub session_token_secs: u64,
    /// The HTTP CSRF token (its signed cookie and the forms' hidden field): older ones are
    /// refused and a fresh one is issued.
    #[cfg_attr(feature = "schema", schemars(range(min = 60)))]
    pub csrf_token_secs: u64,
    /// A login's session token (its HttpOnly cookie): valid this long after it was issued or
    /// last renewed.
    #[cfg_attr(feature = "schema", schemars(range(min = 60)))]
    pub login_session_secs: u64,
    /// "Remember me": the longest a login lasts, renewals included, before the user logs in
    /// again.
    #[cfg_attr(feature = "schema", schemars(range(min = 60)))]
    pub remember_me_secs: u64,
    /// Magic-link login token.
    #[cfg_attr(feature = "schema", schemars(range(min = 60, max = 86400)))]
    pub magic_link_secs: u64,
    /// How long after login sensitive actions are allowed without re-authentication.
    #[cfg_attr(feature = "schema", schemars(range(min = 60)))]
    pub sudo_window_secs: u64,
}

/// Heartbeat and idle handling, in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// The client sends a heartbeat this often; the server tells it at every join.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub interval_secs: u64,
    /// The server closes a socket silent for this long; more than `interval_secs`.
    #[cfg_attr(feature = "schema", schemars(range(min = 2)))]
    pub timeout_secs: u64,
    /// A socket that has not joined a view this long after it opened is closed with 4008.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub idle_session_secs: u64,
}

/// The network the app is reached through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Hosts the app answers, matched against the request's `Host` without its port: a name
    /// (`example.com`), a name with a leading dot for it and its subdomains (`.example.com`),
    /// or `*` for any. A request for another host gets 400 (one that names no host, as
    /// HTTP/1.0 may, is served).
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `Forwarded` or `X-Forwarded-For` header is believed, as addresses or CIDR
    /// ranges (`10.0.0.0/8`). The client address every per-client limit keys on is the TCP
    /// peer, or, when the peer is one of these, the nearest address in the header that is not.
    pub trusted_proxies: Vec<String>,
    /// Hosts a view may send the browser to with `Context::redirect_external` (exact names);
    /// every other redirect, navigation and patch over the socket stays on the app's own site.
    #[serde(default)]
    pub redirect_hosts: Vec<String>,
}

impl Default for Network {
    /// Local development: the loopback names, no proxy.
    fn default() -> Network {
        Network {
            allowed_hosts: ["localhost", "127.0.0.1", "[::1]"].map(str::to_owned).to_vec(),
            trusted_proxies: Vec::new(),
            redirect_hosts: Vec::new(),
        }
    }
}

fn default_upload_chunk_bytes() -> u64 {
    256 * 1024
}

fn default_upload_window() -> u32 {
    4
}

fn default_max_session_upload_bytes() -> u64 {
    64 * 1024 * 1024
}

fn default_max_scope_upload_bytes() -> u64 {
    256 * 1024 * 1024
}

fn default_max_protocol_errors() -> u32 {
    10
}

fn default_header_read_secs() -> u64 {
    10
}
