//! SLA clocks as pure functions of a ticket's terms, its history and the
//! business calendar (DESIGN: elapsed SLA time is derived from the status
//! history, never kept as a running counter).
//!
//! CONTRACT (other code is written against these names; keep them):
//!
//! ```ignore
//! /// The terms a ticket was given (stored as JSON on `ticket.sla_terms`).
//! #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! pub struct Terms {
//!     pub policy_id: Uuid,
//!     pub policy_name: String,
//!     pub first_response_minutes: u32,
//!     pub next_update_minutes: u32,
//!     pub resolution_minutes: u32,
//!     pub calendar: entity::SlaCalendar,
//!     pub pause_statuses: Vec<entity::TicketStatus>,
//!     pub warning_minutes: u32,
//!     pub escalate_role: crate::Role,
//! }
//! impl Terms { pub fn of(policy: &entity::sla_policy::Model) -> Result<Terms, DomainError>; }
//!
//! /// Which SLA target.
//! pub enum TargetKind { FirstResponse, NextUpdate, Resolution }
//!
//! /// Where one target stands at `now`.
//! pub struct Target {
//!     pub kind: TargetKind,
//!     /// When it is due (None while paused: the due time is not known yet,
//!     /// or when it no longer applies, e.g. next update before a first response).
//!     pub due_at: Option<DateTime<Utc>>,
//!     /// When it was met (the first staff reply; a staff reply for next
//!     /// update; the resolution).
//!     pub met_at: Option<DateTime<Utc>>,
//!     /// SLA time left (positive) or how late (negative), in the policy's clock, at `now`.
//!     pub remaining: TimeDelta,
//!     pub state: TargetState, // Running, Paused, Met, Breached, MetLate, Inactive
//!     /// Added: when the assignee is warned (see `alarms` for timers).
//!     pub warning_at: Option<DateTime<Utc>>,
//! }
//!
//! /// Every target of a ticket, given its terms and its history (oldest
//! /// first: `ticket_event` rows) at `now`, on `calendar` (business hours)
//! /// or around the clock.
//! pub fn clocks(terms: &Terms, history: &[entity::ticket_event::Model],
//!               calendar: &BusinessCalendar, now: DateTime<Utc>) -> Vec<Target>;
//! ```
//!
//! How the clocks count:
//! - Every target counts from the ticket's creation (its first event), or
//!   from its last PRIORITY event: a new priority re-targets from the change
//!   on (the ticket then carries the new policy's terms).
//! - Time in one of the terms' pause statuses does not count, nor time while
//!   the ticket is RESOLVED or CLOSED; BUSINESS_HOURS counts only business
//!   time (the calendar's hours, weekends and public holidays excluded);
//!   ALWAYS counts real elapsed time (a daylight-saving change moves the
//!   local reading, not the elapsed time).
//! - First response is met by the first STAFF_REPLY (one before a priority
//!   change stays met). Next update runs from the last staff reply (or the
//!   priority change, if later) while the ticket is not resolved; each staff
//!   reply starts it again. Resolution is met when the ticket becomes
//!   RESOLVED (or CLOSED); a reopen makes it run again, keeping the time
//!   already counted.
//! - A target's due time is when its remaining SLA time runs out if the
//!   clock keeps running from now; unknown (None) while paused, unless it
//!   has already been breached (then the instant it was).

use crate::kernel::{DomainError, Role};
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, TimeDelta, Utc};
use entity::{SlaCalendar, TicketEventKind, TicketStatus, sla_policy, ticket_event};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The terms a ticket was given (stored as JSON on `ticket.sla_terms`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terms {
    pub policy_id: Uuid,
    pub policy_name: String,
    pub first_response_minutes: u32,
    pub next_update_minutes: u32,
    pub resolution_minutes: u32,
    pub calendar: SlaCalendar,
    pub pause_statuses: Vec<TicketStatus>,
    pub warning_minutes: u32,
    pub escalate_role: Role,
}

/// The statuses a policy's `pause_statuses` column holds (a JSON array).
pub fn parse_pause_statuses(json: &str) -> Result<Vec<TicketStatus>, DomainError> {
    serde_json::from_str(json)
        .map_err(|e| DomainError::internal(format!("SLA pause statuses {json:?}: {e}")))
}

/// The JSON the `pause_statuses` column keeps.
pub fn pause_statuses_json(statuses: &[TicketStatus]) -> String {
    serde_json::to_string(statuses).expect("statuses serialise")
}

impl Terms {
    /// The terms of a policy as a ticket keeps them.
    pub fn of(policy: &sla_policy::Model) -> Result<Terms, DomainError> {
        let minutes = |what: &str, m: i32| {
            u32::try_from(m).map_err(|_| {
                DomainError::internal(format!("SLA policy {}: negative {what}", policy.id))
            })
        };
        Ok(Terms {
            policy_id: policy.id,
            policy_name: policy.name.clone(),
            first_response_minutes: minutes("first response", policy.first_response_minutes)?,
            next_update_minutes: minutes("next update", policy.next_update_minutes)?,
            resolution_minutes: minutes("resolution", policy.resolution_minutes)?,
            calendar: policy.calendar,
            pause_statuses: parse_pause_statuses(&policy.pause_statuses)?,
            warning_minutes: minutes("warning lead", policy.warning_minutes)?,
            escalate_role: policy.escalate_role,
        })
    }

    /// The terms as `ticket.sla_terms` keeps them.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("terms serialise")
    }

    /// The terms kept on a ticket.
    pub fn from_json(json: &str) -> Result<Terms, DomainError> {
        serde_json::from_str(json)
            .map_err(|e| DomainError::internal(format!("ticket SLA terms: {e}")))
    }

    /// The SLA time a target allows.
    pub fn budget(&self, kind: TargetKind) -> TimeDelta {
        let minutes = match kind {
            TargetKind::FirstResponse => self.first_response_minutes,
            TargetKind::NextUpdate => self.next_update_minutes,
            TargetKind::Resolution => self.resolution_minutes,
        };
        TimeDelta::minutes(i64::from(minutes))
    }

    /// Whether the clock runs while the ticket is in `status`.
    pub fn counts_in(&self, status: TicketStatus) -> bool {
        !matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
            && !self.pause_statuses.contains(&status)
    }
}

/// Which SLA target (stored on alarm rows, hence an entity enum).
pub use entity::SlaTargetKind as TargetKind;

/// Every target, in the order a ticket shows them.
pub const ALL_TARGETS: [TargetKind; 3] = [
    TargetKind::FirstResponse,
    TargetKind::NextUpdate,
    TargetKind::Resolution,
];

/// Where one target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetState {
    /// Counting down; its due time is known.
    Running,
    /// Stopped in a pause status; it runs again when the ticket leaves it.
    Paused,
    /// Met in time.
    Met,
    /// Not met and its SLA time is used up.
    Breached,
    /// Met, but after its SLA time was used up.
    MetLate,
    /// Not counting and nothing due: next update before any staff reply,
    /// or any unmet target while the ticket is resolved or closed.
    Inactive,
}

/// Where one target stands at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    /// When it is due: while running, when its remaining time runs out if
    /// the clock keeps running; when breached, the instant it was; when met,
    /// the due time as it stood then. None while paused or inactive.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was met (the first staff reply; the resolution). Next update
    /// is never met for good: each staff reply starts it again.
    pub met_at: Option<DateTime<Utc>>,
    /// SLA time left (positive) or how late (negative), in the policy's
    /// clock, at `now` (at `met_at` when met).
    pub remaining: TimeDelta,
    pub state: TargetState,
    /// When the assignee is warned: when the remaining time reaches the
    /// warning lead (possibly already past). None while paused or inactive
    /// before that moment, and once met.
    pub warning_at: Option<DateTime<Utc>>,
}

/// The timers a worker plans for one target: a warning and a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alarm {
    pub kind: TargetKind,
    /// Warn the assignee (may be past: warn at once if not yet warned).
    pub warning_at: DateTime<Utc>,
    /// Escalate to the policy's role (may be past).
    pub breach_at: DateTime<Utc>,
}

/// When `target`'s warning is due (see [`Target::warning_at`]).
pub fn warning_at(target: &Target) -> Option<DateTime<Utc>> {
    target.warning_at
}

/// The warning and breach instants of every unmet target whose due time is
/// known (running, or breached while the clock runs): what the worker plans
/// timers for, re-planned whenever the ticket changes.
pub fn alarms(targets: &[Target]) -> Vec<Alarm> {
    targets
        .iter()
        .filter(|t| matches!(t.state, TargetState::Running | TargetState::Breached))
        .filter_map(|t| {
            let breach_at = t.due_at?;
            Some(Alarm {
                kind: t.kind,
                warning_at: t.warning_at.unwrap_or(breach_at).min(breach_at),
                breach_at,
            })
        })
        .collect()
}

/// A stretch of history with one status.
#[derive(Debug, Clone, Copy)]
struct Segment {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    status: TicketStatus,
}

/// The policy's clock over the calendar.
struct Meter<'a> {
    terms: &'a Terms,
    calendar: &'a BusinessCalendar,
}

impl Meter<'_> {
    /// SLA time between two instants.
    fn measure(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        match self.terms.calendar {
            SlaCalendar::Always => (to - from).max(TimeDelta::zero()),
            SlaCalendar::BusinessHours => self.calendar.business_time_between(from, to),
        }
    }

    /// The instant `amount` of SLA time after `start` (a business-hours clock
    /// starts at the next opening and ends at closing at the latest).
    fn advance(&self, start: DateTime<Utc>, amount: TimeDelta) -> DateTime<Utc> {
        match self.terms.calendar {
            SlaCalendar::Always => start + amount.max(TimeDelta::zero()),
            SlaCalendar::BusinessHours => add_business_time(self.calendar, start, amount),
        }
    }

    /// SLA time counted over `segments` within `[from, until]`, and the
    /// instants the count reached each of `thresholds` (None: not reached).
    fn run(
        &self,
        segments: &[Segment],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        thresholds: &[TimeDelta],
    ) -> (TimeDelta, Vec<Option<DateTime<Utc>>>) {
        let mut elapsed = TimeDelta::zero();
        let mut crossed = vec![None; thresholds.len()];
        for s in segments {
            let a = s.from.max(from);
            let b = s.to.min(until);
            if a >= b || !self.terms.counts_in(s.status) {
                continue;
            }
            let d = self.measure(a, b);
            for (i, t) in thresholds.iter().enumerate() {
                if crossed[i].is_none() && elapsed + d >= *t {
                    crossed[i] = Some(self.advance(a, *t - elapsed).min(b));
                }
            }
            elapsed += d;
        }
        (elapsed, crossed)
    }
}

/// Adds business time (with seconds) the way the calendar adds business
/// minutes: only while open; starting outside hours at the next opening; a
/// total used up exactly at closing ends at closing.
pub fn add_business_time(
    calendar: &BusinessCalendar,
    start: DateTime<Utc>,
    amount: TimeDelta,
) -> DateTime<Utc> {
    let mut remaining = amount.max(TimeDelta::zero());
    let mut date = calendar.local_date(start);
    loop {
        if calendar.is_business_day(date) {
            let from = start.max(calendar.open_at(date));
            let close = calendar.close_at(date);
            if from <= close {
                let available = close - from;
                if remaining <= available {
                    return from + remaining;
                }
                remaining -= available;
            }
        }
        date = match date.succ_opt() {
            Some(d) => d,
            None => return start,
        };
    }
}

/// Every target of a ticket, given its terms and its history (oldest first:
/// `ticket_event` rows) at `now`, on `calendar` (business hours) or around
/// the clock. An empty history has no targets.
pub fn clocks(
    terms: &Terms,
    history: &[ticket_event::Model],
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Vec<Target> {
    let mut events: Vec<&ticket_event::Model> = history.iter().filter(|e| e.at <= now).collect();
    events.sort_by_key(|e| e.at);
    let Some(first) = events.first() else {
        return Vec::new();
    };
    let start = events
        .iter()
        .rev()
        .find(|e| e.kind == TicketEventKind::Priority)
        .map_or(first.at, |e| e.at);
    let segments: Vec<Segment> = events
        .iter()
        .enumerate()
        .map(|(i, e)| Segment {
            from: e.at,
            to: events.get(i + 1).map_or(now, |n| n.at),
            status: e.status,
        })
        .collect();
    let status_now = events.last().map_or(TicketStatus::New, |e| e.status);
    let done = |s: TicketStatus| matches!(s, TicketStatus::Resolved | TicketStatus::Closed);
    let staff_replies: Vec<DateTime<Utc>> = events
        .iter()
        .filter(|e| e.kind == TicketEventKind::StaffReply)
        .map(|e| e.at)
        .collect();
    let meter = Meter { terms, calendar };

    // First response: the first staff reply.
    let first_reply = staff_replies.first().copied();
    let first_response = target(
        &meter,
        TargetKind::FirstResponse,
        &segments,
        start,
        first_reply,
        status_now,
        now,
    );

    // Next update: from the last staff reply (or the re-targeting), while
    // the ticket is not resolved.
    let next_update = match staff_replies.last() {
        Some(&last) => target(
            &meter,
            TargetKind::NextUpdate,
            &segments,
            last.max(start),
            None,
            status_now,
            now,
        ),
        None => Target {
            kind: TargetKind::NextUpdate,
            due_at: None,
            met_at: None,
            remaining: terms.budget(TargetKind::NextUpdate),
            state: TargetState::Inactive,
            warning_at: None,
        },
    };

    // Resolution: met when the ticket last became resolved (or closed), if
    // it still is.
    let resolved_at = if done(status_now) {
        let mut at = None;
        let mut before = None;
        for e in &events {
            if done(e.status) && !before.is_some_and(done) {
                at = Some(e.at.max(start));
            }
            before = Some(e.status);
        }
        at
    } else {
        None
    };
    let resolution = target(
        &meter,
        TargetKind::Resolution,
        &segments,
        start,
        resolved_at,
        status_now,
        now,
    );
    vec![first_response, next_update, resolution]
}

/// One target counted from `from`, met at `met_at` (if it was).
fn target(
    meter: &Meter<'_>,
    kind: TargetKind,
    segments: &[Segment],
    from: DateTime<Utc>,
    met_at: Option<DateTime<Utc>>,
    status_now: TicketStatus,
    now: DateTime<Utc>,
) -> Target {
    let budget = meter.terms.budget(kind);
    let lead = TimeDelta::minutes(i64::from(meter.terms.warning_minutes));
    let warn_threshold = (budget - lead).max(TimeDelta::zero());
    let until = met_at.map_or(now, |m| m.max(from));
    let (elapsed, crossed) = meter.run(segments, from, until, &[warn_threshold, budget]);
    let remaining = budget - elapsed;
    let (warned, breached) = (crossed[0], crossed[1]);
    if let Some(met) = met_at {
        let late = remaining < TimeDelta::zero();
        return Target {
            kind,
            due_at: Some(breached.unwrap_or_else(|| meter.advance(until, remaining))),
            met_at: Some(met),
            remaining,
            state: if late {
                TargetState::MetLate
            } else {
                TargetState::Met
            },
            warning_at: None,
        };
    }
    let running = meter.terms.counts_in(status_now);
    let over = remaining <= TimeDelta::zero();
    let state = match (over, running) {
        (true, _) => TargetState::Breached,
        (false, true) => TargetState::Running,
        (false, false) if meter.terms.pause_statuses.contains(&status_now) => TargetState::Paused,
        (false, false) => TargetState::Inactive,
    };
    let due_at = match state {
        TargetState::Breached => breached.or(Some(now)),
        TargetState::Running => Some(meter.advance(now, remaining)),
        _ => None,
    };
    let warning_at =
        warned.or_else(|| running.then(|| meter.advance(now, remaining - lead.min(budget))));
    Target {
        kind,
        due_at,
        met_at: None,
        remaining,
        state,
        warning_at,
    }
}

/// The seeded policies' terms (for tests).
#[cfg(test)]
pub(crate) fn seeded_terms(priority: entity::TicketPriority) -> Terms {
    use entity::TicketPriority;
    let (first, resolution, calendar) = match priority {
        TicketPriority::Critical => (120, 480, SlaCalendar::Always),
        TicketPriority::High => (240, 960, SlaCalendar::BusinessHours),
        TicketPriority::Medium => (1440, 2400, SlaCalendar::BusinessHours),
        TicketPriority::Low => (4320, 4800, SlaCalendar::BusinessHours),
    };
    Terms {
        policy_id: Uuid::nil(),
        policy_name: priority.to_string(),
        first_response_minutes: first,
        next_update_minutes: first,
        resolution_minutes: resolution,
        calendar,
        pause_statuses: vec![
            TicketStatus::WaitingOnCustomer,
            TicketStatus::WaitingOnThirdParty,
        ],
        warning_minutes: 15,
        escalate_role: Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::{date, nsw_calendar, nsw_holidays, syd, utc};
    use SlaCalendar::BusinessHours;
    use TicketEventKind as K;
    use TicketStatus as S;
    use entity::TicketPriority;
    use proptest::prelude::*;

    use super::seeded_terms as terms;

    fn event(kind: K, status: S, at: DateTime<Utc>) -> ticket_event::Model {
        ticket_event::Model {
            id: Uuid::now_v7(),
            ticket_id: Uuid::nil(),
            kind,
            status,
            priority: TicketPriority::Medium,
            actor: "test".into(),
            at,
        }
    }

    fn created(at: DateTime<Utc>) -> Vec<ticket_event::Model> {
        vec![event(K::Created, S::New, at)]
    }

    fn get(targets: &[Target], kind: TargetKind) -> Target {
        targets.iter().find(|t| t.kind == kind).unwrap().clone()
    }

    /// (first response due, resolution due) of a fresh ticket at `now`.
    fn dues(
        priority: TicketPriority,
        cal: &BusinessCalendar,
        opened: DateTime<Utc>,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let t = clocks(&terms(priority), &created(opened), cal, opened);
        let fr = get(&t, TargetKind::FirstResponse);
        let res = get(&t, TargetKind::Resolution);
        assert_eq!(fr.state, TargetState::Running);
        assert_eq!(res.state, TargetState::Running);
        assert_eq!(get(&t, TargetKind::NextUpdate).state, TargetState::Inactive);
        (fr.due_at.unwrap(), res.due_at.unwrap())
    }

    fn minutes(m: i64) -> TimeDelta {
        TimeDelta::minutes(m)
    }

    #[test]
    fn every_priority_from_a_friday_afternoon_across_the_weekend() {
        let cal = nsw_calendar();
        let fri = syd(2026, 11, 13, 15, 0);
        use TicketPriority::*;
        // Critical: around the clock, Friday evening.
        assert_eq!(
            dues(Critical, &cal, fri),
            (syd(2026, 11, 13, 17, 0), syd(2026, 11, 13, 23, 0))
        );
        // High 4 h: Fri 2 h + Mon 2 h; 16 h: Fri 2 + Mon 8 + Tue 6.
        assert_eq!(
            dues(High, &cal, fri),
            (syd(2026, 11, 16, 11, 0), syd(2026, 11, 17, 15, 0))
        );
        // Medium 24 h: 2 + 8 + 8 + Wed 6; 40 h: 2 + 4 × 8 + Fri 6.
        assert_eq!(
            dues(Medium, &cal, fri),
            (syd(2026, 11, 18, 15, 0), syd(2026, 11, 20, 15, 0))
        );
        // Low 72 h: 2 + 8 days × 8 + Thu 26 6; 80 h: … + Thu 8 + Fri 27 6.
        assert_eq!(
            dues(Low, &cal, fri),
            (syd(2026, 11, 26, 15, 0), syd(2026, 11, 27, 15, 0))
        );
    }

    #[test]
    fn easter_from_thursday_to_the_tuesday_after_easter_monday() {
        let cal = nsw_calendar();
        // Thu 2 Apr 2026 16:00 AEDT; Good Friday to Easter Monday are off and
        // daylight saving ends on Easter Sunday: Tuesday's hours are AEST.
        let thu = syd(2026, 4, 2, 16, 0);
        let (fr, _) = dues(TicketPriority::High, &cal, thu);
        assert_eq!(fr, syd(2026, 4, 7, 12, 0)); // Thu 1 h + Tue 3 h
        assert_eq!(fr, utc(2026, 4, 7, 2, 0));
        let (fr, _) = dues(TicketPriority::Medium, &cal, thu);
        assert_eq!(fr, syd(2026, 4, 9, 16, 0)); // 1 + Tue 8 + Wed 8 + Thu 7
        let (fr, res) = dues(TicketPriority::Critical, &cal, thu);
        assert_eq!((fr, res), (syd(2026, 4, 2, 18, 0), syd(2026, 4, 3, 0, 0)));
        // Halfway, on Easter Monday, the High clock has counted 1 h.
        let t = clocks(
            &terms(TicketPriority::High),
            &created(thu),
            &cal,
            syd(2026, 4, 6, 12, 0),
        );
        let fr = get(&t, TargetKind::FirstResponse);
        assert_eq!(fr.remaining, minutes(180));
        assert_eq!(fr.due_at, Some(syd(2026, 4, 7, 12, 0)));
        assert_eq!(fr.warning_at, Some(syd(2026, 4, 7, 11, 45)));
    }

    #[test]
    fn a_declared_additional_public_holiday_is_skipped() {
        // Boxing Day 2026 is a Saturday: Monday 28 December is declared.
        let cal = nsw_calendar();
        assert!(cal.is_holiday(date(2026, 12, 28)));
        let thu = syd(2026, 12, 24, 15, 0);
        let (fr, _) = dues(TicketPriority::High, &cal, thu);
        assert_eq!(fr, syd(2026, 12, 29, 11, 0)); // Thu 2 h + Tue 2 h
        // Without the declared day the Monday would count.
        let without = BusinessCalendar::sydney(
            nsw_holidays()
                .into_iter()
                .filter(|d| *d != date(2026, 12, 28)),
        );
        let (fr, _) = dues(TicketPriority::High, &without, thu);
        assert_eq!(fr, syd(2026, 12, 28, 11, 0));
    }

    #[test]
    fn around_the_clock_counts_real_hours_across_both_daylight_saving_changes() {
        let cal = nsw_calendar();
        // Sun 5 Apr 2026: 03:00 AEDT becomes 02:00 AEST. Opened 01:30 AEDT
        // (14:30 UTC), due 2 real hours later: 02:30 AEST, the second 02:30.
        let (fr, res) = dues(TicketPriority::Critical, &cal, syd(2026, 4, 5, 1, 30));
        assert_eq!(fr, utc(2026, 4, 4, 16, 30));
        assert_eq!(
            cal.to_local(fr).format("%H:%M %Z").to_string(),
            "02:30 AEST"
        );
        assert_eq!(res, syd(2026, 4, 5, 8, 30)); // 8 h: 09:30 − 1 h
        // Sun 4 Oct 2026: 02:00 AEST becomes 03:00 AEDT. Opened 01:30 AEST,
        // due at 04:30 AEDT (2 real hours, 3 on the wall clock).
        let (fr, res) = dues(TicketPriority::Critical, &cal, syd(2026, 10, 4, 1, 30));
        assert_eq!(fr, syd(2026, 10, 4, 4, 30));
        assert_eq!(fr - syd(2026, 10, 4, 1, 30), minutes(120));
        assert_eq!(res, syd(2026, 10, 4, 10, 30));
    }

    #[test]
    fn business_hours_keep_their_local_hours_across_daylight_saving() {
        let cal = nsw_calendar();
        // Fri 2 Oct 2026 16:00 AEST; the weekend changes to AEDT and Mon 5
        // Oct is Labour Day: Fri 1 h + Tue 3 h, at 12:00 AEDT.
        let (fr, res) = dues(TicketPriority::High, &cal, syd(2026, 10, 2, 16, 0));
        assert_eq!(fr, syd(2026, 10, 6, 12, 0));
        assert_eq!(fr, utc(2026, 10, 6, 1, 0));
        assert_eq!(res, syd(2026, 10, 7, 16, 0)); // 1 + Tue 8 + Wed 7
        // Fri 3 Apr 2026 (Good Friday) 10:00 AEDT: nothing counts until Tue
        // 7 Apr 09:00 AEST, after the change back on Sunday.
        let (fr, _) = dues(TicketPriority::High, &cal, syd(2026, 4, 3, 10, 0));
        assert_eq!(fr, syd(2026, 4, 7, 13, 0));
        assert_eq!(fr, utc(2026, 4, 7, 3, 0));
    }

    #[test]
    fn a_business_day_waiting_on_the_customer_moves_the_due_time_one_business_day() {
        let cal = nsw_calendar();
        let t = terms(TicketPriority::Medium);
        let mon = syd(2026, 11, 9, 9, 0);
        let (fr, _) = dues(TicketPriority::Medium, &cal, mon);
        assert_eq!(fr, syd(2026, 11, 11, 17, 0)); // Mon, Tue, Wed: 24 h
        let mut history = created(mon);
        history.push(event(
            K::Status,
            S::WaitingOnCustomer,
            syd(2026, 11, 9, 10, 0),
        ));
        // While waiting: paused, nothing due, 1 h used.
        let paused = clocks(&t, &history, &cal, syd(2026, 11, 9, 15, 0));
        let fr = get(&paused, TargetKind::FirstResponse);
        assert_eq!(fr.state, TargetState::Paused);
        assert_eq!(fr.due_at, None);
        assert_eq!(fr.warning_at, None);
        assert_eq!(fr.remaining, minutes(23 * 60));
        assert!(alarms(&paused).is_empty());
        // Back after one business day (8 business hours).
        history.push(event(K::Status, S::Open, syd(2026, 11, 10, 10, 0)));
        let back = clocks(&t, &history, &cal, syd(2026, 11, 10, 12, 0));
        let fr = get(&back, TargetKind::FirstResponse);
        assert_eq!(fr.state, TargetState::Running);
        assert_eq!(fr.remaining, minutes(21 * 60));
        assert_eq!(fr.due_at, Some(syd(2026, 11, 12, 17, 0)));
        assert_eq!(fr.warning_at, Some(syd(2026, 11, 12, 16, 45)));
        let res = get(&back, TargetKind::Resolution);
        assert_eq!(res.due_at, Some(syd(2026, 11, 16, 17, 0))); // 40 h + 8 h
        assert_eq!(
            alarms(&back),
            vec![
                Alarm {
                    kind: TargetKind::FirstResponse,
                    warning_at: syd(2026, 11, 12, 16, 45),
                    breach_at: syd(2026, 11, 12, 17, 0),
                },
                Alarm {
                    kind: TargetKind::Resolution,
                    warning_at: syd(2026, 11, 16, 16, 45),
                    breach_at: syd(2026, 11, 16, 17, 0),
                },
            ]
        );
        // A pause status the policy does not list keeps the clock running.
        let mut no_pause = t.clone();
        no_pause.pause_statuses.clear();
        let fr = get(
            &clocks(&no_pause, &history, &cal, syd(2026, 11, 10, 12, 0)),
            TargetKind::FirstResponse,
        );
        assert_eq!(fr.due_at, Some(syd(2026, 11, 11, 17, 0)));
    }

    #[test]
    fn a_priority_change_re_targets_from_the_change() {
        let cal = nsw_calendar();
        let mon = syd(2026, 11, 9, 9, 0);
        let mut history = created(mon);
        let mut change = event(K::Priority, S::New, syd(2026, 11, 9, 10, 0));
        change.priority = TicketPriority::High;
        history.push(change);
        // The ticket now carries the High terms, counted from 10:00.
        let t = clocks(
            &terms(TicketPriority::High),
            &history,
            &cal,
            syd(2026, 11, 9, 11, 0),
        );
        let fr = get(&t, TargetKind::FirstResponse);
        assert_eq!(fr.remaining, minutes(180));
        assert_eq!(fr.due_at, Some(syd(2026, 11, 9, 14, 0)));
        let res = get(&t, TargetKind::Resolution);
        assert_eq!(res.due_at, Some(syd(2026, 11, 11, 10, 0))); // 7 + 8 + 1
        // A first response before the change stays met.
        let mut replied = created(mon);
        replied.push(event(K::StaffReply, S::Open, syd(2026, 11, 9, 9, 30)));
        let mut change = event(K::Priority, S::Open, syd(2026, 11, 9, 10, 0));
        change.priority = TicketPriority::Critical;
        replied.push(change);
        let t = clocks(
            &terms(TicketPriority::Critical),
            &replied,
            &cal,
            syd(2026, 11, 9, 11, 0),
        );
        let fr = get(&t, TargetKind::FirstResponse);
        assert_eq!(fr.state, TargetState::Met);
        assert_eq!(fr.met_at, Some(syd(2026, 11, 9, 9, 30)));
        // Next update counts from the change, around the clock now.
        let nu = get(&t, TargetKind::NextUpdate);
        assert_eq!(nu.due_at, Some(syd(2026, 11, 9, 12, 0)));
    }

    #[test]
    fn around_the_clock_pauses_count_real_time_and_a_change_while_paused_waits() {
        let cal = nsw_calendar();
        let t = terms(TicketPriority::Critical);
        // Opened Sat 21:00, waiting on a supplier 22:00–06:00: resolution
        // (8 h) is due at 13:00 instead of 05:00.
        let mut history = created(syd(2026, 11, 14, 21, 0));
        history.push(event(
            K::Status,
            S::WaitingOnThirdParty,
            syd(2026, 11, 14, 22, 0),
        ));
        let paused = clocks(&t, &history, &cal, syd(2026, 11, 15, 1, 0));
        let res = get(&paused, TargetKind::Resolution);
        assert_eq!(
            (res.state, res.remaining),
            (TargetState::Paused, minutes(420))
        );
        history.push(event(K::Status, S::Open, syd(2026, 11, 15, 6, 0)));
        let res = get(
            &clocks(&t, &history, &cal, syd(2026, 11, 15, 6, 0)),
            TargetKind::Resolution,
        );
        assert_eq!(res.due_at, Some(syd(2026, 11, 15, 13, 0)));
        // Re-prioritised while paused: nothing counts until it runs again.
        let mut history = created(syd(2026, 11, 14, 21, 0));
        history.push(event(
            K::Status,
            S::WaitingOnCustomer,
            syd(2026, 11, 14, 22, 0),
        ));
        history.push(event(
            K::Priority,
            S::WaitingOnCustomer,
            syd(2026, 11, 15, 1, 0),
        ));
        history.push(event(K::CustomerReply, S::Open, syd(2026, 11, 15, 2, 0)));
        let fr = get(
            &clocks(&t, &history, &cal, syd(2026, 11, 15, 2, 30)),
            TargetKind::FirstResponse,
        );
        assert_eq!(fr.remaining, minutes(90));
        assert_eq!(fr.due_at, Some(syd(2026, 11, 15, 4, 0)));
    }

    #[test]
    fn met_breached_and_met_late() {
        let cal = nsw_calendar();
        let t = terms(TicketPriority::Critical);
        let opened = syd(2026, 11, 10, 9, 0);
        let mut history = created(opened);
        history.push(event(K::StaffReply, S::Open, syd(2026, 11, 10, 10, 30)));
        let at_one = clocks(&t, &history, &cal, syd(2026, 11, 10, 13, 0));
        let fr = get(&at_one, TargetKind::FirstResponse);
        assert_eq!(fr.state, TargetState::Met);
        assert_eq!(fr.met_at, Some(syd(2026, 11, 10, 10, 30)));
        assert_eq!(fr.remaining, minutes(30));
        assert_eq!(fr.due_at, Some(syd(2026, 11, 10, 11, 0)));
        // No update since 10:30: due 12:30, 30 minutes late at 13:00.
        let nu = get(&at_one, TargetKind::NextUpdate);
        assert_eq!(nu.state, TargetState::Breached);
        assert_eq!(nu.remaining, minutes(-30));
        assert_eq!(nu.due_at, Some(syd(2026, 11, 10, 12, 30)));
        assert_eq!(nu.warning_at, Some(syd(2026, 11, 10, 12, 15)));
        let res = get(&at_one, TargetKind::Resolution);
        assert_eq!(res.state, TargetState::Running);
        assert_eq!(res.remaining, minutes(240));
        assert_eq!(res.due_at, Some(syd(2026, 11, 10, 17, 0)));
        assert_eq!(res.warning_at, Some(syd(2026, 11, 10, 16, 45)));
        // Another staff reply starts next update again.
        history.push(event(K::StaffReply, S::Open, syd(2026, 11, 10, 13, 10)));
        let nu = get(
            &clocks(&t, &history, &cal, syd(2026, 11, 10, 13, 30)),
            TargetKind::NextUpdate,
        );
        assert_eq!(nu.state, TargetState::Running);
        assert_eq!(nu.due_at, Some(syd(2026, 11, 10, 15, 10)));

        // A first reply 20 minutes late; resolved an hour late.
        let mut late = created(opened);
        late.push(event(K::StaffReply, S::Open, syd(2026, 11, 10, 11, 20)));
        late.push(event(K::Status, S::Resolved, syd(2026, 11, 10, 18, 0)));
        let done = clocks(&t, &late, &cal, syd(2026, 11, 11, 9, 0));
        let fr = get(&done, TargetKind::FirstResponse);
        assert_eq!(
            (fr.state, fr.remaining),
            (TargetState::MetLate, minutes(-20))
        );
        assert_eq!(fr.due_at, Some(syd(2026, 11, 10, 11, 0)));
        let res = get(&done, TargetKind::Resolution);
        assert_eq!(res.state, TargetState::MetLate);
        assert_eq!(res.met_at, Some(syd(2026, 11, 10, 18, 0)));
        assert_eq!(res.remaining, minutes(-60));
        assert_eq!(res.due_at, Some(syd(2026, 11, 10, 17, 0)));
        // Next update stopped at resolution (4 h 40 min after the reply, late).
        let nu = get(&done, TargetKind::NextUpdate);
        assert_eq!(nu.state, TargetState::Breached);
        assert_eq!(nu.due_at, Some(syd(2026, 11, 10, 13, 20)));
        assert!(
            alarms(&done)
                .iter()
                .all(|a| a.kind == TargetKind::NextUpdate)
        );
    }

    #[test]
    fn a_reopen_runs_resolution_again_keeping_the_time_counted() {
        let cal = nsw_calendar();
        let t = terms(TicketPriority::Critical);
        let mut history = created(syd(2026, 11, 10, 9, 0));
        history.push(event(K::StaffReply, S::Open, syd(2026, 11, 10, 9, 30)));
        history.push(event(K::Status, S::Resolved, syd(2026, 11, 10, 16, 0)));
        let resolved = clocks(&t, &history, &cal, syd(2026, 11, 10, 18, 0));
        let res = get(&resolved, TargetKind::Resolution);
        assert_eq!((res.state, res.remaining), (TargetState::Met, minutes(60)));
        assert_eq!(res.due_at, Some(syd(2026, 11, 10, 17, 0)));
        // The update due 11:30 never came: breached, stopped at resolution.
        let nu = get(&resolved, TargetKind::NextUpdate);
        assert_eq!(nu.state, TargetState::Breached);
        assert_eq!(nu.due_at, Some(syd(2026, 11, 10, 11, 30)));
        history.push(event(K::CustomerReply, S::Open, syd(2026, 11, 10, 19, 0)));
        let reopened = clocks(&t, &history, &cal, syd(2026, 11, 10, 19, 30));
        let res = get(&reopened, TargetKind::Resolution);
        assert_eq!(res.state, TargetState::Running);
        assert_eq!(res.met_at, None);
        assert_eq!(res.remaining, minutes(30)); // 7 h before + 30 min since
        assert_eq!(res.due_at, Some(syd(2026, 11, 10, 20, 0)));
        // Resolved again: met at the second resolution.
        history.push(event(K::Status, S::Resolved, syd(2026, 11, 10, 19, 45)));
        let res = get(
            &clocks(&t, &history, &cal, syd(2026, 11, 10, 21, 0)),
            TargetKind::Resolution,
        );
        assert_eq!(res.state, TargetState::Met);
        assert_eq!(res.met_at, Some(syd(2026, 11, 10, 19, 45)));
        assert_eq!(res.remaining, minutes(15));
    }

    #[test]
    fn a_business_hours_warning_comes_the_lead_time_before_in_business_time() {
        let cal = nsw_calendar();
        let t = terms(TicketPriority::High);
        // Opened Mon 16:00: due Tue 12:00; warned Tue 11:45.
        let opened = syd(2026, 11, 9, 16, 0);
        let fr = get(
            &clocks(&t, &created(opened), &cal, opened),
            TargetKind::FirstResponse,
        );
        assert_eq!(fr.due_at, Some(syd(2026, 11, 10, 12, 0)));
        assert_eq!(warning_at(&fr), Some(syd(2026, 11, 10, 11, 45)));
        // Opened Mon 13:10: 3 h 50 min on Monday, 10 minutes on Tuesday.
        let opened = syd(2026, 11, 9, 13, 10);
        let fr = get(
            &clocks(&t, &created(opened), &cal, opened),
            TargetKind::FirstResponse,
        );
        assert_eq!(fr.due_at, Some(syd(2026, 11, 10, 9, 10)));
        assert_eq!(fr.warning_at, Some(syd(2026, 11, 9, 16, 55)));
        // Opened Mon 13:00: due at 17:00 (closing), warned 16:45.
        let opened = syd(2026, 11, 9, 13, 0);
        let fr = get(
            &clocks(&t, &created(opened), &cal, opened),
            TargetKind::FirstResponse,
        );
        assert_eq!(fr.due_at, Some(syd(2026, 11, 9, 17, 0)));
        assert_eq!(fr.warning_at, Some(syd(2026, 11, 9, 16, 45)));
        // Opened over the weekend: the clock starts Monday 09:00.
        let opened = syd(2026, 11, 8, 20, 0);
        let fr = get(
            &clocks(&t, &created(opened), &cal, opened),
            TargetKind::FirstResponse,
        );
        assert_eq!(fr.due_at, Some(syd(2026, 11, 9, 13, 0)));
    }

    #[test]
    fn terms_come_from_a_policy_and_round_trip_as_json() {
        let now = utc(2026, 12, 6, 0, 0);
        let high = Some(TicketPriority::High);
        let policy = sla_policy::Model {
            first_response_minutes: 240,
            next_update_minutes: 240,
            resolution_minutes: 960,
            calendar: BusinessHours,
            pause_statuses: r#"["WAITING_ON_CUSTOMER","WAITING_ON_THIRD_PARTY"]"#.into(),
            created_at: now,
            updated_at: now,
            ..crate::support::policies::tests::policy("High", 20, high, None, None, false)
        };
        let t = Terms::of(&policy).unwrap();
        assert_eq!(
            t.pause_statuses,
            vec![S::WaitingOnCustomer, S::WaitingOnThirdParty]
        );
        assert_eq!(Terms::from_json(&t.to_json()).unwrap(), t);
        assert!(t.to_json().contains("\"firstResponseMinutes\":240"));
        let broken = sla_policy::Model {
            pause_statuses: "[\"NOPE\"]".into(),
            ..policy.clone()
        };
        assert!(Terms::of(&broken).is_err());
        let negative = sla_policy::Model {
            warning_minutes: -1,
            ..policy
        };
        assert!(Terms::of(&negative).is_err());
        assert!(clocks(&t, &[], &nsw_calendar(), now).is_empty());
    }

    fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
        // Any minute in 2026–2027.
        (0i64..(2 * 365 * 24 * 60)).prop_map(|m| utc(2026, 1, 1, 0, 0) + minutes(m))
    }

    proptest! {
        #[test]
        fn business_hours_due_times_fall_within_business_hours(
            opened in arb_instant(),
            elapsed in 0i64..(14 * 24 * 60),
            budget in 1u32..5000,
        ) {
            let cal = nsw_calendar();
            let mut t = terms(TicketPriority::Low);
            t.first_response_minutes = budget;
            let now = opened + minutes(elapsed);
            let fr = get(&clocks(&t, &created(opened), &cal, now), TargetKind::FirstResponse);
            if let (TargetState::Running, Some(due)) = (fr.state, fr.due_at) {
                let day = cal.local_date(due);
                prop_assert!(cal.is_business_day(day), "{due} on {day}");
                prop_assert!(cal.open_at(day) <= due && due <= cal.close_at(day), "{due}");
                prop_assert!(due >= now);
            }
        }

        #[test]
        fn adding_business_time_is_undone_by_measuring_it(
            start in arb_instant(),
            seconds in 0i64..(20 * 8 * 3600),
        ) {
            let cal = nsw_calendar();
            let amount = TimeDelta::seconds(seconds);
            let end = add_business_time(&cal, start, amount);
            prop_assert_eq!(cal.business_time_between(start, end), amount);
            if seconds % 60 == 0 {
                let whole = u32::try_from(seconds / 60).unwrap();
                prop_assert_eq!(end, cal.add_business_minutes(start, whole));
            }
        }

        #[test]
        fn pausing_never_makes_a_due_time_earlier(
            opened in arb_instant(),
            pause_after in 0i64..(3 * 24 * 60),
            pause_for in 1i64..(3 * 24 * 60),
            after_resume in 0i64..(24 * 60),
            always in any::<bool>(),
        ) {
            let cal = nsw_calendar();
            let t = terms(if always { TicketPriority::Critical } else { TicketPriority::Medium });
            let paused = opened + minutes(pause_after);
            let resumed = paused + minutes(pause_for);
            let now = resumed + minutes(after_resume);
            let plain = clocks(&t, &created(opened), &cal, now);
            let mut history = created(opened);
            history.push(event(K::Status, S::WaitingOnThirdParty, paused));
            history.push(event(K::Status, S::Open, resumed));
            let with_pause = clocks(&t, &history, &cal, now);
            for kind in [TargetKind::FirstResponse, TargetKind::Resolution] {
                let (a, b) = (get(&plain, kind), get(&with_pause, kind));
                prop_assert!(b.remaining >= a.remaining);
                if let (Some(x), Some(y)) = (a.due_at, b.due_at) {
                    prop_assert!(y >= x, "{kind:?}: {y} before {x}");
                }
            }
        }
    }
}
