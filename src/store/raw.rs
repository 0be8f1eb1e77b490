//! Reading many rows from SQLite through its C API on the pooled
//! connection's handle, borrowing each value in place.
//!
//! sqlx's SQLite driver copies every value of every row (a `malloc` each)
//! on its worker thread and sends each row through a channel: for the
//! report's million stages, about two thirds of its time (BENCHMARKS.md).
//! Stepping the statement here and reading values where SQLite holds them
//! does none of that. This is the only `unsafe` code in casewatch; every
//! call is checked, and the safe types below tie each borrowed value to the
//! row it came from and each row to its statement, so none outlives what
//! SQLite keeps valid.
//!
//! The read blocks the calling thread, as sqlx's worker thread did: about
//! a second for a million stages. The report is a command of its own, and
//! the daemon makes the tracker once a week on a runtime with a thread per
//! core. The poll's read of the day's unsent reminders runs on a blocking
//! thread instead (`for_each_row_blocking`), beside the composing it feeds.

use std::ffi::{CStr, CString, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use chrono::NaiveDate;
use libsqlite3_sys as ffi;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::LockedSqliteHandle;
use sqlx::{Sqlite, SqlitePool};

use super::StoreError;

/// Runs `sql` on a connection of `pool`, its parameters bound by `bind`,
/// and calls `each` with every row, until one returns an error.
pub(super) async fn for_each_row<E: From<StoreError>>(
    pool: &SqlitePool,
    sql: &str,
    bind: impl FnOnce(&mut Statement<'_>) -> Result<(), StoreError>,
    each: impl FnMut(&RawRow<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut conn = pool.acquire().await.map_err(StoreError::from)?;
    let mut handle = conn.lock_handle().await.map_err(StoreError::from)?;
    step(&mut handle, sql, bind, each)
}

/// [`for_each_row`] on a connection taken from the pool before, for one of
/// tokio's blocking threads (`crate::blocking::run`), so that the read runs
/// beside the runtime's thread rather than holding it. Not on the runtime's
/// own thread: waiting there for the connection's lock would panic.
pub(super) fn for_each_row_blocking<E: From<StoreError>>(
    mut conn: PoolConnection<Sqlite>,
    sql: &str,
    bind: impl FnOnce(&mut Statement<'_>) -> Result<(), StoreError>,
    each: impl FnMut(&RawRow<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut handle = tokio::runtime::Handle::current()
        .block_on(conn.lock_handle())
        .map_err(StoreError::from)?;
    step(&mut handle, sql, bind, each)
}

fn step<E: From<StoreError>>(
    handle: &mut LockedSqliteHandle<'_>,
    sql: &str,
    bind: impl FnOnce(&mut Statement<'_>) -> Result<(), StoreError>,
    mut each: impl FnMut(&RawRow<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut statement = Statement::prepare(handle, sql)?;
    bind(&mut statement)?;
    while let Some(row) = statement.next()? {
        each(&row)?;
    }
    Ok(())
}

/// A prepared statement on a locked connection; finalized when dropped.
pub(super) struct Statement<'h> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: NonNull<ffi::sqlite3>,
    _handle: PhantomData<&'h mut ()>,
}

impl<'h> Statement<'h> {
    pub fn prepare(handle: &'h mut LockedSqliteHandle<'_>, sql: &str) -> Result<Self, StoreError> {
        let db = handle.as_raw_handle();
        let sql = CString::new(sql).map_err(|e| StoreError::SqliteCall(e.to_string()))?;
        let mut stmt = ptr::null_mut();
        // SAFETY: `db` is the open connection the locked handle lends us,
        // and nothing else uses it while the handle is borrowed; `sql` is
        // a NUL-terminated string that outlives the call.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr(), -1, &mut stmt, ptr::null_mut())
        };
        let statement = NonNull::new(stmt).map(|stmt| Self {
            stmt,
            db,
            _handle: PhantomData,
        });
        match (code, statement) {
            (ffi::SQLITE_OK, Some(statement)) => Ok(statement),
            _ => Err(error(db, code)),
        }
    }

    /// Binds text to the parameter named `name` (e.g. `$1`).
    pub fn bind_text(&mut self, name: &CStr, value: &str) -> Result<(), StoreError> {
        let index = self.index(name)?;
        let len =
            c_int::try_from(value.len()).map_err(|e| StoreError::SqliteCall(e.to_string()))?;
        // SAFETY: the statement is live; SQLITE_TRANSIENT makes SQLite copy
        // the text, so `value` need not outlive the call.
        let code = unsafe {
            ffi::sqlite3_bind_text(
                self.stmt.as_ptr(),
                index,
                value.as_ptr().cast(),
                len,
                ffi::SQLITE_TRANSIENT(),
            )
        };
        self.check(code)
    }

    /// Binds a date as sqlx stores it: `YYYY-MM-DD` text.
    pub fn bind_date(&mut self, name: &CStr, day: NaiveDate) -> Result<(), StoreError> {
        self.bind_text(name, &day.format("%F").to_string())
    }

    fn index(&self, name: &CStr) -> Result<c_int, StoreError> {
        // SAFETY: the statement is live and `name` is NUL-terminated.
        let index = unsafe { ffi::sqlite3_bind_parameter_index(self.stmt.as_ptr(), name.as_ptr()) };
        if index == 0 {
            let name = name.to_string_lossy();
            return Err(StoreError::SqliteCall(format!(
                "no parameter {name} in the query"
            )));
        }
        Ok(index)
    }

    /// The next row, or `None` after the last. The row borrows the
    /// statement, so it is gone before the next step.
    pub fn next(&mut self) -> Result<Option<RawRow<'_>>, StoreError> {
        // SAFETY: the statement is live, and no value of the previous row
        // is still borrowed (the borrow checker ends them before this).
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(Some(RawRow {
                stmt: self.stmt,
                _statement: PhantomData,
            })),
            ffi::SQLITE_DONE => Ok(None),
            code => Err(error(self.db, code)),
        }
    }

    fn check(&self, code: c_int) -> Result<(), StoreError> {
        match code {
            ffi::SQLITE_OK => Ok(()),
            code => Err(error(self.db, code)),
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and dropped once, and no row of it
        // is borrowed any more.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The current row of a statement.
pub(super) struct RawRow<'s> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _statement: PhantomData<&'s ()>,
}

impl RawRow<'_> {
    /// An integer column; `None` when NULL.
    pub fn int(&self, column: c_int) -> Option<i64> {
        // SAFETY: the statement is live and on a row; an out-of-range
        // column reads as NULL.
        unsafe {
            match ffi::sqlite3_column_type(self.stmt.as_ptr(), column) {
                ffi::SQLITE_NULL => None,
                _ => Some(ffi::sqlite3_column_int64(self.stmt.as_ptr(), column)),
            }
        }
    }

    /// A text column, borrowed from SQLite until the next step; `None`
    /// when NULL.
    pub fn text(&self, column: c_int) -> Result<Option<&str>, StoreError> {
        // SAFETY: the statement is live and on a row. The pointer SQLite
        // returns stays valid until the next step or the finalize, both of
        // which need `&mut Statement`, which this row's borrow prevents.
        // The length is asked after the text, as SQLite's documents say.
        let bytes = unsafe {
            let text = ffi::sqlite3_column_text(self.stmt.as_ptr(), column);
            if text.is_null() {
                return Ok(None);
            }
            let len = ffi::sqlite3_column_bytes(self.stmt.as_ptr(), column);
            std::slice::from_raw_parts(text, usize::try_from(len).unwrap_or(0))
        };
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("column {column} is not UTF-8: {e}")))
    }
}

/// SQLite's message for the connection's last error.
fn error(db: NonNull<ffi::sqlite3>, code: c_int) -> StoreError {
    // SAFETY: `db` is the open connection; the message is copied at once.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) };
    StoreError::SqliteCall(format!("{} (code {code})", message.to_string_lossy()))
}
