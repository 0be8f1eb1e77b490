//! The `casewatch` command line: argument definitions and one function per
//! command. Each command turns its raw arguments into parsed values first,
//! then calls into the library.

mod cases;
mod digest;
mod feed;
mod holidays;
mod learning;
mod listings;
mod poll;
mod reason;
mod report;
mod table;
mod tracker;
mod workdays;

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use chrono::{Datelike, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::calendar::{Calendar, Division, parse_govuk_json};
use crate::daemon::{Daemon, StartError};
use crate::domain::{Preset, parse_date, today_in_london};
use crate::import::{self, CaseContext, ImportError, ReadAs};
use crate::report::Period;
use crate::settings::{CalendarSettings, Settings, settings_file};
use crate::store::{CasesImported, DigestKind, FeedRun, ImportCounts, Listing, RunSource, Store};
use crate::templates::Templates;
use crate::{demo, telemetry};

/// Keeps council complaint responses on time: working-day deadlines,
/// reminders, delay reasons and weekly trackers.
#[derive(Debug, Parser)]
#[command(
    name = "casewatch",
    version,
    about,
    after_help = "\
Settings: config/default.toml documents every one. Exit codes: 0 success, \
1 failure at run time, 2 bad input or bad settings."
)]
pub struct Cli {
    /// Settings file (default: $CASEWATCH_CONFIG, else /etc/casewatch/casewatch.toml if it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log progress at info level, as `run` does; otherwise commands log only warnings and errors (unless log.level or RUST_LOG is set).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the settings and print them, secrets redacted; exit 2 listing every problem.
    #[command(after_help = "Example:\n  CASEWATCH__LOG__FORMAT=json casewatch check-config")]
    CheckConfig,

    /// Create or upgrade the database schema (other commands do this too).
    #[command(after_help = "Example:\n  casewatch --config /etc/casewatch/casewatch.toml migrate")]
    Migrate,

    /// Load staff or cases from a CSV file: all rows or none.
    #[command(subcommand)]
    Import(ImportCommand),

    /// List complaint stages: when each is due, whether it has been answered, and the working days left.
    #[command(
        after_help = "Examples:\n  casewatch cases --open --as-of 2026-11-30 --format csv > open.csv\n  \
        casewatch cases --overdue --team Fostering\n\n\
        working_days_left counts working days after the as-of day up to the due day: 0 means \
        due that day, -2 means two working days overdue. Filters combine: a stage is listed \
        when it meets all of them. Each stage shows its latest delay reason, the response date \
        that reason expects, and for upheld or partly upheld answers whether learning is \
        recorded or awaited."
    )]
    Cases {
        /// Only stages still waiting for a response.
        #[arg(long)]
        open: bool,
        /// Only open stages past their due day.
        #[arg(long)]
        overdue: bool,
        /// Only stages answered after their due day.
        #[arg(long)]
        late: bool,
        /// Only this team's stages (as the cases file names it; any case).
        #[arg(long, value_name = "TEAM", allow_hyphen_values = true)]
        team: Option<String>,
        /// Only the stages of the case manager with this e-mail address.
        #[arg(long, value_name = "EMAIL")]
        manager: Option<String>,
        /// Show the cases as they stood on this date (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Print the deadline: the N-th working day after START (START is day 0).
    #[command(after_help = "Examples:\n  casewatch deadline 2026-12-18 10\n  \
        casewatch deadline --procedure lgsco-2024 --stage 1 2026-11-02\n  \
        casewatch deadline --batch --calendar scotland < starts.csv > deadlines.csv\n\n\
        With --procedure, START is the day the stage was received, and the command prints \
        its acknowledgement and response deadlines under that procedure as its code sets \
        them (counted from --acknowledged when given), and how far an extension may go.\n\n\
        With --batch, standard input is CSV with a header row whose first two columns are \
        a start date and N; the output is start,working_days,deadline, one row per input row. \
        A bad row is reported on standard error as `line L: problem`, written with an empty \
        deadline, and the command exits 2 at the end.")]
    Deadline {
        /// The day the clock starts: YYYY-MM-DD or DD/MM/YYYY.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        start: Option<String>,
        /// Working days allowed (0 gives START itself).
        #[arg(
            required_unless_present_any = ["batch", "procedure"],
            conflicts_with_all = ["batch", "procedure"]
        )]
        n: Option<String>,
        /// A complaint procedure by preset name (see `[procedures]`).
        #[arg(long, value_name = "NAME", value_parser = procedure_arg, conflicts_with = "batch")]
        procedure: Option<Preset>,
        /// The stage under --procedure.
        #[arg(long, value_name = "N", default_value_t = 1, requires = "procedure",
              value_parser = clap::value_parser!(u8).range(1..=3))]
        stage: u8,
        /// The day the stage was acknowledged, under --procedure.
        #[arg(long, value_name = "DATE", value_parser = date_arg, requires = "procedure")]
        acknowledged: Option<NaiveDate>,
        /// Read start,N rows as CSV on standard input.
        #[arg(long)]
        batch: bool,
        /// england-and-wales, scotland or northern-ireland (default: the calendar.division setting).
        #[arg(long, value_name = "NAME", value_parser = division_arg)]
        calendar: Option<Division>,
    },

    /// Print the working days from START to END: days d with START < d <= END (negative if END is earlier).
    #[command(
        after_help = "Examples:\n  casewatch working-days 2026-12-01 2026-12-31\n  \
        casewatch working-days --batch < pairs.csv > counts.csv\n\n\
        With --batch, standard input is CSV with a header row whose first two columns are \
        start and end dates; the output is start,end,working_days, one row per input row. \
        Bad rows are reported as for `deadline --batch`."
    )]
    WorkingDays {
        /// The earlier date, not counted.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        start: Option<String>,
        /// The later date, counted.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        end: Option<String>,
        /// Read start,end rows as CSV on standard input.
        #[arg(long)]
        batch: bool,
        /// england-and-wales, scotland or northern-ireland (default: the calendar.division setting).
        #[arg(long, value_name = "NAME", value_parser = division_arg)]
        calendar: Option<Division>,
    },

    /// Run the service: poll on the schedule.poll trigger, send reminders, stop cleanly on SIGTERM.
    #[command(
        after_help = "Example:\n  casewatch --config /etc/casewatch/casewatch.toml run\n\n\
        Under systemd (Type=notify) it waits for the database, reports READY once connected \
        and STOPPING, and answers the watchdog. It polls once at start and then on each \
        trigger. SIGHUP re-reads the settings and templates (kept only if all are good); \
        SIGTERM or SIGINT lets e-mails in flight finish, starts no more, and exits 0 within \
        10 seconds. On SQLite one instance runs per database; on PostgreSQL several share \
        the work (deploy/ADMIN.md)."
    )]
    Run,

    /// Record the reminders due today, queue their e-mails and send them (the daemon is `run`).
    #[command(after_help = "Examples:\n  casewatch poll --once\n  \
        casewatch poll --once --as-of 2026-11-30 --dry-run\n\n\
        With --as-of, that date is today, at the moment the sending window opens. \
        Polling again sends nothing twice.")]
    Poll {
        /// Poll once and exit (required: the daemon that polls on a schedule is `run`).
        #[arg(long, required = true)]
        once: bool,
        /// Treat this date as today (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// Print the e-mails that would be queued; record and send nothing.
        #[arg(long)]
        dry_run: bool,
    },

    /// Record a reason for a delay given by phone or e-mail (answered stages too).
    #[command(
        after_help = "Example:\n  casewatch reason CSC-2026-0142 --stage 1 --category legal_advice \\\n    \
        --text \"Waiting for counsel's opinion\" --expected 2026-12-11\n\n\
        Categories (the defaults; see delay_reasons.categories in the settings): complex_case, \
        awaiting_complainant, awaiting_other_agency, staff_capacity, legal_advice, sign_off, other."
    )]
    Reason {
        /// The case reference.
        reference: String,
        /// The stage (1-3).
        #[arg(long)]
        stage: u8,
        /// The category's short name, e.g. other.
        #[arg(long)]
        category: String,
        /// The reason, as given (at most 2,000 characters; it may start with "-").
        #[arg(long, allow_hyphen_values = true)]
        text: String,
        /// When the response is expected (YYYY-MM-DD or DD/MM/YYYY).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        expected: Option<NaiveDate>,
        /// Who gave the reason, e.g. the manager's e-mail address.
        #[arg(long, value_name = "WHO", allow_hyphen_values = true)]
        given_by: Option<String>,
    },

    /// List every delay reason given in a period, with its case and whether the stage was answered late.
    #[command(
        after_help = "Example:\n  casewatch reasons --from 2026-04-01 --to 2026-11-30 --format csv > reasons.csv\n\n\
        The period is of the days the reasons were given (Europe/London), both included; by \
        default this council year, from 1 April to today. answered is late, on time or open: \
        where the stage stands today."
    )]
    Reasons {
        /// The first day (default: 1 April of this council year).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        from: Option<NaiveDate>,
        /// The last day, included (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// List the learning recorded in a period, then the upheld responses of the period with none.
    #[command(
        after_help = "Example:\n  casewatch learning --from 2026-04-01 --format json\n\n\
        Learning is listed by the day it was given; after it come the stages answered upheld or \
        partly upheld in the period with no learning on record, marked \"no learning recorded\". \
        The period is by default this council year, from 1 April to today."
    )]
    Learning {
        /// The first day (default: 1 April of this council year).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        from: Option<NaiveDate>,
        /// The last day, included (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },

    /// Record the learning from an upheld or partly upheld response, and the action it leads to.
    #[command(
        after_help = "Example:\n  casewatch add-learning CSC-2026-0142 --stage 1 \\\n    \
        --text \"Letters now name a contact\" --action \"Update the letter template\" \\\n    \
        --owner ann.lee@example.org --action-due 2027-01-29\n\n\
        An owner who is a member of staff (by e-mail address) is reminded of the action; any \
        other owner is recorded as given and gets no reminder."
    )]
    AddLearning {
        /// The case reference.
        reference: String,
        /// The stage (1-3).
        #[arg(long)]
        stage: u8,
        /// The learning, as given (it may start with "-").
        #[arg(long, allow_hyphen_values = true)]
        text: String,
        /// The action the learning leads to.
        #[arg(long, allow_hyphen_values = true)]
        action: Option<String>,
        /// Who owns the action: a member of staff's e-mail address, or a name.
        #[arg(long, value_name = "WHO", allow_hyphen_values = true)]
        owner: Option<String>,
        /// When the action is due (needs --action).
        #[arg(long, value_name = "DATE", value_parser = date_arg, requires = "action")]
        action_due: Option<NaiveDate>,
        /// Who gave the learning, e.g. the manager's e-mail address.
        #[arg(long, value_name = "WHO", allow_hyphen_values = true)]
        given_by: Option<String>,
    },

    /// Make the weekly tracker (HTML, CSV, XLSX) for the ISO week containing a date, and e-mail it.
    #[command(
        after_help = "Example:\n  casewatch tracker --as-of 2026-11-23 --out ./trackers --no-email\n\n\
        The tracker is as of the week's tracker day (tracker.day, Monday by default). `run` makes \
        each week's tracker by itself at tracker.day and tracker.time."
    )]
    Tracker {
        /// A day in the week (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// Folder for the files (default: tracker.dir).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write the files only; send no e-mail.
        #[arg(long)]
        no_email: bool,
    },

    /// Make a digest by hand: the learning from upheld responses, or the late responses for heads of service.
    #[command(after_help = "Examples:\n  casewatch digest learning --no-email\n  \
        casewatch digest escalation --from 2026-08-31 --to 2026-09-06 --out ./digests\n\n\
        Without --from and --to, the digest covers the period its schedule makes due by the \
        end of --as-of (digests.learning.schedule, digests.escalation.schedule): from the \
        previous firing's day to the day before the latest. The HTML and CSV files go to \
        digests.dir; the e-mails are queued and `run` sends them. `run` makes each digest by \
        itself, once per period.")]
    Digest {
        #[arg(value_enum)]
        kind: DigestArg,
        /// The first day of the period (YYYY-MM-DD or DD/MM/YYYY).
        #[arg(long, value_name = "DATE", value_parser = date_arg, requires = "to")]
        from: Option<NaiveDate>,
        /// The last day of the period, included.
        #[arg(long, value_name = "DATE", value_parser = date_arg, requires = "from")]
        to: Option<NaiveDate>,
        /// Treat this date as today (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg, conflicts_with = "from")]
        as_of: Option<NaiveDate>,
        /// Folder for the files (default: digests.dir).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write the files only; queue no e-mail.
        #[arg(long)]
        no_email: bool,
    },

    /// The annual report for a period: a document for the scrutiny committee, or its figures as JSON.
    #[command(
        after_help = "Examples:\n  casewatch report --from 2025-04-01 --to 2026-03-31 --format html --out report.html\n  \
        casewatch report --from 2025-04-01 --to 2026-03-31 --format xlsx --out report.xlsx\n  \
        casewatch report --from 01/04/2025 --to 31/03/2026 --format json\n\n\
        Each report is compared with the same dates a year earlier (February 2024 with \
        February 2023, a financial year with the one before), or with --compare-with: md, \
        html and xlsx show that period beside the report's when it has any data, and say how \
        the figures changed; json gives it under previous. The README defines every figure."
    )]
    Report {
        /// The first day of the period (YYYY-MM-DD or DD/MM/YYYY).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        from: NaiveDate,
        /// The last day of the period, included.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        to: NaiveDate,
        /// The period to compare with, both days included (default: the same dates a year earlier).
        #[arg(long, value_name = "FROM..TO", value_parser = period_arg)]
        compare_with: Option<Period>,
        /// The day the report is made, which says whether a period is over (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// Write the report to FILE instead of standard output (needed for xlsx).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },

    /// Load a newer GOV.UK bank-holidays file, or list the non-working days in force.
    #[command(subcommand)]
    Holidays(HolidaysCommand),

    /// Fetch the cases from the case feed now, or list its last runs.
    #[command(subcommand)]
    Feed(FeedCommand),

    /// Write a synthetic council year (settings, CSV files, a SQLite database) to try casewatch on.
    #[command(after_help = "Example:\n  casewatch demo --dir ./casewatch-demo\n  \
        casewatch --config ./casewatch-demo/casewatch.toml cases --open")]
    Demo {
        /// Folder to write to; created if missing.
        #[arg(long, value_name = "DIR", default_value = "./casewatch-demo")]
        dir: PathBuf,
        /// The day the demo year ends on (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
    },
}

/// The digests `casewatch digest` makes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DigestArg {
    /// Upheld responses with their learning (digests.learning).
    Learning,
    /// Late responses with their reasons, for heads of service (digests.escalation).
    Escalation,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Staff: email,name,team,escalation_email (the last may be blank).
    #[command(after_help = "Example:\n  casewatch import staff staff.csv")]
    Staff {
        /// The CSV file.
        file: PathBuf,
    },
    /// Cases: one row per stage; see the README for the columns.
    #[command(after_help = "Example:\n  casewatch import cases cases.csv")]
    Cases {
        /// The CSV file.
        file: PathBuf,
        /// Treat this date as today when refusing dates in the future.
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Fetch and import the cases from the feed set in [feed], as `run` does on its schedule.
    #[command(
        after_help = "Examples:\n  casewatch feed run --dry-run\n  casewatch feed run\n\n\
        Exits 1 when a run did not import (a file rejected, a command or query failed, an \
        extract refused); the complaints team is told by e-mail. --dry-run fetches and checks \
        everything and says what an import would change, storing, moving and e-mailing nothing."
    )]
    Run {
        /// Fetch and check; store, move and e-mail nothing.
        #[arg(long)]
        dry_run: bool,
        /// Treat this date as today (default: today in Europe/London).
        #[arg(long, value_name = "DATE", value_parser = date_arg)]
        as_of: Option<NaiveDate>,
    },
    /// The data's last refresh and the feed's last runs, newest first.
    #[command(after_help = "Example:\n  casewatch feed status --format json")]
    Status {
        /// How many runs to list.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// Merge a GOV.UK bank-holidays.json: its days replace the built-in ones for the years it covers.
    #[command(after_help = "Example:\n  \
        curl -o bank-holidays.json https://www.gov.uk/bank-holidays.json\n  \
        casewatch holidays import bank-holidays.json\n\n\
        A malformed file is refused with the reason and changes nothing. The command prints \
        the days added (+) and removed (-) for each calendar.")]
    Import {
        /// The file, in GOV.UK's format.
        file: PathBuf,
    },
    /// List the bank holidays and local closures in force, and where each comes from.
    #[command(
        after_help = "Example:\n  casewatch holidays list --year 2027 --calendar scotland\n\n\
        Sources: built-in (shipped with casewatch), rule (worked out from the statutory rules), \
        imported (holidays import), local closure (the calendar.local_closures setting)."
    )]
    List {
        /// The year (default: this year in Europe/London).
        #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1995..=2040))]
        year: Option<i32>,
        /// england-and-wales, scotland or northern-ireland (default: the calendar.division setting).
        #[arg(long, value_name = "NAME", value_parser = division_arg)]
        calendar: Option<Division>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The document as Markdown: its sentences and tables.
    Md,
    /// The document as an accessible, printable HTML page, with charts.
    Html,
    /// The document's tables as a workbook, a sheet each (needs --out).
    Xlsx,
    /// The report period's figures, and under `previous` the period compared with.
    Json,
}

fn division_arg(raw: &str) -> Result<Division, String> {
    Division::parse(raw).map_err(|e| e.to_string())
}

fn procedure_arg(raw: &str) -> Result<Preset, String> {
    Preset::parse(raw)
}

fn date_arg(raw: &str) -> Result<NaiveDate, String> {
    parse_date(raw).map_err(|e| e.0)
}

/// `FROM..TO`, each a date as `date_arg` reads it, FROM not after TO.
fn period_arg(raw: &str) -> Result<Period, String> {
    let (from, to) = raw
        .split_once("..")
        .ok_or_else(|| format!("{raw:?} is not a period such as 2024-04-01..2025-03-31"))?;
    let (from, to) = (date_arg(from)?, date_arg(to)?);
    Period::new(from, to).ok_or_else(|| format!("{from} is after {to}"))
}

/// A command that did not succeed, and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// Bad input or bad settings: exit 2.
    pub fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 2,
            error: error.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.code
    }

    pub fn error(&self) -> &anyhow::Error {
        &self.error
    }
}

/// Anything not marked as bad input is a failure at run time: exit 1.
impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Self {
        Self {
            code: 1,
            error: error.into(),
        }
    }
}

/// Runs one command to the end. A command whose output is closed by its
/// reader (`| head`) stops there and succeeds.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match run_command(cli) {
        Err(failure) if reader_gone(&failure) => Ok(()),
        result => result,
    }
}

fn run_command(cli: Cli) -> Result<(), Failure> {
    let file = settings_file(
        cli.config,
        std::env::var_os("CASEWATCH_CONFIG").map(PathBuf::from),
    )
    .map_err(Failure::bad_input)?;
    let settings = Settings::load(file.as_deref()).map_err(Failure::bad_input)?;
    if let Command::CheckConfig = cli.command {
        // The templates too: a council's own copies, checked against the
        // samples, before `run` would meet them.
        Templates::load(settings.mail.templates_dir.as_deref()).map_err(Failure::bad_input)?;
        let source = file.map_or_else(
            || "none (built-in defaults)".to_owned(),
            |f| f.display().to_string(),
        );
        writeln!(out(), "# settings file: {source}\n{}", settings.to_toml())?;
        return Ok(());
    }
    // A one-shot command's output stands alone, with no progress lines
    // after it; the service logs what it does.
    let unset = if cli.verbose || matches!(cli.command, Command::Run) {
        "info"
    } else {
        "warn"
    };
    telemetry::init(&settings.log, unset);
    // The daemon serves the web form while it polls and sends, on as many
    // threads as there are cores. A one-shot command does one thing at a
    // time: on one thread, each event is handled where it arrives, not
    // handed to another thread and back (a sixth less time to send).
    let mut builder = if matches!(cli.command, Command::Run) {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(cli.command, settings, file))
}

/// Standard output for a command's results. Written with `writeln!` and
/// `?`, never `println!`, which panics when the reader has gone
/// (`casewatch cases | head`); `run` ends such a command quietly.
fn out() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

/// Whether `failure` is only that standard output was closed by its
/// reader: then, as Unix tools do, the command has nothing left to do and
/// ends without a word.
fn reader_gone(failure: &Failure) -> bool {
    failure.error.chain().any(|e| {
        let io = e.downcast_ref::<std::io::Error>().or_else(|| {
            // csv's errors do not give their cause as a source.
            match e.downcast_ref::<csv::Error>()?.kind() {
                csv::ErrorKind::Io(io) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs `command`; `file` is the settings file `settings` came from, which
/// `run` reads again on SIGHUP.
async fn dispatch(
    command: Command,
    settings: Settings,
    file: Option<PathBuf>,
) -> Result<(), Failure> {
    match command {
        Command::CheckConfig => Ok(()),
        Command::Migrate => migrate(&settings).await,
        Command::Import(ImportCommand::Staff { file }) => {
            let store = Store::open(&settings.database).await?;
            import_staff_file(&store, &file).await
        }
        Command::Import(ImportCommand::Cases { file, as_of }) => {
            let store = Store::open(&settings.database).await?;
            let today = as_of.unwrap_or_else(today_in_london);
            import_cases_file(&store, &settings, &file, today).await
        }
        Command::Cases {
            open,
            overdue,
            late,
            team,
            manager,
            as_of,
            format,
        } => {
            let filter = cases::Filter::new(open, overdue, late, team, manager)?;
            cases::list(&settings, filter, as_of, format).await
        }
        Command::Deadline {
            start,
            calendar,
            procedure: Some(preset),
            stage,
            acknowledged,
            ..
        } => {
            let division = calendar.unwrap_or(settings.calendar.division);
            let calendar = calendar_in_force(&settings, division).await?;
            let received = parse_date(start.as_deref().unwrap_or_default())
                .map_err(|e| Failure::bad_input(anyhow!("START: {e}")))?;
            let text = workdays::under_procedure(
                &calendar,
                preset,
                stage,
                received,
                acknowledged,
                settings.timescales.agreed_default_months,
            )
            .map_err(|problem| Failure::bad_input(anyhow!(problem)))?;
            write!(out(), "{text}")?;
            Ok(())
        }
        Command::Deadline {
            start,
            n,
            batch,
            calendar,
            ..
        } => {
            let question = workdays::Batch::Deadline;
            calendar_query(&settings, question, start.zip(n), batch, calendar).await
        }
        Command::WorkingDays {
            start,
            end,
            batch,
            calendar,
        } => {
            let question = workdays::Batch::WorkingDays;
            calendar_query(&settings, question, start.zip(end), batch, calendar).await
        }
        Command::Run => {
            let started = match Daemon::build(settings, file).await {
                Ok(daemon) => daemon.run().await,
                Err(e) => Err(e),
            };
            started.map_err(|e| match e {
                StartError::Settings(e) => Failure::bad_input(e),
                StartError::Runtime(e) => Failure::from(e),
            })
        }
        Command::Poll {
            once: _,
            as_of,
            dry_run,
        } => poll::once(&settings, as_of, dry_run).await,
        Command::Reason {
            reference,
            stage,
            category,
            text,
            expected,
            given_by,
        } => {
            let given = reason::Given {
                reference,
                stage,
                category,
                text,
                expected,
                given_by,
            };
            reason::record(&settings, given).await
        }
        Command::Reasons { from, to, format } => {
            listings::reasons(&settings, listings::period(from, to)?, format).await
        }
        Command::Learning { from, to, format } => {
            listings::learning(&settings, listings::period(from, to)?, format).await
        }
        Command::AddLearning {
            reference,
            stage,
            text,
            action,
            owner,
            action_due,
            given_by,
        } => {
            let given = learning::Given {
                reference,
                stage,
                text,
                action,
                owner,
                action_due,
                given_by,
            };
            learning::record(&settings, given).await
        }
        Command::Tracker {
            as_of,
            out,
            no_email,
        } => {
            tracker::make(
                &settings,
                as_of.unwrap_or_else(today_in_london),
                out,
                !no_email,
            )
            .await
        }
        Command::Digest {
            kind,
            from,
            to,
            as_of,
            out,
            no_email,
        } => {
            let asked = digest::Asked {
                kind: match kind {
                    DigestArg::Learning => DigestKind::Learning,
                    DigestArg::Escalation => DigestKind::Escalation,
                },
                from,
                to,
                as_of: as_of.unwrap_or_else(today_in_london),
                out,
                email: !no_email,
            };
            digest::make(&settings, asked).await
        }
        Command::Report {
            from,
            to,
            format,
            compare_with,
            as_of,
            out,
        } => {
            let request = report::Request {
                from,
                to,
                format,
                compare_with,
                today: as_of.unwrap_or_else(today_in_london),
                out,
            };
            report::run(&settings, request).await
        }
        Command::Holidays(HolidaysCommand::Import { file }) => {
            let store = Store::open(&settings.database).await?;
            import_holidays_file(&store, &file).await
        }
        Command::Holidays(HolidaysCommand::List {
            year,
            calendar,
            format,
        }) => {
            let division = calendar.unwrap_or(settings.calendar.division);
            let calendar = calendar_in_force(&settings, division).await?;
            let year = year.unwrap_or_else(|| today_in_london().year());
            write!(
                out(),
                "{}",
                holidays::render(&calendar.days_in_force(year), format)?
            )?;
            Ok(())
        }
        Command::Feed(FeedCommand::Run { dry_run, as_of }) => {
            feed::run(&settings, as_of, dry_run).await
        }
        Command::Feed(FeedCommand::Status { limit, format }) => {
            feed::status(&settings, limit, format).await
        }
        Command::Demo { dir, as_of } => run_demo(&dir, as_of.unwrap_or_else(today_in_london)).await,
    }
}

/// One question from the arguments, or a batch streamed from standard input,
/// on the calendar in force (imported holidays and local closures included).
async fn calendar_query(
    settings: &Settings,
    batch: workdays::Batch,
    args: Option<(String, String)>,
    streamed: bool,
    division: Option<Division>,
) -> Result<(), Failure> {
    let division = division.unwrap_or(settings.calendar.division);
    let calendar = calendar_in_force(settings, division).await?;
    match args {
        Some((first, second)) if !streamed => {
            let answer = batch
                .answer(&calendar, &first, &second)
                .map_err(|problem| Failure::bad_input(anyhow!(problem)))?;
            writeln!(out(), "{answer}")?;
            Ok(())
        }
        _ => {
            let stdout = std::io::stdout().lock();
            let output = std::io::BufWriter::with_capacity(1 << 16, stdout);
            let bad = workdays::stream(
                &calendar,
                batch,
                std::io::stdin().lock(),
                output,
                std::io::stderr().lock(),
            )?;
            if bad == 0 {
                Ok(())
            } else {
                Err(Failure::bad_input(anyhow!(
                    "{bad} bad row(s); see the lines above"
                )))
            }
        }
    }
}

/// The calendar with the holidays imported into the database, when there
/// is a database; these commands never create one.
async fn calendar_in_force(settings: &Settings, division: Division) -> Result<Calendar, Failure> {
    let Some(store) = Store::open_existing(&settings.database).await? else {
        return Ok(Calendar::new(division, &settings.calendar.closure_days()));
    };
    let calendar = store.calendar(&settings.calendar, division).await;
    store.close().await;
    Ok(calendar?)
}

async fn migrate(settings: &Settings) -> Result<(), Failure> {
    let store = Store::connect(&settings.database).await?;
    let report = store.migrate().await?;
    writeln!(
        out(),
        "{} database {} is up to date: {} migration(s) applied now, {} in all",
        store.backend(),
        settings.database.url,
        report.applied_now - report.applied_before,
        report.applied_now
    )?;
    Ok(())
}

fn open_input(path: &Path) -> Result<File, Failure> {
    File::open(path)
        .map_err(|e| Failure::bad_input(anyhow!("{}: cannot read: {e}", path.display())))
}

/// Reports every problem of a refused file on standard error.
fn refused(path: &Path, error: ImportError) -> Failure {
    eprintln!("{error}");
    let n = error.problems.len();
    Failure::bad_input(anyhow!(
        "{}: {n} problem{}; nothing was imported",
        path.display(),
        if n == 1 { "" } else { "s" }
    ))
}

fn counts(what: &str, c: ImportCounts) -> String {
    format!(
        "{what}: {} inserted, {} updated, {} unchanged",
        c.inserted, c.updated, c.unchanged
    )
}

/// A file not in UTF-8 with commas was read all the same: say how, so a
/// wrong guess shows.
fn say_how_read(name: &str, read_as: ReadAs) -> std::io::Result<()> {
    match read_as.note() {
        Some(note) => writeln!(out(), "{name}: {note}"),
        None => Ok(()),
    }
}

async fn import_staff_file(store: &Store, path: &Path) -> Result<(), Failure> {
    let name = path.display().to_string();
    let staff = import::parse_staff(&name, open_input(path)?).map_err(|e| refused(path, e))?;
    say_how_read(&name, staff.read_as)?;
    let c = store.import_staff(&staff.records, Utc::now()).await?;
    writeln!(out(), "{name}: {}", counts("staff", c))?;
    Ok(())
}

async fn import_cases_file(
    store: &Store,
    settings: &Settings,
    path: &Path,
    today: NaiveDate,
) -> Result<(), Failure> {
    let name = path.display().to_string();
    let managers = store.staff_emails().await?;
    let ctx = CaseContext {
        managers: &managers,
        timescales: &settings.timescales,
        reasons: &settings.delay_reasons,
        today,
    };
    let cases =
        import::parse_cases(&name, open_input(path)?, &ctx).map_err(|e| refused(path, e))?;
    let now = Utc::now();
    // Recorded as a run, so that the tracker and `/healthz` know how old
    // the data is when cases come only by hand.
    let mut run = FeedRun::new(RunSource::Import, &name, now);
    run.rows_read = cases.records.iter().map(|c| c.stages.len() as u64).sum();
    run.refreshed_at = Some(now);
    let CasesImported::Stored(s) = store
        .import_cases(&cases.records, Listing::Partial, Some(run), now)
        .await?
    else {
        // A partial listing closes nothing, so it is never refused.
        return Err(Failure::from(anyhow!(
            "{name}: refused; nothing was imported"
        )));
    };
    say_how_read(&name, cases.read_as)?;
    writeln!(
        out(),
        "{name}: {}; {}; {} delay reason(s) added",
        counts("cases", s.cases),
        counts("stages", s.stages),
        s.reasons_added
    )?;
    Ok(())
}

/// Parses the whole file before storing anything, so a malformed file
/// changes nothing; then reports what changed in each calendar.
async fn import_holidays_file(store: &Store, path: &Path) -> Result<(), Failure> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::bad_input(anyhow!("{name}: cannot read: {e}")))?;
    let days = parse_govuk_json(&text)
        .map_err(|e| Failure::bad_input(anyhow!("{name}: {e}; nothing was imported")))?;
    // Compared without local closures: the import does not change them.
    let plain = CalendarSettings::default();
    let mut before = BTreeMap::new();
    for &(division, _) in &days {
        if let Entry::Vacant(slot) = before.entry(division) {
            slot.insert(store.calendar(&plain, division).await?);
        }
    }
    let imports = store.import_holidays(&days, &name, Utc::now()).await?;
    for (import, before) in imports
        .iter()
        .filter_map(|i| Some((i, before.get(&i.division)?)))
    {
        let after = store.calendar(&plain, import.division).await?;
        let changes = holidays::changes(before, &after, &import.years);
        writeln!(
            out(),
            "{name}: {}: {} day(s) stored for {}-{}; {} change(s) to the days in force",
            import.division,
            import.days,
            import.years.first().unwrap_or(&0),
            import.years.last().unwrap_or(&0),
            changes.len()
        )?;
        for line in changes {
            writeln!(out(), "  {line}")?;
        }
    }
    Ok(())
}

/// Working days of reminders the demo replays.
const DEMO_POLLED_DAYS: usize = 10;

async fn run_demo(dir: &Path, today: NaiveDate) -> Result<(), Failure> {
    let files = demo::write(dir, today)?;
    let settings = Settings::load(Some(&files.settings)).map_err(Failure::bad_input)?;
    let store = Store::open(&settings.database).await?;
    import_staff_file(&store, &files.staff).await?;
    import_cases_file(&store, &settings, &files.cases, today).await?;
    store.close().await;
    // Reminders go out on working days only: replay the last few, so that
    // the tracker and the report show reminders actually sent, and suggest
    // the latest.
    let calendar = Calendar::builtin(settings.calendar.division);
    let mut days: Vec<NaiveDate> = today
        .iter_days()
        .rev()
        .filter(|d| calendar.is_working_day(*d).unwrap_or(false))
        .take(DEMO_POLLED_DAYS)
        .collect();
    let working_day = days.first().copied().unwrap_or(today);
    days.reverse();
    writeln!(
        out(),
        "\nReplaying the last {DEMO_POLLED_DAYS} working days' reminders:"
    )?;
    for day in days {
        poll::once(&settings, Some(day), false).await?;
    }
    writeln!(
        out(),
        "\nThe demo is ready in {dir}. Try:\n  \
         casewatch --config {settings} cases --open --as-of {today}\n  \
         casewatch --config {settings} poll --once --as-of {working_day}\n  \
         casewatch --config {settings} tracker --as-of {today} --no-email\n\
         and read the reminders written to {mail} and the tracker in {trackers}.",
        dir = dir.display(),
        settings = files.settings.display(),
        mail = settings.mail.dir.display(),
        trackers = settings.tracker.dir.display(),
    )?;
    Ok(())
}
