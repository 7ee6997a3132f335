//! Purchasing: what each supplier supplies (its SKU, unit cost, lead time)
//! and whether it drop-ships, purchase orders numbered `PO-000001` with
//! their lines, goods receipts against them with a QC inspection, the units
//! received (batch, expiry, serials), and every serial number once per
//! product.

use crate::kit::{
    add_column, add_counter, drop_column, drop_tables, index, remove_counters, table,
    versioned_table,
};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_column(manager, "party", boolean("drop_ships").default(false)).await?;

    manager
        .create_table(table(
            "supplier_product",
            [
                pk_uuid("id"),
                uuid("supplier_id"),
                uuid("product_id"),
                string("supplier_sku"),
                big_integer("unit_cost_cents"),
                integer("lead_time_days"),
                timestamp_with_time_zone("updated_at"),
            ],
        ))
        .await?;
    let pair = &["supplier_id", "product_id"];
    index(
        manager,
        "ux_supplier_product",
        "supplier_product",
        pair,
        true,
    )
    .await?;

    manager
        .create_table(versioned_table(
            "purchase_order",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("supplier_id"),
                string("status"),
                date_null("expected_on"),
                uuid_null("approval_id"),
                // The backordered order or replenishment task it sources.
                uuid_null("source_order_id"),
                uuid_null("source_task_id"),
                string_null("status_reason"),
                timestamp_with_time_zone_null("sent_at"),
                string("created_by"),
            ],
        ))
        .await?;
    manager
        .create_table(table(
            "purchase_order_line",
            [
                pk_uuid("id"),
                uuid("purchase_order_id"),
                integer("line_no"),
                uuid("product_id"),
                string("supplier_sku"),
                integer("quantity"),
                integer("received_quantity"),
                // Ex-GST; the supplier's GST follows the product's tax code.
                big_integer("unit_cost_cents"),
                string("tax_code"),
            ],
        ))
        .await?;
    let lines = &["purchase_order_id", "line_no"];
    index(
        manager,
        "ux_purchase_order_line",
        "purchase_order_line",
        lines,
        true,
    )
    .await?;

    manager
        .create_table(table(
            "goods_receipt",
            [
                pk_uuid("id"),
                uuid("purchase_order_id"),
                date("received_on"),
                uuid("location_id"),
                boolean("qc_passed"),
                // JSON: [{item, passed}] as the inspector ticked them.
                text("qc_checklist"),
                text_null("qc_notes"),
                string("received_by"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;
    let by_po = &["purchase_order_id", "id"];
    index(
        manager,
        "ix_goods_receipt_po",
        "goods_receipt",
        by_po,
        false,
    )
    .await?;
    manager
        .create_table(table(
            "goods_receipt_line",
            [
                pk_uuid("id"),
                uuid("receipt_id"),
                uuid("purchase_order_line_id"),
                uuid("product_id"),
                integer("quantity"),
                string("batch_code"),
                date_null("expires_on"),
                text("serials"),
                uuid("stock_level_id"),
            ],
        ))
        .await?;
    manager
        .create_table(table(
            "serial_number",
            [
                pk_uuid("id"),
                uuid("product_id"),
                string("serial"),
                uuid("receipt_line_id"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;
    let serial = &["product_id", "serial"];
    index(manager, "ux_serial_number", "serial_number", serial, true).await?;

    add_counter(manager, "purchase_order").await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    remove_counters(manager, &["purchase_order"]).await?;
    drop_tables(
        manager,
        &[
            "serial_number",
            "goods_receipt_line",
            "goods_receipt",
            "purchase_order_line",
            "purchase_order",
            "supplier_product",
        ],
    )
    .await?;
    drop_column(manager, "party", "drop_ships").await
}
