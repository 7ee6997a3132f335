//! Outbound webhooks as the Standard Webhooks specification fixes them
//! (<https://www.standardwebhooks.com>): the signature over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the subscription's secret,
//! the retry schedule, which answers are final, and which targets may be
//! called at all (no server-side request forgery into our own network).

use super::error::{ErrorCode, ValueError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// The prefix of a secret as shown to its subscriber (the spec's `whsec_`).
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of key material in a generated secret (the spec allows 24–64).
pub const SECRET_BYTES: usize = 32;
/// How far a receiver should accept a timestamp from its own clock.
pub const TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// A subscription's signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A secret from random key material (the caller draws it).
    pub fn from_bytes(bytes: &[u8]) -> Result<Secret, ValueError> {
        if !(24..=64).contains(&bytes.len()) {
            return Err(ValueError::new(
                ErrorCode::OutOfRange,
                "a webhook secret has 24 to 64 bytes",
            ));
        }
        Ok(Secret(bytes.to_vec()))
    }

    /// Reads `whsec_<base64>` as shown to the subscriber.
    pub fn parse(shown: &str) -> Result<Secret, ValueError> {
        let invalid = || ValueError::new(ErrorCode::OutOfRange, "not a webhook secret");
        let encoded = shown.strip_prefix(SECRET_PREFIX).ok_or_else(invalid)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| invalid())?;
        Secret::from_bytes(&bytes)
    }

    /// `whsec_<base64>`: what the subscriber is shown once and stores.
    pub fn shown(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header value: `v1,<base64 HMAC-SHA256>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// Whether any `v1` signature in a `webhook-signature` header (several,
    /// space separated, during a rotation) is this secret's, compared in
    /// constant time, with the timestamp within the tolerance of `now`.
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], header: &str, now: i64) -> bool {
        if timestamp.abs_diff(now) > TIMESTAMP_TOLERANCE.as_secs() {
            return false;
        }
        header.split(' ').any(|signature| {
            let Some(encoded) = signature.strip_prefix("v1,") else {
                return false;
            };
            let Ok(tag) = STANDARD.decode(encoded) else {
                return false;
            };
            self.mac(id, timestamp, body).verify_slice(&tag).is_ok()
        })
    }
}

/// The waits before each retry after a failed attempt, as the spec
/// suggests: about 27 hours from the first attempt to the last.
pub const RETRY_WAITS: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(5 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
];

/// Attempts a delivery gets in all (the first and every retry).
pub const MAX_ATTEMPTS: u32 = RETRY_WAITS.len() as u32 + 1;

/// The wait before the next attempt after `attempts` failed ones, spread by
/// `jitter` (0.0–1.0, drawn by the caller) over ±20 % so that deliveries
/// failing together do not retry together; `None` when none is left.
pub fn next_wait(attempts: u32, jitter: f64) -> Option<Duration> {
    let base = RETRY_WAITS.get(usize::try_from(attempts.checked_sub(1)?).ok()?)?;
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Some(base.mul_f64(factor))
}

/// What an attempt's answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// 2xx: delivered.
    Delivered,
    /// Timeouts, connection errors, 408, 429 and 5xx: try again later.
    Retry,
    /// Any other answer (4xx, 3xx: redirects are not followed): final.
    Fail,
}

/// Classify an attempt by its HTTP status (`None`: no answer — a timeout
/// or connection error).
pub fn classify(status: Option<u16>) -> AttemptOutcome {
    match status {
        Some(200..=299) => AttemptOutcome::Delivered,
        None | Some(408) | Some(429) | Some(500..=599) => AttemptOutcome::Retry,
        Some(_) => AttemptOutcome::Fail,
    }
}

/// Where targets may point: production allows public HTTPS addresses only;
/// development also plain HTTP and loopback (a receiver on this machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetPolicy {
    Production,
    Development,
}

/// A target URL that passed the checks that need no DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub host: String,
    pub port: u16,
}

/// Check a target URL as given: absolute http(s) with a host, HTTPS in
/// production, no credentials, and, when the host is an IP literal, an
/// address the policy allows. Names are checked again after resolution
/// ([`address_allowed`]) at save and at every delivery.
pub fn check_target(raw: &str, policy: TargetPolicy) -> Result<Target, ValueError> {
    let refuse = |message: &str| Err(ValueError::new(ErrorCode::OutOfRange, message));
    let raw = raw.trim();
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => return refuse("not an absolute http(s) URL"),
    };
    let default_port = match (scheme.as_str(), policy) {
        ("https", _) => 443,
        ("http", TargetPolicy::Development) => 80,
        ("http", TargetPolicy::Production) => return refuse("webhook targets use HTTPS"),
        _ => return refuse("not an absolute http(s) URL"),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return refuse("a webhook URL carries no user name or password");
    }
    let (host, port) = split_host_port(authority)
        .ok_or_else(|| ValueError::new(ErrorCode::OutOfRange, "not an absolute http(s) URL"))?;
    let port = port.unwrap_or(default_port);
    if host.is_empty() || raw.len() > 2000 || raw.chars().any(char::is_whitespace) {
        return refuse("not an absolute http(s) URL");
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && !address_allowed(ip, policy)
    {
        return refuse("webhook targets must be public addresses");
    }
    let lower = host.to_ascii_lowercase();
    if policy == TargetPolicy::Production
        && (lower == "localhost" || lower.ends_with(".localhost") || lower.ends_with(".internal"))
    {
        return refuse("webhook targets must be public addresses");
    }
    Ok(Target {
        url: raw.to_owned(),
        host: lower,
        port,
    })
}

/// `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), Some(port.parse().ok()?))),
        None => Some((authority.to_owned(), None)),
    }
}

/// Whether a resolved address may be called: never private, link-local
/// (cloud metadata lives there), shared, multicast, unspecified or
/// reserved; loopback only in development.
pub fn address_allowed(ip: IpAddr, policy: TargetPolicy) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    if ip.is_loopback() {
        return policy == TargetPolicy::Development;
    }
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..=127).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // NAT64 and IPv4-compatible forms can reach private IPv4 space.
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signs_as_the_specification_example() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let now = 1614265330 + 60;
        assert!(secret.verify(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            &signature,
            now
        ));
    }

    #[test]
    fn verification_refuses_tampering_other_secrets_and_old_timestamps() {
        let secret = Secret::from_bytes(&[7; 32]).unwrap();
        let other = Secret::from_bytes(&[8; 32]).unwrap();
        let (id, at, body) = ("msg_1", 1_700_000_000, b"{\"a\":1}".as_slice());
        let good = secret.sign(id, at, body);
        assert!(secret.verify(id, at, body, &good, at));
        assert!(!secret.verify(id, at, b"{\"a\":2}", &good, at));
        assert!(!secret.verify("msg_2", at, body, &good, at));
        assert!(!other.verify(id, at, body, &good, at));
        assert!(!secret.verify(id, at, body, &good, at + 301));
        // During a rotation a receiver may see several signatures.
        let both = format!("{} {good}", other.sign(id, at, body));
        assert!(secret.verify(id, at, body, &both, at));
        assert!(!secret.verify(id, at, body, "v1,not-base64!", at));
        assert!(!secret.verify(id, at, body, "v2,abc", at));
    }

    #[test]
    fn secrets_show_and_parse_back() {
        let secret = Secret::from_bytes(&[1; SECRET_BYTES]).unwrap();
        let shown = secret.shown();
        assert!(shown.starts_with("whsec_"));
        assert_eq!(Secret::parse(&shown).unwrap(), secret);
        assert!(Secret::parse("whsec_c2hvcnQ=").is_err());
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(Secret::from_bytes(&[0; 23]).is_err());
        assert_eq!(format!("{secret:?}"), "Secret(…)");
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        assert_eq!(next_wait(0, 0.5), None);
        assert_eq!(next_wait(1, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(next_wait(2, 0.0), Some(Duration::from_secs(240)));
        assert_eq!(next_wait(2, 1.0), Some(Duration::from_secs(360)));
        assert_eq!(next_wait(MAX_ATTEMPTS - 1, 0.5), Some(RETRY_WAITS[6]));
        assert_eq!(next_wait(MAX_ATTEMPTS, 0.5), None);
        let total: Duration = RETRY_WAITS.iter().sum();
        assert!(total > Duration::from_secs(20 * 3600) && total < Duration::from_secs(30 * 3600));
    }

    #[test]
    fn answers_are_delivered_retried_or_final() {
        use AttemptOutcome::*;
        for (status, outcome) in [
            (Some(200), Delivered),
            (Some(204), Delivered),
            (None, Retry),
            (Some(408), Retry),
            (Some(429), Retry),
            (Some(500), Retry),
            (Some(503), Retry),
            (Some(301), Fail),
            (Some(400), Fail),
            (Some(401), Fail),
            (Some(404), Fail),
            (Some(410), Fail),
        ] {
            assert_eq!(classify(status), outcome, "{status:?}");
        }
    }

    #[test]
    fn targets_are_checked_by_policy() {
        use TargetPolicy::*;
        let ok = check_target("https://hooks.example.com/in?x=1", Production).unwrap();
        assert_eq!((ok.host.as_str(), ok.port), ("hooks.example.com", 443));
        assert_eq!(
            check_target("http://127.0.0.1:8080/hook", Development)
                .unwrap()
                .port,
            8080
        );
        for (raw, policy) in [
            ("http://hooks.example.com/in", Production),
            ("ftp://hooks.example.com/in", Development),
            ("hooks.example.com/in", Production),
            ("https://", Production),
            ("https://user:pw@hooks.example.com/", Production),
            ("https://127.0.0.1/", Production),
            ("https://localhost/", Production),
            ("https://10.0.0.5/", Production),
            ("https://169.254.169.254/latest/meta-data", Development),
            ("https://[::1]/", Production),
            ("https://[fd00::1]/", Development),
            ("https://[::ffff:192.168.1.1]/", Production),
            ("https://hooks.example.com:99999/", Production),
            ("https://hooks example.com/", Production),
        ] {
            assert!(check_target(raw, policy).is_err(), "{raw} {policy:?}");
        }
    }

    #[test]
    fn addresses_are_public_or_refused() {
        use TargetPolicy::*;
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "::",
            "fe80::1",
            "fc00::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!address_allowed(ip, Production), "{ip}");
            assert!(!address_allowed(ip, Development), "{ip}");
        }
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(!address_allowed(loopback, Production));
        assert!(address_allowed(loopback, Development));
        for ip in ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(address_allowed(ip.parse().unwrap(), Production), "{ip}");
        }
    }

    proptest! {
        /// A signature always verifies with its own secret and inputs, and
        /// never after the body changes.
        #[test]
        fn signatures_round_trip(key in proptest::collection::vec(any::<u8>(), 24..64),
                                 body in proptest::collection::vec(any::<u8>(), 0..256),
                                 at in 0i64..4_000_000_000) {
            let secret = Secret::from_bytes(&key).unwrap();
            let signature = secret.sign("msg_x", at, &body);
            prop_assert!(secret.verify("msg_x", at, &body, &signature, at));
            let mut changed = body.clone();
            changed.push(b'!');
            prop_assert!(!secret.verify("msg_x", at, &changed, &signature, at));
        }

        /// Waits never leave ±20 % of the schedule.
        #[test]
        fn jitter_stays_in_bounds(attempts in 1u32..MAX_ATTEMPTS, jitter in 0.0f64..=1.0) {
            let wait = next_wait(attempts, jitter).unwrap();
            let base = RETRY_WAITS[attempts as usize - 1];
            prop_assert!(wait >= base.mul_f64(0.8) && wait <= base.mul_f64(1.2));
        }
    }
}
