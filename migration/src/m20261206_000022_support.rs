//! Support tickets and SLAs: SLA policies as data (chosen by condition with
//! a default; first-response, next-update and resolution targets; a
//! calendar; the statuses that pause the clock; a warning lead time; the
//! role escalated to at breach), seeded with the promised response times;
//! tickets with their thread of messages and their history (status and
//! priority changes, responses), from which elapsed SLA time is derived.

use crate::kit::{add_counter, drop_tables, index, remove_counters, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

/// The seeded policies: (name, priority, first response, resolution, in
/// minutes; calendar). Critical runs around the clock; the rest in business
/// hours (DESIGN "Engagements": 2 h, 4 h, 24 h, 72 h).
const SEEDS: [(&str, &str, i32, i32, &str); 4] = [
    ("Critical", "CRITICAL", 120, 8 * 60, "ALWAYS"),
    ("High", "HIGH", 240, 16 * 60, "BUSINESS_HOURS"),
    ("Medium", "MEDIUM", 24 * 60, 40 * 60, "BUSINESS_HOURS"),
    ("Low", "LOW", 72 * 60, 80 * 60, "BUSINESS_HOURS"),
];

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "sla_policy",
            [
                pk_uuid("id"),
                string("name"),
                // Conditions (all given must hold); none at all: the default.
                string_null("priority"),
                string_null("category"),
                uuid_null("customer_id"),
                boolean("is_default"),
                // Lower ranks are tried first.
                integer("rank"),
                integer("first_response_minutes"),
                integer("next_update_minutes"),
                integer("resolution_minutes"),
                // ALWAYS or BUSINESS_HOURS.
                string("calendar"),
                // JSON: the ticket statuses that pause the clock.
                text("pause_statuses"),
                integer("warning_minutes"),
                // The role told at breach.
                string("escalate_role"),
                boolean("active"),
            ],
        ))
        .await?;
    manager
        .create_table(versioned_table(
            "ticket",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("customer_id"),
                string("subject"),
                text("description"),
                // CRITICAL, HIGH, MEDIUM or LOW.
                string("priority"),
                string("category"),
                uuid_null("order_id"),
                uuid_null("engagement_id"),
                uuid_null("assignee_user_id"),
                // NEW, OPEN, WAITING_ON_CUSTOMER, WAITING_ON_THIRD_PARTY,
                // RESOLVED or CLOSED.
                string("status"),
                uuid("sla_policy_id"),
                // JSON: the policy's terms as the ticket was given them (a
                // later edit of the policy does not change them).
                text("sla_terms"),
                timestamp_with_time_zone_null("first_response_at"),
                timestamp_with_time_zone_null("resolved_at"),
                timestamp_with_time_zone_null("closed_at"),
                string("created_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_ticket_customer",
        "ticket",
        &["customer_id", "id"],
        false,
    )
    .await?;
    index(
        manager,
        "ix_ticket_status",
        "ticket",
        &["status", "id"],
        false,
    )
    .await?;
    manager
        .create_table(table(
            "ticket_message",
            [
                pk_uuid("id"),
                uuid("ticket_id"),
                // Who wrote it (the login's id) and whether as staff.
                string("author"),
                boolean("from_staff"),
                // An internal note: staff only, not a response.
                boolean("internal"),
                text("body"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;
    let by_ticket = &["ticket_id", "id"];
    index(
        manager,
        "ix_ticket_message",
        "ticket_message",
        by_ticket,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "ticket_event",
            [
                pk_uuid("id"),
                uuid("ticket_id"),
                // CREATED, STATUS, PRIORITY, STAFF_REPLY or CUSTOMER_REPLY.
                string("kind"),
                // The status and priority from this moment on.
                string("status"),
                string("priority"),
                string("actor"),
                timestamp_with_time_zone("at"),
            ],
        ))
        .await?;
    index(manager, "ix_ticket_event", "ticket_event", by_ticket, false).await?;

    add_counter(manager, "ticket").await?;
    let now = chrono::Utc::now();
    let pauses = r#"["WAITING_ON_CUSTOMER","WAITING_ON_THIRD_PARTY"]"#;
    for (rank, (name, priority, first, resolution, calendar)) in SEEDS.into_iter().enumerate() {
        let seed = Query::insert()
            .into_table("sla_policy")
            .columns([
                "id",
                "name",
                "priority",
                "is_default",
                "rank",
                "first_response_minutes",
                "next_update_minutes",
                "resolution_minutes",
                "calendar",
                "pause_statuses",
                "warning_minutes",
                "escalate_role",
                "active",
                "version",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                name.into(),
                priority.into(),
                // The Medium policy also serves as the default.
                (priority == "MEDIUM").into(),
                (rank as i32 * 10 + 10).into(),
                first.into(),
                first.into(),
                resolution.into(),
                calendar.into(),
                pauses.into(),
                15.into(),
                "ADMIN".into(),
                true.into(),
                1.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        manager.exec_stmt(seed).await?;
    }
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    remove_counters(manager, &["ticket"]).await?;
    drop_tables(
        manager,
        &["ticket_event", "ticket_message", "ticket", "sla_policy"],
    )
    .await
}
