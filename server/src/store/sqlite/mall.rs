//! [`MallStore`] on SQLite. The writer connection is one: a checkout's
//! transaction reads and reserves stock with nobody in between, and the
//! table's CHECKs refuse any write that would take stock below zero.

use std::collections::BTreeMap;

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::mall::catalog::{Category, Item, ItemBody, ItemKind, model_key};
use fieldesk_core::mall::checkout::PricedLine;
use fieldesk_core::mall::customer::Customer;
use fieldesk_core::mall::money::{Currency, Money};
use fieldesk_core::mall::order::{Effect, OrderStatus};
use fieldesk_core::mall::payment::PaymentStatus;
use fieldesk_core::mall::price::{Audience, PriceList, PriceListBody};
use fieldesk_core::mall::proposal::{Proposal, ProposalStatus};
use fieldesk_core::mall::shipment::ShipmentStatus;
use fieldesk_core::mall::{
    Buyer, Location, LocationBody, LocationKind, MallSettings, Order, OrderLine, Payment,
    PaymentMethod, Shipment, StockLevel, TimelineEntry,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{SqliteStore, conflict_names};
use crate::store::columns::{buyer_key, location_kind};
use crate::store::json::{from_json, to_json};
use crate::store::mall::{
    CodeCheck, CustomerCredentials, DueNotice, ItemQuery, MallStore, NewOrder, NewProposal,
    OrderChange, OrderScope, OutNotice, Placed, ProposalScope, StoredMallSettings,
};
use crate::store::outbox::SendResult;
use crate::store::{StoreError, StoreResult};

fn currency(text: String) -> StoreResult<Currency> {
    Currency::parse(&text).ok_or_else(|| StoreError::invalid(format!("currency {text}")))
}

fn enum_of<T>(text: String, parse: impl Fn(&str) -> Option<T>, what: &str) -> StoreResult<T> {
    parse(&text).ok_or_else(|| StoreError::invalid(format!("{what} {text}")))
}

const ITEM_COLUMNS: &str = "i.id, i.sku, i.kind, i.name, i.description, i.original, i.unit,
    i.category, i.photos, i.models, i.list_price, i.currency, i.enabled, i.updated_at";

fn item_from_row(r: &Row<'_>) -> StoreResult<Item> {
    Ok(Item {
        id: r.get(0)?,
        body: ItemBody {
            sku: r.get(1)?,
            kind: enum_of(r.get(2)?, ItemKind::parse, "item kind")?,
            name: from_json(&r.get::<_, String>(3)?)?,
            description: from_json(&r.get::<_, String>(4)?)?,
            original: r.get(5)?,
            unit: r.get(6)?,
            category: r.get(7)?,
            photos: from_json(&r.get::<_, String>(8)?)?,
            models: from_json(&r.get::<_, String>(9)?)?,
            list_price: Money::new(r.get(10)?, currency(r.get(11)?)?),
            enabled: r.get(12)?,
        },
        updated_at: r.get(13)?,
    })
}

fn load_item(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Option<Item>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM mall_items i WHERE i.tenant_id = ?1 AND i.id = ?2"
    ))?;
    let mut rows = stmt.query(params![tenant_id, id])?;
    rows.next()?.map(item_from_row).transpose()
}

fn collect<T>(
    mut rows: rusqlite::Rows<'_>,
    f: impl Fn(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(f(r)?);
    }
    Ok(out)
}

fn price_list_from_row(r: &Row<'_>) -> StoreResult<PriceList> {
    let audience: String = r.get(2)?;
    Ok(PriceList {
        id: r.get(0)?,
        body: PriceListBody {
            name: r.get(1)?,
            audience: Audience::from_key(&audience)
                .ok_or_else(|| StoreError::invalid(format!("audience {audience}")))?,
            currency: currency(r.get(3)?)?,
            valid_from: r.get(4)?,
            valid_until: r.get(5)?,
            prices: from_json(&r.get::<_, String>(6)?)?,
        },
    })
}

fn location_from_row(r: &Row<'_>) -> StoreResult<Location> {
    let kind: String = r.get(2)?;
    Ok(Location {
        id: r.get(0)?,
        body: LocationBody {
            name: r.get(1)?,
            kind: match kind.as_str() {
                "depot" => LocationKind::Depot,
                _ => LocationKind::Warehouse,
            },
            provider_id: r.get(3)?,
            ships: r.get(4)?,
        },
    })
}

fn stock_from_row(r: &Row<'_>) -> StoreResult<StockLevel> {
    let count = |i: usize| -> StoreResult<u32> {
        u32::try_from(r.get::<_, i64>(i)?).map_err(|e| StoreError::database("stock", e))
    };
    Ok(StockLevel {
        item_id: r.get(0)?,
        location_id: r.get(1)?,
        on_hand: count(2)?,
        reserved: count(3)?,
    })
}

const CUSTOMER_COLUMNS: &str = "id, email, name, locale, verified_at";

fn customer_from_row(r: &Row<'_>) -> StoreResult<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        locale: Locale::negotiate(&r.get::<_, String>(3)?),
        verified: r.get::<_, Option<i64>>(4)?.is_some(),
    })
}

fn load_customer(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Option<Customer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM mall_customers WHERE tenant_id = ?1 AND id = ?2"
    ))?;
    let mut rows = stmt.query(params![tenant_id, id])?;
    rows.next()?.map(customer_from_row).transpose()
}

const ORDER_COLUMNS: &str = "id, customer_id, provider_id, user_id, status, currency, total,
    delivery, reserved_until, work_order_id, device_id, created_at";

fn load_order(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Option<Order>> {
    let head = conn
        .query_row(
            &format!("SELECT {ORDER_COLUMNS} FROM mall_orders WHERE tenant_id = ?1 AND id = ?2"),
            params![tenant_id, id],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                    r.get::<_, Option<i64>>(10)?,
                    r.get::<_, i64>(11)?,
                ))
            },
        )
        .optional()?;
    let Some((customer, provider, user, status, cur, total, delivery, until, wo, device, created)) =
        head
    else {
        return Ok(None);
    };
    let currency = currency(cur)?;
    let money = |minor: i64| Money::new(minor, currency);
    let buyer = match (customer, provider, user) {
        (Some(customer_id), _, _) => Buyer::Customer { customer_id },
        (None, Some(provider_id), user) => Buyer::Provider {
            provider_id,
            user_id: user.unwrap_or_default(),
        },
        _ => return Err(StoreError::invalid(format!("order {id} without a buyer"))),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, sku, name, quantity, unit_price, list_price, total, shipped
         FROM mall_order_lines WHERE order_id = ?1 ORDER BY item_id",
    )?;
    let lines = collect(stmt.query([id])?, |r| {
        Ok(OrderLine {
            item_id: r.get(0)?,
            sku: r.get(1)?,
            name: from_json(&r.get::<_, String>(2)?)?,
            quantity: r.get(3)?,
            unit_price: money(r.get(4)?),
            list_price: money(r.get(5)?),
            total: money(r.get(6)?),
            shipped: r.get(7)?,
        })
    })?;
    let payment = conn.query_row(
        "SELECT method, status, amount, reference FROM mall_payments WHERE order_id = ?1",
        [id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let payment = Payment {
        method: enum_of(payment.0, PaymentMethod::parse, "payment method")?,
        status: enum_of(payment.1, PaymentStatus::parse, "payment status")?,
        amount: money(payment.2),
        reference: payment.3,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, carrier, tracking, url, status, lines, shipped_at
         FROM mall_shipments WHERE order_id = ?1 ORDER BY id",
    )?;
    let shipments = collect(stmt.query([id])?, |r| {
        Ok(Shipment {
            id: r.get(0)?,
            carrier: r.get(1)?,
            tracking: r.get(2)?,
            url: r.get(3)?,
            status: enum_of(r.get(4)?, ShipmentStatus::parse, "shipment status")?,
            lines: from_json(&r.get::<_, String>(5)?)?,
            shipped_at: r.get(6)?,
        })
    })?;
    let mut stmt = conn.prepare_cached(
        "SELECT at, what, status, detail FROM mall_order_events WHERE order_id = ?1 ORDER BY id",
    )?;
    let timeline = collect(stmt.query([id])?, |r| {
        Ok(TimelineEntry {
            at: r.get(0)?,
            what: r.get(1)?,
            status: enum_of(r.get(2)?, OrderStatus::parse, "order status")?,
            detail: r.get(3)?,
        })
    })?;
    Ok(Some(Order {
        id,
        buyer,
        status: enum_of(status, OrderStatus::parse, "order status")?,
        lines,
        total: money(total),
        delivery: from_json(&delivery)?,
        payment,
        shipments,
        timeline,
        reserved_until: until,
        work_order_id: wo,
        device_id: device,
        created_at: created,
    }))
}

fn event(
    tx: &Transaction<'_>,
    order_id: i64,
    at: i64,
    what: &str,
    status: OrderStatus,
    detail: Option<&str>,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mall_order_events (order_id, at, what, status, detail)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![order_id, at, what, status.as_str(), detail],
    )?;
    Ok(())
}

/// Gives back what the order still holds.
fn release(tx: &Transaction<'_>, order_id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE mall_stock SET reserved = reserved - (
             SELECT r.held FROM mall_reservations r WHERE r.order_id = ?1
             AND r.item_id = mall_stock.item_id AND r.location_id = mall_stock.location_id)
         WHERE (item_id, location_id) IN (
             SELECT item_id, location_id FROM mall_reservations WHERE order_id = ?1 AND held > 0)",
        [order_id],
    )?;
    tx.execute(
        "UPDATE mall_reservations SET held = 0 WHERE order_id = ?1",
        [order_id],
    )?;
    Ok(())
}

/// Takes shipped units off the shelf and out of the order's hold.
fn consume(tx: &Transaction<'_>, order_id: i64, lines: &BTreeMap<i64, u32>) -> StoreResult<()> {
    for (item, units) in lines {
        let mut left = i64::from(*units);
        let holds: Vec<(i64, i64)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT location_id, held FROM mall_reservations
                 WHERE order_id = ?1 AND item_id = ?2 AND held > 0 ORDER BY location_id",
            )?;
            stmt.query_map(params![order_id, item], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (location, held) in holds {
            let take = held.min(left);
            if take == 0 {
                break;
            }
            tx.execute(
                "UPDATE mall_stock SET on_hand = on_hand - ?3, reserved = reserved - ?3
                 WHERE item_id = ?1 AND location_id = ?2",
                params![item, location, take],
            )?;
            tx.execute(
                "UPDATE mall_reservations SET held = held - ?4, shipped = shipped + ?4
                 WHERE order_id = ?1 AND item_id = ?2 AND location_id = ?3",
                params![order_id, item, location, take],
            )?;
            left -= take;
        }
        let changed = tx.execute(
            "UPDATE mall_order_lines SET shipped = shipped + ?3 WHERE order_id = ?1 AND item_id = ?2",
            params![order_id, item, units],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "item {item} of order {order_id}"
            )));
        }
    }
    Ok(())
}

/// Puts shipped (returned) units back on the shelf they came from.
fn restock(tx: &Transaction<'_>, order_id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE mall_stock SET on_hand = on_hand + (
             SELECT r.shipped FROM mall_reservations r WHERE r.order_id = ?1
             AND r.item_id = mall_stock.item_id AND r.location_id = mall_stock.location_id)
         WHERE (item_id, location_id) IN (
             SELECT item_id, location_id FROM mall_reservations WHERE order_id = ?1 AND shipped > 0)",
        [order_id],
    )?;
    tx.execute(
        "UPDATE mall_reservations SET shipped = 0 WHERE order_id = ?1",
        [order_id],
    )?;
    Ok(())
}

fn order_status(tx: &Transaction<'_>, tenant_id: i64, order_id: i64) -> StoreResult<OrderStatus> {
    let status: String = tx
        .query_row(
            "SELECT status FROM mall_orders WHERE tenant_id = ?1 AND id = ?2",
            params![tenant_id, order_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("order {order_id}")))?;
    enum_of(status, OrderStatus::parse, "order status")
}

fn place(tx: &Transaction<'_>, tenant_id: i64, o: &NewOrder, at: i64) -> StoreResult<Placed> {
    let buyer = buyer_key(&o.buyer);
    let earlier: Option<(String, i64)> = tx
        .query_row(
            "SELECT fingerprint, order_id FROM mall_idempotency
             WHERE tenant_id = ?1 AND buyer = ?2 AND key = ?3",
            params![tenant_id, buyer, o.key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((fingerprint, order_id)) = earlier {
        return Ok(if fingerprint == o.fingerprint {
            Placed::Replayed(order_id)
        } else {
            Placed::KeyReused
        });
    }
    let (customer, provider, user) = match o.buyer {
        Buyer::Customer { customer_id } => (Some(customer_id), None, None),
        Buyer::Provider {
            provider_id,
            user_id,
        } => (None, Some(provider_id), Some(user_id)),
    };
    let status = OrderStatus::PendingPayment;
    tx.execute(
        "INSERT INTO mall_orders (tenant_id, customer_id, provider_id, user_id, status, currency,
         total, delivery, reserved_until, work_order_id, device_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        params![
            tenant_id,
            customer,
            provider,
            user,
            status.as_str(),
            o.total.currency.as_str(),
            o.total.minor,
            to_json(&o.delivery),
            o.reserved_until,
            o.work_order_id,
            o.device_id,
            at
        ],
    )?;
    let order_id = tx.last_insert_rowid();
    for (line, sku, item_name) in &o.lines {
        let PricedLine {
            item_id,
            quantity,
            unit_price,
            list_price,
            total,
        } = line;
        tx.execute(
            "INSERT INTO mall_order_lines (order_id, item_id, sku, name, quantity, unit_price,
             list_price, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                order_id,
                item_id,
                sku,
                to_json(item_name),
                quantity,
                unit_price.minor,
                list_price.minor,
                total.minor
            ],
        )?;
    }
    for (item, units) in &o.reserve {
        let location: Option<i64> = tx
            .query_row(
                "SELECT s.location_id FROM mall_stock s
                 JOIN mall_locations l ON l.id = s.location_id AND l.ships = 1
                 WHERE s.tenant_id = ?1 AND s.item_id = ?2 AND s.on_hand - s.reserved >= ?3
                 ORDER BY l.id LIMIT 1",
                params![tenant_id, item, units],
                |r| r.get(0),
            )
            .optional()?;
        let Some(location) = location else {
            return Ok(Placed::OutOfStock(*item));
        };
        tx.execute(
            "UPDATE mall_stock SET reserved = reserved + ?3 WHERE item_id = ?1 AND location_id = ?2",
            params![item, location, units],
        )?;
        tx.execute(
            "INSERT INTO mall_reservations (order_id, item_id, location_id, held)
             VALUES (?1, ?2, ?3, ?4)",
            params![order_id, item, location, units],
        )?;
    }
    tx.execute(
        "INSERT INTO mall_payments (order_id, tenant_id, method, status, amount, reference, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)",
        params![order_id, tenant_id, o.method.as_str(), o.total.minor, o.reference, at],
    )?;
    event(tx, order_id, at, "placed", status, None)?;
    if let Some(proposal) = o.proposal_id {
        let approved = tx.execute(
            "UPDATE mall_proposals SET status = 'approved', order_id = ?3, decided_at = ?4
             WHERE tenant_id = ?1 AND id = ?2 AND status = 'open'",
            params![tenant_id, proposal, order_id, at],
        )?;
        if approved == 0 {
            return Ok(Placed::ProposalClosed);
        }
    }
    tx.execute(
        "INSERT INTO mall_idempotency (tenant_id, buyer, key, fingerprint, order_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![tenant_id, buyer, o.key, o.fingerprint, order_id, at],
    )?;
    Ok(Placed::New(order_id))
}

const PROPOSAL_COLUMNS: &str = "p.id, p.work_order_id, w.number, p.device_id, d.fields,
    p.email, p.lines, p.note, p.status, p.order_id, p.sent_by, u.display_name, p.created_at,
    p.decided_at";

const PROPOSAL_FROM: &str = "mall_proposals p
    JOIN work_orders w ON w.id = p.work_order_id
    JOIN users u ON u.id = p.sent_by
    LEFT JOIN devices d ON d.id = p.device_id";

fn proposal_from_row(r: &Row<'_>) -> StoreResult<Proposal> {
    let device = fieldesk_core::device::Device {
        id: r.get(3)?,
        fields: r
            .get::<_, Option<String>>(4)?
            .map(|f| from_json(&f))
            .transpose()?
            .unwrap_or_default(),
    };
    Ok(Proposal {
        id: r.get(0)?,
        work_order_id: r.get(1)?,
        work_order_number: r.get(2)?,
        device_id: device.id,
        device_label: device.label(),
        email: r.get(5)?,
        lines: from_json(&r.get::<_, String>(6)?)?,
        note: r.get(7)?,
        status: enum_of(r.get(8)?, ProposalStatus::parse, "proposal status")?,
        order_id: r.get(9)?,
        sent_by: r.get(10)?,
        sent_by_name: r.get(11)?,
        created_at: r.get(12)?,
        decided_at: r.get(13)?,
    })
}

fn load_proposal(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Option<Proposal>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PROPOSAL_COLUMNS} FROM {PROPOSAL_FROM} WHERE p.tenant_id = ?1 AND p.id = ?2"
    ))?;
    let mut rows = stmt.query(params![tenant_id, id])?;
    rows.next()?.map(proposal_from_row).transpose()
}

#[async_trait]
impl MallStore for SqliteStore {
    async fn mall_settings(&self, tenant_id: i64) -> StoreResult<StoredMallSettings> {
        self.read(move |conn| {
            let row = conn
                .query_row(
                    "SELECT enabled, currency, mailbox_id, payment_methods, webhook_secret
                     FROM mall_settings WHERE tenant_id = ?1",
                    [tenant_id],
                    |r| {
                        Ok((
                            r.get::<_, bool>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<i64>>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, Option<String>>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((enabled, cur, mailbox_id, methods, secret)) = row else {
                return Ok(StoredMallSettings::default());
            };
            Ok(StoredMallSettings {
                settings: MallSettings {
                    enabled,
                    currency: currency(cur)?,
                    mailbox_id,
                    payment_methods: from_json(&methods)?,
                },
                webhook_secret: secret,
            })
        })
        .await
    }

    async fn save_mall_settings(&self, tenant_id: i64, s: MallSettings) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO mall_settings (tenant_id, enabled, currency, mailbox_id, payment_methods)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tenant_id) DO UPDATE SET enabled = ?2, currency = ?3,
                 mailbox_id = ?4, payment_methods = ?5",
                params![
                    tenant_id,
                    s.enabled,
                    s.currency.as_str(),
                    s.mailbox_id,
                    to_json(&s.payment_methods)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn webhook_secret(&self, tenant_id: i64, sealed: String) -> StoreResult<String> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO mall_settings (tenant_id, webhook_secret) VALUES (?1, ?2)
                 ON CONFLICT (tenant_id) DO UPDATE SET
                 webhook_secret = COALESCE(webhook_secret, ?2)",
                params![tenant_id, sealed],
            )?;
            Ok(conn.query_row(
                "SELECT webhook_secret FROM mall_settings WHERE tenant_id = ?1",
                [tenant_id],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn save_item(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: ItemBody,
        terms: Vec<String>,
        at: i64,
    ) -> StoreResult<Item> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let what = || format!("item {}", b.sku);
            let values = params![
                tenant_id,
                b.sku,
                b.kind.as_str(),
                to_json(&b.name),
                to_json(&b.description),
                b.original,
                b.unit,
                b.category,
                to_json(&b.photos),
                to_json(&b.models),
                b.list_price.minor,
                b.list_price.currency.as_str(),
                b.enabled,
                at,
                id,
            ];
            let id = match id {
                Some(id) => {
                    let changed = tx
                        .execute(
                            "UPDATE mall_items SET sku = ?2, kind = ?3, name = ?4, description = ?5,
                             original = ?6, unit = ?7, category = ?8, photos = ?9, models = ?10,
                             list_price = ?11, currency = ?12, enabled = ?13, updated_at = ?14
                             WHERE tenant_id = ?1 AND id = ?15",
                            values,
                        )
                        .map_err(conflict_names(what))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("item {id}")));
                    }
                    id
                }
                None => {
                    tx.execute(
                        "INSERT INTO mall_items (tenant_id, sku, kind, name, description, original,
                         unit, category, photos, models, list_price, currency, enabled, updated_at)
                         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14
                         WHERE ?15 IS NULL",
                        values,
                    )
                    .map_err(conflict_names(what))?;
                    tx.last_insert_rowid()
                }
            };
            tx.execute(
                "DELETE FROM mall_item_models WHERE tenant_id = ?1 AND item_id = ?2",
                params![tenant_id, id],
            )?;
            for m in &b.models {
                tx.execute(
                    "INSERT OR IGNORE INTO mall_item_models (tenant_id, model_key, item_id)
                     VALUES (?1, ?2, ?3)",
                    params![tenant_id, model_key(m), id],
                )?;
            }
            tx.execute("DELETE FROM mall_items_fts WHERE rowid = ?1", [id])?;
            tx.execute(
                "INSERT INTO mall_items_fts (rowid, terms) VALUES (?1, ?2)",
                params![id, terms.join(" ")],
            )?;
            let item = load_item(&tx, tenant_id, id)?
                .ok_or_else(|| StoreError::invalid("a saved item is gone"))?;
            tx.commit()?;
            Ok(item)
        })
        .await
    }

    async fn item(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Item>> {
        self.read(move |conn| load_item(conn, tenant_id, id)).await
    }

    async fn items_by_id(&self, tenant_id: i64, ids: Vec<i64>) -> StoreResult<Vec<Item>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ITEM_COLUMNS} FROM mall_items i
                 WHERE i.id IN (SELECT value FROM json_each(?2)) AND +i.tenant_id = ?1 ORDER BY i.id"
            ))?;
            collect(
                stmt.query(params![tenant_id, to_json(&ids)])?,
                item_from_row,
            )
        })
        .await
    }

    async fn categories(&self, tenant_id: i64) -> StoreResult<Vec<Category>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT category, COUNT(*) FROM mall_items
                 WHERE tenant_id = ?1 AND enabled = 1 AND category <> ''
                 GROUP BY category ORDER BY category",
            )?;
            let rows = stmt.query_map([tenant_id], |r| {
                Ok(Category {
                    name: r.get(0)?,
                    items: r.get(1)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn missing_photos(&self, tenant_id: i64, ids: Vec<String>) -> StoreResult<Vec<String>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT j.value FROM json_each(?2) j
                 WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.tenant_id = ?1 AND p.id = j.value)",
            )?;
            let rows = stmt.query_map(params![tenant_id, to_json(&ids)], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn item_photo(
        &self,
        tenant_id: i64,
        id: String,
        on_sale_only: bool,
    ) -> StoreResult<Option<(String, Vec<u8>)>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT p.content_type, p.bytes FROM photos p
                     WHERE p.tenant_id = ?1 AND p.id = ?2 AND EXISTS (
                         SELECT 1 FROM mall_items i, json_each(i.photos) j
                         WHERE i.tenant_id = ?1 AND j.value = ?2 AND (i.enabled OR NOT ?3))",
                    params![tenant_id, id, on_sale_only],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn items(&self, tenant_id: i64, q: ItemQuery) -> StoreResult<Vec<Item>> {
        // An FTS5 expression of quoted terms: all of them.
        let fts = q
            .terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND ");
        self.read(move |conn| {
            // Each walks an order the database keeps (the FTS rowids, the
            // model index, the ids), so a page stops at its limit instead
            // of sorting every match.
            let (from, order) = match (fts.is_empty(), q.model.is_some()) {
                (true, false) if q.category.is_some() => (
                    "mall_items i WHERE i.tenant_id = ?1 AND i.category = ?6 AND i.id > ?4 AND ?2 = ''",
                    "i.id",
                ),
                (false, _) => (
                    "mall_items_fts f JOIN mall_items i ON i.id = f.rowid
                     WHERE mall_items_fts MATCH ?2 AND f.rowid > ?4 AND +i.tenant_id = ?1",
                    "f.rowid",
                ),
                (true, true) => (
                    "mall_item_models m JOIN mall_items i ON i.id = m.item_id
                     WHERE m.tenant_id = ?1 AND m.model_key = ?3 AND m.item_id > ?4 AND ?2 = ''",
                    "m.item_id",
                ),
                (true, false) => (
                    "mall_items i WHERE i.id > ?4 AND +i.tenant_id = ?1 AND ?2 = ''",
                    "i.id",
                ),
            };
            let mut sql = format!("SELECT {ITEM_COLUMNS} FROM {from}");
            if q.model.is_some() && !fts.is_empty() {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM mall_item_models m WHERE m.tenant_id = ?1
                      AND m.model_key = ?3 AND m.item_id = i.id)",
                );
            } else if q.model.is_none() {
                sql.push_str(" AND ?3 IS NULL");
            }
            if q.enabled_only {
                sql.push_str(" AND i.enabled = 1");
            }
            sql.push_str(" AND (?6 IS NULL OR i.category = ?6)");
            sql.push_str(&format!(" ORDER BY {order} LIMIT ?5"));
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query(params![
                tenant_id,
                fts,
                q.model.as_deref().map(model_key),
                q.after,
                q.limit,
                q.category
            ])?;
            collect(rows, item_from_row)
        })
        .await
    }

    async fn price_lists(&self, tenant_id: i64) -> StoreResult<Vec<PriceList>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, audience, currency, valid_from, valid_until, prices
                 FROM mall_price_lists WHERE tenant_id = ?1 ORDER BY id",
            )?;
            collect(stmt.query([tenant_id])?, price_list_from_row)
        })
        .await
    }

    async fn save_price_list(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: PriceListBody,
    ) -> StoreResult<PriceList> {
        self.write(move |conn| {
            let values = params![
                tenant_id,
                b.name,
                b.audience.key(),
                b.currency.as_str(),
                b.valid_from,
                b.valid_until,
                to_json(&b.prices),
                id
            ];
            let id = match id {
                Some(id) => {
                    let changed = conn.execute(
                        "UPDATE mall_price_lists SET name = ?2, audience = ?3, currency = ?4,
                         valid_from = ?5, valid_until = ?6, prices = ?7
                         WHERE tenant_id = ?1 AND id = ?8",
                        values,
                    )?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("price list {id}")));
                    }
                    id
                }
                None => {
                    conn.execute(
                        "INSERT INTO mall_price_lists (tenant_id, name, audience, currency,
                         valid_from, valid_until, prices)
                         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE ?8 IS NULL",
                        values,
                    )?;
                    conn.last_insert_rowid()
                }
            };
            Ok(PriceList { id, body: b })
        })
        .await
    }

    async fn provider_tier(&self, tenant_id: i64, provider_id: i64) -> StoreResult<Option<String>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT tier FROM mall_provider_tiers WHERE tenant_id = ?1 AND provider_id = ?2",
                    params![tenant_id, provider_id],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn set_provider_tier(
        &self,
        tenant_id: i64,
        provider_id: i64,
        tier: Option<String>,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let known: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM service_providers WHERE tenant_id = ?1 AND id = ?2)",
                params![tenant_id, provider_id],
                |r| r.get(0),
            )?;
            if !known {
                return Err(StoreError::NotFound(format!("provider {provider_id}")));
            }
            match tier {
                Some(tier) => conn.execute(
                    "INSERT INTO mall_provider_tiers (tenant_id, provider_id, tier) VALUES (?1, ?2, ?3)
                     ON CONFLICT (tenant_id, provider_id) DO UPDATE SET tier = ?3",
                    params![tenant_id, provider_id, tier],
                )?,
                None => conn.execute(
                    "DELETE FROM mall_provider_tiers WHERE tenant_id = ?1 AND provider_id = ?2",
                    params![tenant_id, provider_id],
                )?,
            };
            Ok(())
        })
        .await
    }

    async fn locations(&self, tenant_id: i64) -> StoreResult<Vec<Location>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, kind, provider_id, ships FROM mall_locations
                 WHERE tenant_id = ?1 ORDER BY id",
            )?;
            collect(stmt.query([tenant_id])?, location_from_row)
        })
        .await
    }

    async fn save_location(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: LocationBody,
    ) -> StoreResult<Location> {
        self.write(move |conn| {
            if let Some(provider) = b.provider_id {
                let known: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM service_providers WHERE tenant_id = ?1 AND id = ?2)",
                    params![tenant_id, provider],
                    |r| r.get(0),
                )?;
                if !known {
                    return Err(StoreError::NotFound(format!("provider {provider}")));
                }
            }
            let what = || format!("location {}", b.name);
            let values = params![
                tenant_id,
                b.name,
                location_kind(b.kind),
                b.provider_id,
                b.ships,
                id
            ];
            let id = match id {
                Some(id) => {
                    let changed = conn
                        .execute(
                            "UPDATE mall_locations SET name = ?2, kind = ?3, provider_id = ?4, ships = ?5
                             WHERE tenant_id = ?1 AND id = ?6",
                            values,
                        )
                        .map_err(conflict_names(what))?;
                    if changed == 0 {
                        return Err(StoreError::NotFound(format!("location {id}")));
                    }
                    id
                }
                None => {
                    conn.execute(
                        "INSERT INTO mall_locations (tenant_id, name, kind, provider_id, ships)
                         SELECT ?1, ?2, ?3, ?4, ?5 WHERE ?6 IS NULL",
                        values,
                    )
                    .map_err(conflict_names(what))?;
                    conn.last_insert_rowid()
                }
            };
            Ok(Location { id, body: b })
        })
        .await
    }

    async fn set_stock(
        &self,
        tenant_id: i64,
        item_id: i64,
        location_id: i64,
        on_hand: u32,
    ) -> StoreResult<StockLevel> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let ok: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM mall_items WHERE tenant_id = ?1 AND id = ?2 AND kind = 'part')
                 AND EXISTS (SELECT 1 FROM mall_locations WHERE tenant_id = ?1 AND id = ?3)",
                params![tenant_id, item_id, location_id],
                |r| r.get(0),
            )?;
            if !ok {
                return Err(StoreError::NotFound(format!("part {item_id} at {location_id}")));
            }
            tx.execute(
                "INSERT INTO mall_stock (tenant_id, item_id, location_id, on_hand) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (item_id, location_id) DO UPDATE SET on_hand = ?4",
                params![tenant_id, item_id, location_id, on_hand],
            )
            .map_err(conflict_names(|| "fewer on hand than reserved".to_owned()))?;
            let level = tx.query_row(
                "SELECT item_id, location_id, on_hand, reserved FROM mall_stock
                 WHERE item_id = ?1 AND location_id = ?2",
                params![item_id, location_id],
                |r| Ok(stock_from_row(r)),
            )??;
            tx.commit()?;
            Ok(level)
        })
        .await
    }

    async fn stock(&self, tenant_id: i64, item_ids: Vec<i64>) -> StoreResult<Vec<StockLevel>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT item_id, location_id, on_hand, reserved FROM mall_stock
                 WHERE tenant_id = ?1 AND item_id IN (SELECT value FROM json_each(?2))
                 ORDER BY item_id, location_id",
            )?;
            collect(
                stmt.query(params![tenant_id, to_json(&item_ids)])?,
                stock_from_row,
            )
        })
        .await
    }

    async fn create_customer(
        &self,
        tenant_id: i64,
        email: String,
        name: String,
        locale: Locale,
        password_hash: String,
        at: i64,
    ) -> StoreResult<Customer> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO mall_customers (tenant_id, email, name, locale, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![tenant_id, email, name, locale.tag(), password_hash, at],
            )
            .map_err(conflict_names(|| format!("customer {email}")))?;
            let id = conn.last_insert_rowid();
            load_customer(conn, tenant_id, id)?.ok_or_else(|| StoreError::invalid("a new customer is gone"))
        })
        .await
    }

    async fn customer(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Customer>> {
        self.read(move |conn| load_customer(conn, tenant_id, id))
            .await
    }

    async fn customer_credentials(
        &self,
        tenant_id: i64,
        email: String,
    ) -> StoreResult<Option<CustomerCredentials>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CUSTOMER_COLUMNS}, password_hash FROM mall_customers
                 WHERE tenant_id = ?1 AND email = ?2"
            ))?;
            let mut rows = stmt.query(params![tenant_id, email])?;
            rows.next()?
                .map(|r| {
                    Ok(CustomerCredentials {
                        customer: customer_from_row(r)?,
                        password_hash: r.get(5)?,
                    })
                })
                .transpose()
        })
        .await
    }

    async fn vouch_for_customer(
        &self,
        tenant_id: i64,
        customer_id: i64,
        at: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE mall_customers SET verified_at = COALESCE(verified_at, ?3)
                 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, customer_id, at],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("customer {customer_id}")));
            }
            Ok(())
        })
        .await
    }

    async fn put_code(
        &self,
        tenant_id: i64,
        customer_id: i64,
        code_hash: String,
        expires_at: i64,
        max_per_hour: u32,
        at: i64,
    ) -> StoreResult<bool> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let sent: u32 = tx.query_row(
                "SELECT count(*) FROM mall_codes WHERE tenant_id = ?1 AND customer_id = ?2
                 AND sent_at > ?3",
                params![tenant_id, customer_id, at - 3600],
                |r| r.get(0),
            )?;
            if sent >= max_per_hour {
                return Ok(false);
            }
            // Earlier codes stop working (kept, spent, for the hourly count).
            tx.execute(
                "UPDATE mall_codes SET expires_at = min(expires_at, ?3)
                 WHERE tenant_id = ?1 AND customer_id = ?2",
                params![tenant_id, customer_id, at - 1],
            )?;
            tx.execute(
                "INSERT INTO mall_codes (tenant_id, customer_id, code_hash, expires_at, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![tenant_id, customer_id, code_hash, expires_at, at],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn check_code(
        &self,
        tenant_id: i64,
        customer_id: i64,
        code_hash: String,
        max_attempts: u32,
        at: i64,
    ) -> StoreResult<CodeCheck> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let live: Option<(i64, String)> = tx
                .query_row(
                    "SELECT rowid, code_hash FROM mall_codes WHERE tenant_id = ?1 AND customer_id = ?2
                     AND expires_at > ?3 AND attempts < ?4 ORDER BY sent_at DESC LIMIT 1",
                    params![tenant_id, customer_id, at, max_attempts],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((row, hash)) = live else {
                return Ok(CodeCheck::Refused);
            };
            let outcome = if hash == code_hash {
                tx.execute("UPDATE mall_codes SET expires_at = ?2 WHERE rowid = ?1", params![row, at])?;
                tx.execute(
                    "UPDATE mall_customers SET verified_at = COALESCE(verified_at, ?3)
                     WHERE tenant_id = ?1 AND id = ?2",
                    params![tenant_id, customer_id, at],
                )?;
                CodeCheck::Verified
            } else {
                tx.execute("UPDATE mall_codes SET attempts = attempts + 1 WHERE rowid = ?1", [row])?;
                CodeCheck::Refused
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn create_customer_session(
        &self,
        tenant_id: i64,
        customer_id: i64,
        token_hash: String,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO mall_customer_sessions (token_hash, tenant_id, customer_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, tenant_id, customer_id, at, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn customer_session(
        &self,
        token_hash: String,
        at: i64,
    ) -> StoreResult<Option<(i64, Customer)>> {
        self.read(move |conn| {
            let session: Option<(i64, i64)> = conn
                .query_row(
                    "SELECT tenant_id, customer_id FROM mall_customer_sessions
                     WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                    params![token_hash, at],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((tenant_id, customer_id)) = session else {
                return Ok(None);
            };
            Ok(load_customer(conn, tenant_id, customer_id)?.map(|c| (tenant_id, c)))
        })
        .await
    }

    async fn end_customer_session(&self, token_hash: String, at: i64) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE mall_customer_sessions SET revoked_at = ?2
                 WHERE token_hash = ?1 AND revoked_at IS NULL",
                params![token_hash, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn place_order(&self, tenant_id: i64, order: NewOrder, at: i64) -> StoreResult<Placed> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let placed = place(&tx, tenant_id, &order, at)?;
            // Nothing of a refused checkout stays.
            if let Placed::New(_) = placed {
                tx.commit()?;
            }
            Ok(placed)
        })
        .await
    }

    async fn order(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Order>> {
        self.read(move |conn| load_order(conn, tenant_id, id)).await
    }

    async fn orders(
        &self,
        tenant_id: i64,
        scope: OrderScope,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<Order>> {
        self.read(move |conn| {
            // Each scope walks its own index newest first; all of a
            // tenant's walks the ids.
            let (filter, value) = match scope {
                OrderScope::All => ("+tenant_id = ?1 AND ?2 IS NULL", None),
                OrderScope::Customer(id) => ("tenant_id = ?1 AND customer_id = ?2", Some(id)),
                OrderScope::Provider(id) => ("tenant_id = ?1 AND provider_id = ?2", Some(id)),
                OrderScope::WorkOrder(id) => ("tenant_id = ?1 AND work_order_id = ?2", Some(id)),
            };
            let before = if before <= 0 { i64::MAX } else { before };
            let ids: Vec<i64> = {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT id FROM mall_orders WHERE {filter} AND id < ?3
                     ORDER BY id DESC LIMIT ?4"
                ))?;
                stmt.query_map(params![tenant_id, value, before, limit], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(load_order(conn, tenant_id, id)?);
            }
            Ok(out)
        })
        .await
    }

    async fn change_order(
        &self,
        tenant_id: i64,
        order_id: i64,
        c: OrderChange,
        at: i64,
    ) -> StoreResult<Order> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = order_status(&tx, tenant_id, order_id)?;
            if now != c.from {
                return Err(StoreError::Conflict(format!(
                    "order {order_id} is {} now, not {}",
                    now.as_str(),
                    c.from.as_str()
                )));
            }
            for effect in &c.effects {
                match effect {
                    Effect::ReleaseReservation => release(&tx, order_id)?,
                    Effect::ConsumeReservation => {
                        let s = c
                            .shipment
                            .as_ref()
                            .ok_or_else(|| StoreError::invalid("a shipment without its lines"))?;
                        consume(&tx, order_id, &s.lines)?;
                    }
                    Effect::Restock => restock(&tx, order_id)?,
                    Effect::CancelPayment | Effect::RefundPayment | Effect::NotifyBuyer => {}
                }
            }
            if let Some(s) = &c.shipment {
                tx.execute(
                    "INSERT INTO mall_shipments (tenant_id, order_id, carrier, tracking, url, status,
                     lines, shipped_at) VALUES (?1, ?2, ?3, ?4, ?5, 'shipped', ?6, ?7)",
                    params![tenant_id, order_id, s.carrier, s.tracking, s.url, to_json(&s.lines), at],
                )?;
            }
            tx.execute(
                "UPDATE mall_orders SET status = ?3, updated_at = ?4,
                 reserved_until = CASE WHEN ?3 = 'pending_payment' THEN reserved_until END
                 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, order_id, c.to.as_str(), at],
            )?;
            if let Some(p) = c.payment {
                tx.execute(
                    "UPDATE mall_payments SET status = ?2, updated_at = ?3 WHERE order_id = ?1",
                    params![order_id, p.as_str(), at],
                )?;
            }
            event(&tx, order_id, at, &c.what, c.to, c.detail.as_deref())?;
            let order = load_order(&tx, tenant_id, order_id)?
                .ok_or_else(|| StoreError::invalid("a changed order is gone"))?;
            tx.commit()?;
            Ok(order)
        })
        .await
    }

    async fn note_payment(
        &self,
        tenant_id: i64,
        order_id: i64,
        status: PaymentStatus,
        what: String,
        at: i64,
    ) -> StoreResult<bool> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let order = order_status(&tx, tenant_id, order_id)?;
            let changed = tx.execute(
                "UPDATE mall_payments SET status = ?2, updated_at = ?3
                 WHERE order_id = ?1 AND status <> ?2",
                params![order_id, status.as_str(), at],
            )?;
            if changed > 0 {
                event(&tx, order_id, at, &what, order, None)?;
            }
            tx.commit()?;
            Ok(changed > 0)
        })
        .await
    }

    async fn payment_order(&self, reference: String) -> StoreResult<Option<(i64, i64)>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT tenant_id, order_id FROM mall_payments WHERE reference = ?1",
                    [reference],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn change_shipment(
        &self,
        tenant_id: i64,
        shipment_id: i64,
        from: ShipmentStatus,
        to: ShipmentStatus,
        at: i64,
    ) -> StoreResult<i64> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let order_id: i64 = tx
                .query_row(
                    "SELECT order_id FROM mall_shipments WHERE tenant_id = ?1 AND id = ?2",
                    params![tenant_id, shipment_id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("shipment {shipment_id}")))?;
            let changed = tx.execute(
                "UPDATE mall_shipments SET status = ?3 WHERE tenant_id = ?1 AND id = ?2 AND status = ?4",
                params![tenant_id, shipment_id, to.as_str(), from.as_str()],
            )?;
            if changed == 0 {
                return Err(StoreError::Conflict(format!("shipment {shipment_id} changed")));
            }
            let status = order_status(&tx, tenant_id, order_id)?;
            let tracking: String = tx.query_row(
                "SELECT tracking FROM mall_shipments WHERE id = ?1",
                [shipment_id],
                |r| r.get(0),
            )?;
            event(
                &tx,
                order_id,
                at,
                &format!("shipment_{}", to.as_str()),
                status,
                Some(&tracking),
            )?;
            tx.commit()?;
            Ok(order_id)
        })
        .await
    }

    async fn shipment_status(
        &self,
        tenant_id: i64,
        shipment_id: i64,
    ) -> StoreResult<Option<(i64, ShipmentStatus)>> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT order_id, status FROM mall_shipments WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, shipment_id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(o, s)| Ok((o, enum_of(s, ShipmentStatus::parse, "shipment status")?)))
            .transpose()
        })
        .await
    }

    async fn expired_orders(&self, at: i64, limit: u32) -> StoreResult<Vec<(i64, i64)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT tenant_id, id FROM mall_orders
                 WHERE status = 'pending_payment' AND reserved_until <= ?1
                 ORDER BY reserved_until LIMIT ?2",
            )?;
            Ok(stmt
                .query_map(params![at, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn create_proposal(
        &self,
        tenant_id: i64,
        p: NewProposal,
        at: i64,
    ) -> StoreResult<Placed> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let earlier: Option<(String, i64)> = tx
                .query_row(
                    "SELECT fingerprint, id FROM mall_proposals
                     WHERE tenant_id = ?1 AND sent_by = ?2 AND idem_key = ?3",
                    params![tenant_id, p.sent_by, p.key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((fingerprint, id)) = earlier {
                return Ok(if fingerprint == p.fingerprint {
                    Placed::Replayed(id)
                } else {
                    Placed::KeyReused
                });
            }
            tx.execute(
                "INSERT INTO mall_proposals (tenant_id, work_order_id, device_id, email, lines,
                 note, status, sent_by, idem_key, fingerprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9, ?10)",
                params![
                    tenant_id,
                    p.work_order_id,
                    p.device_id,
                    p.email,
                    to_json(&p.lines),
                    p.note,
                    p.sent_by,
                    p.key,
                    p.fingerprint,
                    at
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(Placed::New(id))
        })
        .await
    }

    async fn proposal(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Proposal>> {
        self.read(move |conn| load_proposal(conn, tenant_id, id))
            .await
    }

    async fn proposals(&self, tenant_id: i64, scope: ProposalScope) -> StoreResult<Vec<Proposal>> {
        self.read(move |conn| {
            let (filter, value) = match scope {
                ProposalScope::WorkOrder(id) => ("p.work_order_id = ?2", id.to_string()),
                ProposalScope::Email(email) => ("p.email = ?2", email),
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {PROPOSAL_COLUMNS} FROM {PROPOSAL_FROM}
                 WHERE p.tenant_id = ?1 AND {filter} ORDER BY p.id DESC LIMIT 100"
            ))?;
            let mut rows = stmt.query(params![tenant_id, value])?;
            let mut out = vec![];
            while let Some(r) = rows.next()? {
                out.push(proposal_from_row(r)?);
            }
            Ok(out)
        })
        .await
    }

    async fn close_proposal(
        &self,
        tenant_id: i64,
        id: i64,
        to: ProposalStatus,
        at: i64,
    ) -> StoreResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute(
                "UPDATE mall_proposals SET status = ?3, decided_at = ?4
                 WHERE tenant_id = ?1 AND id = ?2 AND status = 'open'",
                params![tenant_id, id, to.as_str(), at],
            )? == 1)
        })
        .await
    }

    async fn customer_work_orders(
        &self,
        tenant_id: i64,
        email: String,
        limit: u32,
    ) -> StoreResult<Vec<i64>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT work_order_id FROM mall_proposals WHERE tenant_id = ?1 AND email = ?2
                 UNION
                 SELECT id FROM work_orders
                 WHERE tenant_id = ?1 AND instr(lower(contact), ?2) > 0
                 ORDER BY 1 DESC LIMIT ?3",
            )?;
            Ok(stmt
                .query_map(params![tenant_id, email, limit], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn queue_notice(&self, tenant_id: i64, n: OutNotice, at: i64) -> StoreResult<bool> {
        self.write(move |conn| {
            let changed = conn.execute(
                "INSERT INTO mall_mail (tenant_id, mailbox_id, client_key, envelope_from, recipients,
                 raw, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (tenant_id, client_key) DO NOTHING",
                params![
                    tenant_id,
                    n.mailbox_id,
                    n.client_key,
                    n.envelope_from,
                    to_json(&n.recipients),
                    n.raw,
                    at
                ],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn due_notices(&self, at: i64, limit: u32) -> StoreResult<Vec<DueNotice>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, tenant_id, mailbox_id, envelope_from, recipients, raw, attempts
                 FROM mall_mail WHERE status = 'queued' AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT ?2",
            )?;
            collect(stmt.query(params![at, limit])?, |r| {
                Ok(DueNotice {
                    id: r.get(0)?,
                    tenant_id: r.get(1)?,
                    mailbox_id: r.get(2)?,
                    envelope_from: r.get(3)?,
                    recipients: from_json(&r.get::<_, String>(4)?)?,
                    raw: r.get(5)?,
                    attempts: r.get(6)?,
                })
            })
        })
        .await
    }

    async fn next_notice_due(&self) -> StoreResult<Option<i64>> {
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT min(next_attempt_at) FROM mall_mail WHERE status = 'queued'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn record_notice(&self, id: i64, result: SendResult, at: i64) -> StoreResult<()> {
        self.write(move |conn| {
            super::outbox::record(conn, super::outbox::Queue::Mall, id, result, at)
        })
        .await
    }
}
