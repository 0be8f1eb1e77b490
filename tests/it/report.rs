//! `casewatch report`: a small council year imported through the binary,
//! its figures worked out by hand (the same year as the unit test in
//! `src/report/tests.rs`, where the working days are counted day by day).

use crate::helpers::{STAFF_CSV, TestDb, casewatch, stderr, stdout, write};

/// 2025-04-01 to 2026-03-31 and the year before, England and Wales.
const YEAR_CSV: &str = "\
reference,kind,stage,received_on,team,manager_email,category,extended_working_days,agreed_response_on,responded_on,outcome,learning,delay_reason_category,delay_reason
CSC-A1,statutory,1,2025-06-02,Fostering,ann.lee@example.org,Communication,,,2025-06-13,upheld,Letters name a contact,,
CSC-A1,statutory,2,2025-07-01,Fostering,ann.lee@example.org,Communication,,,2025-08-29,not upheld,,complex case,Several agencies involved
CORP-B2,corporate,1,2025-12-15,Parks,bo.khan@example.org,,20,,16/01/2026,partially upheld,,,
SEN-C3,send,1,2025-03-20,Fostering,ann.lee@example.org,SEN support,,,2025-04-17,upheld,Assessments start sooner,other,Recorded although on time
ASC-D4,adult,1,2025-09-01,Adults,ann.lee@example.org,Care package,,2025-09-19,2025-09-26,upheld,,,
CORP-E5,corporate,1,2026-03-02,Parks,bo.khan@example.org,Communication,,,,,,,
CSC-F6,statutory,1,2025-05-06,Fostering,ann.lee@example.org,Communication,,,2025-05-12,withdrawn,,,
CPL-G7,compliment,,2025-07-10,Parks,bo.khan@example.org,,,,,,,,
CPL-H8,compliment,,2025-08-01,Parks,bo.khan@example.org,,,,,,,,
CPL-I9,compliment,,2026-02-02,Fostering,ann.lee@example.org,,,,,,,,
COM-J10,comment,,2025-10-10,Parks,bo.khan@example.org,,,,,,,,
CPL-K11,compliment,,2026-04-01,Parks,bo.khan@example.org,,,,,,,,
CORP-L12,corporate,1,2026-02-02,Parks,bo.khan@example.org,Planning & roads,,,2026-02-13,not upheld,,,
CORP-L12,corporate,2,2026-03-16,Parks,bo.khan@example.org,Planning & roads,,,2026-04-10,not upheld,,,
CSC-M13,statutory,1,2024-06-03,Fostering,ann.lee@example.org,Communication,,,2024-06-14,upheld,Visits booked sooner,,
CSC-M13,statutory,3,2025-10-01,Fostering,ann.lee@example.org,Communication,,,2025-11-05,upheld,Panel findings shared,legal advice,Counsel's opinion
CORP-N14,corporate,1,2025-11-03,Parks,bo.khan@example.org,Planning & roads,20,,2025-11-28,not upheld,,,
";

async fn annual_report_figures(db: TestDb) {
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", YEAR_CSV);
    run(&["import", "staff", staff.to_str().unwrap()]);
    run(&[
        "import",
        "cases",
        cases.to_str().unwrap(),
        "--as-of",
        "2026-04-30",
    ]);
    // A second reason for A1's stage 2, given by phone after the response.
    run(&[
        "reason",
        "CSC-A1",
        "--stage",
        "2",
        "--category",
        "staff_capacity",
        "--text",
        "Officer on leave",
    ]);

    let json = run(&[
        "report",
        "--from",
        "2025-04-01",
        "--to",
        "31/03/2026",
        "--format",
        "json",
    ]);
    let mut f: serde_json::Value = serde_json::from_str(&json).unwrap();
    // The year it is compared with: the same dates a year earlier.
    let previous = f.as_object_mut().unwrap().remove("previous").unwrap();
    assert_eq!(previous["from"], "2024-04-01", "{json}");
    assert_eq!(previous["to"], "2025-03-31", "{json}");
    assert_eq!(previous["figures"]["complaints"]["total"], 2, "{json}");
    assert_eq!(previous["figures"]["responses"], 1, "{json}");
    let expected = serde_json::json!({
        "period": {"from": "2025-04-01", "to": "2026-03-31"},
        // Stage 1 received in the year: A1, F6; B2, E5, L12, N14; D4.
        "complaints": {
            "total": 7,
            "by_kind": {"statutory": 2, "corporate": 4, "send": 0, "adult": 1, "housing": 0}
        },
        "comments": 1,
        // G7, H8 (Parks), I9 (Fostering); K11 came after the year.
        "compliments": 3,
        "compliment_teams": 2,
        "stage2": 2,
        "stage3": 1,
        // A1 s1, A1 s2, B2, C3, D4, L12 s1, M13 s3, N14 (F6 withdrawn, E5
        // open, L12 s2 answered after the year).
        "responses": 8,
        // 9, 20, 19, 9 and 19 working days: A1 s1, C3, D4, L12 s1, N14.
        "within_20_working_days": 5,
        "within_20_working_days_pct": 62.5,
        // A1 s2 (42), B2 (21), M13 s3 (25); A1 and M13 gave reasons.
        "over_20_working_days": 3,
        "over_20_with_reason": 2,
        "over_20_with_reason_pct": 66.7,
        // A1 s2, B2 (past its extension), D4 (past its agreed date); N14's
        // extension kept it on time.
        "late": 3,
        "late_with_reason": 1,
        "late_with_reason_pct": 33.3,
        "left_case_system": 0,
        // D4, under the adult regulations, was to be acknowledged within
        // three working days; no acknowledgement is recorded.
        "acknowledgements": 1,
        "acknowledged_on_time": 0,
        "acknowledged_on_time_pct": 0.0,
        // B2 and N14.
        "extended": 2,
        // Within the procedure's own time, before extensions: A1 s1 (9 of
        // 10), C3 (20 of 20), L12 s1 (9 of 10); not B2, D4 (after its
        // agreed date) or N14 (19, extended from 10). A1 s2: 42 of 25.
        // M13 s3: 25 of 30.
        "by_stage": {
            "stage1": {"responses": 6, "within_timescale": 3, "within_timescale_pct": 50.0},
            "stage2": {"responses": 1, "within_timescale": 0, "within_timescale_pct": 0.0},
            "stage3": {"responses": 1, "within_timescale": 1, "within_timescale_pct": 100.0}
        },
        "upheld_or_partly_pct": {
            "statutory": 66.7, "corporate": 33.3, "send": 100.0, "adult": 100.0,
            "housing": null
        },
        // A1 s2's two reasons; C3's and M13's were not for late responses.
        "reason_categories": {"complex_case": 1, "staff_capacity": 1},
        "categories": {
            "Care package": 1, "Communication": 3, "Planning & roads": 2, "uncategorised": 1
        },
        "upheld_without_learning": ["ASC-D4", "CORP-B2"],
    });
    assert_eq!(f, expected, "{json}");

    // The year before: M13 and C3 received, M13 s1 answered in 9 wd.
    let md = run(&["report", "--from", "2025-04-01", "--to", "2026-03-31"]);
    for want in [
        "# Complaints report, 1 April 2025 to 31 March 2026\n",
        "|  | 2025-04-01 to 2026-03-31 | 2024-04-01 to 2025-03-31 |\n",
        "| Complaints | 7 | 2 |\n",
        "| Within 20 working days | 5 (62.5%) | 1 (100.0%) |\n",
        "| Over 20, with a reason for the delay | 2 (66.7%) | 0 (-) |\n",
        "| Staff absence or capacity | 1 | 0 |\n",
        "| Planning & roads | 2 | 0 |\n",
        "- ASC-D4\n- CORP-B2\n",
        "\nCompared with 1 April 2024 to 31 March 2025.\n",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }

    let html = run(&[
        "report",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--format",
        "html",
    ]);
    for want in [
        "<th scope=\"row\">Complaints</th><td>7</td><td>2</td>",
        "<th scope=\"row\">Planning &amp; roads</th><td>2</td><td>0</td>",
        "<li>CORP-B2</li>",
        "<p>Compared with 1 April 2024 to 31 March 2025.</p>",
    ] {
        assert!(html.contains(want), "missing {want:?} in:\n{html}");
    }

    // Nothing happened the year before the year before: no column for it.
    let md = run(&["report", "--from", "2024-04-01", "--to", "2025-03-31"]);
    assert!(
        md.contains("|  | 2024-04-01 to 2025-03-31 |\n") && md.contains("| Complaints | 2 |\n"),
        "{md}"
    );
    // ... but the reader is told which period was looked at.
    assert!(
        md.contains("\nNo figures for 1 April 2023 to 31 March 2024 to compare with.\n"),
        "{md}"
    );
    let json = run(&[
        "report",
        "--from",
        "2024-04-01",
        "--to",
        "2025-03-31",
        "--format",
        "json",
    ]);
    let f: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        f["previous"],
        serde_json::json!({"from": "2023-04-01", "to": "2024-03-31", "figures": null}),
        "{json}"
    );
}

/// One complaint on each side of each February's edges, and on 29 February.
const FEBRUARIES_CSV: &str = "\
reference,kind,stage,received_on,team,manager_email,category,extended_working_days,agreed_response_on,responded_on,outcome,learning,delay_reason_category,delay_reason
CORP-1,corporate,1,2023-01-31,Parks,bo.khan@example.org,Before,,,,,,,
CORP-2,corporate,1,2023-02-01,Parks,bo.khan@example.org,Feb 2023,,,,,,,
CORP-3,corporate,1,2023-02-28,Parks,bo.khan@example.org,Feb 2023,,,,,,,
CORP-4,corporate,1,2023-03-01,Parks,bo.khan@example.org,After,,,,,,,
CORP-5,corporate,1,2024-01-31,Parks,bo.khan@example.org,Before,,,,,,,
CORP-6,corporate,1,2024-02-01,Parks,bo.khan@example.org,Feb 2024,,,,,,,
CORP-7,corporate,1,2024-02-29,Parks,bo.khan@example.org,Feb 2024,,,,,,,
CORP-8,corporate,1,2024-03-01,Parks,bo.khan@example.org,After,,,,,,,
CORP-9,corporate,1,2025-01-31,Parks,bo.khan@example.org,Before,,,,,,,
CORP-10,corporate,1,2025-02-03,Parks,bo.khan@example.org,Feb 2025,,,,,,,
";

/// A month compares with the same month a year earlier, leap day and all,
/// not with the days just before it.
#[tokio::test]
async fn a_month_is_compared_with_the_same_month_a_year_earlier() {
    let db = TestDb::sqlite().await;
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    run(&[
        "import",
        "staff",
        write(dir, "staff.csv", STAFF_CSV).to_str().unwrap(),
    ]);
    let cases = write(dir, "cases.csv", FEBRUARIES_CSV);
    run(&[
        "import",
        "cases",
        cases.to_str().unwrap(),
        "--as-of",
        "2025-03-31",
    ]);
    let report = |from: &str, to: &str| -> serde_json::Value {
        let json = run(&["report", "--from", from, "--to", to, "--format", "json"]);
        serde_json::from_str(&json).unwrap()
    };

    // February 2025 with all of February 2024, 29th included.
    let f = report("2025-02-01", "2025-02-28");
    assert_eq!(f["previous"]["from"], "2024-02-01", "{f}");
    assert_eq!(f["previous"]["to"], "2024-02-29", "{f}");
    assert_eq!(
        f["previous"]["figures"]["categories"],
        serde_json::json!({"Feb 2024": 2}),
        "{f}"
    );
    // The leap February with the 28 days of February 2023.
    let f = report("2024-02-01", "2024-02-29");
    assert_eq!(f["categories"], serde_json::json!({"Feb 2024": 2}), "{f}");
    assert_eq!(f["previous"]["from"], "2023-02-01", "{f}");
    assert_eq!(f["previous"]["to"], "2023-02-28", "{f}");
    assert_eq!(
        f["previous"]["figures"]["categories"],
        serde_json::json!({"Feb 2023": 2}),
        "{f}"
    );
    // A financial year across a leap day with the financial year before.
    let f = report("2024-04-01", "2025-03-31");
    assert_eq!(f["previous"]["from"], "2023-04-01", "{f}");
    assert_eq!(f["previous"]["to"], "2024-03-31", "{f}");
    let md = run(&["report", "--from", "2025-02-01", "--to", "2025-02-28"]);
    assert!(
        md.contains("|  | 2025-02-01 to 2025-02-28 | 2024-02-01 to 2024-02-29 |\n")
            && md.contains("\nCompared with 1 February 2024 to 29 February 2024.\n"),
        "{md}"
    );
}

crate::helpers::on_both_backends!(annual_report_figures);

#[test]
fn a_period_that_ends_before_it_starts_is_bad_input() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = casewatch(
        dir.path(),
        &[],
        &["report", "--from", "2026-03-31", "--to", "01/04/2025"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--from 2026-03-31 is after --to 2025-04-01"),
        "{err}"
    );
    let out = casewatch(
        dir.path(),
        &[],
        &["report", "--from", "2026-02-30", "--to", "2026-03-31"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"2026-02-30\" is not a date"),
        "{}",
        stderr(&out)
    );
}

/// A period across 1 April 2026, when the LGSCO code took effect for
/// corporate complaints: each stage is counted under the rule of the day
/// it was received.
#[tokio::test]
async fn a_period_across_a_new_code_counts_each_stage_under_its_own_rule() {
    let db = TestDb::sqlite().await;
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    run(&[
        "import",
        "staff",
        write(dir, "staff.csv", STAFF_CSV).to_str().unwrap(),
    ]);
    // CORP-1, received Thursday 26 March under the council's old
    // procedure, was due ten working days from receipt, on 13 April
    // (Easter between): answered the 14th, late. CORP-2, received 1 April
    // under the code and acknowledged the next day, was due ten working
    // days from then, on 20 April: answered that day, on time (from
    // receipt it would have been due on the 17th).
    let cases = "reference,kind,stage,received_on,team,manager_email,responded_on,outcome,acknowledged_on\n\
                 CORP-1,corporate,1,2026-03-26,Parks,bo.khan@example.org,2026-04-14,not upheld,\n\
                 CORP-2,corporate,1,2026-04-01,Parks,bo.khan@example.org,2026-04-20,not upheld,2026-04-02\n";
    let file = write(dir, "cases.csv", cases);
    run(&[
        "import",
        "cases",
        file.to_str().unwrap(),
        "--as-of",
        "2026-05-01",
    ]);
    let json = run(&[
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--format",
        "json",
    ]);
    let f: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(f["responses"], 2, "{json}");
    assert_eq!(f["late"], 1, "{json}");
    assert_eq!(f["acknowledgements"], 1, "{json}");
    assert_eq!(f["acknowledged_on_time"], 1, "{json}");
    let listed = run(&["cases", "--as-of", "2026-05-01", "--format", "csv"]);
    assert!(listed.contains("CORP-1,corporate,1,Parks,bo.khan@example.org,Bo Khan,2026-03-26,2026-04-13,2026-04-14,answered,,corporate-2019"), "{listed}");
    assert!(listed.contains("CORP-2,corporate,1,Parks,bo.khan@example.org,Bo Khan,2026-04-01,2026-04-20,2026-04-20,answered,,lgsco-2024"), "{listed}");
}
