//! [`WorkbenchStore`] on SQLite (tables from `0011_workbench.sql`).

use async_trait::async_trait;
use fieldesk_core::layout::{Assignment, Channel, Layout, LayoutBook};
use fieldesk_core::quick_reply::{QuickReply, QuickReplyGroup, QuickReplyInput};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{SqliteStore, conflict_names};
use crate::store::columns::{any, tier, unany};
use crate::store::json::{from_json, name, parse, to_json};
use crate::store::workbench::WorkbenchStore;
use crate::store::{StoreError, StoreResult};

const REPLY_COLUMNS: &str = "id, owner_id, group_id, title, shortcut, content, space, position";

fn reply_from_row(r: &Row<'_>) -> rusqlite::Result<QuickReply> {
    Ok(QuickReply {
        id: r.get(0)?,
        tier: tier(r.get(1)?),
        group: r.get(2)?,
        title: r.get(3)?,
        shortcut: r.get(4)?,
        content: r.get(5)?,
        space: r.get(6)?,
        position: r.get(7)?,
    })
}

fn load_reply(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<QuickReply> {
    conn.query_row(
        &format!("SELECT {REPLY_COLUMNS} FROM quick_replies WHERE tenant_id = ?1 AND id = ?2"),
        params![tenant_id, id],
        reply_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("quick reply {id}")))
}

#[async_trait]
impl WorkbenchStore for SqliteStore {
    async fn layout_book(&self, tenant_id: i64) -> StoreResult<LayoutBook> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, workbench_name, buttons, panels FROM workbench_layouts
                 WHERE tenant_id = ?1 ORDER BY name, id",
            )?;
            let rows = stmt
                .query_map([tenant_id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let layouts = rows
                .into_iter()
                .map(|(id, name, workbench_name, buttons, panels)| {
                    Ok(Layout {
                        id,
                        name,
                        workbench_name,
                        buttons: from_json(&buttons)?,
                        panels: from_json(&panels)?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let mut stmt = conn.prepare_cached(
                "SELECT layout_id, app, role, channel FROM layout_assignments
                 WHERE tenant_id = ?1 ORDER BY app, role, channel",
            )?;
            let rows = stmt
                .query_map([tenant_id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let assignments = rows
                .into_iter()
                .map(|(layout, app, role, channel)| {
                    Ok(Assignment {
                        layout,
                        app: parse(app)?,
                        role: unany(role)?,
                        channel: unany(channel)?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(LayoutBook {
                layouts,
                assignments,
            })
        })
        .await
    }

    async fn save_layout(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        mut layout: Layout,
    ) -> StoreResult<Layout> {
        self.write(move |conn| {
            let what = || format!("layout {}", layout.name);
            let (buttons, panels) = (to_json(&layout.buttons), to_json(&layout.panels));
            let name = layout.name.trim().to_owned();
            let workbench_name = layout.workbench_name.trim().to_owned();
            layout.id = match id {
                Some(id) => {
                    let changed = conn
                        .execute(
                            "UPDATE workbench_layouts SET name = ?3, workbench_name = ?4,
                             buttons = ?5, panels = ?6 WHERE tenant_id = ?1 AND id = ?2",
                            params![tenant_id, id, name, workbench_name, buttons, panels],
                        )
                        .map_err(conflict_names(what))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("layout {id}")));
                    }
                    id
                }
                None => {
                    conn.execute(
                        "INSERT INTO workbench_layouts
                         (tenant_id, name, workbench_name, buttons, panels)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![tenant_id, name, workbench_name, buttons, panels],
                    )
                    .map_err(conflict_names(what))?;
                    conn.last_insert_rowid()
                }
            };
            layout.name = name;
            layout.workbench_name = workbench_name;
            Ok(layout)
        })
        .await
    }

    async fn delete_layout(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM layout_assignments WHERE tenant_id = ?1 AND layout_id = ?2",
                params![tenant_id, id],
            )?;
            let gone = tx.execute(
                "DELETE FROM workbench_layouts WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, id],
            )?;
            if gone == 0 {
                return Err(StoreError::NotFound(format!("layout {id}")));
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn set_assignments(
        &self,
        tenant_id: i64,
        assignments: Vec<Assignment>,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM layout_assignments WHERE tenant_id = ?1",
                [tenant_id],
            )?;
            for a in &assignments {
                let ours: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM workbench_layouts WHERE tenant_id = ?1 AND id = ?2)",
                    params![tenant_id, a.layout],
                    |r| r.get(0),
                )?;
                if !ours {
                    return Err(StoreError::NotFound(format!("layout {}", a.layout)));
                }
                tx.execute(
                    "INSERT INTO layout_assignments (tenant_id, app, role, channel, layout_id)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![tenant_id, name(&a.app), any(a.role), any(a.channel), a.layout],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn quick_replies(
        &self,
        tenant_id: i64,
        user: i64,
    ) -> StoreResult<(Vec<QuickReply>, Vec<QuickReplyGroup>)> {
        self.read(move |conn| {
            let replies = conn
                .prepare_cached(&format!(
                    "SELECT {REPLY_COLUMNS} FROM quick_replies
                     WHERE tenant_id = ?1 AND (owner_id = ?2 OR owner_id IS NULL)
                     ORDER BY owner_id IS NULL, position, id"
                ))?
                .query_map(params![tenant_id, user], reply_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let groups = conn
                .prepare_cached(
                    "SELECT id, owner_id, name FROM quick_reply_groups
                     WHERE tenant_id = ?1 AND (owner_id = ?2 OR owner_id IS NULL)
                     ORDER BY owner_id IS NULL, name, id",
                )?
                .query_map(params![tenant_id, user], |r| {
                    Ok(QuickReplyGroup {
                        id: r.get(0)?,
                        tier: tier(r.get(1)?),
                        name: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((replies, groups))
        })
        .await
    }

    async fn save_quick_reply(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: Option<i64>,
        input: QuickReplyInput,
    ) -> StoreResult<QuickReply> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            if let Some(group) = input.group {
                let ours: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM quick_reply_groups WHERE tenant_id = ?1
                     AND id = ?2 AND owner_id IS ?3)",
                    params![tenant_id, group, owner],
                    |r| r.get(0),
                )?;
                if !ours {
                    return Err(StoreError::NotFound(format!("quick reply group {group}")));
                }
            }
            let id = match id {
                Some(id) => {
                    let changed = tx.execute(
                        "UPDATE quick_replies SET group_id = ?4, title = ?5, shortcut = ?6,
                         content = ?7, space = ?8
                         WHERE tenant_id = ?1 AND id = ?2 AND owner_id IS ?3",
                        params![
                            tenant_id,
                            id,
                            owner,
                            input.group,
                            input.title,
                            input.shortcut,
                            input.content,
                            input.space
                        ],
                    )?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("quick reply {id}")));
                    }
                    id
                }
                None => {
                    let done: Option<i64> = match &input.client_id {
                        Some(client_id) => tx
                            .query_row(
                                "SELECT id FROM quick_replies WHERE tenant_id = ?1
                                 AND owner_id IS ?2 AND client_id = ?3",
                                params![tenant_id, owner, client_id],
                                |r| r.get(0),
                            )
                            .optional()?,
                        None => None,
                    };
                    match done {
                        Some(id) => id,
                        None => {
                            tx.execute(
                                "INSERT INTO quick_replies (tenant_id, owner_id, group_id, title,
                                 shortcut, content, space, position, client_id)
                                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                                   (SELECT IFNULL(MAX(position), 0) + 1 FROM quick_replies
                                    WHERE tenant_id = ?1 AND owner_id IS ?2), ?8)",
                                params![
                                    tenant_id,
                                    owner,
                                    input.group,
                                    input.title,
                                    input.shortcut,
                                    input.content,
                                    input.space,
                                    input.client_id
                                ],
                            )?;
                            tx.last_insert_rowid()
                        }
                    }
                }
            };
            let reply = load_reply(&tx, tenant_id, id)?;
            tx.commit()?;
            Ok(reply)
        })
        .await
    }

    async fn quick_reply_owner(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Option<i64>>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT owner_id FROM quick_replies WHERE tenant_id = ?1 AND id = ?2",
                    params![tenant_id, id],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn delete_quick_reply(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let gone = conn.execute(
                "DELETE FROM quick_replies WHERE tenant_id = ?1 AND id = ?2 AND owner_id IS ?3",
                params![tenant_id, id, owner],
            )?;
            if gone == 0 {
                return Err(StoreError::NotFound(format!("quick reply {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn order_quick_replies(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        ids: Vec<i64>,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            for (i, id) in ids.iter().enumerate() {
                let changed = tx.execute(
                    "UPDATE quick_replies SET position = ?4
                     WHERE tenant_id = ?1 AND id = ?2 AND owner_id IS ?3",
                    params![tenant_id, id, owner, i as i64 + 1],
                )?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("quick reply {id}")));
                }
            }
            // The rest keep their order, after the listed ones.
            tx.execute(
                "UPDATE quick_replies SET position = position + ?3
                 WHERE tenant_id = ?1 AND owner_id IS ?2 AND id NOT IN (SELECT value FROM json_each(?4))",
                params![tenant_id, owner, ids.len() as i64, to_json(&ids)],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn save_quick_reply_group(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: Option<i64>,
        name: String,
    ) -> StoreResult<QuickReplyGroup> {
        self.write(move |conn| {
            let what = || format!("quick reply group {name}");
            let id = match id {
                Some(id) => {
                    let changed = conn
                        .execute(
                            "UPDATE quick_reply_groups SET name = ?4
                             WHERE tenant_id = ?1 AND id = ?2 AND owner_id IS ?3",
                            params![tenant_id, id, owner, name],
                        )
                        .map_err(conflict_names(what))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("quick reply group {id}")));
                    }
                    id
                }
                None => {
                    conn.execute(
                        "INSERT INTO quick_reply_groups (tenant_id, owner_id, name)
                         VALUES (?1, ?2, ?3)",
                        params![tenant_id, owner, name],
                    )
                    .map_err(conflict_names(what))?;
                    conn.last_insert_rowid()
                }
            };
            Ok(QuickReplyGroup {
                id,
                tier: tier(owner),
                name,
            })
        })
        .await
    }

    async fn delete_quick_reply_group(
        &self,
        tenant_id: i64,
        owner: Option<i64>,
        id: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE quick_replies SET group_id = NULL WHERE tenant_id = ?1 AND group_id = ?2
                 AND owner_id IS ?3",
                params![tenant_id, id, owner],
            )?;
            let gone = tx.execute(
                "DELETE FROM quick_reply_groups WHERE tenant_id = ?1 AND id = ?2 AND owner_id IS ?3",
                params![tenant_id, id, owner],
            )?;
            if gone == 0 {
                return Err(StoreError::NotFound(format!("quick reply group {id}")));
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn quick_reply_channels(&self, tenant_id: i64) -> StoreResult<Vec<Channel>> {
        self.read(move |conn| {
            let stored: Option<String> = conn
                .query_row(
                    "SELECT quick_reply_channels FROM workbench_settings WHERE tenant_id = ?1",
                    [tenant_id],
                    |r| r.get(0),
                )
                .optional()?;
            match stored {
                Some(json) => from_json(&json),
                None => Ok(vec![Channel::WebChat, Channel::Email]),
            }
        })
        .await
    }

    async fn set_quick_reply_channels(
        &self,
        tenant_id: i64,
        channels: Vec<Channel>,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO workbench_settings (tenant_id, quick_reply_channels) VALUES (?1, ?2)
                 ON CONFLICT (tenant_id) DO UPDATE SET quick_reply_channels = ?2",
                params![tenant_id, to_json(&channels)],
            )?;
            Ok(())
        })
        .await
    }
}
