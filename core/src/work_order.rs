//! Work orders (工单): the status lifecycle, validated the same way on the
//! server and in the engineer's app (offline), so an illegal step is
//! refused before it is ever queued for sync.
//!
//! ```text
//! new ─assign─▶ assigned ─accept─▶ accepted ─depart─▶ on_the_way ─start─▶ in_progress ─complete─▶ completed ─close─▶ closed
//!  ▲              │  ▲ reassign        │ start ───────────────────────────▲        ▲                 │ reopen          │ reopen
//!  └──decline─────┘  └─────────────────┘                                  └────────┴─────────────────┴─────────────────┘
//! any open status ─cancel─▶ cancelled ─reopen─▶ new
//! ```

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkOrderStatus {
    New,
    Assigned,
    Accepted,
    OnTheWay,
    InProgress,
    Completed,
    Closed,
    Cancelled,
}

/// What someone does to a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkOrderAction {
    /// A dispatcher assigns (or reassigns) engineers.
    Assign,
    /// The assigned engineer takes it.
    Accept,
    /// The assigned engineer gives it back before starting.
    Decline,
    /// The engineer sets off to the site.
    Depart,
    /// Work starts on site.
    Start,
    /// The engineer finishes; every required step must be done.
    Complete,
    /// A supervisor confirms and closes.
    Close,
    /// A supervisor reopens a finished or cancelled order.
    Reopen,
    /// A supervisor cancels an open order.
    Cancel,
}

/// Who acts, as far as the lifecycle cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Admin or supervisor (dispatcher).
    Dispatcher,
    /// An engineer assigned to this work order (its lead, when it has one).
    AssignedEngineer,
    /// A collaborating engineer of a provider's lead (seed 2.5): runs
    /// steps and writes notes; only the lead changes the status.
    Collaborator,
    /// Anyone else (an engineer not assigned to it, an agent…).
    Other,
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("{action:?} is not possible from {from:?}")]
    IllegalTransition {
        from: WorkOrderStatus,
        action: WorkOrderAction,
    },
    #[error("{action:?} is not allowed for this user")]
    NotAllowed { action: WorkOrderAction },
    #[error("required steps are not done")]
    StepsMissing,
}

impl WorkOrderStatus {
    /// Only orders nobody has started can be (re)dispatched.
    pub fn dispatchable(self) -> bool {
        matches!(
            self,
            WorkOrderStatus::New | WorkOrderStatus::Assigned | WorkOrderStatus::Accepted
        )
    }

    pub const ALL: [WorkOrderStatus; 8] = [
        WorkOrderStatus::New,
        WorkOrderStatus::Assigned,
        WorkOrderStatus::Accepted,
        WorkOrderStatus::OnTheWay,
        WorkOrderStatus::InProgress,
        WorkOrderStatus::Completed,
        WorkOrderStatus::Closed,
        WorkOrderStatus::Cancelled,
    ];

    /// Not yet finished, closed or cancelled.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            WorkOrderStatus::Completed | WorkOrderStatus::Closed | WorkOrderStatus::Cancelled
        )
    }

    /// The Fluent key of the status name.
    pub fn message_key(self) -> &'static str {
        match self {
            WorkOrderStatus::New => "work-order-status-new",
            WorkOrderStatus::Assigned => "work-order-status-assigned",
            WorkOrderStatus::Accepted => "work-order-status-accepted",
            WorkOrderStatus::OnTheWay => "work-order-status-on-the-way",
            WorkOrderStatus::InProgress => "work-order-status-in-progress",
            WorkOrderStatus::Completed => "work-order-status-completed",
            WorkOrderStatus::Closed => "work-order-status-closed",
            WorkOrderStatus::Cancelled => "work-order-status-cancelled",
        }
    }

    /// The status after `action` by `actor`; `steps_done` tells whether
    /// every required step of every device has a result (for `Complete`).
    pub fn apply(
        self,
        action: WorkOrderAction,
        actor: Actor,
        steps_done: bool,
    ) -> Result<WorkOrderStatus, LifecycleError> {
        use WorkOrderAction::*;
        use WorkOrderStatus::*;
        let by_dispatcher = matches!(action, Assign | Close | Reopen | Cancel);
        let allowed = match actor {
            Actor::Dispatcher => true,
            Actor::AssignedEngineer => !by_dispatcher,
            Actor::Collaborator | Actor::Other => false,
        };
        if !allowed {
            return Err(LifecycleError::NotAllowed { action });
        }
        let next = match (self, action) {
            (New | Assigned | Accepted, Assign) => Assigned,
            (Assigned, Accept) => Accepted,
            (Assigned | Accepted, Decline) => New,
            (Accepted, Depart) => OnTheWay,
            (Accepted | OnTheWay, Start) => InProgress,
            (InProgress, Complete) if !steps_done => return Err(LifecycleError::StepsMissing),
            (InProgress, Complete) => Completed,
            (Completed, Close) => Closed,
            (Completed | Closed, Reopen) => InProgress,
            (Cancelled, Reopen) => New,
            (from, Cancel) if from.is_open() => Cancelled,
            (from, action) => return Err(LifecycleError::IllegalTransition { from, action }),
        };
        Ok(next)
    }
}

/// How urgent a work order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    /// The wire form (`urgent`), as scope conditions name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

/// `POST /api/work-orders` (dispatchers): a new work order with the
/// devices at its site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WorkOrderInput {
    pub number: String,
    pub customer: String,
    pub contact: String,
    /// The service address.
    pub address: String,
    pub order_type: String,
    pub priority: Priority,
    /// The product category (a dispatch scope field), if any.
    #[serde(default)]
    pub product_category: String,
    /// The customer's tier, e.g. `VIP` (a dispatch scope field), if any.
    #[serde(default)]
    pub customer_tier: String,
    /// The standard operation run on every device, if any.
    #[serde(default)]
    pub template_id: Option<i64>,
    /// The address's GB/T 2260 division when picked; else it is resolved
    /// from `address` (and stays empty when the text is ambiguous).
    #[serde(default)]
    pub division: Option<crate::region::DivisionCode>,
    /// (longitude, latitude), when known.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<f64>>))]
    pub point: Option<(f64, f64)>,
    /// Each device's field values (`serial_number`, `asset_code`, `model`,
    /// `custom.*`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub devices: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl WorkOrderInput {
    /// Every text present and short enough, at most 200 devices, a point
    /// (if any) on the globe.
    pub fn is_valid(&self) -> bool {
        let short = |s: &str, max: usize| !s.trim().is_empty() && s.chars().count() <= max;
        short(&self.number, 64)
            && short(&self.customer, MAX_CUSTOMER_CHARS)
            && short(&self.contact, 200)
            && short(&self.address, MAX_ADDRESS_CHARS)
            && short(&self.order_type, MAX_TYPE_CHARS)
            && self.product_category.chars().count() <= MAX_CATEGORY_CHARS
            && self.customer_tier.chars().count() <= MAX_TIER_CHARS
            && self.devices.len() <= 200
            && self.point.is_none_or(crate::region::valid_point)
    }
}

/// The longest customer tier, in characters.
pub const MAX_TIER_CHARS: usize = 32;
/// The longest customer name, in characters.
pub const MAX_CUSTOMER_CHARS: usize = 200;
/// The longest service address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// The longest order type, in characters.
pub const MAX_TYPE_CHARS: usize = 64;
/// The longest product category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 64;
/// The most engineers a dispatcher assigns at once.
pub const MAX_ASSIGNED: usize = 10;
/// The most engineers a provider's crew has (lead and collaborators).
pub const MAX_CREW: usize = 20;

/// Whether `ids` are 1 to `max` users who are all engineers.
pub fn engineers_only(ids: &[i64], max: usize, is_engineer: impl Fn(i64) -> bool) -> bool {
    !ids.is_empty() && ids.len() <= max && ids.iter().all(|id| is_engineer(*id))
}

/// A step's current result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepValue {
    pub device: i64,
    pub step: i64,
    /// Any JSON value the step's kind allows (text, number, true/false, a
    /// photo id…).
    pub value: serde_json::Value,
    pub seq: u64,
}

/// A work order as its engineers and dispatchers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WorkOrderView {
    pub id: i64,
    pub number: String,
    pub customer: String,
    pub contact: String,
    pub address: String,
    pub order_type: String,
    pub priority: Priority,
    pub status: WorkOrderStatus,
    /// The service address's division (`None`: not resolved).
    #[serde(default)]
    pub division: Option<crate::region::DivisionCode>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<f64>>))]
    pub point: Option<(f64, f64)>,
    pub assignees: Vec<i64>,
    pub template: Option<crate::standard_operation::Template>,
    pub devices: Vec<crate::device::Device>,
    pub steps: Vec<StepValue>,
    /// Values replaced by later writes (kept, shown to the engineer).
    pub replaced: Vec<StepValue>,
    pub updated_at: i64,
    #[serde(default)]
    pub product_category: String,
    /// The customer's tier (e.g. `VIP`), a dispatch scope field.
    #[serde(default)]
    pub customer_tier: String,
    /// The lead engineer when a provider admin named one: then the other
    /// assignees collaborate ([`Actor::Collaborator`]).
    #[serde(default)]
    pub lead: Option<i64>,
    /// The service group or provider the order was dispatched to.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub target: Option<crate::dispatch::DispatchTarget>,
    /// The last dispatch and its explanation ("why this group").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub dispatch: Option<DispatchRecord>,
}

/// A customer's work order as the chat workbench's sidebar shows it
/// (`GET /api/work-orders/related?customer=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelatedWorkOrder {
    pub id: i64,
    pub number: String,
    pub order_type: String,
    pub status: WorkOrderStatus,
    pub updated_at: i64,
}

impl WorkOrderView {
    /// How `user` acts on this order as far as the lifecycle cares (for
    /// engineers; dispatchers are known by role).
    pub fn actor(&self, user: i64) -> Actor {
        if !self.assignees.contains(&user) {
            Actor::Other
        } else if self.lead.is_some_and(|lead| lead != user) {
            Actor::Collaborator
        } else {
            Actor::AssignedEngineer
        }
    }
}

impl crate::dispatch::OrderFacts {
    /// What the rules' scopes test, from a work order (the app and the
    /// server read an order's facts the same way).
    pub fn of(view: &WorkOrderView) -> Self {
        crate::dispatch::OrderFacts {
            order_type: view.order_type.clone(),
            product_category: view.product_category.clone(),
            priority: view.priority.as_str().to_owned(),
            customer: view.customer.clone(),
            customer_tier: view.customer_tier.clone(),
            address: crate::region::ServiceAddress {
                division: view.division,
                point: view.point,
            },
        }
    }
}

/// A dispatch as stored with the order: when, by whom (`None`: automatic)
/// and the decision with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchRecord {
    pub at: i64,
    #[serde(default)]
    pub by: Option<i64>,
    pub decision: crate::dispatch::Decision,
}

/// `PUT /api/work-orders/{id}` (dispatchers): the fields that change;
/// a new address without a picked division is resolved again. A change
/// of address, type or a scope field runs dispatch again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkOrderChange {
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub division: Option<crate::region::DivisionCode>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<f64>>))]
    pub point: Option<(f64, f64)>,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub product_category: Option<String>,
    #[serde(default)]
    pub customer_tier: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// `POST /api/work-orders/{id}/target` (dispatchers): dispatch by hand to
/// a group or provider, which must pass the skill check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TargetBody {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: crate::dispatch::TargetKind,
    pub id: i64,
}

/// `POST /api/work-orders/{id}/crew` (the provider's admins): the lead
/// engineer and collaborating engineers, all of the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CrewBody {
    pub lead: i64,
    #[serde(default)]
    pub collaborators: Vec<i64>,
}

/// `POST /api/work-orders/{id}/dispatch` (dispatchers): assign engineers,
/// close, reopen or cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DispatchBody {
    pub action: WorkOrderAction,
    /// For `assign`: the engineers (the first leads).
    #[serde(default)]
    pub engineers: Vec<i64>,
}

impl WorkOrderChange {
    /// `view` with this change: texts trimmed, a new address resolved
    /// again by `divisions` (unless a division is picked too). `None`: a
    /// required text is blank, a text too long, or the division or the
    /// point unknown.
    pub fn applied_to(
        self,
        view: &WorkOrderView,
        divisions: &crate::region::DivisionTable,
    ) -> Option<WorkOrderView> {
        let mut after = view.clone();
        let text = |value: Option<String>, max: usize, current: &mut String, blank_ok: bool| {
            if let Some(v) = value {
                let v = v.trim().to_owned();
                if (!blank_ok && v.is_empty()) || v.chars().count() > max {
                    return None;
                }
                *current = v;
            }
            Some(())
        };
        text(
            self.customer,
            MAX_CUSTOMER_CHARS,
            &mut after.customer,
            false,
        )?;
        text(
            self.order_type,
            MAX_TYPE_CHARS,
            &mut after.order_type,
            false,
        )?;
        let category = &mut after.product_category;
        text(self.product_category, MAX_CATEGORY_CHARS, category, true)?;
        text(
            self.customer_tier,
            MAX_TIER_CHARS,
            &mut after.customer_tier,
            true,
        )?;
        if let Some(address) = self.address {
            text(Some(address), MAX_ADDRESS_CHARS, &mut after.address, false)?;
            after.division = divisions.resolve(&after.address);
            after.point = None;
        }
        if let Some(code) = self.division {
            divisions.get(code)?;
            after.division = Some(code);
        }
        if let Some(point) = self.point {
            if !crate::region::valid_point(point) {
                return None;
            }
            after.point = Some(point);
        }
        if let Some(priority) = self.priority {
            after.priority = priority;
        }
        Some(after)
    }
}

impl CrewBody {
    /// The lead first, then the collaborators, each once.
    pub fn crew(&self) -> Vec<i64> {
        let mut crew = vec![self.lead];
        for c in &self.collaborators {
            if !crew.contains(c) {
                crew.push(*c);
            }
        }
        crew
    }
}

impl DispatchBody {
    /// A dispatcher assigns 1 to [`MAX_ASSIGNED`] engineers, or closes,
    /// reopens or cancels; `is_engineer` tells engineers from other users.
    pub fn is_valid(&self, is_engineer: impl Fn(i64) -> bool) -> bool {
        match self.action {
            WorkOrderAction::Assign => engineers_only(&self.engineers, MAX_ASSIGNED, is_engineer),
            WorkOrderAction::Close | WorkOrderAction::Reopen | WorkOrderAction::Cancel => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WorkOrderAction::*;
    use super::WorkOrderStatus::*;
    use super::*;

    const ACTIONS: [WorkOrderAction; 9] = [
        Assign, Accept, Decline, Depart, Start, Complete, Close, Reopen, Cancel,
    ];

    #[test]
    fn dispatchers_assign_a_few_engineers_and_crews_list_each_once() {
        let engineer = |id: i64| id < 100;
        let body = |action, engineers: Vec<i64>| DispatchBody { action, engineers };
        assert!(body(Assign, vec![1, 2]).is_valid(engineer));
        assert!(!body(Assign, vec![]).is_valid(engineer), "nobody");
        assert!(
            !body(Assign, vec![1, 200]).is_valid(engineer),
            "not an engineer"
        );
        assert!(
            !body(Assign, (1..=11).collect()).is_valid(engineer),
            "too many"
        );
        assert!(body(Cancel, vec![]).is_valid(engineer));
        assert!(
            !body(Accept, vec![]).is_valid(engineer),
            "an engineer's action"
        );
        let crew = CrewBody {
            lead: 3,
            collaborators: vec![4, 3, 4, 5],
        };
        assert_eq!(crew.crew(), vec![3, 4, 5]);
        let big: Vec<i64> = (1..=21).collect();
        assert!(!engineers_only(&big, MAX_CREW, engineer));
        assert!(engineers_only(&big[..20], MAX_CREW, engineer));
    }

    #[test]
    fn the_usual_day_of_a_work_order() {
        let d = Actor::Dispatcher;
        let e = Actor::AssignedEngineer;
        let mut s = New;
        for (action, actor, expected) in [
            (Assign, d, Assigned),
            (Accept, e, Accepted),
            (Depart, e, OnTheWay),
            (Start, e, InProgress),
            (Complete, e, Completed),
            (Close, d, Closed),
        ] {
            s = s.apply(action, actor, true).unwrap();
            assert_eq!(s, expected);
        }
    }

    #[test]
    fn engineers_cannot_dispatch_and_others_cannot_act() {
        assert_eq!(
            Completed.apply(Close, Actor::AssignedEngineer, true),
            Err(LifecycleError::NotAllowed { action: Close })
        );
        assert_eq!(
            Assigned.apply(Accept, Actor::Other, true),
            Err(LifecycleError::NotAllowed { action: Accept })
        );
        assert_eq!(
            InProgress.apply(Complete, Actor::AssignedEngineer, false),
            Err(LifecycleError::StepsMissing)
        );
        assert_eq!(
            Closed.apply(Start, Actor::AssignedEngineer, true),
            Err(LifecycleError::IllegalTransition {
                from: Closed,
                action: Start
            })
        );
    }

    #[test]
    fn cancel_and_reopen_rules() {
        let d = Actor::Dispatcher;
        for s in [New, Assigned, Accepted, OnTheWay, InProgress] {
            assert_eq!(s.apply(Cancel, d, true), Ok(Cancelled));
        }
        for s in [Completed, Closed, Cancelled] {
            assert!(s.apply(Cancel, d, true).is_err(), "{s:?}");
        }
        assert_eq!(Cancelled.apply(Reopen, d, true), Ok(New));
        assert_eq!(Closed.apply(Reopen, d, true), Ok(InProgress));
        assert!(InProgress.apply(Reopen, d, true).is_err());
    }

    /// From every status and for every action and actor, the answer is
    /// either a status or a typed error; closed and cancelled orders only
    /// move again when a dispatcher reopens them; every status is
    /// reachable from `new`.
    #[test]
    fn the_lifecycle_is_total_and_connected() {
        let actors = [Actor::Dispatcher, Actor::AssignedEngineer, Actor::Other];
        let mut reached = vec![New];
        let mut frontier = vec![New];
        while let Some(s) = frontier.pop() {
            for action in ACTIONS {
                for actor in actors {
                    if let Ok(next) = s.apply(action, actor, true) {
                        if matches!(s, Closed | Cancelled) {
                            assert_eq!((action, actor), (Reopen, Actor::Dispatcher));
                        }
                        assert_ne!(actor, Actor::Other);
                        if !reached.contains(&next) {
                            reached.push(next);
                            frontier.push(next);
                        }
                    }
                }
            }
        }
        for s in WorkOrderStatus::ALL {
            assert!(reached.contains(&s), "{s:?} is unreachable");
        }
    }
}
