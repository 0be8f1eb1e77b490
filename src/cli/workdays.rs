//! `casewatch deadline` and `casewatch working-days`: the calendar by hand or
//! over CSV from a spreadsheet, streamed row by row.

use std::io::{Read, Write};

use crate::calendar::Calendar;
use crate::domain::parse_date;
use crate::import::csv_reader;
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
