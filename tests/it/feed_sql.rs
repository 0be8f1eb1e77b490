//! The feed's `sql` source against real servers: a PostgreSQL database of
//! its own standing in for the case system's reporting database, and a
//! table of its own on the MariaDB (or MySQL) server `tests/setup.sh`
//! starts.

use std::time::{Duration, Instant};

use casewatch::feed::sql::{self, Extract, SqlError};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{Connection, MySqlConnection, PgConnection};

use crate::helpers::TestDb;

/// A time-out the tests' quick queries never reach on a loaded machine.
const AMPLE: Duration = Duration::from_secs(60);

/// The MySQL or MariaDB server the tests use; `tests/setup.sh` makes sure
/// one is up at the default address.
fn mysql_url() -> String {
    std::env::var("CASEWATCH_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

fn secret(url: &str) -> SecretString {
    SecretString::from(url.to_owned())
}

fn rows(extract: &Extract) -> Vec<Vec<&str>> {
    extract.rows.iter().map(|r| r.iter().collect()).collect()
}

/// A case system on PostgreSQL: a fresh database (dropped when the test
/// ends) holding a `cases` table of the column types a reporting view has.
async fn postgres_case_system() -> (TestDb, SecretString) {
    let db = TestDb::postgres().await;
    let url = db.url();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TYPE case_kind AS ENUM ('statutory', 'corporate');
         CREATE TABLE cases (
             id integer PRIMARY KEY,
             reference text,
             kind case_kind,
             received_on date,
             extended_working_days integer,
             cost numeric(8, 2),
             upheld boolean,
             logged_at timestamptz
         );
         INSERT INTO cases VALUES
             (1, 'CSC-1', 'statutory', '2026-11-02', 20, 1250.50, true, '2026-06-30 23:30:00+00'),
             (2, 'Zoë’s “case”, 2', 'corporate', '2026-02-28', 0, -3.10, false, '2026-12-01 09:00:00+00'),
             (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    (db, secret(&url))
}

async fn postgres_count(url: &SecretString) -> i64 {
    let mut conn = PgConnection::connect(url.expose_secret()).await.unwrap();
    let count = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    count
}

/// A case system on MySQL or MariaDB: a uniquely named table in the test
/// database, dropped when the test ends.
struct MySqlTable {
    name: String,
}

impl MySqlTable {
    async fn create() -> Self {
        let url = mysql_url();
        let mut conn = MySqlConnection::connect(&url).await.unwrap_or_else(|e| {
            panic!("MySQL or MariaDB at {url} is needed for the feed's sql tests and cannot be reached (bash tests/setup.sh starts it): {e}")
        });
        let name = format!(
            "casewatch_feed_{}_{}",
            std::process::id(),
            fastrand::u32(..)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {name} (
                 id INT PRIMARY KEY,
                 reference VARCHAR(40),
                 kind ENUM('statutory', 'corporate'),
                 received_on DATE,
                 extended_working_days INT,
                 cost DECIMAL(8, 2),
                 upheld BOOLEAN,
                 logged_at DATETIME
             ) CHARACTER SET utf8mb4;
             INSERT INTO {name} VALUES
                 (1, 'CSC-1', 'statutory', '2026-11-02', 20, 1250.50, TRUE, '2026-06-30 23:30:00'),
                 (2, 'Zoë’s “case”, 2', 'corporate', '2026-02-28', 0, -3.10, FALSE, '2026-12-01 09:00:00'),
                 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        Self { name }
    }

    /// The query text with `{t}` replaced by the table's name.
    fn sql(&self, query: &str) -> String {
        query.replace("{t}", &self.name)
    }

    async fn count(&self) -> i64 {
        let mut conn = MySqlConnection::connect(&mysql_url()).await.unwrap();
        let count = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}",
            self.name
        )))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        count
    }
}

impl Drop for MySqlTable {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, so clean up on a thread of its own.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(async {
                    let mut conn = MySqlConnection::connect(&mysql_url()).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
                        .execute(&mut conn)
                        .await
                        .map(|_| ())
                })
                .map_err(std::io::Error::other)
        })
        .join();
    }
}

const SELECT_ALL: &str = "SELECT reference, kind, received_on, extended_working_days, cost, \
     upheld, logged_at FROM {t} ORDER BY id";

#[tokio::test]
async fn postgres_values_arrive_as_their_text() {
    let (_db, url) = postgres_case_system().await;
    let extract = sql::fetch(&url, &SELECT_ALL.replace("{t}", "cases"), AMPLE)
        .await
        .unwrap();
    assert_eq!(
        extract.columns,
        [
            "reference",
            "kind",
            "received_on",
            "extended_working_days",
            "cost",
            "upheld",
            "logged_at"
        ]
    );
    assert_eq!(
        rows(&extract),
        [
            // The time stamp in Europe/London: 23:30 UTC on 30 June is
            // 00:30 BST on 1 July, the civil date the rest of casewatch uses.
            vec![
                "CSC-1",
                "statutory",
                "2026-11-02",
                "20",
                "1250.50",
                "t",
                "2026-07-01 00:30:00+01"
            ],
            vec![
                "Zoë’s “case”, 2",
                "corporate",
                "2026-02-28",
                "0",
                "-3.10",
                "f",
                "2026-12-01 09:00:00+00"
            ],
            vec!["", "", "", "", "", "", ""],
        ]
    );
}

#[tokio::test]
async fn mysql_values_arrive_as_their_text() {
    let table = MySqlTable::create().await;
    let extract = sql::fetch(&secret(&mysql_url()), &table.sql(SELECT_ALL), AMPLE)
        .await
        .unwrap();
    assert_eq!(
        extract.columns,
        [
            "reference",
            "kind",
            "received_on",
            "extended_working_days",
            "cost",
            "upheld",
            "logged_at"
        ]
    );
    assert_eq!(
        rows(&extract),
        [
            // BOOLEAN is TINYINT(1): 1 and 0.
            vec![
                "CSC-1",
                "statutory",
                "2026-11-02",
                "20",
                "1250.50",
                "1",
                "2026-06-30 23:30:00"
            ],
            vec![
                "Zoë’s “case”, 2",
                "corporate",
                "2026-02-28",
                "0",
                "-3.10",
                "0",
                "2026-12-01 09:00:00"
            ],
            vec!["", "", "", "", "", "", ""],
        ]
    );
}

#[tokio::test]
async fn mysql_keeps_its_own_meaning_of_pipes() {
    // sqlx's default would make `||` concatenate; in MySQL it is OR.
    let extract = sql::fetch(&secret(&mysql_url()), "SELECT 0 || 1 AS either", AMPLE)
        .await
        .unwrap();
    assert_eq!(rows(&extract), [vec!["1"]]);
}

#[tokio::test]
async fn a_query_with_no_rows_still_gives_its_columns() {
    let (_db, url) = postgres_case_system().await;
    let extract = sql::fetch(
        &url,
        "SELECT reference, received_on FROM cases WHERE id < 0",
        AMPLE,
    )
    .await
    .unwrap();
    assert_eq!(extract.columns, ["reference", "received_on"]);
    assert!(extract.rows.is_empty());

    let table = MySqlTable::create().await;
    let extract = sql::fetch(
        &secret(&mysql_url()),
        &table.sql("SELECT reference, received_on FROM {t} WHERE id < 0"),
        AMPLE,
    )
    .await
    .unwrap();
    assert_eq!(extract.columns, ["reference", "received_on"]);
    assert!(extract.rows.is_empty());
}

#[tokio::test]
async fn only_the_first_result_set_is_used() {
    let (_db, url) = postgres_case_system().await;
    let extract = sql::fetch(&url, "SELECT 1 AS a; SELECT 2 AS b, 3 AS c", AMPLE)
        .await
        .unwrap();
    assert_eq!(extract.columns, ["a"]);
    assert_eq!(rows(&extract), [vec!["1"]]);

    let extract = sql::fetch(
        &secret(&mysql_url()),
        "SELECT 1 AS a; SELECT 2 AS b, 3 AS c",
        AMPLE,
    )
    .await
    .unwrap();
    assert_eq!(extract.columns, ["a"]);
    assert_eq!(rows(&extract), [vec!["1"]]);
}

#[tokio::test]
async fn a_query_without_columns_is_refused() {
    let (_db, url) = postgres_case_system().await;
    // PostgreSQL allows a SELECT of nothing: one row of no columns.
    for query in ["SELECT", "SET search_path = public"] {
        let error = sql::fetch(&url, query, AMPLE).await.unwrap_err();
        assert!(
            matches!(error, SqlError::NoColumns { .. }),
            "{query}: {error}"
        );
        assert!(error.to_string().contains("no columns"), "{error}");
    }
    let error = sql::fetch(&secret(&mysql_url()), "DO 1", AMPLE)
        .await
        .unwrap_err();
    assert!(matches!(error, SqlError::NoColumns { .. }), "{error}");
}

#[tokio::test]
async fn postgres_refuses_writes() {
    let (_db, url) = postgres_case_system().await;
    for query in [
        "DELETE FROM cases; SELECT reference FROM cases",
        "WITH gone AS (DELETE FROM cases RETURNING reference) SELECT reference FROM gone",
        "SELECT reference FROM cases; DELETE FROM cases",
        // Ending the read-only transaction does not lift read-only.
        "COMMIT; DELETE FROM cases; SELECT 1 AS x",
    ] {
        let error = sql::fetch(&url, query, AMPLE).await.unwrap_err();
        assert!(
            matches!(error, SqlError::Query { .. }),
            "{query}: {error:?}"
        );
        assert!(
            error.to_string().contains("read-only transaction"),
            "{query}: {error}"
        );
        assert!(!error.is_transient(), "{query}");
        assert_eq!(postgres_count(&url).await, 3, "{query}");
    }
}

#[tokio::test]
async fn mysql_refuses_writes() {
    let table = MySqlTable::create().await;
    let url = secret(&mysql_url());
    for query in [
        "DELETE FROM {t}; SELECT reference FROM {t}",
        "SELECT reference FROM {t}; DELETE FROM {t}",
        // Ending the read-only transaction does not lift read-only.
        "COMMIT; DELETE FROM {t}; SELECT 1 AS x",
    ] {
        let query = table.sql(query);
        let error = sql::fetch(&url, &query, AMPLE).await.unwrap_err();
        assert!(
            matches!(error, SqlError::Query { .. }),
            "{query}: {error:?}"
        );
        assert!(
            error.to_string().to_lowercase().contains("read only"),
            "{query}: {error}"
        );
        assert_eq!(table.count().await, 3, "{query}");
    }
}

/// Runs `query` with a 1 s time-out and checks the server stopped it, said
/// so plainly, and well before the query would have ended by itself.
async fn stops_at_the_time_out(url: &SecretString, query: &str) {
    let started = Instant::now();
    let error = sql::fetch(url, query, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{query} ran for {:?}",
        started.elapsed()
    );
    assert!(
        matches!(error, SqlError::TimedOut { .. }),
        "{query}: {error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("took longer than 1 s (feed.timeout_seconds)"),
        "{error}"
    );
}

#[tokio::test]
async fn a_slow_query_is_stopped() {
    let (_db, url) = postgres_case_system().await;
    stops_at_the_time_out(&url, "SELECT pg_sleep(30)").await;
    stops_at_the_time_out(&secret(&mysql_url()), "SELECT SLEEP(30)").await;
}

/// Fails to connect to `url`, whose password is `SeCrEt`, and checks the
/// error names `server` and not the password, and soon.
async fn unreachable(url: &str, server: &str) -> SqlError {
    let started = Instant::now();
    let error = sql::fetch(&secret(url), "SELECT 1", Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{url} took {:?}",
        started.elapsed()
    );
    let text = error.to_string();
    let debug = format!("{error:?}");
    assert!(text.contains(server), "{text}");
    assert!(!text.contains("SeCrEt"), "{text}");
    assert!(!debug.contains("SeCrEt"), "{debug}");
    error
}

#[tokio::test]
async fn a_server_that_is_down_is_named_without_the_password() {
    // Port 1 on the loopback: nothing listens there, so connecting is refused.
    for url in [
        "postgres://u:SeCrEt@127.0.0.1:1/x",
        "mysql://u:SeCrEt@127.0.0.1:1/x",
        "mariadb://u:SeCrEt@127.0.0.1:1/x",
    ] {
        let error = unreachable(url, "127.0.0.1:1/x").await;
        assert!(matches!(error, SqlError::Connect { .. }), "{error:?}");
        assert!(error.is_transient(), "{error}");
    }
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up() {
    // Accepts connections and says nothing: both clients wait for the
    // server's first word, so only the connect time-out ends the wait.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let server = format!("127.0.0.1:{port}/x");
    for scheme in ["postgres", "mysql"] {
        let error = unreachable(&format!("{scheme}://u:SeCrEt@{server}"), &server).await;
        assert!(
            matches!(error, SqlError::ConnectTimedOut { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("no answer within 2 s"),
            "{error}"
        );
        assert!(error.is_transient(), "{error}");
    }
    held.abort();
}

#[tokio::test]
async fn a_wrong_password_is_not_repeated_and_not_transient() {
    // The test server lets root in without a password, so any is wrong.
    let base = mysql_url();
    let (scheme, rest) = base.split_once("://").unwrap();
    let user_end = rest.find(['@', ':']).unwrap();
    let (user, rest) = rest.split_at(user_end);
    let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let url = format!("{scheme}://{user}:SeCrEt@{host_and_db}");
    let server = host_and_db.to_owned();
    let error = unreachable(&url, &server).await;
    assert!(matches!(error, SqlError::Connect { .. }), "{error:?}");
    assert!(!error.is_transient(), "{error}");
}

#[tokio::test]
async fn bytes_that_are_not_text_are_named_by_row_and_column() {
    let error = sql::fetch(
        &secret(&mysql_url()),
        "SELECT 'ok' AS fine, X'FF' AS raw",
        AMPLE,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, SqlError::NotText { row: 1, column, .. } if column == "raw"),
        "{error:?}"
    );
}

#[tokio::test]
async fn other_schemes_are_refused() {
    let error = sql::fetch(&secret("sqlserver://u:SeCrEt@db/cases"), "SELECT 1", AMPLE)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SqlError::UnsupportedScheme { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("SeCrEt"), "{error}");
}
