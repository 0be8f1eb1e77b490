//! Delivery to a real SMTP server (aiosmtpd) on both backends: retries,
//! permanent failures, time-outs, STARTTLS with AUTH, implicit TLS, and a sender killed
//! mid-batch. Time is handed to the sender, never slept through.

use std::collections::HashMap;

use casewatch::calendar::{Calendar, Division};
use casewatch::domain::london_instant;
use casewatch::mail::{Sender, Transport};
use casewatch::settings::Settings;
use casewatch::store::{NewMessage, OutboxClaim, OutboxStatus, Outcome, Store};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::helpers::{
    CASES_CSV, STAFF_CSV, TestDb, casewatch, import_sample, on_both_backends, stderr, stdout, write,
};
use crate::smtp::SmtpServer;

on_both_backends!(
    a_days_reminders_arrive_with_their_recipients_and_subjects,
    temporary_failures_are_retried_and_permanent_ones_marked_failed,
    an_untried_claim_is_given_back,
    a_server_that_never_answers_is_timed_out,
    starttls_with_auth_delivers_and_a_wrong_password_stops_the_drain,
    implicit_tls_delivers,
    a_sender_killed_mid_batch_loses_nothing,
    one_database_connection_is_enough_to_send,
    a_claim_that_ran_out_is_taken_first,
    e_mails_whose_day_passed_unsent_expire,
    a_replay_counts_the_e_mails_another_sender_holds,
);

const DAY: &str = "2026-11-30";

/// Three managers to send one e-mail each.
const MANAGERS: [&str; 3] = [
    "ann.lee@example.org",
    "bo.khan@example.org",
    "cy.ode@example.org",
];

fn day() -> NaiveDate {
    DAY.parse().unwrap()
}

/// Eight o'clock on `DAY`, plus `seconds`.
fn at(seconds: i64) -> DateTime<Utc> {
    london_instant(day(), NaiveTime::from_hms_opt(8, 0, 0).unwrap())
        + chrono::Duration::seconds(seconds)
}

/// Settings for SMTP to 127.0.0.1:`port` with real-looking addresses, plus `extra`.
fn env(port: u16, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut vars = vec![
        ("CASEWATCH__MAIL__TRANSPORT", "smtp".to_owned()),
        (
            "CASEWATCH__MAIL__FROM",
            "casewatch <casewatch@council.gov.uk>".to_owned(),
        ),
        (
            "CASEWATCH__MAIL__REPLY_TO",
            "complaints@council.gov.uk".to_owned(),
        ),
        (
            "CASEWATCH__MAIL__COMPLAINTS_TEAM",
            "complaints@council.gov.uk".to_owned(),
        ),
        ("CASEWATCH__MAIL__SMTP__HOST", "127.0.0.1".to_owned()),
        ("CASEWATCH__MAIL__SMTP__PORT", port.to_string()),
        ("CASEWATCH__MAIL__SMTP__SECURITY", "none".to_owned()),
        // Links must lead somewhere a manager can reach once mail is sent.
        (
            "CASEWATCH__WEB__PUBLIC_URL",
            "https://casewatch.council.gov.uk".to_owned(),
        ),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn settings(vars: &[(String, String)]) -> Settings {
    let map: HashMap<String, String> = vars.iter().cloned().collect();
    Settings::load_from(None, Some(map)).unwrap()
}

/// `worker`'s claim of up to `limit` of `DAY`'s e-mails.
fn claim(worker: &str, now: DateTime<Utc>, until: DateTime<Utc>, limit: i64) -> OutboxClaim<'_> {
    OutboxClaim {
        worker,
        today: day(),
        due_by: now,
        now,
        until,
        limit,
    }
}

fn message(recipient: &str, cc: Option<&str>) -> NewMessage {
    NewMessage {
        recipient: recipient.to_owned(),
        cc: cc.map(str::to_owned),
        subject: format!("Complaint response overdue: for {recipient}"),
        body_text: "Text body".to_owned(),
        body_html: "<p>HTML body</p>".to_owned(),
        ics: None,
        reminder_ids: Vec::new(),
    }
}

async fn queue(store: &Store, messages: &[NewMessage]) {
    for m in messages {
        assert!(store.add_message(m, day(), at(-3600)).await.unwrap());
    }
}

async fn drain(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
) -> casewatch::mail::SendReport {
    let transport = Transport::from_settings(&settings.mail).unwrap();
    let sender = Sender::new(store.clone(), transport, settings.mail.clone());
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    sender.drain(&calendar, now, &stop).await.unwrap()
}

/// Each e-mail's recipient and status, by id.
async fn statuses(store: &Store) -> Vec<(String, String)> {
    let messages = store.messages_of(day()).await.unwrap();
    messages
        .into_iter()
        .map(|m| (m.recipient, m.status.to_string()))
        .collect()
}

/// Import, then `poll --once` through the binary to the SMTP server: on
/// 17 November both cases are overdue, and each manager gets a first
/// notice; on 30 November, ten working days on, each gets the second and
/// each case is escalated.
async fn a_days_reminders_arrive_with_their_recipients_and_subjects(db: TestDb) {
    let server = SmtpServer::start(&[]);
    let dir = db.dir.path();
    let mut vars = env(server.port, &[]);
    vars.push(("CASEWATCH__DATABASE__URL".to_owned(), db.url()));
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| {
        let out = casewatch(dir, &env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES_CSV);
    run(&["import", "staff", staff.to_str().unwrap()]);
    run(&["import", "cases", cases.to_str().unwrap(), "--as-of", DAY]);
    let said = run(&["poll", "--once", "--as-of", "2026-11-17"]);
    assert!(said.contains("2 sent"), "{said}");
    let said = run(&["poll", "--once", "--as-of", DAY]);
    assert!(said.contains("4 sent"), "{said}");
    let mut got: Vec<(Vec<String>, String)> = server.received()[2..]
        .iter()
        .map(|m| (m.rcpt_tos.clone(), m.header("Subject").unwrap().to_owned()))
        .collect();
    got.sort();
    let team = "complaints@council.gov.uk".to_owned();
    assert_eq!(
        got,
        [
            (
                vec!["ann.lee@example.org".to_owned()],
                "Complaint response overdue: CSC-1 stage 2".to_owned()
            ),
            (
                vec!["bo.khan@example.org".to_owned()],
                "Complaint response overdue: CORP-2 stage 1".to_owned()
            ),
            (
                vec![team.clone()],
                "Complaint response escalated: CORP-2 stage 1".to_owned()
            ),
            (
                vec!["head.children@example.org".to_owned(), team],
                "Complaint response escalated: CSC-1 stage 2".to_owned()
            ),
        ]
    );
    let again = run(&["poll", "--once", "--as-of", DAY]);
    assert!(again.contains("0 sent"), "{again}");
    assert_eq!(server.received().len(), 6);
}

async fn temporary_failures_are_retried_and_permanent_ones_marked_failed(db: TestDb) {
    let server = SmtpServer::start(&[]);
    let store = db.store().await;
    let settings = settings(&env(server.port, &[]));
    queue(
        &store,
        &[
            message("ann.lee@example.org", Some("complaints@council.gov.uk")),
            message("tempfail@example.org", None),
            message("unknown@example.org", None),
        ],
    )
    .await;

    let first = drain(&store, &settings, at(0)).await;
    assert_eq!(
        (first.sent, first.retrying, first.failed),
        (1, 1, 1),
        "{first:?}"
    );
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].rcpt_tos,
        ["ann.lee@example.org", "complaints@council.gov.uk"]
    );
    assert_eq!(
        got[0].header("Subject"),
        Some("Complaint response overdue: for ann.lee@example.org")
    );
    assert_eq!(got[0].header("Auto-Submitted"), Some("auto-generated"));
    let id = got[0].header("Message-ID").unwrap();
    assert!(
        id.starts_with("<casewatch.") && id.ends_with(".20261130@council.gov.uk>"),
        "{id}"
    );

    let outbox = store.messages_of(day()).await.unwrap();
    let unknown = outbox
        .iter()
        .find(|m| m.recipient.starts_with("unknown"))
        .unwrap();
    assert_eq!(unknown.status, OutboxStatus::Failed);
    let reply = unknown.last_reply.as_deref().unwrap();
    assert!(
        reply.contains("550") && reply.contains("User unknown"),
        "{reply}"
    );
    let tempfail = outbox
        .iter()
        .find(|m| m.recipient.starts_with("tempfail"))
        .unwrap();
    assert_eq!(
        (tempfail.status.as_str(), tempfail.attempts),
        ("pending", 1)
    );
    assert!(
        tempfail.last_reply.as_deref().unwrap().contains("451"),
        "{tempfail:?}"
    );

    // Not yet: the first retry waits retry_delay_seconds (60).
    let early = drain(&store, &settings, at(30)).await;
    assert_eq!(early.sent + early.retrying + early.failed, 0, "{early:?}");
    let retried = drain(&store, &settings, at(61)).await;
    assert_eq!((retried.sent, retried.failed), (1, 0), "{retried:?}");
    assert_eq!(server.received().len(), 2);
    assert_eq!(
        statuses(&store).await,
        [
            ("ann.lee@example.org".to_owned(), "sent".to_owned()),
            ("tempfail@example.org".to_owned(), "sent".to_owned()),
            ("unknown@example.org".to_owned(), "failed".to_owned()),
        ]
    );
    // Nothing is sent twice.
    let after = drain(&store, &settings, at(3600)).await;
    assert_eq!(after.sent, 0);
    assert_eq!(server.received().len(), 2);
}

/// The workers take turns with one database connection: each claim and
/// each result takes it for one statement.
async fn one_database_connection_is_enough_to_send(mut db: TestDb) {
    db.settings.max_connections = 1;
    let server = SmtpServer::start(&[]);
    let store = db.store().await;
    let settings = settings(&env(server.port, &[]));
    queue(&store, &MANAGERS.map(|r| message(r, None))).await;
    let report = drain(&store, &settings, at(0)).await;
    assert_eq!(
        (report.sent, report.retrying, report.failed),
        (3, 0, 0),
        "{report:?}"
    );
    assert_eq!(server.received().len(), 3);
    let sent = MANAGERS.map(|r| (r.to_owned(), "sent".to_owned()));
    assert_eq!(statuses(&store).await, sent);
}

/// A claim that ran out (its sender died) is taken over before e-mails
/// that wait their turn, in the same claim.
async fn a_claim_that_ran_out_is_taken_first(db: TestDb) {
    let store = db.store().await;
    queue(
        &store,
        &[
            message("ann.lee@example.org", None),
            message("bo.khan@example.org", None),
        ],
    )
    .await;
    let first = store
        .claim_messages(&claim("dead", at(0), at(10), 1))
        .await
        .unwrap();
    let [dead] = first.as_slice() else {
        panic!("{first:?}")
    };
    // Still claimed: the other one is taken.
    let early = store
        .claim_messages(&claim("alive", at(5), at(600), 1))
        .await
        .unwrap();
    assert_ne!(early[0].id, dead.id);
    store
        .record_attempts(&[(early[0].id, None)], "alive", at(6))
        .await
        .unwrap();
    // Run out: taken first, though the other is pending again.
    let late = store
        .claim_messages(&claim("alive", at(20), at(600), 1))
        .await
        .unwrap();
    assert_eq!(late.iter().map(|m| m.id).collect::<Vec<_>>(), [dead.id]);
    let both = store
        .claim_messages(&claim("alive", at(21), at(600), 5))
        .await
        .unwrap();
    assert_eq!(both.iter().map(|m| m.id).collect::<Vec<_>>(), [early[0].id]);
}

/// The next day, the e-mails still pending or being sent (by a sender that
/// died) expire; those sent stay sent, and the new day's are untouched.
async fn e_mails_whose_day_passed_unsent_expire(db: TestDb) {
    let store = db.store().await;
    queue(&store, &MANAGERS.map(|r| message(r, None))).await;
    let next_day = day().succ_opt().unwrap();
    let tomorrow = message("di.ross@example.org", None);
    assert!(store.add_message(&tomorrow, next_day, at(0)).await.unwrap());
    let sent = store
        .claim_messages(&claim("alive", at(0), at(600), 1))
        .await
        .unwrap();
    let reply = "250 ok".to_owned();
    store
        .record_attempts(
            &[(sent[0].id, Some(Outcome::Sent { reply }))],
            "alive",
            at(1),
        )
        .await
        .unwrap();
    store
        .claim_messages(&claim("dead", at(2), at(600), 1))
        .await
        .unwrap();

    assert_eq!(store.expire_before(next_day).await.unwrap(), 2);
    let expected = MANAGERS
        .iter()
        .zip(["sent", "expired", "expired"])
        .map(|(r, s)| ((*r).to_owned(), s.to_owned()))
        .collect::<Vec<_>>();
    assert_eq!(statuses(&store).await, expected);
    let next = store.messages_of(next_day).await.unwrap();
    assert_eq!(next[0].status, OutboxStatus::Pending);
    assert_eq!(store.expire_before(next_day).await.unwrap(), 0);
}

/// A claimed e-mail never tried (its sender was stopping) is given back:
/// pending again, and another sender may claim it; another sender's
/// release does not touch it.
async fn an_untried_claim_is_given_back(db: TestDb) {
    let store = db.store().await;
    queue(&store, &[message("ann.lee@example.org", None)]).await;
    let claimed = store
        .claim_messages(&claim("first", at(0), at(600), 16))
        .await
        .unwrap();
    let [taken] = claimed.as_slice() else {
        panic!("{claimed:?}")
    };
    store
        .record_attempts(&[(taken.id, None)], "second", at(1))
        .await
        .unwrap();
    assert_eq!(statuses(&store).await[0].1, "sending");
    store
        .record_attempts(&[(taken.id, None)], "first", at(1))
        .await
        .unwrap();
    assert_eq!(statuses(&store).await[0].1, "pending");
    let again = store
        .claim_messages(&claim("second", at(2), at(600), 16))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
}

async fn a_server_that_never_answers_is_timed_out(db: TestDb) {
    // Accepts connections and never says a word: not an SMTP server at all.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let store = db.store().await;
    let settings = settings(&env(
        port,
        &[("CASEWATCH__MAIL__SEND_TIMEOUT_SECONDS", "2")],
    ));
    queue(&store, &[message("ann.lee@example.org", None)]).await;
    let report = drain(&store, &settings, at(0)).await;
    assert_eq!((report.sent, report.retrying), (0, 1), "{report:?}");
    let outbox = store.messages_of(day()).await.unwrap();
    let reply = outbox[0].last_reply.as_deref().unwrap();
    assert!(reply.contains("no answer within 2 seconds"), "{reply}");
    drop(silent);
}

async fn starttls_with_auth_delivers_and_a_wrong_password_stops_the_drain(db: TestDb) {
    let dir = tempfile::TempDir::new().unwrap();
    let (ca_file, cert_file, key_file) = tls_files(dir.path());
    let server = SmtpServer::start(&[
        "--tls",
        cert_file.to_str().unwrap(),
        key_file.to_str().unwrap(),
        "--user",
        "casewatch",
        "--password",
        "s3cret-Pa55",
    ]);
    let store = db.store().await;
    let tls = |password: &str| {
        settings(&env(
            server.port,
            &[
                ("CASEWATCH__MAIL__SMTP__HOST", "localhost"),
                ("CASEWATCH__MAIL__SMTP__SECURITY", "starttls"),
                ("CASEWATCH__MAIL__SMTP__CA_FILE", ca_file.to_str().unwrap()),
                ("CASEWATCH__MAIL__SMTP__USERNAME", "casewatch"),
                ("CASEWATCH__MAIL__SMTP__PASSWORD", password),
            ],
        ))
    };
    queue(&store, &[message("ann.lee@example.org", None)]).await;
    let report = drain(&store, &tls("s3cret-Pa55"), at(0)).await;
    assert_eq!(
        report.sent,
        1,
        "{report:?}: {:?}",
        store.messages_of(day()).await
    );
    let got = server.received();
    assert!(got[0].tls && got[0].authenticated, "{got:?}");

    // A wrong password: one login attempt for the whole drain, however many
    // connections and e-mails; nothing marked failed; all sent once mended.
    let attempts = server.login_attempts();
    queue(
        &store,
        &[
            message("bo.khan@example.org", None),
            message("cy.day@example.org", None),
            message("di.eve@example.org", None),
        ],
    )
    .await;
    let mut wrong = tls("wrong-password");
    wrong.mail.smtp.pool_size = 3;
    let report = drain(&store, &wrong, at(0)).await;
    let refused = report.login_refused.as_deref().unwrap_or_default();
    assert!(
        refused.contains("535")
            && refused.contains("casewatch")
            && !refused.contains("wrong-password"),
        "{report:?}"
    );
    assert_eq!(
        (report.sent, report.failed, report.retrying),
        (0, 0, 0),
        "{report:?}"
    );
    assert_eq!(server.login_attempts() - attempts, 1);
    let waiting = store.messages_of(day()).await.unwrap();
    assert!(
        waiting[1..]
            .iter()
            .all(|m| m.status == OutboxStatus::Pending && m.attempts == 0),
        "{waiting:?}"
    );
    let report = drain(&store, &tls("s3cret-Pa55"), at(0)).await;
    assert_eq!(
        (report.sent, report.login_refused.as_deref()),
        (3, None),
        "{report:?}"
    );
    assert_eq!(server.received().len(), 4);
}

/// `poll --once` with a wrong password: exits 1 naming the refusal (never
/// the password), after one login attempt; run again once mended, it sends
/// the same e-mails.
#[tokio::test]
async fn poll_once_fails_when_the_login_is_refused_and_sends_once_mended() {
    let db = TestDb::sqlite().await;
    let dir = db.dir.path();
    let (ca_file, cert_file, key_file) = tls_files(dir);
    let server = SmtpServer::start(&[
        "--tls",
        cert_file.to_str().unwrap(),
        key_file.to_str().unwrap(),
        "--user",
        "casewatch",
        "--password",
        "s3cret-Pa55",
    ]);
    let url = db.url();
    let mut vars = env(
        server.port,
        &[
            ("CASEWATCH__MAIL__SMTP__HOST", "localhost"),
            ("CASEWATCH__MAIL__SMTP__SECURITY", "starttls"),
            ("CASEWATCH__MAIL__SMTP__CA_FILE", ca_file.to_str().unwrap()),
            ("CASEWATCH__MAIL__SMTP__USERNAME", "casewatch"),
            ("CASEWATCH__MAIL__SMTP__POOL_SIZE", "4"),
        ],
    );
    vars.push(("CASEWATCH__DATABASE__URL".to_owned(), url));
    let with_password = |password: &str| {
        let mut all = vars.clone();
        all.push((
            "CASEWATCH__MAIL__SMTP__PASSWORD".to_owned(),
            password.to_owned(),
        ));
        all
    };
    let run = |vars: &[(String, String)], args: &[&str]| {
        let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        casewatch(dir, &env, args)
    };
    let wrong = with_password("wrong-password");
    let sample: Vec<(&str, &str)> = wrong
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    import_sample(dir, &sample, "2026-11-25");
    let out = run(&wrong, &["poll", "--once", "--as-of", "2026-11-25"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(
        said.contains("refused the login as casewatch")
            && said.contains("535")
            && said.contains("Nothing was marked failed"),
        "{said}"
    );
    assert!(!said.contains("wrong-password") && !stdout(&out).contains("wrong-password"));
    assert!(
        stdout(&out).contains("2 e-mail(s) queued"),
        "{}",
        stdout(&out)
    );
    assert_eq!(server.login_attempts(), 1);

    let out = run(
        &with_password("s3cret-Pa55"),
        &["poll", "--once", "--as-of", "2026-11-25"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 sent, 0 to retry, 0 failed"),
        "{}",
        stdout(&out)
    );
    assert_eq!(server.received().len(), 2);
}

/// Exchange Online with basic authentication turned off answers a password
/// `550 5.7.30`: the login is refused, not the message.
#[tokio::test]
async fn basic_authentication_turned_off_is_a_refused_login() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::TempDir::new().unwrap();
    let (ca_file, cert_file, key_file) = tls_files(dir.path());
    let server = SmtpServer::start(&[
        "--tls",
        cert_file.to_str().unwrap(),
        key_file.to_str().unwrap(),
        "--user",
        "casewatch",
        "--password",
        "s3cret-Pa55",
        "--basic-auth-off",
    ]);
    let settings = settings(&env(
        server.port,
        &[
            ("CASEWATCH__MAIL__SMTP__HOST", "localhost"),
            ("CASEWATCH__MAIL__SMTP__SECURITY", "starttls"),
            ("CASEWATCH__MAIL__SMTP__CA_FILE", ca_file.to_str().unwrap()),
            ("CASEWATCH__MAIL__SMTP__USERNAME", "casewatch"),
            ("CASEWATCH__MAIL__SMTP__PASSWORD", "s3cret-Pa55"),
        ],
    ));
    let store = db.store().await;
    queue(&store, &[message("ann.lee@example.org", None)]).await;
    let report = drain(&store, &settings, at(0)).await;
    let refused = report.login_refused.clone().unwrap_or_default();
    assert!(
        refused.contains("550") && refused.contains("5.7.30"),
        "{report:?}"
    );
    assert_eq!((report.sent, report.failed), (0, 0));
    assert_eq!(server.login_attempts(), 1);
}

/// `security = "tls"`: TLS from the first byte, to a server that speaks
/// nothing else, trusting the council's private certificate authority.
async fn implicit_tls_delivers(db: TestDb) {
    let dir = tempfile::TempDir::new().unwrap();
    let (ca_file, cert_file, key_file) = tls_files(dir.path());
    let server = SmtpServer::start(&[
        "--tls",
        cert_file.to_str().unwrap(),
        key_file.to_str().unwrap(),
        "--implicit",
    ]);
    let store = db.store().await;
    let settings = settings(&env(
        server.port,
        &[
            ("CASEWATCH__MAIL__SMTP__HOST", "localhost"),
            ("CASEWATCH__MAIL__SMTP__SECURITY", "tls"),
            ("CASEWATCH__MAIL__SMTP__CA_FILE", ca_file.to_str().unwrap()),
        ],
    ));
    queue(
        &store,
        &[
            message("ann.lee@example.org", None),
            message("bo.khan@example.org", None),
        ],
    )
    .await;
    let report = drain(&store, &settings, at(0)).await;
    assert_eq!(
        report.sent,
        2,
        "{report:?}: {:?}",
        store.messages_of(day()).await
    );
    assert_eq!(server.received().len(), 2);
}

/// A council's private certificate authority (PEM) and a certificate it
/// issued for `localhost`, with that certificate's key.
/// The private CA's certificate, the server's certificate and its key, as
/// PEM files in `dir`.
pub fn tls_files(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (ca, cert, key) = private_ca_and_server_certificate();
    let files = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&files.0, ca).unwrap();
    std::fs::write(&files.1, cert).unwrap();
    std::fs::write(&files.2, key).unwrap();
    files
}

fn private_ca_and_server_certificate() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "casewatch test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let server = server_params
        .signed_by(&server_key, &Issuer::new(ca_params, ca_key))
        .unwrap();
    (ca.pem(), server.pem(), server_key.serialize_pem())
}

/// The binary is killed while a slow server takes each message; a sender
/// started at once sends the rest and counts the e-mail the dead one still
/// holds; once that claim runs out (by the real clock, even for a replayed
/// day) it is sent too. No message is lost (the one in flight may arrive
/// twice).
async fn a_sender_killed_mid_batch_loses_nothing(db: TestDb) {
    let server = SmtpServer::start(&["--slow", "0.5"]);
    let store = db.store().await;
    let recipients: Vec<String> = (1..=6).map(|i| format!("slow{i}@example.org")).collect();
    let messages: Vec<NewMessage> = recipients.iter().map(|r| message(r, None)).collect();
    queue(&store, &messages).await;

    let url = db.url();
    // Claims last twice the send time-out: two seconds.
    let mut vars = env(
        server.port,
        &[
            ("CASEWATCH__MAIL__SMTP__POOL_SIZE", "1"),
            ("CASEWATCH__MAIL__SEND_TIMEOUT_SECONDS", "1"),
        ],
    );
    vars.push(("CASEWATCH__DATABASE__URL".to_owned(), url));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(["poll", "--once", "--as-of", DAY])
        .current_dir(db.dir.path())
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for(2);
    child.kill().unwrap();
    child.wait().unwrap();
    let before = server.received().len();
    assert!(before < 6, "the sender finished before it was killed");

    // A replay of the same morning at once: what the dead sender held
    // (one e-mail at most, with one connection) waits for its claim.
    let first = drain(&store, &settings(&vars), at(0)).await;
    assert_eq!(first.failed, 0, "{first:?}");
    assert!(first.held <= 1, "{first:?}");
    if let Some(until) = first.held_until {
        let wait = (until - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait + std::time::Duration::from_millis(100)).await;
    }
    let report = drain(&store, &settings(&vars), at(0)).await;
    assert_eq!((report.failed, report.held), (0, 0), "{report:?}");
    let got = server.received();
    for r in &recipients {
        assert!(got.iter().any(|m| &m.rcpt_tos[0] == r), "{r} never arrived");
    }
    assert!(
        got.len() <= 7,
        "more than the one in flight arrived twice: {}",
        got.len()
    );
    assert!(statuses(&store).await.iter().all(|(_, s)| s == "sent"));
}

/// A replayed day (`poll --once --as-of`) judges claims by the real clock:
/// an e-mail claimed a moment ago by a sender that is gone is neither sent
/// nor silently skipped, but counted, with the time it is taken over.
async fn a_replay_counts_the_e_mails_another_sender_holds(db: TestDb) {
    let server = SmtpServer::start(&[]);
    let store = db.store().await;
    queue(
        &store,
        &[
            message("ann.lee@example.org", None),
            message("bo.khan@example.org", None),
        ],
    )
    .await;
    let now = Utc::now();
    let held = store
        .claim_messages(&OutboxClaim {
            worker: "gone",
            today: day(),
            due_by: at(0),
            now,
            until: now + chrono::Duration::hours(1),
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    let mut vars = env(server.port, &[]);
    vars.push(("CASEWATCH__DATABASE__URL".to_owned(), db.url()));
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = casewatch(db.dir.path(), &env, &["poll", "--once", "--as-of", DAY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("1 sent, 0 to retry, 0 failed"), "{said}");
    assert!(
        said.contains("1 e-mail(s) still claimed by another sender"),
        "{said}"
    );
    assert_eq!(server.received().len(), 1);
    let statuses = statuses(&store).await;
    assert_eq!(
        statuses.iter().filter(|(_, s)| s == "sending").count(),
        1,
        "{statuses:?}"
    );
}
