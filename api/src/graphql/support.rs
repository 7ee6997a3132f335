//! Support tickets: customers open and reply to their own; staff triage,
//! assign, reply (or write internal notes customers never see), wait,
//! resolve, close and change priority; each ticket's thread and history,
//! and live changes. Resolvers only translate; the rules are in
//! `domain::support`.

use super::customers::Customer;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, optional_input_id,
    page_request, payload, record_object, record_updates, respond,
};
use super::loaders::{
    CustomerLoader, TicketHistoryLoader, TicketMessagesLoader, load_one, staff_email,
};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, Subscription};
use chrono::{DateTime, Utc};
use domain::kernel::{Permission, Scope};
use domain::support::{self, NewReply, NewTicket, TicketFilter as DomainFilter};
use entity::{ticket, ticket_event, ticket_message};
use futures::Stream;

/// How urgent a support ticket is; its SLA policy is chosen by it.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TicketPriority")]
pub enum TicketPriority {
    /// Business stopped: counted around the clock.
    Critical,
    /// Badly affected.
    High,
    /// Affected; work goes on.
    Medium,
    /// A question or a nuisance.
    Low,
}

/// Where a support ticket is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TicketStatus")]
pub enum TicketStatus {
    /// Opened, not yet answered by staff.
    New,
    /// Being worked on.
    Open,
    /// Waiting for the customer (the SLA clock may pause); their reply
    /// opens it again.
    WaitingOnCustomer,
    /// Waiting for a supplier or other party (the SLA clock may pause).
    WaitingOnThirdParty,
    /// Resolved; a customer reply within the reopen window opens it again,
    /// after the window it closes.
    Resolved,
    /// Closed for good: no more messages.
    Closed,
}

/// What a step of a ticket's history was.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TicketEventKind")]
pub enum TicketEventKind {
    /// The ticket was opened.
    Created,
    /// Its status changed.
    Status,
    /// Its priority changed (its SLA targets count from the change on).
    Priority,
    /// Staff replied to the customer.
    StaffReply,
    /// The customer replied.
    CustomerReply,
}

record_object! { pub struct Ticket(pub ticket::Model); }

object! {
    /// A support ticket: a customer's request with its thread, history and SLA.
    #[Object]
    impl Ticket {
        /// Stable identifier.
        pub(crate) id: ID,
        /// Gap-free number, e.g. `TKT-000001`.
        number: &str,
        /// The customer (null for a customer the caller may not see).
        async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
            let id = self.0.customer_id;
            if !Scope::of_ctx(&ctx.domain_ctx()?).permits(id) {
                return Ok(None);
            }
            Ok(load_one::<CustomerLoader, _>(ctx, id).await?.map(Customer))
        }
        /// The customer's id.
        customer_id: ID,
        /// One line saying what it is about.
        subject: &str,
        /// The request as the customer (or staff for them) described it.
        description: &str,
        /// How urgent it is.
        priority: TicketPriority,
        /// What it is about (free text, e.g. "installation"); SLA policies may
        /// be chosen by it.
        category: &str,
        /// The order it is about, if any.
        order_id: Option<ID>,
        /// The engagement it is about, if any.
        engagement_id: Option<ID>,
        /// The staff login working on it, if assigned.
        assignee_id: Option<ID> = assignee_user_id,
        /// The assignee's email (staff callers only; null otherwise or when unassigned).
        async fn assignee_email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            match self.0.assignee_user_id {
                Some(id) => staff_email(ctx, id).await,
                None => Ok(None),
            }
        }
        /// Where it is.
        status: TicketStatus,
        /// The name of the SLA policy it was given (chosen again when its
        /// priority changes).
        async fn sla_policy_name(&self) -> async_graphql::Result<String> {
            Ok(support::terms_of(&self.0)
                .map(|t| t.policy_name)
                .unwrap_or_default())
        }
        /// The first staff reply (not an internal note), if any.
        first_response_at: Option<DateTime<Utc>>,
        /// When it was last resolved (cleared when it reopens).
        resolved_at: Option<DateTime<Utc>>,
        /// When it closed.
        closed_at: Option<DateTime<Utc>>,
        /// When it was opened.
        created_at: DateTime<Utc>,
        /// When it last changed.
        updated_at: DateTime<Utc>,
        /// Optimistic-locking version: pass it as `expectedVersion`.
        version: i32,
        /// Its thread, oldest first (at most 500 messages): replies, and for
        /// staff also internal notes (customers never see them).
        async fn messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketMessage>> {
            let caller = ctx.domain_ctx()?;
            let all = load_one::<TicketMessagesLoader, _>(ctx, self.0.id)
                .await?
                .unwrap_or_default();
            Ok(all
                .into_iter()
                .filter(|m| support::may_read(&caller, m))
                .map(TicketMessage)
                .collect())
        }
        /// Its SLA targets (first response, next update, resolution) at the
        /// app clock's now, derived from its history under the terms it was
        /// given: due times, time left or how late, and whether each was met.
        async fn sla_targets(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::sla::SlaTarget>> {
            let history = load_one::<TicketHistoryLoader, _>(ctx, self.0.id)
                .await?
                .unwrap_or_default();
            super::sla::targets(ctx, &self.0, &history)
        }
        /// Its history, oldest first: opening, responses, status and priority
        /// changes (the SLA clocks are derived from it).
        async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TicketEvent>> {
            Ok(load_one::<TicketHistoryLoader, _>(ctx, self.0.id)
                .await?
                .unwrap_or_default()
                .into_iter()
                .map(TicketEvent)
                .collect())
        }
    }
}

pub struct TicketMessage(pub ticket_message::Model);

object! {
    /// One message of a ticket's thread.
    #[Object]
    impl TicketMessage {
        /// Stable identifier.
        id: ID,
        /// Whether staff wrote it (else the customer).
        #[allow(clippy::wrong_self_convention)] // a field's name, not a constructor
        from_staff: bool,
        /// An internal note: staff only, not a response.
        internal: bool,
        /// The text.
        body: &str,
        /// When it was written.
        created_at: DateTime<Utc>,
    }
}

pub struct TicketEvent(pub ticket_event::Model);

object! {
    /// One step of a ticket's history.
    #[Object]
    impl TicketEvent {
        /// What happened.
        kind: TicketEventKind,
        /// The status from this moment on.
        status: TicketStatus,
        /// The priority from this moment on.
        priority: TicketPriority,
        /// When.
        at: DateTime<Utc>,
    }
}

/// Which tickets to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct TicketFilter {
    /// Only in this state.
    pub status: Option<TicketStatus>,
    /// Only of this priority.
    pub priority: Option<TicketPriority>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Only those assigned to this staff login.
    pub assignee_id: Option<ID>,
}

/// A ticket to open.
#[derive(InputObject)]
pub struct OpenTicketInput {
    /// Whose ticket: required for staff; a customer may omit it (their own).
    pub customer_id: Option<ID>,
    /// One line, at most 200 characters.
    pub subject: String,
    /// What is wrong or wanted, at most 10,000 characters.
    pub description: String,
    /// How urgent it is.
    pub priority: TicketPriority,
    /// What it is about (e.g. "installation"), at most 100 characters;
    /// "services" is refused with an order (it names the ticket the order's
    /// payment opens for its services).
    pub category: String,
    /// The customer's order it is about, if any.
    pub order_id: Option<ID>,
    /// The customer's engagement it is about, if any.
    pub engagement_id: Option<ID>,
}

/// A reply (or, staff only, an internal note) on a ticket.
#[derive(InputObject)]
pub struct ReplyToTicketInput {
    /// The ticket.
    pub ticket_id: ID,
    /// The text, at most 10,000 characters.
    pub body: String,
    /// An internal note (staff only): not a response, never shown to the
    /// customer. Default false.
    #[graphql(default)]
    pub internal: bool,
}

/// Who works on a ticket.
#[derive(InputObject)]
pub struct AssignTicketInput {
    /// The ticket.
    pub ticket_id: ID,
    /// An enabled staff login, or null to unassign.
    pub assignee_id: Option<ID>,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
}

/// A status change by staff.
#[derive(InputObject)]
pub struct ChangeTicketStatusInput {
    /// The ticket.
    pub ticket_id: ID,
    /// OPEN (triage, or back from waiting), WAITING_ON_CUSTOMER,
    /// WAITING_ON_THIRD_PARTY, RESOLVED or CLOSED.
    pub status: TicketStatus,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
}

/// A priority change by staff.
#[derive(InputObject)]
pub struct ChangeTicketPriorityInput {
    /// The ticket.
    pub ticket_id: ID,
    /// The new priority (its SLA policy is chosen again).
    pub priority: TicketPriority,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
}

payload!("Result of `openTicket`.", OpenTicketPayload, ticket: Ticket);
payload!(
    "Result of `replyToTicket`.",
    ReplyToTicketPayload,
    ticket: Ticket
);
payload!("Result of `assignTicket`.", AssignTicketPayload, ticket: Ticket);
payload!(
    "Result of `changeTicketStatus`.",
    ChangeTicketStatusPayload,
    ticket: Ticket
);
payload!(
    "Result of `changeTicketPriority`.",
    ChangeTicketPriorityPayload,
    ticket: Ticket
);

impl From<support::Replied> for Ticket {
    fn from(r: support::Replied) -> Self {
        Ticket(r.ticket)
    }
}

#[derive(Default)]
pub struct SupportQuery;

#[Object]
impl SupportQuery {
    /// One ticket; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket's id.")] id: ID,
    ) -> async_graphql::Result<Option<Ticket>> {
        let id = arg_id(&id, "id")?;
        let found = support::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Ticket))
    }

    /// Tickets the caller may see (customers: their own), oldest first.
    #[graphql(
        guard = "Require::to(Permission::UseTickets)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which tickets; all visible ones when omitted.")] filter: Option<
            TicketFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Ticket>> {
        let page = page_request(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = DomainFilter {
            status: filter.status.map(Into::into),
            priority: filter.priority.map(Into::into),
            customer_id: arg_id_opt(filter.customer_id.as_ref(), "filter.customerId")?,
            assignee_user_id: arg_id_opt(filter.assignee_id.as_ref(), "filter.assigneeId")?,
        };
        let found = support::list(&ctx.services().db, &ctx.domain_ctx()?, &filter, page).await;
        Ok(connection(answer(ctx, found)?, Ticket))
    }
}

#[derive(Default)]
pub struct SupportMutation;

#[Object]
impl SupportMutation {
    /// Open a ticket (a customer for themselves, staff for a customer): NEW,
    /// with the SLA policy chosen for its priority, category and customer;
    /// the customer is emailed its number.
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn open_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: OpenTicketInput,
    ) -> async_graphql::Result<OpenTicketPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let new = NewTicket {
                customer_id: optional_input_id(input.customer_id.as_ref(), "customerId")?,
                subject: input.subject,
                description: input.description,
                priority: input.priority.into(),
                category: input.category,
                order_id: optional_input_id(input.order_id.as_ref(), "orderId")?,
                engagement_id: optional_input_id(input.engagement_id.as_ref(), "engagementId")?,
            };
            support::open(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Reply on a ticket (its customer, or staff), or write an internal note
    /// (staff). A staff reply is a response and is emailed to the customer;
    /// a customer's reply ends a wait on them and reopens a ticket resolved
    /// within the reopen window. Refused on a closed ticket
    /// (ILLEGAL_TRANSITION).
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn reply_to_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReplyToTicketInput,
    ) -> async_graphql::Result<ReplyToTicketPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let reply = NewReply {
                ticket_id: input_id(&input.ticket_id, "ticketId")?,
                body: input.body,
                internal: input.internal,
            };
            support::reply(&ctx.services().db, &domain_ctx, &reply).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Assign a ticket to an enabled staff login, or unassign it (staff).
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn assign_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AssignTicketInput,
    ) -> async_graphql::Result<AssignTicketPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.ticket_id, "ticketId")?;
            let assignee = optional_input_id(input.assignee_id.as_ref(), "assigneeId")?;
            support::assign(
                &ctx.services().db,
                &domain_ctx,
                id,
                assignee,
                input.expected_version,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Move a ticket (staff): triage it (OPEN), wait on the customer or a
    /// third party, take it back (OPEN), resolve it (the customer is
    /// emailed; it closes by itself when the reopen window ends) or close it.
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn change_ticket_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ChangeTicketStatusInput,
    ) -> async_graphql::Result<ChangeTicketStatusPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.ticket_id, "ticketId")?;
            support::change_status(
                &ctx.services().db,
                &domain_ctx,
                id,
                input.status.into(),
                input.expected_version,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Change a ticket's priority (staff): its SLA policy is chosen again and
    /// the new targets count from the change on.
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn change_ticket_priority(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ChangeTicketPriorityInput,
    ) -> async_graphql::Result<ChangeTicketPriorityPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.ticket_id, "ticketId")?;
            support::change_priority(
                &ctx.services().db,
                &domain_ctx,
                id,
                input.priority.into(),
                input.expected_version,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }
}

#[derive(Default)]
pub struct SupportSubscription;

#[Subscription]
impl SupportSubscription {
    /// The ticket as it is now, then each time it changes, through any api
    /// or worker process. Customers may follow only their own tickets;
    /// another looks like one that never changes.
    #[graphql(guard = "Require::to(Permission::UseTickets)")]
    async fn ticket_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Ticket> + use<>> {
        let find = |db, ctx, id| async move { support::find_visible(&db, &ctx, id).await };
        let version: fn(&ticket::Model) -> i32 = |t| t.version;
        record_updates(ctx, &id, find, version, Ticket, "ticket").await
    }
}
