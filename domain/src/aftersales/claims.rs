//! Consumer-guarantee claims: lodged on an order line or an engagement,
//! assessed MAJOR or MINOR (or not a failure, with the reason), remedied
//! only as `rules::remedies::remedies_for` allows.
//!
//! Each step is recorded (`remedy_step`) and emailed to the customer. Money
//! back (a refund, compensation, the cost of a fix elsewhere) goes through
//! `aftersales::pay_back` (a REFUND approval, then the provider or a note);
//! a replacement is a no-charge order through the normal order flow; a
//! repair or a service supplied again is tracked until staff record it
//! done. A minor failure gives the business a reasonable time (business
//! days from the settings, a `claim.remedy_due` timer); past it without the
//! remedy, the choice passes to the customer, who may reject the goods.

use super::claim_state::{self, Event, Illegal};
use super::{MoneyBack, PayBack, invoice_of, note_for_approved, pay_back, record_step, refundable};
use crate::business_time::timers::{self, TimerPlan};
use crate::invoices::Invoice;
use crate::kernel::db::find_row;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope, Write,
    fetch_scoped_page,
};
use crate::platform::numbering;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::money::Money;
use crate::rules::remedies::{Failure, Remedies, classify, remedies_for, supply_of};
use chrono::{DateTime, Utc};
use entity::Chooser;
use entity::{
    ApprovalStatus, ClaimStatus, EngagementStatus, FailureSeverity, Guarantee, InvoiceLineKind,
    MajorFailureReason, OrderStatus, ProductKind, RefundStatus, Remedy, SupplyKind,
    approval_request, engagement, guarantee_claim, order_line, refund, sales_order,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

crate::stamped!(guarantee_claim);

pub const SUBJECT_TYPE: &str = "claim";

/// The timers claims plan.
pub mod timer_kind {
    /// A minor failure's reasonable time to remedy ran out.
    pub const REMEDY_DUE: &str = "claim.remedy_due";
}

/// The steps a claim's customer is told of (`remedy_step.step`).
pub mod step {
    pub const LODGED: &str = "claim.lodged";
    pub const ASSESSED: &str = "claim.assessed";
    pub const REMEDY_CHOSEN: &str = "claim.remedy_chosen";
    pub const REMEDIED: &str = "claim.remedied";
    /// A refund was refused or failed: choose a remedy again.
    pub const REMEDY_FELL_THROUGH: &str = "claim.remedy_fell_through";
    /// A minor failure's reasonable time passed: the customer may reject.
    pub const REASONABLE_TIME_PASSED: &str = "claim.reasonable_time_passed";
    pub const WITHDRAWN: &str = "claim.withdrawn";
}

/// Longest facts, reasons and notes.
const MAX_TEXT: usize = 4000;

// ---- Pure rules --------------------------------------------------------

/// The failure a claim was assessed as (none before it was assessed as one).
pub fn failure_of(c: &guarantee_claim::Model) -> Option<Failure> {
    Some(Failure {
        supply: c.supply,
        severity: c.severity?,
        supplier_failed_to_remedy: c.supplier_failed_to_remedy,
    })
}

/// The remedies the law allows for the claim now: those of its failure
/// while it awaits a remedy, none otherwise.
pub fn allowed_remedies(c: &guarantee_claim::Model) -> Vec<Remedy> {
    if c.status != ClaimStatus::AwaitingRemedy {
        return vec![];
    }
    failure_of(c).map_or(vec![], |f| remedies_for(f).options)
}

/// A remedy in the customer's words (emails, step notes).
pub const fn remedy_words(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::Refund => "a refund",
        Remedy::Replacement => "a replacement",
        Remedy::Repair => "a repair",
        Remedy::KeepWithCompensation => {
            "keeping the goods with compensation for their drop in value"
        }
        Remedy::ResupplyService => "the service fixed or supplied again",
        Remedy::CancelWithRefund => "cancelling the service with a refund",
        Remedy::CompensationForReducedValue => "compensation for the service's reduced value",
        Remedy::RemedyElsewhereAtSupplierCost => "having it fixed elsewhere at our cost",
    }
}

/// Remedies paid as an amount staff or the customer name (a refund of
/// goods is the claimed units' price instead).
pub const fn needs_amount(remedy: Remedy) -> bool {
    matches!(
        remedy,
        Remedy::CancelWithRefund
            | Remedy::KeepWithCompensation
            | Remedy::CompensationForReducedValue
            | Remedy::RemedyElsewhereAtSupplierCost
    )
}

/// Remedies the business carries out and records done by hand.
pub const fn is_tracked(remedy: Remedy) -> bool {
    matches!(remedy, Remedy::Repair | Remedy::ResupplyService)
}

/// Whether an order in `status` has supplied a line of `kind`: goods once
/// shipped (closed and archived orders too: claims outlive closure),
/// services once paid.
pub fn supplied(status: OrderStatus, kind: ProductKind) -> bool {
    use OrderStatus as S;
    match kind {
        ProductKind::Goods => matches!(
            status,
            S::PartiallyShipped | S::Shipped | S::Delivered | S::Closed
        ),
        ProductKind::Service => matches!(
            status,
            S::Paid | S::Packing | S::PartiallyShipped | S::Shipped | S::Delivered | S::Closed
        ),
    }
}

/// Whether an engagement has supplied services: its work started.
pub fn engagement_supplied(e: &engagement::Model) -> bool {
    match e.status {
        EngagementStatus::Planned => false,
        EngagementStatus::Cancelled => e.stage_started_at.is_some(),
        _ => true,
    }
}

/// The price incl. GST of `units` of an invoice line billed `total_cents`
/// for `invoiced` units (half up), or `None` when the quantity is no
/// positive whole number.
pub fn units_price(total_cents: i64, invoiced: &str, units: i32) -> Option<i64> {
    let invoiced: i64 = invoiced.trim().parse().ok().filter(|q| *q > 0)?;
    let units = i64::from(units).min(invoiced);
    Some((total_cents * units * 2 + invoiced) / (invoiced * 2))
}

/// When a minor failure's reasonable time ends: the close of business on
/// the `days`-th business day after `now` (Sydney).
pub fn remedy_due_at(cal: &BusinessCalendar, now: DateTime<Utc>, days: i32) -> DateTime<Utc> {
    let today = cal.local_date(now);
    let due = cal.add_business_days(today, days.max(1) as u32);
    cal.local_to_utc(due.and_time(cal.close()))
}

fn illegal(i: Illegal) -> DomainError {
    DomainError::rejected(
        &["claimId"],
        ErrorCode::IllegalTransition,
        format!("not possible while the claim is {}", i.from),
    )
}

fn status_str(s: ClaimStatus) -> String {
    s.to_string()
}

// ---- Reading -----------------------------------------------------------

crate::find_by_id! {
    /// A claim by id, whoever asks (background work, emails).
    pub fn find -> guarantee_claim
}

fn visible_to(ctx: &Ctx, c: &guarantee_claim::Model) -> bool {
    Scope::of_ctx(ctx).sees(c.customer_id)
}

/// A claim the caller may see: staff any, a customer its own (another's
/// looks missing).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<guarantee_claim::Model>, DomainError> {
    Permission::LodgeClaims.require(ctx)?;
    Ok(find(conn, id).await?.filter(|c| visible_to(ctx, c)))
}

/// Which claims to list.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    pub order_id: Option<Uuid>,
    pub engagement_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub severity: Option<FailureSeverity>,
}

/// Claims the caller may see (a customer only its own), oldest first.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &ClaimFilter,
    page: PageRequest,
) -> Result<Page<guarantee_claim::Model>, DomainError> {
    Permission::LodgeClaims.require(ctx)?;
    let mut query = guarantee_claim::Entity::find();
    if let Some(s) = filter.status {
        query = query.filter(guarantee_claim::Column::Status.eq(s));
    }
    if let Some(o) = filter.order_id {
        query = query.filter(guarantee_claim::Column::OrderId.eq(o));
    }
    if let Some(e) = filter.engagement_id {
        query = query.filter(guarantee_claim::Column::EngagementId.eq(e));
    }
    if let Some(c) = filter.customer_id {
        query = query.filter(guarantee_claim::Column::CustomerId.eq(c));
    }
    if let Some(s) = filter.severity {
        query = query.filter(guarantee_claim::Column::Severity.eq(s));
    }
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (
        guarantee_claim::Column::CustomerId,
        guarantee_claim::Column::Id,
    );
    Ok(fetch_scoped_page(db, scope, query, party, id, page, |c| c.id).await?)
}

// ---- Writing -----------------------------------------------------------

/// Load a claim to change in `w`, locked; NOT_FOUND when the caller may not see it.
async fn load_for_change(w: &Write<'_>, id: Uuid) -> Result<guarantee_claim::Model, DomainError> {
    find_row::<guarantee_claim::Entity, _>(w.conn(), id, true)
        .await?
        .filter(|c| visible_to(w.ctx(), c))
        .ok_or_else(|| DomainError::not_found("claimId", "claim"))
}

async fn locked<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<guarantee_claim::Model>, DbErr> {
    find_row::<guarantee_claim::Entity, _>(conn, id, true).await
}

/// The claim whose `column` holds `value` (a refund or replacement paying
/// its remedy), locked for this write; `None` when no claim has it.
async fn locked_where(
    w: &Write<'_>,
    column: guarantee_claim::Column,
    value: Uuid,
) -> Result<Option<guarantee_claim::Model>, DbErr> {
    let found = guarantee_claim::Entity::find()
        .filter(column.eq(value))
        .one(w.conn())
        .await?;
    match found {
        Some(found) => locked(w.conn(), found.id).await,
        None => Ok(None),
    }
}

/// Change a claim, audit it, and record the step (telling the customer).
async fn save(
    w: &mut Write<'_>,
    before: &guarantee_claim::Model,
    action: &str,
    note: Option<String>,
    change: impl FnOnce(&mut guarantee_claim::ActiveModel),
) -> Result<guarantee_claim::Model, DomainError> {
    let after = w
        .change::<guarantee_claim::Entity>(before.id, before.version, change)
        .await?;
    w.audit(SUBJECT_TYPE, after.id, action, Some(before), Some(&after))
        .await?;
    record_step(
        w,
        SUBJECT_TYPE,
        after.id,
        action,
        &status_str(after.status),
        note,
        true,
    )
    .await?;
    Ok(after)
}

/// What a claim is lodged on: (supply, order, order line, engagement,
/// customer, most units claimable).
type Target = (
    SupplyKind,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    i32,
);

/// A claim as lodged: on an order line or an engagement.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub order_line_id: Option<Uuid>,
    pub engagement_id: Option<Uuid>,
    pub guarantee: Guarantee,
    /// Units claimed (goods); services are 1. Default 1.
    pub quantity: Option<i32>,
    pub facts: String,
}

/// Lodge a claim (a customer on its own order or engagement, staff on any,
/// guest orders included). Never refused for lack of a receipt: the order
/// or engagement is the proof of purchase.
pub async fn lodge(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewClaim,
) -> Result<Committed<guarantee_claim::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::LodgeClaims).await?;
    let scope = Scope::of_ctx(ctx);
    let mut fields = Fields::new();
    let facts = if input.facts.trim().is_empty() {
        fields.refuse("facts", ErrorCode::Required, "facts is required");
        None
    } else {
        fields.free_text(&["facts"], "facts", Some(&input.facts), MAX_TEXT)
    };
    let mut target: Option<Target> = None;
    match (input.order_line_id, input.engagement_id) {
        (Some(_), Some(_)) => fields.refuse(
            "engagementId",
            ErrorCode::OutOfRange,
            "a claim is on an order line or an engagement, not both",
        ),
        (None, None) => fields.refuse(
            "orderLineId",
            ErrorCode::Required,
            "orderLineId or engagementId is required",
        ),
        (Some(line_id), None) => {
            let line = order_line::Entity::find_by_id(line_id)
                .one(w.conn())
                .await?;
            let order = match &line {
                Some(l) => {
                    sales_order::Entity::find_by_id(l.order_id)
                        .one(w.conn())
                        .await?
                }
                None => None,
            };
            let own = |o: &sales_order::Model| scope.sees(o.customer_id);
            match (line, order) {
                (Some(line), Some(order)) if own(&order) => {
                    if supplied(order.status, line.kind) {
                        let supply = match line.kind {
                            ProductKind::Goods => SupplyKind::Goods,
                            ProductKind::Service => SupplyKind::Services,
                        };
                        let units = if supply == SupplyKind::Goods {
                            // A unit already returned or claimed is not
                            // claimed again.
                            let taken = super::units_spoken_for(w.conn(), line.id).await?;
                            line.quantity - i32::try_from(taken).unwrap_or(i32::MAX)
                        } else {
                            1
                        };
                        target = Some((
                            supply,
                            Some(order.id),
                            Some(line.id),
                            None,
                            order.customer_id,
                            units,
                        ));
                    } else {
                        fields.refuse(
                            "orderLineId",
                            ErrorCode::InvalidState,
                            format!(
                                "{} was not supplied yet ({}): a claim follows its supply",
                                order.number, order.status
                            ),
                        );
                    }
                }
                _ => fields.refuse("orderLineId", ErrorCode::NotFound, "order line not found"),
            }
        }
        (None, Some(engagement_id)) => {
            let found = engagement::Entity::find_by_id(engagement_id)
                .one(w.conn())
                .await?
                .filter(|e| scope.permits(e.customer_id));
            match found {
                Some(e) if engagement_supplied(&e) => {
                    target = Some((
                        SupplyKind::Services,
                        None,
                        None,
                        Some(e.id),
                        Some(e.customer_id),
                        1,
                    ));
                }
                Some(e) => fields.refuse(
                    "engagementId",
                    ErrorCode::InvalidState,
                    format!(
                        "{} has not started: no services were supplied yet",
                        e.number
                    ),
                ),
                None => fields.refuse("engagementId", ErrorCode::NotFound, "engagement not found"),
            }
        }
    }
    let quantity = input.quantity.unwrap_or(1);
    if let Some((supply, .., units)) = target {
        if supply_of(input.guarantee) != supply {
            fields.refuse(
                "guarantee",
                ErrorCode::OutOfRange,
                format!(
                    "{} is a guarantee of {}, and this claim is about {}",
                    input.guarantee,
                    supply_of(input.guarantee),
                    supply
                ),
            );
        }
        fields.ensure(
            (1..=units).contains(&quantity),
            "quantity",
            ErrorCode::OutOfRange,
            if units < 1 {
                "every unit of it is already returned or claimed".to_owned()
            } else {
                format!("between 1 and {units}, the units not already returned or claimed")
            },
        );
    }
    let (facts, (supply, order_id, order_line_id, engagement_id, customer_id, _)) =
        fields.finish(|| Some((facts?, target?)))?;
    let now = w.now();
    let number = numbering::next(w.conn(), numbering::CLAIM).await?;
    let claim = w
        .insert(guarantee_claim::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(number),
            customer_id: Set(customer_id),
            supply: Set(supply),
            order_id: Set(order_id),
            order_line_id: Set(order_line_id),
            engagement_id: Set(engagement_id),
            quantity: Set(quantity),
            guarantee: Set(input.guarantee),
            facts: Set(facts),
            status: Set(ClaimStatus::Lodged),
            severity: Set(None),
            major_reasons: Set("[]".into()),
            assessment_reason: Set(None),
            chooser: Set(None),
            supplier_failed_to_remedy: Set(false),
            remedy_due_at: Set(None),
            remedy: Set(None),
            remedy_chosen_at: Set(None),
            remedy_amount_cents: Set(None),
            refund_id: Set(None),
            approval_id: Set(None),
            adjustment_note_id: Set(None),
            replacement_order_id: Set(None),
            remedy_note: Set(None),
            remedied_at: Set(None),
            lodged_by: Set(ctx.actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    w.audit(SUBJECT_TYPE, claim.id, step::LODGED, None, Some(&claim))
        .await?;
    record_step(
        &mut w,
        SUBJECT_TYPE,
        claim.id,
        step::LODGED,
        &status_str(claim.status),
        None,
        true,
    )
    .await?;
    w.commit(claim).await
}

/// Staff's assessment of a claim.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub claim_id: Uuid,
    /// Whether a guarantee failed.
    pub failed: bool,
    /// Why the failure is major (empty: minor). Only for a failure.
    pub major_reasons: Vec<MajorFailureReason>,
    /// The assessment in words (required).
    pub reason: String,
}

/// The major reasons as stored (a JSON array).
pub fn major_reasons_of(c: &guarantee_claim::Model) -> Vec<MajorFailureReason> {
    serde_json::from_str(&c.major_reasons).unwrap_or_default()
}

/// Assess a lodged claim (ManageClaims): not a failure ends it NOT_FAILED
/// with the reason; a failure is MAJOR (any major reason) or MINOR, and
/// awaits the remedy its chooser picks. A minor failure gives the business
/// its reasonable time (a timer).
pub async fn assess(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &Assessment,
) -> Result<Committed<guarantee_claim::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let before = load_for_change(&w, input.claim_id).await?;
    let status = claim_state::apply(
        before.status,
        Event::Assess {
            failed: input.failed,
        },
    )
    .map_err(illegal)?;
    let mut fields = Fields::new();
    let reason = if input.reason.trim().is_empty() {
        fields.refuse("reason", ErrorCode::Required, "reason is required");
        None
    } else {
        fields.free_text(&["reason"], "reason", Some(&input.reason), MAX_TEXT)
    };
    fields.ensure(
        input.failed || input.major_reasons.is_empty(),
        "majorReasons",
        ErrorCode::OutOfRange,
        "major reasons apply only to a failure",
    );
    let reason = fields.finish(|| reason)?;
    let mut reasons = input.major_reasons.clone();
    reasons.dedup();
    let now = w.now();
    let settings = crate::settings::current(w.conn()).await?;
    let (severity, chooser, due_at) = if input.failed {
        let severity = classify(&reasons);
        let failure = Failure {
            supply: before.supply,
            severity,
            supplier_failed_to_remedy: false,
        };
        let chooser = remedies_for(failure).chooser;
        let due = (severity == FailureSeverity::Minor)
            .then(|| remedy_due_at(calendar, now, settings.claim_remedy_business_days));
        (Some(severity), Some(chooser), due)
    } else {
        (None, None, None)
    };
    let major_json = serde_json::to_string(&reasons).map_err(DomainError::internal)?;
    let after = save(&mut w, &before, step::ASSESSED, Some(reason.clone()), |c| {
        c.status = Set(status);
        c.severity = Set(severity);
        c.major_reasons = Set(major_json);
        c.assessment_reason = Set(Some(reason));
        c.chooser = Set(chooser);
        c.remedy_due_at = Set(due_at);
    })
    .await?;
    if let Some(due_at) = due_at {
        let plan = TimerPlan::new(timer_kind::REMEDY_DUE, after.id, due_at);
        timers::plan(w.conn(), &plan, now).await?;
    }
    w.commit(after).await
}

/// A remedy chosen for a claim.
#[derive(Debug, Clone)]
pub struct RemedyChoice {
    pub claim_id: Uuid,
    pub remedy: Remedy,
    /// Money remedies other than a refund of goods: the amount (incl. GST).
    pub amount: Option<String>,
    /// What will be done (e.g. the repair), for the customer.
    pub note: Option<String>,
}

/// The price incl. GST of the claimed units of a goods line on `invoice`.
fn claimed_units_price(invoice: &Invoice, line: &order_line::Model, units: i32) -> Option<i64> {
    invoice
        .lines
        .iter()
        .find(|l| l.kind == InvoiceLineKind::Item && l.sku.as_deref() == Some(line.sku.as_str()))
        .and_then(|l| units_price(l.total_cents, &l.quantity, units))
}

/// Choose a claim's remedy: exactly one of those the law allows for its
/// failure (REMEDY_NOT_ALLOWED otherwise), by its chooser (the business
/// through ManageClaims staff; the customer itself, or staff recording its
/// choice). Money goes back through a REFUND approval; a replacement is a
/// no-charge order; a repair or a service supplied again is tracked.
pub async fn choose_remedy(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &RemedyChoice,
) -> Result<Committed<guarantee_claim::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::LodgeClaims).await?;
    let before = load_for_change(&w, input.claim_id).await?;
    let status = claim_state::apply(before.status, Event::RemedyChosen).map_err(illegal)?;
    let failure = failure_of(&before)
        .ok_or_else(|| DomainError::internal("a claim awaiting a remedy has no failure"))?;
    let Remedies {
        chooser, options, ..
    } = remedies_for(failure);
    let staff = Permission::ManageClaims.allows(ctx.actor.role);
    let may_choose = match chooser {
        Chooser::Supplier => staff,
        Chooser::Customer => {
            staff || matches!(Scope::of_ctx(ctx), Scope::Party(p) if before.customer_id == Some(p))
        }
    };
    if !may_choose {
        if ctx.actor.role.is_staff() && chooser == Chooser::Customer {
            return Err(DomainError::Forbidden);
        }
        return Err(DomainError::rejected(
            &["remedy"],
            ErrorCode::NotRemedyChooser,
            match chooser {
                Chooser::Supplier => {
                    "the business chooses the remedy for a minor failure until its reasonable time has passed"
                }
                Chooser::Customer => "the customer chooses the remedy for this failure",
            },
        ));
    }
    if !options.contains(&input.remedy) {
        let allowed: Vec<String> = options.iter().map(ToString::to_string).collect();
        return Err(DomainError::rejected(
            &["remedy"],
            ErrorCode::RemedyNotAllowed,
            format!(
                "the law offers {} for this failure, not {}",
                allowed.join(", "),
                input.remedy
            ),
        ));
    }
    let mut fields = Fields::new();
    let note = fields.free_text(&["note"], "note", input.note.as_deref(), MAX_TEXT);
    let given = fields.optional("amount", input.amount.as_deref(), Money::parse);
    // Money back: how much, against which invoice.
    let mut money: Option<Money> = None;
    let wants_money = input.remedy == Remedy::Refund || needs_amount(input.remedy);
    let invoice = if wants_money {
        invoice_of(w.conn(), before.order_id, before.engagement_id).await?
    } else {
        None
    };
    if wants_money {
        match &invoice {
            None => fields.refuse(
                "remedy",
                ErrorCode::InvalidState,
                "there is no tax invoice to pay money back against",
            ),
            Some(invoice) => {
                let left = refundable(w.conn(), invoice).await?;
                if input.remedy == Remedy::Refund {
                    let line = match before.order_line_id {
                        Some(id) => order_line::Entity::find_by_id(id).one(w.conn()).await?,
                        None => None,
                    };
                    let price = line
                        .as_ref()
                        .and_then(|l| claimed_units_price(invoice, l, before.quantity))
                        .unwrap_or(0);
                    let cents = price.min(left.cents());
                    if cents > 0 {
                        money = Some(Money::from_cents(cents));
                    } else {
                        fields.refuse(
                            "remedy",
                            ErrorCode::InvalidState,
                            "nothing of the claimed goods is left to refund on the invoice",
                        );
                    }
                } else {
                    match given {
                        None if input.amount.as_deref().is_none_or(|a| a.trim().is_empty()) => {
                            fields.refuse(
                                "amount",
                                ErrorCode::Required,
                                format!("amount is required for {}", input.remedy),
                            )
                        }
                        None => {}
                        Some(a) if a.cents() <= 0 || a.cents() > left.cents() => fields.refuse(
                            "amount",
                            ErrorCode::OutOfRange,
                            format!("more than $0.00 and at most the {left} still refundable"),
                        ),
                        Some(a) => money = Some(a),
                    }
                }
            }
        }
    }
    fields.finish(|| Some(()))?;
    let now = w.now();
    let words = match money {
        Some(m) => format!("{} (${m})", remedy_words(input.remedy)),
        None => remedy_words(input.remedy).to_owned(),
    };
    let step_note = match &note {
        Some(n) => format!("{words}. {n}"),
        None => words,
    };
    // The claim is under way before money moves: an approval granted at
    // once finds it so and completes it in this write.
    let mut after = save(&mut w, &before, step::REMEDY_CHOSEN, Some(step_note), |c| {
        c.status = Set(status);
        c.remedy = Set(Some(input.remedy));
        c.remedy_chosen_at = Set(Some(now));
        c.remedy_amount_cents = Set(money.map(Money::cents));
        c.refund_id = Set(None);
        c.approval_id = Set(None);
        c.adjustment_note_id = Set(None);
        c.replacement_order_id = Set(None);
        c.remedy_note = Set(note.clone());
    })
    .await?;
    if let Some(amount) = money {
        let back = PayBack {
            subject_type: SUBJECT_TYPE,
            subject_id: after.id,
            order_id: after.order_id,
            owner_party: after.customer_id,
            amount,
            reason: format!("Claim {}: {}", after.number, input.remedy),
        };
        let paid = pay_back(&mut w, calendar, &back).await?;
        let current = locked(w.conn(), after.id)
            .await?
            .ok_or_else(|| DomainError::internal("claim vanished"))?;
        after = w
            .change::<guarantee_claim::Entity>(current.id, current.version, |c| match paid {
                MoneyBack::CardRefund { refund_id } => c.refund_id = Set(Some(refund_id)),
                MoneyBack::Approval { approval_id } => c.approval_id = Set(Some(approval_id)),
            })
            .await?;
        w.audit(
            SUBJECT_TYPE,
            after.id,
            "claim.money_back_requested",
            Some(&current),
            Some(&after),
        )
        .await?;
    } else if input.remedy == Remedy::Replacement {
        let (Some(order_id), Some(line_id)) = (after.order_id, after.order_line_id) else {
            return Err(DomainError::internal(
                "a goods claim without its order line",
            ));
        };
        let original = crate::orders::find(w.conn(), order_id)
            .await?
            .ok_or_else(|| DomainError::internal("a claim's order vanished"))?;
        let reason = format!("claim {}", after.number);
        let replacement = crate::orders::place_replacement_in(
            &mut w,
            calendar,
            &original,
            &[(line_id, after.quantity)],
            &reason,
        )
        .await?;
        let current = after.clone();
        after = w
            .change::<guarantee_claim::Entity>(current.id, current.version, |c| {
                c.replacement_order_id = Set(Some(replacement.order.id))
            })
            .await?;
        w.audit(
            SUBJECT_TYPE,
            after.id,
            "claim.replacement_placed",
            Some(&current),
            Some(&after),
        )
        .await?;
    }
    w.commit(after).await
}

/// A repair or a service supplied again, done.
#[derive(Debug, Clone)]
pub struct Completion {
    pub claim_id: Uuid,
    /// What was done (required).
    pub note: String,
}

/// Record a tracked remedy (REPAIR, RESUPPLY_SERVICE) done (ManageClaims):
/// the claim is REMEDIED.
pub async fn complete_remedy(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &Completion,
) -> Result<Committed<guarantee_claim::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let before = load_for_change(&w, input.claim_id).await?;
    let status = claim_state::apply(before.status, Event::RemedyDelivered).map_err(illegal)?;
    if !before.remedy.is_some_and(is_tracked) {
        return Err(DomainError::rejected(
            &["claimId"],
            ErrorCode::InvalidState,
            "only a repair or a service supplied again is completed by hand; refunds and replacements complete themselves",
        ));
    }
    let mut fields = Fields::new();
    let note = if input.note.trim().is_empty() {
        fields.refuse("note", ErrorCode::Required, "note is required");
        None
    } else {
        fields.free_text(&["note"], "note", Some(&input.note), MAX_TEXT)
    };
    let note = fields.finish(|| note)?;
    let now = w.now();
    let after = save(&mut w, &before, step::REMEDIED, Some(note.clone()), |c| {
        c.status = Set(status);
        c.remedy_note = Set(Some(note));
        c.remedied_at = Set(Some(now));
    })
    .await?;
    timers::cancel_planned(w.conn(), timer_kind::REMEDY_DUE, after.id).await?;
    w.commit(after).await
}

/// Withdraw a claim (its customer, or staff) before a remedy is under way.
pub async fn withdraw(
    db: &DatabaseConnection,
    ctx: &Ctx,
    claim_id: Uuid,
    reason: Option<&str>,
) -> Result<Committed<guarantee_claim::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::LodgeClaims).await?;
    let before = load_for_change(&w, claim_id).await?;
    let status = claim_state::apply(before.status, Event::Withdraw).map_err(illegal)?;
    let mut fields = Fields::new();
    let reason = fields.free_text(&["reason"], "reason", reason, MAX_TEXT);
    fields.finish(|| Some(()))?;
    let after = save(&mut w, &before, step::WITHDRAWN, reason, |c| {
        c.status = Set(status)
    })
    .await?;
    timers::cancel_planned(w.conn(), timer_kind::REMEDY_DUE, after.id).await?;
    w.commit(after).await
}

// ---- Hooks the other flows call ----------------------------------------

/// The claim's remedy was delivered (in the write that saw it).
async fn remedied(
    w: &mut Write<'_>,
    before: &guarantee_claim::Model,
    note_id: Option<Uuid>,
    note: String,
) -> Result<(), DomainError> {
    let status = claim_state::apply(before.status, Event::RemedyDelivered).map_err(illegal)?;
    let now = w.now();
    save(w, before, step::REMEDIED, Some(note), |c| {
        c.status = Set(status);
        c.remedied_at = Set(Some(now));
        if note_id.is_some() {
            c.adjustment_note_id = Set(note_id);
        }
    })
    .await?;
    timers::cancel_planned(w.conn(), timer_kind::REMEDY_DUE, before.id).await?;
    Ok(())
}

/// The claim's remedy fell through: back to choosing one. A minor failure
/// whose reasonable time has already passed hands the choice to the customer.
async fn fell_through(
    w: &mut Write<'_>,
    before: &guarantee_claim::Model,
    why: String,
) -> Result<(), DomainError> {
    let status = claim_state::apply(before.status, Event::RemedyFellThrough).map_err(illegal)?;
    let now = w.now();
    let overdue = before.severity == Some(FailureSeverity::Minor)
        && before.chooser == Some(Chooser::Supplier)
        && before.remedy_due_at.is_some_and(|d| d <= now);
    save(w, before, step::REMEDY_FELL_THROUGH, Some(why), |c| {
        c.status = Set(status);
        c.remedy = Set(None);
        c.remedy_amount_cents = Set(None);
        c.refund_id = Set(None);
        c.approval_id = Set(None);
        if overdue {
            c.supplier_failed_to_remedy = Set(true);
            c.chooser = Set(Some(Chooser::Customer));
        }
    })
    .await?;
    Ok(())
}

/// The REFUND approval on a claim closed (money paid outside the hub):
/// approved gives the adjustment note and the claim is REMEDIED; rejected,
/// expired or cancelled sends it back to choosing a remedy.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(claim) = locked(w.conn(), request.subject_id).await? else {
        return Ok(());
    };
    // An approval granted at once runs before the claim records its id.
    let ours = claim.approval_id == Some(request.id)
        || (claim.approval_id.is_none()
            && claim.refund_id.is_none()
            && claim.remedy_amount_cents.is_some());
    if claim.status != ClaimStatus::RemedyInProgress || !ours {
        return Ok(());
    }
    if request.status == ApprovalStatus::Approved {
        let Some(invoice) = invoice_of(w.conn(), claim.order_id, claim.engagement_id).await? else {
            return Err(DomainError::internal(
                "a claim's refund approval without an invoice",
            ));
        };
        let amount = Money::from_cents(claim.remedy_amount_cents.unwrap_or(0));
        let reason = format!(
            "Claim {}: {}",
            claim.number,
            claim.remedy.map(|r| r.to_string()).unwrap_or_default()
        );
        let note = note_for_approved(w, &invoice, amount, &reason).await?;
        let words = format!("${amount} paid back (adjustment note issued)");
        remedied(w, &claim, Some(note), words).await
    } else {
        let why = format!(
            "the refund approval was {}",
            request.status.to_string().to_lowercase()
        );
        fell_through(w, &claim, why).await
    }
}

/// A card refund paying a claim's remedy ended: SUCCEEDED remedies it (with
/// the refund's adjustment note), FAILED sends it back to choosing.
pub async fn on_refund_outcome(
    w: &mut Write<'_>,
    refund: &refund::Model,
) -> Result<(), DomainError> {
    let Some(claim) = locked_where(w, guarantee_claim::Column::RefundId, refund.id).await? else {
        return Ok(());
    };
    if claim.status != ClaimStatus::RemedyInProgress || claim.refund_id != Some(refund.id) {
        return Ok(());
    }
    match refund.status {
        RefundStatus::Succeeded => {
            let words = format!(
                "${} refunded to your card",
                Money::from_cents(refund.amount_cents)
            );
            remedied(w, &claim, refund.adjustment_note_id, words).await
        }
        RefundStatus::Failed => {
            let why = refund
                .failure_reason
                .clone()
                .unwrap_or_else(|| "the refund failed".into());
            fell_through(w, &claim, why).await
        }
        _ => Ok(()),
    }
}

/// A claim's replacement order was delivered: the claim is REMEDIED.
pub async fn on_replacement_delivered(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    let Some(claim) =
        locked_where(w, guarantee_claim::Column::ReplacementOrderId, order.id).await?
    else {
        return Ok(());
    };
    if claim.status != ClaimStatus::RemedyInProgress {
        return Ok(());
    }
    let words = format!("the replacement ({}) was delivered", order.number);
    remedied(w, &claim, None, words).await
}

/// A minor failure's reasonable time ran out (the timer): if the remedy has
/// not come, the customer may reject. Returns whether the claim changed.
pub async fn on_remedy_due(
    db: &DatabaseConnection,
    ctx: &Ctx,
    claim_id: Uuid,
) -> Result<bool, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageClaims).await?;
    let Some(before) = locked(w.conn(), claim_id).await? else {
        return Ok(false);
    };
    let now = w.now();
    let waiting_on_us = match before.status {
        ClaimStatus::AwaitingRemedy => before.chooser == Some(Chooser::Supplier),
        ClaimStatus::RemedyInProgress => before.remedy.is_some_and(is_tracked),
        _ => false,
    };
    let due = before.remedy_due_at.is_some_and(|d| d <= now);
    if !waiting_on_us || !due || before.supplier_failed_to_remedy {
        return Ok(false);
    }
    let status = claim_state::apply(before.status, Event::ReasonableTimePassed).map_err(illegal)?;
    let note = "The reasonable time to remedy this minor failure has passed".to_owned();
    save(
        &mut w,
        &before,
        step::REASONABLE_TIME_PASSED,
        Some(note),
        |c| {
            c.status = Set(status);
            c.supplier_failed_to_remedy = Set(true);
            c.chooser = Set(Some(Chooser::Customer));
            c.remedy = Set(None);
        },
    )
    .await?;
    w.commit(()).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn the_claimed_units_cost_their_share_of_the_line_rounded_half_up() {
        assert_eq!(units_price(6000, "3", 1), Some(2000));
        assert_eq!(units_price(1000, "3", 1), Some(333));
        assert_eq!(units_price(1001, "2", 1), Some(501));
        assert_eq!(units_price(6000, "3", 3), Some(6000));
        // Never more than the line.
        assert_eq!(units_price(6000, "3", 5), Some(6000));
        assert_eq!(units_price(6000, "1.5", 1), None);
        assert_eq!(units_price(6000, "0", 1), None);
    }

    #[test]
    fn goods_are_supplied_once_shipped_and_services_once_paid() {
        use OrderStatus as S;
        for s in [S::Shipped, S::PartiallyShipped, S::Delivered, S::Closed] {
            assert!(supplied(s, ProductKind::Goods), "{s:?}");
            assert!(supplied(s, ProductKind::Service), "{s:?}");
        }
        for s in [S::Paid, S::Packing] {
            assert!(!supplied(s, ProductKind::Goods), "{s:?}");
            assert!(supplied(s, ProductKind::Service), "{s:?}");
        }
        for s in [
            S::Placed,
            S::Reserved,
            S::Invoiced,
            S::AwaitingPayment,
            S::Cancelled,
        ] {
            assert!(!supplied(s, ProductKind::Goods), "{s:?}");
            assert!(!supplied(s, ProductKind::Service), "{s:?}");
        }
    }

    #[test]
    fn a_minor_failure_is_due_at_close_of_business_after_its_business_days() {
        let cal = BusinessCalendar::sydney([NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()]);
        // Mon 21 Dec 2026, 10:00 Sydney; 5 business days skip Christmas and
        // the weekend: Tue 29 Dec (Boxing Day's Monday is not in this calendar).
        let now = Utc.with_ymd_and_hms(2026, 12, 20, 23, 0, 0).unwrap();
        let due = remedy_due_at(&cal, now, 5);
        assert_eq!(
            cal.local_date(due),
            NaiveDate::from_ymd_opt(2026, 12, 29).unwrap()
        );
        assert_eq!(cal.to_local(due).time(), cal.close());
    }

    #[test]
    fn money_remedies_need_an_amount_and_hand_work_is_tracked() {
        use sea_orm::Iterable;
        for r in Remedy::iter() {
            assert!(!(needs_amount(r) && is_tracked(r)), "{r:?}");
        }
        assert!(!needs_amount(Remedy::Refund));
        assert!(!needs_amount(Remedy::Replacement));
        assert!(is_tracked(Remedy::Repair) && is_tracked(Remedy::ResupplyService));
    }
}
