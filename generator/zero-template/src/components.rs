//! The components a template may call, with their typed attributes and slots.

use std::collections::BTreeMap;

/// The type of a component attribute, as far as the template compiler checks literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    Any,
}

/// A declared attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrDef {
    /// The name.
    pub name: String,
    /// Its type.
    pub ty: AttrType,
    /// Whether every call must pass it.
    pub required: bool,
    /// For `Enum`: the allowed values.
    pub values: Vec<String>,
}

/// A declared slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDef {
    /// The name; `inner_block` is the content between the tags.
    pub name: String,
    /// Whether every call must fill it.
    pub required: bool,
    /// Whether it may be filled more than once.
    pub multiple: bool,
    /// Attributes the slot takes.
    pub attrs: Vec<AttrDef>,
}

/// A component: its attributes and slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentDef {
    /// The name as called: `button` for `<.button>`, `ui::card` for `<ui::card>`.
    pub name: String,
    /// Whether undeclared attributes pass through to the root element.
    pub global_attrs: bool,
    /// Declared attributes.
    pub attrs: Vec<AttrDef>,
    /// Declared slots.
    pub slots: Vec<SlotDef>,
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

    /// Every name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}
