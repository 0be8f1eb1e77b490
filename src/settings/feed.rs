//! Settings of the case feed: where casewatch fetches cases from, when, and
//! how old the data may grow before overdue notices are held back.

use std::path::PathBuf;
use std::time::Duration;

use config::Value;
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};

use super::mail::cron;
use super::reader::{Reader, boolean, int_in, string};
use super::redact_password;

#[derive(Debug, Clone, Serialize)]
pub struct FeedSettings {
    /// Where the cases come from; `None` when they are imported by hand.
    #[serde(flatten, serialize_with = "source")]
    pub source: Option<FeedSource>,
    /// When `run` fetches them (cron with seconds, Europe/London).
    pub schedule: String,
    /// Whether each cases extract lists every open stage, so that a stage
    /// missing from it has left the case system.
    pub complete: bool,
    /// A complete extract that would close more than this share of the open
    /// stages is refused as probably broken.
    pub max_closed_share: f64,
    /// Data older than this (not counting non-working days) is stale.
    pub max_age_hours: u32,
    /// The most a command or query may take.
    #[serde(serialize_with = "seconds", rename = "timeout_seconds")]
    pub timeout: Duration,
    /// How long a file in the folder must stay unchanged to be taken.
    #[serde(serialize_with = "seconds", rename = "settle_seconds")]
    pub settle: Duration,
}

/// The three kinds of feed.
#[derive(Debug, Clone)]
pub enum FeedSource {
    /// A drop folder of `staff*.csv` and `cases*.csv` files.
    Folder { folder: PathBuf },
    /// Programs whose standard output is a CSV file (no shell).
    Command {
        cases: Vec<String>,
        staff: Option<Vec<String>>,
    },
    /// Queries against the case system's reporting database.
    Sql {
        url: SecretString,
        cases_query: String,
        staff_query: Option<String>,
    },
}

impl FeedSource {
    /// The word `feed.kind` takes, also stored with each run.
    pub fn kind(&self) -> &'static str {
        match self {
            FeedSource::Folder { .. } => "folder",
            FeedSource::Command { .. } => "command",
            FeedSource::Sql { .. } => "sql",
        }
    }
}

pub(super) fn read_feed(r: &mut Reader) -> FeedSettings {
    let kind = r.get("feed.kind", |v| {
        let raw = string(v)?;
        match raw.trim() {
            "" | "folder" | "command" | "sql" => Ok(raw.trim().to_owned()),
            other => Err(format!(
                "{other:?} is not a kind of feed; use \"folder\", \"command\", \"sql\", or \"\" for none"
            )),
        }
    });
    let folder = r.get("feed.folder", |v| Ok(PathBuf::from(string(v)?.trim())));
    let command = r.get("feed.command", argv);
    let staff_command = r.get("feed.staff_command", argv);
    // The URL may hold a password: it is never quoted back.
    let url = r.get("feed.url", |v| string(v).map(SecretString::from));
    let cases_query = r.get("feed.cases_query", |v| {
        string(v).map(|s| s.trim().to_owned())
    });
    let staff_query = r.get("feed.staff_query", |v| {
        string(v).map(|s| s.trim().to_owned())
    });
    let source = match kind.as_str() {
        "folder" if folder.as_os_str().is_empty() => {
            r.problem(
                "feed.folder",
                "is empty; give the drop folder's path".to_owned(),
            );
            None
        }
        "folder" => Some(FeedSource::Folder { folder }),
        "command" if command.is_empty() => {
            r.problem(
                "feed.command",
                "is empty; give the program and its arguments, e.g. [\"/usr/local/bin/export-cases\"]"
                    .to_owned(),
            );
            None
        }
        "command" => Some(FeedSource::Command {
            cases: command,
            staff: Some(staff_command).filter(|c| !c.is_empty()),
        }),
        "sql" => sql_source(r, url, cases_query, staff_query),
        _ => None,
    };
    FeedSettings {
        source,
        schedule: r.get("feed.schedule", cron),
        complete: r.get("feed.complete", boolean),
        max_closed_share: r.get("feed.max_closed_share", |v| {
            let share = v
                .clone()
                .into_float()
                .map_err(|_| "expected a share from 0 to 1, e.g. 0.2".to_owned())?;
            if (0.0..=1.0).contains(&share) {
                Ok(share)
            } else {
                Err(format!("{share} is outside 0-1"))
            }
        }),
        max_age_hours: r.get("feed.max_age_hours", |v| int_in(v, 1, 24 * 60)),
        timeout: Duration::from_secs(r.get("feed.timeout_seconds", |v| int_in(v, 1, 86_400))),
        settle: Duration::from_secs(r.get("feed.settle_seconds", |v| int_in(v, 1, 600))),
    }
}

fn sql_source(
    r: &mut Reader,
    url: SecretString,
    cases_query: String,
    staff_query: String,
) -> Option<FeedSource> {
    let scheme = url::Url::parse(url.expose_secret()).map(|u| u.scheme().to_owned());
    match scheme.as_deref() {
        Ok("postgres" | "postgresql" | "mysql" | "mariadb") => {}
        Ok(other) => {
            r.problem(
                "feed.url",
                format!(
                    "{other}:// is not a database casewatch reads; use postgres:// or mysql://"
                ),
            );
            return None;
        }
        Err(_) => {
            r.problem(
                "feed.url",
                "is not a database URL such as postgres://USER@HOST/DATABASE (value not shown: it may hold a password)"
                    .to_owned(),
            );
            return None;
        }
    }
    if cases_query.is_empty() {
        r.problem(
            "feed.cases_query",
            "is empty; give the query that lists the cases".to_owned(),
        );
        return None;
    }
    Some(FeedSource::Sql {
        url,
        cases_query,
        staff_query: Some(staff_query).filter(|q| !q.is_empty()),
    })
}

fn argv(value: &Value) -> Result<Vec<String>, String> {
    let items = value.clone().into_array().map_err(|_| {
        "expected a list in the settings file: the program, then each argument, \
         e.g. [\"curl\", \"-sf\", \"URL\"] (environment variables cannot hold lists)"
            .to_owned()
    })?;
    items.iter().map(string).collect()
}

fn seconds<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(value.as_secs())
}

/// The source as `check-config` shows it: the kind and its own keys, the
/// URL's password redacted.
fn source<S: Serializer>(source: &Option<FeedSource>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(None)?;
    match source {
        None => map.serialize_entry("kind", "")?,
        Some(FeedSource::Folder { folder }) => {
            map.serialize_entry("kind", "folder")?;
            map.serialize_entry("folder", &folder.display().to_string())?;
        }
        Some(FeedSource::Command { cases, staff }) => {
            map.serialize_entry("kind", "command")?;
            map.serialize_entry("command", cases)?;
            map.serialize_entry("staff_command", &staff.clone().unwrap_or_default())?;
        }
        Some(FeedSource::Sql {
            url,
            cases_query,
            staff_query,
        }) => {
            map.serialize_entry("kind", "sql")?;
            map.serialize_entry("url", &redact_password(url.expose_secret()))?;
            map.serialize_entry("cases_query", cases_query)?;
            map.serialize_entry("staff_query", staff_query.as_deref().unwrap_or(""))?;
        }
    }
    map.end()
}
