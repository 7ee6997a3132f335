//! The business calendar: the one place that knows which days are business days
//! and how business hours add up (DESIGN "Business calendar"). Instants are UTC;
//! days and opening hours are local to the calendar's timezone, so daylight-saving
//! changes shift the UTC offset but never the local opening hours.

use super::error::{ValueError, ValueErrorCode};
use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// Where the business is: Australia/Sydney (AEST/AEDT).
pub const DEFAULT_TZ: Tz = chrono_tz::Australia::Sydney;

/// A moment as the business's customers read it, in its timezone: "Monday 7
/// December 2026 at 2:15 pm AEDT" (emails and pages).
pub fn local_moment(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&DEFAULT_TZ);
    format!(
        "{} at {} {}",
        t.format("%A %-d %B %Y"),
        t.format("%-I:%M %p").to_string().to_lowercase(),
        t.format("%Z")
    )
}

/// The business's date of `at` in its timezone: GST periods, invoice and
/// note dates, receipt and delivery dates are Sydney dates.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&DEFAULT_TZ).date_naive()
}

/// Default opening hours, 09:00–17:00.
pub const DEFAULT_OPEN: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => panic!("valid time"),
};
pub const DEFAULT_CLOSE: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(t) => t,
    None => panic!("valid time"),
};

/// Monday to Friday.
pub const DEFAULT_WORKING_DAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// A timezone, daily opening hours, working weekdays and public holidays (data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    tz: Tz,
    open: NaiveTime,
    close: NaiveTime,
    /// Indexed by `Weekday::num_days_from_monday`.
    working_days: [bool; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Default for BusinessCalendar {
    /// Sydney, 09:00–17:00 Monday to Friday, no public holidays.
    fn default() -> Self {
        BusinessCalendar {
            tz: DEFAULT_TZ,
            open: DEFAULT_OPEN,
            close: DEFAULT_CLOSE,
            working_days: [true, true, true, true, true, false, false],
            holidays: BTreeSet::new(),
        }
    }
}

impl BusinessCalendar {
    /// Builds a calendar; opening must be before closing on the same day, and at
    /// least one weekday must be a working day (so every search ends).
    pub fn new(
        tz: Tz,
        open: NaiveTime,
        close: NaiveTime,
        working_days: &[Weekday],
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<BusinessCalendar, ValueError> {
        if open >= close {
            return Err(ValueError::new(
                ValueErrorCode::OutOfRange,
                format!("opening time {open} must be before closing time {close}"),
            ));
        }
        if working_days.is_empty() {
            return Err(ValueError::new(
                ValueErrorCode::Required,
                "at least one working day is required",
            ));
        }
        let mut days = [false; 7];
        for d in working_days {
            days[d.num_days_from_monday() as usize] = true;
        }
        Ok(BusinessCalendar {
            tz,
            open,
            close,
            working_days: days,
            holidays: holidays.into_iter().collect(),
        })
    }

    /// Sydney, 09:00–17:00 Monday to Friday, with the given public holidays.
    pub fn sydney(holidays: impl IntoIterator<Item = NaiveDate>) -> BusinessCalendar {
        BusinessCalendar::default().with_holidays(holidays)
    }

    /// The same calendar with its holiday set replaced.
    pub fn with_holidays(self, holidays: impl IntoIterator<Item = NaiveDate>) -> BusinessCalendar {
        BusinessCalendar {
            holidays: holidays.into_iter().collect(),
            ..self
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn open(&self) -> NaiveTime {
        self.open
    }

    pub fn close(&self) -> NaiveTime {
        self.close
    }

    pub fn holidays(&self) -> &BTreeSet<NaiveDate> {
        &self.holidays
    }

    pub fn is_working_weekday(&self, day: Weekday) -> bool {
        self.working_days[day.num_days_from_monday() as usize]
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }

    /// A working weekday that is not a public holiday.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        self.is_working_weekday(date.weekday()) && !self.is_holiday(date)
    }

    /// The first business day strictly after `date`.
    pub fn next_business_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        loop {
            d = next_day(d);
            if self.is_business_day(d) {
                return d;
            }
        }
    }

    /// `date` itself when it is a business day, else the next one: how a due date
    /// falling on a weekend or public holiday moves.
    pub fn business_day_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        if self.is_business_day(date) {
            date
        } else {
            self.next_business_day(date)
        }
    }

    /// The `n`-th business day after `date` (not counting `date`); for `n == 0`,
    /// `business_day_on_or_after(date)`.
    pub fn add_business_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.business_day_on_or_after(date);
        }
        (0..n).fold(date, |d, _| self.next_business_day(d))
    }

    /// How many business days lie after `from` up to and including `to` (0
    /// when `to` is not after `from`): the inverse of [`Self::add_business_days`]
    /// for a business day `from`.
    pub fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            day = day.succ_opt().expect("a date before `to` has a successor");
            if self.is_business_day(day) {
                count += 1;
            }
        }
        count
    }

    /// The calendar-local date of an instant.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The calendar-local wall-clock time of an instant.
    pub fn to_local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.tz)
    }

    /// The instant a local wall-clock time happens. An ambiguous time (clocks set
    /// back) is its first occurrence; a skipped time (clocks set forward) is the
    /// moment the clocks jump.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut t = local;
        // A gap is at most a few hours; step to its end.
        for _ in 0..=(24 * 60) {
            match self.tz.from_local_datetime(&t) {
                LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => {
                    return x.with_timezone(&Utc);
                }
                LocalResult::None => t += TimeDelta::minutes(1),
            }
        }
        Utc.from_utc_datetime(&local)
    }

    /// The instant `date` begins (its local midnight).
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.local_to_utc(date.and_hms_opt(0, 0, 0).expect("midnight"))
    }

    /// The instants `[start, end)` that the local dates `from` to `to`
    /// (inclusive) cover.
    pub fn days_window(&self, from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.start_of_day(from),
            self.start_of_day(to.succ_opt().unwrap_or(to)),
        )
    }

    /// Opening instant on `date` (whether or not it is a business day).
    pub fn open_at(&self, date: NaiveDate) -> DateTime<Utc> {
        self.local_to_utc(date.and_time(self.open))
    }

    /// Closing instant on `date`.
    pub fn close_at(&self, date: NaiveDate) -> DateTime<Utc> {
        self.local_to_utc(date.and_time(self.close))
    }

    /// Whether the business is open at `at`: a business day, from opening up to
    /// (not including) closing.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let date = self.local_date(at);
        self.is_business_day(date) && self.open_at(date) <= at && at < self.close_at(date)
    }

    /// `at` if the business is open then, else the next opening instant: when a
    /// business-hours clock starts running.
    pub fn next_business_moment(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.is_open(at) {
            return at;
        }
        let mut date = self.local_date(at);
        loop {
            if self.is_business_day(date) && at < self.open_at(date) {
                return self.open_at(date);
            }
            date = next_day(date);
        }
    }

    /// Adds `minutes` of business time: the clock runs only while open and stops
    /// over nights, non-working days and holidays. Starting outside hours, it starts
    /// at the next opening. A target used up exactly at closing ends at closing (not
    /// the next opening), so the result is always within a business day's hours.
    pub fn add_business_minutes(&self, start: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
        let mut remaining = TimeDelta::minutes(i64::from(minutes));
        let mut date = self.local_date(start);
        loop {
            if self.is_business_day(date) {
                let from = start.max(self.open_at(date));
                let close = self.close_at(date);
                if from <= close {
                    let available = close - from;
                    if remaining <= available {
                        return from + remaining;
                    }
                    remaining -= available;
                }
            }
            date = next_day(date);
        }
    }

    /// Adds `hours` of business time (see `add_business_minutes`).
    pub fn add_business_hours(&self, start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        self.add_business_minutes(start, hours.saturating_mul(60))
    }

    /// Business time between two instants (zero when `to <= from`): how much of an
    /// SLA's business-hours budget has been used.
    pub fn business_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        let mut total = TimeDelta::zero();
        if to <= from {
            return total;
        }
        let last = self.local_date(to);
        let mut date = self.local_date(from);
        while date <= last {
            if self.is_business_day(date) {
                let a = from.max(self.open_at(date));
                let b = to.min(self.close_at(date));
                if a < b {
                    total += b - a;
                }
            }
            date = next_day(date);
        }
        total
    }

    /// 24×7 arithmetic for around-the-clock targets: elapsed real time, so across a
    /// daylight-saving change the local clock reading moves by one hour more or less.
    pub fn add_clock_hours(&self, start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        start + TimeDelta::hours(i64::from(hours))
    }

    /// 24×7 minutes (see `add_clock_hours`).
    pub fn add_clock_minutes(&self, start: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
        start + TimeDelta::minutes(i64::from(minutes))
    }
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_moment_reads_in_sydney_time_with_its_zone() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            super::local_moment(at("2026-12-07T03:15:00Z")),
            "Monday 7 December 2026 at 2:15 pm AEDT"
        );
        assert_eq!(
            super::local_moment(at("2026-06-01T00:05:00Z")),
            "Monday 1 June 2026 at 10:05 am AEST"
        );
    }

    use super::super::fixtures::{date, nsw_calendar, nsw_holidays, syd, utc};
    use super::*;
    use proptest::prelude::*;

    fn brisbane() -> BusinessCalendar {
        BusinessCalendar::new(
            chrono_tz::Australia::Brisbane,
            DEFAULT_OPEN,
            DEFAULT_CLOSE,
            &DEFAULT_WORKING_DAYS,
            [],
        )
        .unwrap()
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let cal = nsw_calendar();
        assert!(cal.is_business_day(date(2026, 4, 2))); // Thu
        assert!(!cal.is_business_day(date(2026, 4, 3))); // Good Friday
        assert!(!cal.is_business_day(date(2026, 4, 11))); // Sat
        assert!(!cal.is_business_day(date(2026, 4, 12))); // Sun
        assert!(!cal.is_business_day(date(2026, 4, 27))); // additional Anzac Day
        assert_eq!(cal.next_business_day(date(2026, 4, 2)), date(2026, 4, 7));
        assert_eq!(cal.next_business_day(date(2026, 4, 7)), date(2026, 4, 8));
        assert_eq!(cal.next_business_day(date(2026, 4, 10)), date(2026, 4, 13));
        assert_eq!(
            cal.business_day_on_or_after(date(2026, 4, 8)),
            date(2026, 4, 8)
        );
        assert_eq!(
            cal.business_day_on_or_after(date(2026, 4, 4)),
            date(2026, 4, 7)
        );
        // Christmas 2027: Sat 25, Sun 26, Mon 27, Tue 28 are all off.
        assert_eq!(
            cal.add_business_days(date(2027, 12, 24), 1),
            date(2027, 12, 29)
        );
        assert_eq!(
            cal.add_business_days(date(2027, 12, 24), 3),
            date(2027, 12, 31)
        );
        assert_eq!(cal.add_business_days(date(2026, 4, 8), 0), date(2026, 4, 8));
        assert_eq!(cal.add_business_days(date(2026, 4, 4), 0), date(2026, 4, 7));
        assert_eq!(
            cal.add_business_days(date(2026, 6, 5), 5),
            date(2026, 6, 15)
        ); // King's Birthday
        // Without holidays the same days are business days.
        let plain = BusinessCalendar::default();
        assert!(plain.is_business_day(date(2026, 4, 3)));
    }

    #[test]
    fn construction_is_validated() {
        let nine = DEFAULT_OPEN;
        assert_eq!(
            BusinessCalendar::new(DEFAULT_TZ, nine, nine, &DEFAULT_WORKING_DAYS, [])
                .unwrap_err()
                .code,
            ValueErrorCode::OutOfRange
        );
        assert_eq!(
            BusinessCalendar::new(DEFAULT_TZ, nine, DEFAULT_CLOSE, &[], [])
                .unwrap_err()
                .code,
            ValueErrorCode::Required
        );
        let sat = BusinessCalendar::new(
            DEFAULT_TZ,
            nine,
            NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            &[Weekday::Sat],
            [],
        )
        .unwrap();
        assert_eq!(sat.next_business_day(date(2026, 3, 2)), date(2026, 3, 7));
        // Saturday mornings only: Fri 11:00 + 4h = Sat 7 Mar 3h + Sat 14 Mar 1h.
        assert_eq!(
            sat.add_business_hours(syd(2026, 3, 6, 11, 0), 4),
            syd(2026, 3, 14, 10, 0)
        );
        let cal = nsw_calendar();
        assert_eq!(cal.holidays().len(), nsw_holidays().len());
        assert_eq!(cal.tz(), DEFAULT_TZ);
        assert_eq!((cal.open(), cal.close()), (DEFAULT_OPEN, DEFAULT_CLOSE));
    }

    #[test]
    fn business_hours_within_a_day_overnight_and_at_closing() {
        let cal = nsw_calendar();
        // Tue 10 Mar 2026 (AEDT).
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 10, 0), 3),
            syd(2026, 3, 10, 13, 0)
        );
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 13, 0), 4),
            syd(2026, 3, 10, 17, 0)
        );
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 15, 0), 4),
            syd(2026, 3, 11, 11, 0)
        );
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 10, 0), 24),
            syd(2026, 3, 13, 10, 0)
        );
        // Starting before opening, after closing, at night.
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 7, 30), 1),
            syd(2026, 3, 10, 10, 0)
        );
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 18, 0), 1),
            syd(2026, 3, 11, 10, 0)
        );
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 23, 59), 8),
            syd(2026, 3, 11, 17, 0)
        );
        // Zero hours: when the clock would start.
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 11, 0), 0),
            syd(2026, 3, 10, 11, 0)
        );
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 10, 18, 0), 0),
            syd(2026, 3, 11, 9, 0)
        );
        assert_eq!(
            cal.add_business_minutes(syd(2026, 3, 10, 16, 59), 2),
            syd(2026, 3, 11, 9, 1)
        );
        assert!(cal.is_open(syd(2026, 3, 10, 9, 0)));
        assert!(!cal.is_open(syd(2026, 3, 10, 17, 0)));
        assert_eq!(
            cal.next_business_moment(syd(2026, 3, 10, 17, 0)),
            syd(2026, 3, 11, 9, 0)
        );
        assert_eq!(
            cal.next_business_moment(syd(2026, 3, 10, 12, 0)),
            syd(2026, 3, 10, 12, 0)
        );
    }

    #[test]
    fn business_hours_across_weekend_and_public_holidays() {
        let cal = nsw_calendar();
        // Fri 13 Mar 2026 15:00 + 4h → Mon 16 Mar 11:00.
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 13, 15, 0), 4),
            syd(2026, 3, 16, 11, 0)
        );
        // Starting on Saturday.
        assert_eq!(
            cal.add_business_hours(syd(2026, 3, 14, 12, 0), 4),
            syd(2026, 3, 16, 13, 0)
        );
        // Fri 24 Apr 2026 15:00 + 4h: Mon 27 Apr is the additional Anzac Day → Tue 11:00.
        assert_eq!(
            cal.add_business_hours(syd(2026, 4, 24, 15, 0), 4),
            syd(2026, 4, 28, 11, 0)
        );
        // Thu 2 Apr 2026 16:00 + 4h: Easter Fri–Mon → Tue 7 Apr 12:00.
        assert_eq!(
            cal.add_business_hours(syd(2026, 4, 2, 16, 0), 4),
            syd(2026, 4, 7, 12, 0)
        );
        // Thu 24 Dec 2026 12:00 + 24h: Fri 25 and Mon 28 Dec off.
        // Thu 5h, Tue 29 8h, Wed 30 8h, Thu 31 3h → 12:00.
        assert_eq!(
            cal.add_business_hours(syd(2026, 12, 24, 12, 0), 24),
            syd(2026, 12, 31, 12, 0)
        );
    }

    #[test]
    fn business_hours_across_daylight_saving_start() {
        // Sydney clocks go 02:00 AEST → 03:00 AEDT on Sun 4 Oct 2026.
        // Fri 2 Oct 16:00 AEST = 06:00 UTC.
        let start = syd(2026, 10, 2, 16, 0);
        assert_eq!(start, utc(2026, 10, 2, 6, 0));
        // No holidays: Mon 5 Oct 12:00 AEDT = 01:00 UTC (offset now +11).
        let plain = BusinessCalendar::default();
        let due = plain.add_business_hours(start, 4);
        assert_eq!(due, utc(2026, 10, 5, 1, 0));
        assert_eq!(due, syd(2026, 10, 5, 12, 0));
        assert_eq!(plain.to_local(due).offset().to_string(), "AEDT");
        // NSW: Mon 5 Oct is Labour Day → Tue 6 Oct 12:00 AEDT = 01:00 UTC.
        let nsw = nsw_calendar();
        assert_eq!(nsw.add_business_hours(start, 4), utc(2026, 10, 6, 1, 0));
        assert_eq!(
            nsw.business_time_between(start, utc(2026, 10, 6, 1, 0)),
            TimeDelta::hours(4)
        );
    }

    #[test]
    fn business_hours_across_daylight_saving_end() {
        // Sydney clocks go 03:00 AEDT → 02:00 AEST on Sun 4 Apr 2027.
        // Fri 2 Apr 2027 16:00 AEDT = 05:00 UTC.
        let cal = nsw_calendar();
        let start = syd(2027, 4, 2, 16, 0);
        assert_eq!(start, utc(2027, 4, 2, 5, 0));
        // Mon 5 Apr 12:00 AEST = 02:00 UTC (offset now +10).
        let due = cal.add_business_hours(start, 4);
        assert_eq!(due, utc(2027, 4, 5, 2, 0));
        assert_eq!(cal.to_local(due).offset().to_string(), "AEST");
        // Across the real-time 25-hour Sunday the business clock still counts 4h.
        assert_eq!(cal.business_time_between(start, due), TimeDelta::hours(4));
    }

    #[test]
    fn local_times_in_a_gap_or_overlap() {
        let cal = BusinessCalendar::default();
        // 02:30 on 4 Oct 2026 does not exist: it is the jump, 03:00 AEDT = 16:00 UTC Sat.
        let gap = date(2026, 10, 4).and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(cal.local_to_utc(gap), utc(2026, 10, 3, 16, 0));
        // 02:30 on 4 Apr 2027 happens twice: the first (AEDT) is taken.
        let twice = date(2027, 4, 4).and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(cal.local_to_utc(twice), utc(2027, 4, 3, 15, 30));
    }

    #[test]
    fn brisbane_has_no_daylight_saving() {
        let cal = brisbane();
        let summer = cal.open_at(date(2027, 1, 11));
        let winter = cal.open_at(date(2027, 7, 12));
        assert_eq!(summer, utc(2027, 1, 10, 23, 0));
        assert_eq!(winter, utc(2027, 7, 11, 23, 0));
        // Same Friday as the Sydney test: 16:00 AEST is 06:00 UTC, and Monday
        // 12:00 is still AEST, 02:00 UTC (Sydney gives 01:00 UTC).
        let start = utc(2026, 10, 2, 6, 0);
        assert_eq!(
            cal.to_local(start).time(),
            NaiveTime::from_hms_opt(16, 0, 0).unwrap()
        );
        assert_eq!(cal.add_business_hours(start, 4), utc(2026, 10, 5, 2, 0));
    }

    #[test]
    fn clock_hours_are_elapsed_time_across_dst() {
        let cal = nsw_calendar();
        // Sun 4 Oct 2026 01:30 AEST + 2h = 04:30 AEDT (the 02:00–03:00 hour is skipped).
        let start = syd(2026, 10, 4, 1, 30);
        let due = cal.add_clock_hours(start, 2);
        assert_eq!(due, utc(2026, 10, 3, 17, 30));
        assert_eq!(
            cal.to_local(due).time(),
            NaiveTime::from_hms_opt(4, 30, 0).unwrap()
        );
        // Sun 4 Apr 2027 01:30 AEDT + 2h = 02:30 AEST (02:00–03:00 happens twice).
        let start = syd(2027, 4, 4, 1, 30);
        let due = cal.add_clock_hours(start, 2);
        assert_eq!(
            cal.to_local(due).time(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap()
        );
        assert_eq!(
            cal.add_clock_minutes(start, 90),
            start + TimeDelta::minutes(90)
        );
    }

    #[test]
    fn business_time_between_counts_only_open_hours() {
        let cal = nsw_calendar();
        assert_eq!(
            cal.business_time_between(syd(2026, 3, 13, 15, 0), syd(2026, 3, 16, 11, 0)),
            TimeDelta::hours(4)
        );
        assert_eq!(
            cal.business_time_between(syd(2026, 3, 16, 11, 0), syd(2026, 3, 13, 15, 0)),
            TimeDelta::zero()
        );
        assert_eq!(
            cal.business_time_between(syd(2026, 3, 14, 0, 0), syd(2026, 3, 15, 23, 0)),
            TimeDelta::zero()
        );
    }

    #[test]
    fn business_days_between_counts_the_days_after_the_first() {
        let cal = nsw_calendar();
        // Thu 2 April 2026 to Tue 7 April: Good Friday, the weekend and
        // Easter Monday fall between; only Tuesday counts.
        assert_eq!(
            cal.business_days_between(date(2026, 4, 2), date(2026, 4, 7)),
            1
        );
        assert_eq!(
            cal.business_days_between(date(2026, 4, 7), date(2026, 4, 7)),
            0
        );
        assert_eq!(
            cal.business_days_between(date(2026, 4, 8), date(2026, 4, 7)),
            0
        );
    }

    proptest! {
        #[test]
        fn business_days_between_undoes_adding_business_days(
            offset in 0i64..(3 * 366),
            n in 0u32..300,
        ) {
            let cal = nsw_calendar();
            let start = cal.business_day_on_or_after(date(2026, 1, 1) + TimeDelta::days(offset));
            prop_assert_eq!(cal.business_days_between(start, cal.add_business_days(start, n)), n);
        }

        #[test]
        fn adding_business_hours_lands_within_working_hours(
            offset_min in 0i64..(3 * 366 * 24 * 60),
            hours in 0u32..400,
            brisbane_tz in any::<bool>(),
        ) {
            let cal = if brisbane_tz {
                brisbane().with_holidays(nsw_holidays())
            } else {
                nsw_calendar()
            };
            let start = utc(2025, 12, 31, 0, 0) + TimeDelta::minutes(offset_min);
            let due = cal.add_business_hours(start, hours);
            let local = cal.to_local(due);
            prop_assert!(cal.is_business_day(local.date_naive()), "{}", local);
            prop_assert!(local.time() >= cal.open() && local.time() <= cal.close(), "{}", local);
            prop_assert!(due >= start);
            prop_assert_eq!(
                cal.business_time_between(start, due),
                TimeDelta::hours(i64::from(hours))
            );
        }
    }
}
