//! Dates and instants for the rules' tests, written as people read them.

use super::calendar::BusinessCalendar;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// A Sydney wall-clock time as a UTC instant.
pub fn syd(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Australia::Sydney
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// The NSW public holidays the migration seeds (2026–2028).
pub fn nsw_holidays() -> Vec<NaiveDate> {
    migration::m20261204_000005_business_time::NSW_2026_2028
        .iter()
        .map(|&(y, m, d, _)| date(y, m, d))
        .collect()
}

/// A date written as ISO text (`2027-01-22`).
pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Sydney business hours with no holidays: weekends only, so the figures
/// are easy to follow.
pub fn weekends_only() -> BusinessCalendar {
    BusinessCalendar::sydney([])
}

/// Sydney business hours with the seeded NSW holidays.
pub fn nsw_calendar() -> BusinessCalendar {
    BusinessCalendar::sydney(nsw_holidays())
}
