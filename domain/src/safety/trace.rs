//! Traceability: a batch forward to the orders, customers and shipments it went to; an order back to its batches, receipts and suppliers.
//!
//! Both are pages a frontend walks to export them (staff, READ_SAFETY).
//! Forward, a batch's units are either in packages (packed, shipped,
//! delivered) or still reserved for an order; back, an order's units come
//! from batches, each received on goods receipts of purchase orders.

use crate::kernel::{Ctx, DomainError, Page, PageRequest, Permission};
use entity::{
    goods_receipt, goods_receipt_line, order_allocation, order_line, party, product_batch,
    purchase_order, sales_order, shipment, shipment_item, stock_level,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// How far units of a batch went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceStatus {
    /// Reserved for the order, not packed yet.
    Reserved,
    /// Packed, not handed to the courier yet.
    Packed,
    /// Handed to the courier.
    Shipped,
    /// Delivered.
    Delivered,
}

/// Where units of a batch went: an order line, and the package they left
/// in (none while only reserved).
#[derive(Debug, Clone)]
pub struct BatchTraceRow {
    /// The shipment item's or the reservation's id (the cursor).
    pub id: Uuid,
    pub status: TraceStatus,
    pub order_line: order_line::Model,
    pub order: sales_order::Model,
    /// The customer on file (none for a guest order: see the order's contact).
    pub customer: Option<party::Model>,
    pub shipment: Option<shipment::Model>,
    pub quantity: i32,
}

/// Most receipts shown per batch on an order's trace.
pub const MAX_RECEIPTS: u64 = 10;

/// One goods receipt of a batch, with its purchase order and supplier.
#[derive(Debug, Clone)]
pub struct TraceReceipt {
    pub receipt: goods_receipt::Model,
    pub purchase_order: purchase_order::Model,
    pub supplier: Option<party::Model>,
}

/// Where units of an order line came from: one batch (none when the product
/// is not batch-tracked) and the receipts of that batch.
#[derive(Debug, Clone)]
pub struct OrderTraceRow {
    /// Derived from the line and batch code (the cursor).
    pub id: Uuid,
    pub order_line: order_line::Model,
    pub batch_code: String,
    pub batch: Option<product_batch::Model>,
    /// Units of the line from this batch (packed, shipped or reserved).
    pub quantity: i32,
    /// The batch's first receipts, oldest first (at most [`MAX_RECEIPTS`]).
    pub receipts: Vec<TraceReceipt>,
}

/// How far a package got.
fn shipped_status(s: &shipment::Model) -> TraceStatus {
    if s.delivered_at.is_some() {
        TraceStatus::Delivered
    } else if s.picked_up_at.is_some() {
        TraceStatus::Shipped
    } else {
        TraceStatus::Packed
    }
}

enum Source {
    Item(shipment_item::Model),
    Reserved(order_allocation::Model),
}

/// A batch forward (READ_SAFETY): every package item of it and every unpacked
/// reservation of it, oldest first.
pub async fn batch_trace(
    db: &DatabaseConnection,
    ctx: &Ctx,
    batch_id: Uuid,
    page: PageRequest,
) -> Result<Page<BatchTraceRow>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let batch = super::batches::find(db, batch_id)
        .await?
        .ok_or_else(|| DomainError::not_found("batchId", "batch"))?;
    let limit = page.first as u64 + 1;
    let lines_of_product = Query::select()
        .column(order_line::Column::Id)
        .from(order_line::Entity)
        .and_where(Expr::col(order_line::Column::ProductId).eq(batch.product_id))
        .to_owned();
    let mut items = shipment_item::Entity::find()
        .filter(shipment_item::Column::BatchCode.eq(batch.batch_code.clone()))
        .filter(shipment_item::Column::OrderLineId.in_subquery(lines_of_product));
    let levels: Vec<Uuid> = stock_level::Entity::find()
        .filter(stock_level::Column::ProductId.eq(batch.product_id))
        .filter(stock_level::Column::BatchCode.eq(batch.batch_code.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let mut reserved = order_allocation::Entity::find()
        .filter(order_allocation::Column::StockLevelId.is_in(levels))
        .filter(order_allocation::Column::ReleasedAt.is_null())
        .filter(
            Expr::col(order_allocation::Column::PackedQuantity)
                .lt(Expr::col(order_allocation::Column::Quantity)),
        );
    if let Some(after) = page.after {
        items = items.filter(shipment_item::Column::Id.gt(after));
        reserved = reserved.filter(order_allocation::Column::Id.gt(after));
    }
    let mut rows: Vec<(Uuid, Source)> = items
        .order_by_asc(shipment_item::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, Source::Item(i)))
        .chain(
            reserved
                .order_by_asc(order_allocation::Column::Id)
                .limit(limit)
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.id, Source::Reserved(a))),
        )
        .collect();
    rows.sort_by_key(|(id, _)| *id);
    rows.truncate(limit as usize);
    let page = Page::from_overfetch(rows, page, |(id, _)| *id);

    let line_ids: HashSet<Uuid> = page
        .items
        .iter()
        .map(|(_, (_, s))| match s {
            Source::Item(i) => i.order_line_id,
            Source::Reserved(a) => a.order_line_id,
        })
        .collect();
    let shipment_ids: HashSet<Uuid> = page
        .items
        .iter()
        .filter_map(|(_, (_, s))| match s {
            Source::Item(i) => Some(i.shipment_id),
            Source::Reserved(_) => None,
        })
        .collect();
    let lines = by_ids(db, order_line::Column::Id, line_ids, |l| l.id).await?;
    let orders = by_ids(
        db,
        sales_order::Column::Id,
        lines.values().map(|l| l.order_id),
        |o| o.id,
    )
    .await?;
    let customers = by_ids(
        db,
        party::Column::Id,
        orders.values().filter_map(|o| o.customer_id),
        |p| p.id,
    )
    .await?;
    let shipments = by_ids(db, shipment::Column::Id, shipment_ids, |s| s.id).await?;
    let mut out = Vec::new();
    for (id, (_, source)) in page.items {
        let (line_id, shipment, quantity, status) = match source {
            Source::Item(i) => {
                let s = shipments.get(&i.shipment_id).cloned();
                let status = s.as_ref().map_or(TraceStatus::Packed, shipped_status);
                (i.order_line_id, s, i.quantity, status)
            }
            Source::Reserved(a) => (
                a.order_line_id,
                None,
                a.quantity - a.packed_quantity,
                TraceStatus::Reserved,
            ),
        };
        let Some(line) = lines.get(&line_id) else {
            continue;
        };
        let Some(order) = orders.get(&line.order_id) else {
            continue;
        };
        out.push((
            id,
            BatchTraceRow {
                id,
                status,
                order_line: line.clone(),
                order: order.clone(),
                customer: order.customer_id.and_then(|c| customers.get(&c).cloned()),
                shipment,
                quantity,
            },
        ));
    }
    Ok(Page {
        items: out,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// The rows whose `id` column holds one of `ids` (one query), by id.
async fn by_ids<I, C>(
    conn: &C,
    id: I,
    ids: impl IntoIterator<Item = Uuid>,
    id_of: fn(&<I::EntityName as EntityTrait>::Model) -> Uuid,
) -> Result<HashMap<Uuid, <I::EntityName as EntityTrait>::Model>, DbErr>
where
    I: ColumnTrait,
    I::EntityName: EntityTrait,
    C: ConnectionTrait,
{
    let rows = <I::EntityName as EntityTrait>::find()
        .filter(id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (id_of(&r), r)).collect())
}

/// The id of an order trace row: stable for its line and batch.
pub fn row_id(order_line_id: Uuid, batch_code: &str) -> Uuid {
    Uuid::new_v5(&order_line_id, batch_code.as_bytes())
}

/// Units per (order line, batch code) from packages and live reservations,
/// ordered by line number then batch code. Pure: what the order trace lists.
pub fn units_per_batch(
    lines: &[order_line::Model],
    items: &[shipment_item::Model],
    reservations: &[(order_allocation::Model, String)],
) -> Vec<(order_line::Model, String, i32)> {
    let mut units: BTreeMap<(i32, String), (Uuid, i32)> = BTreeMap::new();
    let line_no: HashMap<Uuid, i32> = lines.iter().map(|l| (l.id, l.line_no)).collect();
    let mut add = |line: Uuid, batch: &str, q: i32| {
        if let Some(no) = line_no.get(&line) {
            units.entry((*no, batch.to_owned())).or_insert((line, 0)).1 += q;
        }
    };
    for i in items {
        add(i.order_line_id, &i.batch_code, i.quantity);
    }
    for (a, batch) in reservations {
        add(a.order_line_id, batch, a.quantity - a.packed_quantity);
    }
    units
        .into_iter()
        .filter(|(_, (_, q))| *q > 0)
        .filter_map(|((_, batch), (line, q))| {
            let line = lines.iter().find(|l| l.id == line)?.clone();
            Some((line, batch, q))
        })
        .collect()
}

/// An order back (READ_SAFETY): per line and batch, the units and where the
/// batch came from (its receipts, purchase orders and suppliers).
pub async fn order_trace(
    db: &DatabaseConnection,
    ctx: &Ctx,
    order_id: Uuid,
    page: PageRequest,
) -> Result<Page<OrderTraceRow>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let order = crate::orders::find(db, order_id)
        .await?
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    let line_ids: Vec<Uuid> = order.lines.iter().map(|l| l.id).collect();
    let items = shipment_item::Entity::find()
        .filter(shipment_item::Column::OrderLineId.is_in(line_ids.iter().copied()))
        .all(db)
        .await?;
    let allocations = order_allocation::Entity::find()
        .filter(order_allocation::Column::OrderId.eq(order_id))
        .filter(order_allocation::Column::ReleasedAt.is_null())
        .all(db)
        .await?;
    let levels = by_ids(
        db,
        stock_level::Column::Id,
        allocations.iter().map(|a| a.stock_level_id),
        |l| l.id,
    )
    .await?;
    let reservations: Vec<(order_allocation::Model, String)> = allocations
        .into_iter()
        .filter_map(|a| {
            let batch = levels.get(&a.stock_level_id)?.batch_code.clone();
            Some((a, batch))
        })
        .collect();
    let all = units_per_batch(&order.lines, &items, &reservations);
    // Keyset paging over the derived ids in the rows' order.
    let start = match page.after {
        None => 0,
        Some(after) => all
            .iter()
            .position(|(l, b, _)| row_id(l.id, b) == after)
            .map_or(all.len(), |i| i + 1),
    };
    let rows: Vec<_> = all
        .into_iter()
        .skip(start)
        .take(page.first as usize + 1)
        .collect();
    let page = Page::from_overfetch(rows, page, |(l, b, _)| row_id(l.id, b));
    let mut out = Vec::new();
    for (id, (line, batch_code, quantity)) in page.items {
        let (batch, receipts) = if batch_code.is_empty() {
            (None, Vec::new())
        } else {
            let batch = product_batch::Entity::find()
                .filter(product_batch::Column::ProductId.eq(line.product_id))
                .filter(product_batch::Column::BatchCode.eq(batch_code.clone()))
                .one(db)
                .await?;
            (batch, receipts_of(db, line.product_id, &batch_code).await?)
        };
        out.push((
            id,
            OrderTraceRow {
                id,
                order_line: line,
                batch_code,
                batch,
                quantity,
                receipts,
            },
        ));
    }
    Ok(Page {
        items: out,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// The first receipts of a batch, oldest first, with their purchase orders
/// and suppliers.
async fn receipts_of<C: ConnectionTrait>(
    conn: &C,
    product_id: Uuid,
    batch_code: &str,
) -> Result<Vec<TraceReceipt>, DbErr> {
    let receipt_ids: Vec<Uuid> = goods_receipt_line::Entity::find()
        .filter(goods_receipt_line::Column::ProductId.eq(product_id))
        .filter(goods_receipt_line::Column::BatchCode.eq(batch_code))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.receipt_id)
        .collect();
    let receipts = goods_receipt::Entity::find()
        .filter(goods_receipt::Column::Id.is_in(receipt_ids))
        .order_by_asc(goods_receipt::Column::Id)
        .limit(MAX_RECEIPTS)
        .all(conn)
        .await?;
    let pos = by_ids(
        conn,
        purchase_order::Column::Id,
        receipts.iter().map(|r| r.purchase_order_id),
        |p| p.id,
    )
    .await?;
    let suppliers = by_ids(
        conn,
        party::Column::Id,
        pos.values().map(|p| p.supplier_id),
        |p| p.id,
    )
    .await?;
    Ok(receipts
        .into_iter()
        .filter_map(|receipt| {
            let po = pos.get(&receipt.purchase_order_id)?.clone();
            Some(TraceReceipt {
                supplier: suppliers.get(&po.supplier_id).cloned(),
                purchase_order: po,
                receipt,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(no: i32) -> order_line::Model {
        order_line::Model {
            id: Uuid::now_v7(),
            order_id: Uuid::nil(),
            line_no: no,
            product_id: Uuid::nil(),
            sku: "S".into(),
            name: "N".into(),
            kind: entity::ProductKind::Goods,
            tax_code: "TAXABLE".into(),
            unit_price_cents: 100,
            quantity: 5,
            discount_basis_points: 0,
            reserved_quantity: 5,
            drop_ship_po_id: None,
        }
    }

    #[test]
    fn units_are_summed_per_line_and_batch_packed_or_reserved() {
        let (one, two) = (line(1), line(2));
        let item = |l: &order_line::Model, b: &str, q| shipment_item::Model {
            id: Uuid::now_v7(),
            shipment_id: Uuid::nil(),
            order_line_id: l.id,
            allocation_id: None,
            stock_level_id: None,
            batch_code: b.into(),
            quantity: q,
            serials: "[]".into(),
        };
        let reservation = |l: &order_line::Model, q, packed| order_allocation::Model {
            id: Uuid::now_v7(),
            order_id: Uuid::nil(),
            order_line_id: l.id,
            stock_level_id: Uuid::nil(),
            quantity: q,
            reserved_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            packed_quantity: packed,
            released_at: None,
        };
        let got = units_per_batch(
            &[one.clone(), two.clone()],
            &[item(&two, "B", 2), item(&one, "A", 1), item(&one, "A", 1)],
            &[
                (reservation(&one, 3, 2), "A".into()),
                (reservation(&one, 2, 0), "C".into()),
                (reservation(&two, 2, 2), "B".into()),
            ],
        );
        let got: Vec<(i32, &str, i32)> = got
            .iter()
            .map(|(l, b, q)| (l.line_no, b.as_str(), *q))
            .collect();
        assert_eq!(got, [(1, "A", 3), (1, "C", 2), (2, "B", 2)]);
        assert_eq!(row_id(one.id, "A"), row_id(one.id, "A"));
        assert_ne!(row_id(one.id, "A"), row_id(one.id, "C"));
    }
}
