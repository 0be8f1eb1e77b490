//! `casewatch deadline` and `casewatch working-days`: the calendar by hand or
//! over CSV from a spreadsheet, streamed row by row.

use std::io::{Read, Write};

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::domain::{Preset, Stage, Terms, parse_date};
use crate::import::csv_reader;
use crate::timescale::{ClockStart, Extension, Procedure, Response, StoredTerms};
use anyhow::Context;

/// Which question a batch asks of each row.
#[derive(Debug, Clone, Copy)]
pub(super) enum Batch {
    /// `start,N` → `start,working_days,deadline`.
    Deadline,
    /// `start,end` → `start,end,working_days`.
    WorkingDays,
}

impl Batch {
    fn header(self) -> [&'static str; 3] {
        match self {
            Batch::Deadline => ["start", "working_days", "deadline"],
            Batch::WorkingDays => ["start", "end", "working_days"],
        }
    }

    /// The answer for one pair of cells, or the problem with them.
    pub(super) fn answer(
        self,
        calendar: &Calendar,
        first: &str,
        second: &str,
    ) -> Result<String, String> {
        let start = parse_date(first).map_err(|e| format!("start: {e}"))?;
        match self {
            Batch::Deadline => {
                let n = parse_count(second)?;
                calendar
                    .deadline(start, n)
                    .map(|d| d.to_string())
                    .map_err(|e| e.to_string())
            }
            Batch::WorkingDays => {
                let end = parse_date(second).map_err(|e| format!("end: {e}"))?;
                calendar
                    .working_days_between(start, end)
                    .map(|n| n.to_string())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// `deadline --procedure`: a stage received on `received` under `preset`,
/// its deadlines in words, one per line.
pub(super) fn under_procedure(
    calendar: &Calendar,
    preset: Preset,
    stage: u8,
    received: NaiveDate,
    acknowledged: Option<NaiveDate>,
    agreed_default_months: u32,
) -> Result<String, String> {
    let number = Stage::new(stage).map_err(|e| format!("--stage: {e}"))?;
    let rule = Procedure::preset(preset)
        .stage(number)
        .ok_or_else(|| format!("{preset} has no stage {stage}"))?;
    if acknowledged.is_some_and(|a| a < received) {
        return Err("--acknowledged is before the stage was received".to_owned());
    }
    let terms = |working_days_allowed| StoredTerms {
        terms: Terms {
            procedure: Some(preset),
            working_days_allowed,
            standard_working_days: rule.working_days(),
            acknowledge_within: rule.acknowledge_within,
            clock_starts: rule.clock_starts,
        },
        agreed_response_on: None,
        acknowledged_on: acknowledged,
    };
    let deadlines = |allowed| {
        terms(allowed)
            .deadlines(received, calendar, agreed_default_months)
            .map_err(|e| e.to_string())
    };
    let d = deadlines(rule.working_days())?;
    let mut out = format!("{preset}, stage {stage}, received {received}\n");
    if let (Some(by), Some(n)) = (d.acknowledge_by, rule.acknowledge_within) {
        out.push_str(&format!("acknowledge by {by} ({n} working days)\n"));
    }
    let from = match (rule.clock_starts, acknowledged) {
        (ClockStart::Received, _) => "from receipt".to_owned(),
        (ClockStart::Acknowledged, Some(on)) => format!("from the acknowledgement on {on}"),
        (ClockStart::Acknowledged, None) => {
            "from the acknowledgement deadline: provisional until acknowledged".to_owned()
        }
    };
    let due = d.respond_by.map(|d| d.to_string()).unwrap_or_default();
    match (rule.response, rule.extension) {
        (Response::AgreedDate, _) => out.push_str(&format!(
            "respond by the date agreed with the complainant; with none agreed, {due} \
             ({agreed_default_months} months)\n"
        )),
        (Response::WorkingDays(n), extension) => {
            out.push_str(&format!("respond by {due} ({n} working days {from})\n"));
            let longest = match extension {
                Extension::None => None,
                Extension::To(cap) => Some(cap),
                Extension::More(more) => Some(n.saturating_add(more)),
                Extension::Agreed => {
                    out.push_str("extension: to a time agreed with the complainant\n");
                    None
                }
            };
            match (extension, longest) {
                (Extension::None, _) => out.push_str("extension: none\n"),
                (_, Some(cap)) => {
                    let latest = deadlines(Some(cap))?.respond_by.unwrap_or_default();
                    out.push_str(&format!(
                        "extension: at most to {latest} ({cap} working days {from})\n"
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

pub(super) fn parse_count(raw: &str) -> Result<u32, String> {
    let raw = raw.trim();
    match raw.parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("working days: {n} is negative")),
        Ok(n) => u32::try_from(n).map_err(|_| format!("working days: {n} is too large")),
        Err(_) => Err(format!("working days: {raw:?} is not a whole number")),
    }
}

/// Streams `input` (CSV with a header row; the first two columns are read,
/// others ignored) to `output`, one row per input row in order. A bad row is
/// reported on `problems` as `line L: problem` and written with an empty
/// answer, so rows stay aligned with the spreadsheet. Returns the number of
/// bad rows.
pub(super) fn stream(
    calendar: &Calendar,
    batch: Batch,
    input: impl Read,
    output: impl Write,
    mut problems: impl Write,
) -> anyhow::Result<usize> {
    // `csv_reader` numbers lines as an editor does, whatever the line endings.
    let mut reader = csv_reader(csv::ReaderBuilder::new().flexible(true), input);
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(batch.header())?;
    let mut record = csv::StringRecord::new();
    let mut bad = 0;
    loop {
        let read = reader.read_record(&mut record);
        let position = match &read {
            Ok(_) => record.position(),
            Err(e) => e.position(),
        };
        let line = position.map_or(0, |p| reader.get_mut().record_line(p.byte()));
        match read {
            Ok(false) => break,
            Ok(true) => {
                let first = record.get(0).unwrap_or("");
                let second = record.get(1).unwrap_or("");
                let answer = batch
                    .answer(calendar, first, second)
                    .unwrap_or_else(|problem| {
                        bad += 1;
                        // Reported, and written blank below, so the run goes on.
                        let _ = writeln!(problems, "line {line}: {problem}");
                        String::new()
                    });
                writer.write_record([first, second, answer.as_str()])?;
            }
            Err(e) => {
                bad += 1;
                writeln!(problems, "line {line}: {e}")?;
                writer.write_record(["", "", ""])?;
            }
        }
    }
    writer.flush().context("cannot write the output")?;
    Ok(bad)
}
