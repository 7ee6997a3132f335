//! The `worker` binary as a process: help, and bad configuration exits 2.

use std::process::Command;

#[test]
fn help_and_bad_configuration() {
    let help = Command::new(env!("CARGO_BIN_EXE_worker"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("WORKER_METRICS_ADDR"));

    let dir = tempfile::tempdir().unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env_clear()
        .current_dir(dir.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1/x")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("configuration error: REDIS_URL: "),
        "{stderr}"
    );
}
