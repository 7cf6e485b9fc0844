//! What the app's tests share: a fresh, migrated database for each test (`zero_db::testing`):
//! in-memory SQLite, or with `TEST_DATABASE_URL=postgres://...` a schema of its own in that
//! Postgres (so the same tests run on both backends).

use zero_db::Db;

/// A new database with every migration applied.
pub async fn database() -> Db {
    let migrations = blog::web::migrations().expect("the app's migrations");
    zero_db::testing::database(&migrations).await.expect("a migrated database")
}

/// The scope of a new user (`user-N@example.com`). Added by `zerogen resource` in an app
/// with accounts.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn user_scope(db: &Db) -> zero_auth::Scope {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let email = format!("user-{}@example.com", NEXT.fetch_add(1, Ordering::Relaxed));
    let row = sqlx::query("INSERT INTO users (email, inserted_at) VALUES ($1, 0) RETURNING id")
        .bind(email.clone())
        .fetch_one(db.pool())
        .await
        .expect("a user");
    let id: i64 = zero_db::get(&row, "id").expect("an id");
    let user = zero_auth::User { id, email, confirmed_at: None, inserted_at: 0 };
    zero_auth::Scope::for_user(user, 0)
}

/// `browser` signed in as a new user `email` (registered, its mailed link used, the
/// session in the browser's cookie), and that user's scope. Added by `zerogen resource`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn sign_in(
    app: &blog::web::App,
    browser: zero_live::testing::TestServer,
    email: &str,
) -> (zero_live::testing::TestServer, zero_auth::Scope) {
    let mailbox = app.features.accounts.mailer().dev_mailbox().expect("the dev mailbox");
    app.features.accounts.register(email, None).await.expect("registered");
    let mail = mailbox.wait_for(email, std::time::Duration::from_secs(5)).await.expect("a link");
    let link = mail.text.split_whitespace().find(|w| w.starts_with("http")).expect("a link");
    let token = link.rsplit('/').next().expect("a token");
    let login = app.features.accounts.log_in_with_link(token, None).await.expect("logged in");
    let auth = zero_auth::web::Auth::new(app.features.accounts.clone(), &app.live);
    let value = auth.cookie_value(&login.token);
    let scope = zero_auth::Scope::for_user(login.user, app.features.accounts.now());
    (browser.with_cookie(&auth.cookie_name(), &value), scope)
}

/// A new user's scope, acting in a new team they own (as the pipeline sets it for a
/// member). Added by `zerogen scope team`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn team_scope(db: &Db) -> zero_auth::Scope {
    let mut scope = user_scope(db).await;
    let created = blog::teams::create(&scope, db, "A team").await.expect("a team");
    scope.organization = Some(created.id);
    scope.capabilities.push(blog::teams::capability("owner"));
    scope
}

/// `browser` signed in as a new user `email`, acting in a new team they own (the first they
/// joined, so their requests act in it), and that scope. Added by `zerogen scope team`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn sign_in_to_team(
    app: &blog::web::App,
    browser: zero_live::testing::TestServer,
    email: &str,
) -> (zero_live::testing::TestServer, zero_auth::Scope) {
    let (browser, mut scope) = sign_in(app, browser, email).await;
    let created = blog::teams::create(&scope, &app.db, "A team").await.expect("a team");
    scope.organization = Some(created.id);
    scope.capabilities.push(blog::teams::capability("owner"));
    (browser, scope)
}

/// A project in the database (with a row of each table it references), the scope's user's; `n` varies
/// its unique values. Added by `zerogen resource Project projects`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn projects_row(db: &Db, scope: &zero_auth::Scope, n: u32) -> blog::projects::Project {
    let values = blog::projects::example_values(n);
    let attrs = blog::projects::validate(&values).expect("valid example values");
    blog::projects::create(scope, db, &zero_live::pubsub::Local::default(), &attrs)
        .await
        .expect("a project row")
}

/// A task in the database (with a row of each table it references), the scope's user's; `n` varies
/// its unique values. Added by `zerogen resource Task tasks`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn tasks_row(db: &Db, scope: &zero_auth::Scope, n: u32) -> blog::tasks::Task {
    let mut values = blog::tasks::example_values(n);
    values.insert("project_id".to_owned(), projects_row(db, scope, n).await.id.to_string());
    let attrs = blog::tasks::validate(&values).expect("valid example values");
    blog::tasks::create(scope, db, &zero_live::pubsub::Local::default(), &attrs)
        .await
        .expect("a task row")
}
