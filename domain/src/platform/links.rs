//! Signed links: what a customer email links to when the page opens without
//! logging in (an invoice, tracking, a survey, unsubscribe, an engagement's
//! NPS survey). The token
//! carries its purpose, subject and expiry under an HMAC-SHA256 with
//! `LINK_SIGNING_KEY`, so nothing is stored per link and nobody can make one
//! for another subject, purpose or date. Pure: the caller passes the time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// Bumped if the token layout ever changes, so old links fail cleanly.
const VERSION: u8 = 1;
/// version, purpose, subject, expiry (seconds since the epoch, big-endian).
const BODY_LEN: usize = 1 + 1 + 16 + 8;
const MAC_LEN: usize = 32;

/// What a link opens. The purpose is signed, so a tracking link cannot be
/// replayed as an unsubscribe link for the same subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A customer's copy of a tax invoice (subject: the invoice).
    Invoice,
    /// An order's delivery tracking (subject: the shipment).
    Tracking,
    /// The satisfaction survey after delivery (subject: the order).
    Survey,
    /// Withdrawing consent to commercial email (subject: the consent).
    Unsubscribe,
    /// The simulated PayPal-style provider's approval page a payer is sent
    /// to (subject: the payment).
    PayerApproval,
    /// The NPS survey sent when an engagement closes (subject: the
    /// engagement).
    Nps,
}

impl LinkPurpose {
    pub const ALL: [LinkPurpose; 6] = [
        LinkPurpose::Invoice,
        LinkPurpose::Tracking,
        LinkPurpose::Survey,
        LinkPurpose::Unsubscribe,
        LinkPurpose::PayerApproval,
        LinkPurpose::Nps,
    ];

    /// How long a link stays valid. Unsubscribe links must keep working for
    /// a year (Spam Act s18, see AU-RULES); the rest are short-lived.
    pub fn validity(self) -> TimeDelta {
        match self {
            LinkPurpose::Unsubscribe => TimeDelta::days(365),
            LinkPurpose::Invoice | LinkPurpose::Tracking | LinkPurpose::Nps => TimeDelta::days(30),
            LinkPurpose::Survey => TimeDelta::days(14),
            LinkPurpose::PayerApproval => TimeDelta::hours(3),
        }
    }

    /// The path segment of its page: `/links/{segment}/{token}`.
    pub fn path_segment(self) -> &'static str {
        match self {
            LinkPurpose::Invoice => "invoice",
            LinkPurpose::Tracking => "tracking",
            LinkPurpose::Survey => "survey",
            LinkPurpose::Unsubscribe => "unsubscribe",
            LinkPurpose::PayerApproval => "payer-approval",
            LinkPurpose::Nps => "nps",
        }
    }

    /// The purpose a path segment names.
    pub fn from_path_segment(segment: &str) -> Option<LinkPurpose> {
        LinkPurpose::ALL
            .into_iter()
            .find(|p| p.path_segment() == segment)
    }

    fn code(self) -> u8 {
        match self {
            LinkPurpose::Invoice => 1,
            LinkPurpose::Tracking => 2,
            LinkPurpose::Survey => 3,
            LinkPurpose::Unsubscribe => 4,
            LinkPurpose::PayerApproval => 5,
            LinkPurpose::Nps => 6,
        }
    }

    fn from_code(code: u8) -> Option<LinkPurpose> {
        LinkPurpose::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedLink {
    pub purpose: LinkPurpose,
    pub subject: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Why a token opens nothing. A page shows `Invalid` as "not found" and
/// `Expired` as "gone"; neither says more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks links with one key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

impl LinkSigner {
    pub fn new(key: &str) -> LinkSigner {
        LinkSigner {
            key: key.as_bytes().to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length")
    }

    /// A token for `purpose` and `subject`, valid for the purpose's validity from `now`.
    pub fn issue(&self, purpose: LinkPurpose, subject: Uuid, now: DateTime<Utc>) -> String {
        self.sign(purpose, subject, now + purpose.validity())
    }

    /// The absolute address of the page a fresh link opens (what an email
    /// carries), under the public base URL.
    pub fn url(
        &self,
        public_base_url: &str,
        purpose: LinkPurpose,
        subject: Uuid,
        now: DateTime<Utc>,
    ) -> String {
        format!(
            "{}/links/{}/{}",
            public_base_url.trim_end_matches('/'),
            purpose.path_segment(),
            self.issue(purpose, subject, now)
        )
    }

    /// A token valid until `expires_at` (to the second).
    pub fn sign(&self, purpose: LinkPurpose, subject: Uuid, expires_at: DateTime<Utc>) -> String {
        let mut token = Vec::with_capacity(BODY_LEN + MAC_LEN);
        token.push(VERSION);
        token.push(purpose.code());
        token.extend_from_slice(subject.as_bytes());
        token.extend_from_slice(&expires_at.timestamp().to_be_bytes());
        let mut mac = self.mac();
        mac.update(&token);
        token.extend_from_slice(&mac.finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(token)
    }

    /// The link a token stands for, if it was signed with this key for
    /// `purpose` and has not expired at `now`. The signature is checked
    /// first, in constant time, so an expired link is only reported as such
    /// when it is genuine.
    pub fn verify(
        &self,
        token: &str,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<SignedLink, LinkError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| LinkError::Invalid)?;
        if bytes.len() != BODY_LEN + MAC_LEN {
            return Err(LinkError::Invalid);
        }
        let (body, tag) = bytes.split_at(BODY_LEN);
        let mut mac = self.mac();
        mac.update(body);
        mac.verify_slice(tag).map_err(|_| LinkError::Invalid)?;
        if body[0] != VERSION || LinkPurpose::from_code(body[1]) != Some(purpose) {
            return Err(LinkError::Invalid);
        }
        let subject = Uuid::from_slice(&body[2..18]).map_err(|_| LinkError::Invalid)?;
        let seconds = i64::from_be_bytes(body[18..26].try_into().expect("8 bytes"));
        let expires_at = DateTime::from_timestamp(seconds, 0).ok_or(LinkError::Invalid)?;
        if now >= expires_at {
            return Err(LinkError::Expired);
        }
        Ok(SignedLink {
            purpose,
            subject,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap()
    }

    fn signer() -> LinkSigner {
        LinkSigner::new("a-test-key-of-reasonable-length-0123456789")
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let subject = Uuid::now_v7();
        for purpose in LinkPurpose::ALL {
            let token = signer().issue(purpose, subject, now());
            let link = signer().verify(&token, purpose, now()).unwrap();
            assert_eq!(link.subject, subject);
            assert_eq!(link.expires_at, now() + purpose.validity());
            let last_second = link.expires_at - TimeDelta::seconds(1);
            assert!(signer().verify(&token, purpose, last_second).is_ok());
            assert_eq!(
                signer().verify(&token, purpose, link.expires_at),
                Err(LinkError::Expired)
            );
        }
    }

    #[test]
    fn unsubscribe_links_last_a_year() {
        assert_eq!(LinkPurpose::Unsubscribe.validity(), TimeDelta::days(365));
    }

    #[test]
    fn nps_links_open_the_nps_page_for_thirty_days() {
        assert_eq!(LinkPurpose::Nps.validity(), TimeDelta::days(30));
        assert_eq!(LinkPurpose::Nps.path_segment(), "nps");
        assert_eq!(
            LinkPurpose::from_path_segment("nps"),
            Some(LinkPurpose::Nps)
        );
        // Its own code: an NPS link is no satisfaction survey link for the
        // same subject, nor the other way round.
        let subject = Uuid::now_v7();
        let nps = signer().issue(LinkPurpose::Nps, subject, now());
        assert_eq!(
            signer().verify(&nps, LinkPurpose::Survey, now()),
            Err(LinkError::Invalid)
        );
        let survey = signer().issue(LinkPurpose::Survey, subject, now());
        assert_eq!(
            signer().verify(&survey, LinkPurpose::Nps, now()),
            Err(LinkError::Invalid)
        );
    }

    #[test]
    fn every_purpose_has_its_own_code_and_path() {
        let codes: std::collections::HashSet<u8> =
            LinkPurpose::ALL.iter().map(|p| p.code()).collect();
        let paths: std::collections::HashSet<&str> =
            LinkPurpose::ALL.iter().map(|p| p.path_segment()).collect();
        assert_eq!(codes.len(), LinkPurpose::ALL.len());
        assert_eq!(paths.len(), LinkPurpose::ALL.len());
        for purpose in LinkPurpose::ALL {
            assert_eq!(LinkPurpose::from_code(purpose.code()), Some(purpose));
        }
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let token = signer().issue(LinkPurpose::Invoice, Uuid::now_v7(), now());
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x01;
            let changed = URL_SAFE_NO_PAD.encode(changed);
            assert_eq!(
                signer().verify(&changed, LinkPurpose::Invoice, now()),
                Err(LinkError::Invalid),
                "byte {i}"
            );
        }
    }

    #[test]
    fn a_link_for_another_purpose_key_or_shape_is_refused() {
        let token = signer().issue(LinkPurpose::Tracking, Uuid::now_v7(), now());
        assert_eq!(
            signer().verify(&token, LinkPurpose::Unsubscribe, now()),
            Err(LinkError::Invalid)
        );
        let other_key = LinkSigner::new("another-key-entirely-0123456789-abcdef");
        assert_eq!(
            other_key.verify(&token, LinkPurpose::Tracking, now()),
            Err(LinkError::Invalid)
        );
        for garbage in [
            "",
            "abc",
            "!!!!",
            &token[..token.len() - 1],
            &format!("{token}AA"),
        ] {
            assert_eq!(
                signer().verify(garbage, LinkPurpose::Tracking, now()),
                Err(LinkError::Invalid),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn an_expired_link_with_a_forged_signature_is_invalid_not_expired() {
        let token = signer().sign(LinkPurpose::Survey, Uuid::now_v7(), now());
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x80;
        let forged = URL_SAFE_NO_PAD.encode(bytes);
        let later = now() + TimeDelta::days(1);
        assert_eq!(
            signer().verify(&forged, LinkPurpose::Survey, later),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            signer().verify(&token, LinkPurpose::Survey, later),
            Err(LinkError::Expired)
        );
    }
}
