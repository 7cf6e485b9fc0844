//! Publish/subscribe for 0x0 Live apps: a message published on a topic reaches the mailbox of
//! every subscriber (a live session's, which hands it to the view's `handle_info`).
//!
//! [`PubSub`] is the trait an adapter implements: [`Local`] is the in-process adapter (one
//! node); a multi-node adapter (Postgres `LISTEN/NOTIFY`, Redis) implements the same trait. The
//! crate knows nothing about the web layer, so domain code (`src/` of an app) publishes through
//! it too.
//!
//! Mailboxes are bounded: a subscriber whose mailbox is full misses the message (counted in
//! [`PubSub::dropped`]) rather than making the publisher wait or memory grow.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

/// A published message, shared by every receiver.
pub type Info = Arc<dyn Any + Send + Sync>;

/// A publish/subscribe adapter.
pub trait PubSub: std::fmt::Debug + Send + Sync {
    /// Subscribes the mailbox `tx` to `topic` (until the mailbox closes).
    fn subscribe(&self, topic: &str, tx: mpsc::Sender<Info>);

    /// Sends `message` to every live subscriber of `topic`; returns how many received it (on
    /// this node, for a multi-node adapter).
    fn broadcast(&self, topic: &str, message: Info) -> usize;

    /// Live subscribers of `topic` (on this node).
    fn subscribers(&self, topic: &str) -> usize;

    /// Messages that found a full mailbox.
    fn dropped(&self) -> u64;

    /// Every topic with a live subscriber (on this node) and how many it has, sorted by
    /// topic: what an operator's dashboard lists.
    fn topics(&self) -> Vec<(String, usize)>;

    /// Whether messages can be published now (`/health/ready`): `Err(why)` when the adapter's
    /// broker is out of reach. The in-process adapter always can.
    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Publishes `message` on `topic`: `zero_pubsub::publish(&*pubsub, "posts", PostCreated(id))`.
pub fn publish<M: Any + Send + Sync>(pubsub: &dyn PubSub, topic: &str, message: M) -> usize {
    pubsub.broadcast(topic, Arc::new(message))
}

/// The in-process adapter: topics and their subscribers in this process.
#[derive(Debug, Default)]
pub struct Local {
    topics: Mutex<HashMap<String, Vec<mpsc::Sender<Info>>>>,
    dropped: AtomicU64,
}

impl PubSub for Local {
    fn subscribe(&self, topic: &str, tx: mpsc::Sender<Info>) {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let subscribers = topics.entry(topic.to_owned()).or_default();
        subscribers.retain(|s| !s.is_closed());
        subscribers.push(tx);
    }

    fn broadcast(&self, topic: &str, message: Info) -> usize {
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

    fn subscribers(&self, topic: &str) -> usize {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics.get(topic).map_or(0, |s| s.iter().filter(|s| !s.is_closed()).count())
    }

    fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn topics(&self) -> Vec<(String, usize)> {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let mut list: Vec<(String, usize)> = topics
            .iter()
            .map(|(topic, subscribers)| {
                (topic.clone(), subscribers.iter().filter(|s| !s.is_closed()).count())
            })
            .filter(|(_, live)| *live > 0)
            .collect();
        list.sort_unstable();
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_live_subscribers_and_full_mailboxes_drop() {
        let pubsub = Local::default();
        let (a, mut a_rx) = mpsc::channel(1);
        let (b, b_rx) = mpsc::channel(1);
        pubsub.subscribe("t", a);
        pubsub.subscribe("t", b);
        assert_eq!(publish(&pubsub, "t", "hi"), 2);
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

    #[test]
    fn topics_list_live_subscribers_only_sorted() {
        let pubsub = Local::default();
        assert!(pubsub.topics().is_empty());
        let (a, _a_rx) = mpsc::channel(1);
        let (b, _b_rx) = mpsc::channel(1);
        let (c, c_rx) = mpsc::channel(1);
        pubsub.subscribe("posts", a);
        pubsub.subscribe("posts", b);
        pubsub.subscribe("counter", c);
        assert_eq!(pubsub.topics(), vec![("counter".to_owned(), 1), ("posts".to_owned(), 2)]);
        drop(c_rx);
        assert_eq!(pubsub.topics(), vec![("posts".to_owned(), 2)], "a closed mailbox leaves");
    }
}
