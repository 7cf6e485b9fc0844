//! Live views: each a struct (its state), a template beside it, and its events.

pub mod about;
pub mod gallery;
pub mod home;
pub mod tags;
pub mod users;
