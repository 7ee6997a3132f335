//! Drop-ship and what a delivered order leaves behind: sourcing a
//! backorder from a supplier that ships straight to the customer, the
//! supplier's dispatch, signed proof of delivery, and the customer's assets
//! with their warranties. Resolvers only translate: `domain::purchasing`,
//! `domain::fulfilment::drop_ship` and `domain::closeout::assets` rules.

use super::fulfilment::{CourierCode, Shipment};
use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, connection, input_id, page_request, payload, record_object,
    respond,
};
use super::purchasing::PurchaseOrder;
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::closeout::assets;
use domain::fulfilment::drop_ship;
use domain::kernel::Permission;
use entity::{customer_asset, proof_of_delivery};

record_object! {
    /// Signed proof that an order was delivered.
    pub struct ProofOfDelivery(pub proof_of_delivery::Model);
}

object! {
    /// Signed proof that an order was delivered (one per order).
    #[Object]
    impl ProofOfDelivery {
        /// Globally unique identifier.
        id: ID,
        /// The package it was signed for, when known.
        shipment_id: Option<ID>,
        /// Who signed for the goods.
        signer_name: &str,
        /// When they signed.
        signed_at: DateTime<Utc>,
        /// The courier's evidence reference (photo, signature capture) or a
        /// document reference.
        evidence_reference: &str,
        /// When it was recorded.
        recorded_at: DateTime<Utc> = created_at,
    }
}

/// A delivered unit (by serial) or line of untracked units, with its warranty.
pub struct CustomerAsset(customer_asset::Model);

object! {
    /// Something a customer has from us: one serial-tracked unit, or a line of
    /// untracked units, with its warranty.
    #[Object]
    impl CustomerAsset {
        /// Globally unique identifier.
        id: ID,
        /// The product.
        async fn product(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::catalogue::Product>> {
            super::catalogue::Product::load(ctx, self.0.product_id).await
        }
        /// The order it was delivered on.
        order_id: ID,
        /// The order line it was delivered on.
        order_line_id: ID,
        /// Its serial number; null for untracked units.
        async fn serial(&self) -> Option<&str> {
            Some(self.0.serial.as_str()).filter(|s| !s.is_empty())
        }
        /// Units (1 for a serial).
        quantity: i32,
        /// The business date it was delivered.
        delivered_on: Date,
        /// The warranty's first day (the delivery date).
        warranty_starts_on: Date,
        /// The warranty's last day (from the product's `warrantyMonths`); null
        /// when the product carries none.
        warranty_ends_on: Option<Date>,
    }
}

/// The input of `sourceDropShip`.
#[derive(InputObject)]
pub struct SourceDropShipInput {
    /// The BACKORDERED customer order.
    pub order_id: ID,
    /// A supplier that drop-ships its lines' products.
    pub supplier_id: ID,
}

/// The input of `recordDropShipDispatch`.
#[derive(InputObject)]
pub struct RecordDropShipDispatchInput {
    /// The SENT drop-ship purchase order.
    pub purchase_order_id: ID,
    /// The courier the supplier handed the goods to.
    pub courier: CourierCode,
    /// The supplier's tracking number with that courier.
    pub tracking_number: String,
}

/// The input of `recordProofOfDelivery`.
#[derive(InputObject)]
pub struct RecordProofOfDeliveryInput {
    /// The shipped or delivered order.
    pub order_id: ID,
    /// The package signed for, when known.
    pub shipment_id: Option<ID>,
    /// Who signed for the goods.
    pub signer_name: String,
    /// When they signed.
    pub signed_at: DateTime<Utc>,
    /// The courier's evidence reference or a document reference.
    pub evidence_reference: String,
}

payload!("Result of `sourceDropShip`.", SourceDropShipPayload, purchase_order: PurchaseOrder);
payload!(
    "Result of `recordDropShipDispatch`.",
    RecordDropShipDispatchPayload,
    shipment: Shipment
);
payload!(
    "Result of `recordProofOfDelivery`.",
    RecordProofOfDeliveryPayload,
    proof_of_delivery: ProofOfDelivery
);

#[derive(Default)]
pub struct CloseoutRecordsQuery;

#[Object]
impl CloseoutRecordsQuery {
    /// A customer's assets and warranties, oldest first: staff see anyone's,
    /// a customer only its own.
    #[graphql(complexity = "super::limits::connection_cost(first, child_complexity)")]
    async fn customer_assets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer.")] customer_id: ID,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, CustomerAsset>> {
        let domain_ctx = ctx.domain_ctx()?;
        let customer = answer(ctx, input_id(&customer_id, "customerId"))?;
        let page = page_request(first, after)?;
        let found = assets::of_customer(&ctx.services().db, &domain_ctx, customer, page).await;
        Ok(connection(answer(ctx, found)?, CustomerAsset))
    }
}

#[derive(Default)]
pub struct CloseoutRecordsMutation;

#[Object]
impl CloseoutRecordsMutation {
    /// Source a BACKORDERED order's waiting goods lines as a drop-ship
    /// (purchasing roles): a DRAFT purchase order to a supplier that
    /// drop-ships, carrying the customer's address; those lines then count
    /// as held for the order, so its next reservation completes.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn source_drop_ship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: SourceDropShipInput,
    ) -> async_graphql::Result<SourceDropShipPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let order = input_id(&input.order_id, "orderId")?;
            let supplier = input_id(&input.supplier_id, "supplierId")?;
            domain::purchasing::source_drop_ship(&ctx.services().db, &domain_ctx, order, supplier)
                .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record that a drop-ship's supplier handed the goods to its courier
    /// (purchasing roles): a package of the order, tracked like any other;
    /// the purchase order is RECEIVED and the order ships.
    #[graphql(guard = "Require::to(Permission::Purchase)")]
    async fn record_drop_ship_dispatch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordDropShipDispatchInput,
    ) -> async_graphql::Result<RecordDropShipDispatchPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let services = ctx.services();
        let result = async {
            let dispatch = drop_ship::DispatchInput {
                purchase_order_id: input_id(&input.purchase_order_id, "purchaseOrderId")?,
                courier: input.courier.into(),
                tracking_number: input.tracking_number,
            };
            let calendar = services.calendar.current();
            drop_ship::record_dispatch(
                &services.db,
                &domain_ctx,
                &calendar,
                &services.config.poll_schedule,
                &dispatch,
            )
            .await
        }
        .await;
        respond(ctx, result).await
    }

    /// Record the signed proof that an order was delivered (FULFILMENT and
    /// ADMIN), once per order.
    #[graphql(guard = "Require::to(Permission::Fulfil)")]
    async fn record_proof_of_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: RecordProofOfDeliveryInput,
    ) -> async_graphql::Result<RecordProofOfDeliveryPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let proof = assets::ProofInput {
                order_id: input_id(&input.order_id, "orderId")?,
                shipment_id: input
                    .shipment_id
                    .as_ref()
                    .map(|id| input_id(id, "shipmentId"))
                    .transpose()?,
                signer_name: input.signer_name,
                signed_at: input.signed_at,
                evidence_reference: input.evidence_reference,
            };
            assets::record_proof(&ctx.services().db, &domain_ctx, &proof).await
        }
        .await;
        respond(ctx, result).await
    }
}
