#![cfg(feature = "s3")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `zero_live::storage` against a real S3-compatible server: moto's (`pip install
//! 'moto[server]'`), which each test starts on a free port of 127.0.0.1 and stops when done.
//! Files go up in parts, come back whole, and the store's presigned URLs read them.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use zero_live::storage::{AmazonS3Builder, Storage, StorageError};

/// moto's server, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn moto() -> Moto {
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

/// One HTTP/1.1 request over a fresh connection: the status and the body.
async fn http(method: &str, url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..head_end]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response[head_end + 4..].to_vec())
}

async fn bucket(moto: &Moto, name: &str) -> Storage {
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let (status, _) = http("PUT", &format!("{endpoint}/{name}")).await;
    assert_eq!(status, 200, "moto creates the bucket");
    Storage::s3(
        AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(name)
            .with_access_key_id("testing")
            .with_secret_access_key("testing"),
    )
    .unwrap()
}

#[tokio::test]
async fn a_large_file_goes_up_in_parts_and_its_presigned_url_reads_it_back() {
    let moto = moto().await;
    let storage = bucket(&moto, "photos").await;
    let dir = tempfile::tempdir().unwrap();
    // 12 MB: past object_store's 10 MB buffer, so a multipart upload.
    let mut body: Vec<u8> = (0..12_000_000u32).map(|i| (i % 253) as u8).collect();
    body[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let file = dir.path().join("upload");
    std::fs::write(&file, &body).unwrap();
    let stored = storage.put_file(&file, "2026/cat.png").await.unwrap();
    assert_eq!((stored.size, stored.content_type), (body.len() as u64, Some("image/png")));
    assert_eq!(storage.get("2026/cat.png").await.unwrap(), body);

    let url = storage.signed_url("2026/cat.png", Duration::from_secs(300)).await.unwrap();
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert!(url.contains("X-Amz-Expires=300"), "{url}");
    let (status, read) = http("GET", &url).await;
    assert_eq!(status, 200);
    assert!(read == body, "the presigned URL reads the whole file");
    // moto does not check signatures (S3 does): that the URL is signed, for 300 s, by
    // these credentials is what is ours to prove.
    assert!(url.contains("X-Amz-Credential=testing%2F"), "{url}");
    assert!(!storage.router::<()>().has_routes(), "S3's URLs go to the store");

    storage.delete("2026/cat.png").await.unwrap();
    assert!(matches!(storage.get("2026/cat.png").await, Err(StorageError::Store(_))));
    let (status, _) = http("GET", &url).await;
    assert_eq!(status, 404, "a deleted object is gone for its URL too");
}

#[tokio::test]
async fn a_bad_key_never_reaches_the_store_and_a_missing_bucket_is_an_error() {
    let moto = moto().await;
    let storage = bucket(&moto, "files").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("upload");
    std::fs::write(&file, b"hello").unwrap();
    for key in ["../x", "a/../../b", "a//b", ".env"] {
        assert!(
            matches!(storage.put_file(&file, key).await, Err(StorageError::BadKey(_))),
            "{key}"
        );
    }
    let elsewhere = Storage::s3(
        AmazonS3Builder::new()
            .with_endpoint(format!("http://127.0.0.1:{}", moto.port))
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name("no-such-bucket")
            .with_access_key_id("testing")
            .with_secret_access_key("testing"),
    )
    .unwrap();
    let refused = elsewhere.put_file(&file, "a.txt").await.unwrap_err();
    assert!(matches!(refused, StorageError::Store(_) | StorageError::Io(_)), "{refused}");
    // What the first store holds is untouched by all this.
    storage.put_file(&file, "a.txt").await.unwrap();
    assert_eq!(storage.get("a.txt").await.unwrap(), b"hello");
}
