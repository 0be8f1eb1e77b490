//! CSV import of staff and cases, as a complaints team exports them from its
//! case-management system or keeps them in Excel.
//!
//! Parsing is pure and all-or-nothing: a file is read and checked whole, and
//! either every problem is returned (as `FILE:LINE: field: problem`) or the
//! records ready to store. Storing them is the store's job, in one transaction.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;

use chrono::NaiveDate;

use crate::domain::{
    CaseRecord, Email, Kind, Outcome, ParseError, Reference, Staff, Stage, StageRecord, Team,
    normalise_word, parse_date,
};
use crate::settings::DelayReasons;
use crate::timescale::{Clock, StageTerms, Timescales};

/// The longest free text we accept in a field (a delay reason, learning).
const MAX_TEXT: usize = 2000;

/// One thing wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: the problem is the whole extract's (a query's columns).
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.field, self.message
            )
        }
    }
}

/// Every problem found in a file; nothing was stored.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ImportError {
    pub problems: Vec<RowProblem>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// What a case import checks rows against.
pub struct CaseContext<'a> {
    pub managers: &'a HashSet<Email>,
    pub timescales: &'a Timescales,
    pub reasons: &'a DelayReasons,
    /// Dates after this are in the future and refused.
    pub today: NaiveDate,
}

/// The columns of `staff.csv`; the first three are required.
pub const STAFF_COLUMNS: &[&str] = &["email", "name", "team", "escalation_email"];
const STAFF_REQUIRED: &[&str] = STAFF_COLUMNS.split_at(3).0;

/// The columns of `cases.csv`, in the order `demo` writes them; the first six
/// are required.
pub const CASE_COLUMNS: &[&str] = &[
    "reference",
    "kind",
    "stage",
    "received_on",
    "team",
    "manager_email",
    "category",
    "extended_working_days",
    "agreed_response_on",
    "responded_on",
    "outcome",
    "learning",
    "extension_reason",
    "delay_reason_category",
    "delay_reason",
];
const CASE_REQUIRED: &[&str] = CASE_COLUMNS.split_at(6).0;

/// Parses `staff.csv`: `email,name,team,escalation_email`.
pub fn parse_staff(file: &str, input: impl Read) -> Result<Vec<Staff>, ImportError> {
    check_staff(file, Table::read(file, input, STAFF_REQUIRED)?)
}

/// Parses staff from a query's rows, read as text: `file` names the query,
/// and a problem's line is the row's number, the first row being 1.
pub fn parse_staff_rows(
    file: &str,
    columns: Vec<String>,
    rows: Vec<csv::StringRecord>,
) -> Result<Vec<Staff>, ImportError> {
    check_staff(
        file,
        Table::from_rows(file, &columns, rows, STAFF_REQUIRED)?,
    )
}

fn check_staff(file: &str, table: Table) -> Result<Vec<Staff>, ImportError> {
    let mut problems = Problems::new(file);
    let mut seen: HashMap<Email, u64> = HashMap::new();
    let mut staff = Vec::with_capacity(table.rows.len());
    for row in table.rows() {
        let mut p = problems.at(row.line);
        let email = p.check("email", Email::parse(row.get("email")));
        let name = p.check("name", required_text(row.get("name")));
        let team = p.check("team", Team::parse(row.get("team")));
        let escalation = p.check(
            "escalation_email",
            optional(row.get("escalation_email"), Email::parse),
        );
        if let (Some(own), Some(Some(senior))) = (&email, &escalation)
            && own == senior
        {
            p.add(
                "escalation_email",
                "must be someone else (a more senior manager)",
            );
        }
        if let Some(email) = &email
            && let Some(first) = seen.insert(email.clone(), row.line)
        {
            p.add("email", format!("{email} is also on line {first}"));
        }
        if let (Some(email), Some(name), Some(team), Some(escalation_email)) =
            (email, name, team, escalation)
        {
            staff.push(Staff {
                email,
                name,
                team,
                escalation_email,
            });
        }
    }
    problems.finish().map(|()| staff)
}

/// Parses `cases.csv`, one row per stage, and groups the stages by case.
pub fn parse_cases(
    file: &str,
    input: impl Read,
    ctx: &CaseContext<'_>,
) -> Result<Vec<CaseRecord>, ImportError> {
    check_cases(file, Table::read(file, input, CASE_REQUIRED)?, ctx)
}

/// Parses cases from a query's rows, read as text, as [`parse_staff_rows`].
pub fn parse_cases_rows(
    file: &str,
    columns: Vec<String>,
    rows: Vec<csv::StringRecord>,
    ctx: &CaseContext<'_>,
) -> Result<Vec<CaseRecord>, ImportError> {
    check_cases(
        file,
        Table::from_rows(file, &columns, rows, CASE_REQUIRED)?,
        ctx,
    )
}

fn check_cases(
    file: &str,
    table: Table,
    ctx: &CaseContext<'_>,
) -> Result<Vec<CaseRecord>, ImportError> {
    let mut problems = Problems::new(file);
    let mut keys: HashMap<(Reference, Stage), u64> = HashMap::new();
    let mut kinds: HashMap<Reference, (Kind, u64)> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for row in table.rows() {
        let mut p = problems.at(row.line);
        // Keys are checked on every row whose key parses, even if other
        // cells are bad, so one run reports duplicates too.
        let reference = Reference::parse(row.get("reference")).ok();
        let stage = optional(row.get("stage"), Stage::parse).ok();
        if let (Some(reference), Some(stage)) = (&reference, stage) {
            let stage = stage.unwrap_or(Stage::NONE);
            if let Some(first) = keys.insert((reference.clone(), stage), row.line) {
                p.add(
                    "stage",
                    format!("{reference} stage {stage} is also on line {first}"),
                );
            }
        }
        if let (Some(reference), Ok(kind)) = (reference, Kind::parse(row.get("kind"))) {
            let (first_kind, first) = *kinds.entry(reference).or_insert((kind, row.line));
            if first_kind != kind {
                p.add(
                    "kind",
                    format!("{kind} here, but {first_kind} on line {first}"),
                );
            }
        }
        rows.extend(parse_case_row(&row, ctx, &mut p));
    }
    problems.finish()?;
    Ok(group_by_case(rows))
}

struct ParsedRow {
    case: CaseRecord,
    stage: StageRecord,
}

fn parse_case_row(
    row: &Row<'_>,
    ctx: &CaseContext<'_>,
    p: &mut RowProblems<'_>,
) -> Option<ParsedRow> {
    let reference = p.check("reference", Reference::parse(row.get("reference")));
    let kind = p.check("kind", Kind::parse(row.get("kind")));
    let stage = p.check("stage", optional(row.get("stage"), Stage::parse));
    let received_on = p.check("received_on", parse_date(row.get("received_on")));
    let team = p.check("team", Team::parse(row.get("team")));
    let manager = p.check("manager_email", Email::parse(row.get("manager_email")));
    let extended_to = p.check(
        "extended_working_days",
        optional(row.get("extended_working_days"), parse_working_days),
    );
    let agreed_response_on = p.check(
        "agreed_response_on",
        optional(row.get("agreed_response_on"), parse_date),
    );
    let responded_on = p.check(
        "responded_on",
        optional(row.get("responded_on"), parse_date),
    );
    let outcome = p.check("outcome", optional(row.get("outcome"), Outcome::parse));
    let learning = p.check("learning", optional(row.get("learning"), bounded_text));
    let extension_reason = p.check(
        "extension_reason",
        optional(row.get("extension_reason"), bounded_text),
    );
    let category = p.check("category", optional(row.get("category"), bounded_text));
    let delay_reason = delay_reason(row, ctx.reasons, p);

    if let Some(manager) = &manager
        && !ctx.managers.contains(manager)
    {
        p.add(
            "manager_email",
            format!("unknown manager {manager}: add them to the staff file and import it first"),
        );
    }
    check_dates(ctx.today, received_on, responded_on.flatten(), p);

    let (reference, kind, stage, received_on, team, manager) =
        (reference?, kind?, stage?, received_on?, team?, manager?);
    let (extended_to, agreed_response_on, responded_on, outcome) =
        (extended_to?, agreed_response_on?, responded_on?, outcome?);
    let stage = stage.unwrap_or(Stage::NONE);
    if let Some(outcome) = outcome {
        if !kind.is_complaint() {
            p.add(
                "outcome",
                format!("{kind} records have no outcome; leave it blank"),
            );
        } else if outcome != Outcome::Withdrawn && responded_on.is_none() {
            p.add(
                "responded_on",
                format!("is needed with the outcome {outcome}"),
            );
        }
    }
    let terms = StageTerms {
        kind,
        stage,
        received_on,
        extended_to,
        agreed_response_on,
    };
    let working_days_allowed = match ctx.timescales.clock(&terms) {
        Ok(Clock::WorkingDays { allowed }) => Some(allowed),
        Ok(Clock::OnDate(_) | Clock::NoDeadline) => None,
        Err(e) => {
            p.add(e.field(), e.to_string());
            return None;
        }
    };
    Some(ParsedRow {
        case: CaseRecord {
            reference,
            kind,
            category: category?,
            team,
            manager,
            stages: Vec::new(),
        },
        stage: StageRecord {
            stage,
            received_on,
            working_days_allowed,
            extension_reason: extension_reason?,
            agreed_response_on,
            responded_on,
            outcome,
            learning: learning?,
            delay_reason: delay_reason?,
        },
    })
}

fn check_dates(
    today: NaiveDate,
    received_on: Option<NaiveDate>,
    responded_on: Option<NaiveDate>,
    p: &mut RowProblems<'_>,
) {
    if let Some(received) = received_on
        && received > today
    {
        p.add(
            "received_on",
            format!("{received} is in the future (today is {today})"),
        );
    }
    if let Some(responded) = responded_on {
        if responded > today {
            p.add(
                "responded_on",
                format!("{responded} is in the future (today is {today})"),
            );
        }
        if let Some(received) = received_on
            && responded < received
        {
            p.add(
                "responded_on",
                format!("{responded} is before the stage was received ({received})"),
            );
        }
    }
}

/// Reads the optional delay-reason pair. A reason with no category is filed
/// under "other" rather than refused: the text is what the report needs.
fn delay_reason(
    row: &Row<'_>,
    reasons: &DelayReasons,
    p: &mut RowProblems<'_>,
) -> Option<Option<(String, String)>> {
    let text = row.get("delay_reason").trim();
    let category = row.get("delay_reason_category").trim();
    match (category.is_empty(), text.is_empty()) {
        (true, true) => return Some(None),
        (false, true) => {
            p.add("delay_reason", "is needed with delay_reason_category");
            return None;
        }
        _ => {}
    }
    if text.chars().count() > MAX_TEXT {
        p.add(
            "delay_reason",
            format!("is longer than {MAX_TEXT} characters"),
        );
        return None;
    }
    let wanted = if category.is_empty() {
        "other"
    } else {
        category
    };
    match reasons.find(wanted) {
        Some(found) => Some(Some((found.name.clone(), text.to_owned()))),
        None => {
            p.add(
                "delay_reason_category",
                format!(
                    "unknown category {wanted:?}; expected one of: {}",
                    reasons.names().join(", ")
                ),
            );
            None
        }
    }
}

/// Gathers stage rows into cases, in file order. A case's team and manager
/// come from its latest stage: responsibility follows the stage in hand.
fn group_by_case(rows: Vec<ParsedRow>) -> Vec<CaseRecord> {
    let mut index: HashMap<Reference, usize> = HashMap::new();
    let mut cases: Vec<(CaseRecord, Stage)> = Vec::new();
    for ParsedRow { case, stage } in rows {
        let at = *index.entry(case.reference.clone()).or_insert_with(|| {
            cases.push((case.clone(), stage.stage));
            cases.len() - 1
        });
        let (record, latest) = &mut cases[at];
        if stage.stage > *latest {
            *latest = stage.stage;
            record.team = case.team;
            record.manager = case.manager;
            record.category = case.category.or(record.category.take());
        }
        record.stages.push(stage);
    }
    cases.into_iter().map(|(case, _)| case).collect()
}

fn parse_working_days(raw: &str) -> Result<u16, ParseError> {
    raw.trim()
        .parse::<u16>()
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| {
            ParseError::new(format!(
                "{:?} is not a number of working days (1-1000)",
                raw.trim()
            ))
        })
}

fn required_text(raw: &str) -> Result<String, ParseError> {
    let value = raw.trim();
    if value.is_empty() {
        Err(ParseError::new("is empty"))
    } else {
        bounded_text(value)
    }
}

fn bounded_text(raw: &str) -> Result<String, ParseError> {
    let value = raw.trim();
    if value.chars().count() > MAX_TEXT {
        return Err(ParseError::new(format!(
            "is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(value.to_owned())
}

/// A blank cell is `None`; anything else must parse.
fn optional<T>(
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<Option<T>, ParseError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

/// Collects the problems of a whole file.
struct Problems {
    file: String,
    list: Vec<RowProblem>,
}

impl Problems {
    fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            list: Vec::new(),
        }
    }

    fn at(&mut self, line: u64) -> RowProblems<'_> {
        RowProblems { all: self, line }
    }

    fn finish(self) -> Result<(), ImportError> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(ImportError {
                problems: self.list,
            })
        }
    }
}

/// The problems of one row, recorded as its fields are checked.
struct RowProblems<'a> {
    all: &'a mut Problems,
    line: u64,
}

impl RowProblems<'_> {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.all.list.push(RowProblem {
            file: self.all.file.clone(),
            line: self.line,
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn check<T>(&mut self, field: &str, result: Result<T, ParseError>) -> Option<T> {
        result.map_err(|e| self.add(field, e.0)).ok()
    }
}

/// A CSV file read whole, with its columns found by header name.
struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

struct Row<'a> {
    line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The cell under `column`; an absent optional column reads as blank.
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }
}

impl Table {
    fn read(file: &str, input: impl Read, required: &[&str]) -> Result<Self, ImportError> {
        let problem = |line: u64, message: String| ImportError {
            problems: vec![RowProblem {
                file: file.to_owned(),
                line,
                field: String::new(),
                message,
            }],
        };
        // The csv crate strips a UTF-8 byte-order mark and accepts CRLF and
        // quoted fields with commas, quotes and line breaks, as Excel writes.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| problem(1, csv_problem(&e)))?
            .clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (normalise_word(h), i))
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(problem(
                1,
                format!("missing column(s): {}", missing.join(", ")),
            ));
        }
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for result in reader.records() {
            match result {
                // Excel leaves rows of empty cells below the data.
                Ok(record) if record.iter().all(|cell| cell.trim().is_empty()) => {}
                Ok(record) => rows.push((record.position().map_or(0, |p| p.line()), record)),
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    problems.extend(problem(line, csv_problem(&e)).problems);
                }
            }
        }
        if problems.is_empty() {
            Ok(Self { columns, rows })
        } else {
            Err(ImportError { problems })
        }
    }

    /// A table of a query's rows, numbered from 1.
    fn from_rows(
        file: &str,
        columns: &[String],
        rows: Vec<csv::StringRecord>,
        required: &[&str],
    ) -> Result<Self, ImportError> {
        let columns: HashMap<String, usize> = columns
            .iter()
            .enumerate()
            .map(|(i, h)| (normalise_word(h), i))
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(ImportError {
                problems: vec![RowProblem {
                    file: file.to_owned(),
                    line: 0,
                    field: String::new(),
                    message: format!(
                        "the query returns no column(s) named {}",
                        missing.join(", ")
                    ),
                }],
            });
        }
        let rows = (1..).zip(rows).collect();
        Ok(Self { columns, rows })
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, record)| Row {
            line: *line,
            record,
            columns: &self.columns,
        })
    }
}

fn csv_problem(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "is not UTF-8 text; in Excel use Save As \"CSV UTF-8 (comma delimited)\"".to_owned()
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} cells but the header has {expected_len}")
        }
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests;
