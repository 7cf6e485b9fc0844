//! Pipelines: the middleware stacks `spec/routes.tsv` names. Each takes the router of its routes
//! (and the endpoint, for what its layers need of it) and wraps them with one `route_layer` (so a
//! path no route matches never runs a pipeline) of a `ServiceBuilder` stack, whose first layer
//! runs first on a request. One stack, not one `route_layer` per middleware: each call boxes
//! every route again.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower::ServiceBuilder;
use zero_live::Live;
use zero_live::headers::ResponseHeaders;

/// The header each pipeline adds its name to, so a response says which stack served it.
pub const PIPELINE_HEADER: &str = "x-pipeline";

/// A pipeline's headers, starting with its name in [`PIPELINE_HEADER`].
fn marked(name: &'static str) -> ResponseHeaders {
    ResponseHeaders::new()
        .append(HeaderName::from_static(PIPELINE_HEADER), HeaderValue::from_static(name))
}

/// Pages for browsers: no framing, no MIME sniffing, a same-origin referrer, no powerful
/// features by default (a handler's own value of these headers wins); a request that is not
/// GET, HEAD, OPTIONS or TRACE must carry the CSRF token of its cookie (`zero_live::csrf`), and
/// a handler finds the token for its forms in the `csrf::CsrfToken` extension.
pub fn browser(router: Router, live: &Live) -> Router {
    router.route_layer(
        ServiceBuilder::new()
            .layer(
                marked("browser")
                    .if_missing(
                        HeaderName::from_static("permissions-policy"),
                        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
                    )
                    .if_missing(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"))
                    .if_missing(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))
                    .if_missing(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            )
            // After the headers: a refused request still gets them.
            .layer(live.csrf()),
    )
}

/// Static files: served as they are. No CSRF check (they are only read) and so no cookie: a
/// response that sets one is not kept by a shared cache, and every asset of a first visit would
/// carry a fresh one. `zero_live::static_files` sets their type, `nosniff`, `ETag` and caching.
pub fn assets(router: Router, _live: &Live) -> Router {
    router
}

/// JSON endpoints: never cached, never sniffed. No CSRF check: an API authenticates its callers
/// by a header of theirs, not by a cookie a browser sends on its own.
pub fn api(router: Router, _live: &Live) -> Router {
    router.route_layer(
        marked("api")
            .if_missing(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))
            .overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    )
}
