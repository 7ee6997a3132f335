//! Engagements, part 1: versioned process templates (ADMIN drafts and
//! publishes), engagements that walk a template's stages (outputs done with
//! evidence, decisions answered with their consequences, stages left only
//! when done), pausing, resuming and cancelling, and live changes; their
//! deliverables (versions, quality reviews, the customer's acceptance
//! rounds), which gate the stages that name them.
//! Resolvers only translate; the rules are in `domain::engagements`.

use super::customers::Customer;
use super::date::Date;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, page_request, payload,
    record_updates, respond,
};
use super::loaders::{DeliverablesLoader, TemplateLoader, load_list, load_one, staff_email};
use super::orders::TimelineStep;
use super::users::Role;
use async_graphql::connection::Connection;
use async_graphql::{
    Context, Enum, ErrorExtensions, ID, InputObject, Object, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use domain::engagements::{self, deliverables, state::Event, template};
use domain::kernel::{Permission, Scope};
use entity::{
    acceptance_round, deliverable_version, engagement_action, engagement_decision,
    engagement_member, quality_review,
};
use futures::Stream;

/// Whether a process template version may be used.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TemplateStatus")]
pub enum TemplateStatus {
    /// Being prepared; no engagement follows it yet (`publishProcessTemplate`).
    Draft,
    /// New engagements follow the latest published version of its key.
    Published,
}

/// Where an engagement is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::EngagementStatus")]
pub enum EngagementStatus {
    /// Set up, not started (`startEngagement`).
    Planned,
    /// Work runs in its current stage.
    Active,
    /// Paused (see `statusReason`).
    OnHold,
    /// Its last stage was left.
    Closed,
    /// Called off (see `statusReason`).
    Cancelled,
}

/// The unit of a stage's planned duration.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::engagements::template::DurationUnit")]
pub enum DurationUnit {
    /// Business hours (09:00–17:00 on business days).
    BusinessHours,
    /// Business days; a stage is due at the close of its last one.
    BusinessDays,
}

/// What an answer to a decision point leads to.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::engagements::template::Consequence")]
pub enum Consequence {
    /// Nothing more is needed.
    Proceed,
    /// A revised timeline must be given (`revisedEndDate`).
    ReviseTimeline,
    /// At least one mitigation action (owner, due date) must be given.
    MitigationActions,
    /// Leaving the stage starts a revision round back to `reviseFrom`.
    ReviseFrom,
    /// The stage cannot be left while this is the answer (escalate).
    Stay,
}

/// What a stage needs of the engagement's deliverables before it is left
/// (and so where they are submitted, reviewed and accepted).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::engagements::template::DeliverableGate")]
pub enum DeliverableGate {
    /// Deliverables are made here (`addDeliverable`,
    /// `submitDeliverableVersion`): each needs a version submitted for review.
    Submitted,
    /// Deliverables are reviewed here (`reviewDeliverable`): each latest
    /// version must pass.
    Reviewed,
    /// The customer accepts here (`requestDeliverableAcceptance`, then
    /// `decideApproval`): each must be accepted.
    Accepted,
}

/// Where a deliverable is between its versions, review and acceptance.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::DeliverableStatus")]
pub enum DeliverableStatus {
    /// Named, no version yet.
    Draft,
    /// Its latest version awaits quality review.
    Submitted,
    /// Its latest version failed review: a new version is needed (see
    /// `findings`).
    ReviewFailed,
    /// Its latest version passed review.
    Reviewed,
    /// The customer is asked to accept it (see `approvalId`).
    AwaitingAcceptance,
    /// The customer accepted its reviewed version (`acceptedVersion`).
    Accepted,
    /// The customer rejected it with feedback (see `findings`): a new
    /// version is needed.
    Rejected,
}

/// How one acceptance round ended.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AcceptanceOutcome")]
pub enum AcceptanceOutcome {
    /// Awaiting the customer.
    Pending,
    /// The customer accepted the version.
    Accepted,
    /// The customer rejected it with feedback (a revision round follows).
    Rejected,
    /// Its approval expired or was cancelled: acceptance may be asked again.
    Lapsed,
}

/// A step that may be taken on an engagement.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EngagementAction {
    /// `startEngagement`.
    Start,
    /// `completeStageOutput` (the current stage's owner role).
    CompleteOutput,
    /// `recordDecision` (the current stage's owner role).
    RecordDecision,
    /// `advanceStage` (the current stage's owner role).
    AdvanceStage,
    /// `holdEngagement`.
    Hold,
    /// `resumeEngagement`.
    Resume,
    /// `cancelEngagement`.
    Cancel,
}

impl From<engagements::Action> for EngagementAction {
    fn from(a: engagements::Action) -> Self {
        match a {
            engagements::Action::Start => EngagementAction::Start,
            engagements::Action::CompleteOutput => EngagementAction::CompleteOutput,
            engagements::Action::RecordDecision => EngagementAction::RecordDecision,
            engagements::Action::AdvanceStage => EngagementAction::AdvanceStage,
            engagements::Action::Hold => EngagementAction::Hold,
            engagements::Action::Resume => EngagementAction::Resume,
            engagements::Action::Cancel => EngagementAction::Cancel,
        }
    }
}

/// A step that may be taken next on an engagement, and who may take it.
#[derive(SimpleObject)]
pub struct EngagementNextAction {
    /// The step.
    pub action: EngagementAction,
    /// The role that may take it (ADMIN may too).
    pub role: Role,
}

// ---------------------------------------------------------------- templates

/// One required output of a stage.
#[derive(SimpleObject)]
pub struct StageOutput {
    /// Stable key (`completeStageOutput` names it).
    pub key: String,
    /// What must be done.
    pub name: String,
}

/// A question a stage's owner answers before leaving it, and what each
/// answer leads to.
#[derive(SimpleObject)]
pub struct DecisionPoint {
    /// Stable key (`recordDecision` names it).
    pub key: String,
    /// The question.
    pub question: String,
    /// What a yes leads to.
    pub if_yes: Consequence,
    /// What a no leads to.
    pub if_no: Consequence,
    /// For REVISE_FROM: the key of the stage a revision round goes back to.
    pub revise_from: Option<String>,
}

pub struct ProcessStage(pub template::Stage);

object! {
    /// One stage of a process template.
    #[Object]
    impl ProcessStage {
        /// Stable key, unique in its template.
        key: &str,
        /// Its name, e.g. `Quality Review`.
        name: &str,
        /// Its phase, for templates grouped in phases (e.g. `1 Discovery and planning`).
        phase: Option<&str>,
        /// The role that owns it: only this role (or ADMIN) completes its
        /// outputs, answers its decisions and leaves it.
        owner_role: Role,
        /// The shortest planned duration, in `durationUnit`.
        async fn min_duration(&self) -> i32 {
            i32::try_from(self.0.min_duration).unwrap_or(i32::MAX)
        }
        /// The longest planned duration, in `durationUnit`: the stage is due
        /// (and then flagged overdue) this long after it starts.
        async fn max_duration(&self) -> i32 {
            i32::try_from(self.0.max_duration).unwrap_or(i32::MAX)
        }
        /// The unit of its durations.
        duration_unit: DurationUnit,
        /// What it starts from (a checklist, not gated).
        async fn inputs(&self) -> &[String] {
            &self.0.inputs
        }
        /// The outputs that must be done (with evidence) before it may be left.
        async fn outputs(&self) -> Vec<StageOutput> {
            self.0
                .outputs
                .iter()
                .map(|o| StageOutput {
                    key: o.key.clone(),
                    name: o.name.clone(),
                })
                .collect()
        }
        /// The questions that must be answered before it may be left.
        async fn decisions(&self) -> Vec<DecisionPoint> {
            self.0.decisions.iter().map(decision_point).collect()
        }
        /// What it needs of the engagement's deliverables before it may be
        /// left, and so which deliverable steps happen in it; null when none.
        gate: Option<DeliverableGate>,
    }
}

fn decision_point(d: &template::DecisionPoint) -> DecisionPoint {
    DecisionPoint {
        key: d.key.clone(),
        question: d.question.clone(),
        if_yes: d.if_yes.into(),
        if_no: d.if_no.into(),
        revise_from: d.revise_from.clone(),
    }
}

pub struct ProcessTemplate(pub engagements::Template);

object! {
    /// One version of a process template: its stages in order and the quality
    /// review's checklist. Engagements keep the version they were set up on.
    #[Object]
    impl ProcessTemplate {
        /// Stable identifier of this version.
        id: ID = row.id,
        /// The template's key, shared by its versions (`createEngagement` names it).
        key: &str = row.key,
        /// 1, 2, … per key.
        version: i32 = row.version,
        /// Its name.
        name: &str = row.name,
        /// Draft or published.
        status: TemplateStatus = row.status,
        /// When it was published (UTC).
        published_at: Option<DateTime<Utc>> = row.published_at,
        /// When it was drafted (UTC).
        created_at: DateTime<Utc> = row.created_at,
        /// Its stages, in the order an engagement walks them.
        async fn stages(&self) -> Vec<ProcessStage> {
            self.0
                .definition
                .stages
                .iter()
                .cloned()
                .map(ProcessStage)
                .collect()
        }
        /// What the quality review checks each deliverable against.
        async fn quality_checklist(&self) -> &[String] {
            &self.0.definition.quality_checklist
        }
    }
}

impl From<engagements::Template> for ProcessTemplate {
    fn from(t: engagements::Template) -> Self {
        ProcessTemplate(t)
    }
}

// ---------------------------------------------------------------- engagements

/// One required output of the current stage in the current round.
#[derive(SimpleObject)]
pub struct OutputProgress {
    /// The output's key.
    pub key: String,
    /// What must be done.
    pub name: String,
    /// Done in this round.
    pub done: bool,
    /// The note, link or document reference it was done with.
    pub evidence: Option<String>,
    /// Who completed it (a user id).
    pub completed_by: Option<String>,
    /// When (UTC).
    pub completed_at: Option<DateTime<Utc>>,
}

/// One decision point of the current stage with its latest answer in the
/// current round.
#[derive(SimpleObject)]
pub struct DecisionProgress {
    /// The decision point's key.
    pub key: String,
    /// The question.
    pub question: String,
    /// The latest answer in this round; null until answered.
    pub answer: Option<bool>,
    /// What that answer leads to; null until answered.
    pub consequence: Option<Consequence>,
    /// The note given with it.
    pub note: Option<String>,
    /// Who answered (a user id).
    pub decided_by: Option<String>,
    /// When (UTC).
    pub decided_at: Option<DateTime<Utc>>,
}

/// Where an engagement is in its template: the stage, and what of it is
/// done in the current round.
#[derive(SimpleObject)]
pub struct StageProgress {
    /// The stage as its template version defines it.
    pub stage: ProcessStage,
    /// Its place among the template's stages, from 0.
    pub index: i32,
    /// Each required output, in template order, and whether it is done.
    pub outputs: Vec<OutputProgress>,
    /// Each decision point, in template order, with its latest answer.
    pub decisions: Vec<DecisionProgress>,
}

pub struct EngagementMember(pub engagement_member::Model);

object! {
    /// A member of an engagement's team.
    #[Object]
    impl EngagementMember {
        /// Their login's id.
        user_id: ID,
        /// Their sign-in email, the team's work contact (staff only; null for
        /// customers).
        async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            staff_email(ctx, self.0.user_id).await
        }
        /// Their role on the engagement (their login's role).
        role: Role,
    }
}

pub struct EngagementDecision(pub engagement_decision::Model);

object! {
    /// One recorded answer to a decision point (append-only; a later answer in
    /// the same stage and round supersedes an earlier one).
    #[Object]
    impl EngagementDecision {
        /// Stable identifier.
        id: ID,
        /// The stage it was asked in.
        stage_key: &str,
        /// The revision round it was asked in (0 before any).
        round: i32,
        /// The decision point's key.
        decision_key: &str,
        /// Yes or no.
        answer: bool,
        /// The note given with it.
        note: Option<&str>,
        /// The revised timeline's end date, when the answer asked for one.
        revised_end_date: Option<Date>,
        /// Who answered (a user id).
        decided_by: &str,
        /// When (UTC).
        decided_at: DateTime<Utc>,
    }
}

pub struct MitigationAction(pub engagement_action::Model);

object! {
    /// An action recorded to mitigate a risk (until part 2's risk register).
    #[Object]
    impl MitigationAction {
        /// Stable identifier.
        id: ID,
        /// What is to be done.
        description: &str,
        /// Who owns it (a staff login's id).
        owner_user_id: ID,
        /// The owner's sign-in email (staff only; null for customers).
        async fn owner_email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            staff_email(ctx, self.0.owner_user_id).await
        }
        /// When it is due.
        due_on: Date,
        /// When it was done (UTC); null while open.
        done_at: Option<DateTime<Utc>>,
        /// The answer that required it.
        decision_id: Option<ID>,
        /// When it was recorded (UTC).
        created_at: DateTime<Utc>,
    }
}

// ---------------------------------------------------------------- deliverables

pub struct DeliverableVersion(pub deliverable_version::Model);

object! {
    /// One version of a deliverable, as submitted for quality review (each
    /// revision is a new one).
    #[Object]
    impl DeliverableVersion {
        /// 1, 2, … per deliverable.
        number: i32,
        /// The link or document reference submitted.
        reference: &str,
        /// The note submitted with it.
        note: Option<&str>,
        /// Who submitted it (a user id).
        submitted_by: &str,
        /// When (UTC).
        submitted_at: DateTime<Utc>,
    }
}

/// One check of a quality review's checklist.
#[derive(SimpleObject)]
pub struct ReviewCheck {
    /// The item of the template's quality checklist.
    pub item: String,
    /// Whether the version passed it.
    pub passed: bool,
}

/// One metric a quality review recorded.
#[derive(SimpleObject)]
pub struct ReviewMetric {
    /// What was measured, e.g. `defects found`.
    pub name: String,
    /// Its value as recorded, e.g. `3`.
    pub value: String,
}

pub struct QualityReview(pub quality_review::Model);

object! {
    /// A quality review of one version of a deliverable against its template's
    /// quality checklist.
    #[Object]
    impl QualityReview {
        /// The version reviewed.
        version_number: i32,
        /// Every check passed.
        passed: bool,
        /// Each item of the template's checklist, as ticked.
        async fn checklist(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReviewCheck>> {
            let checks: Vec<deliverables::Check> = serde_json::from_str(&self.0.checklist)
                .map_err(|e| stored_unreadable(ctx, "checklist", &self.0, &e))?;
            Ok(checks
                .into_iter()
                .map(|c| ReviewCheck {
                    item: c.item,
                    passed: c.passed,
                })
                .collect())
        }
        /// The metrics it recorded, by name.
        async fn metrics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReviewMetric>> {
            let metrics: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&self.0.metrics)
                    .map_err(|e| stored_unreadable(ctx, "metrics", &self.0, &e))?;
            Ok(metrics
                .into_iter()
                .map(|(name, value)| ReviewMetric { name, value })
                .collect())
        }
        /// What to change (required when it failed).
        findings: Option<&str>,
        /// Who reviewed (a user id).
        reviewed_by: &str,
        /// When (UTC).
        reviewed_at: DateTime<Utc>,
    }
}

/// A review's stored JSON that no longer reads: an INTERNAL error.
fn stored_unreadable(
    ctx: &Context<'_>,
    column: &str,
    review: &quality_review::Model,
    cause: &serde_json::Error,
) -> async_graphql::Error {
    super::ApiError::internal(
        &ctx.request().request_id,
        &format!("quality review {} {column} unreadable: {cause}", review.id),
    )
    .extend()
}

pub struct AcceptanceRound(pub acceptance_round::Model);

object! {
    /// One round of the customer's acceptance of a deliverable version (a
    /// DELIVERABLE_ACCEPTANCE approval); every round is kept.
    #[Object]
    impl AcceptanceRound {
        /// The version put to the customer.
        version_number: i32,
        /// Its DELIVERABLE_ACCEPTANCE approval (the customer decides it with
        /// `decideApproval`).
        approval_id: ID,
        /// How it ended; PENDING while the customer decides.
        outcome: AcceptanceOutcome,
        /// The customer's feedback (on a rejection, what to change).
        feedback: Option<&str>,
        /// When acceptance was asked (UTC).
        requested_at: DateTime<Utc>,
        /// When it was decided, expired or cancelled (UTC); null while PENDING.
        decided_at: Option<DateTime<Utc>>,
    }
}

pub struct Deliverable(pub deliverables::Deliverable);

object! {
    /// Something an engagement delivers: versions submitted while work runs,
    /// a quality review of each, and the customer's acceptance of a reviewed
    /// version.
    #[Object]
    impl Deliverable {
        /// Stable identifier.
        id: ID = deliverable.id,
        /// Its name.
        name: &str = deliverable.name,
        /// What the customer accepts it against.
        acceptance_criteria: &str = deliverable.acceptance_criteria,
        /// Where it is.
        status: DeliverableStatus = deliverable.status,
        /// The latest version submitted (0 before the first).
        current_version: i32 = deliverable.current_version,
        /// The version the customer accepted; null until accepted.
        accepted_version: Option<i32> = deliverable.accepted_version,
        /// What the last failed review or the customer's rejection asked to
        /// change.
        findings: Option<&str> = deliverable.findings,
        /// The pending (or last) DELIVERABLE_ACCEPTANCE approval; null until
        /// acceptance is first asked.
        approval_id: Option<ID> = deliverable.approval_id,
        /// Its versions, oldest first.
        async fn versions(&self) -> Vec<DeliverableVersion> {
            self.0
                .versions
                .iter()
                .cloned()
                .map(DeliverableVersion)
                .collect()
        }
        /// Its quality reviews, oldest first (one per version reviewed).
        async fn reviews(&self) -> Vec<QualityReview> {
            self.0.reviews.iter().cloned().map(QualityReview).collect()
        }
        /// Its acceptance rounds, oldest first.
        async fn acceptance_rounds(&self) -> Vec<AcceptanceRound> {
            self.0.rounds.iter().cloned().map(AcceptanceRound).collect()
        }
    }
}

pub struct Engagement(pub engagements::Engagement);

impl Engagement {
    /// Its template version, through the page's loader.
    async fn load_template(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<engagements::Template> {
        let id = self.0.engagement.template_id;
        load_one::<TemplateLoader, _>(ctx, id)
            .await?
            .ok_or_else(|| {
                super::ApiError::internal(
                    &ctx.request().request_id,
                    &format!("engagement template {id} is missing"),
                )
                .extend()
            })
    }

    /// Its current stage in its template version.
    async fn stage(&self, ctx: &Context<'_>) -> async_graphql::Result<template::Stage> {
        let template = self.load_template(ctx).await?;
        let index = self.0.engagement.stage_index;
        usize::try_from(index)
            .ok()
            .and_then(|i| template.definition.stage(i))
            .cloned()
            .ok_or_else(|| {
                super::ApiError::internal(
                    &ctx.request().request_id,
                    &format!("engagement stage {index} is past its template"),
                )
                .extend()
            })
    }
}

object! {
    /// A service engagement for a customer, walking the stages of the template
    /// version it was set up on.
    #[Object]
    impl Engagement {
        /// Stable identifier.
        pub(crate) id: ID = engagement.id,
        /// Gap-free number, e.g. `ENG-000001`.
        number: &str = engagement.number,
        /// The customer (null for a customer the caller may not see).
        async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
            let id = self.0.engagement.customer_id;
            if !Scope::of_ctx(&ctx.domain_ctx()?).permits(id) {
                return Ok(None);
            }
            let found = load_one::<super::loaders::CustomerLoader, _>(ctx, id).await?;
            Ok(found.map(Customer))
        }
        /// The template version it follows (kept when newer versions are published).
        async fn template(&self, ctx: &Context<'_>) -> async_graphql::Result<ProcessTemplate> {
            Ok(ProcessTemplate(self.load_template(ctx).await?))
        }
        /// Its name.
        name: &str = engagement.name,
        /// The scope of work it delivers (a reference to the signed document).
        scope_reference: &str = engagement.scope_reference,
        /// When work is planned to start.
        planned_start: Date = engagement.planned_start,
        /// Where it is.
        status: EngagementStatus = engagement.status,
        /// Why it was paused or cancelled (or last resumed).
        status_reason: Option<&str> = engagement.status_reason,
        /// The stage it is in (while PLANNED the first, not yet started; once
        /// CLOSED the last it left), with what of it is done in this round.
        async fn current_stage(&self, ctx: &Context<'_>) -> async_graphql::Result<StageProgress> {
            let stage = self.stage(ctx).await?;
            let e = &self.0;
            let outputs = e
                .output_progress(&stage)
                .into_iter()
                .map(|(o, row)| OutputProgress {
                    key: o.key.clone(),
                    name: o.name.clone(),
                    done: row.is_some(),
                    evidence: row.map(|r| r.evidence.clone()),
                    completed_by: row.map(|r| r.completed_by.clone()),
                    completed_at: row.map(|r| r.completed_at),
                })
                .collect();
            let decisions = e
                .decision_progress(&stage)
                .into_iter()
                .map(|(d, row)| DecisionProgress {
                    key: d.key.clone(),
                    question: d.question.clone(),
                    answer: row.map(|r| r.answer),
                    consequence: row.map(|r| d.consequence(r.answer).into()),
                    note: row.and_then(|r| r.note.clone()),
                    decided_by: row.map(|r| r.decided_by.clone()),
                    decided_at: row.map(|r| r.decided_at),
                })
                .collect();
            Ok(StageProgress {
                stage: ProcessStage(stage),
                index: e.engagement.stage_index,
                outputs,
                decisions,
            })
        }
        /// Revision rounds so far (0 until a "no" sends work back).
        round: i32 = engagement.round,
        /// When the current stage started (UTC); null while PLANNED.
        stage_started_at: Option<DateTime<Utc>> = engagement.stage_started_at,
        /// When the current stage is due, from business time (UTC).
        stage_due_at: Option<DateTime<Utc>> = engagement.stage_due_at,
        /// The current stage passed its due time (flagged once per stage, when
        /// its owners are told).
        stage_overdue: bool = engagement.stage_overdue,
        /// The end date of the latest revised timeline.
        revised_end_date: Option<Date> = engagement.revised_end_date,
        /// The team, in the order named.
        async fn team(&self) -> Vec<EngagementMember> {
            self.0.team.iter().cloned().map(EngagementMember).collect()
        }
        /// Every recorded answer, every stage and round, oldest first.
        async fn decisions(&self) -> Vec<EngagementDecision> {
            self.0
                .decisions
                .iter()
                .cloned()
                .map(EngagementDecision)
                .collect()
        }
        /// Mitigation actions recorded with its answers, oldest first.
        async fn actions(&self) -> Vec<MitigationAction> {
            self.0
                .actions
                .iter()
                .cloned()
                .map(MitigationAction)
                .collect()
        }
        /// What may happen next and who may do it (empty for a customer, who
        /// may do nothing here).
        async fn next_actions(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<EngagementNextAction>> {
            let viewer = ctx.domain_ctx()?.actor.role;
            if viewer == domain::Role::Customer {
                return Ok(vec![]);
            }
            let owner = self.stage(ctx).await?.owner_role;
            Ok(
                engagements::next_actions(self.0.engagement.status, owner, viewer)
                    .into_iter()
                    .map(|(action, role)| EngagementNextAction {
                        action: action.into(),
                        role: role.into(),
                    })
                    .collect(),
            )
        }
        /// Its deliverables, oldest first (at most 50), each with its versions,
        /// quality reviews and acceptance rounds.
        async fn deliverables(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deliverable>> {
            load_list::<DeliverablesLoader, _, _>(ctx, self.0.engagement.id, Deliverable).await
        }
        // ANCHOR(register): risks, issues, milestones, delays, escalations, plan end.
        /// Its risk register, oldest first (at most 200; staff only: empty for
        /// a customer).
        async fn risks(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::engagement_register::EngagementRisk>> {
            super::engagement_register::risks(ctx, &self.0).await
        }
        /// Its issue log, oldest first (at most 200; staff only: empty for a
        /// customer).
        async fn issues(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::engagement_register::EngagementIssue>> {
            super::engagement_register::issues(ctx, &self.0).await
        }
        /// Its milestones, by due date (at most 100).
        async fn milestones(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::engagement_register::EngagementMilestone>> {
            super::engagement_register::milestones(ctx, &self.0).await
        }
        /// Its recorded delays, oldest first (at most 100).
        async fn delays(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::engagement_register::EngagementDelay>> {
            super::engagement_register::delays(ctx, &self.0).await
        }
        /// Its escalations to ADMIN, oldest first (the latest 200; staff only:
        /// empty for a customer).
        async fn escalations(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::engagement_register::EngagementEscalation>> {
            super::engagement_register::escalations(ctx, &self.0).await
        }
        /// When its plan ends now: the latest revised timeline's end, else its
        /// template's stages at their longest from its planned start (business
        /// days).
        async fn plan_end_date(&self, ctx: &Context<'_>) -> async_graphql::Result<Date> {
            super::engagement_register::plan_end_date(ctx, &self.0).await
        }
        // ANCHOR(closure): fee, scope changes, final invoice, lessons learned, closed at.
        /// The agreed fee ex-GST: the fee lines it was set up with (approved
        /// scope changes add lines of their own, see `feeLines`).
        async fn fee(&self) -> super::money::Money {
            super::engagement_closure::fee(&self.0)
        }
        /// Its fee lines in order (at most 20 set up, then one per approved
        /// scope change): what the final invoice bills.
        async fn fee_lines(&self) -> Vec<super::engagement_closure::FeeLine> {
            super::engagement_closure::fee_lines(&self.0)
        }
        /// Its scope changes by number (at most 100), each with its impact on
        /// cost, schedule and risk and how its approval ended.
        async fn scope_changes(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::engagement_closure::ScopeChange>> {
            super::engagement_closure::scope_changes(ctx, &self.0).await
        }
        /// What the final invoice bills ex-GST as things stand: its fee lines
        /// (the agreed fee plus every approved scope change; GST is added by
        /// each line's tax code when the business is registered).
        async fn billable_total(&self) -> super::money::Money {
            super::engagement_closure::billable_total(&self.0)
        }
        /// Its final invoice, once issued (`issueEngagementFinalInvoice`).
        async fn final_invoice(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::invoices::Invoice>> {
            super::engagement_closure::final_invoice(ctx, &self.0).await
        }
        /// The lessons learned recorded for closure (staff only; null for
        /// customers).
        async fn lessons_learned(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
            super::engagement_closure::lessons_learned(ctx, &self.0)
        }
        /// When it was formally closed (UTC); null until CLOSED.
        closed_at: Option<DateTime<Utc>> = engagement.closed_at,
        // ANCHOR(reports): NPS answer.
        /// The customer's answer to the NPS survey sent at closure; null until
        /// they answer.
        async fn nps_response(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::engagement_reports::NpsResponse>> {
            super::engagement_reports::nps_response(ctx, self.0.engagement.id).await
        }
        /// Every step so far, with who and when (from the audit trail).
        async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TimelineStep>> {
            TimelineStep::of(ctx, self.0.engagement.id).await
        }
        /// Incremented by every change.
        version: i32 = engagement.version,
        /// When it was set up (UTC).
        created_at: DateTime<Utc> = engagement.created_at,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc> = engagement.updated_at,
    }
}

impl From<engagements::Engagement> for Engagement {
    fn from(e: engagements::Engagement) -> Self {
        Engagement(e)
    }
}

// ---------------------------------------------------------------- inputs

/// One required output of a stage.
#[derive(InputObject)]
pub struct StageOutputInput {
    /// Stable key, unique in its stage.
    pub key: String,
    /// What must be done.
    pub name: String,
}

/// A decision point of a stage.
#[derive(InputObject)]
pub struct DecisionPointInput {
    /// Stable key, unique in its stage.
    pub key: String,
    /// The question.
    pub question: String,
    /// What a yes leads to.
    pub if_yes: Consequence,
    /// What a no leads to.
    pub if_no: Consequence,
    /// For REVISE_FROM: the key of this or an earlier stage.
    pub revise_from: Option<String>,
}

/// One stage of a template being drafted.
#[derive(InputObject)]
pub struct ProcessStageInput {
    /// Stable key, unique in the template.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its phase, when the template groups stages in phases.
    pub phase: Option<String>,
    /// The staff role that owns it.
    pub owner_role: Role,
    /// The shortest planned duration (at least 1).
    pub min_duration: i32,
    /// The longest planned duration (at least `minDuration`): the stage is
    /// due this long after it starts.
    pub max_duration: i32,
    /// The unit of both durations.
    pub duration_unit: DurationUnit,
    /// What it starts from (a checklist; at most 50).
    #[graphql(default)]
    pub inputs: Vec<String>,
    /// The outputs that gate leaving it (at most 50).
    #[graphql(default)]
    pub outputs: Vec<StageOutputInput>,
    /// The questions answered before leaving it (at most 50).
    #[graphql(default)]
    pub decisions: Vec<DecisionPointInput>,
    /// What it needs of the deliverables before it is left: gated stages
    /// come in the order SUBMITTED, REVIEWED, ACCEPTED (each at most once,
    /// SUBMITTED first).
    pub gate: Option<DeliverableGate>,
}

/// A template version's whole definition.
#[derive(InputObject)]
pub struct ProcessTemplateDefinitionInput {
    /// The stages, in order (1 to 40).
    pub stages: Vec<ProcessStageInput>,
    /// The quality review's checklist (at most 50 checks).
    #[graphql(default)]
    pub quality_checklist: Vec<String>,
}

impl ProcessTemplateDefinitionInput {
    fn into_definition(self) -> template::Definition {
        // A negative duration reads as 0, which the definition's rules refuse.
        let duration = |d: i32| u32::try_from(d).unwrap_or(0);
        template::Definition {
            stages: self
                .stages
                .into_iter()
                .map(|s| template::Stage {
                    key: s.key,
                    name: s.name,
                    phase: s.phase,
                    owner_role: s.owner_role.into(),
                    min_duration: duration(s.min_duration),
                    max_duration: duration(s.max_duration),
                    duration_unit: s.duration_unit.into(),
                    inputs: s.inputs,
                    outputs: s
                        .outputs
                        .into_iter()
                        .map(|o| template::Output {
                            key: o.key,
                            name: o.name,
                        })
                        .collect(),
                    decisions: s
                        .decisions
                        .into_iter()
                        .map(|d| template::DecisionPoint {
                            key: d.key,
                            question: d.question,
                            if_yes: d.if_yes.into(),
                            if_no: d.if_no.into(),
                            revise_from: d.revise_from,
                        })
                        .collect(),
                    gate: s.gate.map(Into::into),
                })
                .collect(),
            quality_checklist: self.quality_checklist,
        }
    }
}

/// The next version of a template (a new key starts at version 1).
#[derive(InputObject)]
pub struct DraftProcessTemplateInput {
    /// The template's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its stages and checklist; each problem is refused at its path.
    pub definition: ProcessTemplateDefinitionInput,
}

/// Which draft to publish.
#[derive(InputObject)]
pub struct PublishProcessTemplateInput {
    /// The DRAFT version.
    pub template_id: ID,
}

/// A member of a new engagement's team.
#[derive(InputObject)]
pub struct EngagementMemberInput {
    /// An enabled staff login; they serve in their login's role.
    pub user_id: ID,
}

/// A new engagement.
#[derive(InputObject)]
pub struct CreateEngagementInput {
    /// The customer.
    pub customer_id: ID,
    /// The template's key; the engagement follows its latest published version.
    pub template_key: String,
    /// Its name.
    pub name: String,
    /// The scope of work it delivers (a reference to the signed document).
    pub scope_reference: String,
    /// When work is planned to start.
    pub planned_start: Date,
    /// The team (at most 50, each once).
    #[graphql(default)]
    pub team: Vec<EngagementMemberInput>,
    /// Its fee lines (at most 20): the agreed fee ex-GST; approved scope
    /// changes add lines and the final invoice bills them all.
    #[graphql(default)]
    pub fees: Vec<EngagementFeeLineInput>,
}

/// One fee line an engagement is set up with.
#[derive(InputObject)]
pub struct EngagementFeeLineInput {
    /// What it bills (at most 200 characters).
    pub description: String,
    /// Its amount ex-GST in dollars (`12500.00`; $0 to $10,000,000).
    pub amount: String,
    /// `TAXABLE` (the default), `GST_FREE` or `INPUT_TAXED`.
    pub tax_code: Option<String>,
}

/// Which engagement to start.
#[derive(InputObject)]
pub struct StartEngagementInput {
    /// A PLANNED engagement.
    pub engagement_id: ID,
}

/// An output of the current stage, done.
#[derive(InputObject)]
pub struct CompleteStageOutputInput {
    /// An ACTIVE engagement.
    pub engagement_id: ID,
    /// The output's key (`currentStage.outputs.key`).
    pub output_key: String,
    /// A note, link or document reference showing it is done.
    pub evidence: String,
}

/// A mitigation action recorded with an answer.
#[derive(InputObject)]
pub struct MitigationActionInput {
    /// What is to be done.
    pub description: String,
    /// Who owns it (an enabled staff login).
    pub owner_user_id: ID,
    /// When it is due (today or later).
    pub due_on: Date,
}

/// An answer to a decision point of the current stage.
#[derive(InputObject)]
pub struct RecordDecisionInput {
    /// An ACTIVE engagement.
    pub engagement_id: ID,
    /// The decision point's key (`currentStage.decisions.key`).
    pub decision_key: String,
    /// Yes or no.
    pub answer: bool,
    /// A note for the record.
    pub note: Option<String>,
    /// Required when the answer asks for a revised timeline: its end date
    /// (today or later).
    pub revised_end_date: Option<Date>,
    /// Required (1 to 20) when the answer asks for mitigation actions.
    #[graphql(default)]
    pub actions: Vec<MitigationActionInput>,
}

/// Which engagement's current stage to leave.
#[derive(InputObject)]
pub struct AdvanceStageInput {
    /// An ACTIVE engagement.
    pub engagement_id: ID,
}

/// Which engagement to pause, and why.
#[derive(InputObject)]
pub struct HoldEngagementInput {
    /// An ACTIVE engagement.
    pub engagement_id: ID,
    /// Why (required, for the record).
    pub reason: String,
}

/// Which engagement to resume, and why.
#[derive(InputObject)]
pub struct ResumeEngagementInput {
    /// An ON_HOLD engagement.
    pub engagement_id: ID,
    /// Why (required, for the record).
    pub reason: String,
}

/// Which engagement to cancel, and why.
#[derive(InputObject)]
pub struct CancelEngagementInput {
    /// A PLANNED, ACTIVE or ON_HOLD engagement.
    pub engagement_id: ID,
    /// Why (required, for the record).
    pub reason: String,
}

/// A new deliverable of an engagement.
#[derive(InputObject)]
pub struct AddDeliverableInput {
    /// An ACTIVE engagement in the stage where deliverables are submitted
    /// (at most 50 deliverables each).
    pub engagement_id: ID,
    /// Its name.
    pub name: String,
    /// What the customer will accept it against.
    pub acceptance_criteria: String,
}

/// A new version of a deliverable, for quality review.
#[derive(InputObject)]
pub struct SubmitDeliverableVersionInput {
    /// A deliverable of an ACTIVE engagement in the stage where
    /// deliverables are submitted (at most 50 versions each).
    pub deliverable_id: ID,
    /// A link or document reference to the version.
    pub reference: String,
    /// A note for the reviewer.
    pub note: Option<String>,
}

/// One check of a quality review, as the reviewer ticks it.
#[derive(InputObject)]
pub struct ReviewCheckInput {
    /// An item of the template's quality checklist.
    pub item: String,
    /// Whether the version passes it.
    pub passed: bool,
}

/// One metric a quality review records.
#[derive(InputObject)]
pub struct ReviewMetricInput {
    /// What was measured, e.g. `defects found`.
    pub name: String,
    /// Its value, e.g. `3`.
    pub value: String,
}

/// A quality review of a deliverable's latest version.
#[derive(InputObject)]
pub struct ReviewDeliverableInput {
    /// A SUBMITTED deliverable of an ACTIVE engagement in the stage where
    /// deliverables are reviewed.
    pub deliverable_id: ID,
    /// Every item of the template's quality checklist, each once.
    pub checklist: Vec<ReviewCheckInput>,
    /// The metrics measured (at most 20).
    #[graphql(default)]
    pub metrics: Vec<ReviewMetricInput>,
    /// What to change; required when a check failed.
    pub findings: Option<String>,
}

/// Which deliverable to put to the customer.
#[derive(InputObject)]
pub struct RequestDeliverableAcceptanceInput {
    /// A REVIEWED deliverable of an ACTIVE engagement in the stage where
    /// the customer accepts (at most 20 rounds each).
    pub deliverable_id: ID,
}

/// Which engagements to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct EngagementFilter {
    /// Only in this state.
    pub status: Option<EngagementStatus>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
}

payload!(
    "Result of `draftProcessTemplate`.",
    DraftProcessTemplatePayload,
    process_template: ProcessTemplate
);
payload!(
    "Result of `publishProcessTemplate`.",
    PublishProcessTemplatePayload,
    process_template: ProcessTemplate
);
payload!("Result of `createEngagement`.", CreateEngagementPayload, engagement: Engagement);
payload!("Result of `startEngagement`.", StartEngagementPayload, engagement: Engagement);
payload!(
    "Result of `completeStageOutput`.",
    CompleteStageOutputPayload,
    engagement: Engagement
);
payload!("Result of `recordDecision`.", RecordDecisionPayload, engagement: Engagement);
payload!("Result of `advanceStage`.", AdvanceStagePayload, engagement: Engagement);
payload!("Result of `holdEngagement`.", HoldEngagementPayload, engagement: Engagement);
payload!("Result of `resumeEngagement`.", ResumeEngagementPayload, engagement: Engagement);
payload!("Result of `cancelEngagement`.", CancelEngagementPayload, engagement: Engagement);
payload!("Result of `addDeliverable`.", AddDeliverablePayload, engagement: Engagement);
payload!(
    "Result of `submitDeliverableVersion`.",
    SubmitDeliverableVersionPayload,
    engagement: Engagement
);
payload!("Result of `reviewDeliverable`.", ReviewDeliverablePayload, engagement: Engagement);
payload!(
    "Result of `requestDeliverableAcceptance`.",
    RequestDeliverableAcceptancePayload,
    engagement: Engagement
);

// ---------------------------------------------------------------- roots

#[derive(Default)]
pub struct EngagementQuery;

#[Object]
impl EngagementQuery {
    /// One engagement; null when missing or another customer's.
    #[graphql(guard = "Require::signed_in()")]
    async fn engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement's id.")] id: ID,
    ) -> async_graphql::Result<Option<Engagement>> {
        let id = arg_id(&id, "id")?;
        let found = engagements::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Engagement))
    }

    /// Engagements the caller may see (customers: their own), oldest first.
    #[graphql(
        guard = "Require::signed_in()",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn engagements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which engagements; all visible ones when omitted.")] filter: Option<
            EngagementFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Engagement>> {
        let page = page_request(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = engagements::EngagementFilter {
            status: filter.status.map(Into::into),
            customer_id: arg_id_opt(filter.customer_id.as_ref(), "filter.customerId")?,
        };
        let found = engagements::list(&ctx.services().db, &ctx.domain_ctx()?, &filter, page).await;
        Ok(connection(answer(ctx, found)?, Engagement))
    }

    /// Process template versions, oldest first (staff who read settings).
    #[graphql(
        guard = "Require::to(Permission::ReadSettings)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn process_templates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ProcessTemplate>> {
        let page = page_request(first, after)?;
        let found = engagements::templates(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, ProcessTemplate))
    }
}

#[derive(Default)]
pub struct EngagementMutation;

#[Object]
impl EngagementMutation {
    /// Draft the next version of a process template (ADMIN): a DRAFT that
    /// no engagement follows until it is published; refused while another
    /// draft of the key waits.
    #[graphql(guard = "Require::to(Permission::ManageSettings)")]
    async fn draft_process_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: DraftProcessTemplateInput,
    ) -> async_graphql::Result<DraftProcessTemplatePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let definition = input.definition.into_definition();
        let result = engagements::draft_template(
            &ctx.services().db,
            &domain_ctx,
            &input.key,
            &input.name,
            &definition,
        )
        .await;
        respond(ctx, result).await
    }

    /// Publish a DRAFT version (ADMIN): new engagements follow it; running
    /// ones keep the version they were set up on.
    #[graphql(guard = "Require::to(Permission::ManageSettings)")]
    async fn publish_process_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: PublishProcessTemplateInput,
    ) -> async_graphql::Result<PublishProcessTemplatePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.template_id, "templateId")?;
            engagements::publish_template(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Set up an engagement (PROJECT_MANAGER, ADMIN): PLANNED, on the latest
    /// published version of its template, with its team.
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn create_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateEngagementInput,
    ) -> async_graphql::Result<CreateEngagementPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let mut team = Vec::with_capacity(input.team.len());
            for (i, member) in input.team.iter().enumerate() {
                team.push(engagements::MemberInput {
                    user_id: input_id(&member.user_id, &format!("team.{i}.userId"))?,
                });
            }
            let new = engagements::NewEngagement {
                customer_id: input_id(&input.customer_id, "customerId")?,
                template_key: input.template_key,
                name: input.name,
                scope_reference: input.scope_reference,
                planned_start: input.planned_start.0,
                team,
                fees: input
                    .fees
                    .into_iter()
                    .map(|f| engagements::fees::FeeLineInput {
                        description: f.description,
                        amount: f.amount,
                        tax_code: f.tax_code,
                    })
                    .collect(),
            };
            engagements::create(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Start a PLANNED engagement at its first stage (PROJECT_MANAGER,
    /// ADMIN): the stage's due time comes from business time and the
    /// customer is told.
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn start_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: StartEngagementInput,
    ) -> async_graphql::Result<StartEngagementPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.engagement_id, "engagementId")?;
            let calendar = services.calendar.current();
            engagements::start(&services.db, &domain_ctx, &calendar, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Complete one required output of the current stage with its evidence
    /// (the stage's owner role or ADMIN), once per round.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn complete_stage_output(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CompleteStageOutputInput,
    ) -> async_graphql::Result<CompleteStageOutputPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let done = engagements::OutputInput {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                output_key: input.output_key,
                evidence: input.evidence,
            };
            engagements::complete_output(&ctx.services().db, &domain_ctx, &done).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Answer a decision point of the current stage (the stage's owner role
    /// or ADMIN). The answer's consequence is enforced: a revised timeline
    /// needs `revisedEndDate`, mitigation at least one action; a revision
    /// round starts when the stage is left.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn record_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordDecisionInput,
    ) -> async_graphql::Result<RecordDecisionPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let mut actions = Vec::with_capacity(input.actions.len());
            for (i, action) in input.actions.iter().enumerate() {
                actions.push(engagements::ActionInput {
                    description: action.description.clone(),
                    owner_user_id: input_id(
                        &action.owner_user_id,
                        &format!("actions.{i}.ownerUserId"),
                    )?,
                    due_on: action.due_on.0,
                });
            }
            let decision = engagements::DecisionInput {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                decision_key: input.decision_key,
                answer: input.answer,
                note: input.note,
                revised_end_date: input.revised_end_date.map(|d| d.0),
                actions,
            };
            let calendar = services.calendar.current();
            engagements::record_decision(&services.db, &domain_ctx, &calendar, &decision).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Leave the current stage (the stage's owner role or ADMIN): refused
    /// with one userError per missing output (`["input", "outputs", key]`)
    /// and per unanswered or holding decision (`["input", "decisions",
    /// key]`); otherwise on to the next stage, back to an earlier one for a
    /// revision round, or, from the last, CLOSED.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn advance_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AdvanceStageInput,
    ) -> async_graphql::Result<AdvanceStagePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.engagement_id, "engagementId")?;
            let calendar = services.calendar.current();
            engagements::advance(&services.db, &domain_ctx, &calendar, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Pause an ACTIVE engagement (PROJECT_MANAGER, ADMIN), with a reason.
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn hold_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: HoldEngagementInput,
    ) -> async_graphql::Result<HoldEngagementPayload> {
        change_status(ctx, &input.engagement_id, Event::Hold, &input.reason).await
    }

    /// Resume an ON_HOLD engagement (PROJECT_MANAGER, ADMIN), with a reason.
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn resume_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ResumeEngagementInput,
    ) -> async_graphql::Result<ResumeEngagementPayload> {
        change_status(ctx, &input.engagement_id, Event::Resume, &input.reason).await
    }

    /// Cancel an engagement that has not closed (PROJECT_MANAGER, ADMIN),
    /// with a reason; its stage's overdue timer is dropped.
    #[graphql(guard = "Require::to(Permission::ManageEngagements)")]
    async fn cancel_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CancelEngagementInput,
    ) -> async_graphql::Result<CancelEngagementPayload> {
        change_status(ctx, &input.engagement_id, Event::Cancel, &input.reason).await
    }

    /// Add a deliverable to an ACTIVE engagement, in the stage where
    /// deliverables are submitted (its owner role or ADMIN): DRAFT until
    /// its first version.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn add_deliverable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AddDeliverableInput,
    ) -> async_graphql::Result<AddDeliverablePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = deliverables::NewDeliverable {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                name: input.name,
                acceptance_criteria: input.acceptance_criteria,
            };
            deliverables::add(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Submit a new version of a deliverable for quality review, in the
    /// stage where deliverables are submitted (its owner role or ADMIN);
    /// each revision is a new version.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn submit_deliverable_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SubmitDeliverableVersionInput,
    ) -> async_graphql::Result<SubmitDeliverableVersionPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = deliverables::NewVersion {
                deliverable_id: input_id(&input.deliverable_id, "deliverableId")?,
                reference: input.reference,
                note: input.note,
            };
            deliverables::submit_version(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Review a deliverable's latest version against the template's quality
    /// checklist, in the stage where deliverables are reviewed (its owner
    /// role or ADMIN). It passes when every check passed; a failed review
    /// needs its findings and sends the engagement back to the stage where
    /// deliverables are submitted, in a new round.
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn review_deliverable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReviewDeliverableInput,
    ) -> async_graphql::Result<ReviewDeliverablePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let review = deliverables::NewReview {
                deliverable_id: input_id(&input.deliverable_id, "deliverableId")?,
                checklist: input
                    .checklist
                    .into_iter()
                    .map(|c| deliverables::Check {
                        item: c.item,
                        passed: c.passed,
                    })
                    .collect(),
                metrics: input
                    .metrics
                    .into_iter()
                    .map(|m| (m.name, m.value))
                    .collect(),
                findings: input.findings,
            };
            let calendar = services.calendar.current();
            deliverables::review(&services.db, &domain_ctx, &calendar, &review).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Ask the customer to accept a REVIEWED deliverable, in the stage where
    /// the customer accepts (its owner role or ADMIN): a
    /// DELIVERABLE_ACCEPTANCE approval owned by the engagement's customer,
    /// who is emailed and decides it with `decideApproval` (a rejection's
    /// comment is their feedback and starts a revision round).
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn request_deliverable_acceptance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RequestDeliverableAcceptanceInput,
    ) -> async_graphql::Result<RequestDeliverableAcceptancePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.deliverable_id, "deliverableId")?;
            let calendar = services.calendar.current();
            deliverables::request_acceptance(&services.db, &domain_ctx, &calendar, id).await
        }
        .await;
        respond(ctx, result).await
    }
}

/// Hold, resume or cancel, answered with the payload `P`.
async fn change_status<P>(
    ctx: &Context<'_>,
    engagement_id: &ID,
    event: Event,
    reason: &str,
) -> async_graphql::Result<P>
where
    P: super::kit::Payload<Node = Engagement>,
{
    let domain_ctx = ctx.domain_ctx()?;
    let result = async {
        let id = input_id(engagement_id, "engagementId")?;
        engagements::change_status(&ctx.services().db, &domain_ctx, id, event, reason).await
    }
    .await;
    respond(ctx, result).await
}

#[derive(Default)]
pub struct EngagementSubscription;

#[Subscription]
impl EngagementSubscription {
    /// The engagement as it is now, then each time it changes, through any
    /// api or worker process (the first event also tells the client it is
    /// listening, so no change falls between a fetch and the subscription).
    /// Customers may follow only their own engagements; another looks like
    /// one that never changes.
    #[graphql(guard = "Require::signed_in()")]
    async fn engagement_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Engagement> + use<>> {
        let find = |db, ctx, id| async move { engagements::find_visible(&db, &ctx, id).await };
        let version: fn(&engagements::Engagement) -> i32 = |r| r.engagement.version;
        record_updates(ctx, &id, find, version, Engagement, "engagement").await
    }
}
