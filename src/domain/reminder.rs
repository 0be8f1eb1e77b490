//! The kinds of reminder, as the poll records them and e-mails list them.

use std::fmt;

use serde::Serialize;

/// One kind of reminder about one deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reminder {
    /// The deadline is at most `days` working days away (and more than the
    /// next smaller threshold).
    DueSoon { days: u32 },
    /// The deadline is today.
    DueToday,
    /// The `notice`-th request for the reason for the delay (1, 2, ...).
    Overdue { notice: u32 },
    /// The stage is still open `escalate_after_days` after the deadline.
    Escalation,
    /// The complaint must be acknowledged today (the deadline is the
    /// acknowledgement's).
    AcknowledgementDue,
    /// The acknowledgement deadline has passed with none recorded.
    AcknowledgementOverdue,
    /// The stage was answered after its deadline (the reminder's) and no
    /// reason was given: asked once.
    AnsweredLate,
    /// The `ask`-th request for the learning from an upheld or partly
    /// upheld response (the deadline is the day it was answered).
    LearningRequest { ask: u32 },
    /// An action from the learning is due today (its due date).
    ActionDue,
    /// An action's due date has passed: said once.
    ActionOverdue,
}

impl Reminder {
    /// Parses the form written by `Display`, as the reminders table stores it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "due_today" => Some(Self::DueToday),
            "escalation" => Some(Self::Escalation),
            "acknowledgement_due" => Some(Self::AcknowledgementDue),
            "acknowledgement_overdue" => Some(Self::AcknowledgementOverdue),
            "answered_late" => Some(Self::AnsweredLate),
            "action_due" => Some(Self::ActionDue),
            "action_overdue" => Some(Self::ActionOverdue),
            _ => {
                if let Some(days) = text.strip_prefix("due_soon_") {
                    days.parse().ok().map(|days| Self::DueSoon { days })
                } else if let Some(ask) = text.strip_prefix("learning_") {
                    ask.parse().ok().map(|ask| Self::LearningRequest { ask })
                } else {
                    let notice = text.strip_prefix("overdue_")?.parse().ok()?;
                    Some(Self::Overdue { notice })
                }
            }
        }
    }

    /// Whether the reminder asks for the reason for a delay.
    pub const fn is_overdue(self) -> bool {
        matches!(
            self,
            Self::Overdue { .. } | Self::Escalation | Self::AnsweredLate
        )
    }

    /// Whether the reminder's link leads to the learning form.
    pub const fn asks_for_learning(self) -> bool {
        matches!(self, Self::LearningRequest { .. })
    }

    /// Whether the reminder is one stale case data would make wrong: the
    /// case may have been answered, or acknowledged, since.
    pub const fn is_past_deadline(self) -> bool {
        matches!(
            self,
            Self::Overdue { .. } | Self::Escalation | Self::AcknowledgementOverdue
        )
    }
}

/// `due_soon_5`, `due_today`, `overdue_2`, `escalation`,
/// `acknowledgement_due`, `acknowledgement_overdue`, `answered_late`,
/// `learning_1`, `action_due`, `action_overdue`: stored in the
/// reminders' uniqueness key (stage, kind, deadline).
impl fmt::Display for Reminder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DueSoon { days } => write!(f, "due_soon_{days}"),
            Self::DueToday => f.write_str("due_today"),
            Self::Overdue { notice } => write!(f, "overdue_{notice}"),
            Self::Escalation => f.write_str("escalation"),
            Self::AcknowledgementDue => f.write_str("acknowledgement_due"),
            Self::AcknowledgementOverdue => f.write_str("acknowledgement_overdue"),
            Self::AnsweredLate => f.write_str("answered_late"),
            Self::LearningRequest { ask } => write!(f, "learning_{ask}"),
            Self::ActionDue => f.write_str("action_due"),
            Self::ActionOverdue => f.write_str("action_overdue"),
        }
    }
}

/// Reads a stored kind (`sqlx`'s `try_from` on a row's text column).
impl TryFrom<String> for Reminder {
    type Error = super::ParseError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
            .ok_or_else(|| super::ParseError::new(format!("{text:?} is not a kind of reminder")))
    }
}
