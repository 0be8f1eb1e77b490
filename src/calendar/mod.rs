//! The working-day calendar: which days count towards a complaint deadline,
//! and O(1) deadline and working-day-difference queries (pure: no I/O, no
//! clock).
//!
//! A working day is any day that is not a Saturday, a Sunday or a bank
//! holiday of the chosen [`Division`]. Good Friday, Christmas Day and Boxing
//! Day are always non-working; Christmas Eve is a working day.
//!
//! Holidays come from, in order of precedence for each year:
//! an imported GOV.UK file covering that year ([`Source::Imported`]), the
//! shipped GOV.UK-format history 1995–2026 ([`Source::Builtin`]), or the
//! statutory rules for later years ([`Source::Rule`]); local closures
//! ([`Source::Local`]) are added on top.

mod data;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};

pub use data::{GovUkError, builtin_days, parse_govuk_json};

/// The first day the calendar answers for.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1995, 1, 1).expect("valid date");
/// The last day the calendar answers for; deadlines running past it are errors.
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2040, 12, 31).expect("valid date");

/// A UK bank-holiday calendar, as GOV.UK divides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Division {
    /// England and Wales (the default).
    #[default]
    EnglandAndWales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
}

/// Every division, in GOV.UK's order.
pub const DIVISIONS: [Division; 3] = [
    Division::EnglandAndWales,
    Division::Scotland,
    Division::NorthernIreland,
];

/// A division name that [`Division::parse`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown division {0:?}: expected england-and-wales (or england, ew), \
     scotland, or northern-ireland (or ni)"
)]
pub struct UnknownDivision(pub String);

impl Division {
    /// Parses a division name: `england-and-wales` (also `england`, `ew`),
    /// `scotland`, `northern-ireland` (also `ni`), ignoring case and
    /// surrounding spaces.
    ///
    /// # Errors
    /// [`UnknownDivision`] for any other text.
    pub fn parse(text: &str) -> Result<Self, UnknownDivision> {
        match text.trim().to_ascii_lowercase().as_str() {
            "england-and-wales" | "england" | "ew" => Ok(Self::EnglandAndWales),
            "scotland" => Ok(Self::Scotland),
            "northern-ireland" | "ni" => Ok(Self::NorthernIreland),
            _ => Err(UnknownDivision(text.to_owned())),
        }
    }

    /// The GOV.UK key: `england-and-wales`, `scotland` or `northern-ireland`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EnglandAndWales => "england-and-wales",
            Self::Scotland => "scotland",
            Self::NorthernIreland => "northern-ireland",
        }
    }

    /// The division for an exact GOV.UK key; no aliases, because a data file
    /// should say exactly what GOV.UK says.
    fn from_govuk_key(key: &str) -> Option<Self> {
        DIVISIONS.into_iter().find(|d| d.as_str() == key)
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Division {
    type Err = UnknownDivision;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// One bank holiday: its date and title.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HolidayDay {
    /// The day off.
    pub date: NaiveDate,
    /// GOV.UK's title, e.g. "Christmas Day (substitute day)".
    pub title: String,
}

impl HolidayDay {
    /// A holiday on `date` called `title`.
    #[must_use]
    pub fn new(date: NaiveDate, title: impl Into<String>) -> Self {
        Self {
            date,
            title: title.into(),
        }
    }
}

/// Where a non-working day in a [`Calendar`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The GOV.UK-format history shipped with casewatch.
    Builtin,
    /// The statutory rules: projected years, or Good Friday, Christmas Day
    /// or Boxing Day added because the data left them out.
    Rule,
    /// A GOV.UK file imported later, for the years it covers.
    Imported,
    /// A local closure given when the calendar was built.
    Local,
}

impl Source {
    /// How listings name the source.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Builtin => "built-in",
            Self::Rule => "rule",
            Self::Imported => "imported",
            Self::Local => "local closure",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-working day (other than an ordinary weekend) in force in a
/// calendar, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInForce {
    /// The holiday.
    pub day: HolidayDay,
    /// Its origin.
    pub source: Source,
}

/// A date the calendar cannot answer for. The range is always
/// [`FIRST_DAY`] to [`LAST_DAY`], so it is not carried: a small error keeps
/// the `Result` of every query small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// An input date outside the calendar's range.
    #[error(
        "{date} is outside the working-day calendar, which runs from {FIRST_DAY} to {LAST_DAY}"
    )]
    DateOutOfRange {
        /// The date asked about.
        date: NaiveDate,
    },
    /// A deadline that would fall after the calendar's last day.
    #[error(
        "the deadline {n} working days after {received} falls after {LAST_DAY}, the end of \
         the working-day calendar ({FIRST_DAY} to {LAST_DAY})"
    )]
    DeadlineOutOfRange {
        /// The day the case was received.
        received: NaiveDate,
        /// The number of working days allowed.
        n: u32,
    },
}

/// Position of a date in the calendar: days since [`FIRST_DAY`]. Counting
/// civil days (not 24-hour durations) keeps clock changes out of the sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct DayIndex(usize);

/// A working-day calendar for one division, [`FIRST_DAY`] to [`LAST_DAY`],
/// answering deadline queries in constant time.
#[derive(Debug, Clone)]
pub struct Calendar {
    division: Division,
    /// Every non-weekend-only closed day, weekend ones included.
    closed: BTreeMap<NaiveDate, DayInForce>,
    /// `prefix[i]` = number of working days in (FIRST_DAY, FIRST_DAY + i].
    prefix: Vec<u32>,
    /// `by_number[k - 1]` = the k-th working day after FIRST_DAY.
    by_number: Vec<NaiveDate>,
}

/// The built-in calendar for `division`: shipped history, then rules.
#[must_use]
pub fn builtin(division: Division) -> Calendar {
    Calendar::builtin(division)
}

impl Calendar {
    /// The built-in calendar for `division`, with no local closures.
    #[must_use]
    pub fn builtin(division: Division) -> Self {
        Self::build(division, &[], &[], &[])
    }

    /// The built-in calendar for `division` plus local closures.
    #[must_use]
    pub fn new(division: Division, local_closures: &[HolidayDay]) -> Self {
        Self::build(division, &[], &[], local_closures)
    }

    /// A calendar for `division` where, for each year in `override_years`,
    /// the `overrides` of that year replace the built-in (or rule) days;
    /// override days in years not listed are ignored. `local_closures` adds
    /// the council's own non-working days. Good Friday, Christmas Day and Boxing Day are
    /// always closed whatever the overrides say.
    #[must_use]
    pub fn build(
        division: Division,
        overrides: &[HolidayDay],
        override_years: &[i32],
        local_closures: &[HolidayDay],
    ) -> Self {
        let closed = closed_days(division, overrides, override_years, local_closures);
        let (prefix, by_number) = tables(&closed);
        Self {
            division,
            closed,
            prefix,
            by_number,
        }
    }

    /// The division this calendar is for.
    #[must_use]
    pub const fn division(&self) -> Division {
        self.division
    }

    /// Whether `date` is a working day.
    ///
    /// # Errors
    /// [`CalendarError::DateOutOfRange`] outside [`FIRST_DAY`]..=[`LAST_DAY`].
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        index(date)?;
        Ok(is_working(date, &self.closed))
    }

    /// The holiday or local closure on `date`, if any (weekends are not
    /// listed unless a holiday falls on them).
    #[must_use]
    pub fn holiday(&self, date: NaiveDate) -> Option<&DayInForce> {
        self.closed.get(&date)
    }

    /// The holidays and closures in force in `year`, by date, each with its
    /// source. Includes those falling at weekends.
    #[must_use]
    pub fn days_in_force(&self, year: i32) -> Vec<DayInForce> {
        self.closed
            .values()
            .filter(|d| d.day.date.year() == year)
            .cloned()
            .collect()
    }

    /// The `n`-th working day strictly after `received` (received is day 0).
    /// `n = 0` returns `received` itself, even at a weekend.
    ///
    /// # Errors
    /// [`CalendarError::DateOutOfRange`] if `received` is outside the
    /// calendar, [`CalendarError::DeadlineOutOfRange`] if the result would be.
    pub fn deadline(&self, received: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let DayIndex(i) = index(received)?;
        if n == 0 {
            return Ok(received);
        }
        let number = self.prefix[i] as usize + n as usize;
        self.by_number
            .get(number - 1)
            .copied()
            .ok_or(CalendarError::DeadlineOutOfRange { received, n })
    }

    /// The number of working days `d` with `a < d <= b`, or its negation
    /// when `b < a`; so `working_days_between(r, deadline(r, n)?) == n`.
    ///
    /// # Errors
    /// [`CalendarError::DateOutOfRange`] if either date is outside the
    /// calendar.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<i64, CalendarError> {
        let (DayIndex(a), DayIndex(b)) = (index(a)?, index(b)?);
        Ok(i64::from(self.prefix[b]) - i64::from(self.prefix[a]))
    }
}

/// Days since [`FIRST_DAY`], or an error naming the range.
fn index(date: NaiveDate) -> Result<DayIndex, CalendarError> {
    if (FIRST_DAY..=LAST_DAY).contains(&date) {
        let days = date.num_days_from_ce() - FIRST_DAY.num_days_from_ce();
        // In range, so non-negative: the conversion cannot fail.
        usize::try_from(days)
            .map(DayIndex)
            .map_err(|_| out_of_range(date))
    } else {
        Err(out_of_range(date))
    }
}

const fn out_of_range(date: NaiveDate) -> CalendarError {
    CalendarError::DateOutOfRange { date }
}

fn is_working(date: NaiveDate, closed: &BTreeMap<NaiveDate, DayInForce>) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !closed.contains_key(&date)
}

/// Every closed day in range, by date, choosing each year's source.
fn closed_days(
    division: Division,
    overrides: &[HolidayDay],
    override_years: &[i32],
    local_closures: &[HolidayDay],
) -> BTreeMap<NaiveDate, DayInForce> {
    let override_years: BTreeSet<i32> = override_years.iter().copied().collect();
    let builtin = builtin_days(division);
    let builtin_years = builtin.first().zip(builtin.last());
    let in_builtin = |year: i32| {
        builtin_years.is_some_and(|(a, b)| (a.date.year()..=b.date.year()).contains(&year))
    };

    let mut closed = BTreeMap::new();
    let mut add = |day: HolidayDay, source: Source| {
        if (FIRST_DAY..=LAST_DAY).contains(&day.date) {
            // First source wins: data before the always-closed days before
            // local closures, so each day keeps its most specific title.
            closed.entry(day.date).or_insert(DayInForce { day, source });
        }
    };
    for year in FIRST_DAY.year()..=LAST_DAY.year() {
        if override_years.contains(&year) {
            let days = overrides.iter().filter(|d| d.date.year() == year);
            days.for_each(|d| add(d.clone(), Source::Imported));
        } else if in_builtin(year) {
            let days = builtin.iter().filter(|d| d.date.year() == year);
            days.for_each(|d| add(d.clone(), Source::Builtin));
        } else {
            rules::rule_days(division, year)
                .into_iter()
                .for_each(|d| add(d, Source::Rule));
        }
        rules::always_closed(year)
            .into_iter()
            .for_each(|d| add(d, Source::Rule));
    }
    for day in local_closures {
        add(day.clone(), Source::Local);
    }
    closed
}

/// The prefix-count table and its inverse (see [`Calendar`]'s fields).
fn tables(closed: &BTreeMap<NaiveDate, DayInForce>) -> (Vec<u32>, Vec<NaiveDate>) {
    let mut prefix = vec![0];
    let mut by_number = Vec::new();
    let mut count = 0_u32;
    // FIRST_DAY itself is never strictly after any day in range, so it is
    // not counted.
    for date in FIRST_DAY.iter_days().skip(1).take_while(|d| *d <= LAST_DAY) {
        if is_working(date, closed) {
            by_number.push(date);
            count += 1;
        }
        prefix.push(count);
    }
    (prefix, by_number)
}
