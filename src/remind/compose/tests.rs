use super::*;
use crate::calendar::Division;
use crate::domain::{Kind, Preset, Reference, Stage};
use crate::links::LinkKeys;
use crate::settings::Settings;
use crate::store::StageRow;
use crate::timescale::StoredTerms;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn unsent(id: i64, reference: &str, kind: &str, due_on: &str, recipient: &str) -> UnsentReminder {
    UnsentReminder {
        id,
        kind: Reminder::parse(kind).unwrap(),
        due_on: date(due_on),
        recipient: recipient.to_owned(),
        recipient_name: Some("Ann Lee".to_owned()),
        stage: StageRow {
            stage_id: id * 10,
            reference: Reference::parse(reference).unwrap(),
            kind: Kind::Statutory,
            category: None,
            team: "Fostering".to_owned(),
            manager_email: "ann.lee@example.org".to_owned(),
            manager_name: "Ann Lee".to_owned(),
            stage: Stage::new(1).unwrap(),
            received_on: date("2026-11-02"),
            terms: StoredTerms::from_receipt(Preset::ChildrenStatutory2006, 10),
            responded_on: None,
            outcome: None,
            left_source_on: None,
        },
        action: None,
    }
}

fn compose(batching: Batching, unsent: &[UnsentReminder]) -> Vec<NewMessage> {
    compose_listing(batching, 100, unsent)
}

fn compose_listing(
    batching: Batching,
    cases_per_section: usize,
    unsent: &[UnsentReminder],
) -> Vec<NewMessage> {
    let settings = Settings::load_from(None, Some(Default::default())).unwrap();
    let templates = Templates::load(None).unwrap();
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let keys = LinkKeys::new(vec![secrecy::SecretSlice::from(vec![7_u8; 32])]);
    let composer = Composer {
        links: Links {
            keys: &keys,
            public_url: &settings.web.public_url,
            valid_days: 30,
        },
        templates: &templates,
        calendar: &calendar,
        mail: &settings.mail,
        batching,
        escalate_after_days: 10,
        cases_per_section,
        today: date("2026-11-25"),
        now: "2026-11-25T08:00:00Z".parse().unwrap(),
    };
    composer.compose(unsent).unwrap()
}

#[test]
fn one_email_per_recipient_lists_the_most_urgent_first() {
    let ann = "ann.lee@example.org";
    let messages = compose(
        Batching::Recipient,
        &[
            unsent(1, "CSC-1", "due_soon_5", "2026-12-01", ann),
            unsent(2, "CSC-2", "overdue_1", "2026-11-24", ann),
            unsent(3, "CSC-3", "overdue_2", "2026-11-13", ann),
            unsent(4, "CSC-4", "escalation", "2026-11-02", "head@example.org"),
        ],
    );
    assert_eq!(messages.len(), 2);
    let to_ann = messages.iter().find(|m| m.recipient == ann).unwrap();
    assert_eq!(to_ann.subject, "2 complaint responses overdue, 1 due soon");
    assert_eq!(to_ann.reminder_ids, [3, 2, 1]);
    assert_eq!(to_ann.cc, None);
    let text = &to_ann.body_text;
    let order: Vec<usize> = ["CSC-3", "CSC-2", "CSC-1"]
        .iter()
        .map(|r| text.find(r).unwrap())
        .collect();
    assert!(order.is_sorted(), "{text}");
    assert!(
        text.contains("8 working days overdue") && text.contains("Due in 4 working days"),
        "{text}"
    );
    let ics = to_ann.ics.as_deref().unwrap();
    assert!(
        ics.contains("DTSTART;VALUE=DATE:20261201\r\n")
            && ics.contains("UID:casewatch-stage-10-due-20261201@council.example"),
        "{ics}"
    );

    let to_head = messages
        .iter()
        .find(|m| m.recipient == "head@example.org")
        .unwrap();
    assert_eq!(
        to_head.subject,
        "Complaint response escalated: CSC-4 stage 1"
    );
    assert_eq!(to_head.cc.as_deref(), Some("complaints@council.example"));
    assert!(
        to_head.body_text.contains("Responsible manager: Ann Lee."),
        "{}",
        to_head.body_text
    );
    assert_eq!(to_head.ics, None);
}

#[test]
fn one_email_per_case_when_batching_is_off() {
    let ann = "ann.lee@example.org";
    let messages = compose(
        Batching::Case,
        &[
            unsent(1, "CSC-1", "due_today", "2026-11-25", ann),
            unsent(2, "CSC-2", "overdue_1", "2026-11-24", ann),
        ],
    );
    let subjects: Vec<&str> = messages.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Complaint response due today: CSC-1 stage 1",
            "Complaint response overdue: CSC-2 stage 1"
        ]
    );
}

#[test]
fn a_long_section_lists_the_most_urgent_and_counts_the_rest() {
    let ann = "ann.lee@example.org";
    // Five overdue (CSC-1 the most overdue) and three due soon.
    let mut reminders: Vec<UnsentReminder> = (1..=5)
        .map(|n| {
            let due = format!("2026-11-{:02}", 10 + n);
            unsent(n, &format!("CSC-{n}"), "overdue_1", &due, ann)
        })
        .collect();
    reminders
        .extend((6..=8).map(|n| unsent(n, &format!("CSC-{n}"), "due_soon_5", "2026-12-01", ann)));
    let messages = compose_listing(Batching::Recipient, 2, &reminders);
    let [message] = messages.as_slice() else {
        panic!("{messages:?}")
    };
    // Every reminder is carried, and the subject counts them all.
    assert_eq!(message.reminder_ids.len(), 8);
    assert_eq!(message.subject, "5 complaint responses overdue, 3 due soon");
    let text = &message.body_text;
    for listed in ["CSC-1:", "CSC-2:", "CSC-6:", "CSC-7:"] {
        assert!(text.contains(listed), "{listed} missing: {text}");
    }
    for counted in ["CSC-3", "CSC-4", "CSC-5", "CSC-8"] {
        assert!(!text.contains(counted), "{counted} listed: {text}");
    }
    assert!(text.contains("And 3 more, not listed here"), "{text}");
    assert!(text.contains("And 1 more, not listed here"), "{text}");
    assert!(message.body_html.contains("And 3 more, not listed here"));
    assert_eq!(message.body_text.matches("/reasons/").count(), 2);
    // The calendar file holds the listed deadlines only.
    let ics = message.ics.as_deref().unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
}

#[test]
fn acknowledgements_are_their_own_sections_without_reason_links() {
    let team = "complaints@council.example";
    let messages = compose(
        Batching::Recipient,
        &[
            unsent(1, "HSG-1", "acknowledgement_due", "2026-11-25", team),
            unsent(2, "HSG-2", "acknowledgement_overdue", "2026-11-20", team),
            unsent(3, "HSG-3", "acknowledgement_overdue", "2026-11-23", team),
            unsent(4, "CSC-4", "overdue_1", "2026-11-24", team),
        ],
    );
    let [message] = messages.as_slice() else {
        panic!("{messages:?}")
    };
    assert_eq!(
        message.subject,
        "1 complaint response overdue, 2 acknowledgements overdue, 1 acknowledgement due today"
    );
    let text = &message.body_text;
    let order: Vec<usize> = ["CSC-4", "HSG-2", "HSG-3", "HSG-1"]
        .iter()
        .map(|r| text.find(r).unwrap())
        .collect();
    assert!(order.is_sorted(), "{text}");
    let lower = text.to_lowercase();
    assert!(
        lower.contains("acknowledgement overdue") && lower.contains("acknowledgement due today"),
        "{text}"
    );
    // Only the overdue response asks for a reason.
    assert_eq!(text.matches("/reasons/").count(), 1, "{text}");
    let single = compose(
        Batching::Case,
        &[unsent(
            1,
            "HSG-1",
            "acknowledgement_due",
            "2026-11-25",
            team,
        )],
    );
    assert_eq!(
        single[0].subject,
        "Complaint acknowledgement due today: HSG-1 stage 1"
    );
}
