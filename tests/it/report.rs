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
    // 5,600 contacts; the population left empty, which is "not set".
    let env = [
        ("CASEWATCH__DATABASE__URL", url.as_str()),
        ("CASEWATCH__REPORT__CONTACTS", "5600"),
        ("CASEWATCH__REPORT__POPULATION", ""),
    ];
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
    // A second entry of learning for M13's panel, with an action.
    run(&[
        "add-learning",
        "CSC-M13",
        "--stage",
        "3",
        "--text",
        "Panel dates offered sooner",
        "--action",
        "Book panel rooms a term ahead",
        "--owner",
        "Head of service",
        "--action-due",
        "2026-01-31",
    ]);

    let json = run(&[
        "report",
        "--from",
        "2025-04-01",
        "--to",
        "31/03/2026",
        "--format",
        "json",
        "--as-of",
        "2026-04-30",
    ]);
    let mut f: serde_json::Value = serde_json::from_str(&json).unwrap();
    // The year it is compared with: the same dates a year earlier.
    let previous = f.as_object_mut().unwrap().remove("previous").unwrap();
    assert_eq!(previous["from"], "2024-04-01", "{json}");
    assert_eq!(previous["to"], "2025-03-31", "{json}");
    assert_eq!(previous["figures"]["complaints"]["total"], 2, "{json}");
    assert_eq!(previous["figures"]["responses"], 1, "{json}");
    // casewatch's first data is M13's stage 1, received 3 June 2024: the
    // year before is only part there.
    assert_eq!(previous["partial"], true, "{json}");
    assert_eq!(previous["figures"]["period"]["partial"], false, "{json}");
    let mut expected = serde_json::json!({
        // Made on 30 April 2026: the year is over.
        "period": {"from": "2025-04-01", "to": "2026-03-31", "partial": false},
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
        // B2 and D4.
        "late_without_reason": 2,
        "left_case_system": 0,
        // D4, under the adult regulations, was to be acknowledged within
        // three working days; no acknowledgement is recorded.
        "acknowledgements": 1,
        "acknowledged_on_time": 0,
        "acknowledged_on_time_pct": 0.0,
        // B2 and N14.
        "extended": 2,
        "extended_by_kind": {"statutory": 0, "corporate": 2, "send": 0, "adult": 0, "housing": 0},
        // F6.
        "withdrawn": 1,
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
    // The finer figures of the publishable document.
    let finer = serde_json::json!({
        // Each kind and stage against its own procedure: within its working
        // days, and within the longest extension it allows (from receipt).
        // The corporate stages were received before 1 April 2026, so under
        // corporate-2019.
        "timeliness": [
            timeliness("statutory", 1, "children-statutory-2006", 10, 20, 1, 1, 1),
            // 42 wd: not within 25, within 65.
            timeliness("statutory", 2, "children-statutory-2006", 25, 65, 1, 0, 1),
            {"kind": "statutory", "stage": 3, "procedure": "children-statutory-2006",
             "working_days": 30, "extendable_to": null, "acknowledge_within": null,
             "responses": 1, "within_working_days": 1, "within_working_days_pct": 100.0,
             "within_extension": null, "within_extension_pct": null,
             "acknowledged_on_time": null, "acknowledged_on_time_pct": null},
            // B2 (21 wd): neither; L12 (9): both; N14 (19): within 20.
            timeliness("corporate", 1, "corporate-2019", 10, 20, 3, 1, 2),
            {"kind": "send", "stage": 1, "procedure": "send",
             "working_days": 20, "extendable_to": null, "acknowledge_within": null,
             "responses": 1, "within_working_days": 1, "within_working_days_pct": 100.0,
             "within_extension": null, "within_extension_pct": null,
             "acknowledged_on_time": null, "acknowledged_on_time_pct": null},
            // D4: after its agreed date; no acknowledgement recorded.
            {"kind": "adult", "stage": 1, "procedure": "adults-2009",
             "working_days": null, "extendable_to": null, "acknowledge_within": 3,
             "responses": 1, "within_working_days": 0, "within_working_days_pct": 0.0,
             "within_extension": null, "within_extension_pct": null,
             "acknowledged_on_time": 0, "acknowledged_on_time_pct": 0.0},
        ],
        "outcomes": [
            outcomes("statutory", 1, [1, 0, 0], 1),
            outcomes("statutory", 2, [0, 0, 1], 0),
            outcomes("statutory", 3, [1, 0, 0], 0),
            outcomes("corporate", 1, [0, 1, 2], 0),
            outcomes("send", 1, [1, 0, 0], 0),
            outcomes("adult", 1, [1, 0, 0], 0),
        ],
        // 9, 9, 19, 19, 20, 21, 25, 42: 164 / 8 = 20.5, median 19.5.
        "working_days_to_respond": {
            "mean": 20.5, "median": 19.5,
            "by_kind": {
                "statutory": {"mean": 25.3, "median": 25.0},
                "corporate": {"mean": 16.3, "median": 19.0},
                "send": {"mean": 20.0, "median": 20.0},
                "adult": {"mean": 19.0, "median": 19.0},
                "housing": {"mean": null, "median": null}
            }
        },
        "by_team": {
            "Adults": team(1, 1, 0, Some(0.0), 1, 0),
            // A1, F6 received; A1 s1, A1 s2 (late), C3, M13 s3 answered.
            "Fostering": team(2, 4, 3, Some(75.0), 3, 1),
            // B2, E5, L12, N14 received; B2 (late), L12 s1, N14 answered.
            "Parks": team(4, 3, 2, Some(66.7), 1, 2),
        },
        // Upheld: A1 s1, B2, C3, D4, M13 s3; learning for A1, C3 and M13.
        "learning": {
            "upheld": 5, "with_learning": 3, "with_learning_pct": 60.0, "actions": 1,
            "entries": [
                entry("statutory", 1, "Letters name a contact"),
                entry("statutory", 3, "Panel findings shared"),
                {"team": "Fostering", "kind": "statutory", "stage": 3,
                 "text": "Panel dates offered sooner",
                 "action": "Book panel rooms a term ahead",
                 "action_owner": "Head of service", "action_due_on": "2026-01-31"},
                entry("send", 1, "Assessments start sooner"),
            ]
        },
        "by_quarter": [
            quarter("Apr–Jun 2025", "2025-04-01", "2025-06-30", 2, 2),
            quarter("Jul–Sep 2025", "2025-07-01", "2025-09-30", 2, 0),
            quarter("Oct–Dec 2025", "2025-10-01", "2025-12-31", 2, 2),
            quarter("Jan–Mar 2026", "2026-01-01", "2026-03-31", 2, 1),
        ],
        // 7 x 1000 / 5,600 = 1.25 -> 1.3; no population set.
        "rates": {
            "contacts": 5600, "population": null,
            "complaints_per_1000_contacts": 1.3, "complaints_per_1000_residents": null
        },
    });
    expected
        .as_object_mut()
        .unwrap()
        .extend(finer.as_object().unwrap().clone());
    assert_eq!(f, expected, "{json}");

    // Made before the year's end: partial.
    let json = run(&[
        "report",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--format",
        "json",
        "--as-of",
        "2026-03-15",
    ]);
    let f: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(f["period"]["partial"], true, "{json}");

    // The second half year compared with the first: stage 1 received
    // April to September 2025: F6, A1, D4. casewatch holds data from
    // before it, so it is whole.
    let json = run(&[
        "report",
        "--from",
        "2025-10-01",
        "--to",
        "2026-03-31",
        "--format",
        "json",
        "--as-of",
        "2026-04-30",
        "--compare-with",
        "2025-04-01..30/09/2025",
    ]);
    let f: serde_json::Value = serde_json::from_str(&json).unwrap();
    let previous = &f["previous"];
    assert_eq!(
        (&previous["from"], &previous["to"], &previous["partial"]),
        (&"2025-04-01".into(), &"2025-09-30".into(), &false.into()),
        "{json}"
    );
    assert_eq!(previous["figures"]["complaints"]["total"], 3, "{json}");
    // Answered then: C3, A1 s1, A1 s2, D4.
    assert_eq!(previous["figures"]["responses"], 4, "{json}");

    // The year before: M13 and C3 received, M13 s1 answered in 9 wd.
    let md = run(&["report", "--from", "2025-04-01", "--to", "2026-03-31"]);
    for want in [
        "# Complaints, comments and compliments: report for 2025/26\n",
        "\nFigures are compared with 2024/25 (1 April 2024 to 31 March 2025).\n",
        "\nThe number of complaints received rose from 2 to 7, an increase of 250%.\n",
        "| Measure | 2025/26 | 2024/25 |\n",
        "| Complaints received | 7 | 2 |\n",
        "| Responses within 20 working days | 62.5% | 100.0% |\n",
        "| Responses over 20 working days with a reason given | 66.7% | - |\n",
        "| Staff absence or capacity | 1 | 0 |\n",
        "| Planning & roads | 2 | 0 |\n",
        "| Upheld or partly upheld, no learning recorded | 2 | 0 |\n",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    assert_names_no_case(&md);

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
        "<th scope=\"row\">Complaints received</th><td>7</td><td>2</td>",
        "<th scope=\"row\">Planning &amp; roads</th><td>2</td><td>0</td>",
        // minijinja escapes "/" too.
        "<p>Figures are compared with 2024&#x2f;25 (1 April 2024 to 31 March 2025).</p>",
        "<caption>Table 1: Key figures</caption>",
    ] {
        assert!(html.contains(want), "missing {want:?} in:\n{html}");
    }
    assert_names_no_case(&html);

    // Nothing happened the year before the year before: no column for it.
    let md = run(&["report", "--from", "2024-04-01", "--to", "2025-03-31"]);
    assert!(
        md.contains("| Measure | 2024/25 |\n") && md.contains("| Complaints received | 2 |\n"),
        "{md}"
    );
    // ... but the reader is told which period was looked at.
    assert!(
        md.contains("\nThere are no figures for 2023/24 to compare with.\n"),
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
        // Before any data casewatch holds: partial, and no figures.
        serde_json::json!({"from": "2023-04-01", "to": "2024-03-31", "partial": true, "figures": null}),
        "{json}"
    );
}

/// `n` of `of` as the report rounds a percentage: one decimal, halves up.
fn pct(n: u64, of: u64) -> f64 {
    ((n * 2000 + of) / (2 * of)) as f64 / 10.0
}

/// A row of `timeliness` with an extension in working days and no
/// acknowledgement limit.
#[allow(clippy::too_many_arguments)]
fn timeliness(
    kind: &str,
    stage: u8,
    procedure: &str,
    days: u16,
    extendable_to: u16,
    responses: u64,
    within: u64,
    within_extension: u64,
) -> serde_json::Value {
    let pct = |n: u64| pct(n, responses);
    serde_json::json!({
        "kind": kind, "stage": stage, "procedure": procedure,
        "working_days": days, "extendable_to": extendable_to, "acknowledge_within": null,
        "responses": responses,
        "within_working_days": within, "within_working_days_pct": pct(within),
        "within_extension": within_extension, "within_extension_pct": pct(within_extension),
        "acknowledged_on_time": null, "acknowledged_on_time_pct": null,
    })
}

/// A row of `outcomes`: upheld, partially upheld and not upheld, all
/// responses here having an outcome.
fn outcomes(
    kind: &str,
    stage: u8,
    [up, partly, not]: [u64; 3],
    withdrawn: u64,
) -> serde_json::Value {
    let decided = up + partly + not;
    let pct = |n: u64| pct(n, decided);
    serde_json::json!({
        "kind": kind, "stage": stage, "responses": decided, "decided": decided,
        "upheld": up, "upheld_pct": pct(up),
        "partially_upheld": partly, "partially_upheld_pct": pct(partly),
        "not_upheld": not, "not_upheld_pct": pct(not),
        "no_outcome": 0, "withdrawn": withdrawn,
    })
}

fn team(
    received: u64,
    answered: u64,
    on_time: u64,
    on_time_pct: Option<f64>,
    upheld: u64,
    compliments: u64,
) -> serde_json::Value {
    serde_json::json!({
        "received": received, "answered": answered, "answered_on_time": on_time,
        "answered_on_time_pct": on_time_pct, "upheld": upheld, "compliments": compliments,
    })
}

/// Learning from the import's column: Fostering's, with no action.
fn entry(kind: &str, stage: u8, text: &str) -> serde_json::Value {
    serde_json::json!({
        "team": "Fostering", "kind": kind, "stage": stage, "text": text,
        "action": null, "action_owner": null, "action_due_on": null,
    })
}

fn quarter(label: &str, from: &str, to: &str, responses: u64, on_time: u64) -> serde_json::Value {
    serde_json::json!({
        "label": label, "from": from, "to": to, "responses": responses, "on_time": on_time,
        "on_time_pct": pct(on_time, responses),
    })
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
        md.contains(
            "| Measure | 1 February 2025 to 28 February 2025 | 1 February 2024 to 29 February 2024 |\n"
        ) && md.contains("\nFigures are compared with 1 February 2024 to 29 February 2024.\n"),
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
    // A comparison period that is not FROM..TO, or runs backwards, is bad
    // input naming the flag.
    for bad in ["2025-04-01", "2025-09-30..2025-04-01", "2025-04-01..soon"] {
        let out = casewatch(
            dir.path(),
            &[],
            &[
                "report",
                "--from",
                "2025-10-01",
                "--to",
                "2026-03-31",
                "--compare-with",
                bad,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--compare-with"),
            "{bad}: {}",
            stderr(&out)
        );
    }
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

/// A committee document names no case and no one: not the references in
/// YEAR_CSV, not the managers.
fn assert_names_no_case(document: &str) {
    for private in [
        "CSC-A1", "CORP-B2", "SEN-C3", "ASC-D4", "CSC-M13", "ann.lee", "bo.khan", "Ann Lee",
    ] {
        assert!(!document.contains(private), "{private} in:\n{document}");
    }
}

/// YEAR_CSV (two council years) loaded into a fresh SQLite database.
fn load_year(db: &TestDb) -> Vec<(&'static str, String)> {
    let dir = db.dir.path();
    let env = vec![("CASEWATCH__DATABASE__URL", db.url())];
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", YEAR_CSV);
    for args in [
        vec!["import", "staff", staff.to_str().unwrap()],
        vec![
            "import",
            "cases",
            cases.to_str().unwrap(),
            "--as-of",
            "2026-04-30",
        ],
    ] {
        let out = casewatch(dir, &pairs, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    env
}

/// `report --format FORMAT --out FILE` for 2025/26, and the file's path.
fn report_file(db: &TestDb, env: &[(&str, String)], format: &str) -> std::path::PathBuf {
    let file = db.dir.path().join(format!("report.{format}"));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = casewatch(
        db.dir.path(),
        &pairs,
        &[
            "report",
            "--from",
            "2025-04-01",
            "--to",
            "2026-03-31",
            "--format",
            format,
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    file
}

/// Where tests/setup.sh installs axe-core.
fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; axe-core is needed for the accessibility test: run bash tests/setup.sh \
             (npm install --prefix tests/support/axe axe-core@4)",
            path.display()
        )
    })
}

/// axe-core's WCAG 2.2 A and AA rules and its best practices, run on the
/// report in headless Chromium: no serious or critical violation.
#[tokio::test]
async fn the_html_report_passes_axe_in_headless_chromium() {
    use crate::browser::{CHROMIUM, Driver};
    use fantoccini::ClientBuilder;
    use hyper_util::client::legacy::connect::HttpConnector;
    use std::time::{Duration, Instant};

    let axe = axe_source();
    let db = TestDb::sqlite().await;
    let env = load_year(&db);
    let html = report_file(&db, &env, "html");
    let text = std::fs::read_to_string(&html).unwrap();
    assert_names_no_case(&text);
    // Every chart is an image labelled by its title and a description
    // that reads out its numbers.
    assert_eq!(
        text.matches("<svg ").count(),
        text.matches("role=\"img\" aria-labelledby=").count()
    );
    assert!(text.contains("Corporate: 2025/26 4, 2024/25 0."), "{text}");

    let (_driver, port) = Driver::start();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"]
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let browser = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => break client,
            Err(e) => {
                assert!(Instant::now() < deadline, "cannot start Chromium: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    browser
        .goto(&format!("file://{}", html.display()))
        .await
        .unwrap();
    browser.execute(&axe, vec![]).await.unwrap();
    let result = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values:
                 ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
               .then(r => done({
                   passes: r.passes.length,
                   violations: r.violations.map(v => ({
                       id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.map(n => n.target.join(' '))
                   }))
               }))
               .catch(e => done({error: String(e)}));",
            vec![],
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
    assert!(result.get("error").is_none(), "axe failed: {result}");
    // axe ran its checks: contrast, headings, tables' headers, images' names.
    assert!(result["passes"].as_u64().unwrap() > 10, "{result}");
    let serious: Vec<&serde_json::Value> = result["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
}

/// The page prints: Chromium makes a PDF (A4, from the print styles) and
/// a screenshot of it.
#[tokio::test]
async fn the_html_report_prints_to_pdf_and_png() {
    let db = TestDb::sqlite().await;
    let env = load_year(&db);
    let html = report_file(&db, &env, "html");
    let dir = db.dir.path();
    let chromium = |output: String| {
        let status = std::process::Command::new(crate::browser::CHROMIUM)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-pdf-header-footer",
                "--window-size=1000,1400",
            ])
            .arg(output)
            .arg(format!("file://{}", html.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("/usr/bin/chromium is needed (bash tests/setup.sh installs it)");
        assert!(status.success());
    };
    let pdf = dir.join("report.pdf");
    chromium(format!("--print-to-pdf={}", pdf.display()));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    assert!(bytes.len() > 20_000, "{} bytes", bytes.len());
    // A page per section: more pages than a table dump would take.
    let pages = bytes
        .windows(b"/Type /Page\n".len())
        .filter(|w| w.starts_with(b"/Type /Page") && !w.starts_with(b"/Type /Pages"))
        .count();
    assert!(pages >= 8, "{pages} pages");
    let png = dir.join("report.png");
    chromium(format!("--screenshot={}", png.display()));
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
}

/// Every table of the document as a sheet, its caption above its header
/// row, its figures numbers: shares as fractions.
#[tokio::test]
async fn the_xlsx_report_has_a_sheet_per_table_with_numbers() {
    use calamine::{Data, Reader, Xlsx};

    let db = TestDb::sqlite().await;
    let env = load_year(&db);
    let file = report_file(&db, &env, "xlsx");
    let mut book: Xlsx<_> = calamine::open_workbook(&file).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Key figures",
            "Complaints and comments",
            "Compliments received",
            "Responses to complaints",
            "Responses within the time",
            "Timeliness by kind and stage",
            "Responses on time by quarter",
            "Complaints upheld or partly",
            "Outcomes by kind and stage",
            "Complaints by area",
            "Reasons given for late",
            "Learning from upheld complaints",
            "Complaints received by team",
            "Responses on time by team",
            "Compliments by team",
        ]
    );
    let sheet = book.worksheet_range("Key figures").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String("Table 1: Key figures".to_owned()));
    assert_eq!(
        [cell(1, 0), cell(1, 1), cell(1, 2)],
        ["Measure", "2025/26", "2024/25"].map(|s| Data::String(s.to_owned()))
    );
    let row = |label: &str| {
        let r = (0..sheet.height() as u32)
            .find(|r| cell(*r, 0) == Data::String(label.to_owned()))
            .unwrap_or_else(|| panic!("no row {label}"));
        [cell(r, 1), cell(r, 2)]
    };
    assert_eq!(
        row("Complaints received"),
        [Data::Float(7.0), Data::Float(2.0)]
    );
    assert_eq!(
        row("Responses within 20 working days"),
        [Data::Float(0.625), Data::Float(1.0)]
    );
    // No share where there was nothing to take one of: an empty cell.
    assert_eq!(
        row("Responses over 20 working days with a reason given"),
        [Data::Float(0.667), Data::Empty]
    );

    // A workbook is not written to a terminal.
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = casewatch(
        db.dir.path(),
        &pairs,
        &[
            "report",
            "--from",
            "2025-04-01",
            "--to",
            "2026-03-31",
            "--format",
            "xlsx",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--format xlsx needs --out FILE"),
        "{}",
        stderr(&out)
    );
}
