//! PostgreSQL: for councils that run several instances against one database.

use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use super::StoreError;

/// How long to wait for a connection: to open the first, or for a free one.
const WAIT: Duration = Duration::from_secs(10);

pub(super) async fn connect(
    url: &SecretString,
    max_connections: u32,
) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url.expose_secret())
        .map_err(StoreError::Postgres)?
        .application_name("casewatch");
    // sqlx's pool retries a refused connection until its time-out and then
    // says only "pool timed out". One connection opened first says at once
    // what is wrong: refused, unknown host, wrong password.
    let first = tokio::time::timeout(WAIT, PgConnection::connect_with(&options))
        .await
        .unwrap_or_else(|_| Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into()))
        .map_err(|e| failed(&options, e))?;
    // Its work is done; the pool opens its own as they are needed.
    let _ = first.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(WAIT)
        .connect_lazy_with(options))
}

/// A failure to connect, naming the server (never the URL, which may hold
/// the password) when it could not be reached at all.
fn failed(options: &PgConnectOptions, error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Io(source) => StoreError::Unreachable {
            server: options.get_socket().map_or_else(
                || format!("{}:{}", options.get_host(), options.get_port()),
                |folder| folder.display().to_string(),
            ),
            source,
        },
        error => StoreError::Postgres(error),
    }
}
