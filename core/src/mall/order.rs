//! The order state machine: which event moves an order from which status,
//! who may cause it, and what must happen with it (its effects, carried
//! out by the server in the transaction that writes the new status).
//!
//! pending payment → paid → picking → (partially) shipped → delivered →
//! completed; cancelled before shipping (reservation released, refunded
//! if paid; an unpaid order's reservation expiring cancels it too);
//! return requested → returned → refunded. Every transition appends an
//! event: the events are the buyer's timeline.

use serde::{Deserialize, Serialize};

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Picking,
    PartiallyShipped,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    ReturnRequested,
    Returned,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 11] = [
        OrderStatus::PendingPayment,
        OrderStatus::Paid,
        OrderStatus::Picking,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::ReturnRequested,
        OrderStatus::Returned,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Picking => "picking",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::ReturnRequested => "return_requested",
            OrderStatus::Returned => "returned",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The Fluent key of its name.
    pub fn message_key(self) -> String {
        format!("mall-status-{}", self.as_str().replace('_', "-"))
    }

    /// Still holds reserved stock.
    pub fn holds_reservation(self) -> bool {
        matches!(
            self,
            OrderStatus::PendingPayment | OrderStatus::Paid | OrderStatus::Picking
        )
    }
}

/// Who causes an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer or provider who placed the order.
    Buyer,
    /// An admin or the warehouse, in the app.
    Staff,
    /// The server: a payment webhook, the reservation timer, a carrier.
    System,
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    /// The payment was captured (webhook, the buyer's return, an admin
    /// marking a transfer received).
    PaymentConfirmed,
    StartPicking,
    /// A shipment left; `complete` when nothing of the order is left.
    Shipped {
        complete: bool,
    },
    /// Every shipment arrived.
    Delivered,
    /// The buyer confirmed receipt (or the time to object passed).
    Completed,
    Cancel,
    /// An unpaid order's reservation ran out.
    ReservationExpired,
    ReturnRequested,
    ReturnReceived,
    Refunded,
}

impl OrderEvent {
    pub fn name(self) -> &'static str {
        match self {
            OrderEvent::PaymentConfirmed => "payment_confirmed",
            OrderEvent::StartPicking => "start_picking",
            OrderEvent::Shipped { complete: false } => "shipped_partly",
            OrderEvent::Shipped { complete: true } => "shipped",
            OrderEvent::Delivered => "delivered",
            OrderEvent::Completed => "completed",
            OrderEvent::Cancel => "cancel",
            OrderEvent::ReservationExpired => "reservation_expired",
            OrderEvent::ReturnRequested => "return_requested",
            OrderEvent::ReturnReceived => "return_received",
            OrderEvent::Refunded => "refunded",
        }
    }

    pub const ALL: [OrderEvent; 11] = [
        OrderEvent::PaymentConfirmed,
        OrderEvent::StartPicking,
        OrderEvent::Shipped { complete: false },
        OrderEvent::Shipped { complete: true },
        OrderEvent::Delivered,
        OrderEvent::Completed,
        OrderEvent::Cancel,
        OrderEvent::ReservationExpired,
        OrderEvent::ReturnRequested,
        OrderEvent::ReturnReceived,
        OrderEvent::Refunded,
    ];
}

/// What must be done with a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Give the reserved stock back.
    ReleaseReservation,
    /// Take the shipped units off the shelf (and out of the reservation).
    ConsumeReservation,
    /// Void the open, unpaid payment.
    CancelPayment,
    /// Refund the captured payment.
    RefundPayment,
    /// Put returned parts back in stock.
    Restock,
    /// Tell the buyer (timeline live, and by email).
    NotifyBuyer,
}

/// The transition an event makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub next: OrderStatus,
    pub effects: Vec<Effect>,
}

/// Why an event cannot happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("{event} is not possible when the order is {status}")]
    NotNow {
        status: &'static str,
        event: &'static str,
    },
    #[error("{0:?} may not do that")]
    NotYours(Actor),
}

/// Whether `actor` may cause `event` at all.
fn may(actor: Actor, event: OrderEvent, status: OrderStatus) -> bool {
    use Actor::*;
    use OrderEvent as E;
    match event {
        E::PaymentConfirmed => matches!(actor, Staff | System),
        E::StartPicking | E::Shipped { .. } | E::ReturnReceived => actor == Staff,
        E::Delivered | E::Refunded => matches!(actor, Staff | System),
        E::Completed => true,
        // A buyer cancels until the warehouse starts picking.
        E::Cancel => match actor {
            Buyer => matches!(status, OrderStatus::PendingPayment | OrderStatus::Paid),
            Staff => true,
            System => false,
        },
        E::ReservationExpired => actor == System,
        E::ReturnRequested => actor == Buyer,
    }
}

/// The one rule of the order's life.
pub fn apply(
    status: OrderStatus,
    event: OrderEvent,
    actor: Actor,
) -> Result<Transition, OrderError> {
    use Effect::*;
    use OrderEvent as E;
    use OrderStatus as S;
    let (next, effects): (S, &[Effect]) = match (status, event) {
        (S::PendingPayment, E::PaymentConfirmed) => (S::Paid, &[NotifyBuyer]),
        (S::Paid, E::StartPicking) => (S::Picking, &[]),
        (S::Paid | S::Picking | S::PartiallyShipped, E::Shipped { complete }) => (
            if complete {
                S::Shipped
            } else {
                S::PartiallyShipped
            },
            &[ConsumeReservation, NotifyBuyer],
        ),
        (S::Shipped, E::Delivered) => (S::Delivered, &[NotifyBuyer]),
        (S::Delivered, E::Completed) => (S::Completed, &[]),
        (S::PendingPayment, E::Cancel) => (
            S::Cancelled,
            &[ReleaseReservation, CancelPayment, NotifyBuyer],
        ),
        (S::PendingPayment, E::ReservationExpired) => (
            S::Cancelled,
            &[ReleaseReservation, CancelPayment, NotifyBuyer],
        ),
        (S::Paid | S::Picking, E::Cancel) => (
            S::Cancelled,
            &[ReleaseReservation, RefundPayment, NotifyBuyer],
        ),
        (S::Delivered | S::Completed, E::ReturnRequested) => (S::ReturnRequested, &[NotifyBuyer]),
        (S::ReturnRequested, E::ReturnReceived) => (S::Returned, &[Restock, NotifyBuyer]),
        (S::Returned, E::Refunded) => (S::Refunded, &[RefundPayment, NotifyBuyer]),
        _ => {
            return Err(OrderError::NotNow {
                status: status.as_str(),
                event: event.name(),
            });
        }
    };
    if !may(actor, event, status) {
        return Err(OrderError::NotYours(actor));
    }
    Ok(Transition {
        next,
        effects: effects.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use OrderEvent as E;
    use OrderStatus as S;

    /// Every (status, event) that moves an order, with its target, for
    /// the actor allowed to cause it; every other pair is refused.
    const MOVES: &[(S, E, S)] = &[
        (S::PendingPayment, E::PaymentConfirmed, S::Paid),
        (S::PendingPayment, E::Cancel, S::Cancelled),
        (S::PendingPayment, E::ReservationExpired, S::Cancelled),
        (S::Paid, E::StartPicking, S::Picking),
        (S::Paid, E::Shipped { complete: false }, S::PartiallyShipped),
        (S::Paid, E::Shipped { complete: true }, S::Shipped),
        (S::Paid, E::Cancel, S::Cancelled),
        (
            S::Picking,
            E::Shipped { complete: false },
            S::PartiallyShipped,
        ),
        (S::Picking, E::Shipped { complete: true }, S::Shipped),
        (S::Picking, E::Cancel, S::Cancelled),
        (
            S::PartiallyShipped,
            E::Shipped { complete: false },
            S::PartiallyShipped,
        ),
        (
            S::PartiallyShipped,
            E::Shipped { complete: true },
            S::Shipped,
        ),
        (S::Shipped, E::Delivered, S::Delivered),
        (S::Delivered, E::Completed, S::Completed),
        (S::Delivered, E::ReturnRequested, S::ReturnRequested),
        (S::Completed, E::ReturnRequested, S::ReturnRequested),
        (S::ReturnRequested, E::ReturnReceived, S::Returned),
        (S::Returned, E::Refunded, S::Refunded),
    ];

    #[test]
    fn every_status_and_event_is_decided() {
        for status in S::ALL {
            for event in E::ALL {
                let expected = MOVES
                    .iter()
                    .find(|(s, e, _)| *s == status && *e == event)
                    .map(|m| m.2);
                let by_anyone = [Buyer, Staff, System]
                    .into_iter()
                    .filter_map(|a| apply(status, event, a).ok().map(|t| (a, t.next)))
                    .collect::<Vec<_>>();
                match expected {
                    Some(next) => {
                        assert!(!by_anyone.is_empty(), "{status:?} {event:?}: nobody may");
                        assert!(
                            by_anyone.iter().all(|(_, n)| *n == next),
                            "{status:?} {event:?}"
                        );
                    }
                    None => assert!(by_anyone.is_empty(), "{status:?} {event:?}: {by_anyone:?}"),
                }
            }
        }
    }

    #[test]
    fn who_may_do_what() {
        assert_eq!(
            apply(S::PendingPayment, E::PaymentConfirmed, Buyer),
            Err(OrderError::NotYours(Buyer))
        );
        assert!(apply(S::PendingPayment, E::PaymentConfirmed, System).is_ok());
        assert!(apply(S::Paid, E::Cancel, Buyer).is_ok());
        assert_eq!(
            apply(S::Picking, E::Cancel, Buyer),
            Err(OrderError::NotYours(Buyer))
        );
        assert!(apply(S::Picking, E::Cancel, Staff).is_ok());
        assert!(apply(S::PendingPayment, E::Cancel, System).is_err());
        assert!(apply(S::PendingPayment, E::ReservationExpired, Staff).is_err());
        assert!(apply(S::Delivered, E::ReturnRequested, Staff).is_err());
        assert!(apply(S::Paid, E::Shipped { complete: true }, Buyer).is_err());
        assert!(apply(S::Shipped, E::Delivered, System).is_ok());
        assert!(apply(S::Delivered, E::Completed, Buyer).is_ok());
    }

    #[test]
    fn nothing_ships_or_cancels_after_shipping() {
        for s in [
            S::Shipped,
            S::Delivered,
            S::Completed,
            S::Cancelled,
            S::Refunded,
        ] {
            assert!(apply(s, E::Cancel, Staff).is_err(), "{s:?}");
            assert!(
                apply(s, E::Shipped { complete: true }, Staff).is_err(),
                "{s:?}"
            );
        }
        assert!(apply(S::PartiallyShipped, E::Cancel, Staff).is_err());
    }

    #[test]
    fn cancelling_releases_and_refunds_only_what_was_paid() {
        let unpaid = apply(S::PendingPayment, E::Cancel, Buyer).unwrap().effects;
        assert!(unpaid.contains(&Effect::ReleaseReservation));
        assert!(unpaid.contains(&Effect::CancelPayment));
        assert!(!unpaid.contains(&Effect::RefundPayment));
        let paid = apply(S::Paid, E::Cancel, Buyer).unwrap().effects;
        assert!(
            paid.contains(&Effect::ReleaseReservation) && paid.contains(&Effect::RefundPayment)
        );
        let expired = apply(S::PendingPayment, E::ReservationExpired, System)
            .unwrap()
            .effects;
        assert!(expired.contains(&Effect::ReleaseReservation));
        let shipped = apply(S::Picking, E::Shipped { complete: false }, Staff)
            .unwrap()
            .effects;
        assert!(shipped.contains(&Effect::ConsumeReservation));
        let returned = apply(S::ReturnRequested, E::ReturnReceived, Staff)
            .unwrap()
            .effects;
        assert!(returned.contains(&Effect::Restock));
        let refunded = apply(S::Returned, E::Refunded, Staff).unwrap().effects;
        assert!(refunded.contains(&Effect::RefundPayment));
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
