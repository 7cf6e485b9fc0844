//! The wire protocol codec types (Rust) and client constants (JS) from `spec/wire-protocol.tsv`.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use zero_spec::FrameworkSpec;
use zero_spec::tables::{Direction, WireMessage};
use zero_spec::wire::{FieldSpec, FieldType, parse_fields};

use crate::generate::{HEADER, Output};

/// Where the Rust codec types go; `zero-live` includes this file as `protocol::wire`.
pub const RUST_PATH: &str = "generated/rust/wire.rs";
/// Where the browser client constants go.
pub const JS_PATH: &str = "generated/js/protocol.js";

/// The protocol version: the highest `since` of any message.
pub fn version(spec: &FrameworkSpec) -> u32 {
    spec.wire.rows.iter().map(|r| r.value.since).max().unwrap_or(1)
}

fn pascal(kind: &str) -> String {
    kind.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// A field identifier; Rust keywords become raw identifiers (`r#type`).
fn field_ident(name: &str) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        ident(name)
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}

fn fields_of(message: &WireMessage) -> Vec<FieldSpec> {
    // The table was checked before emitting, so the field list parses.
    parse_fields(&message.fields).unwrap_or_default()
}

fn rust_type(ty: FieldType) -> TokenStream {
    match ty {
        FieldType::String => quote!(String),
        FieldType::Bool => quote!(bool),
        FieldType::U32 => quote!(u32),
        FieldType::U64 => quote!(u64),
        FieldType::I64 => quote!(i64),
        FieldType::F64 => quote!(f64),
        FieldType::Json => quote!(serde_json::Value),
        FieldType::Object => quote!(serde_json::Map<String, serde_json::Value>),
        FieldType::Strings => quote!(Vec<String>),
    }
}

fn field_type_variant(ty: FieldType) -> TokenStream {
    let name = ident(&pascal(ty.as_str()));
    quote!(FieldType::#name)
}

fn direction_variant(direction: Direction) -> TokenStream {
    match direction {
        Direction::ToServer => quote!(Direction::ToServer),
        Direction::ToClient => quote!(Direction::ToClient),
        Direction::Both => quote!(Direction::Both),
    }
}

/// `Direction`, `FieldType` and `FieldSpec`: the vocabulary of the table, emitted from the
/// same definitions the table is checked with, so the runtime never retypes it.
fn vocabulary() -> TokenStream {
    let types: Vec<Ident> =
        FieldType::ALL.iter().map(|(t, _)| ident(&pascal(t.as_str()))).collect();
    let names: Vec<&str> = FieldType::ALL.iter().map(|(_, n)| *n).collect();
    let docs: Vec<String> =
        names.iter().map(|n| format!(" `{n}` in the field lists of the table.")).collect();
    quote! {
        /// Who sends a message kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Direction {
            /// Browser to server.
            ToServer,
            /// Server to browser.
            ToClient,
            /// Either way.
            Both,
        }

        /// The wire type of a payload field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum FieldType { #( #[doc = #docs] #types, )* }

        impl FieldType {
            /// The name used in the spec table and in errors.
            pub fn as_str(self) -> &'static str {
                match self { #(FieldType::#types => #names,)* }
            }
        }

        /// One payload field of a kind.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct FieldSpec {
            /// Name on the wire.
            pub name: &'static str,
            /// Wire type.
            pub ty: FieldType,
            /// Whether it may be absent.
            pub optional: bool,
        }
    }
}

/// `generated/rust/wire.rs`.
pub fn rust(spec: &FrameworkSpec) -> Output {
    let version = version(spec);
    let subprotocol = format!("0x0-live.v{version}");
    let messages: Vec<&WireMessage> = spec.wire.rows.iter().map(|r| &r.value).collect();
    let variants: Vec<Ident> = messages.iter().map(|m| ident(&pascal(&m.kind))).collect();
    let kinds: Vec<&str> = messages.iter().map(|m| m.kind.as_str()).collect();
    let summaries: Vec<String> = messages.iter().map(|m| format!(" {}", m.summary)).collect();
    let max_bytes: Vec<Literal> =
        messages.iter().map(|m| Literal::usize_unsuffixed(m.max_bytes as usize)).collect();
    let since: Vec<Literal> = messages.iter().map(|m| Literal::u32_unsuffixed(m.since)).collect();
    let directions: Vec<TokenStream> =
        messages.iter().map(|m| direction_variant(m.direction)).collect();
    let largest =
        Literal::usize_unsuffixed(messages.iter().map(|m| m.max_bytes as usize).max().unwrap_or(0));
    let version_literal = Literal::u32_unsuffixed(version);

    let mut structs = Vec::new();
    let mut field_tables = Vec::new();
    for (message, variant) in messages.iter().zip(&variants) {
        let fields = fields_of(message);
        let doc = format!(" Payload of `{}`: {}", message.kind, message.summary);
        let members = fields.iter().map(|f| {
            let name = field_ident(&f.name);
            let ty = rust_type(f.ty);
            let doc =
                format!(" `{}`: {}{}.", f.name, f.ty, if f.optional { ", optional" } else { "" });
            if f.optional {
                quote! {
                    #[doc = #doc]
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub #name: Option<#ty>,
                }
            } else {
                quote! { #[doc = #doc] pub #name: #ty, }
            }
        });
        structs.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            pub struct #variant { #(#members)* }
        });
        let specs = fields.iter().map(|f| {
            let name = &f.name;
            let ty = field_type_variant(f.ty);
            let optional = f.optional;
            quote!(FieldSpec { name: #name, ty: #ty, optional: #optional })
        });
        field_tables.push(quote!(&[#(#specs),*]));
    }

    let vocabulary = vocabulary();
    let tokens = quote! {
        #vocabulary

        /// The protocol version this file describes.
        pub const PROTOCOL_VERSION: u32 = #version_literal;
        /// The WebSocket subprotocol that negotiates this version.
        pub const SUBPROTOCOL: &str = #subprotocol;
        /// The largest `max_bytes` of any kind: nothing longer is parsed at all.
        pub const MAX_MESSAGE_BYTES: usize = #largest;

        /// Every message kind of the protocol.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            #( #[doc = #summaries] #variants, )*
        }

        impl Kind {
            /// Every kind, in table order.
            pub const ALL: &[Kind] = &[#(Kind::#variants),*];

            /// The kind as written in the `kind` field.
            pub fn as_str(self) -> &'static str {
                match self { #(Kind::#variants => #kinds,)* }
            }

            /// The kind named `name`, if the protocol has one.
            pub fn parse(name: &str) -> Option<Kind> {
                match name { #(#kinds => Some(Kind::#variants),)* _ => None }
            }

            /// The largest encoded message of this kind the receiver accepts.
            pub fn max_bytes(self) -> usize {
                match self { #(Kind::#variants => #max_bytes,)* }
            }

            /// Who may send it.
            pub fn direction(self) -> Direction {
                match self { #(Kind::#variants => #directions,)* }
            }

            /// The first protocol version with this kind.
            pub fn since(self) -> u32 {
                match self { #(Kind::#variants => #since,)* }
            }

            /// The payload fields.
            pub fn fields(self) -> &'static [FieldSpec] {
                match self { #(Kind::#variants => #field_tables,)* }
            }
        }

        #(#structs)*

        /// A decoded message: the kind and its typed payload.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Message {
            #( #[doc = #summaries] #variants(#variants), )*
        }

        impl Message {
            /// The message kind.
            pub fn kind(&self) -> Kind {
                match self { #(Message::#variants(_) => Kind::#variants,)* }
            }

            /// The payload as a JSON object (without the envelope fields).
            pub fn payload(&self) -> Result<serde_json::Value, serde_json::Error> {
                match self { #(Message::#variants(p) => serde_json::to_value(p),)* }
            }

            /// Builds the typed message of `kind` from a JSON payload already checked against
            /// `kind.fields()`.
            pub fn from_payload(kind: Kind, payload: serde_json::Value) -> Result<Message, serde_json::Error> {
                Ok(match kind { #(Kind::#variants => Message::#variants(serde_json::from_value(payload)?),)* })
            }
        }
    };
    // The tokens come from checked tables; should they ever not parse, the unformatted tokens
    // still make a deterministic file and the compiler names the problem.
    let body = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    };
    let contents = format!(
        "// {HEADER}\n// Source: spec/wire-protocol.tsv. Included by zero-live as `protocol::wire`.\n\n{body}"
    );
    Output { path: RUST_PATH.to_owned(), contents }
}

/// `generated/js/protocol.js`.
pub fn js(spec: &FrameworkSpec) -> Output {
    let version = version(spec);
    let mut out = format!("// {HEADER}\n// Source: spec/wire-protocol.tsv.\n\n");
    out.push_str(&format!("/** The protocol version this client speaks. */\nexport const PROTOCOL_VERSION = {version};\n\n"));
    out.push_str(&format!(
        "/** The WebSocket subprotocol that negotiates the version. */\nexport const SUBPROTOCOL = \"0x0-live.v{version}\";\n\n"
    ));
    out.push_str("/** Message kinds, by constant name. */\nexport const KIND = Object.freeze({\n");
    for row in &spec.wire.rows {
        let m = &row.value;
        out.push_str(&format!("  {}: \"{}\",\n", m.kind.to_uppercase(), m.kind));
    }
    out.push_str("});\n\n/** The largest encoded message of each kind the receiver accepts, in bytes. */\nexport const MAX_BYTES = Object.freeze({\n");
    for row in &spec.wire.rows {
        out.push_str(&format!("  {}: {},\n", row.value.kind, row.value.max_bytes));
    }
    out.push_str("});\n\n/** Payload fields of each kind: [name, type, optional]. */\nexport const FIELDS = Object.freeze({\n");
    for row in &spec.wire.rows {
        let fields: Vec<String> = fields_of(&row.value)
            .iter()
            .map(|f| format!("[\"{}\", \"{}\", {}]", f.name, f.ty, f.optional))
            .collect();
        out.push_str(&format!("  {}: Object.freeze([{}]),\n", row.value.kind, fields.join(", ")));
    }
    out.push_str("});\n");
    Output { path: JS_PATH.to_owned(), contents: out }
}
