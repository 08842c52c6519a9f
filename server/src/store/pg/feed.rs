//! The change feed across replicas (issue 18): every write that clients
//! must see appends an event to its tenant's feed in the writer's own
//! transaction ([`append`]); each replica runs one [`listen`] task on a
//! dedicated connection that is woken by `pg_notify` and reads the rows
//! after the last number it saw, per tenant, in order. When that
//! connection is lost it connects again and catches up from the same
//! numbers, so no event is lost and none comes twice. The notification
//! names only the tenant and number (payloads are limited to 8 000 bytes
//! and never replayed); the event itself is read from the table.

use std::collections::HashMap;
use std::time::Duration;

use deadpool_postgres::GenericClient;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, Client, NoTls};

use crate::clock::now;
use crate::store::StoreResult;

/// The notification channel.
const CHANNEL: &str = "fieldesk_feed";

/// How the listener's connection names itself (`pg_stat_activity`).
pub const APPLICATION: &str = "fieldesk-feed-listener";

/// Events read per query while catching up.
const BATCH: i64 = 500;

/// One event of a tenant's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub tenant_id: i64,
    pub seq: i64,
    pub event: String,
}

/// Appends `event` to the tenant's feed inside `tx` (commit order is seq
/// order: see `0003_feed.sql`); the other replicas are woken at commit.
pub async fn append(tx: &impl GenericClient, tenant_id: i64, event: &str) -> StoreResult<i64> {
    let seq: i64 = tx
        .query_one(
            "INSERT INTO feed_heads (tenant_id, seq) VALUES ($1, 1)
             ON CONFLICT (tenant_id) DO UPDATE SET seq = feed_heads.seq + 1
             RETURNING seq",
            &[&tenant_id],
        )
        .await?
        .get(0);
    tx.execute(
        "INSERT INTO feed (tenant_id, seq, event, at) VALUES ($1, $2, $3, $4)",
        &[&tenant_id, &seq, &event, &now()],
    )
    .await?;
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&CHANNEL, &format!("{tenant_id}:{seq}")],
    )
    .await?;
    Ok(seq)
}

/// Runs until `stop`: sends every event committed after it started to
/// `out`, per tenant in feed order, exactly once, across lost connections.
pub async fn listen(
    url: String,
    out: mpsc::UnboundedSender<FeedEvent>,
    mut stop: watch::Receiver<bool>,
) {
    // The last number sent per tenant; filled from the heads at the first
    // connection (events before the start are not this replica's to send).
    let mut last: Option<HashMap<i64, i64>> = None;
    let mut pause = Duration::from_millis(100);
    loop {
        let started = std::time::Instant::now();
        let why = match session(&url, &mut last, &out, &mut stop).await {
            Ok(Ended::Stopped) => return,
            Ok(Ended::Lost) => "the connection ended".to_owned(),
            Err(e) => e.to_string(),
        };
        tracing::warn!(%why, "feed listener: connection lost; connecting again");
        if started.elapsed() > Duration::from_secs(10) {
            pause = Duration::from_millis(100);
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// How a connection's life ended (other than by an error).
enum Ended {
    Stopped,
    Lost,
}

/// One connection's life: LISTEN, catch up, then follow notifications.
async fn session(
    url: &str,
    last: &mut Option<HashMap<i64, i64>>,
    out: &mpsc::UnboundedSender<FeedEvent>,
    stop: &mut watch::Receiver<bool>,
) -> Result<Ended, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config.application_name(APPLICATION);
    let (client, mut connection) = config.connect(NoTls).await?;
    let (wake, mut woken) = mpsc::unbounded_channel::<Option<i64>>();
    // The connection is driven here: notifications out, and its end.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let tenant = n.payload().split(':').next().and_then(|t| t.parse().ok());
                    if let Some(tenant) = tenant {
                        let _ = wake.send(Some(tenant));
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = wake.send(None);
    });
    let result = follow(&client, last, out, stop, &mut woken).await;
    driver.abort();
    result
}

async fn follow(
    client: &Client,
    last: &mut Option<HashMap<i64, i64>>,
    out: &mpsc::UnboundedSender<FeedEvent>,
    stop: &mut watch::Receiver<bool>,
    woken: &mut mpsc::UnboundedReceiver<Option<i64>>,
) -> Result<Ended, tokio_postgres::Error> {
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    let heads: Vec<(i64, i64)> = client
        .query("SELECT tenant_id, seq FROM feed_heads", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    match last {
        // First start: from now on.
        None => *last = Some(heads.into_iter().collect()),
        // Again after a lost connection: whatever came meanwhile.
        Some(seen) => {
            for (tenant, head) in heads {
                if head > seen.get(&tenant).copied().unwrap_or(0) {
                    read_after(client, tenant, seen, out).await?;
                }
            }
        }
    }
    let seen = last.as_mut().expect("set above");
    loop {
        tokio::select! {
            note = woken.recv() => match note {
                Some(Some(tenant)) => read_after(client, tenant, seen, out).await?,
                // The connection ended: the caller connects again.
                Some(None) | None => return Ok(Ended::Lost),
            },
            _ = stop.changed() => return Ok(Ended::Stopped),
        }
    }
}

/// Sends the tenant's events after the last one sent.
async fn read_after(
    client: &Client,
    tenant_id: i64,
    seen: &mut HashMap<i64, i64>,
    out: &mpsc::UnboundedSender<FeedEvent>,
) -> Result<(), tokio_postgres::Error> {
    loop {
        let after = seen.get(&tenant_id).copied().unwrap_or(0);
        let rows = client
            .query(
                "SELECT seq, event FROM feed WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[&tenant_id, &after, &BATCH],
            )
            .await?;
        for row in &rows {
            let seq: i64 = row.get(0);
            seen.insert(tenant_id, seq);
            let _ = out.send(FeedEvent {
                tenant_id,
                seq,
                event: row.get(1),
            });
        }
        if (rows.len() as i64) < BATCH {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::store::pg::{PgStore, testing};
    use crate::store::tenants::TenantStore;

    /// The listener's backend; `ready`: once it has read the heads (it
    /// sends what comes after).
    async fn listener_pid(store: &PgStore, ready: bool) -> Option<i32> {
        let db = store.client().await.unwrap();
        db.query_opt(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
             AND application_name = $1
             AND (NOT $2 OR (query LIKE '%feed_heads%' AND state = 'idle'))",
            &[&APPLICATION, &ready],
        )
        .await
        .unwrap()
        .map(|r| r.get(0))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_event_arrives_once_in_order_even_when_the_listener_is_cut_off() {
        let url = testing::fresh_database().await;
        let store = std::sync::Arc::new(PgStore::connect(&url).await.unwrap());
        let a = store.create_tenant("a", "A", "A").await.unwrap().id;
        let b = store.create_tenant("b", "B", "B").await.unwrap().id;
        // Written before the listener starts: not its to send.
        let mut db = store.client().await.unwrap();
        let tx = db.transaction().await.unwrap();
        append(&tx, a, "before").await.unwrap();
        tx.commit().await.unwrap();
        drop(db);

        let (out, mut got) = mpsc::unbounded_channel();
        let (stop_tx, stop) = watch::channel(false);
        let listener = tokio::spawn(listen(url.clone(), out, stop));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while listener_pid(&store, true).await.is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "the listener never listened"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // Four writers at once, 100 events each, on two tenants.
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..100 {
                        let tenant = if (w + i) % 2 == 0 { a } else { b };
                        let mut db = store.client().await.unwrap();
                        let tx = db.transaction().await.unwrap();
                        append(&tx, tenant, &format!("w{w}-{i}")).await.unwrap();
                        tx.commit().await.unwrap();
                    }
                })
            })
            .collect();
        let mut events = vec![];
        let mut cut = false;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while events.len() < 400 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let event = tokio::time::timeout(left, got.recv())
                .await
                .unwrap_or_else(|_| panic!("only {} of 400 events arrived", events.len()))
                .unwrap();
            events.push(event);
            // Mid-stream, the listener's connection is killed.
            if events.len() == 60 && !cut {
                let pid = listener_pid(&store, false).await.expect("listening");
                let db = store.client().await.unwrap();
                db.execute("SELECT pg_terminate_backend($1)", &[&pid])
                    .await
                    .unwrap();
                cut = true;
            }
        }
        for w in writers {
            w.await.unwrap();
        }
        // Cut off again, and the last events are written while it is away:
        // no notification will ever name them; it catches up on its own.
        let pid = listener_pid(&store, false).await.expect("listening");
        let mut db = store.client().await.unwrap();
        db.execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
        for tenant in [a, b] {
            let tx = db.transaction().await.unwrap();
            append(&tx, tenant, &format!("last-{tenant}"))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        drop(db);
        for _ in 0..2 {
            let event = tokio::time::timeout(Duration::from_secs(10), got.recv())
                .await
                .expect("the events written while away arrive")
                .unwrap();
            assert!(event.event.starts_with("last-"), "{event:?}");
            events.push(event);
        }
        // Nothing more (no event twice).
        assert!(
            tokio::time::timeout(Duration::from_millis(500), got.recv())
                .await
                .is_err()
        );
        stop_tx.send(true).unwrap();
        listener.await.unwrap();

        for tenant in [a, b] {
            let seqs: Vec<i64> = events
                .iter()
                .filter(|e| e.tenant_id == tenant)
                .map(|e| e.seq)
                .collect();
            let first = if tenant == a { 2 } else { 1 };
            assert_eq!(
                seqs,
                (first..first + 201).collect::<Vec<_>>(),
                "tenant {tenant}: in order, none missing, none twice"
            );
        }
        let texts: HashSet<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(texts.len(), 402);
        assert!(!texts.contains("before"));
        assert!(cut);
    }
}
