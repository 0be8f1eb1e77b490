//! The days a report covers, and the period it is compared with.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// The days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `None` when `from` is after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Self> {
        (from <= to).then_some(Self { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.from..=self.to).contains(&day)
    }

    /// The period this one is compared with: the same dates a year
    /// earlier, where the last day of a month stays the last day of its
    /// month. So a financial year compares with the financial year before
    /// (2024-04-01..2025-03-31 with 2023-04-01..2024-03-31, whatever leap
    /// day lies between), a month or quarter with the same month or quarter
    /// a year earlier (February 2024 with 1-28 February 2023), and any other
    /// span with the same dates a year earlier. That is the comparison a
    /// complaints manager makes: complaints follow the school and council
    /// year, so "the same time last year" is fair where "the weeks just
    /// before" is not, and it keeps a year-to-date report next to last
    /// year's to date. A period longer than a year goes back as many whole
    /// years as it needs not to overlap itself. `None` only at the ends of
    /// the calendar.
    pub fn previous(&self) -> Option<Self> {
        let mut years = 1;
        loop {
            let to = years_before(self.to, years)?;
            if to < self.from {
                let from = years_before(self.from, years)?;
                return Some(Self { from, to });
            }
            years += 1;
        }
    }

    /// The smallest period covering both.
    pub fn span(&self, other: &Self) -> Self {
        Self {
            from: self.from.min(other.from),
            to: self.to.max(other.to),
        }
    }

    /// How the tables head the period's column.
    pub fn label(&self) -> String {
        format!("{} to {}", self.from, self.to)
    }
}

/// `day` the given number of years earlier; the last day of a month maps
/// to the last day of that month (29 February 2024 and 28 February 2025
/// both end a February).
fn years_before(day: NaiveDate, years: u32) -> Option<NaiveDate> {
    let months = Months::new(years.checked_mul(12)?);
    let next = day.succ_opt()?;
    if next.month() == day.month() {
        // Not a month's end: chrono moves a 29 February to the 28th.
        day.checked_sub_months(months)
    } else {
        next.checked_sub_months(months)?.pred_opt()
    }
}
