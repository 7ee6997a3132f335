//! An order's life up to its invoice (and cancelling before it is
//! paid), as a pure function over (status, event). Later order issues
//! add their events here; hold and archive are flags, not states.

use OrderStatus as S;
use entity::{OrderStatus, Role};

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Staff ask for stock to be reserved (an approval).
    RequestReservation,
    /// The reservation approval was approved and stock was taken: all of
    /// it, some of it, or none.
    Reserved { all: bool, any: bool },
    /// The reservation approval was rejected, expired or cancelled.
    ReservationRefused,
    /// An unpaid reservation ran out (the order is cancelled, stock released;
    /// an invoiced order's invoice is reversed by an adjustment note).
    ReservationLapsed,
    /// Its tax invoice was issued (for what is reserved; the rest was split
    /// off to a backorder).
    Invoice,
    /// Cancelled before it ships (an invoiced order's invoice is reversed by
    /// an adjustment note; a paid order's payments are refunded, each with
    /// its note).
    Cancel,
    /// A payment was asked for (card capture or bank transfer).
    PaymentRequested,
    /// That payment failed or was refused: the order is payable again.
    PaymentFailed,
    /// It was paid.
    Paid,
    /// Its invoice came to nothing (a replacement, a goodwill order): paid
    /// at once, with no payment asked for (DESIGN "Zero-total orders").
    NothingDue,
    /// A package of it was packed.
    Packed,
    /// Packages were handed to the courier: `all` when every unit of its
    /// goods is now shipped.
    PickedUp { all: bool },
    /// Every package of a fully shipped order was delivered; `services_done`
    /// when it has no services or their ticket is resolved or closed (else
    /// it waits for that ticket, DESIGN "Services in orders").
    AllDelivered { services_done: bool },
    /// Its services ticket was resolved or closed; `goods_delivered` when
    /// every package of its fully shipped goods was delivered (true for an
    /// order of services only, which has none).
    ServicesDone { goods_delivered: bool },
    /// The closure run closed it, some days after delivery.
    Close,
}

/// A step the order's current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub from: OrderStatus,
}

const BEFORE_INVOICE: [OrderStatus; 6] = [
    S::Placed,
    S::AwaitingReservation,
    S::PartiallyReserved,
    S::Reserved,
    S::Backordered,
    S::ReservationRejected,
];

pub fn apply(from: OrderStatus, event: Event) -> Result<OrderStatus, Illegal> {
    let to = match (from, event) {
        (S::Placed | S::Backordered | S::ReservationRejected, Event::RequestReservation) => {
            S::AwaitingReservation
        }
        (S::AwaitingReservation, Event::Reserved { all: true, .. }) => S::Reserved,
        (S::AwaitingReservation, Event::Reserved { any: true, .. }) => S::PartiallyReserved,
        (S::AwaitingReservation, Event::Reserved { .. }) => S::Backordered,
        (S::AwaitingReservation, Event::ReservationRefused) => S::ReservationRejected,
        (S::Reserved | S::PartiallyReserved | S::Invoiced, Event::ReservationLapsed) => {
            S::Cancelled
        }
        (S::Invoiced | S::Paid, Event::Cancel) => S::Cancelled,
        (S::Invoiced, Event::PaymentRequested) => S::AwaitingPayment,
        (S::AwaitingPayment, Event::PaymentFailed) => S::Invoiced,
        (S::AwaitingPayment, Event::Paid) => S::Paid,
        (S::Invoiced, Event::NothingDue) => S::Paid,
        (S::Paid | S::Packing, Event::Packed) => S::Packing,
        (S::PartiallyShipped, Event::Packed) => S::PartiallyShipped,
        // A paid order's first package may be its supplier's (drop-ship).
        (S::Paid | S::Packing | S::PartiallyShipped, Event::PickedUp { all: true }) => S::Shipped,
        (S::Paid | S::Packing | S::PartiallyShipped, Event::PickedUp { all: false }) => {
            S::PartiallyShipped
        }
        (
            S::Shipped,
            Event::AllDelivered {
                services_done: true,
            },
        ) => S::Delivered,
        // Goods on site, services still to do: it stays shipped until they are.
        (
            S::Shipped,
            Event::AllDelivered {
                services_done: false,
            },
        ) => S::Shipped,
        // An order of services only has no goods to wait for (PAID); one with
        // goods waits until they are all delivered (SHIPPED).
        (
            S::Paid | S::Shipped,
            Event::ServicesDone {
                goods_delivered: true,
            },
        ) => S::Delivered,
        (
            S::Paid | S::Packing | S::PartiallyShipped | S::Shipped,
            Event::ServicesDone {
                goods_delivered: false,
            },
        ) => from,
        (S::Delivered, Event::Close) => S::Closed,
        (S::Reserved | S::PartiallyReserved, Event::Invoice) => S::Invoiced,
        (from, Event::Cancel) if BEFORE_INVOICE.contains(&from) => S::Cancelled,
        _ => return Err(Illegal { from }),
    };
    Ok(to)
}

/// The next steps of an order and who may take them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    RequestReservation,
    DecideReservation,
    /// Issue the tax invoice by hand (where issuing on reservation failed).
    IssueInvoice,
    /// `capturePayment`.
    Pay,
    Cancel,
    /// `packShipment` (and the pick list before it).
    Pack,
    /// `createShippingLabel` and `confirmPickup` of its packed packages.
    Ship,
}

/// What may happen next from `status`, with the role that may do it; a
/// customer sees only what it may do itself (nothing, once staff took over).
/// An order without goods (services only) has nothing to pack: once paid it
/// waits for its services ticket.
pub fn next_actions(status: OrderStatus, has_goods: bool, viewer: Role) -> Vec<(Action, Role)> {
    let staff: Vec<(Action, Role)> = match status {
        S::Placed | S::Backordered | S::ReservationRejected => vec![
            (Action::RequestReservation, Role::Fulfilment),
            (Action::Cancel, Role::Fulfilment),
        ],
        S::AwaitingReservation => vec![
            (Action::DecideReservation, Role::Fulfilment),
            (Action::Cancel, Role::Fulfilment),
        ],
        S::Reserved | S::PartiallyReserved => vec![
            (Action::IssueInvoice, Role::Finance),
            (Action::Cancel, Role::Fulfilment),
        ],
        S::Invoiced => vec![
            (Action::Pay, Role::Finance),
            (Action::Cancel, Role::Finance),
        ],
        S::Paid if !has_goods => vec![(Action::Cancel, Role::Finance)],
        S::Paid => vec![
            (Action::Pack, Role::Fulfilment),
            (Action::Cancel, Role::Finance),
        ],
        S::Packing | S::PartiallyShipped => vec![
            (Action::Pack, Role::Fulfilment),
            (Action::Ship, Role::Fulfilment),
        ],
        _ => vec![],
    };
    if viewer == Role::Customer {
        return match status {
            S::Placed => vec![(Action::Cancel, Role::Customer)],
            S::Invoiced => vec![(Action::Pay, Role::Customer)],
            _ => vec![],
        };
    }
    staff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_moves_the_order_by_what_was_taken() {
        let requested = apply(S::Placed, Event::RequestReservation).unwrap();
        assert_eq!(requested, S::AwaitingReservation);
        let cases = [
            ((true, true), S::Reserved),
            ((false, true), S::PartiallyReserved),
            ((false, false), S::Backordered),
        ];
        for ((all, any), expected) in cases {
            assert_eq!(apply(requested, Event::Reserved { all, any }), Ok(expected));
        }
        assert_eq!(
            apply(requested, Event::ReservationRefused),
            Ok(S::ReservationRejected)
        );
        for retry in [S::Backordered, S::ReservationRejected] {
            assert_eq!(
                apply(retry, Event::RequestReservation),
                Ok(S::AwaitingReservation)
            );
        }
    }

    #[test]
    fn only_unpaid_reservations_lapse_and_cancelling_stops_at_payment() {
        for held in [S::Reserved, S::PartiallyReserved, S::Invoiced] {
            assert_eq!(apply(held, Event::ReservationLapsed), Ok(S::Cancelled));
        }
        assert_eq!(
            apply(S::Placed, Event::ReservationLapsed),
            Err(Illegal { from: S::Placed })
        );
        for from in BEFORE_INVOICE.into_iter().chain([S::Invoiced]) {
            assert_eq!(apply(from, Event::Cancel), Ok(S::Cancelled));
        }
        assert_eq!(
            next_actions(S::Invoiced, true, Role::Finance),
            [
                (Action::Pay, Role::Finance),
                (Action::Cancel, Role::Finance)
            ]
        );
        assert_eq!(
            next_actions(S::Invoiced, true, Role::Customer),
            [(Action::Pay, Role::Customer)]
        );
        assert_eq!(apply(S::Paid, Event::Cancel), Ok(S::Cancelled));
        for late in [S::Shipped, S::Delivered, S::Closed, S::Cancelled] {
            assert_eq!(apply(late, Event::Cancel), Err(Illegal { from: late }));
        }
    }

    #[test]
    fn only_a_reservation_is_invoiced_and_only_once() {
        for held in [S::Reserved, S::PartiallyReserved] {
            assert_eq!(apply(held, Event::Invoice), Ok(S::Invoiced));
            assert_eq!(
                next_actions(held, true, Role::Finance)[0],
                (Action::IssueInvoice, Role::Finance)
            );
        }
        for not_held in [
            S::Placed,
            S::AwaitingReservation,
            S::Backordered,
            S::Invoiced,
            S::Cancelled,
        ] {
            assert_eq!(
                apply(not_held, Event::Invoice),
                Err(Illegal { from: not_held })
            );
        }
    }

    #[test]
    fn an_invoiced_order_is_paid_or_becomes_payable_again() {
        let waiting = apply(S::Invoiced, Event::PaymentRequested).unwrap();
        assert_eq!(waiting, S::AwaitingPayment);
        assert_eq!(apply(waiting, Event::Paid), Ok(S::Paid));
        assert_eq!(apply(waiting, Event::PaymentFailed), Ok(S::Invoiced));
        // One payment at a time; none for a paid or cancelled order.
        for from in [S::AwaitingPayment, S::Paid, S::Cancelled, S::Reserved] {
            assert_eq!(apply(from, Event::PaymentRequested), Err(Illegal { from }));
        }
        // Nothing to pay: paid at once, and only from INVOICED.
        assert_eq!(apply(S::Invoiced, Event::NothingDue), Ok(S::Paid));
        assert!(apply(S::AwaitingPayment, Event::NothingDue).is_err());
        // A pending payment keeps the order: it neither lapses nor cancels.
        assert!(apply(waiting, Event::ReservationLapsed).is_err());
        assert!(apply(waiting, Event::Cancel).is_err());
    }

    #[test]
    fn every_illegal_step_names_where_the_order_is() {
        assert_eq!(
            apply(S::Reserved, Event::RequestReservation),
            Err(Illegal { from: S::Reserved })
        );
        assert_eq!(
            apply(
                S::Placed,
                Event::Reserved {
                    all: true,
                    any: true
                }
            ),
            Err(Illegal { from: S::Placed })
        );
    }

    #[test]
    fn a_paid_order_of_services_only_offers_nothing_to_pack() {
        assert_eq!(
            next_actions(S::Paid, false, Role::Fulfilment),
            [(Action::Cancel, Role::Finance)]
        );
        assert_eq!(
            next_actions(S::Paid, true, Role::Fulfilment),
            [
                (Action::Pack, Role::Fulfilment),
                (Action::Cancel, Role::Finance)
            ]
        );
    }

    #[test]
    fn customers_see_only_what_they_may_do() {
        assert_eq!(
            next_actions(S::Placed, true, Role::Customer),
            [(Action::Cancel, Role::Customer)]
        );
        assert!(next_actions(S::AwaitingReservation, true, Role::Customer).is_empty());
        assert_eq!(
            next_actions(S::AwaitingReservation, true, Role::Fulfilment)[0],
            (Action::DecideReservation, Role::Fulfilment)
        );
        assert!(next_actions(S::Cancelled, true, Role::Admin).is_empty());
    }

    #[test]
    fn packing_and_pickups_ship_the_order_and_deliveries_end_it() {
        assert_eq!(apply(S::Paid, Event::Packed), Ok(S::Packing));
        assert_eq!(apply(S::Packing, Event::Packed), Ok(S::Packing));
        assert_eq!(
            apply(S::Packing, Event::PickedUp { all: false }),
            Ok(S::PartiallyShipped)
        );
        assert_eq!(
            apply(S::PartiallyShipped, Event::Packed),
            Ok(S::PartiallyShipped)
        );
        assert_eq!(
            apply(S::PartiallyShipped, Event::PickedUp { all: true }),
            Ok(S::Shipped)
        );
        assert_eq!(
            apply(S::Packing, Event::PickedUp { all: true }),
            Ok(S::Shipped)
        );
        // A supplier's package ships a paid order without our packing.
        assert_eq!(
            apply(S::Paid, Event::PickedUp { all: true }),
            Ok(S::Shipped)
        );
        assert_eq!(
            apply(S::Paid, Event::PickedUp { all: false }),
            Ok(S::PartiallyShipped)
        );
        assert_eq!(
            apply(
                S::Shipped,
                Event::AllDelivered {
                    services_done: true
                }
            ),
            Ok(S::Delivered)
        );
        assert_eq!(apply(S::Delivered, Event::Close), Ok(S::Closed));
        assert_eq!(
            apply(S::Shipped, Event::Close),
            Err(Illegal { from: S::Shipped })
        );
        // Nothing ships unpaid, a shipped order is not packed again, and a
        // partly shipped one is not delivered.
        for (from, event) in [
            (S::Invoiced, Event::Packed),
            (S::Invoiced, Event::PickedUp { all: true }),
            (S::Shipped, Event::Packed),
            (
                S::PartiallyShipped,
                Event::AllDelivered {
                    services_done: true,
                },
            ),
            (S::Packing, Event::Cancel),
            (S::Shipped, Event::Cancel),
        ] {
            assert_eq!(
                apply(from, event),
                Err(Illegal { from }),
                "{from:?} {event:?}"
            );
        }
    }

    #[test]
    fn an_order_with_services_is_delivered_when_its_goods_are_and_its_ticket_is_done() {
        let waiting = Event::AllDelivered {
            services_done: false,
        };
        // Goods delivered first: it stays shipped until the ticket is done.
        assert_eq!(apply(S::Shipped, waiting), Ok(S::Shipped));
        let done = Event::ServicesDone {
            goods_delivered: true,
        };
        assert_eq!(apply(S::Shipped, done), Ok(S::Delivered));
        // Ticket done first: the last delivery delivers it.
        let not_yet = Event::ServicesDone {
            goods_delivered: false,
        };
        for from in [S::Paid, S::Packing, S::PartiallyShipped, S::Shipped] {
            assert_eq!(apply(from, not_yet), Ok(from), "{from:?}");
        }
        assert_eq!(
            apply(
                S::Shipped,
                Event::AllDelivered {
                    services_done: true
                }
            ),
            Ok(S::Delivered)
        );
        // An order of services only goes from PAID to DELIVERED.
        assert_eq!(apply(S::Paid, done), Ok(S::Delivered));
        // A ticket reopened and resolved again after delivery, or one of an
        // order never paid or cancelled, moves nothing.
        for from in [
            S::Delivered,
            S::Closed,
            S::Cancelled,
            S::Invoiced,
            S::AwaitingPayment,
        ] {
            assert_eq!(apply(from, done), Err(Illegal { from }), "{from:?}");
            assert_eq!(apply(from, not_yet), Err(Illegal { from }), "{from:?}");
        }
        // Partly shipped goods are never all delivered.
        assert_eq!(
            apply(S::PartiallyShipped, done),
            Err(Illegal {
                from: S::PartiallyShipped
            })
        );
        assert_eq!(apply(S::Paid, waiting), Err(Illegal { from: S::Paid }));
    }
}
