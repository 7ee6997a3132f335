//! Fulfilment KPIs over a period, pure: each figure with the counts behind
//! it, computed from plain facts the caller reads.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A delivered order, as the KPIs see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub placed_at: DateTime<Utc>,
    pub delivered_at: DateTime<Utc>,
    /// The Sydney date it was delivered on.
    pub delivered_on: NaiveDate,
    pub required_by: NaiveDate,
}

/// An order whose first package left in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstShipment {
    /// Goods units ordered (its backorders' included).
    pub units_ordered: i64,
    /// Units in its first package.
    pub units_shipped_first: i64,
}

/// A purchase order with a promised date (`expected_on`) and the goods
/// received against it, passed QC or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromisedOrder {
    pub supplier_id: Uuid,
    pub expected_on: NaiveDate,
    /// Units ordered, by purchase order line.
    pub ordered: Vec<(Uuid, i64)>,
    /// Its receipts in the order they were recorded.
    pub receipts: Vec<ReceiptUnits>,
}

/// One goods receipt of a purchase order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptUnits {
    /// The date the goods arrived, as the receiver recorded it.
    pub received_on: NaiveDate,
    /// Units received, by purchase order line.
    pub units: Vec<(Uuid, i64)>,
}

/// A purchase order that became fully received in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupplierDelivery {
    pub supplier_id: Uuid,
    pub expected_on: NaiveDate,
    /// The `received_on` of the receipt that completed it.
    pub completed_on: NaiveDate,
}

impl PromisedOrder {
    /// The date of the receipt that completed it: the first (in recording
    /// order) after which every line has all its units. `None` while
    /// something is still to come, or when it was short-closed.
    pub fn completed_on(&self) -> Option<NaiveDate> {
        if self.ordered.is_empty() {
            return None;
        }
        let mut received: HashMap<Uuid, i64> = HashMap::new();
        for receipt in &self.receipts {
            for (line, units) in &receipt.units {
                *received.entry(*line).or_default() += units;
            }
            let complete = self
                .ordered
                .iter()
                .all(|(line, units)| received.get(line).copied().unwrap_or(0) >= *units);
            if complete {
                return Some(receipt.received_on);
            }
        }
        None
    }

    /// Its delivery, when the receipt that completed it is dated within
    /// `from..=to`.
    pub fn delivery_in(&self, from: NaiveDate, to: NaiveDate) -> Option<SupplierDelivery> {
        let completed_on = self.completed_on().filter(|d| (from..=to).contains(d))?;
        Some(SupplierDelivery {
            supplier_id: self.supplier_id,
            expected_on: self.expected_on,
            completed_on,
        })
    }
}

/// Goods bought for a customer order, from their receipt to the order's
/// next package leaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptToShipment {
    /// When the purchase order's first passed-QC receipt was recorded.
    pub received_at: DateTime<Utc>,
    /// The order's first pickup at or after it.
    pub picked_up_at: DateTime<Utc>,
}

/// The first of `pickups` (a customer order's packages handed to a
/// courier) at or after `received_at`, when it falls in `[start, end)`.
pub fn receipt_to_shipment(
    received_at: DateTime<Utc>,
    pickups: &[DateTime<Utc>],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Option<ReceiptToShipment> {
    let picked_up_at = pickups
        .iter()
        .copied()
        .filter(|p| *p >= received_at)
        .min()?;
    (picked_up_at >= start && picked_up_at < end).then_some(ReceiptToShipment {
        received_at,
        picked_up_at,
    })
}

/// Everything the KPIs of one period are computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Orders delivered in the period.
    pub delivered: Vec<Delivered>,
    /// Orders whose first package left in the period.
    pub first_shipments: Vec<FirstShipment>,
    /// Order placements refused in the period.
    pub refused_placements: i64,
    /// Orders placed in the period (backorders are not placed).
    pub placed: i64,
    /// Of those, the ones that needed a correction after placement.
    pub corrected: i64,
    /// Satisfaction ratings given in the period.
    pub ratings: Vec<i32>,
    /// Purchase orders with a promised date fully received in the period.
    pub supplier_deliveries: Vec<SupplierDelivery>,
    /// Bought-for-an-order goods whose next package left in the period.
    pub receipts_to_shipment: Vec<ReceiptToShipment>,
    /// Goods receipts dated in the period.
    pub receipts: i64,
    /// Of those, the ones that failed QC.
    pub failed_receipts: i64,
    /// Returns asked for in the period because we sent the wrong item or
    /// it arrived damaged (not cancelled or rejected).
    pub returns_due_to_errors: i64,
    /// Of those, the wrong items (a processing error of ours).
    pub wrong_item_returns: i64,
}

/// A share with what it is a share of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
}

impl Rate {
    /// `None` when there is nothing to measure.
    pub fn value(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

/// How long something took, over the cases measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleTime {
    /// The cases measured (orders delivered, purchase orders shipped on).
    pub orders: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

impl CycleTime {
    /// The spread of `hours` (any order).
    pub fn of(mut hours: Vec<f64>) -> Self {
        hours.sort_by(f64::total_cmp);
        CycleTime {
            orders: hours.len() as i64,
            median_hours: median(&hours),
            p90_hours: percentile(&hours, 0.9),
        }
    }
}

/// Satisfaction survey answers (1–5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Satisfaction {
    pub responses: i64,
    pub average_rating: Option<f64>,
}

/// How many suppliers the per-supplier on-time figures list at most.
pub const SUPPLIERS_LISTED: usize = 20;

/// One supplier's on-time deliveries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SupplierOnTime {
    pub supplier_id: Uuid,
    pub on_time: Rate,
}

/// Errors made while processing orders and goods, with their parts: the
/// orders corrected, the receipts failing QC and the wrong items sent back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessingErrors {
    /// (corrections + QC failures + wrong-item returns) ÷ (orders placed +
    /// receipts).
    pub rate: Rate,
    /// Orders placed in the period that needed a correction after placement.
    pub corrections: i64,
    /// Goods receipts in the period that failed QC.
    pub qc_failures: i64,
    /// Returns asked for in the period because we sent the wrong item.
    pub error_returns: i64,
    pub orders_placed: i64,
    pub receipts: i64,
}

/// The KPIs of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpis {
    /// Delivered by the required date ÷ delivered.
    pub on_time_delivery: Rate,
    /// Units in first packages ÷ units ordered.
    pub fill_rate: Rate,
    pub cycle_time: CycleTime,
    /// Refused placements ÷ attempts (refused + placed).
    pub order_entry_errors: Rate,
    /// The satisfaction survey's answers in the period.
    pub client_satisfaction: Satisfaction,
    /// Purchase orders completed by their promised date ÷ purchase orders
    /// with a promised date completed in the period.
    pub supplier_on_time: Rate,
    /// The same, per supplier: the `SUPPLIERS_LISTED` least punctual,
    /// lowest rate first (then most late orders, then by id).
    pub supplier_on_time_by_supplier: Vec<SupplierOnTime>,
    /// First passed-QC receipt → the customer order's next pickup, per
    /// purchase order sourced from a customer order.
    pub receipt_to_ship: CycleTime,
    /// Corrections, QC failures and wrong-item returns ÷ orders placed and
    /// receipts.
    pub order_processing_errors: ProcessingErrors,
    /// Returns asked for because of a wrong item or damage in transit ÷
    /// orders delivered, in the period.
    pub return_rate_due_to_errors: Rate,
}

/// The value at rank `ceil(p × n)` of sorted `values` (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The median: the middle value, or the mean of the two middle ones.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

fn hours_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

pub fn compute(facts: &Facts) -> Kpis {
    let delivered = &facts.delivered;
    let on_time = delivered
        .iter()
        .filter(|d| d.delivered_on <= d.required_by)
        .count() as i64;
    let ratings = &facts.ratings;
    let mut by_supplier: BTreeMap<Uuid, Rate> = BTreeMap::new();
    for d in &facts.supplier_deliveries {
        let rate = by_supplier.entry(d.supplier_id).or_insert(Rate {
            numerator: 0,
            denominator: 0,
        });
        rate.denominator += 1;
        rate.numerator += i64::from(d.completed_on <= d.expected_on);
    }
    let errors = facts.corrected + facts.failed_receipts + facts.wrong_item_returns;
    Kpis {
        on_time_delivery: Rate {
            numerator: on_time,
            denominator: delivered.len() as i64,
        },
        fill_rate: Rate {
            numerator: facts
                .first_shipments
                .iter()
                .map(|f| f.units_shipped_first)
                .sum(),
            denominator: facts.first_shipments.iter().map(|f| f.units_ordered).sum(),
        },
        cycle_time: CycleTime::of(
            delivered
                .iter()
                .map(|d| hours_between(d.placed_at, d.delivered_at))
                .collect(),
        ),
        order_entry_errors: Rate {
            numerator: facts.refused_placements,
            denominator: facts.refused_placements + facts.placed,
        },
        client_satisfaction: Satisfaction {
            responses: ratings.len() as i64,
            average_rating: (!ratings.is_empty())
                .then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / ratings.len() as f64),
        },
        supplier_on_time: Rate {
            numerator: by_supplier.values().map(|r| r.numerator).sum(),
            denominator: by_supplier.values().map(|r| r.denominator).sum(),
        },
        supplier_on_time_by_supplier: least_punctual(by_supplier),
        receipt_to_ship: CycleTime::of(
            facts
                .receipts_to_shipment
                .iter()
                .map(|r| hours_between(r.received_at, r.picked_up_at))
                .collect(),
        ),
        order_processing_errors: ProcessingErrors {
            rate: Rate {
                numerator: errors,
                denominator: facts.placed + facts.receipts,
            },
            corrections: facts.corrected,
            qc_failures: facts.failed_receipts,
            error_returns: facts.wrong_item_returns,
            orders_placed: facts.placed,
            receipts: facts.receipts,
        },
        return_rate_due_to_errors: Rate {
            numerator: facts.returns_due_to_errors,
            denominator: delivered.len() as i64,
        },
    }
}

/// The `SUPPLIERS_LISTED` least punctual suppliers: lowest on-time rate
/// first, then most late orders, then by id.
fn least_punctual(by_supplier: BTreeMap<Uuid, Rate>) -> Vec<SupplierOnTime> {
    let mut all: Vec<SupplierOnTime> = by_supplier
        .into_iter()
        .map(|(supplier_id, on_time)| SupplierOnTime {
            supplier_id,
            on_time,
        })
        .collect();
    // Cross-multiplied, so equal rates compare equal without floats.
    all.sort_by(|a, b| {
        let (x, y) = (a.on_time, b.on_time);
        (i128::from(x.numerator) * i128::from(y.denominator))
            .cmp(&(i128::from(y.numerator) * i128::from(x.denominator)))
            .then((y.denominator - y.numerator).cmp(&(x.denominator - x.numerator)))
            .then(a.supplier_id.cmp(&b.supplier_id))
    });
    all.truncate(SUPPLIERS_LISTED);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T{hour:02}:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn delivered(placed: DateTime<Utc>, hours: i64, required_day: u32) -> Delivered {
        let delivered_at = placed + Duration::hours(hours);
        Delivered {
            placed_at: placed,
            delivered_at,
            delivered_on: delivered_at.date_naive(),
            required_by: NaiveDate::from_ymd_opt(2026, 11, required_day).unwrap(),
        }
    }

    #[test]
    fn a_hand_computed_period_gives_its_figures() {
        // Three delivered orders: 24 h, 48 h and 100 h; the last one late.
        let orders = [
            delivered(at(2, 0), 24, 10),
            delivered(at(2, 0), 48, 10),
            delivered(at(2, 0), 100, 5),
        ];
        let first = [
            FirstShipment {
                units_ordered: 4,
                units_shipped_first: 3,
            },
            FirstShipment {
                units_ordered: 6,
                units_shipped_first: 6,
            },
        ];
        let kpis = compute(&Facts {
            delivered: orders.to_vec(),
            first_shipments: first.to_vec(),
            refused_placements: 1,
            placed: 9,
            ratings: vec![5, 4, 3],
            ..Facts::default()
        });
        assert_eq!(
            kpis.client_satisfaction,
            Satisfaction {
                responses: 3,
                average_rating: Some(4.0)
            }
        );
        assert_eq!(
            kpis.on_time_delivery,
            Rate {
                numerator: 2,
                denominator: 3
            }
        );
        assert_eq!(kpis.fill_rate.value(), Some(0.9));
        assert_eq!(kpis.cycle_time.median_hours, Some(48.0));
        assert_eq!(kpis.cycle_time.p90_hours, Some(100.0));
        assert_eq!(kpis.order_entry_errors.value(), Some(0.1));
    }

    #[test]
    fn nothing_to_measure_gives_no_rate() {
        let kpis = compute(&Facts::default());
        assert_eq!(kpis.client_satisfaction.average_rating, None);
        assert_eq!(kpis.on_time_delivery.value(), None);
        assert_eq!(kpis.cycle_time.median_hours, None);
        assert_eq!(kpis.fill_rate.value(), None);
        assert_eq!(kpis.supplier_on_time.value(), None);
        assert!(kpis.supplier_on_time_by_supplier.is_empty());
        assert_eq!(
            kpis.receipt_to_ship,
            CycleTime {
                orders: 0,
                median_hours: None,
                p90_hours: None
            }
        );
        assert_eq!(kpis.order_processing_errors.rate.value(), None);
        assert_eq!(kpis.order_processing_errors.corrections, 0);
        assert_eq!(kpis.return_rate_due_to_errors.value(), None);
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn line(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn receipt(on: u32, units: &[(u128, i64)]) -> ReceiptUnits {
        ReceiptUnits {
            received_on: day(on),
            units: units.iter().map(|(l, q)| (line(*l), *q)).collect(),
        }
    }

    fn promised(
        expected: u32,
        ordered: &[(u128, i64)],
        receipts: Vec<ReceiptUnits>,
    ) -> PromisedOrder {
        PromisedOrder {
            supplier_id: Uuid::from_u128(100),
            expected_on: day(expected),
            ordered: ordered.iter().map(|(l, q)| (line(*l), *q)).collect(),
            receipts,
        }
    }

    #[test]
    fn a_purchase_order_is_completed_by_the_receipt_that_brings_its_last_units() {
        // Line 1: 3 units in two receipts; line 2: 2 units in the second.
        let po = promised(
            10,
            &[(1, 3), (2, 2)],
            vec![receipt(8, &[(1, 2)]), receipt(12, &[(1, 1), (2, 2)])],
        );
        assert_eq!(po.completed_on(), Some(day(12)));
        assert_eq!(
            po.delivery_in(day(1), day(30)),
            Some(SupplierDelivery {
                supplier_id: Uuid::from_u128(100),
                expected_on: day(10),
                completed_on: day(12)
            })
        );
        // Completed outside the period: not this period's delivery.
        assert_eq!(po.delivery_in(day(1), day(11)), None);
        assert_eq!(
            po.delivery_in(day(12), day(12)).map(|d| d.completed_on),
            Some(day(12))
        );
        // Still missing a unit (or short-closed): never completed.
        let short = promised(10, &[(1, 3)], vec![receipt(8, &[(1, 2)])]);
        assert_eq!(short.completed_on(), None);
        assert_eq!(promised(10, &[(1, 3)], vec![]).completed_on(), None);
        assert_eq!(
            promised(10, &[], vec![receipt(8, &[])]).completed_on(),
            None
        );
    }

    #[test]
    fn suppliers_are_on_time_when_the_completing_receipt_is_dated_by_the_promise() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let delivery = |supplier, expected, completed| SupplierDelivery {
            supplier_id: supplier,
            expected_on: day(expected),
            completed_on: day(completed),
        };
        let kpis = compute(&Facts {
            // On the day (on time), a day early (on time), a day late.
            supplier_deliveries: vec![delivery(b, 10, 10), delivery(a, 10, 9), delivery(b, 10, 11)],
            ..Facts::default()
        });
        assert_eq!(
            kpis.supplier_on_time,
            Rate {
                numerator: 2,
                denominator: 3
            }
        );
        assert_eq!(
            kpis.supplier_on_time_by_supplier,
            // The least punctual first.
            [
                SupplierOnTime {
                    supplier_id: b,
                    on_time: Rate {
                        numerator: 1,
                        denominator: 2
                    }
                },
                SupplierOnTime {
                    supplier_id: a,
                    on_time: Rate {
                        numerator: 1,
                        denominator: 1
                    }
                }
            ]
        );
    }

    #[test]
    fn only_the_least_punctual_suppliers_are_listed() {
        // Supplier n is on time n times out of 30.
        let deliveries = (0..30u128)
            .flat_map(|n| {
                (0..30u128).map(move |k| SupplierDelivery {
                    supplier_id: Uuid::from_u128(n),
                    expected_on: day(10),
                    completed_on: day(if k < n { 10 } else { 11 }),
                })
            })
            .collect();
        let kpis = compute(&Facts {
            supplier_deliveries: deliveries,
            ..Facts::default()
        });
        let listed: Vec<u128> = kpis
            .supplier_on_time_by_supplier
            .iter()
            .map(|s| s.supplier_id.as_u128())
            .collect();
        assert_eq!(listed, (0..SUPPLIERS_LISTED as u128).collect::<Vec<_>>());
        assert_eq!(
            kpis.supplier_on_time.denominator, 900,
            "the total counts all"
        );
    }

    #[test]
    fn receipt_to_ship_takes_the_first_pickup_at_or_after_the_receipt_in_the_period() {
        let (start, end) = (at(1, 0), at(8, 0));
        // A pickup before the receipt does not count; the first after it does.
        let pickups = [at(2, 0), at(4, 6), at(3, 12)];
        assert_eq!(
            receipt_to_shipment(at(3, 0), &pickups, start, end),
            Some(ReceiptToShipment {
                received_at: at(3, 0),
                picked_up_at: at(3, 12)
            })
        );
        // Picked up the moment it was received: zero hours, still counted.
        assert_eq!(
            receipt_to_shipment(at(3, 12), &pickups, start, end).map(|r| r.picked_up_at),
            Some(at(3, 12))
        );
        // Nothing left after it, or the next pickup falls outside the period.
        assert_eq!(receipt_to_shipment(at(5, 0), &pickups, start, end), None);
        assert_eq!(
            receipt_to_shipment(at(3, 0), &pickups, start, at(3, 12)),
            None
        );
        assert_eq!(receipt_to_shipment(at(3, 0), &[], start, end), None);

        let shipped = |received: DateTime<Utc>, hours: i64| ReceiptToShipment {
            received_at: received,
            picked_up_at: received + Duration::hours(hours),
        };
        let kpis = compute(&Facts {
            receipts_to_shipment: vec![
                shipped(at(2, 0), 30),
                shipped(at(2, 0), 6),
                shipped(at(3, 0), 12),
            ],
            ..Facts::default()
        });
        assert_eq!(
            kpis.receipt_to_ship,
            CycleTime {
                orders: 3,
                median_hours: Some(12.0),
                p90_hours: Some(30.0)
            }
        );
    }

    #[test]
    fn processing_errors_add_corrections_and_qc_failures_over_orders_and_receipts() {
        let kpis = compute(&Facts {
            placed: 8,
            corrected: 1,
            receipts: 2,
            failed_receipts: 1,
            refused_placements: 3,
            ..Facts::default()
        });
        assert_eq!(
            kpis.order_processing_errors,
            ProcessingErrors {
                rate: Rate {
                    numerator: 2,
                    denominator: 10
                },
                corrections: 1,
                qc_failures: 1,
                error_returns: 0,
                orders_placed: 8,
                receipts: 2
            }
        );
        assert_eq!(kpis.order_processing_errors.rate.value(), Some(0.2));
        // Refused placements stay in the entry error rate only.
        assert_eq!(
            kpis.order_entry_errors,
            Rate {
                numerator: 3,
                denominator: 11
            }
        );
        // Receipts alone (no orders placed) are still measured.
        let receipts_only = compute(&Facts {
            receipts: 4,
            failed_receipts: 1,
            ..Facts::default()
        });
        assert_eq!(
            receipts_only.order_processing_errors.rate.value(),
            Some(0.25)
        );
    }

    #[test]
    fn wrong_items_are_processing_errors_and_errors_of_ours_set_the_return_rate() {
        let four_delivered: Vec<Delivered> = (0..4).map(|_| delivered(at(2, 0), 24, 10)).collect();
        let kpis = compute(&Facts {
            delivered: four_delivered,
            placed: 8,
            corrected: 1,
            receipts: 2,
            // Two returns of ours: one wrong item, one damaged in transit.
            returns_due_to_errors: 2,
            wrong_item_returns: 1,
            ..Facts::default()
        });
        assert_eq!(
            kpis.return_rate_due_to_errors,
            Rate {
                numerator: 2,
                denominator: 4
            }
        );
        let errors = kpis.order_processing_errors;
        assert_eq!(errors.error_returns, 1);
        assert_eq!(
            errors.rate,
            Rate {
                numerator: 2,
                denominator: 10
            },
            "the wrong item joins the correction"
        );
        // Returns without deliveries in the period: nothing to measure.
        let none_delivered = compute(&Facts {
            returns_due_to_errors: 1,
            ..Facts::default()
        });
        assert_eq!(none_delivered.return_rate_due_to_errors.value(), None);
    }

    #[test]
    fn percentiles_use_the_nearest_rank_and_medians_the_middle() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&ten, 0.9), Some(9.0));
        assert_eq!(percentile(&ten[..1], 0.9), Some(1.0));
        assert_eq!(median(&ten), Some(5.5));
        assert_eq!(median(&ten[..3]), Some(2.0));
    }
}
