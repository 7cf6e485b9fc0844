use serde_json::json;

use super::*;
use crate::uploads::{Policy, Upload, UploadConfig};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
/// An ELF header: what `infer` needs to see an executable (more than 52 bytes).
const ELF: &[u8; 64] = &{
    let mut elf = [0u8; 64];
    (elf[0], elf[1], elf[2], elf[3]) = (0x7f, b'E', b'L', b'F');
    elf
};

fn avatar() -> Upload {
    Upload::new(UploadConfig::new("avatar").accept(&[".png"]).max_entries(2).max_file_size(1 << 20))
}

fn policy() -> Policy {
    Policy::for_test()
}

fn offer(name: &str, size: usize) -> Value {
    json!([{"ref": "0", "name": name, "size": size, "type": "image/png"}])
}

fn piece(entry: &str, offset: u64, bytes: &[u8], last: bool) -> Chunk {
    Chunk { entry: entry.to_owned(), offset, bytes: bytes.to_vec(), last }
}

#[test]
fn an_accepted_offer_gets_an_entry_with_its_chunk_size_and_window() {
    let mut up = avatar();
    let answer = start(&mut up, &offer("me.png", 100), &policy(), None).unwrap();
    assert_eq!(
        answer,
        json!({"entries": {"0": {"entry": "avatar:0", "chunk": 65536, "window": 4, "offset": 0}}})
    );
    assert_eq!(up.entries().len(), 1);
    assert!(up.entries()[0].valid());
}

#[test]
fn offers_too_large_or_of_another_type_are_entries_with_errors() {
    let mut up = avatar();
    let answer = start(&mut up, &offer("me.gif", 2 << 20), &policy(), None).unwrap();
    assert_eq!(answer["entries"]["0"]["error"], "too_large");
    assert_eq!(up.entries()[0].errors(), [UploadError::TooLarge, UploadError::NotAccepted]);
    // The app's ceiling caps the view's own limit.
    let mut up = avatar();
    let answer =
        start(&mut up, &offer("me.png", 1000), &Policy { ceiling: 999, ..policy() }, None).unwrap();
    assert_eq!(answer["entries"]["0"]["error"], "too_large");
}

#[test]
fn too_many_files_refuse_the_offer_as_a_whole() {
    let mut up = avatar();
    let three = json!([
        {"ref": "a", "name": "1.png", "size": 1, "type": ""},
        {"ref": "b", "name": "2.png", "size": 1, "type": ""},
        {"ref": "c", "name": "3.png", "size": 1, "type": ""},
    ]);
    assert_eq!(start(&mut up, &three, &policy(), None).unwrap(), json!({"error": "too_many"}));
    assert!(up.entries().is_empty());
    assert_eq!(up.errors(), [UploadError::TooMany]);
    // One more after two is too many too; a cancel makes room again.
    start(&mut up, &offer("1.png", 1), &policy(), None).unwrap();
    start(&mut up, &offer("2.png", 1), &policy(), None).unwrap();
    assert!(up.errors().is_empty());
    assert_eq!(start(&mut up, &offer("3.png", 1), &policy(), None).unwrap()["error"], "too_many");
    assert!(up.cancel("avatar:0"));
    assert!(!up.cancel("avatar:0"));
    assert!(start(&mut up, &offer("3.png", 1), &policy(), None).unwrap()["entries"].is_object());
}

#[test]
fn malformed_offers_are_protocol_errors() {
    let mut up = avatar();
    for bad in [
        json!({"ref": "0"}),
        json!([{"ref": "0", "name": "a.png", "size": -1, "type": ""}]),
        json!([{"ref": "0", "name": "a.png", "type": ""}]),
        json!([{"ref": "x".repeat(65), "name": "a.png", "size": 1, "type": ""}]),
    ] {
        let refused = start(&mut up, &bad, &policy(), None).unwrap_err();
        assert_eq!((refused.code, refused.protocol), ("bad_upload", true), "{bad}");
    }
    assert!(up.entries().is_empty());
}

#[tokio::test]
async fn chunks_in_order_fill_the_entry_and_consume_hands_over_the_file() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 1);
    let mut up = avatar();
    let mut body = PNG.to_vec();
    body.extend(std::iter::repeat_n(7u8, 3000));
    start(&mut up, &offer("me.png", body.len()), &policy(), None).unwrap();
    let (head, tail) = body.split_at(1024);
    let ack =
        chunk(&mut up, &mut spool, &piece("avatar:0", 0, head, false), &policy()).await.unwrap();
    assert_eq!(ack, Ack { offset: 1024, done: false });
    assert_eq!(up.entries()[0].progress(), 33);
    assert!(!up.ready());
    let ack =
        chunk(&mut up, &mut spool, &piece("avatar:0", 1024, tail, true), &policy()).await.unwrap();
    assert_eq!(ack, Ack { offset: body.len() as u64, done: true });
    assert!(up.ready());
    assert_eq!(up.entries()[0].sniffed_type(), Some("image/png"));
    let kept = root.path().join("kept.png");
    let names =
        up.consume(|path, entry| std::fs::rename(path, &kept).map(|()| entry.safe_name())).unwrap();
    assert_eq!(names, ["me.png"]);
    assert_eq!(std::fs::read(&kept).unwrap(), body);
    assert!(up.entries().is_empty());
}

#[tokio::test]
async fn chunks_out_of_order_for_unknown_entries_or_past_the_size_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 2);
    let mut up = avatar();
    start(&mut up, &offer("me.png", PNG.len()), &policy(), None).unwrap();
    let code = |r: Result<Ack, Refused>| r.unwrap_err().code;
    assert_eq!(
        code(chunk(&mut up, &mut spool, &piece("avatar:9", 0, PNG, true), &policy()).await),
        "unknown_entry"
    );
    assert_eq!(
        code(chunk(&mut up, &mut spool, &piece("avatar:0", 4, PNG, true), &policy()).await),
        "bad_offset"
    );
    // An overrun fails the entry: it takes nothing more.
    let mut long = PNG.to_vec();
    long.push(0);
    assert_eq!(
        code(chunk(&mut up, &mut spool, &piece("avatar:0", 0, &long, true), &policy()).await),
        "upload_overrun"
    );
    assert_eq!(up.entries()[0].errors(), [UploadError::TooLarge]);
    assert_eq!(
        code(chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, true), &policy()).await),
        "entry_closed"
    );
    assert_eq!(up.consume(|_, _| Ok::<_, ()>(())).unwrap(), Vec::<()>::new());
}

#[tokio::test]
async fn a_renamed_executable_is_refused_at_its_first_chunk_and_nothing_is_kept() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 3);
    let mut up = avatar();
    start(&mut up, &offer("cat.png", ELF.len()), &policy(), None).unwrap();
    let refused = chunk(&mut up, &mut spool, &piece("avatar:0", 0, ELF, true), &policy()).await;
    assert_eq!(refused.unwrap_err().code, "content_mismatch");
    assert_eq!(up.entries()[0].errors(), [UploadError::ContentMismatch]);
    assert_eq!(up.entries()[0].sniffed_type(), Some("application/x-executable"));
    assert!(!up.ready());
    assert_eq!(up.consume(|_, _| Ok::<_, ()>(())).unwrap(), Vec::<()>::new());
}

#[tokio::test]
async fn an_entry_that_ends_short_is_incomplete_and_a_cancel_removes_its_file() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 4);
    let mut up = avatar();
    start(&mut up, &offer("me.png", 4096), &policy(), None).unwrap();
    start(&mut up, &offer("you.png", 4096), &policy(), None).unwrap();
    chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, true), &policy()).await.unwrap();
    assert_eq!(up.entries()[0].errors(), [UploadError::Incomplete]);
    chunk(&mut up, &mut spool, &piece("avatar:1", 0, PNG, false), &policy()).await.unwrap();
    let file = up.entries()[1].file_path().unwrap().to_path_buf();
    assert!(file.exists());
    assert!(up.cancel("avatar:1"));
    assert!(!file.exists(), "a cancelled entry's bytes are removed");
    // Chunks the client sent before it knew are refused without breaking the protocol.
    let late = chunk(&mut up, &mut spool, &piece("avatar:1", 16, PNG, false), &policy())
        .await
        .unwrap_err();
    assert_eq!((late.code, late.protocol), ("entry_closed", false));
    let never =
        chunk(&mut up, &mut spool, &piece("avatar:2", 0, PNG, false), &policy()).await.unwrap_err();
    assert_eq!((never.code, never.protocol), ("unknown_entry", true));
}

#[tokio::test]
async fn a_failing_keep_leaves_its_entry_for_another_try() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 5);
    let mut up = avatar();
    start(&mut up, &offer("me.png", PNG.len()), &policy(), None).unwrap();
    chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, true), &policy()).await.unwrap();
    let failed: Result<Vec<()>, &str> = up.consume(|_, _| Err("the store is down"));
    assert_eq!(failed, Err("the store is down"));
    assert!(up.ready(), "nothing is lost");
    assert_eq!(up.consume(|p, _| std::fs::read(p)).unwrap(), [PNG.to_vec()]);
}

#[tokio::test]
async fn the_sessions_quota_holds_over_offers_and_chunks_and_frees_with_what_is_let_go() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 6);
    let mut up = avatar();
    // An offer larger than the room left is refused whole.
    assert_eq!(
        start(&mut up, &offer("me.png", 5000), &Policy { quota: 4999, ..policy() }, None).unwrap(),
        json!({"error": "quota_exceeded"})
    );
    assert_eq!(up.errors(), [UploadError::QuotaExceeded]);
    assert!(up.entries().is_empty());
    // Two entries within the room; the bytes held count against the quota as they arrive.
    start(&mut up, &offer("a.png", 2000), &Policy { quota: 4000, ..policy() }, None).unwrap();
    start(&mut up, &offer("b.png", 2000), &Policy { quota: 4000, ..policy() }, None).unwrap();
    let mut a = PNG.to_vec();
    a.resize(2000, 1);
    chunk(
        &mut up,
        &mut spool,
        &piece("avatar:0", 0, &a, true),
        &Policy { quota: 3000, ..policy() },
    )
    .await
    .unwrap();
    assert_eq!(spool.held(), 2000);
    // The second would take the session past 3000 bytes: it fails and keeps nothing.
    let over = chunk(
        &mut up,
        &mut spool,
        &piece("avatar:1", 0, &a, true),
        &Policy { quota: 3000, ..policy() },
    )
    .await
    .unwrap_err();
    assert_eq!((over.code, over.protocol), ("quota_exceeded", false));
    assert_eq!(up.entries()[1].errors(), [UploadError::QuotaExceeded]);
    assert_eq!(spool.held(), 2000);
    // What the session holds counts against its next offer: 2000 held, room for 1000 more.
    let session = Owner { root: spool.root(), owner: "x", held: spool.counter() };
    let mut more = avatar();
    let quota = Policy { quota: 3000, ..policy() };
    let refused = start(&mut more, &offer("c.png", 1001), &quota, Some(session.clone())).unwrap();
    assert_eq!(refused, json!({"error": "quota_exceeded"}));
    let taken = start(&mut more, &offer("c.png", 1000), &quota, Some(session)).unwrap();
    assert!(taken["entries"]["0"]["chunk"].is_u64(), "{taken}");
    // Consuming lets the bytes go.
    up.consume(|p, _| std::fs::read(p)).unwrap();
    assert_eq!(spool.held(), 0);
}

#[tokio::test]
async fn a_scanner_sees_each_whole_file_and_what_it_rejects_is_never_consumed() {
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 7);
    let config = UploadConfig::new("avatar").max_entries(3).scan(|scan| {
        let bytes = std::fs::read(&scan.path).map_err(|e| e.to_string())?;
        assert_eq!(bytes.len() as u64, scan.size);
        if bytes.windows(6).any(|w| w == b"EICAR!") {
            Err(format!("{} carries a test signature", scan.client_name))
        } else if scan.client_name == "panic.png" {
            panic!("the scanner broke")
        } else {
            Ok(())
        }
    });
    let mut up = Upload::new(config);
    let mut bad = PNG.to_vec();
    bad.extend_from_slice(b"EICAR!");
    for (name, body) in
        [("good.png", PNG.to_vec()), ("bad.png", bad.clone()), ("panic.png", PNG.to_vec())]
    {
        start(&mut up, &offer(name, body.len()), &policy(), None).unwrap();
        let entry = up.entries().last().unwrap().reference().to_owned();
        chunk(&mut up, &mut spool, &piece(&entry, 0, &body, true), &policy()).await.unwrap();
    }
    let [good, bad, broke] = up.entries() else { panic!("three entries") };
    assert!(good.done() && good.valid());
    assert_eq!(bad.errors(), [UploadError::Rejected]);
    assert_eq!(bad.rejection(), Some("bad.png carries a test signature"));
    assert!(bad.file_path().is_none(), "a rejected file is removed");
    assert_eq!(
        (broke.errors(), broke.rejection()),
        (&[UploadError::Rejected][..], Some("the scanner failed"))
    );
    let kept = up.consume(|_, e| Ok::<_, ()>(e.client_name().to_owned())).unwrap();
    assert_eq!(kept, ["good.png"]);
}

#[tokio::test]
async fn the_chunk_size_is_the_apps_unless_the_view_chooses_and_always_fits_a_frame() {
    let size = |answer: Value| answer["entries"]["0"]["chunk"].as_u64().unwrap();
    let mut up = avatar();
    let app = Policy { chunk: 262_144, ..policy() };
    assert_eq!(size(start(&mut up, &offer("a.png", 1), &app, None).unwrap()), 262_144);
    let mut up = Upload::new(UploadConfig::new("avatar").chunk_bytes(4 << 20));
    assert_eq!(size(start(&mut up, &offer("a.png", 1), &policy(), None).unwrap()), (1 << 20) - 128);
    let mut up = Upload::new(UploadConfig::new("avatar").max_entries(2).chunk_bytes(10));
    assert_eq!(size(start(&mut up, &offer("a.png", 5000), &policy(), None).unwrap()), 1024);
    // A chunk larger than the entry's size is refused.
    let root = tempfile::tempdir().unwrap();
    let mut spool = Spool::new(root.path(), 8);
    let mut big = PNG.to_vec();
    big.resize(1025, 0);
    let refused = chunk(&mut up, &mut spool, &piece("avatar:0", 0, &big, false), &policy()).await;
    assert_eq!(refused.unwrap_err().code, "oversized_chunk");
}

#[test]
fn only_short_chunks_that_are_not_the_last_pay_the_rate_limit() {
    let mut up = avatar();
    start(&mut up, &offer("a.png", 1 << 20), &policy(), None).unwrap();
    let sized = |len: usize, last: bool| piece("avatar:0", 0, &vec![0; len], last);
    assert!(up.entry_pays(&sized(1000, false)));
    assert!(!up.entry_pays(&sized(1000, true)), "the last chunk is as short as the file ends");
    assert!(!up.entry_pays(&sized(65_536, false)), "a full chunk passes");
    // With chunks smaller than a text message's, a chunk of the entry's size is full.
    let mut small = Upload::new(UploadConfig::new("small").chunk_bytes(2048));
    start(&mut small, &offer("a.png", 1 << 20), &policy(), None).unwrap();
    assert!(!small.entry_pays(&piece("small:0", 0, &[0; 2048], false)));
    assert!(small.entry_pays(&piece("small:0", 0, &[0; 2047], false)));
    // An unknown entry's chunk is refused, and charged there.
    assert!(!up.entry_pays(&piece("avatar:7", 0, &[0; 10], false)));
}

fn resumable() -> Upload {
    Upload::new(
        UploadConfig::new("avatar")
            .accept(&[".png"])
            .max_entries(2)
            .max_file_size(1 << 20)
            .resumable(std::time::Duration::from_secs(600)),
    )
}

fn owner<'a>(spool: &'a Spool, hash: &'a str) -> Option<Owner<'a>> {
    Some(Owner { root: spool.root(), owner: hash, held: spool.counter() })
}

fn resume_offer(size: usize, token: &str) -> Value {
    json!([{"ref": "0", "name": "me.png", "size": size, "type": "image/png", "resume": token}])
}

fn parked(root: &std::path::Path) -> usize {
    std::fs::read_dir(root.join("resume")).map_or(0, |d| d.count())
}

#[tokio::test]
async fn a_resumable_upload_goes_on_from_the_acknowledged_bytes_after_its_session_ended() {
    let root = tempfile::tempdir().unwrap();
    let me = crate::uploads::resume::owner("page-1");
    let mut body = PNG.to_vec();
    body.extend(std::iter::repeat_n(7u8, 3000));
    let (head, tail) = body.split_at(1024);
    let token = {
        let mut spool = Spool::new(root.path(), 20);
        let mut up = resumable();
        let answer =
            start(&mut up, &offer("me.png", body.len()), &policy(), owner(&spool, &me)).unwrap();
        let token = answer["entries"]["0"]["resume"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 32);
        chunk(&mut up, &mut spool, &piece("avatar:0", 0, head, false), &policy()).await.unwrap();
        token
        // The session ends here: the view and its folder go, the resumable file stays.
    };
    assert_eq!(parked(root.path()), 2, "the file and its record");
    let mut spool = Spool::new(root.path(), 21);
    let mut up = resumable();
    let answer =
        start(&mut up, &resume_offer(body.len(), &token), &policy(), owner(&spool, &me)).unwrap();
    let entry = &answer["entries"]["0"];
    assert_eq!((entry["offset"].as_u64(), entry["resume"].as_str()), (Some(1024), Some(&*token)));
    assert_eq!(up.entries()[0].received(), 1024);
    assert_eq!(up.entries()[0].sniffed_type(), Some("image/png"));
    assert_eq!(spool.held(), 1024, "the bytes taken up count against the session");
    let refused = chunk(&mut up, &mut spool, &piece("avatar:0", 0, head, false), &policy())
        .await
        .unwrap_err();
    assert_eq!(refused.code, "bad_offset", "the file goes on where it stopped, not from 0");
    let ack =
        chunk(&mut up, &mut spool, &piece("avatar:0", 1024, tail, true), &policy()).await.unwrap();
    assert_eq!(ack, Ack { offset: body.len() as u64, done: true });
    assert_eq!(up.consume(|p, _| std::fs::read(p)).unwrap(), [body.clone()]);
    assert_eq!(parked(root.path()), 0, "a consumed file leaves nothing behind");
}

#[tokio::test]
async fn another_page_a_forged_token_or_another_file_starts_afresh_and_takes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let me = crate::uploads::resume::owner("page-1");
    let token = {
        let mut spool = Spool::new(root.path(), 22);
        let mut up = resumable();
        let answer = start(&mut up, &offer("me.png", 4096), &policy(), owner(&spool, &me)).unwrap();
        chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, false), &policy()).await.unwrap();
        answer["entries"]["0"]["resume"].as_str().unwrap().to_owned()
    };
    let spool = Spool::new(root.path(), 23);
    let them = crate::uploads::resume::owner("page-2");
    for (offer, who) in [
        (resume_offer(4096, &token), &them),
        (resume_offer(4097, &token), &me),
        (resume_offer(4096, "../../../etc/passwd"), &me),
        (resume_offer(4096, &"0".repeat(32)), &me),
    ] {
        let mut up = resumable();
        let answer = start(&mut up, &offer, &policy(), owner(&spool, who)).unwrap();
        let entry = &answer["entries"]["0"];
        assert_eq!(entry["offset"], 0, "{offer}");
        assert_ne!(entry["resume"].as_str(), Some(&*token), "{offer}");
        assert_eq!(up.entries()[0].received(), 0);
    }
    assert_eq!(spool.held(), 0);
    // A token that is not a string is malformed.
    let mut up = resumable();
    let bad = json!([{"ref": "0", "name": "me.png", "size": 1, "type": "", "resume": 7}]);
    assert_eq!(start(&mut up, &bad, &policy(), owner(&spool, &me)).unwrap_err().code, "bad_upload");
    // The page's own offer still resumes.
    let mut up = resumable();
    let answer =
        start(&mut up, &resume_offer(4096, &token), &policy(), owner(&spool, &me)).unwrap();
    assert_eq!(answer["entries"]["0"]["offset"], PNG.len());
    // Not twice: an entry of this upload holds the file already.
    let again = start(&mut up, &resume_offer(4096, &token), &policy(), owner(&spool, &me)).unwrap();
    assert_eq!(again["entries"]["0"]["offset"], 0);
    assert_ne!(again["entries"]["0"]["resume"].as_str(), Some(&*token));
}

#[tokio::test]
async fn a_cancelled_or_refused_resumable_entry_leaves_nothing_to_resume() {
    let root = tempfile::tempdir().unwrap();
    let me = crate::uploads::resume::owner("page-1");
    let mut spool = Spool::new(root.path(), 24);
    let mut up = resumable();
    start(&mut up, &offer("me.png", 4096), &policy(), owner(&spool, &me)).unwrap();
    chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, false), &policy()).await.unwrap();
    assert_eq!(parked(root.path()), 2);
    assert!(up.cancel("avatar:0"));
    assert_eq!(parked(root.path()), 0, "cancel removes the file and its record");
    start(&mut up, &offer("cat.png", ELF.len()), &policy(), owner(&spool, &me)).unwrap();
    let refused =
        chunk(&mut up, &mut spool, &piece("avatar:1", 0, ELF, true), &policy()).await.unwrap_err();
    assert_eq!(refused.code, "content_mismatch");
    drop(up);
    assert_eq!(parked(root.path()), 0, "a refused file is not kept for a rejoin");
    // Without resumable(), nothing goes to the resume folder and no token is handed out.
    let mut plain = avatar();
    let answer = start(&mut plain, &offer("me.png", 4096), &policy(), owner(&spool, &me)).unwrap();
    assert!(answer["entries"]["0"].get("resume").is_none());
    chunk(&mut plain, &mut spool, &piece("avatar:0", 0, PNG, false), &policy()).await.unwrap();
    drop(plain);
    drop(spool);
    assert_eq!(parked(root.path()), 0);
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1, "only the resume folder");
}

#[tokio::test]
async fn a_file_the_server_cannot_write_fails_its_entry_instead_of_leaving_it_sending() {
    let root = tempfile::tempdir().unwrap();
    // The upload root is a file: no folder can be made under it.
    let blocked = root.path().join("blocked");
    std::fs::write(&blocked, b"").unwrap();
    let mut spool = Spool::new(&blocked, 30);
    let mut up = avatar();
    start(&mut up, &offer("me.png", 4096), &policy(), None).unwrap();
    let refused =
        chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, false), &policy()).await.unwrap_err();
    assert_eq!((refused.code, refused.protocol), ("upload_failed", false));
    assert_eq!(up.entries()[0].errors(), [UploadError::Failed]);
    assert!(!up.entries()[0].done());
    let late =
        chunk(&mut up, &mut spool, &piece("avatar:0", 0, PNG, false), &policy()).await.unwrap_err();
    assert_eq!(late.code, "entry_closed");
    // A writable root takes the next file.
    let mut spool = Spool::new(root.path(), 31);
    start(&mut up, &offer("you.png", PNG.len()), &policy(), None).unwrap();
    let ack =
        chunk(&mut up, &mut spool, &piece("avatar:1", 0, PNG, true), &policy()).await.unwrap();
    assert!(ack.done);
}

#[tokio::test]
async fn a_scopes_quota_holds_at_each_chunk_when_its_sessions_offered_at_once() {
    let root = tempfile::tempdir().unwrap();
    let scope = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let policy = Policy { scope_quota: 6000, ..policy() };
    let (mut one, mut two) = (avatar().scoped("user:1"), avatar().scoped("user:1"));
    one.scope_held = Some(scope.clone());
    two.scope_held = Some(scope.clone());
    let (mut a, mut b) = (Spool::new(root.path(), 40), Spool::new(root.path(), 41));
    // Each offer fits the scope's 6000 bytes alone, both before either sent a byte.
    start(&mut one, &offer("a.png", 4000), &policy, None).unwrap();
    start(&mut two, &offer("b.png", 4000), &policy, None).unwrap();
    let body = [PNG, &[7u8; 3984]].concat();
    chunk(&mut one, &mut a, &piece("avatar:0", 0, &body, true), &policy).await.unwrap();
    assert_eq!(scope.load(std::sync::atomic::Ordering::Relaxed), 4000);
    let refused =
        chunk(&mut two, &mut b, &piece("avatar:0", 0, &body, true), &policy).await.unwrap_err();
    assert_eq!((refused.code, refused.protocol), ("quota_exceeded", false));
    assert_eq!(two.entries()[0].errors(), [UploadError::QuotaExceeded]);
    assert_eq!(two.scope(), Some("user:1"));
    // What the first lets go, the scope gets back.
    drop(one);
    assert_eq!(scope.load(std::sync::atomic::Ordering::Relaxed), 0);
}
