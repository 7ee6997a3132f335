//! Support tickets (DESIGN "Support tickets and SLAs"): customers open and
//! reply to their own; staff triage, assign, reply and resolve; a thread of
//! customer-visible replies and internal notes; a history of every status
//! and priority change and response, from which the SLA clocks are derived
//! (`sla.rs`, pure) under the policy each ticket was given (`policies.rs`).

pub mod alarms;
pub mod policies;
pub mod report;
pub mod services;
pub mod sla;
pub mod state;

use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope, Write,
    fetch_scoped_page,
};
use crate::platform::numbering;
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, Utc};
use entity::{
    TicketEventKind, TicketPriority, TicketStatus, app_user, sla_policy, ticket, ticket_event,
    ticket_message,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::{Deserialize, Serialize};
use state::Event;
use std::collections::HashMap;
use uuid::Uuid;

crate::children! {
    ticket_event: TicketId / ticket_id by Id;
    ticket_message: TicketId / ticket_id by Id;
}

pub const SUBJECT_TYPE: &str = "ticket";

crate::stamped!(ticket);

/// The timers of a ticket.
pub mod timer_kind {
    /// A resolved ticket's reopen window ends: it closes.
    pub const AUTO_CLOSE: &str = "ticket_auto_close";
}

/// Most messages (replies and notes) one ticket holds.
pub const MAX_MESSAGES: u64 = 500;
/// Most history steps one ticket keeps (each message adds at most two;
/// status and priority changes the rest).
pub const MAX_HISTORY: u64 = 2_000;
/// Longest message or description, in characters.
pub const MAX_BODY: usize = 10_000;
/// Longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// Longest category, in characters.
pub const MAX_CATEGORY: usize = 100;

/// The payload of a ticket's outbox rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketNotice {
    pub ticket_id: Uuid,
}

// ---- Reading -----------------------------------------------------------

crate::find_by_id! {
    /// A ticket by id, whoever asks (background work).
    pub fn find -> ticket
}

/// A ticket the caller may see: staff any, a customer their own (another's
/// looks missing).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<ticket::Model>, DbErr> {
    Ok(find(conn, id)
        .await?
        .filter(|t| Scope::of_ctx(ctx).permits(t.customer_id)))
}

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub priority: Option<TicketPriority>,
    pub customer_id: Option<Uuid>,
    pub assignee_user_id: Option<Uuid>,
}

/// Tickets the caller may see, oldest first (customers their own).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &TicketFilter,
    page: PageRequest,
) -> Result<Page<ticket::Model>, DomainError> {
    Permission::UseTickets.require(ctx)?;
    let mut query = ticket::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(ticket::Column::Status.eq(status));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(ticket::Column::Priority.eq(priority));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(ticket::Column::CustomerId.eq(customer));
    }
    if let Some(assignee) = filter.assignee_user_id {
        query = query.filter(ticket::Column::AssigneeUserId.eq(assignee));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (ticket::Column::CustomerId, ticket::Column::Id);
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |t| t.id).await?)
}

/// The histories of many tickets (by ticket id), oldest first: one query.
pub async fn history_of<C: ConnectionTrait>(
    conn: &C,
    ticket_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ticket_event::Model>>, DbErr> {
    children_of::<ticket_event::Entity, _>(conn, ticket_ids).await
}

/// The threads of many tickets (by ticket id), oldest first, with internal
/// notes only when `with_internal` (staff): one query.
pub async fn messages_of<C: ConnectionTrait>(
    conn: &C,
    ticket_ids: &[Uuid],
    with_internal: bool,
) -> Result<HashMap<Uuid, Vec<ticket_message::Model>>, DbErr> {
    let mut query = ticket_message::Entity::find()
        .filter(ticket_message::Column::TicketId.is_in(ticket_ids.iter().copied()));
    if !with_internal {
        query = query.filter(ticket_message::Column::Internal.eq(false));
    }
    crate::kernel::db::grouped(conn, query.order_by_asc(ticket_message::Column::Id), |m| {
        m.ticket_id
    })
    .await
}

/// Whether the caller may read `message`: staff read every message; a
/// customer never reads an internal note.
pub fn may_read(ctx: &Ctx, message: &ticket_message::Model) -> bool {
    ctx.actor.role.is_staff() || !message.internal
}

crate::find_by_id! {
    /// A message by id, whoever asks (background work).
    pub fn message -> ticket_message
}

crate::find_by_id! {
    /// A history step by id, whoever asks (background work).
    pub fn event -> ticket_event
}

/// The address a ticket's customer is emailed at (its customer record's),
/// if any.
pub async fn customer_address<C: ConnectionTrait>(
    conn: &C,
    t: &ticket::Model,
) -> Result<Option<String>, DbErr> {
    Ok(crate::customers::find(conn, t.customer_id)
        .await?
        .and_then(|c| c.email))
}

/// The SLA terms a ticket was given.
pub fn terms_of(t: &ticket::Model) -> Result<sla::Terms, DomainError> {
    sla::Terms::from_json(&t.sla_terms)
}

/// Where each SLA target of a ticket stands at `now`, from its terms and
/// its history (oldest first).
pub fn targets(
    t: &ticket::Model,
    history: &[ticket_event::Model],
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<Vec<sla::Target>, DomainError> {
    Ok(sla::clocks(&terms_of(t)?, history, calendar, now))
}

// ---- Writing -----------------------------------------------------------

fn illegal(t: &ticket::Model, i: state::Illegal) -> DomainError {
    let why = match i.from {
        TicketStatus::Closed => "it is closed".to_owned(),
        TicketStatus::Resolved => format!(
            "it was resolved more than {} days ago",
            state::REOPEN_WINDOW_DAYS
        ),
        other => format!("it is {other:?}"),
    };
    DomainError::rejected(
        &["ticketId"],
        ErrorCode::IllegalTransition,
        format!("{} cannot do this: {why}", t.number),
    )
}

fn staff_only(ctx: &Ctx) -> Result<(), DomainError> {
    if ctx.actor.role.is_staff() {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// The policy a ticket of `priority` and `category` for `customer_id` is
/// given now, with its terms.
async fn policy_for<C: ConnectionTrait>(
    conn: &C,
    priority: TicketPriority,
    category: &str,
    customer_id: Uuid,
) -> Result<(sla_policy::Model, sla::Terms), DomainError> {
    let active = policies::active(conn).await?;
    let policy = policies::choose(&active, priority, category, customer_id)
        .cloned()
        .ok_or_else(|| DomainError::internal("no active SLA policy applies (no default)"))?;
    let terms = sla::Terms::of(&policy)?;
    Ok((policy, terms))
}

/// Append a step to a ticket's history (refused once it holds
/// [`MAX_HISTORY`] steps: the rest of the change rolls back with it).
async fn record(
    w: &mut Write<'_>,
    t: &ticket::Model,
    kind: TicketEventKind,
) -> Result<ticket_event::Model, DomainError> {
    ensure_room::<ticket_event::Entity>(w, t.id, MAX_HISTORY, || {
        format!(
            "{} has {MAX_HISTORY} history steps: open a new ticket",
            t.number
        )
    })
    .await?;
    let row = ticket_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(t.id),
        kind: Set(kind),
        status: Set(t.status),
        priority: Set(t.priority),
        actor: Set(w.ctx().actor.id.clone()),
        at: Set(w.now()),
    };
    w.insert(row).await
}

/// Refuse (LIMIT_EXCEEDED, saying `limit`) once ticket `ticket_id` holds
/// `max` rows of `E` (its history steps, its messages).
async fn ensure_room<E>(
    w: &Write<'_>,
    ticket_id: Uuid,
    max: u64,
    limit: impl FnOnce() -> String,
) -> Result<(), DomainError>
where
    E: crate::kernel::db::ChildRows,
    E::Model: Sync,
{
    let count = crate::kernel::db::count_children::<E, _>(w.conn(), ticket_id).await?;
    if count >= max {
        return Err(DomainError::rejected(
            &["ticketId"],
            ErrorCode::LimitExceeded,
            limit(),
        ));
    }
    Ok(())
}

/// A locked ticket the caller may see (another customer's looks missing).
async fn lock(w: &Write<'_>, id: Uuid) -> Result<ticket::Model, DomainError> {
    find_for_update::<ticket::Entity, _>(w.conn(), id)
        .await?
        .filter(|t| Scope::of_ctx(w.ctx()).permits(t.customer_id))
        .ok_or_else(|| DomainError::not_found("ticketId", "ticket"))
}

/// A ticket as it is opened.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Whose ticket: staff name the customer; a customer opens their own
    /// (none, or their own id).
    pub customer_id: Option<Uuid>,
    pub subject: String,
    pub description: String,
    pub priority: TicketPriority,
    pub category: String,
    pub order_id: Option<Uuid>,
    pub engagement_id: Option<Uuid>,
}

/// Open a ticket (a customer for themselves, staff for a given customer):
/// NEW, numbered, with the SLA policy chosen for it and its terms as they
/// are now; the customer is told.
pub async fn open(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewTicket,
) -> Result<Committed<ticket::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    let mut fields = Fields::new();
    let subject = fields.text("subject", &input.subject, MAX_SUBJECT);
    let description = fields.free_text(
        &["description"],
        "description",
        Some(&input.description),
        MAX_BODY,
    );
    if description.is_none() && input.description.trim().is_empty() {
        fields.refuse(
            "description",
            ErrorCode::Required,
            "description is required",
        );
    }
    let category = fields.text("category", &input.category, MAX_CATEGORY);
    if input.order_id.is_some()
        && input
            .category
            .trim()
            .eq_ignore_ascii_case(services::CATEGORY)
    {
        // That ticket, once resolved, delivers the order's services.
        fields.refuse(
            "category",
            ErrorCode::InvalidState,
            "\"services\" is kept for the ticket an order's payment opens for its services: choose another category",
        );
    }
    let customer_id = match (Scope::of_ctx(ctx), input.customer_id) {
        (Scope::Party(own), None) => Some(own),
        (Scope::Party(own), Some(id)) if id == own => Some(own),
        (Scope::All, Some(id)) => Some(id),
        (Scope::All, None) => {
            fields.refuse("customerId", ErrorCode::Required, "customerId is required");
            None
        }
        _ => {
            fields.refuse("customerId", ErrorCode::NotFound, "customer not found");
            None
        }
    };
    if let Some(id) = customer_id
        && crate::customers::find(w.conn(), id).await?.is_none()
    {
        fields.refuse("customerId", ErrorCode::NotFound, "customer not found");
    }
    if let Some(order_id) = input.order_id {
        let order = entity::sales_order::Entity::find_by_id(order_id)
            .one(w.conn())
            .await?;
        if !order.is_some_and(|o| customer_id.is_some() && o.customer_id == customer_id) {
            fields.refuse(
                "orderId",
                ErrorCode::NotFound,
                "no order of this customer has this id",
            );
        }
    }
    if let Some(engagement_id) = input.engagement_id {
        let engagement = entity::engagement::Entity::find_by_id(engagement_id)
            .one(w.conn())
            .await?;
        let theirs = engagement.is_some_and(|e| Some(e.customer_id) == customer_id);
        if !theirs {
            fields.refuse(
                "engagementId",
                ErrorCode::NotFound,
                "no engagement of this customer has this id",
            );
        }
    }
    let (subject, description, category, customer_id) =
        fields.finish(|| Some((subject?, description?, category?, customer_id?)))?;
    let valid = Valid {
        customer_id,
        subject,
        description,
        priority: input.priority,
        category,
        order_id: input.order_id,
        engagement_id: input.engagement_id,
    };
    let row = create(&mut w, valid).await?;
    w.commit(row).await
}

/// A ticket's fields once checked.
#[derive(Debug, Clone)]
pub(crate) struct Valid {
    pub customer_id: Uuid,
    pub subject: String,
    pub description: String,
    pub priority: TicketPriority,
    pub category: String,
    pub order_id: Option<Uuid>,
    pub engagement_id: Option<Uuid>,
}

/// Create a checked ticket in the caller's transaction (a customer's, or
/// one another area opens, such as an order's services): NEW, numbered,
/// with the SLA policy chosen for it and its terms as they are now, its
/// first history step, audit and the TICKET_OPENED event (the customer is
/// told).
pub(crate) async fn create(w: &mut Write<'_>, valid: Valid) -> Result<ticket::Model, DomainError> {
    let Valid {
        customer_id,
        subject,
        description,
        priority,
        category,
        order_id,
        engagement_id,
    } = valid;
    let (policy, terms) = policy_for(w.conn(), priority, &category, customer_id).await?;
    let now = w.now();
    let number = numbering::next(w.conn(), numbering::TICKET).await?;
    let row = w
        .insert(ticket::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(number),
            customer_id: Set(customer_id),
            subject: Set(subject),
            description: Set(description),
            priority: Set(priority),
            category: Set(category),
            order_id: Set(order_id),
            engagement_id: Set(engagement_id),
            assignee_user_id: Set(None),
            status: Set(TicketStatus::New),
            sla_policy_id: Set(policy.id),
            sla_terms: Set(terms.to_json()),
            first_response_at: Set(None),
            resolved_at: Set(None),
            closed_at: Set(None),
            created_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    record(w, &row, TicketEventKind::Created).await?;
    w.audit(SUBJECT_TYPE, row.id, "ticket.opened", None, Some(&row))
        .await?;
    let notice = TicketNotice { ticket_id: row.id };
    w.emit(topic::TICKET_OPENED, row.id, &notice).await?;
    alarms::replan(w, &row).await?;
    Ok(row)
}

/// A reply or internal note as written.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub ticket_id: Uuid,
    pub body: String,
    /// An internal note (staff only): not a response; customers never see it.
    pub internal: bool,
}

/// A reply with the ticket after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replied {
    pub ticket: ticket::Model,
    pub message: ticket_message::Model,
}

/// Reply on a ticket (its customer, or staff; staff may write an internal
/// note instead). A staff reply is a response (the first sets
/// `first_response_at`; a NEW ticket opens) and is emailed to the
/// customer; a customer's reply ends a wait on them and reopens a ticket
/// resolved within the window. Refused on a closed ticket.
pub async fn reply(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewReply,
) -> Result<Committed<Replied>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    let staff = ctx.actor.role.is_staff();
    if input.internal && !staff {
        return Err(DomainError::Forbidden);
    }
    let mut fields = Fields::new();
    let body = fields.free_text(&["body"], "reply", Some(&input.body), MAX_BODY);
    if body.is_none() && input.body.trim().is_empty() {
        fields.refuse("body", ErrorCode::Required, "body is required");
    }
    let body = fields.finish(|| body)?;
    let before = lock(&w, input.ticket_id).await?;
    let now = w.now();
    let event = match (staff, input.internal) {
        (true, true) => Event::InternalNote,
        (true, false) => Event::StaffReply,
        (false, _) => Event::CustomerReply {
            in_window: before
                .resolved_at
                .is_none_or(|at| now < state::reopen_deadline(at)),
        },
    };
    let status = state::apply(before.status, event).map_err(|i| illegal(&before, i))?;
    ensure_room::<ticket_message::Entity>(&w, before.id, MAX_MESSAGES, || {
        format!("a ticket holds at most {MAX_MESSAGES} messages: open a new one")
    })
    .await?;
    let message = w
        .insert(ticket_message::ActiveModel {
            id: Set(Uuid::now_v7()),
            ticket_id: Set(before.id),
            author: Set(ctx.actor.id.clone()),
            from_staff: Set(staff),
            internal: Set(input.internal),
            body: Set(body),
            created_at: Set(now),
        })
        .await?;
    let reopened = before.status == TicketStatus::Resolved && status == TicketStatus::Open;
    let responds = event == Event::StaffReply;
    let after = w
        .change::<ticket::Entity>(before.id, before.version, |t| {
            t.status = Set(status);
            if responds && before.first_response_at.is_none() {
                t.first_response_at = Set(Some(now));
            }
            if reopened {
                t.resolved_at = Set(None);
            }
        })
        .await?;
    match event {
        Event::StaffReply => {
            record(&mut w, &after, TicketEventKind::StaffReply).await?;
        }
        Event::CustomerReply { .. } => {
            record(&mut w, &after, TicketEventKind::CustomerReply).await?;
        }
        _ => {}
    }
    if status != before.status {
        record(&mut w, &after, TicketEventKind::Status).await?;
    }
    if reopened {
        timers::cancel_planned(w.conn(), timer_kind::AUTO_CLOSE, before.id).await?;
    }
    let action = match event {
        Event::InternalNote => "ticket.noted",
        Event::StaffReply => "ticket.replied",
        _ => "ticket.customer_replied",
    };
    w.audit(SUBJECT_TYPE, before.id, action, Some(&before), Some(&after))
        .await?;
    if responds {
        let notice = TicketNotice {
            ticket_id: before.id,
        };
        w.emit(topic::TICKET_REPLIED, message.id, &notice).await?;
    }
    alarms::replan(&mut w, &after).await?;
    w.commit(Replied {
        ticket: after,
        message,
    })
    .await
}

/// Assign a ticket to an enabled staff login, or unassign it (`None`)
/// (staff), if it is still at `expected_version`.
pub async fn assign(
    db: &DatabaseConnection,
    ctx: &Ctx,
    ticket_id: Uuid,
    assignee: Option<Uuid>,
    expected_version: i32,
) -> Result<Committed<ticket::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    staff_only(ctx)?;
    if let Some(user_id) = assignee {
        let user = app_user::Entity::find_by_id(user_id).one(w.conn()).await?;
        if !user.is_some_and(|u| u.role.is_staff() && !u.disabled) {
            return Err(DomainError::rejected(
                &["assigneeId"],
                ErrorCode::NotFound,
                "no enabled staff login has this id",
            ));
        }
    }
    let before = lock(&w, ticket_id).await?;
    if before.status == TicketStatus::Closed {
        return Err(illegal(
            &before,
            state::Illegal {
                from: before.status,
            },
        ));
    }
    let after = w
        .change::<ticket::Entity>(ticket_id, expected_version, |t| {
            t.assignee_user_id = Set(assignee);
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        ticket_id,
        "ticket.assigned",
        Some(&before),
        Some(&after),
    )
    .await?;
    alarms::replan(&mut w, &after).await?;
    w.commit(after).await
}

/// The status change staff ask for, as an event of the machine.
fn status_event(from: TicketStatus, to: TicketStatus) -> Option<Event> {
    Some(match to {
        TicketStatus::Open if from == TicketStatus::New => Event::Triage,
        TicketStatus::Open => Event::Resume,
        TicketStatus::WaitingOnCustomer => Event::WaitOnCustomer,
        TicketStatus::WaitingOnThirdParty => Event::WaitOnThirdParty,
        TicketStatus::Resolved => Event::Resolve,
        TicketStatus::Closed => Event::Close,
        TicketStatus::New => return None,
    })
}

/// Move a ticket (staff), if it is still at `expected_version`: triage
/// (OPEN), wait on the customer or a third party, resume, resolve (the
/// customer is told; it closes by itself once the reopen window ends) or
/// close for good.
pub async fn change_status(
    db: &DatabaseConnection,
    ctx: &Ctx,
    ticket_id: Uuid,
    to: TicketStatus,
    expected_version: i32,
) -> Result<Committed<ticket::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    staff_only(ctx)?;
    let before = lock(&w, ticket_id).await?;
    let event = status_event(before.status, to).ok_or_else(|| {
        DomainError::rejected(
            &["status"],
            ErrorCode::IllegalTransition,
            "a ticket never goes back to NEW",
        )
    })?;
    let status = state::apply(before.status, event).map_err(|i| illegal(&before, i))?;
    move_to(&mut w, &before, status, expected_version).await?;
    let after = find(w.conn(), ticket_id)
        .await?
        .ok_or_else(|| DomainError::internal("the ticket just changed is missing"))?;
    // An order's services ticket done: the order may be delivered now.
    services::on_ticket_done(&mut w, &after).await?;
    w.commit(after).await
}

/// Write a status change: the ticket, its history, its audit, and what
/// resolving or closing causes.
async fn move_to(
    w: &mut Write<'_>,
    before: &ticket::Model,
    status: TicketStatus,
    expected_version: i32,
) -> Result<ticket::Model, DomainError> {
    let now = w.now();
    let after = w
        .change::<ticket::Entity>(before.id, expected_version, |t| {
            t.status = Set(status);
            match status {
                TicketStatus::Resolved => t.resolved_at = Set(Some(now)),
                TicketStatus::Closed => t.closed_at = Set(Some(now)),
                _ => {}
            }
        })
        .await?;
    let step = record(w, &after, TicketEventKind::Status).await?;
    let action = format!("ticket.{}", status.to_string().to_lowercase());
    w.audit(SUBJECT_TYPE, before.id, &action, Some(before), Some(&after))
        .await?;
    match status {
        TicketStatus::Resolved => {
            let plan = TimerPlan::new(
                timer_kind::AUTO_CLOSE,
                before.id,
                state::reopen_deadline(now),
            );
            timers::plan(w.conn(), &plan, now).await?;
            let notice = TicketNotice {
                ticket_id: before.id,
            };
            w.emit(topic::TICKET_RESOLVED, step.id, &notice).await?;
        }
        TicketStatus::Closed => {
            timers::cancel_planned(w.conn(), timer_kind::AUTO_CLOSE, before.id).await?;
        }
        _ => {}
    }
    alarms::replan(w, &after).await?;
    Ok(after)
}

/// Change a ticket's priority (staff), if it is still at
/// `expected_version`: the policy is chosen again for the new priority and
/// its terms stored; the clocks count the new targets from the change on.
pub async fn change_priority(
    db: &DatabaseConnection,
    ctx: &Ctx,
    ticket_id: Uuid,
    priority: TicketPriority,
    expected_version: i32,
) -> Result<Committed<ticket::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    staff_only(ctx)?;
    let before = lock(&w, ticket_id).await?;
    if matches!(before.status, TicketStatus::Closed) {
        return Err(illegal(
            &before,
            state::Illegal {
                from: before.status,
            },
        ));
    }
    if before.version != expected_version {
        return Err(DomainError::conflict());
    }
    if before.priority == priority {
        return w.commit(before).await;
    }
    let (policy, terms) =
        policy_for(w.conn(), priority, &before.category, before.customer_id).await?;
    let terms = terms.to_json();
    let after = w
        .change::<ticket::Entity>(ticket_id, expected_version, |t| {
            t.priority = Set(priority);
            t.sla_policy_id = Set(policy.id);
            t.sla_terms = Set(terms);
        })
        .await?;
    record(&mut w, &after, TicketEventKind::Priority).await?;
    w.audit(
        SUBJECT_TYPE,
        ticket_id,
        "ticket.priority_changed",
        Some(&before),
        Some(&after),
    )
    .await?;
    alarms::replan(&mut w, &after).await?;
    w.commit(after).await
}

/// A resolved ticket's reopen window ended (the worker, at its timer):
/// close it, once; whether it closed now.
pub async fn auto_close(
    db: &DatabaseConnection,
    ctx: &Ctx,
    ticket_id: Uuid,
) -> Result<Committed<bool>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    let Some(before) = find_for_update::<ticket::Entity, _>(w.conn(), ticket_id).await? else {
        return w.commit(false).await;
    };
    let now = w.now();
    let due = before
        .resolved_at
        .is_some_and(|at| state::reopen_deadline(at) <= now);
    if before.status != TicketStatus::Resolved || !due {
        return w.commit(false).await;
    }
    move_to(&mut w, &before, TicketStatus::Closed, before.version).await?;
    w.commit(true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_status_changes_map_to_the_machine() {
        use TicketStatus as S;
        assert_eq!(status_event(S::New, S::Open), Some(Event::Triage));
        assert_eq!(
            status_event(S::WaitingOnCustomer, S::Open),
            Some(Event::Resume)
        );
        assert_eq!(status_event(S::Open, S::New), None);
        assert_eq!(status_event(S::Open, S::Resolved), Some(Event::Resolve));
    }
}
