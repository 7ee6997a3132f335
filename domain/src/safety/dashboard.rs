//! What is due or overdue: recall notifications and injury reports.
//!
//! Everything not yet submitted to the ACCC, soonest due first: ACTIVE
//! recalls whose notification was not submitted, and OPEN injury reports.
//! Days left count business days on the calendar (negative when overdue).

use crate::kernel::{Ctx, DomainError, Permission};
use crate::rules::calendar::BusinessCalendar;
use chrono::NaiveDate;
use entity::{InjuryReportStatus, RecallStatus, injury_report, product, recall};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// Most items the dashboard shows (the soonest due); the counts cover them.
pub const MAX_ITEMS: u64 = 500;

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueKind {
    /// A recall's ACCC notification (ACL s128).
    RecallNotification,
    /// A mandatory injury report (ACL s131).
    InjuryReport,
}

/// Where a due date stands on Sydney `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub overdue: bool,
    /// Business days from today to the due date; negative when overdue
    /// (at least -1, even when only a weekend has passed).
    pub business_days_left: i32,
}

/// Where `due_on` stands on `today`.
pub fn standing(cal: &BusinessCalendar, due_on: NaiveDate, today: NaiveDate) -> Standing {
    let count = |a, b| i32::try_from(cal.business_days_between(a, b)).unwrap_or(i32::MAX);
    if today > due_on {
        Standing {
            overdue: true,
            business_days_left: -count(due_on, today).max(1),
        }
    } else {
        Standing {
            overdue: false,
            business_days_left: count(today, due_on),
        }
    }
}

/// One thing due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub kind: DueKind,
    /// The recall or injury report.
    pub id: Uuid,
    pub number: String,
    pub product_id: Uuid,
    pub product_name: String,
    pub due_on: NaiveDate,
    pub standing: Standing,
}

/// How many items are due today, overdue, or due later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub due_today: usize,
    pub overdue: usize,
    pub upcoming: usize,
}

/// Count `items` on `today`.
pub fn counts(items: &[DueItem], today: NaiveDate) -> Counts {
    items.iter().fold(Counts::default(), |mut c, i| {
        if i.standing.overdue {
            c.overdue += 1;
        } else if i.due_on == today {
            c.due_today += 1;
        } else {
            c.upcoming += 1;
        }
        c
    })
}

/// The dashboard: items soonest due first (ties by number), and counts.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub items: Vec<DueItem>,
    pub counts: Counts,
    /// More were due than [`MAX_ITEMS`]; the latest due were left off.
    pub truncated: bool,
}

/// What is due (staff), of one kind or both.
pub async fn compliance_dashboard(
    db: &DatabaseConnection,
    ctx: &Ctx,
    cal: &BusinessCalendar,
    kind: Option<DueKind>,
) -> Result<Dashboard, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let today = cal.local_date(ctx.now());
    // (kind, id, number, product, due)
    let mut due: Vec<(DueKind, Uuid, String, Uuid, NaiveDate)> = Vec::new();
    if kind.is_none_or(|k| k == DueKind::RecallNotification) {
        let recalls = recall::Entity::find()
            .filter(recall::Column::Status.eq(RecallStatus::Active))
            .filter(recall::Column::AcccSubmittedAt.is_null())
            .order_by_asc(recall::Column::AcccDueOn)
            .limit(MAX_ITEMS + 1)
            .all(db)
            .await?;
        due.extend(recalls.into_iter().map(|r| {
            (
                DueKind::RecallNotification,
                r.id,
                r.number,
                r.product_id,
                r.accc_due_on,
            )
        }));
    }
    if kind.is_none_or(|k| k == DueKind::InjuryReport) {
        let reports = injury_report::Entity::find()
            .filter(injury_report::Column::Status.eq(InjuryReportStatus::Open))
            .order_by_asc(injury_report::Column::DueOn)
            .limit(MAX_ITEMS + 1)
            .all(db)
            .await?;
        due.extend(reports.into_iter().map(|r| {
            (
                DueKind::InjuryReport,
                r.id,
                r.number,
                r.product_id,
                r.due_on,
            )
        }));
    }
    due.sort_by(|a, b| (a.4, &a.2).cmp(&(b.4, &b.2)));
    let truncated = due.len() as u64 > MAX_ITEMS;
    due.truncate(MAX_ITEMS as usize);
    let names: HashMap<Uuid, String> = product::Entity::find()
        .filter(product::Column::Id.is_in(due.iter().map(|d| d.3)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let items: Vec<DueItem> = due
        .into_iter()
        .map(|(kind, id, number, product_id, due_on)| DueItem {
            kind,
            id,
            number,
            product_id,
            product_name: names.get(&product_id).cloned().unwrap_or_default(),
            due_on,
            standing: standing(cal, due_on, today),
        })
        .collect();
    Ok(Dashboard {
        counts: counts(&items, today),
        items,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::day;

    fn cal() -> BusinessCalendar {
        BusinessCalendar::sydney([day("2027-03-26"), day("2027-03-29")])
    }

    #[test]
    fn days_left_count_business_days_and_go_negative_when_overdue() {
        let s = |due, today| standing(&cal(), day(due), day(today));
        // Wed → Fri: two business days left.
        assert_eq!(
            s("2027-03-12", "2027-03-10"),
            Standing {
                overdue: false,
                business_days_left: 2
            }
        );
        assert_eq!(s("2027-03-12", "2027-03-12").business_days_left, 0);
        // Across Easter: Thu 25 → Tue 30 is one business day.
        assert_eq!(s("2027-03-30", "2027-03-25").business_days_left, 1);
        // Due Friday, a Monday later: one business day overdue.
        assert_eq!(
            s("2027-03-12", "2027-03-15"),
            Standing {
                overdue: true,
                business_days_left: -1
            }
        );
        // Only the weekend passed: still overdue.
        assert_eq!(
            s("2027-03-12", "2027-03-13"),
            Standing {
                overdue: true,
                business_days_left: -1
            }
        );
        assert_eq!(s("2027-03-12", "2027-03-17").business_days_left, -3);
    }

    #[test]
    fn counts_split_due_today_overdue_and_upcoming() {
        let today = day("2027-03-10");
        let item = |due: &str| DueItem {
            kind: DueKind::InjuryReport,
            id: Uuid::nil(),
            number: "INJ-000001".into(),
            product_id: Uuid::nil(),
            product_name: "Heater".into(),
            due_on: day(due),
            standing: standing(&cal(), day(due), today),
        };
        let items = [
            item("2027-03-08"),
            item("2027-03-10"),
            item("2027-03-11"),
            item("2027-03-12"),
        ];
        assert_eq!(
            counts(&items, today),
            Counts {
                due_today: 1,
                overdue: 1,
                upcoming: 2
            }
        );
    }
}
