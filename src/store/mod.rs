//! The database: one API over SQLite (the default, one machine) and
//! PostgreSQL (several instances).
//!
//! Both backends run the same SQL text (`$1` placeholders work on both)
//! through runtime queries, so building needs no database. `with_pool!`
//! expands a body once per backend. The backends differ only where the
//! databases differ in meaning: connecting (`sqlite.rs`, `postgres.rs`),
//! the schema (`migrations/<backend>`), the outbox claim (PostgreSQL skips
//! rows other senders locked) and the single-job lock (`locks.rs`).

/// The columns `TermsListed` reads from a stage (alias `s`).
macro_rules! terms_columns {
    () => {
        "s.procedure, s.working_days_allowed, s.standard_working_days,
         s.acknowledge_within, s.clock_starts, s.agreed_response_on, s.acknowledged_on"
    };
}

/// The columns `StageListed` reads (aliases `s` stage, `c` case, `m`
/// manager), shared by every query that lists stages.
macro_rules! stage_columns {
    () => {
        concat!(
            "s.id AS stage_id, c.reference, c.kind, c.category, c.team, c.manager_email,
         m.name AS manager_name, s.stage, s.received_on, s.responded_on, s.outcome,
         s.left_source_on, ",
            terms_columns!()
        )
    };
}

/// Stages with their case and its manager, as `stage_columns!` names them.
macro_rules! stages_with_case {
    () => {
        " FROM case_stages s
         JOIN cases c ON c.id = s.case_id
         JOIN staff m ON m.email = c.manager_email "
    };
}

mod cases;
mod digests;
mod feed;
mod holidays;
mod learning;
mod listings;
mod locks;
mod outbox;
mod postgres;
mod reasons;
mod report;
mod sqlite;
mod tracker;

use sqlx::{PgPool, SqlitePool};

use crate::settings::{DatabaseSettings, DatabaseUrl};

pub use cases::{CasesImported, ImportCounts, ImportSummary, Listing, StageRow};
pub use digests::{DigestKind, DigestLearning, DigestReason, DigestRows, DigestStage};
pub use feed::{FeedRun, RunOutcome, RunSource};
pub use holidays::{DivisionImport, StoredHolidays};
pub use learning::{NewLearning, StoredLearning};
pub use listings::{LearningGiven, ReasonGiven, StageNotes};
pub use locks::{JobLock, SingleJob};
pub use outbox::{
    ActionRow, AnsweredStageRow, Held, MessageStatus, NewMessage, NewReminder, OpenStageRow,
    OutboxClaim, OutboxMessage, OutboxStatus, Outcome, UnsentReminder,
};
pub use reasons::{NewReason, ReasonTarget, StoredReason};
pub use report::{ReportLearning, ReportStageRow};
pub use tracker::{Claim, Details, STALE_MINUTES, TrackedStage, Undelivered};

/// Runs `$body` with `$pool` bound to whichever pool the store holds.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A connection pool to the case database.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the SQLite database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create the folder {path} for the database: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    // The URL is not repeated: it may hold a password.
    #[error("cannot connect to PostgreSQL (database.url): {0}")]
    Postgres(#[source] sqlx::Error),
    #[error("cannot connect to PostgreSQL at {server} (database.url): {source}")]
    Unreachable {
        /// Host and port, or the socket's folder: never the password.
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
}

/// What `migrate` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationReport {
    pub applied_before: usize,
    pub applied_now: usize,
}

impl StoreError {
    /// Whether trying again later may work: the server is down, starting,
    /// restarting or out of connections. A wrong password or a bad schema
    /// is not.
    pub fn is_transient(&self) -> bool {
        let error = match self {
            Self::Unreachable { .. } => return true,
            Self::Postgres(e) | Self::Query(e) => e,
            Self::Migrate(sqlx::migrate::MigrateError::Execute(e)) => e,
            _ => return false,
        };
        match error {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
            // SQLSTATE classes 08 (connection exception) and 57P (the
            // server shutting down or starting), and too many connections.
            sqlx::Error::Database(e) => e
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"),
            _ => false,
        }
    }
}

impl Store {
    /// Opens the database, creating a SQLite file if missing, and brings
    /// its schema up to date.
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        Self::open_with(settings, true).await
    }

    /// Opens the database, as `open` does, only if it exists: a SQLite
    /// file that is not there is `None`, and is not created. Commands that
    /// only read from the database when there is one (the calendar with
    /// imported holidays) use this, so they leave no empty database
    /// behind. A PostgreSQL database is always there to connect to.
    pub async fn open_existing(settings: &DatabaseSettings) -> Result<Option<Self>, StoreError> {
        if let DatabaseUrl::Sqlite(path) = &settings.url
            && !path.exists()
        {
            return Ok(None);
        }
        Self::open_with(settings, false).await.map(Some)
    }

    async fn open_with(settings: &DatabaseSettings, create: bool) -> Result<Self, StoreError> {
        let store = Self::connect_with(settings, create).await?;
        let report = store.migrate().await?;
        tracing::info!(
            backend = store.backend(),
            migrations = report.applied_now,
            newly_applied = report.applied_now - report.applied_before,
            "database ready"
        );
        Ok(store)
    }

    /// Opens the database without touching its schema.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        Self::connect_with(settings, true).await
    }

    async fn connect_with(settings: &DatabaseSettings, create: bool) -> Result<Self, StoreError> {
        match &settings.url {
            DatabaseUrl::Sqlite(path) => sqlite::connect(path, settings.max_connections, create)
                .await
                .map(Store::Sqlite),
            DatabaseUrl::Postgres(url) => postgres::connect(url, settings.max_connections)
                .await
                .map(Store::Postgres),
        }
    }

    /// Applies the migrations this binary carries that the database lacks.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let applied_before = self.applied_migrations().await;
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(MigrationReport {
            applied_before,
            applied_now: self.applied_migrations().await,
        })
    }

    async fn applied_migrations(&self) -> usize {
        const SQL: &str = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
        // Before the first migration the table does not exist: none applied.
        let count: Result<i64, sqlx::Error> =
            with_pool!(self, |pool| sqlx::query_scalar(SQL).fetch_one(pool).await);
        count.map_or(0, |n| usize::try_from(n).unwrap_or(0))
    }

    /// "sqlite" or "postgres", for messages and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}
