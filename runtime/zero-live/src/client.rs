//! The client's side of the diff engine: a cached tree that merges full and change forms (see
//! [`crate::diff`]) and renders to HTML. The browser client implements the same merge; this one
//! serves Rust tests, load clients and the property tests that prove the engine.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Why a message could not be merged (the client then asks for a full render).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot merge: {0}")]
pub struct MergeError(pub String);

fn bad(what: impl Into<String>) -> MergeError {
    MergeError(what.into())
}

/// A node of the cached tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Escaped HTML.
    Text(String),
    /// Nothing.
    Empty,
    /// A block: fingerprint and dynamics.
    Block {
        /// The fingerprint naming its statics.
        f: String,
        /// Its dynamics.
        d: Vec<Node>,
    },
    /// A list: fingerprint, row keys and rows.
    List {
        /// The fingerprint naming the row statics.
        f: String,
        /// The row keys (indices as strings when the list has no keys).
        keys: Vec<String>,
        /// Whether `keys` came from `:key`.
        keyed: bool,
        /// Whether it is a `:stream` (rows persist across renders; operations change them).
        stream: bool,
        /// The rows.
        rows: Vec<Vec<Node>>,
    },
}

/// The client's copy of a live view: the statics cache and the tree.
#[derive(Debug, Clone, Default)]
pub struct ClientTree {
    statics: HashMap<String, Vec<String>>,
    root: Option<Node>,
    revision: u64,
}

impl ClientTree {
    /// Replaces the tree with a full render.
    pub fn apply_full(&mut self, value: &Value) -> Result<(), MergeError> {
        self.root = Some(self.full(value)?);
        Ok(())
    }

    /// Replaces the tree with the full render of a join's reply at `revision`.
    pub fn apply_join(&mut self, revision: u64, value: &Value) -> Result<(), MergeError> {
        self.apply_full(value)?;
        self.revision = revision;
        Ok(())
    }

    /// Merges the change of `revision`, which must follow the last one. A gap (a lost or
    /// reordered message) is refused and the tree left as it was: the client then rejoins and
    /// gets a full render.
    pub fn apply_diff_at(&mut self, revision: u64, value: &Value) -> Result<(), MergeError> {
        if revision != self.revision + 1 {
            return Err(bad(format!(
                "revision gap: have {}, got {revision}; rejoin for a full render",
                self.revision
            )));
        }
        let saved = self.root.clone();
        match self.apply_diff(value) {
            Ok(()) => {
                self.revision = revision;
                Ok(())
            }
            Err(e) => {
                self.root = saved;
                Err(e)
            }
        }
    }

    /// The last revision merged.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Merges a change form into the tree.
    pub fn apply_diff(&mut self, value: &Value) -> Result<(), MergeError> {
        let root = self.root.take().ok_or_else(|| bad("no tree to merge into"))?;
        let merged = self.merge(root, value);
        match merged {
            Ok(node) => {
                self.root = Some(node);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The HTML of the tree.
    pub fn to_html(&self) -> Result<String, MergeError> {
        let mut out = String::new();
        if let Some(root) = &self.root {
            self.render(root, &mut out)?;
        }
        Ok(out)
    }

    /// Number of statics sets cached.
    pub fn statics_cached(&self) -> usize {
        self.statics.len()
    }

    fn learn(&mut self, object: &Map<String, Value>) -> Result<String, MergeError> {
        let f = object.get("f").and_then(Value::as_str).ok_or_else(|| bad("`f` missing"))?;
        if let Some(s) = object.get("s") {
            let statics = s
                .as_array()
                .ok_or_else(|| bad("`s` is not an array"))?
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad("static is not text")))
                .collect::<Result<Vec<_>, _>>()?;
            self.statics.insert(f.to_owned(), statics);
        } else if !self.statics.contains_key(f) {
            return Err(bad(format!("statics of {f} were never sent")));
        }
        Ok(f.to_owned())
    }

    fn full(&mut self, value: &Value) -> Result<Node, MergeError> {
        match value {
            Value::String(s) => Ok(Node::Text(s.clone())),
            Value::Null => Ok(Node::Empty),
            Value::Object(object) => {
                let f = self.learn(object)?;
                if let Some(d) = object.get("d") {
                    let d = d.as_array().ok_or_else(|| bad("`d` is not an array"))?;
                    let d = d.iter().map(|v| self.full(v)).collect::<Result<_, _>>()?;
                    return Ok(Node::Block { f, d });
                }
                let rows = object.get("r").ok_or_else(|| bad("`r` missing"))?;
                let rows = self.rows(rows)?;
                let (keys, keyed) = match object.get("k") {
                    Some(k) => (strings(k)?, true),
                    None => ((0..rows.len()).map(|i| i.to_string()).collect(), false),
                };
                if keys.len() != rows.len() {
                    return Err(bad("keys and rows differ in number"));
                }
                if let Some(x) = object.get("x") {
                    let mut list = (Vec::new(), Vec::new());
                    apply_stream(&mut list, keys, rows, x)?;
                    return Ok(Node::List {
                        f,
                        keys: list.0,
                        keyed: true,
                        stream: true,
                        rows: list.1,
                    });
                }
                Ok(Node::List { f, keys, keyed, stream: false, rows })
            }
            other => Err(bad(format!("unexpected {other}"))),
        }
    }

    /// A row in full form: an array of dynamics.
    fn row(&mut self, value: &Value) -> Result<Vec<Node>, MergeError> {
        let row = value.as_array().ok_or_else(|| bad("row is not an array"))?;
        row.iter().map(|v| self.full(v)).collect()
    }

    /// Rows in full form: an array of rows.
    fn rows(&mut self, value: &Value) -> Result<Vec<Vec<Node>>, MergeError> {
        let rows = value.as_array().ok_or_else(|| bad("`r` is not an array"))?;
        rows.iter().map(|row| self.row(row)).collect()
    }

    fn merge(&mut self, node: Node, change: &Value) -> Result<Node, MergeError> {
        let object = match change {
            Value::Object(o) if !o.contains_key("f") => o,
            // Text, null, or a full form replace the node.
            _ => return self.full(change),
        };
        match node {
            Node::Block { f, mut d } => {
                for (index, change) in object {
                    let i: usize = index.parse().map_err(|_| bad(format!("position {index}")))?;
                    let slot = d.get_mut(i).ok_or_else(|| bad(format!("no position {i}")))?;
                    let old = std::mem::replace(slot, Node::Empty);
                    *slot = self.merge(old, change)?;
                }
                Ok(Node::Block { f, d })
            }
            Node::List { f, keys, keyed: _, stream: true, rows } => {
                let x = object.get("x").ok_or_else(|| bad("a stream change without `x`"))?;
                let new_keys = object.get("k").map(strings).transpose()?.unwrap_or_default();
                let new_rows = match object.get("r") {
                    Some(rows) => self.rows(rows)?,
                    None => Vec::new(),
                };
                if new_keys.len() != new_rows.len() {
                    return Err(bad("keys and rows differ in number"));
                }
                let mut list = (keys, rows);
                apply_stream(&mut list, new_keys, new_rows, x)?;
                Ok(Node::List { f, keys: list.0, keyed: true, stream: true, rows: list.1 })
            }
            Node::List { f, keys, keyed, stream: false, rows } => {
                let mut by_key: HashMap<String, Vec<Node>> =
                    keys.iter().cloned().zip(rows).collect();
                let order = match object.get("o") {
                    Some(o) => strings(o)?,
                    None => keys,
                };
                let inserts = object.get("i").and_then(Value::as_object);
                let updates = object.get("u").and_then(Value::as_object);
                let mut new_rows = Vec::with_capacity(order.len());
                for key in &order {
                    let row = match inserts.and_then(|i| i.get(key)) {
                        Some(row) => self.row(row)?,
                        None => by_key.remove(key).ok_or_else(|| bad(format!("no row {key}")))?,
                    };
                    let row = match updates.and_then(|u| u.get(key)) {
                        Some(change) => {
                            self.merge(Node::Block { f: String::new(), d: row }, change)?
                        }
                        None => Node::Block { f: String::new(), d: row },
                    };
                    let Node::Block { d, .. } = row else { return Err(bad("row")) };
                    new_rows.push(d);
                }
                Ok(Node::List { f, keys: order, keyed, stream: false, rows: new_rows })
            }
            Node::Text(_) | Node::Empty => Err(bad("a change for a node that has none")),
        }
    }

    fn render(&self, node: &Node, out: &mut String) -> Result<(), MergeError> {
        match node {
            Node::Text(s) => out.push_str(s),
            Node::Empty => {}
            Node::Block { f, d } => self.interleave(f, d, out)?,
            Node::List { f, rows, .. } => {
                for row in rows {
                    self.interleave(f, row, out)?;
                }
            }
        }
        Ok(())
    }

    fn interleave(&self, f: &str, dynamics: &[Node], out: &mut String) -> Result<(), MergeError> {
        let statics = self.statics.get(f).ok_or_else(|| bad(format!("statics of {f}")))?;
        if statics.len() != dynamics.len() + 1 {
            return Err(bad(format!(
                "{f} has {} statics for {} dynamics",
                statics.len(),
                dynamics.len()
            )));
        }
        for (s, d) in statics.iter().zip(dynamics) {
            out.push_str(s);
            self.render(d, out)?;
        }
        out.push_str(statics.last().map_or("", String::as_str));
        Ok(())
    }
}

/// Applies one render's stream operations `x` and rows to the kept `(keys, rows)`: reset,
/// deletes, inserts (an existing key is updated in place), then the limit.
fn apply_stream(
    list: &mut (Vec<String>, Vec<Vec<Node>>),
    keys: Vec<String>,
    rows: Vec<Vec<Node>>,
    x: &Value,
) -> Result<(), MergeError> {
    let x = x.as_object().ok_or_else(|| bad("`x` is not an object"))?;
    let (kept_keys, kept_rows) = list;
    if x.get("reset").and_then(Value::as_bool) == Some(true) {
        kept_keys.clear();
        kept_rows.clear();
    }
    if let Some(deletes) = x.get("d") {
        for key in strings(deletes)? {
            if let Some(i) = kept_keys.iter().position(|k| *k == key) {
                kept_keys.remove(i);
                kept_rows.remove(i);
            }
        }
    }
    let at: Vec<i64> = match x.get("at") {
        Some(at) => at
            .as_array()
            .ok_or_else(|| bad("`at` is not an array"))?
            .iter()
            .map(|v| v.as_i64().ok_or_else(|| bad("`at` holds a non-integer")))
            .collect::<Result<_, _>>()?,
        None => vec![-1; keys.len()],
    };
    if at.len() != keys.len() {
        return Err(bad("`at` and rows differ in number"));
    }
    for ((key, row), at) in keys.into_iter().zip(rows).zip(at) {
        if let Some(i) = kept_keys.iter().position(|k| *k == key) {
            kept_rows[i] = row;
            continue;
        }
        let len = kept_keys.len() as i64;
        let index = if at < 0 { (len + at + 1).max(0) } else { at.min(len) };
        let index = usize::try_from(index).unwrap_or(0);
        kept_keys.insert(index, key);
        kept_rows.insert(index, row);
    }
    if let Some(limit) = x.get("limit").and_then(Value::as_i64) {
        let limit_abs = usize::try_from(limit.unsigned_abs()).unwrap_or(usize::MAX);
        if kept_keys.len() > limit_abs {
            if limit >= 0 {
                kept_keys.truncate(limit_abs);
                kept_rows.truncate(limit_abs);
            } else {
                let cut = kept_keys.len() - limit_abs;
                kept_keys.drain(..cut);
                kept_rows.drain(..cut);
            }
        }
    }
    Ok(())
}

fn strings(value: &Value) -> Result<Vec<String>, MergeError> {
    value
        .as_array()
        .ok_or_else(|| bad("expected an array of keys"))?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad("key is not text")))
        .collect()
}
