//! The annual complaints report: the figures a council publishes for a
//! period, and the document a scrutiny committee reads (pure: stage facts
//! in, figures out, then sentences, tables and charts; no I/O, no clock).
//!
//! Stages are folded into a [`Tally`] one at a time, so memory stays flat
//! however many stages the store holds. A tally keeps only what the report
//! lists: the teams complimented, the complaint and reason categories, and
//! the references upheld without learning.
//!
//! `period.rs` holds the days a report covers and the period it is
//! compared with, `figures.rs` the tally and its figures, `breakdown.rs`
//! the finer figures (by kind and stage, team, quarter, learning, rates);
//! `document.rs` lays the figures out as a document
//! (`views::report::Document`), in the words of `sentences.rs` with the
//! charts of `chart.rs`; `markdown.rs` and `xlsx.rs` write it as Markdown
//! and as a workbook, and the template `report.html` as HTML.

mod breakdown;
mod chart;
mod document;
mod figures;
mod markdown;
mod period;
pub mod sentences;
mod xlsx;

pub use crate::views::report::{Cell, Chart, Document, Row, Section, Table, Value};
pub use breakdown::{
    Average, Denominators, Learning, LearningEntry, Quarter, Rates, ResponseDays, StageOutcomes,
    StageTimeliness, TeamFigures, Timescale,
};
pub use figures::{
    ByKind, ByStage, COMPLAINT_KINDS, Compared, Complaints, Figures, HEADLINE_WORKING_DAYS,
    JsonReport, Report, StageFact, StageFigures, Tally, UNCATEGORISED,
};
pub use period::{Period, ReportPeriod};

#[cfg(test)]
mod tests;
