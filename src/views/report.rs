//! The annual report's layout, as `report.html` is given it (and the
//! Markdown is written from it).

use serde::Serialize;

/// The report as tables of labelled figures, one column per period: what
/// the Markdown and the HTML both show.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub title: String,
    /// The periods' labels, the report's period first.
    pub columns: Vec<String>,
    pub tables: Vec<Table>,
    /// The report period's references upheld without learning.
    pub upheld_without_learning: Vec<String>,
    /// Which period the report is compared with, in words; `None` when
    /// there is none.
    pub comparison: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    /// One cell per column.
    pub values: Vec<String>,
}

impl Layout {
    /// A small layout for checking the HTML template when it is loaded.
    pub fn sample() -> Self {
        let row = |label: &str, now: &str, before: &str| Row {
            label: label.to_owned(),
            values: vec![now.to_owned(), before.to_owned()],
        };
        Self {
            title: "Complaints report, 1 April 2025 to 31 March 2026".to_owned(),
            columns: vec!["2025-26".to_owned(), "2024-25".to_owned()],
            tables: vec![Table {
                title: "Complaints, comments and compliments received".to_owned(),
                rows: vec![
                    row("Complaints", "202", "205"),
                    row("Compliments", "108", "82"),
                ],
            }],
            upheld_without_learning: vec!["CSC-2025-0001".to_owned()],
            comparison: Some("Compared with 1 April 2024 to 31 March 2025.".to_owned()),
        }
    }
}
