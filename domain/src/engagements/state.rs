//! An engagement's life and the gate of leaving a stage, as pure functions.

use super::template::{Consequence, DurationUnit, Stage};
use crate::rules::calendar::BusinessCalendar;
use EngagementStatus as S;
use chrono::{DateTime, Utc};
use entity::EngagementStatus;
use std::collections::{BTreeSet, HashMap};

/// What happens to an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Work starts at the first stage.
    Start,
    /// Paused (the customer asked, a blocker).
    Hold,
    Resume,
    /// Its last stage was left.
    Finish,
    Cancel,
    /// A stage's output or decision was recorded, or a stage was left: only
    /// while work runs.
    Work,
    /// The plan's records change (risks, issues, milestones, scope changes,
    /// delays, reports, the final invoice, lessons learned): until it is
    /// closed or cancelled, when it becomes read-only.
    Edit,
}

/// A step the current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: EngagementStatus,
}

pub fn apply(from: EngagementStatus, event: Event) -> Result<EngagementStatus, Illegal> {
    let to = match (from, event) {
        (S::Planned, Event::Start) => S::Active,
        (S::Active, Event::Hold) => S::OnHold,
        (S::OnHold, Event::Resume) => S::Active,
        (S::Active, Event::Finish) => S::Closed,
        (S::Active, Event::Work) => S::Active,
        (S::Planned | S::Active | S::OnHold, Event::Edit) => from,
        (S::Planned | S::Active | S::OnHold, Event::Cancel) => S::Cancelled,
        _ => return Err(Illegal { from }),
    };
    Ok(to)
}

/// Where leaving a stage leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leave {
    /// On to the next stage (or, from the last, the engagement closes).
    Next,
    /// A revision round: back to the stage at this index.
    ReviseFrom(usize),
}

/// Why a stage cannot be left yet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blocked {
    /// Required outputs not yet done (their names, in template order).
    pub missing_outputs: Vec<String>,
    /// Decision points not yet answered (their questions).
    pub unanswered: Vec<String>,
    /// Answers that hold the stage (their questions).
    pub holding: Vec<String>,
}

/// May `stage` be left, given the outputs done and the latest answer to
/// each decision in this round? A "revise" answer wins over proceeding;
/// `index_of` finds a stage's index by key.
pub fn leave(
    stage: &Stage,
    done: &BTreeSet<String>,
    answers: &HashMap<String, bool>,
    index_of: impl Fn(&str) -> Option<usize>,
) -> Result<Leave, Blocked> {
    let mut blocked = Blocked::default();
    for output in &stage.outputs {
        if !done.contains(&output.key) {
            blocked.missing_outputs.push(output.name.clone());
        }
    }
    let mut revise = None;
    for decision in &stage.decisions {
        let Some(answer) = answers.get(&decision.key) else {
            blocked.unanswered.push(decision.question.clone());
            continue;
        };
        match decision.consequence(*answer) {
            Consequence::Stay => blocked.holding.push(decision.question.clone()),
            Consequence::ReviseFrom => {
                revise = decision.revise_from.as_deref().and_then(&index_of);
            }
            Consequence::Proceed | Consequence::ReviseTimeline | Consequence::MitigationActions => {
            }
        }
    }
    // A revision round needs no outputs of the stage it leaves.
    if let Some(to) = revise
        && blocked.unanswered.is_empty()
        && blocked.holding.is_empty()
    {
        return Ok(Leave::ReviseFrom(to));
    }
    if blocked == Blocked::default() {
        Ok(Leave::Next)
    } else {
        Err(blocked)
    }
}

/// When a stage started at `started_at` is due: its longest planned
/// duration on the business calendar (business hours from the start, or the
/// close of the business day that many business days on).
pub fn stage_due(
    cal: &BusinessCalendar,
    stage: &Stage,
    started_at: DateTime<Utc>,
) -> DateTime<Utc> {
    match stage.duration_unit {
        DurationUnit::BusinessHours => cal.add_business_hours(started_at, stage.max_duration),
        DurationUnit::BusinessDays => {
            let day = cal.add_business_days(cal.local_date(started_at), stage.max_duration);
            cal.close_at(day)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagements::template::{automation, service_delivery};

    #[test]
    fn an_engagement_starts_pauses_resumes_and_closes() {
        assert_eq!(apply(S::Planned, Event::Start), Ok(S::Active));
        assert_eq!(apply(S::Active, Event::Hold), Ok(S::OnHold));
        assert_eq!(apply(S::OnHold, Event::Resume), Ok(S::Active));
        assert_eq!(apply(S::Active, Event::Finish), Ok(S::Closed));
        assert_eq!(apply(S::OnHold, Event::Cancel), Ok(S::Cancelled));
        for from in [S::Planned, S::OnHold, S::Closed, S::Cancelled] {
            assert_eq!(apply(from, Event::Work), Err(Illegal { from }));
        }
        for from in [S::Planned, S::Active, S::OnHold] {
            assert_eq!(apply(from, Event::Edit), Ok(from));
        }
        for from in [S::Closed, S::Cancelled] {
            // Read-only: its records are kept as they were.
            assert_eq!(apply(from, Event::Edit), Err(Illegal { from }));
            assert_eq!(apply(from, Event::Cancel), Err(Illegal { from }));
            assert_eq!(apply(from, Event::Start), Err(Illegal { from }));
        }
    }

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn a_stage_with_outputs_missing_lists_exactly_what_is_missing() {
        let d = service_delivery();
        let index = |k: &str| d.index_of(k);
        let kickoff = &d.stages[0];
        let blocked = leave(kickoff, &set(&["charter_signed"]), &HashMap::new(), index);
        assert_eq!(
            blocked,
            Err(Blocked {
                missing_outputs: vec![
                    "Kickoff meeting completed".into(),
                    "Communication plan established".into()
                ],
                ..Blocked::default()
            })
        );
        let all = set(&["kickoff_meeting", "charter_signed", "communication_plan"]);
        assert_eq!(
            leave(kickoff, &all, &HashMap::new(), index),
            Ok(Leave::Next)
        );
    }

    #[test]
    fn decisions_must_be_answered_and_a_no_to_acceptance_revises_from_execution() {
        let d = service_delivery();
        let index = |k: &str| d.index_of(k);
        let execution = &d.stages[2];
        let done = set(&["deliverables_produced", "status_reports"]);
        let blocked = leave(execution, &done, &HashMap::new(), index).unwrap_err();
        assert_eq!(blocked.unanswered.len(), 2);
        let answers = HashMap::from([
            ("on_track".to_owned(), false),
            ("risks_need_mitigation".to_owned(), true),
        ]);
        assert_eq!(leave(execution, &done, &answers, index), Ok(Leave::Next));

        let acceptance = &d.stages[4];
        let rejected = HashMap::from([("accepted".to_owned(), false)]);
        assert_eq!(
            leave(acceptance, &BTreeSet::new(), &rejected, index),
            Ok(Leave::ReviseFrom(2)),
            "a revision round needs no outputs of the stage it leaves"
        );
        let accepted = HashMap::from([("accepted".to_owned(), true)]);
        assert!(leave(acceptance, &BTreeSet::new(), &accepted, index).is_err());
    }

    #[test]
    fn a_stage_is_due_after_its_longest_planned_duration_in_business_time() {
        use crate::rules::fixtures::{nsw_calendar, syd};
        let cal = nsw_calendar();
        let d = automation();
        // Monday 23 November 10:00: one business hour → 11:00; four → 14:00.
        let start = syd(2026, 11, 23, 10, 0);
        assert_eq!(
            stage_due(&cal, &d.stages[0], start),
            syd(2026, 11, 23, 11, 0)
        );
        assert_eq!(
            stage_due(&cal, &d.stages[1], start),
            syd(2026, 11, 23, 14, 0)
        );
        // Two business days from Thursday 24 December: past Christmas,
        // Boxing Day's additional day and the weekend, to Wednesday's close.
        let kickoff = &service_delivery().stages[0];
        assert_eq!(
            stage_due(&cal, kickoff, syd(2026, 12, 24, 10, 0)),
            syd(2026, 12, 30, 17, 0)
        );
    }

    #[test]
    fn an_unstable_go_live_holds_its_stage() {
        let d = automation();
        let index = |k: &str| d.index_of(k);
        let go_live = &d.stages[12];
        let done: BTreeSet<String> = go_live.outputs.iter().map(|o| o.key.clone()).collect();
        let unstable = HashMap::from([("production_stable".to_owned(), false)]);
        assert_eq!(
            leave(go_live, &done, &unstable, index),
            Err(Blocked {
                holding: vec!["Is production stable?".into()],
                ..Blocked::default()
            })
        );
        let stable = HashMap::from([("production_stable".to_owned(), true)]);
        assert_eq!(leave(go_live, &done, &stable, index), Ok(Leave::Next));
    }
}
