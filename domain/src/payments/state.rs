//! A payment's life as a pure function over (status, event).

use P as S;
use entity::PaymentStatus as P;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Its PAYMENT_PROCESSING approval was approved: a card is captured, a
    /// bank transfer waits for its remittance.
    Approved { bank_transfer: bool },
    /// The approval was rejected, expired or cancelled.
    Refused,
    /// The provider charged it, or FINANCE recorded the remittance.
    Paid,
    /// The provider declined it, or the order ended before it was charged.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: P,
}

pub fn apply(from: P, event: Event) -> Result<P, Illegal> {
    Ok(match (from, event) {
        (
            S::AwaitingApproval,
            Event::Approved {
                bank_transfer: false,
            },
        ) => S::Capturing,
        (
            S::AwaitingApproval,
            Event::Approved {
                bank_transfer: true,
            },
        ) => S::AwaitingRemittance,
        (S::AwaitingApproval, Event::Refused) => S::Failed,
        (S::Capturing | S::AwaitingRemittance, Event::Paid) => S::Succeeded,
        (S::Capturing | S::AwaitingRemittance, Event::Failed) => S::Failed,
        _ => return Err(Illegal { from }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_is_captured_after_approval_and_a_transfer_waits_for_its_remittance() {
        let card = apply(
            S::AwaitingApproval,
            Event::Approved {
                bank_transfer: false,
            },
        );
        assert_eq!(card, Ok(S::Capturing));
        assert_eq!(apply(S::Capturing, Event::Paid), Ok(S::Succeeded));
        assert_eq!(apply(S::Capturing, Event::Failed), Ok(S::Failed));
        let transfer = apply(
            S::AwaitingApproval,
            Event::Approved {
                bank_transfer: true,
            },
        );
        assert_eq!(transfer, Ok(S::AwaitingRemittance));
        assert_eq!(apply(S::AwaitingRemittance, Event::Paid), Ok(S::Succeeded));
        assert_eq!(apply(S::AwaitingApproval, Event::Refused), Ok(S::Failed));
    }

    #[test]
    fn a_finished_payment_never_moves_again() {
        for done in [S::Succeeded, S::Failed] {
            for event in [Event::Paid, Event::Failed, Event::Refused] {
                assert_eq!(apply(done, event), Err(Illegal { from: done }));
            }
        }
        assert!(apply(S::AwaitingApproval, Event::Paid).is_err());
    }
}
