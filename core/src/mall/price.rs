//! Price lists by audience (end customers, or a provider tier) with
//! validity dates, and the one rule that picks a buyer's price. The list
//! price is always shown beside it (明码标价).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::money::{Currency, Money};

/// Who a price list is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "tier", rename_all = "snake_case")]
pub enum Audience {
    /// End customers buying in the customer portal.
    Customers,
    /// Service providers of a tier ("gold", "standard"), in their portal.
    Providers(String),
}

impl Audience {
    /// `customers` or `provider:<tier>`, as stored.
    pub fn key(&self) -> String {
        match self {
            Audience::Customers => "customers".into(),
            Audience::Providers(tier) => format!("provider:{tier}"),
        }
    }

    pub fn from_key(key: &str) -> Option<Audience> {
        match key {
            "customers" => Some(Audience::Customers),
            _ => key
                .strip_prefix("provider:")
                .filter(|t| valid_tier(t))
                .map(|t| Audience::Providers(t.into())),
        }
    }
}

/// A tier name: 1–40 characters, no colon or control characters.
pub fn valid_tier(tier: &str) -> bool {
    let n = tier.chars().count();
    (1..=40).contains(&n)
        && tier.trim() == tier
        && !tier.chars().any(|c| c == ':' || c.is_control())
}

/// A price list as admins write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceListBody {
    pub name: String,
    pub audience: Audience,
    pub currency: Currency,
    /// Valid from (unix seconds, inclusive); none: always was.
    #[serde(default)]
    pub valid_from: Option<i64>,
    /// Valid until (exclusive); none: open-ended.
    #[serde(default)]
    pub valid_until: Option<i64>,
    /// Item id → price in minor units.
    #[serde(with = "super::id_map")]
    pub prices: BTreeMap<i64, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceList {
    pub id: i64,
    #[serde(flatten)]
    pub body: PriceListBody,
}

/// A service provider and the tier whose price lists it buys at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderTier {
    pub provider_id: i64,
    pub name: String,
    /// None: the list prices.
    pub tier: Option<String>,
}

/// `PUT /api/mall/providers/{id}/tier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierBody {
    pub tier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceListError {
    #[error("the name is empty or too long")]
    Name,
    #[error("the tier name is invalid")]
    Tier,
    #[error("valid until is not after valid from")]
    Dates,
    #[error("a price is negative")]
    Price,
}

impl PriceListBody {
    pub fn validate(&self) -> Result<(), PriceListError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(PriceListError::Name);
        }
        if let Audience::Providers(tier) = &self.audience
            && !valid_tier(tier)
        {
            return Err(PriceListError::Tier);
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until <= from
        {
            return Err(PriceListError::Dates);
        }
        if self.prices.values().any(|p| *p < 0) {
            return Err(PriceListError::Price);
        }
        Ok(())
    }

    pub fn valid_at(&self, at: i64) -> bool {
        self.valid_from.is_none_or(|f| f <= at) && self.valid_until.is_none_or(|u| at < u)
    }
}

/// What a buyer is shown and pays for one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    /// The item's list price.
    pub list: Money,
    /// The buyer's price.
    pub price: Money,
    /// The price list it came from (none: the list price).
    pub price_list_id: Option<i64>,
}

/// The buyer's price of an item at `at`: among the price lists for the
/// audience, valid then, in the list price's currency and pricing the
/// item, the one that started latest wins (a list without a start counts
/// as the earliest; a tie goes to the lower price, then the lower id).
/// None applies: the list price.
pub fn quote(
    item_id: i64,
    list: Money,
    audience: &Audience,
    lists: &[PriceList],
    at: i64,
) -> Quote {
    let best = lists
        .iter()
        .filter(|l| &l.body.audience == audience && l.body.currency == list.currency)
        .filter(|l| l.body.valid_at(at))
        .filter_map(|l| l.body.prices.get(&item_id).map(|p| (l, *p)))
        .min_by_key(|(l, p)| {
            (
                std::cmp::Reverse(l.body.valid_from.unwrap_or(i64::MIN)),
                *p,
                l.id,
            )
        });
    match best {
        Some((l, p)) => Quote {
            list,
            price: Money::new(p, list.currency),
            price_list_id: Some(l.id),
        },
        None => Quote {
            list,
            price: list,
            price_list_id: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(
        id: i64,
        audience: Audience,
        from: Option<i64>,
        until: Option<i64>,
        price: i64,
    ) -> PriceList {
        PriceList {
            id,
            body: PriceListBody {
                name: format!("list {id}"),
                audience,
                currency: Currency::CNY,
                valid_from: from,
                valid_until: until,
                prices: BTreeMap::from([(7, price)]),
            },
        }
    }

    const LIST: Money = Money {
        minor: 10_000,
        currency: Currency::CNY,
    };

    #[test]
    fn no_list_means_the_list_price() {
        let q = quote(7, LIST, &Audience::Customers, &[], 100);
        assert_eq!((q.price, q.price_list_id), (LIST, None));
        // A list for another item, audience or currency does not apply.
        let usd = Currency::parse("USD").unwrap();
        let mut other = list(1, Audience::Customers, None, None, 1);
        other.body.currency = usd;
        let gold = list(2, Audience::Providers("gold".into()), None, None, 2);
        let q = quote(7, LIST, &Audience::Customers, &[other, gold.clone()], 100);
        assert_eq!(q.price, LIST);
        assert_eq!(
            quote(8, LIST, &Audience::Providers("gold".into()), &[gold], 100).price,
            LIST
        );
    }

    #[test]
    fn the_audience_gets_its_own_price_and_sees_the_list_price() {
        let lists = [
            list(1, Audience::Customers, None, None, 9_500),
            list(2, Audience::Providers("gold".into()), None, None, 7_000),
            list(3, Audience::Providers("standard".into()), None, None, 8_500),
        ];
        let c = quote(7, LIST, &Audience::Customers, &lists, 0);
        assert_eq!(
            (c.list.minor, c.price.minor, c.price_list_id),
            (10_000, 9_500, Some(1))
        );
        let g = quote(7, LIST, &Audience::Providers("gold".into()), &lists, 0);
        assert_eq!((g.list.minor, g.price.minor), (10_000, 7_000));
        let s = quote(7, LIST, &Audience::Providers("standard".into()), &lists, 0);
        assert_eq!(s.price.minor, 8_500);
        assert_eq!(
            quote(7, LIST, &Audience::Providers("silver".into()), &lists, 0).price,
            LIST
        );
    }

    #[test]
    fn validity_dates_decide_and_the_latest_start_wins() {
        let lists = [
            list(1, Audience::Customers, None, None, 9_500),
            list(2, Audience::Customers, Some(100), Some(200), 8_000),
            list(3, Audience::Customers, Some(150), None, 9_000),
        ];
        let at = |t| quote(7, LIST, &Audience::Customers, &lists, t).price.minor;
        assert_eq!(at(99), 9_500);
        assert_eq!(at(100), 8_000);
        assert_eq!(at(149), 8_000);
        assert_eq!(at(150), 9_000, "the later promotion overrides");
        assert_eq!(at(200), 9_000, "until is exclusive");
        // Same start: the lower price, then the lower id.
        let tie = [
            list(5, Audience::Customers, Some(0), None, 9_000),
            list(4, Audience::Customers, Some(0), None, 9_000),
            list(6, Audience::Customers, Some(0), None, 9_100),
        ];
        assert_eq!(
            quote(7, LIST, &Audience::Customers, &tie, 1).price_list_id,
            Some(4)
        );
    }

    #[test]
    fn lists_are_checked() {
        let mut l = list(1, Audience::Customers, Some(5), Some(5), 1).body;
        assert_eq!(l.validate(), Err(PriceListError::Dates));
        l.valid_until = Some(6);
        assert_eq!(l.validate(), Ok(()));
        l.prices.insert(9, -1);
        assert_eq!(l.validate(), Err(PriceListError::Price));
        let t = list(1, Audience::Providers("a:b".into()), None, None, 1).body;
        assert_eq!(t.validate(), Err(PriceListError::Tier));
        assert_eq!(
            Audience::from_key("provider:gold"),
            Some(Audience::Providers("gold".into()))
        );
        assert_eq!(
            Audience::from_key(&Audience::Customers.key()),
            Some(Audience::Customers)
        );
        assert_eq!(Audience::from_key("provider:"), None);
    }
}
