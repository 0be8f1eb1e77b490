//! The sender's results, recorded on a connection held for a whole drain;
//! on SQLite its claims too.
//!
//! The sender sends no more on a connection until its last result is
//! committed (`Sender::drain`), so the time a commit takes is time every
//! connection waits. Each commit here is one statement: one hand-off to
//! SQLite's worker thread or one round trip to PostgreSQL, where a
//! transaction of a statement per e-mail, and a connection taken from the
//! pool and given back (with a check), took several.
//!
//! SQLite has one writer at a time. A commit that found a claim writing on
//! another connection waited in SQLite's busy handler, which sleeps a
//! millisecond or more, while every connection waited for the commit; on
//! one connection the two simply take turns.

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, QueryBuilder, Sqlite};
use tokio::sync::Mutex;

use super::outbox::claim_on;
use super::{OutboxClaim, OutboxMessage, Outcome, Store, StoreError, with_pool};

/// Results at most in one statement: SQLite allows 32,766 bound values,
/// five each.
const AT_ONCE: usize = 1024;

/// Records attempts on a connection of its own, given back to the pool
/// when dropped; or, where the pool is too small to spare one for a whole
/// drain (the sender claims on another at the same time), on one taken
/// for each call.
pub struct Recorder {
    store: Store,
    held: Option<Mutex<Held>>,
}

enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// Connections a pool needs for the recorder to hold one: the claims take
/// another, and a daemon's web form and poll share the rest.
const HELD_FROM: u32 = 3;

impl Store {
    /// A recorder for a drain's results.
    pub async fn recorder(&self) -> Result<Recorder, StoreError> {
        let size = with_pool!(self, |pool| pool.options().get_max_connections());
        let held = if size >= HELD_FROM {
            Some(Mutex::new(self.connection().await?))
        } else {
            None
        };
        Ok(Recorder {
            store: self.clone(),
            held,
        })
    }

    /// [`Recorder::record`] on a connection of its own.
    pub async fn record_attempts(
        &self,
        results: &[(i64, Option<Outcome>)],
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut held = self.connection().await?;
        held.record(results, worker, now).await
    }

    async fn connection(&self) -> Result<Held, StoreError> {
        Ok(match self {
            Store::Sqlite(pool) => Held::Sqlite(pool.acquire().await?),
            Store::Postgres(pool) => Held::Postgres(pool.acquire().await?),
        })
    }
}

impl Recorder {
    /// [`Store::claim_messages`]: on SQLite on the held connection, taking
    /// turns with the results; on PostgreSQL from the pool, at the same
    /// time as results are recorded.
    pub async fn claim_messages(
        &self,
        claim: &OutboxClaim<'_>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        if let (Some(held), Store::Sqlite(_)) = (&self.held, &self.store)
            && let Held::Sqlite(conn) = &mut *held.lock().await
        {
            return claim_on!(&mut **conn, claim, false);
        }
        self.store.claim_messages(claim).await
    }

    /// Records how `worker`'s attempts ended.
    pub async fn record(
        &self,
        results: &[(i64, Option<Outcome>)],
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match &self.held {
            Some(held) => held.lock().await.record(results, worker, now).await,
            None => self.store.record_attempts(results, worker, now).await,
        }
    }
}

impl Held {
    /// Records how `worker`'s attempts ended, each statement at once;
    /// `None` gives back a claimed e-mail that was not attempted (the
    /// sender is stopping), so the next sender takes it at once. A claim
    /// that ran out and was taken over is left to the new owner.
    async fn record(
        &mut self,
        results: &[(i64, Option<Outcome>)],
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let released: Vec<i64> = results
            .iter()
            .filter(|(_, o)| o.is_none())
            .map(|(id, _)| *id)
            .collect();
        for ids in released.chunks(AT_ONCE) {
            self.release(ids, worker).await?;
        }
        let ended: Vec<Ending<'_>> = results
            .iter()
            .filter_map(|(id, outcome)| Some(Ending::of(*id, outcome.as_ref()?, now)))
            .collect();
        for ended in ended.chunks(AT_ONCE) {
            match self {
                Held::Sqlite(conn) => end_sqlite(conn, ended, worker).await?,
                Held::Postgres(conn) => end_postgres(conn, ended, worker).await?,
            }
        }
        Ok(())
    }

    async fn release(&mut self, ids: &[i64], worker: &str) -> Result<(), StoreError> {
        macro_rules! release_on {
            ($conn:expr) => {{
                let mut query = QueryBuilder::new(
                    "UPDATE outbox SET status = 'pending', claimed_by = NULL, claimed_until = NULL
                     WHERE status = 'sending' AND claimed_by = ",
                );
                query.push_bind(worker).push(" AND id IN (");
                let mut list = query.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                query
                    .build()
                    .persistent(false)
                    .execute(&mut **$conn)
                    .await?;
            }};
        }
        match self {
            Held::Sqlite(conn) => release_on!(conn),
            Held::Postgres(conn) => release_on!(conn),
        }
        Ok(())
    }
}

/// SQLite: the results as a table of bound values. One statement is one
/// transaction.
async fn end_sqlite(
    conn: &mut PoolConnection<Sqlite>,
    ended: &[Ending<'_>],
    worker: &str,
) -> Result<(), StoreError> {
    let mut query = QueryBuilder::new(
        "UPDATE outbox SET status = e.column2, last_reply = e.column3,
                next_attempt_at = e.column4, sent_at = e.column5, attempts = attempts + 1,
                claimed_by = NULL, claimed_until = NULL
         FROM (",
    );
    query.push_values(ended, |mut row, e| {
        row.push_bind(e.id)
            .push_bind(e.status)
            .push_bind(e.reply)
            .push_bind(e.next)
            .push_bind(e.sent_at);
    });
    query
        .push(") AS e WHERE outbox.id = e.column1 AND outbox.status = 'sending' AND outbox.claimed_by = ")
        .push_bind(worker);
    // Nearly every commit holds from one result to one per connection:
    // those few sizes are prepared once and kept, as SQLite took longer to
    // parse and plan this statement than to run it.
    query
        .build()
        .persistent(ended.len() <= KEPT_UP_TO)
        .execute(&mut **conn)
        .await?;
    Ok(())
}

/// Results at most in a SQLite statement that is kept prepared.
const KEPT_UP_TO: usize = 16;

/// PostgreSQL: the results as arrays. The commit does not wait for the
/// disk: `set_config(.., true)` lasts until the end of the statement's own
/// transaction, and PostgreSQL reads the setting as it commits. Should
/// the database server itself crash within the moment it takes to write
/// its log, these e-mails go out again (sent twice, never lost); a crash
/// of casewatch loses none.
async fn end_postgres(
    conn: &mut PoolConnection<Postgres>,
    ended: &[Ending<'_>],
    worker: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox o SET status = e.status, last_reply = e.reply,
                next_attempt_at = e.next, sent_at = e.sent_at,
                attempts = o.attempts + 1, claimed_by = NULL, claimed_until = NULL
         FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::timestamptz[],
                     $5::timestamptz[]) AS e (id, status, reply, next, sent_at),
              (SELECT set_config('synchronous_commit', 'off', true)) AS quick
         WHERE o.id = e.id AND o.claimed_by = $6 AND o.status = 'sending'",
    )
    .bind(ended.iter().map(|e| e.id).collect::<Vec<_>>())
    .bind(ended.iter().map(|e| e.status).collect::<Vec<_>>())
    .bind(ended.iter().map(|e| e.reply).collect::<Vec<_>>())
    .bind(ended.iter().map(|e| e.next).collect::<Vec<_>>())
    .bind(ended.iter().map(|e| e.sent_at).collect::<Vec<_>>())
    .bind(worker)
    .execute(&mut **conn)
    .await?;
    Ok(())
}

/// How one attempt ended, as an outbox row stores it.
struct Ending<'a> {
    id: i64,
    status: &'static str,
    reply: &'a str,
    next: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl<'a> Ending<'a> {
    fn of(id: i64, outcome: &'a Outcome, now: DateTime<Utc>) -> Self {
        let (status, reply, next, sent_at) = match outcome {
            Outcome::Sent { reply } => ("sent", reply, now, Some(now)),
            Outcome::Retry { reply, at } => ("pending", reply, *at, None),
            Outcome::Failed { reply } => ("failed", reply, now, None),
        };
        Self {
            id,
            status,
            reply,
            next,
            sent_at,
        }
    }
}
