//! Making a week's tracker: read the stages, build the figures, write the
//! three files atomically, and e-mail them.
//!
//! The daemon asks [`TrackerJob::run_if_due`] on every poll. The week's due
//! moment is worked out in Europe/London each time (never a fixed UTC
//! offset), so it is right on both sides of a clock change, and the
//! `tracker_runs` record makes each ISO week's tracker once, also when the
//! service was down at the due moment or several instances run.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::figures::{Builder, Tracker, iso_week, monday_of};
use super::render::{self, Files};
use crate::calendar::Calendar;
use crate::domain::{london_instant, london_time};
use crate::mail::Transport;
use crate::mail::message::tracker_message;
use crate::settings::Settings;
use crate::store::{Claim, Store};
use crate::templates::Templates;

/// How long the daemon's tracker run may take, well inside the claim's
/// [`crate::store::STALE_MINUTES`].
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Where this week's tracker stands, as `run_if_due` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Its day and time have not come.
    NotYet,
    /// Made by this call.
    MadeNow(Made),
    /// Made before, by this instance or another.
    Made,
    /// Another instance is making it.
    Elsewhere,
}

/// What a run made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub week: String,
    pub as_of: NaiveDate,
    pub files: Vec<PathBuf>,
    pub emailed_to: Vec<String>,
}

pub struct TrackerJob<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub templates: &'a Templates,
    pub calendar: &'a Calendar,
}

impl TrackerJob<'_> {
    /// The tracker day of `day`'s ISO week (Monday by default).
    pub fn tracker_day(&self, day: NaiveDate) -> NaiveDate {
        let offset = self.settings.tracker.day.num_days_from_monday();
        monday_of(day) + Days::new(u64::from(offset))
    }

    /// Makes this week's tracker if its moment has passed and no instance
    /// has made it yet; `worker` names this process in the claim.
    pub async fn run_if_due(
        &self,
        transport: &Transport,
        now: DateTime<Utc>,
        worker: &str,
    ) -> anyhow::Result<Due> {
        let (today, _) = london_time(now);
        let day = self.tracker_day(today);
        if now < london_instant(day, self.settings.tracker.time) {
            return Ok(Due::NotYet);
        }
        let week = iso_week(day);
        match self.store.claim_tracker(&week, day, now, worker).await? {
            Claim::Claimed => {}
            Claim::Made => return Ok(Due::Made),
            Claim::Taken => return Ok(Due::Elsewhere),
        }
        let made = self.make(day, &self.settings.tracker.dir, Some(transport));
        // Given up before the claim goes stale, so two never run at once.
        let result = match tokio::time::timeout(TIME_LIMIT, made).await {
            Ok(result) => result,
            Err(_) => Err(anyhow::anyhow!(
                "the tracker took more than {} minutes; gave up",
                TIME_LIMIT.as_secs() / 60
            )),
        };
        let error = result.as_ref().err().map(|e| format!("{e:#}"));
        self.store
            .finish_tracker(&week, error.as_deref(), Utc::now())
            .await?;
        result.map(Due::MadeNow)
    }

    /// Makes the tracker for the ISO week containing `day`, as of its
    /// tracker day, into `out`; e-mails it when given a transport.
    pub async fn make(
        &self,
        day: NaiveDate,
        out: &Path,
        transport: Option<&Transport>,
    ) -> anyhow::Result<Made> {
        let as_of = self.tracker_day(day);
        let tracker = self.build(as_of).await?;
        let files = render::files(&tracker, self.templates)?;
        let written = write_files(out, &tracker.week, &files)?;
        let mut emailed_to = Vec::new();
        if let Some(transport) = transport {
            emailed_to = self.email(transport, &tracker, &files).await?;
        }
        Ok(Made {
            week: tracker.week,
            as_of,
            files: written,
            emailed_to,
        })
    }

    pub async fn build(&self, as_of: NaiveDate) -> anyhow::Result<Tracker> {
        let mut builder = Builder::new(as_of, self.calendar, &self.settings.timescales);
        self.store
            .for_each_tracked_stage(as_of, builder.answered_since(), |stage| builder.add(stage))
            .await?;
        let mut details = self.store.listed_details(as_of, &builder.listed()).await?;
        // People read the categories' labels; the store keeps short names.
        for category in details
            .values_mut()
            .filter_map(|d| d.reason_category.as_mut())
        {
            if let Some(found) = self.settings.delay_reasons.find(category) {
                category.clone_from(&found.label);
            }
        }
        // Failures of the last four weeks: long enough to be noticed, short
        // enough that a corrected address drops off.
        let since = as_of - Days::new(28);
        builder.undelivered(self.store.undelivered_since(since).await?);
        let mut tracker = builder.finish(details);
        tracker.data_refreshed = self.store.last_refresh().await?;
        Ok(tracker)
    }

    async fn email(
        &self,
        transport: &Transport,
        tracker: &Tracker,
        files: &Files,
    ) -> anyhow::Result<Vec<String>> {
        let mail = &self.settings.mail;
        let recipients = if self.settings.tracker.recipients.is_empty() {
            vec![mail.complaints_team.clone()]
        } else {
            self.settings.tracker.recipients.clone()
        };
        let name = format!("tracker-{}", tracker.week);
        let message = tracker_message(
            mail,
            &recipients,
            &format!(
                "Complaints tracker {} ({})",
                tracker.week,
                tracker.as_of.format("%d/%m/%Y")
            ),
            &files.html,
            &[
                (
                    format!("{name}.xlsx"),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    files.xlsx.clone(),
                ),
                (
                    format!("{name}.csv"),
                    "text/csv; charset=utf-8",
                    files.csv.clone(),
                ),
            ],
        )?;
        let reply = transport
            .send(&name, &message, mail.send_timeout)
            .await
            .map_err(|e| anyhow::Error::new(e).context("cannot e-mail the tracker"))?;
        tracing::info!(week = %tracker.week, %reply, "tracker e-mailed");
        Ok(recipients.iter().map(|r| r.email.to_string()).collect())
    }
}

/// Writes all three files under temporary names first and renames them
/// into place only when all are written, so neither a reader nor a full
/// disk ever leaves half a tracker (or one file of three) behind.
fn write_files(dir: &Path, week: &str, files: &Files) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let contents = [
        ("html", files.html.as_bytes()),
        ("csv", &files.csv),
        ("xlsx", &files.xlsx),
    ];
    let mut staged = Vec::new();
    for (ext, bytes) in contents {
        let path = dir.join(format!("tracker-{week}.{ext}"));
        let partial = dir.join(format!(".tracker-{week}.{ext}.partial"));
        if let Err(e) = write_synced(&partial, bytes) {
            let _ = std::fs::remove_file(&partial);
            for (partial, _) in &staged {
                let _ = std::fs::remove_file(partial);
            }
            anyhow::bail!("cannot write {}: {e}", partial.display());
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
