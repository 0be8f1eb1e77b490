//! Settings for reminders, e-mail delivery and the daemon's schedule.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use config::Value;
use croner::parser::{CronParser, Seconds};
use lettre::message::Mailbox;
use secrecy::SecretString;
use serde::{Serialize, Serializer};

use super::reader::{Reader, boolean, int_in, string};

/// When reminders go out, relative to a stage's deadline.
#[derive(Debug, Clone, Serialize)]
pub struct ReminderSettings {
    /// Working days before the deadline for each "due soon" reminder,
    /// largest first.
    pub due_soon_days: Vec<u32>,
    /// Whether a reminder goes out on the deadline day itself.
    pub due_today: bool,
    /// The overdue notice repeats every this many working days until a
    /// reason for the delay has been given.
    pub overdue_repeat_days: u32,
    /// Working days overdue at which the case is escalated.
    pub escalate_after_days: u32,
    /// A stage answered late with no reason is asked about once, if it was
    /// answered at most this many working days ago (0: never).
    pub answered_late_within_days: u32,
    pub batch: Batching,
    /// Who is reminded of acknowledgements due.
    pub acknowledge_to: AcknowledgeTo,
    /// Each section of an e-mail lists at most this many cases, most urgent
    /// first, and counts the rest: a list of thousands is unread, and a
    /// message of megabytes is refused by many mail servers.
    pub cases_per_section: u32,
}

/// Who acknowledges complaints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AcknowledgeTo {
    /// The complaints team, which logs complaints and acknowledges them.
    #[default]
    Team,
    /// The manager responsible for the case.
    Manager,
}

/// How reminders are grouped into e-mails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Batching {
    /// One e-mail per recipient per day, listing all their cases.
    #[default]
    Recipient,
    /// One e-mail per case and reminder.
    Case,
}

#[derive(Debug, Clone, Serialize)]
pub struct MailSettings {
    pub transport: TransportKind,
    #[serde(serialize_with = "display")]
    pub from: Mailbox,
    #[serde(serialize_with = "display")]
    pub reply_to: Mailbox,
    /// Copied on escalations; told about messages that could not be delivered.
    #[serde(serialize_with = "display")]
    pub complaints_team: Mailbox,
    /// Where the `file` transport writes `.eml` files.
    pub dir: PathBuf,
    /// A folder whose templates replace the built-in ones of the same name.
    pub templates_dir: Option<PathBuf>,
    #[serde(rename = "send_timeout_seconds", serialize_with = "seconds")]
    pub send_timeout: Duration,
    pub max_attempts: u32,
    #[serde(rename = "retry_delay_seconds", serialize_with = "seconds")]
    pub retry_delay: Duration,
    #[serde(flatten)]
    pub window: SendingWindow,
    pub smtp: SmtpSettings,
    pub oauth2: OAuth2Settings,
}

/// How casewatch logs in to the relay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpAuth {
    #[default]
    None,
    /// `mail.smtp.username` and `mail.smtp.password`.
    Password,
    /// OAuth2 (SASL XOAUTH2) as `mail.smtp.username`, with a token from
    /// `[mail.oauth2]`: what Microsoft 365 needs once basic authentication
    /// is retired.
    Xoauth2,
}

/// Where an OAuth2 access token comes from: the client-credentials grant
/// at an identity platform's token endpoint (Microsoft Entra ID's).
#[derive(Debug, Clone, Serialize)]
pub struct OAuth2Settings {
    #[serde(serialize_with = "display_or_empty")]
    pub token_url: Option<url::Url>,
    pub client_id: String,
    #[serde(serialize_with = "redacted")]
    pub client_secret: Option<SecretString>,
    pub scope: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// One `.eml` file per message in `mail.dir`.
    #[default]
    File,
    Smtp,
}

/// The local times on working days between which e-mail may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SendingWindow {
    #[serde(rename = "window_start", serialize_with = "hours_minutes")]
    pub start: NaiveTime,
    #[serde(rename = "window_end", serialize_with = "hours_minutes")]
    pub end: NaiveTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub auth: SmtpAuth,
    pub username: Option<String>,
    #[serde(serialize_with = "redacted")]
    pub password: Option<SecretString>,
    pub pool_size: u32,
    #[serde(rename = "connect_timeout_seconds", serialize_with = "seconds")]
    pub connect_timeout: Duration,
    /// An extra certificate authority to trust (PEM), for a private relay.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    None,
    #[default]
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleSettings {
    /// Cron expression (with seconds) for the daemon's poll, Europe/London.
    pub poll: String,
}

pub(super) fn read_reminders(r: &mut Reader) -> ReminderSettings {
    ReminderSettings {
        due_soon_days: r.get("reminders.due_soon_days", parse_due_soon),
        due_today: r.get("reminders.due_today", boolean),
        overdue_repeat_days: r.get("reminders.overdue_repeat_days", |v| int_in(v, 1, 100)),
        escalate_after_days: r.get("reminders.escalate_after_days", |v| int_in(v, 1, 500)),
        answered_late_within_days: r
            .get("reminders.answered_late_within_days", |v| int_in(v, 0, 250)),
        batch: r.get("reminders.batch", |v| match string(v)?.as_str() {
            "recipient" => Ok(Batching::Recipient),
            "case" => Ok(Batching::Case),
            other => Err(format!("{other:?}: use \"recipient\" or \"case\"")),
        }),
        acknowledge_to: r.get("reminders.acknowledge_to", |v| match string(v)?.as_str() {
            "team" => Ok(AcknowledgeTo::Team),
            "manager" => Ok(AcknowledgeTo::Manager),
            other => Err(format!("{other:?}: use \"team\" or \"manager\"")),
        }),
        cases_per_section: r.get("reminders.cases_per_section", |v| int_in(v, 1, 10_000)),
    }
}

pub(super) fn read_mail(r: &mut Reader, data_dir: &Path) -> MailSettings {
    let transport = r.get("mail.transport", |v| match string(v)?.as_str() {
        "file" => Ok(TransportKind::File),
        "smtp" => Ok(TransportKind::Smtp),
        other => Err(format!("{other:?}: use \"file\" or \"smtp\"")),
    });
    let mailbox = |r: &mut Reader, key: &str| -> Mailbox {
        let parsed: Option<Mailbox> = r.optional(key, parse_mailbox);
        match parsed {
            Some(m)
                if transport == TransportKind::Smtp && m.email.domain().ends_with(".example") =>
            {
                r.problem(key, format!("{} is the example address; set the council's real one before sending by SMTP", m.email));
                m
            }
            Some(m) => m,
            None => {
                if !r.has_problem(key) {
                    r.problem(key, "is missing".to_owned());
                }
                placeholder_mailbox()
            }
        }
    };
    let from = mailbox(r, "mail.from");
    let reply_to = mailbox(r, "mail.reply_to");
    let complaints_team = mailbox(r, "mail.complaints_team");
    let dir = r
        .get("mail.dir", optional_path)
        .unwrap_or_else(|| data_dir.join("mail"));
    let start = r.get("mail.window_start", parse_time);
    let end = r.get("mail.window_end", parse_time);
    if start >= end {
        r.problem(
            "mail.window_end",
            format!(
                "must be later than mail.window_start ({})",
                start.format("%H:%M")
            ),
        );
    }
    MailSettings {
        transport,
        from,
        reply_to,
        complaints_team,
        dir,
        templates_dir: r.get("mail.templates_dir", optional_path),
        send_timeout: Duration::from_secs(
            r.get("mail.send_timeout_seconds", |v| int_in(v, 1, 600)),
        ),
        max_attempts: r.get("mail.max_attempts", |v| int_in(v, 1, 100)),
        retry_delay: Duration::from_secs(
            r.get("mail.retry_delay_seconds", |v| int_in(v, 1, 86_400)),
        ),
        window: SendingWindow { start, end },
        smtp: read_smtp(r),
        oauth2: read_oauth2(r),
    }
}

fn read_smtp(r: &mut Reader) -> SmtpSettings {
    let username = r.get("mail.smtp.username", |v| {
        string(v).map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
    });
    // The password is never quoted back, whatever is wrong with it.
    let password = r.get("mail.smtp.password", |v| {
        string(v).map(|s| (!s.is_empty()).then(|| SecretString::from(s)))
    });
    let auth = r.get("mail.smtp.auth", |v| match string(v)?.trim() {
        "" if username.is_some() => Ok(SmtpAuth::Password),
        "" | "none" => Ok(SmtpAuth::None),
        "password" => Ok(SmtpAuth::Password),
        "xoauth2" => Ok(SmtpAuth::Xoauth2),
        other => Err(format!(
            "{other:?}: use \"password\", \"xoauth2\" or \"none\""
        )),
    });
    match auth {
        SmtpAuth::Password if username.is_none() || password.is_none() => r.problem(
            "mail.smtp.username",
            "set both mail.smtp.username and mail.smtp.password, or neither".to_owned(),
        ),
        SmtpAuth::Xoauth2 if username.is_none() => r.problem(
            "mail.smtp.username",
            "with auth = \"xoauth2\", give the mailbox casewatch sends as".to_owned(),
        ),
        SmtpAuth::Xoauth2 if password.is_some() => r.problem(
            "mail.smtp.password",
            "is not used with auth = \"xoauth2\" (the token comes from [mail.oauth2]): leave it empty"
                .to_owned(),
        ),
        SmtpAuth::None if username.is_some() || password.is_some() => r.problem(
            "mail.smtp.auth",
            "is \"none\", but a username or password is set: set auth = \"password\", or leave them empty"
                .to_owned(),
        ),
        _ => {}
    }
    SmtpSettings {
        auth,
        host: r.get("mail.smtp.host", |v| {
            let host = string(v)?.trim().to_owned();
            if host.is_empty() {
                Err("is empty; give the mail relay's host name".to_owned())
            } else {
                Ok(host)
            }
        }),
        port: r.get("mail.smtp.port", |v| int_in(v, 1, 65_535)),
        security: r.get("mail.smtp.security", |v| match string(v)?.as_str() {
            "none" => Ok(Security::None),
            "starttls" => Ok(Security::Starttls),
            "tls" => Ok(Security::Tls),
            other => Err(format!("{other:?}: use \"none\", \"starttls\" or \"tls\"")),
        }),
        username,
        password,
        pool_size: r.get("mail.smtp.pool_size", |v| int_in(v, 1, 64)),
        connect_timeout: Duration::from_secs(
            r.get("mail.smtp.connect_timeout_seconds", |v| int_in(v, 1, 300)),
        ),
        ca_file: r.get("mail.smtp.ca_file", optional_path),
    }
}

/// `[mail.oauth2]`; whether it is complete is checked when `auth` is
/// `xoauth2` (`check_oauth2`).
fn read_oauth2(r: &mut Reader) -> OAuth2Settings {
    let text = |r: &mut Reader, key: &str| {
        r.get(key, |v| {
            string(v).map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
        })
    };
    let tenant = r.get("mail.oauth2.tenant", |v| {
        let tenant = string(v)?.trim().to_owned();
        if tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            Ok(Some(tenant).filter(|t| !t.is_empty()))
        } else {
            Err(format!(
                "{tenant:?} is not a tenant: give its id (a GUID) or its domain, e.g. northmere.onmicrosoft.com"
            ))
        }
    });
    let token_url = r.get("mail.oauth2.token_url", |v| {
        let raw = string(v)?;
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL ({e})"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!("{raw:?}: use an https:// address"));
        }
        Ok(Some(url))
    });
    let token_url = token_url.or_else(|| {
        tenant.and_then(|t| {
            url::Url::parse(&format!(
                "https://login.microsoftonline.com/{t}/oauth2/v2.0/token"
            ))
            .ok()
        })
    });
    OAuth2Settings {
        token_url,
        client_id: text(r, "mail.oauth2.client_id").unwrap_or_default(),
        // The secret is never quoted back, whatever is wrong with it.
        client_secret: r.get("mail.oauth2.client_secret", |v| {
            string(v).map(|s| (!s.is_empty()).then(|| SecretString::from(s)))
        }),
        scope: text(r, "mail.oauth2.scope").unwrap_or_default(),
    }
}

/// With `auth = "xoauth2"`, `[mail.oauth2]` must say where the token comes
/// from and for whom.
pub(super) fn check_oauth2(r: &mut Reader, mail: &MailSettings) {
    if mail.smtp.auth != SmtpAuth::Xoauth2 {
        return;
    }
    let o = &mail.oauth2;
    if o.token_url.is_none() {
        r.problem(
            "mail.oauth2.tenant",
            "with auth = \"xoauth2\", give the Microsoft 365 tenant (or mail.oauth2.token_url)"
                .to_owned(),
        );
    }
    if o.client_id.is_empty() {
        r.problem(
            "mail.oauth2.client_id",
            "with auth = \"xoauth2\", give the app registration's application (client) id"
                .to_owned(),
        );
    }
    if o.client_secret.is_none() {
        r.problem(
            "mail.oauth2.client_secret",
            "with auth = \"xoauth2\", give the app registration's client secret \
             (CASEWATCH__MAIL__OAUTH2__CLIENT_SECRET)"
                .to_owned(),
        );
    }
    if o.scope.is_empty() {
        r.problem("mail.oauth2.scope", "is empty".to_owned());
    }
}

pub(super) fn read_schedule(r: &mut Reader) -> ScheduleSettings {
    ScheduleSettings {
        poll: r.get("schedule.poll", cron),
    }
}

/// A cron expression with seconds, parsed as the scheduler will parse it.
pub(super) fn cron(value: &Value) -> Result<String, String> {
    let cron = string(value)?.trim().to_owned();
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(&cron)
        .map(|_| cron.clone())
        .map_err(|e| format!("{cron:?} is not a cron expression with seconds ({e})"))
}

fn parse_due_soon(value: &Value) -> Result<Vec<u32>, String> {
    let items = value
        .clone()
        .into_array()
        .map_err(|_| "expected a list of working days, e.g. [5, 2]".to_owned())?;
    let mut days = items
        .iter()
        .map(|v| int_in(v, 1, 100))
        .collect::<Result<Vec<u32>, String>>()?;
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Ok(days)
}

fn parse_mailbox(value: &Value) -> Result<Mailbox, String> {
    let raw = string(value)?;
    raw.trim()
        .parse()
        .map_err(|e| format!("{raw:?} is not an e-mail address such as \"Complaints <complaints@council.gov.uk>\" ({e})"))
}

/// Lettre's `Mailbox` has no `Default`; this one only stands in while
/// problems are collected and never escapes a failed load.
fn placeholder_mailbox() -> Mailbox {
    Mailbox::new(
        None,
        lettre::Address::new("invalid", "invalid.example").expect("valid address"),
    )
}

fn optional_path(value: &Value) -> Result<Option<PathBuf>, String> {
    let raw = string(value)?;
    if raw.contains('\0') {
        return Err("contains a NUL character".to_owned());
    }
    Ok((!raw.trim().is_empty()).then(|| PathBuf::from(raw.trim())))
}

fn parse_time(value: &Value) -> Result<NaiveTime, String> {
    let raw = string(value)?;
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| format!("{raw:?} is not a time such as \"08:00\""))
}

fn display<S: Serializer, T: std::fmt::Display>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

fn seconds<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(value.as_secs())
}

fn hours_minutes<S: Serializer>(value: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&value.format("%H:%M"))
}

fn display_or_empty<S: Serializer>(value: &Option<url::Url>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.as_ref().map_or("", url::Url::as_str))
}

fn redacted<S: Serializer>(value: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if value.is_some() { "[redacted]" } else { "" })
}
