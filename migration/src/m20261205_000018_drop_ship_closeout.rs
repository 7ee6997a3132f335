//! Drop-ship and closeout: a purchase order may be shipped by its supplier
//! straight to the customer (it carries the ship-to address; the order lines
//! it covers point at it), a package may come from a supplier rather than a
//! shelf (no location, allocation or stock level), signed proof of delivery
//! per order, and the asset and warranty record of every delivered serial
//! or line.

use crate::kit::{drop_not_null, drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for statement in [
        Table::alter()
            .table("purchase_order")
            .add_column(boolean("drop_ship").default(false))
            .to_owned(),
        Table::alter()
            .table("purchase_order")
            .add_column(text_null("ship_to"))
            .to_owned(),
        Table::alter()
            .table("order_line")
            .add_column(uuid_null("drop_ship_po_id"))
            .to_owned(),
        Table::alter()
            .table("shipment")
            .add_column(uuid_null("purchase_order_id"))
            .to_owned(),
        // The delivery date last told to the customer before a package left.
        Table::alter()
            .table("sales_order")
            .add_column(date_null("estimated_delivery"))
            .to_owned(),
    ] {
        manager.alter_table(statement).await?;
    }
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
        manager
            .alter_table(Table::alter().table(t).drop_column(c).to_owned())
            .await?;
    }
    Ok(())
}
