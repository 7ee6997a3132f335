//! A return's life as a pure function over (status, event).
//!
//! REQUESTED → (approved, with instructions) APPROVED → (the goods came
//! back and were inspected) RECEIVED → REFUNDING or REPLACING → COMPLETED.
//! A refund that fails goes back to RECEIVED (staff start it again). A
//! return is REJECTED only from REQUESTED (change of mind only: a fault is
//! remedied, not refused) and CANCELLED only before the goods are received.

use ReturnStatus as S;
use entity::ReturnStatus;

/// The statuses of a return still open (it keeps its order from closing).
pub const OPEN: [ReturnStatus; 5] = [
    ReturnStatus::Requested,
    ReturnStatus::Approved,
    ReturnStatus::Received,
    ReturnStatus::Refunding,
    ReturnStatus::Replacing,
];

/// What happens to a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Staff approved it (the customer sends the goods back as instructed).
    Approve,
    /// Staff refused it, with the reason.
    Reject,
    /// The customer or staff called it off before the goods came back.
    Cancel,
    /// The goods came back and were inspected.
    Receive,
    /// The refund started (its approval, then the provider).
    Refund,
    /// The replacement order was placed.
    Replace,
    /// The refund was paid (or its adjustment note issued).
    Refunded,
    /// The refund was refused or failed: back to received.
    RefundFailed,
    /// The replacement order was delivered.
    ReplacementDelivered,
}

/// A step the return's current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: ReturnStatus,
    pub event: Event,
}

/// The return's status after `event`, or why it cannot happen now.
pub fn apply(status: ReturnStatus, event: Event) -> Result<ReturnStatus, Illegal> {
    let next = match (status, event) {
        (S::Requested, Event::Approve) => S::Approved,
        (S::Requested, Event::Reject) => S::Rejected,
        (S::Requested | S::Approved, Event::Cancel) => S::Cancelled,
        (S::Approved, Event::Receive) => S::Received,
        (S::Received, Event::Refund) => S::Refunding,
        (S::Received, Event::Replace) => S::Replacing,
        (S::Refunding, Event::Refunded) => S::Completed,
        (S::Refunding, Event::RefundFailed) => S::Received,
        (S::Replacing, Event::ReplacementDelivered) => S::Completed,
        (from, event) => return Err(Illegal { from, event }),
    };
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aftersales::{assert_ended, assert_exactly};

    const EVENTS: [Event; 9] = [
        Event::Approve,
        Event::Reject,
        Event::Cancel,
        Event::Receive,
        Event::Refund,
        Event::Replace,
        Event::Refunded,
        Event::RefundFailed,
        Event::ReplacementDelivered,
    ];

    #[test]
    fn a_refund_and_a_replacement_each_run_to_completed() {
        let run = |events: &[Event]| {
            events
                .iter()
                .try_fold(S::Requested, |s, e| apply(s, *e))
                .unwrap()
        };
        use Event as E;
        assert_eq!(
            run(&[E::Approve, E::Receive, E::Refund, E::Refunded]),
            S::Completed
        );
        assert_eq!(
            run(&[E::Approve, E::Receive, E::Replace, E::ReplacementDelivered]),
            S::Completed
        );
        // A failed refund is started again.
        assert_eq!(
            run(&[
                E::Approve,
                E::Receive,
                E::Refund,
                E::RefundFailed,
                E::Refund,
                E::Refunded
            ]),
            S::Completed
        );
    }

    #[test]
    fn exactly_these_transitions_are_allowed() {
        use Event as E;
        let allowed = [
            (S::Requested, E::Approve, S::Approved),
            (S::Requested, E::Reject, S::Rejected),
            (S::Requested, E::Cancel, S::Cancelled),
            (S::Approved, E::Cancel, S::Cancelled),
            (S::Approved, E::Receive, S::Received),
            (S::Received, E::Refund, S::Refunding),
            (S::Received, E::Replace, S::Replacing),
            (S::Refunding, E::Refunded, S::Completed),
            (S::Refunding, E::RefundFailed, S::Received),
            (S::Replacing, E::ReplacementDelivered, S::Completed),
        ];
        assert_exactly(&EVENTS, &allowed, apply, |from, event| Illegal {
            from,
            event,
        });
    }

    #[test]
    fn ended_returns_stay_ended_and_received_goods_cannot_be_cancelled() {
        assert_ended(
            &[S::Completed, S::Rejected, S::Cancelled],
            &OPEN,
            &EVENTS,
            apply,
        );
        for open in OPEN {
            // Every open status has a way on.
            assert!(EVENTS.iter().any(|e| apply(open, *e).is_ok()), "{open:?}");
        }
        for from in [S::Received, S::Refunding, S::Replacing] {
            assert!(apply(from, Event::Cancel).is_err(), "{from:?}");
            assert!(apply(from, Event::Reject).is_err(), "{from:?}");
        }
    }
}
