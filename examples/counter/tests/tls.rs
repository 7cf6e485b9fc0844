#![allow(clippy::unwrap_used)]
//! HTTPS and WSS: the endpoint serves the counter with a certificate from its `[tls]`
//! configuration; a rustls client that trusts it gets the page over HTTPS and joins over WSS.
//! A client that does not trust it, plain HTTP on the TLS port, and unreadable PEM files are
//! refused with clear errors.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
use zero_live::endpoint::{Endpoint, Tls};
use zero_live::{Live, LiveConfig};

/// A self-signed certificate for `localhost`, written as PEM files into `dir`.
fn certificate(dir: &std::path::Path) -> (Tls, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let tls = Tls { cert_file: dir.join("cert.pem"), key_file: dir.join("key.pem") };
    std::fs::write(&tls.cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&tls.key_file, cert.signing_key.serialize_pem()).unwrap();
    (tls, cert.cert.der().to_vec())
}

struct Served {
    port: u16,
    live: Live,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn serve(tls: Tls) -> Served {
    serve_with(tls, LiveConfig::default())
}

fn serve_with(tls: Tls, config: LiveConfig) -> Served {
    let live = counter::live(config);
    let endpoint = Endpoint { port: 0, tls: Some(tls), ..Endpoint::default() };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = endpoint.wrap(live.router(), &live);
    let serving = live.clone();
    let task = tokio::spawn(async move { endpoint.serve_on(listener, &serving, router).await });
    Served { port, live, task }
}

fn connector(trusted: Option<&[u8]>) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    if let Some(der) = trusted {
        roots.add(der.to_vec().into()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls_stream(
    port: u16,
    connector: &TlsConnector,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await
}

/// The page over HTTPS, then the session it carries joined over WSS and clicked.
#[tokio::test]
async fn the_page_and_its_live_session_are_served_over_https_and_wss() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, der) = certificate(dir.path());
    let served = serve(tls);
    let connector = connector(Some(&der));

    let mut stream = tls_stream(served.port, &connector).await.unwrap();
    let request =
        format!("GET / HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n", served.port);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("<h1>Count: 0</h1>"), "{response}");
    assert!(response.to_ascii_lowercase().contains("x-request-id: "), "{response}");

    let (token, csrf) = served.live.tokens_for("/");
    let stream = tls_stream(served.port, &connector).await.unwrap();
    let mut request =
        format!("wss://localhost:{}/live/websocket", served.port).into_client_request().unwrap();
    let origin = format!("https://localhost:{}", served.port);
    request.headers_mut().insert("origin", origin.parse().unwrap());
    request.headers_mut().insert("sec-websocket-protocol", "0x0-live.v1".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await.unwrap();
    let join = serde_json::json!({"v": 1, "ref": 1, "kind": "join", "topic": "lv:/",
                                  "session": token, "csrf": csrf, "url": "/"});
    ws.send(Message::Text(join.to_string().into())).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap();
    let reply: serde_json::Value =
        serde_json::from_str(reply.unwrap().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(reply["status"], "ok", "{reply}");

    // Shutdown ends the server and closes the session.
    served.live.shutdown();
    let ended = tokio::time::timeout(Duration::from_secs(10), served.task).await.unwrap();
    ended.unwrap().unwrap();
}

/// An untrusted certificate fails the handshake; plain HTTP on the TLS port gets no page.
#[tokio::test]
async fn untrusted_clients_and_plain_http_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, _) = certificate(dir.path());
    let served = serve(tls);

    let refused = tls_stream(served.port, &connector(None)).await.unwrap_err();
    assert!(refused.to_string().contains("certificate"), "{refused}");

    let mut plain = TcpStream::connect(("127.0.0.1", served.port)).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    served.live.shutdown();
}

/// A certificate or key that cannot be read stops the server with the file at fault named.
#[tokio::test]
async fn unreadable_pem_files_are_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut tls, _) = certificate(dir.path());
    std::fs::write(&tls.key_file, "not a key").unwrap();
    let error = serve(tls.clone()).task.await.unwrap().unwrap_err();
    assert!(error.to_string().contains("key.pem"), "{error}");

    tls.cert_file = dir.path().join("missing.pem");
    let error = serve(tls).task.await.unwrap().unwrap_err();
    assert!(error.to_string().contains("missing.pem"), "{error}");
}

/// A client that stalls in the handshake, or after it in its headers (slowloris over TLS), is
/// cut off after `[limits] header_read_secs`; one that sends its request in time is served.
#[tokio::test]
async fn a_stalled_handshake_or_slow_headers_are_cut_off_over_tls_too() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, der) = certificate(dir.path());
    let mut config = LiveConfig::default();
    config.limits.header_read_secs = 1;
    let served = serve_with(tls, config);
    let connector = connector(Some(&der));
    let closed_within = |secs: u64| Duration::from_secs(secs);

    // TCP only, no ClientHello.
    let mut silent = TcpStream::connect(("127.0.0.1", served.port)).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(closed_within(5), silent.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "the handshake timed out: {read:?}");

    // A handshake, then half the headers.
    let mut slow = tls_stream(served.port, &connector).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(closed_within(5), slow.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "the server closed the slow connection");
    let text = String::from_utf8_lossy(&response);
    assert!(!text.contains("Count:"), "no page for a request never finished: {text}");

    // The whole request in time is served.
    let mut fast = tls_stream(served.port, &connector).await.unwrap();
    fast.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut page = String::new();
    fast.read_to_string(&mut page).await.unwrap();
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    served.live.shutdown();
}
