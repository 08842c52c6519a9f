//! [`FieldStore`] on PostgreSQL (tables from `0005_field_dispatch.sql`).
//! An operation locks its work order's row first, so operations on one
//! order (and retries of one op id) are applied one after the other; the
//! sync log is numbered per tenant in commit order (`sync_heads`).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::apply::plan;
use fieldesk_core::device::{Device, FieldDef};
use fieldesk_core::standard_operation::{Template, TemplateInput, builtin_fields};
use fieldesk_core::sync::{Change, Decision, Envelope, Operation, Outcome};
use fieldesk_core::work_order::{
    Priority, RelatedWorkOrder, StepValue, WorkOrderInput, WorkOrderStatus, WorkOrderView,
};

use super::dispatch::set_dispatch_in;
use super::team::target;
use super::{PgStore, conflict_names};
use crate::clock::now;
use crate::store::field::{Applied, Assignment, FieldStore, Pusher};
use crate::store::json::{from_json, name, parse, to_json};
use crate::store::{StoreError, StoreResult};

/// A division code as stored (BIGINT) and back.
fn division_out(code: Option<u32>) -> Option<i64> {
    code.map(i64::from)
}

fn division_in(stored: Option<i64>) -> Option<u32> {
    stored.and_then(|c| u32::try_from(c).ok())
}

async fn load(
    db: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<Option<WorkOrderView>> {
    let Some(r) = db
        .query_opt(
            "SELECT number, customer, contact, address, order_type, priority, status, updated_at,
                template_id, division, lon, lat, product_category, lead_id, target_kind,
                target_id, dispatch, customer_tier
             FROM work_orders WHERE tenant_id = $1 AND id = $2",
            &[&tenant_id, &id],
        )
        .await?
    else {
        return Ok(None);
    };
    let point = match (r.get::<_, Option<f64>>(10), r.get::<_, Option<f64>>(11)) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        _ => None,
    };
    let template = match r.get::<_, Option<i64>>(8) {
        Some(t) => load_template(db, tenant_id, t).await?,
        None => None,
    };
    let assignees: Vec<i64> = db
        .query(
            "SELECT user_id FROM work_order_assignees WHERE work_order_id = $1 ORDER BY position",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let devices = db
        .query(
            "SELECT id, fields FROM devices WHERE work_order_id = $1 ORDER BY id",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Device {
                id: r.get(0),
                fields: from_json(r.get(1))?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let steps = step_values(
        db,
        "SELECT device_id, step_id, value, seq FROM step_results WHERE work_order_id = $1
         ORDER BY device_id, step_id",
        id,
    )
    .await?;
    let replaced = step_values(
        db,
        "SELECT device_id, step_id, value, replaced_by_seq FROM step_history
         WHERE work_order_id = $1 ORDER BY id",
        id,
    )
    .await?;
    let target = match (r.get::<_, Option<String>>(14), r.get::<_, Option<i64>>(15)) {
        (Some(kind), Some(target_id)) => target(db, tenant_id, parse(kind)?, target_id).await?,
        _ => None,
    };
    let dispatch = r.get::<_, Option<&str>>(16).map(from_json).transpose()?;
    Ok(Some(WorkOrderView {
        id,
        number: r.get(0),
        customer: r.get(1),
        contact: r.get(2),
        address: r.get(3),
        order_type: r.get(4),
        priority: parse::<Priority>(r.get(5))?,
        status: parse::<WorkOrderStatus>(r.get(6))?,
        division: division_in(r.get(9)),
        point,
        assignees,
        template,
        devices,
        steps,
        replaced,
        updated_at: r.get(7),
        product_category: r.get(12),
        customer_tier: r.get(17),
        lead: r.get(13),
        target,
        dispatch,
    }))
}

async fn load_template(
    db: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<Option<Template>> {
    db.query_opt(
        "SELECT name, steps, scan_field FROM templates WHERE tenant_id = $1 AND id = $2",
        &[&tenant_id, &id],
    )
    .await?
    .map(|r| {
        Ok(Template {
            id,
            name: r.get(0),
            steps: from_json(r.get(1))?,
            scan_field: r.get(2),
        })
    })
    .transpose()
}

async fn step_values(db: &impl GenericClient, sql: &str, id: i64) -> StoreResult<Vec<StepValue>> {
    db.query(sql, &[&id])
        .await?
        .iter()
        .map(|r| {
            Ok(StepValue {
                device: r.get(0),
                step: r.get(1),
                value: from_json(r.get(2))?,
                seq: r.get::<_, i64>(3).unsigned_abs(),
            })
        })
        .collect()
}

/// `assignee`'s orders only (`None`: all of the tenant's).
const VISIBLE: &str = "w.tenant_id = $1 AND ($2::BIGINT IS NULL OR EXISTS
    (SELECT 1 FROM work_order_assignees a WHERE a.work_order_id = w.id AND a.user_id = $2))";

#[async_trait]
impl FieldStore for PgStore {
    async fn create_work_order(
        &self,
        tenant_id: i64,
        input: WorkOrderInput,
    ) -> StoreResult<WorkOrderView> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let t = now();
        let number = input.number.trim().to_owned();
        if let Some(template) = input.template_id
            && load_template(&tx, tenant_id, template).await?.is_none()
        {
            return Err(StoreError::NotFound(format!("template {template}")));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO work_orders (tenant_id, number, customer, contact, address, order_type,
                    priority, status, created_at, updated_at, template_id, division, lon, lat,
                    product_category, customer_tier)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15)
                 RETURNING id",
                &[
                    &tenant_id,
                    &number,
                    &input.customer.trim(),
                    &input.contact.trim(),
                    &input.address.trim(),
                    &input.order_type.trim(),
                    &name(&input.priority),
                    &name(&WorkOrderStatus::New),
                    &t,
                    &input.template_id,
                    &division_out(input.division),
                    &input.point.map(|p| p.0),
                    &input.point.map(|p| p.1),
                    &input.product_category.trim(),
                    &input.customer_tier.trim(),
                ],
            )
            .await
            .map_err(conflict_names(|| format!("work order {number}")))?
            .get(0);
        for fields in &input.devices {
            tx.execute(
                "INSERT INTO devices (tenant_id, work_order_id, fields) VALUES ($1, $2, $3)",
                &[&tenant_id, &id, &to_json(fields)],
            )
            .await?;
        }
        let view = load(&tx, tenant_id, id).await?.expect("just inserted");
        tx.commit().await?;
        Ok(view)
    }

    async fn work_order(&self, tenant_id: i64, id: i64) -> StoreResult<Option<WorkOrderView>> {
        let db = self.client().await?;
        load(&db, tenant_id, id).await
    }

    async fn work_orders(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<Vec<WorkOrderView>> {
        let db = self.client().await?;
        let ids: Vec<i64> = db
            .query(
                &format!("SELECT w.id FROM work_orders w WHERE {VISIBLE} ORDER BY w.id"),
                &[&tenant_id, &assignee],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(order) = load(&db, tenant_id, id).await? {
                out.push(order);
            }
        }
        Ok(out)
    }

    async fn customer_orders(
        &self,
        tenant_id: i64,
        customer: String,
        limit: usize,
    ) -> StoreResult<Vec<RelatedWorkOrder>> {
        let db = self.client().await?;
        db.query(
            "SELECT id, number, order_type, status, updated_at FROM work_orders
             WHERE tenant_id = $1 AND lower(trim(customer)) = lower(trim($2))
             ORDER BY updated_at DESC, id DESC LIMIT $3",
            &[&tenant_id, &customer, &(limit as i64)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(RelatedWorkOrder {
                id: r.get(0),
                number: r.get(1),
                order_type: r.get(2),
                status: parse(r.get(3))?,
                updated_at: r.get(4),
            })
        })
        .collect()
    }

    async fn update_work_order(&self, tenant_id: i64, view: WorkOrderView) -> StoreResult<()> {
        let db = self.client().await?;
        let changed = db
            .execute(
                "UPDATE work_orders SET customer = $3, address = $4, division = $5, lon = $6,
                    lat = $7, order_type = $8, product_category = $9, priority = $10,
                    updated_at = $11, customer_tier = $12
                 WHERE tenant_id = $1 AND id = $2",
                &[
                    &tenant_id,
                    &view.id,
                    &view.customer,
                    &view.address,
                    &division_out(view.division),
                    &view.point.map(|p| p.0),
                    &view.point.map(|p| p.1),
                    &view.order_type,
                    &view.product_category,
                    &name(&view.priority),
                    &now(),
                    &view.customer_tier,
                ],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("work order {}", view.id)));
        }
        Ok(())
    }

    async fn assign(
        &self,
        tenant_id: i64,
        work_order: i64,
        change: Assignment,
    ) -> StoreResult<Option<Outcome>> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        lock_order(&tx, tenant_id, work_order).await?;
        if let Some(record) = &change.dispatch {
            set_dispatch_in(&tx, tenant_id, work_order, record).await?;
        }
        let mut outcome = None;
        if let Some((pusher, envelope)) = change.transition {
            let answer = apply_in(&tx, tenant_id, pusher, envelope).await?.outcome;
            if matches!(answer, Outcome::Rejected { .. }) {
                // Dropping the transaction undoes the dispatch record too.
                return Ok(Some(answer));
            }
            outcome = Some(answer);
        }
        if let Some((engineers, lead)) = &change.assignees {
            set_assignees_in(&tx, tenant_id, work_order, engineers, *lead).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn apply_op(
        &self,
        tenant_id: i64,
        pusher: Pusher,
        envelope: Envelope,
    ) -> StoreResult<Applied> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        lock_order(&tx, tenant_id, envelope.op.work_order()).await?;
        let applied = apply_in(&tx, tenant_id, pusher, envelope).await?;
        tx.commit().await?;
        Ok(applied)
    }

    async fn changes_after(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
        cursor: u64,
        limit: u32,
    ) -> StoreResult<Vec<Change>> {
        let db = self.client().await?;
        db.query(
            "SELECT c.seq, c.op_id, c.op FROM sync_changes c
             WHERE c.tenant_id = $1 AND c.seq > $3 AND ($2::BIGINT IS NULL OR EXISTS
               (SELECT 1 FROM work_order_assignees a WHERE a.work_order_id = c.work_order_id AND a.user_id = $2))
             ORDER BY c.seq LIMIT $4",
            &[
                &tenant_id,
                &assignee,
                &i64::try_from(cursor).unwrap_or(i64::MAX),
                &i64::from(limit),
            ],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Change {
                seq: r.get::<_, i64>(0).unsigned_abs(),
                op_id: r.get(1),
                op: from_json(r.get(2))?,
            })
        })
        .collect()
    }

    async fn put_photo(
        &self,
        tenant_id: i64,
        id: String,
        content_type: &'static str,
        bytes: Vec<u8>,
        user_id: i64,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO photos (tenant_id, id, content_type, bytes, uploaded_by, at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[&tenant_id, &id, &content_type, &bytes, &user_id, &now()],
        )
        .await?;
        Ok(())
    }

    async fn photo_usage(&self, tenant_id: i64, id: String) -> StoreResult<(u64, bool)> {
        let db = self.client().await?;
        let r = db
            .query_one(
                "SELECT COALESCE(SUM(octet_length(bytes)), 0)::BIGINT,
                        EXISTS (SELECT 1 FROM photos WHERE tenant_id = $1 AND id = $2)
                 FROM photos WHERE tenant_id = $1",
                &[&tenant_id, &id],
            )
            .await?;
        Ok((r.get::<_, i64>(0).unsigned_abs(), r.get(1)))
    }

    async fn photo(&self, tenant_id: i64, id: String) -> StoreResult<Option<(String, Vec<u8>)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT content_type, bytes FROM photos WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &id],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn last_change(&self, tenant_id: i64) -> StoreResult<u64> {
        let db = self.client().await?;
        let seq: Option<i64> = db
            .query_one(
                "SELECT MAX(seq) FROM sync_changes WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?
            .get(0);
        Ok(seq.unwrap_or(0).unsigned_abs())
    }

    async fn device_fields(&self, tenant_id: i64) -> StoreResult<Vec<FieldDef>> {
        let db = self.client().await?;
        let rows = db
            .query(
                "SELECT key, field_type FROM device_fields WHERE tenant_id = $1 ORDER BY position",
                &[&tenant_id],
            )
            .await?;
        let mut fields = builtin_fields();
        for r in rows {
            fields.push(FieldDef {
                key: r.get(0),
                field_type: from_json(r.get(1))?,
            });
        }
        Ok(fields)
    }

    async fn set_device_fields(&self, tenant_id: i64, custom: Vec<FieldDef>) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        tx.execute(
            "DELETE FROM device_fields WHERE tenant_id = $1",
            &[&tenant_id],
        )
        .await?;
        for (i, field) in custom.iter().enumerate() {
            tx.execute(
                "INSERT INTO device_fields (tenant_id, key, field_type, position) VALUES ($1, $2, $3, $4)",
                &[&tenant_id, &field.key, &to_json(&field.field_type), &(i as i64)],
            )
            .await
            .map_err(conflict_names(|| format!("device field {}", field.key)))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn templates(&self, tenant_id: i64) -> StoreResult<Vec<Template>> {
        let db = self.client().await?;
        db.query(
            "SELECT id, name, steps, scan_field FROM templates WHERE tenant_id = $1
             ORDER BY name COLLATE \"C\"",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Template {
                id: r.get(0),
                name: r.get(1),
                steps: from_json(r.get(2))?,
                scan_field: r.get(3),
            })
        })
        .collect()
    }

    async fn save_template(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        input: TemplateInput,
    ) -> StoreResult<Template> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let name = input.name.trim().to_owned();
        let steps = to_json(&input.steps);
        let what = || format!("template {name}");
        let id = match id {
            Some(id) => {
                let changed = tx
                    .execute(
                        "UPDATE templates SET name = $3, steps = $4, scan_field = $5
                         WHERE tenant_id = $1 AND id = $2",
                        &[&tenant_id, &id, &name, &steps, &input.scan_field],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("template {id}")));
                }
                id
            }
            None => tx
                .query_one(
                    "INSERT INTO templates (tenant_id, name, steps, scan_field) VALUES ($1, $2, $3, $4)
                     RETURNING id",
                    &[&tenant_id, &name, &steps, &input.scan_field],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        let template = load_template(&tx, tenant_id, id)
            .await?
            .expect("just saved");
        tx.commit().await?;
        Ok(template)
    }

    async fn statuses(
        &self,
        tenant_id: i64,
        assignee: Option<i64>,
    ) -> StoreResult<Vec<(i64, WorkOrderStatus)>> {
        let db = self.client().await?;
        db.query(
            &format!("SELECT w.id, w.status FROM work_orders w WHERE {VISIBLE} ORDER BY w.id"),
            &[&tenant_id, &assignee],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get(0), parse(r.get(1))?)))
        .collect()
    }
}

/// Locks a work order's row until the transaction ends (none: nothing to
/// lock; the operation is then refused as on an unknown order).
async fn lock_order(tx: &impl GenericClient, tenant_id: i64, id: i64) -> StoreResult<()> {
    tx.query_opt(
        "SELECT 1 FROM work_orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        &[&tenant_id, &id],
    )
    .await?;
    Ok(())
}

/// Applies `envelope` once within `tx` (its order locked): a known op id
/// answers its first outcome; the decision is `core::apply::plan`'s, on
/// the order loaded once.
async fn apply_in(
    tx: &impl GenericClient,
    tenant_id: i64,
    pusher: Pusher,
    envelope: Envelope,
) -> StoreResult<Applied> {
    if let Some(known) = known_outcome(tx, tenant_id, pusher.user_id, &envelope.op_id).await? {
        return Ok(Applied {
            outcome: known,
            engineers: vec![],
        });
    }
    let work_order = envelope.op.work_order();
    let order = load(tx, tenant_id, work_order).await?;
    let photo_stored = match order.as_ref().and_then(|o| o.photo_named(&envelope.op)) {
        Some(photo) => tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM photos WHERE tenant_id = $1 AND id = $2)",
                &[&tenant_id, &photo],
            )
            .await?
            .get(0),
        None => false,
    };
    let decision = plan(order.as_ref(), pusher, &envelope.op, photo_stored);
    let outcome = if let Decision::Reject(_) = decision {
        decision.outcome(0)
    } else {
        let seq: i64 = tx
            .query_one(
                "INSERT INTO sync_heads (tenant_id, seq) VALUES ($1, 1)
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = sync_heads.seq + 1
                 RETURNING seq",
                &[&tenant_id],
            )
            .await?
            .get(0);
        tx.execute(
            "INSERT INTO sync_changes (tenant_id, seq, work_order_id, op_id, user_id, op, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &tenant_id,
                &seq,
                &work_order,
                &envelope.op_id,
                &pusher.user_id,
                &to_json(&envelope.op),
                &now(),
            ],
        )
        .await?;
        match (&decision, &envelope.op) {
            (Decision::SetStatus(next), _) => {
                tx.execute(
                    "UPDATE work_orders SET status = $2, updated_at = $3 WHERE id = $1",
                    &[&work_order, &name(next), &now()],
                )
                .await?;
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
                         VALUES ($1, $2, $3, $4, $5)",
                        &[&work_order, device, step, &to_json(previous), &seq],
                    )
                    .await?;
                }
                tx.execute(
                    "INSERT INTO step_results (work_order_id, device_id, step_id, value, seq)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (work_order_id, device_id, step_id)
                     DO UPDATE SET value = EXCLUDED.value, seq = EXCLUDED.seq",
                    &[&work_order, device, step, &to_json(value), &seq],
                )
                .await?;
                tx.execute(
                    "UPDATE work_orders SET updated_at = $2 WHERE id = $1",
                    &[&work_order, &now()],
                )
                .await?;
            }
            _ => {}
        }
        decision.outcome(seq.unsigned_abs())
    };
    // A twin of a refused op on an unknown order (no row to lock) may have
    // answered first: its outcome stands.
    let recorded = tx
        .execute(
            "INSERT INTO sync_ops (tenant_id, op_id, user_id, outcome) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[
                &tenant_id,
                &envelope.op_id,
                &pusher.user_id,
                &to_json(&outcome),
            ],
        )
        .await?;
    if recorded == 0 {
        let first = known_outcome(tx, tenant_id, pusher.user_id, &envelope.op_id)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("op {}", envelope.op_id)))?;
        return Ok(Applied {
            outcome: first,
            engineers: vec![],
        });
    }
    let engineers = match (&outcome, order) {
        (Outcome::Rejected { .. }, _) | (_, None) => vec![],
        (_, Some(order)) => order.assignees,
    };
    Ok(Applied { outcome, engineers })
}

async fn known_outcome(
    tx: &impl GenericClient,
    tenant_id: i64,
    user_id: i64,
    op_id: &str,
) -> StoreResult<Option<Outcome>> {
    tx.query_opt(
        "SELECT outcome FROM sync_ops WHERE tenant_id = $1 AND user_id = $2 AND op_id = $3",
        &[&tenant_id, &user_id, &op_id],
    )
    .await?
    .map(|r| from_json(r.get(0)))
    .transpose()
}

/// Replaces the engineers and lead of an order within `tx`.
async fn set_assignees_in(
    tx: &impl GenericClient,
    tenant_id: i64,
    id: i64,
    engineers: &[i64],
    lead: Option<i64>,
) -> StoreResult<()> {
    let found = tx
        .execute(
            "UPDATE work_orders SET lead_id = $3 WHERE tenant_id = $1 AND id = $2",
            &[&tenant_id, &id, &lead],
        )
        .await?;
    if found == 0 {
        return Err(StoreError::NotFound(format!("work order {id}")));
    }
    tx.execute(
        "DELETE FROM work_order_assignees WHERE work_order_id = $1",
        &[&id],
    )
    .await?;
    for user in engineers {
        tx.execute(
            "INSERT INTO work_order_assignees (work_order_id, user_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[&id, user],
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use fieldesk_core::Role;
    use fieldesk_core::sync::Operation;

    use super::*;
    use crate::store::NewUser;
    use crate::store::contract::field_input;
    use crate::store::pg::testing;
    use crate::store::tenants::TenantStore;

    /// SQLite has one writer; here pushes really run at once. An op sent
    /// twenty times at once is applied once and answered the same, and the
    /// tenant's changes are numbered without gaps in commit order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_pushes_apply_each_op_once_and_number_changes_without_gaps() {
        let url = testing::fresh_database().await;
        let store = Arc::new(PgStore::connect(&url).await.unwrap());
        let tenant = store.create_tenant("a", "A", "A").await.unwrap().id;
        let eve = store
            .create_user(
                tenant,
                NewUser {
                    username: "eve".into(),
                    display_name: "Eve".into(),
                    role: Role::Engineer,
                    password_hash: "h".into(),
                },
            )
            .await
            .unwrap()
            .id;
        let mut orders = vec![];
        for i in 0..4 {
            let order = store
                .create_work_order(tenant, field_input(&format!("WO-{i}"), "Acme"))
                .await
                .unwrap();
            store
                .assign(
                    tenant,
                    order.id,
                    Assignment {
                        assignees: Some((vec![eve], None)),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            orders.push(order.id);
        }
        let pusher = Pusher {
            user_id: eve,
            dispatcher: false,
        };
        let note = |order: i64, op_id: String| Envelope {
            op_id,
            op: Operation::Note {
                work_order: order,
                text: "checked".into(),
            },
        };
        let pushes: Vec<_> = (0..20)
            .map(|i| {
                let store = store.clone();
                let (dup, own) = (
                    note(orders[0], "dup".into()),
                    note(orders[i % 4], format!("own-{i}")),
                );
                tokio::spawn(async move {
                    let first = store.apply_op(tenant, pusher, dup).await.unwrap().outcome;
                    store.apply_op(tenant, pusher, own).await.unwrap();
                    first
                })
            })
            .collect();
        let mut answers = vec![];
        for push in pushes {
            answers.push(push.await.unwrap());
        }
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
        let changes = store.changes_after(tenant, None, 0, 1000).await.unwrap();
        assert_eq!(changes.iter().filter(|c| c.op_id == "dup").count(), 1);
        assert_eq!(changes.len(), 21);
        let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=21).collect::<Vec<_>>(), "no gaps");
        assert_eq!(store.last_change(tenant).await.unwrap(), 21);
    }
}
