//! The catalogue and stock: products, stock locations, stock per (product,
//! location, batch) that can never go negative or over-reserved (a CHECK as
//! well as the conditional updates), and the append-only movement ledger.

use crate::kit::{drop_tables, index, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "product",
            [
                pk_uuid("id"),
                string_uniq("sku"),
                string("name"),
                string("kind"),
                string("tax_code"),
                big_integer("price_cents"),
                boolean("prices_include_gst"),
                integer("weight_grams"),
                integer_null("length_mm"),
                integer_null("width_mm"),
                integer_null("height_mm"),
                integer("reorder_point"),
                integer("reorder_quantity"),
                boolean("batch_tracked"),
                boolean("serial_tracked"),
                integer("warranty_months"),
                boolean("active"),
                string("search_text"),
            ],
        ))
        .await?;
    manager
        .create_table(versioned_table(
            "stock_location",
            [
                pk_uuid("id"),
                string_uniq("code"),
                string("name"),
                string("region"),
                string("kind"),
                string_null("line1"),
                string_null("line2"),
                string_null("suburb"),
                string_null("state"),
                string_null("postcode"),
                string("country"),
            ],
        ))
        .await?;
    let mut levels = table(
        "stock_level",
        [
            pk_uuid("id"),
            uuid("product_id"),
            uuid("location_id"),
            // '' for products that are not batch-tracked: NULLs would not
            // collide in the unique index.
            string("batch_code"),
            date_null("expires_on"),
            integer("on_hand"),
            integer("reserved"),
            timestamp_with_time_zone("updated_at"),
        ],
    );
    levels.check(Expr::cust(
        "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand",
    ));
    manager.create_table(levels).await?;
    let identity = &["product_id", "location_id", "batch_code"];
    index(
        manager,
        "ux_stock_level_identity",
        "stock_level",
        identity,
        true,
    )
    .await?;

    manager
        .create_table(table(
            "stock_movement",
            [
                pk_uuid("id"),
                uuid("stock_level_id"),
                uuid("product_id"),
                uuid("location_id"),
                string("batch_code"),
                integer("quantity"),
                string("kind"),
                string("reason"),
                string("actor_id"),
                integer("on_hand_after"),
                timestamp_with_time_zone("occurred_at"),
            ],
        ))
        .await?;
    let by_product = &["product_id", "occurred_at"];
    index(
        manager,
        "ix_stock_movement_product",
        "stock_movement",
        by_product,
        false,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(
        manager,
        &["stock_movement", "stock_level", "stock_location", "product"],
    )
    .await
}
