//! Purchasing (the product-fulfilment process, step 1): suppliers and what
//! they supply, purchase orders (by hand or sourcing a backordered order)
//! sent through the PURCHASE_ORDER approval and emailed to the supplier,
//! goods receipts with a QC inspection (passed goods land in a warehouse,
//! failed ones in quarantine, never reservable), the hand-over of passed
//! goods to the orders waiting on them, quarantined goods released after a
//! re-inspection or returned to the supplier (`quarantine`), and closing
//! (or short-closing) a received purchase order.

pub mod quarantine;
pub mod state;

use crate::approvals::{self, NewApproval};
use crate::catalogue::stock::{Change, change_in};
use crate::kernel::db::children_of;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, Page, PageRequest, Permission, Write,
    fetch_page_sorted,
};
use crate::platform::numbering;
use crate::platform::outbox::topic;
use crate::rules::abn::Abn;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::email::Email;
use crate::rules::gst;
use crate::rules::money::Money;
use crate::rules::tax_code::TaxCode;
use chrono::NaiveDate;
use entity::{
    ApprovalKind, ApprovalStatus, LocationKind, MovementKind, OrderStatus, PartyKind, ProductKind,
    PurchaseOrderStatus, ReplenishmentStatus, approval_request, goods_receipt, goods_receipt_line,
    order_line, party, product, purchase_order, purchase_order_line, replenishment_task,
    sales_order, serial_number, stock_location, supplier_product,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use serde::{Deserialize, Serialize};
use state::Event;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

crate::children! {
    supplier_product: SupplierId / supplier_id by Id;
    purchase_order_line: PurchaseOrderId / purchase_order_id by LineNo;
    goods_receipt_line: ReceiptId / receipt_id by Id;
}

pub const SUBJECT_TYPE: &str = "purchase_order";
pub const SUPPLIER_SUBJECT_TYPE: &str = "supplier";
pub const RECEIPT_SUBJECT_TYPE: &str = "goods_receipt";

crate::stamped!(purchase_order);

/// Most lines a purchase order has.
const MAX_LINES: usize = 100;
/// Most units of one line.
const MAX_QUANTITY: i32 = 100_000;

/// A supplier as staff enter it.
#[derive(Debug, Clone)]
pub struct SupplierInput {
    pub name: String,
    pub email: Option<String>,
    pub abn: Option<String>,
    pub drop_ships: bool,
}

/// Create a supplier (a party of kind SUPPLIER).
pub async fn create_supplier(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &SupplierInput,
) -> Result<Committed<party::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let mut fields = Fields::new();
    let name = fields.text("name", &input.name, 200);
    let email = fields.optional("email", input.email.as_deref(), Email::parse);
    let abn = fields.optional("abn", input.abn.as_deref(), Abn::parse);
    let name = fields.finish(|| name)?;
    let now = w.now();
    let email = email.map(|e| e.as_str().to_owned());
    let supplier = w
        .insert(party::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(PartyKind::Supplier),
            search_text: Set(
                format!("{name} {}", email.as_deref().unwrap_or_default()).to_lowercase()
            ),
            name: Set(name),
            email: Set(email),
            phone: Set(None),
            abn: Set(abn.map(|a| a.as_str().to_owned())),
            drop_ships: Set(input.drop_ships),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    w.commit_audited(
        SUPPLIER_SUBJECT_TYPE,
        supplier.id,
        "supplier.created",
        None,
        supplier,
    )
    .await
}

/// A supplier by id (`None` for other kinds of party).
pub async fn supplier<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<party::Model>, DbErr> {
    Ok(party::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|p| p.kind == PartyKind::Supplier))
}

/// Suppliers, oldest first (purchasing roles).
pub async fn suppliers(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<party::Model>, DomainError> {
    Permission::Purchase.require(ctx)?;
    let query = party::Entity::find().filter(party::Column::Kind.eq(PartyKind::Supplier));
    Ok(fetch_page_sorted(db, query, party::Column::Id, page, false, |p| p.id).await?)
}

/// What each of the given suppliers supplies (one query for any number).
pub async fn products_of<C: ConnectionTrait>(
    conn: &C,
    supplier_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<supplier_product::Model>>, DbErr> {
    children_of::<supplier_product::Entity, _>(conn, supplier_ids).await
}

/// What a supplier supplies, as staff enter it.
#[derive(Debug, Clone)]
pub struct SupplierProductInput {
    pub supplier_id: Uuid,
    pub product_id: Uuid,
    pub supplier_sku: String,
    /// Dollars, ex-GST.
    pub unit_cost: String,
    pub lead_time_days: i32,
}

/// Record (or change) that a supplier supplies a product.
pub async fn set_supplier_product(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &SupplierProductInput,
) -> Result<Committed<supplier_product::Model>, DomainError> {
    let w = Write::begin(db, ctx, Permission::Purchase).await?;
    let mut fields = Fields::new();
    let sku = fields.text("supplierSku", &input.supplier_sku, 100);
    let cost = fields.optional("unitCost", Some(input.unit_cost.as_str()), Money::parse);
    fields.ensure(
        cost.is_none_or(|c| c.cents() > 0),
        "unitCost",
        ErrorCode::OutOfRange,
        "a unit cost is more than $0",
    );
    fields.ensure(
        (0..=365).contains(&input.lead_time_days),
        "leadTimeDays",
        ErrorCode::OutOfRange,
        "a lead time is 0 to 365 days",
    );
    if supplier(w.conn(), input.supplier_id).await?.is_none() {
        fields.refuse("supplierId", ErrorCode::NotFound, "supplier not found");
    }
    match crate::catalogue::products::find(w.conn(), input.product_id).await? {
        None => fields.refuse("productId", ErrorCode::NotFound, "product not found"),
        Some(p) => fields.ensure(
            p.kind == ProductKind::Goods,
            "productId",
            ErrorCode::InvalidState,
            "a service is not purchased",
        ),
    }
    let (sku, cost) = fields.finish(|| Some((sku?, cost?)))?;
    let row = supplier_product::ActiveModel {
        id: Set(Uuid::now_v7()),
        supplier_id: Set(input.supplier_id),
        product_id: Set(input.product_id),
        supplier_sku: Set(sku),
        unit_cost_cents: Set(cost.cents()),
        lead_time_days: Set(input.lead_time_days),
        updated_at: Set(w.now()),
    };
    supplier_product::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                supplier_product::Column::SupplierId,
                supplier_product::Column::ProductId,
            ])
            .update_columns([
                supplier_product::Column::SupplierSku,
                supplier_product::Column::UnitCostCents,
                supplier_product::Column::LeadTimeDays,
                supplier_product::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(w.conn())
        .await?;
    let stored = supplier_product::Entity::find()
        .filter(supplier_product::Column::SupplierId.eq(input.supplier_id))
        .filter(supplier_product::Column::ProductId.eq(input.product_id))
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("the supplier product just stored is missing"))?;
    w.commit_audited(
        SUPPLIER_SUBJECT_TYPE,
        input.supplier_id,
        "supplier.product_set",
        None,
        stored,
    )
    .await
}

/// A purchase order with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub order: purchase_order::Model,
    pub lines: Vec<purchase_order_line::Model>,
}

impl PurchaseOrder {
    /// Its total: each line's cost plus its GST, in cents, by the GST rule
    /// (`rules::gst::split` of each exclusive line; taxable lines only).
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| {
                let ex = Money::from_cents(l.unit_cost_cents * i64::from(l.quantity));
                let taxable = TaxCode::parse(&l.tax_code) == Ok(TaxCode::Taxable);
                match taxable.then(|| gst::split(ex, gst::PriceBasis::Exclusive)) {
                    Some(Ok(split)) => split.inclusive.cents(),
                    _ => ex.cents(),
                }
            })
            .sum()
    }
}

/// A purchase order by id, whoever asks (background work).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<PurchaseOrder>, DbErr> {
    let Some(order) = purchase_order::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let lines = purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::PurchaseOrderId.eq(id))
        .order_by_asc(purchase_order_line::Column::LineNo)
        .all(conn)
        .await?;
    Ok(Some(PurchaseOrder { order, lines }))
}

/// A purchase order for staff (purchasing roles).
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<PurchaseOrder>, DbErr> {
    if !Permission::Purchase.allows(ctx.actor.role) {
        return Ok(None);
    }
    find(conn, id).await
}

/// Purchase orders, newest first (purchasing roles).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    status: Option<PurchaseOrderStatus>,
    page: PageRequest,
) -> Result<Page<PurchaseOrder>, DomainError> {
    Permission::Purchase.require(ctx)?;
    let mut query = purchase_order::Entity::find();
    if let Some(status) = status {
        query = query.filter(purchase_order::Column::Status.eq(status));
    }
    let page =
        fetch_page_sorted(db, query, purchase_order::Column::Id, page, true, |o| o.id).await?;
    let mut lines = children_of::<purchase_order_line::Entity, _>(db, &page.ids()).await?;
    Ok(page.map(|id, order| PurchaseOrder {
        order,
        lines: lines.remove(&id).unwrap_or_default(),
    }))
}

/// One line as staff enter it.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub product_id: Uuid,
    pub quantity: i32,
    /// Dollars ex-GST; the supplier's recorded cost when omitted.
    pub unit_cost: Option<String>,
}

/// A purchase order as staff enter it.
#[derive(Debug, Clone)]
pub struct NewPurchaseOrder {
    pub supplier_id: Uuid,
    pub lines: Vec<LineInput>,
    pub expected_on: Option<NaiveDate>,
}

/// Create a DRAFT purchase order by hand.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &NewPurchaseOrder,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let po = create_in(&mut w, input, None).await?;
    w.commit(po).await
}

async fn create_in(
    w: &mut Write<'_>,
    input: &NewPurchaseOrder,
    source_order: Option<Uuid>,
) -> Result<PurchaseOrder, DomainError> {
    let mut fields = Fields::new();
    let supplier = supplier(w.conn(), input.supplier_id).await?;
    if supplier.is_none() {
        fields.refuse("supplierId", ErrorCode::NotFound, "supplier not found");
    }
    fields.ensure(
        !input.lines.is_empty() && input.lines.len() <= MAX_LINES,
        "lines",
        ErrorCode::OutOfRange,
        format!("a purchase order has 1 to {MAX_LINES} lines"),
    );
    let ids: Vec<Uuid> = input.lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<Uuid, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.iter().copied()))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let supplied: HashMap<Uuid, supplier_product::Model> = supplier_product::Entity::find()
        .filter(supplier_product::Column::SupplierId.eq(input.supplier_id))
        .filter(supplier_product::Column::ProductId.is_in(ids.iter().copied()))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|s| (s.product_id, s))
        .collect();
    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in input.lines.iter().enumerate() {
        let index = i.to_string();
        let at = |field: &'static str| ["lines", index.as_str(), field];
        let Some(p) = products.get(&line.product_id) else {
            fields.refuse_at(&at("productId"), ErrorCode::NotFound, "product not found");
            continue;
        };
        if !p.active {
            fields.refuse_at(
                &at("productId"),
                ErrorCode::InvalidState,
                format!("{} is inactive", p.sku),
            );
            continue;
        }
        if p.kind != ProductKind::Goods {
            fields.refuse_at(
                &at("productId"),
                ErrorCode::InvalidState,
                format!("{} is a service", p.sku),
            );
            continue;
        }
        if !seen.insert(p.id) {
            fields.refuse_at(
                &at("productId"),
                ErrorCode::AlreadyExists,
                format!("{} is given twice", p.sku),
            );
            continue;
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            fields.refuse_at(
                &at("quantity"),
                ErrorCode::InvalidQuantity,
                format!("a quantity is 1 to {MAX_QUANTITY}"),
            );
            continue;
        }
        let sku = supplied.get(&p.id).map(|s| s.supplier_sku.clone());
        let cost = match &line.unit_cost {
            Some(raw) => match Money::parse(raw) {
                Ok(m) if m.cents() > 0 => Some(m.cents()),
                Ok(_) => {
                    fields.refuse_at(
                        &at("unitCost"),
                        ErrorCode::OutOfRange,
                        "a unit cost is more than $0",
                    );
                    None
                }
                Err(e) => {
                    fields.refuse_at(&at("unitCost"), e.code, e.message);
                    None
                }
            },
            None => match supplied.get(&p.id) {
                Some(s) => Some(s.unit_cost_cents),
                None => {
                    fields.refuse_at(
                        &at("unitCost"),
                        ErrorCode::Required,
                        format!("the supplier has no cost for {}: give one", p.sku),
                    );
                    None
                }
            },
        };
        if let Some(cost) = cost {
            lines.push((
                p.clone(),
                line.quantity,
                cost,
                sku.unwrap_or_else(|| p.sku.clone()),
            ));
        }
    }
    fields.finish(|| Some(()))?;
    let now = w.now();
    let id = Uuid::now_v7();
    let number = numbering::next(w.conn(), numbering::PURCHASE_ORDER).await?;
    let order = w
        .insert(purchase_order::ActiveModel {
            id: Set(id),
            number: Set(number),
            supplier_id: Set(input.supplier_id),
            status: Set(PurchaseOrderStatus::Draft),
            expected_on: Set(input.expected_on),
            approval_id: Set(None),
            source_order_id: Set(source_order),
            source_task_id: Set(None),
            status_reason: Set(None),
            sent_at: Set(None),
            drop_ship: Set(false),
            ship_to: Set(None),
            created_by: Set(w.ctx().actor.id.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let mut stored = Vec::new();
    for (no, (p, quantity, cost, sku)) in lines.into_iter().enumerate() {
        stored.push(
            purchase_order_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                purchase_order_id: Set(id),
                line_no: Set(no as i32 + 1),
                product_id: Set(p.id),
                supplier_sku: Set(sku),
                quantity: Set(quantity),
                received_quantity: Set(0),
                unit_cost_cents: Set(cost),
                tax_code: Set(p.tax_code.clone()),
            }
            .insert(w.conn())
            .await?,
        );
    }
    let po = PurchaseOrder {
        order,
        lines: stored,
    };
    w.audit(SUBJECT_TYPE, id, "purchase_order.created", None, Some(&po))
        .await?;
    Ok(po)
}

/// Units per product bought for our shelves and still to come: what is
/// left to receive on purchase orders not yet received, closed or
/// cancelled (drop-ships go to customers, not to stock).
pub async fn units_on_order<C: ConnectionTrait>(conn: &C) -> Result<HashMap<Uuid, i32>, DbErr> {
    let open = purchase_order::Entity::find()
        .select_only()
        .column(purchase_order::Column::Id)
        .filter(purchase_order::Column::DropShip.eq(false))
        .filter(purchase_order::Column::Status.is_in([
            PurchaseOrderStatus::Draft,
            PurchaseOrderStatus::Sent,
            PurchaseOrderStatus::PartiallyReceived,
        ]))
        .into_query();
    let mut out: HashMap<Uuid, i32> = HashMap::new();
    for line in purchase_order_line::Entity::find()
        .filter(purchase_order_line::Column::PurchaseOrderId.in_subquery(open))
        .all(conn)
        .await?
    {
        *out.entry(line.product_id).or_default() +=
            Ord::max(line.quantity - line.received_quantity, 0);
    }
    Ok(out)
}

/// Refuse to source `order` again while a purchase order (not a drop-ship)
/// made from it is still open: its waiting goods are already on order, and
/// a second one would buy them twice. Cancel or close that one first.
async fn refuse_if_on_order<C: ConnectionTrait>(
    conn: &C,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    let open = purchase_order::Entity::find()
        .filter(purchase_order::Column::SourceOrderId.eq(order.id))
        .filter(purchase_order::Column::DropShip.eq(false))
        .filter(purchase_order::Column::Status.is_in([
            PurchaseOrderStatus::Draft,
            PurchaseOrderStatus::Sent,
            PurchaseOrderStatus::PartiallyReceived,
        ]))
        .one(conn)
        .await?;
    match open {
        None => Ok(()),
        Some(po) => Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::InvalidState,
            format!(
                "{}'s waiting goods are already on {} ({}): cancel or close it first",
                order.number,
                po.number,
                po.status.to_value()
            ),
        )),
    }
}

/// Source a BACKORDERED order: a DRAFT purchase order to `supplier_id` for
/// every goods unit it waits for.
pub async fn source_backorder(
    db: &DatabaseConnection,
    ctx: &Ctx,
    order_id: Uuid,
    supplier_id: Uuid,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    // Locked, so that a repeated request waits and then finds this one's order.
    crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), order_id).await?;
    let order = crate::orders::find(w.conn(), order_id)
        .await?
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    refuse_if_on_order(w.conn(), &order.order).await?;
    if order.order.status != OrderStatus::Backordered {
        return Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::IllegalTransition,
            format!(
                "{} is {:?}, not BACKORDERED",
                order.order.number, order.order.status
            ),
        ));
    }
    let lines: Vec<LineInput> = order
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::Goods && l.quantity > l.reserved_quantity)
        .map(|l| LineInput {
            product_id: l.product_id,
            quantity: l.quantity - l.reserved_quantity,
            unit_cost: None,
        })
        .collect();
    let input = NewPurchaseOrder {
        supplier_id,
        lines,
        expected_on: None,
    };
    let po = create_in(&mut w, &input, Some(order_id)).await?;
    w.commit(po).await
}

/// Source a BACKORDERED order's waiting goods as a drop-ship: a DRAFT
/// purchase order to a supplier that drop-ships, carrying the customer's
/// ship-to address. The lines it covers count as held by the supplier for
/// the order (they need no stock of ours), so the order's next reservation
/// can complete; its supplier's tracking number later ships them
/// (`fulfilment::drop_ship::record_dispatch`).
pub async fn source_drop_ship(
    db: &DatabaseConnection,
    ctx: &Ctx,
    order_id: Uuid,
    supplier_id: Uuid,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let order = crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), order_id)
        .await?
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    if order.status != OrderStatus::Backordered {
        return Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::IllegalTransition,
            format!("{} is {:?}, not BACKORDERED", order.number, order.status),
        ));
    }
    refuse_if_on_order(w.conn(), &order).await?;
    let drop_ships = supplier(w.conn(), supplier_id)
        .await?
        .ok_or_else(|| DomainError::not_found("supplierId", "supplier"))?
        .drop_ships;
    if !drop_ships {
        return Err(DomainError::rejected(
            &["supplierId"],
            ErrorCode::InvalidState,
            "this supplier does not drop-ship",
        ));
    }
    let waiting: Vec<order_line::Model> = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .filter(order_line::Column::Kind.eq(ProductKind::Goods))
        .filter(order_line::Column::DropShipPoId.is_null())
        .order_by_asc(order_line::Column::LineNo)
        .all(w.conn())
        .await?
        .into_iter()
        .filter(|l| l.quantity > l.reserved_quantity)
        .collect();
    // A line partly reserved from our shelves ships from them; the supplier
    // ships whole lines only.
    let lines: Vec<LineInput> = waiting
        .iter()
        .filter(|l| l.reserved_quantity == 0)
        .map(|l| LineInput {
            product_id: l.product_id,
            quantity: l.quantity,
            unit_cost: None,
        })
        .collect();
    let input = NewPurchaseOrder {
        supplier_id,
        lines,
        expected_on: None,
    };
    let mut po = create_in(&mut w, &input, Some(order_id)).await?;
    let ship_to = ship_to(&order);
    po.order = w
        .change::<purchase_order::Entity>(po.order.id, po.order.version, |o| {
            o.drop_ship = Set(true);
            o.ship_to = Set(Some(ship_to));
        })
        .await?;
    for line in waiting.iter().filter(|l| l.reserved_quantity == 0) {
        order_line::Entity::update_many()
            .col_expr(order_line::Column::DropShipPoId, Expr::value(po.order.id))
            .col_expr(
                order_line::Column::ReservedQuantity,
                Expr::value(line.quantity),
            )
            .filter(order_line::Column::Id.eq(line.id))
            .exec(w.conn())
            .await?;
    }
    w.audit(
        crate::orders::SUBJECT_TYPE,
        order_id,
        "order.drop_ship_sourced",
        None,
        Some(&po),
    )
    .await?;
    w.touch(order_id);
    w.commit(po).await
}

/// The address a drop-ship supplier ships to, as it is printed.
fn ship_to(order: &sales_order::Model) -> String {
    let mut lines = vec![order.contact_name.clone(), order.ship_line1.clone()];
    lines.extend(order.ship_line2.clone().filter(|l| !l.trim().is_empty()));
    lines.push(format!(
        "{} {} {}",
        order.ship_suburb, order.ship_state, order.ship_postcode
    ));
    lines.push(order.ship_country.clone());
    lines.extend(order.contact_phone.clone());
    lines.join("\n")
}

/// Answer an OPEN replenishment task: a DRAFT purchase order to
/// `supplier_id` for its suggested quantity; the task is DONE.
pub async fn source_replenishment(
    db: &DatabaseConnection,
    ctx: &Ctx,
    task_id: Uuid,
    supplier_id: Uuid,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let task = replenishment_task::Entity::find_by_id(task_id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::not_found("taskId", "replenishment task"))?;
    let done = replenishment_task::Entity::update_many()
        .col_expr(
            replenishment_task::Column::Status,
            Expr::value(ReplenishmentStatus::Done),
        )
        .col_expr(replenishment_task::Column::DoneAt, Expr::value(w.now()))
        .filter(replenishment_task::Column::Id.eq(task_id))
        .filter(replenishment_task::Column::Status.eq(ReplenishmentStatus::Open))
        .exec(w.conn())
        .await?;
    if done.rows_affected != 1 {
        return Err(DomainError::rejected(
            &["taskId"],
            ErrorCode::IllegalTransition,
            "the replenishment task is already done",
        ));
    }
    let input = NewPurchaseOrder {
        supplier_id,
        lines: vec![LineInput {
            product_id: task.product_id,
            quantity: task.suggested_quantity,
            unit_cost: None,
        }],
        expected_on: None,
    };
    let mut po = create_in(&mut w, &input, None).await?;
    po.order = w
        .change::<purchase_order::Entity>(po.order.id, po.order.version, |o| {
            o.source_task_id = Set(Some(task_id));
        })
        .await?;
    w.audit(
        crate::closeout::TASK_SUBJECT_TYPE,
        task_id,
        "replenishment.sourced",
        Some(&task),
        None,
    )
    .await?;
    w.commit(po).await
}

fn illegal(po: &purchase_order::Model, i: state::Illegal) -> DomainError {
    DomainError::rejected(
        &["purchaseOrderId"],
        ErrorCode::IllegalTransition,
        format!("{} is {:?}", po.number, i.from),
    )
}

async fn load_locked(w: &Write<'_>, id: Uuid) -> Result<PurchaseOrder, DomainError> {
    crate::kernel::db::find_for_update::<purchase_order::Entity, _>(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("purchaseOrderId", "purchase order"))?;
    find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::not_found("purchaseOrderId", "purchase order"))
}

/// Ask to send a DRAFT purchase order: its PURCHASE_ORDER approval is
/// raised for its total (the policy's bands decide whether a person is
/// needed); once approved it is SENT and emailed to the supplier.
pub async fn send(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let before = load_locked(&w, id).await?;
    state::apply(before.order.status, Event::Send).map_err(|i| illegal(&before.order, i))?;
    if let Some(pending) = before.order.approval_id {
        let open = approval_request::Entity::find_by_id(pending)
            .one(w.conn())
            .await?
            .is_some_and(|a| a.status == ApprovalStatus::Pending);
        if open {
            return Err(DomainError::rejected(
                &["purchaseOrderId"],
                ErrorCode::InvalidState,
                format!(
                    "{} is already waiting for its approval",
                    before.order.number
                ),
            ));
        }
    }
    let approval_id = Uuid::now_v7();
    let after = w
        .change::<purchase_order::Entity>(id, before.order.version, |o| {
            o.approval_id = Set(Some(approval_id));
            o.status_reason = Set(None);
        })
        .await?;
    w.audit(
        SUBJECT_TYPE,
        id,
        "purchase_order.send_requested",
        Some(&before.order),
        Some(&after),
    )
    .await?;
    let new = NewApproval {
        kind: ApprovalKind::PurchaseOrder,
        subject_type: SUBJECT_TYPE.into(),
        subject_id: id,
        owner_party: None,
        amount: Some(Money::from_cents(before.total_cents()).to_string()),
        reason: format!("Send {} to its supplier", before.order.number),
    };
    approvals::request_in_with_id(&mut w, calendar, &new, approval_id).await?;
    // An approval given at once has sent it already; read it as it is now.
    commit_as_now(w, id).await
}

/// The PURCHASE_ORDER approval closed (in the deciding write): approved
/// sends it (the supplier's email goes out after commit); anything else
/// leaves it DRAFT, saying why.
pub async fn on_approval_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(before) = crate::kernel::db::find_for_update::<purchase_order::Entity, _>(
        w.conn(),
        request.subject_id,
    )
    .await?
    else {
        return Ok(());
    };
    if before.approval_id != Some(request.id) || before.status != PurchaseOrderStatus::Draft {
        return Ok(());
    }
    let now = w.now();
    let approved = request.status == ApprovalStatus::Approved;
    let after = w
        .change::<purchase_order::Entity>(before.id, before.version, |o| {
            if approved {
                o.status = Set(PurchaseOrderStatus::Sent);
                o.sent_at = Set(Some(now));
            } else {
                o.status_reason = Set(Some(format!(
                    "not sent: its approval was {:?}",
                    request.status
                )));
            }
        })
        .await?;
    let action = if approved {
        "purchase_order.sent"
    } else {
        "purchase_order.send_refused"
    };
    w.audit(SUBJECT_TYPE, before.id, action, Some(&before), Some(&after))
        .await?;
    if approved {
        w.emit(
            topic::PURCHASE_ORDER_SENT,
            before.id,
            &serde_json::json!({}),
        )
        .await?;
    }
    Ok(())
}

/// Call off a purchase order before anything was received.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    reason: &str,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let reason = crate::kernel::reason(reason)?;
    let before = load_locked(&w, id).await?;
    if before.order.drop_ship {
        release_drop_ship(&mut w, &before.order).await?;
    }
    cancel_in(&mut w, &before.order, reason).await?;
    commit_as_now(w, id).await
}

/// Cancel `before` (locked) in `w`: its pending approval is withdrawn and,
/// when it was SENT, the supplier is emailed that it is called off (the
/// `purchase_order.cancelled` event).
async fn cancel_in(
    w: &mut Write<'_>,
    before: &purchase_order::Model,
    reason: String,
) -> Result<(), DomainError> {
    let status = state::apply(before.status, Event::Cancel).map_err(|i| illegal(before, i))?;
    move_to(w, before, status, Some(reason), "purchase_order.cancelled").await?;
    // Withdrawn after the move: closing the approval calls back into
    // purchasing, which leaves a purchase order that is no longer DRAFT be.
    if let Some(approval) = before.approval_id {
        approvals::withdraw_in(w, approval).await?;
    }
    if before.status == PurchaseOrderStatus::Sent {
        w.emit(
            topic::PURCHASE_ORDER_CANCELLED,
            before.id,
            &serde_json::json!({}),
        )
        .await?;
    }
    Ok(())
}

/// A customer order ends (cancelled, or its reservation lapsed) in `w`:
/// its drop-ships not yet dispatched are cancelled with it, so a supplier
/// never ships goods nobody will pay for (a SENT one is told). One already
/// dispatched stays: the order could not have ended then.
pub(crate) async fn cancel_drop_ships_of(
    w: &mut Write<'_>,
    order: &sales_order::Model,
) -> Result<(), DomainError> {
    let open = purchase_order::Entity::find()
        .filter(purchase_order::Column::SourceOrderId.eq(order.id))
        .filter(purchase_order::Column::DropShip.eq(true))
        .filter(
            purchase_order::Column::Status
                .is_in([PurchaseOrderStatus::Draft, PurchaseOrderStatus::Sent]),
        )
        .order_by_asc(purchase_order::Column::Id)
        .all(w.conn())
        .await?;
    for po in open {
        let Some(before) =
            crate::kernel::db::find_for_update::<purchase_order::Entity, _>(w.conn(), po.id)
                .await?
        else {
            continue;
        };
        unlink_lines(w, &before).await?;
        let reason = format!("the customer order {} was cancelled", order.number);
        cancel_in(w, &before, reason).await?;
    }
    Ok(())
}

/// Move `before` to `status`, saying why, audited as `action`, and commit
/// with the purchase order as it is now.
async fn settle(
    mut w: Write<'_>,
    before: &purchase_order::Model,
    status: PurchaseOrderStatus,
    reason: Option<String>,
    action: &str,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    move_to(&mut w, before, status, reason, action).await?;
    commit_as_now(w, before.id).await
}

/// Move `before` to `status` in `w`, saying why, audited as `action`.
async fn move_to(
    w: &mut Write<'_>,
    before: &purchase_order::Model,
    status: PurchaseOrderStatus,
    reason: Option<String>,
    action: &str,
) -> Result<(), DomainError> {
    let after = w
        .change::<purchase_order::Entity>(before.id, before.version, |o| {
            o.status = Set(status);
            o.status_reason = Set(reason);
        })
        .await?;
    w.audit(SUBJECT_TYPE, before.id, action, Some(before), Some(&after))
        .await
}

/// Commit with purchase order `id` as the write left it.
async fn commit_as_now(w: Write<'_>, id: Uuid) -> Result<Committed<PurchaseOrder>, DomainError> {
    let po = find(w.conn(), id)
        .await?
        .ok_or_else(|| DomainError::internal("the purchase order vanished"))?;
    w.commit(po).await
}

/// A cancelled drop-ship no longer holds its order's lines: they wait for
/// stock again. Refused once the order went on counting on it (reserved,
/// invoiced, paid): cancel or re-source the order first.
async fn release_drop_ship(
    w: &mut Write<'_>,
    po: &purchase_order::Model,
) -> Result<(), DomainError> {
    let Some(order_id) = po.source_order_id else {
        return Ok(());
    };
    let order = crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), order_id)
        .await?
        .ok_or_else(|| DomainError::internal("a drop-ship's order is missing"))?;
    let waiting = matches!(
        order.status,
        OrderStatus::Backordered | OrderStatus::ReservationRejected | OrderStatus::Cancelled
    );
    if !waiting {
        return Err(DomainError::rejected(
            &["purchaseOrderId"],
            ErrorCode::InvalidState,
            format!(
                "{} counts on this drop-ship ({:?}): cancel the order first",
                order.number, order.status
            ),
        ));
    }
    unlink_lines(w, po).await
}

/// The order lines drop-ship `po` held wait for stock again.
async fn unlink_lines(w: &mut Write<'_>, po: &purchase_order::Model) -> Result<(), DomainError> {
    order_line::Entity::update_many()
        .col_expr(order_line::Column::DropShipPoId, Expr::value(None::<Uuid>))
        .col_expr(order_line::Column::ReservedQuantity, Expr::value(0))
        .filter(order_line::Column::DropShipPoId.eq(po.id))
        .exec(w.conn())
        .await?;
    if let Some(order_id) = po.source_order_id {
        w.touch(order_id);
    }
    Ok(())
}

/// Finish with a purchase order that received goods: a RECEIVED one
/// becomes CLOSED; a PARTIALLY_RECEIVED one is short-closed (the rest will
/// not come), which needs a reason. Anything else is ILLEGAL_TRANSITION;
/// nothing is received against a CLOSED order.
pub async fn close(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    reason: Option<&str>,
) -> Result<Committed<PurchaseOrder>, DomainError> {
    let w = Write::begin(db, ctx, Permission::Purchase).await?;
    let before = load_locked(&w, id).await?;
    let status =
        state::apply(before.order.status, Event::Close).map_err(|i| illegal(&before.order, i))?;
    let mut fields = Fields::new();
    let reason = match reason.filter(|r| !r.trim().is_empty()) {
        Some(r) => fields.text("reason", r, 500),
        None => {
            fields.ensure(
                before.order.status != PurchaseOrderStatus::PartiallyReceived,
                "reason",
                ErrorCode::Required,
                format!(
                    "{} is partly received: say why the rest will not come",
                    before.order.number
                ),
            );
            None
        }
    };
    fields.finish(|| Some(()))?;
    settle(w, &before.order, status, reason, "purchase_order.closed").await
}

/// Units of one line as received.
#[derive(Debug, Clone)]
pub struct ReceiptLineInput {
    pub purchase_order_line_id: Uuid,
    pub quantity: i32,
    pub batch_code: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub serials: Vec<String>,
}

/// One check of a QC inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub item: String,
    pub passed: bool,
}

/// A receipt as the receiver enters it.
#[derive(Debug, Clone)]
pub struct ReceiveInput {
    pub purchase_order_id: Uuid,
    pub received_on: NaiveDate,
    /// A WAREHOUSE when every check passed, else a QUARANTINE location.
    pub location_id: Uuid,
    pub lines: Vec<ReceiptLineInput>,
    pub checklist: Vec<Check>,
    pub qc_notes: Option<String>,
}

/// A receipt with its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub receipt: goods_receipt::Model,
    pub lines: Vec<goods_receipt_line::Model>,
}

/// Receive goods against a SENT (or partly received) purchase order, in one
/// transaction with the stock ledger: over-receipt is refused, a short one
/// leaves the line open; batch-tracked units need their batch, serial-tracked
/// ones one serial each, unique per product. QC passed (every check): the
/// goods land at the given WAREHOUSE and the orders waiting on them are
/// served after commit; failed: at the given QUARANTINE, never reservable.
pub async fn receive(
    db: &DatabaseConnection,
    ctx: &Ctx,
    input: &ReceiveInput,
) -> Result<Committed<Receipt>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::Purchase).await?;
    let po = load_locked(&w, input.purchase_order_id).await?;
    // Nothing is received against a draft, cancelled, received or closed order.
    state::apply(po.order.status, Event::Receive { all: false })
        .map_err(|i| illegal(&po.order, i))?;
    if po.order.drop_ship {
        // Its goods go from the supplier to the customer, never to our shelves.
        return Err(DomainError::rejected(
            &["purchaseOrderId"],
            ErrorCode::InvalidState,
            format!(
                "{} is a drop-ship: its supplier ships to the customer, so nothing is received (record its dispatch with recordDropShipDispatch)",
                po.order.number
            ),
        ));
    }
    let mut fields = Fields::new();
    let passed = !input.checklist.is_empty() && input.checklist.iter().all(|c| c.passed);
    fields.ensure(
        !input.checklist.is_empty(),
        "checklist",
        ErrorCode::Required,
        "a receipt needs its QC checklist",
    );
    for (i, check) in input.checklist.iter().enumerate() {
        let index = i.to_string();
        fields.text_at(&["checklist", index.as_str(), "item"], &check.item, 200);
    }
    let notes = input
        .qc_notes
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| fields.text("qcNotes", n, 2000));
    match stock_location::Entity::find_by_id(input.location_id)
        .one(w.conn())
        .await?
    {
        None => fields.refuse(
            "locationId",
            ErrorCode::NotFound,
            "stock location not found",
        ),
        Some(l) => {
            let wanted = if passed {
                LocationKind::Warehouse
            } else {
                LocationKind::Quarantine
            };
            fields.ensure(
                l.kind == wanted,
                "locationId",
                ErrorCode::InvalidState,
                if passed {
                    "goods that passed QC go to a WAREHOUSE location"
                } else {
                    "goods that failed QC go to a QUARANTINE location"
                },
            );
        }
    }
    fields.ensure(
        !input.lines.is_empty(),
        "lines",
        ErrorCode::Required,
        "receive at least one line",
    );
    let products: HashMap<Uuid, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(po.lines.iter().map(|l| l.product_id)))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut serials_seen: HashSet<(Uuid, String)> = HashSet::new();
    let mut lines_seen: HashSet<Uuid> = HashSet::new();
    let mut plan = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let index = i.to_string();
        let at = |field: &'static str| ["lines", index.as_str(), field];
        let Some(po_line) = po
            .lines
            .iter()
            .find(|l| l.id == line.purchase_order_line_id)
        else {
            fields.refuse_at(
                &at("purchaseOrderLineId"),
                ErrorCode::NotFound,
                "not a line of this purchase order",
            );
            continue;
        };
        let Some(p) = products.get(&po_line.product_id) else {
            return Err(DomainError::internal(
                "a purchase order line's product is missing",
            ));
        };
        if !lines_seen.insert(po_line.id) {
            fields.refuse_at(
                &at("purchaseOrderLineId"),
                ErrorCode::AlreadyExists,
                format!("line {} is given twice", po_line.line_no),
            );
            continue;
        }
        let open = po_line.quantity - po_line.received_quantity;
        if line.quantity < 1 {
            fields.refuse_at(
                &at("quantity"),
                ErrorCode::InvalidQuantity,
                "receive at least one unit",
            );
            continue;
        }
        if line.quantity > open {
            fields.refuse_at(
                &at("quantity"),
                ErrorCode::OutOfRange,
                format!(
                    "line {} has {open} unit(s) left to receive",
                    po_line.line_no
                ),
            );
            continue;
        }
        let batch = line
            .batch_code
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_uppercase);
        if p.batch_tracked && batch.is_none() {
            fields.refuse_at(
                &at("batchCode"),
                ErrorCode::Required,
                format!("{} is batch-tracked: give its batch", p.sku),
            );
        }
        if !p.batch_tracked && batch.is_some() {
            fields.refuse_at(
                &at("batchCode"),
                ErrorCode::InvalidState,
                format!("{} is not batch-tracked", p.sku),
            );
        }
        let serials: Vec<String> = line
            .serials
            .iter()
            .map(|s| s.trim().to_uppercase())
            .collect();
        if p.serial_tracked && serials.len() != line.quantity as usize {
            fields.refuse_at(
                &at("serials"),
                ErrorCode::Required,
                format!("{} is serial-tracked: one serial per unit", p.sku),
            );
        }
        if !p.serial_tracked && !serials.is_empty() {
            fields.refuse_at(
                &at("serials"),
                ErrorCode::InvalidState,
                format!("{} is not serial-tracked", p.sku),
            );
        }
        for serial in &serials {
            let known = serial_number::Entity::find()
                .filter(serial_number::Column::ProductId.eq(p.id))
                .filter(serial_number::Column::Serial.eq(serial.clone()))
                .one(w.conn())
                .await?
                .is_some();
            if serial.is_empty() || serial.len() > 100 {
                fields.refuse_at(
                    &at("serials"),
                    ErrorCode::InvalidText,
                    "a serial number is 1 to 100 characters",
                );
            } else if known || !serials_seen.insert((p.id, serial.clone())) {
                fields.refuse_at(
                    &at("serials"),
                    ErrorCode::AlreadyExists,
                    format!("serial {serial} of {} is already known", p.sku),
                );
            }
        }
        plan.push((
            po_line.clone(),
            p.clone(),
            line.clone(),
            batch.unwrap_or_default(),
            serials,
        ));
    }
    fields.finish(|| Some(()))?;
    let event = Event::Receive {
        all: po.lines.iter().all(|l| {
            let now = input
                .lines
                .iter()
                .filter(|r| r.purchase_order_line_id == l.id)
                .map(|r| r.quantity)
                .sum::<i32>();
            l.received_quantity + now >= l.quantity
        }),
    };
    let status = state::apply(po.order.status, event).map_err(|i| illegal(&po.order, i))?;

    let now = w.now();
    let receipt_id = Uuid::now_v7();
    let receipt = goods_receipt::ActiveModel {
        id: Set(receipt_id),
        purchase_order_id: Set(po.order.id),
        received_on: Set(input.received_on),
        location_id: Set(input.location_id),
        qc_passed: Set(passed),
        qc_checklist: Set(serde_json::to_string(&input.checklist).map_err(DomainError::internal)?),
        qc_notes: Set(notes),
        received_by: Set(w.ctx().actor.id.clone()),
        created_at: Set(now),
    }
    .insert(w.conn())
    .await?;
    let mut lines = Vec::new();
    for (po_line, p, line, batch, serials) in plan {
        let reason = format!(
            "Received on {} ({})",
            po.order.number,
            if passed {
                "QC passed"
            } else {
                "QC failed: quarantined"
            }
        );
        let change = Change {
            product_id: p.id,
            location_id: input.location_id,
            batch_code: &batch,
            expires_on: line.expires_on,
            quantity: line.quantity,
            kind: MovementKind::Receipt,
            reason: &reason,
        };
        // The batch's first receipt names its supplier and date.
        let origin = crate::safety::batches::Origin {
            supplier_party_id: Some(po.order.supplier_id),
            received_on: Some(input.received_on),
        };
        crate::safety::batches::ensure(w.conn(), p.id, &batch, &origin, now).await?;
        let level = change_in(&mut w, &change).await?;
        let marked = purchase_order_line::Entity::update_many()
            .col_expr(
                purchase_order_line::Column::ReceivedQuantity,
                Expr::col(purchase_order_line::Column::ReceivedQuantity).add(line.quantity),
            )
            .filter(purchase_order_line::Column::Id.eq(po_line.id))
            .filter(
                Expr::col(purchase_order_line::Column::ReceivedQuantity)
                    .add(line.quantity)
                    .lte(Expr::col(purchase_order_line::Column::Quantity)),
            )
            .exec(w.conn())
            .await?;
        if marked.rows_affected != 1 {
            return Err(DomainError::conflict());
        }
        let line_id = Uuid::now_v7();
        let stored = goods_receipt_line::ActiveModel {
            id: Set(line_id),
            receipt_id: Set(receipt_id),
            purchase_order_line_id: Set(po_line.id),
            product_id: Set(p.id),
            quantity: Set(line.quantity),
            batch_code: Set(batch.clone()),
            expires_on: Set(line.expires_on),
            serials: Set(serde_json::to_string(&serials).map_err(DomainError::internal)?),
            stock_level_id: Set(level.id),
        }
        .insert(w.conn())
        .await?;
        for serial in serials {
            serial_number::ActiveModel {
                id: Set(Uuid::now_v7()),
                product_id: Set(p.id),
                serial: Set(serial),
                receipt_line_id: Set(line_id),
                created_at: Set(now),
            }
            .insert(w.conn())
            .await?;
        }
        lines.push(stored);
    }
    let after = w
        .change::<purchase_order::Entity>(po.order.id, po.order.version, |o| o.status = Set(status))
        .await?;
    let receipt = Receipt { receipt, lines };
    w.audit(
        RECEIPT_SUBJECT_TYPE,
        receipt_id,
        "goods.received",
        None,
        Some(&receipt),
    )
    .await?;
    w.audit(
        SUBJECT_TYPE,
        po.order.id,
        "purchase_order.received",
        Some(&po.order),
        Some(&after),
    )
    .await?;
    if passed {
        w.emit(topic::GOODS_RECEIVED, receipt_id, &serde_json::json!({}))
            .await?;
    }
    w.commit(receipt).await
}

/// The receipts of many purchase orders (by purchase order id), oldest
/// first, with their lines: two queries for any number.
pub async fn receipts_of<C: ConnectionTrait>(
    conn: &C,
    po_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Receipt>>, DbErr> {
    let receipts = goods_receipt::Entity::find()
        .filter(goods_receipt::Column::PurchaseOrderId.is_in(po_ids.iter().copied()))
        .order_by_asc(goods_receipt::Column::Id)
        .all(conn)
        .await?;
    let receipt_ids: Vec<Uuid> = receipts.iter().map(|r| r.id).collect();
    let mut lines = children_of::<goods_receipt_line::Entity, _>(conn, &receipt_ids).await?;
    let mut out: HashMap<Uuid, Vec<Receipt>> = HashMap::new();
    for r in receipts {
        out.entry(r.purchase_order_id).or_default().push(Receipt {
            lines: lines.remove(&r.id).unwrap_or_default(),
            receipt: r,
        });
    }
    Ok(out)
}

/// Serve the orders waiting on a receipt's goods (the worker, after a
/// passed receipt): see [`allocate_waiting`]. The orders asked for.
pub async fn allocate_receipt(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    receipt_id: Uuid,
) -> Result<Vec<Uuid>, DomainError> {
    let products: HashSet<Uuid> = goods_receipt_line::Entity::find()
        .filter(goods_receipt_line::Column::ReceiptId.eq(receipt_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.product_id)
        .collect();
    allocate_waiting(db, ctx, calendar, &products).await
}

/// Serve the orders waiting on goods of `products` that became sellable (a
/// passed receipt, a release from quarantine): BACKORDERED orders with
/// goods lines of those products, earliest required date first, each ask
/// for their reservation (through the same approval and no-oversell rule
/// as by hand). The orders that got goods (or await the approval of them).
pub async fn allocate_waiting(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    products: &HashSet<Uuid>,
) -> Result<Vec<Uuid>, DomainError> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let waiting: HashSet<Uuid> = order_line::Entity::find()
        .filter(order_line::Column::ProductId.is_in(products.iter().copied()))
        .filter(
            Expr::col(order_line::Column::ReservedQuantity)
                .lt(Expr::col(order_line::Column::Quantity)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.order_id)
        .collect();
    let orders = sales_order::Entity::find()
        .filter(sales_order::Column::Id.is_in(waiting))
        .filter(sales_order::Column::Status.eq(OrderStatus::Backordered))
        .order_by_asc(sales_order::Column::RequiredDeliveryDate)
        .order_by_asc(sales_order::Column::Id)
        .all(db)
        .await?;
    let mut asked = Vec::new();
    for order in orders {
        match crate::orders::request_reservation(db, ctx, calendar, order.id).await {
            Ok(_) => {}
            // Moved on meanwhile (cancelled, already asked): nothing to do.
            Err(DomainError::Rejected(_)) => continue,
            Err(e) => return Err(e),
        }
        // Earlier orders may have taken every unit: one that reserved
        // nothing is BACKORDERED again, and is told only when its goods come.
        let now = sales_order::Entity::find_by_id(order.id).one(db).await?;
        if now.is_some_and(|o| o.status != OrderStatus::Backordered) {
            asked.push(order.id);
        }
    }
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cost: i64, quantity: i32, tax_code: &str) -> purchase_order_line::Model {
        purchase_order_line::Model {
            id: Uuid::now_v7(),
            purchase_order_id: Uuid::nil(),
            line_no: 1,
            product_id: Uuid::nil(),
            supplier_sku: "S".into(),
            quantity,
            received_quantity: 0,
            unit_cost_cents: cost,
            tax_code: tax_code.into(),
        }
    }

    #[test]
    fn a_total_adds_each_taxable_lines_gst_rounded_half_up() {
        let at = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let po = PurchaseOrder {
            order: purchase_order::Model {
                id: Uuid::nil(),
                number: "PO-000001".into(),
                supplier_id: Uuid::nil(),
                status: PurchaseOrderStatus::Draft,
                expected_on: None,
                approval_id: None,
                source_order_id: None,
                source_task_id: None,
                status_reason: None,
                sent_at: None,
                drop_ship: false,
                ship_to: None,
                created_by: "t".into(),
                version: 1,
                created_at: at,
                updated_at: at,
            },
            // $30.15 + $3.015 GST → $3.02; $45.00 GST-free; $89.99 + $9.00.
            lines: vec![
                line(1005, 3, "TAXABLE"),
                line(450, 10, "GST_FREE"),
                line(8999, 1, "TAXABLE"),
            ],
        };
        assert_eq!(po.total_cents(), 3015 + 302 + 4500 + 8999 + 900);
    }
}
