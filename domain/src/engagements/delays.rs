//! Delays and escalation (DESIGN "Engagements"; the seed's "What happens if
//! deliverables are delayed?"). A delay is recorded with a revised timeline
//! (the plan's new end, later than its current one), why, and how it is
//! mitigated: the plan ends then, its open milestones move by the business
//! days it slipped, and the customer is emailed the new dates; a delay of
//! the business's significant-delay threshold or more escalates to ADMIN at
//! once. An overdue stage escalates to ADMIN when it is still overdue after
//! the business's grace period (the STAGE_ESCALATE timer `on_stage_due`
//! plans), once per stage and round.

use super::register::{Recorded, finish_with};
use super::{SUBJECT_TYPE as ENGAGEMENT, StageNotice, lock_editable, plan};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Permission, Write};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::NaiveDate;
use entity::{
    EngagementStatus, EscalationCause, engagement, engagement_delay, engagement_escalation,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

crate::children! {
    engagement_delay: EngagementId / engagement_id by Id;
    engagement_escalation: EngagementId / engagement_id by Id;
}

/// Most delays one engagement records.
pub const MAX_DELAYS: u64 = 100;
/// Most escalations an engagement shows (the latest).
pub const MAX_ESCALATIONS_SHOWN: usize = 200;

// ---- Pure rules --------------------------------------------------------

/// What a revised end date means for a plan ending `current_end`: the
/// business days it slipped, and whether that is significant (at or over
/// `significant_days`). `None` unless it is later than `current_end`.
pub fn slip(
    cal: &BusinessCalendar,
    current_end: NaiveDate,
    revised_end: NaiveDate,
    significant_days: i32,
) -> Option<(u32, bool)> {
    if revised_end <= current_end {
        return None;
    }
    let days = cal.business_days_between(current_end, revised_end);
    let threshold = u32::try_from(significant_days.max(1)).unwrap_or(1);
    Some((days, days >= threshold))
}

/// May a STAGE_ESCALATE timer for `notice` escalate `e` now? Only while it
/// runs, in that stage and round, still overdue, and not yet escalated for
/// it (`already`).
pub fn escalates(e: &engagement::Model, notice: StageNotice, already: bool) -> bool {
    e.status == EngagementStatus::Active
        && (e.stage_index, e.round) == (notice.stage_index, notice.round)
        && e.stage_overdue
        && !already
}

// ---- Reading -----------------------------------------------------------

/// The delays of many engagements (by engagement id), oldest first: one query.
pub async fn delays_of<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<engagement_delay::Model>>, DbErr> {
    children_of::<engagement_delay::Entity, _>(conn, engagement_ids).await
}

/// The escalations of many engagements (by engagement id), oldest first,
/// the latest [`MAX_ESCALATIONS_SHOWN`] of each: one query.
pub async fn escalations_of<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<engagement_escalation::Model>>, DbErr> {
    let mut out = children_of::<engagement_escalation::Entity, _>(conn, engagement_ids).await?;
    for list in out.values_mut() {
        let extra = list.len().saturating_sub(MAX_ESCALATIONS_SHOWN);
        list.drain(..extra);
    }
    Ok(out)
}

crate::find_by_id! {
    /// A delay by id (for its email).
    pub fn find_delay -> engagement_delay
}

/// An escalation by id (for its email).
pub async fn find_escalation<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<engagement_escalation::Model>, DbErr> {
    engagement_escalation::Entity::find_by_id(id)
        .one(conn)
        .await
}

// ---- Writing -----------------------------------------------------------

/// The payload of an `engagement.delayed` or `engagement.escalated` outbox
/// row (its subject is the delay or escalation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementRef {
    pub engagement_id: Uuid,
}

/// A delay as the project manager records it.
#[derive(Debug, Clone)]
pub struct NewDelay {
    pub engagement_id: Uuid,
    /// The revised timeline's end (required, later than the plan's end).
    pub revised_end_date: Option<NaiveDate>,
    pub reason: String,
    pub mitigation: String,
}

/// Record a delay (PROJECT_MANAGER, ADMIN: it changes what the customer was
/// promised): the plan now ends on the revised date, its open milestones
/// move by the business days it slipped, the customer is emailed the new
/// dates, and a significant delay escalates to ADMIN at once.
pub async fn record_delay(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewDelay,
) -> Result<Committed<Recorded<engagement_delay::Model>>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let (found, template) = lock_editable(&w, input.engagement_id).await?;
    let e = found.engagement;
    let settings = crate::settings::current(w.conn()).await?;
    let current_end = plan::end(calendar, &e, &template.definition);
    let today = calendar.local_date(w.now());
    let mut fields = Fields::new();
    super::ensure_room::<engagement_delay::Entity>(
        &w,
        &mut fields,
        e.id,
        MAX_DELAYS,
        format!("an engagement records at most {MAX_DELAYS} delays"),
    )
    .await?;
    let slipped = match input.revised_end_date {
        None => {
            fields.refuse(
                "revisedEndDate",
                ErrorCode::Required,
                "a delay needs the revised timeline's end date",
            );
            None
        }
        Some(day) => {
            let slipped = slip(calendar, current_end, day, settings.significant_delay_days)
                .filter(|_| day >= today);
            if slipped.is_none() {
                fields.refuse(
                    "revisedEndDate",
                    ErrorCode::OutOfRange,
                    format!(
                        "the revised end must be later than the plan's end ({current_end}) and not in the past"
                    ),
                );
            }
            slipped.map(|s| (day, s))
        }
    };
    let reason = fields.text("reason", &input.reason, 2000);
    let mitigation = fields.text("mitigation", &input.mitigation, 4000);
    let ((revised, (days, significant)), reason, mitigation) =
        fields.finish(|| Some((slipped?, reason?, mitigation?)))?;
    let stage_key = template
        .definition
        .stage(e.stage_index as usize)
        .map(|s| s.key.clone())
        .ok_or_else(|| DomainError::internal("an engagement's stage is past its template"))?;
    let now = w.now();
    let delay = w
        .insert(engagement_delay::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(e.id),
            stage_key: Set(stage_key.clone()),
            reason: Set(reason),
            mitigation: Set(mitigation),
            end_before: Set(current_end),
            end_after: Set(revised),
            delay_days: Set(i32::try_from(days).unwrap_or(i32::MAX)),
            significant: Set(significant),
            recorded_by: Set(w.ctx().actor.id.clone()),
            recorded_at: Set(now),
        })
        .await?;
    let after = w
        .change::<engagement::Entity>(e.id, e.version, |m| {
            m.revised_end_date = Set(Some(revised));
        })
        .await?;
    let moved = plan::move_open_milestones(&mut w, calendar, e.id, days).await?;
    w.audit(
        ENGAGEMENT,
        e.id,
        "engagement.delay_recorded",
        Some(&serde_json::json!({ "engagement": e })),
        Some(&serde_json::json!({ "delay": delay, "engagement": after, "movedMilestones": moved })),
    )
    .await?;
    let reference = EngagementRef {
        engagement_id: e.id,
    };
    w.emit(topic::ENGAGEMENT_DELAYED, delay.id, &reference)
        .await?;
    if significant {
        escalate(
            &mut w,
            &after,
            EscalationCause::SignificantDelay,
            stage_key,
            Some(delay.id),
        )
        .await?;
    }
    finish_with(w, &after, delay).await
}

/// Record an escalation of `e` and tell ADMIN (its outbox row).
async fn escalate(
    w: &mut Write<'_>,
    e: &engagement::Model,
    cause: EscalationCause,
    stage_key: String,
    delay_id: Option<Uuid>,
) -> Result<engagement_escalation::Model, DomainError> {
    let row = w
        .insert(engagement_escalation::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(e.id),
            cause: Set(cause),
            stage_key: Set(stage_key),
            round: Set(e.round),
            delay_id: Set(delay_id),
            escalated_at: Set(w.now()),
        })
        .await?;
    w.audit(ENGAGEMENT, e.id, "engagement.escalated", None, Some(&row))
        .await?;
    let reference = EngagementRef {
        engagement_id: e.id,
    };
    w.emit(topic::ENGAGEMENT_ESCALATED, row.id, &reference)
        .await?;
    Ok(row)
}

/// The grace after a stage went overdue ended (the worker, at its
/// STAGE_ESCALATE timer): escalate to ADMIN once, if the engagement still
/// runs in that stage and round and the stage is still overdue. Whether it
/// escalated now.
pub async fn on_escalation_due(
    db: &DatabaseConnection,
    ctx: &Ctx,
    engagement_id: Uuid,
    notice: StageNotice,
) -> Result<Committed<bool>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let Some(e) = find_for_update::<engagement::Entity, _>(w.conn(), engagement_id).await? else {
        return w.commit(false).await;
    };
    let Some(template) = super::template(w.conn(), e.template_id).await? else {
        return w.commit(false).await;
    };
    let Some(stage) = usize::try_from(notice.stage_index)
        .ok()
        .and_then(|i| template.definition.stage(i))
    else {
        return w.commit(false).await;
    };
    let already = engagement_escalation::Entity::find()
        .filter(engagement_escalation::Column::EngagementId.eq(engagement_id))
        .filter(engagement_escalation::Column::Cause.eq(EscalationCause::OverdueStage))
        .filter(engagement_escalation::Column::StageKey.eq(stage.key.clone()))
        .filter(engagement_escalation::Column::Round.eq(notice.round))
        .count(w.conn())
        .await?
        > 0;
    if !escalates(&e, notice, already) {
        return w.commit(false).await;
    }
    let key = stage.key.clone();
    escalate(&mut w, &e, EscalationCause::OverdueStage, key, None).await?;
    // Its followers hear of it: the version moves on.
    w.change::<engagement::Entity>(e.id, e.version, |_| {})
        .await?;
    w.commit(true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::fixtures::{day, weekends_only as cal};

    #[test]
    fn a_delay_slips_the_plan_by_business_days_and_is_significant_at_the_threshold() {
        // Friday 22 January 2027 → Friday 29 January: 5 business days.
        let end = day("2027-01-22");
        assert_eq!(slip(&cal(), end, day("2027-01-29"), 5), Some((5, true)));
        assert_eq!(slip(&cal(), end, day("2027-01-28"), 5), Some((4, false)));
        // Over a weekend only: later, but no business day lost.
        assert_eq!(slip(&cal(), end, day("2027-01-24"), 5), Some((0, false)));
        // Not later than the plan's end: no delay.
        assert_eq!(slip(&cal(), end, end, 5), None);
        assert_eq!(slip(&cal(), end, day("2027-01-21"), 5), None);
        // A holiday is not a business day.
        let with_holiday = cal().with_holidays([day("2027-01-26")]);
        assert_eq!(
            slip(&with_holiday, end, day("2027-01-29"), 5),
            Some((4, false))
        );
    }

    fn running(stage_index: i32, round: i32, overdue: bool) -> engagement::Model {
        let at = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        engagement::Model {
            name: "Website".into(),
            planned_start: day("2026-11-23"),
            stage_overdue: overdue,
            ..super::super::Engagement::example(stage_index, round, at).engagement
        }
    }

    #[test]
    fn an_overdue_stage_escalates_once_only_while_it_is_still_overdue_there() {
        let notice = StageNotice {
            stage_index: 2,
            round: 1,
        };
        assert!(escalates(&running(2, 1, true), notice, false));
        assert!(!escalates(&running(2, 1, true), notice, true), "once");
        assert!(
            !escalates(&running(2, 1, false), notice, false),
            "caught up"
        );
        assert!(!escalates(&running(3, 1, true), notice, false), "moved on");
        assert!(!escalates(&running(2, 2, true), notice, false), "new round");
        for status in [
            EngagementStatus::OnHold,
            EngagementStatus::Closed,
            EngagementStatus::Cancelled,
        ] {
            let e = engagement::Model {
                status,
                ..running(2, 1, true)
            };
            assert!(!escalates(&e, notice, false), "{status:?}");
        }
    }
}
