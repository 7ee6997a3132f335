//! The `api` and `worker` binaries as processes: bad configuration exits 2
//! with one line before anything is created, development commands refuse in
//! production, `print-schema` and `--help` work, SIGTERM shuts down gracefully.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::time::{Duration, Instant};
use tests::{ApiProcess, api_binary, worker_binary};

/// Run the binary with a clean environment plus `vars`.
fn run_with(vars: &[(&str, &str)], dir: &std::path::Path) -> std::process::Output {
    run_binary(&api_binary(), &[], vars, dir)
}

/// Run `binary args` in `dir` with only PATH and `vars`. A process that is
/// still running after 30 s (it accepted the configuration and started
/// serving) is killed, so a regression fails instead of hanging the suite.
fn run_binary<K: AsRef<OsStr>, V: AsRef<OsStr>>(
    binary: &std::path::Path,
    args: &[&str],
    vars: &[(K, V)],
    dir: &std::path::Path,
) -> std::process::Output {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start binary");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().expect("collect output")
}

/// Assert exit code 2 and exactly one stderr line starting with `prefix`.
fn assert_refused(out: &std::process::Output, prefix: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line for {what}: {stderr}");
    assert!(stderr.starts_with(prefix), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

const LONG_SECRET: &str = "a-production-secret-of-at-least-32-characters";

/// A production configuration that passes every rule (on the SQLite default,
/// so a process that gets past configuration would create ./data).
fn production() -> Vec<(&'static str, &'static str)> {
    vec![
        ("APP_ENV", "production"),
        ("SMTP_URL", "smtps://mailer:pw@mail.example.com.au"),
        ("PUBLIC_BASE_URL", "https://hub.example.com.au"),
        ("JWT_SECRET", LONG_SECRET),
        ("LINK_SIGNING_KEY", LONG_SECRET),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("METRICS_ADDR", "127.0.0.1:0"),
    ]
}

/// `production()` with `key` set to `value` (`None`: unset).
fn production_with(
    key: &'static str,
    value: Option<&'static str>,
) -> Vec<(&'static str, &'static str)> {
    let mut vars: Vec<_> = production()
        .into_iter()
        .filter(|(k, _)| *k != key)
        .collect();
    vars.extend(value.map(|v| (key, v)));
    vars
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

#[test]
fn development_commands_refuse_in_production_with_one_line() {
    for args in [
        &["issue-token", "--role", "ADMIN", "--subject", "ops"][..],
        &["seed-demo"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = run_binary(&api_binary(), args, &production(), dir.path());
        assert_refused(&out, &format!("{}: ", args[0]), args[0]);
        assert!(out.stdout.is_empty(), "{args:?} printed nothing");
        assert!(
            !dir.path().join("data").exists(),
            "{args:?} touched nothing"
        );
    }
}

#[test]
fn a_non_utf8_value_of_a_key_we_read_exits_2_naming_it() {
    let bad = OsStr::from_bytes(&[0xff, 0xfe]);
    for binary in [api_binary(), worker_binary()] {
        let dir = tempfile::tempdir().unwrap();
        let out = run_binary(&binary, &[], &[(OsStr::new("MAIL_FROM"), bad)], dir.path());
        assert_refused(
            &out,
            "configuration error: MAIL_FROM: ",
            &binary.display().to_string(),
        );
        assert!(!dir.path().join("data").exists(), "nothing was created");
    }
    // Keys and values we never read do not matter.
    let dir = tempfile::tempdir().unwrap();
    let out = run_binary(
        &api_binary(),
        &["issue-token", "--role", "FINANCE", "--subject", "script"],
        &[
            (OsStr::new("UNRELATED"), bad),
            (OsStr::from_bytes(b"ODD\xffKEY"), OsStr::new("x")),
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_values_exit_2_naming_the_key_before_a_database_exists() {
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("MAIL_FROM", "not a mailbox@")], "MAIL_FROM"),
        (vec![("MAIL_FROM", "a@b@c")], "MAIL_FROM"),
        (
            vec![("SMTP_URL", "smtp://mail.example:25?tls=maybe")],
            "SMTP_URL",
        ),
        (vec![("SMTP_URL", "smtp://")], "SMTP_URL"),
        (
            vec![("PUBLIC_BASE_URL", "https://hub.example/?utm=x")],
            "PUBLIC_BASE_URL",
        ),
        (
            vec![("PUBLIC_BASE_URL", "ftp://hub.example")],
            "PUBLIC_BASE_URL",
        ),
        (
            production_with("SMTP_URL", Some("smtp://mail.example.com.au:587")),
            "SMTP_URL",
        ),
        (
            production_with(
                "SMTP_URL",
                Some("smtp://mail.example.com.au?tls=opportunistic"),
            ),
            "SMTP_URL",
        ),
        (production_with("PUBLIC_BASE_URL", None), "PUBLIC_BASE_URL"),
        (
            production_with(
                "JWT_SECRET",
                Some("development-only-jwt-secret-change-me-0123456789"),
            ),
            "JWT_SECRET",
        ),
        (
            production_with(
                "LINK_SIGNING_KEY",
                Some("development-only-link-signing-key-change-me-0123"),
            ),
            "LINK_SIGNING_KEY",
        ),
    ];
    for (vars, key) in cases {
        for binary in [api_binary(), worker_binary()] {
            let dir = tempfile::tempdir().unwrap();
            let out = run_binary(&binary, &[], &vars, dir.path());
            assert_refused(
                &out,
                &format!("configuration error: {key}: "),
                &format!("{} {vars:?}", binary.display()),
            );
            assert!(
                !dir.path().join("data").exists(),
                "no database or directory for {vars:?}"
            );
        }
    }
}

#[test]
fn production_accepts_plaintext_smtp_only_when_told_to() {
    // Parsing succeeds and the process goes on to its first use of the
    // configuration: issue-token is refused (production), not the SMTP URL.
    let dir = tempfile::tempdir().unwrap();
    let mut vars = production_with("SMTP_URL", Some("smtp://relay.internal:25"));
    vars.push(("SMTP_ALLOW_PLAINTEXT", "true"));
    let out = run_binary(
        &api_binary(),
        &["issue-token", "--role", "ADMIN", "--subject", "ops"],
        &vars,
        dir.path(),
    );
    assert_refused(&out, "issue-token: ", "plaintext allowed");
}
