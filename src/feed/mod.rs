//! The case feed: casewatch fetches the cases itself, from a drop folder,
//! a program's output or the case system's reporting database, so that
//! reminders never run on data someone forgot to import.
//!
//! Every source goes through the same all-or-nothing import as `casewatch
//! import`. Each run is recorded (`feed_runs`): the last one that brought
//! data says how old the data is ([`fresh`]), and stale data holds back the
//! overdue notices it would make wrong. A file or extract that is refused,
//! or a run that fails, is told to the complaints team by e-mail.

mod command;
mod folder;
pub mod fresh;
pub mod sql;

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{CaseRecord, Email, Staff, london_time};
use crate::import::{self, CaseContext, ImportError};
use crate::settings::{FeedSource, Settings};
use crate::store::{
    CasesImported, FeedRun, Listing, NewMessage, RunOutcome, RunSource, Store, StoreError,
};
use crate::templates::{TemplateError, Templates};
use crate::views::team::{MAX_PROBLEMS, TeamNotice};
use folder::Holds;

pub use fresh::Freshness;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("no feed is set (feed.kind); cases come from `casewatch import`")]
    NotSet,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the e-mail to the complaints team: {0}")]
    Template(#[from] TemplateError),
}

/// The feed's view of the world.
pub struct Feed<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub templates: &'a Templates,
}

/// An extract to import: CSV bytes, or a query's rows read as text.
enum Input {
    Csv(Vec<u8>),
    Rows(sql::Extract),
}

/// A run's staff and cases, fetched.
struct Fetched {
    /// What the runs are recorded under: a file's name, a program's, or
    /// the query's settings key.
    staff: Option<(String, Input)>,
    cases: Option<(String, Input)>,
}

/// What a run did, with the problems behind a refusal.
struct Done {
    run: FeedRun,
    problems: Vec<String>,
}

impl Feed<'_> {
    /// Runs the feed once at `now`; `today` is the day cases are checked
    /// against and stages closed on. With `dry_run` everything is fetched
    /// and checked, and nothing is stored, moved or e-mailed. Returns each
    /// run recorded (a folder records one for each file it takes).
    pub async fn run(&self, now: DateTime<Utc>, dry_run: bool) -> Result<Vec<FeedRun>, FeedError> {
        let source = self
            .settings
            .feed
            .source
            .as_ref()
            .ok_or(FeedError::NotSet)?;
        let runs = match source {
            FeedSource::Folder { folder } => self.run_folder(folder, now, dry_run).await?,
            FeedSource::Command { cases, staff } => {
                let fetched = self.fetch_commands(cases, staff.as_deref()).await;
                vec![
                    self.finish(RunSource::Command, fetched, now, dry_run)
                        .await?,
                ]
            }
            FeedSource::Sql {
                url,
                cases_query,
                staff_query,
            } => {
                let fetched = self
                    .fetch_sql(url, cases_query, staff_query.as_deref())
                    .await;
                vec![self.finish(RunSource::Sql, fetched, now, dry_run).await?]
            }
        };
        Ok(runs)
    }

    /// Takes each ready file in turn and sets it aside afterwards: into
    /// `done/` once imported, into `rejected/` with its errors otherwise.
    /// A file that cannot be read stays where it is and is reported.
    async fn run_folder(
        &self,
        dir: &Path,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<FeedRun>, FeedError> {
        let found = match folder::look(dir, self.settings.feed.settle).await {
            Ok(found) => found,
            Err(e) => {
                let problem = format!("cannot read the feed folder {}: {e}", dir.display());
                let run = failed(RunSource::Folder, &dir.display().to_string(), now, &problem);
                return Ok(vec![self.record(run, vec![problem], dry_run).await?]);
            }
        };
        let mut runs = Vec::new();
        for (name, error) in found.unreadable {
            let problem = format!("{}: cannot read: {error}", dir.join(&name).display());
            let run = failed(RunSource::Folder, &name, now, &problem);
            runs.push(self.record(run, vec![problem], dry_run).await?);
        }
        if found.ready.is_empty() && runs.is_empty() {
            let mut run = FeedRun::new(RunSource::Folder, &dir.display().to_string(), now);
            run.outcome = RunOutcome::NothingNew;
            if !found.ignored.is_empty() {
                run.message = Some(format!(
                    "not taken, as their names start with neither \"staff\" nor \"cases\": {}",
                    found.ignored.join(", ")
                ));
            }
            if !dry_run {
                self.store.record_run(&run, None).await?;
            }
            return Ok(vec![run]);
        }
        for file in found.ready {
            runs.push(self.take_file(dir, &file, now, dry_run).await?);
        }
        Ok(runs)
    }

    async fn take_file(
        &self,
        dir: &Path,
        file: &folder::Ready,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<FeedRun, FeedError> {
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(e) => {
                let problem = format!("{}: cannot read: {e}", file.path.display());
                let run = failed(RunSource::Folder, &file.name, now, &problem);
                return self.record(run, vec![problem], dry_run).await;
            }
        };
        let input = Some((file.name.clone(), Input::Csv(bytes)));
        let fetched = match file.holds {
            Holds::Staff => Fetched {
                staff: input,
                cases: None,
            },
            Holds::Cases => Fetched {
                staff: None,
                cases: input,
            },
        };
        // The data is as old as the export, not as the moment it was taken.
        let exported = DateTime::<Utc>::from(file.modified).min(now);
        let mut done = self
            .import(RunSource::Folder, fetched, exported, now, dry_run)
            .await?;
        if dry_run {
            return Ok(done.run);
        }
        let (today, _) = london_time(now);
        let aside = if done.run.outcome == RunOutcome::Imported {
            "done"
        } else {
            "rejected"
        };
        match folder::set_aside(&file.path, dir, aside, today) {
            Ok(moved) if aside == "rejected" => {
                let errors = moved.with_file_name(format!("{}.errors.txt", file.name));
                let mut text = done.problems.join("\n");
                text.push('\n');
                if let Err(e) = std::fs::write(&errors, text) {
                    done.problems
                        .push(format!("cannot write {}: {e}", errors.display()));
                }
            }
            Ok(_) => {}
            Err(e) => done.problems.push(format!(
                "{}: cannot move it to {aside}/: {e}; it will be taken again",
                file.path.display()
            )),
        }
        self.record(done.run, done.problems, false).await
    }

    /// Imports a command's or query's output and records the run.
    async fn finish(
        &self,
        source: RunSource,
        fetched: Result<Fetched, Done>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<FeedRun, FeedError> {
        let done = match fetched {
            Ok(fetched) => self.import(source, fetched, now, now, dry_run).await?,
            Err(done) => done,
        };
        self.record(done.run, done.problems, dry_run).await
    }

    async fn fetch_commands(
        &self,
        cases: &[String],
        staff: Option<&[String]>,
    ) -> Result<Fetched, Done> {
        let timeout = self.settings.feed.timeout;
        let started = Utc::now();
        let fail = |argv: &[String], e: command::CommandError| {
            let problem = e.to_string();
            Done {
                run: failed(
                    RunSource::Command,
                    &command::program_name(argv),
                    started,
                    &problem,
                ),
                problems: vec![problem],
            }
        };
        let staff = match staff {
            Some(argv) => Some(
                command::output(argv, timeout)
                    .await
                    .map(|out| (output_name(argv), Input::Csv(out)))
                    .map_err(|e| fail(argv, e))?,
            ),
            None => None,
        };
        let cases = command::output(cases, timeout)
            .await
            .map(|out| (output_name(cases), Input::Csv(out)))
            .map_err(|e| fail(cases, e))?;
        Ok(Fetched {
            staff,
            cases: Some(cases),
        })
    }

    async fn fetch_sql(
        &self,
        url: &secrecy::SecretString,
        cases_query: &str,
        staff_query: Option<&str>,
    ) -> Result<Fetched, Done> {
        let timeout = self.settings.feed.timeout;
        let started = Utc::now();
        let fail = |key: &str, e: sql::SqlError| {
            let problem = format!("{key}: {e}");
            Done {
                run: failed(RunSource::Sql, key, started, &problem),
                problems: vec![problem],
            }
        };
        let staff = match staff_query {
            Some(query) => Some(
                sql::fetch(url, query, timeout)
                    .await
                    .map(|rows| ("feed.staff_query".to_owned(), Input::Rows(rows)))
                    .map_err(|e| fail("feed.staff_query", e))?,
            ),
            None => None,
        };
        let cases = sql::fetch(url, cases_query, timeout)
            .await
            .map(|rows| ("feed.cases_query".to_owned(), Input::Rows(rows)))
            .map_err(|e| fail("feed.cases_query", e))?;
        Ok(Fetched {
            staff,
            cases: Some(cases),
        })
    }

    /// Checks and stores what was fetched: the staff first (their own
    /// transaction: staff are only ever added or updated), then the cases
    /// with the run's record in one transaction. `exported` is when the
    /// data was current: the cases refresh the data to then.
    async fn import(
        &self,
        source: RunSource,
        fetched: Fetched,
        exported: DateTime<Utc>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Done, FeedError> {
        let name = fetched
            .cases
            .as_ref()
            .or(fetched.staff.as_ref())
            .map(|(name, _)| name.clone())
            .unwrap_or_default();
        let mut run = FeedRun::new(source, &name, now);
        // How each file was read, when it was not UTF-8 with commas.
        let mut notes = Vec::new();
        let mut managers = self.store.staff_emails().await?;
        if let Some((name, input)) = fetched.staff {
            let staff = match parse_staff(&name, input) {
                Ok((staff, note)) => {
                    notes.extend(note);
                    staff
                }
                Err(e) => return Ok(rejected(run, &name, e)),
            };
            run.rows_read += staff.len() as u64;
            if !dry_run {
                self.store.import_staff(&staff, now).await?;
            }
            managers.extend(staff.iter().map(|s| s.email.clone()));
        }
        let Some((name, input)) = fetched.cases else {
            run.message = read_as(&notes);
            run.finished_at = Utc::now().max(now);
            if !dry_run {
                self.store.record_run(&run, None).await?;
            }
            return Ok(Done {
                run,
                problems: Vec::new(),
            });
        };
        let (today, _) = london_time(now);
        let cases = match self.parse_cases(&name, input, &managers, today) {
            Ok((cases, note)) => {
                notes.extend(note);
                cases
            }
            Err(e) => return Ok(rejected(run, &name, e)),
        };
        run.message = read_as(&notes);
        run.rows_read = cases.iter().map(|c| c.stages.len() as u64).sum();
        run.refreshed_at = Some(exported);
        let listing = if self.settings.feed.complete {
            Listing::Complete {
                on: today,
                max_share: self.settings.feed.max_closed_share,
            }
        } else {
            Listing::Partial
        };
        run.finished_at = Utc::now().max(now);
        let imported = self
            .store
            .import_cases(&cases, listing, (!dry_run).then(|| run.clone()), now)
            .await?;
        Ok(match imported {
            CasesImported::Stored(summary) => {
                run.inserted = summary.stages.inserted as u64;
                run.updated = summary.stages.updated as u64;
                run.closed = summary.closed as u64;
                Done {
                    run,
                    problems: Vec::new(),
                }
            }
            CasesImported::Refused { would_close, open } => {
                let problem = format!(
                    "{name}: refused whole: it would close {would_close} of the {open} open stages \
                     as no longer in the case system, more than feed.max_closed_share ({:.0}%); \
                     the extract is probably incomplete",
                    self.settings.feed.max_closed_share * 100.0
                );
                run.outcome = RunOutcome::Refused;
                run.refreshed_at = None;
                run.message = Some(problem.clone());
                Done {
                    run,
                    problems: vec![problem],
                }
            }
        })
    }

    fn parse_cases(
        &self,
        name: &str,
        input: Input,
        managers: &HashSet<Email>,
        today: NaiveDate,
    ) -> Result<(Vec<CaseRecord>, Option<String>), ImportError> {
        let ctx = CaseContext {
            managers,
            timescales: &self.settings.timescales,
            reasons: &self.settings.delay_reasons,
            today,
        };
        match input {
            Input::Csv(bytes) => import::parse_cases_bytes(name, &bytes, &ctx)
                .map(|p| (p.records, p.read_as.note().map(|n| format!("{name}: {n}")))),
            Input::Rows(rows) => {
                import::parse_cases_rows(name, &rows.columns, rows.rows, &ctx).map(|r| (r, None))
            }
        }
    }

    /// Records a run that imported nothing, and tells the complaints team
    /// when it failed or was refused. Runs that imported were recorded
    /// with their data.
    async fn record(
        &self,
        run: FeedRun,
        problems: Vec<String>,
        dry_run: bool,
    ) -> Result<FeedRun, FeedError> {
        if dry_run {
            return Ok(run);
        }
        if run.outcome == RunOutcome::Imported {
            if !problems.is_empty() {
                // Imported, but the file could not be moved: say so.
                let notice = self.notice(&run, &problems)?;
                let key = format!("feed:{}:{}", run.name, run.started_at.to_rfc3339());
                self.store
                    .add_team_notice(&key, &notice, run.finished_at)
                    .await?;
            }
            return Ok(run);
        }
        let notice = self.notice(&run, &problems)?;
        // A failing source is told once a day; each refused file or
        // extract is told.
        let key = match run.outcome {
            RunOutcome::Failed => format!(
                "feed:failed:{}:{}",
                run.name,
                london_time(run.finished_at).0
            ),
            _ => format!(
                "feed:{}:{}:{}",
                run.outcome.as_str(),
                run.name,
                run.started_at.to_rfc3339()
            ),
        };
        self.store.record_run(&run, Some((&key, &notice))).await?;
        tracing::warn!(
            source = run.source.as_str(),
            name = %run.name,
            outcome = run.outcome.as_str(),
            problems = problems.len(),
            "the feed run did not import; the complaints team was told"
        );
        Ok(run)
    }

    /// The e-mail to the complaints team about a run that did not import.
    fn notice(&self, run: &FeedRun, problems: &[String]) -> Result<NewMessage, FeedError> {
        self.to_team(team_notice(run, problems, &self.settings.feed.source))
    }

    /// `notice` as an e-mail to the complaints team.
    fn to_team(&self, notice: TeamNotice) -> Result<NewMessage, FeedError> {
        let rendered = self.templates.team_notice(&notice)?;
        Ok(NewMessage {
            recipient: self.settings.mail.complaints_team.to_string(),
            cc: None,
            subject: notice.subject,
            body_text: rendered.text,
            body_html: rendered.html,
            ics: None,
            reminder_ids: Vec::new(),
        })
    }

    /// How old the data is at `now`.
    pub async fn freshness(
        &self,
        calendar: &crate::calendar::Calendar,
        now: DateTime<Utc>,
    ) -> Result<Freshness, FeedError> {
        let last = self.store.last_refresh().await?;
        Ok(fresh::judge(&self.settings.feed, last, now, calendar))
    }

    /// Tells the complaints team, once a day, that the data is stale and
    /// overdue notices are held back; whether an e-mail was queued.
    pub async fn warn_if_stale(
        &self,
        freshness: &Freshness,
        now: DateTime<Utc>,
    ) -> Result<bool, FeedError> {
        if !freshness.stale {
            return Ok(false);
        }
        let (today, _) = london_time(now);
        let last = freshness.last_refresh.map_or_else(
            || "never".to_owned(),
            |t| {
                let (day, time) = london_time(t);
                format!(
                    "{} at {}",
                    crate::format::long_date(day),
                    time.format("%H:%M")
                )
            },
        );
        let notice = TeamNotice {
            subject: "casewatch: the case data is out of date; overdue notices are held back"
                .to_owned(),
            summary: format!(
                "The case data was last refreshed {last}, more than {} working hours ago \
                 (feed.max_age_hours). Until it is refreshed, casewatch sends no overdue \
                 notices or escalations, which could be about cases already answered; \
                 due-soon and due-today reminders still go.",
                self.settings.feed.max_age_hours
            ),
            problems: Vec::new(),
            more: 0,
            advice: "Check that the case system's export still runs, and `casewatch feed status` \
                     for the last runs."
                .to_owned(),
        };
        let message = self.to_team(notice)?;
        Ok(self
            .store
            .add_team_notice(&format!("feed-stale:{today}"), &message, now)
            .await?)
    }
}

/// The staff, and how the file was read when it was not UTF-8 with commas.
fn parse_staff(name: &str, input: Input) -> Result<(Vec<Staff>, Option<String>), ImportError> {
    match input {
        Input::Csv(bytes) => import::parse_staff(name, bytes.as_slice())
            .map(|p| (p.records, p.read_as.note().map(|n| format!("{name}: {n}")))),
        Input::Rows(rows) => {
            import::parse_staff_rows(name, &rows.columns, rows.rows).map(|r| (r, None))
        }
    }
}

/// A good run's message: how its files were read, if any was not UTF-8
/// with commas (a council should know its export is read as Windows-1252).
fn read_as(notes: &[String]) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("\n"))
}

/// What a program's output is called in error lines (`NAME:LINE: …`).
fn output_name(argv: &[String]) -> String {
    format!("{} (output)", command::program_name(argv))
}

fn failed(source: RunSource, name: &str, now: DateTime<Utc>, problem: &str) -> FeedRun {
    let mut run = FeedRun::new(source, name, now);
    run.outcome = RunOutcome::Failed;
    run.finished_at = Utc::now().max(now);
    run.message = Some(problem.to_owned());
    run
}

/// A run refused for its rows: every problem, the first of them kept with
/// the run.
fn rejected(mut run: FeedRun, name: &str, error: ImportError) -> Done {
    let problems: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    run.outcome = RunOutcome::Rejected;
    run.finished_at = Utc::now().max(run.started_at);
    run.name = name.to_owned();
    let mut message = problems
        .iter()
        .take(MAX_PROBLEMS)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if problems.len() > MAX_PROBLEMS {
        message.push_str(&format!("\nand {} more", problems.len() - MAX_PROBLEMS));
    }
    run.message = Some(message);
    Done { run, problems }
}

/// What the complaints team is told about a run that did not import.
fn team_notice(run: &FeedRun, problems: &[String], source: &Option<FeedSource>) -> TeamNotice {
    let name = &run.name;
    let (subject, summary, advice) = match run.outcome {
        RunOutcome::Rejected => (
            format!("casewatch: {name} from the case feed was rejected"),
            format!(
                "{name} had {} problem(s), so none of it was imported.{}",
                problems.len(),
                where_it_went(source, "rejected")
            ),
            "Correct the export (or the case system's data) and send it again; \
             each problem names the line and the column."
                .to_owned(),
        ),
        RunOutcome::Refused => (
            format!("casewatch: {name} from the case feed was refused as incomplete"),
            format!(
                "{name} would have closed too many open stages as no longer in the case \
                 system, so none of it was imported.{}",
                where_it_went(source, "rejected")
            ),
            "Check that the export lists every open stage. If it really is complete, \
             import it by hand with `casewatch import cases`, or raise feed.max_closed_share."
                .to_owned(),
        ),
        _ => (
            format!("casewatch: the case feed failed ({name})"),
            "casewatch could not fetch the cases; nothing was imported. It tries again at \
             the next scheduled run."
                .to_owned(),
            "If it keeps failing, ask the administrator to check the feed settings and \
             `casewatch feed status`."
                .to_owned(),
        ),
    };
    TeamNotice {
        subject,
        summary,
        problems: problems.iter().take(MAX_PROBLEMS).cloned().collect(),
        more: problems.len().saturating_sub(MAX_PROBLEMS),
        advice,
    }
}

fn where_it_went(source: &Option<FeedSource>, aside: &str) -> String {
    match source {
        Some(FeedSource::Folder { .. }) => format!(
            " It was moved to {aside}/ in the feed folder, with the problems in a file beside it."
        ),
        _ => String::new(),
    }
}
