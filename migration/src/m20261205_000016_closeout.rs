//! The end of an order's life and the first commercial email: consent per
//! customer and purpose (Spam Act), the log of every commercial send and
//! whether it was suppressed, addresses that bounce, the delivery survey's
//! answers, replenishment tasks, and on orders when they were delivered,
//! closed and archived. Business settings gain the follow-up and closure
//! schedule.

use crate::kit::{add_column, drop_column, drop_tables, execute, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "consent",
            [
                pk_uuid("id"),
                uuid("customer_id"),
                string("purpose"),
                string("status"),
                timestamp_with_time_zone("given_at"),
                // How and by whom it was given (e.g. "checkout checkbox", a login).
                string("given_how"),
                string("given_by"),
                timestamp_with_time_zone_null("withdrawn_at"),
                string_null("withdrawn_how"),
            ],
        ))
        .await?;
    let identity = &["customer_id", "purpose"];
    index(
        manager,
        "ux_consent_customer_purpose",
        "consent",
        identity,
        true,
    )
    .await?;

    manager
        .create_table(table(
            "commercial_send",
            [
                pk_uuid("id"),
                uuid_null("customer_id"),
                string("address"),
                string("purpose"),
                string("kind"),
                uuid("subject_id"),
                // SENT, or why it was not (no consent, unsubscribed, bouncing).
                string("outcome"),
                uuid_null("notification_id"),
                timestamp_with_time_zone("decided_at"),
            ],
        ))
        .await?;
    let by_customer = &["customer_id", "id"];
    index(
        manager,
        "ix_commercial_send_customer",
        "commercial_send",
        by_customer,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "mail_address",
            [
                // Lower-cased.
                string("address").primary_key().to_owned(),
                timestamp_with_time_zone_null("bouncing_since"),
                string_null("last_bounce"),
                timestamp_with_time_zone("updated_at"),
            ],
        ))
        .await?;

    manager
        .create_table(table(
            "survey_response",
            [
                pk_uuid("id"),
                uuid_uniq("order_id"),
                integer("rating"),
                text_null("comment"),
                timestamp_with_time_zone("answered_at"),
            ],
        ))
        .await?;

    manager
        .create_table(table(
            "replenishment_task",
            [
                pk_uuid("id"),
                uuid("product_id"),
                date("business_date"),
                integer("on_hand"),
                integer("reorder_point"),
                integer("suggested_quantity"),
                string("status"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone_null("done_at"),
            ],
        ))
        .await?;
    // One open task per product, however many runs find it short.
    execute(
        manager,
        &["CREATE UNIQUE INDEX ux_replenishment_open ON replenishment_task (product_id) WHERE status = 'OPEN'"],
    )
    .await?;

    for column in [
        timestamp_with_time_zone_null("delivered_at"),
        timestamp_with_time_zone_null("closed_at"),
        timestamp_with_time_zone_null("archived_at"),
    ] {
        let mut column = column;
        add_column(manager, "sales_order", &mut column).await?;
    }
    add_column(manager, "sales_order", boolean("archived").default(false)).await?;

    add_column(
        manager,
        "business_settings",
        string("follow_up_kind").default("FEEDBACK"),
    )
    .await?;
    for (column, default) in [
        ("follow_up_after_days", 3),
        ("close_after_days", 14),
        ("archive_after_days", 90),
    ] {
        add_column(
            manager,
            "business_settings",
            integer(column).default(default),
        )
        .await?;
    }
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for column in [
        "follow_up_kind",
        "follow_up_after_days",
        "close_after_days",
        "archive_after_days",
    ] {
        drop_column(manager, "business_settings", column).await?;
    }
    for column in ["delivered_at", "closed_at", "archived_at", "archived"] {
        drop_column(manager, "sales_order", column).await?;
    }
    drop_tables(
        manager,
        &[
            "replenishment_task",
            "survey_response",
            "mail_address",
            "commercial_send",
            "consent",
        ],
    )
    .await
}
