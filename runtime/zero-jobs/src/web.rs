//! The jobs page an app mounts (feature `web`): every queue's totals by state, the newest jobs
//! of a state with their attempts and last errors, a retry for a dead job and a discard for a
//! queued or dead one.
//!
//! [`router`] is an axum `Router` to nest under a path of the app's, behind the pipeline that
//! signs its operators in:
//!
//! ```ignore
//! // The app's own rule: here, a list of operators' addresses.
//! let jobs = zero_jobs::web::router(db.clone(), move |request| {
//!     let user = request.extensions.get::<Scope>().and_then(|scope| scope.user.as_ref());
//!     user.is_some_and(|user| operators.contains(&user.email))
//! });
//! let app = app.nest("/admin/jobs", jobs);
//! ```
//!
//! It fails closed twice:
//! - the guard sees each request and says whether its sender may see the jobs (their arguments
//!   name users and their data); for anyone else the page does not exist (`404`);
//! - a retry or a discard (`POST`) must come from a page of the same origin: its `Origin`
//!   header names the request's own host, or, without one, its `Sec-Fetch-Site` says
//!   `same-origin`. Anything else is refused (`403`), so another site cannot make an operator's
//!   browser act.
//!
//! The page is plain HTML with no script or inline style, so an app's content security policy
//! needs nothing more for it.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{NestedPath, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zero_db::Db;
use zero_live_core::escape;

use crate::{JobRow, JobState, SystemClock};

/// How many jobs of a state the page lists (the newest).
pub const PAGE_ROWS: u32 = 200;

/// Whether a request's sender may see the jobs and act on them.
type Guard = Arc<dyn Fn(&Parts) -> bool + Send + Sync>;

#[derive(Clone)]
struct Page {
    db: Db,
    guard: Guard,
}

/// The jobs page of `db`'s queue, for the requests `guard` admits: `GET /` (`?state=dead`,
/// `&queue=mail`), `POST /{id}/retry`, `POST /{id}/discard`. Nest it under a path
/// (`Router::nest`): its links and forms are made from that path.
pub fn router(db: Db, guard: impl Fn(&Parts) -> bool + Send + Sync + 'static) -> axum::Router {
    let page = Page { db, guard: Arc::new(guard) };
    axum::Router::new()
        .route("/", get(index))
        .route("/{id}/retry", post(retry))
        .route("/{id}/discard", post(discard))
        .with_state(page)
}

/// What the page is asked to list.
#[derive(Debug, Deserialize)]
struct Filter {
    state: Option<String>,
    queue: Option<String>,
}

/// A refusal or a failure, as a short page with its status.
fn answer(status: StatusCode, message: &str) -> Response {
    let mut body = String::from("<!DOCTYPE html><html lang=\"en\"><title>Jobs</title><p>");
    escape::html(&mut body, message);
    body.push_str("</p></html>");
    (status, Html(body)).into_response()
}

fn not_found() -> Response {
    answer(StatusCode::NOT_FOUND, "not found")
}

async fn index(
    State(page): State<Page>,
    parts: Parts,
    base: NestedPath,
    Query(filter): Query<Filter>,
) -> Response {
    if !(page.guard)(&parts) {
        return not_found();
    }
    let state = match filter.state.as_deref() {
        None | Some("") => JobState::Dead,
        Some(name) => match JobState::from_name(name) {
            Some(state) => state,
            None => {
                let why = format!("unknown state `{name}`: queued, running, done or dead");
                return answer(StatusCode::BAD_REQUEST, &why);
            }
        },
    };
    let queue = filter.queue.filter(|q| !q.is_empty());
    let counts = crate::counts(&page.db).await;
    let jobs = crate::recent(&page.db, Some(state), queue.as_deref(), PAGE_ROWS).await;
    match (counts, jobs) {
        (Ok(counts), Ok(jobs)) => {
            let html = render(base.as_str(), state, queue.as_deref(), &counts, &jobs);
            ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(target: "zero_jobs::web", error = %e, "the jobs page could not be read");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "the jobs could not be read")
        }
    }
}

async fn retry(
    State(page): State<Page>,
    parts: Parts,
    base: NestedPath,
    Path(id): Path<String>,
) -> Response {
    act(&page, &parts, base.as_str(), &id, Action::Retry).await
}

async fn discard(
    State(page): State<Page>,
    parts: Parts,
    base: NestedPath,
    Path(id): Path<String>,
) -> Response {
    act(&page, &parts, base.as_str(), &id, Action::Discard).await
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Retry,
    Discard,
}

async fn act(page: &Page, parts: &Parts, base: &str, id: &str, action: Action) -> Response {
    if !(page.guard)(parts) {
        return not_found();
    }
    if !same_origin(&parts.headers) {
        return answer(StatusCode::FORBIDDEN, "refused: the request did not come from this site");
    }
    let Ok(id) = id.parse::<i64>() else {
        return answer(StatusCode::BAD_REQUEST, &format!("`{id}` is not a job id"));
    };
    let done = match action {
        Action::Retry => crate::retry(&page.db, id, &SystemClock).await,
        Action::Discard => crate::discard(&page.db, id).await,
    };
    match done {
        Ok(true) => {
            let state = match action {
                Action::Retry => JobState::Queued,
                Action::Discard => JobState::Dead,
            };
            let to = format!("{}?state={}", root(base), state.as_str());
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        Ok(false) => {
            let why = match action {
                Action::Retry => format!("job {id} is not dead: only a dead job is retried"),
                Action::Discard => {
                    format!("job {id} is not queued or dead: a running job is its worker's")
                }
            };
            answer(StatusCode::CONFLICT, &why)
        }
        Err(e) => {
            tracing::error!(target: "zero_jobs::web", error = %e, job = id, "a job action failed");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "the job could not be changed")
        }
    }
}

/// The page's own path: the nesting path (axum does not route it with a trailing slash).
fn root(base: &str) -> String {
    match base.trim_end_matches('/') {
        "" => "/".to_owned(),
        path => path.to_owned(),
    }
}

/// The path of job `id`'s `action`.
fn action_path(base: &str, id: i64, action: &str) -> String {
    format!("{}/{id}/{action}", base.trim_end_matches('/'))
}

/// Whether a request came from a page of its own origin: its `Origin` names the request's
/// `Host`, or, without an `Origin`, its `Sec-Fetch-Site` is `same-origin`. A request with
/// neither is refused: browsers send one of them with every form post.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => {
            let authority = origin.split_once("://").map(|(_, rest)| rest);
            authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
        }
        (Some(_), None) => false,
        (None, _) => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site == "same-origin"),
    }
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS` UTC.
fn utc(ms: i64) -> String {
    use chrono::{Datelike as _, Timelike as _};
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| {
            let (day, time) = (t.date_naive(), t.time());
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                day.year(),
                day.month(),
                day.day(),
                time.hour(),
                time.minute(),
                time.second()
            )
        },
    )
}

fn render(
    base: &str,
    state: JobState,
    queue: Option<&str>,
    counts: &[(String, JobState, i64)],
    jobs: &[JobRow],
) -> String {
    let root = root(base);
    let mut out = String::with_capacity(4096);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Jobs</title></head>\n<body>\n<main>\n<h1>Jobs</h1>\n");
    // Totals: a row per queue, a link per state.
    out.push_str("<table id=\"totals\">\n<thead><tr><th scope=\"col\">Queue</th>");
    for s in JobState::ALL {
        let _ = write!(out, "<th scope=\"col\">{}</th>", s.as_str());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut queues: Vec<&str> = counts.iter().map(|(q, _, _)| q.as_str()).collect();
    queues.dedup();
    for q in queues {
        out.push_str("<tr><th scope=\"row\">");
        escape::html(&mut out, q);
        out.push_str("</th>");
        for s in JobState::ALL {
            let n = counts.iter().find(|(cq, cs, _)| cq == q && *cs == s).map_or(0, |c| c.2);
            out.push_str("<td><a href=\"");
            escape::html(&mut out, &root);
            let _ = write!(out, "?state={}&amp;queue=", s.as_str());
            let q = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
            let _ = write!(out, "{q}\">{n}</a></td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n<nav>");
    for s in JobState::ALL {
        out.push_str(" <a href=\"");
        escape::html(&mut out, &root);
        let _ = write!(out, "?state={0}\"", s.as_str());
        if s == state && queue.is_none() {
            out.push_str(" aria-current=\"page\"");
        }
        let _ = write!(out, ">{}</a>", s.as_str());
    }
    out.push_str("</nav>\n<h2>");
    let _ = write!(out, "{} jobs", state.as_str());
    if let Some(q) = queue {
        out.push_str(" of ");
        escape::html(&mut out, q);
    }
    let _ = writeln!(out, " (the newest {PAGE_ROWS})</h2>");
    if jobs.is_empty() {
        out.push_str("<p id=\"none\">None.</p>\n");
    } else {
        out.push_str("<table id=\"jobs\">\n<thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Queue</th><th scope=\"col\">Kind</th><th scope=\"col\">Arguments</th><th scope=\"col\">Attempts</th><th scope=\"col\">Due (UTC)</th><th scope=\"col\">Last error</th><th scope=\"col\">Actions</th></tr></thead>\n<tbody>\n");
        for job in jobs {
            row(&mut out, &root, job);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn row(out: &mut String, root: &str, job: &JobRow) {
    let _ = write!(out, "<tr id=\"job-{0}\"><td>{0}</td><td>", job.id);
    escape::html(out, &job.queue);
    out.push_str("</td><td>");
    escape::html(out, &job.kind);
    out.push_str("</td><td><code>");
    escape::html(out, &job.args.to_string());
    let _ = write!(out, "</code></td><td>{} of {}</td><td>", job.attempts, job.max_attempts);
    out.push_str(&utc(job.run_at));
    out.push_str("</td><td>");
    escape::html(out, job.last_error.as_deref().unwrap_or(""));
    out.push_str("</td><td>");
    let mut button = |action: &str, label: &str| {
        out.push_str("<form method=\"post\" action=\"");
        escape::html(out, &action_path(root, job.id, action));
        let _ = write!(out, "\"><button>{label}</button></form>");
    };
    if job.state == JobState::Dead {
        button("retry", "Retry");
    }
    if matches!(job.state, JobState::Queued | JobState::Dead) {
        button("discard", "Discard");
    }
    out.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("a header value"));
        }
        map
    }

    #[test]
    fn only_a_request_of_the_same_origin_may_act() {
        let host = ("host", "ops.example.com");
        assert!(same_origin(&headers(&[host, ("origin", "https://ops.example.com")])));
        assert!(same_origin(&headers(&[host, ("origin", "http://OPS.example.com")])));
        assert!(!same_origin(&headers(&[host, ("origin", "https://evil.example")])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[("origin", "https://ops.example.com")])), "no host");
        assert!(same_origin(&headers(&[host, ("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[host, ("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[host])), "neither header: refused");
    }

    #[test]
    fn the_page_escapes_what_jobs_carry_and_offers_only_the_actions_a_state_allows() {
        let job = |id, state, error: Option<&str>| JobRow {
            id,
            queue: "mail".into(),
            kind: "welcome<script>".into(),
            args: serde_json::json!({"to": "<b>ann</b>"}),
            state,
            attempts: 3,
            max_attempts: 3,
            run_at: 0,
            unique_key: None,
            last_error: error.map(str::to_owned),
        };
        let jobs = [
            job(2, JobState::Dead, Some("smtp said \"no\" & <closed>")),
            job(1, JobState::Queued, None),
        ];
        let counts = [
            ("mail".to_owned(), JobState::Dead, 1),
            ("mail".to_owned(), JobState::Queued, 1),
            ("a&b".to_owned(), JobState::Done, 4),
        ];
        let html = render("/admin/jobs", JobState::Dead, None, &counts, &jobs);
        assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");
        assert!(html.contains("welcome&lt;script&gt;"));
        assert!(html.contains("smtp said &quot;no&quot; &amp; &lt;closed&gt;"));
        assert!(html.contains("action=\"/admin/jobs/2/retry\""));
        assert!(html.contains("action=\"/admin/jobs/2/discard\""));
        assert!(!html.contains("/admin/jobs/1/retry"), "a queued job is not retried");
        assert!(html.contains("action=\"/admin/jobs/1/discard\""));
        assert!(html.contains("<td>1970-01-01 00:00:00</td>"));
        assert!(html.contains("href=\"/admin/jobs?state=dead&amp;queue=mail\">1</a>"));
        assert!(html.contains("<th scope=\"row\">a&amp;b</th>"));
        assert!(html.contains("href=\"/admin/jobs?state=done&amp;queue=a%26b\">4</a>"));
        assert!(!html.contains("style") && !html.contains("<script"), "nothing a CSP refuses");
    }
}
