//! Sending email: `.eml` files in embedded mode, SMTP in production. Either
//! way a message is DKIM-signed when a key is configured, and a commercial
//! one carries the RFC 8058 one-click unsubscribe headers.

use config::DkimSettings;
use domain::platform::notifications::FailureKind;
use lettre::message::dkim::{DkimCanonicalization, DkimCanonicalizationType, DkimConfig};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub enum Mailer {
    Files(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// A message ready to send.
pub struct Outgoing<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub message_id: &'a str,
    pub subject: &'a str,
    pub html: String,
    pub text: String,
    /// A commercial email's unsubscribe link, put in `List-Unsubscribe`
    /// with one-click `List-Unsubscribe-Post`; `None` (transactional) adds
    /// neither header.
    pub unsubscribe_url: Option<&'a str>,
    /// Sign with this key (`Config::dkim`); `None` sends unsigned.
    pub dkim: Option<&'a DkimSettings>,
}

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Whether retrying can help.
    pub kind: FailureKind,
    pub message: String,
    /// The mail server refused the recipient's address for good (an SMTP
    /// 5xx about the mailbox): the address bounces. A recipient that does
    /// not even parse, or a 5xx about us (authentication, policy), is not a
    /// bounce.
    pub bounced: bool,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError {
            kind: FailureKind::Transient,
            message: message.into(),
            bounced: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            kind: FailureKind::Permanent,
            message: message.into(),
            bounced: false,
        }
    }
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribe(pub String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let url = s
            .trim()
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .ok_or("List-Unsubscribe is not <URL>")?;
        Ok(ListUnsubscribe(url.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): a POST
/// to the `List-Unsubscribe` URL unsubscribes without further steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListUnsubscribePost;

impl ListUnsubscribePost {
    const VALUE: &str = "List-Unsubscribe=One-Click";
}

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if s.trim() == Self::VALUE {
            Ok(ListUnsubscribePost)
        } else {
            Err("List-Unsubscribe-Post is not List-Unsubscribe=One-Click".into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), Self::VALUE.to_owned())
    }
}

/// The headers a signature covers, those of them the message has.
const SIGNED: [&str; 5] = ["From", "To", "Subject", "Date", "Message-ID"];
const SIGNED_WHEN_UNSUBSCRIBABLE: [&str; 2] = ["List-Unsubscribe", "List-Unsubscribe-Post"];

/// Build (and sign) the message; errors are permanent: the same input
/// fails the same way.
pub fn build(mail: Outgoing<'_>) -> Result<Message, SendError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| SendError::permanent(format!("bad recipient '{}': {e}", mail.to)))?;
    let mut builder = Message::builder()
        .from(mail.from.clone())
        .to(to)
        .subject(mail.subject)
        .message_id(Some(mail.message_id.to_owned()));
    if let Some(url) = mail.unsubscribe_url {
        // Whatever the link is, it must stay one header value inside <>.
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'))
        {
            return Err(SendError::permanent(format!(
                "unusable unsubscribe link '{url}'"
            )));
        }
        builder = builder
            .header(ListUnsubscribe(url.to_owned()))
            .header(ListUnsubscribePost);
    }
    let mut message = builder
        .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
        .map_err(|e| SendError::permanent(format!("building the message: {e}")))?;
    if let Some(dkim) = mail.dkim {
        let key = dkim
            .signing_key()
            .map_err(|e| SendError::permanent(format!("the DKIM key: {e}")))?;
        let unsubscribable = mail.unsubscribe_url.is_some();
        let headers = SIGNED
            .iter()
            .chain(SIGNED_WHEN_UNSUBSCRIBABLE.iter().filter(|_| unsubscribable))
            .map(|name| HeaderName::new_from_ascii_str(name))
            .collect();
        // Relaxed both ways: relays that refold headers or trailing
        // whitespace do not break the signature.
        let config = DkimConfig::new(
            dkim.selector.clone(),
            dkim.domain.clone(),
            key,
            headers,
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Relaxed,
            },
        );
        message.sign(&config);
    }
    Ok(message)
}

/// Does this permanent SMTP refusal say the address itself is bad? Reply
/// 550/551/553 (mailbox unavailable, not local, name not allowed), or an
/// enhanced status 5.1.x (bad address) or 5.2.1 (mailbox disabled) when
/// the server gives one, which also keeps 550 5.7.1 (policy, relaying
/// denied: about us, not the address) from counting.
pub fn refuses_address(code: u16, text: &str) -> bool {
    let enhanced = text.split_whitespace().find_map(|word| {
        let mut parts = word.split('.');
        let class = parts.next()?.parse::<u16>().ok()?;
        let subject = parts.next()?.parse::<u16>().ok()?;
        let detail = parts.next()?.parse::<u16>().ok()?;
        (parts.next().is_none() && matches!(class, 2 | 4 | 5)).then_some((class, subject, detail))
    });
    match enhanced {
        Some((class, subject, detail)) => {
            class == 5 && (subject == 1 || (subject, detail) == (2, 1))
        }
        None => matches!(code, 550 | 551 | 553),
    }
}

impl Mailer {
    /// SMTP when `smtp_url` is set (TLS when the URL asks: `smtps://` or
    /// `?tls=required`), otherwise files under `mail_dir`.
    pub fn new(smtp_url: Option<&str>, mail_dir: &Path) -> anyhow::Result<Mailer> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(mail_dir)?;
                Ok(Mailer::Files(AsyncFileTransport::<Tokio1Executor>::new(
                    mail_dir,
                )))
            }
        }
    }

    /// Send; a failure says whether retrying can help and whether the
    /// server refused the address.
    pub async fn send(&self, mail: Outgoing<'_>) -> Result<(), SendError> {
        let message = build(mail)?;
        match self {
            Mailer::Files(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::transient(format!("writing the message: {e}"))),
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                // 5xx (e.g. a rejected recipient) cannot get better by retrying;
                // 4xx, timeouts and refused connections can.
                let message = e.to_string();
                match e.status().filter(|_| e.is_permanent()) {
                    Some(code) => {
                        let text = std::error::Error::source(&e)
                            .map(|s| s.to_string())
                            .unwrap_or_default();
                        SendError {
                            kind: FailureKind::Permanent,
                            bounced: refuses_address(code.into(), &text),
                            message,
                        }
                    }
                    None => SendError::transient(message),
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway 2048-bit RSA key for these tests only (PKCS#1).
    const RSA_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAvD0AlaWnysYIpvSQ8b6HOidEt75Im0/tsn+PhwhjYMIkfFF/
v6iebShbyzhqXf9rgnozQyUb9tZd5cGIRDSTcDrUgIJftD0HjCZM9IKedg9yAadF
Tj2VnaEeSHv2qUGuzFLKGUaJI2tgGNp5KM3dcVRcfhcmk4NY1o6fnuwvZeDYbVpn
bhUv8nmmo3xFrsuiwaMTSC3OPAnUle6hH+UGYDe6hZd42tFWMd2Up/EDgoiclLJb
bxMwBbYtQlz5DqIQX4K7iO+4wPXUL6TFfJVS0lrZKqFtrTlbmgBLLwnAyQ9TyA4g
mEbAE8o/chEdstFh9khCkif8pBzh+vVyOGIkgwIDAQABAoIBAA5dNVM2DeTKUdSz
qu/Xkygb4QGIcq/vXHsXgtNSD4tNpU0bRv1QF67Kup56UpuTpxeQzaKdDVI7r3Sd
3REfVfTleFvKFxWA5reKIKsz4HWv3gpEQmSjDGy348CyPPNTgMw0sRlWqZZbVjzv
RvmXJAPG5Tv19kqhZkERJxsQeNl0OmU23nR9iivj1ZIQzZRIrQGfMaerIqzZN51+
VvDPZUPwqrNT3HseXS9mHY4moNxqUBe8O1XKoqsodmsUXj5MYnVz3ny2VLUXItA9
RQyvllPa2DRc1oeuyhqjnfe73Dpy+C0rY+sVJ9weJDOqMbd86thQeNern7VbhTnU
6jWpdikCgYEA5kIsQD2uQBZGyR7aPItk6GqK9M1VzbvL1ylrzslbHDG7loPnJOHL
WPXRfvpFoTdprndc/NY1yagajtox6UXGHhVW5cQDiyHlqZahXso7T/76JEJXZehU
UNhAomlIyeESug8D/8RHylUvCdvZEanfJDie7ddQWmoJjaDv6wHS128CgYEA0Ug+
FwvAIHfq64yZdDkKn2YvWFTSC92rQZ+ZyJq0ztQ9qAZ4zAOGdb9VZAlKLIq9pMHX
O/3dHtAc1+qcU/yHV5pENFaRFxOHIuZob1mbbk0zWXjLsxMYpvdOtB5fPsLC+t+1
w1TWN0DiWMOannQ1IRAPjIT3gWpI2BiYB/ofGi0CgYEAhiRe6z4D2cogiuKyeTss
GkqXkW5eYnDZnAvBhsK/lXlTs6g8bLwuXzE2Tyc2kWla5A0d2x5gT47jif2Lvj6r
4LLF4S2EcvXYeigK8tIWI9CDocQUboYfOMoDPZrgkNvSsRo2VjbfK/zcXn35w9SW
7t8dl6osYcAMuLndi6eQUXkCgYBi2MZKyEgEjd8tRgkstcxooTD3fYiABkDfC+zs
rPV9Qw2kEPp5EakucCJ6z1BzXUxZRxzLvwnzhcQ5zxvrJzkdjUVtmv2Icra/Kyhk
f2REYr5AIifD+t8H7YME29uMnxzMtWD6U1WiX0kJN8oN0UFOznEpo5vrSjIBrwwP
qHmMOQKBgEhSddQLPOP4pKk3fbfep5UdTyLoWRDsRUWRiMMsGGvmbB72hUejLOxA
eMYCVt54H5z/OID5iURJkBNqJhTMy8c+9e+Q0YwaUHmVucC3l9sTCY8bKHEk4srB
yWhzZExs1uRrjPWMGPqIS5T+UDuYABcTv8zlY0CBzc096nl1j6Ou
-----END RSA PRIVATE KEY-----";
    const ED25519_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDSJiJcmNUxO1y9QB2VwaIIIQkFFh8NhKS9mG0cuC26M
-----END PRIVATE KEY-----";

    fn from() -> Mailbox {
        "Shop <orders@shop.example.com.au>".parse().unwrap()
    }

    fn outgoing<'a>(
        from: &'a Mailbox,
        unsubscribe_url: Option<&'a str>,
        dkim: Option<&'a DkimSettings>,
    ) -> Outgoing<'a> {
        Outgoing {
            from,
            to: "Customer <customer@example.net>",
            message_id: "0190c0de-0000-7000-8000-000000000001@shop.example.com.au",
            subject: "Something for you",
            html: "<p>Hello</p>".into(),
            text: "Hello".into(),
            unsubscribe_url,
            dkim,
        }
    }

    fn formatted(message: &Message) -> String {
        String::from_utf8(message.formatted()).unwrap()
    }

    /// The header block, unfolded, one `name: value` per line.
    fn headers(raw: &str) -> Vec<String> {
        let head = raw.split("\r\n\r\n").next().unwrap();
        let mut out: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            match out.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => out.push(line.to_owned()),
            }
        }
        out
    }

    fn header<'h>(headers: &'h [String], name: &str) -> Option<&'h str> {
        headers.iter().find_map(|h| {
            let (n, v) = h.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    #[test]
    fn an_unsubscribable_message_has_both_list_headers() {
        let from = from();
        let url = "https://shop.example.com.au/unsubscribe/eyJhbGciOiJIUzI1NiJ9.eyJwYXJ0eSI6IjAxOTBjMGRlIn0.c2lnbmF0dXJlLW9mLXRoZS1saW5r";
        let message = build(outgoing(&from, Some(url), None)).unwrap();
        let raw = formatted(&message);
        let headers = headers(&raw);
        assert_eq!(
            header(&headers, "List-Unsubscribe"),
            Some(format!("<{url}>").as_str()),
            "{raw}"
        );
        assert_eq!(
            header(&headers, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        // Nothing breaks the line beyond what SMTP allows.
        assert!(raw.split("\r\n").all(|line| line.len() <= 998));
    }

    #[test]
    fn a_transactional_message_has_neither_list_header() {
        let from = from();
        let message = build(outgoing(&from, None, None)).unwrap();
        let raw = formatted(&message);
        assert!(
            !raw.to_ascii_lowercase().contains("list-unsubscribe"),
            "{raw}"
        );
        assert!(!raw.contains("DKIM-Signature"), "unsigned without a key");
    }

    #[test]
    fn an_unsubscribe_link_cannot_inject_headers() {
        let from = from();
        for url in [
            "https://shop.example/u>\r\nBcc: x@evil.example",
            "javascript:alert(1)",
            "https://shop.example/a b",
        ] {
            let error = build(outgoing(&from, Some(url), None)).unwrap_err();
            assert_eq!(error.kind, FailureKind::Permanent);
            assert!(!error.bounced);
        }
    }

    fn dkim_signature(raw: &str) -> Vec<(String, String)> {
        let headers = headers(raw);
        let value = header(&headers, "DKIM-Signature").expect("a DKIM-Signature header");
        value
            .split(';')
            .filter_map(|tag| {
                let (k, v) = tag.split_once('=')?;
                Some((
                    k.trim().to_owned(),
                    v.chars().filter(|c| !c.is_whitespace()).collect(),
                ))
            })
            .collect()
    }

    fn tag<'t>(tags: &'t [(String, String)], name: &str) -> &'t str {
        tags.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name}= in {tags:?}"))
    }

    #[test]
    fn a_configured_key_signs_with_its_selector_and_domain() {
        let from = from();
        let dkim = DkimSettings::new(RSA_KEY, "hub2026", "shop.example.com.au").unwrap();
        let url = "https://shop.example.com.au/unsubscribe/abc";
        let message = build(outgoing(&from, Some(url), Some(&dkim))).unwrap();
        let raw = formatted(&message);
        let tags = dkim_signature(&raw);
        assert_eq!(tag(&tags, "v"), "1");
        assert_eq!(tag(&tags, "a"), "rsa-sha256");
        assert_eq!(tag(&tags, "s"), "hub2026");
        assert_eq!(tag(&tags, "d"), "shop.example.com.au");
        assert_eq!(tag(&tags, "c"), "relaxed/relaxed");
        assert_eq!(
            tag(&tags, "h"),
            "from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post"
        );
        assert!(tag(&tags, "b").len() > 300, "a 2048-bit signature");

        // Without a link the list headers are not named.
        let unlisted = build(outgoing(&from, None, Some(&dkim))).unwrap();
        let tags = dkim_signature(&formatted(&unlisted));
        assert_eq!(tag(&tags, "h"), "from:to:subject:date:message-id");
    }

    #[test]
    fn an_ed25519_key_signs_too() {
        let from = from();
        let dkim = DkimSettings::new(ED25519_KEY, "ed", "shop.example.com.au").unwrap();
        let message = build(outgoing(&from, None, Some(&dkim))).unwrap();
        let tags = dkim_signature(&formatted(&message));
        assert_eq!(tag(&tags, "a"), "ed25519-sha256");
        assert_eq!(tag(&tags, "s"), "ed");
    }

    #[test]
    fn only_refusals_of_the_address_are_bounces() {
        assert!(refuses_address(550, "5.1.1 mailbox unavailable"));
        assert!(refuses_address(550, "mailbox unavailable"));
        assert!(refuses_address(553, "mailbox name not allowed"));
        assert!(refuses_address(554, "5.1.2 bad destination domain"));
        assert!(refuses_address(550, "5.2.1 mailbox disabled"));
        // About us or the message, not the address.
        assert!(!refuses_address(550, "5.7.1 relaying denied"));
        assert!(!refuses_address(530, "5.7.0 authentication required"));
        assert!(!refuses_address(554, "transaction failed"));
        assert!(!refuses_address(552, "5.3.4 message too big"));
    }
}
