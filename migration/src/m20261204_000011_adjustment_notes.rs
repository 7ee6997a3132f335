//! Adjustment notes: corrections, cancellations and refunds of an issued
//! invoice, numbered `ADJ-000001` without gaps, stored as issued and never
//! changed or deleted. Their lines share `tax_invoice_line` (one line shape
//! for every GST document; `invoice_id` is the document's id).

use crate::kit::{
    add_counter, drop_immutable, drop_tables, immutable, index, remove_counters, table,
};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

const TABLE: &str = "adjustment_note";

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_counter(manager, "adjustment_note").await?;

    manager
        .create_table(table(
            TABLE,
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("invoice_id"),
                string("invoice_number"),
                uuid_null("customer_id"),
                string("title"),
                string("reason"),
                timestamp_with_time_zone("issued_at"),
                date("issued_on"),
                string("issued_by"),
                string("seller_name"),
                string_null("seller_abn"),
                boolean("gst_registered"),
                string("buyer_name"),
                string_null("buyer_abn"),
                boolean("prices_include_gst"),
                big_integer("ex_gst_cents"),
                big_integer("gst_cents"),
                big_integer("total_cents"),
                big_integer("taxable_cents"),
                big_integer("gst_free_cents"),
                big_integer("export_cents"),
                big_integer("input_taxed_cents"),
            ],
        ))
        .await?;
    let by_invoice = &["invoice_id", "id"];
    index(
        manager,
        "ix_adjustment_note_invoice",
        TABLE,
        by_invoice,
        false,
    )
    .await?;
    let by_day = &["issued_on", "id"];
    index(
        manager,
        "ix_adjustment_note_issued_on",
        TABLE,
        by_day,
        false,
    )
    .await?;

    immutable(manager, TABLE).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &[TABLE]).await?;
    drop_immutable(manager, TABLE).await?;
    remove_counters(manager, &["adjustment_note"]).await
}
