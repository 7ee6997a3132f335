//! Spam Act consent: a customer's consent per purpose (given and withdrawn
//! by staff or the customer itself; the email's unsubscribe link withdraws
//! it too, see the unsubscribe page) and the log of every commercial email,
//! sent or suppressed.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, page_request, payload,
    record_object, respond,
};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::consent;
use domain::kernel::Permission;
use entity::{NotificationKind, commercial_send};

/// What a customer may agree to receive commercial email about (Spam Act).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ConsentPurpose")]
pub enum ConsentPurpose {
    /// Offers and discounts (e.g. a discount on the next purchase).
    Offers,
    /// Requests to review what was bought.
    ReviewRequests,
    /// Renewal and extension offers for what was bought (warranty renewals).
    Renewals,
}

/// Whether a consent stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ConsentStatus")]
pub enum ConsentStatus {
    /// Given: commercial email for the purpose may be sent.
    Given,
    /// Withdrawn (unsubscribed): nothing commercial for the purpose is sent.
    Withdrawn,
}

/// What became of one commercial email.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::SendOutcome")]
pub enum SendOutcome {
    /// Consent stood: the email was sent.
    Sent,
    /// Not sent: the customer never consented to the purpose.
    NoConsent,
    /// Not sent: the customer withdrew consent (unsubscribed).
    Unsubscribed,
    /// Not sent: the address bounces.
    Bouncing,
    /// Not sent: a guest order, with nobody to have consented.
    NoCustomer,
}

/// Which commercial email.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommercialEmailKind {
    /// A discount on the customer's next purchase, after delivery.
    NextPurchaseOffer,
    /// A request to review what an order brought, after delivery.
    ReviewRequest,
}

impl CommercialEmailKind {
    fn of(kind: NotificationKind) -> Option<Self> {
        match kind {
            NotificationKind::NextPurchaseOffer => Some(CommercialEmailKind::NextPurchaseOffer),
            NotificationKind::ReviewRequest => Some(CommercialEmailKind::ReviewRequest),
            _ => None,
        }
    }
}

record_object! { pub struct Consent(pub entity::consent::Model); }

object! {
    /// A customer's consent to commercial email for one purpose: when, how and
    /// by whom it was given, and when and how it was withdrawn.
    #[Object]
    impl Consent {
        /// Stable identifier.
        id: ID,
        /// The customer who consented.
        customer_id: ID,
        /// What the customer consented to.
        purpose: ConsentPurpose,
        /// Whether it stands.
        status: ConsentStatus,
        /// When it was (last) given (UTC).
        given_at: DateTime<Utc>,
        /// How it was given, e.g. "checkout checkbox".
        given_how: &str,
        /// Who recorded it: the user id of the staff member or customer.
        given_by: &str,
        /// When it was withdrawn (UTC); null while it stands.
        withdrawn_at: Option<DateTime<Utc>>,
        /// How it was withdrawn, e.g. "unsubscribe link"; null while it stands.
        withdrawn_how: Option<&str>,
        /// Incremented by every change.
        version: i32,
        /// When it was first recorded (UTC).
        created_at: DateTime<Utc>,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

pub struct CommercialSend(pub commercial_send::Model);

object! {
    /// One commercial email decided: sent, or suppressed and why (the Spam
    /// Act's record of every commercial send).
    #[Object]
    impl CommercialSend {
        /// Stable identifier.
        id: ID,
        /// The customer it was for; null for a guest order.
        customer_id: Option<ID>,
        /// The address it was (or would have been) sent to, lower-cased.
        address: &str,
        /// The consent it needed.
        purpose: ConsentPurpose,
        /// Which email.
        async fn kind(&self, ctx: &Context<'_>) -> async_graphql::Result<CommercialEmailKind> {
            CommercialEmailKind::of(self.0.kind).ok_or_else(|| {
                let cause = format!("commercial send {} is a {:?}", self.0.id, self.0.kind);
                super::ApiError::internal(&ctx.request().request_id, &cause).extend()
            })
        }
        /// What it is about (the order).
        subject_id: ID,
        /// Sent, or why not.
        outcome: SendOutcome,
        /// The email sent; null when it was suppressed.
        notification_id: Option<ID>,
        /// When it was decided (UTC).
        decided_at: DateTime<Utc>,
    }
}

/// Consent given by a customer, or recorded for one by staff.
#[derive(InputObject)]
pub struct GiveConsentInput {
    /// The customer consenting (a customer may give only its own).
    pub customer_id: ID,
    /// What the customer consents to.
    pub purpose: ConsentPurpose,
    /// How it was given, e.g. "checkout checkbox" or "phone call" (one line,
    /// at most 200 characters).
    pub how: String,
}

/// Consent withdrawn by a customer, or for one by staff; honoured at once.
#[derive(InputObject)]
pub struct WithdrawConsentInput {
    /// The customer withdrawing (a customer may withdraw only its own).
    pub customer_id: ID,
    /// What the customer no longer consents to.
    pub purpose: ConsentPurpose,
    /// How it was withdrawn, e.g. "asked by phone" (one line, at most 200
    /// characters).
    pub how: String,
}

payload!(
    "Result of `giveConsent`.",
    GiveConsentPayload,
    consent: Consent
);
payload!(
    "Result of `withdrawConsent`.",
    WithdrawConsentPayload,
    consent: Consent
);

#[derive(Default)]
pub struct ConsentQuery;

#[Object]
impl ConsentQuery {
    /// A customer's consents, one per purpose ever recorded, oldest first.
    /// Customers see only their own (another customer's list is empty).
    #[graphql(
        guard = "Require::to(Permission::ReadCustomers)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn consents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] customer_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Consent>> {
        let customer_id = arg_id(&customer_id, "customerId")?;
        let page = page_request(first, after)?;
        let found =
            consent::list_of_customer(&ctx.services().db, &ctx.domain_ctx()?, customer_id, page)
                .await;
        Ok(connection(answer(ctx, found)?, Consent))
    }

    /// Every commercial email decided, sent or suppressed and why, newest
    /// first; optionally of one customer (staff).
    #[graphql(
        guard = "Require::to(Permission::ManageCustomers)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn commercial_sends(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this customer's emails.")] customer_id: Option<ID>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, CommercialSend>> {
        let customer_id = arg_id_opt(customer_id.as_ref(), "customerId")?;
        let page = page_request(first, after)?;
        let found =
            consent::commercial_sends(&ctx.services().db, &ctx.domain_ctx()?, customer_id, page)
                .await;
        Ok(connection(answer(ctx, found)?, CommercialSend))
    }
}

#[derive(Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
    /// Record a customer's consent to commercial email for a purpose (when,
    /// how and by whom). Staff may record it for any customer, a customer
    /// for itself; giving again after a withdrawal gives it again. An
    /// unknown customer is NOT_FOUND on `customerId`.
    #[graphql(guard = "Require::signed_in()")]
    async fn give_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: GiveConsentInput,
    ) -> async_graphql::Result<GiveConsentPayload> {
        change_consent(ctx, true, &input.customer_id, input.purpose, &input.how).await
    }

    /// Withdraw a customer's consent for a purpose, at once. Staff may
    /// withdraw it for any customer, a customer its own; withdrawing twice
    /// changes nothing. A purpose never consented to is NOT_FOUND on `purpose`.
    #[graphql(guard = "Require::signed_in()")]
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: WithdrawConsentInput,
    ) -> async_graphql::Result<WithdrawConsentPayload> {
        change_consent(ctx, false, &input.customer_id, input.purpose, &input.how).await
    }
}

/// Give (`give`) or withdraw a customer's consent for a purpose: the two
/// mutations differ only in the use case they call.
async fn change_consent<P>(
    ctx: &Context<'_>,
    give: bool,
    customer_id: &ID,
    purpose: ConsentPurpose,
    how: &str,
) -> async_graphql::Result<P>
where
    P: super::kit::Payload,
    P::Node: From<entity::consent::Model>,
{
    let domain_ctx = ctx.domain_ctx()?;
    let result = async {
        let customer_id = input_id(customer_id, "customerId")?;
        let db = &ctx.services().db;
        if give {
            consent::give(db, &domain_ctx, customer_id, purpose.into(), how).await
        } else {
            consent::withdraw(db, &domain_ctx, customer_id, purpose.into(), how).await
        }
    }
    .await;
    respond(ctx, result).await
}
