//! The poll: open stages from the store, through the policy, into recorded
//! reminders and composed e-mails in the outbox.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use super::compose::{ComposeError, Composer, Links};
use super::policy::{
    AnsweredStage, OpenStage, Reminder, acknowledgement_due, action_due, after_response,
    reminders_due,
};
use crate::calendar::{Calendar, CalendarError};
use crate::domain::{Outcome, london_time};
use crate::links::LinkKeys;
use crate::settings::{AcknowledgeTo, Settings};
use crate::store::{
    NewMessage, NewReminder, OpenStageRow, StageRow, Store, StoreError, UnsentReminder,
};
use crate::templates::Templates;

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
    /// Overdue notices and escalations due today but held back because
    /// the case data is stale.
    pub held: usize,
}

/// An open stage's response deadline, and the reminders it needs today,
/// each with the deadline it is about (the acknowledgement's or the
/// response's).
struct Checked {
    respond_by: NaiveDate,
    reminders: Vec<(Reminder, NaiveDate)>,
}

/// The poll's view of the world: settings, calendar and templates.
pub struct Poll<'a> {
    pub store: &'a Store,
    pub settings: &'a Settings,
    pub calendar: &'a Calendar,
    pub templates: &'a Templates,
    pub keys: &'a LinkKeys,
    /// Hold back overdue notices and escalations: the case data is stale,
    /// and those are the reminders stale data makes wrong (the case may
    /// have been answered since). Due-soon and due-today still go.
    pub hold_overdue: bool,
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
            .due(today, |reminder, _, _| reminders.push(reminder))
            .await?;
        // Each recipient's reminders recorded together, so that their ids
        // follow the order their e-mail lists them in.
        reminders.sort_by(|a, b| (&a.recipient, a.stage_id).cmp(&(&b.recipient, b.stage_id)));
        // Those recorded before (by an earlier poll, or another poller) are
        // refused by the unique key and not counted.
        report.recorded = self.store.add_reminders(&reminders, today, now).await?;
        drop(reminders);
        self.compose_and_queue(today, now, &mut report).await?;
        Ok(report)
    }

    /// Composes the e-mails carrying the day's unsent reminders and stores
    /// them, a few recipients at a time, so that memory follows the batch
    /// rather than the whole day's reminders. Each batch holds whole
    /// recipients, so each recipient still gets one e-mail.
    async fn compose_and_queue(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        let composer = self.composer(today, now);
        let mut after = String::new();
        loop {
            let batch = self
                .store
                .unsent_reminders(today, &after, COMPOSE_BATCH)
                .await?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after.clone_from(&last.recipient);
            let messages = composer.compose(&batch)?;
            for stored in self.store.add_messages(&messages, today, now).await? {
                if stored {
                    report.messages += 1;
                } else {
                    report.raced += 1;
                }
            }
        }
    }

    /// The e-mails a poll at `now` would add, recording nothing.
    pub async fn dry_run(&self, now: DateTime<Utc>) -> Result<Vec<NewMessage>, PollError> {
        let (today, _) = london_time(now);
        let recorded = self.store.recorded_reminders().await?;
        let mut due = Vec::new();
        self.due(today, |reminder, stage, action| {
            let key = (reminder.stage_id, reminder.kind, reminder.due_on);
            if !recorded.contains(&key) {
                due.push((reminder, stage.clone(), action.map(str::to_owned)));
            }
        })
        .await?;
        due.sort_by_key(|(_, stage, _)| stage.stage_id);
        let names: HashMap<String, String> = self.store.staff_names().await?;
        let unsent: Vec<UnsentReminder> = due
            .into_iter()
            .zip(1..)
            .map(|((reminder, stage, action), id)| UnsentReminder {
                id,
                recipient_name: names.get(&reminder.recipient).cloned(),
                kind: reminder.kind,
                due_on: reminder.due_on,
                recipient: reminder.recipient,
                stage,
                action,
            })
            .collect();
        Ok(self.composer(today, now).compose(&unsent)?)
    }

    /// Every open stage, every stage answered lately and every action due
    /// through the policy: `keep` gets each reminder due, with its stage
    /// (and an action reminder's action), so memory follows what the
    /// caller keeps of the day's reminders, not the number of cases.
    async fn due(
        &self,
        today: NaiveDate,
        mut keep: impl FnMut(NewReminder, &StageRow, Option<&str>),
    ) -> Result<PollReport, PollError> {
        let mut report = PollReport::default();
        let team = &self.settings.mail.complaints_team.email;
        let notices = self.store.first_overdue_notices().await?;
        report.stages = self
            .store
            .for_each_open_stage(today, |row| match self.check(&row, &notices, today) {
                Ok(None) => {}
                Ok(Some(Checked {
                    respond_by,
                    reminders,
                })) => {
                    if respond_by < today {
                        report.overdue += 1;
                        report.overdue_with_reason += usize::from(row.reason_given);
                    }
                    for (kind, due_on) in reminders {
                        if self.hold_overdue && kind.is_past_deadline() {
                            report.held += 1;
                            continue;
                        }
                        report.due += 1;
                        let recipient = match (kind, &row.escalation_email) {
                            (Reminder::Escalation, Some(contact)) => contact.clone(),
                            (Reminder::Escalation, None) => team.to_string(),
                            (
                                Reminder::AcknowledgementDue | Reminder::AcknowledgementOverdue,
                                _,
                            ) if self.settings.reminders.acknowledge_to == AcknowledgeTo::Team => {
                                team.to_string()
                            }
                            _ => row.stage.manager_email.clone(),
                        };
                        let reminder = NewReminder {
                            stage_id: row.stage.stage_id,
                            kind,
                            due_on,
                            recipient,
                        };
                        keep(reminder, &row.stage, None);
                    }
                }
                Err(problem) => {
                    report.skipped += 1;
                    tracing::warn!(case = row.stage.reference.as_str(), %problem, "skipped");
                }
            })
            .await?;
        if !self.hold_overdue {
            self.after_responses(today, &mut report, &mut keep).await?;
        }
        Ok(report)
    }

    /// The requests for late answers' reasons and upheld answers' learning,
    /// and reminders of actions, due today. Stale data holds them back with
    /// the overdue notices: the case system may have changed since.
    async fn after_responses(
        &self,
        today: NaiveDate,
        report: &mut PollReport,
        keep: &mut impl FnMut(NewReminder, &StageRow, Option<&str>),
    ) -> Result<(), PollError> {
        let settings = self.settings;
        // Calendar days enough to hold the working days any request may be
        // made in: the policy counts the working days themselves.
        let reach = i64::from(settings.reminders.answered_late_within_days)
            .max(settings.learning.asks_end_after());
        let from = today - Days::new(u64::try_from(reach * 2 + 14).unwrap_or(0));
        for row in self.store.answered_stages(from, today).await? {
            let s = &row.stage;
            let Some(responded_on) = s.responded_on else {
                continue;
            };
            let due_on = match s.terms.deadlines(
                s.received_on,
                self.calendar,
                settings.timescales.agreed_default_months,
            ) {
                Ok(d) => d.respond_by,
                Err(problem) => {
                    report.skipped += 1;
                    tracing::warn!(case = s.reference.as_str(), %problem, "skipped");
                    continue;
                }
            };
            let answered = AnsweredStage {
                due_on,
                responded_on,
                upheld: matches!(s.outcome, Some(Outcome::Upheld | Outcome::PartiallyUpheld)),
                reason_given: row.reason_given,
                learning_given: row.learning_given,
            };
            let due = after_response(
                answered,
                today,
                self.calendar,
                &settings.reminders,
                &settings.learning,
            )
            .unwrap_or_else(|problem| {
                tracing::warn!(case = s.reference.as_str(), %problem, "skipped");
                Vec::new()
            });
            for (kind, due_on) in due {
                report.due += 1;
                let reminder = NewReminder {
                    stage_id: s.stage_id,
                    kind,
                    due_on,
                    recipient: s.manager_email.clone(),
                };
                keep(reminder, s, None);
            }
        }
        // Overdue actions are reminded once, on the first poll after their
        // date: a week back is reach enough for a service that was down.
        let from = today - Days::new(14);
        for row in self.store.due_actions(from, today).await? {
            match action_due(row.due_on, today, self.calendar) {
                Ok(Some(kind)) => {
                    report.due += 1;
                    let reminder = NewReminder {
                        stage_id: row.stage.stage_id,
                        kind,
                        due_on: row.due_on,
                        recipient: row.owner.clone(),
                    };
                    keep(reminder, &row.stage, Some(&row.action));
                }
                Ok(None) => {}
                Err(problem) => {
                    tracing::warn!(case = row.stage.reference.as_str(), %problem, "skipped");
                }
            }
        }
        Ok(())
    }

    /// What one open stage needs today; `None` when it has no deadline.
    fn check(
        &self,
        row: &OpenStageRow,
        notices: &HashMap<i64, (NaiveDate, NaiveDate)>,
        today: NaiveDate,
    ) -> Result<Option<Checked>, CalendarError> {
        let s = &row.stage;
        let deadlines = s.terms.deadlines(
            s.received_on,
            self.calendar,
            self.settings.timescales.agreed_default_months,
        )?;
        let Some(due_on) = deadlines.respond_by else {
            return Ok(None);
        };
        let stage = OpenStage {
            due_on,
            reason_given: row.reason_given,
            first_notice_on: notices
                .get(&s.stage_id)
                .filter(|(notice_due_on, _)| *notice_due_on == due_on)
                .map(|(_, day)| *day),
        };
        let (_, reminders) = reminders_due(stage, today, self.calendar, &self.settings.reminders)?;
        let mut reminders: Vec<(Reminder, NaiveDate)> =
            reminders.into_iter().map(|r| (r, due_on)).collect();
        if let (Some(by), None) = (deadlines.acknowledge_by, s.terms.acknowledged_on) {
            reminders.extend(acknowledgement_due(by, today, self.calendar)?.map(|r| (r, by)));
        }
        Ok(Some(Checked {
            respond_by: due_on,
            reminders,
        }))
    }

    fn composer(&self, today: NaiveDate, now: DateTime<Utc>) -> Composer<'_> {
        let settings = self.settings;
        Composer {
            templates: self.templates,
            calendar: self.calendar,
            mail: &settings.mail,
            batching: settings.reminders.batch,
            escalate_after_days: settings.reminders.escalate_after_days,
            cases_per_section: usize::try_from(settings.reminders.cases_per_section)
                .unwrap_or(usize::MAX),
            links: Links {
                keys: self.keys,
                public_url: &settings.web.public_url,
                valid_days: settings.web.link_valid_days,
            },
            today,
            now,
        }
    }
}

/// Reminders composed and stored at a time (more when one recipient has
/// more): a few megabytes of e-mail.
const COMPOSE_BATCH: usize = 5_000;
