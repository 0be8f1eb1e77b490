//! The stages the annual report reads, streamed one at a time, so a report
//! over millions of stages holds one in memory, with the delay reasons of
//! the stages answered in the period.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures_util::TryStreamExt;

use super::cases::stored_terms;
use super::columns::Columns;
use super::raw::{self, Statement};
use super::{Store, StoreError, parts, with_pool};
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
// the rows high, so it never loops over an index (read in parts, it merges
// two: `parts.rs`). Reasons are read apart, so no join
// multiplies or orders the stages. SQLite reads it through its C API
// (`raw.rs`); PostgreSQL in parts (`parts.rs`), whose condition is added
// at the end.
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
        let mut count = 0;
        match self {
            Store::Sqlite(pool) => {
                let bind = |s: &mut Statement<'_>| {
                    s.bind_date(c"$1", from)?;
                    s.bind_date(c"$2", to)
                };
                raw::for_each_row(pool, REPORT_STAGES, bind, |row| {
                    count += 1;
                    each(&report_row(row, &reasons)?)
                })
                .await?;
            }
            Store::Postgres(pool) => {
                parts::for_each_row(
                    pool,
                    REPORT_STAGES,
                    2,
                    |q| q.bind(from).bind(to),
                    |row| {
                        count += 1;
                        each(&report_row(row, &reasons)?)
                    },
                )
                .await?;
            }
        }
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

/// A row of [`REPORT_STAGES`], read by position, its text borrowed.
fn report_row<'r>(
    row: &'r impl Columns,
    reasons: &'r HashMap<i64, Vec<String>>,
) -> Result<ReportStageRow<'r>, StoreError> {
    let stage_id = row.i64(0)?;
    let reference = row.text(1)?;
    let (kind, outcome, working_days_allowed) = stored_terms(
        &format_args!("case {reference}"),
        row.text(2)?,
        row.opt_text(10)?,
        row.opt_i32(7)?,
    )?;
    Ok(ReportStageRow {
        reference,
        kind,
        category: row.opt_text(3)?,
        team: row.text(4)?,
        stage: Stage::from_stored(row.i32(5)?),
        received_on: row.date(6)?,
        working_days_allowed,
        agreed_response_on: row.opt_date(8)?,
        responded_on: row.opt_date(9)?,
        outcome,
        has_learning: row.flag(11)?,
        reason_categories: reasons.get(&stage_id).map_or(&[][..], Vec::as_slice),
    })
}
