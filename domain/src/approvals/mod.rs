//! Approvals: one gate for every risky step. A request is decided under the
//! policy terms of its creation (amount bands, four eyes, reminder,
//! escalation or expiry); decisions are append-only; when a request closes,
//! its kind's handler moves the subject on in the same transaction.

pub mod policies;
pub mod policy;
pub mod state;
pub mod subjects;

use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::{
    Actor, Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope,
    Versioned, Write, fetch_scoped_page,
};
use crate::rules::calendar::BusinessCalendar;
use crate::rules::money::Money;
use entity::{
    ApprovalKind, ApprovalStatus, Role, Verdict, app_user, approval_decision, approval_request,
};
use policies::Terms;
use policy::Requirement;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use state::{Event, Refusal, State, Transition};
use uuid::Uuid;

crate::children! {
    approval_decision: ApprovalId / approval_id by Step, Id;
}

pub const SUBJECT_TYPE: &str = "approval";
const MAX_REASON_LEN: usize = 2_000;
const MAX_SUBJECT_TYPE_LEN: usize = 50;
const MAX_COMMENT_LEN: usize = 2_000;
/// Who the audit trail and decisions name for automatic approvals.
pub const SYSTEM: &str = "system";

/// The timers a pending request waits on.
pub mod timer_kind {
    /// Remind the deciders.
    pub const FOLLOW_UP: &str = "approval.follow_up";
    /// Escalate or expire.
    pub const DUE: &str = "approval.due";
}

/// A request with its decisions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub request: approval_request::Model,
    pub decisions: Vec<approval_decision::Model>,
}

impl Approval {
    pub fn terms(&self) -> Result<Terms, DomainError> {
        serde_json::from_str(&self.request.policy).map_err(DomainError::internal)
    }

    pub fn steps(&self) -> Vec<Role> {
        serde_json::from_str(&self.request.steps).unwrap_or_default()
    }

    /// What the rules see.
    pub fn state(&self) -> State {
        State {
            status: self.request.status,
            requester_id: self.request.requester_id.clone(),
            owner_party: self.request.owner_party_id,
            steps: self.steps(),
            approvers: self
                .decisions
                .iter()
                .filter(|d| d.decision == Verdict::Approve)
                .map(|d| d.decider_id.clone())
                .collect(),
            escalated_to: self.request.escalated_to_role,
            offline_role: self.request.offline_role,
        }
    }

    /// The roles of the steps not yet approved.
    pub fn steps_remaining(&self) -> Vec<Role> {
        if self.request.status != ApprovalStatus::Pending {
            return vec![];
        }
        let done = self.state().approvers.len();
        self.steps().into_iter().skip(done).collect()
    }
}

impl Versioned for approval_request::Entity {
    fn version_column() -> approval_request::Column {
        approval_request::Column::Version
    }
}

fn refusal(r: Refusal) -> DomainError {
    let (code, message) = match r {
        Refusal::Closed => (
            ErrorCode::ApprovalClosed,
            "the request is no longer pending",
        ),
        Refusal::OwnRequest => (ErrorCode::OwnRequest, "you may not decide your own request"),
        Refusal::AlreadyDecided => (
            ErrorCode::AlreadyDecided,
            "you have already decided this request",
        ),
        Refusal::NotADecider => (ErrorCode::NotADecider, "your role may not decide this step"),
        Refusal::EvidenceRequired => (
            ErrorCode::EvidenceRequired,
            "recording an offline decision needs evidence",
        ),
        Refusal::NotRequester => (
            ErrorCode::NotRequester,
            "only the requester or ADMIN may cancel",
        ),
        Refusal::AlreadyEscalated => (ErrorCode::InvalidState, "the request was already escalated"),
    };
    DomainError::rejected(&["id"], code, message)
}

/// A request as a flow (or a person, for GENERAL) raises it.
#[derive(Debug, Clone)]
pub struct NewApproval {
    pub kind: ApprovalKind,
    pub subject_type: String,
    pub subject_id: Uuid,
    /// The customer who owns the subject, if any.
    pub owner_party: Option<Uuid>,
    /// Dollars and cents, e.g. "1250.00".
    pub amount: Option<String>,
    pub reason: String,
}

/// Raise a request (staff). Auto-approved amounts close at once with a
/// decision by `system`; otherwise the follow-up and due timers are planned
/// in the same transaction.
pub async fn request(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewApproval,
) -> Result<Committed<Approval>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::RequestApprovals).await?;
    let approval = request_in(&mut w, calendar, input).await?;
    w.commit(approval).await
}

/// Raise a request by hand (staff, GENERAL only: the other kinds are raised
/// by their own flows, which own their subjects).
pub async fn request_by_hand(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewApproval,
) -> Result<Committed<Approval>, DomainError> {
    if input.kind != ApprovalKind::General {
        return Err(DomainError::rejected(
            &["kind"],
            ErrorCode::NotRequestable,
            "only GENERAL approvals are requested by hand",
        ));
    }
    request(db, ctx, calendar, input).await
}

/// Raise a request inside the write of the change that needs it (a flow
/// asking for its gate); an auto-approved one runs its subject's handler in
/// this transaction too.
pub async fn request_in(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    input: &NewApproval,
) -> Result<Approval, DomainError> {
    request_in_with_id(w, calendar, input, Uuid::now_v7()).await
}

/// [`request_in`] with the request's id chosen by the caller (a flow that
/// records it on its subject before an automatic approval runs its handler).
pub async fn request_in_with_id(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    input: &NewApproval,
    id: Uuid,
) -> Result<Approval, DomainError> {
    let ctx = w.ctx().clone();
    let mut fields = Fields::new();
    let subject_type = fields.text("subjectType", &input.subject_type, MAX_SUBJECT_TYPE_LEN);
    let reason = fields.text("reason", &input.reason, MAX_REASON_LEN);
    let amount = fields.optional("amount", input.amount.as_deref(), Money::parse);
    if amount.is_some_and(|a| a.cents() < 0) {
        fields.refuse(
            "amount",
            ErrorCode::OutOfRange,
            "amount must not be negative",
        );
    }
    let (subject_type, reason) = fields.finish(|| Some((subject_type?, reason?)))?;

    let policy = policies::for_kind(w.conn(), input.kind).await?;
    let terms = Terms::from(&policy);
    let now = w.now();
    let requirement = terms.bands.requirement(amount);
    let steps = match &requirement {
        Requirement::AutoApprove => vec![],
        Requirement::Steps(roles) => roles.clone(),
    };
    let auto = requirement == Requirement::AutoApprove;
    let follow_up_at = calendar.add_business_hours(now, terms.follow_up_business_hours as u32);
    let due_at = calendar.add_business_hours(now, terms.due_business_hours as u32);
    let request = w
        .insert(approval_request::ActiveModel {
            id: Set(id),
            kind: Set(input.kind),
            subject_type: Set(subject_type),
            subject_id: Set(input.subject_id),
            owner_party_id: Set(input.owner_party),
            requester_id: Set(ctx.actor.id.clone()),
            requester_role: Set(ctx.actor.role),
            amount_cents: Set(amount.map(Money::cents)),
            reason: Set(reason),
            status: Set(if auto {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Pending
            }),
            policy_version: Set(policy.version),
            policy: Set(serde_json::to_string(&terms).map_err(DomainError::internal)?),
            steps: Set(serde_json::to_string(&steps).map_err(DomainError::internal)?),
            awaiting_role: Set(steps.first().copied()),
            offline_role: Set(terms.offline_role),
            escalated_to_role: Set(None),
            follow_up_at: Set(follow_up_at),
            due_at: Set(due_at),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            closed_at: Set(auto.then_some(now)),
        })
        .await?;
    let mut decisions = vec![];
    if auto {
        decisions.push(
            record_decision(
                w.conn(),
                &request,
                1,
                &Actor::system(),
                Verdict::Approve,
                None,
                None,
                now,
                true,
            )
            .await?,
        );
        subjects::on_closed(w, &request).await?;
    } else {
        for (kind, due) in [
            (timer_kind::FOLLOW_UP, follow_up_at),
            (timer_kind::DUE, due_at),
        ] {
            let plan = TimerPlan::new(kind, request.id, due);
            timers::plan(w.conn(), &plan, now).await?;
        }
    }
    let approval = Approval { request, decisions };
    w.audit(
        SUBJECT_TYPE,
        approval.request.id,
        "approval.requested",
        None,
        Some(&approval),
    )
    .await?;
    crate::webhooks::events::record(
        w,
        entity::WebhookEventType::ApprovalRequested,
        approval.request.id,
    )
    .await?;
    Ok(approval)
}

#[allow(clippy::too_many_arguments)]
async fn record_decision<C: ConnectionTrait>(
    conn: &C,
    request: &approval_request::Model,
    step: i32,
    actor: &Actor,
    verdict: Verdict,
    comment: Option<String>,
    evidence: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
    by_system: bool,
) -> Result<approval_decision::Model, DomainError> {
    let decision = approval_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        approval_id: Set(request.id),
        step: Set(step),
        decider_id: Set(if by_system {
            SYSTEM.into()
        } else {
            actor.id.clone()
        }),
        decider_role: Set((!by_system).then_some(actor.role)),
        decision: Set(verdict),
        comment: Set(comment),
        evidence: Set(evidence),
        decided_at: Set(now),
    };
    match decision.insert(conn).await {
        // The unique (approval, step) and (approval, decider) indexes back
        // the rules against a decision the row lock did not serialise.
        Err(e) if crate::kernel::error::is_unique_violation(&e) => Err(DomainError::conflict()),
        other => Ok(other?),
    }
}

/// Load a request with its decisions, locking the row on PostgreSQL so
/// concurrent deciders take turns (SQLite's write transaction already does).
async fn load_for_update<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<Approval>, DbErr> {
    let mut query = approval_request::Entity::find_by_id(id);
    if conn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let Some(request) = query.one(conn).await? else {
        return Ok(None);
    };
    let decisions = decisions_of(conn, id).await?;
    Ok(Some(Approval { request, decisions }))
}

async fn decisions_of<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Vec<approval_decision::Model>, DbErr> {
    approval_decision::Entity::find()
        .filter(approval_decision::Column::ApprovalId.eq(id))
        .order_by_asc(approval_decision::Column::Step)
        .order_by_asc(approval_decision::Column::Id)
        .all(conn)
        .await
}

/// The ownership rule for requests: staff see all; a customer only those
/// about its own subjects.
fn visible_to(ctx: &Ctx, request: &approval_request::Model) -> bool {
    Scope::of_ctx(ctx).sees(request.owner_party_id)
}

/// A request the caller may see: staff see all; a customer only those about
/// its own subjects. Others look missing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Approval>, DbErr> {
    let Some(request) = approval_request::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    if !visible_to(ctx, &request) {
        return Ok(None);
    }
    let decisions = decisions_of(conn, id).await?;
    Ok(Some(Approval { request, decisions }))
}

/// A decision as the caller gives it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub id: Uuid,
    pub verdict: Verdict,
    pub comment: Option<String>,
    pub evidence: Option<String>,
}

/// Decide the next step of a request, under the four-eyes rule. A closing
/// decision cancels the pending timers and moves the subject on, all in
/// this transaction.
pub async fn decide(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &Decision,
) -> Result<Committed<Approval>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseApprovals).await?;
    let mut fields = Fields::new();
    let comment = optional_text(&mut fields, "comment", input.comment.as_deref());
    let evidence = optional_text(&mut fields, "evidence", input.evidence.as_deref());
    fields.finish(|| Some(()))?;
    let before = visible_for_update(w.conn(), ctx, input.id).await?;
    let event = Event::Decide {
        actor: &ctx.actor,
        verdict: input.verdict,
        has_evidence: evidence.is_some(),
    };
    let Transition::Decided { step, status } =
        state::apply(&before.state(), event).map_err(refusal)?
    else {
        return Err(DomainError::internal("a decision that is not a decision"));
    };
    let now = w.now();
    let decision = record_decision(
        w.conn(),
        &before.request,
        step,
        &ctx.actor,
        input.verdict,
        comment,
        evidence,
        now,
        false,
    )
    .await?;
    let next_role = (status == ApprovalStatus::Pending)
        .then(|| before.steps().get(step as usize).copied())
        .flatten();
    let request = update_request(
        &mut w,
        &before.request,
        status,
        next_role,
        before.request.escalated_to_role,
        now,
    )
    .await?;
    let mut decisions = before.decisions.clone();
    decisions.push(decision);
    let after = Approval { request, decisions };
    close_if_done(&mut w, &after).await?;
    w.audit(
        SUBJECT_TYPE,
        after.request.id,
        "approval.decided",
        Some(&before),
        Some(&after),
    )
    .await?;
    crate::webhooks::events::record(
        &mut w,
        entity::WebhookEventType::ApprovalDecided,
        after.request.id,
    )
    .await?;
    w.commit(after).await
}

/// Close a pending request as CANCELLED because its subject no longer needs
/// it (an order cancelled while its reservation awaited a decision); inside
/// the subject's write. Nothing when it already closed.
pub async fn withdraw_in(w: &mut Write<'_>, id: Uuid) -> Result<(), DomainError> {
    let Some(before) = load_for_update(w.conn(), id).await? else {
        return Ok(());
    };
    if before.request.status != ApprovalStatus::Pending {
        return Ok(());
    }
    let now = w.now();
    let after = close_as(w, &before, ApprovalStatus::Cancelled, now).await?;
    w.audit(
        SUBJECT_TYPE,
        id,
        "approval.withdrawn",
        Some(&before),
        Some(&after),
    )
    .await
}

/// Cancel a pending request (its requester or ADMIN).
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<Approval>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseApprovals).await?;
    let before = visible_for_update(w.conn(), ctx, id).await?;
    state::apply(&before.state(), Event::Cancel { actor: &ctx.actor }).map_err(refusal)?;
    let now = w.now();
    let after = close_as(&mut w, &before, ApprovalStatus::Cancelled, now).await?;
    w.commit_audited(SUBJECT_TYPE, id, "approval.cancelled", Some(&before), after)
        .await
}

fn optional_text(fields: &mut Fields, field: &str, raw: Option<&str>) -> Option<String> {
    raw.filter(|t| !t.trim().is_empty())
        .and_then(|t| fields.text(field, t, MAX_COMMENT_LEN))
}

async fn visible_for_update<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Approval, DomainError> {
    let missing = || DomainError::not_found("id", "approval");
    let approval = load_for_update(conn, id).await?.ok_or_else(missing)?;
    if visible_to(ctx, &approval.request) {
        Ok(approval)
    } else {
        Err(missing())
    }
}

async fn update_request(
    w: &mut Write<'_>,
    before: &approval_request::Model,
    status: ApprovalStatus,
    awaiting: Option<Role>,
    escalated_to: Option<Role>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<approval_request::Model, DomainError> {
    let closed = status != ApprovalStatus::Pending;
    let changed = approval_request::ActiveModel {
        id: Set(before.id),
        status: Set(status),
        awaiting_role: Set(awaiting),
        escalated_to_role: Set(escalated_to),
        updated_at: Set(now),
        closed_at: Set(if closed { Some(now) } else { None }),
        ..Default::default()
    };
    w.update_versioned::<approval_request::Entity>(changed, before.version)
        .await
}

/// Close `before` as `status` (CANCELLED, EXPIRED) at `now`, awaiting no
/// one, with the decisions it has; it waits for nothing more, and its
/// subject moves on.
async fn close_as(
    w: &mut Write<'_>,
    before: &Approval,
    status: ApprovalStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Approval, DomainError> {
    let escalated_to = before.request.escalated_to_role;
    let request = update_request(w, &before.request, status, None, escalated_to, now).await?;
    let after = Approval {
        request,
        decisions: before.decisions.clone(),
    };
    close_if_done(w, &after).await?;
    Ok(after)
}

/// A closed request waits for nothing more, and its subject moves on.
async fn close_if_done(w: &mut Write<'_>, approval: &Approval) -> Result<(), DomainError> {
    if approval.request.status == ApprovalStatus::Pending {
        return Ok(());
    }
    for kind in [timer_kind::FOLLOW_UP, timer_kind::DUE] {
        timers::cancel_planned(w.conn(), kind, approval.request.id).await?;
    }
    subjects::on_closed(w, &approval.request).await
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    pub kind: Option<ApprovalKind>,
    pub status: Option<ApprovalStatus>,
    pub subject_id: Option<Uuid>,
    /// Only those the caller may decide now.
    pub awaiting_me: bool,
}

/// Requests the caller may see, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &ApprovalFilter,
    page: PageRequest,
) -> Result<Page<approval_request::Model>, DomainError> {
    Permission::UseApprovals.require(ctx)?;
    let mut query = approval_request::Entity::find();
    if let Some(kind) = filter.kind {
        query = query.filter(approval_request::Column::Kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(approval_request::Column::Status.eq(status));
    }
    if let Some(subject) = filter.subject_id {
        query = query.filter(approval_request::Column::SubjectId.eq(subject));
    }
    if filter.awaiting_me {
        query = query.filter(awaiting(&ctx.actor));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (
        approval_request::Column::OwnerPartyId,
        approval_request::Column::Id,
    );
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |r| r.id).await?)
}

/// Pending requests `actor` may decide now (the SQL twin of `State::awaits`).
fn awaiting(actor: &Actor) -> Condition {
    use approval_request::Column as C;
    let role = actor.role;
    let may_decide = if role == Role::Admin {
        Condition::all()
    } else {
        Condition::any()
            .add(C::AwaitingRole.eq(role))
            .add(C::EscalatedToRole.eq(role))
            .add(C::OfflineRole.eq(role))
    };
    let mine = Query::select()
        .column(approval_decision::Column::ApprovalId)
        .from(approval_decision::Entity)
        .and_where(approval_decision::Column::DeciderId.eq(actor.id.clone()))
        .to_owned();
    Condition::all()
        .add(C::Status.eq(ApprovalStatus::Pending))
        .add(C::RequesterId.ne(actor.id.clone()))
        .add(C::Id.not_in_subquery(mine))
        .add(may_decide)
}

/// What the worker does when a request's due time passes: escalate (the
/// escalation role may now decide, and is told) or expire. `Some(role)` when
/// it escalated to `role` (now or, still pending, before: a retried run
/// sends what a failed one did not). Nothing when the request closed.
pub async fn on_due(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Role>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseApprovals).await?;
    let Some(before) = load_for_update(w.conn(), id).await? else {
        return Ok(None);
    };
    let terms = before.terms()?;
    let event = Event::Due {
        on_due: terms.on_due,
        escalate_to: terms.escalate_to_role,
    };
    let transition = match state::apply(&before.state(), event) {
        Ok(t) => t,
        // Escalated by an earlier run of this job that failed before all its
        // emails went: the role again, so they are sent (once per person).
        Err(state::Refusal::AlreadyEscalated) => {
            return Ok(before.request.escalated_to_role);
        }
        Err(_) => return Ok(None),
    };
    let now = w.now();
    let (after, action, escalated) = match transition {
        Transition::Escalated(role) => {
            let request = update_request(
                &mut w,
                &before.request,
                ApprovalStatus::Pending,
                before.request.awaiting_role,
                Some(role),
                now,
            )
            .await?;
            (
                Approval {
                    request,
                    decisions: before.decisions.clone(),
                },
                "approval.escalated",
                Some(role),
            )
        }
        _ => {
            let after = close_as(&mut w, &before, ApprovalStatus::Expired, now).await?;
            (after, "approval.expired", None)
        }
    };
    w.audit(SUBJECT_TYPE, id, action, Some(&before), Some(&after))
        .await?;
    w.commit(()).await?;
    Ok(escalated)
}

/// Who the follow-up reminder goes to: the logins of the role the next step
/// needs, while the request is still pending (nobody otherwise).
pub async fn reminder_recipients<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Vec<String>, DbErr> {
    let Some(approval) = find(conn, id).await? else {
        return Ok(vec![]);
    };
    match (approval.request.status, approval.request.awaiting_role) {
        (ApprovalStatus::Pending, Some(role)) => recipients(conn, &approval.request, role).await,
        _ => Ok(vec![]),
    }
}

/// The enabled logins who should hear about a request: those of `role`
/// (for CUSTOMER, the owner's logins), by email.
pub async fn recipients<C: ConnectionTrait>(
    conn: &C,
    request: &approval_request::Model,
    role: Role,
) -> Result<Vec<String>, DbErr> {
    if role != Role::Customer {
        return crate::users::emails_of_role(conn, role).await;
    }
    let Some(owner) = request.owner_party_id else {
        return Ok(vec![]);
    };
    crate::users::enabled_emails(
        conn,
        sea_orm::Condition::all()
            .add(app_user::Column::Role.eq(role))
            .add(app_user::Column::PartyId.eq(owner)),
    )
    .await
}

/// A page of requests with their decisions, read in one query.
pub async fn with_decisions<C: ConnectionTrait>(
    conn: &C,
    page: Page<approval_request::Model>,
) -> Result<Page<Approval>, DbErr> {
    let mut decisions =
        crate::kernel::db::children_of::<approval_decision::Entity, _>(conn, &page.ids()).await?;
    Ok(page.map(|id, request| Approval {
        request,
        decisions: decisions.remove(&id).unwrap_or_default(),
    }))
}

/// A request by id, whoever asks (background work).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Approval>, DbErr> {
    let Some(request) = approval_request::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let decisions = decisions_of(conn, id).await?;
    Ok(Some(Approval { request, decisions }))
}
