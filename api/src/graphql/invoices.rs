//! Tax invoices, adjustment notes and the GST summary. Resolvers only translate: issuing,
//! visibility and every figure are `domain::invoices`' (figures from the
//! GST engine, stored when the invoice was issued).

use super::catalogue::TaxCode;
use super::date::Date;
use super::errors::split_domain_error;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, page_request, payload,
    respond,
};
use super::loaders::{AdjustmentNoteLoader, InvoiceOfOrderLoader, load_one};
use super::money::Money;
use super::orders::Order;
use super::settings::{GstBasis, GstRounding};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::invoices::{self, notes, summary};
use domain::kernel::{PageRequest, Permission};
use domain::platform::links::{LinkPurpose, LinkSigner};
use domain::{orders, rules};
use entity::tax_invoice_line;

/// What an invoice line bills.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::InvoiceLineKind")]
pub enum InvoiceLineKind {
    /// Goods or a service.
    Item,
    /// The delivery charge (its own supply).
    Shipping,
}

/// One line of an issued invoice, with its GST as issued.
pub struct InvoiceLine(tax_invoice_line::Model);

object! {
    /// One line of an issued invoice, with its GST as issued.
    #[Object]
    impl InvoiceLine {
        /// 1, 2, … as printed.
        line_no: i32,
        /// Goods or service, or the delivery charge.
        kind: InvoiceLineKind,
        /// The product's SKU (none on the delivery line).
        sku: Option<&str>,
        /// What was supplied.
        description: &str,
        /// How many, as an exact decimal ("2", "1.5").
        quantity: &str,
        /// Price of one, in the invoice's price basis (an export's goods: less their GST).
        unit_price: Money = unit_price_cents,
        /// The tax code the line was charged under (an export's goods are GST_FREE).
        async fn tax_code(&self) -> async_graphql::Result<TaxCode> {
            rules::tax_code::TaxCode::parse(&self.0.tax_code)
                .map(Into::into)
                .map_err(|e| async_graphql::Error::new(e.to_string()))
        }
        /// Whether GST is charged on the line.
        async fn taxable(&self) -> bool {
            self.0.tax_code == rules::tax_code::TaxCode::Taxable.as_str()
        }
        /// A GST-free export of goods (BAS G2).
        export: bool,
        /// Unit price × quantity.
        gross: Money = gross_cents,
        /// The line's own discount.
        discount: Money = discount_cents,
        /// The line's share of the order discount.
        order_discount_share: Money = order_discount_cents,
        /// What the line charges, in the invoice's price basis.
        net: Money = net_cents,
        /// GST on the line, rounded to the cent.
        gst: Money = gst_cents,
        /// The line excluding GST.
        total_ex_gst: Money = ex_gst_cents,
        /// The line including GST.
        total: Money = total_cents,
    }
}

/// The seller as the invoice names it.
#[derive(SimpleObject)]
pub struct InvoiceSeller {
    /// Legal name.
    pub name: String,
    /// ABN, as issued.
    pub abn: Option<String>,
    /// Whether it was registered for GST when it issued the invoice.
    pub gst_registered: bool,
}

/// The buyer as the invoice names it.
#[derive(SimpleObject)]
pub struct InvoiceBuyer {
    /// Name (the buyer's identity).
    pub name: String,
    /// ABN, when the buyer gave one.
    pub abn: Option<String>,
    /// Where the invoice was emailed.
    pub email: Option<String>,
    /// Delivery address, one line.
    pub address: String,
}

/// An issued tax invoice (or, from a seller not registered for GST, an
/// invoice): exactly as issued; it never changes.
pub struct Invoice(pub invoices::Invoice);

object! {
    /// An issued tax invoice (or, from a seller not registered for GST, an
    /// invoice): exactly as issued; it never changes.
    #[Object]
    impl Invoice {
        /// Globally unique identifier; `node(id)` refetches the invoice.
        pub(crate) id: ID = invoice.id,
        /// `INV-000001`: consecutive, never reused.
        number: &str = invoice.number,
        /// "Tax invoice", or "Invoice" from a seller not registered for GST.
        title: &str = invoice.title,
        /// When it was issued (UTC).
        issued_at: DateTime<Utc> = invoice.issued_at,
        /// The date of issue in Australia/Sydney (its GST period).
        issued_on: Date = invoice.issued_on,
        /// Who issued it (`system` when issued on reservation).
        issued_by: &str = invoice.issued_by,
        /// The number of what it bills (`SO-000001`).
        reference: &str = invoice.reference,
        /// The order it bills; null when the caller may not see it.
        async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            if self.0.invoice.subject_type != orders::SUBJECT_TYPE {
                return Ok(None);
            }
            super::orders::load_visible(ctx, self.0.invoice.subject_id).await
        }
        /// The seller's particulars as issued.
        async fn seller(&self) -> InvoiceSeller {
            let i = &self.0.invoice;
            InvoiceSeller {
                name: i.seller_name.clone(),
                abn: i.seller_abn.clone(),
                gst_registered: i.gst_registered,
            }
        }
        /// The buyer's particulars as issued.
        async fn buyer(&self) -> InvoiceBuyer {
            let i = &self.0.invoice;
            InvoiceBuyer {
                name: i.buyer_name.clone(),
                abn: i.buyer_abn.clone(),
                email: i.buyer_email.clone(),
                address: i.buyer_address.clone(),
            }
        }
        /// Whether the prices include GST.
        prices_include_gst: bool = invoice.prices_include_gst,
        /// The GST rounding rule it was issued under.
        gst_rounding: GstRounding = invoice.gst_rounding,
        /// Shipped abroad: its goods are GST-free exports.
        export: bool = invoice.export,
        /// Every line as printed, the delivery charge last (at most an order's lines + 1).
        async fn lines(&self) -> Vec<InvoiceLine> {
            self.0.lines.iter().cloned().map(InvoiceLine).collect()
        }
        /// Total excluding GST.
        total_ex_gst: Money = invoice.ex_gst_cents,
        /// GST payable.
        gst: Money = invoice.gst_cents,
        /// Total including GST.
        total: Money = invoice.total_cents,
        /// Value of the taxable supplies (GST included).
        taxable_total: Money = invoice.taxable_cents,
        /// Value of GST-free supplies other than exports (BAS G3).
        gst_free_total: Money = invoice.gst_free_cents,
        /// Value of GST-free exports (BAS G2).
        export_total: Money = invoice.export_cents,
        /// Value of input-taxed supplies.
        input_taxed_total: Money = invoice.input_taxed_cents,
        /// "Total price includes GST" where GST is exactly 1/11 of the total;
        /// null where the GST amount must be shown instead.
        async fn gst_statement(&self) -> Option<&str> {
            self.0
                .invoice
                .total_includes_gst
                .then_some("Total price includes GST")
        }
        /// Whether the total ($1,000 or more) required the buyer's identity.
        buyer_identity_required: bool = invoice.buyer_identity_required,
        /// What the invoice still totals after its adjustment notes.
        async fn remaining_total(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
            let left = notes::remaining(&ctx.services().db, &self.0.invoice).await;
            Ok(Money(answer(ctx, left)?))
        }
        /// Its adjustment notes, oldest first.
        #[graphql(complexity = "super::limits::connection_cost(first, child_complexity)")]
        async fn adjustment_notes(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
            #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        ) -> async_graphql::Result<Connection<String, AdjustmentNote>> {
            let filter = notes::NoteFilter {
                invoice_id: Some(self.0.invoice.id),
                ..Default::default()
            };
            list_notes(ctx, &filter, page_request(first, after)?).await
        }
        /// A signed link to the printable HTML copy, valid for 30 days.
        async fn page_url(&self, ctx: &Context<'_>) -> String {
            let services = ctx.services();
            LinkSigner::new(&services.config.link_signing_key).url(
                &services.config.public_base_url,
                LinkPurpose::Invoice,
                self.0.invoice.id,
                services.clock.now(),
            )
        }
    }
}

impl From<invoices::Invoice> for Invoice {
    fn from(i: invoices::Invoice) -> Self {
        Invoice(i)
    }
}

/// An issued adjustment note (a "Credit note" from a seller not registered
/// for GST): the change to one invoice's price and GST, exactly as issued.
/// Amounts are signed: a decrease is negative.
pub struct AdjustmentNote(pub notes::Note);

impl AdjustmentNote {
    /// The note `id` if the caller may see it (none when `id` is none).
    pub async fn visible(
        ctx: &Context<'_>,
        id: Option<uuid::Uuid>,
    ) -> async_graphql::Result<Option<Self>> {
        let Some(id) = id else {
            return Ok(None);
        };
        let caller = ctx.domain_ctx()?;
        let found = load_one::<AdjustmentNoteLoader, _>(ctx, id).await?;
        Ok(found
            .filter(|note| notes::is_visible(&caller, note))
            .map(AdjustmentNote))
    }
}

object! {
    /// An issued adjustment note: the change to one invoice's price and GST.
    #[Object]
    impl AdjustmentNote {
        /// Globally unique identifier; `node(id)` refetches the note.
        pub(crate) id: ID = note.id,
        /// `ADJ-000001`: consecutive, never reused.
        number: &str = note.number,
        /// "Adjustment note", or "Credit note" from a seller not registered for GST.
        title: &str = note.title,
        /// Why the price changed.
        reason: &str = note.reason,
        /// The invoice it adjusts; null when the caller may not see it.
        async fn invoice(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Invoice>> {
            let found = invoices::find_visible(
                &ctx.services().db,
                &ctx.domain_ctx()?,
                self.0.note.invoice_id,
            )
            .await;
            Ok(answer(ctx, found)?.map(Invoice))
        }
        /// The number of the invoice it adjusts.
        invoice_number: &str = note.invoice_number,
        /// When it was issued (UTC).
        issued_at: DateTime<Utc> = note.issued_at,
        /// The date of issue in Australia/Sydney (its GST period).
        issued_on: Date = note.issued_on,
        /// Who issued it (`system` when an unpaid order lapsed).
        issued_by: &str = note.issued_by,
        /// The seller's particulars as issued.
        async fn seller(&self) -> InvoiceSeller {
            let n = &self.0.note;
            InvoiceSeller {
                name: n.seller_name.clone(),
                abn: n.seller_abn.clone(),
                gst_registered: n.gst_registered,
            }
        }
        /// The buyer's name, as the invoice gave it.
        buyer_name: &str = note.buyer_name,
        /// The buyer's ABN, as the invoice gave it.
        buyer_abn: Option<&str> = note.buyer_abn,
        /// Each changed line (negative for a decrease; at most the invoice's lines).
        async fn lines(&self) -> Vec<InvoiceLine> {
            self.0.lines.iter().cloned().map(InvoiceLine).collect()
        }
        /// The change in price excluding GST.
        total_ex_gst: Money = note.ex_gst_cents,
        /// The change in GST.
        gst: Money = note.gst_cents,
        /// The change in price including GST.
        total: Money = note.total_cents,
    }
}

impl From<notes::Note> for AdjustmentNote {
    fn from(n: notes::Note) -> Self {
        AdjustmentNote(n)
    }
}

async fn list_notes(
    ctx: &Context<'_>,
    filter: &notes::NoteFilter,
    page: PageRequest,
) -> async_graphql::Result<Connection<String, AdjustmentNote>> {
    let found = notes::list(&ctx.services().db, &ctx.domain_ctx()?, filter, page).await;
    Ok(connection(answer(ctx, found)?, AdjustmentNote))
}

/// The input of `issueAdjustmentNote`.
#[derive(InputObject)]
pub struct IssueAdjustmentNoteInput {
    /// The invoice to adjust.
    pub invoice_id: ID,
    /// The decrease in dollars, GST included (e.g. "20.00"); omitted:
    /// everything not yet adjusted.
    pub amount: Option<String>,
    /// Why (printed on the note).
    pub reason: String,
}

payload!(
    "Result of `issueAdjustmentNote`.",
    IssueAdjustmentNotePayload,
    adjustment_note: AdjustmentNote
);

/// Which adjustment notes to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct AdjustmentNoteFilter {
    /// Only this invoice's.
    pub invoice_id: Option<ID>,
    /// Issued on or after this date (Australia/Sydney).
    pub issued_from: Option<Date>,
    /// Issued on or before this date (Australia/Sydney).
    pub issued_to: Option<Date>,
}

/// The invoice of an order (for `Order.invoice`), when the caller may see it.
pub async fn of_order(
    ctx: &Context<'_>,
    order_id: uuid::Uuid,
) -> async_graphql::Result<Option<Invoice>> {
    let Some(model) = load_one::<InvoiceOfOrderLoader, _>(ctx, order_id).await? else {
        return Ok(None);
    };
    if !invoices::visible_to(&ctx.domain_ctx()?, &model) {
        return Ok(None);
    }
    let found = invoices::find(&ctx.services().db, model.id).await;
    Ok(answer(ctx, found)?.map(Invoice))
}

/// Which invoices to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct InvoiceFilter {
    /// Only the invoice of this order.
    pub order_id: Option<ID>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Issued on or after this date (Australia/Sydney).
    pub issued_from: Option<Date>,
    /// Issued on or before this date (Australia/Sydney).
    pub issued_to: Option<Date>,
}

/// The input of `issueInvoice`.
#[derive(InputObject)]
pub struct IssueInvoiceInput {
    /// The reserved order to invoice.
    pub order_id: ID,
}

payload!("Result of `issueInvoice`.", IssueInvoicePayload, invoice: Invoice);

/// A period's GST figures, as a BAS asks for them, and the invoices behind them.
pub struct GstSummary(summary::PeriodSummary);

object! {
    /// A period's GST figures, as a BAS asks for them, and the invoices behind them.
    #[Object]
    impl GstSummary {
        /// First day of the period (Australia/Sydney).
        from: Date,
        /// Last day of the period, inclusive.
        to: Date,
        /// How GST is attributed to the period (the business's setting).
        basis: GstBasis,
        /// G1: total sales, GST included.
        total_sales: Money = figures.total_sales,
        /// G2: export sales.
        export_sales: Money = figures.export_sales,
        /// G3: other GST-free sales.
        other_gst_free_sales: Money = figures.other_gst_free_sales,
        /// Input-taxed sales (G4).
        input_taxed_sales: Money = figures.input_taxed_sales,
        /// 1A: GST on sales, before adjustments.
        gst_on_sales: Money = figures.gst_on_sales,
        /// GST of adjustment notes that raised a price (reported with 1A).
        increasing_adjustments: Money = figures.increasing_adjustments,
        /// GST of adjustment notes that lowered a price (1B).
        decreasing_adjustments: Money = figures.decreasing_adjustments,
        /// How many invoices the figures add up.
        async fn invoice_count(&self) -> i32 {
            i32::try_from(self.0.figures.invoices).unwrap_or(i32::MAX)
        }
        /// How many adjustment notes the figures add up.
        async fn adjustment_note_count(&self) -> i32 {
            i32::try_from(self.0.figures.adjustment_notes).unwrap_or(i32::MAX)
        }
        /// The invoices behind the figures, oldest first.
        #[graphql(complexity = "super::limits::connection_cost(first, child_complexity)")]
        async fn invoices(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
            #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        ) -> async_graphql::Result<Connection<String, Invoice>> {
            let filter = invoices::InvoiceFilter {
                ids: Some(self.0.invoice_ids.clone()),
                ..Default::default()
            };
            list(ctx, &filter, page_request(first, after)?).await
        }
        /// The adjustment notes behind the adjustment figures, oldest first.
        #[graphql(complexity = "super::limits::connection_cost(first, child_complexity)")]
        async fn adjustment_notes(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
            #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        ) -> async_graphql::Result<Connection<String, AdjustmentNote>> {
            let filter = notes::NoteFilter {
                ids: Some(self.0.note_ids.clone()),
                ..Default::default()
            };
            list_notes(ctx, &filter, page_request(first, after)?).await
        }
    }
}

payload!(
    "Result of `gstSummary`: the figures, or why the period was refused.",
    GstSummaryPayload,
    summary: GstSummary
);

async fn list(
    ctx: &Context<'_>,
    filter: &invoices::InvoiceFilter,
    page: PageRequest,
) -> async_graphql::Result<Connection<String, Invoice>> {
    let found = invoices::list(&ctx.services().db, &ctx.domain_ctx()?, filter, page).await;
    Ok(connection(answer(ctx, found)?, Invoice))
}

#[derive(Default)]
pub struct InvoiceQuery;

#[Object]
impl InvoiceQuery {
    /// One invoice; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::ReadInvoices)")]
    async fn invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice's id.")] id: ID,
    ) -> async_graphql::Result<Option<Invoice>> {
        let id = arg_id(&id, "id")?;
        let found = invoices::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Invoice))
    }

    /// Invoices the caller may see (customers: their own), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadInvoices)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which invoices; all visible ones when omitted.")] filter: Option<
            InvoiceFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Invoice>> {
        let page = page_request(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = invoices::InvoiceFilter {
            order_id: arg_id_opt(f.order_id.as_ref(), "filter.orderId")?,
            customer_id: arg_id_opt(f.customer_id.as_ref(), "filter.customerId")?,
            issued_from: f.issued_from.map(|d| d.0),
            issued_to: f.issued_to.map(|d| d.0),
            ids: None,
        };
        list(ctx, &filter, page).await
    }

    /// One adjustment note; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::ReadInvoices)")]
    async fn adjustment_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The note's id.")] id: ID,
    ) -> async_graphql::Result<Option<AdjustmentNote>> {
        AdjustmentNote::visible(ctx, Some(arg_id(&id, "id")?)).await
    }

    /// Adjustment notes the caller may see (customers: their own), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadInvoices)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn adjustment_notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which notes; all visible ones when omitted.")] filter: Option<
            AdjustmentNoteFilter,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AdjustmentNote>> {
        let page = page_request(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = notes::NoteFilter {
            invoice_id: arg_id_opt(f.invoice_id.as_ref(), "filter.invoiceId")?,
            issued_from: f.issued_from.map(|d| d.0),
            issued_to: f.issued_to.map(|d| d.0),
            ids: None,
        };
        list_notes(ctx, &filter, page).await
    }

    /// The GST summary of a period (FINANCE, ADMIN): dates in
    /// Australia/Sydney, both inclusive; on the business's GST basis
    /// (accrual: documents issued in the period; cash: invoices as far as
    /// paid in it, and the notes of refunds paid back in it).
    #[graphql(guard = "Require::to(Permission::ManageFinance)")]
    async fn gst_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the period.")] from: Date,
        #[graphql(desc = "Last day of the period (inclusive).")] to: Date,
    ) -> async_graphql::Result<GstSummaryPayload> {
        let result = summary::summarise(&ctx.services().db, &ctx.domain_ctx()?, from.0, to.0).await;
        Ok(match result {
            Ok(s) => GstSummaryPayload {
                summary: Some(GstSummary(s)),
                user_errors: vec![],
            },
            Err(e) => GstSummaryPayload {
                summary: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            },
        })
    }
}

#[derive(Default)]
pub struct InvoiceMutation;

#[Object]
impl InvoiceMutation {
    /// Issue a reserved order's tax invoice by hand (FINANCE, ADMIN), where
    /// issuing on reservation failed (e.g. the business's ABN was not set).
    #[graphql(guard = "Require::to(Permission::ManageFinance)")]
    async fn issue_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: IssueInvoiceInput,
    ) -> async_graphql::Result<IssueInvoicePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.order_id, "orderId")?;
            orders::issue_invoice(&ctx.services().db, &domain_ctx, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Issue an adjustment note against an invoice (FINANCE, ADMIN): a
    /// decrease of `amount` (GST included) or, without one, everything not
    /// yet adjusted. Its GST comes from the invoice's own lines.
    #[graphql(guard = "Require::to(Permission::ManageFinance)")]
    async fn issue_adjustment_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: IssueAdjustmentNoteInput,
    ) -> async_graphql::Result<IssueAdjustmentNotePayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.invoice_id, "invoiceId")?;
            notes::issue(
                &ctx.services().db,
                &domain_ctx,
                id,
                input.amount.as_deref(),
                &input.reason,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }
}
