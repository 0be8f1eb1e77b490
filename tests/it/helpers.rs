//! Shared set-up: a fresh database per test on either backend, sample CSV
//! files, and a way to run the `casewatch` binary in a scratch folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use casewatch::settings::{DatabaseSettings, DatabaseUrl};
use casewatch::store::{Store, UnsentReminder};
use chrono::NaiveDate;
use secrecy::SecretString;
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

/// The PostgreSQL server the tests use; `tests/setup.sh` makes sure it is up.
pub fn postgres_admin_url() -> String {
    std::env::var("CASEWATCH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh, empty database that is removed when the test ends.
pub struct TestDb {
    pub settings: DatabaseSettings,
    /// The SQLite file's folder, or a scratch folder for PostgreSQL tests.
    pub dir: TempDir,
    postgres_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = TempDir::new().unwrap();
        // A folder that does not exist yet: the store must create it.
        let path = dir.path().join("nested").join("casewatch.db");
        Self {
            settings: DatabaseSettings {
                url: DatabaseUrl::Sqlite(path),
                max_connections: 4,
            },
            dir,
            postgres_name: None,
        }
    }

    /// Creates a uniquely named database on the test server. Fails (never
    /// skips) when the server cannot be reached.
    pub async fn postgres() -> Self {
        let admin = postgres_admin_url();
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin} is needed for the store tests and cannot be reached (bash tests/setup.sh starts it): {e}")
        });
        let name = format!(
            "casewatch_test_{}_{}",
            std::process::id(),
            fastrand::u64(..)
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        Self {
            settings: DatabaseSettings {
                url: DatabaseUrl::Postgres(SecretString::from(format!("{base}/{name}"))),
                max_connections: 4,
            },
            dir: TempDir::new().unwrap(),
            postgres_name: Some(name),
        }
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.settings).await.unwrap()
    }

    /// The URL to give the binary in `CASEWATCH__DATABASE__URL`.
    pub fn url(&self) -> String {
        match &self.settings.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => secrecy::ExposeSecret::expose_secret(url).to_owned(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime, so clean up on a thread of its own.
        let admin = postgres_admin_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(async {
                    let mut conn = PgConnection::connect(&admin).await?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await
                    .map(|_| ())
                })
                .map_err(std::io::Error::other)
        })
        .join();
    }
}

/// Generates a `mod NAME { sqlite, postgres }` pair of tests that run the
/// async function `NAME(TestDb)` once on each backend.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::TestDb::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::TestDb::postgres().await).await;
            }
        }
    )+};
}
pub(crate) use on_both_backends;

pub const STAFF_CSV: &str = "\
email,name,team,escalation_email
ann.lee@example.org,Ann Lee,Fostering,head.children@example.org
bo.khan@example.org,Bo Khan,Parks,
head.children@example.org,Head of Children's Services,Leadership,
";

/// Five stages of four cases. CORP-2, received after 1 April 2026, is under
/// the LGSCO code, whose clock starts at acknowledgement: acknowledged the
/// day it arrived, its ten working days count from 2 November.
pub const CASES_CSV: &str = "\
reference,kind,stage,received_on,team,manager_email,category,extended_working_days,agreed_response_on,responded_on,outcome,learning,delay_reason_category,delay_reason,acknowledged_on
CSC-1,statutory,1,2026-09-01,Fostering,ann.lee@example.org,Communication,20,,2026-10-05,partially upheld,Letters name a contact,staff capacity,Officer on leave,
CSC-1,statutory,2,2026-10-12,Fostering,ann.lee@example.org,,,,,,,,,
CORP-2,corporate,1,02/11/2026,Parks,bo.khan@example.org,,,,,,,,,02/11/2026
ASC-3,adult,1,2026-10-01,Fostering,ann.lee@example.org,,,2026-12-15,,,,,,2026-10-02
CPL-4,compliment,,2026-11-03,Parks,bo.khan@example.org,,,,,,,,,
";

/// Imports `STAFF_CSV` and `CASES_CSV` through the binary, treating `as_of`
/// as today; fails the test if either import does not succeed.
pub fn import_sample(dir: &Path, env: &[(&str, &str)], as_of: &str) {
    let staff = write(dir, "staff.csv", STAFF_CSV);
    let cases = write(dir, "cases.csv", CASES_CSV);
    for args in [
        vec!["import", "staff", staff.to_str().unwrap()],
        vec!["import", "cases", cases.to_str().unwrap(), "--as-of", as_of],
    ] {
        let out = casewatch(dir, env, &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}

/// Writes `contents` to `name` inside `dir` and returns the path.
pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Runs the binary in `dir` with only the given `CASEWATCH*` variables set.
pub fn casewatch(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    command(dir, env, args).output().unwrap()
}

/// As [`casewatch`], with `input` on standard input.
pub fn casewatch_with_input(
    dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    input: &str,
) -> Output {
    use std::io::Write;
    let mut child = command(dir, env, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// The `casewatch` command with `args`, run in `dir` with only the
/// `CASEWATCH*` variables of `env`.
pub fn command(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casewatch"));
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    for (key, _) in std::env::vars() {
        if key.starts_with("CASEWATCH") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The reminders of `today` no e-mail carries yet, as listed for composing.
pub async fn unsent(store: &Store, today: NaiveDate) -> Vec<UnsentReminder> {
    unsent_batches(store, today, usize::MAX).await.concat()
}

/// The same, in the batches composing gets: at least `at_least` each.
pub async fn unsent_batches(
    store: &Store,
    today: NaiveDate,
    at_least: usize,
) -> Vec<Vec<UnsentReminder>> {
    let mut batches = Vec::new();
    let mut after = String::new();
    loop {
        let batch = store
            .unsent_reminders(today, &after, at_least)
            .await
            .unwrap();
        let Some(last) = batch.last() else {
            return batches;
        };
        after.clone_from(&last.recipient);
        batches.push(batch);
    }
}

/// The port `casewatch run` listens on, read from its log (`log`, its
/// standard error) once it says "web server listening on ADDRESS": the
/// tests bind port 0, so the system picks a port nobody holds. Waits up to
/// 30 seconds, and fails with the log if the process ends first.
pub fn listening_port(log: &Path, child: &mut Child) -> u16 {
    const SAID: &str = "web server listening on ";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some((_, rest)) = text.split_once(SAID) {
            // Text logs end the address with a space, JSON ones with a quote.
            let address = rest.split([' ', '"', '\n']).next().unwrap_or_default();
            return address
                .parse::<SocketAddr>()
                .unwrap_or_else(|e| panic!("{address:?} in the log is no address ({e}):\n{text}"))
                .port();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("casewatch run exited ({status}) before listening:\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "casewatch run did not listen within 30 s:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port held for a server that starts later in the test: bound (port 0,
/// so the system picks it) but not listening, so connecting is refused as
/// it is by a server that is down, and no other program can take it in
/// the meantime. The server shares it by binding with `SO_REUSEPORT` too.
pub struct HeldPort {
    pub port: u16,
    _socket: tokio::net::TcpSocket,
}

impl HeldPort {
    pub fn new() -> Self {
        let socket = reusable_socket();
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let port = socket.local_addr().unwrap().port();
        Self {
            port,
            _socket: socket,
        }
    }

    /// A listener on the held port (needs a tokio runtime to be current).
    pub fn listen(&self) -> std::net::TcpListener {
        let socket = reusable_socket();
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
            .unwrap();
        socket.listen(128).unwrap().into_std().unwrap()
    }
}

fn reusable_socket() -> tokio::net::TcpSocket {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseport(true).unwrap();
    socket
}

/// An HTTP client. reqwest is built without a TLS crypto provider (the
/// crate's is ring, as for lettre and sqlx): it is installed first, as
/// casewatch does before its own requests.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
