//! `casewatch feed run` and `casewatch feed status`.

use anyhow::anyhow;
use chrono::{NaiveDate, Utc};

use std::io::Write;

use super::{Failure, Format, out, table};
use crate::domain::{london_instant, london_time};
use crate::feed::{Feed, FeedError};
use crate::settings::Settings;
use crate::store::{FeedRun, RunOutcome, Store};
use crate::templates::Templates;

/// Runs the feed once; exits non-zero when a run did not import, so a
/// timer or a person sees it.
pub(super) async fn run(
    settings: &Settings,
    as_of: Option<NaiveDate>,
    dry_run: bool,
) -> Result<(), Failure> {
    if settings.feed.source.is_none() {
        return Err(Failure::bad_input(FeedError::NotSet));
    }
    let templates =
        Templates::load(settings.mail.templates_dir.as_deref()).map_err(Failure::bad_input)?;
    let store = Store::open(&settings.database).await?;
    // --as-of: that day, at the time of day it is now.
    let now = as_of.map_or_else(Utc::now, |day| {
        london_instant(day, london_time(Utc::now()).1)
    });
    let feed = Feed {
        store: &store,
        settings,
        templates: &templates,
    };
    let runs = feed.run(now, dry_run).await?;
    store.close().await;
    let mut bad = 0;
    for run in &runs {
        writeln!(out(), "{}", summary(run, dry_run))?;
        if let Some(message) = &run.message {
            for line in message.lines() {
                writeln!(out(), "  {line}")?;
            }
        }
        bad += usize::from(!matches!(
            run.outcome,
            RunOutcome::Imported | RunOutcome::NothingNew
        ));
    }
    if dry_run {
        writeln!(out(), "dry run: nothing was stored, moved or e-mailed")?;
    }
    match bad {
        0 => Ok(()),
        n => Err(Failure::from(anyhow!(
            "{n} feed run(s) did not import; see above"
        ))),
    }
}

fn summary(run: &FeedRun, dry_run: bool) -> String {
    let name = &run.name;
    match run.outcome {
        RunOutcome::Imported if dry_run => format!(
            "{name}: would import {} row(s): {} new, {} changed, {} closed as no longer in the case system",
            run.rows_read, run.inserted, run.updated, run.closed
        ),
        RunOutcome::Imported => format!(
            "{name}: imported {} row(s): {} new, {} changed, {} closed as no longer in the case system",
            run.rows_read, run.inserted, run.updated, run.closed
        ),
        RunOutcome::NothingNew => format!("{name}: no new file"),
        RunOutcome::Rejected => format!("{name}: rejected; nothing was imported"),
        RunOutcome::Refused => format!("{name}: refused as incomplete; nothing was imported"),
        RunOutcome::Failed => format!("{name}: failed; nothing was imported"),
    }
}

/// Lists the last runs, newest first.
pub(super) async fn status(settings: &Settings, limit: u32, format: Format) -> Result<(), Failure> {
    let store = Store::open(&settings.database).await?;
    let runs = store.feed_runs(limit).await?;
    let last = store.last_refresh().await?;
    store.close().await;
    match format {
        Format::Json => {
            let out = serde_json::json!({ "last_refresh": last, "runs": runs });
            writeln!(super::out(), "{out}")?;
        }
        Format::Table | Format::Csv => {
            let last = last.map_or_else(|| "never".to_owned(), london);
            writeln!(out(), "data last refreshed: {last}")?;
            let rows: Vec<[String; 8]> = runs.iter().map(row).collect();
            write!(
                out(),
                "{}",
                table::render(
                    [
                        "finished", "source", "name", "outcome", "rows", "new", "changed", "closed"
                    ],
                    &rows
                )
            )?;
        }
    }
    Ok(())
}

fn row(run: &FeedRun) -> [String; 8] {
    [
        london(run.finished_at),
        run.source.as_str().to_owned(),
        run.name.clone(),
        run.outcome.as_str().to_owned(),
        run.rows_read.to_string(),
        run.inserted.to_string(),
        run.updated.to_string(),
        run.closed.to_string(),
    ]
}

fn london(at: chrono::DateTime<Utc>) -> String {
    let (day, time) = london_time(at);
    format!("{day} {}", time.format("%H:%M"))
}
