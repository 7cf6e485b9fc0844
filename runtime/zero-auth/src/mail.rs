//! Account mail: the [`Mailer`] trait; [`DevMailbox`], which keeps messages in memory for the
//! `/dev/mailbox` page of a development build; and [`Smtp`], lettre over SMTP with rustls.
//!
//! [`from_env`] picks one: `SMTP_URL` set (`smtps://user:pass@host:465`,
//! `smtp://host:587?tls=required`, or `smtp://127.0.0.1:1025` for a local catcher) means SMTP;
//! unset means the dev mailbox in a debug build and an error in a release build, which must
//! never drop its mail silently.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
}

/// Why mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The configuration is unusable (a bad `SMTP_URL` or sender).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The message could not be built (a bad address).
    #[error("mail to `{to}`: {message}")]
    Build {
        /// The recipient.
        to: String,
        /// Why.
        message: String,
    },
    /// The server refused or could not be reached.
    #[error("sending mail: {0}")]
    Send(String),
}

/// A future a mailer returns.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Sends account mail.
pub trait Mailer: std::fmt::Debug + Send + Sync {
    /// Sends `email`.
    fn deliver(&self, email: Email) -> Sending<'_>;

    /// The development mailbox, if this is one (what `/dev/mailbox` shows).
    fn dev_mailbox(&self) -> Option<&DevMailbox> {
        None
    }
}

/// How many messages the development mailbox keeps (the oldest go first).
pub const DEV_MAILBOX_KEEPS: usize = 100;

/// Messages kept in memory, newest last: what a development build "sends".
#[derive(Debug, Default)]
pub struct DevMailbox {
    messages: Mutex<VecDeque<Email>>,
    arrived: tokio::sync::Notify,
}

impl DevMailbox {
    /// An empty mailbox.
    pub fn new() -> DevMailbox {
        DevMailbox::default()
    }

    /// Every message kept, oldest first.
    pub fn messages(&self) -> Vec<Email> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    /// The newest message to `to`, waiting up to `limit` for one to arrive.
    pub async fn wait_for(&self, to: &str, limit: Duration) -> Option<Email> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.arrived.notified();
            if let Some(found) =
                self.messages().into_iter().rev().find(|m| m.to.eq_ignore_ascii_case(to))
            {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }

    /// Forgets every message.
    pub fn clear(&self) {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

impl Mailer for DevMailbox {
    fn deliver(&self, email: Email) -> Sending<'_> {
        {
            let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
            if messages.len() == DEV_MAILBOX_KEEPS {
                messages.pop_front();
            }
            messages.push_back(email);
        }
        self.arrived.notify_waiters();
        Box::pin(async { Ok(()) })
    }

    fn dev_mailbox(&self) -> Option<&DevMailbox> {
        Some(self)
    }
}

/// SMTP through lettre (pooled connections; TLS by rustls with the webpki roots).
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.debug_struct("Smtp").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Smtp {
    /// SMTP to the server `url` names, from `from` (`Name <address>` or an address). Call it
    /// on the tokio runtime (its connection pool lives there).
    pub fn new(url: &str, from: &str) -> Result<Smtp, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Config(format!("SMTP_URL: {e}")))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Config(format!("sender `{from}`: {e}")))?;
        Ok(Smtp { transport, from })
    }
}

impl Mailer for Smtp {
    fn deliver(&self, email: Email) -> Sending<'_> {
        Box::pin(async move {
            let build = |message: String| MailError::Build { to: email.to.clone(), message };
            let to = email.to.parse::<Mailbox>().map_err(|e| build(e.to_string()))?;
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(email.subject.clone())
                .body(email.text.clone())
                .map_err(|e| build(e.to_string()))?;
            self.transport.send(message).await.map_err(|e| MailError::Send(e.to_string()))?;
            Ok(())
        })
    }
}

/// The mailer the environment asks for: SMTP when `SMTP_URL` is set; otherwise the dev
/// mailbox in a debug build and an error in a release build.
pub fn from_env(from: &str) -> Result<Arc<dyn Mailer>, MailError> {
    choose(std::env::var("SMTP_URL").ok().as_deref(), from, cfg!(debug_assertions))
}

fn choose(url: Option<&str>, from: &str, debug: bool) -> Result<Arc<dyn Mailer>, MailError> {
    match url {
        Some(url) => Ok(Arc::new(Smtp::new(url, from)?)),
        None if debug => Ok(Arc::new(DevMailbox::new())),
        None => Err(MailError::Config(
            "SMTP_URL is not set: a release build sends account mail over SMTP \
             (e.g. smtps://user:password@smtp.example.com:465)"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dev_mailbox_keeps_the_newest_messages_and_wakes_waiters() {
        let mailbox = Arc::new(DevMailbox::new());
        let waiting = {
            let mailbox = mailbox.clone();
            tokio::spawn(async move {
                mailbox.wait_for("ann@example.com", Duration::from_secs(5)).await
            })
        };
        tokio::task::yield_now().await;
        let email = |to: &str, n: usize| Email {
            to: to.into(),
            subject: format!("#{n}"),
            text: String::new(),
        };
        mailbox.deliver(email("bob@example.com", 0)).await.unwrap();
        mailbox.deliver(email("Ann@Example.com", 1)).await.unwrap();
        assert_eq!(waiting.await.unwrap().unwrap().subject, "#1");
        assert!(mailbox.wait_for("carol@example.com", Duration::from_millis(20)).await.is_none());
        for n in 2..DEV_MAILBOX_KEEPS + 10 {
            mailbox.deliver(email("bob@example.com", n)).await.unwrap();
        }
        let kept = mailbox.messages();
        assert_eq!(kept.len(), DEV_MAILBOX_KEEPS);
        assert_eq!(kept.last().unwrap().subject, format!("#{}", DEV_MAILBOX_KEEPS + 9));
        mailbox.clear();
        assert!(mailbox.messages().is_empty());
    }

    #[tokio::test]
    async fn release_builds_refuse_to_run_without_smtp_and_bad_settings_are_named() {
        assert!(choose(None, "a@b.c", true).unwrap().dev_mailbox().is_some());
        let release = choose(None, "a@b.c", false).unwrap_err().to_string();
        assert!(release.contains("SMTP_URL is not set"), "{release}");
        let bad_url = choose(Some("ftp://x"), "a@b.c", false).unwrap_err().to_string();
        assert!(bad_url.contains("SMTP_URL"), "{bad_url}");
        let bad_from =
            choose(Some("smtp://127.0.0.1:2525"), "not an address", false).unwrap_err().to_string();
        assert!(bad_from.contains("sender `not an address`"), "{bad_from}");
        let smtp = choose(Some("smtp://user:hunter2@127.0.0.1:2525"), "a@b.c", false).unwrap();
        assert!(smtp.dev_mailbox().is_none());
        assert!(!format!("{smtp:?}").contains("hunter2"));
    }
}
