//! What the weekly tracker reads, and the record that makes each ISO week's
//! tracker once even with several instances running.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;

use super::cases::stored_terms;
use super::columns::Columns;
use super::parts;
use super::raw::{self, Statement};
use super::{Store, StoreError, with_pool};
use crate::domain::Stage;
use crate::tracker::{Details, TrackedStage, Undelivered};

/// Every complaint stage received by $1 that is open or was answered on or
/// after $2, with only what the figures need: a million stages are read in
/// one pass, and every value read costs time (see BENCHMARKS.md).
///
/// Most stages match, and the query is written so that SQLite reads
/// `case_stages` straight through (as the outer loop of a CROSS JOIN, with
/// conditions no index serves): with `received_on <= $1 AND (responded_on
/// IS NULL OR ..)` it went through the index on (responded_on, received_on)
/// to each row out of order, ten times slower. `<> 0` rather than `= 1`
/// keeps PostgreSQL's estimate of the rows high, so it never loops over
/// an index (read in parts, it merges two: `parts.rs`). `IN`
/// rather than `EXISTS`: PostgreSQL runs both as one hashed lookup, but
/// costed `EXISTS` so high that it compiled the query (JIT, with inlining
/// and optimisation) first, which took longer than the query. SQLite reads
/// it through its C API (`raw.rs`); PostgreSQL in parts (`parts.rs`), whose
/// condition is added at the end.
const TRACKED: &str = "
    SELECT s.id, c.kind, c.team, s.received_on, s.working_days_allowed,
           s.agreed_response_on, s.responded_on, s.outcome,
           s.id IN (SELECT d.stage_id FROM delay_reasons d) AS has_reason
    FROM case_stages s
    CROSS JOIN cases c
    WHERE c.id = s.case_id
      AND c.kind IN ('statutory', 'corporate', 'send', 'adult')
      AND CASE WHEN s.received_on > $1 THEN 0
               WHEN s.responded_on IS NULL THEN 1
               WHEN s.responded_on >= $2 THEN 1
               ELSE 0 END <> 0";

/// The details of listed stages: the latest delay reason, and the
/// reminders sent by a day (the first value bound). The latest reason is
/// looked up stage by stage: as a join on the latest id, PostgreSQL hashed
/// every reason for each thousand stages.
macro_rules! details_head {
    () => {
        "SELECT s.id, c.reference, s.stage, m.name,
           (SELECT COUNT(*) FROM reminders r JOIN outbox o ON o.id = r.outbox_id
             WHERE r.stage_id = s.id AND o.status = 'sent' AND o.for_day <= "
    };
}

macro_rules! details_tail {
    () => {
        ") AS reminders_sent,
           (SELECT d.category FROM delay_reasons d WHERE d.stage_id = s.id
             ORDER BY d.id DESC LIMIT 1) AS reason_category,
           (SELECT d.text FROM delay_reasons d WHERE d.stage_id = s.id
             ORDER BY d.id DESC LIMIT 1) AS reason_text
        FROM case_stages s
        JOIN cases c ON c.id = s.case_id
        JOIN staff m ON m.email = c.manager_email
        WHERE s.id "
    };
}

/// On PostgreSQL the ids are bound as an array, and the latest reason is
/// looked up once for both its values (`LATERAL`, which SQLite lacks): 15%
/// less time than two lookups...
const DETAILS_PG: &str = concat!(
    details_head!(),
    "$1) AS reminders_sent, l.category, l.text
    FROM case_stages s
    JOIN cases c ON c.id = s.case_id
    JOIN staff m ON m.email = c.manager_email
    LEFT JOIN LATERAL (SELECT d.category, d.text FROM delay_reasons d
                        WHERE d.stage_id = s.id ORDER BY d.id DESC LIMIT 1) l ON true
    WHERE s.id = ANY($2)"
);

/// ...and on SQLite as one JSON array: one query instead of a hundred lists
/// of a thousand bound ids (15 ms each on PostgreSQL) for the 100,000 rows
/// of a large tracker.
const DETAILS_SQLITE: &str = concat!(
    details_head!(),
    "$1",
    details_tail!(),
    "IN (SELECT value FROM json_each($2))"
);

/// How long a tracker run may go on before another process may take it
/// over; the job gives up well before (`tracker::job::TIME_LIMIT`).
pub const STALE_MINUTES: i64 = 10;

/// Whether this process should make a week's tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours to make.
    Claimed,
    /// Made already, by this instance or another.
    Made,
    /// Being made by another instance.
    Taken,
}

impl Store {
    /// Calls `each` with every complaint stage received by `as_of` that is
    /// open or was answered on or after `answered_since`.
    pub async fn for_each_tracked_stage(
        &self,
        as_of: NaiveDate,
        answered_since: NaiveDate,
        mut each: impl FnMut(&TrackedStage<'_>),
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => {
                let bind = |s: &mut Statement<'_>| {
                    s.bind_date(c"$1", as_of)?;
                    s.bind_date(c"$2", answered_since)
                };
                raw::for_each_row(pool, TRACKED, bind, |row| {
                    each(&tracked_stage(row)?);
                    Ok::<_, StoreError>(())
                })
                .await?;
            }
            Store::Postgres(pool) => {
                parts::for_each_row(
                    pool,
                    TRACKED,
                    2,
                    |q| q.bind(as_of).bind(answered_since),
                    |row| {
                        each(&tracked_stage(row)?);
                        Ok::<_, StoreError>(())
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The details of the stages `ids` as of `as_of`, by stage id.
    pub async fn listed_details(
        &self,
        as_of: NaiveDate,
        ids: &[i64],
    ) -> Result<HashMap<i64, Details>, StoreError> {
        let mut details = HashMap::with_capacity(ids.len());
        match self {
            Store::Sqlite(pool) => {
                let bind = |s: &mut Statement<'_>| {
                    s.bind_date(c"$1", as_of)?;
                    s.bind_text(c"$2", &json_list(ids))
                };
                raw::for_each_row(pool, DETAILS_SQLITE, bind, |row| {
                    let (id, found) = found_details(row)?;
                    details.insert(id, found);
                    Ok::<_, StoreError>(())
                })
                .await?;
            }
            Store::Postgres(pool) => {
                let query = sqlx::query(DETAILS_PG).bind(as_of).bind(ids);
                let mut rows = query.fetch(pool);
                while let Some(row) = rows.try_next().await? {
                    let (id, found) = found_details(&row)?;
                    details.insert(id, found);
                }
            }
        }
        Ok(details)
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
        if changed == 1 {
            return Ok(Claim::Claimed);
        }
        let status: Option<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT status FROM tracker_runs WHERE iso_week = $1")
                .bind(week)
                .fetch_optional(pool)
                .await?
        });
        Ok(if status.as_deref() == Some("done") {
            Claim::Made
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

/// A row of the details query: the stage's id and its details.
fn found_details(row: &impl Columns) -> Result<(i64, Details), StoreError> {
    let (reason_category, reason_text) = match (row.opt_text(5)?, row.opt_text(6)?) {
        (Some(c), Some(t)) => (Some(c.to_owned()), Some(t.to_owned())),
        _ => (None, None),
    };
    let details = Details {
        reference: row.text(1)?.to_owned(),
        stage: Stage::from_stored(row.i32(2)?).number(),
        manager: row.text(3)?.to_owned(),
        reminders_sent: row.i64(4)?,
        reason_category,
        reason_text,
    };
    Ok((row.i64(0)?, details))
}

/// `[1,2,3]`.
fn json_list(ids: &[i64]) -> String {
    use std::fmt::Write;
    let mut list = String::with_capacity(ids.len() * 8 + 2);
    list.push('[');
    for (i, id) in ids.iter().enumerate() {
        let comma = if i == 0 { "" } else { "," };
        let _ = write!(list, "{comma}{id}");
    }
    list.push(']');
    list
}

/// A row of [`TRACKED`], read by position, the team borrowed: no
/// allocation per stage.
fn tracked_stage(row: &impl Columns) -> Result<TrackedStage<'_>, StoreError> {
    let stage_id = row.i64(0)?;
    let (kind, outcome, working_days_allowed) = stored_terms(
        &format_args!("stage {stage_id}"),
        row.text(1)?,
        row.opt_text(7)?,
        row.opt_i32(4)?,
    )?;
    Ok(TrackedStage {
        stage_id,
        kind,
        team: row.text(2)?,
        received_on: row.date(3)?,
        working_days_allowed,
        agreed_response_on: row.opt_date(5)?,
        responded_on: row.opt_date(6)?,
        outcome,
        has_reason: row.flag(8)?,
    })
}
