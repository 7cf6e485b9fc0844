//! Account mail: the [`Mailer`] trait; [`DevMailbox`], which keeps messages for the
//! `/dev/mailbox` page of a development build (in memory, and for a served app in a file too,
//! so a restart keeps them); and [`Smtp`], lettre over SMTP with rustls.
//!
//! [`from_env`] picks one: `SMTP_URL` set (`smtps://user:pass@host:465`,
//! `smtp://host:587?tls=required`, or `smtp://127.0.0.1:1025` for a local catcher) means SMTP;
//! unset means the dev mailbox in a debug build and an error in a release build, which must
//! never drop its mail silently.

use std::collections::VecDeque;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// Messages kept in memory, newest last: what a development build "sends". A kept mailbox
/// ([`DevMailbox::kept_in`]) also writes them to a file, so a restart shows them again.
#[derive(Debug, Default)]
pub struct DevMailbox {
    messages: Mutex<VecDeque<Email>>,
    arrived: tokio::sync::Notify,
    /// The file the messages are kept in between runs (`None`: memory only).
    file: Option<PathBuf>,
}

impl DevMailbox {
    /// An empty mailbox in memory (what tests use).
    pub fn new() -> DevMailbox {
        DevMailbox::default()
    }

    /// A mailbox kept in `file` (JSON) as well as in memory, starting with what the file holds
    /// (a missing file is an empty mailbox). A file that does not read as a mailbox is refused,
    /// named, and left as it is.
    pub fn kept_in(file: &Path) -> Result<DevMailbox, MailError> {
        let messages = match std::fs::read_to_string(file) {
            Ok(text) => serde_json::from_str::<VecDeque<Email>>(&text).map_err(|e| {
                MailError::Config(format!(
                    "the dev mailbox {}: {e}; delete the file to start with an empty mailbox",
                    file.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => VecDeque::new(),
            Err(e) => {
                return Err(MailError::Config(format!("the dev mailbox {}: {e}", file.display())));
            }
        };
        Ok(DevMailbox {
            messages: Mutex::new(messages),
            arrived: tokio::sync::Notify::new(),
            file: Some(file.to_owned()),
        })
    }

    /// Writes `messages` to the mailbox's file, if it has one (a whole new file, renamed over
    /// the old one, so a crash never leaves half a mailbox).
    fn save(&self, messages: &VecDeque<Email>) -> Result<(), MailError> {
        let Some(file) = &self.file else { return Ok(()) };
        let failed =
            |e: std::io::Error| MailError::Send(format!("the dev mailbox {}: {e}", file.display()));
        let json = serde_json::to_string_pretty(messages)
            .map_err(|e| MailError::Send(format!("the dev mailbox: {e}")))?;
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let partial = file.with_extension("json.partial");
        std::fs::write(&partial, json).map_err(failed)?;
        std::fs::rename(&partial, file).map_err(failed)
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

    /// Forgets every message (in its file too).
    pub fn clear(&self) {
        let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
        messages.clear();
        // Clearing is a developer's convenience: a file that cannot be written keeps its old
        // messages, and the next delivery reports the failure.
        let _ = self.save(&messages);
    }
}

impl Mailer for DevMailbox {
    fn deliver(&self, email: Email) -> Sending<'_> {
        let saved = {
            let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
            if messages.len() == DEV_MAILBOX_KEEPS {
                messages.pop_front();
            }
            messages.push_back(email);
            self.save(&messages)
        };
        self.arrived.notify_waiters();
        Box::pin(async { saved })
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
    choose(std::env::var("SMTP_URL").ok().as_deref(), from, cfg!(debug_assertions), None)
}

/// [`from_env`], with the dev mailbox kept in `file` between runs (a served app's
/// `.zero-live/dev-mailbox.json`) instead of memory only.
pub fn from_env_kept_in(from: &str, file: &Path) -> Result<Arc<dyn Mailer>, MailError> {
    choose(std::env::var("SMTP_URL").ok().as_deref(), from, cfg!(debug_assertions), Some(file))
}

fn choose(
    url: Option<&str>,
    from: &str,
    debug: bool,
    kept: Option<&Path>,
) -> Result<Arc<dyn Mailer>, MailError> {
    match url {
        Some(url) => Ok(Arc::new(Smtp::new(url, from)?)),
        None if debug => match kept {
            Some(file) => Ok(Arc::new(DevMailbox::kept_in(file)?)),
            None => Ok(Arc::new(DevMailbox::new())),
        },
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
        assert!(choose(None, "a@b.c", true, None).unwrap().dev_mailbox().is_some());
        let release = choose(None, "a@b.c", false, None).unwrap_err().to_string();
        assert!(release.contains("SMTP_URL is not set"), "{release}");
        let bad_url = choose(Some("ftp://x"), "a@b.c", false, None).unwrap_err().to_string();
        assert!(bad_url.contains("SMTP_URL"), "{bad_url}");
        let bad_from = choose(Some("smtp://127.0.0.1:2525"), "not an address", false, None)
            .unwrap_err()
            .to_string();
        assert!(bad_from.contains("sender `not an address`"), "{bad_from}");
        let smtp =
            choose(Some("smtp://user:hunter2@127.0.0.1:2525"), "a@b.c", false, None).unwrap();
        assert!(smtp.dev_mailbox().is_none());
        assert!(!format!("{smtp:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn a_kept_mailbox_survives_a_restart_and_a_broken_file_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".zero-live/dev-mailbox.json");
        let email = |n: u32| Email {
            to: "ann@example.com".to_owned(),
            subject: format!("#{n}"),
            text: "Your link: http://127.0.0.1:4000/users/log-in/t".to_owned(),
        };
        let first = DevMailbox::kept_in(&file).unwrap();
        assert!(first.messages().is_empty(), "no file: an empty mailbox");
        first.deliver(email(1)).await.unwrap();
        first.deliver(email(2)).await.unwrap();
        drop(first);
        let again = choose(None, "a@b.c", true, Some(&file)).unwrap();
        let again = again.dev_mailbox().unwrap();
        assert_eq!(again.messages(), vec![email(1), email(2)], "the restart keeps them");
        assert_eq!(again.wait_for("ann@example.com", Duration::ZERO).await, Some(email(2)));
        again.clear();
        assert!(DevMailbox::kept_in(&file).unwrap().messages().is_empty(), "cleared on disk");
        // A memory mailbox writes nothing.
        DevMailbox::new().deliver(email(3)).await.unwrap();
        assert!(DevMailbox::kept_in(&file).unwrap().messages().is_empty());
        std::fs::write(&file, "not json").unwrap();
        let e = DevMailbox::kept_in(&file).unwrap_err().to_string();
        assert!(e.contains("dev-mailbox.json") && e.contains("delete the file"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "not json", "left as it is");
        // A file that cannot be written is a failed delivery, not a lost one in silence.
        let blocked = dir.path().join("blocked");
        let unwritable = DevMailbox::kept_in(&blocked.join("mailbox.json")).unwrap();
        std::fs::write(&blocked, "a file where its folder should be").unwrap();
        let e = unwritable.deliver(email(4)).await.unwrap_err().to_string();
        assert!(e.contains("the dev mailbox"), "{e}");
        assert_eq!(unwritable.messages(), vec![email(4)], "still shown in this run");
    }
}
