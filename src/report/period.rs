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

    /// Whether the period runs past `today`: its figures are not final.
    pub fn runs_past(&self, today: NaiveDate) -> bool {
        self.to > today
    }

    /// Whether a period compared with gives only part of the picture: it
    /// runs past `today`, or starts before `first_data`, the earliest day
    /// any stage casewatch holds was received (`None`: it holds none).
    ///
    /// The earliest stage received, not the first import or feed run: a
    /// council that loads its back years on the day it starts holds those
    /// years whole, and the report counts stages by the days they were
    /// received and answered, not by when they were loaded. (A lone older
    /// case loaded with the open ones makes an earlier year look whole;
    /// the first run's day would flag every loaded back year instead, which
    /// is the worse mistake for a report.)
    pub fn partial_comparison(&self, today: NaiveDate, first_data: Option<NaiveDate>) -> bool {
        self.runs_past(today) || first_data.is_none_or(|first| self.from < first)
    }

    /// The calendar quarters (January to March, ...) the period touches,
    /// each cut to the period's own days.
    pub fn quarters(&self) -> Vec<Period> {
        let mut quarters = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let end = quarter_end(start).min(self.to);
            quarters.push(Self {
                from: start,
                to: end,
            });
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        quarters
    }

    /// The calendar quarter the period starts in, e.g. "Apr–Jun 2026".
    pub fn quarter_label(&self) -> String {
        let first = (self.from.month0() / 3) * 3 + 1;
        let month = |m: u32| {
            NaiveDate::from_ymd_opt(self.from.year(), m, 1)
                .map_or_else(String::new, |d| d.format("%b").to_string())
        };
        format!("{}–{} {}", month(first), month(first + 2), self.from.year())
    }
}

/// The last day of the calendar quarter holding `day`.
fn quarter_end(day: NaiveDate) -> NaiveDate {
    let last_month = (day.month0() / 3) * 3 + 3;
    let next = match last_month {
        12 => NaiveDate::from_ymd_opt(day.year() + 1, 1, 1),
        m => NaiveDate::from_ymd_opt(day.year(), m + 1, 1),
    };
    next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
}

/// The period as the report's figures give it: its days, and whether it
/// runs past the day the report was made, so its figures are not final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub partial: bool,
}

impl ReportPeriod {
    pub fn new(days: Period, today: NaiveDate) -> Self {
        Self {
            from: days.from,
            to: days.to,
            partial: days.runs_past(today),
        }
    }

    pub fn days(&self) -> Period {
        Period {
            from: self.from,
            to: self.to,
        }
    }

    /// How the tables head the period's column.
    pub fn label(&self) -> String {
        self.days().label()
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
