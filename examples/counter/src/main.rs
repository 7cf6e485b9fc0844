//! Serves the counter on 127.0.0.1 (port from `PORT`, default 4000) until Ctrl-C; with
//! `--endpoint`, behind the endpoint's layers and server as a generated app is. Policies come
//! from the framework's `security.toml`, or from the file named by `SECURITY_TOML`. Tokens are
//! signed with `SECRET_KEY_BASE` (at least 32 bytes) when set, so pages survive a restart and
//! rejoin; otherwise with a random key. The log goes to standard output as an app's does
//! (`RUST_LOG`, `LOG_FORMAT`; `zero_live::logs`).

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let _logs = match zero_live::logs::init() {
        Ok(guard) => guard,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e}");
            }
            return std::process::ExitCode::from(2);
        }
    };
    let port = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(4000u16);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let config = match std::env::var_os("SECURITY_TOML") {
        None => zero_live::LiveConfig::default(),
        Some(path) => {
            let loaded =
                std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|text| {
                    zero_live::LiveConfig::from_toml(&text).map_err(|e| e.to_string())
                });
            match loaded {
                Ok(config) => config,
                Err(e) => {
                    #[allow(clippy::print_stderr)]
                    {
                        eprintln!("error: {}: {e}", std::path::Path::new(&path).display());
                    }
                    return std::process::ExitCode::from(2);
                }
            }
        }
    };
    let signer = match std::env::var("SECRET_KEY_BASE") {
        Err(_) => zero_live::Signer::random(),
        Ok(secret) => match zero_live::Signer::new(secret.as_bytes()) {
            Ok(signer) => signer,
            Err(_) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!(
                        "error: SECRET_KEY_BASE is {} bytes; it needs at least 32\n\
                         help: generate one with `openssl rand -base64 48`",
                        secret.len()
                    );
                }
                return std::process::ExitCode::from(2);
            }
        },
    };
    let live = counter::builder(config).signer(signer).build();
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: cannot listen on {addr}: {e}");
            }
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!(url = %format!("http://{addr}/"), "serving the counter (Ctrl-C stops)");
    let stopper = live.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stopper.shutdown();
    });
    let served = if std::env::args().any(|a| a == "--endpoint") {
        // As a generated app serves: behind the endpoint's layers (request ids, compression,
        // metrics, the host and client-address guard) and its server with the header timer.
        let endpoint = zero_live::Endpoint { port, ..zero_live::Endpoint::default() };
        let router = endpoint.wrap(live.router(), &live);
        match listener.into_std() {
            Ok(listener) => endpoint.serve_on(listener, &live, router).await,
            Err(e) => Err(e),
        }
    } else {
        let waiter = live.clone();
        axum::serve(listener, live.router())
            .with_graceful_shutdown(async move { waiter.shutdown_requested().await })
            .await
    };
    live.drained(std::time::Duration::from_secs(5)).await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e}");
            }
            std::process::ExitCode::from(1)
        }
    }
}
