//! The outbox sender: claims the day's messages, hands them to the
//! transport, and records each server's reply. Time is always given, so
//! tests drive it step by step instead of sleeping.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tokio::sync::watch;

use super::message::{self, BuildError};
use super::transport::{SendError, Session, Transport};
use crate::calendar::Calendar;
use crate::domain::london_time;
use crate::settings::{MailSettings, SendingWindow};
use crate::store::{Held, OutboxClaim, OutboxMessage, Outcome, Store, StoreError};

/// What one drain of the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SendReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Messages whose day passed unsent; their reminders are decided afresh.
    pub expired: usize,
    /// The day's e-mails still claimed when the drain ended, by a sender
    /// that is busy or stopped: taken over once the claim runs out.
    pub held: usize,
    /// When the last of those claims runs out.
    #[serde(skip)]
    pub held_until: Option<DateTime<Utc>>,
    /// Nothing was sent: `now` is outside the sending window.
    pub outside_window: bool,
    /// The relay refused the login: the drain stopped at once, and every
    /// e-mail it had not sent is still queued, none marked failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_refused: Option<String>,
}

impl SendReport {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Sent { .. } => self.sent += 1,
            Outcome::Retry { .. } => self.retrying += 1,
            Outcome::Failed { .. } => self.failed += 1,
        }
    }
}

pub struct Sender {
    store: Store,
    transport: Transport,
    settings: MailSettings,
    /// Names this process in claims, so two senders never send one message.
    worker: String,
    /// Set by the first worker the relay refuses to log in: the others
    /// claim nothing more.
    login_refused: std::sync::OnceLock<String>,
    /// Until one message has gone, the workers send one at a time, so a
    /// wrong password costs one login attempt, not one per connection.
    first_sent: AtomicBool,
    one_at_a_time: tokio::sync::Mutex<()>,
}

/// How one attempt ended: with an outcome to record, or refused at login
/// before the message was offered.
enum Attempt {
    Done(Outcome),
    LoginRefused(String),
}

impl Sender {
    pub fn new(store: Store, transport: Transport, settings: MailSettings) -> Self {
        let worker = format!("{}-{}", std::process::id(), fastrand::u64(..));
        Self {
            store,
            transport,
            settings,
            worker,
            login_refused: std::sync::OnceLock::new(),
            first_sent: AtomicBool::new(false),
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends every message due at `now` until none is left or `stop` turns
    /// true (then each worker finishes the e-mail in hand and starts no
    /// more).
    ///
    /// `mail.smtp.pool_size` workers, each with a connection of its own,
    /// claim one e-mail, send it and record the result before they claim
    /// the next. So at most one e-mail per connection is ever delivered
    /// but not recorded, and a crash repeats at most that many.
    pub async fn drain(
        &self,
        calendar: &Calendar,
        now: DateTime<Utc>,
        stop: &watch::Receiver<bool>,
    ) -> Result<SendReport, StoreError> {
        let (today, _) = london_time(now);
        let mut report = SendReport {
            expired: self.store.expire_before(today).await?,
            ..SendReport::default()
        };
        if !in_window(calendar, &self.settings.window, now) {
            report.outside_window = true;
            return Ok(report);
        }
        let started = std::time::Instant::now();
        let workers =
            (0..self.settings.smtp.pool_size.max(1)).map(|_| self.work(today, now, started, stop));
        for done in futures_util::future::try_join_all(workers).await? {
            report.sent += done.sent;
            report.retrying += done.retrying;
            report.failed += done.failed;
        }
        let Held { count, until } = self.store.held_messages(today).await?;
        report.held = count;
        report.held_until = until;
        report.login_refused = self.login_refused.get().cloned();
        Ok(report)
    }

    /// One worker's turns of claim, send, record, until nothing is due.
    async fn work(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
        started: std::time::Instant,
        stop: &watch::Receiver<bool>,
    ) -> Result<SendReport, StoreError> {
        let mut report = SendReport::default();
        let mut session = self.transport.session();
        let worked = self
            .turns(today, now, started, stop, &mut session, &mut report)
            .await;
        session.close().await;
        worked.map(|()| report)
    }

    async fn turns(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
        started: std::time::Instant,
        stop: &watch::Receiver<bool>,
        session: &mut Session<'_>,
        report: &mut SendReport,
    ) -> Result<(), StoreError> {
        // A claim outlives one attempt: the send's time limit, and as long
        // again for recording it.
        let hold = chrono::Duration::from_std(self.settings.send_timeout * 2)
            .unwrap_or(chrono::Duration::MAX);
        loop {
            let _turn = if self.first_sent.load(Ordering::Acquire) {
                None
            } else {
                Some(self.one_at_a_time.lock().await)
            };
            if *stop.borrow() || self.login_refused.get().is_some() {
                break;
            }
            // `now` is the drain's start (a replayed day's morning): retries
            // that fall due during a long drain are taken too.
            let elapsed =
                chrono::Duration::from_std(started.elapsed()).unwrap_or(chrono::Duration::MAX);
            let clock = Utc::now();
            let claimed = self
                .store
                .claim_messages(&OutboxClaim {
                    worker: &self.worker,
                    today,
                    due_by: now + elapsed,
                    now: clock,
                    until: clock + hold,
                    limit: 1,
                })
                .await?;
            let Some(message) = claimed.into_iter().next() else {
                break;
            };
            let id = message.id;
            match self.attempt(session, message, now + elapsed).await {
                Attempt::Done(outcome) => {
                    if matches!(outcome, Outcome::Sent { .. }) {
                        self.first_sent.store(true, Ordering::Release);
                    }
                    report.add(&outcome);
                    self.store
                        .record_attempts(&[(id, Some(outcome))], &self.worker, now + elapsed)
                        .await?;
                }
                Attempt::LoginRefused(reply) => {
                    // Given back untried: it goes once the login works.
                    self.store
                        .record_attempts(&[(id, None)], &self.worker, now + elapsed)
                        .await?;
                    tracing::error!(%reply, "the mail server refused the login; sending stopped, nothing marked failed");
                    let _ = self.login_refused.set(reply);
                }
            }
        }
        Ok(())
    }

    async fn attempt(
        &self,
        session: &mut Session<'_>,
        claimed: OutboxMessage,
        now: DateTime<Utc>,
    ) -> Attempt {
        let id = claimed.id;
        let name = format!("{}-{:08}", claimed.for_day, claimed.id);
        let result = match message::build(&claimed, &self.settings) {
            Ok(m) => session.send(&name, &m, self.settings.send_timeout).await,
            Err(BuildError { reason, .. }) => Err(SendError::Permanent(reason)),
        };
        let attempts = u32::try_from(claimed.attempts).unwrap_or(0) + 1;
        match result {
            Ok(reply) => {
                // The reply is stored with the e-mail, and each drain logs
                // its counts at info.
                tracing::debug!(message = id, %reply, "sent");
                Attempt::Done(Outcome::Sent { reply })
            }
            Err(SendError::Auth(reply)) => Attempt::LoginRefused(reply),
            Err(SendError::Temporary(reply)) if attempts < self.settings.max_attempts => {
                let wait = backoff(self.settings.retry_delay, attempts);
                tracing::warn!(message = id, attempts, %reply, retry_in_seconds = wait.as_secs(), "temporary failure");
                Attempt::Done(Outcome::Retry {
                    reply,
                    at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                })
            }
            Err(SendError::Temporary(reply) | SendError::Permanent(reply)) => {
                tracing::error!(message = id, attempts, %reply, "not delivered; marked failed");
                Attempt::Done(Outcome::Failed { reply })
            }
        }
    }
}

/// The first retry after `first`, doubling with each attempt, at most a day.
fn backoff(first: Duration, attempts: u32) -> Duration {
    let factor = 2_u32.saturating_pow(attempts.saturating_sub(1));
    first
        .saturating_mul(factor)
        .min(Duration::from_secs(86_400))
}

/// Working days only, between the window's Europe/London times.
pub fn in_window(calendar: &Calendar, window: &SendingWindow, now: DateTime<Utc>) -> bool {
    let (day, time) = london_time(now);
    calendar.is_working_day(day).unwrap_or(false) && window.start <= time && time < window.end
}

/// The first moment of the sending window on `day`, as UTC.
pub fn window_opens(window: &SendingWindow, day: NaiveDate) -> DateTime<Utc> {
    crate::domain::london_instant(day, window.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_a_day() {
        let first = Duration::from_secs(60);
        assert_eq!(backoff(first, 1), Duration::from_secs(60));
        assert_eq!(backoff(first, 2), Duration::from_secs(120));
        assert_eq!(backoff(first, 4), Duration::from_secs(480));
        assert_eq!(backoff(first, 40), Duration::from_secs(86_400));
    }
}
