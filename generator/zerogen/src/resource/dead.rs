//! `zerogen resource --html`: dead pages (no live socket). Plain HTTP handlers render the
//! index, one row and the form in the root layout (`zero_live::server::html_page`); the forms
//! post back with the `browser` pipeline's CSRF token; a refused form is shown again with its
//! errors (`422`), a saved one redirects (`303`) with a flash. Owned rows send a visitor to log
//! in and show each user only their own.

use std::fmt::Write as _;

use super::{Field, Resource, Ty, label_of};

impl Resource {
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
