//! Recall emails (AU-RULES "Product safety"):
//!
//! - RECALL_NOTICE (to a buyer of an affected batch, a customer or a guest
//!   order's address; subject: the buyer's `recall_notice`, so once per
//!   buyer and recall): the
//!   product and batches, the defect and hazard, where and when it was sold,
//!   what to do, the remedy and how to reach the business. A safety notice:
//!   transactional, no marketing consent, no unsubscribe link.
//! - RECALL_ACCC_REMINDER (COMPLIANCE) and RECALL_ACCC_OVERDUE (ADMIN)
//!   (subject: the recall): its number, the ACCC notification's due date and
//!   what to do. Internal, no links: staff act in the hub.

use super::purchasing::{Business, day};
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::safety::recalls;
use entity::{NotificationKind, business_settings, product, recall};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 4] =
    email_templates!("recall_notice", "recall_deadline");

/// What a recall says about itself, for customers and staff alike.
#[derive(Debug, Clone, Serialize)]
pub struct RecallFacts {
    pub number: String,
    pub product: String,
    pub sku: String,
    /// "LOT-A, LOT-B".
    pub batches: String,
    pub defect: String,
    pub hazard: String,
    pub sold_where: String,
    /// "Monday 2 November 2026 to Friday 20 November 2026".
    pub sold_when: String,
    pub customer_action: String,
    pub remedy: String,
    pub business: Business,
}

impl RecallFacts {
    pub fn of(
        r: &recall::Model,
        (product, sku): (&str, &str),
        batch_codes: &[String],
        business: Business,
    ) -> Self {
        RecallFacts {
            number: r.number.clone(),
            product: product.to_owned(),
            sku: sku.to_owned(),
            batches: batch_codes.join(", "),
            defect: r.defect.clone(),
            hazard: r.hazard.clone(),
            sold_where: r.sold_where.clone(),
            sold_when: format!("{} to {}", day(r.sold_from), day(r.sold_to)),
            customer_action: r.customer_action.clone(),
            remedy: r.remedy.clone(),
            business,
        }
    }
}

/// The customer's recall notice.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeContext {
    pub subject: String,
    pub customer: String,
    pub units: i32,
    pub recall: RecallFacts,
}

/// `customer`: the name to greet (a customer's, or a guest order's contact
/// name); without one the notice greets "customer".
pub fn notice_context(facts: RecallFacts, customer: Option<&str>, units: i32) -> NoticeContext {
    let customer = customer
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("customer");
    NoticeContext {
        subject: format!(
            "Product safety recall: {} ({})",
            facts.product, facts.number
        ),
        customer: customer.to_owned(),
        units,
        recall: facts,
    }
}

pub fn recall_notice(ctx: &NoticeContext) -> Result<Rendered, minijinja::Error> {
    render_pair("recall_notice", ctx.subject.clone(), ctx)
}

/// The staff email about a recall's ACCC notification.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineContext {
    pub subject: String,
    pub overdue: bool,
    pub due: String,
    pub started: String,
    pub recall: RecallFacts,
}

pub fn deadline_context(r: &recall::Model, facts: RecallFacts, overdue: bool) -> DeadlineContext {
    let due = day(r.accc_due_on);
    let subject = if overdue {
        format!(
            "{}: ACCC recall notification OVERDUE (was due {due})",
            facts.number
        )
    } else {
        format!("{}: ACCC recall notification due {due}", facts.number)
    };
    DeadlineContext {
        subject,
        overdue,
        due,
        started: day(r.started_on),
        recall: facts,
    }
}

pub fn recall_deadline(ctx: &DeadlineContext) -> Result<Rendered, minijinja::Error> {
    render_pair("recall_deadline", ctx.subject.clone(), ctx)
}

async fn facts(
    db: &DatabaseConnection,
    settings: &business_settings::Model,
    r: &recall::Model,
) -> Result<RecallFacts, BoxDynError> {
    let p = product::Entity::find_by_id(r.product_id)
        .one(db)
        .await?
        .ok_or("product of a recall not found")?;
    let codes: Vec<String> = recalls::batches_of(db, r)
        .await?
        .into_iter()
        .map(|b| b.batch_code)
        .collect();
    Ok(RecallFacts::of(
        r,
        (&p.name, &p.sku),
        &codes,
        Business::of(settings),
    ))
}

/// RECALL_NOTICE: the notification's subject is the customer's notice.
pub(super) async fn render_recall_notice(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let notice = recalls::find_notice(source.db, source.n.subject_id)
        .await?
        .ok_or("recall notice of a recall email not found")?;
    let r = recalls::find(source.db, notice.recall_id)
        .await?
        .ok_or("recall of a recall notice not found")?;
    let customer = recalls::recipient_name(source.db, &notice).await?;
    let ctx = notice_context(
        facts(source.db, source.settings, &r).await?,
        customer.as_deref(),
        notice.units,
    );
    Ok(recall_notice(&ctx)?)
}

/// RECALL_ACCC_REMINDER and RECALL_ACCC_OVERDUE: the subject is the recall.
pub(super) async fn render_recall_deadline(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let r = recalls::find(source.db, source.n.subject_id)
        .await?
        .ok_or("recall of a recall deadline email not found")?;
    let overdue = source.n.kind == NotificationKind::RecallAcccOverdue;
    let ctx = deadline_context(&r, facts(source.db, source.settings, &r).await?, overdue);
    Ok(recall_deadline(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use chrono::NaiveDate;
    use uuid::Uuid;

    fn recall() -> recall::Model {
        let at = fixtures::utc("2026-11-23T00:00:00Z");
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        recall::Model {
            id: Uuid::now_v7(),
            number: "RCL-000001".into(),
            product_id: Uuid::now_v7(),
            batch_ids: "[]".into(),
            defect: "The <hinge> can crack & give way".into(),
            hazard: "The lid can fall and injure fingers.".into(),
            sold_where: "Online shop and Sydney showroom".into(),
            sold_from: d(10, 1),
            sold_to: d(11, 20),
            customer_action: "Stop using the heater and unplug it.".into(),
            remedy: "Return it for a full refund.".into(),
            status: entity::RecallStatus::Active,
            started_on: d(11, 23),
            accc_due_on: d(11, 25),
            accc_submitted_at: None,
            accc_reference: None,
            started_by: "x".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn facts() -> RecallFacts {
        RecallFacts::of(
            &recall(),
            ("Heater \"Cosy\" <2000W>", "HEAT-1"),
            &["LOT-A".into(), "LOT-C".into()],
            fixtures::business(),
        )
    }

    #[test]
    fn a_notice_names_the_product_batches_hazard_what_to_do_and_the_remedy() {
        let r = recall_notice(&notice_context(facts(), Some("Tom & <Jerry>"), 3)).unwrap();
        assert_eq!(
            r.subject,
            "Product safety recall: Heater \"Cosy\" <2000W> (RCL-000001)"
        );
        for text in [
            "LOT-A, LOT-C",
            "The <hinge> can crack & give way",
            "Stop using the heater and unplug it.",
            "Return it for a full refund.",
            "Online shop and Sydney showroom",
            "Thursday 1 October 2026 to Friday 20 November 2026",
            "3 units",
        ] {
            assert!(r.text.contains(text), "{text}: {}", r.text);
        }
        assert!(
            r.html
                .contains("The &lt;hinge&gt; can crack &amp; give way"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Tom &amp; &lt;Jerry&gt;"), "{}", r.html);
        assert!(
            r.unsubscribe_url.is_none(),
            "a safety notice is transactional"
        );
        assert!(!r.text.to_lowercase().contains("unsubscribe"), "{}", r.text);
        assert!(!r.text.contains("\n\n\n"), "{}", r.text);
    }

    #[test]
    fn a_notice_without_a_name_greets_the_customer() {
        for name in [None, Some("  ")] {
            let r = recall_notice(&notice_context(facts(), name, 1)).unwrap();
            assert!(r.text.contains("Dear customer,"), "{}", r.text);
            assert!(r.text.contains("1 unit of"), "{}", r.text);
            assert!(r.html.contains("Dear customer,"), "{}", r.html);
        }
    }

    #[test]
    fn deadline_emails_say_the_number_the_due_date_and_what_to_do() {
        let rem = recall_deadline(&deadline_context(&recall(), facts(), false)).unwrap();
        assert_eq!(
            rem.subject,
            "RCL-000001: ACCC recall notification due Wednesday 25 November 2026"
        );
        assert!(
            rem.text.contains("Product Safety Australia"),
            "{}",
            rem.text
        );
        let over = recall_deadline(&deadline_context(&recall(), facts(), true)).unwrap();
        assert!(over.subject.contains("OVERDUE"), "{}", over.subject);
        assert!(over.text.contains("overdue"), "{}", over.text);
        assert!(!over.text.contains("\n\n\n"), "{}", over.text);
    }
}
