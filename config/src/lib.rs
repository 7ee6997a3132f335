//! Configuration from environment variables (a `.env` file may set the same
//! keys). Every bad value becomes one `ConfigError` naming the key; the binaries
//! print it on one line and exit with code 2.

use domain::rules::abn::Abn;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Which storage pair runs the product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file for data and jobs, worker in-process.
    Embedded { database_url: String },
    /// PostgreSQL for data, Redis for jobs and live updates.
    Production {
        database_url: String,
        redis_url: String,
    },
}

impl Backend {
    pub fn database_url(&self) -> &str {
        match self {
            Backend::Embedded { database_url } | Backend::Production { database_url, .. } => {
                database_url
            }
        }
    }
}

/// A configuration value that came from a development default rather than
/// the environment; development warns about each one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultedSecret(pub &'static str);

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub bind_addr: SocketAddr,
    pub backend: Backend,
    pub data_dir: PathBuf,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub public_base_url: String,
    pub jwt_secret: String,
    pub link_signing_key: String,
    pub seller_name: String,
    pub seller_abn: Option<Abn>,
    pub graphiql: bool,
    pub introspection: bool,
    /// Prefix of every job queue name, so several deployments or test runs can
    /// share one Redis.
    pub queue_prefix: String,
    /// Lifetime of login tokens.
    pub jwt_ttl: chrono::Duration,
    /// How long an Idempotency-Key and its stored response are kept.
    pub idempotency_ttl: chrono::Duration,
    /// How often the outbox relay looks for new rows.
    pub relay_interval: std::time::Duration,
    /// First retry delay of a failed email; doubles per attempt.
    pub email_retry_base: chrono::Duration,
    /// How often the worker sweeps for work a queue lost.
    pub sweep_interval: std::time::Duration,
    /// How long work may sit claimed or relayed without finishing before the
    /// worker assumes its holder died and hands it out again.
    pub recovery_after: chrono::Duration,
    /// Where the `worker` binary serves /metrics and /healthz.
    pub worker_metrics_addr: SocketAddr,
    /// Where the `api` binary serves /metrics (never on the public API port).
    pub metrics_addr: SocketAddr,
    /// Secrets that fell back to development defaults.
    pub defaulted_secrets: Vec<DefaultedSecret>,
}

/// One bad key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub key: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn err(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key,
        message: message.into(),
    }
}

const DEV_JWT_SECRET: &str = "development-only-jwt-secret-change-me-0123456789";
const DEV_LINK_KEY: &str = "development-only-link-signing-key-change-me-0123";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/hub.db?mode=rwc";

impl Config {
    /// Read from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Config::from_lookup(|key| vars.get(key).cloned())
    }

    /// Read from any key lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |key: &str| {
            get(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(err(
                    "APP_ENV",
                    format!("unknown mode '{other}' (expected development or production)"),
                ));
            }
        };
        let production = app_env == AppEnv::Production;

        let bind_addr = get("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse::<SocketAddr>()
            .map_err(|e| {
                err(
                    "BIND_ADDR",
                    format!("not a socket address like 127.0.0.1:8080 ({e})"),
                )
            })?;

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let redis_url = get("REDIS_URL");
        let scheme = database_url.split(':').next().unwrap_or_default();
        let backend = match scheme {
            "sqlite" => {
                if redis_url.is_some() {
                    return Err(err(
                        "REDIS_URL",
                        "is set but DATABASE_URL is SQLite; supported pairs are SQLite alone (embedded) or PostgreSQL + Redis",
                    ));
                }
                Backend::Embedded { database_url }
            }
            "postgres" | "postgresql" => {
                let redis_url = redis_url.ok_or_else(|| {
                    err("REDIS_URL", "is required when DATABASE_URL is PostgreSQL (jobs and live updates run on Redis)")
                })?;
                if !(redis_url.starts_with("redis://") || redis_url.starts_with("rediss://")) {
                    return Err(err("REDIS_URL", "must start with redis:// or rediss://"));
                }
                Backend::Production {
                    database_url,
                    redis_url,
                }
            }
            other => {
                return Err(err(
                    "DATABASE_URL",
                    format!("unknown scheme '{other}' (expected sqlite: or postgres:)"),
                ));
            }
        };

        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(err("SMTP_URL", "must start with smtp:// or smtps://"));
        }
        if production && smtp_url.is_none() {
            return Err(err(
                "SMTP_URL",
                "is required in production (customers must get their email)",
            ));
        }

        let public_base_url = get("PUBLIC_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind_addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(err(
                "PUBLIC_BASE_URL",
                "must start with http:// or https://",
            ));
        }

        let mut defaulted_secrets = Vec::new();
        let mut secret = |key: &'static str, dev_default: &str| -> Result<String, ConfigError> {
            match get(key) {
                Some(v) if v.len() < 32 => Err(err(key, "must be at least 32 characters")),
                Some(v) => Ok(v),
                None if production => Err(err(key, "is required in production")),
                None => {
                    defaulted_secrets.push(DefaultedSecret(key));
                    Ok(dev_default.to_owned())
                }
            }
        };
        let jwt_secret = secret("JWT_SECRET", DEV_JWT_SECRET)?;
        let link_signing_key = secret("LINK_SIGNING_KEY", DEV_LINK_KEY)?;

        let seller_abn = get("SELLER_ABN")
            .map(|v| Abn::parse(&v).map_err(|e| err("SELLER_ABN", e.message)))
            .transpose()?;

        let flag = |key: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(key).as_deref() {
                None => Ok(default),
                Some("true" | "1" | "on") => Ok(true),
                Some("false" | "0" | "off") => Ok(false),
                Some(other) => Err(err(key, format!("'{other}' is not true or false"))),
            }
        };

        let minutes = |key: &'static str, default: i64| -> Result<chrono::Duration, ConfigError> {
            match get(key) {
                None => Ok(chrono::Duration::minutes(default)),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|m| *m > 0 && *m <= 525_600)
                    .map(chrono::Duration::minutes)
                    .ok_or_else(|| {
                        err(
                            key,
                            format!("'{v}' is not a number of minutes between 1 and 525600"),
                        )
                    }),
            }
        };

        let millis = |key: &'static str,
                      default: u64|
         -> Result<std::time::Duration, ConfigError> {
            match get(key) {
                None => Ok(std::time::Duration::from_millis(default)),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|m| (10..=3_600_000).contains(m))
                    .map(std::time::Duration::from_millis)
                    .ok_or_else(|| {
                        err(
                            key,
                            format!("'{v}' is not a number of milliseconds between 10 and 3600000"),
                        )
                    }),
            }
        };
        let mail_from = get("MAIL_FROM")
            .unwrap_or_else(|| "Service Delivery Hub <no-reply@hub.localhost>".into());
        if !mail_from.contains('@') {
            return Err(err(
                "MAIL_FROM",
                "must be an address like 'Shop <orders@shop.com.au>'",
            ));
        }
        let socket = |key: &'static str, default: &str| {
            get(key)
                .unwrap_or_else(|| default.into())
                .parse::<SocketAddr>()
                .map_err(|e| err(key, format!("not a socket address ({e})")))
        };
        let worker_metrics_addr = socket("WORKER_METRICS_ADDR", "127.0.0.1:9091")?;
        let metrics_addr = socket("METRICS_ADDR", "127.0.0.1:9090")?;

        Ok(Config {
            relay_interval: millis("RELAY_INTERVAL_MS", 500)?,
            email_retry_base: chrono::Duration::from_std(millis("EMAIL_RETRY_BASE_MS", 30_000)?)
                .unwrap_or(chrono::Duration::seconds(30)),
            sweep_interval: millis("SWEEP_INTERVAL_MS", 15_000)?,
            recovery_after: chrono::Duration::from_std(millis("RECOVERY_AFTER_MS", 120_000)?)
                .unwrap_or(chrono::Duration::minutes(2)),
            worker_metrics_addr,
            metrics_addr,
            jwt_ttl: minutes("JWT_TTL_MINUTES", 8 * 60)?,
            idempotency_ttl: minutes("IDEMPOTENCY_TTL_MINUTES", 24 * 60)?,
            app_env,
            bind_addr,
            backend,
            data_dir: PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into())),
            smtp_url,
            mail_from,
            public_base_url,
            jwt_secret,
            link_signing_key,
            seller_name: get("SELLER_NAME")
                .unwrap_or_else(|| "Service Delivery Hub Pty Ltd".into()),
            seller_abn,
            graphiql: flag("GRAPHIQL", !production)?,
            introspection: flag("GRAPHQL_INTROSPECTION", !production)?,
            queue_prefix: get("QUEUE_PREFIX").unwrap_or_else(|| "hub".into()),
            defaulted_secrets,
        })
    }

    /// What the business settings row is seeded with on first start.
    pub fn settings_seed(&self) -> domain::settings::SettingsSeed {
        domain::settings::SettingsSeed {
            legal_name: self.seller_name.clone(),
            abn: self.seller_abn.clone(),
            mail_from: self.mail_from.clone(),
            public_base_url: self.public_base_url.clone(),
        }
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn empty_environment_is_the_embedded_default() {
        let config = load(&[]).unwrap();
        assert_eq!(config.app_env, AppEnv::Development);
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.backend.database_url(), DEFAULT_DATABASE_URL);
        assert!(config.graphiql && config.introspection);
        assert_eq!(
            config.defaulted_secrets,
            vec![
                DefaultedSecret("JWT_SECRET"),
                DefaultedSecret("LINK_SIGNING_KEY")
            ]
        );
    }

    #[test]
    fn each_bad_value_names_its_key() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("DATABASE_URL", "postgres://localhost/x")], "REDIS_URL"),
            (
                &[("APP_ENV", "production"), ("SMTP_URL", "smtp://localhost")],
                "JWT_SECRET",
            ),
            (&[("BIND_ADDR", "not-an-address")], "BIND_ADDR"),
            (&[("APP_ENV", "staging")], "APP_ENV"),
            (&[("SELLER_ABN", "51 824 753 557")], "SELLER_ABN"),
            (&[("GRAPHIQL", "maybe")], "GRAPHIQL"),
        ];
        for (pairs, key) in cases {
            let error = load(pairs).unwrap_err();
            assert_eq!(error.key, *key, "{pairs:?}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("configuration error: {key}: "))
            );
        }
    }

    #[test]
    fn production_pair_switches_off_graphiql() {
        let long = "x".repeat(40);
        let config = load(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/hub"),
            ("REDIS_URL", "redis://cache"),
            ("SMTP_URL", "smtp://mail:25"),
            ("JWT_SECRET", &long),
            ("LINK_SIGNING_KEY", &long),
        ])
        .unwrap();
        assert!(!config.graphiql && !config.introspection);
        assert!(matches!(config.backend, Backend::Production { .. }));
        assert!(config.defaulted_secrets.is_empty());
    }
}
