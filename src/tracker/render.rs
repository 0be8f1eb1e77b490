//! The tracker as files: HTML (with an inline SVG chart), CSV and XLSX.
//! Each is a pure function of the tracker, so the same week made twice gives
//! the same bytes.

use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::figures::{Headline, Row, Tracker};
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

fn headline_lines(now: &Headline, before: &Headline) -> Vec<HeadlineLine> {
    let line = |label: &str, f: &dyn Fn(&Headline) -> String| HeadlineLine {
        label: label.to_owned(),
        now: f(now),
        last_week: f(before),
    };
    vec![
        line("Open complaint stages", &|h| h.open.to_string()),
        line("Due in the next 5 working days", &|h| {
            h.due_soon.to_string()
        }),
        line("Overdue", &|h| h.overdue.to_string()),
        line("Answered last week on time", &|h| {
            h.answered_last_week_on_time.to_string()
        }),
        line("Answered last week late", &|h| {
            h.answered_last_week_late.to_string()
        }),
        line("Year to date: answered within 20 working days", &|h| {
            percent_text(h.ytd_within_20_pct())
        }),
        line("Year to date: late responses", &|h| h.ytd_late.to_string()),
        line("Year to date: late responses with a reason", &|h| {
            percent_text(h.ytd_reason_pct())
        }),
        line("Year to date: acknowledged on time", &|h| {
            percent_text(h.ytd_acknowledged_pct())
        }),
        line("Year to date: responses after an extension", &|h| {
            h.ytd_extended.to_string()
        }),
        line("Year to date: no longer in the case system", &|h| {
            h.ytd_left_case_system.to_string()
        }),
    ]
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
        reason: match (&d.reason_category, &d.reason_text) {
            (Some(c), Some(t)) => format!("{c}: {t}"),
            _ => "no reason given".to_owned(),
        },
    }
}

/// The page of tracker `t`.
pub fn page(t: &Tracker) -> Page {
    Page {
        week: t.week.clone(),
        day: long_date(t.as_of),
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

const COLUMNS: [&str; 16] = [
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
];

fn sections(t: &Tracker) -> [(&'static str, &'static str, &[Row]); 5] {
    [
        ("overdue", "Overdue", &t.overdue),
        ("due_soon", "Due soon", &t.due_soon),
        (
            "answered_last_week",
            "Answered last week",
            &t.answered_last_week,
        ),
        (
            "acknowledgement_due",
            "Acknowledgements due",
            &t.acknowledgements,
        ),
        (
            "left_case_system",
            "Left the case system",
            &t.left_case_system,
        ),
    ]
}

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
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");

    let summary = book.add_worksheet().set_name("Summary")?;
    header(summary, &["Measure", "This week", "Last week"], &bold)?;
    for (i, line) in headline_lines(&t.headline, &t.last_week).iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        summary.write(row, 0, &line.label)?;
        summary.write(row, 1, &line.now)?;
        summary.write(row, 2, &line.last_week)?;
    }
    summary.set_column_width(0, 48)?;

    for (_, name, rows) in sections(t) {
        // Written row by row to a temporary file rather than held as cells:
        // a hundred thousand rows took 150 MB as cells.
        let sheet = book.add_worksheet_with_low_memory()?.set_name(name)?;
        header(sheet, &COLUMNS[1..], &bold)?;
        for (i, r) in rows.iter().enumerate() {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let d = &r.details;
            sheet.write(row, 0, &d.reference)?;
            sheet.write(row, 1, r.kind)?;
            sheet.write(row, 2, u32::from(d.stage))?;
            sheet.write(row, 3, &r.team)?;
            sheet.write(row, 4, &d.manager)?;
            sheet.write_date_with_format(row, 5, r.received_on, &date)?;
            sheet.write_date_with_format(row, 6, r.due_on, &date)?;
            sheet.write(row, 7, if r.provisional { "yes" } else { "no" })?;
            sheet.write(row, 8, r.working_days_left as f64)?;
            if let Some(d) = r.responded_on {
                sheet.write_date_with_format(row, 9, d, &date)?;
            }
            if let Some(on_time) = r.on_time {
                sheet.write(row, 10, if on_time { "yes" } else { "no" })?;
            }
            if let Some(d) = r.left_source_on {
                sheet.write_date_with_format(row, 11, d, &date)?;
            }
            sheet.write(row, 12, d.reminders_sent as f64)?;
            sheet.write(row, 13, d.reason_category.as_deref().unwrap_or(""))?;
            sheet.write(
                row,
                14,
                d.reason_text.as_deref().unwrap_or("no reason given"),
            )?;
        }
        finish_table(sheet, rows.len(), COLUMNS.len() - 2)?;
    }

    let teams = book.add_worksheet().set_name("By team")?;
    header(
        teams,
        &["Team", "Open", "Overdue", "On time, year to date"],
        &bold,
    )?;
    for (i, (team, f)) in t.teams.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        teams.write(row, 0, team)?;
        teams.write(row, 1, f.open as f64)?;
        teams.write(row, 2, f.overdue as f64)?;
        if let Some(p) = percent(f.ytd_on_time as u64, f.ytd_responses as u64) {
            teams.write(row, 3, p / 100.0)?;
        }
    }
    finish_table(teams, t.teams.len(), 3)?;

    let failed = book.add_worksheet().set_name("Undelivered e-mails")?;
    header(
        failed,
        &["Day", "Recipient", "Subject", "Mail server's reply"],
        &bold,
    )?;
    for (i, u) in t.undelivered.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        failed.write_date_with_format(row, 0, u.day, &date)?;
        failed.write(row, 1, &u.recipient)?;
        failed.write(row, 2, &u.subject)?;
        failed.write(row, 3, &u.reply)?;
    }
    finish_table(failed, t.undelivered.len(), 3)?;
    book.save_to_buffer()
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
