#![allow(clippy::unwrap_used)]
//! A collector that is not there: the app serves as before, and stopping the export gives up
//! within the exporter's timeout instead of holding the process.

use zero_live::logs::{Capture, Format, Logs};
use zero_live::otlp::Otlp;

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_collector_loses_spans_not_requests() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let otlp = Otlp { endpoint: format!("http://{closed}"), service: "down".to_owned() };
    let traces =
        Logs::new("info", Format::Json).with_otlp(otlp).install(Capture::default()).unwrap();
    let (live, addr) = support::serve("/", "up").await;
    for _ in 0..100 {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("up"), "{answer}");
    }
    let started = std::time::Instant::now();
    tokio::task::spawn_blocking(move || drop(traces)).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "{:?}", started.elapsed());
    live.shutdown();
}
