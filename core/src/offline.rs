//! The engineer app's offline view (issue 4): what the app shows is the
//! server's last [`WorkOrderView`] with the engineer's not-yet-confirmed
//! operations laid over it, and every local action is checked here before
//! it is queued, with the same rules the server applies. Pure: the shell
//! keeps the data in SQLite and calls these functions.

use serde::{Deserialize, Serialize};

use crate::ErrorCode;
use crate::apply::{Pusher, plan};
use crate::device::{FieldDef, match_scan};
use crate::sync::{Decision, Envelope, OpId, Operation, RejectReason};
use crate::work_order::{Actor, StepValue, WorkOrderAction, WorkOrderStatus, WorkOrderView};

/// A work order as the engineer's app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalWorkOrder {
    /// The server's view with local operations applied.
    pub order: WorkOrderView,
    /// Steps `(device, step)` whose shown value is not yet on the server.
    pub pending_steps: Vec<(i64, i64)>,
    /// The shown status is not yet on the server.
    pub pending_status: bool,
    pub notes: Vec<LocalNote>,
    /// Local operations on this order the server has not confirmed.
    pub pending: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalNote {
    pub text: String,
    pub pending: bool,
}

impl WorkOrderView {
    /// The seq of the value the engineer sees for a step (0: none).
    pub fn seen(&self, device: i64, step: i64) -> u64 {
        self.steps
            .iter()
            .find(|s| s.device == device && s.step == step)
            .map_or(0, |s| s.seq)
    }

    /// Required steps done on one device, and how many there are.
    pub fn device_progress(&self, device: i64) -> (usize, usize) {
        let Some(template) = &self.template else {
            return (0, 0);
        };
        let required: Vec<i64> = template
            .steps
            .iter()
            .filter(|s| s.required)
            .map(|s| s.id)
            .collect();
        let done = required
            .iter()
            .filter(|id| {
                self.steps
                    .iter()
                    .any(|s| s.device == device && s.step == **id)
            })
            .count();
        (done, required.len())
    }

    /// The devices a scanned text points to, by the template's scan field.
    /// `None`: this order's template does not scan.
    pub fn find_by_scan(&self, text: &str, fields: &[FieldDef]) -> Option<Vec<i64>> {
        let key = self.template.as_ref()?.scan_field.as_ref()?;
        let field = fields.iter().find(|f| &f.key == key)?;
        Some(match_scan(text, field, &self.devices))
    }
}

/// Applies one operation by `pusher` to a view as the server would
/// ([`plan`]); `Err` says why it would be refused. The image a photo step
/// names is on the device (it is kept before the operation is queued).
pub fn apply_local(
    order: &mut WorkOrderView,
    pusher: Pusher,
    op: &Operation,
) -> Result<(), RejectReason> {
    match plan(Some(order), pusher, op, true) {
        Decision::Reject(reason) => return Err(reason),
        Decision::SetStatus(next) => order.status = next,
        Decision::SetStep { .. } => {
            if let Operation::StepResult {
                device,
                step,
                value,
                ..
            } = op
            {
                match order
                    .steps
                    .iter_mut()
                    .find(|s| s.device == *device && s.step == *step)
                {
                    Some(current) => current.value = value.clone(),
                    None => order.steps.push(StepValue {
                        device: *device,
                        step: *step,
                        value: value.clone(),
                        seq: 0,
                    }),
                }
            }
        }
        Decision::Append => {}
    }
    Ok(())
}

/// The server's view with the unconfirmed operations (oldest first) laid
/// over it, and the notes pulled so far. An operation that no longer
/// applies (the server moved on) is left out of the shown state; the
/// server's answer to it will say why.
pub fn overlay(
    server: WorkOrderView,
    pusher: Pusher,
    notes: &[String],
    unconfirmed: &[Envelope],
) -> LocalWorkOrder {
    let mut order = server;
    let mut local = LocalWorkOrder {
        pending_steps: vec![],
        pending_status: false,
        notes: notes
            .iter()
            .map(|text| LocalNote {
                text: text.clone(),
                pending: false,
            })
            .collect(),
        pending: 0,
        order: order.clone(),
    };
    let id = order.id;
    for envelope in unconfirmed.iter().filter(|e| e.op.work_order() == id) {
        local.pending += 1;
        if apply_local(&mut order, pusher, &envelope.op).is_err() {
            continue;
        }
        match &envelope.op {
            Operation::Transition { .. } => local.pending_status = true,
            Operation::StepResult { device, step, .. } => {
                if !local.pending_steps.contains(&(*device, *step)) {
                    local.pending_steps.push((*device, *step));
                }
            }
            Operation::Note { text, .. } => local.notes.push(LocalNote {
                text: text.clone(),
                pending: true,
            }),
        }
    }
    local.order = order;
    local
}

/// The actions an engineer can take from a status (the buttons the app
/// shows; `Complete` also needs the steps done). A collaborator has none.
pub fn engineer_actions(status: WorkOrderStatus, actor: Actor) -> Vec<WorkOrderAction> {
    use WorkOrderAction::*;
    [Accept, Decline, Depart, Start, Complete]
        .into_iter()
        .filter(|a| status.apply(*a, actor, true).is_ok())
        .collect()
}

impl RejectReason {
    /// The Fluent key that tells the engineer why.
    pub fn message_key(self) -> &'static str {
        self.error_code().message_key()
    }

    /// The error a refused local action is reported with.
    pub fn error_code(self) -> ErrorCode {
        match self {
            RejectReason::IllegalTransition => ErrorCode::IllegalTransition,
            RejectReason::NotAllowed => ErrorCode::Forbidden,
            RejectReason::StepsMissing => ErrorCode::StepsMissing,
            RejectReason::UnknownWorkOrder
            | RejectReason::UnknownDevice
            | RejectReason::UnknownStep => ErrorCode::NotFound,
            RejectReason::InvalidValue => ErrorCode::InvalidStepValue,
            RejectReason::OutOfRange => ErrorCode::ValueOutOfRange,
        }
    }
}

/// Something the engineer must see about an operation after a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The server refused it; the entry is kept here, not lost.
    Rejected { reason: RejectReason },
    /// Applied over a value the engineer had not seen (that value is kept).
    Overwritten { previous: serde_json::Value },
}

/// One entry of the sync error list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncIssue {
    pub op_id: OpId,
    pub op: Operation,
    #[serde(flatten)]
    pub problem: Problem,
    /// Unix seconds.
    pub at: i64,
}

/// What the app's sync bar shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    /// Operations not yet accepted by the server.
    pub pending: usize,
    /// Unix seconds of the last complete sync.
    pub last_sync: Option<i64>,
    pub syncing: bool,
    /// Why the last attempt failed (e.g. the server is unreachable).
    pub last_error: Option<ErrorCode>,
    pub issues: Vec<SyncIssue>,
}

/// What a scan found on a work order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanMatch {
    pub text: String,
    pub format: String,
    /// Devices whose scan field matches (empty: no match).
    pub devices: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Device, FieldType};
    use crate::standard_operation::{Step, StepKind, Template};
    use crate::work_order::Priority;
    use serde_json::json;

    fn order() -> WorkOrderView {
        WorkOrderView {
            id: 7,
            number: "WO-7".into(),
            customer: "Acme".into(),
            contact: "Li".into(),
            address: "Shenzhen".into(),
            order_type: "maintenance".into(),
            priority: Priority::Normal,
            status: WorkOrderStatus::Assigned,
            division: Some(440305),
            point: None,
            assignees: vec![3],
            template: Some(Template {
                id: 1,
                name: "Check".into(),
                steps: vec![
                    Step {
                        id: 1,
                        title: "Power off".into(),
                        kind: StepKind::Check,
                        required: true,
                    },
                    Step {
                        id: 2,
                        title: "Pressure".into(),
                        kind: StepKind::Number {
                            unit: "bar".into(),
                            min: Some(0.0),
                            max: Some(10.0),
                        },
                        required: true,
                    },
                    Step {
                        id: 3,
                        title: "Remarks".into(),
                        kind: StepKind::Text,
                        required: false,
                    },
                ],
                scan_field: Some("serial_number".into()),
            }),
            devices: [(10, "SN-A"), (11, "SN-B")]
                .into_iter()
                .map(|(id, sn)| Device {
                    id,
                    fields: json!({ "serial_number": sn }).as_object().unwrap().clone(),
                })
                .collect(),
            steps: vec![],
            replaced: vec![],
            updated_at: 0,
            product_category: String::new(),
            customer_tier: String::new(),
            lead: None,
            target: None,
            dispatch: None,
        }
    }

    /// The order's assigned engineer.
    const ENGINEER: Pusher = Pusher {
        user_id: 3,
        dispatcher: false,
    };

    fn env(n: u32, op: Operation) -> Envelope {
        Envelope {
            op_id: format!("op-{n}"),
            op,
        }
    }

    fn step(device: i64, step: i64, value: serde_json::Value) -> Operation {
        Operation::StepResult {
            work_order: 7,
            device,
            step,
            value,
            base_seq: 0,
        }
    }

    fn go(action: WorkOrderAction) -> Operation {
        Operation::Transition {
            work_order: 7,
            action,
        }
    }

    #[test]
    fn local_checks_match_the_servers_rules() {
        use RejectReason::*;
        let cases = [
            (step(99, 1, json!(true)), Some(UnknownDevice)),
            (step(10, 9, json!(true)), Some(UnknownStep)),
            (step(10, 1, json!("yes")), Some(InvalidValue)),
            (step(10, 2, json!(11)), Some(OutOfRange)),
            (step(10, 2, json!(2.5)), None),
            (go(WorkOrderAction::Start), Some(IllegalTransition)),
            (go(WorkOrderAction::Close), Some(NotAllowed)),
            (go(WorkOrderAction::Accept), None),
        ];
        for (op, expected) in cases {
            let mut view = order();
            assert_eq!(
                apply_local(&mut view, ENGINEER, &op).err(),
                expected,
                "{op:?}"
            );
        }
    }

    #[test]
    fn completing_needs_every_required_step_on_every_device() {
        let mut view = order();
        for action in [
            WorkOrderAction::Accept,
            WorkOrderAction::Depart,
            WorkOrderAction::Start,
        ] {
            apply_local(&mut view, ENGINEER, &go(action)).unwrap();
        }
        for (device, s, v) in [
            (10, 1, json!(true)),
            (10, 2, json!(3)),
            (11, 1, json!(true)),
        ] {
            apply_local(&mut view, ENGINEER, &step(device, s, v)).unwrap();
        }
        assert_eq!(view.device_progress(10), (2, 2));
        assert_eq!(view.device_progress(11), (1, 2));
        assert_eq!(
            apply_local(&mut view, ENGINEER, &go(WorkOrderAction::Complete)),
            Err(RejectReason::StepsMissing)
        );
        apply_local(&mut view, ENGINEER, &step(11, 2, json!(4))).unwrap();
        apply_local(&mut view, ENGINEER, &go(WorkOrderAction::Complete)).unwrap();
        assert_eq!(view.status, WorkOrderStatus::Completed);
    }

    #[test]
    fn overlay_shows_unconfirmed_work_and_marks_it_pending() {
        let mut server = order();
        server.steps.push(StepValue {
            device: 10,
            step: 2,
            value: json!(1),
            seq: 5,
        });
        let pending = [
            env(1, go(WorkOrderAction::Accept)),
            env(2, step(10, 2, json!(6))),
            env(3, step(11, 1, json!(true))),
            // No longer applicable: shown as pending, not applied.
            env(4, go(WorkOrderAction::Close)),
            env(
                5,
                Operation::Note {
                    work_order: 7,
                    text: "gate code 42".into(),
                },
            ),
            // Another order's operation is not this one's.
            env(
                6,
                Operation::Note {
                    work_order: 8,
                    text: "x".into(),
                },
            ),
        ];
        let local = overlay(server.clone(), ENGINEER, &["earlier".into()], &pending);
        assert_eq!(local.order.status, WorkOrderStatus::Accepted);
        assert!(local.pending_status);
        assert_eq!(local.pending, 5);
        assert_eq!(local.pending_steps, vec![(10, 2), (11, 1)]);
        let value = |d, s| {
            local
                .order
                .steps
                .iter()
                .find(|v| v.device == d && v.step == s)
                .map(|v| v.value.clone())
        };
        assert_eq!(value(10, 2), Some(json!(6)));
        assert_eq!(value(11, 1), Some(json!(true)));
        assert_eq!(
            local.notes,
            vec![
                LocalNote {
                    text: "earlier".into(),
                    pending: false
                },
                LocalNote {
                    text: "gate code 42".into(),
                    pending: true
                }
            ]
        );
        // Nothing pending: the server's view as it is.
        let plain = overlay(server.clone(), ENGINEER, &[], &[]);
        assert_eq!(plain.order, server);
        assert_eq!(plain.pending, 0);
    }

    #[test]
    fn scans_find_devices_by_the_templates_field() {
        let view = order();
        let fields = vec![FieldDef {
            key: "serial_number".into(),
            field_type: FieldType::SingleLineText,
        }];
        assert_eq!(view.find_by_scan(" SN-B ", &fields), Some(vec![11]));
        assert_eq!(view.find_by_scan("SN-C", &fields), Some(vec![]));
        let mut no_scan = order();
        no_scan.template.as_mut().unwrap().scan_field = None;
        assert_eq!(no_scan.find_by_scan("SN-B", &fields), None);
    }

    #[test]
    fn engineers_see_only_their_legal_actions() {
        use WorkOrderAction::*;
        let lead = |status| engineer_actions(status, Actor::AssignedEngineer);
        assert_eq!(lead(WorkOrderStatus::Assigned), vec![Accept, Decline]);
        assert_eq!(
            lead(WorkOrderStatus::Accepted),
            vec![Decline, Depart, Start]
        );
        assert_eq!(lead(WorkOrderStatus::InProgress), vec![Complete]);
        assert!(lead(WorkOrderStatus::Closed).is_empty());
        for status in WorkOrderStatus::ALL {
            assert!(engineer_actions(status, Actor::Collaborator).is_empty());
        }
    }

    #[test]
    fn a_lead_changes_the_status_and_collaborators_do_not() {
        let mut view = order();
        view.assignees = vec![7, 8, 9];
        assert_eq!(view.actor(7), Actor::AssignedEngineer, "no lead: all equal");
        assert_eq!(view.actor(8), Actor::AssignedEngineer);
        view.lead = Some(7);
        assert_eq!(view.actor(7), Actor::AssignedEngineer);
        assert_eq!(view.actor(8), Actor::Collaborator);
        assert_eq!(view.actor(5), Actor::Other);
        let status = WorkOrderStatus::Assigned;
        assert!(
            status
                .apply(WorkOrderAction::Accept, Actor::AssignedEngineer, true)
                .is_ok()
        );
        assert!(matches!(
            status.apply(WorkOrderAction::Accept, Actor::Collaborator, true),
            Err(crate::work_order::LifecycleError::NotAllowed { .. })
        ));
    }

    #[test]
    fn the_plan_knows_who_acts_and_which_photos_are_uploaded() {
        use crate::apply::plan;
        let mut view = order();
        view.assignees = vec![3, 4];
        view.lead = Some(3);
        let photo_step = Step {
            id: 4,
            title: "Photo".into(),
            kind: StepKind::Photo,
            required: false,
        };
        view.template.as_mut().unwrap().steps.push(photo_step);
        let who = |user_id, dispatcher| Pusher {
            user_id,
            dispatcher,
        };
        let reject = |r| Decision::Reject(r);
        let accept = go(WorkOrderAction::Accept);
        // A collaborator runs steps and writes notes, never the status.
        assert_eq!(
            plan(Some(&view), who(4, false), &accept, true),
            reject(RejectReason::NotAllowed)
        );
        assert!(matches!(
            plan(Some(&view), who(4, false), &step(10, 1, json!(true)), true),
            Decision::SetStep { .. }
        ));
        // Someone not assigned learns nothing; a dispatcher may cancel.
        assert_eq!(
            plan(Some(&view), who(5, false), &accept, true),
            reject(RejectReason::UnknownWorkOrder)
        );
        assert_eq!(
            plan(None, who(3, false), &accept, true),
            reject(RejectReason::UnknownWorkOrder)
        );
        let cancel = go(WorkOrderAction::Cancel);
        assert_eq!(
            plan(Some(&view), who(3, false), &cancel, true),
            reject(RejectReason::NotAllowed)
        );
        assert_eq!(
            plan(Some(&view), who(1, true), &cancel, true),
            Decision::SetStatus(WorkOrderStatus::Cancelled)
        );
        // A photo step names an uploaded image.
        let id = "ab".repeat(32);
        let photo = step(10, 4, json!(id));
        assert_eq!(view.photo_named(&photo), Some(id.as_str()));
        assert_eq!(
            view.photo_named(&step(10, 3, json!(id))),
            None,
            "a text step"
        );
        assert_eq!(
            plan(Some(&view), who(3, false), &photo, false),
            reject(RejectReason::InvalidValue)
        );
        assert!(matches!(
            plan(Some(&view), who(3, false), &photo, true),
            Decision::SetStep { .. }
        ));
        // Notes: some text, at most 4000 characters.
        let note = |text: &str| Operation::Note {
            work_order: 7,
            text: text.into(),
        };
        assert_eq!(
            plan(Some(&view), who(4, false), &note(" "), true),
            reject(RejectReason::InvalidValue)
        );
        assert_eq!(
            plan(Some(&view), who(4, false), &note("checked"), true),
            Decision::Append
        );
    }

    #[test]
    fn every_reject_reason_has_a_message_in_every_locale() {
        use RejectReason::*;
        let catalog = crate::i18n::Catalog::new();
        for reason in [
            IllegalTransition,
            NotAllowed,
            StepsMissing,
            UnknownWorkOrder,
            UnknownDevice,
            UnknownStep,
            InvalidValue,
            OutOfRange,
        ] {
            for locale in crate::Locale::ALL {
                assert!(catalog.has(locale, reason.message_key()), "{reason:?}");
            }
        }
    }
}
