//! WEBHOOK_SUBSCRIPTION_DISABLED, to ADMIN (internal, no links: ADMIN acts
//! in the Hub): which subscription, why it was disabled, its last
//! delivery, and how to bring it back. Its subject is the delivery whose
//! failure disabled the subscription, so each disabling is told once per
//! ADMIN.

use super::purchasing::Business;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::rules::calendar::local_moment;
use entity::{webhook_delivery, webhook_subscription};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("webhook_disabled");

/// The ADMIN email about one disabled subscription.
#[derive(Debug, Clone, Serialize)]
pub struct DisabledContext {
    pub subject: String,
    pub url: String,
    pub description: Option<String>,
    pub disabled_at: String,
    pub reason: String,
    pub webhook_id: String,
    pub event_type: String,
    pub last_http_status: Option<i32>,
    pub business: Business,
}

pub fn disabled_context(
    s: &webhook_subscription::Model,
    d: &webhook_delivery::Model,
    business: Business,
) -> DisabledContext {
    DisabledContext {
        subject: format!("Webhook subscription disabled: {}", s.url),
        url: s.url.clone(),
        description: s.description.clone(),
        disabled_at: local_moment(s.disabled_at.unwrap_or(d.updated_at)),
        reason: s
            .disabled_reason
            .clone()
            .unwrap_or_else(|| "its deliveries kept failing".into()),
        webhook_id: d.webhook_id.clone(),
        event_type: d.event_type.to_string(),
        last_http_status: d.last_http_status,
        business,
    }
}

pub fn webhook_disabled(ctx: &DisabledContext) -> Result<Rendered, minijinja::Error> {
    render_pair("webhook_disabled", ctx.subject.clone(), ctx)
}

/// WEBHOOK_SUBSCRIPTION_DISABLED: the notification's subject is the delivery.
pub(super) async fn render_disabled(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let d = domain::webhooks::deliveries::find(source.db, source.n.subject_id)
        .await?
        .ok_or("webhook delivery of a disabled-subscription email not found")?;
    let s = domain::webhooks::find(source.db, d.subscription_id)
        .await?
        .ok_or("subscription of a disabled-subscription email not found (deleted)")?;
    Ok(webhook_disabled(&disabled_context(
        &s,
        &d,
        Business::of(source.settings),
    ))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use entity::{WebhookDeliveryStatus, WebhookEventType};
    use uuid::Uuid;

    fn rows() -> (webhook_subscription::Model, webhook_delivery::Model) {
        let at = fixtures::utc("2027-03-24T01:00:00Z");
        let s = webhook_subscription::Model {
            id: Uuid::now_v7(),
            url: "https://crm.example.com/hooks?a=1&b=<2>".into(),
            event_types: r#"["order.placed"]"#.into(),
            secret: "whsec_x".into(),
            active: false,
            description: Some("CRM <sync> & co".into()),
            consecutive_failures: 5,
            disabled_at: Some(at),
            disabled_reason: Some("5 deliveries in a row failed".into()),
            created_by: "admin".into(),
            version: 3,
            created_at: at,
            updated_at: at,
        };
        let d = webhook_delivery::Model {
            id: Uuid::now_v7(),
            webhook_id: "msg_abc".into(),
            subscription_id: s.id,
            event_type: WebhookEventType::OrderPlaced,
            event_id: Uuid::now_v7(),
            body: "{}".into(),
            status: WebhookDeliveryStatus::Failed,
            attempts: 1,
            next_attempt_at: at,
            lease_until: None,
            last_http_status: Some(410),
            created_at: at,
            updated_at: at,
            completed_at: Some(at),
        };
        (s, d)
    }

    #[test]
    fn says_which_subscription_why_and_what_to_do_without_links() {
        let (s, d) = rows();
        let r = webhook_disabled(&disabled_context(&s, &d, fixtures::business())).unwrap();
        assert!(
            r.subject
                .starts_with("Webhook subscription disabled: https://crm.example.com")
        );
        assert!(
            r.text.contains("5 deliveries in a row failed"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("msg_abc (order.placed), answered HTTP 410"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Wednesday 24 March 2027"), "{}", r.text);
        assert!(r.text.contains("replayWebhookDelivery"), "{}", r.text);
        assert!(r.html.contains("CRM &lt;sync&gt; &amp; co"), "{}", r.html);
        assert!(!r.html.contains("href"), "no links: {}", r.html);
        assert!(!r.text.contains("\n\n\n"), "{}", r.text);
    }
}
