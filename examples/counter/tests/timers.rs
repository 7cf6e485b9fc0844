#![allow(clippy::unwrap_used)]
//! A view's timers, async work and hooks over a real socket (`/clock`): messages it sends
//! itself now, after a delay and on an interval reach `handle_info`, and tasks it starts reach
//! `handle_async`, each pushing its render; cancelled ones, and those of a view navigated away
//! from, never do. Hooks it attaches see its events, messages and patches first, and may halt
//! them.

use std::time::Duration;

use serde_json::json;
use zero_live::LiveConfig;
use zero_live::testing::{TestServer, TestView};

async fn clock() -> (TestServer, TestView) {
    let live = counter::live(LiveConfig::default());
    let server = TestServer::start(live.router(), live).await.unwrap();
    let view = server.live("/clock").await.unwrap();
    (server, view)
}

/// Whether no render is pushed within `ms` milliseconds.
async fn quiet_for(view: &mut TestView, ms: u64) -> bool {
    tokio::time::timeout(Duration::from_millis(ms), view.render_async()).await.is_err()
}

#[tokio::test]
async fn a_message_sent_to_itself_arrives_after_the_event_that_sent_it() {
    let (_server, mut view) = clock().await;
    view.event("ping", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("Pings: 0"), "the event's own render comes first");
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Pings: 1"), "{html}");
    assert!(quiet_for(&mut view, 150).await, "sent once");
}

#[tokio::test]
async fn an_alarm_goes_off_once_after_its_delay_and_a_cancelled_one_never() {
    let (_server, mut view) = clock().await;
    view.event("alarm", json!({"ms": 30})).await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Alarms: 1"), "{html}");
    assert!(quiet_for(&mut view, 150).await, "an alarm goes off once");

    view.event("alarm", json!({"ms": 150})).await.unwrap();
    view.event("cancel_alarm", json!({})).await.unwrap();
    assert!(quiet_for(&mut view, 400).await, "a cancelled alarm never goes off");
    assert!(view.html().unwrap().contains("Alarms: 1"));
    // Cancelling again, when nothing is pending, changes nothing.
    view.event("cancel_alarm", json!({})).await.unwrap();
    view.event("alarm", json!({"ms": 10})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Alarms: 2"));
}

#[tokio::test]
async fn an_interval_ticks_until_stopped() {
    let (_server, mut view) = clock().await;
    view.event("start", json!({"ms": 20})).await.unwrap();
    for tick in 1..=3 {
        let html = view.render_async().await.unwrap();
        assert!(html.contains(&format!("Ticks: {tick}")), "{html}");
    }
    view.event("stop", json!({})).await.unwrap();
    // A tick already pushed before the stop may still be read; after it, none.
    let _ = tokio::time::timeout(Duration::from_millis(50), view.render_async()).await;
    let stopped = view.html().unwrap();
    assert!(quiet_for(&mut view, 200).await, "no tick after the stop");
    assert_eq!(view.html().unwrap(), stopped);
}

#[tokio::test]
async fn a_view_navigated_away_from_takes_its_timers_with_it() {
    let (_server, mut view) = clock().await;
    view.event("start", json!({"ms": 20})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Ticks: 1"));
    view.event("away", json!({})).await.unwrap();
    assert_eq!(view.follow_redirect().await.unwrap(), "/clock");
    assert!(view.html().unwrap().contains("Ticks: 0"), "a new view");
    assert!(quiet_for(&mut view, 200).await, "the old view's interval does not reach it");
    assert!(view.html().unwrap().contains("Ticks: 0"));
}

#[tokio::test]
async fn a_view_subscribes_from_an_event_too() {
    let (server, mut view) = clock().await;
    let live = server.live_endpoint().clone();
    live.broadcast(counter::CLOCK_ALARMS, counter::ClockMessage::Alarm);
    assert!(quiet_for(&mut view, 150).await, "not subscribed yet");
    view.event("listen", json!({})).await.unwrap();
    live.broadcast(counter::CLOCK_ALARMS, counter::ClockMessage::Alarm);
    assert!(view.render_async().await.unwrap().contains("Alarms: 1"));
}

#[tokio::test]
async fn a_task_answers_by_name_while_the_view_goes_on_answering_events() {
    let (_server, mut view) = clock().await;
    view.event("load", json!({"ms": 300})).await.unwrap();
    assert!(view.html().unwrap().contains("Load: loading"));
    // The session is not blocked by the task: an event is answered at once.
    view.event("ping", json!({})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Pings: 1"));
    assert!(view.html().unwrap().contains("Load: loading"), "not done yet");
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Load: 42"), "{html}");
}

#[tokio::test]
async fn a_panicking_or_late_task_fails_and_the_session_goes_on() {
    let (_server, mut view) = clock().await;
    view.event("load_panics", json!({})).await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Load: the task panicked: the query failed"), "{html}");
    view.event("load_within", json!({"ms": 20})).await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Load: the task timed out after 20ms"), "{html}");
    view.event("ping", json!({})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Pings: 1"), "the session goes on");
}

#[tokio::test]
async fn a_cancelled_task_or_one_of_a_view_navigated_away_from_never_answers() {
    let (_server, mut view) = clock().await;
    view.event("load", json!({"ms": 100})).await.unwrap();
    view.event("cancel_load", json!({})).await.unwrap();
    assert!(quiet_for(&mut view, 300).await, "a cancelled task never answers");
    assert!(view.html().unwrap().contains("Load: cancelled"));

    view.event("load", json!({"ms": 100})).await.unwrap();
    view.event("away", json!({})).await.unwrap();
    assert_eq!(view.follow_redirect().await.unwrap(), "/clock");
    assert!(quiet_for(&mut view, 300).await, "the old view's task does not reach the new one");
    assert!(view.html().unwrap().contains("Load: idle"));
}

#[tokio::test]
async fn hooks_see_events_first_and_may_halt_them_until_detached() {
    let (_server, mut view) = clock().await;
    view.event("ping", json!({})).await.unwrap();
    assert_eq!(view.pushed_event("audit").await.unwrap()["event"], "ping");
    assert!(view.render_async().await.unwrap().contains("Pings: 1"), "the view got it too");
    // Halted by the hook: answered as handled, though the view knows no such event.
    let halted = view.event("forbidden", json!({})).await.unwrap();
    assert_eq!(halted["status"], "ok", "{halted}");
    assert_eq!(view.pushed_event("audit").await.unwrap()["event"], "forbidden");
    view.event("unaudit", json!({})).await.unwrap();
    let refused = view.event("forbidden", json!({})).await.unwrap_err().to_string();
    assert!(refused.contains("unknown_event"), "the view sees it now: {refused}");
    // A live patch runs the patch hook.
    view.patch("/clock?tab=2").await.unwrap();
    assert_eq!(view.pushed_event("patched").await.unwrap()["path"], "/clock");
}

#[tokio::test]
async fn a_message_hook_attached_from_an_event_halts_messages_before_the_view() {
    let (_server, mut view) = clock().await;
    view.event("mute_alarms", json!({})).await.unwrap();
    view.event("alarm", json!({"ms": 10})).await.unwrap();
    assert!(quiet_for(&mut view, 200).await, "a halted message changes nothing to render");
    assert!(view.html().unwrap().contains("Alarms: 0"));
    view.event("ping", json!({})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Pings: 1"), "other messages pass");
}

async fn report(query: &str) -> (TestServer, TestView) {
    let live = counter::live(LiveConfig::default());
    let server = TestServer::start(live.router(), live).await.unwrap();
    let view = server.live(&format!("/report{query}")).await.unwrap();
    (server, view)
}

#[tokio::test]
async fn a_page_loads_in_parts_each_field_filled_when_its_work_is_done() {
    let page = {
        let live = counter::live(LiveConfig::default());
        let server = TestServer::start(live.router(), live).await.unwrap();
        server.get("/report").await.unwrap()
    };
    // The first HTML runs no work: both parts say they are loading.
    assert!(page.body.contains("Loading visits") && page.body.contains("Loading the top page"));

    let (_server, mut view) = report("?visits_ms=20&top_ms=300").await;
    let html = view.html().unwrap();
    assert!(html.contains("Loading visits") && html.contains("Loading the top page"), "{html}");
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Visits: 1200"), "the quick part first: {html}");
    assert!(html.contains("Loading the top page"), "{html}");
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Top page: /pricing") && !html.contains("Loading"), "{html}");
}

#[tokio::test]
async fn a_failed_or_late_part_shows_why_and_the_other_parts_load() {
    let (_server, mut view) = report("?visits_ms=100&top_ms=10&top_fails=1").await;
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Top page failed: the analytics store did not answer"), "{html}");
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Visits: 1200"), "{html}");

    view.event("slow_top", json!({"ms": 20})).await.unwrap();
    assert!(view.html().unwrap().contains("Loading the top page"));
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Top page failed: the task timed out after 20ms"), "{html}");
}

#[tokio::test]
async fn a_reload_shows_the_old_value_until_the_new_and_a_cancel_fails_the_field() {
    let (_server, mut view) = report("?visits_ms=10&top_ms=10").await;
    view.render_async().await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Visits: 1200") && html.contains("Top page: /pricing"), "{html}");

    view.event("reload", json!({"ms": 30})).await.unwrap();
    let html = view.html().unwrap();
    assert!(html.contains("Loading visits") && html.contains("Visits: 1200"), "both: {html}");
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Visits: 1201") && !html.contains("Loading visits"), "{html}");

    view.event("reload", json!({"ms": 100})).await.unwrap();
    view.event("cancel", json!({})).await.unwrap();
    let html = view.html().unwrap();
    assert!(html.contains("Visits failed: the task was cancelled"), "{html}");
    assert!(html.contains("Visits: 1201"), "the value is kept: {html}");
    assert!(quiet_for(&mut view, 300).await, "the cancelled work never lands");
}

#[tokio::test]
async fn a_task_reports_its_progress_to_the_view_while_it_runs() {
    let (_server, mut view) = report("?visits_ms=5000&top_ms=5000").await;
    view.event("import", json!({"rows": 3})).await.unwrap();
    assert!(view.html().unwrap().contains("Imported: 0 running"));
    // A report every 10 ms: the first render after the event shows progress, the task running.
    let mut html = view.render_async().await.unwrap();
    assert!(html.contains("running") && !html.contains("Imported: 0"), "{html}");
    // Then the rest and the result. Reports and the result travel apart, so the last report
    // may land just after the result: the count never goes back, and the page ends with both.
    let imported = |html: &str| -> u64 {
        let at = html.find("Imported: ").expect("the import line") + "Imported: ".len();
        html[at..].split(' ').next().and_then(|n| n.parse().ok()).expect("a count")
    };
    let mut last = imported(&html);
    while !html.contains("Imported: 3 done: 3 rows") {
        html = view.render_async().await.unwrap();
        assert!(imported(&html) >= last, "{html}");
        last = imported(&html);
    }
}

#[tokio::test]
async fn a_view_navigated_away_from_hears_no_more_of_its_tasks_progress() {
    let (_server, mut view) = report("?visits_ms=5000&top_ms=5000").await;
    view.event("import", json!({"rows": 50})).await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Imported: 1 running"), "{html}");
    view.navigate("/clock").await.unwrap();
    assert!(quiet_for(&mut view, 300).await, "the old view's progress does not reach the new one");
}

#[tokio::test]
async fn the_benchmarks_pair_counts_alike_in_the_callback_and_through_assign_async() {
    let (_server, mut view) = report("?visits_ms=5000&top_ms=5000").await;
    view.event("tally", json!({})).await.unwrap();
    assert!(view.html().unwrap().contains("Tally: 1 0"));
    view.event("tally_async", json!({})).await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Tally: 1 1"), "{html}");
}

#[tokio::test]
async fn a_session_running_its_most_tasks_refuses_one_more_and_keeps_its_timers() {
    let (_server, mut view) = clock().await;
    view.event("alarms_100", json!({})).await.unwrap();
    view.event("idle_tasks", json!({})).await.unwrap();
    view.event("load", json!({"ms": 1})).await.unwrap();
    let html = view.render_async().await.unwrap();
    assert!(html.contains("Load: the session runs 16 tasks already"), "{html}");
    view.event("ping", json!({})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Pings: 1"), "the session goes on");
}

#[tokio::test]
async fn a_burst_of_messages_that_each_push_an_event_reaches_the_page_whole() {
    let (server, mut view) = clock().await;
    view.event("listen", json!({})).await.unwrap();
    let live = server.live_endpoint().clone();
    // 200 at once: more than a turn's outbound queue (64) holds. The session takes them in
    // turns, so every pushed event arrives and the session stays open.
    for _ in 0..200 {
        assert_eq!(live.broadcast(counter::CLOCK_ALARMS, counter::ClockMessage::Chime), 1);
    }
    let mut last = 0;
    while last < 200 {
        let message = view.receive().await.unwrap();
        if message["kind"] == "push" && message["event"] == "chime" {
            let n = message["payload"]["n"].as_u64().unwrap();
            assert_eq!(n, last + 1, "in order, none lost");
            last = n;
        }
    }
    view.event("ping", json!({})).await.unwrap();
    assert!(view.render_async().await.unwrap().contains("Pings: 1"), "the session goes on");
}
