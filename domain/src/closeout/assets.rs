//! What a delivered order leaves with its customer: an asset record per
//! delivered serial (or per line of untracked units) with its warranty
//! (from the product's `warrantyMonths`, starting on the delivery date), a
//! renewal reminder timer before each warranty ends, and signed proof of
//! delivery.

use crate::business_time::timers::{self, TimerPlan};
use crate::consent::{self, CommercialSend};
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope, Write,
    fetch_scoped_page,
};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use entity::{
    ConsentPurpose, NotificationKind, OrderStatus, ProductKind, Role, SendOutcome, customer_asset,
    order_line, product, proof_of_delivery, sales_order, shipment, shipment_item,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use std::collections::HashMap;
use uuid::Uuid;

pub const ASSET_SUBJECT_TYPE: &str = "customer_asset";

/// How long before a warranty ends its renewal reminder goes out.
pub const REMINDER_DAYS_BEFORE: i64 = 30;
/// The local hour reminders go out at.
const REMINDER_HOUR: u32 = 9;

/// A warranty's first and last day: `months` from the delivery date
/// (`None` for a product without one).
pub fn warranty(delivered_on: NaiveDate, months: i32) -> (NaiveDate, Option<NaiveDate>) {
    let ends = u32::try_from(months)
        .ok()
        .filter(|m| *m > 0)
        .and_then(|m| delivered_on.checked_add_months(Months::new(m)))
        .and_then(|d| d.pred_opt());
    (delivered_on, ends)
}

/// The day a warranty's renewal reminder goes out: `REMINDER_DAYS_BEFORE`
/// its end, but never before it started.
pub fn reminder_on(starts: NaiveDate, ends: NaiveDate) -> NaiveDate {
    std::cmp::max(starts, ends - Duration::days(REMINDER_DAYS_BEFORE))
}

/// The assets a delivered line leaves: one per serial, and one for the
/// untracked rest (serial "" with its quantity).
pub fn units_of(quantity: i32, serials: &[String]) -> Vec<(String, i32)> {
    let mut out: Vec<(String, i32)> = serials.iter().map(|s| (s.clone(), 1)).collect();
    let rest = quantity - serials.len() as i32;
    if rest > 0 {
        out.push((String::new(), rest));
    }
    out
}

/// Record a just-delivered order's assets and plan their renewal reminders
/// (in the delivering transaction; repeated delivery records nothing
/// twice); warranties start on the day its goods were delivered
/// (`delivered_at`).
pub(crate) async fn on_delivered(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    order: &sales_order::Model,
    delivered_at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let now = w.now();
    let delivered_on = calendar.local_date(delivered_at);
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .all(w.conn())
        .await?;
    let packages: Vec<Uuid> = shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order.id))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut serials: HashMap<Uuid, Vec<String>> = HashMap::new();
    for item in shipment_item::Entity::find()
        .filter(shipment_item::Column::ShipmentId.is_in(packages))
        .all(w.conn())
        .await?
    {
        let mut of_item: Vec<String> =
            serde_json::from_str(&item.serials).map_err(DomainError::internal)?;
        serials
            .entry(item.order_line_id)
            .or_default()
            .append(&mut of_item);
    }
    let products: HashMap<Uuid, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for line in lines.iter().filter(|l| l.kind == ProductKind::Goods) {
        let months = products
            .get(&line.product_id)
            .map_or(0, |p| p.warranty_months);
        let (starts, ends) = warranty(delivered_on, months);
        let of_line = serials.get(&line.id).map(Vec::as_slice).unwrap_or(&[]);
        for (serial, quantity) in units_of(line.quantity, of_line) {
            let id = Uuid::now_v7();
            let inserted = customer_asset::Entity::insert(customer_asset::ActiveModel {
                id: sea_orm::Set(id),
                customer_id: sea_orm::Set(order.customer_id),
                order_id: sea_orm::Set(order.id),
                order_line_id: sea_orm::Set(line.id),
                product_id: sea_orm::Set(line.product_id),
                serial: sea_orm::Set(serial),
                quantity: sea_orm::Set(quantity),
                delivered_on: sea_orm::Set(delivered_on),
                warranty_starts_on: sea_orm::Set(starts),
                warranty_ends_on: sea_orm::Set(ends),
                created_at: sea_orm::Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    customer_asset::Column::OrderLineId,
                    customer_asset::Column::Serial,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(w.conn())
            .await?;
            if inserted == 0 {
                continue;
            }
            if let Some(ends) = ends {
                let day = reminder_on(starts, ends);
                let due_at = calendar
                    .local_to_utc(day.and_hms_opt(REMINDER_HOUR, 0, 0).expect("a valid hour"));
                let plan = TimerPlan::new(super::timer_kind::WARRANTY_REMINDER, id, due_at);
                timers::plan_once(w.conn(), &plan, now).await?;
            }
        }
    }
    Ok(())
}

/// An order's goods were all delivered (in that transaction): when it
/// includes services, the service team is told they are on site
/// (`order.on_site`), whether or not the order is DELIVERED yet.
pub(crate) async fn on_site(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    if crate::support::services::has_services(w.conn(), order.id).await? {
        w.emit(topic::ORDER_ON_SITE, order.id, &serde_json::json!({}))
            .await?;
    }
    Ok(())
}

crate::find_by_id! {
    /// An asset by id, whoever asks (background work).
    pub fn find -> customer_asset
}

/// A customer's assets, oldest first: staff see anyone's, a customer its
/// own (another customer's look like none).
pub async fn of_customer(
    db: &DatabaseConnection,
    ctx: &Ctx,
    customer_id: Uuid,
    page: PageRequest,
) -> Result<Page<customer_asset::Model>, DomainError> {
    let query =
        customer_asset::Entity::find().filter(customer_asset::Column::CustomerId.eq(customer_id));
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (
        customer_asset::Column::CustomerId,
        customer_asset::Column::Id,
    );
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |a| a.id).await?)
}

/// Who a warranty's renewal reminder goes to (the payload of its
/// `asset.renewal_reminder` outbox row).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenewalReminder {
    /// The order's contact, only with standing RENEWALS consent (the
    /// reminder is commercial) and an address that does not bounce.
    pub customer: Option<String>,
    /// The service team (DELIVERY_TEAM logins): always told.
    pub staff: Vec<String>,
}

/// Decide an asset's renewal reminder (the worker, at its timer), once per
/// asset however often the job runs: nothing once the warranty has ended;
/// the customer's copy is commercial, so it needs consent and is logged as
/// a commercial send either way; the service team always hears. The emails
/// go out through the outbox row written with the decision.
pub async fn remind(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    asset_id: Uuid,
) -> Result<Committed<RenewalReminder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(asset) = find_for_update::<customer_asset::Entity, _>(w.conn(), asset_id).await?
    else {
        return w.commit(RenewalReminder::default()).await;
    };
    let today = calendar.local_date(w.now());
    let decided = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::SubjectId.eq(asset_id))
        .filter(entity::audit_entry::Column::Action.eq("asset.renewal_reminder"))
        .count(w.conn())
        .await?;
    if decided > 0 || asset.warranty_ends_on.is_none_or(|ends| ends < today) {
        return w.commit(RenewalReminder::default()).await;
    }
    let contact = sales_order::Entity::find_by_id(asset.order_id)
        .one(w.conn())
        .await?
        .and_then(|o| o.contact_email);
    let mut outcome = None;
    if let Some(address) = &contact {
        let purpose = ConsentPurpose::Renewals;
        let decided = consent::decide(w.conn(), asset.customer_id, address, purpose).await?;
        let send = CommercialSend {
            customer_id: asset.customer_id,
            address: address.clone(),
            purpose,
            kind: NotificationKind::WarrantyRenewal,
            subject_id: asset_id,
        };
        consent::record_send(w.conn(), &send, decided, None, w.now()).await?;
        outcome = Some(decided);
    }
    let staff = service_team(w.conn()).await?;
    let record = serde_json::json!({ "customer": outcome, "staff": staff.len() });
    w.audit::<serde_json::Value>(
        ASSET_SUBJECT_TYPE,
        asset_id,
        "asset.renewal_reminder",
        None,
        Some(&record),
    )
    .await?;
    let customer = contact.filter(|_| outcome == Some(SendOutcome::Sent));
    let reminder = RenewalReminder { customer, staff };
    w.emit(topic::ASSET_RENEWAL_REMINDER, asset_id, &reminder)
        .await?;
    w.commit(reminder).await
}

/// The service team's addresses (DELIVERY_TEAM logins): told when goods
/// with on-site services arrive and when a customer's warranty ends.
pub async fn service_team<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>, DbErr> {
    crate::users::emails_of_role(conn, Role::DeliveryTeam).await
}

/// Proof of delivery as staff enter it.
#[derive(Debug, Clone)]
pub struct ProofInput {
    pub order_id: Uuid,
    pub shipment_id: Option<Uuid>,
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
    pub evidence_reference: String,
}

/// Record the signed proof that an order was delivered (FULFILMENT), once
/// per order: who signed, when, and the courier's evidence or a document
/// reference. The order must have left (shipped or delivered).
pub async fn record_proof(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &ProofInput,
) -> Result<Committed<proof_of_delivery::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Fulfil).await?;
    let order =
        crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), input.order_id)
            .await?
            .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    let mut fields = Fields::new();
    let signer = fields.text("signerName", &input.signer_name, 200);
    let evidence = fields.text("evidenceReference", &input.evidence_reference, 200);
    fields.ensure(
        matches!(
            order.status,
            OrderStatus::Shipped
                | OrderStatus::PartiallyShipped
                | OrderStatus::Delivered
                | OrderStatus::Closed
        ),
        "orderId",
        ErrorCode::IllegalTransition,
        format!("{} has not left yet ({})", order.number, order.status),
    );
    let now = w.now();
    fields.ensure(
        input.signed_at <= now + Duration::minutes(5) && input.signed_at >= order.created_at,
        "signedAt",
        ErrorCode::OutOfRange,
        "signed between the order being placed and now",
    );
    if let Some(shipment_id) = input.shipment_id {
        let ours = shipment::Entity::find_by_id(shipment_id)
            .one(w.conn())
            .await?
            .is_some_and(|s| s.order_id == order.id);
        fields.ensure(
            ours,
            "shipmentId",
            ErrorCode::NotFound,
            "not a package of this order",
        );
    }
    let known = proof_of_delivery::Entity::find()
        .filter(proof_of_delivery::Column::OrderId.eq(order.id))
        .one(w.conn())
        .await?
        .is_some();
    fields.ensure(
        !known,
        "orderId",
        ErrorCode::AlreadyExists,
        format!("{} already has its proof of delivery", order.number),
    );
    let (signer, evidence) = fields.finish(|| Some((signer?, evidence?)))?;
    let proof = w
        .insert(proof_of_delivery::ActiveModel {
            id: sea_orm::Set(Uuid::now_v7()),
            order_id: sea_orm::Set(order.id),
            shipment_id: sea_orm::Set(input.shipment_id),
            signer_name: sea_orm::Set(signer),
            signed_at: sea_orm::Set(input.signed_at),
            evidence_reference: sea_orm::Set(evidence),
            recorded_by: sea_orm::Set(w.ctx().actor.id.clone()),
            created_at: sea_orm::Set(now),
        })
        .await?;
    w.audit(
        crate::orders::SUBJECT_TYPE,
        order.id,
        "order.proof_of_delivery",
        None,
        Some(&proof),
    )
    .await?;
    w.touch(order.id);
    w.commit(proof).await
}

/// The proofs of delivery of many orders (by order id): one query.
pub async fn proofs_of<C: ConnectionTrait>(
    conn: &C,
    order_ids: &[Uuid],
) -> Result<HashMap<Uuid, proof_of_delivery::Model>, DbErr> {
    Ok(proof_of_delivery::Entity::find()
        .filter(proof_of_delivery::Column::OrderId.is_in(order_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.order_id, p))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_warranty_runs_its_months_from_the_delivery_date() {
        assert_eq!(
            warranty(date(2026, 12, 7), 12),
            (date(2026, 12, 7), Some(date(2027, 12, 6)))
        );
        // Month ends clamp: 31 January + 1 month is 28 February.
        assert_eq!(
            warranty(date(2027, 1, 31), 1).1,
            Some(date(2027, 2, 27)),
            "the day before the same day next month"
        );
        assert_eq!(warranty(date(2026, 12, 7), 0).1, None);
        assert_eq!(warranty(date(2026, 12, 7), -3).1, None);
    }

    #[test]
    fn the_reminder_comes_thirty_days_before_the_end_but_never_before_the_start() {
        assert_eq!(
            reminder_on(date(2026, 12, 7), date(2027, 12, 6)),
            date(2027, 11, 6)
        );
        assert_eq!(
            reminder_on(date(2026, 12, 7), date(2026, 12, 20)),
            date(2026, 12, 7)
        );
    }

    #[test]
    fn each_serial_is_an_asset_and_untracked_units_share_one() {
        let serials = vec!["SN-1".to_owned(), "SN-2".to_owned()];
        assert_eq!(
            units_of(2, &serials),
            [("SN-1".to_owned(), 1), ("SN-2".to_owned(), 1)]
        );
        assert_eq!(units_of(3, &[]), [(String::new(), 3)]);
        assert_eq!(
            units_of(3, &serials[..1]),
            [("SN-1".to_owned(), 1), (String::new(), 2)]
        );
    }
}
