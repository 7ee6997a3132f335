//! Orders up to reservation: the order and its lines (prices copied at
//! placing), stock allocations of reserved lines, a gap-free document
//! counter, refused placements for the order-entry-error KPI, and the
//! shipping charges and reservation hold in the business settings.

use crate::kit::{
    add_column, add_counter, drop_column, drop_tables, index, table, versioned_table,
};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for (column, default) in [
        ("shipping_standard_cents", 995_i64),
        ("shipping_express_cents", 1_995),
        ("shipping_overnight_cents", 3_495),
        ("reservation_hold_hours", 48),
    ] {
        add_column(
            manager,
            "business_settings",
            big_integer(column).default(default),
        )
        .await?;
    }

    manager
        .create_table(table(
            "document_counter",
            [
                string("name").primary_key().to_owned(),
                big_integer("next_value"),
            ],
        ))
        .await?;
    add_counter(manager, "sales_order").await?;

    manager
        .create_table(versioned_table(
            "sales_order",
            [
                pk_uuid("id"),
                string_uniq("number"),
                string("status"),
                boolean("on_hold"),
                uuid_null("customer_id"),
                string("contact_name"),
                string_null("contact_email"),
                string_null("contact_phone"),
                string_null("customer_abn"),
                string("ship_line1"),
                string_null("ship_line2"),
                string("ship_suburb"),
                string("ship_state"),
                string("ship_postcode"),
                string("ship_country"),
                string("region"),
                date("required_delivery_date"),
                boolean("authority_to_leave"),
                string_null("delivery_instructions"),
                string("shipping_speed"),
                big_integer("shipping_cents"),
                big_integer("order_discount_cents"),
                boolean("prices_include_gst"),
                big_integer("total_cents"),
                string("channel"),
                uuid_null("reservation_approval_id"),
                string_null("status_reason"),
                timestamp_with_time_zone_null("reserved_until"),
                string("placed_by"),
            ],
        ))
        .await?;
    let by_customer = &["customer_id", "id"];
    index(
        manager,
        "ix_sales_order_customer",
        "sales_order",
        by_customer,
        false,
    )
    .await?;
    let by_status = &["status", "id"];
    index(
        manager,
        "ix_sales_order_status",
        "sales_order",
        by_status,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "order_line",
            [
                pk_uuid("id"),
                uuid("order_id"),
                integer("line_no"),
                uuid("product_id"),
                string("sku"),
                string("name"),
                string("kind"),
                string("tax_code"),
                big_integer("unit_price_cents"),
                integer("quantity"),
                integer("discount_basis_points"),
                integer("reserved_quantity"),
            ],
        ))
        .await?;
    let lines = &["order_id", "line_no"];
    index(manager, "ux_order_line_no", "order_line", lines, true).await?;

    manager
        .create_table(table(
            "order_allocation",
            [
                pk_uuid("id"),
                uuid("order_id"),
                uuid("order_line_id"),
                uuid("stock_level_id"),
                integer("quantity"),
                timestamp_with_time_zone("reserved_at"),
                timestamp_with_time_zone_null("released_at"),
            ],
        ))
        .await?;
    let allocations = &["order_id"];
    index(
        manager,
        "ix_order_allocation_order",
        "order_allocation",
        allocations,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "order_entry_error",
            [
                pk_uuid("id"),
                string("field"),
                string("code"),
                string("channel"),
                timestamp_with_time_zone("occurred_at"),
            ],
        ))
        .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(
        manager,
        &[
            "order_entry_error",
            "order_allocation",
            "order_line",
            "sales_order",
            "document_counter",
        ],
    )
    .await?;
    for column in [
        "shipping_standard_cents",
        "shipping_express_cents",
        "shipping_overnight_cents",
        "reservation_hold_hours",
    ] {
        drop_column(manager, "business_settings", column).await?;
    }
    Ok(())
}
