//! What an invoice shows, as a pure function of what it bills and the GST
//! engine's figures: its title, the seller's and buyer's particulars, and
//! one line per supply. Checked before anything is written.

use crate::kernel::{Actor, DomainError, ErrorCode, FieldError};
use crate::rules::gst::{InvoiceTotals, LineKind, LineResult, Seller};
use crate::rules::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{GstRounding, InvoiceLineKind, business_settings, tax_invoice, tax_invoice_line};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The title the law asks for: "Tax invoice" only from a GST-registered seller.
pub fn title(seller: Seller) -> &'static str {
    match seller {
        Seller::GstRegistered => "Tax invoice",
        Seller::NotRegistered => "Invoice",
    }
}

/// Who is billed.
#[derive(Debug, Clone)]
pub struct Buyer {
    pub customer_id: Option<Uuid>,
    pub name: String,
    pub abn: Option<String>,
    pub email: Option<String>,
    pub address: String,
}

/// One billed supply, in the order the engine was given them.
#[derive(Debug, Clone)]
pub struct BillLine {
    pub sku: Option<String>,
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Money,
}

/// Everything an invoice needs besides the engine's figures.
#[derive(Debug, Clone)]
pub struct Bill<'a> {
    pub subject_type: &'static str,
    pub subject_id: Uuid,
    /// The input field a refusal names (`orderId`).
    pub subject_field: &'static str,
    /// The billed subject's number (`SO-000001`).
    pub reference: String,
    pub buyer: Buyer,
    /// The item lines (the shipping line comes from the engine).
    pub lines: Vec<BillLine>,
    pub settings: &'a business_settings::Model,
    pub issued_by: &'a Actor,
}

/// Refuse an invoice missing a particular the law asks for: the seller's ABN
/// on a tax invoice, and the buyer's identity or ABN from $1,000.
pub fn check_particulars(bill: &Bill<'_>, totals: &InvoiceTotals) -> Result<(), DomainError> {
    let mut missing = Vec::new();
    let registered = totals.seller == Seller::GstRegistered;
    let blank = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty());
    if registered && blank(bill.settings.abn.as_deref()) {
        missing.push(FieldError::new(
            &["businessSettings", "abn"],
            ErrorCode::Required,
            "a tax invoice shows the seller's ABN: set it in the business settings",
        ));
    }
    if totals.buyer_identity_required
        && blank(Some(&bill.buyer.name))
        && blank(bill.buyer.abn.as_deref())
    {
        missing.push(FieldError::new(
            &["buyer"],
            ErrorCode::Required,
            "a tax invoice of $1,000 or more shows the buyer's name or ABN",
        ));
    }
    if bill.lines.len() != totals.lines.len() {
        return Err(DomainError::internal("bill lines and engine lines differ"));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Rejected(missing))
    }
}

fn line_row(
    invoice_id: Uuid,
    line_no: i32,
    bill: Option<&BillLine>,
    result: &LineResult,
    shipping_description: &str,
) -> tax_invoice_line::Model {
    let (kind, sku, description, quantity, unit_price) = match bill {
        Some(b) => (
            InvoiceLineKind::Item,
            b.sku.clone(),
            b.description.clone(),
            b.quantity.normalize().to_string(),
            // An export's goods are charged less their GST: show that price.
            unit_of(result.gross, b.quantity).unwrap_or(b.unit_price),
        ),
        None => (
            InvoiceLineKind::Shipping,
            None,
            shipping_description.to_owned(),
            "1".to_owned(),
            result.gross,
        ),
    };
    tax_invoice_line::Model {
        id: Uuid::now_v7(),
        invoice_id,
        line_no,
        kind,
        sku,
        description,
        quantity,
        unit_price_cents: unit_price.cents(),
        tax_code: result.tax_code.as_str().to_owned(),
        export: result.export,
        gross_cents: result.gross.cents(),
        discount_cents: result.line_discount.cents(),
        order_discount_cents: result.order_discount_share.cents(),
        net_cents: result.net.cents(),
        gst_cents: result.gst.cents(),
        ex_gst_cents: result.ex_gst.cents(),
        total_cents: result.inclusive.cents(),
    }
}

/// The unit price a line's gross implies, when it divides exactly.
fn unit_of(gross: Money, quantity: Decimal) -> Option<Money> {
    if quantity.is_zero() {
        return None;
    }
    let unit = gross.to_decimal_cents() / quantity;
    (unit.fract().is_zero())
        .then(|| Money::from_decimal_cents(unit).ok())
        .flatten()
}

/// The rows an issued invoice is stored as.
pub fn rows(
    bill: &Bill<'_>,
    totals: &InvoiceTotals,
    number: String,
    now: DateTime<Utc>,
    issued_on: NaiveDate,
) -> Result<(tax_invoice::Model, Vec<tax_invoice_line::Model>), DomainError> {
    let id = Uuid::now_v7();
    let s = bill.settings;
    let mut lines = Vec::with_capacity(totals.lines.len() + 1);
    for (i, (result, b)) in totals.lines.iter().zip(&bill.lines).enumerate() {
        lines.push(line_row(id, i as i32 + 1, Some(b), result, ""));
    }
    if let Some(shipping) = &totals.shipping {
        debug_assert_eq!(shipping.kind, LineKind::Shipping);
        let no = lines.len() as i32 + 1;
        lines.push(line_row(id, no, None, shipping, "Delivery"));
    }
    let invoice = tax_invoice::Model {
        id,
        number,
        subject_type: bill.subject_type.to_owned(),
        subject_id: bill.subject_id,
        customer_id: bill.buyer.customer_id,
        title: title(totals.seller).to_owned(),
        issued_at: now,
        issued_on,
        issued_by: bill.issued_by.id.clone(),
        seller_name: s.legal_name.clone(),
        seller_abn: s.abn.clone(),
        gst_registered: totals.seller == Seller::GstRegistered,
        buyer_name: bill.buyer.name.clone(),
        buyer_abn: bill.buyer.abn.clone(),
        buyer_email: bill.buyer.email.clone(),
        buyer_address: bill.buyer.address.clone(),
        reference: bill.reference.clone(),
        prices_include_gst: totals.prices == crate::rules::gst::PriceBasis::Inclusive,
        gst_rounding: match totals.rounding {
            crate::rules::gst::GstRounding::PerLine => GstRounding::PerLine,
            crate::rules::gst::GstRounding::PerInvoice => GstRounding::PerInvoice,
        },
        export: totals.all_lines().any(|l| l.export),
        ex_gst_cents: totals.ex_gst.cents(),
        gst_cents: totals.gst.cents(),
        total_cents: totals.inclusive.cents(),
        taxable_cents: totals.taxable_part.cents(),
        gst_free_cents: totals.gst_free_part.cents(),
        export_cents: totals.export_part.cents(),
        input_taxed_cents: totals.input_taxed_part.cents(),
        total_includes_gst: totals.total_includes_gst_wording,
        buyer_identity_required: totals.buyer_identity_required,
    };
    Ok((invoice, lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::gst::{
        GstRounding as Rounding, InvoiceInput, LineInput, PriceBasis, Shipping, compute_invoice,
    };
    use crate::rules::tax_code::TaxCode;

    fn settings(abn: Option<&str>, registered: bool) -> business_settings::Model {
        business_settings::Model {
            abn: abn.map(Into::into),
            gst_registered: registered,
            ..crate::settings::example()
        }
    }

    fn bill<'a>(
        settings: &'a business_settings::Model,
        actor: &'a Actor,
        name: &str,
        abn: Option<&str>,
        prices: &[i64],
    ) -> Bill<'a> {
        Bill {
            subject_type: "order",
            subject_id: Uuid::nil(),
            subject_field: "orderId",
            reference: "SO-000001".into(),
            buyer: Buyer {
                customer_id: None,
                name: name.into(),
                abn: abn.map(Into::into),
                email: None,
                address: "1 George St, Sydney NSW 2000".into(),
            },
            lines: prices
                .iter()
                .map(|p| BillLine {
                    sku: Some("DESK-1".into()),
                    description: "Standing desk".into(),
                    quantity: Decimal::ONE,
                    unit_price: Money::from_cents(*p),
                })
                .collect(),
            settings,
            issued_by: actor,
        }
    }

    fn totals(prices: &[i64], seller: Seller, export: bool) -> InvoiceTotals {
        compute_invoice(&InvoiceInput {
            lines: prices
                .iter()
                .map(|p| LineInput::new(Money::from_cents(*p), 1, TaxCode::Taxable))
                .collect(),
            shipping: Some(Shipping::taxable(Money::from_cents(995))),
            rounding: Rounding::PerLine,
            prices: PriceBasis::Inclusive,
            seller,
            export,
            ..InvoiceInput::default()
        })
        .unwrap()
    }

    fn refused_fields(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Rejected(f) => f.into_iter().map(|f| f.field.join(".")).collect(),
            other => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn the_title_follows_gst_registration() {
        assert_eq!(title(Seller::GstRegistered), "Tax invoice");
        assert_eq!(title(Seller::NotRegistered), "Invoice");
    }

    #[test]
    fn a_tax_invoice_needs_the_sellers_abn_and_from_1000_the_buyers_identity() {
        let actor = Actor::system();
        let with_abn = settings(Some("51824753556"), true);
        let t = totals(&[150_000], Seller::GstRegistered, false);
        assert!(t.buyer_identity_required);
        let named = bill(&with_abn, &actor, "Alice Nguyen", None, &[150_000]);
        assert!(check_particulars(&named, &t).is_ok());
        let by_abn = bill(&with_abn, &actor, " ", Some("51824753556"), &[150_000]);
        assert!(check_particulars(&by_abn, &t).is_ok());
        let nobody = bill(&with_abn, &actor, " ", None, &[150_000]);
        assert_eq!(
            refused_fields(check_particulars(&nobody, &t).unwrap_err()),
            ["buyer"]
        );
        // Below $1,000 the buyer need not be identified.
        let small = totals(&[90_000], Seller::GstRegistered, false);
        let anonymous = bill(&with_abn, &actor, " ", None, &[90_000]);
        assert!(check_particulars(&anonymous, &small).is_ok());

        let no_abn = settings(None, true);
        let named = bill(&no_abn, &actor, "Alice Nguyen", None, &[150_000]);
        assert_eq!(
            refused_fields(check_particulars(&named, &t).unwrap_err()),
            ["businessSettings.abn"]
        );
        // A seller not registered for GST issues an invoice without an ABN.
        let unregistered = settings(None, false);
        let t = totals(&[150_000], Seller::NotRegistered, false);
        let plain = bill(&unregistered, &actor, "Alice Nguyen", None, &[150_000]);
        assert!(check_particulars(&plain, &t).is_ok());
    }

    #[test]
    fn rows_carry_the_engines_figures_and_the_parties_as_they_are_now() {
        let actor = Actor::system();
        let s = settings(Some("51824753556"), true);
        let b = bill(&s, &actor, "Alice Nguyen", None, &[1095, 4400]);
        let t = totals(&[1095, 4400], Seller::GstRegistered, false);
        let now = chrono::DateTime::UNIX_EPOCH;
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let (invoice, lines) = rows(&b, &t, "INV-000007".into(), now, day).unwrap();
        assert_eq!(invoice.title, "Tax invoice");
        assert_eq!(invoice.number, "INV-000007");
        assert_eq!(invoice.seller_abn.as_deref(), Some("51824753556"));
        assert_eq!(invoice.total_cents, t.inclusive.cents());
        assert_eq!(invoice.gst_cents, t.gst.cents());
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2].kind, InvoiceLineKind::Shipping);
        assert_eq!(lines[2].description, "Delivery");
        assert_eq!(
            lines.iter().map(|l| l.gst_cents).sum::<i64>(),
            invoice.gst_cents
        );
        assert!(lines.iter().all(|l| l.invoice_id == invoice.id));
    }

    #[test]
    fn an_export_line_shows_the_price_charged_less_its_gst() {
        let actor = Actor::system();
        let s = settings(Some("51824753556"), true);
        let b = bill(&s, &actor, "Kiri Walker", None, &[1095]);
        let t = totals(&[1095], Seller::GstRegistered, true);
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let (invoice, lines) = rows(
            &b,
            &t,
            "INV-000001".into(),
            chrono::DateTime::UNIX_EPOCH,
            day,
        )
        .unwrap();
        assert!(invoice.export);
        assert_eq!(lines[0].unit_price_cents, 995);
        assert_eq!(lines[0].tax_code, "GST_FREE");
        assert!(lines[0].export);
        assert_eq!(invoice.export_cents, 995);
    }
}
