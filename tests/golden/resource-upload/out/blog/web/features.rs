//! What the generators add to the app, behind the one interface `web/mod.rs` calls: a check
//! before it starts, state shared with views, layers every request passes, and the account menu
//! the root layout shows. `zerogen auth` rewrites this file (and refuses, saying what to add by
//! hand, when it is not as a generator wrote it).
//!
//! With accounts (`zerogen auth`): the `Accounts` are shared with views, every request gets
//! its user's `Scope` (the first layer), and the root layout shows who is signed in.

use std::path::Path;
use std::sync::Arc;

use axum::Extension;
use zero_db::Db;
use zero_live::pubsub::PubSub;
use zero_live::server::Page;
use zero_live::{Endpoint, Live, LiveBuilder};

/// The features the generators added.
#[derive(Debug, Clone)]
pub struct Features {
    /// The accounts (`zerogen auth`).
    pub accounts: zero_auth::Accounts,
}

/// What the root layout shows of the account, in an app with accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The signed-in user's email (`None` for a visitor).
    pub email: Option<String>,
    /// The account's links: text and path.
    pub links: Vec<(&'static str, String)>,
    /// Where the log-out form posts and its CSRF token (signed in, on a page that has one).
    pub log_out: Option<(String, String)>,
}

impl Features {
    /// Checks run before a served app starts (`App::load`, with the app's folder in a
    /// development build).
    pub fn check(root: Option<&Path>) -> Result<(), String> {
        super::auth::check(root)
    }

    /// The features of an app with this database, PubSub adapter and endpoint; `root`, the
    /// app's folder, for a served app (its development state, such as the dev mailbox, is kept
    /// in `.zero-live/` there), `None` for tests (nothing is kept).
    pub fn new(
        db: &Db,
        pubsub: &Arc<dyn PubSub>,
        endpoint: &Endpoint,
        root: Option<&Path>,
    ) -> Features {
        let accounts = super::auth::accounts(db.clone(), pubsub.clone(), endpoint, root);
        Features { accounts }
    }

    /// Shares the features' state with views (`ctx.state::<T>()`).
    pub fn share(&self, builder: LiveBuilder) -> LiveBuilder {
        builder.state(self.accounts.clone())
    }

    /// The app's routes behind the features' layers, which run before the app's own.
    pub fn layer(&self, live: &Live, routes: axum::Router) -> axum::Router {
        // Every request (pages, handlers, the live socket) gets its user's `Scope` first.
        let auth = zero_auth::web::Auth::new(self.accounts.clone(), live);
        routes.layer(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    auth.clone(),
                    zero_auth::web::fetch_scope,
                ))
                .layer(Extension(auth)),
        )
    }

    /// The account menu of `page` (`None`: the app has no accounts).
    pub fn account(page: &Page) -> Option<Account> {
        use crate::web::routes::{user_log_in_path, user_log_out_path, user_registration_path};
        let csrf = page.extensions.get::<zero_live::csrf::CsrfToken>();
        let user = page.extensions.get::<zero_auth::Scope>().and_then(zero_auth::Scope::user);
        Some(match user {
            Some(user) => Account {
                email: Some(user.email.clone()),
                links: vec![("Settings", crate::web::routes::user_settings_path())],
                log_out: csrf.map(|t| (user_log_out_path(), t.as_str().to_owned())),
            },
            None => Account {
                email: None,
                links: vec![("Register", user_registration_path()), ("Log in", user_log_in_path())],
                log_out: None,
            },
        })
    }
}
