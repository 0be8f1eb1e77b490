//! `casewatch digest`: one digest by hand, for the period due today or for
//! given dates.

use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use chrono::{NaiveDate, NaiveTime, Utc};

use super::Failure;
use crate::digest::{DigestJob, Period};
use crate::domain::london_instant;
use crate::settings::Settings;
use crate::store::{DigestKind, Store};
use crate::templates::Templates;

/// What to make, as the arguments gave it.
pub(super) struct Asked {
    pub kind: DigestKind,
    /// Both or neither (clap sees to it).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub as_of: NaiveDate,
    pub out: Option<PathBuf>,
    pub email: bool,
}

pub(super) async fn make(settings: &Settings, asked: Asked) -> Result<(), Failure> {
    let period = period(settings, &asked)?;
    let templates =
        Templates::load(settings.mail.templates_dir.as_deref()).map_err(Failure::bad_input)?;
    let store = Store::open(&settings.database).await?;
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await?;
    let job = DigestJob {
        store: &store,
        settings,
        templates: &templates,
        calendar: &calendar,
    };
    let out = asked.out.unwrap_or_else(|| settings.digests.dir.clone());
    let email = asked.email.then(Utc::now);
    let made = job.make(asked.kind, period, &out, email).await?;
    store.close().await;
    let mut stdout = super::out();
    writeln!(
        stdout,
        "{} digest, {} to {}:",
        made.kind, made.period.from, made.period.to
    )?;
    for file in &made.files {
        writeln!(stdout, "  {}", file.display())?;
    }
    if asked.email && !made.recipients.is_empty() {
        writeln!(
            stdout,
            "e-mails queued for {} (`run` sends them in the sending window)",
            made.recipients.join(", ")
        )?;
    }
    Ok(())
}

/// The dates given, or the period the schedule makes due by the end of
/// `as_of` (the default schedule when the digest is turned off).
fn period(settings: &Settings, asked: &Asked) -> Result<Period, Failure> {
    if let (Some(from), Some(to)) = (asked.from, asked.to) {
        if from > to {
            return Err(Failure::bad_input(anyhow!(
                "--from {from} is after --to {to}"
            )));
        }
        return Ok(Period { from, to });
    }
    let d = &settings.digests;
    let schedule = match asked.kind {
        DigestKind::Learning => &d.learning.schedule,
        DigestKind::Escalation => &d.escalation.schedule,
    };
    let end_of_day = london_instant(
        asked.as_of,
        NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default(),
    );
    Period::due_at(schedule, end_of_day).ok_or_else(|| {
        Failure::bad_input(anyhow!(
            "the {} digest's schedule ({}) gives no period; give --from and --to",
            asked.kind,
            schedule.as_str()
        ))
    })
}
