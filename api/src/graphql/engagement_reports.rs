//! Engagements, part 2: the customer's NPS answer at closure, the monthly
//! service report of an engagement in its support phase, and the KPIs
//! across engagements. Resolvers only translate; the rules are in
//! `domain::engagements::{nps, reports}`.

use super::date::Date;
use super::engagements::Engagement;
use super::kit::object;
use super::kit::{ContextExt, Require, answer, arg_id, input_id, payload, respond};
use super::loaders::{NpsLoader, load_one};
use super::money::Money;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::engagements::nps;
use domain::engagements::reports::{self, FigureKind};
use domain::kernel::Permission;
use entity::{engagement_delay, nps_response, scope_change};

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A decimal KPI (already rounded by the domain) as a GraphQL Float.
fn float(d: Option<impl std::fmt::Display>) -> Option<f64> {
    d.and_then(|d| d.to_string().parse().ok())
}

// ---------------------------------------------------------------- NPS

/// Where an NPS score puts the customer.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::engagements::nps::Category")]
pub enum NpsCategory {
    /// 9 or 10: would recommend us.
    Promoter,
    /// 7 or 8: satisfied, not enthusiastic.
    Passive,
    /// 0 to 6: unhappy.
    Detractor,
}

pub struct NpsResponse(pub nps_response::Model);

object! {
    /// The customer's answer to the NPS survey sent when the engagement closed
    /// (one per engagement, given through the survey email's signed link).
    #[Object]
    impl NpsResponse {
        /// How likely they are to recommend us, 0 (not at all) to 10
        /// (extremely likely).
        score: i32,
        /// Where the score puts them.
        async fn category(&self) -> NpsCategory {
            nps::category(self.0.score).into()
        }
        /// Why, in their words (optional).
        comment: Option<&str>,
        /// When they answered (UTC).
        answered_at: DateTime<Utc>,
    }
}

/// The NPS answer of an engagement the caller already sees (see
/// `Engagement.npsResponse`), through the page's loader.
pub(super) async fn nps_response(
    ctx: &Context<'_>,
    engagement_id: uuid::Uuid,
) -> async_graphql::Result<Option<NpsResponse>> {
    let found = load_one::<NpsLoader, _>(ctx, engagement_id).await?;
    Ok(found.map(NpsResponse))
}

// ---------------------------------------------------------------- monthly report

/// What a service report figure measures.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::engagements::reports::FigureKind")]
pub enum ServiceFigureKind {
    /// How the system performed (uptime, response time, errors).
    Performance,
    /// How much it was used (runs, users, records processed).
    Usage,
}

/// One figure of a month's service report.
#[derive(SimpleObject)]
pub struct ServiceFigure {
    /// What it measures.
    pub kind: ServiceFigureKind,
    /// Its name, e.g. `Uptime`.
    pub name: String,
    /// Its value as a decimal string, e.g. `99.95`.
    pub value: String,
    /// Its unit, e.g. `%`; null when it has none.
    pub unit: Option<String>,
}

impl From<reports::Figure> for ServiceFigure {
    fn from(f: reports::Figure) -> Self {
        ServiceFigure {
            kind: f.kind.into(),
            name: f.name,
            value: f.value.to_string(),
            unit: f.unit,
        }
    }
}

/// A stage the engagement left in the month.
#[derive(SimpleObject)]
pub struct ServiceMonthStage {
    /// The stage's key in the template.
    pub stage_key: String,
    /// Its name.
    pub stage_name: String,
    /// The revision round it was left in (0 before any).
    pub round: i32,
    /// When the stage started (UTC).
    pub started_at: DateTime<Utc>,
    /// When it was due (UTC).
    pub due_at: DateTime<Utc>,
    /// When it was left (UTC).
    pub left_at: DateTime<Utc>,
    /// Left by its due time.
    pub on_time: bool,
}

/// A deliverable version the customer accepted in the month.
#[derive(SimpleObject)]
pub struct ServiceMonthAcceptance {
    /// The deliverable.
    pub deliverable_id: ID,
    /// Its name.
    pub name: String,
    /// The version accepted.
    pub version_number: i32,
    /// When (UTC).
    pub accepted_at: DateTime<Utc>,
}

/// A scope change approved or rejected in the month.
#[derive(SimpleObject)]
pub struct ServiceMonthScopeChange {
    /// The scope change.
    pub id: ID,
    /// 1, 2, … within its engagement.
    pub seq: i32,
    /// What was asked.
    pub description: String,
    /// Approved (false: rejected).
    pub approved: bool,
    /// Its cost impact, ex-GST (negative when scope was taken out).
    pub cost_impact: Money,
    /// Business days the plan's end moves.
    pub schedule_impact_days: i32,
    /// The approver's reason.
    pub decision_reason: Option<String>,
    /// When it was decided (UTC).
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<scope_change::Model> for ServiceMonthScopeChange {
    fn from(c: scope_change::Model) -> Self {
        ServiceMonthScopeChange {
            id: ID(c.id.to_string()),
            seq: c.seq,
            description: c.description,
            approved: c.status == entity::ScopeChangeStatus::Approved,
            cost_impact: Money::from_cents(c.cost_impact_cents),
            schedule_impact_days: c.schedule_impact_days,
            decision_reason: c.decision_reason,
            decided_at: c.decided_at,
        }
    }
}

/// A delay recorded in the month, with its revised timeline.
#[derive(SimpleObject)]
pub struct ServiceMonthDelay {
    /// The delay.
    pub id: ID,
    /// The stage it was recorded in.
    pub stage_key: String,
    /// Why.
    pub reason: String,
    /// How it is mitigated.
    pub mitigation: String,
    /// The planned end before it.
    pub end_before: Date,
    /// The revised end.
    pub end_after: Date,
    /// Business days the end moved.
    pub delay_days: i32,
    /// At or over the business's significant-delay threshold (escalated).
    pub significant: bool,
    /// When it was recorded (UTC).
    pub recorded_at: DateTime<Utc>,
}

impl From<engagement_delay::Model> for ServiceMonthDelay {
    fn from(d: engagement_delay::Model) -> Self {
        ServiceMonthDelay {
            id: ID(d.id.to_string()),
            stage_key: d.stage_key,
            reason: d.reason,
            mitigation: d.mitigation,
            end_before: Date(d.end_before),
            end_after: Date(d.end_after),
            delay_days: d.delay_days,
            significant: d.significant,
            recorded_at: d.recorded_at,
        }
    }
}

/// What a month saw on the engagement, oldest first (each list at most 100).
#[derive(SimpleObject)]
pub struct ServiceMonthActivity {
    /// Stages left in the month.
    pub stages_left: Vec<ServiceMonthStage>,
    /// Deliverable versions the customer accepted in the month.
    pub deliverables_accepted: Vec<ServiceMonthAcceptance>,
    /// Scope changes approved or rejected in the month.
    pub scope_changes_decided: Vec<ServiceMonthScopeChange>,
    /// Delays recorded in the month.
    pub delays_recorded: Vec<ServiceMonthDelay>,
}

impl From<reports::MonthActivity> for ServiceMonthActivity {
    fn from(a: reports::MonthActivity) -> Self {
        ServiceMonthActivity {
            stages_left: a
                .stages_left
                .into_iter()
                .map(|s| ServiceMonthStage {
                    stage_key: s.exit.stage_key,
                    stage_name: s.stage_name,
                    round: s.exit.round,
                    started_at: s.exit.started_at,
                    due_at: s.exit.due_at,
                    left_at: s.exit.left_at,
                    on_time: s.exit.on_time,
                })
                .collect(),
            deliverables_accepted: a
                .deliverables_accepted
                .into_iter()
                .map(|d| ServiceMonthAcceptance {
                    deliverable_id: ID(d.deliverable_id.to_string()),
                    name: d.name,
                    version_number: d.version_number,
                    accepted_at: d.accepted_at,
                })
                .collect(),
            scope_changes_decided: a
                .scope_changes_decided
                .into_iter()
                .map(Into::into)
                .collect(),
            delays_recorded: a.delays_recorded.into_iter().map(Into::into).collect(),
        }
    }
}

pub struct MonthlyServiceReport(pub reports::MonthlyReport);

/// One month of an engagement's support phase: the performance and usage
/// figures staff recorded, optimisation notes, and what the month saw on
/// the engagement, and how its support tickets opened in the month stand
/// against their SLAs.
#[Object]
impl MonthlyServiceReport {
    /// The engagement.
    async fn engagement(&self) -> Engagement {
        Engagement(self.0.engagement.clone())
    }
    /// The month, `YYYY-MM`.
    async fn month(&self) -> String {
        self.0.month.format("%Y-%m").to_string()
    }
    /// Figures were recorded for the month.
    async fn recorded(&self) -> bool {
        self.0.report.is_some()
    }
    /// The recorded report's version (`recordServiceReport` takes it to
    /// replace the figures); null until figures are recorded.
    async fn version(&self) -> Option<i32> {
        self.0.report.as_ref().map(|r| r.version)
    }
    /// How the system performed, in the order recorded (at most 50 figures
    /// in all).
    async fn performance(&self) -> Vec<ServiceFigure> {
        self.0.performance.iter().cloned().map(Into::into).collect()
    }
    /// How much it was used, in the order recorded (at most 50 figures in all).
    async fn usage(&self) -> Vec<ServiceFigure> {
        self.0.usage.iter().cloned().map(Into::into).collect()
    }
    /// What could run better, and what was tuned.
    async fn optimisation_notes(&self) -> Option<&str> {
        self.0
            .report
            .as_ref()
            .and_then(|r| r.optimisation_notes.as_deref())
    }
    /// Who last recorded the figures (a user id).
    async fn recorded_by(&self) -> Option<&str> {
        self.0.report.as_ref().map(|r| r.recorded_by.as_str())
    }
    /// When they were last recorded (UTC).
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.report.as_ref().map(|r| r.updated_at)
    }
    /// Support tickets opened on the engagement in the month (Sydney
    /// dates), whatever they stand at now.
    async fn support_tickets(&self) -> i32 {
        count(self.0.support.tickets)
    }
    /// Of those, resolved (or closed) with every SLA target that applied
    /// met in time.
    async fn support_tickets_met(&self) -> i32 {
        count(self.0.support.met)
    }
    /// Of those, with an SLA target breached or met late.
    async fn support_tickets_breached(&self) -> i32 {
        count(self.0.support.breached)
    }
    /// Of those, still open with nothing breached yet.
    async fn support_tickets_open_in_time(&self) -> i32 {
        count(self.0.support.open_in_time)
    }
    /// `supportTicketsMet ÷ (supportTicketsMet + supportTicketsBreached)`,
    /// 0 to 1, four decimal places; null while none is decided either way.
    async fn sla_attainment(&self) -> Option<f64> {
        float(self.0.sla_attainment)
    }
    /// What the month saw on the engagement.
    async fn activity(&self) -> ServiceMonthActivity {
        self.0.activity.clone().into()
    }
}

impl From<reports::MonthlyReport> for MonthlyServiceReport {
    fn from(r: reports::MonthlyReport) -> Self {
        MonthlyServiceReport(r)
    }
}

// ---------------------------------------------------------------- KPIs

/// Stages left in the period, against their due times.
#[derive(SimpleObject)]
pub struct StagesOnTimeKpi {
    /// Stages left in the period (every stage, round and engagement).
    pub finished: i32,
    /// Of those, left by their due time.
    pub on_time: i32,
    /// Of those, left after it.
    pub late: i32,
    /// `onTime ÷ finished` as a percentage, one decimal place; null when
    /// none was left.
    pub percent_on_time: Option<f64>,
}

/// The customer's acceptance rounds decided in the period.
#[derive(SimpleObject)]
pub struct RevisionRoundsKpi {
    /// Rounds the customer rejected (each starts a revision round).
    pub rejected_rounds: i32,
    /// Deliverables with a round accepted or rejected in the period.
    pub deliverables: i32,
    /// `rejectedRounds ÷ deliverables`, two decimal places; null without
    /// deliverables.
    pub per_deliverable: Option<f64>,
}

/// Scope changes requested in the period, by where they stand now.
#[derive(SimpleObject)]
pub struct ScopeChangesKpi {
    /// Requested in the period.
    pub requested: i32,
    /// Of those, approved.
    pub approved: i32,
    /// Of those, rejected.
    pub rejected: i32,
    /// The approved ones' cost impact, ex-GST.
    pub approved_cost: Money,
}

/// The NPS answers given in the period.
#[derive(SimpleObject)]
pub struct NpsKpi {
    /// % promoters − % detractors, −100 to 100, rounded; null without answers.
    pub score: Option<i32>,
    /// Answers given.
    pub responses: i32,
    /// Scored 9 or 10.
    pub promoters: i32,
    /// Scored 7 or 8.
    pub passives: i32,
    /// Scored 0 to 6.
    pub detractors: i32,
}

/// The KPIs across engagements of a period of Sydney dates.
#[derive(SimpleObject)]
pub struct EngagementKpis {
    /// The first date of the period.
    pub from: Date,
    /// The last date of the period (inclusive).
    pub to: Date,
    /// Stages finished on time.
    pub stages_on_time: StagesOnTimeKpi,
    /// Revision rounds per deliverable.
    pub revision_rounds: RevisionRoundsKpi,
    /// Scope change count and approved cost.
    pub scope_changes: ScopeChangesKpi,
    /// Net Promoter Score.
    pub nps: NpsKpi,
}

impl From<reports::Kpis> for EngagementKpis {
    fn from(k: reports::Kpis) -> Self {
        EngagementKpis {
            from: Date(k.from),
            to: Date(k.to),
            stages_on_time: StagesOnTimeKpi {
                finished: count(k.stages.finished),
                on_time: count(k.stages.on_time),
                late: count(k.stages.finished - k.stages.on_time),
                percent_on_time: float(k.stages.percent()),
            },
            revision_rounds: RevisionRoundsKpi {
                rejected_rounds: count(k.revisions.rejected_rounds),
                deliverables: count(k.revisions.deliverables),
                per_deliverable: float(k.revisions.per_deliverable()),
            },
            scope_changes: ScopeChangesKpi {
                requested: count(k.scope_changes.requested),
                approved: count(k.scope_changes.approved),
                rejected: count(k.scope_changes.rejected),
                approved_cost: Money(k.scope_changes.approved_cost),
            },
            nps: NpsKpi {
                score: k.nps.score(),
                responses: count(k.nps.responses),
                promoters: count(k.nps.promoters),
                passives: count(k.nps.passives),
                detractors: count(k.nps.detractors),
            },
        }
    }
}

// ---------------------------------------------------------------- operations

#[derive(Default)]
pub struct EngagementReportQuery;

#[Object]
impl EngagementReportQuery {
    /// The monthly service report of an engagement in its support phase
    /// (staff any, a customer its own): the figures recorded for `month`,
    /// optimisation notes and what the month saw. Null when the engagement
    /// is missing or another customer's; BAD_REQUEST for a month that does
    /// not read or an engagement whose template has no support phase.
    #[graphql(guard = "Require::signed_in()")]
    async fn monthly_service_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement's id.")] engagement_id: ID,
        #[graphql(desc = "The month, `YYYY-MM`.")] month: String,
    ) -> async_graphql::Result<Option<MonthlyServiceReport>> {
        let id = arg_id(&engagement_id, "engagementId")?;
        let services = ctx.services();
        let calendar = services.calendar.current();
        let found = reports::monthly_service_report(
            &services.db,
            &ctx.domain_ctx()?,
            &calendar,
            id,
            &month,
        )
        .await;
        Ok(answer(ctx, found)?.map(MonthlyServiceReport))
    }

    /// The KPIs across engagements of the Sydney dates `from` to `to`
    /// inclusive (staff; at most 366 days): stages finished on time,
    /// revision rounds per deliverable, scope changes and their approved
    /// cost, and the NPS, each with the counts behind it.
    #[graphql(guard = "Require::to(Permission::ReadSettings)")]
    async fn engagement_kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first date.")] from: Date,
        #[graphql(desc = "The last date (inclusive).")] to: Date,
    ) -> async_graphql::Result<EngagementKpis> {
        let services = ctx.services();
        let calendar = services.calendar.current();
        let found =
            reports::engagement_kpis(&services.db, &ctx.domain_ctx()?, &calendar, from.0, to.0)
                .await;
        Ok(answer(ctx, found)?.into())
    }
}

/// One figure of a month, as recorded.
#[derive(InputObject)]
pub struct ServiceFigureInput {
    /// What it measures.
    pub kind: ServiceFigureKind,
    /// Its name, one line, at most 100 characters, once per kind.
    pub name: String,
    /// A decimal number, e.g. `99.95` (at most 4 decimal places, at most
    /// 1,000,000,000,000 either way).
    pub value: String,
    /// Its unit, e.g. `%` or `runs` (at most 30 characters).
    pub unit: Option<String>,
}

/// One month's figures of an engagement in its support phase.
#[derive(InputObject)]
pub struct RecordServiceReportInput {
    /// An engagement in its support phase, not closed or cancelled.
    pub engagement_id: ID,
    /// The month, `YYYY-MM`: this month or an earlier one since the
    /// engagement started.
    pub month: String,
    /// The month's figures (at most 50); they replace any recorded before.
    pub figures: Vec<ServiceFigureInput>,
    /// What could run better and what was tuned (at most 4000 characters).
    pub optimisation_notes: Option<String>,
    /// The report's `version` when replacing figures already recorded;
    /// omitted for a month's first recording.
    pub expected_version: Option<i32>,
}

payload!(
    "The monthly service report after recording its figures.",
    RecordServiceReportPayload,
    report: MonthlyServiceReport
);

#[derive(Default)]
pub struct EngagementReportMutation;

#[Object]
impl EngagementReportMutation {
    /// Record (or replace) one month's performance and usage figures and
    /// optimisation notes of an engagement in its support phase (the
    /// delivery roles). Refused on a closed or cancelled engagement
    /// (ILLEGAL_TRANSITION), before its support phase (INVALID_STATE), for a
    /// month to come or before it started (OUT_OF_RANGE on `month`), and
    /// for bad figures (at `figures.N.field`); replacing needs the report's
    /// `expectedVersion` (CONFLICT when stale).
    #[graphql(guard = "Require::to(Permission::WorkEngagements)")]
    async fn record_service_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordServiceReportInput,
    ) -> async_graphql::Result<RecordServiceReportPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let report = reports::ReportInput {
                engagement_id: input_id(&input.engagement_id, "engagementId")?,
                month: input.month,
                figures: input
                    .figures
                    .into_iter()
                    .map(|f| reports::FigureInput {
                        kind: FigureKind::from(f.kind),
                        name: f.name,
                        value: f.value,
                        unit: f.unit,
                    })
                    .collect(),
                optimisation_notes: input.optimisation_notes,
                expected_version: input.expected_version,
            };
            let calendar = services.calendar.current();
            reports::record_service_report(&services.db, &domain_ctx, &calendar, &report).await
        }
        .await;
        respond(ctx, result).await
    }
}
