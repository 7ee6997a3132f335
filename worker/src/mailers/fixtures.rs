//! What the mailers' tests render from (the customer order, its lines, an
//! asset it left, the business, a customer's consent, the link signer, an
//! engagement, one of its stage entries, and a deliverable with its versions
//! and acceptance rounds): one shape each, varied with
//! struct update syntax where a test needs something else.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    ConsentPurpose, ConsentStatus, ProductKind, consent, customer_asset, order_line, sales_order,
};
use uuid::Uuid;

pub fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// SO-000012 for "Tom & <Jerry>" (see [`domain::orders::example`]).
pub fn sales_order() -> sales_order::Model {
    domain::orders::example()
}

/// The business as the mailers' tests sign off: a name HTML must escape.
pub fn business() -> super::purchasing::Business {
    super::purchasing::Business {
        name: "Harbour & Co Homewares".into(),
        abn: Some("51 824 753 556".into()),
        email: "orders@harbour.example.com.au".into(),
    }
}

/// The business's settings as the mailers' tests read them: the business of
/// `business()`, registered for GST, in Sydney.
pub fn business_settings() -> entity::business_settings::Model {
    entity::business_settings::Model {
        legal_name: "Harbour & Co Homewares".into(),
        mail_from: "Harbour <orders@harbour.example.com.au>".into(),
        public_base_url: "https://harbour.example.com.au".into(),
        ..domain::settings::example()
    }
}

/// Ticket TKT-000042 of a new customer, "Oven <door> won't close & beeps"
/// (a subject HTML must escape), high priority, at `status` since it was
/// opened at `opened` (RFC 3339).
pub fn ticket(status: entity::TicketStatus, opened: &str) -> entity::ticket::Model {
    let at = utc(opened);
    entity::ticket::Model {
        id: Uuid::now_v7(),
        number: "TKT-000042".into(),
        customer_id: Uuid::now_v7(),
        subject: "Oven <door> won't close & beeps".into(),
        description: "It beeps.".into(),
        priority: entity::TicketPriority::High,
        category: "installation".into(),
        order_id: None,
        engagement_id: None,
        assignee_user_id: None,
        status,
        sla_policy_id: Uuid::now_v7(),
        sla_terms: "{}".into(),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        created_by: "x".into(),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// Line `no` of order 30.
pub fn order_line(
    no: i32,
    sku: &str,
    name: &str,
    kind: ProductKind,
    quantity: i32,
) -> order_line::Model {
    order_line::Model {
        id: Uuid::from_u128(300 + no as u128),
        order_id: Uuid::from_u128(30),
        line_no: no,
        product_id: Uuid::from_u128(400 + no as u128),
        sku: sku.into(),
        name: name.into(),
        kind,
        tax_code: "TAXABLE".into(),
        unit_price_cents: 12995,
        quantity,
        discount_basis_points: 0,
        reserved_quantity: 0,
        drop_ship_po_id: None,
    }
}

/// What line 1 of `sales_order()` left with its customer: delivered on
/// Monday 7 December 2026, under warranty until Monday 6 December 2027.
pub fn customer_asset(serial: &str, quantity: i32) -> customer_asset::Model {
    customer_asset::Model {
        id: Uuid::from_u128(50),
        customer_id: None,
        order_id: Uuid::from_u128(1),
        order_line_id: Uuid::from_u128(301),
        product_id: Uuid::from_u128(401),
        serial: serial.into(),
        quantity,
        delivered_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        warranty_starts_on: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        warranty_ends_on: NaiveDate::from_ymd_opt(2027, 12, 6),
        created_at: utc("2026-12-07T03:15:00Z"),
    }
}

/// Customer 9's consent (id 60) to `purpose`, given on 1 November 2026
/// and, when `status` says so, withdrawn since.
pub fn consent(purpose: ConsentPurpose, status: ConsentStatus) -> consent::Model {
    let at = utc("2026-11-01T00:00:00Z");
    consent::Model {
        id: Uuid::from_u128(60),
        customer_id: Uuid::from_u128(9),
        purpose,
        status,
        given_at: at,
        given_how: "checkout checkbox".into(),
        given_by: "test".into(),
        withdrawn_at: (status == ConsentStatus::Withdrawn).then(|| utc("2026-11-15T00:00:00Z")),
        withdrawn_how: (status == ConsentStatus::Withdrawn).then(|| "unsubscribe link".into()),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// Where the tests' emails link: the shop's public site, signing with a
/// test key on 1 December 2027.
pub const PUBLIC_BASE_URL: &str = "https://shop.example.com.au";

pub fn links() -> super::Links<'static> {
    super::Links {
        signer: domain::platform::links::LinkSigner::new("a test signing key"),
        public_base_url: PUBLIC_BASE_URL,
        now: utc("2027-12-01T00:00:00Z"),
    }
}

/// ENG-000003 "Website <rebuild> & care" (a name HTML must escape) for
/// customer 9, on the service delivery template, in the stage at
/// `stage_index` of `round` since Tuesday 24 November 2026 10:00 in Sydney,
/// with nothing done yet.
pub fn engagement(stage_index: i32, round: i32) -> domain::engagements::Engagement {
    let example =
        domain::engagements::Engagement::example(stage_index, round, utc("2026-11-23T23:00:00Z"));
    domain::engagements::Engagement {
        engagement: entity::engagement::Model {
            id: Uuid::from_u128(70),
            number: "ENG-000003".into(),
            template_id: Uuid::from_u128(71),
            name: "Website <rebuild> & care".into(),
            scope_reference: "SOW-2026-014".into(),
            ..example.engagement
        },
        ..example
    }
}

/// Asserts that an email's HTML about engagement 70 for "Tom & <Jerry>"
/// escapes both names and never shows either raw.
pub fn assert_escapes_engagement_names(html: &str) {
    assert!(html.contains("Tom &amp; &lt;Jerry&gt;"), "{html}");
    assert!(html.contains("Website &lt;rebuild&gt; &amp; care"));
    assert!(!html.contains("<Jerry>") && !html.contains("<rebuild>"));
}

/// Asserts that `r` is an internal email (no unsubscribe link, no link in
/// its HTML) about engagement 70 for "Tom & <Jerry>" that escapes both
/// names and, in both bodies, names the engagement, `stage` and where the
/// stage stands (`position`, "3 of 6").
pub fn assert_internal_stage_email(r: &super::Rendered, stage: &str, position: &str) {
    assert_eq!(r.unsubscribe_url, None, "internal");
    assert_escapes_engagement_names(&r.html);
    assert!(!r.html.contains("href"));
    for body in [&r.html, &r.text] {
        assert!(body.contains("ENG-000003"), "{body}");
        assert!(body.contains(stage), "{body}");
        assert!(body.contains(position), "{body}");
    }
}

/// Asserts that an email body (HTML or text) signs off as `business()`
/// does in a transactional email: its ABN, its email address and that it
/// is not marketing.
pub fn assert_transactional_sign_off(body: &str) {
    assert!(body.contains("ABN 51 824 753 556"), "{body}");
    assert!(body.contains("orders@harbour.example.com.au"), "{body}");
    assert!(body.contains("not marketing"), "{body}");
}

/// Asserts that an email links nowhere and its text has no runs of blank
/// lines.
pub fn assert_unlinked_and_tidy(r: &super::Rendered) {
    assert!(!r.html.contains("http"), "no links: {}", r.html);
    assert!(!r.text.contains("http"), "no links: {}", r.text);
    assert!(
        !r.text.contains("\n\n\n"),
        "no runs of blank lines: {}",
        r.text
    );
}

/// Engagement 70's entry (id 72) into the stage at `stage_index` of
/// `round`, due at `due` (RFC 3339).
pub fn stage_entry(stage_index: i32, round: i32, due: &str) -> domain::engagements::StageEntry {
    domain::engagements::StageEntry {
        id: Uuid::from_u128(72),
        engagement_id: Uuid::from_u128(70),
        notice: domain::engagements::StageNotice { stage_index, round },
        due_at: utc(due),
    }
}

/// Deliverable 80 of engagement 70, "Online <order> & pickup form" (a
/// name HTML must escape), at `status` with `current_version` submitted, its
/// multi-line acceptance criteria HTML must escape too.
pub fn deliverable(
    status: entity::DeliverableStatus,
    current_version: i32,
) -> entity::deliverable::Model {
    let at = utc("2026-12-01T00:00:00Z");
    entity::deliverable::Model {
        id: Uuid::from_u128(80),
        engagement_id: Uuid::from_u128(70),
        name: "Online <order> & pickup form".into(),
        acceptance_criteria:
            "Customers order for pickup or delivery in under 2 minutes.\nWorks on phones & <tablets>."
                .into(),
        status,
        current_version,
        accepted_version: None,
        approval_id: None,
        findings: None,
        created_by: "team".into(),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// Version `number` of deliverable 80, found at `reference`.
pub fn deliverable_version(number: i32, reference: &str) -> entity::deliverable_version::Model {
    entity::deliverable_version::Model {
        id: Uuid::from_u128(800 + number as u128),
        deliverable_id: Uuid::from_u128(80),
        number,
        reference: reference.into(),
        note: None,
        submitted_by: "team".into(),
        submitted_at: utc("2026-12-01T00:00:00Z"),
    }
}

/// Acceptance round `n` (1, 2, ...) of deliverable 80, asking about
/// `version`, its approval id `90 + n`.
pub fn acceptance_round(
    n: u128,
    version: i32,
    outcome: entity::AcceptanceOutcome,
    feedback: Option<&str>,
) -> entity::acceptance_round::Model {
    entity::acceptance_round::Model {
        id: Uuid::from_u128(850 + n),
        deliverable_id: Uuid::from_u128(80),
        version_number: version,
        approval_id: Uuid::from_u128(90 + n),
        outcome,
        feedback: feedback.map(str::to_owned),
        requested_at: utc("2026-12-01T00:00:00Z"),
        decided_at: None,
    }
}
