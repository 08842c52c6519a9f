//! [`FieldStore`] on SQLite (tables from `0005_work_orders.sql`).

use async_trait::async_trait;
use fieldesk_core::apply::plan;
use fieldesk_core::device::{Device, FieldDef};
use fieldesk_core::standard_operation::{Template, TemplateInput, builtin_fields};
use fieldesk_core::sync::{Change, Decision, Envelope, Operation, Outcome};
use fieldesk_core::work_order::{
    Priority, RelatedWorkOrder, StepValue, WorkOrderInput, WorkOrderStatus, WorkOrderView,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, conflict_names};
use crate::clock::now;
use crate::store::field::{Applied, Assignment, FieldStore, Pusher};
use crate::store::json::{from_json, name, parse, to_json};
use crate::store::{StoreError, StoreResult};

fn load(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Option<WorkOrderView>> {
    let row = conn
        .query_row(
            "SELECT number, customer, contact, address, order_type, priority, status, updated_at,
                template_id, division, lon, lat
             FROM work_orders WHERE tenant_id = ?1 AND id = ?2",
            params![tenant_id, id],
            |r| {
                let point = match (r.get::<_, Option<f64>>(10)?, r.get::<_, Option<f64>>(11)?) {
                    (Some(lon), Some(lat)) => Some((lon, lat)),
                    _ => None,
                };
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, Option<i64>>(8)?,
                    ),
                    (r.get::<_, Option<u32>>(9)?, point),
                ))
            },
        )
        .optional()?;
    let Some((
        (number, customer, contact, address, order_type, priority, status, updated_at, template),
        (division, point),
    )) = row
    else {
        return Ok(None);
    };
    let template = template
        .map(|t| load_template(conn, tenant_id, t))
        .transpose()?
        .flatten();
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM work_order_assignees WHERE work_order_id = ?1 ORDER BY rowid",
    )?;
    let assignees = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let mut stmt =
        conn.prepare_cached("SELECT id, fields FROM devices WHERE work_order_id = ?1 ORDER BY id")?;
    let devices = stmt
        .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(|(id, fields)| {
            Ok(Device {
                id,
                fields: from_json(&fields)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, step_id, value, seq FROM step_results WHERE work_order_id = ?1
         ORDER BY device_id, step_id",
    )?;
    let steps = step_values(&mut stmt, id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, step_id, value, replaced_by_seq FROM step_history WHERE work_order_id = ?1
         ORDER BY id",
    )?;
    let replaced = step_values(&mut stmt, id)?;
    let (product_category, lead, target, dispatch, customer_tier) = conn
        .query_row(
            "SELECT product_category, lead_id, target_kind, target_id, dispatch, customer_tier
             FROM work_orders WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .map(|(category, lead, kind, target, dispatch, tier)| {
            (category, lead, kind.zip(target), dispatch, tier)
        })?;
    let target = match target {
        Some((kind, target)) => super::team::target(conn, tenant_id, parse(kind)?, target)?,
        None => None,
    };
    let dispatch = dispatch.map(|d| from_json(&d)).transpose()?;
    Ok(Some(WorkOrderView {
        id,
        number,
        customer,
        contact,
        address,
        order_type,
        priority: parse::<Priority>(priority)?,
        status: parse::<WorkOrderStatus>(status)?,
        division,
        point,
        assignees,
        template,
        devices,
        steps,
        replaced,
        updated_at,
        product_category,
        customer_tier,
        lead,
        target,
        dispatch,
    }))
}

fn load_template(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Option<Template>> {
    let row = conn
        .query_row(
            "SELECT name, steps, scan_field FROM templates WHERE tenant_id = ?1 AND id = ?2",
            params![tenant_id, id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()?;
    row.map(|(name, steps, scan_field)| {
        Ok(Template {
            id,
            name,
            steps: from_json(&steps)?,
            scan_field,
        })
    })
    .transpose()
}

fn step_values(stmt: &mut rusqlite::CachedStatement<'_>, id: i64) -> StoreResult<Vec<StepValue>> {
    stmt.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?
    .collect::<rusqlite::Result<Vec<_>>>()?
    .into_iter()
    .map(|(device, step, value, seq)| {
        Ok(StepValue {
            device,
            step,
            value: from_json(&value)?,
            seq: seq as u64,
        })
    })
    .collect()
}

/// The work-order ids a user may see: all (`None`) or their assignments.
fn visible_ids(conn: &Connection, tenant_id: i64, assignee: Option<i64>) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT w.id FROM work_orders w WHERE w.tenant_id = ?1 AND (?2 IS NULL OR EXISTS
           (SELECT 1 FROM work_order_assignees a WHERE a.work_order_id = w.id AND a.user_id = ?2))
         ORDER BY w.id",
    )?;
    let ids = stmt
        .query_map(params![tenant_id, assignee], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

#[async_trait]
impl FieldStore for SqliteStore {
    async fn create_work_order(
        &self,
        tenant_id: i64,
        input: WorkOrderInput,
    ) -> StoreResult<WorkOrderView> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let t = now();
            let number = input.number.trim().to_owned();
            if let Some(template) = input.template_id
                && load_template(&tx, tenant_id, template)?.is_none()
            {
                return Err(StoreError::NotFound(format!("template {template}")));
            }
            tx.execute(
                "INSERT INTO work_orders (tenant_id, number, customer, contact, address, order_type,
                    priority, status, created_at, updated_at, template_id, division, lon, lat,
                    product_category, customer_tier)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    tenant_id,
                    number,
                    input.customer.trim(),
                    input.contact.trim(),
                    input.address.trim(),
                    input.order_type.trim(),
                    name(&input.priority),
                    name(&WorkOrderStatus::New),
                    t,
                    input.template_id,
                    input.division,
                    input.point.map(|p| p.0),
                    input.point.map(|p| p.1),
                    input.product_category.trim(),
                    input.customer_tier.trim()
                ],
            )
            .map_err(conflict_names(|| format!("work order {number}")))?;
            let id = tx.last_insert_rowid();
            for fields in &input.devices {
                tx.execute(
                    "INSERT INTO devices (tenant_id, work_order_id, fields) VALUES (?1, ?2, ?3)",
                    params![tenant_id, id, to_json(fields)],
                )?;
            }
            let view = load(&tx, tenant_id, id)?.expect("just inserted");
            tx.commit()?;
            Ok(view)
        })
        .await
    }

    async fn work_order(&self, tenant_id: i64, id: i64) -> StoreResult<Option<WorkOrderView>> {
        self.read(move |conn| load(conn, tenant_id, id)).await
    }

    async fn work_orders(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<Vec<WorkOrderView>> {
        self.read(move |conn| {
            visible_ids(conn, tenant_id, assignee)?
                .into_iter()
                .filter_map(|id| load(conn, tenant_id, id).transpose())
                .collect()
        })
        .await
    }

    async fn customer_orders(
        &self,
        tenant_id: i64,
        customer: String,
        limit: usize,
    ) -> StoreResult<Vec<RelatedWorkOrder>> {
        self.read(move |conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT id, number, order_type, status, updated_at FROM work_orders
                     WHERE tenant_id = ?1 AND trim(customer) = trim(?2) COLLATE NOCASE
                     ORDER BY updated_at DESC, id DESC LIMIT ?3",
                )?
                .query_map(params![tenant_id, customer, limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(id, number, order_type, status, updated_at)| {
                    Ok(RelatedWorkOrder {
                        id,
                        number,
                        order_type,
                        status: parse(status)?,
                        updated_at,
                    })
                })
                .collect()
        })
        .await
    }

    async fn update_work_order(&self, tenant_id: i64, view: WorkOrderView) -> StoreResult<()> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE work_orders SET customer = ?3, address = ?4, division = ?5, lon = ?6,
                    lat = ?7, order_type = ?8, product_category = ?9, priority = ?10,
                    updated_at = ?11, customer_tier = ?12
                 WHERE tenant_id = ?1 AND id = ?2",
                params![
                    tenant_id,
                    view.id,
                    view.customer,
                    view.address,
                    view.division,
                    view.point.map(|p| p.0),
                    view.point.map(|p| p.1),
                    view.order_type,
                    view.product_category,
                    name(&view.priority),
                    now(),
                    view.customer_tier
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("work order {}", view.id)));
            }
            Ok(())
        })
        .await
    }

    async fn assign(
        &self,
        tenant_id: i64,
        work_order: i64,
        change: Assignment,
    ) -> StoreResult<Option<Outcome>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            if let Some(record) = &change.dispatch {
                super::dispatch::set_dispatch_in(&tx, tenant_id, work_order, record)?;
            }
            let mut outcome = None;
            if let Some((pusher, envelope)) = change.transition {
                let answer = apply_in(&tx, tenant_id, pusher, envelope)?.outcome;
                if matches!(answer, Outcome::Rejected { .. }) {
                    // Dropping the transaction undoes the dispatch record too.
                    return Ok(Some(answer));
                }
                outcome = Some(answer);
            }
            if let Some((engineers, lead)) = &change.assignees {
                set_assignees_in(&tx, tenant_id, work_order, engineers, *lead)?;
            }
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn apply_op(
        &self,
        tenant_id: i64,
        pusher: Pusher,
        envelope: Envelope,
    ) -> StoreResult<Applied> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let applied = apply_in(&tx, tenant_id, pusher, envelope)?;
            tx.commit()?;
            Ok(applied)
        })
        .await
    }

    async fn changes_after(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
        cursor: u64,
        limit: u32,
    ) -> StoreResult<Vec<Change>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.seq, c.op_id, c.op FROM sync_changes c
                 WHERE c.tenant_id = ?1 AND c.seq > ?3 AND (?2 IS NULL OR EXISTS
                   (SELECT 1 FROM work_order_assignees a WHERE a.work_order_id = c.work_order_id AND a.user_id = ?2))
                 ORDER BY c.seq LIMIT ?4",
            )?;
            let rows = stmt
                .query_map(params![tenant_id, assignee, cursor as i64, limit], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(seq, op_id, op)| Ok(Change { seq: seq as u64, op_id, op: from_json(&op)? }))
                .collect()
        })
        .await
    }

    async fn put_photo(
        &self,
        tenant_id: i64,
        id: String,
        content_type: &'static str,
        bytes: Vec<u8>,
        user_id: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT OR IGNORE INTO photos (tenant_id, id, content_type, bytes, uploaded_by, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![tenant_id, id, content_type, bytes, user_id, now()],
            )?;
            Ok(())
        })
        .await
    }

    async fn photo_usage(&self, tenant_id: i64, id: String) -> StoreResult<(u64, bool)> {
        self.read(move |conn| {
            let (total, has): (i64, bool) = conn.query_row(
                "SELECT COALESCE(SUM(length(bytes)), 0), EXISTS (SELECT 1 FROM photos WHERE tenant_id = ?1 AND id = ?2)
                 FROM photos WHERE tenant_id = ?1",
                params![tenant_id, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((total.unsigned_abs(), has))
        })
        .await
    }

    async fn photo(&self, tenant_id: i64, id: String) -> StoreResult<Option<(String, Vec<u8>)>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT content_type, bytes FROM photos WHERE tenant_id = ?1 AND id = ?2",
                    params![tenant_id, id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn last_change(&self, tenant_id: i64) -> StoreResult<u64> {
        self.read(move |conn| {
            let seq: Option<i64> = conn.query_row(
                "SELECT MAX(seq) FROM sync_changes WHERE tenant_id = ?1",
                [tenant_id],
                |r| r.get(0),
            )?;
            Ok(seq.unwrap_or(0) as u64)
        })
        .await
    }

    async fn device_fields(&self, tenant_id: i64) -> StoreResult<Vec<FieldDef>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, field_type FROM device_fields WHERE tenant_id = ?1 ORDER BY position",
            )?;
            let rows = stmt
                .query_map([tenant_id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut fields = builtin_fields();
            for (key, field_type) in rows {
                fields.push(FieldDef {
                    key,
                    field_type: from_json(&field_type)?,
                });
            }
            Ok(fields)
        })
        .await
    }

    async fn set_device_fields(&self, tenant_id: i64, custom: Vec<FieldDef>) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM device_fields WHERE tenant_id = ?1", [tenant_id])?;
            for (i, field) in custom.iter().enumerate() {
                tx.execute(
                    "INSERT INTO device_fields (tenant_id, key, field_type, position) VALUES (?1, ?2, ?3, ?4)",
                    params![tenant_id, field.key, to_json(&field.field_type), i as i64],
                )
                .map_err(conflict_names(|| format!("device field {}", field.key)))?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn templates(&self, tenant_id: i64) -> StoreResult<Vec<Template>> {
        self.read(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id FROM templates WHERE tenant_id = ?1 ORDER BY name")?;
            let ids = stmt
                .query_map([tenant_id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            ids.into_iter()
                .filter_map(|id| load_template(conn, tenant_id, id).transpose())
                .collect()
        })
        .await
    }

    async fn save_template(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: TemplateInput,
    ) -> StoreResult<Template> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let name = input.name.trim().to_owned();
            let steps = to_json(&input.steps);
            let id = match id {
                Some(id) => {
                    let changed = tx
                        .execute(
                            "UPDATE templates SET name = ?3, steps = ?4, scan_field = ?5
                             WHERE tenant_id = ?1 AND id = ?2",
                            params![tenant_id, id, name, steps, input.scan_field],
                        )
                        .map_err(conflict_names(|| format!("template {name}")))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("template {id}")));
                    }
                    id
                }
                None => {
                    tx.execute(
                        "INSERT INTO templates (tenant_id, name, steps, scan_field) VALUES (?1, ?2, ?3, ?4)",
                        params![tenant_id, name, steps, input.scan_field],
                    )
                    .map_err(conflict_names(|| format!("template {name}")))?;
                    tx.last_insert_rowid()
                }
            };
            let template = load_template(&tx, tenant_id, id)?.expect("just saved");
            tx.commit()?;
            Ok(template)
        })
        .await
    }

    async fn statuses(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<Vec<(i64, WorkOrderStatus)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT w.id, w.status FROM work_orders w WHERE w.tenant_id = ?1 AND (?2 IS NULL OR EXISTS
                   (SELECT 1 FROM work_order_assignees a WHERE a.work_order_id = w.id AND a.user_id = ?2))
                 ORDER BY w.id",
            )?;
            let rows = stmt
                .query_map(params![tenant_id, assignee], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(|(id, s)| Ok((id, parse(s)?))).collect()
        })
        .await
    }
}

/// Applies `envelope` once within `tx`: a known op id answers its first
/// outcome; the decision is `core::apply::plan`'s, on the order loaded once.
fn apply_in(
    tx: &rusqlite::Transaction<'_>,
    tenant_id: i64,
    pusher: Pusher,
    envelope: Envelope,
) -> StoreResult<Applied> {
    let known: Option<String> = tx
        .query_row(
            "SELECT outcome FROM sync_ops WHERE tenant_id = ?1 AND user_id = ?2 AND op_id = ?3",
            params![tenant_id, pusher.user_id, envelope.op_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(outcome) = known {
        return Ok(Applied {
            outcome: from_json(&outcome)?,
            engineers: vec![],
        });
    }
    let work_order = envelope.op.work_order();
    let order = load(tx, tenant_id, work_order)?;
    let photo_stored = match order.as_ref().and_then(|o| o.photo_named(&envelope.op)) {
        Some(photo) => tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM photos WHERE tenant_id = ?1 AND id = ?2)",
            params![tenant_id, photo],
            |r| r.get(0),
        )?,
        None => false,
    };
    let decision = plan(order.as_ref(), pusher, &envelope.op, photo_stored);
    let outcome = if let Decision::Reject(_) = decision {
        decision.outcome(0)
    } else {
        tx.execute(
            "INSERT INTO sync_changes (tenant_id, work_order_id, op_id, user_id, op, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                tenant_id,
                work_order,
                envelope.op_id,
                pusher.user_id,
                to_json(&envelope.op),
                now()
            ],
        )?;
        let seq = tx.last_insert_rowid();
        match (&decision, &envelope.op) {
            (Decision::SetStatus(next), _) => {
                tx.execute(
                    "UPDATE work_orders SET status = ?2, updated_at = ?3 WHERE id = ?1",
                    params![work_order, name(next), now()],
                )?;
            }
            (
                Decision::SetStep { replaced, .. },
                Operation::StepResult {
                    device,
                    step,
                    value,
                    ..
                },
            ) => {
                if let Some(previous) = replaced {
                    tx.execute(
                        "INSERT INTO step_history (work_order_id, device_id, step_id, value, replaced_by_seq)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![work_order, device, step, to_json(previous), seq],
                    )?;
                }
                tx.execute(
                    "INSERT INTO step_results (work_order_id, device_id, step_id, value, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (work_order_id, device_id, step_id) DO UPDATE SET value = ?4, seq = ?5",
                    params![work_order, device, step, to_json(value), seq],
                )?;
                tx.execute(
                    "UPDATE work_orders SET updated_at = ?2 WHERE id = ?1",
                    params![work_order, now()],
                )?;
            }
            _ => {}
        }
        decision.outcome(seq as u64)
    };
    tx.execute(
        "INSERT INTO sync_ops (tenant_id, op_id, user_id, outcome) VALUES (?1, ?2, ?3, ?4)",
        params![tenant_id, envelope.op_id, pusher.user_id, to_json(&outcome)],
    )?;
    let engineers = match (&outcome, order) {
        (Outcome::Rejected { .. }, _) | (_, None) => vec![],
        (_, Some(order)) => order.assignees,
    };
    Ok(Applied { outcome, engineers })
}

/// Replaces the engineers and lead of an order within `tx`.
fn set_assignees_in(
    tx: &rusqlite::Transaction<'_>,
    tenant_id: i64,
    id: i64,
    engineers: &[i64],
    lead: Option<i64>,
) -> StoreResult<()> {
    let found = tx.execute(
        "UPDATE work_orders SET lead_id = ?3 WHERE tenant_id = ?1 AND id = ?2",
        params![tenant_id, id, lead],
    )?;
    if found == 0 {
        return Err(StoreError::NotFound(format!("work order {id}")));
    }
    tx.execute(
        "DELETE FROM work_order_assignees WHERE work_order_id = ?1",
        [id],
    )?;
    for user in engineers {
        tx.execute(
            "INSERT OR IGNORE INTO work_order_assignees (work_order_id, user_id) VALUES (?1, ?2)",
            params![id, user],
        )?;
    }
    Ok(())
}
