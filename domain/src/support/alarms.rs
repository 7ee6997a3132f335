//! SLA warnings and breaches as timers (DESIGN "Business time"): whenever a
//! ticket changes, each target's warning and breach are planned again from
//! its clocks (`sla.rs`), or cancelled when nothing is due. A timer that
//! fires re-derives the clocks in one transaction with the ticket locked and
//! tells once per target, alarm and cycle (a `ticket_sla_alarm` row with a
//! unique key), however many workers fire it: the assignee before a breach,
//! the policy's escalation role at breach.
//!
//! A target runs in cycles: the first response once (cycle 0); the next
//! update once per staff reply (cycle = staff replies so far); the
//! resolution once per time the ticket is open (cycle = times it was
//! resolved before). An alarm told for a cycle is never told again, even
//! when a priority change re-targets that cycle.

use super::sla::{self, Target, TargetKind, TargetState};
use crate::business_time::SharedCalendar;
use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::db::find_for_update;
use crate::kernel::{Committed, Ctx, DomainError, Permission, Write};
use crate::platform::outbox::topic;
use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    SlaAlarmKind, TicketEventKind, TicketStatus, TimerStatus, app_user, ticket, ticket_event,
    ticket_sla_alarm, timer,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The timer kinds: one per target and alarm, each keyed by the ticket, so
/// re-planning one never supersedes another.
pub mod timer_kind {
    pub const WARNING_FIRST_RESPONSE: &str = "ticket_sla_warning.first_response";
    pub const WARNING_NEXT_UPDATE: &str = "ticket_sla_warning.next_update";
    pub const WARNING_RESOLUTION: &str = "ticket_sla_warning.resolution";
    pub const BREACH_FIRST_RESPONSE: &str = "ticket_sla_breach.first_response";
    pub const BREACH_NEXT_UPDATE: &str = "ticket_sla_breach.next_update";
    pub const BREACH_RESOLUTION: &str = "ticket_sla_breach.resolution";
    /// Every SLA alarm kind (the worker routes them all to `on_alarm_due`).
    pub const ALL: [&str; 6] = [
        WARNING_FIRST_RESPONSE,
        WARNING_NEXT_UPDATE,
        WARNING_RESOLUTION,
        BREACH_FIRST_RESPONSE,
        BREACH_NEXT_UPDATE,
        BREACH_RESOLUTION,
    ];
}

/// Both alarms, warning first.
pub const ALARMS: [SlaAlarmKind; 2] = [SlaAlarmKind::Warning, SlaAlarmKind::Breach];

/// The timer kind of one target's alarm.
pub fn kind_of(target: TargetKind, alarm: SlaAlarmKind) -> &'static str {
    use timer_kind::*;
    match (alarm, target) {
        (SlaAlarmKind::Warning, TargetKind::FirstResponse) => WARNING_FIRST_RESPONSE,
        (SlaAlarmKind::Warning, TargetKind::NextUpdate) => WARNING_NEXT_UPDATE,
        (SlaAlarmKind::Warning, TargetKind::Resolution) => WARNING_RESOLUTION,
        (SlaAlarmKind::Breach, TargetKind::FirstResponse) => BREACH_FIRST_RESPONSE,
        (SlaAlarmKind::Breach, TargetKind::NextUpdate) => BREACH_NEXT_UPDATE,
        (SlaAlarmKind::Breach, TargetKind::Resolution) => BREACH_RESOLUTION,
    }
}

/// What an alarm timer carries (and identifies): which target, which
/// alarm, which cycle of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmDue {
    pub target: TargetKind,
    pub alarm: SlaAlarmKind,
    pub cycle: i32,
}

/// The payload of a `ticket.sla_warning` or `ticket.sla_breached` outbox
/// row (its subject is the alarm row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmNotice {
    pub ticket_id: Uuid,
}

// ---- Pure rules --------------------------------------------------------

/// One alarm a ticket's clocks call for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub due: AlarmDue,
    /// When it fires (may be past: then at once).
    pub at: DateTime<Utc>,
    /// The target's due time.
    pub due_at: DateTime<Utc>,
    /// SLA time left (negative: how late) at the moment the clocks were read.
    pub remaining: TimeDelta,
}

/// Which cycle of `kind` runs, by the history up to `now` (see the module
/// comment).
pub fn cycle(kind: TargetKind, history: &[ticket_event::Model], now: DateTime<Utc>) -> i32 {
    let mut events: Vec<&ticket_event::Model> = history.iter().filter(|e| e.at <= now).collect();
    events.sort_by_key(|e| e.at);
    let count = match kind {
        TargetKind::FirstResponse => 0,
        TargetKind::NextUpdate => events
            .iter()
            .filter(|e| e.kind == TicketEventKind::StaffReply)
            .count(),
        TargetKind::Resolution => {
            let done = |s: TicketStatus| matches!(s, TicketStatus::Resolved | TicketStatus::Closed);
            let mut before = None;
            let mut times = 0;
            for e in events {
                if done(e.status) && !before.is_some_and(done) {
                    times += 1;
                }
                before = Some(e.status);
            }
            times
        }
    };
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// The alarms `targets` (read at `now` from `history`) call for, leaving
/// out those already told (`sent`): a running target's warning and breach;
/// a breached one's breach only (a warning after the breach tells nothing
/// new); nothing for a met, paused or inactive one.
pub fn plan(
    targets: &[Target],
    history: &[ticket_event::Model],
    now: DateTime<Utc>,
    sent: &[AlarmDue],
) -> Vec<Planned> {
    let mut out = Vec::new();
    for alarm in sla::alarms(targets) {
        let Some(target) = targets.iter().find(|t| t.kind == alarm.kind) else {
            continue;
        };
        let cycle = cycle(alarm.kind, history, now);
        let mut push = |kind: SlaAlarmKind, at: DateTime<Utc>| {
            let due = AlarmDue {
                target: alarm.kind,
                alarm: kind,
                cycle,
            };
            if !sent.contains(&due) {
                out.push(Planned {
                    due,
                    at,
                    due_at: alarm.breach_at,
                    remaining: target.remaining,
                });
            }
        };
        if target.state == TargetState::Running {
            push(SlaAlarmKind::Warning, alarm.warning_at);
        }
        push(SlaAlarmKind::Breach, alarm.breach_at);
    }
    out
}

/// The alarm a timer for `due` may tell at `now`, if the clocks still call
/// for exactly it and its moment has come (met, paused, another cycle, or
/// moved later: nothing).
pub fn firing(planned: &[Planned], due: AlarmDue, now: DateTime<Utc>) -> Option<Planned> {
    planned
        .iter()
        .find(|p| p.due == due && p.at <= now)
        .copied()
}

// ---- Reading -----------------------------------------------------------

/// The alarms told about a ticket, oldest first.
pub async fn alarms_of<C: ConnectionTrait>(
    conn: &C,
    ticket_id: Uuid,
) -> Result<Vec<ticket_sla_alarm::Model>, DbErr> {
    ticket_sla_alarm::Entity::find()
        .filter(ticket_sla_alarm::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_sla_alarm::Column::SentAt)
        .all(conn)
        .await
}

crate::find_by_id! {
    /// An alarm by id (for its email).
    pub fn find_alarm -> ticket_sla_alarm
}

/// The addresses an alarm row was told to.
pub fn recipients_of(row: &ticket_sla_alarm::Model) -> Result<Vec<String>, DomainError> {
    serde_json::from_str(&row.recipients)
        .map_err(|e| DomainError::internal(format!("SLA alarm recipients: {e}")))
}

/// The enabled staff login a ticket is assigned to, if any.
pub async fn assignee<C: ConnectionTrait>(
    conn: &C,
    t: &ticket::Model,
) -> Result<Option<app_user::Model>, DbErr> {
    let Some(id) = t.assignee_user_id else {
        return Ok(None);
    };
    Ok(app_user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|u| !u.disabled))
}

/// Who hears of an alarm: a warning goes to the assignee (unassigned: the
/// policy's escalation role), a breach to the policy's escalation role.
async fn recipients<C: ConnectionTrait>(
    conn: &C,
    t: &ticket::Model,
    terms: &sla::Terms,
    alarm: SlaAlarmKind,
) -> Result<Vec<String>, DbErr> {
    if alarm == SlaAlarmKind::Warning
        && let Some(user) = assignee(conn, t).await?
    {
        return Ok(vec![user.email]);
    }
    crate::users::emails_of_role(conn, terms.escalate_role).await
}

/// A ticket's history, the targets at `now` and the alarms already told.
async fn clocks_of<C: ConnectionTrait>(
    conn: &C,
    t: &ticket::Model,
    now: DateTime<Utc>,
) -> Result<(Vec<ticket_event::Model>, Vec<Target>, Vec<AlarmDue>), DomainError> {
    let history = super::history_of(conn, &[t.id])
        .await?
        .remove(&t.id)
        .unwrap_or_default();
    let calendar = SharedCalendar::load(conn).await?.current();
    let targets = super::targets(t, &history, &calendar, now)?;
    let sent = alarms_of(conn, t.id)
        .await?
        .into_iter()
        .map(|a| AlarmDue {
            target: a.target,
            alarm: a.alarm,
            cycle: a.cycle,
        })
        .collect();
    Ok((history, targets, sent))
}

// ---- Writing -----------------------------------------------------------

/// Plan (or cancel) every alarm timer of ticket `ticket_id` to match
/// `planned`; a timer already planned for the same moment and cycle stays.
async fn apply<C: ConnectionTrait>(
    conn: &C,
    ticket_id: Uuid,
    planned: &[Planned],
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    for target in sla::ALL_TARGETS {
        for alarm in ALARMS {
            let kind = kind_of(target, alarm);
            let wanted = planned
                .iter()
                .find(|p| p.due.target == target && p.due.alarm == alarm);
            let Some(p) = wanted else {
                timers::cancel_planned(conn, kind, ticket_id).await?;
                continue;
            };
            let payload = serde_json::to_value(p.due).map_err(DomainError::internal)?;
            let current = timer::Entity::find()
                .filter(timer::Column::Kind.eq(kind))
                .filter(timer::Column::SubjectId.eq(ticket_id))
                .filter(timer::Column::Status.eq(TimerStatus::Planned))
                .one(conn)
                .await?;
            // Stored instants may lose sub-microsecond precision.
            let unchanged = current.is_some_and(|c| {
                (c.due_at - p.at).abs() < TimeDelta::milliseconds(1)
                    && serde_json::from_str::<serde_json::Value>(&c.payload).ok()
                        == Some(payload.clone())
            });
            if !unchanged {
                let plan = TimerPlan {
                    kind,
                    subject_id: ticket_id,
                    due_at: p.at,
                    payload,
                };
                timers::plan(conn, &plan, now).await?;
            }
        }
    }
    Ok(())
}

/// Re-plan a ticket's SLA alarms from its clocks as they are now, in the
/// caller's transaction: every change of a ticket ends with this.
pub async fn replan(w: &mut Write<'_>, t: &ticket::Model) -> Result<(), DomainError> {
    let now = w.now();
    let (history, targets, sent) = clocks_of(w.conn(), t, now).await?;
    apply(w.conn(), t.id, &plan(&targets, &history, now, &sent), now).await
}

/// Re-plan the alarms of every ticket still counting (not resolved or
/// closed), each in its own transaction with the ticket locked: after a
/// public holiday is added or removed, due times move and so must their
/// timers (a removed holiday makes them earlier). How many were re-planned.
pub async fn replan_open(db: &DatabaseConnection, ctx: &Ctx) -> Result<usize, DomainError> {
    let open: Vec<Uuid> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::Status.is_not_in([TicketStatus::Resolved, TicketStatus::Closed]))
        .order_by_asc(ticket::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for id in &open {
        let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
        if let Some(t) = find_for_update::<ticket::Entity, _>(w.conn(), *id).await? {
            replan(&mut w, &t).await?;
        }
        w.commit(()).await?;
    }
    Ok(open.len())
}

/// An alarm timer of a ticket fired (the worker): with the ticket locked,
/// read its clocks again; if they still call for this alarm now, record it
/// once (a second firing, or a second worker, finds the row and tells
/// nobody), audit it and emit its email; whatever happened, re-plan the
/// ticket's alarms (a holiday added since may have moved them). The alarm
/// told now, if any.
pub async fn on_alarm_due(
    db: &DatabaseConnection,
    ctx: &Ctx,
    ticket_id: Uuid,
    due: AlarmDue,
) -> Result<Committed<Option<ticket_sla_alarm::Model>>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::UseTickets).await?;
    let Some(t) = find_for_update::<ticket::Entity, _>(w.conn(), ticket_id).await? else {
        return w.commit(None).await;
    };
    let now = w.now();
    let (history, targets, mut sent) = clocks_of(w.conn(), &t, now).await?;
    let Some(fires) = firing(&plan(&targets, &history, now, &sent), due, now) else {
        apply(w.conn(), t.id, &plan(&targets, &history, now, &sent), now).await?;
        return w.commit(None).await;
    };
    let terms = super::terms_of(&t)?;
    let to = recipients(w.conn(), &t, &terms, due.alarm).await?;
    let row = ticket_sla_alarm::Model {
        id: Uuid::now_v7(),
        ticket_id,
        target: due.target,
        alarm: due.alarm,
        cycle: due.cycle,
        due_at: fires.due_at,
        remaining_seconds: fires.remaining.num_seconds(),
        recipients: serde_json::to_string(&to).map_err(DomainError::internal)?,
        sent_at: now,
    };
    let active = ticket_sla_alarm::ActiveModel {
        id: Set(row.id),
        ticket_id: Set(row.ticket_id),
        target: Set(row.target),
        alarm: Set(row.alarm),
        cycle: Set(row.cycle),
        due_at: Set(row.due_at),
        remaining_seconds: Set(row.remaining_seconds),
        recipients: Set(row.recipients.clone()),
        sent_at: Set(row.sent_at),
    };
    let inserted = ticket_sla_alarm::Entity::insert(active)
        .on_conflict(
            OnConflict::columns([
                ticket_sla_alarm::Column::TicketId,
                ticket_sla_alarm::Column::Target,
                ticket_sla_alarm::Column::Alarm,
                ticket_sla_alarm::Column::Cycle,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(w.conn())
        .await?;
    sent.push(due);
    apply(w.conn(), t.id, &plan(&targets, &history, now, &sent), now).await?;
    if inserted == 0 {
        return w.commit(None).await;
    }
    let (action, topic) = match due.alarm {
        SlaAlarmKind::Warning => ("ticket.sla_warning", topic::TICKET_SLA_WARNING),
        SlaAlarmKind::Breach => ("ticket.sla_breached", topic::TICKET_SLA_BREACHED),
    };
    w.audit(super::SUBJECT_TYPE, ticket_id, action, None, Some(&row))
        .await?;
    w.emit(topic, row.id, &AlarmNotice { ticket_id }).await?;
    if due.alarm == SlaAlarmKind::Breach {
        crate::webhooks::events::record(
            &mut w,
            entity::WebhookEventType::TicketBreached,
            ticket_id,
        )
        .await?;
    }
    w.commit(Some(row)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Role;
    use crate::rules::calendar::BusinessCalendar;
    use crate::rules::fixtures::{nsw_calendar, syd};
    use entity::{SlaCalendar, TicketPriority};
    use sla::Terms;

    /// The seeded High policy: 4 h first response and next update, 16 h
    /// resolution, in business hours, a 15-minute warning lead.
    fn high() -> Terms {
        Terms {
            policy_id: Uuid::nil(),
            policy_name: "High".into(),
            first_response_minutes: 240,
            next_update_minutes: 240,
            resolution_minutes: 960,
            calendar: SlaCalendar::BusinessHours,
            pause_statuses: vec![
                TicketStatus::WaitingOnCustomer,
                TicketStatus::WaitingOnThirdParty,
            ],
            warning_minutes: 15,
            escalate_role: Role::Admin,
        }
    }

    fn event(
        kind: TicketEventKind,
        status: TicketStatus,
        at: DateTime<Utc>,
    ) -> ticket_event::Model {
        ticket_event::Model {
            id: Uuid::now_v7(),
            ticket_id: Uuid::nil(),
            kind,
            status,
            priority: TicketPriority::High,
            actor: "test".into(),
            at,
        }
    }

    fn planned_at(
        history: &[ticket_event::Model],
        cal: &BusinessCalendar,
        now: DateTime<Utc>,
        sent: &[AlarmDue],
    ) -> Vec<Planned> {
        let targets = sla::clocks(&high(), history, cal, now);
        plan(&targets, history, now, sent)
    }

    fn due(target: TargetKind, alarm: SlaAlarmKind, cycle: i32) -> AlarmDue {
        AlarmDue {
            target,
            alarm,
            cycle,
        }
    }

    fn find(p: &[Planned], d: AlarmDue) -> Option<Planned> {
        p.iter().find(|x| x.due == d).copied()
    }

    const FR: TargetKind = TargetKind::FirstResponse;
    const NU: TargetKind = TargetKind::NextUpdate;
    const RES: TargetKind = TargetKind::Resolution;
    const WARN: SlaAlarmKind = SlaAlarmKind::Warning;
    const BREACH: SlaAlarmKind = SlaAlarmKind::Breach;

    #[test]
    fn a_new_ticket_is_warned_the_lead_before_each_breach() {
        let cal = nsw_calendar();
        let mon = syd(2026, 11, 23, 10, 0);
        let history = vec![event(TicketEventKind::Created, TicketStatus::New, mon)];
        let p = planned_at(&history, &cal, mon, &[]);
        assert_eq!(p.len(), 4, "{p:?}");
        let warn = find(&p, due(FR, WARN, 0)).unwrap();
        let breach = find(&p, due(FR, BREACH, 0)).unwrap();
        assert_eq!(warn.at, syd(2026, 11, 23, 13, 45));
        assert_eq!(breach.at, syd(2026, 11, 23, 14, 0));
        assert_eq!(warn.due_at, breach.at);
        assert!(warn.at < breach.at);
        // Resolution: 16 business hours, Mon 7 + Tue 8 + Wed 1.
        assert_eq!(
            find(&p, due(RES, BREACH, 0)).unwrap().at,
            syd(2026, 11, 25, 10, 0)
        );
        assert_eq!(
            find(&p, due(RES, WARN, 0)).unwrap().at,
            syd(2026, 11, 25, 9, 45)
        );
        // No next update before any staff reply.
        assert!(p.iter().all(|x| x.due.target != NU));
        // Its moment: the warning fires at 13:45, not before.
        assert_eq!(
            firing(&p, due(FR, WARN, 0), syd(2026, 11, 23, 13, 44)),
            None
        );
        let at = syd(2026, 11, 23, 13, 45);
        let now = planned_at(&history, &cal, at, &[]);
        assert_eq!(
            firing(&now, due(FR, WARN, 0), at).map(|x| x.remaining),
            Some(TimeDelta::minutes(15))
        );
    }

    #[test]
    fn a_met_target_plans_nothing_and_a_staff_reply_starts_the_next_update_cycle() {
        let cal = nsw_calendar();
        let mon = syd(2026, 11, 23, 10, 0);
        let mut history = vec![event(TicketEventKind::Created, TicketStatus::New, mon)];
        let first = syd(2026, 11, 23, 11, 0);
        history.push(event(TicketEventKind::StaffReply, TicketStatus::New, first));
        history.push(event(TicketEventKind::Status, TicketStatus::Open, first));
        let p = planned_at(&history, &cal, first, &[]);
        assert!(p.iter().all(|x| x.due.target != FR), "{p:?}");
        let nu = find(&p, due(NU, BREACH, 1)).unwrap();
        assert_eq!(nu.at, syd(2026, 11, 23, 15, 0));
        assert!(find(&p, due(NU, WARN, 1)).is_some());
        // Whatever was due for the first response no longer fires.
        let at = syd(2026, 11, 23, 14, 30);
        let later = planned_at(&history, &cal, at, &[]);
        assert_eq!(firing(&later, due(FR, BREACH, 0), at), None);
        // A second staff reply: cycle 2, counted from it.
        let second = syd(2026, 11, 23, 14, 0);
        history.push(event(
            TicketEventKind::StaffReply,
            TicketStatus::Open,
            second,
        ));
        let p = planned_at(&history, &cal, second, &[]);
        assert_eq!(
            find(&p, due(NU, BREACH, 2)).unwrap().at,
            syd(2026, 11, 24, 10, 0)
        );
        assert_eq!(find(&p, due(NU, BREACH, 1)), None);
        assert_eq!(firing(&p, due(NU, WARN, 1), syd(2026, 11, 24, 12, 0)), None);
    }

    #[test]
    fn a_paused_ticket_plans_nothing_and_a_resolved_one_nothing_until_reopened() {
        let cal = nsw_calendar();
        let mon = syd(2026, 11, 23, 10, 0);
        let mut history = vec![event(TicketEventKind::Created, TicketStatus::New, mon)];
        let wait = syd(2026, 11, 23, 11, 0);
        history.push(event(
            TicketEventKind::Status,
            TicketStatus::WaitingOnCustomer,
            wait,
        ));
        assert_eq!(
            planned_at(&history, &cal, syd(2026, 11, 23, 16, 0), &[]),
            []
        );
        let resolved = syd(2026, 11, 23, 12, 0);
        history.push(event(
            TicketEventKind::Status,
            TicketStatus::Resolved,
            resolved,
        ));
        assert_eq!(planned_at(&history, &cal, resolved, &[]), []);
        assert_eq!(cycle(RES, &history, resolved), 1);
        let reopened = syd(2026, 11, 24, 9, 0);
        history.push(event(
            TicketEventKind::CustomerReply,
            TicketStatus::Resolved,
            reopened,
        ));
        history.push(event(TicketEventKind::Status, TicketStatus::Open, reopened));
        let p = planned_at(&history, &cal, reopened, &[]);
        // The second time open: resolution cycle 1, first response still 0.
        assert!(find(&p, due(RES, BREACH, 1)).is_some(), "{p:?}");
        assert!(find(&p, due(FR, BREACH, 0)).is_some(), "{p:?}");
    }

    #[test]
    fn a_past_warning_fires_at_once_a_breached_target_only_breaches_and_sent_ones_stay_told() {
        let cal = nsw_calendar();
        let mon = syd(2026, 11, 23, 10, 0);
        let history = vec![event(TicketEventKind::Created, TicketStatus::New, mon)];
        // Read late (13:50): the warning's moment is past, it fires now.
        let at = syd(2026, 11, 23, 13, 50);
        let p = planned_at(&history, &cal, at, &[]);
        let warn = find(&p, due(FR, WARN, 0)).unwrap();
        assert!(warn.at <= at);
        assert!(firing(&p, due(FR, WARN, 0), at).is_some());
        // Told already: not planned again.
        let p = planned_at(&history, &cal, at, &[due(FR, WARN, 0)]);
        assert_eq!(find(&p, due(FR, WARN, 0)), None);
        assert!(find(&p, due(FR, BREACH, 0)).is_some());
        // Past the breach: no warning, the breach (late by 30 minutes).
        let at = syd(2026, 11, 23, 14, 30);
        let p = planned_at(&history, &cal, at, &[]);
        assert_eq!(find(&p, due(FR, WARN, 0)), None);
        let breach = firing(&p, due(FR, BREACH, 0), at).unwrap();
        assert_eq!(breach.at, syd(2026, 11, 23, 14, 0));
        assert_eq!(breach.remaining, TimeDelta::minutes(-30));
        let p = planned_at(&history, &cal, at, &[due(FR, BREACH, 0)]);
        assert_eq!(find(&p, due(FR, BREACH, 0)), None);
    }

    #[test]
    fn every_target_and_alarm_has_its_own_timer_kind() {
        let mut kinds: Vec<&str> = sla::ALL_TARGETS
            .iter()
            .flat_map(|t| ALARMS.iter().map(move |a| kind_of(*t, *a)))
            .collect();
        kinds.sort();
        let mut all = timer_kind::ALL.to_vec();
        all.sort();
        assert_eq!(kinds, all);
        kinds.dedup();
        assert_eq!(kinds.len(), 6);
    }
}
