//! Fulfilment KPIs over a period, pure: each figure with the counts behind
//! it, computed from plain facts the caller reads.

use chrono::{DateTime, NaiveDate, Utc};

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

/// Hours from placing to delivery.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleTime {
    pub orders: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

/// Satisfaction survey answers (1–5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Satisfaction {
    pub responses: i64,
    pub average_rating: Option<f64>,
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

pub fn compute(
    delivered: &[Delivered],
    first_shipments: &[FirstShipment],
    refused_placements: i64,
    placed: i64,
    ratings: &[i32],
) -> Kpis {
    let on_time = delivered
        .iter()
        .filter(|d| d.delivered_on <= d.required_by)
        .count() as i64;
    let mut hours: Vec<f64> = delivered
        .iter()
        .map(|d| (d.delivered_at - d.placed_at).num_seconds() as f64 / 3600.0)
        .collect();
    hours.sort_by(f64::total_cmp);
    Kpis {
        on_time_delivery: Rate {
            numerator: on_time,
            denominator: delivered.len() as i64,
        },
        fill_rate: Rate {
            numerator: first_shipments.iter().map(|f| f.units_shipped_first).sum(),
            denominator: first_shipments.iter().map(|f| f.units_ordered).sum(),
        },
        cycle_time: CycleTime {
            orders: hours.len() as i64,
            median_hours: median(&hours),
            p90_hours: percentile(&hours, 0.9),
        },
        order_entry_errors: Rate {
            numerator: refused_placements,
            denominator: refused_placements + placed,
        },
        client_satisfaction: Satisfaction {
            responses: ratings.len() as i64,
            average_rating: (!ratings.is_empty())
                .then(|| ratings.iter().map(|r| f64::from(*r)).sum::<f64>() / ratings.len() as f64),
        },
    }
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
        let kpis = compute(&orders, &first, 1, 9, &[5, 4, 3]);
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
        let kpis = compute(&[], &[], 0, 0, &[]);
        assert_eq!(kpis.client_satisfaction.average_rating, None);
        assert_eq!(kpis.on_time_delivery.value(), None);
        assert_eq!(kpis.cycle_time.median_hours, None);
        assert_eq!(kpis.fill_rate.value(), None);
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
