use chrono::{NaiveDate, Utc};

use super::ParseError;

/// Parses a civil date written `YYYY-MM-DD` (ISO) or `DD/MM/YYYY` (as UK
/// spreadsheets write it). An impossible date such as 31/02/2026 is an error.
pub fn parse_date(raw: &str) -> Result<NaiveDate, ParseError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ParseError::new("is empty"));
    }
    let format = if value.contains('/') {
        "%d/%m/%Y"
    } else {
        "%Y-%m-%d"
    };
    NaiveDate::parse_from_str(value, format).map_err(|_| {
        ParseError::new(format!(
            "{value:?} is not a date (write YYYY-MM-DD or DD/MM/YYYY, and check the day exists)"
        ))
    })
}

/// Today's civil date in Europe/London. Only the command-line edge calls
/// this; the core always receives "today" as an argument.
pub fn today_in_london() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_spellings() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(parse_date("2026-03-09").unwrap(), d);
        assert_eq!(parse_date(" 09/03/2026 ").unwrap(), d);
    }

    #[test]
    fn refuses_impossible_dates() {
        for bad in [
            "2026-02-30",
            "31/02/2026",
            "2026-13-01",
            "tomorrow",
            "2026/03/09",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
