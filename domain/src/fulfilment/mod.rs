//! Fulfilment (order flow steps 7–13): the pick list of a stock location,
//! packing reserved units into packages (partial fulfilment and split
//! shipments are normal), the courier's label, the hand-over that ships the
//! order, and tracking (see `polling`) until every package is delivered.
//!
//! A package is a `shipment` row; what it holds are `shipment_item` rows,
//! each taken from one reservation (so one stock level and batch). Packing
//! marks reserved units packed; the hand-over moves them off the shelf
//! (on hand and reserved both fall) with a SHIPMENT movement.

pub mod couriers;
pub mod drop_ship;
pub mod polling;
pub mod tracking;

use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Write,
    fetch_page,
};
use crate::orders::state::{self as order_state, Event};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, Utc};
use couriers::{Couriers, LabelAddress, LabelRequest};
use entity::{
    CourierCode, MovementKind, NotificationKind, OrderStatus, ProductKind, ShipmentStage,
    ShippingSpeed, TrackingStatus, order_allocation, order_line, product, sales_order, shipment,
    shipment_item, stock_level, stock_movement, tracking_checkpoint,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use tracking::PollSchedule;
use uuid::Uuid;

crate::children! {
    shipment_item: ShipmentId / shipment_id by Id;
    tracking_checkpoint: ShipmentId / shipment_id by OccurredAt, RawCode;
}

pub const SUBJECT_TYPE: &str = "shipment";

crate::stamped!(shipment);

/// The timer of a package's next tracking poll.
pub mod timer_kind {
    pub const TRACKING_POLL: &str = "tracking_poll";
}

/// The heaviest package a courier takes (grams).
const MAX_WEIGHT_GRAMS: i32 = 70_000;
/// The longest side a courier takes (millimetres).
const MAX_SIDE_MM: i32 = 3_000;

/// A package with what it holds and what its courier reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub shipment: shipment::Model,
    pub items: Vec<shipment_item::Model>,
    /// Oldest first.
    pub checkpoints: Vec<tracking_checkpoint::Model>,
}

impl Shipment {
    /// Serial numbers of one item.
    pub fn serials(item: &shipment_item::Model) -> Vec<String> {
        serde_json::from_str(&item.serials).unwrap_or_default()
    }
}

/// The payload of a `shipment.notice` outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: NotificationKind,
}

/// The payload of an `order.shipped` outbox row (what accounting needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderShipped {
    pub order_id: Uuid,
    pub order_number: String,
    pub shipment_id: Uuid,
    pub shipment_number: String,
    pub courier: CourierCode,
    pub tracking_number: String,
    /// `SHIPPED` or `PARTIALLY_SHIPPED`.
    pub order_status: OrderStatus,
    pub shipped_at: DateTime<Utc>,
    /// (order line id, units) in this package.
    pub lines: Vec<(Uuid, i32)>,
}

async fn with_parts<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<shipment::Model>,
) -> Result<Vec<Shipment>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let mut items = children_of::<shipment_item::Entity, _>(conn, &ids).await?;
    let mut checkpoints = children_of::<tracking_checkpoint::Entity, _>(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|s| Shipment {
            items: items.remove(&s.id).unwrap_or_default(),
            checkpoints: checkpoints.remove(&s.id).unwrap_or_default(),
            shipment: s,
        })
        .collect())
}

/// A package by id, whoever asks (background work, pages behind signed links).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Shipment>, DbErr> {
    let Some(row) = shipment::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(with_parts(conn, vec![row]).await?.pop())
}

async fn visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    s: Shipment,
) -> Result<Option<Shipment>, DbErr> {
    let order = sales_order::Entity::find_by_id(s.shipment.order_id)
        .one(conn)
        .await?;
    Ok(order
        .filter(|o| crate::orders::visible_to(ctx, o))
        .map(|_| s))
}

/// A package the caller may see (a customer: its own orders').
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Shipment>, DbErr> {
    match find(conn, id).await? {
        Some(s) => visible(conn, ctx, s).await,
        None => Ok(None),
    }
}

/// A package by its courier's tracking number, if the caller may see it.
pub async fn track<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    tracking_number: &str,
) -> Result<Option<Shipment>, DomainError> {
    Permission::PlaceOrders.require(ctx)?;
    let wanted = tracking_number.trim();
    if wanted.is_empty() {
        return Ok(None);
    }
    let row = shipment::Entity::find()
        .filter(shipment::Column::TrackingNumber.eq(wanted))
        .one(conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    match with_parts(conn, vec![row]).await?.pop() {
        Some(s) => Ok(visible(conn, ctx, s).await?),
        None => Ok(None),
    }
}

/// The packages of many orders (for a page of orders), oldest first, whoever
/// asks: the caller has already checked it may see the orders.
pub async fn of_orders<C: ConnectionTrait>(
    conn: &C,
    order_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Shipment>>, DbErr> {
    let rows = shipment::Entity::find()
        .filter(shipment::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(shipment::Column::Id)
        .all(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<Shipment>> = HashMap::new();
    for s in with_parts(conn, rows).await? {
        out.entry(s.shipment.order_id).or_default().push(s);
    }
    Ok(out)
}

/// What is left to pick for one order at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickItem {
    pub order_line_id: Uuid,
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    /// The batch to pick from (empty when not batch-tracked).
    pub batch_code: String,
    pub quantity: i32,
    /// Serials must be recorded when packing it.
    pub serial_tracked: bool,
    /// Why these units must not be picked (packing them is refused).
    pub blocked_by: Option<PickBlock>,
}

/// Why reserved units must not be picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PickBlockReason {
    /// Their batch is recalled.
    BatchRecalled,
    /// Their product is under a ban in force.
    ProductBanned,
}

impl PickBlockReason {
    /// The code packing them is refused with.
    pub fn code(self) -> ErrorCode {
        match self {
            PickBlockReason::BatchRecalled => ErrorCode::BatchRecalled,
            PickBlockReason::ProductBanned => ErrorCode::ProductBanned,
        }
    }
}

/// Why reserved units must not be picked, as packing them would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickBlock {
    pub reason: PickBlockReason,
    /// The recall blocking the batch (BATCH_RECALLED with a recall on file).
    pub recall_id: Option<Uuid>,
    pub recall_number: Option<String>,
    /// A sentence naming the recall or the ban.
    pub message: String,
}

/// One order of a pick list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickOrder {
    pub order: sales_order::Model,
    pub items: Vec<PickItem>,
}

/// Reservations at `location` not yet packed, of orders that may be packed.
async fn unpacked_at<C: ConnectionTrait>(
    conn: &C,
    location_id: Uuid,
    order_ids: Option<&[Uuid]>,
) -> Result<Vec<(order_allocation::Model, stock_level::Model)>, DbErr> {
    let levels: HashMap<Uuid, stock_level::Model> = stock_level::Entity::find()
        .filter(stock_level::Column::LocationId.eq(location_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut query = order_allocation::Entity::find()
        .filter(order_allocation::Column::StockLevelId.is_in(levels.keys().copied()))
        .filter(order_allocation::Column::ReleasedAt.is_null())
        .filter(
            Expr::col(order_allocation::Column::PackedQuantity)
                .lt(Expr::col(order_allocation::Column::Quantity)),
        );
    if let Some(ids) = order_ids {
        query = query.filter(order_allocation::Column::OrderId.is_in(ids.iter().copied()));
    }
    let allocations = query
        .order_by_asc(order_allocation::Column::Id)
        .all(conn)
        .await?;
    Ok(allocations
        .into_iter()
        .filter_map(|a| levels.get(&a.stock_level_id).cloned().map(|l| (a, l)))
        .collect())
}

const PACKABLE: [OrderStatus; 3] = [
    OrderStatus::Paid,
    OrderStatus::Packing,
    OrderStatus::PartiallyShipped,
];

/// The pick list of a stock location (FULFILMENT): paid orders with reserved
/// units there not yet packed, oldest order first, each with what to pick
/// (line, product, batch, units). Units that packing would refuse (a
/// recalled batch left reserved for want of other stock, a product under a
/// ban in force) stay listed, blocked with the reason, never to be picked.
pub async fn pick_list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    location_id: Uuid,
    page: PageRequest,
) -> Result<Page<PickOrder>, DomainError> {
    Permission::Fulfil.require(ctx)?;
    let waiting = unpacked_at(db, location_id, None).await?;
    let order_ids: HashSet<Uuid> = waiting.iter().map(|(a, _)| a.order_id).collect();
    let query = sales_order::Entity::find()
        .filter(sales_order::Column::Id.is_in(order_ids))
        .filter(sales_order::Column::Status.is_in(PACKABLE))
        .filter(sales_order::Column::OnHold.eq(false));
    let orders = fetch_page(db, query, sales_order::Column::Id, page, |o| o.id).await?;
    let ids: Vec<Uuid> = orders.items.iter().map(|(id, _)| *id).collect();
    let lines: HashMap<Uuid, order_line::Model> = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let products = products_of(db, lines.values().map(|l| l.product_id)).await?;
    let recalled = crate::safety::batches::recalled(db, products.keys().copied()).await?;
    let recall_numbers =
        crate::safety::batches::recall_numbers(db, recalled.values().flatten().copied()).await?;
    let bans = crate::safety::records::bans_in_force(
        db,
        products.keys().copied(),
        crate::rules::calendar::local_date(ctx.now()),
    )
    .await?;
    let mut items: HashMap<Uuid, Vec<PickItem>> = HashMap::new();
    for (allocation, level) in waiting {
        let Some(line) = lines.get(&allocation.order_line_id) else {
            continue;
        };
        let recall = recalled.get(&(line.product_id, level.batch_code.clone()));
        let blocked_by = if let Some(ban) = bans.get(&line.product_id) {
            Some(PickBlock {
                reason: PickBlockReason::ProductBanned,
                recall_id: None,
                recall_number: None,
                message: ban.describe(&line.sku),
            })
        } else {
            recall.map(|recall_id| {
                let number = recall_id.and_then(|r| recall_numbers.get(&r)).cloned();
                PickBlock {
                    reason: PickBlockReason::BatchRecalled,
                    recall_id: *recall_id,
                    message: crate::safety::batches::recalled_message(
                        &level.batch_code,
                        &line.sku,
                        number.as_deref(),
                    ),
                    recall_number: number,
                }
            })
        };
        items
            .entry(allocation.order_id)
            .or_default()
            .push(PickItem {
                order_line_id: line.id,
                line_no: line.line_no,
                product_id: line.product_id,
                sku: line.sku.clone(),
                name: line.name.clone(),
                batch_code: level.batch_code.clone(),
                quantity: allocation.quantity - allocation.packed_quantity,
                serial_tracked: products
                    .get(&line.product_id)
                    .is_some_and(|p| p.serial_tracked),
                blocked_by,
            });
    }
    Ok(Page {
        items: orders
            .items
            .into_iter()
            .map(|(id, order)| {
                let mut mine = items.remove(&id).unwrap_or_default();
                mine.sort_by(|a, b| (a.line_no, &a.batch_code).cmp(&(b.line_no, &b.batch_code)));
                (id, PickOrder { order, items: mine })
            })
            .collect(),
        has_next_page: orders.has_next_page,
        has_previous_page: orders.has_previous_page,
    })
}

async fn products_of<C: ConnectionTrait>(
    conn: &C,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, product::Model>, DbErr> {
    Ok(product::Entity::find()
        .filter(product::Column::Id.is_in(ids.collect::<HashSet<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// Units of one order line to pack.
#[derive(Debug, Clone)]
pub struct PackItemInput {
    pub order_line_id: Uuid,
    pub quantity: i32,
    /// One per unit for serial-tracked products; none otherwise.
    pub serials: Vec<String>,
}

/// A package as the packer enters it.
#[derive(Debug, Clone)]
pub struct PackInput {
    pub order_id: Uuid,
    pub location_id: Uuid,
    pub items: Vec<PackItemInput>,
    pub weight_grams: i32,
    pub length_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub height_mm: Option<i32>,
}

fn check_measures(fields: &mut Fields, input: &PackInput) {
    fields.ensure(
        (1..=MAX_WEIGHT_GRAMS).contains(&input.weight_grams),
        "weightGrams",
        ErrorCode::OutOfRange,
        format!("a package weighs 1 to {MAX_WEIGHT_GRAMS} grams"),
    );
    for (field, side) in [
        ("lengthMm", input.length_mm),
        ("widthMm", input.width_mm),
        ("heightMm", input.height_mm),
    ] {
        fields.ensure(
            side.is_none_or(|mm| (1..=MAX_SIDE_MM).contains(&mm)),
            field,
            ErrorCode::OutOfRange,
            format!("a side measures 1 to {MAX_SIDE_MM} mm"),
        );
    }
}

/// Check one item's serials; the cleaned list.
fn check_serials(
    fields: &mut Fields,
    at: &[&str],
    item: &PackItemInput,
    product: &product::Model,
    taken: &mut HashSet<String>,
) -> Vec<String> {
    let serials: Vec<String> = item
        .serials
        .iter()
        .map(|s| s.trim().to_uppercase())
        .collect();
    let mut path = at.to_vec();
    path.push("serials");
    if !product.serial_tracked {
        if !serials.is_empty() {
            fields.refuse_at(
                &path,
                ErrorCode::InvalidState,
                format!("{} is not serial-tracked", product.sku),
            );
        }
        return serials;
    }
    if serials.len() != usize::try_from(item.quantity).unwrap_or(0) {
        fields.refuse_at(
            &path,
            ErrorCode::Required,
            format!(
                "{} is serial-tracked: give one serial number per unit ({})",
                product.sku, item.quantity
            ),
        );
    }
    for serial in &serials {
        if serial.is_empty() || serial.len() > 100 {
            fields.refuse_at(
                &path,
                ErrorCode::InvalidText,
                "a serial number is 1 to 100 characters",
            );
        } else if !taken.insert(serial.clone()) {
            fields.refuse_at(
                &path,
                ErrorCode::AlreadyExists,
                format!("serial {serial} is given twice"),
            );
        }
    }
    serials
}

/// Pack units of a paid order's reserved stock at one location into a new
/// package (FULFILMENT). Each line's units come from its reservations there,
/// oldest first; a batch-tracked unit records its batch, a serial-tracked
/// one its serial. The order becomes PACKING (it stays PARTIALLY_SHIPPED
/// when part of it already left).
pub async fn pack(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &PackInput,
) -> Result<Committed<Shipment>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Fulfil).await?;
    let mut fields = Fields::new();
    check_measures(&mut fields, input);
    fields.ensure(
        !input.items.is_empty(),
        "items",
        ErrorCode::Required,
        "a package holds at least one line",
    );
    let order = crate::orders::load(w.conn(), input.order_id, true)
        .await?
        .filter(|o| crate::orders::visible_to(ctx, &o.order))
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    let status = order_state::apply(order.order.status, Event::Packed).map_err(|i| {
        DomainError::rejected(
            &["orderId"],
            ErrorCode::IllegalTransition,
            format!(
                "{} cannot be packed while it is {:?}",
                order.order.number, i.from
            ),
        )
    })?;
    if order.order.on_hold {
        return Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::InvalidState,
            format!("{} is on hold", order.order.number),
        ));
    }
    let location = crate::catalogue::locations::find(w.conn(), input.location_id).await?;
    if location.is_none() {
        fields.refuse(
            "locationId",
            ErrorCode::NotFound,
            "stock location not found",
        );
    }
    let products = products_of(w.conn(), order.lines.iter().map(|l| l.product_id)).await?;
    let available = unpacked_at(w.conn(), input.location_id, Some(&[order.order.id])).await?;
    // Neither a recalled batch nor a banned product is packed.
    let recalled = crate::safety::batches::recalled(w.conn(), products.keys().copied()).await?;
    let recall_numbers =
        crate::safety::batches::recall_numbers(w.conn(), recalled.values().flatten().copied())
            .await?;
    let bans = crate::safety::records::bans_in_force(
        w.conn(),
        products.keys().copied(),
        crate::rules::calendar::local_date(w.now()),
    )
    .await?;
    let mut seen_lines = HashSet::new();
    let mut serials_taken = HashSet::new();
    let mut plan: Vec<(&PackItemInput, Vec<String>)> = Vec::new();
    for (i, item) in input.items.iter().enumerate() {
        let index = i.to_string();
        let at = ["items", index.as_str()];
        let Some(line) = order.lines.iter().find(|l| l.id == item.order_line_id) else {
            fields.refuse_at(
                &[at[0], at[1], "orderLineId"],
                ErrorCode::NotFound,
                "not a line of this order",
            );
            continue;
        };
        if !seen_lines.insert(line.id) {
            fields.refuse_at(
                &[at[0], at[1], "orderLineId"],
                ErrorCode::AlreadyExists,
                format!("line {} is given twice", line.line_no),
            );
            continue;
        }
        if line.kind == ProductKind::Service {
            fields.refuse_at(
                &[at[0], at[1], "orderLineId"],
                ErrorCode::InvalidState,
                format!("line {} is a service: nothing to pack", line.line_no),
            );
            continue;
        }
        if item.quantity < 1 {
            fields.refuse_at(
                &[at[0], at[1], "quantity"],
                ErrorCode::InvalidQuantity,
                "pack at least one unit",
            );
            continue;
        }
        let left: i32 = available
            .iter()
            .filter(|(a, _)| a.order_line_id == line.id)
            .map(|(a, _)| a.quantity - a.packed_quantity)
            .sum();
        if item.quantity > left {
            fields.refuse_at(
                &[at[0], at[1], "quantity"],
                ErrorCode::InsufficientStock,
                format!(
                    "line {} has {left} reserved unit(s) here left to pack",
                    line.line_no
                ),
            );
            continue;
        }
        let Some(product) = products.get(&line.product_id) else {
            return Err(DomainError::internal("an order line's product is missing"));
        };
        if let Some(ban) = bans.get(&line.product_id) {
            fields.refuse_at(
                &[at[0], at[1], "orderLineId"],
                ErrorCode::ProductBanned,
                ban.describe(&product.sku),
            );
            continue;
        }
        // The reservations this item would be packed from (oldest first, as below).
        let mut want = item.quantity;
        let blocked = available
            .iter()
            .filter(|(a, _)| a.order_line_id == line.id)
            .take_while(|(a, _)| {
                let more = want > 0;
                want -= a.quantity - a.packed_quantity;
                more
            })
            .find_map(|(_, level)| {
                recalled
                    .get(&(line.product_id, level.batch_code.clone()))
                    .map(|recall| (level, recall))
            });
        if let Some((level, recall)) = blocked {
            let number = recall
                .and_then(|r| recall_numbers.get(&r))
                .map(String::as_str);
            fields.refuse_at(
                &[at[0], at[1], "orderLineId"],
                ErrorCode::BatchRecalled,
                crate::safety::batches::recalled_message(&level.batch_code, &product.sku, number),
            );
            continue;
        }
        let serials = check_serials(&mut fields, &at, item, product, &mut serials_taken);
        plan.push((item, serials));
    }
    fields.finish(|| Some(()))?;

    let id = Uuid::now_v7();
    let base = new_package(&w, &order.order, id, w.now()).await?;
    let row = shipment::ActiveModel {
        location_id: Set(Some(input.location_id)),
        weight_grams: Set(input.weight_grams),
        length_mm: Set(input.length_mm),
        width_mm: Set(input.width_mm),
        height_mm: Set(input.height_mm),
        ..base
    }
    .insert(w.conn())
    .await?;
    for (item, serials) in plan {
        let mut want = item.quantity;
        let mut serials = serials.into_iter();
        for (allocation, level) in available
            .iter()
            .filter(|(a, _)| a.order_line_id == item.order_line_id)
        {
            if want == 0 {
                break;
            }
            let take = std::cmp::min(want, allocation.quantity - allocation.packed_quantity);
            // Conditional: a unit is packed once even if two packers race.
            let marked = order_allocation::Entity::update_many()
                .col_expr(
                    order_allocation::Column::PackedQuantity,
                    Expr::col(order_allocation::Column::PackedQuantity).add(take),
                )
                .filter(order_allocation::Column::Id.eq(allocation.id))
                .filter(
                    Expr::col(order_allocation::Column::PackedQuantity)
                        .add(take)
                        .lte(Expr::col(order_allocation::Column::Quantity)),
                )
                .exec(w.conn())
                .await?;
            if marked.rows_affected != 1 {
                return Err(DomainError::conflict());
            }
            let mine: Vec<String> = serials.by_ref().take(take as usize).collect();
            shipment_item::ActiveModel {
                id: Set(Uuid::now_v7()),
                shipment_id: Set(id),
                order_line_id: Set(item.order_line_id),
                allocation_id: Set(Some(allocation.id)),
                stock_level_id: Set(Some(level.id)),
                batch_code: Set(level.batch_code.clone()),
                quantity: Set(take),
                serials: Set(serde_json::to_string(&mine).map_err(DomainError::internal)?),
            }
            .insert(w.conn())
            .await?;
            want -= take;
        }
    }
    w.audit(SUBJECT_TYPE, id, "shipment.packed", None, Some(&row))
        .await?;
    move_order(&mut w, &order.order, status, "order.packing").await?;
    let packed = find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::internal("the package just packed is missing"))?;
    w.commit(packed).await
}

/// A new package `id` of `order`, numbered after the packages it has, as
/// the caller packs it at `now`: PACKED at no location, with no weight,
/// dimensions, courier, label or tracking news yet (the caller sets what it
/// knows).
async fn new_package(
    w: &Write<'_>,
    order: &sales_order::Model,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<shipment::ActiveModel, DbErr> {
    let count = shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order.id))
        .count(w.conn())
        .await?;
    Ok(shipment::ActiveModel {
        id: Set(id),
        number: Set(format!("{}-{}", order.number, count + 1)),
        order_id: Set(order.id),
        location_id: Set(None),
        purchase_order_id: Set(None),
        stage: Set(ShipmentStage::Packed),
        weight_grams: Set(0),
        length_mm: Set(None),
        width_mm: Set(None),
        height_mm: Set(None),
        courier: Set(None),
        service_level: Set(None),
        tracking_number: Set(None),
        label_reference: Set(None),
        label_data: Set(None),
        tracking_status: Set(TrackingStatus::Pending),
        sub_status: Set(None),
        estimated_delivery: Set(None),
        picked_up_at: Set(None),
        delivered_at: Set(None),
        last_news_at: Set(None),
        poll_failures: Set(0),
        next_poll_at: Set(None),
        packed_by: Set(w.ctx().actor.id.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

/// Move an order to `status` (recording `action`), or only bump its version
/// when it stays, so concurrent changes of one order serialise.
async fn move_order(
    w: &mut Write<'_>,
    before: &sales_order::Model,
    status: OrderStatus,
    action: &str,
) -> Result<sales_order::Model, DomainError> {
    let after = w
        .change::<sales_order::Entity>(before.id, before.version, |o| o.status = Set(status))
        .await?;
    if status != before.status {
        w.audit(
            crate::orders::SUBJECT_TYPE,
            before.id,
            action,
            Some(before),
            Some(&after),
        )
        .await?;
    }
    w.touch(before.id);
    Ok(after)
}

/// A package the caller may change, locked, with its order.
async fn lock_visible(
    w: &Write<'_>,
    ctx: &Ctx,
    id: Uuid,
) -> Result<(shipment::Model, sales_order::Model), DomainError> {
    let row = find_for_update::<shipment::Entity, _>(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("shipmentId", "shipment"))?;
    let order = sales_order::Entity::find_by_id(row.order_id)
        .one(w.conn())
        .await?
        .filter(|o| crate::orders::visible_to(ctx, o))
        .ok_or_else(|| DomainError::not_found("shipmentId", "shipment"))?;
    Ok((row, order))
}

fn wrong_stage(row: &shipment::Model, wanted: &str) -> DomainError {
    DomainError::rejected(
        &["shipmentId"],
        ErrorCode::IllegalTransition,
        format!(
            "{} is {:?}; this step needs it {wanted}",
            row.number, row.stage
        ),
    )
}

/// Which label to ask for.
#[derive(Debug, Clone)]
pub struct LabelInput {
    pub shipment_id: Uuid,
    pub courier: CourierCode,
    pub service_level: ShippingSpeed,
}

fn label_request(
    row: &shipment::Model,
    order: &sales_order::Model,
    level: ShippingSpeed,
) -> LabelRequest {
    LabelRequest {
        reference: row.number.clone(),
        service_level: level,
        weight_grams: row.weight_grams,
        length_mm: row.length_mm,
        width_mm: row.width_mm,
        height_mm: row.height_mm,
        to: LabelAddress {
            name: order.contact_name.clone(),
            line1: order.ship_line1.clone(),
            line2: order.ship_line2.clone(),
            suburb: order.ship_suburb.clone(),
            state: order.ship_state.clone(),
            postcode: order.ship_postcode.clone(),
            country: order.ship_country.clone(),
            phone: order.contact_phone.clone(),
        },
        authority_to_leave: order.authority_to_leave,
        instructions: order.delivery_instructions.clone(),
    }
}

/// Have the chosen courier issue a packed package's label (FULFILMENT): the
/// courier is asked first, outside any transaction (it issues one label per
/// package, however often asked), then the label, its tracking number and
/// the courier's reference are stored and the package is LABELLED with
/// that courier and service level.
pub async fn create_label(
    db: &DatabaseConnection,
    ctx: &Ctx,
    couriers: &Couriers,
    input: &LabelInput,
) -> Result<Committed<Shipment>, DomainError> {
    Permission::Fulfil.require(ctx)?;
    let courier = couriers.get(input.courier).ok_or_else(|| {
        DomainError::rejected(&["courier"], ErrorCode::NotFound, "courier not configured")
    })?;
    if !courier.service_levels.contains(&input.service_level) {
        return Err(DomainError::rejected(
            &["serviceLevel"],
            ErrorCode::OutOfRange,
            format!("{} offers {:?} only", courier.name, courier.service_levels),
        ));
    }
    let adapter = couriers
        .adapter(input.courier)
        .ok_or_else(|| DomainError::internal("a configured courier has no adapter"))?;
    let (row, order) = {
        let row = shipment::Entity::find_by_id(input.shipment_id)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::not_found("shipmentId", "shipment"))?;
        let order = sales_order::Entity::find_by_id(row.order_id)
            .one(db)
            .await?
            .filter(|o| crate::orders::visible_to(ctx, o))
            .ok_or_else(|| DomainError::not_found("shipmentId", "shipment"))?;
        (row, order)
    };
    if row.stage != ShipmentStage::Packed {
        return Err(wrong_stage(&row, "PACKED"));
    }
    let request = label_request(&row, &order, input.service_level);
    let label = adapter.create_label(&request).await.map_err(|e| {
        DomainError::rejected(
            &["courier"],
            ErrorCode::CourierUnavailable,
            format!("{}: {e}", courier.name),
        )
    })?;

    let mut w = Write::begin(db, ctx, Permission::Fulfil).await?;
    let (before, _) = lock_visible(&w, ctx, input.shipment_id).await?;
    if before.stage != ShipmentStage::Packed {
        return Err(wrong_stage(&before, "PACKED"));
    }
    let data = serde_json::json!({
        "courier": courier.name,
        "trackingNumber": label.tracking_number,
        "labelReference": label.label_reference,
        "request": request,
    });
    let after = w
        .change::<shipment::Entity>(before.id, before.version, |s| {
            s.stage = Set(ShipmentStage::Labelled);
            s.courier = Set(Some(input.courier));
            s.service_level = Set(Some(input.service_level));
            s.tracking_number = Set(Some(label.tracking_number.clone()));
            s.label_reference = Set(Some(label.label_reference.clone()));
            s.label_data = Set(Some(data.to_string()));
            s.estimated_delivery = Set(label.estimated_delivery);
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        before.id,
        "shipment.labelled",
        Some(&before),
        Some(&after),
    )
    .await?;
    let labelled = find(w.conn(), before.id)
        .await?
        .ok_or_else(|| DomainError::internal("the package just labelled is missing"))?;
    w.commit(labelled).await
}

/// The courier took a labelled package (FULFILMENT): its units leave the
/// shelf (SHIPMENT movements), tracking starts (the first poll is planned),
/// the customer is emailed its tracking link, accounting is told
/// (`order.shipped`), and the order is SHIPPED when every unit of its goods
/// has left, else PARTIALLY_SHIPPED. One transaction.
pub async fn confirm_pickup(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    schedule: &PollSchedule,
    shipment_id: Uuid,
) -> Result<Committed<Shipment>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Fulfil).await?;
    let (before, _) = lock_visible(&w, ctx, shipment_id).await?;
    if before.stage != ShipmentStage::Labelled {
        return Err(wrong_stage(&before, "LABELLED"));
    }
    let order = crate::orders::load(w.conn(), before.order_id, true)
        .await?
        .ok_or_else(|| DomainError::internal("a package's order is missing"))?;
    let now = w.now();
    let items = shipment_item::Entity::find()
        .filter(shipment_item::Column::ShipmentId.eq(before.id))
        .all(w.conn())
        .await?;
    for item in &items {
        take_off_shelf(&mut w, item, &before.number, now).await?;
    }
    let next_poll = schedule.next_poll(before.id, TrackingStatus::Pending, 0, now, now);
    let after = w
        .change::<shipment::Entity>(before.id, before.version, |s| {
            s.stage = Set(ShipmentStage::PickedUp);
            s.picked_up_at = Set(Some(now));
            s.last_news_at = Set(Some(now));
            s.next_poll_at = Set(next_poll);
        })
        .await?;
    if let Some(due_at) = next_poll {
        plan_poll(w.conn(), before.id, due_at, now).await?;
    }
    w.audit(
        SUBJECT_TYPE,
        before.id,
        "shipment.picked_up",
        Some(&before),
        Some(&after),
    )
    .await?;
    handed_over(&mut w, calendar, &order, &after, &items, "shipmentId").await?;
    let picked = find(w.conn(), before.id)
        .await?
        .ok_or_else(|| DomainError::internal("the package just picked up is missing"))?;
    w.commit(picked).await
}

/// A package is in a courier's hands (ours after pickup, or a supplier's
/// dispatch): the order is SHIPPED when every unit of its goods has left,
/// else PARTIALLY_SHIPPED, its late risk follows, accounting is told
/// (`order.shipped`) and the customer emailed the tracking link. `field`
/// names the input a refusal points at.
async fn handed_over(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    order: &crate::orders::Order,
    package: &shipment::Model,
    items: &[shipment_item::Model],
    field: &str,
) -> Result<(), DomainError> {
    let all = everything_shipped(w.conn(), order).await?;
    let status = order_state::apply(order.order.status, Event::PickedUp { all }).map_err(|i| {
        DomainError::rejected(
            &[field],
            ErrorCode::IllegalTransition,
            format!(
                "{} cannot ship while it is {:?}",
                order.order.number, i.from
            ),
        )
    })?;
    let action = if all {
        "order.shipped"
    } else {
        "order.partially_shipped"
    };
    let moved = move_order(w, &order.order, status, action).await?;
    refresh_late_risk(w, calendar, &moved).await?;
    let shipped = OrderShipped {
        order_id: order.order.id,
        order_number: order.order.number.clone(),
        shipment_id: package.id,
        shipment_number: package.number.clone(),
        courier: package
            .courier
            .ok_or_else(|| DomainError::internal("a package in transit has no courier"))?,
        tracking_number: package.tracking_number.clone().unwrap_or_default(),
        order_status: status,
        shipped_at: package.picked_up_at.unwrap_or_else(|| w.now()),
        lines: items
            .iter()
            .map(|i| (i.order_line_id, i.quantity))
            .collect(),
    };
    w.emit(topic::ORDER_SHIPPED, order.order.id, &shipped)
        .await?;
    crate::webhooks::events::record(w, entity::WebhookEventType::OrderShipped, package.id).await?;
    let notice = Notice {
        kind: NotificationKind::ShipmentShipped,
    };
    w.emit(topic::SHIPMENT_NOTICE, package.id, &notice).await
}

/// Units leave the shelf: on hand and reserved both fall (conditionally, so
/// a level never goes below what it holds), with the movement recorded.
async fn take_off_shelf(
    w: &mut Write<'_>,
    item: &shipment_item::Model,
    package: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    // A supplier's own package (drop-ship) leaves no shelf of ours.
    let Some(level_id) = item.stock_level_id else {
        return Ok(());
    };
    let moved = stock_level::Entity::update_many()
        .col_expr(
            stock_level::Column::OnHand,
            Expr::col(stock_level::Column::OnHand).sub(item.quantity),
        )
        .col_expr(
            stock_level::Column::Reserved,
            Expr::col(stock_level::Column::Reserved).sub(item.quantity),
        )
        .col_expr(stock_level::Column::UpdatedAt, Expr::value(now))
        .filter(stock_level::Column::Id.eq(level_id))
        .filter(stock_level::Column::Reserved.gte(item.quantity))
        .filter(stock_level::Column::OnHand.gte(item.quantity))
        .exec(w.conn())
        .await?;
    if moved.rows_affected != 1 {
        return Err(DomainError::internal(
            "a packed unit is no longer reserved on its shelf",
        ));
    }
    let level = stock_level::Entity::find_by_id(level_id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("the stock level vanished"))?;
    stock_movement::ActiveModel {
        id: Set(Uuid::now_v7()),
        stock_level_id: Set(level.id),
        product_id: Set(level.product_id),
        location_id: Set(level.location_id),
        batch_code: Set(level.batch_code.clone()),
        quantity: Set(-item.quantity),
        kind: Set(MovementKind::Shipment),
        reason: Set(format!("Shipped in {package}")),
        actor_id: Set(w.ctx().actor.id.clone()),
        on_hand_after: Set(level.on_hand),
        occurred_at: Set(now),
    }
    .insert(w.conn())
    .await?;
    Ok(())
}

/// Has every unit of the order's goods been handed to a courier?
async fn everything_shipped<C: ConnectionTrait>(
    conn: &C,
    order: &crate::orders::Order,
) -> Result<bool, DbErr> {
    let picked: Vec<Uuid> = shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order.order.id))
        .filter(shipment::Column::Stage.eq(ShipmentStage::PickedUp))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut shipped: HashMap<Uuid, i32> = HashMap::new();
    for item in shipment_item::Entity::find()
        .filter(shipment_item::Column::ShipmentId.is_in(picked))
        .all(conn)
        .await?
    {
        *shipped.entry(item.order_line_id).or_default() += item.quantity;
    }
    Ok(order
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::Goods)
        .all(|l| shipped.get(&l.id).copied().unwrap_or(0) >= l.quantity))
}

/// Plan (or re-plan) a package's next poll.
async fn plan_poll<C: ConnectionTrait>(
    conn: &C,
    shipment_id: Uuid,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let plan = TimerPlan::new(timer_kind::TRACKING_POLL, shipment_id, due_at);
    timers::plan(conn, &plan, now).await.map(|_| ())
}

/// When a fully shipped (SHIPPED) order's goods were all delivered: its
/// last package's delivery (`now` if none says), once every package is
/// delivered; else `None`.
pub(crate) async fn goods_delivered_at<C: ConnectionTrait>(
    conn: &C,
    order: &sales_order::Model,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    if order.status != OrderStatus::Shipped {
        return Ok(None);
    }
    let packages = shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order.id))
        .all(conn)
        .await?;
    let all_delivered = !packages.is_empty()
        && packages
            .iter()
            .all(|s| s.tracking_status == TrackingStatus::Delivered);
    Ok(all_delivered.then(|| {
        packages
            .iter()
            .filter_map(|s| s.delivered_at)
            .max()
            .unwrap_or(now)
    }))
}

/// Make an order DELIVERED (the machine moved it there) in the caller's
/// transaction, with everything delivery causes, whichever step completed
/// it (its last package, or its services ticket): delivered at
/// `delivered_at` (the closure run and the follow-up count from it), its
/// assets and warranties recorded from `goods_delivered_at`, its follow-up
/// planned, audited, and live subscribers told.
pub(crate) async fn deliver(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    before: &sales_order::Model,
    delivered_at: DateTime<Utc>,
    goods_delivered_at: DateTime<Utc>,
) -> Result<sales_order::Model, DomainError> {
    let after = w
        .change::<sales_order::Entity>(before.id, before.version, |o| {
            o.status = Set(OrderStatus::Delivered);
            o.delivered_at = Set(Some(delivered_at));
        })
        .await?;
    crate::closeout::plan_follow_up(w.conn(), before.id, delivered_at, w.now()).await?;
    crate::closeout::assets::on_delivered(w, calendar, &after, goods_delivered_at).await?;
    crate::aftersales::on_replacement_delivered(w, &after).await?;
    w.audit(
        crate::orders::SUBJECT_TYPE,
        before.id,
        "order.delivered",
        Some(before),
        Some(&after),
    )
    .await?;
    crate::webhooks::events::record(w, entity::WebhookEventType::OrderDelivered, before.id).await?;
    refresh_late_risk(w, calendar, &after).await?;
    Ok(after)
}

/// Store the order's late risk as it now stands (shipped orders follow
/// their packages' estimated delivery).
async fn refresh_late_risk(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    let estimate = latest_estimate(w.conn(), order.id)
        .await?
        .or(order.estimated_delivery);
    let risk = crate::orders::risk::risk(
        calendar,
        order.status,
        order.required_delivery_date,
        order.shipping_speed,
        estimate,
        w.now(),
    );
    if risk != order.late_risk {
        let after = w
            .change::<sales_order::Entity>(order.id, order.version, |o| o.late_risk = Set(risk))
            .await?;
        w.audit(
            crate::orders::SUBJECT_TYPE,
            order.id,
            "order.late_risk_changed",
            Some(order),
            Some(&after),
        )
        .await?;
    }
    Ok(())
}

/// The latest estimated delivery of an order's packages still travelling.
pub async fn latest_estimate<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
) -> Result<Option<chrono::NaiveDate>, DbErr> {
    Ok(shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order_id))
        .filter(shipment::Column::Stage.eq(ShipmentStage::PickedUp))
        .all(conn)
        .await?
        .into_iter()
        .filter(|s| tracking::is_active(s.tracking_status))
        .filter_map(|s| s.estimated_delivery)
        .max())
}
