//! Product safety (AU-RULES "Product safety"): safety records per product
//! (supplier or importer and ABN, country of manufacture, mandatory
//! standards with their evidence and listing warning, bans), batches as
//! records of their own (what traceability, recalls and blocking name),
//! recalls with one notice per affected customer, and mandatory injury
//! reports on the ACCC clock.

use crate::kit::{add_counter, drop_tables, index, remove_counters, table, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(versioned_table(
            "product_safety",
            [
                pk_uuid("id"),
                uuid_uniq("product_id"),
                // The supplier or importer (a SUPPLIER party, if known) and
                // the ABN as recorded (11 digits).
                uuid_null("supplier_party_id"),
                string("supplier_name"),
                string_null("supplier_abn"),
                string_null("country_of_manufacture"),
                // JSON: [{standard, evidence, warning}] — the mandatory
                // standards that apply and the evidence of compliance.
                text("mandatory_standards"),
                // NONE, INTERIM or PERMANENT; an interim ban has an end date.
                string("ban"),
                string_null("ban_reason"),
                date_null("ban_ends_on"),
            ],
        ))
        .await?;
    manager
        .create_table(table(
            "product_batch",
            [
                pk_uuid("id"),
                uuid("product_id"),
                string("batch_code"),
                // The supplier it came from (first receipt) and when it was
                // first received.
                uuid_null("supplier_party_id"),
                date_null("first_received_on"),
                string_null("country_of_manufacture"),
                // ACTIVE, or RECALLED: a recalled batch cannot be ordered,
                // reserved or packed.
                string("status"),
                uuid_null("recall_id"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone("updated_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_product_batch",
        "product_batch",
        &["product_id", "batch_code"],
        true,
    )
    .await?;
    manager
        .create_table(versioned_table(
            "recall",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("product_id"),
                // JSON: the recalled batches' ids (empty: every batch).
                text("batch_ids"),
                text("defect"),
                text("hazard"),
                text("sold_where"),
                date("sold_from"),
                date("sold_to"),
                text("customer_action"),
                text("remedy"),
                // ACTIVE or CLOSED.
                string("status"),
                date("started_on"),
                // The ACCC notification: due (2 days, business calendar),
                // submitted with its reference.
                date("accc_due_on"),
                timestamp_with_time_zone_null("accc_submitted_at"),
                string_null("accc_reference"),
                string("started_by"),
            ],
        ))
        .await?;
    manager
        .create_table(versioned_table(
            "recall_notice",
            [
                pk_uuid("id"),
                uuid("recall_id"),
                uuid("customer_id"),
                // The address it went to (none: UNREACHABLE).
                string_null("email"),
                // NOTIFIED, RESPONDED, REMEDIED or UNREACHABLE.
                string("status"),
                // How many affected units the customer bought.
                integer("units"),
                timestamp_with_time_zone_null("notified_at"),
                timestamp_with_time_zone_null("responded_at"),
                timestamp_with_time_zone_null("remedied_at"),
                text_null("note"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_recall_notice",
        "recall_notice",
        &["recall_id", "customer_id"],
        true,
    )
    .await?;
    index(
        manager,
        "ix_recall_notice_customer",
        "recall_notice",
        &["customer_id", "id"],
        false,
    )
    .await?;
    manager
        .create_table(versioned_table(
            "injury_report",
            [
                pk_uuid("id"),
                string_uniq("number"),
                uuid("product_id"),
                uuid_null("batch_id"),
                uuid_null("order_id"),
                text("supply_details"),
                date("incident_on"),
                text("incident_place"),
                text("affected_person"),
                // DEATH, SERIOUS_INJURY or ILLNESS.
                string("severity"),
                text("actions_taken"),
                // When the business became aware (the ACCC clock starts).
                date("aware_on"),
                date("due_on"),
                // OPEN or SUBMITTED.
                string("status"),
                timestamp_with_time_zone_null("submitted_at"),
                string_null("accc_reference"),
                string("reported_by"),
            ],
        ))
        .await?;
    backfill_batches(manager).await?;
    for name in ["recall", "injury_report"] {
        add_counter(manager, name).await?;
    }
    Ok(())
}

/// Every batch already in stock becomes a batch on record, with its first
/// receipt's date and supplier when it was received on a purchase order.
/// Ids are made here (UUIDv7), the same on SQLite and PostgreSQL.
async fn backfill_batches(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::ConnectionTrait;
    use std::collections::{BTreeMap, HashMap};
    let conn = manager.get_connection();
    let pairs = Query::select()
        .distinct()
        .columns(["product_id", "batch_code"])
        .from("stock_level")
        .and_where(Expr::col("batch_code").ne(""))
        .to_owned();
    let mut batches: BTreeMap<
        (uuid::Uuid, String),
        (Option<uuid::Uuid>, Option<chrono::NaiveDate>),
    > = BTreeMap::new();
    for row in conn.query_all(&pairs).await? {
        let product: uuid::Uuid = row.try_get("", "product_id")?;
        let code: String = row.try_get("", "batch_code")?;
        batches.insert((product, code), (None, None));
    }
    // The first receipt of each batch (oldest received date first).
    let receipts = Query::select()
        .expr_as(
            Expr::col(("goods_receipt_line", "product_id")),
            "product_id",
        )
        .expr_as(
            Expr::col(("goods_receipt_line", "batch_code")),
            "batch_code",
        )
        .expr_as(Expr::col(("goods_receipt", "received_on")), "received_on")
        .expr_as(Expr::col(("purchase_order", "supplier_id")), "supplier_id")
        .from("goods_receipt_line")
        .inner_join(
            "goods_receipt",
            Expr::col(("goods_receipt", "id")).equals(("goods_receipt_line", "receipt_id")),
        )
        .inner_join(
            "purchase_order",
            Expr::col(("purchase_order", "id")).equals(("goods_receipt", "purchase_order_id")),
        )
        .and_where(Expr::col(("goods_receipt_line", "batch_code")).ne(""))
        .order_by(("goods_receipt", "received_on"), Order::Asc)
        .to_owned();
    let mut first: HashMap<(uuid::Uuid, String), (uuid::Uuid, chrono::NaiveDate)> = HashMap::new();
    for row in conn.query_all(&receipts).await? {
        let product: uuid::Uuid = row.try_get("", "product_id")?;
        let code: String = row.try_get("", "batch_code")?;
        let on: chrono::NaiveDate = row.try_get("", "received_on")?;
        let supplier: uuid::Uuid = row.try_get("", "supplier_id")?;
        first.entry((product, code)).or_insert((supplier, on));
    }
    for (key, origin) in batches.iter_mut() {
        if let Some((supplier, on)) = first.get(key) {
            *origin = (Some(*supplier), Some(*on));
        }
    }
    let now = chrono::Utc::now();
    for ((product, code), (supplier, on)) in batches {
        let insert = Query::insert()
            .into_table("product_batch")
            .columns([
                "id",
                "product_id",
                "batch_code",
                "supplier_party_id",
                "first_received_on",
                "country_of_manufacture",
                "status",
                "recall_id",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                product.into(),
                code.into(),
                supplier.into(),
                on.into(),
                Option::<String>::None.into(),
                "ACTIVE".into(),
                Option::<uuid::Uuid>::None.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    remove_counters(manager, &["recall", "injury_report"]).await?;
    drop_tables(
        manager,
        &[
            "injury_report",
            "recall_notice",
            "recall",
            "product_batch",
            "product_safety",
        ],
    )
    .await
}
