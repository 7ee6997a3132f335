//! Purchasing: suppliers and what they supply, purchase orders (by hand or
//! sourcing a backordered order, sent through the PURCHASE_ORDER approval),
//! goods receipts with their QC inspection, quarantined goods released or
//! returned to the supplier, and closing received purchase orders.
//! Resolvers only translate: `domain::purchasing` rules.

use super::approvals::Approval;
use super::catalogue::{Product, StockLevel, StockLocation, TaxCode};
use super::date::Date;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, payload,
    record_object, respond,
};
use super::money::Money;
use super::orders::Order;
use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::purchasing::{self, Check, Receipt, quarantine};
use entity::{PartyKind, goods_receipt_line, party, purchase_order_line, supplier_product};
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Where a purchase order is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::PurchaseOrderStatus")]
pub enum PurchaseOrderStatus {
    /// Being prepared; `sendPurchaseOrder` raises its PURCHASE_ORDER approval.
    Draft,
    /// Approved and emailed to the supplier.
    Sent,
    /// Some of it was received.
    PartiallyReceived,
    /// All of it was received.
    Received,
    /// Finished with (nothing more will come).
    Closed,
    /// Called off before anything was received (see `statusReason`).
    Cancelled,
}

// ---------------------------------------------------------------- loaders

/// What each supplier supplies (by supplier id), for a page of suppliers or
/// purchase orders in one query.
pub struct SuppliesLoader(pub DatabaseConnection);

impl Loader<Uuid> for SuppliesLoader {
    type Value = Vec<supplier_product::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        purchasing::products_of(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The goods receipts of each purchase order (by purchase order id), oldest
/// first, with their lines: two queries for any number of purchase orders.
pub struct ReceiptsLoader(pub DatabaseConnection);

impl Loader<Uuid> for ReceiptsLoader {
    type Value = Vec<Receipt>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        purchasing::receipts_of(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

// ---------------------------------------------------------------- suppliers

record_object! {
    /// A product a supplier supplies.
    pub struct SupplierProduct(pub supplier_product::Model);
}

object! {
    /// A product a supplier supplies: its SKU there, its unit cost and how
    /// long it takes to arrive.
    #[Object]
    impl SupplierProduct {
        /// The catalogue product.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            Product::load(ctx, self.0.product_id).await
        }
        /// The supplier's own SKU for it (printed on purchase orders).
        supplier_sku: &str,
        /// What one unit costs from this supplier, ex-GST.
        unit_cost: Money = unit_cost_cents,
        /// Days from sending a purchase order to the goods arriving (0 to 365).
        lead_time_days: i32,
    }
}

record_object! {
    /// A supplier (a party of kind SUPPLIER).
    pub struct Supplier(pub party::Model);
}

object! {
    /// A business the shop buys goods from.
    #[Object]
    impl Supplier {
        /// Stable identifier.
        id: ID,
        /// Its name.
        name: &str,
        /// Where purchase orders are emailed; without one an approved purchase
        /// order is not emailed (staff send it another way).
        email: Option<&str>,
        /// Its Australian Business Number (11 digits).
        abn: Option<&str>,
        /// It ships straight to customers.
        drop_ships: bool,
        /// What it supplies, oldest first (one supplier's range).
        async fn products(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SupplierProduct>> {
            super::loaders::load_list::<SuppliesLoader, _, _>(ctx, self.0.id, SupplierProduct).await
        }
    }
}

// ---------------------------------------------------------------- purchase orders

/// One product ordered from a supplier.
pub struct PurchaseOrderLine(pub purchase_order_line::Model);

object! {
    /// One product ordered from a supplier.
    #[Object]
    impl PurchaseOrderLine {
        /// Stable identifier (`receiveGoods` names it).
        id: ID,
        /// 1, 2, … on the purchase order.
        line_no: i32,
        /// The catalogue product.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            Product::load(ctx, self.0.product_id).await
        }
        /// The supplier's SKU (the product's own SKU when the supplier has none recorded).
        supplier_sku: &str,
        /// Units ordered.
        quantity: i32,
        /// Units received so far.
        received_quantity: i32,
        /// What one unit costs, ex-GST.
        unit_cost: Money = unit_cost_cents,
        /// The product's GST treatment, which the supplier's GST follows.
        async fn tax_code(&self) -> async_graphql::Result<TaxCode> {
            domain::rules::tax_code::TaxCode::parse(&self.0.tax_code)
                .map(Into::into)
                .map_err(|e| async_graphql::Error::new(e.to_string()))
        }
    }
}

/// An order to a supplier.
pub struct PurchaseOrder(pub purchasing::PurchaseOrder);

object! {
    /// An order to a supplier: prepared as a DRAFT, sent through its
    /// PURCHASE_ORDER approval and emailed, then received (with QC) in one or
    /// more goods receipts.
    #[Object]
    impl PurchaseOrder {
        /// Globally unique identifier; `node(id)` refetches the purchase order.
        pub(crate) id: ID = order.id,
        /// Gap-free number, e.g. `PO-000001`.
        number: &str = order.number,
        /// Who it is ordered from.
        async fn supplier(&self, ctx: &Context<'_>) -> async_graphql::Result<Supplier> {
            let found = super::loaders::load_one::<super::loaders::CustomerLoader, _>(
                ctx,
                self.0.order.supplier_id,
            )
            .await?;
            found
                .filter(|p| p.kind == PartyKind::Supplier)
                .map(Supplier)
                .ok_or_else(|| async_graphql::Error::new("the purchase order's supplier is missing"))
        }
        /// Where it is.
        status: PurchaseOrderStatus = order.status,
        /// When the goods are expected.
        expected_on: Option<Date> = order.expected_on,
        /// The supplier ships it straight to the customer (drop-ship).
        drop_ship: bool = order.drop_ship,
        /// Where a drop-ship goes: the customer's name, address and phone as
        /// printed on the purchase order (lines separated by newlines).
        ship_to: Option<&str> = order.ship_to,
        /// Its PURCHASE_ORDER approval, once sending was asked for; null when
        /// the caller may not see it.
        async fn approval(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Approval>> {
            let Some(id) = self.0.order.approval_id else {
                return Ok(None);
            };
            let found =
                domain::approvals::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
            Ok(answer(ctx, found)?.map(Approval))
        }
        /// The backordered customer order it sources, if raised from one; null
        /// when the caller may not see it.
        async fn source_order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            let Some(id) = self.0.order.source_order_id else {
                return Ok(None);
            };
            super::orders::load_visible(ctx, id).await
        }
        /// The replenishment task it answers, if raised from one.
        source_task_id: Option<ID> = order.source_task_id,
        /// Why it was cancelled or closed short, or why sending was refused.
        status_reason: Option<&str> = order.status_reason,
        /// When it was approved and sent to the supplier (UTC).
        sent_at: Option<DateTime<Utc>> = order.sent_at,
        /// What is ordered, by line number.
        async fn lines(&self) -> Vec<PurchaseOrderLine> {
            self.0
                .lines
                .iter()
                .cloned()
                .map(PurchaseOrderLine)
                .collect()
        }
        /// What it costs: every line's cost plus its GST (10% on taxable lines).
        async fn total(&self) -> Money {
            Money::from_cents(self.0.total_cents())
        }
        /// The goods received against it, oldest first.
        async fn receipts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GoodsReceipt>> {
            super::loaders::load_list::<ReceiptsLoader, _, _>(ctx, self.0.order.id, GoodsReceipt).await
        }
        /// Incremented by every change.
        version: i32 = order.version,
        /// When it was created (UTC).
        created_at: DateTime<Utc> = order.created_at,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc> = order.updated_at,
    }
}

impl From<purchasing::PurchaseOrder> for PurchaseOrder {
    fn from(po: purchasing::PurchaseOrder) -> Self {
        PurchaseOrder(po)
    }
}

// ---------------------------------------------------------------- goods receipts

/// One check of a QC inspection.
pub struct QcCheck(Check);

object! {
    /// One check of a goods receipt's QC inspection.
    #[Object]
    impl QcCheck {
        /// What was checked, e.g. `Packaging intact`.
        item: &str,
        /// Whether it passed.
        passed: bool,
    }
}

/// Units of one purchase order line received.
pub struct GoodsReceiptLine(goods_receipt_line::Model);

object! {
    /// Units of one purchase order line received.
    #[Object]
    impl GoodsReceiptLine {
        /// The purchase order line they were received against.
        purchase_order_line_id: ID,
        /// The catalogue product.
        async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
            Product::load(ctx, self.0.product_id).await
        }
        /// How many units.
        quantity: i32,
        /// The stock level they landed at (a quarantine one when QC failed:
        /// `releaseQuarantinedStock` and `returnToSupplier` name it).
        stock_level_id: ID,
        /// Their batch (empty when not batch-tracked).
        batch_code: &str,
        /// When their batch expires, if it does.
        expires_on: Option<Date>,
        /// Their serial numbers (serial-tracked products: one per unit).
        async fn serials(&self) -> async_graphql::Result<Vec<String>> {
            serde_json::from_str(&self.0.serials)
                .map_err(|e| async_graphql::Error::new(format!("stored serials unreadable: {e}")))
        }
    }
}

/// Goods received against a purchase order.
pub struct GoodsReceipt(pub Receipt);

object! {
    /// Goods received against a purchase order, with their QC inspection:
    /// passed goods land at a warehouse, failed ones in quarantine.
    #[Object]
    impl GoodsReceipt {
        /// Stable identifier.
        id: ID = receipt.id,
        /// The day the goods arrived.
        received_on: Date = receipt.received_on,
        /// Where the goods landed: a WAREHOUSE when QC passed, else a QUARANTINE location.
        async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<StockLocation> {
            let found = super::loaders::load_one::<super::loaders::LocationLoader, _>(
                ctx,
                self.0.receipt.location_id,
            )
            .await?;
            found
                .map(StockLocation)
                .ok_or_else(|| async_graphql::Error::new("the receipt's stock location is missing"))
        }
        /// Whether every check of the QC inspection passed.
        qc_passed: bool = receipt.qc_passed,
        /// The QC inspection's checks, as entered.
        async fn checklist(&self) -> async_graphql::Result<Vec<QcCheck>> {
            let checks: Vec<Check> = serde_json::from_str(&self.0.receipt.qc_checklist)
                .map_err(|e| async_graphql::Error::new(format!("stored checklist unreadable: {e}")))?;
            Ok(checks.into_iter().map(QcCheck).collect())
        }
        /// The inspector's notes.
        qc_notes: Option<&str> = receipt.qc_notes,
        /// What was received, per purchase order line.
        async fn lines(&self) -> Vec<GoodsReceiptLine> {
            self.0.lines.iter().cloned().map(GoodsReceiptLine).collect()
        }
        /// Who received them (a user id).
        received_by: &str = receipt.received_by,
        /// When the receipt was recorded (UTC).
        created_at: DateTime<Utc> = receipt.created_at,
    }
}

impl From<Receipt> for GoodsReceipt {
    fn from(r: Receipt) -> Self {
        GoodsReceipt(r)
    }
}

// ---------------------------------------------------------------- inputs

/// The input of `createSupplier`.
#[derive(InputObject)]
pub struct CreateSupplierInput {
    /// Its name (1 to 200 characters).
    pub name: String,
    /// Where purchase orders are emailed.
    pub email: Option<String>,
    /// Its Australian Business Number (11 digits; spaces allowed).
    pub abn: Option<String>,
    /// It ships straight to customers (default false).
    #[graphql(default)]
    pub drop_ships: bool,
}

/// The input of `setSupplierProduct`.
#[derive(InputObject)]
pub struct SetSupplierProductInput {
    /// The supplier.
    pub supplier_id: ID,
    /// The catalogue product (goods, not a service).
    pub product_id: ID,
    /// The supplier's own SKU for it.
    pub supplier_sku: String,
    /// What one unit costs, in dollars ex-GST, more than $0.
    pub unit_cost: String,
    /// Days from sending a purchase order to the goods arriving (0 to 365).
    pub lead_time_days: i32,
}

/// One line of `createPurchaseOrder`.
#[derive(InputObject)]
pub struct PurchaseOrderLineInput {
    /// The catalogue product (active goods, once per purchase order).
    pub product_id: ID,
    /// Units to order (1 to 100000).
    pub quantity: i32,
    /// What one unit costs, in dollars ex-GST; the supplier's recorded cost when omitted.
    pub unit_cost: Option<String>,
}

/// The input of `createPurchaseOrder`.
#[derive(InputObject)]
pub struct CreatePurchaseOrderInput {
    /// Who to order from.
    pub supplier_id: ID,
    /// When the goods are expected.
    pub expected_on: Option<Date>,
    /// What to order (1 to 100 lines).
    pub lines: Vec<PurchaseOrderLineInput>,
}

/// The input of `sourceBackorder`.
#[derive(InputObject)]
pub struct SourceBackorderInput {
    /// The BACKORDERED customer order.
    pub order_id: ID,
    /// Who to order its missing goods from.
    pub supplier_id: ID,
}

/// The input of `sourceReplenishment`.
#[derive(InputObject)]
pub struct SourceReplenishmentInput {
    /// The OPEN replenishment task.
    pub task_id: ID,
    /// Who to order its suggested quantity from.
    pub supplier_id: ID,
}

/// The input of `sendPurchaseOrder`.
#[derive(InputObject)]
pub struct SendPurchaseOrderInput {
    /// The DRAFT purchase order.
    pub purchase_order_id: ID,
}

/// The input of `cancelPurchaseOrder`.
#[derive(InputObject)]
pub struct CancelPurchaseOrderInput {
    /// The DRAFT or SENT purchase order (nothing received yet).
    pub purchase_order_id: ID,
    /// Why (1 to 500 characters).
    pub reason: String,
}

/// Units of one purchase order line as received.
#[derive(InputObject)]
pub struct ReceiveGoodsLineInput {
    /// The purchase order line.
    pub purchase_order_line_id: ID,
    /// Units received (at least 1, at most what is left to receive on the line).
    pub quantity: i32,
    /// Their batch: required for batch-tracked products, refused otherwise.
    pub batch_code: Option<String>,
    /// When their batch expires.
    pub expires_on: Option<Date>,
    /// One serial number per unit for serial-tracked products; omit otherwise.
    pub serials: Option<Vec<String>>,
}

/// One check of a QC inspection as entered.
#[derive(InputObject)]
pub struct QcCheckInput {
    /// What was checked (1 to 200 characters).
    pub item: String,
    /// Whether it passed.
    pub passed: bool,
}

impl From<QcCheckInput> for Check {
    fn from(c: QcCheckInput) -> Self {
        Check {
            item: c.item,
            passed: c.passed,
        }
    }
}

/// The input of `receiveGoods`.
#[derive(InputObject)]
pub struct ReceiveGoodsInput {
    /// The SENT or PARTIALLY_RECEIVED purchase order.
    pub purchase_order_id: ID,
    /// The day the goods arrived.
    pub received_on: Date,
    /// Where they land: a WAREHOUSE location when every check passed, else
    /// a QUARANTINE location.
    pub location_id: ID,
    /// What arrived.
    pub lines: Vec<ReceiveGoodsLineInput>,
    /// The QC inspection (at least one check; every one must pass for the
    /// goods to be sellable).
    pub checklist: Vec<QcCheckInput>,
    /// The inspector's notes.
    pub qc_notes: Option<String>,
}

/// The input of `closePurchaseOrder`.
#[derive(InputObject)]
pub struct ClosePurchaseOrderInput {
    /// The PARTIALLY_RECEIVED or RECEIVED purchase order.
    pub purchase_order_id: ID,
    /// Why (1 to 500 characters); required to close a PARTIALLY_RECEIVED
    /// one short (the rest will not come).
    pub reason: Option<String>,
}

/// The input of `releaseQuarantinedStock`.
#[derive(InputObject)]
pub struct ReleaseQuarantinedStockInput {
    /// The stock level at a QUARANTINE location the units are held at
    /// (`GoodsReceiptLine.stockLevelId`, `StockLevel.id`).
    pub stock_level_id: ID,
    /// Units to release (1 to what is held there).
    pub quantity: i32,
    /// The WAREHOUSE location they go to (same batch and expiry).
    pub to_location_id: ID,
    /// The re-inspection (at least one check; every one must pass, else
    /// nothing is released).
    pub checklist: Vec<QcCheckInput>,
    /// The re-inspector's notes (at most 2,000 characters).
    pub notes: Option<String>,
}

/// The input of `returnToSupplier`.
#[derive(InputObject)]
pub struct ReturnToSupplierInput {
    /// The stock level at a QUARANTINE location the units are held at.
    pub stock_level_id: ID,
    /// Units to send back (1 to what is held there).
    pub quantity: i32,
    /// Why (1 to 500 characters).
    pub reason: String,
}

payload!("Result of `createSupplier`.", CreateSupplierPayload, supplier: Supplier);
payload!(
    "Result of `setSupplierProduct`.",
    SetSupplierProductPayload,
    supplier_product: SupplierProduct
);
payload!(
    "Result of `createPurchaseOrder`.",
    CreatePurchaseOrderPayload,
    purchase_order: PurchaseOrder
);
payload!(
    "Result of `sourceBackorder`.",
    SourceBackorderPayload,
    purchase_order: PurchaseOrder
);
payload!(
    "Result of `sourceReplenishment`.",
    SourceReplenishmentPayload,
    purchase_order: PurchaseOrder
);
payload!(
    "Result of `sendPurchaseOrder`.",
    SendPurchaseOrderPayload,
    purchase_order: PurchaseOrder
);
payload!(
    "Result of `cancelPurchaseOrder`.",
    CancelPurchaseOrderPayload,
    purchase_order: PurchaseOrder
);
payload!("Result of `receiveGoods`.", ReceiveGoodsPayload, goods_receipt: GoodsReceipt);
payload!(
    "Result of `closePurchaseOrder`.",
    ClosePurchaseOrderPayload,
    purchase_order: PurchaseOrder
);
payload!(
    "Result of `releaseQuarantinedStock`: the warehouse stock the units landed at.",
    ReleaseQuarantinedStockPayload,
    stock_level: StockLevel
);
payload!(
    "Result of `returnToSupplier`: the quarantine stock after the return.",
    ReturnToSupplierPayload,
    stock_level: StockLevel
);

// ---------------------------------------------------------------- queries

#[derive(Default)]
pub struct PurchasingQuery;

#[Object]
impl PurchasingQuery {
    /// One purchase order (purchasing roles); null when missing.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn purchase_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The purchase order's id.")] id: ID,
    ) -> async_graphql::Result<Option<PurchaseOrder>> {
        let id = arg_id(&id, "id")?;
        let found = purchasing::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(PurchaseOrder))
    }

    /// Purchase orders (purchasing roles), newest first.
    #[graphql(
        guard = "Require::to(Permission::Purchase)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn purchase_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only purchase orders with this status; all when omitted.")]
        status: Option<PurchaseOrderStatus>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PurchaseOrder>> {
        let page = page_request(first, after)?;
        let found = purchasing::list(
            &ctx.services().db,
            &ctx.domain_ctx()?,
            status.map(Into::into),
            page,
        )
        .await;
        Ok(connection(answer(ctx, found)?, PurchaseOrder))
    }

    /// Suppliers (purchasing roles), oldest first.
    #[graphql(
        guard = "Require::to(Permission::Purchase)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn suppliers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Supplier>> {
        let page = page_request(first, after)?;
        let found = purchasing::suppliers(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, Supplier))
    }

    /// One supplier (purchasing roles); null when missing or not a supplier.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn supplier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The supplier's id.")] id: ID,
    ) -> async_graphql::Result<Option<Supplier>> {
        let id = arg_id(&id, "id")?;
        let found = purchasing::supplier(&ctx.services().db, id).await;
        Ok(answer(ctx, found)?.map(Supplier))
    }
}

// ---------------------------------------------------------------- mutations

#[derive(Default)]
pub struct PurchasingMutation;

#[Object]
impl PurchasingMutation {
    /// Record a supplier (purchasing roles).
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn create_supplier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateSupplierInput,
    ) -> async_graphql::Result<CreateSupplierPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let supplier = purchasing::SupplierInput {
            name: input.name,
            email: input.email,
            abn: input.abn,
            drop_ships: input.drop_ships,
        };
        let result = purchasing::create_supplier(&ctx.services().db, &domain_ctx, &supplier).await;
        respond(ctx, result).await
    }

    /// Record (or change) that a supplier supplies a product: its SKU there,
    /// unit cost and lead time (purchasing roles).
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn set_supplier_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SetSupplierProductInput,
    ) -> async_graphql::Result<SetSupplierProductPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let set = purchasing::SupplierProductInput {
                supplier_id: input_id(&input.supplier_id, "supplierId")?,
                product_id: input_id(&input.product_id, "productId")?,
                supplier_sku: input.supplier_sku,
                unit_cost: input.unit_cost,
                lead_time_days: input.lead_time_days,
            };
            purchasing::set_supplier_product(&ctx.services().db, &domain_ctx, &set).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Prepare a DRAFT purchase order by hand (purchasing roles); a line
    /// without a unit cost takes the supplier's recorded cost.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn create_purchase_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreatePurchaseOrderInput,
    ) -> async_graphql::Result<CreatePurchaseOrderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let mut lines = Vec::with_capacity(input.lines.len());
            for (i, line) in input.lines.into_iter().enumerate() {
                lines.push(purchasing::LineInput {
                    product_id: input_id(&line.product_id, &format!("lines.{i}.productId"))?,
                    quantity: line.quantity,
                    unit_cost: line.unit_cost,
                });
            }
            let new = purchasing::NewPurchaseOrder {
                supplier_id: input_id(&input.supplier_id, "supplierId")?,
                lines,
                expected_on: input.expected_on.map(|d| d.0),
            };
            purchasing::create(&ctx.services().db, &domain_ctx, &new).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Source a BACKORDERED customer order (purchasing roles): a DRAFT
    /// purchase order to the supplier for every goods unit it waits for, at
    /// the supplier's recorded costs.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn source_backorder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SourceBackorderInput,
    ) -> async_graphql::Result<SourceBackorderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let order = input_id(&input.order_id, "orderId")?;
            let supplier = input_id(&input.supplier_id, "supplierId")?;
            purchasing::source_backorder(&ctx.services().db, &domain_ctx, order, supplier).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Answer an OPEN replenishment task with a DRAFT purchase order for its
    /// suggested quantity at the supplier's cost (purchasing roles); the
    /// task is DONE.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn source_replenishment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SourceReplenishmentInput,
    ) -> async_graphql::Result<SourceReplenishmentPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let task = input_id(&input.task_id, "taskId")?;
            let supplier = input_id(&input.supplier_id, "supplierId")?;
            purchasing::source_replenishment(&ctx.services().db, &domain_ctx, task, supplier).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Ask to send a DRAFT purchase order (purchasing roles): raises its
    /// PURCHASE_ORDER approval for its total, which the policy may approve
    /// at once; once approved it is SENT and emailed to the supplier.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn send_purchase_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SendPurchaseOrderInput,
    ) -> async_graphql::Result<SendPurchaseOrderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.purchase_order_id, "purchaseOrderId")?;
            let calendar = services.calendar.current();
            purchasing::send(&services.db, &domain_ctx, &calendar, id).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Call off a DRAFT or SENT purchase order before anything was received
    /// (purchasing roles); a pending approval is withdrawn.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn cancel_purchase_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CancelPurchaseOrderInput,
    ) -> async_graphql::Result<CancelPurchaseOrderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.purchase_order_id, "purchaseOrderId")?;
            purchasing::cancel(&ctx.services().db, &domain_ctx, id, &input.reason).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Receive goods against a SENT or PARTIALLY_RECEIVED purchase order,
    /// with their QC inspection (purchasing roles). Over-receipt is refused;
    /// batch-tracked units need their batch, serial-tracked ones one serial
    /// each. Passed goods land at the WAREHOUSE given and go to the orders
    /// waiting on them; failed ones at the QUARANTINE given.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn receive_goods(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReceiveGoodsInput,
    ) -> async_graphql::Result<ReceiveGoodsPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let mut lines = Vec::with_capacity(input.lines.len());
            for (i, line) in input.lines.into_iter().enumerate() {
                lines.push(purchasing::ReceiptLineInput {
                    purchase_order_line_id: input_id(
                        &line.purchase_order_line_id,
                        &format!("lines.{i}.purchaseOrderLineId"),
                    )?,
                    quantity: line.quantity,
                    batch_code: line.batch_code,
                    expires_on: line.expires_on.map(|d| d.0),
                    serials: line.serials.unwrap_or_default(),
                });
            }
            let receive = purchasing::ReceiveInput {
                purchase_order_id: input_id(&input.purchase_order_id, "purchaseOrderId")?,
                received_on: input.received_on.0,
                location_id: input_id(&input.location_id, "locationId")?,
                lines,
                checklist: input.checklist.into_iter().map(Check::from).collect(),
                qc_notes: input.qc_notes,
            };
            purchasing::receive(&ctx.services().db, &domain_ctx, &receive).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Finish with a RECEIVED purchase order, or close a PARTIALLY_RECEIVED
    /// one short, saying why the rest will not come (purchasing roles).
    /// Nothing more is received against a CLOSED purchase order.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn close_purchase_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ClosePurchaseOrderInput,
    ) -> async_graphql::Result<ClosePurchaseOrderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.purchase_order_id, "purchaseOrderId")?;
            let reason = input.reason.as_deref();
            purchasing::close(&ctx.services().db, &domain_ctx, id, reason).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Release quarantined units after a re-inspection every check of which
    /// passed (purchasing roles): they move to the WAREHOUSE given with
    /// their batch and expiry, and then go to the orders waiting on them
    /// like goods received. A failed check releases nothing.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn release_quarantined_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReleaseQuarantinedStockInput,
    ) -> async_graphql::Result<ReleaseQuarantinedStockPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let release = quarantine::ReleaseInput {
                stock_level_id: input_id(&input.stock_level_id, "stockLevelId")?,
                quantity: input.quantity,
                to_location_id: input_id(&input.to_location_id, "toLocationId")?,
                checklist: input.checklist.into_iter().map(Check::from).collect(),
                notes: input.notes,
            };
            quarantine::release(&ctx.services().db, &domain_ctx, &release).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Send quarantined units back to their supplier (purchasing roles):
    /// they leave the quarantine stock, recorded with the reason.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn return_to_supplier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ReturnToSupplierInput,
    ) -> async_graphql::Result<ReturnToSupplierPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let returned = quarantine::ReturnInput {
                stock_level_id: input_id(&input.stock_level_id, "stockLevelId")?,
                quantity: input.quantity,
                reason: input.reason,
            };
            quarantine::return_to_supplier(&ctx.services().db, &domain_ctx, &returned).await
        }
        .await;
        respond(ctx, result).await
    }
}
