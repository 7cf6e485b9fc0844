//! Live views: each a struct (its state), a template beside it, and its events.

pub mod about;
pub mod albums;
pub mod gallery;
pub mod home;
pub mod photos;
pub mod users;
