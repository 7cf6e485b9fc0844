//! Components declared in Rust: a struct whose fields are the component's attributes and slots,
//! bound to its template by `zero_live_core::component!(Card<'a>, "components/card")`.
//!
//! The build script reads the declaring file with `syn` (no proc macro, nothing to expand), so
//! templates are checked against the same fields rustc checks the generated calls against:
//!
//! | field type | becomes |
//! |---|---|
//! | `Slot<'a>` / `Slot<'a, A>` | a required slot (`inner_block` is the body); `A` is a struct of slot attributes |
//! | `Option<Slot<..>>` / `Vec<Slot<..>>` | an optional / repeatable slot |
//! | `Attrs<'a>` | global attributes: undeclared attributes pass through (`:attrs={rest}`) |
//! | `Option<T>` | an optional attribute (`None` when omitted) |
//! | `bool` | an optional flag (`false` when omitted) |
//! | anything else | a required attribute; its type is checked by rustc at the call |

use zero_diag::{Diagnostic, Location, codes};

use crate::components::{
    AttrDef, AttrType, ComponentDef, RustBinding, RustField, SlotDef, SlotField, StrKind,
};

/// Where a Rust file's components are and how templates call them.
#[derive(Debug, Clone)]
pub struct RustModule {
    /// The file, as named in diagnostics.
    pub file: String,
    /// Its module path as generated code names it (`crate::components`).
    pub module: String,
    /// The call prefix: `None` for `<.card>`, `Some("ui")` for `<ui::card>`.
    pub prefix: Option<String>,
}

/// Reads the components declared in `source` (the file `module.file`).
pub fn read(module: &RustModule, source: &str) -> Result<Vec<ComponentDef>, Vec<Diagnostic>> {
    let file = syn::parse_file(source).map_err(|e| {
        vec![
            diagnostic(&module.file, e.span(), format!("cannot parse the file: {e}"))
                .with_help("fix the Rust syntax; rustc reports the same error"),
        ]
    })?;
    let structs: Vec<&syn::ItemStruct> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in &file.items {
        let syn::Item::Macro(m) = item else { continue };
        if m.mac.path.segments.last().is_none_or(|s| s.ident != "component") {
            continue;
        }
        match declaration(module, &structs, &m.mac) {
            Ok(def) => out.push(def),
            Err(d) => problems.push(*d),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

fn diagnostic(file: &str, span: proc_macro2::Span, message: String) -> Diagnostic {
    let start = span.start();
    let end = span.end();
    let len = if end.line == start.line { end.column.saturating_sub(start.column) } else { 1 };
    let location = Location::span(
        file,
        zero_diag::to_u32(start.line),
        zero_diag::to_u32(start.column + 1),
        zero_diag::to_u32(len.max(1)),
    );
    Diagnostic::error(codes::TPL_COMPONENT_DECL, location, message)
}

/// `component!(Card<'a>, "components/card")`.
struct Invocation {
    ty: syn::Ident,
    lifetime: bool,
    template: syn::LitStr,
}

impl syn::parse::Parse for Invocation {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let ty: syn::Ident = input.parse()?;
        let mut lifetime = false;
        if input.peek(syn::Token![<]) {
            input.parse::<syn::Token![<]>()?;
            input.parse::<syn::Lifetime>()?;
            input.parse::<syn::Token![>]>()?;
            lifetime = true;
        }
        input.parse::<syn::Token![,]>()?;
        let template = input.parse()?;
        Ok(Invocation { ty, lifetime, template })
    }
}

fn declaration(
    module: &RustModule,
    structs: &[&syn::ItemStruct],
    mac: &syn::Macro,
) -> Result<ComponentDef, Box<Diagnostic>> {
    let file = module.file.as_str();
    let error = |span, message| Box::new(diagnostic(file, span, message));
    let inv: Invocation = mac.parse_body().map_err(|e| {
        Box::new(
            diagnostic(file, e.span(), format!("cannot read `component!`: {e}"))
                .with_help("write `component!(Name<'a>, \"path/of/template\")`"),
        )
    })?;
    let Some(item) = structs.iter().find(|s| s.ident == inv.ty) else {
        return Err(error(
            inv.ty.span(),
            format!("`component!` names `{}`, which is not a struct of this file", inv.ty),
        ));
    };
    let lifetimes = item.generics.lifetimes().count();
    if lifetimes > 1
        || item.generics.type_params().next().is_some()
        || inv.lifetime != (lifetimes == 1)
    {
        return Err(error(
            item.generics.lt_token.as_ref().map_or(item.ident.span(), |t| t.span),
            format!(
                "`{}` must take exactly the lifetime its `component!` names (one or none) and no type parameters",
                item.ident
            ),
        ));
    }
    let syn::Fields::Named(fields) = &item.fields else {
        return Err(error(
            item.ident.span(),
            format!("`{}` must have named fields (its attributes and slots)", item.ident),
        ));
    };
    let template = inv.template.value();
    let short = template.rsplit('/').next().unwrap_or(&template).to_owned();
    let name = match &module.prefix {
        Some(prefix) => format!("{prefix}::{short}"),
        None => short,
    };
    let mut def = ComponentDef {
        name,
        rust: Some(RustBinding {
            path: format!("{}::{}", module.module, item.ident),
            template,
            lifetime: inv.lifetime,
            rest: None,
        }),
        ..ComponentDef::default()
    };
    for field in &fields.named {
        let Some(ident) = &field.ident else { continue };
        let name = ident.to_string();
        let ty = &field.ty;
        if let Some((shape, attrs_ty)) = slot_field(ty) {
            let (attrs, attrs_path) = match attrs_ty {
                None => (Vec::new(), None),
                Some(attrs_ty) => {
                    let Some(attrs_item) = attrs_ty
                        .path
                        .segments
                        .last()
                        .filter(|_| attrs_ty.path.segments.len() == 1)
                        .and_then(|seg| structs.iter().find(|s| s.ident == seg.ident))
                    else {
                        return Err(error(
                            field_span(field),
                            format!(
                                "the attributes of slot `{name}` must be a struct of this file"
                            ),
                        ));
                    };
                    let syn::Fields::Named(slot_fields) = &attrs_item.fields else {
                        return Err(error(
                            attrs_item.ident.span(),
                            format!(
                                "slot attributes `{}` must have named fields",
                                attrs_item.ident
                            ),
                        ));
                    };
                    let attrs = slot_fields
                        .named
                        .iter()
                        .filter_map(|f| f.ident.as_ref().map(|i| attr(i, &f.ty)))
                        .collect();
                    (attrs, Some(format!("{}::{}", module.module, attrs_item.ident)))
                }
            };
            def.slots.push(SlotDef {
                name,
                required: shape == SlotField::One,
                multiple: shape == SlotField::Many,
                attrs,
                rust: Some((shape, attrs_path)),
            });
        } else if last_segment(ty).is_some_and(|s| s.ident == "Attrs") {
            let rust = def.rust.as_mut().expect("set above");
            if rust.rest.is_some() {
                return Err(error(
                    field_span(field),
                    format!("`{}` has a second `Attrs` field `{name}`", item.ident),
                ));
            }
            rust.rest = Some(name);
            def.global_attrs = true;
        } else {
            def.attrs.push(attr(ident, ty));
        }
    }
    Ok(def)
}

fn field_span(field: &syn::Field) -> proc_macro2::Span {
    field.ident.as_ref().map_or_else(proc_macro2::Span::call_site, syn::Ident::span)
}

fn attr(ident: &syn::Ident, ty: &syn::Type) -> AttrDef {
    let (optional, inner) = match generic_of(ty, "Option") {
        Some(inner) => (true, inner),
        None => (false, ty),
    };
    let (attr_type, string) = classify(inner);
    AttrDef {
        name: ident.to_string(),
        ty: attr_type,
        required: !optional && attr_type != AttrType::Bool,
        values: Vec::new(),
        rust: Some(RustField { optional, string }),
    }
}

fn classify(ty: &syn::Type) -> (AttrType, Option<StrKind>) {
    if let syn::Type::Reference(r) = ty {
        return match last_segment(&r.elem) {
            Some(s) if s.ident == "str" => (AttrType::String, Some(StrKind::Borrowed)),
            _ => (AttrType::Any, None),
        };
    }
    let Some(seg) = last_segment(ty) else { return (AttrType::Any, None) };
    match seg.ident.to_string().as_str() {
        "String" => (AttrType::String, Some(StrKind::Owned)),
        "Cow" => (AttrType::String, Some(StrKind::Cow)),
        "bool" => (AttrType::Bool, None),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => (AttrType::Int, None),
        "f32" | "f64" => (AttrType::Float, None),
        _ => (AttrType::Any, None),
    }
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// `T` of `Wrapper<T>` when `ty` is `Wrapper<..>`.
fn generic_of<'t>(ty: &'t syn::Type, wrapper: &str) -> Option<&'t syn::Type> {
    let seg = last_segment(ty).filter(|s| s.ident == wrapper)?;
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// The shape of a slot field and its attributes type (`None` for `()` or omitted).
fn slot_field(ty: &syn::Type) -> Option<(SlotField, Option<&syn::TypePath>)> {
    let (shape, slot) = if let Some(inner) = generic_of(ty, "Option") {
        (SlotField::Optional, inner)
    } else if let Some(inner) = generic_of(ty, "Vec") {
        (SlotField::Many, inner)
    } else {
        (SlotField::One, ty)
    };
    let seg = last_segment(slot).filter(|s| s.ident == "Slot")?;
    let attrs = match &seg.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(syn::Type::Path(p)) => Some(p),
            _ => None,
        }),
        _ => None,
    };
    Some((shape, attrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> RustModule {
        RustModule {
            file: "src/components.rs".into(),
            module: "crate::components".into(),
            prefix: None,
        }
    }

    #[test]
    fn fields_become_attributes_slots_and_global_attrs() {
        let source = r#"
            use zero_live_core::{Attrs, Slot};
            pub struct Col<'a> { pub label: &'a str, pub width: Option<u32> }
            pub struct Table<'a> {
                pub id: String,
                pub rows: &'a [Row],
                pub striped: bool,
                pub caption: Option<std::borrow::Cow<'a, str>>,
                pub col: Vec<Slot<'a, Col<'a>>>,
                pub footer: Option<Slot<'a>>,
                pub inner_block: Slot<'a>,
                pub rest: Attrs<'a>,
            }
            zero_live_core::component!(Table<'a>, "components/table");
        "#;
        let defs = read(&module(), source).unwrap();
        assert_eq!(defs.len(), 1);
        let def = &defs[0];
        assert_eq!(def.name, "table");
        assert!(def.global_attrs);
        let rust = def.rust.as_ref().unwrap();
        assert_eq!(rust.path, "crate::components::Table");
        assert_eq!(rust.rest.as_deref(), Some("rest"));
        let attrs: Vec<(&str, AttrType, bool)> =
            def.attrs.iter().map(|a| (a.name.as_str(), a.ty, a.required)).collect();
        assert_eq!(
            attrs,
            [
                ("id", AttrType::String, true),
                ("rows", AttrType::Any, true),
                ("striped", AttrType::Bool, false),
                ("caption", AttrType::String, false),
            ]
        );
        assert_eq!(
            def.attrs[3].rust,
            Some(RustField { optional: true, string: Some(StrKind::Cow) })
        );
        let slots: Vec<(&str, bool, bool)> =
            def.slots.iter().map(|s| (s.name.as_str(), s.required, s.multiple)).collect();
        assert_eq!(
            slots,
            [("col", false, true), ("footer", false, false), ("inner_block", true, false)]
        );
        assert_eq!(def.slots[0].attrs.len(), 2);
        assert_eq!(
            def.slots[0].rust,
            Some((SlotField::Many, Some("crate::components::Col".into())))
        );
    }

    #[test]
    fn remote_modules_prefix_the_call_name() {
        let source =
            "pub struct Badge { pub n: u32 }\nzero_live_core::component!(Badge, \"ui/badge\");";
        let m = RustModule { prefix: Some("ui".into()), module: "crate::ui".into(), ..module() };
        let defs = read(&m, source).unwrap();
        assert_eq!(defs[0].name, "ui::badge");
        assert!(!defs[0].rust.as_ref().unwrap().lifetime);
        assert_eq!(defs[0].attrs[0].ty, AttrType::Int);
    }

    #[test]
    fn bad_declarations_are_located_errors() {
        let cases = [
            ("component!(Missing, \"x\");", 1, 12, "not a struct of this file"),
            ("pub struct A<'a> { s: &'a str }\ncomponent!(A, \"a\");", 1, 13, "lifetime"),
            ("pub struct T(u32);\ncomponent!(T, \"t\");", 1, 12, "named fields"),
            (
                "pub struct S<'a> { a: Attrs<'a>, b: Attrs<'a> }\ncomponent!(S<'a>, \"s\");",
                1,
                34,
                "second `Attrs`",
            ),
            (
                "pub struct S<'a> { x: Slot<'a, Other> }\ncomponent!(S<'a>, \"s\");",
                1,
                20,
                "struct of this file",
            ),
            ("component!(S<'a> \"s\");", 1, 18, "cannot read"),
            ("pub struct {", 1, 12, "cannot parse"),
        ];
        for (source, line, column, message) in cases {
            let errors = read(&module(), source).unwrap_err();
            let d = &errors[0];
            assert_eq!(d.code.id, "Z0431", "{source}");
            assert!(d.message.contains(message), "{source}: {}", d.message);
            assert_eq!((d.location.line, d.location.column), (line, column), "{source}");
        }
    }
}
