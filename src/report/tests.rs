//! The figures of a small council year, worked out by hand.

use super::*;
use crate::calendar::{Calendar, Division};
use crate::domain::{Kind, Outcome, Preset, Stage};
use crate::store::ReportLearning;
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
    timescale: Option<Timescale>,
    /// The deadline of the longest extension, where it is not counted
    /// from receipt.
    longest: Option<&'static str>,
    learnt: Vec<ReportLearning>,
}

/// A timescale: the procedure, its working days, the longest extension
/// and the acknowledgement limit.
fn ts(procedure: Preset, days: Option<u16>, to: Option<u16>, ack: Option<u16>) -> Timescale {
    Timescale {
        procedure,
        working_days: days,
        extendable_to: to,
        acknowledge_within: ack,
    }
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
        timescale: None,
        longest: None,
        learnt: Vec::new(),
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
    fn under(mut self, timescale: Timescale) -> Self {
        self.timescale = Some(timescale);
        self
    }
    fn longest(mut self, due: &'static str) -> Self {
        self.longest = Some(due);
        self
    }
    /// Learning recorded, with an action (its owner and due date) or none.
    fn learnt(mut self, text: &str, action: Option<(&str, &str, Option<&str>)>) -> Self {
        self.learning = true;
        self.learnt.push(ReportLearning {
            text: text.to_owned(),
            action: action.map(|(a, _, _)| a.to_owned()),
            action_owner: action.map(|(_, o, _)| o.to_owned()),
            action_due_on: action.and_then(|(_, _, d)| d.map(day)),
        });
        self
    }
    /// The longest extension's deadline: as given, else counted from
    /// receipt on the calendar (the clock of every procedure here but the
    /// 2024 codes).
    fn due_longest(&self) -> Option<NaiveDate> {
        let cap = self.timescale?.extendable_to?;
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        Some(self.longest.map(day).unwrap_or_else(|| {
            calendar
                .deadline(day(self.received), u32::from(cap))
                .unwrap()
        }))
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
            due_longest: self.due_longest(),
            timescale: self.timescale,
            learning: &self.learnt,
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
    let children = |days, to| ts(Preset::ChildrenStatutory2006, Some(days), to, None);
    let corporate = ts(Preset::Corporate2019, Some(10), Some(20), None);
    vec![
        // Mon 2 Jun -> Fri 13 Jun: 3-6 Jun (4) + 9-13 Jun (5) = 9 wd.
        // Due on the 10th, Mon 16 Jun: on time.
        s("CSC-A1", Statutory, 1, "2025-06-02")
            .category("Communication")
            .answered("2025-06-13", Upheld, "2025-06-16")
            .under(children(10, Some(20)))
            .learnt(
                "Letters name a contact",
                Some((
                    "Template letters updated",
                    "ann.lee@example.org",
                    Some("2025-09-30"),
                )),
            ),
        // Tue 1 Jul -> Fri 29 Aug: July 2-31 = 22, Aug 1-22 = 16 (38),
        // 25 Aug is a bank holiday, 26-29 Aug = 4: 42 wd, over 20.
        // Due 25 wd after 1 Jul: 22 by 31 Jul, Fri 1 Aug 23, Mon 4 Aug 24,
        // Tue 5 Aug 25. Late, with two reasons.
        s("CSC-A1", Statutory, 2, "2025-07-01")
            .answered("2025-08-29", NotUpheld, "2025-08-05")
            .under(children(25, Some(65)))
            .reasons(&["complex_case", "staff_capacity"]),
        // Mon 15 Dec -> Fri 16 Jan: 16-19 Dec (4), 22-24 Dec (7), 29-31 Dec
        // (10), Fri 2 Jan (11), 5-9 Jan (16), 12-16 Jan (21): 21 wd, over 20.
        // Extended to 20 wd: due Thu 15 Jan, so still late, with no reason.
        // Partly upheld with no learning. Its own 10 wd: 16-19 Dec (4),
        // 22-24 Dec (7), 29-31 Dec (10): Wed 31 Dec.
        s("CORP-B2", Corporate, 1, "2025-12-15")
            .team("Parks")
            .answered("2026-01-16", PartiallyUpheld, "2026-01-15")
            .extended_from("2025-12-31")
            .under(corporate),
        // Received in the year before. Thu 20 Mar -> Thu 17 Apr 2025: 21 Mar
        // (1), 24-28 Mar (6), 31 Mar (7), 1-4 Apr (11), 7-11 Apr (16),
        // 14-17 Apr (20): 20 wd, within 20 (the boundary), due that day, so
        // on time. Its reason does not count: it was not late.
        s("SEN-C3", Send, 1, "2025-03-20")
            .category("SEN support")
            .answered("2025-04-17", Upheld, "2025-04-17")
            .under(ts(Preset::Send, Some(20), None, None))
            .learnt("Assessments start sooner", None)
            .reasons(&["other"]),
        // Mon 1 Sep -> Fri 26 Sep: 2-5 (4), 8-12 (9), 15-19 (14), 22-26 (19):
        // 19 wd, within 20, yet late: the agreed date was Fri 19 Sep.
        // Upheld with no learning.
        // Acknowledged never, though the regulations want it within 3 wd
        // (Thu 4 Sep).
        s("ASC-D4", Adult, 1, "2025-09-01")
            .category("Care package")
            .team("Adults")
            .answered("2025-09-26", Upheld, "2025-09-19")
            .acknowledge("2025-09-04", None)
            .under(ts(Preset::Adults2009, None, None, Some(3))),
        // Still open: a complaint, not a response.
        s("CORP-E5", Corporate, 1, "2026-03-02").category("Communication"),
        // Withdrawn: a complaint, not a response.
        s("CSC-F6", Statutory, 1, "2025-05-06")
            .category("Communication")
            .answered("2025-05-12", Withdrawn, "2025-05-20")
            .under(children(10, Some(20))),
        s("CPL-G7", Compliment, 0, "2025-07-10").team("Parks"),
        s("CPL-H8", Compliment, 0, "2025-08-01").team("Parks"),
        s("CPL-I9", Compliment, 0, "2026-02-02"),
        s("COM-J10", Comment, 0, "2025-10-10"),
        // After the year: counts nowhere.
        s("CPL-K11", Compliment, 0, "2026-04-01"),
        // Mon 2 Feb -> Fri 13 Feb: 3-6 (4), 9-13 (9): 9 wd, due Mon 16 Feb.
        s("CORP-L12", Corporate, 1, "2026-02-02")
            .category("Planning & roads")
            .answered("2026-02-13", NotUpheld, "2026-02-16")
            .under(corporate),
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
            .under(children(30, None))
            .learnt(
                "Panel findings shared",
                Some(("Share findings with the team", "Head of service", None)),
            )
            .reasons(&["legal_advice"]),
        // Mon 3 Nov -> Fri 28 Nov: 4-7 (4), 10-14 (9), 17-21 (14), 24-28
        // (19): 19 wd. Due on the 10th (17 Nov) it would be late; extended
        // to 20 wd it is due Mon 1 Dec, so on time.
        s("CORP-N14", Corporate, 1, "2025-11-03")
            .category("Planning & roads")
            .answered("2025-11-28", NotUpheld, "2025-12-01")
            .extended_from("2025-11-17")
            .under(corporate),
        // Received the year before and gone from the case system in the
        // year with no response: counted apart, not as a response.
        s("CORP-P15", Corporate, 2, "2025-03-03").left("2025-05-01"),
        // Gone after the year: nothing in it.
        s("CORP-Q16", Corporate, 2, "2026-03-02").left("2026-04-01"),
    ]
}

/// A day after the year: every period here is over.
const AFTER: &str = "2026-04-30";

fn tallied(current: Period, previous: Option<Period>) -> (Figures, Option<Figures>) {
    tallied_as_of(current, previous, AFTER, Denominators::default())
}

fn tallied_as_of(
    current: Period,
    previous: Option<Period>,
    today: &str,
    denominators: Denominators,
) -> (Figures, Option<Figures>) {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut report = Report::new(current, previous, day(today), denominators);
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
    // The new figures: late with no reason given, the middle of the days
    // taken, the teams.
    for want in [
        "| No reason given | 2 | 0 |\n",
        "| Median working days to respond | 19.5 | 9.0 |\n",
        "| Withdrawn (not responses) | 1 | 0 |\n",
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
    let mut tally = Tally::new(year(), day(AFTER));
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
    let code = ts(Preset::HousingOmbudsman2024, Some(10), Some(20), Some(5));
    let stages = [
        // Acknowledged a day early, answered within its own time. The
        // longest extension (10 more, 20 wd from the acknowledgement on
        // Wed 7 May): 8-9 May (2), 12-16 (7), 19-23 (12), 27-30 (16, 26
        // May a bank holiday), 2-5 Jun (20): Thu 5 Jun.
        s("HSG-1", Housing, 1, "2025-05-01")
            .acknowledge("2025-05-08", Some("2025-05-07"))
            .answered("2025-05-20", NotUpheld, "2025-05-22")
            .under(code)
            .longest("2025-06-05"),
        // Acknowledged late; extended as far as the code allows, and
        // answered after its own time but within the extension.
        s("HSG-2", Housing, 1, "2025-06-02")
            .acknowledge("2025-06-09", Some("2025-06-11"))
            .answered("2025-07-10", Upheld, "2025-07-23")
            .extended_from("2025-06-25")
            .under(code)
            .longest("2025-07-23")
            .learning(),
        // A stage 2 request not acknowledged, its deadline past by the
        // year's end; still open.
        s("HSG-2", Housing, 2, "2026-03-02").acknowledge("2026-03-09", None),
        // Received at the year's end, due to be acknowledged after it.
        s("HSG-3", Housing, 1, "2026-03-30").acknowledge("2026-04-07", None),
    ];
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut tally = Tally::new(year(), day(AFTER));
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
    // Per kind and stage: both within the longest extension, one within
    // 10 wd, one acknowledged within 5.
    assert_eq!(
        timeliness(&f),
        [(
            "housing",
            1,
            "housing-ombudsman-2024",
            Some(10),
            Some(20),
            Some(5),
            2,
            1,
            Some(2),
            Some(1)
        )]
    );
    assert_eq!(f.timeliness[0].acknowledged_on_time_pct, Some(50.0));
    assert_eq!(f.extended_by_kind.housing, 1);
}

/// A timeliness row as the test writes it: (kind, stage, procedure,
/// working days, extendable to, acknowledge within, responses, within the
/// working days, within the extension, acknowledged on time).
type TimelinessRow = (
    &'static str,
    u8,
    &'static str,
    Option<u16>,
    Option<u16>,
    Option<u16>,
    u64,
    u64,
    Option<u64>,
    Option<u64>,
);

fn timeliness(f: &Figures) -> Vec<TimelinessRow> {
    f.timeliness
        .iter()
        .map(|t| {
            (
                t.kind.as_str(),
                t.stage,
                t.timescale.procedure.name(),
                t.timescale.working_days,
                t.timescale.extendable_to,
                t.timescale.acknowledge_within,
                t.responses,
                t.within_working_days,
                t.within_extension,
                t.acknowledged_on_time,
            )
        })
        .collect()
}

#[test]
fn each_kind_and_stage_is_timed_against_its_own_procedure() {
    let (f, _) = tallied(year(), None);
    // Working days from the counts in `council_year`; the longest
    // extension counted from receipt.
    assert_eq!(
        timeliness(&f),
        [
            // A1 s1: 9 wd, within 10 and 20.
            (
                "statutory",
                1,
                "children-statutory-2006",
                Some(10),
                Some(20),
                None,
                1,
                1,
                Some(1),
                None
            ),
            // A1 s2: 42 wd, not within 25, within 65.
            (
                "statutory",
                2,
                "children-statutory-2006",
                Some(25),
                Some(65),
                None,
                1,
                0,
                Some(1),
                None
            ),
            // M13 s3: 25 wd, the panel within 30; no extension.
            (
                "statutory",
                3,
                "children-statutory-2006",
                Some(30),
                None,
                None,
                1,
                1,
                None,
                None
            ),
            // B2 21 wd (neither), L12 9 (both), N14 19 (20 only).
            (
                "corporate",
                1,
                "corporate-2019",
                Some(10),
                Some(20),
                None,
                3,
                1,
                Some(2),
                None
            ),
            // C3: 20 wd of 20.
            ("send", 1, "send", Some(20), None, None, 1, 1, None, None),
            // D4: after its agreed date, and never acknowledged.
            (
                "adult",
                1,
                "adults-2009",
                None,
                None,
                Some(3),
                1,
                0,
                None,
                Some(0)
            ),
        ]
    );
    let corporate = &f.timeliness[3];
    // 1 / 3 and 2 / 3.
    assert_eq!(corporate.within_working_days_pct, Some(33.3));
    assert_eq!(corporate.within_extension_pct, Some(66.7));
    assert_eq!(corporate.acknowledged_on_time_pct, None);
    let adult = &f.timeliness[5];
    assert_eq!(adult.within_extension_pct, None);
    assert_eq!(adult.acknowledged_on_time_pct, Some(0.0));
}

#[test]
fn outcomes_extensions_and_late_without_reason() {
    let (f, _) = tallied(year(), None);
    let outcomes: Vec<_> = f
        .outcomes
        .iter()
        .map(|o| {
            (
                o.kind.as_str(),
                o.stage,
                o.responses,
                o.upheld,
                o.partially_upheld,
                o.not_upheld,
                o.no_outcome,
                o.withdrawn,
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            // A1 s1 upheld; F6 withdrawn, not a response.
            ("statutory", 1, 1, 1, 0, 0, 0, 1),
            ("statutory", 2, 1, 0, 0, 1, 0, 0),
            ("statutory", 3, 1, 1, 0, 0, 0, 0),
            // B2 partly; L12 s1 and N14 not (L12 s2 was answered after
            // the year).
            ("corporate", 1, 3, 0, 1, 2, 0, 0),
            ("send", 1, 1, 1, 0, 0, 0, 0),
            ("adult", 1, 1, 1, 0, 0, 0, 0),
        ]
    );
    let corporate = &f.outcomes[3];
    // Of 3 decided: 0%, 33.3%, 66.7%.
    assert_eq!(
        (
            corporate.upheld_pct,
            corporate.partially_upheld_pct,
            corporate.not_upheld_pct
        ),
        (Some(0.0), Some(33.3), Some(66.7))
    );
    assert_eq!(f.withdrawn, 1);
    // B2 and N14, both corporate.
    assert_eq!(f.extended, 2);
    assert_eq!(f.extended_by_kind.corporate, 2);
    assert_eq!(f.extended_by_kind.statutory, 0);
    // Late: A1 s2 (two reasons), B2 and D4 (none).
    assert_eq!(f.late_without_reason, 2);
    assert_eq!(f.late_with_reason + f.late_without_reason, f.late);
}

#[test]
fn working_days_to_respond_mean_and_median() {
    let (f, _) = tallied(year(), None);
    let d = &f.working_days_to_respond;
    // All eight: 9, 9, 19, 19, 20, 21, 25, 42 (L12, A1 s1, D4, N14, C3,
    // B2, M13, A1 s2). Sum 164 / 8 = 20.5; an even count, so the median
    // is halfway between the 4th and 5th: (19 + 20) / 2 = 19.5.
    assert_eq!((d.mean, d.median), (Some(20.5), Some(19.5)));
    // Statutory: 9, 25, 42; 76 / 3 = 25.33 -> 25.3, median (odd) 25.
    assert_eq!(
        d.by_kind.statutory,
        Average {
            mean: Some(25.3),
            median: Some(25.0)
        }
    );
    // Corporate: 9, 19, 21; 49 / 3 = 16.33 -> 16.3, median 19.
    assert_eq!(
        d.by_kind.corporate,
        Average {
            mean: Some(16.3),
            median: Some(19.0)
        }
    );
    assert_eq!(d.by_kind.send.median, Some(20.0));
    assert_eq!(d.by_kind.housing, Average::default());
    // No responses at all: nothing to average.
    let quiet = Period::new(day("2030-01-01"), day("2030-01-31")).unwrap();
    let (f, _) = tallied(quiet, None);
    assert_eq!(
        (
            f.working_days_to_respond.mean,
            f.working_days_to_respond.median
        ),
        (None, None)
    );
}

#[test]
fn teams_learning_and_quarters() {
    let (f, _) = tallied(year(), None);
    let teams: Vec<_> = f
        .by_team
        .iter()
        .map(|(name, t)| {
            (
                name.as_str(),
                t.received,
                t.answered,
                t.answered_on_time,
                t.upheld,
                t.compliments,
            )
        })
        .collect();
    assert_eq!(
        teams,
        [
            // D4: received, answered late, upheld.
            ("Adults", 1, 1, 0, 1, 0),
            // Received (stage 1): A1, E5, F6, L12, N14. Answered: A1 s1,
            // A1 s2 (late), C3, L12 s1, M13 s3, N14; upheld A1 s1, C3, M13.
            // Compliment: I9.
            ("Fostering", 5, 6, 5, 3, 1),
            // B2 late and partly upheld; compliments G7, H8.
            ("Parks", 1, 1, 0, 1, 2),
        ]
    );
    assert_eq!(f.by_team["Fostering"].answered_on_time_pct, Some(83.3));
    assert_eq!(f.by_team["Parks"].answered_on_time_pct, Some(0.0));

    // Upheld or partly: A1 s1, B2, C3, D4, M13 s3; with learning A1 s1,
    // C3, M13 s3: 3 / 5 = 60%. Actions: A1's and M13's.
    let l = &f.learning;
    assert_eq!((l.upheld, l.with_learning, l.actions), (5, 3, 2));
    assert_eq!(l.with_learning_pct, Some(60.0));
    // By team, then kind (statutory before SEND), then stage.
    let texts: Vec<_> = l
        .entries
        .iter()
        .map(|e| (e.team.as_str(), e.kind.as_str(), e.stage, e.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            ("Fostering", "statutory", 1, "Letters name a contact"),
            ("Fostering", "statutory", 3, "Panel findings shared"),
            ("Fostering", "send", 1, "Assessments start sooner"),
        ]
    );
    assert_eq!(
        l.entries[0],
        LearningEntry {
            team: "Fostering".to_owned(),
            kind: Kind::Statutory,
            stage: 1,
            text: "Letters name a contact".to_owned(),
            action: Some("Template letters updated".to_owned()),
            action_owner: Some("ann.lee@example.org".to_owned()),
            action_due_on: Some(day("2025-09-30")),
        }
    );
    // The entries name no case and no complainant.
    let json = serde_json::to_string(&l.entries).unwrap();
    assert!(!json.contains("CSC-"), "{json}");

    let quarters: Vec<_> = f
        .by_quarter
        .iter()
        .map(|q| (q.label.as_str(), q.responses, q.on_time, q.on_time_pct))
        .collect();
    assert_eq!(
        quarters,
        [
            // C3 (17 Apr), A1 s1 (13 Jun): both on time.
            ("Apr–Jun 2025", 2, 2, Some(100.0)),
            // A1 s2 (29 Aug) and D4 (26 Sep): both late.
            ("Jul–Sep 2025", 2, 0, Some(0.0)),
            // M13 s3 (5 Nov), N14 (28 Nov): on time.
            ("Oct–Dec 2025", 2, 2, Some(100.0)),
            // B2 (16 Jan) late, L12 s1 (13 Feb) on time.
            ("Jan–Mar 2026", 2, 1, Some(50.0)),
        ]
    );
    assert_eq!(
        (f.by_quarter[3].from, f.by_quarter[3].to),
        (day("2026-01-01"), day("2026-03-31"))
    );
}

#[test]
fn quarters_are_cut_to_the_period() {
    let p = Period::new(day("2025-05-15"), day("2025-11-15")).unwrap();
    let quarters: Vec<_> = p
        .quarters()
        .iter()
        .map(|q| (q.quarter_label(), q.from.to_string(), q.to.to_string()))
        .collect();
    let q = |label: &str, from: &str, to: &str| (label.to_owned(), from.to_owned(), to.to_owned());
    assert_eq!(
        quarters,
        [
            q("Apr–Jun 2025", "2025-05-15", "2025-06-30"),
            q("Jul–Sep 2025", "2025-07-01", "2025-09-30"),
            q("Oct–Dec 2025", "2025-10-01", "2025-11-15"),
        ]
    );
    // Across a year's end.
    let p = Period::new(day("2025-12-31"), day("2026-01-01")).unwrap();
    let labels: Vec<String> = p.quarters().iter().map(Period::quarter_label).collect();
    assert_eq!(labels, ["Oct–Dec 2025", "Jan–Mar 2026"]);
    // A quiet quarter still has its row, with nothing to take a share of.
    let (f, _) = tallied(
        Period::new(day("2030-01-01"), day("2030-03-31")).unwrap(),
        None,
    );
    assert_eq!(f.by_quarter.len(), 1);
    assert_eq!(
        (f.by_quarter[0].responses, f.by_quarter[0].on_time_pct),
        (0, None)
    );
}

#[test]
fn rates_per_1000_with_and_without_the_settings() {
    // Not set: no rates.
    let (f, _) = tallied(year(), None);
    assert_eq!(f.rates, Rates::default());
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(
        json["rates"]["complaints_per_1000_residents"],
        serde_json::Value::Null
    );
    // 7 complaints; 7 x 1000 / 5,600 contacts = 1.25 -> 1.3 (halves up);
    // 7 x 1000 / 16,000 residents = 0.4375 -> 0.4.
    let set = Denominators {
        contacts: Some(5_600),
        population: Some(16_000),
    };
    let previous = year().previous();
    let (f, before) = tallied_as_of(year(), previous, AFTER, set);
    assert_eq!(
        f.rates,
        Rates {
            contacts: Some(5_600),
            population: Some(16_000),
            complaints_per_1000_contacts: Some(1.3),
            complaints_per_1000_residents: Some(0.4),
        }
    );
    // The settings are the report year's numbers: the year before gets none.
    assert_eq!(before.unwrap().rates, Rates::default());
    // Only one of the two set.
    let contacts_only = Denominators {
        contacts: Some(1_000),
        population: None,
    };
    let (f, _) = tallied_as_of(year(), None, AFTER, contacts_only);
    assert_eq!(f.rates.complaints_per_1000_contacts, Some(7.0));
    assert_eq!(f.rates.complaints_per_1000_residents, None);
}

#[test]
fn a_period_running_past_today_is_partial() {
    // The year seen on 15 March 2026: partial, its figures so far.
    let (f, _) = tallied_as_of(year(), None, "2026-03-15", Denominators::default());
    assert!(f.period.partial);
    // B2 (16 Jan) and L12 s1 (13 Feb) are still in it; nothing is dropped.
    assert_eq!(f.responses, 8);
    // On its last day it is not yet over either; the day after, it is.
    let (f, _) = tallied_as_of(year(), None, "2026-03-31", Denominators::default());
    assert!(!f.period.partial, "the period ends today: every day is in");
    let (f, _) = tallied_as_of(year(), None, "2026-04-01", Denominators::default());
    assert!(!f.period.partial);
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["period"]["partial"], false);
}

#[test]
fn a_comparison_is_partial_before_the_first_data_or_past_today() {
    let previous = year().previous().unwrap();
    let today = day(AFTER);
    // The earliest stage in `council_year` was received 3 June 2024 (M13):
    // the year before starts on 1 April 2024, before it.
    let first = council_year().iter().map(|s| day(s.received)).min();
    assert_eq!(first, Some(day("2024-06-03")));
    assert!(previous.partial_comparison(today, first));
    // Data from the very first day: whole.
    assert!(!previous.partial_comparison(today, Some(day("2024-04-01"))));
    assert!(!previous.partial_comparison(today, Some(day("2020-01-01"))));
    // No data at all: nothing can be whole.
    assert!(previous.partial_comparison(today, None));
    // A comparison (from --compare-with) still running on the day.
    let later = Period::new(day("2026-04-01"), day("2026-06-30")).unwrap();
    assert!(later.partial_comparison(day("2026-05-01"), Some(day("2020-01-01"))));
}

#[test]
fn a_year_to_a_leap_day_compares_with_the_year_before_and_none_before_that() {
    // 2023-03-01..2024-02-29 ends on a leap day: the year before ends on the
    // last day of its February, the 28th, and starts on 1 March 2022.
    let leap = Period::new(day("2023-03-01"), day("2024-02-29")).unwrap();
    let previous = leap.previous().unwrap();
    assert_eq!(
        previous,
        Period::new(day("2022-03-01"), day("2023-02-28")).unwrap()
    );
    // Both years hand-worked: a corporate complaint received Wed 28 Feb
    // 2024 (in the leap year), one received Tue 28 Feb 2023 (the year
    // before's last day), one on Wed 1 Mar 2023 (the leap year's first).
    use Kind::Corporate;
    let stages = [
        s("CORP-1", Corporate, 1, "2024-02-28"),
        s("CORP-2", Corporate, 1, "2023-02-28"),
        s("CORP-3", Corporate, 1, "2023-03-01"),
        // Received on the leap day itself, answered Fri 1 March 2024,
        // after the period: a complaint in it, not a response.
        s("CORP-4", Corporate, 1, "2024-02-29").answered(
            "2024-03-01",
            Outcome::NotUpheld,
            "2024-03-14",
        ),
    ];
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut report = Report::new(leap, Some(previous), day(AFTER), Denominators::default());
    for stage in &stages {
        report.add(&stage.fact(), &calendar).unwrap();
    }
    let (now, before) = report.finish();
    // CORP-1, CORP-3 and CORP-4 (received on the leap day itself).
    assert_eq!(now.complaints.total, 3);
    assert_eq!(now.responses, 0);
    let before = before.expect("CORP-2 was received in it");
    assert_eq!(before.complaints.total, 1);
    // The year before that holds nothing: no figures, and partial, since
    // the first data is 28 February 2023.
    let earliest = previous.previous().unwrap();
    let mut report = Report::new(
        previous,
        Some(earliest),
        day(AFTER),
        Denominators::default(),
    );
    for stage in &stages {
        report.add(&stage.fact(), &calendar).unwrap();
    }
    assert_eq!(report.finish().1, None);
    assert!(earliest.partial_comparison(day(AFTER), Some(day("2023-02-28"))));
}

#[test]
fn the_new_keys_are_in_the_json() {
    let (f, _) = tallied(year(), None);
    let json = serde_json::to_value(&f).unwrap();
    for pointer in [
        "/period/partial",
        "/late_without_reason",
        "/withdrawn",
        "/extended_by_kind/corporate",
        "/timeliness/0/kind",
        "/timeliness/0/stage",
        "/timeliness/0/procedure",
        "/timeliness/0/working_days",
        "/timeliness/0/extendable_to",
        "/timeliness/0/acknowledge_within",
        "/timeliness/0/within_working_days_pct",
        "/timeliness/0/within_extension_pct",
        "/timeliness/0/acknowledged_on_time_pct",
        "/outcomes/0/upheld_pct",
        "/outcomes/0/withdrawn",
        "/working_days_to_respond/mean",
        "/working_days_to_respond/median",
        "/working_days_to_respond/by_kind/statutory/median",
        "/by_team/Parks/answered_on_time",
        "/by_team/Parks/compliments",
        "/learning/with_learning_pct",
        "/learning/entries/0/action_due_on",
        "/by_quarter/0/label",
        "/by_quarter/0/on_time_pct",
        "/rates/complaints_per_1000_contacts",
        "/rates/complaints_per_1000_residents",
    ] {
        assert!(json.pointer(pointer).is_some(), "no {pointer} in {json}");
    }
    assert_eq!(json["timeliness"][0]["kind"], "statutory");
    assert_eq!(
        json["timeliness"][0]["procedure"],
        "children-statutory-2006"
    );
    assert_eq!(json["by_quarter"][0]["label"], "Apr–Jun 2025");
}
