//! Service engagements (DESIGN "Engagements"): versioned process templates
//! (ADMIN drafts and publishes; running engagements keep their version),
//! engagements that walk a template's stages, each left only once its
//! required outputs are done with evidence and its decision points
//! answered, decisions whose consequences are enforced (a revised timeline,
//! mitigation actions, a revision round), and each stage's due time on the
//! business calendar (a timer flags it overdue once).

pub mod closure;
pub mod delays;
pub mod deliverables;
pub mod fees;
pub mod nps;
pub mod plan;
pub mod register;
pub mod reports;
pub mod scope;
pub mod state;
pub mod template;

use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, FieldError, Fields, Page, PageRequest, Permission,
    Role, Scope, Write, fetch_page_sorted, fetch_scoped_page,
};
use crate::platform::numbering;
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    EngagementStatus, TemplateStatus, app_user, deliverable, engagement, engagement_action,
    engagement_decision, engagement_fee_line, engagement_member, engagement_output,
    engagement_stage_exit, process_template, scope_change, timer,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use state::{Event, Leave};
use std::collections::{BTreeSet, HashMap};
use template::{Consequence, Definition};
use uuid::Uuid;

crate::children! {
    engagement_member: EngagementId / engagement_id by Id;
    engagement_output: EngagementId / engagement_id by Id;
    engagement_decision: EngagementId / engagement_id by Id;
    engagement_action: EngagementId / engagement_id by Id;
}

pub const SUBJECT_TYPE: &str = "engagement";
pub const TEMPLATE_SUBJECT_TYPE: &str = "process_template";

crate::stamped!(engagement);

/// The timers of a stage: its due time, and the end of the grace an
/// overdue stage gets before ADMIN hears of it.
pub mod timer_kind {
    pub const STAGE_DUE: &str = "engagement_stage_due";
    pub const STAGE_ESCALATE: &str = "engagement_stage_escalate";
}

/// Most members of a team.
const MAX_TEAM: usize = 50;
/// Most mitigation actions one answer records.
const MAX_ACTIONS: usize = 20;
/// Most decision answers one engagement keeps (every answer is kept; this
/// bounds the history a screen loads).
pub const MAX_ANSWERS: u64 = 500;

// ---- Templates ---------------------------------------------------------

/// A template version with its definition read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub row: process_template::Model,
    pub definition: Definition,
}

impl Template {
    fn of(row: process_template::Model) -> Result<Template, DomainError> {
        let definition = serde_json::from_str(&row.definition).map_err(DomainError::internal)?;
        Ok(Template { row, definition })
    }
}

/// Template versions, by key then version (staff).
pub async fn templates(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<Template>, DomainError> {
    Permission::ReadSettings.require(ctx)?;
    let query = process_template::Entity::find();
    let page = fetch_page_sorted(db, query, process_template::Column::Id, page, false, |t| {
        t.id
    })
    .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for (id, row) in page.items {
        items.push((id, Template::of(row)?));
    }
    Ok(Page {
        items,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// A template version by id, whoever asks.
pub async fn template<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<Template>, DomainError> {
    process_template::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Template::of)
        .transpose()
}

/// Template versions by id, whoever asks: one query for any number (a
/// page of engagements' templates). A stored definition that does not read
/// is a database error.
pub async fn templates_by_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Template>, DbErr> {
    process_template::Entity::find()
        .filter(process_template::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| {
            let definition = serde_json::from_str(&row.definition)
                .map_err(|e| DbErr::Json(format!("process template {}: {e}", row.id)))?;
            Ok((row.id, Template { row, definition }))
        })
        .collect()
}

/// The latest PUBLISHED version of a template.
async fn published<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<Template>, DomainError> {
    process_template::Entity::find()
        .filter(process_template::Column::Key.eq(key))
        .filter(process_template::Column::Status.eq(TemplateStatus::Published))
        .order_by_desc(process_template::Column::Version)
        .one(conn)
        .await?
        .map(Template::of)
        .transpose()
}

/// Draft the next version of a template (ADMIN): a DRAFT numbered after the
/// latest version, refused while another draft of it waits, or when the
/// definition has problems (each named at its path).
pub async fn draft_template(
    db: &DatabaseConnection,
    ctx: &Ctx,
    key: &str,
    name: &str,
    definition: &Definition,
) -> Result<Committed<Template>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSettings).await?;
    let mut fields = Fields::new();
    let key = fields.text("key", key, 100);
    let name = fields.text("name", name, 200);
    for problem in definition.problems() {
        let mut path = vec!["definition"];
        path.extend(problem.path.iter().map(String::as_str));
        fields.refuse_at(&path, ErrorCode::InvalidState, problem.message);
    }
    let (key, name) = fields.finish(|| Some((key?, name?)))?;
    let versions = process_template::Entity::find()
        .filter(process_template::Column::Key.eq(key.clone()))
        .order_by_desc(process_template::Column::Version)
        .all(w.conn())
        .await?;
    if versions.iter().any(|v| v.status == TemplateStatus::Draft) {
        return Err(DomainError::rejected(
            &["key"],
            ErrorCode::AlreadyExists,
            format!("{key} has a draft waiting: publish it first"),
        ));
    }
    let version = versions.first().map_or(1, |v| v.version + 1);
    let now = w.now();
    let row = process_template::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key),
        version: Set(version),
        name: Set(name),
        status: Set(TemplateStatus::Draft),
        definition: Set(serde_json::to_string(definition).map_err(DomainError::internal)?),
        created_by: Set(w.ctx().actor.id.clone()),
        created_at: Set(now),
        published_at: Set(None),
    }
    .insert(w.conn())
    .await?;
    w.audit(
        TEMPLATE_SUBJECT_TYPE,
        row.id,
        "process_template.drafted",
        None,
        Some(&row),
    )
    .await?;
    let drafted = Template::of(row)?;
    w.commit(drafted).await
}

/// Publish a DRAFT version (ADMIN): new engagements follow it; running ones
/// keep the version they started with.
pub async fn publish_template(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<Template>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSettings).await?;
    let before = find_for_update::<process_template::Entity, _>(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("templateId", "process template"))?;
    if before.status != TemplateStatus::Draft {
        return Err(DomainError::rejected(
            &["templateId"],
            ErrorCode::IllegalTransition,
            format!(
                "{} version {} is already published",
                before.key, before.version
            ),
        ));
    }
    let now = w.now();
    let after = process_template::ActiveModel {
        id: sea_orm::Unchanged(id),
        status: Set(TemplateStatus::Published),
        published_at: Set(Some(now)),
        ..Default::default()
    }
    .update(w.conn())
    .await?;
    w.audit(
        TEMPLATE_SUBJECT_TYPE,
        id,
        "process_template.published",
        Some(&before),
        Some(&after),
    )
    .await?;
    let published = Template::of(after)?;
    w.commit(published).await
}

// ---- Engagements -------------------------------------------------------

/// An engagement with its team, the outputs and answers of its current
/// round, and its mitigation actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub engagement: engagement::Model,
    pub team: Vec<engagement_member::Model>,
    /// Every output completed, every round.
    pub outputs: Vec<engagement_output::Model>,
    /// Every answer, oldest first.
    pub decisions: Vec<engagement_decision::Model>,
    pub actions: Vec<engagement_action::Model>,
    /// Its fee lines, in line order.
    pub fees: Vec<engagement_fee_line::Model>,
}

impl Engagement {
    /// ENG-000001 for customer 9 on template 8, ACTIVE in the stage at
    /// `stage_index` of `round` since `at`, with nothing done yet: what
    /// email previews and unit tests start from (overriding what they are
    /// about).
    pub fn example(stage_index: i32, round: i32, at: DateTime<Utc>) -> Engagement {
        Engagement {
            engagement: engagement::Model {
                id: Uuid::from_u128(7),
                number: "ENG-000001".into(),
                customer_id: Uuid::from_u128(9),
                template_id: Uuid::from_u128(8),
                name: "Website rebuild".into(),
                scope_reference: "SOW-1".into(),
                planned_start: at.date_naive(),
                status: EngagementStatus::Active,
                stage_index,
                round,
                stage_started_at: Some(at),
                stage_due_at: Some(at),
                stage_overdue: false,
                revised_end_date: None,
                status_reason: None,
                lessons_learned: None,
                lessons_recorded_by: None,
                lessons_recorded_at: None,
                closed_at: None,
                created_by: "pm".into(),
                version: 1,
                created_at: at,
                updated_at: at,
            },
            team: vec![],
            outputs: vec![],
            decisions: vec![],
            actions: vec![],
            fees: vec![],
        }
    }

    /// The outputs recorded for `stage` in the current round.
    fn outputs_now<'a>(
        &'a self,
        stage: &'a str,
    ) -> impl Iterator<Item = &'a engagement_output::Model> + 'a {
        let round = self.engagement.round;
        self.outputs
            .iter()
            .filter(move |o| o.stage_key == stage && o.round == round)
    }

    /// The answers recorded for `stage` in the current round, oldest first.
    fn answers_now<'a>(
        &'a self,
        stage: &'a str,
    ) -> impl Iterator<Item = &'a engagement_decision::Model> + 'a {
        let round = self.engagement.round;
        self.decisions
            .iter()
            .filter(move |d| d.stage_key == stage && d.round == round)
    }

    /// The output keys done for `stage` in the current round.
    pub fn done(&self, stage: &str) -> BTreeSet<String> {
        self.outputs_now(stage)
            .map(|o| o.output_key.clone())
            .collect()
    }

    /// The latest answer to each of `stage`'s decisions in the current round.
    pub fn answers(&self, stage: &str) -> HashMap<String, bool> {
        self.answers_now(stage)
            .map(|d| (d.decision_key.clone(), d.answer))
            .collect()
    }

    /// Each required output of `stage` with its record in this round, if done.
    pub fn output_progress<'a>(
        &'a self,
        stage: &'a template::Stage,
    ) -> Vec<(&'a template::Output, Option<&'a engagement_output::Model>)> {
        let done: HashMap<&str, &engagement_output::Model> = self
            .outputs_now(&stage.key)
            .map(|o| (o.output_key.as_str(), o))
            .collect();
        stage
            .outputs
            .iter()
            .map(|o| (o, done.get(o.key.as_str()).copied()))
            .collect()
    }

    /// Each decision point of `stage` with its latest answer in this round.
    pub fn decision_progress<'a>(
        &'a self,
        stage: &'a template::Stage,
    ) -> Vec<(
        &'a template::DecisionPoint,
        Option<&'a engagement_decision::Model>,
    )> {
        // Oldest first: the last answer to each point wins.
        let latest: HashMap<&str, &engagement_decision::Model> = self
            .answers_now(&stage.key)
            .map(|d| (d.decision_key.as_str(), d))
            .collect();
        stage
            .decisions
            .iter()
            .map(|d| (d, latest.get(d.key.as_str()).copied()))
            .collect()
    }
}

async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Engagement>, DbErr> {
    let Some(row) = engagement::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(Some(with_parts(conn, vec![row]).await?.remove(0)))
}

/// Engagements with their parts: five queries for any number.
async fn with_parts<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<engagement::Model>,
) -> Result<Vec<Engagement>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
    let mut team = children_of::<engagement_member::Entity, _>(conn, &ids).await?;
    let mut outputs = children_of::<engagement_output::Entity, _>(conn, &ids).await?;
    let mut decisions = children_of::<engagement_decision::Entity, _>(conn, &ids).await?;
    let mut actions = children_of::<engagement_action::Entity, _>(conn, &ids).await?;
    let mut fee_lines = fees::lines_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|e| Engagement {
            fees: fee_lines.remove(&e.id).unwrap_or_default(),
            team: team.remove(&e.id).unwrap_or_default(),
            outputs: outputs.remove(&e.id).unwrap_or_default(),
            decisions: decisions.remove(&e.id).unwrap_or_default(),
            actions: actions.remove(&e.id).unwrap_or_default(),
            engagement: e,
        })
        .collect())
}

/// An engagement by id, whoever asks (background work).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Engagement>, DbErr> {
    load(conn, id).await
}

/// An engagement the caller may see: staff any, a customer its own
/// (another's looks missing).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Engagement>, DbErr> {
    Ok(load(conn, id)
        .await?
        .filter(|e| Scope::of_ctx(ctx).permits(e.engagement.customer_id)))
}

/// Which engagements to list.
#[derive(Debug, Clone, Default)]
pub struct EngagementFilter {
    pub status: Option<EngagementStatus>,
    pub customer_id: Option<Uuid>,
}

/// Engagements the caller may see, oldest first (customers their own).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &EngagementFilter,
    page: PageRequest,
) -> Result<Page<Engagement>, DomainError> {
    let mut query = engagement::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(engagement::Column::Status.eq(status));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(engagement::Column::CustomerId.eq(customer));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (engagement::Column::CustomerId, engagement::Column::Id);
    let page = fetch_scoped_page(db, scope, query, party, id, page, |e| e.id).await?;
    let ids = page.ids();
    let rows = page.items.into_iter().map(|(_, e)| e).collect();
    Ok(Page {
        items: ids.into_iter().zip(with_parts(db, rows).await?).collect(),
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// Refuse on `engagementId` (LIMIT_EXCEEDED, saying `limit`) another row
/// of `E` for an engagement that has `max` of them already.
pub(crate) async fn ensure_room<E>(
    w: &Write<'_>,
    fields: &mut Fields,
    engagement_id: Uuid,
    max: u64,
    limit: String,
) -> Result<(), DomainError>
where
    E: crate::kernel::db::ChildRows,
    E::Model: Sync,
{
    let count = crate::kernel::db::count_children::<E, _>(w.conn(), engagement_id).await?;
    fields.ensure(count < max, "engagementId", ErrorCode::LimitExceeded, limit);
    Ok(())
}

/// A team member as the PM names them.
#[derive(Debug, Clone)]
pub struct MemberInput {
    pub user_id: Uuid,
}

/// An engagement as a PM sets it up.
#[derive(Debug, Clone)]
pub struct NewEngagement {
    pub customer_id: Uuid,
    pub template_key: String,
    pub name: String,
    pub scope_reference: String,
    pub planned_start: NaiveDate,
    pub team: Vec<MemberInput>,
    /// Its fee lines (ex-GST); approved scope changes add to them and the
    /// final invoice bills them.
    pub fees: Vec<fees::FeeLineInput>,
}

/// Set up an engagement (PROJECT_MANAGER, ADMIN): PLANNED, on the latest
/// published version of its template, with its team (staff logins, each in
/// their own role).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewEngagement,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let mut fields = Fields::new();
    let name = fields.text("name", &input.name, 200);
    let scope = fields.text("scopeReference", &input.scope_reference, 200);
    let fee_lines = fees::parse(&mut fields, &input.fees);
    if crate::customers::find(w.conn(), input.customer_id)
        .await?
        .is_none()
    {
        fields.refuse("customerId", ErrorCode::NotFound, "customer not found");
    }
    let template = published(w.conn(), &input.template_key).await?;
    if template.is_none() {
        fields.refuse(
            "templateKey",
            ErrorCode::NotFound,
            "no published template has this key",
        );
    }
    fields.ensure(
        input.team.len() <= MAX_TEAM,
        "team",
        ErrorCode::OutOfRange,
        format!("a team has at most {MAX_TEAM} members"),
    );
    let users: HashMap<Uuid, app_user::Model> = app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(input.team.iter().map(|m| m.user_id)))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut roster = Vec::new();
    for (i, member) in input.team.iter().enumerate() {
        let index = i.to_string();
        match users.get(&member.user_id) {
            Some(u) if u.role.is_staff() && !u.disabled => {
                if roster.iter().any(|(id, _)| *id == u.id) {
                    fields.refuse_at(
                        &["team", &index, "userId"],
                        ErrorCode::AlreadyExists,
                        "named twice",
                    );
                } else {
                    roster.push((u.id, u.role));
                }
            }
            _ => fields.refuse_at(
                &["team", &index, "userId"],
                ErrorCode::NotFound,
                "no enabled staff login has this id",
            ),
        }
    }
    let (name, scope, template) = fields.finish(|| Some((name?, scope?, template?)))?;
    let now = w.now();
    let id = Uuid::now_v7();
    let number = numbering::next(w.conn(), numbering::ENGAGEMENT).await?;
    let row = w
        .insert(engagement::ActiveModel {
            id: Set(id),
            number: Set(number),
            customer_id: Set(input.customer_id),
            template_id: Set(template.row.id),
            name: Set(name),
            scope_reference: Set(scope),
            planned_start: Set(input.planned_start),
            status: Set(EngagementStatus::Planned),
            stage_index: Set(0),
            round: Set(0),
            stage_started_at: Set(None),
            stage_due_at: Set(None),
            stage_overdue: Set(false),
            revised_end_date: Set(None),
            status_reason: Set(None),
            lessons_learned: Set(None),
            lessons_recorded_by: Set(None),
            lessons_recorded_at: Set(None),
            closed_at: Set(None),
            created_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let fee_lines = fee_lines.into_iter().map(|l| (l, None)).collect();
    fees::append_in(&mut w, id, 0, fee_lines).await?;
    for (user_id, role) in roster {
        engagement_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(id),
            user_id: Set(user_id),
            role: Set(role),
        }
        .insert(w.conn())
        .await?;
    }
    let created = load(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::internal("the engagement just created is missing"))?;
    w.audit(SUBJECT_TYPE, id, "engagement.created", None, Some(&row))
        .await?;
    w.commit(created).await
}

/// A locked engagement with its template.
async fn lock(w: &Write<'_>, id: Uuid) -> Result<(Engagement, Template), DomainError> {
    find_for_update::<engagement::Entity, _>(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("engagementId", "engagement"))?;
    let found = load(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("engagementId", "engagement"))?;
    let template = template(w.conn(), found.engagement.template_id)
        .await?
        .ok_or_else(|| DomainError::internal("an engagement's template is missing"))?;
    Ok((found, template))
}

/// A locked engagement whose records may still change (refused with
/// ILLEGAL_TRANSITION once it is closed or cancelled: it is read-only).
async fn lock_editable(w: &Write<'_>, id: Uuid) -> Result<(Engagement, Template), DomainError> {
    let (found, template) = lock(w, id).await?;
    state::apply(found.engagement.status, Event::Edit)
        .map_err(|i| illegal(&found.engagement, i))?;
    Ok((found, template))
}

/// An open write on an engagement whose stages are being worked
/// (WORK_ENGAGEMENTS), locked with its template; refused with
/// ILLEGAL_TRANSITION unless its status lets work go on.
async fn begin_work<'a>(
    db: &DatabaseConnection,
    ctx: &'a Ctx,
    id: Uuid,
) -> Result<(Write<'a>, Engagement, Template), DomainError> {
    let w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (found, template) = lock(&w, id).await?;
    state::apply(found.engagement.status, Event::Work)
        .map_err(|i| illegal(&found.engagement, i))?;
    Ok((w, found, template))
}

fn illegal(e: &engagement::Model, i: state::Illegal) -> DomainError {
    DomainError::rejected(
        &["engagementId"],
        ErrorCode::IllegalTransition,
        format!("{} is {:?}", e.number, i.from),
    )
}

/// The current stage, for a step only its owner role (or ADMIN) may take.
fn current_stage<'t>(
    ctx: &Ctx,
    e: &engagement::Model,
    template: &'t Template,
) -> Result<&'t template::Stage, DomainError> {
    let stage = template
        .definition
        .stage(e.stage_index as usize)
        .ok_or_else(|| DomainError::internal("an engagement's stage is past its template"))?;
    if ctx.actor.role != Role::Admin && ctx.actor.role != stage.owner_role {
        return Err(DomainError::rejected(
            &["engagementId"],
            ErrorCode::NotStageOwner,
            format!("{} is {}'s to do", stage.name, stage.owner_role),
        ));
    }
    Ok(stage)
}

/// Enter the stage at `index` (round already set): its due time from
/// business time, a timer to flag it overdue, the customer told.
async fn enter_stage(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    before: &engagement::Model,
    template: &Template,
    index: usize,
    round: i32,
    status: EngagementStatus,
) -> Result<engagement::Model, DomainError> {
    let stage = template
        .definition
        .stage(index)
        .ok_or_else(|| DomainError::internal("no such stage"))?;
    let now = w.now();
    let due = state::stage_due(calendar, stage, now);
    let after = w
        .change::<engagement::Entity>(before.id, before.version, |e| {
            e.status = Set(status);
            e.stage_index = Set(index as i32);
            e.round = Set(round);
            e.stage_started_at = Set(Some(now));
            e.stage_due_at = Set(Some(due));
            e.stage_overdue = Set(false);
        })
        .await?;
    let plan = TimerPlan {
        kind: timer_kind::STAGE_DUE,
        subject_id: before.id,
        due_at: due,
        payload: serde_json::json!({ "stageIndex": index, "round": round }),
    };
    timers::plan(w.conn(), &plan, now).await?;
    timers::cancel_planned(w.conn(), timer_kind::STAGE_ESCALATE, before.id).await?;
    let notice = StageNotice {
        stage_index: index as i32,
        round,
    };
    w.emit(topic::ENGAGEMENT_STAGE_STARTED, before.id, &notice)
        .await?;
    crate::webhooks::events::record(
        w,
        entity::WebhookEventType::EngagementStageChanged,
        before.id,
    )
    .await?;
    Ok(after)
}

/// The payload of an engagement stage's outbox rows (started, overdue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageNotice {
    pub stage_index: i32,
    pub round: i32,
}

/// Start a PLANNED engagement (PROJECT_MANAGER, ADMIN) at its first stage.
pub async fn start(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let (before, template) = lock(&w, id).await?;
    let status = state::apply(before.engagement.status, Event::Start)
        .map_err(|i| illegal(&before.engagement, i))?;
    let after = enter_stage(
        &mut w,
        calendar,
        &before.engagement,
        &template,
        0,
        0,
        status,
    )
    .await?;
    w.audit(
        SUBJECT_TYPE,
        id,
        "engagement.started",
        Some(&before.engagement),
        Some(&after),
    )
    .await?;
    finish_write(w, id).await
}

async fn finish_write(w: Write<'_>, id: Uuid) -> Result<Committed<Engagement>, DomainError> {
    let now = load(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::internal("the engagement vanished"))?;
    w.commit(now).await
}

/// A completed output as its owner records it.
#[derive(Debug, Clone)]
pub struct OutputInput {
    pub engagement_id: Uuid,
    pub output_key: String,
    /// A note, link or document reference.
    pub evidence: String,
}

/// Complete one required output of the current stage, with its evidence
/// (the stage's owner role or ADMIN), once per round.
pub async fn complete_output(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &OutputInput,
) -> Result<Committed<Engagement>, DomainError> {
    let (mut w, before, template) = begin_work(db, ctx, input.engagement_id).await?;
    let e = &before.engagement;
    let stage = current_stage(ctx, e, &template)?;
    let mut fields = Fields::new();
    let evidence = fields.text("evidence", &input.evidence, 2000);
    let known = stage.outputs.iter().find(|o| o.key == input.output_key);
    fields.ensure(
        known.is_some(),
        "outputKey",
        ErrorCode::NotFound,
        format!("{} has no output {}", stage.name, input.output_key),
    );
    fields.ensure(
        !before.done(&stage.key).contains(&input.output_key),
        "outputKey",
        ErrorCode::AlreadyExists,
        "already done in this round",
    );
    let evidence = fields.finish(|| evidence)?;
    record_output(&mut w, e, &stage.key, &input.output_key, evidence).await?;
    // Bumps the version (and `updated_at`), so concurrent steps serialise.
    w.change::<engagement::Entity>(e.id, e.version, |_| {})
        .await?;
    finish_write(w, e.id).await
}

/// Record output `output_key` of `stage_key` done in `e`'s current round,
/// with its evidence, audited under the engagement (the caller checked it
/// may be, and bumps the engagement's version).
async fn record_output(
    w: &mut Write<'_>,
    e: &engagement::Model,
    stage_key: &str,
    output_key: &str,
    evidence: String,
) -> Result<engagement_output::Model, DomainError> {
    let row = engagement_output::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(e.id),
        stage_key: Set(stage_key.to_owned()),
        round: Set(e.round),
        output_key: Set(output_key.to_owned()),
        evidence: Set(evidence),
        completed_by: Set(w.ctx().actor.id.clone()),
        completed_at: Set(w.now()),
    }
    .insert(w.conn())
    .await?;
    w.audit(
        SUBJECT_TYPE,
        e.id,
        "engagement.output_completed",
        None,
        Some(&row),
    )
    .await?;
    Ok(row)
}

/// Record output `output_key` done with `evidence` when `found` is ACTIVE
/// in a stage that has it and it is not done this round yet (a step that
/// is that output, e.g. issuing the final invoice); whether it was.
async fn record_output_if_due(
    w: &mut Write<'_>,
    found: &Engagement,
    template: &Template,
    output_key: &str,
    evidence: String,
) -> Result<bool, DomainError> {
    let e = &found.engagement;
    let Some(stage) = template.definition.stage(e.stage_index as usize) else {
        return Ok(false);
    };
    let due = e.status == EngagementStatus::Active
        && stage.outputs.iter().any(|o| o.key == output_key)
        && !found.done(&stage.key).contains(output_key);
    if due {
        record_output(w, e, &stage.key, output_key, evidence).await?;
    }
    Ok(due)
}

/// A mitigation action as the decider records it.
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub description: String,
    pub owner_user_id: Uuid,
    pub due_on: NaiveDate,
}

/// A decision answer as the stage's owner records it.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub engagement_id: Uuid,
    pub decision_key: String,
    pub answer: bool,
    pub note: Option<String>,
    /// Required when the answer asks for a revised timeline.
    pub revised_end_date: Option<NaiveDate>,
    /// Required (one at least) when the answer asks for mitigation.
    pub actions: Vec<ActionInput>,
}

/// Answer a decision point of the current stage (its owner role or ADMIN).
/// The answer's consequence is enforced here: a revised timeline needs its
/// new end date (the engagement's timeline is revised), mitigation needs at
/// least one action with an owner and due date; a revision round happens
/// when the stage is left.
pub async fn record_decision(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &DecisionInput,
) -> Result<Committed<Engagement>, DomainError> {
    let (mut w, before, template) = begin_work(db, ctx, input.engagement_id).await?;
    let e = &before.engagement;
    let stage = current_stage(ctx, e, &template)?;
    let today = calendar.local_date(w.now());
    let mut fields = Fields::new();
    fields.ensure(
        (before.decisions.len() as u64) < MAX_ANSWERS,
        "decisionKey",
        ErrorCode::LimitExceeded,
        format!("an engagement keeps at most {MAX_ANSWERS} answers"),
    );
    let note = input
        .note
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| fields.text("note", n, 2000));
    let Some(point) = stage.decisions.iter().find(|d| d.key == input.decision_key) else {
        return Err(DomainError::rejected(
            &["decisionKey"],
            ErrorCode::NotFound,
            format!("{} has no decision {}", stage.name, input.decision_key),
        ));
    };
    let consequence = point.consequence(input.answer);
    match consequence {
        Consequence::ReviseTimeline => fields.ensure(
            input.revised_end_date.is_some_and(|d| d >= today),
            "revisedEndDate",
            ErrorCode::Required,
            "not on track: give the revised timeline's end date (today or later)",
        ),
        Consequence::MitigationActions => {
            fields.ensure(
                !input.actions.is_empty() && input.actions.len() <= MAX_ACTIONS,
                "actions",
                ErrorCode::Required,
                format!(
                    "risks need mitigation: give 1 to {MAX_ACTIONS} actions with an owner and due date"
                ),
            );
            fields.ensure(
                register::has_mitigated_risk(w.conn(), e.id).await?,
                "risks",
                ErrorCode::Required,
                "risks need mitigation: the risk register needs an open risk with its mitigation",
            );
        }
        Consequence::Proceed | Consequence::ReviseFrom | Consequence::Stay => {}
    }
    let owners: HashMap<Uuid, app_user::Model> = app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(input.actions.iter().map(|a| a.owner_user_id)))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut actions = Vec::new();
    if consequence == Consequence::MitigationActions {
        for (i, action) in input.actions.iter().enumerate() {
            let index = i.to_string();
            let description = fields.text_at(
                &["actions", &index, "description"],
                &action.description,
                500,
            );
            let owner_ok = owners
                .get(&action.owner_user_id)
                .is_some_and(|u| u.role.is_staff() && !u.disabled);
            if !owner_ok {
                fields.refuse_at(
                    &["actions", &index, "ownerUserId"],
                    ErrorCode::NotFound,
                    "no enabled staff login has this id",
                );
            }
            if action.due_on < today {
                fields.refuse_at(
                    &["actions", &index, "dueOn"],
                    ErrorCode::OutOfRange,
                    "an action is due today or later",
                );
            }
            if let Some(description) = description {
                actions.push((description, action.owner_user_id, action.due_on));
            }
        }
    }
    fields.finish(|| Some(()))?;
    let now = w.now();
    let revised = (consequence == Consequence::ReviseTimeline)
        .then_some(input.revised_end_date)
        .flatten();
    let decision = engagement_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(e.id),
        stage_key: Set(stage.key.clone()),
        round: Set(e.round),
        decision_key: Set(point.key.clone()),
        answer: Set(input.answer),
        note: Set(note),
        revised_end_date: Set(revised),
        decided_by: Set(w.ctx().actor.id.clone()),
        decided_at: Set(now),
    }
    .insert(w.conn())
    .await?;
    for (description, owner, due_on) in actions {
        engagement_action::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(e.id),
            decision_id: Set(Some(decision.id)),
            description: Set(description),
            owner_user_id: Set(owner),
            due_on: Set(due_on),
            created_at: Set(now),
            done_at: Set(None),
        }
        .insert(w.conn())
        .await?;
    }
    let after = w
        .change::<engagement::Entity>(e.id, e.version, |m| {
            if let Some(day) = revised {
                m.revised_end_date = Set(Some(day));
            }
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        e.id,
        "engagement.decided",
        Some(&serde_json::json!({ "engagement": e })),
        Some(&serde_json::json!({ "decision": decision, "engagement": after })),
    )
    .await?;
    finish_write(w, e.id).await
}

/// Leave the current stage (its owner role or ADMIN): refused, naming every
/// missing output and unanswered or holding decision, until the stage is
/// done; then on to the next stage, back to an earlier one for a revision
/// round (a "no" that asks for one), or, from the last, CLOSED.
pub async fn advance(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
) -> Result<Committed<Engagement>, DomainError> {
    leave_stage(db, ctx, calendar, id, false).await
}

/// Leave the current stage; `closing` only from the last (see [`close`]).
async fn leave_stage(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
    closing: bool,
) -> Result<Committed<Engagement>, DomainError> {
    let (mut w, before, template) = begin_work(db, ctx, id).await?;
    let e = &before.engagement;
    let last = template.definition.stages.len().saturating_sub(1);
    if closing && e.stage_index as usize != last {
        return Err(DomainError::rejected(
            &["engagementId"],
            ErrorCode::IllegalTransition,
            format!("{} is not at its last stage yet", e.number),
        ));
    }
    let stage = current_stage(ctx, e, &template)?;
    let leave = state::leave(
        stage,
        &before.done(&stage.key),
        &before.answers(&stage.key),
        |key| template.definition.index_of(key),
    );
    let index = e.stage_index as usize;
    // A revision round needs nothing more; moving on needs the stage's
    // deliverables too.
    let gate = match leave {
        Ok(Leave::ReviseFrom(_)) => vec![],
        _ => deliverables::gate_errors(w.conn(), &before, &template.definition).await?,
    };
    let leave = match leave {
        Err(blocked) => {
            let mut errors = blocked_errors(stage, &blocked);
            errors.extend(gate);
            return Err(DomainError::Rejected(errors));
        }
        Ok(_) if !gate.is_empty() => return Err(DomainError::Rejected(gate)),
        Ok(leave) => leave,
    };
    if matches!(leave, Leave::Next) && index + 1 >= template.definition.stages.len() {
        closure_errors(w.conn(), e).await?;
    }
    record_exit(&mut w, e).await?;
    let (after, action) = match leave {
        Leave::ReviseFrom(to) => {
            let after = enter_stage(
                &mut w,
                calendar,
                e,
                &template,
                to,
                e.round + 1,
                EngagementStatus::Active,
            )
            .await?;
            (after, "engagement.revision_round")
        }
        Leave::Next if index + 1 < template.definition.stages.len() => {
            let after = enter_stage(
                &mut w,
                calendar,
                e,
                &template,
                index + 1,
                e.round,
                EngagementStatus::Active,
            )
            .await?;
            (after, "engagement.stage_left")
        }
        Leave::Next => {
            let status = state::apply(e.status, Event::Finish).map_err(|i| illegal(e, i))?;
            let now = w.now();
            let after = w
                .change::<engagement::Entity>(e.id, e.version, |m| {
                    m.status = Set(status);
                    m.stage_due_at = Set(None);
                    m.stage_overdue = Set(false);
                    m.closed_at = Set(Some(now));
                })
                .await?;
            stop_stage_timers(&w, e.id).await?;
            let closed = Closed {
                engagement_id: e.id,
            };
            w.emit(topic::ENGAGEMENT_CLOSED, e.id, &closed).await?;
            (after, "engagement.closed")
        }
    };
    w.audit(SUBJECT_TYPE, id, action, Some(e), Some(&after))
        .await?;
    finish_write(w, id).await
}

/// Formally close an engagement at its last stage (its owner role or
/// ADMIN): refused until the stage is done, lessons learned are recorded
/// and the final invoice is issued; then CLOSED and read-only, and the NPS
/// survey goes to the customer. Leaving the last stage with `advance` is
/// the same step.
pub async fn close(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
) -> Result<Committed<Engagement>, DomainError> {
    leave_stage(db, ctx, calendar, id, true).await
}

/// The payload of an `engagement.closed` outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Closed {
    pub engagement_id: Uuid,
}

/// Refuse closing an engagement without its lessons learned or its final
/// invoice (both named at once).
async fn closure_errors<C: ConnectionTrait>(
    conn: &C,
    e: &engagement::Model,
) -> Result<(), DomainError> {
    let mut errors = Vec::new();
    if e.lessons_learned.is_none() {
        errors.push(FieldError::new(
            &["lessonsLearned"],
            ErrorCode::Required,
            "record the lessons learned before closing",
        ));
    }
    if crate::invoices::of_subject(conn, SUBJECT_TYPE, e.id)
        .await?
        .is_none()
    {
        errors.push(FieldError::new(
            &["finalInvoice"],
            ErrorCode::Required,
            "issue the final invoice before closing",
        ));
    }
    if let Some(pending) = scope::pending_of(conn, e.id).await? {
        errors.push(FieldError::new(
            &["scopeChanges"],
            ErrorCode::InvalidState,
            format!(
                "scope change {} awaits its approval: decide it (or cancel its approval) before closing",
                pending.seq
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Rejected(errors))
    }
}

/// Keep the stage being left, against its due time (the on-time KPI).
async fn record_exit(w: &mut Write<'_>, e: &engagement::Model) -> Result<(), DomainError> {
    let (Some(started_at), Some(due_at)) = (e.stage_started_at, e.stage_due_at) else {
        return Ok(());
    };
    let template = template(w.conn(), e.template_id)
        .await?
        .ok_or_else(|| DomainError::internal("an engagement's template is missing"))?;
    let Some(stage) = template.definition.stage(e.stage_index as usize) else {
        return Ok(());
    };
    let left_at = w.now();
    engagement_stage_exit::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(e.id),
        stage_key: Set(stage.key.clone()),
        round: Set(e.round),
        started_at: Set(started_at),
        due_at: Set(due_at),
        left_at: Set(left_at),
        on_time: Set(left_at <= due_at),
    }
    .insert(w.conn())
    .await?;
    Ok(())
}

/// No more chasing of the current stage: its due and escalation timers.
async fn stop_stage_timers(w: &Write<'_>, id: Uuid) -> Result<(), DomainError> {
    timers::cancel_planned(w.conn(), timer_kind::STAGE_DUE, id).await?;
    timers::cancel_planned(w.conn(), timer_kind::STAGE_ESCALATE, id).await?;
    Ok(())
}

/// One userError per thing that keeps a stage from being left.
fn blocked_errors(stage: &template::Stage, blocked: &state::Blocked) -> Vec<FieldError> {
    let mut out = Vec::new();
    for output in stage
        .outputs
        .iter()
        .filter(|o| blocked.missing_outputs.contains(&o.name))
    {
        out.push(FieldError::new(
            &["outputs", &output.key],
            ErrorCode::Required,
            format!("{}: not done", output.name),
        ));
    }
    for decision in &stage.decisions {
        if blocked.unanswered.contains(&decision.question) {
            out.push(FieldError::new(
                &["decisions", &decision.key],
                ErrorCode::Required,
                format!("{} not answered", decision.question),
            ));
        }
        if blocked.holding.contains(&decision.question) {
            out.push(FieldError::new(
                &["decisions", &decision.key],
                ErrorCode::InvalidState,
                format!(
                    "{} was answered no: the stage stays (escalate)",
                    decision.question
                ),
            ));
        }
    }
    out
}

/// The approvals still pending about an engagement: its deliverables put
/// to the customer and its scope changes awaiting a decision.
async fn pending_approvals<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    let acceptances = deliverable::Entity::find()
        .filter(deliverable::Column::EngagementId.eq(engagement_id))
        .filter(deliverable::Column::Status.eq(entity::DeliverableStatus::AwaitingAcceptance))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|d| d.approval_id);
    let scope_changes = scope_change::Entity::find()
        .filter(scope_change::Column::EngagementId.eq(engagement_id))
        .filter(scope_change::Column::Status.eq(entity::ScopeChangeStatus::Pending))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.approval_id);
    Ok(acceptances.chain(scope_changes).collect())
}

/// Pause, resume or cancel an engagement (PROJECT_MANAGER, ADMIN), with a
/// reason.
pub async fn change_status(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    event: Event,
    reason: &str,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let reason = crate::kernel::reason(reason)?;
    let (before, _) = lock(&w, id).await?;
    let e = &before.engagement;
    if !matches!(event, Event::Hold | Event::Resume | Event::Cancel) {
        return Err(DomainError::internal("not a status change"));
    }
    let status = state::apply(e.status, event).map_err(|i| illegal(e, i))?;
    let after = w
        .change::<engagement::Entity>(id, e.version, |m| {
            m.status = Set(status);
            m.status_reason = Set(Some(reason));
        })
        .await?;
    if status == EngagementStatus::Cancelled {
        stop_stage_timers(&w, id).await?;
        // Nobody is asked, reminded or escalated to about an ended engagement.
        for approval in pending_approvals(w.conn(), id).await? {
            crate::approvals::withdraw_in(&mut w, approval).await?;
        }
    }
    if status == EngagementStatus::Active {
        resume_stage_clock(&w, &after).await?;
    }
    let action = format!("engagement.{}", status.to_string().to_lowercase());
    w.audit(SUBJECT_TYPE, id, &action, Some(e), Some(&after))
        .await?;
    finish_write(w, id).await
}

/// A resumed engagement's stage clock goes on from where the hold left it.
/// Its timers fired during the hold and did nothing (only a running
/// engagement is flagged or escalated), so: a due time not yet flagged is
/// planned again (one that passed fires at the next sweep), and an overdue
/// stage gets its grace period again (it escalates once per stage and round).
async fn resume_stage_clock(w: &Write<'_>, e: &engagement::Model) -> Result<(), DomainError> {
    let planned = |kind: &'static str| {
        timer::Entity::find()
            .filter(timer::Column::Kind.eq(kind))
            .filter(timer::Column::SubjectId.eq(e.id))
            .filter(timer::Column::Status.eq(entity::TimerStatus::Planned))
            .one(w.conn())
    };
    let notice = StageNotice {
        stage_index: e.stage_index,
        round: e.round,
    };
    let now = w.now();
    let Some(due_at) = e.stage_due_at else {
        return Ok(());
    };
    if !e.stage_overdue {
        if planned(timer_kind::STAGE_DUE).await?.is_none() {
            let plan = TimerPlan {
                kind: timer_kind::STAGE_DUE,
                subject_id: e.id,
                due_at,
                payload: serde_json::json!({ "stageIndex": notice.stage_index, "round": notice.round }),
            };
            timers::plan(w.conn(), &plan, now).await?;
        }
    } else if planned(timer_kind::STAGE_ESCALATE).await?.is_none() {
        plan_escalation(w, e.id, notice).await?;
    }
    Ok(())
}

/// ADMIN hears of an overdue stage if it is still overdue after the
/// business's grace period: its STAGE_ESCALATE timer.
async fn plan_escalation(w: &Write<'_>, id: Uuid, notice: StageNotice) -> Result<(), DomainError> {
    let grace = crate::settings::current(w.conn())
        .await?
        .escalation_grace_hours;
    let calendar = crate::business_time::calendar::SharedCalendar::load(w.conn())
        .await?
        .current();
    let now = w.now();
    let plan = TimerPlan {
        kind: timer_kind::STAGE_ESCALATE,
        subject_id: id,
        due_at: calendar.add_business_hours(now, grace.max(0) as u32),
        payload: serde_json::to_value(notice).map_err(DomainError::internal)?,
    };
    timers::plan(w.conn(), &plan, now).await?;
    Ok(())
}

/// A stage's due time came (the worker, at its timer): flag it overdue once
/// when the engagement is still in that stage and round and still running.
/// Whether it was flagged now (then its owner is emailed).
pub async fn on_stage_due(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<bool>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let Some(before) = find_for_update::<engagement::Entity, _>(w.conn(), id).await? else {
        return w.commit(false).await;
    };
    let now = w.now();
    let due = before.stage_due_at.is_some_and(|at| at <= now);
    if before.status != EngagementStatus::Active || before.stage_overdue || !due {
        return w.commit(false).await;
    }
    let after = w
        .change::<engagement::Entity>(id, before.version, |m| m.stage_overdue = Set(true))
        .await?;
    w.audit(
        SUBJECT_TYPE,
        id,
        "engagement.stage_overdue",
        Some(&before),
        Some(&after),
    )
    .await?;
    let notice = StageNotice {
        stage_index: before.stage_index,
        round: before.round,
    };
    w.emit(topic::ENGAGEMENT_STAGE_OVERDUE, id, &notice).await?;
    plan_escalation(&w, id, notice).await?;
    w.commit(true).await
}

/// The address an engagement's customer is emailed at (its customer
/// record's), if any.
pub async fn customer_address<C: ConnectionTrait>(
    conn: &C,
    found: &Engagement,
) -> Result<Option<String>, DbErr> {
    Ok(crate::customers::find(conn, found.engagement.customer_id)
        .await?
        .and_then(|c| c.email))
}

/// Who owns an engagement's current stage, to email when it is overdue: the
/// team members of the stage's owner role, else every login of that role.
pub async fn stage_owners<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Vec<String>, DomainError> {
    let Some(found) = load(conn, id).await? else {
        return Ok(vec![]);
    };
    let Some(template) = template(conn, found.engagement.template_id).await? else {
        return Ok(vec![]);
    };
    let Some(stage) = template
        .definition
        .stage(found.engagement.stage_index as usize)
    else {
        return Ok(vec![]);
    };
    let members: Vec<Uuid> = found
        .team
        .iter()
        .filter(|m| m.role == stage.owner_role)
        .map(|m| m.user_id)
        .collect();
    if members.is_empty() {
        return Ok(crate::users::emails_of_role(conn, stage.owner_role).await?);
    }
    Ok(crate::users::enabled_emails(conn, app_user::Column::Id.is_in(members)).await?)
}

/// What still keeps an engagement's current stage from being left, as
/// leaving it would say (its outputs not done this round, its decisions
/// unanswered or answered in a way that holds it); nothing once it may be
/// left or when `definition` has no such stage.
pub fn still_missing(found: &Engagement, definition: &Definition) -> state::Blocked {
    let Some(stage) = definition.stage(found.engagement.stage_index as usize) else {
        return state::Blocked::default();
    };
    let leave = state::leave(
        stage,
        &found.done(&stage.key),
        &found.answers(&stage.key),
        |key| definition.index_of(key),
    );
    leave.err().unwrap_or_default()
}

/// One entry of an engagement into a stage (a stage in a round): what the
/// emails about a stage (it started, it is overdue) are about, so each goes
/// once per stage and round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageEntry {
    /// Stands for the entry: the id of the first timer of its due time,
    /// planned in the transaction that entered the stage and kept after it
    /// fires, so it leads back here for as long as an email may be sent.
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub notice: StageNotice,
    /// When the stage is due (its latest timer's due time).
    pub due_at: DateTime<Utc>,
}

/// The entry the due timers `timers` (one engagement's, oldest generation
/// first) record for the stage and round of `notice`.
fn entry_of(timers: &[timer::Model], notice: StageNotice) -> Option<StageEntry> {
    let mut of_entry = timers.iter().filter(|t| {
        t.kind == timer_kind::STAGE_DUE
            && serde_json::from_str::<StageNotice>(&t.payload).is_ok_and(|n| n == notice)
    });
    let first = of_entry.next()?;
    let latest = of_entry.next_back().unwrap_or(first);
    Some(StageEntry {
        id: first.id,
        engagement_id: first.subject_id,
        notice,
        due_at: latest.due_at,
    })
}

/// The entry of an engagement into the stage and round of `notice`; `None`
/// if it never entered it.
pub async fn stage_entry<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
    notice: StageNotice,
) -> Result<Option<StageEntry>, DbErr> {
    let timers = timer::Entity::find()
        .filter(timer::Column::Kind.eq(timer_kind::STAGE_DUE))
        .filter(timer::Column::SubjectId.eq(engagement_id))
        .order_by_asc(timer::Column::Generation)
        .all(conn)
        .await?;
    Ok(entry_of(&timers, notice))
}

/// The stage entry `id` stands for (see [`StageEntry::id`]).
pub async fn stage_entry_by_id<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<StageEntry>, DbErr> {
    let Some(timer) = timer::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let Ok(notice) = serde_json::from_str::<StageNotice>(&timer.payload) else {
        return Ok(None);
    };
    if timer.kind != timer_kind::STAGE_DUE {
        return Ok(None);
    }
    stage_entry(conn, timer.subject_id, notice).await
}

/// What may happen next, with the role that may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Start,
    CompleteOutput,
    RecordDecision,
    AdvanceStage,
    Hold,
    Resume,
    Cancel,
}

/// What may happen next to an engagement at `status` whose current stage
/// is owned by `owner`; a customer may do nothing here.
pub fn next_actions(status: EngagementStatus, owner: Role, viewer: Role) -> Vec<(Action, Role)> {
    if viewer == Role::Customer {
        return vec![];
    }
    let pm = Role::ProjectManager;
    match status {
        EngagementStatus::Planned => vec![(Action::Start, pm), (Action::Cancel, pm)],
        EngagementStatus::Active => vec![
            (Action::CompleteOutput, owner),
            (Action::RecordDecision, owner),
            (Action::AdvanceStage, owner),
            (Action::Hold, pm),
            (Action::Cancel, pm),
        ],
        EngagementStatus::OnHold => vec![(Action::Resume, pm), (Action::Cancel, pm)],
        EngagementStatus::Closed | EngagementStatus::Cancelled => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_see_the_steps_of_the_status_and_customers_none() {
        let active = next_actions(EngagementStatus::Active, Role::QaLead, Role::ProjectManager);
        assert!(active.contains(&(Action::AdvanceStage, Role::QaLead)));
        assert!(active.contains(&(Action::Hold, Role::ProjectManager)));
        assert_eq!(
            next_actions(EngagementStatus::Planned, Role::QaLead, Role::Customer),
            []
        );
        assert_eq!(
            next_actions(EngagementStatus::Closed, Role::QaLead, Role::Admin),
            []
        );
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    /// Engagement 7 at `stage_index` in `round`, with nothing done.
    fn engagement_at(stage_index: i32, round: i32) -> Engagement {
        Engagement::example(stage_index, round, at("2026-11-23T00:00:00Z"))
    }

    fn output(stage: &str, round: i32, key: &str) -> engagement_output::Model {
        engagement_output::Model {
            id: Uuid::now_v7(),
            engagement_id: Uuid::from_u128(7),
            stage_key: stage.into(),
            round,
            output_key: key.into(),
            evidence: "note".into(),
            completed_by: "team".into(),
            completed_at: at("2026-11-23T01:00:00Z"),
        }
    }

    fn answer(stage: &str, round: i32, key: &str, answer: bool) -> engagement_decision::Model {
        engagement_decision::Model {
            id: Uuid::now_v7(),
            engagement_id: Uuid::from_u128(7),
            stage_key: stage.into(),
            round,
            decision_key: key.into(),
            answer,
            note: None,
            revised_end_date: None,
            decided_by: "team".into(),
            decided_at: at("2026-11-23T01:00:00Z"),
        }
    }

    #[test]
    fn what_is_still_missing_counts_only_the_current_stage_and_round() {
        let d = template::service_delivery();
        // Execution in the first revision round: one output and one answer
        // from this round, the rest only from the first.
        let mut found = engagement_at(2, 1);
        found.outputs = vec![
            output("execution", 0, "deliverables_produced"),
            output("execution", 0, "status_reports"),
            output("execution", 1, "status_reports"),
            output("kickoff", 1, "deliverables_produced"),
        ];
        found.decisions = vec![
            answer("execution", 0, "on_track", true),
            answer("execution", 1, "risks_need_mitigation", false),
        ];
        assert_eq!(
            still_missing(&found, &d),
            state::Blocked {
                missing_outputs: vec!["Deliverables produced".into()],
                unanswered: vec!["Are deliverables on track?".into()],
                holding: vec![],
            }
        );
        found
            .outputs
            .push(output("execution", 1, "deliverables_produced"));
        found
            .decisions
            .push(answer("execution", 1, "on_track", false));
        assert_eq!(still_missing(&found, &d), state::Blocked::default());
        // A "no" to acceptance leaves for a revision round: nothing missing.
        let mut acceptance = engagement_at(4, 0);
        acceptance.decisions = vec![answer("customer_acceptance", 0, "accepted", false)];
        assert_eq!(still_missing(&acceptance, &d), state::Blocked::default());
        // A stage past the template (never expected) misses nothing.
        assert_eq!(
            still_missing(&engagement_at(40, 0), &d),
            state::Blocked::default()
        );
    }

    fn due_timer(generation: i32, payload: &str, due: &str) -> timer::Model {
        timer::Model {
            id: Uuid::from_u128(100 + generation as u128),
            kind: timer_kind::STAGE_DUE.into(),
            subject_id: Uuid::from_u128(7),
            generation,
            due_at: at(due),
            payload: payload.into(),
            status: entity::TimerStatus::Fired,
            created_at: at("2026-11-23T00:00:00Z"),
            fired_at: None,
        }
    }

    #[test]
    fn a_stage_entry_is_the_first_due_timer_of_its_stage_and_round() {
        let notice = |stage_index, round| StageNotice { stage_index, round };
        // What `enter_stage` plans: a stage's payload is its notice.
        let planned = serde_json::json!({ "stageIndex": 2, "round": 1 }).to_string();
        assert_eq!(
            serde_json::from_str::<StageNotice>(&planned).unwrap(),
            notice(2, 1)
        );
        let timers = [
            due_timer(1, r#"{"round":0,"stageIndex":0}"#, "2026-11-24T06:00:00Z"),
            due_timer(2, r#"{"round":0,"stageIndex":1}"#, "2026-11-27T06:00:00Z"),
            due_timer(3, &planned, "2026-12-04T06:00:00Z"),
            // Re-planned for the same entry: the entry keeps its id, the
            // due time is the latest.
            due_timer(4, &planned, "2026-12-08T06:00:00Z"),
            due_timer(5, r#"{"round":1,"stageIndex":3}"#, "2026-12-15T06:00:00Z"),
        ];
        let entry = entry_of(&timers, notice(2, 1)).unwrap();
        assert_eq!(entry.id, Uuid::from_u128(103));
        assert_eq!(entry.engagement_id, Uuid::from_u128(7));
        assert_eq!(entry.due_at, at("2026-12-08T06:00:00Z"));
        let first = entry_of(&timers, notice(0, 0)).unwrap();
        assert_eq!(
            (first.id, first.due_at),
            (Uuid::from_u128(101), at("2026-11-24T06:00:00Z"))
        );
        // Each stage and round its own; one never entered has none.
        assert_ne!(entry_of(&timers, notice(1, 0)).unwrap().id, first.id);
        assert_eq!(entry_of(&timers, notice(2, 0)), None);
        let mut other = due_timer(6, &planned, "2026-12-08T06:00:00Z");
        other.kind = "another_kind".into();
        assert_eq!(entry_of(&[other], notice(2, 1)), None);
    }

    #[test]
    fn the_seed_json_is_the_built_in_templates() {
        // The migration froze these; a change to the built-in definitions
        // must come as a new template version, not a silent edit.
        // `UPDATE_SEEDS=1` writes them (only for a new migration's seeds).
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migration/src/seeds");
        if std::env::var_os("UPDATE_SEEDS").is_some() {
            for (key, _, definition) in template::built_in() {
                let json = serde_json::to_string_pretty(&definition).expect("serialises");
                std::fs::write(format!("{dir}/{key}.json"), json + "\n").expect("written");
            }
        }
        let frozen = [
            include_str!("../../../migration/src/seeds/service_delivery.json"),
            include_str!("../../../migration/src/seeds/automation_implementation.json"),
        ];
        for ((key, _, definition), json) in template::built_in().into_iter().zip(frozen) {
            let seeded: Definition = serde_json::from_str(json).expect("seed parses");
            assert_eq!(seeded, definition, "{key}");
        }
    }
}
