//! Typed settings, read once at start-up.
//!
//! Sources, each overriding the one before: the defaults compiled in from
//! `config/default.toml`, one settings file, then `CASEWATCH__SECTION__KEY`
//! environment variables. The merged values are parsed key by key into
//! [`Settings`]; every problem (unknown key, bad value) is collected with the
//! key and the source it came from, so one run of `check-config` shows them
//! all. Nothing past this module handles a raw setting.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat, Value};
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};

use chrono::NaiveDate;

use crate::calendar::{Division, FIRST_DAY, HolidayDay, LAST_DAY};
use crate::domain::{normalise_word, parse_date};
use crate::timescale::Timescales;

mod digests;
mod feed;
mod learning;
mod mail;
mod reader;
mod report;
#[cfg(test)]
mod tests;
mod timescales;
mod tracker;
mod web;

use reader::{Reader, int_in, string};

pub use digests::{DigestSettings, EscalationDigestSettings, LearningDigestSettings, Schedule};
pub use feed::{FeedSettings, FeedSource};
pub use learning::LearningSettings;
pub use mail::{
    AcknowledgeTo, Batching, MailSettings, OAuth2Settings, ReminderSettings, ScheduleSettings,
    Security, SendingWindow, SmtpAuth, SmtpSettings, TransportKind,
};
pub use report::ReportSettings;
pub use tracker::TrackerSettings;
pub use web::{MIN_KEY_BYTES, WebSettings};

/// The defaults, compiled in so the binary runs with no settings file at all.
pub const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Where an installed service keeps its settings.
pub const SYSTEM_FILE: &str = "/etc/casewatch/casewatch.toml";

const ENV_PREFIX: &str = "CASEWATCH";

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub calendar: CalendarSettings,
    /// `[procedures]` and `[timescales]`, read into one value.
    #[serde(flatten, serialize_with = "timescales::serialize")]
    pub timescales: Timescales,
    pub delay_reasons: DelayReasons,
    pub learning: LearningSettings,
    pub reminders: ReminderSettings,
    pub mail: MailSettings,
    pub schedule: ScheduleSettings,
    pub web: WebSettings,
    pub tracker: TrackerSettings,
    pub feed: FeedSettings,
    pub report: ReportSettings,
    pub digests: DigestSettings,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    pub max_connections: u32,
}

/// Where the store lives. A PostgreSQL URL may carry a password, so it is
/// kept as a secret and only ever displayed with the password redacted.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

/// Only a placeholder while problems are collected; it never escapes
/// `Settings::load`, which fails whenever a placeholder was used.
impl Default for DatabaseUrl {
    fn default() -> Self {
        DatabaseUrl::Sqlite(PathBuf::new())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(secret) => f.write_str(&redact_password(secret.expose_secret())),
        }
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.password().is_some() => {
            let host = parsed.host_str().unwrap_or("");
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            let user = parsed.username();
            let rest = &parsed[url::Position::BeforePath..];
            format!("{}://{user}:[redacted]@{host}{port}{rest}", parsed.scheme())
        }
        Ok(_) => url.to_owned(),
        Err(_) => "[redacted]".to_owned(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LogSettings {
    /// A level or tracing filter; empty when not set, which leaves it to
    /// the command (`LogSettings::filter`).
    pub level: String,
    pub format: LogFormat,
}

impl LogSettings {
    /// The filter in force: `log.level` when set, else `unset` (the
    /// command's own: info for `run`, warn for one-shot commands, whose
    /// output should not be followed by progress lines).
    pub fn filter<'a>(&'a self, unset: &'a str) -> &'a str {
        if self.level.is_empty() {
            unset
        } else {
            &self.level
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Which days count as working days.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalendarSettings {
    /// The bank holidays that apply (the council's part of the UK).
    pub division: Division,
    /// The council's own non-working days; they move statutory deadlines.
    pub local_closures: Vec<LocalClosure>,
}

/// A day the council is closed that is not a bank holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalClosure {
    pub date: NaiveDate,
    pub name: String,
}

impl CalendarSettings {
    /// The local closures as calendar days.
    pub fn closure_days(&self) -> Vec<HolidayDay> {
        self.local_closures
            .iter()
            .map(|c| HolidayDay::new(c.date, c.name.clone()))
            .collect()
    }
}

/// The reason categories a manager chooses from, in the order shown.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DelayReasons {
    pub categories: Vec<ReasonCategory>,
    /// The fewest characters an explanation may have: "n/a" tells the
    /// complaints team nothing.
    pub min_text_length: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonCategory {
    pub name: String,
    pub label: String,
}

impl DelayReasons {
    /// Finds a category by its short name, in any spreadsheet spelling.
    pub fn find(&self, raw: &str) -> Option<&ReasonCategory> {
        let name = normalise_word(raw);
        self.categories.iter().find(|c| c.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.categories.iter().map(|c| c.name.as_str()).collect()
    }
}

/// One thing wrong with the settings: the key, where its value came from,
/// and what is wrong. Secret values are never quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub origin: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{} (from {}): {}", self.key, self.origin, self.message)
        }
    }
}

/// Every problem found in the settings.
#[derive(Debug, thiserror::Error)]
pub struct SettingsError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{n} problem{} in the settings:",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl SettingsError {
    fn one(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                key: String::new(),
                origin: origin.into(),
                message: message.into(),
            }],
        }
    }
}

/// Picks the settings file: `--config`, else `CASEWATCH_CONFIG`, else the
/// system file if it exists. A file that was asked for must exist.
pub fn settings_file(
    flag: Option<PathBuf>,
    env: Option<PathBuf>,
) -> Result<Option<PathBuf>, SettingsError> {
    let (path, asked_by) = match (flag, env) {
        (Some(path), _) => (path, "--config"),
        (None, Some(path)) => (path, "CASEWATCH_CONFIG"),
        (None, None) => {
            let system = PathBuf::from(SYSTEM_FILE);
            return Ok(system.is_file().then_some(system));
        }
    };
    if path.is_file() {
        Ok(Some(path))
    } else {
        Err(SettingsError::one(
            asked_by,
            format!("settings file {} does not exist", path.display()),
        ))
    }
}

impl Settings {
    /// Loads the settings from the defaults, `file` and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_from(file, None)
    }

    /// As [`Settings::load`], with the `CASEWATCH__*` variables given
    /// explicitly instead of read from the process (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: Option<HashMap<String, String>>,
    ) -> Result<Self, SettingsError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            builder = builder.add_source(File::from(path).format(FileFormat::Toml));
        }
        let environment = Environment::with_prefix(ENV_PREFIX)
            .prefix_separator("__")
            .separator("__")
            .source(env.map(|vars| vars.into_iter().collect()));
        let merged = builder.add_source(environment).build().map_err(|e| {
            SettingsError::one(file_label(file), without_quoted_lines(&e.to_string()))
        })?;
        let table = merged
            .cache
            .into_table()
            .map_err(|e| SettingsError::one(file_label(file), e.to_string()))?;
        let mut reader = Reader::new(table, file_label(file));
        let settings = Self::read(&mut reader);
        reader.finish().map(|()| settings)
    }

    fn read(r: &mut Reader) -> Self {
        let data_dir = r.get("data_dir", parse_path);
        let url = r.get("database.url", |raw| parse_database_url(raw, &data_dir));
        let settings = Self {
            database: DatabaseSettings {
                url,
                max_connections: r.get("database.max_connections", |v| int_in(v, 1, 100)),
            },
            log: LogSettings {
                level: r.get("log.level", parse_log_level),
                format: r.get("log.format", |v| match string(v)?.as_str() {
                    "text" => Ok(LogFormat::Text),
                    "json" => Ok(LogFormat::Json),
                    other => Err(format!(
                        "{other:?} is not a log format; use \"text\" or \"json\""
                    )),
                }),
            },
            calendar: CalendarSettings {
                division: r.get("calendar.division", |v| {
                    Division::parse(&string(v)?).map_err(|e| e.to_string())
                }),
                local_closures: r.get("calendar.local_closures", parse_closures),
            },
            timescales: timescales::read(r),
            delay_reasons: DelayReasons {
                categories: r.get("delay_reasons.categories", parse_categories),
                min_text_length: r.get("delay_reasons.min_text_length", |v| int_in(v, 1, 500)),
            },
            learning: learning::read_learning(r),
            reminders: mail::read_reminders(r),
            mail: mail::read_mail(r, &data_dir),
            schedule: mail::read_schedule(r),
            web: web::read_web(r),
            tracker: tracker::read_tracker(r, &data_dir),
            feed: feed::read_feed(r),
            report: report::read_report(r),
            digests: digests::read_digests(r, &data_dir),
            data_dir,
        };
        mail::check_oauth2(r, &settings.mail);
        check_sending(r, &settings);
        settings
    }

    /// The settings as TOML, secrets redacted: what `check-config` prints.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot show the settings: {e}\n"))
    }
}

/// Drops the source excerpt a TOML syntax error quotes: the broken line may
/// be the one holding the database password. Line and column remain.
fn without_quoted_lines(message: &str) -> String {
    message
        .lines()
        .filter(|line| {
            let t = line.trim_start();
            let excerpt = t.starts_with('|')
                || t.split_once(" |")
                    .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
            !excerpt
        })
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Refuses settings that would send broken or unsafe mail: links that lead
/// nowhere, mail or a password in clear over the network.
fn check_sending(r: &mut Reader, s: &Settings) {
    if s.mail.transport != TransportKind::Smtp {
        return;
    }
    if !s.web.allow_private_url
        && let Some(what) = web::private_host(&s.web.public_url)
    {
        r.problem(
            "web.public_url",
            format!(
                "{} is {what}: every link in an overdue notice would lead to the reader's own \
                 computer. Set the address managers reach casewatch at (the reverse proxy's), \
                 or web.allow_private_url = true if they reach it at this one",
                s.web.public_url
            ),
        );
    }
    let smtp = &s.mail.smtp;
    if smtp.security != Security::None {
        return;
    }
    if !is_loopback(&smtp.host) {
        r.problem(
            "mail.smtp.security",
            format!(
                "\"none\" would send mail unencrypted across the network to {}: use \
                 \"starttls\" or \"tls\" (\"none\" is for a relay on this machine)",
                smtp.host
            ),
        );
    }
    if smtp.auth != SmtpAuth::None {
        r.problem(
            "mail.smtp.security",
            "\"none\" would send the login (its password or token) unencrypted: \
             use \"starttls\" or \"tls\""
                .to_owned(),
        );
    }
}

/// `localhost`, or a loopback address.
fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn file_label(file: Option<&Path>) -> String {
    file.map_or_else(|| "the settings".to_owned(), |p| p.display().to_string())
}

fn parse_path(value: &Value) -> Result<PathBuf, String> {
    let raw = string(value)?;
    if raw.trim().is_empty() {
        return Err("is empty; give a folder path".to_owned());
    }
    if raw.contains('\0') {
        return Err("contains a NUL character".to_owned());
    }
    Ok(PathBuf::from(raw))
}

/// Parses the database URL without ever quoting it back: it may hold a password.
fn parse_database_url(value: &Value, data_dir: &Path) -> Result<DatabaseUrl, String> {
    let raw = string(value)?;
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(DatabaseUrl::Sqlite(data_dir.join("casewatch.db")));
    }
    if let Some(path) = raw.strip_prefix("sqlite://") {
        if path.is_empty() || path.contains('?') {
            return Err("expected sqlite://PATH to a database file, with no options".to_owned());
        }
        return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
    }
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        let parsed = url::Url::parse(raw)
            .map_err(|e| format!("not a valid PostgreSQL URL ({e}); value not shown"))?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err("the PostgreSQL URL has no host; value not shown".to_owned());
        }
        return Ok(DatabaseUrl::Postgres(SecretString::from(raw.to_owned())));
    }
    Err(
        "expected a sqlite:// or postgres:// URL (value not shown: it may hold a password)"
            .to_owned(),
    )
}

/// A level (error, warn, info, debug, trace or off, any case; "warning"
/// taken as warn, since admins write it), or a tracing filter such as
/// "info,sqlx=warn". A bare word that is not a level is refused: the filter
/// syntax would take it as a target's name and silence every other line,
/// which is what "warning" did.
fn parse_log_level(value: &Value) -> Result<String, String> {
    let raw = string(value)?;
    // Empty, the default: the command chooses (`LogSettings::filter`).
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    let directives = raw
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(log_directive)
        .collect::<Result<Vec<_>, _>>()?;
    if directives.is_empty() {
        return Err("empty; use error, warn, info, debug or trace".to_owned());
    }
    let filter = directives.join(",");
    tracing_subscriber::EnvFilter::try_new(&filter)
        .map(|_| filter.clone())
        .map_err(|e| format!("{raw:?} is not a log level or filter: {e}"))
}

/// One directive of a filter, its level spelt as tracing spells it.
fn log_directive(directive: &str) -> Result<String, String> {
    match directive.rsplit_once('=') {
        // "target=level", the level after the last '='.
        Some((target, level)) if !level.contains(']') => {
            Ok(format!("{target}={}", log_level_word(level)?))
        }
        // A span filter ("target[span{field=value}]"): EnvFilter checks it.
        _ if directive.contains('[') => Ok(directive.to_owned()),
        _ => log_level_word(directive).map(str::to_owned),
    }
}

fn log_level_word(word: &str) -> Result<&'static str, String> {
    const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
    let word = word.trim();
    if word.eq_ignore_ascii_case("warning") {
        return Ok("warn");
    }
    LEVELS
        .into_iter()
        .find(|level| word.eq_ignore_ascii_case(level))
        .ok_or_else(|| {
            format!(
                "{word:?} is not a log level; use error, warn, info, debug or trace \
                 (or a filter such as \"info,sqlx=warn\")"
            )
        })
}

fn parse_closures(value: &Value) -> Result<Vec<LocalClosure>, String> {
    let items = value
        .clone()
        .into_array()
        .map_err(|_| "expected a list of { date, name } tables".to_owned())?;
    let mut closures: Vec<LocalClosure> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = |message: String| format!("item {}: {message}", i + 1);
        let mut table = item
            .into_table()
            .map_err(|_| at("expected { date = \"YYYY-MM-DD\", name = \"...\" }".to_owned()))?;
        let raw_date = table
            .remove("date")
            .ok_or_else(|| at("date is missing".to_owned()))?;
        let date = parse_date(&string(&raw_date)?).map_err(|e| at(format!("date: {}", e.0)))?;
        if !(FIRST_DAY..=LAST_DAY).contains(&date) {
            return Err(at(format!(
                "date: {date} is outside the calendar ({FIRST_DAY} to {LAST_DAY})"
            )));
        }
        if closures.iter().any(|c| c.date == date) {
            return Err(at(format!("date: {date} is listed more than once")));
        }
        let name = match table.remove("name") {
            Some(v) => string(&v)?.trim().to_owned(),
            None => "Local closure".to_owned(),
        };
        if name.is_empty() {
            return Err(at("name is empty".to_owned()));
        }
        if let Some(other) = table.keys().next() {
            return Err(at(format!("unknown field {other:?}; use date and name")));
        }
        closures.push(LocalClosure { date, name });
    }
    closures.sort_by_key(|c| c.date);
    Ok(closures)
}

fn parse_categories(value: &Value) -> Result<Vec<ReasonCategory>, String> {
    let items = value
        .clone()
        .into_array()
        .map_err(|_| "expected a list of { name, label } tables".to_owned())?;
    if items.is_empty() {
        return Err("needs at least one category".to_owned());
    }
    let mut categories: Vec<ReasonCategory> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let mut table = item
            .into_table()
            .map_err(|_| format!("item {}: expected {{ name, label }}", i + 1))?;
        let mut field = |name: &str| -> Result<String, String> {
            let v = table
                .remove(name)
                .ok_or_else(|| format!("item {}: {name} is missing", i + 1))?;
            let s = string(&v)?;
            if s.trim().is_empty() {
                return Err(format!("item {}: {name} is empty", i + 1));
            }
            Ok(s.trim().to_owned())
        };
        let name = normalise_word(&field("name")?);
        let label = field("label")?;
        if let Some(extra) = table.keys().next() {
            return Err(format!("item {}: unknown field {extra:?}", i + 1));
        }
        if categories.iter().any(|c| c.name == name) {
            return Err(format!("item {}: {name:?} is listed twice", i + 1));
        }
        categories.push(ReasonCategory { name, label });
    }
    Ok(categories)
}
