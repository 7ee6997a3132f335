//! Tax invoices: the issued document and its lines, stored as issued and
//! never changed or deleted (the database refuses both), numbered from the
//! gap-free document counter; orders remember the order a backorder was
//! split from.

use crate::kit::{
    add_column, add_counter, drop_column, drop_immutable, drop_tables, immutable, index,
    remove_counters, table,
};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

const IMMUTABLE: [&str; 2] = ["tax_invoice", "tax_invoice_line"];

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_counter(manager, "tax_invoice").await?;

    add_column(manager, "sales_order", uuid_null("backorder_of")).await?;

    manager
        .create_table(table(
            "tax_invoice",
            [
                pk_uuid("id"),
                string_uniq("number"),
                string("subject_type"),
                uuid("subject_id"),
                uuid_null("customer_id"),
                string("title"),
                timestamp_with_time_zone("issued_at"),
                // The business's local date of issue: GST periods are local dates.
                date("issued_on"),
                string("issued_by"),
                string("seller_name"),
                string_null("seller_abn"),
                boolean("gst_registered"),
                string("buyer_name"),
                string_null("buyer_abn"),
                string_null("buyer_email"),
                string("buyer_address"),
                string("reference"),
                boolean("prices_include_gst"),
                string("gst_rounding"),
                boolean("export"),
                big_integer("ex_gst_cents"),
                big_integer("gst_cents"),
                big_integer("total_cents"),
                big_integer("taxable_cents"),
                big_integer("gst_free_cents"),
                big_integer("export_cents"),
                big_integer("input_taxed_cents"),
                boolean("total_includes_gst"),
                boolean("buyer_identity_required"),
            ],
        ))
        .await?;
    let subject = &["subject_type", "subject_id"];
    index(
        manager,
        "ux_tax_invoice_subject",
        "tax_invoice",
        subject,
        true,
    )
    .await?;
    let by_day = &["issued_on", "id"];
    index(
        manager,
        "ix_tax_invoice_issued_on",
        "tax_invoice",
        by_day,
        false,
    )
    .await?;
    let by_customer = &["customer_id", "id"];
    index(
        manager,
        "ix_tax_invoice_customer",
        "tax_invoice",
        by_customer,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "tax_invoice_line",
            [
                pk_uuid("id"),
                uuid("invoice_id"),
                integer("line_no"),
                string("kind"),
                string_null("sku"),
                string("description"),
                // Exact decimal (hours of service may be fractional).
                string("quantity"),
                big_integer("unit_price_cents"),
                string("tax_code"),
                boolean("export"),
                big_integer("gross_cents"),
                big_integer("discount_cents"),
                big_integer("order_discount_cents"),
                big_integer("net_cents"),
                big_integer("gst_cents"),
                big_integer("ex_gst_cents"),
                big_integer("total_cents"),
            ],
        ))
        .await?;
    let lines = &["invoice_id", "line_no"];
    index(
        manager,
        "ux_tax_invoice_line_no",
        "tax_invoice_line",
        lines,
        true,
    )
    .await?;

    // Issued documents never change and are never deleted (GST records).
    for t in IMMUTABLE {
        immutable(manager, t).await?;
    }
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["tax_invoice_line", "tax_invoice"]).await?;
    for t in IMMUTABLE {
        drop_immutable(manager, t).await?;
    }
    drop_column(manager, "sales_order", "backorder_of").await?;
    remove_counters(manager, &["tax_invoice"]).await
}
