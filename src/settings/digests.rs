//! `[digests]`: the learning digest for those who share the learning from
//! upheld complaints, and the heads-of-service digest of late responses and
//! their reasons.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use config::Value;
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use lettre::message::Mailbox;
use serde::{Serialize, Serializer};

use super::reader::{Reader, boolean, string};

#[derive(Debug, Clone, Serialize)]
pub struct DigestSettings {
    /// Where digest files are written.
    pub dir: PathBuf,
    pub learning: LearningDigestSettings,
    pub escalation: EscalationDigestSettings,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LearningDigestSettings {
    /// Who receives it; empty turns it off.
    #[serde(serialize_with = "mailboxes")]
    pub recipients: Vec<Mailbox>,
    pub schedule: Schedule,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EscalationDigestSettings {
    pub enabled: bool,
    pub schedule: Schedule,
}

/// A cron expression with seconds, read on Europe/London clocks, parsed
/// once: when a digest falls due is worked out from it on every poll.
#[derive(Clone)]
pub struct Schedule {
    pattern: String,
    cron: Cron,
}

impl Schedule {
    /// Parses `pattern`; a pattern that never fires is refused too, as the
    /// digest behind it would never be made.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let pattern = pattern.trim().to_owned();
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(&pattern)
            .map_err(|e| format!("{pattern:?} is not a cron expression with seconds ({e})"))?;
        let schedule = Self { pattern, cron };
        // A fixed moment, not the clock: the same pattern is always
        // accepted or always refused. Two firings are needed for a period.
        let probe = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let fires_twice = schedule
            .latest_before(probe)
            .and_then(|last| schedule.latest_before(last));
        if fires_twice.is_none() {
            return Err(format!(
                "{:?} never fires (check the day and month fields)",
                schedule.pattern
            ));
        }
        Ok(schedule)
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The latest firing at or before `now`, on Europe/London clocks.
    pub fn latest_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.previous(now, true)
    }

    /// The latest firing strictly before `instant`.
    pub fn latest_before(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.previous(instant, false)
    }

    fn previous(&self, instant: DateTime<Utc>, inclusive: bool) -> Option<DateTime<Utc>> {
        self.cron
            .find_previous_occurrence(&instant.with_timezone(&London), inclusive)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// The weekly default: only stands in while problems are collected.
impl Default for Schedule {
    fn default() -> Self {
        Self::parse("0 0 8 * * Mon").expect("the default schedule is valid")
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pattern)
    }
}

pub(super) fn read_digests(r: &mut Reader, data_dir: &Path) -> DigestSettings {
    DigestSettings {
        dir: r
            .get("digests.dir", |v| {
                let raw = string(v)?;
                if raw.contains('\0') {
                    return Err("contains a NUL character".to_owned());
                }
                Ok(Some(PathBuf::from(raw.trim())).filter(|p| !p.as_os_str().is_empty()))
            })
            .unwrap_or_else(|| data_dir.join("digests")),
        learning: LearningDigestSettings {
            recipients: r.get("digests.learning.recipients", recipients),
            schedule: r.get("digests.learning.schedule", schedule),
        },
        escalation: EscalationDigestSettings {
            enabled: r.get("digests.escalation.enabled", boolean),
            schedule: r.get("digests.escalation.schedule", schedule),
        },
    }
}

fn schedule(value: &Value) -> Result<Schedule, String> {
    Schedule::parse(&string(value)?)
}

fn recipients(value: &Value) -> Result<Vec<Mailbox>, String> {
    let items = value
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
}

fn mailboxes<S: Serializer>(list: &[Mailbox], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(list.iter().map(ToString::to_string))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Settings;
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::load_from(None, Some(env)).map_err(|e| e.to_string())
    }

    #[test]
    fn by_default_the_heads_of_service_digest_is_on_and_the_learning_digest_off() {
        let s = load(&[("CASEWATCH__DATA_DIR", "/var/lib/casewatch")]).unwrap();
        let d = &s.digests;
        assert_eq!(d.dir, PathBuf::from("/var/lib/casewatch/digests"));
        assert!(d.learning.recipients.is_empty());
        assert!(d.escalation.enabled);
        assert_eq!(d.learning.schedule.as_str(), "0 0 8 * * Mon");
        assert_eq!(d.escalation.schedule.as_str(), "0 0 8 * * Mon");
        let shown = s.to_toml();
        assert!(
            shown.contains("[digests.escalation]\nenabled = true\nschedule = \"0 0 8 * * Mon\""),
            "{shown}"
        );
    }

    #[test]
    fn the_switches_and_folder_are_read_and_bad_values_name_their_key() {
        let s = load(&[
            ("CASEWATCH__DIGESTS__ESCALATION__ENABLED", "false"),
            ("CASEWATCH__DIGESTS__LEARNING__SCHEDULE", "0 30 7 * * Fri"),
            ("CASEWATCH__DIGESTS__DIR", "/srv/digests"),
        ])
        .unwrap();
        assert!(!s.digests.escalation.enabled);
        assert_eq!(s.digests.learning.schedule.as_str(), "0 30 7 * * Fri");
        assert_eq!(s.digests.dir, PathBuf::from("/srv/digests"));

        let err = load(&[
            ("CASEWATCH__DIGESTS__ESCALATION__SCHEDULE", "every monday"),
            ("CASEWATCH__DIGESTS__ESCALATION__ENABLED", "sometimes"),
        ])
        .unwrap_err();
        assert!(
            err.contains(
                "digests.escalation.schedule (from environment variable \
                 CASEWATCH__DIGESTS__ESCALATION__SCHEDULE): \"every monday\" is not a cron \
                 expression with seconds"
            ),
            "{err}"
        );
        assert!(
            err.contains("digests.escalation.enabled (from environment variable CASEWATCH__DIGESTS__ESCALATION__ENABLED): expected true or false"),
            "{err}"
        );
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn firings_follow_london_clocks_in_winter_and_summer() {
        let monday_eight = Schedule::parse("0 0 8 * * Mon").unwrap();
        // Monday 30 November 2026, GMT: 08:00 London is 08:00 UTC.
        assert_eq!(
            monday_eight.latest_at_or_before(utc("2026-11-30T08:00:00Z")),
            Some(utc("2026-11-30T08:00:00Z"))
        );
        assert_eq!(
            monday_eight.latest_at_or_before(utc("2026-11-30T07:59:59Z")),
            Some(utc("2026-11-23T08:00:00Z"))
        );
        // Monday 7 June 2027, BST: 08:00 London is 07:00 UTC.
        assert_eq!(
            monday_eight.latest_at_or_before(utc("2027-06-07T07:00:00Z")),
            Some(utc("2027-06-07T07:00:00Z"))
        );
        assert_eq!(
            monday_eight.latest_before(utc("2027-06-07T07:00:00Z")),
            Some(utc("2027-05-31T07:00:00Z"))
        );
    }

    #[test]
    fn a_pattern_that_never_fires_is_refused() {
        let err = Schedule::parse("0 0 8 31 2 *").unwrap_err();
        assert!(err.contains("never fires"), "{err}");
        let err = Schedule::parse("0 8 * * Mon").unwrap_err();
        assert!(err.contains("not a cron expression with seconds"), "{err}");
    }
}
