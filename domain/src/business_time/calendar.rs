//! The business calendar a process computes with: the pure
//! `rules::calendar::BusinessCalendar` over the holidays in the database,
//! loaded at start and reloaded whenever they change.

use super::holidays;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use std::sync::{Arc, RwLock};

/// One process's calendar, shared by its resolvers and jobs. Readers take a
/// cheap snapshot; a reload swaps the whole calendar at once.
#[derive(Debug, Clone)]
pub struct SharedCalendar(Arc<RwLock<Arc<BusinessCalendar>>>);

impl SharedCalendar {
    pub fn new(calendar: BusinessCalendar) -> SharedCalendar {
        SharedCalendar(Arc::new(RwLock::new(Arc::new(calendar))))
    }

    /// Sydney business hours with the holidays the database holds.
    pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<SharedCalendar, DbErr> {
        let calendar = SharedCalendar::new(BusinessCalendar::default());
        calendar.reload(conn).await?;
        Ok(calendar)
    }

    /// The calendar as it is now.
    pub fn current(&self) -> Arc<BusinessCalendar> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Read the holidays again (after a change on any process).
    pub async fn reload<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        let dates = holidays::all_dates(conn).await?;
        let calendar = Arc::new(self.current().as_ref().clone().with_holidays(dates));
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = calendar;
        Ok(())
    }

    /// The current and next year (in the calendar's timezone) when they have
    /// no holidays at all: deadlines there would silently ignore holidays.
    pub fn years_without_holidays(&self, now: DateTime<Utc>) -> Vec<i32> {
        let calendar = self.current();
        let year = calendar.local_date(now).year();
        [year, year + 1]
            .into_iter()
            .filter(|y| !calendar.holidays().iter().any(|d| d.year() == *y))
            .collect()
    }

    /// A sentence for operators when holidays are missing, else `None`.
    pub fn holiday_warning(&self, now: DateTime<Utc>) -> Option<String> {
        let missing = self.years_without_holidays(now);
        if missing.is_empty() {
            return None;
        }
        let years: Vec<String> = missing.iter().map(i32::to_string).collect();
        Some(format!(
            "No public holidays are recorded for {}: deadlines there count holidays as business days until an ADMIN adds them.",
            years.join(" and ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn missing_years_are_the_current_or_next_without_any_holiday() {
        let calendar = SharedCalendar::new(BusinessCalendar::sydney([
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        ]));
        let in_2026 = Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap();
        assert!(calendar.years_without_holidays(in_2026).is_empty());
        assert_eq!(calendar.holiday_warning(in_2026), None);
        let in_2027 = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(calendar.years_without_holidays(in_2027), [2028]);
        // New Year's Eve in UTC is already 2028 in Sydney.
        let sydney_new_year = Utc.with_ymd_and_hms(2027, 12, 31, 14, 0, 0).unwrap();
        assert_eq!(
            calendar.years_without_holidays(sydney_new_year),
            [2028, 2029]
        );
        assert!(
            calendar
                .holiday_warning(sydney_new_year)
                .unwrap()
                .contains("2028 and 2029")
        );
    }
}
