//! `zero-auth`: authentication for 0x0 Live apps, the part every app shares; `zerogen auth`
//! writes the part an app owns (its migration, its pages, its tests) on top of it.
//!
//! - [`token`]: 32 random bytes a user holds, only their SHA-256 stored;
//! - [`accounts`]: users, magic-link logins, login sessions (issued, renewed, revoked), email
//!   changes, over [`zero_db`] (SQLite or Postgres; the tables are [`schema`]'s);
//! - [`password`]: Argon2id hashes, for apps that offer passwords beside magic links;
//! - [`scope`]: who a request acts for, passed first to every context function;
//! - [`rate`]: fixed-window limits per client and per email;
//! - [`mail`]: the [`mail::Mailer`] trait, the development mailbox and SMTP (lettre, rustls);
//! - [`web`]: the middleware that puts the [`Scope`] in each request (pages and live sockets),
//!   the login and logout handlers, the session cookie, and the guards views mount behind;
//! - [`config`]: lifetimes and limits from the app's `spec/security.toml`.
//!
//! See ADR 0012 for the design and `docs/guide/auth.md` for its use.

pub mod accounts;
pub mod clock;
pub mod config;
pub mod mail;
pub mod password;
pub mod rate;
pub mod schema;
pub mod scope;
pub mod token;
pub mod web;

pub use accounts::{Accounts, AuthError, Login, User};
pub use config::AuthConfig;
pub use scope::Scope;
