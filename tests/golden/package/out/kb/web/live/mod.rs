//! The package's live views: each module's struct, its template beside it.

pub mod index;
pub mod show;
