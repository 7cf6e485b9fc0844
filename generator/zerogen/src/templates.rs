//! Templates as the generator sees them: the core components of `spec/components*.tsv` as a
//! registry the template compiler checks calls against, and checking template files.

use std::path::Path;

use zero_diag::Diagnostic;
use zero_spec::FrameworkSpec;
use zero_spec::tables::AttrType as SpecType;
use zero_template::{AttrDef, AttrType, ComponentDef, Components, SlotDef};

/// The file extension of templates.
pub const EXTENSION: &str = ".html.0x0";

fn attr_type(ty: SpecType) -> AttrType {
    match ty {
        SpecType::String => AttrType::String,
        SpecType::Bool => AttrType::Bool,
        SpecType::Int => AttrType::Int,
        SpecType::Float => AttrType::Float,
        SpecType::Enum => AttrType::Enum,
        SpecType::Js | SpecType::Field | SpecType::Form | SpecType::List | SpecType::Any => {
            AttrType::Any
        }
    }
}

/// The core components declared in the framework's tables.
pub fn core_components(spec: &FrameworkSpec) -> Components {
    let mut components = Components::default();
    for row in &spec.components.rows {
        let c = &row.value;
        let attrs = spec
            .attrs
            .rows
            .iter()
            .map(|r| &r.value)
            .filter(|a| a.component == c.name)
            .map(|a| AttrDef {
                name: a.name.clone(),
                ty: attr_type(a.ty),
                required: a.required,
                values: a.values.items().to_vec(),
            })
            .collect();
        let slots = spec
            .slots
            .rows
            .iter()
            .map(|r| &r.value)
            .filter(|s| s.component == c.name)
            .map(|s| SlotDef {
                name: s.name.clone(),
                required: s.required,
                multiple: s.multiple,
                attrs: s
                    .attrs
                    .items()
                    .iter()
                    .filter_map(|item| item.split_once(':'))
                    .map(|(name, ty)| AttrDef {
                        name: name.to_owned(),
                        ty: serde_json::from_value::<SpecType>(serde_json::Value::String(
                            ty.to_owned(),
                        ))
                        .map_or(AttrType::Any, attr_type),
                        required: false,
                        values: Vec::new(),
                    })
                    .collect(),
            })
            .collect();
        components.insert(ComponentDef {
            name: c.name.clone(),
            global_attrs: c.global_attrs,
            attrs,
            slots,
        });
    }
    components
}

/// Checks the template at `root/file` (repository-relative).
pub fn check_file(
    root: &Path,
    file: &str,
    components: &Components,
) -> std::io::Result<Vec<Diagnostic>> {
    let source = std::fs::read_to_string(root.join(file))
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot read {file}: {e}")))?;
    Ok(zero_template::check(file, &source, components).diagnostics)
}
