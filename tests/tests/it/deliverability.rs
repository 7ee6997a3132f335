//! Email deliverability end to end: DKIM signatures that a real verifier
//! accepts (SMTP and `.eml` files), and a permanent refusal by the mail
//! server marking the address bouncing.

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::{
    AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters, ResolverCache, Txt,
};
use sea_orm::EntityTrait;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tests::smtp::SmtpSink;
use tests::{TestApp, wait_for, wait_for_value};

/// How long the job path may take on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// A throwaway 2048-bit RSA key made for this test with `openssl genrsa 2048`
/// (PKCS#8, as OpenSSL 3 writes it). Never used anywhere else.
const DKIM_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDoP8HaxN+9+mrr
AoGNCMkDkDlpunjFI3mQTox1jSPKiNyAG/Eocp2/P+hU/t4RozTAq1ph7L/pmPXP
GDty7VMBcq2oIz1BxCcHCXgIjE0oZ8iZcl1SwW77KAz/2ceNEKq3nOZqA5BVGz0R
R+eD0f2jeLmzmhVSt49HRYXMZm7KPiiPC+py9vdNBNjtFB4ld1Z1gY03/raP91G5
osRYTlp3jg9/2D5ng9V1pc0xZujJccJ59192LBsZiakU3OmcSrX8i2I4UwSbEhgC
caxBCz59EPbZ5rrOK4DxuP2mCtNrHYZcWWf8x1mR0yMjrytiCtXS5AITQhCiLWMZ
swVNdb65AgMBAAECggEAF6SO794JH2pH2lz+0nxNl1PmLlfV7c601D6U0K4xsa9x
UAbYK9uQKL0hIg7wjSfZyc/f03ZyGn4QbvjK64ISqEPz/vj4ZlKpPO+HNUqQG8AF
9S4F51Pq//0lpqGVTYxf7rF1qN7sQWe0labl3/7fdNXoRKr3xvwKBVHD40kdt+9+
lPbAYxhdKjjpupXuMA8mnFjiKaWoNXODrPCofdT9AhxUafeSbatAwglJuY60V73T
l90dTaIKGOfu6QQfrUrBFZNU+d19kopJkfP+1stN/FM5FEL3jyrwZn3srRWXTyoN
oY1p1vnGCQZ5T3w6Dvy5BsyGGAG5A48TnRR+hglzsQKBgQD0uLheMlkxQqPL+AiD
6TwmGiHsfbhJxyxV/uN/1A6qSC5fofCdfYTo2l6mzkIAoPi46s/UOcXn3D7Y4zs4
HWshih54zsnIiCNbjSUVcaVzlqDEabSTjG3zOoZGvHHxaJ1DmJvUiJTbQorn9Q/K
ddRttU9s9C+uANoMuplAN/Y7SQKBgQDy8+Ix1zqiv/gT6EQs7gWgGrLcJkOcM9hz
njluPIEn8/Y3n409L9z/QOqKPZTK0z+CrlZzjlj2d0ZvtfWHD1vjk1Faskjr9AKz
ETC4X8KLe0XuA1CrmrlTR03WMI9MgnJDWIFGSwtW9nJzbTlj763cgAolrg0JVXKB
8OmyL1F38QKBgCeWwmyqpHctmqXiiC4eyxY24AoMBIYa7Hc09sS1H3I4nxflcLFp
nti0it9dOpwzbkkr41cnyXZK0PfxOqFHUQ9p8qgEe+wu6dljqf4gFm3uji94EjhU
XW0dqJ9E2QH+tII86+ij98DIsQP5RwavrR/aVvD/R79Ub/HjNeuHohPRAoGAJlmb
BfUMe25EEZhjUphL6Qbt3tRnbbu9WhrKw/znAlB/OC6GU/c/Mkej/ihUWWPZLZ6p
ZNo+bsFLLA0T8brZ7WVuvRtRaXV+C5gWEbSD+BKAal65mCz3Pg8OWVYW+KPKt5i7
50WnR5XlYRUHrx/BWQIZF/OOeT+0sJA/w3G2sXECgYEAuPp72PwDkruUPxk6t3jK
8YgV+E0eN/OvVtRE8IhCTWt983rhor2rqPUEpFHs9tuFf0r+r/fKMFTNWnQ8BlA/
/hZpyqAYCMna4IUqNWM8HtV236Fog3+I9/MdG96LVK/XaaBwfLtJBGVc8UeR/YKn
sbUiGNwdbJy/b3nQOTPPl64=
-----END PRIVATE KEY-----";

/// Its public half, as the `p=` of the DNS record (base64 of the DER
/// SubjectPublicKeyInfo: `openssl rsa -pubout -outform DER | base64`).
const DKIM_PUBLIC_KEY: &str = concat!(
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6D/B2sTfvfpq6wKBjQjJ",
    "A5A5abp4xSN5kE6MdY0jyojcgBvxKHKdvz/oVP7eEaM0wKtaYey/6Zj1zxg7cu1T",
    "AXKtqCM9QcQnBwl4CIxNKGfImXJdUsFu+ygM/9nHjRCqt5zmagOQVRs9EUfng9H9",
    "o3i5s5oVUrePR0WFzGZuyj4ojwvqcvb3TQTY7RQeJXdWdYGNN/62j/dRuaLEWE5a",
    "d44Pf9g+Z4PVdaXNMWboyXHCefdfdiwbGYmpFNzpnEq1/ItiOFMEmxIYAnGsQQs+",
    "fRD22ea6ziuA8bj9pgrTax2GXFln/MdZkdMjI68rYgrV0uQCE0IQoi1jGbMFTXW+",
    "uQIDAQAB",
);

const SELECTOR: &str = "hub2026";
const DOMAIN: &str = "shop.example.com.au";
const MAIL_FROM: &str = "Harbour Shop <orders@shop.example.com.au>";

/// A resolver cache holding exactly one TXT record: the published key, as
/// `selector._domainkey.domain` would answer. Nothing goes to DNS.
struct PublishedKey(Mutex<HashMap<String, Txt>>);

impl PublishedKey {
    fn new(record: &str) -> PublishedKey {
        let key = DomainKey::parse(record.as_bytes()).expect("a valid DKIM record");
        let name = format!("{SELECTOR}._domainkey.{DOMAIN}.");
        PublishedKey(Mutex::new(HashMap::from([(name, Txt::from(key))])))
    }
}

impl ResolverCache<String, Txt> for PublishedKey {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(name)
    }

    fn insert(&self, key: String, value: Txt, _valid_until: Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// What a receiving server concludes about each DKIM signature of `raw`.
async fn dkim_results(raw: &[u8]) -> Vec<DkimResult> {
    dkim_results_with(raw, &format!("v=DKIM1; k=rsa; p={DKIM_PUBLIC_KEY}")).await
}

/// The same, with `record` published for the selector.
async fn dkim_results_with(raw: &[u8], record: &str) -> Vec<DkimResult> {
    let message = AuthenticatedMessage::parse(raw).expect("a parsable message");
    let keys = PublishedKey::new(record);
    // The cache answers every lookup, so the resolver is never asked.
    let authenticator = MessageAuthenticator::new_cloudflare().expect("a resolver");
    authenticator
        .verify_dkim(Parameters::new(&message).with_txt_cache(&keys))
        .await
        .iter()
        .map(|output| output.result().clone())
        .collect()
}

/// The message passes, and fails once its body or a signed header is
/// changed (so a verifier that passed everything would be caught).
async fn assert_signed_and_tamper_evident(raw: &[u8]) {
    let text = String::from_utf8(raw.to_vec()).expect("an ASCII message");
    assert_eq!(
        dkim_results(raw).await,
        [DkimResult::Pass],
        "one signature that verifies:\n{text}"
    );

    let (head, body) = text.split_once("\r\n\r\n").expect("headers and body");
    let tampered_body = format!("{head}\r\n\r\n{body}P.S. pay into account 123-456.\r\n");
    let results = dkim_results(tampered_body.as_bytes()).await;
    assert!(
        matches!(
            results.as_slice(),
            [DkimResult::Neutral(_) | DkimResult::Fail(_)]
        ),
        "a changed body must not verify: {results:?}"
    );

    let tampered_subject = text.replacen("Subject: ", "Subject: URGENT ", 1);
    assert_ne!(tampered_subject, text);
    let results = dkim_results(tampered_subject.as_bytes()).await;
    assert!(
        matches!(results.as_slice(), [DkimResult::Fail(_)]),
        "a changed subject must not verify: {results:?}"
    );
}

fn dkim_keys(private_key: &str) -> [(&'static str, String); 4] {
    [
        ("MAIL_FROM", MAIL_FROM.to_owned()),
        ("DKIM_PRIVATE_KEY", private_key.to_owned()),
        ("DKIM_SELECTOR", SELECTOR.to_owned()),
        ("DKIM_DOMAIN", DOMAIN.to_owned()),
    ]
}

async fn spawn(extra: &[(&str, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(&pairs).await
}

async fn create_customer(app: &TestApp, name: &str, email: &str) -> String {
    app.customer_named(name, email).await
}

#[tokio::test]
async fn smtp_email_carries_a_dkim_signature_that_verifies() {
    let sink = SmtpSink::start().await;
    let mut vars = dkim_keys(DKIM_KEY).to_vec();
    vars.push(("SMTP_URL", sink.url()));
    let app = spawn(&vars).await;
    let _worker = app.ensure_worker().await;
    create_customer(&app, "Harbour Homewares", "orders@harbour.example").await;

    let received = sink.wait_for(1, PATIENCE).await;
    assert_eq!(received.len(), 1, "the welcome email arrives");
    let raw = &received[0].data;
    let parsed = received[0].parsed();
    let signature = parsed
        .header_raw("DKIM-Signature")
        .expect("a DKIM-Signature header");
    let tags: String = signature.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(tags.contains(&format!("d={DOMAIN};")), "{signature}");
    assert!(tags.contains(&format!("s={SELECTOR};")), "{signature}");
    assert!(
        tags.contains("h=from:to:subject:date:message-id;"),
        "{signature}"
    );
    // A welcome email is transactional: no unsubscribe headers.
    assert!(parsed.header_raw("List-Unsubscribe").is_none());
    assert!(parsed.header_raw("List-Unsubscribe-Post").is_none());

    assert_signed_and_tamper_evident(raw).await;
}

#[tokio::test]
async fn email_files_are_signed_with_a_key_read_from_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key_path = dir.path().join("dkim.pem");
    std::fs::write(&key_path, DKIM_KEY).expect("write the key file");
    let app = spawn(&dkim_keys(&key_path.display().to_string())).await;
    let _worker = app.ensure_worker().await;
    let id = create_customer(&app, "File Traders", "files@traders.example").await;

    let notification = wait_for_value("the welcome email recorded SENT", PATIENCE, async || {
        app.notification_for(&id)
            .await
            .filter(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    let file = std::fs::read_dir(app.mail_dir())
        .expect("the mail directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| {
            path.extension().is_some_and(|x| x == "eml")
                && std::fs::read_to_string(path)
                    .is_ok_and(|raw| raw.contains(&notification.id.to_string()))
        })
        .expect("the welcome email file");
    assert_signed_and_tamper_evident(&std::fs::read(file).unwrap()).await;
}

#[tokio::test]
async fn a_permanent_refusal_marks_the_address_bouncing() {
    use domain::platform::deliverability::is_bouncing;
    let sink = SmtpSink::start().await;
    sink.reject("gone@bounce.example");
    let app = spawn(&[("SMTP_URL", sink.url())]).await;
    let _worker = app.ensure_worker().await;
    create_customer(&app, "Gone Pty Ltd", "Gone@Bounce.example").await;
    create_customer(&app, "Still Here Pty Ltd", "here@fine.example").await;

    wait_for(
        "the refused address marked bouncing",
        PATIENCE,
        async || {
            is_bouncing(app.db(), "gone@bounce.example")
                .await
                .expect("read the address")
        },
    )
    .await;
    let row = entity::mail_address::Entity::find_by_id("gone@bounce.example".to_owned())
        .one(app.db())
        .await
        .unwrap()
        .expect("the address row");
    assert!(
        row.last_bounce
            .as_deref()
            .is_some_and(|e| e.contains("550")),
        "{row:?}"
    );

    // The accepted address was delivered to and is not bouncing.
    let received = sink.wait_for(1, PATIENCE).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["here@fine.example".to_owned()]);
    assert!(!is_bouncing(app.db(), "here@fine.example").await.unwrap());
}

/// RFC 8463 signatures, and the unsubscribe headers signed with the rest,
/// straight from the mailer (no app needed).
#[tokio::test]
async fn ed25519_signatures_and_signed_unsubscribe_headers_verify() {
    /// A throwaway key made with `openssl genpkey -algorithm ed25519`.
    const KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDSJiJcmNUxO1y9QB2VwaIIIQkFFh8NhKS9mG0cuC26M
-----END PRIVATE KEY-----";
    /// Its raw public key, base64 (RFC 8463 `p=`).
    const PUBLIC: &str = "KrFnCPjUfp4y/Kisfo2vtM6o3gnHDl+RbIxWZfQHLYs=";
    let dkim = config::DkimSettings::new(KEY, SELECTOR, DOMAIN).unwrap();
    let from = MAIL_FROM.parse().unwrap();
    let url = "https://shop.example.com.au/unsubscribe/signed-token";
    let message = worker::mailer::build(worker::mailer::Outgoing {
        from: &from,
        to: "customer@example.net",
        message_id: "offer-1@shop.example.com.au",
        subject: "10% off your next order",
        html: "<p>10% off</p>".into(),
        text: "10% off".into(),
        unsubscribe_url: Some(url),
        dkim: Some(&dkim),
    })
    .unwrap();
    let raw = String::from_utf8(message.formatted()).unwrap();
    let record = format!("v=DKIM1; k=ed25519; p={PUBLIC}");
    assert_eq!(
        dkim_results_with(raw.as_bytes(), &record).await,
        [DkimResult::Pass],
        "{raw}"
    );
    // The one-click headers are covered: a relay cannot swap the link.
    let swapped = raw.replacen(url, "https://evil.example/unsubscribe", 1);
    assert_ne!(swapped, raw);
    let results = dkim_results_with(swapped.as_bytes(), &record).await;
    assert!(
        matches!(results.as_slice(), [DkimResult::Fail(_)]),
        "{results:?}"
    );
}
