//! Refunds of card payments: each waits on its REFUND approval, is paid back
//! by the provider after commit (idempotent by the refund's id), and on the
//! provider's confirmation gets its adjustment note in the same transaction.

use crate::kit::{drop_tables, index, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "refund",
            [
                pk_uuid("id"),
                uuid("payment_id"),
                uuid("order_id"),
                uuid_null("customer_id"),
                string("status"),
                big_integer("amount_cents"),
                string("reason"),
                uuid_null("approval_id"),
                string_null("provider_reference"),
                string_null("failure_reason"),
                uuid_null("adjustment_note_id"),
                integer("attempts"),
                string("requested_by"),
            ],
        ))
        .await?;
    let by_payment = &["payment_id", "id"];
    index(manager, "ix_refund_payment", "refund", by_payment, false).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["refund"]).await
}
