//! Stock levels and adjustments. An adjustment is one conditional update
//! (`on_hand + q` only where the result still covers what is reserved),
//! never read-then-write, plus its ledger row, in one transaction.

use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Fields, Permission, Write};
use entity::{
    LocationKind, MovementKind, ProductKind, stock_level, stock_location, stock_movement,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "stock_level";
/// Largest single adjustment.
const MAX_ADJUSTMENT: i32 = 1_000_000;

/// A level with its location, as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Level {
    pub level: stock_level::Model,
    pub location: stock_location::Model,
}

impl Level {
    /// What can be reserved: nothing in quarantine.
    pub fn available(&self) -> i32 {
        match self.location.kind {
            LocationKind::Quarantine => 0,
            LocationKind::Warehouse => self.level.on_hand - self.level.reserved,
        }
    }
}

/// A change of stock on hand as staff enter it.
#[derive(Debug, Clone)]
pub struct Adjustment {
    pub product_id: Uuid,
    pub location_id: Uuid,
    /// Signed: positive adds, negative takes away; never zero.
    pub quantity: i32,
    pub reason: String,
    pub kind: Option<MovementKind>,
    /// Required for batch-tracked products, refused for others.
    pub batch_code: Option<String>,
    pub expires_on: Option<chrono::NaiveDate>,
}

/// Adjust stock (FULFILMENT or ADMIN). Taking away more than is on hand and
/// unreserved is INSUFFICIENT_STOCK and changes nothing.
pub async fn adjust(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &Adjustment,
) -> Result<Committed<Level>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageCatalogue).await?;
    let mut fields = Fields::new();
    let reason = fields.text("reason", &input.reason, 500);
    fields.ensure(
        input.quantity != 0 && input.quantity.abs() <= MAX_ADJUSTMENT,
        "quantity",
        ErrorCode::OutOfRange,
        format!("quantity must be non-zero and at most {MAX_ADJUSTMENT} either way"),
    );
    let product = super::products::find(w.conn(), input.product_id).await?;
    let location = super::locations::find(w.conn(), input.location_id).await?;
    if product.is_none() {
        fields.refuse("productId", ErrorCode::NotFound, "product not found");
    }
    if location.is_none() {
        fields.refuse(
            "locationId",
            ErrorCode::NotFound,
            "stock location not found",
        );
    }
    let batch = input
        .batch_code
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty());
    if let Some(p) = &product {
        fields.ensure(
            p.kind == ProductKind::Goods,
            "productId",
            ErrorCode::InvalidState,
            "a service has no stock",
        );
        fields.ensure(
            !p.batch_tracked || batch.is_some(),
            "batchCode",
            ErrorCode::Required,
            "a batch-tracked product needs a batchCode",
        );
        fields.ensure(
            p.batch_tracked || batch.is_none(),
            "batchCode",
            ErrorCode::InvalidState,
            "this product is not batch-tracked",
        );
    }
    // Shipments, quarantine releases and returns to suppliers are recorded
    // by their own steps, which keep their documents in step with stock.
    fields.ensure(
        !matches!(
            input.kind,
            Some(MovementKind::Shipment | MovementKind::Release | MovementKind::SupplierReturn)
        ),
        "kind",
        ErrorCode::InvalidState,
        "this movement is recorded by its own step, not by hand",
    );
    let (reason, location) = fields.finish(|| Some((reason?, location?)))?;
    let batch_code = batch.map(str::to_uppercase).unwrap_or_default();
    let change = Change {
        product_id: input.product_id,
        location_id: input.location_id,
        batch_code: &batch_code,
        expires_on: input.expires_on,
        quantity: input.quantity,
        kind: input.kind.unwrap_or(MovementKind::Adjustment),
        reason: &reason,
    };
    let after = change_in(&mut w, &change).await?;
    w.commit(Level {
        level: after,
        location,
    })
    .await
}

/// One change of stock on hand at a level (product, location, batch),
/// inside the caller's transaction.
pub(crate) struct Change<'a> {
    pub product_id: Uuid,
    pub location_id: Uuid,
    /// Upper-cased; empty when not batch-tracked.
    pub batch_code: &'a str,
    pub expires_on: Option<chrono::NaiveDate>,
    pub quantity: i32,
    pub kind: MovementKind,
    pub reason: &'a str,
}

impl<'a> Change<'a> {
    /// `quantity` units (negative: out) at an existing `level`, its product,
    /// location, batch and expiry, as a `kind` movement.
    pub(crate) fn at(
        level: &'a stock_level::Model,
        quantity: i32,
        kind: MovementKind,
        reason: &'a str,
    ) -> Self {
        Change {
            product_id: level.product_id,
            location_id: level.location_id,
            batch_code: &level.batch_code,
            expires_on: level.expires_on,
            quantity,
            kind,
            reason,
        }
    }
}

/// Apply a change: the level exists from the first change on, on hand moves
/// by one conditional update that keeps it covering what is reserved (else
/// INSUFFICIENT_STOCK on `quantity`), and the movement and audit entry are
/// written with it. The level after.
pub(crate) async fn change_in(
    w: &mut Write<'_>,
    change: &Change<'_>,
) -> Result<stock_level::Model, DomainError> {
    let now = w.now();
    let batch_code = change.batch_code.to_owned();
    // Concurrent first changes both land on the one row.
    let fresh = stock_level::ActiveModel {
        id: Set(Uuid::now_v7()),
        product_id: Set(change.product_id),
        location_id: Set(change.location_id),
        batch_code: Set(batch_code.clone()),
        expires_on: Set(change.expires_on),
        on_hand: Set(0),
        reserved: Set(0),
        updated_at: Set(now),
    };
    stock_level::Entity::insert(fresh)
        .on_conflict(
            OnConflict::columns([
                stock_level::Column::ProductId,
                stock_level::Column::LocationId,
                stock_level::Column::BatchCode,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(w.conn())
        .await?;
    // A batch code entering stock for the first time (an adjustment; a
    // receipt records its supplier first) becomes a batch on record.
    if change.quantity > 0 {
        let origin = crate::safety::batches::Origin {
            supplier_party_id: None,
            received_on: Some(crate::rules::calendar::local_date(now)),
        };
        crate::safety::batches::ensure(w.conn(), change.product_id, &batch_code, &origin, now)
            .await?;
    }
    let same = || {
        sea_orm::Condition::all()
            .add(stock_level::Column::ProductId.eq(change.product_id))
            .add(stock_level::Column::LocationId.eq(change.location_id))
            .add(stock_level::Column::BatchCode.eq(batch_code.clone()))
    };
    let before = stock_level::Entity::find()
        .filter(same())
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("the stock level just ensured is missing"))?;
    let changed = stock_level::Entity::update_many()
        .col_expr(
            stock_level::Column::OnHand,
            Expr::col(stock_level::Column::OnHand).add(change.quantity),
        )
        .col_expr(stock_level::Column::UpdatedAt, Expr::value(now))
        .filter(same())
        .filter(
            Expr::col(stock_level::Column::OnHand)
                .add(change.quantity)
                .gte(Expr::col(stock_level::Column::Reserved)),
        )
        .exec(w.conn())
        .await?;
    if changed.rows_affected != 1 {
        return Err(DomainError::rejected(
            &["quantity"],
            ErrorCode::InsufficientStock,
            format!(
                "only {} on hand is unreserved here",
                before.on_hand - before.reserved
            ),
        ));
    }
    let after = stock_level::Entity::find_by_id(before.id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("the stock level vanished"))?;
    stock_movement::ActiveModel {
        id: Set(Uuid::now_v7()),
        stock_level_id: Set(after.id),
        product_id: Set(after.product_id),
        location_id: Set(after.location_id),
        batch_code: Set(after.batch_code.clone()),
        quantity: Set(change.quantity),
        kind: Set(change.kind),
        reason: Set(change.reason.to_owned()),
        actor_id: Set(w.ctx().actor.id.clone()),
        on_hand_after: Set(after.on_hand),
        occurred_at: Set(now),
    }
    .insert(w.conn())
    .await?;
    w.audit(
        SUBJECT_TYPE,
        after.id,
        "stock.adjusted",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// One level with its location, by the level's id.
pub async fn level<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Level>, DbErr> {
    let Some(level) = stock_level::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let location = stock_location::Entity::find_by_id(level.location_id)
        .one(conn)
        .await?;
    Ok(location.map(|location| Level { level, location }))
}

/// Every level of the given products with its location, per product, in
/// location then batch order (one query for any number of products).
pub async fn levels_of<C: ConnectionTrait>(
    conn: &C,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Level>>, DbErr> {
    let levels = stock_level::Entity::find()
        .filter(stock_level::Column::ProductId.is_in(product_ids.iter().copied()))
        .order_by_asc(stock_level::Column::LocationId)
        .order_by_asc(stock_level::Column::BatchCode)
        .all(conn)
        .await?;
    let location_ids: Vec<Uuid> = levels.iter().map(|l| l.location_id).collect();
    let locations: HashMap<Uuid, stock_location::Model> = stock_location::Entity::find()
        .filter(stock_location::Column::Id.is_in(location_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut by_product: HashMap<Uuid, Vec<Level>> = HashMap::new();
    for level in levels {
        if let Some(location) = locations.get(&level.location_id) {
            by_product.entry(level.product_id).or_default().push(Level {
                location: location.clone(),
                level,
            });
        }
    }
    Ok(by_product)
}

/// The ledger of one product, newest first (at most `limit` rows).
pub async fn movements<C: ConnectionTrait>(
    conn: &C,
    product_id: Uuid,
    limit: u64,
) -> Result<Vec<stock_movement::Model>, DbErr> {
    use sea_orm::QuerySelect;
    stock_movement::Entity::find()
        .filter(stock_movement::Column::ProductId.eq(product_id))
        .order_by_desc(stock_movement::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}
