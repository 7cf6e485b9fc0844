//! What the dashboard shows, computed from two snapshots of the endpoint (the one before
//! gives rates and the window of the quantiles) as text ready for its template. Pure: no
//! clock, no endpoint.

use zero_live::metrics::{Distribution, Snapshot};

/// The dashboard's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Live sockets open, of the most allowed (`3 of 10000`).
    pub sessions: String,
    /// Events handled per second.
    pub events_per_second: String,
    /// Median event time (handler and render) over the window.
    pub p50: String,
    /// 99th percentile event time over the window.
    pub p99: String,
    /// Resident memory.
    pub memory: String,
    /// Open file descriptors.
    pub open_files: String,
    /// HTTP requests per second, every class.
    pub requests_per_second: String,
    /// Events whose handler failed, since start.
    pub event_errors: u64,
    /// Each view, the one spending the most time in events first.
    pub views: Vec<ViewRow>,
    /// HTTP responses by status class.
    pub requests: Vec<RequestRow>,
    /// PubSub topics with subscribers here, grouped by shape (ids left out), the most
    /// subscribed first.
    pub topics: Vec<TopicRow>,
    /// PubSub messages that found a mailbox full, since start.
    pub pubsub_dropped: u64,
    /// What the window is: `the last 1.0 s`, or the process's whole run for the first figures.
    pub window: String,
}

/// A view's line.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRow {
    /// Its type name.
    pub view: String,
    /// Sessions showing it now.
    pub sessions: usize,
    /// Its events per second.
    pub events_per_second: String,
    /// Its median and 99th percentile event time.
    pub p50: String,
    /// See `p50`.
    pub p99: String,
    /// Milliseconds per second its sessions spent in events (handlers and renders): the
    /// views that cost the most first.
    pub busy: String,
    busy_seconds: f64,
}

/// The topics of one shape: `user:*:posts` stands for `user:7:posts`, `user:9:posts`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRow {
    /// The topic with each id segment (digits, a UUID, a long hex hash) as `*`: a dashboard
    /// shows which kinds of topics are busy, never whose.
    pub shape: String,
    /// How many topics have this shape.
    pub topics: usize,
    /// Their subscribers on this node, added up.
    pub subscribers: usize,
}

/// A status class's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// `2xx`.
    pub class: String,
    /// Per second over the window.
    pub per_second: String,
    /// Since start.
    pub total: u64,
}

/// The figures of `now`, with rates since `before` (none on the first figures: rates over the
/// process's life are not rates).
pub fn figures(now: &Snapshot, before: Option<&Snapshot>) -> Figures {
    let seconds = before.map(|b| now.seconds_since(b)).filter(|s| *s > 0.0);
    let window = |d: &Distribution, earlier: Option<&Distribution>| match (seconds, earlier) {
        (Some(_), Some(earlier)) => d.since(earlier),
        _ => d.clone(),
    };
    let per_second = |count: u64| match seconds {
        Some(s) => format!("{:.1}", count as f64 / s),
        None => "–".to_owned(),
    };
    let events = window(&now.events, before.map(|b| &b.events));
    let mut views: Vec<ViewRow> = now
        .views
        .iter()
        .map(|v| {
            let earlier =
                before.and_then(|b| b.views.iter().find(|e| e.view == v.view)).map(|e| &e.events);
            let events = window(&v.events, earlier);
            let busy_seconds = seconds.map_or(0.0, |s| events.sum() / s);
            ViewRow {
                view: v.view.to_owned(),
                sessions: v.sessions,
                events_per_second: per_second(events.count()),
                p50: duration(events.quantile(0.5)),
                p99: duration(events.quantile(0.99)),
                busy: match seconds {
                    Some(_) => format!("{:.2}", busy_seconds * 1000.0),
                    None => "–".to_owned(),
                },
                busy_seconds,
            }
        })
        .collect();
    views.sort_by(|a, b| {
        b.busy_seconds
            .total_cmp(&a.busy_seconds)
            .then(b.sessions.cmp(&a.sessions))
            .then(a.view.cmp(&b.view))
    });
    let http_before = before.map(|b| b.http);
    let requests: Vec<RequestRow> = (0..5)
        .map(|i| RequestRow {
            class: format!("{}xx", i + 1),
            per_second: per_second(now.http[i].saturating_sub(http_before.map_or(0, |h| h[i]))),
            total: now.http[i],
        })
        .collect();
    let all_requests = now.http.iter().sum::<u64>();
    Figures {
        sessions: format!("{} of {}", now.sockets_open, now.sockets_max),
        events_per_second: per_second(events.count()),
        p50: duration(events.quantile(0.5)),
        p99: duration(events.quantile(0.99)),
        memory: now
            .resident_bytes
            .map_or("–".to_owned(), |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))),
        open_files: now.open_fds.map_or("–".to_owned(), |n| n.to_string()),
        requests_per_second: per_second(
            all_requests.saturating_sub(http_before.map_or(0, |h| h.iter().sum())),
        ),
        event_errors: now.event_errors,
        views,
        requests,
        topics: topic_rows(&now.topics),
        pubsub_dropped: now.pubsub_dropped,
        window: match seconds {
            Some(s) => format!("the last {s:.1} s"),
            None => "the time since the process started".to_owned(),
        },
    }
}

/// The topics grouped by [`shape`], the most subscribed first.
fn topic_rows(topics: &[(String, usize)]) -> Vec<TopicRow> {
    let mut shapes: std::collections::BTreeMap<String, (usize, usize)> =
        std::collections::BTreeMap::new();
    for (topic, subscribers) in topics {
        let entry = shapes.entry(shape(topic)).or_default();
        entry.0 += 1;
        entry.1 += subscribers;
    }
    let mut rows: Vec<TopicRow> = shapes
        .into_iter()
        .map(|(shape, (topics, subscribers))| TopicRow { shape, topics, subscribers })
        .collect();
    rows.sort_by(|a, b| b.subscribers.cmp(&a.subscribers).then_with(|| a.shape.cmp(&b.shape)));
    rows
}

/// `topic` with every segment (between `:`) that is an id as `*`: all digits, a UUID, or 16
/// or more hex digits (a token's hash).
pub fn shape(topic: &str) -> String {
    let is_id = |segment: &str| {
        let hex = segment.bytes().filter(u8::is_ascii_hexdigit).count();
        let dashes = segment.bytes().filter(|b| *b == b'-').count();
        !segment.is_empty()
            && (segment.bytes().all(|b| b.is_ascii_digit())
                || (hex + dashes == segment.len() && hex >= 16))
    };
    topic.split(':').map(|s| if is_id(s) { "*" } else { s }).collect::<Vec<_>>().join(":")
}

/// A duration in the unit that reads best (`850 µs`, `12.5 ms`, `1.20 s`), `–` for none.
pub fn duration(seconds: Option<f64>) -> String {
    match seconds {
        None => "–".to_owned(),
        Some(s) if s < 0.001 => format!("{:.0} µs", s * 1e6),
        Some(s) if s < 1.0 => format!("{:.1} ms", s * 1e3),
        Some(s) => format!("{s:.2} s"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use zero_live::metrics::{BUCKETS, ViewStats};

    use super::*;

    /// `n` events of about `bucket`'s bound each.
    fn events(n: u64, bucket: usize) -> Distribution {
        let mut counts = vec![0; BUCKETS.len() + 1];
        counts[bucket] = n;
        Distribution::new(&BUCKETS, counts, n as f64 * BUCKETS[bucket.min(BUCKETS.len() - 1)])
    }

    fn snapshot(taken: Instant, views: Vec<ViewStats>, http: [u64; 5]) -> Snapshot {
        let mut all = vec![0; BUCKETS.len() + 1];
        let mut sum = 0.0;
        for v in &views {
            all.iter_mut().zip(v.events.counts()).for_each(|(total, c)| *total += c);
            sum += v.events.sum();
        }
        Snapshot {
            taken,
            sockets_open: views.iter().map(|v| v.sessions).sum(),
            sockets_max: 100,
            joins: 0,
            join_failures: 0,
            events: Distribution::new(&BUCKETS, all, sum),
            event_errors: 0,
            views,
            http,
            http_time: events(0, 0),
            frame_bytes: 0,
            resident_bytes: Some(3 * 1024 * 1024),
            open_fds: Some(12),
            topics: vec![("posts".to_owned(), 2)],
            pubsub_dropped: 1,
        }
    }

    #[test]
    fn rates_and_the_busiest_view_come_from_the_window_between_two_snapshots() {
        let t0 = Instant::now();
        let before = snapshot(
            t0,
            vec![
                ViewStats { view: "app::Cheap", sessions: 5, events: events(100, 0) },
                ViewStats { view: "app::Costly", sessions: 1, events: events(0, 0) },
            ],
            [0, 10, 0, 0, 0],
        );
        let now = snapshot(
            t0 + Duration::from_secs(2),
            vec![
                ViewStats { view: "app::Cheap", sessions: 5, events: events(120, 0) },
                ViewStats { view: "app::Costly", sessions: 1, events: events(4, 7) },
            ],
            [0, 30, 0, 2, 0],
        );
        let f = figures(&now, Some(&before));
        assert_eq!(f.window, "the last 2.0 s");
        assert_eq!(f.sessions, "6 of 100");
        assert_eq!(f.events_per_second, "12.0", "24 events in 2 s");
        assert_eq!(f.requests_per_second, "11.0", "22 responses in 2 s");
        assert_eq!(
            f.requests[1],
            RequestRow { class: "2xx".into(), per_second: "10.0".into(), total: 30 }
        );
        assert_eq!(f.requests[3].per_second, "1.0");
        assert_eq!(f.views[0].view, "app::Costly", "the busiest first, not the most visited");
        assert_eq!(f.views[0].events_per_second, "2.0");
        assert_eq!(f.views[0].busy, "200.00", "4 events of 100 ms in 2 s");
        assert_eq!(f.views[1].events_per_second, "10.0");
        assert_eq!(f.memory, "3.0 MiB");
        assert_eq!(f.open_files, "12");
        assert_eq!(f.topics, vec![TopicRow { shape: "posts".into(), topics: 1, subscribers: 2 }]);
    }

    #[test]
    fn the_first_figures_have_no_rates_and_an_idle_window_no_quantiles() {
        let t0 = Instant::now();
        let now = snapshot(
            t0,
            vec![ViewStats { view: "app::Index", sessions: 1, events: events(3, 2) }],
            [0; 5],
        );
        let first = figures(&now, None);
        assert_eq!(first.window, "the time since the process started");
        assert_eq!((first.events_per_second.as_str(), first.views[0].busy.as_str()), ("–", "–"));
        assert_ne!(first.p50, "–", "quantiles since start");
        let later = snapshot(t0 + Duration::from_secs(1), now.views.clone(), [0; 5]);
        let idle = figures(&later, Some(&now));
        assert_eq!(idle.events_per_second, "0.0");
        assert_eq!((idle.p50.as_str(), idle.p99.as_str()), ("–", "–"), "no events, no quantile");
    }

    #[test]
    fn topics_are_grouped_by_shape_and_never_show_whose_they_are() {
        let topics = [
            ("user:7:posts".to_owned(), 1),
            ("user:19:posts".to_owned(), 2),
            ("user_sessions:5a0d3c1e9b7f2a4c8e6d".to_owned(), 1),
            ("org:3f2a9c1e-0b7d-4e6f-8a5c-1d2e3f4a5b6c:user:8:posts".to_owned(), 1),
            ("zero_dashboard:tick".to_owned(), 4),
            ("feed".to_owned(), 1),
        ];
        let rows = topic_rows(&topics);
        let shapes: Vec<(&str, usize, usize)> =
            rows.iter().map(|r| (r.shape.as_str(), r.topics, r.subscribers)).collect();
        assert_eq!(
            shapes,
            [
                ("zero_dashboard:tick", 1, 4),
                ("user:*:posts", 2, 3),
                ("feed", 1, 1),
                ("org:*:user:*:posts", 1, 1),
                ("user_sessions:*", 1, 1),
            ]
        );
        assert_eq!(shape("deadbeef"), "deadbeef", "a short hex word is a name, not an id");
        assert_eq!(shape("posts::7"), "posts::*");
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(None), "–");
        assert_eq!(duration(Some(0.000_85)), "850 µs");
        assert_eq!(duration(Some(0.0125)), "12.5 ms");
        assert_eq!(duration(Some(1.2)), "1.20 s");
    }
}
