//! Payments: `capturePayment` (card or bank transfer, gated by the
//! PAYMENT_PROCESSING approval, honouring Idempotency-Key), `recordRemittance`,
//! and reading payments. Resolvers only translate: `domain::payments` rules.

use super::approvals::Approval;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, page_request, payload,
    record_object, respond,
};
use super::orders::Order;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::{approvals, payments};
use entity::{payment, refund};

/// How a payment is made.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::PaymentMethod")]
pub enum PaymentMethod {
    /// A card, charged by the card provider once approved.
    Card,
    /// A bank transfer: paid when FINANCE records the remittance.
    BankTransfer,
    /// A PayPal-style wallet: the payer approves at the provider (`redirectUrl`), then it is charged.
    Paypal,
}

/// Where a payment is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::PaymentStatus")]
pub enum PaymentStatus {
    /// Its PAYMENT_PROCESSING approval is pending (the order is AWAITING_PAYMENT).
    AwaitingApproval,
    /// Approved; being charged.
    Capturing,
    /// A bank transfer waiting for its remittance.
    AwaitingRemittance,
    /// A wallet payment waiting for its payer at the provider (see `redirectUrl`).
    AwaitingPayer,
    /// Paid (the order is PAID).
    Succeeded,
    /// Declined, rejected or abandoned (see `failureReason`); the order is payable again.
    Failed,
}

/// Where a refund is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::RefundStatus")]
pub enum RefundStatus {
    /// Its REFUND approval is pending.
    AwaitingApproval,
    /// Approved; being paid back.
    Refunding,
    /// Paid back, with its adjustment note.
    Succeeded,
    /// Rejected or refused by the provider (no adjustment note).
    Failed,
}

record_object! {
    /// Money paid back on one payment.
    pub struct Refund(pub refund::Model);
}

object! {
    /// Money paid back on one payment.
    #[Object]
    impl Refund {
        /// Globally unique identifier; `node(id)` refetches the refund.
        pub(crate) id: ID,
        /// The payment refunded; null when the caller may not see it.
        async fn payment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Payment>> {
            let db = &ctx.services().db;
            let found = payments::find_visible(db, &ctx.domain_ctx()?, self.0.payment_id).await;
            Ok(answer(ctx, found)?.map(Payment))
        }
        /// Where it is.
        status: RefundStatus,
        /// How much is paid back.
        amount: Money = amount_cents,
        /// Why.
        reason: &str,
        /// Why it failed.
        failure_reason: Option<&str>,
        /// The provider's reference for the refund.
        provider_reference: Option<&str>,
        /// The adjustment note issued when the provider confirmed it.
        async fn adjustment_note(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::invoices::AdjustmentNote>> {
            super::invoices::AdjustmentNote::visible(ctx, self.0.adjustment_note_id).await
        }
        /// Its REFUND approval; null when the caller may not see it.
        async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Approval>> {
            let Some(id) = self.0.approval_id else {
                return Ok(None);
            };
            let found = approvals::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
            Ok(answer(ctx, found)?.map(Approval))
        }
        /// When it was asked for (UTC).
        created_at: DateTime<Utc>,
    }
}

/// The input of `refundPayment`.
#[derive(InputObject)]
pub struct RefundPaymentInput {
    /// The paid card payment.
    pub payment_id: ID,
    /// How much to pay back, in dollars; at most what was paid and not yet refunded.
    pub amount: String,
    /// Why (printed on the adjustment note).
    pub reason: String,
}

payload!("Result of `refundPayment`.", RefundPaymentPayload, refund: Refund);

/// Which refunds to list.
#[derive(InputObject, Default)]
pub struct RefundFilter {
    /// Only this payment's.
    pub payment_id: Option<ID>,
}

record_object! {
    /// One attempt to take payment for an order.
    pub struct Payment(pub payment::Model);
}

object! {
    /// One attempt to take payment for an order.
    #[Object]
    impl Payment {
        /// Globally unique identifier; `node(id)` refetches the payment.
        pub(crate) id: ID,
        /// The order paid for; null when the caller may not see it.
        async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            super::orders::load_visible(ctx, self.0.order_id).await
        }
        /// How it is paid.
        method: PaymentMethod,
        /// Where it is.
        status: PaymentStatus,
        /// The amount asked (the invoice's amount due).
        amount: Money = amount_cents,
        /// The card's last four digits (cards only).
        card_last4: Option<&str>,
        /// Why it failed.
        failure_reason: Option<&str>,
        /// Where to send the payer of a wallet payment to approve it (a signed
        /// link valid for 3 hours); null otherwise.
        async fn redirect_url(&self, ctx: &Context<'_>) -> Option<String> {
            if self.0.status != entity::PaymentStatus::AwaitingPayer {
                return None;
            }
            let services = ctx.services();
            Some(
                domain::platform::links::LinkSigner::new(&services.config.link_signing_key).url(
                    &services.config.public_base_url,
                    domain::platform::links::LinkPurpose::PayerApproval,
                    self.0.id,
                    services.clock.now(),
                ),
            )
        }
        /// The provider's reference for the charge.
        provider_reference: Option<&str>,
        /// The bank's reference of the recorded remittance.
        remittance_reference: Option<&str>,
        /// Its PAYMENT_PROCESSING approval; null when the caller may not see it.
        async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Approval>> {
            let Some(id) = self.0.approval_id else {
                return Ok(None);
            };
            let found = approvals::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
            Ok(answer(ctx, found)?.map(Approval))
        }
        /// Who asked for it.
        requested_by: &str,
        /// Incremented by every change.
        version: i32,
        /// When it was asked for (UTC).
        created_at: DateTime<Utc>,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

/// The input of `capturePayment`.
#[derive(InputObject)]
pub struct CapturePaymentInput {
    /// The invoiced order to pay.
    pub order_id: ID,
    /// Card or bank transfer.
    pub method: PaymentMethod,
    /// The amount in dollars; when given it must be the amount due.
    pub amount: Option<String>,
    /// ISO 4217 currency; only AUD is accepted (the default).
    pub currency: Option<String>,
    /// The card number (CARD). Test cards: 4242424242424242 succeeds,
    /// 4000000000000002 is declined, 4000000000009995 has insufficient
    /// funds, 4000000000000119 times out after charging.
    pub card_number: Option<String>,
}

/// The input of `recordRemittance`.
#[derive(InputObject)]
pub struct RecordRemittanceInput {
    /// The bank-transfer payment the money arrived for.
    pub payment_id: ID,
    /// The amount received, in dollars; must match the payment.
    pub amount: String,
    /// The bank's reference.
    pub reference: String,
}

/// The input of `withdrawPayment`.
#[derive(InputObject)]
pub struct WithdrawPaymentInput {
    /// A payment AWAITING_REMITTANCE or AWAITING_PAYER.
    pub payment_id: ID,
    /// Why it is given up (e.g. "no remittance after 10 days"), at most 500 characters.
    pub reason: String,
}

/// Which payments to list.
#[derive(InputObject, Default)]
pub struct PaymentFilter {
    /// Only this order's.
    pub order_id: Option<ID>,
}

payload!("Result of `capturePayment`.", CapturePaymentPayload, payment: Payment);
payload!("Result of `recordRemittance`.", RecordRemittancePayload, payment: Payment);
payload!("Result of `withdrawPayment`.", WithdrawPaymentPayload, payment: Payment);

#[derive(Default)]
pub struct PaymentQuery;

#[Object]
impl PaymentQuery {
    /// One payment; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payment's id.")] id: ID,
    ) -> async_graphql::Result<Option<Payment>> {
        let id = arg_id(&id, "id")?;
        let found = payments::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Payment))
    }

    /// Payments the caller may see (customers: their own), oldest first.
    #[graphql(
        guard = "Require::to(Permission::PlaceOrders)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which payments; all visible ones when omitted.")] filter: Option<
            PaymentFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Payment>> {
        let page = page_request(first, after)?;
        let order = arg_id_opt(
            filter.unwrap_or_default().order_id.as_ref(),
            "filter.orderId",
        )?;
        let found = payments::list(&ctx.services().db, &ctx.domain_ctx()?, order, page).await;
        Ok(connection(answer(ctx, found)?, Payment))
    }
}

#[Object]
impl RefundQuery {
    /// One refund; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn refund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refund's id.")] id: ID,
    ) -> async_graphql::Result<Option<Refund>> {
        let id = arg_id(&id, "id")?;
        let found =
            payments::refunds::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Refund))
    }

    /// Refunds the caller may see (customers: their own), oldest first.
    #[graphql(
        guard = "Require::to(Permission::PlaceOrders)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn refunds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which refunds; all visible ones when omitted.")] filter: Option<
            RefundFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Refund>> {
        let page = page_request(first, after)?;
        let payment = arg_id_opt(
            filter.unwrap_or_default().payment_id.as_ref(),
            "filter.paymentId",
        )?;
        let found =
            payments::refunds::list(&ctx.services().db, &ctx.domain_ctx()?, payment, page).await;
        Ok(connection(answer(ctx, found)?, Refund))
    }
}

#[derive(Default)]
pub struct RefundQuery;

#[derive(Default)]
pub struct PaymentMutation;

#[Object]
impl PaymentMutation {
    /// Pay an invoiced order (the customer its own, or staff). Raises the
    /// PAYMENT_PROCESSING approval, which the policy may approve at once; a
    /// card is then charged once, a bank transfer waits for its remittance.
    /// Honours `Idempotency-Key`: a retry with the same key gets the same
    /// payment and never a second charge.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn capture_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CapturePaymentInput,
    ) -> async_graphql::Result<CapturePaymentPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let key = ctx.idempotency_key();
        let result = async {
            let capture = payments::CaptureInput {
                order_id: input_id(&input.order_id, "orderId")?,
                method: input.method.into(),
                amount: input.amount,
                currency: input.currency,
                card_number: input.card_number,
            };
            let calendar = services.calendar.current();
            payments::capture(&services.db, &domain_ctx, &calendar, &capture, key.as_ref()).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Pay back part or all of a paid card payment (FINANCE, ADMIN): raises
    /// the REFUND approval; once approved the provider pays it back once and
    /// its adjustment note is issued with the provider's confirmation.
    #[graphql(guard = "Require::to(Permission::ManageFinance)")]
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RefundPaymentInput,
    ) -> async_graphql::Result<RefundPaymentPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.payment_id, "paymentId")?;
            let calendar = services.calendar.current();
            payments::refunds::request(
                &services.db,
                &domain_ctx,
                &calendar,
                id,
                &input.amount,
                &input.reason,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record a bank transfer's remittance (FINANCE, ADMIN); the amount must
    /// match the payment, and the order is then PAID.
    #[graphql(guard = "Require::to(Permission::ManageFinance)")]
    async fn record_remittance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordRemittanceInput,
    ) -> async_graphql::Result<RecordRemittancePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.payment_id, "paymentId")?;
            payments::record_remittance(
                &ctx.services().db,
                &domain_ctx,
                id,
                &input.amount,
                &input.reference,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Give up on a payment that waits on the payer (FINANCE, ADMIN): a bank
    /// transfer whose remittance never came, or a wallet payment never
    /// answered. It is FAILED with the reason; the order is payable again,
    /// and it lapses if its reservation window has ended (staff may cancel it).
    #[graphql(guard = "Require::to(Permission::ManageFinance)")]
    async fn withdraw_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: WithdrawPaymentInput,
    ) -> async_graphql::Result<WithdrawPaymentPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.payment_id, "paymentId")?;
            payments::withdraw(&ctx.services().db, &domain_ctx, id, &input.reason).await
        }
        .await;
        respond(ctx, result).await
    }
}
