//! The catalogue and stock: products, stock locations, stock levels and
//! adjustments. Stock levels load through a DataLoader, so a page of
//! products with their stock costs a fixed number of queries.

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, payload,
    record_object, respond,
};
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

object! {
    /// A catalogue product.
    #[Object]
    impl Product {
        /// Stable identifier.
        pub(crate) id: ID,
        /// Stock-keeping unit, upper-case; unique.
        sku: &str,
        /// Name shown to customers.
        name: &str,
        /// Goods or a service.
        kind: ProductKind,
        /// GST treatment.
        async fn tax_code(&self) -> async_graphql::Result<TaxCode> {
            domain::rules::tax_code::TaxCode::parse(&self.0.tax_code)
                .map(Into::into)
                .map_err(|e| async_graphql::Error::new(e.to_string()))
        }
        /// Unit price.
        price: Money = price_cents,
        /// Whether `price` includes GST.
        prices_include_gst: bool,
        /// Shipping weight in grams.
        weight_grams: i32,
        /// Length in millimetres, if known.
        length_mm: Option<i32>,
        /// Width in millimetres, if known.
        width_mm: Option<i32>,
        /// Height in millimetres, if known.
        height_mm: Option<i32>,
        /// Below this much available stock, restock.
        reorder_point: i32,
        /// How much to restock.
        reorder_quantity: i32,
        /// Stock is kept per batch (with expiry).
        batch_tracked: bool,
        /// Each unit has a serial number.
        serial_tracked: bool,
        /// The business's own warranty, in months (0: none beyond the law's).
        warranty_months: i32,
        /// Can be ordered.
        active: bool,
        /// Incremented by every change; send it back as `expectedVersion`.
        version: i32,
        /// When it was created (UTC).
        created_at: DateTime<Utc>,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc>,
        /// Stock per location and batch (staff).
        #[graphql(guard = "Require::to(Permission::ReadStock)")]
        async fn stock(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StockLevel>> {
            use super::loaders::{StockLoader, load_list};
            load_list::<StockLoader, _, _>(ctx, self.0.id, StockLevel).await
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
        async fn listing_warning(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<String>> {
            super::safety::listing_warning(ctx, self.0.id).await
        }
    }
}

record_object! { pub struct StockLocation(pub stock_location::Model); }

object! {
    /// A place stock is kept.
    #[Object]
    impl StockLocation {
        /// Stable identifier.
        pub(crate) id: ID,
        /// Short code, upper-case; unique.
        code: &str,
        /// Name.
        name: &str,
        /// Region.
        region: Region,
        /// Warehouse or quarantine.
        kind: LocationKind,
        /// Street address, first line.
        line1: Option<&str>,
        /// Street address, second line.
        line2: Option<&str>,
        /// Suburb or city.
        suburb: Option<&str>,
        /// State or province.
        state: Option<&str>,
        /// Postcode.
        postcode: Option<&str>,
        /// ISO 3166 country code.
        country: &str,
        /// When it was created (UTC).
        created_at: DateTime<Utc>,
    }
}

pub struct StockLevel(Level);

object! {
    /// Stock of one product at one location (and batch).
    #[Object]
    impl StockLevel {
        /// Stable identifier of this product's stock at this location and batch
        /// (`releaseQuarantinedStock` and `returnToSupplier` name it).
        id: ID = level.id,
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
        expires_on: Option<NaiveDate> = level.expires_on,
        /// Units physically there.
        on_hand: i32 = level.on_hand,
        /// Units promised to orders.
        reserved: i32 = level.reserved,
        /// Units that can still be reserved (on hand − reserved; 0 in quarantine).
        async fn available(&self) -> i32 {
            self.0.available()
        }
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
