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
//! an argument. Input and output sit at the edges.
//!
//! | module | holds |
//! |---|---|
//! | [`calendar`] | working days: UK bank holidays by division, O(1) deadlines and working-day differences (pure) |
//! | [`domain`] | parsed values: [`domain::Reference`], [`domain::Email`], [`domain::Kind`], [`domain::Stage`], records to store |
//! | [`timescale`] | kind × stage → working days allowed and extension caps (pure) |
//! | [`settings`] | typed settings from `config/default.toml`, a settings file and `CASEWATCH__*` variables |
//! | [`telemetry`] | tracing set-up: text or JSON logs on standard error |
//! | [`store`] | the database, SQLite or PostgreSQL behind one API, with migrations per backend |
//! | [`import`] | all-or-nothing CSV import of staff and cases (pure parsing and checks) |
//! | [`demo`] | a synthetic council year, written as CSV files and imported |
//! | [`remind`] | the reminder policy (pure: which reminders a stage needs today) and the poll that records them |
//! | [`report`] | the annual report: figures for a period from stage facts, and their tables (pure) |
//! | [`mail`] | templates, composing e-mails, building messages, file and SMTP transports, the outbox sender |
//! | [`tracker`] | the weekly tracker: figures (pure), HTML, CSV and XLSX files, the weekly job |
//! | [`templates`] | the minijinja templates of e-mails, pages and reports, checked at load |
//! | [`web`] | the delay-reason form behind signed links, `/healthz` and `/metrics` |
//! | [`live`] | the settings and templates in force in `run`, replaced whole on SIGHUP |
//! | [`daemon`] | `casewatch run`: waiting for the database, the cron trigger, the poll-and-send loop, several instances, signals and systemd notification |
//! | [`cli`] | the `casewatch` commands; `main.rs` only parses and calls [`cli::run`] |
//!
//! Data flows one way: import → store → poll (policy) → reminders and outbox → sender → SMTP.
//! The report only reads the store.

pub mod calendar;
pub mod cli;
pub mod daemon;
pub mod demo;
pub mod domain;
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
