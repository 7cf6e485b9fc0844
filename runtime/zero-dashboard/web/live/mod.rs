//! The dashboard's live view: its struct, its template beside it.

pub mod dashboard;
