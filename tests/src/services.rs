//! Which real services the tests may use. `TEST_DATABASE_URL` (a PostgreSQL
//! server URL) and `TEST_REDIS_URL` switch them on. Unset, tests that need them
//! print why they skip; with `CI=true` a missing service is a failure unless
//! the run declares itself SQLite-only with `TEST_BACKEND=sqlite`.

fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn in_ci() -> bool {
    var("CI").is_some_and(|v| v == "true" || v == "1")
}

fn sqlite_only_run() -> bool {
    var("TEST_BACKEND").is_some_and(|v| v == "sqlite")
}

pub fn postgres_url() -> Option<String> {
    var("TEST_DATABASE_URL")
}

pub fn redis_url() -> Option<String> {
    var("TEST_REDIS_URL")
}

/// For a test that only makes sense on PostgreSQL + Redis: `Some((pg, redis))`,
/// or `None` after printing why it skips. Panics in CI unless the run is
/// declared SQLite-only.
pub fn require_production_services(test: &str) -> Option<(String, String)> {
    match (postgres_url(), redis_url()) {
        (Some(pg), Some(redis)) => Some((pg, redis)),
        _ if in_ci() && !sqlite_only_run() => {
            panic!("{test}: CI=true but TEST_DATABASE_URL and TEST_REDIS_URL are not both set")
        }
        _ => {
            eprintln!(
                "skipping {test}: needs TEST_DATABASE_URL and TEST_REDIS_URL (PostgreSQL + Redis)"
            );
            None
        }
    }
}
