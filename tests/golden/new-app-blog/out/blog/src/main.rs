//! Serves Blog: `spec/endpoint.toml` says where (`HOST` and `PORT` override),
//! `spec/security.toml` what is enforced, `spec/database.toml` which database (`DATABASE_URL`
//! overrides), `SECRET_KEY_BASE` signs the tokens. The three files are built into the binary;
//! a folder named by `CONFIG_DIR` may hold replacements. The log goes to standard output: `RUST_LOG`
//! chooses what (default `info`: a line a request), `LOG_FORMAT` how (`text`, or `json` lines;
//! unset, a debug build writes text and a release build JSON).

use std::process::ExitCode;

use blog::web::App;

/// The server's allocator. A request allocates many short-lived values (the page, its
/// headers, tokens); mimalloc serves them from per-thread pages, about a fifth more pages per
/// second than the system allocator on the home page (docs/adr/0014). Tests use the system's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The app's name, as people read it.
const TITLE: &str = "Blog";

#[tokio::main]
async fn main() -> ExitCode {
    let _logs = match zero_live::logs::init() {
        Ok(guard) => guard,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e}");
            }
            return ExitCode::from(2);
        }
    };
    let app = match App::load().await {
        Ok(app) => app,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e}");
            }
            return ExitCode::from(2);
        }
    };
    tracing::info!(url = %app.endpoint.local_url(), "serving {TITLE} (Ctrl-C stops)");
    match app.serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e}");
            }
            ExitCode::from(1)
        }
    }
}
