//! A mandatory injury report's deadline emails to staff (internal, no
//! links: staff act in the Hub). Both are about the report (the
//! notification's subject), so each is sent once per recipient:
//!
//! - INJURY_REPORT_REMINDER (to COMPLIANCE, the business day before it is
//!   due): which report, what happened, when the business became aware, when
//!   it is due, and how to submit it and record the ACCC's reference.
//! - INJURY_REPORT_OVERDUE (to ADMIN, the day after it was due): the same,
//!   said as overdue.

use super::purchasing::{Business, day};
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::safety::injuries;
use entity::{InjurySeverity, NotificationKind, injury_report, product};
use sea_orm::EntityTrait;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("injury_deadline");

/// Where the ACCC takes mandatory reports.
pub const ACCC_FORM: &str =
    "the ACCC's online mandatory reporting form (Product Safety Australia, productsafety.gov.au)";

fn severity_words(s: InjurySeverity) -> &'static str {
    match s {
        InjurySeverity::Death => "Death",
        InjurySeverity::SeriousInjury => "Serious injury",
        InjurySeverity::Illness => "Serious illness",
    }
}

/// The staff email about one report's deadline.
#[derive(Debug, Clone, Serialize)]
pub struct InjuryDeadlineContext {
    pub subject: String,
    /// Overdue (to ADMIN), else a reminder (to COMPLIANCE).
    pub overdue: bool,
    pub number: String,
    pub product: String,
    pub sku: String,
    pub severity: &'static str,
    pub incident_on: String,
    pub incident_place: String,
    pub affected_person: String,
    pub aware_on: String,
    pub due_on: String,
    pub accc_form: &'static str,
    pub business: Business,
}

/// The email about `r` (of the product named `name`, `sku`), a reminder
/// or overdue.
pub fn deadline_context(
    r: &injury_report::Model,
    (name, sku): (&str, &str),
    overdue: bool,
    business: Business,
) -> InjuryDeadlineContext {
    let due_on = day(r.due_on);
    let subject = if overdue {
        format!(
            "{} OVERDUE: mandatory injury report was due {due_on}",
            r.number
        )
    } else {
        format!("{}: mandatory injury report due {due_on}", r.number)
    };
    InjuryDeadlineContext {
        subject,
        overdue,
        number: r.number.clone(),
        product: name.to_owned(),
        sku: sku.to_owned(),
        severity: severity_words(r.severity),
        incident_on: day(r.incident_on),
        incident_place: r.incident_place.clone(),
        affected_person: r.affected_person.clone(),
        aware_on: day(r.aware_on),
        due_on,
        accc_form: ACCC_FORM,
        business,
    }
}

pub fn injury_deadline(ctx: &InjuryDeadlineContext) -> Result<Rendered, minijinja::Error> {
    render_pair("injury_deadline", ctx.subject.clone(), ctx)
}

/// INJURY_REPORT_REMINDER and INJURY_REPORT_OVERDUE: the notification's
/// subject is the report.
pub(super) async fn render_injury_deadline(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let r = injuries::find(source.db, source.n.subject_id)
        .await?
        .ok_or("injury report of a deadline email not found")?;
    let p = product::Entity::find_by_id(r.product_id)
        .one(source.db)
        .await?
        .ok_or("product of an injury report not found")?;
    let overdue = source.n.kind == NotificationKind::InjuryReportOverdue;
    Ok(injury_deadline(&deadline_context(
        &r,
        (&p.name, &p.sku),
        overdue,
        Business::of(source.settings),
    ))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use entity::InjuryReportStatus;
    use uuid::Uuid;

    fn report() -> injury_report::Model {
        let at = fixtures::utc("2027-03-24T01:00:00Z");
        injury_report::Model {
            id: Uuid::now_v7(),
            number: "INJ-000007".into(),
            product_id: Uuid::now_v7(),
            batch_id: None,
            order_id: None,
            supply_details: "Sold online".into(),
            incident_on: "2027-03-22".parse().unwrap(),
            incident_place: "Kitchen <home> & yard".into(),
            affected_person: "A child, 4".into(),
            severity: InjurySeverity::SeriousInjury,
            actions_taken: "Stopped sales".into(),
            aware_on: "2027-03-24".parse().unwrap(),
            due_on: "2027-03-30".parse().unwrap(),
            status: InjuryReportStatus::Open,
            submitted_at: None,
            accc_reference: None,
            reported_by: "x".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn product() -> (&'static str, &'static str) {
        ("Heater \"Cosy\" <2000W>", "HTR-1")
    }

    #[test]
    fn a_reminder_says_what_when_and_how_to_submit() {
        let ctx = deadline_context(&report(), product(), false, fixtures::business());
        let r = injury_deadline(&ctx).unwrap();
        assert_eq!(
            r.subject,
            "INJ-000007: mandatory injury report due Tuesday 30 March 2027"
        );
        assert!(r.text.contains("Severity: Serious injury"), "{}", r.text);
        assert!(
            r.text.contains("Aware since: Wednesday 24 March 2027"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Due: Tuesday 30 March 2027"), "{}", r.text);
        assert!(
            r.text.contains("online mandatory reporting form"),
            "{}",
            r.text
        );
        assert!(r.text.contains("with its reference"), "{}", r.text);
        assert!(
            r.html.contains("Kitchen &lt;home&gt; &amp; yard"),
            "{}",
            r.html
        );
        assert!(r.html.contains("&lt;2000W&gt;"), "{}", r.html);
        assert!(!r.text.contains("\n\n\n"), "{}", r.text);
        assert!(!r.text.contains("overdue"), "{}", r.text);
    }

    #[test]
    fn an_overdue_email_says_it_is_overdue() {
        let ctx = deadline_context(&report(), product(), true, fixtures::business());
        let r = injury_deadline(&ctx).unwrap();
        assert!(r.subject.contains("OVERDUE"), "{}", r.subject);
        assert!(r.text.contains("is overdue"), "{}", r.text);
        assert!(r.html.contains("is overdue"), "{}", r.html);
    }
}
