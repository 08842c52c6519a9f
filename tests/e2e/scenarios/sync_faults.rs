//! Fault rounds for the app's sync engine (no window: the shell's own
//! store, outbox and engine, two of them as two devices of one engineer,
//! with tokens in the real keychain) against the real server, which is
//! killed in the middle of pushes and restarted, and sent the same batch
//! twice. `cargo xtask soak` runs many more rounds.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use fieldesk_app_lib::field::{self, engine::sync_once};
use fieldesk_app_lib::local_store::StoredSession;
use fieldesk_app_lib::state::Shell;
use fieldesk_core::offline::Problem;
use fieldesk_core::sync::{Envelope, Operation, PullAnswer};
use fieldesk_core::work_order::{WorkOrderAction, WorkOrderView};
use fieldesk_testkit::server::TestServer;
use serde_json::{Value, json};

use super::field::{assigned_order, held_by_server};
use crate::Ctx;

/// Rounds per run: `FIELDESK_SOAK_ROUNDS` (the soak), else a quick dozen.
fn rounds() -> u32 {
    std::env::var("FIELDESK_SOAK_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12)
}

/// A small deterministic generator (xorshift), seeded per run and printed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

struct Replica {
    shell: Arc<Shell>,
    _dir: tempfile::TempDir,
}

fn replica(server: &TestServer, token: &str, me: &fieldesk_core::api::Me) -> Replica {
    let dir = tempfile::tempdir().unwrap();
    let shell = Shell::open(dir.path()).unwrap();
    shell.vault.save(token).unwrap();
    shell
        .store
        .set_session(&StoredSession {
            server_url: format!("{}/", server.base),
            me: me.clone(),
        })
        .unwrap();
    Replica {
        shell: Arc::new(shell),
        _dir: dir,
    }
}

impl Replica {
    fn op_ids(&self, user: i64) -> HashSet<String> {
        self.shell
            .store
            .unconfirmed(user)
            .unwrap()
            .into_iter()
            .map(|e| e.op_id)
            .collect()
    }

    /// Acts and returns the new op id (if the action was queued).
    fn act(&self, user: i64, op: Operation) -> Option<String> {
        let before = self.op_ids(user);
        field::act(&self.shell, op).ok()?;
        self.op_ids(user).difference(&before).next().cloned()
    }

    async fn sync(&self, user: i64) {
        sync_once(&self.shell, user)
            .await
            .expect("sync with the server up");
    }
}

pub async fn offline_sync_converges_under_faults(ctx: Ctx) {
    let mut server = ctx.server();
    let addr = server.addr().to_owned();
    let order = assigned_order(&server).await;
    let login = server.login("acme", "eve").await;
    let user = login.me.user_id;
    let devices: Vec<i64> = order.devices.iter().map(|d| d.id).collect();
    let phone = replica(&server, &login.token, &login.me);
    let tablet = replica(&server, &login.token, &login.me);
    phone.sync(user).await;
    tablet.sync(user).await;
    let mut enqueued = vec![];
    for action in [WorkOrderAction::Accept, WorkOrderAction::Start] {
        let op = Operation::Transition {
            work_order: order.id,
            action,
        };
        enqueued.push(phone.act(user, op).expect("legal"));
    }
    phone.sync(user).await;
    tablet.sync(user).await;

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("sync fault rounds: {} with seed {seed}", rounds());
    let mut rng = Rng(seed);
    let (mut kills, mut duplicates) = (0, 0);
    for round in 0..rounds() {
        for (name, r) in [("phone", &phone), ("tablet", &tablet)] {
            for n in 0..=rng.below(3) {
                let device = devices[rng.below(devices.len() as u64) as usize];
                let op = match rng.below(5) {
                    0 => Operation::Note {
                        work_order: order.id,
                        text: format!("{name} round {round} note {n}"),
                    },
                    1 | 2 => Operation::StepResult {
                        work_order: order.id,
                        device,
                        step: 1,
                        value: json!(rng.below(2) == 0),
                        base_seq: 0,
                    },
                    _ => Operation::StepResult {
                        work_order: order.id,
                        device,
                        step: 2,
                        value: json!(rng.below(11)),
                        base_seq: 0,
                    },
                };
                enqueued.push(r.act(user, op).expect("valid work is queued"));
            }
        }
        match rng.below(3) {
            // The server dies in the middle of a push and comes back.
            0 => {
                kills += 1;
                let shell = phone.shell.clone();
                let push = tokio::spawn(async move { sync_once(&shell, user).await });
                tokio::time::sleep(Duration::from_millis(rng.below(25))).await;
                let dir = server.stop();
                let _ = push.await;
                server = TestServer::serve(&ctx.server_bin, dir, &addr, &[]);
            }
            // The same batch is delivered twice (an answer was lost).
            1 => {
                duplicates += 1;
                let batch: Vec<Envelope> = tablet.shell.store.pending(user, 500).unwrap();
                for _ in 0..2 {
                    server
                        .post_ok("/api/sync/push", &login.token, &json!({ "ops": batch }))
                        .await;
                }
            }
            _ => {}
        }
        let first = if rng.below(2) == 0 { &phone } else { &tablet };
        first.sync(user).await;
    }
    // Both devices sync until each has seen the other's work.
    for _ in 0..2 {
        phone.sync(user).await;
        tablet.sync(user).await;
    }
    println!("sync fault rounds: {kills} server kills, {duplicates} duplicate batches");

    // Nothing lost, nothing twice: the server's log holds every queued
    // operation exactly once, in the order each device queued them.
    let mut log: PullAnswer = server
        .get("/api/sync/pull?after=0", &login.token)
        .await
        .json()
        .await
        .unwrap();
    while log.more {
        let page: PullAnswer = server
            .get(
                &format!("/api/sync/pull?after={}", log.cursor),
                &login.token,
            )
            .await
            .json()
            .await
            .unwrap();
        log.cursor = page.cursor;
        log.more = page.more;
        log.changes.extend(page.changes);
    }
    let applied: Vec<&String> = log.changes.iter().map(|c| &c.op_id).collect();
    let unique: HashSet<&String> = applied.iter().copied().collect();
    assert_eq!(unique.len(), applied.len(), "no operation applied twice");
    for op_id in &enqueued {
        assert!(unique.contains(op_id), "{op_id} reached the server");
    }
    for r in [&phone, &tablet] {
        assert_eq!(r.shell.store.pending_count(user).unwrap(), 0);
        for issue in r.shell.store.issues().unwrap() {
            assert!(
                matches!(issue.problem, Problem::Overwritten { .. }),
                "nothing refused: {issue:?}"
            );
        }
    }

    // Server and both apps agree on every step and every note.
    let ada = server.login("acme", "ada").await.token;
    let held = held_by_server(&server, &ada, order.id).await;
    let values = |v: &WorkOrderView| -> BTreeMap<(i64, i64), Value> {
        v.steps
            .iter()
            .map(|s| ((s.device, s.step), s.value.clone()))
            .collect()
    };
    let notes: Vec<String> = log
        .changes
        .iter()
        .filter_map(|c| match &c.op {
            Operation::Note { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    for r in [&phone, &tablet] {
        let local = field::order(&r.shell, order.id).unwrap();
        assert_eq!(local.pending, 0);
        assert_eq!(values(&local.order), values(&held));
        assert_eq!(local.order.status, held.status);
        let local_notes: Vec<String> = local.notes.iter().map(|n| n.text.clone()).collect();
        assert_eq!(local_notes, notes);
    }
    // Every value replaced by a later write is kept.
    let step_writes = log
        .changes
        .iter()
        .filter(|c| matches!(c.op, Operation::StepResult { .. }))
        .count();
    assert_eq!(
        held.replaced.len(),
        step_writes - held.steps.len(),
        "each overwritten value is in the history"
    );
}
