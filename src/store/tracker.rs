//! What the weekly tracker reads, and the record that makes each ISO week's
//! tracker once even with several instances running.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;

use super::cases::StageListed;
use super::{StageRow, Store, StoreError, with_pool};
use crate::tracker::{TrackedStage, Undelivered};

const TRACKED: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ",
           (SELECT COUNT(*) FROM delay_reasons d WHERE d.stage_id = s.id) AS reasons,
           (SELECT d.category FROM delay_reasons d WHERE d.stage_id = s.id ORDER BY d.id DESC LIMIT 1)
               AS reason_category,
           (SELECT d.text FROM delay_reasons d WHERE d.stage_id = s.id ORDER BY d.id DESC LIMIT 1)
               AS reason_text,
           (SELECT COUNT(*) FROM reminders r JOIN outbox o ON o.id = r.outbox_id
             WHERE r.stage_id = s.id AND o.status = 'sent' AND o.for_day <= $1) AS reminders_sent",
    stages_with_case!(),
    "WHERE c.kind IN ('statutory', 'corporate', 'send', 'adult') AND s.received_on <= $1"
);

/// How long a tracker run may go on before another process may take it
/// over; the job gives up well before (`tracker::job::TIME_LIMIT`).
pub const STALE_MINUTES: i64 = 10;

#[derive(sqlx::FromRow)]
struct TrackedListed {
    #[sqlx(flatten)]
    stage: StageListed,
    reasons: i64,
    reason_category: Option<String>,
    reason_text: Option<String>,
    reminders_sent: i64,
}

/// Whether this process should make a week's tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours to make.
    Claimed,
    /// Made already, or being made by another instance.
    Taken,
}

impl Store {
    /// Calls `each` with every complaint stage received by `as_of`.
    pub async fn for_each_tracked_stage(
        &self,
        as_of: NaiveDate,
        mut each: impl FnMut(TrackedStage),
    ) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, TrackedListed>(TRACKED)
                .bind(as_of)
                .fetch(pool);
            while let Some(row) = rows.try_next().await? {
                each(TrackedStage {
                    stage: StageRow::try_from(row.stage)?,
                    reasons: row.reasons,
                    latest_reason: row.reason_category.zip(row.reason_text),
                    reminders_sent: row.reminders_sent,
                });
            }
        });
        Ok(())
    }

    /// E-mails marked failed on `since` or later, newest first.
    pub async fn undelivered_since(
        &self,
        since: NaiveDate,
    ) -> Result<Vec<Undelivered>, StoreError> {
        let rows: Vec<(NaiveDate, String, String, Option<String>)> = with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT for_day, recipient, subject, last_reply FROM outbox
                 WHERE status = 'failed' AND for_day >= $1 ORDER BY for_day DESC, id DESC",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(day, recipient, subject, reply)| Undelivered {
                day,
                recipient,
                subject,
                reply: reply.unwrap_or_default(),
            })
            .collect())
    }

    /// Claims `week`'s tracker for `worker`: new, failed before, left
    /// running by `worker` itself (it could not record the end), or left
    /// running by a process that died [`STALE_MINUTES`] or more ago.
    pub async fn claim_tracker(
        &self,
        week: &str,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        worker: &str,
    ) -> Result<Claim, StoreError> {
        let stale = now - chrono::Duration::minutes(STALE_MINUTES);
        let changed = with_pool!(self, |pool| {
            let inserted = sqlx::query(
                "INSERT INTO tracker_runs (iso_week, as_of, status, started_at, claimed_by)
                 VALUES ($1, $2, 'running', $3, $4) ON CONFLICT (iso_week) DO NOTHING",
            )
            .bind(week)
            .bind(as_of)
            .bind(now)
            .bind(worker)
            .execute(pool)
            .await?
            .rows_affected();
            if inserted == 1 {
                1
            } else {
                sqlx::query(
                    "UPDATE tracker_runs SET status = 'running', started_at = $2, error = NULL, claimed_by = $4
                     WHERE iso_week = $1
                       AND (status = 'failed'
                            OR (status = 'running' AND (started_at < $3 OR claimed_by = $4)))",
                )
                .bind(week)
                .bind(now)
                .bind(stale)
                .bind(worker)
                .execute(pool)
                .await?
                .rows_affected()
            }
        });
        Ok(if changed == 1 {
            Claim::Claimed
        } else {
            Claim::Taken
        })
    }

    /// Records how `week`'s tracker run ended.
    pub async fn finish_tracker(
        &self,
        week: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE tracker_runs SET status = $2, finished_at = $3, error = $4 WHERE iso_week = $1",
            )
            .bind(week)
            .bind(if error.is_some() { "failed" } else { "done" })
            .bind(now)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
