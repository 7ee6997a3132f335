//! Outbound webhooks (issue #33): subscriptions with their signing secret,
//! one delivery per event per subscription (the exact body sent on every
//! attempt, its `webhook-id` kept across retries and replays), and the log
//! of every attempt.

use crate::kit::{drop_tables, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "webhook_subscription",
            [
                pk_uuid("id"),
                text("url"),
                // JSON array of the wire names it wants (`order.placed`).
                text("event_types"),
                // `whsec_<base64>`: shown once, kept to sign deliveries.
                string("secret"),
                boolean("active"),
                text_null("description"),
                // FAILED or DEAD deliveries in a row (a success resets it).
                integer("consecutive_failures"),
                timestamp_with_time_zone_null("disabled_at"),
                text_null("disabled_reason"),
                string("created_by"),
            ],
        ))
        .await?;
    manager
        .create_table(table(
            "webhook_delivery",
            [
                pk_uuid("id"),
                // `msg_<uuid>`: the same on every attempt and replay.
                string_uniq("webhook_id"),
                uuid("subscription_id"),
                // The wire name, e.g. `order.placed`.
                string("event_type"),
                uuid("event_id"),
                // The exact bytes sent on every attempt.
                text("body"),
                // PENDING → SUCCEEDED, or FAILED (final answer) / DEAD
                // (attempts spent); a replay makes it PENDING again.
                string("status"),
                integer("attempts"),
                timestamp_with_time_zone("next_attempt_at"),
                timestamp_with_time_zone_null("lease_until"),
                integer_null("last_http_status"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone("updated_at"),
                timestamp_with_time_zone_null("completed_at"),
            ],
        ))
        .await?;
    // One delivery per event per subscription: a redelivered event adds nothing.
    index(
        manager,
        "ux_webhook_delivery_event",
        "webhook_delivery",
        &["subscription_id", "event_id"],
        true,
    )
    .await?;
    index(
        manager,
        "ix_webhook_delivery_due",
        "webhook_delivery",
        &["status", "next_attempt_at"],
        false,
    )
    .await?;
    manager
        .create_table(table(
            "webhook_attempt",
            [
                pk_uuid("id"),
                uuid("delivery_id"),
                integer("number"),
                timestamp_with_time_zone("started_at"),
                integer_null("http_status"),
                big_integer("latency_ms"),
                // The first 500 bytes of the answer.
                text_null("response_excerpt"),
                text_null("error"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_webhook_attempt_delivery",
        "webhook_attempt",
        &["delivery_id", "number"],
        false,
    )
    .await?;
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(
        manager,
        &[
            "webhook_attempt",
            "webhook_delivery",
            "webhook_subscription",
        ],
    )
    .await
}
