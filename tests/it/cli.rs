//! The `casewatch` binary, run as the complaints team and admins run it.

use crate::helpers::{
    CASES_CSV, STAFF_CSV, TestDb, casewatch, casewatch_with_input, stderr, stdout, write,
};

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

/// A council's own template that would fail (here one written for an
/// older release) is named by check-config, before `run` meets it.
#[test]
fn check_config_renders_the_councils_own_templates() {
    let dir = tempfile::TempDir::new().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    write(
        &templates,
        "reminder.txt",
        "{% for s in sections %}{% for item in s.items %}{{ item.reason_link.url }}{% endfor %}{% endfor %}\n",
    );
    let dir_setting = templates.display().to_string();
    let env = [("CASEWATCH__MAIL__TEMPLATES_DIR", dir_setting.as_str())];
    let out = casewatch(dir.path(), &env, &["check-config"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("template reminder.txt") && err.contains(&dir_setting),
        "{err}"
    );
}

/// Settings that would send broken or unsafe mail are refused, each
/// naming its key and what to set.
#[test]
fn check_config_refuses_links_to_nowhere_and_mail_in_clear() {
    let dir = tempfile::TempDir::new().unwrap();
    let smtp = [
        ("CASEWATCH__MAIL__TRANSPORT", "smtp"),
        (
            "CASEWATCH__MAIL__FROM",
            "casewatch <casewatch@northmere.gov.uk>",
        ),
        ("CASEWATCH__MAIL__REPLY_TO", "complaints@northmere.gov.uk"),
        (
            "CASEWATCH__MAIL__COMPLAINTS_TEAM",
            "complaints@northmere.gov.uk",
        ),
    ];
    let check = |extra: &[(&str, &str)]| {
        let env: Vec<(&str, &str)> = smtp.iter().chain(extra).copied().collect();
        let out = casewatch(dir.path(), &env, &["check-config"]);
        (out.status.code(), stderr(&out))
    };
    // The default public_url, 127.0.0.1: every link would lead nowhere.
    let (code, err) = check(&[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("web.public_url")
            && err.contains("is a loopback address")
            && err.contains("web.allow_private_url = true"),
        "{err}"
    );
    let (_, err) = check(&[("CASEWATCH__WEB__PUBLIC_URL", "http://10.1.2.3/")]);
    assert!(err.contains("is a private address"), "{err}");
    // Mail in clear across the network, and a password in clear anywhere.
    let public = (
        "CASEWATCH__WEB__PUBLIC_URL",
        "https://complaints.northmere.gov.uk",
    );
    let (code, err) = check(&[
        public,
        ("CASEWATCH__MAIL__SMTP__HOST", "smtp.office365.com"),
        ("CASEWATCH__MAIL__SMTP__SECURITY", "none"),
        (
            "CASEWATCH__MAIL__SMTP__USERNAME",
            "casewatch@northmere.gov.uk",
        ),
        ("CASEWATCH__MAIL__SMTP__PASSWORD", "hunter2-secret"),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("mail.smtp.security")
            && err.contains("unencrypted across the network to smtp.office365.com")
            && err.contains("would send the login"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    // A relay on this machine needs no encryption; a council that means
    // its private address says so.
    let (code, err) = check(&[public, ("CASEWATCH__MAIL__SMTP__SECURITY", "none")]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check(&[
        ("CASEWATCH__WEB__PUBLIC_URL", "http://10.1.2.3/"),
        ("CASEWATCH__WEB__ALLOW_PRIVATE_URL", "true"),
    ]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn log_level_warning_means_warn_and_an_unknown_level_is_bad_settings() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = write(dir.path(), "casewatch.toml", "[log]\nlevel = \"Warning\"\n");
    let config = file.to_str().unwrap();
    let out = casewatch(dir.path(), &[], &["--config", config, "check-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("level = \"warn\""),
        "{}",
        stdout(&out)
    );

    write(dir.path(), "casewatch.toml", "[log]\nlevel = \"verbose\"\n");
    let out = casewatch(dir.path(), &[], &["--config", config, "check-config"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let want = format!("log.level (from {config}): \"verbose\" is not a log level");
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
}

/// A team or name that Excel would run as a formula is shown as text in
/// `cases --format csv`; dates and negative working days are untouched.
#[tokio::test]
async fn cases_csv_cells_a_spreadsheet_would_run_start_with_a_quote() {
    let db = TestDb::sqlite().await;
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let staff = "email,name,team,escalation_email\n\
        eve@example.org,+Eve Mallory,\"=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",\n";
    let cases = "reference,kind,stage,received_on,team,manager_email\n\
        @CORP-1,corporate,1,2026-11-02,\"=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",eve@example.org\n";
    run(&[
        "import",
        "staff",
        write(dir, "staff.csv", staff).to_str().unwrap(),
    ]);
    let cases = write(dir, "cases.csv", cases);
    run(&[
        "import",
        "cases",
        cases.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);

    let out = run(&["cases", "--as-of", "2026-11-25", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| &row[headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(cell("reference"), "'@CORP-1", "{out}");
    assert_eq!(
        cell("team"),
        "'=HYPERLINK(\"http://evil.test\",\"x\")",
        "{out}"
    );
    assert_eq!(cell("manager_name"), "'+Eve Mallory", "{out}");
    assert_eq!(cell("received_on"), "2026-11-02", "{out}");
    // Under the LGSCO code and not acknowledged: ten working days from its
    // acknowledgement deadline (9 November), due 23 November.
    assert_eq!(cell("working_days_left"), "-2", "{out}");
    // JSON is data, not a spreadsheet: it keeps the text as it was.
    let json = run(&["cases", "--as-of", "2026-11-25", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(listed[0]["team"], "=HYPERLINK(\"http://evil.test\",\"x\")");
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
    // CSC-1 stage 2: 25 working days from 12 October; adult cases are due on
    // the agreed date.
    let due: Vec<(&str, i64)> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["due_on"].as_str().unwrap(),
                s["working_days_left"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        due,
        [("2026-12-15", 31), ("2026-11-16", 10), ("2026-11-16", 10)]
    );

    // By 25 November CORP-2 is seven working days overdue.
    let table = stdout(&run(&["cases", "--open", "--as-of", "2026-11-25"]));
    let corp = table.lines().find(|l| l.starts_with("CORP-2")).unwrap();
    assert!(
        corp.contains("2026-11-16") && corp.ends_with("7 overdue"),
        "{table}"
    );
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
    let complaints = ["statutory", "corporate", "send", "adult", "housing"]
        .map(count)
        .iter()
        .sum::<usize>();
    assert!((180..=220).contains(&complaints), "{complaints} complaints");
    // Corporate complaints on both sides of 1 April 2026, and landlord
    // complaints: every default procedure is in use.
    let procedures: std::collections::HashSet<&str> = stages
        .iter()
        .filter_map(|s| s["procedure"].as_str())
        .collect();
    for preset in [
        "children-statutory-2006",
        "adults-2009",
        "send",
        "corporate-2019",
        "lgsco-2024",
        "housing-ombudsman-2024",
    ] {
        assert!(procedures.contains(preset), "no {preset} in {procedures:?}");
    }
    assert!(
        stages
            .iter()
            .any(|s| s["acknowledged_on"].is_string() && s["kind"] == "housing"),
        "housing complaints are acknowledged"
    );
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
fn deadline_under_a_procedure_gives_each_deadline() {
    let dir = tempfile::TempDir::new().unwrap();
    let ask = |args: &[&str]| {
        let out = casewatch(dir.path(), &[], args);
        (out.status.code(), stdout(&out), stderr(&out))
    };
    // Received Monday 2 November 2026 under the LGSCO code: acknowledge by
    // the 9th; ten working days from then (10-13, 16-20, 23 November),
    // twenty more at most (to 7 December).
    let (code, out, err) = ask(&["deadline", "--procedure", "lgsco-2024", "2026-11-02"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("acknowledge by 2026-11-09 (5 working days)"),
        "{out}"
    );
    assert!(
        out.contains("respond by 2026-11-23 (10 working days from the acknowledgement deadline"),
        "{out}"
    );
    assert!(out.contains("extension: at most to 2026-12-07"), "{out}");
    // Acknowledged on the 3rd: 4-6, 9-13, 16-17 November.
    let (_, out, _) = ask(&[
        "deadline",
        "--procedure",
        "lgsco-2024",
        "--acknowledged",
        "2026-11-03",
        "2026-11-02",
    ]);
    assert!(
        out.contains(
            "respond by 2026-11-17 (10 working days from the acknowledgement on 2026-11-03)"
        ),
        "{out}"
    );
    let (code, _, err) = ask(&[
        "deadline",
        "--procedure",
        "nipso",
        "--stage",
        "3",
        "2026-11-02",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nipso has no stage 3"), "{err}");
    let (code, _, err) = ask(&["deadline", "--procedure", "lgsco-2025", "2026-11-02"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("the presets are: children-statutory-2006"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists(), "no database is created");
}

#[test]
fn batches_answer_every_row_in_order_and_report_bad_ones() {
    let dir = tempfile::TempDir::new().unwrap();
    let input = "start,n,note\n2026-12-18,10,x\n2026-02-30,3,y\n2026-01-05,-1,z\n2040-12-01,100,q\n18/12/2026,0,\n";
    let out = casewatch_with_input(dir.path(), &[], &["deadline", "--batch"], input);
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

/// England and Wales 2027 as GOV.UK would publish it, plus `extra` events.
fn govuk_2027(extra: &str) -> String {
    let events = [
        ("2027-01-01", "New Year’s Day"),
        ("2027-03-26", "Good Friday"),
        ("2027-03-29", "Easter Monday"),
        ("2027-05-03", "Early May bank holiday"),
        ("2027-05-31", "Spring bank holiday"),
        ("2027-08-30", "Summer bank holiday"),
        ("2027-12-27", "Christmas Day (substitute day)"),
        ("2027-12-28", "Boxing Day (substitute day)"),
    ]
    .map(|(date, title)| {
        format!(r#"{{"title": "{title}", "date": "{date}", "notes": "", "bunting": true}}"#)
    })
    .join(", ");
    format!(
        r#"{{"england-and-wales": {{"division": "england-and-wales", "events": [{events}{extra}]}}}}"#
    )
}

/// A one-off holiday announced after release: importing GOV.UK's file moves
/// deadlines; a malformed file is refused and changes nothing.
async fn holidays_import_and_list(db: TestDb) {
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let run = |args: &[&str]| casewatch(dir, &env, args);
    let list_2027 = || {
        stdout(&run(&[
            "holidays", "list", "--year", "2027", "--format", "csv",
        ]))
    };

    let before = list_2027();
    assert!(
        before.starts_with("date,weekday,title,source\n"),
        "{before}"
    );
    assert!(
        before.contains("2027-05-31,Monday,Spring bank holiday,rule"),
        "{before}"
    );
    assert_eq!(
        stdout(&run(&["deadline", "2027-06-04", "1"])).trim(),
        "2027-06-07"
    );

    let one_off = r#", {"title": "Special bank holiday", "date": "2027-06-07"}"#;
    let file = write(dir, "bank-holidays.json", &govuk_2027(one_off));
    let out = run(&["holidays", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("england-and-wales: 9 day(s) stored for 2027-2027"),
        "{said}"
    );
    assert!(
        said.contains("+ 2027-06-07 Mon Special bank holiday"),
        "{said}"
    );

    let after = list_2027();
    assert!(
        after.contains("2027-06-07,Monday,Special bank holiday,imported"),
        "{after}"
    );
    assert!(
        after.contains("2027-03-26,Friday,Good Friday,imported"),
        "{after}"
    );
    // The ordinary weekend Christmas Day is not in GOV.UK's list; the rule keeps it.
    assert!(
        after.contains("2027-12-25,Saturday,Christmas Day,rule"),
        "{after}"
    );
    assert_eq!(
        stdout(&run(&["deadline", "2027-06-04", "1"])).trim(),
        "2027-06-08"
    );
    let counts = casewatch_with_input(
        dir,
        &env,
        &["working-days", "--batch"],
        "start,end\n2027-06-04,2027-06-08\n2027-06-08,2027-06-04\n",
    );
    assert_eq!(
        stdout(&counts),
        "start,end,working_days\n2027-06-04,2027-06-08,1\n2027-06-08,2027-06-04,-1\n"
    );
    // Other divisions and years are untouched.
    let scotland = stdout(&run(&[
        "holidays",
        "list",
        "--year",
        "2027",
        "--calendar",
        "scotland",
    ]));
    assert!(
        !scotland.contains("imported") && scotland.contains("rule"),
        "{scotland}"
    );

    let refused = [
        ("cut.json", govuk_2027("")[..200].to_owned(), "EOF while parsing"),
        (
            "partial.json",
            r#"{"england-and-wales": {"division": "england-and-wales", "events": [{"title": "Summer bank holiday", "date": "2028-08-28"}]}}"#.to_owned(),
            "2028 has no holiday on 1-4 January or 25-28 December",
        ),
        (
            "bad-date.json",
            govuk_2027(r#", {"title": "Typo", "date": "2027-06-31"}"#),
            "\"2027-06-31\", which is not a YYYY-MM-DD date",
        ),
    ];
    for (name, text, reason) in refused {
        let path = write(dir, name, &text);
        let out = run(&["holidays", "import", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(err.contains(&format!("{}: ", path.display())), "{err}");
        assert!(
            err.contains(reason) && err.contains("nothing was imported"),
            "{err}"
        );
        assert_eq!(list_2027(), after, "{name} changed the calendar");
    }
}

crate::helpers::on_both_backends!(holidays_import_and_list);

#[test]
fn local_closures_move_deadlines_and_are_listed_as_local_policy() {
    let dir = tempfile::TempDir::new().unwrap();
    let settings = write(
        dir.path(),
        "casewatch.toml",
        "[calendar]\nlocal_closures = [{ date = \"29/12/2026\", name = \"Council closure day\" }]\n",
    );
    let config = settings.to_str().unwrap();
    let run = |args: &[&str]| casewatch(dir.path(), &[], &[&["--config", config], args].concat());
    // Thursday 24 December + 1: Christmas, the weekend, Boxing Day's
    // substitute and now the closure day all pass.
    assert_eq!(
        stdout(&run(&["deadline", "2026-12-24", "1"])).trim(),
        "2026-12-30"
    );
    assert_eq!(
        stdout(&casewatch(
            dir.path(),
            &[],
            &["deadline", "2026-12-24", "1"]
        ))
        .trim(),
        "2026-12-29"
    );
    let listed = stdout(&run(&["holidays", "list", "--year", "2026"]));
    let line = listed
        .lines()
        .find(|l| l.starts_with("2026-12-29"))
        .unwrap();
    assert!(
        line.contains("Council closure day") && line.ends_with("local closure"),
        "{listed}"
    );

    let bad = write(
        dir.path(),
        "bad.toml",
        "[calendar]\ndivision = \"wales\"\nlocal_closures = [{ date = \"2026-12-32\" }]\n",
    );
    let out = casewatch(
        dir.path(),
        &[],
        &["--config", bad.to_str().unwrap(), "check-config"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let file = bad.display().to_string();
    assert!(
        err.contains(&format!(
            "calendar.division (from {file}): unknown division \"wales\""
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "calendar.local_closures (from {file}): item 1: date: \"2026-12-32\" is not a date"
        )),
        "{err}"
    );
}

/// `deadline`, `working-days` and `holidays list` read imported holidays
/// when there is a database, and create none when there is not; like every
/// one-shot command they log nothing at info unless asked (`-v`).
#[test]
fn calendar_commands_create_no_database_but_use_one_that_exists() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| casewatch(dir.path(), &[], args);
    let asked = [
        run(&["deadline", "2027-06-04", "1"]),
        run(&["working-days", "2027-06-04", "2027-06-08"]),
        run(&["holidays", "list", "--year", "2027"]),
        casewatch_with_input(
            dir.path(),
            &[],
            &["deadline", "--batch"],
            "start,n\n2027-06-04,1\n",
        ),
    ];
    for out in &asked {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
        assert_eq!(stderr(out), "", "nothing logged");
    }
    assert_eq!(stdout(&asked[0]).trim(), "2027-06-07");
    assert_eq!(stdout(&asked[1]).trim(), "2");
    assert!(!data.exists(), "a database was created");

    let one_off = r#", {"title": "Special bank holiday", "date": "2027-06-07"}"#;
    let file = write(dir.path(), "bank-holidays.json", &govuk_2027(one_off));
    let out = run(&["holidays", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(data.join("casewatch.db").is_file());
    let out = run(&["deadline", "2027-06-04", "1"]);
    assert_eq!(stdout(&out).trim(), "2027-06-08");
    assert_eq!(stderr(&out), "");
    let listed = stdout(&run(&["holidays", "list", "--year", "2027"]));
    assert!(listed.contains("Special bank holiday"), "{listed}");
    // Asked for, the progress is logged.
    let out = run(&["-v", "working-days", "2027-06-04", "2027-06-08"]);
    assert_eq!(stdout(&out).trim(), "1");
    assert!(stderr(&out).contains("database ready"), "{}", stderr(&out));
    let out = casewatch(
        dir.path(),
        &[("CASEWATCH__LOG__LEVEL", "info")],
        &["deadline", "2027-06-04", "1"],
    );
    assert!(stderr(&out).contains("database ready"), "{}", stderr(&out));
}

/// A reader that stops early (`| head`) ends the command quietly: no
/// panic, no error, exit 0.
#[test]
fn output_closed_by_its_reader_ends_the_command_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let dir = tempfile::TempDir::new().unwrap();
    let out = casewatch(dir.path(), &[], &["demo", "--as-of", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let config = dir.path().join("casewatch-demo/casewatch.toml");
    // Each prints far more than a pipe holds (64 KiB), so the command is
    // still writing when the pipe closes.
    let rows = "2026-01-05,3\n".repeat(50_000);
    let batch = write(dir.path(), "batch.csv", &format!("start,n\n{rows}"));
    let cases = [
        "--config",
        config.to_str().unwrap(),
        "cases",
        "--format",
        "json",
    ];
    for (args, input) in [
        (&cases[..], None),
        (&["deadline", "--batch"][..], Some(&batch)),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_casewatch"));
        command
            .current_dir(dir.path())
            .args(args)
            .env_remove("CASEWATCH_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(file) = input {
            command.stdin(std::fs::File::open(file).unwrap());
        }
        let mut child = command.spawn().unwrap();
        let mut first = [0; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe is closed here, as `head -c 10` closes it.
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && err.is_empty(),
            "{args:?}: {err}"
        );
    }
}

/// Files as Excel saves them: Windows-1252 ("CSV (Comma delimited)"), with
/// semicolons in much of Europe; the import says how it read them and keeps
/// the right characters. A workbook is refused saying what to do.
#[test]
fn imports_read_what_excel_saves_and_say_how() {
    let dir = tempfile::TempDir::new().unwrap();
    let run = |args: &[&str]| casewatch(dir.path(), &[], args);
    let mut staff =
        b"email;name;team\r\nzoe@example.org;Zo\xeb O\x92Neill;Caf\xe9 \xa3\r\n".to_vec();
    staff.extend_from_slice(b"ann@example.org;Ann;Parks\r\n");
    let path = dir.path().join("staff.csv");
    std::fs::write(&path, &staff).unwrap();
    let out = run(&["import", "staff", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            "{}: read as Windows-1252 (Excel's \"CSV (Comma delimited)\"), cells separated by semicolons",
            path.display()
        )),
        "{said}"
    );
    let cases = write(
        dir.path(),
        "cases.csv",
        "reference,kind,stage,received_on,team,manager_email\r\nCS-1,statutory,1,2026-11-02,Café £,zoe@example.org\r\n",
    );
    let out = run(&[
        "import",
        "cases",
        cases.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("read as"), "{}", stdout(&out));
    let listed = stdout(&run(&["cases", "--as-of", "2026-11-25", "--format", "csv"]));
    assert!(
        listed.contains("CS-1,statutory,1,Café £,zoe@example.org,Zoë O’Neill,"),
        "{listed}"
    );

    let workbook = dir.path().join("cases.xlsx");
    std::fs::write(&workbook, b"PK\x03\x04\x14\x00\x06\x00").unwrap();
    let out = run(&["import", "cases", workbook.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: is an Excel workbook (.xlsx)",
            workbook.display()
        )) && err.contains("\"CSV UTF-8 (Comma delimited)\""),
        "{err}"
    );
}

/// Batches number lines as an editor does: CRLF, and a quoted cell over
/// several lines before the bad row.
#[test]
fn batch_problems_name_the_editors_line() {
    let dir = tempfile::TempDir::new().unwrap();
    let input = "start,end,note\r\n2026-12-01,2026-12-31,\"one\r\ntwo\r\nthree\"\r\n2026-12-01,2026-12-32,x\r\n";
    let out = casewatch_with_input(dir.path(), &[], &["working-days", "--batch"], input);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("line 5: end: \"2026-12-32\" is not a date"),
        "{err}"
    );
    assert_eq!(
        stdout(&out),
        "start,end,working_days\n2026-12-01,2026-12-31,20\n2026-12-01,2026-12-32,\n"
    );
}

/// What was said where people look next: a reason and learning given on
/// the command line (text that starts with a hyphen included), the latest
/// reason and the learning status in `cases`, its filters, and the
/// `reasons` and `learning` listings.
async fn reasons_and_learning_are_listed(db: TestDb) {
    let dir = db.dir.path();
    let url = db.url();
    let env = [("CASEWATCH__DATABASE__URL", url.as_str())];
    let run = |args: &[&str]| casewatch(dir, &env, args);
    crate::helpers::import_sample(dir, &env, "2026-11-25");
    // CSC-5 was upheld, and nobody has said what was learnt.
    let more = write(
        dir,
        "more.csv",
        &format!(
            "{}CSC-5,statutory,1,2026-10-01,Parks,bo.khan@example.org,,,,2026-10-09,upheld,,,,\n",
            CASES_CSV.lines().next().unwrap().to_owned() + "\n"
        ),
    );
    let out = run(&[
        "import",
        "cases",
        more.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = run(&[
        "reason",
        "CSC-1",
        "--stage",
        "2",
        "--category",
        "legal_advice",
        "--text",
        "- waiting for legal advice",
        "--expected",
        "2026-12-11",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let cases = |extra: &[&str]| {
        let mut args = vec!["cases", "--as-of", "2026-11-25", "--format", "json"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        listed.as_array().unwrap().clone()
    };
    let key = |s: &serde_json::Value| {
        format!(
            "{} {}",
            s["reference"].as_str().unwrap(),
            s["stage"].as_str().unwrap()
        )
    };
    let all = cases(&[]);
    let find = |k: &str| all.iter().find(|s| key(s) == k).unwrap().clone();
    let waiting = find("CSC-1 2");
    assert_eq!(waiting["reason_category"], "Waiting for legal advice");
    assert_eq!(waiting["reason"], "- waiting for legal advice");
    assert_eq!(waiting["expected_response_on"], "2026-12-11");
    assert_eq!(waiting["learning"], serde_json::Value::Null);
    let answered = find("CSC-1 1");
    assert_eq!(answered["reason_category"], "Staff absence or capacity");
    assert_eq!(answered["learning"], "recorded");
    assert_eq!(find("CSC-5 1")["learning"], "awaited");
    assert_eq!(find("CORP-2 1")["learning"], serde_json::Value::Null);

    let keys = |listed: Vec<serde_json::Value>| listed.iter().map(key).collect::<Vec<_>>();
    // Due on 16 November, both still open on the 25th.
    assert_eq!(keys(cases(&["--overdue"])), ["CSC-1 2", "CORP-2 1"]);
    assert_eq!(
        keys(cases(&["--overdue", "--team", "fostering"])),
        ["CSC-1 2"]
    );
    // CSC-1 stage 1 was due on 29 September and answered on 5 October.
    assert_eq!(keys(cases(&["--late"])), ["CSC-1 1"]);
    assert_eq!(
        keys(cases(&["--manager", "Bo.Khan@example.org"])),
        ["CSC-5 1", "CORP-2 1", "CPL-4 -"]
    );
    assert_eq!(
        keys(cases(&["--open", "--manager", "bo.khan@example.org"])),
        ["CORP-2 1"]
    );
    let out = run(&["cases", "--manager", "not an address"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--manager"), "{}", stderr(&out));
    let table = stdout(&run(&["cases", "--as-of", "2026-11-25", "--overdue"]));
    assert!(
        table.contains("Waiting for legal advice: - waiting for legal advice")
            && table.contains("2026-12-11"),
        "{table}"
    );

    // Before any is given here: the import's learning for CSC-1, then
    // CSC-5, upheld with none.
    let today = casewatch::domain::today_in_london().to_string();
    let out = run(&[
        "learning",
        "--from",
        "2026-04-01",
        "--to",
        &today,
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[0].starts_with("reference,stage,team,manager_email"),
        "{csv}"
    );
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows[1].starts_with("CSC-1,1,Fostering,")
            && rows[1].contains(",recorded,Letters name a contact,"),
        "{csv}"
    );
    assert!(
        rows[2].starts_with("CSC-5,1,Parks,") && rows[2].contains(",no learning recorded,"),
        "{csv}"
    );
    // Answered on 9 October: outside a period that ends before.
    let out = run(&[
        "learning",
        "--from",
        "2026-04-01",
        "--to",
        "2026-10-08",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));

    // Learning: refused for a stage not answered upheld, and badly given.
    let add = |extra: &[&str]| {
        let mut args = vec!["add-learning"];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = add(&[
        "CORP-2",
        "--stage",
        "1",
        "--text",
        "Parks letters were unclear",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("case CORP-2 stage 1 was not answered upheld"),
        "{}",
        stderr(&out)
    );
    let out = add(&[
        "NOPE-9",
        "--stage",
        "1",
        "--text",
        "Parks letters were unclear",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("there is no stage 1 of case NOPE-9"),
        "{}",
        stderr(&out)
    );
    let out = add(&["CSC-5", "--stage", "1", "--text", "too short"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--text: give the learning in 10 to 2000"),
        "{}",
        stderr(&out)
    );
    let out = add(&[
        "CSC-5",
        "--stage",
        "1",
        "--text",
        "Parks letters were unclear",
        "--action-due",
        "2027-01-29",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = add(&[
        "CSC-5",
        "--stage",
        "1",
        "--text",
        "- letters now name a contact",
        "--action",
        "Update the letter template",
        "--owner",
        "Bo.Khan@Example.org",
        "--action-due",
        "2027-01-29",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("no reminder"), "{}", stdout(&out));
    let out = add(&[
        "CSC-1",
        "--stage",
        "1",
        "--text",
        "Officers cover each other's post",
        "--action",
        "Rota",
        "--owner",
        "Head of Service",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no reminder will go to them"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("2 entries on record"),
        "{}",
        stdout(&out)
    );
    let store = db.store().await;
    let stage = store
        .find_stage(
            &casewatch::domain::Reference::parse("CSC-5").unwrap(),
            casewatch::domain::Stage::new(1).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let learning = store.learning_of(stage.stage_id).await.unwrap();
    assert_eq!(learning.len(), 1);
    assert_eq!(learning[0].text, "- letters now name a contact");
    assert_eq!(
        learning[0].action_owner.as_deref(),
        Some("bo.khan@example.org")
    );
    assert_eq!(learning[0].via, "cli");
    store.close().await;

    let period = ["--from", "2026-04-01", "--to", today.as_str()];
    let listing = |command: &str| {
        let mut args = vec![command];
        args.extend_from_slice(&period);
        args.extend_from_slice(&["--format", "json"]);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let reasons = listing("reasons");
    let reasons = reasons.as_array().unwrap();
    let said: Vec<(&str, &str, &str, &str)> = reasons
        .iter()
        .map(|r| {
            (
                r["reference"].as_str().unwrap(),
                r["category"].as_str().unwrap(),
                r["via"].as_str().unwrap(),
                r["answered"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        said,
        [
            ("CSC-1", "Staff absence or capacity", "import", "late"),
            ("CSC-1", "Waiting for legal advice", "cli", "open"),
        ]
    );
    assert_eq!(reasons[1]["expected_response_on"], "2026-12-11");
    assert_eq!(reasons[1]["manager_email"], "ann.lee@example.org");

    // Learning given now, then the upheld responses of the period without.
    // CSC-5 now has learning; CSC-1's came with the import.
    let learning = listing("learning");
    let lines: Vec<(&str, &str, &str)> = learning
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["reference"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
                l["learning"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("CSC-1", "partly upheld", "recorded"),
            ("CSC-5", "upheld", "recorded"),
            ("CSC-1", "partly upheld", "recorded"),
        ]
    );
    assert_eq!(learning[1]["action_due_on"], "2027-01-29");
    // A period with nothing in it, and bad input.
    let out = run(&[
        "reasons",
        "--from",
        "2020-04-01",
        "--to",
        "2020-05-01",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
    for bad in [
        vec!["reasons", "--from", "2026-12-01", "--to", "2026-11-01"],
        vec!["reasons", "--from", "31/02/2026"],
        vec!["learning", "--format", "xml"],
        vec![
            "add-learning",
            "CSC-5",
            "--stage",
            "9",
            "--text",
            "Parks letters were unclear",
        ],
    ] {
        let out = run(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
}

crate::helpers::on_both_backends!(reasons_and_learning_are_listed);
