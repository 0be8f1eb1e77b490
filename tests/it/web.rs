//! The delay-reason and learning forms over real HTTP, served by `casewatch
//! run`, on both backends: valid, tampered, expired, unknown and crossed
//! links, late answers and notes, the duplicate guard, form errors, body
//! limits and security headers; and `casewatch reason`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casewatch::calendar::{Calendar, Division};
use casewatch::domain::{Reference, Reminder, Stage, london_time};
use casewatch::links::{Claims, LinkKeys};
use casewatch::store::{NewReminder, Store};
use chrono::{Datelike, Days, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use secrecy::SecretSlice;

use crate::helpers::{
    TestDb, casewatch, import_sample, listening_port, on_both_backends, stderr, unsent,
};

on_both_backends!(
    reason_links_over_http,
    late_answers_notes_and_learning_over_http,
    reasons_recorded_from_the_command_line
);

const KEY: &str = "test-link-key-0123456789abcdefghijklmnopqrstuvwxyz";

/// `casewatch run` in the background, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub fn env(db: &TestDb) -> Vec<(String, String)> {
    vec![
        ("CASEWATCH__DATABASE__URL".to_owned(), db.url()),
        ("CASEWATCH__WEB__LINK_KEYS".to_owned(), KEY.to_owned()),
        (
            "CASEWATCH__MAIL__DIR".to_owned(),
            db.dir.path().join("mail").display().to_string(),
        ),
    ]
}

/// Where the links of the e-mails sent in these tests point: nowhere that
/// resolves. Tests build a link from [`Server::base`], or put it in place
/// of this, as a reverse proxy in front of the service would.
pub const PUBLIC_URL: &str = "http://casewatch.test";

/// Starts `casewatch run` on a port the system picks (port 0), read back
/// from its log, and waits until it is healthy.
pub async fn start(db: &TestDb) -> Server {
    let mut vars = env(db);
    vars.push(("CASEWATCH__WEB__BIND".to_owned(), "127.0.0.1:0".to_owned()));
    // The poll at start measures the overdue stages whatever the hour the
    // tests run at: after the sending window it would record nothing.
    vars.push((
        "CASEWATCH__MAIL__WINDOW_START".to_owned(),
        "00:00".to_owned(),
    ));
    vars.push(("CASEWATCH__MAIL__WINDOW_END".to_owned(), "23:59".to_owned()));
    vars.push((
        "CASEWATCH__WEB__PUBLIC_URL".to_owned(),
        PUBLIC_URL.to_owned(),
    ));
    let log = db.dir.path().join(format!("run-{}.log", fastrand::u32(..)));
    let mut child = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .arg("run")
        .current_dir(db.dir.path())
        .env_remove("RUST_LOG")
        .envs(vars)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let port = listening_port(&log, &mut child);
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = crate::helpers::http()
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            && r.status() == StatusCode::OK
        {
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "casewatch run did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn load(db: &TestDb) {
    let dir = db.dir.path();
    let vars = env(db);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    import_sample(dir, &env, "2026-11-25");
}

pub async fn stage_id(store: &Store, reference: &str, stage: u8) -> i64 {
    let found = store
        .find_stage(
            &Reference::parse(reference).unwrap(),
            Stage::new(stage).unwrap(),
        )
        .await
        .unwrap();
    found.unwrap().stage_id
}

/// Records an overdue reminder to ann.lee about `stage_id` and returns its id.
async fn reminder(store: &Store, stage_id: i64) -> i64 {
    reminder_of(store, stage_id, Reminder::Overdue { notice: 1 }).await
}

/// Records a reminder of `kind` to ann.lee about `stage_id` and returns its id.
async fn reminder_of(store: &Store, stage_id: i64, kind: Reminder) -> i64 {
    let today = london_time(Utc::now()).0;
    let new = NewReminder {
        stage_id,
        kind,
        due_on: "2026-11-16".parse().unwrap(),
        recipient: "ann.lee@example.org".into(),
    };
    store
        .add_reminders(&[new], today, Utc::now())
        .await
        .unwrap();
    unsent(store, today)
        .await
        .iter()
        .find(|r| r.stage.stage_id == stage_id && r.kind == kind)
        .unwrap()
        .id
}

/// The value of a metric without labels.
async fn metric(server: &Server, name: &str) -> f64 {
    let text = crate::helpers::http()
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

fn token(reminder_id: i64, stage_id: i64, expires_on: NaiveDate) -> String {
    let keys = LinkKeys::new(vec![SecretSlice::from(KEY.as_bytes().to_vec())]);
    keys.sign(Claims {
        reminder_id,
        stage_id,
        expires_on,
    })
}

/// The next Saturday after `day`: never a working day.
fn saturday_after(day: NaiveDate) -> NaiveDate {
    day.iter_days()
        .skip(1)
        .find(|d| d.weekday() == Weekday::Sat)
        .unwrap()
}

async fn reason_links_over_http(db: TestDb) {
    load(&db);
    let store = db.store().await;
    let open = stage_id(&store, "CSC-1", 2).await;
    let answered = stage_id(&store, "CSC-1", 1).await;
    let open_reminder = reminder(&store, open).await;
    let answered_reminder = reminder(&store, answered).await;
    let server = start(&db).await;
    let client = crate::helpers::http();
    let today = london_time(Utc::now()).0;
    let later = today + Days::new(30);
    let url = |token: &str| format!("{}/reasons/{token}", server.base);
    let good = url(&token(open_reminder, open, later));

    // The form, with its security headers.
    let page = client.get(&good).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let h = page.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Why is the response to CSC-1 late?"),
        "{body}"
    );
    assert!(
        body.contains("Waiting for legal advice") && body.contains("Monday 16 November 2026"),
        "{body}"
    );

    // Errors come back marked, with the text kept (and escaped).
    let post = |form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let good = good.clone();
        async move { client.post(&good).form(&form).send().await.unwrap() }
    };
    let r = post(vec![("text", "Keep <this> text".to_owned())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("There is a problem") && body.contains("Choose the main reason"),
        "{body}"
    );
    assert!(body.contains("Keep &lt;this&gt; text"), "{body}");
    let yesterday = (today - Days::new(1)).to_string();
    let r = post(vec![
        ("category", "legal_advice".to_owned()),
        ("text", "x".to_owned()),
        ("expected_response_on", yesterday),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("must be today or later"));
    let weekend = saturday_after(today).format("%d/%m/%Y").to_string();
    let r = post(vec![
        ("category", "legal_advice".to_owned()),
        ("text", "x".to_owned()),
        ("expected_response_on", weekend),
    ])
    .await;
    assert!(r.text().await.unwrap().contains("is not a working day"));
    let r = post(vec![
        ("category", "other".to_owned()),
        ("text", "y".repeat(2001)),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(store.reasons_of(open).await.unwrap().is_empty());

    // Too large a body is refused before it is read.
    let r = post(vec![
        ("category", "other".to_owned()),
        ("text", "z".repeat(20_000)),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Too short an explanation tells the complaints team nothing; the
    // error is tied to its field.
    let r = post(vec![
        ("category", "other".to_owned()),
        ("text", "n/a".to_owned()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("at least 10 characters"), "{body}");
    assert!(
        body.contains(r#"aria-describedby="text-hint text-error" aria-invalid="true""#),
        "{body}"
    );

    let with_reason = metric(&server, "casewatch_overdue_stages_with_reason").await;

    // A good answer is stored; sent twice (a double click), it is stored
    // once; a different one is added, not overwritten, only when the
    // manager says it is another.
    let first = vec![
        ("category", "legal_advice".to_owned()),
        ("text", " Waiting for counsel ".to_owned()),
    ];
    let r = post(first.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Reason received"));
    // The first reason for an overdue stage counts in /metrics at once,
    // not at the next poll.
    assert_eq!(
        metric(&server, "casewatch_overdue_stages_with_reason").await,
        with_reason + 1.0
    );
    let r = post(first).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("already on record"));
    let page = client
        .get(&good)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Already given") && page.contains("Waiting for counsel"),
        "{page}"
    );
    let second = vec![
        ("category", "other".to_owned()),
        ("text", "Still waiting".to_owned()),
    ];
    let r = post(second.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("tick the box"));
    let mut another = second;
    another.push(("add_another", "yes".to_owned()));
    let r = post(another).await;
    assert_eq!(r.status(), StatusCode::OK);
    let reasons = store.reasons_of(open).await.unwrap();
    let got: Vec<(&str, &str, &str, Option<&str>)> = reasons
        .iter()
        .map(|r| {
            (
                r.category.as_str(),
                r.text.as_str(),
                r.via.as_str(),
                r.given_by.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "legal_advice",
                "Waiting for counsel",
                "web",
                Some("ann.lee@example.org")
            ),
            ("other", "Still waiting", "web", Some("ann.lee@example.org")),
        ]
    );

    // Links that must not work store nothing.
    let mut tampered = token(open_reminder, open, later).into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let refusals = [
        (
            url(&String::from_utf8(tampered).unwrap()),
            StatusCode::FORBIDDEN,
            "This link is not valid",
        ),
        (
            url("not-a-token"),
            StatusCode::FORBIDDEN,
            "This link is not valid",
        ),
        (
            url(&token(open_reminder, open, today - Days::new(1))),
            StatusCode::GONE,
            "This link has expired",
        ),
        (
            url(&token(999_999, open, later)),
            StatusCode::GONE,
            "no longer in casewatch",
        ),
        (
            url(&token(open_reminder, answered, later)),
            StatusCode::GONE,
            "no longer in casewatch",
        ),
    ];
    for (link, code, words) in &refusals {
        let r = client.get(link).send().await.unwrap();
        assert_eq!(r.status(), *code, "{link}");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
        assert!(r.text().await.unwrap().contains(words), "{link}");
        let r = client
            .post(link)
            .form(&[("category", "other"), ("text", "should not be stored")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), *code, "{link}");
    }
    assert_eq!(store.reasons_of(open).await.unwrap().len(), 2);

    // A stage answered late (CSC-1 stage 1: due 29 September, answered 5
    // October) takes its reason after the event, beside the one on record.
    let answered_link = url(&token(answered_reminder, answered, later));
    let r = client.get(&answered_link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Why was the response to CSC-1 late?")
            && body.contains("4 working days after the deadline")
            && body.contains("Officer on leave")
            && !body.contains("expected_response_on"),
        "{body}"
    );
    let before = store.reasons_of(answered).await.unwrap().len();
    let r = client
        .post(&answered_link)
        .form(&[
            ("category", "sign_off"),
            ("text", "Director away for sign-off"),
            ("add_another", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("why the response was late")
    );
    assert_eq!(store.reasons_of(answered).await.unwrap().len(), before + 1);

    // Health and metrics.
    let r = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("\"database\":\"ok\""));
    let metrics = client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "casewatch_open_stages ",
        "casewatch_reason_coverage_ratio ",
        "casewatch_emails{status=\"sent\"} ",
        "casewatch_last_successful_poll_timestamp_seconds ",
    ] {
        assert!(metrics.contains(name), "{name} missing from\n{metrics}");
    }
    let r = client
        .get(format!("{}/nowhere", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Two corporate complaints answered in November: CORP-9 on time and
/// upheld, CORP-8 late (due 15 October, answered 20 November) and not
/// upheld.
const ANSWERED_CSV: &str = "\
reference,kind,stage,received_on,team,manager_email,responded_on,outcome
CORP-9,corporate,1,2026-11-02,Parks,ann.lee@example.org,2026-11-10,upheld
CORP-8,corporate,1,2026-10-01,Parks,ann.lee@example.org,2026-11-20,not upheld
";

/// `casewatch report` for this council year, as JSON.
fn report_json(db: &TestDb) -> serde_json::Value {
    let vars = env(db);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args = [
        "report",
        "--from",
        "2026-04-01",
        "--to",
        "2027-03-31",
        "--format",
        "json",
    ];
    let out = casewatch(db.dir.path(), &env, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn late_answers_notes_and_learning_over_http(db: TestDb) {
    load(&db);
    let vars = env(&db);
    let env_refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let file = crate::helpers::write(db.dir.path(), "answered.csv", ANSWERED_CSV);
    let args = [
        "import",
        "cases",
        file.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ];
    let out = casewatch(db.dir.path(), &env_refs, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let store = db.store().await;
    let upheld = stage_id(&store, "CORP-9", 1).await;
    let late = stage_id(&store, "CORP-8", 1).await;
    let ask_learning = reminder_of(&store, upheld, Reminder::LearningRequest { ask: 1 }).await;
    let ask_late = reminder_of(&store, late, Reminder::AnsweredLate).await;
    let wrong_learning = reminder_of(&store, late, Reminder::LearningRequest { ask: 1 }).await;
    let note = reminder(&store, upheld).await;
    let server = start(&db).await;
    let client = crate::helpers::http();
    let today = london_time(Utc::now()).0;
    let later = today + Days::new(30);
    let link = |form: &str, reminder: i64, stage: i64| {
        format!("{}/{form}/{}", server.base, token(reminder, stage, later))
    };

    // A late answer's reason, through the form, counts in the report.
    let before = report_json(&db)["late_with_reason"].as_u64().unwrap();
    let r = client
        .post(link("reasons", ask_late, late))
        .form(&[
            ("category", "complex_case"),
            ("text", "Three services had to reply"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("You will not be asked about it again")
    );
    assert_eq!(
        report_json(&db)["late_with_reason"].as_u64().unwrap(),
        before + 1
    );

    // An answer on time takes a note, which no figure counts as a reason.
    let page = client
        .get(link("reasons", note, upheld))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("kept as a note"), "{page}");
    let r = client
        .post(link("reasons", note, upheld))
        .form(&[
            ("category", "other"),
            ("text", "Sent early by post as well"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Note received"));
    assert_eq!(store.reasons_of(upheld).await.unwrap().len(), 1);
    assert_eq!(
        report_json(&db)["late_with_reason"].as_u64().unwrap(),
        before + 1
    );

    // The learning form, for the upheld answer.
    let learning = link("learning", ask_learning, upheld);
    let page = client
        .get(&learning)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("What has been learnt from CORP-9?") && page.contains("was upheld"),
        "{page}"
    );
    let post = |form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let learning = learning.clone();
        async move { client.post(&learning).form(&form).send().await.unwrap() }
    };
    let due = {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        calendar.deadline(today, 3).unwrap()
    };
    // An owner and a date with no action, and too short an answer.
    let r = post(vec![
        ("text", "Be nicer".to_owned()),
        ("action_owner", "bo.khan@example.org".to_owned()),
        ("action_due_on", due.to_string()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("at least 10 characters") && body.contains("Say what the action is"),
        "{body}"
    );
    assert!(store.learning_of(upheld).await.unwrap().is_empty());
    let first = vec![
        (
            "text",
            "Letters must say when bins are collected".to_owned(),
        ),
        ("action", "Update the letter template".to_owned()),
        ("action_owner", " Bo.Khan@example.org ".to_owned()),
        ("action_due_on", due.format("%-d %B %Y").to_string()),
    ];
    let r = post(first.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Learning received") && body.contains("bo.khan@example.org will be reminded"),
        "{body}"
    );
    // Sent twice: stored once.
    let r = post(first).await;
    assert!(r.text().await.unwrap().contains("already on record"));
    // More learning is added beside it when the manager says so; an owner
    // casewatch does not know is kept as written, and said so.
    let second = vec![
        ("text", "Crews need the new route map".to_owned()),
        ("action", "Brief the crews".to_owned()),
        ("action_owner", "Waste services team".to_owned()),
    ];
    let r = post(second.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut another = second;
    another.push(("add_another", "yes".to_owned()));
    let r = post(another).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("is not the address of anyone casewatch knows")
    );
    let stored = store.learning_of(upheld).await.unwrap();
    let got: Vec<(&str, Option<&str>, Option<NaiveDate>, &str)> = stored
        .iter()
        .map(|l| {
            (
                l.text.as_str(),
                l.action_owner.as_deref(),
                l.action_due_on,
                l.via.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "Letters must say when bins are collected",
                Some("bo.khan@example.org"),
                Some(due),
                "web"
            ),
            (
                "Crews need the new route map",
                Some("Waste services team"),
                None,
                "web"
            ),
        ]
    );

    // A stage that was not upheld takes no learning; a reason link opened
    // as a learning link, or the other way round, is not valid.
    let r = client
        .get(link("learning", wrong_learning, late))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("No learning is asked"));
    let r = client
        .post(link("learning", wrong_learning, late))
        .form(&[("text", "Should not be stored at all")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(store.learning_of(late).await.unwrap().is_empty());
    for wrong in [
        link("learning", note, upheld),
        link("reasons", ask_learning, upheld),
    ] {
        let r = client.get(&wrong).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{wrong}");
    }
}

async fn reasons_recorded_from_the_command_line(db: TestDb) {
    load(&db);
    let vars = env(&db);
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = db.dir.path();
    // Stage 1 of CSC-1 was answered already: reasons are often recorded after the fact.
    let out = casewatch(
        dir,
        &env,
        &[
            "reason",
            "CSC-1",
            "--stage",
            "1",
            "--category",
            "Staff Capacity",
            "--text",
            "Officer on leave for two weeks",
            "--given-by",
            "ann.lee@example.org",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    // The import had already added one reason for this stage.
    assert!(
        said.contains(
            "CSC-1 stage 1: reason recorded (Staff absence or capacity); 2 reason(s) on record"
        ),
        "{said}"
    );
    let store = db.store().await;
    let reasons = store
        .reasons_of(stage_id(&store, "CSC-1", 1).await)
        .await
        .unwrap();
    assert_eq!(reasons.last().map(|r| r.via.as_str()), Some("cli"));

    let bad = casewatch(
        dir,
        &env,
        &[
            "reason",
            "CSC-1",
            "--stage",
            "1",
            "--category",
            "weather",
            "--text",
            "x",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("use one of complex_case, awaiting_complainant"),
        "{}",
        stderr(&bad)
    );
    let missing = casewatch(
        dir,
        &env,
        &[
            "reason",
            "CSC-9",
            "--stage",
            "1",
            "--category",
            "other",
            "--text",
            "x",
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("there is no stage 1 of case CSC-9"),
        "{}",
        stderr(&missing)
    );
}
