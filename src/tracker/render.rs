//! The tracker as files: HTML (with an inline SVG chart), CSV and XLSX.
//! Each is a pure function of the tracker, so the same week made twice gives
//! the same bytes.

use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::figures::{Headline, Row, Tracker};
use crate::domain::OPEN_RULE;
use crate::format::{csv_cell, long_date, percent, percent_text, status};
use crate::templates::{TemplateError, Templates};
use crate::views::tracker::{
    HTML_ROWS, HeadlineLine, Listing, Page, RowText, TeamLine, UndeliveredLine,
};

/// The tracker's three files' contents.
pub struct Files {
    pub html: String,
    pub csv: Vec<u8>,
    pub xlsx: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("cannot write the tracker's XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("cannot write the tracker's CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// The XLSX is written on a thread of its own while the HTML and the CSV
/// are written here: compressing it is most of the rendering's time, a
/// quarter of a large tracker's.
pub fn files(tracker: &Tracker, templates: &Templates) -> Result<Files, RenderError> {
    std::thread::scope(|scope| {
        let xlsx = scope.spawn(|| xlsx(tracker));
        let html = templates.render("tracker.html", &page(tracker));
        let csv = csv(tracker);
        let xlsx = xlsx
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok(Files {
            html: html?,
            csv: csv?,
            xlsx: xlsx?,
        })
    })
}

/// One table of the HTML: its first [`HTML_ROWS`] rows.
fn listing(rows: &[Row]) -> Listing {
    let shown = rows.len().min(HTML_ROWS);
    Listing {
        total: rows.len(),
        rows: rows[..shown].iter().map(row_text).collect(),
        more: rows.len() - shown,
    }
}

/// A headline figure: a count, or a share of a whole (none when the whole
/// is nothing). The HTML shows it as text; the XLSX writes it as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Figure {
    Count(usize),
    Share(Option<f64>),
}

impl Figure {
    fn text(self) -> String {
        match self {
            Figure::Count(n) => n.to_string(),
            Figure::Share(p) => percent_text(p),
        }
    }
}

/// The headline's lines, in order: the label and how to read its figure.
type HeadlineFigure = (&'static str, fn(&Headline) -> Figure);

const HEADLINE: [HeadlineFigure; 13] = [
    ("Open complaint stages", |h| Figure::Count(h.open)),
    ("Due in the next 5 working days", |h| {
        Figure::Count(h.due_soon)
    }),
    ("Overdue", |h| Figure::Count(h.overdue)),
    ("Answered last week on time", |h| {
        Figure::Count(h.answered_last_week_on_time)
    }),
    ("Answered last week late", |h| {
        Figure::Count(h.answered_last_week_late)
    }),
    ("Year to date: answered within 20 working days", |h| {
        Figure::Share(h.ytd_within_20_pct())
    }),
    ("Year to date: late responses", |h| {
        Figure::Count(h.ytd_late)
    }),
    ("Year to date: late responses with a reason", |h| {
        Figure::Share(h.ytd_reason_pct())
    }),
    ("Year to date: acknowledged on time", |h| {
        Figure::Share(h.ytd_acknowledged_pct())
    }),
    ("Year to date: responses after an extension", |h| {
        Figure::Count(h.ytd_extended)
    }),
    ("Year to date: no longer in the case system", |h| {
        Figure::Count(h.ytd_left_case_system)
    }),
    (
        "Year to date: upheld responses with learning recorded",
        |h| Figure::Count(h.ytd_upheld_with_learning),
    ),
    (
        "Year to date: share of upheld responses with learning recorded",
        |h| Figure::Share(h.ytd_learning_pct()),
    ),
];

fn headline_lines(now: &Headline, before: &Headline) -> Vec<HeadlineLine> {
    HEADLINE
        .iter()
        .map(|(label, figure)| HeadlineLine {
            label: (*label).to_owned(),
            now: figure(now).text(),
            last_week: figure(before).text(),
        })
        .collect()
}

/// Whether the row is late (answered after its deadline) or overdue (open
/// past it): only then does a missing reason matter.
fn late_or_overdue(r: &Row) -> bool {
    match r.responded_on {
        Some(_) => r.on_time == Some(false),
        None => r.working_days_left < 0,
    }
}

/// The latest reason as "label: text"; "no reason given" where one is
/// wanted, nothing where it is not.
fn reason_text(r: &Row) -> String {
    let d = &r.details;
    match (&d.reason_category, &d.reason_text) {
        (Some(c), Some(t)) => format!("{c}: {t}"),
        _ if late_or_overdue(r) => "no reason given".to_owned(),
        _ => String::new(),
    }
}

/// The response date the latest reason expects, shown on open rows only.
fn expected_on(r: &Row) -> Option<NaiveDate> {
    let open = r.responded_on.is_none() && r.left_source_on.is_none();
    r.details.expected_response_on.filter(|_| open)
}

fn row_text(r: &Row) -> RowText {
    let status = match (r.responded_on, r.on_time, r.left_source_on) {
        (Some(day), Some(true), _) => format!("answered {} on time", long_date(day)),
        (Some(day), _, _) => format!("answered {} late", long_date(day)),
        (None, _, Some(day)) => format!(
            "left the case system {}, {}",
            long_date(day),
            status(r.working_days_left)
        ),
        (None, _, None) => status(r.working_days_left),
    };
    let d = &r.details;
    RowText {
        reference: d.reference.clone(),
        team: r.team.clone(),
        manager: d.manager.clone(),
        stage: d.stage,
        received_on: r.received_on.format("%d/%m/%Y").to_string(),
        due_on: if r.provisional {
            format!("{} (provisional)", r.due_on.format("%d/%m/%Y"))
        } else {
            r.due_on.format("%d/%m/%Y").to_string()
        },
        status,
        reminders_sent: d.reminders_sent,
        reason: reason_text(r),
        expected_on: expected_on(r).map_or_else(String::new, |d| d.format("%d/%m/%Y").to_string()),
    }
}

/// The page of tracker `t`.
pub fn page(t: &Tracker) -> Page {
    Page {
        week: t.week.clone(),
        day: long_date(t.as_of),
        open_rule: OPEN_RULE.to_owned(),
        data_refreshed: t.data_refreshed.map_or_else(
            || "never".to_owned(),
            |at| {
                let (day, time) = crate::domain::london_time(at);
                format!("{} at {}", long_date(day), time.format("%H:%M"))
            },
        ),
        headline: headline_lines(&t.headline, &t.last_week),
        overdue: listing(&t.overdue),
        due_soon: listing(&t.due_soon),
        answered: listing(&t.answered_last_week),
        acknowledgements: listing(&t.acknowledgements),
        left_case_system: listing(&t.left_case_system),
        no_learning: listing(&t.no_learning),
        teams: t
            .teams
            .iter()
            .map(|(team, f)| TeamLine {
                team: team.clone(),
                open: f.open,
                overdue: f.overdue,
                on_time: percent_text(percent(f.ytd_on_time as u64, f.ytd_responses as u64)),
            })
            .collect(),
        undelivered: t
            .undelivered
            .iter()
            .map(|u| UndeliveredLine {
                day: u.day.format("%d/%m/%Y").to_string(),
                recipient: u.recipient.clone(),
                subject: u.subject.clone(),
                reply: u.reply.clone(),
            })
            .collect(),
        chart_svg: super::chart::svg(&t.weeks),
    }
}

const COLUMNS: [&str; 17] = [
    "section",
    "reference",
    "kind",
    "stage",
    "team",
    "manager",
    "received_on",
    "due_on",
    "provisional",
    "working_days_left",
    "responded_on",
    "on_time",
    "left_case_system_on",
    "reminders_sent",
    "reason_category",
    "reason_text",
    "expected_response_on",
];

/// Each table: its CSV section, its sheet's name (the HTML's heading,
/// shortened where a sheet name's 31 characters need it) and its rows.
fn sections(t: &Tracker) -> [(&'static str, &'static str, &[Row]); 6] {
    [
        ("overdue", "Overdue", &t.overdue),
        ("due_soon", "Due in the next 5 working days", &t.due_soon),
        (
            "answered_last_week",
            "Answered last week",
            &t.answered_last_week,
        ),
        (
            "acknowledgement_due",
            "Acknowledgement due or overdue",
            &t.acknowledgements,
        ),
        (
            "left_case_system",
            "No longer in the case system",
            &t.left_case_system,
        ),
        (
            "upheld_no_learning",
            "Upheld, no learning recorded",
            &t.no_learning,
        ),
    ]
}

/// The XLSX's column headings: the HTML's words where it has the column.
const SHEET_COLUMNS: [&str; 16] = [
    "Reference",
    "Kind",
    "Stage",
    "Team",
    "Manager",
    "Received",
    "Deadline",
    "Provisional",
    "Working days left",
    "Responded",
    "On time",
    "Left the case system",
    "Reminders sent",
    "Reason category",
    "Reason for delay",
    "Expected response",
];

/// One CSV with every listed stage, its section in the first column.
fn csv(t: &Tracker) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS)?;
    for (section, _, rows) in sections(t) {
        for r in rows {
            let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
            let d = &r.details;
            let cells = [
                section.to_owned(),
                d.reference.clone(),
                r.kind.to_owned(),
                d.stage.to_string(),
                r.team.clone(),
                d.manager.clone(),
                r.received_on.to_string(),
                r.due_on.to_string(),
                if r.provisional { "yes" } else { "no" }.to_owned(),
                r.working_days_left.to_string(),
                date(r.responded_on),
                r.on_time
                    .map(|b| if b { "yes" } else { "no" })
                    .unwrap_or("")
                    .to_owned(),
                date(r.left_source_on),
                d.reminders_sent.to_string(),
                d.reason_category.clone().unwrap_or_default(),
                d.reason_text.clone().unwrap_or_default(),
                date(expected_on(r)),
            ];
            out.write_record(cells.iter().map(|cell| csv_cell(cell).into_owned()))?;
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// A sheet per table, with filters, frozen header rows and date cells.
fn xlsx(t: &Tracker) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    // Excel's own level: compressing took a fifth of a large tracker's time
    // at the default 6, for a file a few per cent smaller.
    book.set_zip_compression_level(3);
    // A fixed creation time keeps the file identical when made again.
    let created = ExcelDateTime::from_ymd(
        u16::try_from(chrono::Datelike::year(&t.as_of)).unwrap_or(1900),
        u8::try_from(chrono::Datelike::month(&t.as_of)).unwrap_or(1),
        u8::try_from(chrono::Datelike::day(&t.as_of)).unwrap_or(1),
    )?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("Complaints tracker {}", t.week))
            .set_creation_datetime(&created),
    );
    let formats = Formats {
        bold: Format::new().set_bold(),
        date: Format::new().set_num_format("dd/mm/yyyy"),
        count: Format::new().set_num_format("0"),
        share: Format::new().set_num_format("0.0%"),
    };
    let (bold, date) = (&formats.bold, &formats.date);

    let summary = book.add_worksheet().set_name("Headline")?;
    header(summary, &["Measure", "This week", "Last week"], bold)?;
    for (i, (label, figure)) in HEADLINE.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        summary.write(row, 0, *label)?;
        write_figure(summary, row, 1, figure(&t.headline), &formats)?;
        write_figure(summary, row, 2, figure(&t.last_week), &formats)?;
    }
    summary.set_column_width(0, 56)?;

    for (_, name, rows) in sections(t) {
        // Written row by row to a temporary file rather than held as cells:
        // a hundred thousand rows took 150 MB as cells.
        let sheet = book.add_worksheet_with_low_memory()?.set_name(name)?;
        header(sheet, &SHEET_COLUMNS, bold)?;
        for (i, r) in rows.iter().enumerate() {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            sheet_row(sheet, row, r, &formats)?;
        }
        finish_table(sheet, rows.len(), SHEET_COLUMNS.len() - 1)?;
    }

    let teams = book.add_worksheet().set_name("By team")?;
    header(
        teams,
        &["Team", "Open", "Overdue", "On time, year to date"],
        bold,
    )?;
    for (i, (team, f)) in t.teams.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        teams.write(row, 0, team)?;
        write_figure(teams, row, 1, Figure::Count(f.open), &formats)?;
        write_figure(teams, row, 2, Figure::Count(f.overdue), &formats)?;
        let on_time = percent(f.ytd_on_time as u64, f.ytd_responses as u64);
        write_figure(teams, row, 3, Figure::Share(on_time), &formats)?;
    }
    finish_table(teams, t.teams.len(), 3)?;

    let failed = book.add_worksheet().set_name("Undelivered e-mails")?;
    header(
        failed,
        &["Day", "Recipient", "Subject", "Mail server's reply"],
        bold,
    )?;
    for (i, u) in t.undelivered.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        failed.write_date_with_format(row, 0, u.day, date)?;
        failed.write(row, 1, &u.recipient)?;
        failed.write(row, 2, &u.subject)?;
        failed.write(row, 3, &u.reply)?;
    }
    finish_table(failed, t.undelivered.len(), 3)?;
    book.save_to_buffer()
}

/// The XLSX's cell formats.
struct Formats {
    bold: Format,
    date: Format,
    count: Format,
    share: Format,
}

/// A figure as a number: a count as a whole number, a share as a fraction
/// shown as a percentage, nothing where there is no share.
fn write_figure(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    figure: Figure,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match figure {
        Figure::Count(n) => {
            sheet.write_number_with_format(row, col, n as f64, &formats.count)?;
        }
        Figure::Share(Some(p)) => {
            sheet.write_number_with_format(row, col, p / 100.0, &formats.share)?;
        }
        Figure::Share(None) => {}
    }
    Ok(())
}

/// One listed stage, in the order of [`SHEET_COLUMNS`].
fn sheet_row(sheet: &mut Worksheet, row: u32, r: &Row, formats: &Formats) -> Result<(), XlsxError> {
    let (date, count) = (&formats.date, &formats.count);
    let d = &r.details;
    sheet.write(row, 0, &d.reference)?;
    sheet.write(row, 1, r.kind)?;
    sheet.write_number_with_format(row, 2, f64::from(d.stage), count)?;
    sheet.write(row, 3, &r.team)?;
    sheet.write(row, 4, &d.manager)?;
    sheet.write_date_with_format(row, 5, r.received_on, date)?;
    sheet.write_date_with_format(row, 6, r.due_on, date)?;
    sheet.write(row, 7, if r.provisional { "yes" } else { "no" })?;
    sheet.write_number_with_format(row, 8, r.working_days_left as f64, count)?;
    if let Some(d) = r.responded_on {
        sheet.write_date_with_format(row, 9, d, date)?;
    }
    if let Some(on_time) = r.on_time {
        sheet.write(row, 10, if on_time { "yes" } else { "no" })?;
    }
    if let Some(d) = r.left_source_on {
        sheet.write_date_with_format(row, 11, d, date)?;
    }
    sheet.write_number_with_format(row, 12, d.reminders_sent as f64, count)?;
    if let Some(category) = &d.reason_category {
        sheet.write(row, 13, category)?;
    }
    match &d.reason_text {
        Some(text) => sheet.write(row, 14, text)?,
        None if late_or_overdue(r) => sheet.write(row, 14, "no reason given")?,
        None => sheet,
    };
    if let Some(on) = expected_on(r) {
        sheet.write_date_with_format(row, 15, on, date)?;
    }
    Ok(())
}

fn header(sheet: &mut Worksheet, names: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (col, name) in names.iter().enumerate() {
        sheet.write_with_format(0, u16::try_from(col).unwrap_or(u16::MAX), *name, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn finish_table(sheet: &mut Worksheet, rows: usize, last_col: usize) -> Result<(), XlsxError> {
    let last_row = u32::try_from(rows.max(1)).unwrap_or(u32::MAX);
    sheet.autofilter(0, 0, last_row, u16::try_from(last_col).unwrap_or(u16::MAX))?;
    for col in 0..=last_col {
        sheet.set_column_width(u16::try_from(col).unwrap_or(u16::MAX), 16)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, Division};
    use crate::domain::Kind;
    use crate::domain::Preset;
    use crate::timescale::{StoredTerms, Timescales};
    use crate::tracker::figures::{Builder, Details, TrackedStage};

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// A tracker with `n` overdue stages, CSC-0 the most overdue.
    fn overdue(n: usize) -> Tracker {
        overdue_in("Parks", None, n)
    }

    /// As [`overdue`], in `team`, each stage with the delay reason `reason`.
    fn overdue_in(team: &str, reason: Option<&str>, n: usize) -> Tracker {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let timescales = Timescales::default();
        let mut builder = Builder::new(date("2026-11-23"), &calendar, &timescales);
        let first = date("2026-01-05");
        for id in 0..n {
            builder.add(&TrackedStage {
                stage_id: id as i64,
                kind: Kind::Corporate,
                team: team.to_owned(),
                received_on: first + chrono::Days::new(id as u64),
                terms: StoredTerms::from_receipt(Preset::Corporate2019, 10),
                responded_on: None,
                outcome: None,
                has_reason: false,
                has_learning: false,
                left_source_on: None,
            });
        }
        let details = (0..n)
            .map(|id| {
                let details = Details {
                    reference: format!("CSC-{id}"),
                    stage: 1,
                    reason_category: reason.map(|_| "other".to_owned()),
                    reason_text: reason.map(str::to_owned),
                    ..Details::default()
                };
                (id as i64, details)
            })
            .collect();
        builder.finish(details)
    }

    #[test]
    fn the_html_shows_the_most_overdue_and_the_files_list_every_stage() {
        let tracker = overdue(HTML_ROWS + 3);
        let files = files(&tracker, &Templates::load(None).unwrap()).unwrap();
        let shown = files.html.matches("<td>CSC-").count();
        assert_eq!(shown, HTML_ROWS);
        let heading = format!("<h2>Overdue ({})</h2>", HTML_ROWS + 3);
        assert!(files.html.contains(&heading), "{}", files.html);
        assert!(files.html.contains("<td>CSC-0</td>"));
        assert!(!files.html.contains(&format!("<td>CSC-{}</td>", HTML_ROWS)));
        assert!(
            files
                .html
                .contains("And 3 more, listed in the XLSX and CSV files."),
            "{}",
            files.html
        );
        let csv = String::from_utf8(files.csv).unwrap();
        let listed = csv.lines().filter(|l| l.starts_with("overdue,")).count();
        assert_eq!(listed, HTML_ROWS + 3);
    }

    #[test]
    fn a_short_table_is_shown_whole() {
        let files = files(&overdue(2), &Templates::load(None).unwrap()).unwrap();
        assert!(files.html.contains("<h2>Overdue (2)</h2>"));
        assert_eq!(files.html.matches("<td>CSC-").count(), 2);
        assert!(!files.html.contains("more, listed in"));
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_as_formulas_are_shown_as_text() {
        let team = "=HYPERLINK(\"http://evil.test\",\"x\")";
        let tracker = overdue_in(team, Some("@SUM(1+1)*cmd|' /C calc'!A0"), 1);
        let files = files(&tracker, &Templates::load(None).unwrap()).unwrap();
        let mut csv = csv::Reader::from_reader(files.csv.as_slice());
        let headers = csv.headers().unwrap().clone();
        let row = csv.records().next().unwrap().unwrap();
        let cell = |name: &str| &row[headers.iter().position(|h| h == name).unwrap()];
        assert_eq!(cell("team"), format!("'{team}"));
        assert_eq!(cell("reason_text"), "'@SUM(1+1)*cmd|' /C calc'!A0");
        // Dates and the (negative) working days stay as they were.
        assert_eq!(cell("received_on"), "2026-01-05");
        let left: i64 = cell("working_days_left").parse().unwrap();
        assert!(left < 0, "{left}");
    }
}
