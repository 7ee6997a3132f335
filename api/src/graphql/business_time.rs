//! Business time: public holidays (staff read, ADMIN edit), a deadline
//! calculator for frontends, and the timers ADMIN can inspect and cancel.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, connection, input_id, page_request, payload, record_object,
    respond,
};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Json, Object};
use chrono::{DateTime, NaiveDate, Utc};
use domain::business_time::{holidays, timers};
use domain::kernel::Permission;
use domain::rules::deadlines::{SlaClock, SlaTarget, sla_due};
use entity::{public_holiday, timer};

record_object! {
    /// A day the business calendar treats as closed, like a weekend.
    pub struct PublicHoliday(pub public_holiday::Model);
}

object! {
    /// A public holiday of the business calendar.
    #[Object]
    impl PublicHoliday {
        /// The date (in the business's timezone).
        date: NaiveDate = holiday_date,
        /// What the day is, e.g. `Additional day (Boxing Day)`.
        name: &str,
        /// When it was added (UTC).
        created_at: DateTime<Utc>,
    }
}

/// Where a timer is in its life.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TimerStatus")]
pub enum TimerStatus {
    /// Waiting for its due time.
    Planned,
    /// Fired once; its work ran (or runs) from the outbox.
    Fired,
    /// Replaced by a re-plan of the same kind and subject; never fires.
    Superseded,
    /// Cancelled; never fires.
    Cancelled,
}

record_object! { pub struct Timer(pub timer::Model); }

object! {
    /// A planned point in business time (a reminder, an escalation, a daily run).
    #[Object]
    impl Timer {
        /// Stable identifier.
        pub(crate) id: ID,
        /// What fires, e.g. `daily_run`.
        kind: &str,
        /// The record it is about.
        subject_id: ID,
        /// Bumped by each re-plan of the same kind and subject.
        generation: i32,
        /// When it is due (UTC, on the business clock).
        due_at: DateTime<Utc>,
        /// Where it is in its life.
        status: TimerStatus,
        /// What its handler is given.
        async fn payload(&self) -> Option<Json<serde_json::Value>> {
            serde_json::from_str(&self.0.payload).ok().map(Json)
        }
        /// When it was planned (UTC).
        created_at: DateTime<Utc>,
        /// When it fired (UTC), if it has.
        fired_at: Option<DateTime<Utc>>,
    }
}

/// A new public holiday.
#[derive(InputObject)]
pub struct AddPublicHolidayInput {
    /// The date (in the business's timezone).
    pub date: NaiveDate,
    /// What the day is (required, at most 100 characters).
    pub name: String,
}

/// Which public holiday to remove.
#[derive(InputObject)]
pub struct RemovePublicHolidayInput {
    /// Its date.
    pub date: NaiveDate,
}

/// Which timers to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct TimerFilter {
    /// Only this kind, e.g. `daily_run`.
    pub kind: Option<String>,
    /// Only timers about this record.
    pub subject_id: Option<ID>,
    /// Only timers due before this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// Only timers due at or after this instant.
    pub due_after: Option<DateTime<Utc>>,
    /// Only timers in this state.
    pub status: Option<TimerStatus>,
}

/// Which timer to cancel.
#[derive(InputObject)]
pub struct CancelTimerInput {
    /// The timer.
    pub id: ID,
}

payload!(
    "Result of `addPublicHoliday`.",
    AddPublicHolidayPayload,
    public_holiday: PublicHoliday
);
payload!(
    "Result of `removePublicHoliday`: the holiday as it was.",
    RemovePublicHolidayPayload,
    public_holiday: PublicHoliday
);
payload!(
    "Result of `cancelTimer`.",
    CancelTimerPayload,
    timer: Timer
);

#[derive(Default)]
pub struct BusinessTimeQuery;

#[Object]
impl BusinessTimeQuery {
    /// One year's public holidays in date order (staff).
    #[graphql(
        guard = "Require::to(Permission::ReadSettings)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn public_holidays(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year, e.g. 2027.")] year: i32,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PublicHoliday>> {
        let page = page_request(first, after)?;
        let found = holidays::list(&ctx.services().db, &ctx.domain_ctx()?, year, page).await;
        Ok(connection(answer(ctx, found)?, PublicHoliday))
    }

    /// When something started at `start` is due after `businessHours` of
    /// business time (09:00–17:00 Sydney, Monday to Friday, public holidays
    /// excluded), or after `hours` around the clock: the same calculation
    /// every deadline of the hub uses (staff).
    #[graphql(guard = "Require::to(Permission::ReadSettings)")]
    async fn business_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "When the clock starts (UTC).")] start: DateTime<Utc>,
        #[graphql(desc = "Business hours to add (0 to 10,000).")] business_hours: Option<i32>,
        #[graphql(desc = "Hours around the clock to add (0 to 10,000).")] hours: Option<i32>,
    ) -> async_graphql::Result<DateTime<Utc>> {
        let target = match (business_hours, hours) {
            (Some(h), None) => (h, SlaClock::BusinessHours),
            (None, Some(h)) => (h, SlaClock::AroundTheClock),
            _ => {
                return Err(super::ApiError::BadRequest(
                    "give exactly one of businessHours and hours".into(),
                )
                .extend());
            }
        };
        let hours = u32::try_from(target.0)
            .ok()
            .filter(|h| *h <= 10_000)
            .ok_or_else(|| {
                super::ApiError::BadRequest("hours must be between 0 and 10,000".into()).extend()
            })?;
        ctx.domain_ctx()?;
        let calendar = ctx.services().calendar.current();
        let target = SlaTarget {
            hours,
            clock: target.1,
        };
        Ok(sla_due(&calendar, target, start))
    }

    /// Planned, fired and cancelled timers, oldest planned first (ADMIN).
    #[graphql(
        guard = "Require::to(Permission::ManageTimers)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn timers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which timers; all when omitted.")] filter: Option<TimerFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Timer>> {
        let page = page_request(first, after)?;
        let filter = filter.unwrap_or_default();
        let subject_id = super::kit::arg_id_opt(filter.subject_id.as_ref(), "filter.subjectId")?;
        let filter = timers::TimerFilter {
            kind: filter.kind,
            subject_id,
            due_before: filter.due_before,
            due_after: filter.due_after,
            status: filter.status.map(Into::into),
        };
        let found = timers::list(&ctx.services().db, &ctx.domain_ctx()?, &filter, page).await;
        Ok(connection(answer(ctx, found)?, Timer))
    }
}

#[derive(Default)]
pub struct BusinessTimeMutation;

#[Object]
impl BusinessTimeMutation {
    /// Add a public holiday (ADMIN, audited). Every api and worker process
    /// computes deadlines with it from now on, without a restart.
    #[graphql(guard = "Require::to(Permission::ManageSettings)")]
    async fn add_public_holiday(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AddPublicHolidayInput,
    ) -> async_graphql::Result<AddPublicHolidayPayload> {
        let new = holidays::NewHoliday {
            date: input.date,
            name: input.name,
        };
        let result = holidays::add(&ctx.services().db, &ctx.domain_ctx()?, &new).await;
        respond(ctx, result).await
    }

    /// Remove a public holiday (ADMIN, audited); every process stops
    /// skipping the day without a restart.
    #[graphql(guard = "Require::to(Permission::ManageSettings)")]
    async fn remove_public_holiday(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RemovePublicHolidayInput,
    ) -> async_graphql::Result<RemovePublicHolidayPayload> {
        let result = holidays::remove(&ctx.services().db, &ctx.domain_ctx()?, input.date).await;
        respond(ctx, result).await
    }

    /// Cancel a planned timer that should not fire (ADMIN, audited).
    #[graphql(guard = "Require::to(Permission::ManageTimers)")]
    async fn cancel_timer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CancelTimerInput,
    ) -> async_graphql::Result<CancelTimerPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            timers::cancel(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }
}
