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

/// A delay was recorded: email the engagement's customer the revised
/// timeline, about the delay (nothing when the delay or the customer's
/// address is missing).
pub async fn delayed(deps: &Deps, delay_id: Uuid) -> Result<(), BoxDynError> {
    let Some(delay) = engagements::delays::find_delay(&deps.db, delay_id).await? else {
        tracing::warn!(%delay_id, "delay of an engagement-delayed event not found");
        return Ok(());
    };
    let Some(found) = engagements::find(&deps.db, delay.engagement_id).await? else {
        tracing::warn!(%delay_id, "engagement of a delay not found");
        return Ok(());
    };
    let Some(email) = engagements::customer_address(&deps.db, &found).await? else {
        tracing::info!(%delay_id, "the engagement's customer has no email address; not told of the delay");
        return Ok(());
    };
    let kind = NotificationKind::EngagementDelayed;
    email_each(deps, kind, delay_id, &[email]).await
}

/// An engagement was escalated: email every enabled ADMIN login, about the
/// escalation.
pub async fn escalated(deps: &Deps, escalation_id: Uuid) -> Result<(), BoxDynError> {
    if engagements::delays::find_escalation(&deps.db, escalation_id)
        .await?
        .is_none()
    {
        tracing::warn!(%escalation_id, "escalation of an engagement-escalated event not found");
        return Ok(());
    }
    let to = domain::users::emails_of_role(&deps.db, entity::Role::Admin).await?;
    if to.is_empty() {
        tracing::warn!(%escalation_id, "no ADMIN login to tell of an escalated engagement");
    }
    let kind = NotificationKind::EngagementEscalated;
    email_each(deps, kind, escalation_id, &to).await
}

/// A scope change was approved or rejected: email the engagement's
/// customer, once per scope change (nothing when the customer has no
/// address, or the change was not decided that way).
pub async fn scope_change_decided(deps: &Deps, scope_change_id: Uuid) -> Result<(), BoxDynError> {
    let Some(change) = engagements::scope::find(&deps.db, scope_change_id).await? else {
        tracing::warn!(%scope_change_id, "scope change of a scope-change-decided event not found");
        return Ok(());
    };
    if !matches!(
        change.status,
        entity::ScopeChangeStatus::Approved | entity::ScopeChangeStatus::Rejected
    ) {
        tracing::info!(%scope_change_id, status = ?change.status, "the scope change was not approved or rejected; nothing to tell");
        return Ok(());
    }
    let Some(found) = engagements::find(&deps.db, change.engagement_id).await? else {
        tracing::warn!(%scope_change_id, "engagement of a decided scope change not found");
        return Ok(());
    };
    let Some(email) = engagements::customer_address(&deps.db, &found).await? else {
        tracing::info!(%scope_change_id, "the engagement's customer has no email address; not told of the scope change");
        return Ok(());
    };
    let kind = NotificationKind::ScopeChangeDecided;
    email_each(deps, kind, change.id, &[email]).await
}

/// An engagement was formally closed: email its customer the NPS survey,
/// once (nothing when the customer has no address, or the engagement is
/// not closed, which never happens once it was).
pub async fn closed(deps: &Deps, engagement_id: Uuid) -> Result<(), BoxDynError> {
    let Some(found) = engagements::find(&deps.db, engagement_id).await? else {
        tracing::warn!(%engagement_id, "engagement of an engagement-closed event not found");
        return Ok(());
    };
    if found.engagement.status != entity::EngagementStatus::Closed {
        tracing::warn!(%engagement_id, status = ?found.engagement.status, "an engagement-closed event for an engagement not closed; no survey");
        return Ok(());
    }
    let Some(email) = engagements::customer_address(&deps.db, &found).await? else {
        tracing::info!(%engagement_id, "the engagement's customer has no email address; no NPS survey sent");
        return Ok(());
    };
    let kind = NotificationKind::EngagementNpsSurvey;
    email_each(deps, kind, engagement_id, &[email]).await
}
