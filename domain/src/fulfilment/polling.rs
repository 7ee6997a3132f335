//! Tracking polls (the worker's headline job). A package's poll timer fires;
//! the poll takes every package of the same courier due within the hour
//! along (one call per courier batch), asks the courier outside any
//! transaction, then records each package's answer in its own transaction:
//! new checkpoints (a repeat is ignored by identity), the status they give,
//! the order moved on (all packages delivered: DELIVERED, or on site while
//! its services ticket is open), its late risk,
//! the customer emails due (as outbox rows; each email is sent once per
//! package), and the next poll. A courier that fails backs its packages'
//! polls off; nothing is lost, and the first good answer restores the pace.

use super::couriers::{CourierError, Couriers, TrackQuery, Tracking};
use super::tracking::{self, PollSchedule, Snapshot};
use super::{Notice, SUBJECT_TYPE, plan_poll, refresh_late_risk};
use crate::business_time::timers;
use crate::kernel::{Ctx, DomainError, Permission, Write};
use crate::orders::state::{self as order_state, Event};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::Duration;
use entity::{
    OrderStatus, ShipmentStage, TrackingStatus, sales_order, shipment, tracking_checkpoint,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Packages of one courier due within this window are polled together: a
/// package may be asked about up to an hour early, in exchange for one call
/// per courier (the jitter spreads a batch planned together over less).
const BATCH_WINDOW: Duration = Duration::hours(1);
/// The most packages asked of a courier in one call.
const BATCH_SIZE: u64 = 50;

/// What one poll did.
#[derive(Debug, Default)]
pub struct Polled {
    /// Packages and orders changed (for live subscribers).
    pub touched: Vec<Uuid>,
    /// Packages asked about.
    pub asked: usize,
    /// The courier's failure, when it gave no answer.
    pub failure: Option<CourierError>,
}

/// Poll the package whose timer fired, with its courier batch.
pub async fn poll(
    db: &DatabaseConnection,
    ctx: &Ctx,
    couriers: &Couriers,
    schedule: &PollSchedule,
    calendar: &BusinessCalendar,
    shipment_id: Uuid,
) -> Result<Polled, DomainError> {
    Permission::ManageOrders.require(ctx)?;
    let now = ctx.now();
    let Some(due) = shipment::Entity::find_by_id(shipment_id).one(db).await? else {
        return Ok(Polled::default());
    };
    // A repeated delivery of this timer's job finds it polled already.
    let Some(courier) = due.courier.filter(|_| tracked(&due) && is_due(&due, now)) else {
        return Ok(Polled::default());
    };
    let mut batch = shipment::Entity::find()
        .filter(shipment::Column::Courier.eq(courier))
        .filter(shipment::Column::Stage.eq(ShipmentStage::PickedUp))
        .filter(shipment::Column::NextPollAt.lte(now + BATCH_WINDOW))
        .filter(shipment::Column::Id.ne(due.id))
        .order_by_asc(shipment::Column::NextPollAt)
        .limit(BATCH_SIZE - 1)
        .all(db)
        .await?;
    batch.retain(tracked);
    batch.insert(0, due);
    let order_ids: Vec<Uuid> = batch.iter().map(|s| s.order_id).collect();
    let instructions: HashMap<Uuid, Option<String>> = sales_order::Entity::find()
        .filter(sales_order::Column::Id.is_in(order_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.delivery_instructions))
        .collect();
    let queries: Vec<TrackQuery> = batch
        .iter()
        .filter_map(|s| {
            Some(TrackQuery {
                tracking_number: s.tracking_number.clone()?,
                picked_up_at: s.picked_up_at?,
                service_level: s.service_level?,
                instructions: instructions.get(&s.order_id).cloned().flatten(),
            })
        })
        .collect();
    let adapter = couriers
        .adapter(courier)
        .ok_or_else(|| DomainError::internal(format!("courier {courier:?} is not configured")))?;
    let mut polled = Polled {
        asked: queries.len(),
        ..Polled::default()
    };
    match adapter.track(&queries, now).await {
        Ok(answers) => {
            let mut by_number: HashMap<String, Tracking> = answers
                .into_iter()
                .map(|t| (t.tracking_number.clone(), t))
                .collect();
            for s in &batch {
                let answer = s.tracking_number.as_ref().and_then(|n| by_number.remove(n));
                let touched = record(db, ctx, schedule, calendar, s.id, Ok(answer)).await?;
                polled.touched.extend(touched);
            }
        }
        Err(failure) => {
            tracing::warn!(?courier, error = %failure, packages = batch.len(), "courier poll failed; backing off");
            for s in &batch {
                let touched = record(db, ctx, schedule, calendar, s.id, Err(())).await?;
                polled.touched.extend(touched);
            }
            polled.failure = Some(failure);
        }
    }
    Ok(polled)
}

fn tracked(s: &shipment::Model) -> bool {
    s.stage == ShipmentStage::PickedUp && tracking::is_active(s.tracking_status)
}

/// Is the package's poll due (within the batch window)?
fn is_due(s: &shipment::Model, now: chrono::DateTime<chrono::Utc>) -> bool {
    s.next_poll_at.is_some_and(|at| at <= now + BATCH_WINDOW)
}

/// Record one package's answer (`Ok(None)`: the courier knows nothing new
/// of it; `Err`: the courier failed) in one transaction.
async fn record(
    db: &DatabaseConnection,
    ctx: &Ctx,
    schedule: &PollSchedule,
    calendar: &BusinessCalendar,
    shipment_id: Uuid,
    answer: Result<Option<Tracking>, ()>,
) -> Result<Vec<Uuid>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let now = w.now();
    let Some(before) =
        crate::kernel::db::find_for_update::<shipment::Entity, _>(w.conn(), shipment_id).await?
    else {
        return Ok(w.commit(()).await?.touched);
    };
    // Polled meanwhile by another batch or a repeated job: each answer is
    // recorded once (a failure must not back off twice).
    if !tracked(&before) || !is_due(&before, now) {
        return Ok(w.commit(()).await?.touched);
    }
    let mut news = false;
    let mut estimate = None;
    if let Ok(Some(answer)) = &answer {
        estimate = answer.estimated_delivery;
        for c in &answer.checkpoints {
            let inserted = tracking_checkpoint::Entity::insert(tracking_checkpoint::ActiveModel {
                id: Set(Uuid::now_v7()),
                shipment_id: Set(before.id),
                occurred_at: Set(c.occurred_at),
                status: Set(c.status),
                sub_status: Set(c.sub_status),
                location: Set(c.location.clone()),
                message: Set(c.message.chars().take(500).collect()),
                raw_code: Set(c.raw_code.chars().take(100).collect()),
                recorded_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    tracking_checkpoint::Column::ShipmentId,
                    tracking_checkpoint::Column::OccurredAt,
                    tracking_checkpoint::Column::RawCode,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(w.conn())
            .await?;
            news |= inserted == 1;
        }
    }
    let known: Vec<super::couriers::Checkpoint> = tracking_checkpoint::Entity::find()
        .filter(tracking_checkpoint::Column::ShipmentId.eq(before.id))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|c| super::couriers::Checkpoint {
            occurred_at: c.occurred_at,
            status: c.status,
            sub_status: c.sub_status,
            location: c.location,
            message: c.message,
            raw_code: c.raw_code,
        })
        .collect();
    let was = Snapshot {
        status: before.tracking_status,
        sub_status: before.sub_status,
        estimated_delivery: before.estimated_delivery,
    };
    let mut now_is = tracking::summarise(was, &known, estimate);
    let silent_since = if news {
        now
    } else {
        before.last_news_at.or(before.picked_up_at).unwrap_or(now)
    };
    if tracking::expired(silent_since, now) {
        now_is.status = TrackingStatus::Expired;
        now_is.sub_status = None;
    }
    let failures = if answer.is_err() {
        before.poll_failures + 1
    } else {
        0
    };
    let next_poll = schedule.next_poll(before.id, now_is.status, failures, silent_since, now);
    let delivered_at = (now_is.status == TrackingStatus::Delivered)
        .then(|| {
            known
                .iter()
                .filter(|c| c.status == TrackingStatus::Delivered)
                .map(|c| c.occurred_at)
                .max()
        })
        .flatten();
    let after = w
        .change::<shipment::Entity>(before.id, before.version, |s| {
            s.tracking_status = Set(now_is.status);
            s.sub_status = Set(now_is.sub_status);
            s.estimated_delivery = Set(now_is.estimated_delivery);
            s.last_news_at = Set(Some(silent_since));
            s.poll_failures = Set(failures);
            s.next_poll_at = Set(next_poll);
            if delivered_at.is_some() {
                s.delivered_at = Set(delivered_at);
            }
        })
        .await?;
    match next_poll {
        Some(due_at) => plan_poll(w.conn(), before.id, due_at, now).await?,
        None => {
            timers::cancel_planned(w.conn(), super::timer_kind::TRACKING_POLL, before.id).await?;
        }
    }
    if was != now_is {
        crate::webhooks::events::record(
            &mut w,
            entity::WebhookEventType::ShipmentUpdated,
            before.id,
        )
        .await?;
        w.audit(
            SUBJECT_TYPE,
            before.id,
            "shipment.tracked",
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    for kind in tracking::notices(was, now_is) {
        w.emit(topic::SHIPMENT_NOTICE, before.id, &Notice { kind })
            .await?;
    }
    w.touch(before.id);
    if was != now_is {
        let just_delivered =
            was.status != TrackingStatus::Delivered && now_is.status == TrackingStatus::Delivered;
        order_follows(&mut w, calendar, before.order_id, just_delivered).await?;
    }
    Ok(w.commit(()).await?.touched)
}

/// The order after one of its packages changed (`just_delivered`: this
/// change delivered it): once it is fully shipped and every package is
/// delivered, the service team is told its goods are on site (when it has
/// services), and it is DELIVERED unless its services ticket is still
/// open; its late risk re-read.
async fn order_follows(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    order_id: Uuid,
    just_delivered: bool,
) -> Result<(), DomainError> {
    let Some(order) =
        crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), order_id).await?
    else {
        return Ok(());
    };
    w.touch(order.id);
    let Some(goods_at) = super::goods_delivered_at(w.conn(), &order, w.now()).await? else {
        return refresh_late_risk(w, calendar, &order).await;
    };
    // Told once: only the delivery that completed the goods tells.
    if just_delivered {
        crate::closeout::assets::on_site(w, &order).await?;
    }
    let services_done = crate::support::services::done(w.conn(), order.id).await?;
    let status = order_state::apply(order.status, Event::AllDelivered { services_done })
        .map_err(|i| DomainError::internal(format!("delivery from {:?}", i.from)))?;
    if status != OrderStatus::Delivered {
        return refresh_late_risk(w, calendar, &order).await;
    }
    super::deliver(w, calendar, &order, goods_at, goods_at).await?;
    Ok(())
}
