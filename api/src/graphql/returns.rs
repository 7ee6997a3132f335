//! Returns (RMA): `returnRequest`, `returnRequests`, and the mutations
//! `requestReturn`, `approveReturn`, `rejectReturn`, `cancelReturn`,
//! `receiveReturn`, `resolveReturn`. Resolvers only translate: the rules
//! are in `domain::aftersales::returns`.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, page_request, payload,
    respond,
};
use super::orders::Order;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::aftersales::returns::{
    self, NewReturn, ReceivedLine, Return, ReturnFilter as DomainFilter, ReturnLineRequest,
};
use domain::kernel::{DomainError, Permission};
use entity::{remedy_step, return_line};

/// Why goods come back.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ReturnReason")]
pub enum ReturnReason {
    /// We sent the wrong item (a processing error of ours).
    WrongItem,
    /// It arrived damaged (an error of ours).
    DamagedInTransit,
    /// It is faulty (always accepted; remedied, never refused).
    Faulty,
    /// The customer changed their mind (only within the business's policy).
    ChangeOfMind,
}

/// What a return ends in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ReturnResolution")]
pub enum ReturnResolution {
    /// The returned units' price (GST included) is paid back.
    Refund,
    /// The returned units are replaced by a no-charge order.
    Replacement,
}

/// Where a return is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ReturnStatus")]
pub enum ReturnStatus {
    /// Asked for; staff decide.
    Requested,
    /// Approved: the customer sends the goods back as instructed.
    Approved,
    /// Refused, with the reason (change of mind only).
    Rejected,
    /// The goods came back and were inspected.
    Received,
    /// The refund awaits its approval or the provider.
    Refunding,
    /// The replacement order is under way.
    Replacing,
    /// Refunded or replaced.
    Completed,
    /// Called off before the goods came back.
    Cancelled,
}

/// Where returned units went after inspection.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ReturnDisposition")]
pub enum ReturnDisposition {
    /// Back into a warehouse, sellable.
    Restock,
    /// Held in a quarantine location (damaged or faulty).
    Quarantine,
}

/// Units of one order line coming back under a return.
pub struct ReturnLine(pub return_line::Model);

object! {
    /// Units of one order line coming back under a return, and where they went
    /// after inspection.
    #[Object]
    impl ReturnLine {
        /// Stable identifier (name it in `receiveReturn`).
        id: ID,
        /// The order line the units were bought on.
        order_line_id: ID,
        /// The product.
        product_id: ID,
        /// The product's SKU.
        async fn sku(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            let found = super::catalogue::Product::load(ctx, self.0.product_id).await?;
            Ok(found.map(|p| p.0.sku))
        }
        /// Units coming back.
        quantity: i32,
        /// Where they went after inspection (null until received).
        disposition: Option<ReturnDisposition>,
        /// The stock location they were received into.
        location_id: Option<ID>,
        /// Their batch, for batch-tracked products.
        batch_code: Option<&str>,
        /// What the inspection found.
        inspection_note: Option<&str>,
    }
}

/// One step of a return as its customer follows it.
pub struct ReturnStep(pub remedy_step::Model);

object! {
    /// One step of a return as its customer follows it (each, but a refund that
    /// fell through, is emailed to them).
    #[Object]
    impl ReturnStep {
        /// Stable identifier.
        id: ID,
        /// What happened: `return.requested`, `return.approved`,
        /// `return.rejected`, `return.cancelled`, `return.received`,
        /// `return.refunding`, `return.replacing`, `return.refund_failed` or
        /// `return.completed`.
        step: &str,
        /// The return's status after it.
        async fn status_after(&self) -> Option<ReturnStatus> {
            use sea_orm::ActiveEnum;
            entity::ReturnStatus::try_from_value(&self.0.status_after)
                .ok()
                .map(Into::into)
        }
        /// What was said with it (the instructions, a rejection's reason, the
        /// amount refunded, the replacement order's number, …).
        note: Option<&str>,
        /// Who did it (user id, or `system`).
        actor: &str,
        /// When (UTC).
        at: DateTime<Utc>,
    }
}

/// A return (RMA).
pub struct ReturnRequest(pub Return);

fn id_of(id: Option<uuid::Uuid>) -> Option<ID> {
    id.map(|id| ID(id.to_string()))
}

object! {
    /// A return (RMA) of delivered goods: why, what the customer asks for,
    /// staff's decision with the instructions, the goods' receipt and
    /// inspection, and the refund or replacement that ends it.
    #[Object]
    impl ReturnRequest {
        /// Stable identifier.
        id: ID = request.id,
        /// Its number, e.g. RMA-000001 (the customer writes it on the parcel).
        number: &str = request.number,
        /// Where it is.
        status: ReturnStatus = request.status,
        /// Why the goods come back.
        reason: ReturnReason = request.reason,
        /// What the customer said about it.
        details: &str = request.details,
        /// Refund or replacement.
        resolution: ReturnResolution = request.resolution,
        /// Id of the order the goods were bought on.
        order_id: ID = request.order_id,
        /// The order the goods were bought on.
        async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            super::orders::load_visible(ctx, self.0.request.order_id).await
        }
        /// Id of the customer (null for a guest order).
        async fn customer_id(&self) -> Option<ID> {
            id_of(self.0.request.customer_id)
        }
        /// The lines coming back.
        async fn lines(&self) -> Vec<ReturnLine> {
            self.0.lines.iter().cloned().map(ReturnLine).collect()
        }
        /// How to send the goods back (set on approval, emailed to the customer).
        instructions: Option<&str> = request.instructions,
        /// Why it was rejected.
        decision_reason: Option<&str> = request.decision_reason,
        /// When it was approved or rejected (UTC).
        decided_at: Option<DateTime<Utc>> = request.decided_at,
        /// When the goods were received and inspected (UTC).
        received_at: Option<DateTime<Utc>> = request.received_at,
        /// The card refund paying it back, when there is one.
        async fn refund_id(&self) -> Option<ID> {
            id_of(self.0.request.refund_id)
        }
        /// The REFUND approval gating the money paid back.
        async fn approval_id(&self) -> Option<ID> {
            id_of(self.0.request.approval_id)
        }
        /// The adjustment note issued for the refund.
        async fn adjustment_note_id(&self) -> Option<ID> {
            id_of(self.0.request.adjustment_note_id)
        }
        /// The no-charge replacement order.
        async fn replacement_order_id(&self) -> Option<ID> {
            id_of(self.0.request.replacement_order_id)
        }
        /// When it was completed (UTC).
        completed_at: Option<DateTime<Utc>> = request.completed_at,
        /// Its steps, oldest first (a bounded list: a return has a handful).
        async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReturnStep>> {
            let found = super::loaders::load_one::<super::loaders::RemedyStepsLoader, _>(
                ctx,
                self.0.request.id,
            )
            .await?;
            Ok(found
                .unwrap_or_default()
                .into_iter()
                .map(ReturnStep)
                .collect())
        }
        /// When it was asked for (UTC).
        requested_at: DateTime<Utc> = request.created_at,
        /// Incremented by every change.
        version: i32 = request.version,
    }
}

impl From<Return> for ReturnRequest {
    fn from(r: Return) -> Self {
        ReturnRequest(r)
    }
}

/// Which returns to list.
#[derive(InputObject, Default)]
pub struct ReturnRequestFilter {
    /// Only in this status.
    pub status: Option<ReturnStatus>,
    /// Only for this reason.
    pub reason: Option<ReturnReason>,
    /// Only of this order.
    pub order_id: Option<ID>,
    /// Only of this customer.
    pub customer_id: Option<ID>,
}

/// Units of one order line to return.
#[derive(InputObject)]
pub struct ReturnLineInput {
    /// The order line (goods only).
    pub order_line_id: ID,
    /// Units (at least 1, at most those ordered and not already being returned).
    pub quantity: i32,
}

/// A return as asked for.
#[derive(InputObject)]
pub struct RequestReturnInput {
    /// The delivered order (DELIVERED or CLOSED, archived too).
    pub order_id: ID,
    /// The lines coming back (each order line once).
    pub lines: Vec<ReturnLineInput>,
    /// Why they come back.
    pub reason: ReturnReason,
    /// What happened (optional, at most 4,000 characters).
    pub details: Option<String>,
    /// Refund (default) or replacement.
    pub resolution: Option<ReturnResolution>,
}

/// An approval of a requested return.
#[derive(InputObject)]
pub struct ApproveReturnInput {
    /// The return.
    pub id: ID,
    /// How to send the goods back (at most 4,000 characters); by default the
    /// RMA number, what to pack and where to send it.
    pub instructions: Option<String>,
}

/// A refusal of a change-of-mind return.
#[derive(InputObject)]
pub struct RejectReturnInput {
    /// The return.
    pub id: ID,
    /// Why (required, at most 4,000 characters), e.g. not in resalable condition.
    pub reason: String,
}

/// A return to call off.
#[derive(InputObject)]
pub struct CancelReturnInput {
    /// The return (REQUESTED or APPROVED).
    pub id: ID,
}

/// Where one return line's units went after inspection.
#[derive(InputObject)]
pub struct ReceiveReturnLineInput {
    /// The return line.
    pub return_line_id: ID,
    /// Back into stock or into quarantine.
    pub disposition: ReturnDisposition,
    /// A warehouse for RESTOCK, a quarantine location for QUARANTINE.
    pub location_id: ID,
    /// The units' batch (batch-tracked products only, required for them).
    pub batch_code: Option<String>,
    /// What the inspection found (at most 1,000 characters).
    pub note: Option<String>,
}

/// The goods of an approved return, received and inspected.
#[derive(InputObject)]
pub struct ReceiveReturnInput {
    /// The return.
    pub id: ID,
    /// Every line of the return, once.
    pub lines: Vec<ReceiveReturnLineInput>,
}

/// A received return's resolution, started (again).
#[derive(InputObject)]
pub struct ResolveReturnInput {
    /// The return (RECEIVED).
    pub id: ID,
    /// Refund or replacement.
    pub resolution: ReturnResolution,
}

payload!(
    "Result of `requestReturn`.",
    RequestReturnPayload,
    return_request: ReturnRequest
);
payload!(
    "Result of `approveReturn`.",
    ApproveReturnPayload,
    return_request: ReturnRequest
);
payload!(
    "Result of `rejectReturn`.",
    RejectReturnPayload,
    return_request: ReturnRequest
);
payload!(
    "Result of `cancelReturn`.",
    CancelReturnPayload,
    return_request: ReturnRequest
);
payload!(
    "Result of `receiveReturn`.",
    ReceiveReturnPayload,
    return_request: ReturnRequest
);
payload!(
    "Result of `resolveReturn`.",
    ResolveReturnPayload,
    return_request: ReturnRequest
);

#[derive(Default)]
pub struct ReturnQuery;

#[Object]
impl ReturnQuery {
    /// One return: staff any, a customer its own (another's is null).
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn return_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the return.")] id: ID,
    ) -> async_graphql::Result<Option<ReturnRequest>> {
        let id = arg_id(&id, "id")?;
        let found = returns::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(ReturnRequest))
    }

    /// Returns, oldest first: staff all, a customer its own.
    #[graphql(
        guard = "Require::to(Permission::LodgeClaims)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn return_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which returns (all the caller may see when omitted).")] filter: Option<
            ReturnRequestFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ReturnRequest>> {
        let filter = filter.unwrap_or_default();
        let page = page_request(first, after)?;
        let domain_filter = DomainFilter {
            status: filter.status.map(Into::into),
            reason: filter.reason.map(Into::into),
            order_id: arg_id_opt(filter.order_id.as_ref(), "filter.orderId")?,
            customer_id: arg_id_opt(filter.customer_id.as_ref(), "filter.customerId")?,
        };
        let found =
            returns::list(&ctx.services().db, &ctx.domain_ctx()?, &domain_filter, page).await;
        Ok(connection(answer(ctx, found)?, ReturnRequest))
    }
}

#[derive(Default)]
pub struct ReturnMutation;

#[Object]
impl ReturnMutation {
    /// Ask for a return of delivered goods (audited; the customer is
    /// emailed): a customer on its own order (another's is NOT_FOUND),
    /// staff on any, guest and closed or archived orders included. An order
    /// not yet delivered is INVALID_STATE; more units than were ordered and
    /// are not already being returned is OUT_OF_RANGE. Faulty, damaged and
    /// wrong items are always accepted; a change of mind outside the
    /// business's policy is RETURN_NOT_ACCEPTED on `reason`.
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn request_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RequestReturnInput,
    ) -> async_graphql::Result<RequestReturnPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let mut lines = Vec::with_capacity(input.lines.len());
            for (i, line) in input.lines.iter().enumerate() {
                let order_line_id = input_id(&line.order_line_id, "orderLineId").map_err(|e| {
                    nested(
                        e,
                        &["lines".to_owned(), i.to_string(), "orderLineId".into()],
                    )
                })?;
                lines.push(ReturnLineRequest {
                    order_line_id,
                    quantity: line.quantity,
                });
            }
            let new = NewReturn {
                order_id: input_id(&input.order_id, "orderId")?,
                lines,
                reason: input.reason.into(),
                details: input.details,
                resolution: input.resolution.map(Into::into),
            };
            let calendar = services.calendar.current();
            returns::request(&services.db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Approve a requested return (staff who manage returns; audited): the
    /// customer is emailed the instructions (given, or by default the RMA
    /// number, what to pack and where to send it).
    #[graphql(guard = "Require::to(Permission::ManageClaims)")]
    async fn approve_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ApproveReturnInput,
    ) -> async_graphql::Result<ApproveReturnPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            returns::approve(
                &ctx.services().db,
                &domain_ctx,
                id,
                input.instructions.as_deref(),
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Refuse a requested change-of-mind return with the reason (staff who
    /// manage returns; audited, the customer is emailed). A faulty, damaged
    /// or wrong item is remedied, never refused: INVALID_STATE.
    #[graphql(guard = "Require::to(Permission::ManageClaims)")]
    async fn reject_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RejectReturnInput,
    ) -> async_graphql::Result<RejectReturnPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            returns::reject(&ctx.services().db, &domain_ctx, id, &input.reason).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Call a return off before its goods are received (its customer, or
    /// staff who manage returns; audited, the customer is emailed).
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn cancel_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CancelReturnInput,
    ) -> async_graphql::Result<CancelReturnPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            returns::cancel(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record an approved return's goods received and inspected (staff who
    /// manage returns; audited): each line's units go into a warehouse
    /// (RESTOCK) or a quarantine location (QUARANTINE) as a RETURN stock
    /// movement, and the refund (its REFUND approval) or the no-charge
    /// replacement order starts at once; the customer is emailed.
    #[graphql(guard = "Require::to(Permission::ManageClaims)")]
    async fn receive_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReceiveReturnInput,
    ) -> async_graphql::Result<ReceiveReturnPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.id, "id")?;
            let mut lines = Vec::with_capacity(input.lines.len());
            for (i, line) in input.lines.into_iter().enumerate() {
                let at = |field: &str| vec!["lines".to_owned(), i.to_string(), field.to_owned()];
                let return_line_id = input_id(&line.return_line_id, "returnLineId")
                    .map_err(|e| nested(e, &at("returnLineId")))?;
                let location_id = input_id(&line.location_id, "locationId")
                    .map_err(|e| nested(e, &at("locationId")))?;
                lines.push(ReceivedLine {
                    return_line_id,
                    disposition: line.disposition.into(),
                    location_id,
                    batch_code: line.batch_code,
                    note: line.note,
                });
            }
            let calendar = services.calendar.current();
            returns::receive(&services.db, &domain_ctx, &calendar, id, &lines).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Start a received return's refund or replacement again, or the other
    /// one (staff who manage returns; audited, the customer is emailed),
    /// e.g. after its refund was refused or failed.
    #[graphql(guard = "Require::to(Permission::ManageClaims)")]
    async fn resolve_return(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ResolveReturnInput,
    ) -> async_graphql::Result<ResolveReturnPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.id, "id")?;
            let calendar = services.calendar.current();
            returns::resolve(
                &services.db,
                &domain_ctx,
                &calendar,
                id,
                input.resolution.into(),
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }
}

/// An id refusal of a nested field, named by its whole path.
fn nested(e: DomainError, path: &[String]) -> DomainError {
    match e {
        DomainError::Rejected(mut errors) => {
            for error in &mut errors {
                error.field = path.to_vec();
            }
            DomainError::Rejected(errors)
        }
        other => other,
    }
}
