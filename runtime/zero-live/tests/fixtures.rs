#![allow(clippy::unwrap_used)]
//! Compatibility: every frame of `tests/fixtures/wire-v1` (JSON objects) and `wire-v2` (the
//! compact arrays) keeps decoding, or keeps being refused with the same code, in every later
//! version.

use serde_json::Value;
use zero_live::protocol::{Encoding, Side, decode, decode_with, encode, encode_with};

fn lines(name: &str) -> Vec<Value> {
    lines_of("wire-v1", name)
}

fn lines_of(dir: &str, name: &str) -> Vec<Value> {
    let path = format!("{}/../../tests/fixtures/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
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

#[test]
fn v2_frames_keep_decoding_and_mean_what_their_v1_twins_mean() {
    let v1 = lines("valid.jsonl");
    let v2 = lines_of("wire-v2", "valid.jsonl");
    assert_eq!(v1.len(), v2.len(), "every v1 fixture has its v2 twin, line for line");
    for (one, two) in v1.iter().zip(&v2) {
        let frame = two["frame"].to_string();
        let compact = decode_with(&frame, side(two), Encoding::Compact)
            .unwrap_or_else(|e| panic!("{frame}: {e}"));
        let json = decode(&one["frame"].to_string(), side(one)).unwrap();
        assert_eq!(compact, json, "{frame}");
        let again: Value = serde_json::from_str(&encode_with(
            &compact.message,
            compact.reference,
            Encoding::Compact,
        ))
        .unwrap();
        assert_eq!(again, two["frame"], "re-encoding changes {frame}");
    }
}

#[test]
fn v2_invalid_frames_keep_their_error_codes() {
    let invalid = lines_of("wire-v2", "invalid.jsonl");
    assert!(invalid.len() >= 14);
    for case in invalid {
        let frame = case["frame"].as_str().unwrap();
        let error = decode_with(frame, side(&case), Encoding::Compact).expect_err(frame);
        assert_eq!(error.code(), case["code"].as_str().unwrap(), "{frame}");
    }
}
