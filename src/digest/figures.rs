//! What each digest lists, worked out from the store's rows for a period:
//! pure, so that "today" and the period are arguments and nothing here
//! reads a clock or the database.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};

use crate::calendar::Calendar;
use crate::domain::{Kind, Outcome, london_instant, london_time};
use crate::settings::{DelayReasons, Schedule};
use crate::store::{DigestLearning, DigestReason, DigestRows, DigestStage};
use crate::timescale::{Deadlines, Timescales};

/// The days a digest covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period of the digest due at `now`: from the day of the firing
    /// before the latest one, up to the day before the latest one. Firings
    /// on the same day as the latest are passed over, so an hourly schedule
    /// still makes one digest a day, never one of no days.
    pub fn due_at(schedule: &Schedule, now: DateTime<Utc>) -> Option<Self> {
        let latest = schedule.latest_at_or_before(now)?;
        let (made_on, _) = london_time(latest);
        let previous = schedule.latest_before(london_instant(made_on, NaiveTime::MIN))?;
        Some(Self {
            from: london_time(previous).0,
            to: made_on.pred_opt()?,
        })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.from..=self.to).contains(&day)
    }

    /// The instants the period begins and ends on London clocks: learning
    /// is recorded at an instant, and counted by the London day it fell on.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let after = self.to + Days::new(1);
        (
            london_instant(self.from, NaiveTime::MIN),
            london_instant(after, NaiveTime::MIN),
        )
    }

    /// "2026-11-30_2026-12-06", for file names.
    pub fn slug(&self) -> String {
        format!("{}_{}", self.from, self.to)
    }

    pub fn as_pair(&self) -> (NaiveDate, NaiveDate) {
        (self.from, self.to)
    }
}

/// A listed stage: what identifies it and who answered it. Nothing about
/// the complainant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub stage_id: i64,
    pub reference: String,
    pub kind: Kind,
    pub stage: u8,
    pub team: String,
    pub manager: String,
    pub received_on: NaiveDate,
    pub responded_on: NaiveDate,
}

impl Listed {
    fn of(row: &DigestStage) -> Option<Self> {
        let s = &row.stage;
        Some(Self {
            stage_id: s.stage_id,
            reference: s.reference.to_string(),
            kind: s.kind,
            stage: s.stage.number(),
            team: s.team.clone(),
            manager: s.manager_name.clone(),
            received_on: s.received_on,
            responded_on: s.responded_on?,
        })
    }
}

/// One learning entry, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub text: String,
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<NaiveDate>,
    /// The London day it was recorded.
    pub given_on: NaiveDate,
}

/// An upheld or partly upheld response and all its learning, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upheld {
    pub listed: Listed,
    pub outcome: Outcome,
    pub learning: Vec<Entry>,
}

/// The learning digest of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningDigest {
    pub period: Period,
    /// Answered in the period, with learning on record.
    pub with_learning: Vec<Upheld>,
    /// Answered in the period, with none yet.
    pub without_learning: Vec<Upheld>,
    /// Answered before the period, with learning recorded in it: learning
    /// is asked for after the response, so most arrives a digest later.
    pub learning_since: Vec<Upheld>,
}

/// Works out the learning digest of `period` from `rows`.
pub fn learning(period: Period, rows: &DigestRows) -> LearningDigest {
    let mut entries = learning_by_stage(&rows.learning);
    let mut digest = LearningDigest {
        period,
        with_learning: Vec::new(),
        without_learning: Vec::new(),
        learning_since: Vec::new(),
    };
    for row in &rows.stages {
        let Some(outcome) = row.stage.outcome.filter(|o| is_upheld(*o)) else {
            continue;
        };
        let Some(listed) = Listed::of(row) else {
            continue;
        };
        let learning = entries.remove(&listed.stage_id).unwrap_or_default();
        let answered_in = period.contains(listed.responded_on);
        let new_in = learning.iter().any(|e| period.contains(e.given_on));
        let list = match (answered_in, learning.is_empty()) {
            (true, false) => &mut digest.with_learning,
            (true, true) => &mut digest.without_learning,
            (false, _) if new_in && listed.responded_on < period.from => &mut digest.learning_since,
            (false, _) => continue,
        };
        list.push(Upheld {
            listed,
            outcome,
            learning,
        });
    }
    digest
}

fn is_upheld(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Upheld | Outcome::PartiallyUpheld)
}

/// Entries by stage, each stage's in the order given (the store's, oldest
/// first).
fn learning_by_stage(rows: &[DigestLearning]) -> HashMap<i64, Vec<Entry>> {
    let mut by_stage: HashMap<i64, Vec<Entry>> = HashMap::new();
    for l in rows {
        by_stage.entry(l.stage_id).or_default().push(Entry {
            text: l.text.clone(),
            action: l.action.clone(),
            action_owner: l.action_owner.clone(),
            action_due_on: l.action_due_on,
            given_on: london_time(l.given_at).0,
        });
    }
    by_stage
}

/// A delay reason as the digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The category's label, or its stored name if no longer configured.
    pub category: String,
    pub text: String,
    pub expected_on: Option<NaiveDate>,
}

/// A response sent after its deadline, with the reasons given, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Late {
    pub listed: Listed,
    pub due_on: NaiveDate,
    /// Working days after the deadline the response was sent.
    pub working_days_late: i64,
    pub reasons: Vec<Reason>,
}

/// Who a heads-of-service digest goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recipient {
    /// A head of service: the escalation contact of the managers listed.
    HeadOfService(String),
    /// The complaints team, for managers with no escalation contact.
    ComplaintsTeam,
}

/// One recipient's heads-of-service digest of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationDigest {
    pub period: Period,
    pub recipient: Recipient,
    pub with_reason: Vec<Late>,
    pub without_reason: Vec<Late>,
}

impl EscalationDigest {
    pub fn total(&self) -> usize {
        self.with_reason.len() + self.without_reason.len()
    }
}

/// What the heads-of-service digests need besides the rows.
pub struct Rules<'a> {
    pub calendar: &'a Calendar,
    pub timescales: &'a Timescales,
    pub reasons: &'a DelayReasons,
}

/// The heads-of-service digests of `period`: one per escalation contact
/// with a late response in it, in address order, then the complaints
/// team's for managers with none. Late means answered after the response
/// deadline the stage's stored terms give; a stage whose deadline cannot be
/// worked out (a date outside the calendar) is left out, as the tracker
/// leaves it out.
pub fn escalation(period: Period, rows: &DigestRows, rules: &Rules) -> Vec<EscalationDigest> {
    let mut reasons = reasons_by_stage(&rows.reasons, rules.reasons);
    let mut by_recipient: BTreeMap<Recipient, EscalationDigest> = BTreeMap::new();
    for row in &rows.stages {
        let Some(late) = late_response(period, row, rules) else {
            continue;
        };
        let recipient = row
            .escalation_email
            .clone()
            .map_or(Recipient::ComplaintsTeam, Recipient::HeadOfService);
        let digest = by_recipient
            .entry(recipient.clone())
            .or_insert_with(|| EscalationDigest {
                period,
                recipient,
                with_reason: Vec::new(),
                without_reason: Vec::new(),
            });
        let given = reasons.remove(&late.listed.stage_id).unwrap_or_default();
        if given.is_empty() {
            digest.without_reason.push(late);
        } else {
            digest.with_reason.push(Late {
                reasons: given,
                ..late
            });
        }
    }
    by_recipient.into_values().collect()
}

/// The stage as a late response of the period, if it is one.
fn late_response(period: Period, row: &DigestStage, rules: &Rules) -> Option<Late> {
    let s = &row.stage;
    let responded_on = s.responded_on.filter(|d| period.contains(*d))?;
    let Ok(Deadlines {
        respond_by: Some(due_on),
        ..
    }) = s.terms.deadlines(
        s.received_on,
        rules.calendar,
        rules.timescales.agreed_default_months,
    )
    else {
        return None;
    };
    if responded_on <= due_on {
        return None;
    }
    Some(Late {
        listed: Listed::of(row)?,
        due_on,
        working_days_late: rules
            .calendar
            .working_days_between(due_on, responded_on)
            .ok()?,
        reasons: Vec::new(),
    })
}

fn reasons_by_stage(rows: &[DigestReason], settings: &DelayReasons) -> HashMap<i64, Vec<Reason>> {
    let mut by_stage: HashMap<i64, Vec<Reason>> = HashMap::new();
    for r in rows {
        let category = settings
            .find(&r.category)
            .map_or_else(|| r.category.clone(), |c| c.label.clone());
        by_stage.entry(r.stage_id).or_default().push(Reason {
            category,
            text: r.text.clone(),
            expected_on: r.expected_response_on,
        });
    }
    by_stage
}

#[cfg(test)]
mod tests;
