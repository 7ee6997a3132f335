//! Mandatory injury and illness reports (ACL s131) on the ACCC clock.
//!
//! A report records the incident and the Sydney date the business became
//! aware; it is due by `rules::deadlines::injury_report_due` on the business
//! calendar as the database holds it (ADMIN-declared holidays included).
//! COMPLIANCE is reminded at 09:00 Sydney on the business day before it is
//! due (at once when that has passed) and ADMIN is told at 00:00 Sydney the
//! day after, unless its submission to the ACCC was recorded first.
//!
//! "First sold" is the Sydney date of the earliest order placed for the
//! product that was not cancelled or rejected: a report is about a supplied
//! product, so awareness before it (or of a product never ordered) is
//! refused.

use crate::business_time::holidays;
use crate::business_time::timers::{self, TimerPlan};
use crate::kernel::db::find_for_update;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Write,
    fetch_page,
};
use crate::platform::numbering;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::deadlines::injury_report_due;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use entity::{
    InjuryReportStatus, InjurySeverity, OrderStatus, injury_report, order_line, product,
    product_batch, sales_order,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

crate::stamped!(injury_report);

pub const SUBJECT_TYPE: &str = "injury_report";

/// The timers of an open report (subject: the report).
pub mod timer_kind {
    /// Remind COMPLIANCE the business day before it is due.
    pub const REMINDER: &str = "injury_report.reminder";
    /// Tell ADMIN it is overdue, the day after it was due.
    pub const OVERDUE: &str = "injury_report.overdue";
}

/// Longest free-text field (supply details, actions taken).
const MAX_TEXT: usize = 4000;
/// Longest one-line field (place, affected person, reference).
const MAX_LINE: usize = 500;

// ---- Pure rules --------------------------------------------------------

/// A refusal of one field: its name, code and sentence.
pub type Refusal = (&'static str, ErrorCode, String);

/// What is wrong with a report's dates, given Sydney `today` and the day
/// the product was first sold (`None`: never sold). Every refusal at once.
pub fn date_refusals(
    incident_on: NaiveDate,
    aware_on: NaiveDate,
    today: NaiveDate,
    first_sold: Option<NaiveDate>,
) -> Vec<Refusal> {
    let mut out = Vec::new();
    if aware_on > today {
        out.push((
            "awareOn",
            ErrorCode::OutOfRange,
            format!("awareOn cannot be in the future (today is {today} in Sydney)"),
        ));
    }
    match first_sold {
        None => out.push((
            "productId",
            ErrorCode::InvalidState,
            "the product was never sold: a mandatory report is about a product the business supplied"
                .to_owned(),
        )),
        Some(first) if aware_on < first => out.push((
            "awareOn",
            ErrorCode::OutOfRange,
            format!(
                "awareOn cannot be before the product was first sold ({first}, its earliest order)"
            ),
        )),
        Some(_) => {}
    }
    if incident_on > aware_on {
        out.push((
            "incidentOn",
            ErrorCode::OutOfRange,
            "incidentOn cannot be after the day the business became aware (awareOn)".to_owned(),
        ));
    }
    out
}

/// The business day before `due_on`.
fn previous_business_day(cal: &BusinessCalendar, due_on: NaiveDate) -> NaiveDate {
    let mut day = due_on;
    loop {
        day = day.pred_opt().unwrap_or(NaiveDate::MIN);
        if cal.is_business_day(day) || day == NaiveDate::MIN {
            return day;
        }
    }
}

/// When COMPLIANCE is reminded: 09:00 Sydney on the business day before
/// `due_on`, or `now` when that has passed.
pub fn reminder_at(cal: &BusinessCalendar, due_on: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("a time");
    let at = cal.local_to_utc(previous_business_day(cal, due_on).and_time(nine));
    at.max(now)
}

/// When ADMIN is told it is overdue: 00:00 Sydney the day after `due_on`.
pub fn overdue_at(cal: &BusinessCalendar, due_on: NaiveDate) -> DateTime<Utc> {
    let next = due_on.checked_add_days(Days::new(1)).unwrap_or(due_on);
    cal.local_to_utc(next.and_time(NaiveTime::MIN))
}

/// Is an OPEN report due on `due_on` overdue on Sydney `today`?
pub fn is_overdue(status: InjuryReportStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status == InjuryReportStatus::Open && today > due_on
}

// ---- Reading -----------------------------------------------------------

crate::find_by_id! {
    /// A report by id (no permission check: the worker's and loaders' read).
    pub fn find -> injury_report
}

/// A report by id, for staff.
pub async fn find_visible(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<injury_report::Model>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    Ok(find(db, id).await?)
}

/// Which reports to list.
pub type InjuryReportFilter = super::RecordFilter<InjuryReportStatus>;

/// Reports matching `filter`, oldest first (staff).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &InjuryReportFilter,
    page: PageRequest,
) -> Result<Page<injury_report::Model>, DomainError> {
    Permission::ReadSafety.require(ctx)?;
    let mut query = injury_report::Entity::find();
    if let Some(p) = filter.product_id {
        query = query.filter(injury_report::Column::ProductId.eq(p));
    }
    if let Some(b) = filter.batch_id {
        query = query.filter(injury_report::Column::BatchId.eq(b));
    }
    if let Some(s) = filter.status {
        query = query.filter(injury_report::Column::Status.eq(s));
    }
    if let Some(d) = filter.due_before {
        query = query.filter(injury_report::Column::DueOn.lte(d));
    }
    if let Some(d) = filter.due_after {
        query = query.filter(injury_report::Column::DueOn.gte(d));
    }
    Ok(fetch_page(db, query, injury_report::Column::Id, page, |r| r.id).await?)
}

/// The Sydney date `product_id` was first sold: its earliest order that was
/// not cancelled or rejected.
pub async fn first_sold_on<C: ConnectionTrait>(
    conn: &C,
    cal: &BusinessCalendar,
    product_id: Uuid,
) -> Result<Option<NaiveDate>, DbErr> {
    // A subquery, not a list of ids: a best seller is on more orders than a
    // statement takes parameters.
    let orders_of_product = sea_orm::sea_query::Query::select()
        .column(order_line::Column::OrderId)
        .from(order_line::Entity)
        .and_where(order_line::Column::ProductId.eq(product_id))
        .to_owned();
    let first = sales_order::Entity::find()
        .filter(sales_order::Column::Id.in_subquery(orders_of_product))
        .filter(
            sales_order::Column::Status
                .is_not_in([OrderStatus::Cancelled, OrderStatus::ReservationRejected]),
        )
        .order_by_asc(sales_order::Column::CreatedAt)
        .one(conn)
        .await?;
    Ok(first.map(|o| cal.local_date(o.created_at)))
}

/// Who is told at a timer of `kind` about `report_id`: COMPLIANCE for the
/// reminder, ADMIN when overdue; nobody once it was submitted.
pub async fn deadline_recipients<C: ConnectionTrait>(
    conn: &C,
    report_id: Uuid,
    kind: &str,
) -> Result<Vec<String>, DbErr> {
    let Some(report) = find(conn, report_id).await? else {
        return Ok(vec![]);
    };
    if report.status != InjuryReportStatus::Open {
        return Ok(vec![]);
    }
    let role = match kind {
        timer_kind::REMINDER => entity::Role::Compliance,
        timer_kind::OVERDUE => entity::Role::Admin,
        _ => return Ok(vec![]),
    };
    crate::users::emails_of_role(conn, role).await
}

// ---- Writing -----------------------------------------------------------

/// A report as COMPLIANCE records it.
#[derive(Debug, Clone)]
pub struct NewInjuryReport {
    pub product_id: Uuid,
    pub batch_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    pub supply_details: String,
    pub incident_on: NaiveDate,
    pub incident_place: String,
    pub affected_person: String,
    pub severity: InjurySeverity,
    pub actions_taken: String,
    pub aware_on: NaiveDate,
}

/// Required text of several lines: blank is REQUIRED.
fn required_text(fields: &mut Fields, field: &'static str, raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        fields.refuse(field, ErrorCode::Required, format!("{field} is required"));
        return None;
    }
    fields.free_text(&[field], field, Some(raw), MAX_TEXT)
}

/// Record a mandatory injury report (COMPLIANCE, ADMIN): due by the ACCC
/// rule on the calendar's holidays as the database holds them now, with
/// its reminder and overdue timers planned.
pub async fn report(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &NewInjuryReport,
) -> Result<Committed<injury_report::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let cal = holidays::as_committed(w.conn(), calendar).await?;
    let now = w.now();
    let today = cal.local_date(now);
    let mut fields = Fields::new();
    let product = product::Entity::find_by_id(input.product_id)
        .one(w.conn())
        .await?;
    if product.is_none() {
        fields.refuse("productId", ErrorCode::NotFound, "no product with this id");
    }
    if let Some(batch_id) = input.batch_id {
        let batch = product_batch::Entity::find_by_id(batch_id)
            .one(w.conn())
            .await?;
        fields.ensure(
            batch.is_some_and(|b| b.product_id == input.product_id),
            "batchId",
            ErrorCode::NotFound,
            "no batch of this product has this id",
        );
    }
    if let Some(order_id) = input.order_id {
        let line = order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(order_id))
            .filter(order_line::Column::ProductId.eq(input.product_id))
            .one(w.conn())
            .await?;
        fields.ensure(
            line.is_some(),
            "orderId",
            ErrorCode::NotFound,
            "no order with this id has a line of this product",
        );
    }
    let supply_details = required_text(&mut fields, "supplyDetails", &input.supply_details);
    let incident_place = fields.text("incidentPlace", &input.incident_place, MAX_LINE);
    let affected_person = fields.text("affectedPerson", &input.affected_person, MAX_LINE);
    let actions_taken = required_text(&mut fields, "actionsTaken", &input.actions_taken);
    if product.is_some() {
        let first_sold = first_sold_on(w.conn(), &cal, input.product_id).await?;
        for (field, code, message) in
            date_refusals(input.incident_on, input.aware_on, today, first_sold)
        {
            fields.refuse(field, code, message);
        }
    }
    let (supply_details, incident_place, affected_person, actions_taken) = fields.finish(|| {
        Some((
            supply_details?,
            incident_place?,
            affected_person?,
            actions_taken?,
        ))
    })?;
    let due_on = injury_report_due(&cal, input.aware_on);
    let number = numbering::next(w.conn(), numbering::INJURY_REPORT).await?;
    let report = w
        .insert(injury_report::ActiveModel {
            id: Set(Uuid::now_v7()),
            number: Set(number),
            product_id: Set(input.product_id),
            batch_id: Set(input.batch_id),
            order_id: Set(input.order_id),
            supply_details: Set(supply_details),
            incident_on: Set(input.incident_on),
            incident_place: Set(incident_place),
            affected_person: Set(affected_person),
            severity: Set(input.severity),
            actions_taken: Set(actions_taken),
            aware_on: Set(input.aware_on),
            due_on: Set(due_on),
            status: Set(InjuryReportStatus::Open),
            submitted_at: Set(None),
            accc_reference: Set(None),
            reported_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    for (kind, due_at) in [
        (timer_kind::REMINDER, reminder_at(&cal, due_on, now)),
        (timer_kind::OVERDUE, overdue_at(&cal, due_on)),
    ] {
        let plan = TimerPlan::new(kind, report.id, due_at);
        timers::plan(w.conn(), &plan, now).await?;
    }
    w.commit_audited(
        SUBJECT_TYPE,
        report.id,
        "injury_report.reported",
        None,
        report,
    )
    .await
}

/// The ACCC's acknowledgement of a submitted report.
#[derive(Debug, Clone)]
pub struct Submission {
    pub report_id: Uuid,
    pub reference: String,
    pub expected_version: i32,
}

/// Record that a report was submitted to the ACCC (COMPLIANCE, ADMIN): it
/// is SUBMITTED with its reference and its timers are cancelled. Once only.
pub async fn record_submission(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &Submission,
) -> Result<Committed<injury_report::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageSafety).await?;
    let before = find_for_update::<injury_report::Entity, _>(w.conn(), input.report_id)
        .await?
        .ok_or_else(|| DomainError::not_found("reportId", "injury report"))?;
    let mut fields = Fields::new();
    fields.ensure(
        before.status == InjuryReportStatus::Open,
        "reportId",
        ErrorCode::IllegalTransition,
        format!("{} was already submitted", before.number),
    );
    let reference = fields.text("reference", &input.reference, MAX_LINE);
    let reference = fields.finish(|| reference)?;
    let now = w.now();
    let after = w
        .change::<injury_report::Entity>(before.id, input.expected_version, |m| {
            m.status = Set(InjuryReportStatus::Submitted);
            m.submitted_at = Set(Some(now));
            m.accc_reference = Set(Some(reference));
        })
        .await?;
    for kind in [timer_kind::REMINDER, timer_kind::OVERDUE] {
        timers::cancel_planned(w.conn(), kind, before.id).await?;
    }
    w.commit_audited(
        SUBJECT_TYPE,
        before.id,
        "injury_report.submitted",
        Some(&before),
        after,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::day;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// NSW Easter 2027.
    fn cal() -> BusinessCalendar {
        BusinessCalendar::sydney([
            day("2027-03-26"),
            day("2027-03-27"),
            day("2027-03-28"),
            day("2027-03-29"),
        ])
    }

    fn codes(r: &[Refusal]) -> Vec<(&'static str, ErrorCode)> {
        r.iter().map(|(f, c, _)| (*f, *c)).collect()
    }

    #[test]
    fn awareness_must_be_past_and_after_the_first_sale_and_the_incident_before_it() {
        let today = day("2027-03-10");
        let sold = Some(day("2027-03-01"));
        assert!(date_refusals(day("2027-03-05"), day("2027-03-08"), today, sold).is_empty());
        // Today and the day of the first sale are both fine.
        assert!(date_refusals(day("2027-03-01"), day("2027-03-01"), today, sold).is_empty());
        assert!(date_refusals(day("2027-03-10"), today, today, sold).is_empty());
        assert_eq!(
            codes(&date_refusals(
                day("2027-03-05"),
                day("2027-03-11"),
                today,
                sold
            )),
            [("awareOn", ErrorCode::OutOfRange)]
        );
        let before_sale = date_refusals(day("2027-02-20"), day("2027-02-28"), today, sold);
        assert_eq!(codes(&before_sale), [("awareOn", ErrorCode::OutOfRange)]);
        assert!(before_sale[0].2.contains("2027-03-01"), "{before_sale:?}");
        assert_eq!(
            codes(&date_refusals(
                day("2027-03-05"),
                day("2027-03-08"),
                today,
                None
            )),
            [("productId", ErrorCode::InvalidState)]
        );
        // Every refusal at once.
        assert_eq!(
            codes(&date_refusals(
                day("2027-03-12"),
                day("2027-03-11"),
                today,
                None
            )),
            [
                ("awareOn", ErrorCode::OutOfRange),
                ("productId", ErrorCode::InvalidState),
                ("incidentOn", ErrorCode::OutOfRange)
            ]
        );
    }

    #[test]
    fn the_reminder_is_at_nine_the_business_day_before_and_overdue_at_midnight_after() {
        let long_ago = at("2027-01-01T00:00:00Z");
        // Due Wed 24 Mar 2027: reminded Tue 23 Mar 09:00 AEDT (22:00 UTC Mon).
        assert_eq!(
            reminder_at(&cal(), day("2027-03-24"), long_ago),
            at("2027-03-22T22:00:00Z")
        );
        // Due Tue 30 Mar, after Easter: reminded Thu 25 Mar.
        assert_eq!(
            reminder_at(&cal(), day("2027-03-30"), long_ago),
            at("2027-03-24T22:00:00Z")
        );
        // Past already: at once.
        let now = at("2027-03-25T01:00:00Z");
        assert_eq!(reminder_at(&cal(), day("2027-03-30"), now), now);
        // Overdue at 00:00 Sydney the day after (AEST from 4 Apr 2027).
        assert_eq!(
            overdue_at(&cal(), day("2027-03-30")),
            at("2027-03-30T13:00:00Z")
        );
        assert_eq!(
            overdue_at(&cal(), day("2027-04-06")),
            at("2027-04-06T14:00:00Z")
        );
    }

    #[test]
    fn only_an_open_report_past_its_due_day_is_overdue() {
        let due = day("2027-03-24");
        assert!(!is_overdue(InjuryReportStatus::Open, due, due));
        assert!(is_overdue(InjuryReportStatus::Open, due, day("2027-03-25")));
        assert!(!is_overdue(
            InjuryReportStatus::Submitted,
            due,
            day("2027-03-25")
        ));
    }
}
