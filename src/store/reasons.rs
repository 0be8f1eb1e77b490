//! Reasons for delays: what a link leads to, recording a reason (always
//! added, never overwritten), and the figures behind health and metrics.

use chrono::{DateTime, NaiveDate, Utc};

use super::cases::StageListed;
use super::{StageRow, Store, StoreError, with_pool};
use crate::domain::{Reference, Reminder, Stage, Via};

/// The stage a link leads to, who the link was sent to, and what the
/// reminder carrying it was (which decides the form it opens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonTarget {
    pub stage: StageRow,
    pub recipient: String,
    pub kind: Reminder,
}

/// A reason to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReason {
    pub stage_id: i64,
    pub category: String,
    pub text: String,
    pub expected_response_on: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub via: Via,
}

/// A recorded reason.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredReason {
    pub category: String,
    pub text: String,
    pub expected_response_on: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub via: String,
    pub given_at: DateTime<Utc>,
}

const REASON_TARGET: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", r.recipient, r.kind AS reminder_kind",
    stages_with_case!(),
    "JOIN reminders r ON r.stage_id = s.id
     WHERE r.id = $1 AND r.stage_id = $2"
);

const FIND_STAGE: &str = concat!(
    "SELECT ",
    stage_columns!(),
    stages_with_case!(),
    "WHERE c.reference = $1 AND s.stage = $2"
);

#[derive(sqlx::FromRow)]
struct TargetListed {
    #[sqlx(flatten)]
    stage: StageListed,
    recipient: String,
    #[sqlx(try_from = "String")]
    reminder_kind: Reminder,
}

impl Store {
    /// The stage and recipient of reminder `reminder_id`, if it exists and
    /// is about stage `stage_id` (a token names both).
    pub async fn reason_target(
        &self,
        reminder_id: i64,
        stage_id: i64,
    ) -> Result<Option<ReasonTarget>, StoreError> {
        let row: Option<TargetListed> = with_pool!(self, |pool| {
            sqlx::query_as(REASON_TARGET)
                .bind(reminder_id)
                .bind(stage_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| {
            Ok(ReasonTarget {
                stage: StageRow::try_from(r.stage)?,
                recipient: r.recipient,
                kind: r.reminder_kind,
            })
        })
        .transpose()
    }

    /// A stage by its case reference and stage number.
    pub async fn find_stage(
        &self,
        reference: &Reference,
        stage: Stage,
    ) -> Result<Option<StageRow>, StoreError> {
        let row: Option<StageListed> = with_pool!(self, |pool| {
            sqlx::query_as(FIND_STAGE)
                .bind(reference.as_str())
                .bind(i32::from(stage.number()))
                .fetch_optional(pool)
                .await?
        });
        row.map(StageRow::try_from).transpose()
    }

    /// Adds a reason to the stage's history, unless the same reason (the
    /// same category and words) is on record already: a form sent twice
    /// by a double click adds it once. Returns whether it was added.
    pub async fn add_reason(
        &self,
        reason: &NewReason,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let added = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO delay_reasons (stage_id, category, text, expected_response_on, given_by, given_at, via)
                 SELECT $1, $2, $3, $4, $5, $6, $7
                 WHERE NOT EXISTS (SELECT 1 FROM delay_reasons
                                   WHERE stage_id = $1 AND category = $2 AND text = $3)",
            )
            .bind(reason.stage_id)
            .bind(&reason.category)
            .bind(&reason.text)
            .bind(reason.expected_response_on)
            .bind(reason.given_by.as_deref())
            .bind(now)
            .bind(reason.via.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(added > 0)
    }

    /// The reasons recorded for a stage, oldest first.
    pub async fn reasons_of(&self, stage_id: i64) -> Result<Vec<StoredReason>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT category, text, expected_response_on, given_by, via, given_at
                 FROM delay_reasons WHERE stage_id = $1 ORDER BY id",
            )
            .bind(stage_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Whether `email` is on the staff list (only staff are reminded).
    pub async fn is_staff(&self, email: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM staff WHERE email = $1")
                .bind(email)
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// How many e-mails are in each outbox status.
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
                .fetch_all(pool)
                .await?
        }))
    }
}
