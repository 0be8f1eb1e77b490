//! Staff, cases and stages: loading them in one transaction, and listing them.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;

use super::feed::{INSERT_RUN, bind_run};
use super::{FeedRun, Store, StoreError, with_pool};
use crate::domain::{
    CaseRecord, ClockStart, Email, Kind, Outcome, Preset, Reference, Staff, Stage, StageRecord,
    Terms,
};
use crate::timescale::StoredTerms;

/// How many rows of one sort an import inserted, updated and left alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl ImportCounts {
    fn count(&mut self, change: Change) {
        match change {
            Change::Inserted => self.inserted += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Inserted,
    Updated,
    Unchanged,
}

/// What an import of cases changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub cases: ImportCounts,
    pub stages: ImportCounts,
    pub reasons_added: usize,
    /// Learning the import's `learning` column brought that was not on
    /// record for its stage.
    pub learning_added: usize,
    /// Open stages missing from a complete extract, closed as no longer in
    /// the case system.
    pub closed: usize,
}

/// Which stages a cases import lists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Listing {
    /// Some: stages it does not list are left as they are.
    Partial,
    /// Every open stage: an open stage it does not list has left the case
    /// system and is closed `on` that day, unless that would close more
    /// than `max_share` of the open stages (then nothing is stored).
    Complete { on: NaiveDate, max_share: f64 },
}

/// What a cases import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasesImported {
    Stored(ImportSummary),
    /// Nothing stored: the extract would have closed `would_close` of the
    /// `open` open stages.
    Refused {
        would_close: usize,
        open: usize,
    },
}

/// Stages open in casewatch: not answered, withdrawn or closed as gone.
const OPEN_STAGE_IDS: &str = "
    SELECT id FROM case_stages
    WHERE responded_on IS NULL AND left_source_on IS NULL
      AND (outcome IS NULL OR outcome <> 'withdrawn')";

/// Ids per `UPDATE … WHERE id IN (…)`, well within both databases' limits
/// on bound values.
const IDS_PER_STATEMENT: usize = 1_000;

/// One stage with its case, as listed by `casewatch cases`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRow {
    pub stage_id: i64,
    pub reference: Reference,
    pub kind: Kind,
    pub category: Option<String>,
    pub team: String,
    pub manager_email: String,
    pub manager_name: String,
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub terms: StoredTerms,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// The day a complete extract no longer listed the open stage.
    pub left_source_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct StaffStored {
    name: String,
    team: String,
    escalation_email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CaseStored {
    id: i64,
    kind: String,
    category: Option<String>,
    team: String,
    manager_email: String,
}

#[derive(sqlx::FromRow, PartialEq, Eq)]
struct StageStored {
    received_on: NaiveDate,
    working_days_allowed: Option<i32>,
    procedure: Option<String>,
    standard_working_days: Option<i32>,
    acknowledge_within: Option<i32>,
    clock_starts: String,
    acknowledged_on: Option<NaiveDate>,
    extension_reason: Option<String>,
    agreed_response_on: Option<NaiveDate>,
    responded_on: Option<NaiveDate>,
    outcome: Option<String>,
    learning: Option<String>,
    /// Set only on a stored stage that had left the case system: listed
    /// again, it is back, so the import clears it.
    left_source_on: Option<NaiveDate>,
}

impl From<&StageRecord> for StageStored {
    fn from(s: &StageRecord) -> Self {
        Self {
            received_on: s.received_on,
            working_days_allowed: s.terms.working_days_allowed.map(i32::from),
            procedure: s.terms.procedure.map(|p| p.name().to_owned()),
            standard_working_days: s.terms.standard_working_days.map(i32::from),
            acknowledge_within: s.terms.acknowledge_within.map(i32::from),
            clock_starts: s.terms.clock_starts.as_str().to_owned(),
            acknowledged_on: s.acknowledged_on,
            extension_reason: s.extension_reason.clone(),
            agreed_response_on: s.agreed_response_on,
            responded_on: s.responded_on,
            outcome: s.outcome.map(|o| o.as_str().to_owned()),
            learning: s.learning.clone(),
            left_source_on: None,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct StageListed {
    stage_id: i64,
    reference: String,
    kind: String,
    category: Option<String>,
    team: String,
    manager_email: String,
    manager_name: String,
    stage: i32,
    received_on: NaiveDate,
    responded_on: Option<NaiveDate>,
    outcome: Option<String>,
    left_source_on: Option<NaiveDate>,
    #[sqlx(flatten)]
    terms: TermsListed,
}

/// A stage's terms as `terms_columns!` reads them.
#[derive(sqlx::FromRow)]
pub(super) struct TermsListed {
    procedure: Option<String>,
    working_days_allowed: Option<i32>,
    standard_working_days: Option<i32>,
    acknowledge_within: Option<i32>,
    clock_starts: String,
    agreed_response_on: Option<NaiveDate>,
    acknowledged_on: Option<NaiveDate>,
}

impl TermsListed {
    /// The terms of a stage of `kind`, read back; a value this version
    /// cannot read is reported with `owner`, the case or stage it belongs
    /// to. A complaint stage with no procedure was written by an instance
    /// older than procedures (during a rolling upgrade): it is read under
    /// the procedure its kind had then, as the migration reads the stages
    /// stored before it.
    pub(super) fn read(
        self,
        owner: &dyn std::fmt::Display,
        kind: Kind,
    ) -> Result<StoredTerms, StoreError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("{what} of {owner}: {e}"))
        };
        let days = |what: &str, n: Option<i32>| {
            n.map(u16::try_from)
                .transpose()
                .map_err(|e| corrupt(what, &e))
        };
        Ok(StoredTerms {
            terms: Terms {
                procedure: match self.procedure.as_deref() {
                    Some(name) => Some(Preset::parse(name).map_err(|e| corrupt("procedure", &e))?),
                    None => legacy_procedure(kind),
                },
                working_days_allowed: days("working days allowed", self.working_days_allowed)?,
                standard_working_days: days("standard working days", self.standard_working_days)?,
                acknowledge_within: days("working days to acknowledge", self.acknowledge_within)?,
                clock_starts: ClockStart::parse(&self.clock_starts)
                    .map_err(|e| corrupt("clock start", &e))?,
            },
            agreed_response_on: self.agreed_response_on,
            acknowledged_on: self.acknowledged_on,
        })
    }
}

/// The procedure each kind followed before procedures were stored (the
/// migration `20261206000010_procedures` sets the same).
fn legacy_procedure(kind: Kind) -> Option<Preset> {
    match kind {
        Kind::Statutory => Some(Preset::ChildrenStatutory2006),
        Kind::Corporate => Some(Preset::Corporate2019),
        Kind::Send => Some(Preset::Send),
        Kind::Adult => Some(Preset::Adults2009),
        Kind::Housing => Some(Preset::HousingOmbudsman2024),
        Kind::Comment | Kind::Compliment => None,
    }
}

/// A stage's stored kind and outcome, read back; a value this version
/// cannot read is reported with `owner`, the case or stage it belongs to
/// (formatted only then).
pub(super) fn stored_terms(
    owner: &dyn std::fmt::Display,
    kind: &str,
    outcome: Option<&str>,
) -> Result<(Kind, Option<Outcome>), StoreError> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::Corrupt(format!("{what} of {owner}: {e}"))
    };
    Ok((
        Kind::parse(kind).map_err(|e| corrupt("kind", &e))?,
        outcome
            .map(Outcome::parse)
            .transpose()
            .map_err(|e| corrupt("outcome", &e))?,
    ))
}

impl TryFrom<StageListed> for StageRow {
    type Error = StoreError;

    fn try_from(r: StageListed) -> Result<Self, StoreError> {
        let owner = format_args!("case {}", r.reference);
        let (kind, outcome) = stored_terms(&owner, &r.kind, r.outcome.as_deref())?;
        let terms = r.terms.read(&owner, kind)?;
        Ok(StageRow {
            stage_id: r.stage_id,
            kind,
            outcome,
            reference: Reference::parse(&r.reference).map_err(|e| {
                StoreError::Corrupt(format!("reference of case {}: {e}", r.reference))
            })?,
            category: r.category,
            team: r.team,
            manager_email: r.manager_email,
            manager_name: r.manager_name,
            stage: Stage::from_stored(r.stage),
            received_on: r.received_on,
            terms,
            responded_on: r.responded_on,
            left_source_on: r.left_source_on,
        })
    }
}

const LIST_STAGES: &str = concat!(
    "SELECT ",
    stage_columns!(),
    stages_with_case!(),
    "ORDER BY s.received_on, c.reference, s.stage"
);

impl Store {
    /// Every known staff e-mail address: import checks managers against it.
    pub async fn staff_emails(&self) -> Result<HashSet<Email>, StoreError> {
        let rows: Vec<String> = with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT email FROM staff")
                .fetch_all(pool)
                .await?
        });
        rows.iter()
            .map(|raw| {
                Email::parse(raw).map_err(|e| StoreError::Corrupt(format!("staff e-mail: {e}")))
            })
            .collect()
    }

    /// Every member of staff's name, by e-mail address.
    pub async fn staff_names(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = with_pool!(self, |pool| {
            sqlx::query_as("SELECT email, name FROM staff")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    /// Inserts or updates staff by e-mail in one transaction. Staff missing
    /// from the list are kept: cases may still name them.
    pub async fn import_staff(
        &self,
        staff: &[Staff],
        now: DateTime<Utc>,
    ) -> Result<ImportCounts, StoreError> {
        let mut counts = ImportCounts::default();
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for person in staff {
                let escalation = person.escalation_email.as_ref().map(Email::as_str);
                let stored: Option<StaffStored> = sqlx::query_as(
                    "SELECT name, team, escalation_email FROM staff WHERE email = $1",
                )
                .bind(person.email.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let change = match stored {
                    None => {
                        sqlx::query(
                            "INSERT INTO staff (email, name, team, escalation_email, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $5)",
                        )
                        .bind(person.email.as_str())
                        .bind(&person.name)
                        .bind(person.team.as_str())
                        .bind(escalation)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        Change::Inserted
                    }
                    Some(s)
                        if s.name == person.name
                            && s.team == person.team.as_str()
                            && s.escalation_email.as_deref() == escalation =>
                    {
                        Change::Unchanged
                    }
                    Some(_) => {
                        sqlx::query(
                            "UPDATE staff SET name = $2, team = $3, escalation_email = $4, updated_at = $5
                             WHERE email = $1",
                        )
                        .bind(person.email.as_str())
                        .bind(&person.name)
                        .bind(person.team.as_str())
                        .bind(escalation)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        Change::Updated
                    }
                };
                counts.count(change);
            }
            tx.commit().await?;
        });
        Ok(counts)
    }

    /// Inserts or updates cases by reference and stages by (reference, stage),
    /// all in one transaction with the record of `run` (its counts filled
    /// in here); delay reasons from the file are added once. What happens
    /// to stages missing from the records is `listing`'s. Without a run
    /// (a dry run) everything is done and then rolled back, so the summary
    /// says what an import would change.
    pub async fn import_cases(
        &self,
        cases: &[CaseRecord],
        listing: Listing,
        run: Option<FeedRun>,
        now: DateTime<Utc>,
    ) -> Result<CasesImported, StoreError> {
        let mut summary = ImportSummary::default();
        let complete = matches!(listing, Listing::Complete { .. });
        let mut listed = HashSet::new();
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            for case in cases {
                let stored: Option<CaseStored> = sqlx::query_as(
                    "SELECT id, kind, category, team, manager_email FROM cases WHERE reference = $1",
                )
                .bind(case.reference.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let (case_id, change) = match stored {
                    None => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO cases (reference, kind, category, team, manager_email, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                        )
                        .bind(case.reference.as_str())
                        .bind(case.kind.as_str())
                        .bind(case.category.as_deref())
                        .bind(case.team.as_str())
                        .bind(case.manager.as_str())
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                        (id, Change::Inserted)
                    }
                    Some(s)
                        if s.kind == case.kind.as_str()
                            && s.category == case.category
                            && s.team == case.team.as_str()
                            && s.manager_email == case.manager.as_str() =>
                    {
                        (s.id, Change::Unchanged)
                    }
                    Some(s) => {
                        sqlx::query(
                            "UPDATE cases SET kind = $2, category = $3, team = $4, manager_email = $5, updated_at = $6
                             WHERE id = $1",
                        )
                        .bind(s.id)
                        .bind(case.kind.as_str())
                        .bind(case.category.as_deref())
                        .bind(case.team.as_str())
                        .bind(case.manager.as_str())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        (s.id, Change::Updated)
                    }
                };
                summary.cases.count(change);

                for stage in &case.stages {
                    let wanted = StageStored::from(stage);
                    let stored: Option<(i64, StageStored)> = sqlx::query_as::<_, StageStoredWithId>(
                        "SELECT id, received_on, working_days_allowed, procedure, standard_working_days,
                                acknowledge_within, clock_starts, acknowledged_on, extension_reason,
                                agreed_response_on, responded_on, outcome, learning, left_source_on
                         FROM case_stages WHERE case_id = $1 AND stage = $2",
                    )
                    .bind(case_id)
                    .bind(i32::from(stage.stage.number()))
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|row| (row.id, row.stage));
                    let (stage_id, change) = match stored {
                        None => {
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO case_stages (case_id, stage, received_on, working_days_allowed,
                                     procedure, standard_working_days, acknowledge_within, clock_starts,
                                     acknowledged_on, extension_reason, agreed_response_on, responded_on,
                                     outcome, learning, created_at, updated_at)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
                                 RETURNING id",
                            )
                            .bind(case_id)
                            .bind(i32::from(stage.stage.number()))
                            .bind(wanted.received_on)
                            .bind(wanted.working_days_allowed)
                            .bind(wanted.procedure.as_deref())
                            .bind(wanted.standard_working_days)
                            .bind(wanted.acknowledge_within)
                            .bind(&wanted.clock_starts)
                            .bind(wanted.acknowledged_on)
                            .bind(wanted.extension_reason.as_deref())
                            .bind(wanted.agreed_response_on)
                            .bind(wanted.responded_on)
                            .bind(wanted.outcome.as_deref())
                            .bind(wanted.learning.as_deref())
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?;
                            (id, Change::Inserted)
                        }
                        Some((id, existing)) if existing == wanted => (id, Change::Unchanged),
                        Some((id, _)) => {
                            sqlx::query(
                                "UPDATE case_stages SET received_on = $2, working_days_allowed = $3,
                                     procedure = $4, standard_working_days = $5, acknowledge_within = $6,
                                     clock_starts = $7, acknowledged_on = $8, extension_reason = $9,
                                     agreed_response_on = $10, responded_on = $11, outcome = $12,
                                     learning = $13, updated_at = $14, left_source_on = NULL
                                 WHERE id = $1",
                            )
                            .bind(id)
                            .bind(wanted.received_on)
                            .bind(wanted.working_days_allowed)
                            .bind(wanted.procedure.as_deref())
                            .bind(wanted.standard_working_days)
                            .bind(wanted.acknowledge_within)
                            .bind(&wanted.clock_starts)
                            .bind(wanted.acknowledged_on)
                            .bind(wanted.extension_reason.as_deref())
                            .bind(wanted.agreed_response_on)
                            .bind(wanted.responded_on)
                            .bind(wanted.outcome.as_deref())
                            .bind(wanted.learning.as_deref())
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            (id, Change::Updated)
                        }
                    };
                    summary.stages.count(change);
                    if complete {
                        listed.insert(stage_id);
                    }

                    // Learning the case system holds is added to the
                    // stage's history once; a changed text is added too,
                    // and what was said before is kept.
                    if let Some(text) = &stage.learning {
                        let known: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM learning WHERE stage_id = $1 AND text = $2",
                        )
                        .bind(stage_id)
                        .bind(text)
                        .fetch_one(&mut *tx)
                        .await?;
                        if known == 0 {
                            sqlx::query(
                                "INSERT INTO learning (stage_id, text, given_at, via)
                                 VALUES ($1, $2, $3, 'import')",
                            )
                            .bind(stage_id)
                            .bind(text)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            summary.learning_added += 1;
                        }
                    }
                    if let Some((category, text)) = &stage.delay_reason {
                        let known: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM delay_reasons WHERE stage_id = $1 AND category = $2 AND text = $3",
                        )
                        .bind(stage_id)
                        .bind(category)
                        .bind(text)
                        .fetch_one(&mut *tx)
                        .await?;
                        if known == 0 {
                            sqlx::query(
                                "INSERT INTO delay_reasons (stage_id, category, text, given_at, via)
                                 VALUES ($1, $2, $3, $4, 'import')",
                            )
                            .bind(stage_id)
                            .bind(category)
                            .bind(text)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            summary.reasons_added += 1;
                        }
                    }
                }
            }
            if let Listing::Complete { on, max_share } = listing {
                let open: Vec<i64> = sqlx::query_scalar(OPEN_STAGE_IDS)
                    .fetch_all(&mut *tx)
                    .await?;
                let gone: Vec<i64> = open
                    .iter()
                    .copied()
                    .filter(|id| !listed.contains(id))
                    .collect();
                if gone.len() as f64 > max_share * open.len() as f64 {
                    tx.rollback().await?;
                    return Ok(CasesImported::Refused {
                        would_close: gone.len(),
                        open: open.len(),
                    });
                }
                for chunk in gone.chunks(IDS_PER_STATEMENT) {
                    let mut close = QueryBuilder::new("UPDATE case_stages SET left_source_on = ");
                    close
                        .push_bind(on)
                        .push(", updated_at = ")
                        .push_bind(now)
                        .push(" WHERE id IN (");
                    let mut ids = close.separated(", ");
                    for id in chunk {
                        ids.push_bind(*id);
                    }
                    ids.push_unseparated(")");
                    close.build().execute(&mut *tx).await?;
                }
                summary.closed = gone.len();
            }
            match run {
                Some(mut run) => {
                    run.inserted = summary.stages.inserted as u64;
                    run.updated = summary.stages.updated as u64;
                    run.closed = summary.closed as u64;
                    bind_run!(sqlx::query(INSERT_RUN), &run)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                }
                None => tx.rollback().await?,
            }
        });
        Ok(CasesImported::Stored(summary))
    }

    /// Every stage with its case and manager, oldest first.
    pub async fn stages(&self) -> Result<Vec<StageRow>, StoreError> {
        let rows: Vec<StageListed> = with_pool!(self, |pool| sqlx::query_as(LIST_STAGES)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(StageRow::try_from).collect()
    }
}

#[derive(sqlx::FromRow)]
struct StageStoredWithId {
    id: i64,
    #[sqlx(flatten)]
    stage: StageStored,
}
