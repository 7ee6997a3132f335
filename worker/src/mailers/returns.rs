//! The email telling a customer of one step of their return (RETURN_UPDATE;
//! subject: the step, so each step is told once): asked for (we decide),
//! approved (with the instructions: the RMA number, what to pack and where),
//! not accepted (with the reason), received and inspected, the refund on
//! its way (the amount), the replacement on its way (its order number),
//! completed, and cancelled. Transactional, no links: the customer answers
//! by replying or through the Hub's apps.

use super::purchasing::Business;
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::aftersales::{self, returns};
use entity::{ReturnResolution, order_line, remedy_step, return_request, sales_order};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("return_update");

/// What the step was, for the templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Requested,
    Approved,
    Rejected,
    Received,
    Refunding,
    Replacing,
    Completed,
    Cancelled,
}

/// One return step's email.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnUpdateContext {
    pub subject: String,
    pub kind: Kind,
    pub name: String,
    pub number: String,
    /// The order the goods were bought on, e.g. SO-000012.
    pub order_number: String,
    /// What comes back, one line each, e.g. "2 × Kettle (KET-1)".
    pub items: Vec<String>,
    /// The reason in words, e.g. "wrong item".
    pub reason: &'static str,
    /// Refund (true) or replacement.
    pub refund: bool,
    /// The instructions (approved), the reason (rejected), the amount
    /// (refunding, e.g. "20.00") or the replacement order's number.
    pub note: Option<String>,
    pub business: Business,
}

fn kind_of(step: &str) -> Kind {
    match step {
        returns::step::REQUESTED => Kind::Requested,
        returns::step::APPROVED => Kind::Approved,
        returns::step::REJECTED => Kind::Rejected,
        returns::step::REFUNDING => Kind::Refunding,
        returns::step::REPLACING => Kind::Replacing,
        returns::step::COMPLETED => Kind::Completed,
        returns::step::CANCELLED => Kind::Cancelled,
        _ => Kind::Received,
    }
}

/// The email about `step` of return `r` (of order `order_number`, bringing
/// back `items`, for `name`).
pub fn compose(
    r: &return_request::Model,
    step: &remedy_step::Model,
    order_number: String,
    items: Vec<String>,
    name: String,
    business: Business,
) -> ReturnUpdateContext {
    let kind = kind_of(&step.step);
    let refund = r.resolution == ReturnResolution::Refund;
    let what = match kind {
        Kind::Requested => "we have your request".to_owned(),
        Kind::Approved => "approved, here is how to send it back".to_owned(),
        Kind::Rejected => "not accepted".to_owned(),
        Kind::Received => "received and inspected".to_owned(),
        Kind::Refunding => match &step.note {
            Some(amount) => format!("your refund of ${amount} is on its way"),
            None => "your refund is on its way".to_owned(),
        },
        Kind::Replacing => "your replacement is on its way".to_owned(),
        Kind::Completed if refund => "refunded, all done".to_owned(),
        Kind::Completed => "replaced, all done".to_owned(),
        Kind::Cancelled => "cancelled".to_owned(),
    };
    ReturnUpdateContext {
        subject: format!("Your return {}: {what}", r.number),
        kind,
        name,
        number: r.number.clone(),
        order_number,
        items,
        reason: returns::reason_words(r.reason),
        refund,
        note: step.note.clone(),
        business,
    }
}

pub fn return_update(ctx: &ReturnUpdateContext) -> Result<Rendered, minijinja::Error> {
    render_pair("return_update", ctx.subject.clone(), ctx)
}

/// RETURN_UPDATE: the notification's subject is the step.
pub(super) async fn render_return_update(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let step = aftersales::find_step(source.db, source.n.subject_id)
        .await?
        .ok_or("return step of a return email not found")?;
    let r = returns::find(source.db, step.subject_id)
        .await?
        .ok_or("return of a return email not found")?;
    let order = sales_order::Entity::find_by_id(r.request.order_id)
        .one(source.db)
        .await?
        .ok_or("order of a return not found")?;
    let ordered = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .all(source.db)
        .await?;
    let items = r
        .lines
        .iter()
        .map(|l| match ordered.iter().find(|o| o.id == l.order_line_id) {
            Some(o) => format!("{} × {} ({})", l.quantity, o.name, o.sku),
            None => format!("{} × item", l.quantity),
        })
        .collect();
    let customer = match r.request.customer_id {
        Some(id) => domain::customers::find(source.db, id)
            .await?
            .map(|p| p.name),
        None => None,
    };
    let name = customer.unwrap_or_else(|| order.contact_name.clone());
    Ok(return_update(&compose(
        &r.request,
        &step,
        order.number,
        items,
        name,
        Business::of(source.settings),
    ))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use entity::{ReturnReason, ReturnStatus};
    use uuid::Uuid;

    fn request(resolution: ReturnResolution) -> return_request::Model {
        let at = fixtures::utc("2026-12-01T01:00:00Z");
        return_request::Model {
            id: Uuid::now_v7(),
            number: "RMA-000007".into(),
            order_id: Uuid::now_v7(),
            customer_id: None,
            reason: ReturnReason::WrongItem,
            details: "Blue, not red".into(),
            resolution,
            status: ReturnStatus::Requested,
            instructions: None,
            decision_reason: None,
            decided_by: None,
            decided_at: None,
            received_at: None,
            refund_id: None,
            approval_id: None,
            adjustment_note_id: None,
            replacement_order_id: None,
            completed_at: None,
            requested_by: "test".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn step(name: &str, note: Option<&str>) -> remedy_step::Model {
        remedy_step::Model {
            id: Uuid::now_v7(),
            subject_type: returns::SUBJECT_TYPE.into(),
            subject_id: Uuid::now_v7(),
            step: name.into(),
            status_after: "REQUESTED".into(),
            note: note.map(str::to_owned),
            actor: "test".into(),
            at: fixtures::utc("2026-12-01T01:00:00Z"),
        }
    }

    fn business() -> Business {
        Business {
            name: "Acme & Sons Pty Ltd".into(),
            abn: Some("51 824 753 556".into()),
            email: "orders@acme.example".into(),
        }
    }

    fn render(
        resolution: ReturnResolution,
        name: &str,
        note: Option<&str>,
    ) -> (ReturnUpdateContext, Rendered) {
        let ctx = compose(
            &request(resolution),
            &step(name, note),
            "SO-000012".into(),
            vec!["2 × Kettle <Deluxe> (KET-1)".into()],
            "Ann & Bob".into(),
            business(),
        );
        let rendered = return_update(&ctx).unwrap();
        (ctx, rendered)
    }

    /// Writes the approval's HTML for a look in a browser
    /// (`RENDER_EMAILS=dir cargo test -p worker mailers::returns`).
    #[test]
    fn render_for_a_look() {
        let Some(dir) = std::env::var_os("RENDER_EMAILS") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let instructions = returns::default_instructions(
            "RMA-000007",
            "Acme & Sons Pty Ltd",
            Some("Returns Dock, Unit 4\n12 Dock Rd\nBotany NSW 2019"),
            &[(2, "Kettle <Deluxe>".into(), "KET-1".into())],
        );
        let (_, approved) = render(
            ReturnResolution::Refund,
            returns::step::APPROVED,
            Some(&instructions),
        );
        std::fs::write(dir.join("return_approved.html"), approved.html).unwrap();
    }

    #[test]
    fn every_step_says_what_happened_in_its_subject_and_body() {
        use returns::step as s;
        let cases = [
            (
                s::REQUESTED,
                None,
                "we have your request",
                "We will look at it",
            ),
            (
                s::APPROVED,
                Some("Write RMA-000007 on the parcel.\nSend it to us."),
                "approved, here is how to send it back",
                "Write RMA-000007 on the parcel.",
            ),
            (
                s::REJECTED,
                Some("The seal is broken"),
                "not accepted",
                "The seal is broken",
            ),
            (s::RECEIVED, None, "received and inspected", "inspected"),
            (
                s::REFUNDING,
                Some("20.00"),
                "your refund of $20.00 is on its way",
                "$20.00",
            ),
            (s::COMPLETED, None, "refunded, all done", "complete"),
            (s::CANCELLED, None, "cancelled", "cancelled"),
        ];
        for (name, note, subject, body) in cases {
            let (_, r) = render(ReturnResolution::Refund, name, note);
            assert_eq!(r.subject, format!("Your return RMA-000007: {subject}"));
            assert!(r.text.contains(body), "{name}: {}", r.text);
            assert!(r.html.contains("RMA-000007"), "{name}");
            assert!(r.text.contains("2 × Kettle <Deluxe> (KET-1)"), "{name}");
            assert!(r.text.contains("SO-000012"), "{name}");
            assert!(!r.html.contains("href"), "{name}: no links");
            assert!(!r.text.contains("http"), "{name}: no links");
        }
        let (_, r) = render(
            ReturnResolution::Replacement,
            s::REPLACING,
            Some("SO-000044"),
        );
        assert_eq!(
            r.subject,
            "Your return RMA-000007: your replacement is on its way"
        );
        assert!(r.text.contains("SO-000044"), "{}", r.text);
        let (_, r) = render(ReturnResolution::Replacement, s::COMPLETED, None);
        assert_eq!(r.subject, "Your return RMA-000007: replaced, all done");
    }

    #[test]
    fn html_escapes_what_people_wrote_and_keeps_the_instructions_lines() {
        let (_, r) = render(
            ReturnResolution::Refund,
            returns::step::APPROVED,
            Some("Pack <it> & tape it.\nSend it to us."),
        );
        assert!(r.html.contains("Ann &amp; Bob"), "{}", r.html);
        assert!(r.html.contains("Kettle &lt;Deluxe&gt;"), "{}", r.html);
        assert!(
            r.html.contains("Pack &lt;it&gt; &amp; tape it."),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<it>"));
        assert!(r.html.contains("white-space: pre-line"), "lines kept");
        assert!(r.text.contains("Pack <it> & tape it.\nSend it to us."));
        assert!(r.text.contains("Acme & Sons Pty Ltd"));
    }
}
