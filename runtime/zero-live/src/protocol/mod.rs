//! The versioned wire protocol: every frame is a JSON object
//! `{"v": VERSION, "kind": KIND, "ref": N?, ...payload}`.
//!
//! The message types come from `spec/wire-protocol.tsv` (see [`wire`]); [`decode`] checks a
//! frame against the table before any typed deserialization, so every way a frame can be wrong
//! has its own [`DecodeError`], and nothing unknown is let through.

use serde_json::{Map, Value};

/// Types generated from `spec/wire-protocol.tsv` by `zerogen generate`.
pub mod wire {
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/packaged/wire.rs"));
}

pub use wire::{
    Direction, FieldSpec, FieldType, Kind, MAX_MESSAGE_BYTES, Message, PROTOCOL_VERSION,
    SUBPROTOCOL,
};

impl Direction {
    /// Whether a receiver on `side` accepts messages of this direction.
    pub fn accepted_by(self, side: Side) -> bool {
        matches!(
            (self, side),
            (Direction::Both, _)
                | (Direction::ToServer, Side::Server)
                | (Direction::ToClient, Side::Client)
        )
    }
}

/// The end of the socket that decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The server decodes what browsers send.
    Server,
    /// A client (the browser, or a test client) decodes what the server sends.
    Client,
}

impl FieldType {
    /// Whether `value` has this type.
    pub fn admits(self, value: &Value) -> bool {
        match self {
            FieldType::String => value.is_string(),
            FieldType::Bool => value.is_boolean(),
            FieldType::U32 => value.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
            FieldType::U64 => value.is_u64(),
            FieldType::I64 => value.is_i64(),
            FieldType::F64 => value.is_number(),
            FieldType::Json => true,
            FieldType::Object => value.is_object(),
            FieldType::Strings => value.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        }
    }
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The request reference the sender chose, echoed by a `reply`.
    pub reference: Option<u64>,
    /// The typed message.
    pub message: Message,
}

/// Why a frame was refused. Each variant has a stable code sent back in an `error` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame is larger than any message (or than its kind) may be.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    Oversized {
        /// The frame's size.
        size: usize,
        /// The limit that applies.
        limit: usize,
    },
    /// Not a JSON object.
    #[error("message is not a JSON object: {0}")]
    Malformed(String),
    /// `v` is absent, not a number, or another version.
    #[error("unsupported protocol version {found}; this server speaks version {supported}")]
    BadVersion {
        /// What the frame said (`missing` when absent).
        found: String,
        /// The version this build speaks.
        supported: u32,
    },
    /// `kind` names no message of this version.
    #[error("unknown message kind `{0}`")]
    UnknownKind(String),
    /// The kind may not be sent to this side.
    #[error("message kind `{0}` may not be sent in this direction")]
    WrongDirection(&'static str),
    /// A required field is absent.
    #[error("`{kind}` message lacks the required field `{field}`")]
    MissingField {
        /// The message kind.
        kind: &'static str,
        /// The field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("field `{field}` of `{kind}` must be {expected}")]
    MistypedField {
        /// The message kind.
        kind: &'static str,
        /// The field.
        field: String,
        /// The type the table declares.
        expected: &'static str,
    },
    /// A field the kind does not declare.
    #[error("`{kind}` message has an unknown field `{field}`")]
    UnknownField {
        /// The message kind.
        kind: &'static str,
        /// The field.
        field: String,
    },
}

impl DecodeError {
    /// The stable code sent in the `error` message's `code` field.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::Oversized { .. } => "oversized",
            DecodeError::Malformed(_) => "malformed",
            DecodeError::BadVersion { .. } => "bad_version",
            DecodeError::UnknownKind(_) => "unknown_kind",
            DecodeError::WrongDirection(_) => "wrong_direction",
            DecodeError::MissingField { .. } => "missing_field",
            DecodeError::MistypedField { .. } => "mistyped_field",
            DecodeError::UnknownField { .. } => "unknown_field",
        }
    }
}

/// How frames are written, chosen by the WebSocket subprotocol at the upgrade.
///
/// - [`Encoding::Json`] (`0x0-live.v1`): an object `{"v": 1, "kind": .., "ref": .., field: ..}`.
/// - [`Encoding::Compact`] (`0x0-live.v2`): the same messages as a positional array
///   `[kind, ref, field1, field2, ..]`: `kind` is the message's index in
///   `spec/wire-protocol.tsv` (`Kind::ALL`), `ref` is a number or `null`, and the fields follow in
///   table order; an absent optional field is `null`, and trailing absent fields are left out.
///   The version is the subprotocol's, so frames carry none. Rows of the table are only ever
///   appended and fields only appended to a row, so positions never change meaning (the v2
///   fixtures under `tests/fixtures/wire-v2` hold every later version to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Protocol version 1: JSON objects.
    Json,
    /// Protocol version 2: positional JSON arrays.
    Compact,
}

/// The subprotocol of the compact encoding.
pub const COMPACT_SUBPROTOCOL: &str = "0x0-live.v2";

impl Encoding {
    /// Every encoding, in the server's order of preference.
    pub const PREFERRED: [Encoding; 2] = [Encoding::Compact, Encoding::Json];

    /// The WebSocket subprotocol that selects it.
    pub fn subprotocol(self) -> &'static str {
        match self {
            Encoding::Json => SUBPROTOCOL,
            Encoding::Compact => COMPACT_SUBPROTOCOL,
        }
    }

    /// The encoding a subprotocol selects.
    pub fn from_subprotocol(name: &str) -> Option<Encoding> {
        Encoding::PREFERRED.into_iter().find(|e| e.subprotocol() == name)
    }
}

/// Decodes one text frame received by `side`, failing closed (protocol version 1).
pub fn decode(frame: &str, side: Side) -> Result<Envelope, DecodeError> {
    decode_with(frame, side, Encoding::Json)
}

/// Decodes one text frame of `encoding` received by `side`, failing closed.
pub fn decode_with(frame: &str, side: Side, encoding: Encoding) -> Result<Envelope, DecodeError> {
    if frame.len() > MAX_MESSAGE_BYTES {
        return Err(DecodeError::Oversized { size: frame.len(), limit: MAX_MESSAGE_BYTES });
    }
    let (kind, reference, object) = match encoding {
        Encoding::Json => envelope_json(frame)?,
        Encoding::Compact => envelope_compact(frame)?,
    };
    check(frame, side, kind, reference, object)
}

type Parts = (Kind, Option<u64>, Map<String, Value>);

fn reference_of(value: Option<Value>, kind: Kind) -> Result<Option<u64>, DecodeError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => Ok(Some(v.as_u64().ok_or_else(|| DecodeError::MistypedField {
            kind: kind.as_str(),
            field: "ref".to_owned(),
            expected: "u64",
        })?)),
    }
}

fn envelope_json(frame: &str) -> Result<Parts, DecodeError> {
    let mut object: Map<String, Value> = match serde_json::from_str(frame) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(DecodeError::Malformed("expected an object".to_owned())),
        Err(e) => return Err(DecodeError::Malformed(e.to_string())),
    };
    match object.remove("v") {
        Some(v) if v.as_u64() == Some(u64::from(PROTOCOL_VERSION)) => {}
        found => {
            let found = found.map_or_else(|| "missing".to_owned(), |v| v.to_string());
            return Err(DecodeError::BadVersion { found, supported: PROTOCOL_VERSION });
        }
    }
    let kind = match object.remove("kind") {
        Some(Value::String(name)) => Kind::parse(&name).ok_or(DecodeError::UnknownKind(name))?,
        Some(other) => return Err(DecodeError::UnknownKind(other.to_string())),
        None => return Err(DecodeError::UnknownKind("missing".to_owned())),
    };
    let reference = reference_of(object.remove("ref"), kind)?;
    Ok((kind, reference, object))
}

fn envelope_compact(frame: &str) -> Result<Parts, DecodeError> {
    let items: Vec<Value> = match serde_json::from_str(frame) {
        Ok(Value::Array(items)) => items,
        Ok(_) => return Err(DecodeError::Malformed("expected an array".to_owned())),
        Err(e) => return Err(DecodeError::Malformed(e.to_string())),
    };
    let mut items = items.into_iter();
    let kind = match items.next() {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| Kind::ALL.get(i).copied())
            .ok_or_else(|| DecodeError::UnknownKind(n.to_string()))?,
        Some(other) => return Err(DecodeError::UnknownKind(other.to_string())),
        None => return Err(DecodeError::UnknownKind("missing".to_owned())),
    };
    let reference = reference_of(items.next(), kind)?;
    let fields = kind.fields();
    let mut object = Map::new();
    for (i, value) in items.enumerate() {
        let Some(field) = fields.get(i) else {
            return Err(DecodeError::UnknownField {
                kind: kind.as_str(),
                field: format!("#{}", i + 2),
            });
        };
        if !value.is_null() {
            object.insert(field.name.to_owned(), value);
        }
    }
    Ok((kind, reference, object))
}

/// Checks the payload of a decoded envelope against the table and builds the typed message.
fn check(
    frame: &str,
    side: Side,
    kind: Kind,
    reference: Option<u64>,
    mut object: Map<String, Value>,
) -> Result<Envelope, DecodeError> {
    let name = kind.as_str();
    if !kind.direction().accepted_by(side) {
        return Err(DecodeError::WrongDirection(name));
    }
    if frame.len() > kind.max_bytes() {
        return Err(DecodeError::Oversized { size: frame.len(), limit: kind.max_bytes() });
    }
    let fields = kind.fields();
    if let Some(unknown) = object.keys().find(|k| !fields.iter().any(|f| f.name == k.as_str())) {
        return Err(DecodeError::UnknownField { kind: name, field: unknown.clone() });
    }
    for field in fields {
        match object.get(field.name) {
            None | Some(Value::Null) if field.optional => {
                object.remove(field.name);
            }
            None => return Err(DecodeError::MissingField { kind: name, field: field.name }),
            Some(value) if !field.ty.admits(value) => {
                return Err(DecodeError::MistypedField {
                    kind: name,
                    field: field.name.to_owned(),
                    expected: field.ty.as_str(),
                });
            }
            Some(_) => {}
        }
    }
    // Every field was checked against the table above, so the typed conversion cannot fail on
    // well-formed input; should it, the frame is refused, not trusted.
    let message = Message::from_payload(kind, Value::Object(object))
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    Ok(Envelope { reference, message })
}

/// Encodes a message as one text frame (protocol version 1).
pub fn encode(message: &Message, reference: Option<u64>) -> String {
    encode_with(message, reference, Encoding::Json)
}

/// Encodes a message as one text frame of `encoding`.
pub fn encode_with(message: &Message, reference: Option<u64>, encoding: Encoding) -> String {
    let mut object = match message.payload() {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let kind = message.kind();
    match encoding {
        Encoding::Json => {
            object.insert("v".to_owned(), Value::from(PROTOCOL_VERSION));
            object.insert("kind".to_owned(), Value::from(kind.as_str()));
            if let Some(r) = reference {
                object.insert("ref".to_owned(), Value::from(r));
            }
            Value::Object(object).to_string()
        }
        Encoding::Compact => {
            let index = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
            let mut items = vec![Value::from(index), reference.map_or(Value::Null, Value::from)];
            for field in kind.fields() {
                items.push(object.remove(field.name).unwrap_or(Value::Null));
            }
            while items.len() > 2 && items.last().is_some_and(Value::is_null) {
                items.pop();
            }
            Value::Array(items).to_string()
        }
    }
}

#[cfg(test)]
mod tests;
