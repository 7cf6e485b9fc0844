#![allow(clippy::unwrap_used, clippy::print_stderr)]
//! The jobs page (`zero_jobs::web::router`) nested in an app's router, and the test helpers, on
//! a SQLite file and on Postgres when `ZERO_DB_POSTGRES_URL` names a server (required under
//! `CI`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use tower::ServiceExt as _;
use zero_db::Db;
use zero_jobs::{JobState, ManualClock, NewJob, claim, enqueue_now, fail};

mod support;
use support::databases;

/// An app with the page at `/admin/jobs`, for requests that carry `x-operator: yes` (what an
/// app's pipeline would have put in the request).
fn app(db: &Db) -> axum::Router {
    let jobs = zero_jobs::web::router(db.clone(), |request| {
        request.headers.get("x-operator").is_some_and(|v| v == "yes")
    });
    axum::Router::new().nest("/admin/jobs", jobs)
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String, Option<String>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap(), location)
}

fn get(path: &str, operator: bool) -> Request<Body> {
    let request = Request::get(path).header("host", "ops.test");
    let request = if operator { request.header("x-operator", "yes") } else { request };
    request.body(Body::empty()).unwrap()
}

fn post(path: &str, origin: Option<&str>) -> Request<Body> {
    let request = Request::post(path).header("host", "ops.test").header("x-operator", "yes");
    let request = match origin {
        Some(origin) => request.header("origin", origin),
        None => request,
    };
    request.body(Body::empty()).unwrap()
}

/// A dead `welcome` job (one attempt, failed) and a queued `digest` job.
async fn dead_and_queued(db: &Db, clock: &ManualClock) -> (i64, i64) {
    let dead = NewJob::new("welcome", &json!({"to": "<ann>"})).unwrap().queue("mail").unwrap();
    let dead = enqueue_now(db, &dead.max_attempts(1), clock).await.unwrap().id();
    let claimed = claim(db, "mail", 1, 30_000, clock).await.unwrap();
    let backoff = zero_jobs::Backoff::default();
    let state = fail(db, &claimed.jobs[0], &claimed.token, "smtp: 421 <busy>", &backoff, clock);
    assert_eq!(state.await.unwrap(), Some(JobState::Dead));
    let queued = NewJob::new("digest", &json!({"week": 49})).unwrap();
    let queued = enqueue_now(db, &queued, clock).await.unwrap().id();
    (dead, queued)
}

#[tokio::test]
async fn an_operator_sees_each_queues_totals_and_a_states_jobs_escaped() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::at(1_800_000_000_000);
        let (dead, queued) = dead_and_queued(&db, &clock).await;
        let app = app(&db);
        let (status, html, _) = send(&app, get("/admin/jobs", true)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(&format!("id=\"job-{dead}\"")), "dead jobs by default: {html}");
        assert!(html.contains("smtp: 421 &lt;busy&gt;") && html.contains("&lt;ann&gt;"));
        assert!(html.contains(&format!("action=\"/admin/jobs/{dead}/retry\"")));
        assert!(!html.contains(&format!("id=\"job-{queued}\"")), "another state's job");
        assert!(html.contains("href=\"/admin/jobs?state=dead&amp;queue=mail\">1</a>"));
        assert!(html.contains("href=\"/admin/jobs?state=queued&amp;queue=default\">1</a>"));

        let (_, html, _) = send(&app, get("/admin/jobs?state=queued", true)).await;
        assert!(html.contains(&format!("id=\"job-{queued}\"")), "{html}");
        let (_, html, _) = send(&app, get("/admin/jobs?state=queued&queue=mail", true)).await;
        assert!(html.contains("id=\"none\""), "no queued job of mail: {html}");
        let (status, html, _) = send(&app, get("/admin/jobs?state=lost", true)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("unknown state `lost`"), "{html}");
    }
}

#[tokio::test]
async fn anyone_the_guard_refuses_finds_no_page_and_no_action() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::at(1_800_000_000_000);
        let (dead, _) = dead_and_queued(&db, &clock).await;
        let app = app(&db);
        let (status, html, _) = send(&app, get("/admin/jobs", false)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!html.contains("welcome"), "{html}");
        let mut request = post(&format!("/admin/jobs/{dead}/retry"), Some("http://ops.test"));
        request.headers_mut().remove("x-operator");
        assert_eq!(send(&app, request).await.0, StatusCode::NOT_FOUND);
        let jobs = zero_jobs::list(&db, None, Some("welcome")).await.unwrap();
        assert_eq!(jobs[0].state, JobState::Dead, "unchanged");
    }
}

#[tokio::test]
async fn a_retry_or_discard_from_the_page_acts_and_one_from_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::at(1_800_000_000_000);
        let (dead, queued) = dead_and_queued(&db, &clock).await;
        let app = app(&db);
        let retry = format!("/admin/jobs/{dead}/retry");
        for origin in [Some("https://evil.test"), Some("null"), None] {
            let (status, html, _) = send(&app, post(&retry, origin)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
            assert!(html.contains("did not come from this site"), "{html}");
        }
        let (status, _, location) = send(&app, post(&retry, Some("http://ops.test"))).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/admin/jobs?state=queued"));
        let job = zero_jobs::list(&db, None, Some("welcome")).await.unwrap().remove(0);
        assert_eq!((job.state, job.attempts), (JobState::Queued, 0));
        // Again: it is not dead any more.
        let (status, html, _) = send(&app, post(&retry, Some("http://ops.test"))).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains(&format!("job {dead} is not dead")), "{html}");

        let discard = format!("/admin/jobs/{queued}/discard");
        let mut same_site = post(&discard, None);
        same_site.headers_mut().insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert_eq!(send(&app, same_site).await.0, StatusCode::SEE_OTHER);
        assert!(zero_jobs::list(&db, None, Some("digest")).await.unwrap().is_empty());
        let (status, html, _) =
            send(&app, post("/admin/jobs/x1/discard", Some("http://ops.test"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("`x1` is not a job id"), "{html}");
    }
}

#[tokio::test]
async fn assert_enqueued_finds_the_one_job_a_test_names() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::at(1_800_000_000_000);
        let welcome = NewJob::new("welcome", &json!({"to": "ann@example.com", "user": 7})).unwrap();
        enqueue_now(&db, &welcome, &clock).await.unwrap();
        let job =
            zero_jobs::testing::assert_enqueued(&db, "welcome", &json!({"to": "ann@example.com"}))
                .await;
        assert_eq!(job.args["user"], 7);
        zero_jobs::testing::refute_enqueued(&db, "welcome", &json!({"to": "bob@example.com"}))
            .await;
        zero_jobs::testing::refute_enqueued(&db, "digest", &json!({})).await;
    }
}

#[tokio::test]
#[should_panic(
    expected = "expected one queued `welcome` job holding {\"to\":\"bob@example.com\"}, found 0; the queued `welcome` jobs: [{\"to\":\"ann@example.com\"}]"
)]
async fn assert_enqueued_says_what_was_enqueued_instead() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/jobs.db", dir.path().display())).await.unwrap();
    zero_jobs::schema::create(&db).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    let welcome = NewJob::new("welcome", &json!({"to": "ann@example.com"})).unwrap();
    enqueue_now(&db, &welcome, &clock).await.unwrap();
    zero_jobs::testing::assert_enqueued(&db, "welcome", &json!({"to": "bob@example.com"})).await;
}

#[tokio::test]
#[should_panic(expected = "expected no queued `welcome` job holding {}")]
async fn refute_enqueued_names_the_job_it_found() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/jobs.db", dir.path().display())).await.unwrap();
    zero_jobs::schema::create(&db).await.unwrap();
    let clock = ManualClock::at(1_800_000_000_000);
    enqueue_now(&db, &NewJob::new("welcome", &json!({})).unwrap(), &clock).await.unwrap();
    zero_jobs::testing::refute_enqueued(&db, "welcome", &json!({})).await;
}
