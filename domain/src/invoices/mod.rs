//! Tax invoices (order flow step 5): issued once per billed subject from the
//! GST engine's figures, numbered `INV-000001` without gaps, stored with
//! every particular the law asks for and never changed; read by staff and
//! the owning customer; added up into the GST summary a BAS needs.
//!
//! Orders bill through [`issue_in`] (see `orders::invoice_in`); engagements'
//! final invoices will use the same engine.

pub mod document;
pub mod notes;
pub mod summary;

use crate::kernel::db::group_rows;
use crate::kernel::{
    Ctx, DomainError, ErrorCode, Page, PageRequest, Permission, Scope, Write, fetch_scoped_page,
};
use crate::platform::numbering;
use crate::platform::outbox::topic;
use crate::rules::calendar::local_date;
use crate::rules::gst::InvoiceTotals;
use chrono::NaiveDate;
use document::Bill;
use entity::{tax_invoice, tax_invoice_line};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "invoice";

/// An issued invoice with its lines, in line order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub invoice: tax_invoice::Model,
    pub lines: Vec<tax_invoice_line::Model>,
}

/// The `invoice.issued` event (the invoice email).
#[derive(Debug, Serialize)]
struct InvoiceIssued {
    invoice_id: Uuid,
}

/// The invoice of a subject, if it has one.
pub async fn of_subject<C: ConnectionTrait>(
    conn: &C,
    subject_type: &str,
    subject_id: Uuid,
) -> Result<Option<tax_invoice::Model>, DbErr> {
    tax_invoice::Entity::find()
        .filter(tax_invoice::Column::SubjectType.eq(subject_type))
        .filter(tax_invoice::Column::SubjectId.eq(subject_id))
        .one(conn)
        .await
}

/// Issue the invoice `bill` describes, in the caller's write: refused when
/// the subject already has one or a particular the law asks for is missing
/// (then nothing is written); numbered, stored, audited and emailed.
pub async fn issue_in(
    w: &mut Write<'_>,
    bill: &Bill<'_>,
    totals: &InvoiceTotals,
) -> Result<Invoice, DomainError> {
    if let Some(existing) = of_subject(w.conn(), bill.subject_type, bill.subject_id).await? {
        return Err(DomainError::rejected(
            &[bill.subject_field],
            ErrorCode::AlreadyExists,
            format!("{} already has invoice {}", bill.reference, existing.number),
        ));
    }
    document::check_particulars(bill, totals)?;
    let now = w.now();
    let number = numbering::next(w.conn(), numbering::TAX_INVOICE).await?;
    let (invoice, lines) = document::rows(bill, totals, number, now, local_date(now))?;
    let invoice = tax_invoice::ActiveModel::from(invoice)
        .insert(w.conn())
        .await?;
    let issued = Invoice {
        invoice,
        lines: store_lines(w.conn(), lines).await?,
    };
    w.audit_as(
        bill.issued_by,
        SUBJECT_TYPE,
        issued.invoice.id,
        "invoice.issued",
        None,
        Some(&issued),
    )
    .await?;
    let event = InvoiceIssued {
        invoice_id: issued.invoice.id,
    };
    w.emit(topic::INVOICE_ISSUED, issued.invoice.id, &event)
        .await?;
    crate::webhooks::events::record(
        w,
        entity::WebhookEventType::InvoiceIssued,
        issued.invoice.id,
    )
    .await?;
    Ok(issued)
}

/// Store an issued document's lines (invoices' and notes' share one shape).
pub(crate) async fn store_lines<C: ConnectionTrait>(
    conn: &C,
    lines: Vec<tax_invoice_line::Model>,
) -> Result<Vec<tax_invoice_line::Model>, DbErr> {
    let mut stored = Vec::with_capacity(lines.len());
    for line in lines {
        stored.push(
            tax_invoice_line::ActiveModel::from(line)
                .insert(conn)
                .await?,
        );
    }
    Ok(stored)
}

// ---- Reading ----------------------------------------------------------

pub(crate) async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<Vec<tax_invoice_line::Model>, DbErr> {
    tax_invoice_line::Entity::find()
        .filter(tax_invoice_line::Column::InvoiceId.is_in(ids.iter().copied()))
        .order_by_asc(tax_invoice_line::Column::InvoiceId)
        .order_by_asc(tax_invoice_line::Column::LineNo)
        .all(conn)
        .await
}

/// An invoice by id, whoever asks (background work, the signed page).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Invoice>, DbErr> {
    let Some(invoice) = tax_invoice::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let lines = lines_of(conn, &[id]).await?;
    Ok(Some(Invoice { invoice, lines }))
}

/// Staff see every invoice; a customer its own.
pub fn visible_to(ctx: &Ctx, invoice: &tax_invoice::Model) -> bool {
    Scope::of_ctx(ctx).sees(invoice.customer_id)
}

/// An invoice the caller may see; another customer's looks missing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Invoice>, DbErr> {
    Ok(find(conn, id)
        .await?
        .filter(|i| visible_to(ctx, &i.invoice)))
}

/// Which invoices to list; every given condition holds.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub order_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Issued on or after this local date.
    pub issued_from: Option<NaiveDate>,
    /// Issued on or before this local date.
    pub issued_to: Option<NaiveDate>,
    /// Only these (the documents behind a cash-basis summary).
    pub ids: Option<Vec<Uuid>>,
}

/// Limit `query` to documents (invoices, notes) issued from `from` to `to`
/// (local dates, both included) and, when given, to those of `ids`;
/// `columns` name the issue date and the id.
pub(crate) fn issued_within<E: EntityTrait>(
    mut query: sea_orm::Select<E>,
    (issued_on, id): (E::Column, E::Column),
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    ids: Option<&[Uuid]>,
) -> sea_orm::Select<E> {
    if let Some(from) = from {
        query = query.filter(issued_on.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(issued_on.lte(to));
    }
    if let Some(ids) = ids {
        query = query.filter(id.is_in(ids.iter().copied()));
    }
    query
}

/// Invoices the caller may see, oldest first, each with its lines (two queries).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &InvoiceFilter,
    page: PageRequest,
) -> Result<Page<Invoice>, DomainError> {
    Permission::ReadInvoices.require(ctx)?;
    let scope = Scope::of_ctx(ctx);
    let mut query = tax_invoice::Entity::find();
    if let Some(order) = filter.order_id {
        query = query
            .filter(tax_invoice::Column::SubjectType.eq(crate::orders::SUBJECT_TYPE))
            .filter(tax_invoice::Column::SubjectId.eq(order));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(tax_invoice::Column::CustomerId.eq(customer));
    }
    let columns = (tax_invoice::Column::IssuedOn, tax_invoice::Column::Id);
    let (from, to) = (filter.issued_from, filter.issued_to);
    let query = issued_within(query, columns, from, to, filter.ids.as_deref());
    let (party, id) = (tax_invoice::Column::CustomerId, tax_invoice::Column::Id);
    let page = fetch_scoped_page(db, scope, query, party, id, page, |i| i.id).await?;
    let mut lines = group_rows(lines_of(db, &page.ids()).await?, |l| l.invoice_id);
    Ok(page.map(|id, invoice| Invoice {
        invoice,
        lines: lines.remove(&id).unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    fn sql(query: sea_orm::Select<tax_invoice::Entity>) -> String {
        query.build(DbBackend::Postgres).to_string()
    }

    #[test]
    fn issued_within_adds_only_the_conditions_given() {
        let columns = (tax_invoice::Column::IssuedOn, tax_invoice::Column::Id);
        let find = tax_invoice::Entity::find;
        assert_eq!(
            sql(issued_within(find(), columns, None, None, None)),
            sql(find())
        );
        let (from, to) = (NaiveDate::MIN, NaiveDate::MAX);
        let id = Uuid::nil();
        assert_eq!(
            sql(issued_within(
                find(),
                columns,
                Some(from),
                Some(to),
                Some(&[id])
            )),
            sql(find()
                .filter(tax_invoice::Column::IssuedOn.gte(from))
                .filter(tax_invoice::Column::IssuedOn.lte(to))
                .filter(tax_invoice::Column::Id.is_in([id])))
        );
    }
}
