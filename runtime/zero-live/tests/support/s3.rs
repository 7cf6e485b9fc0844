//! moto's S3-compatible server (`pip install 'moto[server]'`), which a test starts on a free
//! port of 127.0.0.1 and stops when done, and plain HTTP/1.1 requests to it. Shared by
//! `tests/storage_s3.rs` and zero-live's own tests of the `s3` feature (`#[path]`).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// moto's server, killed when dropped.
pub(crate) struct Moto {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with moto's server (pip install 'moto[server]') runs the S3 tests");
    let moto = Moto { child, port };
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return moto;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto's server did not listen on 127.0.0.1:{port} within 10 s");
}

/// One HTTP/1.1 request with `body` over a fresh connection: the status and the body.
pub(crate) async fn http(method: &str, url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..head_end]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response[head_end + 4..].to_vec())
}

/// moto's endpoint with a new bucket `name` in it.
pub(crate) async fn bucket(moto: &Moto, name: &str) -> String {
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let (status, _) = http("PUT", &format!("{endpoint}/{name}"), b"").await;
    assert_eq!(status, 200, "moto creates the bucket");
    endpoint
}
