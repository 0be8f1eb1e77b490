//! Each preset's deadlines against dates worked out by hand on the England
//! and Wales calendar (2026: Good Friday 3 April, Easter Monday 6 April,
//! Christmas on Friday 25 December with Boxing Day kept on Monday 28th;
//! 1 January 2027). Clocks go forward on 29 March 2026: civil dates do not
//! notice.

use proptest::prelude::*;

use super::*;
use crate::calendar::Division;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn calendar() -> Calendar {
    Calendar::builtin(Division::EnglandAndWales)
}

fn stage(kind: Kind, stage: u8, received: &str, extended_to: Option<u16>) -> StageTerms {
    StageTerms {
        kind,
        stage: if stage == 0 {
            Stage::NONE
        } else {
            Stage::new(stage).unwrap()
        },
        received_on: date(received),
        extended_to,
        agreed_response_on: None,
    }
}

/// The deadlines of a stage with `terms`, acknowledged on `acknowledged`.
fn deadlines(t: &StageTerms, terms: Terms, acknowledged: Option<&str>) -> Deadlines {
    StoredTerms {
        terms,
        agreed_response_on: t.agreed_response_on,
        acknowledged_on: acknowledged.map(date),
    }
    .deadlines(t.received_on, &calendar(), 6)
    .unwrap()
}

#[test]
fn corporate_stages_keep_the_rule_of_the_day_they_were_received() {
    let t = Timescales::default();
    // Thursday 26 March 2026, before the LGSCO code: ten working days from
    // receipt, over the clock change and Easter: 27, 30, 31 March, 1, 2,
    // 7, 8, 9, 10, 13 April.
    let before = stage(Kind::Corporate, 1, "2026-03-26", None);
    let terms = t.terms(&before).unwrap();
    assert_eq!(terms.procedure, Some(Preset::Corporate2019));
    assert_eq!(terms.acknowledge_within, None);
    let d = deadlines(&before, terms, None);
    assert_eq!(d.respond_by, Some(date("2026-04-13")));
    assert!(!d.provisional);

    // Wednesday 1 April 2026, under the code: acknowledge within five
    // working days (2, 7, 8, 9, 10 April).
    let after = stage(Kind::Corporate, 1, "2026-04-01", None);
    let terms = t.terms(&after).unwrap();
    assert_eq!(terms.procedure, Some(Preset::Lgsco2024));
    assert_eq!(terms.clock_starts, ClockStart::Acknowledged);
    // Not yet acknowledged: ten working days from the acknowledgement
    // deadline (13-17, 20-24 April), provisional.
    let d = deadlines(&after, terms, None);
    assert_eq!(d.acknowledge_by, Some(date("2026-04-10")));
    assert_eq!(d.respond_by, Some(date("2026-04-24")));
    assert!(d.provisional);
    // Acknowledged on Thursday 2 April: 7-10, 13-17, 20 April.
    let d = deadlines(&after, terms, Some("2026-04-02"));
    assert_eq!(d.respond_by, Some(date("2026-04-20")));
    assert!(!d.provisional);
}

#[test]
fn the_2024_codes_extend_by_at_most_as_many_days_again() {
    let t = Timescales::default();
    let at_cap = t
        .terms(&stage(Kind::Corporate, 1, "2026-04-01", Some(20)))
        .unwrap();
    assert_eq!(at_cap.working_days_allowed, Some(20));
    assert!(at_cap.extended());
    let over = t
        .terms(&stage(Kind::Corporate, 1, "2026-04-01", Some(21)))
        .unwrap_err();
    assert_eq!(over.field(), "extended_working_days");
    assert_eq!(
        over.to_string(),
        "extension to 21 working days is above the cap of 20 for corporate stage 1 under lgsco-2024"
    );
    // Housing stage 2: twenty more at most.
    assert!(
        t.terms(&stage(Kind::Housing, 2, "2026-12-21", Some(40)))
            .is_ok()
    );
    let over = t
        .terms(&stage(Kind::Housing, 2, "2026-12-21", Some(41)))
        .unwrap_err();
    assert!(over.to_string().contains("cap of 40"), "{over}");
    assert!(
        over.to_string().contains("housing-ombudsman-2024"),
        "{over}"
    );
}

#[test]
fn housing_stage_2_over_christmas() {
    let t = Timescales::default();
    // Received Monday 21 December 2026: acknowledge within five working
    // days: 22, 23, 24, 29, 30 December.
    let s = stage(Kind::Housing, 2, "2026-12-21", None);
    let terms = t.terms(&s).unwrap();
    let d = deadlines(&s, terms, None);
    assert_eq!(d.acknowledge_by, Some(date("2026-12-30")));
    // Acknowledged on the 23rd: twenty working days are 24, 29, 30, 31
    // December, 4-8, 11-15, 18-22 and 25 January.
    let d = deadlines(&s, terms, Some("2026-12-23"));
    assert_eq!(d.respond_by, Some(date("2027-01-25")));
    // Extended to forty: twenty more, 26 January to 22 February.
    let extended = t
        .terms(&stage(Kind::Housing, 2, "2026-12-21", Some(40)))
        .unwrap();
    let d = deadlines(&s, extended, Some("2026-12-23"));
    assert_eq!(d.respond_by, Some(date("2027-02-22")));
}

#[test]
fn the_older_procedures_cap_the_total() {
    let t = Timescales::default();
    // Children's stage 1: ten, extendable to twenty.
    assert!(
        t.terms(&stage(Kind::Statutory, 1, "2026-09-01", Some(20)))
            .is_ok()
    );
    let over = t
        .terms(&stage(Kind::Statutory, 1, "2026-09-01", Some(21)))
        .unwrap_err();
    assert!(over.to_string().contains("cap of 20"), "{over}");
    assert!(matches!(
        t.terms(&stage(Kind::Statutory, 1, "2026-09-01", Some(10))),
        Err(TimescaleError::NotAboveStandard { .. })
    ));
    assert!(matches!(
        t.terms(&stage(Kind::Statutory, 3, "2026-09-01", Some(40))),
        Err(TimescaleError::NotExtendable { .. })
    ));
    // Stage 2 runs to 65 working days at most.
    assert!(
        t.terms(&stage(Kind::Statutory, 2, "2026-09-01", Some(65)))
            .is_ok()
    );
}

#[test]
fn scotland_wales_and_northern_ireland() {
    let nation = |preset| Timescales {
        corporate: KindProcedure::new(Procedure::preset(preset)),
        ..Timescales::default()
    };
    // SPSO: frontline resolution in five working days from receipt, to ten
    // at most; stage 2 acknowledged in three, answered in twenty, longer by
    // agreement with no cap in days.
    let spso = nation(Preset::Spso2020);
    let s = stage(Kind::Corporate, 1, "2026-12-21", None);
    let d = deadlines(&s, spso.terms(&s).unwrap(), None);
    // 22, 23, 24, 29, 30 December.
    assert_eq!(d.respond_by, Some(date("2026-12-30")));
    assert!(
        spso.terms(&stage(Kind::Corporate, 1, "2026-12-21", Some(11)))
            .is_err()
    );
    let s2 = stage(Kind::Corporate, 2, "2026-12-21", Some(60));
    let terms = spso.terms(&s2).unwrap();
    assert_eq!(
        (terms.working_days_allowed, terms.acknowledge_within),
        (Some(60), Some(3))
    );
    let d = deadlines(&s2, terms, None);
    // Acknowledge by 24 December; the clock runs from receipt.
    assert_eq!(d.acknowledge_by, Some(date("2026-12-24")));
    assert!(!d.provisional);
    // Wales: stage 1 in ten, stage 2 in twenty, acknowledged in five.
    let psow = nation(Preset::Psow);
    let terms = psow
        .terms(&stage(Kind::Corporate, 2, "2026-12-21", None))
        .unwrap();
    assert_eq!(
        (terms.working_days_allowed, terms.acknowledge_within),
        (Some(20), Some(5))
    );
    assert!(matches!(
        psow.terms(&stage(Kind::Corporate, 1, "2026-12-21", Some(15))),
        Err(TimescaleError::NotExtendable { .. })
    ));
    // Welsh social services: acknowledged within two working days (22,
    // 23 December), the discussion within ten of the acknowledgement, or
    // later by agreement.
    let wales = nation(Preset::WalesSocialServices2014);
    let s = stage(Kind::Corporate, 1, "2026-12-21", Some(30));
    let terms = wales.terms(&s).unwrap();
    assert_eq!(terms.clock_starts, ClockStart::Acknowledged);
    let d = deadlines(&s, terms, Some("2026-12-22"));
    assert_eq!(d.acknowledge_by, Some(date("2026-12-23")));
    // Thirty working days from 22 December: 23, 24, 29-31 December (5),
    // 4-29 January (25), 1-5 February (30).
    assert_eq!(d.respond_by, Some(date("2027-02-05")));
    // SEND: twenty working days from receipt, never extended.
    let t = Timescales::default();
    let send = stage(Kind::Send, 1, "2026-12-21", None);
    let d = deadlines(&send, t.terms(&send).unwrap(), None);
    // 22-24, 29-31 December (6), 4-8, 11-15 (16), 18-21 January (20).
    assert_eq!(d.respond_by, Some(date("2027-01-21")));
    assert!(matches!(
        t.terms(&stage(Kind::Send, 1, "2026-12-21", Some(25))),
        Err(TimescaleError::NotExtendable { .. })
    ));
    // Northern Ireland: five, to ten at most; no third stage.
    let nipso = nation(Preset::Nipso);
    assert!(
        nipso
            .terms(&stage(Kind::Corporate, 1, "2026-12-21", Some(10)))
            .is_ok()
    );
    let none = nipso
        .terms(&stage(Kind::Corporate, 3, "2026-12-21", None))
        .unwrap_err();
    assert_eq!(none.field(), "stage");
    assert!(none.to_string().contains("procedure, nipso"), "{none}");
}

#[test]
fn adult_social_care_is_due_on_the_agreed_date_else_six_months() {
    let t = Timescales::default();
    // Received Monday 31 August 2026 (a bank holiday): acknowledge within
    // three working days, 1, 2 and 3 September.
    let s = stage(Kind::Adult, 1, "2026-08-31", None);
    let terms = t.terms(&s).unwrap();
    assert_eq!(terms.working_days_allowed, None);
    let d = deadlines(&s, terms, None);
    assert_eq!(d.acknowledge_by, Some(date("2026-09-03")));
    assert_eq!(d.respond_by, Some(date("2027-02-28")));
    let mut agreed = s;
    agreed.agreed_response_on = Some(date("2026-10-01"));
    let d = deadlines(&agreed, t.terms(&agreed).unwrap(), None);
    assert_eq!(d.respond_by, Some(date("2026-10-01")));
    agreed.agreed_response_on = Some(date("2026-08-01"));
    assert_eq!(t.terms(&agreed), Err(TimescaleError::AgreedBeforeReceipt));
    assert_eq!(
        t.terms(&stage(Kind::Adult, 1, "2026-08-31", Some(20))),
        Err(TimescaleError::ExtendAgreedDate)
    );
    let mut corporate = stage(Kind::Corporate, 1, "2026-08-31", None);
    corporate.agreed_response_on = Some(date("2026-10-01"));
    assert_eq!(
        t.terms(&corporate).unwrap_err().field(),
        "agreed_response_on"
    );
}

#[test]
fn comments_and_compliments_have_no_stage_and_no_deadline() {
    let t = Timescales::default();
    let s = stage(Kind::Comment, 0, "2026-08-31", None);
    let terms = t.terms(&s).unwrap();
    assert_eq!(terms.procedure, None);
    assert_eq!(deadlines(&s, terms, None).respond_by, None);
    assert!(
        t.terms(&stage(Kind::Compliment, 1, "2026-08-31", None))
            .is_err()
    );
    assert!(
        t.terms(&stage(Kind::Statutory, 0, "2026-08-31", None))
            .is_err()
    );
}

#[test]
fn presets_are_named_and_unknown_names_list_them() {
    for preset in Preset::ALL {
        assert_eq!(Preset::parse(preset.name()), Ok(preset));
    }
    let unknown = Preset::parse("lgsco-2025").unwrap_err();
    assert!(
        unknown.contains("housing-ombudsman-2024, spso-2020"),
        "{unknown}"
    );
}

#[test]
fn each_stage_names_what_starts_its_clock() {
    let one = Stage::new(1).unwrap();
    let two = Stage::new(2).unwrap();
    assert_eq!(
        clock_starts(Kind::Statutory, two, ClockStart::Received),
        "the statement of complaint was agreed"
    );
    assert_eq!(
        clock_starts(Kind::Housing, two, ClockStart::Acknowledged),
        "the request to escalate was acknowledged"
    );
    assert_eq!(
        clock_starts(Kind::Corporate, one, ClockStart::Acknowledged),
        "the complaint was acknowledged"
    );
    assert_eq!(
        clock_starts(Kind::Compliment, Stage::NONE, ClockStart::Received),
        "no deadline"
    );
}

proptest! {
    /// A deadline counted from the acknowledgement, or provisionally from
    /// the acknowledgement deadline, is never earlier than one counted from
    /// receipt for the same stage; and acknowledging on time never makes
    /// the deadline later than the provisional one.
    #[test]
    fn counting_from_acknowledgement_is_never_earlier(
        received in 0u64..1_000,
        acknowledged_after in 0u64..30,
        allowed in 1u16..70,
        acknowledge_within in 0u16..10,
    ) {
        let received_on = date("2025-01-01") + chrono::Days::new(received);
        let acknowledged_on = received_on + chrono::Days::new(acknowledged_after);
        let terms = |clock_starts, acknowledged_on| StoredTerms {
            terms: Terms {
                procedure: Some(Preset::HousingOmbudsman2024),
                working_days_allowed: Some(allowed),
                standard_working_days: Some(allowed),
                acknowledge_within: Some(acknowledge_within),
                clock_starts,
            },
            agreed_response_on: None,
            acknowledged_on,
        }
        .deadlines(received_on, &calendar(), 6)
        .unwrap();
        let from_receipt = terms(ClockStart::Received, None).respond_by.unwrap();
        let provisional = terms(ClockStart::Acknowledged, None);
        let acknowledged = terms(ClockStart::Acknowledged, Some(acknowledged_on));
        prop_assert!(provisional.respond_by.unwrap() >= from_receipt);
        prop_assert!(acknowledged.respond_by.unwrap() >= from_receipt);
        if acknowledged_on <= provisional.acknowledge_by.unwrap() {
            prop_assert!(acknowledged.respond_by <= provisional.respond_by);
        }
    }
}
