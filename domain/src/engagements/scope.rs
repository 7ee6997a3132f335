//! Scope changes (the seed's "Can the scope change?"): a request with its
//! impact on cost (ex-GST, negative when scope is taken out), schedule
//! (business days) and risk, decided through a SCOPE_CHANGE approval (so
//! the policy's amount bands apply to the size of the change). An approved
//! change moves the plan's end and its open milestones and is billed by the
//! final invoice; a rejected one is kept with the decider's reason; one
//! whose approval expires or is cancelled is WITHDRAWN. The customer is
//! emailed the outcome. Every step is filed under the engagement, so its
//! timeline shows it.

use super::{Engagement, SUBJECT_TYPE as ENGAGEMENT, lock, lock_editable, plan, state};
use crate::approvals::{self, NewApproval};
use crate::kernel::db::children_of;
use crate::kernel::db::find_for_update;
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Permission, Write};
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::error::ValueError;
use crate::rules::money::Money;
use entity::{
    ApprovalKind, ApprovalStatus, ScopeChangeStatus as S, approval_decision, approval_request,
    engagement, scope_change,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

crate::children! {
    scope_change: EngagementId / engagement_id by Seq;
}

/// The approval subject type of a scope change.
pub const SUBJECT_TYPE: &str = "scope_change";

/// Most scope changes one engagement has (every request is kept).
pub const MAX_SCOPE_CHANGES: u64 = 100;
/// Largest cost impact either way: $10 million.
pub const MAX_COST_CENTS: i64 = 1_000_000_000;
/// Most business days one change may move the plan's end (about a year).
pub const MAX_SCHEDULE_DAYS: i32 = 250;
const MAX_DESCRIPTION: usize = 500;
const MAX_RISK_IMPACT: usize = 2000;

// ---- Pure rules --------------------------------------------------------

/// How a scope change's approval ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Approved,
    Rejected,
    /// Expired or cancelled before a decision.
    Lapsed,
}

/// A step the scope change's status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: S,
}

/// A scope change is decided once: only a PENDING one moves.
pub fn apply(from: S, event: Event) -> Result<S, Illegal> {
    match (from, event) {
        (S::Pending, Event::Approved) => Ok(S::Approved),
        (S::Pending, Event::Rejected) => Ok(S::Rejected),
        (S::Pending, Event::Lapsed) => Ok(S::Withdrawn),
        _ => Err(Illegal { from }),
    }
}

/// The event a closed approval of `status` is; `None` while it is open.
pub fn event_of(status: ApprovalStatus) -> Option<Event> {
    match status {
        ApprovalStatus::Pending => None,
        ApprovalStatus::Approved => Some(Event::Approved),
        ApprovalStatus::Rejected => Some(Event::Rejected),
        ApprovalStatus::Expired | ApprovalStatus::Cancelled => Some(Event::Lapsed),
    }
}

/// A cost impact as given: dollars ex-GST, negative for scope taken out,
/// at most $10 million either way.
pub fn parse_cost(raw: &str) -> Result<Money, ValueError> {
    let cost = Money::parse(raw)?;
    if cost.cents().unsigned_abs() > MAX_COST_CENTS as u64 {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            "a cost impact is at most $10,000,000.00 either way",
        ));
    }
    Ok(cost)
}

/// A schedule impact in business days: 0 to [`MAX_SCHEDULE_DAYS`].
pub fn check_days(days: i32) -> Result<u32, ValueError> {
    u32::try_from(days)
        .ok()
        .filter(|d| *d <= MAX_SCHEDULE_DAYS as u32)
        .ok_or_else(|| {
            ValueError::new(
                ErrorCode::OutOfRange,
                format!("a schedule impact is 0 to {MAX_SCHEDULE_DAYS} business days"),
            )
        })
}

/// What the approver reads: the change, its number and its impacts.
pub fn approval_reason(
    number: &str,
    seq: i32,
    description: &str,
    cost: Money,
    days: u32,
) -> String {
    let cost = if cost.is_negative() {
        format!(
            "reduces the fee by ${} ex-GST",
            Money::from_cents(-cost.cents())
        )
    } else {
        format!("adds ${cost} ex-GST")
    };
    let text = format!(
        "Scope change {seq} of {number}: {description} ({cost}; {days} business day{} later)",
        if days == 1 { "" } else { "s" }
    );
    text.chars().take(2000).collect()
}

// ---- Reading -----------------------------------------------------------

/// The scope changes of many engagements (by engagement id), by number.
pub async fn of_engagements<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<scope_change::Model>>, DbErr> {
    children_of::<scope_change::Entity, _>(conn, engagement_ids).await
}

/// One engagement's scope changes, by number.
pub async fn of_engagement<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<Vec<scope_change::Model>, DbErr> {
    Ok(of_engagements(conn, &[engagement_id])
        .await?
        .remove(&engagement_id)
        .unwrap_or_default())
}

crate::find_by_id! {
    /// A scope change by id, whoever asks (background work).
    pub fn find -> scope_change
}

/// A scope change the caller may see: staff any, a customer those of its
/// own engagements (another's looks missing).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<scope_change::Model>, DbErr> {
    let Some(row) = find(conn, id).await? else {
        return Ok(None);
    };
    let visible = super::find_visible(conn, ctx, row.engagement_id)
        .await?
        .is_some();
    Ok(visible.then_some(row))
}

/// The first scope change of an engagement still awaiting its approval.
pub async fn pending_of<C: ConnectionTrait>(
    conn: &C,
    engagement_id: Uuid,
) -> Result<Option<scope_change::Model>, DbErr> {
    scope_change::Entity::find()
        .filter(scope_change::Column::EngagementId.eq(engagement_id))
        .filter(scope_change::Column::Status.eq(S::Pending))
        .order_by_asc(scope_change::Column::Seq)
        .one(conn)
        .await
}

// ---- Writing -----------------------------------------------------------

/// A scope change as the team asks for it.
#[derive(Debug, Clone)]
pub struct NewScopeChange {
    pub engagement_id: Uuid,
    pub description: String,
    /// Dollars ex-GST (`2500.00`; negative when scope is taken out).
    pub cost_impact: String,
    /// Business days the plan's end moves (0 to 250).
    pub schedule_impact_days: i32,
    pub risk_impact: String,
}

/// Ask for a scope change (the delivery roles: PROJECT_MANAGER,
/// DELIVERY_TEAM, QA_LEAD, ADMIN) on an engagement that may still change:
/// numbered 1, 2, … per engagement, PENDING under a SCOPE_CHANGE approval
/// for the size of the change (|cost impact|), so the policy's bands say
/// who decides. Refused once the final invoice is issued (it could no
/// longer bill the change).
pub async fn request_scope_change(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewScopeChange,
) -> Result<Committed<(Engagement, scope_change::Model)>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (found, _) = lock_editable(&w, input.engagement_id).await?;
    let e = &found.engagement;
    let mut fields = Fields::new();
    let description = fields.text("description", &input.description, MAX_DESCRIPTION);
    let cost = fields.required("costImpact", &input.cost_impact, parse_cost);
    let days = fields.at(
        &["scheduleImpactDays"],
        check_days(input.schedule_impact_days),
    );
    let risk = fields.text("riskImpact", &input.risk_impact, MAX_RISK_IMPACT);
    let count =
        crate::kernel::db::count_children::<scope_change::Entity, _>(w.conn(), e.id).await?;
    fields.ensure(
        count < MAX_SCOPE_CHANGES,
        "engagementId",
        ErrorCode::LimitExceeded,
        format!("an engagement has at most {MAX_SCOPE_CHANGES} scope changes"),
    );
    if let Some(invoice) = crate::invoices::of_subject(w.conn(), ENGAGEMENT, e.id).await? {
        fields.refuse(
            "engagementId",
            ErrorCode::InvalidState,
            format!(
                "the final invoice {} is issued: it can no longer bill a scope change",
                invoice.number
            ),
        );
    }
    let (description, cost, days, risk) =
        fields.finish(|| Some((description?, cost?, days?, risk?)))?;
    let seq = count as i32 + 1;
    let id = Uuid::now_v7();
    let approval_id = Uuid::now_v7();
    let row = w
        .insert(scope_change::ActiveModel {
            id: Set(id),
            engagement_id: Set(e.id),
            seq: Set(seq),
            description: Set(description.clone()),
            cost_impact_cents: Set(cost.cents()),
            schedule_impact_days: Set(days as i32),
            risk_impact: Set(risk),
            status: Set(S::Pending),
            approval_id: Set(approval_id),
            decision_reason: Set(None),
            end_before: Set(None),
            end_after: Set(None),
            requested_by: Set(w.ctx().actor.id.clone()),
            requested_at: Set(w.now()),
            decided_at: Set(None),
        })
        .await?;
    // Bumps the version, so followers hear of it and concurrent steps serialise.
    w.change::<engagement::Entity>(e.id, e.version, |_| {})
        .await?;
    w.audit(ENGAGEMENT, e.id, "scope_change.requested", None, Some(&row))
        .await?;
    let new = NewApproval {
        kind: ApprovalKind::ScopeChange,
        subject_type: SUBJECT_TYPE.into(),
        subject_id: id,
        owner_party: Some(e.customer_id),
        amount: Some(Money::from_cents(cost.cents().abs()).to_string()),
        reason: approval_reason(&e.number, seq, &description, cost, days),
    };
    // Last: an automatic approval runs the handler below in this write.
    approvals::request_in_with_id(&mut w, calendar, &new, approval_id).await?;
    let now = super::load(w.conn(), e.id)
        .await?
        .ok_or_else(|| DomainError::internal("the engagement vanished"))?;
    let row = find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::internal("the scope change vanished"))?;
    w.commit((now, row)).await
}

/// The payload of a `scope_change.decided` outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decided {
    pub engagement_id: Uuid,
    pub approval_id: Uuid,
}

/// The SCOPE_CHANGE approval closed (in the deciding write): approved moves
/// the plan's end by the change's business days (the engagement's revised
/// end date when it moves) and its open milestones with it; rejected keeps
/// the decider's reason; expired or cancelled withdraws it. An engagement
/// closed or cancelled meanwhile no longer changes: the request is
/// withdrawn. The customer is emailed an approval or rejection.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(event) = event_of(request.status) else {
        return Ok(());
    };
    let Some(row) = find(w.conn(), request.subject_id).await? else {
        return Ok(());
    };
    let (found, template) = lock(w, row.engagement_id).await?;
    let Some(before) = find_for_update::<scope_change::Entity, _>(w.conn(), row.id).await? else {
        return Ok(());
    };
    if before.approval_id != request.id || before.status != S::Pending {
        return Ok(());
    }
    let e = &found.engagement;
    let editable = state::apply(e.status, state::Event::Edit).is_ok();
    let event = if editable { event } else { Event::Lapsed };
    let status = apply(before.status, event).map_err(|i| {
        DomainError::rejected(
            &["scopeChangeId"],
            ErrorCode::IllegalTransition,
            format!("scope change {} is {:?}", before.seq, i.from),
        )
    })?;
    let comment = approval_decision::Entity::find()
        .filter(approval_decision::Column::ApprovalId.eq(request.id))
        .order_by_desc(approval_decision::Column::Id)
        .one(w.conn())
        .await?
        .and_then(|d| d.comment)
        .filter(|c| !c.trim().is_empty());
    let reason = match (event, request.status) {
        (Event::Lapsed, _) if !editable => {
            Some(format!("{} was {:?} before a decision", e.number, e.status))
        }
        (Event::Lapsed, ApprovalStatus::Expired) => {
            Some("its approval expired before a decision".to_owned())
        }
        (Event::Lapsed, _) => comment.or_else(|| Some("its approval was cancelled".to_owned())),
        _ => comment,
    };
    let days = u32::try_from(before.schedule_impact_days).unwrap_or(0);
    let (end_before, end_after) = if status == S::Approved {
        let end = plan::end(calendar, e, &template.definition);
        (Some(end), Some(plan::moved(calendar, end, days)))
    } else {
        (None, None)
    };
    let now = w.now();
    let after = scope_change::ActiveModel {
        id: sea_orm::Unchanged(before.id),
        status: Set(status),
        decision_reason: Set(reason),
        end_before: Set(end_before),
        end_after: Set(end_after),
        decided_at: Set(Some(now)),
        ..Default::default()
    }
    .update(w.conn())
    .await?;
    if status == S::Approved {
        plan::move_open_milestones(w, calendar, e.id, days).await?;
        // DESIGN "Engagement fees": an approved change is the only thing
        // that adds to the fee lines (a change of no cost adds none).
        if after.cost_impact_cents != 0 {
            let line = (super::fees::of_scope_change(&after), Some(after.id));
            super::fees::append_in(w, e.id, found.fees.len(), vec![line]).await?;
        }
    }
    let moved_end = end_after.filter(|_| days > 0);
    let engagement_after = w
        .change::<engagement::Entity>(e.id, e.version, |m| {
            if let Some(day) = moved_end {
                m.revised_end_date = Set(Some(day));
            }
        })
        .await?;
    let action = match status {
        S::Approved => "scope_change.approved",
        S::Rejected => "scope_change.rejected",
        _ => "scope_change.withdrawn",
    };
    w.audit(
        ENGAGEMENT,
        e.id,
        action,
        Some(&serde_json::json!({ "scopeChange": before, "engagement": e })),
        Some(&serde_json::json!({ "scopeChange": after, "engagement": engagement_after })),
    )
    .await?;
    if matches!(status, S::Approved | S::Rejected) {
        let decided = Decided {
            engagement_id: e.id,
            approval_id: request.id,
        };
        w.emit(topic::SCOPE_CHANGE_DECIDED, after.id, &decided)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_change_is_decided_once() {
        assert_eq!(apply(S::Pending, Event::Approved), Ok(S::Approved));
        assert_eq!(apply(S::Pending, Event::Rejected), Ok(S::Rejected));
        assert_eq!(apply(S::Pending, Event::Lapsed), Ok(S::Withdrawn));
        for from in [S::Approved, S::Rejected, S::Withdrawn] {
            for event in [Event::Approved, Event::Rejected, Event::Lapsed] {
                assert_eq!(
                    apply(from, event),
                    Err(Illegal { from }),
                    "{from:?} {event:?}"
                );
            }
        }
    }

    #[test]
    fn each_way_an_approval_closes_is_an_event() {
        assert_eq!(event_of(ApprovalStatus::Pending), None);
        assert_eq!(event_of(ApprovalStatus::Approved), Some(Event::Approved));
        assert_eq!(event_of(ApprovalStatus::Rejected), Some(Event::Rejected));
        assert_eq!(event_of(ApprovalStatus::Expired), Some(Event::Lapsed));
        assert_eq!(event_of(ApprovalStatus::Cancelled), Some(Event::Lapsed));
    }

    #[test]
    fn a_cost_impact_is_dollars_either_way_up_to_ten_million() {
        assert_eq!(parse_cost("2500.00").unwrap().cents(), 250_000);
        assert_eq!(parse_cost("-1200.5").unwrap().cents(), -120_050);
        assert_eq!(parse_cost("0").unwrap().cents(), 0);
        assert_eq!(parse_cost("10000000").unwrap().cents(), MAX_COST_CENTS);
        assert_eq!(parse_cost("-10000000").unwrap().cents(), -MAX_COST_CENTS);
        for too_big in ["10000000.01", "-10000000.01", "99999999999"] {
            assert!(parse_cost(too_big).is_err(), "{too_big}");
        }
        assert_eq!(
            parse_cost("10000000.01").unwrap_err().code,
            ErrorCode::OutOfRange
        );
        assert_eq!(
            parse_cost("12.345").unwrap_err().code,
            ErrorCode::InvalidMoney
        );
        assert_eq!(parse_cost("$12").unwrap_err().code, ErrorCode::InvalidMoney);
    }

    #[test]
    fn a_schedule_impact_is_zero_to_250_business_days() {
        assert_eq!(check_days(0), Ok(0));
        assert_eq!(check_days(250), Ok(250));
        for bad in [-1, 251, i32::MIN, i32::MAX] {
            assert_eq!(
                check_days(bad).unwrap_err().code,
                ErrorCode::OutOfRange,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_approver_reads_the_change_and_its_impacts() {
        let added = approval_reason(
            "ENG-000004",
            2,
            "Add gift cards",
            Money::from_cents(250_000),
            5,
        );
        assert_eq!(
            added,
            "Scope change 2 of ENG-000004: Add gift cards (adds $2500.00 ex-GST; 5 business days later)"
        );
        let removed = approval_reason(
            "ENG-000004",
            3,
            "Drop the loyalty page",
            Money::from_cents(-80_000),
            1,
        );
        assert!(
            removed.contains("reduces the fee by $800.00 ex-GST; 1 business day later"),
            "{removed}"
        );
        let long = approval_reason("ENG-1", 1, &"x".repeat(5000), Money::ZERO, 0);
        assert_eq!(long.chars().count(), 2000, "fits an approval's reason");
    }
}
