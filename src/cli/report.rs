//! `casewatch report`: the annual complaints report for a period, compared
//! with the same dates a year earlier: a document (Markdown, HTML, or its
//! tables as a workbook) or the figures as JSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, anyhow};
use chrono::NaiveDate;

use super::{Failure, ReportFormat};
use crate::calendar::{Calendar, CalendarError};
use crate::report::{
    Compared, Denominators, Document, JsonReport, Period, Report, StageFact, Timescale,
};
use crate::settings::Settings;
use crate::store::{ReportStageRow, Store};
use crate::templates::Templates;
use crate::timescale::{Procedure, Timescales};

/// What `casewatch report` was asked for.
pub(super) struct Request {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub format: ReportFormat,
    /// `--compare-with`; `None`: the same dates a year earlier.
    pub compare_with: Option<Period>,
    /// The day the report is made (`--as-of`, else today in Europe/London).
    pub today: NaiveDate,
    /// `--out`: the file to write instead of standard output.
    pub out: Option<PathBuf>,
}

pub(super) async fn run(settings: &Settings, request: Request) -> Result<(), Failure> {
    let Request {
        from,
        to,
        format,
        compare_with,
        today,
        out,
    } = request;
    let current = Period::new(from, to)
        .ok_or_else(|| Failure::bad_input(anyhow!("--from {from} is after --to {to}")))?;
    // A workbook is no text for a terminal.
    if format == ReportFormat::Xlsx && out.is_none() {
        return Err(Failure::bad_input(anyhow!(
            "--format xlsx needs --out FILE"
        )));
    }
    // A broken HTML template is bad settings: say so before reading anything.
    let templates = match format {
        ReportFormat::Html => Some(
            Templates::load(settings.mail.templates_dir.as_deref()).map_err(Failure::bad_input)?,
        ),
        _ => None,
    };
    let compared = compare_with.or_else(|| current.previous());
    let store = Store::open(&settings.database).await?;
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await?;
    let first_data = store.first_received_on().await?;
    let denominators = Denominators {
        contacts: settings.report.contacts,
        population: settings.report.population,
    };
    let mut report = Report::new(current, compared, today, denominators);
    let span = report.span();
    store
        .for_each_report_stage(span.from, span.to, |row| {
            count(&mut report, &row, &settings.timescales, &calendar)
                .with_context(|| format!("case {} stage {}", row.reference, row.stage))
        })
        .await?;
    store.close().await;

    let (figures, previous) = report.finish();
    let reasons = &settings.delay_reasons;
    let label = |name: &str| {
        reasons
            .find(name)
            .map_or(name, |c| c.label.as_str())
            .to_owned()
    };
    let document = || Document::new(&figures, previous.as_ref(), compared, &label);
    let json = || JsonReport {
        figures: &figures,
        previous: compared.map(|period| Compared {
            from: period.from,
            to: period.to,
            partial: period.partial_comparison(today, first_data),
            figures: previous.as_ref(),
        }),
    };
    let bytes = match (format, templates) {
        (ReportFormat::Json, _) => (serde_json::to_string_pretty(&json())? + "\n").into_bytes(),
        (ReportFormat::Html, Some(templates)) => {
            templates.render("report.html", &document())?.into_bytes()
        }
        (ReportFormat::Xlsx, _) => document().xlsx()?,
        _ => document().markdown().into_bytes(),
    };
    match out {
        Some(path) => std::fs::write(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => super::out().write_all(&bytes)?,
    }
    Ok(())
}

fn count(
    report: &mut Report,
    row: &ReportStageRow,
    timescales: &Timescales,
    calendar: &Calendar,
) -> Result<(), CalendarError> {
    let months = timescales.agreed_default_months;
    let deadlines = row.terms.deadlines(row.received_on, calendar, months)?;
    let own = row
        .terms
        .unextended()
        .deadlines(row.received_on, calendar, months)?;
    let timescale = timescale(row, timescales);
    let longest = match timescale.and_then(|t| t.extendable_to) {
        Some(cap) => {
            let mut terms = row.terms;
            terms.terms.working_days_allowed = Some(cap);
            terms
                .deadlines(row.received_on, calendar, months)?
                .respond_by
        }
        None => None,
    };
    let fact = StageFact {
        reference: &row.reference,
        kind: row.kind,
        stage: row.stage,
        team: &row.team,
        category: row.category.as_deref(),
        received_on: row.received_on,
        responded_on: row.responded_on,
        outcome: row.outcome,
        left_source_on: row.left_source_on,
        has_learning: row.has_learning,
        due_on: deadlines.respond_by,
        due_unextended: own.respond_by,
        due_longest: longest,
        timescale,
        extended: row.terms.terms.extended(),
        acknowledge_by: deadlines.acknowledge_by,
        acknowledged_on: row.terms.acknowledged_on,
        reason_categories: &row.reason_categories,
        learning: &row.learning,
    };
    report.add(&fact, calendar)
}

/// The timescale a stage is answered against: its stored procedure and
/// numbers, and the longest extension that procedure allows. The cap is
/// not stored with the stage, so it comes from the procedure as the
/// council runs it when the stage's preset is still the one in force for
/// its day of receipt (the council's own numbers included), else from the
/// preset as its code sets it.
fn timescale(row: &ReportStageRow, timescales: &Timescales) -> Option<Timescale> {
    let terms = row.terms.terms;
    let preset = terms.procedure?;
    let in_force = timescales
        .procedure(row.kind, row.received_on)
        .filter(|p| p.preset == preset)
        .cloned()
        .unwrap_or_else(|| Procedure::preset(preset));
    let extendable_to = match (in_force.stage(row.stage), terms.standard_working_days) {
        (Some(rule), Some(standard)) => rule.extendable_to(standard),
        _ => None,
    };
    Some(Timescale {
        procedure: preset,
        working_days: terms.standard_working_days,
        extendable_to,
        acknowledge_within: terms.acknowledge_within,
    })
}
