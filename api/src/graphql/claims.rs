//! Consumer-guarantee claims (ACL): `claim`, `claims`, and the mutations
//! `lodgeClaim`, `assessClaim`, `chooseClaimRemedy`, `completeClaimRemedy`,
//! `withdrawClaim`. Resolvers only translate: the rules are in
//! `domain::aftersales::claims` and `domain::rules::remedies`.

use super::approvals::Approval;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, optional_input_id,
    page_request, payload, record_object, respond,
};
use super::orders::Order;
use super::payments::Refund;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::aftersales::claims::{self, Assessment, ClaimFilter as DomainFilter, NewClaim};
use domain::kernel::Permission;
use entity::{guarantee_claim, remedy_step};

/// Whether a claim is about goods or services.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::SupplyKind")]
pub enum SupplyKind {
    /// Goods: an order's goods line.
    Goods,
    /// Services: an order's service line, or an engagement.
    Services,
}

/// The consumer guarantee that failed (ACL Sch 2 Part 3-2 Div 1).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Guarantee")]
pub enum Guarantee {
    /// Goods: of acceptable quality.
    AcceptableQuality,
    /// Goods: fit for a purpose the customer made known.
    FitForDisclosedPurpose,
    /// Goods: match their description.
    MatchesDescription,
    /// Goods: match the sample or demonstration model.
    MatchesSample,
    /// Goods: the customer gets clear title.
    Title,
    /// Goods: any express warranty is honoured.
    ExpressWarranty,
    /// Goods: repairs and spare parts are available for a reasonable time.
    RepairsAndSpareParts,
    /// Services: supplied with due care and skill.
    DueCareAndSkill,
    /// Services: fit for a purpose the customer made known.
    ServiceFitForPurpose,
    /// Services: supplied within a reasonable time.
    ReasonableTime,
}

/// Why a failure is major; any one makes it major (ACL s260, s268).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::MajorFailureReason")]
pub enum MajorFailureReason {
    /// A reasonable consumer fully aware of it would not have bought it.
    WouldNotHaveBought,
    /// Significantly different from its description, sample or model.
    SignificantlyDifferentFromDescription,
    /// Substantially unfit for its purpose and not easily fixed in a reasonable time.
    SubstantiallyUnfitAndNotEasilyFixed,
    /// Unsafe.
    Unsafe,
}

/// How serious a guarantee failure is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::FailureSeverity")]
pub enum FailureSeverity {
    /// Major: the customer chooses the remedy.
    Major,
    /// Minor: the business chooses, within a reasonable time.
    Minor,
}

/// A remedy the law allows for a guarantee failure.
#[allow(clippy::enum_variant_names)]
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Remedy")]
pub enum Remedy {
    /// Goods returned (rejected), money back: the claimed units' price.
    Refund,
    /// Goods returned, identical goods supplied (a no-charge order).
    Replacement,
    /// The goods are fixed.
    Repair,
    /// The customer keeps the goods and is compensated for their drop in value.
    KeepWithCompensation,
    /// The service is fixed or supplied again.
    ResupplyService,
    /// The service contract is cancelled and the unused part refunded.
    CancelWithRefund,
    /// Compensation for the service's reduced value.
    CompensationForReducedValue,
    /// Fixed by someone else at the business's cost (after a minor failure went unremedied).
    RemedyElsewhereAtSupplierCost,
}

/// Who chooses a claim's remedy.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Chooser")]
pub enum Chooser {
    /// The customer (a major failure, or a minor one not remedied in time).
    Customer,
    /// The business (a minor failure, within its reasonable time).
    Supplier,
}

/// Where a consumer-guarantee claim is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ClaimStatus")]
pub enum ClaimStatus {
    /// Lodged; staff assess it.
    Lodged,
    /// Assessed as a failure; the chooser picks a remedy (see `allowedRemedies`).
    AwaitingRemedy,
    /// A remedy was chosen and is under way (a refund, a replacement order, a repair).
    RemedyInProgress,
    /// The remedy was delivered.
    Remedied,
    /// Assessed: no guarantee failed (see `assessmentReason`).
    NotFailed,
    /// Withdrawn by its customer.
    Withdrawn,
}

/// One step of a claim as its customer follows it (each is emailed).
pub struct ClaimStep(pub remedy_step::Model);

object! {
    /// One step of a claim as its customer follows it (each is emailed to them).
    #[Object]
    impl ClaimStep {
        /// Stable identifier.
        id: ID,
        /// What happened: `claim.lodged`, `claim.assessed`, `claim.remedy_chosen`,
        /// `claim.remedied`, `claim.remedy_fell_through`,
        /// `claim.reasonable_time_passed` or `claim.withdrawn`.
        step: &str,
        /// The claim's status after it.
        async fn status_after(&self) -> Option<ClaimStatus> {
            use sea_orm::ActiveEnum;
            entity::ClaimStatus::try_from_value(&self.0.status_after)
                .ok()
                .map(Into::into)
        }
        /// What was said with it (an assessment's reason, the remedy chosen, …).
        note: Option<&str>,
        /// When (UTC).
        at: DateTime<Utc>,
    }
}

record_object! {
    /// A consumer-guarantee claim.
    pub struct Claim(pub guarantee_claim::Model);
}

fn id_of(id: Option<uuid::Uuid>) -> Option<ID> {
    id.map(|id| ID(id.to_string()))
}

object! {
    /// A consumer-guarantee claim (Australian Consumer Law) on an order line's
    /// goods or services, or an engagement's services: the failure as lodged,
    /// its assessment, and the remedy the law allows as it was chosen and delivered.
    #[Object]
    impl Claim {
        /// Stable identifier.
        id: ID,
        /// Its number, e.g. CLM-000001.
        number: &str,
        /// Where it is.
        status: ClaimStatus,
        /// Goods or services.
        supply: SupplyKind,
        /// The guarantee that failed.
        guarantee: Guarantee,
        /// What happened, as lodged.
        facts: &str,
        /// Units claimed (goods); 1 for services.
        quantity: i32,
        /// Id of the order (a claim on an order line).
        async fn order_id(&self) -> Option<ID> {
            id_of(self.0.order_id)
        }
        /// The order; null for an engagement's claim or when the caller may not see it.
        async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            match self.0.order_id {
                Some(id) => super::orders::load_visible(ctx, id).await,
                None => Ok(None),
            }
        }
        /// Id of the order line claimed on.
        async fn order_line_id(&self) -> Option<ID> {
            id_of(self.0.order_line_id)
        }
        /// Id of the engagement claimed on.
        async fn engagement_id(&self) -> Option<ID> {
            id_of(self.0.engagement_id)
        }
        /// Id of the customer (none for a guest order's claim).
        async fn customer_id(&self) -> Option<ID> {
            id_of(self.0.customer_id)
        }
        /// MAJOR or MINOR once assessed as a failure.
        severity: Option<FailureSeverity>,
        /// Why the failure is major (empty for a minor failure or before assessment).
        async fn major_reasons(&self) -> Vec<MajorFailureReason> {
            claims::major_reasons_of(&self.0)
                .into_iter()
                .map(Into::into)
                .collect()
        }
        /// Staff's assessment in words (why it failed, or why it did not).
        assessment_reason: Option<&str>,
        /// Who chooses the remedy now.
        chooser: Option<Chooser>,
        /// Whether the business let a minor failure's reasonable time pass: the
        /// customer then chooses (and may reject the goods).
        supplier_failed_to_remedy: bool,
        /// When a minor failure's remedy is due (the business's reasonable time, UTC).
        remedy_due_at: Option<DateTime<Utc>>,
        /// The remedies the law allows now (its chooser picks one); empty unless
        /// the claim is AWAITING_REMEDY.
        async fn allowed_remedies(&self) -> Vec<Remedy> {
            claims::allowed_remedies(&self.0)
                .into_iter()
                .map(Into::into)
                .collect()
        }
        /// The remedy chosen.
        remedy: Option<Remedy>,
        /// When it was chosen (UTC).
        remedy_chosen_at: Option<DateTime<Utc>>,
        /// Money paid back (refund, compensation, the cost of a fix elsewhere), GST included.
        remedy_amount: Option<Money> = remedy_amount_cents,
        /// The card refund paying it; null when the caller may not see it.
        async fn refund(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Refund>> {
            let Some(id) = self.0.refund_id else {
                return Ok(None);
            };
            let found =
                domain::payments::refunds::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id)
                    .await;
            Ok(answer(ctx, found)?.map(Refund))
        }
        /// Id of the card refund paying it.
        async fn refund_id(&self) -> Option<ID> {
            id_of(self.0.refund_id)
        }
        /// The REFUND approval on the claim itself (money paid back outside the
        /// hub); null when the caller may not see it.
        async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Approval>> {
            let Some(id) = self.0.approval_id else {
                return Ok(None);
            };
            let found =
                domain::approvals::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
            Ok(answer(ctx, found)?.map(Approval))
        }
        /// Id of the REFUND approval on the claim itself.
        async fn approval_id(&self) -> Option<ID> {
            id_of(self.0.approval_id)
        }
        /// The adjustment note for the money paid back.
        async fn adjustment_note(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::invoices::AdjustmentNote>> {
            super::invoices::AdjustmentNote::visible(ctx, self.0.adjustment_note_id).await
        }
        /// Id of the adjustment note for the money paid back.
        async fn adjustment_note_id(&self) -> Option<ID> {
            id_of(self.0.adjustment_note_id)
        }
        /// The no-charge replacement order; null when the caller may not see it.
        async fn replacement_order(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<Order>> {
            match self.0.replacement_order_id {
                Some(id) => super::orders::load_visible(ctx, id).await,
                None => Ok(None),
            }
        }
        /// Id of the no-charge replacement order.
        async fn replacement_order_id(&self) -> Option<ID> {
            id_of(self.0.replacement_order_id)
        }
        /// What was or will be done (a repair's note).
        remedy_note: Option<&str>,
        /// When the remedy was delivered (UTC).
        remedied_at: Option<DateTime<Utc>>,
        /// Its steps, oldest first, as its customer was told of them.
        async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ClaimStep>> {
            super::loaders::load_list::<super::loaders::RemedyStepsLoader, _, _>(
                ctx, self.0.id, ClaimStep,
            )
            .await
        }
        /// Optimistic-locking version.
        version: i32,
        /// When it was lodged (UTC).
        lodged_at: DateTime<Utc> = created_at,
    }
}

/// Which claims to list.
#[derive(InputObject, Default)]
pub struct ClaimFilter {
    /// Only in this status.
    pub status: Option<ClaimStatus>,
    /// Only on this order.
    pub order_id: Option<ID>,
    /// Only on this engagement.
    pub engagement_id: Option<ID>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only of this severity.
    pub severity: Option<FailureSeverity>,
}

/// A claim as lodged: on an order line or on an engagement (exactly one).
#[derive(InputObject)]
pub struct LodgeClaimInput {
    /// The order line (a goods line is a GOODS claim, a service line a SERVICES claim).
    pub order_line_id: Option<ID>,
    /// The engagement (a SERVICES claim).
    pub engagement_id: Option<ID>,
    /// The guarantee that failed; it must be one of the supply's (OUT_OF_RANGE otherwise).
    pub guarantee: Guarantee,
    /// Units claimed, 1 to the line's quantity (services: 1). Default 1.
    pub quantity: Option<i32>,
    /// What happened (required, at most 4,000 characters).
    pub facts: String,
}

/// Staff's assessment of a lodged claim.
#[derive(InputObject)]
pub struct AssessClaimInput {
    /// The claim.
    pub claim_id: ID,
    /// Whether a guarantee failed (false ends the claim NOT_FAILED with the reason).
    pub failed: bool,
    /// Why the failure is major; none makes it minor. Only for a failure.
    #[graphql(default)]
    pub major_reasons: Vec<MajorFailureReason>,
    /// The assessment in words (required, at most 4,000 characters).
    pub reason: String,
}

/// A remedy chosen for a claim.
#[derive(InputObject)]
pub struct ChooseClaimRemedyInput {
    /// The claim (AWAITING_REMEDY).
    pub claim_id: ID,
    /// One of the claim's `allowedRemedies` (REMEDY_NOT_ALLOWED otherwise).
    pub remedy: Remedy,
    /// For CANCEL_WITH_REFUND, KEEP_WITH_COMPENSATION,
    /// COMPENSATION_FOR_REDUCED_VALUE and REMEDY_ELSEWHERE_AT_SUPPLIER_COST:
    /// the amount in dollars incl. GST, more than 0 and at most what is still
    /// refundable on the invoice. Ignored otherwise (a REFUND pays the claimed
    /// units' price).
    pub amount: Option<String>,
    /// What will be done, for the customer (at most 4,000 characters).
    pub note: Option<String>,
}

/// A repair or a service supplied again, done.
#[derive(InputObject)]
pub struct CompleteClaimRemedyInput {
    /// The claim (REMEDY_IN_PROGRESS with REPAIR or RESUPPLY_SERVICE).
    pub claim_id: ID,
    /// What was done (required, at most 4,000 characters).
    pub note: String,
}

/// A claim withdrawn.
#[derive(InputObject)]
pub struct WithdrawClaimInput {
    /// The claim (LODGED or AWAITING_REMEDY).
    pub claim_id: ID,
    /// Why (at most 4,000 characters).
    pub reason: Option<String>,
}

payload!("Result of `lodgeClaim`.", LodgeClaimPayload, claim: Claim);
payload!("Result of `assessClaim`.", AssessClaimPayload, claim: Claim);
payload!(
    "Result of `chooseClaimRemedy`.",
    ChooseClaimRemedyPayload,
    claim: Claim
);
payload!(
    "Result of `completeClaimRemedy`.",
    CompleteClaimRemedyPayload,
    claim: Claim
);
payload!(
    "Result of `withdrawClaim`.",
    WithdrawClaimPayload,
    claim: Claim
);

#[derive(Default)]
pub struct ClaimQuery;

#[Object]
impl ClaimQuery {
    /// One claim: staff any, a customer its own (another's is null).
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the claim.")] id: ID,
    ) -> async_graphql::Result<Option<Claim>> {
        let id = arg_id(&id, "id")?;
        let found = claims::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Claim))
    }

    /// Claims, oldest first: staff all, a customer its own.
    #[graphql(
        guard = "Require::to(Permission::LodgeClaims)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn claims(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which claims (all the caller may see when omitted).")] filter: Option<
            ClaimFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Claim>> {
        let filter = filter.unwrap_or_default();
        let page = page_request(first, after)?;
        let domain_filter = DomainFilter {
            status: filter.status.map(Into::into),
            order_id: arg_id_opt(filter.order_id.as_ref(), "filter.orderId")?,
            engagement_id: arg_id_opt(filter.engagement_id.as_ref(), "filter.engagementId")?,
            customer_id: arg_id_opt(filter.customer_id.as_ref(), "filter.customerId")?,
            severity: filter.severity.map(Into::into),
        };
        let found =
            claims::list(&ctx.services().db, &ctx.domain_ctx()?, &domain_filter, page).await;
        Ok(connection(answer(ctx, found)?, Claim))
    }
}

#[derive(Default)]
pub struct ClaimMutation;

#[Object]
impl ClaimMutation {
    /// Lodge a consumer-guarantee claim (audited; the customer is emailed):
    /// a customer on its own order line or engagement (another's is
    /// NOT_FOUND), staff on any, guest and closed or archived orders
    /// included. Goods must have shipped and services been paid for or
    /// started (INVALID_STATE otherwise); no receipt is ever asked for.
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn lodge_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: LodgeClaimInput,
    ) -> async_graphql::Result<LodgeClaimPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = NewClaim {
                order_line_id: optional_input_id(input.order_line_id.as_ref(), "orderLineId")?,
                engagement_id: optional_input_id(input.engagement_id.as_ref(), "engagementId")?,
                guarantee: input.guarantee.into(),
                quantity: input.quantity,
                facts: input.facts,
            };
            claims::lodge(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Assess a lodged claim (staff who manage claims; audited, the customer
    /// is emailed): not a failure ends it NOT_FAILED with the reason; a
    /// failure is MAJOR (any major reason; the customer chooses) or MINOR
    /// (the business chooses within its reasonable time, after which the
    /// customer may reject).
    #[graphql(guard = "Require::to(Permission::ManageClaims)")]
    async fn assess_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AssessClaimInput,
    ) -> async_graphql::Result<AssessClaimPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let assessment = Assessment {
                claim_id: input_id(&input.claim_id, "claimId")?,
                failed: input.failed,
                major_reasons: input.major_reasons.into_iter().map(Into::into).collect(),
                reason: input.reason,
            };
            let calendar = services.calendar.current();
            claims::assess(&services.db, &domain_ctx, &calendar, &assessment).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Choose a claim's remedy (audited; the customer is emailed): only one
    /// the law allows for its failure (REMEDY_NOT_ALLOWED otherwise), by its
    /// chooser (NOT_REMEDY_CHOOSER otherwise): the business through staff
    /// who manage claims, or the customer (or such staff recording its
    /// choice). Money goes back through a REFUND approval (a card refund, or
    /// paid outside the hub) with its adjustment note; a replacement is a
    /// no-charge order; a repair is tracked until completed.
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn choose_claim_remedy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ChooseClaimRemedyInput,
    ) -> async_graphql::Result<ChooseClaimRemedyPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let choice = claims::RemedyChoice {
                claim_id: input_id(&input.claim_id, "claimId")?,
                remedy: input.remedy.into(),
                amount: input.amount,
                note: input.note,
            };
            let calendar = services.calendar.current();
            claims::choose_remedy(&services.db, &domain_ctx, &calendar, &choice).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record a repair or a service supplied again as done (staff who manage
    /// claims; audited, the customer is emailed): the claim is REMEDIED.
    #[graphql(guard = "Require::to(Permission::ManageClaims)")]
    async fn complete_claim_remedy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CompleteClaimRemedyInput,
    ) -> async_graphql::Result<CompleteClaimRemedyPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let completion = claims::Completion {
                claim_id: input_id(&input.claim_id, "claimId")?,
                note: input.note,
            };
            claims::complete_remedy(&ctx.services().db, &domain_ctx, &completion).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Withdraw a claim before a remedy is under way (its customer, or
    /// staff; audited, the customer is emailed).
    #[graphql(guard = "Require::to(Permission::LodgeClaims)")]
    async fn withdraw_claim(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: WithdrawClaimInput,
    ) -> async_graphql::Result<WithdrawClaimPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.claim_id, "claimId")?;
            claims::withdraw(&ctx.services().db, &domain_ctx, id, input.reason.as_deref()).await
        }
        .await;
        respond(ctx, result).await
    }
}
