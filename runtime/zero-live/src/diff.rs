//! The diff engine: what a client needs to turn its copy of the last render into the next.
//!
//! A render ([`Rendered`]) is a tree of blocks (statics with a fingerprint, and dynamics) and
//! lists (rows sharing statics). On the wire:
//!
//! | node | full form | change form |
//! |---|---|---|
//! | text | `"escaped html"` | the new string |
//! | empty (`:if` false) | `null` | `null` |
//! | block | `{"f": fp, "s"?: [statics], "d": [dyn, ...]}` | `{"3": change, ...}`: changed positions only |
//! | list | `{"f": fp, "s"?: [statics], "k"?: [keys], "r": [[dyn, ...], ...]}` | `{"o"?: [keys], "i"?: {key: row}, "u"?: {key: {"2": change}}}` |
//!
//! A full form always has `"f"`; a change form never does, so the client tells them apart. Statics
//! (`"s"`) are sent once per fingerprint per session ([`Statics`]); afterwards the fingerprint
//! alone names them. Rows of a keyed list (`:key`) are matched by key: new rows travel in `"i"`,
//! changed rows as changes in `"u"`, and `"o"` (the new key order) appears only when rows were
//! added, removed or moved, so a move costs a key, not a row. Lists without keys (or with
//! repeated keys) use row indices as keys. Maps are sorted, so serialization is deterministic.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use zero_live_core::{Block, Dyn, List, Rendered, StreamOps};

/// The fingerprints whose statics a client already has.
#[derive(Debug, Clone, Default)]
pub struct Statics {
    sent: HashSet<u64>,
}

impl Statics {
    /// Forgets everything (a client that rejoins starts with an empty cache).
    pub fn clear(&mut self) {
        self.sent.clear();
    }

    /// Whether the statics of `fingerprint` were sent.
    pub fn contains(&self, fingerprint: u64) -> bool {
        self.sent.contains(&fingerprint)
    }

    /// Adds `"s"` to `object` unless the client has these statics.
    fn attach(&mut self, object: &mut Map<String, Value>, fingerprint: u64, statics: &[&str]) {
        if self.sent.insert(fingerprint) {
            object.insert("s".into(), statics.iter().map(|s| Value::from(*s)).collect());
        }
    }
}

/// The wire name of a fingerprint: hex, since JSON numbers lose bits above 2^53.
pub fn fingerprint_key(fingerprint: u64) -> String {
    format!("{fingerprint:x}")
}

/// The full form of a render.
pub fn full(rendered: &Rendered, statics: &mut Statics) -> Value {
    full_block(rendered, &rendered.root, statics)
}

/// The change form that turns `old` into `new`, or `None` when they render the same tree
/// (nothing to send).
pub fn diff(old: &Rendered, new: &Rendered, statics: &mut Statics) -> Option<Value> {
    diff_block(old, &old.root, new, &new.root, statics)
}

fn full_block(r: &Rendered, block: &Block, statics: &mut Statics) -> Value {
    let mut object = Map::new();
    object.insert("f".into(), fingerprint_key(block.fingerprint).into());
    statics.attach(&mut object, block.fingerprint, block.statics);
    let dynamics = block.dynamics.iter().map(|d| full_dyn(r, *d, statics)).collect();
    object.insert("d".into(), Value::Array(dynamics));
    Value::Object(object)
}

fn full_dyn(r: &Rendered, d: Dyn, statics: &mut Statics) -> Value {
    match d {
        Dyn::Text { start, end } => r.text(start, end).into(),
        Dyn::Empty => Value::Null,
        Dyn::Block(i) => r.block(i).map_or(Value::Null, |b| full_block(r, b, statics)),
        Dyn::List(i) => r.list(i).map_or(Value::Null, |l| full_list(r, l, statics)),
    }
}

fn full_list(r: &Rendered, list: &List, statics: &mut Statics) -> Value {
    let mut object = Map::new();
    object.insert("f".into(), fingerprint_key(list.fingerprint).into());
    statics.attach(&mut object, list.fingerprint, list.statics);
    stream_rows(r, list, statics, &mut object);
    Value::Object(object)
}

/// The keys, rows and (for a stream) operations of a list's full or stream form.
fn stream_rows(r: &Rendered, list: &List, statics: &mut Statics, object: &mut Map<String, Value>) {
    if list.stream.is_some() {
        // Stream rows are matched by key on the client, repeated keys included (the last
        // insert of a key wins).
        let keys = list.keys.iter().map(|&(a, b)| Value::from(r.text(a, b)));
        object.insert("k".into(), keys.collect());
    } else if let Keys::Keyed(k) = keys(r, list) {
        object.insert("k".into(), k.into_iter().map(Value::from).collect());
    }
    let rows = rows(list).map(|row| full_row(r, row, statics)).collect();
    object.insert("r".into(), Value::Array(rows));
    if let Some(ops) = &list.stream {
        object.insert("x".into(), stream_ops(ops));
    }
}

fn stream_ops(ops: &StreamOps) -> Value {
    let mut x = Map::new();
    if ops.at.iter().any(|&at| at != -1) {
        x.insert("at".into(), ops.at.iter().map(|&a| Value::from(a)).collect());
    }
    if !ops.deletes.is_empty() {
        x.insert("d".into(), ops.deletes.iter().map(|d| Value::from(d.as_str())).collect());
    }
    if ops.reset {
        x.insert("reset".into(), Value::Bool(true));
    }
    if let Some(limit) = ops.limit {
        x.insert("limit".into(), Value::from(limit));
    }
    Value::Object(x)
}

fn full_row(r: &Rendered, row: &[Dyn], statics: &mut Statics) -> Value {
    Value::Array(row.iter().map(|d| full_dyn(r, *d, statics)).collect())
}

fn diff_block(
    ro: &Rendered,
    old: &Block,
    rn: &Rendered,
    new: &Block,
    statics: &mut Statics,
) -> Option<Value> {
    if old.fingerprint != new.fingerprint || old.dynamics.len() != new.dynamics.len() {
        return Some(full_block(rn, new, statics));
    }
    let changes = diff_dyns(ro, &old.dynamics, rn, &new.dynamics, statics);
    (!changes.is_empty()).then_some(Value::Object(changes))
}

/// Position-by-position changes between two rows of dynamics of the same shape.
fn diff_dyns(
    ro: &Rendered,
    old: &[Dyn],
    rn: &Rendered,
    new: &[Dyn],
    statics: &mut Statics,
) -> Map<String, Value> {
    let mut changes = Map::new();
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        if let Some(change) = diff_dyn(ro, *o, rn, *n, statics) {
            changes.insert(i.to_string(), change);
        }
    }
    changes
}

fn diff_dyn(
    ro: &Rendered,
    old: Dyn,
    rn: &Rendered,
    new: Dyn,
    statics: &mut Statics,
) -> Option<Value> {
    match (old, new) {
        (Dyn::Text { start: a, end: b }, Dyn::Text { start: c, end: d }) => {
            let text = rn.text(c, d);
            (ro.text(a, b) != text).then(|| text.into())
        }
        (Dyn::Empty, Dyn::Empty) => None,
        (Dyn::Block(a), Dyn::Block(b)) => match (ro.block(a), rn.block(b)) {
            (Some(o), Some(n)) => diff_block(ro, o, rn, n, statics),
            _ => Some(full_dyn(rn, new, statics)),
        },
        (Dyn::List(a), Dyn::List(b)) => match (ro.list(a), rn.list(b)) {
            (Some(o), Some(n)) => diff_list(ro, o, rn, n, statics),
            _ => Some(full_dyn(rn, new, statics)),
        },
        _ => Some(full_dyn(rn, new, statics)),
    }
}

/// How a list's rows are identified.
enum Keys {
    /// By their `:key` text (distinct).
    Keyed(Vec<String>),
    /// By index (no keys, or repeated keys).
    Indexed(usize),
}

impl Keys {
    fn names(&self) -> Vec<String> {
        match self {
            Keys::Keyed(keys) => keys.clone(),
            Keys::Indexed(n) => (0..*n).map(|i| i.to_string()).collect(),
        }
    }
}

fn keys(r: &Rendered, list: &List) -> Keys {
    let len = list.len();
    if list.keys.len() == len && len > 0 {
        let keys: Vec<String> = list.keys.iter().map(|&(a, b)| r.text(a, b).to_owned()).collect();
        let distinct: HashSet<&str> = keys.iter().map(String::as_str).collect();
        // Rows without `:key` and without dynamics carry empty keys: not usable.
        if distinct.len() == len && !distinct.contains("") {
            return Keys::Keyed(keys);
        }
    }
    Keys::Indexed(len)
}

fn rows(list: &List) -> impl Iterator<Item = &[Dyn]> {
    let width = list.width();
    let count = list.len();
    (0..count).map(move |i| list.dynamics.get(i * width..(i + 1) * width).unwrap_or(&[]))
}

fn diff_list(
    ro: &Rendered,
    old: &List,
    rn: &Rendered,
    new: &List,
    statics: &mut Statics,
) -> Option<Value> {
    if old.fingerprint != new.fingerprint {
        return Some(full_list(rn, new, statics));
    }
    if let Some(ops) = &new.stream {
        let same_limit = old.stream.as_ref().is_some_and(|o| o.limit == ops.limit);
        if new.is_empty() && ops.deletes.is_empty() && !ops.reset && same_limit {
            return None;
        }
        let mut object = Map::new();
        stream_rows(rn, new, statics, &mut object);
        return Some(Value::Object(object));
    }
    let (old_keys, new_keys) = match (keys(ro, old), keys(rn, new)) {
        (a @ Keys::Keyed(_), b @ Keys::Keyed(_)) | (a @ Keys::Indexed(_), b @ Keys::Indexed(_)) => {
            (a.names(), b.names())
        }
        // An empty list has no keys to confuse.
        (a, b) if old.is_empty() || new.is_empty() => (a.names(), b.names()),
        // A list that gained or lost usable keys is sent whole.
        _ => return Some(full_list(rn, new, statics)),
    };
    let old_rows: HashMap<&str, &[Dyn]> =
        old_keys.iter().map(String::as_str).zip(rows(old)).collect();
    let mut inserts = Map::new();
    let mut updates = Map::new();
    for (key, row) in new_keys.iter().zip(rows(new)) {
        match old_rows.get(key.as_str()) {
            None => {
                inserts.insert(key.clone(), full_row(rn, row, statics));
            }
            Some(old_row) => {
                let changes = diff_dyns(ro, old_row, rn, row, statics);
                if !changes.is_empty() {
                    updates.insert(key.clone(), Value::Object(changes));
                }
            }
        }
    }
    let mut object = Map::new();
    if old_keys != new_keys {
        object.insert("o".into(), new_keys.into_iter().map(Value::from).collect());
    }
    if !inserts.is_empty() {
        object.insert("i".into(), Value::Object(inserts));
    }
    if !updates.is_empty() {
        object.insert("u".into(), Value::Object(updates));
    }
    (!object.is_empty()).then_some(Value::Object(object))
}
