//! Fixed response headers in one layer: what a pipeline adds to every response of its routes
//! (security headers, a marker), with one future a request instead of one layer a header.
//!
//! ```
//! use axum::http::{HeaderName, HeaderValue, header};
//! use zero_live::headers::ResponseHeaders;
//!
//! let layer = ResponseHeaders::new()
//!     .append(HeaderName::from_static("x-pipeline"), HeaderValue::from_static("browser"))
//!     .if_missing(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"))
//!     .overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
//! # let _ = layer;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service};

/// How a header meets the response's own headers of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Added beside any the response has.
    Append,
    /// Set only when the response has none (a handler's own value wins).
    IfMissing,
    /// Replaces any the response has.
    Override,
}

/// A layer that adds fixed headers to every response, in the order they were given.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ResponseHeaders {
    headers: Vec<(HeaderName, HeaderValue, Mode)>,
}

impl ResponseHeaders {
    /// No headers yet.
    pub fn new() -> ResponseHeaders {
        ResponseHeaders::default()
    }

    /// Adds `name: value` beside any value of `name` the response has.
    pub fn append(self, name: HeaderName, value: HeaderValue) -> ResponseHeaders {
        self.with(name, value, Mode::Append)
    }

    /// Sets `name: value` unless the response has a value of `name`.
    pub fn if_missing(self, name: HeaderName, value: HeaderValue) -> ResponseHeaders {
        self.with(name, value, Mode::IfMissing)
    }

    /// Sets `name: value`, replacing any value of `name` the response has.
    pub fn overriding(self, name: HeaderName, value: HeaderValue) -> ResponseHeaders {
        self.with(name, value, Mode::Override)
    }

    fn with(mut self, name: HeaderName, value: HeaderValue, mode: Mode) -> ResponseHeaders {
        self.headers.push((name, value, mode));
        self
    }
}

impl<S> Layer<S> for ResponseHeaders {
    type Service = SetHeaders<S>;

    fn layer(&self, inner: S) -> SetHeaders<S> {
        SetHeaders { inner, headers: self.headers.clone().into() }
    }
}

/// The service of [`ResponseHeaders`].
#[derive(Debug, Clone)]
pub struct SetHeaders<S> {
    inner: S,
    headers: Arc<[(HeaderName, HeaderValue, Mode)]>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SetHeaders<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = SetHeadersFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        SetHeadersFuture { inner: self.inner.call(request), headers: self.headers.clone() }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SetHeaders`].
    #[derive(Debug)]
    pub struct SetHeadersFuture<F> {
        #[pin]
        inner: F,
        headers: Arc<[(HeaderName, HeaderValue, Mode)]>,
    }
}

impl<F, B, E> Future for SetHeadersFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        let map = response.headers_mut();
        for (name, value, mode) in this.headers.iter() {
            match mode {
                Mode::Append => {
                    map.append(name.clone(), value.clone());
                }
                Mode::IfMissing => {
                    if !map.contains_key(name) {
                        map.insert(name.clone(), value.clone());
                    }
                }
                Mode::Override => {
                    map.insert(name.clone(), value.clone());
                }
            }
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::header;
    use axum::routing::get;
    use tower::ServiceExt as _;

    use super::*;

    fn app() -> Router {
        let own = || async {
            ([(header::X_FRAME_OPTIONS, "SAMEORIGIN"), (header::CACHE_CONTROL, "public")], "own")
        };
        Router::new().route("/own", get(own)).route("/plain", get(|| async { "plain" })).layer(
            ResponseHeaders::new()
                .append(HeaderName::from_static("x-pipeline"), HeaderValue::from_static("browser"))
                .if_missing(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"))
                .overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        )
    }

    async fn headers(path: &str) -> axum::http::HeaderMap {
        let request = Request::get(path).body(Body::empty()).unwrap();
        app().oneshot(request).await.unwrap().headers().clone()
    }

    #[tokio::test]
    async fn headers_are_added_kept_or_replaced_by_mode() {
        let plain = headers("/plain").await;
        assert_eq!(plain["x-pipeline"], "browser");
        assert_eq!(plain[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(plain[header::CACHE_CONTROL], "no-store");
        // A handler's own value wins over `if_missing`, loses to `overriding`.
        let own = headers("/own").await;
        let frame: Vec<_> = own.get_all(header::X_FRAME_OPTIONS).iter().collect();
        assert_eq!(frame, ["SAMEORIGIN"]);
        let cache: Vec<_> = own.get_all(header::CACHE_CONTROL).iter().collect();
        assert_eq!(cache, ["no-store"]);
    }

    #[tokio::test]
    async fn appended_headers_add_to_the_responses_own() {
        let layered =
            Router::new().route("/", get(|| async { ([("x-pipeline", "inner")], "x") })).layer(
                ResponseHeaders::new().append(
                    HeaderName::from_static("x-pipeline"),
                    HeaderValue::from_static("outer"),
                ),
            );
        let request = Request::get("/").body(Body::empty()).unwrap();
        let response = layered.oneshot(request).await.unwrap();
        let values: Vec<_> = response.headers().get_all("x-pipeline").iter().collect();
        assert_eq!(values, ["inner", "outer"]);
    }
}
