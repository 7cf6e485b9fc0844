//! The field lists of `spec/wire-protocol.tsv`: `name:type,name?:type`.

use std::fmt;

/// Field names the envelope owns; a payload may not redefine them.
pub const RESERVED_FIELDS: &[&str] = &["v", "kind", "ref"];

/// The type of a payload field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldType {
    /// A JSON string.
    String,
    /// A JSON boolean.
    Bool,
    /// An unsigned 32-bit integer.
    U32,
    /// An unsigned 64-bit integer.
    U64,
    /// A signed 64-bit integer.
    I64,
    /// A floating-point number.
    F64,
    /// Any JSON value.
    Json,
    /// A JSON object with string keys.
    Object,
    /// A list of strings.
    Strings,
}

impl FieldType {
    /// Every type with its table spelling, in declaration order.
    pub const ALL: &[(FieldType, &str)] = &[
        (FieldType::String, "string"),
        (FieldType::Bool, "bool"),
        (FieldType::U32, "u32"),
        (FieldType::U64, "u64"),
        (FieldType::I64, "i64"),
        (FieldType::F64, "f64"),
        (FieldType::Json, "json"),
        (FieldType::Object, "object"),
        (FieldType::Strings, "strings"),
    ];

    /// The spelling used in the table.
    pub fn as_str(self) -> &'static str {
        FieldType::ALL.iter().find(|(t, _)| *t == self).map_or("json", |(_, s)| s)
    }

    fn parse(text: &str) -> Option<FieldType> {
        FieldType::ALL.iter().find(|(_, s)| *s == text).map(|(t, _)| *t)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One payload field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Field name on the wire (snake_case).
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// Whether it may be absent.
    pub optional: bool,
}

/// Parses a field list; an empty list means a message without payload fields.
///
/// On error returns the byte offset of the bad item within `text` and a message.
pub fn parse_fields(text: &str) -> Result<Vec<FieldSpec>, (usize, String)> {
    let mut fields: Vec<FieldSpec> = Vec::new();
    if text.trim() == "-" || text.trim().is_empty() {
        return Ok(fields);
    }
    let mut offset = 0;
    for item in text.split(',') {
        let at = offset + (item.len() - item.trim_start().len());
        offset += item.len() + 1;
        let item = item.trim();
        let Some((name, ty)) = item.split_once(':') else {
            return Err((at, format!("field `{item}` has no type: write `name:type`")));
        };
        let (name, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (name, false),
        };
        let snake = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !snake {
            return Err((at, format!("field name `{name}` is not snake_case")));
        }
        if ["self", "super", "crate"].contains(&name) {
            return Err((at, format!("field name `{name}` cannot be a Rust field name")));
        }
        if RESERVED_FIELDS.contains(&name) {
            return Err((at, format!("field name `{name}` is reserved by the envelope")));
        }
        let Some(ty) = FieldType::parse(ty) else {
            let known: Vec<&str> = FieldType::ALL.iter().map(|(_, s)| *s).collect();
            return Err((at, format!("unknown field type `{ty}`; known: {}", known.join(", "))));
        };
        if fields.iter().any(|f| f.name == name) {
            return Err((at, format!("field `{name}` appears twice")));
        }
        fields.push(FieldSpec { name: name.to_owned(), ty, optional });
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_required_and_optional_fields() {
        let fields = parse_fields("topic:string, token:string,params?:json").unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(
            fields[2],
            FieldSpec { name: "params".into(), ty: FieldType::Json, optional: true }
        );
        assert!(parse_fields("-").unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_items_with_their_offset() {
        assert_eq!(parse_fields("a:string,b").unwrap_err().0, 9);
        assert!(parse_fields("a:strin").unwrap_err().1.contains("unknown field type `strin`"));
        assert!(parse_fields("Bad:string").unwrap_err().1.contains("snake_case"));
        assert!(parse_fields("kind:string").unwrap_err().1.contains("reserved"));
        assert!(parse_fields("self:string").unwrap_err().1.contains("Rust field name"));
        assert!(parse_fields("a:u32,a:u64").unwrap_err().1.contains("twice"));
    }
}
