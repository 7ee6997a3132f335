//! Products: created and changed by staff who run the catalogue (audited,
//! versioned); read by everyone signed in.

use super::{bounded, code};
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Versioned,
    Write, fetch_page, text_contains,
};
use crate::rules::money::Money;
use crate::rules::tax_code::TaxCode;
use entity::{ProductKind, product};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "product";
const MAX_SKU_LEN: usize = 40;
const MAX_NAME_LEN: usize = 200;

impl Versioned for product::Entity {
    fn version_column() -> product::Column {
        product::Column::Version
    }
}

/// A product as staff describe it.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub sku: String,
    pub name: String,
    pub kind: ProductKind,
    pub tax_code: String,
    /// Dollars and cents, e.g. "129.95".
    pub price: String,
    pub prices_include_gst: bool,
    pub weight_grams: i32,
    pub dimensions_mm: Option<(i32, i32, i32)>,
    pub reorder_point: i32,
    pub reorder_quantity: i32,
    pub batch_tracked: bool,
    pub serial_tracked: bool,
    pub warranty_months: i32,
    pub active: bool,
}

struct Valid {
    sku: String,
    name: String,
    tax_code: TaxCode,
    price: Money,
}

fn parse(input: &ProductInput) -> Result<Valid, DomainError> {
    let mut fields = Fields::new();
    let sku = code(&mut fields, "sku", &input.sku, MAX_SKU_LEN);
    let name = fields.text("name", &input.name, MAX_NAME_LEN);
    let tax_code = fields.required("taxCode", &input.tax_code, TaxCode::parse);
    let price = fields.required("price", &input.price, Money::parse);
    if price.is_some_and(|p| p.cents() < 0) {
        fields.refuse("price", ErrorCode::OutOfRange, "price must not be negative");
    }
    bounded(
        &mut fields,
        "weightGrams",
        input.weight_grams,
        0..=1_000_000,
    );
    if let Some((l, w, h)) = input.dimensions_mm {
        for (field, v) in [("lengthMm", l), ("widthMm", w), ("heightMm", h)] {
            bounded(&mut fields, field, v, 1..=10_000);
        }
    }
    bounded(
        &mut fields,
        "reorderPoint",
        input.reorder_point,
        0..=1_000_000,
    );
    bounded(
        &mut fields,
        "reorderQuantity",
        input.reorder_quantity,
        0..=1_000_000,
    );
    bounded(
        &mut fields,
        "warrantyMonths",
        input.warranty_months,
        0..=120,
    );
    let service = input.kind == ProductKind::Service;
    fields.ensure(
        !(service && (input.batch_tracked || input.serial_tracked)),
        "kind",
        ErrorCode::InvalidState,
        "a service is not batch- or serial-tracked",
    );
    fields.finish(|| {
        Some(Valid {
            sku: sku?,
            name: name?,
            tax_code: tax_code?,
            price: price?,
        })
    })
}

/// The columns a create or an update writes from checked input.
fn columns(
    valid: Valid,
    input: &ProductInput,
    now: chrono::DateTime<chrono::Utc>,
) -> product::ActiveModel {
    let (length, width, height) = match input.dimensions_mm {
        Some((l, w, h)) => (Some(l), Some(w), Some(h)),
        None => (None, None, None),
    };
    product::ActiveModel {
        search_text: Set(search_text(&valid.sku, &valid.name)),
        sku: Set(valid.sku),
        name: Set(valid.name),
        kind: Set(input.kind),
        tax_code: Set(valid.tax_code.as_str().to_owned()),
        price_cents: Set(valid.price.cents()),
        prices_include_gst: Set(input.prices_include_gst),
        weight_grams: Set(input.weight_grams),
        length_mm: Set(length),
        width_mm: Set(width),
        height_mm: Set(height),
        reorder_point: Set(input.reorder_point),
        reorder_quantity: Set(input.reorder_quantity),
        batch_tracked: Set(input.batch_tracked),
        serial_tracked: Set(input.serial_tracked),
        warranty_months: Set(input.warranty_months),
        active: Set(input.active),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn sku_taken() -> DomainError {
    DomainError::rejected(
        &["sku"],
        ErrorCode::AlreadyExists,
        "a product with this SKU exists",
    )
}

fn search_text(sku: &str, name: &str) -> String {
    format!("{sku} {name}").to_lowercase()
}

/// Add a product (FULFILMENT or ADMIN).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &ProductInput,
) -> Result<Committed<product::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageCatalogue).await?;
    let valid = parse(input)?;
    let now = w.now();
    let inserted = w
        .insert(product::ActiveModel {
            id: Set(Uuid::now_v7()),
            version: Set(1),
            created_at: Set(now),
            ..columns(valid, input, now)
        })
        .await;
    let product = match inserted {
        Err(e) if e.is_unique_violation() => return Err(sku_taken()),
        other => other?,
    };
    w.commit_audited(SUBJECT_TYPE, product.id, "product.created", None, product)
        .await
}

impl ProductInput {
    /// A product's current values, to change some of them.
    pub fn from_model(p: &product::Model) -> ProductInput {
        let dimensions = match (p.length_mm, p.width_mm, p.height_mm) {
            (Some(l), Some(w), Some(h)) => Some((l, w, h)),
            _ => None,
        };
        ProductInput {
            sku: p.sku.clone(),
            name: p.name.clone(),
            kind: p.kind,
            tax_code: p.tax_code.clone(),
            price: Money::from_cents(p.price_cents).to_string(),
            prices_include_gst: p.prices_include_gst,
            weight_grams: p.weight_grams,
            dimensions_mm: dimensions,
            reorder_point: p.reorder_point,
            reorder_quantity: p.reorder_quantity,
            batch_tracked: p.batch_tracked,
            serial_tracked: p.serial_tracked,
            warranty_months: p.warranty_months,
            active: p.active,
        }
    }
}

/// Change a product (FULFILMENT or ADMIN) if `expected_version` is current:
/// `change` edits its current values, which are then checked as on creation.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    expected_version: i32,
    change: impl FnOnce(&mut ProductInput),
) -> Result<Committed<product::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageCatalogue).await?;
    let before = find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("id", "product"))?;
    let mut edited = ProductInput::from_model(&before);
    change(&mut edited);
    let input = &edited;
    let valid = parse(input)?;
    let changed = product::ActiveModel {
        id: Set(id),
        ..columns(valid, input, w.now())
    };
    let after = match w
        .update_versioned::<product::Entity>(changed, expected_version)
        .await
    {
        Err(e) if e.is_unique_violation() => return Err(sku_taken()),
        other => other?,
    };
    w.commit_audited(SUBJECT_TYPE, id, "product.updated", Some(&before), after)
        .await
}

crate::find_by_id! {
    pub fn find -> product
}

/// Which products to list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Text in the SKU or name, case-insensitively.
    pub search: Option<String>,
    pub active: Option<bool>,
    pub kind: Option<ProductKind>,
}

/// Products, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &ProductFilter,
    page: PageRequest,
) -> Result<Page<product::Model>, DomainError> {
    Permission::ReadCatalogue.require(ctx)?;
    let mut query = product::Entity::find();
    if let Some(matches) = text_contains(product::Column::SearchText, filter.search.as_deref()) {
        query = query.filter(matches);
    }
    if let Some(active) = filter.active {
        query = query.filter(product::Column::Active.eq(active));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(product::Column::Kind.eq(kind));
    }
    Ok(fetch_page(db, query, product::Column::Id, page, |p| p.id).await?)
}
