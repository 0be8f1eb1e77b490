//! The store API, run identically on SQLite and PostgreSQL.

use std::collections::HashMap;

use casewatch::domain::{ClockStart, Email, Kind, Outcome, Preset, Reminder, Stage, parse_date};
use casewatch::import::{self, CaseContext};
use casewatch::settings::{DatabaseSettings, DatabaseUrl, Settings};
use casewatch::store::{
    CasesImported, FeedRun, ImportCounts, Listing, NewMessage, NewReminder, RunSource, Store,
    UnsentReminder,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::helpers::{CASES_CSV, STAFF_CSV, TestDb, on_both_backends, unsent, unsent_batches};

on_both_backends!(
    migrations_apply_once,
    an_older_database_keeps_its_stages_through_the_procedures_migration,
    imports_are_idempotent_and_count_changes,
    a_failed_import_leaves_nothing_behind,
    stages_list_with_their_case_and_manager,
    reminders_are_recorded_once_and_linked_to_one_message,
    a_batch_that_lost_a_race_keeps_only_its_own,
    unsent_reminders_come_in_batches_of_whole_recipients,
    open_existing_creates_nothing,
);

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T09:30:00Z")
        .unwrap()
        .to_utc()
}

fn date(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn settings() -> Settings {
    Settings::load_from(None, Some(HashMap::new())).unwrap()
}

async fn load(store: &Store, staff_csv: &str, cases_csv: &str) -> casewatch::store::ImportSummary {
    let staff = import::parse_staff("staff.csv", staff_csv.as_bytes())
        .unwrap()
        .records;
    store.import_staff(&staff, now()).await.unwrap();
    let settings = settings();
    let managers = store.staff_emails().await.unwrap();
    let ctx = CaseContext {
        managers: &managers,
        timescales: &settings.timescales,
        reasons: &settings.delay_reasons,
        today: date("2026-11-25"),
    };
    let cases = import::parse_cases("cases.csv", cases_csv.as_bytes(), &ctx)
        .unwrap()
        .records;
    let run = FeedRun::new(RunSource::Import, "cases.csv", now());
    match store
        .import_cases(&cases, Listing::Partial, Some(run), now())
        .await
        .unwrap()
    {
        CasesImported::Stored(summary) => summary,
        refused => panic!("a partial import is never refused: {refused:?}"),
    }
}

/// A server that refuses the connection is named at once (host and port,
/// never the password), rather than after the pool's time-out as "pool
/// timed out"; the daemon treats it as worth waiting for.
#[tokio::test]
async fn a_refused_postgres_connection_names_the_server() {
    // Port 1 (tcpmux) is reserved, and nothing listens there.
    let port = 1;
    let url = format!("postgres://casewatch:s3cret-Pa55@127.0.0.1:{port}/casewatch");
    let settings = DatabaseSettings {
        url: DatabaseUrl::Postgres(url.into()),
        max_connections: 2,
    };
    let error = Store::connect(&settings).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&format!("127.0.0.1:{port}")) && message.contains("refused"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    assert!(!message.contains("timed out"), "{message}");
    assert!(error.is_transient(), "{error:?}");
}

async fn migrations_apply_once(db: TestDb) {
    let store = db.store().await;
    let again = store.migrate().await.unwrap();
    assert!(again.applied_now >= 1);
    assert_eq!(again.applied_before, again.applied_now);
}

/// A database of the version before complaint procedures, holding a
/// stage: the migration that widens `cases.kind` (a table rebuild on
/// SQLite) keeps the stage, its foreign keys and its clock, and gives it
/// the procedure of its kind.
async fn an_older_database_keeps_its_stages_through_the_procedures_migration(db: TestDb) {
    const PROCEDURES: &str = "20261206000010_procedures.sql";
    let backend = match db.settings.url {
        DatabaseUrl::Sqlite(_) => "sqlite",
        DatabaseUrl::Postgres(_) => "postgres",
    };
    let older = tempfile::TempDir::new().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n != PROCEDURES) {
            std::fs::copy(&path, older.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    assert!(source.join(PROCEDURES).is_file());
    let migrator = sqlx::migrate::Migrator::new(older.path()).await.unwrap();
    let stage = "INSERT INTO staff (email, name, team, created_at, updated_at)
                 VALUES ('bo@example.org', 'Bo', 'Parks', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
                 INSERT INTO cases (reference, kind, team, manager_email, created_at, updated_at)
                 VALUES ('CORP-1', 'corporate', 'Parks', 'bo@example.org', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
                 INSERT INTO case_stages (case_id, stage, received_on, working_days_allowed, created_at, updated_at)
                 VALUES (1, 1, '2026-03-02', 10, '2026-03-02T09:00:00Z', '2026-03-02T09:00:00Z');";
    let housing = "INSERT INTO cases (reference, kind, team, manager_email, created_at, updated_at)
                   VALUES ('HSG-1', 'housing', 'Parks', 'bo@example.org', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z')";
    let cascade = "DELETE FROM cases WHERE reference = 'CORP-1'";
    let count = "SELECT COUNT(*) FROM case_stages";
    match &db.settings.url {
        DatabaseUrl::Sqlite(path) => {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .foreign_keys(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            sqlx::raw_sql(stage).execute(&pool).await.unwrap();
            assert!(sqlx::raw_sql(housing).execute(&pool).await.is_err());
            pool.close().await;
        }
        DatabaseUrl::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
            migrator.run(&pool).await.unwrap();
            sqlx::raw_sql(stage).execute(&pool).await.unwrap();
            assert!(sqlx::raw_sql(housing).execute(&pool).await.is_err());
            pool.close().await;
        }
    }

    let store = db.store().await;
    let stages = store.stages().await.unwrap();
    assert_eq!(stages.len(), 1);
    let terms = &stages[0].terms;
    assert_eq!(terms.terms.procedure, Some(Preset::Corporate2019));
    assert_eq!(terms.terms.working_days_allowed, Some(10));
    assert_eq!(terms.terms.clock_starts, ClockStart::Received);
    // A stage an instance older than procedures writes during a rolling
    // upgrade has none: it is read under its kind's procedure of then.
    let unset = "UPDATE case_stages SET procedure = NULL";
    match &db.settings.url {
        DatabaseUrl::Sqlite(path) => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::raw_sql(unset).execute(&pool).await.unwrap();
        }
        DatabaseUrl::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
            sqlx::raw_sql(unset).execute(&pool).await.unwrap();
        }
    }
    let stages = store.stages().await.unwrap();
    assert_eq!(stages[0].terms.terms.procedure, Some(Preset::Corporate2019));
    match &db.settings.url {
        DatabaseUrl::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .foreign_keys(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            sqlx::raw_sql(housing).execute(&pool).await.unwrap();
            sqlx::raw_sql(cascade).execute(&pool).await.unwrap();
            let left: i64 = sqlx::query_scalar(count).fetch_one(&pool).await.unwrap();
            assert_eq!(left, 0, "the stage's foreign key follows the rebuilt table");
        }
        DatabaseUrl::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
            sqlx::raw_sql(housing).execute(&pool).await.unwrap();
            sqlx::raw_sql(cascade).execute(&pool).await.unwrap();
            let left: i64 = sqlx::query_scalar(count).fetch_one(&pool).await.unwrap();
            assert_eq!(left, 0);
        }
    }
}

async fn imports_are_idempotent_and_count_changes(db: TestDb) {
    let store = db.store().await;
    let first = load(&store, STAFF_CSV, CASES_CSV).await;
    assert_eq!(
        first.cases,
        ImportCounts {
            inserted: 4,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        first.stages,
        ImportCounts {
            inserted: 5,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(first.reasons_added, 1);

    let again = load(&store, STAFF_CSV, CASES_CSV).await;
    assert_eq!(
        again.cases,
        ImportCounts {
            inserted: 0,
            updated: 0,
            unchanged: 4
        }
    );
    assert_eq!(
        again.stages,
        ImportCounts {
            inserted: 0,
            updated: 0,
            unchanged: 5
        }
    );
    assert_eq!(again.reasons_added, 0);

    // Stage 2 of CSC-1 is answered; CORP-2 moves to another manager.
    let changed = CASES_CSV
        .replace(
            "CSC-1,statutory,2,2026-10-12,Fostering,ann.lee@example.org,,,,,,",
            "CSC-1,statutory,2,2026-10-12,Fostering,ann.lee@example.org,,,,2026-11-20,upheld,",
        )
        .replace(
            "CORP-2,corporate,1,02/11/2026,Parks,bo.khan",
            "CORP-2,corporate,1,02/11/2026,Parks,ann.lee",
        );
    let update = load(&store, STAFF_CSV, &changed).await;
    assert_eq!(
        update.cases,
        ImportCounts {
            inserted: 0,
            updated: 1,
            unchanged: 3
        }
    );
    assert_eq!(
        update.stages,
        ImportCounts {
            inserted: 0,
            updated: 1,
            unchanged: 4
        }
    );

    let staff = import::parse_staff(
        "staff.csv",
        STAFF_CSV.replace("Bo Khan", "Bo Khan-Smith").as_bytes(),
    )
    .unwrap()
    .records;
    let counts = store.import_staff(&staff, now()).await.unwrap();
    assert_eq!(
        counts,
        ImportCounts {
            inserted: 0,
            updated: 1,
            unchanged: 2
        }
    );
}

async fn a_failed_import_leaves_nothing_behind(db: TestDb) {
    let store = db.store().await;
    load(&store, STAFF_CSV, CASES_CSV).await;
    let before = store.stages().await.unwrap();

    // A record naming a manager the store does not know breaks the foreign
    // key half-way through: the whole transaction must roll back.
    let settings = settings();
    let mut managers = store.staff_emails().await.unwrap();
    managers.insert(Email::parse("ghost@example.org").unwrap());
    let ctx = CaseContext {
        managers: &managers,
        timescales: &settings.timescales,
        reasons: &settings.delay_reasons,
        today: date("2026-11-25"),
    };
    let csv = "reference,kind,stage,received_on,team,manager_email\n\
               NEW-1,corporate,1,2026-11-02,Parks,bo.khan@example.org\n\
               CORP-2,corporate,1,2026-11-03,Parks,bo.khan@example.org\n\
               NEW-2,corporate,1,2026-11-02,Parks,ghost@example.org\n";
    let cases = import::parse_cases("cases.csv", csv.as_bytes(), &ctx)
        .unwrap()
        .records;
    let run = FeedRun::new(RunSource::Import, "cases.csv", now());
    assert!(
        store
            .import_cases(&cases, Listing::Partial, Some(run), now())
            .await
            .is_err()
    );
    assert_eq!(store.stages().await.unwrap(), before);
}

async fn stages_list_with_their_case_and_manager(db: TestDb) {
    let store = db.store().await;
    load(&store, STAFF_CSV, CASES_CSV).await;
    let stages = store.stages().await.unwrap();
    assert_eq!(stages.len(), 5);
    let order: Vec<(&str, u8)> = stages
        .iter()
        .map(|s| (s.reference.as_str(), s.stage.number()))
        .collect();
    assert_eq!(
        order,
        [
            ("CSC-1", 1),
            ("ASC-3", 1),
            ("CSC-1", 2),
            ("CORP-2", 1),
            ("CPL-4", 0)
        ]
    );

    let first = &stages[0];
    assert_eq!(first.kind, Kind::Statutory);
    assert_eq!(first.manager_name, "Ann Lee");
    assert_eq!(first.category.as_deref(), Some("Communication"));
    assert_eq!(first.terms.terms.working_days_allowed, Some(20));
    assert_eq!(first.responded_on, Some(date("2026-10-05")));
    assert_eq!(first.outcome, Some(Outcome::PartiallyUpheld));

    let adult = &stages[1];
    assert_eq!(adult.terms.terms.working_days_allowed, None);
    assert_eq!(adult.terms.agreed_response_on, Some(date("2026-12-15")));
    assert_eq!(stages[3].received_on, date("2026-11-02"));
    assert_eq!(stages[4].stage, Stage::NONE);
    assert_eq!(stages[4].responded_on, None);
}

async fn reminders_are_recorded_once_and_linked_to_one_message(db: TestDb) {
    let store = db.store().await;
    load(&store, STAFF_CSV, CASES_CSV).await;
    let today = date("2026-11-25");
    let stages = store.stages().await.unwrap();
    let reminder = |reference: &str, kind: &str, recipient: &str| NewReminder {
        stage_id: stages
            .iter()
            .find(|s| s.reference.as_str() == reference && s.responded_on.is_none())
            .unwrap()
            .stage_id,
        kind: Reminder::parse(kind).unwrap(),
        due_on: date("2026-11-16"),
        recipient: recipient.into(),
    };
    let ann = "ann.lee@example.org";
    let bo = "bo.khan@example.org";
    let first = [
        reminder("CSC-1", "overdue_2", ann),
        reminder("CORP-2", "overdue_2", bo),
    ];
    assert_eq!(store.add_reminders(&first, today, now()).await.unwrap(), 2);
    // Recorded once: again, or among new ones, only the new count.
    let again = [first[1].clone(), reminder("CORP-2", "escalation", ann)];
    assert_eq!(store.add_reminders(&again, today, now()).await.unwrap(), 1);

    // By recipient, then by id.
    let listed = unsent(&store, today).await;
    let recipients: Vec<&str> = listed.iter().map(|r| r.recipient.as_str()).collect();
    assert_eq!(recipients, [ann, ann, bo]);
    let ann_ids = vec![listed[0].id, listed[1].id];
    assert!(ann_ids.is_sorted());
    let bo_id = listed[2].id;
    assert_eq!(listed[0].stage.reference.as_str(), "CSC-1");

    // The second e-mail wants a reminder the first took: it alone is
    // rolled back, and the third is stored.
    let messages = [
        message(ann, ann_ids.clone()),
        message(bo, vec![bo_id, ann_ids[0]]),
        message(bo, vec![bo_id]),
    ];
    let stored = store.add_messages(&messages, today, now()).await.unwrap();
    assert_eq!(stored, [true, false, true]);
    let queued = store.messages_of(today).await.unwrap();
    assert_eq!(
        queued
            .iter()
            .map(|m| m.recipient.as_str())
            .collect::<Vec<_>>(),
        [ann, bo]
    );
    assert!(unsent(&store, today).await.is_empty());
    // A repeated id cannot be linked twice either.
    let more = [reminder("ASC-3", "due_soon_5", ann)];
    assert_eq!(store.add_reminders(&more, today, now()).await.unwrap(), 1);
    let id = unsent(&store, today).await[0].id;
    assert!(
        !store
            .add_message(&message(ann, vec![id, id]), today, now())
            .await
            .unwrap()
    );
    assert!(
        store
            .add_message(&message(ann, vec![id]), today, now())
            .await
            .unwrap()
    );
}

/// A second poller's batch, none of whose e-mails wants a reminder twice,
/// where one e-mail wants a reminder the first poller's e-mail took: that
/// e-mail alone is withdrawn, and the first keeps what it linked.
async fn a_batch_that_lost_a_race_keeps_only_its_own(db: TestDb) {
    let store = db.store().await;
    load(&store, STAFF_CSV, CASES_CSV).await;
    let today = date("2026-11-25");
    let stages = store.stages().await.unwrap();
    let ann = "ann.lee@example.org";
    let bo = "bo.khan@example.org";
    let recorded: Vec<NewReminder> = [("CSC-1", ann), ("CORP-2", bo), ("ASC-3", ann)]
        .into_iter()
        .map(|(reference, recipient)| NewReminder {
            stage_id: stages
                .iter()
                .find(|s| s.reference.as_str() == reference && s.responded_on.is_none())
                .unwrap()
                .stage_id,
            kind: Reminder::Overdue { notice: 2 },
            due_on: date("2026-11-16"),
            recipient: recipient.into(),
        })
        .collect();
    assert_eq!(
        store.add_reminders(&recorded, today, now()).await.unwrap(),
        3
    );
    let ids: Vec<i64> = unsent(&store, today).await.iter().map(|r| r.id).collect();
    let first = [message(ann, vec![ids[0]])];
    assert_eq!(
        store.add_messages(&first, today, now()).await.unwrap(),
        [true]
    );
    let second = [
        message(ann, vec![ids[0], ids[1]]),
        message(bo, vec![ids[2]]),
    ];
    assert_eq!(
        store.add_messages(&second, today, now()).await.unwrap(),
        [false, true]
    );
    let queued = store.messages_of(today).await.unwrap();
    assert_eq!(queued.len(), 2);
    // The withdrawn e-mail's other reminder is free for the next poll.
    let left: Vec<i64> = unsent(&store, today).await.iter().map(|r| r.id).collect();
    assert_eq!(left, [ids[1]]);
}

/// Composing takes the unsent reminders a few recipients at a time: each
/// batch holds at least the number asked for, and never part of a
/// recipient's reminders, in the order e-mails are composed.
async fn unsent_reminders_come_in_batches_of_whole_recipients(db: TestDb) {
    let store = db.store().await;
    load(&store, STAFF_CSV, CASES_CSV).await;
    let today = date("2026-11-25");
    let stages = store.stages().await.unwrap();
    let stage = |reference: &str| {
        stages
            .iter()
            .find(|s| s.reference.as_str() == reference && s.responded_on.is_none())
            .unwrap()
            .stage_id
    };
    // Recorded out of recipient order, so the order is the query's.
    let recorded: Vec<NewReminder> = [
        ("CSC-1", "overdue_1", "c@example.org"),
        ("CORP-2", "overdue_1", "a@example.org"),
        ("ASC-3", "overdue_1", "b@example.org"),
        ("CSC-1", "escalation", "a@example.org"),
        ("ASC-3", "escalation", "c@example.org"),
    ]
    .into_iter()
    .map(|(reference, kind, recipient)| NewReminder {
        stage_id: stage(reference),
        kind: Reminder::parse(kind).unwrap(),
        due_on: date("2026-11-16"),
        recipient: recipient.into(),
    })
    .collect();
    store.add_reminders(&recorded, today, now()).await.unwrap();
    let recipients = |batches: Vec<Vec<UnsentReminder>>| -> Vec<Vec<String>> {
        batches
            .into_iter()
            .map(|b| b.into_iter().map(|r| r.recipient).collect())
            .collect()
    };
    let (a, b, c) = ("a@example.org", "b@example.org", "c@example.org");
    assert_eq!(
        recipients(unsent_batches(&store, today, 2).await),
        [vec![a, a], vec![b, c, c]]
    );
    assert_eq!(
        recipients(unsent_batches(&store, today, 1).await),
        [vec![a, a], vec![b], vec![c, c]]
    );
    let all = unsent(&store, today).await;
    assert_eq!(
        all.iter().map(|r| r.recipient.as_str()).collect::<Vec<_>>(),
        [a, a, b, c, c]
    );
    // Each recipient's in the order they were recorded.
    assert!(all[0].id < all[1].id && all[3].id < all[4].id);
    assert_eq!(all[0].stage.stage_id, stage("CORP-2"));
    assert_eq!(all[4].kind, Reminder::Escalation);
}

/// A short e-mail to `recipient` carrying `reminder_ids`.
fn message(recipient: &str, reminder_ids: Vec<i64>) -> NewMessage {
    NewMessage {
        recipient: recipient.to_owned(),
        cc: None,
        subject: "Complaint responses overdue".to_owned(),
        body_text: "Text".to_owned(),
        body_html: "<p>HTML</p>".to_owned(),
        ics: None,
        reminder_ids,
    }
}

/// `open_existing` gives no store, and makes no file or folder, where
/// there is no SQLite database yet; once there is one (and always on
/// PostgreSQL) it opens it, schema brought up to date.
async fn open_existing_creates_nothing(db: TestDb) {
    let file = match &db.settings.url {
        DatabaseUrl::Sqlite(path) => Some(path.clone()),
        DatabaseUrl::Postgres(_) => None,
    };
    let first = Store::open_existing(&db.settings).await.unwrap();
    if let Some(file) = &file {
        assert!(first.is_none());
        assert!(!file.parent().unwrap().exists(), "a folder was made");
    }
    db.store().await.close().await;
    let store = Store::open_existing(&db.settings).await.unwrap().unwrap();
    let staff = import::parse_staff("staff.csv", STAFF_CSV.as_bytes())
        .unwrap()
        .records;
    let counts = store.import_staff(&staff, now()).await.unwrap();
    assert_eq!(counts.inserted, staff.len());
}
