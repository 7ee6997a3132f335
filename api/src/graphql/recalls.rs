//! Recalls (ACL s128): COMPLIANCE starts one for a product's batches (they
//! are blocked at once, the ACCC clock starts, every buyer is emailed a
//! notice once), records the ACCC submission, each customer's answer and
//! remedy, and closes it; staff read recalls and their progress; a customer
//! reads its own recall notices. Resolvers only translate; the rules are in
//! `domain::safety::recalls`.

use super::audit::AuditEntry;
use super::catalogue::Product;
use super::date::Date;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, payload,
    record_object, respond,
};
use super::safety::ProductBatch;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, MergedObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::safety::recalls::{self, NewRecall, NoticeEvent};
use entity::{recall, recall_notice};
use std::sync::Arc;

/// Where a recall is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::RecallStatus")]
pub enum RecallStatus {
    /// Under way: its batches are blocked and its customers told.
    Active,
    /// Finished (its batches stay blocked).
    Closed,
}

/// Where one customer's recall notice is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::RecallNoticeStatus")]
pub enum RecallNoticeStatus {
    /// Found through order history; the notice is being emailed.
    Pending,
    /// The notice was emailed.
    Notified,
    /// The customer answered.
    Responded,
    /// The customer received the remedy.
    Remedied,
    /// No email address, or the email bounced or could not be delivered.
    Unreachable,
}

/// What to record on a customer's notice.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecallResponse {
    /// The customer answered (from NOTIFIED).
    Responded,
    /// The customer received the remedy (from NOTIFIED or RESPONDED).
    Remedied,
}

/// How a recall's notices stand.
#[derive(SimpleObject)]
pub struct RecallProgress {
    /// Buyers found through order history, one notice each: customers, and
    /// guest orders' addresses (one per address).
    pub affected_customers: u64,
    /// Notices being emailed.
    pub pending: u64,
    /// Notices emailed, not yet answered.
    pub notified: u64,
    /// Customers who answered.
    pub responded: u64,
    /// Customers who received the remedy.
    pub remedied: u64,
    /// Customers without an address, or whose email could not be delivered.
    pub unreachable: u64,
}

/// What a recall says about itself, to staff and customers alike: the
/// fields `Recall` and `RecallSummary` share (merged into each).
pub struct RecallFacts(Arc<recall::Model>);

object! {
    /// What a recall says about itself, to staff and customers alike.
    #[Object]
    impl RecallFacts {
        /// Gap-free number, e.g. `RCL-000001`.
        number: &str,
        /// The recalled product.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            Product::load(ctx, self.0.product_id).await
        }
        /// The defect.
        defect: &str,
        /// The hazard it causes.
        hazard: &str,
        /// Where it was sold.
        sold_where: &str,
        /// The first day it was sold.
        sold_from: Date,
        /// The last day it was sold.
        sold_to: Date,
        /// What customers should do.
        customer_action: &str,
        /// How customers get the remedy.
        remedy: &str,
        /// Where it is.
        status: RecallStatus,
    }
}

/// Declare a recall object: [`RecallFacts`] merged with `$part`'s fields,
/// both over one shared record.
macro_rules! recall_object {
    (
        $(#[$meta:meta])* $name:ident = RecallFacts + $part:ident;
        $(#[$part_meta:meta])*
    ) => {
        $(#[$meta])*
        #[derive(MergedObject)]
        pub struct $name(RecallFacts, $part);

        impl From<recall::Model> for $name {
            fn from(m: recall::Model) -> Self {
                let m = Arc::new(m);
                $name(RecallFacts(m.clone()), $part(m))
            }
        }

        $(#[$part_meta])*
        pub struct $part(Arc<recall::Model>);
    };
}

recall_object! {
    /// A product recall (ACL s128): what is recalled and why, what customers
    /// should do, the remedy, the ACCC notification and its customers' notices.
    Recall = RecallFacts + RecallStaffFields;
    /// The fields of a recall only staff read (merged into `Recall`).
}

object! {
    /// The fields of a recall only staff read.
    #[Object]
    impl RecallStaffFields {
        /// Stable identifier.
        id: ID,
        /// The recalled product's id.
        product_id: ID,
        /// The recalled batches (blocked: they cannot be reserved or packed).
        async fn batches(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProductBatch>> {
            let found = recalls::batches_of(&ctx.services().db, &self.0).await?;
            Ok(found.into_iter().map(ProductBatch).collect())
        }
        /// Its audit trail, oldest first: started, batches blocked, customers
        /// found, submission, responses.
        #[graphql(complexity = "super::limits::connection_cost(first, child_complexity)")]
        async fn audit_trail(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
            #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        ) -> async_graphql::Result<Connection<String, AuditEntry>> {
            super::audit::trail_of(ctx, self.0.id, first, after).await
        }
        /// The Sydney date recall action started.
        started_on: Date,
        /// The ACCC notification's due date (2 days, business calendar).
        accc_due_on: Date,
        /// When the ACCC notification was recorded as made.
        accc_submitted_at: Option<DateTime<Utc>>,
        /// The ACCC submission's reference.
        accc_reference: Option<&str>,
        /// Who started it.
        started_by: &str,
        /// When it was started.
        created_at: DateTime<Utc>,
        /// When it last changed.
        updated_at: DateTime<Utc>,
        /// Optimistic-locking version: pass it as `expectedVersion`.
        version: i32,
        /// How its customers' notices stand (staff).
        #[graphql(guard = "Require::to(Permission::ReadSafety)")]
        async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<RecallProgress> {
            let p = recalls::progress(&ctx.services().db, self.0.id).await?;
            Ok(RecallProgress {
                affected_customers: p.affected_customers,
                pending: p.pending,
                notified: p.notified,
                responded: p.responded,
                remedied: p.remedied,
                unreachable: p.unreachable,
            })
        }
        /// Its customers' notices, oldest first (staff).
        #[graphql(
            guard = "Require::to(Permission::ReadSafety)",
            complexity = "super::limits::connection_cost(first, child_complexity)"
        )]
        async fn notices(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
            #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        ) -> async_graphql::Result<Connection<String, RecallNotice>> {
            let page = page_request(first, after)?;
            let db = &ctx.services().db;
            let found = recalls::notices(db, &ctx.domain_ctx()?, self.0.id, page).await;
            Ok(connection(answer(ctx, found)?, RecallNotice))
        }
    }
}

record_object! { pub struct RecallNotice(pub recall_notice::Model); }

object! {
    /// One customer's notice of a recall: what the customer was told and how
    /// they stand.
    #[Object]
    impl RecallNotice {
        /// Stable identifier.
        id: ID,
        /// The recall's id.
        recall_id: ID,
        /// The customer's id (null for a guest buyer, told at the order's address).
        customer_id: Option<ID>,
        /// The address the notice went to (null: unreachable).
        email: Option<&str>,
        /// Where it is.
        status: RecallNoticeStatus,
        /// Affected units the customer bought, over all their orders.
        units: i32,
        /// When the notice was emailed.
        notified_at: Option<DateTime<Utc>>,
        /// When the customer answered.
        responded_at: Option<DateTime<Utc>>,
        /// When the customer received the remedy.
        remedied_at: Option<DateTime<Utc>>,
        /// Staff's note on the customer's answer or remedy.
        note: Option<&str>,
        /// Optimistic-locking version.
        version: i32,
        /// What the recall tells the customer.
        async fn recall(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RecallSummary>> {
            Ok(recalls::find(&ctx.services().db, self.0.recall_id)
                .await?
                .map(RecallSummary::from))
        }
    }
}

recall_object! {
    /// A recall as its customers see it.
    RecallSummary = RecallFacts + RecallBatchCodes;
    /// A recall's batch codes (merged into `RecallSummary`).
}

/// A recall's batch codes.
#[Object]
impl RecallBatchCodes {
    /// The recalled batch codes.
    async fn batch_codes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let found = recalls::batches_of(&ctx.services().db, &self.0).await?;
        Ok(found.into_iter().map(|b| b.batch_code).collect())
    }
}

/// Which recalls to list.
pub type RecallFilter = super::safety::RecordFilter<RecallStatus>;

/// A recall as COMPLIANCE starts it.
#[derive(InputObject)]
pub struct StartRecallInput {
    /// The product.
    pub product_id: ID,
    /// Its batches to recall (at least one, none twice, none recalled yet).
    pub batch_ids: Vec<ID>,
    /// The defect.
    pub defect: String,
    /// The hazard it causes.
    pub hazard: String,
    /// Where it was sold.
    pub sold_where: String,
    /// The first day it was sold.
    pub sold_from: Date,
    /// The last day it was sold (not after today).
    pub sold_to: Date,
    /// What customers should do.
    pub customer_action: String,
    /// How customers get the remedy.
    pub remedy: String,
}

/// The ACCC notification, made.
#[derive(InputObject)]
pub struct RecordRecallSubmissionInput {
    /// The recall.
    pub recall_id: ID,
    /// The ACCC submission's reference.
    pub reference: String,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
}

/// A customer's answer or remedy.
#[derive(InputObject)]
pub struct RecordRecallNoticeResponseInput {
    /// The customer's notice.
    pub notice_id: ID,
    /// RESPONDED or REMEDIED.
    pub status: RecallResponse,
    /// What the customer said or received.
    pub note: Option<String>,
}

/// Closing a recall.
#[derive(InputObject)]
pub struct CloseRecallInput {
    /// The recall.
    pub recall_id: ID,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
}

payload!("Result of `startRecall`.", StartRecallPayload, recall: Recall);
payload!(
    "Result of `recordRecallSubmission`.",
    RecordRecallSubmissionPayload,
    recall: Recall
);
payload!("Result of `closeRecall`.", CloseRecallPayload, recall: Recall);
payload!(
    "Result of `recordRecallNoticeResponse`.",
    RecordRecallNoticeResponsePayload,
    notice: RecallNotice
);

#[derive(Default)]
pub struct RecallQuery;

#[Object]
impl RecallQuery {
    /// One recall (staff); null when missing.
    #[graphql(guard = "Require::to(Permission::ReadSafety)")]
    async fn recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recall's id.")] id: ID,
    ) -> async_graphql::Result<Option<Recall>> {
        let id = arg_id(&id, "id")?;
        let found = recalls::find_staff(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Recall::from))
    }

    /// Recalls, oldest first (staff).
    #[graphql(
        guard = "Require::to(Permission::ReadSafety)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn recalls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which recalls; all when omitted.")] filter: Option<RecallFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Recall>> {
        let page = page_request(first, after)?;
        let filter = RecallFilter::to_domain(filter)?;
        let found = recalls::list(&ctx.services().db, &ctx.domain_ctx()?, &filter, page).await;
        Ok(connection(answer(ctx, found)?, Recall::from))
    }

    /// Recall notices the caller may see, oldest first: a customer its own,
    /// staff all.
    #[graphql(
        guard = "Require::signed_in()",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn recall_notices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, RecallNotice>> {
        let page = page_request(first, after)?;
        let found = recalls::visible_notices(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, RecallNotice))
    }
}

#[derive(Default)]
pub struct RecallMutation;

#[Object]
impl RecallMutation {
    /// Start a recall (COMPLIANCE, ADMIN): its batches are blocked at once,
    /// the ACCC notification's due date is set (2 days, business calendar)
    /// with a reminder to COMPLIANCE and an escalation to ADMIN, and every
    /// customer who bought an affected batch is emailed a notice once.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn start_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: StartRecallInput,
    ) -> async_graphql::Result<StartRecallPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let batch_ids = input
                .batch_ids
                .iter()
                .map(|id| input_id(id, "batchIds"))
                .collect::<Result<Vec<_>, _>>()?;
            let new = NewRecall {
                product_id: input_id(&input.product_id, "productId")?,
                batch_ids,
                defect: input.defect,
                hazard: input.hazard,
                sold_where: input.sold_where,
                sold_from: input.sold_from.0,
                sold_to: input.sold_to.0,
                customer_action: input.customer_action,
                remedy: input.remedy,
            };
            let calendar = ctx.services().calendar.current();
            recalls::start(&ctx.services().db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record the ACCC notification with its reference (COMPLIANCE, ADMIN),
    /// once: the reminder and escalation stop.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn record_recall_submission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordRecallSubmissionInput,
    ) -> async_graphql::Result<RecordRecallSubmissionPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.recall_id, "recallId")?;
            recalls::record_submission(
                &ctx.services().db,
                &domain_ctx,
                id,
                &input.reference,
                input.expected_version,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record a customer's answer or remedy on its notice (COMPLIANCE,
    /// ADMIN): NOTIFIED → RESPONDED → REMEDIED; any other move is
    /// ILLEGAL_TRANSITION.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn record_recall_notice_response(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordRecallNoticeResponseInput,
    ) -> async_graphql::Result<RecordRecallNoticeResponsePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.notice_id, "noticeId")?;
            let event = match input.status {
                RecallResponse::Responded => NoticeEvent::Responded,
                RecallResponse::Remedied => NoticeEvent::Remedied,
            };
            recalls::record_response(
                &ctx.services().db,
                &domain_ctx,
                id,
                event,
                input.note.as_deref(),
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Close a recall (COMPLIANCE, ADMIN); its batches stay blocked.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn close_recall(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CloseRecallInput,
    ) -> async_graphql::Result<CloseRecallPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.recall_id, "recallId")?;
            recalls::close(&ctx.services().db, &domain_ctx, id, input.expected_version).await
        }
        .await;
        respond(ctx, result).await
    }
}
