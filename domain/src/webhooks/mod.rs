//! Outbound webhooks (ADMIN): subscriptions — a target URL checked against
//! server-side request forgery (as given, and in production after DNS
//! resolution), the event types wanted, and a signing secret generated here
//! and shown once (at creation and at rotation). Events are recorded in the
//! transactions that cause them (`events::record`), fanned out into one
//! delivery per subscription and sent, retried and logged by
//! `deliveries`. The wire format follows Standard Webhooks
//! (`rules::webhooks`).

pub mod deliveries;
pub mod events;

use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Patch, Permission, Write,
    fetch_page,
};
use crate::rules::error::ValueError;
use crate::rules::webhooks::{Secret, Target, TargetPolicy, address_allowed, check_target};
use chrono::Utc;
use entity::{WebhookDeliveryStatus, WebhookEventType, webhook_delivery, webhook_subscription};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryFilter, Set,
};
use serde::Serialize;
use std::net::IpAddr;
use uuid::Uuid;

crate::stamped!(webhook_subscription);

pub const SUBJECT_TYPE: &str = "webhook_subscription";
/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;
/// FAILED or DEAD deliveries in a row that disable a subscription.
pub const DISABLE_AFTER: i32 = 5;

/// The target policy of a deployment: production allows public HTTPS only.
pub fn policy(production: bool) -> TargetPolicy {
    if production {
        TargetPolicy::Production
    } else {
        TargetPolicy::Development
    }
}

/// Every resolved address must be one the policy allows (a name resolving
/// to nothing is refused too).
pub fn resolved_allowed(addresses: &[IpAddr], policy: TargetPolicy) -> Result<(), ValueError> {
    if addresses.is_empty() {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            "the target's host name does not resolve",
        ));
    }
    match addresses.iter().find(|ip| !address_allowed(**ip, policy)) {
        Some(ip) => Err(ValueError::new(
            ErrorCode::OutOfRange,
            format!("the target resolves to {ip}, which is not a public address"),
        )),
        None => Ok(()),
    }
}

/// Resolve `target`'s host with the system resolver.
pub async fn resolve(target: &Target) -> Vec<IpAddr> {
    match tokio::net::lookup_host((target.host.as_str(), target.port)).await {
        Ok(found) => found.map(|a| a.ip()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Check a target URL under `policy`: as given, and in production after
/// resolving its host, every address (no private, loopback, link-local or
/// metadata targets).
pub async fn check_url(raw: &str, policy: TargetPolicy) -> Result<Target, ValueError> {
    let target = check_target(raw, policy)?;
    if policy == TargetPolicy::Production {
        resolved_allowed(&resolve(&target).await, policy)?;
    }
    Ok(target)
}

/// A new signing secret: 32 random bytes.
pub fn new_secret() -> Secret {
    let bytes = [*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat();
    Secret::from_bytes(&bytes).expect("32 bytes make a secret")
}

/// A subscription as the API shows it; `secret` only in the answer to a
/// create or a rotation.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub row: webhook_subscription::Model,
    pub event_types: Vec<WebhookEventType>,
    #[serde(skip)]
    pub secret: Option<String>,
}

impl Subscription {
    fn of(row: webhook_subscription::Model) -> Subscription {
        Subscription {
            event_types: stored_types(&row.event_types),
            row,
            secret: None,
        }
    }
}

/// The event types a subscription wants, as stored (JSON wire names).
pub fn stored_types(json: &str) -> Vec<WebhookEventType> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| events::parse(name))
        .collect()
}

fn store_types(types: &[WebhookEventType]) -> String {
    let names: Vec<String> = types.iter().map(|t| events::wire_name(*t)).collect();
    serde_json::to_string(&names).expect("names are plain data")
}

/// Event types as given: each an enum name or a wire name (OUT_OF_RANGE at
/// `eventTypes.N` otherwise), at least one, duplicates dropped.
fn parse_types(fields: &mut Fields, raw: &[String]) -> Option<Vec<WebhookEventType>> {
    if raw.is_empty() {
        fields.refuse(
            "eventTypes",
            ErrorCode::Required,
            "name at least one event type",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, name) in raw.iter().enumerate() {
        match events::parse(name).filter(|t| *t != WebhookEventType::Test) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => {
                ok = false;
                fields.refuse_at(
                    &["eventTypes", &i.to_string()],
                    ErrorCode::OutOfRange,
                    format!("'{name}' is not an event type (see webhookEventTypes)"),
                );
            }
        }
    }
    ok.then_some(out)
}

async fn parse_url(fields: &mut Fields, raw: &str, policy: TargetPolicy) -> Option<String> {
    if raw.trim().is_empty() {
        fields.refuse("url", ErrorCode::Required, "url is required");
        return None;
    }
    let checked = check_url(raw, policy).await;
    fields.at(&["url"], checked).map(|t| t.url)
}

fn parse_description(fields: &mut Fields, raw: Option<&str>) -> Option<String> {
    fields.free_text(&["description"], "description", raw, MAX_DESCRIPTION)
}

/// A subscription as ADMIN asks for it.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
}

/// Create a subscription (ADMIN; audited): its secret is generated and
/// shown in this answer only. Bad input writes nothing.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    policy: TargetPolicy,
    input: &NewSubscription,
) -> Result<Committed<Subscription>, DomainError> {
    Permission::ManageWebhooks.require(ctx)?;
    let mut fields = Fields::new();
    // Resolved before the write transaction opens: DNS may be slow.
    let url = parse_url(&mut fields, &input.url, policy).await;
    let types = parse_types(&mut fields, &input.event_types);
    let description = parse_description(&mut fields, input.description.as_deref());
    let (url, types) = fields.finish(|| Some((url?, types?)))?;
    let mut w = Write::begin(db, ctx, Permission::ManageWebhooks).await?;
    let now = w.now();
    let secret = new_secret().shown();
    let row = w
        .insert(webhook_subscription::ActiveModel {
            id: Set(Uuid::now_v7()),
            url: Set(url),
            event_types: Set(store_types(&types)),
            secret: Set(secret.clone()),
            active: Set(true),
            description: Set(description),
            consecutive_failures: Set(0),
            disabled_at: Set(None),
            disabled_reason: Set(None),
            created_by: Set(ctx.actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    w.audit(SUBJECT_TYPE, row.id, "webhook.created", None, Some(&row))
        .await?;
    let mut subscription = Subscription::of(row);
    subscription.secret = Some(secret);
    w.commit(subscription).await
}

/// A change to a subscription; absent fields stay.
#[derive(Debug, Clone)]
pub struct SubscriptionChange {
    pub id: Uuid,
    pub expected_version: i32,
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub active: Option<bool>,
    pub description: Patch<String>,
}

/// Change a subscription (ADMIN; audited, versioned). Activating a disabled
/// one clears its failure count.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Ctx,
    policy: TargetPolicy,
    change: &SubscriptionChange,
) -> Result<Committed<Subscription>, DomainError> {
    Permission::ManageWebhooks.require(ctx)?;
    let mut fields = Fields::new();
    let url = match &change.url {
        Some(raw) => parse_url(&mut fields, raw, policy).await.map(Some),
        None => Some(None),
    };
    let types = match &change.event_types {
        Some(raw) => parse_types(&mut fields, raw).map(Some),
        None => Some(None),
    };
    let description = match &change.description {
        Patch::Keep => Some(Patch::Keep),
        Patch::Clear => Some(Patch::Clear),
        Patch::Set(raw) => Some(match parse_description(&mut fields, Some(raw)) {
            Some(text) => Patch::Set(text),
            None => Patch::Clear,
        }),
    };
    let (url, types, description) = fields.finish(|| Some((url?, types?, description?)))?;
    let mut w = Write::begin(db, ctx, Permission::ManageWebhooks).await?;
    let before = find_in(w.conn(), change.id).await?;
    let reactivated = change.active == Some(true) && !before.active;
    let after = w
        .change::<webhook_subscription::Entity>(before.id, change.expected_version, |s| {
            if let Some(url) = url {
                s.url = Set(url);
            }
            if let Some(types) = &types {
                s.event_types = Set(store_types(types));
            }
            if let Some(active) = change.active {
                s.active = Set(active);
            }
            match description {
                Patch::Keep => {}
                Patch::Clear => s.description = Set(None),
                Patch::Set(text) => s.description = Set(Some(text)),
            }
            if reactivated {
                s.consecutive_failures = Set(0);
                s.disabled_at = Set(None);
                s.disabled_reason = Set(None);
            }
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        after.id,
        "webhook.updated",
        Some(&before),
        Some(&after),
    )
    .await?;
    w.commit(Subscription::of(after)).await
}

/// A new secret for a subscription (ADMIN; audited): deliveries are signed
/// with it from now on and the old one stops at once. Shown in this answer
/// only.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<Subscription>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageWebhooks).await?;
    let before = find_in(w.conn(), id).await?;
    let secret = new_secret().shown();
    let after = w
        .change::<webhook_subscription::Entity>(id, before.version, |s| {
            s.secret = Set(secret.clone());
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        id,
        "webhook.secret_rotated",
        Some(&before),
        Some(&after),
    )
    .await?;
    let mut subscription = Subscription::of(after);
    subscription.secret = Some(secret);
    w.commit(subscription).await
}

/// Delete a subscription (ADMIN; audited). Its deliveries and their
/// attempts stay in the log; those still pending become FAILED (never
/// sent again).
pub async fn delete(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<Subscription>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageWebhooks).await?;
    let before = find_in(w.conn(), id).await?;
    let now = w.now();
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(WebhookDeliveryStatus::Failed),
        )
        .col_expr(webhook_delivery::Column::CompletedAt, Expr::value(now))
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            webhook_delivery::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(webhook_delivery::Column::SubscriptionId.eq(id))
        .filter(webhook_delivery::Column::Status.eq(WebhookDeliveryStatus::Pending))
        .exec(w.conn())
        .await?;
    before.clone().delete(w.conn()).await?;
    w.audit(SUBJECT_TYPE, id, "webhook.deleted", Some(&before), None)
        .await?;
    w.commit(Subscription::of(before)).await
}

async fn find_in<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<webhook_subscription::Model, DomainError> {
    webhook_subscription::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::not_found("id", "webhook subscription"))
}

crate::find_by_id! {
    /// A subscription by id (no permission check: the worker's read).
    pub fn find -> webhook_subscription
}

/// A subscription (ADMIN).
pub async fn find_visible(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Subscription>, DomainError> {
    Permission::ManageWebhooks.require(ctx)?;
    Ok(find(db, id).await?.map(Subscription::of))
}

/// Subscriptions, oldest first (ADMIN).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<Subscription>, DomainError> {
    Permission::ManageWebhooks.require(ctx)?;
    let page = fetch_page(
        db,
        webhook_subscription::Entity::find(),
        webhook_subscription::Column::Id,
        page,
        |s| s.id,
    )
    .await?;
    Ok(page.map(|_, s| Subscription::of(s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn production_refuses_any_private_resolution_development_allows_loopback() {
        let public = IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34));
        let private = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let metadata = IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254));
        let loopback = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let p = TargetPolicy::Production;
        assert!(resolved_allowed(&[public], p).is_ok());
        assert!(resolved_allowed(&[public, private], p).is_err());
        assert!(resolved_allowed(&[metadata], p).is_err());
        assert!(resolved_allowed(&[loopback], p).is_err());
        assert!(resolved_allowed(&[], p).is_err());
        assert!(resolved_allowed(&[loopback], TargetPolicy::Development).is_ok());
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_private_address_is_refused_in_production() {
        // The system resolver reads `10.1` as the IPv4 address 10.0.0.1 (a
        // private network) although it is no IP literal to the URL check.
        let err = check_url("https://10.1:8443/hook", TargetPolicy::Production)
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::OutOfRange);
        assert!(err.message.contains("10.0.0.1"), "{}", err.message);
        assert!(
            check_url("http://example.com/hook", TargetPolicy::Production)
                .await
                .is_err()
        );
    }

    #[test]
    fn event_types_are_stored_as_wire_names() {
        let types = [
            WebhookEventType::OrderPlaced,
            WebhookEventType::TicketBreached,
        ];
        let stored = store_types(&types);
        assert_eq!(stored, r#"["order.placed","ticket.breached"]"#);
        assert_eq!(stored_types(&stored), types);
    }

    #[test]
    fn unknown_event_types_are_refused_at_their_index() {
        let mut fields = Fields::new();
        let raw = vec!["ORDER_PLACED".into(), "order.exploded".into()];
        assert_eq!(parse_types(&mut fields, &raw), None);
        let Err(DomainError::Rejected(errors)) = fields.finish(|| Some(())) else {
            panic!("refused");
        };
        assert_eq!(errors[0].field, ["eventTypes", "1"]);
        assert_eq!(errors[0].code, ErrorCode::OutOfRange);
    }

    #[test]
    fn secrets_are_fresh_and_32_bytes() {
        let (a, b) = (new_secret().shown(), new_secret().shown());
        assert_ne!(a, b);
        assert!(Secret::parse(&a).is_ok());
    }
}
