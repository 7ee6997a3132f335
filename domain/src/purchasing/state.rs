//! A purchase order's life, as a pure function over (status, event).

use PurchaseOrderStatus as S;
use entity::PurchaseOrderStatus;

/// What happens to a purchase order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Sending was asked for (its approval; it stays DRAFT until approved).
    Send,
    /// Goods arrived: `all` when every line is now fully received.
    Receive { all: bool },
    /// Called off.
    Cancel,
    /// Finished with.
    Close,
}

/// A step the current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: PurchaseOrderStatus,
}

pub fn apply(from: PurchaseOrderStatus, event: Event) -> Result<PurchaseOrderStatus, Illegal> {
    let to = match (from, event) {
        (S::Draft, Event::Send) => S::Draft,
        (S::Sent | S::PartiallyReceived, Event::Receive { all: true }) => S::Received,
        (S::Sent | S::PartiallyReceived, Event::Receive { all: false }) => S::PartiallyReceived,
        (S::Draft | S::Sent, Event::Cancel) => S::Cancelled,
        (S::PartiallyReceived | S::Received, Event::Close) => S::Closed,
        _ => return Err(Illegal { from }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purchase_order_is_sent_received_in_parts_and_closed() {
        assert_eq!(apply(S::Draft, Event::Send), Ok(S::Draft));
        assert_eq!(
            apply(S::Sent, Event::Receive { all: false }),
            Ok(S::PartiallyReceived)
        );
        assert_eq!(
            apply(S::PartiallyReceived, Event::Receive { all: true }),
            Ok(S::Received)
        );
        assert_eq!(
            apply(S::Sent, Event::Receive { all: true }),
            Ok(S::Received)
        );
        assert_eq!(apply(S::Received, Event::Close), Ok(S::Closed));
        assert_eq!(apply(S::Sent, Event::Cancel), Ok(S::Cancelled));
    }

    #[test]
    fn nothing_is_received_unsent_cancelled_or_closed_and_nothing_received_is_cancelled() {
        for from in [S::Draft, S::Cancelled, S::Closed, S::Received] {
            assert_eq!(
                apply(from, Event::Receive { all: false }),
                Err(Illegal { from })
            );
        }
        for from in [S::PartiallyReceived, S::Received, S::Closed] {
            assert_eq!(apply(from, Event::Cancel), Err(Illegal { from }));
        }
        assert_eq!(apply(S::Sent, Event::Send), Err(Illegal { from: S::Sent }));
    }

    #[test]
    fn only_an_order_that_received_goods_is_closed_and_only_once() {
        assert_eq!(apply(S::PartiallyReceived, Event::Close), Ok(S::Closed));
        assert_eq!(apply(S::Received, Event::Close), Ok(S::Closed));
        for from in [S::Draft, S::Sent, S::Cancelled, S::Closed] {
            assert_eq!(apply(from, Event::Close), Err(Illegal { from }));
        }
    }
}
