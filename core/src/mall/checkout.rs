//! From cart to order: line and quantity checks, the sum of lines for the
//! same item (stock is reserved per item, so two lines of one part cannot
//! both take the last unit), the price check against what the buyer saw,
//! the request fingerprint of an idempotency key, and partial shipments.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::money::{Money, MoneyError};
use super::price::Quote;

/// The most units of one item an order may have.
pub const MAX_QUANTITY: i64 = 999;
/// The most lines a cart may have.
pub const MAX_LINES: usize = 50;
/// How long an unpaid order holds its stock (seconds).
pub const RESERVATION_SECONDS: i64 = 30 * 60;

/// A line of the cart as the buyer sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub item_id: i64,
    /// Checked here, not by the JSON decoder, so 0 and -3 get a clear
    /// answer.
    pub quantity: i64,
    /// The unit price the buyer was shown; a different current price
    /// refuses the checkout with the new prices.
    #[serde(default)]
    pub seen_price: Option<Money>,
}

/// Why a cart cannot become an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    #[error("the cart is empty")]
    Empty,
    #[error("more than {MAX_LINES} lines")]
    TooManyLines,
    #[error("item {0}: quantity must be 1 to {MAX_QUANTITY}")]
    Quantity(i64),
    #[error("prices changed")]
    PriceChanged(Vec<ChangedPrice>),
    #[error("items are in different currencies")]
    Money(#[from] MoneyError),
}

/// An item whose price is not what the buyer saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangedPrice {
    pub item_id: i64,
    pub seen: Money,
    pub now: Quote,
}

/// Units wanted per item: lines of the same item summed, each checked.
pub fn demand(lines: &[CartLine]) -> Result<BTreeMap<i64, u32>, CheckoutError> {
    if lines.is_empty() {
        return Err(CheckoutError::Empty);
    }
    if lines.len() > MAX_LINES {
        return Err(CheckoutError::TooManyLines);
    }
    let mut sums: BTreeMap<i64, i64> = BTreeMap::new();
    for l in lines {
        if !(1..=MAX_QUANTITY).contains(&l.quantity) {
            return Err(CheckoutError::Quantity(l.item_id));
        }
        *sums.entry(l.item_id).or_default() += l.quantity;
    }
    sums.into_iter()
        .map(|(item, q)| match u32::try_from(q) {
            Ok(q) if i64::from(q) <= MAX_QUANTITY => Ok((item, q)),
            _ => Err(CheckoutError::Quantity(item)),
        })
        .collect()
}

/// A priced order line (the price it was bought at is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedLine {
    pub item_id: i64,
    pub quantity: u32,
    pub unit_price: Money,
    pub list_price: Money,
    pub total: Money,
}

/// Prices the demand with the current quotes; a line whose seen price
/// differs from its quote refuses the whole checkout, listing every
/// changed price. Answers the lines and the order's total.
pub fn price(
    lines: &[CartLine],
    demand: &BTreeMap<i64, u32>,
    quotes: &BTreeMap<i64, Quote>,
) -> Result<(Vec<PricedLine>, Money), CheckoutError> {
    let mut changed = Vec::new();
    for l in lines {
        if let (Some(seen), Some(q)) = (l.seen_price, quotes.get(&l.item_id))
            && seen != q.price
            && !changed
                .iter()
                .any(|c: &ChangedPrice| c.item_id == l.item_id)
        {
            changed.push(ChangedPrice {
                item_id: l.item_id,
                seen,
                now: *q,
            });
        }
    }
    if !changed.is_empty() {
        return Err(CheckoutError::PriceChanged(changed));
    }
    let mut out = Vec::new();
    for (item_id, quantity) in demand {
        let q = quotes.get(item_id).ok_or(CheckoutError::Empty)?;
        out.push(PricedLine {
            item_id: *item_id,
            quantity: *quantity,
            unit_price: q.price,
            list_price: q.list,
            total: q.price.times(*quantity)?,
        });
    }
    let currency = out
        .first()
        .map(|l| l.total.currency)
        .ok_or(CheckoutError::Empty)?;
    let total = Money::sum(currency, out.iter().map(|l| l.total))?;
    Ok((out, total))
}

/// The fingerprint of a request body under an idempotency key: the same
/// key with another body is refused.
pub fn fingerprint(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether an idempotency key is acceptable: 8–200 visible ASCII.
pub fn valid_key(key: &str) -> bool {
    (8..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Why a shipment cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipError {
    #[error("the shipment is empty")]
    Empty,
    #[error("item {0}: more than is left to ship")]
    TooMany(i64),
}

/// Checks a shipment against what is left of the order (ordered minus
/// shipped); answers whether nothing is left after it.
pub fn ship(
    ordered: &BTreeMap<i64, u32>,
    shipped: &BTreeMap<i64, u32>,
    this: &BTreeMap<i64, u32>,
) -> Result<bool, ShipError> {
    if this.values().all(|q| *q == 0) {
        return Err(ShipError::Empty);
    }
    for (item, q) in this {
        let ordered = ordered.get(item).copied().unwrap_or(0);
        let left = ordered.saturating_sub(shipped.get(item).copied().unwrap_or(0));
        if *q > left {
            return Err(ShipError::TooMany(*item));
        }
    }
    Ok(ordered.iter().all(|(item, q)| {
        shipped.get(item).copied().unwrap_or(0) + this.get(item).copied().unwrap_or(0) >= *q
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mall::money::Currency;

    fn line(item_id: i64, quantity: i64) -> CartLine {
        CartLine {
            item_id,
            quantity,
            seen_price: None,
        }
    }

    fn cny(minor: i64) -> Money {
        Money::new(minor, Currency::CNY)
    }

    #[test]
    fn lines_of_one_item_are_summed_and_checked() {
        let d = demand(&[line(1, 2), line(2, 1), line(1, 3)]).unwrap();
        assert_eq!(d, BTreeMap::from([(1, 5), (2, 1)]));
        assert_eq!(demand(&[]), Err(CheckoutError::Empty));
        assert_eq!(demand(&[line(1, 0)]), Err(CheckoutError::Quantity(1)));
        assert_eq!(demand(&[line(1, -3)]), Err(CheckoutError::Quantity(1)));
        assert_eq!(demand(&[line(1, 1_000)]), Err(CheckoutError::Quantity(1)));
        assert_eq!(
            demand(&[line(1, 600), line(1, 600)]),
            Err(CheckoutError::Quantity(1))
        );
        let many: Vec<_> = (0..51).map(|i| line(i, 1)).collect();
        assert_eq!(demand(&many), Err(CheckoutError::TooManyLines));
    }

    #[test]
    fn lines_are_priced_at_the_quote_and_a_changed_price_is_shown() {
        let quotes = BTreeMap::from([
            (
                1,
                Quote {
                    list: cny(1_000),
                    price: cny(900),
                    price_list_id: Some(3),
                },
            ),
            (
                2,
                Quote {
                    list: cny(250),
                    price: cny(250),
                    price_list_id: None,
                },
            ),
        ]);
        let mut lines = vec![line(1, 2), line(2, 3)];
        let d = demand(&lines).unwrap();
        let (priced, total) = price(&lines, &d, &quotes).unwrap();
        assert_eq!(priced[0].total, cny(1_800));
        assert_eq!(priced[0].list_price, cny(1_000));
        assert_eq!(total, cny(2_550));
        lines[0].seen_price = Some(cny(900));
        assert!(price(&lines, &d, &quotes).is_ok());
        lines[1].seen_price = Some(cny(200));
        let Err(CheckoutError::PriceChanged(changed)) = price(&lines, &d, &quotes) else {
            panic!("a changed price must refuse");
        };
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].item_id, changed[0].now.price), (2, cny(250)));
    }

    #[test]
    fn shipments_may_be_partial_but_never_more_than_ordered() {
        let ordered = BTreeMap::from([(1, 3), (2, 1)]);
        let none = BTreeMap::new();
        assert_eq!(ship(&ordered, &none, &BTreeMap::from([(1, 2)])), Ok(false));
        let shipped = BTreeMap::from([(1, 2)]);
        assert_eq!(
            ship(&ordered, &shipped, &BTreeMap::from([(1, 2)])),
            Err(ShipError::TooMany(1))
        );
        assert_eq!(
            ship(&ordered, &shipped, &BTreeMap::from([(3, 1)])),
            Err(ShipError::TooMany(3))
        );
        assert_eq!(
            ship(&ordered, &shipped, &BTreeMap::from([(1, 1), (2, 1)])),
            Ok(true)
        );
        assert_eq!(
            ship(&ordered, &shipped, &BTreeMap::new()),
            Err(ShipError::Empty)
        );
    }

    #[test]
    fn keys_and_fingerprints() {
        assert!(valid_key("order-2026-0001"));
        assert!(!valid_key("short"));
        assert!(!valid_key("has space in it"));
        assert_eq!(fingerprint(b"a"), fingerprint(b"a"));
        assert_ne!(fingerprint(b"a"), fingerprint(b"b"));
    }
}
