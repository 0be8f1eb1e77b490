//! The statutory and customary bank-holiday rules, used to project years
//! after the shipped data and to supply the days that are closed whatever a
//! data file says.
//!
//! One-off days (jubilees, royal weddings, moved holidays) are not rules: they
//! live only in the data, so projected years contain the regular days alone.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::{Division, HolidayDay};

/// Scotland's St Andrew's Day became a bank holiday under the St Andrew's Day
/// Bank Holiday (Scotland) Act 2007.
const FIRST_ST_ANDREWS_YEAR: i32 = 2007;

const SUBSTITUTE: &str = " (substitute day)";

/// The regular bank holidays of `division` in `year`, with substitute days,
/// sorted by date. Returns an empty list for years chrono cannot represent.
pub(crate) fn rule_days(division: Division, year: i32) -> Vec<HolidayDay> {
    let Some(easter) = easter_sunday(year) else {
        return Vec::new();
    };
    let mut days = Vec::new();
    match division {
        Division::Scotland => days.extend(pair(year, 1, 1, "New Year's Day", "2nd January")),
        _ => days.extend(single(ymd(year, 1, 1), "New Year's Day")),
    }
    if division == Division::NorthernIreland {
        days.extend(single(ymd(year, 3, 17), "St Patrick's Day"));
    }
    days.extend(day(easter.checked_sub_days(Days::new(2)), "Good Friday"));
    if division != Division::Scotland {
        days.extend(day(plus(easter, 1), "Easter Monday"));
    }
    days.extend(day(first_monday(year, 5), "Early May bank holiday"));
    days.extend(day(last_monday(year, 5), "Spring bank holiday"));
    if division == Division::NorthernIreland {
        days.extend(single(
            ymd(year, 7, 12),
            "Battle of the Boyne (Orangemen's Day)",
        ));
    }
    // Scotland's summer holiday is at the start of August, not the end.
    let summer = match division {
        Division::Scotland => first_monday(year, 8),
        _ => last_monday(year, 8),
    };
    days.extend(day(summer, "Summer bank holiday"));
    if division == Division::Scotland && year >= FIRST_ST_ANDREWS_YEAR {
        days.extend(single(ymd(year, 11, 30), "St Andrew's Day"));
    }
    days.extend(pair(year, 12, 25, "Christmas Day", "Boxing Day"));
    days.sort_by_key(|d| d.date);
    days
}

/// Good Friday, Christmas Day and Boxing Day: non-working days in every UK
/// calendar even when a data file leaves them out (for example because they
/// fall at a weekend and only the substitute is listed).
pub(crate) fn always_closed(year: i32) -> Vec<HolidayDay> {
    let mut days = Vec::new();
    if let Some(easter) = easter_sunday(year) {
        days.extend(day(easter.checked_sub_days(Days::new(2)), "Good Friday"));
    }
    days.extend(day(ymd(year, 12, 25), "Christmas Day"));
    days.extend(day(ymd(year, 12, 26), "Boxing Day"));
    days
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian
/// algorithm, also known as Meeus/Jones/Butcher).
pub(crate) fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

fn day(date: Option<NaiveDate>, title: &str) -> Option<HolidayDay> {
    date.map(|date| HolidayDay::new(date, title))
}

fn plus(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(days))
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1)
}

fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    // The fifth Monday if there is one, otherwise the fourth.
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 5)
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 4))
}

/// A holiday that moves to the next Monday when it falls at a weekend.
fn single(date: Option<NaiveDate>, title: &str) -> Option<HolidayDay> {
    let date = date?;
    match date.weekday() {
        Weekday::Sat => day(plus(date, 2), &format!("{title}{SUBSTITUTE}")),
        Weekday::Sun => day(plus(date, 1), &format!("{title}{SUBSTITUTE}")),
        _ => day(Some(date), title),
    }
}

/// Two holidays on consecutive dates (Christmas and Boxing Day, or 1 and
/// 2 January in Scotland). When either falls at a weekend the substitutes
/// take the next free weekdays, so the pair never lands on the same day.
fn pair(year: i32, month: u32, first_day: u32, first: &str, second: &str) -> Vec<HolidayDay> {
    let Some(a) = ymd(year, month, first_day) else {
        return Vec::new();
    };
    let sub = |title: &str| format!("{title}{SUBSTITUTE}");
    let days = match a.weekday() {
        // Sat + Sun: both move, in order, to Monday and Tuesday.
        Weekday::Sat => [day(plus(a, 2), &sub(first)), day(plus(a, 3), &sub(second))],
        // Sun + Mon: the second keeps Monday, the first moves to Tuesday.
        Weekday::Sun => [day(plus(a, 1), second), day(plus(a, 2), &sub(first))],
        // Fri + Sat: the second moves to Monday.
        Weekday::Fri => [day(Some(a), first), day(plus(a, 3), &sub(second))],
        _ => [day(Some(a), first), day(plus(a, 1), second)],
    };
    days.into_iter().flatten().collect()
}
