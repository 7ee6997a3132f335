//! Drop-ship: a supplier ships an order's lines straight to the customer.
//! Its dispatch (the supplier's courier and tracking number) becomes a
//! package of the order, tracked like any other, and completes the
//! purchase order (nothing comes through our warehouse).

use super::tracking::PollSchedule;
use super::{SUBJECT_TYPE, Shipment, find, handed_over, new_package, plan_poll};
use crate::kernel::db::find_for_update;
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Permission, Write};
use crate::purchasing::state::{self as po_state, Event as PoEvent};
use crate::rules::calendar::BusinessCalendar;
use entity::{
    CourierCode, ShipmentStage, TrackingStatus, order_line, purchase_order, purchase_order_line,
    shipment, shipment_item,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

/// A supplier's dispatch as purchasing staff record it.
#[derive(Debug, Clone)]
pub struct DispatchInput {
    pub purchase_order_id: Uuid,
    pub courier: CourierCode,
    pub tracking_number: String,
}

/// Record that a drop-ship purchase order's supplier handed the goods to
/// its courier: a package of the order (no location: nothing leaves our
/// shelves) holding every line the purchase order covers, tracked from
/// now like any other; the purchase order is RECEIVED (the supplier
/// delivered what it was asked for, to the customer); the order ships as
/// a hand-over of ours does. One transaction.
pub async fn record_dispatch(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    schedule: &PollSchedule,
    input: &DispatchInput,
) -> Result<Committed<Shipment>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let po = find_for_update::<purchase_order::Entity, _>(w.conn(), input.purchase_order_id)
        .await?
        .ok_or_else(|| DomainError::not_found("purchaseOrderId", "purchase order"))?;
    let mut fields = Fields::new();
    let tracking = fields.text("trackingNumber", input.tracking_number.trim(), 64);
    fields.ensure(
        po.drop_ship,
        "purchaseOrderId",
        ErrorCode::InvalidState,
        format!("{} is not a drop-ship", po.number),
    );
    let status = po_state::apply(po.status, PoEvent::Receive { all: true });
    fields.ensure(
        status.is_ok(),
        "purchaseOrderId",
        ErrorCode::IllegalTransition,
        format!(
            "{} is {:?}: only a SENT drop-ship is dispatched",
            po.number, po.status
        ),
    );
    if let Some(number) = &tracking {
        let taken = shipment::Entity::find()
            .filter(shipment::Column::Courier.eq(input.courier))
            .filter(shipment::Column::TrackingNumber.eq(number.clone()))
            .count(w.conn())
            .await?;
        fields.ensure(
            taken == 0,
            "trackingNumber",
            ErrorCode::AlreadyExists,
            format!("{number} already tracks a package with this courier"),
        );
    }
    let tracking = fields.finish(|| tracking)?;
    let status = status.map_err(|_| DomainError::internal("checked above"))?;
    let order_id = po
        .source_order_id
        .ok_or_else(|| DomainError::internal("a drop-ship without its order"))?;
    let order = crate::orders::load(w.conn(), order_id, true)
        .await?
        .ok_or_else(|| DomainError::internal("a drop-ship's order is missing"))?;
    let lines: Vec<&order_line::Model> = order
        .lines
        .iter()
        .filter(|l| l.drop_ship_po_id == Some(po.id))
        .collect();
    if lines.is_empty() {
        return Err(DomainError::rejected(
            &["purchaseOrderId"],
            ErrorCode::InvalidState,
            format!("{} ships none of {}'s lines", po.number, order.order.number),
        ));
    }

    let now = w.now();
    let id = Uuid::now_v7();
    let base = new_package(&w, &order.order, id, now).await?;
    let next_poll = schedule.next_poll(id, TrackingStatus::Pending, 0, now, now);
    let package = shipment::ActiveModel {
        purchase_order_id: Set(Some(po.id)),
        stage: Set(ShipmentStage::PickedUp),
        courier: Set(Some(input.courier)),
        service_level: Set(Some(order.order.shipping_speed)),
        tracking_number: Set(Some(tracking)),
        picked_up_at: Set(Some(now)),
        last_news_at: Set(Some(now)),
        next_poll_at: Set(next_poll),
        ..base
    }
    .insert(w.conn())
    .await?;
    let mut items = Vec::new();
    for line in &lines {
        items.push(
            shipment_item::ActiveModel {
                id: Set(Uuid::now_v7()),
                shipment_id: Set(id),
                order_line_id: Set(line.id),
                allocation_id: Set(None),
                stock_level_id: Set(None),
                batch_code: Set(String::new()),
                quantity: Set(line.quantity),
                serials: Set("[]".to_owned()),
            }
            .insert(w.conn())
            .await?,
        );
    }
    if let Some(due_at) = next_poll {
        plan_poll(w.conn(), id, due_at, now).await?;
    }
    w.audit(
        SUBJECT_TYPE,
        id,
        "shipment.dispatched_by_supplier",
        None,
        Some(&package),
    )
    .await?;

    purchase_order_line::Entity::update_many()
        .col_expr(
            purchase_order_line::Column::ReceivedQuantity,
            Expr::col(purchase_order_line::Column::Quantity),
        )
        .filter(purchase_order_line::Column::PurchaseOrderId.eq(po.id))
        .exec(w.conn())
        .await?;
    let after = w
        .change::<purchase_order::Entity>(po.id, po.version, |o| o.status = Set(status))
        .await?;
    w.audit(
        crate::purchasing::SUBJECT_TYPE,
        po.id,
        "purchase_order.dispatched",
        Some(&po),
        Some(&after),
    )
    .await?;

    handed_over(
        &mut w,
        calendar,
        &order,
        &package,
        &items,
        "purchaseOrderId",
    )
    .await?;
    let shipped = find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::internal("the package just dispatched is missing"))?;
    w.commit(shipped).await
}
