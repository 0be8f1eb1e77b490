//! The digests of the week of Monday 31 August 2026, the summer bank
//! holiday, worked out by hand. Every stage is a statutory stage 1 (ten
//! working days from receipt).

use super::*;
use crate::calendar::Division;
use crate::domain::{Preset, Reference, Stage};
use crate::settings::ReasonCategory;
use crate::store::StageRow;
use crate::timescale::StoredTerms;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Made on Monday 7 September: the week before it.
fn week() -> Period {
    Period {
        from: date("2026-08-31"),
        to: date("2026-09-06"),
    }
}

/// Ann's head of service is head.children@; Bo has none.
fn stage(
    id: i64,
    reference: &str,
    manager: &str,
    (received, responded): (&str, &str),
    outcome: Option<Outcome>,
) -> DigestStage {
    let (name, head) = match manager {
        "ann" => ("Ann Lee", Some("head.children@example.org".to_owned())),
        _ => ("Bo Khan", None),
    };
    DigestStage {
        stage: StageRow {
            stage_id: id,
            reference: Reference::parse(reference).unwrap(),
            kind: Kind::Statutory,
            category: None,
            team: "Fostering".to_owned(),
            manager_email: format!("{manager}@example.org"),
            manager_name: name.to_owned(),
            stage: Stage::new(1).unwrap(),
            received_on: date(received),
            terms: StoredTerms::from_receipt(Preset::ChildrenStatutory2006, 10),
            responded_on: Some(date(responded)),
            outcome,
            left_source_on: None,
        },
        escalation_email: head,
    }
}

fn learnt(stage_id: i64, text: &str, given_at: &str) -> DigestLearning {
    DigestLearning {
        stage_id,
        text: text.to_owned(),
        action: None,
        action_owner: None,
        action_due_on: None,
        given_at: at(given_at),
    }
}

fn rows() -> DigestRows {
    use Outcome::{NotUpheld, PartiallyUpheld, Upheld};
    DigestRows {
        stages: vec![
            // Due Monday 24 August; answered Wednesday 2 September, six
            // working days late (31 August is a bank holiday). No reason;
            // Bo has no head of service.
            stage(
                4,
                "D-4",
                "bo",
                ("2026-08-10", "2026-09-02"),
                Some(NotUpheld),
            ),
            // Received Wednesday 19 August: due Thursday 3 September, the
            // bank holiday not counted; answered on the day.
            stage(
                3,
                "C-3",
                "bo",
                ("2026-08-19", "2026-09-03"),
                Some(PartiallyUpheld),
            ),
            // Also due Thursday 3 September; answered Friday 4th: one
            // working day late, with a reason.
            stage(
                2,
                "B-2",
                "ann",
                ("2026-08-19", "2026-09-04"),
                Some(NotUpheld),
            ),
            // Received Thursday 20 August: due Friday 4 September (without
            // the bank holiday it would be the 3rd); answered on the 4th.
            stage(1, "A-1", "ann", ("2026-08-20", "2026-09-04"), Some(Upheld)),
            // Answered before the week; learning recorded in it.
            stage(5, "E-5", "ann", ("2026-07-01", "2026-07-14"), Some(Upheld)),
            // Answered before the week; learning only before it.
            stage(6, "F-6", "ann", ("2026-07-01", "2026-07-14"), Some(Upheld)),
        ],
        reasons: vec![DigestReason {
            stage_id: 2,
            category: "staff_capacity".to_owned(),
            text: "Officer on leave".to_owned(),
            expected_response_on: Some(date("2026-09-04")),
        }],
        learning: vec![
            learnt(5, "First thoughts", "2026-07-20T09:00:00Z"),
            learnt(1, "Name a contact in every letter", "2026-09-04T15:00:00Z"),
            learnt(6, "Old learning", "2026-07-21T09:00:00Z"),
            // 23:30 UTC on Sunday 30 August is 00:30 on Monday 31st in
            // London (BST): inside the week.
            learnt(5, "Check the plan monthly", "2026-08-30T23:30:00Z"),
            learnt(1, "Phone before writing", "2026-09-05T09:00:00Z"),
        ],
    }
}

fn references(list: &[Upheld]) -> Vec<&str> {
    list.iter().map(|u| u.listed.reference.as_str()).collect()
}

#[test]
fn the_learning_digest_lists_upheld_responses_with_and_without_learning() {
    let digest = learning(week(), &rows());
    assert_eq!(references(&digest.with_learning), ["A-1"]);
    assert_eq!(references(&digest.without_learning), ["C-3"]);
    assert_eq!(references(&digest.learning_since), ["E-5"]);

    let a1 = &digest.with_learning[0];
    assert_eq!(a1.outcome, Outcome::Upheld);
    let texts: Vec<&str> = a1.learning.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Name a contact in every letter", "Phone before writing"]
    );
    assert_eq!(a1.learning[1].given_on, date("2026-09-05"));
    assert_eq!(digest.without_learning[0].outcome, Outcome::PartiallyUpheld);
    assert!(digest.without_learning[0].learning.is_empty());
    // All of E-5's learning, the entry before the week first.
    let e5: Vec<(&str, NaiveDate)> = digest.learning_since[0]
        .learning
        .iter()
        .map(|e| (e.text.as_str(), e.given_on))
        .collect();
    assert_eq!(
        e5,
        [
            ("First thoughts", date("2026-07-20")),
            ("Check the plan monthly", date("2026-08-31"))
        ]
    );
}

#[test]
fn late_responses_go_to_each_head_of_service_and_the_rest_to_the_team() {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let timescales = Timescales::default();
    let reasons = DelayReasons {
        categories: vec![ReasonCategory {
            name: "staff_capacity".to_owned(),
            label: "Staff absence or capacity".to_owned(),
        }],
        min_text_length: 10,
    };
    let rules = Rules {
        calendar: &calendar,
        timescales: &timescales,
        reasons: &reasons,
    };
    let digests = escalation(week(), &rows(), &rules);
    let recipients: Vec<&Recipient> = digests.iter().map(|d| &d.recipient).collect();
    assert_eq!(
        recipients,
        [
            &Recipient::HeadOfService("head.children@example.org".to_owned()),
            &Recipient::ComplaintsTeam
        ]
    );

    // Ann's: B-2 only; A-1 was on time across the bank holiday.
    let ann = &digests[0];
    assert!(ann.without_reason.is_empty());
    let b2 = &ann.with_reason[0];
    assert_eq!(ann.total(), 1);
    assert_eq!(
        (
            b2.listed.reference.as_str(),
            b2.due_on,
            b2.working_days_late
        ),
        ("B-2", date("2026-09-03"), 1)
    );
    assert_eq!(
        b2.reasons,
        [Reason {
            category: "Staff absence or capacity".to_owned(),
            text: "Officer on leave".to_owned(),
            expected_on: Some(date("2026-09-04")),
        }]
    );

    // Bo's, with no head of service: D-4, late with no reason; C-3 was on
    // time on its deadline.
    let team = &digests[1];
    assert!(team.with_reason.is_empty());
    let d4 = &team.without_reason[0];
    assert_eq!(team.total(), 1);
    assert_eq!(
        (
            d4.listed.reference.as_str(),
            d4.due_on,
            d4.working_days_late
        ),
        ("D-4", date("2026-08-24"), 6)
    );
    assert_eq!(d4.listed.manager, "Bo Khan");
}

#[test]
fn a_reason_whose_category_is_no_longer_configured_shows_its_name() {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let timescales = Timescales::default();
    let reasons = DelayReasons::default();
    let rules = Rules {
        calendar: &calendar,
        timescales: &timescales,
        reasons: &reasons,
    };
    let digests = escalation(week(), &rows(), &rules);
    assert_eq!(
        digests[0].with_reason[0].reasons[0].category,
        "staff_capacity"
    );
}

#[test]
fn the_period_runs_from_the_previous_firing_to_the_day_before() {
    let weekly = Schedule::parse("0 0 8 * * Mon").unwrap();
    // Monday 7 September 2026, 08:00 BST (07:00 UTC).
    assert_eq!(
        Period::due_at(&weekly, at("2026-09-07T07:00:00Z")),
        Some(week())
    );
    // A minute before, the week before's is the one due.
    assert_eq!(
        Period::due_at(&weekly, at("2026-09-07T06:59:00Z")),
        Some(Period {
            from: date("2026-08-24"),
            to: date("2026-08-30")
        })
    );
    // Hourly on working days: one period a day, the day before; Monday's
    // covers the weekend too.
    let hourly = Schedule::parse("0 0 8-17 * * Mon-Fri").unwrap();
    assert_eq!(
        Period::due_at(&hourly, at("2026-09-08T15:00:00Z")),
        Some(Period {
            from: date("2026-09-07"),
            to: date("2026-09-07")
        })
    );
    assert_eq!(
        Period::due_at(&hourly, at("2026-09-07T12:00:00Z")),
        Some(Period {
            from: date("2026-09-04"),
            to: date("2026-09-06")
        })
    );
    let (start, end) = week().instants();
    assert_eq!(
        (start, end),
        (at("2026-08-30T23:00:00Z"), at("2026-09-06T23:00:00Z"))
    );
}
