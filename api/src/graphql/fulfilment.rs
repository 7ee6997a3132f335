//! Fulfilment: the pick list, `packShipment`, `createShippingLabel`,
//! `confirmPickup`, and following packages (`shipment`, `order.shipments`,
//! `trackShipment`). Resolvers only translate: `domain::fulfilment` rules.

use super::catalogue::StockLocation;
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, payload, respond,
};
use super::orders::{Order, OrderLine, ShippingSpeed};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::fulfilment::{self, couriers};
use domain::kernel::Permission;
use entity::{shipment_item, tracking_checkpoint};

/// Where a package is in the warehouse's hands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ShipmentStage")]
pub enum ShipmentStage {
    /// Packed, waiting for its label (`createShippingLabel`).
    Packed,
    /// Labelled by its courier, waiting for pickup (`confirmPickup`).
    Labelled,
    /// Handed to the courier; tracked until delivered or expired.
    PickedUp,
}

/// A courier's tracking status, normalised to AfterShip's nine.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TrackingStatus")]
pub enum TrackingStatus {
    /// Not yet reported by the courier.
    Pending,
    /// The courier has the label details; the package is not yet moving.
    InfoReceived,
    /// On its way.
    InTransit,
    /// With the driver for delivery today.
    OutForDelivery,
    /// A delivery attempt failed; the courier will try again or hold it.
    AttemptFail,
    /// Waiting at a collection point for the customer.
    AvailableForPickup,
    /// Delivered.
    Delivered,
    /// Held up by a problem (see `subStatus`).
    Exception,
    /// No news for 30 days: tracking stopped.
    Expired,
}

/// The detail under a tracking status.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::TrackingSubStatus")]
pub enum TrackingSubStatus {
    /// Delivered and signed for.
    SignedFor,
    /// Delivered and left in a safe place (authority to leave).
    LeftSafe,
    /// Collected from a neighbour or a collection point.
    Collected,
    /// Nobody was there to receive it.
    NoOneHome,
    /// The address could not be found or is incomplete.
    BadAddress,
    /// Damaged in transit.
    Damaged,
    /// Lost by the courier.
    Lost,
    /// On its way back to the sender.
    Returning,
    /// Held up (weather, volume, customs).
    Delayed,
}

/// The five configured couriers.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::CourierCode")]
pub enum CourierCode {
    /// Courier A.
    A,
    /// Courier B.
    B,
    /// Courier C.
    C,
    /// Courier D.
    D,
    /// Courier E.
    E,
}

/// A configured courier.
pub struct Courier(couriers::Courier);

object! {
    /// A configured courier.
    #[Object]
    impl Courier {
        /// Its code.
        code: CourierCode,
        /// Its name.
        name: &str,
        /// The service levels it offers.
        async fn service_levels(&self) -> Vec<ShippingSpeed> {
            self.0.service_levels.iter().map(|l| (*l).into()).collect()
        }
        /// Its public tracking page, with `{tracking_number}` to fill in.
        tracking_url_pattern: &str,
    }
}

/// Units of one order line in a package.
pub struct ShipmentItem {
    item: shipment_item::Model,
    line: Option<entity::order_line::Model>,
}

/// Units of one order line in a package.
#[Object]
impl ShipmentItem {
    /// The order line they belong to.
    async fn order_line(&self) -> Option<OrderLine> {
        self.line.clone().map(OrderLine)
    }
    /// How many units.
    async fn quantity(&self) -> i32 {
        self.item.quantity
    }
    /// The batch they came from (empty when not batch-tracked).
    async fn batch_code(&self) -> &str {
        &self.item.batch_code
    }
    /// Their serial numbers (serial-tracked products).
    async fn serials(&self) -> Vec<String> {
        fulfilment::Shipment::serials(&self.item)
    }
}

/// One event the courier reported.
pub struct TrackingCheckpoint(tracking_checkpoint::Model);

object! {
    /// One event the courier reported.
    #[Object]
    impl TrackingCheckpoint {
        /// When it happened (UTC).
        occurred_at: DateTime<Utc>,
        /// The status it reports.
        status: TrackingStatus,
        /// Its detail.
        sub_status: Option<TrackingSubStatus>,
        /// Where.
        location: Option<&str>,
        /// The courier's words.
        message: &str,
        /// The courier's own event code, as it sent it.
        raw_code: &str,
    }
}

/// One package of an order.
pub struct Shipment(pub fulfilment::Shipment);

impl From<fulfilment::Shipment> for Shipment {
    fn from(s: fulfilment::Shipment) -> Self {
        Shipment(s)
    }
}

object! {
    /// One package of an order: packed at a stock location, labelled by its
    /// courier, handed over and tracked to delivery.
    #[Object]
    impl Shipment {
        /// Globally unique identifier; `node(id)` refetches the package.
        pub(crate) id: ID = shipment.id,
        /// The order's number and the package's place, e.g. `SO-000012-2`.
        number: &str = shipment.number,
        /// The order; null when the caller may not see it.
        async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
            super::orders::load_visible(ctx, self.0.shipment.order_id).await
        }
        /// Where it was packed (staff only; null for customers and for a package
        /// its supplier ships).
        async fn location(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StockLocation>> {
            let Some(location_id) = self.0.shipment.location_id else {
                return Ok(None);
            };
            if !Permission::ReadStock.allows(ctx.domain_ctx()?.actor.role) {
                return Ok(None);
            }
            let found =
                super::loaders::load_one::<super::loaders::LocationLoader, _>(ctx, location_id).await?;
            Ok(found.map(StockLocation))
        }
        /// Shipped by its supplier straight to the customer (drop-ship).
        async fn from_supplier(&self) -> bool {
            self.0.shipment.purchase_order_id.is_some()
        }
        /// Where it is in the warehouse's hands.
        stage: ShipmentStage = shipment.stage,
        /// What it holds.
        async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ShipmentItem>> {
            let order = super::loaders::load_one::<super::loaders::OrderLoader, _>(
                ctx,
                self.0.shipment.order_id,
            )
            .await?;
            let lines = order.map(|o| o.lines).unwrap_or_default();
            Ok(self
                .0
                .items
                .iter()
                .map(|item| ShipmentItem {
                    line: lines.iter().find(|l| l.id == item.order_line_id).cloned(),
                    item: item.clone(),
                })
                .collect())
        }
        /// Its weight in grams.
        weight_grams: i32 = shipment.weight_grams,
        /// Length in millimetres.
        length_mm: Option<i32> = shipment.length_mm,
        /// Width in millimetres.
        width_mm: Option<i32> = shipment.width_mm,
        /// Height in millimetres.
        height_mm: Option<i32> = shipment.height_mm,
        /// Its courier, once labelled.
        async fn courier(&self, ctx: &Context<'_>) -> Option<Courier> {
            let code = self.0.shipment.courier?;
            ctx.services().couriers.get(code).cloned().map(Courier)
        }
        /// Its service level, once labelled.
        service_level: Option<ShippingSpeed> = shipment.service_level,
        /// The courier's tracking number, once labelled.
        tracking_number: Option<&str> = shipment.tracking_number,
        /// The courier's own public tracking page.
        async fn courier_tracking_url(&self, ctx: &Context<'_>) -> Option<String> {
            let code = self.0.shipment.courier?;
            let number = self.0.shipment.tracking_number.as_deref()?;
            Some(ctx.services().couriers.get(code)?.tracking_url(number))
        }
        /// The courier's reference of the label it issued.
        label_reference: Option<&str> = shipment.label_reference,
        /// The label as issued (JSON: courier, tracking number, addressee,
        /// weight, dimensions, service level).
        label_data: Option<&str> = shipment.label_data,
        /// Its tracking status.
        status: TrackingStatus = shipment.tracking_status,
        /// The detail under its tracking status.
        sub_status: Option<TrackingSubStatus> = shipment.sub_status,
        /// When the courier expects to deliver it.
        async fn estimated_delivery(&self) -> Option<super::date::Date> {
            self.0.shipment.estimated_delivery.map(super::date::Date)
        }
        /// When the courier took it (UTC).
        picked_up_at: Option<DateTime<Utc>> = shipment.picked_up_at,
        /// When it was delivered (UTC), as the courier reported.
        delivered_at: Option<DateTime<Utc>> = shipment.delivered_at,
        /// When the courier is next asked about it (UTC); null once tracking stopped.
        next_poll_at: Option<DateTime<Utc>> = shipment.next_poll_at,
        /// Polls in a row its courier did not answer (each backs the next off).
        poll_failures: i32 = shipment.poll_failures,
        /// The courier's checkpoints, oldest first.
        async fn checkpoints(&self) -> Vec<TrackingCheckpoint> {
            self.0
                .checkpoints
                .iter()
                .cloned()
                .map(TrackingCheckpoint)
                .collect()
        }
        /// The packing slip to print and put in the box (HTML; FULFILMENT and
        /// ADMIN; null for a package its supplier ships).
        #[graphql(guard = "Require::to(Permission::Fulfil)")]
        async fn packing_slip_html(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
            let Some(location_id) = self.0.shipment.location_id else {
                return Ok(None);
            };
            let services = ctx.services();
            let db = &services.db;
            let order = domain::orders::find(db, self.0.shipment.order_id).await;
            let location = domain::catalogue::locations::find(db, location_id).await;
            let settings = domain::settings::current(db).await;
            let (Some(order), Some(location)) = (answer(ctx, order)?, answer(ctx, location)?) else {
                return Err(async_graphql::Error::new(
                    "the package's order or location is missing",
                ));
            };
            let settings = answer(ctx, settings)?;
            crate::pages::packing_slip::render(&settings.legal_name, &order, &self.0, &location)
                .map(Some)
                .map_err(|e| async_graphql::Error::new(e.to_string()))
        }
        /// Incremented by every change.
        version: i32 = shipment.version,
        /// When it was packed (UTC).
        created_at: DateTime<Utc> = shipment.created_at,
        /// When it last changed (UTC).
        updated_at: DateTime<Utc> = shipment.updated_at,
    }
}

/// Something to pick for one order.
#[derive(SimpleObject)]
pub struct PickListItem {
    /// The order line.
    pub order_line_id: ID,
    /// The line's number on the order.
    pub line_no: i32,
    /// The product.
    pub product_id: ID,
    /// The product's SKU.
    pub sku: String,
    /// The product's name.
    pub name: String,
    /// The batch to pick from (empty when not batch-tracked).
    pub batch_code: String,
    /// Units to pick.
    pub quantity: i32,
    /// Packing it needs one serial number per unit.
    pub serial_tracked: bool,
    /// Set when these units must not be picked (packing them is refused
    /// with the same code): a recalled batch left reserved for want of
    /// other stock, or a product under a ban in force. Null: pick them.
    pub blocked_by: Option<PickListBlock>,
}

/// Why units on a pick list must not be picked.
#[derive(SimpleObject)]
pub struct PickListBlock {
    /// BATCH_RECALLED or PRODUCT_BANNED: the code packing them is refused with.
    pub code: super::errors::UserErrorCode,
    /// The recall that blocks the batch (BATCH_RECALLED; null for a ban).
    pub recall_id: Option<ID>,
    /// That recall's number, e.g. `RCL-000001`.
    pub recall_number: Option<String>,
    /// A sentence for the picker naming the recall or the ban.
    pub message: String,
}

/// One order of a pick list, with what to pick for it.
pub struct PickListOrder(fulfilment::PickOrder);

/// One order of a pick list, with what to pick for it.
#[Object]
impl PickListOrder {
    /// The order.
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        super::orders::load_visible(ctx, self.0.order.id).await
    }
    /// What to pick for it here, by line then batch.
    async fn items(&self) -> Vec<PickListItem> {
        self.0
            .items
            .iter()
            .map(|i| PickListItem {
                order_line_id: ID(i.order_line_id.to_string()),
                line_no: i.line_no,
                product_id: ID(i.product_id.to_string()),
                sku: i.sku.clone(),
                name: i.name.clone(),
                batch_code: i.batch_code.clone(),
                quantity: i.quantity,
                serial_tracked: i.serial_tracked,
                blocked_by: i.blocked_by.as_ref().map(|b| PickListBlock {
                    code: b.reason.code().into(),
                    recall_id: b.recall_id.map(|id| ID(id.to_string())),
                    recall_number: b.recall_number.clone(),
                    message: b.message.clone(),
                }),
            })
            .collect()
    }
}

/// Units of one order line to pack.
#[derive(InputObject)]
pub struct PackShipmentItemInput {
    /// The order line.
    pub order_line_id: ID,
    /// How many units (at most what is reserved at the location and not yet packed).
    pub quantity: i32,
    /// One serial number per unit for serial-tracked products; omit otherwise.
    pub serials: Option<Vec<String>>,
}

/// The input of `packShipment`.
#[derive(InputObject)]
pub struct PackShipmentInput {
    /// The paid order.
    pub order_id: ID,
    /// The stock location it is packed at (its reservations there are used).
    pub location_id: ID,
    /// What goes in the package.
    pub items: Vec<PackShipmentItemInput>,
    /// The packed weight in grams (1 to 70000).
    pub weight_grams: i32,
    /// Length in millimetres.
    pub length_mm: Option<i32>,
    /// Width in millimetres.
    pub width_mm: Option<i32>,
    /// Height in millimetres.
    pub height_mm: Option<i32>,
}

/// The input of `createShippingLabel`.
#[derive(InputObject)]
pub struct CreateShippingLabelInput {
    /// The packed package.
    pub shipment_id: ID,
    /// The courier that issues the label (and takes the package).
    pub courier: CourierCode,
    /// The service level; the courier must offer it.
    pub service_level: ShippingSpeed,
}

/// The input of `confirmPickup`.
#[derive(InputObject)]
pub struct ConfirmPickupInput {
    /// The labelled package the courier took.
    pub shipment_id: ID,
}

payload!("Result of `packShipment`.", PackShipmentPayload, shipment: Shipment);
payload!("Result of `createShippingLabel`.", CreateShippingLabelPayload, shipment: Shipment);
payload!("Result of `confirmPickup`.", ConfirmPickupPayload, shipment: Shipment);

/// The packages of an order, through the page's loader.
pub async fn of_order(
    ctx: &Context<'_>,
    order_id: uuid::Uuid,
) -> async_graphql::Result<Vec<Shipment>> {
    super::loaders::load_list::<super::loaders::ShipmentsOfOrderLoader, _, _>(
        ctx, order_id, Shipment,
    )
    .await
}

#[derive(Default)]
pub struct FulfilmentQuery;

#[Object]
impl FulfilmentQuery {
    /// One package; null when missing or another customer's.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn shipment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package's id.")] id: ID,
    ) -> async_graphql::Result<Option<Shipment>> {
        let id = arg_id(&id, "id")?;
        let found = fulfilment::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Shipment))
    }

    /// Follow a package by its courier's tracking number: a customer its
    /// own, staff any; null otherwise.
    #[graphql(guard = "Require::to(Permission::PlaceOrders)")]
    async fn track_shipment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tracking number from the shipped email.")] tracking_number: String,
    ) -> async_graphql::Result<Option<Shipment>> {
        let found =
            fulfilment::track(&ctx.services().db, &ctx.domain_ctx()?, &tracking_number).await;
        Ok(answer(ctx, found)?.map(Shipment))
    }

    /// The pick list of a stock location (FULFILMENT): paid orders with
    /// reserved units there not yet packed, oldest first.
    #[graphql(
        guard = "Require::to(Permission::Fulfil)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn pick_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stock location.")] location_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PickListOrder>> {
        let page = page_request(first, after)?;
        let location = arg_id(&location_id, "locationId")?;
        let found =
            fulfilment::pick_list(&ctx.services().db, &ctx.domain_ctx()?, location, page).await;
        Ok(connection(answer(ctx, found)?, PickListOrder))
    }

    /// The configured couriers, A to E (the cursor is the courier's code).
    #[graphql(
        guard = "Require::to(Permission::Fulfil)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn couriers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Courier>> {
        let size = page_request(first, None)?.first as usize;
        let all: Vec<&couriers::Courier> = ctx.services().couriers.all().collect();
        let start = match after {
            None => 0,
            Some(cursor) => {
                all.iter()
                    .position(|c| format!("{:?}", c.code) == cursor)
                    .ok_or_else(|| {
                        async_graphql::Error::new("after is not a cursor of this list")
                    })?
                    + 1
            }
        };
        let page: Vec<&couriers::Courier> = all.iter().skip(start).take(size).copied().collect();
        let mut connection = Connection::new(start > 0, start + page.len() < all.len());
        connection.edges.extend(page.into_iter().map(|c| {
            async_graphql::connection::Edge::new(format!("{:?}", c.code), Courier(c.clone()))
        }));
        Ok(connection)
    }
}

#[derive(Default)]
pub struct FulfilmentMutation;

#[Object]
impl FulfilmentMutation {
    /// Pack units of a paid order's reserved stock at one location into a
    /// new package (FULFILMENT). Batches are recorded from the reservations;
    /// serial-tracked products need one serial per unit. The order becomes
    /// PACKING.
    #[graphql(guard = "Require::to(Permission::Fulfil)")]
    async fn pack_shipment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: PackShipmentInput,
    ) -> async_graphql::Result<PackShipmentPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let mut items = Vec::with_capacity(input.items.len());
            for (i, item) in input.items.iter().enumerate() {
                items.push(fulfilment::PackItemInput {
                    order_line_id: input_id(
                        &item.order_line_id,
                        &format!("items.{i}.orderLineId"),
                    )?,
                    quantity: item.quantity,
                    serials: item.serials.clone().unwrap_or_default(),
                });
            }
            let pack = fulfilment::PackInput {
                order_id: input_id(&input.order_id, "orderId")?,
                location_id: input_id(&input.location_id, "locationId")?,
                items,
                weight_grams: input.weight_grams,
                length_mm: input.length_mm,
                width_mm: input.width_mm,
                height_mm: input.height_mm,
            };
            fulfilment::pack(&ctx.services().db, &domain_ctx, &pack).await
        }
        .await;
        respond(ctx, result).await
    }

    /// Have a courier issue a packed package's label (FULFILMENT): the
    /// courier is chosen here, with a service level it offers; the label,
    /// tracking number and the courier's reference are stored. A courier
    /// that does not answer is COURIER_UNAVAILABLE and nothing changes.
    #[graphql(guard = "Require::to(Permission::Fulfil)")]
    async fn create_shipping_label(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateShippingLabelInput,
    ) -> async_graphql::Result<CreateShippingLabelPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let label = fulfilment::LabelInput {
                shipment_id: input_id(&input.shipment_id, "shipmentId")?,
                courier: input.courier.into(),
                service_level: input.service_level.into(),
            };
            fulfilment::create_label(&services.db, &domain_ctx, &services.couriers, &label).await
        }
        .await;
        respond(ctx, result).await
    }

    /// The courier took a labelled package (FULFILMENT): stock leaves the
    /// shelf, tracking starts, the customer is emailed its tracking link,
    /// and the order is SHIPPED (every unit gone) or PARTIALLY_SHIPPED.
    #[graphql(guard = "Require::to(Permission::Fulfil)")]
    async fn confirm_pickup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: ConfirmPickupInput,
    ) -> async_graphql::Result<ConfirmPickupPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let id = input_id(&input.shipment_id, "shipmentId")?;
            let calendar = services.calendar.current();
            fulfilment::confirm_pickup(
                &services.db,
                &domain_ctx,
                &calendar,
                &services.config.poll_schedule,
                id,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }
}
