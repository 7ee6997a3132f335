//! Configuration from environment variables (a `.env` file may set the same
//! keys). Every bad value becomes one `ConfigError` naming the key; the binaries
//! print it on one line and exit with code 2. Every value is parsed into its
//! type here, so nothing later (the worker's mailer, the settings seed) can
//! fail on a value this step accepted.

use domain::fulfilment::couriers::CourierCode;
use domain::fulfilment::tracking::PollSchedule;
use domain::rules::abn::Abn;
use lettre::message::Mailbox;
use lettre::message::dkim::{DkimSigningAlgorithm, DkimSigningKey, DkimSigningKeyError};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::collections::HashMap;
use std::ffi::OsString;
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

/// How the SMTP connection is protected, read from `SMTP_URL` the way the
/// mailer's transport reads it (scheme and `tls` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://` without `tls`: plaintext.
    None,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered (a man in the
    /// middle can strip it, so production does not count it as TLS).
    Opportunistic,
    /// `smtp://…?tls=required`: STARTTLS or fail.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

impl SmtpTls {
    /// Does every message travel encrypted?
    pub fn is_enforced(self) -> bool {
        matches!(self, SmtpTls::StartTls | SmtpTls::Wrapper)
    }
}

/// An SMTP server the mailer's transport is known to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub url: String,
    pub tls: SmtpTls,
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
    /// SMTP server for customer email; `None` writes `.eml` files.
    pub smtp: Option<Smtp>,
    pub mail_from: Mailbox,
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
    /// Couriers reached over HTTP (the rest are simulated).
    pub courier_endpoints: Vec<CourierEndpoint>,
    /// Each courier's public tracking link, where configuration changes it.
    pub courier_tracking_urls: Vec<(CourierCode, String)>,
    /// How often packages are polled per tracking status.
    pub poll_schedule: PollSchedule,
    /// DKIM signing of every outgoing email; `None` sends unsigned.
    pub dkim: Option<DkimSettings>,
}

/// The DKIM key outgoing email is signed with (`DKIM_PRIVATE_KEY`,
/// `DKIM_SELECTOR`, `DKIM_DOMAIN`). Receivers find its public half in the
/// TXT record `<selector>._domainkey.<domain>`.
#[derive(Clone)]
pub struct DkimSettings {
    pub selector: String,
    pub domain: String,
    pub algorithm: DkimSigningAlgorithm,
    /// The key as lettre reads it: PKCS#1 PEM (RSA) or the base64 seed
    /// (Ed25519). Checked when read, so `signing_key` does not fail.
    key: String,
}

impl DkimSettings {
    /// Check and normalise a key (PEM: PKCS#1 RSA, or PKCS#8 RSA or
    /// Ed25519), a selector and a domain. Errors name the key at fault.
    pub fn new(
        private_key: &str,
        selector: &str,
        domain: &str,
    ) -> Result<DkimSettings, ConfigError> {
        let (algorithm, key) = dkim_key(private_key).map_err(|e| err("DKIM_PRIVATE_KEY", e))?;
        if !is_dns_name(selector) {
            return Err(err(
                "DKIM_SELECTOR",
                "must be a DNS label like 'hub2026' (letters, digits, hyphens, dots)",
            ));
        }
        if !is_dns_name(domain) || !domain.contains('.') {
            return Err(err(
                "DKIM_DOMAIN",
                "must be a domain name like 'shop.com.au'",
            ));
        }
        Ok(DkimSettings {
            selector: selector.to_owned(),
            domain: domain.to_ascii_lowercase(),
            algorithm,
            key,
        })
    }

    /// The key for lettre's `DkimConfig` (it takes one by value per config).
    pub fn signing_key(&self) -> Result<DkimSigningKey, DkimSigningKeyError> {
        DkimSigningKey::new(&self.key, self.algorithm)
    }
}

/// The key stays out of logs.
impl fmt::Debug for DkimSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSettings")
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .field("algorithm", &self.algorithm)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A courier served by the HTTP adapter (docs/courier-api.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourierEndpoint {
    pub code: CourierCode,
    pub base_url: String,
    pub api_key: Option<String>,
    pub timeout: std::time::Duration,
}

/// The configuration keys of one courier.
struct CourierKeys {
    code: CourierCode,
    url: &'static str,
    api_key: &'static str,
    timeout: &'static str,
    tracking_url: &'static str,
}

macro_rules! courier_keys {
    ($($code:ident),*) => {
        [$(CourierKeys {
            code: CourierCode::$code,
            url: concat!("COURIER_", stringify!($code), "_URL"),
            api_key: concat!("COURIER_", stringify!($code), "_API_KEY"),
            timeout: concat!("COURIER_", stringify!($code), "_TIMEOUT_MS"),
            tracking_url: concat!("COURIER_", stringify!($code), "_TRACKING_URL"),
        }),*]
    };
}

/// An http(s) URL without query or fragment, without its trailing slash.
fn http_url(key: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| err(key, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(key, "must be an http:// or https:// URL"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
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
const DEV_SECRETS: [&str; 2] = [DEV_JWT_SECRET, DEV_LINK_KEY];
const DEFAULT_MAIL_FROM: &str = "Service Delivery Hub <no-reply@hub.localhost>";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/hub.db?mode=rwc";

impl Config {
    /// Read from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars_os(std::env::vars_os())
    }

    /// Read from raw environment pairs. A key that is not UTF-8 cannot be one
    /// of ours, and a value is decoded only when its key is read, so stray
    /// non-UTF-8 variables of other programs do not matter.
    pub fn from_vars_os(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Config, ConfigError> {
        let vars: HashMap<String, OsString> = vars
            .into_iter()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v)))
            .collect();
        Config::from_source(|key| match vars.get(key) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .map(|v| Some(v.to_owned()))
                .ok_or_else(|| err(key, "is not valid UTF-8")),
        })
    }

    /// Read from any key lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        Config::from_source(|key| Ok(get(key)))
    }

    fn from_source(
        source: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Config, ConfigError> {
        let get = |key: &'static str| -> Result<Option<String>, ConfigError> {
            Ok(source(key)?
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()))
        };

        let app_env = match get("APP_ENV")?.as_deref() {
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

        let bind_addr = get("BIND_ADDR")?
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse::<SocketAddr>()
            .map_err(|e| {
                err(
                    "BIND_ADDR",
                    format!("not a socket address like 127.0.0.1:8080 ({e})"),
                )
            })?;

        let database_url = get("DATABASE_URL")?.unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let redis_url = get("REDIS_URL")?;
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
                server_url("DATABASE_URL", &database_url, &["postgres", "postgresql"])?;
                server_url("REDIS_URL", &redis_url, &["redis", "rediss"])?;
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

        // Secrets first: a production start without them says so before
        // anything else.
        let mut defaulted_secrets = Vec::new();
        let mut secret = |key: &'static str, dev_default: &str| -> Result<String, ConfigError> {
            match get(key)? {
                Some(v) if v.len() < 32 => Err(err(key, "must be at least 32 characters")),
                // The development defaults are published in this repository.
                Some(v) if production && DEV_SECRETS.contains(&v.as_str()) => Err(err(
                    key,
                    "is a published development default; production needs a secret of its own",
                )),
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

        let flag = |key: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(key)?.as_deref() {
                None => Ok(default),
                Some("true" | "1" | "on") => Ok(true),
                Some("false" | "0" | "off") => Ok(false),
                Some(other) => Err(err(key, format!("'{other}' is not true or false"))),
            }
        };

        let smtp = get("SMTP_URL")?.map(|url| parse_smtp(&url)).transpose()?;
        let allow_plaintext = flag("SMTP_ALLOW_PLAINTEXT", false)?;
        if production {
            match &smtp {
                None => {
                    return Err(err(
                        "SMTP_URL",
                        "is required in production (customers must get their email)",
                    ));
                }
                Some(smtp) if !smtp.tls.is_enforced() && !allow_plaintext => {
                    return Err(err(
                        "SMTP_URL",
                        "must use TLS in production (smtps://, or smtp://…?tls=required for STARTTLS); SMTP_ALLOW_PLAINTEXT=true accepts a plaintext relay",
                    ));
                }
                Some(_) => {}
            }
        }

        let mail_from: Mailbox = get("MAIL_FROM")?
            .as_deref()
            .unwrap_or(DEFAULT_MAIL_FROM)
            .parse()
            .map_err(|e| {
                err(
                    "MAIL_FROM",
                    format!("not a mailbox like 'Shop <orders@shop.com.au>' ({e})"),
                )
            })?;

        let public_base_url = match get("PUBLIC_BASE_URL")? {
            Some(url) => parse_base_url(&url)?,
            // Links in customer email must reach the public site, which the
            // bind address (often 0.0.0.0 behind a proxy) is not.
            None if production => {
                return Err(err(
                    "PUBLIC_BASE_URL",
                    "is required in production (links in customer email start with it)",
                ));
            }
            None => format!("http://{bind_addr}"),
        };

        let seller_abn = get("SELLER_ABN")?
            .map(|v| Abn::parse(&v).map_err(|e| err("SELLER_ABN", e.message)))
            .transpose()?;

        let minutes = |key: &'static str, default: i64| -> Result<chrono::Duration, ConfigError> {
            match get(key)? {
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
            match get(key)? {
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
        let socket = |key: &'static str, default: &str| {
            get(key)?
                .unwrap_or_else(|| default.into())
                .parse::<SocketAddr>()
                .map_err(|e| err(key, format!("not a socket address ({e})")))
        };
        let mut courier_endpoints = Vec::new();
        let mut courier_tracking_urls = Vec::new();
        for keys in courier_keys!(A, B, C, D, E) {
            if let Some(url) = get(keys.url)? {
                courier_endpoints.push(CourierEndpoint {
                    code: keys.code,
                    base_url: http_url(keys.url, &url)?,
                    api_key: get(keys.api_key)?,
                    timeout: millis(keys.timeout, 10_000)?,
                });
            }
            if let Some(pattern) = get(keys.tracking_url)? {
                if !pattern.contains("{tracking_number}") {
                    return Err(err(keys.tracking_url, "must contain {tracking_number}"));
                }
                http_url(
                    keys.tracking_url,
                    &pattern.replace("{tracking_number}", "x"),
                )?;
                courier_tracking_urls.push((keys.code, pattern));
            }
        }
        let poll_schedule = match get("TRACKING_POLL_MINUTES")? {
            None => PollSchedule::default(),
            Some(spec) => {
                PollSchedule::parse(&spec).map_err(|e| err("TRACKING_POLL_MINUTES", e))?
            }
        };
        let dkim = dkim_settings(
            get("DKIM_PRIVATE_KEY")?,
            get("DKIM_SELECTOR")?,
            get("DKIM_DOMAIN")?,
        )?;
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
            data_dir: PathBuf::from(get("DATA_DIR")?.unwrap_or_else(|| "./data".into())),
            smtp,
            mail_from,
            public_base_url,
            jwt_secret,
            link_signing_key,
            seller_name: get("SELLER_NAME")?
                .unwrap_or_else(|| "Service Delivery Hub Pty Ltd".into()),
            seller_abn,
            graphiql: flag("GRAPHIQL", !production)?,
            introspection: flag("GRAPHQL_INTROSPECTION", !production)?,
            queue_prefix: get("QUEUE_PREFIX")?.unwrap_or_else(|| "hub".into()),
            defaulted_secrets,
            courier_endpoints,
            courier_tracking_urls,
            poll_schedule,
            dkim,
        })
    }

    /// What the business settings row is seeded with on first start.
    pub fn settings_seed(&self) -> domain::settings::SettingsSeed {
        domain::settings::SettingsSeed {
            legal_name: self.seller_name.clone(),
            abn: self.seller_abn.clone(),
            mail_from: self.mail_from.to_string(),
            public_base_url: self.public_base_url.clone(),
        }
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

/// Parse `SMTP_URL` with the same call the worker's mailer makes, so a URL
/// accepted here cannot fail there, and record its TLS mode.
fn parse_smtp(raw: &str) -> Result<Smtp, ConfigError> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(raw)
        .map_err(|e| err("SMTP_URL", format!("not a usable SMTP URL ({e})")))?;
    let url = url::Url::parse(raw)
        .map_err(|e| err("SMTP_URL", format!("not a usable SMTP URL ({e})")))?;
    // lettre reads the first `tls` parameter; so do we.
    let tls_param = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let tls = match (url.scheme(), tls_param.as_deref()) {
        ("smtps", _) => SmtpTls::Wrapper,
        ("smtp", Some("required")) => SmtpTls::StartTls,
        ("smtp", Some("opportunistic")) => SmtpTls::Opportunistic,
        ("smtp", None) => SmtpTls::None,
        (scheme, tls) => {
            return Err(err(
                "SMTP_URL",
                format!("unsupported scheme '{scheme}' or tls parameter {tls:?}"),
            ));
        }
    };
    Ok(Smtp {
        url: raw.to_owned(),
        tls,
    })
}

/// The three DKIM keys: all or none. `DKIM_PRIVATE_KEY` holds the PEM text
/// or, when it does not start with `-----BEGIN`, the path of a file that does.
fn dkim_settings(
    private_key: Option<String>,
    selector: Option<String>,
    domain: Option<String>,
) -> Result<Option<DkimSettings>, ConfigError> {
    const KEYS: [&str; 3] = ["DKIM_PRIVATE_KEY", "DKIM_SELECTOR", "DKIM_DOMAIN"];
    let (private_key, selector, domain) = match (private_key, selector, domain) {
        (None, None, None) => return Ok(None),
        (Some(k), Some(s), Some(d)) => (k, s, d),
        (k, s, d) => {
            let set = [k.is_some(), s.is_some(), d.is_some()];
            let missing = KEYS[set.iter().position(|set| !set).unwrap_or(0)];
            let given: Vec<&str> = KEYS
                .iter()
                .zip(set)
                .filter_map(|(key, set)| set.then_some(*key))
                .collect();
            return Err(err(
                missing,
                format!(
                    "is required when {} is set (DKIM needs the key, the selector and the domain)",
                    given.join(" and ")
                ),
            ));
        }
    };
    let pem = if private_key.starts_with("-----BEGIN") {
        private_key
    } else {
        // Not echoed: it may be a key pasted without its PEM armour.
        std::fs::read_to_string(&private_key).map_err(|e| {
            err(
                "DKIM_PRIVATE_KEY",
                format!("is neither PEM text (-----BEGIN …) nor a readable key file ({e})"),
            )
        })?
    };
    DkimSettings::new(&pem, &selector, &domain).map(Some)
}

/// A PEM private key in the form lettre's `DkimSigningKey` reads, checked by
/// reading it so: RSA (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`, at
/// least 1024 bits) becomes PKCS#1 PEM, Ed25519 (PKCS#8) its base64 seed.
fn dkim_key(pem: &str) -> Result<(DkimSigningAlgorithm, String), String> {
    use base64::Engine as _;
    use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
    use rsa::pkcs8::{DecodePrivateKey, ObjectIdentifier, PrivateKeyInfo, SecretDocument};
    use rsa::traits::PublicKeyParts;
    const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

    // An environment file may carry the PEM on one line with `\n` escapes.
    let pem = if pem.contains('\n') {
        pem.trim().to_owned()
    } else {
        pem.trim().replace("\\n", "\n")
    };
    let rsa_key = |key: rsa::RsaPrivateKey| {
        if key.size() * 8 < 1024 {
            return Err(format!(
                "is a {}-bit RSA key; DKIM needs at least 1024 bits (2048 recommended)",
                key.size() * 8
            ));
        }
        let pkcs1 = key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| format!("RSA key cannot be re-encoded ({e})"))?;
        Ok((DkimSigningAlgorithm::Rsa, pkcs1.to_string()))
    };
    let (algorithm, key) = if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        rsa_key(
            rsa::RsaPrivateKey::from_pkcs1_pem(&pem)
                .map_err(|e| format!("is not a readable RSA private key ({e})"))?,
        )?
    } else if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
        let (_, document) =
            SecretDocument::from_pem(&pem).map_err(|e| format!("is not readable PEM ({e})"))?;
        let info = PrivateKeyInfo::try_from(document.as_bytes())
            .map_err(|e| format!("is not a readable PKCS#8 private key ({e})"))?;
        if info.algorithm.oid == rsa::pkcs1::ALGORITHM_OID {
            rsa_key(
                rsa::RsaPrivateKey::from_pkcs8_der(document.as_bytes())
                    .map_err(|e| format!("is not a readable RSA private key ({e})"))?,
            )?
        } else if info.algorithm.oid == ED25519 {
            // CurvePrivateKey ::= OCTET STRING, 32 bytes.
            let seed = match info.private_key {
                [0x04, 0x20, seed @ ..] if seed.len() == 32 => seed,
                _ => return Err("is not a readable Ed25519 private key".into()),
            };
            (
                DkimSigningAlgorithm::Ed25519,
                base64::engine::general_purpose::STANDARD.encode(seed),
            )
        } else {
            return Err(format!(
                "is a {} key; DKIM signs with RSA or Ed25519",
                info.algorithm.oid
            ));
        }
    } else if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err("is encrypted; give the key without a passphrase".into());
    } else {
        return Err(
            "is not an RSA or Ed25519 private key in PEM (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)"
                .into(),
        );
    };
    // What lettre will read at send time.
    DkimSigningKey::new(&key, algorithm).map_err(|e| format!("is not usable for signing ({e})"))?;
    Ok((algorithm, key))
}

/// Dot-separated labels of letters, digits and hyphens (not at either end).
fn is_dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// `PUBLIC_BASE_URL`: an http(s) URL that paths are appended to, so no
/// query, fragment or credentials. Returned without a trailing slash.
fn parse_base_url(raw: &str) -> Result<String, ConfigError> {
    const KEY: &str = "PUBLIC_BASE_URL";
    let url = url::Url::parse(raw).map_err(|e| err(KEY, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(KEY, "must be an http:// or https:// URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(err(
            KEY,
            "must not have a query or fragment (links append paths to it)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err(KEY, "must not carry credentials"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A server URL (PostgreSQL, Redis) as their clients parse it (both use the
/// `url` crate); whether the server answers is checked when the process
/// connects.
fn server_url(key: &'static str, raw: &str, schemes: &[&str]) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| err(key, format!("not a URL ({e})")))?;
    if !schemes.contains(&url.scheme()) {
        return Err(err(
            key,
            format!("must start with {}://", schemes.join(":// or ")),
        ));
    }
    Ok(())
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
            (&[("MAIL_FROM", "not a mailbox@")], "MAIL_FROM"),
            (&[("MAIL_FROM", "a@b@c")], "MAIL_FROM"),
            (&[("SMTP_URL", "smtp://")], "SMTP_URL"),
            (&[("SMTP_URL", "smtp://mail:25?tls=maybe")], "SMTP_URL"),
            (&[("SMTP_URL", "mail.example:25")], "SMTP_URL"),
            (
                &[("PUBLIC_BASE_URL", "https://hub.example/?a=b")],
                "PUBLIC_BASE_URL",
            ),
            (&[("PUBLIC_BASE_URL", "hub.example")], "PUBLIC_BASE_URL"),
            (
                &[("PUBLIC_BASE_URL", "https://u:p@hub.example")],
                "PUBLIC_BASE_URL",
            ),
            (
                &[
                    ("DATABASE_URL", "postgres://[::1/x"),
                    ("REDIS_URL", "redis://r"),
                ],
                "DATABASE_URL",
            ),
            (
                &[
                    ("DATABASE_URL", "postgres://db/x"),
                    ("REDIS_URL", "http://r"),
                ],
                "REDIS_URL",
            ),
            (
                &[("SMTP_ALLOW_PLAINTEXT", "yes please")],
                "SMTP_ALLOW_PLAINTEXT",
            ),
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

    const LONG: &str = "a-production-secret-of-at-least-32-characters";

    /// A production environment that passes, with `key` set to `value`
    /// (`None`: unset).
    fn production_with(key: &str, value: Option<&str>) -> Result<Config, ConfigError> {
        let mut pairs = vec![
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://db/hub"),
            ("REDIS_URL", "redis://cache"),
            ("SMTP_URL", "smtps://user:pw@mail.example.com.au"),
            ("PUBLIC_BASE_URL", "https://hub.example.com.au/"),
            ("JWT_SECRET", LONG),
            ("LINK_SIGNING_KEY", LONG),
        ];
        pairs.retain(|(k, _)| *k != key);
        if let Some(value) = value {
            pairs.push((key, value));
        }
        load(&pairs)
    }

    #[test]
    fn production_pair_switches_off_graphiql() {
        let config = production_with("GRAPHIQL", None).unwrap();
        assert!(!config.graphiql && !config.introspection);
        assert!(matches!(config.backend, Backend::Production { .. }));
        assert!(config.defaulted_secrets.is_empty());
        assert_eq!(config.public_base_url, "https://hub.example.com.au");
        assert_eq!(config.smtp.unwrap().tls, SmtpTls::Wrapper);
    }

    #[test]
    fn production_refuses_plaintext_smtp_a_missing_base_url_and_dev_secrets() {
        let cases: &[(&str, Option<&str>)] = &[
            ("SMTP_URL", Some("smtp://mail:25")),
            ("SMTP_URL", Some("smtp://mail?tls=opportunistic")),
            ("SMTP_URL", None),
            ("PUBLIC_BASE_URL", None),
            ("JWT_SECRET", Some(DEV_JWT_SECRET)),
            ("LINK_SIGNING_KEY", Some(DEV_LINK_KEY)),
            ("LINK_SIGNING_KEY", Some(DEV_JWT_SECRET)),
        ];
        for (key, value) in cases {
            let error = production_with(key, *value).unwrap_err();
            assert_eq!(error.key, *key, "{key}={value:?}: {error}");
        }
        let starttls = production_with("SMTP_URL", Some("smtp://mail:587?tls=required")).unwrap();
        assert_eq!(starttls.smtp.unwrap().tls, SmtpTls::StartTls);
        // The same URLs are fine in development.
        let dev = load(&[
            ("SMTP_URL", "smtp://mail:25"),
            ("JWT_SECRET", DEV_JWT_SECRET),
        ])
        .unwrap();
        assert_eq!(dev.smtp.unwrap().tls, SmtpTls::None);
    }

    #[test]
    fn plaintext_smtp_in_production_only_when_told_to() {
        let mut pairs = vec![
            ("APP_ENV", "production"),
            ("SMTP_URL", "smtp://relay.internal:25"),
            ("PUBLIC_BASE_URL", "https://hub.example.com.au"),
            ("JWT_SECRET", LONG),
            ("LINK_SIGNING_KEY", LONG),
        ];
        assert_eq!(load(&pairs).unwrap_err().key, "SMTP_URL");
        pairs.push(("SMTP_ALLOW_PLAINTEXT", "true"));
        assert_eq!(load(&pairs).unwrap().smtp.unwrap().tls, SmtpTls::None);
    }

    #[test]
    fn mail_from_is_a_mailbox_that_survives_the_settings_row() {
        for raw in [
            "Shop <orders@shop.com.au>",
            "\"Smith, Jones & Co\" <hello@sj.com.au>",
            "Café Brûlée <bonjour@cafe.com.au>",
            "plain@shop.com.au",
        ] {
            let config = load(&[("MAIL_FROM", raw)]).unwrap();
            let seeded = config.settings_seed().mail_from;
            let reparsed: Mailbox = seeded.parse().unwrap();
            assert_eq!(reparsed, config.mail_from, "{raw} -> {seeded}");
        }
        assert_eq!(
            load(&[]).unwrap().mail_from.email.to_string(),
            "no-reply@hub.localhost"
        );
    }

    #[test]
    fn non_utf8_values_fail_only_for_keys_we_read() {
        use std::os::unix::ffi::OsStringExt;
        let bad = || OsString::from_vec(vec![0xff, 0xfe]);
        let error = Config::from_vars_os([(OsString::from("MAIL_FROM"), bad())]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "configuration error: MAIL_FROM: is not valid UTF-8"
        );
        let config = Config::from_vars_os([
            (OsString::from("SOMETHING_ELSE"), bad()),
            (
                OsString::from_vec(b"ODD\xffKEY".to_vec()),
                OsString::from("x"),
            ),
            (
                OsString::from("SELLER_NAME"),
                OsString::from("Harbour Pty Ltd"),
            ),
        ])
        .unwrap();
        assert_eq!(config.seller_name, "Harbour Pty Ltd");
    }

    /// Throwaway keys for these tests only.
    const ED25519_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDSJiJcmNUxO1y9QB2VwaIIIQkFFh8NhKS9mG0cuC26M
-----END PRIVATE KEY-----";
    const RSA_1024_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAKw5UJm/lcEGb7Kq
dMFcwAzG1QPauuosndkBHJI2Tj/jSVdOS48oCznEh0dNmDMi42M/L+rH3Daw6cnG
OjrOhzWnMhu1KIdyzwITfMoEcn4nirt2nkwVG9FpFR3d09Hz8QN7oxVAHHauzSxx
l9+jkxX1YmqBg85pct0BcLNYdQAvAgMBAAECgYArEC3CM/B7EmPtlceZ7dorl6/9
xbyE/2D8uNVvDdslCGz3QqGMCyQ7bpOw1YsgBjI7R7pwh0bd+gCLLmCzAZ829yeO
E8q17Vp73N+o+ALcjulyxwqbGiKH5T1e8roNHdpZOIzDq6sk6NL0wDFeXVUEYRyJ
NRQ4TLAyjnVBKw/0MQJBANivSA9CwAmrdJQxP9JyYx1qXzQ3T4SUof4oM5jjQROu
X3DrvsyK8Xc0X1AKvBVwGDE0q80sAA8LfP84MQef6FkCQQDLeOMvyCnsQ8MfWfIm
cVN0Y1pciDpuqj2nLQaDOaYTpl8SWwnlbOye4H94mJTKBqg/rEt/SJWNbv6sKUyG
FhvHAkBD7zh1aGUS4wlqyMIMtcYzW707frfUhlD/gRUkMuOdSwcrPQ4VzN4FlIrp
amQriHhdPPk8GzZtgRmQXsqobE8JAkBiluml/lvp4g+Kgl+lpuWkEHv5N/zwIEcN
WPC95tIE1WldkIUkCHpCpU6+lVgK59zgNVDDlNz6Ed0OeFhe5BmDAkBqg7MTV6yF
yk4YjFRA44mQudjAlD5WvwHNy4zhXwthlXh3O7ZsibBXqbsRIfFHw4Pvr1bNdV/+
bILtcva5/bNd
-----END PRIVATE KEY-----";
    const RSA_512_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAz2ULCDurnNsYO80Y
R9mjBQaA18qSYQEglBsPqhFGuqFTGTEyZMM7kRbWGAnMkpOU5jaTifCV4HUo/sz6
CP7I1wIDAQABAkEAzdM41K3rjhs+fLL6AuyyRh2DJyYqic0FmRcWP7Evoa0J+Z61
9Y4oYbt41Uj8xEfDfo8z3tTMlztmyYh4usfiEQIhAOx2zWVEWixnxex3MgVG3FN3
1asGhcZblyvJyZTA1685AiEA4Ids+kp5RpSVeKCWdvQZT0DIC4IMfrqe70QfWhM7
KI8CIQChRl3MBZRi2Nwa7SjGhI/ctcya+rXelbVC/jtoIyZ3sQIgYdfCDqQLi01O
gX2BdB7VNKsnQZSPe145ykxmWStOOVMCIHLDq3zPbiV64djN/N75/XbbB5VXU2Pv
C2Gwybj9v22H
-----END PRIVATE KEY-----";
    const P256_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq3uG1sIHzcNhwvN6
NrVO7jFW/USIOQZcJQ5f4XCyeiuhRANCAAR7xs1oB/RRpR/9SHUDhxpHnSPVs8kz
jIbMUy8ADiCGXeoWT38dzNuGx9VzGZPglKqLmAXVykHXqn3rSohhSFGP
-----END PRIVATE KEY-----";

    fn dkim(key: &str) -> Result<Config, ConfigError> {
        load(&[
            ("DKIM_PRIVATE_KEY", key),
            ("DKIM_SELECTOR", "hub2026"),
            ("DKIM_DOMAIN", "Shop.Example.com.au"),
        ])
    }

    #[test]
    fn dkim_is_off_unless_configured() {
        assert!(load(&[]).unwrap().dkim.is_none());
    }

    #[test]
    fn dkim_reads_rsa_and_ed25519_keys_inline_from_a_file_or_escaped() {
        let config = dkim(RSA_1024_PKCS8).unwrap();
        let settings = config.dkim.unwrap();
        assert_eq!(settings.selector, "hub2026");
        assert_eq!(settings.domain, "shop.example.com.au");
        assert!(matches!(settings.algorithm, DkimSigningAlgorithm::Rsa));
        assert!(settings.signing_key().is_ok());
        // The key never shows in a debug print of the configuration.
        let debug = format!("{settings:?}");
        assert!(
            debug.contains("<redacted>") && !debug.contains("MII"),
            "{debug}"
        );

        let settings = dkim(ED25519_KEY).unwrap().dkim.unwrap();
        assert!(matches!(settings.algorithm, DkimSigningAlgorithm::Ed25519));
        assert!(settings.signing_key().is_ok());

        let dir = std::env::temp_dir().join(format!("dkim-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dkim.pem");
        std::fs::write(&path, RSA_1024_PKCS8).unwrap();
        let from_file = dkim(path.to_str().unwrap()).unwrap().dkim.unwrap();
        assert!(matches!(from_file.algorithm, DkimSigningAlgorithm::Rsa));
        let _ = std::fs::remove_dir_all(&dir);

        let escaped = ED25519_KEY.replace('\n', "\\n");
        assert!(dkim(&escaped).unwrap().dkim.is_some());
    }

    #[test]
    fn partial_dkim_configuration_names_the_missing_key() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DKIM_PRIVATE_KEY", ED25519_KEY)], "DKIM_SELECTOR"),
            (
                &[("DKIM_PRIVATE_KEY", ED25519_KEY), ("DKIM_SELECTOR", "s")],
                "DKIM_DOMAIN",
            ),
            (
                &[("DKIM_SELECTOR", "s"), ("DKIM_DOMAIN", "shop.com.au")],
                "DKIM_PRIVATE_KEY",
            ),
            (&[("DKIM_DOMAIN", "shop.com.au")], "DKIM_PRIVATE_KEY"),
        ];
        for (pairs, key) in cases {
            let error = load(pairs).unwrap_err();
            assert_eq!(error.key, *key, "{pairs:?}: {error}");
            assert!(error.message.contains("is required when"), "{error}");
        }
    }

    #[test]
    fn a_dkim_key_that_does_not_parse_is_refused_by_name() {
        let truncated = &ED25519_KEY[..40];
        let garbled = ED25519_KEY.replace("MC4CAQAw", "MC4CAQBw");
        for key in [
            "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            truncated,
            garbled.as_str(),
            RSA_512_PKCS8,
            P256_KEY,
            "/nonexistent/dkim.pem",
            "MC4CAQAwBQYDK2VwBCIEIDSJiJcmNUxO1y9QB2VwaIIIQkFFh8NhKS9mG0cuC26M",
        ] {
            let error = dkim(key).unwrap_err();
            assert_eq!(error.key, "DKIM_PRIVATE_KEY", "{key}: {error}");
            assert!(
                !error.message.contains("MC4CAQ"),
                "the key is not echoed: {error}"
            );
        }
        for (key, value) in [
            ("DKIM_SELECTOR", "bad selector"),
            ("DKIM_DOMAIN", "localhost"),
            ("DKIM_DOMAIN", "shop..com.au"),
        ] {
            let mut pairs = vec![
                ("DKIM_PRIVATE_KEY", ED25519_KEY),
                ("DKIM_SELECTOR", "s1"),
                ("DKIM_DOMAIN", "shop.com.au"),
            ];
            pairs.retain(|(k, _)| *k != key);
            pairs.push((key, value));
            assert_eq!(load(&pairs).unwrap_err().key, key, "{key}={value}");
        }
    }
}
