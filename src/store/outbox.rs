//! Reminders and the outbox: what the poll recorded, the e-mails carrying
//! it, and the sender's claims and results.
//!
//! A reminder is recorded once per (stage, kind, deadline). E-mails are
//! composed from the day's reminders that no e-mail carries yet, and linked
//! to them in the same transaction; a second poller that composed the same
//! e-mail finds its reminders taken and withdraws it. Every step can be cut
//! short and run again without losing or doubling anything.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::{PgPool, QueryBuilder, SqlitePool};
use tokio::sync::mpsc;

use super::cases::{STAGE_COLUMNS, StageListed};
use super::columns::Columns;
use super::raw::{self, Statement};
use super::{StageRow, Store, StoreError, batched, parts, with_pool};

/// An open stage as the poll reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenStageRow {
    pub stage: StageRow,
    pub escalation_email: Option<String>,
    /// Whether a reason for the delay has been given for this stage.
    pub reason_given: bool,
    /// The reminders recorded for this stage, any day, as `kind due_on`
    /// separated by commas: a poll need not record them again.
    pub recorded: Option<String>,
}

impl OpenStageRow {
    /// Whether the reminder `kind` about `due_on` is recorded already.
    pub fn has_recorded(&self, kind: &str, due_on: NaiveDate) -> bool {
        self.recorded.as_deref().is_some_and(|list| {
            list.split(',').any(|item| {
                item.split_once(' ').is_some_and(|(k, day)| {
                    k == kind && day.parse::<NaiveDate>().ok() == Some(due_on)
                })
            })
        })
    }
}

/// A reminder the poll found due, before it is recorded. The kind and the
/// recipient are shared: a large council's day has hundreds of thousands
/// of reminders but only a dozen kinds and a few thousand recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReminder {
    pub stage_id: i64,
    /// `Reminder`'s stored name, e.g. `overdue_2`.
    pub kind: Arc<str>,
    pub due_on: NaiveDate,
    pub recipient: Arc<str>,
}

/// A recorded reminder no e-mail carries yet, with what an e-mail says
/// about its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsentReminder {
    pub id: i64,
    pub kind: String,
    pub due_on: NaiveDate,
    pub recipient: String,
    pub recipient_name: Option<String>,
    pub stage: StageRow,
}

/// A composed e-mail, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub recipient: String,
    pub cc: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub ics: Option<String>,
    /// The reminders (`UnsentReminder::id`) it carries.
    pub reminder_ids: Vec<i64>,
}

/// A claimed e-mail as the claim returns it: its bodies are `None` only
/// where the row that holds them is missing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(super) struct ClaimedMessage {
    id: i64,
    for_day: NaiveDate,
    recipient: String,
    cc: Option<String>,
    subject: String,
    /// Attempts before this one.
    attempts: i32,
    body_text: Option<String>,
    body_html: Option<String>,
    ics: Option<String>,
}

impl TryFrom<ClaimedMessage> for OutboxMessage {
    type Error = StoreError;

    fn try_from(c: ClaimedMessage) -> Result<Self, StoreError> {
        // A foreign key and one transaction make an e-mail and its bodies
        // together.
        let (Some(body_text), Some(body_html)) = (c.body_text, c.body_html) else {
            return Err(StoreError::Corrupt(format!(
                "e-mail {} has no bodies",
                c.id
            )));
        };
        Ok(OutboxMessage {
            id: c.id,
            for_day: c.for_day,
            recipient: c.recipient,
            cc: c.cc,
            subject: c.subject,
            body_text,
            body_html,
            ics: c.ics,
            attempts: c.attempts,
        })
    }
}

/// A claimed e-mail, as the sender needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub for_day: NaiveDate,
    pub recipient: String,
    pub cc: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub ics: Option<String>,
    /// Attempts before this one.
    pub attempts: i32,
}

/// Where an e-mail stands, for people (and the tracker) to read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageStatus {
    pub id: i64,
    pub for_day: NaiveDate,
    pub recipient: String,
    pub subject: String,
    /// pending, sending, sent, failed or expired.
    pub status: String,
    pub attempts: i32,
    /// The last reply from the mail server (or the transport's words).
    pub last_reply: Option<String>,
}

/// How one attempt to send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        reply: String,
    },
    /// Try again at `at`.
    Retry {
        reply: String,
        at: DateTime<Utc>,
    },
    Failed {
        reply: String,
    },
}

const OPEN_STAGES: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", m.escalation_email,
       EXISTS (SELECT 1 FROM delay_reasons r WHERE r.stage_id = s.id) AS reason_given,
       (SELECT string_agg(k.kind || ' ' || k.due_on, ',') FROM reminders k
        WHERE k.stage_id = s.id) AS recorded",
    stages_with_case!(),
    "WHERE c.kind IN ('statutory', 'corporate', 'send', 'adult')
       AND s.received_on <= $1
       AND (s.responded_on IS NULL OR s.responded_on > $1)
       AND (s.outcome IS NULL OR s.outcome <> 'withdrawn' OR s.responded_on IS NOT NULL)"
);

const UNSENT: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", r.id AS reminder_id, r.kind AS reminder_kind, r.due_on AS reminder_due_on,
       r.recipient, p.name AS recipient_name",
    stages_with_case!(),
    "JOIN reminders r ON r.stage_id = s.id
     LEFT JOIN staff p ON p.email = r.recipient
     WHERE r.for_day = $1 AND r.outbox_id IS NULL"
);
/// SQLite compares text byte by byte; PostgreSQL by the database's
/// collation unless told otherwise.
const UNSENT_ORDER: &str = "ORDER BY r.recipient, r.id";
const UNSENT_ORDER_POSTGRES: &str = "ORDER BY r.recipient COLLATE \"C\", r.id";

/// SQLite's page cache while recording a day's reminders (64 MiB), and
/// its default (2 MiB), as `PRAGMA cache_size` counts (KiB when negative).
const SQLITE_LARGE_CACHE: &str = "PRAGMA cache_size = -65536";
const SQLITE_DEFAULT_CACHE: &str = "PRAGMA cache_size = -2000";

/// New reminders after which PostgreSQL's statistics are refreshed at once.
const ANALYZE_AFTER: usize = 10_000;

/// Rows written, or ids linked, per SQLite statement: well within the
/// 32,766 bound parameters it allows in one.
const ROWS_PER_STATEMENT: usize = 1_000;

/// An `OPEN_STAGES` row: the stage's columns, then the three below.
fn open_stage(row: &impl Columns) -> Result<OpenStageRow, StoreError> {
    Ok(OpenStageRow {
        stage: StageRow::try_from(StageListed::read(row)?)?,
        escalation_email: row.opt_text(STAGE_COLUMNS)?.map(str::to_owned),
        reason_given: row.flag(STAGE_COLUMNS + 1)?,
        recorded: row.opt_text(STAGE_COLUMNS + 2)?.map(str::to_owned),
    })
}

/// An `UNSENT` row: the stage's columns, then the reminder's and its
/// recipient's.
fn unsent(row: &impl Columns) -> Result<UnsentReminder, StoreError> {
    Ok(UnsentReminder {
        stage: StageRow::try_from(StageListed::read(row)?)?,
        id: row.i64(STAGE_COLUMNS)?,
        kind: row.text(STAGE_COLUMNS + 1)?.to_owned(),
        due_on: row.date(STAGE_COLUMNS + 2)?,
        recipient: row.text(STAGE_COLUMNS + 3)?.to_owned(),
        recipient_name: row.opt_text(STAGE_COLUMNS + 4)?.map(str::to_owned),
    })
}

/// Gathers reminders, in recipient order, into batches of whole
/// recipients of at least `at_least` reminders each.
struct Batches {
    at_least: usize,
    batch: Vec<UnsentReminder>,
}

impl Batches {
    fn new(at_least: usize) -> Self {
        Self {
            at_least,
            batch: Vec::new(),
        }
    }

    /// Adds `reminder`; the batch before it when it begins a new one.
    fn push(&mut self, reminder: UnsentReminder) -> Option<Vec<UnsentReminder>> {
        let full = (self.batch.len() >= self.at_least
            && self
                .batch
                .last()
                .is_some_and(|r| r.recipient != reminder.recipient))
        .then(|| std::mem::take(&mut self.batch));
        self.batch.push(reminder);
        full
    }

    /// The last batch, if it holds anything.
    fn rest(self) -> Option<Vec<UnsentReminder>> {
        (!self.batch.is_empty()).then_some(self.batch)
    }
}

/// Why a read of unsent reminders ended early.
enum Unsent {
    Failed(StoreError),
    /// Nobody takes the batches any more (whoever did reports why).
    NotWanted,
}

impl From<StoreError> for Unsent {
    fn from(e: StoreError) -> Self {
        Self::Failed(e)
    }
}

impl Store {
    /// Calls `each` with every stage open on `as_of` (complaints received by
    /// then, not answered or withdrawn by then), streaming so that memory
    /// stays flat however many there are.
    pub async fn for_each_open_stage(
        &self,
        as_of: NaiveDate,
        mut each: impl FnMut(OpenStageRow),
    ) -> Result<usize, StoreError> {
        let mut count = 0;
        let mut one = |row: OpenStageRow| {
            count += 1;
            each(row);
        };
        match self {
            // Through SQLite's C API: sqlx's driver copies every value and
            // hands each row across threads, three times the time of the
            // read itself for a million stages (src/store/raw.rs).
            Store::Sqlite(pool) => {
                let bind = |s: &mut Statement<'_>| s.bind_date(c"$1", as_of);
                raw::for_each_row(pool, OPEN_STAGES, bind, |row| {
                    one(open_stage(row)?);
                    Ok::<_, StoreError>(())
                })
                .await?;
            }
            // In parts on two connections, so that two server processes
            // share the work (`parts.rs`); the order of stages is not kept,
            // and need not be: the poll sorts what it records.
            Store::Postgres(pool) => {
                parts::for_each_row(
                    pool,
                    OPEN_STAGES,
                    1,
                    |q| q.bind(as_of),
                    |row| {
                        one(open_stage(row)?);
                        Ok::<_, StoreError>(())
                    },
                )
                .await?;
            }
        }
        Ok(count)
    }

    /// Records the reminders not recorded before, in one transaction, and
    /// returns how many were new.
    pub async fn add_reminders(
        &self,
        reminders: &[NewReminder],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let added = match self {
            Store::Sqlite(pool) => add_reminders_sqlite(pool, reminders, today, now).await?,
            Store::Postgres(pool) => batched::add_reminders(pool, reminders, today, now).await?,
        };
        // Composing next joins the new reminders to their stages. PostgreSQL
        // plans from statistics that autovacuum refreshes only within a
        // minute or so; until then it guesses at a table that has just grown
        // by a day's reminders (a council's first, or after an outage).
        if let Store::Postgres(pool) = self
            && added >= ANALYZE_AFTER
        {
            sqlx::query("ANALYZE reminders").execute(pool).await?;
        }
        Ok(added)
    }

    /// The reminders recorded for `today` that no e-mail carries yet, with
    /// what an e-mail says about their stages: recipient by recipient in the
    /// order `Composer::compose` gives their e-mails (byte order, whatever
    /// the database's collation), each one's in id order. They go to
    /// `batches` a few whole recipients at a time (at least `at_least`
    /// reminders a batch, but the last), so that memory holds a few batches
    /// rather than the day's reminders; one query, sorted by the database.
    /// Ends early, without error, when `batches` is closed.
    ///
    /// SQLite is read through its C API on a blocking thread (`raw.rs`):
    /// through sqlx it took as long as composing, on the same thread.
    pub async fn unsent_reminders(
        &self,
        today: NaiveDate,
        at_least: usize,
        batches: mpsc::Sender<Vec<UnsentReminder>>,
    ) -> Result<(), StoreError> {
        let gathered = Batches::new(at_least);
        let read = match self {
            Store::Sqlite(pool) => unsent_sqlite(pool, today, gathered, batches).await,
            Store::Postgres(pool) => unsent_postgres(pool, today, gathered, batches).await,
        };
        match read {
            Ok(()) | Err(Unsent::NotWanted) => Ok(()),
            Err(Unsent::Failed(e)) => Err(e),
        }
    }

    /// Stores `message` and links its reminders to it, unless another poller
    /// linked any of them first; returns whether it was stored.
    pub async fn add_message(
        &self,
        message: &NewMessage,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .add_messages(std::slice::from_ref(message), today, now)
            .await?
            == [true])
    }

    /// `add_message` for each of `messages`: whether each was stored. They
    /// share one transaction, so a batch costs one commit (one disk flush on
    /// PostgreSQL) rather than one per e-mail; an e-mail that lost a race is
    /// deleted again within it, and the foreign key (`ON DELETE SET NULL`)
    /// releases the reminders it had linked. That undoes it as a savepoint
    /// would, without two more round trips for every e-mail.
    pub async fn add_messages(
        &self,
        messages: &[NewMessage],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        match self {
            Store::Sqlite(pool) => add_messages_sqlite(pool, messages, today, now).await,
            Store::Postgres(pool) => batched::add_messages(pool, messages, today, now).await,
        }
    }

    /// When the next of `today`'s unsent e-mails may be tried: the time of a
    /// retry, or when the claim of a sender that stopped runs out.
    pub async fn next_send_at(
        &self,
        today: NaiveDate,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        const SQL: &str = "
            SELECT MIN(at) FROM (
                SELECT next_attempt_at AS at FROM outbox WHERE for_day = $1 AND status = 'pending'
                UNION ALL
                SELECT claimed_until FROM outbox WHERE for_day = $1 AND status = 'sending'
            ) waiting";
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar(SQL).bind(today).fetch_one(pool).await?
        }))
    }

    /// Retires e-mails whose day passed unsent, and reminders no e-mail took
    /// up, so the next poll decides afresh what still makes sense. Returns
    /// how many e-mails expired.
    pub async fn expire_before(&self, today: NaiveDate) -> Result<usize, StoreError> {
        // Without statistics SQLite would rather read all of `outbox_claim`,
        // which covers the query, than the few rows of `outbox_unsent`.
        let outbox = match self {
            Store::Sqlite(_) => "outbox INDEXED BY outbox_unsent",
            Store::Postgres(_) => "outbox",
        };
        let sql = format!(
            "UPDATE {outbox} SET status = 'expired', claimed_by = NULL, claimed_until = NULL
             WHERE status IN ('pending', 'sending') AND for_day < $1 RETURNING id"
        );
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let expired: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(today)
                .fetch_all(&mut *tx)
                .await?;
            for id in &expired {
                sqlx::query("DELETE FROM reminders WHERE outbox_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM reminders WHERE outbox_id IS NULL AND for_day < $1")
                .bind(today)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(expired.len())
        })
    }

    /// Makes `claim`, in one statement that also returns the e-mails'
    /// bodies. A body is at most a few hundred kilobytes, since e-mails
    /// list at most `reminders.cases_per_section` cases a section.
    pub async fn claim_messages(
        &self,
        claim: &OutboxClaim<'_>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        match self {
            Store::Sqlite(pool) => claim_on!(pool, claim, false),
            Store::Postgres(pool) => claim_on!(pool, claim, true),
        }
    }

    /// Every e-mail of `day`, oldest first.
    pub async fn messages_of(&self, day: NaiveDate) -> Result<Vec<MessageStatus>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, for_day, recipient, subject, status, attempts, last_reply
                 FROM outbox WHERE for_day = $1 ORDER BY id",
            )
            .bind(day)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// A sender's claim at `now`, until `until`, of up to `limit` of `today`'s
/// e-mails that are due for an attempt (or whose earlier claim ran out:
/// that sender died).
#[derive(Debug, Clone, Copy)]
pub struct OutboxClaim<'a> {
    pub worker: &'a str,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub limit: i64,
}

/// The claim's statement. PostgreSQL lets concurrent senders skip each
/// other's rows; SQLite has one writer at a time, so the UPDATE alone is
/// atomic there. Claims that ran out first, then pending e-mails in the
/// order they fell due: each in the `outbox_claim` index's order, so that a
/// claim reads only the rows it takes. One statement, not one each: on
/// SQLite every claim takes the one writer's lock. The limit is written
/// in: SQLite plans a bound LIMIT afresh each time it is bound, and the
/// planning took longer than the claim.
pub(super) fn claim_sql(limit: i64, skip_locked: bool) -> String {
    let lock = if skip_locked {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    format!(
        "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_until = $4
         WHERE id IN (
            SELECT id FROM (SELECT id FROM outbox
                WHERE for_day = $2 AND status = 'sending' AND claimed_until < $3
                ORDER BY next_attempt_at, id LIMIT {limit}{lock}) AS ran_out
            UNION ALL
            SELECT id FROM (SELECT id FROM outbox
                WHERE for_day = $2 AND status = 'pending' AND next_attempt_at <= $3
                ORDER BY next_attempt_at, id LIMIT {limit}{lock}) AS due
            LIMIT {limit})
         RETURNING id, for_day, recipient, cc, subject, attempts,
                   (SELECT body_text FROM outbox_bodies WHERE outbox_id = outbox.id) AS body_text,
                   (SELECT body_html FROM outbox_bodies WHERE outbox_id = outbox.id) AS body_html,
                   (SELECT ics FROM outbox_bodies WHERE outbox_id = outbox.id) AS ics"
    )
}

/// Runs an [`OutboxClaim`] on `$executor`, a pool or a connection, with
/// PostgreSQL's row locks skipped where `$skip_locked`; gives the claimed
/// e-mails in id order.
macro_rules! claim_on {
    ($executor:expr, $claim:expr, $skip_locked:expr) => {{
        let claim: &$crate::store::OutboxClaim<'_> = $claim;
        let sql = $crate::store::outbox::claim_sql(claim.limit, $skip_locked);
        let claimed: Vec<$crate::store::outbox::ClaimedMessage> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(claim.worker)
                .bind(claim.today)
                .bind(claim.now)
                .bind(claim.until)
                .fetch_all($executor)
                .await?;
        $crate::store::outbox::in_id_order(claimed)
    }};
}
pub(super) use claim_on;

/// The claimed e-mails, with their bodies, in id order.
pub(super) fn in_id_order(
    mut claimed: Vec<ClaimedMessage>,
) -> Result<Vec<OutboxMessage>, StoreError> {
    claimed.sort_by_key(|m| m.id);
    claimed.into_iter().map(OutboxMessage::try_from).collect()
}

/// `Store::unsent_reminders` on SQLite, on a blocking thread.
async fn unsent_sqlite(
    pool: &SqlitePool,
    today: NaiveDate,
    mut gathered: Batches,
    batches: mpsc::Sender<Vec<UnsentReminder>>,
) -> Result<(), Unsent> {
    let conn = pool.acquire().await.map_err(StoreError::from)?;
    let sql = format!("{UNSENT} {UNSENT_ORDER}");
    let send = move |batch| batches.blocking_send(batch).map_err(|_| Unsent::NotWanted);
    let reading = crate::blocking::run(move || {
        raw::for_each_row_blocking(
            conn,
            &sql,
            |s| s.bind_date(c"$1", today),
            |row| gathered.push(unsent(row)?).map_or(Ok(()), &send),
        )?;
        gathered.rest().map_or(Ok(()), &send)
    });
    // None: the runtime is shutting down, and nobody waits for the rest.
    reading.await.unwrap_or(Err(Unsent::NotWanted))
}

/// `Store::unsent_reminders` on PostgreSQL.
async fn unsent_postgres(
    pool: &PgPool,
    today: NaiveDate,
    mut gathered: Batches,
    batches: mpsc::Sender<Vec<UnsentReminder>>,
) -> Result<(), Unsent> {
    let sql = format!("{UNSENT} {UNSENT_ORDER_POSTGRES}");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(today)
        .fetch(pool);
    while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
        if let Some(full) = gathered.push(unsent(&row)?) {
            batches.send(full).await.map_err(|_| Unsent::NotWanted)?;
        }
    }
    if let Some(last) = gathered.rest() {
        batches.send(last).await.map_err(|_| Unsent::NotWanted)?;
    }
    Ok(())
}

/// `Store::add_reminders` on SQLite: in process, so many rows to a
/// statement serve less to save round trips than to save statements.
async fn add_reminders_sqlite(
    pool: &SqlitePool,
    reminders: &[NewReminder],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut added = 0;
    let mut conn = pool.acquire().await?;
    // The unique index takes the day's reminders in recipient order, at
    // random places; with SQLite's default 2 MB of cache a large day spilled
    // and re-read its pages over and over (over a minute for 677,000
    // reminders). The cache is given back after.
    sqlx::query(SQLITE_LARGE_CACHE).execute(&mut *conn).await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    for chunk in reminders.chunks(ROWS_PER_STATEMENT) {
        let done = QueryBuilder::new(
            "INSERT INTO reminders (stage_id, kind, due_on, for_day, recipient, created_at) ",
        )
        .push_values(chunk, |mut row, r| {
            row.push_bind(r.stage_id)
                .push_bind(&*r.kind)
                .push_bind(r.due_on)
                .push_bind(today)
                .push_bind(&*r.recipient)
                .push_bind(now);
        })
        .push(" ON CONFLICT (stage_id, kind, due_on) DO NOTHING")
        .build()
        .execute(&mut *tx)
        .await?;
        added += usize::try_from(done.rows_affected()).unwrap_or(0);
    }
    tx.commit().await?;
    sqlx::query(SQLITE_DEFAULT_CACHE)
        .execute(&mut *conn)
        .await?;
    Ok(added)
}

/// `Store::add_messages` on SQLite: a few statements per e-mail, which in
/// process cost little.
async fn add_messages_sqlite(
    pool: &SqlitePool,
    messages: &[NewMessage],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    let mut stored = Vec::with_capacity(messages.len());
    let mut tx = pool.begin().await?;
    for message in messages {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (for_day, recipient, cc, subject, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(today)
        .bind(&message.recipient)
        .bind(message.cc.as_deref())
        .bind(&message.subject)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO outbox_bodies (outbox_id, body_text, body_html, ics)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&message.body_text)
        .bind(&message.body_html)
        .bind(message.ics.as_deref())
        .execute(&mut *tx)
        .await?;
        let linked_all = link_sqlite(&mut tx, id, &message.reminder_ids).await?;
        if !linked_all {
            sqlx::query("DELETE FROM outbox WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        stored.push(linked_all);
    }
    tx.commit().await?;
    Ok(stored)
}

/// Links `reminders` to e-mail `id`, a list at a time rather than a
/// statement per reminder; whether every one was linked by it. Fewer rows
/// than ids means another poller took some (or an id was repeated).
async fn link_sqlite(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: i64,
    reminders: &[i64],
) -> Result<bool, StoreError> {
    for chunk in reminders.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::new("UPDATE reminders SET outbox_id = ");
        query.push_bind(id);
        // The unary `+` keeps `outbox_id` out of the index search, which
        // would otherwise visit every unlinked reminder of the day.
        query.push(" WHERE +outbox_id IS NULL AND id IN (");
        let mut list = query.separated(", ");
        for reminder in chunk {
            list.push_bind(*reminder);
        }
        list.push_unseparated(")");
        let linked = query.build().persistent(false).execute(&mut **tx).await?;
        if usize::try_from(linked.rows_affected()).ok() != Some(chunk.len()) {
            return Ok(false);
        }
    }
    Ok(true)
}
