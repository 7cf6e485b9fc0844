//! Serves Blog: `spec/endpoint.toml` says where (`HOST` and `PORT` override),
//! `spec/security.toml` what is enforced, `spec/database.toml` which database (`DATABASE_URL`
//! overrides), `SECRET_KEY_BASE` signs the tokens. The three files are built into the binary;
//! a folder named by `CONFIG_DIR` may hold replacements. `migrate` applies the migrations
//! and exits, `rollback-migration` reverts the newest by its down file (`--step N`,
//! `--to VERSION`) and exits, `check-config` checks the configuration and exits (1 when it is wrong), `version`
//! prints the version; `--help` lists them. The log goes to standard output: `RUST_LOG`
//! chooses what (default `info`: a line a request), `LOG_FORMAT` how (`text`, or `json` lines;
//! unset, a debug build writes text and a release build JSON).

use std::process::ExitCode;

use blog::web;

/// The server's allocator. A request allocates many short-lived values (the page, its
/// headers, tokens); mimalloc serves them from per-thread pages, about a fifth more pages per
/// second than the system allocator on the home page (docs/adr/0014). Tests use the system's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The app's name, as people read it.
const TITLE: &str = "Blog";

#[tokio::main]
async fn main() -> ExitCode {
    use zero_live::command::AppCommand;
    let program = env!("CARGO_PKG_NAME");
    let command = match zero_live::command::parse(program, std::env::args().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{e}");
            }
            return ExitCode::from(2);
        }
    };
    match command {
        AppCommand::Help => {
            #[allow(clippy::print_stdout)]
            {
                let about = format!("{TITLE}: a 0x0 Live app");
                print!("{}", zero_live::command::help(program, &about));
            }
            return ExitCode::SUCCESS;
        }
        AppCommand::Version => {
            #[allow(clippy::print_stdout)]
            {
                println!("{program} {}", env!("CARGO_PKG_VERSION"));
            }
            return ExitCode::SUCCESS;
        }
        AppCommand::Serve
        | AppCommand::Migrate
        | AppCommand::RollbackMigration { .. }
        | AppCommand::CheckConfig => {}
    }
    let _logs = match zero_live::logs::init() {
        Ok(guard) => guard,
        Err(e) => return failed(&e.to_string(), 2),
    };
    let env = |name: &str| std::env::var(name).ok();
    match command {
        AppCommand::CheckConfig => match web::Config::load(env) {
            Ok(config) => {
                #[allow(clippy::print_stdout)]
                {
                    println!(
                        "ok: serves on {}, database {}",
                        config.endpoint.local_url(),
                        zero_db::redact(&config.database_url)
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => failed(&e, 1),
        },
        AppCommand::Migrate => match web::Config::load(env) {
            Ok(config) => match web::database(&config.database_url).await {
                Ok(_) => {
                    tracing::info!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => failed(&e, 2),
            },
            Err(e) => failed(&e, 2),
        },
        AppCommand::RollbackMigration { steps, to } => match web::Config::load(env) {
            Ok(config) => {
                let to = match to {
                    Some(version) => zero_db::Rollback::To(version),
                    None => zero_db::Rollback::Steps(steps),
                };
                rollback(&config.database_url, to).await
            }
            Err(e) => failed(&e, 2),
        },
        _ => serve().await,
    }
}

/// Reverts migrations by their down files and says which (1 when one cannot be reverted).
async fn rollback(url: &str, to: zero_db::Rollback) -> ExitCode {
    let db = match zero_db::Db::connect(url).await {
        Ok(db) => db,
        Err(e) => return failed(&e.to_string(), 2),
    };
    let migrations = match web::migrations() {
        Ok(migrations) => migrations,
        Err(e) => return failed(&e.to_string(), 2),
    };
    match db.rollback(&migrations, to).await {
        Ok(reverted) => {
            #[allow(clippy::print_stdout)]
            {
                if reverted.is_empty() {
                    println!("nothing to roll back");
                }
                for m in reverted {
                    println!("reverted {} ({})", m.version, m.description);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e.to_string(), 1),
    }
}

/// Loads the app (its database migrated) and serves it until Ctrl-C or SIGTERM.
async fn serve() -> ExitCode {
    let app = match web::App::load().await {
        Ok(app) => app,
        Err(e) => return failed(&e, 2),
    };
    tracing::info!(url = %app.endpoint.local_url(), "serving {TITLE} (Ctrl-C stops)");
    match app.serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e.to_string(), 1),
    }
}

/// Writes `error: MESSAGE` to stderr; the exit code.
fn failed(message: &str, code: u8) -> ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("error: {message}");
    }
    ExitCode::from(code)
}
