//! Reports on engagements: the monthly service report of an engagement in
//! its support phase (the automation template's "5 Go-live and support"),
//! and the KPIs across engagements.
//!
//! A monthly service report holds the performance and usage figures staff
//! record for one month, with optimisation notes, and what the month saw
//! on the engagement (stages left, deliverables accepted, scope changes
//! decided, delays recorded), and the support tickets opened on the
//! engagement in the month with how they stand against their SLAs (judged
//! by `support::report`, the same rule as the SLA report).
//!
//! The KPIs of a period: stages finished on time, revision rounds per
//! deliverable, scope changes and their approved cost, and the NPS. Every
//! figure is an aggregate computed by the database (counts and sums), so a
//! period of any size reads a fixed number of rows.

use super::template::Definition;
use super::{Engagement, SUBJECT_TYPE, Template, lock_editable};
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, FieldError, Fields, Permission, Role, Write,
};
use crate::rules::calendar::BusinessCalendar;
use crate::rules::error::ValueError;
use crate::rules::money::Money;
use crate::support::report::{self as attainment, Tally};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{
    AcceptanceOutcome, EngagementStatus, ScopeChangeStatus, acceptance_round, deliverable,
    engagement_delay, engagement_stage_exit, nps_response, scope_change, service_report,
};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use uuid::Uuid;

crate::stamped!(service_report);

/// Most figures one month's report holds.
pub const MAX_FIGURES: usize = 50;
/// Longest figure name, in characters.
pub const MAX_NAME_LEN: usize = 100;
/// Longest unit, in characters.
pub const MAX_UNIT_LEN: usize = 30;
/// Longest optimisation notes, in characters.
pub const MAX_NOTES_LEN: usize = 4000;
/// Largest figure, either sign.
pub const MAX_VALUE: i64 = 1_000_000_000_000;
/// Most decimal places a figure keeps.
pub const MAX_SCALE: u32 = 4;
/// Most records of each kind a month's activity lists (a month of one
/// engagement sees a handful; the bound keeps a read bounded).
pub const MAX_ACTIVITY: u64 = 100;
/// Longest KPI period, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

// ---- Pure rules --------------------------------------------------------

/// Where an engagement's support phase starts in its template: the first
/// stage whose phase names support (any case), e.g. the automation
/// template's "5 Go-live and support" at 5.1; `None` when it has none.
pub fn support_phase_start(definition: &Definition) -> Option<usize> {
    definition.stages.iter().position(|s| {
        s.phase
            .as_deref()
            .is_some_and(|p| p.to_lowercase().contains("support"))
    })
}

/// The first day of the month `raw` names, written `YYYY-MM`.
pub fn parse_month(raw: &str) -> Result<NaiveDate, ValueError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ValueError::new(ErrorCode::Required, "month is required"));
    }
    let bad = || {
        ValueError::new(
            ErrorCode::OutOfRange,
            "a month is written YYYY-MM, e.g. 2026-12",
        )
    };
    let (year, month) = raw.split_once('-').ok_or_else(bad)?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return Err(bad());
    }
    let (year, month) = (
        year.parse::<i32>().map_err(|_| bad())?,
        month.parse::<u32>().map_err(|_| bad())?,
    );
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("every month has a first day")
}

/// The first day of the month after `month`.
pub fn next_month(month: NaiveDate) -> NaiveDate {
    month_of(month)
        .checked_add_months(chrono::Months::new(1))
        .expect("a month after a real month")
}

/// May figures be recorded for `month`, `today` being the business's date
/// and the engagement having started on `started_on`? Not for a month to
/// come, nor one before the engagement started (OUT_OF_RANGE).
pub fn month_allowed(
    month: NaiveDate,
    today: NaiveDate,
    started_on: NaiveDate,
) -> Result<(), ValueError> {
    if month > month_of(today) {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            "figures are recorded for this month or an earlier one, not a month to come",
        ));
    }
    if month < month_of(started_on) {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            format!(
                "the engagement started in {}: figures are recorded from that month on",
                month_of(started_on).format("%Y-%m")
            ),
        ));
    }
    Ok(())
}

/// What a figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FigureKind {
    /// How the system performed (uptime, response time, errors).
    Performance,
    /// How much it was used (runs, users, records processed).
    Usage,
}

/// One figure of a month, as stored (JSON, its value as a decimal string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub kind: FigureKind,
    pub name: String,
    pub value: Decimal,
    pub unit: Option<String>,
}

/// One figure as staff give it.
#[derive(Debug, Clone)]
pub struct FigureInput {
    pub kind: FigureKind,
    pub name: String,
    /// A decimal number, e.g. `99.95`.
    pub value: String,
    /// E.g. `%`, `ms`, `runs`; optional.
    pub unit: Option<String>,
}

/// A figure's value: a decimal number (INVALID_QUANTITY otherwise) of at
/// most [`MAX_VALUE`] either way with at most [`MAX_SCALE`] decimal places
/// (OUT_OF_RANGE).
pub fn parse_value(raw: &str) -> Result<Decimal, ValueError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ValueError::new(ErrorCode::Required, "value is required"));
    }
    let plain = raw
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'));
    let value = Decimal::from_str(raw)
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| {
            ValueError::new(
                ErrorCode::InvalidQuantity,
                "value must be a decimal number, e.g. 99.95",
            )
        })?
        .normalize();
    if value.abs() > Decimal::from(MAX_VALUE) || value.scale() > MAX_SCALE {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            format!(
                "value must be at most {MAX_VALUE} either way, with at most {MAX_SCALE} decimal places"
            ),
        ));
    }
    Ok(value)
}

/// Check every figure, refusing each problem at its path
/// (`figures.2.value`): at most [`MAX_FIGURES`] (LIMIT_EXCEEDED on
/// `figures`), each named (one line, at most [`MAX_NAME_LEN`]) once per
/// kind (ALREADY_EXISTS), its value a decimal, its unit optional (one line,
/// at most [`MAX_UNIT_LEN`]).
pub fn parse_figures(fields: &mut Fields, figures: &[FigureInput]) -> Vec<Figure> {
    if figures.len() > MAX_FIGURES {
        fields.refuse(
            "figures",
            ErrorCode::LimitExceeded,
            format!("a month's report holds at most {MAX_FIGURES} figures"),
        );
        return vec![];
    }
    let mut seen: HashSet<(FigureKind, String)> = HashSet::new();
    let mut out = Vec::with_capacity(figures.len());
    for (i, figure) in figures.iter().enumerate() {
        let index = i.to_string();
        let name = fields.text_at(&["figures", &index, "name"], &figure.name, MAX_NAME_LEN);
        let value = fields.at(&["figures", &index, "value"], parse_value(&figure.value));
        let unit = match figure.unit.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(unit) => fields
                .text_at(&["figures", &index, "unit"], unit, MAX_UNIT_LEN)
                .map(Some),
        };
        if let Some(name) = &name
            && !seen.insert((figure.kind, name.to_lowercase()))
        {
            fields.refuse_at(
                &["figures", &index, "name"],
                ErrorCode::AlreadyExists,
                format!("{name} is given twice"),
            );
            continue;
        }
        if let (Some(name), Some(value), Some(unit)) = (name, value, unit) {
            out.push(Figure {
                kind: figure.kind,
                name,
                value,
                unit,
            });
        }
    }
    out
}

/// The figures of `kind`, in the order recorded.
pub fn of_kind(figures: &[Figure], kind: FigureKind) -> Vec<Figure> {
    figures.iter().filter(|f| f.kind == kind).cloned().collect()
}

// ---- Monthly service report ----------------------------------------------

/// A stage the engagement left in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageLeft {
    pub exit: engagement_stage_exit::Model,
    /// Its name in the engagement's template version.
    pub stage_name: String,
}

/// A deliverable version the customer accepted in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub deliverable_id: Uuid,
    pub name: String,
    pub version_number: i32,
    pub accepted_at: DateTime<Utc>,
}

/// What a month saw on the engagement, oldest first (each list at most
/// [`MAX_ACTIVITY`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MonthActivity {
    pub stages_left: Vec<StageLeft>,
    pub deliverables_accepted: Vec<Accepted>,
    /// Scope changes approved or rejected in the month.
    pub scope_changes_decided: Vec<scope_change::Model>,
    pub delays_recorded: Vec<engagement_delay::Model>,
}

/// One month of an engagement's support phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    pub engagement: Engagement,
    /// The month's first day.
    pub month: NaiveDate,
    /// The figures recorded, if any were.
    pub report: Option<service_report::Model>,
    pub performance: Vec<Figure>,
    pub usage: Vec<Figure>,
    /// The engagement's tickets opened in the month (Sydney dates), by how
    /// they stand against their SLAs at the time of reading.
    pub support: Tally,
    /// `met ÷ (met + breached)`, four decimal places; `None` while no
    /// ticket of the month is decided either way.
    pub sla_attainment: Option<Decimal>,
    pub activity: MonthActivity,
}

/// A month's figures as recorded (its JSON read back).
fn stored_figures(row: &service_report::Model) -> Result<Vec<Figure>, DomainError> {
    serde_json::from_str(&row.figures).map_err(|e| {
        DomainError::internal(format!("service report {} figures unreadable: {e}", row.id))
    })
}

/// The month `month` in UTC: from its first midnight to the next month's,
/// in the business's timezone.
fn window(calendar: &BusinessCalendar, month: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        calendar.start_of_day(month),
        calendar.start_of_day(next_month(month)),
    )
}

/// The report of `found` for `month` at `now`: its figures, the month's
/// activity and its support tickets.
async fn assemble<C: ConnectionTrait>(
    conn: &C,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
    found: Engagement,
    template: &Template,
    month: NaiveDate,
) -> Result<MonthlyReport, DomainError> {
    let id = found.engagement.id;
    let report = service_report::Entity::find()
        .filter(service_report::Column::EngagementId.eq(id))
        .filter(service_report::Column::Month.eq(month))
        .one(conn)
        .await?;
    let figures = match &report {
        Some(row) => stored_figures(row)?,
        None => vec![],
    };
    let (start, end) = window(calendar, month);
    let stage_names: HashMap<&str, &str> = template
        .definition
        .stages
        .iter()
        .map(|s| (s.key.as_str(), s.name.as_str()))
        .collect();
    let stages_left = engagement_stage_exit::Entity::find()
        .filter(engagement_stage_exit::Column::EngagementId.eq(id))
        .filter(engagement_stage_exit::Column::LeftAt.gte(start))
        .filter(engagement_stage_exit::Column::LeftAt.lt(end))
        .order_by_asc(engagement_stage_exit::Column::LeftAt)
        .order_by_asc(engagement_stage_exit::Column::Id)
        .limit(MAX_ACTIVITY)
        .all(conn)
        .await?
        .into_iter()
        .map(|exit| StageLeft {
            stage_name: stage_names
                .get(exit.stage_key.as_str())
                .map_or_else(|| exit.stage_key.clone(), |n| (*n).to_owned()),
            exit,
        })
        .collect();
    let of_engagement = Query::select()
        .column(deliverable::Column::Id)
        .from(deliverable::Entity)
        .and_where(deliverable::Column::EngagementId.eq(id))
        .to_owned();
    let rounds = acceptance_round::Entity::find()
        .filter(acceptance_round::Column::DeliverableId.in_subquery(of_engagement))
        .filter(acceptance_round::Column::Outcome.eq(AcceptanceOutcome::Accepted))
        .filter(acceptance_round::Column::DecidedAt.gte(start))
        .filter(acceptance_round::Column::DecidedAt.lt(end))
        .order_by_asc(acceptance_round::Column::DecidedAt)
        .order_by_asc(acceptance_round::Column::Id)
        .limit(MAX_ACTIVITY)
        .all(conn)
        .await?;
    let names: HashMap<Uuid, String> = deliverable::Entity::find()
        .filter(deliverable::Column::Id.is_in(rounds.iter().map(|r| r.deliverable_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let deliverables_accepted = rounds
        .into_iter()
        .filter_map(|r| {
            Some(Accepted {
                name: names.get(&r.deliverable_id)?.clone(),
                deliverable_id: r.deliverable_id,
                version_number: r.version_number,
                accepted_at: r.decided_at?,
            })
        })
        .collect();
    let scope_changes_decided = scope_change::Entity::find()
        .filter(scope_change::Column::EngagementId.eq(id))
        .filter(
            scope_change::Column::Status
                .is_in([ScopeChangeStatus::Approved, ScopeChangeStatus::Rejected]),
        )
        .filter(scope_change::Column::DecidedAt.gte(start))
        .filter(scope_change::Column::DecidedAt.lt(end))
        .order_by_asc(scope_change::Column::DecidedAt)
        .order_by_asc(scope_change::Column::Id)
        .limit(MAX_ACTIVITY)
        .all(conn)
        .await?;
    let delays_recorded = engagement_delay::Entity::find()
        .filter(engagement_delay::Column::EngagementId.eq(id))
        .filter(engagement_delay::Column::RecordedAt.gte(start))
        .filter(engagement_delay::Column::RecordedAt.lt(end))
        .order_by_asc(engagement_delay::Column::RecordedAt)
        .order_by_asc(engagement_delay::Column::Id)
        .limit(MAX_ACTIVITY)
        .all(conn)
        .await?;
    let last_day = next_month(month)
        .pred_opt()
        .expect("a month has a last day");
    let tickets = attainment::entries_between(conn, start, end, Some(id), "month").await?;
    let support = Tally::of_rows(&attainment::attainment(
        &tickets, calendar, now, month, last_day,
    )?);
    Ok(MonthlyReport {
        engagement: found,
        month,
        performance: of_kind(&figures, FigureKind::Performance),
        usage: of_kind(&figures, FigureKind::Usage),
        report,
        sla_attainment: ratio(support.met, support.met + support.breached, 4),
        support,
        activity: MonthActivity {
            stages_left,
            deliverables_accepted,
            scope_changes_decided,
            delays_recorded,
        },
    })
}

/// Refused: `found`'s template has no support phase.
fn no_support_phase(found: &Engagement, template: &Template) -> DomainError {
    DomainError::rejected(
        &["engagementId"],
        ErrorCode::InvalidState,
        format!(
            "{} follows {}, which has no support phase: it has no monthly service report",
            found.engagement.number, template.row.name
        ),
    )
}

/// The monthly service report of `engagement_id` for `month` (`YYYY-MM`):
/// staff any, a customer its own (`None` for one missing or another
/// customer's). Refused for an engagement whose template has no support
/// phase, or a month that does not read.
pub async fn monthly_service_report(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    engagement_id: Uuid,
    month: &str,
) -> Result<Option<MonthlyReport>, DomainError> {
    let month = parse_month(month)
        .map_err(|e| DomainError::Rejected(vec![FieldError::new(&["month"], e.code, e.message)]))?;
    let Some(found) = super::find_visible(db, ctx, engagement_id).await? else {
        return Ok(None);
    };
    let template = super::template(db, found.engagement.template_id)
        .await?
        .ok_or_else(|| DomainError::internal("an engagement's template is missing"))?;
    if support_phase_start(&template.definition).is_none() {
        return Err(no_support_phase(&found, &template));
    }
    assemble(db, calendar, ctx.now(), found, &template, month)
        .await
        .map(Some)
}

/// One month's figures as staff record them.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub engagement_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    pub figures: Vec<FigureInput>,
    pub optimisation_notes: Option<String>,
    /// The report's version when changing one already recorded.
    pub expected_version: Option<i32>,
}

/// Record (or replace) the figures and optimisation notes of one month of
/// an engagement's support phase (the delivery roles, WorkEngagements).
/// Refused for an engagement closed or cancelled (ILLEGAL_TRANSITION: it is
/// read-only), one whose template has no support phase or that has not
/// reached it yet (INVALID_STATE on `engagementId`), a month to come or
/// before the engagement started (OUT_OF_RANGE on `month`), and bad figures
/// (at their paths). The first recording of a month creates its report;
/// a later one replaces its figures and notes and needs the report's
/// `expectedVersion` (stale or missing: CONFLICT).
pub async fn record_service_report(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &ReportInput,
) -> Result<Committed<MonthlyReport>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (found, template) = lock_editable(&w, input.engagement_id).await?;
    let e = &found.engagement;
    let Some(support) = support_phase_start(&template.definition) else {
        return Err(no_support_phase(&found, &template));
    };
    let reached = e.status != EngagementStatus::Planned && e.stage_index as usize >= support;
    if !reached {
        let stage = &template.definition.stages[support];
        return Err(DomainError::rejected(
            &["engagementId"],
            ErrorCode::InvalidState,
            format!(
                "{} has not reached its support phase ({} {}) yet",
                e.number, stage.key, stage.name
            ),
        ));
    }
    let now = w.now();
    // It started when its first stage did (the earliest stage it left).
    let first_exit = engagement_stage_exit::Entity::find()
        .filter(engagement_stage_exit::Column::EngagementId.eq(e.id))
        .order_by_asc(engagement_stage_exit::Column::StartedAt)
        .one(w.conn())
        .await?;
    let started_at = first_exit
        .map(|x| x.started_at)
        .into_iter()
        .chain(e.stage_started_at)
        .min()
        .unwrap_or(now);
    let mut fields = Fields::new();
    let month = fields
        .at(&["month"], parse_month(&input.month))
        .and_then(|m| {
            let allowed =
                month_allowed(m, calendar.local_date(now), calendar.local_date(started_at));
            fields.at(&["month"], allowed).map(|()| m)
        });
    let figures = parse_figures(&mut fields, &input.figures);
    let notes = fields.free_text(
        &["optimisationNotes"],
        "optimisation notes",
        input.optimisation_notes.as_deref(),
        MAX_NOTES_LEN,
    );
    let month = fields.finish(|| month)?;
    let json = serde_json::to_string(&figures).map_err(DomainError::internal)?;
    let existing = service_report::Entity::find()
        .filter(service_report::Column::EngagementId.eq(e.id))
        .filter(service_report::Column::Month.eq(month))
        .one(w.conn())
        .await?;
    let actor = w.ctx().actor.id.clone();
    match existing {
        None => {
            if input.expected_version.is_some() {
                return Err(DomainError::rejected(
                    &["expectedVersion"],
                    ErrorCode::Conflict,
                    "no report of this month to change: record it without expectedVersion",
                ));
            }
            let inserted = w
                .insert(service_report::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    engagement_id: Set(e.id),
                    month: Set(month),
                    figures: Set(json),
                    optimisation_notes: Set(notes),
                    recorded_by: Set(actor),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .await;
            let row = match inserted {
                Err(e) if e.is_unique_violation() => {
                    return Err(DomainError::conflict());
                }
                other => other?,
            };
            w.audit(
                SUBJECT_TYPE,
                e.id,
                "engagement.service_report_recorded",
                None,
                Some(&row),
            )
            .await?;
        }
        Some(before) => {
            let Some(expected) = input.expected_version else {
                return Err(DomainError::rejected(
                    &["expectedVersion"],
                    ErrorCode::Conflict,
                    format!(
                        "{} already has figures recorded: give the report's version to replace them",
                        month.format("%Y-%m")
                    ),
                ));
            };
            let after = w
                .change::<service_report::Entity>(before.id, expected, |m| {
                    m.figures = Set(json);
                    m.optimisation_notes = Set(notes);
                    m.recorded_by = Set(actor);
                })
                .await?;
            w.audit(
                SUBJECT_TYPE,
                e.id,
                "engagement.service_report_updated",
                Some(&before),
                Some(&after),
            )
            .await?;
        }
    }
    let now = w.now();
    let report = assemble(w.conn(), calendar, now, found, &template, month).await?;
    w.commit(report).await
}

// ---- KPIs across engagements -------------------------------------------

/// Stages left in a period, against their due times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StagesOnTime {
    pub finished: i64,
    pub on_time: i64,
}

impl StagesOnTime {
    /// Percent left by their due time, to one decimal place (half away
    /// from zero); `None` when none was left.
    pub fn percent(&self) -> Option<Decimal> {
        ratio(self.on_time * 100, self.finished, 1)
    }
}

/// The customer's acceptance rounds decided in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Revisions {
    /// Rounds the customer rejected (each sends work into a revision).
    pub rejected_rounds: i64,
    /// Deliverables with a round decided in the period.
    pub deliverables: i64,
}

impl Revisions {
    /// Revision rounds per deliverable, to two decimal places; `None`
    /// without deliverables.
    pub fn per_deliverable(&self) -> Option<Decimal> {
        ratio(self.rejected_rounds, self.deliverables, 2)
    }
}

/// `numerator ÷ denominator` to `dp` places (half away from zero); `None`
/// when the denominator is not positive.
fn ratio(numerator: i64, denominator: i64, dp: u32) -> Option<Decimal> {
    (denominator > 0).then(|| {
        (Decimal::from(numerator) / Decimal::from(denominator))
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    })
}

/// Scope changes requested in a period, by where they stand now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeChanges {
    pub requested: i64,
    pub approved: i64,
    pub rejected: i64,
    /// The cost impact of the approved ones (ex-GST; negative when scope
    /// was taken out).
    pub approved_cost: Money,
}

/// The KPIs across engagements of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kpis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub stages: StagesOnTime,
    pub revisions: Revisions,
    pub scope_changes: ScopeChanges,
    pub nps: super::nps::Summary,
}

/// The KPIs across engagements of the Sydney dates `from` to `to`
/// inclusive (staff; at most [`MAX_PERIOD_DAYS`]): stages left in the
/// period and how many by their due time; acceptance rounds decided in the
/// period, the rejected ones per deliverable; scope changes requested in
/// the period, the approved ones' cost; NPS answers given in the period.
pub async fn engagement_kpis(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Kpis, DomainError> {
    if ctx.actor.role == Role::Customer {
        return Err(DomainError::Forbidden);
    }
    let (start, end) = crate::kernel::input::period(
        calendar,
        from,
        to,
        MAX_PERIOD_DAYS,
        (
            ErrorCode::OutOfRange,
            &format!("a period is at most {MAX_PERIOD_DAYS} days"),
        ),
    )?;

    let exits = || {
        engagement_stage_exit::Entity::find()
            .filter(engagement_stage_exit::Column::LeftAt.gte(start))
            .filter(engagement_stage_exit::Column::LeftAt.lt(end))
    };
    let stages = StagesOnTime {
        finished: exits().count(db).await? as i64,
        on_time: exits()
            .filter(engagement_stage_exit::Column::OnTime.eq(true))
            .count(db)
            .await? as i64,
    };

    let decided = || {
        acceptance_round::Entity::find()
            .filter(
                acceptance_round::Column::Outcome
                    .is_in([AcceptanceOutcome::Accepted, AcceptanceOutcome::Rejected]),
            )
            .filter(acceptance_round::Column::DecidedAt.gte(start))
            .filter(acceptance_round::Column::DecidedAt.lt(end))
    };
    let rejected_rounds = decided()
        .filter(acceptance_round::Column::Outcome.eq(AcceptanceOutcome::Rejected))
        .count(db)
        .await? as i64;
    let deliverables: Option<i64> = decided()
        .select_only()
        .column_as(
            Expr::cust("CAST(COUNT(DISTINCT deliverable_id) AS BIGINT)"),
            "n",
        )
        .into_tuple()
        .one(db)
        .await?;
    let revisions = Revisions {
        rejected_rounds,
        deliverables: deliverables.unwrap_or(0),
    };

    let requested = || {
        scope_change::Entity::find()
            .filter(scope_change::Column::RequestedAt.gte(start))
            .filter(scope_change::Column::RequestedAt.lt(end))
    };
    let approved =
        || requested().filter(scope_change::Column::Status.eq(ScopeChangeStatus::Approved));
    let approved_cents: Option<i64> = approved()
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(cost_impact_cents), 0) AS BIGINT)"),
            "cents",
        )
        .into_tuple()
        .one(db)
        .await?;
    let scope_changes = ScopeChanges {
        requested: requested().count(db).await? as i64,
        approved: approved().count(db).await? as i64,
        rejected: requested()
            .filter(scope_change::Column::Status.eq(ScopeChangeStatus::Rejected))
            .count(db)
            .await? as i64,
        approved_cost: Money::from_cents(approved_cents.unwrap_or(0)),
    };

    let answers = || {
        nps_response::Entity::find()
            .filter(nps_response::Column::AnsweredAt.gte(start))
            .filter(nps_response::Column::AnsweredAt.lt(end))
    };
    let nps = super::nps::Summary {
        responses: answers().count(db).await? as i64,
        promoters: answers()
            .filter(nps_response::Column::Score.gte(9))
            .count(db)
            .await? as i64,
        passives: answers()
            .filter(nps_response::Column::Score.between(7, 8))
            .count(db)
            .await? as i64,
        detractors: answers()
            .filter(nps_response::Column::Score.lte(6))
            .count(db)
            .await? as i64,
    };
    Ok(Kpis {
        from,
        to,
        stages,
        revisions,
        scope_changes,
        nps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagements::template::{automation, service_delivery};
    use rust_decimal_macros::dec;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_support_phase_starts_at_the_first_stage_whose_phase_names_support() {
        let a = automation();
        let start = support_phase_start(&a).unwrap();
        assert_eq!(a.stages[start].key, "5.1");
        assert_eq!(
            a.stages[start].phase.as_deref(),
            Some("5 Go-live and support")
        );
        assert_eq!(support_phase_start(&service_delivery()), None);
        let mut shouting = service_delivery();
        shouting.stages[4].phase = Some("AFTERCARE AND SUPPORT".into());
        shouting.stages[5].phase = Some("Support".into());
        assert_eq!(support_phase_start(&shouting), Some(4));
    }

    #[test]
    fn a_month_is_written_year_dash_month() {
        assert_eq!(parse_month("2026-12"), Ok(day("2026-12-01")));
        assert_eq!(parse_month(" 2027-01 "), Ok(day("2027-01-01")));
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-12",
            "2026/12",
            "2026-12-01",
            "abcd-ef",
        ] {
            assert_eq!(
                parse_month(bad).map_err(|e| e.code),
                Err(ErrorCode::OutOfRange),
                "{bad}"
            );
        }
        assert_eq!(
            parse_month(" ").map_err(|e| e.code),
            Err(ErrorCode::Required)
        );
    }

    #[test]
    fn figures_are_recorded_from_the_month_it_started_to_this_month() {
        let today = day("2027-01-15");
        let started = day("2026-11-23");
        for ok in ["2026-11-01", "2026-12-01", "2027-01-01"] {
            assert_eq!(month_allowed(day(ok), today, started), Ok(()), "{ok}");
        }
        for refused in ["2027-02-01", "2026-10-01"] {
            assert_eq!(
                month_allowed(day(refused), today, started).map_err(|e| e.code),
                Err(ErrorCode::OutOfRange),
                "{refused}"
            );
        }
        assert_eq!(next_month(day("2026-12-01")), day("2027-01-01"));
        assert_eq!(month_of(day("2026-02-28")), day("2026-02-01"));
    }

    fn figure(kind: FigureKind, name: &str, value: &str, unit: Option<&str>) -> FigureInput {
        FigureInput {
            kind,
            name: name.into(),
            value: value.into(),
            unit: unit.map(Into::into),
        }
    }

    fn refusals(fields: Fields) -> Vec<(String, ErrorCode)> {
        match fields.finish(|| Some(())) {
            Ok(()) => vec![],
            Err(DomainError::Rejected(errors)) => errors
                .into_iter()
                .map(|e| (e.field.join("."), e.code))
                .collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn figures_are_checked_each_at_its_path() {
        use FigureKind::{Performance as P, Usage as U};
        let mut fields = Fields::new();
        let good = parse_figures(
            &mut fields,
            &[
                figure(P, " Uptime ", "99.950", Some(" % ")),
                figure(U, "Workflow runs", "12840", None),
                figure(U, "Uptime", "-3", Some("")),
            ],
        );
        assert!(refusals(fields).is_empty());
        assert_eq!(
            good,
            [
                Figure {
                    kind: P,
                    name: "Uptime".into(),
                    value: dec!(99.95),
                    unit: Some("%".into())
                },
                Figure {
                    kind: U,
                    name: "Workflow runs".into(),
                    value: dec!(12840),
                    unit: None
                },
                Figure {
                    kind: U,
                    name: "Uptime".into(),
                    value: dec!(-3),
                    unit: None
                },
            ]
        );
        let mut fields = Fields::new();
        parse_figures(
            &mut fields,
            &[
                figure(P, "Uptime", "99.9", None),
                figure(P, "", "lots", Some("line\nbreak")),
                figure(P, "UPTIME", "1", None),
                figure(U, "Runs", "1e5", None),
                figure(U, "Errors", "0.00001", None),
                figure(U, "Users", "1000000000001", None),
            ],
        );
        assert_eq!(
            refusals(fields),
            [
                ("figures.1.name".to_owned(), ErrorCode::Required),
                ("figures.1.value".to_owned(), ErrorCode::InvalidQuantity),
                ("figures.1.unit".to_owned(), ErrorCode::InvalidText),
                ("figures.2.name".to_owned(), ErrorCode::AlreadyExists),
                ("figures.3.value".to_owned(), ErrorCode::InvalidQuantity),
                ("figures.4.value".to_owned(), ErrorCode::OutOfRange),
                ("figures.5.value".to_owned(), ErrorCode::OutOfRange),
            ]
        );
        let mut fields = Fields::new();
        let many: Vec<FigureInput> = (0..=MAX_FIGURES)
            .map(|i| figure(U, &format!("f{i}"), "1", None))
            .collect();
        parse_figures(&mut fields, &many);
        assert_eq!(
            refusals(fields),
            [("figures".to_owned(), ErrorCode::LimitExceeded)]
        );
    }

    #[test]
    fn figures_keep_their_exact_values_when_stored() {
        let figures = vec![Figure {
            kind: FigureKind::Performance,
            name: "Response time".into(),
            value: dec!(0.1234),
            unit: Some("s".into()),
        }];
        let json = serde_json::to_string(&figures).unwrap();
        assert!(json.contains(r#""kind":"PERFORMANCE""#), "{json}");
        assert!(json.contains(r#""value":"0.1234""#), "{json}");
        let back: Vec<Figure> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, figures);
        assert_eq!(of_kind(&figures, FigureKind::Usage), []);
    }

    #[test]
    fn kpi_ratios_round_half_away_from_zero_and_are_absent_without_a_base() {
        let stages = StagesOnTime {
            finished: 3,
            on_time: 2,
        };
        assert_eq!(stages.percent(), Some(dec!(66.7)));
        assert_eq!(StagesOnTime::default().percent(), None);
        let revisions = Revisions {
            rejected_rounds: 1,
            deliverables: 8,
        };
        assert_eq!(revisions.per_deliverable(), Some(dec!(0.13)));
        assert_eq!(
            Revisions {
                rejected_rounds: 3,
                deliverables: 2
            }
            .per_deliverable(),
            Some(dec!(1.50))
        );
        assert_eq!(Revisions::default().per_deliverable(), None);
    }
}
