//! Goods that passed QC arrived (a `goods.received` outbox row) or were
//! released from quarantine (`stock.released`): the orders waiting on them
//! ask for their reservation, earliest required date first, and each of
//! their customers is told the goods arrived (once per order).

use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::Ctx;
use domain::platform::notifications::NotificationKind;
use uuid::Uuid;

pub async fn goods_received(deps: &Deps, receipt_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let calendar = deps.calendar.current();
    let asked = domain::purchasing::allocate_receipt(&deps.db, &ctx, &calendar, receipt_id).await?;
    tell_waiting(deps, asked).await
}

/// Quarantined goods were released into a warehouse (a `stock.released`
/// row; its subject is the warehouse level): served like goods received.
pub async fn stock_released(deps: &Deps, stock_level_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let calendar = deps.calendar.current();
    let asked = domain::purchasing::quarantine::allocate_released(
        &deps.db,
        &ctx,
        &calendar,
        stock_level_id,
    )
    .await?;
    tell_waiting(deps, asked).await
}

/// Each order that asked for its reservation gets the delivery estimate the
/// arrival allows (AT_RISK when it is after the required date); live
/// subscribers and its customer (once per order) hear the goods arrived.
async fn tell_waiting(deps: &Deps, asked: Vec<Uuid>) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let calendar = deps.calendar.current();
    for order_id in asked {
        domain::orders::note_arrival_estimate(&deps.db, &ctx, &calendar, order_id).await?;
        deps.broker.publish(order_id).await;
        super::send_notification::email_order_contact(
            deps,
            NotificationKind::BackorderArrived,
            order_id,
        )
        .await?;
    }
    Ok(())
}
