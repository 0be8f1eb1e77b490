//! The annual complaints report: the figures a council publishes for a
//! period, and the tables both the Markdown and the HTML report show (pure:
//! stage facts in, figures out; no I/O, no clock).
//!
//! Stages are folded into a [`Tally`] one at a time, so memory stays flat
//! however many stages the store holds. A tally keeps only what the report
//! lists: the teams complimented, the complaint and reason categories, and
//! the references upheld without learning.

//!
//! `period.rs` holds the days a report covers and the period it is
//! compared with, `figures.rs` the tally and its figures, `breakdown.rs`
//! the finer figures the publishable document shows (by kind and stage,
//! team, quarter, learning, rates), `layout.rs` the tables both documents
//! show.

mod breakdown;
mod figures;
mod layout;
mod period;

pub use crate::views::report::{Layout, Row, Table};
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
