//! The catalogue and stock: products, stock locations, stock levels and
//! adjustments. Stock levels load through a DataLoader, so a page of
//! products with their stock costs a fixed number of queries.

use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, payload,
    record_object, respond,
};
use super::money::Money;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalogue::stock::Level;
use domain::catalogue::{locations, products, stock};
use domain::kernel::Permission;
use entity::{product, stock_location};

/// Goods need stock; services do not.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ProductKind")]
pub enum ProductKind {
    /// A physical product: stocked, reserved, picked and packed.
    Goods,
    /// Installation, setup and the like: never stocked.
    Service,
}

/// The GST treatment of a product (AU-RULES).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::rules::tax_code::TaxCode")]
pub enum TaxCode {
    /// GST at 10%.
    Taxable,
    /// No GST; reported as a GST-free sale.
    GstFree,
    /// No GST and no input tax credits.
    InputTaxed,
}

/// Where a stock location is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Region")]
pub enum Region {
    /// Australia.
    Australia,
    /// North America.
    NorthAmerica,
    /// Europe.
    Europe,
    /// Malaysia.
    Malaysia,
}

/// What a stock location is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::LocationKind")]
pub enum LocationKind {
    /// Stock that can be sold.
    Warehouse,
    /// Held stock; never available.
    Quarantine,
}

/// Why stock on hand changed.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::MovementKind")]
pub enum MovementKind {
    /// Goods received.
    Receipt,
    /// A stocktake correction.
    Count,
    /// Damaged stock written off.
    Damage,
    /// Goods returned to stock.
    Return,
    /// Any other correction.
    Adjustment,
    /// Units handed to a courier in a package.
    Shipment,
    /// Quarantined units released after a passed re-inspection, moved to a warehouse.
    Release,
    /// Quarantined units sent back to their supplier.
    SupplierReturn,
}

record_object! { pub struct Product(pub product::Model); }

impl Product {
    /// The product `id` (batched per page of records that name products).
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<Self>> {
        let found = super::loaders::load_one::<super::loaders::ProductLoader, _>(ctx, id).await?;
        Ok(found.map(Product))
    }
}

/// A catalogue product.
#[Object]
impl Product {
    /// Stable identifier.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Stock-keeping unit, upper-case; unique.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// Name shown to customers.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Goods or a service.
    async fn kind(&self) -> ProductKind {
        self.0.kind.into()
    }
    /// GST treatment.
    async fn tax_code(&self) -> async_graphql::Result<TaxCode> {
        domain::rules::tax_code::TaxCode::parse(&self.0.tax_code)
            .map(Into::into)
            .map_err(|e| async_graphql::Error::new(e.to_string()))
    }
    /// Unit price.
    async fn price(&self) -> Money {
        Money::from_cents(self.0.price_cents)
    }
    /// Whether `price` includes GST.
    async fn prices_include_gst(&self) -> bool {
        self.0.prices_include_gst
    }
    /// Shipping weight in grams.
    async fn weight_grams(&self) -> i32 {
        self.0.weight_grams
    }
    /// Length in millimetres, if known.
    async fn length_mm(&self) -> Option<i32> {
        self.0.length_mm
    }
    /// Width in millimetres, if known.
    async fn width_mm(&self) -> Option<i32> {
        self.0.width_mm
    }
    /// Height in millimetres, if known.
    async fn height_mm(&self) -> Option<i32> {
        self.0.height_mm
    }
    /// Below this much available stock, restock.
    async fn reorder_point(&self) -> i32 {
        self.0.reorder_point
    }
    /// How much to restock.
    async fn reorder_quantity(&self) -> i32 {
        self.0.reorder_quantity
    }
    /// Stock is kept per batch (with expiry).
    async fn batch_tracked(&self) -> bool {
        self.0.batch_tracked
    }
    /// Each unit has a serial number.
    async fn serial_tracked(&self) -> bool {
        self.0.serial_tracked
    }
    /// The business's own warranty, in months (0: none beyond the law's).
    async fn warranty_months(&self) -> i32 {
        self.0.warranty_months
    }
    /// Can be ordered.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Incremented by every change; send it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Stock per location and batch (staff).
    #[graphql(guard = "Require::to(Permission::ReadStock)")]
    async fn stock(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StockLevel>> {
        super::loaders::load_list::<super::loaders::StockLoader, _, _>(ctx, self.0.id, StockLevel)
            .await
    }
    /// Its product safety record: supplier, standards, ban (staff).
    #[graphql(guard = "Require::to(Permission::ReadSafety)")]
    async fn safety(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::safety::ProductSafety>> {
        super::safety::product_safety(ctx, self.0.id).await
    }
    /// The warning online listings must show (its mandatory standards'
    /// warnings, joined); null when none applies.
    async fn listing_warning(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        super::safety::listing_warning(ctx, self.0.id).await
    }
}

record_object! { pub struct StockLocation(pub stock_location::Model); }

/// A place stock is kept.
#[Object]
impl StockLocation {
    /// Stable identifier.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Short code, upper-case; unique.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Region.
    async fn region(&self) -> Region {
        self.0.region.into()
    }
    /// Warehouse or quarantine.
    async fn kind(&self) -> LocationKind {
        self.0.kind.into()
    }
    /// Street address, first line.
    async fn line1(&self) -> Option<&str> {
        self.0.line1.as_deref()
    }
    /// Street address, second line.
    async fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }
    /// Suburb or city.
    async fn suburb(&self) -> Option<&str> {
        self.0.suburb.as_deref()
    }
    /// State or province.
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }
    /// Postcode.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// ISO 3166 country code.
    async fn country(&self) -> &str {
        &self.0.country
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct StockLevel(Level);

/// Stock of one product at one location (and batch).
#[Object]
impl StockLevel {
    /// Stable identifier of this product's stock at this location and batch
    /// (`releaseQuarantinedStock` and `returnToSupplier` name it).
    async fn id(&self) -> ID {
        ID(self.0.level.id.to_string())
    }
    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        Product::load(ctx, self.0.level.product_id).await
    }
    /// Where.
    async fn location(&self) -> StockLocation {
        StockLocation(self.0.location.clone())
    }
    /// The batch, for batch-tracked products.
    async fn batch_code(&self) -> Option<&str> {
        Some(self.0.level.batch_code.as_str()).filter(|b| !b.is_empty())
    }
    /// When the batch expires, if it does.
    async fn expires_on(&self) -> Option<NaiveDate> {
        self.0.level.expires_on
    }
    /// Units physically there.
    async fn on_hand(&self) -> i32 {
        self.0.level.on_hand
    }
    /// Units promised to orders.
    async fn reserved(&self) -> i32 {
        self.0.level.reserved
    }
    /// Units that can still be reserved (on hand − reserved; 0 in quarantine).
    async fn available(&self) -> i32 {
        self.0.available()
    }
}

impl From<Level> for StockLevel {
    fn from(l: Level) -> Self {
        StockLevel(l)
    }
}

/// A new product.
#[derive(InputObject)]
pub struct CreateProductInput {
    /// Stock-keeping unit (letters, digits, `-`, `_`, `.`; at most 40).
    pub sku: String,
    /// Name (at most 200 characters).
    pub name: String,
    /// Goods (default) or a service.
    #[graphql(default_with = "ProductKind::Goods")]
    pub kind: ProductKind,
    /// GST treatment.
    pub tax_code: TaxCode,
    /// Unit price in dollars, e.g. `129.95`.
    pub price: String,
    /// Whether `price` includes GST (default true).
    #[graphql(default = true)]
    pub prices_include_gst: bool,
    /// Shipping weight in grams.
    pub weight_grams: i32,
    /// Length, width and height in millimetres (all three or none).
    pub dimensions_mm: Option<DimensionsInput>,
    /// Restock below this much available stock (default 0).
    #[graphql(default)]
    pub reorder_point: i32,
    /// How much to restock (default 0).
    #[graphql(default)]
    pub reorder_quantity: i32,
    /// Stock kept per batch (default false).
    #[graphql(default)]
    pub batch_tracked: bool,
    /// Each unit has a serial number (default false).
    #[graphql(default)]
    pub serial_tracked: bool,
    /// The business's own warranty in months (default 0).
    #[graphql(default)]
    pub warranty_months: i32,
    /// Can be ordered (default true).
    #[graphql(default = true)]
    pub active: bool,
}

/// A product's size.
#[derive(InputObject, Clone, Copy)]
pub struct DimensionsInput {
    /// Millimetres.
    pub length: i32,
    /// Millimetres.
    pub width: i32,
    /// Millimetres.
    pub height: i32,
}

/// Changes to a product; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateProductInput {
    /// The product.
    pub id: ID,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New GST treatment.
    pub tax_code: Option<TaxCode>,
    /// New unit price in dollars.
    pub price: Option<String>,
    /// Whether the price includes GST.
    pub prices_include_gst: Option<bool>,
    /// Shipping weight in grams.
    pub weight_grams: Option<i32>,
    /// Restock point.
    pub reorder_point: Option<i32>,
    /// Restock quantity.
    pub reorder_quantity: Option<i32>,
    /// Warranty in months.
    pub warranty_months: Option<i32>,
    /// Can be ordered.
    pub active: Option<bool>,
}

/// A new stock location.
#[derive(InputObject)]
pub struct CreateStockLocationInput {
    /// Short code (letters, digits, `-`, `_`, `.`; at most 20).
    pub code: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: Region,
    /// Warehouse (default) or quarantine.
    #[graphql(default_with = "LocationKind::Warehouse")]
    pub kind: LocationKind,
    /// Street address, first line.
    pub line1: Option<String>,
    /// Street address, second line.
    pub line2: Option<String>,
    /// Suburb or city.
    pub suburb: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// ISO 3166 country code (default AU).
    pub country: Option<String>,
}

/// A change of stock on hand.
#[derive(InputObject)]
pub struct AdjustStockInput {
    /// The product.
    pub product_id: ID,
    /// The location.
    pub location_id: ID,
    /// Signed change: positive adds, negative takes away.
    pub quantity: i32,
    /// Why, for the ledger.
    pub reason: String,
    /// What kind of change (default ADJUSTMENT).
    pub kind: Option<MovementKind>,
    /// The batch, for batch-tracked products (required then).
    pub batch_code: Option<String>,
    /// When the batch expires.
    pub expires_on: Option<NaiveDate>,
}

/// Which products to list.
#[derive(InputObject, Default)]
pub struct ProductFilter {
    /// Text in the SKU or name.
    pub search: Option<String>,
    /// Only active (or inactive) products.
    pub active: Option<bool>,
    /// Only goods or only services.
    pub kind: Option<ProductKind>,
}

payload!(
    "Result of `createProduct`.",
    CreateProductPayload,
    product: Product
);
payload!(
    "Result of `updateProduct`.",
    UpdateProductPayload,
    product: Product
);
payload!(
    "Result of `createStockLocation`.",
    CreateStockLocationPayload,
    stock_location: StockLocation
);
payload!(
    "Result of `adjustStock`.",
    AdjustStockPayload,
    stock_level: StockLevel
);

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// One product by id; null when missing.
    #[graphql(guard = "Require::to(Permission::ReadCatalogue)")]
    async fn product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product's id.")] id: ID,
    ) -> async_graphql::Result<Option<Product>> {
        let id = arg_id(&id, "id")?;
        let found = products::find(&ctx.services().db, id).await;
        Ok(answer(ctx, found)?.map(Product))
    }

    /// Products, oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadCatalogue)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which products; all when omitted.")] filter: Option<ProductFilter>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Product>> {
        let page = page_request(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = products::ProductFilter {
            search: filter.search,
            active: filter.active,
            kind: filter.kind.map(Into::into),
        };
        let found = products::list(&ctx.services().db, &ctx.domain_ctx()?, &filter, page).await;
        Ok(connection(answer(ctx, found)?, Product))
    }

    /// Stock locations, oldest first (staff).
    #[graphql(
        guard = "Require::to(Permission::ReadStock)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn stock_locations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, StockLocation>> {
        let page = page_request(first, after)?;
        let found = locations::list(&ctx.services().db, &ctx.domain_ctx()?, page).await;
        Ok(connection(answer(ctx, found)?, StockLocation))
    }
}

#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Add a product (FULFILMENT or ADMIN; audited).
    #[graphql(guard = "Require::to(Permission::ManageCatalogue)")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateProductInput,
    ) -> async_graphql::Result<CreateProductPayload> {
        let raw = products::ProductInput {
            sku: input.sku,
            name: input.name,
            kind: input.kind.into(),
            tax_code: domain::rules::tax_code::TaxCode::from(input.tax_code)
                .as_str()
                .to_owned(),
            price: input.price,
            prices_include_gst: input.prices_include_gst,
            weight_grams: input.weight_grams,
            dimensions_mm: input.dimensions_mm.map(|d| (d.length, d.width, d.height)),
            reorder_point: input.reorder_point,
            reorder_quantity: input.reorder_quantity,
            batch_tracked: input.batch_tracked,
            serial_tracked: input.serial_tracked,
            warranty_months: input.warranty_months,
            active: input.active,
        };
        let result = products::create(&ctx.services().db, &ctx.domain_ctx()?, &raw).await;
        respond(ctx, result).await
    }

    /// Change a product if `expectedVersion` is current (FULFILMENT or ADMIN; audited).
    #[graphql(guard = "Require::to(Permission::ManageCatalogue)")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateProductInput,
    ) -> async_graphql::Result<UpdateProductPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            products::update(
                &ctx.services().db,
                &domain_ctx,
                id,
                input.expected_version,
                |p| {
                    if let Some(v) = input.name {
                        p.name = v;
                    }
                    if let Some(v) = input.tax_code {
                        p.tax_code = domain::rules::tax_code::TaxCode::from(v)
                            .as_str()
                            .to_owned();
                    }
                    if let Some(v) = input.price {
                        p.price = v;
                    }
                    if let Some(v) = input.prices_include_gst {
                        p.prices_include_gst = v;
                    }
                    if let Some(v) = input.weight_grams {
                        p.weight_grams = v;
                    }
                    if let Some(v) = input.reorder_point {
                        p.reorder_point = v;
                    }
                    if let Some(v) = input.reorder_quantity {
                        p.reorder_quantity = v;
                    }
                    if let Some(v) = input.warranty_months {
                        p.warranty_months = v;
                    }
                    if let Some(v) = input.active {
                        p.active = v;
                    }
                },
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Add a stock location (FULFILMENT or ADMIN; audited).
    #[graphql(guard = "Require::to(Permission::ManageCatalogue)")]
    async fn create_stock_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateStockLocationInput,
    ) -> async_graphql::Result<CreateStockLocationPayload> {
        let raw = locations::LocationInput {
            code: input.code,
            name: input.name,
            region: input.region.into(),
            kind: input.kind.into(),
            line1: input.line1,
            line2: input.line2,
            suburb: input.suburb,
            state: input.state,
            postcode: input.postcode,
            country: input.country,
        };
        let result = locations::create(&ctx.services().db, &ctx.domain_ctx()?, &raw).await;
        respond(ctx, result).await
    }

    /// Change stock on hand at one location (FULFILMENT or ADMIN). Appends
    /// to the movement ledger; taking away more than is unreserved is
    /// INSUFFICIENT_STOCK.
    #[graphql(guard = "Require::to(Permission::ManageCatalogue)")]
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: AdjustStockInput,
    ) -> async_graphql::Result<AdjustStockPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let adjustment = stock::Adjustment {
                product_id: input_id(&input.product_id, "productId")?,
                location_id: input_id(&input.location_id, "locationId")?,
                quantity: input.quantity,
                reason: input.reason,
                kind: input.kind.map(Into::into),
                batch_code: input.batch_code,
                expires_on: input.expires_on,
            };
            stock::adjust(&ctx.services().db, &domain_ctx, &adjustment).await
        }
        .await;
        respond(ctx, result).await
    }
}
