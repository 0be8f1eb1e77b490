//! `casewatch cases`: the stages as they stood on a date, as a table, CSV or JSON.

use chrono::NaiveDate;
use serde::Serialize;

use super::Format;
use crate::domain::Outcome;
use crate::store::StageRow;

/// One listed stage, in the order and with the names of the CSV columns.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    reference: &'a str,
    kind: &'static str,
    stage: String,
    team: &'a str,
    manager_email: &'a str,
    manager_name: &'a str,
    received_on: NaiveDate,
    responded_on: Option<NaiveDate>,
    status: &'static str,
}

const HEADERS: [&str; 9] = [
    "reference",
    "kind",
    "stage",
    "team",
    "manager_email",
    "manager_name",
    "received_on",
    "responded_on",
    "status",
];

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
    } else {
        ("open", None)
    }
}

pub(super) fn render(
    rows: &[StageRow],
    as_of: NaiveDate,
    only_open: bool,
    format: Format,
) -> anyhow::Result<String> {
    let listed: Vec<Listed<'_>> = rows
        .iter()
        .filter(|r| r.received_on <= as_of)
        .map(|r| {
            let (status, responded_on) = status(r, as_of);
            Listed {
                reference: r.reference.as_str(),
                kind: r.kind.as_str(),
                stage: r.stage.to_string(),
                team: &r.team,
                manager_email: &r.manager_email,
                manager_name: &r.manager_name,
                received_on: r.received_on,
                responded_on,
                status,
            }
        })
        .filter(|l| !only_open || l.status == "open")
        .collect();
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(&listed)? + "\n"),
        Format::Csv => {
            // Headers by hand, so an empty listing still has them.
            let mut out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            out.write_record(HEADERS)?;
            for l in &listed {
                out.serialize(l)?;
            }
            Ok(String::from_utf8(out.into_inner()?)?)
        }
        Format::Table => Ok(table(&listed)),
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
        "RESPONDED",
        "STATUS",
    ];
    let cells: Vec<[String; 8]> = listed
        .iter()
        .map(|l| {
            [
                l.reference.to_owned(),
                l.kind.to_owned(),
                l.stage.clone(),
                l.team.to_owned(),
                l.manager_email.to_owned(),
                l.received_on.to_string(),
                l.responded_on
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                l.status.to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: &[String]| -> String {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&header.map(str::to_owned));
    for row in &cells {
        out.push_str(&line(row));
    }
    out.push_str(&format!("{} stage(s)\n", listed.len()));
    out
}
