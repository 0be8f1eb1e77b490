//! Talking to systemd and listening for its signals.

use anyhow::Context;
use sd_notify::NotifyState;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// Tells systemd (when it is listening) how the service is doing.
pub(super) fn notify(state: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::debug!(error = %e, "cannot notify systemd");
    }
}

/// The line `systemctl status` shows.
pub(super) fn status(text: &str) {
    notify(&[NotifyState::Status(text)]);
}

/// Pings systemd's watchdog at half its interval, when it asks for pings.
/// The pings come from the same runtime as the work, so a runtime that
/// stops making progress stops pinging and systemd restarts the service.
pub(super) fn watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled()? / 2;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            notify(&[NotifyState::Watchdog]);
        }
    }))
}

/// Turns true on the first SIGTERM or SIGINT. Listening starts at once, so
/// a stop during start-up (say, while waiting for the database) is heard.
pub(super) fn stop_signal() -> anyhow::Result<watch::Receiver<bool>> {
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        let _ = tx.send(true);
    });
    Ok(rx)
}

/// Waits until `stop` turns true.
pub(super) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}
