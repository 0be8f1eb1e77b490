//! The case feed, run by the binary as `run` would run it: a real drop
//! folder written by real child processes, real programs as sources, and
//! the store on both backends.

use std::path::Path;
use std::time::{Duration, Instant};

use casewatch::domain::today_in_london;
use serde_json::Value;

use crate::helpers::{
    CASES_CSV, STAFF_CSV, TestDb, casewatch, command, on_both_backends, stderr, stdout, write,
};

/// The settings of a folder feed on `db`, by environment variable.
fn folder_env(db: &TestDb, folder: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("CASEWATCH__DATABASE__URL", db.url()),
        ("CASEWATCH__FEED__KIND", "folder".to_owned()),
        ("CASEWATCH__FEED__FOLDER", folder.display().to_string()),
        ("CASEWATCH__FEED__SETTLE_SECONDS", "1".to_owned()),
    ]
}

fn run(dir: &Path, env: &[(&'static str, String)], args: &[&str]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    casewatch(dir, &env, args)
}

/// `feed status --format json`.
fn status(dir: &Path, env: &[(&'static str, String)]) -> Value {
    let out = run(dir, env, &["feed", "status", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn outcomes(status: &Value) -> Vec<(String, String)> {
    status["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Good files are imported and moved to done/; a file with one bad row is
/// moved whole to rejected/ with its errors beside it, and the complaints
/// team gets an e-mail; files still being named as in progress stay.
async fn a_folder_feed_takes_good_files_and_sets_aside_bad_ones(db: TestDb) {
    let dir = db.dir.path();
    let folder = dir.join("drop");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "staff.csv", STAFF_CSV);
    write(&folder, "cases-1.csv", CASES_CSV);
    let bad = CASES_CSV.replace(
        "CORP-2,corporate,1,02/11/2026",
        "CORP-2,corporate,1,31/02/2026",
    );
    write(&folder, "cases-2.csv", &bad);
    write(&folder, "cases-3.csv.part", CASES_CSV);
    write(&folder, "~$cases-4.csv", CASES_CSV);
    write(&folder, "complaints.csv", CASES_CSV);
    let env = folder_env(&db, &folder);

    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let today = today_in_london().to_string();
    let done = folder.join("done").join(&today);
    let rejected = folder.join("rejected").join(&today);
    assert!(done.join("staff.csv").is_file() && done.join("cases-1.csv").is_file());
    assert!(rejected.join("cases-2.csv").is_file());
    let errors = std::fs::read_to_string(rejected.join("cases-2.csv.errors.txt")).unwrap();
    assert!(
        errors.starts_with("cases-2.csv:4: received_on:"),
        "{errors}"
    );
    for stays in ["cases-3.csv.part", "~$cases-4.csv", "complaints.csv"] {
        assert!(folder.join(stays).is_file(), "{stays} was taken");
    }
    let runs = outcomes(&status(dir, &env));
    assert_eq!(
        runs,
        [
            ("cases-2.csv".to_owned(), "rejected".to_owned()),
            ("cases-1.csv".to_owned(), "imported".to_owned()),
            ("staff.csv".to_owned(), "imported".to_owned()),
        ]
    );
    let store = db.store().await;
    assert_eq!(store.stages().await.unwrap().len(), 5);
    let told = store.messages_of(today_in_london()).await.unwrap();
    assert!(
        told.iter().any(|m| m
            .subject
            .contains("cases-2.csv from the case feed was rejected")
            && m.recipient.contains("complaints@")),
        "{told:?}"
    );

    // The same file dropped again changes nothing, and is kept beside the first.
    write(&folder, "cases-1.csv", CASES_CSV);
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cases-1.csv: imported 5 row(s): 0 new, 0 changed"),
        "{}",
        stdout(&out)
    );
    assert!(done.join("2-cases-1.csv").is_file());
    // A file Excel saved as "CSV (Comma delimited)" is read, and said to be.
    let cafe = CASES_CSV.replace("Letters name a contact", "Letters name the caf\u{e9}");
    let windows_1252: Vec<u8> = cafe
        .chars()
        .map(|c| if c == '\u{e9}' { 0xE9 } else { c as u8 })
        .collect();
    std::fs::write(folder.join("cases-5.csv"), windows_1252).unwrap();
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cases-5.csv: read as Windows-1252"),
        "{}",
        stdout(&out)
    );
    // Nothing new: recorded as such, and the misnamed file is pointed out.
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("no new file"), "{}", stdout(&out));
    assert!(stdout(&out).contains("complaints.csv"), "{}", stdout(&out));
}

/// A file a program is still writing is left for a later run; once it
/// stops changing it is taken.
async fn a_file_still_being_written_is_not_taken(db: TestDb) {
    let dir = db.dir.path();
    let folder = dir.join("drop");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "staff.csv", STAFF_CSV);
    let env = folder_env(&db, &folder);
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A line every 0.3 s for about 6 s: changing at every look.
    let lines: Vec<&str> = CASES_CSV.lines().collect();
    let script = format!(
        "import sys, time\nwith open(sys.argv[1], 'w') as f:\n    for line in {lines:?}:\n        f.write(line + '\\n'); f.flush(); time.sleep(0.3)\n    for _ in range(15):\n        f.write('\\n'); f.flush(); time.sleep(0.3)\n"
    );
    let mut writer = std::process::Command::new("python3")
        .args(["-c", &script, folder.join("cases.csv").to_str().unwrap()])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("no new file"), "{}", stdout(&out));
    assert!(folder.join("cases.csv").is_file());
    assert!(writer.wait().unwrap().success());
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cases.csv: imported 5 row(s): 5 new"),
        "{}",
        stdout(&out)
    );
    assert!(!folder.join("cases.csv").exists());
}

/// A file that cannot be read (here a link to nowhere) is reported as a
/// failed run, not skipped.
async fn a_file_that_cannot_be_read_is_reported(db: TestDb) {
    let dir = db.dir.path();
    let folder = dir.join("drop");
    std::fs::create_dir(&folder).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.csv"), folder.join("cases.csv")).unwrap();
    let env = folder_env(&db, &folder);
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("cases.csv: failed"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("cannot read"), "{}", stdout(&out));
    let runs = outcomes(&status(dir, &env));
    assert_eq!(runs, [("cases.csv".to_owned(), "failed".to_owned())]);
}

on_both_backends!(
    a_folder_feed_takes_good_files_and_sets_aside_bad_ones,
    a_file_still_being_written_is_not_taken,
    a_file_that_cannot_be_read_is_reported,
);

/// A command feed on `db`: a settings file (lists cannot be set through
/// the environment) and the database by environment variable.
fn command_env(db: &TestDb, cases: &[&str], staff: &[&str]) -> Vec<(&'static str, String)> {
    let list = |argv: &[&str]| serde_json::to_string(argv).unwrap();
    let settings = db
        .dir
        .path()
        .join(format!("feed-{}.toml", fastrand::u32(..)));
    std::fs::write(
        &settings,
        format!(
            "[feed]\nkind = \"command\"\ncommand = {}\nstaff_command = {}\ntimeout_seconds = 1\n",
            list(cases),
            list(staff)
        ),
    )
    .unwrap();
    vec![
        ("CASEWATCH__DATABASE__URL", db.url()),
        ("CASEWATCH_CONFIG", settings.display().to_string()),
    ]
}

/// A program's output is imported; one that exits 3 fails the run with
/// what it said on standard error, and never sees casewatch's own secrets;
/// one that hangs is stopped at its time-out.
#[tokio::test]
async fn a_command_feed_imports_its_output_and_fails_plainly() {
    let db = TestDb::sqlite().await;
    let dir = db.dir.path();
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES_CSV);
    let env = command_env(
        &db,
        &["cat", cases.to_str().unwrap()],
        &["cat", staff.to_str().unwrap()],
    );
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("cat (output): imported 5 row(s): 5 new"),
        "{}",
        stdout(&out)
    );

    let mut env = command_env(
        &db,
        &[
            "sh",
            "-c",
            "echo \"secrets seen: $(env | grep -c CASEWATCH__)\" >&2; exit 3",
        ],
        &[],
    );
    env.push(("CASEWATCH__MAIL__SMTP__PASSWORD", "hunter2".to_owned()));
    env.push(("CASEWATCH__MAIL__SMTP__USERNAME", "me".to_owned()));
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("sh exit status: 3; it said: secrets seen: 0"),
        "{said}"
    );

    let env = command_env(&db, &["sleep", "60"], &[]);
    let started = Instant::now();
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        stdout(&out).contains("sleep did not finish within 1 s (feed.timeout_seconds)"),
        "{}",
        stdout(&out)
    );
    let runs = outcomes(&status(dir, &env));
    assert_eq!(
        runs.iter().map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
        ["failed", "failed", "imported"]
    );
}

/// A complete extract closes the open stages it no longer lists (kept, and
/// no longer open), and one that would close too many is refused whole.
async fn a_complete_extract_closes_what_left_the_case_system(db: TestDb) {
    let dir = db.dir.path();
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES_CSV);
    let mut env = command_env(
        &db,
        &["cat", cases.to_str().unwrap()],
        &["cat", staff.to_str().unwrap()],
    );
    env.push(("CASEWATCH__FEED__COMPLETE", "true".to_owned()));
    env.push(("CASEWATCH__FEED__MAX_CLOSED_SHARE", "0.3".to_owned()));
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Four stages are open; ASC-3 leaves the case system: a quarter.
    let without = |refs: &[&str]| {
        CASES_CSV
            .lines()
            .filter(|l| !refs.iter().any(|r| l.starts_with(r)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    write(dir, "cases.csv", &without(&["ASC-3"]));
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 closed as no longer in the case system"),
        "{}",
        stdout(&out)
    );
    let listed = stdout(&run(dir, &env, &["cases", "--format", "csv"]));
    let asc = listed.lines().find(|l| l.starts_with("ASC-3,")).unwrap();
    assert!(asc.contains(",left case system,"), "{listed}");
    // The weekly tracker is made as of its day in the week: next week's
    // lists what left the case system today.
    let next_week = today_in_london() + chrono::Days::new(7);
    let as_of = next_week.to_string();
    let args = [
        "tracker",
        "--no-email",
        "--out",
        "tracker",
        "--as-of",
        &as_of,
    ];
    let out = run(dir, &env, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tracker = |ext: &str| {
        let week = casewatch::tracker::iso_week(next_week);
        std::fs::read_to_string(dir.join(format!("tracker/tracker-{week}.{ext}"))).unwrap()
    };
    assert!(
        tracker("csv")
            .lines()
            .any(|l| l.starts_with("left_case_system,ASC-3,adult,1,")),
        "{}",
        tracker("csv")
    );
    assert!(
        tracker("html").contains("<h2>No longer in the case system this year (1)</h2>"),
        "{}",
        tracker("html")
    );

    // Two of the three still open gone: refused whole, nothing changed.
    write(dir, "cases.csv", &without(&["ASC-3", "CORP-2", "CPL-4"]));
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("it would close 2 of the 3 open stages"),
        "{}",
        stdout(&out)
    );
    let store = db.store().await;
    assert_eq!(
        store.stages().await.unwrap().len(),
        5,
        "closed stages are kept"
    );
    let runs = outcomes(&status(dir, &env));
    assert_eq!(
        runs.iter().map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
        ["refused", "imported", "imported"]
    );
    // Listed again, ASC-3 is back in the case system: open again.
    write(dir, "cases.csv", CASES_CSV);
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 changed, 0 closed"),
        "{}",
        stdout(&out)
    );
}

/// Data older than feed.max_age_hours holds back overdue notices and
/// escalations, and the complaints team is told once that day; fresh data
/// lets them go.
async fn stale_data_holds_back_overdue_notices(db: TestDb) {
    let dir = db.dir.path();
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES_CSV);
    let env = command_env(
        &db,
        &["cat", cases.to_str().unwrap()],
        &["cat", staff.to_str().unwrap()],
    );
    // Refreshed on Wednesday 25 November 2026, at the time of day it is now.
    let out = run(dir, &env, &["feed", "run", "--as-of", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Monday 30th: two and a half working days later (the weekend does
    // not count), past the 26 hours allowed.
    let out = run(
        dir,
        &env,
        &["poll", "--once", "--as-of", "2026-11-30", "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(dir, &env, &["poll", "--once", "--as-of", "2026-11-30"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("held back: the case data is stale"), "{said}");
    let store = db.store().await;
    let day = casewatch::domain::parse_date("2026-11-30").unwrap();
    let queued = store.messages_of(day).await.unwrap();
    let stale: Vec<_> = queued
        .iter()
        .filter(|m| m.subject.contains("the case data is out of date"))
        .collect();
    assert_eq!(stale.len(), 1, "{queued:?}");
    assert!(
        queued
            .iter()
            .all(|m| !m.subject.contains("overdue") || m.subject.contains("out of date")),
        "{queued:?}"
    );
    // Polling again that day tells the team nothing more.
    let out = run(dir, &env, &["poll", "--once", "--as-of", "2026-11-30"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let again = store.messages_of(day).await.unwrap();
    assert_eq!(again.len(), queued.len(), "{again:?}");

    // Refreshed on the Tuesday (at the time of day it is now; the poll is
    // at 08:00, so the data is at most eight hours old, or from later that
    // day): the overdue notices go.
    let out = run(dir, &env, &["feed", "run", "--as-of", "2026-12-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tuesday = casewatch::domain::parse_date("2026-12-01").unwrap();
    let out = run(dir, &env, &["poll", "--once", "--as-of", "2026-12-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("held back"), "{}", stdout(&out));
    let sent = store.messages_of(tuesday).await.unwrap();
    assert!(
        sent.iter()
            .any(|m| m.subject.contains("overdue") || m.subject.contains("escalated")),
        "{sent:?}"
    );
}

on_both_backends!(
    a_complete_extract_closes_what_left_the_case_system,
    stale_data_holds_back_overdue_notices,
);

/// casewatch killed in the middle of a feed run leaves the database as it
/// was and the file where it lay, to be taken by the next run. On
/// PostgreSQL, where the test can hold the run inside its transaction: a
/// lock the test holds on `case_stages` stops the import at its write, and the
/// process is killed while it waits.
#[tokio::test]
async fn a_feed_run_killed_half_way_changes_nothing() {
    use sqlx::{Connection, Executor};
    let db = TestDb::postgres().await;
    let dir = db.dir.path();
    let folder = dir.join("drop");
    std::fs::create_dir(&folder).unwrap();
    write(&folder, "staff.csv", STAFF_CSV);
    write(&folder, "cases.csv", CASES_CSV);
    let env = folder_env(&db, &folder);
    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = outcomes(&status(dir, &env));

    let answered = CASES_CSV.replace(
        "CORP-2,corporate,1,02/11/2026,Parks,bo.khan@example.org,,,,,,",
        "CORP-2,corporate,1,02/11/2026,Parks,bo.khan@example.org,,,,2026-11-20,upheld,",
    );
    assert_ne!(answered, CASES_CSV);
    write(&folder, "cases-2.csv", &answered);
    let mut lock = sqlx::PgConnection::connect(&db.url()).await.unwrap();
    lock.execute("BEGIN; LOCK TABLE case_stages IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = command(dir, &vars, &["feed", "run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Another connection watches: a transaction sees pg_stat_activity as
    // it was at its first look.
    let mut watch = sqlx::PgConnection::connect(&db.url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watch)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the feed run never reached its import"
        );
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            panic!("the feed run ended: {}{}", stdout(&out), stderr(&out));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    lock.execute("ROLLBACK").await.unwrap();

    let store = db.store().await;
    let corp = |stages: Vec<casewatch::store::StageRow>| {
        stages
            .into_iter()
            .find(|s| s.reference.as_str() == "CORP-2")
            .unwrap()
            .responded_on
    };
    assert_eq!(corp(store.stages().await.unwrap()), None);
    assert_eq!(outcomes(&status(dir, &env)), before, "no run was recorded");
    assert!(folder.join("cases-2.csv").is_file(), "the file was moved");

    let out = run(dir, &env, &["feed", "run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        corp(store.stages().await.unwrap()),
        Some("2026-11-20".parse().unwrap())
    );
    assert!(!folder.join("cases-2.csv").exists());
}

/// A settings file for a sql feed on `url`, and the database by variable.
fn sql_env(db: &TestDb, url: &str) -> Vec<(&'static str, String)> {
    let settings = db.dir.path().join("feed-sql.toml");
    std::fs::write(
        &settings,
        "[feed]\nkind = \"sql\"\n\
         staff_query = \"SELECT email, name, team, escalation AS escalation_email FROM staff\"\n\
         cases_query = \"SELECT ref AS reference, kind, stage, received AS received_on, team, manager AS manager_email FROM cases ORDER BY ref\"\n\
         timeout_seconds = 5\n",
    )
    .unwrap();
    vec![
        ("CASEWATCH__DATABASE__URL", db.url()),
        ("CASEWATCH_CONFIG", settings.display().to_string()),
        ("CASEWATCH__FEED__URL", url.to_owned()),
    ]
}

/// A second PostgreSQL database stands in as the case system's reporting
/// database: its rows are imported, a bad value is named by row and
/// column; when it is down the run fails, is tried again, and once the
/// data is older than feed.max_age_hours overdue notices are held back.
#[tokio::test]
async fn a_sql_feed_reads_the_reporting_database_and_survives_it_going_down() {
    use sqlx::Connection;
    let db = TestDb::sqlite().await;
    let source = TestDb::postgres().await;
    let mut conn = sqlx::PgConnection::connect(&source.url()).await.unwrap();
    for statement in [
        "CREATE TABLE staff (email text, name text, team text, escalation text)",
        "INSERT INTO staff VALUES ('bo.khan@example.org', 'Bo Khan', 'Parks', NULL)",
        "CREATE TABLE cases (ref text, kind text, stage int, received date, team text, manager text)",
        "INSERT INTO cases VALUES ('CORP-2', 'corporate', 1, '2026-11-02', 'Parks', 'bo.khan@example.org'),
                                  ('CORP-7', 'corporate', 1, NULL, 'Parks', 'bo.khan@example.org')",
    ] {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    let dir = db.dir.path();
    let env = sql_env(&db, &source.url());
    let out = run(dir, &env, &["feed", "run", "--as-of", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("feed.cases_query:2: received_on:"),
        "{}",
        stdout(&out)
    );
    sqlx::query("UPDATE cases SET received = '2026-11-03' WHERE ref = 'CORP-7'")
        .execute(&mut conn)
        .await
        .unwrap();
    let out = run(dir, &env, &["feed", "run", "--as-of", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("feed.cases_query: imported 2 row(s): 2 new"),
        "{}",
        stdout(&out)
    );

    // The server goes away (a port nothing listens on): the run fails,
    // naming the server but never the password, and is tried again.
    let down = sql_env(&db, "postgres://reader:s3cret-pw@127.0.0.1:1/cases");
    for _ in 0..2 {
        let out = run(dir, &down, &["feed", "run", "--as-of", "2026-11-26"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let said = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            said.contains("127.0.0.1:1") && !said.contains("s3cret-pw"),
            "{said}"
        );
    }
    let runs = outcomes(&status(dir, &down));
    assert_eq!(
        runs.iter().map(|(_, o)| o.as_str()).collect::<Vec<_>>(),
        ["failed", "failed", "imported", "rejected"]
    );
    // Monday 30th: still down, the data from the 25th is stale.
    let out = run(dir, &down, &["poll", "--once", "--as-of", "2026-11-30"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("held back"), "{}", stdout(&out));
}
