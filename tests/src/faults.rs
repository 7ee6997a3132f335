//! Fault injection for the fault tests (`tests/tests/faults.rs`): a
//! throw-away PostgreSQL cluster and a private `redis-server`, each on a port
//! of its own so the test can stop and start it while the shared services
//! stay up for every other test; real `worker` processes; and what a client
//! saw of each request (answered, refused with a code, or cut off).

use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TCP port nothing listens on right now (the OS picks it; the server
/// started next binds it, so a race with another process is possible but
/// rare).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Run a command to completion; panics with its output when it fails.
fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL cluster of its own (`pg_createcluster` on a free port,
/// trust authentication on loopback), dropped with its data on drop.
pub struct PgCluster {
    version: String,
    name: String,
    port: u16,
}

impl PgCluster {
    /// Create and start a cluster of the installed PostgreSQL version.
    pub fn create() -> PgCluster {
        let version = std::fs::read_dir("/etc/postgresql")
            .expect("PostgreSQL's cluster tools (/etc/postgresql)")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .max()
            .expect("an installed PostgreSQL version");
        // Stray clusters of a killed run are easy to find by this prefix.
        let name = format!(
            "hubfault_{}",
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        );
        let port = free_port();
        run(
            "pg_createcluster",
            &[
                &version,
                &name,
                "-p",
                &port.to_string(),
                "--",
                "--auth=trust",
            ],
        );
        let cluster = PgCluster {
            version,
            name,
            port,
        };
        cluster.start();
        cluster
    }

    /// The URL of its `postgres` database (the app migrates it).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn ctl(&self, action: &str) {
        run(
            "pg_ctlcluster",
            &[
                "--skip-systemctl-redirect",
                &self.version,
                &self.name,
                action,
            ],
        );
    }

    /// Stop it (fast shutdown: open sessions are ended, in-flight
    /// transactions roll back). Returns once it is down.
    pub fn stop(&self) {
        self.ctl("stop");
    }

    /// Start it; returns once it accepts connections.
    pub fn start(&self) {
        self.ctl("start");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new("pg_dropcluster")
            .args(["--stop", &self.version, &self.name])
            .output();
    }
}

/// A `redis-server` of its own on a free port, without persistence, that
/// can be stopped and started again on the same port (empty, as a crashed
/// server without persistence comes back). Killed on drop.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let mut server = RedisServer {
            port: free_port(),
            child: None,
        };
        server.start_again();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kill it (SIGKILL: an outage, not a maintenance window).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it on its port; returns once it answers PING.
    pub fn start_again(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.answers_ping() {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last lines a child process logged, for failure messages.
#[derive(Clone, Default)]
pub struct LogTail(Arc<Mutex<VecDeque<String>>>);

impl LogTail {
    const KEEP: usize = 200;

    /// Read `from` on a thread of its own (so the pipe never fills),
    /// keeping the last lines.
    pub fn follow(from: impl Read + Send + 'static) -> LogTail {
        let tail = LogTail::default();
        let lines = tail.0.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines().map_while(Result::ok) {
                let mut lines = lines.lock().unwrap_or_else(|e| e.into_inner());
                if lines.len() == Self::KEEP {
                    lines.pop_front();
                }
                lines.push_back(line);
            }
        });
        tail
    }

    /// The kept lines, one per line.
    pub fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

/// A running `worker` binary with only PATH and `vars` in its environment;
/// killed on drop.
pub struct WorkerProcess {
    child: Child,
    pub logs: LogTail,
}

impl WorkerProcess {
    pub fn start<K: AsRef<str>, V: AsRef<str>>(vars: &[(K, V)]) -> WorkerProcess {
        let mut cmd = Command::new(crate::worker_binary());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k.as_ref(), v.as_ref());
        }
        let mut child = cmd.spawn().expect("start worker");
        let logs = LogTail::follow(child.stderr.take().expect("stderr"));
        WorkerProcess { child, logs }
    }

    /// SIGKILL: no chance to finish or hand anything back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Has it exited (and how)?
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait for the worker")
    }

    /// SIGTERM, then wait (up to 40 s) for its exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(exit) = self.exited() {
                return exit;
            }
            assert!(
                Instant::now() < deadline,
                "worker did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a client saw of one GraphQL request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Answered without errors: the payload of the operation's field.
    Answered(Value),
    /// Refused inside the payload (userErrors), with their codes.
    Refused(Vec<String>),
    /// A top-level error carrying `extensions.code`.
    Coded {
        status: u16,
        code: String,
        message: String,
    },
    /// An error without a code, or a body that is not a GraphQL response.
    Uncoded { status: u16, body: String },
    /// No answer: refused connection, reset, or no reply within the client's
    /// timeout.
    Cut(String),
}

impl Outcome {
    /// The answered payload, if any.
    pub fn answered(&self) -> Option<&Value> {
        match self {
            Outcome::Answered(v) => Some(v),
            _ => None,
        }
    }
}

/// POST `{query, variables}` to `{base_url}/graphql` and classify what came
/// back. `field` is the operation's root field.
pub async fn request(
    client: &reqwest::Client,
    base_url: &str,
    token: &str,
    headers: &[(&str, &str)],
    document: &str,
    field: &str,
    variables: Value,
) -> Outcome {
    let mut request = client
        .post(format!("{base_url}/graphql"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": document, "variables": variables }));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Outcome::Cut(e.to_string()),
    };
    let status = response.status().as_u16();
    let text = match response.text().await {
        Ok(t) => t,
        Err(e) => return Outcome::Cut(e.to_string()),
    };
    let Ok(body) = serde_json::from_str::<Value>(&text) else {
        return Outcome::Uncoded { status, body: text };
    };
    if let Some(error) = body["errors"].get(0) {
        return match error["extensions"]["code"].as_str() {
            Some(code) => Outcome::Coded {
                status,
                code: code.to_owned(),
                message: error["message"].as_str().unwrap_or_default().to_owned(),
            },
            None => Outcome::Uncoded { status, body: text },
        };
    }
    let payload = body["data"][field].clone();
    if payload.is_null() {
        return Outcome::Uncoded { status, body: text };
    }
    let codes: Vec<String> = payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    if codes.is_empty() {
        Outcome::Answered(payload)
    } else {
        Outcome::Refused(codes)
    }
}

/// Words that must never reach a client in an error message: the cause of
/// an INTERNAL error stays in the log.
pub fn leaks_internals(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "sql",
        "database",
        "pool",
        "connection",
        "postgres",
        "redis",
        "select ",
        "insert ",
        "panicked",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Document numbers `PREFIX-000001`… as integers, sorted; panics on one of
/// another form.
pub fn document_numbers<'a>(prefix: &str, numbers: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    let mut parsed: Vec<u64> = numbers
        .into_iter()
        .map(|n| {
            n.strip_prefix(prefix)
                .and_then(|n| n.strip_prefix('-'))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{n} is not a {prefix} number"))
        })
        .collect();
    parsed.sort_unstable();
    parsed
}

/// How many numbers are missing from 1..=max (0 for a gapless series; a
/// repeated number shows as a gap too, since the count no longer matches).
pub fn gaps(sorted: &[u64]) -> u64 {
    let max = sorted.last().copied().unwrap_or(0);
    let distinct = {
        let mut d = sorted.to_vec();
        d.dedup();
        d.len() as u64
    };
    (max - distinct) + (sorted.len() as u64 - distinct)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn counts_gaps_and_repeats() {
        assert_eq!(gaps(&[]), 0);
        assert_eq!(gaps(&[1, 2, 3]), 0);
        assert_eq!(gaps(&[1, 3]), 1);
        assert_eq!(gaps(&[2, 3]), 1);
        assert_eq!(gaps(&[1, 2, 2, 3]), 1);
        assert_eq!(
            document_numbers("SO", ["SO-000002", "SO-000001"]),
            vec![1, 2]
        );
    }

    #[test]
    fn spots_internals_in_messages() {
        assert!(leaks_internals(
            "error returned from database: connection refused"
        ));
        assert!(leaks_internals("pool timed out while waiting"));
        assert!(!leaks_internals(
            "internal error (request id 0190b1a2-7c4e-7000-8000-000000000000)"
        ));
    }
}
