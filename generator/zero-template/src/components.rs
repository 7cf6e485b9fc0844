//! The components a template may call, with their typed attributes and slots.

use std::collections::BTreeMap;

/// The type of a component attribute, as far as the template compiler checks literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttrType {
    /// Text: any literal.
    String,
    /// `true`, `false`, or no value (true).
    Bool,
    /// An integer literal.
    Int,
    /// A number literal.
    Float,
    /// One of the declared values.
    Enum,
    /// Any Rust value: literals are passed as strings, expressions as they are.
    #[default]
    Any,
}

/// How a Rust string field takes a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrKind {
    /// `&str`: the literal as is.
    Borrowed,
    /// `String`: the literal `.to_owned()`.
    Owned,
    /// `Cow<str>`: `Cow::Borrowed(literal)`.
    Cow,
}

/// The Rust field an attribute of a component declared in Rust is passed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RustField {
    /// The field is an `Option`: omitted means `None`, a value is wrapped.
    pub optional: bool,
    /// For string fields: how a literal is converted.
    pub string: Option<StrKind>,
}

/// How a slot field of a component declared in Rust holds its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotField {
    /// `Slot<'a, A>`: exactly one.
    One,
    /// `Option<Slot<'a, A>>`: at most one.
    Optional,
    /// `Vec<Slot<'a, A>>`: any number.
    Many,
}

/// The Rust struct a component is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustBinding {
    /// The struct's path as generated code names it (`crate::components::Card`).
    pub path: String,
    /// The template that renders it (`components/card`).
    pub template: String,
    /// Whether the struct takes a lifetime parameter.
    pub lifetime: bool,
    /// The `Attrs` field that receives undeclared attributes, if any.
    pub rest: Option<String>,
}

/// A declared attribute.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttrDef {
    /// The name.
    pub name: String,
    /// Its type.
    pub ty: AttrType,
    /// Whether every call must pass it.
    pub required: bool,
    /// For `Enum`: the allowed values.
    pub values: Vec<String>,
    /// The Rust field, for components declared in Rust.
    pub rust: Option<RustField>,
}

/// A declared slot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlotDef {
    /// The name; `inner_block` is the content between the tags.
    pub name: String,
    /// Whether every call must fill it.
    pub required: bool,
    /// Whether it may be filled more than once.
    pub multiple: bool,
    /// Attributes the slot takes.
    pub attrs: Vec<AttrDef>,
    /// For components declared in Rust: the field's shape and the path of the slot's
    /// attribute struct (`None` for `()`).
    pub rust: Option<(SlotField, Option<String>)>,
}

/// A component: its attributes and slots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComponentDef {
    /// The name as called: `button` for `<.button>`, `ui::card` for `<ui::card>`.
    pub name: String,
    /// Whether undeclared attributes pass through to the root element.
    pub global_attrs: bool,
    /// Declared attributes.
    pub attrs: Vec<AttrDef>,
    /// Declared slots.
    pub slots: Vec<SlotDef>,
    /// The Rust struct, for components declared in Rust (these can be rendered).
    pub rust: Option<RustBinding>,
}

/// The components in scope for a template.
#[derive(Debug, Clone, Default)]
pub struct Components {
    by_name: BTreeMap<String, ComponentDef>,
}

impl Components {
    /// Registers a component, replacing one of the same name.
    pub fn insert(&mut self, def: ComponentDef) {
        self.by_name.insert(def.name.clone(), def);
    }

    /// The component called `name`.
    pub fn get(&self, name: &str) -> Option<&ComponentDef> {
        self.by_name.get(name)
    }

    /// The component rendered by the template `name`, if it is one.
    pub fn by_template(&self, name: &str) -> Option<&ComponentDef> {
        self.by_name.values().find(|c| c.rust.as_ref().is_some_and(|r| r.template == name))
    }

    /// Every name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}
