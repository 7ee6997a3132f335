//! After the sale: consumer-guarantee claims (the remedies the law allows,
//! AU-RULES "Consumer guarantees") and returns (RMA). What both share
//! lives here: the steps a customer follows (each emailed once), money paid
//! back (a card refund through the REFUND approval, or, where the hub holds
//! no card payment to refund, a REFUND approval on the claim or return
//! itself and an adjustment note once approved), no-charge replacement
//! orders, and the rule that an open claim or return keeps its order from
//! closing (DESIGN "Claims outlive closure").

pub mod claim_state;
pub mod claims;
pub mod return_state;
pub mod returns;

use crate::approvals::{self, NewApproval};
use crate::invoices::{self, Invoice, notes};
use crate::kernel::{Actor, DomainError, Write};
use crate::payments::refunds;
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::money::Money;
use entity::{
    ApprovalKind, PaymentMethod, PaymentStatus, ReturnStatus, WebhookEventType, approval_request,
    guarantee_claim, payment, refund, remedy_step, return_line, return_request, sales_order,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

crate::children! {
    remedy_step: SubjectId / subject_id by Id;
}

/// Assert that a status machine's `apply` allows exactly the `allowed`
/// (from, event, to) steps among every status and every event of `events`,
/// and refuses every other with `illegal(from, event)`.
#[cfg(test)]
pub(crate) fn assert_exactly<S, E, I>(
    events: &[E],
    allowed: &[(S, E, S)],
    apply: impl Fn(S, E) -> Result<S, I>,
    illegal: impl Fn(S, E) -> I,
) where
    S: sea_orm::Iterable + Copy + PartialEq + std::fmt::Debug,
    E: Copy + PartialEq + std::fmt::Debug,
    I: PartialEq + std::fmt::Debug,
{
    for from in S::iter() {
        for &event in events {
            let expected = allowed
                .iter()
                .find(|(f, e, _)| *f == from && *e == event)
                .map(|(_, _, to)| *to);
            match expected {
                Some(to) => assert_eq!(apply(from, event), Ok(to), "{from:?} {event:?}"),
                None => assert_eq!(
                    apply(from, event),
                    Err(illegal(from, event)),
                    "{from:?} {event:?}"
                ),
            }
        }
    }
}

// ---- Steps ------------------------------------------------------------

/// The `claim.step` / `return.step` event (subject: the step).
#[derive(Debug, Serialize, Deserialize)]
pub struct StepNotice {
    pub step_id: Uuid,
    pub subject_type: String,
    pub subject_id: Uuid,
}

/// The webhook event of a claim's or return's step: the first step opens
/// the record, every later one updates it.
fn webhook_event_of(subject_type: &str, step: &str) -> WebhookEventType {
    match (subject_type == claims::SUBJECT_TYPE, step) {
        (true, claims::step::LODGED) => WebhookEventType::ClaimLodged,
        (true, _) => WebhookEventType::ClaimUpdated,
        (false, returns::step::REQUESTED) => WebhookEventType::ReturnRequested,
        (false, _) => WebhookEventType::ReturnUpdated,
    }
}

/// Record a step of a claim or return and, when `tell` is set, queue the
/// email telling its customer (about the step, so it is sent once).
pub async fn record_step(
    w: &mut Write<'_>,
    subject_type: &str,
    subject_id: Uuid,
    step: &str,
    status_after: &str,
    note: Option<String>,
    tell: bool,
) -> Result<remedy_step::Model, DomainError> {
    let now = w.now();
    let actor = w.ctx().actor.id.clone();
    let row = w
        .insert(remedy_step::ActiveModel {
            id: Set(Uuid::now_v7()),
            subject_type: Set(subject_type.to_owned()),
            subject_id: Set(subject_id),
            step: Set(step.to_owned()),
            status_after: Set(status_after.to_owned()),
            note: Set(note),
            actor: Set(actor),
            at: Set(now),
        })
        .await?;
    // Integrators hear of every step.
    let event = webhook_event_of(subject_type, step);
    crate::webhooks::events::record(w, event, subject_id).await?;
    if tell {
        let notice = StepNotice {
            step_id: row.id,
            subject_type: subject_type.to_owned(),
            subject_id,
        };
        let topic = if subject_type == claims::SUBJECT_TYPE {
            topic::CLAIM_STEP
        } else {
            topic::RETURN_STEP
        };
        w.emit(topic, row.id, &notice).await?;
    }
    Ok(row)
}

/// The steps of each of `subject_ids` (claims or returns: their ids never
/// collide), oldest first, in one query for a page of them.
pub async fn steps_by_subject<C: ConnectionTrait>(
    conn: &C,
    subject_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<remedy_step::Model>>, DbErr> {
    crate::kernel::db::children_of::<remedy_step::Entity, _>(conn, subject_ids).await
}

crate::find_by_id! {
    /// One step (the worker's email reads it).
    pub fn find_step -> remedy_step
}

/// The address a claim's or return's customer is emailed at: the
/// customer's, or a guest order's contact address.
pub async fn recipient_of<C: ConnectionTrait>(
    conn: &C,
    customer_id: Option<Uuid>,
    order_id: Option<Uuid>,
) -> Result<Option<String>, DbErr> {
    if let Some(customer) = customer_id {
        return Ok(crate::customers::find(conn, customer)
            .await?
            .and_then(|c| c.email));
    }
    let Some(order) = order_id else {
        return Ok(None);
    };
    Ok(sales_order::Entity::find_by_id(order)
        .one(conn)
        .await?
        .and_then(|o| o.contact_email))
}

/// The address a step's customer is emailed at (none: not told).
pub async fn step_recipient<C: ConnectionTrait>(
    conn: &C,
    step: &remedy_step::Model,
) -> Result<Option<String>, DbErr> {
    let (customer, order) = match step.subject_type.as_str() {
        claims::SUBJECT_TYPE => match guarantee_claim::Entity::find_by_id(step.subject_id)
            .one(conn)
            .await?
        {
            Some(c) => (c.customer_id, c.order_id),
            None => return Ok(None),
        },
        _ => match return_request::Entity::find_by_id(step.subject_id)
            .one(conn)
            .await?
        {
            Some(r) => (r.customer_id, Some(r.order_id)),
            None => return Ok(None),
        },
    };
    recipient_of(conn, customer, order).await
}

// ---- Money back -------------------------------------------------------

/// How money goes back to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyBack {
    /// A refund of a card payment (its REFUND approval, then the provider;
    /// the adjustment note follows the provider's confirmation).
    CardRefund { refund_id: Uuid },
    /// A REFUND approval on the claim or return itself: approved, an
    /// adjustment note is issued and the money is paid outside the hub
    /// (a bank transfer, or an engagement's invoice paid outside it).
    Approval { approval_id: Uuid },
}

/// Who is paid back, for what, on which subject.
pub struct PayBack<'a> {
    /// `claims::SUBJECT_TYPE` or `returns::SUBJECT_TYPE`.
    pub subject_type: &'a str,
    pub subject_id: Uuid,
    /// The order paid (none for an engagement's services).
    pub order_id: Option<Uuid>,
    pub owner_party: Option<Uuid>,
    pub amount: Money,
    pub reason: String,
}

/// Start paying `amount` back, in the caller's write: a card refund when
/// the order has a card payment with that much still refundable, else a
/// REFUND approval on the subject. Either way nothing is paid until the
/// approval is granted.
pub async fn pay_back(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    back: &PayBack<'_>,
) -> Result<MoneyBack, DomainError> {
    if let Some(order_id) = back.order_id {
        let paid = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(order_id))
            .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
            .filter(payment::Column::Method.eq(PaymentMethod::Card))
            .order_by_asc(payment::Column::Id)
            .all(w.conn())
            .await?;
        for payment in paid {
            let left =
                payment.amount_cents - refunds::committed_cents(w.conn(), payment.id).await?;
            if left >= back.amount.cents() {
                let row =
                    refunds::request_in(w, calendar, &payment, back.amount, back.reason.clone())
                        .await?;
                return Ok(MoneyBack::CardRefund { refund_id: row.id });
            }
        }
    }
    let approval_id = Uuid::now_v7();
    let new = NewApproval {
        kind: ApprovalKind::Refund,
        subject_type: back.subject_type.to_owned(),
        subject_id: back.subject_id,
        owner_party: back.owner_party,
        amount: Some(back.amount.to_string()),
        reason: back.reason.clone(),
    };
    approvals::request_in_with_id(w, calendar, &new, approval_id).await?;
    Ok(MoneyBack::Approval { approval_id })
}

/// The invoice money is paid back against: the order's, or the
/// engagement's latest.
pub async fn invoice_of<C: ConnectionTrait>(
    conn: &C,
    order_id: Option<Uuid>,
    engagement_id: Option<Uuid>,
) -> Result<Option<Invoice>, DbErr> {
    let found = match (order_id, engagement_id) {
        (Some(order), _) => invoices::of_subject(conn, crate::orders::SUBJECT_TYPE, order).await?,
        (None, Some(engagement)) => {
            invoices::of_subject(conn, crate::engagements::SUBJECT_TYPE, engagement).await?
        }
        (None, None) => None,
    };
    let Some(invoice) = found else {
        return Ok(None);
    };
    let lines = invoices::lines_of(conn, &[invoice.id]).await?;
    Ok(Some(Invoice { invoice, lines }))
}

/// What can still be paid back on an invoice (not yet adjusted).
pub async fn refundable<C: ConnectionTrait>(conn: &C, invoice: &Invoice) -> Result<Money, DbErr> {
    notes::remaining(conn, &invoice.invoice).await
}

/// The adjustment note for money paid back outside the hub (an approved
/// REFUND approval on a claim or return), in the deciding write.
pub async fn note_for_approved(
    w: &mut Write<'_>,
    invoice: &Invoice,
    amount: Money,
    reason: &str,
) -> Result<Uuid, DomainError> {
    let left = notes::remaining(w.conn(), &invoice.invoice).await?;
    let change = if left.cents() == amount.cents() {
        notes::Change::Remaining
    } else {
        notes::Change::Decrease(amount)
    };
    let note = notes::issue_in(w, invoice, change, reason, &Actor::system()).await?;
    Ok(note.note.id)
}

// ---- Seams the other flows call ---------------------------------------

/// A REFUND approval on a claim or return closed (in the deciding write).
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    match request.subject_type.as_str() {
        claims::SUBJECT_TYPE => claims::on_approval_closed(w, request).await,
        returns::SUBJECT_TYPE => returns::on_approval_closed(w, request).await,
        _ => Ok(()),
    }
}

/// A refund ended (SUCCEEDED, or FAILED: refused at approval or by the
/// provider), in the write that recorded it: the claim or return it pays
/// moves on.
pub async fn on_refund_outcome(
    w: &mut Write<'_>,
    refund: &refund::Model,
) -> Result<(), DomainError> {
    claims::on_refund_outcome(w, refund).await?;
    returns::on_refund_outcome(w, refund).await
}

/// A replacement order was delivered, in the write that recorded it.
pub async fn on_replacement_delivered(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    if order.replacement_of.is_none() {
        return Ok(());
    }
    claims::on_replacement_delivered(w, order).await?;
    returns::on_replacement_delivered(w, order).await
}

/// Units of an order line already spoken for: in a return not rejected or
/// cancelled, or held by a claim ([`claim_state::holds_units`]). No new
/// return or claim may count them again, so one unit is never paid back
/// twice.
pub async fn units_spoken_for<C: ConnectionTrait>(
    conn: &C,
    order_line_id: Uuid,
) -> Result<i64, DbErr> {
    let lines = return_line::Entity::find()
        .filter(return_line::Column::OrderLineId.eq(order_line_id))
        .all(conn)
        .await?;
    let live: Vec<Uuid> = return_request::Entity::find()
        .filter(return_request::Column::Id.is_in(lines.iter().map(|l| l.return_id)))
        .filter(
            return_request::Column::Status
                .is_not_in([ReturnStatus::Rejected, ReturnStatus::Cancelled]),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let returned: i64 = lines
        .iter()
        .filter(|l| live.contains(&l.return_id))
        .map(|l| i64::from(l.quantity))
        .sum();
    let claimed: i64 = guarantee_claim::Entity::find()
        .filter(guarantee_claim::Column::OrderLineId.eq(order_line_id))
        .all(conn)
        .await?
        .iter()
        .filter(|c| claim_state::holds_units(c.status, c.remedy))
        .map(|c| i64::from(c.quantity))
        .sum();
    Ok(returned + claimed)
}

/// Whether an open claim or return keeps the order from closing.
pub async fn holds_closure<C: ConnectionTrait>(conn: &C, order_id: Uuid) -> Result<bool, DbErr> {
    let open_claims = guarantee_claim::Entity::find()
        .filter(guarantee_claim::Column::OrderId.eq(order_id))
        .filter(guarantee_claim::Column::Status.is_in(claim_state::OPEN))
        .one(conn)
        .await?;
    if open_claims.is_some() {
        return Ok(true);
    }
    let open_returns = return_request::Entity::find()
        .filter(return_request::Column::OrderId.eq(order_id))
        .filter(return_request::Column::Status.is_in(return_state::OPEN))
        .one(conn)
        .await?;
    Ok(open_returns.is_some())
}

/// Assert that every status of `ended` is not among `open` and that `apply`
/// refuses every event of `events` from it.
#[cfg(test)]
pub(crate) fn assert_ended<S, E, T, I>(
    ended: &[S],
    open: &[S],
    events: &[E],
    apply: impl Fn(S, E) -> Result<T, I>,
) where
    S: Copy + PartialEq + std::fmt::Debug,
    E: Copy + std::fmt::Debug,
{
    for &end in ended {
        assert!(!open.contains(&end));
        for &event in events {
            assert!(apply(end, event).is_err(), "{end:?} {event:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{assert_ended, assert_exactly};
    use Light::{Broken, Off, On};

    /// A light switch, which may also be broken for good.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter)]
    enum Light {
        Off,
        On,
        Broken,
    }

    /// Switch to `to`: ON only from OFF, OFF only from ON.
    fn flip(from: Light, to: Light) -> Result<Light, (Light, Light)> {
        match (from, to) {
            (Off, On) | (On, Off) => Ok(to),
            _ => Err((from, to)),
        }
    }

    const ALLOWED: [(Light, Light, Light); 2] = [(Off, On, On), (On, Off, Off)];

    #[test]
    fn exactly_the_allowed_steps_pass() {
        assert_exactly(&[Off, On], &ALLOWED, flip, |s, e| (s, e));
    }

    #[test]
    #[should_panic]
    fn a_missing_step_fails() {
        assert_exactly(&[Off, On], &ALLOWED[..1], flip, |s, e| (s, e));
    }

    #[test]
    #[should_panic]
    fn a_wrong_refusal_fails() {
        assert_exactly(&[Off, On], &ALLOWED, flip, |s, _| (s, s));
    }

    #[test]
    fn an_ended_status_allows_nothing() {
        assert_ended(&[Broken], &[Off, On], &[Off, On], flip);
    }

    #[test]
    #[should_panic]
    fn an_ended_status_that_allows_a_step_fails() {
        assert_ended(&[Off], &[On], &[Off, On], flip);
    }

    #[test]
    fn the_first_step_opens_a_claim_or_return_and_every_later_one_updates_it() {
        use super::{WebhookEventType as E, claims, returns, webhook_event_of};
        let cases = [
            (claims::SUBJECT_TYPE, claims::step::LODGED, E::ClaimLodged),
            (
                claims::SUBJECT_TYPE,
                claims::step::ASSESSED,
                E::ClaimUpdated,
            ),
            (
                claims::SUBJECT_TYPE,
                claims::step::REMEDIED,
                E::ClaimUpdated,
            ),
            (
                returns::SUBJECT_TYPE,
                returns::step::REQUESTED,
                E::ReturnRequested,
            ),
            (
                returns::SUBJECT_TYPE,
                returns::step::RECEIVED,
                E::ReturnUpdated,
            ),
            (
                returns::SUBJECT_TYPE,
                returns::step::COMPLETED,
                E::ReturnUpdated,
            ),
        ];
        for (subject, step, event) in cases {
            assert_eq!(webhook_event_of(subject, step), event, "{step}");
        }
    }
}
