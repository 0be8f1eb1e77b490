//! The stages the annual report reads, streamed one at a time, so a report
//! over millions of stages holds one in memory, with the delay reasons of
//! the stages answered in the period.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Row};

use super::cases::stored_terms;
use super::parts::part_condition;
use super::{Store, StoreError, with_pool};
use crate::domain::{Kind, Outcome, Stage};

/// A stage as the report reads it, its text borrowed from the row being
/// read: a report over a million stages allocates nothing per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportStageRow<'r> {
    pub reference: &'r str,
    pub kind: Kind,
    pub category: Option<&'r str>,
    pub team: &'r str,
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub working_days_allowed: Option<u16>,
    pub agreed_response_on: Option<NaiveDate>,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// Whether the stage records what was learnt (not blank).
    pub has_learning: bool,
    /// The category of each delay reason recorded for the stage, if it was
    /// answered in the period (the report counts no others).
    pub reason_categories: &'r [String],
}

// Stages received before the period and answered in it count as responses,
// hence the second condition. Nearly every stage may match, and the query
// is written so that SQLite reads `case_stages` straight through (as the
// outer loop of a CROSS JOIN, with conditions no index serves): with
// `received_on BETWEEN .. OR responded_on BETWEEN ..` it went through the
// index on (responded_on, received_on) to each row out of order, several
// times slower. `<> 0` rather than `= 1` keeps PostgreSQL's estimate of
// the rows high, so it joins by hash. Reasons are read apart, so no join
// multiplies or orders the stages. It is read in parts (`parts.rs`), whose
// condition is added at the end.
const REPORT_STAGES: &str = "
    SELECT s.id, c.reference, c.kind, c.category, c.team, s.stage,
           s.received_on, s.working_days_allowed, s.agreed_response_on,
           s.responded_on, s.outcome,
           (s.learning IS NOT NULL AND TRIM(s.learning) <> '') AS has_learning
    FROM case_stages s
    CROSS JOIN cases c
    WHERE c.id = s.case_id
      AND CASE WHEN s.received_on BETWEEN $1 AND $2 THEN 1
               WHEN s.responded_on BETWEEN $1 AND $2 THEN 1
               ELSE 0 END <> 0";

/// The delay reasons of the stages answered in the period: the only ones
/// the report counts. Written like the stages' query, so that SQLite
/// reads the reasons and looks each stage up.
const REPORT_REASONS: &str = "
    SELECT r.stage_id, r.category
    FROM delay_reasons r
    CROSS JOIN case_stages s
    WHERE s.id = r.stage_id
      AND CASE WHEN s.responded_on BETWEEN $1 AND $2 THEN 1 ELSE 0 END <> 0";

impl Store {
    /// Calls `each` with every stage received or answered between `from`
    /// and `to` (both included), and returns how many. Stops at the first
    /// error `each` returns.
    pub async fn for_each_report_stage<E: From<StoreError>>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        mut each: impl FnMut(&ReportStageRow<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let reasons = self.reason_categories(from, to).await?;
        let ranges = self.part_ranges().await?;
        // Made of constants only.
        let sql = format!("{REPORT_STAGES}{}", part_condition(self));
        let mut count = 0;
        with_pool!(self, |pool| {
            let parts = ranges.iter().map(|&(lo, hi)| {
                let query = sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(from)
                    .bind(to)
                    .bind(lo)
                    .bind(hi);
                query.fetch(pool)
            });
            let mut rows = futures_util::stream::select_all(parts);
            // Read by position, no lookup by name.
            while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                let stage_id: i64 = row.try_get(0).map_err(StoreError::from)?;
                let reference: &str = row.try_get(1).map_err(StoreError::from)?;
                let kind: &str = row.try_get(2).map_err(StoreError::from)?;
                let outcome: Option<&str> = row.try_get(10).map_err(StoreError::from)?;
                let allowed: Option<i32> = row.try_get(7).map_err(StoreError::from)?;
                let (kind, outcome, working_days_allowed) =
                    stored_terms(&format_args!("case {reference}"), kind, outcome, allowed)?;
                let stage = ReportStageRow {
                    reference,
                    kind,
                    category: row.try_get(3).map_err(StoreError::from)?,
                    team: row.try_get(4).map_err(StoreError::from)?,
                    stage: Stage::from_stored(row.try_get(5).map_err(StoreError::from)?),
                    received_on: row.try_get(6).map_err(StoreError::from)?,
                    working_days_allowed,
                    agreed_response_on: row.try_get(8).map_err(StoreError::from)?,
                    responded_on: row.try_get(9).map_err(StoreError::from)?,
                    outcome,
                    has_learning: row.try_get(11).map_err(StoreError::from)?,
                    reason_categories: reasons.get(&stage_id).map_or(&[][..], Vec::as_slice),
                };
                count += 1;
                each(&stage)?;
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
}
