//! Deliverables of an engagement: versions submitted while work runs, a
//! quality review of each version against the template's checklist with
//! its metrics (a failed review sends work back to the stage that submits,
//! with the findings), and the customer's acceptance of the reviewed
//! version through a DELIVERABLE_ACCEPTANCE approval (a rejection with
//! feedback starts a revision round; every round is kept). Stages gate on
//! them (`template::DeliverableGate`).

use super::template::{Definition, DeliverableGate};
use super::{Engagement, SUBJECT_TYPE as ENGAGEMENT, Template, lock};
use crate::approvals::{self, NewApproval};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, FieldError, Fields, Permission, Write,
};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use entity::{
    AcceptanceOutcome, ApprovalKind, ApprovalStatus, DeliverableStatus as S, EngagementStatus,
    acceptance_round, approval_decision, approval_request, deliverable, deliverable_version,
    quality_review,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

crate::children! {
    deliverable_version: DeliverableId / deliverable_id by Number;
    quality_review: DeliverableId / deliverable_id by Id;
    acceptance_round: DeliverableId / deliverable_id by Id;
}

pub const SUBJECT_TYPE: &str = "deliverable";

crate::stamped!(deliverable);

/// Most deliverables an engagement has.
pub const MAX_DELIVERABLES: usize = 50;
/// Most metrics a review records.
pub const MAX_METRICS: usize = 20;
/// Most versions a deliverable has (a review needs a newly submitted
/// version, so this bounds its reviews too).
pub const MAX_VERSIONS: i32 = 50;
/// Most acceptance rounds a deliverable has (a lapsed round may be asked
/// again without a new version).
pub const MAX_ROUNDS: u64 = 20;

// ---- Pure rules --------------------------------------------------------

/// What happens to a deliverable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A new version was submitted.
    Submit,
    Reviewed {
        passed: bool,
    },
    RequestAcceptance,
    /// The acceptance approval closed: accepted, rejected, or neither
    /// (expired, cancelled: it may be asked again).
    Accepted,
    Rejected,
    AcceptanceLapsed,
}

/// A step the deliverable's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: S,
}

pub fn apply(from: S, event: Event) -> Result<S, Illegal> {
    let to = match (from, event) {
        (S::Draft | S::Submitted | S::ReviewFailed | S::Reviewed | S::Rejected, Event::Submit) => {
            S::Submitted
        }
        (S::Submitted, Event::Reviewed { passed: true }) => S::Reviewed,
        (S::Submitted, Event::Reviewed { passed: false }) => S::ReviewFailed,
        (S::Reviewed, Event::RequestAcceptance) => S::AwaitingAcceptance,
        (S::AwaitingAcceptance, Event::Accepted) => S::Accepted,
        (S::AwaitingAcceptance, Event::Rejected) => S::Rejected,
        (S::AwaitingAcceptance, Event::AcceptanceLapsed) => S::Reviewed,
        _ => return Err(Illegal { from }),
    };
    Ok(to)
}

/// Does a deliverable at `status` meet `gate`?
pub fn meets(gate: DeliverableGate, status: S) -> bool {
    match gate {
        DeliverableGate::Submitted => matches!(
            status,
            S::Submitted | S::Reviewed | S::AwaitingAcceptance | S::Accepted
        ),
        DeliverableGate::Reviewed => {
            matches!(status, S::Reviewed | S::AwaitingAcceptance | S::Accepted)
        }
        DeliverableGate::Accepted => status == S::Accepted,
    }
}

/// Why the deliverables keep a stage with `gate` from being left: one
/// (field path, message) per problem; none when they meet it.
pub fn gate_problems(
    gate: DeliverableGate,
    deliverables: &[deliverable::Model],
) -> Vec<(Vec<String>, String)> {
    if deliverables.is_empty() {
        return vec![(
            vec!["deliverables".to_owned()],
            "no deliverable yet: add one and submit a version".to_owned(),
        )];
    }
    let wanted = match gate {
        DeliverableGate::Submitted => "a version submitted for review",
        DeliverableGate::Reviewed => "its latest version passed quality review",
        DeliverableGate::Accepted => "accepted by the customer",
    };
    deliverables
        .iter()
        .filter(|d| !meets(gate, d.status))
        .map(|d| {
            (
                vec!["deliverables".to_owned(), d.id.to_string()],
                format!("{} is {}; it needs {wanted}", d.name, d.status),
            )
        })
        .collect()
}

/// One check of a review as the reviewer ticks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub item: String,
    pub passed: bool,
}

/// A review's checklist against the template's: every item once, nothing
/// else. The problems (item, message); passed when none failed.
pub fn check_against(
    checklist: &[String],
    ticked: &[Check],
) -> Result<bool, Vec<(String, &'static str)>> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for check in ticked {
        *seen.entry(check.item.as_str()).or_default() += 1;
    }
    let mut problems = Vec::new();
    for item in checklist {
        match seen.get(item.as_str()) {
            None => problems.push((item.clone(), "not checked")),
            Some(n) if *n > 1 => problems.push((item.clone(), "checked more than once")),
            Some(_) => {}
        }
    }
    for check in ticked {
        if !checklist.contains(&check.item) {
            problems.push((check.item.clone(), "not on the template's checklist"));
        }
    }
    if problems.is_empty() {
        Ok(ticked.iter().all(|c| c.passed))
    } else {
        Err(problems)
    }
}

// ---- Reading -----------------------------------------------------------

/// A deliverable with its versions, reviews and acceptance rounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliverable {
    pub deliverable: deliverable::Model,
    pub versions: Vec<deliverable_version::Model>,
    pub reviews: Vec<quality_review::Model>,
    pub rounds: Vec<acceptance_round::Model>,
}

/// The deliverables of many engagements (by engagement id), oldest first,
/// with their parts: four queries for any number.
pub async fn of_engagements<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Deliverable>>, DbErr> {
    let rows = deliverable::Entity::find()
        .filter(deliverable::Column::EngagementId.is_in(engagement_ids.iter().copied()))
        .order_by_asc(deliverable::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let mut versions = children_of::<deliverable_version::Entity, _>(conn, &ids).await?;
    let mut reviews = children_of::<quality_review::Entity, _>(conn, &ids).await?;
    let mut rounds = children_of::<acceptance_round::Entity, _>(conn, &ids).await?;
    let mut out: HashMap<Uuid, Vec<Deliverable>> = HashMap::new();
    for d in rows {
        out.entry(d.engagement_id).or_default().push(Deliverable {
            versions: versions.remove(&d.id).unwrap_or_default(),
            reviews: reviews.remove(&d.id).unwrap_or_default(),
            rounds: rounds.remove(&d.id).unwrap_or_default(),
            deliverable: d,
        });
    }
    Ok(out)
}

async fn rows_of<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<Vec<deliverable::Model>, DbErr> {
    deliverable::Entity::find()
        .filter(deliverable::Column::EngagementId.eq(engagement_id))
        .order_by_asc(deliverable::Column::Id)
        .all(conn)
        .await
}

/// The deliverable whose acceptance round `approval_id` still awaits the
/// customer; `None` once that round is over (answered, expired, cancelled).
pub async fn awaiting_round<C: ConnectionTrait>(
    conn: &C,
    deliverable_id: Uuid,
    approval_id: Uuid,
) -> Result<Option<deliverable::Model>, DbErr> {
    let round = acceptance_round::Entity::find()
        .filter(acceptance_round::Column::ApprovalId.eq(approval_id))
        .one(conn)
        .await?;
    if round.is_some_and(|r| r.outcome != AcceptanceOutcome::Pending) {
        return Ok(None);
    }
    deliverable::Entity::find_by_id(deliverable_id)
        .one(conn)
        .await
}

/// The userErrors of a stage whose deliverable gate is not met (none for a
/// stage without a gate), for `advance`.
pub(super) async fn gate_errors<C: ConnectionTrait>(
    conn: &C,
    found: &Engagement,
    definition: &Definition,
) -> Result<Vec<FieldError>, DbErr> {
    let Some(gate) = definition
        .stage(found.engagement.stage_index as usize)
        .and_then(|s| s.gate)
    else {
        return Ok(vec![]);
    };
    let rows = rows_of(conn, found.engagement.id).await?;
    Ok(gate_problems(gate, &rows)
        .into_iter()
        .map(|(path, message)| {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            FieldError::new(&path, ErrorCode::Required, message)
        })
        .collect())
}

// ---- Writing -----------------------------------------------------------

/// The engagement (locked) and template of a deliverable, with the
/// deliverable locked; the step must happen in a stage with `gate`, by the
/// stage's owner role (or ADMIN).
async fn locked_for(
    w: &Write<'_>,
    ctx: &Ctx,
    deliverable_id: Uuid,
    gate: DeliverableGate,
) -> Result<(deliverable::Model, Engagement, Template), DomainError> {
    let row = deliverable::Entity::find_by_id(deliverable_id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::not_found("deliverableId", "deliverable"))?;
    let (found, template) = lock(w, row.engagement_id).await?;
    let row = find_for_update::<deliverable::Entity, _>(w.conn(), deliverable_id)
        .await?
        .ok_or_else(|| DomainError::not_found("deliverableId", "deliverable"))?;
    in_gate_stage(ctx, &found, &template, gate)?;
    Ok((row, found, template))
}

/// The engagement runs and its current stage has `gate`, owned by the
/// caller's role (or the caller is ADMIN).
fn in_gate_stage(
    ctx: &Ctx,
    found: &Engagement,
    template: &Template,
    gate: DeliverableGate,
) -> Result<(), DomainError> {
    let e = &found.engagement;
    if e.status != EngagementStatus::Active {
        return Err(DomainError::rejected(
            &["deliverableId"],
            ErrorCode::IllegalTransition,
            format!("{} is {:?}", e.number, e.status),
        ));
    }
    let stage = super::current_stage(ctx, e, template)?;
    if stage.gate != Some(gate) {
        let when = template
            .definition
            .stages
            .iter()
            .find(|s| s.gate == Some(gate))
            .map_or("another stage".to_owned(), |s| s.name.clone());
        return Err(DomainError::rejected(
            &["deliverableId"],
            ErrorCode::InvalidState,
            format!("this happens during {when}, not {}", stage.name),
        ));
    }
    Ok(())
}

fn illegal(d: &deliverable::Model, i: Illegal) -> DomainError {
    DomainError::rejected(
        &["deliverableId"],
        ErrorCode::IllegalTransition,
        format!("{} is {}", d.name, i.from),
    )
}

async fn change(
    w: &mut Write<'_>,
    before: &deliverable::Model,
    action: &str,
    edit: impl FnOnce(&mut deliverable::ActiveModel),
) -> Result<deliverable::Model, DomainError> {
    let after = w
        .change::<deliverable::Entity>(before.id, before.version, edit)
        .await?;
    // Filed under the engagement, so its timeline shows every step.
    w.audit(
        ENGAGEMENT,
        before.engagement_id,
        action,
        Some(before),
        Some(&after),
    )
    .await?;
    w.touch(before.engagement_id);
    Ok(after)
}

/// A change to a deliverable is a change to its engagement: its version
/// moves on, so followers (`engagementUpdated`) hear of it.
async fn bump(w: &mut Write<'_>, engagement_id: Uuid) -> Result<(), DomainError> {
    let current = entity::engagement::Entity::find_by_id(engagement_id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("a deliverable's engagement vanished"))?;
    w.change::<entity::engagement::Entity>(engagement_id, current.version, |_| {})
        .await?;
    Ok(())
}

async fn read_back(
    mut w: Write<'_>,
    engagement_id: Uuid,
) -> Result<Committed<Engagement>, DomainError> {
    bump(&mut w, engagement_id).await?;
    super::finish_write(w, engagement_id).await
}

/// A deliverable as the team names it.
#[derive(Debug, Clone)]
pub struct NewDeliverable {
    pub engagement_id: Uuid,
    pub name: String,
    pub acceptance_criteria: String,
}

/// Add a deliverable while its versions are made (the submitting stage's
/// owner role, or ADMIN).
pub async fn add(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewDeliverable,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (found, template) = lock(&w, input.engagement_id).await?;
    in_gate_stage(ctx, &found, &template, DeliverableGate::Submitted)?;
    let mut fields = Fields::new();
    let name = fields.text("name", &input.name, 200);
    let criteria = fields.text("acceptanceCriteria", &input.acceptance_criteria, 4000);
    let existing = rows_of(w.conn(), input.engagement_id).await?;
    fields.ensure(
        existing.len() < MAX_DELIVERABLES,
        "engagementId",
        ErrorCode::LimitExceeded,
        format!("an engagement has at most {MAX_DELIVERABLES} deliverables"),
    );
    let (name, criteria) = fields.finish(|| Some((name?, criteria?)))?;
    let now = w.now();
    let row = w
        .insert(deliverable::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(input.engagement_id),
            name: Set(name),
            acceptance_criteria: Set(criteria),
            status: Set(S::Draft),
            current_version: Set(0),
            accepted_version: Set(None),
            approval_id: Set(None),
            findings: Set(None),
            created_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    w.audit(
        ENGAGEMENT,
        row.engagement_id,
        "deliverable.added",
        None,
        Some(&row),
    )
    .await?;
    w.touch(input.engagement_id);
    read_back(w, input.engagement_id).await
}

/// A version as the team submits it.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub deliverable_id: Uuid,
    /// A link or document reference.
    pub reference: String,
    pub note: Option<String>,
}

/// Submit a new version of a deliverable for quality review (the
/// submitting stage's owner role, or ADMIN); each revision is a new version,
/// at most `MAX_VERSIONS`.
pub async fn submit_version(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewVersion,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (before, found, _) =
        locked_for(&w, ctx, input.deliverable_id, DeliverableGate::Submitted).await?;
    let status = apply(before.status, Event::Submit).map_err(|i| illegal(&before, i))?;
    let mut fields = Fields::new();
    fields.ensure(
        before.current_version < MAX_VERSIONS,
        "deliverableId",
        ErrorCode::LimitExceeded,
        format!("a deliverable has at most {MAX_VERSIONS} versions"),
    );
    let reference = fields.text("reference", &input.reference, 500);
    let note = input
        .note
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| fields.text("note", n, 2000));
    let reference = fields.finish(|| reference)?;
    let number = before.current_version + 1;
    deliverable_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        deliverable_id: Set(before.id),
        number: Set(number),
        reference: Set(reference),
        note: Set(note),
        submitted_by: Set(w.ctx().actor.id.clone()),
        submitted_at: Set(w.now()),
    }
    .insert(w.conn())
    .await?;
    change(&mut w, &before, "deliverable.version_submitted", |d| {
        d.status = Set(status);
        d.current_version = Set(number);
    })
    .await?;
    read_back(w, found.engagement.id).await
}

/// A review as the reviewer records it.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub deliverable_id: Uuid,
    pub checklist: Vec<Check>,
    /// (name, value), e.g. ("defects found", "3").
    pub metrics: Vec<(String, String)>,
    pub findings: Option<String>,
}

/// Review a deliverable's latest version against the template's quality
/// checklist (the reviewing stage's owner role, or ADMIN), recording its
/// metrics. Passed when every check passed; a failed review needs its
/// findings and sends the engagement back to the submitting stage in a new
/// round.
pub async fn review(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewReview,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (before, found, template) =
        locked_for(&w, ctx, input.deliverable_id, DeliverableGate::Reviewed).await?;
    let mut fields = Fields::new();
    let verdict = check_against(&template.definition.quality_checklist, &input.checklist);
    let passed = match verdict {
        Ok(passed) => passed,
        Err(problems) => {
            for (item, message) in problems {
                fields.refuse(
                    "checklist",
                    ErrorCode::Required,
                    format!("{item}: {message}"),
                );
            }
            false
        }
    };
    let status = apply(before.status, Event::Reviewed { passed });
    if let Err(i) = status {
        return Err(illegal(&before, i));
    }
    let findings = input
        .findings
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .and_then(|f| fields.text("findings", f, 4000));
    fields.ensure(
        passed || findings.is_some(),
        "findings",
        ErrorCode::Required,
        "a failed review says what to change",
    );
    fields.ensure(
        input.metrics.len() <= MAX_METRICS,
        "metrics",
        ErrorCode::OutOfRange,
        format!("at most {MAX_METRICS} metrics"),
    );
    let mut metrics = BTreeMap::new();
    for (i, (name, value)) in input.metrics.iter().enumerate() {
        let index = i.to_string();
        let name = fields.text_at(&["metrics", &index, "name"], name, 100);
        let value = fields.text_at(&["metrics", &index, "value"], value, 100);
        if let (Some(name), Some(value)) = (name, value)
            && metrics.insert(name.clone(), value).is_some()
        {
            fields.refuse_at(
                &["metrics", &index, "name"],
                ErrorCode::AlreadyExists,
                format!("{name} is given twice"),
            );
        }
    }
    fields.finish(|| Some(()))?;
    let status = status.map_err(|i| illegal(&before, i))?;
    let now = w.now();
    let row = quality_review::ActiveModel {
        id: Set(Uuid::now_v7()),
        deliverable_id: Set(before.id),
        version_number: Set(before.current_version),
        passed: Set(passed),
        checklist: Set(serde_json::to_string(&input.checklist).map_err(DomainError::internal)?),
        metrics: Set(serde_json::to_string(&metrics).map_err(DomainError::internal)?),
        findings: Set(findings.clone()),
        reviewed_by: Set(w.ctx().actor.id.clone()),
        reviewed_at: Set(now),
    }
    .insert(w.conn())
    .await?;
    let action = if passed {
        "deliverable.review_passed"
    } else {
        "deliverable.review_failed"
    };
    change(&mut w, &before, action, |d| {
        d.status = Set(status);
        if !passed {
            d.findings = Set(findings);
        }
    })
    .await?;
    w.audit(
        ENGAGEMENT,
        before.engagement_id,
        "deliverable.reviewed",
        None,
        Some(&row),
    )
    .await?;
    if !passed {
        back_to_submitting(&mut w, calendar, &found, &template).await?;
    }
    read_back(w, found.engagement.id).await
}

/// A revision round: the engagement goes back to the stage that submits
/// deliverables (work is redone there).
async fn back_to_submitting(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    found: &Engagement,
    template: &Template,
) -> Result<(), DomainError> {
    let e = &found.engagement;
    let Some(to) = template
        .definition
        .stages
        .iter()
        .position(|s| s.gate == Some(DeliverableGate::Submitted))
    else {
        return Ok(());
    };
    if e.status != EngagementStatus::Active || to as i32 > e.stage_index {
        return Ok(());
    }
    let after = super::enter_stage(w, calendar, e, template, to, e.round + 1, e.status).await?;
    w.audit(
        ENGAGEMENT,
        e.id,
        "engagement.revision_round",
        Some(e),
        Some(&after),
    )
    .await
}

/// Ask the customer to accept a reviewed deliverable (the accepting stage's
/// owner role, or ADMIN): a DELIVERABLE_ACCEPTANCE approval for the
/// engagement's customer (their CUSTOMER login decides, or a PM records
/// their offline signature with evidence), and the customer is emailed. At
/// most `MAX_ROUNDS` rounds per deliverable.
pub async fn request_acceptance(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    deliverable_id: Uuid,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (before, found, _) = locked_for(&w, ctx, deliverable_id, DeliverableGate::Accepted).await?;
    let status = apply(before.status, Event::RequestAcceptance).map_err(|i| illegal(&before, i))?;
    let rounds = acceptance_round::Entity::find()
        .filter(acceptance_round::Column::DeliverableId.eq(before.id))
        .count(w.conn())
        .await?;
    if rounds >= MAX_ROUNDS {
        return Err(DomainError::rejected(
            &["deliverableId"],
            ErrorCode::LimitExceeded,
            format!("a deliverable is put to the customer at most {MAX_ROUNDS} times"),
        ));
    }
    let approval_id = Uuid::now_v7();
    let now = w.now();
    change(&mut w, &before, "deliverable.acceptance_requested", |d| {
        d.status = Set(status);
        d.approval_id = Set(Some(approval_id));
    })
    .await?;
    acceptance_round::ActiveModel {
        id: Set(Uuid::now_v7()),
        deliverable_id: Set(before.id),
        version_number: Set(before.current_version),
        approval_id: Set(approval_id),
        outcome: Set(AcceptanceOutcome::Pending),
        feedback: Set(None),
        requested_at: Set(now),
        decided_at: Set(None),
    }
    .insert(w.conn())
    .await?;
    let new = NewApproval {
        kind: ApprovalKind::DeliverableAcceptance,
        subject_type: SUBJECT_TYPE.into(),
        subject_id: before.id,
        owner_party: Some(found.engagement.customer_id),
        amount: None,
        reason: format!(
            "Accept {} (version {}) of {}: {}",
            before.name,
            before.current_version,
            found.engagement.number,
            before.acceptance_criteria
        ),
    };
    approvals::request_in_with_id(&mut w, calendar, &new, approval_id).await?;
    w.emit(
        topic::DELIVERABLE_AWAITING_ACCEPTANCE,
        before.id,
        &serde_json::json!({ "approvalId": approval_id }),
    )
    .await?;
    read_back(w, found.engagement.id).await
}

/// The DELIVERABLE_ACCEPTANCE approval closed (in the deciding write):
/// approved accepts the version asked about; rejected keeps the customer's
/// feedback and starts a revision round back to the submitting stage;
/// expired or cancelled leaves it reviewed, to be asked again.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(row) = deliverable::Entity::find_by_id(request.subject_id)
        .one(w.conn())
        .await?
    else {
        return Ok(());
    };
    let (found, template) = lock(w, row.engagement_id).await?;
    let Some(before) = find_for_update::<deliverable::Entity, _>(w.conn(), row.id).await? else {
        return Ok(());
    };
    if before.approval_id != Some(request.id) || before.status != S::AwaitingAcceptance {
        return Ok(());
    }
    let feedback = approval_decision::Entity::find()
        .filter(approval_decision::Column::ApprovalId.eq(request.id))
        .order_by_desc(approval_decision::Column::Id)
        .one(w.conn())
        .await?
        .and_then(|d| d.comment);
    // An engagement that ended (cancelled) takes no decision any more.
    let editable = super::state::apply(found.engagement.status, super::state::Event::Edit).is_ok();
    let (event, outcome, action) = match request.status {
        _ if !editable => (
            Event::AcceptanceLapsed,
            AcceptanceOutcome::Lapsed,
            "deliverable.acceptance_lapsed",
        ),
        ApprovalStatus::Approved => (
            Event::Accepted,
            AcceptanceOutcome::Accepted,
            "deliverable.accepted",
        ),
        ApprovalStatus::Rejected => (
            Event::Rejected,
            AcceptanceOutcome::Rejected,
            "deliverable.rejected",
        ),
        _ => (
            Event::AcceptanceLapsed,
            AcceptanceOutcome::Lapsed,
            "deliverable.acceptance_lapsed",
        ),
    };
    let status = apply(before.status, event).map_err(|i| illegal(&before, i))?;
    let now = w.now();
    change(w, &before, action, |d| {
        d.status = Set(status);
        if status == S::Accepted {
            d.accepted_version = Set(Some(before.current_version));
        }
        if status == S::Rejected {
            d.findings = Set(feedback.clone());
        }
    })
    .await?;
    acceptance_round::Entity::update_many()
        .col_expr(
            acceptance_round::Column::Outcome,
            sea_orm::sea_query::Expr::value(outcome),
        )
        .col_expr(
            acceptance_round::Column::Feedback,
            sea_orm::sea_query::Expr::value(feedback.clone()),
        )
        .col_expr(
            acceptance_round::Column::DecidedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(acceptance_round::Column::ApprovalId.eq(request.id))
        .exec(w.conn())
        .await?;
    if status == S::Rejected {
        back_to_submitting(w, calendar, &found, &template).await?;
    }
    bump(w, found.engagement.id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deliverable_is_submitted_reviewed_and_accepted_or_revised() {
        assert_eq!(apply(S::Draft, Event::Submit), Ok(S::Submitted));
        assert_eq!(
            apply(S::Submitted, Event::Reviewed { passed: false }),
            Ok(S::ReviewFailed)
        );
        assert_eq!(apply(S::ReviewFailed, Event::Submit), Ok(S::Submitted));
        assert_eq!(
            apply(S::Submitted, Event::Reviewed { passed: true }),
            Ok(S::Reviewed)
        );
        assert_eq!(
            apply(S::Reviewed, Event::RequestAcceptance),
            Ok(S::AwaitingAcceptance)
        );
        assert_eq!(
            apply(S::AwaitingAcceptance, Event::Rejected),
            Ok(S::Rejected)
        );
        assert_eq!(apply(S::Rejected, Event::Submit), Ok(S::Submitted));
        assert_eq!(
            apply(S::AwaitingAcceptance, Event::Accepted),
            Ok(S::Accepted)
        );
        assert_eq!(
            apply(S::AwaitingAcceptance, Event::AcceptanceLapsed),
            Ok(S::Reviewed)
        );
        // Nothing is reviewed twice, asked unreviewed, or changed once accepted.
        for (from, event) in [
            (S::Reviewed, Event::Reviewed { passed: true }),
            (S::Submitted, Event::RequestAcceptance),
            (S::Accepted, Event::Submit),
            (S::Draft, Event::Reviewed { passed: true }),
            (S::AwaitingAcceptance, Event::Submit),
        ] {
            assert_eq!(
                apply(from, event),
                Err(Illegal { from }),
                "{from:?} {event:?}"
            );
        }
    }

    fn row(name: &str, status: S) -> deliverable::Model {
        let at = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        deliverable::Model {
            id: Uuid::now_v7(),
            engagement_id: Uuid::nil(),
            name: name.into(),
            acceptance_criteria: "works".into(),
            status,
            current_version: 1,
            accepted_version: None,
            approval_id: None,
            findings: None,
            created_by: "t".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_gate_names_each_deliverable_that_falls_short() {
        let rows = [
            row("Order form", S::Reviewed),
            row("Reports", S::ReviewFailed),
        ];
        let problems = gate_problems(DeliverableGate::Reviewed, &rows);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.starts_with("Reports is REVIEW_FAILED"));
        assert!(gate_problems(DeliverableGate::Submitted, &rows[..1]).is_empty());
        assert_eq!(gate_problems(DeliverableGate::Accepted, &rows).len(), 2);
        assert_eq!(
            gate_problems(DeliverableGate::Submitted, &[])[0].0,
            ["deliverables"]
        );
    }

    #[test]
    fn a_review_ticks_the_templates_checklist_exactly() {
        let list = vec!["Security".to_owned(), "Docs".to_owned()];
        let tick = |item: &str, passed: bool| Check {
            item: item.into(),
            passed,
        };
        assert_eq!(
            check_against(&list, &[tick("Security", true), tick("Docs", true)]),
            Ok(true)
        );
        assert_eq!(
            check_against(&list, &[tick("Security", false), tick("Docs", true)]),
            Ok(false)
        );
        let problems =
            check_against(&list, &[tick("Docs", true), tick("Speed", true)]).unwrap_err();
        assert_eq!(
            problems,
            [
                ("Security".to_owned(), "not checked"),
                ("Speed".to_owned(), "not on the template's checklist")
            ]
        );
    }
}
