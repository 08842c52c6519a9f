//! [`WorkbenchStore`] on PostgreSQL (tables from `0002_workbench.sql`).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::layout::{Assignment, Channel, Layout, LayoutBook};
use fieldesk_core::quick_reply::{QuickReply, QuickReplyGroup, QuickReplyInput};
use tokio_postgres::Row;

use super::{PgStore, conflict_names};
use crate::store::columns::{any, tier, unany};
use crate::store::json::{from_json, name, parse, to_json};
use crate::store::workbench::WorkbenchStore;
use crate::store::{StoreError, StoreResult};

const REPLY_COLUMNS: &str = "id, owner_id, group_id, title, shortcut, content, space, position";

fn reply_from_row(r: &Row) -> QuickReply {
    QuickReply {
        id: r.get(0),
        tier: tier(r.get(1)),
        group: r.get(2),
        title: r.get(3),
        shortcut: r.get(4),
        content: r.get(5),
        space: r.get(6),
        position: r.get(7),
    }
}

async fn load_reply(db: &impl GenericClient, tenant_id: i64, id: i64) -> StoreResult<QuickReply> {
    db.query_opt(
        &format!("SELECT {REPLY_COLUMNS} FROM quick_replies WHERE tenant_id = $1 AND id = $2"),
        &[&tenant_id, &id],
    )
    .await?
    .map(|r| reply_from_row(&r))
    .ok_or_else(|| StoreError::NotFound(format!("quick reply {id}")))
}

#[async_trait]
impl WorkbenchStore for PgStore {
    async fn layout_book(&self, tenant_id: i64) -> StoreResult<LayoutBook> {
        let db = self.client().await?;
        let layouts = db
            .query(
                "SELECT id, name, workbench_name, buttons, panels FROM workbench_layouts
                 WHERE tenant_id = $1 ORDER BY name COLLATE \"C\", id",
                &[&tenant_id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Layout {
                    id: r.get(0),
                    name: r.get(1),
                    workbench_name: r.get(2),
                    buttons: from_json(r.get(3))?,
                    panels: from_json(r.get(4))?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let assignments = db
            .query(
                "SELECT layout_id, app, role, channel FROM layout_assignments
                 WHERE tenant_id = $1 ORDER BY app COLLATE \"C\", role COLLATE \"C\", channel COLLATE \"C\"",
                &[&tenant_id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Assignment {
                    layout: r.get(0),
                    app: parse(r.get(1))?,
                    role: unany(r.get(2))?,
                    channel: unany(r.get(3))?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(LayoutBook {
            layouts,
            assignments,
        })
    }

    async fn save_layout(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        mut layout: Layout,
    ) -> StoreResult<Layout> {
        let db = self.client().await?;
        let what = || format!("layout {}", layout.name);
        let (buttons, panels) = (to_json(&layout.buttons), to_json(&layout.panels));
        let name = layout.name.trim().to_owned();
        let workbench_name = layout.workbench_name.trim().to_owned();
        layout.id = match id {
            Some(id) => {
                let changed = db
                    .execute(
                        "UPDATE workbench_layouts SET name = $3, workbench_name = $4,
                         buttons = $5, panels = $6 WHERE tenant_id = $1 AND id = $2",
                        &[&tenant_id, &id, &name, &workbench_name, &buttons, &panels],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("layout {id}")));
                }
                id
            }
            None => db
                .query_one(
                    "INSERT INTO workbench_layouts (tenant_id, name, workbench_name, buttons, panels)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[&tenant_id, &name, &workbench_name, &buttons, &panels],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        layout.name = name;
        layout.workbench_name = workbench_name;
        Ok(layout)
    }

    async fn delete_layout(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        tx.execute(
            "DELETE FROM layout_assignments WHERE tenant_id = $1 AND layout_id = $2",
            &[&tenant_id, &id],
        )
        .await?;
        let gone = tx
            .execute(
                "DELETE FROM workbench_layouts WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &id],
            )
            .await?;
        if gone == 0 {
            return Err(StoreError::NotFound(format!("layout {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_assignments(
        &self,
        tenant_id: i64,
        assignments: Vec<Assignment>,
    ) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        tx.execute(
            "DELETE FROM layout_assignments WHERE tenant_id = $1",
            &[&tenant_id],
        )
        .await?;
        for a in &assignments {
            let ours: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM workbench_layouts WHERE tenant_id = $1 AND id = $2)",
                    &[&tenant_id, &a.layout],
                )
                .await?
                .get(0);
            if !ours {
                return Err(StoreError::NotFound(format!("layout {}", a.layout)));
            }
            tx.execute(
                "INSERT INTO layout_assignments (tenant_id, app, role, channel, layout_id)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &tenant_id,
                    &name(&a.app),
                    &any(a.role),
                    &any(a.channel),
                    &a.layout,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn quick_replies(
        &self,
        tenant_id: i64,
        user: i64,
    ) -> StoreResult<(Vec<QuickReply>, Vec<QuickReplyGroup>)> {
        let db = self.client().await?;
        let replies = db
            .query(
                &format!(
                    "SELECT {REPLY_COLUMNS} FROM quick_replies
                     WHERE tenant_id = $1 AND (owner_id = $2 OR owner_id IS NULL)
                     ORDER BY owner_id IS NULL, position, id"
                ),
                &[&tenant_id, &user],
            )
            .await?
            .iter()
            .map(reply_from_row)
            .collect();
        let groups = db
            .query(
                "SELECT id, owner_id, name FROM quick_reply_groups
                 WHERE tenant_id = $1 AND (owner_id = $2 OR owner_id IS NULL)
                 ORDER BY owner_id IS NULL, name COLLATE \"C\", id",
                &[&tenant_id, &user],
            )
            .await?
            .iter()
            .map(|r| QuickReplyGroup {
                id: r.get(0),
                tier: tier(r.get(1)),
                name: r.get(2),
            })
            .collect();
        Ok((replies, groups))
    }

    async fn save_quick_reply(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: Option<i64>,
        input: QuickReplyInput,
    ) -> StoreResult<QuickReply> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        if let Some(group) = input.group {
            let ours: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM quick_reply_groups WHERE tenant_id = $1
                     AND id = $2 AND owner_id IS NOT DISTINCT FROM $3)",
                    &[&tenant_id, &group, &owner],
                )
                .await?
                .get(0);
            if !ours {
                return Err(StoreError::NotFound(format!("quick reply group {group}")));
            }
        }
        let id = match id {
            Some(id) => {
                let changed = tx
                    .execute(
                        "UPDATE quick_replies SET group_id = $4, title = $5, shortcut = $6,
                         content = $7, space = $8
                         WHERE tenant_id = $1 AND id = $2 AND owner_id IS NOT DISTINCT FROM $3",
                        &[
                            &tenant_id,
                            &id,
                            &owner,
                            &input.group,
                            &input.title,
                            &input.shortcut,
                            &input.content,
                            &input.space,
                        ],
                    )
                    .await?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("quick reply {id}")));
                }
                id
            }
            None => {
                // Once per client id: the unique index takes a racing twin
                // as "nothing inserted", and the first is answered.
                let inserted = tx
                    .query_opt(
                        "INSERT INTO quick_replies (tenant_id, owner_id, group_id, title,
                         shortcut, content, space, position, client_id)
                         VALUES ($1, $2, $3, $4, $5, $6, $7,
                           (SELECT COALESCE(MAX(position), 0) + 1 FROM quick_replies
                            WHERE tenant_id = $1 AND owner_id IS NOT DISTINCT FROM $2), $8)
                         ON CONFLICT DO NOTHING RETURNING id",
                        &[
                            &tenant_id,
                            &owner,
                            &input.group,
                            &input.title,
                            &input.shortcut,
                            &input.content,
                            &input.space,
                            &input.client_id,
                        ],
                    )
                    .await?;
                match inserted {
                    Some(row) => row.get(0),
                    None => tx
                        .query_one(
                            "SELECT id FROM quick_replies WHERE tenant_id = $1
                             AND owner_id IS NOT DISTINCT FROM $2 AND client_id = $3",
                            &[&tenant_id, &owner, &input.client_id],
                        )
                        .await?
                        .get(0),
                }
            }
        };
        let reply = load_reply(&tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(reply)
    }

    async fn quick_reply_owner(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Option<i64>>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT owner_id FROM quick_replies WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &id],
            )
            .await?
            .map(|r| r.get(0)))
    }

    async fn delete_quick_reply(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: i64,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        let gone = db
            .execute(
                "DELETE FROM quick_replies WHERE tenant_id = $1 AND id = $2
                 AND owner_id IS NOT DISTINCT FROM $3",
                &[&tenant_id, &id, &owner],
            )
            .await?;
        if gone == 0 {
            return Err(StoreError::NotFound(format!("quick reply {id}")));
        }
        Ok(())
    }

    async fn order_quick_replies(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        ids: Vec<i64>,
    ) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        for (i, id) in ids.iter().enumerate() {
            let changed = tx
                .execute(
                    "UPDATE quick_replies SET position = $4
                     WHERE tenant_id = $1 AND id = $2 AND owner_id IS NOT DISTINCT FROM $3",
                    &[&tenant_id, id, &owner, &(i as i64 + 1)],
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("quick reply {id}")));
            }
        }
        // The rest keep their order, after the listed ones.
        tx.execute(
            "UPDATE quick_replies SET position = position + $3
             WHERE tenant_id = $1 AND owner_id IS NOT DISTINCT FROM $2 AND id <> ALL($4)",
            &[&tenant_id, &owner, &(ids.len() as i64), &ids],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn save_quick_reply_group(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: Option<i64>,
        name: String,
    ) -> StoreResult<QuickReplyGroup> {
        let db = self.client().await?;
        let what = || format!("quick reply group {name}");
        let id = match id {
            Some(id) => {
                let changed = db
                    .execute(
                        "UPDATE quick_reply_groups SET name = $4
                         WHERE tenant_id = $1 AND id = $2 AND owner_id IS NOT DISTINCT FROM $3",
                        &[&tenant_id, &id, &owner, &name],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("quick reply group {id}")));
                }
                id
            }
            None => db
                .query_one(
                    "INSERT INTO quick_reply_groups (tenant_id, owner_id, name)
                     VALUES ($1, $2, $3) RETURNING id",
                    &[&tenant_id, &owner, &name],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        Ok(QuickReplyGroup {
            id,
            tier: tier(owner),
            name,
        })
    }

    async fn delete_quick_reply_group(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: i64,
    ) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        tx.execute(
            "UPDATE quick_replies SET group_id = NULL WHERE tenant_id = $1 AND group_id = $2
             AND owner_id IS NOT DISTINCT FROM $3",
            &[&tenant_id, &id, &owner],
        )
        .await?;
        let gone = tx
            .execute(
                "DELETE FROM quick_reply_groups WHERE tenant_id = $1 AND id = $2
                 AND owner_id IS NOT DISTINCT FROM $3",
                &[&tenant_id, &id, &owner],
            )
            .await?;
        if gone == 0 {
            return Err(StoreError::NotFound(format!("quick reply group {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn quick_reply_channels(&self, tenant_id: i64) -> StoreResult<Vec<Channel>> {
        let db = self.client().await?;
        let stored = db
            .query_opt(
                "SELECT quick_reply_channels FROM workbench_settings WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?;
        match stored {
            Some(row) => from_json(row.get(0)),
            None => Ok(vec![Channel::WebChat, Channel::Email]),
        }
    }

    async fn set_quick_reply_channels(
        &self,
        tenant_id: i64,
        channels: Vec<Channel>,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO workbench_settings (tenant_id, quick_reply_channels) VALUES ($1, $2)
             ON CONFLICT (tenant_id) DO UPDATE SET quick_reply_channels = EXCLUDED.quick_reply_channels",
            &[&tenant_id, &to_json(&channels)],
        )
        .await?;
        Ok(())
    }
}
