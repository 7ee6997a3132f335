//! Fulfilment: packages (shipments) packed from an order's reserved stock,
//! what each holds (line, stock level, batch, serials), the courier's label
//! and tracking, and the courier's checkpoints, kept with its raw code.
//! An allocation records how much of it is packed, so a unit is packed once.

use crate::kit::{add_column, drop_column, drop_tables, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "shipment",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("order_id"),
                uuid("location_id"),
                string("stage"),
                integer("weight_grams"),
                integer_null("length_mm"),
                integer_null("width_mm"),
                integer_null("height_mm"),
                string_null("courier"),
                string_null("service_level"),
                string_null("tracking_number"),
                string_null("label_reference"),
                text_null("label_data"),
                string("tracking_status"),
                string_null("sub_status"),
                date_null("estimated_delivery"),
                timestamp_with_time_zone_null("picked_up_at"),
                timestamp_with_time_zone_null("delivered_at"),
                // When the courier last told us something new (30 silent days expire it).
                timestamp_with_time_zone_null("last_news_at"),
                integer("poll_failures"),
                timestamp_with_time_zone_null("next_poll_at"),
                string("packed_by"),
            ],
        ))
        .await?;
    index(
        manager,
        "ix_shipment_order",
        "shipment",
        &["order_id", "id"],
        false,
    )
    .await?;
    let polling = &["courier", "next_poll_at"];
    index(manager, "ix_shipment_polling", "shipment", polling, false).await?;
    let tracking = &["courier", "tracking_number"];
    index(manager, "ux_shipment_tracking", "shipment", tracking, true).await?;

    manager
        .create_table(table(
            "shipment_item",
            [
                pk_uuid("id"),
                uuid("shipment_id"),
                uuid("order_line_id"),
                uuid("allocation_id"),
                uuid("stock_level_id"),
                string("batch_code"),
                integer("quantity"),
                // JSON array of the serial numbers packed (serial-tracked products).
                text("serials"),
            ],
        ))
        .await?;
    let by_shipment = &["shipment_id", "id"];
    index(
        manager,
        "ix_shipment_item_shipment",
        "shipment_item",
        by_shipment,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "tracking_checkpoint",
            [
                pk_uuid("id"),
                uuid("shipment_id"),
                timestamp_with_time_zone("occurred_at"),
                string("status"),
                string_null("sub_status"),
                string_null("location"),
                string("message"),
                string("raw_code"),
                timestamp_with_time_zone("recorded_at"),
            ],
        ))
        .await?;
    // A checkpoint seen again in a later poll is the same checkpoint.
    let identity = &["shipment_id", "occurred_at", "raw_code"];
    index(
        manager,
        "ux_tracking_checkpoint",
        "tracking_checkpoint",
        identity,
        true,
    )
    .await?;

    add_column(
        manager,
        "order_allocation",
        integer("packed_quantity").default(0),
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_column(manager, "order_allocation", "packed_quantity").await?;
    drop_tables(
        manager,
        &["tracking_checkpoint", "shipment_item", "shipment"],
    )
    .await
}
