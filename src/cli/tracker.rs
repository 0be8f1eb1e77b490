//! `casewatch tracker`: one week's tracker by hand.

use std::io::Write;

use std::path::PathBuf;

use chrono::NaiveDate;

use super::Failure;
use crate::mail::Transport;
use crate::settings::Settings;
use crate::store::Store;
use crate::templates::Templates;
use crate::tracker::TrackerJob;

pub(super) async fn make(
    settings: &Settings,
    day: NaiveDate,
    out: Option<PathBuf>,
    email: bool,
) -> Result<(), Failure> {
    let templates =
        Templates::load(settings.mail.templates_dir.as_deref()).map_err(Failure::bad_input)?;
    let transport = if email {
        Some(Transport::from_settings(&settings.mail).map_err(Failure::bad_input)?)
    } else {
        None
    };
    let store = Store::open(&settings.database).await?;
    let calendar = store
        .calendar(&settings.calendar, settings.calendar.division)
        .await?;
    let job = TrackerJob {
        store: &store,
        settings,
        templates: &templates,
        calendar: &calendar,
    };
    let out = out.unwrap_or_else(|| settings.tracker.dir.clone());
    let made = job.make(day, &out, transport.as_ref()).await?;
    store.close().await;
    writeln!(
        super::out(),
        "tracker {} (as of {}):",
        made.week,
        made.as_of
    )?;
    for file in &made.files {
        writeln!(super::out(), "  {}", file.display())?;
    }
    if !made.emailed_to.is_empty() {
        writeln!(super::out(), "e-mailed to {}", made.emailed_to.join(", "))?;
    }
    Ok(())
}
