//! The reason form's pages, as `reason_form.html`, `reason_done.html` and
//! `refused.html` are given them.

use serde::Serialize;

/// The longest explanation accepted, in characters.
pub const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: String,
    pub label: String,
}

/// Each field's error, if it has one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FieldErrors {
    pub category: Option<String>,
    pub text: Option<String>,
    pub expected_response_on: Option<String>,
}

impl FieldErrors {
    pub fn from_list(errors: &[FieldError]) -> Self {
        let find = |field: &str| {
            errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        };
        Self {
            category: find("category"),
            text: find("text"),
            expected_response_on: find("expected_response_on"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// What the form page shows.
#[derive(Debug, Clone, Serialize)]
pub struct FormPage {
    pub reference: String,
    pub kind: String,
    pub stage: u8,
    pub team: String,
    pub due_on: String,
    pub status: String,
    pub reasons_given: i64,
    pub categories: Vec<Category>,
    pub category: String,
    pub text: String,
    pub expected_response_on: String,
    pub example_date: String,
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
    pub expected_response_on: Option<String>,
    pub complaints_team: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefusedPage {
    pub title: String,
    pub explanation: String,
    pub complaints_team: String,
}

impl FormPage {
    pub fn sample() -> Self {
        Self {
            reference: "CSC-1".to_owned(),
            kind: "Children's social care (statutory)".to_owned(),
            stage: 1,
            team: "Fostering".to_owned(),
            due_on: "Monday 16 November 2026".to_owned(),
            status: "7 working days overdue".to_owned(),
            reasons_given: 1,
            categories: vec![Category {
                name: "other".to_owned(),
                label: "Other".to_owned(),
            }],
            category: "other".to_owned(),
            text: "Waiting for <legal> advice".to_owned(),
            expected_response_on: "2026-12-01".to_owned(),
            example_date: "02/12/2026".to_owned(),
            max_text: MAX_TEXT,
            errors: vec![FieldError {
                field: "text",
                message: "Say what has held the response up".to_owned(),
            }],
            error_for: FieldErrors {
                text: Some("Say what has held the response up".to_owned()),
                ..FieldErrors::default()
            },
            complaints_team: "Complaints team <complaints@council.example>".to_owned(),
        }
    }
}

impl DonePage {
    pub fn sample() -> Self {
        Self {
            reference: "CSC-1".to_owned(),
            stage: 1,
            expected_response_on: Some("Tuesday 1 December 2026".to_owned()),
            complaints_team: "Complaints team <complaints@council.example>".to_owned(),
        }
    }
}

impl RefusedPage {
    pub fn sample() -> Self {
        Self {
            title: "This link has expired".to_owned(),
            explanation: "Links work for 30 days.".to_owned(),
            complaints_team: "Complaints team <complaints@council.example>".to_owned(),
        }
    }
}
