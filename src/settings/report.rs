//! `[report]`: the council's size, for the annual report's rates per
//! 1,000 contacts and per 1,000 residents (the Scottish and Welsh
//! ombudsmen publish complaints per 1,000 population).

use serde::Serialize;

use super::reader::{Reader, string};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReportSettings {
    /// Contacts with the council in the report's year; `None`: not set.
    pub contacts: Option<u64>,
    /// Residents (the mid-year population estimate); `None`: not set.
    pub population: Option<u64>,
}

pub(super) fn read_report(r: &mut Reader) -> ReportSettings {
    ReportSettings {
        contacts: r.get("report.contacts", count),
        population: r.get("report.population", count),
    }
}

/// A whole number; 0 or empty means not set (`None`), since the defaults
/// need a value and an environment variable can only be emptied.
fn count(value: &config::Value) -> Result<Option<u64>, String> {
    let raw = string(value)?;
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let n: u64 = raw
        .replace(',', "")
        .parse()
        .map_err(|_| format!("{raw:?} is not a whole number (0 or empty: not set)"))?;
    Ok(Some(n).filter(|&n| n > 0))
}
