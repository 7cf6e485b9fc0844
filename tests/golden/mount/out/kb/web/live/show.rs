//! An entry's page, at `AT/{id}` under the path the app mounts the package at.

use zero_db::DbError;
use zero_live::{Context, LiveView, MountError};

use crate::entries::{self, Entry};
use crate::web::services;

/// The page's state.
#[derive(Debug)]
pub struct Show {
    /// The entry.
    pub entry: Entry,
    /// Where the package is mounted (the link back).
    pub at: String,
}
zero_live_core::template!(Show, "live/show");

impl LiveView for Show {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let id: Option<i64> = ctx.param("id").and_then(|id| id.parse().ok());
        let id = id.ok_or_else(|| MountError::not_found("No such entry."))?;
        let (db, _, mounted) = services(ctx).map_err(MountError::new)?;
        let entry = match entries::find(&db, id).await {
            Ok(entry) => entry,
            Err(DbError::NotFound) => return Err(MountError::not_found("No such entry.")),
            Err(e) => return Err(MountError::new(format!("the entry could not be read: {e}"))),
        };
        ctx.set_title("Entry");
        Ok(Show { entry, at: mounted.at })
    }
}
