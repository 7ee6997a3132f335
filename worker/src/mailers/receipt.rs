//! The receipt of a payment: what was paid, how, for which order, and a
//! link to the tax invoice's HTML copy.

use super::{Rendered, Source, formatted_abn, render_pair};
use apalis::prelude::BoxDynError;
use domain::platform::links::LinkPurpose;
use domain::rules::money::Money;
use entity::PaymentMethod;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("payment_receipt");

#[derive(Serialize)]
pub struct ReceiptContext {
    pub subject: String,
    pub name: String,
    pub amount: String,
    pub method: String,
    pub order_number: String,
    pub invoice_number: Option<String>,
    pub invoice_link: Option<String>,
    pub business_name: String,
    pub business_abn: Option<String>,
}

pub fn receipt(ctx: &ReceiptContext) -> Result<Rendered, minijinja::Error> {
    render_pair("payment_receipt", ctx.subject.clone(), ctx)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let payment = domain::payments::find(source.db, source.n.subject_id)
        .await?
        .ok_or("payment of a receipt not found")?;
    let order = domain::orders::find(source.db, payment.order_id)
        .await?
        .ok_or("order of a receipt not found")?;
    let invoice =
        domain::invoices::of_subject(source.db, domain::orders::SUBJECT_TYPE, order.order.id)
            .await?;
    let method = match (payment.method, payment.card_last4.as_deref()) {
        (PaymentMethod::Card, Some(last4)) => format!("card ending {last4}"),
        (PaymentMethod::Card, None) => "card".to_owned(),
        (PaymentMethod::BankTransfer, _) => "bank transfer".to_owned(),
        (PaymentMethod::Paypal, _) => "PayPal".to_owned(),
    };
    let ctx = ReceiptContext {
        subject: format!("Receipt for order {}", order.order.number),
        name: order.order.contact_name.clone(),
        amount: Money::from_cents(payment.amount_cents).dollars(),
        method,
        order_number: order.order.number.clone(),
        invoice_number: invoice.as_ref().map(|i| i.number.clone()),
        invoice_link: invoice
            .as_ref()
            .map(|i| source.links.url(LinkPurpose::Invoice, i.id)),
        business_name: source.settings.legal_name.clone(),
        business_abn: formatted_abn(source.settings.abn.as_deref()),
    };
    Ok(receipt(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_says_what_was_paid_how_and_links_the_invoice() {
        let rendered = receipt(&ReceiptContext {
            subject: "Receipt for order SO-000001".into(),
            name: "Alice <Nguyen>".into(),
            amount: "$269.85".into(),
            method: "card ending 4242".into(),
            order_number: "SO-000001".into(),
            invoice_number: Some("INV-000001".into()),
            invoice_link: Some("https://shop.example.com.au/links/invoice/abc".into()),
            business_name: "Harbour Homewares".into(),
            business_abn: Some("51 824 753 556".into()),
        })
        .unwrap();
        assert!(rendered.html.contains("Alice &lt;Nguyen&gt;"));
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("$269.85"));
            assert!(body.contains("card ending 4242"));
            assert!(body.contains("INV-000001"));
        }
        assert!(
            rendered
                .text
                .contains("https://shop.example.com.au/links/invoice/abc")
        );
    }
}
