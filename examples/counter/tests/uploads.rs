#![allow(clippy::unwrap_used)]
//! Uploads to the counter's `/photos` page over a real socket, through the test client's
//! `upload` helper: what the server accepts, refuses, and enforces of the app's table.

use serde_json::json;
use zero_live::LiveConfig;
use zero_live::testing::TestServer;

fn png(size: usize) -> Vec<u8> {
    let mut bytes = vec![7u8; size];
    bytes[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    bytes
}

async fn server(config: LiveConfig) -> TestServer {
    let live = counter::live(config);
    TestServer::start(live.router(), live).await.unwrap()
}

#[tokio::test]
async fn a_photo_sent_in_chunks_is_saved_whole() {
    let server = server(LiveConfig::default()).await;
    let mut view = server.live("/photos").await.unwrap();
    let body = png(150_000);
    let answer = view.upload("photos", &[("cat.png", "image/png", &body)], 100).await.unwrap();
    assert_eq!(answer["entries"]["0"]["entry"], "photos:0");
    assert!(view.has_element("#entries .state", Some("done")).unwrap(), "{}", view.html().unwrap());
    view.submit("#photos-form", json!({})).await.unwrap();
    assert!(
        view.has_element("#saved li", Some("cat.png (image/png, 150000 bytes)")).unwrap(),
        "{}",
        view.html().unwrap()
    );
}

#[tokio::test]
async fn an_upload_under_way_renders_its_progress() {
    let server = server(LiveConfig::default()).await;
    let mut view = server.live("/photos").await.unwrap();
    view.upload("photos", &[("cat.png", "image/png", &png(1_000_000))], 60).await.unwrap();
    assert!(
        view.has_element("#entries .state", Some("sending")).unwrap(),
        "{}",
        view.html().unwrap()
    );
    let progress = view.html().unwrap();
    assert!(progress.contains("value=\"52\""), "{progress}");
    // Saving now keeps nothing: the file has not arrived.
    view.submit("#photos-form", json!({})).await.unwrap();
    assert_eq!(view.count("#saved li", None).unwrap(), 0);
}

#[tokio::test]
async fn the_apps_max_upload_bytes_caps_every_upload() {
    let mut config = LiveConfig::default();
    config.limits.max_upload_bytes = 10_000;
    let server = server(config).await;
    let mut view = server.live("/photos").await.unwrap();
    // Within the view's 1 MB, past the app's 10 kB.
    let answer =
        view.upload("photos", &[("cat.png", "image/png", &png(20_000))], 100).await.unwrap();
    assert_eq!(answer["entries"]["0"]["error"], "too_large");
    assert!(
        view.has_element("#entries .error", Some("The file is too large.")).unwrap(),
        "{}",
        view.html().unwrap()
    );
    let answer = view.upload("photos", &[("ok.png", "image/png", &png(5_000))], 100).await.unwrap();
    assert!(answer["entries"]["0"].get("error").is_none(), "{answer}");
}

#[tokio::test]
async fn uploads_the_view_does_not_have_and_forged_chunks_are_refused() {
    let server = server(LiveConfig::default()).await;
    let mut view = server.live("/photos").await.unwrap();
    let refused = view.upload("avatars", &[("cat.png", "image/png", &png(10))], 100).await;
    assert!(refused.unwrap_err().to_string().contains("unknown_upload"));
    // A chunk for an entry that never was breaks the protocol; the view goes on.
    let mut clock = server.live("/clock").await.unwrap();
    let refused = clock.upload("photos", &[("cat.png", "image/png", &png(10))], 100).await;
    assert!(refused.unwrap_err().to_string().contains("unknown_upload"));
    let answer = view.upload("photos", &[("a.png", "image/png", &png(10))], 100).await.unwrap();
    assert_eq!(answer["entries"]["0"]["entry"], "photos:0");
}

#[tokio::test]
async fn full_chunks_pass_the_event_rate_limit_that_other_frames_pay() {
    let mut config = LiveConfig::default();
    config.rate_limits.events_per_second = 1;
    config.rate_limits.event_burst = 3;
    let server = server(config).await;
    let mut view = server.live("/photos").await.unwrap();
    // 900 kB is 14 chunks of 64 KiB: far past a burst of 3.
    view.upload("photos", &[("big.png", "image/png", &png(900_000))], 100).await.unwrap();
    assert!(view.has_element("#entries .state", Some("done")).unwrap(), "{}", view.html().unwrap());
    // Events still pay: the burst is spent within a few, and the next is dropped with a
    // `rate_limited` notice (and no reply).
    let mut limited = false;
    for _ in 0..6 {
        let sent = view.event("cancel", json!({"ref": "none"}));
        if tokio::time::timeout(std::time::Duration::from_millis(500), sent).await.is_err() {
            limited = view.pushed().iter().any(|m| m["code"] == "rate_limited");
            break;
        }
    }
    assert!(limited, "events are rate limited while uploads are not: {:?}", view.pushed());
}

#[tokio::test]
async fn the_scanner_rejects_a_file_once_whole_and_the_session_quota_refuses_past_it() {
    let mut config = LiveConfig::default();
    config.limits.max_upload_bytes = 1024 * 1024;
    config.limits.max_session_upload_bytes = 1024 * 1024 + 100_000;
    let server = server(config).await;
    let mut view = server.live("/photos").await.unwrap();
    let mut infected = png(50_000);
    infected[40_000..40_000 + counter::EICAR.len()].copy_from_slice(counter::EICAR);
    view.upload("photos", &[("cat.png", "image/png", &infected)], 100).await.unwrap();
    let html = view.html().unwrap();
    assert!(view.has_element("#entries .error[data-code=rejected]", None).unwrap(), "{html}");
    assert!(
        view.has_element("#entries .rejection", Some("It carries a virus signature.")).unwrap()
    );
    view.submit("#photos-form", json!({})).await.unwrap();
    assert_eq!(view.count("#saved li", None).unwrap(), 0, "a rejected file is never kept");
    let metrics = server.live_endpoint().metrics_text();
    assert!(metrics.contains("zero_live_upload_entries_total{outcome=\"refused\"} 1\n"));
    assert!(metrics.contains("zero_live_upload_entries_total{outcome=\"done\"} 0\n"));
    // 900 kB held; 300 kB more is past the session's 1.1 MB.
    view.upload("photos", &[("a.png", "image/png", &png(900_000))], 100).await.unwrap();
    let answer =
        view.upload("photos", &[("b.png", "image/png", &png(300_000))], 100).await.unwrap();
    assert_eq!(answer["error"], "quota_exceeded");
    // Saving lets the held bytes go: the same file fits now.
    view.submit("#photos-form", json!({})).await.unwrap();
    let answer =
        view.upload("photos", &[("b.png", "image/png", &png(300_000))], 100).await.unwrap();
    assert!(answer["entries"]["0"].get("error").is_none(), "{answer}");
}

#[tokio::test]
async fn a_client_of_the_json_protocol_uploads_in_text_frames() {
    let server = server(LiveConfig::default()).await;
    let mut view = server.live("/photos").await.unwrap();
    let body = png(70_000);
    view.upload_text("photos", &[("cat.png", "image/png", &body)], 100).await.unwrap();
    view.submit("#photos-form", json!({})).await.unwrap();
    assert!(view.has_element("#saved li", Some("cat.png (image/png, 70000 bytes)")).unwrap());
}

#[tokio::test]
async fn a_sessions_files_go_when_it_disconnects_and_stay_apart_from_other_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let live = counter::builder(LiveConfig::default()).upload_dir(dir.path()).build();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut one = server.live("/photos").await.unwrap();
    let mut two = server.live("/photos").await.unwrap();
    one.upload("photos", &[("a.png", "image/png", &png(600_000))], 50).await.unwrap();
    two.upload("photos", &[("b.png", "image/png", &png(600_000))], 100).await.unwrap();
    let folders = || std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(folders(), 2, "a folder per session");
    one.disconnect().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while folders() > 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(folders(), 1, "the session that left took its files with it");
    // The other session's upload is whole and kept.
    two.submit("#photos-form", json!({})).await.unwrap();
    assert!(two.has_element("#saved li", Some("b.png (image/png, 600000 bytes)")).unwrap());
}

#[tokio::test]
async fn a_resumable_upload_cut_off_by_a_lost_connection_goes_on_from_the_bytes_received() {
    let dir = tempfile::tempdir().unwrap();
    let live = counter::builder(LiveConfig::default()).upload_dir(dir.path()).build();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/files").await.unwrap();
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let files = [("data.bin", "application/octet-stream", &body[..])];
    let started = view.upload("file", &files, 50).await.unwrap();
    let token = started["entries"]["0"]["resume"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert!(view.has_element("#entries .state", Some("sending")).unwrap());
    // Another page does not get the file for knowing its token.
    let mut other = server.live("/files").await.unwrap();
    let foreign = other.resume_upload("file", &files, &started, 0).await.unwrap();
    assert_eq!(foreign["entries"]["0"]["offset"], 0);
    assert_ne!(foreign["entries"]["0"]["resume"], started["entries"]["0"]["resume"]);
    view.reconnect().await.unwrap();
    assert_eq!(view.count("#entries li", None).unwrap(), 0, "the view mounted anew");
    let resumed = view.resume_upload("file", &files, &started, 100).await.unwrap();
    let entry = &resumed["entries"]["0"];
    assert_eq!(entry["resume"].as_str(), Some(&*token));
    let offset = entry["offset"].as_u64().unwrap();
    // The chunks acknowledged before the drop: 5 of 256 KiB (half the file is 5.7 of them).
    assert_eq!(offset, 5 * 262_144, "{resumed}");
    assert!(view.has_element("#entries .state", Some("done")).unwrap(), "{}", view.html().unwrap());
    view.click("#clear", None).await.unwrap();
    assert!(view.has_element("#kept", Some("3000000")).unwrap(), "{}", view.html().unwrap());
    let parked = std::fs::read_dir(dir.path().join("resume")).unwrap().count();
    assert_eq!(parked, 0, "a consumed file leaves nothing to resume");
    let metrics = server.live_endpoint().metrics_text();
    let series = |name: &str| {
        metrics.lines().find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok()).unwrap()
    };
    assert_eq!(series("zero_live_upload_entries_total{outcome=\"resumed\"}"), 1.0);
    assert_eq!(series("zero_live_upload_entries_total{outcome=\"done\"}"), 1.0);
    // Five chunks, then the rest from there: every byte written once.
    assert_eq!(series("zero_live_upload_bytes_total"), 3_000_000.0);
}

/// GETs `url` from `router`: the status, the headers and the body's length.
async fn get(router: &axum::Router, url: &str) -> (u16, axum::http::HeaderMap, usize) {
    use tower::ServiceExt as _;
    let request = axum::http::Request::get(url).body(axum::body::Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status.as_u16(), parts.headers, body.len())
}

#[tokio::test]
async fn a_saved_photo_is_in_the_store_and_read_through_its_signed_link_only() {
    let live = counter::live(LiveConfig::default());
    let router = live.router();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/photos").await.unwrap();
    let body = png(150_000);
    view.upload("photos", &[("../../cat.png", "image/png", &body)], 100).await.unwrap();
    view.submit("#photos-form", json!({})).await.unwrap();
    let html = view.html().unwrap();
    let at = html.find("href=\"/stored/photos/").expect("a link to the stored photo") + 6;
    let link = html[at..at + html[at..].find('"').unwrap()].replace("&amp;", "&");
    let (status, headers, len) = get(&router, &link).await;
    assert_eq!((status, len), (200, 150_000), "{link}");
    assert_eq!(headers["content-type"], "image/png");
    assert!(view.has_element("#saved a", Some("cat.png")).unwrap(), "the client's path is gone");
    // The same link with another signature, without one, or for another key is refused.
    let last = if link.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{last}", &link[..link.len() - 1]);
    assert_eq!(get(&router, &forged).await.0, 403);
    assert_eq!(get(&router, link.split('?').next().unwrap()).await.0, 403);
    let other = link.replacen("/stored/photos/", "/stored/photos/0", 1);
    assert_eq!(get(&router, &other).await.0, 403);
}

#[tokio::test]
async fn the_sessions_of_one_scope_share_its_quota_and_other_pages_do_not_count() {
    let mut config = LiveConfig::default();
    config.limits.max_upload_bytes = 1024 * 1024;
    config.limits.max_session_upload_bytes = 1024 * 1024;
    config.limits.max_scope_upload_bytes = 1_500_000;
    let server = server(config).await;
    // The photos page's uploads are scoped to "photos": its visitors share 1.5 MB.
    let mut one = server.live("/photos").await.unwrap();
    let mut two = server.live("/photos").await.unwrap();
    one.upload("photos", &[("a.png", "image/png", &png(900_000))], 100).await.unwrap();
    let refused =
        two.upload("photos", &[("b.png", "image/png", &png(700_000))], 100).await.unwrap();
    assert_eq!(refused["error"], "quota_exceeded", "900 kB + 700 kB is past the scope's 1.5 MB");
    let fits = two.upload("photos", &[("c.png", "image/png", &png(500_000))], 100).await.unwrap();
    assert!(fits["entries"]["0"].get("error").is_none(), "{fits}");
    // The files page is not scoped: only its session's quota applies.
    let mut files = server.live("/files").await.unwrap();
    let body = vec![1u8; 1_000_000];
    let other = files.upload("file", &[("d.bin", "", &body)], 100).await.unwrap();
    assert!(other["entries"]["0"].get("error").is_none(), "{other}");
    // The scope holds 1.4 MB: 400 kB more is past it, until the other session lets go.
    let d = png(400_000);
    let refused = two.upload("photos", &[("d.png", "image/png", &d)], 100).await.unwrap();
    assert_eq!(refused["error"], "quota_exceeded");
    one.submit("#photos-form", json!({})).await.unwrap();
    let after = two.upload("photos", &[("d.png", "image/png", &d)], 100).await.unwrap();
    assert!(after["entries"]["0"].get("error").is_none(), "{after}");
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = vec![b' '; size];
    bytes[..9].copy_from_slice(b"%PDF-1.7\n");
    bytes
}

#[tokio::test]
async fn an_external_upload_goes_to_the_store_by_its_url_and_is_saved_from_there() {
    let live = counter::live(LiveConfig::default());
    let router = live.router();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/attachments").await.unwrap();
    let body = pdf(300_000);
    let answer = view.upload("files", &[("report.pdf", "application/pdf", &body)], 40).await;
    let answer = answer.unwrap();
    let url = answer["entries"]["0"]["external"]["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/stored/attachments/incoming/"), "{answer}");
    assert!(answer["entries"]["0"].get("chunk").is_none(), "nothing over the socket");
    // Under way: the page shows the share the browser reported.
    assert!(view.html().unwrap().contains("value=\"40\""), "{}", view.html().unwrap());
    view.submit("#attachments-form", json!({})).await.unwrap();
    assert_eq!(view.count("#saved li", None).unwrap(), 0, "nothing arrived yet");

    let mut view = server.live("/attachments").await.unwrap();
    view.upload("files", &[("report.pdf", "application/pdf", &body)], 100).await.unwrap();
    assert!(view.has_element("#entries .state", Some("done")).unwrap(), "{}", view.html().unwrap());
    view.submit("#attachments-form", json!({})).await.unwrap();
    let html = view.html().unwrap();
    let at = html.find("href=\"/stored/attachments/").expect("a link to the saved file") + 6;
    let link = html[at..at + html[at..].find('"').unwrap()].replace("&amp;", "&");
    assert!(!link.contains("incoming"), "{link}");
    let (status, headers, len) = get(&router, &link).await;
    assert_eq!((status, len), (200, 300_000), "{link}");
    assert_eq!(headers["content-type"], "application/pdf");
}

#[tokio::test]
async fn an_external_file_that_is_not_what_it_claims_is_refused_and_never_saved() {
    let server = server(LiveConfig::default()).await;
    let mut view = server.live("/attachments").await.unwrap();
    let mut elf = vec![0u8; 4096];
    elf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    view.upload("files", &[("invoice.pdf", "application/pdf", &elf)], 100).await.unwrap();
    assert!(
        view.has_element("#entries .error", Some("The file's content does not match its type."))
            .unwrap(),
        "{}",
        view.html().unwrap()
    );
    view.submit("#attachments-form", json!({})).await.unwrap();
    assert_eq!(view.count("#saved li", None).unwrap(), 0);
    // A type the page does not take never gets a URL.
    let files = [("run.exe", "application/x-msdownload", elf.as_slice())];
    let answer = view.upload("files", &files, 100).await.unwrap();
    assert_eq!(answer["entries"]["0"]["error"], "not_accepted", "{answer}");
    assert!(answer["entries"]["0"].get("external").is_none());
}

/// The files under `dir` (the upload root), however deep.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn a_view_that_crashes_mid_upload_leaves_no_file_and_the_endpoint_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let live = counter::builder(LiveConfig::default()).upload_dir(dir.path()).build();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/photos").await.unwrap();
    view.upload("photos", &[("cat.png", "image/png", &png(600_000))], 50).await.unwrap();
    assert_eq!(files_under(dir.path()).len(), 1, "half a photo waits in the session's folder");
    assert!(view.event("crash", json!({})).await.is_err(), "the view crashed");
    // The session's end (by a panic too) removes its folder.
    for _ in 0..100 {
        if files_under(dir.path()).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(files_under(dir.path()), Vec::<std::path::PathBuf>::new());
    let mut again = server.live("/photos").await.unwrap();
    again.upload("photos", &[("cat.png", "image/png", &png(1000))], 100).await.unwrap();
    assert!(again.has_element("#entries .state", Some("done")).unwrap());
}

#[tokio::test]
async fn a_resumable_file_outlives_a_crashed_view_and_goes_on_after_the_rejoin() {
    let dir = tempfile::tempdir().unwrap();
    let live = counter::builder(LiveConfig::default()).upload_dir(dir.path()).build();
    let server = TestServer::start(live.router(), live).await.unwrap();
    let mut view = server.live("/files").await.unwrap();
    let body: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let files = [("data.bin", "application/octet-stream", &body[..])];
    let started = view.upload("file", &files, 50).await.unwrap();
    assert!(view.event("crash", json!({})).await.is_err(), "the view crashed");
    view.reconnect().await.unwrap();
    let resumed = view.resume_upload("file", &files, &started, 100).await.unwrap();
    assert_eq!(resumed["entries"]["0"]["resume"], started["entries"]["0"]["resume"]);
    assert!(resumed["entries"]["0"]["offset"].as_u64().unwrap() > 0, "{resumed}");
    assert!(view.has_element("#entries .state", Some("done")).unwrap(), "{}", view.html().unwrap());
    view.click("#clear", None).await.unwrap();
    assert!(view.has_element("#kept", Some("2000000")).unwrap(), "{}", view.html().unwrap());
}
