//! SLA policies (read by staff, created and changed by ADMIN), the SLA
//! targets a ticket shows and the SLA attainment report. Resolvers only
//! translate; the rules are in `domain::support::policies`, the clocks in
//! `domain::support::sla` and attainment in `domain::support::report`.

use super::date::Date;
use super::errors::split_domain_error;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, connection, input_id, optional_input_id, page_request, patch,
    payload, record_object, respond,
};
use super::support::{TicketPriority, TicketStatus};
use super::users::Role;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::kernel::{Patch, Permission};
use domain::support::policies::{self, NewPolicy, PolicyChange};
use domain::support::{report, sla};
use entity::{sla_policy, ticket, ticket_event};

/// The clock an SLA policy counts in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::SlaCalendar")]
pub enum SlaCalendar {
    /// Around the clock, every day (real elapsed time).
    Always,
    /// The business's hours on business days (public holidays excluded).
    BusinessHours,
}

/// Which SLA target.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::support::sla::TargetKind")]
pub enum SlaTargetKind {
    /// The first staff reply.
    FirstResponse,
    /// The next staff reply after the last one.
    NextUpdate,
    /// The ticket resolved.
    Resolution,
}

/// Where an SLA target stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::support::sla::TargetState")]
pub enum SlaTargetState {
    /// Counting down; its due time is known.
    Running,
    /// Stopped while the ticket waits (a pause status of its policy).
    Paused,
    /// Met in time.
    Met,
    /// Not met and its SLA time is used up.
    Breached,
    /// Met after its SLA time was used up.
    MetLate,
    /// Not counting and nothing due (next update before any staff reply;
    /// an unmet target while the ticket is resolved or closed).
    Inactive,
}

/// One SLA target of a ticket, derived from its history at the app clock's now.
#[derive(SimpleObject, Clone, Debug)]
pub struct SlaTarget {
    /// Which target.
    pub kind: SlaTargetKind,
    /// When it is due (UTC): while running, when its time runs out if the
    /// clock keeps running; when breached, when it was; when met, as it
    /// stood then. Null while paused or inactive.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was met (UTC), if it was.
    pub met_at: Option<DateTime<Utc>>,
    /// SLA minutes left in the policy's clock (business minutes for
    /// business hours); negative: how late. When met, as it stood then.
    pub remaining_minutes: i64,
    /// Whether it runs, waits, was met or was breached.
    pub state: SlaTargetState,
    /// When the assignee is (or was) warned (UTC); null while paused or once met.
    pub warning_at: Option<DateTime<Utc>>,
}

impl From<sla::Target> for SlaTarget {
    fn from(t: sla::Target) -> Self {
        SlaTarget {
            kind: t.kind.into(),
            due_at: t.due_at,
            met_at: t.met_at,
            remaining_minutes: t.remaining.num_minutes(),
            state: t.state.into(),
            warning_at: t.warning_at,
        }
    }
}

/// The SLA targets of `ticket` (its kept terms) over `history` (its
/// `ticket_event` rows, any order) at the app clock's now, on the business
/// calendar the API holds. For the Ticket type's `slaTargets` field.
pub fn targets(
    ctx: &Context<'_>,
    ticket: &ticket::Model,
    history: &[ticket_event::Model],
) -> async_graphql::Result<Vec<SlaTarget>> {
    let services = ctx.services();
    let calendar = services.calendar.current();
    let now = services.clock.now();
    let targets = answer(
        ctx,
        domain::support::targets(ticket, history, &calendar, now),
    )?;
    Ok(targets.into_iter().map(Into::into).collect())
}

record_object! { pub struct SlaPolicy(sla_policy::Model); }

object! {
    /// An SLA policy: the conditions that choose it, its targets, its clock,
    /// the statuses that pause it, its warning lead and who is told at breach.
    /// A ticket keeps the terms it was given; changes apply to tickets opened
    /// (or re-prioritised) afterwards.
    #[Object]
    impl SlaPolicy {
        /// Its id.
        id: ID,
        /// Its name, shown on tickets.
        name: &str,
        /// Condition: only tickets of this priority (null: any).
        priority: Option<TicketPriority>,
        /// Condition: only tickets of this category, compared without case (null: any).
        category: Option<&str>,
        /// Condition: only this customer's tickets (null: any).
        customer_id: Option<ID>,
        /// Chosen when no policy's conditions match.
        is_default: bool,
        /// Policies are tried by rank, lowest first.
        rank: i32,
        /// Minutes (in its clock) to the first staff reply.
        first_response_minutes: i32,
        /// Minutes (in its clock) from one staff reply to the next.
        next_update_minutes: i32,
        /// Minutes (in its clock) to resolution.
        resolution_minutes: i32,
        /// The clock it counts in.
        calendar: SlaCalendar,
        /// The ticket statuses in which its clocks stop (waiting statuses only).
        async fn pause_statuses(&self) -> async_graphql::Result<Vec<TicketStatus>> {
            let statuses = sla::parse_pause_statuses(&self.0.pause_statuses)
                .map_err(|e| async_graphql::Error::new(e.to_string()))?;
            Ok(statuses.into_iter().map(Into::into).collect())
        }
        /// How many minutes (in its clock) before a breach the assignee is warned.
        warning_minutes: i32,
        /// The role told when a target is breached.
        escalate_role: Role,
        /// Whether new tickets may get it.
        active: bool,
        /// Incremented by every change; send it back as `expectedVersion`.
        version: i32,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

/// A new SLA policy.
#[derive(InputObject)]
pub struct CreateSlaPolicyInput {
    /// Its name (required, at most 100 characters).
    pub name: String,
    /// Condition: only tickets of this priority.
    pub priority: Option<TicketPriority>,
    /// Condition: only tickets of this category.
    pub category: Option<String>,
    /// Condition: only this customer's tickets.
    pub customer_id: Option<ID>,
    /// Chosen when no policy's conditions match (default false).
    pub is_default: Option<bool>,
    /// Tried by rank, lowest first (0–100,000).
    pub rank: i32,
    /// Minutes to the first staff reply (1–525,600).
    pub first_response_minutes: i32,
    /// Minutes from one staff reply to the next (1–525,600).
    pub next_update_minutes: i32,
    /// Minutes to resolution (1–525,600).
    pub resolution_minutes: i32,
    /// The clock it counts in.
    pub calendar: SlaCalendar,
    /// The statuses that stop its clocks (waiting statuses only; default both).
    pub pause_statuses: Option<Vec<TicketStatus>>,
    /// Minutes before a breach the assignee is warned (below the smallest target; default 15).
    pub warning_minutes: Option<i32>,
    /// The staff role told at breach (default ADMIN).
    pub escalate_role: Option<Role>,
    /// Whether new tickets may get it (default true).
    pub active: Option<bool>,
}

/// Changes to one SLA policy. Omitted fields stay; null clears a condition.
/// Tickets already opened keep the terms they were given.
#[derive(InputObject)]
pub struct UpdateSlaPolicyInput {
    /// The policy.
    pub id: ID,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// Its name (at most 100 characters).
    pub name: Option<String>,
    /// Condition: only tickets of this priority, or null for any.
    pub priority: MaybeUndefined<TicketPriority>,
    /// Condition: only tickets of this category, or null for any.
    pub category: MaybeUndefined<String>,
    /// Condition: only this customer's tickets, or null for any.
    pub customer_id: MaybeUndefined<ID>,
    /// Chosen when no policy's conditions match (one active default must remain).
    pub is_default: Option<bool>,
    /// Tried by rank, lowest first (0–100,000).
    pub rank: Option<i32>,
    /// Minutes to the first staff reply (1–525,600).
    pub first_response_minutes: Option<i32>,
    /// Minutes from one staff reply to the next (1–525,600).
    pub next_update_minutes: Option<i32>,
    /// Minutes to resolution (1–525,600).
    pub resolution_minutes: Option<i32>,
    /// The clock it counts in.
    pub calendar: Option<SlaCalendar>,
    /// The statuses that stop its clocks (waiting statuses only).
    pub pause_statuses: Option<Vec<TicketStatus>>,
    /// Minutes before a breach the assignee is warned (below the smallest target).
    pub warning_minutes: Option<i32>,
    /// The staff role told at breach.
    pub escalate_role: Option<Role>,
    /// Whether new tickets may get it.
    pub active: Option<bool>,
}

payload!(
    "Result of `createSlaPolicy`.",
    CreateSlaPolicyPayload,
    policy: SlaPolicy
);
payload!(
    "Result of `updateSlaPolicy`.",
    UpdateSlaPolicyPayload,
    policy: SlaPolicy
);

/// One priority's SLA attainment over the report's dates.
#[derive(SimpleObject, Clone, Debug)]
pub struct SlaReportRow {
    /// The tickets' priority (as it is now).
    pub priority: TicketPriority,
    /// Tickets of this priority opened on the report's dates.
    pub tickets: i32,
    /// Of those, resolved (or closed) with every SLA target that applied
    /// met in time.
    pub met: i32,
    /// Of those, with an SLA target breached or met late.
    pub breached: i32,
    /// Of those, still open with nothing breached yet.
    pub open_in_time: i32,
    /// Of those, how many have had a first staff reply (the base of the
    /// first-response figures).
    pub responded: i32,
    /// Median time from opening to the first staff reply, in business
    /// minutes (the business's hours, weekends and public holidays
    /// excluded; nearest rank, whole minutes rounded down); null without
    /// replies.
    pub median_first_response_minutes: Option<i32>,
    /// 90th percentile (nearest rank) of the same; null without replies.
    pub p90_first_response_minutes: Option<i32>,
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<report::Row> for SlaReportRow {
    fn from(r: report::Row) -> Self {
        SlaReportRow {
            priority: r.priority.into(),
            tickets: count(r.tally.tickets),
            met: count(r.tally.met),
            breached: count(r.tally.breached),
            open_in_time: count(r.tally.open_in_time),
            responded: count(r.responded),
            median_first_response_minutes: r.median_first_response_minutes.map(count),
            p90_first_response_minutes: r.p90_first_response_minutes.map(count),
        }
    }
}

/// SLA attainment of the tickets opened on a range of Sydney dates, judged
/// at the time of reading, each ticket on the SLA terms it was given.
#[derive(SimpleObject, Clone, Debug)]
pub struct SlaReport {
    /// The first date.
    pub from: Date,
    /// The last date (inclusive).
    pub to: Date,
    /// One row per priority, every priority present, CRITICAL first.
    pub rows: Vec<SlaReportRow>,
}

impl From<report::Report> for SlaReport {
    fn from(r: report::Report) -> Self {
        SlaReport {
            from: Date(r.from),
            to: Date(r.to),
            rows: r.rows.into_iter().map(Into::into).collect(),
        }
    }
}

payload!(
    "Result of `slaReport`: the report, or why the dates were refused.",
    SlaReportPayload,
    report: SlaReport
);

fn statuses(list: Vec<TicketStatus>) -> Vec<entity::TicketStatus> {
    list.into_iter().map(Into::into).collect()
}

#[derive(Default)]
pub struct SlaQuery;

#[Object]
impl SlaQuery {
    /// Every SLA policy (staff), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadSettings)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn sla_policies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, SlaPolicy>> {
        let page = page_request(first, after)?;
        let found = policies::list(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, SlaPolicy))
    }

    /// SLA attainment per priority of the tickets opened on the Sydney
    /// dates `from` to `to` inclusive (staff; customers get FORBIDDEN):
    /// tickets, met, breached, and median and 90th-percentile first-response
    /// time in business minutes. `to` before `from` is refused
    /// (OUT_OF_RANGE on `to`), as is a range over 366 days (LIMIT_EXCEEDED).
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn sla_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first date (Australia/Sydney).")] from: Date,
        #[graphql(desc = "The last date (Australia/Sydney, inclusive).")] to: Date,
    ) -> async_graphql::Result<SlaReportPayload> {
        let services = ctx.services();
        let calendar = services.calendar.current();
        let result =
            report::sla_report(&services.db, &ctx.domain_ctx()?, &calendar, from.0, to.0).await;
        Ok(match result {
            Ok(r) => SlaReportPayload {
                report: Some(r.into()),
                user_errors: vec![],
            },
            Err(e) => SlaReportPayload {
                report: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            },
        })
    }
}

#[derive(Default)]
pub struct SlaMutation;

#[Object]
impl SlaMutation {
    /// Add an SLA policy (ADMIN, audited).
    #[graphql(guard = "Require::to(Permission::ManageSlaPolicies)")]
    async fn create_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateSlaPolicyInput,
    ) -> async_graphql::Result<CreateSlaPolicyPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = NewPolicy {
                name: input.name,
                priority: input.priority.map(Into::into),
                category: input.category,
                customer_id: optional_input_id(input.customer_id.as_ref(), "customerId")?,
                is_default: input.is_default.unwrap_or(false),
                rank: input.rank,
                first_response_minutes: input.first_response_minutes,
                next_update_minutes: input.next_update_minutes,
                resolution_minutes: input.resolution_minutes,
                calendar: input.calendar.into(),
                pause_statuses: input
                    .pause_statuses
                    .map(statuses)
                    .unwrap_or_else(|| policies::PAUSABLE.to_vec()),
                warning_minutes: input.warning_minutes.unwrap_or(15),
                escalate_role: input.escalate_role.map_or(entity::Role::Admin, Into::into),
                active: input.active.unwrap_or(true),
            };
            policies::create_policy(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Change an SLA policy (ADMIN, audited, versioned). Tickets already
    /// opened keep their terms.
    #[graphql(guard = "Require::to(Permission::ManageSlaPolicies)")]
    async fn update_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateSlaPolicyInput,
    ) -> async_graphql::Result<UpdateSlaPolicyPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let customer_id = match patch(input.customer_id) {
                Patch::Keep => Patch::Keep,
                Patch::Clear => Patch::Clear,
                Patch::Set(id) => Patch::Set(input_id(&id, "customerId")?),
            };
            let change = PolicyChange {
                id: input_id(&input.id, "id")?,
                expected_version: input.expected_version,
                name: input.name,
                priority: patch(input.priority).map(Into::into),
                category: patch(input.category),
                customer_id,
                is_default: input.is_default,
                rank: input.rank,
                first_response_minutes: input.first_response_minutes,
                next_update_minutes: input.next_update_minutes,
                resolution_minutes: input.resolution_minutes,
                calendar: input.calendar.map(Into::into),
                pause_statuses: input.pause_statuses.map(statuses),
                warning_minutes: input.warning_minutes,
                escalate_role: input.escalate_role.map(Into::into),
                active: input.active,
            };
            Ok::<_, DomainError>(change)
        }
        .await;
        let result = match result {
            Ok(change) => policies::update_policy(&ctx.services().db, &domain_ctx, &change).await,
            Err(e) => Err(e),
        };
        respond(ctx, result).await
    }
}
