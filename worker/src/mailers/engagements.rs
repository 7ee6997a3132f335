//! An engagement's stage emails. Both are about one stage entry (a stage in
//! its round: the notification's subject is `StageEntry::id`), so they
//! describe that stage of the template version the engagement follows even
//! when it has moved on since.
//!
//! - ENGAGEMENT_STAGE_STARTED (transactional, to the customer): a stage of
//!   their engagement started, its planned duration range, when it is due
//!   (in the business's timezone), what it produces, and who the business is.
//! - ENGAGEMENT_STAGE_OVERDUE (internal, to the stage's owners): the stage
//!   passed its due time; what still keeps it from being left (outputs not
//!   done this round, decisions unanswered or holding it), as leaving it
//!   would say, and whose engagement it is.
//!
//! - DELIVERABLE_AWAITING_ACCEPTANCE (transactional, to the customer; the
//!   subject is the acceptance round's DELIVERABLE_ACCEPTANCE approval): a
//!   reviewed version of a deliverable awaits their acceptance: where to
//!   find it (its reference), the acceptance criteria, what they asked to
//!   change last time, when to answer by, how to answer (signed in, from
//!   their approvals: accept, or reject with feedback; or reply with a
//!   signed acceptance), and who the business is. It describes the version
//!   that round asked about even when a newer one exists since, and says so
//!   when the round was answered before the email went.
//!
//! The stage emails carry no link; the acceptance email links only a
//! version reference that is an http(s) address (any other reference is
//! text).

use super::purchasing::Business;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::engagements::template::{Definition, DurationUnit, Stage};
use domain::engagements::{self, Engagement, StageEntry, Template};
use domain::rules::calendar::local_moment;
use entity::{
    AcceptanceOutcome, DeliverableStatus, acceptance_round, approval_request, deliverable,
    deliverable_version, notification,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

pub(super) const TEMPLATES: [(&str, &str); 6] = email_templates!(
    "engagement_stage_started",
    "engagement_stage_overdue",
    "deliverable_awaiting_acceptance"
);

/// A stage's planned duration range: "3–5 business days", "1 business hour".
pub fn duration(stage: &Stage) -> String {
    let unit = match stage.duration_unit {
        DurationUnit::BusinessDays => "business day",
        DurationUnit::BusinessHours => "business hour",
    };
    let plural = if stage.max_duration == 1 { "" } else { "s" };
    if stage.min_duration == stage.max_duration {
        format!("{} {unit}{plural}", stage.max_duration)
    } else {
        format!(
            "{}–{} {unit}{plural}",
            stage.min_duration, stage.max_duration
        )
    }
}

/// Where a stage sits: "3 of 6".
fn position(entry: &StageEntry, definition: &Definition) -> String {
    format!(
        "{} of {}",
        entry.notice.stage_index + 1,
        definition.stages.len()
    )
}

/// The customer's email that a stage of their engagement started.
#[derive(Debug, Clone, Serialize)]
pub struct StartedContext {
    pub subject: String,
    /// The customer, as greeted.
    pub name: String,
    pub number: String,
    pub engagement_name: String,
    pub scope_reference: String,
    pub stage: String,
    /// Its phase, for templates grouped in phases.
    pub phase: Option<String>,
    /// "3 of 6".
    pub position: String,
    /// The revision round (0 for the first pass).
    pub round: i32,
    /// "3–5 business days".
    pub duration: String,
    /// In the business's timezone.
    pub due: String,
    /// What the stage produces (its required outputs' names).
    pub outputs: Vec<String>,
    pub business: Business,
}

/// The customer's email about `entry` of `engagement` (which follows
/// `definition`); `None` when the template has no such stage.
pub fn started_context(
    engagement: &entity::engagement::Model,
    customer_name: &str,
    definition: &Definition,
    entry: &StageEntry,
    business: Business,
) -> Option<StartedContext> {
    let stage = definition.stage(usize::try_from(entry.notice.stage_index).ok()?)?;
    Some(StartedContext {
        subject: format!(
            "{} {}: {} has started",
            engagement.number, engagement.name, stage.name
        ),
        name: customer_name.to_owned(),
        number: engagement.number.clone(),
        engagement_name: engagement.name.clone(),
        scope_reference: engagement.scope_reference.clone(),
        stage: stage.name.clone(),
        phase: stage.phase.clone(),
        position: position(entry, definition),
        round: entry.notice.round,
        duration: duration(stage),
        due: local_moment(entry.due_at),
        outputs: stage.outputs.iter().map(|o| o.name.clone()).collect(),
        business,
    })
}

pub fn stage_started(ctx: &StartedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("engagement_stage_started", ctx.subject.clone(), ctx)
}

/// The stage owners' email that their stage is overdue.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueContext {
    pub subject: String,
    pub number: String,
    pub engagement_name: String,
    pub customer_name: String,
    pub stage: String,
    pub phase: Option<String>,
    /// "3 of 6".
    pub position: String,
    /// The revision round (0 for the first pass).
    pub round: i32,
    /// The role that owns it, e.g. `DELIVERY_TEAM`.
    pub owner_role: String,
    pub duration: String,
    /// In the business's timezone.
    pub started: Option<String>,
    pub due: String,
    /// The engagement has left this stage (or this round) since.
    pub left: bool,
    /// Required outputs not done this round (their names).
    pub missing_outputs: Vec<String>,
    /// Decision points not answered this round (their questions).
    pub unanswered: Vec<String>,
    /// Decisions answered so that the stage stays (their questions).
    pub holding: Vec<String>,
    pub business_name: String,
}

/// The owners' email about `entry` of `found` (which follows `definition`);
/// `None` when the template has no such stage.
pub fn overdue_context(
    found: &Engagement,
    customer_name: &str,
    definition: &Definition,
    entry: &StageEntry,
    business_name: &str,
) -> Option<OverdueContext> {
    let e = &found.engagement;
    let stage = definition.stage(usize::try_from(entry.notice.stage_index).ok()?)?;
    let left = (e.stage_index, e.round) != (entry.notice.stage_index, entry.notice.round);
    let blocked = if left {
        Default::default()
    } else {
        engagements::still_missing(found, definition)
    };
    Some(OverdueContext {
        subject: format!("{}: {} is overdue", e.number, stage.name),
        number: e.number.clone(),
        engagement_name: e.name.clone(),
        customer_name: customer_name.to_owned(),
        stage: stage.name.clone(),
        phase: stage.phase.clone(),
        position: position(entry, definition),
        round: entry.notice.round,
        owner_role: stage.owner_role.to_string(),
        duration: duration(stage),
        started: e.stage_started_at.filter(|_| !left).map(local_moment),
        due: local_moment(entry.due_at),
        left,
        missing_outputs: blocked.missing_outputs,
        unanswered: blocked.unanswered,
        holding: blocked.holding,
        business_name: business_name.to_owned(),
    })
}

pub fn stage_overdue(ctx: &OverdueContext) -> Result<Rendered, minijinja::Error> {
    render_pair("engagement_stage_overdue", ctx.subject.clone(), ctx)
}

/// The stage entry `n` is about, its engagement, the template version that
/// follows and the customer's name.
async fn entry_of(
    db: &DatabaseConnection,
    n: &notification::Model,
) -> Result<(StageEntry, Engagement, Template, String), BoxDynError> {
    let entry = engagements::stage_entry_by_id(db, n.subject_id)
        .await?
        .ok_or("stage of an engagement email not found")?;
    let (found, template, customer) = engagement_with_template(
        db,
        entry.engagement_id,
        "engagement of a stage email not found",
    )
    .await?;
    Ok((entry, found, template, customer))
}

/// Engagement `id` (`missing` is the error when it is gone), the template
/// version it follows and its customer's name.
pub(super) async fn engagement_with_template(
    db: &DatabaseConnection,
    id: Uuid,
    missing: &'static str,
) -> Result<(Engagement, Template, String), BoxDynError> {
    let found = engagements::find(db, id).await?.ok_or(missing)?;
    let template = engagements::template(db, found.engagement.template_id)
        .await?
        .ok_or("template of an engagement not found")?;
    let customer = customer_name(db, &found.engagement).await?;
    Ok((found, template, customer))
}

/// The name of the customer an engagement is for.
pub(super) async fn customer_name(
    db: &DatabaseConnection,
    engagement: &entity::engagement::Model,
) -> Result<String, BoxDynError> {
    let customer = domain::customers::find(db, engagement.customer_id)
        .await?
        .ok_or("customer of an engagement not found")?;
    Ok(customer.name)
}

/// ENGAGEMENT_STAGE_STARTED: the notification's subject is the stage entry.
pub(super) async fn render_stage_started(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let (entry, found, template, customer) = entry_of(source.db, source.n).await?;
    let business = Business::of(source.settings);
    let ctx = started_context(
        &found.engagement,
        &customer,
        &template.definition,
        &entry,
        business,
    )
    .ok_or("an engagement's stage is past its template")?;
    Ok(stage_started(&ctx)?)
}

/// ENGAGEMENT_STAGE_OVERDUE: the notification's subject is the stage entry.
pub(super) async fn render_stage_overdue(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let (entry, found, template, customer) = entry_of(source.db, source.n).await?;
    let ctx = overdue_context(
        &found,
        &customer,
        &template.definition,
        &entry,
        &source.settings.legal_name,
    )
    .ok_or("an engagement's stage is past its template")?;
    Ok(stage_overdue(&ctx)?)
}

/// The customer's email that a deliverable version awaits their acceptance.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptanceContext {
    pub subject: String,
    /// The customer, as greeted.
    pub name: String,
    pub number: String,
    pub engagement_name: String,
    pub scope_reference: String,
    pub deliverable: String,
    /// The version this round asks about.
    pub version: i32,
    /// Where to find it: a link or a document reference, shown as text.
    pub reference: String,
    /// The reference when it is an http(s) address (the HTML links it).
    pub reference_url: Option<String>,
    /// The team's note on the version.
    pub note: Option<String>,
    pub acceptance_criteria: String,
    /// What the customer asked to change when they rejected an earlier
    /// version (the latest such feedback).
    pub earlier_feedback: Option<String>,
    /// When an answer is due, in the business's timezone.
    pub answer_by: Option<String>,
    /// How the round ended, when it did before the email went: "accepted",
    /// "rejected", "closed" (expired or cancelled); the email then says so
    /// instead of asking.
    pub answered: Option<&'static str>,
    pub business: Business,
}

/// `reference` as a link target, when it is one address with the http or
/// https scheme (anything else is only ever shown as text).
pub fn web_address(reference: &str) -> Option<String> {
    let r = reference.trim();
    let lower = r.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let one_address = !rest.is_empty() && !r.chars().any(char::is_whitespace);
    one_address.then(|| r.to_owned())
}

/// The customer's email about `round` (one of the deliverable's `rounds`,
/// oldest first) of `deliverable` of `engagement`, asking about `version`;
/// `answer_by` is the approval's due time.
#[allow(clippy::too_many_arguments)]
pub fn acceptance_context(
    engagement: &entity::engagement::Model,
    customer_name: &str,
    deliverable: &deliverable::Model,
    version: &deliverable_version::Model,
    round: &acceptance_round::Model,
    rounds: &[acceptance_round::Model],
    answer_by: Option<chrono::DateTime<chrono::Utc>>,
    business: Business,
) -> AcceptanceContext {
    let earlier_feedback = rounds
        .iter()
        .take_while(|r| r.approval_id != round.approval_id)
        .filter(|r| {
            r.outcome == AcceptanceOutcome::Rejected && r.version_number < round.version_number
        })
        .filter_map(|r| r.feedback.clone())
        .filter(|f| !f.trim().is_empty())
        .last();
    let answered = match round.outcome {
        AcceptanceOutcome::Pending => None,
        AcceptanceOutcome::Accepted => Some("accepted"),
        AcceptanceOutcome::Rejected => Some("rejected"),
        AcceptanceOutcome::Lapsed => Some("closed"),
    };
    AcceptanceContext {
        subject: format!(
            "{}: {} (version {}) awaits your acceptance",
            engagement.number, deliverable.name, round.version_number
        ),
        name: customer_name.to_owned(),
        number: engagement.number.clone(),
        engagement_name: engagement.name.clone(),
        scope_reference: engagement.scope_reference.clone(),
        deliverable: deliverable.name.clone(),
        version: round.version_number,
        reference: version.reference.clone(),
        reference_url: web_address(&version.reference),
        note: version.note.clone().filter(|n| !n.trim().is_empty()),
        acceptance_criteria: deliverable.acceptance_criteria.clone(),
        earlier_feedback,
        answer_by: answer_by.filter(|_| answered.is_none()).map(local_moment),
        answered,
        business,
    }
}

pub fn awaiting_acceptance(ctx: &AcceptanceContext) -> Result<Rendered, minijinja::Error> {
    render_pair("deliverable_awaiting_acceptance", ctx.subject.clone(), ctx)
}

/// The round of `approval_id` when its row is missing but the deliverable's
/// ask (`approval_id`) is that approval: its current version, and how the
/// deliverable's status says the ask ended.
fn round_of_deliverable(d: &deliverable::Model, approval_id: Uuid) -> acceptance_round::Model {
    let outcome = match d.status {
        DeliverableStatus::AwaitingAcceptance => AcceptanceOutcome::Pending,
        DeliverableStatus::Accepted => AcceptanceOutcome::Accepted,
        DeliverableStatus::Rejected => AcceptanceOutcome::Rejected,
        _ => AcceptanceOutcome::Lapsed,
    };
    acceptance_round::Model {
        id: approval_id,
        deliverable_id: d.id,
        version_number: d.current_version,
        approval_id,
        outcome,
        feedback: None,
        requested_at: d.updated_at,
        decided_at: None,
    }
}

/// DELIVERABLE_AWAITING_ACCEPTANCE: the notification's subject is the
/// round's approval.
pub(super) async fn render_awaiting_acceptance(
    source: &Source<'_>,
) -> Result<Rendered, BoxDynError> {
    let approval_id = source.n.subject_id;
    let round = acceptance_round::Entity::find()
        .filter(acceptance_round::Column::ApprovalId.eq(approval_id))
        .one(source.db)
        .await?;
    let deliverable = match &round {
        Some(r) => {
            deliverable::Entity::find_by_id(r.deliverable_id)
                .one(source.db)
                .await?
        }
        None => {
            deliverable::Entity::find()
                .filter(deliverable::Column::ApprovalId.eq(approval_id))
                .one(source.db)
                .await?
        }
    }
    .ok_or("deliverable of an acceptance email not found")?;
    let round = round.unwrap_or_else(|| round_of_deliverable(&deliverable, approval_id));
    let rounds = acceptance_round::Entity::find()
        .filter(acceptance_round::Column::DeliverableId.eq(deliverable.id))
        .order_by_asc(acceptance_round::Column::Id)
        .all(source.db)
        .await?;
    let version = deliverable_version::Entity::find()
        .filter(deliverable_version::Column::DeliverableId.eq(deliverable.id))
        .filter(deliverable_version::Column::Number.eq(round.version_number))
        .one(source.db)
        .await?
        .ok_or("the deliverable version of an acceptance email not found")?;
    let found = engagements::find(source.db, deliverable.engagement_id)
        .await?
        .ok_or("engagement of a deliverable not found")?;
    let customer = customer_name(source.db, &found.engagement).await?;
    let answer_by = approval_request::Entity::find_by_id(approval_id)
        .one(source.db)
        .await?
        .map(|a| a.due_at);
    let ctx = acceptance_context(
        &found.engagement,
        &customer,
        &deliverable,
        &version,
        &round,
        &rounds,
        answer_by,
        Business::of(source.settings),
    );
    Ok(awaiting_acceptance(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use domain::engagements::template::{automation, service_delivery};
    use entity::{engagement_decision, engagement_output};

    #[test]
    fn a_duration_range_reads_in_business_days_or_hours() {
        let d = service_delivery();
        let a = automation();
        assert_eq!(duration(&d.stages[0]), "1–2 business days");
        assert_eq!(duration(&d.stages[1]), "3–5 business days");
        assert_eq!(duration(&a.stages[0]), "1 business hour");
        assert_eq!(duration(&a.stages[1]), "2–4 business hours");
        let one_day = Stage {
            min_duration: 1,
            max_duration: 1,
            duration_unit: DurationUnit::BusinessDays,
            ..d.stages[0].clone()
        };
        assert_eq!(duration(&one_day), "1 business day");
    }

    /// The customer's email that Detailed Planning (3–5 business days) of
    /// the first pass started, due Friday 27 November 2026 at 5 pm.
    fn planning_started() -> StartedContext {
        started_context(
            &fixtures::engagement(1, 0).engagement,
            "Tom & <Jerry>",
            &service_delivery(),
            &fixtures::stage_entry(1, 0, "2026-11-27T06:00:00Z"),
            fixtures::business(),
        )
        .unwrap()
    }

    #[test]
    fn the_customer_is_told_the_stage_its_duration_due_time_and_what_it_produces() {
        let ctx = planning_started();
        assert_eq!(
            ctx.subject,
            "ENG-000003 Website <rebuild> & care: Detailed Planning has started"
        );
        let rendered = stage_started(&ctx).unwrap();
        assert_eq!(rendered.unsubscribe_url, None, "transactional");
        let html = &rendered.html;
        assert!(html.contains("Hello Tom &amp; &lt;Jerry&gt;,"), "{html}");
        assert!(html.contains("Harbour &amp; Co Homewares"));
        fixtures::assert_escapes_engagement_names(html);
        assert!(!html.contains("href"));
        for body in [html, &rendered.text] {
            assert!(body.contains("ENG-000003"), "{body}");
            assert!(body.contains("Detailed Planning"));
            assert!(body.contains("2 of 6"));
            assert!(body.contains("SOW-2026-014"));
            assert!(body.contains("3–5 business days"));
            assert!(body.contains("Friday 27 November 2026 at 5:00 pm AEDT"));
            for output in [
                "Detailed project plan",
                "Resource allocation",
                "Initial risk assessment",
                "Acceptance criteria agreed",
            ] {
                assert!(body.contains(output), "{output}: {body}");
            }
            // Another stage's outputs are not this one's.
            assert!(!body.contains("Kickoff meeting completed"));
            assert!(!body.contains("evision round"), "the first pass");
            assert!(!body.contains("Phase"), "no phases in this template");
            fixtures::assert_transactional_sign_off(body);
            assert!(!body.contains("http"));
        }
        let text = &rendered.text;
        assert!(text.contains("Hello Tom & <Jerry>,"), "{text}");
        assert!(text.contains("\n- Detailed project plan\n"));
        assert!(text.contains("Due by: Friday 27 November 2026 at 5:00 pm AEDT\n"));
        assert!(text.contains("From Harbour & Co Homewares · ABN 51 824 753 556"));
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn a_stage_in_hours_of_a_revision_round_says_so_with_its_phase() {
        // Technical assessment (2–4 business hours) in revision round 1,
        // due Monday 23 November 2026 at 2 pm.
        let ctx = started_context(
            &fixtures::engagement(1, 1).engagement,
            "Acme",
            &automation(),
            &fixtures::stage_entry(1, 1, "2026-11-23T03:00:00Z"),
            purchasing_business_without_abn(),
        )
        .unwrap();
        assert_eq!(
            ctx.subject,
            "ENG-000003 Website <rebuild> & care: Technical assessment has started"
        );
        let rendered = stage_started(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("2–4 business hours"), "{body}");
            assert!(body.contains("Monday 23 November 2026 at 2:00 pm AEDT"));
            assert!(body.contains("1 Discovery and planning"));
            assert!(body.contains("revision round 1"));
            assert!(body.contains("2 of 14"));
            assert!(!body.contains("ABN"), "no ABN to give");
        }
        assert!(rendered.text.contains("Revision round: 1\n"));
    }

    fn purchasing_business_without_abn() -> Business {
        Business {
            abn: None,
            ..fixtures::business()
        }
    }

    #[test]
    fn a_stage_past_the_template_has_no_email() {
        let entry = fixtures::stage_entry(6, 0, "2026-11-27T06:00:00Z");
        let found = fixtures::engagement(6, 0);
        let d = service_delivery();
        assert!(
            started_context(&found.engagement, "A", &d, &entry, fixtures::business()).is_none()
        );
        assert!(overdue_context(&found, "A", &d, &entry, "Harbour").is_none());
    }

    fn done(stage: &str, round: i32, key: &str) -> engagement_output::Model {
        engagement_output::Model {
            id: uuid::Uuid::now_v7(),
            engagement_id: uuid::Uuid::from_u128(70),
            stage_key: stage.into(),
            round,
            output_key: key.into(),
            evidence: "status-report-1.pdf".into(),
            completed_by: "team".into(),
            completed_at: fixtures::utc("2026-11-25T00:00:00Z"),
        }
    }

    fn answered(stage: &str, round: i32, key: &str, answer: bool) -> engagement_decision::Model {
        engagement_decision::Model {
            id: uuid::Uuid::now_v7(),
            engagement_id: uuid::Uuid::from_u128(70),
            stage_key: stage.into(),
            round,
            decision_key: key.into(),
            answer,
            note: None,
            revised_end_date: None,
            decided_by: "team".into(),
            decided_at: fixtures::utc("2026-11-25T00:00:00Z"),
        }
    }

    /// Execution (DELIVERY_TEAM, 5–20 business days) in revision round 1,
    /// due Friday 18 December 2026 at 5 pm: status reports done this round
    /// (deliverables only in the first pass), risks answered this round.
    fn execution_overdue() -> Engagement {
        let mut found = fixtures::engagement(2, 1);
        found.outputs = vec![
            done("execution", 0, "deliverables_produced"),
            done("execution", 0, "status_reports"),
            done("execution", 1, "status_reports"),
        ];
        found.decisions = vec![
            answered("execution", 0, "on_track", true),
            answered("execution", 1, "risks_need_mitigation", false),
        ];
        found
    }

    fn overdue(found: &Engagement, d: &Definition, stage_index: i32, round: i32) -> OverdueContext {
        let entry = fixtures::stage_entry(stage_index, round, "2026-12-18T06:00:00Z");
        overdue_context(found, "Tom & <Jerry>", d, &entry, "Harbour & Co Homewares").unwrap()
    }

    #[test]
    fn the_owners_are_told_what_still_keeps_the_overdue_stage_open() {
        let ctx = overdue(&execution_overdue(), &service_delivery(), 2, 1);
        assert_eq!(ctx.subject, "ENG-000003: Execution is overdue");
        assert_eq!(ctx.missing_outputs, ["Deliverables produced"]);
        assert_eq!(ctx.unanswered, ["Are deliverables on track?"]);
        assert!(ctx.holding.is_empty());
        let rendered = stage_overdue(&ctx).unwrap();
        fixtures::assert_internal_stage_email(&rendered, "Execution", "3 of 6");
        assert!(rendered.html.contains("Harbour &amp; Co Homewares"));
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("DELIVERY_TEAM"), "{body}");
            assert!(body.contains("Revision round"));
            assert!(body.contains("5–20 business days"));
            assert!(body.contains("Friday 18 December 2026 at 5:00 pm AEDT"));
            assert!(
                body.contains("Tuesday 24 November 2026 at 10:00 am AEDT"),
                "started"
            );
            assert!(body.contains("Deliverables produced"));
            assert!(body.contains("Are deliverables on track?"));
            // Done this round, or answered: not missing.
            assert!(!body.contains("Status reports issued"));
            assert!(!body.contains("Do any risks require mitigation action?"));
            assert!(!body.contains("holds the stage"));
            assert!(!body.contains("nsubscribe") && !body.contains("http"));
        }
        let text = &rendered.text;
        assert!(text.contains("Customer: Tom & <Jerry>\n"), "{text}");
        assert!(
            text.contains("Outputs not done (each needs its evidence):\n- Deliverables produced\n")
        );
        assert!(text.contains("Decisions not answered:\n- Are deliverables on track?\n"));
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn an_answer_that_holds_the_stage_is_named_and_a_finished_stage_just_needs_leaving() {
        // Go-live with everything done but production not stable.
        let a = automation();
        let go_live = &a.stages[12];
        let mut found = fixtures::engagement(12, 0);
        found.outputs = go_live
            .outputs
            .iter()
            .map(|o| done(&go_live.key, 0, &o.key))
            .collect();
        found.decisions = vec![answered(&go_live.key, 0, "production_stable", false)];
        let ctx = overdue(&found, &a, 12, 0);
        assert_eq!(ctx.holding, ["Is production stable?"]);
        assert!(ctx.missing_outputs.is_empty() && ctx.unanswered.is_empty());
        let rendered = stage_overdue(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("holds the stage"), "{body}");
            assert!(body.contains("Is production stable?"));
            assert!(!body.contains("Outputs not done"));
            assert!(!body.contains("Decisions not answered"));
            assert!(!body.contains("Revision round"), "the first pass");
        }
        // Answered yes: nothing keeps it open.
        found.decisions = vec![answered(&go_live.key, 0, "production_stable", true)];
        let rendered = stage_overdue(&overdue(&found, &a, 12, 0)).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("everything it needs is done"), "{body}");
            assert!(!body.contains("Still missing"));
        }
    }

    #[test]
    fn a_stage_left_since_lists_nothing_to_chase() {
        // The email is about Execution in round 1; the engagement is in
        // Quality Review now.
        let mut found = execution_overdue();
        found.engagement.stage_index = 3;
        let ctx = overdue(&found, &service_delivery(), 2, 1);
        assert!(ctx.left);
        assert!(ctx.missing_outputs.is_empty() && ctx.unanswered.is_empty());
        assert_eq!(
            ctx.started, None,
            "the engagement's start is another stage's"
        );
        let rendered = stage_overdue(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("has left this stage since"), "{body}");
            assert!(body.contains("Execution"));
            assert!(!body.contains("Deliverables produced"));
            assert!(!body.contains("Still missing"));
        }
    }

    /// The first ask of deliverable 80's version 1 (a document reference),
    /// to answer by Friday 11 December 2026 at 5 pm.
    fn first_ask(reference: &str) -> AcceptanceContext {
        let round = fixtures::acceptance_round(1, 1, AcceptanceOutcome::Pending, None);
        acceptance_context(
            &fixtures::engagement(4, 0).engagement,
            "Tom & <Jerry>",
            &fixtures::deliverable(DeliverableStatus::AwaitingAcceptance, 1),
            &fixtures::deliverable_version(1, reference),
            &round,
            std::slice::from_ref(&round),
            Some(fixtures::utc("2026-12-11T06:00:00Z")),
            fixtures::business(),
        )
    }

    #[test]
    fn the_customer_is_asked_to_accept_a_version_against_its_criteria_and_told_how() {
        let ctx = first_ask("DOC-2026-118 rev B <final>");
        assert_eq!(
            ctx.subject,
            "ENG-000003: Online <order> & pickup form (version 1) awaits your acceptance"
        );
        assert_eq!(ctx.reference_url, None, "a document reference");
        let rendered = awaiting_acceptance(&ctx).unwrap();
        assert_eq!(rendered.unsubscribe_url, None, "transactional");
        let html = &rendered.html;
        assert!(html.contains("Hello Tom &amp; &lt;Jerry&gt;,"), "{html}");
        assert!(html.contains("Online &lt;order&gt; &amp; pickup form"));
        assert!(html.contains("Website &lt;rebuild&gt; &amp; care"));
        assert!(html.contains("DOC-2026-118 rev B &lt;final&gt;"));
        assert!(html.contains("Works on phones &amp; &lt;tablets&gt;."));
        assert!(html.contains("Harbour &amp; Co Homewares"));
        for raw in ["<Jerry>", "<order>", "<rebuild>", "<final>", "<tablets>"] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        assert!(!html.contains("href"), "nothing to link");
        for body in [html, &rendered.text] {
            assert!(body.contains("ENG-000003"), "{body}");
            assert!(body.contains("SOW-2026-014"));
            assert!(body.contains("Version 1 of"));
            assert!(body.contains("Customers order for pickup or delivery in under 2 minutes."));
            assert!(body.contains("Acceptance criteria"));
            assert!(body.contains("Please answer by"));
            assert!(body.contains("Friday 11 December 2026 at 5:00 pm AEDT"));
            assert!(body.contains("open your approvals"));
            assert!(body.contains("reject it with feedback"));
            assert!(body.contains("reply to this email with a signed acceptance"));
            assert!(
                !body.contains("revised it after your feedback"),
                "the first ask"
            );
            assert!(!body.contains("answered since"));
            fixtures::assert_transactional_sign_off(body);
            assert!(!body.contains("http"));
        }
        let text = &rendered.text;
        assert!(text.contains("Hello Tom & <Jerry>,"), "{text}");
        assert!(text.contains("Where to find it: DOC-2026-118 rev B <final>\n"));
        assert!(text.contains(
            "Acceptance criteria:\nCustomers order for pickup or delivery in under 2 minutes.\nWorks on phones & <tablets>.\n"
        ));
        assert!(text.contains("From Harbour & Co Homewares · ABN 51 824 753 556"));
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn a_second_round_after_a_rejection_names_the_feedback_and_links_a_web_address() {
        let rounds = [
            fixtures::acceptance_round(
                1,
                1,
                AcceptanceOutcome::Rejected,
                Some("Add a gluten-free filter & <allergens>"),
            ),
            fixtures::acceptance_round(2, 2, AcceptanceOutcome::Pending, None),
        ];
        let version = fixtures::deliverable_version(
            2,
            "https://git.example.com.au/bakery/order-form/tree/v2?a=1&b=2",
        );
        let version = deliverable_version::Model {
            note: Some("Filter added; see the release notes".into()),
            ..version
        };
        let ctx = acceptance_context(
            &fixtures::engagement(4, 1).engagement,
            "Acme",
            &fixtures::deliverable(DeliverableStatus::AwaitingAcceptance, 2),
            &version,
            &rounds[1],
            &rounds,
            Some(fixtures::utc("2026-12-11T06:00:00Z")),
            fixtures::business(),
        );
        assert_eq!(
            ctx.subject,
            "ENG-000003: Online <order> & pickup form (version 2) awaits your acceptance"
        );
        let rendered = awaiting_acceptance(&ctx).unwrap();
        let html = &rendered.html;
        assert!(
            html.contains(
                "href=\"https:&#x2f;&#x2f;git.example.com.au&#x2f;bakery&#x2f;order-form&#x2f;tree&#x2f;v2?a=1&amp;b=2\""
            ),
            "{html}"
        );
        assert_eq!(
            html.matches("href").count(),
            1,
            "only the version is linked"
        );
        assert!(html.contains("Add a gluten-free filter &amp; &lt;allergens&gt;"));
        let text = &rendered.text;
        assert!(text.contains(
            "Where to find it: https://git.example.com.au/bakery/order-form/tree/v2?a=1&b=2\n"
        ));
        assert!(text.contains(
            "We revised it after your feedback on an earlier version:\n\"Add a gluten-free filter & <allergens>\"\n"
        ), "{text}");
        assert!(text.contains("Note from our team: Filter added; see the release notes\n"));
        for body in [html, text] {
            assert!(body.contains("Version 2 of"), "{body}");
            assert!(body.contains("open your approvals"));
        }
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn only_one_http_or_https_address_is_a_link() {
        assert_eq!(
            web_address(" HTTPS://Docs.example.com/a b"),
            None,
            "two words"
        );
        assert_eq!(
            web_address(" http://docs.example.com/x "),
            Some("http://docs.example.com/x".into())
        );
        assert_eq!(
            web_address("HTTPS://Docs.example.com/A"),
            Some("HTTPS://Docs.example.com/A".into())
        );
        for not_a_link in [
            "javascript:alert(1)",
            "ftp://files.example.com/v1.zip",
            "www.example.com/v1",
            "https://",
            "SharePoint: Projects/Bakery/Order form v1.docx",
            "DOC-118",
        ] {
            assert_eq!(web_address(not_a_link), None, "{not_a_link}");
        }
    }

    #[test]
    fn a_round_answered_before_the_email_went_says_so_instead_of_asking() {
        // Round 1 asked about version 1; the deliverable has a version 2
        // since, never asked about.
        for (outcome, says) in [
            (
                AcceptanceOutcome::Accepted,
                "You have accepted this version since we wrote",
            ),
            (
                AcceptanceOutcome::Rejected,
                "You have rejected this version with feedback since we wrote",
            ),
            (
                AcceptanceOutcome::Lapsed,
                "This request was closed since we wrote",
            ),
        ] {
            let round = fixtures::acceptance_round(1, 1, outcome, None);
            let ctx = acceptance_context(
                &fixtures::engagement(4, 0).engagement,
                "Acme",
                &fixtures::deliverable(DeliverableStatus::Submitted, 2),
                &fixtures::deliverable_version(1, "DOC-118"),
                &round,
                std::slice::from_ref(&round),
                Some(fixtures::utc("2026-12-11T06:00:00Z")),
                fixtures::business(),
            );
            assert!(ctx.subject.contains("(version 1)"), "the round's version");
            let rendered = awaiting_acceptance(&ctx).unwrap();
            for body in [&rendered.html, &rendered.text] {
                assert!(body.contains(says), "{outcome:?}: {body}");
                assert!(body.contains("Online"));
                assert!(!body.contains("How to answer"));
                assert!(!body.contains("Please answer by"));
                assert!(!body.contains("open your approvals"));
                assert!(body.contains("DOC-118"));
                assert!(body.contains("Version 1 of"));
            }
            assert!(!rendered.text.contains("\n\n\n"), "{}", rendered.text);
        }
    }

    #[test]
    fn the_round_of_a_deliverable_without_its_row_is_its_current_ask() {
        let d = fixtures::deliverable(DeliverableStatus::AwaitingAcceptance, 3);
        let round = round_of_deliverable(&d, uuid::Uuid::from_u128(99));
        assert_eq!(round.version_number, 3);
        assert_eq!(round.outcome, AcceptanceOutcome::Pending);
        let d = fixtures::deliverable(DeliverableStatus::Rejected, 3);
        let round = round_of_deliverable(&d, uuid::Uuid::from_u128(99));
        assert_eq!(round.outcome, AcceptanceOutcome::Rejected);
    }
}
