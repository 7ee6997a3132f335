//! SLA attainment: per priority, the tickets opened on a range of Sydney
//! dates, how many met every SLA target and how many breached one, and the
//! median and 90th percentile of their first-response time in business
//! time. Pure over tickets, their histories, the calendar and now
//! ([`attainment`]); [`sla_report`] reads what it needs in two queries. The
//! engagements' monthly service report reuses [`attainment`] on one
//! engagement's tickets ([`Tally`]).

use super::sla::TargetState;
use crate::kernel::{Ctx, DomainError, ErrorCode, Permission};
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::{TicketEventKind, TicketPriority, TicketStatus, ticket, ticket_event};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Longest report range, in days (`to − from`).
pub const MAX_RANGE_DAYS: i64 = 366;
/// Most tickets one report reads (their histories are read with them).
pub const MAX_TICKETS: u64 = 20_000;

/// Every priority, in the order a report lists them.
pub const PRIORITIES: [TicketPriority; 4] = [
    TicketPriority::Critical,
    TicketPriority::High,
    TicketPriority::Medium,
    TicketPriority::Low,
];

/// How one ticket stands against its SLA at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Resolved (or closed) with every target that applied met in time.
    Met,
    /// A target was breached or met late.
    Breached,
    /// Still running, nothing breached yet.
    OpenInTime,
}

/// How `t` stands at `now`, from its own terms and its history.
pub fn outcome(
    t: &ticket::Model,
    history: &[ticket_event::Model],
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<Outcome, DomainError> {
    let targets = super::targets(t, history, calendar, now)?;
    let breached = targets
        .iter()
        .any(|x| matches!(x.state, TargetState::Breached | TargetState::MetLate));
    Ok(if breached {
        Outcome::Breached
    } else if matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed) {
        Outcome::Met
    } else {
        Outcome::OpenInTime
    })
}

/// The business time from `t`'s opening to its first staff reply (its
/// `first_response_at`, else the first STAFF_REPLY in its history); `None`
/// before any.
pub fn first_response_time(
    t: &ticket::Model,
    history: &[ticket_event::Model],
    calendar: &BusinessCalendar,
) -> Option<TimeDelta> {
    let answered = t.first_response_at.or_else(|| {
        history
            .iter()
            .filter(|e| e.kind == TicketEventKind::StaffReply)
            .map(|e| e.at)
            .min()
    })?;
    Some(calendar.business_time_between(t.created_at, answered))
}

/// The nearest-rank `percent` percentile of `sorted` (ascending): the
/// smallest value with at least `percent`% of the values at or below it;
/// `None` for no values. The median is the 50th (the lower middle value of
/// an even count).
pub fn percentile(sorted: &[TimeDelta], percent: u32) -> Option<TimeDelta> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // ceil(percent × n / 100), at least 1.
    let rank = (percent as usize * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

/// Counts of tickets by [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub tickets: i64,
    pub met: i64,
    pub breached: i64,
    pub open_in_time: i64,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        self.tickets += 1;
        match outcome {
            Outcome::Met => self.met += 1,
            Outcome::Breached => self.breached += 1,
            Outcome::OpenInTime => self.open_in_time += 1,
        }
    }

    /// The sum over report rows.
    pub fn of_rows(rows: &[Row]) -> Tally {
        rows.iter().fold(Tally::default(), |mut all, r| {
            all.tickets += r.tally.tickets;
            all.met += r.tally.met;
            all.breached += r.tally.breached;
            all.open_in_time += r.tally.open_in_time;
            all
        })
    }
}

/// One priority's attainment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub priority: TicketPriority,
    pub tally: Tally,
    /// How many of its tickets have a first response (the percentiles'
    /// base).
    pub responded: i64,
    /// Median first-response time in business time, whole minutes
    /// (rounded down); `None` without responses.
    pub median_first_response_minutes: Option<i64>,
    /// 90th percentile (nearest rank), as the median.
    pub p90_first_response_minutes: Option<i64>,
}

/// One ticket with its history (oldest first).
pub type Entry = (ticket::Model, Vec<ticket_event::Model>);

/// The attainment of the tickets among `entries` opened on the business
/// timezone's dates `from` to `to` inclusive, at `now`: one row per
/// priority, every priority present, CRITICAL first. A ticket counts under
/// its current priority and is judged on its own kept terms.
pub fn attainment(
    entries: &[Entry],
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Row>, DomainError> {
    let mut tallies: HashMap<TicketPriority, Tally> = HashMap::new();
    let mut responses: HashMap<TicketPriority, Vec<TimeDelta>> = HashMap::new();
    for (t, history) in entries {
        let opened_on = calendar.local_date(t.created_at);
        if opened_on < from || opened_on > to {
            continue;
        }
        tallies
            .entry(t.priority)
            .or_default()
            .add(outcome(t, history, calendar, now)?);
        if let Some(took) = first_response_time(t, history, calendar) {
            responses.entry(t.priority).or_default().push(took);
        }
    }
    Ok(PRIORITIES
        .iter()
        .map(|&priority| {
            let mut times = responses.remove(&priority).unwrap_or_default();
            times.sort();
            let minutes = |p| percentile(&times, p).map(|d| d.num_minutes());
            Row {
                priority,
                tally: tallies.get(&priority).copied().unwrap_or_default(),
                responded: times.len() as i64,
                median_first_response_minutes: minutes(50),
                p90_first_response_minutes: minutes(90),
            }
        })
        .collect())
}

/// An SLA report of a range of Sydney dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<Row>,
}

/// The tickets `scope` selects among those created in `[start, end)`, with
/// their histories: two queries (the histories through a sub-select, so no
/// list of ids is sent). Refused (LIMIT_EXCEEDED on `field`) over
/// [`MAX_TICKETS`].
pub async fn entries_between<C: ConnectionTrait>(
    conn: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    engagement_id: Option<Uuid>,
    field: &str,
) -> Result<Vec<Entry>, DomainError> {
    let mut tickets = ticket::Entity::find()
        .filter(ticket::Column::CreatedAt.gte(start))
        .filter(ticket::Column::CreatedAt.lt(end));
    let mut ids = Query::select()
        .column(ticket::Column::Id)
        .from(ticket::Entity)
        .and_where(ticket::Column::CreatedAt.gte(start))
        .and_where(ticket::Column::CreatedAt.lt(end))
        .to_owned();
    if let Some(id) = engagement_id {
        tickets = tickets.filter(ticket::Column::EngagementId.eq(id));
        ids.and_where(ticket::Column::EngagementId.eq(id));
    }
    if tickets.clone().count(conn).await? > MAX_TICKETS {
        return Err(DomainError::rejected(
            &[field],
            ErrorCode::LimitExceeded,
            format!("a report covers at most {MAX_TICKETS} tickets: choose a shorter range"),
        ));
    }
    let tickets = tickets.order_by_asc(ticket::Column::Id).all(conn).await?;
    let mut histories = crate::kernel::db::grouped(
        conn,
        ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.in_subquery(ids))
            .order_by_asc(ticket_event::Column::Id),
        |e| e.ticket_id,
    )
    .await?;
    Ok(tickets
        .into_iter()
        .map(|t| {
            let history = histories.remove(&t.id).unwrap_or_default();
            (t, history)
        })
        .collect())
}

/// The SLA report of tickets opened on the Sydney dates `from` to `to`
/// inclusive, at the caller's now (staff only). Refused: `to` before `from`
/// (OUT_OF_RANGE on `to`), a range over [`MAX_RANGE_DAYS`] (LIMIT_EXCEEDED
/// on `to`).
pub async fn sla_report(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, DomainError> {
    Permission::UseTickets.require(ctx)?;
    if !ctx.actor.role.is_staff() {
        return Err(DomainError::Forbidden);
    }
    let (start, end) = crate::kernel::input::period(
        calendar,
        from,
        to,
        MAX_RANGE_DAYS,
        (
            ErrorCode::LimitExceeded,
            &format!("a report covers at most {MAX_RANGE_DAYS} days"),
        ),
    )?;
    let entries = entries_between(db, start, end, None, "to").await?;
    let rows = attainment(&entries, calendar, ctx.now(), from, to)?;
    Ok(Report { from, to, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::{date, nsw_calendar, syd};
    use crate::support::sla::seeded_terms as terms;

    /// A ticket of `priority` opened at `opened`, answered at `answered`
    /// (if given) and resolved at `resolved` (if given).
    fn ticket(
        priority: TicketPriority,
        opened: DateTime<Utc>,
        answered: Option<DateTime<Utc>>,
        resolved: Option<DateTime<Utc>>,
    ) -> Entry {
        let id = Uuid::now_v7();
        let event = |kind, status, at| ticket_event::Model {
            id: Uuid::now_v7(),
            ticket_id: id,
            kind,
            status,
            priority,
            actor: "test".into(),
            at,
        };
        let mut history = vec![event(TicketEventKind::Created, TicketStatus::New, opened)];
        let mut status = TicketStatus::New;
        if let Some(at) = answered {
            status = TicketStatus::Open;
            history.push(event(TicketEventKind::StaffReply, status, at));
        }
        if let Some(at) = resolved {
            status = TicketStatus::Resolved;
            history.push(event(TicketEventKind::Status, status, at));
        }
        let t = ticket::Model {
            id,
            number: "TKT-000001".into(),
            customer_id: Uuid::nil(),
            subject: "s".into(),
            description: "d".into(),
            priority,
            category: "c".into(),
            order_id: None,
            engagement_id: None,
            assignee_user_id: None,
            status,
            sla_policy_id: Uuid::nil(),
            sla_terms: terms(priority).to_json(),
            first_response_at: answered,
            resolved_at: resolved,
            closed_at: None,
            created_by: "test".into(),
            version: 1,
            created_at: opened,
            updated_at: opened,
        };
        (t, history)
    }

    fn minutes(m: i64) -> TimeDelta {
        TimeDelta::minutes(m)
    }

    fn row(rows: &[Row], priority: TicketPriority) -> Row {
        rows.iter()
            .find(|r| r.priority == priority)
            .unwrap()
            .clone()
    }

    #[test]
    fn nearest_rank_percentiles_on_odd_and_even_counts() {
        let sorted: Vec<TimeDelta> = [10, 20, 30, 40, 50].map(minutes).to_vec();
        assert_eq!(percentile(&sorted, 50), Some(minutes(30)));
        assert_eq!(percentile(&sorted, 90), Some(minutes(50)));
        let even: Vec<TimeDelta> = [10, 20, 30, 40].map(minutes).to_vec();
        // The lower middle value; p90 of 4 is rank ceil(3.6) = 4.
        assert_eq!(percentile(&even, 50), Some(minutes(20)));
        assert_eq!(percentile(&even, 90), Some(minutes(40)));
        let ten: Vec<TimeDelta> = (1..=10).map(|m| minutes(m * 10)).collect();
        assert_eq!(percentile(&ten, 90), Some(minutes(90)));
        assert_eq!(percentile(&[minutes(7)], 90), Some(minutes(7)));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn every_priority_is_listed_critical_first_even_for_an_empty_range() {
        let rows = attainment(
            &[],
            &nsw_calendar(),
            syd(2026, 11, 30, 9, 0),
            date(2026, 11, 1),
            date(2026, 11, 30),
        )
        .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.priority).collect::<Vec<_>>(),
            PRIORITIES
        );
        for r in &rows {
            assert_eq!(r.tally, Tally::default());
            assert_eq!(r.median_first_response_minutes, None);
            assert_eq!(r.p90_first_response_minutes, None);
        }
    }

    #[test]
    fn met_breached_and_open_tickets_with_business_time_first_responses() {
        use TicketPriority::*;
        let cal = nsw_calendar();
        let now = syd(2026, 11, 20, 12, 0);
        let entries = vec![
            // High, Mon 09:00: answered 10:00 and resolved 12:00: met, 60 min.
            ticket(
                High,
                syd(2026, 11, 9, 9, 0),
                Some(syd(2026, 11, 9, 10, 0)),
                Some(syd(2026, 11, 9, 12, 0)),
            ),
            // High, Fri 16:00: answered Mon 10:00 (2 business hours in,
            // within 4) and resolved Mon 11:00: met, 120 min.
            ticket(
                High,
                syd(2026, 11, 13, 16, 0),
                Some(syd(2026, 11, 16, 10, 0)),
                Some(syd(2026, 11, 16, 11, 0)),
            ),
            // High, Tue 09:00: answered 14:00 (5 business hours): breached,
            // though resolved.
            ticket(
                High,
                syd(2026, 11, 10, 9, 0),
                Some(syd(2026, 11, 10, 14, 0)),
                Some(syd(2026, 11, 10, 15, 0)),
            ),
            // High, Thu 19 09:00, not answered by Fri 12:00 (11 h): breached.
            ticket(High, syd(2026, 11, 19, 9, 0), None, None),
            // Medium, Fri 20 09:00, answered 09:30, still open: in time.
            ticket(
                Medium,
                syd(2026, 11, 20, 9, 0),
                Some(syd(2026, 11, 20, 9, 30)),
                None,
            ),
        ];
        let rows = attainment(&entries, &cal, now, date(2026, 11, 1), date(2026, 11, 30)).unwrap();
        let high = row(&rows, High);
        assert_eq!(
            high.tally,
            Tally {
                tickets: 4,
                met: 2,
                breached: 2,
                open_in_time: 0
            }
        );
        // Responses 60, 120, 300 minutes: median 120, p90 300.
        assert_eq!(high.responded, 3);
        assert_eq!(high.median_first_response_minutes, Some(120));
        assert_eq!(high.p90_first_response_minutes, Some(300));
        let medium = row(&rows, Medium);
        assert_eq!(
            medium.tally,
            Tally {
                tickets: 1,
                met: 0,
                breached: 0,
                open_in_time: 1
            }
        );
        assert_eq!(medium.median_first_response_minutes, Some(30));
        assert_eq!(row(&rows, Critical).tally, Tally::default());
        assert_eq!(
            Tally::of_rows(&rows),
            Tally {
                tickets: 5,
                met: 2,
                breached: 2,
                open_in_time: 1
            }
        );
    }

    #[test]
    fn a_critical_ticket_answered_overnight_took_no_business_time() {
        let cal = nsw_calendar();
        // Sat 21:00, answered 21:45, resolved 23:00: met; 0 business minutes.
        let entry = ticket(
            TicketPriority::Critical,
            syd(2026, 11, 14, 21, 0),
            Some(syd(2026, 11, 14, 21, 45)),
            Some(syd(2026, 11, 14, 23, 0)),
        );
        let rows = attainment(
            &[entry],
            &cal,
            syd(2026, 11, 16, 9, 0),
            date(2026, 11, 14),
            date(2026, 11, 14),
        )
        .unwrap();
        let critical = row(&rows, TicketPriority::Critical);
        assert_eq!(critical.tally.met, 1);
        assert_eq!(critical.median_first_response_minutes, Some(0));
        // Resolved two hours after the reply with no update between: the
        // next update was due at 23:45, so it was still in time.
        assert_eq!(critical.tally.breached, 0);
    }

    #[test]
    fn the_range_is_sydney_dates_split_at_local_midnight() {
        let cal = nsw_calendar();
        let now = syd(2026, 12, 2, 9, 0);
        let entries = vec![
            // 30 Nov 23:30 AEDT (12:30 UTC): in November.
            ticket(TicketPriority::Low, syd(2026, 11, 30, 23, 30), None, None),
            // 1 Dec 00:10 AEDT (30 Nov 13:10 UTC, a November date in UTC):
            // not in November.
            ticket(TicketPriority::Low, syd(2026, 12, 1, 0, 10), None, None),
            // 1 Nov 00:00 AEDT: the first instant of November.
            ticket(TicketPriority::Low, syd(2026, 11, 1, 0, 0), None, None),
            // 31 Oct 23:59: before it.
            ticket(TicketPriority::Low, syd(2026, 10, 31, 23, 59), None, None),
        ];
        let november =
            attainment(&entries, &cal, now, date(2026, 11, 1), date(2026, 11, 30)).unwrap();
        assert_eq!(row(&november, TicketPriority::Low).tally.tickets, 2);
        let december =
            attainment(&entries, &cal, now, date(2026, 12, 1), date(2026, 12, 1)).unwrap();
        assert_eq!(row(&december, TicketPriority::Low).tally.tickets, 1);
        let (start, end) = cal.days_window(date(2026, 11, 1), date(2026, 11, 30));
        assert_eq!(start, syd(2026, 11, 1, 0, 0));
        assert_eq!(end, syd(2026, 12, 1, 0, 0));
    }

    #[test]
    fn a_first_response_without_the_column_comes_from_the_history() {
        let cal = nsw_calendar();
        let (mut t, history) = ticket(
            TicketPriority::Medium,
            syd(2026, 11, 9, 16, 0),
            Some(syd(2026, 11, 10, 10, 0)),
            None,
        );
        t.first_response_at = None;
        // Mon 16:00–17:00 and Tue 09:00–10:00.
        assert_eq!(first_response_time(&t, &history, &cal), Some(minutes(120)));
        assert_eq!(first_response_time(&t, &history[..1], &cal), None);
    }
}
