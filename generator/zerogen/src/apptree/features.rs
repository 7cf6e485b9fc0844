//! The app's extension point, `web/features.rs`: what the generators add behind the one
//! interface `web/mod.rs` calls. `zerogen auth` and `zerogen scope` rewrite it from its
//! template with their feature turned on; a file that is not as a generator wrote it is
//! refused (with the file to merge by hand), unless forced.

use std::path::Path;

use serde::Serialize;

use crate::render::Templates;
use crate::resource::ResourceError;

/// The file.
pub const FEATURES: &str = "web/features.rs";

/// The features an app has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// Accounts (`zerogen auth`).
    pub accounts: bool,
    /// Organizations (`zerogen scope NAME`): the scope's names.
    pub orgs: Option<OrgNames>,
}

/// The names of an organization scope (`zerogen scope team`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgNames {
    /// `team`: the scope's name, its column's stem (`team_id`).
    pub name: String,
    /// `teams`: the table, the module, the path.
    pub plural: String,
    /// `Team`: the row's type.
    pub singular: String,
    /// `Teams`: the page's title.
    pub title: String,
}

impl OrgNames {
    /// The names of scope `name` (a snake_case name).
    pub fn of(name: &str) -> OrgNames {
        let plural = format!("{name}s");
        let singular = crate::resource::camel(name);
        let title = crate::resource::label_of(&plural);
        OrgNames { name: name.to_owned(), plural, singular, title }
    }
}

impl Flags {
    /// The features of the app at `root`: accounts when it has `web/auth.rs`, organizations
    /// when its scopes table has a scope whose rows live in a table of its own (not `users`).
    pub fn of_app(root: &Path) -> Flags {
        let accounts = root.join(crate::auth::AUTH_MODULE).is_file();
        let orgs = crate::scopes::of_app(root)
            .unwrap_or_default()
            .into_iter()
            .find(|s| s.references != "users")
            .map(|s| OrgNames::of(&s.name));
        Flags { accounts, orgs }
    }
}

/// `web/features.rs` as its template renders it with `flags` (unformatted: the template is
/// rustfmt-clean for a new app's flags).
pub fn render(flags: &Flags) -> Result<String, ResourceError> {
    Templates::of("app")
        .and_then(|app| app.render(FEATURES, flags))
        .map_err(|e| ResourceError::Invalid(e.to_string()))
}

/// The file to write so the app's features go from `from` to `to`, given the file now
/// (`current`): `None` when it is `to`'s already. The file must be `from`'s as a generator wrote
/// it; any other is refused with the file to merge, unless `force`.
pub fn rewrite(
    root: &Path,
    current: &str,
    from: &Flags,
    to: &Flags,
    force: bool,
) -> Result<Option<String>, ResourceError> {
    let wanted = render(to)?;
    let old = render(from)?;
    // The common case, a new app's file, starts no rustfmt.
    if current == old {
        return Ok(Some(wanted));
    }
    let mut formatted =
        vec![(FEATURES.to_owned(), wanted.clone()), ("web/features_before.rs".to_owned(), old)];
    crate::render::format(root, &mut formatted)
        .map_err(|e| ResourceError::Invalid(e.to_string()))?;
    if current == formatted[0].1 {
        return Ok(None);
    }
    if current == formatted[1].1 || force {
        return Ok(Some(wanted));
    }
    Err(ResourceError::Invalid(format!(
        "{FEATURES} is not as a generator wrote it, so nothing was written. Merge this into it \
         by hand (it is the file with the new feature), or rerun with --force to replace it:\n\n\
         {}",
        formatted[0].1
    )))
}
