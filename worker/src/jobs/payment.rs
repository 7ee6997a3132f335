//! Payment work after commit: charging an approved card payment at the
//! provider, paying an approved refund back, and emailing the receipt of a
//! successful payment.

use super::send_notification::deliver;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::Ctx;
use domain::payments::{self, CaptureRun};
use domain::platform::notifications::{self, NotificationKind};
use uuid::Uuid;

/// Charge a payment once. A provider that did not answer is an error: the
/// outbox retries after its backoff, and the next run asks the provider
/// what happened before charging.
pub async fn capture(deps: &Deps, payment_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let run = payments::run_capture(&deps.db, &ctx, deps.payments.as_ref(), payment_id).await?;
    tracing::info!(%payment_id, ?run, "capture run");
    if run != CaptureRun::Nothing
        && let Some(payment) = payments::find(&deps.db, payment_id).await?
    {
        deps.broker.publish(payment.id).await;
        deps.broker.publish(payment.order_id).await;
    }
    Ok(())
}

/// Pay an approved refund back once (its adjustment note comes with the
/// provider's confirmation). A provider that did not answer is retried.
pub async fn refund(deps: &Deps, refund_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let ran = payments::refunds::run(&deps.db, &ctx, deps.payments.as_ref(), refund_id).await?;
    tracing::info!(%refund_id, ?ran, "refund run");
    if ran.is_some() {
        deps.broker.publish(refund_id).await;
    }
    Ok(())
}

/// Email the receipt of a successful payment to the order's contact, once.
pub async fn email_receipt(deps: &Deps, payment_id: Uuid) -> Result<(), BoxDynError> {
    let Some(payment) = payments::find(&deps.db, payment_id).await? else {
        return Ok(());
    };
    let Some(order) = domain::orders::find(&deps.db, payment.order_id).await? else {
        return Ok(());
    };
    let Some(email) = order.order.contact_email.as_deref() else {
        return Ok(());
    };
    let now = chrono::Utc::now();
    let kind = NotificationKind::PaymentReceipt;
    let n =
        notifications::ensure(&deps.db, kind, payment_id, email, now, &deps.mail_domain).await?;
    deliver(deps, n.id).await
}
