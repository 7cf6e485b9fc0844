//! What the generators add to the app, behind the one interface `web/mod.rs` calls: a check
//! before it starts, state shared with views, layers every request passes, and the account menu
//! the root layout shows. `zerogen auth` rewrites this file (and refuses, saying what to add by
//! hand, when it is not as a generator wrote it).

use std::path::Path;
use std::sync::Arc;

use zero_db::Db;
use zero_live::pubsub::PubSub;
use zero_live::server::Page;
use zero_live::{Endpoint, Live, LiveBuilder};

/// The features the generators added.
#[derive(Debug, Clone)]
pub struct Features {}

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
        let _ = root;
        Ok(())
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
        let _ = (db, pubsub, endpoint, root);
        Features {}
    }

    /// Shares the features' state with views (`ctx.state::<T>()`).
    pub fn share(&self, builder: LiveBuilder) -> LiveBuilder {
        builder
    }

    /// The app's routes behind the features' layers, which run before the app's own.
    pub fn layer(&self, live: &Live, routes: axum::Router) -> axum::Router {
        let _ = live;
        routes
    }

    /// The account menu of `page` (`None`: the app has no accounts).
    pub fn account(page: &Page) -> Option<Account> {
        let _ = page;
        None
    }
}
