//! Recalls (ACL s128): blocking batches, the ACCC notification clock, and one notice per affected customer.
//!
//! Starting a recall blocks its batches, computes the ACCC notification's
//! due date (2 days, business calendar) and plans a reminder (COMPLIANCE)
//! and an overdue escalation (ADMIN), all in one transaction; its
//! `recall.started` event finds every buyer whose packages carried units of
//! an affected batch and inserts one notice each (unique per recall and
//! customer, and per recall and address, so a repeated event adds nobody),
//! each emailed once.
//!
//! Decisions: only units packed into a package count (packed, shipped or
//! delivered): units merely reserved from a batch are blocked by the recall
//! and never reach the customer. A guest order's buyer is its contact
//! address: one notice per address (compared and stored lower-cased) over
//! all that address's guest orders; an address that is also an affected
//! customer's belongs to that customer's notice. A guest order without an
//! address cannot be reached: it is counted (`guest_orders_without_email`
//! in the audit entry and the log).

use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope, Write,
    fetch_page, fetch_scoped_page,
};
use crate::platform::numbering;
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::deadlines::recall_notification_due;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use entity::{
    BatchStatus, RecallNoticeStatus, RecallStatus, order_line, party, product, product_batch,
    recall, recall_notice, sales_order, shipment, shipment_item,
};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

crate::stamped!(recall, recall_notice);

pub const SUBJECT_TYPE: &str = "recall";
pub const NOTICE_SUBJECT_TYPE: &str = "recall_notice";
/// Most batches one recall names.
pub const MAX_BATCHES: usize = 100;
/// Longest defect, hazard, where-sold, action and remedy texts.
pub const MAX_TEXT: usize = 2000;
/// Longest ACCC submission reference.
pub const MAX_REFERENCE: usize = 100;

/// The timers a recall plans.
pub mod timer_kind {
    /// To COMPLIANCE, the business day before the ACCC notification is due.
    pub const ACCC_REMINDER: &str = "recall_accc_reminder";
    /// To ADMIN, once the ACCC notification is overdue.
    pub const ACCC_OVERDUE: &str = "recall_accc_overdue";
}

// ---- Pure rules --------------------------------------------------------

/// When COMPLIANCE is reminded: 09:00 (opening) on the business day before
/// the due date, or at once (`now`) when that has passed.
pub fn reminder_at(cal: &BusinessCalendar, due_on: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = due_on;
    loop {
        day = day.pred_opt().unwrap_or(day);
        if cal.is_business_day(day) || day == NaiveDate::MIN {
            break;
        }
    }
    cal.open_at(day).max(now)
}

/// When the notification is overdue: midnight (local) after the due date.
pub fn overdue_at(cal: &BusinessCalendar, due_on: NaiveDate) -> DateTime<Utc> {
    let next = due_on.checked_add_days(Days::new(1)).unwrap_or(due_on);
    cal.local_to_utc(next.and_time(NaiveTime::MIN))
}

/// What happens to one customer's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeEvent {
    /// The email was sent.
    Sent,
    /// The email bounced or could not be delivered.
    Undeliverable,
    /// The customer answered.
    Responded,
    /// The customer received the remedy.
    Remedied,
}

/// The notice state machine: PENDING → NOTIFIED (sent) or UNREACHABLE
/// (undeliverable); NOTIFIED → RESPONDED → REMEDIED (a remedy may come
/// without an answer first). Anything else is illegal.
pub fn next_notice_status(
    from: RecallNoticeStatus,
    event: NoticeEvent,
) -> Option<RecallNoticeStatus> {
    use NoticeEvent as E;
    use RecallNoticeStatus as S;
    match (from, event) {
        (S::Pending, E::Sent) => Some(S::Notified),
        (S::Pending, E::Undeliverable) => Some(S::Unreachable),
        (S::Notified, E::Responded) => Some(S::Responded),
        (S::Notified | S::Responded, E::Remedied) => Some(S::Remedied),
        _ => None,
    }
}

/// Units of an affected batch one order received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldUnits {
    pub order_id: Uuid,
    /// `None` for a guest order.
    pub customer_id: Option<Uuid>,
    /// The order's contact: how a guest order's buyer is reached.
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub units: i32,
}

/// An address as recall notices compare and store it.
pub fn notice_address(email: &str) -> String {
    email.trim().to_lowercase()
}

/// One buyer a recall notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// `None` for a guest buyer (an address only).
    pub customer_id: Option<Uuid>,
    /// Lower-cased; `None` for a customer without an address (unreachable).
    pub email: Option<String>,
    /// Affected units over all the buyer's orders.
    pub units: i32,
}

/// Who a recall notices: the buyers (customers by id first, then guest
/// addresses) and the guest orders it found, with and without an address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Affected {
    pub buyers: Vec<Buyer>,
    pub guest_orders: usize,
    pub guest_orders_without_email: usize,
}

/// The affected buyers of `sold`: customers by id (units summed over their
/// orders, addressed at `customer_email`), and guest orders by address
/// (compared without case; units summed); a guest address that is an
/// affected customer's adds its units to that customer instead.
pub fn affected_buyers(
    sold: &[SoldUnits],
    customer_email: &HashMap<Uuid, Option<String>>,
) -> Affected {
    let mut customers: BTreeMap<Uuid, i32> = BTreeMap::new();
    let mut guests: BTreeMap<String, i32> = BTreeMap::new();
    let mut guest_orders = BTreeSet::new();
    let mut unreachable_orders = BTreeSet::new();
    for s in sold {
        match (s.customer_id, s.contact_email.as_deref()) {
            (Some(c), _) => *customers.entry(c).or_default() += s.units,
            (None, Some(email)) => {
                guest_orders.insert(s.order_id);
                *guests.entry(notice_address(email)).or_default() += s.units;
            }
            (None, None) => {
                guest_orders.insert(s.order_id);
                unreachable_orders.insert(s.order_id);
            }
        }
    }
    let address_of = |c: &Uuid| {
        customer_email
            .get(c)
            .cloned()
            .flatten()
            .map(|e| notice_address(&e))
    };
    let owner: HashMap<String, Uuid> = customers
        .keys()
        .filter_map(|c| address_of(c).map(|e| (e, *c)))
        .collect();
    for (email, units) in guests.iter_mut() {
        if let Some(c) = owner.get(email) {
            *customers.entry(*c).or_default() += *units;
            *units = 0;
        }
    }
    let mut buyers: Vec<Buyer> = customers
        .into_iter()
        .map(|(c, units)| Buyer {
            customer_id: Some(c),
            email: address_of(&c),
            units,
        })
        .collect();
    buyers.extend(
        guests
            .into_iter()
            .filter(|(email, _)| !owner.contains_key(email))
            .map(|(email, units)| Buyer {
                customer_id: None,
                email: Some(email),
                units,
            }),
    );
    Affected {
        buyers,
        guest_orders: guest_orders.len(),
        guest_orders_without_email: unreachable_orders.len(),
    }
}

/// How a recall's notices stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub affected_customers: u64,
    pub pending: u64,
    pub notified: u64,
    pub responded: u64,
    pub remedied: u64,
    pub unreachable: u64,
}

impl Progress {
    pub fn of(counts: &[(RecallNoticeStatus, u64)]) -> Progress {
        let mut p = Progress::default();
        for (status, n) in counts {
            p.affected_customers += n;
            match status {
                RecallNoticeStatus::Pending => p.pending += n,
                RecallNoticeStatus::Notified => p.notified += n,
                RecallNoticeStatus::Responded => p.responded += n,
                RecallNoticeStatus::Remedied => p.remedied += n,
                RecallNoticeStatus::Unreachable => p.unreachable += n,
            }
        }
        p
    }
}

/// The batch ids of a recall (its JSON column).
pub fn batch_ids_of(r: &recall::Model) -> Vec<Uuid> {
    serde_json::from_str(&r.batch_ids).unwrap_or_default()
}

// ---- Reading -----------------------------------------------------------

crate::find_by_id! {
    pub fn find -> recall
}

crate::find_by_id! {
    pub fn find_notice -> recall_notice
}

/// One recall (staff).
pub async fn find_staff(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<recall::Model>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    Ok(find(db, id).await?)
}

/// Which recalls to list.
pub type RecallFilter = super::RecordFilter<RecallStatus>;

/// Recalls, oldest first (staff).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &RecallFilter,
    page: PageRequest,
) -> Result<Page<recall::Model>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let mut q = recall::Entity::find();
    if let Some(p) = filter.product_id {
        q = q.filter(recall::Column::ProductId.eq(p));
    }
    if let Some(b) = filter.batch_id {
        // The batch ids are a JSON array of UUIDs: a UUID's text is unique.
        q = q.filter(recall::Column::BatchIds.contains(b.to_string()));
    }
    if let Some(s) = filter.status {
        q = q.filter(recall::Column::Status.eq(s));
    }
    if let Some(d) = filter.due_before {
        q = q.filter(recall::Column::AcccDueOn.lte(d));
    }
    if let Some(d) = filter.due_after {
        q = q.filter(recall::Column::AcccDueOn.gte(d));
    }
    Ok(fetch_page(db, q, recall::Column::Id, page, |r| r.id).await?)
}

/// The batches a recall names.
pub async fn batches_of<C: ConnectionTrait>(
    conn: &C,
    r: &recall::Model,
) -> Result<Vec<product_batch::Model>, DbErr> {
    product_batch::Entity::find()
        .filter(product_batch::Column::Id.is_in(batch_ids_of(r)))
        .order_by_asc(product_batch::Column::BatchCode)
        .all(conn)
        .await
}

/// How a recall's notices stand (one grouped query).
pub async fn progress<C: ConnectionTrait>(conn: &C, recall_id: Uuid) -> Result<Progress, DbErr> {
    let counts: Vec<(RecallNoticeStatus, i64)> = recall_notice::Entity::find()
        .select_only()
        .column(recall_notice::Column::Status)
        .column_as(recall_notice::Column::Id.count(), "n")
        .filter(recall_notice::Column::RecallId.eq(recall_id))
        .group_by(recall_notice::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let counts: Vec<(RecallNoticeStatus, u64)> = counts
        .into_iter()
        .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
        .collect();
    Ok(Progress::of(&counts))
}

/// A recall's notices, oldest first (staff).
pub async fn notices(
    db: &DatabaseConnection,
    ctx: &Ctx,
    recall_id: Uuid,
    page: PageRequest,
) -> Result<Page<recall_notice::Model>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let q = recall_notice::Entity::find().filter(recall_notice::Column::RecallId.eq(recall_id));
    Ok(fetch_page(db, q, recall_notice::Column::Id, page, |n| n.id).await?)
}

/// The notices the caller may see, oldest first: a customer its own,
/// staff all.
pub async fn visible_notices(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<recall_notice::Model>, DomainError> {
    let query = recall_notice::Entity::find();
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (recall_notice::Column::CustomerId, recall_notice::Column::Id);
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |n| n.id).await?)
}

/// Every order that received units of `codes` of `product_id` in a
/// package, with its customer and the units.
async fn sold_units<C: ConnectionTrait>(
    conn: &C,
    product_id: Uuid,
    codes: &[String],
) -> Result<Vec<SoldUnits>, DbErr> {
    // Subqueries, not lists of ids: a batch may have gone out in more
    // packages than a statement takes parameters.
    let lines = Query::select()
        .column(order_line::Column::Id)
        .from(order_line::Entity)
        .and_where(order_line::Column::ProductId.eq(product_id))
        .to_owned();
    let in_batches = shipment_item::Column::BatchCode.is_in(codes.iter().cloned());
    let items = shipment_item::Entity::find()
        .filter(in_batches.clone())
        .filter(shipment_item::Column::OrderLineId.in_subquery(lines.clone()))
        .all(conn)
        .await?;
    let packages = Query::select()
        .column(shipment_item::Column::ShipmentId)
        .from(shipment_item::Entity)
        .and_where(in_batches)
        .and_where(shipment_item::Column::OrderLineId.in_subquery(lines))
        .to_owned();
    let order_of: HashMap<Uuid, Uuid> = shipment::Entity::find()
        .filter(shipment::Column::Id.in_subquery(packages.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.order_id))
        .collect();
    let orders_of_packages = Query::select()
        .column(shipment::Column::OrderId)
        .from(shipment::Entity)
        .and_where(shipment::Column::Id.in_subquery(packages))
        .to_owned();
    let orders: HashMap<Uuid, sales_order::Model> = sales_order::Entity::find()
        .filter(sales_order::Column::Id.in_subquery(orders_of_packages))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    Ok(items
        .into_iter()
        .filter_map(|i| {
            let order = orders.get(order_of.get(&i.shipment_id)?)?;
            Some(SoldUnits {
                order_id: order.id,
                customer_id: order.customer_id,
                contact_name: order.contact_name.clone(),
                contact_email: order.contact_email.clone(),
                units: i.quantity,
            })
        })
        .collect())
}

/// Every order that received units of `r`'s batches, as `sold_units`.
async fn sold_units_of<C: ConnectionTrait>(
    conn: &C,
    r: &recall::Model,
) -> Result<Vec<SoldUnits>, DbErr> {
    let codes: Vec<String> = batches_of(conn, r)
        .await?
        .into_iter()
        .map(|b| b.batch_code)
        .collect();
    sold_units(conn, r.product_id, &codes).await
}

/// The name a notice's email greets: its customer's, or for a guest
/// address the contact name on that address's latest affected order.
pub async fn recipient_name<C: ConnectionTrait>(
    conn: &C,
    n: &recall_notice::Model,
) -> Result<Option<String>, DbErr> {
    if let Some(id) = n.customer_id {
        return Ok(crate::customers::find(conn, id).await?.map(|c| c.name));
    }
    let (Some(email), Some(r)) = (n.email.as_deref(), find(conn, n.recall_id).await?) else {
        return Ok(None);
    };
    Ok(sold_units_of(conn, &r)
        .await?
        .into_iter()
        .filter(|s| s.customer_id.is_none())
        .filter(|s| s.contact_email.as_deref().map(notice_address).as_deref() == Some(email))
        .max_by_key(|s| s.order_id)
        .map(|s| s.contact_name))
}

// ---- Writing -----------------------------------------------------------

/// A recall as COMPLIANCE starts it.
#[derive(Debug, Clone)]
pub struct NewRecall {
    pub product_id: Uuid,
    pub batch_ids: Vec<Uuid>,
    pub defect: String,
    pub hazard: String,
    pub sold_where: String,
    pub sold_from: NaiveDate,
    pub sold_to: NaiveDate,
    pub customer_action: String,
    pub remedy: String,
}

/// The payload of a `recall.started` outbox row (subject: the recall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecallRef {
    pub recall_id: Uuid,
}

/// Start a recall (COMPLIANCE, ADMIN): number it, block its batches, set
/// the ACCC due date and plan its reminder and escalation, in one
/// transaction; its `recall.started` event notifies the customers.
pub async fn start(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewRecall,
) -> Result<Committed<recall::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let calendar = &crate::business_time::holidays::as_committed(w.conn(), calendar).await?;
    let now = w.now();
    let today = calendar.local_date(now);
    let mut fields = Fields::new();
    let product = product::Entity::find_by_id(input.product_id)
        .one(w.conn())
        .await?;
    fields.ensure(
        product.is_some(),
        "productId",
        ErrorCode::NotFound,
        "no such product",
    );
    let unique: BTreeSet<Uuid> = input.batch_ids.iter().copied().collect();
    if input.batch_ids.is_empty() {
        fields.refuse("batchIds", ErrorCode::Required, "name at least one batch");
    } else if unique.len() != input.batch_ids.len() {
        fields.refuse("batchIds", ErrorCode::Conflict, "a batch is named twice");
    } else if unique.len() > MAX_BATCHES {
        fields.refuse(
            "batchIds",
            ErrorCode::LimitExceeded,
            format!("a recall names at most {MAX_BATCHES} batches"),
        );
    }
    let batches = product_batch::Entity::find()
        .filter(product_batch::Column::Id.is_in(unique.iter().copied()))
        .all(w.conn())
        .await?;
    let by_id: HashMap<Uuid, &product_batch::Model> = batches.iter().map(|b| (b.id, b)).collect();
    for id in &unique {
        match by_id.get(id) {
            None => fields.refuse("batchIds", ErrorCode::NotFound, format!("no batch {id}")),
            Some(b) if b.product_id != input.product_id => fields.refuse(
                "batchIds",
                ErrorCode::InvalidState,
                format!("batch {} is of another product", b.batch_code),
            ),
            Some(b) if b.status == BatchStatus::Recalled => fields.refuse(
                "batchIds",
                ErrorCode::BatchRecalled,
                format!("batch {} is already recalled", b.batch_code),
            ),
            Some(_) => {}
        }
    }
    let defect = fields.free_text(&["defect"], "defect", Some(&input.defect), MAX_TEXT);
    let hazard = fields.free_text(&["hazard"], "hazard", Some(&input.hazard), MAX_TEXT);
    let sold_where = fields.free_text(
        &["soldWhere"],
        "where it was sold",
        Some(&input.sold_where),
        MAX_TEXT,
    );
    let action = fields.free_text(
        &["customerAction"],
        "customer action",
        Some(&input.customer_action),
        MAX_TEXT,
    );
    let remedy = fields.free_text(&["remedy"], "remedy", Some(&input.remedy), MAX_TEXT);
    for (field, value, raw) in [
        ("defect", &defect, &input.defect),
        ("hazard", &hazard, &input.hazard),
        ("soldWhere", &sold_where, &input.sold_where),
        ("customerAction", &action, &input.customer_action),
        ("remedy", &remedy, &input.remedy),
    ] {
        if value.is_none() && raw.trim().is_empty() {
            fields.refuse(field, ErrorCode::Required, format!("{field} is required"));
        }
    }
    fields.ensure(
        input.sold_from <= input.sold_to,
        "soldFrom",
        ErrorCode::OutOfRange,
        "soldFrom must not be after soldTo",
    );
    fields.ensure(
        input.sold_to <= today,
        "soldTo",
        ErrorCode::OutOfRange,
        format!("soldTo must not be after today ({today})"),
    );
    let (defect, hazard, sold_where, action, remedy) =
        fields.finish(|| Some((defect?, hazard?, sold_where?, action?, remedy?)))?;
    let mut batch_ids: Vec<Uuid> = unique.into_iter().collect();
    batch_ids.sort();
    let id = Uuid::now_v7();
    let number = numbering::next(w.conn(), numbering::RECALL).await?;
    let due = recall_notification_due(calendar, today);
    let row = w
        .insert(recall::ActiveModel {
            id: Set(id),
            number: Set(number),
            product_id: Set(input.product_id),
            batch_ids: Set(serde_json::to_string(&batch_ids).map_err(DomainError::internal)?),
            defect: Set(defect),
            hazard: Set(hazard),
            sold_where: Set(sold_where),
            sold_from: Set(input.sold_from),
            sold_to: Set(input.sold_to),
            customer_action: Set(action),
            remedy: Set(remedy),
            status: Set(RecallStatus::Active),
            started_on: Set(today),
            accc_due_on: Set(due),
            accc_submitted_at: Set(None),
            accc_reference: Set(None),
            started_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    super::batches::block(&mut w, id, &batch_ids).await?;
    // Orders reserved from the batches still ship, from other stock.
    super::batches::move_reservations_off(&mut w, &batch_ids).await?;
    for (kind, due_at) in [
        (timer_kind::ACCC_REMINDER, reminder_at(calendar, due, now)),
        (timer_kind::ACCC_OVERDUE, overdue_at(calendar, due)),
    ] {
        let plan = TimerPlan {
            kind,
            subject_id: id,
            due_at,
            payload: serde_json::Value::Null,
        };
        timers::plan(w.conn(), &plan, now).await?;
    }
    w.audit(SUBJECT_TYPE, id, "recall.started", None, Some(&row))
        .await?;
    w.emit(topic::RECALL_STARTED, id, &RecallRef { recall_id: id })
        .await?;
    crate::webhooks::events::record(&mut w, entity::WebhookEventType::RecallStarted, id).await?;
    w.commit(row).await
}

/// A notice newly inserted for a buyer with an address (to email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewNotice {
    pub notice_id: Uuid,
    pub email: String,
}

/// What notifying a recall's buyers did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Notified {
    /// Notices inserted now (none when the event repeats).
    pub inserted: usize,
    /// Of them, guest addresses.
    pub guests: usize,
    /// Of them, customers without an address (UNREACHABLE at once).
    pub unreachable: usize,
    /// Guest orders that received affected units.
    pub guest_orders: usize,
    /// Of them, orders without an address (nobody to notice).
    pub guest_orders_without_email: usize,
}

/// The `recall.started` work (the worker): one notice per affected buyer
/// (customer, or guest address), inserted once (a repeated event inserts
/// nothing, nor a second notice for an address already noticed); each new
/// notice with an address is PENDING and gets a `recall.notice` event that
/// emails it, one without is UNREACHABLE.
pub async fn notify_customers(
    db: &DatabaseConnection,
    ctx: &Ctx,
    recall_id: Uuid,
) -> Result<Committed<Notified>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let Some(r) = find(w.conn(), recall_id).await? else {
        return w.commit(Notified::default()).await;
    };
    let sold = sold_units_of(w.conn(), &r).await?;
    let customer_ids: BTreeSet<Uuid> = sold.iter().filter_map(|s| s.customer_id).collect();
    let emails: HashMap<Uuid, Option<String>> = party::Entity::find()
        .filter(party::Column::Id.is_in(customer_ids))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p.email))
        .collect();
    let affected = affected_buyers(&sold, &emails);
    // Who already has a notice (an earlier delivery of this event).
    let existing = recall_notice::Entity::find()
        .filter(recall_notice::Column::RecallId.eq(recall_id))
        .all(w.conn())
        .await?;
    let noticed_customers: BTreeSet<Uuid> = existing.iter().filter_map(|n| n.customer_id).collect();
    let noticed_addresses: BTreeSet<String> = existing
        .iter()
        .filter_map(|n| n.email.as_deref().map(notice_address))
        .collect();
    let now = w.now();
    let mut done = Notified {
        guest_orders: affected.guest_orders,
        guest_orders_without_email: affected.guest_orders_without_email,
        ..Notified::default()
    };
    for buyer in affected.buyers {
        let known = buyer
            .customer_id
            .is_some_and(|c| noticed_customers.contains(&c))
            || buyer
                .email
                .as_ref()
                .is_some_and(|e| noticed_addresses.contains(e));
        if known {
            continue;
        }
        let status = if buyer.email.is_some() {
            RecallNoticeStatus::Pending
        } else {
            RecallNoticeStatus::Unreachable
        };
        let id = Uuid::now_v7();
        let row = recall_notice::ActiveModel {
            id: Set(id),
            recall_id: Set(recall_id),
            customer_id: Set(buyer.customer_id),
            email: Set(buyer.email.clone()),
            status: Set(status),
            units: Set(buyer.units),
            notified_at: Set(None),
            responded_at: Set(None),
            remedied_at: Set(None),
            note: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        };
        // Unique per (recall, customer) and per (recall, address): a
        // concurrent delivery of the event inserts nothing twice.
        let inserted = recall_notice::Entity::insert(row)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(w.conn())
            .await?;
        if inserted == 0 {
            continue;
        }
        done.inserted += 1;
        match buyer.customer_id {
            Some(customer_id) => w.touch(customer_id),
            None => done.guests += 1,
        }
        match buyer.email {
            Some(email) => {
                w.emit(
                    topic::RECALL_NOTICE,
                    id,
                    &NewNotice {
                        notice_id: id,
                        email,
                    },
                )
                .await?
            }
            None => done.unreachable += 1,
        }
    }
    if done.guest_orders_without_email > 0 {
        tracing::warn!(%recall_id, orders = done.guest_orders_without_email, "guest orders without an address received recalled units; nobody to notify");
    }
    let first_run = existing.is_empty();
    if done.inserted > 0 || (first_run && done.guest_orders_without_email > 0) {
        w.audit(
            SUBJECT_TYPE,
            recall_id,
            "recall.customers_found",
            None,
            Some(&done),
        )
        .await?;
    }
    if done.inserted > 0 {
        w.touch(recall_id);
    }
    w.commit(done).await
}

/// Move a notice by `event` if the state machine allows it; the notice
/// after, or `None` when the move is illegal (nothing written).
async fn move_notice(
    w: &mut Write<'_>,
    n: &recall_notice::Model,
    event: NoticeEvent,
    note: Option<String>,
) -> Result<Option<recall_notice::Model>, DomainError> {
    let Some(to) = next_notice_status(n.status, event) else {
        return Ok(None);
    };
    let now = w.now();
    let after = w
        .change::<recall_notice::Entity>(n.id, n.version, |m| {
            m.status = Set(to);
            match event {
                NoticeEvent::Sent => m.notified_at = Set(Some(now)),
                NoticeEvent::Responded => m.responded_at = Set(Some(now)),
                NoticeEvent::Remedied => m.remedied_at = Set(Some(now)),
                NoticeEvent::Undeliverable => {}
            }
            if note.is_some() {
                m.note = Set(note.clone());
            } else {
                m.note = NotSet;
            }
        })
        .await?;
    w.audit(
        NOTICE_SUBJECT_TYPE,
        n.id,
        "recall_notice.status_changed",
        Some(n),
        Some(&after),
    )
    .await?;
    w.touch(n.recall_id);
    Ok(Some(after))
}

/// The notice's email went out (`Sent`) or could not be delivered
/// (`Undeliverable`), from the worker: moved once; a repeat or a notice
/// already further along changes nothing. Whether it moved.
pub async fn on_email_outcome(
    db: &DatabaseConnection,
    ctx: &Ctx,
    notice_id: Uuid,
    event: NoticeEvent,
) -> Result<Committed<bool>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let Some(n) = find_for_update::<recall_notice::Entity, _>(w.conn(), notice_id).await? else {
        return w.commit(false).await;
    };
    let moved = move_notice(&mut w, &n, event, None).await?.is_some();
    w.commit(moved).await
}

/// Record a customer's answer or remedy on its notice (COMPLIANCE, ADMIN):
/// NOTIFIED → RESPONDED → REMEDIED; anything else is ILLEGAL_TRANSITION.
pub async fn record_response(
    db: &DatabaseConnection,
    ctx: &Ctx,
    notice_id: Uuid,
    event: NoticeEvent,
    note: Option<&str>,
) -> Result<Committed<recall_notice::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let mut fields = Fields::new();
    let note = fields.free_text(&["note"], "note", note, MAX_TEXT);
    fields.ensure(
        matches!(event, NoticeEvent::Responded | NoticeEvent::Remedied),
        "status",
        ErrorCode::OutOfRange,
        "record RESPONDED or REMEDIED",
    );
    fields.finish(|| Some(()))?;
    let Some(n) = find_for_update::<recall_notice::Entity, _>(w.conn(), notice_id).await? else {
        return Err(DomainError::not_found("noticeId", "recall notice"));
    };
    let Some(after) = move_notice(&mut w, &n, event, note).await? else {
        return Err(DomainError::rejected(
            &["status"],
            ErrorCode::IllegalTransition,
            format!("a {:?} notice cannot become {event:?}", n.status),
        ));
    };
    w.commit(after).await
}

/// Lock a recall to change it at `expected` version.
async fn lock(w: &Write<'_>, id: Uuid, expected: i32) -> Result<recall::Model, DomainError> {
    let r = find_for_update::<recall::Entity, _>(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("recallId", "recall"))?;
    if r.version != expected {
        return Err(DomainError::conflict());
    }
    Ok(r)
}

/// Record the ACCC notification (COMPLIANCE, ADMIN) with its reference,
/// once; the reminder and escalation are cancelled.
pub async fn record_submission(
    db: &DatabaseConnection,
    ctx: &Ctx,
    recall_id: Uuid,
    reference: &str,
    expected_version: i32,
) -> Result<Committed<recall::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let mut fields = Fields::new();
    let reference = fields.text("reference", reference, MAX_REFERENCE);
    let reference = fields.finish(|| reference)?;
    let r = lock(&w, recall_id, expected_version).await?;
    if r.accc_submitted_at.is_some() {
        return Err(DomainError::rejected(
            &["recallId"],
            ErrorCode::IllegalTransition,
            "the ACCC notification is already recorded",
        ));
    }
    let now = w.now();
    let after = w
        .change::<recall::Entity>(r.id, r.version, |m| {
            m.accc_submitted_at = Set(Some(now));
            m.accc_reference = Set(Some(reference));
        })
        .await?;
    for kind in [timer_kind::ACCC_REMINDER, timer_kind::ACCC_OVERDUE] {
        timers::cancel_planned(w.conn(), kind, r.id).await?;
    }
    w.commit_audited(SUBJECT_TYPE, r.id, "recall.accc_submitted", Some(&r), after)
        .await
}

/// Close a recall (COMPLIANCE, ADMIN): its batches stay blocked.
pub async fn close(
    db: &DatabaseConnection,
    ctx: &Ctx,
    recall_id: Uuid,
    expected_version: i32,
) -> Result<Committed<recall::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let r = lock(&w, recall_id, expected_version).await?;
    if r.status == RecallStatus::Closed {
        return Err(DomainError::rejected(
            &["recallId"],
            ErrorCode::IllegalTransition,
            "the recall is already closed",
        ));
    }
    let after = w
        .change::<recall::Entity>(r.id, r.version, |m| {
            m.status = Set(RecallStatus::Closed);
        })
        .await?;
    w.commit_audited(SUBJECT_TYPE, r.id, "recall.closed", Some(&r), after)
        .await
}

/// Whether a recall's ACCC reminder or escalation is still needed: it
/// exists and the notification is not recorded.
pub async fn accc_outstanding<C: ConnectionTrait>(
    conn: &C,
    recall_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(find(conn, recall_id)
        .await?
        .is_some_and(|r| r.accc_submitted_at.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cal() -> BusinessCalendar {
        BusinessCalendar::sydney([date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)])
    }

    #[test]
    fn the_reminder_is_at_nine_the_business_day_before_and_overdue_at_midnight_after() {
        let cal = cal();
        // Started Mon 23 Nov 2026: due Wed 25 Nov.
        let due = recall_notification_due(&cal, date(2026, 11, 23));
        assert_eq!(due, date(2026, 11, 25));
        let early = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        // 09:00 AEDT Tue 24 Nov = 22:00 UTC Mon 23 Nov.
        assert_eq!(
            reminder_at(&cal, due, early),
            Utc.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap()
        );
        // Midnight AEDT Thu 26 Nov = 13:00 UTC Wed 25 Nov.
        assert_eq!(
            overdue_at(&cal, due),
            Utc.with_ymd_and_hms(2026, 11, 25, 13, 0, 0).unwrap()
        );
        // Due Mon 29 Dec (after Christmas, Boxing Day and the additional
        // day): the day before that is a business day is Thu 24 Dec.
        let due = recall_notification_due(&cal, date(2026, 12, 24));
        assert_eq!(due, date(2026, 12, 29));
        assert_eq!(
            cal.local_date(reminder_at(&cal, due, early)),
            date(2026, 12, 24)
        );
        // Past already: at once.
        let late = Utc.with_ymd_and_hms(2026, 12, 28, 0, 0, 0).unwrap();
        assert_eq!(reminder_at(&cal, due, late), late);
    }

    #[test]
    fn notices_move_only_as_the_state_machine_allows() {
        use NoticeEvent as E;
        use RecallNoticeStatus as S;
        let all_s = [
            S::Pending,
            S::Notified,
            S::Responded,
            S::Remedied,
            S::Unreachable,
        ];
        let all_e = [E::Sent, E::Undeliverable, E::Responded, E::Remedied];
        let legal = [
            (S::Pending, E::Sent, S::Notified),
            (S::Pending, E::Undeliverable, S::Unreachable),
            (S::Notified, E::Responded, S::Responded),
            (S::Notified, E::Remedied, S::Remedied),
            (S::Responded, E::Remedied, S::Remedied),
        ];
        for s in all_s {
            for e in all_e {
                let expected = legal
                    .iter()
                    .find(|(from, ev, _)| *from == s && *ev == e)
                    .map(|(_, _, to)| *to);
                assert_eq!(next_notice_status(s, e), expected, "{s:?} + {e:?}");
            }
        }
    }

    fn sold(order: Uuid, customer: Option<Uuid>, email: Option<&str>, units: i32) -> SoldUnits {
        SoldUnits {
            order_id: order,
            customer_id: customer,
            contact_name: "Contact".into(),
            contact_email: email.map(str::to_owned),
            units,
        }
    }

    #[test]
    fn affected_buyers_sum_units_per_customer_and_per_guest_address() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let o: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
        let emails = HashMap::from([
            (a, Some("Ana@example.com".to_owned())),
            (b, Some("ben@example.com".to_owned())),
            (c, None),
        ]);
        let sold = [
            // Two packages of one order, and a second order of the same customer.
            sold(o[0], Some(a), Some("ana@example.com"), 2),
            sold(o[0], Some(a), Some("ana@example.com"), 1),
            sold(o[1], Some(a), Some("ana@example.com"), 1),
            sold(o[2], Some(b), Some("ben@example.com"), 1),
            sold(o[3], Some(c), None, 1),
            // One guest, two orders, the address spelt two ways.
            sold(o[4], None, Some("Gus@Example.com"), 3),
            sold(o[5], None, Some("gus@example.com"), 1),
            // A guest order at a customer's address is that customer's.
            sold(o[6], None, Some("ANA@example.com"), 5),
            // A guest order with no address reaches nobody.
            sold(o[7], None, None, 1),
        ];
        let got = affected_buyers(&sold, &emails);
        let buyer = |customer_id, email: Option<&str>, units| Buyer {
            customer_id,
            email: email.map(str::to_owned),
            units,
        };
        let mut customers = vec![
            buyer(Some(a), Some("ana@example.com"), 9),
            buyer(Some(b), Some("ben@example.com"), 1),
            buyer(Some(c), None, 1),
        ];
        customers.sort_by_key(|b| b.customer_id);
        customers.push(buyer(None, Some("gus@example.com"), 4));
        assert_eq!(
            got,
            Affected {
                buyers: customers,
                guest_orders: 4,
                guest_orders_without_email: 1,
            }
        );
        assert_eq!(notice_address(" Jo@Example.COM "), "jo@example.com");
    }

    #[test]
    fn progress_counts_each_status_and_the_total() {
        use RecallNoticeStatus as S;
        let p = Progress::of(&[(S::Notified, 2), (S::Unreachable, 1), (S::Remedied, 1)]);
        assert_eq!(
            p,
            Progress {
                affected_customers: 4,
                pending: 0,
                notified: 2,
                responded: 0,
                remedied: 1,
                unreachable: 1
            }
        );
    }
}
