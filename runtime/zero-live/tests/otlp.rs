#![allow(clippy::unwrap_used)]
//! The `otlp` feature against a receiver this test starts on loopback: the endpoint's
//! `request` spans reach it over OTLP/HTTP as protobuf, named by their route pattern with the
//! request id and method, under the service's name, and nothing of the path's token or the
//! query does.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderMap;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message as _;
use zero_live::logs::{Capture, Format, Logs};
use zero_live::otlp::Otlp;

mod support;

/// What the receiver was sent: each POST's content type and body.
type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

async fn receiver() -> (std::net::SocketAddr, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                kept.lock().unwrap().push((kind, body));
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, received)
}

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

fn text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(Any::StringValue(s)) => s.clone(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_reach_a_collector_named_by_route_without_secrets() {
    let (collector, received) = receiver().await;
    let otlp = Otlp { endpoint: format!("http://{collector}"), service: "otlp-test".to_owned() };
    let traces =
        Logs::new("info", Format::Json).with_otlp(otlp).install(Capture::default()).unwrap();
    assert!(traces.exporting());

    let (live, addr) = support::serve("/users/log-in/{token}", "logged in").await;
    let answer = get(addr, "/users/log-in/SECRET-TOKEN-1?next=SECRET-QUERY-2").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Dropping the guard sends what the batch holds (on the exporter's thread).
    tokio::task::spawn_blocking(move || drop(traces)).await.unwrap();
    live.shutdown();

    let received = received.lock().unwrap().clone();
    assert!(!received.is_empty(), "the collector received nothing");
    let mut spans = Vec::new();
    for (kind, body) in &received {
        assert_eq!(kind, "application/x-protobuf");
        let request = ExportTraceServiceRequest::decode(body.clone()).unwrap();
        for resource in request.resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|a| a.key == "service.name")
                .map(|a| text(a.value.as_ref()));
            assert_eq!(service.as_deref(), Some("otlp-test"));
            for scope in resource.scope_spans {
                spans.extend(scope.spans);
            }
        }
    }
    let attributes = |span: &opentelemetry_proto::tonic::trace::v1::Span| {
        span.attributes
            .iter()
            .map(|a| (a.key.clone(), text(a.value.as_ref())))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let request = spans
        .iter()
        .find(|s| {
            s.name == "request"
                && attributes(s).get("route").map(String::as_str) == Some("/users/log-in/{token}")
        })
        .unwrap_or_else(|| panic!("no request span: {spans:#?}"));
    let fields = attributes(request);
    assert_eq!(fields.get("method").map(String::as_str), Some("GET"), "{fields:?}");
    assert!(fields.get("request_id").is_some_and(|id| !id.is_empty()), "{fields:?}");
    assert!(request.end_time_unix_nano >= request.start_time_unix_nano);
    assert_eq!(request.trace_id.len(), 16);
    let everything = format!("{spans:?}");
    assert!(!everything.contains("SECRET-TOKEN-1"), "the path's token was exported");
    assert!(!everything.contains("SECRET-QUERY-2"), "the query was exported");
}
