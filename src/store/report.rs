//! The stages the annual report reads, streamed one at a time, so a report
//! over millions of stages holds one in memory, with the delay reasons of
//! the stages answered in the period and their learning.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures_util::TryStreamExt;

use super::cases::{TermsListed, stored_terms};
use super::{Store, StoreError, with_pool};
use crate::domain::{Kind, Outcome, Stage};
use crate::timescale::StoredTerms;

/// A stage as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStageRow {
    pub reference: String,
    pub kind: Kind,
    pub category: Option<String>,
    pub team: String,
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub terms: StoredTerms,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// The day a complete extract no longer listed the open stage.
    pub left_source_on: Option<NaiveDate>,
    /// Whether the stage records what was learnt (not blank).
    pub has_learning: bool,
    /// The category of each delay reason recorded for the stage, if it was
    /// answered in the period (the report counts no others).
    pub reason_categories: Vec<String>,
    /// The learning recorded for the stage, oldest first, if it was
    /// answered in the period.
    pub learning: Vec<ReportLearning>,
}

/// One learning entry as the report lists it: what was learnt and the
/// action it leads to, never who complained.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportLearning {
    pub text: String,
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct LearningListed {
    stage_id: i64,
    #[sqlx(flatten)]
    entry: ReportLearning,
}

#[derive(sqlx::FromRow)]
struct ReportListed {
    stage_id: i64,
    reference: String,
    kind: String,
    category: Option<String>,
    team: String,
    stage: i32,
    received_on: NaiveDate,
    responded_on: Option<NaiveDate>,
    outcome: Option<String>,
    left_source_on: Option<NaiveDate>,
    has_learning: bool,
    #[sqlx(flatten)]
    terms: TermsListed,
}

/// Stages received in the period, and those received before it and
/// answered in it (they count as responses) or gone from the case system
/// in it (counted apart). Reasons are read apart, so that no join
/// multiplies the stages.
const REPORT_STAGES: &str = concat!(
    "SELECT s.id AS stage_id, c.reference, c.kind, c.category, c.team, s.stage,
           s.received_on, s.responded_on, s.outcome, s.left_source_on,
           EXISTS (SELECT 1 FROM learning l WHERE l.stage_id = s.id) AS has_learning, ",
    terms_columns!(),
    " FROM case_stages s
    JOIN cases c ON c.id = s.case_id
    WHERE s.received_on BETWEEN $1 AND $2 OR s.responded_on BETWEEN $1 AND $2
       OR s.left_source_on BETWEEN $1 AND $2"
);

/// The delay reasons of the stages answered in the period: the only ones
/// the report counts.
const REPORT_REASONS: &str = "
    SELECT r.stage_id, r.category
    FROM delay_reasons r
    JOIN case_stages s ON s.id = r.stage_id
    WHERE s.responded_on BETWEEN $1 AND $2";

/// The learning of the stages answered in the period, oldest first: the
/// entries the report lists.
const REPORT_LEARNING: &str = "
    SELECT l.stage_id, l.text, l.action, l.action_owner, l.action_due_on
    FROM learning l
    JOIN case_stages s ON s.id = l.stage_id
    WHERE s.responded_on BETWEEN $1 AND $2
    ORDER BY l.id";

impl Store {
    /// Calls `each` with every stage received or answered between `from`
    /// and `to` (both included), and returns how many. Stops at the first
    /// error `each` returns.
    pub async fn for_each_report_stage<E: From<StoreError>>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        mut each: impl FnMut(ReportStageRow) -> Result<(), E>,
    ) -> Result<usize, E> {
        let mut reasons = self.reason_categories(from, to).await?;
        let mut learning = self.report_learning(from, to).await?;
        let mut count = 0;
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, ReportListed>(REPORT_STAGES)
                .bind(from)
                .bind(to)
                .fetch(pool);
            while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                count += 1;
                let categories = reasons.remove(&row.stage_id).unwrap_or_default();
                let learnt = learning.remove(&row.stage_id).unwrap_or_default();
                each(report_row(row, categories, learnt)?)?;
            }
        });
        Ok(count)
    }

    /// The categories of the delay reasons of each stage answered between
    /// `from` and `to`, by stage id.
    async fn reason_categories(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        let mut reasons: HashMap<i64, Vec<String>> = HashMap::new();
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, (i64, String)>(REPORT_REASONS)
                .bind(from)
                .bind(to)
                .fetch(pool);
            while let Some((stage_id, category)) = rows.try_next().await? {
                reasons.entry(stage_id).or_default().push(category);
            }
        });
        Ok(reasons)
    }

    /// The learning of each stage answered between `from` and `to`, by
    /// stage id.
    async fn report_learning(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<i64, Vec<ReportLearning>>, StoreError> {
        let mut learning: HashMap<i64, Vec<ReportLearning>> = HashMap::new();
        with_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, LearningListed>(REPORT_LEARNING)
                .bind(from)
                .bind(to)
                .fetch(pool);
            while let Some(row) = rows.try_next().await? {
                learning.entry(row.stage_id).or_default().push(row.entry);
            }
        });
        Ok(learning)
    }

    /// The earliest day any stage casewatch holds was received: where its
    /// data begins, so a period starting before it is known to be partial.
    /// `None` when it holds no stage at all.
    pub async fn first_received_on(&self) -> Result<Option<NaiveDate>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar::<_, Option<NaiveDate>>("SELECT MIN(received_on) FROM case_stages")
                .fetch_one(pool)
                .await?
        }))
    }
}

fn report_row(
    r: ReportListed,
    reason_categories: Vec<String>,
    learning: Vec<ReportLearning>,
) -> Result<ReportStageRow, StoreError> {
    let owner = format_args!("case {}", r.reference);
    let (kind, outcome) = stored_terms(&owner, &r.kind, r.outcome.as_deref())?;
    let terms = r.terms.read(&owner, kind)?;
    Ok(ReportStageRow {
        reference: r.reference,
        kind,
        category: r.category,
        team: r.team,
        stage: Stage::from_stored(r.stage),
        received_on: r.received_on,
        terms,
        responded_on: r.responded_on,
        outcome,
        left_source_on: r.left_source_on,
        has_learning: r.has_learning,
        reason_categories,
        learning,
    })
}
