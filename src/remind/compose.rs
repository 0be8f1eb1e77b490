//! Turning the day's recorded reminders into e-mails: who gets what, in
//! which order, under which subject. Pure: the day and the calendar are given.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::ics;
use crate::calendar::{Calendar, CalendarError};
use crate::domain::{ClockStart, Outcome, Reminder};
use crate::format::{long_date, status};
use crate::links::{Claims, LinkKeys};
use crate::settings::{Batching, MailSettings};
use crate::store::{NewMessage, UnsentReminder};
use crate::templates::{TemplateError, Templates};
use crate::timescale::clock_starts;
use crate::views::notice::{Item, Link, Notice, Section};

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("case {reference}: {source}")]
    Calendar {
        reference: String,
        source: CalendarError,
    },
}

/// Everything composing needs besides the reminders.
pub struct Composer<'a> {
    pub templates: &'a Templates,
    pub calendar: &'a Calendar,
    pub mail: &'a MailSettings,
    pub batching: Batching,
    pub escalate_after_days: u32,
    /// Cases listed in each section at most; the rest are counted.
    pub cases_per_section: usize,
    /// Signs the links to the delay-reason form.
    pub links: Links<'a>,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// How links to the delay-reason form are made.
#[derive(Clone, Copy)]
pub struct Links<'a> {
    pub keys: &'a LinkKeys,
    pub public_url: &'a url::Url,
    pub valid_days: u32,
}

impl Links<'_> {
    /// `{public_url}/reasons/{token}` (or `/learning/{token}` for a request
    /// for learning) for one reminder, valid `valid_days` calendar days
    /// from `today`.
    pub fn to_form(&self, reminder: &UnsentReminder, today: NaiveDate) -> String {
        let claims = Claims {
            reminder_id: reminder.id,
            stage_id: reminder.stage.stage_id,
            expires_on: today
                .checked_add_days(Days::new(u64::from(self.valid_days)))
                .unwrap_or(NaiveDate::MAX),
        };
        let base = self.public_url.as_str().trim_end_matches('/');
        let form = if reminder.kind.asks_for_learning() {
            "learning"
        } else {
            "reasons"
        };
        format!("{base}/{form}/{}", self.keys.sign(claims))
    }
}

/// The sections of a notice, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Urgency {
    Escalated,
    Overdue,
    AcknowledgementOverdue,
    DueToday,
    AcknowledgementDue,
    ActionOverdue,
    ActionDue,
    DueSoon,
    AnsweredLate,
    Learning,
}

impl Urgency {
    fn of(reminder: Reminder) -> Self {
        match reminder {
            Reminder::Escalation => Self::Escalated,
            Reminder::Overdue { .. } => Self::Overdue,
            Reminder::AcknowledgementOverdue => Self::AcknowledgementOverdue,
            Reminder::DueToday => Self::DueToday,
            Reminder::AcknowledgementDue => Self::AcknowledgementDue,
            Reminder::ActionOverdue => Self::ActionOverdue,
            Reminder::ActionDue => Self::ActionDue,
            Reminder::DueSoon { .. } => Self::DueSoon,
            Reminder::AnsweredLate => Self::AnsweredLate,
            Reminder::LearningRequest { .. } => Self::Learning,
        }
    }

    const fn is_acknowledgement(self) -> bool {
        matches!(
            self,
            Self::AcknowledgementOverdue | Self::AcknowledgementDue
        )
    }

    /// Whether the stage has been answered: the reminder is about what
    /// followed the response.
    const fn is_after_response(self) -> bool {
        matches!(
            self,
            Self::AnsweredLate | Self::Learning | Self::ActionOverdue | Self::ActionDue
        )
    }

    /// What is due, as a noun that takes an "s" in the plural.
    const fn due(self) -> &'static str {
        match self {
            Self::AcknowledgementOverdue | Self::AcknowledgementDue => "acknowledgement",
            Self::ActionOverdue | Self::ActionDue => "action",
            Self::Learning => "upheld response",
            _ => "response",
        }
    }

    /// The words after the count in a subject: "2 overdue".
    const fn counted(self) -> &'static str {
        match self {
            Self::Escalated => "escalated",
            Self::Overdue | Self::AcknowledgementOverdue | Self::ActionOverdue => "overdue",
            Self::DueToday | Self::AcknowledgementDue | Self::ActionDue => "due today",
            Self::DueSoon => "due soon",
            Self::AnsweredLate => "answered late",
            Self::Learning => "awaiting learning",
        }
    }

    /// The words of the link by each case, for the reminders that have one.
    const fn link_label(self) -> Option<&'static str> {
        match self {
            Self::Escalated | Self::Overdue | Self::AnsweredLate => Some("Give the reason"),
            Self::Learning => Some("Record the learning"),
            _ => None,
        }
    }
}

/// One reminder, placed.
struct Placed<'r> {
    reminder: &'r UnsentReminder,
    urgency: Urgency,
    left: i64,
}

impl Composer<'_> {
    /// One e-mail per recipient (or per reminder, with `batch = "case"`).
    pub fn compose(&self, unsent: &[UnsentReminder]) -> Result<Vec<NewMessage>, ComposeError> {
        let mut groups: BTreeMap<(String, i64), Vec<Placed<'_>>> = BTreeMap::new();
        for r in unsent {
            let left = self
                .calendar
                .working_days_between(self.today, r.due_on)
                .map_err(|source| ComposeError::Calendar {
                    reference: r.stage.reference.as_str().to_owned(),
                    source,
                })?;
            let apart = match self.batching {
                Batching::Recipient => 0,
                Batching::Case => r.id,
            };
            groups
                .entry((r.recipient.clone(), apart))
                .or_default()
                .push(Placed {
                    reminder: r,
                    urgency: Urgency::of(r.kind),
                    left,
                });
        }
        groups
            .into_values()
            .map(|placed| self.message(placed))
            .collect()
    }

    fn message(&self, mut placed: Vec<Placed<'_>>) -> Result<NewMessage, ComposeError> {
        placed.sort_by(|a, b| {
            (a.urgency, a.left, a.reminder.stage.reference.as_str()).cmp(&(
                b.urgency,
                b.left,
                b.reminder.stage.reference.as_str(),
            ))
        });
        let first = placed[0].reminder;
        let recipient = first.recipient.clone();
        let escalated = placed.iter().any(|p| p.urgency == Urgency::Escalated);
        let team = self.mail.complaints_team.email.to_string();
        let cc = (escalated && !recipient.eq_ignore_ascii_case(&team)).then_some(team);
        let summary = subject(&placed);
        let notice = Notice {
            recipient_name: first.recipient_name.clone(),
            summary: summary.clone(),
            day: long_date(self.today),
            sections: self.sections(&placed),
            complaints_team: self.mail.complaints_team.to_string(),
        };
        let rendered = self.templates.reminder(&notice)?;
        // Only the listed cases get a calendar entry: the attachment should
        // not carry what the e-mail leaves out.
        let soon: Vec<&UnsentReminder> = placed
            .iter()
            .filter(|p| p.urgency == Urgency::DueSoon)
            .take(self.cases_per_section)
            .map(|p| p.reminder)
            .collect();
        let ics = (!soon.is_empty())
            .then(|| ics::deadlines(&soon, self.mail.from.email.domain(), self.now));
        Ok(NewMessage {
            recipient,
            cc,
            subject: summary,
            body_text: rendered.text,
            body_html: rendered.html,
            ics,
            // Every reminder is carried, listed or counted, so none is sent
            // again tomorrow as if it were new.
            reminder_ids: placed.iter().map(|p| p.reminder.id).collect(),
        })
    }

    fn sections(&self, placed: &[Placed<'_>]) -> Vec<Section> {
        let mut sections: Vec<Section> = Vec::new();
        let mut current = None;
        for p in placed {
            if current != Some(p.urgency) {
                current = Some(p.urgency);
                let (heading, action) = self.words(p.urgency);
                sections.push(Section {
                    heading,
                    action,
                    items: Vec::new(),
                    more: 0,
                });
            }
            if let Some(section) = sections.last_mut() {
                if section.items.len() >= self.cases_per_section {
                    section.more += 1;
                    continue;
                }
                let link = p.urgency.link_label().map(|label| Link {
                    url: self.links.to_form(p.reminder, self.today),
                    label: label.to_owned(),
                });
                section.items.push(item(p, link));
            }
        }
        sections
    }

    fn words(&self, urgency: Urgency) -> (String, String) {
        let (heading, action) = match urgency {
            Urgency::Escalated => (
                format!(
                    "Escalated to you: still open {} or more working days after the deadline",
                    self.escalate_after_days
                ),
                "Please make sure a response is sent, and that the complaints team knows why it is \
                 late: the link by each case records the reason.",
            ),
            Urgency::Overdue => (
                "Overdue: please tell us why".to_owned(),
                "The response deadline has passed. Please follow the link by each case to tell the \
                 complaints team why, and when the response will be sent: it takes a minute.",
            ),
            Urgency::DueToday => (
                "Due today".to_owned(),
                "Please send the response today, or speak to the complaints team about an extension.",
            ),
            Urgency::AcknowledgementOverdue => (
                "Acknowledgement overdue".to_owned(),
                "These complaints have not been acknowledged in the time their procedure allows. \
                 Please acknowledge them today and record the date in the case system: under the \
                 2024 complaint codes the response time counts from the acknowledgement.",
            ),
            Urgency::AcknowledgementDue => (
                "Acknowledgement due today".to_owned(),
                "Please acknowledge these complaints today and record the date in the case system.",
            ),
            Urgency::DueSoon => (
                "Due soon".to_owned(),
                "Please make sure the response is sent by the date shown. The attached calendar \
                 entry holds the deadline.",
            ),
            Urgency::AnsweredLate => (
                "Answered late: please tell us why".to_owned(),
                "The case system shows these responses sent after their deadline, and no reason \
                 has been given. Please follow the link by each case to say what held it up: the \
                 complaints team reports the reasons to senior managers. You are asked once.",
            ),
            Urgency::Learning => (
                "Upheld: what has been learnt?".to_owned(),
                "These complaints were upheld or partly upheld, and no learning is on record. \
                 Please follow the link by each case to say what the service has learnt and what \
                 will change: it takes a few minutes.",
            ),
            Urgency::ActionOverdue => (
                "Actions past their date".to_owned(),
                "These actions, agreed after upheld complaints, were due by the date shown. If \
                 one is done or has moved, tell the complaints team.",
            ),
            Urgency::ActionDue => (
                "Actions due today".to_owned(),
                "These actions, agreed after upheld complaints, are due today.",
            ),
        };
        (heading, action.to_owned())
    }
}

fn item(p: &Placed<'_>, link: Option<Link>) -> Item {
    let stage = &p.reminder.stage;
    let terms = &stage.terms;
    let provisional = !p.urgency.is_acknowledgement()
        && !p.urgency.is_after_response()
        && terms.terms.clock_starts == ClockStart::Acknowledged
        && terms.acknowledged_on.is_none();
    Item {
        reference: stage.reference.as_str().to_owned(),
        kind: stage.kind.label().to_owned(),
        stage: stage.stage.number(),
        team: stage.team.clone(),
        manager_name: (p.urgency == Urgency::Escalated).then(|| stage.manager_name.clone()),
        received_on: long_date(stage.received_on),
        // An acknowledgement is counted from receipt, whatever the
        // response's clock.
        clock_starts: clock_starts(
            stage.kind,
            stage.stage,
            if p.urgency.is_acknowledgement() {
                ClockStart::Received
            } else {
                stage.terms.terms.clock_starts
            },
        )
        .to_owned(),
        answered: p.urgency.is_after_response(),
        due_on: if p.urgency == Urgency::Learning {
            String::new()
        } else if provisional {
            format!(
                "{} (provisional: counted from the acknowledgement deadline until the complaint is acknowledged)",
                long_date(p.reminder.due_on)
            )
        } else {
            long_date(p.reminder.due_on)
        },
        status: item_status(p),
        action: p.reminder.action.clone(),
        link,
    }
}

/// Where the stage stands: "3 working days overdue"; for a stage answered,
/// when and how.
fn item_status(p: &Placed<'_>) -> String {
    let stage = &p.reminder.stage;
    let answered = stage
        .responded_on
        .map_or_else(String::new, |day| format!("Answered {}", long_date(day)));
    match p.urgency {
        Urgency::AnsweredLate => format!("{answered}, after the deadline"),
        Urgency::Learning => {
            let outcome = stage.outcome.map_or("", |o| match o {
                Outcome::PartiallyUpheld => ", partly upheld",
                _ => ", upheld",
            });
            format!("{answered}{outcome}")
        }
        _ => status(p.left),
    }
}

/// "2 complaint responses overdue, 1 due today, 1 acknowledgement due
/// today"; a single reminder names its case: "Complaint response overdue:
/// CSC-1 stage 1".
fn subject(placed: &[Placed<'_>]) -> String {
    if let [only] = placed {
        let stage = &only.reminder.stage;
        return format!(
            "Complaint {} {}: {} stage {}",
            only.urgency.due(),
            only.urgency.counted(),
            stage.reference.as_str(),
            stage.stage.number()
        );
    }
    let mut counts: Vec<(Urgency, usize)> = Vec::new();
    for p in placed {
        match counts.last_mut() {
            Some((u, n)) if *u == p.urgency => *n += 1,
            _ => counts.push((p.urgency, 1)),
        }
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, (urgency, n))| {
            let plural = if *n == 1 { "" } else { "s" };
            let (due, counted) = (urgency.due(), urgency.counted());
            match (i, urgency.due() == counts[0].0.due()) {
                (0, _) => format!("{n} complaint {due}{plural} {counted}"),
                (_, true) => format!("{n} {counted}"),
                (_, false) => format!("{n} {due}{plural} {counted}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
