//! The figures of a small council year, worked out by hand.

use super::*;
use crate::calendar::{Calendar, Division};
use crate::domain::{Kind, Outcome, Stage};
use chrono::NaiveDate;
use markdown::md_cell;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// One stage, as the store would hand it over.
struct S {
    reference: &'static str,
    kind: Kind,
    stage: u8,
    team: &'static str,
    category: Option<&'static str>,
    received: &'static str,
    responded: Option<&'static str>,
    outcome: Option<Outcome>,
    learning: bool,
    due: Option<&'static str>,
    reasons: Vec<String>,
    left: Option<&'static str>,
    /// The deadline without the extension, for an extended stage.
    unextended: Option<&'static str>,
    acknowledge: Option<(&'static str, Option<&'static str>)>,
}

fn s(reference: &'static str, kind: Kind, stage: u8, received: &'static str) -> S {
    S {
        reference,
        kind,
        stage,
        team: "Fostering",
        category: None,
        received,
        responded: None,
        outcome: None,
        learning: false,
        due: None,
        reasons: Vec::new(),
        left: None,
        unextended: None,
        acknowledge: None,
    }
}

impl S {
    fn answered(mut self, on: &'static str, outcome: Outcome, due: &'static str) -> Self {
        self.responded = Some(on);
        self.outcome = Some(outcome);
        self.due = Some(due);
        self
    }
    fn category(mut self, category: &'static str) -> Self {
        self.category = Some(category);
        self
    }
    fn team(mut self, team: &'static str) -> Self {
        self.team = team;
        self
    }
    fn learning(mut self) -> Self {
        self.learning = true;
        self
    }
    fn reasons(mut self, reasons: &[&str]) -> Self {
        self.reasons = reasons.iter().map(|r| (*r).to_owned()).collect();
        self
    }
    fn extended_from(mut self, unextended: &'static str) -> Self {
        self.unextended = Some(unextended);
        self
    }
    fn acknowledge(mut self, by: &'static str, on: Option<&'static str>) -> Self {
        self.acknowledge = Some((by, on));
        self
    }
    fn left(mut self, on: &'static str) -> Self {
        self.left = Some(on);
        self
    }
    fn fact(&self) -> StageFact<'_> {
        StageFact {
            reference: self.reference,
            kind: self.kind,
            stage: if self.stage == 0 {
                Stage::NONE
            } else {
                Stage::new(self.stage).unwrap()
            },
            team: self.team,
            category: self.category,
            received_on: day(self.received),
            responded_on: self.responded.map(day),
            outcome: self.outcome,
            left_source_on: self.left.map(day),
            has_learning: self.learning,
            due_on: self.due.map(day),
            due_unextended: self.unextended.or(self.due).map(day),
            extended: self.unextended.is_some(),
            acknowledge_by: self.acknowledge.map(|(by, _)| day(by)),
            acknowledged_on: self.acknowledge.and_then(|(_, on)| on.map(day)),
            reason_categories: &self.reasons,
        }
    }
}

/// The year 2025-04-01 to 2026-03-31 (England and Wales), and the year
/// before. Working days ("wd") are counted from the day after receipt to the
/// response; bank holidays met: 25 Aug, 25-26 Dec 2025, 1 Jan 2026.
fn council_year() -> Vec<S> {
    use Kind::*;
    use Outcome::*;
    vec![
        // Mon 2 Jun -> Fri 13 Jun: 3-6 Jun (4) + 9-13 Jun (5) = 9 wd.
        // Due on the 10th, Mon 16 Jun: on time.
        s("CSC-A1", Statutory, 1, "2025-06-02")
            .category("Communication")
            .answered("2025-06-13", Upheld, "2025-06-16")
            .learning(),
        // Tue 1 Jul -> Fri 29 Aug: July 2-31 = 22, Aug 1-22 = 16 (38),
        // 25 Aug is a bank holiday, 26-29 Aug = 4: 42 wd, over 20.
        // Due 25 wd after 1 Jul: 22 by 31 Jul, Fri 1 Aug 23, Mon 4 Aug 24,
        // Tue 5 Aug 25. Late, with two reasons.
        s("CSC-A1", Statutory, 2, "2025-07-01")
            .answered("2025-08-29", NotUpheld, "2025-08-05")
            .reasons(&["complex_case", "staff_capacity"]),
        // Mon 15 Dec -> Fri 16 Jan: 16-19 Dec (4), 22-24 Dec (7), 29-31 Dec
        // (10), Fri 2 Jan (11), 5-9 Jan (16), 12-16 Jan (21): 21 wd, over 20.
        // Extended to 20 wd: due Thu 15 Jan, so still late, with no reason.
        // Partly upheld with no learning.
        s("CORP-B2", Corporate, 1, "2025-12-15")
            .team("Parks")
            .answered("2026-01-16", PartiallyUpheld, "2026-01-15"),
        // Received in the year before. Thu 20 Mar -> Thu 17 Apr 2025: 21 Mar
        // (1), 24-28 Mar (6), 31 Mar (7), 1-4 Apr (11), 7-11 Apr (16),
        // 14-17 Apr (20): 20 wd, within 20 (the boundary), due that day, so
        // on time. Its reason does not count: it was not late.
        s("SEN-C3", Send, 1, "2025-03-20")
            .category("SEN support")
            .answered("2025-04-17", Upheld, "2025-04-17")
            .learning()
            .reasons(&["other"]),
        // Mon 1 Sep -> Fri 26 Sep: 2-5 (4), 8-12 (9), 15-19 (14), 22-26 (19):
        // 19 wd, within 20, yet late: the agreed date was Fri 19 Sep.
        // Upheld with no learning.
        s("ASC-D4", Adult, 1, "2025-09-01")
            .category("Care package")
            .team("Adults")
            .answered("2025-09-26", Upheld, "2025-09-19"),
        // Still open: a complaint, not a response.
        s("CORP-E5", Corporate, 1, "2026-03-02").category("Communication"),
        // Withdrawn: a complaint, not a response.
        s("CSC-F6", Statutory, 1, "2025-05-06")
            .category("Communication")
            .answered("2025-05-12", Withdrawn, "2025-05-20"),
        s("CPL-G7", Compliment, 0, "2025-07-10").team("Parks"),
        s("CPL-H8", Compliment, 0, "2025-08-01").team("Parks"),
        s("CPL-I9", Compliment, 0, "2026-02-02"),
        s("COM-J10", Comment, 0, "2025-10-10"),
        // After the year: counts nowhere.
        s("CPL-K11", Compliment, 0, "2026-04-01"),
        // Mon 2 Feb -> Fri 13 Feb: 3-6 (4), 9-13 (9): 9 wd, due Mon 16 Feb.
        s("CORP-L12", Corporate, 1, "2026-02-02")
            .category("Planning & roads")
            .answered("2026-02-13", NotUpheld, "2026-02-16"),
        // A stage 2 request in the year, answered after it.
        s("CORP-L12", Corporate, 2, "2026-03-16").answered("2026-04-10", NotUpheld, "2026-04-15"),
        // Stage 1 in the year before: Mon 3 Jun -> Fri 14 Jun 2024, 9 wd.
        s("CSC-M13", Statutory, 1, "2024-06-03")
            .category("Communication")
            .answered("2024-06-14", Upheld, "2024-06-17")
            .learning(),
        // Wed 1 Oct -> Wed 5 Nov: 2-3 Oct (2), four weeks (22), 3-5 Nov (25):
        // 25 wd, over 20, with a reason; due after 30 wd (12 Nov): on time.
        s("CSC-M13", Statutory, 3, "2025-10-01")
            .answered("2025-11-05", Upheld, "2025-11-12")
            .learning()
            .reasons(&["legal_advice"]),
        // Mon 3 Nov -> Fri 28 Nov: 4-7 (4), 10-14 (9), 17-21 (14), 24-28
        // (19): 19 wd. Due on the 10th (17 Nov) it would be late; extended
        // to 20 wd it is due Mon 1 Dec, so on time.
        s("CORP-N14", Corporate, 1, "2025-11-03")
            .category("Planning & roads")
            .answered("2025-11-28", NotUpheld, "2025-12-01"),
        // Received the year before and gone from the case system in the
        // year with no response: counted apart, not as a response.
        s("CORP-P15", Corporate, 2, "2025-03-03").left("2025-05-01"),
        // Gone after the year: nothing in it.
        s("CORP-Q16", Corporate, 2, "2026-03-02").left("2026-04-01"),
    ]
}

fn tallied(current: Period, previous: Option<Period>) -> (Figures, Option<Figures>) {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut report = Report::new(current, previous);
    for stage in council_year() {
        report.add(&stage.fact(), &calendar).unwrap();
    }
    report.finish()
}

fn year() -> Period {
    Period::new(day("2025-04-01"), day("2026-03-31")).unwrap()
}

#[test]
fn the_hand_worked_year_adds_up() {
    let (f, _) = tallied(year(), None);
    // Stage 1 received in the year: A1, F6 (statutory); B2, E5, L12, N14
    // (corporate); D4 (adult). C3 and M13 began the year before.
    assert_eq!(f.complaints.total, 7);
    assert_eq!(
        f.complaints.by_kind,
        ByKind {
            statutory: 2,
            corporate: 4,
            send: 0,
            adult: 1,
            housing: 0
        }
    );
    let categories: Vec<(&str, u64)> = f.categories.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    // A1, E5, F6; D4; L12, N14; B2 has none.
    assert_eq!(
        categories,
        [
            ("Care package", 1),
            ("Communication", 3),
            ("Planning & roads", 2),
            ("uncategorised", 1)
        ]
    );
    // J10; G7, H8, I9 (K11 is after the year), from Parks and Fostering.
    assert_eq!((f.comments, f.compliments, f.compliment_teams), (1, 3, 2));
    // A1, L12 and Q16 stage 2; M13 stage 3.
    assert_eq!((f.stage2, f.stage3), (3, 1));

    // Answered in the year: A1 s1, A1 s2, B2, C3, D4, L12 s1, M13 s3, N14.
    // F6 was withdrawn, E5 is open, L12 s2 was answered after the year.
    assert_eq!(f.responses, 8);
    // Within 20 wd: A1 s1 (9), C3 (20), D4 (19), L12 s1 (9), N14 (19).
    // 5 / 8 = 62.5%.
    assert_eq!(f.within_20_working_days, 5);
    assert_eq!(f.within_20_working_days_pct, Some(62.5));
    // Over: A1 s2 (42), B2 (21), M13 s3 (25); with a reason A1 s2 and M13:
    // 2 / 3 = 66.67 -> 66.7%.
    assert_eq!(f.over_20_working_days, 3);
    assert_eq!(f.over_20_with_reason, 2);
    assert_eq!(f.over_20_with_reason_pct, Some(66.7));
    // Late: A1 s2, B2 (even extended), D4 (after the agreed date); N14 is on
    // time thanks to its extension. With a reason: A1 s2; 1 / 3 = 33.3%.
    assert_eq!(f.late, 3);
    assert_eq!(f.late_with_reason, 1);
    assert_eq!(f.late_with_reason_pct, Some(33.3));
    // P15 left the case system in the year; Q16 after it.
    assert_eq!(f.left_case_system, 1);
    // Only the late responses' reasons: A1 s2's two (not C3's or M13's).
    let reasons: Vec<(&str, u64)> = f
        .reason_categories
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(reasons, [("complex_case", 1), ("staff_capacity", 1)]);
    // Statutory: A1 s1 upheld, A1 s2 not, M13 s3 upheld: 2 / 3 = 66.7%.
    // Corporate: B2 partly, L12 s1 not, N14 not: 1 / 3 = 33.3%.
    // SEND: C3 upheld, 100%. Adult: D4 upheld, 100%.
    assert_eq!(
        f.upheld_or_partly_pct,
        ByKind {
            statutory: Some(66.7),
            corporate: Some(33.3),
            send: Some(100.0),
            adult: Some(100.0),
            housing: None
        }
    );
    assert_eq!(f.upheld_without_learning, ["ASC-D4", "CORP-B2"]);
}

#[test]
fn the_year_before_sits_beside_it_and_empty_shares_are_null() {
    let previous = year().previous().unwrap();
    // The same dates a year earlier.
    assert_eq!(
        previous,
        Period::new(day("2024-04-01"), day("2025-03-31")).unwrap()
    );
    let (_, before) = tallied(year(), Some(previous));
    let before = before.expect("the year before has data");
    // Stage 1 received: M13 (statutory, Communication), C3 (SEND, SEN
    // support). Answered: M13 s1 only, in 9 wd, upheld with learning.
    assert_eq!(before.complaints.total, 2);
    assert_eq!(before.responses, 1);
    assert_eq!(before.within_20_working_days_pct, Some(100.0));
    assert_eq!(before.over_20_working_days, 0);
    assert_eq!(before.over_20_with_reason_pct, None);
    assert_eq!(before.late_with_reason_pct, None);
    assert_eq!(before.upheld_or_partly_pct.statutory, Some(100.0));
    assert_eq!(before.upheld_or_partly_pct.corporate, None);
    assert_eq!(before.categories.len(), 2);

    // Two years earlier nothing happened: no column for it.
    let empty = Period::new(day("2023-04-01"), day("2024-03-31")).unwrap();
    assert_eq!(tallied(previous, Some(empty)).1, None);
}

#[test]
fn a_period_is_compared_with_the_same_dates_a_year_earlier() {
    let previous = |from: &str, to: &str| {
        let p = Period::new(day(from), day(to)).unwrap().previous().unwrap();
        (p.from.to_string(), p.to.to_string())
    };
    let expect = |from: &str, to: &str| (from.to_owned(), to.to_owned());
    // A financial year across a leap day: not 2023-04-02.
    assert_eq!(
        previous("2024-04-01", "2025-03-31"),
        expect("2023-04-01", "2024-03-31")
    );
    // A month: the same month, not 4-31 January.
    assert_eq!(
        previous("2025-02-01", "2025-02-28"),
        expect("2024-02-01", "2024-02-29")
    );
    assert_eq!(
        previous("2024-02-01", "2024-02-29"),
        expect("2023-02-01", "2023-02-28")
    );
    // A quarter: the same quarter.
    assert_eq!(
        previous("2025-01-01", "2025-03-31"),
        expect("2024-01-01", "2024-03-31")
    );
    // Any other span: the same dates; the year to date with last year's.
    assert_eq!(
        previous("2025-04-01", "2025-11-15"),
        expect("2024-04-01", "2024-11-15")
    );
    assert_eq!(
        previous("2024-02-29", "2024-03-10"),
        expect("2023-02-28", "2023-03-10")
    );
    assert_eq!(
        previous("2025-03-03", "2025-03-03"),
        expect("2024-03-03", "2024-03-03")
    );
    // Two years: the two years before, not overlapping.
    assert_eq!(
        previous("2023-04-01", "2025-03-31"),
        expect("2021-04-01", "2023-03-31")
    );
}

#[test]
fn json_has_the_promised_keys() {
    let (f, _) = tallied(year(), None);
    let json = serde_json::to_value(&f).unwrap();
    for pointer in [
        "/period/from",
        "/period/to",
        "/complaints/total",
        "/complaints/by_kind/statutory",
        "/complaints/by_kind/corporate",
        "/complaints/by_kind/send",
        "/complaints/by_kind/adult",
        "/comments",
        "/compliments",
        "/compliment_teams",
        "/stage2",
        "/stage3",
        "/responses",
        "/within_20_working_days",
        "/within_20_working_days_pct",
        "/over_20_working_days",
        "/over_20_with_reason",
        "/over_20_with_reason_pct",
        "/late",
        "/late_with_reason",
        "/left_case_system",
        "/upheld_or_partly_pct/statutory",
        "/upheld_or_partly_pct/corporate",
        "/upheld_or_partly_pct/send",
        "/upheld_or_partly_pct/adult",
        "/reason_categories/complex_case",
        "/categories/Communication",
        "/upheld_without_learning/0",
    ] {
        assert!(json.pointer(pointer).is_some(), "no {pointer} in {json}");
    }
    assert_eq!(json["period"]["from"], "2025-04-01");
    assert_eq!(json["within_20_working_days_pct"], 62.5);
}

#[test]
fn markdown_shows_both_periods_and_keeps_free_text_in_its_cell() {
    let previous = year().previous();
    let (now, before) = tallied(year(), previous);
    let label = |name: &str| name.replace('_', " ");
    let md = Document::new(&now, before.as_ref(), previous, &label).markdown();
    assert!(
        md.starts_with(
            "# Complaints, comments and compliments: report for 2025/26\n\n\
             1 April 2025 to 31 March 2026\n\n\
             Figures are compared with 2024/25 (1 April 2024 to 31 March 2025).\n"
        ),
        "{md}"
    );
    for want in [
        "\n## Summary\n\nThe number of complaints received rose from 2 to 7, an increase of 250%.\n",
        "\n5 of 8 responses (62.5%) were sent within 20 working days, compared with 100% in 2024/25, a fall of 37.5 percentage points.\n",
        "\n**Table 1: Key figures**\n\n| Measure | 2025/26 | 2024/25 |\n|---|---:|---:|\n| Complaints received | 7 | 2 |\n",
        "| Responses within 20 working days | 62.5% | 100.0% |\n",
        "| Corporate | 33.3% | - |\n",
        "| staff capacity | 1 | 0 |\n",
        "| Planning & roads | 2 | 0 |\n",
        "\n## Areas of complaint\n\nThe most common areas of complaint were Communication (3), Planning & roads (2) and Care package (1).\n",
        "\n2 of 3 responses over 20 working days (66.7%) were given a reason for the delay; there is no comparable figure for 2024/25.\n",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    // What a committee may publish: no case is named.
    for reference in ["ASC-D4", "CORP-B2", "CSC-A1"] {
        assert!(!md.contains(reference), "{reference} in:\n{md}");
    }
    assert_eq!(md_cell("a|b\nc"), "a\\|b c");
}

#[test]
fn a_period_with_no_previous_figures_says_so_throughout() {
    let (now, _) = tallied(year(), None);
    let compared = year().previous();
    let md = Document::new(&now, None, compared, &str::to_owned).markdown();
    for want in [
        "\nThere are no figures for 2024/25 to compare with.\n",
        "\nThere were 7 complaints received in the period; there are no comparable figures for 2024/25.\n",
        // Said in the summary; the sections after it do not repeat it.
        "\nThere was 1 comment received in the period.\n",
        "| Measure | 2025/26 |\n|---|---:|\n",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
}

#[test]
fn markdown_shows_markup_in_free_text_as_text() {
    use Kind::*;
    let stages = [
        s("CSC-X1", Statutory, 1, "2025-05-01").category("<script>alert(1)</script>"),
        s("CSC-X2", Statutory, 1, "2025-05-02").category("Roads | paths"),
        s("CSC-X3", Statutory, 1, "2025-05-06").category("[click](http://evil.test) *now*"),
        s("CSC-X4", Statutory, 1, "2025-05-07").category("&lt;b&gt; & co"),
    ];
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut tally = Tally::new(year());
    for stage in &stages {
        tally.add(&stage.fact(), &calendar).unwrap();
    }
    let md = Document::new(&tally.figures(), None, None, &str::to_owned).markdown();
    for want in [
        "| &lt;script&gt;alert(1)&lt;/script&gt; | 1 |\n",
        "| Roads \\| paths | 1 |\n",
        "| \\[click\\](http://evil.test) \\*now\\* | 1 |\n",
        "| &amp;lt;b&amp;gt; & co | 1 |\n",
        // In the sentences too.
        "were &amp;lt;b&amp;gt; & co (1), &lt;script&gt;",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    assert!(!md.contains("<script>"), "{md}");
}

#[test]
fn acknowledgements_extensions_and_each_stages_own_time() {
    use Kind::Housing;
    use Outcome::*;
    let stages = [
        // Acknowledged a day early, answered within its own time.
        s("HSG-1", Housing, 1, "2025-05-01")
            .acknowledge("2025-05-08", Some("2025-05-07"))
            .answered("2025-05-20", NotUpheld, "2025-05-22"),
        // Acknowledged late; extended, and answered after its own time but
        // within the extension.
        s("HSG-2", Housing, 1, "2025-06-02")
            .acknowledge("2025-06-09", Some("2025-06-11"))
            .answered("2025-07-10", Upheld, "2025-07-23")
            .extended_from("2025-06-25")
            .learning(),
        // A stage 2 request not acknowledged, its deadline past by the
        // year's end; still open.
        s("HSG-2", Housing, 2, "2026-03-02").acknowledge("2026-03-09", None),
        // Received at the year's end, due to be acknowledged after it.
        s("HSG-3", Housing, 1, "2026-03-30").acknowledge("2026-04-07", None),
    ];
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut tally = Tally::new(year());
    for stage in &stages {
        tally.add(&stage.fact(), &calendar).unwrap();
    }
    let f = tally.figures();
    assert_eq!((f.acknowledgements, f.acknowledged_on_time), (3, 1));
    assert_eq!(f.acknowledged_on_time_pct, Some(33.3));
    assert_eq!(f.extended, 1);
    assert_eq!(
        f.by_stage.stage1,
        StageFigures {
            responses: 2,
            within_timescale: 1,
            within_timescale_pct: Some(50.0)
        }
    );
    assert_eq!(f.by_stage.stage2.responses, 0);
    assert_eq!(f.complaints.by_kind.housing, 3);
    assert_eq!(f.late, 0, "the extension kept HSG-2 on time");
}
