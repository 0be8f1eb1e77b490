//! `casewatch reasons` and `casewatch learning`: what was said about each
//! stage in a period, for the complaints team and the annual report.

use std::io::Write;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::cases::{csv_text, date_cell, dates, label, one_line};
use super::{Failure, Format};
use crate::calendar::Calendar;
use crate::domain::{Outcome, Standing, london_instant, london_time, today_in_london};
use crate::report::Period;
use crate::settings::Settings;
use crate::store::{StageRow, Store};
use crate::tracker::figures::year_start;

/// The days asked for, both included: by default this council year (from
/// 1 April, as the report and the tracker count it) up to today.
pub(super) fn period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Period, Failure> {
    let to = to.unwrap_or_else(today_in_london);
    let from = from.unwrap_or_else(|| year_start(to));
    Period::new(from, to)
        .ok_or_else(|| Failure::bad_input(anyhow!("--from {from} is after --to {to}")))
}

/// The instants the period's Europe/London days run between: its first
/// midnight, and the midnight after its last day.
fn instants(period: Period) -> (DateTime<Utc>, DateTime<Utc>) {
    let after = period
        .to
        .checked_add_days(Days::new(1))
        .unwrap_or(period.to);
    (
        london_instant(period.from, NaiveTime::MIN),
        london_instant(after, NaiveTime::MIN),
    )
}

/// "2026-11-25 14:05", Europe/London.
fn local(at: DateTime<Utc>) -> String {
    let (day, time) = london_time(at);
    format!("{day} {}", time.format("%H:%M"))
}

/// Where a stage stands today, in the words of the listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Answered {
    #[serde(rename = "late")]
    Late,
    #[serde(rename = "on time")]
    OnTime,
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "withdrawn")]
    Withdrawn,
    #[serde(rename = "left case system")]
    LeftCaseSystem,
}

impl Answered {
    fn of(
        row: &StageRow,
        today: NaiveDate,
        calendar: &Calendar,
        settings: &Settings,
    ) -> anyhow::Result<Self> {
        Ok(match dates(row).standing(today.max(row.received_on)) {
            Standing::Answered(on) => {
                let due = row
                    .terms
                    .deadlines(
                        row.received_on,
                        calendar,
                        settings.timescales.agreed_default_months,
                    )
                    .with_context(|| format!("case {}", row.reference.as_str()))?
                    .respond_by;
                if due.is_some_and(|d| on > d) {
                    Answered::Late
                } else {
                    Answered::OnTime
                }
            }
            Standing::Withdrawn => Answered::Withdrawn,
            Standing::LeftCaseSystem(_) => Answered::LeftCaseSystem,
            Standing::Open | Standing::NotReceived => Answered::Open,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Answered::Late => "late",
            Answered::OnTime => "on time",
            Answered::Open => "open",
            Answered::Withdrawn => "withdrawn",
            Answered::LeftCaseSystem => "left case system",
        }
    }
}

/// One delay reason, in the order and with the names of the CSV columns.
#[derive(Debug, Serialize)]
struct ReasonLine {
    reference: String,
    stage: u8,
    team: String,
    manager_email: String,
    manager_name: String,
    category: String,
    text: String,
    expected_response_on: Option<NaiveDate>,
    given_by: Option<String>,
    via: String,
    given_at: String,
    answered: Answered,
}

const REASON_HEADERS: [&str; 12] = [
    "reference",
    "stage",
    "team",
    "manager_email",
    "manager_name",
    "category",
    "text",
    "expected_response_on",
    "given_by",
    "via",
    "given_at",
    "answered",
];

impl ReasonLine {
    fn cells(&self) -> [String; 12] {
        [
            self.reference.clone(),
            self.stage.to_string(),
            self.team.clone(),
            self.manager_email.clone(),
            self.manager_name.clone(),
            self.category.clone(),
            self.text.clone(),
            date_cell(self.expected_response_on),
            self.given_by.clone().unwrap_or_default(),
            self.via.clone(),
            self.given_at.clone(),
            self.answered.as_str().to_owned(),
        ]
    }
}

/// Opens the store and the calendar in force.
async fn open(settings: &Settings) -> Result<(Store, Calendar), Failure> {
    let store = Store::open(&settings.database).await?;
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await?;
    Ok((store, calendar))
}

pub(super) async fn reasons(
    settings: &Settings,
    period: Period,
    format: Format,
) -> Result<(), Failure> {
    let (store, calendar) = open(settings).await?;
    let (from, until) = instants(period);
    let given = store.reasons_given(from, until).await?;
    store.close().await;
    let today = today_in_london();
    let mut lines = Vec::with_capacity(given.len());
    for g in given {
        let (s, r) = (g.stage, g.reason);
        lines.push(ReasonLine {
            answered: Answered::of(&s, today, &calendar, settings)?,
            reference: s.reference.as_str().to_owned(),
            stage: s.stage.number(),
            team: s.team,
            manager_email: s.manager_email,
            manager_name: s.manager_name,
            category: label(&settings.delay_reasons, &r.category).to_owned(),
            text: r.text,
            expected_response_on: r.expected_response_on,
            given_by: r.given_by,
            via: r.via,
            given_at: local(r.given_at),
        });
    }
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&lines)? + "\n",
        Format::Csv => csv_text(REASON_HEADERS, lines.iter().map(ReasonLine::cells))?,
        Format::Table => {
            let header = [
                "REFERENCE",
                "STAGE",
                "TEAM",
                "MANAGER",
                "CATEGORY",
                "REASON",
                "EXPECTED",
                "GIVEN BY",
                "VIA",
                "GIVEN AT",
                "ANSWERED",
            ];
            let rows: Vec<[String; 11]> = lines
                .iter()
                .map(|l| {
                    let c = l.cells();
                    [
                        c[0].clone(),
                        c[1].clone(),
                        c[2].clone(),
                        c[3].clone(),
                        c[5].clone(),
                        one_line(&c[6]),
                        c[7].clone(),
                        c[8].clone(),
                        c[9].clone(),
                        c[10].clone(),
                        c[11].clone(),
                    ]
                })
                .collect();
            let mut out = super::table::render(header, &rows);
            out.push_str(&format!(
                "{} reason(s) given from {} to {}\n",
                lines.len(),
                period.from,
                period.to
            ));
            out
        }
    };
    write!(super::out(), "{text}")?;
    Ok(())
}

/// Whether a listed learning line is an entry or a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Recorded {
    #[serde(rename = "recorded")]
    Yes,
    #[serde(rename = "no learning recorded")]
    No,
}

/// One learning entry, or an upheld response with none, in the order and
/// with the names of the CSV columns.
#[derive(Debug, Serialize)]
struct LearningLine {
    reference: String,
    stage: u8,
    team: String,
    manager_email: String,
    manager_name: String,
    outcome: &'static str,
    responded_on: Option<NaiveDate>,
    learning: Recorded,
    text: Option<String>,
    action: Option<String>,
    action_owner: Option<String>,
    action_due_on: Option<NaiveDate>,
    given_by: Option<String>,
    via: Option<String>,
    given_at: Option<String>,
}

const LEARNING_HEADERS: [&str; 15] = [
    "reference",
    "stage",
    "team",
    "manager_email",
    "manager_name",
    "outcome",
    "responded_on",
    "learning",
    "text",
    "action",
    "action_owner",
    "action_due_on",
    "given_by",
    "via",
    "given_at",
];

impl LearningLine {
    fn new(s: StageRow, learning: Recorded) -> Self {
        Self {
            reference: s.reference.as_str().to_owned(),
            stage: s.stage.number(),
            outcome: s.outcome.map_or("", outcome_words),
            responded_on: s.responded_on,
            team: s.team,
            manager_email: s.manager_email,
            manager_name: s.manager_name,
            learning,
            text: None,
            action: None,
            action_owner: None,
            action_due_on: None,
            given_by: None,
            via: None,
            given_at: None,
        }
    }

    fn cells(&self) -> [String; 15] {
        let text = |t: &Option<String>| t.clone().unwrap_or_default();
        [
            self.reference.clone(),
            self.stage.to_string(),
            self.team.clone(),
            self.manager_email.clone(),
            self.manager_name.clone(),
            self.outcome.to_owned(),
            date_cell(self.responded_on),
            match self.learning {
                Recorded::Yes => "recorded",
                Recorded::No => "no learning recorded",
            }
            .to_owned(),
            text(&self.text),
            text(&self.action),
            text(&self.action_owner),
            date_cell(self.action_due_on),
            text(&self.given_by),
            text(&self.via),
            text(&self.given_at),
        ]
    }
}

/// An outcome as people say it.
fn outcome_words(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Upheld => "upheld",
        Outcome::PartiallyUpheld => "partly upheld",
        Outcome::NotUpheld => "not upheld",
        Outcome::Withdrawn => "withdrawn",
    }
}

pub(super) async fn learning(
    settings: &Settings,
    period: Period,
    format: Format,
) -> Result<(), Failure> {
    let store = Store::open(&settings.database).await?;
    let (from, until) = instants(period);
    let given = store.learning_given(from, until).await?;
    let missing = store
        .upheld_without_learning(period.from, period.to)
        .await?;
    store.close().await;
    let mut lines = Vec::with_capacity(given.len() + missing.len());
    for g in given {
        let l = g.learning;
        lines.push(LearningLine {
            text: Some(l.text),
            action: l.action,
            action_owner: l.action_owner,
            action_due_on: l.action_due_on,
            given_by: l.given_by,
            via: Some(l.via),
            given_at: Some(local(l.given_at)),
            ..LearningLine::new(g.stage, Recorded::Yes)
        });
    }
    let entries = lines.len();
    lines.extend(
        missing
            .into_iter()
            .map(|s| LearningLine::new(s, Recorded::No)),
    );
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&lines)? + "\n",
        Format::Csv => csv_text(LEARNING_HEADERS, lines.iter().map(LearningLine::cells))?,
        Format::Table => learning_table(&lines, entries, period),
    };
    write!(super::out(), "{text}")?;
    Ok(())
}

fn learning_table(lines: &[LearningLine], entries: usize, period: Period) -> String {
    let header = [
        "REFERENCE",
        "STAGE",
        "TEAM",
        "MANAGER",
        "OUTCOME",
        "LEARNING",
        "ACTION",
        "OWNER",
        "ACTION DUE",
        "GIVEN BY",
        "VIA",
        "GIVEN AT",
    ];
    let rows: Vec<[String; 12]> = lines
        .iter()
        .map(|l| {
            let c = l.cells();
            let learning = match l.learning {
                Recorded::Yes => one_line(&c[8]),
                Recorded::No => c[7].clone(),
            };
            [
                c[0].clone(),
                c[1].clone(),
                c[2].clone(),
                c[3].clone(),
                c[5].clone(),
                learning,
                one_line(&c[9]),
                c[10].clone(),
                c[11].clone(),
                c[12].clone(),
                c[13].clone(),
                c[14].clone(),
            ]
        })
        .collect();
    let mut out = super::table::render(header, &rows);
    out.push_str(&format!(
        "{entries} learning entr{} given from {} to {}; {} upheld response(s) answered then with no learning recorded\n",
        if entries == 1 { "y" } else { "ies" },
        period.from,
        period.to,
        lines.len() - entries
    ));
    out
}
