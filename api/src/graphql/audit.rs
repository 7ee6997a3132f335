//! The audit trail of any record.

use super::errors::ApiError;
use super::kit::object;
use super::kit::{ContextExt, Require, answer, arg_id, connection, page_request};
use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, Json, Object, Subscription};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::platform::audit;
use entity::audit_entry;
use futures::{Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

pub struct AuditEntry(pub audit_entry::Model);

fn parse_snapshot(text: &Option<String>) -> Option<Json<serde_json::Value>> {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .map(Json)
}

object! {
    /// One change to one record: who, when, what, and the record before and after.
    #[Object]
    impl AuditEntry {
        /// Stable identifier.
        pub(crate) id: ID,
        /// Kind of record changed, e.g. `customer`.
        subject_type: &str,
        /// Id of the record changed.
        subject_id: ID,
        /// What happened, e.g. `customer.created`.
        action: &str,
        /// Who did it (user id, or `system`).
        actor_id: &str,
        /// The actor's role at the time.
        actor_role: &str,
        /// When it happened (UTC).
        occurred_at: DateTime<Utc>,
        /// The record before the change (null on creation).
        async fn before(&self) -> Option<Json<serde_json::Value>> {
            parse_snapshot(&self.0.before)
        }
        /// The record after the change.
        async fn after(&self) -> Option<Json<serde_json::Value>> {
            parse_snapshot(&self.0.after)
        }
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The timeline of one record, oldest first. Customers see only their own.
    #[graphql(
        guard = "Require::to(Permission::ReadAudit)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the record.")] subject_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        let subject_id = arg_id(&subject_id, "subjectId")?;
        trail_of(ctx, subject_id, first, after).await
    }
}

/// One record's audit trail as a connection, oldest first: the query's
/// `auditTrail` and the `auditTrail` field of records that show their own.
pub(super) async fn trail_of(
    ctx: &Context<'_>,
    subject_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, AuditEntry>> {
    let page = page_request(first, after)?;
    let domain_ctx = ctx.domain_ctx()?;
    let found = audit::trail(&ctx.services().db, &domain_ctx, subject_id, page).await;
    Ok(connection(answer(ctx, found)?, AuditEntry))
}

#[derive(Default)]
pub struct AuditSubscription;

#[Subscription]
impl AuditSubscription {
    /// A live timeline: every audit entry appended to one record from now on,
    /// on any API instance. Customers may follow only their own records.
    #[graphql(guard = "Require::to(Permission::ReadAudit)")]
    async fn audit_appended(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the record.")] subject_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = AuditEntry> + use<>> {
        let subject_id = arg_id(&subject_id, "subjectId")?;
        if !audit::may_follow(&ctx.domain_ctx()?, subject_id) {
            // Looks exactly like a record that never changes.
            return Ok(futures::stream::pending().left_stream());
        }
        let services = ctx.services().clone();
        let request_id = ctx.request().request_id.clone();
        // Subscribe before reading the starting point, so nothing slips between.
        let mut events = services.broker.subscribe();
        let mut last_seen = audit::latest_id(&services.db, subject_id)
            .await
            .map_err(|e| ApiError::internal(&request_id, &e).extend())?;
        Ok(async_stream::stream! {
            loop {
                match events.recv().await {
                    Ok(event) if event.subject_id.is_some_and(|s| s != subject_id) => continue,
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
                match audit::appended_since(&services.db, subject_id, last_seen).await {
                    Ok(entries) => {
                        for entry in entries {
                            last_seen = Some(entry.id);
                            yield AuditEntry(entry);
                        }
                    }
                    Err(e) => {
                        tracing::error!(request_id, error = %e, "reading new audit entries failed");
                        break;
                    }
                }
            }
        }
        .right_stream())
    }
}
