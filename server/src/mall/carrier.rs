//! Carrier adapters: where a shipment's events (in transit, out for
//! delivery, delivered, failed) come from. `manual`: staff enter them in
//! the app. `test`: a script plays them out after shipping — a tracking
//! number ending in `FAIL` fails once before it is delivered.

use std::time::Duration;

use fieldesk_core::mall::shipment::ShipmentStatus;

/// A carrier the warehouse ships with.
pub trait Carrier: Send + Sync {
    /// The code staff choose ("manual", "test").
    fn code(&self) -> &'static str;
    /// The events this carrier will report for a tracking number, each
    /// after its wait; none for carriers whose events are entered by hand.
    fn script(&self, tracking: &str) -> Vec<(Duration, ShipmentStatus)>;
}

pub struct ManualCarrier;

impl Carrier for ManualCarrier {
    fn code(&self) -> &'static str {
        "manual"
    }

    fn script(&self, _tracking: &str) -> Vec<(Duration, ShipmentStatus)> {
        vec![]
    }
}

pub struct TestCarrier {
    pub step: Duration,
}

impl Carrier for TestCarrier {
    fn code(&self) -> &'static str {
        "test"
    }

    fn script(&self, tracking: &str) -> Vec<(Duration, ShipmentStatus)> {
        use ShipmentStatus::*;
        let mut steps = vec![InTransit, OutForDelivery];
        if tracking.to_ascii_uppercase().ends_with("FAIL") {
            steps.extend([Failed, OutForDelivery]);
        }
        steps.push(Delivered);
        steps.into_iter().map(|s| (self.step, s)).collect()
    }
}

/// The carrier with this code (anything else is entered by hand).
pub fn carrier(code: &str, step: Duration) -> Box<dyn Carrier> {
    match code.trim().to_ascii_lowercase().as_str() {
        "test" => Box::new(TestCarrier { step }),
        _ => Box::new(ManualCarrier),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_carrier_delivers_and_fails_once_when_asked() {
        let step = Duration::from_millis(1);
        let plain: Vec<_> = carrier("test", step)
            .script("T1")
            .into_iter()
            .map(|s| s.1)
            .collect();
        assert_eq!(
            plain,
            [
                ShipmentStatus::InTransit,
                ShipmentStatus::OutForDelivery,
                ShipmentStatus::Delivered
            ]
        );
        let failing = carrier("TEST", step).script("t-fail");
        assert_eq!(failing.len(), 5);
        assert_eq!(failing[2].1, ShipmentStatus::Failed);
        assert!(carrier("顺丰", step).script("SF1").is_empty());
    }
}
