use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

use super::ParseError;

/// Parses a civil date written `YYYY-MM-DD` (ISO), `DD/MM/YYYY` (as UK
/// spreadsheets write it) or `11 December 2026`. An impossible date such as 31/02/2026 is an
/// error, and so is a year not written in four digits: chrono would read
/// 09/03/26 as the year 26, which no complaint was made in.
pub fn parse_date(raw: &str) -> Result<NaiveDate, ParseError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(ParseError::new("is empty"));
    }
    let (format, year) = if value.contains('/') {
        ("%d/%m/%Y", value.rsplit('/').next())
    } else if value.bytes().any(|b| b.is_ascii_alphabetic()) {
        // "11 December 2026" (or "11 Dec 2026"), as the forms' hints write it.
        ("%d %B %Y", value.rsplit(' ').next())
    } else {
        ("%Y-%m-%d", value.split('-').next())
    };
    if !year.is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())) {
        return Err(ParseError::new(format!(
            "{value:?} is not a date (write the year in full: YYYY-MM-DD or DD/MM/YYYY)"
        )));
    }
    NaiveDate::parse_from_str(value, format).map_err(|_| {
        ParseError::new(format!(
            "{value:?} is not a date (write YYYY-MM-DD or DD/MM/YYYY, and check the day exists)"
        ))
    })
}

/// Today's civil date in Europe/London. Only the command-line edge calls
/// this; the core always receives "today" as an argument.
pub fn today_in_london() -> NaiveDate {
    london_time(Utc::now()).0
}

/// The Europe/London civil date and wall-clock time at `instant`.
pub fn london_time(instant: DateTime<Utc>) -> (NaiveDate, NaiveTime) {
    let local = instant.with_timezone(&London).naive_local();
    (local.date(), local.time())
}

/// The instant the Europe/London clocks show `time` on `day`. In the hour
/// skipped in spring the clocks have not reached it, so the instant they
/// jump past it is used; in the hour repeated in autumn, the first.
pub fn london_instant(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    match London.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // The gap is one hour; an hour later is past it.
        LocalResult::None => {
            let later = local + chrono::Duration::hours(1);
            London
                .from_local_datetime(&later)
                .earliest()
                .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_month_by_name() {
        let want = NaiveDate::from_ymd_opt(2026, 12, 11);
        assert_eq!(parse_date("11 December 2026").ok(), want);
        assert_eq!(parse_date(" 11 dec 2026 ").ok(), want);
        assert!(parse_date("31 February 2026").is_err());
        assert!(parse_date("11 December 26").is_err());
    }

    #[test]
    fn reads_both_spellings() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(parse_date("2026-03-09").unwrap(), d);
        assert_eq!(parse_date(" 09/03/2026 ").unwrap(), d);
    }

    #[test]
    fn london_wall_clock_follows_summer_time() {
        let eight = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        // A Monday in GMT and a Monday in BST.
        let winter = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let summer = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(
            london_instant(winter, eight).to_rfc3339(),
            "2026-11-30T08:00:00+00:00"
        );
        assert_eq!(
            london_instant(summer, eight).to_rfc3339(),
            "2026-06-01T07:00:00+00:00"
        );
        assert_eq!(london_time(london_instant(summer, eight)), (summer, eight));
        // 01:30 on 29 March 2026 never happened in London.
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let half_past_one = NaiveTime::from_hms_opt(1, 30, 0).unwrap();
        assert_eq!(
            london_instant(spring, half_past_one).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
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

    #[test]
    fn refuses_years_not_written_in_full() {
        for bad in [
            "09/03/26",
            "09/03/026",
            "26-03-09",
            "+2026-03-09",
            "-0026-03-09",
            "09/03/20261",
        ] {
            let error = parse_date(bad).expect_err(bad).to_string();
            assert!(
                error.contains("year in full") || error.contains("not a date"),
                "{bad}: {error}"
            );
        }
        assert_eq!(
            parse_date("09/03/2026").unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()
        );
    }
}
