//! The staff and cases CSV parsers the `import` command runs before storing
//! anything, on arbitrary bytes. They must not panic, and every problem they
//! return must point at a line of the file (and, when it is about one cell, at
//! a column that the file format has).
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use casewatch::domain::Email;
use casewatch::import::{
    CASE_COLUMNS, CaseContext, ImportError, STAFF_COLUMNS, parse_cases, parse_staff,
};
use casewatch::settings::{DelayReasons, Settings};
use casewatch::timescale::Timescales;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    managers: HashSet<Email>,
    timescales: Timescales,
    reasons: DelayReasons,
    today: NaiveDate,
}

/// The shipped defaults (no settings file, no environment), built once.
static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| Fixture {
    managers: ["ann@example.org", "bo@example.org"]
        .iter()
        .map(|e| Email::parse(e).expect("a valid address"))
        .collect(),
    timescales: Timescales::default(),
    reasons: Settings::load_from(None, Some(HashMap::new()))
        .expect("the default settings load")
        .delay_reasons,
    today: NaiveDate::from_ymd_opt(2026, 11, 25).expect("a real day"),
});

/// Lines in `input` as the csv crate counts them: one more than its line
/// breaks (a CR alone, LF, or CRLF all end a line), and at least 1.
fn last_line(input: &[u8]) -> u64 {
    let breaks = input
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && input.get(i + 1) != Some(&b'\n')))
        .count();
    breaks as u64 + 1
}

fn check(file: &str, input: &[u8], columns: &[&str], error: &ImportError) {
    assert!(!error.problems.is_empty(), "an error with no problem");
    let last = last_line(input);
    for problem in &error.problems {
        assert_eq!(problem.file, file);
        assert!(
            (1..=last).contains(&problem.line),
            "line {} is not a line of the file (1..={last}): {problem}",
            problem.line
        );
        assert!(
            problem.field.is_empty() || columns.contains(&problem.field.as_str()),
            "field {:?} is not a column: {problem}",
            problem.field
        );
        assert!(!problem.message.is_empty(), "no message: {problem:?}");
        let shown = problem.to_string();
        assert!(
            shown.starts_with(&format!("{file}:{}: ", problem.line)),
            "{shown}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let f = &*FIXTURE;

    match parse_staff("staff.csv", data) {
        Ok(staff) => {
            let emails: HashSet<&Email> = staff.iter().map(|s| &s.email).collect();
            assert_eq!(emails.len(), staff.len(), "a duplicate e-mail was accepted");
        }
        Err(e) => check("staff.csv", data, STAFF_COLUMNS, &e),
    }

    let ctx = CaseContext {
        managers: &f.managers,
        timescales: &f.timescales,
        reasons: &f.reasons,
        today: f.today,
    };
    match parse_cases("cases.csv", data, &ctx) {
        Ok(cases) => {
            for case in &cases {
                assert!(!case.stages.is_empty(), "a case with no stage");
                assert!(f.managers.contains(&case.manager), "an unknown manager");
                for stage in &case.stages {
                    assert!(stage.received_on <= f.today, "a future date was accepted");
                    if let Some(responded) = stage.responded_on {
                        assert!(responded >= stage.received_on && responded <= f.today);
                    }
                }
            }
        }
        Err(e) => check("cases.csv", data, CASE_COLUMNS, &e),
    }
});
