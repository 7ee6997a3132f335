//! A consumer-guarantee claim's life as a pure function over (status, event).
//!
//! LODGED → (assessed as a failure) AWAITING_REMEDY → (a remedy chosen)
//! REMEDY_IN_PROGRESS → (delivered) REMEDIED. A remedy that falls through
//! (a refund refused or failed) or a minor failure's repair not done in its
//! reasonable time goes back to AWAITING_REMEDY; so does a supplier's choice
//! not made in that time (the choice passes to the customer). A claim ends
//! without a remedy only as NOT_FAILED (assessed: no guarantee failed, with
//! the reason) or WITHDRAWN by its customer before a remedy is under way.

use ClaimStatus as S;
use entity::{ClaimStatus, Remedy};

/// The statuses of a claim still open (it keeps its order from closing).
pub const OPEN: [ClaimStatus; 3] = [
    ClaimStatus::Lodged,
    ClaimStatus::AwaitingRemedy,
    ClaimStatus::RemedyInProgress,
];

/// Whether a claim stands on its units, so that no other claim or return
/// may count them again: while it is open, and once its money came back for
/// supply given back (a refund, a cancelled service refunded). A unit
/// replaced (the replacement is claimed on the original purchase), repaired,
/// supplied again or kept with compensation stays with the customer and may
/// fail again; a claim ended without a remedy holds nothing.
pub fn holds_units(status: ClaimStatus, remedy: Option<Remedy>) -> bool {
    OPEN.contains(&status)
        || (status == S::Remedied
            && matches!(remedy, Some(Remedy::Refund | Remedy::CancelWithRefund)))
}

/// What happens to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Staff assessed it: a guarantee failed (MAJOR or MINOR), or not.
    Assess { failed: bool },
    /// The chooser picked a remedy the law allows.
    RemedyChosen,
    /// The remedy was delivered (refund paid, replacement delivered, repair done).
    RemedyDelivered,
    /// The remedy fell through (a refund refused or failed): choose again.
    RemedyFellThrough,
    /// A minor failure's reasonable time passed without its remedy.
    ReasonableTimePassed,
    /// The customer withdrew it.
    Withdraw,
}

/// A step the claim's current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: ClaimStatus,
    pub event: Event,
}

/// The claim's status after `event`, or why it cannot happen now.
pub fn apply(status: ClaimStatus, event: Event) -> Result<ClaimStatus, Illegal> {
    let next = match (status, event) {
        (S::Lodged, Event::Assess { failed: true }) => S::AwaitingRemedy,
        (S::Lodged, Event::Assess { failed: false }) => S::NotFailed,
        (S::AwaitingRemedy, Event::RemedyChosen) => S::RemedyInProgress,
        (S::RemedyInProgress, Event::RemedyDelivered) => S::Remedied,
        (S::RemedyInProgress, Event::RemedyFellThrough) => S::AwaitingRemedy,
        (S::RemedyInProgress | S::AwaitingRemedy, Event::ReasonableTimePassed) => S::AwaitingRemedy,
        (S::Lodged | S::AwaitingRemedy, Event::Withdraw) => S::Withdrawn,
        (from, event) => return Err(Illegal { from, event }),
    };
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aftersales::{assert_ended, assert_exactly};

    #[test]
    fn a_claim_holds_its_units_while_open_and_once_its_money_came_back() {
        for open in OPEN {
            assert!(holds_units(open, None), "{open}");
        }
        assert!(holds_units(S::RemedyInProgress, Some(Remedy::Repair)));
        for paid_back in [Remedy::Refund, Remedy::CancelWithRefund] {
            assert!(holds_units(S::Remedied, Some(paid_back)), "{paid_back}");
        }
        for kept in [
            Remedy::Replacement,
            Remedy::Repair,
            Remedy::KeepWithCompensation,
            Remedy::ResupplyService,
            Remedy::CompensationForReducedValue,
            Remedy::RemedyElsewhereAtSupplierCost,
        ] {
            assert!(!holds_units(S::Remedied, Some(kept)), "{kept}");
        }
        for ended in [S::NotFailed, S::Withdrawn] {
            assert!(!holds_units(ended, None), "{ended}");
        }
    }

    const EVENTS: [Event; 7] = [
        Event::Assess { failed: true },
        Event::Assess { failed: false },
        Event::RemedyChosen,
        Event::RemedyDelivered,
        Event::RemedyFellThrough,
        Event::ReasonableTimePassed,
        Event::Withdraw,
    ];

    #[test]
    fn the_happy_path_runs_from_lodged_to_remedied() {
        let mut s = S::Lodged;
        for e in [
            Event::Assess { failed: true },
            Event::RemedyChosen,
            Event::RemedyDelivered,
        ] {
            s = apply(s, e).unwrap();
        }
        assert_eq!(s, S::Remedied);
    }

    #[test]
    fn exactly_these_transitions_are_allowed() {
        use Event as E;
        let allowed = [
            (S::Lodged, E::Assess { failed: true }, S::AwaitingRemedy),
            (S::Lodged, E::Assess { failed: false }, S::NotFailed),
            (S::Lodged, E::Withdraw, S::Withdrawn),
            (S::AwaitingRemedy, E::RemedyChosen, S::RemedyInProgress),
            (
                S::AwaitingRemedy,
                E::ReasonableTimePassed,
                S::AwaitingRemedy,
            ),
            (S::AwaitingRemedy, E::Withdraw, S::Withdrawn),
            (S::RemedyInProgress, E::RemedyDelivered, S::Remedied),
            (S::RemedyInProgress, E::RemedyFellThrough, S::AwaitingRemedy),
            (
                S::RemedyInProgress,
                E::ReasonableTimePassed,
                S::AwaitingRemedy,
            ),
        ];
        assert_exactly(&EVENTS, &allowed, apply, |from, event| Illegal {
            from,
            event,
        });
    }

    #[test]
    fn ended_claims_stay_ended_and_only_an_assessment_ends_one_without_a_remedy() {
        assert_ended(
            &[S::Remedied, S::NotFailed, S::Withdrawn],
            &OPEN,
            &EVENTS,
            apply,
        );
        // A remedy under way cannot be withdrawn or dropped: it is delivered
        // or falls back to choosing another.
        assert!(apply(S::RemedyInProgress, Event::Withdraw).is_err());
        for from in OPEN {
            for event in EVENTS {
                if let Ok(to) = apply(from, event) {
                    let ends_without_remedy = to == S::NotFailed;
                    assert!(
                        !ends_without_remedy || event == (Event::Assess { failed: false }),
                        "{from:?} {event:?}"
                    );
                }
            }
        }
    }
}
