//! The end of an order's life: replenishment tasks the daily run raises and
//! the fulfilment KPIs of a period. Resolvers only translate:
//! `domain::closeout` rules.

use super::date::Date;
use super::kit::object;
use super::kit::{ContextExt, Require, answer, connection, page_request};
use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::closeout::{self, kpis};
use domain::kernel::Permission;
use entity::replenishment_task;

/// Where a replenishment task is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ReplenishmentStatus")]
pub enum ReplenishmentStatus {
    /// Waiting for purchasing.
    Open,
    /// Ordered or otherwise dealt with.
    Done,
}

/// A product under its reorder point, for purchasing to order.
pub struct ReplenishmentTask(replenishment_task::Model);

object! {
    /// A product under its reorder point, for purchasing to order (one open
    /// task per product).
    #[Object]
    impl ReplenishmentTask {
        /// Globally unique identifier.
        id: ID,
        /// The product.
        async fn product(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<Option<super::catalogue::Product>> {
            super::catalogue::Product::load(ctx, self.0.product_id).await
        }
        /// The business date of the run that raised it.
        business_date: Date,
        /// Unreserved units on hand in warehouses when it was raised.
        on_hand: i32,
        /// The product's reorder point then.
        reorder_point: i32,
        /// How many to order (the product's reorder quantity, at least the shortfall).
        suggested_quantity: i32,
        /// Where it is.
        status: ReplenishmentStatus,
        /// When it was raised (UTC).
        created_at: DateTime<Utc>,
    }
}

/// A share with the counts behind it.
#[derive(SimpleObject)]
pub struct KpiRate {
    /// `numerator ÷ denominator`, 0 to 1; null when there is nothing to measure.
    pub rate: Option<f64>,
    /// What met the measure.
    pub numerator: i32,
    /// What was measured.
    pub denominator: i32,
}

impl From<kpis::Rate> for KpiRate {
    fn from(r: kpis::Rate) -> Self {
        KpiRate {
            rate: r.value().map(|v| (v * 10_000.0).round() / 10_000.0),
            numerator: r.numerator as i32,
            denominator: r.denominator as i32,
        }
    }
}

/// Hours from placing to delivery.
#[derive(SimpleObject)]
pub struct CycleTime {
    /// Orders delivered in the period.
    pub orders: i32,
    /// The median, in hours.
    pub median_hours: Option<f64>,
    /// The 90th percentile (nearest rank), in hours.
    pub p90_hours: Option<f64>,
}

/// Hours from goods bought for a customer order passing QC to that order's
/// next package leaving.
#[derive(SimpleObject)]
pub struct ReceiptToShipTime {
    /// Purchase orders sourced from a customer order, measured from their
    /// first passed-QC receipt to the order's first pickup at or after it,
    /// for pickups in the period.
    pub purchase_orders: i32,
    /// The median, in hours.
    pub median_hours: Option<f64>,
    /// The 90th percentile (nearest rank), in hours.
    pub p90_hours: Option<f64>,
}

/// One supplier's purchase orders completed in the period, and how many of
/// them by their expected date.
pub struct SupplierOnTime(kpis::SupplierOnTime);

object! {
    /// One supplier's on-time rate in a period.
    #[Object]
    impl SupplierOnTime {
        /// The supplier's id.
        supplier_id: ID,
        /// The supplier's name.
        async fn supplier_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
            use super::loaders::{CustomerLoader, load_one};
            let found = load_one::<CustomerLoader, _>(ctx, self.0.supplier_id).await?;
            found
                .map(|p| p.name)
                .ok_or_else(|| async_graphql::Error::new("the supplier is missing"))
        }
        /// Its purchase orders completed by their expected date ÷ its purchase
        /// orders with an expected date completed in the period.
        on_time: KpiRate,
    }
}

/// Errors made processing orders and goods, with the counts behind them.
#[derive(SimpleObject)]
pub struct OrderProcessingErrors {
    /// (corrections + qcFailures + errorReturns) ÷ (ordersPlaced + receipts).
    pub rate: KpiRate,
    /// Orders placed in the period that needed a correction after placement
    /// (so far): cancelled by staff. Edits of a placed order join this
    /// figure when they exist.
    pub corrections: i32,
    /// Goods receipts dated in the period that failed QC.
    pub qc_failures: i32,
    /// Returns asked for in the period because we sent the wrong item
    /// (WRONG_ITEM; not cancelled or rejected).
    pub error_returns: i32,
    /// Orders placed in the period (backorders are not placed).
    pub orders_placed: i32,
    /// Goods receipts dated in the period.
    pub receipts: i32,
}

/// What customers answered in the satisfaction survey.
#[derive(SimpleObject)]
pub struct ClientSatisfaction {
    /// Answers in the period.
    pub responses: i32,
    /// Their mean rating, 1 (poor) to 5 (excellent); null without answers.
    pub average_rating: Option<f64>,
}

/// The fulfilment KPIs of a period of Sydney dates.
#[derive(SimpleObject)]
pub struct FulfilmentKpis {
    /// The first date of the period.
    pub from: Date,
    /// The last date of the period (inclusive).
    pub to: Date,
    /// Orders delivered in the period by their required date ÷ orders delivered in it.
    pub on_time_delivery: KpiRate,
    /// Units in each order's first package ÷ units ordered (backorders
    /// included), for orders whose first package left in the period.
    pub fill_rate: KpiRate,
    /// Placed → delivered, for orders delivered in the period.
    pub cycle_time: CycleTime,
    /// Refused order placements ÷ attempts (refused + placed) in the period.
    pub order_entry_error_rate: KpiRate,
    /// The satisfaction survey's answers in the period.
    pub client_satisfaction: ClientSatisfaction,
    /// Purchase orders completed by their expected date ÷ purchase orders
    /// with an expected date whose last units arrived on a date in the
    /// period (the completing receipt's received date; short-closed orders
    /// never complete).
    pub supplier_on_time: KpiRate,
    /// The same, per supplier.
    pub supplier_on_time_by_supplier: Vec<SupplierOnTime>,
    /// Goods bought for a customer order: their first passed-QC receipt →
    /// the order's next pickup, for pickups in the period.
    pub receipt_to_ship: ReceiptToShipTime,
    /// Orders needing a correction after placement, goods receipts that
    /// failed QC and wrong-item returns ÷ orders placed and goods receipts
    /// in the period.
    pub order_processing_errors: OrderProcessingErrors,
    /// Returns asked for in the period because of an error of ours (WRONG_ITEM
    /// or DAMAGED_IN_TRANSIT; not cancelled or rejected) ÷ orders delivered
    /// in the period.
    pub return_rate_due_to_errors: KpiRate,
}

fn hours(h: Option<f64>) -> Option<f64> {
    h.map(|v| (v * 100.0).round() / 100.0)
}

#[derive(Default)]
pub struct CloseoutQuery;

#[Object]
impl CloseoutQuery {
    /// Replenishment tasks (staff), oldest first.
    #[graphql(
        guard = "Require::to(Permission::ReadStock)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn replenishment_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks in this state; all when omitted.")] status: Option<
            ReplenishmentStatus,
        >,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ReplenishmentTask>> {
        let page = page_request(first, after)?;
        let found = closeout::tasks(
            &ctx.services().db,
            &ctx.domain_ctx()?,
            status.map(Into::into),
            page,
        )
        .await;
        Ok(connection(answer(ctx, found)?, ReplenishmentTask))
    }

    /// The fulfilment KPIs of the Sydney dates `from` to `to` inclusive
    /// (staff; at most 366 days): each rate with the counts behind it.
    #[graphql(guard = "Require::to(Permission::ManageOrders)")]
    async fn fulfilment_kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first date.")] from: Date,
        #[graphql(desc = "The last date (inclusive).")] to: Date,
    ) -> async_graphql::Result<FulfilmentKpis> {
        let services = ctx.services();
        let calendar = services.calendar.current();
        let found =
            closeout::fulfilment_kpis(&services.db, &ctx.domain_ctx()?, &calendar, from.0, to.0)
                .await;
        let k = answer(ctx, found)?;
        Ok(FulfilmentKpis {
            from,
            to,
            on_time_delivery: k.on_time_delivery.into(),
            fill_rate: k.fill_rate.into(),
            cycle_time: CycleTime {
                orders: k.cycle_time.orders as i32,
                median_hours: hours(k.cycle_time.median_hours),
                p90_hours: hours(k.cycle_time.p90_hours),
            },
            order_entry_error_rate: k.order_entry_errors.into(),
            client_satisfaction: ClientSatisfaction {
                responses: k.client_satisfaction.responses as i32,
                average_rating: k
                    .client_satisfaction
                    .average_rating
                    .map(|v| (v * 100.0).round() / 100.0),
            },
            supplier_on_time: k.supplier_on_time.into(),
            supplier_on_time_by_supplier: k
                .supplier_on_time_by_supplier
                .into_iter()
                .map(SupplierOnTime)
                .collect(),
            receipt_to_ship: ReceiptToShipTime {
                purchase_orders: k.receipt_to_ship.orders as i32,
                median_hours: hours(k.receipt_to_ship.median_hours),
                p90_hours: hours(k.receipt_to_ship.p90_hours),
            },
            order_processing_errors: OrderProcessingErrors {
                rate: k.order_processing_errors.rate.into(),
                corrections: k.order_processing_errors.corrections as i32,
                qc_failures: k.order_processing_errors.qc_failures as i32,
                error_returns: k.order_processing_errors.error_returns as i32,
                orders_placed: k.order_processing_errors.orders_placed as i32,
                receipts: k.order_processing_errors.receipts as i32,
            },
            return_rate_due_to_errors: k.return_rate_due_to_errors.into(),
        })
    }
}
