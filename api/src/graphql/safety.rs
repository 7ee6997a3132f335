//! Product safety records, batches and traceability (AU-RULES "Product
//! safety"). Resolvers only translate; the rules are in
//! `domain::safety::{records, batches, trace}`.

use super::catalogue::Product;
use super::date::Date;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, optional_input_id,
    page_request, payload, record_object, respond,
};
use super::loaders::{SafetyOfProductLoader, load_one};
use super::purchasing::Supplier;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, InputType, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::DomainError;
use domain::kernel::Permission;
use domain::safety::trace::{self, BatchTraceRow, OrderTraceRow, TraceReceipt};
use domain::safety::{batches, records};
use entity::{party, product_batch, product_safety, recall};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// Whether a product is banned from sale.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::BanKind")]
pub enum BanKind {
    /// Not banned.
    NotBanned,
    /// An interim ban (at most 60 days, with an end date).
    Interim,
    /// A permanent ban.
    Permanent,
}

/// Whether a batch may be sold.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::BatchStatus")]
pub enum BatchStatus {
    /// May be ordered, reserved and packed.
    Active,
    /// Recalled: cannot be reserved or packed.
    Recalled,
}

/// One mandatory standard that applies to a product.
#[derive(SimpleObject, Clone, Debug)]
pub struct MandatoryStandard {
    /// The standard (e.g. "Consumer Goods (Products Containing Button/Coin Batteries) Safety Standard 2020").
    pub standard: String,
    /// The evidence of compliance on file (test report, certificate).
    pub evidence: String,
    /// The warning online listings must show, if the standard asks for one.
    pub warning: Option<String>,
}

record_object! {
    /// A product's safety record (staff): supplier or importer, country of
    /// manufacture, the mandatory standards that apply, and any ban.
    pub struct ProductSafety(pub product_safety::Model);
}

object! {
    /// A product's safety record: who supplied or imported it, where it was
    /// made, the mandatory standards that apply with their evidence, and any ban.
    #[Object]
    impl ProductSafety {
        /// Its id.
        id: ID,
        /// The product.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            Product::load(ctx, self.0.product_id).await
        }
        /// The supplier or importer, when it is a supplier on file.
        async fn supplier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Supplier>> {
            load_supplier(ctx, self.0.supplier_party_id).await
        }
        /// The supplier's or importer's name.
        supplier_name: &str,
        /// The supplier's or importer's ABN (11 digits).
        supplier_abn: Option<&str>,
        /// Where it was made.
        country_of_manufacture: Option<&str>,
        /// The mandatory standards that apply, with their evidence.
        async fn mandatory_standards(&self) -> Vec<MandatoryStandard> {
            records::standards(&self.0)
                .into_iter()
                .map(|s| MandatoryStandard {
                    standard: s.standard,
                    evidence: s.evidence,
                    warning: s.warning,
                })
                .collect()
        }
        /// What online listings must show (the standards' warnings, joined).
        async fn listing_warning(&self) -> Option<String> {
            records::listing_warning(&self.0)
        }
        /// The ban as recorded.
        ban: BanKind,
        /// Why it is banned.
        ban_reason: Option<&str>,
        /// An interim ban's last day (Sydney date).
        ban_ends_on: Option<Date>,
        /// Whether a ban is in force today (an interim ban past its end date is not).
        async fn banned_now(&self, ctx: &Context<'_>) -> bool {
            let today = domain::rules::calendar::local_date(ctx.services().clock.now());
            records::ban_in_force(&self.0, today).is_some()
        }
        /// Incremented by every change; send it back as `expectedVersion`.
        version: i32,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
    }
}

record_object! {
    /// One batch (lot) of a batch-tracked product, as received.
    pub struct ProductBatch(pub product_batch::Model);
}

object! {
    /// A batch (lot) of a product: where and when it came from, and whether it
    /// is recalled.
    #[Object]
    impl ProductBatch {
        /// Its id.
        id: ID,
        /// The product.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            Product::load(ctx, self.0.product_id).await
        }
        /// The batch code as received (upper case).
        batch_code: &str,
        /// ACTIVE, or RECALLED.
        status: BatchStatus,
        /// The number of the recall that blocked it (RCL-…), if recalled.
        async fn recall_number(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            let Some(id) = self.0.recall_id else {
                return Ok(None);
            };
            let found = recall::Entity::find_by_id(id).one(&ctx.services().db).await;
            Ok(answer(ctx, found)?.map(|r| r.number))
        }
        /// When it was first received (Sydney date).
        first_received_on: Option<Date>,
        /// The supplier of its first receipt.
        async fn supplier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Supplier>> {
            load_supplier(ctx, self.0.supplier_party_id).await
        }
        /// Where it was made (from the product's safety record when first received).
        country_of_manufacture: Option<&str>,
    }
}

async fn load_supplier(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<Supplier>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let found = party::Entity::find_by_id(id).one(&ctx.services().db).await;
    Ok(answer(ctx, found)?.map(Supplier))
}

/// How far units of a batch went.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::safety::trace::TraceStatus")]
pub enum TraceStatus {
    /// Reserved for the order, not packed yet.
    Reserved,
    /// Packed, not handed to the courier yet.
    Packed,
    /// Handed to the courier.
    Shipped,
    /// Delivered.
    Delivered,
}

/// One row of a batch's trace forward: units of the batch on one order
/// line, and the package they left in (none while only reserved). Flat, for export.
pub struct BatchTraceEntry(BatchTraceRow);

object! {
    /// Units of a batch on one order line: the order, its customer and the
    /// package they went in.
    #[Object]
    impl BatchTraceEntry {
        /// Reserved, packed, shipped or delivered.
        status: TraceStatus,
        /// The order line's id.
        order_line_id: ID = order_line.id,
        /// The order line's number (1, 2, …).
        line_no: i32 = order_line.line_no,
        /// The product's SKU as ordered.
        sku: &str = order_line.sku,
        /// The order's id.
        order_id: ID = order.id,
        /// The order's number.
        order_number: &str = order.number,
        /// The customer's id (null for a guest order).
        async fn customer_id(&self) -> Option<ID> {
            self.0.customer.as_ref().map(|c| ID(c.id.to_string()))
        }
        /// The customer's name (a guest order's contact name).
        async fn customer_name(&self) -> &str {
            self.0
                .customer
                .as_ref()
                .map_or(&self.0.order.contact_name, |c| &c.name)
        }
        /// The customer's email as on the order (contact email).
        customer_email: Option<&str> = order.contact_email,
        /// The package's id (null while only reserved).
        async fn shipment_id(&self) -> Option<ID> {
            self.0.shipment.as_ref().map(|s| ID(s.id.to_string()))
        }
        /// The package's number (null while only reserved).
        async fn shipment_number(&self) -> Option<&str> {
            self.0.shipment.as_ref().map(|s| s.number.as_str())
        }
        /// The courier's tracking number, once labelled.
        async fn tracking_number(&self) -> Option<&str> {
            self.0
                .shipment
                .as_ref()
                .and_then(|s| s.tracking_number.as_deref())
        }
        /// Units of the batch.
        quantity: i32,
        /// When the package was handed to the courier (UTC).
        async fn shipped_at(&self) -> Option<DateTime<Utc>> {
            self.0.shipment.as_ref().and_then(|s| s.picked_up_at)
        }
        /// When the package was delivered (UTC).
        async fn delivered_at(&self) -> Option<DateTime<Utc>> {
            self.0.shipment.as_ref().and_then(|s| s.delivered_at)
        }
    }
}

/// A goods receipt a batch came in on, with its purchase order and supplier.
pub struct TraceReceiptEntry(TraceReceipt);

object! {
    /// One goods receipt of a batch: when, on which purchase order, from which supplier.
    #[Object]
    impl TraceReceiptEntry {
        /// The goods receipt's id.
        receipt_id: ID = receipt.id,
        /// When it was received (Sydney date).
        received_on: Date = receipt.received_on,
        /// The purchase order's id.
        purchase_order_id: ID = purchase_order.id,
        /// The purchase order's number.
        purchase_order_number: &str = purchase_order.number,
        /// The supplier's id.
        supplier_id: ID = purchase_order.supplier_id,
        /// The supplier's name.
        async fn supplier_name(&self) -> Option<&str> {
            self.0.supplier.as_ref().map(|s| s.name.as_str())
        }
        /// The supplier's ABN (11 digits).
        async fn supplier_abn(&self) -> Option<&str> {
            self.0.supplier.as_ref().and_then(|s| s.abn.as_deref())
        }
    }
}

/// One row of an order's trace back: units of one order line from one
/// batch, and where that batch came from.
pub struct OrderTraceEntry(OrderTraceRow);

object! {
    /// Units of an order line from one batch, with the batch's receipts,
    /// purchase orders and suppliers.
    #[Object]
    impl OrderTraceEntry {
        /// The order line's id.
        order_line_id: ID = order_line.id,
        /// The order line's number (1, 2, …).
        line_no: i32 = order_line.line_no,
        /// The product's SKU as ordered.
        sku: &str = order_line.sku,
        /// The batch code (empty when the product is not batch-tracked).
        batch_code: &str,
        /// The batch on record (null when not batch-tracked).
        async fn batch(&self) -> Option<ProductBatch> {
            self.0.batch.clone().map(ProductBatch)
        }
        /// Units of the line from this batch (packed, shipped or reserved).
        quantity: i32,
        /// The batch's first goods receipts (at most 10), oldest first.
        async fn receipts(&self) -> Vec<TraceReceiptEntry> {
            self.0
                .receipts
                .iter()
                .cloned()
                .map(TraceReceiptEntry)
                .collect()
        }
    }
}

/// Which recalls or injury reports to list: every condition given must hold.
#[derive(InputObject)]
#[graphql(
    concrete(name = "RecallFilter", params(super::recalls::RecallStatus)),
    concrete(
        name = "InjuryReportFilter",
        params(super::injuries::InjuryReportStatus)
    )
)]
pub struct RecordFilter<S: InputType> {
    /// Only those about this product.
    pub product_id: Option<ID>,
    /// Only those naming this batch.
    pub batch_id: Option<ID>,
    /// Only those in this status.
    pub status: Option<S>,
    /// Only those due to the ACCC on or before this date.
    pub due_before: Option<Date>,
    /// Only those due to the ACCC on or after this date.
    pub due_after: Option<Date>,
}

impl<S: InputType> RecordFilter<S> {
    /// The domain's filter (all records when omitted); an ID that does not
    /// parse is BAD_REQUEST naming `filter.<field>`.
    pub fn to_domain<D>(
        filter: Option<Self>,
    ) -> async_graphql::Result<domain::safety::RecordFilter<D>>
    where
        S: Into<D>,
    {
        let Some(f) = filter else {
            return Ok(domain::safety::RecordFilter::default());
        };
        Ok(domain::safety::RecordFilter {
            product_id: arg_id_opt(f.product_id.as_ref(), "filter.productId")?,
            batch_id: arg_id_opt(f.batch_id.as_ref(), "filter.batchId")?,
            status: f.status.map(Into::into),
            due_before: f.due_before.map(|d| d.0),
            due_after: f.due_after.map(|d| d.0),
        })
    }
}

/// One mandatory standard as staff enter it.
#[derive(InputObject)]
pub struct MandatoryStandardInput {
    /// The standard's name (required, at most 200 characters).
    pub standard: String,
    /// The evidence of compliance (required, at most 2000 characters).
    pub evidence: String,
    /// The warning online listings must show, if the standard asks for one (at most 500 characters).
    pub warning: Option<String>,
}

/// A product's whole safety record.
#[derive(InputObject)]
pub struct RecordProductSafetyInput {
    /// The product.
    pub product_id: ID,
    /// Omit for the first record; the current `version` for a change (stale: CONFLICT).
    pub expected_version: Option<i32>,
    /// The supplier or importer, when it is a supplier on file.
    pub supplier_party_id: Option<ID>,
    /// The supplier's or importer's name (required, at most 200 characters).
    pub supplier_name: String,
    /// The supplier's or importer's ABN (11 digits, checksum checked).
    pub supplier_abn: Option<String>,
    /// Where it was made (at most 100 characters).
    pub country_of_manufacture: Option<String>,
    /// The mandatory standards that apply (at most 20; omitted: none).
    pub mandatory_standards: Option<Vec<MandatoryStandardInput>>,
    /// The ban: NOT_BANNED, INTERIM (needs `banEndsOn` within 60 days) or PERMANENT.
    pub ban: BanKind,
    /// Why it is banned (required when banned).
    pub ban_reason: Option<String>,
    /// An interim ban's last day (Sydney date, today to 60 days ahead).
    pub ban_ends_on: Option<Date>,
}

payload!(
    "Result of `recordProductSafety`.",
    RecordProductSafetyPayload,
    product_safety: ProductSafety
);

/// A product's safety record (staff), for the Product type's `safety` field.
pub async fn product_safety(
    ctx: &Context<'_>,
    product_id: Uuid,
) -> async_graphql::Result<Option<ProductSafety>> {
    let found = load_one::<SafetyOfProductLoader, _>(ctx, product_id).await?;
    Ok(found.map(ProductSafety))
}

/// The warning online listings of a product must show, for the Product
/// type's `listingWarning` field.
pub async fn listing_warning(
    ctx: &Context<'_>,
    product_id: Uuid,
) -> async_graphql::Result<Option<String>> {
    let found = load_one::<SafetyOfProductLoader, _>(ctx, product_id).await?;
    Ok(found.and_then(|r| records::listing_warning(&r)))
}

#[derive(Default)]
pub struct SafetyQuery;

#[Object]
impl SafetyQuery {
    /// One batch by id (staff); null when missing.
    #[graphql(guard = "Require::to(Permission::ReadSafety)")]
    async fn batch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The batch's id.")] id: ID,
    ) -> async_graphql::Result<Option<ProductBatch>> {
        let id = arg_id(&id, "id")?;
        let found = batches::find(&ctx.services().db, id).await;
        Ok(answer(ctx, found)?.map(ProductBatch))
    }

    /// A product's batches (staff), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadSafety)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn product_batches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product's id.")] product_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ProductBatch>> {
        let product_id = arg_id(&product_id, "productId")?;
        let page = page_request(first, after)?;
        let found =
            batches::of_product(&ctx.services().db, &ctx.domain_ctx()?, product_id, page).await;
        Ok(connection(answer(ctx, found)?, ProductBatch))
    }

    /// A batch forward (staff): every order line it went to, with the
    /// order, customer and package (or still reserved), oldest first. Page
    /// through it to export it.
    #[graphql(
        guard = "Require::to(Permission::ReadSafety)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn batch_trace(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The batch's id.")] batch_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, BatchTraceEntry>> {
        let batch_id = arg_id(&batch_id, "batchId")?;
        let page = page_request(first, after)?;
        let found =
            trace::batch_trace(&ctx.services().db, &ctx.domain_ctx()?, batch_id, page).await;
        Ok(connection(answer(ctx, found)?, BatchTraceEntry))
    }

    /// An order back (staff): per order line and batch, the units and the
    /// batch's receipts, purchase orders and suppliers, by line then batch.
    /// Page through it to export it.
    #[graphql(
        guard = "Require::to(Permission::ReadSafety)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn order_trace(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] order_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, OrderTraceEntry>> {
        let order_id = arg_id(&order_id, "orderId")?;
        let page = page_request(first, after)?;
        let found =
            trace::order_trace(&ctx.services().db, &ctx.domain_ctx()?, order_id, page).await;
        Ok(connection(answer(ctx, found)?, OrderTraceEntry))
    }
}

#[derive(Default)]
pub struct SafetyMutation;

#[Object]
impl SafetyMutation {
    /// Record or change a product's safety record (COMPLIANCE, ADMIN;
    /// audited, versioned). Every refused field comes back at once.
    #[graphql(guard = "Require::to(Permission::ManageSafety)")]
    async fn record_product_safety(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordProductSafetyInput,
    ) -> async_graphql::Result<RecordProductSafetyPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let parsed = (|| {
            Ok::<_, DomainError>(records::RecordInput {
                product_id: input_id(&input.product_id, "productId")?,
                expected_version: input.expected_version,
                supplier_party_id: optional_input_id(
                    input.supplier_party_id.as_ref(),
                    "supplierPartyId",
                )?,
                supplier_name: input.supplier_name,
                supplier_abn: input.supplier_abn,
                country_of_manufacture: input.country_of_manufacture,
                mandatory_standards: input
                    .mandatory_standards
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| records::StandardInput {
                        standard: s.standard,
                        evidence: s.evidence,
                        warning: s.warning,
                    })
                    .collect(),
                ban: input.ban.into(),
                ban_reason: input.ban_reason,
                ban_ends_on: input.ban_ends_on.map(|d| d.0),
            })
        })();
        let result = match parsed {
            Ok(record) => records::record(&ctx.services().db, &domain_ctx, &record).await,
            Err(e) => Err(e),
        };
        respond(ctx, result).await
    }
}
