//! `api`: serves GraphQL (and, in embedded mode, runs the worker in-process).

use clap::{Parser, Subcommand};
use config::Config;
use domain::SystemClock;
use std::process::ExitCode;
use std::sync::Arc;

/// Service Delivery Hub API server.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GraphQL on BIND_ADDR (the default command).
    Serve,
    /// Print the GraphQL schema (SDL) to stdout.
    PrintSchema,
    /// Print a bearer token the server with the same JWT_SECRET accepts
    /// (development only: refused with APP_ENV=production).
    IssueToken {
        /// ADMIN, PROJECT_MANAGER, DELIVERY_TEAM, QA_LEAD, FULFILMENT, FINANCE, COMPLIANCE or CUSTOMER.
        #[arg(long)]
        role: String,
        /// The token's subject (a user id, or any name).
        #[arg(long)]
        subject: String,
        /// Customer id, required with --role CUSTOMER.
        #[arg(long)]
        party: Option<String>,
    },
    /// Create one login per role and two customers with logins (idempotent;
    /// development only: refused with APP_ENV=production).
    SeedDemo,
}

impl Command {
    /// Development tools that would hand out power in production: a token
    /// for any subject, or logins with a password published in this
    /// repository.
    fn refusal_in_production(&self) -> Option<&'static str> {
        match self {
            Command::IssueToken { .. } => Some(
                "issue-token: refused with APP_ENV=production (a development tool; sign in with the login mutation)",
            ),
            Command::SeedDemo => Some(
                "seed-demo: refused with APP_ENV=production (demo logins share a published password)",
            ),
            Command::Serve | Command::PrintSchema => None,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", api::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match worker::process::load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if config.is_production()
        && let Some(refusal) = cli
            .command
            .as_ref()
            .and_then(Command::refusal_in_production)
    {
        eprintln!("{refusal}");
        return ExitCode::from(2);
    }
    if let Some(Command::IssueToken {
        role,
        subject,
        party,
    }) = &cli.command
    {
        return issue_token(&config, role, subject, party.as_deref());
    }
    worker::process::init(&config);
    let work = async {
        match cli.command {
            Some(Command::SeedDemo) => seed_demo(config).await,
            _ => serve(config).await,
        }
    };
    worker::process::run_to_exit("api", work)
}

fn issue_token(config: &Config, role: &str, subject: &str, party: Option<&str>) -> ExitCode {
    let role: domain::Role = match role.parse() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("--role: {e}");
            return ExitCode::from(2);
        }
    };
    let party = match party.map(uuid::Uuid::parse_str).transpose() {
        Ok(p) => p,
        Err(_) => {
            eprintln!("--party: not a customer id");
            return ExitCode::from(2);
        }
    };
    if role == domain::Role::Customer && party.is_none() {
        eprintln!("--party: required with --role CUSTOMER");
        return ExitCode::from(2);
    }
    let token = api::auth::issue_token(
        &config.jwt_secret,
        subject,
        role,
        party,
        chrono::Utc::now(),
        config.jwt_ttl,
    );
    println!("{token}");
    ExitCode::SUCCESS
}

async fn seed_demo(config: Config) -> anyhow::Result<()> {
    let state = api::prepare(config, Arc::new(SystemClock)).await?;
    let logins = api::demo::seed(&state.db, state.clock.clone()).await?;
    println!(
        "Demo logins (password for all: {}):",
        api::demo::DEMO_PASSWORD
    );
    for login in logins {
        match login.customer {
            Some(c) => println!(
                "  {:<16} {:<40} customer {c}",
                login.role.as_str(),
                login.email
            ),
            None => println!("  {:<16} {}", login.role.as_str(), login.email),
        }
    }
    println!(
        "Sign in: mutation {{ login(input: {{ email: \"admin@demo.hub.test\", password: \"{}\" }}) {{ token }} }}",
        api::demo::DEMO_PASSWORD
    );
    println!("then send the token as 'Authorization: Bearer <token>'.");
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind_addr;
    let state = api::prepare(config, Arc::new(SystemClock)).await?;
    let worker = api::app::start_embedded_worker(&state).await?;
    let metrics = api::app::start_metrics(&state).await?;
    tracing::info!("metrics at http://{}/metrics", metrics.addr);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind} (BIND_ADDR): {e}"))?;
    let addr = listener.local_addr()?;
    tracing::info!("GraphQL at http://{addr}/graphql");
    api::app::serve(listener, state, worker::process::shutdown_signal()).await?;
    if let Some(worker) = worker {
        worker.stop().await;
    }
    metrics.stop().await;
    tracing::info!("stopped");
    Ok(())
}
