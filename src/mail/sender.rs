//! The outbox sender: claims the day's messages, hands them to the
//! transport, and records each server's reply. Time is always given, so
//! tests drive it step by step instead of sleeping.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, watch};

use super::message::{self, BuildError};
use super::transport::{Formatted, Gate, SendError, Transport};
use crate::calendar::Calendar;
use crate::domain::london_time;
use crate::settings::{MailSettings, SendingWindow};
use crate::store::{OutboxClaim, OutboxMessage, Outcome, Store, StoreError};

/// What one drain of the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SendReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Messages whose day passed unsent; their reminders are decided afresh.
    pub expired: usize,
    /// Nothing was sent: `now` is outside the sending window.
    pub outside_window: bool,
}

pub struct Sender {
    store: Store,
    transport: Transport,
    settings: MailSettings,
    /// Names this process in claims, so two senders never send one message.
    worker: String,
}

impl Sender {
    pub fn new(store: Store, transport: Transport, settings: MailSettings) -> Self {
        let worker = format!("{}-{}", std::process::id(), fastrand::u64(..));
        Self {
            store,
            transport,
            settings,
            worker,
        }
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends every message due at `now`, a few at a time, until none is
    /// left or `stop` turns true (then it finishes what is in flight and
    /// starts nothing more).
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
        let concurrency = usize::try_from(self.settings.smtp.pool_size.max(1)).unwrap_or(1);
        let batch = concurrency * 4;
        // A claimed e-mail waits behind at most the batch before it and its
        // own (eight rounds through the pool) before it is sent: a claim
        // lasts ten send time-outs, so it outlives that, and another
        // instance soon takes over the claims of a sender that died.
        let hold = chrono::Duration::from_std(self.settings.send_timeout * 10)
            .unwrap_or(chrono::Duration::MAX);
        // `now` is the drain's start: each claim is dated by the time since,
        // so one made late in a long drain is not stale when it is made.
        let started = std::time::Instant::now();
        // Three steps run side by side, joined by channels: claiming the
        // next batch while the last one goes out, and recording results
        // while more are sent. Each commit records every result that
        // arrived during the one before. Just before its message can be
        // delivered, a send takes one of `concurrency` permits (`Gate`),
        // and its result gives it back only once committed, so at most that
        // many e-mails are ever delivered but not recorded: a crash repeats
        // at most one per connection, however slow a commit is (a poll
        // writing much at the same time makes PostgreSQL's commits wait on
        // its log). Everything before (building the message, on a blocking
        // thread as each batch is claimed, and MAIL, RCPT and DATA) goes on
        // while the last result commits.
        let unrecorded = Arc::new(Semaphore::new(concurrency));
        let recorder = &self.store.recorder().await?;
        let (claimed_tx, mut claimed_rx) = mpsc::channel::<Prepared>(batch);
        let settings = Arc::new(self.settings.clone());
        let (results_tx, mut results_rx) = mpsc::unbounded_channel();
        let claim = async move {
            while !*stop.borrow() {
                let claimed_at = now
                    + chrono::Duration::from_std(started.elapsed())
                        .unwrap_or(chrono::Duration::MAX);
                let claimed = recorder
                    .claim_messages(&OutboxClaim {
                        worker: &self.worker,
                        today,
                        now: claimed_at,
                        until: claimed_at + hold,
                        limit: i64::try_from(batch).unwrap_or(1),
                    })
                    .await?;
                if claimed.is_empty() {
                    break;
                }
                // Built on another thread: with the sending, the claims and
                // the results all on this one, building took a third of it.
                let settings = settings.clone();
                let building = crate::blocking::run(move || {
                    claimed
                        .into_iter()
                        .map(|row| Prepared::of(row, &settings))
                        .collect::<Vec<_>>()
                });
                // None: the runtime is shutting down; the claims run out.
                let Some(prepared) = building.await else {
                    break;
                };
                for message in prepared {
                    // The receiver is gone only when sending failed, which is reported there.
                    if claimed_tx.send(message).await.is_err() {
                        break;
                    }
                }
            }
            Ok::<_, StoreError>(())
        };
        let send = async move {
            let claimed = futures_util::stream::poll_fn(|cx| claimed_rx.poll_recv(cx));
            let mut attempts = claimed
                .map(|row| {
                    let stop = stop.clone();
                    let unrecorded = unrecorded.clone();
                    async move {
                        // Once stopping, claimed messages not yet started are given back.
                        if *stop.borrow() {
                            return Ok((row.id, None, None));
                        }
                        let id = row.id;
                        let mut gate = Gate::new(unrecorded);
                        let outcome = self.attempt(row, now, &mut gate).await?;
                        Ok::<_, StoreError>((id, Some(outcome), gate.into_permit()))
                    }
                })
                .buffer_unordered(concurrency);
            while let Some(result) = attempts.next().await {
                // The receiver is gone only when recording failed, which is reported there.
                let _ = results_tx.send(result?);
            }
            Ok::<_, StoreError>(())
        };
        let record = async {
            let mut arrived = Vec::new();
            while results_rx.recv_many(&mut arrived, RECORDED_AT_ONCE).await > 0 {
                // The permits are given back when dropped, after the commit.
                let (results, _permits): (Vec<_>, Vec<_>) = arrived
                    .drain(..)
                    .map(|(id, outcome, permit)| ((id, outcome), permit))
                    .unzip();
                for (_, outcome) in &results {
                    match outcome {
                        Some(Outcome::Sent { .. }) => report.sent += 1,
                        Some(Outcome::Retry { .. }) => report.retrying += 1,
                        Some(Outcome::Failed { .. }) => report.failed += 1,
                        None => {}
                    }
                }
                recorder.record(&results, &self.worker, now).await?;
            }
            Ok::<_, StoreError>(())
        };
        tokio::try_join!(claim, send, record)?;
        self.transport.close_idle().await;
        Ok(report)
    }

    async fn attempt(
        &self,
        prepared: Prepared,
        now: DateTime<Utc>,
        gate: &mut Gate,
    ) -> Result<Outcome, StoreError> {
        let Prepared {
            id,
            attempts,
            name,
            built,
        } = prepared;
        let result = match &built {
            Ok(m) => {
                self.transport
                    .send_through(&name, m, self.settings.send_timeout, gate)
                    .await
            }
            Err(reason) => Err(SendError::Permanent(reason.clone())),
        };
        let attempts = u32::try_from(attempts).unwrap_or(0) + 1;
        match result {
            Ok(reply) => {
                // The reply is stored with the e-mail, and each drain logs
                // its counts at info; a line per e-mail cost a tenth of
                // the sending time.
                tracing::debug!(message = id, %reply, "sent");
                Ok(Outcome::Sent { reply })
            }
            Err(SendError::Temporary(reply)) if attempts < self.settings.max_attempts => {
                let wait = backoff(self.settings.retry_delay, attempts);
                tracing::warn!(message = id, attempts, %reply, retry_in_seconds = wait.as_secs(), "temporary failure");
                Ok(Outcome::Retry {
                    reply,
                    at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                })
            }
            Err(SendError::Temporary(reply) | SendError::Permanent(reply)) => {
                tracing::error!(message = id, attempts, %reply, "not delivered; marked failed");
                Ok(Outcome::Failed { reply })
            }
        }
    }
}

/// A claimed e-mail built into the bytes that go over the wire, or why it
/// cannot be.
struct Prepared {
    id: i64,
    /// Attempts before this one.
    attempts: i32,
    /// The file transport's file name.
    name: String,
    built: Result<Formatted, String>,
}

impl Prepared {
    /// The bodies are dropped once built into the message.
    fn of(claimed: OutboxMessage, settings: &MailSettings) -> Self {
        Self {
            id: claimed.id,
            attempts: claimed.attempts,
            name: format!("{}-{:08}", claimed.for_day, claimed.id),
            built: message::build(&claimed, settings)
                .map(|m| Formatted::of(&m))
                .map_err(|BuildError { reason, .. }| reason),
        }
    }
}

/// Results recorded in one transaction at most: a commit's worth.
const RECORDED_AT_ONCE: usize = 256;

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
