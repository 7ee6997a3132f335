//! Goods that passed QC arrived (a `goods.received` outbox row): the orders
//! waiting on them ask for their reservation, earliest required date first,
//! and each of their customers is told the goods arrived (once per order).

use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::Ctx;
use domain::platform::notifications::NotificationKind;
use uuid::Uuid;

pub async fn goods_received(deps: &Deps, receipt_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let calendar = deps.calendar.current();
    let asked = domain::purchasing::allocate_receipt(&deps.db, &ctx, &calendar, receipt_id).await?;
    for order_id in asked {
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
