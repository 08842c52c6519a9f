//! A parts proposal (配件方案): the cart an engineer prepares on site for
//! a work order's device and sends the customer. Chargeable parts go on a
//! customer's account only when the customer approves it — approving is
//! the customer's own checkout of exactly these lines, which links the
//! order to the work order and the device.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalog::LocalizedText;
use super::checkout::{self, CartLine, CheckoutError};
use super::money::Money;
use super::order::OrderStatus;
use crate::email::address;

/// The most characters of the engineer's note to the customer.
pub const MAX_NOTE: usize = 1000;

/// A line of a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalLine {
    pub item_id: i64,
    pub quantity: i64,
}

/// `POST /api/mall/proposals` (with an `Idempotency-Key` header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalBody {
    pub work_order_id: i64,
    pub device_id: i64,
    /// The customer's email address: the link goes there, and only the
    /// customer signed in with it sees and approves the proposal.
    pub email: String,
    pub lines: Vec<ProposalLine>,
    #[serde(default)]
    pub note: String,
}

/// Why a proposal cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    #[error("not an email address")]
    Email,
    #[error("the note is too long")]
    Note,
    #[error(transparent)]
    Lines(#[from] CheckoutError),
}

/// A checked proposal: the normalized address and units per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProposal {
    pub email: String,
    pub note: String,
    pub demand: BTreeMap<i64, u32>,
}

/// Checks a proposal as the engineer sends it: a real address, quantities
/// as a checkout takes them (lines of one item summed), a short note.
pub fn check(body: &ProposalBody) -> Result<CheckedProposal, ProposalError> {
    let email = address::normalize(&body.email);
    if !address::is_valid(&email) {
        return Err(ProposalError::Email);
    }
    let note = body.note.trim().to_owned();
    if note.chars().count() > MAX_NOTE || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ProposalError::Note);
    }
    let lines: Vec<CartLine> = body
        .lines
        .iter()
        .map(|l| CartLine {
            item_id: l.item_id,
            quantity: l.quantity,
            seen_price: None,
        })
        .collect();
    let demand = checkout::demand(&lines)?;
    Ok(CheckedProposal {
        email,
        note,
        demand,
    })
}

/// Where a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for the customer.
    Open,
    /// The customer checked it out: the order is theirs to pay.
    Approved,
    /// The customer said no.
    Declined,
    /// The engineer took it back before the customer decided.
    Withdrawn,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Open => "open",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Declined => "declined",
            ProposalStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalStatus> {
        [
            ProposalStatus::Open,
            ProposalStatus::Approved,
            ProposalStatus::Declined,
            ProposalStatus::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// The Fluent key of its name.
    pub fn message_key(self) -> String {
        format!("mall-proposal-{}", self.as_str())
    }

    /// What `decision` makes of a proposal in this status: only an open
    /// one is decided, once.
    pub fn decide(self, decision: Decision) -> Option<ProposalStatus> {
        (self == ProposalStatus::Open).then_some(match decision {
            Decision::Approve => ProposalStatus::Approved,
            Decision::Decline => ProposalStatus::Declined,
            Decision::Withdraw => ProposalStatus::Withdrawn,
        })
    }
}

/// What happens to an open proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The customer's checkout of it.
    Approve,
    /// The customer.
    Decline,
    /// The engineer who sent it (or a dispatcher).
    Withdraw,
}

/// A proposed line with the item's SKU and name when it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedItem {
    pub item_id: i64,
    pub sku: String,
    pub name: LocalizedText,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub id: i64,
    pub work_order_id: i64,
    pub work_order_number: String,
    pub device_id: i64,
    /// The device's model and serial number.
    pub device_label: String,
    pub email: String,
    pub lines: Vec<ProposedItem>,
    pub note: String,
    pub status: ProposalStatus,
    /// The customer's order once approved.
    pub order_id: Option<i64>,
    /// The engineer who sent it.
    pub sent_by: i64,
    pub sent_by_name: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl Proposal {
    /// The checkout lines that approve it: exactly its own, each with the
    /// price the customer was shown for that item (if any).
    pub fn checkout_lines(&self, seen: &[CartLine]) -> Vec<CartLine> {
        self.lines
            .iter()
            .map(|l| CartLine {
                item_id: l.item_id,
                quantity: i64::from(l.quantity),
                seen_price: seen
                    .iter()
                    .find(|s| s.item_id == l.item_id)
                    .and_then(|s| s.seen_price),
            })
            .collect()
    }
}

/// An order for a work order's parts as the engineer and the work order
/// see it: who pays, what, and where it is (no delivery or payment
/// details of the customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartsOrder {
    pub id: i64,
    /// Paid by the customer (a proposal they approved), else by the
    /// provider.
    pub by_customer: bool,
    pub device_id: Option<i64>,
    pub status: OrderStatus,
    pub lines: Vec<ProposedItem>,
    pub total: Money,
    /// The latest shipment's carrier and tracking number.
    pub tracking: Option<String>,
}

impl PartsOrder {
    pub fn of(order: &super::Order) -> PartsOrder {
        PartsOrder {
            id: order.id,
            by_customer: matches!(order.buyer, super::Buyer::Customer { .. }),
            device_id: order.device_id,
            status: order.status,
            lines: order
                .lines
                .iter()
                .map(|l| ProposedItem {
                    item_id: l.item_id,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            total: order.total,
            tracking: order
                .shipments
                .last()
                .map(|s| format!("{} {}", s.carrier, s.tracking)),
        }
    }
}

/// `GET /api/mall/work-orders/{id}/parts`: a work order's proposals and
/// the orders for its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderParts {
    pub proposals: Vec<Proposal>,
    pub orders: Vec<PartsOrder>,
}

/// A part that fits the device in front of the engineer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevicePart {
    /// At the customer's price (what a proposal asks them to pay).
    pub offer: super::Offer,
    /// The engineer's provider's price, when they buy for a provider.
    pub provider_price: Option<super::price::Quote>,
}

/// `GET /api/mall/work-orders/{id}/devices/{device}/parts`: the parts
/// for a work order's device (by its model), kept by the app for
/// browsing offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceParts {
    pub work_order_id: i64,
    pub device_id: i64,
    pub model: String,
    pub parts: Vec<DevicePart>,
    /// The caller may buy on a provider's account.
    pub provider: bool,
    /// When the server answered (seconds).
    pub fetched_at: i64,
    /// Shown from the app's copy: the server could not be reached.
    #[serde(default)]
    pub offline: bool,
}

/// A proposal as its customer sees it: the proposal and its items at
/// their price now, beside the list price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerProposal {
    pub proposal: Proposal,
    pub offers: Vec<super::Offer>,
}

/// A device of one of the customer's work orders (the portal's "my
/// devices").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDevice {
    pub work_order_id: i64,
    pub work_order_number: String,
    pub device_id: i64,
    pub model: String,
    pub serial_number: String,
}

/// `POST /api/shop/{tenant}/proposals/{id}/approve` (with an
/// `Idempotency-Key`): the customer's checkout of the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproveBody {
    /// The prices the customer was shown, per item.
    #[serde(default)]
    pub lines: Vec<CartLine>,
    pub delivery: super::Delivery,
    pub payment: super::PaymentMethod,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(email: &str, lines: &[(i64, i64)]) -> ProposalBody {
        ProposalBody {
            work_order_id: 1,
            device_id: 2,
            email: email.into(),
            lines: lines
                .iter()
                .map(|&(item_id, quantity)| ProposalLine { item_id, quantity })
                .collect(),
            note: String::new(),
        }
    }

    #[test]
    fn proposals_are_checked_like_a_checkout() {
        let ok = check(&body(" Liu@Example.COM ", &[(7, 1), (7, 2), (9, 1)])).unwrap();
        assert_eq!(ok.email, "liu@example.com");
        assert_eq!(ok.demand, BTreeMap::from([(7, 3), (9, 1)]));
        assert_eq!(
            check(&body("not an address", &[(7, 1)])),
            Err(ProposalError::Email)
        );
        assert_eq!(
            check(&body("a@b.test", &[])),
            Err(ProposalError::Lines(CheckoutError::Empty))
        );
        assert_eq!(
            check(&body("a@b.test", &[(7, 0)])),
            Err(ProposalError::Lines(CheckoutError::Quantity(7)))
        );
        let mut long = body("a@b.test", &[(7, 1)]);
        long.note = "x".repeat(MAX_NOTE + 1);
        assert_eq!(check(&long), Err(ProposalError::Note));
    }

    #[test]
    fn only_an_open_proposal_is_decided_once() {
        use Decision::*;
        use ProposalStatus::*;
        for (d, to) in [
            (Approve, Approved),
            (Decline, Declined),
            (Withdraw, Withdrawn),
        ] {
            assert_eq!(Open.decide(d), Some(to));
            for closed in [Approved, Declined, Withdrawn] {
                assert_eq!(closed.decide(d), None, "{closed:?} + {d:?}");
            }
        }
        for s in [Open, Approved, Declined, Withdrawn] {
            assert_eq!(ProposalStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn approving_checks_out_exactly_the_proposed_lines() {
        let money = Money::new(1200, super::super::money::Currency::CNY);
        let p = Proposal {
            id: 1,
            work_order_id: 1,
            work_order_number: "WO-1".into(),
            device_id: 2,
            device_label: "30XA 1".into(),
            email: "a@b.test".into(),
            lines: vec![ProposedItem {
                item_id: 7,
                sku: "S".into(),
                name: LocalizedText::default(),
                quantity: 2,
            }],
            note: String::new(),
            status: ProposalStatus::Open,
            order_id: None,
            sent_by: 3,
            sent_by_name: "Eve".into(),
            created_at: 0,
            decided_at: None,
        };
        // The customer cannot add lines or change quantities.
        let seen = [
            CartLine {
                item_id: 7,
                quantity: 50,
                seen_price: Some(money),
            },
            CartLine {
                item_id: 8,
                quantity: 1,
                seen_price: None,
            },
        ];
        assert_eq!(
            p.checkout_lines(&seen),
            vec![CartLine {
                item_id: 7,
                quantity: 2,
                seen_price: Some(money),
            }]
        );
    }
}
