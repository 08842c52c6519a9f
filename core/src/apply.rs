//! The one rule for an engineer's operation on a work order: who may act,
//! what the devices and the standard operation allow, the photo rule and
//! "every required step done" before completing. The app checks every
//! local action with [`plan`] before it is queued and the server decides
//! every pushed operation with it, so the two cannot disagree.

use crate::standard_operation::{StepKind, StepValueError, check_value, steps_done};
use crate::sync::{Decision, Operation, RejectReason, decide};
use crate::work_order::{Actor, WorkOrderAction, WorkOrderView};

/// Who acts on a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pusher {
    pub user_id: i64,
    /// Admins and supervisors act as dispatchers on any work order.
    pub dispatcher: bool,
}

impl Pusher {
    /// How this user acts on `order`, as far as the lifecycle cares.
    pub fn actor(self, order: &WorkOrderView) -> Actor {
        if self.dispatcher {
            Actor::Dispatcher
        } else {
            order.actor(self.user_id)
        }
    }
}

/// The decision for `op` by `pusher` on `order` (`None`: no such order).
/// `photo_stored` says whether the image a photo or signature step's value
/// names has been uploaded (the app: kept on the device).
pub fn plan(
    order: Option<&WorkOrderView>,
    pusher: Pusher,
    op: &Operation,
    photo_stored: bool,
) -> Decision {
    let Some(order) = order.filter(|o| o.id == op.work_order()) else {
        return Decision::Reject(RejectReason::UnknownWorkOrder);
    };
    let actor = pusher.actor(order);
    if actor == Actor::Other {
        // Someone who may not see the work order learns nothing of it.
        return Decision::Reject(RejectReason::UnknownWorkOrder);
    }
    if let Some(reason) = order.check_step(op) {
        return Decision::Reject(reason);
    }
    if order.photo_named(op).is_some() && !photo_stored {
        return Decision::Reject(RejectReason::InvalidValue);
    }
    let current = match op {
        Operation::StepResult { device, step, .. } => order
            .steps
            .iter()
            .find(|s| s.device == *device && s.step == *step)
            .map(|s| (s.seq, s.value.clone())),
        _ => None,
    };
    // Only completing needs the (costly) "every step done" fact.
    let completing = matches!(
        op,
        Operation::Transition {
            action: WorkOrderAction::Complete,
            ..
        }
    );
    let steps_done = !completing || order.steps_done();
    decide(op, Some(order.status), actor, current, steps_done)
}

impl WorkOrderView {
    /// Why `op` cannot be applied to this order's devices and template
    /// (`None`: the values fit). Status rules are [`crate::work_order::WorkOrderStatus::apply`].
    pub fn check_step(&self, op: &Operation) -> Option<RejectReason> {
        let Operation::StepResult {
            device,
            step,
            value,
            ..
        } = op
        else {
            return None;
        };
        if !self.devices.iter().any(|d| d.id == *device) {
            return Some(RejectReason::UnknownDevice);
        }
        let template = self.template.as_ref()?;
        let Some(step) = template.steps.iter().find(|s| s.id == *step) else {
            return Some(RejectReason::UnknownStep);
        };
        match check_value(&step.kind, value) {
            Ok(()) => None,
            Err(StepValueError::OutOfRange) => Some(RejectReason::OutOfRange),
            Err(StepValueError::Invalid) => Some(RejectReason::InvalidValue),
        }
    }

    /// The image id `op` records on a photo or signature step, if any.
    pub fn photo_named<'a>(&self, op: &'a Operation) -> Option<&'a str> {
        let Operation::StepResult {
            step,
            value: serde_json::Value::String(photo),
            ..
        } = op
        else {
            return None;
        };
        let template = self.template.as_ref()?;
        template
            .steps
            .iter()
            .any(|s| s.id == *step && matches!(s.kind, StepKind::Photo | StepKind::Signature))
            .then_some(photo.as_str())
    }

    /// Whether every required step has a result on every device.
    pub fn steps_done(&self) -> bool {
        let Some(template) = &self.template else {
            return true;
        };
        let devices: Vec<i64> = self.devices.iter().map(|d| d.id).collect();
        let results: Vec<(i64, i64)> = self.steps.iter().map(|s| (s.device, s.step)).collect();
        steps_done(template, &devices, &results)
    }
}
