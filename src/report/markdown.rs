//! The document as Markdown: the same sentences and tables as the HTML,
//! for pasting into a committee paper; the charts are left out, their
//! tables give the same numbers.

use crate::views::report::{Document, Table};

impl Document {
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "# {}\n\n{}\n\n{}\n",
            md_cell(&self.title),
            md_cell(&self.period),
            md_cell(&self.comparison)
        );
        for section in &self.sections {
            out.push_str(&format!("\n## {}\n", md_cell(&section.heading)));
            for paragraph in &section.paragraphs {
                out.push_str(&format!("\n{}\n", md_cell(paragraph)));
            }
            for table in &section.tables {
                out.push_str(&md_table(table));
            }
        }
        out
    }
}

/// A caption line, then a GitHub table with the figures right-aligned.
fn md_table(table: &Table) -> String {
    let mut out = format!("\n**{}**\n\n", md_cell(&table.caption));
    out.push_str(&md_row(&table.columns));
    let figures = table.columns.len().saturating_sub(1);
    out.push_str(&format!("|---|{}\n", "---:|".repeat(figures)));
    for row in &table.rows {
        let cells =
            std::iter::once(row.label.clone()).chain(row.cells.iter().map(|c| c.text.clone()));
        out.push_str(&md_row(&cells.collect::<Vec<_>>()));
    }
    out
}

fn md_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|v| md_cell(v)).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// Free text (categories, references, reasons' labels) shown as it is
/// written: it must neither break the table nor become markup. `<` and `>`
/// become entities, so `<script>` is text in any renderer; `&` only where
/// it would start an entity (`&lt;`), so "Planning & roads" stays readable;
/// `|` is escaped as GitHub's tables need, and the characters that start
/// emphasis, code or a link (`\ * _ ` [ ] ~`) get a backslash.
pub(super) fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if starts_entity(&text[i + 1..]) => out.push_str("&amp;"),
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Whether text after an `&` would make it an entity: `amp;`, `#60;`, `#x3C;`.
fn starts_entity(after: &str) -> bool {
    let name_len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
        .unwrap_or(after.len());
    name_len > 0 && after[name_len..].starts_with(';')
}
