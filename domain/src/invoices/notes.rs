//! Adjustment notes: a change to an issued invoice's price and GST (a
//! cancellation, a refund, a price correction), computed by the same GST
//! engine from the invoice's stored lines, numbered `ADJ-000001` without
//! gaps and stored as issued. A seller not registered for GST issues a
//! "Credit note" with no GST effect.

use super::Invoice;
use crate::kernel::db::group_rows;
use crate::kernel::{
    Actor, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Scope, Write,
    fetch_scoped_page,
};
use crate::platform::numbering;
use crate::rules::calendar::local_date;
use crate::rules::gst::{self, InvoiceInput, InvoiceTotals, LineInput, PriceBasis, Seller, Supply};
use crate::rules::money::Money;
use crate::rules::tax_code::TaxCode;
use chrono::NaiveDate;
use entity::{adjustment_note, tax_invoice, tax_invoice_line};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "adjustment_note";
const MAX_REASON_LEN: usize = 500;

/// An issued note with its lines, in line order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub note: adjustment_note::Model,
    pub lines: Vec<tax_invoice_line::Model>,
}

/// What a note takes off its invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Everything not yet adjusted (a cancellation): the exact reverse of the
    /// invoice when nothing was adjusted before.
    Remaining,
    /// This much, GST included, spread over the invoice's lines by value.
    Decrease(Money),
}

/// The title the law asks for.
pub fn title(registered: bool) -> &'static str {
    if registered {
        "Adjustment note"
    } else {
        "Credit note"
    }
}

fn refuse(field: &str, code: ErrorCode, message: impl Into<String>) -> DomainError {
    DomainError::rejected(&[field], code, message)
}

/// One changed line's figures, signed, and the invoice line it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// Index into the invoice's lines.
    pub source: usize,
    pub tax_code: String,
    pub export: bool,
    pub gross: i64,
    pub net: i64,
    pub gst: i64,
    pub ex_gst: i64,
    pub total: i64,
}

/// A note's figures, signed (a decrease is negative).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    pub lines: Vec<LineChange>,
    pub ex_gst: i64,
    pub gst: i64,
    pub total: i64,
    pub taxable: i64,
    pub gst_free: i64,
    pub export: i64,
    pub input_taxed: i64,
}

/// What each invoice line and the whole invoice still come to after the
/// notes already issued (`prior`).
fn left_after(invoice: &Invoice, prior: &[Note]) -> Figures {
    let i = &invoice.invoice;
    let mut left = Figures {
        lines: invoice
            .lines
            .iter()
            .enumerate()
            .map(|(source, l)| LineChange {
                source,
                tax_code: l.tax_code.clone(),
                export: l.export,
                gross: l.gross_cents,
                net: l.net_cents,
                gst: l.gst_cents,
                ex_gst: l.ex_gst_cents,
                total: l.total_cents,
            })
            .collect(),
        ex_gst: i.ex_gst_cents,
        gst: i.gst_cents,
        total: i.total_cents,
        taxable: i.taxable_cents,
        gst_free: i.gst_free_cents,
        export: i.export_cents,
        input_taxed: i.input_taxed_cents,
    };
    for note in prior {
        let n = &note.note;
        left.ex_gst += n.ex_gst_cents;
        left.gst += n.gst_cents;
        left.total += n.total_cents;
        left.taxable += n.taxable_cents;
        left.gst_free += n.gst_free_cents;
        left.export += n.export_cents;
        left.input_taxed += n.input_taxed_cents;
        for l in &note.lines {
            // A note line carries the line number of the invoice line it changes.
            if let Some(target) = invoice.lines.iter().position(|il| il.line_no == l.line_no) {
                let t = &mut left.lines[target];
                t.gross += l.gross_cents;
                t.net += l.net_cents;
                t.gst += l.gst_cents;
                t.ex_gst += l.ex_gst_cents;
                t.total += l.total_cents;
            }
        }
    }
    left
}

/// The note that takes everything left off the invoice: the exact negation
/// of what the invoice and its earlier notes (all computed by the engine)
/// leave, so the invoice and its notes always add up to zero.
pub fn reverse_remaining(invoice: &Invoice, prior: &[Note]) -> Result<Figures, DomainError> {
    let left = left_after(invoice, prior);
    if left.total <= 0 {
        return Err(refuse(
            "amount",
            ErrorCode::OutOfRange,
            format!("{} has nothing left to adjust", invoice.invoice.number),
        ));
    }
    let negate = |l: &LineChange| LineChange {
        gross: -l.gross,
        net: -l.net,
        gst: -l.gst,
        ex_gst: -l.ex_gst,
        total: -l.total,
        ..l.clone()
    };
    Ok(Figures {
        lines: left
            .lines
            .iter()
            .filter(|l| l.net != 0 || l.gst != 0)
            .map(negate)
            .collect(),
        ex_gst: -left.ex_gst,
        gst: -left.gst,
        total: -left.total,
        taxable: -left.taxable,
        gst_free: -left.gst_free,
        export: -left.export,
        input_taxed: -left.input_taxed,
    })
}

/// A decrease of `amount` (GST included), spread over what each line still
/// charges by value and put through the GST engine under the invoice's price
/// basis, rounding and registration.
pub fn decrease(invoice: &Invoice, prior: &[Note], amount: Money) -> Result<Figures, DomainError> {
    let i = &invoice.invoice;
    let left = left_after(invoice, prior);
    if amount.cents() <= 0 {
        return Err(refuse(
            "amount",
            ErrorCode::OutOfRange,
            "an adjustment is more than $0.00",
        ));
    }
    if amount.cents() > left.total {
        return Err(refuse(
            "amount",
            ErrorCode::OutOfRange,
            format!(
                "{amount} is more than the {} of {} not yet adjusted",
                Money::from_cents(left.total),
                i.number
            ),
        ));
    }
    // An invoice priced ex-GST spreads the amount's ex-GST part (its note may
    // differ from the amount by a cent of rounding).
    let spread = if i.prices_include_gst {
        amount
    } else {
        scale(amount, left.ex_gst, left.total)
    };
    let weights: Vec<Money> = left
        .lines
        .iter()
        .map(|l| Money::from_cents(l.net.max(0)))
        .collect();
    let charges = gst::allocate_pro_rata(spread, &weights)
        .map_err(|e| refuse("amount", e.code, e.message))?;
    let mut lines = Vec::new();
    let mut sources = Vec::new();
    for (source, charge) in charges.iter().enumerate() {
        if charge.is_zero() {
            continue;
        }
        let line = &invoice.lines[source];
        let code = TaxCode::parse(&line.tax_code).map_err(|e| DomainError::internal(e.message))?;
        // An exported line is goods (it stays a GST-free export); every other
        // line keeps the code it was charged under.
        let supply = if line.export {
            Supply::Goods
        } else {
            Supply::Service
        };
        lines.push(LineInput {
            unit_price: *charge,
            quantity: rust_decimal::Decimal::NEGATIVE_ONE,
            tax_code: code,
            discount: gst::LineDiscount::None,
            supply,
        });
        sources.push(source);
    }
    let input = InvoiceInput {
        lines,
        rounding: crate::orders::pricing::rounding(i.gst_rounding),
        prices: if i.prices_include_gst {
            PriceBasis::Inclusive
        } else {
            PriceBasis::Exclusive
        },
        seller: if i.gst_registered {
            Seller::GstRegistered
        } else {
            Seller::NotRegistered
        },
        export: i.export,
        ..InvoiceInput::default()
    };
    let totals = gst::compute_invoice(&input).map_err(|e| refuse("amount", e.code, e.message))?;
    Ok(figures_of(&totals, &sources))
}

fn figures_of(totals: &InvoiceTotals, sources: &[usize]) -> Figures {
    Figures {
        lines: totals
            .lines
            .iter()
            .zip(sources)
            .map(|(r, &source)| LineChange {
                source,
                tax_code: r.tax_code.as_str().to_owned(),
                export: r.export,
                gross: r.gross.cents(),
                net: r.net.cents(),
                gst: r.gst.cents(),
                ex_gst: r.ex_gst.cents(),
                total: r.inclusive.cents(),
            })
            .collect(),
        ex_gst: totals.ex_gst.cents(),
        gst: totals.gst.cents(),
        total: totals.inclusive.cents(),
        taxable: totals.taxable_part.cents(),
        gst_free: totals.gst_free_part.cents(),
        export: totals.export_part.cents(),
        input_taxed: totals.input_taxed_part.cents(),
    }
}

/// `amount × part / whole`, rounded half up (an inclusive amount's share of
/// an exclusive basis).
fn scale(amount: Money, part: i64, whole: i64) -> Money {
    if whole == 0 {
        return amount;
    }
    let exact = amount.to_decimal_cents() * rust_decimal::Decimal::from(part)
        / rust_decimal::Decimal::from(whole);
    Money::from_decimal_cents(exact).unwrap_or(amount)
}

/// The notes already issued against `invoice`, with their lines.
pub async fn of_invoice<C: ConnectionTrait>(
    conn: &C,
    invoice: &tax_invoice::Model,
) -> Result<Vec<Note>, DbErr> {
    let notes = adjustment_note::Entity::find()
        .filter(adjustment_note::Column::InvoiceId.eq(invoice.id))
        .order_by_asc(adjustment_note::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = notes.iter().map(|n| n.id).collect();
    let mut lines = super::lines_of(conn, &ids).await?;
    Ok(notes
        .into_iter()
        .map(|note| {
            let (mine, rest) = lines.drain(..).partition(|l| l.invoice_id == note.id);
            lines = rest;
            Note { note, lines: mine }
        })
        .collect())
}

/// What `invoice` still totals after its notes.
pub async fn remaining<C: ConnectionTrait>(
    conn: &C,
    invoice: &tax_invoice::Model,
) -> Result<Money, DbErr> {
    let adjusted: Vec<i64> = adjustment_note::Entity::find()
        .select_only()
        .column(adjustment_note::Column::TotalCents)
        .filter(adjustment_note::Column::InvoiceId.eq(invoice.id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Money::from_cents(
        invoice.total_cents + adjusted.iter().sum::<i64>(),
    ))
}

/// Issue a note taking `change` off `invoice` in the caller's write (a
/// cancellation, a lapse, FINANCE by hand), audited as `actor`.
pub async fn issue_in(
    w: &mut Write<'_>,
    invoice: &Invoice,
    change: Change,
    reason: &str,
    actor: &Actor,
) -> Result<Note, DomainError> {
    let prior = of_invoice(w.conn(), &invoice.invoice).await?;
    let figures = match change {
        Change::Remaining => reverse_remaining(invoice, &prior)?,
        Change::Decrease(amount) => decrease(invoice, &prior, amount)?,
    };
    let now = w.now();
    let number = numbering::next(w.conn(), numbering::ADJUSTMENT_NOTE).await?;
    let (note, lines) = rows(
        invoice,
        &figures,
        number,
        reason,
        actor,
        now,
        local_date(now),
    );
    let note = adjustment_note::ActiveModel::from(note)
        .insert(w.conn())
        .await?;
    let issued = Note {
        note,
        lines: super::store_lines(w.conn(), lines).await?,
    };
    w.audit_as(
        actor,
        SUBJECT_TYPE,
        issued.note.id,
        "adjustment_note.issued",
        None,
        Some(&issued),
    )
    .await?;
    w.touch(invoice.invoice.id);
    Ok(issued)
}

fn rows(
    invoice: &Invoice,
    figures: &Figures,
    number: String,
    reason: &str,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    issued_on: NaiveDate,
) -> (adjustment_note::Model, Vec<tax_invoice_line::Model>) {
    let i = &invoice.invoice;
    let id = Uuid::now_v7();
    let lines = figures
        .lines
        .iter()
        .map(|change| {
            let from = &invoice.lines[change.source];
            tax_invoice_line::Model {
                id: Uuid::now_v7(),
                invoice_id: id,
                // The invoice line it changes.
                line_no: from.line_no,
                kind: from.kind,
                sku: from.sku.clone(),
                description: from.description.clone(),
                quantity: "-1".into(),
                unit_price_cents: change.gross.abs(),
                tax_code: change.tax_code.clone(),
                export: change.export,
                gross_cents: change.gross,
                discount_cents: 0,
                order_discount_cents: 0,
                net_cents: change.net,
                gst_cents: change.gst,
                ex_gst_cents: change.ex_gst,
                total_cents: change.total,
            }
        })
        .collect();
    let note = adjustment_note::Model {
        id,
        number,
        invoice_id: i.id,
        invoice_number: i.number.clone(),
        customer_id: i.customer_id,
        title: title(i.gst_registered).to_owned(),
        reason: reason.to_owned(),
        issued_at: now,
        issued_on,
        issued_by: actor.id.clone(),
        seller_name: i.seller_name.clone(),
        seller_abn: i.seller_abn.clone(),
        gst_registered: i.gst_registered,
        // The buyer as the invoice named them (needed when it needed them).
        buyer_name: i.buyer_name.clone(),
        buyer_abn: i.buyer_abn.clone(),
        prices_include_gst: i.prices_include_gst,
        ex_gst_cents: figures.ex_gst,
        gst_cents: figures.gst,
        total_cents: figures.total,
        taxable_cents: figures.taxable,
        gst_free_cents: figures.gst_free,
        export_cents: figures.export,
        input_taxed_cents: figures.input_taxed,
    };
    (note, lines)
}

/// Issue an adjustment note by hand (FINANCE, ADMIN): `amount` (GST
/// included) or, when omitted, everything not yet adjusted.
pub async fn issue(
    db: &DatabaseConnection,
    ctx: &Ctx,
    invoice_id: Uuid,
    amount: Option<&str>,
    reason: &str,
) -> Result<crate::kernel::Committed<Note>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageFinance).await?;
    let mut fields = Fields::new();
    let reason = fields.text("reason", reason, MAX_REASON_LEN);
    let amount = amount
        .filter(|a| !a.trim().is_empty())
        .map(|a| fields.optional("amount", Some(a), Money::parse));
    let (reason, amount) = fields.finish(|| Some((reason?, amount)))?;
    let change = match amount {
        None => Change::Remaining,
        Some(Some(m)) => Change::Decrease(m),
        Some(None) => return Err(DomainError::internal("a refused amount passed the check")),
    };
    // Notes on one invoice queue here, so they never adjust more than it.
    let found = crate::kernel::db::find_for_update::<tax_invoice::Entity, _>(w.conn(), invoice_id)
        .await?
        .ok_or_else(|| DomainError::not_found("invoiceId", "invoice"))?;
    let lines = super::lines_of(w.conn(), &[found.id]).await?;
    let invoice = Invoice {
        invoice: found,
        lines,
    };
    let actor = ctx.actor.clone();
    let note = issue_in(&mut w, &invoice, change, &reason, &actor).await?;
    w.commit(note).await
}

// ---- Reading ----------------------------------------------------------

fn visible_to(ctx: &Ctx, note: &adjustment_note::Model) -> bool {
    Scope::of_ctx(ctx).sees(note.customer_id)
}

/// A note the caller may see (staff; a customer its own).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Note>, DbErr> {
    let mut found = find_many(conn, &[id]).await?;
    Ok(found.remove(&id).filter(|n| visible_to(ctx, &n.note)))
}

/// Notes by id with their lines, whoever asks (two queries for any number:
/// the loader behind a page of refunds or claims); check [`is_visible`].
pub async fn find_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Note>, DbErr> {
    let notes = adjustment_note::Entity::find()
        .filter(adjustment_note::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let found: Vec<Uuid> = notes.iter().map(|n| n.id).collect();
    let mut lines = group_rows(super::lines_of(conn, &found).await?, |l| l.invoice_id);
    Ok(notes
        .into_iter()
        .map(|note| {
            let lines = lines.remove(&note.id).unwrap_or_default();
            (note.id, Note { note, lines })
        })
        .collect())
}

/// May the caller see this note (staff; a customer its own)?
pub fn is_visible(ctx: &Ctx, note: &Note) -> bool {
    visible_to(ctx, &note.note)
}

/// Which notes to list.
#[derive(Debug, Clone, Default)]
pub struct NoteFilter {
    pub invoice_id: Option<Uuid>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
    /// Only these (the documents behind a cash-basis summary).
    pub ids: Option<Vec<Uuid>>,
}

/// Notes the caller may see, oldest first, with their lines.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &NoteFilter,
    page: PageRequest,
) -> Result<Page<Note>, DomainError> {
    Permission::ReadInvoices.require(ctx)?;
    let mut query = adjustment_note::Entity::find();
    if let Some(invoice) = filter.invoice_id {
        query = query.filter(adjustment_note::Column::InvoiceId.eq(invoice));
    }
    let columns = (
        adjustment_note::Column::IssuedOn,
        adjustment_note::Column::Id,
    );
    let (from, to) = (filter.issued_from, filter.issued_to);
    let query = super::issued_within(query, columns, from, to, filter.ids.as_deref());
    let scope = Scope::of_ctx(ctx);
    let (party, id) = (
        adjustment_note::Column::CustomerId,
        adjustment_note::Column::Id,
    );
    let page = fetch_scoped_page(db, scope, query, party, id, page, |n| n.id).await?;
    let mut lines = group_rows(super::lines_of(db, &page.ids()).await?, |l| l.invoice_id);
    Ok(page.map(|id, note| Note {
        note,
        lines: lines.remove(&id).unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::InvoiceLineKind;

    fn line(
        no: i32,
        kind: InvoiceLineKind,
        code: &str,
        net: i64,
        gst: i64,
        export: bool,
    ) -> tax_invoice_line::Model {
        tax_invoice_line::Model {
            id: Uuid::now_v7(),
            invoice_id: Uuid::nil(),
            line_no: no,
            kind,
            sku: None,
            description: "Thing".into(),
            quantity: "1".into(),
            unit_price_cents: net,
            tax_code: code.into(),
            export,
            gross_cents: net,
            discount_cents: 0,
            order_discount_cents: 0,
            net_cents: net,
            gst_cents: gst,
            ex_gst_cents: net - gst,
            total_cents: net,
        }
    }

    fn invoice(
        lines: Vec<tax_invoice_line::Model>,
        rounding: entity::GstRounding,
        export: bool,
    ) -> Invoice {
        let total: i64 = lines.iter().map(|l| l.total_cents).sum();
        let gst: i64 = lines.iter().map(|l| l.gst_cents).sum();
        let totals = |f: fn(&tax_invoice_line::Model) -> bool| -> i64 {
            lines.iter().filter(|l| f(l)).map(|l| l.total_cents).sum()
        };
        Invoice {
            invoice: tax_invoice::Model {
                id: Uuid::nil(),
                number: "INV-000001".into(),
                subject_type: "order".into(),
                subject_id: Uuid::nil(),
                customer_id: None,
                title: "Tax invoice".into(),
                issued_at: chrono::DateTime::UNIX_EPOCH,
                issued_on: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
                issued_by: "system".into(),
                seller_name: "Harbour Homewares".into(),
                seller_abn: Some("51824753556".into()),
                gst_registered: true,
                buyer_name: "Alice".into(),
                buyer_abn: None,
                buyer_email: None,
                buyer_address: "Sydney".into(),
                reference: "SO-000001".into(),
                prices_include_gst: true,
                gst_rounding: rounding,
                export,
                ex_gst_cents: total - gst,
                gst_cents: gst,
                total_cents: total,
                taxable_cents: totals(|l| l.tax_code == "TAXABLE"),
                gst_free_cents: totals(|l| l.tax_code == "GST_FREE" && !l.export),
                export_cents: totals(|l| l.export),
                input_taxed_cents: 0,
                total_includes_gst: false,
                buyer_identity_required: false,
            },
            lines,
        }
    }

    /// A note as the notes before it and `figures` make it (for chaining).
    fn as_note(invoice: &Invoice, figures: &Figures) -> Note {
        let actor = Actor::system();
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let (note, lines) = rows(
            invoice,
            figures,
            "ADJ-1".into(),
            "x",
            &actor,
            chrono::DateTime::UNIX_EPOCH,
            day,
        );
        Note { note, lines }
    }

    #[test]
    fn reversing_a_whole_invoice_negates_every_figure_exactly() {
        for rounding in [
            entity::GstRounding::PerLine,
            entity::GstRounding::PerInvoice,
        ] {
            let lines = vec![
                line(1, InvoiceLineKind::Item, "TAXABLE", 5, 0, false),
                line(2, InvoiceLineKind::Item, "TAXABLE", 5, 0, false),
                line(3, InvoiceLineKind::Item, "TAXABLE", 5, 0, false),
                line(4, InvoiceLineKind::Item, "GST_FREE", 450, 0, false),
                line(5, InvoiceLineKind::Shipping, "TAXABLE", 995, 90, false),
            ];
            let mut inv = invoice(lines, rounding, false);
            // Per invoice, 15c of 5c lines rounds to 1c GST.
            inv.invoice.gst_cents += i64::from(rounding == entity::GstRounding::PerInvoice);
            let f = reverse_remaining(&inv, &[]).unwrap();
            assert_eq!(f.total, -inv.invoice.total_cents);
            assert_eq!(f.gst, -inv.invoice.gst_cents);
            assert_eq!(f.gst_free, -450);
            assert_eq!(f.lines.len(), 5);
        }
    }

    #[test]
    fn after_partial_notes_the_rest_brings_every_figure_to_zero() {
        let lines = vec![
            line(1, InvoiceLineKind::Item, "TAXABLE", 11_000, 1000, false),
            line(2, InvoiceLineKind::Item, "GST_FREE", 1350, 0, false),
            line(3, InvoiceLineKind::Shipping, "TAXABLE", 995, 90, false),
        ];
        let inv = invoice(lines, entity::GstRounding::PerLine, false);
        let mut prior = Vec::new();
        for amount in [2000, 333, 1] {
            let f = decrease(&inv, &prior, Money::from_cents(amount)).unwrap();
            assert_eq!(f.total, -amount);
            assert_eq!(f.gst, f.lines.iter().map(|l| l.gst).sum::<i64>());
            prior.push(as_note(&inv, &f));
        }
        let rest = reverse_remaining(&inv, &prior).unwrap();
        let notes_gst: i64 = prior.iter().map(|n| n.note.gst_cents).sum::<i64>() + rest.gst;
        let notes_total: i64 = prior.iter().map(|n| n.note.total_cents).sum::<i64>() + rest.total;
        assert_eq!(notes_gst, -inv.invoice.gst_cents);
        assert_eq!(notes_total, -inv.invoice.total_cents);
        prior.push(as_note(&inv, &rest));
        assert!(reverse_remaining(&inv, &prior).is_err());
        assert!(decrease(&inv, &prior, Money::from_cents(1)).is_err());
    }

    #[test]
    fn an_exports_reversal_keeps_its_goods_at_g2_and_its_freight_at_g3() {
        let lines = vec![
            line(1, InvoiceLineKind::Item, "GST_FREE", 995, 0, true),
            line(2, InvoiceLineKind::Item, "TAXABLE", 2200, 200, false),
            line(3, InvoiceLineKind::Shipping, "GST_FREE", 905, 0, false),
        ];
        let inv = invoice(lines, entity::GstRounding::PerLine, true);
        let f = reverse_remaining(&inv, &[]).unwrap();
        assert_eq!(f.export, -995);
        assert_eq!(f.gst_free, -905);
        assert_eq!(f.gst, -200);
        let part = decrease(&inv, &[], Money::from_cents(410)).unwrap();
        assert_eq!(part.export, part.lines[0].total);
        assert!(part.lines[0].export);
    }

    #[test]
    fn a_decrease_is_spread_by_value_and_never_beyond_what_is_left() {
        let lines = vec![
            line(1, InvoiceLineKind::Item, "TAXABLE", 3300, 300, false),
            line(2, InvoiceLineKind::Item, "GST_FREE", 1100, 0, false),
        ];
        let inv = invoice(lines, entity::GstRounding::PerLine, false);
        let f = decrease(&inv, &[], Money::from_cents(1100)).unwrap();
        assert_eq!(f.total, -1100);
        assert_eq!(f.lines[0].net, -825);
        assert_eq!(f.lines[1].net, -275);
        assert_eq!(f.gst, -75);
        for amount in [0, -5, 4401] {
            let refused = decrease(&inv, &[], Money::from_cents(amount));
            assert!(matches!(refused, Err(DomainError::Rejected(_))), "{amount}");
        }
    }

    #[test]
    fn the_title_follows_gst_registration() {
        assert_eq!(title(true), "Adjustment note");
        assert_eq!(title(false), "Credit note");
    }
}
