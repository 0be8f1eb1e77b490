//! SQLite: one file on one machine, the default.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::StoreError;

/// Opens the database file at `path`; with `create`, makes it (and its
/// folder) when missing.
pub(super) async fn connect(
    path: &Path,
    max_connections: u32,
    create: bool,
) -> Result<SqlitePool, StoreError> {
    if let Some(folder) = path
        .parent()
        .filter(|p| create && !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|source| StoreError::Folder {
            path: folder.display().to_string(),
            source,
        })?;
    }
    let failed = |source| StoreError::Sqlite {
        path: path.display().to_string(),
        source,
    };
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(failed)?
        .filename(path)
        .create_if_missing(create)
        // WAL lets readers (tracker, web form) work while the poller writes.
        // With WAL, SQLite advises `synchronous = NORMAL`: a commit is not
        // flushed to disk at once, only at checkpoints. A crash of casewatch
        // loses nothing committed (the outbox's promise is about those); a
        // power cut may lose the last commits, which at worst sends an
        // e-mail again. Flushing each commit cost a third of the sender's
        // time at a council's scale (BENCHMARKS.md).
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Writers take turns: one waits for another's commit rather than
        // failing at once.
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await
        .map_err(failed)
}
