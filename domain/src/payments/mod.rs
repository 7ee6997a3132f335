//! Payments (order flow step 6): a capture asked for once per
//! Idempotency-Key, gated by the PAYMENT_PROCESSING approval, charged by the
//! provider after commit (an outbox job, idempotent by the payment's id),
//! and recorded with the order's move in one transaction. A bank transfer
//! waits for the remittance FINANCE records.
//!
//! Never charging twice rests on three things: the order moves to
//! AWAITING_PAYMENT with the payment row (a second capture of the same order
//! is refused while one is in progress); the provider charges once per
//! payment id; and a call whose answer was lost is resolved by asking the
//! provider before any retry.

pub mod provider;
pub mod refunds;
pub mod state;

use crate::approvals::{self, NewApproval};
use crate::invoices;
use crate::kernel::db::find_row;
use crate::kernel::{
    Actor, Committed, Ctx, DomainError, ErrorCode, Fields, IdempotencyKey, Page, PageRequest,
    Permission, Scope, Write, fetch_scoped_page,
};
use crate::orders::{self, state::Event as OrderEvent};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::money::Money;
use entity::{
    ApprovalKind, ApprovalStatus, OrderStatus, PaymentMethod, PaymentStatus, approval_request,
    payment,
};
use provider::{CaptureOutcome, CaptureRequest, PaymentProvider, ProviderError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use state::Event;
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "payment";

crate::stamped!(payment);

/// A capture as asked for.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureInput {
    pub order_id: Uuid,
    pub method: PaymentMethod,
    /// Dollars; when given it must be the amount due.
    pub amount: Option<String>,
    /// ISO 4217; AUD when omitted, and only AUD is accepted.
    pub currency: Option<String>,
    /// The card number (CARD).
    pub card_number: Option<String>,
}

/// The `payment.capture` and `payment.succeeded` events.
#[derive(Debug, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub payment_id: Uuid,
}

fn card_digits(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() >= 12 && digits.len() <= 19 && digits.chars().all(|c| c.is_ascii_digit()))
        .then_some(digits)
}

async fn load<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    lock: bool,
) -> Result<Option<payment::Model>, DbErr> {
    find_row::<payment::Entity, _>(conn, id, lock).await
}

async fn update(
    w: &mut Write<'_>,
    before: &payment::Model,
    change: impl FnOnce(&mut payment::ActiveModel),
) -> Result<payment::Model, DomainError> {
    w.change::<payment::Entity>(before.id, before.version, change)
        .await
}

/// Ask for an invoiced order to be paid (the customer its own, or staff):
/// a payment row and the PAYMENT_PROCESSING approval, with the order moved
/// to AWAITING_PAYMENT, in one transaction; honours an `Idempotency-Key`.
pub async fn capture(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &CaptureInput,
    key: Option<&IdempotencyKey>,
) -> Result<Committed<payment::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::PlaceOrders).await?;
    if let Some(replayed) = w.replay(key, input).await? {
        return Ok(replayed);
    }
    let mut fields = Fields::new();
    let currency = input
        .currency
        .as_deref()
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_else(|| "AUD".into());
    if currency != "AUD" {
        fields.refuse(
            "currency",
            ErrorCode::UnsupportedCurrency,
            format!("payments are taken in AUD, not '{currency}'"),
        );
    }
    let amount = input
        .amount
        .as_deref()
        .and_then(|a| fields.optional("amount", Some(a), Money::parse));
    if amount.is_some_and(|a| a.cents() <= 0) {
        fields.refuse(
            "amount",
            ErrorCode::OutOfRange,
            "an amount is more than $0.00",
        );
    }
    let card = match input.method {
        PaymentMethod::Card => match input.card_number.as_deref().map(str::trim) {
            None | Some("") => {
                fields.refuse(
                    "cardNumber",
                    ErrorCode::Required,
                    "a card payment needs a card number",
                );
                None
            }
            Some(raw) => {
                let digits = card_digits(raw);
                if digits.is_none() {
                    fields.refuse(
                        "cardNumber",
                        ErrorCode::OutOfRange,
                        "a card number has 12 to 19 digits",
                    );
                }
                digits
            }
        },
        PaymentMethod::BankTransfer => None,
        // The payer approves at the wallet provider; it charges its account.
        PaymentMethod::Paypal => Some(provider::WALLET.to_owned()),
    };
    fields.finish(|| Some(()))?;

    let order = orders::load(w.conn(), input.order_id, true)
        .await?
        .filter(|o| orders::visible_to(ctx, &o.order))
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?
        .order;
    let invoice = invoices::of_subject(w.conn(), orders::SUBJECT_TYPE, order.id).await?;
    let due = match &invoice {
        Some(i) => invoices::notes::remaining(w.conn(), i).await?,
        None => Money::ZERO,
    };
    let actor = ctx.actor.clone();
    let payment_id = Uuid::now_v7();
    let approval_id = Uuid::now_v7();
    let after =
        orders::move_for_payment(&mut w, &order, OrderEvent::PaymentRequested, None, &actor)
            .await?;
    if let Some(a) = amount.filter(|a| *a != due) {
        return Err(DomainError::rejected(
            &["amount"],
            ErrorCode::AmountMismatch,
            format!("{} is due on {}, not {a}", due, order.number),
        ));
    }
    let now = w.now();
    let row = w
        .insert(payment::ActiveModel {
            id: Set(payment_id),
            order_id: Set(order.id),
            customer_id: Set(order.customer_id),
            method: Set(input.method),
            status: Set(PaymentStatus::AwaitingApproval),
            amount_cents: Set(due.cents()),
            currency: Set(currency),
            card_last4: Set(card
                .as_deref()
                .filter(|_| input.method == PaymentMethod::Card)
                .map(|c| c[c.len() - 4..].to_owned())),
            card_token: Set(card),
            approval_id: Set(Some(approval_id)),
            provider_reference: Set(None),
            failure_reason: Set(None),
            remittance_reference: Set(None),
            attempts: Set(0),
            requested_by: Set(actor.id.clone()),
            paid_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    w.audit(SUBJECT_TYPE, row.id, "payment.requested", None, Some(&row))
        .await?;
    w.touch(after.id);
    let new = NewApproval {
        kind: ApprovalKind::PaymentProcessing,
        subject_type: SUBJECT_TYPE.into(),
        subject_id: row.id,
        owner_party: order.customer_id,
        amount: Some(due.to_string()),
        reason: format!("Take {} for {}", due, order.number),
    };
    approvals::request_in_with_id(&mut w, calendar, &new, approval_id).await?;
    // An auto-approved capture has moved on; answer with what it is now.
    let now_row = load(w.conn(), row.id, false).await?.unwrap_or(row);
    w.commit(now_row).await
}

/// The PAYMENT_PROCESSING approval of a payment closed (in the deciding
/// write): approved queues the capture (or waits for the remittance);
/// anything else fails the payment and leaves the order payable.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(before) = load(w.conn(), request.subject_id, true).await? else {
        return Ok(());
    };
    if before.status != PaymentStatus::AwaitingApproval {
        return Ok(());
    }
    let system = Actor::system();
    if request.status == ApprovalStatus::Approved {
        let method = before.method;
        let status = state::apply(before.status, Event::Approved { method })
            .map_err(|i| DomainError::internal(format!("payment is {}", i.from)))?;
        let after = update(w, &before, |p| p.status = Set(status)).await?;
        w.audit_as(
            &system,
            SUBJECT_TYPE,
            after.id,
            "payment.approved",
            Some(&before),
            Some(&after),
        )
        .await?;
        if status == PaymentStatus::Capturing {
            let event = PaymentEvent {
                payment_id: after.id,
            };
            w.emit(topic::PAYMENT_CAPTURE, after.id, &event).await?;
        }
        Ok(())
    } else {
        let reason = format!(
            "payment approval {}",
            request.status.to_string().to_lowercase()
        );
        fail(w, &before, reason, &system).await
    }
}

/// The payer came back from the wallet provider's approval page (the
/// simulated provider's page posts here): approved queues the capture,
/// cancelled fails the payment and leaves the order payable. Nothing when
/// the payment moved on meanwhile (a second click).
pub async fn payer_answered(
    db: &DatabaseConnection,
    ctx: &Ctx,
    payment_id: Uuid,
    approved: bool,
) -> Result<Committed<Option<payment::Model>>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) = load(w.conn(), payment_id, true).await? else {
        return w.commit(None).await;
    };
    if before.status != PaymentStatus::AwaitingPayer {
        return w.commit(None).await;
    }
    let actor = ctx.actor.clone();
    if approved {
        let status = state::apply(before.status, Event::PayerAnswered { approved })
            .map_err(|i| DomainError::internal(format!("payment is {}", i.from)))?;
        let after = update(&mut w, &before, |p| p.status = Set(status)).await?;
        w.audit_as(
            &actor,
            SUBJECT_TYPE,
            after.id,
            "payment.payer_approved",
            Some(&before),
            Some(&after),
        )
        .await?;
        let event = PaymentEvent {
            payment_id: after.id,
        };
        w.emit(topic::PAYMENT_CAPTURE, after.id, &event).await?;
    } else {
        fail(
            &mut w,
            &before,
            "the payer cancelled at the provider".into(),
            &actor,
        )
        .await?;
    }
    let after = load(w.conn(), payment_id, false).await?;
    w.commit(after).await
}

/// Fail a payment and make its order payable again, saying why.
async fn fail(
    w: &mut Write<'_>,
    before: &payment::Model,
    reason: String,
    actor: &Actor,
) -> Result<(), DomainError> {
    let status = state::apply(before.status, Event::Failed)
        .or_else(|_| state::apply(before.status, Event::Refused))
        .map_err(|i| DomainError::internal(format!("payment is {}", i.from)))?;
    let after = update(w, before, |p| {
        p.status = Set(status);
        p.failure_reason = Set(Some(reason.clone()));
    })
    .await?;
    w.audit_as(
        actor,
        SUBJECT_TYPE,
        after.id,
        "payment.failed",
        Some(before),
        Some(&after),
    )
    .await?;
    if let Some(order) = orders::load(w.conn(), before.order_id, true).await?
        && order.order.status == OrderStatus::AwaitingPayment
    {
        let why = Some(format!("payment failed: {reason}"));
        orders::move_for_payment(w, &order.order, OrderEvent::PaymentFailed, why, actor).await?;
    }
    Ok(())
}

/// Give up on a payment that waits on the payer (FINANCE, ADMIN): a bank
/// transfer whose remittance never came, or a wallet payment its payer never
/// answered. FAILED with `reason`; its order is payable again, and lapses
/// when its reservation window has ended (or is cancelled by staff).
/// Nothing else is withdrawn this way: a capture is in flight with the
/// provider, and a payment awaiting its approval ends with that approval.
pub async fn withdraw(
    db: &DatabaseConnection,
    ctx: &Ctx,
    payment_id: Uuid,
    reason: &str,
) -> Result<Committed<payment::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageFinance).await?;
    let reason = crate::kernel::reason(reason)?;
    let before = load(w.conn(), payment_id, true)
        .await?
        .ok_or_else(|| DomainError::not_found("paymentId", "payment"))?;
    if !matches!(
        before.status,
        PaymentStatus::AwaitingRemittance | PaymentStatus::AwaitingPayer
    ) {
        return Err(DomainError::rejected(
            &["paymentId"],
            ErrorCode::IllegalTransition,
            format!(
                "the payment is {}: only one awaiting a remittance or its payer is withdrawn",
                before.status
            ),
        ));
    }
    let actor = ctx.actor.clone();
    fail(&mut w, &before, format!("withdrawn: {reason}"), &actor).await?;
    let after = load(w.conn(), payment_id, false)
        .await?
        .ok_or_else(|| DomainError::internal("the payment went away"))?;
    w.commit(after).await
}

/// An order's wallet payment whose payer never came back to approve it, as
/// its reservation lapses: FAILED, and the order payable (then lapsed by
/// the caller). Whether there was one; a pending approval, a capture or a
/// bank transfer awaiting its remittance still holds the order (DESIGN
/// "Unpaid orders").
pub(crate) async fn fail_unanswered_wallet(
    w: &mut Write<'_>,
    order_id: Uuid,
) -> Result<bool, DomainError> {
    let waiting = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::AwaitingPayer))
        .one(w.conn())
        .await?;
    let Some(waiting) = waiting else {
        return Ok(false);
    };
    let Some(before) = load(w.conn(), waiting.id, true).await? else {
        return Ok(false);
    };
    let reason = "the payer did not approve it before the reservation lapsed".to_owned();
    fail(w, &before, reason, &Actor::system()).await?;
    Ok(true)
}

/// Record a payment as paid and its order PAID, and queue the receipt.
async fn succeed(
    w: &mut Write<'_>,
    before: &payment::Model,
    change: impl FnOnce(&mut payment::ActiveModel),
    actor: &Actor,
) -> Result<payment::Model, DomainError> {
    let status = state::apply(before.status, Event::Paid).map_err(|i| {
        DomainError::rejected(
            &["paymentId"],
            ErrorCode::IllegalTransition,
            format!("the payment is {}", i.from),
        )
    })?;
    let paid_at = w.now();
    let after = update(w, before, |p| {
        p.status = Set(status);
        p.paid_at = Set(Some(paid_at));
        change(p);
    })
    .await?;
    w.audit_as(
        actor,
        SUBJECT_TYPE,
        after.id,
        "payment.succeeded",
        Some(before),
        Some(&after),
    )
    .await?;
    if let Some(order) = orders::load(w.conn(), before.order_id, true).await? {
        orders::move_for_payment(w, &order.order, OrderEvent::Paid, None, actor).await?;
    }
    let event = PaymentEvent {
        payment_id: after.id,
    };
    w.emit(topic::PAYMENT_SUCCEEDED, after.id, &event).await?;
    crate::webhooks::events::record(w, entity::WebhookEventType::PaymentCaptured, after.id).await?;
    Ok(after)
}

/// What a capture run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureRun {
    /// Nothing to do (not capturing any more).
    Nothing,
    Succeeded,
    Failed(String),
}

/// Capture an approved card payment (the worker, after commit): ask the
/// provider what happened to an earlier unanswered call first, then charge
/// once by the payment's id and record the outcome with the order's move.
/// A timeout is an error: the job is retried and asks first.
pub async fn run_capture(
    db: &DatabaseConnection,
    ctx: &Ctx,
    provider: &dyn PaymentProvider,
    payment_id: Uuid,
) -> Result<CaptureRun, DomainError> {
    let Some(payment) = load(db, payment_id, false).await? else {
        return Ok(CaptureRun::Nothing);
    };
    if payment.status != PaymentStatus::Capturing {
        return Ok(CaptureRun::Nothing);
    }
    let unavailable = |e: ProviderError| DomainError::internal(e);
    let earlier = if payment.attempts > 0 {
        provider.status(payment.id).await.map_err(unavailable)?
    } else {
        None
    };
    let outcome = match earlier {
        Some(outcome) => outcome,
        None => {
            // An order ended meanwhile is not charged at all.
            let order = orders::find(db, payment.order_id).await?;
            if order.is_none_or(|o| o.order.status != OrderStatus::AwaitingPayment) {
                let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
                if let Some(before) = load(w.conn(), payment.id, true).await?
                    && before.status == PaymentStatus::Capturing
                {
                    fail(
                        &mut w,
                        &before,
                        "the order ended before payment".into(),
                        &ctx.actor,
                    )
                    .await?;
                }
                w.commit(()).await?;
                return Ok(CaptureRun::Failed("the order ended before payment".into()));
            }
            note_attempt(db, &payment).await?;
            let request = CaptureRequest {
                key: payment.id,
                amount: Money::from_cents(payment.amount_cents),
                card: payment.card_token.clone().unwrap_or_default(),
            };
            provider.capture(&request).await.map_err(unavailable)?
        }
    };
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) = load(w.conn(), payment.id, true).await? else {
        return Ok(CaptureRun::Nothing);
    };
    if before.status != PaymentStatus::Capturing {
        return Ok(CaptureRun::Nothing);
    }
    let run = match outcome {
        CaptureOutcome::Succeeded { reference } => {
            succeed(
                &mut w,
                &before,
                |p| p.provider_reference = Set(Some(reference)),
                &ctx.actor,
            )
            .await?;
            CaptureRun::Succeeded
        }
        CaptureOutcome::Declined { reason } => {
            fail(&mut w, &before, reason.clone(), &ctx.actor).await?;
            CaptureRun::Failed(reason)
        }
    };
    w.commit(()).await?;
    Ok(run)
}

/// Count a provider call before it is made, so a lost answer is asked
/// about (never charged again) on the next run.
async fn note_attempt(db: &DatabaseConnection, payment: &payment::Model) -> Result<(), DbErr> {
    payment::Entity::update_many()
        .col_expr(
            payment::Column::Attempts,
            sea_orm::sea_query::Expr::value(payment.attempts + 1),
        )
        .filter(payment::Column::Id.eq(payment.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Record a bank transfer's remittance (FINANCE, ADMIN): the amount must be
/// what the payment asks; the order is then PAID.
pub async fn record_remittance(
    db: &DatabaseConnection,
    ctx: &Ctx,
    payment_id: Uuid,
    amount: &str,
    reference: &str,
) -> Result<Committed<payment::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageFinance).await?;
    let mut fields = Fields::new();
    let amount = fields.optional("amount", Some(amount), Money::parse);
    let reference = fields.text("reference", reference, 100);
    let (amount, reference) = fields.finish(|| Some((amount?, reference?)))?;
    let before = load(w.conn(), payment_id, true)
        .await?
        .ok_or_else(|| DomainError::not_found("paymentId", "payment"))?;
    if before.status != PaymentStatus::AwaitingRemittance {
        return Err(DomainError::rejected(
            &["paymentId"],
            ErrorCode::IllegalTransition,
            format!(
                "the payment is {}, not awaiting a remittance",
                before.status
            ),
        ));
    }
    if amount.cents() != before.amount_cents {
        return Err(DomainError::rejected(
            &["amount"],
            ErrorCode::AmountMismatch,
            format!(
                "the remittance of {amount} does not match the {} asked",
                Money::from_cents(before.amount_cents)
            ),
        ));
    }
    let actor = ctx.actor.clone();
    let after = succeed(
        &mut w,
        &before,
        |p| p.remittance_reference = Set(Some(reference)),
        &actor,
    )
    .await?;
    w.commit(after).await
}

// ---- Reading ----------------------------------------------------------

fn visible_to(ctx: &Ctx, p: &payment::Model) -> bool {
    Scope::of_ctx(ctx).sees(p.customer_id)
}

/// A payment the caller may see (staff; a customer its own).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<payment::Model>, DbErr> {
    Ok(load(conn, id, false).await?.filter(|p| visible_to(ctx, p)))
}

/// A payment by id, whoever asks (background work).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<payment::Model>, DbErr> {
    load(conn, id, false).await
}

/// The payments the caller may see, oldest first (of one order when given).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    order_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<payment::Model>, DomainError> {
    Permission::PlaceOrders.require(ctx)?;
    let mut query = payment::Entity::find();
    if let Some(order) = order_id {
        query = query.filter(payment::Column::OrderId.eq(order));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (payment::Column::CustomerId, payment::Column::Id);
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |p| p.id).await?)
}

/// How many successful charges the provider holds for a payment (for
/// checks that nothing was charged twice).
pub async fn provider_charges<C: ConnectionTrait>(
    conn: &C,
    payment_id: Uuid,
) -> Result<u64, DbErr> {
    use entity::provider_charge;
    let rows: Vec<Uuid> = provider_charge::Entity::find()
        .select_only()
        .column(provider_charge::Column::Id)
        .filter(provider_charge::Column::IdempotencyKey.eq(payment_id.to_string()))
        .filter(provider_charge::Column::Outcome.eq("SUCCEEDED"))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.len() as u64)
}
