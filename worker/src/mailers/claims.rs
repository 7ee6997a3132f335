//! The email telling a customer of one step of their consumer-guarantee
//! claim (CLAIM_UPDATE; subject: the step, so each step is told once). It
//! says what happened and what comes next: lodged (we assess it), assessed
//! as a major failure (the remedies they may choose) or a minor one (what we
//! will choose between and by when, and their right to reject if we do not),
//! not a failure (with the reason), a remedy under way, remedied, a refund
//! that did not go through (choose again), and the reasonable time passed
//! (they may now reject). Transactional, no links: the customer answers by
//! replying or through the Hub's apps.

use super::purchasing::{Business, day};
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::aftersales::{self, claims};
use domain::rules::calendar::BusinessCalendar;
use domain::rules::remedies::{Failure, remedies_for};
use entity::{
    FailureSeverity, SupplyKind, engagement, guarantee_claim, order_line, remedy_step, sales_order,
};
use sea_orm::EntityTrait;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("claim_update");

/// What the step was, for the templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Lodged,
    Major,
    Minor,
    NotFailed,
    Chosen,
    Remedied,
    FellThrough,
    TimePassed,
    Withdrawn,
}

/// One claim step's email.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimUpdateContext {
    pub subject: String,
    pub kind: Kind,
    pub name: String,
    pub number: String,
    /// What the claim is about, e.g. "2 × Kettle (KET-1) from order SO-000012".
    pub item: String,
    /// Goods (reject, return) or services (cancel).
    pub goods: bool,
    /// The step's note: an assessment's reason, the remedy, why it fell through.
    pub note: Option<String>,
    /// The remedies the customer may choose, or we choose between, in
    /// words ("a, b or c"); empty when none apply to the step.
    pub remedies: String,
    /// For a minor failure: the remedies open to the customer if we do not
    /// act in time, in words.
    pub fallback: String,
    /// When a minor failure's remedy is due (Sydney day).
    pub due: Option<String>,
    pub business: Business,
}

/// "a, b or c".
fn words(remedies: &[entity::Remedy]) -> String {
    let all: Vec<&str> = remedies.iter().map(|r| claims::remedy_words(*r)).collect();
    match all.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The email about `step` of claim `c` (about `item`, for `name`).
pub fn compose(
    c: &guarantee_claim::Model,
    step: &remedy_step::Model,
    item: String,
    name: String,
    business: Business,
) -> ClaimUpdateContext {
    let cal = BusinessCalendar::default();
    let failure = |rejected: bool| {
        c.severity.map(|severity| Failure {
            supply: c.supply,
            severity,
            supplier_failed_to_remedy: rejected,
        })
    };
    let goods = c.supply == SupplyKind::Goods;
    let kind = match step.step.as_str() {
        claims::step::LODGED => Kind::Lodged,
        claims::step::ASSESSED => match c.severity {
            Some(FailureSeverity::Major) => Kind::Major,
            Some(FailureSeverity::Minor) => Kind::Minor,
            None => Kind::NotFailed,
        },
        claims::step::REMEDY_CHOSEN => Kind::Chosen,
        claims::step::REMEDIED => Kind::Remedied,
        claims::step::REMEDY_FELL_THROUGH => Kind::FellThrough,
        claims::step::REASONABLE_TIME_PASSED => Kind::TimePassed,
        _ => Kind::Withdrawn,
    };
    let (remedies, fallback) = match kind {
        Kind::Major | Kind::Minor => failure(false).map_or((String::new(), String::new()), |f| {
            let r = remedies_for(f);
            (words(&r.options), words(&r.if_not_remedied))
        }),
        Kind::TimePassed => failure(true).map_or((String::new(), String::new()), |f| {
            (words(&remedies_for(f).options), String::new())
        }),
        Kind::FellThrough => (words(&claims::allowed_remedies(c)), String::new()),
        _ => (String::new(), String::new()),
    };
    let due = c.remedy_due_at.map(|at| day(cal.local_date(at)));
    let what = match kind {
        Kind::Lodged => "we received it".to_owned(),
        Kind::Major => "a major failure: you choose the remedy".to_owned(),
        Kind::Minor => match &due {
            Some(d) => format!("a minor failure: we will fix it by {d}"),
            None => "a minor failure: we will fix it".to_owned(),
        },
        Kind::NotFailed => "we found no guarantee failed".to_owned(),
        Kind::Chosen => "your remedy is under way".to_owned(),
        Kind::Remedied => "remedied".to_owned(),
        Kind::FellThrough => "the refund did not go through: please choose again".to_owned(),
        Kind::TimePassed if goods => "you may now reject the goods".to_owned(),
        Kind::TimePassed => "you may now cancel the service".to_owned(),
        Kind::Withdrawn => "withdrawn".to_owned(),
    };
    ClaimUpdateContext {
        subject: format!("Your claim {}: {what}", c.number),
        kind,
        name,
        number: c.number.clone(),
        item,
        goods,
        note: step.note.clone(),
        remedies,
        fallback,
        due,
        business,
    }
}

pub fn claim_update(ctx: &ClaimUpdateContext) -> Result<Rendered, minijinja::Error> {
    render_pair("claim_update", ctx.subject.clone(), ctx)
}

/// CLAIM_UPDATE: the notification's subject is the step.
pub(super) async fn render_claim_update(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let step = aftersales::find_step(source.db, source.n.subject_id)
        .await?
        .ok_or("claim step of a claim email not found")?;
    let c = claims::find(source.db, step.subject_id)
        .await?
        .ok_or("claim of a claim email not found")?;
    let order = match c.order_id {
        Some(id) => sales_order::Entity::find_by_id(id).one(source.db).await?,
        None => None,
    };
    let item = match (c.order_line_id, c.engagement_id) {
        (Some(line), _) => {
            let line = order_line::Entity::find_by_id(line)
                .one(source.db)
                .await?
                .ok_or("order line of a claim not found")?;
            let from = order
                .as_ref()
                .map(|o| format!(" from order {}", o.number))
                .unwrap_or_default();
            format!("{} × {} ({}){from}", c.quantity, line.name, line.sku)
        }
        (None, Some(id)) => {
            let e = engagement::Entity::find_by_id(id)
                .one(source.db)
                .await?
                .ok_or("engagement of a claim not found")?;
            format!("{} ({})", e.name, e.number)
        }
        (None, None) => "your purchase".to_owned(),
    };
    let customer = match c.customer_id {
        Some(id) => domain::customers::find(source.db, id)
            .await?
            .map(|p| p.name),
        None => None,
    };
    let name = customer
        .or_else(|| order.map(|o| o.contact_name))
        .unwrap_or_else(|| "there".to_owned());
    Ok(claim_update(&compose(
        &c,
        &step,
        item,
        name,
        Business::of(source.settings),
    ))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use entity::{Chooser, ClaimStatus, Guarantee};
    use uuid::Uuid;

    fn claim() -> guarantee_claim::Model {
        let at = fixtures::utc("2026-11-23T01:00:00Z");
        guarantee_claim::Model {
            id: Uuid::now_v7(),
            number: "CLM-000004".into(),
            customer_id: None,
            supply: SupplyKind::Goods,
            order_id: None,
            order_line_id: None,
            engagement_id: None,
            quantity: 1,
            guarantee: Guarantee::AcceptableQuality,
            facts: "It stopped".into(),
            status: ClaimStatus::AwaitingRemedy,
            severity: Some(FailureSeverity::Minor),
            major_reasons: "[]".into(),
            assessment_reason: Some("The switch <failed> & sparks".into()),
            chooser: Some(Chooser::Supplier),
            supplier_failed_to_remedy: false,
            remedy_due_at: Some(fixtures::utc("2026-12-07T06:00:00Z")),
            remedy: None,
            remedy_chosen_at: None,
            remedy_amount_cents: None,
            refund_id: None,
            approval_id: None,
            adjustment_note_id: None,
            replacement_order_id: None,
            remedy_note: None,
            remedied_at: None,
            lodged_by: "x".into(),
            version: 2,
            created_at: at,
            updated_at: at,
        }
    }

    fn step(kind: &str, note: Option<&str>) -> remedy_step::Model {
        remedy_step::Model {
            id: Uuid::now_v7(),
            subject_type: claims::SUBJECT_TYPE.into(),
            subject_id: Uuid::now_v7(),
            step: kind.into(),
            status_after: "AWAITING_REMEDY".into(),
            note: note.map(str::to_owned),
            actor: "x".into(),
            at: fixtures::utc("2026-11-23T01:00:00Z"),
        }
    }

    fn render(c: &guarantee_claim::Model, kind: &str, note: Option<&str>) -> Rendered {
        let ctx = compose(
            c,
            &step(kind, note),
            "1 × Kettle <Deluxe> (KET-1) from order SO-000012".into(),
            "Tom & <Jerry>".into(),
            fixtures::business(),
        );
        claim_update(&ctx).unwrap()
    }

    /// Writes the steps' HTML for a look in a browser
    /// (`RENDER_EMAILS=dir cargo test -p worker mailers::claims`).
    #[test]
    fn render_for_a_look() {
        let Some(dir) = std::env::var_os("RENDER_EMAILS") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        for (name, kind, note) in [
            (
                "claim_assessed",
                claims::step::ASSESSED,
                Some("The switch failed"),
            ),
            (
                "claim_time_passed",
                claims::step::REASONABLE_TIME_PASSED,
                None,
            ),
        ] {
            let html = render(&claim(), kind, note).html;
            std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
        }
    }

    #[test]
    fn a_minor_failure_says_what_we_choose_between_by_when_and_the_right_to_reject() {
        let r = render(
            &claim(),
            claims::step::ASSESSED,
            Some("The switch <failed> & sparks"),
        );
        assert_eq!(
            r.subject,
            "Your claim CLM-000004: a minor failure: we will fix it by Monday 7 December 2026"
        );
        assert!(r.text.contains("Hello Tom & <Jerry>,"), "{}", r.text);
        assert!(
            r.text.contains("a repair, a replacement or a refund"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("a refund, a replacement or having it fixed elsewhere at our cost"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Monday 7 December 2026"), "{}", r.text);
        assert!(r.html.contains("Tom &amp; &lt;Jerry&gt;"), "{}", r.html);
        assert!(r.html.contains("&lt;failed&gt; &amp; sparks"), "{}", r.html);
        assert!(r.html.contains("Kettle &lt;Deluxe&gt;"), "{}", r.html);
        assert!(!r.text.contains("\n\n\n"), "{}", r.text);
        assert!(!r.html.contains("http"), "no links: {}", r.html);
    }

    #[test]
    fn a_major_failure_lets_the_customer_choose() {
        let c = guarantee_claim::Model {
            severity: Some(FailureSeverity::Major),
            chooser: Some(Chooser::Customer),
            remedy_due_at: None,
            ..claim()
        };
        let r = render(&c, claims::step::ASSESSED, Some("Unsafe"));
        assert_eq!(
            r.subject,
            "Your claim CLM-000004: a major failure: you choose the remedy"
        );
        assert!(
            r.text.contains(
                "a refund, a replacement or keeping the goods with compensation for their drop in value"
            ),
            "{}",
            r.text
        );
        assert!(r.text.contains("Reply to this email"), "{}", r.text);
    }

    #[test]
    fn each_later_step_says_what_happened() {
        let not_failed = guarantee_claim::Model {
            severity: None,
            status: ClaimStatus::NotFailed,
            ..claim()
        };
        let r = render(&not_failed, claims::step::ASSESSED, Some("Worn by use"));
        assert!(
            r.subject.ends_with("we found no guarantee failed"),
            "{}",
            r.subject
        );
        assert!(r.text.contains("Worn by use"), "{}", r.text);

        let r = render(&claim(), claims::step::LODGED, None);
        assert!(r.subject.ends_with("we received it"), "{}", r.subject);
        assert!(r.text.contains("What happens next"), "{}", r.text);

        let r = render(
            &claim(),
            claims::step::REMEDY_CHOSEN,
            Some("a refund ($20.00)"),
        );
        assert!(r.text.contains("a refund ($20.00)"), "{}", r.text);

        let r = render(
            &claim(),
            claims::step::REMEDIED,
            Some("$20.00 refunded to your card"),
        );
        assert!(r.subject.ends_with("remedied"), "{}", r.subject);

        let fell = guarantee_claim::Model {
            severity: Some(FailureSeverity::Major),
            chooser: Some(Chooser::Customer),
            ..claim()
        };
        let r = render(
            &fell,
            claims::step::REMEDY_FELL_THROUGH,
            Some("card expired"),
        );
        assert!(r.text.contains("card expired"), "{}", r.text);
        assert!(r.text.contains("choose again"), "{}", r.text);

        let rejected = guarantee_claim::Model {
            supplier_failed_to_remedy: true,
            chooser: Some(Chooser::Customer),
            ..claim()
        };
        let r = render(&rejected, claims::step::REASONABLE_TIME_PASSED, None);
        assert_eq!(
            r.subject,
            "Your claim CLM-000004: you may now reject the goods"
        );
        assert!(
            r.text
                .contains("a refund, a replacement or having it fixed elsewhere at our cost"),
            "{}",
            r.text
        );
    }
}
