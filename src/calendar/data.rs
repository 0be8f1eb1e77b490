//! GOV.UK `bank-holidays.json` parsing, and the copy shipped in the binary.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{Division, HolidayDay};

/// The shipped history, 1995 to 2026, in GOV.UK's format.
pub(super) const BUILTIN_JSON: &str = include_str!("bank-holidays.json");

/// The shipped history, parsed once. A test proves the embedded file parses,
/// so the `expect` cannot fire in a released build.
static BUILTIN: LazyLock<Vec<(Division, HolidayDay)>> =
    LazyLock::new(|| parse_govuk_json(BUILTIN_JSON).expect("embedded bank-holidays.json is valid"));

/// The shipped bank holidays of `division`, sorted by date.
pub fn builtin_days(division: Division) -> Vec<HolidayDay> {
    BUILTIN
        .iter()
        .filter(|(d, _)| *d == division)
        .map(|(_, day)| day.clone())
        .collect()
}

/// Why a GOV.UK bank-holidays file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum GovUkError {
    /// Not JSON, or a required field (`division`, `events`, `title`, `date`)
    /// is missing or of the wrong type; serde's message names it.
    #[error("not a valid GOV.UK bank-holidays file: {0}")]
    Json(#[from] serde_json::Error),
    /// The file holds no divisions at all.
    #[error("the bank-holidays file lists no divisions")]
    NoDivisions,
    /// A top-level key is not one of GOV.UK's three divisions.
    #[error(
        "unknown division {0:?} in bank-holidays file \
         (expected england-and-wales, scotland or northern-ireland)"
    )]
    UnknownDivision(String),
    /// A division's `division` field disagrees with its key.
    #[error("division {key:?} has \"division\": {inner:?}; they must match")]
    DivisionMismatch {
        /// The top-level key.
        key: String,
        /// The value of the nested `division` field.
        inner: String,
    },
    /// An event's date is not a `YYYY-MM-DD` calendar date.
    #[error("{division}: event {title:?} has date {value:?}, which is not a YYYY-MM-DD date")]
    BadDate {
        /// The division the event is listed under.
        division: Division,
        /// The event's title.
        title: String,
        /// The date text as found.
        value: String,
    },
    /// An event has an empty title.
    #[error("{division}: the event on {date} has an empty title")]
    EmptyTitle {
        /// The division the event is listed under.
        division: Division,
        /// The event's date.
        date: NaiveDate,
    },
    /// A year is only partly listed: a file's days replace a whole year, so
    /// a year without its New Year and Christmas holidays would lose the rest.
    #[error(
        "{division}: {year} has no holiday on 1-4 January or 25-28 December, so the file does \
         not list that whole year; a file must list every bank holiday of each year it covers"
    )]
    PartialYear {
        /// The division the events are listed under.
        division: Division,
        /// The year.
        year: i32,
    },
    /// The same date appears twice in one division.
    #[error("{division}: {date} is listed more than once")]
    DuplicateDate {
        /// The division the event is listed under.
        division: Division,
        /// The repeated date.
        date: NaiveDate,
    },
}

#[derive(Deserialize)]
struct RawDivision {
    division: String,
    events: Vec<RawEvent>,
}

/// `notes` and `bunting` are presentational, so files without them are
/// still accepted.
#[derive(Deserialize)]
struct RawEvent {
    title: String,
    date: String,
    #[serde(default)]
    #[allow(dead_code, reason = "part of the format; validated for type only")]
    notes: String,
    #[serde(default)]
    #[allow(dead_code, reason = "part of the format; validated for type only")]
    bunting: bool,
}

/// Parses and validates a file in GOV.UK's `bank-holidays.json` format
/// (<https://www.gov.uk/bank-holidays.json>), returning each division's days
/// sorted by division and then date.
///
/// # Errors
/// [`GovUkError`] naming the first problem found: malformed JSON or a missing
/// field, an unknown division, a division whose inner name disagrees with its
/// key, an unparseable date, an empty title or a date listed twice.
pub fn parse_govuk_json(text: &str) -> Result<Vec<(Division, HolidayDay)>, GovUkError> {
    let raw: BTreeMap<String, RawDivision> = serde_json::from_str(text)?;
    if raw.is_empty() {
        return Err(GovUkError::NoDivisions);
    }
    let mut days = Vec::new();
    for (key, body) in raw {
        let division = Division::from_govuk_key(&key)
            .ok_or_else(|| GovUkError::UnknownDivision(key.clone()))?;
        if body.division != key {
            return Err(GovUkError::DivisionMismatch {
                key,
                inner: body.division,
            });
        }
        let events = parse_events(division, body.events)?;
        check_whole_years(division, &events)?;
        days.extend(events);
    }
    days.sort_by_key(|(division, day)| (*division, day.date));
    Ok(days)
}

fn parse_events(
    division: Division,
    events: Vec<RawEvent>,
) -> Result<Vec<(Division, HolidayDay)>, GovUkError> {
    let mut seen = BTreeSet::new();
    let mut days = Vec::with_capacity(events.len());
    for event in events {
        let date = parse_date(&event.date).ok_or_else(|| GovUkError::BadDate {
            division,
            title: event.title.clone(),
            value: event.date.clone(),
        })?;
        if event.title.trim().is_empty() {
            return Err(GovUkError::EmptyTitle { division, date });
        }
        if !seen.insert(date) {
            return Err(GovUkError::DuplicateDate { division, date });
        }
        days.push((division, HolidayDay::new(date, event.title)));
    }
    Ok(days)
}

/// Every year listed must have its New Year's Day and Christmas Day (or
/// their substitutes), which every UK division has every year.
fn check_whole_years(
    division: Division,
    days: &[(Division, HolidayDay)],
) -> Result<(), GovUkError> {
    let years: BTreeSet<i32> = days.iter().map(|(_, d)| d.date.year()).collect();
    let near = |year: i32, month: u32, first: u32| {
        days.iter().any(|(_, d)| {
            d.date.year() == year
                && d.date.month() == month
                && (first..first + 4).contains(&d.date.day())
        })
    };
    match years
        .into_iter()
        .find(|&y| !(near(y, 1, 1) && near(y, 12, 25)))
    {
        Some(year) => Err(GovUkError::PartialYear { division, year }),
        None => Ok(()),
    }
}

/// Strict `YYYY-MM-DD`: chrono alone would also accept `2024-1-5`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}
