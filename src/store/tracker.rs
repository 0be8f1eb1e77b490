//! What the weekly tracker reads, and the record that makes each ISO week's
//! tracker once even with several instances running.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::QueryBuilder;

use super::cases::{TermsListed, stored_terms};
use super::{Store, StoreError, with_pool};
use crate::domain::{Kind, Outcome, Stage};
use crate::timescale::StoredTerms;

/// One stage as the tracker's figures read it: only what they need, as
/// a million of them are read in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedStage {
    pub stage_id: i64,
    pub kind: Kind,
    pub team: String,
    pub received_on: NaiveDate,
    pub terms: StoredTerms,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// Whether any delay reason is recorded for the stage.
    pub has_reason: bool,
    /// Whether any learning is recorded for the stage.
    pub has_learning: bool,
    /// The day a complete extract no longer listed the open stage.
    pub left_source_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct TrackedListed {
    stage_id: i64,
    kind: String,
    team: String,
    received_on: NaiveDate,
    responded_on: Option<NaiveDate>,
    outcome: Option<String>,
    has_reason: bool,
    has_learning: bool,
    left_source_on: Option<NaiveDate>,
    #[sqlx(flatten)]
    terms: TermsListed,
}

impl TryFrom<TrackedListed> for TrackedStage {
    type Error = StoreError;

    fn try_from(r: TrackedListed) -> Result<Self, StoreError> {
        let owner = format_args!("stage {}", r.stage_id);
        let (kind, outcome) = stored_terms(&owner, &r.kind, r.outcome.as_deref())?;
        let terms = r.terms.read(&owner, kind)?;
        Ok(Self {
            stage_id: r.stage_id,
            kind,
            team: r.team,
            received_on: r.received_on,
            terms,
            responded_on: r.responded_on,
            outcome,
            has_reason: r.has_reason,
            has_learning: r.has_learning,
            left_source_on: r.left_source_on,
        })
    }
}

/// What a listed row shows besides its figures, read for listed stages only.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Details {
    pub reference: String,
    pub stage: u8,
    pub manager: String,
    pub reminders_sent: i64,
    /// The latest reason's category (its label once the tracker is
    /// built), its text and the response date it expects.
    pub reason_category: Option<String>,
    pub reason_text: Option<String>,
    pub expected_response_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct DetailsListed {
    stage_id: i64,
    reference: String,
    stage: i32,
    manager: String,
    reminders_sent: i64,
    reason_category: Option<String>,
    reason_text: Option<String>,
    expected_response_on: Option<NaiveDate>,
}

/// An e-mail that could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undelivered {
    pub day: NaiveDate,
    pub recipient: String,
    pub subject: String,
    pub reply: String,
}

/// Every complaint stage received by $1 that is open, was answered on or
/// after $2, or left the case system on or after $2.
const TRACKED: &str = concat!(
    "SELECT s.id AS stage_id, c.kind, c.team, s.received_on, s.responded_on, s.outcome,
           s.left_source_on, ",
    terms_columns!(),
    ", EXISTS (SELECT 1 FROM delay_reasons d WHERE d.stage_id = s.id) AS has_reason,
       EXISTS (SELECT 1 FROM learning l WHERE l.stage_id = s.id) AS has_learning
    FROM case_stages s
    JOIN cases c ON c.id = s.case_id
    WHERE c.kind NOT IN ('comment', 'compliment')
      AND s.received_on <= $1
      AND (s.responded_on IS NULL OR s.responded_on >= $2)
      AND (s.left_source_on IS NULL OR s.left_source_on >= $2)"
);

/// The details of listed stages, up to the list of their ids: the reminders
/// sent by a day (the value bound between the two parts), and the latest
/// delay reason (joined by its id: the greatest of the stage's).
const DETAILS_HEAD: &str = "
    SELECT s.id AS stage_id, c.reference, s.stage, m.name AS manager,
       (SELECT COUNT(*) FROM reminders r JOIN outbox o ON o.id = r.outbox_id
         WHERE r.stage_id = s.id AND o.status = 'sent' AND o.for_day <= ";
const DETAILS_TAIL: &str = ") AS reminders_sent,
       d.category AS reason_category, d.text AS reason_text, d.expected_response_on
    FROM case_stages s
    JOIN cases c ON c.id = s.case_id
    JOIN staff m ON m.email = c.manager_email
    LEFT JOIN delay_reasons d
      ON d.id = (SELECT MAX(d2.id) FROM delay_reasons d2 WHERE d2.stage_id = s.id)
    WHERE s.id IN (";

/// Stage ids listed per details query.
const IDS_PER_STATEMENT: usize = 1_000;

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
    /// open, or was answered or left the case system on or after
    /// `answered_since`.
    pub async fn for_each_tracked_stage(
        &self,
        as_of: NaiveDate,
        answered_since: NaiveDate,
        mut each: impl FnMut(&TrackedStage),
    ) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, TrackedListed>(TRACKED)
                .bind(as_of)
                .bind(answered_since)
                .fetch(pool);
            while let Some(row) = rows.try_next().await? {
                each(&TrackedStage::try_from(row)?);
            }
        });
        Ok(())
    }

    /// The details of the stages `ids` as of `as_of`, by stage id.
    pub async fn listed_details(
        &self,
        as_of: NaiveDate,
        ids: &[i64],
    ) -> Result<HashMap<i64, Details>, StoreError> {
        let mut details = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let rows: Vec<DetailsListed> = with_pool!(self, |pool| {
                let mut query = QueryBuilder::new(DETAILS_HEAD);
                query.push_bind(as_of).push(DETAILS_TAIL);
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                query.build_query_as().fetch_all(pool).await?
            });
            details.extend(rows.into_iter().map(|r| {
                let found = Details {
                    reference: r.reference,
                    stage: Stage::from_stored(r.stage).number(),
                    manager: r.manager,
                    reminders_sent: r.reminders_sent,
                    reason_category: r.reason_category,
                    reason_text: r.reason_text,
                    expected_response_on: r.expected_response_on,
                };
                (r.stage_id, found)
            }));
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
