use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;

const REFERENCE_CSV: &str = include_str!("../../tests/data/bank-holidays-england-and-wales.csv");

/// Scotland's and Northern Ireland's weekday bank holidays 1995-2035 as
/// the `holidays` package for Python (0.109, `holidays.UK(subdiv=..)`)
/// lists them: a second source, kept apart from ours. One day is left out:
/// it lists St Andrew's Day 2006, a year before the St Andrew's Day Bank
/// Holiday (Scotland) Act 2007 made it a bank holiday.
const SCOTLAND_CSV: &str = include_str!("../../tests/data/bank-holidays-scotland.csv");
const NORTHERN_IRELAND_CSV: &str =
    include_str!("../../tests/data/bank-holidays-northern-ireland.csv");

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn reference_days() -> BTreeSet<NaiveDate> {
    days_of(REFERENCE_CSV)
}

/// The dates of a `date,name` file with a header line.
fn days_of(csv: &str) -> BTreeSet<NaiveDate> {
    csv.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| date(line.split(',').next().unwrap()))
        .collect()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

// ---------------------------------------------------------------- data

#[test]
fn embedded_json_parses_for_all_divisions_1995_to_2026() {
    let all = parse_govuk_json(data::BUILTIN_JSON).unwrap();
    for division in DIVISIONS {
        let days = builtin_days(division);
        assert!(all.iter().any(|(d, _)| *d == division));
        assert_eq!(days.first().unwrap().date.year(), 1995, "{division}");
        assert_eq!(days.last().unwrap().date.year(), 2026, "{division}");
    }
}

#[test]
fn england_and_wales_matches_reference_csv_every_day_1995_to_2035() {
    let reference = reference_days();
    let calendar = builtin(Division::EnglandAndWales);
    let mut day = date("1995-01-01");
    let last = date("2035-12-31");
    let mut checked = 0;
    while day <= last {
        if !is_weekend(day) {
            let listed = reference.contains(&day);
            assert_eq!(calendar.holiday(day).is_some(), listed, "holiday on {day}");
            assert_eq!(
                calendar.is_working_day(day).unwrap(),
                !listed,
                "working {day}"
            );
            checked += 1;
        }
        day = day.succ_opt().unwrap();
    }
    assert!(checked > 10_000);
    assert!(reference.iter().all(|d| !is_weekend(*d)));
}

#[test]
fn scotland_and_northern_ireland_match_a_second_source_1995_to_2035() {
    for (division, csv) in [
        (Division::Scotland, SCOTLAND_CSV),
        (Division::NorthernIreland, NORTHERN_IRELAND_CSV),
    ] {
        let reference = days_of(csv);
        let calendar = builtin(division);
        let mut day = date("1995-01-01");
        while day <= date("2035-12-31") {
            if !is_weekend(day) {
                let listed = reference.contains(&day);
                assert_eq!(
                    calendar.is_working_day(day).unwrap(),
                    !listed,
                    "{division} {day}"
                );
            }
            day = day.succ_opt().unwrap();
        }
        assert!(reference.len() > 350, "{division}");
    }
}

#[test]
fn england_and_wales_json_titles_match_reference_csv() {
    let csv: Vec<(NaiveDate, String)> = REFERENCE_CSV
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(d, n)| (date(d), n.to_owned()))
        .filter(|(d, _)| d.year() <= 2026)
        .collect();
    let ours: Vec<(NaiveDate, String)> = builtin_days(Division::EnglandAndWales)
        .into_iter()
        .map(|d| (d.date, d.title))
        .collect();
    assert_eq!(ours, csv);
}

/// Years in which the history departs from the rules (one-offs, moved days).
const ONE_OFF_YEARS: [i32; 8] = [1995, 1999, 2002, 2011, 2012, 2020, 2022, 2023];

/// Scotland's own one-off: 15 June 2026, for the World Cup.
const SCOTLAND_ONE_OFF_YEAR: i32 = 2026;

#[test]
fn rules_reproduce_the_shipped_history_outside_one_off_years() {
    for division in DIVISIONS {
        let data = builtin_days(division);
        for year in 1995..=2026 {
            let own_one_off = division == Division::Scotland && year == SCOTLAND_ONE_OFF_YEAR;
            if ONE_OFF_YEARS.contains(&year) || own_one_off {
                continue;
            }
            let from_data: Vec<_> = data
                .iter()
                .filter(|d| d.date.year() == year)
                .cloned()
                .collect();
            assert_eq!(
                rules::rule_days(division, year),
                from_data,
                "{division} {year}"
            );
        }
    }
}

#[test]
fn easter_dates_are_right() {
    for (year, easter) in [
        (1995, "1995-04-16"),
        (2000, "2000-04-23"),
        (2008, "2008-03-23"),
        (2019, "2019-04-21"),
        (2038, "2038-04-25"),
        (2040, "2040-04-01"),
    ] {
        assert_eq!(rules::easter_sunday(year), Some(date(easter)), "{year}");
    }
}

// ---------------------------------------------------------- holidays

const ONE_OFFS: [&str; 12] = [
    "1995-05-08",
    "1999-12-31",
    "2002-06-03",
    "2002-06-04",
    "2011-04-29",
    "2012-06-04",
    "2012-06-05",
    "2020-05-08",
    "2022-06-02",
    "2022-06-03",
    "2022-09-19",
    "2023-05-08",
];

#[test]
fn one_off_holidays_are_closed_in_all_divisions() {
    for division in DIVISIONS {
        let calendar = builtin(division);
        for day in ONE_OFFS.map(date) {
            assert!(!calendar.is_working_day(day).unwrap(), "{division} {day}");
        }
        // The regular days those one-offs displaced are working days.
        for day in [
            "1995-05-01",
            "2002-05-27",
            "2012-05-28",
            "2020-05-04",
            "2022-05-30",
        ] {
            assert!(
                calendar.is_working_day(date(day)).unwrap(),
                "{division} {day}"
            );
        }
    }
}

#[test]
fn scotland_has_its_own_days() {
    let scotland = builtin(Division::Scotland);
    let closed = |d: &str| !scotland.is_working_day(date(d)).unwrap();
    assert!(closed("2024-01-02"), "2 January");
    assert!(
        closed("2007-11-30") && closed("2023-11-30"),
        "St Andrew's Day"
    );
    assert!(closed("2019-12-02"), "St Andrew's Day substitute");
    assert!(!closed("2006-11-30"), "St Andrew's Day before 2007");
    // Appointed by royal proclamation on 4 February 2026, for Scotland only.
    assert!(closed("2026-06-15"), "World Cup bank holiday");
    for other in [Division::EnglandAndWales, Division::NorthernIreland] {
        assert!(builtin(other).is_working_day(date("2026-06-15")).unwrap());
    }
    assert!(
        closed("2024-08-05") && closed("2030-08-05"),
        "first Monday of August"
    );
    assert!(!closed("2024-08-26"), "no last Monday of August");
    assert!(
        !closed("2024-04-01") && !closed("2030-04-22"),
        "no Easter Monday"
    );
    // 1 January on a Saturday: Monday 3rd and Tuesday 4th.
    assert!(closed("2022-01-03") && closed("2022-01-04"));
    assert!(closed("2028-01-03") && closed("2028-01-04"), "projected");
}

#[test]
fn northern_ireland_has_its_own_days() {
    let ni = builtin(Division::NorthernIreland);
    let closed = |d: &str| !ni.is_working_day(date(d)).unwrap();
    assert!(
        closed("2025-03-17") && closed("2031-03-17"),
        "St Patrick's Day"
    );
    assert!(closed("2019-03-18"), "St Patrick's Day substitute");
    assert!(
        closed("2025-07-14") && closed("2030-07-12"),
        "Boyne (2025 substitute)"
    );
    assert!(closed("2024-04-01"), "Easter Monday");
    let ew = builtin(Division::EnglandAndWales);
    assert!(ew.is_working_day(date("2025-03-17")).unwrap());
}

#[test]
fn christmas_eve_is_a_working_day_and_the_fixed_days_are_not() {
    for division in DIVISIONS {
        let calendar = builtin(division);
        for year in 1995..=2040 {
            let eve = NaiveDate::from_ymd_opt(year, 12, 24).unwrap();
            assert_eq!(calendar.is_working_day(eve).unwrap(), !is_weekend(eve));
            for fixed in [
                NaiveDate::from_ymd_opt(year, 12, 25).unwrap(),
                NaiveDate::from_ymd_opt(year, 12, 26).unwrap(),
                rules::easter_sunday(year).unwrap() - Days::new(2),
            ] {
                assert!(
                    !calendar.is_working_day(fixed).unwrap(),
                    "{division} {fixed}"
                );
            }
        }
    }
}

// ---------------------------------------------------------- deadlines

#[test]
fn deadlines_from_fridays_weekends_and_holidays() {
    let ew = builtin(Division::EnglandAndWales);
    let due = |r: &str, n| ew.deadline(date(r), n).unwrap();
    assert_eq!(
        due("2026-04-03", 1),
        date("2026-04-07"),
        "Good Friday start"
    );
    assert_eq!(due("2026-04-02", 1), date("2026-04-07"), "over Easter");
    assert_eq!(due("2025-06-06", 1), date("2025-06-09"), "Friday");
    assert_eq!(due("2025-06-07", 1), date("2025-06-09"), "Saturday");
    assert_eq!(due("2025-06-08", 1), date("2025-06-09"), "Sunday");
    assert_eq!(
        due("2025-05-24", 1),
        date("2025-05-27"),
        "bank holiday Monday"
    );
    assert_eq!(
        due("2025-06-07", 0),
        date("2025-06-07"),
        "n = 0 at a weekend"
    );
    assert_eq!(due("2025-06-06", 5), date("2025-06-13"));
    assert_eq!(due("2025-06-06", 20), date("2025-07-04"));
    assert_eq!(due("2025-12-24", 1), date("2025-12-29"));
    assert_eq!(
        due("2025-12-23", 1),
        date("2025-12-24"),
        "Christmas Eve works"
    );
    let scotland = builtin(Division::Scotland);
    assert_eq!(
        scotland.deadline(date("2026-04-03"), 1).unwrap(),
        date("2026-04-06")
    );
}

#[test]
fn working_days_between_examples() {
    let ew = builtin(Division::EnglandAndWales);
    let wdb = |a: &str, b: &str| ew.working_days_between(date(a), date(b)).unwrap();
    assert_eq!(wdb("2025-06-06", "2025-06-06"), 0);
    assert_eq!(wdb("2025-06-06", "2025-06-09"), 1);
    assert_eq!(wdb("2025-06-09", "2025-06-06"), -1);
    assert_eq!(wdb("2025-06-07", "2025-06-08"), 0);
    assert_eq!(wdb("2026-04-02", "2026-04-07"), 1);
}

#[test]
fn out_of_range_dates_are_errors() {
    let ew = builtin(Division::EnglandAndWales);
    let before = date("1994-12-31");
    let after = date("2041-01-01");
    let err = ew.deadline(before, 1).unwrap_err();
    assert!(matches!(err, CalendarError::DateOutOfRange { date, .. } if date == before));
    let message = err.to_string();
    assert!(message.contains("1994-12-31") && message.contains("1995-01-01"));
    assert!(message.contains("2040-12-31"), "{message}");
    assert!(ew.deadline(after, 0).is_err());
    assert!(ew.is_working_day(after).is_err());
    assert!(ew.working_days_between(date("2020-01-01"), after).is_err());
    assert!(ew.working_days_between(before, date("2020-01-01")).is_err());
    // The first and last days themselves are in range.
    assert_eq!(
        ew.deadline(date("1995-01-01"), 1).unwrap(),
        date("1995-01-03")
    );
    assert_eq!(
        ew.deadline(date("2040-12-31"), 0).unwrap(),
        date("2040-12-31")
    );
    assert_eq!(
        ew.deadline(date("2040-12-28"), 1).unwrap(),
        date("2040-12-31")
    );
}

#[test]
fn deadlines_running_off_the_end_are_errors() {
    let ew = builtin(Division::EnglandAndWales);
    let received = date("2040-12-20");
    let err = ew.deadline(received, 20).unwrap_err();
    assert!(matches!(
        err,
        CalendarError::DeadlineOutOfRange { n: 20, .. }
    ));
    assert!(err.to_string().contains("2040-12-20") && err.to_string().contains("2040-12-31"));
    assert!(ew.deadline(date("2040-12-31"), 1).is_err());
    assert!(ew.deadline(date("2040-01-01"), u32::MAX).is_err());
}

// ---------------------------------------------------------- sources

#[test]
fn days_in_force_name_their_source() {
    let local = date("2030-06-14");
    let closure = HolidayDay::new(local, "Council closure day");
    let calendar = Calendar::new(Division::EnglandAndWales, &[closure]);
    let year_2025 = calendar.days_in_force(2025);
    assert_eq!(year_2025.len(), 8);
    assert!(year_2025.iter().all(|d| d.source == Source::Builtin));
    let year_2030 = calendar.days_in_force(2030);
    let local_day = year_2030.iter().find(|d| d.day.date == local).unwrap();
    assert_eq!(local_day.source, Source::Local);
    assert_eq!(local_day.day.title, "Council closure day");
    assert!(
        year_2030
            .iter()
            .filter(|d| d.day.date != local)
            .all(|d| d.source == Source::Rule)
    );
    assert!(!calendar.is_working_day(local).unwrap());
    assert!(
        builtin(Division::EnglandAndWales)
            .is_working_day(local)
            .unwrap()
    );
}

#[test]
fn always_closed_days_are_added_when_the_data_leaves_them_out() {
    // 2021-12-25 is a Saturday: GOV.UK lists only the substitutes, so the
    // day itself comes from the rule.
    let calendar = builtin(Division::EnglandAndWales);
    let christmas = calendar.holiday(date("2021-12-25")).unwrap();
    assert_eq!(christmas.source, Source::Rule);
}

#[test]
fn imported_days_replace_builtin_days_for_the_years_they_cover() {
    let imported = [
        HolidayDay::new(date("2026-01-01"), "New Year's Day"),
        HolidayDay::new(date("2026-06-12"), "Made-up holiday"),
        HolidayDay::new(date("2027-03-01"), "Not covered, ignored"),
    ];
    let calendar = Calendar::build(Division::EnglandAndWales, &imported, &[2026], &[]);
    assert!(!calendar.is_working_day(date("2026-06-12")).unwrap());
    // Easter Monday was not imported, so 2026 treats it as a working day...
    assert!(calendar.is_working_day(date("2026-04-06")).unwrap());
    // ...but Good Friday is always closed.
    assert!(!calendar.is_working_day(date("2026-04-03")).unwrap());
    assert!(calendar.is_working_day(date("2027-03-01")).unwrap());
    let sources: BTreeSet<Source> = calendar
        .days_in_force(2026)
        .iter()
        .map(|d| d.source)
        .collect();
    assert_eq!(sources, BTreeSet::from([Source::Imported, Source::Rule]));
    // Other years keep their own sources.
    assert!(
        calendar
            .days_in_force(2025)
            .iter()
            .all(|d| d.source == Source::Builtin)
    );
}

// ---------------------------------------------------------- divisions

#[test]
fn division_names() {
    for (text, division) in [
        ("england-and-wales", Division::EnglandAndWales),
        ("england", Division::EnglandAndWales),
        ("EW", Division::EnglandAndWales),
        ("scotland", Division::Scotland),
        ("northern-ireland", Division::NorthernIreland),
        ("ni", Division::NorthernIreland),
    ] {
        assert_eq!(Division::parse(text), Ok(division), "{text}");
    }
    assert!(
        Division::parse("wales-only")
            .unwrap_err()
            .to_string()
            .contains("wales-only")
    );
    assert_eq!(Division::default(), Division::EnglandAndWales);
    for division in DIVISIONS {
        assert_eq!(division.as_str().parse::<Division>(), Ok(division));
    }
}

// ---------------------------------------------------------- GOV.UK parser

fn govuk(division: &str, inner: &str, event: &str) -> String {
    format!(r#"{{"{division}": {{"division": "{inner}", "events": [{event}]}}}}"#)
}

#[test]
fn govuk_parser_accepts_the_format() {
    let text = govuk(
        "scotland",
        "scotland",
        r#"{"title": "Christmas Day", "date": "2027-12-27"},
           {"title": "St Andrew's Day", "date": "2027-11-30", "notes": "", "bunting": true},
           {"title": "New Year's Day", "date": "2027-01-01"}"#,
    );
    let days = parse_govuk_json(&text).unwrap();
    let expected = [
        ("2027-01-01", "New Year's Day"),
        ("2027-11-30", "St Andrew's Day"),
        ("2027-12-27", "Christmas Day"),
    ]
    .map(|(d, title)| (Division::Scotland, HolidayDay::new(date(d), title)));
    assert_eq!(days, expected);
}

#[test]
fn govuk_parser_names_the_problem() {
    let ok_event = r#"{"title": "Day", "date": "2027-01-01"}"#;
    let cases = [
        (govuk("wales", "wales", ok_event), "wales"),
        (
            govuk("scotland", "england-and-wales", ok_event),
            "england-and-wales",
        ),
        (
            govuk(
                "scotland",
                "scotland",
                r#"{"title": "X", "date": "2027-13-01"}"#,
            ),
            "2027-13-01",
        ),
        (
            govuk(
                "scotland",
                "scotland",
                r#"{"title": "X", "date": "2027-1-1"}"#,
            ),
            "2027-1-1",
        ),
        (
            govuk("scotland", "scotland", r#"{"title": "X"}"#),
            "missing field `date`",
        ),
        (
            govuk("scotland", "scotland", r#"{"date": "2027-01-01"}"#),
            "missing field `title`",
        ),
        (
            govuk(
                "scotland",
                "scotland",
                r#"{"title": " ", "date": "2027-01-01"}"#,
            ),
            "empty title",
        ),
        (
            govuk("scotland", "scotland", &format!("{ok_event}, {ok_event}")),
            "more than once",
        ),
        (
            r#"{"scotland": {"events": []}}"#.to_owned(),
            "missing field `division`",
        ),
        (
            govuk(
                "scotland",
                "scotland",
                r#"{"title": "St Andrew's Day", "date": "2027-11-30"}"#,
            ),
            "2027 has no holiday on 1-4 January or 25-28 December",
        ),
        ("{}".to_owned(), "no divisions"),
        ("not json".to_owned(), "not a valid GOV.UK"),
    ];
    for (text, expected) in cases {
        let message = parse_govuk_json(&text).unwrap_err().to_string();
        assert!(message.contains(expected), "{text}: {message}");
    }
}

// ---------------------------------------------------------- properties

/// The obvious, slow definition: step one civil day at a time.
fn slow_deadline(calendar: &Calendar, received: NaiveDate, n: u32) -> NaiveDate {
    let mut day = received;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap();
        if calendar.is_working_day(day).unwrap() {
            left -= 1;
        }
    }
    day
}

fn slow_between(calendar: &Calendar, a: NaiveDate, b: NaiveDate) -> i64 {
    if b < a {
        return -slow_between(calendar, b, a);
    }
    a.iter_days()
        .skip(1)
        .take_while(|d| *d <= b)
        .filter(|d| calendar.is_working_day(*d).unwrap())
        .count() as i64
}

fn calendars() -> &'static [Calendar; 3] {
    static CALENDARS: std::sync::LazyLock<[Calendar; 3]> =
        std::sync::LazyLock::new(|| DIVISIONS.map(builtin));
    &CALENDARS
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    let first = date("1995-01-01");
    let span = (date("2034-12-31") - first).num_days() as u64;
    (0..=span).prop_map(move |offset| first + Days::new(offset))
}

proptest! {
    #[test]
    fn deadline_matches_day_by_day(received in any_date(), n in 0u32..=300, which in 0usize..3) {
        let calendar = &calendars()[which];
        let due = calendar.deadline(received, n).unwrap();
        prop_assert_eq!(due, slow_deadline(calendar, received, n));
        prop_assert_eq!(calendar.working_days_between(received, due).unwrap(), i64::from(n));
    }

    #[test]
    fn working_days_between_matches_day_by_day(
        a in any_date(), offset in -500i64..=500, which in 0usize..3
    ) {
        let calendar = &calendars()[which];
        let shifted = i64::from(a.num_days_from_ce()) + offset;
        let b = i32::try_from(shifted).ok().and_then(NaiveDate::from_num_days_from_ce_opt).unwrap();
        let b = b.clamp(FIRST_DAY, LAST_DAY);
        let fast = calendar.working_days_between(a, b).unwrap();
        prop_assert_eq!(fast, slow_between(calendar, a, b));
        prop_assert_eq!(fast, -calendar.working_days_between(b, a).unwrap());
    }
}
