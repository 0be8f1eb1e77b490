//! Placeholder replaced by the sql source (branch feed-sql).

use std::time::Duration;

use secrecy::SecretString;

pub struct Extract {
    pub columns: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

#[derive(Debug, thiserror::Error)]
#[error("not built yet")]
pub struct SqlError;

pub async fn fetch(_: &SecretString, _: &str, _: Duration) -> Result<Extract, SqlError> {
    Err(SqlError)
}
