#![allow(clippy::unwrap_used)]
//! The diff engine against the client merge: for random trees `a` and `b` of random shapes,
//! merging `diff(a, b)` into a client holding `a` yields exactly `b`.

use proptest::prelude::*;
use zero_live::client::ClientTree;
use zero_live::diff::{Statics, diff, full};
use zero_live_core::{Block, Builder, Dyn, List, Render, Rendered};

/// The shape of a template: what a block's dynamics are.
#[derive(Debug, Clone)]
enum Shape {
    Text,
    If(Vec<Shape>),
    For { keyed: bool, row: Vec<Shape> },
}

/// Statics for a block of `n` dynamics, unique per shape node (leaked: tests only).
fn statics(id: u64, n: usize) -> &'static [&'static str] {
    let v: Vec<&'static str> =
        (0..=n).map(|i| &*Box::leak(format!("<s{id}.{i}>").into_boxed_str())).collect();
    Box::leak(v.into_boxed_slice())
}

/// Values to fill a shape with: drawn per render so `a` and `b` differ.
#[derive(Debug, Clone)]
struct Fill {
    texts: Vec<u8>,
    flags: Vec<bool>,
    rows: Vec<Vec<u8>>,
}

struct Filler<'a> {
    fill: &'a Fill,
    text: usize,
    flag: usize,
    list: usize,
}

impl Filler<'_> {
    fn text(&mut self) -> u8 {
        self.text += 1;
        self.fill.texts[self.text % self.fill.texts.len()]
    }
    fn flag(&mut self) -> bool {
        self.flag += 1;
        self.fill.flags[self.flag % self.fill.flags.len()]
    }
    fn rows(&mut self) -> Vec<u8> {
        self.list += 1;
        self.fill.rows[self.list % self.fill.rows.len()].clone()
    }
}

fn build_block(b: &mut Builder, shapes: &[Shape], id: u64, f: &mut Filler<'_>) -> Block {
    let mut dynamics = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        dynamics.push(build_dyn(b, shape, id * 31 + i as u64 + 1, f));
    }
    Block { fingerprint: id, statics: statics(id, shapes.len()), dynamics }
}

fn build_dyn(b: &mut Builder, shape: &Shape, id: u64, f: &mut Filler<'_>) -> Dyn {
    match shape {
        Shape::Text => {
            let m = b.mark();
            let v = f.text();
            format!("t{v}<").render_escaped(b.buf());
            b.text_since(m)
        }
        Shape::If(body) => {
            if f.flag() {
                let block = build_block(b, body, id, f);
                b.block(block)
            } else {
                Dyn::Empty
            }
        }
        Shape::For { keyed, row } => {
            let mut list = List::new(id, statics(id, row.len()));
            let mut rows = f.rows();
            if *keyed {
                rows.sort_unstable();
                rows.dedup();
            }
            for key in rows {
                if *keyed {
                    let k = b.mark();
                    key.render_escaped(b.buf());
                    list.keys.push(b.key_since(k));
                } else if row.is_empty() {
                    list.keys.push((0, 0));
                }
                for (i, s) in row.iter().enumerate() {
                    let d = build_dyn(b, s, id * 17 + i as u64 + 1, f);
                    list.dynamics.push(d);
                }
            }
            b.list(list)
        }
    }
}

fn render(shape: &[Shape], fill: &Fill) -> Rendered {
    let mut b = Builder::default();
    let mut filler = Filler { fill, text: 0, flag: 0, list: 0 };
    let root = build_block(&mut b, shape, 1, &mut filler);
    b.finish(root)
}

fn shape() -> impl Strategy<Value = Vec<Shape>> {
    let leaf = Just(Shape::Text);
    let shape = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            3 => Just(Shape::Text),
            1 => prop::collection::vec(inner.clone(), 0..3).prop_map(Shape::If),
            1 => (any::<bool>(), prop::collection::vec(inner, 0..3))
                .prop_map(|(keyed, row)| Shape::For { keyed, row }),
        ]
    });
    prop::collection::vec(shape, 0..5)
}

fn fill() -> impl Strategy<Value = Fill> {
    (
        prop::collection::vec(0u8..4, 1..6),
        prop::collection::vec(any::<bool>(), 1..6),
        prop::collection::vec(prop::collection::vec(0u8..8, 0..6), 1..4),
    )
        .prop_map(|(texts, flags, rows)| Fill { texts, flags, rows })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn merging_the_diff_of_a_and_b_into_a_yields_b(shape in shape(), fa in fill(), fb in fill()) {
        let a = render(&shape, &fa);
        let b = render(&shape, &fb);
        let mut statics = Statics::default();
        let mut client = ClientTree::default();
        client.apply_full(&full(&a, &mut statics)).unwrap();
        prop_assert_eq!(client.to_html().unwrap(), a.to_html());
        match diff(&a, &b, &mut statics) {
            Some(change) => client.apply_diff(&change).unwrap(),
            None => prop_assert_eq!(a.to_html(), b.to_html(), "no diff, yet the HTML differs"),
        }
        prop_assert_eq!(client.to_html().unwrap(), b.to_html());
        // And back again, with every statics set now cached.
        if let Some(change) = diff(&b, &a, &mut statics) {
            client.apply_diff(&change).unwrap();
        }
        prop_assert_eq!(client.to_html().unwrap(), a.to_html());
    }

    #[test]
    fn an_unchanged_render_yields_no_diff(shape in shape(), fa in fill()) {
        let a = render(&shape, &fa);
        let again = render(&shape, &fa);
        let mut statics = Statics::default();
        full(&a, &mut statics);
        prop_assert!(diff(&a, &again, &mut statics).is_none());
    }

    #[test]
    fn serialization_is_deterministic(shape in shape(), fa in fill(), fb in fill()) {
        let a = render(&shape, &fa);
        let b = render(&shape, &fb);
        let once = diff(&a, &b, &mut Statics::default()).map(|v| v.to_string());
        let twice = diff(&a, &b, &mut Statics::default()).map(|v| v.to_string());
        prop_assert_eq!(once, twice);
    }
}

/// A keyed list: moves cost keys, new rows travel whole, unchanged rows not at all.
#[test]
fn keyed_lists_send_moves_inserts_and_deletes_by_key() {
    static ROW: &[&str] = &["<li>", "</li>"];
    static TOP: &[&str] = &["<ul>", "</ul>"];
    let render = |items: &[(u32, &str)]| {
        let mut b = Builder::default();
        let mut list = List::new(9, ROW);
        for (id, name) in items {
            let k = b.mark();
            id.render_escaped(b.buf());
            list.keys.push(b.key_since(k));
            let m = b.mark();
            name.render_escaped(b.buf());
            list.dynamics.push(b.text_since(m));
        }
        let list = b.list(list);
        b.finish(Block { fingerprint: 1, statics: TOP, dynamics: vec![list] })
    };
    let a = render(&[(1, "one"), (2, "two"), (3, "three")]);
    let b = render(&[(3, "three"), (1, "uno"), (4, "four")]);
    let mut statics = Statics::default();
    let first = full(&a, &mut statics);
    let change = diff(&a, &b, &mut statics).unwrap();
    insta::assert_json_snapshot!("full_keyed_list", first);
    insta::assert_json_snapshot!("diff_keyed_list", change);
    assert_eq!(change["0"]["o"], serde_json::json!(["3", "1", "4"]));
    assert!(change["0"]["i"].get("3").is_none(), "a moved row is not resent");
    assert_eq!(change["0"]["i"]["4"], serde_json::json!(["four"]));
    assert_eq!(change["0"]["u"]["1"], serde_json::json!({ "0": "uno" }));
    assert!(change.get("s").is_none() && change["0"].get("s").is_none(), "statics sent once");
    let mut client = ClientTree::default();
    client.apply_full(&first).unwrap();
    client.apply_diff(&change).unwrap();
    assert_eq!(client.to_html().unwrap(), b.to_html());
}

#[test]
fn merging_garbage_fails_instead_of_corrupting() {
    static TOP: &[&str] = &["<p>", "</p>"];
    let mut b = Builder::default();
    let m = b.mark();
    "x".render_escaped(b.buf());
    let t = b.text_since(m);
    let r = b.finish(Block { fingerprint: 1, statics: TOP, dynamics: vec![t] });
    let mut client = ClientTree::default();
    assert!(client.apply_diff(&serde_json::json!({"0": "y"})).is_err(), "no tree yet");
    client.apply_full(&full(&r, &mut Statics::default())).unwrap();
    for bad in [
        serde_json::json!({"7": "y"}),
        serde_json::json!({"x": "y"}),
        serde_json::json!({"f": "99", "d": []}),
    ] {
        let mut c = client.clone();
        assert!(c.apply_diff(&bad).is_err(), "{bad}");
    }
    let mut fresh = ClientTree::default();
    assert!(
        fresh.apply_full(&serde_json::json!({"f": "1", "d": ["x"]})).is_err(),
        "unknown statics"
    );
}

/// One stream operation.
#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u8),
    InsertAt(i32, u8, u8),
    Delete(u8),
    Reset,
    Limit(i32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..12, any::<u8>()).prop_map(|(k, v)| Op::Insert(k, v)),
        2 => (-3i32..4, 0u8..12, any::<u8>()).prop_map(|(at, k, v)| Op::InsertAt(at, k, v)),
        2 => (0u8..12).prop_map(Op::Delete),
        1 => Just(Op::Reset),
        1 => (-6i32..7).prop_filter("non-zero", |n| *n != 0).prop_map(Op::Limit),
    ]
}

/// What the page shows after the operations, by the documented semantics.
#[derive(Default)]
struct Model {
    items: Vec<(u8, u8)>,
    limit: Option<i32>,
}

impl Model {
    fn apply(&mut self, ops: &[Op]) {
        // Within one render: reset, deletes, inserts in order, then the limit (a property of
        // the stream, kept across resets).
        for o in ops {
            if let Op::Limit(n) = o {
                self.limit = Some(*n);
            }
        }
        if ops.iter().any(|o| matches!(o, Op::Reset)) {
            self.items.clear();
        }
        let last_reset = ops.iter().rposition(|o| matches!(o, Op::Reset)).map_or(0, |i| i + 1);
        let ops = &ops[last_reset..];
        for o in ops {
            if let Op::Delete(k) = o {
                self.items.retain(|(key, _)| key != k);
            }
        }
        for o in ops {
            let (at, k, v) = match o {
                Op::Insert(k, v) => (-1, *k, *v),
                Op::InsertAt(at, k, v) => (*at, *k, *v),
                _ => continue,
            };
            if let Some(slot) = self.items.iter_mut().find(|(key, _)| *key == k) {
                slot.1 = v;
                continue;
            }
            let len = self.items.len() as i64;
            let at = i64::from(at);
            let index = if at < 0 { (len + at + 1).max(0) } else { at.min(len) } as usize;
            self.items.insert(index, (k, v));
        }
        if let Some(n) = self.limit {
            let abs = n.unsigned_abs() as usize;
            if self.items.len() > abs {
                if n > 0 {
                    self.items.truncate(abs);
                } else {
                    self.items.drain(..self.items.len() - abs);
                }
            }
        }
    }

    fn html(&self) -> String {
        let rows: String = self.items.iter().map(|(k, v)| format!("<li id={k}>{v}</li>")).collect();
        format!("<ol>{rows}</ol>")
    }
}

fn apply_ops(stream: &mut zero_live_core::Stream<(u8, u8)>, ops: &[Op]) {
    for o in ops {
        match o {
            Op::Insert(k, v) => stream.insert((*k, *v)),
            Op::InsertAt(at, k, v) => stream.insert_at(*at, (*k, *v)),
            Op::Delete(k) => stream.delete(k),
            Op::Reset => stream.reset(),
            Op::Limit(n) => stream.limit(*n),
        }
    }
}

/// The stream's rows as a `:stream` list (`<li id=KEY>VALUE</li>`) of `b`.
fn stream_list(b: &mut Builder, stream: &zero_live_core::Stream<(u8, u8)>) -> Dyn {
    static ROW: &[&str] = &["<li id=", ">", "</li>"];
    let mut list = List::new(5, ROW);
    list.stream = Some(Box::new(stream.ops()));
    for (k, v) in stream {
        let m = b.mark();
        k.render_escaped(b.buf());
        list.keys.push(b.key_since(m));
        list.dynamics.push(b.text_since(m));
        let m = b.mark();
        v.render_escaped(b.buf());
        list.dynamics.push(b.text_since(m));
    }
    b.list(list)
}

fn render_stream(stream: &zero_live_core::Stream<(u8, u8)>) -> Rendered {
    static TOP: &[&str] = &["<ol>", "</ol>"];
    let mut b = Builder::default();
    let list = stream_list(&mut b, stream);
    b.finish(Block { fingerprint: 1, statics: TOP, dynamics: vec![list] })
}

/// A page with a stream and, beside it, parts a session keeps: a title and a plain list with a
/// nested block, both following the size of the stream's render.
fn render_page(stream: &zero_live_core::Stream<(u8, u8)>) -> Rendered {
    static TOP: &[&str] = &["<h1>", "</h1><ul>", "</ul><ol>", "</ol>"];
    static PLAIN: &[&str] = &["<li>", "</li>"];
    static BADGE: &[&str] = &["<b>", "</b>"];
    let mut b = Builder::default();
    let size = stream.into_iter().count();
    let m = b.mark();
    size.render_escaped(b.buf());
    let title = b.text_since(m);
    let mut plain = List::new(6, PLAIN);
    for i in 0..size % 3 {
        let m = b.mark();
        i.render_escaped(b.buf());
        let text = b.text_since(m);
        plain.dynamics.push(b.block(Block {
            fingerprint: 7,
            statics: BADGE,
            dynamics: vec![text],
        }));
    }
    let plain = b.list(plain);
    let list = stream_list(&mut b, stream);
    b.finish(Block { fingerprint: 1, statics: TOP, dynamics: vec![title, plain, list] })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Renders of a stream, each diffed and merged, leave the client showing exactly what the
    /// operations say, while the server keeps nothing between renders: the last render is kept
    /// without its stream rows, and a diff against it is the diff against the whole render.
    #[test]
    fn stream_operations_reach_the_client_exactly(steps in prop::collection::vec(prop::collection::vec(op(), 0..5), 1..8)) {
        let mut stream = zero_live_core::Stream::new();
        let mut model = Model::default();
        let mut statics = Statics::default();
        let mut client = ClientTree::default();
        let mut last: Option<(Rendered, Rendered)> = None;
        for ops in &steps {
            apply_ops(&mut stream, ops);
            model.apply(ops);
            let rendered = render_page(&stream);
            let size = stream.into_iter().count();
            match &last {
                None => client.apply_full(&full(&rendered, &mut statics)).unwrap(),
                Some((whole, pruned)) => {
                    let against_whole = diff(whole, &rendered, &mut statics.clone());
                    let change = diff(pruned, &rendered, &mut statics);
                    prop_assert_eq!(&change, &against_whole, "pruning changed the diff");
                    if let Some(change) = change {
                        client.apply_diff(&change).unwrap();
                    }
                }
            }
            stream.flush();
            prop_assert!(stream.into_iter().next().is_none(), "nothing kept after a render");
            let siblings: String = (0..size % 3).map(|i| format!("<li><b>{i}</b></li>")).collect();
            let page = model.html().replace("<ol>", &format!("<h1>{size}</h1><ul>{siblings}</ul><ol>"));
            prop_assert_eq!(client.to_html().unwrap(), page, "after {:?}", ops);
            // Joined in parts of any size, the render adds up to itself.
            for rows in 1..4 {
                let mut joined = ClientTree::default();
                let mut fresh = Statics::default();
                let (first, rest) = rendered.clone().split_stream_rows(rows);
                prop_assert_eq!(rest.len(), rendered.stream_rows().saturating_sub(1) / rows);
                joined.apply_full(&full(&first, &mut fresh)).unwrap();
                let mut prev = first;
                for part in rest {
                    let change = diff(&prev, &part, &mut fresh);
                    prop_assert!(change.is_some(), "every part has rows");
                    joined.apply_diff(&change.unwrap()).unwrap();
                    prev = part;
                }
                let mut whole = ClientTree::default();
                whole.apply_full(&full(&rendered, &mut Statics::default())).unwrap();
                prop_assert_eq!(joined.to_html().unwrap(), whole.to_html().unwrap());
            }
            let pruned = rendered.clone().forget_stream_rows();
            let streamed = pruned.lists.iter().find(|l| l.stream.is_some()).unwrap();
            prop_assert!(streamed.dynamics.is_empty() && streamed.keys.is_empty());
            prop_assert!(pruned.buf.len() <= rendered.buf.len());
            last = Some((rendered, pruned));
        }
    }
}

/// Test vectors for the browser client's merge (`runtime/client/tree.js`): random render pairs
/// from a fixed seed, each with the full form of `a`, the change to `b` and both HTMLs. The
/// committed file must match what this generates (`UPDATE_VECTORS=1` rewrites it); the Node
/// tests replay it, so both clients are held to the same server output.
#[test]
fn client_vectors_are_fresh() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let mut cases = Vec::new();
    for _ in 0..60 {
        let shape = shape().new_tree(&mut runner).unwrap().current();
        let fa = fill().new_tree(&mut runner).unwrap().current();
        let fb = fill().new_tree(&mut runner).unwrap().current();
        let a = render(&shape, &fa);
        let b = render(&shape, &fb);
        let mut statics = Statics::default();
        let full_a = full(&a, &mut statics);
        let change = diff(&a, &b, &mut statics);
        cases.push(serde_json::json!({
            "full": full_a, "html_a": a.to_html(), "diff": change, "html_b": b.to_html(),
        }));
    }
    // Stream steps: each a change applied in order.
    let mut stream = zero_live_core::Stream::new();
    let mut statics = Statics::default();
    let mut steps = Vec::new();
    let mut last: Option<Rendered> = None;
    let script: Vec<Vec<Op>> = vec![
        vec![Op::Insert(1, 10), Op::Insert(2, 20), Op::Limit(-3)],
        vec![Op::InsertAt(0, 3, 30), Op::Insert(4, 40)],
        vec![Op::Delete(2), Op::Insert(1, 11)],
        vec![],
        vec![Op::Reset, Op::Insert(5, 50)],
        vec![Op::InsertAt(-2, 6, 60), Op::Limit(1)],
    ];
    let mut model = Model::default();
    for ops in &script {
        apply_ops(&mut stream, ops);
        model.apply(ops);
        let rendered = render_stream(&stream);
        let value = match &last {
            None => full(&rendered, &mut statics),
            Some(old) => diff(old, &rendered, &mut statics).unwrap_or(serde_json::Value::Null),
        };
        steps.push(serde_json::json!({ "value": value, "html": model.html() }));
        stream.flush();
        last = Some(rendered);
    }
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "note": "generated by runtime/zero-live/tests/diff.rs#client_vectors_are_fresh; do not edit",
        "pairs": cases,
        "stream": steps,
    }))
    .unwrap()
        + "\n";
    let path = format!("{}/../client/test/vectors.json", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == text, "{path} is stale: run with UPDATE_VECTORS=1");
}
