//! A ticket's SLA alarms to staff (internal, no links: staff act in the
//! Service Delivery Hub). Both are about one `ticket_sla_alarm` row (the
//! notification's subject), so each is sent once and describes the target
//! as it stood when the alarm was raised:
//!
//! - TICKET_SLA_WARNING (to the assignee; unassigned, to the policy's
//!   escalation role): which target of which ticket is due when (business
//!   timezone), how much SLA time is left, and what to do before then.
//! - TICKET_SLA_BREACHED (to the policy's escalation role): which target
//!   was breached when, how late it was, who has the ticket, and what to do.

use super::purchasing::Business;
use super::support::TicketFacts;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use chrono::TimeDelta;
use domain::rules::calendar::local_moment;
use domain::support::{self, alarms, sla};
use entity::{SlaAlarmKind, SlaCalendar, SlaTargetKind, TicketStatus, ticket_sla_alarm};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("ticket_sla_alarm");

/// A target in words, as a sentence starts it and within one.
fn target_words(kind: SlaTargetKind) -> (&'static str, &'static str) {
    match kind {
        SlaTargetKind::FirstResponse => ("First response", "first response"),
        SlaTargetKind::NextUpdate => ("Next update", "next update"),
        SlaTargetKind::Resolution => ("Resolution", "resolution"),
    }
}

/// A status in words.
fn status_words(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::New => "New",
        TicketStatus::Open => "Open",
        TicketStatus::WaitingOnCustomer => "Waiting on customer",
        TicketStatus::WaitingOnThirdParty => "Waiting on third party",
        TicketStatus::Resolved => "Resolved",
        TicketStatus::Closed => "Closed",
    }
}

/// An SLA duration in hours and minutes: "1 hour 5 minutes", "15
/// minutes", "less than a minute".
pub fn span(d: TimeDelta) -> String {
    let minutes = d.num_minutes().abs();
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let unit = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (hours, minutes) {
        (0, 0) => "less than a minute".to_owned(),
        (0, m) => unit(m, "minute", "minutes"),
        (h, 0) => unit(h, "hour", "hours"),
        (h, m) => format!(
            "{} {}",
            unit(h, "hour", "hours"),
            unit(m, "minute", "minutes")
        ),
    }
}

/// The staff email about one SLA alarm.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmContext {
    pub subject: String,
    /// A breach (else a warning).
    pub breach: bool,
    pub ticket: TicketFacts,
    pub customer: String,
    pub status: &'static str,
    /// "First response", "Next update" or "Resolution".
    pub target: &'static str,
    /// The same within a sentence.
    pub target_lower: &'static str,
    /// When the target is (was) due, in the business's timezone.
    pub due: String,
    /// A warning's SLA time left, e.g. "15 minutes".
    pub left: Option<String>,
    /// A breach's lateness when raised, if a minute or more.
    pub late: Option<String>,
    /// How the policy's clock counts: "around the clock", "in business
    /// hours (…)".
    pub clock: &'static str,
    pub policy: String,
    /// Who has the ticket (their address), if anyone.
    pub assignee: Option<String>,
    /// The role told at breach.
    pub escalate_role: String,
    /// What to do now.
    pub todo: String,
}

/// The email for `alarm` about a ticket (its facts, status and customer
/// name), under `terms`, with its assignee's address.
pub fn alarm_context(
    alarm: &ticket_sla_alarm::Model,
    facts: TicketFacts,
    status: TicketStatus,
    customer: &str,
    terms: &sla::Terms,
    assignee: Option<String>,
) -> AlarmContext {
    let (target, target_lower) = target_words(alarm.target);
    let breach = alarm.alarm == SlaAlarmKind::Breach;
    let remaining = TimeDelta::seconds(alarm.remaining_seconds);
    let due = local_moment(alarm.due_at);
    let left = (!breach).then(|| span(remaining.max(TimeDelta::zero())));
    let late = (breach && remaining <= -TimeDelta::minutes(1)).then(|| span(remaining));
    let clock = match terms.calendar {
        SlaCalendar::Always => "around the clock",
        SlaCalendar::BusinessHours => {
            "in business hours (9 am to 5 pm Sydney time, Monday to Friday, public holidays excluded)"
        }
    };
    let subject = match &left {
        Some(left) => format!(
            "{}: {target_lower} due in {left}: {}",
            facts.number, facts.ticket_subject
        ),
        None => format!(
            "{}: {target_lower} SLA breached: {}",
            facts.number, facts.ticket_subject
        ),
    };
    let action = match alarm.target {
        SlaTargetKind::FirstResponse => "reply to the customer on the ticket",
        SlaTargetKind::NextUpdate => "send the customer an update on the ticket",
        SlaTargetKind::Resolution => "resolve the ticket",
    };
    let todo = if breach {
        let owner = match &assignee {
            Some(who) => {
                format!("check with {who}, or reassign the ticket to someone who can act now")
            }
            None => "assign the ticket to someone who can act now".to_owned(),
        };
        format!(
            "{}, and make sure they {action} as soon as they can (an internal note does not count). The breach stays on the ticket's record and in the SLA report.",
            capitalised(&owner)
        )
    } else {
        format!(
            "{} before {due} (an internal note does not count). If the ticket is waiting on the customer or a third party, set that status: the clock pauses while it waits.",
            capitalised(action)
        )
    };
    AlarmContext {
        subject,
        breach,
        customer: customer.to_owned(),
        status: status_words(status),
        target,
        target_lower,
        due,
        left,
        late,
        clock,
        policy: terms.policy_name.clone(),
        assignee,
        escalate_role: terms.escalate_role.as_str().to_owned(),
        todo,
        ticket: facts,
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub fn sla_alarm(ctx: &AlarmContext) -> Result<Rendered, minijinja::Error> {
    render_pair("ticket_sla_alarm", ctx.subject.clone(), ctx)
}

/// TICKET_SLA_WARNING and TICKET_SLA_BREACHED: the notification's subject
/// is the alarm row.
pub(super) async fn render_sla_alarm(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let alarm = alarms::find_alarm(source.db, source.n.subject_id)
        .await?
        .ok_or("SLA alarm of an SLA email not found")?;
    let t = support::find(source.db, alarm.ticket_id)
        .await?
        .ok_or("ticket of an SLA alarm not found")?;
    let customer = domain::customers::find(source.db, t.customer_id)
        .await?
        .ok_or("customer of a ticket not found")?;
    let terms = support::terms_of(&t)?;
    let assignee = alarms::assignee(source.db, &t).await?.map(|u| u.email);
    let facts = TicketFacts::of(&t, &customer.name, Business::of(source.settings));
    let ctx = alarm_context(&alarm, facts, t.status, &customer.name, &terms, assignee);
    Ok(sla_alarm(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use entity::ticket;
    use uuid::Uuid;

    fn ticket() -> ticket::Model {
        fixtures::ticket(TicketStatus::Open, "2026-11-22T23:00:00Z")
    }

    fn terms() -> sla::Terms {
        sla::Terms {
            policy_id: Uuid::nil(),
            policy_name: "High".into(),
            first_response_minutes: 240,
            next_update_minutes: 240,
            resolution_minutes: 960,
            calendar: SlaCalendar::BusinessHours,
            pause_statuses: vec![TicketStatus::WaitingOnCustomer],
            warning_minutes: 15,
            escalate_role: entity::Role::Admin,
        }
    }

    /// Due Monday 23 November 2026, 2 pm Sydney (AEDT).
    fn alarm(kind: SlaAlarmKind, remaining_seconds: i64) -> ticket_sla_alarm::Model {
        ticket_sla_alarm::Model {
            id: Uuid::now_v7(),
            ticket_id: Uuid::now_v7(),
            target: SlaTargetKind::FirstResponse,
            alarm: kind,
            cycle: 0,
            due_at: fixtures::utc("2026-11-23T03:00:00Z"),
            remaining_seconds,
            recipients: "[]".into(),
            sent_at: fixtures::utc("2026-11-23T02:45:00Z"),
        }
    }

    fn render(a: &ticket_sla_alarm::Model, assignee: Option<&str>) -> Rendered {
        let facts = TicketFacts::of(&ticket(), "Tom & <Jerry>", fixtures::business());
        let ctx = alarm_context(
            a,
            facts,
            TicketStatus::Open,
            "Tom & <Jerry>",
            &terms(),
            assignee.map(str::to_owned),
        );
        sla_alarm(&ctx).unwrap()
    }

    fn assert_common(r: &Rendered) {
        assert!(r.html.contains("TKT-000042"));
        assert!(
            r.html
                .contains("Oven &lt;door&gt; won&#x27;t close &amp; beeps"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Tom &amp; &lt;Jerry&gt;"), "{}", r.html);
        assert!(r.text.contains("Customer: Tom & <Jerry>"), "{}", r.text);
        assert!(r.text.contains("Priority: High"), "{}", r.text);
        assert!(
            r.text
                .contains("Due by: Monday 23 November 2026 at 2:00 pm AEDT"),
            "{}",
            r.text
        );
        fixtures::assert_unlinked_and_tidy(r);
        assert!(r.unsubscribe_url.is_none(), "internal");
    }

    #[test]
    fn a_warning_says_which_target_is_due_when_the_time_left_and_what_to_do() {
        let r = render(
            &alarm(SlaAlarmKind::Warning, 15 * 60),
            Some("sam@example.com.au"),
        );
        assert_common(&r);
        assert_eq!(
            r.subject,
            "TKT-000042: first response due in 15 minutes: Oven <door> won't close & beeps"
        );
        assert!(r.text.contains("Target: First response"), "{}", r.text);
        assert!(r.text.contains("Time left: 15 minutes"), "{}", r.text);
        assert!(
            r.text.contains("Assignee: sam@example.com.au"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains(
                "Reply to the customer on the ticket before Monday 23 November 2026 at 2:00 pm AEDT"
            ),
            "{}",
            r.text
        );
        assert!(r.text.contains("business hours"), "{}", r.text);
        assert!(!r.text.contains("breached"), "{}", r.text);
    }

    #[test]
    fn a_breach_says_how_late_who_has_it_and_to_act_now() {
        let r = render(
            &alarm(SlaAlarmKind::Breach, -65 * 60),
            Some("sam@example.com.au"),
        );
        assert_common(&r);
        assert_eq!(
            r.subject,
            "TKT-000042: first response SLA breached: Oven <door> won't close & beeps"
        );
        assert!(r.text.contains("Late by: 1 hour 5 minutes"), "{}", r.text);
        assert!(
            r.text.contains("What to do: Check with sam@example.com.au"),
            "{}",
            r.text
        );
        assert!(r.text.contains("ADMIN"), "{}", r.text);
        // Raised on time: no lateness line; unassigned: assign it.
        let r = render(&alarm(SlaAlarmKind::Breach, 0), None);
        assert!(!r.text.contains("Late by"), "{}", r.text);
        assert!(r.text.contains("Assignee: nobody"), "{}", r.text);
        assert!(
            r.text.contains("What to do: Assign the ticket"),
            "{}",
            r.text
        );
    }

    #[test]
    fn spans_read_in_hours_and_minutes() {
        assert_eq!(span(TimeDelta::seconds(30)), "less than a minute");
        assert_eq!(span(TimeDelta::minutes(1)), "1 minute");
        assert_eq!(span(TimeDelta::minutes(-120)), "2 hours");
        assert_eq!(span(TimeDelta::minutes(61)), "1 hour 1 minute");
        assert_eq!(span(TimeDelta::minutes(26 * 60 + 5)), "26 hours 5 minutes");
    }
}
