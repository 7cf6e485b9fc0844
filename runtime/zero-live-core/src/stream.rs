//! Streams: collections whose items are sent to the client and then dropped from server memory.
//!
//! A `Stream<T>` holds only the operations since the last render: items to insert (at the end,
//! the start or an index; an item whose key the client already has is updated in place), keys to
//! delete, a reset, a limit. A template renders it with `:for={item in items} :key={..} :stream`;
//! after each live render the session flushes it, so the server keeps nothing of what it sent.

use crate::render::Render;

/// Where an inserted item goes: `-1` appends, `0` prepends, `i` inserts before the item at `i`.
pub type At = i32;

/// The operations of one render, as the diff engine sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamOps {
    /// For each rendered row, in order, where it goes.
    pub at: Vec<At>,
    /// Keys (rendered as in `:key`) to delete, before inserting.
    pub deletes: Vec<String>,
    /// Whether the client empties the container first.
    pub reset: bool,
    /// Keep at most this many items: the first `n`, or the last `-n` when negative.
    pub limit: Option<i32>,
}

/// A stream of `T`.
#[derive(Debug, Clone)]
pub struct Stream<T> {
    items: Vec<(T, At)>,
    deletes: Vec<String>,
    reset: bool,
    limit: Option<i32>,
}

impl<T> Default for Stream<T> {
    fn default() -> Self {
        Stream { items: Vec::new(), deletes: Vec::new(), reset: false, limit: None }
    }
}

impl<T> Stream<T> {
    /// An empty stream.
    pub fn new() -> Self {
        Stream::default()
    }

    /// Appends `item` (or updates it in place when the client has its key).
    pub fn insert(&mut self, item: T) {
        self.items.push((item, -1));
    }

    /// Inserts `item` at `at` (`0` prepends, `-1` appends).
    pub fn insert_at(&mut self, at: At, item: T) {
        self.items.push((item, at));
    }

    /// Appends every item.
    pub fn extend(&mut self, items: impl IntoIterator<Item = T>) {
        self.items.extend(items.into_iter().map(|i| (i, -1)));
    }

    /// Deletes the item whose `:key` renders as `key` renders.
    pub fn delete<K: Render + ?Sized>(&mut self, key: &K) {
        let mut text = String::new();
        key.render_escaped(&mut text);
        self.deletes.push(text);
    }

    /// Empties the client's container before this render's inserts (and forgets pending ones).
    pub fn reset(&mut self) {
        self.items.clear();
        self.deletes.clear();
        self.reset = true;
    }

    /// Keeps at most `n` items on the client: the first `n`, or the last `-n`.
    pub fn limit(&mut self, n: i32) {
        self.limit = Some(n);
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.deletes.is_empty() && !self.reset
    }

    /// The pending operations (what the next render sends).
    pub fn ops(&self) -> StreamOps {
        StreamOps {
            at: self.items.iter().map(|(_, at)| *at).collect(),
            deletes: self.deletes.clone(),
            reset: self.reset,
            limit: self.limit,
        }
    }

    /// Forgets what was sent: called by the session after each live render. The buffers go
    /// too, not just their items: a stream that once held 10,000 items would otherwise keep
    /// room for them in every session.
    pub fn flush(&mut self) {
        self.items = Vec::new();
        self.deletes = Vec::new();
        self.reset = false;
    }
}

impl<'a, T> IntoIterator for &'a Stream<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, At)>, fn(&'a (T, At)) -> &'a T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter().map(|(item, _)| item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_accumulate_until_flushed() {
        let mut s = Stream::new();
        s.insert("a");
        s.insert_at(0, "b");
        s.delete(&"x<y");
        s.limit(-10);
        assert_eq!(s.into_iter().copied().collect::<Vec<_>>(), ["a", "b"]);
        let ops = s.ops();
        assert_eq!(ops.at, [-1, 0]);
        assert_eq!(ops.deletes, ["x&lt;y"], "keys are compared as rendered");
        assert_eq!(ops.limit, Some(-10));
        s.flush();
        assert!(s.is_empty() && s.ops().at.is_empty());
        assert_eq!(s.ops().limit, Some(-10), "the limit is a property of the stream");
        s.insert("c");
        s.reset();
        assert!(s.ops().reset && s.ops().at.is_empty(), "reset forgets pending inserts");
        assert!(!s.is_empty());
    }

    #[test]
    fn a_flush_frees_the_room_the_items_took() {
        let mut s = Stream::new();
        s.extend((0..10_000).map(|i| i.to_string()));
        (0..100).for_each(|i| s.delete(&i));
        s.flush();
        assert_eq!(
            (s.items.capacity(), s.deletes.capacity()),
            (0, 0),
            "nothing kept, not even room"
        );
        s.insert("next".to_owned());
        assert_eq!(s.into_iter().count(), 1);
    }
}
