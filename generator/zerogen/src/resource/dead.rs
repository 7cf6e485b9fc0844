//! `zerogen resource --html`: dead pages (no live socket). Plain HTTP handlers render the
//! index, one row and the form in the root layout (`zero_live::server::html_page`); the forms
//! post back with the `browser` pipeline's CSRF token; a refused form is shown again with its
//! errors (`422`), a saved one redirects (`303`) with a flash. Owned rows send a visitor to log
//! in and show each user only their own.

use std::fmt::Write as _;

use super::{Field, Resource, Ty, label_of};

impl Resource {
    /// `web/html/PLURAL.rs`: the pages' state and their handlers.
    pub(super) fn dead_rs(&self) -> String {
        let (s, p, human, lower) = (&self.singular, &self.plural, self.human(), self.lower());
        let sentence = label_of(&human);
        let o = self.owned;
        let mut code = self.header("//!");
        let _ = write!(
            code,
            "//! The pages of {p}, not live: the index, one {human}, and the form that creates and edits.\n\
             //! Forms post back with the CSRF token of the `browser` pipeline; a refused one is shown\n\
             //! again with its errors (422), a saved one redirects (303) with a flash.{owned_doc}\n\n\
             use std::collections::BTreeMap;\n\n\
             use axum::Extension;\n\
             use axum::extract::{{Form as Posted, Path}};\n\
             use axum::http::{{HeaderMap, StatusCode}};\n\
             use axum::response::{{IntoResponse, Response}};\n\
             {scope_use}\
             use zero_db::{{Db, DbError}};\n\
             use zero_live::Live;\n\
             use zero_live::csrf::CsrfToken;\n\
             use zero_live::form::{{Action, Form}};\n\
             use zero_live::server::{{html_page, see_other}};\n\
             use zero_live_core::Template as _;\n\n\
             use crate::{p}::{{self, {s}}};\n\n\
             /// The index page.\n#[derive(Debug)]\npub struct Index {{\n    \
             /// The rows, oldest first.\n    pub {p}: Vec<{s}>,\n    \
             /// The CSRF token of the delete buttons' forms.\n    pub csrf: String,\n}}\n\
             zero_live_core::template!(Index, \"html/{p}/index\");\n\n\
             /// One {human}'s page.\n#[derive(Debug)]\npub struct Show {{\n    \
             /// The {human}.\n    pub {lower}: {s},\n    \
             /// The CSRF token of the delete button's form.\n    pub csrf: String,\n}}\n\
             zero_live_core::template!(Show, \"html/{p}/show\");\n\n\
             /// The form page, for a new {human} or an existing one.\n#[derive(Debug)]\npub struct {s}Form {{\n    \
             /// Where the form posts.\n    pub action: String,\n    \
             /// The heading.\n    pub heading: String,\n    \
             /// The form.\n    pub form: Form,\n    \
             /// The CSRF token of the form.\n    pub csrf: String,\n}}\n\
             zero_live_core::template!({s}Form, \"html/{p}/form\");\n\n\
             /// A page of `body` in the root layout.\n\
             fn page(live: &Live, headers: &HeaderMap, status: StatusCode, title: &str, body: &str) -> Response {{\n    \
             html_page(live, headers, status, title, &BTreeMap::new(), body)\n}}\n\n\
             /// A flash of one message.\n\
             fn flash(kind: &str, message: &str) -> BTreeMap<String, String> {{\n    \
             BTreeMap::from([(kind.to_owned(), message.to_owned())])\n}}\n\n\
             /// The answer to an id no {human} has{whose} (or one that is not a number).\n\
             fn not_found(live: &Live, headers: &HeaderMap) -> Response {{\n    \
             page(live, headers, StatusCode::NOT_FOUND, \"Not found\", \"<p>No such {human}.</p>\")\n}}\n\n\
             /// The answer to a database failure.\n\
             fn failed(e: &DbError) -> Response {{\n    \
             (StatusCode::SERVICE_UNAVAILABLE, format!(\"the database failed: {{e}}\")).into_response()\n}}\n\n\
             /// The request's CSRF token (empty outside the `browser` pipeline).\n\
             fn token(csrf: Option<Extension<CsrfToken>>) -> String {{\n    \
             csrf.map(|Extension(t)| t.as_str().to_owned()).unwrap_or_default()\n}}\n\n\
             /// The id of a path, if it is a number.\n\
             fn id_of(id: &str) -> Option<i64> {{\n    id.parse().ok()\n}}\n\n\
             {guard_fn}\
             /// The form after the posted fields (`{lower}[title]`...; a repeated name keeps its last value,\n\
             /// so a checked box wins over its hidden `false`).\n\
             fn posted(fields: Vec<(String, String)>) -> Form {{\n    \
             let params: serde_json::Map<String, serde_json::Value> =\n        \
             fields.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();\n    \
             Form::new(\"{lower}\", {p}::defaults()).with_params(&serde_json::Value::Object(params), Action::Submit)\n}}\n\n\
             /// The form's values by field.\n\
             fn values(form: &Form) -> BTreeMap<String, String> {{\n    \
             {p}::FIELDS.iter().map(|f| ((*f).to_owned(), form.value(f).to_owned())).collect()\n}}\n\n\
             /// Checks and writes a posted form (`id` an existing {human}): a redirect to the {human}, or the\n\
             /// form again with its errors.\n\
             async fn save(\n    live: &Live,\n    headers: &HeaderMap,\n    {scope_param}db: &Db,\n    \
             id: Option<i64>,\n    csrf: String,\n    fields: Vec<(String, String)>,\n) -> Response {{\n    \
             let mut form = posted(fields);\n    \
             let (action, heading) = match id {{\n        \
             Some(id) => (format!(\"/{p}/{{id}}\"), \"Edit {human}\"),\n        \
             None => (\"/{p}\".to_owned(), \"New {human}\"),\n    }};\n    \
             let mut refused = BTreeMap::new();\n    \
             match {p}::validate(&values(&form)) {{\n        \
             Err(problems) => {{\n            \
             for problem in problems {{\n                form.add_error(problem.field, problem.code, problem.message);\n            }}\n        }}\n        \
             Ok(attrs) => {{\n            \
             let saved = match id {{\n                \
             Some(id) => {p}::update({scope_save}db, &**live.pubsub(), id, &attrs).await,\n                \
             None => {p}::create({scope_save}db, &**live.pubsub(), &attrs).await,\n            }};\n            \
             match saved {{\n                \
             Ok(row) => {{\n                    \
             let done = if id.is_some() {{ \"{sentence} updated.\" }} else {{ \"{sentence} created.\" }};\n                    \
             return see_other(live, &format!(\"/{p}/{{}}\", row.id), &flash(\"info\", done));\n                }}\n                \
             Err(DbError::NotFound) => return not_found(live, headers),\n                \
             Err(e @ DbError::Unique {{ .. }}) => {{\n                    \
             let field = e.field().unwrap_or(\"{first}\").to_owned();\n                    \
             form.add_error(&field, \"taken\", \"has already been taken\");\n                }}\n                \
             Err(e @ DbError::ForeignKey) => {{\n                    refused = flash(\"error\", &e.to_string());\n                }}\n                \
             Err(e) => return failed(&e),\n            }}\n        }}\n    }}\n    \
             let body = {s}Form {{ action, heading: heading.to_owned(), form, csrf }}.to_html();\n    \
             html_page(live, headers, StatusCode::UNPROCESSABLE_ENTITY, heading, &refused, &body)\n}}\n\n\
             /// `GET /{p}`: every {human}{whose}.\n\
             pub async fn index(\n    Extension(live): Extension<Live>,\n    Extension(db): Extension<Db>,\n    \
             {scope_extract}csrf: Option<Extension<CsrfToken>>,\n    headers: HeaderMap,\n) -> Response {{\n    \
             {guard_index}\
             match {p}::list({scope_arg}&db).await {{\n        \
             Ok(rows) => {{\n            \
             let body = Index {{ {p}: rows, csrf: token(csrf) }}.to_html();\n            \
             page(&live, &headers, StatusCode::OK, \"{title}\", &body)\n        }}\n        \
             Err(e) => failed(&e),\n    }}\n}}\n\n\
             /// `GET /{p}/:id`: one {human}{whose}.\n\
             pub async fn show(\n    Extension(live): Extension<Live>,\n    Extension(db): Extension<Db>,\n    \
             {scope_extract}csrf: Option<Extension<CsrfToken>>,\n    headers: HeaderMap,\n    Path(id): Path<String>,\n) -> Response {{\n    \
             {guard_show}\
             let Some(id) = id_of(&id) else {{ return not_found(&live, &headers) }};\n    \
             match {p}::find({scope_arg}&db, id).await {{\n        \
             Ok({lower}) => {{\n            \
             let body = Show {{ {lower}, csrf: token(csrf) }}.to_html();\n            \
             page(&live, &headers, StatusCode::OK, \"{sentence}\", &body)\n        }}\n        \
             Err(DbError::NotFound) => not_found(&live, &headers),\n        \
             Err(e) => failed(&e),\n    }}\n}}\n\n\
             /// `GET /{p}/new`: the form for a new {human}.\n\
             pub async fn new(\n    Extension(live): Extension<Live>,\n    \
             {scope_extract}csrf: Option<Extension<CsrfToken>>,\n    headers: HeaderMap,\n) -> Response {{\n    \
             {guard_new}\
             let form = Form::new(\"{lower}\", {p}::defaults());\n    \
             let heading = \"New {human}\".to_owned();\n    \
             let body = {s}Form {{ action: \"/{p}\".to_owned(), heading, form, csrf: token(csrf) }}.to_html();\n    \
             page(&live, &headers, StatusCode::OK, \"New {human}\", &body)\n}}\n\n\
             /// `GET /{p}/:id/edit`: the form of an existing {human}{whose}.\n\
             pub async fn edit(\n    Extension(live): Extension<Live>,\n    Extension(db): Extension<Db>,\n    \
             {scope_extract}csrf: Option<Extension<CsrfToken>>,\n    headers: HeaderMap,\n    Path(id): Path<String>,\n) -> Response {{\n    \
             {guard_edit}\
             let Some(id) = id_of(&id) else {{ return not_found(&live, &headers) }};\n    \
             match {p}::find({scope_arg}&db, id).await {{\n        \
             Ok({lower}) => {{\n            \
             let form = Form::new(\"{lower}\", {p}::values_of(&{lower}));\n            \
             let heading = \"Edit {human}\".to_owned();\n            \
             let action = format!(\"/{p}/{{id}}\");\n            \
             let body = {s}Form {{ action, heading, form, csrf: token(csrf) }}.to_html();\n            \
             page(&live, &headers, StatusCode::OK, \"Edit {human}\", &body)\n        }}\n        \
             Err(DbError::NotFound) => not_found(&live, &headers),\n        \
             Err(e) => failed(&e),\n    }}\n}}\n\n\
             /// `POST /{p}`: creates a {human} from the form.\n\
             pub async fn create(\n    Extension(live): Extension<Live>,\n    Extension(db): Extension<Db>,\n    \
             {scope_extract}csrf: Option<Extension<CsrfToken>>,\n    headers: HeaderMap,\n    \
             Posted(fields): Posted<Vec<(String, String)>>,\n) -> Response {{\n    \
             {guard_create}\
             save(&live, &headers, {scope_ref}&db, None, token(csrf), fields).await\n}}\n\n\
             /// `POST /{p}/:id`: updates a {human}{whose} from the form.\n\
             pub async fn update(\n    Extension(live): Extension<Live>,\n    Extension(db): Extension<Db>,\n    \
             {scope_extract}csrf: Option<Extension<CsrfToken>>,\n    headers: HeaderMap,\n    Path(id): Path<String>,\n    \
             Posted(fields): Posted<Vec<(String, String)>>,\n) -> Response {{\n    \
             {guard_update}\
             let Some(id) = id_of(&id) else {{ return not_found(&live, &headers) }};\n    \
             save(&live, &headers, {scope_ref}&db, Some(id), token(csrf), fields).await\n}}\n\n\
             /// `POST /{p}/:id/delete`: deletes a {human}{whose}; an id with no row is not found and\n\
             /// deletes nothing.\n\
             pub async fn delete(\n    Extension(live): Extension<Live>,\n    Extension(db): Extension<Db>,\n    \
             {scope_extract}headers: HeaderMap,\n    Path(id): Path<String>,\n) -> Response {{\n    \
             {guard_delete}\
             let Some(id) = id_of(&id) else {{ return not_found(&live, &headers) }};\n    \
             match {p}::delete({scope_arg}&db, &**live.pubsub(), id).await {{\n        \
             Ok(()) => see_other(&live, \"/{p}\", &flash(\"info\", \"{sentence} deleted.\")),\n        \
             Err(DbError::NotFound) => not_found(&live, &headers),\n        \
             Err(e) => failed(&e),\n    }}\n}}\n",
            title = self.title(),
            first = self.fields[0].name,
            owned_doc = if o {
                "\n//! The rows belong to users: a visitor is sent to log in, and each user sees only their own."
            } else {
                ""
            },
            whose = if o { " of the signed-in user" } else { "" },
            scope_use = if o { "use zero_auth::Scope;\n" } else { "" },
            scope_param = if o { "scope: &Scope,\n    " } else { "" },
            scope_extract = if o { "Extension(scope): Extension<Scope>,\n    " } else { "" },
            scope_arg = if o { "&scope, " } else { "" },
            scope_save = if o { "scope, " } else { "" },
            scope_ref = if o { "&scope, " } else { "" },
            guard_fn = if o {
                "/// A visitor's answer: to the login page, which comes back to `path`.\n\
                 fn to_log_in(live: &Live, path: &str) -> Response {\n    \
                 let back = zero_auth::web::log_in_path(path);\n    \
                 see_other(live, &back, &flash(\"error\", \"You must log in to access this page.\"))\n}\n\n"
            } else {
                ""
            },
            guard_index = self.dead_guard(&format!("\"/{p}\"")),
            guard_show = self.dead_guard(&format!("&format!(\"/{p}/{{id}}\")")),
            guard_new = self.dead_guard(&format!("\"/{p}/new\"")),
            guard_edit = self.dead_guard(&format!("&format!(\"/{p}/{{id}}/edit\")")),
            guard_create = self.dead_guard(&format!("\"/{p}/new\"")),
            guard_update = self.dead_guard(&format!("&format!(\"/{p}/{{id}}/edit\")")),
            guard_delete = self.dead_guard(&format!("&format!(\"/{p}/{{id}}\")")),
        );
        code
    }

    /// The first line of a handler of owned rows: a visitor goes to log in (and comes back to
    /// `back`, a Rust expression of the path).
    fn dead_guard(&self, back: &str) -> String {
        if self.owned {
            format!(
                "if scope.user().is_none() {{\n        return to_log_in(&live, {back});\n    }}\n    "
            )
        } else {
            String::new()
        }
    }

    /// The test of the dead pages, through the app's router over real HTTP.
    pub(super) fn dead_test(&self) -> String {
        let (p, lower, human) = (&self.plural, self.lower(), self.human());
        let sentence = label_of(&human);
        let blank: Vec<&Field> =
            self.fields.iter().filter(|f| !f.optional && f.ty != Ty::Boolean).collect();
        let blank_fields = blank
            .iter()
            .map(|f| format!("(\"{lower}[{}]\", \"\")", f.name))
            .collect::<Vec<_>>()
            .join(", ");
        let mut blank_checks = String::new();
        for f in &blank {
            let _ = write!(
                blank_checks,
                "assert!(refused.has_element(\"#{lower}_{n}-errors .field-error\", None).expect(\"html\"), \"{{}}\", refused.body);\n    ",
                n = f.name
            );
        }
        let unique_check = match self.fields.iter().find(|f| f.unique) {
            Some(f) => format!(
                "// The same values from a new form: the taken value is an error on its field.\n    \
                 let form = server.get(\"/{p}/new\").await.expect(\"the form\");\n    \
                 let taken = server.submit(&form, \"#{lower}-form\", &fields).await.expect(\"answered\");\n    \
                 assert_eq!(taken.status, 422);\n    \
                 assert!(taken.has_element(\"#{lower}_{n}-errors\", Some(\"has already been taken\")).expect(\"html\"), \"{{}}\", taken.body);\n    \
                 assert_eq!({p}::list(&db).await.expect(\"listed\").len(), 1);\n    ",
                n = f.name
            ),
            None => String::new(),
        };
        format!(
            "\n#[tokio::test]\nasync fn the_html_pages_create_show_list_update_and_delete_a_{lower}() {{\n    \
             let db = support::database().await;\n    \
             let values = example(&db, 2).await;\n    \
             let app = App::new(LiveConfig::default(), Signer::random(), Endpoint::default(), db.clone());\n    \
             let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect(\"served\");\n    \
             let page = server.get(\"/{p}\").await.expect(\"the index\");\n    \
             assert!(page.has_element(\"#{p}\", Some(\"No {human_plural} yet.\")).expect(\"html\"), \"{{}}\", page.body);\n    \
             assert!(!page.body.contains(\"data-zl-root\"), \"a page that is not live\");\n    \
             let form = server.get(\"/{p}/new\").await.expect(\"the form\");\n    \
             // Required fields left empty: refused (422), each error on its field, nothing saved.\n    \
             let refused = server.submit(&form, \"#{lower}-form\", &[{blank_fields}]).await.expect(\"answered\");\n    \
             assert_eq!(refused.status, 422, \"{{}}\", refused.body);\n    \
             {blank_checks}\
             assert!({p}::list(&db).await.expect(\"listed\").is_empty());\n    \
             let named: Vec<(String, String)> = values.iter().map(|(k, v)| (format!(\"{lower}[{{k}}]\"), v.clone())).collect();\n    \
             let fields: Vec<(&str, &str)> = named.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();\n    \
             // Without the CSRF token: refused before the handler, nothing written.\n    \
             assert_eq!(server.post(\"/{p}\", &fields).await.expect(\"answered\").status, 403);\n    \
             assert!({p}::list(&db).await.expect(\"listed\").is_empty());\n    \
             let saved = server.submit(&refused, \"#{lower}-form\", &fields).await.expect(\"saved\");\n    \
             let rows = {p}::list(&db).await.expect(\"listed\");\n    \
             assert_eq!(rows.len(), 1);\n    \
             let id = rows[0].id;\n    \
             assert_eq!((saved.status.as_u16(), saved.location()), (303, Some(format!(\"/{p}/{{id}}\").as_str())));\n    \
             let show = server.get(&format!(\"/{p}/{{id}}\")).await.expect(\"the {human}\");\n    \
             assert!(show.has_element(\".zl-flash-info\", Some(\"{sentence} created.\")).expect(\"html\"), \"{{}}\", show.body);\n    \
             assert!(show.has_element(\"dt\", Some(\"{first_label}\")).expect(\"html\"), \"{{}}\", show.body);\n    \
             let index = server.get(\"/{p}\").await.expect(\"the index\");\n    \
             let row = format!(\"#{lower}-{{id}}\");\n    \
             assert!(index.has_element(&row, None).expect(\"html\"), \"{{}}\", index.body);\n    \
             // The edit form shows the values and saves them back.\n    \
             let edit = server.get(&format!(\"/{p}/{{id}}/edit\")).await.expect(\"the edit form\");\n    \
             let updated = server.submit(&edit, \"#{lower}-form\", &[]).await.expect(\"updated\");\n    \
             assert_eq!(updated.location(), Some(format!(\"/{p}/{{id}}\").as_str()), \"{{}}\", updated.body);\n    \
             assert_eq!({p}::list(&db).await.expect(\"listed\"), rows, \"the same values\");\n    \
             {unique_check}\
             // Ids with no row: not found, nothing deleted.\n    \
             for path in [\"/{p}/999999\", \"/{p}/x\", \"/{p}/999999/edit\"] {{\n        \
             assert_eq!(server.get(path).await.expect(\"answered\").status, 404, \"{{path}}\");\n    }}\n    \
             let deleted = server.submit(&index, &format!(\"{{row}} form\"), &[]).await.expect(\"answered\");\n    \
             assert_eq!(deleted.location(), Some(\"/{p}\"), \"{{}}\", deleted.body);\n    \
             assert!({p}::list(&db).await.expect(\"listed\").is_empty());\n    \
             let again = server.submit(&index, &format!(\"{{row}} form\"), &[]).await.expect(\"answered\");\n    \
             assert_eq!(again.status, 404, \"a deleted {human} is not found\");\n    \
             assert_eq!(server.get(&format!(\"/{p}/{{id}}\")).await.expect(\"answered\").status, 404);\n}}\n",
            human_plural = p.replace('_', " "),
            first_label = self.fields[0].label(),
        )
    }
}
