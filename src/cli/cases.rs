//! `casewatch cases`: the stages as they stood on a date, with what was said
//! about them, as a table, CSV or JSON.

use std::io::Write;

use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use serde::Serialize;

use super::{Failure, Format};
use crate::calendar::Calendar;
use crate::domain::{Email, StageDates, Standing, today_in_london};
use crate::format::csv_cell;
use crate::settings::{DelayReasons, Settings};
use crate::store::{StageNotes, StageRow, Store};
use crate::timescale::Timescales;

/// Which stages to list; every filter given must hold.
#[derive(Debug, Default)]
pub(super) struct Filter {
    open: bool,
    overdue: bool,
    late: bool,
    /// Compared without regard to case, as teams are typed by hand.
    team: Option<String>,
    manager: Option<Email>,
}

impl Filter {
    pub(super) fn new(
        open: bool,
        overdue: bool,
        late: bool,
        team: Option<String>,
        manager: Option<String>,
    ) -> Result<Self, Failure> {
        let manager = manager
            .map(|raw| {
                Email::parse(&raw).map_err(|e| Failure::bad_input(anyhow!("--manager: {e}")))
            })
            .transpose()?;
        Ok(Self {
            open,
            overdue,
            late,
            team: team.map(|t| t.trim().to_lowercase()),
            manager,
        })
    }

    fn keeps(&self, l: &Listed<'_>) -> bool {
        let open = l.status == Status::Open;
        (!self.open || open)
            && (!self.overdue || (open && l.working_days_left.is_some_and(|n| n < 0)))
            && (!self.late || l.answered_late())
            && self
                .team
                .as_ref()
                .is_none_or(|t| l.team.trim().to_lowercase() == *t)
            && self
                .manager
                .as_ref()
                .is_none_or(|m| l.manager_email.eq_ignore_ascii_case(m.as_str()))
    }
}

/// Where a listed stage stood, as the listing words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    #[serde(rename = "no response due")]
    NoResponseDue,
    Withdrawn,
    Answered,
    #[serde(rename = "left case system")]
    LeftCaseSystem,
    Open,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::NoResponseDue => "no response due",
            Status::Withdrawn => "withdrawn",
            Status::Answered => "answered",
            Status::LeftCaseSystem => "left case system",
            Status::Open => "open",
        }
    }
}

/// For an upheld or partly upheld answer: whether learning is on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Learning {
    Recorded,
    Awaited,
}

impl Learning {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Learning::Recorded => "recorded",
            Learning::Awaited => "awaited",
        }
    }
}

/// One listed stage, in the order and with the names of the CSV columns
/// (and the JSON's keys).
#[derive(Debug, Serialize)]
struct Listed<'a> {
    reference: &'a str,
    kind: &'static str,
    stage: String,
    team: &'a str,
    manager_email: &'a str,
    manager_name: &'a str,
    received_on: NaiveDate,
    due_on: Option<NaiveDate>,
    responded_on: Option<NaiveDate>,
    status: Status,
    /// Open stages only: working days from the as-of day to the due day,
    /// negative once overdue.
    working_days_left: Option<i64>,
    /// The procedure the stage was received under.
    procedure: Option<&'static str>,
    acknowledge_by: Option<NaiveDate>,
    acknowledged_on: Option<NaiveDate>,
    clock_starts: &'static str,
    /// The due day is counted from the acknowledgement deadline, as the
    /// stage is not acknowledged yet: the latest it can be.
    provisional: bool,
    /// The latest delay reason: its category's label and its text.
    reason_category: Option<&'a str>,
    reason: Option<&'a str>,
    /// The response date the latest reason expects.
    expected_response_on: Option<NaiveDate>,
    learning: Option<Learning>,
}

const HEADERS: [&str; 20] = [
    "reference",
    "kind",
    "stage",
    "team",
    "manager_email",
    "manager_name",
    "received_on",
    "due_on",
    "responded_on",
    "status",
    "working_days_left",
    "procedure",
    "acknowledge_by",
    "acknowledged_on",
    "clock_starts",
    "provisional",
    "reason_category",
    "reason",
    "expected_response_on",
    "learning",
];

pub(super) fn date_cell(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

impl Listed<'_> {
    fn answered_late(&self) -> bool {
        self.status == Status::Answered
            && matches!((self.responded_on, self.due_on), (Some(r), Some(d)) if r > d)
    }

    /// The CSV row, in the order of [`HEADERS`]; absent values empty.
    fn csv_cells(&self) -> [String; 20] {
        [
            self.reference.to_owned(),
            self.kind.to_owned(),
            self.stage.clone(),
            self.team.to_owned(),
            self.manager_email.to_owned(),
            self.manager_name.to_owned(),
            self.received_on.to_string(),
            date_cell(self.due_on),
            date_cell(self.responded_on),
            self.status.as_str().to_owned(),
            self.working_days_left
                .map(|n| n.to_string())
                .unwrap_or_default(),
            self.procedure.unwrap_or_default().to_owned(),
            date_cell(self.acknowledge_by),
            date_cell(self.acknowledged_on),
            self.clock_starts.to_owned(),
            if self.provisional { "yes" } else { "no" }.to_owned(),
            self.reason_category.unwrap_or_default().to_owned(),
            self.reason.unwrap_or_default().to_owned(),
            date_cell(self.expected_response_on),
            self.learning
                .map(Learning::as_str)
                .unwrap_or_default()
                .to_owned(),
        ]
    }
}

/// Where a stage stood on `as_of` (later responses are not yet known then),
/// by the rule the tracker counts open stages with.
fn status(row: &StageRow, as_of: NaiveDate) -> (Status, Option<NaiveDate>) {
    let standing = dates(row).standing(as_of);
    let responded = match standing {
        Standing::Answered(on) => Some(on),
        Standing::Withdrawn => row.responded_on.filter(|d| *d <= as_of),
        _ => None,
    };
    let status = match standing {
        _ if !row.kind.is_complaint() => Status::NoResponseDue,
        Standing::Withdrawn => Status::Withdrawn,
        Standing::Answered(_) => Status::Answered,
        Standing::LeftCaseSystem(_) => Status::LeftCaseSystem,
        Standing::Open | Standing::NotReceived => Status::Open,
    };
    (status, responded)
}

/// The stage's dates, for the rule of what is open on a day.
pub(super) fn dates(row: &StageRow) -> StageDates {
    StageDates {
        received_on: row.received_on,
        responded_on: row.responded_on,
        outcome: row.outcome,
        left_source_on: row.left_source_on,
    }
}

/// Whether an answered stage's learning is recorded or awaited; `None`
/// for stages not answered upheld or partly upheld.
pub(super) fn learning_status(
    row: &StageRow,
    answered: bool,
    has_learning: bool,
) -> Option<Learning> {
    let upheld = row.outcome.is_some_and(|o| o.is_upheld());
    (answered && upheld).then_some(if has_learning {
        Learning::Recorded
    } else {
        Learning::Awaited
    })
}

/// The label of the category named `name`, or the name itself for a
/// category no longer in the settings.
pub(super) fn label<'a>(reasons: &'a DelayReasons, name: &'a str) -> &'a str {
    reasons.find(name).map_or(name, |c| c.label.as_str())
}

/// What `cases` needs besides the stages: the day, and how to count to it.
pub(super) struct View<'a> {
    pub as_of: NaiveDate,
    pub timescales: &'a Timescales,
    pub calendar: &'a Calendar,
    pub reasons: &'a DelayReasons,
}

fn listed<'a>(notes: &'a StageNotes, view: &View<'a>) -> anyhow::Result<Listed<'a>> {
    let row = &notes.stage;
    let (status, responded_on) = status(row, view.as_of);
    let deadlines = row
        .terms
        .deadlines(
            row.received_on,
            view.calendar,
            view.timescales.agreed_default_months,
        )
        .with_context(|| format!("case {}", row.reference.as_str()))?;
    let due_on = deadlines.respond_by;
    let working_days_left = match due_on {
        Some(due) if status == Status::Open => Some(
            view.calendar
                .working_days_between(view.as_of, due)
                .with_context(|| format!("case {}", row.reference.as_str()))?,
        ),
        _ => None,
    };
    let reason = notes.latest_reason.as_ref();
    Ok(Listed {
        reference: row.reference.as_str(),
        kind: row.kind.as_str(),
        stage: row.stage.to_string(),
        team: &row.team,
        manager_email: &row.manager_email,
        manager_name: &row.manager_name,
        received_on: row.received_on,
        due_on,
        responded_on,
        status,
        working_days_left,
        procedure: row.terms.terms.procedure.map(|p| p.name()),
        acknowledge_by: deadlines.acknowledge_by,
        acknowledged_on: row.terms.acknowledged_on,
        clock_starts: row.terms.terms.clock_starts.as_str(),
        provisional: deadlines.provisional,
        reason_category: reason.map(|r| label(view.reasons, &r.category)),
        reason: reason.map(|r| r.text.as_str()),
        expected_response_on: reason.and_then(|r| r.expected_response_on),
        learning: learning_status(row, status == Status::Answered, notes.has_learning),
    })
}

/// Lists the stages as they stood on `as_of` (default today), read in one query.
pub(super) async fn list(
    settings: &Settings,
    filter: Filter,
    as_of: Option<NaiveDate>,
    format: Format,
) -> Result<(), Failure> {
    let store = Store::open(&settings.database).await?;
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await?;
    let view = View {
        as_of: as_of.unwrap_or_else(today_in_london),
        timescales: &settings.timescales,
        calendar: &calendar,
        reasons: &settings.delay_reasons,
    };
    let stages = store.stages_with_notes().await?;
    store.close().await;
    write!(super::out(), "{}", render(&stages, &view, &filter, format)?)?;
    Ok(())
}

fn render(
    rows: &[StageNotes],
    view: &View<'_>,
    filter: &Filter,
    format: Format,
) -> anyhow::Result<String> {
    let mut shown = Vec::new();
    for notes in rows.iter().filter(|r| r.stage.received_on <= view.as_of) {
        let l = listed(notes, view)?;
        if filter.keeps(&l) {
            shown.push(l);
        }
    }
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(&shown)? + "\n"),
        Format::Csv => csv_text(HEADERS, shown.iter().map(Listed::csv_cells)),
        Format::Table => Ok(table(&shown)),
    }
}

/// CSV with `header` (written by hand, so an empty listing still has it)
/// and each row's cells made safe for a spreadsheet.
pub(super) fn csv_text<const N: usize>(
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> anyhow::Result<String> {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    out.write_record(header)?;
    for cells in rows {
        out.write_record(cells.iter().map(|cell| csv_cell(cell).into_owned()))?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

fn table(listed: &[Listed<'_>]) -> String {
    let header = [
        "REFERENCE",
        "KIND",
        "STAGE",
        "TEAM",
        "MANAGER",
        "RECEIVED",
        "ACKNOWLEDGE BY",
        "DUE",
        "RESPONDED",
        "STATUS",
        "WORKING DAYS LEFT",
        "LATEST REASON",
        "EXPECTED",
        "LEARNING",
    ];
    let date = |d: Option<NaiveDate>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    let cells: Vec<[String; 14]> = listed
        .iter()
        .map(|l| {
            [
                l.reference.to_owned(),
                l.kind.to_owned(),
                l.stage.clone(),
                l.team.to_owned(),
                l.manager_email.to_owned(),
                l.received_on.to_string(),
                match (l.acknowledge_by, l.acknowledged_on) {
                    (_, Some(on)) => format!("done {on}"),
                    (by, None) => date(by),
                },
                match (l.due_on, l.provisional) {
                    (Some(due), true) => format!("{due} (provisional)"),
                    (due, _) => date(due),
                },
                date(l.responded_on),
                l.status.as_str().to_owned(),
                l.working_days_left.map_or_else(String::new, days_left),
                match (l.reason_category, l.reason) {
                    (Some(c), Some(t)) => format!("{c}: {}", one_line(t)),
                    _ => String::new(),
                },
                l.expected_response_on
                    .map_or_else(String::new, |d| d.to_string()),
                l.learning
                    .map(Learning::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ]
        })
        .collect();
    let mut out = super::table::render(header, &cells);
    out.push_str(&format!("{} stage(s)\n", listed.len()));
    out
}

/// Free text on one line of a terminal table: line breaks become spaces.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn days_left(n: i64) -> String {
    match n {
        0 => "due today".to_owned(),
        n if n < 0 => format!("{} overdue", -n),
        n => n.to_string(),
    }
}
