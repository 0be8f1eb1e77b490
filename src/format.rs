//! How dates, deadlines and shares are written for people: in e-mails,
//! pages, the tracker and the report alike; and free text in a CSV cell.

use std::borrow::Cow;

use chrono::NaiveDate;

/// "Wednesday 25 November 2026": unambiguous to every reader.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// "3 working days overdue", "Due today", "Due in 1 working day".
pub fn status(left: i64) -> String {
    let days = |n: i64| {
        if n == 1 {
            "1 working day".to_owned()
        } else {
            format!("{n} working days")
        }
    };
    match left {
        0 => "Due today".to_owned(),
        n if n < 0 => format!("{} overdue", days(-n)),
        n => format!("Due in {}", days(n)),
    }
}

/// `part` as a percentage of `whole`, to one decimal place, halves rounded
/// up; `None` when `whole` is 0. Integer arithmetic, so 62.5 stays 62.5.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let tenths = (part * 2000 + whole) / (2 * whole);
    Some(tenths as f64 / 10.0)
}

/// A percentage as shown: "62.5%", or "-" where there is none.
pub fn percent_text(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |p| format!("{p:.1}%"))
}

/// A CSV cell as a spreadsheet must show it: text that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel
/// shows it rather than running it as a formula (OWASP's advice on CSV
/// injection: a team or a reason such as `=HYPERLINK(...)` comes from
/// whoever filled in the case system). The CSV writer still quotes the
/// cell where it needs to. Whole numbers are left alone: "-3" (working days
/// overdue) is no formula, and it must stay a number to sort and sum.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.parse::<i64>().is_err() {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_halves_up_to_one_place() {
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(1, 16), Some(6.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(0, 5), Some(0.0));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent_text(percent(5, 8)), "62.5%");
        assert_eq!(percent_text(None), "-");
    }

    #[test]
    fn status_counts_working_days_each_way() {
        assert_eq!(status(0), "Due today");
        assert_eq!(status(1), "Due in 1 working day");
        assert_eq!(status(-3), "3 working days overdue");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_start_with_a_quote() {
        for (raw, shown) in [
            (
                "=HYPERLINK(\"http://evil.test\",\"x\")",
                "'=HYPERLINK(\"http://evil.test\",\"x\")",
            ),
            ("+1+2", "'+1+2"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            // Whole numbers, dates and ordinary text stay as they are.
            ("-3", "-3"),
            ("+4", "+4"),
            ("12", "12"),
            ("2026-11-23", "2026-11-23"),
            ("Parks", "Parks"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(raw), shown, "{raw:?}");
        }
    }
}
