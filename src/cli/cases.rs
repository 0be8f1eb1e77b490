//! `casewatch cases`: the stages as they stood on a date, as a table, CSV or JSON.

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;

use super::Format;
use crate::calendar::Calendar;
use crate::domain::Outcome;
use crate::format::csv_cell;
use crate::store::StageRow;
use crate::timescale::Timescales;

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
    status: &'static str,
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
}

const HEADERS: [&str; 16] = [
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
];

impl Listed<'_> {
    /// The CSV row, in the order of [`HEADERS`]; absent values empty.
    fn csv_cells(&self) -> [String; 16] {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        [
            self.reference.to_owned(),
            self.kind.to_owned(),
            self.stage.clone(),
            self.team.to_owned(),
            self.manager_email.to_owned(),
            self.manager_name.to_owned(),
            self.received_on.to_string(),
            date(self.due_on),
            date(self.responded_on),
            self.status.to_owned(),
            self.working_days_left
                .map(|n| n.to_string())
                .unwrap_or_default(),
            self.procedure.unwrap_or_default().to_owned(),
            date(self.acknowledge_by),
            date(self.acknowledged_on),
            self.clock_starts.to_owned(),
            if self.provisional { "yes" } else { "no" }.to_owned(),
        ]
    }
}

/// Where a stage stood on `as_of`: later responses are not yet known then.
fn status(row: &StageRow, as_of: NaiveDate) -> (&'static str, Option<NaiveDate>) {
    let responded = row.responded_on.filter(|d| *d <= as_of);
    if !row.kind.is_complaint() {
        ("no response due", responded)
    } else if row.outcome == Some(Outcome::Withdrawn) && row.responded_on.is_none_or(|d| d <= as_of)
    {
        ("withdrawn", responded)
    } else if responded.is_some() {
        ("answered", responded)
    } else if row.left_source_on.is_some_and(|d| d <= as_of) {
        ("left case system", None)
    } else {
        ("open", None)
    }
}

/// What `cases` needs besides the stages: the day, and how to count to it.
pub(super) struct View<'a> {
    pub as_of: NaiveDate,
    pub only_open: bool,
    pub timescales: &'a Timescales,
    pub calendar: &'a Calendar,
}

fn listed<'a>(row: &'a StageRow, view: &View<'_>) -> anyhow::Result<Listed<'a>> {
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
        Some(due) if status == "open" => Some(
            view.calendar
                .working_days_between(view.as_of, due)
                .with_context(|| format!("case {}", row.reference.as_str()))?,
        ),
        _ => None,
    };
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
    })
}

pub(super) fn render(rows: &[StageRow], view: &View<'_>, format: Format) -> anyhow::Result<String> {
    let mut shown = Vec::new();
    for row in rows.iter().filter(|r| r.received_on <= view.as_of) {
        let l = listed(row, view)?;
        if !view.only_open || l.status == "open" {
            shown.push(l);
        }
    }
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(&shown)? + "\n"),
        Format::Csv => {
            // Headers by hand, so an empty listing still has them.
            let mut out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            out.write_record(HEADERS)?;
            for l in &shown {
                out.write_record(l.csv_cells().iter().map(|cell| csv_cell(cell).into_owned()))?;
            }
            Ok(String::from_utf8(out.into_inner()?)?)
        }
        Format::Table => Ok(table(&shown)),
    }
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
    ];
    let date = |d: Option<NaiveDate>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    let cells: Vec<[String; 11]> = listed
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
                l.status.to_owned(),
                l.working_days_left.map_or_else(String::new, days_left),
            ]
        })
        .collect();
    let mut out = super::table::render(header, &cells);
    out.push_str(&format!("{} stage(s)\n", listed.len()));
    out
}

fn days_left(n: i64) -> String {
    match n {
        0 => "due today".to_owned(),
        n if n < 0 => format!("{} overdue", -n),
        n => n.to_string(),
    }
}
