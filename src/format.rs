//! How dates, deadlines and shares are written for people: in e-mails,
//! pages, the tracker and the report alike.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_halves_up_to_one_place() {
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(1, 16), Some(6.3));
        assert_eq!(percent(2, 3), Some(66.7));
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
}
