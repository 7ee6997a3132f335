//! The email a customer gets, once each, when an order turns AT_RISK of
//! missing its required delivery date and when it turns LATE.

use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::orders;
use entity::NotificationKind;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("order_late");

#[derive(Serialize)]
pub struct LateContext {
    pub subject: String,
    pub heading: String,
    pub name: String,
    pub situation: String,
    pub next: String,
    pub number: String,
    pub required_by: String,
    pub business_name: String,
}

pub fn context(order: &orders::Order, late: bool, business_name: &str) -> LateContext {
    let o = &order.order;
    let required_by = o.required_delivery_date.format("%A %-d %B %Y").to_string();
    let (subject, heading, situation, next) = if late {
        (
            format!("Order {} will arrive late", o.number),
            "Your order is running late".to_owned(),
            format!("We are sorry: order {} cannot reach you by {required_by} as you asked.", o.number),
            "we will contact you within one business day with a new delivery date. If you no longer need the order, reply to this email and we will cancel it and refund you in full.".to_owned(),
        )
    } else {
        (
            format!("Order {} may arrive late", o.number),
            "Your order may arrive late".to_owned(),
            format!("Order {} has not shipped yet and is at risk of missing {required_by}.", o.number),
            "we are prioritising it and will email you as soon as it ships. You do not need to do anything.".to_owned(),
        )
    };
    LateContext {
        subject,
        heading,
        name: o.contact_name.clone(),
        situation,
        next,
        number: o.number.clone(),
        required_by,
        business_name: business_name.to_owned(),
    }
}

pub fn late_notice(ctx: &LateContext) -> Result<Rendered, minijinja::Error> {
    render_pair("order_late", ctx.subject.clone(), ctx)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let order = orders::find(source.db, source.n.subject_id)
        .await?
        .ok_or("order of a late-risk email not found")?;
    let late = source.n.kind == NotificationKind::OrderLate;
    Ok(late_notice(&context(
        &order,
        late,
        &source.settings.legal_name,
    ))?)
}
