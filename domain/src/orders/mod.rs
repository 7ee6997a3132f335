//! Orders, steps 1–4: place (verified, priced, numbered), propose where the
//! stock comes from, reserve through the INVENTORY_RESERVATION approval
//! (one conditional update per stock row, never read-then-write), release
//! on cancel or when an unpaid reservation lapses.

pub mod allocation;
mod example;
pub mod pricing;
pub mod risk;
pub mod state;

use crate::approvals::{self, NewApproval};
use crate::business_time::timers::{self, TimerPlan};
use crate::invoices::document::{Bill, BillLine, Buyer};
use crate::invoices::{self, Invoice};
use crate::kernel::db::group_rows;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Fields, IdempotencyKey, Page, PageRequest, Permission,
    Scope, Write, fetch_page_sorted,
};
use crate::platform::numbering;
use crate::platform::outbox::topic;
use crate::rules::abn::Abn;
use crate::rules::calendar::BusinessCalendar;
use crate::rules::email::Email;
use crate::rules::gst::{self, PriceBasis};
use crate::rules::money::Money;
use crate::rules::phone::PhoneAu;
use crate::rules::postcode::{AuState, Postcode};
use crate::{customers, settings};
use allocation::{Available, Need};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    ApprovalKind, ApprovalStatus, Channel, LocationKind, OrderStatus, ProductKind, ShippingSpeed,
    approval_request, order_allocation, order_entry_error, order_line, product, sales_order,
    stock_level, stock_location,
};
pub use example::example;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use state::{Event, Illegal};
use std::collections::HashMap;
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "order";
/// Most lines on one order.
const MAX_LINES: usize = 100;
/// Most units of one line.
const MAX_QUANTITY: i32 = 10_000;
/// Longest address line, suburb, state or postcode.
const MAX_ADDRESS_LEN: usize = 200;
/// Longest guest name (as a customer's).
const MAX_NAME_LEN: usize = 200;

/// The timers an order plans.
pub mod timer_kind {
    /// An unpaid reservation lapses: the order is cancelled, its stock released.
    pub const RESERVATION_EXPIRY: &str = "order.reservation_expiry";
    /// Review the order's late risk (it may have turned AT_RISK or LATE).
    pub const LATE_RISK: &str = "order.late_risk";
}

/// An order with its lines, in line order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Order {
    pub order: sales_order::Model,
    pub lines: Vec<order_line::Model>,
}

crate::stamped!(sales_order);

impl Order {
    /// Whether it has goods to reserve, pack and ship (an order of services
    /// only has none).
    pub fn has_goods(&self) -> bool {
        self.lines.iter().any(|l| l.kind == ProductKind::Goods)
    }
}

fn illegal(i: Illegal) -> DomainError {
    DomainError::rejected(
        &["id"],
        ErrorCode::IllegalTransition,
        format!("not possible while the order is {}", i.from),
    )
}

// ---- Placing ----------------------------------------------------------

/// A shipping address as given.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddressInput {
    pub line1: String,
    pub line2: Option<String>,
    pub suburb: String,
    pub state: String,
    pub postcode: String,
    /// ISO 3166 alpha-2; AU when omitted.
    pub country: Option<String>,
}

/// One line as given.
#[derive(Debug, Clone, Serialize)]
pub struct LineRequest {
    pub product_id: Uuid,
    pub quantity: i32,
    /// Staff only, e.g. "12.5".
    pub discount_percent: Option<String>,
}

/// Someone who is not (yet) a customer, ordering through staff.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Guest {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An order as a customer or staff place it.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceOrder {
    /// Staff: the customer ordering (or give `guest`). Customers order for themselves.
    pub customer_id: Option<Uuid>,
    pub guest: Option<Guest>,
    pub abn: Option<String>,
    pub lines: Vec<LineRequest>,
    /// Staff only: dollars off the order, e.g. "20.00".
    pub discount: Option<String>,
    pub shipping_address: AddressInput,
    pub required_delivery_date: NaiveDate,
    pub authority_to_leave: bool,
    pub delivery_instructions: Option<String>,
    pub shipping_speed: ShippingSpeed,
    pub channel: Channel,
}

/// The `order.placed` event (the confirmation email).
#[derive(Debug, Serialize)]
struct OrderPlaced {
    order_id: Uuid,
}

struct Contact {
    customer_id: Option<Uuid>,
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

impl Contact {
    /// A customer's own details.
    fn of(customer: entity::party::Model) -> Self {
        Contact {
            customer_id: Some(customer.id),
            name: customer.name,
            email: customer.email,
            phone: customer.phone,
        }
    }
}

struct Address {
    line1: String,
    line2: Option<String>,
    suburb: String,
    state: String,
    postcode: String,
    country: String,
}

fn address(fields: &mut Fields, input: &AddressInput) -> Option<Address> {
    let text = |fields: &mut Fields, name: &str, raw: &str| {
        fields.text_at(&["shippingAddress", name], raw, MAX_ADDRESS_LEN)
    };
    let line1 = text(fields, "line1", &input.line1);
    let line2 = input
        .line2
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .and_then(|l| text(fields, "line2", l));
    let suburb = text(fields, "suburb", &input.suburb);
    let state = text(fields, "state", &input.state);
    let postcode = text(fields, "postcode", &input.postcode);
    let country = input
        .country
        .as_deref()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "AU".into());
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        fields.refuse_at(
            &["shippingAddress", "country"],
            ErrorCode::OutOfRange,
            "country is a two-letter ISO code",
        );
    }
    let (mut state, mut postcode) = (state?, postcode?);
    if country == "AU" {
        let parsed = fields.at(&["shippingAddress", "state"], AuState::parse(&state))?;
        let code = fields.at(
            &["shippingAddress", "postcode"],
            Postcode::parse_for_state(&postcode, parsed),
        )?;
        state = parsed.to_string();
        postcode = code.as_str().to_owned();
    }
    Some(Address {
        line1: line1?,
        line2,
        suburb: suburb?,
        state,
        postcode,
        country,
    })
}

/// Percent as basis points (hundredths of a percent), 0–100% with at most two decimals.
fn basis_points(raw: &str) -> Result<i32, crate::rules::error::ValueError> {
    use crate::rules::error::ValueError;
    let bad = || {
        ValueError::new(
            ErrorCode::InvalidPercent,
            format!("'{raw}' is not a percentage between 0 and 100"),
        )
    };
    let d: Decimal = raw.trim().parse().map_err(|_| bad())?;
    if d.scale() > 2 || d < Decimal::ZERO || d > Decimal::from(100) {
        return Err(bad());
    }
    (d * Decimal::from(100))
        .trunc()
        .to_string()
        .parse()
        .map_err(|_| bad())
}

/// Record a refused placement for the order-entry-error KPI: one row per
/// refused placement, naming its first refused field and code, in its own
/// small transaction. A failure here is logged only.
async fn record_entry_error(
    db: &DatabaseConnection,
    error: &DomainError,
    channel: Channel,
    now: DateTime<Utc>,
) {
    let DomainError::Rejected(fields) = error else {
        return;
    };
    let Some(first) = fields.first() else {
        return;
    };
    let row = order_entry_error::ActiveModel {
        id: Set(Uuid::now_v7()),
        field: Set(first.field.join(".")),
        code: Set(screaming(&format!("{:?}", first.code))),
        channel: Set(channel),
        occurred_at: Set(now),
    };
    if let Err(e) = row.insert(db).await {
        tracing::warn!(error = %e, "recording an order entry error failed");
    }
}

/// `OutOfRange` → `OUT_OF_RANGE`, as the API spells codes.
fn screaming(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Place an order (step 1) after verifying it (step 2). Refused input
/// writes nothing of the order and records one entry error; honours an
/// `Idempotency-Key`.
pub async fn place(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &PlaceOrder,
    key: Option<&IdempotencyKey>,
) -> Result<Committed<Order>, DomainError> {
    let result = place_in(db, ctx, calendar, input, key).await;
    if let Err(e) = &result {
        record_entry_error(db, e, input.channel, ctx.now()).await;
    }
    result
}

async fn place_in(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    input: &PlaceOrder,
    key: Option<&IdempotencyKey>,
) -> Result<Committed<Order>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::PlaceOrders).await?;
    if let Some(replayed) = w.replay(key, input).await? {
        return Ok(replayed);
    }
    let staff = ctx.actor.role.is_staff();
    let now = w.now();
    let mut fields = Fields::new();

    // Who orders.
    let contact = match (Scope::of_ctx(ctx), input.customer_id, &input.guest) {
        (Scope::Party(own), None, None) => customers::find(w.conn(), own).await?.map(Contact::of),
        (Scope::Party(own), Some(id), None) if id == own => {
            customers::find(w.conn(), own).await?.map(Contact::of)
        }
        (Scope::All, Some(id), None) => match customers::find(w.conn(), id).await? {
            Some(c) => Some(Contact::of(c)),
            None => {
                fields.refuse("customerId", ErrorCode::NotFound, "customer not found");
                None
            }
        },
        (Scope::All, None, Some(guest)) => {
            let name = fields.text_at(&["guest", "name"], &guest.name, MAX_NAME_LEN);
            let email = guest
                .email
                .as_deref()
                .filter(|e| !e.trim().is_empty())
                .and_then(|e| fields.at(&["guest", "email"], Email::parse(e)));
            let phone = guest
                .phone
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .and_then(|p| fields.at(&["guest", "phone"], PhoneAu::parse(p)));
            // A guest whose email is a customer's orders as that customer.
            let customer_id = match &email {
                Some(e) => customers::find_by_email(w.conn(), e.as_str())
                    .await?
                    .map(|c| c.id),
                None => None,
            };
            name.map(|name| Contact {
                customer_id,
                name,
                email: email.map(|e| e.as_str().to_owned()),
                phone: phone.map(|p| p.as_e164().to_owned()),
            })
        }
        (Scope::All, None, None) => {
            fields.refuse(
                "customerId",
                ErrorCode::Required,
                "give customerId or guest",
            );
            None
        }
        (Scope::All, Some(_), Some(_)) => {
            fields.refuse(
                "guest",
                ErrorCode::OutOfRange,
                "give customerId or guest, not both",
            );
            None
        }
        _ => {
            fields.refuse("customerId", ErrorCode::NotFound, "customer not found");
            None
        }
    };
    let abn = input
        .abn
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .and_then(|a| fields.optional("abn", Some(a), Abn::parse));
    let shipping_address = address(&mut fields, &input.shipping_address);
    if input.required_delivery_date < calendar.local_date(now) {
        fields.refuse(
            "requiredDeliveryDate",
            ErrorCode::OutOfRange,
            "the required delivery date is in the past",
        );
    }
    let instructions = input
        .delivery_instructions
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .and_then(|t| fields.text("deliveryInstructions", t, 500));
    let discount = match input.discount.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(_) if !staff => {
            fields.refuse(
                "discount",
                ErrorCode::StaffOnly,
                "only staff give discounts",
            );
            Money::ZERO
        }
        Some(d) => match fields.optional("discount", Some(d), Money::parse) {
            Some(m) if m.cents() < 0 => {
                fields.refuse(
                    "discount",
                    ErrorCode::OutOfRange,
                    "discount must not be negative",
                );
                Money::ZERO
            }
            other => other.unwrap_or(Money::ZERO),
        },
        None => Money::ZERO,
    };

    // What is ordered.
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        fields.refuse(
            "lines",
            ErrorCode::OutOfRange,
            format!("an order has 1 to {MAX_LINES} lines"),
        );
    }
    let ids: Vec<Uuid> = input.lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<Uuid, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(ids))
        .all(w.conn())
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    // A product under a ban in force cannot be ordered (AU-RULES "Product safety").
    let bans = crate::safety::records::bans_in_force(
        w.conn(),
        products.keys().copied(),
        calendar.local_date(now),
    )
    .await?;
    let mut priced = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let n = i.to_string();
        let at = |f: &'static str| ["lines", n.as_str(), f];
        let product = products.get(&line.product_id);
        match product {
            None => fields.refuse_at(&at("productId"), ErrorCode::NotFound, "product not found"),
            Some(p) if !p.active => fields.refuse_at(
                &at("productId"),
                ErrorCode::InvalidState,
                format!("{} is not for sale", p.sku),
            ),
            Some(p) if bans.contains_key(&p.id) => fields.refuse_at(
                &at("productId"),
                ErrorCode::ProductBanned,
                bans[&p.id].describe(&p.sku),
            ),
            Some(_) => {}
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            fields.refuse_at(
                &at("quantity"),
                ErrorCode::OutOfRange,
                format!("quantity must be between 1 and {MAX_QUANTITY}"),
            );
        }
        let bp = match line
            .discount_percent
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(_) if !staff => {
                fields.refuse_at(
                    &at("discountPercent"),
                    ErrorCode::StaffOnly,
                    "only staff give discounts",
                );
                0
            }
            Some(d) => fields
                .at(&at("discountPercent"), basis_points(d))
                .unwrap_or(0),
            None => 0,
        };
        if let Some(p) = product.filter(|p| p.active) {
            priced.push((line, p, bp));
        }
    }
    let mut bases: Vec<bool> = priced
        .iter()
        .map(|(_, p, _)| p.prices_include_gst)
        .collect();
    bases.dedup();
    if bases.len() > 1 {
        fields.refuse(
            "lines",
            ErrorCode::InvalidState,
            "all lines must share one price basis (GST inclusive or exclusive)",
        );
    }
    let (contact, shipping_address) = fields.finish(|| Some((contact?, shipping_address?)))?;

    // Prices are copied onto the order, and the GST engine computes the total.
    let settings = settings::current(w.conn()).await?;
    let inclusive = bases.first().copied().unwrap_or(true);
    let charge = Money::from_cents(match input.shipping_speed {
        ShippingSpeed::Standard => settings.shipping_standard_cents,
        ShippingSpeed::Express => settings.shipping_express_cents,
        ShippingSpeed::Overnight => settings.shipping_overnight_cents,
    });
    // Charges are set GST-inclusive; an ex-GST order carries their ex-GST part.
    let shipping = if inclusive {
        charge
    } else {
        gst::split(charge, PriceBasis::Inclusive)
            .map_err(|e| DomainError::internal(e.message))?
            .ex_gst
    };
    let order_id = Uuid::now_v7();
    let line_models: Vec<order_line::Model> = priced
        .iter()
        .enumerate()
        .map(|(i, (line, product, bp))| order_line::Model {
            id: Uuid::now_v7(),
            order_id,
            line_no: i as i32 + 1,
            product_id: product.id,
            sku: product.sku.clone(),
            name: product.name.clone(),
            kind: product.kind,
            tax_code: product.tax_code.clone(),
            unit_price_cents: product.price_cents,
            quantity: line.quantity,
            discount_basis_points: *bp,
            reserved_quantity: 0,
            drop_ship_po_id: None,
        })
        .collect();
    let charges = pricing::Charges {
        shipping_cents: shipping.cents(),
        order_discount_cents: discount.cents(),
        prices_include_gst: inclusive,
        ship_country: &shipping_address.country,
    };
    let totals = pricing::totals(&charges, &line_models, &settings)
        .map_err(|e| DomainError::rejected(&["discount"], e.code, e.message))?;

    let number = numbering::next(w.conn(), numbering::SALES_ORDER).await?;
    let order = w
        .insert(sales_order::ActiveModel {
            id: Set(order_id),
            number: Set(number),
            status: Set(OrderStatus::Placed),
            on_hold: Set(false),
            customer_id: Set(contact.customer_id),
            contact_name: Set(contact.name),
            contact_email: Set(contact.email),
            contact_phone: Set(contact.phone),
            customer_abn: Set(abn.map(|a| a.as_str().to_owned())),
            region: Set(allocation::region_of(&shipping_address.country)),
            ship_line1: Set(shipping_address.line1),
            ship_line2: Set(shipping_address.line2),
            ship_suburb: Set(shipping_address.suburb),
            ship_state: Set(shipping_address.state),
            ship_postcode: Set(shipping_address.postcode),
            ship_country: Set(shipping_address.country),
            required_delivery_date: Set(input.required_delivery_date),
            authority_to_leave: Set(input.authority_to_leave),
            delivery_instructions: Set(instructions),
            shipping_speed: Set(input.shipping_speed),
            shipping_cents: Set(shipping.cents()),
            order_discount_cents: Set(discount.cents()),
            prices_include_gst: Set(inclusive),
            total_cents: Set(totals.inclusive.cents()),
            channel: Set(input.channel),
            reservation_approval_id: Set(None),
            status_reason: Set(None),
            reserved_until: Set(None),
            placed_by: Set(ctx.actor.id.clone()),
            late_risk: Set(entity::LateRisk::OnTrack),
            estimated_delivery: Set(None),
            backorder_of: Set(None),
            replacement_of: Set(None),
            delivered_at: Set(None),
            closed_at: Set(None),
            archived: Set(false),
            archived_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let mut lines = Vec::new();
    for line in line_models {
        lines.push(order_line::ActiveModel::from(line).insert(w.conn()).await?);
    }
    // The first late-risk review: at once if it is already at risk (the
    // customer is told), else when it would turn.
    let (required, speed) = (order.required_delivery_date, order.shipping_speed);
    let first_review = if risk::risk(calendar, order.status, required, speed, None, now)
        != entity::LateRisk::OnTrack
    {
        Some(now)
    } else {
        risk::next_review(calendar, order.status, required, speed, now)
    };
    if let Some(due_at) = first_review {
        let plan = TimerPlan::new(timer_kind::LATE_RISK, order.id, due_at);
        timers::plan(w.conn(), &plan, now).await?;
    }
    let placed = Order { order, lines };
    w.audit(
        SUBJECT_TYPE,
        placed.order.id,
        "order.placed",
        None,
        Some(&placed),
    )
    .await?;
    let event = OrderPlaced {
        order_id: placed.order.id,
    };
    w.emit(topic::ORDER_PLACED, placed.order.id, &event).await?;
    crate::webhooks::events::record(
        &mut w,
        entity::WebhookEventType::OrderPlaced,
        placed.order.id,
    )
    .await?;
    w.commit(placed).await
}

// ---- Reading ----------------------------------------------------------

async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids.iter().copied()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::LineNo)
        .all(conn)
        .await
}

pub(crate) async fn load<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    lock: bool,
) -> Result<Option<Order>, DbErr> {
    let order = if lock {
        crate::kernel::db::find_for_update::<sales_order::Entity, _>(conn, id).await?
    } else {
        sales_order::Entity::find_by_id(id).one(conn).await?
    };
    let Some(order) = order else {
        return Ok(None);
    };
    let lines = lines_of(conn, &[id]).await?;
    Ok(Some(Order { order, lines }))
}

pub(crate) fn visible_to(ctx: &Ctx, order: &sales_order::Model) -> bool {
    Scope::of_ctx(ctx).sees(order.customer_id)
}

/// An order by id, whoever asks (background work).
pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<Order>, DbErr> {
    load(conn, id, false).await
}

/// Orders by id with their lines, whoever asks (two queries for any number;
/// the caller checks visibility with [`visible`]).
pub async fn find_many<C: ConnectionTrait>(conn: &C, ids: &[Uuid]) -> Result<Vec<Order>, DbErr> {
    let orders = sales_order::Entity::find()
        .filter(sales_order::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut lines = lines_of(conn, ids).await?;
    Ok(orders
        .into_iter()
        .map(|order| {
            let (mine, rest) = lines.drain(..).partition(|l| l.order_id == order.id);
            lines = rest;
            Order { order, lines: mine }
        })
        .collect())
}

/// Whether the caller may see `order`.
pub fn visible(ctx: &Ctx, order: &Order) -> bool {
    visible_to(ctx, &order.order)
}

/// An order the caller may see; another customer's looks missing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<Order>, DbErr> {
    Ok(load(conn, id, false)
        .await?
        .filter(|o| visible_to(ctx, &o.order)))
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Newest first instead of oldest first.
    pub newest_first: bool,
    pub status: Option<OrderStatus>,
    pub late_risk: Option<entity::LateRisk>,
    pub customer_id: Option<Uuid>,
    pub placed_from: Option<DateTime<Utc>>,
    pub placed_to: Option<DateTime<Utc>>,
    /// Archived orders are left out unless asked for.
    pub include_archived: bool,
}

/// Orders the caller may see, oldest first, each with its lines (two queries).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &OrderFilter,
    page: PageRequest,
) -> Result<Page<Order>, DomainError> {
    Permission::PlaceOrders.require(ctx)?;
    let Some(mut query) =
        Scope::of_ctx(ctx).restrict(sales_order::Entity::find(), sales_order::Column::CustomerId)
    else {
        return Ok(Page::empty(page));
    };
    if let Some(status) = filter.status {
        query = query.filter(sales_order::Column::Status.eq(status));
    }
    if !filter.include_archived {
        query = query.filter(sales_order::Column::Archived.eq(false));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(sales_order::Column::CustomerId.eq(customer));
    }
    if let Some(risk) = filter.late_risk {
        query = query.filter(sales_order::Column::LateRisk.eq(risk));
    }
    if let Some(from) = filter.placed_from {
        query = query.filter(sales_order::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.placed_to {
        query = query.filter(sales_order::Column::CreatedAt.lt(to));
    }
    let page = fetch_page_sorted(
        db,
        query,
        sales_order::Column::Id,
        page,
        filter.newest_first,
        |o| o.id,
    )
    .await?;
    let mut lines = group_rows(lines_of(db, &page.ids()).await?, |l| l.order_id);
    Ok(page.map(|id, order| Order {
        order,
        lines: lines.remove(&id).unwrap_or_default(),
    }))
}

/// The live allocations of an order (what is reserved where), with each
/// one's location and batch: one statement (a page of orders reads them per
/// order, and `order(id)` is the hottest read).
pub async fn allocations<C: ConnectionTrait>(
    conn: &C,
    order_id: Uuid,
) -> Result<Vec<(order_allocation::Model, stock_location::Model, String)>, DbErr> {
    let rows = order_allocation::Entity::find()
        .find_also_related(stock_level::Entity)
        .and_also_related(stock_location::Entity)
        .filter(order_allocation::Column::OrderId.eq(order_id))
        .filter(order_allocation::Column::ReleasedAt.is_null())
        .order_by_asc(order_allocation::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, level, location)| Some((a, location?, level?.batch_code)))
        .collect())
}

/// Stock that can be reserved now for these products (warehouses only).
/// Never a recalled batch, nor any stock of a product under a ban in force
/// on `today`.
async fn available_stock<C: ConnectionTrait>(
    conn: &C,
    product_ids: &[Uuid],
    today: NaiveDate,
) -> Result<HashMap<Uuid, Vec<Available>>, DbErr> {
    let levels = crate::catalogue::stock::levels_of(conn, product_ids).await?;
    let recalled = crate::safety::batches::recalled(conn, product_ids.iter().copied()).await?;
    let banned =
        crate::safety::records::bans_in_force(conn, product_ids.iter().copied(), today).await?;
    Ok(levels
        .into_iter()
        .map(|(product, levels)| {
            let rows = levels
                .into_iter()
                .filter(|l| l.location.kind == LocationKind::Warehouse && l.available() > 0)
                .filter(|l| !banned.contains_key(&l.level.product_id))
                .filter(|l| {
                    !recalled.contains_key(&(l.level.product_id, l.level.batch_code.clone()))
                })
                .map(|l| Available {
                    quantity: l.available(),
                    level_id: l.level.id,
                    location_id: l.location.id,
                    location_code: l.location.code,
                    region: l.location.region,
                    batch_code: l.level.batch_code,
                    expires_on: l.level.expires_on,
                })
                .collect();
            (product, rows)
        })
        .collect())
}

/// What each goods line still needs.
fn needs(order: &Order) -> Vec<Need> {
    order
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::Goods && l.reserved_quantity < l.quantity)
        .map(|l| Need {
            line_id: l.id,
            product_id: l.product_id,
            quantity: l.quantity - l.reserved_quantity,
        })
        .collect()
}

/// Step 3: where each line's stock would come from now.
pub async fn allocation_proposal<C: ConnectionTrait>(
    conn: &C,
    order: &Order,
    today: NaiveDate,
) -> Result<Vec<allocation::LinePlan>, DbErr> {
    let needs = needs(order);
    let products: Vec<Uuid> = needs.iter().map(|n| n.product_id).collect();
    let stock = available_stock(conn, &products, today).await?;
    Ok(allocation::propose(&needs, &stock, order.order.region))
}

// ---- Reserving --------------------------------------------------------

/// Step 4: ask for the INVENTORY_RESERVATION approval (staff). The policy
/// may approve at once, and then the stock is reserved in this transaction.
pub async fn request_reservation(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    order_id: Uuid,
) -> Result<Committed<approvals::Approval>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let before = load(w.conn(), order_id, true)
        .await?
        .filter(|o| visible_to(ctx, &o.order))
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    let status = state::apply(before.order.status, Event::RequestReservation).map_err(|i| {
        DomainError::rejected(
            &["orderId"],
            ErrorCode::IllegalTransition,
            format!("not possible while the order is {}", i.from),
        )
    })?;
    // A banned product's lines are not reserved: staff hear why (the
    // automatic path after a receipt skips the order, which stays waiting).
    let open_goods = before
        .lines
        .iter()
        .filter(|l| l.kind == ProductKind::Goods && l.reserved_quantity < l.quantity);
    let bans = crate::safety::records::bans_in_force(
        w.conn(),
        open_goods.clone().map(|l| l.product_id),
        calendar.local_date(w.now()),
    )
    .await?;
    if let Some(line) = open_goods
        .clone()
        .find(|l| bans.contains_key(&l.product_id))
    {
        return Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::ProductBanned,
            format!(
                "line {}: {}",
                line.line_no,
                bans[&line.product_id].describe(&line.sku)
            ),
        ));
    }
    let new = NewApproval {
        kind: ApprovalKind::InventoryReservation,
        subject_type: SUBJECT_TYPE.into(),
        subject_id: order_id,
        owner_party: before.order.customer_id,
        amount: Some(Money::from_cents(before.order.total_cents).to_string()),
        reason: format!("Reserve stock for {}", before.order.number),
    };
    let approval_id = Uuid::now_v7();
    let after = update_order(&mut w, &before.order, |o| {
        o.status = Set(status);
        o.reservation_approval_id = Set(Some(approval_id));
        o.status_reason = Set(None);
    })
    .await?;
    w.audit(
        SUBJECT_TYPE,
        order_id,
        "order.reservation_requested",
        Some(&before.order),
        Some(&after),
    )
    .await?;
    let approval = approvals::request_in_with_id(&mut w, calendar, &new, approval_id).await?;
    // An auto-approved request has moved the order on; read what it is now.
    let approval = approvals::find(w.conn(), approval.request.id)
        .await?
        .unwrap_or(approval);
    w.commit(approval).await
}

async fn update_order(
    w: &mut Write<'_>,
    before: &sales_order::Model,
    change: impl FnOnce(&mut sales_order::ActiveModel),
) -> Result<sales_order::Model, DomainError> {
    w.change::<sales_order::Entity>(before.id, before.version, change)
        .await
}

/// The INVENTORY_RESERVATION approval of an order closed (in the deciding
/// write): approved reserves what stock allows; anything else says why not.
pub async fn on_reservation_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    let Some(before) = load(w.conn(), request.subject_id, true).await? else {
        return Ok(());
    };
    let current = before.order.reservation_approval_id == Some(request.id);
    if !current || before.order.status != OrderStatus::AwaitingReservation {
        // A withdrawn or superseded request: the order has moved on.
        return Ok(());
    }
    let now = w.now();
    if request.status == ApprovalStatus::Approved {
        let (all, any) = reserve(w, &before, now).await?;
        let status =
            state::apply(before.order.status, Event::Reserved { all, any }).map_err(illegal)?;
        let settings = settings::current(w.conn()).await?;
        let held_until =
            any.then(|| now + chrono::Duration::hours(settings.reservation_hold_hours));
        let after = update_order(w, &before.order, |o| {
            o.status = Set(status);
            o.reserved_until = Set(held_until);
            o.status_reason =
                Set((!all).then(|| "not enough stock: the rest is backordered".to_owned()));
        })
        .await?;
        if let Some(due_at) = held_until {
            let plan = TimerPlan::new(timer_kind::RESERVATION_EXPIRY, after.id, due_at);
            timers::plan(w.conn(), &plan, now).await?;
        }
        let lines = lines_of(w.conn(), &[after.id]).await?;
        let after = Order {
            order: after,
            lines,
        };
        w.audit(
            SUBJECT_TYPE,
            after.order.id,
            "order.reserved",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::webhooks::events::record(w, entity::WebhookEventType::OrderReserved, after.order.id)
            .await?;
        if any {
            invoice_automatically(w, &after).await?;
        }
        Ok(())
    } else {
        let status =
            state::apply(before.order.status, Event::ReservationRefused).map_err(illegal)?;
        let reason = format!("reservation {}", request.status.to_string().to_lowercase());
        let after = update_order(w, &before.order, |o| {
            o.status = Set(status);
            o.status_reason = Set(Some(reason));
        })
        .await?;
        w.audit(
            SUBJECT_TYPE,
            after.id,
            "order.reservation_refused",
            Some(&before.order),
            Some(&after),
        )
        .await
    }
}

/// Reserve what stock allows for every goods line: one conditional update
/// per stock row (`reserved + q` only where `on_hand − reserved ≥ q`), in
/// row order so concurrent reservations never deadlock. Returns (every
/// goods line fully reserved, anything reserved).
async fn reserve(
    w: &mut Write<'_>,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<(bool, bool), DomainError> {
    let today = crate::rules::calendar::local_date(now);
    let plans = allocation_proposal(w.conn(), order, today).await?;
    let mut picks: Vec<(Uuid, allocation::Pick)> = plans
        .into_iter()
        .flat_map(|p| p.picks.into_iter().map(move |pick| (p.line_id, pick)))
        .collect();
    picks.sort_by_key(|(_, p)| p.level_id);
    let mut taken: HashMap<Uuid, i32> = HashMap::new();
    for (line_id, pick) in picks {
        let got = take(w.conn(), pick.level_id, pick.quantity).await?;
        if got == 0 {
            continue;
        }
        *taken.entry(line_id).or_default() += got;
        order_allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(order.order.id),
            order_line_id: Set(line_id),
            stock_level_id: Set(pick.level_id),
            quantity: Set(got),
            reserved_at: Set(now),
            released_at: Set(None),
            packed_quantity: Set(0),
        }
        .insert(w.conn())
        .await?;
    }
    let mut all = true;
    let mut any = false;
    let mut goods = false;
    for line in order.lines.iter().filter(|l| l.kind == ProductKind::Goods) {
        goods = true;
        let reserved = line.reserved_quantity + taken.get(&line.id).copied().unwrap_or(0);
        all &= reserved >= line.quantity;
        any |= reserved > 0;
        if reserved != line.reserved_quantity {
            order_line::ActiveModel {
                id: sea_orm::Unchanged(line.id),
                reserved_quantity: Set(reserved),
                ..Default::default()
            }
            .update(w.conn())
            .await?;
        }
    }
    // An order of services only needs no stock at all.
    Ok(if goods { (all, any) } else { (true, true) })
}

/// Reserve up to `wanted` at one stock level; what was taken (stock may
/// have moved since the proposal: then take what is still there).
async fn take<C: ConnectionTrait>(conn: &C, level_id: Uuid, wanted: i32) -> Result<i32, DbErr> {
    let mut want = wanted;
    for _ in 0..3 {
        if want <= 0 {
            return Ok(0);
        }
        let updated = stock_level::Entity::update_many()
            .col_expr(
                stock_level::Column::Reserved,
                Expr::col(stock_level::Column::Reserved).add(want),
            )
            .filter(stock_level::Column::Id.eq(level_id))
            .filter(
                Expr::col(stock_level::Column::OnHand)
                    .sub(Expr::col(stock_level::Column::Reserved))
                    .gte(want),
            )
            .exec(conn)
            .await?;
        if updated.rows_affected == 1 {
            return Ok(want);
        }
        let Some(level) = stock_level::Entity::find_by_id(level_id).one(conn).await? else {
            return Ok(0);
        };
        want = std::cmp::min(want, level.on_hand - level.reserved);
    }
    Ok(0)
}

/// Give back every live reservation of an order.
async fn release(w: &mut Write<'_>, order: &Order, now: DateTime<Utc>) -> Result<(), DomainError> {
    let live = order_allocation::Entity::find()
        .filter(order_allocation::Column::OrderId.eq(order.order.id))
        .filter(order_allocation::Column::ReleasedAt.is_null())
        .order_by_asc(order_allocation::Column::StockLevelId)
        .all(w.conn())
        .await?;
    for allocation in live {
        stock_level::Entity::update_many()
            .col_expr(
                stock_level::Column::Reserved,
                Expr::col(stock_level::Column::Reserved).sub(allocation.quantity),
            )
            .filter(stock_level::Column::Id.eq(allocation.stock_level_id))
            .filter(stock_level::Column::Reserved.gte(allocation.quantity))
            .exec(w.conn())
            .await?;
        order_allocation::ActiveModel {
            id: sea_orm::Unchanged(allocation.id),
            released_at: Set(Some(now)),
            ..Default::default()
        }
        .update(w.conn())
        .await?;
    }
    // Lines a supplier ships (drop-ship) are its purchase order's to hand
    // back (`purchasing::cancel_drop_ships_of`).
    order_line::Entity::update_many()
        .col_expr(order_line::Column::ReservedQuantity, Expr::value(0))
        .filter(order_line::Column::OrderId.eq(order.order.id))
        .filter(order_line::Column::DropShipPoId.is_null())
        .exec(w.conn())
        .await?;
    timers::cancel_planned(w.conn(), timer_kind::RESERVATION_EXPIRY, order.order.id).await?;
    Ok(())
}

/// Cancel an order before it ships (staff; a customer its own while just
/// placed): its reservation is released, a pending reservation approval
/// withdrawn, an unpaid invoice reversed by an adjustment note and a paid
/// order's payments refunded (each refund's note comes with the provider's
/// confirmation), in one transaction.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
    reason: &str,
) -> Result<Committed<Order>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::PlaceOrders).await?;
    let reason = crate::kernel::reason(reason)?;
    let before = load(w.conn(), id, true)
        .await?
        .filter(|o| visible_to(ctx, &o.order))
        .ok_or_else(|| DomainError::not_found("id", "order"))?;
    let allowed = state::next_actions(before.order.status, before.has_goods(), ctx.actor.role)
        .iter()
        .any(|(a, _)| *a == state::Action::Cancel);
    let status = state::apply(before.order.status, Event::Cancel).map_err(illegal)?;
    if !allowed {
        return Err(DomainError::Forbidden);
    }
    let actor = ctx.actor.clone();
    if before.order.status == OrderStatus::Paid {
        // What was paid comes back by refund, and each refund's note is
        // issued when the provider confirms it.
        let why = format!("Order cancelled: {reason}");
        crate::payments::refunds::refund_order_in(&mut w, calendar, id, &why).await?;
        crate::support::services::close_for_cancelled(&mut w, id).await?;
    } else {
        reverse_invoice(&mut w, &before, &reason, &actor).await?;
    }
    let after = end_with_release(&mut w, &before, status, reason, "order.cancelled").await?;
    // After the order moved: withdrawing runs the reservation handler, which
    // then finds the order ended and leaves it alone.
    if let Some(approval) = before.order.reservation_approval_id {
        approvals::withdraw_in(&mut w, approval).await?;
    }
    w.commit(after).await
}

/// An ending order's invoice, if it has one, is reversed by an adjustment
/// note for whatever is not yet adjusted (nothing was paid: payments refund
/// separately).
async fn reverse_invoice(
    w: &mut Write<'_>,
    order: &Order,
    reason: &str,
    actor: &crate::kernel::Actor,
) -> Result<(), DomainError> {
    let Some(invoice) = invoices::of_subject(w.conn(), SUBJECT_TYPE, order.order.id).await? else {
        return Ok(());
    };
    if invoices::notes::remaining(w.conn(), &invoice)
        .await?
        .is_zero()
    {
        return Ok(());
    }
    let lines = invoices::lines_of(w.conn(), &[invoice.id]).await?;
    let invoice = Invoice { invoice, lines };
    invoices::notes::issue_in(
        w,
        &invoice,
        invoices::notes::Change::Remaining,
        reason,
        actor,
    )
    .await?;
    Ok(())
}

/// Release the order's stock (its drop-ships not yet dispatched are
/// cancelled) and move it to `status` with `reason`, audited as `action`;
/// the order after.
async fn end_with_release(
    w: &mut Write<'_>,
    before: &Order,
    status: OrderStatus,
    reason: String,
    action: &str,
) -> Result<Order, DomainError> {
    let now = w.now();
    release(w, before, now).await?;
    crate::purchasing::cancel_drop_ships_of(w, &before.order).await?;
    let order = update_order(w, &before.order, |o| {
        o.status = Set(status);
        o.status_reason = Set(Some(reason));
        o.reserved_until = Set(None);
    })
    .await?;
    let lines = lines_of(w.conn(), &[order.id]).await?;
    let after = Order { order, lines };
    w.audit(
        SUBJECT_TYPE,
        after.order.id,
        action,
        Some(before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// An unpaid reservation ran out (the worker, at the timer): the order is
/// cancelled, its stock released and its invoice, if issued, reversed by an
/// adjustment note. Nothing when it moved on meanwhile.
pub async fn lapse_reservation(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<()>, DomainError> {
    let nothing = || Committed {
        value: (),
        touched: vec![],
    };
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(mut before) = load(w.conn(), id, true).await? else {
        return Ok(nothing());
    };
    if before.order.status == OrderStatus::AwaitingPayment
        && crate::payments::fail_unanswered_wallet(&mut w, id).await?
    {
        // Its wallet payer never came back: that payment failed, and the
        // order, payable again, lapses as any unpaid one.
        before = load(w.conn(), id, true)
            .await?
            .ok_or_else(|| DomainError::internal("the order went away"))?;
    }
    let Ok(status) = state::apply(before.order.status, Event::ReservationLapsed) else {
        return Ok(nothing());
    };
    let reason = "the reservation lapsed before payment".to_owned();
    reverse_invoice(&mut w, &before, &reason, &crate::kernel::Actor::system()).await?;
    end_with_release(&mut w, &before, status, reason, "order.reservation_lapsed").await?;
    w.commit(()).await
}

// ---- Invoicing (step 5) ----------------------------------------------

/// How invoicing splits an order: the lines it keeps (each goods line at
/// what is reserved, every service whole) and, for a backorder, the goods
/// lines' unreserved remainders.
pub fn split_for_invoice(
    lines: &[order_line::Model],
) -> (Vec<order_line::Model>, Vec<(order_line::Model, i32)>) {
    let mut kept = Vec::new();
    let mut remainder = Vec::new();
    for line in lines {
        let keep = match line.kind {
            ProductKind::Goods => line.reserved_quantity.clamp(0, line.quantity),
            ProductKind::Service => line.quantity,
        };
        if keep > 0 {
            kept.push(order_line::Model {
                quantity: keep,
                ..line.clone()
            });
        }
        if line.quantity > keep {
            remainder.push((line.clone(), line.quantity - keep));
        }
    }
    (kept, remainder)
}

/// The buyer an order's invoice names.
fn buyer_of(order: &sales_order::Model) -> Buyer {
    let address = [
        Some(order.ship_line1.clone()),
        order.ship_line2.clone(),
        Some(format!(
            "{} {} {}",
            order.ship_suburb, order.ship_state, order.ship_postcode
        )),
        (order.ship_country != "AU").then(|| order.ship_country.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    Buyer {
        customer_id: order.customer_id,
        name: order.contact_name.clone(),
        abn: order.customer_abn.clone(),
        email: order.contact_email.clone(),
        address,
    }
}

/// Issue an order's tax invoice by hand (FINANCE, ADMIN), where issuing on
/// reservation failed.
pub async fn issue_invoice(
    db: &DatabaseConnection,
    ctx: &Ctx,
    order_id: Uuid,
) -> Result<Committed<Invoice>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageFinance).await?;
    let before = load(w.conn(), order_id, true)
        .await?
        .ok_or_else(|| DomainError::not_found("orderId", "order"))?;
    let actor = ctx.actor.clone();
    let (_, invoice) = invoice_in(&mut w, &before, &actor).await?;
    w.commit(invoice).await
}

/// Issue on reservation, as the system: a refusal (a missing particular)
/// leaves the order reserved and says why, for FINANCE to issue by hand.
async fn invoice_automatically(w: &mut Write<'_>, order: &Order) -> Result<(), DomainError> {
    let system = crate::kernel::Actor::system();
    match invoice_in(w, order, &system).await {
        Ok(_) => Ok(()),
        Err(DomainError::Rejected(refused)) => {
            let why: Vec<String> = refused.into_iter().map(|f| f.message).collect();
            let reason = format!("invoice not issued: {}", why.join("; "));
            let after =
                update_order(w, &order.order, |o| o.status_reason = Set(Some(reason))).await?;
            w.audit_as(
                &system,
                SUBJECT_TYPE,
                after.id,
                "order.invoice_refused",
                Some(&order.order),
                Some(&after),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Step 5 in `w`: invoice what is reserved; the unreserved remainder moves
/// to a new BACKORDERED order linked by `backorderOf`. Everything is checked
/// before anything is written.
pub(crate) async fn invoice_in(
    w: &mut Write<'_>,
    before: &Order,
    issued_by: &crate::kernel::Actor,
) -> Result<(Order, Invoice), DomainError> {
    let o = &before.order;
    if let Some(existing) = invoices::of_subject(w.conn(), SUBJECT_TYPE, o.id).await? {
        return Err(DomainError::rejected(
            &["orderId"],
            ErrorCode::AlreadyExists,
            format!("{} already has invoice {}", o.number, existing.number),
        ));
    }
    let status = state::apply(o.status, Event::Invoice).map_err(|i| {
        DomainError::rejected(
            &["orderId"],
            ErrorCode::IllegalTransition,
            format!("{} cannot be invoiced while it is {}", o.number, i.from),
        )
    })?;
    let settings = settings::current(w.conn()).await?;
    let (kept, remainder) = split_for_invoice(&before.lines);
    // The order discount is shared between the two orders as the GST engine
    // spreads it over lines: by value after line discounts.
    let back: Vec<order_line::Model> = remainder
        .iter()
        .map(|(l, q)| order_line::Model {
            quantity: *q,
            ..l.clone()
        })
        .collect();
    let discount = Money::from_cents(o.order_discount_cents);
    let shares = if discount.is_zero() || remainder.is_empty() {
        vec![discount, Money::ZERO]
    } else {
        let charges = pricing::Charges::of(o);
        let weights = [
            pricing::discount_weight(&charges, &kept, &settings),
            pricing::discount_weight(&charges, &back, &settings),
        ]
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DomainError::internal(e.message))?;
        gst::allocate_pro_rata(discount, &weights).map_err(|e| DomainError::internal(e.message))?
    };
    let charges = pricing::Charges {
        order_discount_cents: shares[0].cents(),
        ..pricing::Charges::of(o)
    };
    let totals = pricing::totals(&charges, &kept, &settings)
        .map_err(|e| DomainError::internal(e.message))?;
    let bill = Bill {
        subject_type: SUBJECT_TYPE,
        subject_id: o.id,
        subject_field: "orderId",
        reference: o.number.clone(),
        buyer: buyer_of(o),
        lines: kept
            .iter()
            .map(|l| BillLine {
                sku: Some(l.sku.clone()),
                description: l.name.clone(),
                quantity: Decimal::from(l.quantity),
                unit_price: Money::from_cents(l.unit_price_cents),
            })
            .collect(),
        settings: &settings,
        issued_by,
    };
    invoices::document::check_particulars(&bill, &totals)?;

    // Checked: now write.
    let backorder = if remainder.is_empty() {
        None
    } else {
        Some(split_off_backorder(w, o, &remainder, shares[1], &settings, issued_by).await?)
    };
    for line in &before.lines {
        match kept.iter().find(|k| k.id == line.id) {
            Some(k) if k.quantity == line.quantity => {}
            Some(k) => {
                order_line::ActiveModel {
                    id: sea_orm::Unchanged(line.id),
                    quantity: Set(k.quantity),
                    ..Default::default()
                }
                .update(w.conn())
                .await?;
            }
            None => {
                order_line::Entity::delete_by_id(line.id)
                    .exec(w.conn())
                    .await?;
            }
        }
    }
    let reason = backorder
        .as_ref()
        .map(|b| format!("the unreserved remainder moved to backorder {}", b.number));
    let order = update_order(w, o, |m| {
        m.status = Set(status);
        m.total_cents = Set(totals.inclusive.cents());
        m.order_discount_cents = Set(shares[0].cents());
        m.status_reason = Set(reason);
    })
    .await?;
    let lines = lines_of(w.conn(), &[order.id]).await?;
    let after = Order { order, lines };
    w.audit_as(
        issued_by,
        SUBJECT_TYPE,
        o.id,
        "order.invoiced",
        Some(before),
        Some(&after),
    )
    .await?;
    let invoice = invoices::issue_in(w, &bill, &totals).await?;
    if totals.inclusive.is_zero() {
        // Nothing to pay: PAID at once by the system, no provider call.
        let system = crate::kernel::Actor::system();
        let paid = move_for_payment(w, &after.order, Event::NothingDue, None, &system).await?;
        let after = Order {
            order: paid,
            lines: after.lines,
        };
        return Ok((after, invoice));
    }
    Ok((after, invoice))
}

/// Store an order derived from another (a backorder, a replacement) with
/// its lines: `order` gets its own number and starts a life of its own
/// (no reservation, nothing delivered, closed or archived, version 1).
async fn insert_derived(
    w: &mut Write<'_>,
    order: sales_order::Model,
    lines: Vec<order_line::Model>,
) -> Result<(sales_order::Model, Vec<order_line::Model>), DomainError> {
    let now = w.now();
    let number = numbering::next(w.conn(), numbering::SALES_ORDER).await?;
    let order = w
        .insert(sales_order::ActiveModel::from(sales_order::Model {
            number,
            reservation_approval_id: None,
            reserved_until: None,
            delivered_at: None,
            closed_at: None,
            archived: false,
            archived_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            ..order
        }))
        .await?;
    let mut stored = Vec::with_capacity(lines.len());
    for line in lines {
        stored.push(order_line::ActiveModel::from(line).insert(w.conn()).await?);
    }
    Ok((order, stored))
}

/// A new BACKORDERED order for `remainder` (same customer, prices and
/// delivery details; no second shipping charge), linked to `from`.
async fn split_off_backorder(
    w: &mut Write<'_>,
    from: &sales_order::Model,
    remainder: &[(order_line::Model, i32)],
    discount: Money,
    settings: &entity::business_settings::Model,
    actor: &crate::kernel::Actor,
) -> Result<sales_order::Model, DomainError> {
    let now = w.now();
    let id = Uuid::now_v7();
    let lines: Vec<order_line::Model> = remainder
        .iter()
        .enumerate()
        .map(|(i, (line, quantity))| order_line::Model {
            id: Uuid::now_v7(),
            order_id: id,
            line_no: i as i32 + 1,
            quantity: *quantity,
            reserved_quantity: 0,
            ..line.clone()
        })
        .collect();
    let charges = pricing::Charges {
        shipping_cents: 0,
        order_discount_cents: discount.cents(),
        ..pricing::Charges::of(from)
    };
    let totals = pricing::totals(&charges, &lines, settings)
        .map_err(|e| DomainError::internal(e.message))?;
    let derived = sales_order::Model {
        id,
        status: OrderStatus::Backordered,
        shipping_cents: 0,
        order_discount_cents: discount.cents(),
        total_cents: totals.inclusive.cents(),
        status_reason: Some(format!("split from {} when it was invoiced", from.number)),
        placed_by: actor.id.clone(),
        backorder_of: Some(from.id),
        replacement_of: None,
        ..from.clone()
    };
    let (order, stored) = insert_derived(w, derived, lines).await?;
    // Its late risk is its own from now on.
    let plan = TimerPlan::new(timer_kind::LATE_RISK, id, now);
    timers::plan(w.conn(), &plan, now).await?;
    let backorder = Order {
        order,
        lines: stored,
    };
    w.audit_as(
        actor,
        SUBJECT_TYPE,
        id,
        "order.backordered",
        None,
        Some(&backorder),
    )
    .await?;
    Ok(backorder.order)
}

/// Business days a replacement's required delivery date is set after today.
const REPLACEMENT_LEAD_BUSINESS_DAYS: u32 = 5;

/// A no-charge order replacing `lines` (order line id, units) of `original`
/// under a claim or a return, in the caller's write: same customer,
/// contact and delivery details, each unit at $0.00 and no shipping charge,
/// linked by `replacementOf`. It is PLACED and runs the normal flow
/// (reservation, a $0.00 invoice paid at once, packing, tracking). Only
/// goods are replaced; a service is resupplied, not reordered.
pub async fn place_replacement_in(
    w: &mut Write<'_>,
    calendar: &BusinessCalendar,
    original: &Order,
    lines: &[(Uuid, i32)],
    reason: &str,
) -> Result<Order, DomainError> {
    let now = w.now();
    let id = Uuid::now_v7();
    let mut replaced = Vec::with_capacity(lines.len());
    for (i, (line_id, quantity)) in lines.iter().enumerate() {
        let Some(line) = original.lines.iter().find(|l| l.id == *line_id) else {
            return Err(DomainError::not_found("orderLineId", "order line"));
        };
        if line.kind != entity::ProductKind::Goods {
            return Err(DomainError::rejected(
                &["orderLineId"],
                ErrorCode::InvalidState,
                format!("{} is a service: it is resupplied, not replaced", line.sku),
            ));
        }
        if !(1..=line.quantity).contains(quantity) {
            return Err(DomainError::rejected(
                &["quantity"],
                ErrorCode::OutOfRange,
                format!("between 1 and the {} units ordered", line.quantity),
            ));
        }
        replaced.push(order_line::Model {
            id: Uuid::now_v7(),
            order_id: id,
            line_no: i as i32 + 1,
            quantity: *quantity,
            unit_price_cents: 0,
            discount_basis_points: 0,
            reserved_quantity: 0,
            drop_ship_po_id: None,
            ..line.clone()
        });
    }
    if replaced.is_empty() {
        return Err(DomainError::rejected(
            &["lines"],
            ErrorCode::Required,
            "a replacement replaces at least one line",
        ));
    }
    let from = &original.order;
    let today = calendar.local_date(now);
    let derived = sales_order::Model {
        id,
        status: OrderStatus::Placed,
        on_hold: false,
        required_delivery_date: calendar.add_business_days(today, REPLACEMENT_LEAD_BUSINESS_DAYS),
        shipping_cents: 0,
        order_discount_cents: 0,
        total_cents: 0,
        status_reason: Some(format!("replaces goods of {}: {reason}", from.number)),
        placed_by: w.ctx().actor.id.clone(),
        late_risk: entity::LateRisk::OnTrack,
        estimated_delivery: None,
        backorder_of: None,
        replacement_of: Some(from.id),
        ..from.clone()
    };
    let (order, stored) = insert_derived(w, derived, replaced).await?;
    if let Some(due_at) = risk::next_review(
        calendar,
        order.status,
        order.required_delivery_date,
        order.shipping_speed,
        now,
    ) {
        let plan = TimerPlan::new(timer_kind::LATE_RISK, id, due_at);
        timers::plan(w.conn(), &plan, now).await?;
    }
    let placed = Order {
        order,
        lines: stored,
    };
    w.audit(SUBJECT_TYPE, id, "order.placed", None, Some(&placed))
        .await?;
    let event = OrderPlaced { order_id: id };
    w.emit(topic::ORDER_PLACED, id, &event).await?;
    crate::webhooks::events::record(w, entity::WebhookEventType::OrderPlaced, id).await?;
    Ok(placed)
}

/// Move an order for its payment (`PaymentRequested`, `PaymentFailed`,
/// `Paid`) in the payment's write, saying why; audited as `actor`. A paid
/// order with services opens their support ticket.
pub(crate) async fn move_for_payment(
    w: &mut Write<'_>,
    before: &sales_order::Model,
    event: Event,
    reason: Option<String>,
    actor: &crate::kernel::Actor,
) -> Result<sales_order::Model, DomainError> {
    let status = state::apply(before.status, event).map_err(|i| {
        DomainError::rejected(
            &["orderId"],
            ErrorCode::IllegalTransition,
            match i.from {
                OrderStatus::Paid => format!("{} is already paid", before.number),
                OrderStatus::AwaitingPayment => {
                    format!("a payment of {} is already in progress", before.number)
                }
                from => format!("{} cannot be paid while it is {from}", before.number),
            },
        )
    })?;
    let action = match event {
        Event::PaymentRequested => "order.payment_requested",
        Event::PaymentFailed => "order.payment_failed",
        _ => "order.paid",
    };
    let guest_customer = match status {
        OrderStatus::Paid => crate::support::services::customer_for_guest(w, before).await?,
        _ => None,
    };
    let after = update_order(w, before, |o| {
        o.status = Set(status);
        o.status_reason = Set(reason);
        if status == OrderStatus::Paid {
            // Paid: nothing lapses any more.
            o.reserved_until = Set(None);
        }
        if let Some(customer) = guest_customer {
            o.customer_id = Set(Some(customer));
        }
    })
    .await?;
    if status == OrderStatus::Paid {
        timers::cancel_planned(w.conn(), timer_kind::RESERVATION_EXPIRY, before.id).await?;
        // Its services (if any) get their ticket with the payment.
        crate::support::services::open_for(w, &after).await?;
    }
    if event == Event::PaymentFailed
        && let Some(until) = after.reserved_until
    {
        // The expiry timer may have fired while the payment was pending and
        // done nothing: the window is watched again, and one that ended
        // lapses at the next sweep.
        let now = w.now();
        let plan = TimerPlan::new(
            timer_kind::RESERVATION_EXPIRY,
            after.id,
            Ord::max(until, now),
        );
        timers::plan(w.conn(), &plan, now).await?;
    }
    w.audit_as(
        actor,
        SUBJECT_TYPE,
        before.id,
        action,
        Some(before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Backordered goods arrived for an order (the worker, as it serves the
/// receipt): the delivery estimate they now allow is stored (the customer
/// is told it in the arrival email) and the late risk re-read with it, so
/// an estimate after the required date makes the order AT_RISK.
pub async fn note_arrival_estimate(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
) -> Result<Committed<Option<NaiveDate>>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) =
        crate::kernel::db::find_for_update::<sales_order::Entity, _>(w.conn(), id).await?
    else {
        return w.commit(None).await;
    };
    let now = w.now();
    let estimate =
        risk::estimate_after_arrival(calendar, calendar.local_date(now), before.shipping_speed);
    let late_risk = risk::risk(
        calendar,
        before.status,
        before.required_delivery_date,
        before.shipping_speed,
        Some(estimate),
        now,
    );
    let after = update_order(&mut w, &before, |o| {
        o.estimated_delivery = Set(Some(estimate));
        o.late_risk = Set(late_risk);
    })
    .await?;
    w.audit(
        SUBJECT_TYPE,
        id,
        "order.arrival_estimated",
        Some(&before),
        Some(&after),
    )
    .await?;
    w.commit(Some(estimate)).await
}

/// What a late-risk review found: the risk when it changed (the customer is
/// then told, once per risk), and the records touched.
pub struct Review {
    pub turned: Option<entity::LateRisk>,
    pub committed: Committed<()>,
}

/// Review an order's late risk (the worker, at its timer): store it when it
/// changed and plan the next review.
pub async fn review_late_risk(
    db: &DatabaseConnection,
    ctx: &Ctx,
    calendar: &BusinessCalendar,
    id: Uuid,
) -> Result<Review, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageOrders).await?;
    let Some(before) = load(w.conn(), id, true).await? else {
        return Ok(Review {
            turned: None,
            committed: w.commit(()).await?,
        });
    };
    let o = &before.order;
    let now = w.now();
    let estimate = crate::fulfilment::latest_estimate(w.conn(), id)
        .await?
        .or(o.estimated_delivery);
    let risk_now = risk::risk(
        calendar,
        o.status,
        o.required_delivery_date,
        o.shipping_speed,
        estimate,
        now,
    );
    let turned = (risk_now != o.late_risk).then_some(risk_now);
    if turned.is_some() {
        let after = update_order(&mut w, o, |m| m.late_risk = Set(risk_now)).await?;
        w.audit(
            SUBJECT_TYPE,
            id,
            "order.late_risk_changed",
            Some(o),
            Some(&after),
        )
        .await?;
    }
    if let Some(due_at) = risk::next_review(
        calendar,
        o.status,
        o.required_delivery_date,
        o.shipping_speed,
        now,
    ) {
        let plan = TimerPlan::new(timer_kind::LATE_RISK, id, std::cmp::max(due_at, now));
        timers::plan(w.conn(), &plan, now).await?;
    }
    Ok(Review {
        turned,
        committed: w.commit(()).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recorded_as_the_api_spells_them() {
        assert_eq!(
            screaming(&format!("{:?}", ErrorCode::OutOfRange)),
            "OUT_OF_RANGE"
        );
        assert_eq!(screaming(&format!("{:?}", ErrorCode::Required)), "REQUIRED");
    }

    fn line(no: i32, kind: ProductKind, quantity: i32, reserved: i32) -> order_line::Model {
        order_line::Model {
            id: Uuid::now_v7(),
            order_id: Uuid::nil(),
            line_no: no,
            product_id: Uuid::nil(),
            sku: format!("SKU-{no}"),
            name: "Thing".into(),
            kind,
            tax_code: "TAXABLE".into(),
            unit_price_cents: 1000,
            quantity,
            discount_basis_points: 0,
            reserved_quantity: reserved,
            drop_ship_po_id: None,
        }
    }

    #[test]
    fn invoicing_keeps_what_is_reserved_and_every_service_and_backorders_the_rest() {
        let lines = [
            line(1, ProductKind::Goods, 5, 5),
            line(2, ProductKind::Goods, 4, 1),
            line(3, ProductKind::Goods, 2, 0),
            line(4, ProductKind::Service, 1, 0),
        ];
        let (kept, remainder) = split_for_invoice(&lines);
        let kept: Vec<(i32, i32)> = kept.iter().map(|l| (l.line_no, l.quantity)).collect();
        assert_eq!(kept, [(1, 5), (2, 1), (4, 1)]);
        let moved: Vec<(i32, i32)> = remainder.iter().map(|(l, q)| (l.line_no, *q)).collect();
        assert_eq!(moved, [(2, 3), (3, 2)]);
        let (kept, remainder) = split_for_invoice(&lines[..1]);
        assert_eq!(kept.len(), 1);
        assert!(remainder.is_empty());
    }

    #[test]
    fn percentages_become_basis_points_and_bad_ones_are_refused() {
        assert_eq!(basis_points("12.5"), Ok(1250));
        assert_eq!(basis_points("100"), Ok(10_000));
        assert_eq!(basis_points("0.05"), Ok(5));
        for bad in ["-1", "100.01", "1.234", "ten"] {
            assert!(basis_points(bad).is_err(), "{bad}");
        }
    }
}
