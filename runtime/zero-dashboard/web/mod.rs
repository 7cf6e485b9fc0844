//! The dashboard's web layer: its live view (`live/`) and components (`components/`).

pub mod components;
pub mod live;
