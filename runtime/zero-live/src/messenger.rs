//! A handle to send a view messages from outside its callbacks: a task's progress ("40 of 120
//! rows imported"), a worker's word that it is done. Each message reaches the view's info hooks
//! and `handle_info`, like a PubSub message, through the same bounded mailbox.
//!
//! [`Context::messenger`](crate::Context::messenger) hands one out. A session makes its mailbox
//! when first asked (a view that never subscribes or asks pays nothing), after the callback
//! that asked returns: a task that callback starts only runs after that, so its messages
//! arrive. A message sent while the mailbox is full is dropped (senders never wait: send less
//! often than the view renders, or send totals, not increments); once the view has gone (a
//! live navigation, the session's end) or in a disconnected render, every send is refused.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;

use crate::pubsub::Info;

/// Sends its view messages (to `handle_info`); cheap to clone into tasks.
#[derive(Clone, Default)]
pub struct Messenger(Arc<OnceLock<mpsc::Sender<Info>>>);

impl std::fmt::Debug for Messenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messenger").field("open", &self.is_open()).finish()
    }
}

impl Messenger {
    /// Sends the view `message`; false when it was not delivered: the view has gone, its
    /// mailbox is full, or the messenger came from a disconnected render.
    pub fn send<M: Any + Send + Sync>(&self, message: M) -> bool {
        self.0.get().is_some_and(|mailbox| mailbox.try_send(Arc::new(message)).is_ok())
    }

    /// Whether the view still takes messages.
    pub fn is_open(&self) -> bool {
        self.0.get().is_some_and(|mailbox| !mailbox.is_closed())
    }

    /// Connects it to the view's mailbox (the session does, once it has one).
    pub(crate) fn connect(&self, mailbox: &mpsc::Sender<Info>) {
        let _ = self.0.set(mailbox.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_messenger_delivers_once_connected_and_refuses_when_full_or_gone() {
        let messenger = Messenger::default();
        assert!(!messenger.send(1u8), "not connected: a disconnected render's");
        let (tx, mut rx) = mpsc::channel::<Info>(1);
        messenger.connect(&tx);
        let task = messenger.clone();
        assert!(task.send(7u32) && task.is_open());
        assert!(!task.send(8u32), "the mailbox holds one");
        let got = rx.recv().await.unwrap();
        assert_eq!(got.downcast_ref::<u32>(), Some(&7));
        drop(rx);
        assert!(!task.send(9u32) && !task.is_open(), "the view has gone");
        assert_eq!(format!("{task:?}"), "Messenger { open: false }");
    }
}
