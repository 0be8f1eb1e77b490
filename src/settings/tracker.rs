//! Settings for the weekly tracker.

use std::path::{Path, PathBuf};

use chrono::{NaiveTime, Weekday};
use lettre::message::Mailbox;
use serde::{Serialize, Serializer};

use super::reader::{Reader, string};

#[derive(Debug, Clone, Serialize)]
pub struct TrackerSettings {
    /// Where tracker files are written.
    pub dir: PathBuf,
    /// The weekday and Europe/London time the week's tracker is due.
    #[serde(serialize_with = "weekday")]
    pub day: Weekday,
    #[serde(serialize_with = "hours_minutes")]
    pub time: NaiveTime,
    /// Who receives it; empty means `mail.complaints_team`.
    #[serde(serialize_with = "mailboxes")]
    pub recipients: Vec<Mailbox>,
}

pub(super) fn read_tracker(r: &mut Reader, data_dir: &Path) -> TrackerSettings {
    TrackerSettings {
        dir: r
            .get("tracker.dir", |v| {
                let raw = string(v)?;
                Ok(Some(PathBuf::from(raw.trim())).filter(|p| !p.as_os_str().is_empty()))
            })
            .unwrap_or_else(|| data_dir.join("trackers")),
        day: r
            .get("tracker.day", |v| {
                let raw = string(v)?;
                raw.trim()
                    .parse::<Weekday>()
                    .map(Some)
                    .map_err(|_| format!("{raw:?} is not a day of the week such as \"monday\""))
            })
            .unwrap_or(Weekday::Mon),
        time: r.get("tracker.time", |v| {
            let raw = string(v)?;
            NaiveTime::parse_from_str(raw.trim(), "%H:%M")
                .map_err(|_| format!("{raw:?} is not a time such as \"07:00\""))
        }),
        recipients: r.get("tracker.recipients", |v| {
            let items = v
                .clone()
                .into_array()
                .map_err(|_| "expected a list of e-mail addresses".to_owned())?;
            items
                .iter()
                .map(|item| {
                    let raw = string(item)?;
                    raw.trim()
                        .parse::<Mailbox>()
                        .map_err(|e| format!("{raw:?} is not an e-mail address ({e})"))
                })
                .collect()
        }),
    }
}

fn weekday<S: Serializer>(day: &Weekday, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format!("{day:?}").to_lowercase())
}

fn hours_minutes<S: Serializer>(time: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&time.format("%H:%M"))
}

fn mailboxes<S: Serializer>(list: &[Mailbox], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(ToString::to_string))
}
