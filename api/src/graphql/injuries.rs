//! Mandatory injury and illness reports (ACL s131) and the compliance
//! dashboard of what is due. Resolvers only translate; the rules are in
//! `domain::safety::injuries` and `domain::safety::dashboard`.

use super::audit::AuditEntry;
use super::catalogue::Product;
use super::date::Date;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, optional_input_id, page_request,
    payload, record_object, respond,
};
use super::safety::ProductBatch;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::safety::dashboard::{self, DueKind};
use domain::safety::injuries::{self, NewInjuryReport};
use entity::{injury_report, product_batch};
use sea_orm::EntityTrait;

/// How grave the harm an injury report is about.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::InjurySeverity")]
pub enum InjurySeverity {
    /// A death.
    Death,
    /// A serious injury.
    SeriousInjury,
    /// A serious illness.
    Illness,
}

/// Where a mandatory injury report is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::InjuryReportStatus")]
pub enum InjuryReportStatus {
    /// Recorded; not yet submitted to the ACCC.
    Open,
    /// Submitted to the ACCC (its reference recorded).
    Submitted,
}

record_object! { pub struct InjuryReport(pub injury_report::Model); }

object! {
    /// A mandatory injury or illness report (ACL s131): the incident, when the
    /// business became aware, its due date by the ACCC rule, and its submission.
    #[Object]
    impl InjuryReport {
        /// Stable identifier.
        id: ID,
        /// Its number, e.g. INJ-000001.
        number: &str,
        /// The product that caused or may have caused the harm.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            super::catalogue::Product::load(ctx, self.0.product_id).await
        }
        /// The batch, when known.
        async fn batch(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProductBatch>> {
            let Some(id) = self.0.batch_id else {
                return Ok(None);
            };
            let found = product_batch::Entity::find_by_id(id)
                .one(&ctx.services().db)
                .await;
            Ok(answer(ctx, found)?.map(ProductBatch))
        }
        /// Id of the order it was supplied in, when known.
        order_id: Option<ID>,
        /// How and when the product was supplied.
        supply_details: &str,
        /// The day of the incident.
        incident_on: Date,
        /// Where the incident happened.
        incident_place: &str,
        /// Who was harmed.
        affected_person: &str,
        /// How grave the harm.
        severity: InjurySeverity,
        /// What the business did about it.
        actions_taken: &str,
        /// The Sydney date the business became aware (the clock starts).
        aware_on: Date,
        /// Due by the ACCC rule: 2 days, the awareness day not counted, a
        /// weekend or public holiday moving it to the next business day.
        due_on: Date,
        /// Open or submitted.
        status: InjuryReportStatus,
        /// Whether it is still open after its due date (app clock, Sydney).
        async fn overdue(&self, ctx: &Context<'_>) -> bool {
            let services = ctx.services();
            let today = services.calendar.current().local_date(services.clock.now());
            injuries::is_overdue(self.0.status, self.0.due_on, today)
        }
        /// When its submission to the ACCC was recorded (UTC).
        submitted_at: Option<DateTime<Utc>>,
        /// The ACCC's reference for the submission.
        accc_reference: Option<&str>,
        /// Who recorded it (user id).
        reported_by: &str,
        /// Optimistic-locking version: pass it as `expectedVersion`.
        version: i32,
        /// When it was recorded (UTC).
        created_at: DateTime<Utc>,
        /// Its audit trail, oldest first.
        #[graphql(complexity = "super::limits::connection_cost(first, child_complexity)")]
        async fn audit_trail(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
            #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        ) -> async_graphql::Result<Connection<String, AuditEntry>> {
            super::audit::trail_of(ctx, self.0.id, first, after).await
        }
    }
}

/// Which injury reports to list.
pub type InjuryReportFilter = super::safety::RecordFilter<InjuryReportStatus>;

/// A mandatory injury or illness report as recorded.
#[derive(InputObject)]
pub struct ReportInjuryInput {
    /// The product (must exist and have been sold before `awareOn`).
    pub product_id: ID,
    /// The batch, if known (a batch of that product).
    pub batch_id: Option<ID>,
    /// The order it was supplied in, if known (one with a line of that product).
    pub order_id: Option<ID>,
    /// How and when it was supplied (required, at most 4,000 characters).
    pub supply_details: String,
    /// The day of the incident (not after `awareOn`).
    pub incident_on: Date,
    /// Where it happened (required, one line, at most 500 characters).
    pub incident_place: String,
    /// Who was harmed (required, one line, at most 500 characters).
    pub affected_person: String,
    /// How grave the harm.
    pub severity: InjurySeverity,
    /// What the business did (required, at most 4,000 characters).
    pub actions_taken: String,
    /// The Sydney date the business became aware (not in the future).
    pub aware_on: Date,
}

/// The ACCC's acknowledgement of a submitted report.
#[derive(InputObject)]
pub struct RecordInjuryReportSubmissionInput {
    /// The report.
    pub report_id: ID,
    /// The ACCC's reference (required, one line, at most 500 characters).
    pub reference: String,
    /// The version read; a stale version is CONFLICT.
    pub expected_version: i32,
}

payload!(
    "Result of `reportInjury`.",
    ReportInjuryPayload,
    injury_report: InjuryReport
);
payload!(
    "Result of `recordInjuryReportSubmission`.",
    RecordInjuryReportSubmissionPayload,
    injury_report: InjuryReport
);

/// What a compliance dashboard item is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::safety::dashboard::DueKind")]
pub enum ComplianceItemKind {
    /// A recall's ACCC notification (ACL s128).
    RecallNotification,
    /// A mandatory injury report (ACL s131).
    InjuryReport,
}

/// The product a dashboard item is about.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplianceItemProduct {
    /// Stable identifier of the product.
    pub id: ID,
    /// Its name.
    pub name: String,
}

/// Something due to the ACCC and not yet submitted.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplianceItem {
    /// A recall notification or an injury report.
    pub kind: ComplianceItemKind,
    /// Id of the recall or injury report.
    pub id: ID,
    /// Its number (RCL-… or INJ-…).
    pub number: String,
    /// The product.
    pub product: ComplianceItemProduct,
    /// When it is due to the ACCC.
    pub due_on: Date,
    /// Whether its due date has passed (app clock, Sydney).
    pub overdue: bool,
    /// Business days from today to the due date; negative when overdue.
    pub business_days_left: i32,
}

/// How many items are due today, overdue, or due later.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplianceCounts {
    /// Due today.
    pub due_today: i32,
    /// Past their due date.
    pub overdue: i32,
    /// Due after today.
    pub upcoming: i32,
}

/// What is due to the ACCC and not yet submitted.
#[derive(SimpleObject, Clone, Debug)]
pub struct ComplianceDashboard {
    /// Soonest due first, at most 500.
    pub items: Vec<ComplianceItem>,
    /// Counts of `items`.
    pub counts: ComplianceCounts,
    /// More were due than shown; the latest due were left off.
    pub truncated: bool,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<dashboard::Dashboard> for ComplianceDashboard {
    fn from(d: dashboard::Dashboard) -> Self {
        ComplianceDashboard {
            items: d
                .items
                .into_iter()
                .map(|i| ComplianceItem {
                    kind: i.kind.into(),
                    id: ID(i.id.to_string()),
                    number: i.number,
                    product: ComplianceItemProduct {
                        id: ID(i.product_id.to_string()),
                        name: i.product_name,
                    },
                    due_on: Date(i.due_on),
                    overdue: i.standing.overdue,
                    business_days_left: i.standing.business_days_left,
                })
                .collect(),
            counts: ComplianceCounts {
                due_today: count(d.counts.due_today),
                overdue: count(d.counts.overdue),
                upcoming: count(d.counts.upcoming),
            },
            truncated: d.truncated,
        }
    }
}

#[derive(Default)]
pub struct InjuryQuery;

#[Object]
impl InjuryQuery {
    /// One injury report (staff).
    #[graphql(guard = "Require::to(Permission::ReadSafety)")]
    async fn injury_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the report.")] id: ID,
    ) -> async_graphql::Result<Option<InjuryReport>> {
        let id = arg_id(&id, "id")?;
        let found = injuries::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(InjuryReport))
    }

    /// Injury reports (staff), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadSafety)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn injury_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reports (all when omitted).")] filter: Option<InjuryReportFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, InjuryReport>> {
        let page = page_request(first, after)?;
        let domain_filter = InjuryReportFilter::to_domain(filter)?;
        let found =
            injuries::list(&ctx.services().db, &ctx.domain_ctx()?, &domain_filter, page).await;
        Ok(connection(answer(ctx, found)?, InjuryReport))
    }

    /// What is due to the ACCC and not yet submitted (staff): recall
    /// notifications and injury reports, soonest due first, with counts.
    #[graphql(guard = "Require::to(Permission::ReadSafety)")]
    async fn compliance_dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only items of this kind (both when omitted).")] kind: Option<
            ComplianceItemKind,
        >,
    ) -> async_graphql::Result<ComplianceDashboard> {
        let services = ctx.services();
        let calendar = services.calendar.current();
        let found = dashboard::compliance_dashboard(
            &services.db,
            &ctx.domain_ctx()?,
            &calendar,
            kind.map(DueKind::from),
        )
        .await;
        Ok(answer(ctx, found)?.into())
    }
}

#[derive(Default)]
pub struct InjuryMutation;

#[Object]
impl InjuryMutation {
    /// Record a mandatory injury or illness report (COMPLIANCE, ADMIN;
    /// audited): due by the ACCC rule on the business calendar, with a
    /// reminder to COMPLIANCE the business day before and an escalation to
    /// ADMIN when overdue. An awareness date in the future or before the
    /// product was first sold is refused (OUT_OF_RANGE on `awareOn`); a
    /// product never sold is INVALID_STATE on `productId`.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn report_injury(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReportInjuryInput,
    ) -> async_graphql::Result<ReportInjuryPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let new = NewInjuryReport {
                product_id: input_id(&input.product_id, "productId")?,
                batch_id: optional_input_id(input.batch_id.as_ref(), "batchId")?,
                order_id: optional_input_id(input.order_id.as_ref(), "orderId")?,
                supply_details: input.supply_details,
                incident_on: input.incident_on.0,
                incident_place: input.incident_place,
                affected_person: input.affected_person,
                severity: input.severity.into(),
                actions_taken: input.actions_taken,
                aware_on: input.aware_on.0,
            };
            let calendar = services.calendar.current();
            injuries::report(&services.db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record that an injury report was submitted to the ACCC, with its
    /// reference (COMPLIANCE, ADMIN; audited, versioned): its reminder and
    /// escalation are cancelled. A second submission is ILLEGAL_TRANSITION.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn record_injury_report_submission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordInjuryReportSubmissionInput,
    ) -> async_graphql::Result<RecordInjuryReportSubmissionPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let submission = injuries::Submission {
                report_id: input_id(&input.report_id, "reportId")?,
                reference: input.reference,
                expected_version: input.expected_version,
            };
            injuries::record_submission(&ctx.services().db, &domain_ctx, &submission).await
        }
        .await;
        respond(ctx, result).await
    }
}
