//! Entries: the rows of table `kb_entries` (the package's own, named after it so it
//! never meets an app's table) and the functions its views call. Each write publishes a
//! [`Change`] on [`TOPIC`].

use std::collections::BTreeMap;

use zero_db::sqlx::{self, any::AnyRow};
use zero_db::values::{Problem, Values};
use zero_db::{Db, DbError, get};
use zero_pubsub::{PubSub, publish};

/// The topic every change to entries is published on (the package's name first, so it
/// never meets an app's topic).
pub const TOPIC: &str = "kb:entries";

/// The longest entry, in characters.
pub const MAX_BODY: usize = 2000;

/// An entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its id.
    pub id: i64,
    /// What it says.
    pub body: String,
}

/// What changed, as published on [`TOPIC`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An entry was created.
    Created(Entry),
}

/// The values of a new entry's form.
pub fn defaults() -> BTreeMap<String, String> {
    BTreeMap::from([("body".to_owned(), String::new())])
}

/// Checks a form's values and returns the body to write; every problem at once.
pub fn validate(values: &BTreeMap<String, String>) -> Result<String, Vec<Problem>> {
    let mut v = Values::new(values);
    let body = v.text("body", Some(MAX_BODY));
    v.finish(body)
}

fn from_row(row: &AnyRow) -> Result<Entry, DbError> {
    Ok(Entry { id: get(row, "id")?, body: get(row, "body")? })
}

/// Every entry, oldest first.
pub async fn list(db: &Db) -> Result<Vec<Entry>, DbError> {
    let rows =
        sqlx::query("SELECT id, body FROM kb_entries ORDER BY id").fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The entry with this id ([`DbError::NotFound`] when there is none).
pub async fn find(db: &Db, id: i64) -> Result<Entry, DbError> {
    let row = sqlx::query("SELECT id, body FROM kb_entries WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await?;
    from_row(&row)
}

/// Inserts an entry of this (checked) body and publishes [`Change::Created`].
pub async fn create(db: &Db, pubsub: &dyn PubSub, body: &str) -> Result<Entry, DbError> {
    let row = sqlx::query(db.sql("INSERT INTO kb_entries (body) VALUES ($1) RETURNING id, body"))
        .bind(body.to_owned())
        .fetch_one(db.pool())
        .await?;
    let created = from_row(&row)?;
    publish(pubsub, TOPIC, Change::Created(created.clone()));
    Ok(created)
}
