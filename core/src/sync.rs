//! Offline sync of field work (issue 4): the protocol types and the pure
//! decisions both ends make. The engineer's app writes every action
//! locally first and appends an [`Operation`] with a client operation id
//! to its outbox; it pushes the outbox in batches and pulls changes after a
//! cursor. The server applies each operation exactly once, in its own
//! order, and answers an [`Outcome`] that the client keeps.
//!
//! Conflict policy (also in ARCHITECTURE.md):
//! - **Status** follows the lifecycle in server order: an action that is
//!   illegal by the time it arrives is *rejected* with the reason, and the
//!   engineer sees it in the sync error list.
//! - **Step results** are per work order × device × step: the last write in
//!   server order wins; when it replaces a value the writer had not seen,
//!   the outcome is *applied over* that value, which is kept in the step's
//!   history and shown to the engineer. Nothing entered is dropped.
//! - **Notes** only append.
//!
//! [`Ledger`] is the server's decision state in memory; the server keeps
//! the same facts in SQLite and asks it the same questions.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::work_order::{Actor, LifecycleError, WorkOrderAction, WorkOrderStatus};

/// A client operation id: unique per operation, chosen by the client,
/// the same on every retry.
pub type OpId = String;

/// What an engineer did, as it travels from the outbox to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Operation {
    Transition {
        work_order: i64,
        action: WorkOrderAction,
    },
    StepResult {
        work_order: i64,
        device: i64,
        step: i64,
        value: serde_json::Value,
        /// The change sequence of the value the engineer saw (0: none).
        base_seq: u64,
    },
    Note {
        work_order: i64,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub op_id: OpId,
    pub op: Operation,
}

/// The server's answer to one operation; the same answer on every retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied {
        seq: u64,
    },
    /// Applied, replacing a value the writer had not seen (kept in history).
    AppliedOver {
        seq: u64,
        previous: serde_json::Value,
    },
    Rejected {
        reason: RejectReason,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    IllegalTransition,
    NotAllowed,
    StepsMissing,
    UnknownWorkOrder,
    /// The device is not at this work order's site.
    UnknownDevice,
    /// The step is not in the work order's standard operation.
    UnknownStep,
    /// The value does not fit the step (kind, choice).
    InvalidValue,
    /// A number outside the step's range.
    OutOfRange,
}

impl From<LifecycleError> for RejectReason {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::IllegalTransition { .. } => RejectReason::IllegalTransition,
            LifecycleError::NotAllowed { .. } => RejectReason::NotAllowed,
            LifecycleError::StepsMissing => RejectReason::StepsMissing,
        }
    }
}

/// One change as pulled by clients, in server order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub op_id: OpId,
    pub op: Operation,
}

/// The server's decision state: work-order statuses, current step values
/// with their history, applied operations and the change log.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    statuses: HashMap<i64, WorkOrderStatus>,
    steps: BTreeMap<(i64, i64, i64), (u64, serde_json::Value)>,
    history: Vec<((i64, i64, i64), serde_json::Value)>,
    outcomes: HashMap<OpId, Outcome>,
    log: Vec<Change>,
}

impl Ledger {
    pub fn add_work_order(&mut self, id: i64, status: WorkOrderStatus) {
        self.statuses.insert(id, status);
    }

    pub fn status(&self, work_order: i64) -> Option<WorkOrderStatus> {
        self.statuses.get(&work_order).copied()
    }

    pub fn step(&self, key: (i64, i64, i64)) -> Option<&serde_json::Value> {
        self.steps.get(&key).map(|(_, v)| v)
    }

    /// Values replaced by later writes, oldest first.
    pub fn history(&self) -> &[((i64, i64, i64), serde_json::Value)] {
        &self.history
    }

    pub fn last_seq(&self) -> u64 {
        self.log.last().map_or(0, |c| c.seq)
    }

    /// Changes after `cursor`.
    pub fn changes_after(&self, cursor: u64) -> &[Change] {
        let start = self.log.partition_point(|c| c.seq <= cursor);
        &self.log[start..]
    }

    /// How many operations were applied (not rejected).
    pub fn applied(&self) -> usize {
        self.log.len()
    }

    /// Applies an operation by an assigned engineer exactly once: a known
    /// op id returns its first outcome and changes nothing.
    pub fn apply(&mut self, envelope: &Envelope) -> Outcome {
        if let Some(outcome) = self.outcomes.get(&envelope.op_id) {
            return outcome.clone();
        }
        let outcome = self.decide(&envelope.op);
        if let Outcome::Applied { seq } | Outcome::AppliedOver { seq, .. } = outcome {
            self.log.push(Change {
                seq,
                op_id: envelope.op_id.clone(),
                op: envelope.op.clone(),
            });
        }
        self.outcomes
            .insert(envelope.op_id.clone(), outcome.clone());
        outcome
    }

    fn decide(&mut self, op: &Operation) -> Outcome {
        let seq = self.last_seq() + 1;
        let work_order = op.work_order();
        let current = match op {
            Operation::StepResult { device, step, .. } => self
                .steps
                .get(&(work_order, *device, *step))
                .map(|(s, v)| (*s, v.clone())),
            _ => None,
        };
        let decision = decide(
            op,
            self.status(work_order),
            Actor::AssignedEngineer,
            current,
            true,
        );
        match &decision {
            Decision::SetStatus(next) => {
                self.statuses.insert(work_order, *next);
            }
            Decision::SetStep { replaced, .. } => {
                if let Operation::StepResult {
                    device,
                    step,
                    value,
                    ..
                } = op
                {
                    let key = (work_order, *device, *step);
                    self.steps.insert(key, (seq, value.clone()));
                    if let Some(previous) = replaced {
                        self.history.push((key, previous.clone()));
                    }
                }
            }
            Decision::Append | Decision::Reject(_) => {}
        }
        decision.outcome(seq)
    }
}

impl Operation {
    pub fn work_order(&self) -> i64 {
        match self {
            Operation::Transition { work_order, .. }
            | Operation::StepResult { work_order, .. }
            | Operation::Note { work_order, .. } => *work_order,
        }
    }
}

/// What applying an operation changes; the caller writes it and answers
/// [`Decision::outcome`].
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    SetStatus(WorkOrderStatus),
    SetStep {
        /// The value replaced (kept in history), if any…
        replaced: Option<serde_json::Value>,
        /// …and whether its writer had not seen it.
        unseen: bool,
    },
    Append,
    Reject(RejectReason),
}

impl Decision {
    /// The answer to the client, with `seq` for what was applied.
    pub fn outcome(&self, seq: u64) -> Outcome {
        match self {
            Decision::Reject(reason) => Outcome::Rejected { reason: *reason },
            Decision::SetStep {
                replaced: Some(previous),
                unseen: true,
            } => Outcome::AppliedOver {
                seq,
                previous: previous.clone(),
            },
            _ => Outcome::Applied { seq },
        }
    }
}

/// The decision for `op` given the work order's status (`None`: unknown to
/// this user), who acts, the step's current value with its seq, and
/// whether every required step has a result (for completing).
pub fn decide(
    op: &Operation,
    status: Option<WorkOrderStatus>,
    actor: Actor,
    current_step: Option<(u64, serde_json::Value)>,
    steps_done: bool,
) -> Decision {
    let Some(status) = status else {
        return Decision::Reject(RejectReason::UnknownWorkOrder);
    };
    if actor == Actor::Other {
        return Decision::Reject(RejectReason::NotAllowed);
    }
    match op {
        Operation::Transition { action, .. } => match status.apply(*action, actor, steps_done) {
            Ok(next) => Decision::SetStatus(next),
            Err(e) => Decision::Reject(e.into()),
        },
        Operation::StepResult { base_seq, .. } => match current_step {
            Some((seq, previous)) => Decision::SetStep {
                replaced: Some(previous),
                unseen: seq > *base_seq,
            },
            None => Decision::SetStep {
                replaced: None,
                unseen: false,
            },
        },
        Operation::Note { text, .. } if !valid_note(text) => {
            Decision::Reject(RejectReason::InvalidValue)
        }
        Operation::Note { .. } => Decision::Append,
    }
}

/// The longest engineer's note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// A note has some text and at most [`MAX_NOTE_CHARS`] characters.
pub fn valid_note(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_NOTE_CHARS
}

/// The engineer's side: the outbox, the cursor, and what the server said.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    pub outbox: Vec<Envelope>,
    pub cursor: u64,
    /// Step values as of the last pull, with the seq they came with.
    pub steps: BTreeMap<(i64, i64, i64), (u64, serde_json::Value)>,
    pub statuses: HashMap<i64, WorkOrderStatus>,
    /// Operations the server refused, with why: shown, never dropped.
    pub rejected: Vec<(Envelope, RejectReason)>,
    /// Values the engineer's writes replaced without having seen them.
    pub overwritten: Vec<(OpId, serde_json::Value)>,
}

impl Replica {
    /// Records a local action: it goes to the outbox at once.
    pub fn record(&mut self, op_id: OpId, op: Operation) {
        self.outbox.push(Envelope { op_id, op });
    }

    /// The next batch to push (oldest first).
    pub fn batch(&self, max: usize) -> Vec<Envelope> {
        self.outbox.iter().take(max).cloned().collect()
    }

    /// Takes the server's outcomes for pushed operations out of the outbox.
    pub fn acknowledge(&mut self, outcomes: &[(OpId, Outcome)]) {
        for (op_id, outcome) in outcomes {
            let Some(i) = self.outbox.iter().position(|e| &e.op_id == op_id) else {
                continue; // a duplicate answer for an op already acknowledged
            };
            let envelope = self.outbox.remove(i);
            match outcome {
                Outcome::Rejected { reason } => self.rejected.push((envelope, *reason)),
                Outcome::AppliedOver { previous, .. } => {
                    self.overwritten.push((envelope.op_id, previous.clone()))
                }
                Outcome::Applied { .. } => {}
            }
        }
    }

    /// Folds pulled changes (in server order) into the local view.
    pub fn pull(&mut self, changes: &[Change], statuses: &HashMap<i64, WorkOrderStatus>) {
        let cursor = self.cursor;
        for change in changes.iter().filter(|c| c.seq > cursor) {
            if let Operation::StepResult {
                work_order,
                device,
                step,
                value,
                ..
            } = &change.op
            {
                self.steps
                    .insert((*work_order, *device, *step), (change.seq, value.clone()));
            }
            self.cursor = change.seq;
        }
        self.statuses = statuses.clone();
    }

    /// The seq of the step value this replica has seen (for `base_seq`).
    pub fn seen(&self, key: (i64, i64, i64)) -> u64 {
        self.steps.get(&key).map_or(0, |(seq, _)| *seq)
    }
}

/// The most operations one push may carry.
pub const MAX_PUSH: usize = 500;

/// The largest push body the server takes (other requests: 64 KiB).
pub const MAX_PUSH_BYTES: usize = 1024 * 1024;

/// How many of `ops` (oldest first) go into the next push: at most
/// [`MAX_PUSH`] and, serialized, within `max_bytes` — never fewer than one.
pub fn push_batch_len(ops: &[Envelope], max_bytes: usize) -> usize {
    // `{"ops":[` … `]}` and the commas.
    let mut size = 10;
    let mut n = 0;
    for envelope in ops.iter().take(MAX_PUSH) {
        size += serde_json::to_vec(envelope).map_or(0, |v| v.len()) + 1;
        if size > max_bytes && n > 0 {
            break;
        }
        n += 1;
    }
    n
}

/// `POST /api/sync/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushBody {
    pub ops: Vec<Envelope>,
}

/// One answer of a push, in the order of the pushed operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushAnswer {
    pub op_id: OpId,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// `GET /api/sync/pull?after=CURSOR`: the caller's changes after the
/// cursor (at most a page; pull again until `more` is false) and the
/// current status of each of their work orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullAnswer {
    pub cursor: u64,
    pub changes: Vec<Change>,
    pub statuses: Vec<(i64, WorkOrderStatus)>,
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(work_order: i64, device: i64, value: i64, base_seq: u64) -> Operation {
        Operation::StepResult {
            work_order,
            device,
            step: 1,
            value: json!(value),
            base_seq,
        }
    }

    #[test]
    fn operations_apply_once_whatever_the_retries() {
        let mut ledger = Ledger::default();
        ledger.add_work_order(1, WorkOrderStatus::Assigned);
        let accept = Envelope {
            op_id: "a".into(),
            op: Operation::Transition {
                work_order: 1,
                action: WorkOrderAction::Accept,
            },
        };
        assert_eq!(ledger.apply(&accept), Outcome::Applied { seq: 1 });
        assert_eq!(ledger.apply(&accept), Outcome::Applied { seq: 1 });
        assert_eq!(ledger.status(1), Some(WorkOrderStatus::Accepted));
        assert_eq!(ledger.applied(), 1);
        // Accepting again under a new id is illegal now: rejected, kept.
        let again = Envelope {
            op_id: "b".into(),
            ..accept.clone()
        };
        assert_eq!(
            ledger.apply(&again),
            Outcome::Rejected {
                reason: RejectReason::IllegalTransition
            }
        );
    }

    #[test]
    fn a_write_over_an_unseen_value_keeps_it() {
        let mut ledger = Ledger::default();
        ledger.add_work_order(1, WorkOrderStatus::InProgress);
        let first = Envelope {
            op_id: "x".into(),
            op: step(1, 7, 10, 0),
        };
        let second = Envelope {
            op_id: "y".into(),
            op: step(1, 7, 12, 0),
        };
        assert_eq!(ledger.apply(&first), Outcome::Applied { seq: 1 });
        assert_eq!(
            ledger.apply(&second),
            Outcome::AppliedOver {
                seq: 2,
                previous: json!(10)
            }
        );
        assert_eq!(ledger.step((1, 7, 1)), Some(&json!(12)));
        assert_eq!(ledger.history(), &[((1, 7, 1), json!(10))]);
        // A write that had seen the current value is a plain update.
        let third = Envelope {
            op_id: "z".into(),
            op: step(1, 7, 13, 2),
        };
        assert_eq!(ledger.apply(&third), Outcome::Applied { seq: 3 });
    }

    /// Deterministic xorshift for the property test.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// Two engineers' devices work offline on the same work orders; pushes
    /// are delivered twice or lose their answer, pulls come at any time.
    /// After everyone syncs: nothing applied twice, every operation either
    /// applied or listed as rejected, and both replicas agree with the
    /// server.
    #[test]
    fn any_interleaving_converges_and_applies_each_operation_once() {
        for seed in 1..=2_000u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut ledger = Ledger::default();
            for wo in 1..=2 {
                ledger.add_work_order(wo, WorkOrderStatus::Assigned);
            }
            let mut replicas = [Replica::default(), Replica::default()];
            let mut issued = 0usize;
            let actions = [
                WorkOrderAction::Accept,
                WorkOrderAction::Depart,
                WorkOrderAction::Start,
                WorkOrderAction::Complete,
                WorkOrderAction::Decline,
            ];
            for _ in 0..40 {
                let r = rng.below(2) as usize;
                match rng.below(4) {
                    0 | 1 => {
                        let wo = 1 + rng.below(2) as i64;
                        let op = if rng.below(2) == 0 {
                            Operation::Transition {
                                work_order: wo,
                                action: actions[rng.below(5) as usize],
                            }
                        } else {
                            let device = 1 + rng.below(2) as i64;
                            let base = replicas[r].seen((wo, device, 1));
                            step(wo, device, rng.below(100) as i64, base)
                        };
                        replicas[r].record(format!("{r}-{issued}"), op);
                        issued += 1;
                    }
                    2 => {
                        // Push a batch; maybe deliver it twice, maybe lose the answer.
                        let batch = replicas[r].batch(1 + rng.below(4) as usize);
                        let outcomes: Vec<_> = batch
                            .iter()
                            .map(|e| (e.op_id.clone(), ledger.apply(e)))
                            .collect();
                        if rng.below(3) == 0 {
                            for e in &batch {
                                ledger.apply(e);
                            }
                        }
                        if rng.below(4) != 0 {
                            replicas[r].acknowledge(&outcomes);
                        }
                    }
                    _ => {
                        let changes = ledger.changes_after(replicas[r].cursor).to_vec();
                        replicas[r].pull(&changes, &ledger.statuses);
                    }
                }
            }
            // Everyone syncs until the outboxes are empty.
            for replica in &mut replicas {
                while !replica.outbox.is_empty() {
                    let batch = replica.batch(3);
                    let outcomes: Vec<_> = batch
                        .iter()
                        .map(|e| (e.op_id.clone(), ledger.apply(e)))
                        .collect();
                    replica.acknowledge(&outcomes);
                }
            }
            for replica in &mut replicas {
                let changes = ledger.changes_after(replica.cursor).to_vec();
                replica.pull(&changes, &ledger.statuses);
            }
            let rejected: usize = replicas.iter().map(|r| r.rejected.len()).sum();
            assert_eq!(
                ledger.applied() + rejected,
                issued,
                "seed {seed}: every operation applied once or rejected"
            );
            let mut ids: Vec<&OpId> = ledger.log.iter().map(|c| &c.op_id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), ledger.applied(), "seed {seed}: applied twice");
            for replica in &replicas {
                let server: Vec<_> = ledger.steps.iter().collect();
                let local: Vec<_> = replica.steps.iter().collect();
                assert_eq!(local, server, "seed {seed}: step values differ");
                assert_eq!(replica.statuses, ledger.statuses, "seed {seed}");
            }
        }
    }

    #[test]
    fn push_batches_respect_the_count_and_the_byte_limit() {
        let note = |n: usize, len: usize| Envelope {
            op_id: format!("op-{n}"),
            op: Operation::Note {
                work_order: 1,
                text: "x".repeat(len),
            },
        };
        let small: Vec<Envelope> = (0..MAX_PUSH + 20).map(|n| note(n, 10)).collect();
        assert_eq!(push_batch_len(&small, MAX_PUSH_BYTES), MAX_PUSH);
        let big: Vec<Envelope> = (0..10).map(|n| note(n, 4000)).collect();
        let n = push_batch_len(&big, 10_000);
        assert_eq!(n, 2, "two 4 kB notes fit in 10 kB, three do not");
        let body = serde_json::to_vec(&PushBody {
            ops: big[..n].to_vec(),
        })
        .unwrap();
        assert!(body.len() <= 10_000, "{}", body.len());
        assert_eq!(push_batch_len(&big, 100), 1, "one always goes");
        assert_eq!(push_batch_len(&[], 100), 0);
    }

    #[test]
    fn notes_are_refused_when_empty_or_too_long() {
        let note = |text: String| {
            decide(
                &Operation::Note {
                    work_order: 1,
                    text,
                },
                Some(WorkOrderStatus::InProgress),
                Actor::AssignedEngineer,
                None,
                false,
            )
        };
        assert_eq!(note("checked the pump".into()), Decision::Append);
        assert_eq!(note("字".repeat(MAX_NOTE_CHARS)), Decision::Append);
        let refused = Decision::Reject(RejectReason::InvalidValue);
        assert_eq!(note("字".repeat(MAX_NOTE_CHARS + 1)), refused);
        assert_eq!(note("  ".into()), refused);
    }
}
