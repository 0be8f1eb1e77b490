//! The digests on both backends: made once per period at Monday 08:00
//! London time, their files, their e-mails queued to the right people,
//! two instances racing for one, and the command by hand.
//!
//! The week of Monday 5 October 2026, made on Monday 12th:
//! - CSC-1 (Ann, whose head of service is head.children@): due 29
//!   September (20 working days), answered 5 October, four working days
//!   late, with a reason; partly upheld, with learning;
//! - CSC-2 (Bo, no head of service): due 28 September, answered 6
//!   October, six working days late, no reason; not upheld;
//! - CSC-3 (Ann): due 12 October, answered 7 October, on time; upheld,
//!   no learning.

use std::collections::BTreeSet;
use std::path::Path;

use casewatch::digest::{DigestJob, Due, Period};
use casewatch::settings::Settings;
use casewatch::store::{Claim, DigestKind, NewMessage, Store};
use casewatch::templates::Templates;
use chrono::{DateTime, NaiveDate, Utc};

use crate::helpers::{STAFF_CSV, TestDb, casewatch, on_both_backends, stderr, stdout, write};

on_both_backends!(
    each_digest_is_made_once_per_period_with_its_files_and_emails,
    two_instances_make_a_digest_once,
);

const CASES: &str = "\
reference,kind,stage,received_on,team,manager_email,extended_working_days,responded_on,outcome,learning,delay_reason_category,delay_reason
CSC-1,statutory,1,2026-09-01,Fostering,ann.lee@example.org,20,2026-10-05,partially upheld,Letters name a contact,staff capacity,Officer on leave
CSC-2,statutory,1,2026-09-14,Parks,bo.khan@example.org,,2026-10-06,not upheld,,,
CSC-3,statutory,1,2026-09-28,Fostering,ann.lee@example.org,,2026-10-07,upheld,,,
";

const SETTINGS: &str = r#"
[digests.learning]
recipients = ["Centre for Professional Practice <cpp@example.org>"]
"#;

/// Imports the staff and the cases through the binary and loads the
/// settings the binary used.
fn load(db: &TestDb) -> Settings {
    let dir = db.dir.path();
    let file = write(dir, "casewatch.toml", SETTINGS);
    let env = [
        ("CASEWATCH__DATABASE__URL".to_owned(), db.url()),
        ("CASEWATCH__DATA_DIR".to_owned(), dir.display().to_string()),
    ];
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES);
    let config = file.to_str().unwrap();
    for args in [
        vec![
            "--config",
            config,
            "import",
            "staff",
            staff.to_str().unwrap(),
        ],
        vec![
            "--config",
            config,
            "import",
            "cases",
            cases.to_str().unwrap(),
            "--as-of",
            "2026-10-12",
        ],
    ] {
        let out = casewatch(dir, &pairs, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    Settings::load_from(Some(&file), Some(env.into_iter().collect())).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn week() -> Period {
    Period {
        from: date("2026-10-05"),
        to: date("2026-10-11"),
    }
}

/// Monday 12 October 2026, 08:00 BST.
const MONDAY_EIGHT: &str = "2026-10-12T07:00:00Z";

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The outbox's e-mails for `day`: recipient and subject.
async fn queued(store: &Store, day: &str) -> BTreeSet<(String, String)> {
    store
        .messages_of(date(day))
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.recipient, m.subject))
        .collect()
}

async fn each_digest_is_made_once_per_period_with_its_files_and_emails(db: TestDb) {
    let settings = load(&db);
    let store = db.store().await;
    let templates = Templates::load(None).unwrap();
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await
        .unwrap();
    let job = DigestJob {
        store: &store,
        settings: &settings,
        templates: &templates,
        calendar: &calendar,
    };
    let run = |kind: DigestKind, now: &str| {
        let job = &job;
        let now = at(now);
        async move { job.run_if_due(kind, now, "instance-a").await.unwrap() }
    };

    let Due::MadeNow(learning) = run(DigestKind::Learning, MONDAY_EIGHT).await else {
        panic!("the learning digest was not made");
    };
    assert_eq!(learning.period, week());
    assert_eq!(
        learning.recipients,
        ["Centre for Professional Practice <cpp@example.org>"]
    );
    let Due::MadeNow(escalation) = run(DigestKind::Escalation, MONDAY_EIGHT).await else {
        panic!("the heads-of-service digest was not made");
    };
    assert_eq!(
        escalation.recipients,
        [
            "head.children@example.org",
            "Complaints team <complaints@council.example>"
        ]
    );

    // Again at 08:15, or on the Wednesday: made already.
    for now in ["2026-10-12T07:15:00Z", "2026-10-14T10:00:00Z"] {
        assert_eq!(run(DigestKind::Learning, now).await, Due::Made);
        assert_eq!(run(DigestKind::Escalation, now).await, Due::Made);
    }

    let dir = &settings.digests.dir;
    let html = read(dir, "learning-2026-10-05_2026-10-11.html");
    let with = html.find("With learning (1)").unwrap();
    let without = html.find("No learning recorded yet (1)").unwrap();
    let csc1 = html.find("CSC-1, stage 1: Partly upheld").unwrap();
    let csc3 = html.find("CSC-3, stage 1: Upheld").unwrap();
    assert!(with < csc1 && csc1 < without && without < csc3, "{html}");
    assert!(html.contains("Letters name a contact"), "{html}");
    assert!(!html.contains("CSC-2"), "not upheld: {html}");
    assert!(
        html.contains("Monday 5 October 2026 to Sunday 11 October 2026"),
        "{html}"
    );
    let csv = read(dir, "learning-2026-10-05_2026-10-11.csv");
    assert_eq!(csv.lines().count(), 3, "{csv}");

    let head = read(
        dir,
        "escalation-head.children-at-example.org-2026-10-05_2026-10-11.html",
    );
    assert!(
        head.contains("With a reason for the delay (1)")
            && head.contains("<td>CSC-1</td>")
            && head.contains("4 working days late")
            && head.contains("Staff absence or capacity</strong>: Officer on leave"),
        "{head}"
    );
    assert!(!head.contains("CSC-2") && !head.contains("CSC-3"), "{head}");
    let team = read(dir, "escalation-complaints-team-2026-10-05_2026-10-11.html");
    assert!(
        team.contains("No reason given (1)")
            && team.contains("<td>CSC-2</td>")
            && team.contains("6 working days late"),
        "{team}"
    );
    assert!(!team.contains("CSC-1"), "{team}");
    let team_csv = read(dir, "escalation-complaints-team-2026-10-05_2026-10-11.csv");
    assert!(
        team_csv.contains(
            "without_reason,CSC-2,statutory,1,Parks,Bo Khan,2026-09-14,2026-10-06,2026-09-28,6,,,"
        ),
        "{team_csv}"
    );

    // One e-mail to each recipient, for Monday, none repeated.
    let subject = |what: &str| format!("{what}: 5 to 11 October 2026");
    let learning_subject = subject("Learning from upheld complaints");
    let late_subject = subject("Late complaint responses");
    let expected: BTreeSet<(String, String)> = [
        (
            "Centre for Professional Practice <cpp@example.org>",
            &learning_subject,
        ),
        ("head.children@example.org", &late_subject),
        (
            "Complaints team <complaints@council.example>",
            &late_subject,
        ),
    ]
    .into_iter()
    .map(|(to, subject)| (to.to_owned(), subject.clone()))
    .collect();
    assert_eq!(queued(&store, "2026-10-12").await, expected);
    assert_eq!(
        store.messages_of(date("2026-10-12")).await.unwrap().len(),
        3
    );

    // Turned off, nothing is made.
    let mut off = settings.clone();
    off.digests.learning.recipients.clear();
    off.digests.escalation.enabled = false;
    let job = DigestJob {
        settings: &off,
        ..job
    };
    for kind in DigestKind::ALL {
        let next_week = at("2026-10-19T07:00:00Z");
        assert_eq!(
            job.run_if_due(kind, next_week, "a").await.unwrap(),
            Due::Off
        );
    }
}

async fn two_instances_make_a_digest_once(db: TestDb) {
    let settings = load(&db);
    let store = db.store().await;
    let (from, to) = (date("2026-10-05"), date("2026-10-11"));
    let now = at(MONDAY_EIGHT);
    let kind = DigestKind::Escalation;

    // Two claims at once: one wins.
    let (a, b) = tokio::join!(
        store.claim_digest(kind, (from, to), now, "a"),
        store.claim_digest(kind, (from, to), now, "b"),
    );
    let mut claims = [a.unwrap(), b.unwrap()];
    claims.sort_by_key(|c| *c != Claim::Claimed);
    assert_eq!(claims, [Claim::Claimed, Claim::Taken]);
    // The other kind, or another period, is a claim of its own.
    assert_eq!(
        store
            .claim_digest(DigestKind::Learning, (from, to), now, "b")
            .await
            .unwrap(),
        Claim::Claimed
    );

    // "a" holds it (whichever won, "a" reclaims its own, "b" cannot).
    let winner = if store
        .claim_digest(kind, (from, to), now, "a")
        .await
        .unwrap()
        == Claim::Claimed
    {
        "a"
    } else {
        "b"
    };
    let loser = if winner == "a" { "b" } else { "a" };
    let message = NewMessage {
        recipient: "head.children@example.org".to_owned(),
        cc: None,
        subject: "Late complaint responses".to_owned(),
        body_text: "text".to_owned(),
        body_html: "<p>html</p>".to_owned(),
        ics: None,
        reminder_ids: Vec::new(),
    };
    let day = date("2026-10-12");
    let messages = std::slice::from_ref(&message);
    // The loser cannot record it done, and queues nothing.
    assert!(
        !store
            .finish_digest(kind, (from, to), loser, (day, messages), now)
            .await
            .unwrap()
    );
    assert!(queued(&store, "2026-10-12").await.is_empty());
    // Eleven minutes on, the claim is stale and the loser takes it over;
    // the first, late to finish, queues nothing.
    let later = now + chrono::Duration::minutes(11);
    assert_eq!(
        store
            .claim_digest(kind, (from, to), later, loser)
            .await
            .unwrap(),
        Claim::Claimed
    );
    assert!(
        !store
            .finish_digest(kind, (from, to), winner, (day, messages), later)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_digest(kind, (from, to), loser, (day, messages), later)
            .await
            .unwrap()
    );
    assert_eq!(queued(&store, "2026-10-12").await.len(), 1);
    assert_eq!(
        store
            .claim_digest(kind, (from, to), later, "c")
            .await
            .unwrap(),
        Claim::Made
    );

    // A failed run is taken up again at the next poll.
    store
        .fail_digest(DigestKind::Learning, (from, to), "b", "disk full", now)
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_digest(DigestKind::Learning, (from, to), later, "c")
            .await
            .unwrap(),
        Claim::Claimed
    );

    // Two instances running the whole job for the next week at once: one
    // makes it, one e-mail per recipient.
    let templates = Templates::load(None).unwrap();
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await
        .unwrap();
    let job = DigestJob {
        store: &store,
        settings: &settings,
        templates: &templates,
        calendar: &calendar,
    };
    let monday = at("2026-10-19T07:00:00Z");
    let (a, b) = tokio::join!(
        job.run_if_due(kind, monday, "a"),
        job.run_if_due(kind, monday, "b"),
    );
    let made: Vec<bool> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .map(|due| matches!(due, Due::MadeNow(_)))
        .collect();
    assert_eq!(made.iter().filter(|m| **m).count(), 1, "{made:?}");
    // The week of 12 October has no late responses: nobody is sent one.
    assert!(queued(&store, "2026-10-19").await.is_empty());
}

/// The command by hand, on SQLite: the files for given dates, and no
/// e-mail with --no-email.
#[tokio::test]
async fn the_digest_command_writes_the_files_of_the_dates_given() {
    let db = TestDb::sqlite().await;
    let settings = load(&db);
    let dir = db.dir.path();
    let env = [("CASEWATCH__DATABASE__URL", db.url())];
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out_dir = dir.join("by-hand");
    let out = casewatch(
        dir,
        &pairs,
        &[
            "digest",
            "escalation",
            "--from",
            "2026-10-05",
            "--to",
            "2026-10-11",
            "--out",
            out_dir.to_str().unwrap(),
            "--no-email",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.starts_with("escalation digest, 2026-10-05 to 2026-10-11:\n"),
        "{printed}"
    );
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "escalation-complaints-team-2026-10-05_2026-10-11.csv",
            "escalation-complaints-team-2026-10-05_2026-10-11.html",
            "escalation-head.children-at-example.org-2026-10-05_2026-10-11.csv",
            "escalation-head.children-at-example.org-2026-10-05_2026-10-11.html",
        ]
    );
    assert!(!printed.contains("queued"), "{printed}");
    let store = db.store().await;
    assert!(queued(&store, "2026-10-12").await.is_empty());
    drop(settings);

    let out = casewatch(
        dir,
        &pairs,
        &[
            "digest",
            "learning",
            "--from",
            "2026-10-11",
            "--to",
            "2026-10-05",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("--from 2026-10-11 is after --to 2026-10-05"),
        "{}",
        stderr(&out)
    );
}
