//! `casewatch run`: the long-running service.
//!
//! Start-up is split from running: [`Daemon::build`] checks everything that
//! can be wrong with the settings (templates, transport, link keys, the
//! listening address, a second instance on one SQLite file) before anything
//! waits. [`Daemon::run`] then waits for the database, tells systemd it is
//! ready only once connected, and works: a cron trigger (tokio-cron-scheduler)
//! wakes one loop that polls and drains the outbox, and the loop also wakes
//! when the next retry falls due. What is due and what was sent live in the
//! database, so a missed, late or extra trigger does no harm, and several
//! instances on one PostgreSQL database share the work: one polls at a time
//! (an advisory lock), senders claim e-mails with `SKIP LOCKED`, and each
//! week's tracker and each period's digests are claimed once. SIGHUP
//! re-reads the settings and templates; SIGTERM or SIGINT stops new sends,
//! lets the ones in flight finish, and exits within the grace period.

mod start;
mod systemd;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sd_notify::NotifyState;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, watch};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::calendar::Calendar;
use crate::digest::{self, DigestJob};
use crate::domain::london_time;
use crate::feed::Feed;
use crate::live::{Live, Loaded};
use crate::mail::{SendError, SendReport, Sender};
use crate::remind::Poll;
use crate::settings::Settings;
use crate::store::{DigestKind, SingleJob, Store};
use crate::tracker::{Due, TrackerJob};
use crate::web::health::PollFigures;
use crate::web::{self, AppState, Health};
use start::InstanceLock;
use systemd::{notify, status, stopped};

/// How long in-flight sends may take to finish after a stop signal; systemd
/// waits 90 seconds by default, the issue asks for 10.
const GRACE: Duration = Duration::from_secs(8);

/// Why the daemon could not start: bad settings (exit 2) or a failure at
/// run time such as a database that refuses the password (exit 1).
pub use crate::live::LoadError as StartError;

/// A daemon checked and bound, not yet connected.
pub struct Daemon {
    live: Live,
    /// The settings file SIGHUP reads again.
    file: Option<PathBuf>,
    /// Bound at build, so a taken port fails start-up.
    listener: tokio::net::TcpListener,
    _instance: Option<InstanceLock>,
}

/// A daemon connected and running.
struct Running {
    live: Live,
    store: Store,
    health: Arc<Health>,
    /// Set by the feed's trigger (and at start): the next round of work
    /// runs the feed before it polls, so the poll sees the new data.
    feed_due: AtomicBool,
    /// Names this process in claims on shared work.
    worker: String,
    /// The mail server's last refusal of the login, while the settings it
    /// refused are in force.
    login_refused: std::sync::Mutex<Option<LoginRefused>>,
}

/// A login the mail server refused: no more attempts with the same
/// settings until [`LOGIN_RETRY_MINUTES`] have passed, so a wrong password
/// does not lock the council's mailbox; new settings (SIGHUP) try at once.
struct LoginRefused {
    settings: Arc<Loaded>,
    at: DateTime<Utc>,
}

/// How long a refused login waits before the same settings try again.
const LOGIN_RETRY_MINUTES: i64 = 30;

/// How soon an instance that found another polling looks for e-mails to send.
const LOOK_AGAIN_SECONDS: i64 = 5;

/// Who polled on a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Polled {
    /// This instance (or it tried and failed).
    Here,
    /// Another instance held the poll lock.
    ByAnother,
}

/// Why the work loop woke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The trigger: poll, make the tracker if due, and send.
    Trigger,
    /// A retry or an expired claim fell due: only send.
    Send,
}

impl Daemon {
    /// Checks the settings and templates, takes the SQLite instance lock and
    /// binds the web server's address.
    pub async fn build(settings: Settings, file: Option<PathBuf>) -> Result<Self, StartError> {
        let loaded = Loaded::new(settings)?;
        let instance = start::lock_instance(&loaded.settings.database.url)?;
        let bind = loaded.settings.web.bind;
        let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
            StartError::Runtime(anyhow::anyhow!("cannot listen on {bind} (web.bind): {e}"))
        })?;
        // The address bound, not the one asked for: with port 0 (as the
        // tests use) this line is the only place to learn the port.
        let address = listener.local_addr().map_err(|e| {
            StartError::Runtime(anyhow::anyhow!("cannot read the address of {bind}: {e}"))
        })?;
        let public_url = &loaded.settings.web.public_url;
        tracing::info!(%public_url, "web server listening on {address}");
        Ok(Self {
            live: Live::new(loaded),
            file,
            listener,
            _instance: instance,
        })
    }

    /// The address the web server listens on (useful with port 0).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Waits for the database, then runs until SIGTERM or SIGINT.
    pub async fn run(self) -> Result<(), StartError> {
        let mut stop = systemd::stop_signal().map_err(StartError::Runtime)?;
        let database = self.live.current().settings.database.clone();
        let Some(store) = start::open_store(&database, &mut stop).await? else {
            tracing::info!("stopped before the database answered");
            return Ok(());
        };
        let running = Arc::new(Running {
            live: self.live,
            store,
            health: Arc::new(Health::default()),
            feed_due: AtomicBool::new(true),
            worker: format!("{}-{}", std::process::id(), fastrand::u32(..)),
            login_refused: std::sync::Mutex::new(None),
        });
        running
            .serve_until_stopped(self.listener, self.file, stop)
            .await
            .map_err(StartError::Runtime)
    }
}

impl Running {
    async fn serve_until_stopped(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        file: Option<PathBuf>,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let wake = Arc::new(Notify::new());
        let mut scheduler = self.schedule(wake.clone()).await?;
        let web = self.serve(listener, stop.clone())?;
        let worker = tokio::spawn({
            let running = self.clone();
            let stop = stop.clone();
            async move { running.work(&wake, stop).await }
        });
        let reloader = self.reload_on_sighup(file)?;
        notify(&[NotifyState::Ready]);
        status("running");
        tracing::info!(poll = %self.live.current().settings.schedule.poll, "casewatch is running");
        let watchdog = systemd::watchdog();

        stopped(&mut stop).await;
        tracing::info!("stopping: finishing the e-mails in flight, starting none");
        notify(&[NotifyState::Stopping]);
        reloader.abort();
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
        self.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }

    /// Starts the web server; it stops taking new requests when `stop`
    /// turns true and finishes the ones it has.
    fn serve(
        &self,
        listener: tokio::net::TcpListener,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        let state = AppState {
            store: self.store.clone(),
            live: self.live.clone(),
            health: self.health.clone(),
        };
        Ok(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, web::router(state))
                .with_graceful_shutdown(async move { stopped(&mut stop).await })
                .await
            {
                tracing::error!(error = %e, "the web server stopped");
            }
        }))
    }

    /// The cron triggers: they only wake the work loop, the feed's marking
    /// the feed due first.
    async fn schedule(self: &Arc<Self>, wake: Arc<Notify>) -> anyhow::Result<JobScheduler> {
        let scheduler = JobScheduler::new()
            .await
            .context("cannot start the poll trigger")?;
        let settings = &self.live.current().settings;
        let poll = settings.schedule.poll.clone();
        let job = Job::new_async(poll.as_str(), {
            let wake = wake.clone();
            move |_, _| {
                let wake = wake.clone();
                Box::pin(async move { wake.notify_one() })
            }
        })
        .context("schedule.poll")?;
        scheduler
            .add(job)
            .await
            .context("cannot add the poll trigger")?;
        if settings.feed.source.is_some() {
            let running = Arc::downgrade(self);
            let feed = Job::new_async(settings.feed.schedule.as_str(), move |_, _| {
                let (running, wake) = (running.clone(), wake.clone());
                Box::pin(async move {
                    if let Some(running) = running.upgrade() {
                        running.feed_due.store(true, Ordering::SeqCst);
                    }
                    wake.notify_one();
                })
            })
            .context("feed.schedule")?;
            scheduler
                .add(feed)
                .await
                .context("cannot add the feed trigger")?;
        }
        scheduler
            .start()
            .await
            .context("cannot start the poll trigger")?;
        Ok(scheduler)
    }

    /// On SIGHUP, reads the settings file and templates again and puts
    /// them in force if they are all good; otherwise keeps the old ones.
    fn reload_on_sighup(
        self: &Arc<Self>,
        file: Option<PathBuf>,
    ) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        let mut hangup = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
        let running = self.clone();
        Ok(tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                running.reload(file.as_deref());
            }
        }))
    }

    fn reload(&self, file: Option<&std::path::Path>) {
        let loaded = Settings::load(file)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .and_then(|settings| Loaded::new(settings).map_err(|e| anyhow::anyhow!("{e}")));
        match loaded {
            Ok(loaded) => {
                let restart = self.live.current().needs_restart(&loaded.settings);
                if !restart.is_empty() {
                    tracing::warn!(
                        keys = restart.join(", "),
                        "these settings changed but take effect only at the next restart"
                    );
                }
                self.live.replace(loaded);
                tracing::info!("settings and templates read again");
            }
            Err(e) => tracing::error!(
                error = %format!("{e:#}"),
                "cannot use the new settings or templates; keeping the ones in force"
            ),
        }
    }

    /// Works at once, then each time the trigger fires or the next retry
    /// falls due, until told to stop.
    async fn work(&self, trigger: &Notify, mut stop: watch::Receiver<bool>) {
        let mut why = Wake::Trigger;
        loop {
            let next_send = self.tick(why, &stop).await;
            // At least a second apart, so a retry that cannot go yet never spins.
            let retry = async {
                match next_send {
                    Some(at) => {
                        let wait = (at - Utc::now()).to_std().unwrap_or_default();
                        tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
                    }
                    None => std::future::pending().await,
                }
            };
            why = tokio::select! {
                () = trigger.notified() => Wake::Trigger,
                () = retry => Wake::Send,
                _ = stop.changed() => return,
            };
            if *stop.borrow() {
                return;
            }
        }
    }

    /// One round of work. Failures are logged and the next round tries
    /// again: a database restart must not stop the service. Returns when the
    /// next of today's e-mails may be tried, if any is waiting.
    async fn tick(&self, why: Wake, stop: &watch::Receiver<bool>) -> Option<DateTime<Utc>> {
        let now = Utc::now();
        let loaded = self.live.current();
        let settings = &loaded.settings;
        let calendar = match self
            .store
            .calendar(&settings.calendar, settings.calendar.division)
            .await
        {
            Ok(calendar) => calendar,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the holidays; will try again");
                self.health.poll_failed();
                return None;
            }
        };
        // Another instance polling now queues e-mails this one can help
        // send: look again shortly rather than at the next trigger.
        let mut look_again = None;
        if why == Wake::Trigger {
            if self.feed_due.swap(false, Ordering::SeqCst) {
                self.feed(&loaded, now).await;
            }
            if self.poll(&loaded, &calendar, now).await == Polled::ByAnother {
                look_again = Some(now + chrono::Duration::seconds(LOOK_AGAIN_SECONDS));
            }
            // Queued through the outbox, so made even while a refused
            // login holds back sending.
            self.digests(&loaded, &calendar, now).await;
        }
        // A refused login is not tried again with the same settings until
        // its wait is over: not for the tracker's e-mail, nor the outbox.
        if let Some(wait) = self.login_wait(&loaded, now) {
            return Some(wait);
        }
        if why == Wake::Trigger {
            self.tracker(&loaded, &calendar, now).await;
            if let Some(wait) = self.login_wait(&loaded, now) {
                return Some(wait);
            }
        }
        let sender = Sender::new(
            self.store.clone(),
            loaded.transport.clone(),
            settings.mail.clone(),
        );
        match sender.drain(&calendar, now, stop).await {
            // Outside the window nothing goes until the next trigger.
            Ok(r) if r.outside_window => return None,
            Ok(SendReport {
                login_refused: Some(reply),
                ..
            }) => {
                self.refuse_login(&loaded, reply, now);
                return self.login_retry_at(&loaded);
            }
            Ok(r) if r.sent + r.retrying + r.failed + r.expired > 0 => {
                if r.sent > 0 {
                    self.health.login_refused(None);
                    *self.lock_refusal() = None;
                }
                tracing::info!(
                    sent = r.sent,
                    retrying = r.retrying,
                    failed = r.failed,
                    expired = r.expired,
                    held = r.held,
                    "outbox drained"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sending failed; will try again"),
        }
        let (today, _) = london_time(now);
        let next = match self.store.next_send_at(today).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell when the next retry is due");
                None
            }
        };
        next.into_iter().chain(look_again).min()
    }

    /// Records the mail server's refusal of the login with the settings
    /// `loaded`.
    fn refuse_login(&self, loaded: &Arc<Loaded>, reply: String, now: DateTime<Utc>) {
        self.health.login_refused(Some(reply));
        *self.lock_refusal() = Some(LoginRefused {
            settings: Arc::clone(loaded),
            at: now,
        });
    }

    /// Until when the settings `loaded` must not try the login the mail
    /// server refused; `None` when they may.
    fn login_wait(&self, loaded: &Arc<Loaded>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut refused = self.lock_refusal();
        if refused
            .as_ref()
            .is_some_and(|r| !Arc::ptr_eq(&r.settings, loaded))
        {
            // New settings: they get their own try, and their own verdict.
            *refused = None;
            self.health.login_refused(None);
        }
        drop(refused);
        self.login_retry_at(loaded).filter(|at| now < *at)
    }

    /// When the settings in force may next try the login the mail server
    /// refused; `None` when it has not refused them.
    fn login_retry_at(&self, loaded: &Arc<Loaded>) -> Option<DateTime<Utc>> {
        let refused = self.lock_refusal();
        refused
            .as_ref()
            .filter(|r| Arc::ptr_eq(&r.settings, loaded))
            .map(|r| r.at + chrono::Duration::minutes(LOGIN_RETRY_MINUTES))
    }

    fn lock_refusal(&self) -> std::sync::MutexGuard<'_, Option<LoginRefused>> {
        self.login_refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records today's reminders and composes their e-mails, unless another
    /// instance is polling right now (it records the same ones).
    async fn poll(&self, loaded: &Loaded, calendar: &Calendar, now: DateTime<Utc>) -> Polled {
        let lock = match self.store.try_lock(SingleJob::Poll).await {
            Ok(Some(lock)) => lock,
            Ok(None) => {
                tracing::debug!("another instance is polling; only sending");
                return Polled::ByAnother;
            }
            Err(e) => {
                tracing::error!(error = %e, "poll failed; will try again");
                self.health.poll_failed();
                return Polled::Here;
            }
        };
        let feed = Feed {
            store: &self.store,
            settings: &loaded.settings,
            templates: &loaded.templates,
        };
        let freshness = match feed.freshness(calendar, now).await {
            Ok(freshness) => freshness,
            Err(e) => {
                lock.release().await;
                tracing::error!(error = %e, "poll failed; will try again");
                self.health.poll_failed();
                return Polled::Here;
            }
        };
        self.health.freshness(freshness);
        let poll = Poll {
            store: &self.store,
            settings: &loaded.settings,
            calendar,
            templates: &loaded.templates,
            keys: &loaded.keys,
            hold_overdue: freshness.stale,
        };
        let started = std::time::Instant::now();
        let polled = poll.run(now).await;
        if matches!(&polled, Ok(report) if !report.after_window)
            && let Err(e) = feed.warn_if_stale(&freshness, now).await
        {
            tracing::warn!(error = %e, "cannot queue the stale-data warning");
        }
        lock.release().await;
        match polled {
            Ok(report) if report.after_window => {
                self.health.polled_idle(now);
                tracing::debug!("the sending window has closed for today; nothing to record");
            }
            Ok(report) => {
                self.health.polled(
                    now,
                    PollFigures {
                        open: report.stages,
                        overdue: report.overdue,
                        overdue_with_reason: report.overdue_with_reason,
                        duration_seconds: started.elapsed().as_secs_f64(),
                    },
                );
                tracing::info!(
                    stages = report.stages,
                    held = report.held,
                    due = report.due,
                    recorded = report.recorded,
                    queued = report.messages,
                    "polled"
                );
            }
            Err(e) => {
                self.health.poll_failed();
                tracing::error!(error = %e, "poll failed; will try again");
            }
        }
        Polled::Here
    }

    /// Runs the feed, unless another instance is running it now. A run
    /// that did not import has been recorded and told to the complaints
    /// team; here it is only logged.
    async fn feed(&self, loaded: &Loaded, now: DateTime<Utc>) {
        if loaded.settings.feed.source.is_none() {
            return;
        }
        let lock = match self.store.try_lock(SingleJob::Feed).await {
            Ok(Some(lock)) => lock,
            Ok(None) => {
                tracing::debug!("another instance is running the feed");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "the feed could not start; will try again");
                return;
            }
        };
        let feed = Feed {
            store: &self.store,
            settings: &loaded.settings,
            templates: &loaded.templates,
        };
        match feed.run(now, false).await {
            Ok(runs) => {
                for run in runs {
                    tracing::info!(
                        name = %run.name,
                        outcome = run.outcome.as_str(),
                        rows = run.rows_read,
                        inserted = run.inserted,
                        updated = run.updated,
                        closed = run.closed,
                        "feed run"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "the feed failed; will try again"),
        }
        lock.release().await;
    }

    /// Makes each digest whose period is due and not made yet; a failure
    /// is logged, recorded, and tried again at the next trigger.
    async fn digests(&self, loaded: &Loaded, calendar: &Calendar, now: DateTime<Utc>) {
        let job = DigestJob {
            store: &self.store,
            settings: &loaded.settings,
            templates: &loaded.templates,
            calendar,
        };
        for kind in DigestKind::ALL {
            match job.run_if_due(kind, now, &self.worker).await {
                Ok(digest::Due::MadeNow(made)) => tracing::info!(
                    kind = %kind,
                    from = %made.period.from,
                    to = %made.period.to,
                    files = made.files.len(),
                    emails = made.recipients.len(),
                    "digest made"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(
                    kind = %kind,
                    error = %format!("{e:#}"),
                    "the digest failed; will try again"
                ),
            }
        }
    }

    /// Makes this week's tracker when it is due; a failure (an unwritable
    /// folder, a full disk) shows on `/healthz` and is tried again.
    async fn tracker(&self, loaded: &Arc<Loaded>, calendar: &Calendar, now: DateTime<Utc>) {
        let tracker = TrackerJob {
            store: &self.store,
            settings: &loaded.settings,
            templates: &loaded.templates,
            calendar,
        };
        match tracker
            .run_if_due(&loaded.transport, now, &self.worker)
            .await
        {
            Ok(Due::MadeNow(made)) => {
                self.health.tracker_made();
                tracing::info!(week = %made.week, files = made.files.len(), "weekly tracker made");
            }
            // Another instance made it after this one failed: the failure
            // no longer stands.
            Ok(Due::Made) => self.health.tracker_made(),
            Ok(Due::NotYet | Due::Elsewhere) => {}
            Err(e) => {
                let error = format!("{e:#}");
                tracing::error!(error = %error, "the weekly tracker failed; will try again");
                self.health.tracker_failed(error);
                if let Some(SendError::Auth(reply)) = e
                    .chain()
                    .find_map(|cause| cause.downcast_ref::<SendError>())
                {
                    self.refuse_login(loaded, reply.clone(), now);
                }
            }
        }
    }
}
