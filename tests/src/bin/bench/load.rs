//! Load through `oha` (a maintained HTTP load generator from crates.io):
//! closed loop for the most a route can take, open loop at a constant
//! arrival rate (latency corrected for coordinated omission) for latency.

use anyhow::{Context, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The oha release the harness installs when none is on PATH.
const OHA_VERSION: &str = "1.16.0";

/// `oha` on PATH, or one installed under `target/bench-tools` (once).
pub fn oha() -> anyhow::Result<PathBuf> {
    if let Ok(found) = which("oha") {
        return Ok(found);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-tools");
    let local = root.join("bin/oha");
    if local.exists() {
        return Ok(local);
    }
    eprintln!(
        "bench: installing oha {OHA_VERSION} into {} (once)",
        root.display()
    );
    let status = Command::new("cargo")
        .args([
            "install",
            "oha",
            "--locked",
            "--version",
            OHA_VERSION,
            "--root",
        ])
        .arg(&root)
        .status()
        .context("running cargo install oha")?;
    if !status.success() || !local.exists() {
        bail!("cargo install oha failed");
    }
    Ok(local)
}

fn which(name: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .context("not found")
}

/// One request shape to send.
#[derive(Clone)]
pub struct Target {
    pub url: String,
    pub method: &'static str,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Target {
    pub fn get(url: String) -> Target {
        Target {
            url,
            method: "GET",
            body: None,
            headers: Vec::new(),
        }
    }

    pub fn graphql(url: String, token: &str, body: String) -> Target {
        Target {
            url,
            method: "POST",
            body: Some(body),
            headers: vec![
                ("authorization".into(), format!("Bearer {token}")),
                ("content-type".into(), "application/json".into()),
            ],
        }
    }
}

/// How to drive it.
pub enum Shape {
    /// `connections` clients, each sending as soon as its answer arrives.
    Closed { connections: u32, seconds: u64 },
    /// `rate` requests per second, whatever the answers do.
    Open {
        rate: f64,
        connections: u32,
        seconds: u64,
    },
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    /// Answers with status 200.
    pub ok: u64,
    /// Any other status, or a connection/timeout error.
    pub errors: u64,
}

pub fn run(oha: &Path, target: &Target, shape: &Shape) -> anyhow::Result<Run> {
    let mut cmd = Command::new(oha);
    // -w: requests still in flight at the deadline finish and count, not
    // "aborted due to deadline" errors.
    cmd.args(["--no-tui", "--output-format", "json", "-w"]);
    match shape {
        Shape::Closed {
            connections,
            seconds,
        } => {
            cmd.args(["-c", &connections.to_string(), "-z", &format!("{seconds}s")]);
        }
        Shape::Open {
            rate,
            connections,
            seconds,
        } => {
            cmd.args([
                "-c",
                &connections.to_string(),
                "-z",
                &format!("{seconds}s"),
                "-q",
                &format!("{rate:.0}"),
                "--latency-correction",
            ]);
        }
    }
    cmd.args(["-m", target.method]);
    for (name, value) in &target.headers {
        cmd.args(["-H", &format!("{name}: {value}")]);
    }
    if let Some(body) = &target.body {
        cmd.args(["-d", body]);
    }
    cmd.arg(&target.url);
    let out = cmd.output().context("running oha")?;
    if !out.status.success() {
        bail!("oha failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let report: Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("oha output: {}", String::from_utf8_lossy(&out.stdout)))?;
    let percentile =
        |k: &str| report["latencyPercentiles"][k].as_f64().unwrap_or(f64::NAN) * 1000.0;
    let statuses = report["statusCodeDistribution"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let ok = statuses.get("200").and_then(Value::as_u64).unwrap_or(0);
    let other: u64 = statuses
        .iter()
        .filter(|(k, _)| k.as_str() != "200")
        .filter_map(|(_, v)| v.as_u64())
        .sum();
    let failed: u64 = report["errorDistribution"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    Ok(Run {
        requests_per_sec: report["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50_ms: percentile("p50"),
        p99_ms: percentile("p99"),
        p999_ms: percentile("p99.9"),
        ok,
        errors: other + failed,
    })
}
