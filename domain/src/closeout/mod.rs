//! The end of an order's life (order flow steps 15–18): the one follow-up
//! after delivery (a transactional feedback request, or a commercial
//! discount or review request that only consenting customers get), the
//! daily closure run (delivered orders close after N days, closed orders
//! are archived after M), replenishment tasks for products under their
//! reorder point, and the fulfilment KPIs.

pub mod assets;
pub mod kpis;

use crate::business_time::timers::{self, TimerPlan};
use crate::consent::{self, CommercialSend};
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Page, PageRequest, Permission, Write, fetch_page,
};
use crate::orders::state::{self as order_state, Event};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    ConsentPurpose, FollowUpKind, LocationKind, NotificationKind, OrderStatus, ProductKind,
    ReplenishmentStatus, SendOutcome, order_entry_error, order_line, product, replenishment_task,
    sales_order, shipment, shipment_item, stock_level, stock_location,
};
use entity::{
    Role, audit_entry, goods_receipt, goods_receipt_line, purchase_order, purchase_order_line,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const TASK_SUBJECT_TYPE: &str = "replenishment_task";

/// The timer of a delivered order's follow-up.
pub mod timer_kind {
    pub const FOLLOW_UP: &str = "order_follow_up";
    /// An asset's warranty ends soon: remind the customer and the service team.
    pub const WARRANTY_REMINDER: &str = "warranty_reminder";
}

/// Orders one run closes or archives at most (the next run takes the rest).
const RUN_BATCH: u64 = 500;

/// The payload of an `order.follow_up` outbox row: the email to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpNotice {
    pub kind: NotificationKind,
}

/// Plan a delivered order's follow-up (in the delivering transaction), once
/// per order however often delivery is recorded.
pub async fn plan_follow_up<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
    delivered_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let settings = crate::settings::current(conn).await?;
    let plan = TimerPlan::new(
        timer_kind::FOLLOW_UP,
        order_id,
        delivered_at + Duration::days(i64::from(settings.follow_up_after_days)),
    );
    timers::plan_once(conn, &plan, now).await.map(|_| ())
}

/// The email a follow-up kind sends and, for a commercial one, the consent
/// it needs.
pub fn follow_up_email(kind: FollowUpKind) -> (NotificationKind, Option<ConsentPurpose>) {
    let email = match kind {
        FollowUpKind::Feedback => NotificationKind::DeliveryFeedback,
        FollowUpKind::Discount => NotificationKind::NextPurchaseOffer,
        FollowUpKind::Review => NotificationKind::ReviewRequest,
    };
    (email, consent::purpose_of(email))
}

/// Send a delivered order's one follow-up (the worker, at its timer): the
/// kind the business configured; a commercial one only with the customer's
/// consent to its purpose, an address that does not bounce, and logged
/// either way. The email itself goes out through the outbox. The chosen
/// email, when one is due.
pub async fn follow_up(
    db: &DatabaseConnection,
    ctx: &Ctx,
    order_id: Uuid,
) -> Result<Committed<Option<NotificationKind>>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let order =
        crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), order_id).await?;
    let Some((order, address)) = order
        .filter(|o| matches!(o.status, OrderStatus::Delivered | OrderStatus::Closed))
        .and_then(|o| o.contact_email.clone().map(|a| (o, a)))
    else {
        return w.commit(None).await;
    };
    // One follow-up per order, however often the job is delivered: the
    // decision is recorded on the order's timeline once.
    let decided = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::SubjectId.eq(order_id))
        .filter(entity::audit_entry::Column::Action.eq("order.follow_up"))
        .count(w.conn())
        .await?;
    if decided > 0 {
        return w.commit(None).await;
    }
    let settings = crate::settings::current(w.conn()).await?;
    let (kind, purpose) = follow_up_email(settings.follow_up_kind);
    let now = w.now();
    let mut outcome = SendOutcome::Sent;
    if let Some(purpose) = purpose {
        outcome = consent::decide(w.conn(), order.customer_id, &address, purpose).await?;
        let send = CommercialSend {
            customer_id: order.customer_id,
            address: address.clone(),
            purpose,
            kind,
            subject_id: order_id,
        };
        consent::record_send(w.conn(), &send, outcome, None, now).await?;
    }
    let record = serde_json::json!({ "kind": kind, "outcome": outcome });
    w.audit::<serde_json::Value>(
        crate::orders::SUBJECT_TYPE,
        order_id,
        "order.follow_up",
        None,
        Some(&record),
    )
    .await?;
    if outcome != SendOutcome::Sent {
        return w.commit(None).await;
    }
    w.emit(topic::ORDER_FOLLOW_UP, order_id, &FollowUpNotice { kind })
        .await?;
    w.commit(Some(kind)).await
}

/// What one daily run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DailyOutcome {
    pub closed: Vec<Uuid>,
    pub archived: Vec<Uuid>,
    pub tasks: Vec<Uuid>,
}

/// The closure run of a business date (the worker, at the daily run):
/// delivered orders close `close_after_days` after delivery, closed orders
/// are archived `archive_after_days` after closing, and products under
/// their reorder point get a replenishment task. Each change is its own
/// transaction and conditional on the record's state, so a repeated run
/// changes nothing twice.
pub async fn run_daily(
    db: &DatabaseConnection,
    ctx: &Ctx,
    business_date: NaiveDate,
) -> Result<DailyOutcome, DomainError> {
    Permission::ManageOrders.require(ctx)?;
    let settings = crate::settings::current(db).await?;
    let now = ctx.now();
    let mut outcome = DailyOutcome::default();
    let close_by = now - Duration::days(i64::from(settings.close_after_days));
    let to_close = sales_order::Entity::find()
        .filter(sales_order::Column::Status.eq(OrderStatus::Delivered))
        .filter(sales_order::Column::DeliveredAt.lte(close_by))
        .order_by_asc(sales_order::Column::Id)
        .limit(RUN_BATCH)
        .all(db)
        .await?;
    for order in to_close {
        if close(db, ctx, order.id).await? {
            outcome.closed.push(order.id);
        }
    }
    let archive_by = now - Duration::days(i64::from(settings.archive_after_days));
    let to_archive = sales_order::Entity::find()
        .filter(sales_order::Column::Status.eq(OrderStatus::Closed))
        .filter(sales_order::Column::Archived.eq(false))
        .filter(sales_order::Column::ClosedAt.lte(archive_by))
        .order_by_asc(sales_order::Column::Id)
        .limit(RUN_BATCH)
        .all(db)
        .await?;
    for order in to_archive {
        if archive(db, ctx, order.id).await? {
            outcome.archived.push(order.id);
        }
    }
    outcome.tasks = raise_replenishment(db, ctx, business_date).await?;
    Ok(outcome)
}

/// Close one delivered order; `false` when it is no longer DELIVERED.
async fn close(db: &DatabaseConnection, ctx: &Ctx, id: Uuid) -> Result<bool, DomainError> {
    let w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) = crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), id)
        .await?
        .filter(|o| o.status == OrderStatus::Delivered)
    else {
        return Ok(false);
    };
    // An open claim or return keeps its order from closing (it closes on a
    // later run once they end); claims outlive closure (DESIGN): one is
    // still accepted on a closed or archived order.
    if crate::aftersales::holds_closure(w.conn(), id).await? {
        return Ok(false);
    }
    let status = order_state::apply(before.status, Event::Close)
        .map_err(|i| DomainError::internal(format!("closing from {:?}", i.from)))?;
    let now = w.now();
    commit_change(w, &before, "order.closed", |o| {
        o.status = Set(status);
        o.closed_at = Set(Some(now));
    })
    .await
}

/// Archive one closed order; `false` when it is not a closed, unarchived one.
async fn archive(db: &DatabaseConnection, ctx: &Ctx, id: Uuid) -> Result<bool, DomainError> {
    let w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) = crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), id)
        .await?
        .filter(|o| o.status == OrderStatus::Closed && !o.archived)
    else {
        return Ok(false);
    };
    let now = w.now();
    commit_change(w, &before, "order.archived", |o| {
        o.archived = Set(true);
        o.archived_at = Set(Some(now));
    })
    .await
}

/// Change the locked order `before` as the daily run moves it on (audited
/// as `action`) and commit; `true`: it moved.
async fn commit_change(
    mut w: Write<'_>,
    before: &sales_order::Model,
    action: &str,
    change: impl FnOnce(&mut sales_order::ActiveModel),
) -> Result<bool, DomainError> {
    let after = w
        .change::<sales_order::Entity>(before.id, before.version, change)
        .await?;
    let subject = crate::orders::SUBJECT_TYPE;
    w.audit(subject, before.id, action, Some(before), Some(&after))
        .await?;
    w.commit(()).await?;
    Ok(true)
}

/// Units that can be sold now per product (warehouses only; quarantine
/// holds nothing sellable).
async fn sellable<C: ConnectionTrait>(conn: &C) -> Result<HashMap<Uuid, i32>, DbErr> {
    let warehouses: HashSet<Uuid> = stock_location::Entity::find()
        .filter(stock_location::Column::Kind.eq(LocationKind::Warehouse))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let mut out: HashMap<Uuid, i32> = HashMap::new();
    for level in stock_level::Entity::find().all(conn).await? {
        if warehouses.contains(&level.location_id) {
            *out.entry(level.product_id).or_default() += level.on_hand - level.reserved;
        }
    }
    Ok(out)
}

/// Raise one replenishment task per product under its reorder point (what
/// is sellable plus what is on order) that has none open; the tasks raised.
pub async fn raise_replenishment(
    db: &DatabaseConnection,
    ctx: &Ctx,
    business_date: NaiveDate,
) -> Result<Vec<Uuid>, DomainError> {
    let products = product::Entity::find()
        .filter(product::Column::Active.eq(true))
        .filter(product::Column::Kind.eq(ProductKind::Goods))
        .filter(product::Column::ReorderPoint.gt(0))
        .all(db)
        .await?;
    let stock = sellable(db).await?;
    // Units already bought and still to come count: without them a product
    // would be raised again every day until its purchase order arrives.
    let coming = crate::purchasing::units_on_order(db).await?;
    let mut raised = Vec::new();
    for p in products {
        let on_hand = stock.get(&p.id).copied().unwrap_or(0);
        let position = on_hand + coming.get(&p.id).copied().unwrap_or(0);
        if position >= p.reorder_point {
            continue;
        }
        let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
        let id = Uuid::now_v7();
        let row = replenishment_task::ActiveModel {
            id: Set(id),
            product_id: Set(p.id),
            business_date: Set(business_date),
            on_hand: Set(on_hand),
            reorder_point: Set(p.reorder_point),
            suggested_quantity: Set(p.reorder_quantity.max(p.reorder_point - position)),
            status: Set(ReplenishmentStatus::Open),
            created_at: Set(w.now()),
            done_at: Set(None),
        };
        // The partial unique index keeps one open task per product, even
        // when two runs race.
        let inserted = replenishment_task::Entity::insert(row)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(w.conn())
            .await?;
        if inserted == 0 {
            continue;
        }
        let task = replenishment_task::Entity::find_by_id(id)
            .one(w.conn())
            .await?
            .ok_or_else(|| DomainError::internal("the task just raised is missing"))?;
        w.audit(
            TASK_SUBJECT_TYPE,
            id,
            "replenishment.raised",
            None,
            Some(&task),
        )
        .await?;
        w.commit(()).await?;
        raised.push(id);
    }
    Ok(raised)
}

/// Replenishment tasks (staff), oldest first; only `status` ones when given.
pub async fn tasks(
    db: &DatabaseConnection,
    ctx: &Ctx,
    status: Option<ReplenishmentStatus>,
    page: PageRequest,
) -> Result<Page<replenishment_task::Model>, DomainError> {
    Permission::ReadStock.require(ctx)?;
    let mut query = replenishment_task::Entity::find();
    if let Some(status) = status {
        query = query.filter(replenishment_task::Column::Status.eq(status));
    }
    Ok(fetch_page(db, query, replenishment_task::Column::Id, page, |t| t.id).await?)
}

/// What counts as an order needing a correction after placement: a staff
/// cancellation (`order.cancelled` by anyone but the customer; a customer
/// calling off its own just-placed order is a choice, not an error). Placed
/// orders cannot be edited yet; an edit of a placed order's lines, address
/// or charges joins this list when it exists.
const CORRECTION_ACTIONS: [&str; 1] = ["order.cancelled"];

/// The fulfilment KPIs of the Sydney dates `from`..=`to` (staff). Besides
/// the order figures:
/// - supplier on time: purchase orders with an `expected_on` whose
///   completing receipt (the one that brought their last units, QC passed
///   or not) is dated in the period; on time when dated on or before
///   `expected_on`. Short-closed ones never completed and are left out.
/// - receipt to ship: per purchase order sourced from a customer order,
///   from its first passed-QC receipt being recorded to that order's first
///   pickup at or after it, when that pickup is in the period.
/// - order processing errors: the orders placed in the period that needed a
///   correction after placement ([`CORRECTION_ACTIONS`], at any time since)
///   plus the goods receipts dated in the period that failed QC, over those
///   orders plus those receipts, plus the WRONG_ITEM returns asked for in
///   the period. Refused placements stay in the order entry error rate;
///   refused reservations are an approver's decision, not counted.
/// - return rate due to errors: returns asked for in the period as
///   WRONG_ITEM or DAMAGED_IN_TRANSIT (not cancelled or rejected) over the
///   orders delivered in the period.
pub async fn fulfilment_kpis(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<kpis::Kpis, DomainError> {
    Permission::ManageOrders.require(ctx)?;
    let (start, end) = crate::kernel::input::period(
        calendar,
        from,
        to,
        366,
        (ErrorCode::OutOfRange, "a period is at most 366 days"),
    )?;

    let delivered: Vec<kpis::Delivered> = sales_order::Entity::find()
        .filter(sales_order::Column::DeliveredAt.gte(start))
        .filter(sales_order::Column::DeliveredAt.lt(end))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| {
            let at = o.delivered_at?;
            Some(kpis::Delivered {
                placed_at: o.created_at,
                delivered_at: at,
                delivered_on: calendar.local_date(at),
                required_by: o.required_delivery_date,
            })
        })
        .collect();

    // The orders with a package handed over in the period, and every
    // pickup of theirs (earlier ones included, to tell which came first).
    let picked_in_period = Query::select()
        .column(shipment::Column::OrderId)
        .from(shipment::Entity)
        .and_where(shipment::Column::PickedUpAt.gte(start))
        .and_where(shipment::Column::PickedUpAt.lt(end))
        .to_owned();
    let mut pickups: HashMap<Uuid, Vec<DateTime<Utc>>> = HashMap::new();
    let mut firsts: HashMap<Uuid, shipment::Model> = HashMap::new();
    for s in shipment::Entity::find()
        .filter(shipment::Column::OrderId.in_subquery(picked_in_period.clone()))
        .filter(shipment::Column::PickedUpAt.is_not_null())
        .all(db)
        .await?
    {
        let Some(at) = s.picked_up_at else { continue };
        pickups.entry(s.order_id).or_default().push(at);
        let earlier = firsts
            .get(&s.order_id)
            .is_some_and(|f| f.picked_up_at <= s.picked_up_at);
        if !earlier {
            firsts.insert(s.order_id, s);
        }
    }
    // Each order's first package, when it left in the period.
    firsts.retain(|_, s| s.picked_up_at.is_some_and(|t| t >= start && t < end));
    let order_ids: Vec<Uuid> = firsts.keys().copied().collect();
    let backorders = sales_order::Entity::find()
        .filter(sales_order::Column::BackorderOf.is_in(order_ids.iter().copied()))
        .all(db)
        .await?;
    let mut family: HashMap<Uuid, Uuid> = order_ids.iter().map(|id| (*id, *id)).collect();
    for b in &backorders {
        if let Some(parent) = b.backorder_of {
            family.insert(b.id, parent);
        }
    }
    let mut ordered: HashMap<Uuid, i64> = HashMap::new();
    for line in order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(family.keys().copied()))
        .filter(order_line::Column::Kind.eq(ProductKind::Goods))
        .all(db)
        .await?
    {
        if let Some(root) = family.get(&line.order_id) {
            *ordered.entry(*root).or_default() += i64::from(line.quantity);
        }
    }
    let first_ids: Vec<Uuid> = firsts.values().map(|s| s.id).collect();
    let mut shipped_first: HashMap<Uuid, i64> = HashMap::new();
    for item in shipment_item::Entity::find()
        .filter(shipment_item::Column::ShipmentId.is_in(first_ids))
        .all(db)
        .await?
    {
        if let Some(order) = firsts.values().find(|s| s.id == item.shipment_id) {
            *shipped_first.entry(order.order_id).or_default() += i64::from(item.quantity);
        }
    }
    let first_shipments: Vec<kpis::FirstShipment> = order_ids
        .iter()
        .map(|id| kpis::FirstShipment {
            units_ordered: ordered.get(id).copied().unwrap_or(0),
            units_shipped_first: shipped_first.get(id).copied().unwrap_or(0),
        })
        .collect();

    let refused = order_entry_error::Entity::find()
        .filter(order_entry_error::Column::OccurredAt.gte(start))
        .filter(order_entry_error::Column::OccurredAt.lt(end))
        .count(db)
        .await? as i64;
    let placed = sales_order::Entity::find()
        .filter(sales_order::Column::CreatedAt.gte(start))
        .filter(sales_order::Column::CreatedAt.lt(end))
        .filter(sales_order::Column::BackorderOf.is_null())
        .count(db)
        .await? as i64;
    let ratings: Vec<i32> = entity::survey_response::Entity::find()
        .filter(entity::survey_response::Column::AnsweredAt.gte(start))
        .filter(entity::survey_response::Column::AnsweredAt.lt(end))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.rating)
        .collect();
    // Goods bought for a customer order, to its next package leaving.
    let sourced: HashMap<Uuid, Uuid> = purchase_order::Entity::find()
        .filter(purchase_order::Column::SourceOrderId.in_subquery(picked_in_period))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|po| Some((po.id, po.source_order_id?)))
        .collect();
    let mut first_passed: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for r in goods_receipt::Entity::find()
        .filter(goods_receipt::Column::PurchaseOrderId.is_in(sourced.keys().copied()))
        .filter(goods_receipt::Column::QcPassed.eq(true))
        .all(db)
        .await?
    {
        let at = first_passed
            .entry(r.purchase_order_id)
            .or_insert(r.created_at);
        *at = (*at).min(r.created_at);
    }
    let receipts_to_shipment: Vec<kpis::ReceiptToShipment> = first_passed
        .iter()
        .filter_map(|(po, received_at)| {
            let order = sourced.get(po)?;
            let pickups = pickups.get(order).map(Vec::as_slice).unwrap_or_default();
            kpis::receipt_to_shipment(*received_at, pickups, start, end)
        })
        .collect();

    let supplier_deliveries = supplier_deliveries(db, from, to).await?;

    // Orders placed in the period that needed a correction since.
    let placed_in_period = Query::select()
        .column(sales_order::Column::Id)
        .from(sales_order::Entity)
        .and_where(sales_order::Column::CreatedAt.gte(start))
        .and_where(sales_order::Column::CreatedAt.lt(end))
        .and_where(sales_order::Column::BackorderOf.is_null())
        .to_owned();
    let corrected: HashSet<Uuid> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::SubjectId)
        .filter(audit_entry::Column::SubjectType.eq(crate::orders::SUBJECT_TYPE))
        .filter(audit_entry::Column::Action.is_in(CORRECTION_ACTIONS))
        .filter(audit_entry::Column::ActorRole.ne(Role::Customer.as_str()))
        .filter(audit_entry::Column::SubjectId.in_subquery(placed_in_period))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let receipts_in_period = || {
        goods_receipt::Entity::find()
            .filter(goods_receipt::Column::ReceivedOn.gte(from))
            .filter(goods_receipt::Column::ReceivedOn.lte(to))
    };
    let receipts = receipts_in_period().count(db).await? as i64;
    let failed_receipts = receipts_in_period()
        .filter(goods_receipt::Column::QcPassed.eq(false))
        .count(db)
        .await? as i64;

    let (returns_due_to_errors, wrong_item_returns) =
        crate::aftersales::returns::error_returns(db, start, end).await?;

    Ok(kpis::compute(&kpis::Facts {
        delivered,
        first_shipments,
        refused_placements: refused,
        placed,
        corrected: corrected.len() as i64,
        ratings,
        supplier_deliveries,
        receipts_to_shipment,
        receipts,
        failed_receipts,
        returns_due_to_errors,
        wrong_item_returns,
    }))
}

/// The purchase orders with a promised date that became fully received on
/// a date in `from..=to`: those with a receipt dated in the period, each
/// with all its lines and receipts.
async fn supplier_deliveries(
    db: &DatabaseConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<kpis::SupplierDelivery>, DomainError> {
    let received_in_period = Query::select()
        .column(goods_receipt::Column::PurchaseOrderId)
        .from(goods_receipt::Entity)
        .and_where(goods_receipt::Column::ReceivedOn.gte(from))
        .and_where(goods_receipt::Column::ReceivedOn.lte(to))
        .to_owned();
    let promised = purchase_order::Entity::find()
        .filter(purchase_order::Column::ExpectedOn.is_not_null())
        .filter(purchase_order::Column::Id.in_subquery(received_in_period))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = promised.iter().map(|po| po.id).collect();
    let mut ordered: HashMap<Uuid, Vec<(Uuid, i64)>> = HashMap::new();
    for line in purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::PurchaseOrderId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        ordered
            .entry(line.purchase_order_id)
            .or_default()
            .push((line.id, i64::from(line.quantity)));
    }
    let receipts = goods_receipt::Entity::find()
        .filter(goods_receipt::Column::PurchaseOrderId.is_in(ids.iter().copied()))
        .order_by_asc(goods_receipt::Column::CreatedAt)
        .order_by_asc(goods_receipt::Column::Id)
        .all(db)
        .await?;
    let mut units: HashMap<Uuid, Vec<(Uuid, i64)>> = HashMap::new();
    for line in goods_receipt_line::Entity::find()
        .filter(goods_receipt_line::Column::ReceiptId.is_in(receipts.iter().map(|r| r.id)))
        .all(db)
        .await?
    {
        units
            .entry(line.receipt_id)
            .or_default()
            .push((line.purchase_order_line_id, i64::from(line.quantity)));
    }
    let mut by_order: HashMap<Uuid, Vec<kpis::ReceiptUnits>> = HashMap::new();
    for r in receipts {
        by_order
            .entry(r.purchase_order_id)
            .or_default()
            .push(kpis::ReceiptUnits {
                received_on: r.received_on,
                units: units.remove(&r.id).unwrap_or_default(),
            });
    }
    Ok(promised
        .into_iter()
        .filter_map(|po| {
            kpis::PromisedOrder {
                supplier_id: po.supplier_id,
                expected_on: po.expected_on?,
                ordered: ordered.remove(&po.id).unwrap_or_default(),
                receipts: by_order.remove(&po.id).unwrap_or_default(),
            }
            .delivery_in(from, to)
        })
        .collect())
}
