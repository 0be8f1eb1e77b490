//! A digest as people read it: the e-mail's text and HTML (the HTML is
//! also the file), and a CSV file with one row per reason or learning
//! entry, for a spreadsheet.

use chrono::{Datelike, NaiveDate};

use super::figures::{EscalationDigest, Late, LearningDigest, Listed, Period, Recipient, Upheld};
use crate::domain::Outcome;
use crate::format::{csv_cell, long_date};
use crate::templates::{TemplateError, Templates};
use crate::views::digest::{
    EscalationPage, LateItem, LearningLine, LearningPage, ReasonLine, UpheldItem,
};

/// A digest rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub csv: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
}

pub fn learning(digest: &LearningDigest, templates: &Templates) -> Result<Files, RenderError> {
    let page = LearningPage {
        title: format!(
            "Learning from upheld complaints: {}",
            short_period(digest.period)
        ),
        period: long_period(digest.period),
        with_learning: digest.with_learning.iter().map(upheld_item).collect(),
        without_learning: digest.without_learning.iter().map(upheld_item).collect(),
        learning_since: digest.learning_since.iter().map(upheld_item).collect(),
    };
    Ok(Files {
        text: templates.render("digest_learning.txt", &page)?,
        html: templates.render("digest_learning.html", &page)?,
        csv: learning_csv(digest)?,
        subject: page.title,
    })
}

pub fn escalation(digest: &EscalationDigest, templates: &Templates) -> Result<Files, RenderError> {
    let about = match digest.recipient {
        Recipient::HeadOfService(_) => {
            "The complaint responses sent late by the managers who report to you \
             (you are their escalation contact in casewatch's staff list), with the \
             reasons they gave for the delay."
        }
        Recipient::ComplaintsTeam => {
            "The complaint responses sent late by managers who have no escalation \
             contact in casewatch's staff list, with the reasons they gave for the \
             delay. Add their head of service to the staff list for these to go to them."
        }
    };
    let page = EscalationPage {
        title: format!("Late complaint responses: {}", short_period(digest.period)),
        period: long_period(digest.period),
        about: about.to_owned(),
        with_reason: digest.with_reason.iter().map(late_item).collect(),
        without_reason: digest.without_reason.iter().map(late_item).collect(),
    };
    Ok(Files {
        text: templates.render("digest_escalation.txt", &page)?,
        html: templates.render("digest_escalation.html", &page)?,
        csv: escalation_csv(digest)?,
        subject: page.title,
    })
}

/// "5 to 11 October 2026", "31 August to 6 September 2026", or "7
/// September 2026" for one day: a subject line short enough to read whole.
fn short_period(p: Period) -> String {
    let end = p.to.format("%-d %B %Y").to_string();
    let start = if p.from == p.to {
        return end;
    } else if (p.from.year(), p.from.month()) == (p.to.year(), p.to.month()) {
        p.from.format("%-d")
    } else if p.from.year() == p.to.year() {
        p.from.format("%-d %B")
    } else {
        p.from.format("%-d %B %Y")
    };
    format!("{start} to {end}")
}

fn long_period(p: Period) -> String {
    if p.from == p.to {
        long_date(p.from)
    } else {
        format!("{} to {}", long_date(p.from), long_date(p.to))
    }
}

fn optional_date(day: Option<NaiveDate>) -> String {
    day.map(long_date).unwrap_or_default()
}

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Upheld => "Upheld",
        Outcome::PartiallyUpheld => "Partly upheld",
        Outcome::NotUpheld => "Not upheld",
        Outcome::Withdrawn => "Withdrawn",
    }
}

fn upheld_item(u: &Upheld) -> UpheldItem {
    let l = &u.listed;
    UpheldItem {
        reference: l.reference.clone(),
        kind: l.kind.label().to_owned(),
        stage: l.stage,
        team: l.team.clone(),
        manager: l.manager.clone(),
        received_on: long_date(l.received_on),
        responded_on: long_date(l.responded_on),
        outcome: outcome_label(u.outcome).to_owned(),
        learning: u
            .learning
            .iter()
            .map(|e| LearningLine {
                given_on: long_date(e.given_on),
                text: e.text.clone(),
                action: e.action.clone().unwrap_or_default(),
                action_owner: e.action_owner.clone().unwrap_or_default(),
                action_due_on: optional_date(e.action_due_on),
            })
            .collect(),
    }
}

fn late_item(late: &Late) -> LateItem {
    let l = &late.listed;
    LateItem {
        reference: l.reference.clone(),
        kind: l.kind.label().to_owned(),
        stage: l.stage,
        team: l.team.clone(),
        manager: l.manager.clone(),
        due_on: long_date(late.due_on),
        responded_on: long_date(l.responded_on),
        late: match late.working_days_late {
            1 => "1 working day late".to_owned(),
            n => format!("{n} working days late"),
        },
        reasons: late
            .reasons
            .iter()
            .map(|r| ReasonLine {
                category: r.category.clone(),
                text: r.text.clone(),
                expected_on: optional_date(r.expected_on),
            })
            .collect(),
    }
}

const LISTED_HEADER: [&str; 8] = [
    "section",
    "reference",
    "kind",
    "stage",
    "team",
    "manager",
    "received_on",
    "responded_on",
];

fn listed_cells(section: &str, l: &Listed) -> Vec<String> {
    vec![
        section.to_owned(),
        l.reference.clone(),
        l.kind.as_str().to_owned(),
        l.stage.to_string(),
        l.team.clone(),
        l.manager.clone(),
        l.received_on.to_string(),
        l.responded_on.to_string(),
    ]
}

fn learning_csv(digest: &LearningDigest) -> Result<Vec<u8>, csv::Error> {
    let mut rows = Vec::new();
    let sections = [
        ("with_learning", &digest.with_learning),
        ("without_learning", &digest.without_learning),
        ("learning_since", &digest.learning_since),
    ];
    for (section, list) in sections {
        for u in list {
            let mut head = listed_cells(section, &u.listed);
            head.push(u.outcome.as_str().to_owned());
            if u.learning.is_empty() {
                rows.push([head.clone(), vec![String::new(); 5]].concat());
            }
            for e in &u.learning {
                let entry = vec![
                    e.given_on.to_string(),
                    e.text.clone(),
                    e.action.clone().unwrap_or_default(),
                    e.action_owner.clone().unwrap_or_default(),
                    e.action_due_on.map(|d| d.to_string()).unwrap_or_default(),
                ];
                rows.push([head.clone(), entry].concat());
            }
        }
    }
    let extra = [
        "outcome",
        "learning_recorded_on",
        "learning",
        "action",
        "action_owner",
        "action_due_on",
    ];
    write_csv(&[&LISTED_HEADER[..], &extra[..]].concat(), &rows)
}

fn escalation_csv(digest: &EscalationDigest) -> Result<Vec<u8>, csv::Error> {
    let mut rows = Vec::new();
    let sections = [
        ("with_reason", &digest.with_reason),
        ("without_reason", &digest.without_reason),
    ];
    for (section, list) in sections {
        for late in list {
            let head = [
                listed_cells(section, &late.listed),
                vec![late.due_on.to_string(), late.working_days_late.to_string()],
            ]
            .concat();
            if late.reasons.is_empty() {
                rows.push([head.clone(), vec![String::new(); 3]].concat());
            }
            for r in &late.reasons {
                let reason = vec![
                    r.category.clone(),
                    r.text.clone(),
                    r.expected_on.map(|d| d.to_string()).unwrap_or_default(),
                ];
                rows.push([head.clone(), reason].concat());
            }
        }
    }
    let extra = [
        "due_on",
        "working_days_late",
        "reason_category",
        "reason",
        "expected_response_on",
    ];
    write_csv(&[&LISTED_HEADER[..], &extra[..]].concat(), &rows)
}

fn write_csv(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        out.write_record(row.iter().map(|cell| csv_cell(cell).into_owned()))?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::figures::{Entry, Reason};
    use crate::domain::Kind;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn listed(reference: &str) -> Listed {
        Listed {
            stage_id: 1,
            reference: reference.to_owned(),
            kind: Kind::Corporate,
            stage: 1,
            team: "Parks".to_owned(),
            manager: "Bo Khan".to_owned(),
            received_on: date("2026-08-19"),
            responded_on: date("2026-09-04"),
        }
    }

    fn period() -> Period {
        Period {
            from: date("2026-08-31"),
            to: date("2026-09-06"),
        }
    }

    #[test]
    fn the_learning_digest_reads_as_text_html_and_csv() {
        let templates = Templates::load(None).unwrap();
        let entry = |text: &str, action: Option<&str>| Entry {
            text: text.to_owned(),
            action: action.map(str::to_owned),
            action_owner: action.map(|_| "=Ann".to_owned()),
            action_due_on: action.map(|_| date("2026-10-02")),
            given_on: date("2026-09-04"),
        };
        let digest = LearningDigest {
            period: period(),
            with_learning: vec![Upheld {
                listed: listed("CORP-1"),
                outcome: Outcome::PartiallyUpheld,
                learning: vec![
                    entry("Name a contact", Some("Change the letter")),
                    entry("Phone first", None),
                ],
            }],
            without_learning: Vec::new(),
            learning_since: Vec::new(),
        };
        let files = learning(&digest, &templates).unwrap();
        assert_eq!(
            files.subject,
            "Learning from upheld complaints: 31 August to 6 September 2026"
        );
        assert!(
            files.text.contains(
                "* CORP-1, stage 1: Partly upheld\n  Corporate. Parks, Bo Khan.\n  \
                 Received Wednesday 19 August 2026; answered Friday 4 September 2026.\n  \
                 1. Name a contact (recorded Friday 4 September 2026)\n     \
                 Action: Change the letter; owner =Ann; due Friday 2 October 2026.\n  \
                 2. Phone first (recorded Friday 4 September 2026)\n"
            ),
            "{}",
            files.text
        );
        assert!(
            files
                .text
                .contains("No learning recorded yet (0)\n  None.\n"),
            "{}",
            files.text
        );
        assert!(
            files
                .html
                .contains("sent from Monday 31 August 2026 to Sunday 6 September 2026"),
            "{}",
            files.html
        );
        let csv = String::from_utf8(files.csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert_eq!(
            lines[1],
            "with_learning,CORP-1,corporate,1,Parks,Bo Khan,2026-08-19,2026-09-04,\
             partially_upheld,2026-09-04,Name a contact,Change the letter,'=Ann,2026-10-02"
        );
    }

    #[test]
    fn the_escalation_digest_says_whose_responses_and_the_reasons() {
        let templates = Templates::load(None).unwrap();
        let late = |reference: &str, reasons: Vec<Reason>| Late {
            listed: listed(reference),
            due_on: date("2026-09-03"),
            working_days_late: 1,
            reasons,
        };
        let digest = EscalationDigest {
            period: period(),
            recipient: Recipient::ComplaintsTeam,
            with_reason: vec![late(
                "CORP-1",
                vec![Reason {
                    category: "Staff absence or capacity".to_owned(),
                    text: "Officer on leave".to_owned(),
                    expected_on: Some(date("2026-09-04")),
                }],
            )],
            without_reason: vec![late("CORP-2", Vec::new())],
        };
        let files = escalation(&digest, &templates).unwrap();
        assert!(
            files.text.contains(
                "* CORP-1, stage 1: Parks, Bo Khan.\n  Due Thursday 3 September 2026; \
                 answered Friday 4 September 2026, 1 working day late.\n  Reason: Staff \
                 absence or capacity: Officer on leave (response expected Friday 4 September 2026)\n"
            ),
            "{}",
            files.text
        );
        assert!(
            files.text.contains("no escalation contact"),
            "{}",
            files.text
        );
        assert!(
            files.text.contains("No reason given (1)\n\n* CORP-2"),
            "{}",
            files.text
        );
        let csv = String::from_utf8(files.csv).unwrap();
        assert!(
            csv.contains(
                "without_reason,CORP-2,corporate,1,Parks,Bo Khan,2026-08-19,2026-09-04,2026-09-03,1,,,\n"
            ),
            "{csv}"
        );
    }
}
