//! Sending email: `.eml` files in embedded mode, SMTP in production.

use domain::platform::notifications::FailureKind;
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

    /// Send; a failure says whether retrying can help.
    pub async fn send(&self, mail: Outgoing<'_>) -> Result<(), (FailureKind, String)> {
        let to: Mailbox = mail.to.parse().map_err(|e| {
            (
                FailureKind::Permanent,
                format!("bad recipient '{}': {e}", mail.to),
            )
        })?;
        let message = Message::builder()
            .from(mail.from.clone())
            .to(to)
            .subject(mail.subject)
            .message_id(Some(mail.message_id.to_owned()))
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| (FailureKind::Permanent, format!("building the message: {e}")))?;
        match self {
            Mailer::Files(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| (FailureKind::Transient, format!("writing the message: {e}"))),
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                // 5xx (e.g. a rejected recipient) cannot get better by retrying;
                // 4xx, timeouts and refused connections can.
                let kind = if e.is_permanent() {
                    FailureKind::Permanent
                } else {
                    FailureKind::Transient
                };
                (kind, e.to_string())
            }),
        }
    }
}
