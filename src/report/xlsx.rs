//! The document's tables as a workbook: a sheet per table, its caption
//! above its header row as in the HTML, and every figure a number (a share
//! a fraction shown as a percentage), so officers can chart and sum them.

use std::collections::BTreeSet;

use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use crate::views::report::{Document, Table, Value};

/// Excel's limit on a sheet's name.
const SHEET_NAME_CHARS: usize = 31;

impl Document {
    /// The workbook's bytes.
    ///
    /// # Errors
    /// [`XlsxError`] from the writer (never for a document's own text:
    /// sheet names are made valid here).
    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        book.set_properties(&DocProperties::new().set_title(&self.title));
        let formats = Formats {
            heading: Format::new().set_bold().set_font_size(13),
            bold: Format::new().set_bold(),
            count: Format::new().set_num_format("#,##0"),
            share: Format::new().set_num_format("0.0%"),
            decimal: Format::new().set_num_format("0.0"),
        };
        let mut names = BTreeSet::new();
        for table in self.sections.iter().flat_map(|s| &s.tables) {
            let sheet = book.add_worksheet();
            sheet.set_name(sheet_name(&table.caption, &mut names))?;
            write_table(sheet, table, &formats)?;
        }
        book.save_to_buffer()
    }
}

struct Formats {
    heading: Format,
    bold: Format,
    count: Format,
    share: Format,
    decimal: Format,
}

/// The caption in A1, the header row in row 2 (frozen), then the rows.
fn write_table(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), XlsxError> {
    sheet.write_with_format(0, 0, &table.caption, &formats.heading)?;
    for (col, name) in table.columns.iter().enumerate() {
        sheet.write_with_format(1, column(col), name, &formats.bold)?;
    }
    sheet.set_freeze_panes(2, 1)?;
    for (i, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(i + 2).unwrap_or(u32::MAX);
        sheet.write(r, 0, &row.label)?;
        for (col, cell) in row.cells.iter().enumerate() {
            let c = column(col + 1);
            match cell.value {
                Value::Count(n) => {
                    sheet.write_number_with_format(r, c, n as f64, &formats.count)?;
                }
                Value::Share(Some(p)) => {
                    sheet.write_number_with_format(r, c, p / 100.0, &formats.share)?;
                }
                // Left empty: a share of nothing is no number, and a "-"
                // would break a sum.
                Value::Decimal(Some(v)) => {
                    sheet.write_number_with_format(r, c, v, &formats.decimal)?;
                }
                Value::Share(None) | Value::Decimal(None) => {}
            }
        }
    }
    sheet.set_column_width(0, 52)?;
    for col in 1..table.columns.len() {
        sheet.set_column_width(column(col), 16)?;
    }
    Ok(())
}

fn column(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// A table's caption as a sheet name: without its "Table 3: ", the
/// characters Excel refuses dropped, cut at a word to 31 characters, and
/// made unique. A1 gives the caption whole.
fn sheet_name(caption: &str, taken: &mut BTreeSet<String>) -> String {
    let text = match caption.split_once(": ") {
        Some((number, rest)) if number.starts_with("Table ") => rest,
        _ => caption,
    };
    let clean: String = text
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .collect();
    let mut name = String::new();
    for word in clean.split_whitespace() {
        let len = name.chars().count() + usize::from(!name.is_empty()) + word.chars().count();
        if len > SHEET_NAME_CHARS {
            break;
        }
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    if name.is_empty() {
        // One word longer than the limit, or nothing left.
        name = clean.trim().chars().take(SHEET_NAME_CHARS).collect();
    }
    if name.is_empty() {
        name = "Table".to_owned();
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name.to_lowercase()) {
        let suffix = format!(" {n}");
        let keep = SHEET_NAME_CHARS - suffix.len();
        name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    taken.insert(name.to_lowercase());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            sheet_name("Table 3: Responses within the time allowed", &mut taken),
            "Responses within the time"
        );
        assert_eq!(sheet_name("a/b [c]?", &mut taken), "ab c");
        assert_eq!(sheet_name("AB C", &mut taken), "AB C 2");
        assert_eq!(sheet_name("''", &mut taken), "Table");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &mut taken).len(), SHEET_NAME_CHARS);
    }
}
