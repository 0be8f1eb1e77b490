//! Parsed values of the complaints domain.
//!
//! Everything that arrives from a CSV file, a setting or the command line is
//! turned into one of these types once, at the boundary; code past that point
//! never re-checks a string.

mod case;
mod date;
mod email;
mod procedure;
mod records;
mod reminder;
mod standing;

pub use case::{Kind, Outcome, ParseError, Reference, Stage, Team, Via};
pub use date::{london_instant, london_time, parse_date, today_in_london};
pub use email::Email;
pub use procedure::{ClockStart, Preset, Terms};
pub use records::{CaseRecord, Staff, StageRecord};
pub use reminder::Reminder;
pub use standing::{OPEN_RULE, StageDates, Standing};

/// Folds a word from a spreadsheet into its canonical spelling:
/// case-insensitive, with spaces and hyphens accepted for underscores.
pub(crate) fn normalise_word(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}
