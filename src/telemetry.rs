//! Logging: readable text by default, JSON lines for log shippers.
//! Logs go to standard error so command output on standard output stays clean.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, LogSettings};

/// Installs the global subscriber. `RUST_LOG`, when set, wins over the
/// settings; `unset` is the level when `log.level` is not set either.
/// Calling it twice (as tests may) keeps the first subscriber.
pub fn init(settings: &LogSettings, unset: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(quiet_dependencies(settings.filter(unset))))
        .unwrap_or_else(|_| EnvFilter::new(unset));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only where a person watches; never into the journal.
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The scheduler crate reports its own start-up at info level; keep that
/// out of the journal unless the admin's filter names it.
fn quiet_dependencies(level: &str) -> String {
    if level.contains("tokio_cron_scheduler") {
        level.to_owned()
    } else {
        format!("{level},tokio_cron_scheduler=warn")
    }
}
