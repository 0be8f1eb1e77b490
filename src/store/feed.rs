//! The feed's records: each run, the data's last refresh, and the e-mails
//! to the complaints team that go once a day.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::outbox::NewMessage;
use super::{Store, StoreError, with_pool};

/// Where a run's data came from. Stored as the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunSource {
    Folder,
    Command,
    Sql,
    /// `casewatch import` by hand.
    Import,
}

/// How a run ended. Stored as the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Its data was imported.
    Imported,
    /// A folder with no new file: nothing refreshed.
    NothingNew,
    /// A file or extract with bad rows, refused whole.
    Rejected,
    /// The source could not be read: a command that failed or hung, a
    /// database that did not answer, a file that could not be opened.
    Failed,
    /// A complete extract that would have closed too many stages.
    Refused,
}

impl RunSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RunSource::Folder => "folder",
            RunSource::Command => "command",
            RunSource::Sql => "sql",
            RunSource::Import => "import",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        [Self::Folder, Self::Command, Self::Sql, Self::Import]
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| StoreError::Corrupt(format!("feed run source {raw:?}")))
    }
}

impl RunOutcome {
    pub const ALL: [RunOutcome; 5] = [
        Self::Imported,
        Self::NothingNew,
        Self::Rejected,
        Self::Failed,
        Self::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Imported => "imported",
            RunOutcome::NothingNew => "nothing_new",
            RunOutcome::Rejected => "rejected",
            RunOutcome::Failed => "failed",
            RunOutcome::Refused => "refused",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw)
            .ok_or_else(|| StoreError::Corrupt(format!("feed run outcome {raw:?}")))
    }
}

/// One run of the feed (or one import by hand), as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedRun {
    pub source: RunSource,
    /// The file taken, or the command or query run.
    pub name: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: RunOutcome,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub closed: u64,
    /// The time of the data it brought in; `None` if it brought none.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// The problems, or what the command said on standard error.
    pub message: Option<String>,
}

impl FeedRun {
    /// A run of `source` started at `now` that imported nothing yet.
    pub fn new(source: RunSource, name: &str, now: DateTime<Utc>) -> Self {
        Self {
            source,
            name: name.to_owned(),
            started_at: now,
            finished_at: now,
            outcome: RunOutcome::Imported,
            rows_read: 0,
            inserted: 0,
            updated: 0,
            closed: 0,
            refreshed_at: None,
            message: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct RunStored {
    source: String,
    name: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    outcome: String,
    rows_read: i64,
    inserted: i64,
    updated: i64,
    closed: i64,
    refreshed_at: Option<DateTime<Utc>>,
    message: Option<String>,
}

impl TryFrom<RunStored> for FeedRun {
    type Error = StoreError;

    fn try_from(r: RunStored) -> Result<Self, StoreError> {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(FeedRun {
            source: RunSource::parse(&r.source)?,
            outcome: RunOutcome::parse(&r.outcome)?,
            name: r.name,
            started_at: r.started_at,
            finished_at: r.finished_at,
            rows_read: count(r.rows_read),
            inserted: count(r.inserted),
            updated: count(r.updated),
            closed: count(r.closed),
            refreshed_at: r.refreshed_at,
            message: r.message,
        })
    }
}

pub(super) const INSERT_RUN: &str = "
    INSERT INTO feed_runs (source, name, started_at, finished_at, outcome, rows_read,
        inserted, updated, closed, refreshed_at, message)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Binds a run to `INSERT_RUN`, on either backend.
macro_rules! bind_run {
    ($query:expr, $run:expr) => {{
        let run: &$crate::store::FeedRun = $run;
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        $query
            .bind(run.source.as_str())
            .bind(&run.name)
            .bind(run.started_at)
            .bind(run.finished_at)
            .bind(run.outcome.as_str())
            .bind(signed(run.rows_read))
            .bind(signed(run.inserted))
            .bind(signed(run.updated))
            .bind(signed(run.closed))
            .bind(run.refreshed_at)
            .bind(run.message.as_deref())
    }};
}
pub(super) use bind_run;

const INSERT_MESSAGE: &str = "
    INSERT INTO outbox (for_day, recipient, cc, subject, next_attempt_at, created_at)
    VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
const INSERT_BODIES: &str = "
    INSERT INTO outbox_bodies (outbox_id, body_text, body_html, ics) VALUES ($1, $2, $3, $4)";

/// Within transaction `$tx`: queues `$message` unless `$key` was used
/// before; whether it was queued.
macro_rules! queue_notice {
    ($tx:expr, $key:expr, $message:expr, $now:expr) => {{
        let tx = $tx;
        let message: &NewMessage = $message;
        let now: DateTime<Utc> = $now;
        let new = sqlx::query(
            "INSERT INTO team_notices (key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind($key)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if new {
            let id: i64 = sqlx::query_scalar(INSERT_MESSAGE)
                .bind(crate::domain::london_time(now).0)
                .bind(&message.recipient)
                .bind(message.cc.as_deref())
                .bind(&message.subject)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?;
            sqlx::query(INSERT_BODIES)
                .bind(id)
                .bind(&message.body_text)
                .bind(&message.body_html)
                .bind(message.ics.as_deref())
                .execute(&mut **tx)
                .await?;
        }
        new
    }};
}

impl Store {
    /// Records a run that imported nothing (it failed, was rejected or
    /// refused, or found nothing new), with the e-mail telling the
    /// complaints team, if any, in the same transaction. The e-mail goes
    /// only if none went under the same key: a source that fails every
    /// hour is told once a day.
    pub async fn record_run(
        &self,
        run: &FeedRun,
        notice: Option<(&str, &NewMessage)>,
    ) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            bind_run!(sqlx::query(INSERT_RUN), run)
                .execute(&mut *tx)
                .await?;
            if let Some((key, message)) = notice {
                queue_notice!(&mut tx, key, message, run.finished_at);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Queues `message` for the complaints team unless one was queued under
    /// `key` before (one stale-data warning a day); whether it was queued.
    pub async fn add_team_notice(
        &self,
        key: &str,
        message: &NewMessage,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let queued = queue_notice!(&mut tx, key, message, now);
            tx.commit().await?;
            queued
        }))
    }

    /// The latest `limit` runs, newest first.
    pub async fn feed_runs(&self, limit: u32) -> Result<Vec<FeedRun>, StoreError> {
        let rows: Vec<RunStored> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT source, name, started_at, finished_at, outcome, rows_read, inserted,
                        updated, closed, refreshed_at, message
                 FROM feed_runs ORDER BY id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(FeedRun::try_from).collect()
    }

    /// When the data was last refreshed: by a feed run or an import by hand.
    pub async fn last_refresh(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT MAX(refreshed_at) FROM feed_runs")
                .fetch_one(pool)
                .await?
        }))
    }

    /// How many runs ended each way, for `/metrics`.
    pub async fn feed_run_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as("SELECT outcome, COUNT(*) FROM feed_runs GROUP BY outcome")
                .fetch_all(pool)
                .await?
        }))
    }
}
