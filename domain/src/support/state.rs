//! A ticket's status machine, as a pure function over (status, event).

use TicketStatus as S;
use chrono::{DateTime, TimeDelta, Utc};
use entity::TicketStatus;

/// How long after its resolution a customer's reply reopens a ticket; after
/// it the ticket closes (the daily auto-close, or a reply refused).
pub const REOPEN_WINDOW_DAYS: i64 = 7;

/// The end of the reopen window of a ticket resolved at `resolved_at`.
pub fn reopen_deadline(resolved_at: DateTime<Utc>) -> DateTime<Utc> {
    resolved_at + TimeDelta::days(REOPEN_WINDOW_DAYS)
}

/// What happens to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Staff replied to the customer (not an internal note).
    StaffReply,
    /// Staff took it on without replying yet.
    Triage,
    /// The customer replied; `in_window` tells whether a resolved ticket is
    /// still inside its reopen window.
    CustomerReply {
        in_window: bool,
    },
    /// Staff added an internal note (no change of status).
    InternalNote,
    WaitOnCustomer,
    WaitOnThirdParty,
    /// Staff took it back from waiting.
    Resume,
    Resolve,
    /// Staff closed it, or its reopen window ran out.
    Close,
}

/// A step the current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: TicketStatus,
}

const WAITING: [TicketStatus; 2] = [S::WaitingOnCustomer, S::WaitingOnThirdParty];

/// The status after `event` (the same status when it does not move).
pub fn apply(from: TicketStatus, event: Event) -> Result<TicketStatus, Illegal> {
    let to = match (from, event) {
        (S::Closed, _) => return Err(Illegal { from }),
        (S::New | S::Open, Event::StaffReply | Event::Triage) => S::Open,
        // A staff reply while waiting keeps waiting (asking again).
        (S::WaitingOnCustomer | S::WaitingOnThirdParty, Event::StaffReply) => from,
        (S::New | S::Open | S::WaitingOnThirdParty, Event::CustomerReply { .. }) => from,
        (S::WaitingOnCustomer, Event::CustomerReply { .. }) => S::Open,
        (S::Resolved, Event::CustomerReply { in_window: true }) => S::Open,
        (S::Resolved, Event::CustomerReply { in_window: false }) => return Err(Illegal { from }),
        (_, Event::InternalNote) => from,
        (S::New | S::Open | S::WaitingOnThirdParty, Event::WaitOnCustomer) => S::WaitingOnCustomer,
        (S::New | S::Open | S::WaitingOnCustomer, Event::WaitOnThirdParty) => {
            S::WaitingOnThirdParty
        }
        (s, Event::Resume) if WAITING.contains(&s) => S::Open,
        (S::New | S::Open | S::WaitingOnCustomer | S::WaitingOnThirdParty, Event::Resolve) => {
            S::Resolved
        }
        (_, Event::Close) => S::Closed,
        _ => return Err(Illegal { from }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_ticket_opens_on_the_first_staff_reply_or_triage() {
        assert_eq!(apply(S::New, Event::StaffReply), Ok(S::Open));
        assert_eq!(apply(S::New, Event::Triage), Ok(S::Open));
        assert_eq!(
            apply(S::New, Event::CustomerReply { in_window: true }),
            Ok(S::New)
        );
        assert_eq!(apply(S::New, Event::InternalNote), Ok(S::New));
    }

    #[test]
    fn waiting_states_go_back_to_open() {
        assert_eq!(
            apply(S::Open, Event::WaitOnCustomer),
            Ok(S::WaitingOnCustomer)
        );
        assert_eq!(
            apply(S::Open, Event::WaitOnThirdParty),
            Ok(S::WaitingOnThirdParty)
        );
        assert_eq!(apply(S::WaitingOnCustomer, Event::Resume), Ok(S::Open));
        assert_eq!(apply(S::WaitingOnThirdParty, Event::Resume), Ok(S::Open));
        assert_eq!(
            apply(
                S::WaitingOnCustomer,
                Event::CustomerReply { in_window: true }
            ),
            Ok(S::Open)
        );
        // The customer answering does not end a wait on a third party.
        assert_eq!(
            apply(
                S::WaitingOnThirdParty,
                Event::CustomerReply { in_window: true }
            ),
            Ok(S::WaitingOnThirdParty)
        );
        assert_eq!(
            apply(S::Open, Event::Resume),
            Err(Illegal { from: S::Open })
        );
    }

    #[test]
    fn resolved_reopens_inside_the_window_and_closes_after_it() {
        assert_eq!(apply(S::Open, Event::Resolve), Ok(S::Resolved));
        assert_eq!(
            apply(S::Resolved, Event::CustomerReply { in_window: true }),
            Ok(S::Open)
        );
        assert_eq!(
            apply(S::Resolved, Event::CustomerReply { in_window: false }),
            Err(Illegal { from: S::Resolved })
        );
        assert_eq!(apply(S::Resolved, Event::Close), Ok(S::Closed));
        assert_eq!(
            apply(S::Resolved, Event::Resolve),
            Err(Illegal { from: S::Resolved })
        );
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(reopen_deadline(at) - at, TimeDelta::days(7));
    }

    #[test]
    fn closed_is_final() {
        for event in [
            Event::StaffReply,
            Event::Triage,
            Event::CustomerReply { in_window: true },
            Event::InternalNote,
            Event::WaitOnCustomer,
            Event::WaitOnThirdParty,
            Event::Resume,
            Event::Resolve,
            Event::Close,
        ] {
            assert_eq!(apply(S::Closed, event), Err(Illegal { from: S::Closed }));
        }
    }

    #[test]
    fn staff_may_close_from_anywhere_open() {
        for s in [
            S::New,
            S::Open,
            S::WaitingOnCustomer,
            S::WaitingOnThirdParty,
        ] {
            assert_eq!(apply(s, Event::Close), Ok(S::Closed));
        }
    }
}
