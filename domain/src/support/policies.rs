//! SLA policies as data: chosen by condition (priority, category, customer)
//! with a default; each with first-response, next-update and resolution
//! targets, a calendar, the statuses that pause the clock, a warning lead
//! time and the role escalated to at breach. ADMIN creates and changes them
//! (versioned, audited); a ticket keeps the terms it was given.

use super::sla::pause_statuses_json;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Patch, Permission,
    Versioned, Write, fetch_page,
};
use entity::{Role, SlaCalendar, TicketPriority, TicketStatus, party, sla_policy};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "sla_policy";
/// Longest target a policy may set: a year of minutes.
pub const MAX_TARGET_MINUTES: i32 = 525_600;
/// Highest rank.
pub const MAX_RANK: i32 = 100_000;
const MAX_NAME: usize = 100;
const MAX_CATEGORY: usize = 100;
/// The only statuses that may pause an SLA clock.
pub const PAUSABLE: [TicketStatus; 2] = [
    TicketStatus::WaitingOnCustomer,
    TicketStatus::WaitingOnThirdParty,
];

impl Versioned for sla_policy::Entity {
    fn version_column() -> sla_policy::Column {
        sla_policy::Column::Version
    }
}

fn has_conditions(p: &sla_policy::Model) -> bool {
    p.priority.is_some() || p.category.is_some() || p.customer_id.is_some()
}

/// Whether every condition `p` gives holds for a ticket.
pub fn matches(
    p: &sla_policy::Model,
    priority: TicketPriority,
    category: &str,
    customer_id: Uuid,
) -> bool {
    p.priority.is_none_or(|x| x == priority)
        && p.category
            .as_deref()
            .is_none_or(|c| c.trim().eq_ignore_ascii_case(category.trim()))
        && p.customer_id.is_none_or(|c| c == customer_id)
}

/// The policy a ticket gets: the first active policy by rank (then id) whose
/// every given condition holds; when none does, the first active default. A
/// default with no conditions is only ever the fallback.
pub fn choose<'a>(
    policies: &'a [sla_policy::Model],
    priority: TicketPriority,
    category: &str,
    customer_id: Uuid,
) -> Option<&'a sla_policy::Model> {
    let mut ranked: Vec<&sla_policy::Model> = policies.iter().filter(|p| p.active).collect();
    ranked.sort_by_key(|p| (p.rank, p.id));
    ranked
        .iter()
        .find(|p| {
            (has_conditions(p) || !p.is_default) && matches(p, priority, category, customer_id)
        })
        .or_else(|| ranked.iter().find(|p| p.is_default))
        .copied()
}

/// Every active policy, by rank: what `choose` picks from.
pub async fn active<C: ConnectionTrait>(conn: &C) -> Result<Vec<sla_policy::Model>, DomainError> {
    Ok(sla_policy::Entity::find()
        .filter(sla_policy::Column::Active.eq(true))
        .order_by_asc(sla_policy::Column::Rank)
        .order_by_asc(sla_policy::Column::Id)
        .all(conn)
        .await?)
}

/// Every policy (staff), oldest first.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<sla_policy::Model>, DomainError> {
    staff(ctx)?;
    let query = sla_policy::Entity::find();
    Ok(fetch_page(db, query, sla_policy::Column::Id, page, |p| p.id).await?)
}

/// One policy (staff); None when missing.
pub async fn find(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<sla_policy::Model>, DomainError> {
    staff(ctx)?;
    Ok(sla_policy::Entity::find_by_id(id).one(db).await?)
}

fn staff(ctx: &Ctx) -> Result<(), DomainError> {
    if ctx.actor.role.is_staff() {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// A new policy (raw input, checked by `create_policy`).
#[derive(Debug, Clone)]
pub struct NewPolicy {
    pub name: String,
    pub priority: Option<TicketPriority>,
    pub category: Option<String>,
    pub customer_id: Option<Uuid>,
    pub is_default: bool,
    pub rank: i32,
    pub first_response_minutes: i32,
    pub next_update_minutes: i32,
    pub resolution_minutes: i32,
    pub calendar: SlaCalendar,
    pub pause_statuses: Vec<TicketStatus>,
    pub warning_minutes: i32,
    pub escalate_role: Role,
    pub active: bool,
}

/// Changes to one policy; `None`/`Keep` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub id: Uuid,
    pub expected_version: i32,
    pub name: Option<String>,
    pub priority: Patch<TicketPriority>,
    pub category: Patch<String>,
    pub customer_id: Patch<Uuid>,
    pub is_default: Option<bool>,
    pub rank: Option<i32>,
    pub first_response_minutes: Option<i32>,
    pub next_update_minutes: Option<i32>,
    pub resolution_minutes: Option<i32>,
    pub calendar: Option<SlaCalendar>,
    pub pause_statuses: Option<Vec<TicketStatus>>,
    pub warning_minutes: Option<i32>,
    pub escalate_role: Option<Role>,
    pub active: Option<bool>,
}

impl PolicyChange {
    /// The policy as it would be after the change (unchecked).
    fn apply(&self, before: &sla_policy::Model) -> NewPolicy {
        NewPolicy {
            name: self.name.clone().unwrap_or_else(|| before.name.clone()),
            priority: self.priority.clone().apply(before.priority),
            category: self.category.clone().apply(before.category.clone()),
            customer_id: self.customer_id.clone().apply(before.customer_id),
            is_default: self.is_default.unwrap_or(before.is_default),
            rank: self.rank.unwrap_or(before.rank),
            first_response_minutes: self
                .first_response_minutes
                .unwrap_or(before.first_response_minutes),
            next_update_minutes: self
                .next_update_minutes
                .unwrap_or(before.next_update_minutes),
            resolution_minutes: self.resolution_minutes.unwrap_or(before.resolution_minutes),
            calendar: self.calendar.unwrap_or(before.calendar),
            pause_statuses: match &self.pause_statuses {
                Some(p) => p.clone(),
                None => {
                    super::sla::parse_pause_statuses(&before.pause_statuses).unwrap_or_default()
                }
            },
            warning_minutes: self.warning_minutes.unwrap_or(before.warning_minutes),
            escalate_role: self.escalate_role.unwrap_or(before.escalate_role),
            active: self.active.unwrap_or(before.active),
        }
    }
}

impl NewPolicy {
    /// The policy's own columns (a create adds id, version and times; a
    /// change adds id and its time).
    fn columns(self) -> sla_policy::ActiveModel {
        sla_policy::ActiveModel {
            name: Set(self.name),
            priority: Set(self.priority),
            category: Set(self.category),
            customer_id: Set(self.customer_id),
            is_default: Set(self.is_default),
            rank: Set(self.rank),
            first_response_minutes: Set(self.first_response_minutes),
            next_update_minutes: Set(self.next_update_minutes),
            resolution_minutes: Set(self.resolution_minutes),
            calendar: Set(self.calendar),
            pause_statuses: Set(pause_statuses_json(&self.pause_statuses)),
            warning_minutes: Set(self.warning_minutes),
            escalate_role: Set(self.escalate_role),
            active: Set(self.active),
            ..Default::default()
        }
    }
}

/// Checks a policy's values, every refusal at its field; the checked policy
/// with its text trimmed and its pause statuses deduplicated.
pub fn check(fields: &mut Fields, p: &NewPolicy) -> NewPolicy {
    let name = fields.text("name", &p.name, MAX_NAME).unwrap_or_default();
    let category = p.category.as_deref().and_then(|c| {
        if c.trim().is_empty() {
            None
        } else {
            fields.text("category", c, MAX_CATEGORY)
        }
    });
    fields.ensure(
        (0..=MAX_RANK).contains(&p.rank),
        "rank",
        ErrorCode::OutOfRange,
        format!("rank must be between 0 and {MAX_RANK}"),
    );
    let targets = [
        ("firstResponseMinutes", p.first_response_minutes),
        ("nextUpdateMinutes", p.next_update_minutes),
        ("resolutionMinutes", p.resolution_minutes),
    ];
    for (field, minutes) in targets {
        fields.ensure(
            (1..=MAX_TARGET_MINUTES).contains(&minutes),
            field,
            ErrorCode::OutOfRange,
            format!("{field} must be between 1 and {MAX_TARGET_MINUTES}"),
        );
    }
    let smallest = targets.iter().map(|t| t.1).min().unwrap_or(0).max(1);
    fields.ensure(
        (0..smallest).contains(&p.warning_minutes),
        "warningMinutes",
        ErrorCode::OutOfRange,
        format!("warningMinutes must be at least 0 and less than the smallest target ({smallest} minutes)"),
    );
    let mut pauses: Vec<TicketStatus> = Vec::new();
    for (i, s) in p.pause_statuses.iter().enumerate() {
        if !PAUSABLE.contains(s) {
            let index = i.to_string();
            fields.refuse_at(
                &["pauseStatuses", &index],
                ErrorCode::OutOfRange,
                format!("only waiting statuses may pause the clock, not {s}"),
            );
        } else if !pauses.contains(s) {
            pauses.push(*s);
        }
    }
    fields.ensure(
        p.escalate_role != Role::Customer,
        "escalateRole",
        ErrorCode::OutOfRange,
        "breaches are escalated to a staff role",
    );
    fields.ensure(
        !p.is_default || p.active,
        "active",
        ErrorCode::InvalidState,
        "the default policy must stay active",
    );
    NewPolicy {
        name,
        category,
        pause_statuses: pauses,
        ..p.clone()
    }
}

/// Conditions that need the database: the customer exists; some active
/// default remains (this policy, or another than `id`).
async fn check_stored<C: ConnectionTrait>(
    conn: &C,
    fields: &mut Fields,
    id: Option<Uuid>,
    p: &NewPolicy,
) -> Result<(), DomainError> {
    if let Some(customer) = p.customer_id {
        let found = party::Entity::find_by_id(customer).one(conn).await?;
        fields.ensure(
            found.is_some(),
            "customerId",
            ErrorCode::NotFound,
            "customer not found",
        );
    }
    // A default must be active (refused in `check`); without one, another
    // active default must remain.
    if !p.is_default {
        let mut others = sla_policy::Entity::find()
            .filter(sla_policy::Column::IsDefault.eq(true))
            .filter(sla_policy::Column::Active.eq(true));
        if let Some(id) = id {
            others = others.filter(sla_policy::Column::Id.ne(id));
        }
        fields.ensure(
            others.count(conn).await? > 0,
            "isDefault",
            ErrorCode::InvalidState,
            "another active default policy is needed first",
        );
    }
    Ok(())
}

/// Create a policy (ADMIN, audited). Tickets opened from now on may get it.
pub async fn create_policy(
    db: &DatabaseConnection,
    ctx: &Ctx,
    new: &NewPolicy,
) -> Result<Committed<sla_policy::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSlaPolicies).await?;
    let mut fields = Fields::new();
    let p = check(&mut fields, new);
    check_stored(w.conn(), &mut fields, None, &p).await?;
    fields.finish(|| Some(()))?;
    let now = w.now();
    let row = w
        .insert(sla_policy::ActiveModel {
            id: Set(Uuid::now_v7()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..p.columns()
        })
        .await?;
    w.commit_audited(SUBJECT_TYPE, row.id, "sla_policy.created", None, row)
        .await
}

/// Change a policy (ADMIN, audited) if `expected_version` is current.
/// Tickets already opened keep the terms they were given.
pub async fn update_policy(
    db: &DatabaseConnection,
    ctx: &Ctx,
    change: &PolicyChange,
) -> Result<Committed<sla_policy::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSlaPolicies).await?;
    let before = sla_policy::Entity::find_by_id(change.id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::not_found("id", "SLA policy"))?;
    let mut fields = Fields::new();
    let p = check(&mut fields, &change.apply(&before));
    check_stored(w.conn(), &mut fields, Some(before.id), &p).await?;
    fields.finish(|| Some(()))?;
    let changed = sla_policy::ActiveModel {
        id: Set(before.id),
        updated_at: Set(w.now()),
        ..p.columns()
    };
    let after = w
        .update_versioned::<sla_policy::Entity>(changed, change.expected_version)
        .await?;
    w.commit_audited(
        SUBJECT_TYPE,
        after.id,
        "sla_policy.updated",
        Some(&before),
        after,
    )
    .await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::Utc;

    /// A policy as tests write it: one hour to respond and update, ten to
    /// resolve, in business hours, never paused.
    pub(crate) fn policy(
        name: &str,
        rank: i32,
        priority: Option<TicketPriority>,
        category: Option<&str>,
        customer: Option<Uuid>,
        is_default: bool,
    ) -> sla_policy::Model {
        let now = Utc::now();
        sla_policy::Model {
            id: Uuid::now_v7(),
            name: name.into(),
            priority,
            category: category.map(Into::into),
            customer_id: customer,
            is_default,
            rank,
            first_response_minutes: 60,
            next_update_minutes: 60,
            resolution_minutes: 600,
            calendar: SlaCalendar::BusinessHours,
            pause_statuses: "[]".into(),
            warning_minutes: 15,
            escalate_role: Role::Admin,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn seeded() -> Vec<sla_policy::Model> {
        use TicketPriority::*;
        vec![
            policy("Critical", 10, Some(Critical), None, None, false),
            policy("High", 20, Some(High), None, None, false),
            policy("Medium", 30, Some(Medium), None, None, true),
            policy("Low", 40, Some(Low), None, None, false),
        ]
    }

    fn name(p: Option<&sla_policy::Model>) -> Option<&str> {
        p.map(|p| p.name.as_str())
    }

    #[test]
    fn the_seeded_policies_go_by_priority() {
        let all = seeded();
        let c = Uuid::now_v7();
        for (priority, expected) in [
            (TicketPriority::Critical, "Critical"),
            (TicketPriority::High, "High"),
            (TicketPriority::Medium, "Medium"),
            (TicketPriority::Low, "Low"),
        ] {
            assert_eq!(name(choose(&all, priority, "setup", c)), Some(expected));
        }
    }

    #[test]
    fn every_condition_must_hold_by_rank_with_the_default_last() {
        let vip = Uuid::now_v7();
        let other = Uuid::now_v7();
        let mut all = seeded();
        // Conditions on category and customer, ranked before the seeds.
        all.push(policy(
            "VIP critical",
            5,
            Some(TicketPriority::Critical),
            None,
            Some(vip),
            false,
        ));
        all.push(policy("Billing", 7, None, Some("Billing"), None, false));
        all.reverse(); // input order does not matter
        assert_eq!(
            name(choose(&all, TicketPriority::Critical, "setup", vip)),
            Some("VIP critical")
        );
        assert_eq!(
            name(choose(&all, TicketPriority::Critical, "setup", other)),
            Some("Critical")
        );
        assert_eq!(
            name(choose(&all, TicketPriority::Low, " billing ", other)),
            Some("Billing")
        );
        // An inactive policy is never chosen.
        for p in &mut all {
            if p.name == "Low" {
                p.active = false;
            }
        }
        assert_eq!(
            name(choose(&all, TicketPriority::Low, "setup", other)),
            Some("Medium")
        );
        // A default without conditions is only the fallback, whatever its rank.
        let mut plain = vec![
            policy("Fallback", 0, None, None, None, true),
            policy("High", 20, Some(TicketPriority::High), None, None, false),
        ];
        assert_eq!(
            name(choose(&plain, TicketPriority::High, "x", other)),
            Some("High")
        );
        assert_eq!(
            name(choose(&plain, TicketPriority::Low, "x", other)),
            Some("Fallback")
        );
        // No default and nothing matching: none.
        plain.remove(0);
        assert_eq!(name(choose(&plain, TicketPriority::Low, "x", other)), None);
        // Equal ranks: the older id first.
        let a = policy("A", 1, None, Some("x"), None, false);
        let b = policy("B", 1, None, Some("x"), None, false);
        assert_eq!(
            name(choose(&[b, a], TicketPriority::Low, "x", other)),
            Some("A")
        );
    }

    fn valid() -> NewPolicy {
        NewPolicy {
            name: " Gold ".into(),
            priority: Some(TicketPriority::High),
            category: Some("  ".into()),
            customer_id: None,
            is_default: false,
            rank: 5,
            first_response_minutes: 60,
            next_update_minutes: 120,
            resolution_minutes: 480,
            calendar: SlaCalendar::Always,
            pause_statuses: vec![
                TicketStatus::WaitingOnCustomer,
                TicketStatus::WaitingOnCustomer,
            ],
            warning_minutes: 59,
            escalate_role: Role::ProjectManager,
            active: true,
        }
    }

    #[test]
    fn a_valid_policy_is_trimmed_and_deduplicated() {
        let mut fields = Fields::new();
        let p = check(&mut fields, &valid());
        assert!(fields.finish(|| Some(())).is_ok());
        assert_eq!(p.name, "Gold");
        assert_eq!(p.category, None);
        assert_eq!(p.pause_statuses, vec![TicketStatus::WaitingOnCustomer]);
    }

    #[test]
    fn every_bad_field_is_refused_at_once_at_its_path() {
        let bad = NewPolicy {
            name: "".into(),
            rank: -1,
            first_response_minutes: 0,
            next_update_minutes: MAX_TARGET_MINUTES + 1,
            resolution_minutes: 30,
            pause_statuses: vec![TicketStatus::WaitingOnThirdParty, TicketStatus::Open],
            warning_minutes: 30,
            escalate_role: Role::Customer,
            is_default: true,
            active: false,
            ..valid()
        };
        let mut fields = Fields::new();
        check(&mut fields, &bad);
        let Err(DomainError::Rejected(errors)) = fields.finish(|| Some(())) else {
            panic!("refused");
        };
        let got: Vec<(String, ErrorCode)> = errors
            .into_iter()
            .map(|e| (e.field.join("."), e.code))
            .collect();
        assert_eq!(
            got,
            [
                ("name".to_string(), ErrorCode::Required),
                ("rank".into(), ErrorCode::OutOfRange),
                ("firstResponseMinutes".into(), ErrorCode::OutOfRange),
                ("nextUpdateMinutes".into(), ErrorCode::OutOfRange),
                ("warningMinutes".into(), ErrorCode::OutOfRange),
                ("pauseStatuses.1".into(), ErrorCode::OutOfRange),
                ("escalateRole".into(), ErrorCode::OutOfRange),
                ("active".into(), ErrorCode::InvalidState),
            ]
        );
        // The warning lead must be below the smallest target.
        let mut fields = Fields::new();
        check(
            &mut fields,
            &NewPolicy {
                warning_minutes: 60,
                ..valid()
            },
        );
        assert!(fields.finish(|| Some(())).is_err());
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name() {
        let before = sla_policy::Model {
            pause_statuses: r#"["WAITING_ON_CUSTOMER"]"#.into(),
            category: Some("setup".into()),
            ..policy("High", 20, Some(TicketPriority::High), None, None, false)
        };
        let change = PolicyChange {
            id: before.id,
            expected_version: 1,
            warning_minutes: Some(10),
            category: Patch::Clear,
            priority: Patch::Set(TicketPriority::Low),
            ..Default::default()
        };
        let after = change.apply(&before);
        assert_eq!(after.name, "High");
        assert_eq!(after.warning_minutes, 10);
        assert_eq!(after.category, None);
        assert_eq!(after.priority, Some(TicketPriority::Low));
        assert_eq!(after.pause_statuses, vec![TicketStatus::WaitingOnCustomer]);
        assert_eq!(after.first_response_minutes, 60);
    }
}
