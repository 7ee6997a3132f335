//! Pages a customer opens from an email's signed link, rendered on the
//! server from what the domain stored (no login, nothing to run in the
//! browser). Each purpose plugs its page in here.

pub mod feedback;
pub mod invoice;
pub mod nps;
pub mod packing_slip;
pub mod payer;
pub mod shell;
pub mod survey;
pub mod tracking;
pub mod unsubscribe;

use minijinja::Environment;
use std::sync::OnceLock;

/// The frame (head, base styles, the business's name above the content)
/// the survey, NPS, tracking and unsubscribe pages extend.
const PAGE_LAYOUT: (&str, &str) = (
    "page_layout.html",
    include_str!("../../templates/page_layout.html"),
);

/// The A4 sheet (head, print styles, the sheet's frame) the invoice and
/// the packing slip extend.
const SHEET_LAYOUT: (&str, &str) = (
    "sheet_layout.html",
    include_str!("../../templates/sheet_layout.html"),
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let all = [PAGE_LAYOUT, SHEET_LAYOUT]
            .into_iter()
            .chain(invoice::TEMPLATES)
            .chain(tracking::TEMPLATES)
            .chain(packing_slip::TEMPLATES)
            .chain(survey::TEMPLATES)
            .chain(nps::TEMPLATES)
            .chain(feedback::TEMPLATES)
            .chain(unsubscribe::TEMPLATES);
        for (name, source) in all {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} parses: {e}"));
        }
        env
    })
}

/// Render one page template (HTML-escaped) with `ctx`.
fn render(name: &str, ctx: impl serde::Serialize) -> Result<String, minijinja::Error> {
    environment()
        .get_template(name)?
        .render(minijinja::Value::from_serialize(&ctx))
}

/// Hand-built records the pages' tests render.
/// A validation message as a sentence on a page: capitalised, full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

/// A survey page that could not be shown or stored just now.
fn survey_unavailable() -> axum::response::Response {
    shell::page(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "We could not show this survey just now. Please try again shortly.",
    )
}

/// A survey link whose subject is gone (or never could be answered).
fn survey_no_longer_valid() -> axum::response::Response {
    shell::page(
        axum::http::StatusCode::NOT_FOUND,
        "Link no longer valid",
        "This survey link is no longer valid. Thank you all the same.",
    )
}

#[cfg(test)]
mod fixtures {
    use chrono::{DateTime, NaiveDate, Utc};
    use domain::fulfilment::Shipment;
    use domain::orders::Order;
    use entity::{
        CourierCode, LocationKind, ProductKind, Region, ShipmentStage, ShippingSpeed,
        TrackingStatus, TrackingSubStatus, order_line, sales_order, shipment, shipment_item,
        stock_location, tracking_checkpoint,
    };
    use uuid::Uuid;

    pub fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn line(n: u128, line_no: i32, sku: &str, name: &str, quantity: i32) -> order_line::Model {
        order_line::Model {
            id: Uuid::from_u128(100 + n),
            order_id: Uuid::from_u128(1),
            line_no,
            product_id: Uuid::from_u128(200 + n),
            sku: sku.into(),
            name: name.into(),
            kind: ProductKind::Goods,
            tax_code: "TAXABLE".into(),
            unit_price_cents: 12995,
            quantity,
            discount_basis_points: 0,
            reserved_quantity: quantity,
            drop_ship_po_id: None,
        }
    }

    pub fn order() -> Order {
        Order {
            order: sales_order::Model {
                ship_line1: "Unit 4, 12 Harbour St".into(),
                ship_line2: Some("Level 2".into()),
                ship_suburb: "Pyrmont".into(),
                ship_postcode: "2009".into(),
                authority_to_leave: true,
                delivery_instructions: Some("Leave behind the <side> gate".into()),
                ..domain::orders::example()
            },
            lines: vec![
                line(1, 1, "CHAIR-01", "Oak dining chair", 4),
                line(2, 2, "LAMP-02", "Brass desk lamp", 1),
                line(3, 3, "TEA-03", "Sencha green tea 100 g", 3),
            ],
        }
    }

    fn item(
        n: u128,
        line: u128,
        batch: &str,
        quantity: i32,
        serials: &[&str],
    ) -> shipment_item::Model {
        shipment_item::Model {
            id: Uuid::from_u128(300 + n),
            shipment_id: Uuid::from_u128(10),
            order_line_id: Uuid::from_u128(100 + line),
            allocation_id: Some(Uuid::from_u128(400 + n)),
            stock_level_id: Some(Uuid::from_u128(500 + n)),
            batch_code: batch.into(),
            quantity,
            serials: serde_json::to_string(serials).unwrap(),
        }
    }

    fn checkpoint(
        at: &str,
        status: TrackingStatus,
        sub_status: Option<TrackingSubStatus>,
        location: Option<&str>,
        message: &str,
    ) -> tracking_checkpoint::Model {
        tracking_checkpoint::Model {
            id: Uuid::now_v7(),
            shipment_id: Uuid::from_u128(10),
            occurred_at: utc(at),
            status,
            sub_status,
            location: location.map(Into::into),
            message: message.into(),
            raw_code: message.into(),
            recorded_at: utc(at),
        }
    }

    /// A package on its way: a chair (part of its line), a serial-tracked
    /// lamp and tea from a batch, with the courier's news so far.
    pub fn shipment() -> Shipment {
        let packed = utc("2026-11-22T23:30:00Z");
        Shipment {
            shipment: shipment::Model {
                id: Uuid::from_u128(10),
                number: "SO-000012-1".into(),
                order_id: Uuid::from_u128(1),
                location_id: Some(Uuid::from_u128(20)),
                purchase_order_id: None,
                stage: ShipmentStage::PickedUp,
                weight_grams: 5250,
                length_mm: Some(600),
                width_mm: Some(400),
                height_mm: Some(350),
                courier: Some(CourierCode::B),
                service_level: Some(ShippingSpeed::Express),
                tracking_number: Some("SIMB1A2B3C4D5".into()),
                label_reference: Some("LBL-B-SO-000012-1".into()),
                label_data: None,
                tracking_status: TrackingStatus::InTransit,
                sub_status: None,
                estimated_delivery: NaiveDate::from_ymd_opt(2026, 11, 25),
                picked_up_at: Some(utc("2026-11-23T00:00:00Z")),
                delivered_at: None,
                last_news_at: Some(utc("2026-11-24T00:00:00Z")),
                poll_failures: 0,
                next_poll_at: None,
                packed_by: "staff".into(),
                version: 3,
                created_at: packed,
                updated_at: packed,
            },
            items: vec![
                item(1, 1, "", 2, &[]),
                item(2, 2, "", 1, &["LMP-<001>"]),
                item(3, 3, "B2026-11", 3, &[]),
            ],
            checkpoints: vec![
                checkpoint(
                    "2026-11-23T00:00:00Z",
                    TrackingStatus::InfoReceived,
                    None,
                    Some("Sender"),
                    "Shipment details received",
                ),
                checkpoint(
                    "2026-11-23T01:00:00Z",
                    TrackingStatus::InTransit,
                    None,
                    Some("Sender depot"),
                    "Picked up by the courier",
                ),
                checkpoint(
                    "2026-11-24T00:00:00Z",
                    TrackingStatus::InTransit,
                    None,
                    Some("Sorting <facility>"),
                    "Arrived at the sorting facility",
                ),
            ],
        }
    }

    pub fn location() -> stock_location::Model {
        let at = utc("2026-01-01T00:00:00Z");
        stock_location::Model {
            id: Uuid::from_u128(20),
            code: "SYD-01".into(),
            name: "Sydney warehouse".into(),
            region: Region::Australia,
            kind: LocationKind::Warehouse,
            line1: Some("1 Dock Rd".into()),
            line2: None,
            suburb: Some("Botany".into()),
            state: Some("NSW".into()),
            postcode: Some("2019".into()),
            country: "AU".into(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }
}
