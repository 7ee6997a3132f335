//! Approval policies: one per kind, data that ADMIN changes (versioned,
//! audited). A request copies the terms it needs when it is made, so a
//! later change never alters a request in flight.

use super::policy::Bands;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Patch, Permission,
    Versioned, Write, fetch_page,
};
use crate::rules::money::Money;
use entity::{ApprovalKind, OnDue, Role, approval_policy};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

pub const SUBJECT_TYPE: &str = "approval_policy";
/// Longest follow-up or decision deadline a policy may set (a year of business hours).
const MAX_BUSINESS_HOURS: i32 = 2_000;

impl Versioned for approval_policy::Entity {
    fn version_column() -> approval_policy::Column {
        approval_policy::Column::Version
    }
}

/// The terms a request keeps (JSON in `approval_request.policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub version: i32,
    pub bands: Bands,
    pub follow_up_business_hours: i32,
    pub due_business_hours: i32,
    pub on_due: OnDue,
    pub escalate_to_role: Option<Role>,
    pub offline_role: Option<Role>,
}

impl From<&approval_policy::Model> for Terms {
    fn from(p: &approval_policy::Model) -> Self {
        Terms {
            version: p.version,
            bands: Bands {
                decider_role: p.decider_role,
                auto_approve_below_cents: p.auto_approve_below_cents,
                single_approver_up_to_cents: p.single_approver_up_to_cents,
                second_approver_role: p.second_approver_role,
            },
            follow_up_business_hours: p.follow_up_business_hours,
            due_business_hours: p.due_business_hours,
            on_due: p.on_due,
            escalate_to_role: p.escalate_to_role,
            offline_role: p.offline_role,
        }
    }
}

pub async fn for_kind<C: ConnectionTrait>(
    conn: &C,
    kind: ApprovalKind,
) -> Result<approval_policy::Model, DomainError> {
    approval_policy::Entity::find()
        .filter(approval_policy::Column::Kind.eq(kind))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::internal(format!("no approval policy for {kind}")))
}

/// Every policy (staff), in seeding order.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<approval_policy::Model>, DomainError> {
    Permission::ReadSettings.require(ctx)?;
    let query = approval_policy::Entity::find();
    Ok(fetch_page(db, query, approval_policy::Column::Id, page, |p| p.id).await?)
}

/// Changes to one policy; `Keep` leaves a term as it is.
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub kind: Option<ApprovalKind>,
    pub expected_version: i32,
    pub decider_role: Option<Role>,
    pub auto_approve_below: Patch<String>,
    pub single_approver_up_to: Patch<String>,
    pub second_approver_role: Patch<Role>,
    pub follow_up_business_hours: Option<i32>,
    pub due_business_hours: Option<i32>,
    pub on_due: Option<OnDue>,
    pub escalate_to_role: Patch<Role>,
    pub offline_role: Patch<Role>,
}

fn cents(
    fields: &mut Fields,
    field: &str,
    patch: &Patch<String>,
    current: Option<i64>,
) -> Option<i64> {
    let parsed = fields.patch(field, patch, Money::parse);
    let value = parsed
        .apply(current.map(Money::from_cents))
        .map(Money::cents);
    if value.is_some_and(|c| c < 0) {
        fields.refuse(
            field,
            ErrorCode::OutOfRange,
            format!("{field} must not be negative"),
        );
    }
    value
}

fn hours(fields: &mut Fields, field: &str, value: Option<i32>, current: i32) -> i32 {
    let hours = value.unwrap_or(current);
    fields.ensure(
        (1..=MAX_BUSINESS_HOURS).contains(&hours),
        field,
        ErrorCode::OutOfRange,
        format!("{field} must be between 1 and {MAX_BUSINESS_HOURS} business hours"),
    );
    hours
}

/// Change a policy (ADMIN) if `expected_version` is current. Requests made
/// before keep their terms.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Ctx,
    kind: ApprovalKind,
    change: &PolicyChange,
) -> Result<Committed<approval_policy::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSettings).await?;
    let before = for_kind(w.conn(), kind).await?;
    let mut fields = Fields::new();
    let auto = cents(
        &mut fields,
        "autoApproveBelow",
        &change.auto_approve_below,
        before.auto_approve_below_cents,
    );
    let single = cents(
        &mut fields,
        "singleApproverUpTo",
        &change.single_approver_up_to,
        before.single_approver_up_to_cents,
    );
    if let (Some(auto), Some(single)) = (auto, single) {
        fields.ensure(
            auto <= single,
            "autoApproveBelow",
            ErrorCode::OutOfRange,
            "autoApproveBelow must not be above singleApproverUpTo",
        );
    }
    let follow_up = hours(
        &mut fields,
        "followUpBusinessHours",
        change.follow_up_business_hours,
        before.follow_up_business_hours,
    );
    let due = hours(
        &mut fields,
        "dueBusinessHours",
        change.due_business_hours,
        before.due_business_hours,
    );
    let in_range = |h: i32| (1..=MAX_BUSINESS_HOURS).contains(&h);
    fields.ensure(
        !(in_range(follow_up) && in_range(due)) || follow_up <= due,
        "followUpBusinessHours",
        ErrorCode::OutOfRange,
        "the follow-up must come no later than the due time",
    );
    let on_due = change.on_due.unwrap_or(before.on_due);
    let escalate_to = change
        .escalate_to_role
        .clone()
        .apply(before.escalate_to_role);
    fields.ensure(
        on_due != OnDue::Escalate || escalate_to.is_some(),
        "escalateToRole",
        ErrorCode::Required,
        "a policy that escalates needs escalateToRole",
    );
    let offline = change.offline_role.clone().apply(before.offline_role);
    fields.ensure(
        offline != Some(Role::Customer),
        "offlineRole",
        ErrorCode::OutOfRange,
        "offline decisions are recorded by staff",
    );
    fields.finish(|| Some(()))?;
    let changed = approval_policy::ActiveModel {
        id: Set(before.id),
        decider_role: Set(change.decider_role.unwrap_or(before.decider_role)),
        auto_approve_below_cents: Set(auto),
        single_approver_up_to_cents: Set(single),
        second_approver_role: Set(change
            .second_approver_role
            .clone()
            .apply(before.second_approver_role)),
        follow_up_business_hours: Set(follow_up),
        due_business_hours: Set(due),
        on_due: Set(on_due),
        escalate_to_role: Set(escalate_to),
        offline_role: Set(offline),
        updated_at: Set(w.now()),
        ..Default::default()
    };
    let after = w
        .update_versioned::<approval_policy::Entity>(changed, change.expected_version)
        .await?;
    w.commit_audited(
        SUBJECT_TYPE,
        after.id,
        "approval_policy.updated",
        Some(&before),
        after,
    )
    .await
}
