//! The `api` binary as a process: bad configuration exits 2 with one line,
//! `print-schema` and `--help` work, SIGTERM shuts down gracefully.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tests::api_binary;

/// Run the binary with a clean environment plus `vars`.
fn run_with(vars: &[(&str, &str)], dir: &std::path::Path) -> std::process::Output {
    let mut cmd = Command::new(api_binary());
    cmd.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run api")
}

#[test]
fn each_bad_configuration_exits_2_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let long = "k".repeat(40);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("DATABASE_URL", "mysql://localhost/hub")],
            "DATABASE_URL",
        ),
        (
            vec![("DATABASE_URL", "postgres://postgres@127.0.0.1/hub")],
            "REDIS_URL",
        ),
        (
            vec![
                ("APP_ENV", "production"),
                ("DATABASE_URL", "postgres://postgres@127.0.0.1/hub"),
                ("REDIS_URL", "redis://127.0.0.1:6379"),
                ("SMTP_URL", "smtp://127.0.0.1:25"),
                ("LINK_SIGNING_KEY", &long),
            ],
            "JWT_SECRET",
        ),
        (vec![("BIND_ADDR", "localhost:eighty")], "BIND_ADDR"),
    ];
    for (vars, key) in cases {
        let out = run_with(&vars, dir.path());
        assert_eq!(out.status.code(), Some(2), "{vars:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "one line for {vars:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("configuration error: {key}: ")),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn print_schema_and_help() {
    let out = Command::new(api_binary())
        .arg("print-schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), api::graphql::sdl());
    let out = Command::new(api_binary()).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("print-schema"));
}

#[test]
fn serves_on_the_embedded_default_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(api_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start api");
    let logs = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(logs).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("server announces its address");
        if let Some(i) = line.find("GraphQL at ") {
            break line[i + "GraphQL at ".len()..].trim().to_owned();
        }
    };
    assert!(
        dir.path().join("data/hub.db").exists(),
        "SQLite file under ./data"
    );
    let base = url.trim_end_matches("/graphql").to_owned();

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = client
            .post(&url)
            .json(&serde_json::json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["data"]["__typename"], "QueryRoot");
        let graphiql = client
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(
            graphiql
                .text()
                .await
                .unwrap()
                .to_lowercase()
                .contains("graphiql")
        );
    });

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "api did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful exit, got {exit:?}");
}
