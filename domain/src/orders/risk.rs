//! Late risk against the required delivery date, on the business calendar.
//! An unshipped order must ship by `ship_by` (the required date less the
//! speed's transit days); it is AT_RISK from the business day before that,
//! and LATE once `ship_by` has passed or the required date has. Pure.

use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{LateRisk, OrderStatus, ShippingSpeed};

/// Business days in transit.
pub fn transit_days(speed: ShippingSpeed) -> u32 {
    match speed {
        ShippingSpeed::Standard => 3,
        ShippingSpeed::Express | ShippingSpeed::Overnight => 1,
    }
}

/// The business day `n` business days before `date`.
fn business_days_before(cal: &BusinessCalendar, date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day.pred_opt().unwrap_or(NaiveDate::MIN);
        if cal.is_business_day(day) {
            left -= 1;
        }
    }
    day
}

/// When goods that arrived `today` reach the customer: they leave the next
/// business day and travel the speed's transit days.
pub fn estimate_after_arrival(
    cal: &BusinessCalendar,
    today: NaiveDate,
    speed: ShippingSpeed,
) -> NaiveDate {
    cal.add_business_days(today, 1 + transit_days(speed))
}

/// The last business day it may ship and still arrive on time.
pub fn ship_by(cal: &BusinessCalendar, required: NaiveDate, speed: ShippingSpeed) -> NaiveDate {
    business_days_before(cal, required, transit_days(speed))
}

fn finished(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Delivered | OrderStatus::Closed | OrderStatus::Cancelled
    )
}

fn shipped(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Shipped | OrderStatus::PartiallyShipped)
}

/// The risk at `now`. A shipped order follows its courier's latest
/// `estimate`: LATE when that is after the required date. An unshipped
/// order whose `estimate` (told when its backordered goods arrived) is
/// after the required date is at least AT_RISK.
pub fn risk(
    cal: &BusinessCalendar,
    status: OrderStatus,
    required: NaiveDate,
    speed: ShippingSpeed,
    estimate: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> LateRisk {
    let today = cal.local_date(now);
    if finished(status) {
        return LateRisk::OnTrack;
    }
    if today > required {
        return LateRisk::Late;
    }
    if shipped(status) {
        return match estimate {
            Some(day) if day > required => LateRisk::Late,
            _ => LateRisk::OnTrack,
        };
    }
    let last = ship_by(cal, required, speed);
    if today > last {
        LateRisk::Late
    } else if today >= business_days_before(cal, last, 1)
        || estimate.is_some_and(|day| day > required)
    {
        LateRisk::AtRisk
    } else {
        LateRisk::OnTrack
    }
}

/// When the risk next changes if nothing else happens (local midnight of
/// the day it does), or `None` when it cannot get worse.
pub fn next_review(
    cal: &BusinessCalendar,
    status: OrderStatus,
    required: NaiveDate,
    speed: ShippingSpeed,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if finished(status) {
        return None;
    }
    let midnight = |d: NaiveDate| cal.start_of_day(d);
    let last = ship_by(cal, required, speed);
    let at_risk = business_days_before(cal, last, 1);
    let late = last.succ_opt()?.min(required.succ_opt()?);
    match risk(cal, status, required, speed, None, now) {
        LateRisk::OnTrack if !shipped(status) => Some(midnight(at_risk)),
        LateRisk::OnTrack | LateRisk::AtRisk => Some(midnight(if shipped(status) {
            required.succ_opt()?
        } else {
            late
        })),
        LateRisk::Late => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::{date, syd};

    fn cal() -> BusinessCalendar {
        crate::rules::fixtures::nsw_calendar()
    }

    #[test]
    fn ship_by_counts_business_days_back_from_the_required_date() {
        // Friday 18 December, express: ship Thursday; standard: Tuesday.
        assert_eq!(
            ship_by(&cal(), date(2026, 12, 18), ShippingSpeed::Express),
            date(2026, 12, 17)
        );
        assert_eq!(
            ship_by(&cal(), date(2026, 12, 18), ShippingSpeed::Standard),
            date(2026, 12, 15)
        );
        // Across Christmas, Boxing Day's additional day and a weekend.
        assert_eq!(
            ship_by(&cal(), date(2026, 12, 29), ShippingSpeed::Express),
            date(2026, 12, 24)
        );
    }

    #[test]
    fn an_unshipped_order_turns_at_risk_the_day_before_ship_by_then_late() {
        let risk_on = |d: u32| {
            risk(
                &cal(),
                OrderStatus::Reserved,
                date(2026, 12, 18),
                ShippingSpeed::Express,
                None,
                syd(2026, 12, d, 10, 0),
            )
        };
        assert_eq!(risk_on(15), LateRisk::OnTrack);
        assert_eq!(risk_on(16), LateRisk::AtRisk);
        assert_eq!(risk_on(17), LateRisk::AtRisk);
        assert_eq!(risk_on(18), LateRisk::Late);
        // Shipped in time: on track until the required date passes.
        let shipped = |d: u32| {
            risk(
                &cal(),
                OrderStatus::Shipped,
                date(2026, 12, 18),
                ShippingSpeed::Express,
                None,
                syd(2026, 12, d, 10, 0),
            )
        };
        assert_eq!(shipped(18), LateRisk::OnTrack);
        assert_eq!(shipped(19), LateRisk::Late);
        let delivered = risk(
            &cal(),
            OrderStatus::Delivered,
            date(2026, 12, 18),
            ShippingSpeed::Express,
            None,
            syd(2026, 12, 21, 10, 0),
        );
        assert_eq!(delivered, LateRisk::OnTrack);
        // Shipped, but the courier now expects it after the required date.
        let slipped = |estimate: u32| {
            risk(
                &cal(),
                OrderStatus::Shipped,
                date(2026, 12, 18),
                ShippingSpeed::Express,
                Some(date(2026, 12, estimate)),
                syd(2026, 12, 16, 10, 0),
            )
        };
        assert_eq!(slipped(18), LateRisk::OnTrack);
        assert_eq!(slipped(19), LateRisk::Late);
        // Not shipped, but its late goods now arrive after the required date.
        let told = |estimate: u32| {
            risk(
                &cal(),
                OrderStatus::Reserved,
                date(2026, 12, 18),
                ShippingSpeed::Express,
                Some(date(2026, 12, estimate)),
                syd(2026, 12, 14, 10, 0),
            )
        };
        assert_eq!(told(18), LateRisk::OnTrack);
        assert_eq!(told(21), LateRisk::AtRisk);
    }

    #[test]
    fn goods_that_arrive_leave_the_next_business_day_and_travel_their_transit_days() {
        // Arrived Thursday 17 December: leaves Friday, express lands Monday.
        assert_eq!(
            estimate_after_arrival(&cal(), date(2026, 12, 17), ShippingSpeed::Express),
            date(2026, 12, 21)
        );
        // Standard: Friday + 3 business days = Wednesday 23 December.
        assert_eq!(
            estimate_after_arrival(&cal(), date(2026, 12, 17), ShippingSpeed::Standard),
            date(2026, 12, 23)
        );
        // Across Christmas and Boxing Day (Monday 28th is the additional day).
        assert_eq!(
            estimate_after_arrival(&cal(), date(2026, 12, 24), ShippingSpeed::Express),
            date(2026, 12, 30)
        );
    }

    #[test]
    fn the_next_review_is_the_midnight_the_risk_changes() {
        let review = |d: u32| {
            next_review(
                &cal(),
                OrderStatus::Placed,
                date(2026, 12, 18),
                ShippingSpeed::Express,
                syd(2026, 12, d, 10, 0),
            )
        };
        assert_eq!(review(14), Some(syd(2026, 12, 16, 0, 0)));
        assert_eq!(review(16), Some(syd(2026, 12, 18, 0, 0)));
        assert_eq!(review(18), None);
        assert_eq!(
            next_review(
                &cal(),
                OrderStatus::Cancelled,
                date(2026, 12, 18),
                ShippingSpeed::Express,
                syd(2026, 12, 14, 10, 0)
            ),
            None
        );
    }
}
