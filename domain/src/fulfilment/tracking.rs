//! Tracking rules, pure: what a courier's checkpoints make of a package's
//! status, which customer emails a change causes, and when a package is
//! polled next (by status, slower after long silence, backed off while its
//! courier fails, spread by jitter, stopped after 30 silent days).

use super::couriers::Checkpoint;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{NotificationKind, TrackingStatus, TrackingSubStatus};
use uuid::Uuid;

/// Days without news after which a package is EXPIRED and polling stops.
pub const SILENT_DAYS_TO_EXPIRE: i64 = 30;
/// The longest wait between polls, however long the silence or the outage.
const LONGEST_WAIT: Duration = Duration::hours(12);
/// Silence after which a package is polled at most twice a day.
const LONG_SILENCE: Duration = Duration::days(7);

/// A package's tracking state as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub status: TrackingStatus,
    pub sub_status: Option<TrackingSubStatus>,
    pub estimated_delivery: Option<NaiveDate>,
}

/// Is the package still travelling (so polled)?
pub fn is_active(status: TrackingStatus) -> bool {
    !matches!(status, TrackingStatus::Delivered | TrackingStatus::Expired)
}

/// The state the courier's checkpoints (all it knows) give: the latest
/// checkpoint's status, except that a delivered or expired package stays so.
pub fn summarise(
    current: Snapshot,
    checkpoints: &[Checkpoint],
    estimate: Option<NaiveDate>,
) -> Snapshot {
    if !is_active(current.status) {
        return current;
    }
    let latest = checkpoints
        .iter()
        .max_by(|a, b| (a.occurred_at, &a.raw_code).cmp(&(b.occurred_at, &b.raw_code)));
    match latest {
        None => Snapshot {
            estimated_delivery: estimate.or(current.estimated_delivery),
            ..current
        },
        Some(c) => Snapshot {
            status: c.status,
            sub_status: c.sub_status,
            estimated_delivery: estimate.or(current.estimated_delivery),
        },
    }
}

/// The customer emails a change from `before` to `after` causes (each is
/// sent once per package however often it is caused again).
pub fn notices(before: Snapshot, after: Snapshot) -> Vec<NotificationKind> {
    let mut out = Vec::new();
    if after.status != before.status {
        match after.status {
            TrackingStatus::OutForDelivery => out.push(NotificationKind::ShipmentOutForDelivery),
            TrackingStatus::AttemptFail => out.push(NotificationKind::ShipmentAttemptFailed),
            TrackingStatus::Exception => out.push(NotificationKind::ShipmentException),
            TrackingStatus::Delivered => out.push(NotificationKind::ShipmentDelivered),
            _ => {}
        }
    }
    let slipped = matches!(
        (before.estimated_delivery, after.estimated_delivery),
        (Some(was), Some(now)) if now > was
    );
    if slipped && is_active(after.status) && after.status != TrackingStatus::Exception {
        out.push(NotificationKind::ShipmentDelayed);
    }
    out
}

/// How often packages are polled per status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSchedule {
    pub pending: Duration,
    pub info_received: Duration,
    pub in_transit: Duration,
    pub out_for_delivery: Duration,
    pub attempt_fail: Duration,
    pub available_for_pickup: Duration,
    pub exception: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            pending: Duration::hours(6),
            info_received: Duration::hours(6),
            in_transit: Duration::hours(2),
            out_for_delivery: Duration::minutes(30),
            attempt_fail: Duration::hours(2),
            available_for_pickup: Duration::hours(6),
            exception: Duration::hours(2),
        }
    }
}

impl PollSchedule {
    /// Override some intervals from `STATUS=minutes` pairs separated by
    /// commas, e.g. `OUT_FOR_DELIVERY=15,IN_TRANSIT=60`.
    pub fn parse(spec: &str) -> Result<PollSchedule, String> {
        let mut schedule = PollSchedule::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (status, minutes) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not STATUS=minutes"))?;
            let minutes: i64 = minutes
                .trim()
                .parse()
                .ok()
                .filter(|m| (1..=1440).contains(m))
                .ok_or_else(|| format!("'{pair}': minutes must be 1 to 1440"))?;
            let slot = match status.trim() {
                "PENDING" => &mut schedule.pending,
                "INFO_RECEIVED" => &mut schedule.info_received,
                "IN_TRANSIT" => &mut schedule.in_transit,
                "OUT_FOR_DELIVERY" => &mut schedule.out_for_delivery,
                "ATTEMPT_FAIL" => &mut schedule.attempt_fail,
                "AVAILABLE_FOR_PICKUP" => &mut schedule.available_for_pickup,
                "EXCEPTION" => &mut schedule.exception,
                other => return Err(format!("'{other}' is not a polled tracking status")),
            };
            *slot = Duration::minutes(minutes);
        }
        Ok(schedule)
    }

    /// The normal wait after a poll that found `status`.
    pub fn interval(&self, status: TrackingStatus) -> Option<Duration> {
        use TrackingStatus as T;
        Some(match status {
            T::Pending => self.pending,
            T::InfoReceived => self.info_received,
            T::InTransit => self.in_transit,
            T::OutForDelivery => self.out_for_delivery,
            T::AttemptFail => self.attempt_fail,
            T::AvailableForPickup => self.available_for_pickup,
            T::Exception => self.exception,
            T::Delivered | T::Expired => return None,
        })
    }

    /// When to poll next after a poll at `now`: `None` when tracking stops.
    /// `failures` is the courier's unanswered polls in a row (each doubles
    /// the wait, up to 12 hours); a long silence slows polling to twice a
    /// day; a jitter of up to a tenth of the wait, fixed per package,
    /// spreads packages planned together.
    pub fn next_poll(
        &self,
        package: Uuid,
        status: TrackingStatus,
        failures: i32,
        silent_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let base = self.interval(status)?;
        let mut wait = base;
        if now - silent_since >= LONG_SILENCE {
            wait = std::cmp::max(wait, LONGEST_WAIT);
        }
        let doublings = failures.clamp(0, 16) as u32;
        let backed_off = wait
            .num_seconds()
            .saturating_mul(1_i64 << doublings)
            .min(LONGEST_WAIT.num_seconds().max(wait.num_seconds()));
        let wait = Duration::seconds(backed_off);
        let jitter = Duration::seconds(wait.num_seconds() * jitter_tenths(package) / 1000);
        Some(now + wait + jitter)
    }
}

/// Per-mille of jitter (0–99) fixed by the package's id.
fn jitter_tenths(package: Uuid) -> i64 {
    let bytes = package.as_bytes();
    i64::from(u16::from_le_bytes([bytes[14], bytes[15]]) % 100)
}

/// Has the package been silent long enough to expire?
pub fn expired(silent_since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - silent_since >= Duration::days(SILENT_DAYS_TO_EXPIRE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TrackingStatus as T;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::hours(h)
    }

    fn checkpoint(h: i64, status: T, raw: &str) -> Checkpoint {
        Checkpoint {
            occurred_at: at(h),
            status,
            sub_status: None,
            location: None,
            message: raw.into(),
            raw_code: raw.into(),
        }
    }

    fn snap(status: T, estimate: Option<u32>) -> Snapshot {
        Snapshot {
            status,
            sub_status: None,
            estimated_delivery: estimate.map(|d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap()),
        }
    }

    #[test]
    fn the_latest_checkpoint_decides_and_delivered_stays_delivered() {
        let cps = [
            checkpoint(5, T::OutForDelivery, "OD"),
            checkpoint(1, T::InTransit, "IT"),
        ];
        assert_eq!(
            summarise(snap(T::Pending, None), &cps, None).status,
            T::OutForDelivery
        );
        let late = [checkpoint(9, T::InTransit, "IT2")];
        assert_eq!(
            summarise(snap(T::Delivered, None), &late, None).status,
            T::Delivered
        );
        assert_eq!(
            summarise(snap(T::Expired, None), &late, None).status,
            T::Expired
        );
        // Nothing new: status kept, a new estimate taken.
        let kept = summarise(
            snap(T::InTransit, Some(25)),
            &[],
            Some(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()),
        );
        assert_eq!(kept, snap(T::InTransit, Some(26)));
    }

    #[test]
    fn each_customer_worthy_change_causes_its_email_and_repeats_cause_none() {
        use NotificationKind as N;
        assert_eq!(
            notices(snap(T::InTransit, None), snap(T::OutForDelivery, None)),
            [N::ShipmentOutForDelivery]
        );
        assert_eq!(
            notices(snap(T::OutForDelivery, None), snap(T::AttemptFail, None)),
            [N::ShipmentAttemptFailed]
        );
        assert_eq!(
            notices(snap(T::InTransit, None), snap(T::Exception, None)),
            [N::ShipmentException]
        );
        assert_eq!(
            notices(snap(T::OutForDelivery, None), snap(T::Delivered, None)),
            [N::ShipmentDelivered]
        );
        assert!(notices(snap(T::InTransit, None), snap(T::InTransit, None)).is_empty());
        assert!(notices(snap(T::InfoReceived, None), snap(T::InTransit, None)).is_empty());
        // The estimate slipping later is a delay; earlier is not.
        assert_eq!(
            notices(snap(T::InTransit, Some(25)), snap(T::InTransit, Some(27))),
            [N::ShipmentDelayed]
        );
        assert!(notices(snap(T::InTransit, Some(25)), snap(T::InTransit, Some(24))).is_empty());
    }

    #[test]
    fn polls_follow_the_status_back_off_on_failures_and_stop_when_done() {
        let s = PollSchedule::default();
        let id = Uuid::nil();
        let now = at(0);
        assert_eq!(
            s.next_poll(id, T::OutForDelivery, 0, now, now),
            Some(now + Duration::minutes(30))
        );
        assert_eq!(
            s.next_poll(id, T::InTransit, 0, now, now),
            Some(now + Duration::hours(2))
        );
        assert_eq!(
            s.next_poll(id, T::InfoReceived, 0, now, now),
            Some(now + Duration::hours(6))
        );
        assert_eq!(
            s.next_poll(id, T::InTransit, 1, now, now),
            Some(now + Duration::hours(4))
        );
        assert_eq!(
            s.next_poll(id, T::InTransit, 2, now, now),
            Some(now + Duration::hours(8))
        );
        assert_eq!(
            s.next_poll(id, T::InTransit, 9, now, now),
            Some(now + Duration::hours(12))
        );
        assert_eq!(s.next_poll(id, T::Delivered, 0, now, now), None);
        assert_eq!(s.next_poll(id, T::Expired, 0, now, now), None);
        // A week of silence: twice a day.
        assert_eq!(
            s.next_poll(id, T::InTransit, 0, now, now + Duration::days(8)),
            Some(now + Duration::days(8) + Duration::hours(12))
        );
    }

    #[test]
    fn jitter_is_fixed_per_package_and_under_a_tenth() {
        let s = PollSchedule::default();
        let now = at(0);
        for _ in 0..200 {
            let id = Uuid::new_v4();
            let next = s.next_poll(id, T::InTransit, 0, now, now).unwrap();
            assert_eq!(Some(next), s.next_poll(id, T::InTransit, 0, now, now));
            assert!(next >= now + Duration::hours(2) && next < now + Duration::minutes(132));
        }
    }

    #[test]
    fn thirty_silent_days_expire_a_package() {
        assert!(!expired(at(0), at(24 * 30 - 1)));
        assert!(expired(at(0), at(24 * 30)));
    }

    #[test]
    fn schedules_parse_overrides_and_refuse_nonsense() {
        let s = PollSchedule::parse("OUT_FOR_DELIVERY=15, IN_TRANSIT=60").unwrap();
        assert_eq!(s.out_for_delivery, Duration::minutes(15));
        assert_eq!(s.in_transit, Duration::minutes(60));
        assert_eq!(s.info_received, Duration::hours(6));
        for bad in ["DELIVERED=5", "IN_TRANSIT", "IN_TRANSIT=0", "IN_TRANSIT=x"] {
            assert!(PollSchedule::parse(bad).is_err(), "{bad}");
        }
    }
}
