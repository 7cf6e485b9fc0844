//! Static files served from memory: the files an app's build script embedded
//! (`zero_template::embed::Embed::tree`), so a binary copied alone serves them.
//!
//! - Each file is answered with its content type (by extension), a strong `ETag` (a hash of
//!   its bytes) and `Cache-Control`: a year and `immutable` for a name with a content hash in it
//!   (`app.1a2b3c4d.css`), otherwise `max-age=0, must-revalidate`, so a browser asks again and
//!   gets `304 Not Modified` while its copy is current.
//! - Compressible files (text, scripts, styles, SVG, JSON, WebAssembly) are sent brotli- or
//!   gzip-encoded when the request accepts it (brotli first); each encoding is made once per
//!   process, on the first request that asks for it, and kept only when it is smaller.
//! - `HEAD` answers the same headers without the body; a path that is not a file is `404`.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The files of an embedded folder: relative path and bytes.
pub type Files = &'static [(&'static str, &'static [u8])];

/// One file and what is sent for it.
struct File {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
    cache_control: HeaderValue,
    compressible: bool,
    /// The brotli and gzip encodings, made on first use; `None` when not smaller.
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

/// The files of one folder, by path under the prefix their route serves them at.
struct Table {
    /// `/assets/`: what a request's path starts with.
    prefix: String,
    files: HashMap<&'static str, File>,
}

/// `files` served under `prefix` (`/assets`), from memory.
pub fn embedded(prefix: &str, files: Files) -> Router {
    let files = files.iter().map(|&(name, body)| (name, File::new(name, body))).collect();
    let prefix = format!("{}/", prefix.trim_end_matches('/'));
    let route = format!("{prefix}{{*path}}");
    let table = Arc::new(Table { prefix, files });
    Router::new().route(&route, axum::routing::get(serve).with_state(table))
}

impl File {
    fn new(name: &str, body: &'static [u8]) -> File {
        let (content_type, compressible) = content_type(name);
        let hash = Sha256::digest(body);
        let hex: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let hashed = name.rsplit('/').next().is_some_and(crate::endpoint::is_hashed);
        File {
            body: Bytes::from_static(body),
            content_type: HeaderValue::from_static(content_type),
            etag: HeaderValue::from_str(&format!("\"{hex}\""))
                .unwrap_or(HeaderValue::from_static("\"0\"")),
            cache_control: HeaderValue::from_static(if hashed {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=0, must-revalidate"
            }),
            compressible,
            brotli: OnceLock::new(),
            gzip: OnceLock::new(),
        }
    }

    /// The body in `encoding`, if that encoding is smaller than the file (a shared buffer:
    /// sending it copies nothing).
    fn encoded(&self, encoding: Encoding) -> Option<&Bytes> {
        let (cell, make): (_, Compress) = match encoding {
            Encoding::Brotli => (&self.brotli, brotli),
            Encoding::Gzip => (&self.gzip, gzip),
        };
        let made = cell.get_or_init(|| {
            make(&self.body).filter(|e| e.len() < self.body.len()).map(Bytes::from)
        });
        made.as_ref()
    }
}

/// Makes one encoding of a file's bytes.
type Compress = fn(&[u8]) -> Option<Vec<u8>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The headers a file's response carries at most: type, `nosniff`, encoding, `ETag`,
/// caching and `Vary` (the endpoint adds the request id).
const RESPONSE_HEADERS: usize = 7;

/// Answers a file. The request is taken whole, not its parts: the headers are read where they
/// are instead of copied, and the path is the URI's own (decoded only when it has a `%`).
async fn serve(State(table): State<Arc<Table>>, request: Request) -> Response {
    let path = request.uri().path().strip_prefix(table.prefix.as_str()).unwrap_or_default();
    let decoded = if path.contains('%') {
        percent_encoding::percent_decode_str(path).decode_utf8().ok()
    } else {
        Some(path.into())
    };
    let Some(file) = decoded.and_then(|path| table.files.get(&*path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let headers = request.headers();
    let mut response = if fresh(headers, &file.etag) {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let chosen = file
            .compressible
            .then(|| accepted(headers))
            .into_iter()
            .flatten()
            .find_map(|encoding| file.encoded(encoding).map(|body| (encoding, body)));
        let (body, encoding) = match chosen {
            Some((encoding, body)) => (body.clone(), Some(encoding)),
            None => (file.body.clone(), None),
        };
        let mut response = Response::new(Body::from(body));
        let out = response.headers_mut();
        out.reserve(RESPONSE_HEADERS);
        out.insert(header::CONTENT_TYPE, file.content_type.clone());
        out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        if let Some(encoding) = encoding {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.name()));
        }
        response
    };
    let out = response.headers_mut();
    out.insert(header::ETAG, file.etag.clone());
    out.insert(header::CACHE_CONTROL, file.cache_control.clone());
    if file.compressible {
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`).
fn fresh(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(wanted) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let etag = etag.to_str().unwrap_or("");
    wanted.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// The encodings `Accept-Encoding` allows, brotli first; `q=0` refuses one.
fn accepted(headers: &HeaderMap) -> Vec<Encoding> {
    let mut brotli = false;
    let mut gzip = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim().strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>() == Ok(0.0))
            });
            match name {
                "br" => brotli = !refused,
                "gzip" => gzip = !refused,
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if brotli {
        out.push(Encoding::Brotli);
    }
    if gzip {
        out.push(Encoding::Gzip);
    }
    out
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 3);
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// The content type of a file name, and whether compressing it pays.
pub(crate) fn content_type(name: &str) -> (&'static str, bool) {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "css" => ("text/css; charset=utf-8", true),
        "js" | "mjs" => ("text/javascript; charset=utf-8", true),
        "html" | "htm" => ("text/html; charset=utf-8", true),
        "txt" => ("text/plain; charset=utf-8", true),
        "json" | "map" => ("application/json", true),
        "webmanifest" => ("application/manifest+json", true),
        "xml" => ("application/xml", true),
        "svg" => ("image/svg+xml", true),
        "wasm" => ("application/wasm", true),
        "ico" => ("image/x-icon", true),
        "png" => ("image/png", false),
        "jpg" | "jpeg" => ("image/jpeg", false),
        "gif" => ("image/gif", false),
        "webp" => ("image/webp", false),
        "avif" => ("image/avif", false),
        "woff" => ("font/woff", false),
        "woff2" => ("font/woff2", false),
        "ttf" => ("font/ttf", true),
        "otf" => ("font/otf", true),
        "pdf" => ("application/pdf", false),
        _ => ("application/octet-stream", false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt as _;

    static CSS: &[u8] = b"body { color: red; margin: 0; padding: 0; } body { color: red; margin: 0; padding: 0; } body { color: red; }";
    static FILES: Files = &[
        ("app.css", CSS),
        ("app.1a2b3c4d5e6f.css", CSS),
        ("img/logo.png", b"\x89PNG\r\n\x1a\n not really"),
        ("my file.txt", b"spaced"),
    ];

    async fn get(router: &Router, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = axum::http::Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(axum::body::Body::empty()).unwrap_or_default();
        match router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    async fn body(response: Response) -> Vec<u8> {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await;
        bytes.map(|b| b.to_vec()).unwrap_or_default()
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[tokio::test]
    async fn files_are_served_with_type_etag_and_cache_policy_by_name() {
        let assets = embedded("/assets", FILES);
        let plain = get(&assets, "/assets/app.css", &[]).await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(header(&plain, header::CONTENT_TYPE), "text/css; charset=utf-8");
        assert_eq!(header(&plain, header::CACHE_CONTROL), "public, max-age=0, must-revalidate");
        assert_eq!(header(&plain, header::CONTENT_ENCODING), "");
        assert_eq!(header(&plain, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let etag = header(&plain, header::ETAG).to_owned();
        assert!(etag.starts_with('"') && etag.len() == 26, "{etag}");
        assert_eq!(body(plain).await, CSS);
        let hashed = get(&assets, "/assets/app.1a2b3c4d5e6f.css", &[]).await;
        assert_eq!(header(&hashed, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
        let png = get(&assets, "/assets/img/logo.png", &[("accept-encoding", "br, gzip")]).await;
        assert_eq!(header(&png, header::CONTENT_TYPE), "image/png");
        assert_eq!(header(&png, header::CONTENT_ENCODING), "", "an image is not recompressed");
        assert_eq!(get(&assets, "/assets/missing.css", &[]).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(get(&assets, "/assets/img", &[]).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            get(&assets, "/assets/../Cargo.toml", &[]).await.status(),
            StatusCode::NOT_FOUND
        );
        // A name is matched decoded; a path that does not decode to UTF-8 is not a file.
        let spaced = get(&assets, "/assets/my%20file.txt", &[]).await;
        assert_eq!(spaced.status(), StatusCode::OK);
        assert_eq!(body(spaced).await, b"spaced");
        let invalid = get(&assets, "/assets/my%FFfile.txt", &[]).await;
        assert_eq!(invalid.status(), StatusCode::NOT_FOUND);
        assert_eq!(get(&assets, "/assets/", &[]).await.status(), StatusCode::NOT_FOUND);
        // HEAD: the headers of GET, no body.
        let request = axum::http::Request::head("/assets/app.css").body(Body::empty());
        let head = assets.clone().oneshot(request.unwrap_or_default()).await;
        let head = head.unwrap_or_else(|never| match never {});
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(header(&head, header::CONTENT_TYPE), "text/css; charset=utf-8");
        assert!(body(head).await.is_empty());
    }

    #[tokio::test]
    async fn a_current_copy_gets_304_and_a_stale_one_the_file() {
        let assets = embedded("/assets", FILES);
        let etag = header(&get(&assets, "/assets/app.css", &[]).await, header::ETAG).to_owned();
        let current = get(&assets, "/assets/app.css", &[("if-none-match", &etag)]).await;
        assert_eq!(current.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&current, header::ETAG), etag);
        assert!(body(current).await.is_empty());
        let listed = format!("\"other\", W/{etag}");
        let weak = get(&assets, "/assets/app.css", &[("if-none-match", &listed)]).await;
        assert_eq!(weak.status(), StatusCode::NOT_MODIFIED);
        let stale = get(&assets, "/assets/app.css", &[("if-none-match", "\"other\"")]).await;
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(body(stale).await, CSS);
    }

    #[tokio::test]
    async fn brotli_then_gzip_as_accepted_and_each_decodes_to_the_file() {
        let assets = embedded("/assets", FILES);
        let br = get(&assets, "/assets/app.css", &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(header(&br, header::CONTENT_ENCODING), "br");
        assert_eq!(header(&br, header::VARY), "accept-encoding");
        let compressed = body(br).await;
        assert!(compressed.len() < CSS.len());
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &compressed[..], &mut plain).unwrap_or_default();
        assert_eq!(plain, CSS);
        let gz = get(&assets, "/assets/app.css", &[("accept-encoding", "gzip, br;q=0")]).await;
        assert_eq!(header(&gz, header::CONTENT_ENCODING), "gzip");
        let compressed = body(gz).await;
        let mut plain = Vec::new();
        let mut decoder = flate2::read::GzDecoder::new(&compressed[..]);
        std::io::Read::read_to_end(&mut decoder, &mut plain).unwrap_or_default();
        assert_eq!(plain, CSS);
        let none =
            get(&assets, "/assets/app.css", &[("accept-encoding", "identity, gzip;q=0")]).await;
        assert_eq!(header(&none, header::CONTENT_ENCODING), "");
        assert_eq!(body(none).await, CSS);
    }

    #[test]
    fn a_tiny_file_is_sent_as_it_is_when_compressing_would_grow_it() {
        let file = File::new("a.css", b"a{}");
        assert_eq!(file.encoded(Encoding::Gzip), None);
        assert_eq!(file.encoded(Encoding::Brotli), None);
    }
}
