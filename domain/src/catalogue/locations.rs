//! Stock locations: warehouses (stock that can be sold) and quarantine
//! areas (held stock, never available), each in a region.

use super::code;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Write,
    fetch_page,
};
use entity::{LocationKind, Region, stock_location};
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "stock_location";

/// A new location as staff describe it.
#[derive(Debug, Clone)]
pub struct LocationInput {
    pub code: String,
    pub name: String,
    pub region: Region,
    pub kind: LocationKind,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub suburb: Option<String>,
    pub state: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166 alpha-2; AU when omitted.
    pub country: Option<String>,
}

fn optional(fields: &mut Fields, field: &str, raw: &Option<String>) -> Option<String> {
    raw.as_deref()
        .filter(|t| !t.trim().is_empty())
        .and_then(|t| fields.text(field, t, 200))
}

/// Add a location (FULFILMENT or ADMIN).
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &LocationInput,
) -> Result<Committed<stock_location::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageCatalogue).await?;
    let mut fields = Fields::new();
    let code = code(&mut fields, "code", &input.code, 20);
    let name = fields.text("name", &input.name, 200);
    let country = input
        .country
        .as_deref()
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_else(|| "AU".into());
    fields.ensure(
        country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()),
        "country",
        ErrorCode::OutOfRange,
        "country is a two-letter ISO code, e.g. AU",
    );
    let line1 = optional(&mut fields, "line1", &input.line1);
    let line2 = optional(&mut fields, "line2", &input.line2);
    let suburb = optional(&mut fields, "suburb", &input.suburb);
    let state = optional(&mut fields, "state", &input.state);
    let postcode = optional(&mut fields, "postcode", &input.postcode);
    let (code, name) = fields.finish(|| Some((code?, name?)))?;
    let now = w.now();
    let inserted = w
        .insert(stock_location::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(code),
            name: Set(name),
            region: Set(input.region),
            kind: Set(input.kind),
            line1: Set(line1),
            line2: Set(line2),
            suburb: Set(suburb),
            state: Set(state),
            postcode: Set(postcode),
            country: Set(country),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await;
    let location = match inserted {
        Err(e) if e.is_unique_violation() => {
            return Err(DomainError::rejected(
                &["code"],
                ErrorCode::AlreadyExists,
                "a location with this code exists",
            ));
        }
        other => other?,
    };
    w.commit_audited(
        SUBJECT_TYPE,
        location.id,
        "stock_location.created",
        None,
        location,
    )
    .await
}

crate::find_by_id! {
    pub fn find -> stock_location
}

/// Every location, oldest first (staff).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<stock_location::Model>, DomainError> {
    Permission::ReadStock.require(ctx)?;
    let query = stock_location::Entity::find();
    Ok(fetch_page(db, query, stock_location::Column::Id, page, |l| l.id).await?)
}
