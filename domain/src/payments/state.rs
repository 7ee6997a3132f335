//! A payment's life as a pure function over (status, event).

use P as S;
use entity::PaymentMethod;
use entity::PaymentStatus as P;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Its PAYMENT_PROCESSING approval was approved: a card is captured, a
    /// bank transfer waits for its remittance, a wallet for its payer.
    Approved { method: PaymentMethod },
    /// The payer approved (or, `false`, cancelled) at the wallet provider.
    PayerAnswered { approved: bool },
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
        (S::AwaitingApproval, Event::Approved { method }) => match method {
            PaymentMethod::Card => S::Capturing,
            PaymentMethod::BankTransfer => S::AwaitingRemittance,
            PaymentMethod::Paypal => S::AwaitingPayer,
        },
        (S::AwaitingPayer, Event::PayerAnswered { approved: true }) => S::Capturing,
        (S::AwaitingPayer, Event::PayerAnswered { approved: false }) => S::Failed,
        (S::AwaitingApproval, Event::Refused) => S::Failed,
        (S::Capturing | S::AwaitingRemittance, Event::Paid) => S::Succeeded,
        (S::Capturing | S::AwaitingRemittance | S::AwaitingPayer, Event::Failed) => S::Failed,
        _ => return Err(Illegal { from }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentMethod as M;

    #[test]
    fn each_method_goes_its_way_after_approval() {
        let approved = |method| apply(S::AwaitingApproval, Event::Approved { method });
        assert_eq!(approved(M::Card), Ok(S::Capturing));
        assert_eq!(approved(M::BankTransfer), Ok(S::AwaitingRemittance));
        assert_eq!(approved(M::Paypal), Ok(S::AwaitingPayer));
        assert_eq!(apply(S::Capturing, Event::Paid), Ok(S::Succeeded));
        assert_eq!(apply(S::Capturing, Event::Failed), Ok(S::Failed));
        assert_eq!(apply(S::AwaitingRemittance, Event::Paid), Ok(S::Succeeded));
        assert_eq!(apply(S::AwaitingApproval, Event::Refused), Ok(S::Failed));
        let yes = Event::PayerAnswered { approved: true };
        let no = Event::PayerAnswered { approved: false };
        assert_eq!(apply(S::AwaitingPayer, yes), Ok(S::Capturing));
        assert_eq!(apply(S::AwaitingPayer, no), Ok(S::Failed));
        assert!(apply(S::Capturing, yes).is_err());
        assert!(apply(S::AwaitingPayer, Event::Paid).is_err());
    }

    #[test]
    fn a_finished_payment_never_moves_again() {
        for done in [S::Succeeded, S::Failed] {
            for event in [
                Event::Paid,
                Event::Failed,
                Event::Refused,
                Event::PayerAnswered { approved: true },
            ] {
                assert_eq!(apply(done, event), Err(Illegal { from: done }));
            }
        }
        assert!(apply(S::AwaitingApproval, Event::Paid).is_err());
    }
}
