//! Couriers behind one trait: a courier issues a package's label and
//! answers tracking queries. The five configured couriers (A–E) each have a
//! name, the service levels they offer and the pattern of their public
//! tracking link; each is served by an adapter: the simulated courier on the
//! embedded default, or an HTTP adapter (in the worker crate) speaking the
//! documented JSON contract (docs/courier-api.md).
//!
//! `SimulatedCourier` is deterministic: a package's checkpoints follow from
//! its pickup time and service level, revealed as the app clock passes them.
//! Delivery instructions containing `simulate:exception`, `simulate:attempt`
//! or `simulate:lost` tell it to damage the package in transit (then deliver
//! a day late), to fail the first delivery attempt, or to lose it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
pub use entity::CourierCode;
use entity::{ShippingSpeed, TrackingStatus, TrackingSubStatus};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// What a courier needs to issue a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelRequest {
    /// Our reference of the package (its number); a courier issues one
    /// label per reference, however often it is asked.
    pub reference: String,
    pub service_level: ShippingSpeed,
    pub weight_grams: i32,
    pub length_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub height_mm: Option<i32>,
    pub to: LabelAddress,
    pub authority_to_leave: bool,
    pub instructions: Option<String>,
}

/// Where a label sends a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelAddress {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub suburb: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    pub phone: Option<String>,
}

/// The label a courier issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub tracking_number: String,
    pub label_reference: String,
    pub estimated_delivery: Option<NaiveDate>,
}

/// One package to look up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackQuery {
    pub tracking_number: String,
    /// When it was handed over and how fast it travels (the simulated
    /// courier derives its timeline from them; real couriers know them).
    pub picked_up_at: DateTime<Utc>,
    pub service_level: ShippingSpeed,
    pub instructions: Option<String>,
}

/// One event the courier reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub occurred_at: DateTime<Utc>,
    pub status: TrackingStatus,
    pub sub_status: Option<TrackingSubStatus>,
    pub location: Option<String>,
    pub message: String,
    /// The courier's own event code.
    pub raw_code: String,
}

/// What a courier knows of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    pub tracking_number: String,
    /// Every checkpoint so far, in any order.
    pub checkpoints: Vec<Checkpoint>,
    pub estimated_delivery: Option<NaiveDate>,
}

/// A call that got no usable answer; the caller backs off and asks again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CourierError {
    #[error("the courier did not answer in time")]
    Timeout,
    #[error("the courier is unavailable: {0}")]
    Unavailable(String),
    /// The courier refused the request itself (e.g. a bad address): asking
    /// again will not help.
    #[error("the courier refused: {0}")]
    Refused(String),
}

#[async_trait::async_trait]
pub trait CourierAdapter: Send + Sync {
    /// Issue the label of a package (idempotent by `reference`).
    async fn create_label(&self, request: &LabelRequest) -> Result<Label, CourierError>;
    /// Look up packages in one call; a package the courier does not know is
    /// left out of the answer. `now` is the app clock.
    async fn track(
        &self,
        packages: &[TrackQuery],
        now: DateTime<Utc>,
    ) -> Result<Vec<Tracking>, CourierError>;
}

/// A configured courier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Courier {
    pub code: CourierCode,
    pub name: String,
    pub service_levels: Vec<ShippingSpeed>,
    /// The courier's public tracking page, `{tracking_number}` filled in.
    pub tracking_url_pattern: String,
}

impl Courier {
    pub fn tracking_url(&self, tracking_number: &str) -> String {
        self.tracking_url_pattern
            .replace("{tracking_number}", tracking_number)
    }
}

/// The five couriers as shipped; configuration may point any of them at an
/// HTTP endpoint and change its tracking link.
pub fn defaults() -> Vec<Courier> {
    use ShippingSpeed::{Express, Overnight, Standard};
    let courier = |code, name: &str, slug: &str, levels: &[ShippingSpeed]| Courier {
        code,
        name: name.to_owned(),
        service_levels: levels.to_vec(),
        tracking_url_pattern: format!("https://track.{slug}.example/{{tracking_number}}"),
    };
    vec![
        courier(
            CourierCode::A,
            "Southern Cross Post",
            "southerncross",
            &[Standard, Express],
        ),
        courier(
            CourierCode::B,
            "Harbour Couriers",
            "harbour",
            &[Standard, Express, Overnight],
        ),
        courier(CourierCode::C, "Outback Freight", "outback", &[Standard]),
        courier(
            CourierCode::D,
            "Coral Express",
            "coral",
            &[Express, Overnight],
        ),
        courier(
            CourierCode::E,
            "Tasman Overnight",
            "tasman",
            &[Express, Overnight],
        ),
    ]
}

/// The configured couriers and their adapters.
#[derive(Clone)]
pub struct Couriers {
    entries: Arc<Vec<(Courier, Arc<dyn CourierAdapter>)>>,
}

impl Couriers {
    pub fn new(entries: Vec<(Courier, Arc<dyn CourierAdapter>)>) -> Couriers {
        Couriers {
            entries: Arc::new(entries),
        }
    }

    /// Every default courier served by the simulated courier.
    pub fn simulated() -> Couriers {
        Couriers::new(
            defaults()
                .into_iter()
                .map(|c| {
                    let adapter: Arc<dyn CourierAdapter> = Arc::new(SimulatedCourier::new(c.code));
                    (c, adapter)
                })
                .collect(),
        )
    }

    pub fn all(&self) -> impl Iterator<Item = &Courier> {
        self.entries.iter().map(|(c, _)| c)
    }

    pub fn get(&self, code: CourierCode) -> Option<&Courier> {
        self.all().find(|c| c.code == code)
    }

    pub fn adapter(&self, code: CourierCode) -> Option<Arc<dyn CourierAdapter>> {
        self.entries
            .iter()
            .find(|(c, _)| c.code == code)
            .map(|(_, a)| a.clone())
    }
}

/// Days in transit the simulated courier takes per service level.
fn transit_days(level: ShippingSpeed) -> i64 {
    match level {
        ShippingSpeed::Overnight => 1,
        ShippingSpeed::Express => 2,
        ShippingSpeed::Standard => 4,
    }
}

/// The deterministic courier of the embedded default.
pub struct SimulatedCourier {
    code: CourierCode,
}

/// What the simulated courier was told to do with a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Smooth,
    DamagedThenLate,
    AttemptFailed,
    Lost,
}

fn scenario(instructions: Option<&str>) -> Scenario {
    let text = instructions.unwrap_or_default().to_lowercase();
    if text.contains("simulate:exception") {
        Scenario::DamagedThenLate
    } else if text.contains("simulate:attempt") {
        Scenario::AttemptFailed
    } else if text.contains("simulate:lost") {
        Scenario::Lost
    } else {
        Scenario::Smooth
    }
}

impl SimulatedCourier {
    pub fn new(code: CourierCode) -> SimulatedCourier {
        SimulatedCourier { code }
    }

    /// The whole life of a package, known from its pickup: every checkpoint
    /// (revealed as time passes) and the estimate the courier gives.
    pub fn timeline(query: &TrackQuery) -> (Vec<Checkpoint>, NaiveDate) {
        let t0 = query.picked_up_at;
        let days = transit_days(query.service_level);
        let mut arrival = t0 + Duration::days(days);
        let at = |offset: Duration,
                  status: TrackingStatus,
                  sub: Option<TrackingSubStatus>,
                  location: &str,
                  message: &str,
                  raw: &str| Checkpoint {
            occurred_at: t0 + offset,
            status,
            sub_status: sub,
            location: Some(location.to_owned()),
            message: message.to_owned(),
            raw_code: raw.to_owned(),
        };
        use TrackingStatus as T;
        let mut out = vec![
            at(
                Duration::zero(),
                T::InfoReceived,
                None,
                "Sender",
                "Shipment details received",
                "SIM-MAN",
            ),
            at(
                Duration::hours(1),
                T::InTransit,
                None,
                "Sender depot",
                "Picked up by the courier",
                "SIM-PU",
            ),
            at(
                Duration::hours(days * 12),
                T::InTransit,
                None,
                "Sorting facility",
                "Arrived at the sorting facility",
                "SIM-ARR",
            ),
        ];
        let sc = scenario(query.instructions.as_deref());
        match sc {
            Scenario::Lost => {
                out.push(at(
                    Duration::hours(days * 12 + 2),
                    T::Exception,
                    Some(TrackingSubStatus::Lost),
                    "Sorting facility",
                    "We cannot locate this parcel and are investigating",
                    "SIM-LOST",
                ));
                return (out, arrival.date_naive());
            }
            Scenario::DamagedThenLate => {
                out.push(at(
                    Duration::hours(days * 12 + 1),
                    T::Exception,
                    Some(TrackingSubStatus::Damaged),
                    "Sorting facility",
                    "Parcel damaged in transit; repackaging",
                    "SIM-DMG",
                ));
                arrival += Duration::days(1);
            }
            Scenario::AttemptFailed => {
                let first = arrival - t0;
                out.push(at(
                    first - Duration::hours(3),
                    T::OutForDelivery,
                    None,
                    "Local depot",
                    "Out for delivery",
                    "SIM-OFD",
                ));
                out.push(at(
                    first,
                    T::AttemptFail,
                    Some(TrackingSubStatus::NoOneHome),
                    "Local depot",
                    "Delivery attempted; nobody home",
                    "SIM-AF",
                ));
                arrival += Duration::days(1);
            }
            Scenario::Smooth => {}
        }
        let last = arrival - t0;
        out.push(at(
            last - Duration::hours(3),
            T::OutForDelivery,
            None,
            "Local depot",
            "Out for delivery",
            if sc == Scenario::AttemptFailed {
                "SIM-OFD2"
            } else {
                "SIM-OFD"
            },
        ));
        out.push(at(
            last,
            T::Delivered,
            Some(TrackingSubStatus::SignedFor),
            "Delivery address",
            "Delivered and signed for",
            "SIM-DEL",
        ));
        (out, arrival.date_naive())
    }
}

#[async_trait::async_trait]
impl CourierAdapter for SimulatedCourier {
    async fn create_label(&self, request: &LabelRequest) -> Result<Label, CourierError> {
        // One label per reference: the number follows from it.
        use sha2::Digest;
        let digest = hex::encode(&sha2::Sha256::digest(request.reference.as_bytes())[..5]);
        Ok(Label {
            tracking_number: format!("SIM{:?}{}", self.code, digest.to_uppercase()),
            label_reference: format!("LBL-{:?}-{}", self.code, request.reference),
            estimated_delivery: None,
        })
    }

    async fn track(
        &self,
        packages: &[TrackQuery],
        now: DateTime<Utc>,
    ) -> Result<Vec<Tracking>, CourierError> {
        Ok(packages
            .iter()
            .map(|q| {
                let (all, estimate) = SimulatedCourier::timeline(q);
                Tracking {
                    tracking_number: q.tracking_number.clone(),
                    checkpoints: all.into_iter().filter(|c| c.occurred_at <= now).collect(),
                    estimated_delivery: Some(estimate),
                }
            })
            .collect())
    }
}

/// Group packages by courier, keeping their order.
pub fn by_courier<T>(items: Vec<(CourierCode, T)>) -> HashMap<CourierCode, Vec<T>> {
    let mut out: HashMap<CourierCode, Vec<T>> = HashMap::new();
    for (code, item) in items {
        out.entry(code).or_default().push(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(level: ShippingSpeed, instructions: Option<&str>) -> TrackQuery {
        TrackQuery {
            tracking_number: "SIMA1".into(),
            picked_up_at: DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
                .unwrap()
                .into(),
            service_level: level,
            instructions: instructions.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn the_simulated_courier_reveals_its_timeline_as_the_clock_passes() {
        let courier = SimulatedCourier::new(CourierCode::A);
        let q = query(ShippingSpeed::Express, None);
        let t0 = q.picked_up_at;
        let seen = |hours: i64| {
            let courier = &courier;
            let q = q.clone();
            async move {
                let found = courier
                    .track(&[q], t0 + Duration::hours(hours))
                    .await
                    .unwrap();
                let mut statuses: Vec<TrackingStatus> =
                    found[0].checkpoints.iter().map(|c| c.status).collect();
                statuses.dedup();
                statuses
            }
        };
        use TrackingStatus as T;
        assert_eq!(seen(0).await, [T::InfoReceived]);
        assert_eq!(seen(2).await, [T::InfoReceived, T::InTransit]);
        assert_eq!(
            seen(46).await,
            [T::InfoReceived, T::InTransit, T::OutForDelivery]
        );
        assert_eq!(
            seen(48).await,
            [
                T::InfoReceived,
                T::InTransit,
                T::OutForDelivery,
                T::Delivered
            ]
        );
        let (_, estimate) = SimulatedCourier::timeline(&q);
        assert_eq!(estimate, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    }

    #[test]
    fn told_scenarios_change_the_timeline() {
        let damaged = SimulatedCourier::timeline(&query(
            ShippingSpeed::Overnight,
            Some("Simulate:Exception please"),
        ));
        assert!(
            damaged
                .0
                .iter()
                .any(|c| c.sub_status == Some(TrackingSubStatus::Damaged))
        );
        assert_eq!(
            damaged.1,
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            "a day late"
        );
        let attempt =
            SimulatedCourier::timeline(&query(ShippingSpeed::Overnight, Some("simulate:attempt")));
        assert!(
            attempt
                .0
                .iter()
                .any(|c| c.status == TrackingStatus::AttemptFail)
        );
        assert_eq!(attempt.0.last().unwrap().status, TrackingStatus::Delivered);
        let lost =
            SimulatedCourier::timeline(&query(ShippingSpeed::Standard, Some("simulate:lost")));
        assert_eq!(
            lost.0.last().unwrap().sub_status,
            Some(TrackingSubStatus::Lost)
        );
    }

    #[tokio::test]
    async fn a_label_is_issued_once_per_reference() {
        let courier = SimulatedCourier::new(CourierCode::B);
        let request = LabelRequest {
            reference: "SO-000001-1".into(),
            service_level: ShippingSpeed::Standard,
            weight_grams: 500,
            length_mm: None,
            width_mm: None,
            height_mm: None,
            to: LabelAddress {
                name: "A".into(),
                line1: "1 George St".into(),
                line2: None,
                suburb: "Sydney".into(),
                state: "NSW".into(),
                postcode: "2000".into(),
                country: "AU".into(),
                phone: None,
            },
            authority_to_leave: false,
            instructions: None,
        };
        let first = courier.create_label(&request).await.unwrap();
        assert_eq!(courier.create_label(&request).await.unwrap(), first);
        assert!(first.tracking_number.starts_with("SIMB"));
    }
}
