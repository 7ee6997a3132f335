//! The order email previews, page previews and unit tests start from.

use chrono::{NaiveDate, TimeZone, Utc};
use entity::{Channel, LateRisk, OrderStatus, Region, ShippingSpeed, sales_order};
use uuid::Uuid;

/// SO-000012 for "Tom & <Jerry>" (a name HTML must escape), shipped by
/// express to George St, Sydney, needed by 30 November 2026; a test varies
/// it with struct update syntax.
pub fn example() -> sales_order::Model {
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap();
    sales_order::Model {
        id: Uuid::from_u128(1),
        number: "SO-000012".into(),
        status: OrderStatus::Shipped,
        on_hold: false,
        customer_id: None,
        contact_name: "Tom & <Jerry>".into(),
        contact_email: Some("tom@example.com.au".into()),
        contact_phone: None,
        customer_abn: None,
        ship_line1: "1 George St".into(),
        ship_line2: None,
        ship_suburb: "Sydney".into(),
        ship_state: "NSW".into(),
        ship_postcode: "2000".into(),
        ship_country: "AU".into(),
        region: Region::Australia,
        required_delivery_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        authority_to_leave: false,
        delivery_instructions: None,
        shipping_speed: ShippingSpeed::Express,
        shipping_cents: 1995,
        order_discount_cents: 0,
        prices_include_gst: true,
        total_cents: 27935,
        channel: Channel::Web,
        reservation_approval_id: None,
        status_reason: None,
        reserved_until: None,
        placed_by: "guest".into(),
        late_risk: LateRisk::OnTrack,
        estimated_delivery: None,
        backorder_of: None,
        replacement_of: None,
        delivered_at: None,
        closed_at: None,
        archived: false,
        archived_at: None,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}
