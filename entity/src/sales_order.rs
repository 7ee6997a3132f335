use crate::enums::{Channel, LateRisk, OrderStatus, Region, ShippingSpeed};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A customer order. Prices, discounts and the shipping charge are copied
    /// onto it (and its lines) when it is placed.
    #[sea_orm(table_name = "sales_order")]
    pub struct Model {
        /// Gap-free, e.g. `SO-000001`.
        #[sea_orm(unique)]
        pub number: String,
        pub status: OrderStatus,
        pub on_hold: bool,
        /// The customer; `None` for a guest order.
        pub customer_id: Option<Uuid>,
        pub contact_name: String,
        pub contact_email: Option<String>,
        /// E.164.
        pub contact_phone: Option<String>,
        pub customer_abn: Option<String>,
        pub ship_line1: String,
        pub ship_line2: Option<String>,
        pub ship_suburb: String,
        pub ship_state: String,
        pub ship_postcode: String,
        pub ship_country: String,
        /// The shipping address's region (where stock is looked for first).
        pub region: Region,
        pub required_delivery_date: Date,
        pub authority_to_leave: bool,
        pub delivery_instructions: Option<String>,
        pub shipping_speed: ShippingSpeed,
        pub shipping_cents: i64,
        pub order_discount_cents: i64,
        /// The one price basis of every line.
        pub prices_include_gst: bool,
        /// GST included, after discounts and shipping.
        pub total_cents: i64,
        pub channel: Channel,
        pub reservation_approval_id: Option<Uuid>,
        /// Why the order is where it is (e.g. a rejection's comment).
        pub status_reason: Option<String>,
        /// When an unpaid reservation lapses.
        pub reserved_until: Option<DateTimeUtc>,
        pub placed_by: String,
        /// Against the required delivery date, as the last review found it.
        pub late_risk: LateRisk,
        /// The delivery date last told to the customer before a package left
        /// (set when backordered goods arrive).
        pub estimated_delivery: Option<Date>,
        /// The order this backorder was split from when that one was invoiced.
        pub backorder_of: Option<Uuid>,
        /// The order this one replaces at no charge (a claim's or a return's
        /// replacement).
        pub replacement_of: Option<Uuid>,
        /// When its last package was delivered.
        pub delivered_at: Option<DateTimeUtc>,
        /// When the closure run closed it.
        pub closed_at: Option<DateTimeUtc>,
        /// Archived orders stay readable but leave the default lists.
        pub archived: bool,
        pub archived_at: Option<DateTimeUtc>,
    }
}
