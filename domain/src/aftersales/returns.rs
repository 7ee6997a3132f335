//! Returns (RMA): asked for on order lines with a reason, decided by staff
//! (change of mind only within the business's policy), received back into
//! stock or quarantine after inspection, and ended by a refund or a
//! replacement.
//!
//! - A return is asked for on a delivered order (DELIVERED or CLOSED,
//!   archived too: returns outlive closure), goods lines only, never more
//!   units of a line than were ordered less those already in other returns
//!   that were not rejected or cancelled.
//! - WRONG_ITEM, DAMAGED_IN_TRANSIT and FAULTY returns are always accepted
//!   and can never be rejected (a fault is remedied, not refused); a
//!   CHANGE_OF_MIND return is accepted only within the business's policy
//!   (`change_of_mind_return_days` after the Sydney date of delivery; 0:
//!   not at all) and may be rejected (e.g. not in resalable condition).
//! - Receiving puts each line's units into a warehouse (RESTOCK) or a
//!   quarantine location (QUARANTINE) as a RETURN stock movement, and
//!   starts the resolution at once: a refund of the returned units' price
//!   including GST (the invoice's line totals, pro rata; the delivery charge
//!   too when a fault return brings back every unit of the order, never for
//!   a change of mind; at most what the invoice still has to refund), or a
//!   no-charge replacement order.
//! - Every step is recorded (`remedy_step`) and its customer emailed.

use super::return_state::{self, Event, Illegal};
use super::{MoneyBack, PayBack, invoice_of, note_for_approved, pay_back, record_step, refundable};
use crate::catalogue::stock::{self, Change};
use crate::kernel::db::find_row;
use crate::kernel::db::group_rows;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope, Write,
    fetch_scoped_page,
};
use crate::orders::{self, Order};
use crate::platform::numbering;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::money::Money;
use chrono::NaiveDate;
use entity::{
    ApprovalStatus, InvoiceLineKind, LocationKind, MovementKind, OrderStatus, ProductKind,
    RefundStatus, ReturnDisposition, ReturnReason, ReturnResolution, ReturnStatus,
    approval_request, order_line, product, refund, return_line, return_request, sales_order,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

crate::stamped!(return_request);

pub const SUBJECT_TYPE: &str = "return_request";

/// The steps a return's customer follows (each emailed once, except a
/// refund that fell through, which staff start again).
pub mod step {
    pub const REQUESTED: &str = "return.requested";
    pub const APPROVED: &str = "return.approved";
    pub const REJECTED: &str = "return.rejected";
    pub const CANCELLED: &str = "return.cancelled";
    pub const RECEIVED: &str = "return.received";
    pub const REFUNDING: &str = "return.refunding";
    pub const REPLACING: &str = "return.replacing";
    pub const REFUND_FAILED: &str = "return.refund_failed";
    pub const COMPLETED: &str = "return.completed";
}

/// Longest free text (details, instructions, reasons).
const MAX_TEXT: usize = 4000;
/// Longest inspection note.
const MAX_NOTE: usize = 1000;
/// Longest batch code.
const MAX_BATCH: usize = 100;

/// A return with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub request: return_request::Model,
    pub lines: Vec<return_line::Model>,
}

// ---- Pure rules --------------------------------------------------------

/// Why a change-of-mind return is refused under a policy of `policy_days`
/// days after the Sydney date of delivery, asked on Sydney `today`; `None`
/// when it is accepted.
pub fn change_of_mind_refusal(
    policy_days: i32,
    delivered_on: NaiveDate,
    today: NaiveDate,
) -> Option<String> {
    if policy_days <= 0 {
        return Some(
            "change-of-mind returns are not accepted (faulty, damaged or wrong items always are)"
                .to_owned(),
        );
    }
    let days = (today - delivered_on).num_days();
    (days > i64::from(policy_days)).then(|| {
        format!(
            "change-of-mind returns are accepted within {policy_days} days of delivery; this order was delivered on {delivered_on}, {days} days ago (faulty, damaged or wrong items are always accepted)"
        )
    })
}

/// A reason in words, as a sentence uses it.
pub fn reason_words(reason: ReturnReason) -> &'static str {
    match reason {
        ReturnReason::WrongItem => "wrong item",
        ReturnReason::DamagedInTransit => "damaged in transit",
        ReturnReason::Faulty => "faulty item",
        ReturnReason::ChangeOfMind => "change-of-mind",
    }
}

/// Whether a return of this reason may be refused: only a change of mind.
/// A fault, a wrong item or damage in transit is remedied, not refused.
pub fn may_reject(reason: ReturnReason) -> bool {
    reason == ReturnReason::ChangeOfMind
}

/// Whether a return of this reason is a processing error of ours (the
/// "return rate due to errors" KPI).
pub fn is_processing_error(reason: ReturnReason) -> bool {
    matches!(
        reason,
        ReturnReason::WrongItem | ReturnReason::DamagedInTransit
    )
}

/// One invoiced line's share for the units coming back: its total
/// (GST included) × units ÷ units invoiced, rounded half up.
pub fn line_share(total_cents: i64, invoiced_units: i64, units: i64) -> i64 {
    if invoiced_units <= 0 || units <= 0 {
        return 0;
    }
    if units >= invoiced_units {
        return total_cents;
    }
    let share = Decimal::from(total_cents) * Decimal::from(units) / Decimal::from(invoiced_units);
    share
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(total_cents)
}

/// What a return refunds: its lines' shares plus `shipping_cents` (when the
/// delivery charge is refunded too), at most `refundable_cents`.
pub fn refund_cents(shares: &[i64], shipping_cents: Option<i64>, refundable_cents: i64) -> i64 {
    let wanted: i64 = shares.iter().sum::<i64>() + shipping_cents.unwrap_or(0);
    wanted.clamp(0, refundable_cents.max(0))
}

/// The instructions an approval sends when staff give none: the RMA number
/// on the parcel, what to pack (`lines`: units, name, SKU) and where to:
/// the business's returns address, or, while the settings hold none, a
/// request to ask for it (naming an address that may not exist is worse).
pub fn default_instructions(
    number: &str,
    business: &str,
    returns_address: Option<&str>,
    lines: &[(i32, String, String)],
) -> String {
    let items: Vec<String> = lines
        .iter()
        .map(|(units, name, sku)| format!("- {units} × {name} ({sku})"))
        .collect();
    let send_to = match returns_address {
        Some(address) => format!("then send it to:\n\n{business}\n{address}\n\n"),
        None => format!("then reply to this email and {business} will tell you where to send it. "),
    };
    format!(
        "Please pack these items securely, in their original packaging if you still have it:\n{}\nWrite the return number {number} clearly on the outside of the parcel and put a note with {number} inside, {send_to}Keep your postage receipt. We will tell you when it arrives.",
        items.join("\n")
    )
}

// ---- Reading -----------------------------------------------------------

async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<Vec<return_line::Model>, DbErr> {
    return_line::Entity::find()
        .filter(return_line::Column::ReturnId.is_in(ids.iter().copied()))
        .order_by_asc(return_line::Column::Id)
        .all(conn)
        .await
}

async fn load<C: ConnectionTrait>(conn: &C, id: Uuid, lock: bool) -> Result<Option<Return>, DbErr> {
    let Some(request) = find_row::<return_request::Entity, _>(conn, id, lock).await? else {
        return Ok(None);
    };
    let lines = lines_of(conn, &[id]).await?;
    Ok(Some(Return { request, lines }))
}

/// A return by id, whoever asks (the worker's and the mailer's read).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Return>, DbErr> {
    load(conn, id, false).await
}

fn visible(ctx: &Ctx, request: &return_request::Model) -> bool {
    Scope::of_ctx(ctx).sees(request.customer_id)
}

/// A return the caller may see; another customer's looks missing.
pub async fn find_visible(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Return>, DomainError> {
    Permission::LodgeClaims.require(ctx)?;
    Ok(find(db, id).await?.filter(|r| visible(ctx, &r.request)))
}

/// Which returns to list.
#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub status: Option<ReturnStatus>,
    pub reason: Option<ReturnReason>,
    pub order_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
}

/// Returns the caller may see (customers their own), oldest first.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &ReturnFilter,
    page: PageRequest,
) -> Result<Page<Return>, DomainError> {
    Permission::LodgeClaims.require(ctx)?;
    let mut query = return_request::Entity::find();
    if let Some(s) = filter.status {
        query = query.filter(return_request::Column::Status.eq(s));
    }
    if let Some(r) = filter.reason {
        query = query.filter(return_request::Column::Reason.eq(r));
    }
    if let Some(o) = filter.order_id {
        query = query.filter(return_request::Column::OrderId.eq(o));
    }
    if let Some(c) = filter.customer_id {
        query = query.filter(return_request::Column::CustomerId.eq(c));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (
        return_request::Column::CustomerId,
        return_request::Column::Id,
    );
    let page = fetch_scoped_page(db, scope, query, party, id, page, |r| r.id).await?;
    let mut lines = group_rows(lines_of(db, &page.ids()).await?, |l| l.return_id);
    Ok(page.map(|id, request| Return {
        request,
        lines: lines.remove(&id).unwrap_or_default(),
    }))
}

/// The returns asked for in `[start, end)` because of an error of ours
/// (WRONG_ITEM or DAMAGED_IN_TRANSIT), not cancelled or rejected, and how
/// many of those were wrong items (the KPIs' facts).
pub async fn error_returns<C: ConnectionTrait>(
    conn: &C,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, i64), DbErr> {
    let reasons: Vec<ReturnReason> = return_request::Entity::find()
        .select_only()
        .column(return_request::Column::Reason)
        .filter(return_request::Column::CreatedAt.gte(start))
        .filter(return_request::Column::CreatedAt.lt(end))
        .filter(
            return_request::Column::Reason
                .is_in([ReturnReason::WrongItem, ReturnReason::DamagedInTransit]),
        )
        .filter(
            return_request::Column::Status
                .is_not_in([ReturnStatus::Rejected, ReturnStatus::Cancelled]),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let ours = reasons.iter().filter(|r| is_processing_error(**r)).count() as i64;
    let wrong = reasons
        .iter()
        .filter(|r| **r == ReturnReason::WrongItem)
        .count() as i64;
    Ok((ours, wrong))
}

// ---- Writing: helpers --------------------------------------------------

fn illegal(i: Illegal, number: &str) -> DomainError {
    let what = match i.event {
        Event::Approve => "approved",
        Event::Reject => "rejected",
        Event::Cancel => "cancelled",
        Event::Receive => "received",
        Event::Refund | Event::Replace => "resolved",
        Event::Refunded | Event::RefundFailed | Event::ReplacementDelivered => "completed",
    };
    DomainError::rejected(
        &["id"],
        ErrorCode::IllegalTransition,
        format!(
            "{number} cannot be {what} while it is {}",
            i.from.to_value().to_lowercase()
        ),
    )
}

fn next(r: &return_request::Model, event: Event) -> Result<ReturnStatus, DomainError> {
    return_state::apply(r.status, event).map_err(|i| illegal(i, &r.number))
}

async fn locked(w: &Write<'_>, id: Uuid) -> Result<Return, DomainError> {
    load(w.conn(), id, true)
        .await?
        .filter(|r| visible(w.ctx(), &r.request))
        .ok_or_else(|| DomainError::not_found("id", "return"))
}

/// Change the return (versioned), audit it as `action` and return it after.
async fn update(
    w: &mut Write<'_>,
    before: &return_request::Model,
    action: &str,
    change: impl FnOnce(&mut return_request::ActiveModel),
) -> Result<return_request::Model, DomainError> {
    let after = w
        .change::<return_request::Entity>(before.id, before.version, change)
        .await?;
    w.audit(SUBJECT_TYPE, after.id, action, Some(before), Some(&after))
        .await?;
    Ok(after)
}

async fn step(
    w: &mut Write<'_>,
    r: &return_request::Model,
    name: &str,
    note: Option<String>,
    tell: bool,
) -> Result<(), DomainError> {
    record_step(
        w,
        SUBJECT_TYPE,
        r.id,
        name,
        &r.status.to_value(),
        note,
        tell,
    )
    .await?;
    Ok(())
}

// ---- Requesting --------------------------------------------------------

/// One order line coming back.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnLineRequest {
    pub order_line_id: Uuid,
    pub quantity: i32,
}

/// A return as the customer or staff ask for it.
#[derive(Debug, Clone, Serialize)]
pub struct NewReturn {
    pub order_id: Uuid,
    pub lines: Vec<ReturnLineRequest>,
    pub reason: ReturnReason,
    pub details: Option<String>,
    /// REFUND when not given.
    pub resolution: Option<ReturnResolution>,
}

/// Ask for a return (customers on their own orders, staff on any, guest
/// orders included). Audited; the customer is told.
pub async fn request(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewReturn,
) -> Result<Committed<Return>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::LodgeClaims).await?;
    // Returns of one order queue on it, so together they never exceed it.
    let order = find_row::<sales_order::Entity, _>(w.conn(), input.order_id, true)
        .await?
        .filter(|o| orders::visible_to(ctx, o))
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    if !matches!(order.status, OrderStatus::Delivered | OrderStatus::Closed) {
        return Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::InvalidState,
            format!(
                "{} is {}: goods are returned once delivered",
                order.number,
                order.status.to_value().to_lowercase()
            ),
        ));
    }
    let order_lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .all(w.conn())
        .await?;
    let mut fields = Fields::new();
    let details = fields.free_text(&["details"], "details", input.details.as_deref(), MAX_TEXT);
    if input.lines.is_empty() {
        fields.refuse(
            "lines",
            ErrorCode::Required,
            "a return has at least one line",
        );
    }
    let mut seen: Vec<Uuid> = Vec::new();
    let mut chosen: Vec<(order_line::Model, i32)> = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let index = i.to_string();
        let at = |field: &'static str| ["lines", index.as_str(), field];
        let Some(ordered) = order_lines.iter().find(|l| l.id == line.order_line_id) else {
            fields.refuse_at(
                &at("orderLineId"),
                ErrorCode::NotFound,
                format!("no line of {} has this id", order.number),
            );
            continue;
        };
        if seen.contains(&ordered.id) {
            fields.refuse_at(
                &at("orderLineId"),
                ErrorCode::InvalidState,
                "each order line is named once",
            );
            continue;
        }
        seen.push(ordered.id);
        if ordered.kind != ProductKind::Goods {
            fields.refuse_at(
                &at("orderLineId"),
                ErrorCode::InvalidState,
                format!(
                    "{} is a service: services are not returned (lodge a claim instead)",
                    ordered.sku
                ),
            );
            continue;
        }
        let already = super::units_spoken_for(w.conn(), ordered.id).await?;
        let left = i64::from(ordered.quantity) - already;
        if line.quantity < 1 || i64::from(line.quantity) > left {
            fields.refuse_at(
                &at("quantity"),
                ErrorCode::OutOfRange,
                format!(
                    "between 1 and the {left} units of {} not already returned or claimed ({} ordered)",
                    ordered.sku, ordered.quantity
                ),
            );
            continue;
        }
        chosen.push((ordered.clone(), line.quantity));
    }
    if input.reason == ReturnReason::ChangeOfMind {
        let settings = crate::settings::current(w.conn()).await?;
        let today = calendar.local_date(w.now());
        let delivered_on = order
            .delivered_at
            .map(|at| calendar.local_date(at))
            .unwrap_or(today);
        if let Some(why) =
            change_of_mind_refusal(settings.change_of_mind_return_days, delivered_on, today)
        {
            fields.refuse("reason", ErrorCode::ReturnNotAccepted, why);
        }
    }
    fields.finish(|| Some(()))?;

    let now = w.now();
    let id = Uuid::now_v7();
    let number = numbering::next(w.conn(), numbering::RETURN).await?;
    let request = w
        .insert(return_request::ActiveModel {
            id: Set(id),
            number: Set(number),
            order_id: Set(order.id),
            customer_id: Set(order.customer_id),
            reason: Set(input.reason),
            details: Set(details.unwrap_or_default()),
            resolution: Set(input.resolution.unwrap_or(ReturnResolution::Refund)),
            status: Set(ReturnStatus::Requested),
            instructions: Set(None),
            decision_reason: Set(None),
            decided_by: Set(None),
            decided_at: Set(None),
            received_at: Set(None),
            refund_id: Set(None),
            approval_id: Set(None),
            adjustment_note_id: Set(None),
            replacement_order_id: Set(None),
            completed_at: Set(None),
            requested_by: Set(ctx.actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let mut lines = Vec::with_capacity(chosen.len());
    for (ordered, quantity) in chosen {
        let line = return_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            return_id: Set(id),
            order_line_id: Set(ordered.id),
            product_id: Set(ordered.product_id),
            quantity: Set(quantity),
            disposition: Set(None),
            location_id: Set(None),
            batch_code: Set(None),
            inspection_note: Set(None),
        }
        .insert(w.conn())
        .await?;
        lines.push(line);
    }
    let created = Return { request, lines };
    w.audit(SUBJECT_TYPE, id, "return.requested", None, Some(&created))
        .await?;
    step(&mut w, &created.request, step::REQUESTED, None, true).await?;
    w.commit(created).await
}

// ---- Deciding ----------------------------------------------------------

/// Approve a requested return (ManageClaims): the customer is emailed the
/// instructions (given, or the default naming the RMA number, what to
/// pack and where).
pub async fn approve(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    instructions: Option<&str>,
) -> Result<Committed<Return>, DomainError> {
    let w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let before = locked(&w, id).await?;
    let mut fields = Fields::new();
    let given = fields.free_text(&["instructions"], "instructions", instructions, MAX_TEXT);
    fields.finish(|| Some(()))?;
    let status = next(&before.request, Event::Approve)?;
    let instructions = match given {
        Some(text) => text,
        None => {
            let settings = crate::settings::current(w.conn()).await?;
            let ordered = order_line::Entity::find()
                .filter(order_line::Column::OrderId.eq(before.request.order_id))
                .all(w.conn())
                .await?;
            let items: Vec<(i32, String, String)> = before
                .lines
                .iter()
                .map(|l| {
                    let o = ordered.iter().find(|o| o.id == l.order_line_id);
                    (
                        l.quantity,
                        o.map_or_else(String::new, |o| o.name.clone()),
                        o.map_or_else(String::new, |o| o.sku.clone()),
                    )
                })
                .collect();
            default_instructions(
                &before.request.number,
                &settings.legal_name,
                settings.returns_address.as_deref(),
                &items,
            )
        }
    };
    let decision = Decision {
        status,
        action: "return.approved",
        step: step::APPROVED,
        text: instructions,
    };
    decide(w, before, decision, |r, text| {
        r.instructions = Set(Some(text))
    })
    .await
}

/// Staff's decision on a return: where it goes, what the audit and the
/// customer's step call it, and the text it carries.
struct Decision {
    status: ReturnStatus,
    action: &'static str,
    step: &'static str,
    text: String,
}

/// Record `decision` on `before` (who decided and when; `keep_text` stores
/// its text on the request), tell the customer its step, and commit.
async fn decide(
    mut w: Write<'_>,
    before: Return,
    decision: Decision,
    keep_text: impl FnOnce(&mut return_request::ActiveModel, String),
) -> Result<Committed<Return>, DomainError> {
    let now = w.now();
    let actor = w.ctx().actor.id.clone();
    let text = decision.text.clone();
    let after = update(&mut w, &before.request, decision.action, |r| {
        r.status = Set(decision.status);
        keep_text(r, text);
        r.decided_by = Set(Some(actor));
        r.decided_at = Set(Some(now));
    })
    .await?;
    step(&mut w, &after, decision.step, Some(decision.text), true).await?;
    w.commit(Return {
        request: after,
        lines: before.lines,
    })
    .await
}

/// Refuse a change-of-mind return with the reason (ManageClaims). A fault,
/// a wrong item or damage in transit is remedied, never refused.
pub async fn reject(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    reason: &str,
) -> Result<Committed<Return>, DomainError> {
    let w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let before = locked(&w, id).await?;
    let mut fields = Fields::new();
    let reason = if reason.trim().is_empty() {
        fields.refuse("reason", ErrorCode::Required, "reason is required");
        None
    } else {
        fields.free_text(&["reason"], "reason", Some(reason), MAX_TEXT)
    };
    let reason = fields.finish(|| reason)?;
    if !may_reject(before.request.reason) {
        return Err(DomainError::rejected(
            &["id"],
            ErrorCode::InvalidState,
            format!(
                "{} is a {} return: a fault is remedied, not refused",
                before.request.number,
                reason_words(before.request.reason)
            ),
        ));
    }
    let status = next(&before.request, Event::Reject)?;
    let decision = Decision {
        status,
        action: "return.rejected",
        step: step::REJECTED,
        text: reason,
    };
    decide(w, before, decision, |r, text| {
        r.decision_reason = Set(Some(text))
    })
    .await
}

/// Call a return off before the goods are received: its customer (their
/// own) or staff who manage returns.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<Return>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::LodgeClaims).await?;
    if ctx.actor.role.is_staff() {
        Permission::ManageClaims.require(ctx)?;
    }
    let before = locked(&w, id).await?;
    let status = next(&before.request, Event::Cancel)?;
    let after = update(&mut w, &before.request, "return.cancelled", |r| {
        r.status = Set(status);
    })
    .await?;
    step(&mut w, &after, step::CANCELLED, None, true).await?;
    w.commit(Return {
        request: after,
        lines: before.lines,
    })
    .await
}

// ---- Receiving and resolving --------------------------------------------

/// Where one return line's units went after inspection.
#[derive(Debug, Clone)]
pub struct ReceivedLine {
    pub return_line_id: Uuid,
    pub disposition: ReturnDisposition,
    pub location_id: Uuid,
    /// Required for batch-tracked products, refused for others.
    pub batch_code: Option<String>,
    pub note: Option<String>,
}

/// Record the goods of an approved return received and inspected
/// (ManageClaims): every line once, its units into a warehouse (RESTOCK)
/// or a quarantine location (QUARANTINE) as a RETURN stock movement; then
/// the refund or replacement starts at once.
pub async fn receive(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
    received: &[ReceivedLine],
) -> Result<Committed<Return>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let before = locked(&w, id).await?;
    let status = next(&before.request, Event::Receive)?;
    let mut fields = Fields::new();
    struct Checked {
        line: return_line::Model,
        disposition: ReturnDisposition,
        location_id: Uuid,
        batch_code: String,
        note: Option<String>,
    }
    let mut checked: Vec<Checked> = Vec::new();
    for (i, input) in received.iter().enumerate() {
        let index = i.to_string();
        let at = |field: &'static str| ["lines", index.as_str(), field];
        let Some(line) = before.lines.iter().find(|l| l.id == input.return_line_id) else {
            fields.refuse_at(
                &at("returnLineId"),
                ErrorCode::NotFound,
                format!("no line of {} has this id", before.request.number),
            );
            continue;
        };
        if checked.iter().any(|c| c.line.id == line.id) {
            fields.refuse_at(
                &at("returnLineId"),
                ErrorCode::InvalidState,
                "each return line is received once",
            );
            continue;
        }
        let note = fields.free_text(&at("note"), "note", input.note.as_deref(), MAX_NOTE);
        let location = crate::catalogue::locations::find(w.conn(), input.location_id).await?;
        let wanted = match input.disposition {
            ReturnDisposition::Restock => LocationKind::Warehouse,
            ReturnDisposition::Quarantine => LocationKind::Quarantine,
        };
        match location {
            None => fields.refuse_at(
                &at("locationId"),
                ErrorCode::NotFound,
                "stock location not found",
            ),
            Some(l) if l.kind != wanted => fields.refuse_at(
                &at("locationId"),
                ErrorCode::InvalidState,
                match input.disposition {
                    ReturnDisposition::Restock => {
                        format!(
                            "{} is a quarantine location: RESTOCK goes into a warehouse",
                            l.code
                        )
                    }
                    ReturnDisposition::Quarantine => {
                        format!(
                            "{} is a warehouse: QUARANTINE goes into a quarantine location",
                            l.code
                        )
                    }
                },
            ),
            Some(_) => {}
        }
        let batch = input
            .batch_code
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        let tracked = product::Entity::find_by_id(line.product_id)
            .one(w.conn())
            .await?
            .is_some_and(|p| p.batch_tracked);
        if tracked && batch.is_none() {
            fields.refuse_at(
                &at("batchCode"),
                ErrorCode::Required,
                "a batch-tracked product needs a batchCode",
            );
        } else if !tracked && batch.is_some() {
            fields.refuse_at(
                &at("batchCode"),
                ErrorCode::InvalidState,
                "this product is not batch-tracked",
            );
        } else if batch.is_some_and(|b| b.chars().count() > MAX_BATCH) {
            fields.refuse_at(
                &at("batchCode"),
                ErrorCode::TooLong,
                format!("batchCode must be at most {MAX_BATCH} characters"),
            );
        }
        checked.push(Checked {
            line: line.clone(),
            disposition: input.disposition,
            location_id: input.location_id,
            batch_code: batch.map(str::to_uppercase).unwrap_or_default(),
            note,
        });
    }
    let missing: Vec<String> = before
        .lines
        .iter()
        .filter(|l| !received.iter().any(|r| r.return_line_id == l.id))
        .map(|l| l.id.to_string())
        .collect();
    if !missing.is_empty() {
        fields.refuse(
            "lines",
            ErrorCode::Required,
            format!(
                "every line of the return is received; missing: {}",
                missing.join(", ")
            ),
        );
    }
    fields.finish(|| Some(()))?;

    let reason = format!("returned under {}", before.request.number);
    let mut lines = Vec::with_capacity(checked.len());
    for c in &checked {
        let change = Change {
            product_id: c.line.product_id,
            location_id: c.location_id,
            batch_code: &c.batch_code,
            expires_on: None,
            quantity: c.line.quantity,
            kind: MovementKind::Return,
            reason: &reason,
        };
        stock::change_in(&mut w, &change).await?;
        let after = return_line::ActiveModel {
            id: sea_orm::Unchanged(c.line.id),
            disposition: Set(Some(c.disposition)),
            location_id: Set(Some(c.location_id)),
            batch_code: Set(Some(c.batch_code.clone()).filter(|b| !b.is_empty())),
            inspection_note: Set(c.note.clone()),
            ..Default::default()
        }
        .update(w.conn())
        .await?;
        lines.push(after);
    }
    lines.sort_by_key(|l| l.id);
    let now = w.now();
    let after = update(&mut w, &before.request, "return.received", |r| {
        r.status = Set(status);
        r.received_at = Set(Some(now));
    })
    .await?;
    let received = Return {
        request: after,
        lines,
    };
    let plan = plan_resolution(&w, &received).await?;
    // The customer hears of the receipt with its resolution, in one email;
    // alone only when nothing can start yet.
    step(
        &mut w,
        &received.request,
        step::RECEIVED,
        None,
        plan.is_none(),
    )
    .await?;
    let request = match plan {
        Some(plan) => start_resolution(&mut w, calendar, &received, plan).await?,
        None => received.request,
    };
    w.commit(Return {
        request,
        lines: received.lines,
    })
    .await
}

/// Start a received return's refund or replacement again, or the other
/// one (ManageClaims), e.g. after its refund failed.
pub async fn resolve(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
    resolution: ReturnResolution,
) -> Result<Committed<Return>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let before = locked(&w, id).await?;
    let event = match resolution {
        ReturnResolution::Refund => Event::Refund,
        ReturnResolution::Replacement => Event::Replace,
    };
    next(&before.request, event)?;
    let request = if before.request.resolution == resolution {
        before.request.clone()
    } else {
        update(&mut w, &before.request, "return.resolution_changed", |r| {
            r.resolution = Set(resolution);
        })
        .await?
    };
    let current = Return {
        request,
        lines: before.lines,
    };
    let plan = plan_resolution(&w, &current).await?.ok_or_else(|| {
        DomainError::rejected(
            &["resolution"],
            ErrorCode::InvalidState,
            "nothing is left to refund on the order's invoice: resolve it as a REPLACEMENT",
        )
    })?;
    let request = start_resolution(&mut w, calendar, &current, plan).await?;
    w.commit(Return {
        request,
        lines: current.lines,
    })
    .await
}

/// How a received return is resolved.
enum Plan {
    Refund(Money),
    Replace(Box<Order>),
}

/// The resolution a received return can start now; `None` for a refund
/// with nothing left to refund.
async fn plan_resolution(w: &Write<'_>, r: &Return) -> Result<Option<Plan>, DomainError> {
    let order = orders::find(w.conn(), r.request.order_id)
        .await?
        .ok_or_else(|| DomainError::internal("a return's order is missing"))?;
    Ok(match r.request.resolution {
        ReturnResolution::Replacement => Some(Plan::Replace(Box::new(order))),
        ReturnResolution::Refund => {
            let amount = refund_amount(w.conn(), &order, r).await?;
            (amount.cents() > 0).then_some(Plan::Refund(amount))
        }
    })
}

/// What a return refunds (see the module's rules).
async fn refund_amount<C: ConnectionTrait>(
    conn: &C,
    order: &Order,
    r: &Return,
) -> Result<Money, DomainError> {
    let Some(invoice) = invoice_of(conn, Some(order.order.id), None).await? else {
        return Ok(Money::ZERO);
    };
    let mut items: Vec<_> = invoice
        .lines
        .iter()
        .filter(|l| l.kind == InvoiceLineKind::Item)
        .collect();
    items.sort_by_key(|l| l.line_no);
    let mut by_line: HashMap<Uuid, (i64, i64)> = HashMap::new();
    // An invoiced order's lines are its invoice's item lines, in order.
    for (i, line) in order.lines.iter().enumerate() {
        let item = items
            .get(i)
            .filter(|it| it.sku.as_deref() == Some(line.sku.as_str()))
            .or_else(|| {
                items
                    .iter()
                    .find(|it| it.sku.as_deref() == Some(line.sku.as_str()))
            });
        if let Some(item) = item {
            let units = Decimal::from_str_exact(&item.quantity)
                .ok()
                .and_then(|q| q.to_i64())
                .unwrap_or(i64::from(line.quantity));
            by_line.insert(line.id, (item.total_cents, units));
        }
    }
    let shares: Vec<i64> = r
        .lines
        .iter()
        .map(|l| {
            by_line.get(&l.order_line_id).map_or(0, |(total, units)| {
                line_share(*total, *units, i64::from(l.quantity))
            })
        })
        .collect();
    let goods_units: i64 = order
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::Goods)
        .map(|l| i64::from(l.quantity))
        .sum();
    let returned: i64 = r.lines.iter().map(|l| i64::from(l.quantity)).sum();
    let shipping = (r.request.reason != ReturnReason::ChangeOfMind && returned >= goods_units)
        .then(|| {
            invoice
                .lines
                .iter()
                .filter(|l| l.kind == InvoiceLineKind::Shipping)
                .map(|l| l.total_cents)
                .sum::<i64>()
        });
    let left = refundable(conn, &invoice).await?;
    Ok(Money::from_cents(refund_cents(
        &shares,
        shipping,
        left.cents(),
    )))
}

/// Start `plan` on received return `r` in `w`: REFUNDING with the money on
/// its way back (a card refund, or a REFUND approval on the return), or
/// REPLACING with a no-charge replacement order. The customer is told.
async fn start_resolution(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    r: &Return,
    plan: Plan,
) -> Result<return_request::Model, DomainError> {
    let before = &r.request;
    match plan {
        Plan::Refund(amount) => {
            let status = next(before, Event::Refund)?;
            let refunding = update(w, before, "return.refunding", |m| {
                m.status = Set(status);
                m.refund_id = Set(None);
                m.approval_id = Set(None);
            })
            .await?;
            // Told before the money moves: an approval granted at once
            // completes the return inside `pay_back`.
            step(
                w,
                &refunding,
                step::REFUNDING,
                Some(amount.to_string()),
                true,
            )
            .await?;
            let back = PayBack {
                subject_type: SUBJECT_TYPE,
                subject_id: before.id,
                order_id: Some(before.order_id),
                owner_party: before.customer_id,
                amount,
                reason: format!("Return {}", before.number),
            };
            let money = pay_back(w, calendar, &back).await?;
            let current = load(w.conn(), before.id, false)
                .await?
                .ok_or_else(|| DomainError::internal("the return vanished"))?
                .request;
            match money {
                MoneyBack::CardRefund { refund_id } => {
                    // A refund approved at once may already have its outcome.
                    let refunded = refund::Entity::find_by_id(refund_id).one(w.conn()).await?;
                    let after = update(w, &current, "return.refund_requested", |m| {
                        m.refund_id = Set(Some(refund_id));
                        m.approval_id = Set(refunded.and_then(|r| r.approval_id));
                    })
                    .await?;
                    Ok(after)
                }
                MoneyBack::Approval { approval_id } => {
                    update(w, &current, "return.refund_requested", |m| {
                        m.approval_id = Set(Some(approval_id));
                    })
                    .await
                }
            }
        }
        Plan::Replace(order) => {
            let status = next(before, Event::Replace)?;
            let units: Vec<(Uuid, i32)> = r
                .lines
                .iter()
                .map(|l| (l.order_line_id, l.quantity))
                .collect();
            let reason = format!("return {}", before.number);
            let replacement =
                orders::place_replacement_in(w, calendar, &order, &units, &reason).await?;
            let after = update(w, before, "return.replacing", |m| {
                m.status = Set(status);
                m.replacement_order_id = Set(Some(replacement.order.id));
            })
            .await?;
            step(
                w,
                &after,
                step::REPLACING,
                Some(replacement.order.number.clone()),
                true,
            )
            .await?;
            Ok(after)
        }
    }
}

// ---- Seams the other flows call ---------------------------------------

async fn complete(
    w: &mut Write<'_>,
    before: &return_request::Model,
    event: Event,
    change: impl FnOnce(&mut return_request::ActiveModel),
) -> Result<(), DomainError> {
    let status = next(before, event)?;
    let now = w.now();
    let after = update(w, before, "return.completed", |m| {
        m.status = Set(status);
        m.completed_at = Set(Some(now));
        change(m);
    })
    .await?;
    step(w, &after, step::COMPLETED, None, true).await
}

async fn refund_fell_through(
    w: &mut Write<'_>,
    before: &return_request::Model,
    why: String,
) -> Result<(), DomainError> {
    let status = next(before, Event::RefundFailed)?;
    let after = update(w, before, "return.refund_failed", |m| {
        m.status = Set(status);
    })
    .await?;
    // Staff start it again (`resolve`); the customer hears when it goes.
    step(w, &after, step::REFUND_FAILED, Some(why), false).await
}

/// The REFUND approval on a return closed (money paid outside the hub):
/// approved, its adjustment note is issued and the return COMPLETED;
/// otherwise it goes back to RECEIVED.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(r) = load(w.conn(), request.subject_id, true).await? else {
        return Ok(());
    };
    let before = r.request;
    let stale = before.approval_id.is_some_and(|a| a != request.id);
    if before.status != ReturnStatus::Refunding || stale || before.refund_id.is_some() {
        return Ok(());
    }
    if request.status == ApprovalStatus::Approved {
        let amount = Money::from_cents(request.amount_cents.unwrap_or(0));
        let note = match invoice_of(w.conn(), Some(before.order_id), None).await? {
            Some(invoice) if amount.cents() > 0 => Some(
                note_for_approved(w, &invoice, amount, &format!("Return {}", before.number))
                    .await?,
            ),
            _ => None,
        };
        let approval = request.id;
        complete(w, &before, Event::Refunded, |m| {
            m.approval_id = Set(Some(approval));
            m.adjustment_note_id = Set(note);
        })
        .await
    } else {
        let why = format!(
            "refund approval {}",
            request.status.to_value().to_lowercase()
        );
        refund_fell_through(w, &before, why).await
    }
}

/// The return whose `column` holds `value` (a refund or replacement order
/// settling it), locked for this write; `None` when no return has it.
async fn locked_where(
    w: &Write<'_>,
    column: return_request::Column,
    value: Uuid,
) -> Result<Option<Return>, DbErr> {
    let Some(found) = return_request::Entity::find()
        .filter(column.eq(value))
        .one(w.conn())
        .await?
    else {
        return Ok(None);
    };
    load(w.conn(), found.id, true).await
}

/// A card refund paying a return ended: SUCCEEDED completes it with the
/// refund's adjustment note; FAILED sends it back to RECEIVED.
pub async fn on_refund_outcome(
    w: &mut Write<'_>,
    refund: &refund::Model,
) -> Result<(), DomainError> {
    let Some(r) = locked_where(w, return_request::Column::RefundId, refund.id).await? else {
        return Ok(());
    };
    let before = r.request;
    if before.status != ReturnStatus::Refunding {
        return Ok(());
    }
    match refund.status {
        RefundStatus::Succeeded => {
            let note = refund.adjustment_note_id;
            complete(w, &before, Event::Refunded, |m| {
                m.adjustment_note_id = Set(note);
            })
            .await
        }
        RefundStatus::Failed => {
            let why = refund
                .failure_reason
                .clone()
                .unwrap_or_else(|| "the refund failed".to_owned());
            refund_fell_through(w, &before, why).await
        }
        _ => Ok(()),
    }
}

/// A return's replacement order was delivered: the return is COMPLETED.
pub async fn on_replacement_delivered(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    let column = return_request::Column::ReplacementOrderId;
    let Some(r) = locked_where(w, column, order.id).await? else {
        return Ok(());
    };
    if r.request.status != ReturnStatus::Replacing {
        return Ok(());
    }
    complete(w, &r.request, Event::ReplacementDelivered, |_| {}).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::day;

    #[test]
    fn change_of_mind_is_refused_without_a_policy_and_after_its_window() {
        let delivered = day("2026-11-24");
        assert!(change_of_mind_refusal(0, delivered, delivered).is_some());
        // 14 days: the 14th day after delivery still counts, the 15th not.
        assert_eq!(
            change_of_mind_refusal(14, delivered, day("2026-12-08")),
            None
        );
        let late = change_of_mind_refusal(14, delivered, day("2026-12-09")).unwrap();
        assert!(late.contains("within 14 days"), "{late}");
        assert!(late.contains("15 days ago"), "{late}");
        assert_eq!(change_of_mind_refusal(14, delivered, delivered), None);
    }

    #[test]
    fn only_a_change_of_mind_may_be_rejected_and_only_errors_count_as_ours() {
        use ReturnReason as R;
        assert!(may_reject(R::ChangeOfMind));
        for fault in [R::WrongItem, R::DamagedInTransit, R::Faulty] {
            assert!(!may_reject(fault), "{fault:?}");
        }
        assert!(is_processing_error(R::WrongItem));
        assert!(is_processing_error(R::DamagedInTransit));
        assert!(!is_processing_error(R::Faulty));
        assert!(!is_processing_error(R::ChangeOfMind));
    }

    #[test]
    fn a_refund_is_the_units_share_of_each_line_capped_at_what_is_left() {
        // 1 of 3 units of a $100.00 line: $33.33; 2 of 3: $66.67 (half up).
        assert_eq!(line_share(10_000, 3, 1), 3_333);
        assert_eq!(line_share(10_000, 3, 2), 6_667);
        assert_eq!(line_share(10_000, 3, 3), 10_000);
        assert_eq!(line_share(2_000, 1, 1), 2_000);
        assert_eq!(line_share(2_000, 0, 1), 0);
        assert_eq!(refund_cents(&[2_000, 1_500], None, 10_000), 3_500);
        assert_eq!(refund_cents(&[2_000], Some(995), 10_000), 2_995);
        // Never more than the invoice still has to refund.
        assert_eq!(refund_cents(&[2_000, 1_500], Some(995), 3_000), 3_000);
        assert_eq!(refund_cents(&[2_000], None, 0), 0);
    }

    #[test]
    fn default_instructions_name_the_number_the_items_and_where() {
        let items = [(2, "Mug".into(), "MUG-1".into())];
        let address = "Returns, Unit 4\n12 Dock Rd\nBotany NSW 2019";
        let text = default_instructions("RMA-000007", "Acme Pty Ltd", Some(address), &items);
        assert!(text.contains("- 2 × Mug (MUG-1)"), "{text}");
        assert!(text.contains("RMA-000007"), "{text}");
        assert!(
            text.contains(
                "send it to:\n\nAcme Pty Ltd\nReturns, Unit 4\n12 Dock Rd\nBotany NSW 2019\n\nKeep"
            ),
            "{text}"
        );
    }

    #[test]
    fn default_instructions_without_a_returns_address_ask_for_it_and_name_none() {
        let items = [(1, "Kettle".into(), "KET-1".into())];
        let text = default_instructions("RMA-000008", "Acme Pty Ltd", None, &items);
        assert!(
            text.contains("reply to this email and Acme Pty Ltd will tell you where to send it"),
            "{text}"
        );
        assert!(!text.contains("delivery note"), "{text}");
    }
}
