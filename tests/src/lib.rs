//! End-to-end test support: the app in-process on port 0 against a fresh
//! database (a SQLite file per test, or a PostgreSQL database created for the
//! test and dropped after it), typed GraphQL helpers, and the real binaries
//! for process-level tests.

pub mod contract;
pub mod courier;
pub mod engagements;
pub mod faults;
pub mod fulfil;
pub mod kit;
pub mod purchasing;
pub mod returns;
pub mod services;
pub mod shop;
pub mod smtp;
pub mod support;
pub mod sweeps;
pub mod webhooks;

pub use domain::Role;
pub use kit::*;

use api::RunningApp;
use chrono::{DateTime, Utc};
use config::Config;
use domain::{Clock, ManualClock};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Where this test's data lives; cleaned up on drop.
pub enum TestDatabase {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh PostgreSQL database on the server at `admin_url`; returns its URL.
    pub async fn create_postgres(admin_url: &str) -> (String, TestDatabase) {
        let name = format!("hub_test_{}", uuid::Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(admin_url)
            .await
            .expect("TEST_DATABASE_URL must reach a PostgreSQL server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let url = replace_database(admin_url, &name);
        (
            url,
            TestDatabase::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        )
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async; use a private runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(db) = sea_orm::Database::connect(&admin_url).await {
                        let _ = db
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub app: RunningApp,
    pub base_url: String,
    pub clock: ManualClock,
    pub client: reqwest::Client,
    _data_dir: tempfile::TempDir,
    // Last: dropped after the app so the database outlives its pool.
    _database: TestDatabase,
}

/// Print the server's errors (an INTERNAL's cause) beside the test that met
/// them: libtest shows a test's output only when it fails. `TEST_LOG` sets
/// the filter (default `error`).
fn show_server_errors() {
    let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_test_writer()
        .try_init();
}

/// The instant every test clock starts at (a Monday, 10:00 in Sydney).
pub fn test_epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+11:00")
        .expect("valid")
        .with_timezone(&Utc)
}

impl TestApp {
    /// Start the app on the configured backend (see `services`).
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Start the app with extra configuration keys and a worker running (its
    /// own in production mode), kept alive by the guard returned with it.
    pub async fn spawn_with_worker(
        extra: &[(&str, &str)],
    ) -> (TestApp, Option<worker::RunningWorker>) {
        let app = Self::spawn_with(extra).await;
        let worker = app.ensure_worker().await;
        (app, worker)
    }

    /// Start the app with extra configuration keys.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        show_server_errors();
        let mut vars: HashMap<String, String> = HashMap::new();
        let database = match services::postgres_url() {
            Some(admin_url) => {
                let (url, database) = TestDatabase::create_postgres(&admin_url).await;
                let TestDatabase::Postgres { name, .. } = &database else {
                    unreachable!()
                };
                let name = name.clone();
                let redis = services::redis_url()
                    .expect("TEST_DATABASE_URL needs TEST_REDIS_URL: PostgreSQL runs with Redis");
                vars.insert("DATABASE_URL".into(), url);
                vars.insert("REDIS_URL".into(), redis);
                vars.insert("QUEUE_PREFIX".into(), format!("test:{name}"));
                database
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                vars.insert(
                    "DATABASE_URL".into(),
                    format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display()),
                );
                TestDatabase::Sqlite { _dir: dir }
            }
        };
        let data_dir = tempfile::tempdir().expect("temp dir");
        vars.insert("DATA_DIR".into(), data_dir.path().display().to_string());
        vars.insert("BIND_ADDR".into(), "127.0.0.1:0".into());
        vars.insert("METRICS_ADDR".into(), "127.0.0.1:0".into());
        // Quick relay and recovery, so tests do not wait on production pacing.
        vars.insert("RELAY_INTERVAL_MS".into(), "50".into());
        vars.insert("SWEEP_INTERVAL_MS".into(), "200".into());
        vars.insert("EMAIL_RETRY_BASE_MS".into(), "200".into());
        vars.insert("RECOVERY_AFTER_MS".into(), "3000".into());
        // A GST-registered seller with an ABN, so reserved orders are invoiced.
        vars.insert("SELLER_ABN".into(), "51 824 753 556".into());
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration");
        let clock = ManualClock::new(test_epoch());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let app = api::start(config, Arc::new(clock.clone()), listener)
            .await
            .expect("app starts");
        TestApp {
            base_url: format!("http://{}", app.addr),
            app,
            clock,
            client: reqwest::Client::new(),
            _data_dir: data_dir,
            _database: database,
        }
    }

    /// The app as production runs it (its secrets `secret`, SMTP and a
    /// public address set) with one ADMIN login created through the domain:
    /// in production a token must name a login. The app and the login's id.
    pub async fn spawn_production(secret: &str) -> (TestApp, String) {
        let app = Self::spawn_with(&[
            ("APP_ENV", "production"),
            ("SMTP_URL", "smtps://mailer:pw@mail.example.com.au"),
            ("PUBLIC_BASE_URL", "https://hub.example.com.au"),
            ("JWT_SECRET", secret),
            ("LINK_SIGNING_KEY", secret),
        ])
        .await;
        let ctx = app.system_ctx();
        let user = domain::users::create(
            app.db(),
            &ctx,
            &domain::users::NewUserInput {
                email: "ops@hub.example.com.au".into(),
                password: "correct horse battery".into(),
                role: Role::Admin,
                party_id: None,
            },
            None,
        )
        .await
        .expect("create a login")
        .value;
        (app, user.id.to_string())
    }

    /// A token the app accepts, for a development subject with `role`.
    pub fn token_for(&self, role: Role, party: Option<uuid::Uuid>) -> String {
        api::auth::issue_token(
            &self.app.state.config.jwt_secret,
            &format!("test-{}", role.as_str().to_lowercase()),
            role,
            party,
            self.clock.now(),
            // Long enough that tests moving the clock keep their caller.
            chrono::Duration::days(365),
        )
    }

    /// POST as a given caller (`None`: no token).
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        match token {
            Some(token) => self.with_token(token),
            None => self.anonymous(),
        }
        .post(query, variables)
        .await
    }

    /// Start another worker on this app's database and queues (production
    /// mode has none in-process; embedded mode has one already).
    pub async fn start_worker(&self) -> worker::RunningWorker {
        worker::start(
            self.app.state.config.clone(),
            self.app.state.db.clone(),
            Arc::new(self.clock.clone()),
            self.worker_broker().await,
        )
        .await
        .expect("worker starts")
    }

    /// The live-update broker a worker started here listens on: the app's own
    /// in embedded mode (one process), its own Redis connection in production
    /// mode, as a separate `worker` process would have.
    async fn worker_broker(&self) -> api::broker::Broker {
        if self.has_embedded_worker() {
            self.app.state.broker.clone()
        } else {
            worker::runtime::connect_broker(&self.app.state.config)
                .await
                .expect("worker connects to Redis")
        }
    }

    /// A worker for apps whose mode runs none in-process (PostgreSQL +
    /// Redis); keep it alive for the test. Embedded mode has one already.
    pub async fn ensure_worker(&self) -> Option<worker::RunningWorker> {
        if self.has_embedded_worker() {
            None
        } else {
            Some(self.start_worker().await)
        }
    }

    /// Is a worker already running inside the app (embedded mode)?
    pub fn has_embedded_worker(&self) -> bool {
        matches!(
            self.app.state.config.backend,
            config::Backend::Embedded { .. }
        )
    }

    /// `(DATABASE_URL, REDIS_URL)` when the app runs on PostgreSQL + Redis.
    pub fn production_urls(&self) -> Option<(String, String)> {
        match &self.app.state.config.backend {
            config::Backend::Production {
                database_url,
                redis_url,
            } => Some((database_url.clone(), redis_url.clone())),
            _ => None,
        }
    }

    /// Where the file transport writes `.eml` files.
    pub fn mail_dir(&self) -> std::path::PathBuf {
        self.app.state.config.data_dir.join("mail")
    }

    /// The raw email the file transport wrote with this Message-ID (as a
    /// SENT notification records it); wait for SENT before asking.
    pub fn email_with_id(&self, message_id: &str) -> Vec<u8> {
        eml_files(&self.mail_dir())
            .into_iter()
            .map(|f| std::fs::read(f).unwrap())
            .find(|raw| {
                let message = mail_parser::MessageParser::default().parse(raw).unwrap();
                message.message_id() == Some(message_id.trim_matches(['<', '>']))
            })
            .expect("the email was written")
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.app.state.db
    }

    /// POST a GraphQL operation as ADMIN and return the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with_headers(query, variables, &[]).await
    }

    pub async fn gql_with_headers(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let caller = headers
            .iter()
            .fold(self.admin(), |caller, (k, v)| caller.with_header(k, v));
        caller.post(query, variables).await
    }

    /// POST an operation that must succeed without top-level errors; returns `data`.
    pub async fn gql_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected GraphQL errors: {body:#}"
        );
        body["data"].clone()
    }

    /// Rows in a table, straight from the database.
    pub async fn count<E>(&self, entity: E) -> u64
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        let _ = entity;
        E::find().count(self.db()).await.expect("count rows")
    }
}

/// Same server, another database name.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if base[..i].contains("//") && i > base.find("//").unwrap_or(0) + 1 => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A running `api` binary, killed on drop.
pub struct ApiProcess {
    pub child: std::process::Child,
    pub base_url: String,
    /// Log lines after the start-up announcement.
    pub logs: std::sync::mpsc::Receiver<String>,
}

impl ApiProcess {
    /// Start `api` with only `vars` (plus PATH) in its environment and wait
    /// for it to announce its address. `BIND_ADDR` defaults to port 0.
    pub fn start(vars: &[(&str, &str)], dir: &std::path::Path) -> ApiProcess {
        use std::io::{BufRead, BufReader};
        let mut cmd = std::process::Command::new(api_binary());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("METRICS_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start api");
        let logs = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(logs).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let url = loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
                .expect("api announces its address");
            if let Some(i) = line.find("GraphQL at ") {
                break line[i + "GraphQL at ".len()..].trim().to_owned();
            }
        };
        ApiProcess {
            child,
            base_url: url.trim_end_matches("/graphql").to_owned(),
            logs: rx,
        }
    }

    /// Send SIGTERM and wait (up to 20 s) for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "api did not stop after SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for ApiProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `api` binary of this build, for tests where the process itself is the
/// subject (exit codes, signals). Built on demand when missing.
pub fn api_binary() -> std::path::PathBuf {
    binary("api")
}

/// The `worker` binary of this build.
pub fn worker_binary() -> std::path::PathBuf {
    binary("worker")
}

fn binary(name: &'static str) -> std::path::PathBuf {
    static CHECKED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let profile_dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .to_owned();
    let binary = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut checked = CHECKED.lock().unwrap_or_else(|e| e.into_inner());
    // `cargo test --workspace` builds both binaries (their packages have
    // integration tests). Building here with other features would rebuild
    // much of the dependency tree, so only do so when one is missing.
    if !checked.contains(&name) && !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = std::process::Command::new(cargo);
        build.args(["build", "-p", name, "--bin", name]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "building the {name} binary failed");
    }
    checked.push(name);
    binary
}

/// The `.eml` files in a mail folder (none when it does not exist yet).
pub fn eml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod unit {
    #[test]
    fn replaces_database_name_in_urls() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
