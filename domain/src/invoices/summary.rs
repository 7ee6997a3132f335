//! The GST summary of a period (the figures a BAS asks for), added up by
//! the GST engine from the figures each document stored when it was issued.
//! Accrual basis: an invoice or adjustment note belongs to the period of its
//! local issue date (the cash basis arrives with payments).

use crate::kernel::{Ctx, DomainError, ErrorCode, Permission};
use crate::rules::gst::{DocumentFigures, DocumentKind, GstSummary};
use crate::rules::money::Money;
use chrono::NaiveDate;
use entity::{adjustment_note, tax_invoice};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

/// When GST is attributed to a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The period the invoice was issued in.
    Accrual,
}

/// A period's GST figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub basis: Basis,
    pub figures: GstSummary,
}

/// The period `from..=to` (local dates) checked: `from` not after `to`.
pub fn period(from: NaiveDate, to: NaiveDate) -> Result<(NaiveDate, NaiveDate), DomainError> {
    if from > to {
        return Err(DomainError::rejected(
            &["from"],
            ErrorCode::OutOfRange,
            format!("the period starts ({from}) after it ends ({to})"),
        ));
    }
    Ok((from, to))
}

/// The GST summary of `from..=to` (FINANCE, ADMIN).
pub async fn summarise(
    db: &DatabaseConnection,
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PeriodSummary, DomainError> {
    Permission::ManageFinance.require(ctx)?;
    let (from, to) = period(from, to)?;
    use adjustment_note::Column as N;
    use tax_invoice::Column as C;
    let rows: Vec<(i64, i64, i64, i64, i64)> = tax_invoice::Entity::find()
        .select_only()
        .columns([
            C::TotalCents,
            C::GstCents,
            C::ExportCents,
            C::GstFreeCents,
            C::InputTaxedCents,
        ])
        .filter(C::IssuedOn.gte(from))
        .filter(C::IssuedOn.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    let notes: Vec<(i64, i64, i64, i64, i64)> = adjustment_note::Entity::find()
        .select_only()
        .columns([
            N::TotalCents,
            N::GstCents,
            N::ExportCents,
            N::GstFreeCents,
            N::InputTaxedCents,
        ])
        .filter(N::IssuedOn.gte(from))
        .filter(N::IssuedOn.lte(to))
        .into_tuple()
        .all(db)
        .await?;
    let documents = rows
        .into_iter()
        .map(|r| (DocumentKind::TaxInvoice, r))
        .chain(notes.into_iter().map(|r| (DocumentKind::AdjustmentNote, r)));
    let mut figures = GstSummary::default();
    for (kind, (inclusive, gst, export, gst_free, input_taxed)) in documents {
        let document = DocumentFigures {
            inclusive: Money::from_cents(inclusive),
            gst: Money::from_cents(gst),
            export: Money::from_cents(export),
            gst_free: Money::from_cents(gst_free),
            input_taxed: Money::from_cents(input_taxed),
        };
        figures
            .add(kind, &document)
            .map_err(|e| DomainError::internal(e.message))?;
    }
    Ok(PeriodSummary {
        from,
        to,
        basis: Basis::Accrual,
        figures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_runs_forwards_and_may_be_one_day() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        assert!(period(d(1), d(31)).is_ok());
        assert!(period(d(4), d(4)).is_ok());
        match period(d(5), d(4)) {
            Err(DomainError::Rejected(f)) => {
                assert_eq!(f[0].field, ["from"]);
                assert_eq!(f[0].code, ErrorCode::OutOfRange);
            }
            other => panic!("{other:?}"),
        }
    }
}
