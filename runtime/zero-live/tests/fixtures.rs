#![allow(clippy::unwrap_used)]
//! Version 1 compatibility: every frame of `tests/fixtures/wire-v1` keeps decoding (or keeps
//! being refused with the same code) in every later version.

use serde_json::Value;
use zero_live::protocol::{Side, decode, encode};

fn lines(name: &str) -> Vec<Value> {
    let path = format!("{}/../../tests/fixtures/wire-v1/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn side(value: &Value) -> Side {
    match value["side"].as_str() {
        Some("server") => Side::Server,
        Some("client") => Side::Client,
        other => panic!("bad side {other:?}"),
    }
}

#[test]
fn v1_frames_keep_decoding_and_re_encode_to_the_same_json() {
    let valid = lines("valid.jsonl");
    assert!(valid.len() >= 19);
    let mut kinds = std::collections::BTreeSet::new();
    for case in valid {
        let frame = case["frame"].to_string();
        let envelope = decode(&frame, side(&case)).unwrap_or_else(|e| panic!("{frame}: {e}"));
        kinds.insert(envelope.message.kind().as_str());
        let again: Value =
            serde_json::from_str(&encode(&envelope.message, envelope.reference)).unwrap();
        assert_eq!(again, case["frame"], "re-encoding changes {frame}");
    }
    assert_eq!(
        kinds.len(),
        zero_live::protocol::Kind::ALL.len(),
        "every kind has a fixture: {kinds:?}"
    );
}

#[test]
fn v1_invalid_frames_keep_their_error_codes() {
    let invalid = lines("invalid.jsonl");
    assert!(invalid.len() >= 14);
    for case in invalid {
        let frame = case["frame"].as_str().unwrap();
        let error = decode(frame, side(&case)).expect_err(frame);
        assert_eq!(error.code(), case["code"].as_str().unwrap(), "{frame}");
    }
}
