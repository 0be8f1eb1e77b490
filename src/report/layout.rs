//! The tables both the Markdown and the HTML report show, laid out from
//! the figures.

use std::collections::{BTreeMap, BTreeSet};

use super::{COMPLAINT_KINDS, Figures, Period};
use crate::format::percent_text;
use crate::views::report::{Layout, Row, Table};

// The layout's shape is `views::report::Layout`, what the HTML template is
// given; filling it in from the figures, and writing it as Markdown, is the
// report's.
impl Layout {
    /// Lays out `current`, with `previous` beside it when given;
    /// `reason_label` turns a reason category's short name into words.
    pub fn new(
        current: &Figures,
        previous: Option<&Figures>,
        reason_label: &dyn Fn(&str) -> String,
    ) -> Self {
        let periods: Vec<&Figures> = std::iter::once(current).chain(previous).collect();
        let tables = vec![
            received_table(&periods),
            responses_table(&periods),
            upheld_table(&periods),
            keyed_table(
                "Reasons given for late responses",
                &periods,
                |f| &f.reason_categories,
                reason_label,
            ),
            keyed_table(
                "Complaints by category",
                &periods,
                |f| &f.categories,
                &str::to_owned,
            ),
        ];
        Self {
            title: format!("Complaints report, {}", long_period(&current.period.days())),
            columns: periods.iter().map(|f| f.period.label()).collect(),
            tables,
            upheld_without_learning: current.upheld_without_learning.clone(),
            comparison: previous
                .map(|f| format!("Compared with {}.", long_period(&f.period.days()))),
        }
    }

    /// Says that `previous`, the period the report is compared with, had
    /// no figures: it has no column, but a reader should know it was looked at.
    pub fn without_figures_for(mut self, previous: Period) -> Self {
        self.comparison = Some(format!(
            "No figures for {} to compare with.",
            long_period(&previous)
        ));
        self
    }

    /// The layout as Markdown: a heading and one table per section.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        if let Some(comparison) = &self.comparison {
            out.push_str(&format!("\n{comparison}\n"));
        }
        for table in &self.tables {
            out.push_str(&format!("\n## {}\n\n", table.title));
            out.push_str(&md_row("", &self.columns));
            out.push_str(&format!("|---|{}\n", "---:|".repeat(self.columns.len())));
            for row in &table.rows {
                out.push_str(&md_row(&row.label, &row.values));
            }
        }
        out.push_str("\n## Upheld or partly upheld with no learning recorded\n\n");
        if self.upheld_without_learning.is_empty() {
            out.push_str("None.\n");
        }
        for reference in &self.upheld_without_learning {
            out.push_str(&format!("- {}\n", md_item(reference)));
        }
        out
    }
}

/// "1 April 2025 to 31 March 2026".
fn long_period(period: &Period) -> String {
    format!(
        "{} to {}",
        period.from.format("%-d %B %Y"),
        period.to.format("%-d %B %Y")
    )
}

fn md_row(label: &str, values: &[String]) -> String {
    let cells: Vec<String> = values.iter().map(|v| md_cell(v)).collect();
    format!("| {} | {} |\n", md_cell(label), cells.join(" | "))
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

/// A list item's text: as a cell, and a leading `#`, `+` or `-`, or digits
/// and `.` or `)`, escaped so the item does not turn into a heading or a
/// nested list.
fn md_item(text: &str) -> String {
    let cell = md_cell(text);
    let digits = cell.len() - cell.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = match cell[digits..].chars().next() {
        Some('#' | '+' | '-') if digits == 0 => Some(0),
        Some('.' | ')') if digits > 0 => Some(digits),
        _ => None,
    };
    match marker {
        Some(at) => format!("{}\\{}", &cell[..at], &cell[at..]),
        None => cell,
    }
}

fn row(label: &str, periods: &[&Figures], value: impl Fn(&Figures) -> String) -> Row {
    Row {
        label: label.to_owned(),
        values: periods.iter().map(|f| value(f)).collect(),
    }
}

/// A mean, median or rate: "20.5", or "-" where there is none.
fn one_decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"))
}

/// A count with its share, e.g. "5 (62.5%)".
fn share(n: u64, of: Option<f64>) -> String {
    format!("{n} ({})", percent_text(of))
}

fn received_table(periods: &[&Figures]) -> Table {
    let mut rows = vec![row("Complaints", periods, |f| {
        f.complaints.total.to_string()
    })];
    for kind in COMPLAINT_KINDS {
        rows.push(row(kind.label(), periods, |f| {
            f.complaints
                .by_kind
                .get(kind)
                .copied()
                .unwrap_or(0)
                .to_string()
        }));
    }
    rows.extend([
        row("Stage 2 requests", periods, |f| f.stage2.to_string()),
        row("Stage 3 requests", periods, |f| f.stage3.to_string()),
        row("Comments", periods, |f| f.comments.to_string()),
        row("Compliments", periods, |f| f.compliments.to_string()),
        row("Teams complimented", periods, |f| {
            f.compliment_teams.to_string()
        }),
        row("Complaints per 1,000 contacts", periods, |f| {
            one_decimal(f.rates.complaints_per_1000_contacts)
        }),
        row("Complaints per 1,000 residents", periods, |f| {
            one_decimal(f.rates.complaints_per_1000_residents)
        }),
    ]);
    Table {
        title: "Received".to_owned(),
        rows,
    }
}

fn responses_table(periods: &[&Figures]) -> Table {
    Table {
        title: "Responses".to_owned(),
        rows: vec![
            row("Responses", periods, |f| f.responses.to_string()),
            row("Within 20 working days", periods, |f| {
                share(f.within_20_working_days, f.within_20_working_days_pct)
            }),
            row("Over 20 working days", periods, |f| {
                f.over_20_working_days.to_string()
            }),
            row("Over 20, with a reason for the delay", periods, |f| {
                share(f.over_20_with_reason, f.over_20_with_reason_pct)
            }),
            row("Late (after their own deadline)", periods, |f| {
                f.late.to_string()
            }),
            row("Late, with a reason for the delay", periods, |f| {
                share(f.late_with_reason, f.late_with_reason_pct)
            }),
            row("Late, no reason given", periods, |f| {
                f.late_without_reason.to_string()
            }),
            row("Average (mean) working days to respond", periods, |f| {
                one_decimal(f.working_days_to_respond.mean)
            }),
            row("Median working days to respond", periods, |f| {
                one_decimal(f.working_days_to_respond.median)
            }),
            row("Withdrawn (not responses)", periods, |f| {
                f.withdrawn.to_string()
            }),
            row(
                "No longer in the case system, no response recorded",
                periods,
                |f| f.left_case_system.to_string(),
            ),
            row("Responses after an extension", periods, |f| {
                f.extended.to_string()
            }),
            row("Acknowledged within the procedure's time", periods, |f| {
                share(f.acknowledged_on_time, f.acknowledged_on_time_pct)
            }),
        ]
        .into_iter()
        .chain((0..3).map(|i| {
            row(
                &format!("Stage {} answered within its procedure's time", i + 1),
                periods,
                move |f| {
                    let s = f.by_stage.all()[i];
                    share(s.within_timescale, s.within_timescale_pct)
                },
            )
        }))
        .collect(),
    }
}

fn upheld_table(periods: &[&Figures]) -> Table {
    let mut rows: Vec<Row> = COMPLAINT_KINDS
        .into_iter()
        .map(|kind| {
            row(kind.label(), periods, |f| {
                percent_text(f.upheld_or_partly_pct.get(kind).copied().flatten())
            })
        })
        .collect();
    rows.push(row("With no learning recorded", periods, |f| {
        f.upheld_without_learning.len().to_string()
    }));
    Table {
        title: "Upheld or partly upheld (of responses with an outcome)".to_owned(),
        rows,
    }
}

/// One row per key found in any period; 0 where a period lacks it.
fn keyed_table(
    title: &str,
    periods: &[&Figures],
    counts: impl Fn(&Figures) -> &BTreeMap<String, u64>,
    label: &dyn Fn(&str) -> String,
) -> Table {
    let keys: BTreeSet<&String> = periods.iter().flat_map(|f| counts(f).keys()).collect();
    let rows = keys
        .into_iter()
        .map(|key| {
            row(&label(key), periods, |f| {
                counts(f).get(key).copied().unwrap_or(0).to_string()
            })
        })
        .collect();
    Table {
        title: title.to_owned(),
        rows,
    }
}
