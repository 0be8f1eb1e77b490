//! Making a digest: claim its period, read the rows, work out the figures,
//! write the files atomically and queue the e-mails.
//!
//! The daemon asks [`DigestJob::run_if_due`] for each kind after every
//! poll. The period due is worked out from the schedule on Europe/London
//! clocks each time, so a digest is made at the first poll after its
//! moment, or when `run` is up again after being down then; the
//! `digest_runs` record makes it once per period, also with several
//! instances. Its e-mails go through the outbox, queued in the transaction
//! that records the run done, so a run cut short queues none and a run
//! taken over queues them once.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::figures::{self, Period, Recipient, Rules};
use super::render::{self, Files};
use crate::calendar::{Calendar, CalendarError};
use crate::domain::london_time;
use crate::mail::sender::in_window;
use crate::settings::{Schedule, Settings};
use crate::store::{Claim, DigestKind, DigestRows, NewMessage, Store};
use crate::templates::Templates;

/// How long a digest run may take, well inside the claim's
/// [`crate::store::STALE_MINUTES`].
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Where a digest stands, as `run_if_due` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Turned off in the settings.
    Off,
    /// Made by this call.
    MadeNow(Made),
    /// Made before, by this instance or another.
    Made,
    /// Another instance is making it.
    Elsewhere,
}

/// What a digest run made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub kind: DigestKind,
    pub period: Period,
    pub files: Vec<PathBuf>,
    /// The addresses its e-mails were queued (or are to be queued) for.
    pub recipients: Vec<String>,
}

/// A digest made but not yet queued.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub made: Made,
    pub messages: Vec<NewMessage>,
}

pub struct DigestJob<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub templates: &'a Templates,
    pub calendar: &'a Calendar,
}

impl DigestJob<'_> {
    /// The schedule of `kind`, or `None` when it is turned off.
    pub fn schedule(&self, kind: DigestKind) -> Option<&Schedule> {
        let d = &self.settings.digests;
        match kind {
            DigestKind::Learning => {
                (!d.learning.recipients.is_empty()).then_some(&d.learning.schedule)
            }
            DigestKind::Escalation => d.escalation.enabled.then_some(&d.escalation.schedule),
        }
    }

    /// Makes the `kind` digest of the period due at `now` if no instance
    /// has made it yet; `worker` names this process in the claim.
    pub async fn run_if_due(
        &self,
        kind: DigestKind,
        now: DateTime<Utc>,
        worker: &str,
    ) -> anyhow::Result<Due> {
        let Some(period) = self
            .schedule(kind)
            .and_then(|schedule| Period::due_at(schedule, now))
        else {
            return Ok(Due::Off);
        };
        match self
            .store
            .claim_digest(kind, period.as_pair(), now, worker)
            .await?
        {
            Claim::Claimed => {}
            Claim::Made => return Ok(Due::Made),
            Claim::Taken => return Ok(Due::Elsewhere),
        }
        let prepared = self.prepare(kind, period, &self.settings.digests.dir);
        // Given up before the claim goes stale, so two never run at once.
        let result = match tokio::time::timeout(TIME_LIMIT, prepared).await {
            Ok(result) => result,
            Err(_) => Err(anyhow::anyhow!(
                "the {kind} digest took more than {} minutes; gave up",
                TIME_LIMIT.as_secs() / 60
            )),
        };
        let finished = match result {
            Ok(prepared) => self.finish(kind, period, worker, prepared, now).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &finished {
            let error = format!("{e:#}");
            self.store
                .fail_digest(kind, period.as_pair(), worker, &error, Utc::now())
                .await?;
        }
        finished
    }

    /// Queues a prepared digest's e-mails as its run is recorded done.
    async fn finish(
        &self,
        kind: DigestKind,
        period: Period,
        worker: &str,
        prepared: Prepared,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Due> {
        let day = send_day(self.calendar, self.settings, now)?;
        let queued = self
            .store
            .finish_digest(
                kind,
                period.as_pair(),
                worker,
                (day, &prepared.messages),
                Utc::now(),
            )
            .await?;
        // Another process took the run over: it queues the e-mails.
        Ok(if queued {
            Due::MadeNow(prepared.made)
        } else {
            Due::Elsewhere
        })
    }

    /// Makes the `kind` digest of `period` by hand into `out`, queuing its
    /// e-mails when `email`; no claim is made, as `casewatch tracker` makes
    /// none.
    pub async fn make(
        &self,
        kind: DigestKind,
        period: Period,
        out: &Path,
        email: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Made> {
        let prepared = self.prepare(kind, period, out).await?;
        if let Some(now) = email {
            let day = send_day(self.calendar, self.settings, now)?;
            self.store
                .add_messages(&prepared.messages, day, now)
                .await?;
        }
        Ok(prepared.made)
    }

    /// Reads, works out, renders and writes the `kind` digest of `period`
    /// into `out`, and composes its e-mails.
    pub async fn prepare(
        &self,
        kind: DigestKind,
        period: Period,
        out: &Path,
    ) -> anyhow::Result<Prepared> {
        let rows = self
            .store
            .digest_rows(period.as_pair(), period.instants())
            .await?;
        let rendered = match kind {
            DigestKind::Learning => self.learning(period, &rows)?,
            DigestKind::Escalation => self.escalation(period, &rows)?,
        };
        let mut made = Made {
            kind,
            period,
            files: Vec::new(),
            recipients: Vec::new(),
        };
        let mut messages = Vec::new();
        for (slug, recipients, files) in rendered {
            let name = file_name(kind, slug.as_deref(), period);
            made.files.extend(write_files(out, &name, &files)?);
            for recipient in recipients {
                messages.push(message(&recipient, &files));
                made.recipients.push(recipient);
            }
        }
        Ok(Prepared { made, messages })
    }

    /// One set of files, for every learning recipient alike.
    fn learning(&self, period: Period, rows: &DigestRows) -> anyhow::Result<Vec<Rendered>> {
        let digest = figures::learning(period, rows);
        let files = render::learning(&digest, self.templates)?;
        let recipients = self.settings.digests.learning.recipients.iter();
        Ok(vec![(
            None,
            recipients.map(ToString::to_string).collect(),
            files,
        )])
    }

    /// One set of files for each head of service with a late response,
    /// and the complaints team's for managers without one.
    fn escalation(&self, period: Period, rows: &DigestRows) -> anyhow::Result<Vec<Rendered>> {
        let rules = Rules {
            calendar: self.calendar,
            timescales: &self.settings.timescales,
            reasons: &self.settings.delay_reasons,
        };
        figures::escalation(period, rows, &rules)
            .iter()
            .map(|digest| {
                let (slug, to) = match &digest.recipient {
                    Recipient::HeadOfService(email) => (slug(email), email.clone()),
                    Recipient::ComplaintsTeam => (
                        "complaints-team".to_owned(),
                        self.settings.mail.complaints_team.to_string(),
                    ),
                };
                Ok((
                    Some(slug),
                    vec![to],
                    render::escalation(digest, self.templates)?,
                ))
            })
            .collect()
    }
}

/// A file name's recipient part, the recipients, and the rendered digest.
type Rendered = (Option<String>, Vec<String>, Files);

fn message(recipient: &str, files: &Files) -> NewMessage {
    NewMessage {
        recipient: recipient.to_owned(),
        cc: None,
        subject: files.subject.clone(),
        body_text: files.text.clone(),
        body_html: files.html.clone(),
        ics: None,
        reminder_ids: Vec::new(),
    }
}

/// The day a digest made at `now` is queued for: today while today's
/// sending window is open or still to come, else the next working day.
/// The outbox sends an e-mail on its day only and expires it after, so a
/// digest made on a Sunday waits for Monday rather than expiring.
pub fn send_day(
    calendar: &Calendar,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<chrono::NaiveDate, CalendarError> {
    let (today, time) = london_time(now);
    let window = &settings.mail.window;
    if in_window(calendar, window, now) || (calendar.is_working_day(today)? && time < window.start)
    {
        return Ok(today);
    }
    calendar.deadline(today, 1)
}

/// "head.children-at-council.gov.uk": an address as a file name's part,
/// with nothing a file system or a shell treats specially.
pub fn slug(email: &str) -> String {
    email
        .trim()
        .to_lowercase()
        .replace('@', "-at-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned()
}

/// "learning-2026-08-31_2026-09-06", "escalation-SLUG-2026-08-31_2026-09-06".
fn file_name(kind: DigestKind, slug: Option<&str>, period: Period) -> String {
    match slug {
        Some(slug) => format!("{kind}-{slug}-{}", period.slug()),
        None => format!("{kind}-{}", period.slug()),
    }
}

/// Writes the HTML and CSV under temporary names first and renames them
/// into place only when both are written, so neither a reader nor a full
/// disk leaves half a digest behind.
fn write_files(dir: &Path, name: &str, files: &Files) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let contents = [("html", files.html.as_bytes()), ("csv", &files.csv)];
    let mut staged = Vec::new();
    for (ext, bytes) in contents {
        let path = dir.join(format!("{name}.{ext}"));
        let partial = dir.join(format!(".{name}.{ext}.partial"));
        if let Err(e) = write_synced(&partial, bytes) {
            for (partial, _) in staged.iter().chain([&(partial, path)]) {
                let _ = std::fs::remove_file(partial);
            }
            anyhow::bail!(
                "cannot write {}: {e}",
                dir.join(format!("{name}.{ext}")).display()
            );
        }
        staged.push((partial, path));
    }
    let mut written = Vec::new();
    for (partial, path) in staged {
        std::fs::rename(&partial, &path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes and flushes to disk, so a full disk fails here, not after the rename.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_digest_made_outside_the_window_is_queued_for_the_next_working_day() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let settings = Settings::load_from(None, Some(Default::default())).unwrap();
        let day = |now: &str| send_day(&calendar, &settings, at(now)).unwrap().to_string();
        // Monday 7 September 2026, BST: 07:00 London (before the window),
        // 09:00, and 19:00 (after it).
        assert_eq!(day("2026-09-07T06:00:00Z"), "2026-09-07");
        assert_eq!(day("2026-09-07T08:00:00Z"), "2026-09-07");
        assert_eq!(day("2026-09-07T18:00:00Z"), "2026-09-08");
        // Saturday 29 August: Tuesday 1 September, after the bank holiday.
        assert_eq!(day("2026-08-29T09:00:00Z"), "2026-09-01");
    }

    #[test]
    fn addresses_become_safe_file_names() {
        assert_eq!(
            slug("Head.Children@council.gov.uk"),
            "head.children-at-council.gov.uk"
        );
        assert_eq!(slug("../x y@z/w"), "-x-y-at-z-w");
    }
}
