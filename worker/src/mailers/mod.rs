//! Mailers: one module per kind (or family) of email (what it reads, its subject and its
//! templates), rendered with minijinja. HTML templates escape what they insert.

mod approvals;
mod claims;
mod closeout;
mod engagement_delays;
mod engagement_nps;
mod engagement_scope;
mod engagements;
#[cfg(test)]
mod fixtures;
mod follow_up;
mod invoice;
mod order_confirmation;
mod order_late;
mod purchasing;
mod receipt;
mod returns;
mod safety_injuries;
mod safety_recalls;
mod shipment;
mod support;
mod support_alarms;
mod webhooks;
mod welcome;

use apalis::prelude::BoxDynError;
use domain::platform::links::{LinkPurpose, LinkSigner};
use entity::{
    ConsentPurpose, ConsentStatus, NotificationKind, business_settings, consent, notification,
};
use minijinja::Environment;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::sync::OnceLock;

/// A rendered email body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
    /// A commercial email's signed unsubscribe link (it also goes into the
    /// `List-Unsubscribe` headers); `None` for transactional email.
    pub unsubscribe_url: Option<String>,
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let all = welcome::TEMPLATES
            .into_iter()
            .chain(approvals::TEMPLATES)
            .chain(order_confirmation::TEMPLATES)
            .chain(order_late::TEMPLATES)
            .chain(invoice::TEMPLATES)
            .chain(receipt::TEMPLATES)
            .chain(shipment::TEMPLATES)
            .chain(follow_up::TEMPLATES)
            .chain(purchasing::TEMPLATES)
            .chain(closeout::TEMPLATES)
            .chain(engagements::TEMPLATES)
            .chain(engagement_nps::TEMPLATES)
            .chain(engagement_scope::TEMPLATES)
            .chain(engagement_delays::TEMPLATES)
            .chain(support::TEMPLATES)
            .chain(support_alarms::TEMPLATES)
            .chain(safety_injuries::TEMPLATES)
            .chain(safety_recalls::TEMPLATES)
            .chain(claims::TEMPLATES)
            .chain(returns::TEMPLATES)
            .chain(webhooks::TEMPLATES);
        for (name, source) in all {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} parses: {e}"));
        }
        env
    })
}

/// Render `<base>.html` and `<base>.txt` with one context.
fn render_pair(
    base: &str,
    subject: String,
    ctx: impl Serialize,
) -> Result<Rendered, minijinja::Error> {
    let env = environment();
    let ctx = minijinja::Value::from_serialize(&ctx);
    Ok(Rendered {
        subject,
        html: env.get_template(&format!("{base}.html"))?.render(&ctx)?,
        text: env.get_template(&format!("{base}.txt"))?.render(&ctx)?,
        unsubscribe_url: None,
    })
}

/// Makes the signed links emails carry (to the public site).
pub struct Links<'a> {
    pub signer: LinkSigner,
    pub public_base_url: &'a str,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Links<'_> {
    pub fn url(&self, purpose: LinkPurpose, subject: uuid::Uuid) -> String {
        self.signer
            .url(self.public_base_url, purpose, subject, self.now)
    }
}

/// What a consent purpose covers, in words: what a commercial email says the
/// customer agreed to receive.
pub(super) fn purpose_words(purpose: ConsentPurpose) -> &'static str {
    match purpose {
        ConsentPurpose::Offers => "offers and discounts",
        ConsentPurpose::ReviewRequests => "requests to review your purchases",
        ConsentPurpose::Renewals => "renewal and extension offers for what you bought",
    }
}

/// The consent a commercial email of `purpose` goes out under, if it may:
/// it must exist, be to that purpose and stand (a withdrawal is honoured at
/// once, even for an email already planned). An error means the email must
/// not be rendered, so is never sent.
pub(super) fn standing(
    purpose: ConsentPurpose,
    consent: Option<&consent::Model>,
) -> Result<&consent::Model, &'static str> {
    match consent {
        None => Err("no consent recorded for this commercial email; it must not be sent"),
        Some(c) if c.purpose != purpose => Err(
            "the consent recorded is to another purpose; this commercial email must not be sent",
        ),
        Some(c) if c.status == ConsentStatus::Withdrawn => {
            Err("the customer withdrew consent for this commercial email; it must not be sent")
        }
        Some(c) => Ok(c),
    }
}

/// The email a notification stands for, with the business's current settings.
pub async fn render(
    db: &DatabaseConnection,
    settings: &business_settings::Model,
    links: &Links<'_>,
    n: &notification::Model,
) -> Result<Rendered, BoxDynError> {
    match n.kind {
        NotificationKind::Welcome => welcome::render(db, settings, n).await,
        NotificationKind::ApprovalReminder | NotificationKind::ApprovalEscalated => {
            approvals::render(db, settings, n).await
        }
        NotificationKind::OrderConfirmation => order_confirmation::render(db, settings, n).await,
        NotificationKind::OrderAtRisk | NotificationKind::OrderLate => {
            order_late::render(db, settings, n).await
        }
        NotificationKind::InvoiceIssued => invoice::render(db, settings, links, n).await,
        NotificationKind::PaymentReceipt => receipt::render(db, settings, links, n).await,
        NotificationKind::ShipmentShipped
        | NotificationKind::ShipmentOutForDelivery
        | NotificationKind::ShipmentAttemptFailed
        | NotificationKind::ShipmentException
        | NotificationKind::ShipmentDelayed
        | NotificationKind::ShipmentDelivered => shipment::render(db, settings, links, n).await,
        NotificationKind::DeliveryFeedback
        | NotificationKind::NextPurchaseOffer
        | NotificationKind::ReviewRequest => follow_up::render(db, settings, links, n).await,
        NotificationKind::PurchaseOrder => purchasing::render_purchase_order(db, settings, n).await,
        NotificationKind::BackorderArrived => {
            purchasing::render_backorder_arrived(db, settings, n).await
        }
        NotificationKind::WarrantyRenewal => {
            closeout::render_warranty_renewal(db, settings, links, n).await
        }
        NotificationKind::WarrantyEnding => closeout::render_warranty_ending(db, settings, n).await,
        NotificationKind::ServiceOnSite => closeout::render_service_on_site(db, settings, n).await,
        NotificationKind::EngagementStageStarted => {
            engagements::render_stage_started(db, settings, n).await
        }
        NotificationKind::EngagementStageOverdue => {
            engagements::render_stage_overdue(db, settings, n).await
        }
        NotificationKind::DeliverableAwaitingAcceptance => {
            engagements::render_awaiting_acceptance(db, settings, n).await
        }
        NotificationKind::ScopeChangeDecided => {
            engagement_scope::render_scope_change_decided(db, settings, links, n).await
        }
        NotificationKind::EngagementDelayed => {
            engagement_delays::render_delayed(db, settings, links, n).await
        }
        NotificationKind::EngagementEscalated => {
            engagement_delays::render_escalated(db, settings, links, n).await
        }
        NotificationKind::EngagementNpsSurvey => {
            engagement_nps::render_nps_survey(db, settings, links, n).await
        }
        NotificationKind::TicketOpened => {
            support::render_ticket_opened(db, settings, links, n).await
        }
        NotificationKind::TicketReply => support::render_ticket_reply(db, settings, links, n).await,
        NotificationKind::TicketResolved => {
            support::render_ticket_resolved(db, settings, links, n).await
        }
        NotificationKind::TicketSlaWarning | NotificationKind::TicketSlaBreached => {
            support_alarms::render_sla_alarm(db, settings, links, n).await
        }
        NotificationKind::RecallNotice => {
            safety_recalls::render_recall_notice(db, settings, links, n).await
        }
        NotificationKind::RecallAcccReminder | NotificationKind::RecallAcccOverdue => {
            safety_recalls::render_recall_deadline(db, settings, links, n).await
        }
        NotificationKind::InjuryReportReminder | NotificationKind::InjuryReportOverdue => {
            safety_injuries::render_injury_deadline(db, settings, links, n).await
        }
        NotificationKind::ClaimUpdate => claims::render_claim_update(db, settings, links, n).await,
        NotificationKind::ReturnUpdate => {
            returns::render_return_update(db, settings, links, n).await
        }
        NotificationKind::WebhookSubscriptionDisabled => {
            webhooks::render_disabled(db, settings, n).await
        }
    }
}

pub use approvals::{
    ApprovalContext, escalated as approval_escalated, reminder as approval_reminder,
};
pub use follow_up::{
    FollowUp, FollowUpContext, OFFER, compose as follow_up_email, context as follow_up_context,
    offer_code,
};
pub use invoice::{InvoiceContext, issued as invoice_issued};
pub use shipment::{
    News as ShipmentNews, ShipmentContext, context as shipment_context, notice as shipment_notice,
};
pub use welcome::{WelcomeContext, welcome};
