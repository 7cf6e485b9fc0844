//! Reading and editing an app made by `zerogen new app`, for the generators that add to it:
//! its tables edited by column name (`tsv`). Every edit is computed in memory first; the
//! generator writes all of it or nothing.

pub mod tsv;
