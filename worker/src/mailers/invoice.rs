//! The email that carries a tax invoice: its figures, a signed link to the
//! printable HTML copy, and the warranty against defects the ACL requires.

use super::{Rendered, Source, formatted_abn, render_pair};
use apalis::prelude::BoxDynError;
use domain::invoices;
use domain::platform::links::LinkPurpose;
use domain::rules::money::Money;
use domain::rules::remedies::WARRANTY_AGAINST_DEFECTS;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("invoice_issued");

#[derive(Serialize)]
pub struct InvoiceContext {
    pub subject: String,
    pub title: String,
    pub name: String,
    pub number: String,
    pub reference: String,
    /// What it bills: `order` or `engagement` (an engagement's final invoice).
    pub subject_kind: &'static str,
    pub issued_on: String,
    pub total: String,
    /// The GST amount, or the "includes GST" statement where that stands in.
    pub gst_line: Option<String>,
    pub link: String,
    pub warranty: &'static str,
    pub business_name: String,
    pub business_abn: Option<String>,
}

fn dollars(cents: i64) -> String {
    Money::from_cents(cents).dollars()
}

pub fn context(invoice: &invoices::Invoice, link: String) -> InvoiceContext {
    let i = &invoice.invoice;
    let gst_line = match (i.gst_registered, i.total_includes_gst) {
        (false, _) => None,
        (true, true) => Some("Total price includes GST".to_owned()),
        (true, false) => Some(format!("GST {}", dollars(i.gst_cents))),
    };
    let subject_kind = if i.subject_type == domain::engagements::SUBJECT_TYPE {
        "engagement"
    } else {
        "order"
    };
    InvoiceContext {
        subject: format!(
            "{} {} for {subject_kind} {}",
            i.title, i.number, i.reference
        ),
        title: i.title.clone(),
        name: i.buyer_name.clone(),
        number: i.number.clone(),
        reference: i.reference.clone(),
        subject_kind,
        issued_on: i.issued_on.format("%-d %B %Y").to_string(),
        total: dollars(i.total_cents),
        gst_line,
        link,
        warranty: WARRANTY_AGAINST_DEFECTS,
        business_name: i.seller_name.clone(),
        business_abn: formatted_abn(i.seller_abn.as_deref()),
    }
}

pub fn issued(ctx: &InvoiceContext) -> Result<Rendered, minijinja::Error> {
    render_pair("invoice_issued", ctx.subject.clone(), ctx)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let invoice = invoices::find(source.db, source.n.subject_id)
        .await?
        .ok_or("invoice of an invoice email not found")?;
    let link = source.links.url(LinkPurpose::Invoice, invoice.invoice.id);
    Ok(issued(&context(&invoice, link))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(gst_line: Option<&str>) -> InvoiceContext {
        InvoiceContext {
            subject: "Tax invoice INV-000001 for order SO-000001".into(),
            title: "Tax invoice".into(),
            name: "Tom & <Jerry>".into(),
            number: "INV-000001".into(),
            reference: "SO-000001".into(),
            subject_kind: "order",
            issued_on: "4 December 2026".into(),
            total: "$279.35".into(),
            gst_line: gst_line.map(Into::into),
            link: "https://shop.example.com.au/links/invoice/abc".into(),
            warranty: WARRANTY_AGAINST_DEFECTS,
            business_name: "Harbour Homewares".into(),
            business_abn: Some("51 824 753 556".into()),
        }
    }

    #[test]
    fn the_invoice_email_links_its_copy_and_states_the_warranty() {
        let rendered = issued(&ctx(Some("GST $25.40"))).unwrap();
        assert!(rendered.html.contains("Tom &amp; &lt;Jerry&gt;"));
        // HTML escaping writes the slashes as entities; a browser reads them back.
        let escaped = "https://shop.example.com.au/links/invoice/abc".replace('/', "&#x2f;");
        assert!(rendered.html.contains(&format!("href=\"{escaped}\"")));
        assert!(
            rendered
                .text
                .contains("https://shop.example.com.au/links/invoice/abc")
        );
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("cannot be excluded under the Australian Consumer"));
            assert!(body.contains("GST $25.40"));
            assert!(body.contains("ABN 51 824 753 556"));
        }
        let plain = issued(&ctx(None)).unwrap();
        assert!(!plain.text.contains("GST"));
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("for order"), "{body}");
            assert!(body.contains("because you placed an order"));
        }
    }

    #[test]
    fn an_engagements_final_invoice_says_it_bills_the_engagement() {
        let ctx = InvoiceContext {
            subject: "Tax invoice INV-000002 for engagement ENG-000001".into(),
            reference: "ENG-000001".into(),
            subject_kind: "engagement",
            ..ctx(Some("GST $1,500.00"))
        };
        let rendered = issued(&ctx).unwrap();
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("for engagement"), "{body}");
            assert!(body.contains("ENG-000001"));
            assert!(!body.contains("for order"), "{body}");
            assert!(!body.contains("placed an order"));
            assert!(body.contains("it bills your engagement with us"));
        }
    }
}
