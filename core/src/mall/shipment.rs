//! A shipment's own states, as the carrier reports them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Handed to the carrier.
    Shipped,
    InTransit,
    OutForDelivery,
    Delivered,
    /// Delivery failed (nobody there, refused); the carrier tries again.
    Failed,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 5] = [
        ShipmentStatus::Shipped,
        ShipmentStatus::InTransit,
        ShipmentStatus::OutForDelivery,
        ShipmentStatus::Delivered,
        ShipmentStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Shipped => "shipped",
            ShipmentStatus::InTransit => "in_transit",
            ShipmentStatus::OutForDelivery => "out_for_delivery",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ShipmentStatus> {
        ShipmentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The next status a carrier event makes: `Ok(None)` for a repeat,
    /// an error after delivery or back to "shipped".
    pub fn advance(self, to: ShipmentStatus) -> Result<Option<ShipmentStatus>, ShipmentStatus> {
        use ShipmentStatus::*;
        if self == to {
            return Ok(None);
        }
        match (self, to) {
            (Delivered, _) | (_, Shipped) => Err(self),
            _ => Ok(Some(to)),
        }
    }
}

/// Carrier name, tracking number and URL as staff enter them.
pub fn check_tracking(carrier: &str, tracking: &str, url: Option<&str>) -> bool {
    let ok = |s: &str, max: usize| {
        let n = s.trim().chars().count();
        (1..=max).contains(&n) && !s.chars().any(char::is_control)
    };
    ok(carrier, 60)
        && ok(tracking, 80)
        && url.is_none_or(|u| {
            u.len() <= 500
                && (u.starts_with("https://") || u.starts_with("http://"))
                && !u.contains(char::is_whitespace)
        })
}

#[cfg(test)]
mod tests {
    use super::ShipmentStatus::*;
    use super::*;

    #[test]
    fn delivered_is_final_and_repeats_change_nothing() {
        assert_eq!(Shipped.advance(InTransit), Ok(Some(InTransit)));
        assert_eq!(InTransit.advance(InTransit), Ok(None));
        assert_eq!(OutForDelivery.advance(Failed), Ok(Some(Failed)));
        assert_eq!(Failed.advance(OutForDelivery), Ok(Some(OutForDelivery)));
        assert_eq!(Failed.advance(Delivered), Ok(Some(Delivered)));
        assert_eq!(Delivered.advance(Failed), Err(Delivered));
        assert_eq!(InTransit.advance(Shipped), Err(InTransit));
        for s in ShipmentStatus::ALL {
            assert_eq!(ShipmentStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn tracking_needs_a_carrier_a_number_and_a_web_url() {
        assert!(check_tracking(
            "SF Express",
            "SF1234567890",
            Some("https://www.sf-express.com/t?SF1234567890")
        ));
        assert!(check_tracking("顺丰", "SF1", None));
        assert!(!check_tracking("", "SF1", None));
        assert!(!check_tracking("SF", " ", None));
        assert!(!check_tracking("SF", "SF1", Some("javascript:alert(1)")));
    }
}
