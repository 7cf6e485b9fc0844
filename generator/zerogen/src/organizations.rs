//! `zerogen scope NAME`: organizations (or teams, workspaces...) in an app with accounts. Users
//! belong to them through memberships with a role; every request acts in one of its user's
//! (its current one, in the `Scope`); and `zerogen resource --scope NAME` makes rows that
//! belong to it. The files come from `templates/scope/`.

use std::path::Path;

use serde::Serialize;

use crate::apptree::features::{FEATURES, Flags, OrgNames};
use crate::render::Templates;
use crate::resource::{ResourceError, add_mod, io_error, write_all};
use crate::scopes::ScopeRow;

const WEB_MOD: &str = "web/mod.rs";
const LIVE_MOD: &str = "web/live/mod.rs";
const LEDGER: &str = "release/surface.tsv";
const SUPPORT: &str = "tests/support/mod.rs";

/// What `zerogen scope` renders from.
#[derive(Debug, Clone, Serialize)]
struct Model {
    command: String,
    /// `org`.
    name: String,
    /// `orgs`.
    plural: String,
    /// `Org`.
    singular: String,
    /// `Orgs`: the page's view type.
    view: String,
    /// `Orgs`: titles.
    title: String,
    /// `org`, in sentences.
    human: String,
    /// `current_org`.
    cookie: String,
    /// The app's crate module.
    module: String,
    role_list: &'static str,
    postgres: bool,
}

impl Model {
    /// The model of scope `names` in the app whose crate module is `module`.
    fn new(names: &OrgNames, module: &str) -> Model {
        let name = &names.name;
        Model {
            command: format!("zerogen scope {name}"),
            name: name.clone(),
            plural: names.plural.clone(),
            singular: names.singular.clone(),
            view: crate::resource::camel(&names.plural),
            title: names.title.clone(),
            human: name.replace('_', " "),
            cookie: format!("current_{name}"),
            module: module.to_owned(),
            role_list: "owner, admin, member",
            postgres: false,
        }
    }
}

/// Why a scope name cannot be an organization's (`None`: it can).
fn refused_name(root: &Path, name: &str) -> Option<String> {
    if let Some(why) = crate::scopes::invalid_name(name) {
        return Some(why);
    }
    if name == "user" {
        return Some(
            "`user` is the accounts' own scope: name the organizations (`org`, `team`)".into(),
        );
    }
    let plural = format!("{name}s");
    if root.join(format!("src/{plural}.rs")).is_file() || crate::resource::reserved_name(&plural) {
        return Some(format!(
            "`{plural}` is taken (a module of the app, or a reserved name): pick another name"
        ));
    }
    None
}

/// The files `zerogen scope NAME` writes for app `module`.
fn files(model: &Model, timestamp: &str) -> Result<Vec<(String, String)>, ResourceError> {
    let templates = Templates::of("scope").map_err(|e| ResourceError::Invalid(e.to_string()))?;
    let render = |path: &str, model: &Model| {
        templates.render(path, model).map_err(|e| ResourceError::Invalid(e.to_string()))
    };
    let p = &model.plural;
    let mut out = Vec::new();
    for postgres in [false, true] {
        let backend = if postgres { "postgres" } else { "sqlite" };
        let model = Model { postgres, ..model.clone() };
        out.push((
            format!("migrations/{backend}/{timestamp}_create_{p}.sql"),
            render("migration.sql", &model)?,
        ));
        out.push((
            format!("migrations/{backend}/{timestamp}_create_{p}.down.sql"),
            render("migration.down.sql", &model)?,
        ));
    }
    out.push((format!("src/{p}.rs"), render("domain.rs", model)?));
    out.push((format!("web/{p}.rs"), render("web.rs", model)?));
    out.push((format!("web/live/{p}.rs"), render("web/live/view.rs", model)?));
    out.push((format!("web/live/{p}.html.0x0"), render("web/live/view.html.0x0", model)?));
    out.push((format!("tests/{p}.rs"), render("tests.rs", model)?));
    out.push((format!("docs/{p}.md"), render("docs.md", model)?));
    Ok(out)
}

/// Writes organization scope `name` into the app at `root`; returns the files written and
/// edited. `timestamp` versions its migration.
pub fn write(
    root: &Path,
    name: &str,
    timestamp: &str,
    force: bool,
) -> Result<Vec<String>, ResourceError> {
    crate::apptree::require_app(root)?;
    if !root.join(crate::auth::AUTH_MODULE).is_file() {
        return Err(ResourceError::Invalid(
            "organizations need accounts: run `zerogen auth` first; nothing was written".into(),
        ));
    }
    let app = Flags::of_app(root);
    if let Some(orgs) = app.orgs.as_ref().filter(|o| o.name != name) {
        return Err(ResourceError::Invalid(format!(
            "this app has organizations already (`{}`, in {}): one scope of them; nothing was \
             written",
            orgs.name,
            crate::scopes::TABLE
        )));
    }
    if !force && let Some(why) = refused_name(root, name) {
        return Err(ResourceError::Invalid(why));
    }
    let names = OrgNames::of(name);
    let module = crate::app::crate_module(root).map_err(ResourceError::Io)?;
    let model = Model::new(&names, &module);
    let own = format!("_create_{}.sql", names.plural);
    let plan = crate::apptree::plan_migration(root, &own, timestamp, force)?;
    let files = files(&model, &plan.version)?;
    let mut existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    for file in plan.existing {
        if !existing.contains(&file) {
            existing.push(file);
        }
    }
    if !force && !existing.is_empty() {
        existing.sort();
        return Err(ResourceError::Exists(existing));
    }
    let read = |path: &str| {
        let full = root.join(path);
        std::fs::read_to_string(&full).map_err(|e| io_error(&full, e))
    };
    let nothing =
        |path: &str, e: String| ResourceError::Invalid(format!("{path}: {e}; nothing was written"));
    let mut edits = Vec::new();
    let p = &names.plural;
    edits.push((crate::resource::LIB.to_owned(), add_mod(&read(crate::resource::LIB)?, p)));
    edits.push((WEB_MOD.to_owned(), add_mod(&read(WEB_MOD)?, p)));
    edits.push((LIVE_MOD.to_owned(), add_mod(&read(LIVE_MOD)?, p)));
    let to = Flags { orgs: Some(names.clone()), ..app.clone() };
    let from = Flags { orgs: None, ..app };
    if let Some(text) =
        crate::apptree::features::rewrite(root, &read(FEATURES)?, &from, &to, force)?
    {
        edits.push((FEATURES.to_owned(), text));
    }
    let routes = read(crate::app::ROUTES_TABLE)?;
    let rows = format!(
        "method\tpath\tkind\ttarget\tpipeline\tscope\tname\n\
         GET\t/{p}\tlive\tweb::live::{p}::{view}\tbrowser\t/\t{p}\n\
         POST\t/{p}/switch\thttp\tweb::{p}::switch\tbrowser\t/\t{name}_switch\n",
        view = model.view
    );
    crate::apptree::append_rows(
        &mut edits,
        crate::app::ROUTES_TABLE,
        &routes,
        &rows,
        &["method", "path"],
    )?;
    let scopes = read(crate::scopes::TABLE)?;
    let row = ScopeRow {
        name: name.to_owned(),
        default: false,
        column: format!("{name}_id"),
        references: p.clone(),
        tables: Vec::new(),
    };
    if let Some(table) = crate::scopes::with_row(Some(&scopes), &row)
        .map_err(|e| nothing(crate::scopes::TABLE, e))?
    {
        edits.push((crate::scopes::TABLE.to_owned(), table));
    }
    // The tests' fixtures: a new user (what resources of users add too), and one acting in
    // a new organization.
    let mut support = read(SUPPORT)?;
    let original = support.clone();
    let context =
        serde_json::json!({ "module": module, "human": model.human, "name": name, "plural": p });
    if !support.contains("pub async fn user_scope(") {
        let users = Templates::of("resource")
            .and_then(|t| t.render("support/users.rs", &context))
            .map_err(|e| ResourceError::Invalid(e.to_string()))?;
        support.push_str(&users);
    }
    for (fixture, template) in [
        (format!("{name}_scope"), "support/scope.rs"),
        (format!("sign_in_to_{name}"), "support/sign_in.rs"),
    ] {
        if !support.contains(&format!("pub async fn {fixture}(")) {
            let text = Templates::of("scope")
                .and_then(|t| t.render(template, &context))
                .map_err(|e| ResourceError::Invalid(e.to_string()))?;
            support.push_str(&text);
        }
    }
    if support != original {
        edits.push((SUPPORT.to_owned(), support));
    }
    crate::apptree::append_rows(&mut edits, LEDGER, &read(LEDGER)?, &ledger_rows(&model), &["id"])?;
    write_all(root, &files, &edits)
}

/// The app's ledger rows for the scope.
fn ledger_rows(m: &Model) -> String {
    let (name, p, title) = (&m.name, &m.plural, m.title.to_lowercase().replace(' ', "-"));
    format!(
        "id\tkind\tsource\ttests\tdocs\tevidence\tstatus\n\
         {p}.memberships\truntime\tsrc/{p}.rs#add_member\ttests/{p}.rs#a_new_{name}_is_owned_by_its_creator_and_picked_for_them,tests/{p}.rs#owners_and_admins_manage_members_and_the_last_owner_stays\tdocs/{p}.md#{title}-and-members\t\texperimental\n\
         {p}.isolation\truntime\tweb/{p}.rs#pick\ttests/{p}.rs#a_member_of_one_{name}_never_reaches_another,tests/{p}.rs#the_page_switches_only_to_one_of_the_users_{p}\tdocs/{p}.md#the-current-{name}\t\texperimental\n"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn model(name: &str) -> Model {
        Model::new(&OrgNames::of(name), "blog")
    }

    #[test]
    fn every_template_renders_with_the_names_of_the_scope() {
        let files = files(&model("work_team"), "20260101000000").unwrap();
        let get = |p: &str| &files.iter().find(|(path, _)| path == p).unwrap().1;
        let sqlite = get("migrations/sqlite/20260101000000_create_work_teams.sql");
        assert!(sqlite.contains("CREATE TABLE work_team_memberships ("), "{sqlite}");
        assert!(sqlite.contains("work_team_id INTEGER NOT NULL REFERENCES work_teams (id)"));
        let postgres = get("migrations/postgres/20260101000000_create_work_teams.sql");
        assert!(postgres.contains("id BIGSERIAL PRIMARY KEY"), "{postgres}");
        assert!(get("src/work_teams.rs").contains("pub struct WorkTeam {"));
        assert!(get("web/live/work_teams.rs").contains("pub struct WorkTeams {"));
        assert!(
            get("web/work_teams.rs").contains("pub const COOKIE: &str = \"current_work_team\";")
        );
        assert!(files.iter().all(|(_, text)| !text.contains("{{") && !text.contains("{%")));
        // Every test the ledger names is in the tests file.
        for row in ledger_rows(&model("work_team")).lines().skip(1) {
            for test in row.split('\t').nth(3).unwrap().split(',') {
                let name = test.rsplit('#').next().unwrap();
                assert!(
                    get("tests/work_teams.rs").contains(&format!("async fn {name}(")),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn a_scope_name_must_be_new_and_not_the_users() {
        let dir = tempfile::tempdir().unwrap();
        assert!(refused_name(dir.path(), "org").is_none());
        assert!(refused_name(dir.path(), "user").unwrap().contains("accounts' own scope"));
        assert!(refused_name(dir.path(), "Org").is_some());
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/teams.rs"), "").unwrap();
        assert!(refused_name(dir.path(), "team").unwrap().contains("`teams` is taken"));
    }
}
