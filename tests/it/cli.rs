//! The `casewatch` binary, run as the complaints team and admins run it.

use crate::helpers::{CASES_CSV, STAFF_CSV, TestDb, casewatch, stderr, stdout, write};

#[test]
fn check_config_names_every_bad_key_and_where_it_came_from() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "casewatch.toml",
        "data_dir = \"/srv/cw\"\n[log]\nformat = \"xml\"\n[databse]\nurl = \"sqlite://x.db\"\n",
    );
    let out = casewatch(
        dir.path(),
        &[
            ("CASEWATCH__DATABASE__MAX_CONNECTIONS", "lots"),
            ("CASEWATCH__LOG__LEVL", "debug"),
        ],
        &["--config", file.to_str().unwrap(), "check-config"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let file = file.display().to_string();
    for want in [
        "4 problems in the settings".to_owned(),
        format!("log.format (from {file}): \"xml\" is not a log format"),
        format!("databse.url (from {file}): unknown setting"),
        "database.max_connections (from environment variable CASEWATCH__DATABASE__MAX_CONNECTIONS)"
            .to_owned(),
        "log.levl (from environment variable CASEWATCH__LOG__LEVL): unknown setting".to_owned(),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
}

#[test]
fn check_config_prints_settings_with_secrets_redacted() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = casewatch(
        dir.path(),
        &[(
            "CASEWATCH__DATABASE__URL",
            "postgres://cw:hunter2-secret@db.example.org/cw",
        )],
        &["check-config"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("url = \"postgres://cw:[redacted]@db.example.org/cw\""),
        "{shown}"
    );
    assert!(shown.contains("[timescales.corporate.stage2]"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_missing_settings_file_is_bad_input() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = casewatch(dir.path(), &[], &["--config", "nowhere.toml", "cases"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("settings file nowhere.toml does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_database_fails_at_run_time_without_showing_the_password() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = casewatch(
        dir.path(),
        &[(
            "CASEWATCH__DATABASE__URL",
            "postgres://cw:hunter2-secret@127.0.0.1:1/cw",
        )],
        &["migrate"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// The whole import path through the binary: a bad file lists every bad row
/// and changes nothing; a good file imported twice changes nothing the second time.
async fn import_round_trip(db: TestDb) {
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES_CSV);
    let run = |args: &[&str]| casewatch(dir, &env, args);

    let out = run(&["import", "staff", staff.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("staff: 3 inserted, 0 updated, 0 unchanged"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "import",
        "cases",
        cases.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("stages: 5 inserted"),
        "{}",
        stdout(&out)
    );

    let listed = |run: &dyn Fn(&[&str]) -> std::process::Output| {
        stdout(&run(&["cases", "--as-of", "2026-11-25", "--format", "csv"]))
    };
    let before = listed(&run);

    let bad = write(
        dir,
        "bad.csv",
        &CASES_CSV
            .replace(
                "CORP-2,corporate,1,02/11/2026",
                "CORP-2,corporate,1,31/02/2026",
            )
            .replace("CPL-4,compliment,,", "CPL-4,compliment,2,")
            .replace(
                "CSC-1,statutory,2,2026-10-12,Fostering,ann.lee",
                "CSC-1,statutory,2,2026-10-12,Fostering,nobody",
            ),
    );
    let out = run(&[
        "import",
        "cases",
        bad.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let name = bad.display().to_string();
    for want in [
        format!("{name}:3: manager_email: unknown manager nobody@example.org"),
        format!("{name}:4: received_on: \"31/02/2026\" is not a date"),
        format!("{name}:6: stage: compliment records have no stage"),
        format!("{name}: 3 problems; nothing was imported"),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
    assert_eq!(listed(&run), before);

    let out = run(&[
        "import",
        "cases",
        cases.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("stages: 0 inserted, 0 updated, 5 unchanged; 0 delay reason(s) added"),
        "{}",
        stdout(&out)
    );
    assert_eq!(listed(&run), before);

    // As of 2 November, CORP-2 had just arrived and CSC-1 stage 2 was open.
    let out = run(&[
        "cases",
        "--open",
        "--as-of",
        "2026-11-02",
        "--format",
        "json",
    ]);
    let open: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refs: Vec<String> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["reference"].as_str().unwrap(),
                s["stage"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(refs, ["ASC-3 1", "CSC-1 2", "CORP-2 1"]);
}

crate::helpers::on_both_backends!(import_round_trip);

#[test]
fn demo_builds_a_council_year_that_imports_cleanly() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = casewatch(dir.path(), &[], &["demo", "--as-of", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let settings = dir.path().join("casewatch-demo/casewatch.toml");
    let config = settings.to_str().unwrap();

    let all = casewatch(
        dir.path(),
        &[],
        &[
            "--config",
            config,
            "cases",
            "--as-of",
            "2026-11-25",
            "--format",
            "json",
        ],
    );
    let stages: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let stages = stages.as_array().unwrap();
    let count = |kind: &str| {
        let refs: std::collections::HashSet<&str> = stages
            .iter()
            .filter(|s| s["kind"] == kind)
            .map(|s| s["reference"].as_str().unwrap())
            .collect();
        refs.len()
    };
    let complaints = count("statutory") + count("corporate") + count("send") + count("adult");
    assert!((180..=220).contains(&complaints), "{complaints} complaints");
    assert!((100..=120).contains(&count("compliment")));
    assert!(count("comment") > 0);
    let teams: std::collections::HashSet<&str> =
        stages.iter().map(|s| s["team"].as_str().unwrap()).collect();
    assert_eq!(teams.len(), 28);
    let stage_count = |n: &str| stages.iter().filter(|s| s["stage"] == n).count();
    assert!(stage_count("2") > 0);
    assert_eq!(stage_count("3"), 1);
    assert!(stages.iter().any(|s| s["status"] == "open"));
    assert!(stages.iter().any(|s| s["status"] == "answered"));

    // Running the demo again reloads the same year: nothing changes.
    let again = casewatch(dir.path(), &[], &["demo", "--as-of", "2026-11-25"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains(" 0 inserted, 0 updated"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn deadline_and_working_days_answer_one_question() {
    let dir = tempfile::TempDir::new().unwrap();
    let ask = |args: &[&str]| {
        let out = casewatch(dir.path(), &[], args);
        (
            out.status.code(),
            stdout(&out).trim().to_owned(),
            stderr(&out),
        )
    };
    // Good Friday start: Easter Monday is a holiday in England, not in Scotland.
    assert_eq!(ask(&["deadline", "2026-04-03", "1"]).1, "2026-04-07");
    assert_eq!(
        ask(&["deadline", "03/04/2026", "1", "--calendar", "scotland"]).1,
        "2026-04-06"
    );
    assert_eq!(ask(&["working-days", "2026-12-18", "2027-01-06"]).1, "10");
    assert_eq!(ask(&["working-days", "2027-01-06", "2026-12-18"]).1, "-10");
    let (code, _, err) = ask(&["deadline", "2026-02-30", "3"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("\"2026-02-30\" is not a date"), "{err}");
    assert_eq!(
        ask(&["deadline", "2026-01-05", "3", "--calendar", "mars"]).0,
        Some(2)
    );
}

#[test]
fn batches_answer_every_row_in_order_and_report_bad_ones() {
    use std::io::Write;
    use std::process::Stdio;

    let input = "start,n,note\n2026-12-18,10,x\n2026-02-30,3,y\n2026-01-05,-1,z\n2040-12-01,100,q\n18/12/2026,0,\n";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["deadline", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stdout(&out),
        "start,working_days,deadline\n2026-12-18,10,2027-01-06\n2026-02-30,3,\n2026-01-05,-1,\n2040-12-01,100,\n18/12/2026,0,2026-12-18\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains("line 3: start: \"2026-02-30\" is not a date"),
        "{err}"
    );
    assert!(
        err.contains("line 4: working days: -1 is negative"),
        "{err}"
    );
    assert!(
        err.contains(
            "line 5: the deadline 100 working days after 2040-12-01 falls after 2040-12-31"
        ),
        "{err}"
    );
}
