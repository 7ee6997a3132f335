//! Outbound webhooks (ADMIN): subscriptions, the event catalogue, the
//! delivery log with every attempt, replays and test events. Resolvers
//! only translate; the rules are in `domain::webhooks`.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, patch, payload,
    respond,
};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::webhooks::deliveries::{self, DeliveryFilter};
use domain::webhooks::{self, NewSubscription, Subscription, SubscriptionChange, events};
use entity::{webhook_attempt, webhook_delivery};

/// An event integrators can subscribe to; each has a wire name (see
/// `webhookEventTypes`), e.g. `order.placed` for ORDER_PLACED.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::WebhookEventType")]
pub enum WebhookEventType {
    /// `order.placed`: an order was placed.
    OrderPlaced,
    /// `order.reserved`: an order's stock was reserved.
    OrderReserved,
    /// `invoice.issued`: a tax invoice was issued.
    InvoiceIssued,
    /// `payment.captured`: a payment was captured.
    PaymentCaptured,
    /// `order.shipped`: a package of an order was handed to the courier.
    OrderShipped,
    /// `shipment.updated`: a package's tracking status changed.
    ShipmentUpdated,
    /// `order.delivered`: an order was delivered.
    OrderDelivered,
    /// `approval.requested`: an approval was requested.
    ApprovalRequested,
    /// `approval.decided`: a decision was recorded on an approval.
    ApprovalDecided,
    /// `engagement.stage_changed`: an engagement's stage started.
    EngagementStageChanged,
    /// `recall.started`: a product recall started.
    RecallStarted,
    /// `ticket.breached`: a support ticket's SLA target was breached.
    TicketBreached,
    /// `claim.lodged`: a consumer-guarantee claim was lodged.
    ClaimLodged,
    /// `claim.updated`: a claim moved a step (assessed, remedy chosen, remedied, ...).
    ClaimUpdated,
    /// `return.requested`: a return was requested.
    ReturnRequested,
    /// `return.updated`: a return moved a step (approved, received, completed, ...).
    ReturnUpdated,
    /// `webhook.test`: a test delivery (`sendTestWebhook`); not subscribable.
    #[graphql(name = "WEBHOOK_TEST")]
    Test,
}

/// Where a webhook delivery is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::WebhookDeliveryStatus")]
pub enum WebhookDeliveryStatus {
    /// Due at `nextAttemptAt` (the first attempt or a retry).
    Pending,
    /// The target answered 2xx.
    Succeeded,
    /// A final answer (4xx other than 408 and 429, a redirect), or the
    /// target may not be called.
    Failed,
    /// Every attempt failed with a retryable answer (5xx, 408, 429, timeout,
    /// connection error).
    Dead,
}

/// One event type of the catalogue.
#[derive(SimpleObject)]
pub struct WebhookEventTypeInfo {
    /// The enum value subscriptions name.
    #[graphql(name = "type")]
    pub kind: WebhookEventType,
    /// The name in the delivered body's `type`, e.g. `order.placed`.
    pub wire_name: String,
    /// What happened and what the body's `data` holds.
    pub description: String,
}

/// The event types integrators can subscribe to.
#[derive(SimpleObject)]
pub struct WebhookEventCatalogue {
    /// Every event type, in a fixed order (about a dozen).
    pub types: Vec<WebhookEventTypeInfo>,
}

pub struct WebhookSubscription(pub Subscription);

object! {
    /// Where and what outbound webhooks are sent to an integrator.
    #[Object]
    impl WebhookSubscription {
        /// Stable identifier.
        id: ID = row.id,
        /// The target URL deliveries are posted to.
        url: &str = row.url,
        /// The event types it receives.
        async fn event_types(&self) -> Vec<WebhookEventType> {
            self.0.event_types.iter().map(|t| (*t).into()).collect()
        }
        /// The signing secret (`whsec_…`): shown in the answer to
        /// `createWebhookSubscription` and `rotateWebhookSecret` only, null
        /// everywhere else. Verify each delivery's `webhook-signature` with it.
        secret: Option<&str>,
        /// Whether events are sent to it.
        active: bool = row.active,
        /// What it is for.
        description: Option<&str> = row.description,
        /// FAILED or DEAD deliveries in a row (a success resets it); at 5 the
        /// subscription is disabled and ADMIN emailed.
        consecutive_failures: i32 = row.consecutive_failures,
        /// When it was disabled for failing (UTC); null while active.
        disabled_at: Option<DateTime<Utc>> = row.disabled_at,
        /// Why it was disabled.
        disabled_reason: Option<&str> = row.disabled_reason,
        /// Optimistic-locking version: pass it as `expectedVersion`.
        version: i32 = row.version,
        /// When it was created (UTC).
        created_at: DateTime<Utc> = row.created_at,
    }
}

impl From<Subscription> for WebhookSubscription {
    fn from(s: Subscription) -> Self {
        WebhookSubscription(s)
    }
}

/// One attempt to deliver a webhook.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// 1 for the first attempt; numbering goes on across replays.
    pub number: i32,
    /// When it was sent (UTC).
    pub time: DateTime<Utc>,
    /// The HTTP status answered; null without an answer.
    pub http_status: Option<i32>,
    /// How long the answer took, in milliseconds.
    pub latency_ms: i64,
    /// The first 500 bytes of the answer.
    pub response_excerpt: Option<String>,
    /// Why there was no answer (timeout, connection error, refused target).
    pub error: Option<String>,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(a: webhook_attempt::Model) -> Self {
        WebhookAttempt {
            number: a.number,
            time: a.started_at,
            http_status: a.http_status,
            latency_ms: a.latency_ms,
            response_excerpt: a.response_excerpt,
            error: a.error,
        }
    }
}

pub struct WebhookDelivery(pub webhook_delivery::Model);

object! {
    /// One event's delivery to one subscription, with its attempts.
    #[Object]
    impl WebhookDelivery {
        /// Stable identifier.
        id: ID,
        /// The `webhook-id` header: the same on every attempt and replay, so a
        /// receiver can drop duplicates.
        webhook_id: &str,
        /// Id of the subscription.
        subscription_id: ID,
        /// The event type.
        event_type: WebhookEventType,
        /// Id of the event (one delivery per event per subscription).
        event_id: ID,
        /// The exact body sent on every attempt (JSON).
        body: &str,
        /// Where it is.
        status: WebhookDeliveryStatus,
        /// Attempts since it was created or last replayed.
        attempts: i32,
        /// When it is tried next, while PENDING (UTC).
        async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
            let pending = self.0.status == entity::WebhookDeliveryStatus::Pending;
            pending.then_some(self.0.next_attempt_at)
        }
        /// The last HTTP status answered.
        last_http_status: Option<i32>,
        /// When it succeeded, failed or died (UTC).
        completed_at: Option<DateTime<Utc>>,
        /// When it was created (UTC).
        created_at: DateTime<Utc>,
        /// Every attempt, first first (at most 8 per round of attempts).
        async fn attempt_log(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<WebhookAttempt>> {
            let found = deliveries::attempts_of(&ctx.services().db, self.0.id).await;
            Ok(answer(ctx, found)?.into_iter().map(Into::into).collect())
        }
    }
}

impl From<webhook_delivery::Model> for WebhookDelivery {
    fn from(d: webhook_delivery::Model) -> Self {
        WebhookDelivery(d)
    }
}

/// Which deliveries to list.
#[derive(InputObject, Default)]
pub struct WebhookDeliveryFilter {
    /// Only those in this status.
    pub status: Option<WebhookDeliveryStatus>,
    /// Only those of this event type.
    pub event_type: Option<WebhookEventType>,
}

/// A new subscription.
#[derive(InputObject)]
pub struct CreateWebhookSubscriptionInput {
    /// The target: an absolute HTTPS URL (HTTP and loopback only in
    /// development) of a public address.
    pub url: String,
    /// Event types by enum name (`ORDER_PLACED`) or wire name
    /// (`order.placed`); at least one.
    pub event_types: Vec<String>,
    /// What it is for (at most 500 characters).
    pub description: Option<String>,
}

/// A change to a subscription; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateWebhookSubscriptionInput {
    /// The subscription.
    pub id: ID,
    /// The version read; a stale version is CONFLICT.
    pub expected_version: i32,
    /// A new target URL (checked as at creation).
    pub url: Option<String>,
    /// New event types (replace the old; enum or wire names).
    pub event_types: Option<Vec<String>>,
    /// Send events to it or not; activating a disabled one clears its
    /// failure count.
    pub active: Option<bool>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
}

/// Names one subscription.
#[derive(InputObject)]
pub struct WebhookSubscriptionRefInput {
    /// The subscription.
    pub id: ID,
}

/// Names one delivery.
#[derive(InputObject)]
pub struct ReplayWebhookDeliveryInput {
    /// The delivery (DEAD or FAILED).
    pub id: ID,
}

/// Names the subscription a test event goes to.
#[derive(InputObject)]
pub struct SendTestWebhookInput {
    /// The subscription.
    pub subscription_id: ID,
}

payload!(
    "Result of `createWebhookSubscription`.",
    CreateWebhookSubscriptionPayload,
    webhook_subscription: WebhookSubscription
);
payload!(
    "Result of `updateWebhookSubscription`.",
    UpdateWebhookSubscriptionPayload,
    webhook_subscription: WebhookSubscription
);
payload!(
    "Result of `rotateWebhookSecret`.",
    RotateWebhookSecretPayload,
    webhook_subscription: WebhookSubscription
);
payload!(
    "Result of `deleteWebhookSubscription`: the subscription as it was.",
    DeleteWebhookSubscriptionPayload,
    webhook_subscription: WebhookSubscription
);
payload!(
    "Result of `replayWebhookDelivery`.",
    ReplayWebhookDeliveryPayload,
    webhook_delivery: WebhookDelivery
);
payload!(
    "Result of `sendTestWebhook`.",
    SendTestWebhookPayload,
    webhook_delivery: WebhookDelivery
);

fn target_policy(ctx: &Context<'_>) -> domain::rules::webhooks::TargetPolicy {
    webhooks::policy(ctx.services().config.is_production())
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Webhook subscriptions (ADMIN), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ManageWebhooks)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, WebhookSubscription>> {
        let page = page_request(first, after)?;
        let found = webhooks::list(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, WebhookSubscription))
    }

    /// Every event type with its wire name and what its `data` holds
    /// (ADMIN; a short fixed list).
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn webhook_event_types(&self) -> WebhookEventCatalogue {
        let types = events::catalogue()
            .into_iter()
            .map(|t| WebhookEventTypeInfo {
                kind: t.into(),
                wire_name: events::wire_name(t),
                description: events::description(t).to_owned(),
            })
            .collect();
        WebhookEventCatalogue { types }
    }

    /// A subscription's deliveries (ADMIN), newest first, each with its
    /// attempts.
    #[graphql(
        guard = "Require::to(Permission::ManageWebhooks)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] subscription_id: ID,
        #[graphql(desc = "Which deliveries (all when omitted).")] filter: Option<
            WebhookDeliveryFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, WebhookDelivery>> {
        let page = page_request(first, after)?;
        let id = arg_id(&subscription_id, "subscriptionId")?;
        let filter = filter.unwrap_or_default();
        let filter = DeliveryFilter {
            status: filter.status.map(Into::into),
            event_type: filter.event_type.map(Into::into),
        };
        let found =
            deliveries::list(&ctx.services().db, &ctx.domain_ctx()?, id, &filter, page).await;
        Ok(connection(answer(ctx, found)?, WebhookDelivery))
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribe a URL to event types (ADMIN; audited). The URL must be
    /// HTTPS in production and never resolve to a private, loopback,
    /// link-local or metadata address (OUT_OF_RANGE on `url`); an unknown
    /// event type is OUT_OF_RANGE on `eventTypes.N`. The answer shows the
    /// signing secret, once.
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn create_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateWebhookSubscriptionInput,
    ) -> async_graphql::Result<CreateWebhookSubscriptionPayload> {
        let new = NewSubscription {
            url: input.url,
            event_types: input.event_types,
            description: input.description,
        };
        let result = webhooks::create(
            &ctx.services().db,
            &ctx.domain_ctx()?,
            target_policy(ctx),
            &new,
        )
        .await;
        respond(ctx, result).await
    }

    /// Change a subscription's URL, event types, active flag or description
    /// (ADMIN; audited, versioned).
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn update_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateWebhookSubscriptionInput,
    ) -> async_graphql::Result<UpdateWebhookSubscriptionPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let change = SubscriptionChange {
                id: input_id(&input.id, "id")?,
                expected_version: input.expected_version,
                url: input.url,
                event_types: input.event_types,
                active: input.active,
                description: patch(input.description),
            };
            webhooks::update(&ctx.services().db, &domain_ctx, target_policy(ctx), &change).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Give a subscription a new signing secret (ADMIN; audited): the old
    /// one stops at once. The answer shows the new secret, once.
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: WebhookSubscriptionRefInput,
    ) -> async_graphql::Result<RotateWebhookSecretPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            webhooks::rotate_secret(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Delete a subscription (ADMIN; audited). Its delivery log stays;
    /// deliveries still pending become FAILED and are never sent.
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn delete_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: WebhookSubscriptionRefInput,
    ) -> async_graphql::Result<DeleteWebhookSubscriptionPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            webhooks::delete(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Send a DEAD or FAILED delivery again (ADMIN; audited): due now, with
    /// the same `webhook-id` and body and a fresh set of attempts; its
    /// attempt log is kept. Anything else is INVALID_STATE on `id`.
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReplayWebhookDeliveryInput,
    ) -> async_graphql::Result<ReplayWebhookDeliveryPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            deliveries::replay(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Send a `webhook.test` event to one subscription (ADMIN; audited):
    /// a delivery due now, logged like any other.
    #[graphql(guard = "Require::to(Permission::ManageWebhooks)")]
    async fn send_test_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SendTestWebhookInput,
    ) -> async_graphql::Result<SendTestWebhookPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.subscription_id, "subscriptionId")?;
            deliveries::send_test(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }
}
