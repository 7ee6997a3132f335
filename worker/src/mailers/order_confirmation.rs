//! The email a customer gets when an order is placed.

use super::{Rendered, Source, formatted_abn, render_pair};
use apalis::prelude::BoxDynError;
use domain::orders;
use domain::rules::money::Money;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("order_confirmation");

#[derive(Serialize)]
pub struct LineContext {
    pub name: String,
    pub sku: String,
    pub quantity: i32,
    pub unit_price: String,
    pub discount: Option<String>,
}

#[derive(Serialize)]
pub struct OrderContext {
    pub subject: String,
    pub name: String,
    pub number: String,
    pub lines: Vec<LineContext>,
    pub discount: Option<String>,
    pub speed: String,
    pub shipping: String,
    pub total: String,
    pub gst_inclusive: bool,
    pub address: String,
    pub required_by: String,
    pub business_name: String,
    pub business_abn: Option<String>,
}

/// Basis points as a percentage without trailing zeros: 1250 → "12.5%".
fn percent(basis_points: i32) -> String {
    let (whole, hundredths) = (basis_points / 100, basis_points % 100);
    if hundredths == 0 {
        format!("{whole}%")
    } else {
        format!(
            "{}%",
            format!("{whole}.{hundredths:02}").trim_end_matches('0')
        )
    }
}

fn dollars(cents: i64) -> String {
    Money::from_cents(cents).dollars()
}

pub fn context(
    order: &orders::Order,
    business_name: &str,
    business_abn: Option<String>,
) -> OrderContext {
    let o = &order.order;
    let address = [
        Some(o.ship_line1.clone()),
        o.ship_line2.clone(),
        Some(format!(
            "{} {} {}",
            o.ship_suburb, o.ship_state, o.ship_postcode
        )),
        (o.ship_country != "AU").then(|| o.ship_country.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    OrderContext {
        subject: format!("Order {} received", o.number),
        name: o.contact_name.clone(),
        number: o.number.clone(),
        lines: order
            .lines
            .iter()
            .map(|l| LineContext {
                name: l.name.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: dollars(l.unit_price_cents),
                discount: (l.discount_basis_points > 0).then(|| percent(l.discount_basis_points)),
            })
            .collect(),
        discount: (o.order_discount_cents > 0).then(|| dollars(o.order_discount_cents)),
        speed: o.shipping_speed.to_string().to_lowercase(),
        shipping: dollars(o.shipping_cents),
        total: dollars(o.total_cents),
        gst_inclusive: true,
        address,
        required_by: o.required_delivery_date.format("%A %-d %B %Y").to_string(),
        business_name: business_name.to_owned(),
        business_abn,
    }
}

pub fn confirmation(ctx: &OrderContext) -> Result<Rendered, minijinja::Error> {
    render_pair("order_confirmation", ctx.subject.clone(), ctx)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let order = orders::find(source.db, source.n.subject_id)
        .await?
        .ok_or("order of a confirmation email not found")?;
    let abn = formatted_abn(source.settings.abn.as_deref());
    Ok(confirmation(&context(
        &order,
        &source.settings.legal_name,
        abn,
    ))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_naturally() {
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(1000), "10%");
        assert_eq!(percent(5), "0.05%");
    }

    #[test]
    fn a_confirmation_lists_the_lines_and_escapes_html() {
        let ctx = OrderContext {
            subject: "Order SO-000001 received".into(),
            name: "Tom & <Jerry>".into(),
            number: "SO-000001".into(),
            lines: vec![LineContext {
                name: "Chair".into(),
                sku: "CHAIR-01".into(),
                quantity: 2,
                unit_price: "$129.95".into(),
                discount: Some("12.5%".into()),
            }],
            discount: None,
            speed: "express".into(),
            shipping: "$19.95".into(),
            total: "$279.35".into(),
            gst_inclusive: true,
            address: "1 George St, Sydney NSW 2000".into(),
            required_by: "Monday 30 November 2026".into(),
            business_name: "Harbour Homewares".into(),
            business_abn: Some("51 824 753 556".into()),
        };
        let rendered = confirmation(&ctx).unwrap();
        assert!(rendered.html.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(
            rendered
                .text
                .contains("2 x Chair (CHAIR-01) at $129.95, less 12.5%")
        );
        assert!(rendered.text.contains("Total (includes GST): $279.35"));
        assert!(!rendered.html.contains("href"));
    }
}
