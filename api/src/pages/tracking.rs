//! The public tracking page of one package, opened from the signed link in
//! every shipment email: where the package is, when it should arrive, and
//! what its courier reported (newest first, Sydney time). No login and
//! nothing runs in the browser.

use super::shell::{page, with_page_headers};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::fulfilment::{Shipment, couriers};
use domain::rules::calendar::DEFAULT_TZ;
use entity::{CourierCode, ShipmentStage, TrackingStatus, TrackingSubStatus};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 1] = [(
    "tracking.html",
    include_str!("../../templates/tracking.html"),
)];

#[derive(Serialize)]
struct CheckpointView {
    date: String,
    time: String,
    status: &'static str,
    location: Option<String>,
    message: String,
}

#[derive(Serialize)]
struct TrackingView {
    business_name: String,
    order_number: String,
    package_number: String,
    courier: Option<String>,
    tracking_number: Option<String>,
    status: &'static str,
    sub_status: Option<&'static str>,
    /// How the status reads at a glance: `done`, `problem` or `moving`.
    tone: &'static str,
    estimated_delivery: Option<String>,
    delivered_at: Option<String>,
    checkpoints: Vec<CheckpointView>,
}

fn courier_name(code: CourierCode) -> Option<String> {
    couriers::defaults()
        .into_iter()
        .find(|c| c.code == code)
        .map(|c| c.name)
}

/// A tracking status in words.
fn status_words(status: TrackingStatus) -> &'static str {
    match status {
        TrackingStatus::Pending => "With the courier",
        TrackingStatus::InfoReceived => "Courier has the details",
        TrackingStatus::InTransit => "On its way",
        TrackingStatus::OutForDelivery => "Out for delivery",
        TrackingStatus::AttemptFail => "Delivery attempted",
        TrackingStatus::AvailableForPickup => "Ready to collect",
        TrackingStatus::Delivered => "Delivered",
        TrackingStatus::Exception => "Problem with delivery",
        TrackingStatus::Expired => "No recent tracking news",
    }
}

/// A tracking sub-status in words.
fn sub_status_words(sub_status: TrackingSubStatus) -> &'static str {
    match sub_status {
        TrackingSubStatus::SignedFor => "Signed for",
        TrackingSubStatus::LeftSafe => "Left in a safe place",
        TrackingSubStatus::Collected => "Collected",
        TrackingSubStatus::NoOneHome => "Nobody was home",
        TrackingSubStatus::BadAddress => "The address could not be found",
        TrackingSubStatus::Damaged => "Damaged in transit",
        TrackingSubStatus::Lost => "Lost by the courier",
        TrackingSubStatus::Returning => "On its way back to us",
        TrackingSubStatus::Delayed => "Held up",
    }
}

/// A Sydney clock time: "2:15 pm AEDT".
fn clock(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&DEFAULT_TZ);
    format!(
        "{} {}",
        t.format("%-I:%M %p").to_string().to_lowercase(),
        t.format("%Z")
    )
}

fn view(business_name: &str, order_number: &str, shipment: &Shipment) -> TrackingView {
    let s = &shipment.shipment;
    let picked_up = s.stage == ShipmentStage::PickedUp;
    let status = match s.stage {
        ShipmentStage::Packed => "Packed, getting ready to ship",
        ShipmentStage::Labelled => "Ready for the courier to collect",
        ShipmentStage::PickedUp => status_words(s.tracking_status),
    };
    let tone = match (picked_up, s.tracking_status) {
        (true, TrackingStatus::Delivered) => "done",
        (
            true,
            TrackingStatus::AttemptFail | TrackingStatus::Exception | TrackingStatus::Expired,
        ) => "problem",
        _ => "moving",
    };
    let delivered = picked_up && s.tracking_status == TrackingStatus::Delivered;
    let delivered_at = if delivered {
        s.delivered_at.or_else(|| {
            shipment
                .checkpoints
                .iter()
                .rev()
                .find(|c| c.status == TrackingStatus::Delivered)
                .map(|c| c.occurred_at)
        })
    } else {
        None
    };
    let mut checkpoints: Vec<_> = shipment.checkpoints.iter().collect();
    checkpoints.sort_by(|a, b| (b.occurred_at, &b.raw_code).cmp(&(a.occurred_at, &a.raw_code)));
    TrackingView {
        business_name: business_name.to_owned(),
        order_number: order_number.to_owned(),
        package_number: s.number.clone(),
        courier: s.courier.and_then(courier_name),
        tracking_number: s.tracking_number.clone(),
        status,
        sub_status: s.sub_status.filter(|_| picked_up).map(sub_status_words),
        tone,
        estimated_delivery: s
            .estimated_delivery
            .filter(|_| !delivered)
            .map(|d| d.format("%A %-d %B %Y").to_string()),
        delivered_at: delivered_at.map(|at| {
            let day = at.with_timezone(&DEFAULT_TZ).format("%A %-d %B %Y");
            format!("{day}, {}", clock(at))
        }),
        checkpoints: checkpoints
            .into_iter()
            .map(|c| CheckpointView {
                date: c
                    .occurred_at
                    .with_timezone(&DEFAULT_TZ)
                    .format("%a %-d %b %Y")
                    .to_string(),
                time: clock(c.occurred_at),
                status: status_words(c.status),
                location: c.location.clone().filter(|l| !l.trim().is_empty()),
                message: c.message.clone(),
            })
            .collect(),
    }
}

/// The page's HTML: `business_name` is the business's name, `order_number`
/// the number of the order the package belongs to.
pub fn render(
    business_name: &str,
    order_number: &str,
    shipment: &Shipment,
) -> Result<String, minijinja::Error> {
    super::render("tracking.html", view(business_name, order_number, shipment))
}

/// A package's public tracking page. The link names the package itself, so
/// it opens that one only; a package (or order) that no longer exists gets
/// the short "no longer valid" page, a failure a short page, never a trace.
pub async fn show(state: &AppState, id: uuid::Uuid) -> Response {
    let unavailable = || {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "We could not show this package's tracking just now. Please try again shortly.",
        )
    };
    let loaded = async {
        let Some(shipment) = domain::fulfilment::find(&state.db, id).await? else {
            return Ok(None);
        };
        let Some(order) = domain::orders::find(&state.db, shipment.shipment.order_id).await? else {
            return Ok(None);
        };
        let settings = domain::settings::current(&state.db).await?;
        Ok::<_, sea_orm::DbErr>(Some((settings.legal_name, order.order.number, shipment)))
    };
    match loaded.await {
        Ok(Some((business_name, order_number, shipment))) => {
            match render(&business_name, &order_number, &shipment) {
                Ok(html) => with_page_headers((StatusCode::OK, Html(html)).into_response()),
                Err(e) => {
                    tracing::error!(error = %e, shipment_id = %id, "rendering the tracking page failed");
                    unavailable()
                }
            }
        }
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            "Link no longer valid",
            "This link is no longer valid. Please contact us and we will help you track your order.",
        ),
        Err(e) => {
            tracing::error!(error = %e, shipment_id = %id, "reading the package for its tracking page failed");
            unavailable()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn the_page_shows_the_package_its_status_and_news_newest_first() {
        let html = render("Harbour <Homewares>", "SO-000012", &fixtures::shipment()).unwrap();
        for text in [
            "Harbour &lt;Homewares&gt;",
            "SO-000012-1",
            "Order SO-000012",
            "Harbour Couriers",
            "SIMB1A2B3C4D5",
            "On its way",
            "Wednesday 25 November 2026",
            // 00:00 UTC on 24 November is 11 am daylight time in Sydney.
            "Tue 24 Nov 2026 · 11:00 am AEDT",
            "Sorting &lt;facility&gt;",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        let newest = html.find("Arrived at the sorting facility").unwrap();
        let oldest = html.find("Shipment details received").unwrap();
        assert!(newest < oldest, "newest checkpoint first");
        assert!(!html.contains("<script"));
        assert!(!html.contains("onclick"));
    }

    #[test]
    fn a_delivered_package_shows_when_and_how_not_an_estimate() {
        let mut shipment = fixtures::shipment();
        shipment.shipment.tracking_status = TrackingStatus::Delivered;
        shipment.shipment.sub_status = Some(TrackingSubStatus::LeftSafe);
        shipment.shipment.delivered_at = Some(fixtures::utc("2026-11-25T03:15:00Z"));
        let html = render("Harbour Homewares", "SO-000012", &shipment).unwrap();
        assert!(html.contains("Delivered"));
        assert!(html.contains("Left in a safe place"));
        assert!(html.contains("Wednesday 25 November 2026, 2:15 pm AEDT"));
        assert!(!html.contains("Estimated delivery"));
        assert!(html.contains("status done"));
    }

    #[test]
    fn a_package_not_yet_collected_says_so_without_news() {
        let mut shipment = fixtures::shipment();
        shipment.shipment.stage = ShipmentStage::Labelled;
        shipment.shipment.tracking_status = TrackingStatus::Pending;
        shipment.checkpoints.clear();
        let html = render("Harbour Homewares", "SO-000012", &shipment).unwrap();
        assert!(html.contains("Ready for the courier to collect"));
        assert!(html.contains("No tracking updates yet"));
    }
}
