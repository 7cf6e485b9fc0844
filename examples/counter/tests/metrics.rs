#![allow(clippy::unwrap_used)]
//! The metrics endpoint over real HTTP: `/metrics` exists only with a `METRICS_TOKEN`, answers
//! 401 to a request without it or with another, and with it the Prometheus text in which every
//! response the endpoint gave was counted.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zero_live::LiveConfig;
use zero_live::endpoint::{Endpoint, MetricsToken};

const TOKEN: &str = "a-long-enough-test-token";

/// Serves the counter behind `endpoint` on a loopback port.
fn serve(endpoint: Endpoint) -> u16 {
    let live = counter::live(LiveConfig::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = endpoint.wrap(live.router(), &live);
    tokio::spawn(async move { endpoint.serve_on(listener, &live, router).await });
    port
}

/// One HTTP/1.1 GET with `headers`; the status and the body.
async fn get(port: u16, path: &str, headers: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_answer_only_the_token_and_count_every_response() {
    let token = MetricsToken::new(TOKEN).unwrap();
    let port = serve(Endpoint { port: 0, metrics_token: Some(token), ..Endpoint::default() });
    assert_eq!(get(port, "/", "").await.0, 200);
    assert_eq!(get(port, "/no-such-page", "").await.0, 404);
    let (status, body) = get(port, "/metrics", "").await;
    assert_eq!(status, 401, "no token: {body}");
    assert!(!body.contains("zero_live_"), "{body}");
    let (status, _) =
        get(port, "/metrics", "Authorization: Bearer a-long-enough-test-tokeX\r\n").await;
    assert_eq!(status, 401, "another token");
    let (status, _) = get(port, "/metrics", &format!("Authorization: Basic {TOKEN}\r\n")).await;
    assert_eq!(status, 401, "another scheme");
    let (status, text) = get(port, "/metrics", &format!("Authorization: Bearer {TOKEN}\r\n")).await;
    assert_eq!(status, 200, "{text}");
    // The page and the three refused scrapes were counted before this scrape.
    assert_eq!(sample(&text, "zero_live_http_responses_total{class=\"2xx\"}"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "zero_live_http_responses_total{class=\"4xx\"}"), Some(4.0), "{text}");
    assert_eq!(sample(&text, "zero_live_http_duration_seconds_count"), Some(5.0), "{text}");
    assert_eq!(sample(&text, "zero_live_sockets_open"), Some(0.0));
    assert!(text.contains("# TYPE zero_live_event_duration_seconds histogram"));
}

#[tokio::test]
async fn without_a_token_there_is_no_metrics_path() {
    let port = serve(Endpoint { port: 0, ..Endpoint::default() });
    let (status, body) = get(port, "/metrics", &format!("Authorization: Bearer {TOKEN}\r\n")).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(get(port, "/health", "").await.0, 200);
}

/// A session's events reach the per-view histogram, their answers the size histogram and its
/// end the lifetime histogram; the app's own counter and gauge and the process's gauges follow.
#[tokio::test]
async fn sessions_views_the_process_and_the_apps_own_metrics_are_counted() {
    let posts = zero_live::metrics::Counter::new();
    let live = counter::builder(LiveConfig::default())
        .counter("counter_clicks_total", "Clicks seen by the app.", &posts)
        .gauge("counter_queue_length", "Always seven.", || 7.0)
        .build();
    let server = zero_live::testing::TestServer::start(live.router(), live.clone()).await.unwrap();
    let mut view = server.live("/").await.unwrap();
    for _ in 0..3 {
        view.event("inc", serde_json::json!({})).await.unwrap();
        posts.inc();
    }
    view.disconnect().await.unwrap();
    let mut ended = false;
    for _ in 0..400 {
        if live.metrics_text().contains("zero_live_session_duration_seconds_count 1\n") {
            ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(ended, "{}", live.metrics_text());
    let text = live.metrics_text();
    let has = |line: &str| text.lines().any(|l| l == line);
    assert!(
        has("zero_live_view_event_duration_seconds_count{view=\"counter::Counter\"} 3"),
        "{text}"
    );
    assert!(has("zero_live_view_event_duration_seconds_count{view=\"counter::Notes\"} 0"));
    assert!(has("zero_live_event_answer_bytes_count 3"), "{text}");
    assert!(has("zero_live_event_answer_bytes_bucket{le=\"64\"} 0"), "a reply is not empty");
    assert!(text.contains("zero_live_turn_frames_count "), "{text}");
    assert!(has("counter_clicks_total 3") && has("counter_queue_length 7"), "{text}");
    assert!(
        text.contains("\nprocess_open_fds ") && text.contains("\nprocess_resident_memory_bytes ")
    );
}

/// The figures count each session under the view it shows: a live navigation moves it.
#[tokio::test]
async fn sessions_are_counted_by_the_view_they_show_after_a_navigation() {
    let live = counter::live(LiveConfig::default());
    let server = zero_live::testing::TestServer::start(live.router(), live.clone()).await.unwrap();
    let mut counter_page = server.live("/").await.unwrap();
    let _clock = server.live("/clock").await.unwrap();
    let by_view = || {
        let views = live.snapshot().views;
        let open = views.iter().filter(|v| v.sessions > 0);
        open.map(|v| (v.view.rsplit("::").next().unwrap_or(v.view), v.sessions)).collect::<Vec<_>>()
    };
    assert_eq!(by_view(), [("Clock", 1), ("Counter", 1)]);
    counter_page.navigate("/notes").await.unwrap();
    assert_eq!(by_view(), [("Clock", 1), ("Notes", 1)], "the navigated session moved");
}
