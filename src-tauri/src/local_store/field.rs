//! The engineer's offline data in the app's SQLite store: the work orders
//! as the server last sent them, the pulled change log (notes come from
//! it), the outbox, and the sync error list. Every local action is one
//! transaction, so a crash loses nothing that was confirmed on screen.

use fieldesk_core::device::FieldDef;
use fieldesk_core::offline::{Problem, SyncIssue};
use fieldesk_core::sync::{Change, Envelope, Operation, Outcome, PushAnswer};
use fieldesk_core::work_order::WorkOrderView;
use rusqlite::{OptionalExtension, params};

use super::{LocalStore, put_setting};
use crate::error::AppResult;

/// Migration 2 of the app's store.
pub const MIGRATION: &str = "
CREATE TABLE field_orders (
    id    INTEGER PRIMARY KEY,
    view  TEXT NOT NULL
);
CREATE TABLE field_changes (
    seq         INTEGER PRIMARY KEY,
    work_order  INTEGER NOT NULL,
    op          TEXT NOT NULL
);
CREATE INDEX field_changes_by_order ON field_changes (work_order, seq);
-- state: 'pending' (not yet answered) or 'acked' (applied; shown until the
-- next refresh of the work orders carries it).
CREATE TABLE outbox (
    n           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    work_order  INTEGER NOT NULL,
    op_id       TEXT NOT NULL UNIQUE,
    op          TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_by_order ON outbox (user_id, work_order, n);
-- Photos and signatures taken on this device, uploaded before the step
-- results that name them are pushed.
CREATE TABLE photos (
    id            TEXT PRIMARY KEY,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    uploaded      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sync_issues (
    op_id       TEXT PRIMARY KEY,
    op          TEXT NOT NULL,
    problem     TEXT NOT NULL,
    at          INTEGER NOT NULL
);
";

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl LocalStore {
    /// Makes the field data belong to `user_id`: another user's cached
    /// work orders, changes and issues go (their outbox stays, kept for
    /// them and never pushed with someone else's session).
    pub fn claim_field_data(&self, user_id: i64) -> AppResult<()> {
        let owner = self.get("field_owner")?;
        if owner.as_deref() == Some(user_id.to_string().as_str()) {
            return Ok(());
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute_batch(
                "DELETE FROM field_orders; DELETE FROM field_changes; DELETE FROM sync_issues;
                 DELETE FROM settings WHERE key IN ('sync_cursor', 'last_sync', 'device_fields');",
            )?;
            put_setting(&tx, "field_owner", &user_id.to_string())?;
            tx.commit()
        })
    }

    /// Replaces the cached work orders with the server's list and drops
    /// the outbox entries that list already carries.
    pub fn save_orders(&self, user_id: i64, orders: &[WorkOrderView]) -> AppResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM field_orders", [])?;
            {
                let mut insert =
                    tx.prepare_cached("INSERT INTO field_orders (id, view) VALUES (?1, ?2)")?;
                for order in orders {
                    insert.execute(params![order.id, to_json(order)])?;
                }
            }
            tx.execute(
                "DELETE FROM outbox WHERE user_id = ?1 AND state = 'acked'",
                [user_id],
            )?;
            tx.commit()
        })
    }

    pub fn orders(&self) -> AppResult<Vec<WorkOrderView>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached("SELECT view FROM field_orders ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| from_json(&r?)).collect()
        })
    }

    pub fn order(&self, id: i64) -> AppResult<Option<WorkOrderView>> {
        self.with(|conn| {
            conn.query_row("SELECT view FROM field_orders WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|v| from_json(&v))
            .transpose()
        })
    }

    /// Keeps pulled changes and moves the cursor, in one transaction.
    pub fn add_changes(&self, changes: &[Change], cursor: u64) -> AppResult<()> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO field_changes (seq, work_order, op) VALUES (?1, ?2, ?3)",
                )?;
                for change in changes {
                    insert.execute(params![
                        change.seq as i64,
                        change.op.work_order(),
                        to_json(&change.op)
                    ])?;
                }
            }
            put_setting(&tx, "sync_cursor", &cursor.to_string())?;
            tx.commit()
        })
    }

    /// The last change seq pulled.
    pub fn cursor(&self) -> AppResult<u64> {
        Ok(self
            .get("sync_cursor")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// The notes of a work order that the server has, oldest first.
    pub fn notes(&self, work_order: i64) -> AppResult<Vec<String>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT op FROM field_changes WHERE work_order = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([work_order], |r| r.get::<_, String>(0))?;
            let mut notes = vec![];
            for row in rows {
                if let Operation::Note { text, .. } = from_json(&row?)? {
                    notes.push(text);
                }
            }
            Ok(notes)
        })
    }

    /// Appends a local action to the outbox.
    pub fn enqueue(&self, user_id: i64, envelope: &Envelope) -> AppResult<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO outbox (user_id, work_order, op_id, op, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    user_id,
                    envelope.op.work_order(),
                    envelope.op_id,
                    to_json(&envelope.op),
                    now()
                ],
            )
            .map(|_| ())
        })
    }

    /// The user's operations not yet in the cached work orders (pending
    /// and applied-but-not-refreshed), oldest first.
    pub fn unconfirmed(&self, user_id: i64) -> AppResult<Vec<Envelope>> {
        self.outbox(user_id, "state IN ('pending', 'acked')", u32::MAX)
    }

    /// [`LocalStore::unconfirmed`] of one work order.
    pub fn unconfirmed_for(&self, user_id: i64, work_order: i64) -> AppResult<Vec<Envelope>> {
        let filter = format!("work_order = {work_order} AND state IN ('pending', 'acked')");
        self.outbox(user_id, &filter, u32::MAX)
    }

    /// The next operations to push, oldest first.
    pub fn pending(&self, user_id: i64, max: u32) -> AppResult<Vec<Envelope>> {
        self.outbox(user_id, "state = 'pending'", max)
    }

    fn outbox(&self, user_id: i64, filter: &str, max: u32) -> AppResult<Vec<Envelope>> {
        let sql = format!(
            "SELECT op_id, op FROM outbox WHERE user_id = ?1 AND {filter} ORDER BY n LIMIT ?2"
        );
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![user_id, max], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            rows.map(|r| {
                let (op_id, op) = r?;
                Ok(Envelope {
                    op_id,
                    op: from_json(&op)?,
                })
            })
            .collect()
        })
    }

    pub fn pending_count(&self, user_id: i64) -> AppResult<usize> {
        self.with(|conn| {
            conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE user_id = ?1 AND state = 'pending'",
                [user_id],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n as usize)
    }

    /// Files the server's answers: applied entries wait for the next
    /// refresh; refused ones move to the sync error list; values applied
    /// over unseen ones are listed too. One transaction.
    pub fn acknowledge(&self, answers: &[PushAnswer]) -> AppResult<()> {
        let at = now();
        self.with(|conn| {
            let tx = conn.transaction()?;
            for answer in answers {
                let op: Option<String> = tx
                    .query_row(
                        "SELECT op FROM outbox WHERE op_id = ?1",
                        [&answer.op_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(op) = op else {
                    continue; // answered before
                };
                let problem = match &answer.outcome {
                    Outcome::Applied { .. } => None,
                    // Over this app's own earlier edit of the step (queued
                    // before it knew that edit's seq): not a conflict.
                    Outcome::AppliedOver { previous, .. }
                        if own_earlier_value(&tx, &answer.op_id, &op, previous)? =>
                    {
                        None
                    }
                    Outcome::AppliedOver { previous, .. } => Some(Problem::Overwritten {
                        previous: previous.clone(),
                    }),
                    Outcome::Rejected { reason } => Some(Problem::Rejected { reason: *reason }),
                };
                if let Some(problem) = &problem {
                    tx.execute(
                        "INSERT OR REPLACE INTO sync_issues (op_id, op, problem, at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![answer.op_id, op, to_json(problem), at],
                    )?;
                }
                if matches!(problem, Some(Problem::Rejected { .. })) {
                    tx.execute("DELETE FROM outbox WHERE op_id = ?1", [&answer.op_id])?;
                } else {
                    tx.execute(
                        "UPDATE outbox SET state = 'acked' WHERE op_id = ?1",
                        [&answer.op_id],
                    )?;
                }
            }
            tx.commit()
        })
    }

    pub fn issues(&self) -> AppResult<Vec<SyncIssue>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT op_id, op, problem, at FROM sync_issues ORDER BY at DESC, op_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            rows.map(|r| {
                let (op_id, op, problem, at) = r?;
                Ok(SyncIssue {
                    op_id,
                    op: from_json(&op)?,
                    problem: from_json(&problem)?,
                    at,
                })
            })
            .collect()
        })
    }

    /// The engineer has read an issue.
    pub fn dismiss_issue(&self, op_id: &str) -> AppResult<()> {
        self.with(|conn| {
            conn.execute("DELETE FROM sync_issues WHERE op_id = ?1", [op_id])
                .map(|_| ())
        })
    }

    /// Keeps a photo taken here (its id is the SHA-256 of its bytes).
    pub fn put_photo(&self, id: &str, content_type: &str, bytes: &[u8]) -> AppResult<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO photos (id, content_type, bytes) VALUES (?1, ?2, ?3)",
                params![id, content_type, bytes],
            )
            .map(|_| ())
        })
    }

    /// Keeps a photo that is on the server already (a mall item's).
    pub fn keep_server_photo(&self, id: &str, content_type: &str, bytes: &[u8]) -> AppResult<()> {
        self.with(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO photos (id, content_type, bytes, uploaded) VALUES (?1, ?2, ?3, 1)",
                params![id, content_type, bytes],
            )
            .map(|_| ())
        })
    }

    pub fn photo(&self, id: &str) -> AppResult<Option<(String, Vec<u8>)>> {
        self.with(|conn| {
            conn.query_row(
                "SELECT content_type, bytes FROM photos WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    /// Photos not yet on the server.
    pub fn photos_to_upload(&self) -> AppResult<Vec<String>> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id FROM photos WHERE uploaded = 0")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    pub fn photo_uploaded(&self, id: &str) -> AppResult<()> {
        self.with(|conn| {
            conn.execute("UPDATE photos SET uploaded = 1 WHERE id = ?1", [id])
                .map(|_| ())
        })
    }

    pub fn device_fields(&self) -> AppResult<Vec<FieldDef>> {
        Ok(self
            .get("device_fields")?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub fn set_device_fields(&self, fields: &[FieldDef]) -> AppResult<()> {
        self.set("device_fields", &to_json(&fields))
    }

    pub fn last_sync(&self) -> AppResult<Option<i64>> {
        Ok(self.get("last_sync")?.and_then(|t| t.parse().ok()))
    }

    pub fn set_last_sync(&self, at: i64) -> AppResult<()> {
        self.set("last_sync", &at.to_string())
    }
}

/// Whether `previous` is the value an earlier entry of this outbox wrote
/// to the same step as the entry `op_id` (whose operation is `op`).
fn own_earlier_value(
    tx: &rusqlite::Transaction<'_>,
    op_id: &str,
    op: &str,
    previous: &serde_json::Value,
) -> rusqlite::Result<bool> {
    let Operation::StepResult {
        work_order,
        device,
        step,
        ..
    } = from_json(op)?
    else {
        return Ok(false);
    };
    let mut stmt = tx.prepare_cached(
        "SELECT op FROM outbox WHERE n < (SELECT n FROM outbox WHERE op_id = ?1) ORDER BY n DESC",
    )?;
    let rows = stmt.query_map([op_id], |r| r.get::<_, String>(0))?;
    for row in rows {
        if let Operation::StepResult {
            work_order: w,
            device: d,
            step: s,
            value,
            ..
        } = from_json(&row?)?
            && (w, d, s) == (work_order, device, step)
        {
            return Ok(&value == previous);
        }
    }
    Ok(false)
}

/// Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldesk_core::sync::RejectReason;
    use fieldesk_core::work_order::WorkOrderAction;

    fn note(n: u32) -> Envelope {
        Envelope {
            op_id: format!("op-{n}"),
            op: Operation::Note {
                work_order: 1,
                text: format!("note {n}"),
            },
        }
    }

    #[test]
    fn the_outbox_survives_reopening_and_answers_file_each_entry_once() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = LocalStore::open(dir.path()).unwrap();
            store.claim_field_data(3).unwrap();
            for n in 1..=3 {
                store.enqueue(3, &note(n)).unwrap();
            }
            store
                .enqueue(
                    4,
                    &Envelope {
                        op_id: "other-user".into(),
                        op: Operation::Transition {
                            work_order: 1,
                            action: WorkOrderAction::Accept,
                        },
                    },
                )
                .unwrap();
        }
        // As after a crash or restart: everything is still queued.
        let store = LocalStore::open(dir.path()).unwrap();
        assert_eq!(store.pending_count(3).unwrap(), 3);
        assert_eq!(store.pending(3, 2).unwrap(), vec![note(1), note(2)]);
        let answers = vec![
            PushAnswer {
                op_id: "op-1".into(),
                outcome: Outcome::Applied { seq: 10 },
            },
            PushAnswer {
                op_id: "op-2".into(),
                outcome: Outcome::Rejected {
                    reason: RejectReason::NotAllowed,
                },
            },
        ];
        store.acknowledge(&answers).unwrap();
        // The same answers again (a retried push) change nothing.
        store.acknowledge(&answers).unwrap();
        assert_eq!(store.pending_count(3).unwrap(), 1);
        assert_eq!(store.unconfirmed(3).unwrap(), vec![note(1), note(3)]);
        let issues = store.issues().unwrap();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].op, note(2).op);
        assert_eq!(
            issues[0].problem,
            Problem::Rejected {
                reason: RejectReason::NotAllowed
            }
        );
        // A refresh carries the applied one; the pending one stays.
        store.save_orders(3, &[]).unwrap();
        assert_eq!(store.unconfirmed(3).unwrap(), vec![note(3)]);
        // Another user's entry was never touched.
        assert_eq!(store.pending_count(4).unwrap(), 1);
        store.claim_field_data(4).unwrap();
        assert!(store.issues().unwrap().is_empty());
        assert_eq!(store.pending_count(3).unwrap(), 1);
    }

    #[test]
    fn overwriting_this_apps_own_queued_edit_is_no_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let edit = |n: u32, value: i64| Envelope {
            op_id: format!("s-{n}"),
            op: Operation::StepResult {
                work_order: 1,
                device: 2,
                step: 3,
                value: serde_json::json!(value),
                base_seq: 0,
            },
        };
        for (n, v) in [(1, 10), (2, 20), (3, 30)] {
            store.enqueue(5, &edit(n, v)).unwrap();
        }
        let over = |n: u32, previous: i64| PushAnswer {
            op_id: format!("s-{n}"),
            outcome: Outcome::AppliedOver {
                seq: u64::from(n),
                previous: serde_json::json!(previous),
            },
        };
        store
            .acknowledge(&[
                // Over someone else's value: listed.
                over(1, 7),
                // Over this app's own s-1: not a conflict.
                over(2, 10),
                // Over a value this app did not write last: listed.
                over(3, 99),
            ])
            .unwrap();
        let listed: Vec<String> = store
            .issues()
            .unwrap()
            .into_iter()
            .map(|i| i.op_id)
            .collect();
        assert_eq!(listed, vec!["s-1", "s-3"]);
        assert_eq!(store.pending_count(5).unwrap(), 0);
    }
}
