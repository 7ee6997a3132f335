//! Send (or retry) one customer email.

use super::finish;
use crate::deps::Deps;
use crate::mailer::{Outgoing, SendError};
use crate::mailers::Rendered;
use crate::payloads::SendNotification;
use crate::{mailers, metrics};
use apalis::prelude::{BoxDynError, Data};
use domain::Ctx;
use domain::platform::deliverability;
use domain::platform::notifications::{self, AfterFailure, Claim, NotificationKind};
use domain::safety::recalls::{self, NoticeEvent};
use entity::notification;
use lettre::message::Mailbox;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

pub async fn handle(job: SendNotification, deps: Data<Arc<Deps>>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = deliver(&deps, job.notification_id).await;
    finish(started, &result);
    result
}

/// Claim, render, send and record one notification. Every failure after the
/// claim is recorded on the notification (retry scheduled or dead letter), so
/// the job itself succeeds; only database errors make the queue retry it, and
/// a claim nobody reports on is taken over until its attempts run out.
pub async fn deliver(deps: &Deps, notification_id: Uuid) -> Result<(), BoxDynError> {
    let now = chrono::Utc::now();
    // How long a sender holds it before another may take over.
    let lease = deps.config.recovery_after;
    let claim = match notifications::claim(&deps.db, notification_id, now, lease).await? {
        Claim::Claimed(claim) => claim,
        Claim::GaveUp => {
            metrics::dead_letter();
            tracing::error!(%notification_id, "senders kept dying on this email; it is a dead letter");
            return Ok(());
        }
        Claim::NotClaimable => {
            tracing::debug!(%notification_id, "not claimable (sent, dead, not due, or held)");
            return Ok(());
        }
    };
    if claim.taken_over {
        metrics::possible_duplicate_send();
        tracing::warn!(%notification_id, "took over an expired send claim; the email may repeat");
    }
    let n = claim.notification;
    // A commercial email whose consent was withdrawn (or whose address
    // started bouncing) since it was decided is never sent.
    let allowed = domain::consent::recheck(&deps.db, n.kind, n.subject_id, &n.recipient).await?;
    let composed = if allowed == entity::SendOutcome::Sent {
        Some(compose(deps, &n).await)
    } else {
        None
    };
    let outcome = match composed {
        None => Err(SendError::permanent(format!(
            "suppressed before sending: {allowed:?}"
        ))),
        Some(Ok(mail)) => {
            let dkim = deps.config.dkim.as_ref();
            deps.mailer.send(mail.outgoing(&n, dkim)).await
        }
        // Settings unreadable, a template bug: a deploy or a fix may cure it.
        Some(Err(e)) => Err(SendError::transient(format!("preparing the email: {e}"))),
    };
    let now = chrono::Utc::now();
    let Err(SendError {
        kind,
        message: error,
        bounced,
    }) = outcome
    else {
        if notifications::mark_sent(&deps.db, &n, now).await? {
            metrics::email_sent();
            tracing::info!(notification_id = %n.id, kind = %n.kind, "email sent");
            email_outcome(deps, &n, true).await?;
        } else {
            tracing::warn!(notification_id = %n.id, "sent, but the claim was taken over meanwhile");
        }
        return Ok(());
    };
    if bounced {
        // Before the failure is recorded: should this write fail, the claim
        // lapses and the attempt that takes it over (refused again) records
        // both. A refusal is about the address, so it counts even when the
        // claim was taken over meanwhile.
        deliverability::mark_bouncing(&deps.db, &n.recipient, &error, now).await?;
        tracing::warn!(notification_id = %n.id, %error, "the mail server refused the address; it is marked bouncing");
    }
    let base = deps.config.email_retry_base;
    match notifications::record_failure(&deps.db, &n, kind, &error, now, base).await? {
        Some(AfterFailure::RetryAt(at)) => {
            metrics::email_retry_scheduled();
            tracing::warn!(notification_id = %n.id, %error, retry_at = %at, "email failed; retry scheduled");
            let job = SendNotification {
                notification_id: n.id,
            };
            // If this push fails the sweep finds the row when it is due.
            if let Err(e) = deps.queues.push_send(job, Some(at)).await {
                tracing::warn!(notification_id = %n.id, error = %e, "could not queue the retry; the sweep will");
            }
        }
        Some(AfterFailure::Dead) => {
            metrics::dead_letter();
            tracing::error!(notification_id = %n.id, %error, "email is a dead letter");
            email_outcome(deps, &n, false).await?;
        }
        None => {
            tracing::warn!(notification_id = %n.id, %error, "failed, but the claim was taken over meanwhile")
        }
    }
    Ok(())
}

/// A notification reached its end (`sent`, or dead): a recall notice's
/// email moves its notice; other kinds move nothing.
async fn email_outcome(
    deps: &Deps,
    n: &notification::Model,
    sent: bool,
) -> Result<(), BoxDynError> {
    if n.kind != NotificationKind::RecallNotice {
        return Ok(());
    }
    let event = if sent {
        NoticeEvent::Sent
    } else {
        NoticeEvent::Undeliverable
    };
    let ctx = Ctx::system(deps.clock.clone());
    let moved = recalls::on_email_outcome(&deps.db, &ctx, n.subject_id, event).await?;
    deps.broker.publish_all(moved.touched).await;
    Ok(())
}

/// The rendered email and its sender, with the business's current settings.
struct Composed {
    from: Mailbox,
    rendered: Rendered,
}

impl Composed {
    fn outgoing<'a>(
        &'a self,
        n: &'a notification::Model,
        dkim: Option<&'a config::DkimSettings>,
    ) -> Outgoing<'a> {
        Outgoing {
            from: &self.from,
            to: &n.recipient,
            message_id: &n.message_id,
            subject: &self.rendered.subject,
            html: self.rendered.html.clone(),
            text: self.rendered.text.clone(),
            unsubscribe_url: self.rendered.unsubscribe_url.as_deref(),
            dkim,
        }
    }
}

async fn compose(deps: &Deps, n: &notification::Model) -> Result<Composed, BoxDynError> {
    let settings = domain::settings::current(&deps.db).await?;
    // Links are signed at send time on the app clock, as the api checks them.
    let links = mailers::Links {
        signer: domain::platform::links::LinkSigner::new(&deps.config.link_signing_key),
        public_base_url: &deps.config.public_base_url,
        now: deps.clock.now(),
    };
    let rendered = mailers::render(&deps.db, &settings, &links, n).await?;
    // The sender is a business setting (ADMIN may change it); MAIL_FROM only
    // seeds it and stands in if the stored one does not parse.
    let from: Mailbox = settings
        .mail_from
        .parse()
        .unwrap_or_else(|_| deps.from.clone());
    Ok(Composed { from, rendered })
}

/// Email each address `kind` about `subject_id`, once each however often
/// it is asked (a repeated job plans nothing new), and send them now.
pub async fn email_each(
    deps: &Deps,
    kind: notifications::NotificationKind,
    subject_id: Uuid,
    recipients: &[String],
) -> Result<(), BoxDynError> {
    let now = chrono::Utc::now();
    for recipient in recipients {
        let n = notifications::ensure(
            &deps.db,
            kind,
            subject_id,
            recipient,
            now,
            &deps.mail_domain,
        )
        .await?;
        deliver(deps, n.id).await?;
    }
    Ok(())
}

/// Email an order's contact (`kind` about the order), once per kind, and
/// send it now. Nothing for an order without an address.
pub async fn email_order_contact(
    deps: &Deps,
    kind: notifications::NotificationKind,
    order_id: Uuid,
) -> Result<(), BoxDynError> {
    let Some(order) = domain::orders::find(&deps.db, order_id).await? else {
        return Ok(());
    };
    let Some(email) = order.order.contact_email.as_deref() else {
        return Ok(());
    };
    email_each(deps, kind, order_id, &[email.to_owned()]).await
}

/// Email an invoice to its buyer, once, and send it now. Nothing when the
/// buyer gave no address.
pub async fn email_invoice(deps: &Deps, invoice_id: Uuid) -> Result<(), BoxDynError> {
    let Some(invoice) = domain::invoices::find(&deps.db, invoice_id).await? else {
        return Ok(());
    };
    let Some(email) = invoice.invoice.buyer_email.as_deref() else {
        return Ok(());
    };
    let kind = notifications::NotificationKind::InvoiceIssued;
    email_each(deps, kind, invoice_id, &[email.to_owned()]).await
}

/// Email the customer of a package about it (`kind`), once per package and
/// kind however often the event repeats, and send it now. Nothing when the
/// order has no email address.
pub async fn email_shipment(
    deps: &Deps,
    kind: notifications::NotificationKind,
    shipment_id: Uuid,
) -> Result<(), BoxDynError> {
    let Some(package) = domain::fulfilment::find(&deps.db, shipment_id).await? else {
        return Ok(());
    };
    let Some(order) = domain::orders::find(&deps.db, package.shipment.order_id).await? else {
        return Ok(());
    };
    let Some(email) = order.order.contact_email.as_deref() else {
        return Ok(());
    };
    email_each(deps, kind, shipment_id, &[email.to_owned()]).await
}

/// Email a purchase order's supplier `kind` about it (the approved order,
/// or its cancellation), once, and send it now. Nothing when the supplier
/// has no address (staff tell it another way).
pub async fn email_supplier(
    deps: &Deps,
    kind: notifications::NotificationKind,
    purchase_order_id: Uuid,
) -> Result<(), BoxDynError> {
    let Some(po) = domain::purchasing::find(&deps.db, purchase_order_id).await? else {
        return Ok(());
    };
    let supplier = domain::purchasing::supplier(&deps.db, po.order.supplier_id).await?;
    let Some(email) = supplier.and_then(|s| s.email) else {
        tracing::warn!(%purchase_order_id, ?kind, "supplier has no email address; not emailed");
        return Ok(());
    };
    email_each(deps, kind, purchase_order_id, &[email]).await
}
