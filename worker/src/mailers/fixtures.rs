//! The customer order the mailers' tests render from: one shape, varied
//! with struct update syntax where a test needs something else.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{Channel, LateRisk, OrderStatus, Region, ShippingSpeed, sales_order};
use uuid::Uuid;

pub fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// SO-000012 for "Tom & <Jerry>" (a name HTML must escape), shipped by
/// express to George St, Sydney, needed by 30 November 2026.
pub fn sales_order() -> sales_order::Model {
    let at = utc("2026-11-20T01:00:00Z");
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
        backorder_of: None,
        delivered_at: None,
        closed_at: None,
        archived: false,
        archived_at: None,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}
