//! The approval engine: one policy per kind (data, versioned), requests that
//! keep the policy terms they were raised under, and their append-only
//! decisions. Notifications may now go to several recipients about one
//! subject (an approval reminder to every user of the deciding role).

use crate::kit::{drop_index, drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

/// The seeded policies: kind, deciding role, auto-approve below (cents),
/// one approver up to (cents), second approver's role, follow-up and due in
/// business hours, what the due time does, escalation role, and the staff
/// role that may record the decider's offline decision (with evidence).
type SeedPolicy = (
    &'static str,
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
    i32,
    i32,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

pub const SEEDED_POLICIES: &[SeedPolicy] = &[
    (
        "GENERAL", "ADMIN", None, None, None, 8, 24, "EXPIRE", None, None,
    ),
    (
        "INVENTORY_RESERVATION",
        "FULFILMENT",
        Some(50_000),
        Some(500_000),
        Some("ADMIN"),
        2,
        4,
        "ESCALATE",
        Some("ADMIN"),
        None,
    ),
    (
        "PAYMENT_PROCESSING",
        "FINANCE",
        Some(20_000),
        Some(1_000_000),
        Some("ADMIN"),
        2,
        8,
        "ESCALATE",
        Some("ADMIN"),
        None,
    ),
    (
        "REFUND",
        "FINANCE",
        Some(10_000),
        Some(200_000),
        Some("ADMIN"),
        4,
        16,
        "ESCALATE",
        Some("ADMIN"),
        None,
    ),
    (
        "PURCHASE_ORDER",
        "FINANCE",
        Some(50_000),
        Some(1_000_000),
        Some("ADMIN"),
        8,
        24,
        "ESCALATE",
        Some("ADMIN"),
        None,
    ),
    (
        "SCOPE_CHANGE",
        "PROJECT_MANAGER",
        None,
        Some(2_000_000),
        Some("ADMIN"),
        8,
        24,
        "ESCALATE",
        Some("ADMIN"),
        None,
    ),
    (
        "DELIVERABLE_ACCEPTANCE",
        "CUSTOMER",
        None,
        None,
        None,
        16,
        40,
        "ESCALATE",
        Some("PROJECT_MANAGER"),
        Some("PROJECT_MANAGER"),
    ),
];

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(table(
            "approval_policy",
            [
                pk_uuid("id"),
                string_uniq("kind"),
                string("decider_role"),
                big_integer_null("auto_approve_below_cents"),
                big_integer_null("single_approver_up_to_cents"),
                string_null("second_approver_role"),
                integer("follow_up_business_hours"),
                integer("due_business_hours"),
                string("on_due"),
                string_null("escalate_to_role"),
                string_null("offline_role"),
                integer("version"),
                timestamp_with_time_zone("updated_at"),
            ],
        ))
        .await?;
    let mut seed = Query::insert();
    seed.into_table("approval_policy").columns([
        "id",
        "kind",
        "decider_role",
        "auto_approve_below_cents",
        "single_approver_up_to_cents",
        "second_approver_role",
        "follow_up_business_hours",
        "due_business_hours",
        "on_due",
        "escalate_to_role",
        "offline_role",
        "version",
        "updated_at",
    ]);
    let seeded_at = chrono::DateTime::parse_from_rfc3339("2026-12-04T00:00:00Z")
        .expect("valid")
        .to_utc();
    for (i, p) in SEEDED_POLICIES.iter().enumerate() {
        let id = sea_orm::prelude::Uuid::from_u128(
            0x0193_9000_0000_7000_8000_0000_0000_0000 + i as u128,
        );
        seed.values_panic([
            id.into(),
            p.0.into(),
            p.1.into(),
            p.2.into(),
            p.3.into(),
            p.4.into(),
            p.5.into(),
            p.6.into(),
            p.7.into(),
            p.8.into(),
            p.9.into(),
            1.into(),
            seeded_at.into(),
        ]);
    }
    manager.exec_stmt(seed).await?;

    manager
        .create_table(table(
            "approval_request",
            [
                pk_uuid("id"),
                string("kind"),
                string("subject_type"),
                uuid("subject_id"),
                string("requester_id"),
                string("requester_role"),
                uuid_null("owner_party_id"),
                big_integer_null("amount_cents"),
                text("reason"),
                string("status"),
                integer("policy_version"),
                text("policy"),
                text("steps"),
                string_null("awaiting_role"),
                string_null("offline_role"),
                string_null("escalated_to_role"),
                timestamp_with_time_zone("follow_up_at"),
                timestamp_with_time_zone("due_at"),
                integer("version"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone("updated_at"),
                timestamp_with_time_zone_null("closed_at"),
            ],
        ))
        .await?;
    let by_status = &["status", "kind"];
    index(
        manager,
        "ix_approval_status_kind",
        "approval_request",
        by_status,
        false,
    )
    .await?;
    let by_subject = &["subject_id"];
    index(
        manager,
        "ix_approval_subject",
        "approval_request",
        by_subject,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "approval_decision",
            [
                pk_uuid("id"),
                uuid("approval_id"),
                integer("step"),
                string("decider_id"),
                string_null("decider_role"),
                string("decision"),
                text_null("comment"),
                text_null("evidence"),
                timestamp_with_time_zone("decided_at"),
            ],
        ))
        .await?;
    // A step is decided once, and one person decides a request once: the
    // database backs the four-eyes rule against concurrent decisions.
    let step = &["approval_id", "step"];
    index(
        manager,
        "ux_approval_decision_step",
        "approval_decision",
        step,
        true,
    )
    .await?;
    let person = &["approval_id", "decider_id"];
    index(
        manager,
        "ux_approval_decision_person",
        "approval_decision",
        person,
        true,
    )
    .await?;

    // Several recipients may get one kind of email about one subject.
    drop_index(manager, "ux_notification_kind_subject", "notification").await?;
    let per_recipient = &["kind", "subject_id", "recipient"];
    index(
        manager,
        "ux_notification_kind_subject_recipient",
        "notification",
        per_recipient,
        true,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_index(
        manager,
        "ux_notification_kind_subject_recipient",
        "notification",
    )
    .await?;
    let kind_subject = &["kind", "subject_id"];
    index(
        manager,
        "ux_notification_kind_subject",
        "notification",
        kind_subject,
        true,
    )
    .await?;
    drop_tables(
        manager,
        &["approval_decision", "approval_request", "approval_policy"],
    )
    .await
}
