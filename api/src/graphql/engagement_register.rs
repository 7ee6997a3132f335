//! Engagements, part 2: the risk register, issue log and milestones, and
//! recorded delays and escalations. Resolvers only translate; the rules are
//! in `domain::engagements::{register, delays}`.

use super::date::Date;
use super::engagements::Engagement;
use super::kit::object;
use super::kit::{
    ContextExt, Pair, Require, input_id, pair_payload, patch, record_object, respond,
};
use super::loaders::{
    DelaysLoader, EscalationsLoader, IssuesLoader, MilestonesLoader, RisksLoader, TemplateLoader,
    load_list, load_one, staff_email,
};
use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use domain::engagements::{self, delays, plan, register};
use domain::kernel::Permission;
use entity::{
    engagement_delay, engagement_escalation, engagement_issue, engagement_milestone,
    engagement_risk,
};

/// Where a risk is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::RiskStatus")]
pub enum RiskStatus {
    /// Identified, nothing done yet.
    Open,
    /// Its mitigation is under way (it has one written down).
    Mitigating,
    /// No longer a risk (it may be reopened).
    Closed,
}

/// How badly an issue hurts.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::IssueSeverity")]
pub enum IssueSeverity {
    /// A nuisance; work goes on.
    Low,
    /// Slows work down.
    Medium,
    /// Blocks part of the work.
    High,
    /// Blocks the engagement.
    Critical,
}

/// Where an issue is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::IssueStatus")]
pub enum IssueStatus {
    /// Being worked on.
    Open,
    /// Resolved, with its resolution.
    Resolved,
}

/// Why an engagement was escalated to ADMIN.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::EscalationCause")]
pub enum EscalationCause {
    /// A stage stayed overdue past the grace period (`escalationGraceHours`).
    OverdueStage,
    /// A delay of the significant-delay threshold (`significantDelayDays`)
    /// or more was recorded.
    SignificantDelay,
}

fn id(id: uuid::Uuid) -> ID {
    ID(id.to_string())
}

record_object! { pub struct EngagementRisk(pub engagement_risk::Model); }

object! {
    /// An entry of an engagement's risk register (staff only).
    #[Object]
    impl EngagementRisk {
        /// Stable identifier.
        async fn id(&self) -> ID {
            id(self.0.id)
        }
        /// What could go wrong.
        title: &str,
        /// More about it.
        description: Option<&str>,
        /// 1 (rare) to 5 (almost certain).
        likelihood: i32,
        /// 1 (negligible) to 5 (severe).
        impact: i32,
        /// Likelihood × impact, 1 to 25.
        async fn score(&self) -> i32 {
            register::score(self.0.likelihood, self.0.impact)
        }
        /// Who owns it (a staff login's id).
        async fn owner_user_id(&self) -> ID {
            id(self.0.owner_user_id)
        }
        /// The owner's sign-in email.
        async fn owner_email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            staff_email(ctx, self.0.owner_user_id).await
        }
        /// How it is mitigated (required while MITIGATING).
        mitigation: Option<&str>,
        /// Where it is.
        status: RiskStatus,
        /// Who recorded it (a user id).
        created_by: &str,
        /// Incremented by every change (`expectedVersion`).
        version: i32,
        /// When it was recorded (UTC).
        created_at: DateTime<Utc>,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

record_object! { pub struct EngagementIssue(pub engagement_issue::Model); }

object! {
    /// An entry of an engagement's issue log (staff only).
    #[Object]
    impl EngagementIssue {
        /// Stable identifier.
        async fn id(&self) -> ID {
            id(self.0.id)
        }
        /// What went wrong.
        title: &str,
        /// More about it.
        description: Option<&str>,
        /// How badly it hurts.
        severity: IssueSeverity,
        /// Who owns it (a staff login's id).
        async fn owner_user_id(&self) -> ID {
            id(self.0.owner_user_id)
        }
        /// The owner's sign-in email.
        async fn owner_email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            staff_email(ctx, self.0.owner_user_id).await
        }
        /// Where it is.
        status: IssueStatus,
        /// How it was resolved (required to resolve it).
        resolution: Option<&str>,
        /// When it was resolved (UTC); null while open.
        resolved_at: Option<DateTime<Utc>>,
        /// Who logged it (a user id).
        created_by: &str,
        /// Incremented by every change (`expectedVersion`).
        version: i32,
        /// When it was logged (UTC).
        created_at: DateTime<Utc>,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

record_object! { pub struct EngagementMilestone(pub engagement_milestone::Model); }

object! {
    /// A dated milestone of an engagement's plan (approved scope changes and
    /// recorded delays move the open ones).
    #[Object]
    impl EngagementMilestone {
        /// Stable identifier.
        async fn id(&self) -> ID {
            id(self.0.id)
        }
        /// What is reached.
        name: &str,
        /// When it is due now.
        due_on: Date,
        /// When it was due as first agreed.
        original_due_on: Date,
        /// When it was completed (UTC); null while open.
        completed_at: Option<DateTime<Utc>>,
        /// Who completed it (a user id).
        completed_by: Option<&str>,
        /// Incremented by every change (`expectedVersion`).
        version: i32,
        /// When it was set (UTC).
        created_at: DateTime<Utc>,
    }
}

record_object! { pub struct EngagementDelay(pub engagement_delay::Model); }

object! {
    /// A recorded delay: the revised timeline, why, and how it is mitigated
    /// (the customer is emailed the new dates).
    #[Object]
    impl EngagementDelay {
        /// Stable identifier.
        async fn id(&self) -> ID {
            id(self.0.id)
        }
        /// The key of the stage it was recorded in.
        stage_key: &str,
        /// Why the work is late.
        reason: &str,
        /// How the delay is mitigated.
        mitigation: &str,
        /// The plan's end before it.
        end_before: Date,
        /// The revised timeline's end.
        end_after: Date,
        /// Business days the end moved (open milestones moved as many).
        delay_days: i32,
        /// At or over the significant-delay threshold: escalated to ADMIN at once.
        significant: bool,
        /// Who recorded it (a user id).
        recorded_by: &str,
        /// When (UTC).
        recorded_at: DateTime<Utc>,
    }
}

pub struct EngagementEscalation(pub engagement_escalation::Model);

object! {
    /// An escalation of an engagement to ADMIN (staff only).
    #[Object]
    impl EngagementEscalation {
        /// Stable identifier.
        async fn id(&self) -> ID {
            id(self.0.id)
        }
        /// Why.
        cause: EscalationCause,
        /// The key of the stage it was in.
        stage_key: &str,
        /// The revision round it was in (0 before any).
        round: i32,
        /// The significant delay that caused it.
        async fn delay_id(&self) -> Option<ID> {
            self.0.delay_id.map(id)
        }
        /// When (UTC).
        escalated_at: DateTime<Utc>,
    }
}

// ------------------------------------------------- fields of `Engagement`

/// Is the caller staff? Customers see no register or escalations.
fn is_staff(ctx: &Context<'_>) -> async_graphql::Result<bool> {
    Ok(ctx.domain_ctx()?.actor.role.is_staff())
}

pub(super) async fn risks(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<EngagementRisk>> {
    if !is_staff(ctx)? {
        return Ok(vec![]);
    }
    load_list::<RisksLoader, _, _>(ctx, e.engagement.id, EngagementRisk).await
}

pub(super) async fn issues(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<EngagementIssue>> {
    if !is_staff(ctx)? {
        return Ok(vec![]);
    }
    load_list::<IssuesLoader, _, _>(ctx, e.engagement.id, EngagementIssue).await
}

pub(super) async fn milestones(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<EngagementMilestone>> {
    load_list::<MilestonesLoader, _, _>(ctx, e.engagement.id, EngagementMilestone).await
}

pub(super) async fn delays(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<EngagementDelay>> {
    load_list::<DelaysLoader, _, _>(ctx, e.engagement.id, EngagementDelay).await
}

pub(super) async fn escalations(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Vec<EngagementEscalation>> {
    if !is_staff(ctx)? {
        return Ok(vec![]);
    }
    load_list::<EscalationsLoader, _, _>(ctx, e.engagement.id, EngagementEscalation).await
}

pub(super) async fn plan_end_date(
    ctx: &Context<'_>,
    e: &engagements::Engagement,
) -> async_graphql::Result<Date> {
    let template_id = e.engagement.template_id;
    let template = load_one::<TemplateLoader, _>(ctx, template_id)
        .await?
        .ok_or_else(|| {
            super::ApiError::internal(
                &ctx.request().request_id,
                &format!("engagement template {template_id} is missing"),
            )
            .extend()
        })?;
    let calendar = ctx.services().calendar.current();
    Ok(Date(plan::end(
        &calendar,
        &e.engagement,
        &template.definition,
    )))
}

// ---------------------------------------------------------------- inputs

/// A new risk of an engagement's register.
#[derive(InputObject)]
pub struct AddEngagementRiskInput {
    /// An engagement that is not closed or cancelled (at most 200 risks).
    pub engagement_id: ID,
    /// What could go wrong.
    pub title: String,
    /// More about it.
    pub description: Option<String>,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: i32,
    /// 1 (negligible) to 5 (severe).
    pub impact: i32,
    /// Who owns it (an enabled staff login).
    pub owner_user_id: ID,
    /// How it is (to be) mitigated.
    pub mitigation: Option<String>,
}

/// A change to a risk; omitted fields stay, null clears an optional one.
#[derive(InputObject)]
pub struct UpdateEngagementRiskInput {
    /// The risk.
    pub risk_id: ID,
    /// The version read (stale: CONFLICT).
    pub expected_version: i32,
    /// What could go wrong.
    pub title: Option<String>,
    /// More about it.
    pub description: MaybeUndefined<String>,
    /// 1 to 5.
    pub likelihood: Option<i32>,
    /// 1 to 5.
    pub impact: Option<i32>,
    /// Who owns it (an enabled staff login).
    pub owner_user_id: Option<ID>,
    /// How it is mitigated (required to be MITIGATING).
    pub mitigation: MaybeUndefined<String>,
    /// OPEN → MITIGATING (needs a mitigation) or CLOSED; MITIGATING →
    /// CLOSED; CLOSED → OPEN (reopened).
    pub status: Option<RiskStatus>,
}

/// A new issue of an engagement's log.
#[derive(InputObject)]
pub struct AddEngagementIssueInput {
    /// An engagement that is not closed or cancelled (at most 200 issues).
    pub engagement_id: ID,
    /// What went wrong.
    pub title: String,
    /// More about it.
    pub description: Option<String>,
    /// How badly it hurts.
    pub severity: IssueSeverity,
    /// Who owns it (an enabled staff login).
    pub owner_user_id: ID,
}

/// A change to an issue; omitted fields stay, null clears an optional one.
#[derive(InputObject)]
pub struct UpdateEngagementIssueInput {
    /// The issue.
    pub issue_id: ID,
    /// The version read (stale: CONFLICT).
    pub expected_version: i32,
    /// What went wrong.
    pub title: Option<String>,
    /// More about it.
    pub description: MaybeUndefined<String>,
    /// How badly it hurts.
    pub severity: Option<IssueSeverity>,
    /// Who owns it (an enabled staff login).
    pub owner_user_id: Option<ID>,
    /// RESOLVED (needs `resolution`) or, for a resolved one, OPEN again.
    pub status: Option<IssueStatus>,
    /// How it was resolved: required to resolve it.
    pub resolution: Option<String>,
}

/// A new milestone of an engagement's plan.
#[derive(InputObject)]
pub struct AddEngagementMilestoneInput {
    /// An engagement that is not closed or cancelled (at most 100 milestones).
    pub engagement_id: ID,
    /// What is reached.
    pub name: String,
    /// When it is due (today or later).
    pub due_on: Date,
}

/// Which milestone is reached.
#[derive(InputObject)]
pub struct CompleteEngagementMilestoneInput {
    /// An open milestone.
    pub milestone_id: ID,
    /// The version read (stale: CONFLICT).
    pub expected_version: i32,
}

/// A delay with its revised timeline.
#[derive(InputObject)]
pub struct RecordEngagementDelayInput {
    /// An engagement that is not closed or cancelled (at most 100 delays).
    pub engagement_id: ID,
    /// The revised timeline's end: required, later than the plan's end
    /// (`planEndDate`) and not in the past.
    pub revised_end_date: Option<Date>,
    /// Why the work is late (required).
    pub reason: Option<String>,
    /// How the delay is mitigated (required).
    pub mitigation: Option<String>,
}

// ---------------------------------------------------------------- payloads

impl<M, R: From<M>> From<register::Recorded<M>> for Pair<Engagement, R> {
    fn from(r: register::Recorded<M>) -> Self {
        Pair(Engagement(r.engagement), r.record.into())
    }
}

/// Declare a payload with the engagement and the record changed.
macro_rules! record_payload {
    ($doc:literal, $name:ident, $field:ident : $node:ty, $field_doc:literal) => {
        pair_payload! {
            #[doc = $doc]
            $name {
                /// The engagement after the change; null when the input was refused.
                engagement: Engagement,
                #[doc = $field_doc]
                $field: $node,
            }
        }
    };
}

record_payload!(
    "Result of `addEngagementRisk`.",
    AddEngagementRiskPayload,
    risk: EngagementRisk,
    "The risk added; null when the input was refused."
);
record_payload!(
    "Result of `updateEngagementRisk`.",
    UpdateEngagementRiskPayload,
    risk: EngagementRisk,
    "The risk after the change; null when the input was refused."
);
record_payload!(
    "Result of `addEngagementIssue`.",
    AddEngagementIssuePayload,
    issue: EngagementIssue,
    "The issue logged; null when the input was refused."
);
record_payload!(
    "Result of `updateEngagementIssue`.",
    UpdateEngagementIssuePayload,
    issue: EngagementIssue,
    "The issue after the change; null when the input was refused."
);
record_payload!(
    "Result of `addEngagementMilestone`.",
    AddEngagementMilestonePayload,
    milestone: EngagementMilestone,
    "The milestone added; null when the input was refused."
);
record_payload!(
    "Result of `completeEngagementMilestone`.",
    CompleteEngagementMilestonePayload,
    milestone: EngagementMilestone,
    "The milestone completed; null when the input was refused."
);
record_payload!(
    "Result of `recordEngagementDelay`.",
    RecordEngagementDelayPayload,
    delay: EngagementDelay,
    "The delay recorded; null when the input was refused."
);

// ---------------------------------------------------------------- roots

#[derive(Default)]
pub struct EngagementRegisterMutation;

#[Object]
impl EngagementRegisterMutation {
    /// Add a risk to an engagement's register (delivery staff, PM, ADMIN):
    /// OPEN, scored likelihood × impact.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn add_engagement_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AddEngagementRiskInput,
    ) -> async_graphql::Result<AddEngagementRiskPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = register::NewRisk {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                title: input.title,
                description: input.description,
                likelihood: input.likelihood,
                impact: input.impact,
                owner_user_id: input_id(&input.owner_user_id, "ownerUserId")?,
                mitigation: input.mitigation,
            };
            register::add_risk(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Change a risk (delivery staff, PM, ADMIN): its text, ratings, owner,
    /// mitigation and status (MITIGATING needs a mitigation).
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn update_engagement_risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateEngagementRiskInput,
    ) -> async_graphql::Result<UpdateEngagementRiskPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let change = register::RiskChange {
                risk_id: input_id(&input.risk_id, "riskId")?,
                expected_version: input.expected_version,
                title: input.title,
                description: patch(input.description),
                likelihood: input.likelihood,
                impact: input.impact,
                owner_user_id: input
                    .owner_user_id
                    .as_ref()
                    .map(|o| input_id(o, "ownerUserId"))
                    .transpose()?,
                mitigation: patch(input.mitigation),
                status: input.status.map(Into::into),
            };
            register::update_risk(&ctx.services().db, &domain_ctx, &change).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Log an issue of an engagement (delivery staff, PM, ADMIN): OPEN.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn add_engagement_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AddEngagementIssueInput,
    ) -> async_graphql::Result<AddEngagementIssuePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = register::NewIssue {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                title: input.title,
                description: input.description,
                severity: input.severity.into(),
                owner_user_id: input_id(&input.owner_user_id, "ownerUserId")?,
            };
            register::add_issue(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Change an issue (delivery staff, PM, ADMIN), resolving it with its
    /// resolution or reopening it.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn update_engagement_issue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateEngagementIssueInput,
    ) -> async_graphql::Result<UpdateEngagementIssuePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let change = register::IssueChange {
                issue_id: input_id(&input.issue_id, "issueId")?,
                expected_version: input.expected_version,
                title: input.title,
                description: patch(input.description),
                severity: input.severity.map(Into::into),
                owner_user_id: input
                    .owner_user_id
                    .as_ref()
                    .map(|o| input_id(o, "ownerUserId"))
                    .transpose()?,
                status: input.status.map(Into::into),
                resolution: input.resolution,
            };
            register::update_issue(&ctx.services().db, &domain_ctx, &change).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Add a dated milestone to an engagement's plan (PROJECT_MANAGER,
    /// ADMIN).
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn add_engagement_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AddEngagementMilestoneInput,
    ) -> async_graphql::Result<AddEngagementMilestonePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let new = register::NewMilestone {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                name: input.name,
                due_on: input.due_on.0,
            };
            let calendar = services.calendar.current();
            register::add_milestone(&services.db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Complete a milestone, once (PROJECT_MANAGER, ADMIN).
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn complete_engagement_milestone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CompleteEngagementMilestoneInput,
    ) -> async_graphql::Result<CompleteEngagementMilestonePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.milestone_id, "milestoneId")?;
            register::complete_milestone(
                &ctx.services().db,
                &domain_ctx,
                id,
                input.expected_version,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record a delay with its revised timeline (PROJECT_MANAGER, ADMIN):
    /// the plan ends on `revisedEndDate`, open milestones move by the
    /// business days it slipped, the customer is emailed the new dates, and
    /// a delay of `significantDelayDays` or more escalates to ADMIN at once.
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn record_engagement_delay(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordEngagementDelayInput,
    ) -> async_graphql::Result<RecordEngagementDelayPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let new = delays::NewDelay {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                revised_end_date: input.revised_end_date.map(|d| d.0),
                reason: input.reason.unwrap_or_default(),
                mitigation: input.mitigation.unwrap_or_default(),
            };
            let calendar = services.calendar.current();
            delays::record_delay(&services.db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }
}
