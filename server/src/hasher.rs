//! Password hashing on a small, fixed pool of threads.
//!
//! One argon2id check takes 19 MiB and tens of milliseconds of one core.
//! Run on tokio's blocking pool, a burst of wrong logins ran one check per
//! request at once, each on a new thread whose allocator kept the memory
//! afterwards (128 at once took the server to 4.2 GiB). Here at most
//! [`Hasher::threads`] checks run at once, on the same threads every time,
//! and at most [`Hasher::queue`] more wait; a request beyond that is
//! [`Busy`] (the login answers 429 with `Retry-After`).

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::auth::{hash_password, verify_password};

/// Every hashing thread is busy and the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is busy")]
pub struct Busy;

enum Job {
    Verify {
        password: String,
        hash: String,
        reply: oneshot::Sender<bool>,
    },
    Hash {
        password: String,
        reply: oneshot::Sender<String>,
    },
}

pub struct Hasher {
    tx: SyncSender<Job>,
    threads: usize,
    queue: usize,
}

impl Hasher {
    /// `threads` hashing threads and room for `queue` waiting requests.
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || work(&rx))
                .expect("a hashing thread starts");
        }
        Hasher { tx, threads, queue }
    }

    /// As many threads as cores (at most 4), and eight waiting per thread.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let threads = cores.clamp(1, 4);
        Hasher::new(threads, threads * 8)
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    pub fn queue(&self) -> usize {
        self.queue
    }

    fn submit(&self, job: Job) -> Result<(), Busy> {
        self.tx.try_send(job).map_err(|e| {
            if let TrySendError::Disconnected(_) = e {
                tracing::error!("every password hashing thread has stopped");
            }
            Busy
        })
    }

    /// Whether `password` matches `hash`.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, Busy> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password,
            hash,
            reply,
        })?;
        Ok(answer.await.unwrap_or(false))
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password, reply })?;
        answer.await.map_err(|_| Busy)
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        match job {
            Job::Verify {
                password,
                hash,
                reply,
            } => {
                let _ = reply.send(verify_password(&password, &hash));
            }
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_password(&password));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_run_on_the_pool_and_excess_is_busy() {
        let hasher = Arc::new(Hasher::new(1, 2));
        let hash = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hasher
                .verify("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!hasher.verify("wrong".into(), hash.clone()).await.unwrap());
        // One running, two waiting: the rest are refused at once.
        let mut pending = Vec::new();
        for _ in 0..8 {
            let (h, hash) = (hasher.clone(), hash.clone());
            pending.push(tokio::spawn(
                async move { h.verify("x".into(), hash).await },
            ));
        }
        let mut busy = 0;
        for p in pending {
            if p.await.unwrap() == Err(Busy) {
                busy += 1;
            }
        }
        assert!(busy >= 5, "{busy} of 8 refused");
    }
}
