use super::*;
use proptest::prelude::*;
use serde_json::json;

fn server(frame: &Value) -> Result<Envelope, DecodeError> {
    decode(&frame.to_string(), Side::Server)
}

fn join() -> Value {
    json!({"v": 1, "kind": "join", "ref": 1, "topic": "lv:/posts", "session": "s", "csrf": "c",
           "url": "http://127.0.0.1/posts"})
}

#[test]
fn every_kind_round_trips_through_encode_and_decode() {
    for kind in Kind::ALL {
        let message = Message::from_payload(*kind, default_payload(*kind)).unwrap();
        let frame = encode(&message, Some(7));
        let side =
            if kind.direction().accepted_by(Side::Server) { Side::Server } else { Side::Client };
        let envelope = decode(&frame, side).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(envelope, Envelope { reference: Some(7), message }, "{kind:?}");
    }
}

/// A payload with every required field set to a value of its type.
fn default_payload(kind: Kind) -> Value {
    let mut map = Map::new();
    for f in kind.fields().iter().filter(|f| !f.optional) {
        let value = match f.ty {
            FieldType::String => json!("x"),
            FieldType::Bool => json!(true),
            FieldType::U32 | FieldType::U64 | FieldType::I64 => json!(3),
            FieldType::F64 => json!(1.5),
            FieldType::Json | FieldType::Object => json!({}),
            FieldType::Strings => json!(["a"]),
        };
        map.insert(f.name.to_owned(), value);
    }
    Value::Object(map)
}

#[test]
fn join_decodes_to_typed_payload() {
    let envelope = server(&join()).unwrap();
    let Message::Join(j) = envelope.message else { panic!("not a join") };
    assert_eq!(j.topic, "lv:/posts");
    assert_eq!(j.params, None);
    assert_eq!(envelope.reference, Some(1));
}

#[test]
fn refuses_each_kind_of_bad_frame_with_its_own_error() {
    let mut v2 = join();
    v2["v"] = json!(2);
    assert_eq!(server(&v2).unwrap_err().code(), "bad_version");
    let mut no_v = join();
    no_v.as_object_mut().unwrap().remove("v");
    assert!(
        matches!(server(&no_v), Err(DecodeError::BadVersion { found, .. }) if found == "missing")
    );
    let mut unknown = join();
    unknown["kind"] = json!("teleport");
    assert_eq!(server(&unknown).unwrap_err(), DecodeError::UnknownKind("teleport".into()));
    let mut missing = join();
    missing.as_object_mut().unwrap().remove("csrf");
    assert_eq!(
        server(&missing).unwrap_err(),
        DecodeError::MissingField { kind: "join", field: "csrf" }
    );
    let mut mistyped = join();
    mistyped["session"] = json!(5);
    assert_eq!(server(&mistyped).unwrap_err().code(), "mistyped_field");
    let mut extra = join();
    extra["admin"] = json!(true);
    assert_eq!(server(&extra).unwrap_err().code(), "unknown_field");
    let mut bad_ref = join();
    bad_ref["ref"] = json!("one");
    assert_eq!(server(&bad_ref).unwrap_err().code(), "mistyped_field");
    assert_eq!(decode("[1]", Side::Server).unwrap_err().code(), "malformed");
    assert_eq!(decode("{", Side::Server).unwrap_err().code(), "malformed");
}

#[test]
fn refuses_server_messages_sent_by_a_client() {
    let diff = json!({"v": 1, "kind": "diff", "rev": 1, "diff": {}});
    assert_eq!(server(&diff).unwrap_err(), DecodeError::WrongDirection("diff"));
    assert!(decode(&diff.to_string(), Side::Client).is_ok());
}

#[test]
fn refuses_oversized_frames_per_kind_and_overall() {
    let mut big = join();
    big["params"] = json!({"pad": "x".repeat(Kind::Join.max_bytes())});
    assert!(
        matches!(server(&big), Err(DecodeError::Oversized { limit, .. }) if limit == Kind::Join.max_bytes())
    );
    let huge = "x".repeat(MAX_MESSAGE_BYTES + 1);
    assert_eq!(decode(&huge, Side::Server).unwrap_err().code(), "oversized");
}

#[test]
fn u32_fields_refuse_out_of_range_numbers() {
    assert!(FieldType::U32.admits(&json!(u32::MAX)));
    assert!(!FieldType::U32.admits(&json!(u64::from(u32::MAX) + 1)));
    assert!(!FieldType::U64.admits(&json!(-1)));
    assert!(!FieldType::Strings.admits(&json!(["a", 1])));
}

proptest! {
    #[test]
    fn arbitrary_frames_never_panic(frame in ".{0,256}") {
        let _ = decode(&frame, Side::Server);
    }

    #[test]
    fn arbitrary_event_values_round_trip(event in "[a-z_]{1,12}", n in any::<i64>()) {
        let frame = json!({"v": 1, "kind": "event", "type": "click", "event": event, "value": {"n": n}});
        let decoded = server(&frame).unwrap();
        prop_assert_eq!(encode(&decoded.message, None), frame.to_string());
    }
}

#[test]
fn every_kind_round_trips_in_the_compact_encoding() {
    for kind in Kind::ALL {
        let message = Message::from_payload(*kind, default_payload(*kind)).unwrap();
        let frame = encode_with(&message, Some(7), Encoding::Compact);
        assert!(frame.starts_with('['), "{frame}");
        let side =
            if kind.direction().accepted_by(Side::Server) { Side::Server } else { Side::Client };
        let envelope = decode_with(&frame, side, Encoding::Compact)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(envelope, Envelope { reference: Some(7), message }, "{kind:?}");
    }
}

#[test]
fn compact_frames_are_positional_and_drop_trailing_absent_fields() {
    let reply = Message::Reply(wire::Reply {
        status: "ok".into(),
        rev: Some(1),
        rendered: Some(json!({"0": "1"})),
        response: None,
        title: None,
        flash: None,
        parts: None,
        heartbeat_ms: None,
        session: None,
    });
    let frame = encode_with(&reply, Some(2), Encoding::Compact);
    let index = Kind::ALL.iter().position(|k| *k == Kind::Reply).unwrap();
    assert_eq!(frame, format!(r#"[{index},2,"ok",1,{{"0":"1"}}]"#));
    assert!(frame.len() < 40, "a click's reply is {} bytes", frame.len());
    let event = Kind::ALL.iter().position(|k| *k == Kind::Event).unwrap();
    let click = format!(r#"[{event},3,null,"inc"]"#);
    let decoded = decode_with(&click, Side::Server, Encoding::Compact).unwrap();
    let Message::Event(e) = decoded.message else { panic!() };
    assert_eq!((e.event.as_str(), e.r#type, e.value), ("inc", None, None));
    let heartbeat = Message::Heartbeat(wire::Heartbeat {});
    let index = Kind::ALL.iter().position(|k| *k == Kind::Heartbeat).unwrap();
    assert_eq!(encode_with(&heartbeat, None, Encoding::Compact), format!("[{index},null]"));
}

#[test]
fn compact_frames_fail_closed_with_the_same_codes() {
    let event = Kind::ALL.iter().position(|k| *k == Kind::Event).unwrap();
    let diff = Kind::ALL.iter().position(|k| *k == Kind::Diff).unwrap();
    let cases = [
        ("{\"v\":1,\"kind\":\"heartbeat\"}".to_owned(), "malformed"),
        ("not json".to_owned(), "malformed"),
        ("[]".to_owned(), "unknown_kind"),
        ("[99,null]".to_owned(), "unknown_kind"),
        ("[\"event\",1]".to_owned(), "unknown_kind"),
        (format!("[{diff},1,1,{{}}]"), "wrong_direction"),
        (format!("[{event},1]"), "missing_field"),
        (format!("[{event},1,null,null]"), "missing_field"),
        (format!("[{event},1,null,5]"), "mistyped_field"),
        (format!("[{event},-1,null,\"inc\"]"), "mistyped_field"),
        (format!("[{event},1,null,\"inc\",{{}},null,\"extra\"]"), "unknown_field"),
    ];
    for (frame, code) in cases {
        let error = decode_with(&frame, Side::Server, Encoding::Compact).unwrap_err();
        assert_eq!(error.code(), code, "{frame}");
    }
    assert_eq!(Encoding::from_subprotocol("0x0-live.v2"), Some(Encoding::Compact));
    assert_eq!(Encoding::from_subprotocol(SUBPROTOCOL), Some(Encoding::Json));
    assert_eq!(Encoding::from_subprotocol("0x0-live.v3"), None);
}
