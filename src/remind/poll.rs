//! The poll: open stages from the store, through the policy, into recorded
//! reminders and composed e-mails in the outbox.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tokio::sync::mpsc;

use super::policy::{OpenStage, Reminder, reminders_due};
use crate::calendar::{Calendar, CalendarError};
use crate::domain::london_time;
use crate::mail::Composer;
use crate::mail::compose::ComposeError;
use crate::mail::compose::Links;
use crate::settings::Settings;
use crate::store::{NewMessage, NewReminder, OpenStageRow, Store, StoreError, UnsentReminder};
use crate::templates::Templates;
use crate::web::LinkKeys;

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot compose a reminder e-mail: {0}")]
    Compose(#[from] ComposeError),
}

/// What one poll did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PollReport {
    /// Open stages looked at.
    pub stages: usize,
    /// Stages whose deadline falls outside the calendar: logged, skipped.
    pub skipped: usize,
    /// Reminders due today, recorded before or now.
    pub due: usize,
    /// Of those, recorded by this poll.
    pub recorded: usize,
    /// E-mails added to the outbox.
    pub messages: usize,
    /// E-mails another poller composed first (this one's were dropped).
    pub raced: usize,
    /// The sending window had closed for the day: nothing was recorded.
    pub after_window: bool,
    /// Open stages past their deadline today, and how many of them have a
    /// reason for the delay.
    pub overdue: usize,
    pub overdue_with_reason: usize,
}

/// The poll's view of the world: settings, calendar and templates.
pub struct Poll<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub calendar: &'a Calendar,
    pub templates: &'a Templates,
    pub keys: &'a LinkKeys,
}

impl Poll<'_> {
    /// Records what is due at `now` and queues the e-mails carrying it.
    /// After the day's sending window has closed it records nothing: the
    /// next working day's poll decides afresh.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<PollReport, PollError> {
        let (today, time) = london_time(now);
        if time >= self.settings.mail.window.end {
            return Ok(PollReport {
                after_window: true,
                ..PollReport::default()
            });
        }
        let mut reminders = Vec::new();
        let mut report = self
            .due(today, |reminder, _| reminders.push(reminder))
            .await?;
        // Recorded recipient by recipient, so that the reminders one e-mail
        // carries lie together and linking them to it rewrites a few pages
        // rather than one each; then by stage, as PostgreSQL reads the
        // stages in parts, in no set order.
        reminders.sort_by(|a, b| {
            let by_recipient = if Arc::ptr_eq(&a.recipient, &b.recipient) {
                std::cmp::Ordering::Equal
            } else {
                a.recipient.cmp(&b.recipient)
            };
            by_recipient.then(a.stage_id.cmp(&b.stage_id))
        });
        report.recorded = self.store.add_reminders(&reminders, today, now).await?;
        drop(reminders);
        self.compose_and_queue(today, now, &mut report).await?;
        Ok(report)
    }

    /// Composes the e-mails carrying the day's unsent reminders and stores
    /// them, a few recipients at a time, so that memory follows the largest
    /// e-mail rather than the whole day's reminders. Each batch holds whole
    /// recipients, in the order `compose` gives them, so the e-mails and
    /// their order are those of composing the day at once.
    ///
    /// Three steps run side by side, joined by channels of one batch:
    /// reading the next batch, composing the one before on a blocking
    /// thread, and storing the one before that. Done in turn, as they were,
    /// they kept one core busy at a time through the longest part of a
    /// large day's first poll.
    async fn compose_and_queue(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        let owned = Arc::new(Composing {
            templates: self.templates.clone(),
            calendar: self.calendar.clone(),
            settings: self.settings.clone(),
            keys: self.keys.clone(),
            today,
            now,
        });
        let (read_tx, mut read_rx) = mpsc::channel::<Vec<UnsentReminder>>(1);
        let (composed_tx, mut composed_rx) = mpsc::channel::<Vec<NewMessage>>(1);
        let read = async {
            self.store
                .unsent_reminders(today, COMPOSE_BATCH, read_tx)
                .await?;
            Ok::<_, PollError>(())
        };
        let compose = async move {
            while let Some(batch) = read_rx.recv().await {
                let owned = owned.clone();
                let composing = crate::blocking::run(move || owned.composer().compose(&batch));
                // None: the runtime is shutting down.
                let Some(composed) = composing.await else {
                    break;
                };
                let messages = composed?;
                // The receiver is gone only when storing failed, which is reported there.
                if composed_tx.send(messages).await.is_err() {
                    break;
                }
            }
            Ok::<_, PollError>(())
        };
        let store = async {
            while let Some(messages) = composed_rx.recv().await {
                for stored in self.store.add_messages(&messages, today, now).await? {
                    if stored {
                        report.messages += 1;
                    } else {
                        report.raced += 1;
                    }
                }
            }
            Ok::<_, PollError>(())
        };
        tokio::try_join!(read, compose, store)?;
        Ok(())
    }

    /// The e-mails a poll at `now` would add, recording nothing.
    pub async fn dry_run(&self, now: DateTime<Utc>) -> Result<Vec<NewMessage>, PollError> {
        let (today, _) = london_time(now);
        let mut due = Vec::new();
        self.due(today, |reminder, row| {
            due.push((reminder, row.stage.clone()))
        })
        .await?;
        // In stage order, whatever order the stages were read in.
        due.sort_by_key(|(_, stage)| stage.stage_id);
        let names: HashMap<String, String> = self.store.staff_names().await?;
        let unsent: Vec<UnsentReminder> = due
            .into_iter()
            .zip(1..)
            .map(|((reminder, stage), id)| UnsentReminder {
                id,
                recipient_name: names.get(&*reminder.recipient).cloned(),
                kind: reminder.kind.to_string(),
                due_on: reminder.due_on,
                recipient: reminder.recipient.to_string(),
                stage,
            })
            .collect();
        Ok(self.composer(today, now).compose(&unsent)?)
    }

    /// Every open stage through the policy: `keep` gets each reminder due
    /// and not recorded before, with its stage, so memory follows what the
    /// caller keeps of the day's new reminders, not the number of cases.
    /// Reminders recorded before are not offered again: a second poll of
    /// the day records nothing and so need not ask the database to refuse
    /// every reminder once more.
    async fn due(
        &self,
        today: NaiveDate,
        mut keep: impl FnMut(NewReminder, &OpenStageRow),
    ) -> Result<PollReport, PollError> {
        let mut report = PollReport::default();
        let team: Arc<str> = self.settings.mail.complaints_team.email.to_string().into();
        let mut shared = Shared::default();
        report.stages = self
            .store
            .for_each_open_stage(today, |row| match self.check(&row, today) {
                Ok(None) => {}
                Ok(Some((due_on, reminders))) => {
                    if due_on < today {
                        report.overdue += 1;
                        report.overdue_with_reason += usize::from(row.reason_given);
                    }
                    for reminder in reminders {
                        report.due += 1;
                        let kind = shared.kind(reminder);
                        if row.has_recorded(&kind, due_on) {
                            continue;
                        }
                        let recipient = match (reminder, &row.escalation_email) {
                            (Reminder::Escalation, Some(contact)) => shared.recipient(contact),
                            (Reminder::Escalation, None) => team.clone(),
                            _ => shared.recipient(&row.stage.manager_email),
                        };
                        keep(
                            NewReminder {
                                stage_id: row.stage.stage_id,
                                kind,
                                due_on,
                                recipient,
                            },
                            &row,
                        );
                    }
                }
                Err(problem) => {
                    report.skipped += 1;
                    tracing::warn!(case = row.stage.reference.as_str(), %problem, "skipped");
                }
            })
            .await?;
        Ok(report)
    }

    /// The deadline of one open stage and the reminders it needs today;
    /// `None` when it has no deadline.
    fn check(
        &self,
        row: &OpenStageRow,
        today: NaiveDate,
    ) -> Result<Option<(NaiveDate, Vec<Reminder>)>, CalendarError> {
        let s = &row.stage;
        let clock = self.settings.timescales.stored_clock(
            s.kind,
            s.received_on,
            s.working_days_allowed,
            s.agreed_response_on,
        );
        let Some(due_on) = clock.due(s.received_on, self.calendar)? else {
            return Ok(None);
        };
        let stage = OpenStage {
            due_on,
            reason_given: row.reason_given,
        };
        let (_, reminders) = reminders_due(stage, today, self.calendar, &self.settings.reminders)?;
        Ok(Some((due_on, reminders)))
    }

    fn composer(&self, today: NaiveDate, now: DateTime<Utc>) -> Composer<'_> {
        composer(
            self.templates,
            self.calendar,
            self.settings,
            self.keys,
            today,
            now,
        )
    }
}

/// What composing needs, owned, so that it runs on a thread of its own.
struct Composing {
    templates: Templates,
    calendar: Calendar,
    settings: Settings,
    keys: LinkKeys,
    today: NaiveDate,
    now: DateTime<Utc>,
}

impl Composing {
    fn composer(&self) -> Composer<'_> {
        composer(
            &self.templates,
            &self.calendar,
            &self.settings,
            &self.keys,
            self.today,
            self.now,
        )
    }
}

fn composer<'a>(
    templates: &'a Templates,
    calendar: &'a Calendar,
    settings: &'a Settings,
    keys: &'a LinkKeys,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Composer<'a> {
    Composer {
        templates,
        calendar,
        mail: &settings.mail,
        batching: settings.reminders.batch,
        escalate_after_days: settings.reminders.escalate_after_days,
        cases_per_section: usize::try_from(settings.reminders.cases_per_section)
            .unwrap_or(usize::MAX),
        links: Links {
            keys,
            public_url: &settings.web.public_url,
            valid_days: settings.web.link_valid_days,
        },
        today,
        now,
    }
}

/// One copy of each recipient's address and each kind's name, shared by
/// every reminder that names it.
#[derive(Default)]
struct Shared {
    recipients: HashSet<Arc<str>>,
    kinds: HashMap<Reminder, Arc<str>>,
}

impl Shared {
    fn recipient(&mut self, address: &str) -> Arc<str> {
        if let Some(known) = self.recipients.get(address) {
            return known.clone();
        }
        let new: Arc<str> = address.into();
        self.recipients.insert(new.clone());
        new
    }

    fn kind(&mut self, reminder: Reminder) -> Arc<str> {
        self.kinds
            .entry(reminder)
            .or_insert_with(|| reminder.to_string().into())
            .clone()
    }
}

/// Reminders composed and stored at a time (more when one recipient has
/// more): a few megabytes of e-mail.
const COMPOSE_BATCH: usize = 5_000;
