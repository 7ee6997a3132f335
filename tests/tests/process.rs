//! The `api` binary as a process: bad configuration exits 2 with one line,
//! `print-schema` and `--help` work, SIGTERM shuts down gracefully.

use std::process::Command;
use tests::{ApiProcess, api_binary};

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
    let mut api = ApiProcess::start(&[], dir.path());
    assert!(
        dir.path().join("data/hub.db").exists(),
        "SQLite file under ./data"
    );
    let base = api.base_url.clone();
    let url = format!("{base}/graphql");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let query = serde_json::json!({ "query": "{ __typename }" });
        let body = tests::post_json(&client, &base, None, &[], &query).await;
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

    let exit = api.terminate();
    assert!(exit.success(), "graceful exit, got {exit:?}");
}

#[test]
fn seed_demo_creates_logins_once_and_they_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_with_args(&["seed-demo"], dir.path());
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    for role in [
        "ADMIN",
        "PROJECT_MANAGER",
        "DELIVERY_TEAM",
        "QA_LEAD",
        "FULFILMENT",
        "FINANCE",
        "COMPLIANCE",
        "CUSTOMER",
    ] {
        assert!(out.contains(role), "{role} missing:\n{out}");
    }
    let second = run_with_args(&["seed-demo"], dir.path());
    assert!(second.status.success(), "running it again is fine");

    let mut api = ApiProcess::start(&[], dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let login = tests::post_json(&client, &api.base_url, None, &[], &serde_json::json!({
                "query": "mutation { login(input: { email: \"orders@harbour-homewares.test\", password: \"demo-password-2026\" }) { token user { role customer { name } } } }"
            }))
            .await;
        assert_eq!(login["data"]["login"]["user"]["role"], "CUSTOMER", "{login}");
        assert_eq!(login["data"]["login"]["user"]["customer"]["name"], "Harbour Homewares Pty Ltd");
        let token = login["data"]["login"]["token"].as_str();
        let query = serde_json::json!({ "query": "{ customers { edges { node { name } } } }" });
        let customers = tests::post_json(&client, &api.base_url, token, &[], &query).await;
        assert_eq!(customers["data"]["customers"]["edges"].as_array().unwrap().len(), 1, "seeded twice, still one each");
    });
    assert!(api.terminate().success());
}

fn run_with_args(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(api_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run api")
}
