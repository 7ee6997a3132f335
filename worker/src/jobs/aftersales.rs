//! Claims' and returns' steps: each `claim.step` / `return.step` event
//! emails the customer about that step, once (the step is the email's
//! subject); a customer without an address is not told. A minor failure's
//! reasonable time running out hands the remedy choice to the customer.

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::aftersales;
use domain::platform::notifications::NotificationKind;
use uuid::Uuid;

/// `claim.step` / `return.step`: tell the customer.
pub async fn step(deps: &Deps, step_id: Uuid) -> Result<(), BoxDynError> {
    let Some(step) = aftersales::find_step(&deps.db, step_id).await? else {
        tracing::warn!(%step_id, "claim or return step not found; nobody told");
        return Ok(());
    };
    let Some(email) = aftersales::step_recipient(&deps.db, &step).await? else {
        tracing::info!(%step_id, subject_id = %step.subject_id, "the customer has no email address; not told");
        return Ok(());
    };
    let kind = if step.subject_type == aftersales::claims::SUBJECT_TYPE {
        NotificationKind::ClaimUpdate
    } else {
        NotificationKind::ReturnUpdate
    };
    email_each(deps, kind, step_id, &[email]).await
}

/// A claim's `claim.remedy_due` timer fired.
pub async fn remedy_due(deps: &Deps, claim_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = domain::Ctx::system(deps.clock.clone());
    let changed = aftersales::claims::on_remedy_due(&deps.db, &ctx, claim_id).await?;
    if changed {
        tracing::info!(%claim_id, "a minor failure's reasonable time passed: the customer may reject");
        deps.broker.publish(claim_id).await;
    }
    Ok(())
}
