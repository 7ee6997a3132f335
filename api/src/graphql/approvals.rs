//! Approvals: request (GENERAL by hand), decide, cancel, read, policies and
//! live changes. Resolvers only translate; the rules are in
//! `domain::approvals`.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, patch, payload,
    record_object, respond,
};
use super::users::Role;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Subscription};
use chrono::{DateTime, Utc};
use domain::approvals::{self, Approval as Model, policies};
use domain::kernel::Permission;
use entity::{approval_decision, approval_policy};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

/// What an approval gates.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ApprovalKind")]
pub enum ApprovalKind {
    /// Reserving stock for an order (amount: the order total including GST).
    InventoryReservation,
    /// Capturing a payment.
    PaymentProcessing,
    /// Paying money back to a customer.
    Refund,
    /// Ordering from a supplier.
    PurchaseOrder,
    /// Changing an engagement's scope.
    ScopeChange,
    /// A customer accepting a deliverable.
    DeliverableAcceptance,
    /// Anything else staff want a second pair of eyes on.
    General,
}

/// Where an approval request is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ApprovalStatus")]
pub enum ApprovalStatus {
    /// Waiting for a decision.
    Pending,
    /// Every step approved.
    Approved,
    /// A decider rejected it.
    Rejected,
    /// Its requester or ADMIN withdrew it.
    Cancelled,
    /// Its due time passed undecided and the policy expires it.
    Expired,
}

/// A decider's answer.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Verdict")]
pub enum ApprovalVerdict {
    /// Approve this step.
    Approve,
    /// Reject the request.
    Reject,
}

/// What an undecided request's due time does.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::OnDue")]
pub enum ApprovalOnDue {
    /// The escalation role may decide too, and is emailed.
    Escalate,
    /// The request closes as EXPIRED.
    Expire,
}

record_object! { pub struct Approval(pub Model); }

object! {
    /// A request for approval of one subject, decided under the policy terms of
    /// its creation.
    #[Object]
    impl Approval {
        /// Stable identifier.
        pub(crate) id: ID = request.id,
        /// What it gates.
        kind: ApprovalKind = request.kind,
        /// The kind of record it is about, e.g. `order`.
        subject_type: &str = request.subject_type,
        /// The record it is about.
        subject_id: ID = request.subject_id,
        /// Who asked (a user id).
        requester_id: &str = request.requester_id,
        /// The requester's role when asking.
        requester_role: Role = request.requester_role,
        /// The amount at stake, if any.
        amount: Option<Money> = request.amount_cents,
        /// Why it is asked.
        reason: &str = request.reason,
        /// Where it is.
        status: ApprovalStatus = request.status,
        /// The version of the kind's policy it is decided under.
        policy_version: i32 = request.policy_version,
        /// The role each approval step needs, in order (empty when approved automatically).
        async fn steps_required(&self) -> Vec<Role> {
            self.0.steps().into_iter().map(Into::into).collect()
        }
        /// The roles of the steps still to approve (empty once closed).
        async fn steps_remaining(&self) -> Vec<Role> {
            self.0
                .steps_remaining()
                .into_iter()
                .map(Into::into)
                .collect()
        }
        /// The role it escalated to when its due time passed, if it did.
        escalated_to_role: Option<Role> = request.escalated_to_role,
        /// When the deciders are reminded (UTC).
        follow_up_at: DateTime<Utc> = request.follow_up_at,
        /// When it escalates or expires if still undecided (UTC).
        due_at: DateTime<Utc> = request.due_at,
        /// Every decision, oldest first (append-only).
        async fn decisions(&self) -> Vec<ApprovalDecision> {
            self.0
                .decisions
                .iter()
                .cloned()
                .map(ApprovalDecision)
                .collect()
        }
        /// Incremented by every change.
        version: i32 = request.version,
        /// When it was asked (UTC).
        created_at: DateTime<Utc> = request.created_at,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc> = request.updated_at,
        /// When it closed (UTC), if it has.
        closed_at: Option<DateTime<Utc>> = request.closed_at,
    }
}

pub struct ApprovalDecision(approval_decision::Model);

object! {
    /// One decision on an approval request.
    #[Object]
    impl ApprovalDecision {
        /// The step it decided (1 for the first approval).
        step: i32,
        /// Who decided (a user id, or `system` for an automatic approval).
        decider_id: &str,
        /// The decider's role (null for `system`).
        decider_role: Option<Role>,
        /// Approve or reject.
        decision: ApprovalVerdict,
        /// The decider's comment.
        comment: Option<&str>,
        /// What backs an offline decision (e.g. a signed document's reference).
        evidence: Option<&str>,
        /// When (UTC).
        decided_at: DateTime<Utc>,
    }
}

record_object! { pub struct ApprovalPolicy(approval_policy::Model); }

object! {
    /// How one kind of approval is decided. ADMIN may decide every kind; the
    /// requester never decides its own request.
    #[Object]
    impl ApprovalPolicy {
        /// The kind it governs.
        kind: ApprovalKind,
        /// Who decides.
        decider_role: Role,
        /// Amounts below this are approved at once (by `system`); null: never.
        auto_approve_below: Option<Money> = auto_approve_below_cents,
        /// Amounts up to this need one approver, above it two; null: one always.
        single_approver_up_to: Option<Money> = single_approver_up_to_cents,
        /// The second approver's role (the decider's role when null).
        second_approver_role: Option<Role>,
        /// Business hours until the deciders are reminded.
        follow_up_business_hours: i32,
        /// Business hours until an undecided request escalates or expires.
        due_business_hours: i32,
        /// What the due time does.
        on_due: ApprovalOnDue,
        /// Who may decide (and is emailed) after escalation.
        escalate_to_role: Option<Role>,
        /// A staff role that may record the decider's offline decision, with evidence.
        offline_role: Option<Role>,
        /// Incremented by every change; send it back as `expectedVersion`.
        version: i32,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

/// A request raised by hand.
#[derive(InputObject)]
pub struct RequestApprovalInput {
    /// Only GENERAL: other kinds are requested by their own flows.
    pub kind: ApprovalKind,
    /// The kind of record it is about, e.g. `supplier`.
    pub subject_type: String,
    /// The record it is about.
    pub subject_id: ID,
    /// The amount at stake in dollars, e.g. `1250.00`.
    pub amount: Option<String>,
    /// Why (required, at most 2,000 characters).
    pub reason: String,
}

/// A decision on the next step of a request.
#[derive(InputObject)]
pub struct DecideApprovalInput {
    /// The request.
    pub id: ID,
    /// Approve or reject.
    pub decision: ApprovalVerdict,
    /// Why, for the record.
    pub comment: Option<String>,
    /// What backs an offline decision recorded by staff (required then).
    pub evidence: Option<String>,
}

/// Which request to cancel.
#[derive(InputObject)]
pub struct CancelApprovalInput {
    /// The request.
    pub id: ID,
}

/// Which requests to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct ApprovalFilter {
    /// Only this kind.
    pub kind: Option<ApprovalKind>,
    /// Only in this state.
    pub status: Option<ApprovalStatus>,
    /// Only about this record.
    pub subject_id: Option<ID>,
    /// Only those the caller may decide now.
    pub awaiting_me: Option<bool>,
}

/// Changes to one policy. Omitted fields stay; null clears an optional one.
/// Requests already made keep the terms they were made under.
#[derive(InputObject)]
pub struct UpdateApprovalPolicyInput {
    /// The policy to change.
    pub kind: ApprovalKind,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// Who decides.
    pub decider_role: Option<Role>,
    /// Approve at once below this amount (dollars), or null for never.
    pub auto_approve_below: MaybeUndefined<String>,
    /// One approver up to this amount (dollars), two above it; null for one always.
    pub single_approver_up_to: MaybeUndefined<String>,
    /// The second approver's role, or null for the decider's role.
    pub second_approver_role: MaybeUndefined<Role>,
    /// Business hours until the reminder (1–2,000).
    pub follow_up_business_hours: Option<i32>,
    /// Business hours until escalation or expiry (1–2,000, not before the reminder).
    pub due_business_hours: Option<i32>,
    /// What the due time does.
    pub on_due: Option<ApprovalOnDue>,
    /// Who may decide after escalation (required to escalate).
    pub escalate_to_role: MaybeUndefined<Role>,
    /// Staff role that may record offline decisions, or null for none.
    pub offline_role: MaybeUndefined<Role>,
}

payload!(
    "Result of `requestApproval`.",
    RequestApprovalPayload,
    approval: Approval
);
payload!(
    "Result of `decideApproval`.",
    DecideApprovalPayload,
    approval: Approval
);
payload!(
    "Result of `cancelApproval`.",
    CancelApprovalPayload,
    approval: Approval
);
payload!(
    "Result of `updateApprovalPolicy`.",
    UpdateApprovalPolicyPayload,
    policy: ApprovalPolicy
);

fn role_patch(value: MaybeUndefined<Role>) -> domain::kernel::Patch<entity::Role> {
    patch(value).map(Into::into)
}

#[derive(Default)]
pub struct ApprovalQuery;

#[Object]
impl ApprovalQuery {
    /// One request by id; null when missing or not visible to the caller
    /// (customers see only requests about their own records).
    #[graphql(guard = "Require::to(Permission::UseApprovals)")]
    async fn approval(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> async_graphql::Result<Option<Approval>> {
        let id = arg_id(&id, "id")?;
        let found = approvals::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Approval))
    }

    /// Requests the caller may see, oldest first.
    #[graphql(
        guard = "Require::to(Permission::UseApprovals)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn approvals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which requests; all visible ones when omitted.")] filter: Option<
            ApprovalFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Approval>> {
        let page = page_request(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = approvals::ApprovalFilter {
            kind: filter.kind.map(Into::into),
            status: filter.status.map(Into::into),
            subject_id: super::kit::arg_id_opt(filter.subject_id.as_ref(), "filter.subjectId")?,
            awaiting_me: filter.awaiting_me.unwrap_or(false),
        };
        let db = &ctx.services().db;
        let domain_ctx = ctx.domain_ctx()?;
        let page = answer(ctx, approvals::list(db, &domain_ctx, &filter, page).await)?;
        let page = answer(ctx, approvals::with_decisions(db, page).await)?;
        Ok(connection(page, Approval))
    }

    /// The policy of every kind (staff).
    #[graphql(
        guard = "Require::to(Permission::ReadSettings)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn approval_policies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ApprovalPolicy>> {
        let page = page_request(first, after)?;
        let found = policies::list(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, ApprovalPolicy))
    }
}

#[derive(Default)]
pub struct ApprovalMutation;

#[Object]
impl ApprovalMutation {
    /// Ask for approval of anything (staff; GENERAL only, other kinds are
    /// raised by their flows). Deciders are reminded at the policy's
    /// follow-up time; at its due time the request escalates or expires.
    #[graphql(guard = "Require::to(Permission::RequestApprovals)")]
    async fn request_approval(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RequestApprovalInput,
    ) -> async_graphql::Result<RequestApprovalPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let new = approvals::NewApproval {
                kind: input.kind.into(),
                subject_type: input.subject_type,
                subject_id: input_id(&input.subject_id, "subjectId")?,
                owner_party: None,
                amount: input.amount,
                reason: input.reason,
            };
            let calendar = services.calendar.current();
            approvals::request_by_hand(&services.db, &domain_ctx, &calendar, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Decide the next step of a request. The requester never decides its
    /// own request and nobody decides one twice (ADMIN included).
    #[graphql(guard = "Require::to(Permission::UseApprovals)")]
    async fn decide_approval(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: DecideApprovalInput,
    ) -> async_graphql::Result<DecideApprovalPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let decision = approvals::Decision {
                id: input_id(&input.id, "id")?,
                verdict: input.decision.into(),
                comment: input.comment,
                evidence: input.evidence,
            };
            approvals::decide(&ctx.services().db, &domain_ctx, &decision).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Withdraw a pending request (its requester or ADMIN).
    #[graphql(guard = "Require::to(Permission::UseApprovals)")]
    async fn cancel_approval(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CancelApprovalInput,
    ) -> async_graphql::Result<CancelApprovalPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            approvals::cancel(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Change a kind's policy (ADMIN, audited, versioned).
    #[graphql(guard = "Require::to(Permission::ManageSettings)")]
    async fn update_approval_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateApprovalPolicyInput,
    ) -> async_graphql::Result<UpdateApprovalPolicyPayload> {
        let change = policies::PolicyChange {
            kind: Some(input.kind.into()),
            expected_version: input.expected_version,
            decider_role: input.decider_role.map(Into::into),
            auto_approve_below: patch(input.auto_approve_below),
            single_approver_up_to: patch(input.single_approver_up_to),
            second_approver_role: role_patch(input.second_approver_role),
            follow_up_business_hours: input.follow_up_business_hours,
            due_business_hours: input.due_business_hours,
            on_due: input.on_due.map(Into::into),
            escalate_to_role: role_patch(input.escalate_to_role),
            offline_role: role_patch(input.offline_role),
        };
        let result = policies::update(
            &ctx.services().db,
            &ctx.domain_ctx()?,
            input.kind.into(),
            &change,
        )
        .await;
        respond(ctx, result).await
    }
}

#[derive(Default)]
pub struct ApprovalSubscription;

#[Subscription]
impl ApprovalSubscription {
    /// New requests and decisions that concern the caller (requests it made,
    /// may decide, decided, or could have decided), made through any api instance.
    #[graphql(guard = "Require::to(Permission::UseApprovals)")]
    async fn approval_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = Approval> + use<>> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services().clone();
        let mut events = services.broker.subscribe();
        Ok(async_stream::stream! {
            loop {
                let subject = match events.recv().await {
                    Ok(event) => event.subject_id,
                    Err(RecvError::Lagged(_)) => None,
                    Err(RecvError::Closed) => break,
                };
                let Some(id) = subject else { continue };
                match approvals::find_visible(&services.db, &domain_ctx, id).await {
                    Ok(Some(approval)) if approval.state().concerns(&domain_ctx.actor) => {
                        yield Approval(approval);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "reading a changed approval failed");
                        break;
                    }
                }
            }
        })
    }
}
