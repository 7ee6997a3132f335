//! An engagement's delay and escalation emails.
//!
//! - ENGAGEMENT_DELAYED (transactional, to the customer; the subject is the
//!   delay): the revised timeline (the plan's end before and after, and by
//!   how many business days), why, what is done about it, the milestones
//!   the delay moved with their dates now and as first agreed, and who the
//!   business is.
//! - ENGAGEMENT_ESCALATED (internal, to every ADMIN; the subject is the
//!   escalation): why (a stage still overdue after the grace period, or a
//!   significant delay of N business days, with its reason and mitigation),
//!   which stage and round, and who owns it (its owner role and the team
//!   members in it).
//!
//! Neither carries a link (their tests check it).

use super::engagements::engagement_with_template;
use super::purchasing::{Business, day};
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use chrono::{DateTime, Utc};
use domain::engagements::template::Definition;
use domain::engagements::{self, Engagement, StageNotice};
use domain::rules::calendar::local_moment;
use entity::{
    EscalationCause, app_user, engagement_delay, engagement_escalation, engagement_milestone,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 4] =
    email_templates!("engagement_delayed", "engagement_escalated");

/// A milestone a delay moved, as the customer reads it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MovedMilestone {
    pub name: String,
    /// When it is due now.
    pub due: String,
    /// When it was due as first agreed.
    pub original: String,
}

/// The milestones `delay` moved, by due date: those open when it was
/// recorded (set before it, not completed by then), when it slipped at
/// least one business day.
pub fn moved_by(
    delay: &engagement_delay::Model,
    milestones: &[engagement_milestone::Model],
) -> Vec<MovedMilestone> {
    if delay.delay_days <= 0 {
        return vec![];
    }
    let mut moved: Vec<&engagement_milestone::Model> = milestones
        .iter()
        .filter(|m| m.created_at <= delay.recorded_at)
        .filter(|m| m.completed_at.is_none_or(|at| at > delay.recorded_at))
        .collect();
    moved.sort_by_key(|m| (m.due_on, m.id));
    moved
        .into_iter()
        .map(|m| MovedMilestone {
            name: m.name.clone(),
            due: day(m.due_on),
            original: day(m.original_due_on),
        })
        .collect()
}

/// The customer's email about a delay with its revised timeline.
#[derive(Debug, Clone, Serialize)]
pub struct DelayedContext {
    pub subject: String,
    /// The customer, as greeted.
    pub name: String,
    pub number: String,
    pub engagement_name: String,
    pub scope_reference: String,
    /// The stage it was recorded in.
    pub stage: Option<String>,
    pub end_before: String,
    pub end_after: String,
    pub delay_days: i32,
    pub reason: String,
    pub mitigation: String,
    pub milestones: Vec<MovedMilestone>,
    pub business: Business,
}

/// The customer's email about `delay` of `engagement` (which follows
/// `definition`).
pub fn delayed_context(
    engagement: &entity::engagement::Model,
    customer_name: &str,
    definition: &Definition,
    delay: &engagement_delay::Model,
    milestones: &[engagement_milestone::Model],
    business: Business,
) -> DelayedContext {
    DelayedContext {
        subject: format!(
            "{} {}: revised timeline, now ending {}",
            engagement.number,
            engagement.name,
            day(delay.end_after)
        ),
        name: customer_name.to_owned(),
        number: engagement.number.clone(),
        engagement_name: engagement.name.clone(),
        scope_reference: engagement.scope_reference.clone(),
        stage: definition
            .stages
            .iter()
            .find(|s| s.key == delay.stage_key)
            .map(|s| s.name.clone()),
        end_before: day(delay.end_before),
        end_after: day(delay.end_after),
        delay_days: delay.delay_days,
        reason: delay.reason.clone(),
        mitigation: delay.mitigation.clone(),
        milestones: moved_by(delay, milestones),
        business,
    }
}

pub fn delayed(ctx: &DelayedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("engagement_delayed", ctx.subject.clone(), ctx)
}

/// A significant delay as ADMIN reads it.
#[derive(Debug, Clone, Serialize)]
pub struct DelayPart {
    pub days: i32,
    /// The significant-delay threshold, in business days.
    pub threshold: i32,
    pub end_before: String,
    pub end_after: String,
    pub reason: String,
    pub mitigation: String,
}

/// ADMIN's email about an escalation.
#[derive(Debug, Clone, Serialize)]
pub struct EscalatedContext {
    pub subject: String,
    pub number: String,
    pub engagement_name: String,
    pub customer_name: String,
    /// The stage's name (its key if the template has no such stage).
    pub stage: String,
    /// "3 of 6".
    pub position: Option<String>,
    pub round: i32,
    /// The role that owns the stage, e.g. `DELIVERY_TEAM`.
    pub owner_role: String,
    /// The team members in that role (their emails).
    pub owners: Vec<String>,
    /// The stage's due time (an overdue stage), in the business's timezone.
    pub due: Option<String>,
    /// The grace an overdue stage had, in business hours.
    pub grace_hours: i32,
    /// The significant delay that caused it.
    pub delay: Option<DelayPart>,
    pub escalated_at: String,
    pub business_name: String,
}

/// What ADMIN reads about `escalation` of `found` (which follows
/// `definition`): `delay` is its significant delay, `due` the overdue
/// stage's due time, `owners` the team members owning the stage, and
/// `grace_hours` and `threshold` the business's settings.
#[allow(clippy::too_many_arguments)]
pub fn escalated_context(
    found: &Engagement,
    customer_name: &str,
    definition: &Definition,
    escalation: &engagement_escalation::Model,
    delay: Option<&engagement_delay::Model>,
    due: Option<DateTime<Utc>>,
    owners: Vec<String>,
    grace_hours: i32,
    threshold: i32,
    business_name: &str,
) -> EscalatedContext {
    let e = &found.engagement;
    let index = definition
        .stages
        .iter()
        .position(|s| s.key == escalation.stage_key);
    let stage = index.and_then(|i| definition.stage(i));
    let stage_name = stage.map_or(escalation.stage_key.clone(), |s| s.name.clone());
    let delay = delay
        .filter(|_| escalation.cause == EscalationCause::SignificantDelay)
        .map(|d| DelayPart {
            days: d.delay_days,
            threshold,
            end_before: day(d.end_before),
            end_after: day(d.end_after),
            reason: d.reason.clone(),
            mitigation: d.mitigation.clone(),
        });
    let why = match &delay {
        Some(d) => format!(
            "delayed {} business day{}",
            d.days,
            if d.days == 1 { "" } else { "s" }
        ),
        None => format!("{stage_name} overdue past the grace period"),
    };
    EscalatedContext {
        subject: format!("Escalated: {} {}: {why}", e.number, e.name),
        number: e.number.clone(),
        engagement_name: e.name.clone(),
        customer_name: customer_name.to_owned(),
        stage: stage_name,
        position: index.map(|i| format!("{} of {}", i + 1, definition.stages.len())),
        round: escalation.round,
        owner_role: stage.map_or("—".to_owned(), |s| s.owner_role.to_string()),
        owners,
        due: due.filter(|_| delay.is_none()).map(local_moment),
        grace_hours,
        delay,
        escalated_at: local_moment(escalation.escalated_at),
        business_name: business_name.to_owned(),
    }
}

pub fn escalated(ctx: &EscalatedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("engagement_escalated", ctx.subject.clone(), ctx)
}

/// The engagement, its template's definition and its customer's name.
async fn engagement_of(
    db: &DatabaseConnection,
    engagement_id: uuid::Uuid,
) -> Result<(Engagement, Definition, String), BoxDynError> {
    let (found, template, customer) = engagement_with_template(
        db,
        engagement_id,
        "engagement of a delay or escalation email not found",
    )
    .await?;
    Ok((found, template.definition, customer))
}

/// ENGAGEMENT_DELAYED: the notification's subject is the delay.
pub(super) async fn render_delayed(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let delay = engagements::delays::find_delay(source.db, source.n.subject_id)
        .await?
        .ok_or("delay of an email not found")?;
    let (found, definition, customer) = engagement_of(source.db, delay.engagement_id).await?;
    let milestones = engagements::plan::milestones(source.db, delay.engagement_id).await?;
    let ctx = delayed_context(
        &found.engagement,
        &customer,
        &definition,
        &delay,
        &milestones,
        Business::of(source.settings),
    );
    Ok(delayed(&ctx)?)
}

/// ENGAGEMENT_ESCALATED: the notification's subject is the escalation.
pub(super) async fn render_escalated(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let escalation = engagements::delays::find_escalation(source.db, source.n.subject_id)
        .await?
        .ok_or("escalation of an email not found")?;
    let (found, definition, customer) = engagement_of(source.db, escalation.engagement_id).await?;
    let delay = match escalation.delay_id {
        Some(id) => engagements::delays::find_delay(source.db, id).await?,
        None => None,
    };
    let index = definition
        .stages
        .iter()
        .position(|s| s.key == escalation.stage_key);
    let due = match index.and_then(|i| i32::try_from(i).ok()) {
        Some(stage_index) => {
            let notice = StageNotice {
                stage_index,
                round: escalation.round,
            };
            engagements::stage_entry(source.db, found.engagement.id, notice)
                .await?
                .map(|entry| entry.due_at)
        }
        None => None,
    };
    let owner_role = index
        .and_then(|i| definition.stage(i))
        .map(|s| s.owner_role);
    let members: Vec<uuid::Uuid> = found
        .team
        .iter()
        .filter(|m| Some(m.role) == owner_role)
        .map(|m| m.user_id)
        .collect();
    let owners = app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(members))
        .order_by_asc(app_user::Column::Id)
        .all(source.db)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    let ctx = escalated_context(
        &found,
        &customer,
        &definition,
        &escalation,
        delay.as_ref(),
        due,
        owners,
        source.settings.escalation_grace_hours,
        source.settings.significant_delay_days,
        &source.settings.legal_name,
    );
    Ok(escalated(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use chrono::NaiveDate;
    use domain::engagements::template::service_delivery;
    use uuid::Uuid;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A delay of engagement 70 recorded in Execution on Monday 14 December
    /// 2026, from Wednesday 20 January 2027 to `end_after`.
    fn delay(end_after: &str, days: i32, significant: bool) -> engagement_delay::Model {
        engagement_delay::Model {
            id: Uuid::from_u128(75),
            engagement_id: Uuid::from_u128(70),
            stage_key: "execution".into(),
            reason: "The supplier's <API> & docs arrived late.".into(),
            mitigation: "A second developer & a mock API until it lands.".into(),
            end_before: date("2027-01-20"),
            end_after: date(end_after),
            delay_days: days,
            significant,
            recorded_by: "pm-1".into(),
            recorded_at: fixtures::utc("2026-12-13T23:00:00Z"),
        }
    }

    fn milestone(
        n: u128,
        name: &str,
        due: &str,
        original: &str,
        completed: Option<&str>,
    ) -> engagement_milestone::Model {
        engagement_milestone::Model {
            id: Uuid::from_u128(760 + n),
            engagement_id: Uuid::from_u128(70),
            name: name.into(),
            due_on: date(due),
            original_due_on: date(original),
            completed_at: completed.map(fixtures::utc),
            completed_by: completed.map(|_| "pm-1".into()),
            version: 2,
            created_at: fixtures::utc("2026-11-24T00:00:00Z"),
            updated_at: fixtures::utc("2026-12-13T23:00:00Z"),
        }
    }

    #[test]
    fn a_delay_moves_the_milestones_open_when_it_was_recorded() {
        let d = delay("2027-01-27", 5, true);
        let done_before = milestone(
            1,
            "Kickoff done",
            "2026-11-25",
            "2026-11-25",
            Some("2026-11-25T01:00:00Z"),
        );
        let open = milestone(2, "Beta <live>", "2027-01-08", "2026-12-31", None);
        let done_after = milestone(
            3,
            "Design signed",
            "2026-12-21",
            "2026-12-14",
            Some("2026-12-20T01:00:00Z"),
        );
        let later = engagement_milestone::Model {
            created_at: fixtures::utc("2026-12-20T00:00:00Z"),
            ..milestone(4, "Added later", "2027-02-01", "2027-02-01", None)
        };
        let moved = moved_by(&d, &[done_before, open, done_after, later]);
        assert_eq!(
            moved,
            [
                MovedMilestone {
                    name: "Design signed".into(),
                    due: "Monday 21 December 2026".into(),
                    original: "Monday 14 December 2026".into(),
                },
                MovedMilestone {
                    name: "Beta <live>".into(),
                    due: "Friday 8 January 2027".into(),
                    original: "Thursday 31 December 2026".into(),
                },
            ]
        );
        // A delay of no business day moves nothing.
        let weekend = delay("2027-01-23", 0, false);
        let open = milestone(2, "Beta", "2027-01-08", "2027-01-08", None);
        assert!(moved_by(&weekend, &[open]).is_empty());
    }

    fn customer_email() -> DelayedContext {
        let milestones = [milestone(
            2,
            "Beta <live>",
            "2027-01-08",
            "2026-12-31",
            None,
        )];
        delayed_context(
            &fixtures::engagement(2, 0).engagement,
            "Tom & <Jerry>",
            &service_delivery(),
            &delay("2027-01-27", 5, true),
            &milestones,
            fixtures::business(),
        )
    }

    #[test]
    fn the_customer_is_told_the_old_and_new_end_why_what_is_done_and_the_moved_milestones() {
        let ctx = customer_email();
        assert_eq!(
            ctx.subject,
            "ENG-000003 Website <rebuild> & care: revised timeline, now ending Wednesday 27 January 2027"
        );
        let rendered = delayed(&ctx).unwrap();
        assert_eq!(rendered.unsubscribe_url, None, "transactional");
        let html = &rendered.html;
        assert!(html.contains("Hello Tom &amp; &lt;Jerry&gt;,"), "{html}");
        assert!(html.contains("Website &lt;rebuild&gt; &amp; care"));
        assert!(html.contains("The supplier&#x27;s &lt;API&gt; &amp; docs arrived late."));
        assert!(html.contains("Beta &lt;live&gt;"));
        assert!(html.contains("Harbour &amp; Co Homewares"));
        for raw in ["<Jerry>", "<rebuild>", "<API>", "<live>"] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        assert!(!html.contains("href"), "no links");
        for body in [html, &rendered.text] {
            assert!(body.contains("ENG-000003"), "{body}");
            assert!(body.contains("SOW-2026-014"));
            assert!(body.contains("Execution"), "the stage");
            assert!(body.contains("Wednesday 20 January 2027"), "the old end");
            assert!(body.contains("Wednesday 27 January 2027"), "the new end");
            assert!(body.contains("5 business days later"));
            assert!(body.contains("Friday 8 January 2027"), "moved milestone");
            assert!(body.contains("Thursday 31 December 2026"), "first agreed");
            assert!(body.contains("What we are doing about it"));
            fixtures::assert_transactional_sign_off(body);
            assert!(!body.contains("http"));
        }
        let text = &rendered.text;
        assert!(text.contains("Hello Tom & <Jerry>,"), "{text}");
        assert!(text.contains("Why:\nThe supplier's <API> & docs arrived late.\n"));
        assert!(text.contains(
            "What we are doing about it:\nA second developer & a mock API until it lands.\n"
        ));
        assert!(text.contains(
            "- Beta <live>: now due Friday 8 January 2027 (first agreed Thursday 31 December 2026)\n"
        ));
        assert!(text.contains(
            "Was due to end: Wednesday 20 January 2027\nNow ends: Wednesday 27 January 2027\n"
        ));
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn a_delay_without_moved_milestones_lists_none() {
        let ctx = delayed_context(
            &fixtures::engagement(2, 0).engagement,
            "Acme",
            &service_delivery(),
            &delay("2027-01-21", 1, false),
            &[],
            fixtures::business(),
        );
        let rendered = delayed(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("1 business day later"), "{body}");
            assert!(!body.contains("Your milestones"));
        }
        assert!(!rendered.text.contains("\n\n\n"), "{}", rendered.text);
    }

    fn escalation(cause: EscalationCause, delay_id: Option<Uuid>) -> engagement_escalation::Model {
        engagement_escalation::Model {
            id: Uuid::from_u128(77),
            engagement_id: Uuid::from_u128(70),
            cause,
            stage_key: "execution".into(),
            round: 1,
            delay_id,
            escalated_at: fixtures::utc("2026-12-21T22:00:00Z"),
        }
    }

    #[test]
    fn admin_is_told_a_stage_is_overdue_past_the_grace_which_stage_and_who_owns_it() {
        let found = fixtures::engagement(2, 1);
        let ctx = escalated_context(
            &found,
            "Tom & <Jerry>",
            &service_delivery(),
            &escalation(EscalationCause::OverdueStage, None),
            None,
            Some(fixtures::utc("2026-12-18T06:00:00Z")),
            vec!["dev@harbour.example".into()],
            8,
            5,
            "Harbour & Co Homewares",
        );
        assert_eq!(
            ctx.subject,
            "Escalated: ENG-000003 Website <rebuild> & care: Execution overdue past the grace period"
        );
        let rendered = escalated(&ctx).unwrap();
        fixtures::assert_internal_stage_email(&rendered, "Execution", "3 of 6");
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("Revision round"), "{body}");
            assert!(body.contains("DELIVERY_TEAM: dev@harbour.example"));
            assert!(
                body.contains("Friday 18 December 2026 at 5:00 pm AEDT"),
                "due"
            );
            assert!(body.contains("grace period of 8 business hours"));
            assert!(
                body.contains("Tuesday 22 December 2026 at 9:00 am AEDT"),
                "when"
            );
            assert!(!body.contains("significant-delay"));
            assert!(!body.contains("http"));
        }
        let text = &rendered.text;
        assert!(text.contains("Why: Execution was due by Friday 18 December 2026 at 5:00 pm AEDT and is still overdue after the grace period of 8 business hours.\n"), "{text}");
        assert!(text.contains("Customer: Tom & <Jerry>\n"));
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn admin_is_told_a_significant_delay_its_days_reason_and_mitigation() {
        let d = delay("2027-01-28", 6, true);
        let ctx = escalated_context(
            &fixtures::engagement(2, 0),
            "Acme",
            &service_delivery(),
            &engagement_escalation::Model {
                round: 0,
                ..escalation(EscalationCause::SignificantDelay, Some(d.id))
            },
            Some(&d),
            Some(fixtures::utc("2026-12-18T06:00:00Z")),
            vec![],
            8,
            5,
            "Harbour & Co Homewares",
        );
        assert_eq!(
            ctx.subject,
            "Escalated: ENG-000003 Website <rebuild> & care: delayed 6 business days"
        );
        assert_eq!(ctx.due, None, "not about a due time");
        let rendered = escalated(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("a delay of 6 business days"), "{body}");
            assert!(body.contains("threshold of 5 business days"));
            assert!(body.contains("Wednesday 20 January 2027"));
            assert!(body.contains("Thursday 28 January 2027"));
            assert!(body.contains("DELIVERY_TEAM (no team member in this role)"));
            assert!(body.contains("Mitigation"));
            assert!(!body.contains("Revision round"), "the first pass");
            assert!(!body.contains("grace period"));
            assert!(!body.contains("href") && !body.contains("http"));
        }
        let text = &rendered.text;
        assert!(
            text.contains("Reason given:\nThe supplier's <API> & docs arrived late.\n"),
            "{text}"
        );
        assert!(text.contains("Mitigation:\nA second developer & a mock API until it lands.\n"));
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    /// Writes the two emails' HTML for a look in a browser
    /// (`RENDER_EMAILS=dir cargo test -p worker engagement_delays`).
    #[test]
    fn render_for_a_look() {
        let Some(dir) = std::env::var_os("RENDER_EMAILS") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let delayed_html = delayed(&customer_email()).unwrap().html;
        std::fs::write(dir.join("engagement_delayed.html"), delayed_html).unwrap();
        let d = delay("2027-01-28", 6, true);
        let ctx = escalated_context(
            &fixtures::engagement(2, 1),
            "Tom & <Jerry>",
            &service_delivery(),
            &escalation(EscalationCause::OverdueStage, None),
            None,
            Some(fixtures::utc("2026-12-18T06:00:00Z")),
            vec!["dev@harbour.example".into(), "dev2@harbour.example".into()],
            8,
            5,
            "Harbour & Co Homewares",
        );
        std::fs::write(
            dir.join("engagement_escalated_overdue.html"),
            escalated(&ctx).unwrap().html,
        )
        .unwrap();
        let ctx = escalated_context(
            &fixtures::engagement(2, 0),
            "Acme",
            &service_delivery(),
            &escalation(EscalationCause::SignificantDelay, Some(d.id)),
            Some(&d),
            None,
            vec![],
            8,
            5,
            "Harbour & Co Homewares",
        );
        std::fs::write(
            dir.join("engagement_escalated_delay.html"),
            escalated(&ctx).unwrap().html,
        )
        .unwrap();
    }
}
