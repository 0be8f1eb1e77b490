//! `casewatch run`: the long-running service.
//!
//! Start-up is split from running: [`Daemon::build`] checks everything that
//! can be wrong with the settings (templates, transport, database) before
//! systemd is told the service is ready. While running, a cron trigger
//! (tokio-cron-scheduler) wakes one loop that polls and drains the outbox;
//! what is due and what was sent live in the database, so a missed, late or
//! extra trigger does no harm. SIGTERM or SIGINT stops new sends, lets the
//! ones in flight finish, and exits within the grace period.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use sd_notify::NotifyState;
use tokio::sync::{Notify, watch};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::mail::{Sender, Templates, Transport};
use crate::remind::Poll;
use crate::settings::Settings;
use crate::store::Store;
use crate::tracker::TrackerJob;
use crate::web::health::PollFigures;
use crate::web::{self, AppState, Health, LinkKeys};

/// How long in-flight sends may take to finish after a stop signal; systemd
/// waits 90 seconds by default, the issue asks for 10.
const GRACE: Duration = Duration::from_secs(8);

/// Why the daemon could not start: bad settings (exit 2) or a failure at
/// run time such as an unreachable database (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Settings(anyhow::Error),
    #[error(transparent)]
    Runtime(anyhow::Error),
}

pub struct Daemon {
    settings: Arc<Settings>,
    store: Store,
    templates: Arc<Templates>,
    sender: Sender,
    keys: LinkKeys,
    health: Arc<Health>,
    /// Bound at build, so a taken port fails start-up; moved into the
    /// server when it starts.
    listener: Option<tokio::net::TcpListener>,
}

impl Daemon {
    /// Checks the templates and the transport, opens the database and
    /// brings its schema up to date.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let templates = Templates::load(settings.mail.templates_dir.as_deref())
            .map_err(|e| StartError::Settings(e.into()))?;
        let transport =
            Transport::from_settings(&settings.mail).map_err(|e| StartError::Settings(e.into()))?;
        let keys = crate::web::keys::load(&settings).map_err(StartError::Runtime)?;
        let listener = tokio::net::TcpListener::bind(settings.web.bind)
            .await
            .map_err(|e| {
                StartError::Runtime(anyhow::anyhow!(
                    "cannot listen on {} (web.bind): {e}",
                    settings.web.bind
                ))
            })?;
        let store = Store::open(&settings.database)
            .await
            .map_err(|e| StartError::Runtime(e.into()))?;
        let sender = Sender::new(store.clone(), transport, settings.mail.clone());
        Ok(Self {
            settings: Arc::new(settings),
            store,
            templates: Arc::new(templates),
            sender,
            keys,
            health: Arc::new(Health::default()),
            listener: Some(listener),
        })
    }

    /// The address the web server listens on (useful with port 0).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.listener.as_ref()?.local_addr().ok()
    }

    /// Runs until SIGTERM or SIGINT.
    pub async fn run(mut self) -> anyhow::Result<()> {
        let wake = Arc::new(Notify::new());
        let mut scheduler = self.schedule(wake.clone()).await?;
        let (stop_tx, stop) = watch::channel(false);
        let web = self.serve(stop.clone())?;
        let daemon = Arc::new(self);
        let worker = tokio::spawn({
            let daemon = daemon.clone();
            let stop = stop.clone();
            async move { daemon.work(&wake, stop).await }
        });
        notify(&[NotifyState::Ready]);
        tracing::info!(poll = %daemon.settings.schedule.poll, "casewatch is running");
        let watchdog = watchdog();

        shutdown_signal().await?;
        tracing::info!("stopping: finishing the e-mails in flight, starting none");
        notify(&[NotifyState::Stopping]);
        let _ = stop_tx.send(true);
        if let Err(e) = scheduler.shutdown().await {
            tracing::warn!(error = %e, "the poll trigger did not stop cleanly");
        }
        let finished = async {
            let _ = worker.await;
            let _ = web.await;
        };
        if tokio::time::timeout(GRACE, finished).await.is_err() {
            // Claims of unfinished sends run out and another sender retries them.
            tracing::warn!(
                "e-mails still in flight after {} seconds; leaving them to be retried",
                GRACE.as_secs()
            );
        }
        if let Some(pinger) = watchdog {
            pinger.abort();
        }
        daemon.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }

    /// Starts the web server on the bound listener; it stops taking new
    /// requests when `stop` turns true and finishes the ones it has.
    fn serve(
        &mut self,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        let state = AppState {
            store: self.store.clone(),
            settings: self.settings.clone(),
            templates: self.templates.clone(),
            keys: self.keys.clone(),
            health: self.health.clone(),
        };
        let listener = self
            .listener
            .take()
            .context("the web server was started twice")?;
        tracing::info!(address = %listener.local_addr()?, public_url = %self.settings.web.public_url, "web server listening");
        Ok(tokio::spawn(async move {
            let shutdown = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            if let Err(e) = axum::serve(listener, web::router(state))
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "the web server stopped");
            }
        }))
    }

    /// The cron trigger: it only wakes the work loop.
    async fn schedule(&self, wake: Arc<Notify>) -> anyhow::Result<JobScheduler> {
        let scheduler = JobScheduler::new()
            .await
            .context("cannot start the poll trigger")?;
        let job = Job::new_async(self.settings.schedule.poll.as_str(), move |_, _| {
            let wake = wake.clone();
            Box::pin(async move { wake.notify_one() })
        })
        .context("schedule.poll")?;
        scheduler
            .add(job)
            .await
            .context("cannot add the poll trigger")?;
        scheduler
            .start()
            .await
            .context("cannot start the poll trigger")?;
        Ok(scheduler)
    }

    /// Polls at once, then each time the trigger fires, until told to stop.
    async fn work(&self, wake: &Notify, mut stop: watch::Receiver<bool>) {
        loop {
            self.tick(&stop).await;
            tokio::select! {
                () = wake.notified() => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// One poll and one drain. Failures are logged and the next trigger
    /// tries again: a database restart must not stop the service.
    async fn tick(&self, stop: &watch::Receiver<bool>) {
        let now = Utc::now();
        let calendar = match self
            .store
            .calendar(&self.settings.calendar, self.settings.calendar.division)
            .await
        {
            Ok(calendar) => calendar,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the holidays; will try again");
                return;
            }
        };
        let poll = Poll {
            store: &self.store,
            settings: &self.settings,
            calendar: &calendar,
            templates: &self.templates,
            keys: &self.keys,
        };
        let started = std::time::Instant::now();
        let polled = poll.run(now).await;
        match &polled {
            Ok(report) if !report.after_window => self.health.polled(
                now,
                PollFigures {
                    open: report.stages,
                    overdue: report.overdue,
                    overdue_with_reason: report.overdue_with_reason,
                    duration_seconds: started.elapsed().as_secs_f64(),
                },
            ),
            Ok(_) => self.health.polled_idle(now),
            Err(_) => self.health.poll_failed(),
        }
        match polled {
            Ok(report) if report.after_window => {
                tracing::debug!("the sending window has closed for today; nothing to record");
            }
            Ok(report) => tracing::info!(
                stages = report.stages,
                due = report.due,
                recorded = report.recorded,
                queued = report.messages,
                "polled"
            ),
            Err(e) => tracing::error!(error = %e, "poll failed; will try again"),
        }
        let tracker = TrackerJob {
            store: &self.store,
            settings: &self.settings,
            templates: &self.templates,
            calendar: &calendar,
        };
        match tracker.run_if_due(self.sender.transport(), now).await {
            Ok(Some(made)) => {
                tracing::info!(week = %made.week, files = made.files.len(), "weekly tracker made")
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "the weekly tracker failed; will try again")
            }
        }
        match self.sender.drain(&calendar, now, stop).await {
            Ok(r) if r.sent + r.retrying + r.failed + r.expired > 0 => tracing::info!(
                sent = r.sent,
                retrying = r.retrying,
                failed = r.failed,
                expired = r.expired,
                "outbox drained"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sending failed; will try again"),
        }
    }
}

/// Tells systemd (when it is listening) how the service is doing.
fn notify(state: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::debug!(error = %e, "cannot notify systemd");
    }
}

/// Pings systemd's watchdog at half its interval, when it asks for pings.
/// The pings come from the same runtime as the work, so a runtime that
/// stops making progress stops pinging and systemd restarts the service.
fn watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled()? / 2;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        loop {
            ticks.tick().await;
            notify(&[NotifyState::Watchdog]);
        }
    }))
}

async fn shutdown_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    tokio::select! {
        _ = term.recv() => {}
        result = tokio::signal::ctrl_c() => result.context("cannot listen for SIGINT")?,
    }
    Ok(())
}
