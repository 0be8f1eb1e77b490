//! What a reminder e-mail says, as the templates receive it.

use serde::Serialize;

/// What the reminder templates are given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub recipient_name: Option<String>,
    /// The subject line, e.g. "2 complaint responses overdue, 1 due today".
    pub summary: String,
    /// The day the notice describes, e.g. "Wednesday 25 November 2026".
    pub day: String,
    /// Most urgent first; empty sections are left out.
    pub sections: Vec<Section>,
    pub complaints_team: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub heading: String,
    /// What the recipient should do.
    pub action: String,
    /// The most urgent cases of the section, at most `cases_per_section`.
    pub items: Vec<Item>,
    /// How many more cases the section holds than it lists.
    pub more: usize,
}

/// One stage in a notice: nothing here identifies the complainant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub reference: String,
    pub kind: String,
    pub stage: u8,
    pub team: String,
    /// Shown on escalations, where the reader is not the manager.
    pub manager_name: Option<String>,
    pub received_on: String,
    pub clock_starts: String,
    /// The stage has been answered: the reminder is about what followed
    /// (a late answer's reason, learning, an action), so when its clock
    /// started is beside the point.
    pub answered: bool,
    /// Empty for a request for learning, which has no deadline.
    pub due_on: String,
    /// E.g. "3 working days overdue", "Due today".
    pub status: String,
    /// The action an action reminder is about, as its owner wrote it.
    pub action: Option<String>,
    /// The signed link to the form this reminder asks to be filled in: the
    /// delay reason (overdue, escalated, answered late) or the learning.
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub url: String,
    /// What following it does: "Give the reason for the delay".
    pub label: String,
}

impl Notice {
    /// A notice with every section and field filled in, to check templates.
    pub fn sample() -> Self {
        let item = |reference: &str, status: &str, manager: Option<&str>| Item {
            reference: reference.to_owned(),
            kind: "Children's social care (statutory)".to_owned(),
            stage: 1,
            team: "Fostering".to_owned(),
            manager_name: manager.map(str::to_owned),
            link: Some(Link {
                url: "https://casewatch.council.example/reasons/AbC-123_x".to_owned(),
                label: "Give the reason".to_owned(),
            }),
            action: Some("Review the fostering placement checklist".to_owned()),
            received_on: "Monday 2 November 2026".to_owned(),
            clock_starts: "the complaint was received".to_owned(),
            due_on: "Monday 16 November 2026".to_owned(),
            answered: false,
            status: status.to_owned(),
        };
        let section = |heading: &str, items: Vec<Item>| Section {
            heading: heading.to_owned(),
            action: "What to do.".to_owned(),
            items,
            more: 0,
        };
        Self {
            recipient_name: Some("Ann Lee".to_owned()),
            summary: "1 complaint response escalated, 1 overdue, 1 due today, 1 due soon"
                .to_owned(),
            day: "Wednesday 25 November 2026".to_owned(),
            sections: vec![
                section(
                    "Escalated",
                    vec![item("CSC-1", "10 working days overdue", Some("Bo Khan"))],
                ),
                Section {
                    more: 2,
                    ..section(
                        "Overdue",
                        vec![item("CSC-2", "3 working days overdue", None)],
                    )
                },
                section("Due today", vec![item("CSC-3", "Due today", None)]),
                section(
                    "Due soon",
                    vec![item("CSC-4", "Due in 2 working days", None)],
                ),
            ],
            complaints_team: "Complaints team <complaints@council.example>".to_owned(),
        }
    }
}
