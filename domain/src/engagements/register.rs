//! The risk register, issue log and milestones of an engagement: staff
//! record risks (likelihood × impact, an owner, a mitigation) and issues (a
//! severity, an owner, a resolution) while work runs (WORK_ENGAGEMENTS), and
//! the project manager sets dated milestones (MANAGE_ENGAGEMENTS), which
//! approved scope changes and recorded delays move. Each step is filed under
//! the engagement (its timeline shows it, its followers hear of it), bumps
//! its version, and is refused once it is closed or cancelled (read-only).

use super::{Engagement, SUBJECT_TYPE as ENGAGEMENT, lock_editable};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Patch, Permission, Write};
use crate::rules::calendar::BusinessCalendar;
use crate::rules::error::ValueError;
use chrono::NaiveDate;
use entity::{
    IssueSeverity, IssueStatus, RiskStatus, app_user, engagement, engagement_issue,
    engagement_milestone, engagement_risk,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

crate::children! {
    engagement_risk: EngagementId / engagement_id by Id;
    engagement_issue: EngagementId / engagement_id by Id;
    engagement_milestone: EngagementId / engagement_id by DueOn, Id;
}

crate::stamped!(engagement_risk, engagement_issue);

/// What the register knows of one kind of entry: who adds and changes it,
/// how many one engagement holds, and how its id field and name read when
/// it is missing.
trait Entry: crate::kernel::db::ChildRows<Model: Sync> {
    const PERMISSION: Permission;
    const MAX: u64;
    const ID_FIELD: &'static str;
    const NAME: &'static str;
    /// The refusal of one more than [`Entry::MAX`].
    fn limit() -> String;
    fn version(row: &Self::Model) -> i32;
}

/// Declare [`Entry`] for tables:
/// `entries! { engagement_risk: WorkEngagements, MAX_RISKS, "riskId" / "risk", "at most {} risks"; }`.
macro_rules! entries {
    ($($table:ident: $permission:ident, $max:ident, $field:literal / $name:literal, $limit:literal;)*) => {$(
        impl Entry for $table::Entity {
            const PERMISSION: Permission = Permission::$permission;
            const MAX: u64 = $max;
            const ID_FIELD: &'static str = $field;
            const NAME: &'static str = $name;
            fn limit() -> String {
                format!($limit, $max)
            }
            fn version(row: &$table::Model) -> i32 {
                row.version
            }
        }
    )*};
}

entries! {
    engagement_risk: WorkEngagements, MAX_RISKS, "riskId" / "risk",
        "an engagement's register holds at most {} risks";
    engagement_issue: WorkEngagements, MAX_ISSUES, "issueId" / "issue",
        "an engagement's issue log holds at most {} issues";
    engagement_milestone: ManageEngagements, MAX_MILESTONES, "milestoneId" / "milestone",
        "an engagement's plan has at most {} milestones";
}

/// Most risks one engagement's register holds.
pub const MAX_RISKS: u64 = 200;
/// Most issues one engagement's log holds.
pub const MAX_ISSUES: u64 = 200;
/// Most milestones one engagement's plan has.
pub const MAX_MILESTONES: u64 = 100;

// ---- Pure rules --------------------------------------------------------

/// A likelihood or impact rating: 1 (rare, negligible) to 5 (almost
/// certain, severe).
pub fn rating(value: i32) -> Result<i32, ValueError> {
    if (1..=5).contains(&value) {
        Ok(value)
    } else {
        Err(ValueError::new(
            ErrorCode::OutOfRange,
            "a rating is 1 (lowest) to 5 (highest)",
        ))
    }
}

/// A risk's score: likelihood × impact, 1 to 25 (both rated 1 to 5).
pub fn score(likelihood: i32, impact: i32) -> i32 {
    likelihood * impact
}

/// What happens to a risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskEvent {
    /// Its mitigation gets under way (it needs one written down).
    Mitigate { has_mitigation: bool },
    /// It is no longer a risk.
    Close,
    /// A closed risk is back.
    Reopen,
}

/// Why a risk may not take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskRefusal {
    /// Mitigating needs the mitigation written down.
    NeedsMitigation,
    /// The step does not apply to a risk at `from`.
    Illegal { from: RiskStatus },
}

pub fn risk_apply(from: RiskStatus, event: RiskEvent) -> Result<RiskStatus, RiskRefusal> {
    use RiskStatus as S;
    match (from, event) {
        (S::Open, RiskEvent::Mitigate { has_mitigation }) => {
            if has_mitigation {
                Ok(S::Mitigating)
            } else {
                Err(RiskRefusal::NeedsMitigation)
            }
        }
        (S::Open | S::Mitigating, RiskEvent::Close) => Ok(S::Closed),
        (S::Closed, RiskEvent::Reopen) => Ok(S::Open),
        _ => Err(RiskRefusal::Illegal { from }),
    }
}

/// The step that takes a risk at `from` to `to`; `None` when it stays.
pub fn risk_event(from: RiskStatus, to: RiskStatus, has_mitigation: bool) -> Option<RiskEvent> {
    if from == to {
        return None;
    }
    Some(match to {
        RiskStatus::Mitigating => RiskEvent::Mitigate { has_mitigation },
        RiskStatus::Closed => RiskEvent::Close,
        RiskStatus::Open => RiskEvent::Reopen,
    })
}

/// What happens to an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueEvent {
    /// Resolved (it needs its resolution written down).
    Resolve { has_resolution: bool },
    /// A resolved issue is back.
    Reopen,
}

/// Why an issue may not take a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueRefusal {
    NeedsResolution,
    Illegal { from: IssueStatus },
}

pub fn issue_apply(from: IssueStatus, event: IssueEvent) -> Result<IssueStatus, IssueRefusal> {
    match (from, event) {
        (IssueStatus::Open, IssueEvent::Resolve { has_resolution }) => {
            if has_resolution {
                Ok(IssueStatus::Resolved)
            } else {
                Err(IssueRefusal::NeedsResolution)
            }
        }
        (IssueStatus::Resolved, IssueEvent::Reopen) => Ok(IssueStatus::Open),
        _ => Err(IssueRefusal::Illegal { from }),
    }
}

// ---- Reading -----------------------------------------------------------

/// Whether the register holds a risk still open (OPEN or MITIGATING) with
/// its mitigation written down: what a "yes, risks need mitigation" answer
/// needs.
pub async fn has_mitigated_risk<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<bool, DbErr> {
    let found = engagement_risk::Entity::find()
        .filter(engagement_risk::Column::EngagementId.eq(engagement_id))
        .filter(engagement_risk::Column::Status.ne(RiskStatus::Closed))
        .filter(engagement_risk::Column::Mitigation.is_not_null())
        .count(conn)
        .await?;
    Ok(found > 0)
}

/// The risks of many engagements (by engagement id), oldest first: one query.
pub async fn risks_of<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<engagement_risk::Model>>, DbErr> {
    children_of::<engagement_risk::Entity, _>(conn, engagement_ids).await
}

/// The issues of many engagements (by engagement id), oldest first: one query.
pub async fn issues_of<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<engagement_issue::Model>>, DbErr> {
    children_of::<engagement_issue::Entity, _>(conn, engagement_ids).await
}

/// The milestones of many engagements (by engagement id), by due date: one
/// query.
pub async fn milestones_of<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<engagement_milestone::Model>>, DbErr> {
    children_of::<engagement_milestone::Entity, _>(conn, engagement_ids).await
}

// ---- Writing -----------------------------------------------------------

/// A step's result: the engagement after it, and the record it added or
/// changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded<T> {
    pub engagement: Engagement,
    pub record: T,
}

/// Audit `action` on the register entry (`before` → `after`) under the
/// engagement, then [`finish_with`]: how every register step ends.
async fn finish_audited<T: Serialize>(
    mut w: Write<'_>,
    e: &engagement::Model,
    action: &str,
    before: Option<&T>,
    after: T,
) -> Result<Committed<Recorded<T>>, DomainError> {
    w.audit(ENGAGEMENT, e.id, action, before, Some(&after))
        .await?;
    finish_with(w, e, after).await
}

/// An open write on an editable engagement, locked, with room for one
/// more `E` (past [`Entry::MAX`], refused): how adding a register entry
/// starts. The fields are for the rest of the input.
async fn begin_adding<'a, E: Entry>(
    db: &DatabaseConnection,
    ctx: &'a Ctx,
    engagement_id: Uuid,
) -> Result<(Write<'a>, engagement::Model, Fields), DomainError> {
    let w = Write::begin(db, ctx, E::PERMISSION).await?;
    let (found, _) = lock_editable(&w, engagement_id).await?;
    let e = found.engagement;
    let mut fields = Fields::new();
    super::ensure_room::<E>(&w, &mut fields, e.id, E::MAX, E::limit()).await?;
    Ok((w, e, fields))
}

/// An open write on register entry `id`, locked for a change at `expected`
/// (stale: CONFLICT), with its engagement, which must still be editable:
/// how changing a register entry starts.
async fn begin_change<'a, E: Entry>(
    db: &DatabaseConnection,
    ctx: &'a Ctx,
    id: Uuid,
    expected: i32,
) -> Result<(Write<'a>, engagement::Model, E::Model), DomainError>
where
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let w = Write::begin(db, ctx, E::PERMISSION).await?;
    let missing = || DomainError::not_found(E::ID_FIELD, E::NAME);
    let row = E::find_by_id(id).one(w.conn()).await?.ok_or_else(missing)?;
    let (found, _) = lock_editable(&w, E::parent_of(&row)).await?;
    let before = find_for_update::<E, _>(w.conn(), id)
        .await?
        .ok_or_else(missing)?;
    if E::version(&before) != expected {
        return Err(DomainError::conflict());
    }
    Ok((w, found.engagement, before))
}

/// Bump the (locked) engagement's version, so its followers hear of the
/// change, and commit with the engagement as it is now and `record`.
pub(super) async fn finish_with<T: Serialize>(
    mut w: Write<'_>,
    e: &engagement::Model,
    record: T,
) -> Result<Committed<Recorded<T>>, DomainError> {
    w.change::<engagement::Entity>(e.id, e.version, |_| {})
        .await?;
    let engagement = super::load(w.conn(), e.id)
        .await?
        .ok_or_else(|| DomainError::internal("the engagement vanished"))?;
    w.commit(Recorded { engagement, record }).await
}

/// Refuse `field` unless `user_id` is an enabled staff login.
async fn check_owner<C: ConnectionTrait>(
    conn: &C,
    fields: &mut Fields,
    field: &str,
    user_id: Uuid,
) -> Result<(), DbErr> {
    let ok = app_user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .is_some_and(|u| u.role.is_staff() && !u.disabled);
    fields.ensure(
        ok,
        field,
        ErrorCode::NotFound,
        "no enabled staff login has this id",
    );
    Ok(())
}

/// Optional free text: absent or blank is none.
fn optional_text(
    fields: &mut Fields,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    raw.filter(|t| !t.trim().is_empty())
        .and_then(|t| fields.text(field, t, max))
}

/// A change to optional free text: blank clears it like null.
fn patch_text(fields: &mut Fields, field: &str, raw: &Patch<String>, max: usize) -> Patch<String> {
    match raw {
        Patch::Keep => Patch::Keep,
        Patch::Clear => Patch::Clear,
        Patch::Set(t) if t.trim().is_empty() => Patch::Clear,
        Patch::Set(t) => fields.text(field, t, max).map_or(Patch::Keep, Patch::Set),
    }
}

/// A new risk as staff record it.
#[derive(Debug, Clone)]
pub struct NewRisk {
    pub engagement_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub likelihood: i32,
    pub impact: i32,
    pub owner_user_id: Uuid,
    pub mitigation: Option<String>,
}

/// Add a risk to the register (delivery staff, PM, ADMIN): OPEN.
pub async fn add_risk(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewRisk,
) -> Result<Committed<Recorded<engagement_risk::Model>>, DomainError> {
    let (mut w, e, mut fields) =
        begin_adding::<engagement_risk::Entity>(db, ctx, input.engagement_id).await?;
    let title = fields.text("title", &input.title, 200);
    let description = optional_text(
        &mut fields,
        "description",
        input.description.as_deref(),
        4000,
    );
    let likelihood = fields.at(&["likelihood"], rating(input.likelihood));
    let impact = fields.at(&["impact"], rating(input.impact));
    let mitigation = optional_text(&mut fields, "mitigation", input.mitigation.as_deref(), 4000);
    check_owner(w.conn(), &mut fields, "ownerUserId", input.owner_user_id).await?;
    let (title, likelihood, impact) = fields.finish(|| Some((title?, likelihood?, impact?)))?;
    let now = w.now();
    let row = w
        .insert(engagement_risk::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(e.id),
            title: Set(title),
            description: Set(description),
            likelihood: Set(likelihood),
            impact: Set(impact),
            owner_user_id: Set(input.owner_user_id),
            mitigation: Set(mitigation),
            status: Set(RiskStatus::Open),
            created_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    finish_audited(w, &e, "engagement.risk_added", None, row).await
}

/// A change to a risk; what is not given stays.
#[derive(Debug, Clone)]
pub struct RiskChange {
    pub risk_id: Uuid,
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Patch<String>,
    pub likelihood: Option<i32>,
    pub impact: Option<i32>,
    pub owner_user_id: Option<Uuid>,
    pub mitigation: Patch<String>,
    pub status: Option<RiskStatus>,
}

/// Change a risk (delivery staff, PM, ADMIN) at `expected_version` (stale:
/// CONFLICT): its text, ratings, owner, mitigation, and its status as
/// [`risk_apply`] allows (MITIGATING needs a mitigation).
pub async fn update_risk(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &RiskChange,
) -> Result<Committed<Recorded<engagement_risk::Model>>, DomainError> {
    let (mut w, e, before) =
        begin_change::<engagement_risk::Entity>(db, ctx, input.risk_id, input.expected_version)
            .await?;
    let mut fields = Fields::new();
    let title = input.title.as_deref().map(|t| fields.text("title", t, 200));
    let description = patch_text(&mut fields, "description", &input.description, 4000);
    let likelihood = input
        .likelihood
        .map(|v| fields.at(&["likelihood"], rating(v)));
    let impact = input.impact.map(|v| fields.at(&["impact"], rating(v)));
    if let Some(owner) = input.owner_user_id {
        check_owner(w.conn(), &mut fields, "ownerUserId", owner).await?;
    }
    let mitigation = patch_text(&mut fields, "mitigation", &input.mitigation, 4000);
    let mitigation_after = mitigation.clone().apply(before.mitigation.clone());
    let status = match input
        .status
        .and_then(|to| risk_event(before.status, to, mitigation_after.is_some()))
    {
        None => before.status,
        Some(event) => match risk_apply(before.status, event) {
            Ok(to) => to,
            Err(RiskRefusal::NeedsMitigation) => {
                fields.refuse(
                    "mitigation",
                    ErrorCode::Required,
                    "a risk being mitigated needs its mitigation written down",
                );
                before.status
            }
            Err(RiskRefusal::Illegal { from }) => {
                fields.refuse(
                    "status",
                    ErrorCode::IllegalTransition,
                    format!(
                        "a {from} risk cannot become {}",
                        input.status.unwrap_or(from)
                    ),
                );
                before.status
            }
        },
    };
    // A risk still being mitigated keeps its mitigation.
    fields.ensure(
        status != RiskStatus::Mitigating || mitigation_after.is_some(),
        "mitigation",
        ErrorCode::Required,
        "a risk being mitigated needs its mitigation written down",
    );
    fields.finish(|| Some(()))?;
    let after = w
        .change::<engagement_risk::Entity>(before.id, before.version, |m| {
            if let Some(Some(t)) = title {
                m.title = Set(t);
            }
            if description != Patch::Keep {
                m.description = Set(description.apply(None));
            }
            if let Some(Some(v)) = likelihood {
                m.likelihood = Set(v);
            }
            if let Some(Some(v)) = impact {
                m.impact = Set(v);
            }
            if let Some(owner) = input.owner_user_id {
                m.owner_user_id = Set(owner);
            }
            if mitigation != Patch::Keep {
                m.mitigation = Set(mitigation_after.clone());
            }
            m.status = Set(status);
        })
        .await?;
    finish_audited(w, &e, "engagement.risk_updated", Some(&before), after).await
}

/// A new issue as staff log it.
#[derive(Debug, Clone)]
pub struct NewIssue {
    pub engagement_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub severity: IssueSeverity,
    pub owner_user_id: Uuid,
}

/// Log an issue (delivery staff, PM, ADMIN): OPEN.
pub async fn add_issue(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewIssue,
) -> Result<Committed<Recorded<engagement_issue::Model>>, DomainError> {
    let (mut w, e, mut fields) =
        begin_adding::<engagement_issue::Entity>(db, ctx, input.engagement_id).await?;
    let title = fields.text("title", &input.title, 200);
    let description = optional_text(
        &mut fields,
        "description",
        input.description.as_deref(),
        4000,
    );
    check_owner(w.conn(), &mut fields, "ownerUserId", input.owner_user_id).await?;
    let title = fields.finish(|| title)?;
    let now = w.now();
    let row = w
        .insert(engagement_issue::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(e.id),
            title: Set(title),
            description: Set(description),
            severity: Set(input.severity),
            owner_user_id: Set(input.owner_user_id),
            status: Set(IssueStatus::Open),
            resolution: Set(None),
            resolved_at: Set(None),
            created_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    finish_audited(w, &e, "engagement.issue_added", None, row).await
}

/// A change to an issue; what is not given stays.
#[derive(Debug, Clone)]
pub struct IssueChange {
    pub issue_id: Uuid,
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Patch<String>,
    pub severity: Option<IssueSeverity>,
    pub owner_user_id: Option<Uuid>,
    pub status: Option<IssueStatus>,
    /// Required to resolve it.
    pub resolution: Option<String>,
}

/// Change an issue (delivery staff, PM, ADMIN) at `expected_version`
/// (stale: CONFLICT), resolving it (with its resolution) or reopening it as
/// [`issue_apply`] allows.
pub async fn update_issue(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &IssueChange,
) -> Result<Committed<Recorded<engagement_issue::Model>>, DomainError> {
    let (mut w, e, before) =
        begin_change::<engagement_issue::Entity>(db, ctx, input.issue_id, input.expected_version)
            .await?;
    let mut fields = Fields::new();
    let title = input.title.as_deref().map(|t| fields.text("title", t, 200));
    let description = patch_text(&mut fields, "description", &input.description, 4000);
    if let Some(owner) = input.owner_user_id {
        check_owner(w.conn(), &mut fields, "ownerUserId", owner).await?;
    }
    let resolution = optional_text(&mut fields, "resolution", input.resolution.as_deref(), 4000);
    let event = match input.status {
        Some(to) if to != before.status => Some(match to {
            IssueStatus::Resolved => IssueEvent::Resolve {
                has_resolution: resolution.is_some(),
            },
            IssueStatus::Open => IssueEvent::Reopen,
        }),
        _ => None,
    };
    let status = match event.map(|ev| issue_apply(before.status, ev)) {
        None => before.status,
        Some(Ok(to)) => to,
        Some(Err(IssueRefusal::NeedsResolution)) => {
            fields.refuse(
                "resolution",
                ErrorCode::Required,
                "resolving an issue needs its resolution",
            );
            before.status
        }
        Some(Err(IssueRefusal::Illegal { from })) => {
            fields.refuse(
                "status",
                ErrorCode::IllegalTransition,
                format!("the issue is {from} already"),
            );
            before.status
        }
    };
    fields.finish(|| Some(()))?;
    let now = w.now();
    let resolved = event.is_some() && status == IssueStatus::Resolved;
    let reopened = event.is_some() && status == IssueStatus::Open;
    let after = w
        .change::<engagement_issue::Entity>(before.id, before.version, |m| {
            if let Some(Some(t)) = title {
                m.title = Set(t);
            }
            if description != Patch::Keep {
                m.description = Set(description.apply(None));
            }
            if let Some(s) = input.severity {
                m.severity = Set(s);
            }
            if let Some(owner) = input.owner_user_id {
                m.owner_user_id = Set(owner);
            }
            m.status = Set(status);
            if resolved {
                m.resolution = Set(resolution.clone());
                m.resolved_at = Set(Some(now));
            } else if reopened {
                m.resolved_at = Set(None);
            } else if status == IssueStatus::Resolved && resolution.is_some() {
                // A resolved issue's resolution may be reworded.
                m.resolution = Set(resolution.clone());
            }
        })
        .await?;
    let action = if resolved {
        "engagement.issue_resolved"
    } else if reopened {
        "engagement.issue_reopened"
    } else {
        "engagement.issue_updated"
    };
    finish_audited(w, &e, action, Some(&before), after).await
}

/// A new milestone as the PM sets it.
#[derive(Debug, Clone)]
pub struct NewMilestone {
    pub engagement_id: Uuid,
    pub name: String,
    pub due_on: NaiveDate,
}

/// Add a dated milestone to the plan (PM, ADMIN), due today or later; the
/// date agreed now is kept as its original due date.
pub async fn add_milestone(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewMilestone,
) -> Result<Committed<Recorded<engagement_milestone::Model>>, DomainError> {
    let (mut w, e, mut fields) =
        begin_adding::<engagement_milestone::Entity>(db, ctx, input.engagement_id).await?;
    let name = fields.text("name", &input.name, 200);
    fields.ensure(
        input.due_on >= calendar.local_date(w.now()),
        "dueOn",
        ErrorCode::OutOfRange,
        "a milestone is due today or later",
    );
    let name = fields.finish(|| name)?;
    let now = w.now();
    let row = w
        .insert(engagement_milestone::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(e.id),
            name: Set(name),
            due_on: Set(input.due_on),
            original_due_on: Set(input.due_on),
            completed_at: Set(None),
            completed_by: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    finish_audited(w, &e, "engagement.milestone_added", None, row).await
}

/// Complete a milestone (PM, ADMIN) at `expected_version` (stale: CONFLICT),
/// once.
pub async fn complete_milestone(
    db: &DatabaseConnection,
    ctx: &Ctx,
    milestone_id: Uuid,
    expected_version: i32,
) -> Result<Committed<Recorded<engagement_milestone::Model>>, DomainError> {
    let (mut w, e, before) =
        begin_change::<engagement_milestone::Entity>(db, ctx, milestone_id, expected_version)
            .await?;
    if before.completed_at.is_some() {
        return Err(DomainError::rejected(
            &["milestoneId"],
            ErrorCode::IllegalTransition,
            format!("{} is completed already", before.name),
        ));
    }
    let now = w.now();
    let by = w.ctx().actor.id.clone();
    let after = w
        .change::<engagement_milestone::Entity>(before.id, before.version, |m| {
            m.completed_at = Set(Some(now));
            m.completed_by = Set(Some(by));
        })
        .await?;
    let action = "engagement.milestone_completed";
    finish_audited(w, &e, action, Some(&before), after).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_is_likelihood_times_impact_from_1_to_25() {
        assert_eq!(score(1, 1), 1);
        assert_eq!(score(3, 4), 12);
        assert_eq!(score(5, 5), 25);
        for l in 1..=5 {
            for i in 1..=5 {
                assert!((1..=25).contains(&score(l, i)));
            }
        }
        assert_eq!(rating(5), Ok(5));
        for bad in [0, 6, -1] {
            assert_eq!(rating(bad).unwrap_err().code, ErrorCode::OutOfRange);
        }
    }

    #[test]
    fn a_risk_is_mitigated_only_with_a_mitigation_closed_and_reopened() {
        use RiskStatus as S;
        let mitigate = |has_mitigation| RiskEvent::Mitigate { has_mitigation };
        assert_eq!(risk_apply(S::Open, mitigate(true)), Ok(S::Mitigating));
        assert_eq!(
            risk_apply(S::Open, mitigate(false)),
            Err(RiskRefusal::NeedsMitigation)
        );
        assert_eq!(risk_apply(S::Open, RiskEvent::Close), Ok(S::Closed));
        assert_eq!(risk_apply(S::Mitigating, RiskEvent::Close), Ok(S::Closed));
        assert_eq!(risk_apply(S::Closed, RiskEvent::Reopen), Ok(S::Open));
        for (from, event) in [
            (S::Closed, mitigate(true)),
            (S::Closed, RiskEvent::Close),
            (S::Mitigating, mitigate(true)),
            (S::Open, RiskEvent::Reopen),
            (S::Mitigating, RiskEvent::Reopen),
        ] {
            assert_eq!(
                risk_apply(from, event),
                Err(RiskRefusal::Illegal { from }),
                "{from:?} {event:?}"
            );
        }
        // The step a wanted status means.
        assert_eq!(risk_event(S::Open, S::Open, false), None);
        assert_eq!(
            risk_event(S::Open, S::Mitigating, true),
            Some(mitigate(true))
        );
        assert_eq!(
            risk_event(S::Closed, S::Open, false),
            Some(RiskEvent::Reopen)
        );
        assert_eq!(
            risk_event(S::Mitigating, S::Closed, true),
            Some(RiskEvent::Close)
        );
    }

    #[test]
    fn an_issue_is_resolved_only_with_its_resolution_and_may_be_reopened() {
        use IssueStatus as S;
        let resolve = |has_resolution| IssueEvent::Resolve { has_resolution };
        assert_eq!(issue_apply(S::Open, resolve(true)), Ok(S::Resolved));
        assert_eq!(
            issue_apply(S::Open, resolve(false)),
            Err(IssueRefusal::NeedsResolution)
        );
        assert_eq!(issue_apply(S::Resolved, IssueEvent::Reopen), Ok(S::Open));
        assert_eq!(
            issue_apply(S::Resolved, resolve(true)),
            Err(IssueRefusal::Illegal { from: S::Resolved })
        );
        assert_eq!(
            issue_apply(S::Open, IssueEvent::Reopen),
            Err(IssueRefusal::Illegal { from: S::Open })
        );
    }
}
