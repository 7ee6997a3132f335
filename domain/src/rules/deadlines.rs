//! Deadlines computed on the business calendar: ACCC injury reports and recall
//! notifications (AU-RULES "Product safety"), support-ticket first-response targets,
//! engagement stage due dates (DESIGN "Engagements"), and time used on a
//! deadline's clock minus its pauses.

use super::calendar::BusinessCalendar;
use super::error::{ValueError, ValueErrorCode};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Days after becoming aware of a death, serious injury or illness within which
/// the ACCC must be told (ACL s131).
pub const INJURY_REPORT_DAYS: u32 = 2;

/// Days after taking voluntary recall action within which the ACCC must be told
/// (ACL s128).
pub const RECALL_NOTIFICATION_DAYS: u32 = 2;

/// A statutory "within N days" deadline: the start day is not counted, and a last
/// day on a weekend or public holiday moves to the next business day (Acts
/// Interpretation Act 1901 s36).
pub fn statutory_due_date(cal: &BusinessCalendar, start: NaiveDate, days: u32) -> NaiveDate {
    let last = start
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    cal.business_day_on_or_after(last)
}

/// Due date of a mandatory injury report, from the (local) day of awareness:
/// aware Mon → Wed, Thu → Mon, Fri → Mon, Sat → Mon, Sun → Tue.
pub fn injury_report_due(cal: &BusinessCalendar, aware_on: NaiveDate) -> NaiveDate {
    statutory_due_date(cal, aware_on, INJURY_REPORT_DAYS)
}

/// `injury_report_due` from the instant of awareness, taking the day in the
/// calendar's timezone (not UTC's).
pub fn injury_report_due_at(cal: &BusinessCalendar, aware_at: DateTime<Utc>) -> NaiveDate {
    injury_report_due(cal, cal.local_date(aware_at))
}

/// Due date of the ACCC notification of a voluntary recall, from the day recall
/// action started.
pub fn recall_notification_due(cal: &BusinessCalendar, recall_started_on: NaiveDate) -> NaiveDate {
    statutory_due_date(cal, recall_started_on, RECALL_NOTIFICATION_DAYS)
}

/// Support-ticket priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketPriority {
    Critical,
    High,
    Medium,
    Low,
}

/// Which clock an SLA target runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaClock {
    /// Real elapsed time, nights, weekends and holidays included.
    AroundTheClock,
    /// Only while the business is open.
    BusinessHours,
}

/// A response-time target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlaTarget {
    pub hours: u32,
    pub clock: SlaClock,
}

impl TicketPriority {
    pub const ALL: [TicketPriority; 4] = [
        TicketPriority::Critical,
        TicketPriority::High,
        TicketPriority::Medium,
        TicketPriority::Low,
    ];

    /// First-response target: Critical 2 h around the clock; High 4, Medium 24,
    /// Low 72 business hours.
    pub const fn first_response_target(self) -> SlaTarget {
        match self {
            TicketPriority::Critical => SlaTarget {
                hours: 2,
                clock: SlaClock::AroundTheClock,
            },
            TicketPriority::High => SlaTarget {
                hours: 4,
                clock: SlaClock::BusinessHours,
            },
            TicketPriority::Medium => SlaTarget {
                hours: 24,
                clock: SlaClock::BusinessHours,
            },
            TicketPriority::Low => SlaTarget {
                hours: 72,
                clock: SlaClock::BusinessHours,
            },
        }
    }
}

/// When a target started at `start` is due.
pub fn sla_due(cal: &BusinessCalendar, target: SlaTarget, start: DateTime<Utc>) -> DateTime<Utc> {
    match target.clock {
        SlaClock::AroundTheClock => cal.add_clock_hours(start, target.hours),
        SlaClock::BusinessHours => cal.add_business_hours(start, target.hours),
    }
}

/// When the first response to a ticket opened at `opened_at` is due.
pub fn first_response_due(
    cal: &BusinessCalendar,
    priority: TicketPriority,
    opened_at: DateTime<Utc>,
) -> DateTime<Utc> {
    sla_due(cal, priority.first_response_target(), opened_at)
}

/// A span during which a deadline's clock stood still (a ticket waiting on
/// the customer, an order on hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Time used on `clock` between `from` and `to`, minus `pauses`: business
/// hours count only while open; around the clock counts real time (so a
/// daylight-saving night is an hour shorter or longer on the wall). Pauses
/// may overlap each other or lie partly outside the span; each moment is
/// taken off once.
pub fn elapsed(
    cal: &BusinessCalendar,
    clock: SlaClock,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    pauses: &[Pause],
) -> TimeDelta {
    let span = |a: DateTime<Utc>, b: DateTime<Utc>| match clock {
        SlaClock::AroundTheClock => (b - a).max(TimeDelta::zero()),
        SlaClock::BusinessHours => cal.business_time_between(a, b),
    };
    // Clip the pauses to the span and merge overlaps, so nothing is taken off twice.
    let mut clipped: Vec<(DateTime<Utc>, DateTime<Utc>)> = pauses
        .iter()
        .map(|p| (p.from.max(from), p.to.min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    clipped.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (a, b) in clipped {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let paused = merged
        .into_iter()
        .fold(TimeDelta::zero(), |sum, (a, b)| sum + span(a, b));
    span(from, to) - paused
}

/// A stage's planned duration in business days, e.g. Kickoff 1–2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DurationRange {
    min_days: u32,
    max_days: u32,
}

impl DurationRange {
    /// At least one day, and min ≤ max.
    pub fn new(min_days: u32, max_days: u32) -> Result<DurationRange, ValueError> {
        if min_days == 0 || min_days > max_days {
            return Err(ValueError::new(
                ValueErrorCode::OutOfRange,
                format!(
                    "a duration of {min_days}–{max_days} days is not a range of at least one day"
                ),
            ));
        }
        Ok(DurationRange { min_days, max_days })
    }

    pub fn min_days(self) -> u32 {
        self.min_days
    }

    pub fn max_days(self) -> u32 {
        self.max_days
    }
}

/// Planned dates of one stage. The start day counts as the first day, so a
/// one-day stage is due the day it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StageDueDates {
    pub starts_on: NaiveDate,
    /// Due date at the short end of the range.
    pub earliest_due: NaiveDate,
    /// Due date at the long end: late after this.
    pub latest_due: NaiveDate,
}

/// Due dates of a stage starting on `start` (moved to a business day if need be).
pub fn stage_due_dates(
    cal: &BusinessCalendar,
    start: NaiveDate,
    range: DurationRange,
) -> StageDueDates {
    let starts_on = cal.business_day_on_or_after(start);
    StageDueDates {
        starts_on,
        earliest_due: cal.add_business_days(starts_on, range.min_days - 1),
        latest_due: cal.add_business_days(starts_on, range.max_days - 1),
    }
}

/// Plans consecutive stages: each starts the business day after the previous
/// stage's latest due date (planning to the long end, so no stage is planned late).
pub fn plan_stages(
    cal: &BusinessCalendar,
    start: NaiveDate,
    ranges: &[DurationRange],
) -> Vec<StageDueDates> {
    let mut next = start;
    ranges
        .iter()
        .map(|r| {
            let s = stage_due_dates(cal, next, *r);
            next = cal.next_business_day(s.latest_due);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{date, nsw_calendar, syd, utc};
    use super::*;
    use chrono::{Datelike, Weekday};

    #[test]
    fn injury_report_for_awareness_on_each_weekday() {
        let cal = nsw_calendar();
        // Week of Mon 9 Mar 2026: no public holidays.
        let cases = [
            (
                date(2026, 3, 9),
                Weekday::Mon,
                date(2026, 3, 11),
                Weekday::Wed,
            ),
            (
                date(2026, 3, 10),
                Weekday::Tue,
                date(2026, 3, 12),
                Weekday::Thu,
            ),
            (
                date(2026, 3, 11),
                Weekday::Wed,
                date(2026, 3, 13),
                Weekday::Fri,
            ),
            (
                date(2026, 3, 12),
                Weekday::Thu,
                date(2026, 3, 16),
                Weekday::Mon,
            ),
            (
                date(2026, 3, 13),
                Weekday::Fri,
                date(2026, 3, 16),
                Weekday::Mon,
            ),
            (
                date(2026, 3, 14),
                Weekday::Sat,
                date(2026, 3, 16),
                Weekday::Mon,
            ),
            (
                date(2026, 3, 15),
                Weekday::Sun,
                date(2026, 3, 17),
                Weekday::Tue,
            ),
        ];
        for (aware, aware_wd, due, due_wd) in cases {
            assert_eq!(aware.weekday(), aware_wd);
            assert_eq!(injury_report_due(&cal, aware), due, "aware {aware}");
            assert_eq!(due.weekday(), due_wd);
        }
    }

    #[test]
    fn injury_report_across_public_holidays() {
        let cal = nsw_calendar();
        let cases = [
            // Wed → Fri 3 Apr Good Friday → Easter → Tue 7 Apr.
            (date(2026, 4, 1), date(2026, 4, 7)),
            // Thu → Sat 4 → Tue 7 Apr.
            (date(2026, 4, 2), date(2026, 4, 7)),
            // Fri → Sun 26 → Mon 27 additional Anzac Day → Tue 28.
            (date(2026, 4, 24), date(2026, 4, 28)),
            // Wed → Fri 25 → Sat 26, Sun 27, Mon 28 (additional) → Tue 29.
            (date(2026, 12, 23), date(2026, 12, 29)),
            // Thu → Sat 25 → Tue 28 additional too → Wed 29.
            (date(2027, 12, 23), date(2027, 12, 29)),
        ];
        for (aware, due) in cases {
            assert_eq!(injury_report_due(&cal, aware), due, "aware {aware}");
        }
        // Without the holidays the weekend rule alone applies.
        let plain = BusinessCalendar::default();
        assert_eq!(
            injury_report_due(&plain, date(2026, 4, 1)),
            date(2026, 4, 3)
        );
    }

    #[test]
    fn injury_awareness_day_is_the_sydney_day() {
        let cal = nsw_calendar();
        // Mon 9 Mar 2026 00:30 AEDT is still Sunday in UTC; due Wed, not Tue.
        let aware = syd(2026, 3, 9, 0, 30);
        assert_eq!(aware, utc(2026, 3, 8, 13, 30));
        assert_eq!(injury_report_due_at(&cal, aware), date(2026, 3, 11));
    }

    #[test]
    fn recall_notification_two_days_after_start() {
        let cal = nsw_calendar();
        let cases = [
            (date(2026, 3, 10), date(2026, 3, 12)),
            (date(2026, 3, 13), date(2026, 3, 16)),
            // Thu 24 Dec → Sat 26 → Mon 28 additional → Tue 29.
            (date(2026, 12, 24), date(2026, 12, 29)),
        ];
        for (started, due) in cases {
            assert_eq!(
                recall_notification_due(&cal, started),
                due,
                "started {started}"
            );
        }
        let today = date(2026, 3, 10);
        assert_eq!(statutory_due_date(&cal, today, 0), today);
    }

    #[test]
    fn sla_targets() {
        let targets: Vec<(u32, SlaClock)> = TicketPriority::ALL
            .iter()
            .map(|p| {
                let t = p.first_response_target();
                (t.hours, t.clock)
            })
            .collect();
        assert_eq!(
            targets,
            vec![
                (2, SlaClock::AroundTheClock),
                (4, SlaClock::BusinessHours),
                (24, SlaClock::BusinessHours),
                (72, SlaClock::BusinessHours),
            ]
        );
    }

    /// First-response due times in Sydney wall time: (opened, priority, due, why).
    #[test]
    fn sla_due_times_across_weekends_and_holidays() {
        use TicketPriority::*;
        let cal = nsw_calendar();
        let cases = [
            (
                syd(2026, 3, 10, 10, 0),
                Critical,
                syd(2026, 3, 10, 12, 0),
                "Tue: 2 real hours",
            ),
            (
                syd(2026, 3, 10, 10, 0),
                High,
                syd(2026, 3, 10, 14, 0),
                "Tue: 4 business hours",
            ),
            (
                syd(2026, 3, 10, 10, 0),
                Medium,
                syd(2026, 3, 13, 10, 0),
                "Tue: 24 hours",
            ),
            (
                syd(2026, 3, 10, 10, 0),
                Low,
                syd(2026, 3, 23, 10, 0),
                "72h: 9 days",
            ),
            (
                syd(2026, 3, 13, 16, 30),
                Critical,
                syd(2026, 3, 13, 18, 30),
                "Fri evening",
            ),
            (
                syd(2026, 3, 13, 16, 30),
                High,
                syd(2026, 3, 16, 12, 30),
                "Fri 30m, Mon",
            ),
            (
                syd(2026, 3, 14, 11, 0),
                High,
                syd(2026, 3, 16, 13, 0),
                "Sat: from Mon",
            ),
            (
                syd(2026, 3, 14, 11, 0),
                Critical,
                syd(2026, 3, 14, 13, 0),
                "Sat: real",
            ),
            (
                syd(2026, 4, 2, 15, 0),
                High,
                syd(2026, 4, 7, 11, 0),
                "over Easter",
            ),
            (
                syd(2026, 4, 2, 15, 0),
                Medium,
                syd(2026, 4, 9, 15, 0),
                "Thu 2+8+8+6",
            ),
            (
                syd(2026, 4, 3, 10, 0),
                Critical,
                syd(2026, 4, 3, 12, 0),
                "Good Friday",
            ),
        ];
        for (opened, priority, due, why) in cases {
            assert_eq!(first_response_due(&cal, priority, opened), due, "{why}");
        }
    }

    /// Across daylight saving (UTC in, UTC and Sydney wall time out). Clocks
    /// go forward Sun 4 Oct 2026 (Mon 5 Oct is Labour Day) and back Sun 4 Apr
    /// 2027; business hours follow the wall clock, Critical counts real hours.
    #[test]
    fn sla_across_daylight_saving() {
        use TicketPriority::{Critical, High};
        let cal = nsw_calendar();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let cases = [
            // Fri 16:00 AEST → Tue 12:00 AEDT.
            (
                "2026-10-02T06:00:00Z",
                High,
                "2026-10-06T01:00:00Z",
                "Tue 12:00 AEDT",
            ),
            // Sun 01:30 AEST, two real hours later.
            (
                "2026-10-03T15:30:00Z",
                Critical,
                "2026-10-03T17:30:00Z",
                "Sun 04:30 AEDT",
            ),
            // Fri 16:00 AEDT → Mon 12:00 AEST.
            (
                "2027-04-02T05:00:00Z",
                High,
                "2027-04-05T02:00:00Z",
                "Mon 12:00 AEST",
            ),
            // Sun 01:30 AEDT, two real hours later.
            (
                "2027-04-03T14:30:00Z",
                Critical,
                "2027-04-03T16:30:00Z",
                "Sun 02:30 AEST",
            ),
        ];
        for (opened, priority, due, wall) in cases {
            let got = first_response_due(&cal, priority, at(opened));
            assert_eq!(got, at(due), "{opened} {priority:?}");
            assert_eq!(cal.to_local(got).format("%a %H:%M %Z").to_string(), wall);
        }
    }

    #[test]
    fn duration_range_is_validated() {
        assert!(DurationRange::new(1, 2).is_ok());
        assert!(DurationRange::new(3, 3).is_ok());
        assert_eq!(
            DurationRange::new(0, 2).unwrap_err().code,
            ValueErrorCode::OutOfRange
        );
        assert_eq!(
            DurationRange::new(5, 3).unwrap_err().code,
            ValueErrorCode::OutOfRange
        );
        let r = DurationRange::new(2, 5).unwrap();
        assert_eq!((r.min_days(), r.max_days()), (2, 5));
    }

    #[test]
    fn stage_due_dates_from_business_day_ranges() {
        let cal = nsw_calendar();
        let kickoff = DurationRange::new(1, 2).unwrap();
        // Starts Mon 2 Mar 2026: due Mon (1 day) to Tue (2 days).
        let s = stage_due_dates(&cal, date(2026, 3, 2), kickoff);
        assert_eq!(
            (s.starts_on, s.earliest_due, s.latest_due),
            (date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 3))
        );
        // Planning 3–5 from Wed 1 Apr 2026 spans Easter: Wed, Thu, Tue | Wed, Thu.
        let planning = DurationRange::new(3, 5).unwrap();
        let s = stage_due_dates(&cal, date(2026, 4, 1), planning);
        assert_eq!(
            (s.earliest_due, s.latest_due),
            (date(2026, 4, 7), date(2026, 4, 9))
        );
        // Starting on a Saturday moves to Monday.
        let s = stage_due_dates(&cal, date(2026, 3, 7), kickoff);
        assert_eq!(s.starts_on, date(2026, 3, 9));
        assert_eq!(s.latest_due, date(2026, 3, 10));
    }

    #[test]
    fn plan_service_delivery_stages() {
        let cal = nsw_calendar();
        let r = |a, b| DurationRange::new(a, b).unwrap();
        // Kickoff 1–2, Planning 3–5, Quality Review 2–5, Acceptance 3–7, Closure 2–3.
        let plan = plan_stages(
            &cal,
            date(2026, 3, 2),
            &[r(1, 2), r(3, 5), r(2, 5), r(3, 7), r(2, 3)],
        );
        let got: Vec<(NaiveDate, NaiveDate)> =
            plan.iter().map(|s| (s.starts_on, s.latest_due)).collect();
        assert_eq!(
            got,
            vec![
                (date(2026, 3, 2), date(2026, 3, 3)),
                (date(2026, 3, 4), date(2026, 3, 10)),
                (date(2026, 3, 11), date(2026, 3, 17)),
                (date(2026, 3, 18), date(2026, 3, 26)),
                (date(2026, 3, 27), date(2026, 3, 31)),
            ]
        );
        assert!(plan_stages(&cal, date(2026, 3, 2), &[]).is_empty());
    }

    #[test]
    fn elapsed_business_time_skips_nights_and_pauses_once() {
        let cal = nsw_calendar();
        // Monday 16:00 to Tuesday 11:00: 1 h + 2 h of business time.
        let from = syd(2026, 11, 23, 16, 0);
        let to = syd(2026, 11, 24, 11, 0);
        assert_eq!(
            elapsed(&cal, SlaClock::BusinessHours, from, to, &[]),
            TimeDelta::hours(3)
        );
        // Paused Monday 16:30 to Tuesday 10:00 (the night costs nothing),
        // and an overlapping pause Tuesday 09:30–10:00 is not taken off twice.
        let pauses = [
            Pause {
                from: syd(2026, 11, 23, 16, 30),
                to: syd(2026, 11, 24, 10, 0),
            },
            Pause {
                from: syd(2026, 11, 24, 9, 30),
                to: syd(2026, 11, 24, 10, 0),
            },
        ];
        assert_eq!(
            elapsed(&cal, SlaClock::BusinessHours, from, to, &pauses),
            TimeDelta::minutes(90)
        );
        // A pause wholly outside the span changes nothing.
        let outside = [Pause {
            from: syd(2026, 11, 20, 9, 0),
            to: syd(2026, 11, 20, 17, 0),
        }];
        assert_eq!(
            elapsed(&cal, SlaClock::BusinessHours, from, to, &outside),
            TimeDelta::hours(3)
        );
    }

    #[test]
    fn elapsed_around_the_clock_is_real_time_across_daylight_saving() {
        let cal = nsw_calendar();
        // Sydney clocks go from 02:00 to 03:00 on Sunday 4 October 2026.
        let from = syd(2026, 10, 4, 1, 30);
        let to = syd(2026, 10, 4, 3, 30);
        assert_eq!(
            elapsed(&cal, SlaClock::AroundTheClock, from, to, &[]),
            TimeDelta::hours(1)
        );
        let pause = [Pause {
            from: syd(2026, 10, 4, 1, 30),
            to: syd(2026, 10, 4, 1, 45),
        }];
        assert_eq!(
            elapsed(&cal, SlaClock::AroundTheClock, from, to, &pause),
            TimeDelta::minutes(45)
        );
        assert_eq!(
            elapsed(&cal, SlaClock::AroundTheClock, to, from, &[]),
            TimeDelta::zero()
        );
    }

    #[test]
    fn elapsed_and_due_agree() {
        let cal = nsw_calendar();
        let start = syd(2026, 12, 24, 15, 0);
        for priority in TicketPriority::ALL {
            let target = priority.first_response_target();
            let due = sla_due(&cal, target, start);
            assert_eq!(
                elapsed(&cal, target.clock, start, due, &[]),
                TimeDelta::hours(i64::from(target.hours)),
                "{priority:?}"
            );
        }
    }
}
