//! [`MallStore`] on PostgreSQL (`0011_mall.sql`). Where SQLite's single
//! writer serializes, rows are locked: a checkout locks the stock rows it
//! reserves from (`FOR UPDATE`, re-checked after waiting) and takes an
//! advisory lock on its idempotency key; a change of an order locks the
//! order; the CHECKs on `mall_stock` refuse any oversell regardless.

use std::collections::BTreeMap;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
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
use tokio_postgres::Row;

use super::outbox::{Queue, record};
use super::{PgStore, conflict_names};
use crate::store::columns::{buyer_key, location_kind};
use crate::store::json::{from_json, to_json};
use crate::store::mall::{
    CodeCheck, CustomerCredentials, DueNotice, ItemQuery, MallStore, NewOrder, NewProposal,
    OrderChange, OrderScope, OutNotice, Placed, ProposalScope, StoredMallSettings,
};
use crate::store::outbox::SendResult;
use crate::store::{StoreError, StoreResult};

fn currency(text: &str) -> StoreResult<Currency> {
    Currency::parse(text).ok_or_else(|| StoreError::invalid(format!("currency {text}")))
}

fn enum_of<T>(text: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> StoreResult<T> {
    parse(text).ok_or_else(|| StoreError::invalid(format!("{what} {text}")))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

const ITEM_COLUMNS: &str = "i.id, i.sku, i.kind, i.name, i.description, i.original, i.unit,
    i.category, i.photos, i.models, i.list_price, i.currency, i.enabled, i.updated_at";

fn item_from_row(r: &Row) -> StoreResult<Item> {
    Ok(Item {
        id: r.get(0),
        body: ItemBody {
            sku: r.get(1),
            kind: enum_of(r.get(2), ItemKind::parse, "item kind")?,
            name: from_json(r.get(3))?,
            description: from_json(r.get(4))?,
            original: r.get(5),
            unit: r.get(6),
            category: r.get(7),
            photos: from_json(r.get(8))?,
            models: from_json(r.get(9))?,
            list_price: Money::new(r.get(10), currency(r.get(11))?),
            enabled: r.get(12),
        },
        updated_at: r.get(13),
    })
}

async fn load_item(db: &impl GenericClient, tenant_id: i64, id: i64) -> StoreResult<Option<Item>> {
    db.query_opt(
        &format!("SELECT {ITEM_COLUMNS} FROM mall_items i WHERE i.tenant_id = $1 AND i.id = $2"),
        &[&tenant_id, &id],
    )
    .await?
    .as_ref()
    .map(item_from_row)
    .transpose()
}

fn price_list_from_row(r: &Row) -> StoreResult<PriceList> {
    let audience: &str = r.get(2);
    Ok(PriceList {
        id: r.get(0),
        body: PriceListBody {
            name: r.get(1),
            audience: Audience::from_key(audience)
                .ok_or_else(|| StoreError::invalid(format!("audience {audience}")))?,
            currency: currency(r.get(3))?,
            valid_from: r.get(4),
            valid_until: r.get(5),
            prices: from_json(r.get(6))?,
        },
    })
}

fn location_from_row(r: &Row) -> Location {
    Location {
        id: r.get(0),
        body: LocationBody {
            name: r.get(1),
            kind: match r.get::<_, &str>(2) {
                "depot" => LocationKind::Depot,
                _ => LocationKind::Warehouse,
            },
            provider_id: r.get(3),
            ships: r.get(4),
        },
    }
}

fn stock_from_row(r: &Row) -> StoreResult<StockLevel> {
    let n = |i: usize| -> StoreResult<u32> {
        u32::try_from(r.get::<_, i64>(i)).map_err(|e| StoreError::database("stock", e))
    };
    Ok(StockLevel {
        item_id: r.get(0),
        location_id: r.get(1),
        on_hand: n(2)?,
        reserved: n(3)?,
    })
}

const CUSTOMER_COLUMNS: &str = "id, email, name, locale, verified_at";

fn customer_from_row(r: &Row) -> Customer {
    Customer {
        id: r.get(0),
        email: r.get(1),
        name: r.get(2),
        locale: Locale::negotiate(r.get(3)),
        verified: r.get::<_, Option<i64>>(4).is_some(),
    }
}

async fn load_customer(
    db: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<Option<Customer>> {
    Ok(db
        .query_opt(
            &format!(
                "SELECT {CUSTOMER_COLUMNS} FROM mall_customers WHERE tenant_id = $1 AND id = $2"
            ),
            &[&tenant_id, &id],
        )
        .await?
        .map(|r| customer_from_row(&r)))
}

/// Serializes the transactions that use one idempotency key.
async fn lock_key(
    tx: &impl GenericClient,
    scope: &str,
    tenant_id: i64,
    key: &str,
) -> StoreResult<()> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2::BIGINT || ':' || $3, 0))",
        &[&scope, &tenant_id, &key],
    )
    .await?;
    Ok(())
}

const ORDER_COLUMNS: &str = "id, customer_id, provider_id, user_id, status, currency, total,
    delivery, reserved_until, work_order_id, device_id, created_at";

async fn load_order(
    db: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<Option<Order>> {
    let Some(h) = db
        .query_opt(
            &format!("SELECT {ORDER_COLUMNS} FROM mall_orders WHERE tenant_id = $1 AND id = $2"),
            &[&tenant_id, &id],
        )
        .await?
    else {
        return Ok(None);
    };
    let currency = currency(h.get(5))?;
    let money = |minor: i64| Money::new(minor, currency);
    let buyer = match (
        h.get::<_, Option<i64>>(1),
        h.get::<_, Option<i64>>(2),
        h.get::<_, Option<i64>>(3),
    ) {
        (Some(customer_id), _, _) => Buyer::Customer { customer_id },
        (None, Some(provider_id), user) => Buyer::Provider {
            provider_id,
            user_id: user.unwrap_or_default(),
        },
        _ => return Err(StoreError::invalid(format!("order {id} without a buyer"))),
    };
    let lines = db
        .query(
            "SELECT item_id, sku, name, quantity, unit_price, list_price, total, shipped
             FROM mall_order_lines WHERE order_id = $1 ORDER BY item_id",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(OrderLine {
                item_id: r.get(0),
                sku: r.get(1),
                name: from_json(r.get(2))?,
                quantity: count(r.get(3)),
                unit_price: money(r.get(4)),
                list_price: money(r.get(5)),
                total: money(r.get(6)),
                shipped: count(r.get(7)),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let p = db
        .query_one(
            "SELECT method, status, amount, reference FROM mall_payments WHERE order_id = $1",
            &[&id],
        )
        .await?;
    let payment = Payment {
        method: enum_of(p.get(0), PaymentMethod::parse, "payment method")?,
        status: enum_of(p.get(1), PaymentStatus::parse, "payment status")?,
        amount: money(p.get(2)),
        reference: p.get(3),
    };
    let shipments = db
        .query(
            "SELECT id, carrier, tracking, url, status, lines, shipped_at
             FROM mall_shipments WHERE order_id = $1 ORDER BY id",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Shipment {
                id: r.get(0),
                carrier: r.get(1),
                tracking: r.get(2),
                url: r.get(3),
                status: enum_of(r.get(4), ShipmentStatus::parse, "shipment status")?,
                lines: from_json(r.get(5))?,
                shipped_at: r.get(6),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let timeline = db
        .query(
            "SELECT at, what, status, detail FROM mall_order_events WHERE order_id = $1 ORDER BY id",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(TimelineEntry {
                at: r.get(0),
                what: r.get(1),
                status: enum_of(r.get(2), OrderStatus::parse, "order status")?,
                detail: r.get(3),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(Order {
        id,
        buyer,
        status: enum_of(h.get(4), OrderStatus::parse, "order status")?,
        lines,
        total: money(h.get(6)),
        delivery: from_json(h.get(7))?,
        payment,
        shipments,
        timeline,
        reserved_until: h.get(8),
        work_order_id: h.get(9),
        device_id: h.get(10),
        created_at: h.get(11),
    }))
}

async fn event(
    tx: &impl GenericClient,
    order_id: i64,
    at: i64,
    what: &str,
    status: OrderStatus,
    detail: Option<&str>,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mall_order_events (order_id, at, what, status, detail)
         VALUES ($1, $2, $3, $4, $5)",
        &[&order_id, &at, &what, &status.as_str(), &detail],
    )
    .await?;
    Ok(())
}

/// Gives back what the order still holds.
async fn release(tx: &impl GenericClient, order_id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE mall_stock s SET reserved = s.reserved - r.held
         FROM mall_reservations r
         WHERE r.order_id = $1 AND r.held > 0
           AND s.item_id = r.item_id AND s.location_id = r.location_id",
        &[&order_id],
    )
    .await?;
    tx.execute(
        "UPDATE mall_reservations SET held = 0 WHERE order_id = $1",
        &[&order_id],
    )
    .await?;
    Ok(())
}

/// Takes shipped units off the shelf and out of the order's hold.
async fn consume(
    tx: &impl GenericClient,
    order_id: i64,
    lines: &BTreeMap<i64, u32>,
) -> StoreResult<()> {
    for (item, units) in lines {
        let mut left = i64::from(*units);
        let holds: Vec<(i64, i64)> = tx
            .query(
                "SELECT location_id, held FROM mall_reservations
                 WHERE order_id = $1 AND item_id = $2 AND held > 0 ORDER BY location_id",
                &[&order_id, item],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        for (location, held) in holds {
            let take = held.min(left);
            if take == 0 {
                break;
            }
            tx.execute(
                "UPDATE mall_stock SET on_hand = on_hand - $3, reserved = reserved - $3
                 WHERE item_id = $1 AND location_id = $2",
                &[item, &location, &take],
            )
            .await?;
            tx.execute(
                "UPDATE mall_reservations SET held = held - $4, shipped = shipped + $4
                 WHERE order_id = $1 AND item_id = $2 AND location_id = $3",
                &[&order_id, item, &location, &take],
            )
            .await?;
            left -= take;
        }
        let changed = tx
            .execute(
                "UPDATE mall_order_lines SET shipped = shipped + $3 WHERE order_id = $1 AND item_id = $2",
                &[&order_id, item, &i64::from(*units)],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "item {item} of order {order_id}"
            )));
        }
    }
    Ok(())
}

/// Puts shipped (returned) units back on the shelf they came from.
async fn restock(tx: &impl GenericClient, order_id: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE mall_stock s SET on_hand = s.on_hand + r.shipped
         FROM mall_reservations r
         WHERE r.order_id = $1 AND r.shipped > 0
           AND s.item_id = r.item_id AND s.location_id = r.location_id",
        &[&order_id],
    )
    .await?;
    tx.execute(
        "UPDATE mall_reservations SET shipped = 0 WHERE order_id = $1",
        &[&order_id],
    )
    .await?;
    Ok(())
}

/// The order's status, its row locked until the transaction ends.
async fn lock_order_status(
    tx: &impl GenericClient,
    tenant_id: i64,
    order_id: i64,
) -> StoreResult<OrderStatus> {
    let row = tx
        .query_opt(
            "SELECT status FROM mall_orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
            &[&tenant_id, &order_id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("order {order_id}")))?;
    enum_of(row.get(0), OrderStatus::parse, "order status")
}

async fn place(
    tx: &impl GenericClient,
    tenant_id: i64,
    o: &NewOrder,
    at: i64,
) -> StoreResult<Placed> {
    let buyer = buyer_key(&o.buyer);
    lock_key(tx, &format!("checkout:{buyer}"), tenant_id, &o.key).await?;
    let earlier = tx
        .query_opt(
            "SELECT fingerprint, order_id FROM mall_idempotency
             WHERE tenant_id = $1 AND buyer = $2 AND key = $3",
            &[&tenant_id, &buyer, &o.key],
        )
        .await?;
    if let Some(r) = earlier {
        return Ok(if r.get::<_, &str>(0) == o.fingerprint {
            Placed::Replayed(r.get(1))
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
    let order_id: i64 = tx
        .query_one(
            "INSERT INTO mall_orders (tenant_id, customer_id, provider_id, user_id, status, currency,
             total, delivery, reserved_until, work_order_id, device_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            &[
                &tenant_id,
                &customer,
                &provider,
                &user,
                &status.as_str(),
                &o.total.currency.as_str(),
                &o.total.minor,
                &to_json(&o.delivery),
                &o.reserved_until,
                &o.work_order_id,
                &o.device_id,
                &at,
            ],
        )
        .await?
        .get(0);
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
             list_price, total) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &order_id,
                item_id,
                sku,
                &to_json(item_name),
                &i64::from(*quantity),
                &unit_price.minor,
                &list_price.minor,
                &total.minor,
            ],
        )
        .await?;
    }
    for (item, units) in &o.reserve {
        let units = i64::from(*units);
        // Locked, and checked again once a racing checkout let go of it.
        let location = tx
            .query_opt(
                "SELECT s.location_id FROM mall_stock s
                 JOIN mall_locations l ON l.id = s.location_id AND l.ships
                 WHERE s.tenant_id = $1 AND s.item_id = $2 AND s.on_hand - s.reserved >= $3
                 ORDER BY l.id LIMIT 1 FOR UPDATE OF s",
                &[&tenant_id, item, &units],
            )
            .await?;
        let Some(location) = location.map(|r| r.get::<_, i64>(0)) else {
            return Ok(Placed::OutOfStock(*item));
        };
        tx.execute(
            "UPDATE mall_stock SET reserved = reserved + $3 WHERE item_id = $1 AND location_id = $2",
            &[item, &location, &units],
        )
        .await?;
        tx.execute(
            "INSERT INTO mall_reservations (order_id, item_id, location_id, held)
             VALUES ($1, $2, $3, $4)",
            &[&order_id, item, &location, &units],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO mall_payments (order_id, tenant_id, method, status, amount, reference, updated_at)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6)",
        &[
            &order_id,
            &tenant_id,
            &o.method.as_str(),
            &o.total.minor,
            &o.reference,
            &at,
        ],
    )
    .await?;
    event(tx, order_id, at, "placed", status, None).await?;
    if let Some(proposal) = o.proposal_id {
        let approved = tx
            .execute(
                "UPDATE mall_proposals SET status = 'approved', order_id = $3, decided_at = $4
                 WHERE tenant_id = $1 AND id = $2 AND status = 'open'",
                &[&tenant_id, &proposal, &order_id, &at],
            )
            .await?;
        if approved == 0 {
            return Ok(Placed::ProposalClosed);
        }
    }
    tx.execute(
        "INSERT INTO mall_idempotency (tenant_id, buyer, key, fingerprint, order_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&tenant_id, &buyer, &o.key, &o.fingerprint, &order_id, &at],
    )
    .await?;
    Ok(Placed::New(order_id))
}

const PROPOSAL_COLUMNS: &str = "p.id, p.work_order_id, w.number, p.device_id, d.fields,
    p.email, p.lines, p.note, p.status, p.order_id, p.sent_by, u.display_name, p.created_at,
    p.decided_at";

const PROPOSAL_FROM: &str = "mall_proposals p
    JOIN work_orders w ON w.id = p.work_order_id
    JOIN users u ON u.id = p.sent_by
    LEFT JOIN devices d ON d.id = p.device_id";

fn proposal_from_row(r: &Row) -> StoreResult<Proposal> {
    let device = fieldesk_core::device::Device {
        id: r.get(3),
        fields: r
            .get::<_, Option<&str>>(4)
            .map(from_json)
            .transpose()?
            .unwrap_or_default(),
    };
    Ok(Proposal {
        id: r.get(0),
        work_order_id: r.get(1),
        work_order_number: r.get(2),
        device_id: device.id,
        device_label: device.label(),
        email: r.get(5),
        lines: from_json(r.get(6))?,
        note: r.get(7),
        status: enum_of(r.get(8), ProposalStatus::parse, "proposal status")?,
        order_id: r.get(9),
        sent_by: r.get(10),
        sent_by_name: r.get(11),
        created_at: r.get(12),
        decided_at: r.get(13),
    })
}

#[async_trait]
impl MallStore for PgStore {
    async fn mall_settings(&self, tenant_id: i64) -> StoreResult<StoredMallSettings> {
        let db = self.client().await?;
        let Some(r) = db
            .query_opt(
                "SELECT enabled, currency, mailbox_id, payment_methods, webhook_secret
                 FROM mall_settings WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?
        else {
            return Ok(StoredMallSettings::default());
        };
        Ok(StoredMallSettings {
            settings: MallSettings {
                enabled: r.get(0),
                currency: currency(r.get(1))?,
                mailbox_id: r.get(2),
                payment_methods: from_json(r.get(3))?,
            },
            webhook_secret: r.get(4),
        })
    }

    async fn save_mall_settings(&self, tenant_id: i64, s: MallSettings) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO mall_settings (tenant_id, enabled, currency, mailbox_id, payment_methods)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id) DO UPDATE SET enabled = EXCLUDED.enabled,
             currency = EXCLUDED.currency, mailbox_id = EXCLUDED.mailbox_id,
             payment_methods = EXCLUDED.payment_methods",
            &[
                &tenant_id,
                &s.enabled,
                &s.currency.as_str(),
                &s.mailbox_id,
                &to_json(&s.payment_methods),
            ],
        )
        .await?;
        Ok(())
    }

    async fn webhook_secret(&self, tenant_id: i64, sealed: String) -> StoreResult<String> {
        let db = self.client().await?;
        Ok(db
            .query_one(
                "INSERT INTO mall_settings (tenant_id, webhook_secret) VALUES ($1, $2)
                 ON CONFLICT (tenant_id) DO UPDATE SET
                 webhook_secret = COALESCE(mall_settings.webhook_secret, EXCLUDED.webhook_secret)
                 RETURNING webhook_secret",
                &[&tenant_id, &sealed],
            )
            .await?
            .get(0))
    }

    async fn save_item(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: ItemBody,
        terms: Vec<String>,
        at: i64,
    ) -> StoreResult<Item> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let what = || format!("item {}", b.sku);
        let (name, description) = (to_json(&b.name), to_json(&b.description));
        let (photos, models) = (to_json(&b.photos), to_json(&b.models));
        let id: i64 = match id {
            Some(id) => {
                let changed = tx
                    .execute(
                        "UPDATE mall_items SET sku = $2, kind = $3, name = $4, description = $5,
                         original = $6, unit = $7, category = $8, photos = $9, models = $10,
                         list_price = $11, currency = $12, enabled = $13, updated_at = $14
                         WHERE tenant_id = $1 AND id = $15",
                        &[
                            &tenant_id,
                            &b.sku,
                            &b.kind.as_str(),
                            &name,
                            &description,
                            &b.original,
                            &b.unit,
                            &b.category,
                            &photos,
                            &models,
                            &b.list_price.minor,
                            &b.list_price.currency.as_str(),
                            &b.enabled,
                            &at,
                            &id,
                        ],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("item {id}")));
                }
                id
            }
            None => tx
                .query_one(
                    "INSERT INTO mall_items (tenant_id, sku, kind, name, description, original,
                     unit, category, photos, models, list_price, currency, enabled, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                     RETURNING id",
                    &[
                        &tenant_id,
                        &b.sku,
                        &b.kind.as_str(),
                        &name,
                        &description,
                        &b.original,
                        &b.unit,
                        &b.category,
                        &photos,
                        &models,
                        &b.list_price.minor,
                        &b.list_price.currency.as_str(),
                        &b.enabled,
                        &at,
                    ],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        tx.execute(
            "DELETE FROM mall_item_models WHERE tenant_id = $1 AND item_id = $2",
            &[&tenant_id, &id],
        )
        .await?;
        let keys: Vec<String> = b.models.iter().map(|m| model_key(m)).collect();
        tx.execute(
            "INSERT INTO mall_item_models (tenant_id, model_key, item_id)
             SELECT $1, k, $2 FROM unnest($3::TEXT[]) AS k ON CONFLICT DO NOTHING",
            &[&tenant_id, &id, &keys],
        )
        .await?;
        tx.execute("DELETE FROM mall_item_terms WHERE item_id = $1", &[&id])
            .await?;
        tx.execute(
            "INSERT INTO mall_item_terms (tenant_id, term, item_id)
             SELECT $1, t, $2 FROM unnest($3::TEXT[]) AS t ON CONFLICT DO NOTHING",
            &[&tenant_id, &id, &terms],
        )
        .await?;
        let item = load_item(&tx, tenant_id, id)
            .await?
            .ok_or_else(|| StoreError::invalid("a saved item is gone"))?;
        tx.commit().await?;
        Ok(item)
    }

    async fn item(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Item>> {
        let db = self.client().await?;
        load_item(&db, tenant_id, id).await
    }

    async fn items_by_id(&self, tenant_id: i64, ids: Vec<i64>) -> StoreResult<Vec<Item>> {
        let db = self.client().await?;
        db.query(
            &format!(
                "SELECT {ITEM_COLUMNS} FROM mall_items i
                 WHERE i.id = ANY($2) AND i.tenant_id = $1 ORDER BY i.id"
            ),
            &[&tenant_id, &ids],
        )
        .await?
        .iter()
        .map(item_from_row)
        .collect()
    }

    async fn categories(&self, tenant_id: i64) -> StoreResult<Vec<Category>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT category, COUNT(*) FROM mall_items
                 WHERE tenant_id = $1 AND enabled AND category <> ''
                 GROUP BY category ORDER BY category COLLATE \"C\"",
                &[&tenant_id],
            )
            .await?
            .iter()
            .map(|r| Category {
                name: r.get(0),
                items: count(r.get(1)),
            })
            .collect())
    }

    async fn missing_photos(&self, tenant_id: i64, ids: Vec<String>) -> StoreResult<Vec<String>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT t.id FROM unnest($2::TEXT[]) WITH ORDINALITY AS t(id, n)
                 WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.tenant_id = $1 AND p.id = t.id)
                 ORDER BY t.n",
                &[&tenant_id, &ids],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn item_photo(
        &self,
        tenant_id: i64,
        id: String,
        on_sale_only: bool,
    ) -> StoreResult<Option<(String, Vec<u8>)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT p.content_type, p.bytes FROM photos p
                 WHERE p.tenant_id = $1 AND p.id = $2 AND EXISTS (
                     SELECT 1 FROM mall_items i
                     WHERE i.tenant_id = $1 AND i.photos::JSONB @> jsonb_build_array($2::TEXT)
                       AND (i.enabled OR NOT $3))",
                &[&tenant_id, &id, &on_sale_only],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn items(&self, tenant_id: i64, q: ItemQuery) -> StoreResult<Vec<Item>> {
        let db = self.client().await?;
        // Every term must match; a page walks the ids after `after`.
        let mut terms = q.terms.clone();
        terms.sort_unstable();
        terms.dedup();
        let mut sql =
            format!("SELECT {ITEM_COLUMNS} FROM mall_items i WHERE i.tenant_id = $1 AND i.id > $4");
        if !terms.is_empty() {
            sql.push_str(
                " AND i.id IN (SELECT t.item_id FROM mall_item_terms t
                   WHERE t.tenant_id = $1 AND t.term = ANY($2)
                   GROUP BY t.item_id HAVING COUNT(*) = cardinality($2))",
            );
        } else {
            sql.push_str(" AND cardinality($2::TEXT[]) = 0");
        }
        sql.push_str(
            " AND ($3::TEXT IS NULL OR EXISTS (SELECT 1 FROM mall_item_models m
               WHERE m.tenant_id = $1 AND m.model_key = $3 AND m.item_id = i.id))",
        );
        if q.enabled_only {
            sql.push_str(" AND i.enabled");
        }
        sql.push_str(" AND ($6::TEXT IS NULL OR i.category = $6) ORDER BY i.id LIMIT $5");
        db.query(
            &sql,
            &[
                &tenant_id,
                &terms,
                &q.model.as_deref().map(model_key),
                &q.after,
                &i64::from(q.limit),
                &q.category,
            ],
        )
        .await?
        .iter()
        .map(item_from_row)
        .collect()
    }

    async fn price_lists(&self, tenant_id: i64) -> StoreResult<Vec<PriceList>> {
        let db = self.client().await?;
        db.query(
            "SELECT id, name, audience, currency, valid_from, valid_until, prices
             FROM mall_price_lists WHERE tenant_id = $1 ORDER BY id",
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(price_list_from_row)
        .collect()
    }

    async fn save_price_list(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: PriceListBody,
    ) -> StoreResult<PriceList> {
        let db = self.client().await?;
        let (audience, prices) = (b.audience.key(), to_json(&b.prices));
        let id = match id {
            Some(id) => {
                let changed = db
                    .execute(
                        "UPDATE mall_price_lists SET name = $2, audience = $3, currency = $4,
                         valid_from = $5, valid_until = $6, prices = $7
                         WHERE tenant_id = $1 AND id = $8",
                        &[
                            &tenant_id,
                            &b.name,
                            &audience,
                            &b.currency.as_str(),
                            &b.valid_from,
                            &b.valid_until,
                            &prices,
                            &id,
                        ],
                    )
                    .await?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("price list {id}")));
                }
                id
            }
            None => db
                .query_one(
                    "INSERT INTO mall_price_lists (tenant_id, name, audience, currency,
                     valid_from, valid_until, prices)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[
                        &tenant_id,
                        &b.name,
                        &audience,
                        &b.currency.as_str(),
                        &b.valid_from,
                        &b.valid_until,
                        &prices,
                    ],
                )
                .await?
                .get(0),
        };
        Ok(PriceList { id, body: b })
    }

    async fn provider_tier(&self, tenant_id: i64, provider_id: i64) -> StoreResult<Option<String>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT tier FROM mall_provider_tiers WHERE tenant_id = $1 AND provider_id = $2",
                &[&tenant_id, &provider_id],
            )
            .await?
            .map(|r| r.get(0)))
    }

    async fn set_provider_tier(
        &self,
        tenant_id: i64,
        provider_id: i64,
        tier: Option<String>,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        let known: bool = db
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM service_providers WHERE tenant_id = $1 AND id = $2)",
                &[&tenant_id, &provider_id],
            )
            .await?
            .get(0);
        if !known {
            return Err(StoreError::NotFound(format!("provider {provider_id}")));
        }
        match tier {
            Some(tier) => {
                db.execute(
                    "INSERT INTO mall_provider_tiers (tenant_id, provider_id, tier) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id, provider_id) DO UPDATE SET tier = EXCLUDED.tier",
                    &[&tenant_id, &provider_id, &tier],
                )
                .await?
            }
            None => {
                db.execute(
                    "DELETE FROM mall_provider_tiers WHERE tenant_id = $1 AND provider_id = $2",
                    &[&tenant_id, &provider_id],
                )
                .await?
            }
        };
        Ok(())
    }

    async fn locations(&self, tenant_id: i64) -> StoreResult<Vec<Location>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT id, name, kind, provider_id, ships FROM mall_locations
                 WHERE tenant_id = $1 ORDER BY id",
                &[&tenant_id],
            )
            .await?
            .iter()
            .map(location_from_row)
            .collect())
    }

    async fn save_location(
        &self,
        tenant_id: i64,
        id: Option<i64>,
        b: LocationBody,
    ) -> StoreResult<Location> {
        let db = self.client().await?;
        if let Some(provider) = b.provider_id {
            let known: bool = db
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM service_providers WHERE tenant_id = $1 AND id = $2)",
                    &[&tenant_id, &provider],
                )
                .await?
                .get(0);
            if !known {
                return Err(StoreError::NotFound(format!("provider {provider}")));
            }
        }
        let what = || format!("location {}", b.name);
        let kind = location_kind(b.kind);
        let id = match id {
            Some(id) => {
                let changed = db
                    .execute(
                        "UPDATE mall_locations SET name = $2, kind = $3, provider_id = $4, ships = $5
                         WHERE tenant_id = $1 AND id = $6",
                        &[&tenant_id, &b.name, &kind, &b.provider_id, &b.ships, &id],
                    )
                    .await
                    .map_err(conflict_names(what))?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("location {id}")));
                }
                id
            }
            None => db
                .query_one(
                    "INSERT INTO mall_locations (tenant_id, name, kind, provider_id, ships)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[&tenant_id, &b.name, &kind, &b.provider_id, &b.ships],
                )
                .await
                .map_err(conflict_names(what))?
                .get(0),
        };
        Ok(Location { id, body: b })
    }

    async fn set_stock(
        &self,
        tenant_id: i64,
        item_id: i64,
        location_id: i64,
        on_hand: u32,
    ) -> StoreResult<StockLevel> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let ok: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM mall_items WHERE tenant_id = $1 AND id = $2 AND kind = 'part')
                 AND EXISTS (SELECT 1 FROM mall_locations WHERE tenant_id = $1 AND id = $3)",
                &[&tenant_id, &item_id, &location_id],
            )
            .await?
            .get(0);
        if !ok {
            return Err(StoreError::NotFound(format!(
                "part {item_id} at {location_id}"
            )));
        }
        let level = tx
            .query_one(
                "INSERT INTO mall_stock (tenant_id, item_id, location_id, on_hand) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (item_id, location_id) DO UPDATE SET on_hand = EXCLUDED.on_hand
                 RETURNING item_id, location_id, on_hand, reserved",
                &[&tenant_id, &item_id, &location_id, &i64::from(on_hand)],
            )
            .await
            .map_err(|e| match e.code() {
                Some(c) if *c == tokio_postgres::error::SqlState::CHECK_VIOLATION => {
                    StoreError::Conflict("fewer on hand than reserved".to_owned())
                }
                _ => e.into(),
            })?;
        let level = stock_from_row(&level)?;
        tx.commit().await?;
        Ok(level)
    }

    async fn stock(&self, tenant_id: i64, item_ids: Vec<i64>) -> StoreResult<Vec<StockLevel>> {
        let db = self.client().await?;
        db.query(
            "SELECT item_id, location_id, on_hand, reserved FROM mall_stock
             WHERE tenant_id = $1 AND item_id = ANY($2) ORDER BY item_id, location_id",
            &[&tenant_id, &item_ids],
        )
        .await?
        .iter()
        .map(stock_from_row)
        .collect()
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
        let db = self.client().await?;
        let row = db
            .query_one(
                &format!(
                    "INSERT INTO mall_customers (tenant_id, email, name, locale, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CUSTOMER_COLUMNS}"
                ),
                &[&tenant_id, &email, &name, &locale.tag(), &password_hash, &at],
            )
            .await
            .map_err(conflict_names(|| format!("customer {email}")))?;
        Ok(customer_from_row(&row))
    }

    async fn customer(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Customer>> {
        let db = self.client().await?;
        load_customer(&db, tenant_id, id).await
    }

    async fn customer_credentials(
        &self,
        tenant_id: i64,
        email: String,
    ) -> StoreResult<Option<CustomerCredentials>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                &format!(
                    "SELECT {CUSTOMER_COLUMNS}, password_hash FROM mall_customers
                     WHERE tenant_id = $1 AND email = $2"
                ),
                &[&tenant_id, &email],
            )
            .await?
            .map(|r| CustomerCredentials {
                customer: customer_from_row(&r),
                password_hash: r.get(5),
            }))
    }

    async fn vouch_for_customer(
        &self,
        tenant_id: i64,
        customer_id: i64,
        at: i64,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        let changed = db
            .execute(
                "UPDATE mall_customers SET verified_at = COALESCE(verified_at, $3)
                 WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &customer_id, &at],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("customer {customer_id}")));
        }
        Ok(())
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
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        // One sender at a time per customer: the hourly count holds.
        tx.query_opt(
            "SELECT 1 FROM mall_customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
            &[&tenant_id, &customer_id],
        )
        .await?;
        let sent: i64 = tx
            .query_one(
                "SELECT count(*) FROM mall_codes WHERE tenant_id = $1 AND customer_id = $2
                 AND sent_at > $3",
                &[&tenant_id, &customer_id, &(at - 3600)],
            )
            .await?
            .get(0);
        if sent >= i64::from(max_per_hour) {
            return Ok(false);
        }
        // Earlier codes stop working (kept, spent, for the hourly count).
        tx.execute(
            "UPDATE mall_codes SET expires_at = LEAST(expires_at, $3)
             WHERE tenant_id = $1 AND customer_id = $2",
            &[&tenant_id, &customer_id, &(at - 1)],
        )
        .await?;
        tx.execute(
            "INSERT INTO mall_codes (tenant_id, customer_id, code_hash, expires_at, sent_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&tenant_id, &customer_id, &code_hash, &expires_at, &at],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn check_code(
        &self,
        tenant_id: i64,
        customer_id: i64,
        code_hash: String,
        max_attempts: u32,
        at: i64,
    ) -> StoreResult<CodeCheck> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let Some(live) = tx
            .query_opt(
                "SELECT id, code_hash FROM mall_codes WHERE tenant_id = $1 AND customer_id = $2
                 AND expires_at > $3 AND attempts < $4 ORDER BY sent_at DESC LIMIT 1 FOR UPDATE",
                &[&tenant_id, &customer_id, &at, &i64::from(max_attempts)],
            )
            .await?
        else {
            return Ok(CodeCheck::Refused);
        };
        let row: i64 = live.get(0);
        let outcome = if live.get::<_, &str>(1) == code_hash {
            tx.execute(
                "UPDATE mall_codes SET expires_at = $2 WHERE id = $1",
                &[&row, &at],
            )
            .await?;
            tx.execute(
                "UPDATE mall_customers SET verified_at = COALESCE(verified_at, $3)
                 WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &customer_id, &at],
            )
            .await?;
            CodeCheck::Verified
        } else {
            tx.execute(
                "UPDATE mall_codes SET attempts = attempts + 1 WHERE id = $1",
                &[&row],
            )
            .await?;
            CodeCheck::Refused
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn create_customer_session(
        &self,
        tenant_id: i64,
        customer_id: i64,
        token_hash: String,
        at: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO mall_customer_sessions (token_hash, tenant_id, customer_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&token_hash, &tenant_id, &customer_id, &at, &expires_at],
        )
        .await?;
        Ok(())
    }

    async fn customer_session(
        &self,
        token_hash: String,
        at: i64,
    ) -> StoreResult<Option<(i64, Customer)>> {
        let db = self.client().await?;
        let Some(s) = db
            .query_opt(
                "SELECT tenant_id, customer_id FROM mall_customer_sessions
                 WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
                &[&token_hash, &at],
            )
            .await?
        else {
            return Ok(None);
        };
        let (tenant_id, customer_id): (i64, i64) = (s.get(0), s.get(1));
        Ok(load_customer(&db, tenant_id, customer_id)
            .await?
            .map(|c| (tenant_id, c)))
    }

    async fn end_customer_session(&self, token_hash: String, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "UPDATE mall_customer_sessions SET revoked_at = $2
             WHERE token_hash = $1 AND revoked_at IS NULL",
            &[&token_hash, &at],
        )
        .await?;
        Ok(())
    }

    async fn place_order(&self, tenant_id: i64, order: NewOrder, at: i64) -> StoreResult<Placed> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let placed = place(&tx, tenant_id, &order, at).await?;
        // Nothing of a refused checkout stays.
        if let Placed::New(_) = placed {
            tx.commit().await?;
        }
        Ok(placed)
    }

    async fn order(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Order>> {
        let db = self.client().await?;
        load_order(&db, tenant_id, id).await
    }

    async fn orders(
        &self,
        tenant_id: i64,
        scope: OrderScope,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<Order>> {
        let db = self.client().await?;
        let (filter, value) = match scope {
            OrderScope::All => ("$2::BIGINT IS NULL", None),
            OrderScope::Customer(id) => ("customer_id = $2", Some(id)),
            OrderScope::Provider(id) => ("provider_id = $2", Some(id)),
            OrderScope::WorkOrder(id) => ("work_order_id = $2", Some(id)),
        };
        let before = if before <= 0 { i64::MAX } else { before };
        let ids: Vec<i64> = db
            .query(
                &format!(
                    "SELECT id FROM mall_orders WHERE tenant_id = $1 AND {filter} AND id < $3
                     ORDER BY id DESC LIMIT $4"
                ),
                &[&tenant_id, &value, &before, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(load_order(&db, tenant_id, id).await?);
        }
        Ok(out)
    }

    async fn change_order(
        &self,
        tenant_id: i64,
        order_id: i64,
        c: OrderChange,
        at: i64,
    ) -> StoreResult<Order> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let now = lock_order_status(&tx, tenant_id, order_id).await?;
        if now != c.from {
            return Err(StoreError::Conflict(format!(
                "order {order_id} is {} now, not {}",
                now.as_str(),
                c.from.as_str()
            )));
        }
        for effect in &c.effects {
            match effect {
                Effect::ReleaseReservation => release(&tx, order_id).await?,
                Effect::ConsumeReservation => {
                    let s = c
                        .shipment
                        .as_ref()
                        .ok_or_else(|| StoreError::invalid("a shipment without its lines"))?;
                    consume(&tx, order_id, &s.lines).await?;
                }
                Effect::Restock => restock(&tx, order_id).await?,
                Effect::CancelPayment | Effect::RefundPayment | Effect::NotifyBuyer => {}
            }
        }
        if let Some(s) = &c.shipment {
            tx.execute(
                "INSERT INTO mall_shipments (tenant_id, order_id, carrier, tracking, url, status,
                 lines, shipped_at) VALUES ($1, $2, $3, $4, $5, 'shipped', $6, $7)",
                &[
                    &tenant_id,
                    &order_id,
                    &s.carrier,
                    &s.tracking,
                    &s.url,
                    &to_json(&s.lines),
                    &at,
                ],
            )
            .await?;
        }
        tx.execute(
            "UPDATE mall_orders SET status = $3, updated_at = $4,
             reserved_until = CASE WHEN $3::TEXT = 'pending_payment' THEN reserved_until END
             WHERE tenant_id = $1 AND id = $2",
            &[&tenant_id, &order_id, &c.to.as_str(), &at],
        )
        .await?;
        if let Some(p) = c.payment {
            tx.execute(
                "UPDATE mall_payments SET status = $2, updated_at = $3 WHERE order_id = $1",
                &[&order_id, &p.as_str(), &at],
            )
            .await?;
        }
        event(&tx, order_id, at, &c.what, c.to, c.detail.as_deref()).await?;
        let order = load_order(&tx, tenant_id, order_id)
            .await?
            .ok_or_else(|| StoreError::invalid("a changed order is gone"))?;
        tx.commit().await?;
        Ok(order)
    }

    async fn note_payment(
        &self,
        tenant_id: i64,
        order_id: i64,
        status: PaymentStatus,
        what: String,
        at: i64,
    ) -> StoreResult<bool> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let order = lock_order_status(&tx, tenant_id, order_id).await?;
        let changed = tx
            .execute(
                "UPDATE mall_payments SET status = $2, updated_at = $3
                 WHERE order_id = $1 AND status <> $2",
                &[&order_id, &status.as_str(), &at],
            )
            .await?;
        if changed > 0 {
            event(&tx, order_id, at, &what, order, None).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn payment_order(&self, reference: String) -> StoreResult<Option<(i64, i64)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT tenant_id, order_id FROM mall_payments WHERE reference = $1",
                &[&reference],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn change_shipment(
        &self,
        tenant_id: i64,
        shipment_id: i64,
        from: ShipmentStatus,
        to: ShipmentStatus,
        at: i64,
    ) -> StoreResult<i64> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let order_id: i64 = tx
            .query_opt(
                "SELECT order_id FROM mall_shipments WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &shipment_id],
            )
            .await?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::NotFound(format!("shipment {shipment_id}")))?;
        let status = lock_order_status(&tx, tenant_id, order_id).await?;
        let tracking: Option<String> = tx
            .query_opt(
                "UPDATE mall_shipments SET status = $3
                 WHERE tenant_id = $1 AND id = $2 AND status = $4 RETURNING tracking",
                &[&tenant_id, &shipment_id, &to.as_str(), &from.as_str()],
            )
            .await?
            .map(|r| r.get(0));
        let Some(tracking) = tracking else {
            return Err(StoreError::Conflict(format!(
                "shipment {shipment_id} changed"
            )));
        };
        event(
            &tx,
            order_id,
            at,
            &format!("shipment_{}", to.as_str()),
            status,
            Some(&tracking),
        )
        .await?;
        tx.commit().await?;
        Ok(order_id)
    }

    async fn shipment_status(
        &self,
        tenant_id: i64,
        shipment_id: i64,
    ) -> StoreResult<Option<(i64, ShipmentStatus)>> {
        let db = self.client().await?;
        db.query_opt(
            "SELECT order_id, status FROM mall_shipments WHERE tenant_id = $1 AND id = $2",
            &[&tenant_id, &shipment_id],
        )
        .await?
        .map(|r| {
            Ok((
                r.get(0),
                enum_of(r.get(1), ShipmentStatus::parse, "shipment status")?,
            ))
        })
        .transpose()
    }

    async fn expired_orders(&self, at: i64, limit: u32) -> StoreResult<Vec<(i64, i64)>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT tenant_id, id FROM mall_orders
                 WHERE status = 'pending_payment' AND reserved_until <= $1
                 ORDER BY reserved_until LIMIT $2",
                &[&at, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn create_proposal(
        &self,
        tenant_id: i64,
        p: NewProposal,
        at: i64,
    ) -> StoreResult<Placed> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        lock_key(&tx, &format!("proposal:{}", p.sent_by), tenant_id, &p.key).await?;
        let earlier = tx
            .query_opt(
                "SELECT fingerprint, id FROM mall_proposals
                 WHERE tenant_id = $1 AND sent_by = $2 AND idem_key = $3",
                &[&tenant_id, &p.sent_by, &p.key],
            )
            .await?;
        if let Some(r) = earlier {
            return Ok(if r.get::<_, &str>(0) == p.fingerprint {
                Placed::Replayed(r.get(1))
            } else {
                Placed::KeyReused
            });
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO mall_proposals (tenant_id, work_order_id, device_id, email, lines,
                 note, status, sent_by, idem_key, fingerprint, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10) RETURNING id",
                &[
                    &tenant_id,
                    &p.work_order_id,
                    &p.device_id,
                    &p.email,
                    &to_json(&p.lines),
                    &p.note,
                    &p.sent_by,
                    &p.key,
                    &p.fingerprint,
                    &at,
                ],
            )
            .await?
            .get(0);
        tx.commit().await?;
        Ok(Placed::New(id))
    }

    async fn proposal(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Proposal>> {
        let db = self.client().await?;
        db.query_opt(
            &format!(
                "SELECT {PROPOSAL_COLUMNS} FROM {PROPOSAL_FROM} WHERE p.tenant_id = $1 AND p.id = $2"
            ),
            &[&tenant_id, &id],
        )
        .await?
        .as_ref()
        .map(proposal_from_row)
        .transpose()
    }

    async fn proposals(&self, tenant_id: i64, scope: ProposalScope) -> StoreResult<Vec<Proposal>> {
        let db = self.client().await?;
        let rows = match scope {
            ProposalScope::WorkOrder(id) => {
                db.query(
                    &format!(
                        "SELECT {PROPOSAL_COLUMNS} FROM {PROPOSAL_FROM}
                         WHERE p.tenant_id = $1 AND p.work_order_id = $2 ORDER BY p.id DESC LIMIT 100"
                    ),
                    &[&tenant_id, &id],
                )
                .await?
            }
            ProposalScope::Email(email) => {
                db.query(
                    &format!(
                        "SELECT {PROPOSAL_COLUMNS} FROM {PROPOSAL_FROM}
                         WHERE p.tenant_id = $1 AND p.email = $2 ORDER BY p.id DESC LIMIT 100"
                    ),
                    &[&tenant_id, &email],
                )
                .await?
            }
        };
        rows.iter().map(proposal_from_row).collect()
    }

    async fn close_proposal(
        &self,
        tenant_id: i64,
        id: i64,
        to: ProposalStatus,
        at: i64,
    ) -> StoreResult<bool> {
        let db = self.client().await?;
        Ok(db
            .execute(
                "UPDATE mall_proposals SET status = $3, decided_at = $4
                 WHERE tenant_id = $1 AND id = $2 AND status = 'open'",
                &[&tenant_id, &id, &to.as_str(), &at],
            )
            .await?
            == 1)
    }

    async fn customer_work_orders(
        &self,
        tenant_id: i64,
        email: String,
        limit: u32,
    ) -> StoreResult<Vec<i64>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT work_order_id FROM mall_proposals WHERE tenant_id = $1 AND email = $2
                 UNION
                 SELECT id FROM work_orders
                 WHERE tenant_id = $1 AND strpos(lower(contact), $2) > 0
                 ORDER BY 1 DESC LIMIT $3",
                &[&tenant_id, &email, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn queue_notice(&self, tenant_id: i64, n: OutNotice, at: i64) -> StoreResult<bool> {
        let db = self.client().await?;
        let changed = db
            .execute(
                "INSERT INTO mall_mail (tenant_id, mailbox_id, client_key, envelope_from, recipients,
                 raw, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (tenant_id, client_key) DO NOTHING",
                &[
                    &tenant_id,
                    &n.mailbox_id,
                    &n.client_key,
                    &n.envelope_from,
                    &to_json(&n.recipients),
                    &n.raw,
                    &at,
                ],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn due_notices(&self, at: i64, limit: u32) -> StoreResult<Vec<DueNotice>> {
        let db = self.client().await?;
        db.query(
            "SELECT id, tenant_id, mailbox_id, envelope_from, recipients, raw, attempts
             FROM mall_mail WHERE status = 'queued' AND next_attempt_at <= $1
             ORDER BY next_attempt_at, id LIMIT $2",
            &[&at, &i64::from(limit)],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(DueNotice {
                id: r.get(0),
                tenant_id: r.get(1),
                mailbox_id: r.get(2),
                envelope_from: r.get(3),
                recipients: from_json(r.get(4))?,
                raw: r.get(5),
                attempts: count(r.get(6)),
            })
        })
        .collect()
    }

    async fn next_notice_due(&self) -> StoreResult<Option<i64>> {
        let db = self.client().await?;
        Ok(db
            .query_one(
                "SELECT min(next_attempt_at) FROM mall_mail WHERE status = 'queued'",
                &[],
            )
            .await?
            .get(0))
    }

    async fn record_notice(&self, id: i64, result: SendResult, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        record(&db, Queue::Mall, id, result, at).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::contract::{mall_customer, new_order, stocked};
    use crate::store::pg::testing;
    use crate::store::tenants::TenantStore;

    /// Checkouts really race here (SQLite has one writer): fifty buyers
    /// for the last ten units get ten orders, the rest "out of stock",
    /// and the shelf is never oversold; twenty copies of one checkout
    /// (one key) make one order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_checkouts_never_oversell_and_one_key_makes_one_order() {
        let url = testing::fresh_database().await;
        let store = Arc::new(PgStore::connect(&url).await.unwrap());
        let tenant = store.create_tenant("a", "A", "A").await.unwrap().id;
        let (item, location) = stocked(&*store, tenant, 10).await;
        let mut buyers = vec![];
        for b in 0..50 {
            buyers.push(mall_customer(&*store, tenant, &format!("b{b}@customer.test")).await);
        }
        let races: Vec<_> = buyers
            .iter()
            .enumerate()
            .map(|(i, buyer)| {
                let (store, order) = (store.clone(), new_order(*buyer, item, 1, &format!("k{i}")));
                tokio::spawn(async move { store.place_order(tenant, order, 1).await.unwrap() })
            })
            .collect();
        let mut placed = 0;
        for race in races {
            match race.await.unwrap() {
                Placed::New(_) => placed += 1,
                Placed::OutOfStock(i) => assert_eq!(i, item),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(placed, 10);
        let level = store.stock(tenant, vec![item]).await.unwrap();
        assert_eq!(
            (level[0].location_id, level[0].on_hand, level[0].reserved),
            (location, 10, 10)
        );

        // One buyer's retries of one checkout: one order.
        let (item2, _) = {
            let mut body = store.item(tenant, item).await.unwrap().unwrap().body;
            body.sku = "P-2".into();
            let terms = body.search_terms();
            let id = store
                .save_item(tenant, None, body, terms, 1)
                .await
                .unwrap()
                .id;
            store.set_stock(tenant, id, location, 5).await.unwrap();
            (id, ())
        };
        let same: Vec<_> = (0..20)
            .map(|_| {
                let (store, order) = (store.clone(), new_order(buyers[0], item2, 2, "again"));
                tokio::spawn(async move { store.place_order(tenant, order, 1).await.unwrap() })
            })
            .collect();
        let mut ids = vec![];
        for s in same {
            match s.await.unwrap() {
                Placed::New(id) | Placed::Replayed(id) => ids.push(id),
                other => panic!("{other:?}"),
            }
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{ids:?}");
        let level = store.stock(tenant, vec![item2]).await.unwrap();
        assert_eq!(level[0].reserved, 2);
    }
}
