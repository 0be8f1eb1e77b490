//! The `sql` source of the case feed: one query against the council case
//! system's reporting database (PostgreSQL, MySQL or MariaDB), its result
//! read as text.
//!
//! The caller checks the values exactly as it checks a CSV row, so this
//! module only has to hand over what the database would print: it never
//! needs to know a column's type. That is why the query goes through sqlx's
//! `raw_sql`, which uses the simple (text) query protocol on both servers,
//! so every value arrives as the server's own text for it:
//!
//! | column type | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|
//! | `date` | `2026-11-02` | `2026-11-02` |
//! | `integer` | `42` | `42` |
//! | `numeric(6,2)` / `decimal(6,2)` | `20.50` | `20.50` |
//! | `boolean` | `t` / `f` | `1` / `0` (`BOOLEAN` is `TINYINT(1)`) |
//! | `text` / `varchar`, enums | the text | the text |
//! | `timestamptz` / `timestamp` | in Europe/London, e.g. `2026-07-01 00:30:00+01` | in the server's own time zone |
//! | NULL | empty | empty |
//!
//! Prepared statements, by contrast, send PostgreSQL values in binary,
//! which would need a decoder per type; `tests/it/feed_sql.rs` checks the
//! table above on real servers.
//!
//! The query runs in a read-only transaction with a statement time-out, on
//! one connection opened for it and closed after. Read-only guards against
//! a mistaken query, not a hostile one: the account in the URL should be
//! able to read the reporting views and nothing else.

use std::str::FromStr;
use std::time::Duration;

use csv::StringRecord;
use futures_util::{Stream, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError};
use sqlx::postgres::PgConnectOptions;
use sqlx::{
    AssertSqlSafe, Column, ColumnIndex, ConnectOptions, Connection, Decode, Either, Executor,
    MySqlConnection, PgConnection, Row, SqlSafeStr, SqlStr, Statement, ValueRef,
};

/// The longest wait for the server to accept a connection (less when the
/// feed's time-out is shorter): a server that does not answer is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long past the statement time-out the whole fetch may run before it is
/// abandoned. The server normally stops the query itself, and says so; this
/// margin lets its message arrive, and the backstop catches what it does
/// not time (a MySQL statement that is not a `SELECT`, a stalled network).
const BACKSTOP_GRACE: Duration = Duration::from_secs(5);

/// The longest statement time-out asked of a server: their own limits are
/// far below a `Duration`'s (PostgreSQL's is 2^31 ms, about 24 days).
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// A query's result read as text: its column names, and each row's cells in
/// column order (NULL read as an empty cell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extract {
    pub columns: Vec<String>,
    pub rows: Vec<StringRecord>,
}

/// Why a fetch failed. No variant holds the URL, which may carry the
/// password: the server is named by host, port and database only.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error("the feed's url is not a URL: {0}")]
    NotUrl(url::ParseError),
    #[error(
        "the feed's url starts with `{scheme}:`; casewatch reads postgres://, mysql:// and mariadb:// databases"
    )]
    UnsupportedScheme { scheme: String },
    // sqlx's messages for a URL it cannot read name the part, not its text.
    #[error("the feed's url cannot be read: {0}")]
    BadUrl(sqlx::Error),
    #[error("cannot connect to the case system's database at {server}: {}", message(.error))]
    Connect { server: String, error: sqlx::Error },
    #[error(
        "cannot connect to the case system's database at {server}: no answer within {}",
        seconds(*.waited)
    )]
    ConnectTimedOut { server: String, waited: Duration },
    #[error(
        "the query on {server} took longer than {} (feed.timeout_seconds) and was stopped",
        seconds(*.limit)
    )]
    TimedOut { server: String, limit: Duration },
    #[error("the query failed on {server}: {}", message(.error))]
    Query { server: String, error: sqlx::Error },
    #[error(
        "the query on {server} returned no columns; it must be a SELECT returning the import's columns"
    )]
    NoColumns { server: String },
    #[error(
        "the query on {server} returned no rows, and its columns cannot be read without running it again as a prepared statement, which failed: {}",
        message(.error)
    )]
    Columns { server: String, error: sqlx::Error },
    #[error("the query on {server} returned row {row} with column {column} not in UTF-8 text")]
    NotText {
        server: String,
        /// Counted from 1, as the rows of the extract.
        row: usize,
        column: String,
    },
}

impl SqlError {
    /// Whether the next run may succeed with nothing changed: the server is
    /// down, restarting, out of connections, or the connection broke.
    ///
    /// A time-out is not transient: the same query against the same data
    /// takes as long again, and retrying it early only loads the case
    /// system's database more. The query or `feed.timeout_seconds` has to
    /// change.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::ConnectTimedOut { .. } => true,
            Self::Connect { error, .. } | Self::Query { error, .. } => match error {
                sqlx::Error::Io(_) => true,
                // SQLSTATE class 08 (connection exception, which MySQL's "too
                // many connections" also uses), PostgreSQL's 57P (shutting
                // down or starting) and 53300 (too many connections).
                sqlx::Error::Database(e) => e
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Runs `query` on the database at `url` and reads its first result set
/// (the rows of the first statement that returns any) as text.
///
/// `timeout` is the statement time-out the server enforces; the whole fetch,
/// connecting included, is abandoned a little after it in case the server
/// does not stop the query itself.
pub async fn fetch(
    url: &SecretString,
    query: &str,
    timeout: Duration,
) -> Result<Extract, SqlError> {
    // A zero time-out means "none" to both servers; never ask for that.
    let timeout = timeout.clamp(Duration::from_millis(1), MAX_TIMEOUT);
    let target = Target::parse(url)?;
    let server = target.server();
    let connect_limit = CONNECT_TIMEOUT.min(timeout);
    let run = async {
        match target {
            Target::Postgres(options) => {
                let conn =
                    connect(PgConnection::connect_with(&options), connect_limit, &server).await?;
                run_postgres(conn, query, timeout, &server).await
            }
            Target::MySql(options) => {
                let conn = connect(
                    MySqlConnection::connect_with(&options),
                    connect_limit,
                    &server,
                )
                .await?;
                run_mysql(conn, query, timeout, &server).await
            }
        }
    };
    tokio::time::timeout(connect_limit + timeout + BACKSTOP_GRACE, run)
        .await
        .unwrap_or_else(|_| {
            Err(SqlError::TimedOut {
                server: server.clone(),
                limit: timeout,
            })
        })
}

/// The database a URL names, with the options casewatch needs.
///
/// sqlx's statement logging is off: it would warn of a "slow statement",
/// with the whole query, on every run whose extract takes over a second,
/// which a complete one does; the time-out is what bounds a slow query.
enum Target {
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
}

impl Target {
    fn parse(url: &SecretString) -> Result<Self, SqlError> {
        let text = url.expose_secret();
        let parsed = url::Url::parse(text).map_err(SqlError::NotUrl)?;
        match parsed.scheme() {
            "postgres" | "postgresql" => PgConnectOptions::from_str(text)
                .map(|options| {
                    Self::Postgres(
                        options
                            .application_name("casewatch")
                            .disable_statement_logging(),
                    )
                })
                .map_err(SqlError::BadUrl),
            "mysql" | "mariadb" => MySqlConnectOptions::from_str(text)
                .map(|options| {
                    Self::MySql(
                        options
                            // sqlx turns `||` into concatenation by default; the
                            // admin's query must mean what it means in their own
                            // client, where `||` is OR.
                            .pipes_as_concat(false)
                            // sqlx sets the session to UTC by default; keep the
                            // server's zone, as the admin's client sees it (MySQL
                            // servers often lack the named zones to set London).
                            .timezone(None)
                            .disable_statement_logging(),
                    )
                })
                .map_err(SqlError::BadUrl),
            scheme => Err(SqlError::UnsupportedScheme {
                scheme: scheme.to_owned(),
            }),
        }
    }

    /// `host:port/database`, or the socket's path: never the user or password.
    fn server(&self) -> String {
        let (socket, host, port, database) = match self {
            Self::Postgres(o) => (o.get_socket(), o.get_host(), o.get_port(), o.get_database()),
            Self::MySql(o) => (o.get_socket(), o.get_host(), o.get_port(), o.get_database()),
        };
        let place = socket.map_or_else(
            || format!("{host}:{port}"),
            |path| path.display().to_string(),
        );
        format!("{place}/{}", database.unwrap_or(""))
    }
}

async fn connect<C>(
    connecting: impl Future<Output = Result<C, sqlx::Error>>,
    limit: Duration,
    server: &str,
) -> Result<C, SqlError> {
    match tokio::time::timeout(limit, connecting).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(error)) => Err(SqlError::Connect {
            server: server.to_owned(),
            error,
        }),
        Err(_) => Err(SqlError::ConnectTimedOut {
            server: server.to_owned(),
            waited: limit,
        }),
    }
}

async fn run_postgres(
    mut conn: PgConnection,
    query: &str,
    timeout: Duration,
    server: &str,
) -> Result<Extract, SqlError> {
    // Session settings rather than `SET LOCAL` and the transaction's own
    // mode alone: a query holding `COMMIT;` would end the read-only
    // transaction and its local settings, and run what follows with
    // neither. The connection is this fetch's own, so the session ends with it.
    // London time makes `received_at::date` give the civil date the rest of
    // casewatch uses (sqlx sets the session to UTC).
    let setup = format!(
        "SET statement_timeout = {}; SET default_transaction_read_only = on; \
         SET TIME ZONE 'Europe/London'; BEGIN READ ONLY",
        timeout.as_millis()
    );
    let result = async {
        sqlx::raw_sql(AssertSqlSafe(setup))
            .execute(&mut conn)
            .await
            .map_err(|error| query_failed(error, timeout, server))?;
        let (columns, rows) = collect(raw(query).fetch_many(&mut conn), timeout, server).await?;
        let columns = match columns {
            Some(columns) => columns,
            None => prepared_columns(conn.prepare(raw_text(query)).await, server)?,
        };
        extract(columns, rows, server)
    }
    .await;
    // Closing ends the transaction; nothing was written to commit.
    let _ = conn.close().await;
    result
}

async fn run_mysql(
    mut conn: MySqlConnection,
    query: &str,
    timeout: Duration,
    server: &str,
) -> Result<Extract, SqlError> {
    let result = async {
        let failed = |error| query_failed(error, timeout, server);
        let version: String = sqlx::query_scalar("SELECT VERSION()")
            .fetch_one(&mut conn)
            .await
            .map_err(failed)?;
        // The two servers name and measure the statement time-out differently,
        // and each refuses the other's variable.
        let limit = if version.contains("MariaDB") {
            format!(
                "SET SESSION max_statement_time = {:.3}",
                timeout.as_secs_f64().max(0.001)
            )
        } else {
            // MySQL times only SELECT statements; the backstop covers the rest.
            // (A MySQL query of nothing but SLEEP() that runs out returns 1
            // rather than an error, so test a time-out there with real work.)
            // Only MariaDB is among the test servers.
            format!("SET SESSION max_execution_time = {}", timeout.as_millis())
        };
        // The session's transactions are read-only too, for the reason given
        // in run_postgres: a `COMMIT;` in the query must not lift it.
        let setup =
            format!("{limit}; SET SESSION TRANSACTION READ ONLY; START TRANSACTION READ ONLY");
        sqlx::raw_sql(AssertSqlSafe(setup))
            .execute(&mut conn)
            .await
            .map_err(failed)?;
        let (columns, rows) = collect(raw(query).fetch_many(&mut conn), timeout, server).await?;
        let columns = match columns {
            Some(columns) => columns,
            None => prepared_columns(conn.prepare(raw_text(query)).await, server)?,
        };
        extract(columns, rows, server)
    }
    .await;
    let _ = conn.close().await;
    result
}

/// The admin's query, run as they wrote it: it is their own setting, and
/// nothing from outside is spliced into it.
fn raw(query: &str) -> sqlx::RawSql {
    sqlx::raw_sql(raw_text(query))
}

fn raw_text(query: &str) -> SqlStr {
    AssertSqlSafe(query.to_owned()).into_sql_str()
}

/// The rows of the first statement that returns any, each read as text,
/// and that statement's column names (`None` when no statement returned a
/// row). The statements after it still run, so a write among them is
/// refused and reported, but their rows are dropped.
async fn collect<R, Done>(
    mut stream: impl Stream<Item = Result<Either<Done, R>, sqlx::Error>> + Unpin,
    timeout: Duration,
    server: &str,
) -> Result<(Option<Vec<String>>, Vec<StringRecord>), SqlError>
where
    R: Row,
    for<'r> &'r str: Decode<'r, R::Database>,
    usize: ColumnIndex<R>,
{
    let mut columns: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    // Whether the first statement with rows has finished.
    let mut done = false;
    while let Some(item) = stream.next().await {
        match item.map_err(|error| query_failed(error, timeout, server))? {
            Either::Left(_) => done = columns.is_some(),
            Either::Right(_) if done => {}
            Either::Right(row) => {
                let names = columns.get_or_insert_with(|| {
                    row.columns().iter().map(|c| c.name().to_owned()).collect()
                });
                rows.push(record(&row, names, rows.len() + 1, server)?);
            }
        }
    }
    Ok((columns, rows))
}

/// One row as a record: every cell's text in one buffer, NULL as "".
fn record<R>(
    row: &R,
    names: &[String],
    number: usize,
    server: &str,
) -> Result<StringRecord, SqlError>
where
    R: Row,
    for<'r> &'r str: Decode<'r, R::Database>,
    usize: ColumnIndex<R>,
{
    let mut cells = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        let not_text = || SqlError::NotText {
            server: server.to_owned(),
            row: number,
            column: name.clone(),
        };
        let value = row.try_get_raw(index).map_err(|_| not_text())?;
        let text = if value.is_null() {
            ""
        } else {
            <&str as Decode<R::Database>>::decode(value).map_err(|_| not_text())?
        };
        cells.push(text);
    }
    // Sized exactly: a million rows of slack would add up.
    let mut record = StringRecord::with_capacity(cells.iter().map(|c| c.len()).sum(), cells.len());
    for cell in cells {
        record.push_field(cell);
    }
    Ok(record)
}

/// The columns of a query that returned no rows: the text protocol sends
/// them but sqlx hands over only rows, so the query is prepared (not run)
/// to read them. A query of several statements cannot be prepared.
fn prepared_columns<S: Statement>(
    prepared: Result<S, sqlx::Error>,
    server: &str,
) -> Result<Vec<String>, SqlError> {
    prepared
        .map(|statement| {
            statement
                .columns()
                .iter()
                .map(|c| c.name().to_owned())
                .collect()
        })
        .map_err(|error| SqlError::Columns {
            server: server.to_owned(),
            error,
        })
}

fn extract(
    columns: Vec<String>,
    rows: Vec<StringRecord>,
    server: &str,
) -> Result<Extract, SqlError> {
    if columns.is_empty() {
        return Err(SqlError::NoColumns {
            server: server.to_owned(),
        });
    }
    Ok(Extract { columns, rows })
}

/// A failed statement, told apart when the server stopped it for taking too
/// long: PostgreSQL's 57014 says "statement timeout" (the same code is used
/// for a cancelled query), MariaDB's error 1969 and MySQL's 3024.
fn query_failed(error: sqlx::Error, limit: Duration, server: &str) -> SqlError {
    let timed_out = error.as_database_error().is_some_and(|e| {
        if let Some(mysql) = e.try_downcast_ref::<MySqlDatabaseError>() {
            matches!(mysql.number(), 1969 | 3024)
        } else {
            e.code().as_deref() == Some("57014") && e.message().contains("statement timeout")
        }
    });
    if timed_out {
        SqlError::TimedOut {
            server: server.to_owned(),
            limit,
        }
    } else {
        SqlError::Query {
            server: server.to_owned(),
            error,
        }
    }
}

/// What the database said, without sqlx's "error returned from database:"
/// wrapping; other errors as sqlx words them (none holds the URL).
fn message(error: &sqlx::Error) -> String {
    match error.as_database_error() {
        Some(e) => match e.code() {
            Some(code) => format!("{} ({code})", e.message()),
            None => e.message().to_owned(),
        },
        None => error.to_string(),
    }
}

/// A duration as people read a time-out: "30 s", "1.5 s".
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} s", (duration.as_secs_f64() * 1000.0).round() / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<Target, SqlError> {
        Target::parse(&SecretString::from(url))
    }

    #[test]
    fn the_server_is_named_without_user_or_password() {
        let server = target("postgres://u:SeCrEt@db.example:6432/cases")
            .unwrap()
            .server();
        assert_eq!(server, "db.example:6432/cases");
        let server = target("mariadb://u:SeCrEt@db.example/reports")
            .unwrap()
            .server();
        assert_eq!(server, "db.example:3306/reports");
    }

    #[test]
    fn other_schemes_are_refused_without_repeating_the_url() {
        let error = target("mssql://u:SeCrEt@db.example/cases").err().unwrap();
        assert!(matches!(error, SqlError::UnsupportedScheme { .. }));
        let text = error.to_string();
        assert!(text.contains("`mssql:`"), "{text}");
        assert!(!text.contains("SeCrEt"), "{text}");
        let error = target("SeCrEt").err().unwrap();
        assert!(!error.to_string().contains("SeCrEt"), "{error}");
    }

    #[test]
    fn time_outs_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
