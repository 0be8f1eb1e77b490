//! CSV import of staff and cases, as a complaints team exports them from its
//! case-management system or keeps them in Excel.
//!
//! Parsing is pure and all-or-nothing: a file is read and checked whole, and
//! either every problem is returned (as `FILE:LINE: field: problem`) or the
//! records ready to store. Storing them is the store's job, in one transaction.
//!
//! Reading a file (`table`: its encoding in `text`, its delimiter, each
//! row's line in `lines`) is kept apart from checking its rows, so rows
//! from elsewhere can be checked the same way.

mod lines;
mod table;
mod text;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;

use chrono::NaiveDate;

use crate::domain::{
    CaseRecord, Email, Kind, Outcome, ParseError, Reference, Staff, Stage, StageRecord, Team,
    parse_date,
};
use crate::settings::DelayReasons;
use crate::timescale::{StageTerms, Timescales};

pub use lines::{LineTracker, csv_reader};
pub use table::{Delimiter, ReadAs};
use table::{Row, Table, read_all, read_rows};
pub use text::Encoding;

/// The longest free text we accept in a field (a delay reason, learning).
const MAX_TEXT: usize = 2000;

/// One thing wrong with one row, or with the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub file: String,
    /// The line in the file as an editor numbers it (from 1); 0 when the
    /// problem is the whole file (its format or encoding).
    pub line: u64,
    /// Empty when the problem is not one cell's.
    pub field: String,
    pub message: String,
}

impl RowProblem {
    fn whole_row(file: &str, line: u64, message: String) -> Self {
        Self {
            file: file.to_owned(),
            line,
            field: String::new(),
            message,
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

impl ImportError {
    fn one(file: &str, line: u64, message: String) -> Self {
        Self {
            problems: vec![RowProblem::whole_row(file, line, message)],
        }
    }
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

/// The records of a file that passed every check, and how the file was
/// read, which the importer should mention when it was not UTF-8 with
/// commas (`ReadAs::note`).
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub records: T,
    pub read_as: ReadAs,
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
    "acknowledged_on",
];
const CASE_REQUIRED: &[&str] = CASE_COLUMNS.split_at(6).0;

/// Parses `staff.csv`: `email,name,team,escalation_email`, in any encoding
/// and with any delimiter `ReadAs` names.
pub fn parse_staff(file: &str, input: impl Read) -> Result<Parsed<Vec<Staff>>, ImportError> {
    let (table, read_as) = Table::read(file, input, STAFF_REQUIRED)?;
    Ok(Parsed {
        records: check_staff(file, &table)?,
        read_as,
    })
}

/// Parses staff from a query's rows, read as text: `file` names the query,
/// and a problem's line is the row's number, the first row being 1.
pub fn parse_staff_rows(
    file: &str,
    columns: &[String],
    rows: Vec<csv::StringRecord>,
) -> Result<Vec<Staff>, ImportError> {
    check_staff(
        file,
        &Table::from_rows(file, columns, rows, STAFF_REQUIRED)?,
    )
}

fn check_staff(file: &str, table: &Table) -> Result<Vec<Staff>, ImportError> {
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

/// Parses `cases.csv`, one row per stage, and groups the stages by case;
/// read as `parse_staff` reads.
pub fn parse_cases(
    file: &str,
    input: impl Read,
    ctx: &CaseContext<'_>,
) -> Result<Parsed<Vec<CaseRecord>>, ImportError> {
    parse_cases_bytes(file, &read_all(file, input)?, ctx)
}

/// [`parse_cases`] of a file already read into memory.
pub fn parse_cases_bytes(
    file: &str,
    bytes: &[u8],
    ctx: &CaseContext<'_>,
) -> Result<Parsed<Vec<CaseRecord>>, ImportError> {
    let mut check = CaseCheck::new(file, ctx);
    let (_, read_as) = read_rows(file, bytes, CASE_REQUIRED, |row| check.row(&row))?;
    Ok(Parsed {
        records: check.finish()?,
        read_as,
    })
}

/// Parses cases from a query's rows, read as text, as [`parse_staff_rows`].
pub fn parse_cases_rows(
    file: &str,
    columns: &[String],
    rows: Vec<csv::StringRecord>,
    ctx: &CaseContext<'_>,
) -> Result<Vec<CaseRecord>, ImportError> {
    let columns = table::query_columns(file, columns, CASE_REQUIRED)?;
    let mut check = CaseCheck::new(file, ctx);
    // Each row is dropped once checked: the rows and the cases made of them
    // are not held whole at the same time.
    for (line, record) in (1..).zip(rows) {
        check.row(&Row::new(line, &record, &columns));
    }
    check.finish()
}

/// Checks case rows one at a time, as a file is read or a query's rows
/// come, and gathers the good ones into cases, so that a complete extract
/// of a million stages is never held as rows and as records at once
/// (BENCHMARKS.md, the case feed).
struct CaseCheck<'a> {
    ctx: &'a CaseContext<'a>,
    problems: Problems,
    keys: HashMap<(Reference, Stage), u64>,
    /// Each reference met with a kind that parses.
    seen: HashMap<Reference, Seen>,
    /// The cases, in the order they are first listed.
    cases: Vec<CaseRecord>,
}

struct Seen {
    /// The kind on the reference's first row with one, and that row's line.
    kind: Kind,
    line: u64,
    /// Where its case is in `cases`, once a row of it passed.
    case: Option<usize>,
}

impl<'a> CaseCheck<'a> {
    fn new(file: &str, ctx: &'a CaseContext<'a>) -> Self {
        Self {
            ctx,
            problems: Problems::new(file),
            keys: HashMap::new(),
            seen: HashMap::new(),
            cases: Vec::new(),
        }
    }

    fn row(&mut self, row: &Row<'_>) {
        let mut p = self.problems.at(row.line);
        // Keys are checked on every row whose key parses, even if other
        // cells are bad, so one run reports duplicates too.
        let reference = Reference::parse(row.get("reference")).ok();
        let stage = optional(row.get("stage"), Stage::parse).ok();
        if let (Some(reference), Some(stage)) = (&reference, stage) {
            let stage = stage.unwrap_or(Stage::NONE);
            if let Some(first) = self.keys.insert((reference.clone(), stage), row.line) {
                p.add(
                    "stage",
                    format!("{reference} stage {stage} is also on line {first}"),
                );
            }
        }
        if let (Some(reference), Ok(kind)) = (reference, Kind::parse(row.get("kind"))) {
            let seen = self.seen.entry(reference).or_insert(Seen {
                kind,
                line: row.line,
                case: None,
            });
            if seen.kind != kind {
                p.add(
                    "kind",
                    format!("{kind} here, but {} on line {}", seen.kind, seen.line),
                );
            }
        }
        if let Some(parsed) = parse_case_row(row, self.ctx, &mut p) {
            self.add(parsed);
        }
    }

    /// Adds a stage to its case, in file order. A case's team and manager
    /// come from its latest stage: responsibility follows the stage in hand.
    fn add(&mut self, ParsedRow { mut case, stage }: ParsedRow) {
        // A row that parsed had a reference and a kind, so it was seen.
        let seen = self.seen.get_mut(&case.reference);
        match seen.as_ref().and_then(|s| s.case) {
            Some(at) => {
                let record = &mut self.cases[at];
                if record.stages.iter().all(|s| stage.stage > s.stage) {
                    record.team = case.team;
                    record.manager = case.manager;
                    record.category = case.category.or(record.category.take());
                }
                // Most cases have one stage: room for each as it comes
                // (a push would make room for four).
                record.stages.reserve_exact(1);
                record.stages.push(stage);
            }
            None => {
                if let Some(seen) = seen {
                    seen.case = Some(self.cases.len());
                }
                case.stages = vec![stage];
                self.cases.push(case);
            }
        }
    }

    fn finish(self) -> Result<Vec<CaseRecord>, ImportError> {
        self.problems.finish()?;
        Ok(self.cases)
    }
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
    let acknowledged_on = p.check(
        "acknowledged_on",
        optional(row.get("acknowledged_on"), parse_date),
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
    check_acknowledged(
        ctx.today,
        received_on,
        responded_on.flatten(),
        acknowledged_on.flatten(),
        p,
    );

    let (reference, kind, stage, received_on, team, manager) =
        (reference?, kind?, stage?, received_on?, team?, manager?);
    let (extended_to, agreed_response_on, responded_on, outcome, acknowledged_on) = (
        extended_to?,
        agreed_response_on?,
        responded_on?,
        outcome?,
        acknowledged_on?,
    );
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
    let terms = match ctx.timescales.terms(&terms) {
        Ok(terms) => terms,
        Err(e) => {
            p.add(e.field(), e.to_string());
            return None;
        }
    };
    if acknowledged_on.is_some() && terms.procedure.is_none() {
        p.add(
            "acknowledged_on",
            format!("{kind} records are not acknowledged; leave it blank"),
        );
    }
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
            terms,
            acknowledged_on,
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

/// An acknowledgement comes on or after receipt, by today, and by the
/// response.
fn check_acknowledged(
    today: NaiveDate,
    received_on: Option<NaiveDate>,
    responded_on: Option<NaiveDate>,
    acknowledged_on: Option<NaiveDate>,
    p: &mut RowProblems<'_>,
) {
    let Some(acknowledged) = acknowledged_on else {
        return;
    };
    if acknowledged > today {
        p.add(
            "acknowledged_on",
            format!("{acknowledged} is in the future (today is {today})"),
        );
    }
    if let Some(received) = received_on
        && acknowledged < received
    {
        p.add(
            "acknowledged_on",
            format!("{acknowledged} is before the stage was received ({received})"),
        );
    }
    if let Some(responded) = responded_on
        && acknowledged > responded
    {
        p.add(
            "acknowledged_on",
            format!("{acknowledged} is after the response ({responded})"),
        );
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

#[cfg(test)]
mod tests;
