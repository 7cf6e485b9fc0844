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
