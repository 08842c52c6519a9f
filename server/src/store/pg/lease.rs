//! Leases across replicas (issue 18): a named piece of work — a mailbox's
//! IMAP task, the business-hours sweeper — held by one replica at a time.
//! The holder renews before its lease runs out; a replica that died stops
//! renewing and another takes the work over once it has run out. One
//! atomic upsert decides, on the database's clock.

use std::time::Duration;

use super::PgStore;
use crate::store::StoreResult;

impl PgStore {
    /// Takes `name` for `holder` for `ttl`, or renews it if `holder` has
    /// it; true when `holder` holds it now. Free, or run out: taken.
    pub async fn hold_lease(&self, name: &str, holder: &str, ttl: Duration) -> StoreResult<bool> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let db = self.client().await?;
        let held = db
            .query_opt(
                "WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS now)
                 INSERT INTO leases (name, holder, expires_at)
                 SELECT $1, $2, now + $3 FROM clock
                 ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                 WHERE leases.holder = EXCLUDED.holder
                    OR leases.expires_at < (SELECT now FROM clock)
                 RETURNING holder",
                &[&name, &holder, &ttl_ms],
            )
            .await?;
        Ok(held.is_some())
    }

    /// Gives `name` up at once (a replica stopping cleanly), if `holder`
    /// has it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "DELETE FROM leases WHERE name = $1 AND holder = $2",
            &[&name, &holder],
        )
        .await?;
        Ok(())
    }

    /// Who holds `name` now, if anyone.
    pub async fn lease_holder(&self, name: &str) -> StoreResult<Option<String>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT holder FROM leases WHERE name = $1
                 AND expires_at >= (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT",
                &[&name],
            )
            .await?
            .map(|r| r.get(0)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::pg::testing;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_replica_holds_each_lease_and_another_takes_over_when_it_dies() {
        let url = testing::fresh_database().await;
        let store = Arc::new(PgStore::connect(&url).await.unwrap());
        let ttl = Duration::from_secs(2);

        // Twenty replicas ask for one mailbox at once: one gets it.
        let asks = (0..20).map(|r| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .hold_lease("mailbox:7", &format!("replica-{r}"), ttl)
                    .await
                    .unwrap()
            })
        });
        let mut winners = 0;
        for ask in asks {
            winners += usize::from(ask.await.unwrap());
        }
        assert_eq!(winners, 1, "exactly one holder");
        let holder = store.lease_holder("mailbox:7").await.unwrap().unwrap();

        // The holder renews and keeps it; the others keep being refused.
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(store.hold_lease("mailbox:7", &holder, ttl).await.unwrap());
            assert!(
                !store
                    .hold_lease("mailbox:7", "replica-other", ttl)
                    .await
                    .unwrap()
            );
        }

        // It dies (stops renewing): once the lease has run out, another
        // takes it over, and the dead one cannot take it back.
        assert!(
            !store
                .hold_lease("mailbox:7", "replica-b", ttl)
                .await
                .unwrap()
        );
        tokio::time::sleep(Duration::from_millis(2200)).await;
        assert!(
            store
                .hold_lease("mailbox:7", "replica-b", ttl)
                .await
                .unwrap()
        );
        assert_eq!(
            store.lease_holder("mailbox:7").await.unwrap().as_deref(),
            Some("replica-b")
        );
        assert!(!store.hold_lease("mailbox:7", &holder, ttl).await.unwrap());

        // A clean stop frees it at once.
        store.release_lease("mailbox:7", "replica-b").await.unwrap();
        assert_eq!(store.lease_holder("mailbox:7").await.unwrap(), None);
        assert!(store.hold_lease("mailbox:7", &holder, ttl).await.unwrap());
    }
}
