//! Mailers: one module per kind (or family) of email (what it reads, its subject and its
//! templates), rendered with minijinja. HTML templates escape what they insert.

/// A mailer's `TEMPLATES`: each base name's `<base>.html` and `<base>.txt`
/// from `worker/templates`, named as `render_pair` looks them up.
macro_rules! email_templates {
    ($($base:literal),+ $(,)?) => {
        [$(
            (
                concat!($base, ".html"),
                include_str!(concat!("../../templates/", $base, ".html")),
            ),
            (
                concat!($base, ".txt"),
                include_str!(concat!("../../templates/", $base, ".txt")),
            ),
        )+]
    };
}

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

/// The HTML frame (head, body style) the emails' HTML templates extend.
const EMAIL_LAYOUT: (&str, &str) = (
    "email_layout.html",
    include_str!("../../templates/email_layout.html"),
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let all = [EMAIL_LAYOUT]
            .into_iter()
            .chain(welcome::TEMPLATES)
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

/// An ABN as emails print it (`51 824 753 556`); `None` when there is none
/// or it does not parse.
fn formatted_abn(abn: Option<&str>) -> Option<String> {
    abn.and_then(|a| domain::rules::abn::Abn::parse(a).ok())
        .map(|a| a.to_string())
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

/// What every mailer renders from: the notification, the database holding
/// what it is about, the business's settings and the link signer.
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    pub db: &'a DatabaseConnection,
    pub settings: &'a business_settings::Model,
    pub links: &'a Links<'a>,
    pub n: &'a notification::Model,
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
    let source = &Source {
        db,
        settings,
        links,
        n,
    };
    match n.kind {
        NotificationKind::Welcome => welcome::render(source).await,
        NotificationKind::ApprovalReminder | NotificationKind::ApprovalEscalated => {
            approvals::render(source).await
        }
        NotificationKind::OrderConfirmation => order_confirmation::render(source).await,
        NotificationKind::OrderAtRisk | NotificationKind::OrderLate => {
            order_late::render(source).await
        }
        NotificationKind::InvoiceIssued => invoice::render(source).await,
        NotificationKind::PaymentReceipt => receipt::render(source).await,
        NotificationKind::ShipmentShipped
        | NotificationKind::ShipmentOutForDelivery
        | NotificationKind::ShipmentAttemptFailed
        | NotificationKind::ShipmentException
        | NotificationKind::ShipmentDelayed
        | NotificationKind::ShipmentDelivered => shipment::render(source).await,
        NotificationKind::DeliveryFeedback
        | NotificationKind::NextPurchaseOffer
        | NotificationKind::ReviewRequest => follow_up::render(source).await,
        NotificationKind::PurchaseOrder => purchasing::render_purchase_order(source).await,
        NotificationKind::PurchaseOrderCancelled => {
            purchasing::render_purchase_order_cancelled(source).await
        }
        NotificationKind::BackorderArrived => purchasing::render_backorder_arrived(source).await,
        NotificationKind::WarrantyRenewal => closeout::render_warranty_renewal(source).await,
        NotificationKind::WarrantyEnding => closeout::render_warranty_ending(source).await,
        NotificationKind::ServiceOnSite => closeout::render_service_on_site(source).await,
        NotificationKind::EngagementStageStarted => engagements::render_stage_started(source).await,
        NotificationKind::EngagementStageOverdue => engagements::render_stage_overdue(source).await,
        NotificationKind::DeliverableAwaitingAcceptance => {
            engagements::render_awaiting_acceptance(source).await
        }
        NotificationKind::ScopeChangeDecided => {
            engagement_scope::render_scope_change_decided(source).await
        }
        NotificationKind::EngagementDelayed => engagement_delays::render_delayed(source).await,
        NotificationKind::EngagementEscalated => engagement_delays::render_escalated(source).await,
        NotificationKind::EngagementNpsSurvey => engagement_nps::render_nps_survey(source).await,
        NotificationKind::TicketOpened => support::render_ticket_opened(source).await,
        NotificationKind::TicketReply => support::render_ticket_reply(source).await,
        NotificationKind::TicketResolved => support::render_ticket_resolved(source).await,
        NotificationKind::TicketSlaWarning | NotificationKind::TicketSlaBreached => {
            support_alarms::render_sla_alarm(source).await
        }
        NotificationKind::RecallNotice => safety_recalls::render_recall_notice(source).await,
        NotificationKind::RecallAcccReminder | NotificationKind::RecallAcccOverdue => {
            safety_recalls::render_recall_deadline(source).await
        }
        NotificationKind::InjuryReportReminder | NotificationKind::InjuryReportOverdue => {
            safety_injuries::render_injury_deadline(source).await
        }
        NotificationKind::ClaimUpdate => claims::render_claim_update(source).await,
        NotificationKind::ReturnUpdate => returns::render_return_update(source).await,
        NotificationKind::WebhookSubscriptionDisabled => webhooks::render_disabled(source).await,
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
