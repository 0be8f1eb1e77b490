//! A CSV file read into rows, with its columns found by header name and
//! each row's line as an editor shows it: handed over one by one as they are
//! read (`read_rows`), or held whole (`Table`). Checking the rows is the job
//! of `parse_staff` and `parse_cases`.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use super::text::{self, Encoding};
use super::{ImportError, RowProblem, lines};
use crate::domain::normalise_word;

/// The character between cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    /// Excel's "CSV" where the decimal separator is a comma (much of Europe).
    Semicolon,
    /// Excel's "Unicode Text" and "Text (Tab delimited)".
    Tab,
}

impl Delimiter {
    const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delimiter::Comma => "commas",
            Delimiter::Semicolon => "semicolons",
            Delimiter::Tab => "tabs",
        })
    }
}

/// How a file was read: its encoding, and the character between cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAs {
    pub encoding: Encoding,
    pub delimiter: Delimiter,
}

impl ReadAs {
    /// UTF-8 with commas, what casewatch asks for.
    pub const PLAIN: ReadAs = ReadAs {
        encoding: Encoding::Utf8,
        delimiter: Delimiter::Comma,
    };

    /// What to tell the person importing when the file was not UTF-8 with
    /// commas, e.g. `read as Windows-1252 (Excel's "CSV (Comma
    /// delimited)")`; `None` when there is nothing to say.
    pub fn note(&self) -> Option<String> {
        match (self.encoding, self.delimiter) {
            (Encoding::Utf8, Delimiter::Comma) => None,
            (encoding, Delimiter::Comma) => Some(format!("read as {encoding}")),
            (encoding, delimiter) => Some(format!(
                "read as {encoding}, cells separated by {delimiter}"
            )),
        }
    }
}

/// Each column's position, by its name as `normalise_word` spells it.
pub(super) type Columns = HashMap<String, usize>;

/// A file's or query's rows held whole: for staff, a few thousand at most.
/// Cases are checked as they are read instead (`read_rows`).
pub(super) struct Table {
    columns: Columns,
    /// Each row with its line in the file.
    pub(super) rows: Vec<(u64, csv::StringRecord)>,
}

pub(super) struct Row<'a> {
    pub(super) line: u64,
    record: &'a csv::StringRecord,
    columns: &'a Columns,
}

impl<'a> Row<'a> {
    pub(super) fn new(line: u64, record: &'a csv::StringRecord, columns: &'a Columns) -> Self {
        Self {
            line,
            record,
            columns,
        }
    }

    /// The cell under `column`; an absent optional column reads as blank.
    pub(super) fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }
}

/// Reads `input` to the end, refusing the file if it cannot be read.
pub(super) fn read_all(file: &str, mut input: impl Read) -> Result<Vec<u8>, ImportError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| ImportError::one(file, 0, format!("cannot read: {e}")))?;
    Ok(bytes)
}

/// Reads a file's `bytes` row by row: decodes them (`text`), finds the
/// delimiter from the header row, and hands each row to `each` as it is
/// read, so that the rows are never held all at once. Refuses the file if a
/// `required` column is missing or a row is malformed; the rows handed over
/// are then to be dropped.
pub(super) fn read_rows(
    file: &str,
    bytes: &[u8],
    required: &[&str],
    mut each: impl FnMut(Row<'_>),
) -> Result<(Columns, ReadAs), ImportError> {
    let refuse = |(line, message)| ImportError::one(file, line, message);
    let decoded = text::decode(bytes).map_err(refuse)?;
    let delimiter = delimiter(&decoded.text, required);
    // The csv crate reads quoted cells holding delimiters, quotes and
    // line breaks as Excel writes them; `lines` numbers the rows.
    let mut reader = lines::csv_reader(
        csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter.byte()),
        decoded.text.as_bytes(),
    );
    let mut record = csv::StringRecord::new();
    let mut problems = Vec::new();
    let mut columns = None;
    loop {
        let read = reader.read_record(&mut record);
        let position = match &read {
            Ok(_) => record.position(),
            Err(e) => e.position(),
        };
        let line = position.map_or(0, |p| reader.get_mut().record_line(p.byte()));
        match (read, &columns) {
            (Ok(false), _) => break,
            (Ok(true), None) => columns = Some(header_columns(file, line, &record, required)?),
            // Excel leaves rows of empty cells below the data.
            (Ok(true), Some(_)) if record.iter().all(|cell| cell.trim().is_empty()) => {}
            (Ok(true), Some(columns)) => each(Row::new(line, &record, columns)),
            (Err(e), _) => problems.push(RowProblem::whole_row(file, line, csv_problem(&e))),
        }
    }
    let columns = match columns {
        Some(columns) => columns,
        None => header_columns(file, 1, &csv::StringRecord::new(), required)?,
    };
    if !problems.is_empty() {
        return Err(ImportError { problems });
    }
    let read_as = ReadAs {
        encoding: decoded.encoding,
        delimiter,
    };
    Ok((columns, read_as))
}

/// The columns of a header row, refused if a `required` one is missing.
fn header_columns(
    file: &str,
    line: u64,
    header: &csv::StringRecord,
    required: &[&str],
) -> Result<Columns, ImportError> {
    let columns = columns(header);
    let missing = missing(&columns, required);
    if missing.is_empty() {
        Ok(columns)
    } else {
        let message = format!("missing column(s): {}", missing.join(", "));
        Err(ImportError::one(file, line, message))
    }
}

/// The columns of a query's result, refused if a `required` one is missing.
pub(super) fn query_columns(
    file: &str,
    names: &[String],
    required: &[&str],
) -> Result<Columns, ImportError> {
    let columns = columns(&csv::StringRecord::from(names.to_vec()));
    let missing = missing(&columns, required);
    if missing.is_empty() {
        Ok(columns)
    } else {
        let message = format!(
            "the query returns no column(s) named {}",
            missing.join(", ")
        );
        Err(ImportError::one(file, 0, message))
    }
}

fn missing<'a>(columns: &Columns, required: &[&'a str]) -> Vec<&'a str> {
    required
        .iter()
        .copied()
        .filter(|c| !columns.contains_key(*c))
        .collect()
}

impl Table {
    /// Reads `input` whole into rows, as `read_rows` reads them.
    pub(super) fn read(
        file: &str,
        input: impl Read,
        required: &[&str],
    ) -> Result<(Self, ReadAs), ImportError> {
        let bytes = read_all(file, input)?;
        let mut rows = Vec::new();
        let (columns, read_as) = read_rows(file, &bytes, required, |row| {
            rows.push((row.line, row.record.clone()));
        })?;
        Ok((Self { columns, rows }, read_as))
    }

    /// A table of a query's rows, each numbered from 1, its columns named
    /// by the query.
    pub(super) fn from_rows(
        file: &str,
        names: &[String],
        rows: Vec<csv::StringRecord>,
        required: &[&str],
    ) -> Result<Self, ImportError> {
        Ok(Self {
            columns: query_columns(file, names, required)?,
            rows: (1..).zip(rows).collect(),
        })
    }

    pub(super) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows
            .iter()
            .map(|(line, record)| Row::new(*line, record, &self.columns))
    }
}

fn columns(header: &csv::StringRecord) -> Columns {
    header
        .iter()
        .enumerate()
        .map(|(i, h)| (normalise_word(h), i))
        .collect()
}

/// The delimiter that finds the most `required` columns in the header row,
/// commas when none finds more. Excel writes semicolons where the decimal
/// separator is a comma, and tabs in "Unicode Text".
fn delimiter(text: &str, required: &[&str]) -> Delimiter {
    let found = |delimiter: Delimiter| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter.byte())
            .from_reader(text.as_bytes());
        let mut header = csv::StringRecord::new();
        // A malformed header row is reported when the file is read.
        if !reader.read_record(&mut header).unwrap_or(false) {
            return 0;
        }
        let columns = columns(&header);
        required
            .iter()
            .filter(|c| columns.contains_key(**c))
            .count()
    };
    Delimiter::ALL
        .into_iter()
        .map(|d| (found(d), d))
        // `max_by_key` keeps the last of equals: ask in reverse so commas win ties.
        .rev()
        .max_by_key(|&(n, _)| n)
        .map_or(Delimiter::Comma, |(_, d)| d)
}

fn csv_problem(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} cells but the header has {expected_len}")
        }
        _ => error.to_string(),
    }
}
