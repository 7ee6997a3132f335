//! An engagement's emails (DESIGN "Engagements"): the customer told when a
//! stage starts, the stage's owners when it is overdue, each about the stage
//! entry (the stage in its round, see `domain::engagements::StageEntry`), so
//! each recipient gets it once per stage and round however often the event
//! is handled; and the customer asked to accept a deliverable, about the
//! acceptance round's approval, so once per round (a new round after a
//! rejection is emailed again).

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::engagements::{self, StageNotice};
use domain::platform::notifications::NotificationKind;
use serde::Deserialize;
use uuid::Uuid;

/// A stage started: email the engagement's customer (nothing when the
/// customer has no address).
pub async fn stage_started(
    deps: &Deps,
    engagement_id: Uuid,
    notice: StageNotice,
) -> Result<(), BoxDynError> {
    let Some(found) = engagements::find(&deps.db, engagement_id).await? else {
        tracing::warn!(%engagement_id, "engagement of a stage-started event not found");
        return Ok(());
    };
    let Some(email) = engagements::customer_address(&deps.db, &found).await? else {
        tracing::info!(%engagement_id, "the engagement's customer has no email address; not told the stage started");
        return Ok(());
    };
    let Some(entry) = engagements::stage_entry(&deps.db, engagement_id, notice).await? else {
        tracing::warn!(%engagement_id, ?notice, "the stage of a stage-started event was never entered");
        return Ok(());
    };
    let kind = NotificationKind::EngagementStageStarted;
    email_each(deps, kind, entry.id, &[email]).await
}

/// A stage passed its due time: email each of its owners, while the
/// engagement is still in that stage and round (one it has left since needs
/// no chasing).
pub async fn stage_overdue(
    deps: &Deps,
    engagement_id: Uuid,
    notice: StageNotice,
) -> Result<(), BoxDynError> {
    let Some(found) = engagements::find(&deps.db, engagement_id).await? else {
        tracing::warn!(%engagement_id, "engagement of a stage-overdue event not found");
        return Ok(());
    };
    let e = &found.engagement;
    if (e.stage_index, e.round) != (notice.stage_index, notice.round) {
        tracing::info!(%engagement_id, ?notice, "the overdue stage was left since; nobody to chase");
        return Ok(());
    }
    let Some(entry) = engagements::stage_entry(&deps.db, engagement_id, notice).await? else {
        tracing::warn!(%engagement_id, ?notice, "the stage of a stage-overdue event was never entered");
        return Ok(());
    };
    let to = engagements::stage_owners(&deps.db, engagement_id).await?;
    if to.is_empty() {
        tracing::warn!(%engagement_id, "nobody owns the overdue stage to tell");
    }
    let kind = NotificationKind::EngagementStageOverdue;
    email_each(deps, kind, entry.id, &to).await
}

/// The payload of a `deliverable.awaiting_acceptance` outbox row: the
/// acceptance round's DELIVERABLE_ACCEPTANCE approval.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptanceNotice {
    pub approval_id: Uuid,
}

/// A deliverable awaits the customer's acceptance: email the engagement's
/// customer, about the round's approval (nothing when the customer has no
/// address, or the round is already over: answered, expired or cancelled).
pub async fn awaiting_acceptance(
    deps: &Deps,
    deliverable_id: Uuid,
    notice: AcceptanceNotice,
) -> Result<(), BoxDynError> {
    let approval_id = notice.approval_id;
    let Some(row) =
        engagements::deliverables::awaiting_round(&deps.db, deliverable_id, approval_id).await?
    else {
        tracing::info!(%deliverable_id, %approval_id, "no acceptance round awaits the customer; not asked");
        return Ok(());
    };
    let Some(found) = engagements::find(&deps.db, row.engagement_id).await? else {
        tracing::warn!(%deliverable_id, "engagement of a deliverable awaiting acceptance not found");
        return Ok(());
    };
    let Some(email) = engagements::customer_address(&deps.db, &found).await? else {
        tracing::info!(%deliverable_id, "the engagement's customer has no email address; not asked by email to accept");
        return Ok(());
    };
    let kind = NotificationKind::DeliverableAwaitingAcceptance;
    email_each(deps, kind, approval_id, &[email]).await
}
