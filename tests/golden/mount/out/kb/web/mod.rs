//! The package's web layer: its live views (`live/`) and components (`components/`).

pub mod components;
pub mod live;

use std::sync::Arc;

use zero_db::Db;
use zero_live::pubsub::PubSub;

use crate::Mounted;

/// What the package's views read from the app that mounted them: its database and PubSub
/// adapter (`LiveBuilder::state`), and where the package is mounted.
pub fn services(ctx: &zero_live::Context) -> Result<(Db, Arc<dyn PubSub>, Mounted), String> {
    let db = ctx.state::<Db>().cloned();
    let pubsub = ctx.state::<Arc<dyn PubSub>>().cloned();
    let mounted = ctx.state::<Mounted>().cloned();
    match (db, pubsub, mounted) {
        (Some(db), Some(pubsub), Some(mounted)) => Ok((db, pubsub, mounted)),
        (_, _, None) => Err("kb is not mounted (kb::mount)".to_owned()),
        _ => {
            Err("the app shares no database or PubSub with its views (LiveBuilder::state)"
                .to_owned())
        }
    }
}
