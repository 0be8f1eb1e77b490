//! What the digests read (the responses of a period, with their reasons
//! and learning) and the record that makes each digest once per period,
//! even with several instances running.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

use super::cases::StageListed;
use super::outbox::{INSERT_BODY, INSERT_MESSAGE, NewMessage};
use super::tracker::{Claim, STALE_MINUTES};
use super::{StageRow, Store, StoreError, with_pool};

/// The two digests. Stored as the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestKind {
    /// Upheld responses and their learning, for those who share it.
    Learning,
    /// Late responses and their reasons, for each head of service.
    Escalation,
}

impl DigestKind {
    pub const ALL: [Self; 2] = [Self::Learning, Self::Escalation];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Learning => "learning",
            Self::Escalation => "escalation",
        }
    }
}

impl fmt::Display for DigestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A complaint stage a digest may list, with its manager's head of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestStage {
    pub stage: StageRow,
    pub escalation_email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DigestListed {
    #[sqlx(flatten)]
    stage: StageListed,
    escalation_email: Option<String>,
}

/// A delay reason, as a digest shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DigestReason {
    pub stage_id: i64,
    /// The category's short name (`delay_reasons.categories`).
    pub category: String,
    pub text: String,
    pub expected_response_on: Option<NaiveDate>,
}

/// A learning entry, as a digest shows it: who gave it is left out.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DigestLearning {
    pub stage_id: i64,
    pub text: String,
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<NaiveDate>,
    pub given_at: DateTime<Utc>,
}

/// What the digests of a period read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestRows {
    /// Answered in the period, or upheld and answered before it with
    /// learning recorded in it; by response date.
    pub stages: Vec<DigestStage>,
    /// Every reason of those stages, oldest first.
    pub reasons: Vec<DigestReason>,
    /// Every learning entry of those stages, oldest first.
    pub learning: Vec<DigestLearning>,
}

/// The stages of a period (`$1` to `$2`, the days; learning recorded from
/// `$3` up to `$4`, the instants those days begin and end in London).
macro_rules! digest_stages {
    () => {
        " FROM case_stages s
         JOIN cases c ON c.id = s.case_id
         JOIN staff m ON m.email = c.manager_email
         WHERE c.kind NOT IN ('comment', 'compliment')
           AND (s.outcome IS NULL OR s.outcome <> 'withdrawn')
           AND (s.responded_on BETWEEN $1 AND $2
                OR (s.responded_on < $1 AND s.outcome IN ('upheld', 'partially_upheld')
                    AND EXISTS (SELECT 1 FROM learning l WHERE l.stage_id = s.id
                                AND l.given_at >= $3 AND l.given_at < $4)))"
    };
}

const STAGES: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", m.escalation_email",
    digest_stages!(),
    " ORDER BY s.responded_on, c.reference, s.stage"
);

const REASONS: &str = concat!(
    "SELECT d.stage_id, d.category, d.text, d.expected_response_on
     FROM delay_reasons d WHERE d.stage_id IN (SELECT s.id",
    digest_stages!(),
    ") ORDER BY d.id"
);

const LEARNING: &str = concat!(
    "SELECT l.stage_id, l.text, l.action, l.action_owner, l.action_due_on, l.given_at
     FROM learning l WHERE l.stage_id IN (SELECT s.id",
    digest_stages!(),
    ") ORDER BY l.id"
);

impl Store {
    /// The stages answered from `from` to `to` (both included) with their
    /// reasons and learning, and the upheld ones answered before `from`
    /// with learning recorded between `since` and `until`.
    pub async fn digest_rows(
        &self,
        (from, to): (NaiveDate, NaiveDate),
        (since, until): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<DigestRows, StoreError> {
        let (stages, reasons, learning): (Vec<DigestListed>, _, _) = with_pool!(self, |pool| {
            macro_rules! read {
                ($sql:expr) => {
                    sqlx::query_as($sql)
                        .bind(from)
                        .bind(to)
                        .bind(since)
                        .bind(until)
                        .fetch_all(pool)
                        .await?
                };
            }
            (read!(STAGES), read!(REASONS), read!(LEARNING))
        });
        let stages = stages
            .into_iter()
            .map(|r| {
                Ok(DigestStage {
                    stage: StageRow::try_from(r.stage)?,
                    escalation_email: r.escalation_email.filter(|e| !e.trim().is_empty()),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(DigestRows {
            stages,
            reasons,
            learning,
        })
    }

    /// Claims the `kind` digest of `from` to `to` for `worker`: new, failed
    /// before, left running by `worker` itself, or left running by a
    /// process that died [`STALE_MINUTES`] or more ago.
    pub async fn claim_digest(
        &self,
        kind: DigestKind,
        (from, to): (NaiveDate, NaiveDate),
        now: DateTime<Utc>,
        worker: &str,
    ) -> Result<Claim, StoreError> {
        let stale = now - chrono::Duration::minutes(STALE_MINUTES);
        let changed = with_pool!(self, |pool| {
            let inserted = sqlx::query(
                "INSERT INTO digest_runs (kind, period_from, period_to, status, started_at, claimed_by)
                 VALUES ($1, $2, $3, 'running', $4, $5)
                 ON CONFLICT (kind, period_from, period_to) DO NOTHING",
            )
            .bind(kind.as_str())
            .bind(from)
            .bind(to)
            .bind(now)
            .bind(worker)
            .execute(pool)
            .await?
            .rows_affected();
            if inserted == 1 {
                1
            } else {
                sqlx::query(
                    "UPDATE digest_runs SET status = 'running', started_at = $4, error = NULL,
                            claimed_by = $5
                     WHERE kind = $1 AND period_from = $2 AND period_to = $3
                       AND (status = 'failed'
                            OR (status = 'running' AND (started_at < $6 OR claimed_by = $5)))",
                )
                .bind(kind.as_str())
                .bind(from)
                .bind(to)
                .bind(now)
                .bind(worker)
                .bind(stale)
                .execute(pool)
                .await?
                .rows_affected()
            }
        });
        if changed == 1 {
            return Ok(Claim::Claimed);
        }
        let status: Option<String> = with_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT status FROM digest_runs
                 WHERE kind = $1 AND period_from = $2 AND period_to = $3",
            )
            .bind(kind.as_str())
            .bind(from)
            .bind(to)
            .fetch_optional(pool)
            .await?
        });
        Ok(if status.as_deref() == Some("done") {
            Claim::Made
        } else {
            Claim::Taken
        })
    }

    /// Marks `worker`'s run of the `kind` digest of `from` to `to` done and
    /// queues its `messages` for `for_day`, in one transaction; whether it
    /// did. A run another process took over (this one outlived its claim)
    /// queues nothing, so no digest goes twice.
    pub async fn finish_digest(
        &self,
        kind: DigestKind,
        (from, to): (NaiveDate, NaiveDate),
        worker: &str,
        (for_day, messages): (NaiveDate, &[NewMessage]),
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let ours = sqlx::query(
                "UPDATE digest_runs SET status = 'done', finished_at = $4, error = NULL
                 WHERE kind = $1 AND period_from = $2 AND period_to = $3
                   AND status = 'running' AND claimed_by = $5",
            )
            .bind(kind.as_str())
            .bind(from)
            .bind(to)
            .bind(now)
            .bind(worker)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !ours {
                return Ok(false);
            }
            for message in messages {
                let id: i64 = sqlx::query_scalar(INSERT_MESSAGE)
                    .bind(for_day)
                    .bind(&message.recipient)
                    .bind(message.cc.as_deref())
                    .bind(&message.subject)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(INSERT_BODY)
                    .bind(id)
                    .bind(&message.body_text)
                    .bind(&message.body_html)
                    .bind(message.ics.as_deref())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Records that `worker`'s run of a digest failed, so the next poll
    /// (of any instance) tries it again.
    pub async fn fail_digest(
        &self,
        kind: DigestKind,
        (from, to): (NaiveDate, NaiveDate),
        worker: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE digest_runs SET status = 'failed', finished_at = $4, error = $6
                 WHERE kind = $1 AND period_from = $2 AND period_to = $3
                   AND status = 'running' AND claimed_by = $5",
            )
            .bind(kind.as_str())
            .bind(from)
            .bind(to)
            .bind(now)
            .bind(worker)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
