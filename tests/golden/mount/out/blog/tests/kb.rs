//! Kb, the live package `kb` mounted at `/kb` by `spec/routes.tsv` (written by
//! `zerogen mount`): its pages are served through the app's `browser` pipeline and root
//! layout, its live views join over the app's socket, and its migrations are applied with the
//! app's. The package's own tests cover what its pages do.

use zero_live::testing::TestServer;
use zero_live::{Endpoint, LiveConfig, Signer};

use blog::web::App;

mod support;

#[tokio::test]
async fn the_kb_package_is_served_under_its_mount() {
    let db = support::database().await;
    let app = App::new(LiveConfig::default(), Signer::random(), Endpoint::default(), db.clone());
    let server = TestServer::start(app.router.clone(), app.live.clone()).await.expect("served");
    let page = server.get("/kb").await.expect("the package's page");
    assert_eq!(page.status, 200, "{}", page.body);
    let pipeline = page.headers.get("x-pipeline").and_then(|v| v.to_str().ok());
    assert_eq!(pipeline, Some("browser"), "through the app's pipeline");
    // In the app's root layout, with the app's stylesheet and the package's own.
    assert!(page.body.contains("/assets/app.css"), "{}", page.body);
    assert!(page.body.contains("href=\"/assets/app/"), "the package's styles: {}", page.body);
    server.live("/kb").await.expect("joined over the app's socket");
    // Every migration of the package is applied to the app's database.
    let package = kb::migrations().expect("the package's migrations");
    let migrator = match db.backend() {
        zero_db::Backend::Sqlite => &package.sqlite,
        zero_db::Backend::Postgres => &package.postgres,
    };
    let applied: Vec<i64> = zero_db::sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(db.pool())
        .await
        .expect("the migrations applied");
    for migration in migrator.iter() {
        assert!(applied.contains(&migration.version), "{} applied", migration.description);
    }
}
