//! The report's words: sentences that compare a figure with the previous
//! period's, as a complaints manager writes them for a committee ("The
//! number of complaints received fell from 205 to 202, a reduction of
//! 1%."). Pure: numbers in, English out.
//!
//! A count changes by *per cent* of what it was; a share changes by
//! *percentage points* (41% against 51% is a fall of 10 points, not of
//! 20%), and readers of council papers are quick to spot the difference.

use super::Period;
use crate::format::percent;

/// A thing counted, singular and plural: "response", "responses".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    pub one: &'static str,
    pub many: &'static str,
}

impl Noun {
    pub const fn new(one: &'static str, many: &'static str) -> Self {
        Self { one, many }
    }

    /// The form that goes with `n`: "1 response", "0 responses".
    pub fn of(&self, n: u64) -> &'static str {
        if n == 1 { self.one } else { self.many }
    }
}

/// What a figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Before<'a, T> {
    /// The previous period's figure, and that period in words ("2024/25").
    Was { value: T, period: &'a str },
    /// The previous period had no data at all (casewatch holds no cases
    /// that old): saying "up from 0" would claim a year without complaints.
    NoFigures { period: &'a str },
    /// As `NoFigures`, where the reader has been told so already: the
    /// figure stands alone rather than repeat it in every sentence.
    Unstated,
}

impl<'a, T> Before<'a, T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Before<'a, U> {
        match self {
            Self::Was { value, period } => Before::Was {
                value: f(value),
                period,
            },
            Self::NoFigures { period } => Before::NoFigures { period },
            Self::Unstated => Before::Unstated,
        }
    }
}

/// A count of things that happened in a period: "complaints" "received".
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub noun: Noun,
    /// What happened to them, after the noun: "received", "complimented".
    pub verb: &'static str,
}

/// A count compared with the previous period's.
pub fn count(what: &Counted, now: u64, before: Before<'_, u64>) -> String {
    let subject = format!("The number of {} {}", what.noun.many, what.verb);
    match before {
        Before::Was { value, .. } if value == now => {
            format!("{subject} was unchanged at {}.", number(now))
        }
        Before::Was { value: 0, .. } => {
            format!("{subject} rose from none to {}.", number(now))
        }
        Before::Was { value, .. } => {
            let (direction, change) = if now > value {
                ("rose", "an increase")
            } else {
                ("fell", "a reduction")
            };
            format!(
                "{subject} {direction} from {} to {}, {change} of {}.",
                number(value),
                number(now),
                per_cent_change(value, now)
            )
        }
        Before::NoFigures { period } => format!(
            "{}; there are no comparable figures for {period}.",
            there_were(what, now)
        ),
        Before::Unstated => format!("{}.", there_were(what, now)),
    }
}

/// "There were 3 complaints received in the period".
fn there_were(what: &Counted, n: u64) -> String {
    format!(
        "There {} {} {} {} in the period",
        was(n),
        amount(n),
        what.noun.of(n),
        what.verb
    )
}

/// A part of a whole: "83 of 202 responses (41%) were answered within 20
/// working days".
#[derive(Debug, Clone, Copy)]
pub struct ShareOf {
    /// The whole, counted: "response over 20 working days".
    pub whole: Noun,
    /// What the part did, after "was" or "were": "answered within 20
    /// working days".
    pub predicate: &'static str,
}

/// A part of a whole, its share compared with the previous period's share
/// (`None` there when the previous period had none of the whole).
pub fn share(what: &ShareOf, part: u64, whole: u64, before: Before<'_, Option<f64>>) -> String {
    let Some(now) = percent(part, whole) else {
        return format!("There were no {} in the period.", what.whole.many);
    };
    format!(
        "{} of {} {} ({}) {} {}{}.",
        number(part),
        number(whole),
        what.whole.of(whole),
        pct(now),
        was(part),
        what.predicate,
        compared_share(now, before)
    )
}

/// A share known only as a percentage: "33.3% of corporate complaints with
/// an outcome were upheld or partly upheld"; `of` is the whole in the
/// plural, `predicate` what the share did.
pub fn rate(
    of: &str,
    predicate: &str,
    now: Option<f64>,
    before: Before<'_, Option<f64>>,
) -> String {
    match now {
        Some(now) => format!(
            "{} of {of} were {predicate}{}.",
            pct(now),
            compared_share(now, before)
        ),
        None => format!("There were no {of} in the period."),
    }
}

/// ", compared with 51% in 2024/25, a fall of 10 percentage points", or
/// why there is nothing to compare with.
fn compared_share(now: f64, before: Before<'_, Option<f64>>) -> String {
    match before {
        Before::Was {
            value: Some(then),
            period,
        } => {
            let points = tenths(now) - tenths(then);
            let change = match points {
                0 => return format!(", the same as in {period}"),
                p if p > 0 => "a rise",
                _ => "a fall",
            };
            format!(
                ", compared with {} in {period}, {change} of {}",
                pct(then),
                points_text(points.unsigned_abs())
            )
        }
        Before::Was {
            value: None,
            period,
        } => format!("; there is no comparable figure for {period}"),
        Before::NoFigures { period } => {
            format!("; there are no comparable figures for {period}")
        }
        Before::Unstated => String::new(),
    }
}

/// "a", "a and b", "a, b and c".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A count as a reader expects it in a sentence: "1,234".
pub fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count of things as a sentence's subject: "no", "1", "1,234".
fn amount(n: u64) -> String {
    if n == 0 { "no".to_owned() } else { number(n) }
}

/// A share in a sentence: "41%", "62.5%" (the figures' one decimal place,
/// without a trailing ".0").
pub fn pct(p: f64) -> String {
    let t = tenths(p);
    if t % 10 == 0 {
        format!("{}%", t / 10)
    } else {
        format!("{}.{}%", t / 10, (t % 10).abs())
    }
}

/// A percentage in tenths of a point: the figures are rounded to one
/// decimal place, so this is exact.
fn tenths(p: f64) -> i64 {
    (p * 10.0).round() as i64
}

/// "1 percentage point", "10 percentage points", "0.5 percentage points".
fn points_text(tenths: u64) -> String {
    if tenths == 10 {
        return "1 percentage point".to_owned();
    }
    match tenths % 10 {
        0 => format!("{} percentage points", tenths / 10),
        d => format!("{}.{d} percentage points", tenths / 10),
    }
}

/// How much a count changed, as a whole per cent of what it was (halves
/// up): "12%", or "less than 1%" for a change too small to round to 1.
fn per_cent_change(before: u64, now: u64) -> String {
    let diff = before.abs_diff(now);
    let whole = (diff * 200 + before) / (2 * before);
    if whole == 0 {
        "less than 1%".to_owned()
    } else {
        format!("{}%", number(whole))
    }
}

/// The verb that agrees with a count: "1 was", "0 were", "2 were".
fn was(n: u64) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

/// A period as a committee names it: "2025/26" for a council (financial)
/// year, else "1 February 2025 to 28 February 2025".
pub fn period_name(period: &Period) -> String {
    use chrono::Datelike;
    let (from, to) = (period.from, period.to);
    let financial_year = (from.month(), from.day()) == (4, 1)
        && (to.month(), to.day()) == (3, 31)
        && to.year() == from.year() + 1;
    if financial_year {
        format!("{}/{:02}", from.year(), to.year().rem_euclid(100))
    } else {
        long_period(period)
    }
}

/// "1 April 2025 to 31 March 2026".
pub fn long_period(period: &Period) -> String {
    format!(
        "{} to {}",
        period.from.format("%-d %B %Y"),
        period.to.format("%-d %B %Y")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPLAINTS: Counted = Counted {
        noun: Noun::new("complaint", "complaints"),
        verb: "received",
    };
    const WITHIN_20: ShareOf = ShareOf {
        whole: Noun::new("response", "responses"),
        predicate: "sent within 20 working days",
    };

    fn was<T>(value: T) -> Before<'static, T> {
        Before::Was {
            value,
            period: "2024/25",
        }
    }

    const NONE: Before<'static, u64> = Before::NoFigures { period: "2024/25" };

    #[test]
    fn a_count_rises_falls_or_stays_the_same() {
        assert_eq!(
            count(&COMPLAINTS, 202, was(205)),
            "The number of complaints received fell from 205 to 202, a reduction of 1%."
        );
        assert_eq!(
            count(&COMPLAINTS, 108, was(82)),
            "The number of complaints received rose from 82 to 108, an increase of 32%."
        );
        assert_eq!(
            count(&COMPLAINTS, 202, was(202)),
            "The number of complaints received was unchanged at 202."
        );
        // From nothing, no percentage can be had.
        assert_eq!(
            count(&COMPLAINTS, 3, was(0)),
            "The number of complaints received rose from none to 3."
        );
        assert_eq!(
            count(&COMPLAINTS, 0, was(4)),
            "The number of complaints received fell from 4 to 0, a reduction of 100%."
        );
        assert_eq!(
            count(&COMPLAINTS, 1001, was(1000)),
            "The number of complaints received rose from 1,000 to 1,001, an increase of less than 1%."
        );
    }

    #[test]
    fn a_count_with_no_previous_figures_says_so_in_the_singular_or_plural() {
        assert_eq!(
            count(&COMPLAINTS, 1, NONE),
            "There was 1 complaint received in the period; there are no comparable figures for 2024/25."
        );
        assert_eq!(
            count(&COMPLAINTS, 2, NONE),
            "There were 2 complaints received in the period; there are no comparable figures for 2024/25."
        );
        assert_eq!(
            count(&COMPLAINTS, 0, NONE),
            "There were no complaints received in the period; there are no comparable figures for 2024/25."
        );
        // Once the reader knows, the figure stands alone.
        assert_eq!(
            count(&COMPLAINTS, 1, Before::Unstated),
            "There was 1 complaint received in the period."
        );
        assert_eq!(
            share(&WITHIN_20, 2, 3, Before::Unstated),
            "2 of 3 responses (66.7%) were sent within 20 working days."
        );
    }

    #[test]
    fn a_share_changes_by_percentage_points() {
        assert_eq!(
            share(&WITHIN_20, 83, 202, was(Some(51.0))),
            "83 of 202 responses (41.1%) were sent within 20 working days, compared with 51% in 2024/25, a fall of 9.9 percentage points."
        );
        assert_eq!(
            share(&WITHIN_20, 5, 8, was(Some(61.5))),
            "5 of 8 responses (62.5%) were sent within 20 working days, compared with 61.5% in 2024/25, a rise of 1 percentage point."
        );
        assert_eq!(
            share(&WITHIN_20, 1, 2, was(Some(50.0))),
            "1 of 2 responses (50%) was sent within 20 working days, the same as in 2024/25."
        );
        assert_eq!(
            share(&WITHIN_20, 1, 1, was(None)),
            "1 of 1 response (100%) was sent within 20 working days; there is no comparable figure for 2024/25."
        );
        assert_eq!(
            share(&WITHIN_20, 0, 3, Before::NoFigures { period: "2024/25" }),
            "0 of 3 responses (0%) were sent within 20 working days; there are no comparable figures for 2024/25."
        );
        assert_eq!(
            share(&WITHIN_20, 0, 0, was(Some(50.0))),
            "There were no responses in the period."
        );
    }

    #[test]
    fn a_rate_known_only_as_a_percentage() {
        assert_eq!(
            rate(
                "corporate complaints with an outcome",
                "upheld or partly upheld",
                Some(33.3),
                was(Some(50.0))
            ),
            "33.3% of corporate complaints with an outcome were upheld or partly upheld, compared with 50% in 2024/25, a fall of 16.7 percentage points."
        );
        assert_eq!(
            rate(
                "housing complaints with an outcome",
                "upheld",
                None,
                was(None)
            ),
            "There were no housing complaints with an outcome in the period."
        );
    }

    #[test]
    fn lists_numbers_and_periods_read_as_english() {
        let items = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(list(&items(&[])), "");
        assert_eq!(list(&items(&["a"])), "a");
        assert_eq!(list(&items(&["a", "b"])), "a and b");
        assert_eq!(list(&items(&["a", "b", "c"])), "a, b and c");
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1234567), "1,234,567");
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(66.7), "66.7%");
        let day = |s: &str| s.parse().unwrap();
        let year = Period::new(day("2025-04-01"), day("2026-03-31")).unwrap();
        assert_eq!(period_name(&year), "2025/26");
        let year = Period::new(day("1999-04-01"), day("2000-03-31")).unwrap();
        assert_eq!(period_name(&year), "1999/00");
        let feb = Period::new(day("2025-02-01"), day("2025-02-28")).unwrap();
        assert_eq!(period_name(&feb), "1 February 2025 to 28 February 2025");
    }
}
