use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt as _;

use super::*;
use crate::uploads::frame::Chunk;
use crate::uploads::{Policy, Spool, UploadConfig, session};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR and then the rest of a picture";

async fn fetch(storage: &Storage, url: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let router: axum::Router = storage.router();
    let response = router.oneshot(Request::get(url).body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec())
}

fn local(dir: &std::path::Path) -> Storage {
    Storage::local(dir.join("files"), &[7u8; 32], "/files").unwrap()
}

#[tokio::test]
async fn a_stored_file_is_served_by_its_signed_url_and_refused_without_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let source = dir.path().join("upload");
    std::fs::write(&source, PNG).unwrap();
    let stored = storage.put_file(&source, "photos/a.png").await.unwrap();
    assert_eq!(
        stored,
        Stored {
            key: "photos/a.png".into(),
            name: "a.png".into(),
            size: PNG.len() as u64,
            content_type: Some("image/png")
        }
    );
    assert_eq!(storage.get("photos/a.png").await.unwrap(), PNG);
    let url = storage.signed_url("photos/a.png", Duration::from_secs(60)).await.unwrap();
    assert!(url.starts_with("/files/photos/a.png?expires="), "{url}");
    let (status, headers, body) = fetch(&storage, &url).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, PNG));
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.get(header::CONTENT_DISPOSITION).is_none());

    let unsigned = url.split('?').next().unwrap();
    assert_eq!(fetch(&storage, unsigned).await.0, StatusCode::FORBIDDEN);
    let last = if url.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{last}", &url[..url.len() - 1]);
    assert_eq!(fetch(&storage, &forged).await.0, StatusCode::FORBIDDEN);
    let moved = url.replace("photos/a.png", "photos/b.png");
    assert_eq!(
        fetch(&storage, &moved).await.0,
        StatusCode::FORBIDDEN,
        "a signature is for one key"
    );
    let twice = format!("{url}&sig=00");
    assert_eq!(fetch(&storage, &twice).await.0, StatusCode::FORBIDDEN);
    let gone = storage.signed_url("photos/none.png", Duration::from_secs(60)).await.unwrap();
    assert_eq!(fetch(&storage, &gone).await.0, StatusCode::NOT_FOUND);
    storage.delete("photos/a.png").await.unwrap();
    assert_eq!(fetch(&storage, &url).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn keys_that_would_leave_the_folder_or_read_oddly_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let source = dir.path().join("upload");
    std::fs::write(&source, b"secret").unwrap();
    for key in
        ["../upload", "photos/../../x", "/abs", "a//b", ".hidden", "a b", "a%2e", "", "photos/"]
    {
        assert!(
            matches!(storage.put_file(&source, key).await, Err(StorageError::BadKey(_))),
            "{key:?}"
        );
        assert!(storage.signed_url(key, Duration::from_secs(1)).await.is_err(), "{key:?}");
    }
    let (status, _, _) = fetch(&storage, "/files/..%2Fupload?expires=1&sig=00").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A page of HTML someone uploaded is a download, sandboxed, never a page of the app.
    std::fs::write(&source, b"<script>alert(1)</script>").unwrap();
    storage.put_file(&source, "docs/x.html").await.unwrap();
    let url = storage.signed_url("docs/x.html", Duration::from_secs(60)).await.unwrap();
    let (status, headers, _) = fetch(&storage, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment");
    assert_eq!(headers[header::CONTENT_SECURITY_POLICY], "default-src 'none'; sandbox");
}

fn policy() -> Policy {
    Policy::for_test()
}

/// An upload of two photos: the first whole, the second half sent.
async fn two_photos(spool: &mut Spool) -> Upload {
    let mut up = Upload::new(UploadConfig::new("photos").accept(&[".png"]).max_entries(2));
    let offer = serde_json::json!([
        {"ref": "0", "name": "../../cat.PNG", "size": PNG.len(), "type": "image/png"},
        {"ref": "1", "name": "dog.png", "size": 4096, "type": "image/png"},
    ]);
    session::start(&mut up, &offer, &policy(), None).unwrap();
    let whole = Chunk { entry: "photos:0".into(), offset: 0, bytes: PNG.to_vec(), last: true };
    session::chunk(&mut up, spool, &whole, &policy()).await.unwrap();
    let half = Chunk { entry: "photos:1".into(), offset: 0, bytes: PNG.to_vec(), last: false };
    session::chunk(&mut up, spool, &half, &policy()).await.unwrap();
    up
}

#[tokio::test]
async fn store_moves_each_finished_file_under_a_new_key_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let mut spool = Spool::new(&dir.path().join("spool"), 1);
    let mut up = two_photos(&mut spool).await;
    let temp = up.entries()[0].file_path().unwrap().to_path_buf();
    let stored = up.store(&storage, "photos").await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, "cat.PNG", "the client's name, made safe");
    let key = &stored[0].key;
    let id = key.strip_prefix("photos/").and_then(|k| k.strip_suffix(".png")).unwrap();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    assert_eq!(storage.get(key).await.unwrap(), PNG);
    assert!(!temp.exists(), "the temporary file went");
    assert_eq!(up.entries().len(), 1, "the file still arriving stays");
    assert_eq!(up.entries()[0].client_name(), "dog.png");
    assert!(up.store(&storage, "photos").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_store_that_fails_keeps_the_entry_for_another_try() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    // The folder becomes a file: every write into it fails.
    std::fs::remove_dir_all(dir.path().join("files")).unwrap();
    std::fs::write(dir.path().join("files"), b"not a folder").unwrap();
    let mut spool = Spool::new(&dir.path().join("spool"), 2);
    let mut up = two_photos(&mut spool).await;
    let failed = up.store(&storage, "photos").await.unwrap_err();
    assert!(failed.stored.is_empty());
    assert_eq!(up.entries().len(), 2, "nothing is lost");
    assert!(up.entries()[0].file_path().unwrap().exists());
    std::fs::remove_file(dir.path().join("files")).unwrap();
    let storage = local(dir.path());
    assert_eq!(up.store(&storage, "photos").await.unwrap().len(), 1);
}

#[test]
fn a_new_key_takes_only_a_short_plain_extension_from_the_client() {
    let entry = |name: &str| crate::uploads::UploadEntry::for_test(name);
    assert!(new_key("p", &entry("a.png"), Some("jpg")).ends_with(".jpg"), "the bytes win");
    assert!(new_key("p", &entry("a.PNG"), None).ends_with(".png"));
    assert!(new_key("p", &entry("a.php%00.png"), None).ends_with(".png"));
    assert!(new_key("p", &entry("x.ab~c"), None).ends_with(".bin"));
    assert!(new_key("p", &entry("x.verylongext"), None).ends_with(".bin"));
    assert!(new_key("p", &entry("noext"), None).ends_with(".bin"));
    assert!(new_key("/", &entry("a.txt"), None).len() == 36);
    assert!(parse_key(&new_key("a/b", &entry("../../a.txt"), None)).is_ok());
}

#[tokio::test]
async fn the_environment_chooses_a_bucket_or_the_local_folder() {
    let dir = tempfile::tempdir().unwrap();
    let local = Storage::choose(None, dir.path(), &[7u8; 32], "/stored").unwrap();
    let url = local.signed_url("a.txt", Duration::from_secs(5)).await.unwrap();
    assert!(url.starts_with("/stored/a.txt?"), "{url}");
    assert!(matches!(
        Storage::choose(None, dir.path(), &[7u8; 8], "/stored"),
        Err(StorageError::WeakKey)
    ));
    let bucket = Storage::choose(Some("photos".into()), dir.path(), &[7u8; 32], "/stored");
    #[cfg(not(feature = "s3"))]
    assert!(matches!(bucket, Err(StorageError::Config(why)) if why.contains("`s3` feature")));
    #[cfg(feature = "s3")]
    assert!(!bucket.unwrap().router::<()>().has_routes(), "a bucket's URLs are its own");
}
