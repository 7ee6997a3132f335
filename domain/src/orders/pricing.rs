//! An order's prices as the GST engine sees them: the one place an order's
//! lines, discount, shipping charge and destination become the engine's
//! input, so an order's total, a backorder's and the invoice's can never
//! disagree.

use crate::rules::error::ValueError;
use crate::rules::gst::{
    self, InvoiceInput, InvoiceTotals, LineDiscount, LineInput, PriceBasis, Seller, Shipping,
    Supply,
};
use crate::rules::money::Money;
use crate::rules::tax_code::TaxCode;
use entity::{ProductKind, business_settings, order_line, sales_order};
use rust_decimal::Decimal;

/// What an order charges besides its lines.
#[derive(Debug, Clone, Copy)]
pub struct Charges<'a> {
    pub shipping_cents: i64,
    pub order_discount_cents: i64,
    pub prices_include_gst: bool,
    /// ISO alpha-2: anything but AU is an export.
    pub ship_country: &'a str,
}

impl<'a> Charges<'a> {
    pub fn of(order: &'a sales_order::Model) -> Charges<'a> {
        Charges {
            shipping_cents: order.shipping_cents,
            order_discount_cents: order.order_discount_cents,
            prices_include_gst: order.prices_include_gst,
            ship_country: &order.ship_country,
        }
    }
}

pub fn rounding(setting: entity::GstRounding) -> gst::GstRounding {
    match setting {
        entity::GstRounding::PerLine => gst::GstRounding::PerLine,
        entity::GstRounding::PerInvoice => gst::GstRounding::PerInvoice,
    }
}

/// The engine's input for these lines (in line order) and charges, under
/// the business's rounding rule and GST registration.
pub fn engine_input(
    charges: &Charges<'_>,
    lines: &[order_line::Model],
    settings: &business_settings::Model,
) -> Result<InvoiceInput, ValueError> {
    let mut inputs = Vec::with_capacity(lines.len());
    for line in lines {
        let discount = if line.discount_basis_points > 0 {
            LineDiscount::Percent(Decimal::new(i64::from(line.discount_basis_points), 2))
        } else {
            LineDiscount::None
        };
        let supply = match line.kind {
            ProductKind::Goods => Supply::Goods,
            ProductKind::Service => Supply::Service,
        };
        inputs.push(
            LineInput::new(
                Money::from_cents(line.unit_price_cents),
                i64::from(line.quantity),
                TaxCode::parse(&line.tax_code)?,
            )
            .with_discount(discount)
            .with_supply(supply),
        );
    }
    Ok(InvoiceInput {
        lines: inputs,
        order_discount: Money::from_cents(charges.order_discount_cents),
        shipping: (charges.shipping_cents != 0)
            .then(|| Shipping::taxable(Money::from_cents(charges.shipping_cents))),
        rounding: rounding(settings.gst_rounding),
        prices: if charges.prices_include_gst {
            PriceBasis::Inclusive
        } else {
            PriceBasis::Exclusive
        },
        seller: if settings.gst_registered {
            Seller::GstRegistered
        } else {
            Seller::NotRegistered
        },
        export: charges.ship_country != "AU",
    })
}

/// Every GST figure of these lines and charges.
pub fn totals(
    charges: &Charges<'_>,
    lines: &[order_line::Model],
    settings: &business_settings::Model,
) -> Result<InvoiceTotals, ValueError> {
    gst::compute_invoice(&engine_input(charges, lines, settings)?)
}

/// What an order discount is spread over for these lines: their value after
/// line discounts in the order's price basis (an export's goods without
/// GST), as the engine weighs each line. Splitting an order's discount
/// between parts by it keeps each part's share within what the part is worth.
pub fn discount_weight(
    charges: &Charges<'_>,
    lines: &[order_line::Model],
    settings: &business_settings::Model,
) -> Result<Money, ValueError> {
    let undiscounted = Charges {
        order_discount_cents: 0,
        shipping_cents: 0,
        ..*charges
    };
    let totals = totals(&undiscounted, lines, settings)?;
    Ok(Money::from_cents(
        totals
            .lines
            .iter()
            .map(|l| (l.gross.cents() - l.line_discount.cents()).abs())
            .sum(),
    ))
}
