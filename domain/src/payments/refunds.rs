//! Refunds of card payments: asked for by FINANCE (never more than was paid
//! and not yet refunded), gated by the REFUND approval, paid back by the
//! provider after commit (idempotent by the refund's id), and given their
//! adjustment note in the transaction that records the provider's
//! confirmation (DESIGN "Refunds and their notes"); a refund that fails for
//! good leaves no note.

use super::provider::{PaymentProvider, ProviderError, RefundOutcome, RefundRequest};
use crate::approvals::{self, NewApproval};
use crate::invoices::{self, Invoice, notes};
use crate::kernel::db::{find_for_update, find_row};
use crate::kernel::{
    Actor, Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope,
    Write, fetch_scoped_page,
};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::money::Money;
use entity::{
    ApprovalKind, ApprovalStatus, PaymentMethod, PaymentStatus, RefundStatus, approval_request,
    payment, refund,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "refund";

crate::stamped!(refund);

/// The `payment.refund` event.
#[derive(Debug, Serialize, Deserialize)]
pub struct RefundEvent {
    pub refund_id: Uuid,
}

async fn load<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    lock: bool,
) -> Result<Option<refund::Model>, DbErr> {
    find_row::<refund::Entity, _>(conn, id, lock).await
}

async fn update(
    w: &mut Write<'_>,
    before: &refund::Model,
    change: impl FnOnce(&mut refund::ActiveModel),
) -> Result<refund::Model, DomainError> {
    w.change::<refund::Entity>(before.id, before.version, change)
        .await
}

/// Cents of a payment already refunded or on their way back (every refund
/// not FAILED).
pub async fn committed_cents<C: ConnectionTrait>(conn: &C, payment_id: Uuid) -> Result<i64, DbErr> {
    let amounts: Vec<i64> = refund::Entity::find()
        .select_only()
        .column(refund::Column::AmountCents)
        .filter(refund::Column::PaymentId.eq(payment_id))
        .filter(refund::Column::Status.ne(RefundStatus::Failed))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(amounts.iter().sum())
}

/// Ask for part or all of a card payment back (FINANCE, ADMIN): a refund row
/// and its REFUND approval in one transaction.
pub async fn request(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    payment_id: Uuid,
    amount: &str,
    reason: &str,
) -> Result<Committed<refund::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageFinance).await?;
    let mut fields = Fields::new();
    let amount = fields.optional("amount", Some(amount), Money::parse);
    let reason = fields.text("reason", reason, 500);
    if amount.is_some_and(|a| a.cents() <= 0) {
        fields.refuse(
            "amount",
            ErrorCode::OutOfRange,
            "a refund is more than $0.00",
        );
    }
    let (amount, reason) = fields.finish(|| Some((amount?, reason?)))?;
    // Refunds of one payment queue on it, so together they never exceed it.
    let paid = find_for_update::<payment::Entity, _>(w.conn(), payment_id)
        .await?
        .ok_or_else(|| DomainError::not_found("paymentId", "payment"))?;
    if paid.status != PaymentStatus::Succeeded {
        return Err(DomainError::rejected(
            &["paymentId"],
            ErrorCode::IllegalTransition,
            format!(
                "only a paid payment is refunded; this one is {}",
                paid.status
            ),
        ));
    }
    if paid.method != PaymentMethod::Card {
        return Err(DomainError::rejected(
            &["paymentId"],
            ErrorCode::InvalidState,
            "bank transfers are refunded by transfer, outside the hub",
        ));
    }
    let left = paid.amount_cents - committed_cents(w.conn(), paid.id).await?;
    if amount.cents() > left {
        return Err(DomainError::rejected(
            &["amount"],
            ErrorCode::OutOfRange,
            format!(
                "{amount} is more than the {} paid and not yet refunded",
                Money::from_cents(left)
            ),
        ));
    }
    let row = request_in(&mut w, calendar, &paid, amount, reason).await?;
    w.commit(row).await
}

/// A refund of `amount` on a paid payment and its REFUND approval, in the
/// caller's write (checked by the caller: never more than is left).
pub(crate) async fn request_in(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    paid: &payment::Model,
    amount: Money,
    reason: String,
) -> Result<refund::Model, DomainError> {
    let now = w.now();
    let approval_id = Uuid::now_v7();
    let row = w
        .insert(refund::ActiveModel {
            id: Set(Uuid::now_v7()),
            payment_id: Set(paid.id),
            order_id: Set(paid.order_id),
            customer_id: Set(paid.customer_id),
            status: Set(RefundStatus::AwaitingApproval),
            amount_cents: Set(amount.cents()),
            reason: Set(reason.clone()),
            approval_id: Set(Some(approval_id)),
            provider_reference: Set(None),
            failure_reason: Set(None),
            adjustment_note_id: Set(None),
            attempts: Set(0),
            requested_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    w.audit(SUBJECT_TYPE, row.id, "refund.requested", None, Some(&row))
        .await?;
    let new = NewApproval {
        kind: ApprovalKind::Refund,
        subject_type: SUBJECT_TYPE.into(),
        subject_id: row.id,
        owner_party: paid.customer_id,
        amount: Some(amount.to_string()),
        reason,
    };
    approvals::request_in_with_id(w, calendar, &new, approval_id).await?;
    Ok(load(w.conn(), row.id, false).await?.unwrap_or(row))
}

/// Refund everything still refundable on an order's paid card payments (an
/// order cancelled after payment), in the caller's write. A bank transfer
/// is refunded outside the hub, so an order paid that way is refused.
pub(crate) async fn refund_order_in(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    order_id: Uuid,
    reason: &str,
) -> Result<Vec<refund::Model>, DomainError> {
    let paid = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
        .all(w.conn())
        .await?;
    if paid.iter().any(|p| p.method != PaymentMethod::Card) {
        return Err(DomainError::rejected(
            &["id"],
            ErrorCode::InvalidState,
            "the order was paid by bank transfer: refund it outside the hub first",
        ));
    }
    let mut refunds = Vec::new();
    for payment in paid {
        let left = payment.amount_cents - committed_cents(w.conn(), payment.id).await?;
        if left > 0 {
            let amount = Money::from_cents(left);
            refunds.push(request_in(w, calendar, &payment, amount, reason.to_owned()).await?);
        }
    }
    Ok(refunds)
}

/// The REFUND approval of a refund closed (in the deciding write): approved
/// queues the provider call; anything else ends the refund without a note.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(before) = load(w.conn(), request.subject_id, true).await? else {
        return Ok(());
    };
    if before.status != RefundStatus::AwaitingApproval {
        return Ok(());
    }
    let system = Actor::system();
    if request.status == ApprovalStatus::Approved {
        let after = update(w, &before, |r| r.status = Set(RefundStatus::Refunding)).await?;
        w.audit_as(
            &system,
            SUBJECT_TYPE,
            after.id,
            "refund.approved",
            Some(&before),
            Some(&after),
        )
        .await?;
        let event = RefundEvent {
            refund_id: after.id,
        };
        w.emit(topic::PAYMENT_REFUND, after.id, &event).await
    } else {
        let reason = format!(
            "refund approval {}",
            request.status.to_string().to_lowercase()
        );
        let after = update(w, &before, |r| {
            r.status = Set(RefundStatus::Failed);
            r.failure_reason = Set(Some(reason));
        })
        .await?;
        w.audit_as(
            &system,
            SUBJECT_TYPE,
            after.id,
            "refund.failed",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::aftersales::on_refund_outcome(w, &after).await
    }
}

/// Pay an approved refund back at the provider (the worker, after commit):
/// ask about an earlier unanswered call first, refund once by the refund's
/// id, and record the outcome; a confirmed refund gets its adjustment note
/// in the same transaction. Returns whether it was refunded.
pub async fn run(
    db: &DatabaseConnection,
    ctx: &Ctx,
    provider: &dyn PaymentProvider,
    refund_id: Uuid,
) -> Result<Option<bool>, DomainError> {
    let Some(current) = load(db, refund_id, false).await? else {
        return Ok(None);
    };
    if current.status != RefundStatus::Refunding {
        return Ok(None);
    }
    let unavailable = |e: ProviderError| DomainError::internal(e);
    let earlier = if current.attempts > 0 {
        provider
            .refund_status(current.id)
            .await
            .map_err(unavailable)?
    } else {
        None
    };
    let outcome = match earlier {
        Some(outcome) => outcome,
        None => {
            refund::Entity::update_many()
                .col_expr(
                    refund::Column::Attempts,
                    sea_orm::sea_query::Expr::value(current.attempts + 1),
                )
                .filter(refund::Column::Id.eq(current.id))
                .exec(db)
                .await?;
            let request = RefundRequest {
                key: current.id,
                charge_key: current.payment_id,
                amount: Money::from_cents(current.amount_cents),
            };
            provider.refund(&request).await.map_err(unavailable)?
        }
    };
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) = load(w.conn(), refund_id, true).await? else {
        return Ok(None);
    };
    if before.status != RefundStatus::Refunding {
        return Ok(None);
    }
    let refunded = match outcome {
        RefundOutcome::Refunded { reference } => {
            let note = note_for(&mut w, &before, &ctx.actor).await?;
            settle(&mut w, &before, "refund.succeeded", |r| {
                r.status = Set(RefundStatus::Succeeded);
                r.provider_reference = Set(Some(reference));
                r.adjustment_note_id = Set(note);
            })
            .await?;
            true
        }
        RefundOutcome::Refused { reason } => {
            settle(&mut w, &before, "refund.failed", |r| {
                r.status = Set(RefundStatus::Failed);
                r.failure_reason = Set(Some(reason));
            })
            .await?;
            false
        }
    };
    w.commit(()).await?;
    Ok(Some(refunded))
}

/// Record the provider's answer on a refunding refund (`change`, audited as
/// `action` by the caller) and tell the claim or return it pays.
async fn settle(
    w: &mut Write<'_>,
    before: &refund::Model,
    action: &str,
    change: impl FnOnce(&mut refund::ActiveModel),
) -> Result<(), DomainError> {
    let after = update(w, before, change).await?;
    w.audit(SUBJECT_TYPE, after.id, action, Some(before), Some(&after))
        .await?;
    crate::aftersales::on_refund_outcome(w, &after).await
}

/// The adjustment note of a confirmed refund, against the order's invoice.
async fn note_for(
    w: &mut Write<'_>,
    refund: &refund::Model,
    actor: &Actor,
) -> Result<Option<Uuid>, DomainError> {
    let Some(invoice) =
        invoices::of_subject(w.conn(), crate::orders::SUBJECT_TYPE, refund.order_id).await?
    else {
        return Ok(None);
    };
    let lines = invoices::lines_of(w.conn(), &[invoice.id]).await?;
    let invoice = Invoice { invoice, lines };
    // Refunding all that is left reverses the invoice exactly. The money has
    // already gone back, so nothing here may refuse: where notes already
    // reduced the invoice by some of what was paid, the note takes only
    // what is left (and none is issued when nothing is).
    let left = notes::remaining(w.conn(), &invoice.invoice).await?;
    let change = if left.is_zero() {
        return Ok(None);
    } else if refund.amount_cents >= left.cents() {
        notes::Change::Remaining
    } else {
        notes::Change::Decrease(Money::from_cents(refund.amount_cents))
    };
    let reason = format!("Refund: {}", refund.reason);
    let note = notes::issue_in(w, &invoice, change, &reason, actor).await?;
    Ok(Some(note.note.id))
}

// ---- Reading ----------------------------------------------------------

fn visible_to(ctx: &Ctx, r: &refund::Model) -> bool {
    Scope::of_ctx(ctx).sees(r.customer_id)
}

/// A refund the caller may see (staff; a customer its own).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<refund::Model>, DbErr> {
    Ok(load(conn, id, false).await?.filter(|r| visible_to(ctx, r)))
}

/// The refunds the caller may see, oldest first (of one payment when given).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    payment_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<refund::Model>, DomainError> {
    Permission::PlaceOrders.require(ctx)?;
    let mut query = refund::Entity::find();
    if let Some(payment) = payment_id {
        query = query.filter(refund::Column::PaymentId.eq(payment));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (refund::Column::CustomerId, refund::Column::Id);
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |r| r.id).await?)
}
