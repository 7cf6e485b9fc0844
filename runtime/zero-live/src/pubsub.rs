//! In-process publish/subscribe: a message published on a topic reaches the mailbox of every
//! live session subscribed to it, and the view's `handle_info`.
//!
//! Mailboxes are bounded: a session whose mailbox is full misses the message (counted in
//! [`PubSub::dropped`]) rather than making the publisher wait or memory grow.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

/// A published message, shared by every receiver.
pub type Info = Arc<dyn Any + Send + Sync>;

/// Topics and their subscribers.
#[derive(Debug, Default)]
pub struct PubSub {
    topics: Mutex<HashMap<String, Vec<mpsc::Sender<Info>>>>,
    dropped: AtomicU64,
}

impl PubSub {
    /// Subscribes the mailbox `tx` to `topic`.
    pub fn subscribe(&self, topic: &str, tx: mpsc::Sender<Info>) {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let subscribers = topics.entry(topic.to_owned()).or_default();
        subscribers.retain(|s| !s.is_closed());
        subscribers.push(tx);
    }

    /// Sends `message` to every live subscriber of `topic`; returns how many received it.
    pub fn broadcast(&self, topic: &str, message: Info) -> usize {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(subscribers) = topics.get_mut(topic) else { return 0 };
        subscribers.retain(|s| !s.is_closed());
        let mut delivered = 0;
        for s in subscribers.iter() {
            match s.try_send(message.clone()) {
                Ok(()) => delivered += 1,
                Err(_) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if subscribers.is_empty() {
            topics.remove(topic);
        }
        delivered
    }

    /// Live subscribers of `topic`.
    pub fn subscribers(&self, topic: &str) -> usize {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics.get(topic).map_or(0, |s| s.iter().filter(|s| !s.is_closed()).count())
    }

    /// Messages that found a full mailbox.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_live_subscribers_and_full_mailboxes_drop() {
        let pubsub = PubSub::default();
        let (a, mut a_rx) = mpsc::channel(1);
        let (b, b_rx) = mpsc::channel(1);
        pubsub.subscribe("t", a);
        pubsub.subscribe("t", b);
        assert_eq!(pubsub.broadcast("t", Arc::new("hi")), 2);
        let got = a_rx.try_recv().unwrap();
        assert_eq!(got.downcast_ref::<&str>(), Some(&"hi"));
        drop(b_rx);
        assert_eq!(pubsub.subscribers("t"), 1, "a closed mailbox is not a subscriber");
        assert_eq!(pubsub.broadcast("t", Arc::new(1u8)), 1);
        assert_eq!(pubsub.broadcast("t", Arc::new(2u8)), 0, "the mailbox is full");
        assert_eq!(pubsub.dropped(), 1);
        assert_eq!(pubsub.broadcast("nobody", Arc::new(())), 0);
        drop(a_rx);
        assert_eq!(pubsub.broadcast("t", Arc::new(())), 0);
        assert_eq!(pubsub.subscribers("t"), 0);
    }
}
