#![cfg(feature = "s3")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `zero_live::storage` against a real S3-compatible server: moto's (`pip install
//! 'moto[server]'`), which each test starts on a free port of 127.0.0.1 and stops when done.
//! Files go up in parts, come back whole, and the store's presigned URLs read them.

#[path = "support/s3.rs"]
mod s3;

use std::time::Duration;

use s3::{Moto, http, moto};
use zero_live::storage::{AmazonS3Builder, Storage, StorageError};

async fn bucket(moto: &Moto, name: &str) -> Storage {
    let endpoint = s3::bucket(moto, name).await;
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
    let (status, read) = http("GET", &url, b"").await;
    assert_eq!(status, 200);
    assert!(read == body, "the presigned URL reads the whole file");
    // moto does not check signatures (S3 does): that the URL is signed, for 300 s, by
    // these credentials is what is ours to prove.
    assert!(url.contains("X-Amz-Credential=testing%2F"), "{url}");
    assert!(!storage.router::<()>().has_routes(), "S3's URLs go to the store");

    storage.delete("2026/cat.png").await.unwrap();
    assert!(matches!(storage.get("2026/cat.png").await, Err(StorageError::Store(_))));
    let (status, _) = http("GET", &url, b"").await;
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

#[tokio::test]
async fn an_upload_url_is_the_stores_presigned_put() {
    let moto = moto().await;
    let storage = bucket(&moto, "incoming").await;
    assert!(!storage.is_local());
    let body = b"%PDF-1.7\n a small document".to_vec();
    let url = storage.upload_url("docs/a.pdf", body.len() as u64, Duration::from_secs(60));
    let url = url.await.unwrap();
    assert!(url.starts_with(&format!("http://127.0.0.1:{}/incoming/docs/a.pdf?", moto.port)));
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let (status, _) = http("PUT", &url, &body).await;
    assert_eq!(status, 200);
    assert_eq!(storage.get("docs/a.pdf").await.unwrap(), body);
    // (moto does not check signatures: that a presigned URL writes only its key is S3's
    // promise, not one this test can hold it to.)
    assert!(matches!(
        storage.upload_url("../a", 1, Duration::from_secs(1)).await,
        Err(StorageError::BadKey(_))
    ));
}
