//! What the app's tests share: a fresh, migrated database for each test (`zero_db::testing`):
//! in-memory SQLite, or with `TEST_DATABASE_URL=postgres://...` a schema of its own in that
//! Postgres (so the same tests run on both backends).

use zero_db::Db;

/// A new database with every migration applied.
pub async fn database() -> Db {
    let migrations = blog::web::migrations().expect("the app's migrations");
    zero_db::testing::database(&migrations).await.expect("a migrated database")
}

/// A photo in the database (with a row of each table it references); `n` varies
/// its unique values. Added by `zerogen resource Photo photos`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn photos_row(db: &Db, n: u32) -> blog::photos::Photo {
    let values = blog::photos::example_values(n);
    let attrs = blog::photos::validate(&values).expect("valid example values");
    blog::photos::create(db, &zero_live::pubsub::Local::default(), &attrs)
        .await
        .expect("a photo row")
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

/// A album in the database (with a row of each table it references), the scope's user's; `n` varies
/// its unique values. Added by `zerogen resource Album albums`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn albums_row(db: &Db, scope: &zero_auth::Scope, n: u32) -> blog::albums::Album {
    let values = blog::albums::example_values(n);
    let attrs = blog::albums::validate(&values).expect("valid example values");
    blog::albums::create(scope, db, &zero_live::pubsub::Local::default(), &attrs)
        .await
        .expect("a album row")
}
