//! The GST summary of a period (the figures a BAS asks for), added up by
//! the GST engine from the figures each document stored when it was issued.
//! It follows the business's attribution basis: on the accrual basis an
//! invoice or adjustment note belongs to the period of its local issue date;
//! on the cash basis an invoice counts when (and as far as) it is paid, and
//! only the notes of refunds count, when the money goes back.

use crate::kernel::{Ctx, DomainError, ErrorCode, Permission};
use crate::rules::gst::{DocumentFigures, DocumentKind, GstSummary};
use crate::rules::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    GstBasis, PaymentStatus, RefundStatus, adjustment_note, guarantee_claim, payment, refund,
    return_request, tax_invoice,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A period's GST figures and the documents behind them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub basis: GstBasis,
    pub figures: GstSummary,
    /// The invoices and notes the figures add up.
    pub invoice_ids: Vec<Uuid>,
    pub note_ids: Vec<Uuid>,
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

/// The UTC instants a local period runs over: `[from 00:00, the day after to 00:00)`.
fn instants(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let sydney = |d: NaiveDate| {
        use chrono::TimeZone;
        chrono_tz::Australia::Sydney
            .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_time(chrono::NaiveTime::MIN).and_utc())
    };
    (sydney(from), sydney(to.succ_opt().unwrap_or(to)))
}

fn invoice_figures(i: &tax_invoice::Model) -> DocumentFigures {
    DocumentFigures {
        inclusive: Money::from_cents(i.total_cents),
        gst: Money::from_cents(i.gst_cents),
        export: Money::from_cents(i.export_cents),
        gst_free: Money::from_cents(i.gst_free_cents),
        input_taxed: Money::from_cents(i.input_taxed_cents),
    }
}

fn note_figures(n: &adjustment_note::Model) -> DocumentFigures {
    DocumentFigures {
        inclusive: Money::from_cents(n.total_cents),
        gst: Money::from_cents(n.gst_cents),
        export: Money::from_cents(n.export_cents),
        gst_free: Money::from_cents(n.gst_free_cents),
        input_taxed: Money::from_cents(n.input_taxed_cents),
    }
}

/// The GST summary of `from..=to` on the business's basis (FINANCE, ADMIN).
pub async fn summarise(
    db: &DatabaseConnection,
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PeriodSummary, DomainError> {
    Permission::ManageFinance.require(ctx)?;
    let (from, to) = period(from, to)?;
    let basis = crate::settings::current(db).await?.gst_basis;
    let (invoices, notes) = match basis {
        GstBasis::Accrual => accrual(db, from, to).await?,
        GstBasis::Cash => cash(db, from, to).await?,
    };
    let mut figures = GstSummary::default();
    let documents = invoices
        .iter()
        .map(|(_, f)| (DocumentKind::TaxInvoice, f))
        .chain(notes.iter().map(|(_, f)| (DocumentKind::AdjustmentNote, f)));
    for (kind, document) in documents {
        figures
            .add(kind, document)
            .map_err(|e| DomainError::internal(e.message))?;
    }
    Ok(PeriodSummary {
        from,
        to,
        basis,
        figures,
        invoice_ids: dedup(invoices.iter().map(|(id, _)| *id)),
        note_ids: dedup(notes.iter().map(|(id, _)| *id)),
    })
}

fn dedup(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort();
    ids.dedup();
    ids
}

type Documents = Vec<(Uuid, DocumentFigures)>;

/// Invoices and notes issued in the period.
async fn accrual(
    db: &DatabaseConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Documents, Documents), DbErr> {
    let invoices = tax_invoice::Entity::find()
        .filter(tax_invoice::Column::IssuedOn.gte(from))
        .filter(tax_invoice::Column::IssuedOn.lte(to))
        .all(db)
        .await?;
    let notes = adjustment_note::Entity::find()
        .filter(adjustment_note::Column::IssuedOn.gte(from))
        .filter(adjustment_note::Column::IssuedOn.lte(to))
        .all(db)
        .await?;
    Ok((
        invoices
            .iter()
            .map(|i| (i.id, invoice_figures(i)))
            .collect(),
        notes.iter().map(|n| (n.id, note_figures(n))).collect(),
    ))
}

/// The part of each invoice paid in the period, and the notes of money paid
/// back in it (card refunds as the provider confirmed them; claims and
/// returns paid back outside the hub as approved).
async fn cash(
    db: &DatabaseConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Documents, Documents), DomainError> {
    let (start, end) = instants(from, to);
    let paid = payment::Entity::find()
        .filter(payment::Column::Status.eq(PaymentStatus::Succeeded))
        .filter(payment::Column::PaidAt.gte(start))
        .filter(payment::Column::PaidAt.lt(end))
        .all(db)
        .await?;
    let invoices = tax_invoice::Entity::find()
        .filter(tax_invoice::Column::SubjectType.eq(crate::orders::SUBJECT_TYPE))
        .filter(tax_invoice::Column::SubjectId.is_in(paid.iter().map(|p| p.order_id)))
        .all(db)
        .await?;
    let mut received = Vec::new();
    for p in &paid {
        if let Some(i) = invoices.iter().find(|i| i.subject_id == p.order_id) {
            let share = invoice_figures(i)
                .share(
                    Money::from_cents(p.amount_cents),
                    Money::from_cents(i.total_cents),
                )
                .map_err(|e| DomainError::internal(e.message))?;
            received.push((i.id, share));
        }
    }
    let refund_notes = sea_orm::sea_query::Query::select()
        .column(refund::Column::AdjustmentNoteId)
        .from(refund::Entity)
        .and_where(refund::Column::Status.eq(RefundStatus::Succeeded))
        .to_owned();
    // Claims and returns paid back outside the hub (no card to refund): their
    // note is issued as the money is approved to go back.
    let claim_notes = sea_orm::sea_query::Query::select()
        .column(guarantee_claim::Column::AdjustmentNoteId)
        .from(guarantee_claim::Entity)
        .and_where(guarantee_claim::Column::AdjustmentNoteId.is_not_null())
        .to_owned();
    let return_notes = sea_orm::sea_query::Query::select()
        .column(return_request::Column::AdjustmentNoteId)
        .from(return_request::Entity)
        .and_where(return_request::Column::AdjustmentNoteId.is_not_null())
        .to_owned();
    let paid_back = sea_orm::Condition::any()
        .add(adjustment_note::Column::Id.in_subquery(refund_notes))
        .add(adjustment_note::Column::Id.in_subquery(claim_notes))
        .add(adjustment_note::Column::Id.in_subquery(return_notes));
    let notes = adjustment_note::Entity::find()
        .filter(paid_back)
        .filter(adjustment_note::Column::IssuedOn.gte(from))
        .filter(adjustment_note::Column::IssuedOn.lte(to))
        .all(db)
        .await?;
    Ok((
        received,
        notes.iter().map(|n| (n.id, note_figures(n))).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_period_runs_from_sydney_midnight_to_the_next() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // December is daylight saving time (UTC+11); June is not (UTC+10).
        let (start, end) = instants(d(12, 1), d(12, 31));
        assert_eq!(start.to_rfc3339(), "2026-11-30T13:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-31T13:00:00+00:00");
        let (start, _) = instants(d(6, 1), d(6, 1));
        assert_eq!(start.to_rfc3339(), "2026-05-31T14:00:00+00:00");
    }

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
