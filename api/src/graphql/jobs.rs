//! Dead letters (ADMIN): jobs that ran out of attempts or failed for good.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, connection, input_id, page_request, payload, record_object,
    respond,
};
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::platform::dead_letters;
use entity::dead_job;

record_object! { pub struct DeadJob(pub dead_job::Model); }

object! {
    /// A job that will not run again until an ADMIN retries it.
    #[Object]
    impl DeadJob {
        /// Stable identifier.
        pub(crate) id: ID,
        /// What kind of job, e.g. `notification`.
        job_kind: &str,
        /// The record the job works on (e.g. the notification).
        reference_id: ID,
        /// Why it failed the last time.
        last_error: &str,
        /// How many attempts it had.
        attempts: i32,
        /// When it was given up (UTC).
        died_at: DateTime<Utc>,
        /// When an ADMIN retried it (UTC), if so.
        retried_at: Option<DateTime<Utc>>,
    }
}

/// Which dead job to run again.
#[derive(InputObject)]
pub struct RetryDeadJobInput {
    /// The dead job.
    pub id: ID,
}

payload!(
    "Result of `retryDeadJob`.",
    RetryDeadJobPayload,
    dead_job: DeadJob
);

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// Dead letters not yet retried, oldest first (ADMIN).
    #[graphql(
        guard = "Require::to(Permission::ManageJobs)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn dead_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, DeadJob>> {
        let page = page_request(first, after)?;
        let found = dead_letters::list(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, DeadJob))
    }
}

#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Run a dead job again with a fresh set of attempts (ADMIN), after its
    /// cause is fixed.
    #[graphql(guard = "Require::to(Permission::ManageJobs)")]
    async fn retry_dead_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RetryDeadJobInput,
    ) -> async_graphql::Result<RetryDeadJobPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            // Scheduling is wall time: the job is due now, whatever the app clock says.
            domain::platform::retry::retry(&ctx.services().db, &domain_ctx, id, Utc::now()).await
        }
        .await;
        respond(ctx, result).await
    }
}
