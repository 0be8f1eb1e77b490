//! The weekly tracker on both backends: the files and their contents, the
//! same week made twice, the XLSX read back, once per ISO week at the right
//! Europe/London hour in GMT and in BST, and a render in headless Chromium.

use std::path::Path;

use calamine::{Data, DataType, Reader, Xlsx};
use casewatch::domain::london_instant;
use casewatch::mail::Transport;
use casewatch::settings::Settings;
use casewatch::templates::Templates;
use casewatch::tracker::{Due, TrackerJob};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::helpers::{
    CASES_CSV, TestDb, casewatch, import_sample, on_both_backends, stderr, stdout, write,
};

on_both_backends!(
    a_weeks_tracker_is_written_the_same_twice_and_reads_back,
    the_tracker_counts_open_as_cases_lists_and_shows_what_was_said,
    the_tracker_is_made_once_per_week_at_seven_london_time,
);

fn load(db: &TestDb) -> Vec<(String, String)> {
    let dir = db.dir.path();
    let env = vec![
        ("CASEWATCH__DATABASE__URL".to_owned(), db.url()),
        (
            "CASEWATCH__MAIL__DIR".to_owned(),
            dir.join("mail").display().to_string(),
        ),
        (
            "CASEWATCH__TRACKER__DIR".to_owned(),
            dir.join("trackers").display().to_string(),
        ),
    ];
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    import_sample(dir, &pairs, "2026-11-25");
    env
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

async fn a_weeks_tracker_is_written_the_same_twice_and_reads_back(db: TestDb) {
    let env = load(&db);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = db.dir.path();
    let make = |out: &str| {
        let out_dir = dir.join(out);
        let o = casewatch(
            dir,
            &pairs,
            &[
                "tracker",
                "--as-of",
                "2026-11-26",
                "--out",
                out_dir.to_str().unwrap(),
                "--no-email",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).contains("tracker 2026-W48 (as of 2026-11-23)"),
            "{}",
            stdout(&o)
        );
        out_dir
    };
    let first = make("one");
    let second = make("two");
    for ext in ["html", "csv", "xlsx"] {
        let name = format!("tracker-2026-W48.{ext}");
        let a = std::fs::read(first.join(&name)).unwrap();
        assert_eq!(
            a,
            std::fs::read(second.join(&name)).unwrap(),
            "{name} differs"
        );
        assert!(!a.is_empty());
    }
    // Nothing half-written is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&first)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .collect();
    assert!(leftovers.is_empty());

    // As of Monday 23 November: CSC-1 stage 2 and CORP-2 were due on the
    // 16th (five working days overdue); ASC-3 is due on 15 December.
    let csv = std::fs::read_to_string(first.join("tracker-2026-W48.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("section,reference,kind,stage,team"),
        "{csv}"
    );
    assert!(
        lines.contains(
            &"overdue,CSC-1,statutory,2,Fostering,Ann Lee,2026-10-12,2026-11-16,no,-5,,,,0,,,"
        ),
        "{csv}"
    );
    assert!(
        lines.iter().any(|l| l
            .starts_with("overdue,CORP-2,corporate,1,Parks,Bo Khan,2026-11-02,2026-11-16,no,-5")),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");

    let html = std::fs::read_to_string(first.join("tracker-2026-W48.html")).unwrap();
    assert!(
        html.contains("Complaints tracker, week 2026-W48") && html.contains("<svg"),
        "{html}"
    );
    assert!(html.contains("no reason given"));
    // The import by hand refreshed the data today.
    let refreshed = format!(
        "Case data last refreshed {} at ",
        casewatch::format::long_date(casewatch::domain::today_in_london())
    );
    assert!(html.contains(&refreshed), "{html}");

    let mut book: Xlsx<_> = calamine::open_workbook(first.join("tracker-2026-W48.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Headline",
            "Overdue",
            "Due in the next 5 working days",
            "Answered last week",
            "Acknowledgement due or overdue",
            "No longer in the case system",
            "Upheld, no learning recorded",
            "By team",
            "Undelivered e-mails"
        ]
    );
    let overdue = book.worksheet_range("Overdue").unwrap();
    assert_eq!(
        overdue.get_value((0, 0)),
        Some(&Data::String("Reference".to_owned()))
    );
    let refs: Vec<String> = (1..overdue.height())
        .map(|r| overdue.get_value((r as u32, 0)).unwrap().to_string())
        .collect();
    assert_eq!(refs, ["CORP-2", "CSC-1"]);
    let due = overdue.get_value((1, 6)).unwrap();
    assert!(matches!(due, Data::DateTime(_)), "{due:?}");
    assert_eq!(due.as_date(), Some(date("2026-11-16")));
    let summary = book.worksheet_range("Headline").unwrap();
    assert_eq!(
        summary.get_value((3, 0)),
        Some(&Data::String("Overdue".to_owned()))
    );
    // Numbers, not text: a count, and a share as a fraction.
    assert_eq!(summary.get_value((3, 1)), Some(&Data::Float(2.0)));
    assert_eq!(
        summary.get_value((6, 0)),
        Some(&Data::String(
            "Year to date: answered within 20 working days".to_owned()
        ))
    );
    assert_eq!(summary.get_value((6, 1)), Some(&Data::Float(0.0)));
}

/// Stages besides the sample, for the week of Monday 23 November 2026.
const MORE_CASES: [&str; 3] = [
    // Acknowledged on 16 November: due on the 30th, five working days on.
    "DUE-6,corporate,1,2026-11-16,Parks,bo.khan@example.org,,,,,,,,,2026-11-16",
    // Withdrawn on the 24th: still open on the 23rd.
    "WD-7,corporate,1,2026-11-02,Parks,bo.khan@example.org,,,,2026-11-24,withdrawn,,,,2026-11-02",
    // Upheld with no learning, beside CSC-1 stage 1 (partly upheld, with).
    "UP-8,corporate,1,2026-10-01,Parks,bo.khan@example.org,,,,2026-10-09,upheld,,,,2026-10-01",
];

/// The tracker's open count is `cases --open` on the same day, its rule
/// is stated, and its rows show what was said as people expect.
async fn the_tracker_counts_open_as_cases_lists_and_shows_what_was_said(db: TestDb) {
    let env = load(&db);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = db.dir.path();
    let run = |args: &[&str]| {
        let out = casewatch(dir, &pairs, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let header = CASES_CSV.lines().next().unwrap();
    let more = write(
        dir,
        "more.csv",
        &format!("{header}\n{}\n", MORE_CASES.join("\n")),
    );
    run(&[
        "import",
        "cases",
        more.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    run(&[
        "reason",
        "CORP-2",
        "--stage",
        "1",
        "--category",
        "legal_advice",
        "--text",
        "Counsel's opinion awaited",
        "--expected",
        "2026-12-11",
    ]);

    let open: serde_json::Value = serde_json::from_str(&run(&[
        "cases",
        "--open",
        "--as-of",
        "2026-11-23",
        "--format",
        "json",
    ]))
    .unwrap();
    let open = open.as_array().unwrap().len();
    // ASC-3, CSC-1 stage 2, CORP-2, DUE-6 and WD-7.
    assert_eq!(open, 5);

    let out_dir = dir.join("week");
    run(&[
        "tracker",
        "--as-of",
        "2026-11-23",
        "--out",
        out_dir.to_str().unwrap(),
        "--no-email",
    ]);
    let html = std::fs::read_to_string(out_dir.join("tracker-2026-W48.html")).unwrap();
    assert!(html.contains(casewatch::domain::OPEN_RULE), "{html}");
    assert!(
        html.contains(&format!(
            "<tr><td>Open complaint stages</td><td class=\"num\">{open}</td>"
        )),
        "{html}"
    );
    let row = |reference: &str| {
        html.lines()
            .find(|l| l.starts_with(&format!("<tr><td>{reference}</td>")))
            .unwrap_or_else(|| panic!("no row for {reference}:\n{html}"))
            .to_owned()
    };
    // Overdue with a reason: its label and the date it expects.
    let corp = row("CORP-2");
    assert!(
        corp.contains(
            "<td>Waiting for legal advice: Counsel&#x27;s opinion awaited</td><td>11&#x2f;12&#x2f;2026</td>"
        ),
        "{corp}"
    );
    assert!(row("CSC-1").contains("<td>no reason given</td>"));
    // Due soon, with no reason: nothing is missing yet.
    let due = row("DUE-6");
    assert!(due.contains("<td></td><td></td></tr>"), "{due}");
    assert!(!due.contains("no reason given"), "{due}");

    let mut book: Xlsx<_> = calamine::open_workbook(out_dir.join("tracker-2026-W48.xlsx")).unwrap();
    let headline = book.worksheet_range("Headline").unwrap();
    let figure = |label: &str| {
        let at = (0..headline.height())
            .find(|&r| headline.get_value((r as u32, 0)) == Some(&Data::String(label.to_owned())))
            .unwrap_or_else(|| panic!("no line {label}"));
        headline.get_value((at as u32, 1)).cloned()
    };
    assert_eq!(
        figure("Open complaint stages"),
        Some(Data::Float(open as f64))
    );
    assert_eq!(
        figure("Year to date: upheld responses with learning recorded"),
        Some(Data::Float(1.0))
    );
    assert_eq!(
        figure("Year to date: share of upheld responses with learning recorded"),
        Some(Data::Float(0.5))
    );
    let overdue = book.worksheet_range("Overdue").unwrap();
    let headings: Vec<String> = (0..overdue.width())
        .map(|c| overdue.get_value((0, c as u32)).unwrap().to_string())
        .collect();
    assert_eq!(headings[..3], ["Reference", "Kind", "Stage"]);
    assert_eq!(
        headings[13..],
        ["Reason category", "Reason for delay", "Expected response"]
    );
    let corp = (1..overdue.height())
        .find(|&r| overdue.get_value((r as u32, 0)) == Some(&Data::String("CORP-2".to_owned())))
        .unwrap() as u32;
    assert_eq!(overdue.get_value((corp, 2)), Some(&Data::Float(1.0)));
    assert_eq!(overdue.get_value((corp, 8)), Some(&Data::Float(-5.0)));
    assert_eq!(
        overdue.get_value((corp, 13)),
        Some(&Data::String("Waiting for legal advice".to_owned()))
    );
    assert_eq!(
        overdue.get_value((corp, 15)).unwrap().as_date(),
        Some(date("2026-12-11"))
    );
    let teams = book.worksheet_range("By team").unwrap();
    let parks = (1..teams.height())
        .find(|&r| teams.get_value((r as u32, 0)) == Some(&Data::String("Parks".to_owned())))
        .unwrap() as u32;
    // Parks: CORP-2, DUE-6 and WD-7 open; UP-8 answered on time this year.
    assert_eq!(teams.get_value((parks, 1)), Some(&Data::Float(3.0)));
    assert_eq!(teams.get_value((parks, 3)), Some(&Data::Float(1.0)));
}

async fn the_tracker_is_made_once_per_week_at_seven_london_time(db: TestDb) {
    let env = load(&db);
    let map = env.into_iter().collect();
    let settings = Settings::load_from(None, Some(map)).unwrap();
    let store = db.store().await;
    let templates = Templates::load(None).unwrap();
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await
        .unwrap();
    let transport = Transport::from_settings(&settings.mail).unwrap();
    let job = TrackerJob {
        store: &store,
        settings: &settings,
        templates: &templates,
        calendar: &calendar,
    };
    let at = |day: &str, hh: u32, mm: u32| -> DateTime<Utc> {
        london_instant(date(day), NaiveTime::from_hms_opt(hh, mm, 0).unwrap())
    };
    let made = |when: DateTime<Utc>| {
        let job = &job;
        let transport = &transport;
        async move {
            match job.run_if_due(transport, when, "instance-a").await.unwrap() {
                Due::MadeNow(made) => Some(made.week),
                Due::NotYet | Due::Made | Due::Elsewhere => None,
            }
        }
    };
    let due = |when: DateTime<Utc>| {
        let job = &job;
        let transport = &transport;
        async move { job.run_if_due(transport, when, "instance-a").await.unwrap() }
    };
    // Monday 30 November 2026 (GMT): not at 06:59, once from 07:00.
    assert_eq!(made(at("2026-11-30", 6, 59)).await, None);
    assert_eq!(
        made(at("2026-11-30", 7, 0)).await.as_deref(),
        Some("2026-W49")
    );
    assert_eq!(made(at("2026-11-30", 7, 15)).await, None);
    assert_eq!(due(at("2026-11-30", 7, 20)).await, Due::Made);
    assert_eq!(due(at("2026-12-07", 6, 59)).await, Due::NotYet);
    assert_eq!(made(at("2026-12-02", 9, 0)).await, None);
    // Down over Monday 7 December: made once when back on the Wednesday.
    assert_eq!(
        made(at("2026-12-09", 10, 30)).await.as_deref(),
        Some("2026-W50")
    );
    assert_eq!(made(at("2026-12-09", 10, 45)).await, None);
    // A Monday in summer time: 07:00 BST is 06:00 UTC.
    let bst_seven: DateTime<Utc> = "2027-06-07T06:00:00Z".parse().unwrap();
    assert_eq!(made(bst_seven - chrono::Duration::minutes(1)).await, None);
    assert_eq!(made(bst_seven).await.as_deref(), Some("2027-W23"));

    let trackers = Path::new(&settings.tracker.dir);
    for week in ["2026-W49", "2026-W50", "2027-W23"] {
        assert!(
            trackers.join(format!("tracker-{week}.xlsx")).is_file(),
            "{week}"
        );
    }
    // Each was e-mailed to the complaints team with its files attached.
    let mails: Vec<String> = std::fs::read_dir(db.dir.path().join("mail"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|m| m.contains("Subject: Complaints tracker"))
        .collect();
    assert_eq!(mails.len(), 3);
    assert!(
        mails.iter().all(|m| m.contains("filename=\"tracker-")
            && m.contains("To: \"Complaints team\" <complaints@council.example>")),
        "{}",
        mails[0].lines().take(12).collect::<Vec<_>>().join("\n")
    );
}

#[tokio::test]
async fn the_html_tracker_renders_in_headless_chromium() {
    let db = TestDb::sqlite().await;
    let env = load(&db);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = db.dir.path();
    let out = casewatch(
        dir,
        &pairs,
        &[
            "tracker",
            "--as-of",
            "2026-11-23",
            "--out",
            dir.join("t").to_str().unwrap(),
            "--no-email",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = dir.join("t/tracker-2026-W48.html");
    let png = dir.join("tracker.png");
    let status = std::process::Command::new("/usr/bin/chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1200,1600",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("/usr/bin/chromium is needed (Debian package chromium; bash tests/setup.sh installs it)");
    assert!(status.success());
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
}
