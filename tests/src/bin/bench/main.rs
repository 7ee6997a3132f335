//! The benchmark harness (`cargo run --release -p tests --bin bench`):
//! starts the API (the release build, with its baselines beside it) on the
//! embedded default and on PostgreSQL + Redis, warms up, measures P1–P6 of
//! BENCHMARKS.md, each against a baseline taken in the same run, and prints
//! one table.

mod flows;
mod load;
mod serve;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use load::{Shape, Target};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Service Delivery Hub benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Only these measures, e.g. `P1,P5` (all when not given).
    #[arg(long)]
    only: Option<String>,
    /// Which backends: `sqlite`, `postgres` or `both`.
    #[arg(long, default_value = "both")]
    backends: String,
    /// Seconds each measured load runs (warm-ups are a quarter of it).
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// PostgreSQL server for the second backend (a database is made and dropped).
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// Redis for the second backend (its own queue prefix).
    #[arg(
        long,
        env = "BENCH_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    redis_url: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Internal: the API with its baselines (started by the harness).
    #[command(hide = true)]
    Serve,
}

/// The JWT secret the harness and its server share (development mode).
const SECRET: &str = "bench-secret-bench-secret-bench-secret-0001";

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(Cmd::Serve) = cli.command {
        worker::process::init_logging(false);
        return worker::process::run_to_exit("bench serve", serve::run());
    }
    worker::process::run_to_exit("bench", run(cli))
}

/// One row of the table.
pub struct Row {
    pub backend: &'static str,
    pub id: &'static str,
    pub measure: String,
    pub figure: String,
    pub goal: String,
    pub met: Option<bool>,
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("bench: this is a debug build; figures mean little (use --release)");
    }
    let oha = load::oha()?;
    let mut rows = Vec::new();
    let wanted = |name: &str| cli.backends == "both" || cli.backends == name;
    if wanted("sqlite") {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        let vars = vec![
            ("DATABASE_URL".to_owned(), url.clone()),
            ("DATA_DIR".to_owned(), dir.path().display().to_string()),
        ];
        rows.extend(measure("SQLite", &oha, &cli, vars, &url).await?);
    }
    if wanted("postgres") {
        match flows::postgres_database(&cli.database_url, &cli.redis_url).await {
            Ok((url, cleanup)) => {
                let prefix = format!("bench{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
                let vars = vec![
                    ("DATABASE_URL".to_owned(), url.clone()),
                    ("REDIS_URL".to_owned(), cli.redis_url.clone()),
                    ("QUEUE_PREFIX".to_owned(), prefix),
                ];
                let result = measure("PostgreSQL+Redis", &oha, &cli, vars, &url).await;
                cleanup.drop_database().await;
                rows.extend(result?);
            }
            Err(e) => eprintln!("bench: PostgreSQL + Redis skipped: {e:#}"),
        }
    }
    print_table(&rows);
    Ok(())
}

/// Where the API answers and the ADMIN token the harness calls it with.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base)
    }
}

/// The API under measurement: a child process running `bench serve`.
pub struct Server {
    child: Child,
    pub api: Api,
}

impl Server {
    fn start(vars: &[(String, String)], smtp: &str) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("METRICS_ADDR", "127.0.0.1:0")
            .env("JWT_SECRET", SECRET)
            .env(
                "LINK_SIGNING_KEY",
                "bench-link-key-bench-link-key-bench-0001",
            )
            .env("SMTP_URL", smtp)
            .env("SELLER_ABN", "51 824 753 556")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        // BENCH_SERVE_X=v sets the server's X (to try a setting).
        for (k, v) in std::env::vars() {
            if let Some(name) = k.strip_prefix("BENCH_SERVE_") {
                cmd.env(name, v);
            }
        }
        let child = cmd.spawn().context("starting bench serve")?;
        let token = api::auth::issue_token(
            SECRET,
            "bench-admin",
            domain::Role::Admin,
            None,
            chrono::Utc::now(),
            chrono::Duration::days(1),
        );
        Ok(Server {
            child,
            api: Api {
                base: format!("http://127.0.0.1:{port}"),
                token,
            },
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn ready(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("bench serve exited: {status}");
            }
            if client
                .get(format!("{}/healthz", self.api.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("bench serve did not answer /healthz in 120 s")
    }

    /// Resident memory of the server process, in MiB.
    pub fn rss_mib(&self) -> f64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM: a graceful stop, so the worker lets its jobs go.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ratio_row(
    backend: &'static str,
    id: &'static str,
    what: &str,
    measured: f64,
    baseline: f64,
    goal: f64,
) -> Row {
    let ratio = measured / baseline;
    Row {
        backend,
        id,
        measure: what.to_owned(),
        figure: format!("{measured:.0} / {baseline:.0} req/s = {ratio:.2}"),
        goal: format!("≥ {goal}"),
        met: Some(ratio >= goal),
    }
}

async fn measure(
    backend: &'static str,
    oha: &std::path::Path,
    cli: &Cli,
    vars: Vec<(String, String)>,
    database_url: &str,
) -> anyhow::Result<Vec<Row>> {
    eprintln!("bench: {backend}: starting");
    let sink = tests::smtp::SmtpSink::start().await;
    let mut server = Server::start(&vars, &sink.url())?;
    server.ready().await?;
    let api = server.api.clone();
    let db = flows::connect(database_url).await?;
    let seeded = flows::seed(&api).await?;
    let secs = cli.seconds;
    let warm = (secs / 4).max(1);
    let closed = |seconds| Shape::Closed {
        connections: 16,
        seconds,
    };
    let mut rows = Vec::new();
    let want = |id: &str| {
        cli.only
            .as_ref()
            .is_none_or(|o| o.split(',').any(|x| x.trim().eq_ignore_ascii_case(id)))
    };

    if want("P5") {
        // P5 first, on an idle pipeline: the orders of P3 and P4 leave
        // thousands of emails queued behind them.
        // P5: outbox → queue → worker → SMTP.
        let mail = flows::notifications(&api, &db, &sink, 1000).await?;
        rows.push(Row {
            backend,
            id: "P5",
            measure: "welcome emails: messages/s to SMTP; enqueue→accept p50 / p99".into(),
            figure: format!(
                "{:.0} msg/s ({} sent, created at {:.0}/s); {:.0} / {:.0} ms",
                mail.per_sec, mail.count, mail.created_per_sec, mail.p50_ms, mail.p99_ms
            ),
            goal: if backend == "SQLite" {
                "(goal is for Redis)".into()
            } else {
                "≥ 500 msg/s".into()
            },
            met: (backend != "SQLite").then_some(mail.per_sec >= 500.0),
        });
    }
    if want("P1") {
        // P1: GraphQL overhead on `{ __typename }`.
        let typename = Target::graphql(
            api.graphql_url(),
            &api.token,
            r#"{"query":"{ __typename }"}"#.into(),
        );
        let bare = Target::get(format!("{}/bench/typename", api.base));
        load::run(oha, &typename, &closed(warm))?;
        let graphql = load::run(oha, &typename, &closed(secs))?;
        load::run(oha, &bare, &closed(warm))?;
        let axum = load::run(oha, &bare, &closed(secs))?;
        rows.push(ratio_row(
            backend,
            "P1",
            "{ __typename } GraphQL ÷ bare axum",
            graphql.requests_per_sec,
            axum.requests_per_sec,
            0.6,
        ));
    }
    // P2, P3 and P6 share the closed-loop maximum of the order read.
    if want("P2") || want("P3") || want("P6") {
        // P2: order(id) with 20 lines, allocations and customer.
        let order_query = Target::graphql(
            api.graphql_url(),
            &api.token,
            flows::order_read_body(&seeded.order_id),
        );
        let order_bare = Target::get(format!("{}/bench/order/{}", api.base, seeded.order_id));
        flows::check_same_answer(&api, &seeded.order_id).await?;
        load::run(oha, &order_query, &closed(warm))?;
        let order_graphql = load::run(oha, &order_query, &closed(secs))?;
        load::run(oha, &order_bare, &closed(warm))?;
        let order_axum = load::run(oha, &order_bare, &closed(secs))?;
        rows.push(ratio_row(
            backend,
            "P2",
            "order(id), 20 lines ÷ hand-written axum",
            order_graphql.requests_per_sec,
            order_axum.requests_per_sec,
            0.6,
        ));
        let statements = flows::statements_per_order_read(&api, &seeded.order_id).await?;
        rows.push(Row {
            backend,
            id: "P2",
            measure: "SQL statements per order(id)".into(),
            figure: statements.to_string(),
            goal: "≤ 4".into(),
            met: Some(statements <= 4),
        });

        // P6 at rest, then P3 with P6 sampled under it.
        let rest = server.rss_mib();
        let peak = std::sync::Arc::new(std::sync::Mutex::new(rest));
        let sampling = flows::sample_rss(server.pid(), peak.clone());
        let read = load::run(
            oha,
            &order_query,
            &Shape::Open {
                rate: order_graphql.requests_per_sec / 2.0,
                connections: 64,
                seconds: secs,
            },
        )?;
        rows.push(latency_row(
            backend,
            "read order(id)",
            order_graphql.requests_per_sec / 2.0,
            &read,
            Some(10.0),
        ));
        let place = Target::graphql(
            api.graphql_url(),
            &api.token,
            flows::place_order_body(&seeded),
        );
        let before = flows::order_count(&db).await?;
        load::run(oha, &place, &closed(warm))?;
        let place_max = load::run(oha, &place, &closed(secs))?;
        let between = flows::order_count(&db).await?;
        let placed = load::run(
            oha,
            &place,
            &Shape::Open {
                rate: place_max.requests_per_sec / 2.0,
                connections: 64,
                seconds: secs,
            },
        )?;
        let after = flows::order_count(&db).await?;
        // An answer of 200 without an order (userErrors) is an error too.
        let mut placed = placed;
        placed.errors += placed.ok.saturating_sub(after - between);
        let _ = before;
        rows.push(latency_row(
            backend,
            "placeOrder",
            place_max.requests_per_sec / 2.0,
            &placed,
            None,
        ));
        sampling.abort();
        let peak = *peak.lock().unwrap();
        rows.push(Row {
            backend,
            id: "P6",
            measure: "api resident memory, at rest / peak under P3".into(),
            figure: format!("{rest:.0} MiB / {peak:.0} MiB"),
            goal: "≤ 150 MB under load".into(),
            met: Some(peak * 1.048_576 <= 150.0),
        });
    }
    if want("P4") {
        // P4: contention on 10 hot SKUs.
        let contention = flows::contention(&api, &db, &seeded, Duration::from_secs(secs)).await?;
        let sql = flows::sql_loop(&db, Duration::from_secs(secs)).await?;
        let statements = flows::statements_per_place_and_reserve(&api, &seeded).await?;
        let ratio = contention.orders_per_sec / sql;
        rows.push(Row {
            backend,
            id: "P4",
            measure: "64 clients place+reserve on 10 hot SKUs ÷ plain SQL loop".into(),
            figure: format!(
                "{:.0} / {sql:.0} orders/s = {ratio:.2}; {} orders, {} reserved in full; {statements} statements per order (loop: 2)",
                contention.orders_per_sec, contention.orders, contention.reserved
            ),
            goal: "≥ 0.3".into(),
            met: Some(ratio >= 0.3),
        });
        rows.push(Row {
            backend,
            id: "P4",
            measure: "oversold units (stock checked against allocations)".into(),
            figure: contention.oversold.to_string(),
            goal: "0".into(),
            met: Some(contention.oversold == 0),
        });
    }
    drop(server);
    Ok(rows)
}

fn latency_row(
    backend: &'static str,
    what: &str,
    rate: f64,
    run: &load::Run,
    p99_goal: Option<f64>,
) -> Row {
    Row {
        backend,
        id: "P3",
        measure: format!("{what} at {rate:.0}/s (half the max), open loop"),
        figure: format!(
            "p50 {:.1} / p99 {:.1} / p99.9 {:.1} ms; {} errors",
            run.p50_ms, run.p99_ms, run.p999_ms, run.errors
        ),
        goal: match p99_goal {
            Some(g) => format!("p99 ≤ {g} ms, 0 errors"),
            None => "0 errors".into(),
        },
        met: Some(run.errors == 0 && p99_goal.is_none_or(|g| run.p99_ms <= g)),
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| Backend | # | Measure | Figure | Goal | Met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "—",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.backend, r.id, r.measure, r.figure, r.goal, met
        );
    }
}
