//! The stages the annual report reads, streamed one at a time with their
//! delay reasons, so a report over millions of stages holds one in memory.

use chrono::NaiveDate;
use futures_util::TryStreamExt;

use super::cases::stored_terms;
use super::{Store, StoreError, with_pool};
use crate::domain::{Kind, Outcome, Stage};

/// A stage as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStageRow {
    pub stage_id: i64,
    pub reference: String,
    pub kind: Kind,
    pub category: Option<String>,
    pub team: String,
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub working_days_allowed: Option<u16>,
    pub agreed_response_on: Option<NaiveDate>,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// Whether the stage records what was learnt (not blank).
    pub has_learning: bool,
    /// The category of each delay reason recorded for the stage.
    pub reason_categories: Vec<String>,
}

/// One row per (stage, delay reason), or one with no reason; a stage's rows
/// come together because they are ordered by stage.
#[derive(sqlx::FromRow)]
struct Joined {
    stage_id: i64,
    reference: String,
    kind: String,
    category: Option<String>,
    team: String,
    stage: i32,
    received_on: NaiveDate,
    working_days_allowed: Option<i32>,
    agreed_response_on: Option<NaiveDate>,
    responded_on: Option<NaiveDate>,
    outcome: Option<String>,
    has_learning: bool,
    reason_category: Option<String>,
}

// The LEFT JOIN rather than an aggregate keeps the SQL the same on both
// backends (group_concat and string_agg differ). Stages received before the
// period and answered in it count as responses, hence the OR.
const REPORT_STAGES: &str = "
    SELECT s.id AS stage_id, c.reference, c.kind, c.category, c.team, s.stage,
           s.received_on, s.working_days_allowed, s.agreed_response_on,
           s.responded_on, s.outcome,
           (s.learning IS NOT NULL AND TRIM(s.learning) <> '') AS has_learning,
           r.category AS reason_category
    FROM case_stages s
    JOIN cases c ON c.id = s.case_id
    LEFT JOIN delay_reasons r ON r.stage_id = s.id
    WHERE s.received_on BETWEEN $1 AND $2
       OR s.responded_on BETWEEN $1 AND $2
    ORDER BY s.id";

impl TryFrom<Joined> for ReportStageRow {
    type Error = StoreError;

    fn try_from(r: Joined) -> Result<Self, StoreError> {
        let (kind, outcome, working_days_allowed) = stored_terms(
            &r.reference,
            &r.kind,
            r.outcome.as_deref(),
            r.working_days_allowed,
        )?;
        Ok(Self {
            stage_id: r.stage_id,
            kind,
            outcome,
            working_days_allowed,
            stage: Stage::from_stored(r.stage),
            reason_categories: r.reason_category.into_iter().collect(),
            reference: r.reference,
            category: r.category,
            team: r.team,
            received_on: r.received_on,
            agreed_response_on: r.agreed_response_on,
            responded_on: r.responded_on,
            has_learning: r.has_learning,
        })
    }
}

impl Store {
    /// Calls `each` with every stage received or answered between `from`
    /// and `to` (both included), in stage order, and returns how many.
    /// Stops at the first error `each` returns.
    pub async fn for_each_report_stage<E: From<StoreError>>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        mut each: impl FnMut(ReportStageRow) -> Result<(), E>,
    ) -> Result<usize, E> {
        let mut count = 0;
        let mut pending: Option<ReportStageRow> = None;
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, Joined>(REPORT_STAGES)
                .bind(from)
                .bind(to)
                .fetch(pool);
            while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                match &mut pending {
                    Some(stage) if stage.stage_id == row.stage_id => {
                        stage.reason_categories.extend(row.reason_category);
                    }
                    _ => {
                        let next = ReportStageRow::try_from(row)?;
                        if let Some(done) = pending.replace(next) {
                            count += 1;
                            each(done)?;
                        }
                    }
                }
            }
        });
        if let Some(done) = pending {
            count += 1;
            each(done)?;
        }
        Ok(count)
    }
}
