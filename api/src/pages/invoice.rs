//! The customer's copy of an invoice: exactly what was issued, laid out to
//! print on A4 from any browser.

use super::shell::{page, with_page_headers};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::invoices::Invoice;
use domain::rules::abn::Abn;
use domain::rules::money::Money;
use domain::rules::remedies::WARRANTY_AGAINST_DEFECTS;
use entity::InvoiceLineKind;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 1] =
    [("invoice.html", include_str!("../../templates/invoice.html"))];

#[derive(Serialize)]
struct LineView {
    description: String,
    sku: Option<String>,
    quantity: String,
    unit_price: String,
    discount: Option<String>,
    tax: &'static str,
    gst: String,
    amount: String,
}

#[derive(Serialize)]
struct InvoiceView {
    title: String,
    number: String,
    issued_on: String,
    reference: String,
    seller_name: String,
    seller_abn: Option<String>,
    buyer_name: String,
    buyer_abn: Option<String>,
    buyer_address: String,
    registered: bool,
    prices_include_gst: bool,
    export: bool,
    lines: Vec<LineView>,
    total_ex_gst: String,
    gst: String,
    total: String,
    includes_gst_statement: bool,
    warranty: &'static str,
}

fn dollars(cents: i64) -> String {
    Money::from_cents(cents).dollars()
}

fn abn(raw: Option<&str>) -> Option<String> {
    raw.map(|a| Abn::parse(a).map_or_else(|_| a.to_owned(), |a| a.to_string()))
}

fn view(invoice: &Invoice) -> InvoiceView {
    let i = &invoice.invoice;
    let lines = invoice
        .lines
        .iter()
        .map(|l| {
            let discount = l.discount_cents + l.order_discount_cents;
            LineView {
                description: l.description.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity.clone(),
                unit_price: dollars(l.unit_price_cents),
                discount: (discount != 0).then(|| dollars(-discount)),
                tax: match (l.export, l.tax_code.as_str(), l.kind) {
                    (true, _, _) => "Export, GST-free",
                    (_, "TAXABLE", _) if i.gst_registered => "GST",
                    (_, "TAXABLE", _) => "",
                    (_, "GST_FREE", InvoiceLineKind::Shipping) => "GST-free freight",
                    (_, "GST_FREE", _) => "GST-free",
                    _ => "Input taxed",
                },
                gst: dollars(l.gst_cents),
                amount: dollars(l.net_cents),
            }
        })
        .collect();
    InvoiceView {
        title: i.title.clone(),
        number: i.number.clone(),
        issued_on: i.issued_on.format("%-d %B %Y").to_string(),
        reference: i.reference.clone(),
        seller_name: i.seller_name.clone(),
        seller_abn: abn(i.seller_abn.as_deref()),
        buyer_name: i.buyer_name.clone(),
        buyer_abn: abn(i.buyer_abn.as_deref()),
        buyer_address: i.buyer_address.clone(),
        registered: i.gst_registered,
        prices_include_gst: i.prices_include_gst,
        export: i.export,
        lines,
        total_ex_gst: dollars(i.ex_gst_cents),
        gst: dollars(i.gst_cents),
        total: dollars(i.total_cents),
        includes_gst_statement: i.gst_registered && i.total_includes_gst,
        warranty: WARRANTY_AGAINST_DEFECTS,
    }
}

/// The page's HTML.
pub fn render(invoice: &Invoice) -> Result<String, minijinja::Error> {
    super::render("invoice.html", view(invoice))
}

/// A customer's copy of an invoice. The link names the invoice itself, so
/// it opens that one only; a failure shows a short page, never a trace.
pub async fn show(state: &AppState, id: uuid::Uuid) -> Response {
    let unavailable = || {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "We could not show this invoice just now. Please try again shortly.",
        )
    };
    match domain::invoices::find(&state.db, id).await {
        Ok(Some(invoice)) => match render(&invoice) {
            Ok(html) => with_page_headers((StatusCode::OK, Html(html)).into_response()),
            Err(e) => {
                tracing::error!(error = %e, invoice_id = %id, "rendering the invoice page failed");
                unavailable()
            }
        },
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            "Invoice not found",
            "We could not find this invoice. Please contact us.",
        ),
        Err(e) => {
            tracing::error!(error = %e, invoice_id = %id, "reading the invoice for its page failed");
            unavailable()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_with_thousands_separators() {
        assert_eq!(dollars(0), "$0.00");
        assert_eq!(dollars(99), "$0.99");
        assert_eq!(dollars(123_456), "$1,234.56");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(-100_000), "-$1,000.00");
    }
}
