//! The one task that takes the endpoint's snapshot each second and publishes it to every open
//! dashboard ([`TOPIC`]): however many operators watch, the figures are read once a second. It
//! starts with the first connected dashboard and ends with the endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use zero_live::Observer;
use zero_live::metrics::Snapshot;

/// The topic the snapshots are published on.
pub const TOPIC: &str = "zero_dashboard:tick";

/// How often a snapshot is taken.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// A snapshot, as published on [`TOPIC`].
#[derive(Debug, Clone)]
pub struct Tick(pub Arc<Snapshot>);

/// Whether the task runs, shared by the mount's views.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ticker(Arc<AtomicBool>);

impl Ticker {
    /// Starts the task, once per mount, on the running tokio runtime.
    pub(crate) fn start(&self, observer: &Observer) {
        if self.0.swap(true, Ordering::AcqRel) {
            return;
        }
        let observer = observer.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(INTERVAL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            every.tick().await;
            loop {
                every.tick().await;
                let (Some(snapshot), Some(pubsub)) = (observer.snapshot(), observer.pubsub())
                else {
                    // The endpoint is gone.
                    return;
                };
                zero_live::pubsub::publish(&*pubsub, TOPIC, Tick(Arc::new(snapshot)));
            }
        });
    }
}
