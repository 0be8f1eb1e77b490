//! casewatch keeps council complaint responses on time.
//!
//! It loads cases from the complaints team's CSV exports, works out each
//! stage's deadline in working days, reminds the responsible manager before it,
//! asks for the reason for a delay after it, and writes the weekly tracker and
//! the annual report figures.
//!
//! # Map of the crate
//!
//! The core is pure: it reads no clock and does no I/O, so "today" is always
//! an argument. Input and output sit at the edges. `ARCHITECTURE.md` is the
//! developers' guide.
//!
//! The modules form layers, listed from the top. A module imports only
//! from the layers below its own, never from its own layer or above, so the
//! modules form no cycle and each layer can be read knowing only those
//! beneath it.
//!
//! | layer | module | holds |
//! |---|---|---|
//! | commands | [`cli`] | the `casewatch` commands; `main.rs` only parses and calls [`cli::run`] |
//! | service | [`daemon`] | `casewatch run`: waiting for the database, the cron trigger, the poll-and-send loop, several instances, signals and systemd notification |
//! | | [`web`] | the delay-reason form behind signed links, `/healthz` and `/metrics` |
//! | | [`live`] | the settings, templates, transport and link keys in force in `run`, replaced whole on SIGHUP |
//! | feeds | [`feed`] | the case feed: a drop folder, a program or a reporting database, imported on a schedule; runs recorded, stale data held back |
//! | | [`demo`] | a synthetic council year, written as CSV files and imported |
//! | jobs | [`tracker`], [`digest`], [`report`], [`import`] | the weekly tracker (figures pure; HTML, CSV, XLSX; the weekly job), the learning and heads-of-service digests (figures pure; HTML, CSV; the job that makes each once per period and queues its e-mails), the annual report (figures and tables, pure), all-or-nothing CSV import |
//! | reminders | [`remind`] | the policy (pure: which reminders a stage needs today), the poll that records them, and what a reminder e-mail says (compose, notice, `.ics`) |
//! | delivery | [`mail`] | building Internet messages, the file and SMTP transports, the outbox sender |
//! | data | [`store`] | the database: SQLite or PostgreSQL behind one API, one SQL text per query, migrations per backend |
//! | presentation | [`templates`] | the minijinja templates of e-mails, pages and reports, checked against samples at load |
//! | | [`views`], [`format`], [`links`], [`telemetry`] | what templates are given; dates, deadlines and percentages as people read them; signing and verifying links; logging |
//! | settings | [`settings`] | typed settings from `config/default.toml`, a settings file and `CASEWATCH__*` variables, checked once |
//! | core | [`timescale`] | complaint procedures: the named presets, what each stage allows (acknowledgement, clock start, working days, extension cap), a stage's deadlines (pure) |
//! | | [`calendar`], [`domain`] | working days by UK division (pure); parsed values such as [`domain::Reference`], [`domain::Email`], [`domain::Reminder`] |
//!
//! Data flows one way: feed or import → store → poll (policy, compose) →
//! reminders and outbox → sender → SMTP. The tracker and the report only
//! read the store; the digests read it and queue e-mails in its outbox.

pub mod calendar;
pub mod cli;
pub mod daemon;
pub mod demo;
pub mod digest;
pub mod domain;
pub mod feed;
pub mod format;
pub mod import;
pub mod links;
pub mod live;
pub mod mail;
pub mod remind;
pub mod report;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod templates;
pub mod timescale;
pub mod tracker;
pub mod views;
pub mod web;
