//! The daily run: one timer per business date, due at that day's close,
//! which plans the next business date's when it fires. Scheduled work that
//! happens once a business day (closure and archive runs) hangs off it. Each
//! date's timer has a subject derived from the date, so planning it is
//! idempotent: one run per business date however many sweeps or processes.

use super::timers::{self, TimerFired, TimerPlan, kind};
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a daily-run timer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyRun {
    pub business_date: NaiveDate,
}

/// The subject of one business date's run (the same on every process).
pub fn subject(date: NaiveDate) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("daily_run:{date}").as_bytes())
}

/// The business date whose run comes next after `now`: today's if today is
/// a business day and its close has not passed, else the next business day.
pub fn next_run_date(calendar: &BusinessCalendar, now: DateTime<Utc>) -> NaiveDate {
    let date = calendar.business_day_on_or_after(calendar.local_date(now));
    if now < calendar.close_at(date) {
        date
    } else {
        calendar.next_business_day(date)
    }
}

async fn plan_for<C: ConnectionTrait>(
    conn: &C,
    calendar: &BusinessCalendar,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let run = DailyRun {
        business_date: date,
    };
    let plan = TimerPlan {
        kind: kind::DAILY_RUN,
        subject_id: subject(date),
        due_at: calendar.close_at(date),
        payload: serde_json::to_value(run).expect("plain data"),
    };
    timers::plan_once(conn, &plan, now).await
}

/// Make sure the next run is planned (each worker at start).
pub async fn ensure_planned(
    db: &DatabaseConnection,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    plan_for(db, calendar, next_run_date(calendar, now), now).await
}

/// When a run fires: plan the next business date's, on the calendar as it
/// is now (a holiday added since is skipped).
pub async fn plan_after<C: ConnectionTrait>(
    conn: &C,
    calendar: &BusinessCalendar,
    fired: &TimerFired,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let run: DailyRun = serde_json::from_value(fired.payload.clone())
        .map_err(|e| DbErr::Custom(format!("daily run payload: {e}")))?;
    plan_for(
        conn,
        calendar,
        calendar.next_business_day(run.business_date),
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn syd(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        chrono_tz::Australia::Sydney
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_next_run_is_today_before_close_else_the_next_business_day() {
        let boxing_day_additional = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
        let calendar = BusinessCalendar::sydney([
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            boxing_day_additional,
        ]);
        let date = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(next_run_date(&calendar, syd(2026, 12, 24, 16)), date(24));
        // After Thursday's close: Friday is Christmas, then a weekend and
        // the additional Boxing Day holiday.
        assert_eq!(next_run_date(&calendar, syd(2026, 12, 24, 17)), date(29));
        assert_eq!(next_run_date(&calendar, syd(2026, 12, 26, 10)), date(29));
    }

    #[test]
    fn each_date_has_its_own_stable_subject() {
        let a = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let b = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(subject(a), subject(a));
        assert_ne!(subject(a), subject(b));
    }
}
