//! Learning from upheld complaints: each entry, with the action it leads
//! to, added to the stage's history and never overwritten.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, StoreError, with_pool};
use crate::domain::Via;

/// Learning to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLearning {
    pub stage_id: i64,
    pub text: String,
    /// The action the learning leads to, who owns it (an address or a
    /// name), and by when.
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub via: Via,
}

/// Recorded learning.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredLearning {
    pub text: String,
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<NaiveDate>,
    pub given_by: Option<String>,
    pub via: String,
    pub given_at: DateTime<Utc>,
}

impl Store {
    /// Adds learning to the stage's history, unless the same words and
    /// action are on record already (a form sent twice). Returns whether
    /// it was added.
    pub async fn add_learning(
        &self,
        learning: &NewLearning,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let added = with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO learning (stage_id, text, action, action_owner, action_due_on, given_by, given_at, via)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8
                 WHERE NOT EXISTS (SELECT 1 FROM learning
                                   WHERE stage_id = $1 AND text = $2
                                     AND COALESCE(action, '') = COALESCE($3, ''))",
            )
            .bind(learning.stage_id)
            .bind(&learning.text)
            .bind(learning.action.as_deref())
            .bind(learning.action_owner.as_deref())
            .bind(learning.action_due_on)
            .bind(learning.given_by.as_deref())
            .bind(now)
            .bind(learning.via.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(added > 0)
    }

    /// The learning recorded for a stage, oldest first.
    pub async fn learning_of(&self, stage_id: i64) -> Result<Vec<StoredLearning>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT text, action, action_owner, action_due_on, given_by, via, given_at
                 FROM learning WHERE stage_id = $1 ORDER BY id",
            )
            .bind(stage_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
