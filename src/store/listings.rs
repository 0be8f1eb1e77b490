//! What the command-line listings read: stages with their latest reason and
//! whether learning is on record (`cases`), the reasons and the learning
//! given in a period (`reasons`, `learning`). One query each.

use chrono::{DateTime, NaiveDate, Utc};

use super::cases::StageListed;
use super::{StageRow, Store, StoreError, StoredLearning, StoredReason, with_pool};

/// A stage with what was said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageNotes {
    pub stage: StageRow,
    /// The latest delay reason given, if any.
    pub latest_reason: Option<StoredReason>,
    /// Whether any learning is on record for the stage.
    pub has_learning: bool,
}

/// A delay reason with its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonGiven {
    pub stage: StageRow,
    pub reason: StoredReason,
}

/// Learning with its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningGiven {
    pub stage: StageRow,
    pub learning: StoredLearning,
}

/// The reason's columns, aliased where a stage column has the same name
/// (`c.category`).
macro_rules! reason_columns {
    () => {
        "d.category AS reason_category, d.text AS reason_text, d.expected_response_on,
         d.given_by AS reason_given_by, d.via AS reason_via, d.given_at AS reason_given_at"
    };
}

const STAGES_WITH_NOTES: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", ",
    reason_columns!(),
    ", EXISTS (SELECT 1 FROM learning l WHERE l.stage_id = s.id) AS has_learning",
    stages_with_case!(),
    "LEFT JOIN delay_reasons d
       ON d.id = (SELECT MAX(d2.id) FROM delay_reasons d2 WHERE d2.stage_id = s.id)
     ORDER BY s.received_on, c.reference, s.stage"
);

const REASONS_GIVEN: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", ",
    reason_columns!(),
    " FROM delay_reasons d
     JOIN case_stages s ON s.id = d.stage_id
     JOIN cases c ON c.id = s.case_id
     JOIN staff m ON m.email = c.manager_email
     WHERE d.given_at >= $1 AND d.given_at < $2
     ORDER BY d.given_at, d.id"
);

const LEARNING_GIVEN: &str = concat!(
    "SELECT ",
    stage_columns!(),
    ", l.text, l.action, l.action_owner, l.action_due_on, l.given_by, l.via, l.given_at
     FROM learning l
     JOIN case_stages s ON s.id = l.stage_id
     JOIN cases c ON c.id = s.case_id
     JOIN staff m ON m.email = c.manager_email
     WHERE l.given_at >= $1 AND l.given_at < $2
     ORDER BY l.given_at, l.id"
);

const UPHELD_WITHOUT_LEARNING: &str = concat!(
    "SELECT ",
    stage_columns!(),
    stages_with_case!(),
    "WHERE s.outcome IN ('upheld', 'partially_upheld')
       AND s.responded_on >= $1 AND s.responded_on <= $2
       AND NOT EXISTS (SELECT 1 FROM learning l WHERE l.stage_id = s.id)
     ORDER BY s.responded_on, c.reference, s.stage"
);

#[derive(sqlx::FromRow)]
struct ReasonListed {
    reason_category: Option<String>,
    reason_text: Option<String>,
    expected_response_on: Option<NaiveDate>,
    reason_given_by: Option<String>,
    reason_via: Option<String>,
    reason_given_at: Option<DateTime<Utc>>,
}

impl ReasonListed {
    /// The reason, when the row has one (a LEFT JOIN leaves it empty).
    fn reason(self) -> Option<StoredReason> {
        Some(StoredReason {
            category: self.reason_category?,
            text: self.reason_text?,
            expected_response_on: self.expected_response_on,
            given_by: self.reason_given_by,
            via: self.reason_via?,
            given_at: self.reason_given_at?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct NotesListed {
    #[sqlx(flatten)]
    stage: StageListed,
    #[sqlx(flatten)]
    reason: ReasonListed,
    has_learning: bool,
}

#[derive(sqlx::FromRow)]
struct ReasonGivenListed {
    #[sqlx(flatten)]
    stage: StageListed,
    #[sqlx(flatten)]
    reason: ReasonListed,
}

#[derive(sqlx::FromRow)]
struct LearningListed {
    #[sqlx(flatten)]
    stage: StageListed,
    #[sqlx(flatten)]
    learning: StoredLearning,
}

impl Store {
    /// Every stage with its case and manager, its latest delay reason and
    /// whether learning is on record, oldest first.
    pub async fn stages_with_notes(&self) -> Result<Vec<StageNotes>, StoreError> {
        let rows: Vec<NotesListed> = with_pool!(self, |pool| sqlx::query_as(STAGES_WITH_NOTES)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(|r| {
                Ok(StageNotes {
                    stage: StageRow::try_from(r.stage)?,
                    latest_reason: r.reason.reason(),
                    has_learning: r.has_learning,
                })
            })
            .collect()
    }

    /// The delay reasons given from `from` up to (not including) `until`,
    /// in the order given.
    pub async fn reasons_given(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ReasonGiven>, StoreError> {
        let rows: Vec<ReasonGivenListed> = with_pool!(self, |pool| {
            sqlx::query_as(REASONS_GIVEN)
                .bind(from)
                .bind(until)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .filter_map(|r| {
                let reason = r.reason.reason()?;
                Some(StageRow::try_from(r.stage).map(|stage| ReasonGiven { stage, reason }))
            })
            .collect()
    }

    /// The learning given from `from` up to (not including) `until`, in the
    /// order given.
    pub async fn learning_given(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<LearningGiven>, StoreError> {
        let rows: Vec<LearningListed> = with_pool!(self, |pool| {
            sqlx::query_as(LEARNING_GIVEN)
                .bind(from)
                .bind(until)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(LearningGiven {
                    stage: StageRow::try_from(r.stage)?,
                    learning: r.learning,
                })
            })
            .collect()
    }

    /// The stages answered upheld or partly upheld from `from` to `to`
    /// (both included) with no learning on record, in the order answered.
    pub async fn upheld_without_learning(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StageRow>, StoreError> {
        let rows: Vec<StageListed> = with_pool!(self, |pool| {
            sqlx::query_as(UPHELD_WITHOUT_LEARNING)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(StageRow::try_from).collect()
    }
}
