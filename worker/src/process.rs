//! What the `api` and `worker` binaries share as processes: reading the
//! configuration, logging set-up and the shutdown signal.

use config::Config;
use std::process::ExitCode;

/// Read the configuration (an optional `.env` file may set the same keys;
/// the real environment wins). A bad value is one line on stderr and exit
/// code 2, before anything is created or connected.
pub fn load_config() -> Result<Config, ExitCode> {
    let _ = dotenvy::dotenv();
    Config::from_env().map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
}

/// Logging for `config`, then one loud warning per development default.
pub fn init(config: &Config) {
    init_logging(config.is_production());
    for secret in &config.defaulted_secrets {
        tracing::warn!(
            "!!! {} is not set: using a development default. Never run like this in production !!!",
            secret.0
        );
    }
}

/// Each runtime thread's stack: a debug build's GraphQL resolver futures
/// (nested under the merged Query/Mutation roots) need more than tokio's
/// 2 MiB default; release builds use far less.
const THREAD_STACK: usize = 16 * 1024 * 1024;

/// Run a binary's main work on a new async runtime: success is exit 0, a
/// failure is logged, printed as one line after `name` and exit 1.
pub fn run_to_exit(
    name: &str,
    work: impl std::future::Future<Output = anyhow::Result<()>>,
) -> ExitCode {
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))
        .and_then(|runtime| runtime.block_on(work));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr: JSON in production, human-readable otherwise.
pub fn init_logging(json: bool) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if json {
        tracing_subscriber::fmt()
            .json()
            .with_writer(std::io::stderr)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_env_filter(filter)
            .init();
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight work");
}
