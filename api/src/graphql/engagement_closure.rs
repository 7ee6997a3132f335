//! Engagements, part 2: scope changes decided through SCOPE_CHANGE
//! approvals, the final invoice (the agreed fee and every approved change,
//! through the invoice engine), lessons learned and formal closure; a
//! closed engagement is read-only. Resolvers only translate; the rules are
//! in `domain::engagements::{scope, closure}`.

use super::engagements::Engagement;
use super::invoices::Invoice;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, input_id, pair_payload, payload, record_object, respond,
};
use super::loaders::load_one;
use super::money::Money;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::engagements::{self, closure, scope};
use domain::kernel::Permission;
use entity::{engagement_fee_line, scope_change, tax_invoice};
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Where a scope change is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ScopeChangeStatus")]
pub enum ScopeChangeStatus {
    /// Its SCOPE_CHANGE approval awaits a decision (`decideApproval`).
    Pending,
    /// Approved: the plan's end and open milestones moved, and the final
    /// invoice bills it.
    Approved,
    /// Rejected; `decisionReason` says why. It changes nothing.
    Rejected,
    /// Its approval expired or was cancelled before a decision (or the
    /// engagement closed meanwhile). It changes nothing.
    Withdrawn,
}

record_object! { pub struct ScopeChange(pub scope_change::Model); }

object! {
    /// A request to change an engagement's scope, with its impact on cost,
    /// schedule and risk, decided through a SCOPE_CHANGE approval.
    #[Object]
    impl ScopeChange {
        /// Stable identifier.
        id: ID,
        /// The engagement it changes.
        engagement_id: ID,
        /// 1, 2, … within its engagement (the final invoice's line names it).
        seq: i32,
        /// What changes.
        description: &str,
        /// What it adds to the fee ex-GST; negative when scope is taken out.
        cost_impact: Money = cost_impact_cents,
        /// Business days the plan's end moves when approved.
        schedule_impact_days: i32,
        /// Its impact on the engagement's risks, as the requester put it.
        risk_impact: &str,
        /// Where it is.
        status: ScopeChangeStatus,
        /// Its SCOPE_CHANGE approval (decided with `decideApproval`).
        approval_id: ID,
        /// The decider's comment: why it was rejected (or an approval's note),
        /// or why it was withdrawn.
        decision_reason: Option<&str>,
        /// The plan's end date when it was approved (before the change).
        end_before: Option<Date>,
        /// The plan's end date it moved to (`scheduleImpactDays` business days
        /// later); null until approved.
        end_after: Option<Date>,
        /// Who asked for it (a user id).
        requested_by: &str,
        /// When it was asked for (UTC).
        requested_at: DateTime<Utc>,
        /// When its approval closed (UTC); null while PENDING.
        decided_at: Option<DateTime<Utc>>,
    }
}

// ---------------------------------------------------------------- loaders

type LoadError = Arc<DbErr>;

/// How long a loader gathers keys before it queries (as the shared loaders).
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(5);

/// The scope changes of each engagement (by engagement id), by number;
/// visibility is the resolver's to check.
pub struct ScopeChangesLoader(pub DatabaseConnection);

impl Loader<Uuid> for ScopeChangesLoader {
    type Value = Vec<scope_change::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        scope::of_engagements(&self.0, keys).await.map_err(Arc::new)
    }
}

/// The final invoice of each engagement (by engagement id); visibility is
/// the resolver's to check.
pub struct FinalInvoiceLoader(pub DatabaseConnection);

impl Loader<Uuid> for FinalInvoiceLoader {
    type Value = tax_invoice::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, LoadError> {
        closure::final_invoices(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// This area's loaders, as schema data.
pub fn loaders<Q, M, S>(
    builder: async_graphql::SchemaBuilder<Q, M, S>,
    db: &DatabaseConnection,
) -> async_graphql::SchemaBuilder<Q, M, S> {
    let window = BATCH_WINDOW;
    builder
        .data(DataLoader::new(ScopeChangesLoader(db.clone()), tokio::spawn).delay(window))
        .data(DataLoader::new(FinalInvoiceLoader(db.clone()), tokio::spawn).delay(window))
}

// ---------------------------------------------------------------- Engagement fields

/// `Engagement.fee`: the agreed fee ex-GST (its set-up fee lines).
pub fn fee(e: &engagements::Engagement) -> Money {
    Money(engagements::fees::agreed(&e.fees))
}

/// One fee line of an engagement (DESIGN "Engagement fees").
pub struct FeeLine(pub engagement_fee_line::Model);

object! {
    /// One line of what an engagement bills: set when it was set up, or added
    /// by an approved scope change; the final invoice bills them all.
    #[Object]
    impl FeeLine {
        /// Its position (1, 2, …).
        line_no: i32,
        /// What it bills.
        description: &str,
        /// Its amount ex-GST; negative for scope taken out.
        amount: Money = amount_cents,
        /// `TAXABLE`, `GST_FREE` or `INPUT_TAXED`.
        tax_code: &str,
        /// The approved scope change that added it; null for a line set up
        /// with the engagement.
        scope_change_id: Option<ID>,
    }
}

/// `Engagement.feeLines`: every fee line, in order.
pub fn fee_lines(e: &engagements::Engagement) -> Vec<FeeLine> {
    e.fees.iter().cloned().map(FeeLine).collect()
}

async fn changes_of(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<scope_change::Model>> {
    Ok(load_one::<ScopeChangesLoader, _>(ctx, e.engagement.id)
        .await?
        .unwrap_or_default())
}

/// `Engagement.scopeChanges`: every scope change, by number.
pub async fn scope_changes(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<ScopeChange>> {
    Ok(changes_of(ctx, e)
        .await?
        .into_iter()
        .map(ScopeChange)
        .collect())
}

/// `Engagement.billableTotal`: what the final invoice bills ex-GST now.
pub fn billable_total(e: &engagements::Engagement) -> Money {
    Money(closure::preview(e))
}

/// `Engagement.finalInvoice`: its final invoice, once issued.
pub async fn final_invoice(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Option<Invoice>> {
    let Some(model) = load_one::<FinalInvoiceLoader, _>(ctx, e.engagement.id).await? else {
        return Ok(None);
    };
    if !domain::invoices::visible_to(&ctx.domain_ctx()?, &model) {
        return Ok(None);
    }
    let found = domain::invoices::find(&ctx.services().db, model.id).await;
    Ok(answer(ctx, found)?.map(Invoice))
}

/// `Engagement.lessonsLearned`: staff only (null for a customer).
pub fn lessons_learned<'a>(
    ctx: &Context<'_>,
    e: &'a engagements::Engagement,
) -> async_graphql::Result<Option<&'a str>> {
    if ctx.domain_ctx()?.actor.role == domain::Role::Customer {
        return Ok(None);
    }
    Ok(e.engagement.lessons_learned.as_deref())
}

// ---------------------------------------------------------------- inputs and payloads

/// A scope change as the team asks for it.
#[derive(InputObject)]
pub struct RequestScopeChangeInput {
    /// A PLANNED, ACTIVE or ON_HOLD engagement without its final invoice
    /// (at most 100 scope changes each).
    pub engagement_id: ID,
    /// What changes (one line, at most 500 characters; the final invoice's
    /// line names it).
    pub description: String,
    /// What it adds to the fee ex-GST in dollars (`2500.00`); negative when
    /// scope is taken out (`-800.00`); at most $10,000,000 either way. Its
    /// size decides who approves (the SCOPE_CHANGE policy's bands).
    pub cost_impact: String,
    /// Business days the plan's end moves when approved (0 to 250).
    pub schedule_impact_days: i32,
    /// Its impact on the engagement's risks (at most 2,000 characters).
    pub risk_impact: String,
}

/// Which engagement to bill.
#[derive(InputObject)]
pub struct IssueEngagementFinalInvoiceInput {
    /// An ACTIVE engagement at its template's last stage.
    pub engagement_id: ID,
}

/// An engagement's lessons learned.
#[derive(InputObject)]
pub struct RecordLessonsLearnedInput {
    /// An engagement not yet closed or cancelled.
    pub engagement_id: ID,
    /// What the team learned (several lines allowed; at most 10,000
    /// characters); replaces what was recorded before.
    pub lessons_learned: String,
}

/// Which engagement to close.
#[derive(InputObject)]
pub struct CloseEngagementInput {
    /// An ACTIVE engagement at its template's last stage.
    pub engagement_id: ID,
}

pair_payload! {
    /// Result of `requestScopeChange`.
    RequestScopeChangePayload {
        /// The engagement after the change; null when the input was refused.
        engagement: Engagement,
        /// The scope change requested (PENDING, unless the policy approved it
        /// at once); null when the input was refused.
        scope_change: ScopeChange,
    }
}

pair_payload! {
    /// Result of `issueEngagementFinalInvoice`.
    IssueEngagementFinalInvoicePayload {
        /// The engagement after the change; null when the input was refused.
        engagement: Engagement,
        /// The final invoice issued; null when the input was refused.
        invoice: Invoice,
    }
}

payload!(
    "Result of `recordLessonsLearned`.",
    RecordLessonsLearnedPayload,
    engagement: Engagement
);
payload!("Result of `closeEngagement`.", CloseEngagementPayload, engagement: Engagement);

// ---------------------------------------------------------------- roots

#[derive(Default)]
pub struct EngagementClosureQuery;

#[Object]
impl EngagementClosureQuery {
    /// One scope change; null when missing or of another customer's
    /// engagement.
    #[graphql(guard = "Require::signed_in()")]
    async fn scope_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The scope change's id.")] id: ID,
    ) -> async_graphql::Result<Option<ScopeChange>> {
        let id = arg_id(&id, "id")?;
        let found = scope::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(ScopeChange))
    }
}

#[derive(Default)]
pub struct EngagementClosureMutation;

#[Object]
impl EngagementClosureMutation {
    /// Ask for a scope change (PROJECT_MANAGER, DELIVERY_TEAM, QA_LEAD,
    /// ADMIN): numbered per engagement and PENDING under a SCOPE_CHANGE
    /// approval sized by the cost impact; decided with `decideApproval`
    /// (never by its requester). Approved, it moves the plan's end and open
    /// milestones and the final invoice bills it; rejected, it is kept with
    /// the reason. The customer is emailed the outcome.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn request_scope_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RequestScopeChangeInput,
    ) -> async_graphql::Result<RequestScopeChangePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let new = scope::NewScopeChange {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                description: input.description,
                cost_impact: input.cost_impact,
                schedule_impact_days: input.schedule_impact_days,
                risk_impact: input.risk_impact,
            };
            let calendar = services.calendar.current();
            scope::request_scope_change(&services.db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Issue an engagement's final invoice (PROJECT_MANAGER, ADMIN): the
    /// agreed fee and every approved scope change, priced ex-GST with GST as
    /// the business is registered, billed to the customer and emailed like
    /// every invoice. Only while ACTIVE at the template's last stage
    /// (ILLEGAL_TRANSITION otherwise); refused while a scope change is
    /// PENDING or when there is nothing to bill; once (ALREADY_EXISTS).
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn issue_engagement_final_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: IssueEngagementFinalInvoiceInput,
    ) -> async_graphql::Result<IssueEngagementFinalInvoicePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.engagement_id, "engagementId")?;
            closure::issue_final_invoice(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record or revise an engagement's lessons learned (PROJECT_MANAGER,
    /// DELIVERY_TEAM, QA_LEAD, ADMIN) until it is closed.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn record_lessons_learned(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordLessonsLearnedInput,
    ) -> async_graphql::Result<RecordLessonsLearnedPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.engagement_id, "engagementId")?;
            closure::record_lessons_learned(
                &ctx.services().db,
                &domain_ctx,
                id,
                &input.lessons_learned,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Formally close an engagement at its last stage (the stage's owner
    /// role or ADMIN): refused until the stage is done (as `advanceStage`
    /// says), lessons learned are recorded (`lessonsLearned`), the final
    /// invoice is issued (`finalInvoice`) and no scope change is PENDING
    /// (`scopeChanges`); then CLOSED and read-only (every write is
    /// ILLEGAL_TRANSITION), and the customer is asked for their NPS.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn close_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CloseEngagementInput,
    ) -> async_graphql::Result<CloseEngagementPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.engagement_id, "engagementId")?;
            let calendar = services.calendar.current();
            engagements::close(&services.db, &domain_ctx, &calendar, id).await
        }
        .await;
        respond(ctx, result).await
    }
}
