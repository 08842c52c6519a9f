//! Receiving: one task per enabled mailbox. Each signs in over IMAP,
//! opens the folder, reads what is new since the stored `(UIDVALIDITY,
//! last UID)` — sizes first, so a mail over the limit is imported from its
//! headers only — and then waits with IDLE when the server offers it, or
//! polls. A lost connection is retried with a growing pause. Tasks follow
//! the mailboxes: started when one is enabled, restarted when it changes,
//! stopped when it is disabled or deleted.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::imap::{self, Failure};
use super::import::Source;
use super::{MailService, probe};
use crate::store::inbox::MailPosition;
use crate::store::mail::StoredMailbox;

/// How long one IDLE lasts before it is renewed (RFC 2177: under 29 min).
const IDLE_FOR: Duration = Duration::from_secs(10 * 60);
/// How often a server without IDLE is asked.
pub const POLL_EVERY: Duration = Duration::from_secs(30);
/// Pauses after a failure: doubling from the first to the last.
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MOST: Duration = Duration::from_secs(300);
/// How often the set of mailboxes is read again without a change signal.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// Sessions that may fail on fetching one mail before it is set aside
/// (quarantined without its bytes, the position moved past it): a mail
/// the server cannot hand over is never fetched forever.
pub const MAX_FETCH_TRIES: u32 = 5;

#[derive(Debug, thiserror::Error)]
enum ReceiveError {
    #[error(transparent)]
    Server(#[from] Failure),
    #[error("IMAP: {0}")]
    Imap(#[from] async_imap::error::Error),
    #[error(transparent)]
    Import(#[from] crate::error::ApiError),
    #[error("the stored IMAP password does not open with the server key")]
    Password,
}

/// The running receivers, by mailbox id, with the version they run.
#[derive(Default)]
pub struct Receivers {
    running: tokio::sync::Mutex<HashMap<i64, (i64, JoinHandle<()>)>>,
    /// Failed fetches by (mailbox, UIDVALIDITY, UID).
    failed_fetches: std::sync::Mutex<HashMap<(i64, u32, u32), u32>>,
}

impl Drop for Receivers {
    fn drop(&mut self) {
        for (_, (_, task)) in self.running.get_mut().drain() {
            task.abort();
        }
    }
}

impl Receivers {
    /// Counts a failed fetch of `key` (or forgets it): the failures so far.
    fn failed(&self, key: (i64, u32, u32), failed: bool) -> u32 {
        let mut all = self
            .failed_fetches
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if failed {
            let n = all.entry(key).or_default();
            *n += 1;
            *n
        } else {
            all.remove(&key);
            0
        }
    }
}

impl MailService {
    /// Keeps one receiving task per enabled mailbox until `stop`.
    pub async fn run_receivers(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.reconcile().await {
                tracing::error!(%e, "reading the mailboxes to receive");
            }
            tokio::select! {
                _ = self.changed.notified() => {}
                _ = tokio::time::sleep(RECONCILE_EVERY) => {}
                _ = stop.changed() => break,
            }
        }
        for (_, (_, task)) in self.receivers.running.lock().await.drain() {
            task.abort();
        }
    }

    async fn reconcile(self: &Arc<Self>) -> Result<(), crate::store::StoreError> {
        let wanted = self.store.enabled_mailboxes().await?;
        let mut running = self.receivers.running.lock().await;
        running.retain(|id, (version, task)| {
            let keep = wanted
                .iter()
                .any(|(_, m)| m.mailbox.id == *id && m.mailbox.updated_at == *version)
                && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for (tenant_id, mailbox) in wanted {
            let id = mailbox.mailbox.id;
            if running.contains_key(&id) {
                continue;
            }
            let version = mailbox.mailbox.updated_at;
            let service = self.clone();
            let task = tokio::spawn(async move { service.receive(tenant_id, mailbox).await });
            running.insert(id, (version, task));
        }
        Ok(())
    }

    /// One mailbox, for as long as it runs: sessions, retried on failure.
    async fn receive(self: Arc<Self>, tenant_id: i64, mailbox: StoredMailbox) {
        let mut pause = RETRY_FIRST;
        loop {
            match self.session(tenant_id, &mailbox, &mut pause).await {
                Ok(()) => pause = RETRY_FIRST,
                Err(e) => {
                    tracing::warn!(mailbox = %mailbox.mailbox.address, %e,
                        retry_in_secs = pause.as_secs(), "receiving mail");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(RETRY_MOST);
                }
            }
        }
    }

    /// Signs in, then reads and waits until the connection fails.
    async fn session(
        &self,
        tenant_id: i64,
        stored: &StoredMailbox,
        pause: &mut Duration,
    ) -> Result<(), ReceiveError> {
        let m = &stored.mailbox;
        let password = self
            .secrets
            .open(&stored.imap_password)
            .ok()
            .and_then(|p| String::from_utf8(p).ok())
            .ok_or(ReceiveError::Password)?;
        let addrs = probe::resolve(&self.outbound, &m.imap).await?;
        let mut session = imap::sign_in(&m.imap, &addrs, &password).await?;
        let idle = session.capabilities().await?.has_str("IDLE");
        tracing::debug!(mailbox = %m.address, idle, "signed in to receive");
        loop {
            let folder = imap::select(&mut session, &m.imap_folder).await?;
            self.read_new(tenant_id, m, &mut session, folder.uid_validity.unwrap_or(0))
                .await?;
            *pause = RETRY_FIRST;
            if idle {
                let mut handle = session.idle();
                handle.init().await?;
                let (wait, interrupt) = handle.wait_with_timeout(IDLE_FOR);
                let woke = wait.await?;
                tracing::debug!(mailbox = %m.address, ?woke, "idle ended");
                drop(interrupt);
                session = handle.done().await?;
            } else {
                tokio::time::sleep(POLL_EVERY).await;
            }
        }
    }

    /// Imports every mail after the stored position, oldest first.
    async fn read_new(
        &self,
        tenant_id: i64,
        m: &fieldesk_core::email::mailbox::Mailbox,
        session: &mut imap::Session,
        uid_validity: u32,
    ) -> Result<(), ReceiveError> {
        let folder = m.imap_folder.as_str();
        let stored = self
            .store
            .mail_position(m.id, folder)
            .await
            .map_err(crate::error::ApiError::from)?;
        let mut position = match stored {
            Some(p) if p.uid_validity == uid_validity => p,
            // New or renumbered: from the start (mail already kept is
            // recognised by its Message-ID or hash and not kept twice).
            _ => MailPosition {
                uid_validity,
                last_uid: 0,
            },
        };
        let sizes: Vec<(u32, u32)> = session
            .uid_fetch(format!("{}:*", position.last_uid + 1), "(UID RFC822.SIZE)")
            .await?
            .try_filter_map(|f| async move { Ok(f.uid.zip(f.size)) })
            .try_collect()
            .await?;
        let mut sizes: Vec<(u32, u32)> = sizes
            .into_iter()
            .filter(|(uid, _)| *uid > position.last_uid)
            .collect();
        sizes.sort_unstable();
        tracing::debug!(mailbox = %m.address, ?position, new = sizes.len(), "reading new mail");
        for (uid, size) in sizes {
            position.last_uid = uid;
            let source = Source {
                tenant_id,
                mailbox: m,
                folder,
                position,
            };
            let too_large = u64::from(size) > m.max_message_bytes;
            let query = if too_large {
                "BODY.PEEK[HEADER]"
            } else {
                "BODY.PEEK[]"
            };
            let fetch = async {
                session
                    .uid_fetch(uid.to_string(), query)
                    .await?
                    .try_filter_map(|f| async move {
                        Ok(if too_large { f.header() } else { f.body() }.map(<[u8]>::to_vec))
                    })
                    .try_collect::<Vec<Vec<u8>>>()
                    .await
            };
            let key = (m.id, uid_validity, uid);
            let fetched = match fetch.await {
                Ok(fetched) => {
                    self.receivers.failed(key, false);
                    fetched
                }
                Err(e) if self.receivers.failed(key, true) >= MAX_FETCH_TRIES => {
                    tracing::warn!(mailbox = %m.address, uid, %e, "a mail the server will not hand over, set aside");
                    self.import_unfetchable(&source, u64::from(size), &e.to_string())
                        .await?;
                    self.receivers.failed(key, false);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let Some(bytes) = fetched.into_iter().next() else {
                // Expunged meanwhile: nothing to keep.
                continue;
            };
            if too_large {
                self.import_too_large(&source, u64::from(size), bytes)
                    .await?;
            } else {
                self.import_raw(&source, bytes).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_failures_count_per_mail_until_one_succeeds() {
        let r = Receivers::default();
        let (a, b) = ((1, 7, 10), (1, 7, 11));
        assert_eq!(r.failed(a, true), 1);
        assert_eq!(r.failed(a, true), 2);
        assert_eq!(r.failed(b, true), 1, "each mail its own count");
        assert_eq!(r.failed(a, false), 0);
        assert_eq!(r.failed(a, true), 1, "a success starts over");
        // Renumbered folder (another UIDVALIDITY): another mail.
        assert_eq!(r.failed((1, 8, 10), true), 1);
    }
}
