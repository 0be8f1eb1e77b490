//! Jobs that one instance at a time should run.
//!
//! On PostgreSQL a session-level advisory lock, held on one pooled
//! connection for the length of the job: when the process dies its
//! connection closes and the server lets the lock go, so another instance
//! takes the job at its next turn. On SQLite only one instance runs (see
//! `daemon::start`), so the lock is always granted.

use sqlx::Postgres;
use sqlx::pool::PoolConnection;

use super::{Store, StoreError};

/// The jobs, each with its advisory lock key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SingleJob {
    /// Recording the day's reminders and composing their e-mails.
    Poll,
    /// Fetching and importing the cases from the feed.
    Feed,
}

impl SingleJob {
    /// Keys in a range of their own ("cw" and a number), unlikely to meet
    /// another application's locks on a shared server.
    fn key(self) -> i64 {
        match self {
            SingleJob::Poll => 0x6377_0001,
            SingleJob::Feed => 0x6377_0002,
        }
    }
}

/// A job's lock, held until [`JobLock::release`].
#[must_use = "the lock is held until released"]
pub struct JobLock {
    held: Option<(PoolConnection<Postgres>, i64)>,
}

impl Store {
    /// Takes `job`'s lock, or `None` when another instance holds it.
    pub async fn try_lock(&self, job: SingleJob) -> Result<Option<JobLock>, StoreError> {
        let Store::Postgres(pool) = self else {
            return Ok(Some(JobLock { held: None }));
        };
        let mut conn = pool.acquire().await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(job.key())
            .fetch_one(&mut *conn)
            .await?;
        Ok(taken.then(|| JobLock {
            held: Some((conn, job.key())),
        }))
    }
}

impl JobLock {
    pub async fn release(mut self) {
        let Some((mut conn, key)) = self.held.take() else {
            return;
        };
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await;
        if let Err(e) = unlocked {
            tracing::warn!(error = %e, "cannot release a job lock; closing its connection instead");
            drop(conn.detach());
        }
    }
}

/// A lock dropped unreleased (its task was cancelled) must not go back to
/// the pool still held: its connection is closed, which releases it.
impl Drop for JobLock {
    fn drop(&mut self) {
        if let Some((conn, _)) = self.held.take() {
            drop(conn.detach());
        }
    }
}
