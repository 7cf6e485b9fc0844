//! Kb mounted in an endpoint of its own, as an app mounts it: its domain against a
//! database, and its live views over a real socket (`zero_live::testing`). Set
//! `TEST_DATABASE_URL=postgres://...` to run them on Postgres.

use std::sync::Arc;

use serde_json::json;
use zero_db::Db;
use zero_live::Live;
use zero_live::pubsub::{Local, PubSub};
use zero_live::testing::TestServer;

use kb::entries::{self, Change, MAX_BODY};

/// A fresh database with the package's migrations applied.
async fn database() -> Db {
    let migrations = kb::migrations().expect("the package's migrations");
    zero_db::testing::database(&migrations).await.expect("a migrated database")
}

/// The package mounted at `at` in the `browser` pipeline of an endpoint that shares its
/// database and PubSub with views, as a generated app does.
async fn served(at: &str) -> (TestServer, Db) {
    let db = database().await;
    let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());
    let live = Live::builder()
        .pubsub(pubsub.clone())
        .state(db.clone())
        .state(pubsub)
        .mount(kb::mount, "browser", at)
        .build();
    let router = live.transport().merge(live.pages_of("browser"));
    (TestServer::start(router, live).await.expect("served"), db)
}

#[tokio::test]
async fn entries_are_checked_created_and_published() {
    let db = database().await;
    let pubsub = Local::default();
    let (tx, mut changes) = tokio::sync::mpsc::channel(8);
    pubsub.subscribe(entries::TOPIC, tx);
    let empty = [("body".to_owned(), String::new())].into();
    let problems = entries::validate(&empty).expect_err("an empty body is refused");
    assert_eq!(problems[0].field, "body");
    let long = [("body".to_owned(), "x".repeat(MAX_BODY + 1))].into();
    assert!(entries::validate(&long).is_err(), "a body over {MAX_BODY} characters is refused");
    let created = entries::create(&db, &pubsub, "First").await.expect("created");
    let change = changes.recv().await.expect("a change");
    assert_eq!(change.downcast_ref::<Change>(), Some(&Change::Created(created.clone())));
    assert_eq!(entries::list(&db).await.expect("listed"), vec![created.clone()]);
    assert_eq!(entries::find(&db, created.id).await.expect("found"), created);
    assert!(matches!(entries::find(&db, created.id + 1).await, Err(zero_db::DbError::NotFound)));
}

#[tokio::test]
async fn the_views_serve_under_the_mount_with_their_styles() {
    let (server, db) = served("/notes").await;
    let page = server.get("/notes").await.expect("the index");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.has_element("#kb-empty", Some("No entries yet.")).expect("html"));
    // The colocated styles are loaded by the page and served.
    let css = page.body.split("href=\"/assets/app/").nth(1).and_then(|s| s.split('"').next());
    let css = css.expect("a colocated stylesheet");
    let served = server.get(&format!("/assets/app/{css}")).await.expect("the stylesheet");
    assert!(served.body.contains(".kb-package"), "{}", served.body);
    // Nothing is served outside the mount.
    assert_eq!(server.get("/").await.expect("a page").status, 404);
    let entry = entries::create(&db, &Local::default(), "Hello <there>").await.expect("created");
    let show = server.get(&format!("/notes/{}", entry.id)).await.expect("the entry");
    assert!(show.has_element(".kb-body", Some("Hello <there>")).expect("html"));
    assert!(show.body.contains("href=\"/notes\""), "links stay under the mount: {}", show.body);
    let missing = server.get(&format!("/notes/{}", entry.id + 1)).await.expect("a page");
    assert_eq!(missing.status, 404);
    assert_eq!(server.get("/notes/x").await.expect("a page").status, 404);
}

#[tokio::test]
async fn the_form_refuses_bad_entries_and_adds_good_ones_for_every_session() {
    let (server, db) = served("/notes").await;
    let mut other = server.live("/notes").await.expect("joined");
    let mut index = server.live("/notes").await.expect("joined");
    // Empty, then too long: refused on the field, nothing written.
    for body in [String::new(), "x".repeat(MAX_BODY + 1)] {
        index.submit("#entry-form", json!({"entry": {"body": body}})).await.expect("a reply");
        assert!(index.has_element("#entry_body-errors p", None).expect("html"));
        assert!(entries::list(&db).await.expect("listed").is_empty());
    }
    index.submit("#entry-form", json!({"entry": {"body": "First"}})).await.expect("saved");
    let rows = entries::list(&db).await.expect("listed");
    assert_eq!(rows.len(), 1);
    let link = format!("a[href=\"/notes/{}\"]", rows[0].id);
    assert!(index.has_element(&link, Some("Open")).expect("html"));
    assert!(!index.has_element("#entry_body-errors p", None).expect("html"), "the form is reset");
    // The other session learns of it over PubSub.
    let html = other.render_async().await.expect("a render");
    assert!(html.contains("First"), "{html}");
    assert_eq!(index.count("#kb-entries li", None).expect("html"), 1, "listed once");
}
