//! Drop-ship and closeout: a purchase order may be shipped by its supplier
//! straight to the customer (it carries the ship-to address; the order lines
//! it covers point at it), a package may come from a supplier rather than a
//! shelf (no location, allocation or stock level), signed proof of delivery
//! per order, and the asset and warranty record of every delivered serial
//! or line.

use crate::kit::{add_column, drop_column, drop_not_null, drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_column(
        manager,
        "purchase_order",
        boolean("drop_ship").default(false),
    )
    .await?;
    add_column(manager, "purchase_order", text_null("ship_to")).await?;
    add_column(manager, "order_line", uuid_null("drop_ship_po_id")).await?;
    add_column(manager, "shipment", uuid_null("purchase_order_id")).await?;
    // The delivery date last told to the customer before a package left.
    add_column(manager, "sales_order", date_null("estimated_delivery")).await?;
    // A supplier's package leaves no shelf of ours.
    drop_not_null(manager, "shipment", &["location_id"]).await?;
    drop_not_null(
        manager,
        "shipment_item",
        &["allocation_id", "stock_level_id"],
    )
    .await?;

    manager
        .create_table(table(
            "proof_of_delivery",
            [
                pk_uuid("id"),
                uuid_uniq("order_id"),
                uuid_null("shipment_id"),
                string("signer_name"),
                timestamp_with_time_zone("signed_at"),
                // The courier's evidence reference or a document reference.
                string("evidence_reference"),
                string("recorded_by"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;

    manager
        .create_table(table(
            "customer_asset",
            [
                pk_uuid("id"),
                uuid_null("customer_id"),
                uuid("order_id"),
                uuid("order_line_id"),
                uuid("product_id"),
                // Empty for a line of untracked units.
                string("serial"),
                integer("quantity"),
                date("delivered_on"),
                date("warranty_starts_on"),
                date_null("warranty_ends_on"),
                timestamp_with_time_zone("created_at"),
            ],
        ))
        .await?;
    let once = &["order_line_id", "serial"];
    index(manager, "ux_customer_asset", "customer_asset", once, true).await?;
    let by_customer = &["customer_id", "id"];
    index(
        manager,
        "ix_customer_asset_customer",
        "customer_asset",
        by_customer,
        false,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["customer_asset", "proof_of_delivery"]).await?;
    for (t, c) in [
        ("shipment", "purchase_order_id"),
        ("sales_order", "estimated_delivery"),
        ("order_line", "drop_ship_po_id"),
        ("purchase_order", "ship_to"),
        ("purchase_order", "drop_ship"),
    ] {
        drop_column(manager, t, c).await?;
    }
    Ok(())
}
