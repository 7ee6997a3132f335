//! Payments of orders: one row per capture attempt (method, amount, the
//! approval it waits on, what the provider answered), and the simulated
//! card provider's own ledger of charges, kept as a remote provider keeps
//! it: one charge per idempotency key, whatever our side did after.

use crate::kit::{drop_tables, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "payment",
            [
                pk_uuid("id"),
                uuid("order_id"),
                uuid_null("customer_id"),
                string("method"),
                string("status"),
                big_integer("amount_cents"),
                string("currency"),
                string_null("card_last4"),
                // What the simulated provider is asked to charge (a test card).
                string_null("card_token"),
                uuid_null("approval_id"),
                string_null("provider_reference"),
                string_null("failure_reason"),
                string_null("remittance_reference"),
                integer("attempts"),
                string("requested_by"),
            ],
        ))
        .await?;
    let by_order = &["order_id", "id"];
    index(manager, "ix_payment_order", "payment", by_order, false).await?;

    manager
        .create_table(table(
            "provider_charge",
            [
                pk_uuid("id"),
                string("provider"),
                string_uniq("idempotency_key"),
                big_integer("amount_cents"),
                string("outcome"),
                string_null("decline_reason"),
                // A refund names the charge (its idempotency key) it pays back.
                string_null("refunds_charge"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["provider_charge", "payment"]).await
}
