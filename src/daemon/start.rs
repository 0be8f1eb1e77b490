//! What `run` must have before it tells systemd it is ready: the only
//! instance on a SQLite file, and a database that answers.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::watch;

use super::StartError;
use super::systemd::{status, stopped};
use crate::settings::{DatabaseSettings, DatabaseUrl};
use crate::store::Store;

/// The longest wait between two tries to reach the database.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// An exclusive lock on `<database>.lock`, held while `run` runs. SQLite
/// has one writer at a time and no way to share claims between machines, so
/// a second `run` on the same file is refused rather than left to fight
/// over it. The kernel drops the lock when the process dies, however it dies.
#[derive(Debug)]
pub(super) struct InstanceLock {
    _file: File,
}

/// Takes the instance lock when the database is a SQLite file.
pub(super) fn lock_instance(url: &DatabaseUrl) -> Result<Option<InstanceLock>, StartError> {
    let DatabaseUrl::Sqlite(database) = url else {
        return Ok(None);
    };
    let path = lock_path(database);
    let failed = |e: std::io::Error| {
        StartError::Runtime(anyhow::anyhow!("cannot lock {}: {e}", path.display()))
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(failed)?;
    }
    // Not truncated on open: the file names the process holding the lock.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            return Err(StartError::Runtime(anyhow::anyhow!(
                "another casewatch (process {}) is already running on the SQLite database {}; \
                 SQLite allows one instance: stop the other one, or move to PostgreSQL to run several",
                holder.trim(),
                database.display()
            )));
        }
        Err(TryLockError::Error(e)) => return Err(failed(e)),
    }
    file.set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .map_err(failed)?;
    Ok(Some(InstanceLock { _file: file }))
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Opens the database, waiting with growing pauses while it cannot be
/// reached (a server that is down, starting or full). `None` when a stop
/// signal came first. Errors that waiting cannot mend (a wrong password, a
/// schema newer than this binary) end start-up at once.
pub(super) async fn open_store(
    settings: &DatabaseSettings,
    stop: &mut watch::Receiver<bool>,
) -> Result<Option<Store>, StartError> {
    let mut wait = Duration::from_secs(1);
    loop {
        let attempt = tokio::select! {
            opened = Store::open(settings) => opened,
            () = stopped(stop) => return Ok(None),
        };
        let error = match attempt {
            Ok(store) => return Ok(Some(store)),
            Err(e) if e.is_transient() => e,
            Err(e) => return Err(StartError::Runtime(e.into())),
        };
        tracing::warn!(error = %error, retry_in_seconds = wait.as_secs(), "cannot reach the database; waiting for it");
        status(&format!("waiting for the database: {error}"));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stopped(stop) => return Ok(None),
        }
        wait = (wait * 2).min(MAX_WAIT);
    }
}
