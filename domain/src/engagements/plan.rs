//! An engagement's plan in dates: when it is planned to end (its template's
//! longest stage durations from its planned start, unless a revised
//! timeline says otherwise) and its milestones, which approved scope
//! changes and recorded delays move.

use super::template::{Definition, DurationUnit};
use crate::kernel::{DomainError, Write};
use crate::rules::calendar::BusinessCalendar;
use chrono::NaiveDate;
use entity::{engagement, engagement_milestone};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

crate::stamped!(engagement_milestone);

/// Business hours that count as one business day when a plan mixes hour-
/// and day-long stages (a stage of hours ends within its day or the next).
const HOURS_PER_DAY: u32 = 8;

/// When the template's stages, each at its longest, end if work starts on
/// `start`: day-long stages add business days; hour-long ones add a day
/// for each started eight hours.
pub fn template_end(
    cal: &BusinessCalendar,
    definition: &Definition,
    start: NaiveDate,
) -> NaiveDate {
    let mut days = 0u32;
    let mut hours = 0u32;
    for stage in &definition.stages {
        match stage.duration_unit {
            DurationUnit::BusinessDays => days += stage.max_duration,
            DurationUnit::BusinessHours => hours += stage.max_duration,
        }
    }
    days += hours.div_ceil(HOURS_PER_DAY);
    cal.add_business_days(start, days)
}

/// The engagement's planned end now: the latest revised timeline's, or the
/// template's from its planned start.
pub fn end(cal: &BusinessCalendar, e: &engagement::Model, definition: &Definition) -> NaiveDate {
    e.revised_end_date
        .unwrap_or_else(|| template_end(cal, definition, e.planned_start))
}

/// The due date `days` business days after `due` (a moved milestone).
pub fn moved(cal: &BusinessCalendar, due: NaiveDate, days: u32) -> NaiveDate {
    if days == 0 {
        due
    } else {
        cal.add_business_days(due, days)
    }
}

/// The engagement's milestones, by due date.
pub async fn milestones<C: sea_orm::ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<Vec<engagement_milestone::Model>, sea_orm::DbErr> {
    engagement_milestone::Entity::find()
        .filter(engagement_milestone::Column::EngagementId.eq(engagement_id))
        .order_by_asc(engagement_milestone::Column::DueOn)
        .order_by_asc(engagement_milestone::Column::Id)
        .all(conn)
        .await
}

/// Move every milestone not yet completed `days` business days later, in
/// the caller's write (an approved scope change, a recorded delay). The
/// milestones moved, as they are now.
pub async fn move_open_milestones(
    w: &mut Write<'_>,
    cal: &BusinessCalendar,
    engagement_id: Uuid,
    days: u32,
) -> Result<Vec<engagement_milestone::Model>, DomainError> {
    let mut out = Vec::new();
    if days == 0 {
        return Ok(out);
    }
    for m in milestones(w.conn(), engagement_id).await? {
        if m.completed_at.is_some() {
            continue;
        }
        let due_on = moved(cal, m.due_on, days);
        let after = w
            .change::<engagement_milestone::Entity>(m.id, m.version, |a| a.due_on = Set(due_on))
            .await?;
        out.push(after);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagements::template::{automation, service_delivery};

    use crate::rules::fixtures::{day, weekends_only as cal};

    #[test]
    fn a_plan_ends_after_every_stage_at_its_longest() {
        // Service delivery: 2 + 5 + 20 + 5 + 7 + 3 = 42 business days.
        let start = day("2026-12-07"); // a Monday
        assert_eq!(
            template_end(&cal(), &service_delivery(), start),
            cal().add_business_days(start, 42)
        );
        assert_eq!(
            template_end(&cal(), &service_delivery(), start),
            day("2027-02-03")
        );
        // Automation mixes hours and days: the hours add whole days.
        let d = automation();
        let days: u32 = d
            .stages
            .iter()
            .filter(|s| s.duration_unit == DurationUnit::BusinessDays)
            .map(|s| s.max_duration)
            .sum();
        let hours: u32 = d
            .stages
            .iter()
            .filter(|s| s.duration_unit == DurationUnit::BusinessHours)
            .map(|s| s.max_duration)
            .sum();
        assert!(hours > 0);
        assert_eq!(
            template_end(&cal(), &d, start),
            cal().add_business_days(start, days + hours.div_ceil(HOURS_PER_DAY))
        );
    }

    #[test]
    fn a_milestone_moves_in_business_days() {
        // Friday + 1 business day is Monday; 0 leaves it where it is.
        assert_eq!(moved(&cal(), day("2026-12-11"), 1), day("2026-12-14"));
        assert_eq!(moved(&cal(), day("2026-12-12"), 0), day("2026-12-12"));
        assert_eq!(moved(&cal(), day("2026-12-07"), 5), day("2026-12-14"));
    }
}
