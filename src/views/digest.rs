//! The digests, as `digest_learning.*` and `digest_escalation.*` are given
//! them: every value already written as people read it.

use serde::Serialize;

/// What the learning digest's templates are given.
#[derive(Debug, Clone, Serialize)]
pub struct LearningPage {
    /// The subject line.
    pub title: String,
    /// "Monday 31 August 2026 to Sunday 6 September 2026".
    pub period: String,
    pub with_learning: Vec<UpheldItem>,
    pub without_learning: Vec<UpheldItem>,
    /// Answered before the period, with learning recorded in it.
    pub learning_since: Vec<UpheldItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpheldItem {
    pub reference: String,
    pub kind: String,
    pub stage: u8,
    pub team: String,
    pub manager: String,
    pub received_on: String,
    pub responded_on: String,
    /// "Upheld" or "Partly upheld".
    pub outcome: String,
    /// Oldest first.
    pub learning: Vec<LearningLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearningLine {
    pub given_on: String,
    pub text: String,
    /// Empty when the entry names no action; so are its owner and date.
    pub action: String,
    pub action_owner: String,
    pub action_due_on: String,
}

/// What the heads-of-service digest's templates are given.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationPage {
    pub title: String,
    pub period: String,
    /// Whose late responses these are, in a sentence.
    pub about: String,
    pub with_reason: Vec<LateItem>,
    pub without_reason: Vec<LateItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LateItem {
    pub reference: String,
    pub kind: String,
    pub stage: u8,
    pub team: String,
    pub manager: String,
    pub due_on: String,
    pub responded_on: String,
    /// "3 working days late".
    pub late: String,
    pub reasons: Vec<ReasonLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonLine {
    pub category: String,
    pub text: String,
    /// When the manager expected to respond; empty if not given.
    pub expected_on: String,
}

impl LearningPage {
    pub fn sample() -> Self {
        let item = |reference: &str, learning: Vec<LearningLine>| UpheldItem {
            reference: reference.to_owned(),
            kind: "Children's social care (statutory)".to_owned(),
            stage: 1,
            team: "Fostering".to_owned(),
            manager: "Ann Lee".to_owned(),
            received_on: "Thursday 20 August 2026".to_owned(),
            responded_on: "Friday 4 September 2026".to_owned(),
            outcome: "Upheld".to_owned(),
            learning,
        };
        let line = |text: &str, action: &str| LearningLine {
            given_on: "Friday 4 September 2026".to_owned(),
            text: text.to_owned(),
            action: action.to_owned(),
            action_owner: if action.is_empty() { "" } else { "Ann Lee" }.to_owned(),
            action_due_on: if action.is_empty() {
                ""
            } else {
                "Friday 2 October 2026"
            }
            .to_owned(),
        };
        Self {
            title: "Learning from upheld complaints: 31 August to 6 September 2026".to_owned(),
            period: "Monday 31 August 2026 to Sunday 6 September 2026".to_owned(),
            with_learning: vec![item(
                "CSC-1",
                vec![
                    line("Letters name no contact", "Add a contact to the template"),
                    line("Phone before writing", ""),
                ],
            )],
            without_learning: vec![item("CSC-2", Vec::new())],
            learning_since: vec![item("CORP-3", vec![line("Check the plan monthly", "")])],
        }
    }
}

impl EscalationPage {
    pub fn sample() -> Self {
        let item = |reference: &str, reasons: Vec<ReasonLine>| LateItem {
            reference: reference.to_owned(),
            kind: "Corporate".to_owned(),
            stage: 1,
            team: "Parks".to_owned(),
            manager: "Bo Khan".to_owned(),
            due_on: "Thursday 3 September 2026".to_owned(),
            responded_on: "Friday 4 September 2026".to_owned(),
            late: "1 working day late".to_owned(),
            reasons,
        };
        Self {
            title: "Late complaint responses: 31 August to 6 September 2026".to_owned(),
            period: "Monday 31 August 2026 to Sunday 6 September 2026".to_owned(),
            about: "The complaint responses sent late by the managers who report to you."
                .to_owned(),
            with_reason: vec![item(
                "CORP-1",
                vec![ReasonLine {
                    category: "Staff absence or capacity".to_owned(),
                    text: "Officer on leave".to_owned(),
                    expected_on: "Friday 4 September 2026".to_owned(),
                }],
            )],
            without_reason: vec![item("CORP-2", Vec::new())],
        }
    }
}
