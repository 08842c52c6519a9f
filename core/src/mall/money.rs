//! Money as integer minor units with its currency (分 for CNY): no floats
//! anywhere, every sum checked for overflow and for mixed currencies.

use serde::{Deserialize, Serialize};

/// An ISO 4217 code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// In JSON a currency is its code (`"CNY"`).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");

    pub fn parse(code: &str) -> Option<Currency> {
        let b = code.as_bytes();
        (b.len() == 3 && b.iter().all(u8::is_ascii_uppercase)).then(|| Currency([b[0], b[1], b[2]]))
    }

    pub fn as_str(&self) -> &str {
        // Built only from three ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217's minor unit).
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "IQD" | "LYD" => 3,
            _ => 2,
        }
    }

    /// The sign shown before an amount (the code for the rest).
    fn symbol(&self) -> Option<&'static str> {
        match self.as_str() {
            "CNY" => Some("¥"),
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "HKD" => Some("HK$"),
            "TWD" => Some("NT$"),
            _ => None,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s).ok_or_else(|| format!("not a currency code: {s}"))
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// Why an amount could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot add {0} to {1}")]
    MixedCurrencies(String, String),
    #[error("amount out of range")]
    Overflow,
}

/// An amount: `minor` units (cents, 分) of `currency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::MixedCurrencies(
                other.currency.as_str().into(),
                self.currency.as_str().into(),
            ));
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// The price of `quantity` units.
    pub fn times(self, quantity: u32) -> Result<Money, MoneyError> {
        let minor = self
            .minor
            .checked_mul(i64::from(quantity))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// The sum of `amounts`, all in `currency` (zero when none).
    pub fn sum(
        currency: Currency,
        amounts: impl IntoIterator<Item = Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// The amount as typed in a form: `1234.50` (no symbol, no grouping;
    /// the currency's own number of decimals).
    pub fn amount(&self) -> String {
        let exp = self.currency.exponent();
        let unit = 10u64.pow(exp);
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        format!(
            "{sign}{}.{:0width$}",
            abs / unit,
            abs % unit,
            width = exp as usize
        )
    }

    /// An amount typed in a form — `1,234.5`, `¥0.05`, `128` — in
    /// `currency` (no more decimals than it has; not negative).
    pub fn parse(text: &str, currency: Currency) -> Option<Money> {
        let t: String = text
            .trim()
            .trim_start_matches(currency.symbol().unwrap_or(""))
            .trim_start_matches(currency.as_str())
            .chars()
            .filter(|c| *c != ',' && !c.is_whitespace())
            .collect();
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        let exp = currency.exponent() as usize;
        if whole.is_empty()
            || frac.len() > exp
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac: i64 = if exp == 0 {
            0
        } else {
            format!("{frac:0<exp$}").parse().ok()?
        };
        let minor = whole
            .checked_mul(10i64.checked_pow(exp as u32)?)?
            .checked_add(frac)?;
        Some(Money::new(minor, currency))
    }

    /// `¥1,234.50`, `-$0.05`, `JPY 1,200`: grouped by thousands, the
    /// currency's own number of decimals.
    pub fn display(&self) -> String {
        let exp = self.currency.exponent();
        let unit = 10u64.pow(exp);
        let abs = self.minor.unsigned_abs();
        let (whole, frac) = (abs / unit, abs % unit);
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if exp > 0 {
            grouped.push_str(&format!(".{frac:0width$}", width = exp as usize));
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        match self.currency.symbol() {
            Some(symbol) => format!("{sign}{symbol}{grouped}"),
            None => format!("{sign}{} {grouped}", self.currency.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_typed_and_read_back_in_the_currencys_decimals() {
        let cny = |t: &str| Money::parse(t, Currency::CNY).map(|m| m.minor);
        assert_eq!(cny("128"), Some(12_800));
        assert_eq!(cny("1,234.5"), Some(123_450));
        assert_eq!(cny("¥0.05"), Some(5));
        assert_eq!(cny(" 12 800.00 "), Some(1_280_000));
        for bad in ["1.234", "abc", "", "-1", "1.2.3", ".5", "1e3"] {
            assert_eq!(cny(bad), None, "{bad}");
        }
        assert_eq!(cny("99999999999999999999"), None);
        assert_eq!(Money::new(123_450, Currency::CNY).amount(), "1234.50");
        assert_eq!(Money::new(-5, Currency::CNY).amount(), "-0.05");
        for m in [0, 5, 12_800, 123_450] {
            let money = Money::new(m, Currency::CNY);
            assert_eq!(Money::parse(&money.amount(), Currency::CNY), Some(money));
        }
    }

    fn cny(minor: i64) -> Money {
        Money::new(minor, Currency::CNY)
    }

    #[test]
    fn currencies_are_three_upper_case_letters() {
        assert_eq!(Currency::parse("CNY"), Some(Currency::CNY));
        for bad in ["cny", "CN", "CNYY", "C1Y", "", "人民币"] {
            assert_eq!(Currency::parse(bad), None, "{bad}");
        }
        let json = serde_json::to_string(&cny(150)).unwrap();
        assert_eq!(json, r#"{"minor":150,"currency":"CNY"}"#);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"cny"}"#).is_err());
    }

    #[test]
    fn sums_refuse_mixed_currencies_and_overflow() {
        assert_eq!(cny(150).checked_add(cny(250)), Ok(cny(400)));
        let usd = Money::new(1, Currency::parse("USD").unwrap());
        assert!(matches!(
            cny(1).checked_add(usd),
            Err(MoneyError::MixedCurrencies(..))
        ));
        assert_eq!(cny(i64::MAX).checked_add(cny(1)), Err(MoneyError::Overflow));
        assert_eq!(cny(1999).times(3), Ok(cny(5997)));
        assert_eq!(cny(i64::MAX / 2).times(3), Err(MoneyError::Overflow));
        assert_eq!(
            Money::sum(Currency::CNY, [cny(1), cny(2), cny(3)]),
            Ok(cny(6))
        );
        assert_eq!(Money::sum(Currency::CNY, []), Ok(cny(0)));
        assert!(Money::sum(Currency::CNY, [cny(1), usd]).is_err());
    }

    #[test]
    fn amounts_display_with_the_currency_decimals() {
        assert_eq!(cny(123_450).display(), "¥1,234.50");
        assert_eq!(cny(5).display(), "¥0.05");
        assert_eq!(cny(-5).display(), "-¥0.05");
        assert_eq!(cny(100_000_000).display(), "¥1,000,000.00");
        let jpy = Money::new(1200, Currency::parse("JPY").unwrap());
        assert_eq!(jpy.display(), "JPY 1,200");
        let kwd = Money::new(1234, Currency::parse("KWD").unwrap());
        assert_eq!(kwd.display(), "KWD 1.234");
    }
}
