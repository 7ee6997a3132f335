//! Dead letters (ADMIN): jobs that ran out of attempts or failed for good.

use super::errors::{ApiError, UserError, split_domain_error};
use super::types::{encode_cursor, page_request, parse_id};
use super::{ContextExt, Require};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use entity::dead_job;

/// A job that will not run again until an ADMIN retries it.
pub struct DeadJob(pub dead_job::Model);

#[Object]
impl DeadJob {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What kind of job, e.g. `notification`.
    async fn job_kind(&self) -> &str {
        &self.0.job_kind
    }
    /// The record the job works on (e.g. the notification).
    async fn reference_id(&self) -> ID {
        ID(self.0.reference_id.to_string())
    }
    /// Why it failed the last time.
    async fn last_error(&self) -> &str {
        &self.0.last_error
    }
    /// How many attempts it had.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When it was given up (UTC).
    async fn died_at(&self) -> DateTime<Utc> {
        self.0.died_at
    }
    /// When an ADMIN retried it (UTC), if so.
    async fn retried_at(&self) -> Option<DateTime<Utc>> {
        self.0.retried_at
    }
}

/// Which dead job to run again.
#[derive(InputObject)]
pub struct RetryDeadJobInput {
    /// The dead job.
    pub id: ID,
}

/// Result of `retryDeadJob`.
#[derive(SimpleObject)]
pub struct RetryDeadJobPayload {
    /// The dead job, now marked retried.
    pub dead_job: Option<DeadJob>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// Dead letters not yet retried, oldest first (ADMIN).
    #[graphql(guard = "Require::to(Permission::ManageJobs)")]
    async fn dead_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, DeadJob>> {
        let page = page_request(first, after)?;
        let found = domain::notifications::dead_jobs(&ctx.services().db, &ctx.domain_ctx()?, page)
            .await
            .map_err(|e| match split_domain_error(e, &ctx.request().request_id) {
                Err(e) => e,
                Ok(_) => ApiError::BadRequest("refused".into()).extend(),
            })?;
        let mut connection = Connection::new(found.has_previous_page, found.has_next_page);
        connection.edges.extend(
            found
                .items
                .into_iter()
                .map(|(id, m)| Edge::new(encode_cursor(id), DeadJob(m))),
        );
        Ok(connection)
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
        input: RetryDeadJobInput,
    ) -> async_graphql::Result<RetryDeadJobPayload> {
        let id = parse_id(&input.id, "input.id")?;
        match domain::notifications::retry_dead(
            &ctx.services().db,
            &ctx.domain_ctx()?,
            id,
            Utc::now(),
        )
        .await
        {
            Ok(job) => Ok(RetryDeadJobPayload {
                dead_job: Some(DeadJob(job)),
                user_errors: vec![],
            }),
            Err(e) => Ok(RetryDeadJobPayload {
                dead_job: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }
}
