//! The forms behind signed links, as their templates are given them: the
//! delay reason (`reason_form.html`, `reason_done.html`), the learning from
//! an upheld complaint (`learning_form.html`, `learning_done.html`), and
//! the page refusing a link (`refused.html`).

use std::collections::BTreeMap;

use serde::Serialize;

/// The longest explanation accepted, in characters.
pub const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: String,
    pub label: String,
}

/// Each field's error, by the field's name (its `id` on the page).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn from_list(errors: &[FieldError]) -> Self {
        let mut map = BTreeMap::new();
        for e in errors {
            map.entry(e.field).or_insert_with(|| e.message.clone());
        }
        Self(map)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The stage a form is about, as both forms show it: nothing here
/// identifies the complainant.
#[derive(Debug, Clone, Serialize)]
pub struct StageFacts {
    pub reference: String,
    pub kind: String,
    pub stage: u8,
    pub team: String,
    pub due_on: String,
    /// Where it stands: "3 working days overdue", or "Answered on Tuesday
    /// 8 December 2026, 2 working days after the deadline".
    pub status: String,
}

/// A reason already on record, as the form lists it.
#[derive(Debug, Clone, Serialize)]
pub struct GivenReason {
    pub category: String,
    pub text: String,
    pub expected_response_on: Option<String>,
    pub given_on: String,
}

/// Which reason the form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Asking {
    /// Still open past its deadline.
    Overdue,
    /// Open, not yet due: a reason given early is kept all the same.
    NotYetDue,
    /// Answered after the deadline.
    AnsweredLate,
    /// Answered on time: what is sent is kept as a note, not counted as
    /// a reason for a delay.
    Note,
}

/// What the reason form shows.
#[derive(Debug, Clone, Serialize)]
pub struct FormPage {
    pub stage: StageFacts,
    pub asking: Asking,
    pub given: Vec<GivenReason>,
    pub categories: Vec<Category>,
    pub category: String,
    pub text: String,
    pub expected_response_on: String,
    /// The manager ticked "add another reason" (needed once one is given).
    pub add_another: bool,
    pub example_date: String,
    pub min_text: u32,
    pub max_text: usize,
    pub errors: Vec<FieldError>,
    /// The same errors by field, for marking each one.
    pub error_for: FieldErrors,
    pub complaints_team: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DonePage {
    pub reference: String,
    pub stage: u8,
    pub asking: Asking,
    pub expected_response_on: Option<String>,
    /// The same reason was on record already (a second click): nothing
    /// was added.
    pub already: bool,
    pub complaints_team: String,
}

/// Learning already on record, as the form lists it.
#[derive(Debug, Clone, Serialize)]
pub struct GivenLearning {
    pub text: String,
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<String>,
    pub given_on: String,
}

/// What the learning form shows.
#[derive(Debug, Clone, Serialize)]
pub struct LearningPage {
    pub stage: StageFacts,
    /// "upheld" or "partly upheld".
    pub outcome: String,
    pub given: Vec<GivenLearning>,
    pub text: String,
    pub action: String,
    pub action_owner: String,
    pub action_due_on: String,
    pub add_another: bool,
    pub example_date: String,
    pub min_text: u32,
    pub max_text: usize,
    pub errors: Vec<FieldError>,
    pub error_for: FieldErrors,
    pub complaints_team: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearningDonePage {
    pub reference: String,
    pub stage: u8,
    pub action_due_on: Option<String>,
    /// The owner who will be reminded on the due date, if casewatch knows
    /// their address.
    pub reminded: Option<String>,
    /// An owner given as a name, or an address casewatch does not know:
    /// kept as written, and no reminder goes to it.
    pub not_reminded: Option<String>,
    pub already: bool,
    pub complaints_team: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefusedPage {
    pub title: String,
    pub explanation: String,
    pub complaints_team: String,
}

const TEAM: &str = "Complaints team <complaints@council.example>";

impl StageFacts {
    pub fn sample() -> Self {
        Self {
            reference: "CSC-1".to_owned(),
            kind: "Children's social care (statutory)".to_owned(),
            stage: 1,
            team: "Fostering".to_owned(),
            due_on: "Monday 16 November 2026".to_owned(),
            status: "7 working days overdue".to_owned(),
        }
    }
}

fn sample_errors(field: &'static str, message: &str) -> (Vec<FieldError>, FieldErrors) {
    let errors = vec![FieldError {
        field,
        message: message.to_owned(),
    }];
    let by_field = FieldErrors::from_list(&errors);
    (errors, by_field)
}

impl FormPage {
    pub fn sample() -> Self {
        let (errors, error_for) = sample_errors("text", "Say what has held the response up");
        Self {
            stage: StageFacts::sample(),
            asking: Asking::Overdue,
            given: vec![GivenReason {
                category: "Waiting for legal advice".to_owned(),
                text: "Counsel's opinion due <soon>".to_owned(),
                expected_response_on: Some("Tuesday 1 December 2026".to_owned()),
                given_on: "Friday 20 November 2026".to_owned(),
            }],
            categories: vec![Category {
                name: "other".to_owned(),
                label: "Other".to_owned(),
            }],
            category: "other".to_owned(),
            text: "Waiting for <legal> advice".to_owned(),
            expected_response_on: "2026-12-01".to_owned(),
            add_another: true,
            example_date: "11 December 2026".to_owned(),
            min_text: 10,
            max_text: MAX_TEXT,
            errors,
            error_for,
            complaints_team: TEAM.to_owned(),
        }
    }
}

impl DonePage {
    pub fn sample() -> Self {
        Self {
            reference: "CSC-1".to_owned(),
            stage: 1,
            asking: Asking::Overdue,
            expected_response_on: Some("Tuesday 1 December 2026".to_owned()),
            already: false,
            complaints_team: TEAM.to_owned(),
        }
    }
}

impl LearningPage {
    pub fn sample() -> Self {
        let (errors, error_for) = sample_errors("text", "Say what the service has learnt");
        Self {
            stage: StageFacts {
                status: "Answered on Friday 11 December 2026".to_owned(),
                ..StageFacts::sample()
            },
            outcome: "partly upheld".to_owned(),
            given: vec![GivenLearning {
                text: "Letters must say <when> visits stop".to_owned(),
                action: Some("Update the template".to_owned()),
                action_owner: Some("ann.lee@council.example".to_owned()),
                action_due_on: Some("Friday 8 January 2027".to_owned()),
                given_on: "Friday 18 December 2026".to_owned(),
            }],
            text: "Check the placement plan".to_owned(),
            action: "Brief the team".to_owned(),
            action_owner: "Ann Lee".to_owned(),
            action_due_on: "2027-01-08".to_owned(),
            add_another: false,
            example_date: "11 December 2026".to_owned(),
            min_text: 10,
            max_text: MAX_TEXT,
            errors,
            error_for,
            complaints_team: TEAM.to_owned(),
        }
    }
}

impl LearningDonePage {
    pub fn sample() -> Self {
        Self {
            reference: "CSC-1".to_owned(),
            stage: 1,
            action_due_on: Some("Friday 8 January 2027".to_owned()),
            reminded: Some("ann.lee@council.example".to_owned()),
            not_reminded: Some("Ann Lee".to_owned()),
            already: false,
            complaints_team: TEAM.to_owned(),
        }
    }
}

impl RefusedPage {
    pub fn sample() -> Self {
        Self {
            title: "This link has expired".to_owned(),
            explanation: "Links work for 30 days.".to_owned(),
            complaints_team: TEAM.to_owned(),
        }
    }
}
