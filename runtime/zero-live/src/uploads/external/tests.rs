use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::*;
use crate::storage::{Storage, StorageError};
use crate::uploads::frame::Chunk;
use crate::uploads::{Policy, Spool, UploadConfig, session};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR and then the rest of a picture";
/// An ELF header: an executable, whatever its name says.
const ELF: &[u8; 64] = &{
    let mut elf = [0u8; 64];
    (elf[0], elf[1], elf[2], elf[3], elf[4], elf[5]) = (0x7f, b'E', b'L', b'F', 2, 1);
    elf
};

fn local(dir: &std::path::Path) -> Storage {
    Storage::local(dir.join("files"), &[7u8; 32], "/files").unwrap()
}

async fn send(storage: &Storage, method: &str, url: &str, body: &[u8]) -> StatusCode {
    let router: axum::Router = storage.router();
    let request = Request::builder().method(method).uri(url).body(Body::from(body.to_vec()));
    router.oneshot(request.unwrap()).await.unwrap().status()
}

/// An external upload of photos into `storage`, offered `files` (name, size).
async fn offered(storage: &Storage, files: &[(&str, usize)]) -> (Upload, Value) {
    let mut up = Upload::new(UploadConfig::new("photos").accept(&[".png"]).max_entries(3))
        .external(storage, "photos");
    let offers: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(i, (name, size))| json!({"ref": i.to_string(), "name": name, "size": size, "type": "image/png"}))
        .collect();
    let mut answer = session::start(&mut up, &json!(offers), &Policy::for_test(), None).unwrap();
    sign(&mut up, &mut answer).await;
    (up, answer)
}

/// A session's folder for a scanner's copy (under the system's temporary folder; removed
/// with the value).
fn spool() -> Spool {
    Spool::new(&std::env::temp_dir().join("zero-live-external-tests"), rand::random())
}

fn url_of(answer: &Value, reference: &str) -> String {
    answer["entries"][reference]["external"]["url"].as_str().unwrap().to_owned()
}

/// Lets the removal an entry's drop spawned run.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn incoming(dir: &std::path::Path) -> Vec<String> {
    match std::fs::read_dir(dir.join("files/photos/incoming")) {
        Ok(found) => found.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn a_file_put_to_its_signed_url_is_checked_then_stored_under_a_key_no_url_writes() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let (mut up, answer) = offered(&storage, &[("cat.png", PNG.len())]).await;
    let entry = &answer["entries"]["0"];
    assert_eq!(entry["entry"], "photos:0");
    assert_eq!(entry["external"]["method"], "PUT");
    assert!(entry.get("chunk").is_none(), "nothing goes over the socket: {entry}");
    let url = url_of(&answer, "0");
    assert!(
        url.starts_with("/files/photos/incoming/")
            && url.contains(&format!("&size={}&", PNG.len())),
        "{url}"
    );
    assert!(up.entries()[0].is_external());

    // Half-way, the browser reports progress; the page shows it.
    let ack = progress(&mut up, &mut spool(), "photos:0", 20, false).await.unwrap();
    assert_eq!((ack.offset, ack.done, up.entries()[0].progress()), (20, false, 42));
    assert_eq!(send(&storage, "PUT", &url, PNG).await, StatusCode::CREATED);
    assert_eq!(send(&storage, "PUT", &url, PNG).await, StatusCode::CONFLICT, "one upload a URL");
    assert_eq!(send(&storage, "PUT", &url, &PNG[..4]).await, StatusCode::CONFLICT);
    let ack = progress(&mut up, &mut spool(), "photos:0", PNG.len() as u64, true).await.unwrap();
    assert!(ack.done && up.ready(), "checked and done");
    assert_eq!(up.entries()[0].sniffed_type(), Some("image/png"));

    let stored = up.store(&storage, "photos").await.unwrap();
    assert_eq!(stored.len(), 1);
    let key = &stored[0].key;
    assert!(key.starts_with("photos/") && !key.contains("incoming") && key.ends_with(".png"));
    assert_eq!((stored[0].size, stored[0].content_type), (PNG.len() as u64, Some("image/png")));
    assert_eq!(storage.get(key).await.unwrap(), PNG);
    assert!(up.entries().is_empty());
    settle().await;
    assert!(incoming(dir.path()).is_empty(), "the incoming object went");
    assert_eq!(send(&storage, "PUT", &url, PNG).await, StatusCode::CONFLICT, "its URL with it");
    assert!(incoming(dir.path()).is_empty());
}

#[tokio::test]
async fn an_upload_url_takes_only_its_own_size_its_own_key_and_a_put() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let (_up, answer) = offered(&storage, &[("cat.png", PNG.len())]).await;
    let url = url_of(&answer, "0");
    let mut longer = PNG.to_vec();
    longer.push(0);
    assert_eq!(send(&storage, "PUT", &url, &longer).await, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(send(&storage, "PUT", &url, &PNG[..10]).await, StatusCode::BAD_REQUEST);
    let forged =
        url.replace(&format!("&size={}&", PNG.len()), &format!("&size={}&", PNG.len() + 1));
    assert_ne!(forged, url);
    assert_eq!(send(&storage, "PUT", &forged, &longer).await, StatusCode::FORBIDDEN);
    let moved = url.replace("/incoming/", "/incoming/x");
    assert_eq!(send(&storage, "PUT", &moved, PNG).await, StatusCode::FORBIDDEN);
    let unsigned = url.split('?').next().unwrap();
    assert_eq!(send(&storage, "PUT", unsigned, PNG).await, StatusCode::FORBIDDEN);
    assert_eq!(send(&storage, "GET", &url, b"").await, StatusCode::FORBIDDEN, "not a read URL");
    assert!(incoming(dir.path()).is_empty(), "nothing refused was kept");
    // Attempts that stored nothing leave the URL to another.
    // A read URL does not take uploads either.
    let read = storage.signed_url("photos/incoming/a.png", Duration::from_secs(60)).await.unwrap();
    assert_eq!(send(&storage, "PUT", &read, PNG).await, StatusCode::FORBIDDEN);
    assert_eq!(send(&storage, "PUT", &url, PNG).await, StatusCode::CREATED);
}

#[tokio::test]
async fn a_file_that_is_not_what_it_claims_or_not_there_fails_and_goes_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let files = [("cat.png", ELF.len()), ("dog.png", PNG.len()), ("big.png", PNG.len())];
    let (mut up, answer) = offered(&storage, &files).await;
    // An executable named as a picture.
    assert_eq!(send(&storage, "PUT", &url_of(&answer, "0"), ELF).await, StatusCode::CREATED);
    let ack = progress(&mut up, &mut spool(), "photos:0", ELF.len() as u64, true).await.unwrap();
    assert!(!ack.done);
    assert_eq!(up.entries()[0].errors(), &[UploadError::ContentMismatch]);
    // Said to be there when it is not.
    let ack = progress(&mut up, &mut spool(), "photos:1", PNG.len() as u64, true).await.unwrap();
    assert!(!ack.done);
    assert_eq!(up.entries()[1].errors(), &[UploadError::Incomplete]);
    // More bytes reported than declared break the protocol and fail the entry.
    let over =
        progress(&mut up, &mut spool(), "photos:2", PNG.len() as u64 + 1, false).await.unwrap_err();
    assert_eq!((over.code, over.protocol), ("upload_overrun", true));
    assert_eq!(up.entries()[2].errors(), &[UploadError::TooLarge]);
    // Failed entries take no more reports.
    let closed = progress(&mut up, &mut spool(), "photos:0", 1, true).await.unwrap_err();
    assert_eq!((closed.code, closed.protocol), ("entry_closed", false));
    let unknown = progress(&mut up, &mut spool(), "photos:9", 1, true).await.unwrap_err();
    assert_eq!((unknown.code, unknown.protocol), ("unknown_entry", true));
    settle().await;
    assert!(incoming(dir.path()).is_empty(), "the refused executable went");
    assert!(up.store(&storage, "photos").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_socket_upload_takes_no_reports_and_an_external_one_no_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let mut socket = Upload::new(UploadConfig::new("photos"));
    let offer = json!([{"ref": "0", "name": "cat.png", "size": PNG.len(), "type": "image/png"}]);
    session::start(&mut socket, &offer, &Policy::for_test(), None).unwrap();
    let refused = progress(&mut socket, &mut spool(), "photos:0", 1, false).await.unwrap_err();
    assert_eq!((refused.code, refused.protocol), ("not_external", true));

    let (mut up, _) = offered(&storage, &[("cat.png", PNG.len())]).await;
    let mut spool = Spool::new(&dir.path().join("spool"), 1);
    let chunk = Chunk { entry: "photos:0".into(), offset: 0, bytes: PNG.to_vec(), last: true };
    let refused = session::chunk(&mut up, &mut spool, &chunk, &Policy::for_test()).await;
    assert_eq!(refused.unwrap_err().code, "external_entry");
    assert!(!up.entries()[0].done());
}

#[tokio::test]
async fn an_external_upload_holds_nothing_of_the_session_quota_but_keeps_its_limits() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let policy = Policy { quota: 10, ..Policy::for_test() };
    let mut up = Upload::new(UploadConfig::new("photos").accept(&[".png"]).max_file_size(100))
        .external(&storage, "photos");
    let offer = json!([{"ref": "0", "name": "cat.png", "size": 60, "type": "image/png"}]);
    let answer = session::start(&mut up, &offer, &policy, None).unwrap();
    assert!(answer["entries"]["0"].get("external").is_some(), "{answer}");
    let config = UploadConfig::new("photos").accept(&[".png"]).max_file_size(100).max_entries(2);
    let mut up = Upload::new(config).external(&storage, "photos");
    let offer = json!([
        {"ref": "0", "name": "cat.png", "size": 101, "type": "image/png"},
        {"ref": "1", "name": "cat.exe", "size": 1, "type": "application/x-msdownload"},
    ]);
    let mut answer = session::start(&mut up, &offer, &policy, None).unwrap();
    sign(&mut up, &mut answer).await;
    assert_eq!(answer["entries"]["0"], json!({"entry": "photos:0", "error": "too_large"}));
    assert_eq!(answer["entries"]["1"], json!({"entry": "photos:1", "error": "not_accepted"}));
}

#[tokio::test]
async fn a_cancelled_entry_or_an_ended_session_takes_its_object_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let (mut up, answer) = offered(&storage, &[("a.png", PNG.len()), ("b.png", PNG.len())]).await;
    for reference in ["0", "1"] {
        assert_eq!(
            send(&storage, "PUT", &url_of(&answer, reference), PNG).await,
            StatusCode::CREATED
        );
    }
    assert_eq!(incoming(dir.path()).len(), 2);
    let (gone, unused) = offered(&storage, &[("c.png", PNG.len())]).await;
    drop(gone);
    assert_eq!(
        send(&storage, "PUT", &url_of(&unused, "0"), PNG).await,
        StatusCode::CONFLICT,
        "the URL of an entry that went takes nothing"
    );
    assert!(up.cancel("photos:0"));
    settle().await;
    assert_eq!(incoming(dir.path()).len(), 1, "the cancelled one went");
    drop(up);
    settle().await;
    assert!(incoming(dir.path()).is_empty(), "the session's end took the other");
}

#[tokio::test]
async fn a_file_replaced_after_its_check_is_refused_when_stored() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let (mut up, answer) = offered(&storage, &[("cat.png", PNG.len())]).await;
    assert_eq!(send(&storage, "PUT", &url_of(&answer, "0"), PNG).await, StatusCode::CREATED);
    assert!(
        progress(&mut up, &mut spool(), "photos:0", PNG.len() as u64, true).await.unwrap().done
    );
    // Someone with the store's own credentials swaps the bytes after the check.
    let key = up.entries()[0].external.as_ref().unwrap().key.clone();
    let mut swapped = ELF.to_vec();
    swapped.resize(PNG.len(), 0);
    std::fs::write(dir.path().join("files").join(&key), &swapped).unwrap();
    let failed = up.store(&storage, "photos").await.unwrap_err();
    assert!(
        matches!(failed.error, StorageError::Changed(UploadError::ContentMismatch)),
        "{failed}"
    );
    assert_eq!(up.entries().len(), 1, "the entry stays");
    let kept: Vec<_> = std::fs::read_dir(dir.path().join("files/photos")).unwrap().collect();
    assert_eq!(kept.len(), 1, "only the incoming folder: the bad copy was removed");
}

#[tokio::test]
async fn a_local_folder_takes_no_file_larger_than_the_endpoint_reads() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let policy = Policy { body: 1000, ..Policy::for_test() };
    let offer =
        |size: u64| json!([{"ref": "0", "name": "cat.png", "size": size, "type": "image/png"}]);
    let mut up = Upload::new(UploadConfig::new("photos")).external(&storage, "photos");
    let answer = session::start(&mut up, &offer(1001), &policy, None).unwrap();
    assert_eq!(answer["entries"]["0"]["error"], "too_large", "{answer}");
    let mut up = Upload::new(UploadConfig::new("photos")).external(&storage, "photos");
    let answer = session::start(&mut up, &offer(1000), &policy, None).unwrap();
    assert!(answer["entries"]["0"].get("error").is_none(), "{answer}");
    // Over the socket, max_body_bytes does not apply.
    let mut up = Upload::new(UploadConfig::new("photos"));
    let answer = session::start(&mut up, &offer(1001), &policy, None).unwrap();
    assert!(answer["entries"]["0"].get("error").is_none(), "{answer}");
}

/// The same session against a real S3-compatible server (moto's): presigned `PUT`, the check
/// by `HEAD` and a ranged read, the server-side copy, removal of the incoming object.
#[cfg(feature = "s3")]
#[path = "../../../tests/support/s3.rs"]
mod moto;

#[cfg(feature = "s3")]
mod s3 {
    use super::moto;
    use super::*;

    #[tokio::test]
    async fn a_file_put_to_a_presigned_url_is_checked_and_copied_in_the_bucket() {
        let server = moto::moto().await;
        let endpoint = moto::bucket(&server, "uploads").await;
        let storage = Storage::s3(
            crate::storage::AmazonS3Builder::new()
                .with_endpoint(endpoint)
                .with_allow_http(true)
                .with_region("us-east-1")
                .with_bucket_name("uploads")
                .with_access_key_id("testing")
                .with_secret_access_key("testing"),
        )
        .unwrap();
        let (mut up, answer) = offered(&storage, &[("cat.png", PNG.len()), ("x.png", 64)]).await;
        let url = url_of(&answer, "0");
        assert!(url.starts_with("http://127.0.0.1:") && url.contains("/uploads/photos/incoming/"));
        assert_eq!(moto::http("PUT", &url, PNG).await.0, 200);
        assert!(
            progress(&mut up, &mut spool(), "photos:0", PNG.len() as u64, true).await.unwrap().done
        );
        // An executable named as a picture, found out by its first bytes in the bucket.
        assert_eq!(moto::http("PUT", &url_of(&answer, "1"), ELF).await.0, 200);
        assert!(!progress(&mut up, &mut spool(), "photos:1", 64, true).await.unwrap().done);
        assert_eq!(up.entries()[1].errors(), &[UploadError::ContentMismatch]);
        let stored = up.store(&storage, "photos").await.unwrap();
        assert_eq!(storage.get(&stored[0].key).await.unwrap(), PNG);
        assert!(!stored[0].key.contains("incoming"));
        let incoming = up_key(&url);
        settle().await;
        assert!(storage.get(&incoming).await.is_err(), "the incoming object went");
    }

    /// The key a presigned URL of the bucket `uploads` writes.
    fn up_key(url: &str) -> String {
        let path = url.split('?').next().unwrap();
        path.split_once("/uploads/").unwrap().1.to_owned()
    }
}

#[tokio::test]
async fn the_uploads_scanner_reads_an_external_object_and_a_refusal_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let storage = local(dir.path());
    let config = UploadConfig::new("photos").max_entries(2).scan(|scan| {
        let bytes = std::fs::read(&scan.path).map_err(|e| e.to_string())?;
        match bytes.windows(5).any(|w| w == b"VIRUS") {
            true => Err("infected".to_owned()),
            false => Ok(()),
        }
    });
    let mut up = Upload::new(config).external(&storage, "photos");
    let mut infected = PNG.to_vec();
    infected.extend_from_slice(b"VIRUS");
    let offer = json!([
        {"ref": "0", "name": "a.png", "size": PNG.len(), "type": "image/png"},
        {"ref": "1", "name": "b.png", "size": infected.len(), "type": "image/png"},
    ]);
    let mut answer = session::start(&mut up, &offer, &Policy::for_test(), None).unwrap();
    sign(&mut up, &mut answer).await;
    assert_eq!(send(&storage, "PUT", &url_of(&answer, "0"), PNG).await, StatusCode::CREATED);
    assert_eq!(send(&storage, "PUT", &url_of(&answer, "1"), &infected).await, StatusCode::CREATED);
    let scratch = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(scratch.path(), 1);
    assert!(progress(&mut up, &mut spool, "photos:0", PNG.len() as u64, true).await.unwrap().done);
    let refused = progress(&mut up, &mut spool, "photos:1", infected.len() as u64, true).await;
    assert!(!refused.unwrap().done);
    assert_eq!(up.entries()[1].errors(), &[UploadError::Rejected]);
    assert_eq!(up.entries()[1].rejection(), Some("infected"));
    settle().await;
    assert_eq!(incoming(dir.path()).len(), 1, "the refused object went; the clean one stays");
    let copies: Vec<_> = std::fs::read_dir(scratch.path()).unwrap().flatten().collect();
    let left: usize = copies.iter().map(|d| std::fs::read_dir(d.path()).unwrap().count()).sum();
    assert_eq!(left, 0, "the scanner's copies are removed");
    assert_eq!(up.store(&storage, "photos").await.unwrap().len(), 1);
}
