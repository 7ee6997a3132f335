//! Orders, steps 1–4: place, see where the stock would come from, request
//! the reservation (an approval), cancel. Resolvers only translate; the
//! rules are in `domain::orders`.

use super::approvals::Approval;
use super::catalogue::{ProductKind, TaxCode};
use super::customers::Customer;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, arg_id_opt, connection, input_id, optional_input_id,
    page_request, payload, record_updates, respond,
};
use super::users::Role;
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use domain::kernel::Permission;
use domain::orders::{self, state};
use entity::order_line;
use futures::Stream;

/// Where an order is (hold and archive are flags, not states).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::OrderStatus")]
pub enum OrderStatus {
    /// Received and verified.
    Placed,
    /// Its stock reservation awaits approval.
    AwaitingReservation,
    /// Some lines' stock is reserved; the rest is backordered.
    PartiallyReserved,
    /// All its stock is reserved.
    Reserved,
    /// Nothing could be reserved yet.
    Backordered,
    /// The reservation was rejected, expired or withdrawn (see `statusReason`).
    ReservationRejected,
    /// A tax invoice was issued.
    Invoiced,
    /// Waiting for payment.
    AwaitingPayment,
    /// Paid.
    Paid,
    /// Being picked and packed.
    Packing,
    /// Some parcels shipped.
    PartiallyShipped,
    /// Every parcel shipped.
    Shipped,
    /// Delivered.
    Delivered,
    /// Closed.
    Closed,
    /// Cancelled (see `statusReason`).
    Cancelled,
}

/// Whether an order will arrive by its required delivery date.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::LateRisk")]
pub enum LateRisk {
    /// On course for the required date.
    OnTrack,
    /// Must ship by the next business day to arrive in time.
    AtRisk,
    /// Cannot arrive by the required date any more.
    Late,
}

/// How fast an order ships; each speed's charge comes from the business settings.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ShippingSpeed")]
pub enum ShippingSpeed {
    /// Standard delivery.
    Standard,
    /// Express delivery.
    Express,
    /// Overnight delivery.
    Overnight,
}

/// Where an order came in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Channel")]
pub enum Channel {
    /// The web shop.
    Web,
    /// The mobile app.
    Mobile,
    /// By phone, entered by staff.
    Phone,
    /// By email, entered by staff.
    Email,
    /// In a store.
    Store,
}

/// The order of an `orders` page.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OrderSort {
    /// Oldest placed first (the default).
    #[default]
    PlacedOldestFirst,
    /// Newest placed first.
    PlacedNewestFirst,
}

/// A next step of an order.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderAction {
    /// `requestReservation`.
    RequestReservation,
    /// Decide the order's INVENTORY_RESERVATION approval.
    DecideReservation,
    /// `issueInvoice` (where issuing on reservation failed).
    IssueInvoice,
    /// `capturePayment`.
    Pay,
    /// `cancelOrder`.
    Cancel,
    /// `packShipment` (from the location's `pickList`).
    Pack,
    /// `createShippingLabel` and `confirmPickup` of its packed packages.
    Ship,
}

impl From<state::Action> for OrderAction {
    fn from(a: state::Action) -> Self {
        match a {
            state::Action::RequestReservation => OrderAction::RequestReservation,
            state::Action::DecideReservation => OrderAction::DecideReservation,
            state::Action::IssueInvoice => OrderAction::IssueInvoice,
            state::Action::Pay => OrderAction::Pay,
            state::Action::Cancel => OrderAction::Cancel,
            state::Action::Pack => OrderAction::Pack,
            state::Action::Ship => OrderAction::Ship,
        }
    }
}

/// A step that may be taken next, and who may take it.
#[derive(SimpleObject)]
pub struct NextAction {
    /// The step.
    pub action: OrderAction,
    /// The role that may take it.
    pub role: Role,
}

/// One step of an order's history.
#[derive(SimpleObject)]
pub struct TimelineStep {
    /// What happened, e.g. `order.placed`.
    pub action: String,
    /// Who did it (a user id, or `system`).
    pub actor_id: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

impl TimelineStep {
    /// The timeline of the record `subject_id` (batched per page of records).
    pub async fn of(ctx: &Context<'_>, subject_id: uuid::Uuid) -> async_graphql::Result<Vec<Self>> {
        let found =
            super::loaders::load_one::<super::loaders::TimelineLoader, _>(ctx, subject_id).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|e| TimelineStep {
                action: e.action,
                actor_id: e.actor_id,
                at: e.occurred_at,
            })
            .collect())
    }
}

/// Where an order ships to.
#[derive(SimpleObject)]
pub struct Address {
    /// Street address, first line.
    pub line1: String,
    /// Street address, second line.
    pub line2: Option<String>,
    /// Suburb.
    pub suburb: String,
    /// State (for Australia: NSW, VIC, …).
    pub state: String,
    /// Postcode.
    pub postcode: String,
    /// ISO 3166 country code.
    pub country: String,
}

/// Stock reserved for a line at one place.
#[derive(SimpleObject)]
pub struct Allocation {
    /// The line it serves.
    pub line_no: i32,
    /// Location code.
    pub location_code: String,
    /// Batch, for batch-tracked products.
    pub batch_code: Option<String>,
    /// Units reserved there.
    pub quantity: i32,
}

/// Where a line's stock would come from if reserved now.
#[derive(SimpleObject)]
pub struct LineProposal {
    /// The line.
    pub line_no: i32,
    /// The places and batches, in the order they would be taken.
    pub picks: Vec<Allocation>,
    /// Units no stock covers.
    pub backordered: i32,
}

pub struct OrderLine(pub(crate) order_line::Model);

object! {
    /// One line of an order, priced as it was when placed.
    #[Object]
    impl OrderLine {
        /// The line's id (what `packShipment` names it by).
        id: ID,
        /// 1, 2, … in the order given.
        line_no: i32,
        /// The product's id.
        product_id: ID,
        /// The product as it is now (the line keeps what it was when ordered).
        async fn product(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::catalogue::Product>> {
            super::catalogue::Product::load(ctx, self.0.product_id).await
        }
        /// SKU at placing.
        sku: &str,
        /// Name at placing.
        name: &str,
        /// Goods or a service (services are never reserved).
        kind: ProductKind,
        /// GST treatment.
        async fn tax_code(&self) -> Option<TaxCode> {
            domain::rules::tax_code::TaxCode::parse(&self.0.tax_code)
                .ok()
                .map(Into::into)
        }
        /// Unit price at placing, in the order's price basis.
        unit_price: Money = unit_price_cents,
        /// Units ordered.
        quantity: i32,
        /// Staff discount in percent, e.g. `12.5`.
        async fn discount_percent(&self) -> f64 {
            f64::from(self.0.discount_basis_points) / 100.0
        }
        /// Units whose stock is reserved.
        reserved_quantity: i32,
    }
}

pub struct Order(pub orders::Order);

object! {
    /// A customer order.
    #[Object]
    impl Order {
        /// Stable identifier.
        pub(crate) id: ID = order.id,
        /// Gap-free order number, e.g. `SO-000001`.
        number: &str = order.number,
        /// Where it is.
        status: OrderStatus = order.status,
        /// Why it is where it is (a refusal, a cancellation), if anything.
        status_reason: Option<&str> = order.status_reason,
        /// Held by staff.
        on_hold: bool = order.on_hold,
        /// The customer (null for a guest order or a customer the caller may not see; a
        /// guest order with services gets one as it is paid, since their ticket needs one).
        async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
            let Some(id) = self.0.order.customer_id else {
                return Ok(None);
            };
            if !domain::kernel::Scope::of_ctx(&ctx.domain_ctx()?).permits(id) {
                return Ok(None);
            }
            let found = super::loaders::load_one::<super::loaders::CustomerLoader, _>(ctx, id).await?;
            Ok(found.map(Customer))
        }
        /// Who to contact.
        contact_name: &str = order.contact_name,
        /// Their email.
        contact_email: Option<&str> = order.contact_email,
        /// Their phone (E.164).
        contact_phone: Option<&str> = order.contact_phone,
        /// Where it ships.
        async fn shipping_address(&self) -> Address {
            let o = &self.0.order;
            Address {
                line1: o.ship_line1.clone(),
                line2: o.ship_line2.clone(),
                suburb: o.ship_suburb.clone(),
                state: o.ship_state.clone(),
                postcode: o.ship_postcode.clone(),
                country: o.ship_country.clone(),
            }
        }
        /// When the customer needs it.
        required_delivery_date: NaiveDate = order.required_delivery_date,
        /// Against the required delivery date, kept current by timers; the
        /// customer is told once when it turns AT_RISK and once when LATE.
        late_risk: LateRisk = order.late_risk,
        /// The carrier may leave it unattended.
        authority_to_leave: bool = order.authority_to_leave,
        /// Notes for the carrier.
        delivery_instructions: Option<&str> = order.delivery_instructions,
        /// How fast it ships.
        shipping_speed: ShippingSpeed = order.shipping_speed,
        /// The shipping charge, in the order's price basis.
        shipping_charge: Money = order.shipping_cents,
        /// Order-level discount.
        discount: Money = order.order_discount_cents,
        /// Whether prices include GST.
        prices_include_gst: bool = order.prices_include_gst,
        /// What the customer pays, GST included.
        total: Money = order.total_cents,
        /// Where it came in.
        channel: Channel = order.channel,
        /// When an unpaid reservation lapses (UTC).
        reserved_until: Option<DateTime<Utc>> = order.reserved_until,
        /// Its packages, oldest first (a split shipment has several).
        async fn shipments(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<super::fulfilment::Shipment>> {
            super::fulfilment::of_order(ctx, self.0.order.id).await
        }
        /// Its tax invoice, once issued.
        async fn invoice(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::invoices::Invoice>> {
            super::invoices::of_order(ctx, self.0.order.id).await
        }
        /// The support ticket its services are done under, opened when it was
        /// paid; it is DELIVERED once its goods are and this ticket is resolved
        /// or closed. Null for an order without services (or not yet paid).
        async fn service_ticket(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::support::Ticket>> {
            if !self
                .0
                .lines
                .iter()
                .any(|l| l.kind == entity::ProductKind::Service)
            {
                return Ok(None);
            }
            let found = domain::support::services::visible_ticket_of(
                &ctx.services().db,
                &ctx.domain_ctx()?,
                self.0.order.id,
            )
            .await;
            Ok(answer(ctx, found)?.map(super::support::Ticket))
        }
        /// When it was delivered (UTC): its last package's delivery, or, for an
        /// order with services, when its services ticket was done if later.
        delivered_at: Option<DateTime<Utc>> = order.delivered_at,
        /// The delivery date last told to the customer before a package left
        /// (when backordered goods arrived); packages carry their courier's own.
        async fn estimated_delivery(&self) -> Option<super::date::Date> {
            self.0.order.estimated_delivery.map(super::date::Date)
        }
        /// The signed proof that it was delivered, once recorded.
        async fn proof_of_delivery(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::closeout_records::ProofOfDelivery>> {
            let found = super::loaders::load_one::<super::loaders::ProofOfDeliveryLoader, _>(
                ctx,
                self.0.order.id,
            )
            .await?;
            Ok(found.map(super::closeout_records::ProofOfDelivery))
        }
        /// When the daily closure run closed it (UTC).
        closed_at: Option<DateTime<Utc>> = order.closed_at,
        /// Archived: still readable, left out of default lists.
        archived: bool = order.archived,
        /// When it was archived (UTC).
        archived_at: Option<DateTime<Utc>> = order.archived_at,
        /// The order this backorder was split from when that one was invoiced.
        async fn backorder_of(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            let Some(id) = self.0.order.backorder_of else {
                return Ok(None);
            };
            let found = orders::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
            Ok(answer(ctx, found)?.map(Order))
        }
        /// The lines, in order.
        async fn lines(&self) -> Vec<OrderLine> {
            self.0.lines.iter().cloned().map(OrderLine).collect()
        }
        /// Stock reserved for it now, per place (staff).
        #[graphql(guard = "Require::to(Permission::ReadStock)")]
        async fn allocations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Allocation>> {
            let found = orders::allocations(&ctx.services().db, self.0.order.id).await;
            Ok(answer(ctx, found)?
                .into_iter()
                .map(|(a, location, batch)| Allocation {
                    line_no: self
                        .0
                        .lines
                        .iter()
                        .find(|l| l.id == a.order_line_id)
                        .map_or(0, |l| l.line_no),
                    location_code: location.code,
                    batch_code: Some(batch).filter(|b| !b.is_empty()),
                    quantity: a.quantity,
                })
                .collect())
        }
        /// Where each line's stock would come from if reserved now: one location
        /// in the shipping region when it can, split otherwise, the rest backordered (staff).
        #[graphql(guard = "Require::to(Permission::ReadStock)")]
        async fn allocation_proposal(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Vec<LineProposal>> {
            let plans = answer(
                ctx,
                orders::allocation_proposal(
                    &ctx.services().db,
                    &self.0,
                    domain::rules::calendar::local_date(ctx.services().clock.now()),
                )
                .await,
            )?;
            let line_no = |id| {
                self.0
                    .lines
                    .iter()
                    .find(|l| l.id == id)
                    .map_or(0, |l| l.line_no)
            };
            Ok(plans
                .into_iter()
                .map(|p| LineProposal {
                    line_no: line_no(p.line_id),
                    picks: p
                        .picks
                        .into_iter()
                        .map(|pick| Allocation {
                            line_no: line_no(p.line_id),
                            location_code: pick.location_code,
                            batch_code: Some(pick.batch_code).filter(|b| !b.is_empty()),
                            quantity: pick.quantity,
                        })
                        .collect(),
                    backordered: p.backordered,
                })
                .collect())
        }
        /// What may happen next and who may do it (empty for a customer who may do nothing).
        async fn next_actions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<NextAction>> {
            let viewer = ctx.domain_ctx()?.actor.role;
            Ok(state::next_actions(self.0.order.status, self.0.has_goods(), viewer)
                .into_iter()
                .map(|(action, role)| NextAction {
                    action: action.into(),
                    role: role.into(),
                })
                .collect())
        }
        /// Every step so far, with who and when (from the audit trail).
        async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TimelineStep>> {
            TimelineStep::of(ctx, self.0.order.id).await
        }
        /// Incremented by every change.
        version: i32 = order.version,
        /// When it was placed (UTC).
        created_at: DateTime<Utc> = order.created_at,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc> = order.updated_at,
    }
}

/// An order through the page's loader (one query for a page of them), when
/// the caller may see it.
pub async fn load_visible(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Option<Order>> {
    let Some(order) = super::loaders::load_one::<super::loaders::OrderLoader, _>(ctx, id).await?
    else {
        return Ok(None);
    };
    Ok(orders::visible(&ctx.domain_ctx()?, &order).then_some(Order(order)))
}

impl From<orders::Order> for Order {
    fn from(o: orders::Order) -> Self {
        Order(o)
    }
}

/// A shipping address.
#[derive(InputObject)]
pub struct AddressInput {
    /// Street address, first line.
    pub line1: String,
    /// Street address, second line.
    pub line2: Option<String>,
    /// Suburb.
    pub suburb: String,
    /// State; for Australia NSW, VIC, QLD, WA, SA, TAS, ACT or NT.
    pub state: String,
    /// Postcode; for Australia it must belong to the state.
    pub postcode: String,
    /// ISO 3166 country code (default AU).
    pub country: Option<String>,
}

/// One line to order.
#[derive(InputObject)]
pub struct OrderLineInput {
    /// The product (active).
    pub product_id: ID,
    /// Units, 1 to 10,000.
    pub quantity: i32,
    /// Staff only: percent off this line, e.g. `12.5`.
    pub discount_percent: Option<String>,
}

/// Someone ordering through staff who is not a customer yet.
#[derive(InputObject)]
pub struct GuestInput {
    /// Name.
    pub name: String,
    /// Email (checked).
    pub email: Option<String>,
    /// Australian phone (stored as E.164).
    pub phone: Option<String>,
}

/// A new order. A CUSTOMER orders for itself; staff give `customerId` or `guest`.
#[derive(InputObject)]
pub struct PlaceOrderInput {
    /// Staff: the customer ordering.
    pub customer_id: Option<ID>,
    /// Staff: a guest instead of a customer.
    pub guest: Option<GuestInput>,
    /// The buyer's ABN, when given (checksum checked).
    pub abn: Option<String>,
    /// What is ordered (1 to 100 lines, one price basis).
    pub lines: Vec<OrderLineInput>,
    /// Staff only: dollars off the order, e.g. `20.00`.
    pub discount: Option<String>,
    /// Where it ships.
    pub shipping_address: AddressInput,
    /// When it is needed (not in the past).
    pub required_delivery_date: NaiveDate,
    /// The carrier may leave it unattended (default false).
    #[graphql(default)]
    pub authority_to_leave: bool,
    /// Notes for the carrier.
    pub delivery_instructions: Option<String>,
    /// How fast it ships (default STANDARD).
    #[graphql(default_with = "ShippingSpeed::Standard")]
    pub shipping_speed: ShippingSpeed,
    /// Where it came in (default WEB).
    #[graphql(default_with = "Channel::Web")]
    pub channel: Channel,
}

/// Which order to reserve stock for.
#[derive(InputObject)]
pub struct RequestReservationInput {
    /// The order.
    pub order_id: ID,
}

/// Which order to cancel, and why.
#[derive(InputObject)]
pub struct CancelOrderInput {
    /// The order.
    pub id: ID,
    /// Why (required, for the record).
    pub reason: String,
}

/// Which orders to list; every given condition must hold.
#[derive(InputObject, Default)]
pub struct OrderFilter {
    /// Only in this state.
    pub status: Option<OrderStatus>,
    /// Only at this late risk.
    pub late_risk: Option<LateRisk>,
    /// Only this customer's.
    pub customer_id: Option<ID>,
    /// Placed at or after (UTC).
    pub placed_from: Option<DateTime<Utc>>,
    /// Placed before (UTC).
    pub placed_to: Option<DateTime<Utc>>,
    /// Include archived orders (left out by default).
    pub include_archived: Option<bool>,
}

payload!("Result of `placeOrder`.", PlaceOrderPayload, order: Order);
payload!(
    "Result of `requestReservation`: the INVENTORY_RESERVATION approval.",
    RequestReservationPayload,
    approval: Approval
);
payload!("Result of `cancelOrder`.", CancelOrderPayload, order: Order);

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// One order; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] id: ID,
    ) -> async_graphql::Result<Option<Order>> {
        let id = arg_id(&id, "id")?;
        let found = orders::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Order))
    }

    /// Orders the caller may see (customers: their own), oldest first unless sorted.
    #[graphql(
        guard = "Require::to(Permission::PlaceOrders)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which orders; all visible ones when omitted.")] filter: Option<
            OrderFilter,
        >,
        #[graphql(desc = "The page's order (default oldest placed first).")] sort: Option<
            OrderSort,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Order>> {
        let page = page_request(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = orders::OrderFilter {
            newest_first: sort.unwrap_or_default() == OrderSort::PlacedNewestFirst,
            status: filter.status.map(Into::into),
            late_risk: filter.late_risk.map(Into::into),
            customer_id: arg_id_opt(filter.customer_id.as_ref(), "filter.customerId")?,
            placed_from: filter.placed_from,
            placed_to: filter.placed_to,
            include_archived: filter.include_archived.unwrap_or(false),
        };
        let found = orders::list(&ctx.services().db, &ctx.domain_ctx()?, &filter, page).await;
        Ok(connection(answer(ctx, found)?, Order))
    }
}

#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Place an order (steps 1–2): verified field by field, priced from the
    /// catalogue, numbered, confirmed by email. Honours `Idempotency-Key`.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: PlaceOrderInput,
    ) -> async_graphql::Result<PlaceOrderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let key = ctx.idempotency_key();
        let result = async {
            let mut lines = Vec::with_capacity(input.lines.len());
            for (i, line) in input.lines.iter().enumerate() {
                lines.push(orders::LineRequest {
                    product_id: input_id(&line.product_id, &format!("lines.{i}.productId"))?,
                    quantity: line.quantity,
                    discount_percent: line.discount_percent.clone(),
                });
            }
            let a = input.shipping_address;
            let place = orders::PlaceOrder {
                customer_id: optional_input_id(input.customer_id.as_ref(), "customerId")?,
                guest: input.guest.map(|g| orders::Guest {
                    name: g.name,
                    email: g.email,
                    phone: g.phone,
                }),
                abn: input.abn,
                lines,
                discount: input.discount,
                shipping_address: orders::AddressInput {
                    line1: a.line1,
                    line2: a.line2,
                    suburb: a.suburb,
                    state: a.state,
                    postcode: a.postcode,
                    country: a.country,
                },
                required_delivery_date: input.required_delivery_date,
                authority_to_leave: input.authority_to_leave,
                delivery_instructions: input.delivery_instructions,
                shipping_speed: input.shipping_speed.into(),
                channel: input.channel.into(),
            };
            let calendar = services.calendar.current();
            orders::place(&services.db, &domain_ctx, &calendar, &place, key.as_ref()).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Ask for the order's stock to be reserved (step 4, staff): raises its
    /// INVENTORY_RESERVATION approval, which the policy may approve at once.
    #[graphql(guard = "Require::to(Permission::ManageOrders)")]
    async fn request_reservation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RequestReservationInput,
    ) -> async_graphql::Result<RequestReservationPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.order_id, "orderId")?;
            let calendar = services.calendar.current();
            orders::request_reservation(&services.db, &domain_ctx, &calendar, id).await
        }
        .await;
        if let Ok(committed) = &result {
            // The order changed too: tell its followers.
            services
                .broker
                .publish(committed.value.request.subject_id)
                .await;
        }
        respond(ctx, result).await
    }

    /// Cancel an order before it ships: its reservation is released, a
    /// pending reservation approval withdrawn, an unpaid invoice reversed by
    /// an adjustment note, and a paid order's card payments refunded through
    /// the REFUND approval (each refund's note comes with the provider's
    /// confirmation).
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CancelOrderInput,
    ) -> async_graphql::Result<CancelOrderPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let id = input_id(&input.id, "id")?;
            let calendar = ctx.services().calendar.current();
            orders::cancel(
                &ctx.services().db,
                &domain_ctx,
                &calendar,
                id,
                &input.reason,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }
}

#[derive(Default)]
pub struct OrderSubscription;

#[Subscription]
impl OrderSubscription {
    /// The order as it is now, then each time it changes, through any api or
    /// worker process (the first event also tells the client it is
    /// listening, so no change falls between a fetch and the subscription).
    /// Customers may follow only their own orders; another order looks like
    /// one that never changes.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn order_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Order> + use<>> {
        let find = |db, ctx, id| async move { orders::find_visible(&db, &ctx, id).await };
        let version: fn(&orders::Order) -> i32 = |r| r.order.version;
        record_updates(ctx, &id, find, version, Order, "order").await
    }
}
