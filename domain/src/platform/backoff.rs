//! The retry rule every background job shares: capped attempts with
//! exponential backoff; permanent failures give up at once. Pure.

use chrono::{DateTime, Duration, Utc};

/// Attempts a job gets before it becomes a dead letter (a claim that never
/// reported back counts as one).
pub const MAX_ATTEMPTS: i32 = 5;

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Server down, 4xx, a bug that a deploy may fix: try again later.
    Transient,
    /// Rejected recipient, 5xx: retrying cannot help.
    Permanent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    Dead,
}

/// What follows a failure. `attempts` counts the attempt that just failed.
/// Backoff doubles from `base`: base, 2·base, 4·base, …
pub fn after_failure(
    attempts: i32,
    kind: FailureKind,
    now: DateTime<Utc>,
    base: Duration,
) -> AfterFailure {
    if kind == FailureKind::Permanent || attempts >= MAX_ATTEMPTS {
        return AfterFailure::Dead;
    }
    let exponent = (attempts - 1).clamp(0, 16) as u32;
    AfterFailure::RetryAt(now + base * 2_i32.pow(exponent))
}

/// Whether a claim that was never reported on may be taken over once more,
/// or its job must become a dead letter instead.
pub fn may_take_over(attempts_so_far: i32) -> bool {
    attempts_so_far < MAX_ATTEMPTS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn transient_failures_back_off_exponentially_then_die() {
        let now = at("2026-11-23T00:00:00Z");
        let base = Duration::seconds(30);
        for (attempts, wait) in [(1, 30), (2, 60), (4, 240)] {
            assert_eq!(
                after_failure(attempts, FailureKind::Transient, now, base),
                AfterFailure::RetryAt(now + Duration::seconds(wait))
            );
        }
        assert_eq!(
            after_failure(MAX_ATTEMPTS, FailureKind::Transient, now, base),
            AfterFailure::Dead
        );
    }

    #[test]
    fn permanent_failures_die_at_once() {
        let now = at("2026-11-23T00:00:00Z");
        assert_eq!(
            after_failure(1, FailureKind::Permanent, now, Duration::seconds(30)),
            AfterFailure::Dead
        );
    }

    #[test]
    fn abandoned_claims_are_taken_over_until_the_cap() {
        assert!(may_take_over(0));
        assert!(may_take_over(MAX_ATTEMPTS - 1));
        assert!(!may_take_over(MAX_ATTEMPTS));
    }
}
