//! The GST engine: the only place GST figures are computed. Invoices, adjustment
//! notes, emails and the BAS summary all read their numbers from here so they can
//! never disagree (AU-RULES "GST", "Tax invoices and adjustment notes").
//!
//! All amounts are integer cents; fractions of a cent exist only as `Decimal`
//! while computing GST and are rounded half up, away from zero (s9-90).
//! Negative amounts (adjustment notes, refunds) are computed with the same rules.

use super::error::{ValueError, ValueErrorCode};
use super::money::Money;
use super::tax_code::TaxCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// GST rate, percent.
pub const GST_RATE_PERCENT: i64 = 10;

/// A tax invoice of this inclusive total or more must show the buyer's identity or ABN.
pub const BUYER_IDENTITY_THRESHOLD: Money = Money::from_cents(100_000);

/// How GST is rounded when an invoice has several taxable supplies; the supplier
/// picks one rule and keeps it (a business setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GstRounding {
    /// Taxable-supply rule: round each line's GST, then sum.
    #[default]
    PerLine,
    /// Total-invoice rule: sum the unrounded GST of the taxable lines, round once.
    PerInvoice,
}

/// Whether the invoice's prices already include GST (retail) or not (service rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriceBasis {
    #[default]
    Inclusive,
    Exclusive,
}

/// A discount on one line. Amounts are magnitudes (never negative) and move the
/// line toward zero, so the same discount works on a negative adjustment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineDiscount {
    #[default]
    None,
    /// Cents off the line total, at most the line total.
    Amount(Money),
    /// Percent (0–100) off the line total, rounded half up to the cent.
    Percent(Decimal),
}

/// What a line supplies: exports make goods GST-free (s38-185) but a service
/// keeps its own tax code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Supply {
    #[default]
    Goods,
    Service,
}

/// One goods or service line, priced in the invoice's `PriceBasis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub unit_price: Money,
    /// Non-zero; fractional for hours of service; negative on adjustment notes.
    pub quantity: Decimal,
    pub tax_code: TaxCode,
    pub discount: LineDiscount,
    pub supply: Supply,
}

impl LineInput {
    /// A goods line with no discount.
    pub fn new(unit_price: Money, quantity: i64, tax_code: TaxCode) -> LineInput {
        LineInput {
            unit_price,
            quantity: Decimal::from(quantity),
            tax_code,
            discount: LineDiscount::None,
            supply: Supply::Goods,
        }
    }

    pub fn with_discount(self, discount: LineDiscount) -> LineInput {
        LineInput { discount, ..self }
    }

    pub fn with_supply(self, supply: Supply) -> LineInput {
        LineInput { supply, ..self }
    }
}

/// Whether the seller is registered for GST. An unregistered seller charges
/// no GST on any line and issues an "Invoice", not a tax invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Seller {
    #[default]
    GstRegistered,
    NotRegistered,
}

/// A delivery charge: its own supply, taxable by default; never discounted by the
/// order discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shipping {
    pub amount: Money,
    pub tax_code: TaxCode,
}

impl Shipping {
    pub fn taxable(amount: Money) -> Shipping {
        Shipping {
            amount,
            tax_code: TaxCode::Taxable,
        }
    }
}

/// Everything needed to compute an invoice's or adjustment note's GST.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceInput {
    pub lines: Vec<LineInput>,
    /// Magnitude of an order-level discount, spread pro-rata over the item lines.
    pub order_discount: Money,
    pub shipping: Option<Shipping>,
    pub rounding: GstRounding,
    pub prices: PriceBasis,
    pub seller: Seller,
    /// Shipped to an address outside Australia: goods lines are GST-free
    /// exports (G2) and the freight GST-free (G3); where prices include GST
    /// the buyer is charged them less their GST (AU-RULES "Exports").
    pub export: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineKind {
    Item,
    Shipping,
}

/// One line's figures. Discounts are signed like the line, so
/// `net = gross - line_discount - order_discount_share` and `ex_gst + gst = inclusive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineResult {
    pub kind: LineKind,
    /// The code the line is charged under (an export's goods: GST-free).
    pub tax_code: TaxCode,
    /// A GST-free export of goods (G2).
    pub export: bool,
    /// Unit price × quantity, in the invoice's price basis.
    pub gross: Money,
    pub line_discount: Money,
    pub order_discount_share: Money,
    /// What the line charges, in the invoice's price basis.
    pub net: Money,
    /// Unrounded GST in cents (what `PerInvoice` sums).
    pub gst_exact: Decimal,
    /// GST rounded to the cent (what `PerLine` sums; for display under `PerInvoice`).
    pub gst: Money,
    pub ex_gst: Money,
    pub inclusive: Money,
}

/// The invoice figures every document shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceTotals {
    /// Item lines, in input order.
    pub lines: Vec<LineResult>,
    pub shipping: Option<LineResult>,
    pub rounding: GstRounding,
    pub prices: PriceBasis,
    pub ex_gst: Money,
    pub gst: Money,
    pub inclusive: Money,
    /// Inclusive value of taxable supplies.
    pub taxable_part: Money,
    /// Value of GST-free supplies other than exports (G3).
    pub gst_free_part: Money,
    /// Value of GST-free exports of goods (G2).
    pub export_part: Money,
    /// Value of input-taxed supplies.
    pub input_taxed_part: Money,
    /// Total of $1,000 or more (either sign): the buyer's identity or ABN must be shown.
    pub buyer_identity_required: bool,
    /// Every supply is taxable and the GST is exactly 1/11 of the total (to the cent),
    /// so "Total price includes GST" may stand in for the GST amount.
    pub total_includes_gst_wording: bool,
    pub seller: Seller,
}

impl InvoiceTotals {
    /// Item and shipping lines together.
    pub fn all_lines(&self) -> impl Iterator<Item = &LineResult> {
        self.lines.iter().chain(self.shipping.iter())
    }
}

/// A single amount split into its GST parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GstSplit {
    pub ex_gst: Money,
    pub gst: Money,
    pub inclusive: Money,
}

fn overflow() -> ValueError {
    ValueError::new(ValueErrorCode::Overflow, "amount is too large")
}

fn add(a: Money, b: Money) -> Result<Money, ValueError> {
    a.checked_add(b).ok_or_else(overflow)
}

fn sub(a: Money, b: Money) -> Result<Money, ValueError> {
    a.checked_sub(b).ok_or_else(overflow)
}

fn sum<'a>(items: impl IntoIterator<Item = &'a Money>) -> Result<Money, ValueError> {
    Money::checked_sum(items.into_iter().copied()).ok_or_else(overflow)
}

/// Unrounded GST, in cents, on a taxable amount: P/11 of an inclusive price,
/// E/10 of an exclusive one.
pub fn gst_exact(amount: Money, basis: PriceBasis) -> Decimal {
    let divisor = match basis {
        PriceBasis::Inclusive => 100 / GST_RATE_PERCENT + 1,
        PriceBasis::Exclusive => 100 / GST_RATE_PERCENT,
    };
    amount.to_decimal_cents() / Decimal::from(divisor)
}

/// Splits one taxable amount: GST rounded half up; the parts add back exactly.
pub fn split(amount: Money, basis: PriceBasis) -> Result<GstSplit, ValueError> {
    let gst = Money::from_decimal_cents(gst_exact(amount, basis))?;
    Ok(match basis {
        PriceBasis::Inclusive => GstSplit {
            ex_gst: sub(amount, gst)?,
            gst,
            inclusive: amount,
        },
        PriceBasis::Exclusive => GstSplit {
            ex_gst: amount,
            gst,
            inclusive: add(amount, gst)?,
        },
    })
}

/// Spreads `total` (≥ 0) over `weights` (each ≥ 0) pro-rata so the shares add up to
/// `total` exactly: each share is floored to the cent, then the leftover cents go one
/// each to the largest remainders (ties: the larger weight, then the earlier one).
pub fn allocate_pro_rata(total: Money, weights: &[Money]) -> Result<Vec<Money>, ValueError> {
    if total.is_negative() || weights.iter().any(|w| w.is_negative()) {
        return Err(ValueError::new(
            ValueErrorCode::OutOfRange,
            "pro-rata amounts and weights cannot be negative",
        ));
    }
    let d = i128::from(total.cents());
    let w_sum: i128 = weights.iter().map(|w| i128::from(w.cents())).sum();
    if d == 0 {
        return Ok(vec![Money::ZERO; weights.len()]);
    }
    if w_sum == 0 {
        return Err(ValueError::new(
            ValueErrorCode::OutOfRange,
            "there is nothing to spread the discount over",
        ));
    }
    let parts: Vec<(i128, i128)> = weights
        .iter()
        .map(|w| {
            let x = d * i128::from(w.cents());
            (x / w_sum, x % w_sum)
        })
        .collect();
    let floors: i128 = parts.iter().map(|(f, _)| f).sum();
    let leftover = usize::try_from(d - floors).map_err(|_| overflow())?;
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        parts[b]
            .1
            .cmp(&parts[a].1)
            .then(weights[b].cmp(&weights[a]))
            .then(a.cmp(&b))
    });
    let mut shares: Vec<i128> = parts.iter().map(|(f, _)| *f).collect();
    for &i in order.iter().take(leftover) {
        shares[i] += 1;
    }
    shares
        .into_iter()
        .map(|s| {
            i64::try_from(s)
                .map(Money::from_cents)
                .map_err(|_| overflow())
        })
        .collect()
}

fn line_gross(line: &LineInput) -> Result<Money, ValueError> {
    if line.quantity.is_zero() {
        return Err(ValueError::new(
            ValueErrorCode::InvalidQuantity,
            "a line needs a non-zero quantity",
        ));
    }
    let cents = line
        .unit_price
        .to_decimal_cents()
        .checked_mul(line.quantity)
        .ok_or_else(overflow)?;
    Money::from_decimal_cents(cents)
}

/// The line discount, signed like `gross`.
fn line_discount(gross: Money, discount: LineDiscount) -> Result<Money, ValueError> {
    let magnitude = match discount {
        LineDiscount::None => return Ok(Money::ZERO),
        LineDiscount::Amount(m) => {
            if m.is_negative() {
                return Err(ValueError::new(
                    ValueErrorCode::InvalidMoney,
                    "a discount cannot be negative",
                ));
            }
            if m.cents() > gross.cents().saturating_abs() {
                return Err(ValueError::new(
                    ValueErrorCode::OutOfRange,
                    format!("a discount of {m} is more than the line total"),
                ));
            }
            m
        }
        LineDiscount::Percent(p) => {
            if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
                return Err(ValueError::new(
                    ValueErrorCode::InvalidPercent,
                    format!("a discount of {p}% is not between 0 and 100"),
                ));
            }
            let abs = gross.to_decimal_cents().abs();
            let cents = abs.checked_mul(p).ok_or_else(overflow)? / Decimal::ONE_HUNDRED;
            Money::from_decimal_cents(cents)?
        }
    };
    Ok(if gross.is_negative() {
        magnitude.checked_neg().ok_or_else(overflow)?
    } else {
        magnitude
    })
}

/// How one line is charged once the export and the seller's registration are
/// applied: its code, whether it is an export, and whether GST is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Treatment {
    tax_code: TaxCode,
    export: bool,
    /// A taxable price that included GST is charged less its GST.
    drop_gst: bool,
    charges_gst: bool,
}

fn treatment(kind: LineKind, code: TaxCode, supply: Supply, input: &InvoiceInput) -> Treatment {
    let exported = input.export && code != TaxCode::InputTaxed;
    let (tax_code, export) = match (kind, supply) {
        // s38-185: goods leaving Australia are GST-free exports.
        (LineKind::Item, Supply::Goods) if exported => (TaxCode::GstFree, true),
        // s38-355: the freight carrying them abroad is GST-free (not an export).
        (LineKind::Shipping, _) if exported => (TaxCode::GstFree, false),
        _ => (code, false),
    };
    let registered = input.seller == Seller::GstRegistered;
    Treatment {
        tax_code,
        export,
        drop_gst: registered
            && code.is_taxable()
            && tax_code != code
            && input.prices == PriceBasis::Inclusive,
        charges_gst: registered && tax_code.is_taxable(),
    }
}

/// A GST-inclusive amount less its GST (each line's GST rounded on its own).
fn less_its_gst(amount: Money) -> Result<Money, ValueError> {
    Ok(split(amount, PriceBasis::Inclusive)?.ex_gst)
}

fn finish_line(
    kind: LineKind,
    how: Treatment,
    gross: Money,
    line_discount: Money,
    order_discount_share: Money,
    basis: PriceBasis,
) -> Result<LineResult, ValueError> {
    let tax_code = how.tax_code;
    let net = sub(sub(gross, line_discount)?, order_discount_share)?;
    let (gst_exact, s) = if how.charges_gst {
        (gst_exact(net, basis), split(net, basis)?)
    } else {
        let s = GstSplit {
            ex_gst: net,
            gst: Money::ZERO,
            inclusive: net,
        };
        (Decimal::ZERO, s)
    };
    Ok(LineResult {
        kind,
        tax_code,
        export: how.export,
        gross,
        line_discount,
        order_discount_share,
        net,
        gst_exact,
        gst: s.gst,
        ex_gst: s.ex_gst,
        inclusive: s.inclusive,
    })
}

/// Computes every GST figure of an invoice or adjustment note.
pub fn compute_invoice(input: &InvoiceInput) -> Result<InvoiceTotals, ValueError> {
    let basis = input.prices;
    let mut gross = Vec::with_capacity(input.lines.len());
    let mut discounts = Vec::with_capacity(input.lines.len());
    let mut after_line = Vec::with_capacity(input.lines.len());
    let treatments: Vec<Treatment> = input
        .lines
        .iter()
        .map(|l| treatment(LineKind::Item, l.tax_code, l.supply, input))
        .collect();
    for (line, how) in input.lines.iter().zip(&treatments) {
        let g = line_gross(line)?;
        let g = if how.drop_gst { less_its_gst(g)? } else { g };
        let d = line_discount(g, line.discount)?;
        gross.push(g);
        discounts.push(d);
        after_line.push(sub(g, d)?);
    }

    // Order discount: spread over the item lines by their discounted value.
    let shares = if input.order_discount.is_zero() {
        vec![Money::ZERO; after_line.len()]
    } else {
        if input.order_discount.is_negative() {
            return Err(ValueError::new(
                ValueErrorCode::InvalidMoney,
                "an order discount cannot be negative",
            ));
        }
        let any_pos = after_line.iter().any(|m| m.cents() > 0);
        let any_neg = after_line.iter().any(|m| m.is_negative());
        if any_pos && any_neg {
            return Err(ValueError::new(
                ValueErrorCode::OutOfRange,
                "an order discount needs all lines charged, or all refunded",
            ));
        }
        let magnitudes: Vec<Money> = after_line
            .iter()
            .map(|m| Money::from_cents(m.cents().saturating_abs()))
            .collect();
        let subtotal = sum(&magnitudes)?;
        if input.order_discount > subtotal {
            return Err(ValueError::new(
                ValueErrorCode::OutOfRange,
                format!(
                    "an order discount of {} is more than the items total {subtotal}",
                    input.order_discount
                ),
            ));
        }
        let shares = allocate_pro_rata(input.order_discount, &magnitudes)?;
        if any_neg {
            shares
                .into_iter()
                .map(|s| Money::from_cents(-s.cents()))
                .collect()
        } else {
            shares
        }
    };

    let mut lines = Vec::with_capacity(input.lines.len());
    for i in 0..input.lines.len() {
        lines.push(finish_line(
            LineKind::Item,
            treatments[i],
            gross[i],
            discounts[i],
            shares[i],
            basis,
        )?);
    }
    let shipping = input
        .shipping
        .map(|s| {
            let how = treatment(LineKind::Shipping, s.tax_code, Supply::Service, input);
            let amount = if how.drop_gst {
                less_its_gst(s.amount)?
            } else {
                s.amount
            };
            finish_line(
                LineKind::Shipping,
                how,
                amount,
                Money::ZERO,
                Money::ZERO,
                basis,
            )
        })
        .transpose()?;

    let all: Vec<&LineResult> = lines.iter().chain(shipping.iter()).collect();
    let net_total = sum(all.iter().map(|l| &l.net))?;
    let part = |code: TaxCode, export: bool| {
        sum(all
            .iter()
            .filter(|l| l.tax_code == code && l.export == export)
            .map(|l| &l.net))
    };
    let registered = input.seller == Seller::GstRegistered;
    let gst = match input.rounding {
        _ if !registered => Money::ZERO,
        GstRounding::PerLine => sum(all.iter().map(|l| &l.gst))?,
        // Sum of the taxable lines' unrounded GST, computed exactly as one division.
        GstRounding::PerInvoice => {
            Money::from_decimal_cents(gst_exact(part(TaxCode::Taxable, false)?, basis))?
        }
    };
    let (ex_gst, inclusive) = match basis {
        PriceBasis::Inclusive => (sub(net_total, gst)?, net_total),
        PriceBasis::Exclusive => (net_total, add(net_total, gst)?),
    };
    let gst_free_part = part(TaxCode::GstFree, false)?;
    let export_part = part(TaxCode::GstFree, true)?;
    let input_taxed_part = part(TaxCode::InputTaxed, false)?;
    let taxable_part = sub(
        sub(sub(inclusive, gst_free_part)?, export_part)?,
        input_taxed_part,
    )?;

    let all_taxable = all
        .iter()
        .all(|l| l.tax_code.is_taxable() || l.net.is_zero());
    let one_eleventh =
        Money::from_decimal_cents(gst_exact(inclusive, PriceBasis::Inclusive))? == gst;
    Ok(InvoiceTotals {
        // Only a tax invoice must identify its buyer.
        buyer_identity_required: registered
            && inclusive.cents().unsigned_abs() >= BUYER_IDENTITY_THRESHOLD.cents().unsigned_abs(),
        total_includes_gst_wording: registered
            && !inclusive.is_zero()
            && all_taxable
            && one_eleventh,
        seller: input.seller,
        lines,
        shipping,
        rounding: input.rounding,
        prices: basis,
        ex_gst,
        gst,
        inclusive,
        taxable_part,
        gst_free_part,
        export_part,
        input_taxed_part,
    })
}

/// Which kind of GST document a total comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentKind {
    TaxInvoice,
    AdjustmentNote,
}

/// The figures of one issued document a GST summary adds up: what the
/// engine computed when it was issued (stored with the document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DocumentFigures {
    pub inclusive: Money,
    pub gst: Money,
    pub export: Money,
    pub gst_free: Money,
    pub input_taxed: Money,
}

impl DocumentFigures {
    /// The part of these figures that `paid` of `total` stands for (cash
    /// basis: a payment of part of an invoice attributes that part of it);
    /// each figure rounded half up, the whole when everything was paid.
    pub fn share(&self, paid: Money, total: Money) -> Result<DocumentFigures, ValueError> {
        if paid == total || total.is_zero() {
            return Ok(*self);
        }
        let part = |m: Money| -> Result<Money, ValueError> {
            let exact = m.to_decimal_cents() * paid.to_decimal_cents() / total.to_decimal_cents();
            Money::from_decimal_cents(exact)
        };
        Ok(DocumentFigures {
            inclusive: part(self.inclusive)?,
            gst: part(self.gst)?,
            export: part(self.export)?,
            gst_free: part(self.gst_free)?,
            input_taxed: part(self.input_taxed)?,
        })
    }
}

impl InvoiceTotals {
    /// What a GST summary takes from this document.
    pub fn figures(&self) -> DocumentFigures {
        DocumentFigures {
            inclusive: self.inclusive,
            gst: self.gst,
            export: self.export_part,
            gst_free: self.gst_free_part,
            input_taxed: self.input_taxed_part,
        }
    }
}

/// GST figures for a period, as a BAS asks for them (AU-RULES "GST summary").
/// Sales come from tax invoices; adjustment notes are reported on their own
/// (increasing at 1A, decreasing at 1B), never netted into 1A, and G1 is not
/// reduced by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GstSummary {
    /// G1: total sales, GST included.
    pub total_sales: Money,
    /// G2: export sales.
    pub export_sales: Money,
    /// G3: other GST-free sales.
    pub other_gst_free_sales: Money,
    /// Input-taxed sales (G4).
    pub input_taxed_sales: Money,
    /// 1A: GST on sales (before adjustments).
    pub gst_on_sales: Money,
    /// GST of notes that raised a price (reported with 1A).
    pub increasing_adjustments: Money,
    /// GST of notes that lowered a price (reported at 1B), as a magnitude.
    pub decreasing_adjustments: Money,
    pub invoices: u32,
    pub adjustment_notes: u32,
}

impl GstSummary {
    /// Adds one document's figures.
    pub fn add(&mut self, kind: DocumentKind, f: &DocumentFigures) -> Result<(), ValueError> {
        match kind {
            DocumentKind::TaxInvoice => {
                self.total_sales = add(self.total_sales, f.inclusive)?;
                self.export_sales = add(self.export_sales, f.export)?;
                self.other_gst_free_sales = add(self.other_gst_free_sales, f.gst_free)?;
                self.input_taxed_sales = add(self.input_taxed_sales, f.input_taxed)?;
                self.gst_on_sales = add(self.gst_on_sales, f.gst)?;
                self.invoices += 1;
            }
            DocumentKind::AdjustmentNote => {
                if f.gst.is_negative() {
                    let magnitude = f.gst.checked_neg().ok_or_else(overflow)?;
                    self.decreasing_adjustments = add(self.decreasing_adjustments, magnitude)?;
                } else {
                    self.increasing_adjustments = add(self.increasing_adjustments, f.gst)?;
                }
                self.adjustment_notes += 1;
            }
        }
        Ok(())
    }

    /// Summarises a period's documents.
    pub fn from_documents<'a>(
        docs: impl IntoIterator<Item = (DocumentKind, &'a DocumentFigures)>,
    ) -> Result<GstSummary, ValueError> {
        let mut s = GstSummary::default();
        for (kind, f) in docs {
            s.add(kind, f)?;
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn c(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn invoice(lines: Vec<LineInput>, prices: PriceBasis, rounding: GstRounding) -> InvoiceInput {
        InvoiceInput {
            lines,
            prices,
            rounding,
            ..InvoiceInput::default()
        }
    }

    fn taxable(cents: i64) -> LineInput {
        LineInput::new(c(cents), 1, TaxCode::Taxable)
    }

    fn check_invariants(t: &InvoiceTotals) {
        for l in t.all_lines() {
            assert_eq!(l.ex_gst.cents() + l.gst.cents(), l.inclusive.cents());
            assert_eq!(
                l.gross.cents() - l.line_discount.cents() - l.order_discount_share.cents(),
                l.net.cents()
            );
        }
        assert_eq!(t.ex_gst.cents() + t.gst.cents(), t.inclusive.cents());
        assert_eq!(
            t.taxable_part.cents()
                + t.gst_free_part.cents()
                + t.export_part.cents()
                + t.input_taxed_part.cents(),
            t.inclusive.cents()
        );
    }

    #[test]
    fn example_one_exclusive_line() {
        for rounding in [GstRounding::PerLine, GstRounding::PerInvoice] {
            let t = compute_invoice(&invoice(
                vec![taxable(1999)],
                PriceBasis::Exclusive,
                rounding,
            ))
            .unwrap();
            assert_eq!(t.gst, c(200));
            assert_eq!(t.inclusive, c(2199));
            assert_eq!(t.ex_gst, c(1999));
            check_invariants(&t);
        }
    }

    #[test]
    fn example_one_inclusive_line() {
        for rounding in [GstRounding::PerLine, GstRounding::PerInvoice] {
            let t = compute_invoice(&invoice(
                vec![taxable(1095)],
                PriceBasis::Inclusive,
                rounding,
            ))
            .unwrap();
            assert_eq!(t.lines[0].gst_exact.round_dp(3), dec!(99.545));
            assert_eq!(t.gst, c(100));
            assert_eq!(t.ex_gst, c(995));
            assert_eq!(t.inclusive, c(1095));
            assert!(t.total_includes_gst_wording);
            assert!(!t.buyer_identity_required);
            check_invariants(&t);
        }
    }

    #[test]
    fn example_grocery_basket() {
        let lines = vec![
            LineInput::new(c(450), 1, TaxCode::GstFree), // bread
            LineInput::new(c(320), 1, TaxCode::GstFree), // milk
            taxable(550),                                // chocolate
            taxable(399),                                // soft drink
        ];
        for rounding in [GstRounding::PerLine, GstRounding::PerInvoice] {
            let t =
                compute_invoice(&invoice(lines.clone(), PriceBasis::Inclusive, rounding)).unwrap();
            assert_eq!(t.gst, c(86));
            assert_eq!(t.inclusive, c(1719));
            assert_eq!(t.gst_free_part, c(770));
            assert_eq!(t.taxable_part, c(949));
            assert_eq!(t.ex_gst, c(1633));
            // Mixed supplies: the GST amount must be shown, not the 1/11 wording.
            assert!(!t.total_includes_gst_wording);
            check_invariants(&t);
        }
        let t =
            compute_invoice(&invoice(lines, PriceBasis::Inclusive, GstRounding::PerLine)).unwrap();
        let gsts: Vec<i64> = t.lines.iter().map(|l| l.gst.cents()).collect();
        assert_eq!(gsts, vec![0, 0, 50, 36]);
    }

    #[test]
    fn example_goods_plus_delivery() {
        for rounding in [GstRounding::PerLine, GstRounding::PerInvoice] {
            let mut input = invoice(vec![taxable(4400)], PriceBasis::Inclusive, rounding);
            input.shipping = Some(Shipping::taxable(c(995)));
            let t = compute_invoice(&input).unwrap();
            assert_eq!(t.gst, c(490));
            assert_eq!(t.inclusive, c(5395));
            let ship = t.shipping.as_ref().unwrap();
            assert_eq!(ship.kind, LineKind::Shipping);
            assert_eq!(ship.gst, c(90));
            check_invariants(&t);
        }
    }

    #[test]
    fn example_two_times_ten_fifteen_both_rules() {
        let lines = vec![taxable(1015), taxable(1015)];
        let per_line = compute_invoice(&invoice(
            lines.clone(),
            PriceBasis::Exclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert_eq!(per_line.lines[0].gst, c(102));
        assert_eq!(per_line.lines[1].gst, c(102));
        assert_eq!(per_line.gst, c(204));
        assert_eq!(per_line.inclusive, c(2234));
        check_invariants(&per_line);

        let per_invoice = compute_invoice(&invoice(
            lines,
            PriceBasis::Exclusive,
            GstRounding::PerInvoice,
        ))
        .unwrap();
        assert_eq!(per_invoice.lines[0].gst_exact, dec!(101.5));
        assert_eq!(per_invoice.gst, c(203));
        assert_eq!(per_invoice.inclusive, c(2233));
        check_invariants(&per_invoice);
        assert_eq!(GstRounding::default(), GstRounding::PerLine);
    }

    #[test]
    fn quantity_multiplies_the_line() {
        let t = compute_invoice(&invoice(
            vec![LineInput::new(c(1015), 2, TaxCode::Taxable)],
            PriceBasis::Exclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        // One supply of 2030: 203.0 GST.
        assert_eq!(t.gst, c(203));
        let hours = LineInput {
            unit_price: c(15000),
            quantity: dec!(1.5),
            tax_code: TaxCode::Taxable,
            discount: LineDiscount::None,
            supply: Supply::Service,
        };
        let t = compute_invoice(&invoice(
            vec![hours],
            PriceBasis::Exclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert_eq!(t.ex_gst, c(22500));
        assert_eq!(t.gst, c(2250));
        let zero = LineInput::new(c(100), 0, TaxCode::Taxable);
        assert_eq!(
            compute_invoice(&invoice(
                vec![zero],
                PriceBasis::Inclusive,
                GstRounding::PerLine
            ))
            .unwrap_err()
            .code,
            ValueErrorCode::InvalidQuantity
        );
    }

    #[test]
    fn line_discounts_amount_and_percent() {
        let lines = vec![
            taxable(2000).with_discount(LineDiscount::Amount(c(350))),
            taxable(999).with_discount(LineDiscount::Percent(dec!(15))),
        ];
        let t =
            compute_invoice(&invoice(lines, PriceBasis::Inclusive, GstRounding::PerLine)).unwrap();
        assert_eq!(t.lines[0].net, c(1650));
        assert_eq!(t.lines[0].gst, c(150));
        // 15% of 999 = 149.85 → 150.
        assert_eq!(t.lines[1].line_discount, c(150));
        assert_eq!(t.lines[1].net, c(849));
        assert_eq!(t.lines[1].gst, c(77)); // 77.18
        check_invariants(&t);

        let half = taxable(1).with_discount(LineDiscount::Percent(dec!(50)));
        let t = compute_invoice(&invoice(
            vec![half],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert_eq!(t.lines[0].line_discount, c(1)); // 0.5 rounds up

        for (d, code) in [
            (LineDiscount::Amount(c(2001)), ValueErrorCode::OutOfRange),
            (LineDiscount::Amount(c(-1)), ValueErrorCode::InvalidMoney),
            (
                LineDiscount::Percent(dec!(100.01)),
                ValueErrorCode::InvalidPercent,
            ),
            (
                LineDiscount::Percent(dec!(-1)),
                ValueErrorCode::InvalidPercent,
            ),
        ] {
            let input = invoice(
                vec![taxable(2000).with_discount(d)],
                PriceBasis::Inclusive,
                GstRounding::PerLine,
            );
            assert_eq!(compute_invoice(&input).unwrap_err().code, code, "{d:?}");
        }
    }

    #[test]
    fn order_discount_spread_pro_rata_and_gst_follows() {
        let mut input = invoice(
            vec![taxable(1100), LineInput::new(c(1100), 1, TaxCode::GstFree)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        );
        input.order_discount = c(200);
        input.shipping = Some(Shipping::taxable(c(1100)));
        let t = compute_invoice(&input).unwrap();
        assert_eq!(t.lines[0].order_discount_share, c(100));
        assert_eq!(t.lines[1].order_discount_share, c(100));
        assert_eq!(t.lines[0].gst, c(91)); // 1000 / 11 = 90.9
        assert_eq!(t.shipping.as_ref().unwrap().order_discount_share, c(0));
        assert_eq!(t.gst, c(191));
        assert_eq!(t.inclusive, c(3100));
        assert_eq!(t.gst_free_part, c(1000));
        check_invariants(&t);

        input.order_discount = c(2201);
        assert_eq!(
            compute_invoice(&input).unwrap_err().code,
            ValueErrorCode::OutOfRange
        );
    }

    #[test]
    fn pro_rata_exact_sum_rule() {
        let shares = allocate_pro_rata(c(100), &[c(1000), c(2000), c(3000)]).unwrap();
        assert_eq!(shares, vec![c(17), c(33), c(50)]);
        // Equal remainders and equal lines: the earlier line gets the cent.
        let shares = allocate_pro_rata(c(100), &[c(100), c(100), c(100)]).unwrap();
        assert_eq!(shares, vec![c(34), c(33), c(33)]);
        // Equal remainders: the larger line gets the cent.
        let shares = allocate_pro_rata(c(2), &[c(100), c(300)]).unwrap();
        assert_eq!(shares, vec![c(0), c(2)]);
        // A zero-value line gets nothing.
        let shares = allocate_pro_rata(c(5), &[c(0), c(3), c(3)]).unwrap();
        assert_eq!(shares, vec![c(0), c(3), c(2)]);
        assert_eq!(
            allocate_pro_rata(c(1), &[c(0)]).unwrap_err().code,
            ValueErrorCode::OutOfRange
        );
        assert_eq!(allocate_pro_rata(c(0), &[]).unwrap(), vec![]);
    }

    #[test]
    fn adjustment_note_is_negative_and_rounds_away_from_zero() {
        let mut input = invoice(
            vec![
                LineInput::new(c(-1095), 1, TaxCode::Taxable),
                LineInput::new(c(450), -1, TaxCode::GstFree),
            ],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        );
        let t = compute_invoice(&input).unwrap();
        assert_eq!(t.lines[0].gst, c(-100));
        assert_eq!(t.gst, c(-100));
        assert_eq!(t.ex_gst, c(-1445));
        assert_eq!(t.inclusive, c(-1545));
        assert_eq!(t.gst_free_part, c(-450));
        check_invariants(&t);

        // Two refunded 10.15 exclusive lines: -101.5 each → -102 per line, -203 per invoice.
        input.prices = PriceBasis::Exclusive;
        input.lines = vec![taxable(-1015), taxable(-1015)];
        assert_eq!(compute_invoice(&input).unwrap().gst, c(-204));
        input.rounding = GstRounding::PerInvoice;
        assert_eq!(compute_invoice(&input).unwrap().gst, c(-203));

        // Discounts move a refund line toward zero.
        input.rounding = GstRounding::PerLine;
        input.lines = vec![
            taxable(-1000).with_discount(LineDiscount::Amount(c(100))),
            taxable(-2000),
        ];
        input.order_discount = c(300);
        let t = compute_invoice(&input).unwrap();
        assert_eq!(t.lines[0].net, c(-900 + 93)); // share of 300 by 900:2000 → 93.1
        assert_eq!(t.lines[1].net, c(-2000 + 207));
        check_invariants(&t);

        // Mixed signs cannot share an order discount.
        input.lines = vec![taxable(1000), taxable(-500)];
        assert_eq!(
            compute_invoice(&input).unwrap_err().code,
            ValueErrorCode::OutOfRange
        );
    }

    #[test]
    fn buyer_identity_from_one_thousand_dollars() {
        let at = |cents| {
            compute_invoice(&invoice(
                vec![taxable(cents)],
                PriceBasis::Inclusive,
                GstRounding::PerLine,
            ))
            .unwrap()
            .buyer_identity_required
        };
        assert!(!at(99_999));
        assert!(at(100_000));
        assert!(at(250_000));
        assert!(at(-100_000));
        // Exclusive 909.10 + GST 90.91 = 1000.01 inclusive.
        let t = compute_invoice(&invoice(
            vec![taxable(90_910)],
            PriceBasis::Exclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert_eq!(t.inclusive, c(100_001));
        assert!(t.buyer_identity_required);
    }

    #[test]
    fn includes_gst_wording_only_when_exactly_one_eleventh() {
        let t = compute_invoice(&invoice(
            vec![taxable(550), taxable(399)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert!(t.total_includes_gst_wording); // 86 = round(949 / 11)
        // Per-line rounding drifts a cent away from 1/11 of the total: 3 × 5c lines
        // have 0.4545 → 0 each, total 15c whose 1/11 rounds to 1c.
        let t = compute_invoice(&invoice(
            vec![taxable(5), taxable(5), taxable(5)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert_eq!(t.gst, c(0));
        assert!(!t.total_includes_gst_wording);
        let t = compute_invoice(&invoice(
            vec![LineInput::new(c(100), 1, TaxCode::InputTaxed)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        assert_eq!(t.input_taxed_part, c(100));
        assert!(!t.total_includes_gst_wording);
        let t = compute_invoice(&InvoiceInput::default()).unwrap();
        assert_eq!(t.inclusive, Money::ZERO);
        assert!(!t.total_includes_gst_wording);
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        let input = invoice(
            vec![taxable(i64::MAX), taxable(1)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        );
        assert_eq!(
            compute_invoice(&input).unwrap_err().code,
            ValueErrorCode::Overflow
        );
    }

    #[test]
    fn bas_summary_keeps_adjustments_apart() {
        let sale = compute_invoice(&invoice(
            vec![taxable(1100), LineInput::new(c(500), 1, TaxCode::GstFree)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        let mut abroad = invoice(
            vec![taxable(2200)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        );
        abroad.export = true;
        let export = compute_invoice(&abroad).unwrap();
        let refund = compute_invoice(&invoice(
            vec![taxable(-1100)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        let surcharge = compute_invoice(&invoice(
            vec![taxable(330)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        ))
        .unwrap();
        let figures = [
            sale.figures(),
            export.figures(),
            refund.figures(),
            surcharge.figures(),
        ];
        let s = GstSummary::from_documents([
            (DocumentKind::TaxInvoice, &figures[0]),
            (DocumentKind::TaxInvoice, &figures[0]),
            (DocumentKind::TaxInvoice, &figures[1]),
            (DocumentKind::AdjustmentNote, &figures[2]),
            (DocumentKind::AdjustmentNote, &figures[3]),
        ])
        .unwrap();
        // G1 counts invoices only; the notes are reported on their own.
        assert_eq!(s.total_sales, c(3200 + 2000));
        assert_eq!(s.export_sales, c(2000));
        assert_eq!(s.other_gst_free_sales, c(1000));
        assert_eq!(s.gst_on_sales, c(200));
        assert_eq!(s.decreasing_adjustments, c(100));
        assert_eq!(s.increasing_adjustments, c(30));
        assert_eq!((s.invoices, s.adjustment_notes), (3, 2));
    }

    #[test]
    fn a_part_payment_attributes_that_part_of_each_figure() {
        let f = DocumentFigures {
            inclusive: c(13345),
            gst: c(1090),
            export: c(0),
            gst_free: c(1350),
            input_taxed: c(0),
        };
        assert_eq!(f.share(c(13345), c(13345)).unwrap(), f);
        let half = f.share(c(6672), c(13345)).unwrap();
        assert_eq!(half.inclusive, c(6672));
        assert_eq!(half.gst, c(545)); // 1090 × 6672 / 13345 = 544.96
        assert_eq!(half.gst_free, c(675));
    }

    #[test]
    fn export_goods_are_gst_free_and_charged_less_their_gst() {
        for rounding in [GstRounding::PerLine, GstRounding::PerInvoice] {
            let mut input = invoice(
                vec![
                    taxable(1095),
                    taxable(1095),
                    LineInput::new(c(450), 1, TaxCode::GstFree),
                    LineInput::new(c(2200), 1, TaxCode::Taxable).with_supply(Supply::Service),
                ],
                PriceBasis::Inclusive,
                rounding,
            );
            input.shipping = Some(Shipping::taxable(c(995)));
            input.export = true;
            let t = compute_invoice(&input).unwrap();
            // 1095 less its GST (100) on each line, whatever the rounding rule.
            assert_eq!(t.lines[0].net, c(995));
            assert_eq!(t.lines[1].net, c(995));
            assert!(
                t.lines[..3]
                    .iter()
                    .all(|l| l.export && l.tax_code == TaxCode::GstFree)
            );
            assert_eq!(t.lines[2].net, c(450));
            // A service keeps its own tax code abroad.
            assert_eq!(t.lines[3].tax_code, TaxCode::Taxable);
            assert!(!t.lines[3].export);
            assert_eq!(t.lines[3].gst, c(200));
            // Freight abroad: GST-free, not an export; charged less its GST.
            let ship = t.shipping.as_ref().unwrap();
            assert_eq!((ship.tax_code, ship.export), (TaxCode::GstFree, false));
            assert_eq!(ship.net, c(905));
            assert_eq!(t.export_part, c(995 + 995 + 450));
            assert_eq!(t.gst_free_part, c(905));
            assert_eq!(t.gst, c(200));
            assert_eq!(t.inclusive, c(995 + 995 + 450 + 2200 + 905));
            check_invariants(&t);
        }
        // Exclusive prices need no change: the buyer abroad pays them as they are.
        let mut input = invoice(
            vec![taxable(1999)],
            PriceBasis::Exclusive,
            GstRounding::PerLine,
        );
        input.export = true;
        let t = compute_invoice(&input).unwrap();
        assert_eq!(
            (t.gst, t.inclusive, t.export_part),
            (c(0), c(1999), c(1999))
        );
    }

    #[test]
    fn an_unregistered_seller_charges_no_gst_on_any_line() {
        for prices in [PriceBasis::Inclusive, PriceBasis::Exclusive] {
            let mut input = invoice(
                vec![taxable(1095), LineInput::new(c(450), 1, TaxCode::GstFree)],
                prices,
                GstRounding::PerInvoice,
            );
            input.shipping = Some(Shipping::taxable(c(995)));
            input.seller = Seller::NotRegistered;
            let t = compute_invoice(&input).unwrap();
            assert!(t.all_lines().all(|l| l.gst.is_zero()));
            assert_eq!(t.gst, c(0));
            assert_eq!(t.inclusive, c(1095 + 450 + 995));
            assert_eq!(t.ex_gst, t.inclusive);
            assert!(!t.total_includes_gst_wording);
            check_invariants(&t);
        }
        let mut big = invoice(
            vec![taxable(200_000)],
            PriceBasis::Inclusive,
            GstRounding::PerLine,
        );
        big.seller = Seller::NotRegistered;
        assert!(!compute_invoice(&big).unwrap().buyer_identity_required);
    }

    proptest! {
        #[test]
        fn inclusive_splits_and_adds_back(p in -10_000_000_000i64..10_000_000_000) {
            let s = split(c(p), PriceBasis::Inclusive).unwrap();
            prop_assert_eq!(s.inclusive, c(p));
            prop_assert_eq!(s.ex_gst.cents() + s.gst.cents(), p);
            // GST is P/11 rounded half up: within half a cent.
            let diff = Decimal::from(s.gst.cents()) - Decimal::from(p) / Decimal::from(11);
            prop_assert!(diff.abs() <= dec!(0.5));
        }

        #[test]
        fn exclusive_adds_gst_exactly(e in -10_000_000_000i64..10_000_000_000) {
            let s = split(c(e), PriceBasis::Exclusive).unwrap();
            prop_assert_eq!(s.ex_gst.cents() + s.gst.cents(), s.inclusive.cents());
            let diff = Decimal::from(s.gst.cents()) - Decimal::from(e) / Decimal::from(10);
            prop_assert!(diff.abs() <= dec!(0.5));
        }

        #[test]
        fn pro_rata_shares_add_up(
            weights in proptest::collection::vec(0i64..10_000_000, 1..20),
            frac in 0u32..=1000,
        ) {
            let w: Vec<Money> = weights.iter().copied().map(c).collect();
            let total: i64 = weights.iter().sum();
            let d = total * i64::from(frac) / 1000;
            let shares = allocate_pro_rata(c(d), &w);
            if total == 0 && d > 0 {
                prop_assert!(shares.is_err());
            } else {
                let shares = shares.unwrap();
                prop_assert_eq!(shares.iter().map(|s| s.cents()).sum::<i64>(), d);
                for (s, wi) in shares.iter().zip(&weights) {
                    // Each share is within one cent of its exact pro-rata value.
                    let exact = i128::from(d) * i128::from(*wi);
                    let t = i128::from(total.max(1));
                    prop_assert!(i128::from(s.cents()) * t >= exact - t);
                    prop_assert!(i128::from(s.cents()) * t <= exact + t);
                    prop_assert!(s.cents() <= *wi);
                }
            }
        }

        #[test]
        fn invoice_order_discount_shares_add_up(
            prices in proptest::collection::vec(1i64..1_000_000, 1..12),
            frac in 0u32..=1000,
        ) {
            let total: i64 = prices.iter().sum();
            let mut input = invoice(
                prices.iter().map(|p| taxable(*p)).collect(),
                PriceBasis::Inclusive,
                GstRounding::PerLine,
            );
            input.order_discount = c(total * i64::from(frac) / 1000);
            let t = compute_invoice(&input).unwrap();
            let shares: i64 = t.lines.iter().map(|l| l.order_discount_share.cents()).sum();
            prop_assert_eq!(shares, input.order_discount.cents());
            prop_assert_eq!(t.inclusive.cents(), total - input.order_discount.cents());
            check_invariants(&t);
        }

        #[test]
        fn per_line_and_per_invoice_differ_by_at_most_half_n_plus_one(
            prices in proptest::collection::vec(-1_000_000i64..1_000_000, 1..30),
            exclusive in any::<bool>(),
            free in proptest::collection::vec(any::<bool>(), 30),
        ) {
            let prices: Vec<i64> = prices.into_iter().filter(|p| *p != 0).collect();
            let lines: Vec<LineInput> = prices
                .iter()
                .zip(&free)
                .map(|(p, f)| {
                    let code = if *f { TaxCode::GstFree } else { TaxCode::Taxable };
                    LineInput::new(c(*p), 1, code)
                })
                .collect();
            let n = lines.iter().filter(|l| l.tax_code.is_taxable()).count() as i64;
            let basis = if exclusive { PriceBasis::Exclusive } else { PriceBasis::Inclusive };
            let a = compute_invoice(&invoice(lines.clone(), basis, GstRounding::PerLine)).unwrap();
            let b = compute_invoice(&invoice(lines, basis, GstRounding::PerInvoice)).unwrap();
            let diff = (a.gst.cents() - b.gst.cents()).abs();
            prop_assert!(diff <= (n + 1) / 2, "diff {} for n {}", diff, n);
            check_invariants(&a);
            check_invariants(&b);
        }
    }
}
