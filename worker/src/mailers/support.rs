//! A support ticket's emails to its customer (transactional, no links: the
//! customer answers signed in, where they opened the ticket, or by email to
//! the business, quoting the number):
//!
//! - TICKET_OPENED (subject: the ticket): its number, subject, priority and
//!   category, and when a first response is due under its SLA (in the
//!   business's timezone).
//! - TICKET_REPLY (subject: the staff reply; never an internal note): the
//!   reply's text and how to answer.
//! - TICKET_RESOLVED (subject: the resolving history step): that it was
//!   resolved, and that a reply within the reopen window (until when)
//!   opens it again, after which it closes.

use super::purchasing::Business;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use chrono::{DateTime, Utc};
use domain::rules::calendar::local_moment;
use domain::support::{self, sla, state};
use entity::{TicketPriority, business_settings, ticket};
use sea_orm::DatabaseConnection;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 6] =
    email_templates!("ticket_opened", "ticket_reply", "ticket_resolved");

/// A priority in words.
fn priority_words(p: TicketPriority) -> &'static str {
    match p {
        TicketPriority::Critical => "Critical",
        TicketPriority::High => "High",
        TicketPriority::Medium => "Medium",
        TicketPriority::Low => "Low",
    }
}

/// What every ticket email says of its ticket.
#[derive(Debug, Clone, Serialize)]
pub struct TicketFacts {
    /// The customer, as greeted.
    pub name: String,
    pub number: String,
    pub ticket_subject: String,
    pub priority: &'static str,
    pub category: String,
    pub business: Business,
}

impl TicketFacts {
    pub fn of(t: &ticket::Model, customer_name: &str, business: Business) -> TicketFacts {
        TicketFacts {
            name: customer_name.to_owned(),
            number: t.number.clone(),
            ticket_subject: t.subject.clone(),
            priority: priority_words(t.priority),
            category: t.category.clone(),
            business,
        }
    }
}

/// The customer's acknowledgement of a new ticket.
#[derive(Debug, Clone, Serialize)]
pub struct OpenedContext {
    pub subject: String,
    pub ticket: TicketFacts,
    /// When a first response is due (business timezone), if the SLA says.
    pub first_response_due: Option<String>,
}

pub fn opened_context(
    facts: TicketFacts,
    first_response_due: Option<DateTime<Utc>>,
) -> OpenedContext {
    OpenedContext {
        subject: format!("{} received: {}", facts.number, facts.ticket_subject),
        first_response_due: first_response_due.map(local_moment),
        ticket: facts,
    }
}

/// The customer's copy of a staff reply.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyContext {
    pub subject: String,
    pub ticket: TicketFacts,
    /// The reply's text (line breaks kept).
    pub reply: String,
    /// When it was written (business timezone).
    pub written: String,
    /// Whether the business now waits for the customer's answer.
    pub waiting_on_you: bool,
}

pub fn reply_context(
    facts: TicketFacts,
    reply: &str,
    written: DateTime<Utc>,
    waiting_on_you: bool,
) -> ReplyContext {
    ReplyContext {
        subject: format!("{} new reply: {}", facts.number, facts.ticket_subject),
        reply: reply.to_owned(),
        written: local_moment(written),
        waiting_on_you,
        ticket: facts,
    }
}

/// The customer's notice that a ticket was resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedContext {
    pub subject: String,
    pub ticket: TicketFacts,
    pub resolved: String,
    pub reopen_days: i64,
    /// The end of the reopen window (business timezone).
    pub reopen_until: String,
}

pub fn resolved_context(facts: TicketFacts, resolved_at: DateTime<Utc>) -> ResolvedContext {
    ResolvedContext {
        subject: format!("{} resolved: {}", facts.number, facts.ticket_subject),
        resolved: local_moment(resolved_at),
        reopen_days: state::REOPEN_WINDOW_DAYS,
        reopen_until: local_moment(state::reopen_deadline(resolved_at)),
        ticket: facts,
    }
}

pub fn ticket_opened(ctx: &OpenedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("ticket_opened", ctx.subject.clone(), ctx)
}

pub fn ticket_reply(ctx: &ReplyContext) -> Result<Rendered, minijinja::Error> {
    render_pair("ticket_reply", ctx.subject.clone(), ctx)
}

pub fn ticket_resolved(ctx: &ResolvedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("ticket_resolved", ctx.subject.clone(), ctx)
}

/// A ticket and its facts.
async fn facts_of(
    db: &DatabaseConnection,
    settings: &business_settings::Model,
    ticket_id: uuid::Uuid,
) -> Result<(ticket::Model, TicketFacts), BoxDynError> {
    let t = support::find(db, ticket_id)
        .await?
        .ok_or("ticket of a ticket email not found")?;
    let customer = domain::customers::find(db, t.customer_id)
        .await?
        .ok_or("customer of a ticket not found")?;
    let facts = TicketFacts::of(&t, &customer.name, Business::of(settings));
    Ok((t, facts))
}

/// When the first response to `t` is due, from its terms and its history
/// as they are at its opening (the email describes the promise made then).
async fn first_response_due(
    db: &DatabaseConnection,
    t: &ticket::Model,
) -> Result<Option<DateTime<Utc>>, BoxDynError> {
    let history = support::history_of(db, &[t.id])
        .await?
        .remove(&t.id)
        .unwrap_or_default();
    let at_opening: Vec<_> = history.into_iter().take(1).collect();
    let calendar = domain::business_time::SharedCalendar::load(db)
        .await?
        .current();
    let targets = support::targets(t, &at_opening, &calendar, t.created_at)?;
    Ok(targets
        .into_iter()
        .find(|target| matches!(target.kind, sla::TargetKind::FirstResponse))
        .and_then(|target| target.due_at))
}

/// TICKET_OPENED: the notification's subject is the ticket.
pub(super) async fn render_ticket_opened(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let (t, facts) = facts_of(source.db, source.settings, source.n.subject_id).await?;
    let due = first_response_due(source.db, &t).await?;
    Ok(ticket_opened(&opened_context(facts, due))?)
}

/// TICKET_REPLY: the notification's subject is the staff reply.
pub(super) async fn render_ticket_reply(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let message = support::message(source.db, source.n.subject_id)
        .await?
        .ok_or("reply of a ticket email not found")?;
    if message.internal || !message.from_staff {
        return Err("only a staff reply is emailed, never an internal note".into());
    }
    let (t, facts) = facts_of(source.db, source.settings, message.ticket_id).await?;
    let waiting = t.status == entity::TicketStatus::WaitingOnCustomer;
    Ok(ticket_reply(&reply_context(
        facts,
        &message.body,
        message.created_at,
        waiting,
    ))?)
}

/// TICKET_RESOLVED: the notification's subject is the resolving history step.
pub(super) async fn render_ticket_resolved(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let step = support::event(source.db, source.n.subject_id)
        .await?
        .ok_or("resolution of a ticket email not found")?;
    let (_, facts) = facts_of(source.db, source.settings, step.ticket_id).await?;
    Ok(ticket_resolved(&resolved_context(facts, step.at))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    fn ticket() -> ticket::Model {
        fixtures::ticket(entity::TicketStatus::New, "2026-12-04T05:00:00Z")
    }

    fn facts() -> TicketFacts {
        TicketFacts::of(&ticket(), "Tom & <Jerry>", fixtures::business())
    }

    fn assert_common(r: &Rendered) {
        assert!(
            r.html.contains("Hello Tom &amp; &lt;Jerry&gt;,"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("Oven &lt;door&gt; won&#x27;t close &amp; beeps"),
            "{}",
            r.html
        );
        assert!(r.html.contains("TKT-000042"));
        assert!(r.html.contains("ABN 51 824 753 556"));
        assert!(r.html.contains("orders@harbour.example.com.au"));
        assert!(r.text.contains("Hello Tom & <Jerry>,"), "{}", r.text);
        assert!(r.text.contains("TKT-000042"));
        fixtures::assert_unlinked_and_tidy(r);
        assert!(r.unsubscribe_url.is_none(), "transactional");
    }

    #[test]
    fn opening_says_number_subject_priority_and_when_a_first_response_is_due() {
        // Friday 4 December 2026, 4 pm Sydney; due Monday 7 December 12 pm.
        let due = fixtures::utc("2026-12-07T01:00:00Z");
        let r = ticket_opened(&opened_context(facts(), Some(due))).unwrap();
        assert_common(&r);
        assert_eq!(
            r.subject,
            "TKT-000042 received: Oven <door> won't close & beeps"
        );
        assert!(r.html.contains("High"));
        assert!(r.html.contains("installation"));
        assert!(
            r.text
                .contains("First response due by: Monday 7 December 2026 at 12:00 pm AEDT\n"),
            "{}",
            r.text
        );
        let without = ticket_opened(&opened_context(facts(), None)).unwrap();
        assert!(!without.text.contains("First response due"));
    }

    #[test]
    fn a_reply_carries_its_text_and_how_to_answer() {
        let body = "Line one <b>\n\nLine & two";
        let at = fixtures::utc("2026-12-04T06:30:00Z");
        let r = ticket_reply(&reply_context(facts(), body, at, true)).unwrap();
        assert_common(&r);
        assert!(
            r.html.contains("Line one &lt;b&gt;\n\nLine &amp; two"),
            "{}",
            r.html
        );
        assert!(r.text.contains("Line one <b>\n\nLine & two"), "{}", r.text);
        assert!(r.text.contains("waiting for your answer"), "{}", r.text);
        assert!(r.text.contains("quote TKT-000042"), "{}", r.text);
        let r = ticket_reply(&reply_context(facts(), "ok", at, false)).unwrap();
        assert!(!r.text.contains("waiting for your answer"));
    }

    #[test]
    fn resolution_says_a_reply_within_the_window_reopens_it() {
        let at = fixtures::utc("2026-12-04T06:30:00Z");
        let r = ticket_resolved(&resolved_context(facts(), at)).unwrap();
        assert_common(&r);
        assert!(r.text.contains("within 7 days"), "{}", r.text);
        assert!(
            r.text.contains("Friday 11 December 2026 at 5:30 pm AEDT"),
            "{}",
            r.text
        );
        assert!(r.text.contains("closes"), "{}", r.text);
    }
}
