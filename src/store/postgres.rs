//! PostgreSQL: for councils that run several instances against one database.

use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::StoreError;

pub(super) async fn connect(
    url: &SecretString,
    max_connections: u32,
) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url.expose_secret())
        .map_err(StoreError::Postgres)?
        .application_name("casewatch")
        // casewatch's queries are short lookups or single reads of many
        // rows, never worth compiling: with JIT on, PostgreSQL spent 0.8 s
        // compiling the tracker's 0.1 s lookup of its listed rows.
        .options([("jit", "off")]);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(StoreError::Postgres)
}
