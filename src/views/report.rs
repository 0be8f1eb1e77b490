//! The annual report as a document, as `report.html` is given it (and the
//! Markdown and the workbook are written from it).

use serde::Serialize;

/// A report a complaints manager can attach to a committee paper: a
/// title, then sections that each open with sentences comparing the
/// period with the one before, then their tables and charts.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub title: String,
    /// The period in words: "1 April 2025 to 31 March 2026".
    pub period: String,
    /// Which period it is compared with, or that there were no figures for
    /// it.
    pub comparison: String,
    /// The first is the summary of key figures.
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The fragment the contents links to: `received`, `timeliness`.
    pub id: String,
    pub heading: String,
    /// Generated sentences, one paragraph each.
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
    pub charts: Vec<Chart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// "Table 3: Responses within the time allowed".
    pub caption: String,
    /// The header row: the row labels' heading, then one per period.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: String,
    /// One cell per period.
    pub cells: Vec<Cell>,
}

/// A figure as shown, and as a number for the workbook.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    #[serde(skip)]
    pub value: Value,
}

/// A cell's figure: the workbook writes a count as a whole number and a
/// share as a fraction formatted as a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(u64),
    /// A percentage, `None` where there is nothing to take a share of.
    Share(Option<f64>),
    /// A mean, median or rate, to one decimal place.
    Decimal(Option<f64>),
}

/// An inline SVG chart; its `<title>` and `<desc>` give its numbers in
/// words for screen readers, and a table beside it gives them too.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// "Figure 1: Complaints received by kind".
    pub caption: String,
    pub svg: String,
}

impl Document {
    /// A small document for checking the HTML template when it is loaded.
    pub fn sample() -> Self {
        let cell = |n: u64| Cell {
            text: n.to_string(),
            value: Value::Count(n),
        };
        let table = Table {
            caption: "Table 1: Key figures".to_owned(),
            columns: vec![
                "Measure".to_owned(),
                "2025/26".to_owned(),
                "2024/25".to_owned(),
            ],
            rows: vec![Row {
                label: "Complaints received".to_owned(),
                cells: vec![cell(202), cell(205)],
            }],
        };
        Self {
            title: "Complaints, comments and compliments: annual report 2025/26".to_owned(),
            period: "1 April 2025 to 31 March 2026".to_owned(),
            comparison: "Compared with 2024/25 (1 April 2024 to 31 March 2025).".to_owned(),
            sections: vec![Section {
                id: "summary".to_owned(),
                heading: "Summary".to_owned(),
                paragraphs: vec![
                    "The number of complaints received fell from 205 to 202, a reduction of 1%."
                        .to_owned(),
                ],
                tables: vec![table],
                charts: vec![Chart {
                    caption: "Figure 1: Complaints received".to_owned(),
                    svg: "<svg role=\"img\" aria-label=\"Complaints received\"></svg>".to_owned(),
                }],
            }],
        }
    }
}
