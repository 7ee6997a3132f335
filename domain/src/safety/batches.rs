//! Batches (lots) as records: created when a batch code first enters
//! stock, blocked when recalled. A recalled batch cannot be ordered,
//! reserved or packed.

use crate::kernel::{Ctx, DomainError, Page, PageRequest, Permission, Write, fetch_page};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{BatchStatus, order_allocation, product_batch, recall, stock_level};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, Set, Unchanged,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Block `batch_ids` for `recall_id` in the caller's transaction (the
/// recall's start): from now on they cannot be reserved or packed.
/// Batches already recalled keep their first recall.
pub async fn block(
    w: &mut Write<'_>,
    recall_id: Uuid,
    batch_ids: &[Uuid],
) -> Result<(), DomainError> {
    product_batch::Entity::update_many()
        .col_expr(
            product_batch::Column::Status,
            Expr::value(BatchStatus::Recalled),
        )
        .col_expr(
            product_batch::Column::RecallId,
            Expr::value(Some(recall_id)),
        )
        .col_expr(product_batch::Column::UpdatedAt, Expr::value(w.now()))
        .filter(product_batch::Column::Id.is_in(batch_ids.iter().copied()))
        .filter(product_batch::Column::Status.eq(BatchStatus::Active))
        .exec(w.conn())
        .await?;
    Ok(())
}

/// Of `candidates` (stock levels of the same product at the same
/// location), the one an unpacked reservation of `quantity` moves to: not
/// `from`, not a recalled batch, with that much free, the batch that
/// expires first (as reservation picks), unbatched or undated last.
pub fn replacement<'a>(
    candidates: &'a [stock_level::Model],
    from: &stock_level::Model,
    quantity: i32,
    is_recalled: impl Fn(&str) -> bool,
) -> Option<&'a stock_level::Model> {
    candidates
        .iter()
        .filter(|l| l.id != from.id && l.product_id == from.product_id)
        .filter(|l| l.location_id == from.location_id)
        .filter(|l| l.batch_code.is_empty() || !is_recalled(&l.batch_code))
        .filter(|l| l.on_hand - l.reserved >= quantity)
        .min_by_key(|l| {
            (
                l.expires_on.is_none(),
                l.expires_on,
                l.batch_code.clone(),
                l.id,
            )
        })
}

/// Move what is reserved but not yet packed from `batch_ids` (just
/// recalled, in the caller's transaction) to other stock of the same
/// product at the same location, so those orders can still be packed; a
/// reservation with no such stock stays where it is (packing it is refused,
/// naming the recall) and staff see it in the batch's trace. Each move is
/// audited on its order. How many reservations moved.
pub async fn move_reservations_off(
    w: &mut Write<'_>,
    batch_ids: &[Uuid],
) -> Result<usize, DomainError> {
    let batches = product_batch::Entity::find()
        .filter(product_batch::Column::Id.is_in(batch_ids.iter().copied()))
        .all(w.conn())
        .await?;
    let mut moved = 0;
    for batch in batches {
        let levels = stock_level::Entity::find()
            .filter(stock_level::Column::ProductId.eq(batch.product_id))
            .all(w.conn())
            .await?;
        let recalled = recalled(w.conn(), [batch.product_id]).await?;
        let is_recalled = |code: &str| recalled.contains_key(&(batch.product_id, code.to_owned()));
        let from_levels: Vec<&stock_level::Model> = levels
            .iter()
            .filter(|l| l.batch_code == batch.batch_code)
            .collect();
        for from in from_levels {
            let live = order_allocation::Entity::find()
                .filter(order_allocation::Column::StockLevelId.eq(from.id))
                .filter(order_allocation::Column::ReleasedAt.is_null())
                .filter(
                    Expr::col(order_allocation::Column::PackedQuantity)
                        .lt(Expr::col(order_allocation::Column::Quantity)),
                )
                .order_by_asc(order_allocation::Column::ReservedAt)
                .order_by_asc(order_allocation::Column::Id)
                .all(w.conn())
                .await?;
            for allocation in live {
                let unpacked = allocation.quantity - allocation.packed_quantity;
                // Read afresh: earlier moves in this loop reserved stock.
                let current = stock_level::Entity::find()
                    .filter(stock_level::Column::ProductId.eq(batch.product_id))
                    .filter(stock_level::Column::LocationId.eq(from.location_id))
                    .all(w.conn())
                    .await?;
                let Some(to) = replacement(&current, from, unpacked, is_recalled) else {
                    continue;
                };
                shift_reserved(w, from.id, to.id, unpacked).await?;
                let after = if allocation.packed_quantity == 0 {
                    order_allocation::ActiveModel {
                        id: Unchanged(allocation.id),
                        stock_level_id: Set(to.id),
                        ..Default::default()
                    }
                    .update(w.conn())
                    .await?
                } else {
                    order_allocation::ActiveModel {
                        id: Unchanged(allocation.id),
                        quantity: Set(allocation.packed_quantity),
                        ..Default::default()
                    }
                    .update(w.conn())
                    .await?;
                    order_allocation::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        order_id: Set(allocation.order_id),
                        order_line_id: Set(allocation.order_line_id),
                        stock_level_id: Set(to.id),
                        quantity: Set(unpacked),
                        reserved_at: Set(w.now()),
                        packed_quantity: Set(0),
                        released_at: Set(None),
                    }
                    .insert(w.conn())
                    .await?
                };
                w.audit(
                    crate::orders::SUBJECT_TYPE,
                    allocation.order_id,
                    "order.reservation_moved_off_recalled_batch",
                    Some(&allocation),
                    Some(&after),
                )
                .await?;
                w.touch(allocation.order_id);
                moved += 1;
            }
        }
    }
    Ok(moved)
}

/// Move `quantity` reserved units from one stock level to another (the
/// target's free stock was checked in this transaction).
async fn shift_reserved(
    w: &mut Write<'_>,
    from: Uuid,
    to: Uuid,
    quantity: i32,
) -> Result<(), DomainError> {
    for (id, delta) in [(from, -quantity), (to, quantity)] {
        stock_level::Entity::update_many()
            .col_expr(
                stock_level::Column::Reserved,
                Expr::col(stock_level::Column::Reserved).add(delta),
            )
            .col_expr(stock_level::Column::UpdatedAt, Expr::value(w.now()))
            .filter(stock_level::Column::Id.eq(id))
            .exec(w.conn())
            .await?;
    }
    Ok(())
}

/// Where a batch came from, as known when it first enters stock.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub supplier_party_id: Option<Uuid>,
    pub received_on: Option<NaiveDate>,
}

/// Make sure the batch `batch_code` of `product_id` is on record (the first
/// time a batch code enters stock): idempotent, so later receipts and
/// concurrent first ones keep the first origin. Nothing for stock without a
/// batch. The country of manufacture comes from the product's safety record.
pub async fn ensure<C: ConnectionTrait>(
    conn: &C,
    product_id: Uuid,
    batch_code: &str,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if batch_code.is_empty() {
        return Ok(());
    }
    let country = super::records::of_product(conn, product_id)
        .await?
        .and_then(|r| r.country_of_manufacture);
    let row = product_batch::ActiveModel {
        id: Set(Uuid::now_v7()),
        product_id: Set(product_id),
        batch_code: Set(batch_code.to_owned()),
        supplier_party_id: Set(origin.supplier_party_id),
        first_received_on: Set(origin.received_on),
        country_of_manufacture: Set(country),
        status: Set(BatchStatus::Active),
        recall_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    product_batch::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                product_batch::Column::ProductId,
                product_batch::Column::BatchCode,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

crate::find_by_id! {
    /// One batch by id.
    pub fn find -> product_batch
}

/// A product's batches (staff), oldest first.
pub async fn of_product(
    db: &DatabaseConnection,
    ctx: &Ctx,
    product_id: Uuid,
    page: PageRequest,
) -> Result<Page<product_batch::Model>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let query =
        product_batch::Entity::find().filter(product_batch::Column::ProductId.eq(product_id));
    Ok(fetch_page(db, query, product_batch::Column::Id, page, |b| b.id).await?)
}

/// The recalled batches among `product_ids`, by (product, batch code): the
/// recall that blocked each (none when recalled without one on file).
pub async fn recalled<C: ConnectionTrait>(
    conn: &C,
    product_ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<(Uuid, String), Option<Uuid>>, DbErr> {
    Ok(product_batch::Entity::find()
        .filter(product_batch::Column::ProductId.is_in(product_ids))
        .filter(product_batch::Column::Status.eq(BatchStatus::Recalled))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| ((b.product_id, b.batch_code), b.recall_id))
        .collect())
}

/// The recall numbers of `recall_ids` (by id).
pub async fn recall_numbers<C: ConnectionTrait>(
    conn: &C,
    recall_ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, DbErr> {
    Ok(recall::Entity::find()
        .filter(recall::Column::Id.is_in(recall_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect())
}

/// Why a batch may not be packed: a sentence naming its recall.
pub fn recalled_message(batch_code: &str, sku: &str, recall_number: Option<&str>) -> String {
    match recall_number {
        Some(n) => format!("batch {batch_code} of {sku} is recalled ({n}) and cannot be packed"),
        None => format!("batch {batch_code} of {sku} is recalled and cannot be packed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(
        batch: &str,
        location: u128,
        on_hand: i32,
        reserved: i32,
        expires: Option<&str>,
    ) -> stock_level::Model {
        stock_level::Model {
            id: Uuid::now_v7(),
            product_id: Uuid::from_u128(1),
            location_id: Uuid::from_u128(location),
            batch_code: batch.to_owned(),
            expires_on: expires.map(|d| d.parse().unwrap()),
            on_hand,
            reserved,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_reservation_moves_to_free_unrecalled_stock_at_its_location_expiring_first() {
        let from = level("A", 1, 5, 5, Some("2027-01-01"));
        let candidates = vec![
            from.clone(),
            level("B", 1, 10, 0, Some("2028-01-01")),
            level("C", 1, 10, 5, Some("2027-06-01")),
            level("D", 2, 10, 0, Some("2027-02-01")),
            level("E", 1, 10, 9, Some("2027-03-01")),
            level("F", 1, 10, 0, Some("2027-04-01")),
            level("", 1, 10, 0, None),
        ];
        let recalled = |code: &str| code == "A" || code == "F";
        // D is elsewhere, E has one free, F is recalled too: C expires first.
        let to = replacement(&candidates, &from, 2, recalled).unwrap();
        assert_eq!(to.batch_code, "C");
        // Ten free only in B and the unbatched stock: B, which has a date.
        let to = replacement(&candidates, &from, 10, recalled).unwrap();
        assert_eq!(to.batch_code, "B");
        assert!(replacement(&candidates, &from, 11, recalled).is_none());
    }

    #[test]
    fn the_recalled_message_names_the_recall() {
        assert_eq!(
            recalled_message("B1", "SKU-1", Some("RCL-000001")),
            "batch B1 of SKU-1 is recalled (RCL-000001) and cannot be packed"
        );
        assert!(!recalled_message("B1", "SKU-1", None).contains("RCL"));
    }

    /// The product-safety migration records the batches already in stock,
    /// with their first receipt's date and supplier (on PostgreSQL too when
    /// TEST_DATABASE_URL is set).
    #[tokio::test]
    async fn the_migration_backfills_batches_in_stock() {
        use entity::{goods_receipt, goods_receipt_line, purchase_order, stock_level};
        use migration::{Migrator, MigratorTrait};
        use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, QueryOrder};
        let mut postgres = None;
        let db = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) => {
                let name = format!("hub_test_{}", Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                let (base, _) = admin_url.rsplit_once('/').unwrap();
                let db = Database::connect(format!("{base}/{name}")).await.unwrap();
                postgres = Some((admin, name));
                db
            }
            Err(_) => Database::connect("sqlite::memory:").await.unwrap(),
        };
        // Every migration before the product-safety one (later ones exist).
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name().contains("product_safety"))
            .expect("the product-safety migration") as u32;
        Migrator::up(&db, Some(before)).await.unwrap();
        let now = chrono::Utc::now();
        let (product, supplier) = (Uuid::now_v7(), Uuid::now_v7());
        let on = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        for (location, batch) in [(1, "LOT-1"), (2, "LOT-1"), (1, "LOT-2"), (1, "")] {
            stock_level::ActiveModel {
                id: Set(Uuid::now_v7()),
                product_id: Set(product),
                location_id: Set(Uuid::from_u128(location)),
                batch_code: Set(batch.into()),
                expires_on: Set(None),
                on_hand: Set(1),
                reserved: Set(0),
                updated_at: Set(now),
            }
            .insert(&db)
            .await
            .unwrap();
        }
        let po = purchase_order::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set("PO-000001".into()),
            supplier_id: Set(supplier),
            status: Set(entity::PurchaseOrderStatus::Received),
            expected_on: Set(None),
            approval_id: Set(None),
            source_order_id: Set(None),
            source_task_id: Set(None),
            status_reason: Set(None),
            sent_at: Set(None),
            drop_ship: Set(false),
            ship_to: Set(None),
            created_by: Set("t".into()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
        let receipt = goods_receipt::ActiveModel {
            id: Set(Uuid::now_v7()),
            purchase_order_id: Set(po.id),
            received_on: Set(on),
            location_id: Set(Uuid::from_u128(1)),
            qc_passed: Set(true),
            qc_checklist: Set("[]".into()),
            qc_notes: Set(None),
            received_by: Set("t".into()),
            created_at: Set(now),
        }
        .insert(&db)
        .await
        .unwrap();
        goods_receipt_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            receipt_id: Set(receipt.id),
            purchase_order_line_id: Set(Uuid::now_v7()),
            product_id: Set(product),
            quantity: Set(1),
            batch_code: Set("LOT-1".into()),
            expires_on: Set(None),
            serials: Set("[]".into()),
            stock_level_id: Set(Uuid::now_v7()),
        }
        .insert(&db)
        .await
        .unwrap();
        Migrator::up(&db, None).await.unwrap();
        let batches = product_batch::Entity::find()
            .order_by_asc(product_batch::Column::BatchCode)
            .all(&db)
            .await
            .unwrap();
        let got: Vec<(&str, Option<Uuid>, Option<NaiveDate>, BatchStatus)> = batches
            .iter()
            .map(|b| {
                (
                    b.batch_code.as_str(),
                    b.supplier_party_id,
                    b.first_received_on,
                    b.status,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("LOT-1", Some(supplier), Some(on), BatchStatus::Active),
                ("LOT-2", None, None, BatchStatus::Active),
            ]
        );
        db.close().await.unwrap();
        if let Some((admin, name)) = postgres {
            admin
                .execute_unprepared(&format!("DROP DATABASE {name}"))
                .await
                .unwrap();
        }
    }
}
