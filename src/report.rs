//! The annual complaints report: the figures a council publishes for a
//! period, and the tables both the Markdown and the HTML report show (pure:
//! stage facts in, figures out; no I/O, no clock).
//!
//! Stages are folded into a [`Tally`] one at a time, so memory stays flat
//! however many stages the store holds. A tally keeps only what the report
//! lists: the teams complimented, the complaint and reason categories, and
//! the references upheld without learning.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::calendar::{Calendar, CalendarError};
use crate::domain::{Kind, Outcome, Stage};
use crate::format::{percent, percent_text};
pub use crate::views::report::{Layout, Row, Table};

/// The council's headline measure: answered within this many working days,
/// whatever the stage's own deadline.
pub const HEADLINE_WORKING_DAYS: i64 = 20;

/// How `categories` names complaints that have none.
pub const UNCATEGORISED: &str = "uncategorised";

/// The days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `None` when `from` is after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Self> {
        (from <= to).then_some(Self { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.from..=self.to).contains(&day)
    }

    /// The period this one is compared with: the same dates a year
    /// earlier, where the last day of a month stays the last day of its
    /// month. So a financial year compares with the financial year before
    /// (2024-04-01..2025-03-31 with 2023-04-01..2024-03-31, whatever leap
    /// day lies between), a month or quarter with the same month or quarter
    /// a year earlier (February 2024 with 1-28 February 2023), and any other
    /// span with the same dates a year earlier. That is the comparison a
    /// complaints manager makes: complaints follow the school and council
    /// year, so "the same time last year" is fair where "the weeks just
    /// before" is not, and it keeps a year-to-date report next to last
    /// year's to date. A period longer than a year goes back as many whole
    /// years as it needs not to overlap itself. `None` only at the ends of
    /// the calendar.
    pub fn previous(&self) -> Option<Self> {
        let mut years = 1;
        loop {
            let to = years_before(self.to, years)?;
            if to < self.from {
                let from = years_before(self.from, years)?;
                return Some(Self { from, to });
            }
            years += 1;
        }
    }

    /// The smallest period covering both.
    pub fn span(&self, other: &Self) -> Self {
        Self {
            from: self.from.min(other.from),
            to: self.to.max(other.to),
        }
    }

    /// How the tables head the period's column.
    pub fn label(&self) -> String {
        format!("{} to {}", self.from, self.to)
    }
}

/// `day` the given number of years earlier; the last day of a month maps
/// to the last day of that month (29 February 2024 and 28 February 2025
/// both end a February).
fn years_before(day: NaiveDate, years: u32) -> Option<NaiveDate> {
    let months = Months::new(years.checked_mul(12)?);
    let next = day.succ_opt()?;
    if next.month() == day.month() {
        // Not a month's end: chrono moves a 29 February to the 28th.
        day.checked_sub_months(months)
    } else {
        next.checked_sub_months(months)?.pred_opt()
    }
}

/// What the report needs to know about one stage of a case.
#[derive(Debug, Clone, Copy)]
pub struct StageFact<'a> {
    pub reference: &'a str,
    pub kind: Kind,
    /// 1-3 for complaints, [`Stage::NONE`] for comments and compliments.
    pub stage: Stage,
    pub team: &'a str,
    /// The complaint's subject (`cases.category`).
    pub category: Option<&'a str>,
    pub received_on: NaiveDate,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// The day a complete extract of the case system no longer listed the
    /// open stage.
    pub left_source_on: Option<NaiveDate>,
    /// Whether the stage records what the council learnt.
    pub has_learning: bool,
    /// The stage's own deadline, extensions and agreed dates included;
    /// `None` for comments and compliments.
    pub due_on: Option<NaiveDate>,
    /// The deadline its procedure sets, without the extension.
    pub due_unextended: Option<NaiveDate>,
    /// Whether the stage's time was extended.
    pub extended: bool,
    /// Where the procedure sets one, the acknowledgement deadline, and when
    /// the stage was acknowledged.
    pub acknowledge_by: Option<NaiveDate>,
    pub acknowledged_on: Option<NaiveDate>,
    /// The category of each delay reason recorded for the stage.
    pub reason_categories: &'a [String],
}

/// One value per kind of complaint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ByKind<T> {
    pub statutory: T,
    pub corporate: T,
    pub send: T,
    pub adult: T,
    pub housing: T,
}

/// The kinds of complaint, in the order reports list them.
pub const COMPLAINT_KINDS: [Kind; 5] = [
    Kind::Statutory,
    Kind::Corporate,
    Kind::Send,
    Kind::Adult,
    Kind::Housing,
];

impl<T> ByKind<T> {
    /// `None` for comments and compliments.
    pub fn get(&self, kind: Kind) -> Option<&T> {
        match kind {
            Kind::Statutory => Some(&self.statutory),
            Kind::Corporate => Some(&self.corporate),
            Kind::Send => Some(&self.send),
            Kind::Adult => Some(&self.adult),
            Kind::Housing => Some(&self.housing),
            Kind::Comment | Kind::Compliment => None,
        }
    }

    fn get_mut(&mut self, kind: Kind) -> Option<&mut T> {
        match kind {
            Kind::Statutory => Some(&mut self.statutory),
            Kind::Corporate => Some(&mut self.corporate),
            Kind::Send => Some(&mut self.send),
            Kind::Adult => Some(&mut self.adult),
            Kind::Housing => Some(&mut self.housing),
            Kind::Comment | Kind::Compliment => None,
        }
    }
}

/// One stage's responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageFigures {
    pub responses: u64,
    /// Answered within the working days the procedure sets, before any
    /// extension (by the agreed date, for adult social care).
    pub within_timescale: u64,
    pub within_timescale_pct: Option<f64>,
}

/// Figures for stages 1, 2 and 3.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ByStage {
    pub stage1: StageFigures,
    pub stage2: StageFigures,
    pub stage3: StageFigures,
}

impl ByStage {
    fn get_mut(&mut self, stage: Stage) -> Option<&mut StageFigures> {
        match stage.number() {
            1 => Some(&mut self.stage1),
            2 => Some(&mut self.stage2),
            3 => Some(&mut self.stage3),
            _ => None,
        }
    }

    fn all(&self) -> [&StageFigures; 3] {
        [&self.stage1, &self.stage2, &self.stage3]
    }

    fn with_shares(mut self) -> Self {
        for s in [&mut self.stage1, &mut self.stage2, &mut self.stage3] {
            s.within_timescale_pct = percent(s.within_timescale, s.responses);
        }
        self
    }
}

/// Complaints received in the period, in all and by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Complaints {
    pub total: u64,
    pub by_kind: ByKind<u64>,
}

/// The figures of one period, serialised with the keys the report's JSON
/// promises. Percentages are rounded to one decimal place, and `None`
/// (JSON null) when there is nothing to take a share of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub period: Period,
    pub complaints: Complaints,
    pub comments: u64,
    pub compliments: u64,
    pub compliment_teams: u64,
    pub stage2: u64,
    pub stage3: u64,
    pub responses: u64,
    pub within_20_working_days: u64,
    pub within_20_working_days_pct: Option<f64>,
    pub over_20_working_days: u64,
    pub over_20_with_reason: u64,
    pub over_20_with_reason_pct: Option<f64>,
    pub late: u64,
    pub late_with_reason: u64,
    pub late_with_reason_pct: Option<f64>,
    /// Complaint stages that left the case system in the period with no
    /// response recorded: neither answered nor open, so counted apart.
    pub left_case_system: u64,
    /// Stages received in the period with an acknowledgement deadline that
    /// were acknowledged or whose deadline fell in it, and of those, the
    /// ones acknowledged by it.
    pub acknowledgements: u64,
    pub acknowledged_on_time: u64,
    pub acknowledged_on_time_pct: Option<f64>,
    /// Responses to stages whose time was extended.
    pub extended: u64,
    /// Responses at each stage, and those within the time their procedure
    /// sets before any extension.
    pub by_stage: ByStage,
    pub upheld_or_partly_pct: ByKind<Option<f64>>,
    pub reason_categories: BTreeMap<String, u64>,
    pub categories: BTreeMap<String, u64>,
    pub upheld_without_learning: Vec<String>,
}

impl Figures {
    /// Whether anything at all happened in the period.
    pub fn has_data(&self) -> bool {
        self.complaints.total
            + self.comments
            + self.compliments
            + self.stage2
            + self.stage3
            + self.responses
            > 0
    }
}

/// What `report --format json` writes: the period's figures at the top,
/// and under `previous` the period they are compared with.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    #[serde(flatten)]
    pub figures: &'a Figures,
    /// `None` (null) only where no earlier period can be had.
    pub previous: Option<Compared<'a>>,
}

/// The period a report is compared with, and its figures.
#[derive(Debug, Serialize)]
pub struct Compared<'a> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The same keys as the report's own figures; `None` (null) when
    /// nothing at all happened in the period, as when casewatch holds no
    /// cases that old: zeros would claim a year without complaints.
    pub figures: Option<&'a Figures>,
}

/// The running counts of one period.
#[derive(Debug, Clone)]
pub struct Tally {
    period: Period,
    complaints: ByKind<u64>,
    comments: u64,
    compliments: u64,
    compliment_teams: BTreeSet<String>,
    stage2: u64,
    stage3: u64,
    responses: u64,
    within_20: u64,
    over_20_with_reason: u64,
    late: u64,
    late_with_reason: u64,
    left_case_system: u64,
    acknowledgements: u64,
    acknowledged_on_time: u64,
    extended: u64,
    by_stage: ByStage,
    /// Answered with upheld, partially upheld or not upheld.
    decided: ByKind<u64>,
    /// Answered with upheld or partially upheld.
    upheld: ByKind<u64>,
    reason_categories: BTreeMap<String, u64>,
    categories: BTreeMap<String, u64>,
    upheld_without_learning: BTreeSet<String>,
}

impl Tally {
    pub fn new(period: Period) -> Self {
        Self {
            period,
            complaints: ByKind::default(),
            comments: 0,
            compliments: 0,
            compliment_teams: BTreeSet::new(),
            stage2: 0,
            stage3: 0,
            responses: 0,
            within_20: 0,
            over_20_with_reason: 0,
            late: 0,
            late_with_reason: 0,
            left_case_system: 0,
            acknowledgements: 0,
            acknowledged_on_time: 0,
            extended: 0,
            by_stage: ByStage::default(),
            decided: ByKind::default(),
            upheld: ByKind::default(),
            reason_categories: BTreeMap::new(),
            categories: BTreeMap::new(),
            upheld_without_learning: BTreeSet::new(),
        }
    }

    /// Counts one stage: what was received in the period, and what was
    /// answered in it.
    ///
    /// # Errors
    /// [`CalendarError`] when a response's working days cannot be counted
    /// (a date outside the calendar).
    pub fn add(&mut self, fact: &StageFact<'_>, calendar: &Calendar) -> Result<(), CalendarError> {
        if self.period.contains(fact.received_on) {
            self.received(fact);
        }
        match (fact.responded_on, fact.left_source_on) {
            (Some(day), _) if self.period.contains(day) && is_response(fact) => {
                self.answered(fact, day, calendar)
            }
            (None, Some(day)) if self.period.contains(day) && is_response(fact) => {
                self.left_case_system += 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn received(&mut self, fact: &StageFact<'_>) {
        if let Some(by) = fact.acknowledge_by
            && fact.outcome != Some(Outcome::Withdrawn)
        {
            match fact.acknowledged_on {
                Some(on) => {
                    self.acknowledgements += 1;
                    self.acknowledged_on_time += u64::from(on <= by);
                }
                None if by <= self.period.to => self.acknowledgements += 1,
                None => {}
            }
        }
        match (fact.kind, fact.stage.number()) {
            (Kind::Comment, _) => self.comments += 1,
            (Kind::Compliment, _) => {
                self.compliments += 1;
                add_name(&mut self.compliment_teams, fact.team);
            }
            // (reference, stage) is unique, so counting stage 1s counts
            // distinct references.
            (kind, 1) => {
                bump(&mut self.complaints, kind);
                count(&mut self.categories, fact.category.unwrap_or(UNCATEGORISED));
            }
            (_, 2) => self.stage2 += 1,
            (_, 3) => self.stage3 += 1,
            _ => {}
        }
    }

    fn answered(
        &mut self,
        fact: &StageFact<'_>,
        responded: NaiveDate,
        calendar: &Calendar,
    ) -> Result<(), CalendarError> {
        let days = calendar.working_days_between(fact.received_on, responded)?;
        let with_reason = !fact.reason_categories.is_empty();
        self.responses += 1;
        self.extended += u64::from(fact.extended);
        if let Some(stage) = self.by_stage.get_mut(fact.stage) {
            stage.responses += 1;
            stage.within_timescale +=
                u64::from(fact.due_unextended.is_some_and(|d| responded <= d));
        }
        if days <= HEADLINE_WORKING_DAYS {
            self.within_20 += 1;
        } else if with_reason {
            self.over_20_with_reason += 1;
        }
        if fact.due_on.is_some_and(|due| responded > due) {
            self.late += 1;
            self.late_with_reason += u64::from(with_reason);
            for category in fact.reason_categories {
                count(&mut self.reason_categories, category);
            }
        }
        let upheld = matches!(
            fact.outcome,
            Some(Outcome::Upheld | Outcome::PartiallyUpheld)
        );
        if upheld || fact.outcome == Some(Outcome::NotUpheld) {
            bump(&mut self.decided, fact.kind);
        }
        if upheld {
            bump(&mut self.upheld, fact.kind);
            if !fact.has_learning {
                add_name(&mut self.upheld_without_learning, fact.reference);
            }
        }
        Ok(())
    }

    /// The figures counted so far.
    pub fn figures(&self) -> Figures {
        let c = &self.complaints;
        let over_20 = self.responses - self.within_20;
        Figures {
            period: self.period,
            complaints: Complaints {
                total: c.statutory + c.corporate + c.send + c.adult + c.housing,
                by_kind: *c,
            },
            comments: self.comments,
            compliments: self.compliments,
            compliment_teams: self.compliment_teams.len() as u64,
            stage2: self.stage2,
            stage3: self.stage3,
            responses: self.responses,
            within_20_working_days: self.within_20,
            within_20_working_days_pct: percent(self.within_20, self.responses),
            over_20_working_days: over_20,
            over_20_with_reason: self.over_20_with_reason,
            over_20_with_reason_pct: percent(self.over_20_with_reason, over_20),
            late: self.late,
            late_with_reason: self.late_with_reason,
            late_with_reason_pct: percent(self.late_with_reason, self.late),
            left_case_system: self.left_case_system,
            acknowledgements: self.acknowledgements,
            acknowledged_on_time: self.acknowledged_on_time,
            acknowledged_on_time_pct: percent(self.acknowledged_on_time, self.acknowledgements),
            extended: self.extended,
            by_stage: self.by_stage.with_shares(),
            upheld_or_partly_pct: ByKind {
                statutory: percent(self.upheld.statutory, self.decided.statutory),
                corporate: percent(self.upheld.corporate, self.decided.corporate),
                send: percent(self.upheld.send, self.decided.send),
                adult: percent(self.upheld.adult, self.decided.adult),
                housing: percent(self.upheld.housing, self.decided.housing),
            },
            reason_categories: self.reason_categories.clone(),
            categories: self.categories.clone(),
            upheld_without_learning: self.upheld_without_learning.iter().cloned().collect(),
        }
    }
}

/// A complaint stage answered (or gone from the case system): not a comment
/// or compliment, not withdrawn.
fn is_response(fact: &StageFact<'_>) -> bool {
    fact.kind.is_complaint() && fact.outcome != Some(Outcome::Withdrawn)
}

fn bump(counts: &mut ByKind<u64>, kind: Kind) {
    if let Some(n) = counts.get_mut(kind) {
        *n += 1;
    }
}

/// Allocates only for a name not seen before: most stages repeat one.
fn add_name(names: &mut BTreeSet<String>, name: &str) {
    if !names.contains(name) {
        names.insert(name.to_owned());
    }
}

fn count(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// A period's tally, and optionally the previous period's beside it, fed
/// from one pass over the stages.
#[derive(Debug, Clone)]
pub struct Report {
    current: Tally,
    previous: Option<Tally>,
}

impl Report {
    pub fn new(current: Period, previous: Option<Period>) -> Self {
        Self {
            current: Tally::new(current),
            previous: previous.map(Tally::new),
        }
    }

    /// The days any stage must touch (received or answered) to count.
    pub fn span(&self) -> Period {
        let current = self.current.period;
        self.previous
            .as_ref()
            .map_or(current, |p| p.period.span(&current))
    }

    /// Counts one stage in each period.
    ///
    /// # Errors
    /// As [`Tally::add`].
    pub fn add(&mut self, fact: &StageFact<'_>, calendar: &Calendar) -> Result<(), CalendarError> {
        self.current.add(fact, calendar)?;
        if let Some(previous) = &mut self.previous {
            previous.add(fact, calendar)?;
        }
        Ok(())
    }

    /// The period's figures, and the previous period's when it has any data.
    pub fn finish(&self) -> (Figures, Option<Figures>) {
        let previous = self
            .previous
            .as_ref()
            .map(Tally::figures)
            .filter(Figures::has_data);
        (self.current.figures(), previous)
    }
}

// The layout's shape is `views::report::Layout`, what the HTML template is
// given; filling it in from the figures, and writing it as Markdown, is the
// report's.
impl Layout {
    /// Lays out `current`, with `previous` beside it when given;
    /// `reason_label` turns a reason category's short name into words.
    pub fn new(
        current: &Figures,
        previous: Option<&Figures>,
        reason_label: &dyn Fn(&str) -> String,
    ) -> Self {
        let periods: Vec<&Figures> = std::iter::once(current).chain(previous).collect();
        let tables = vec![
            received_table(&periods),
            responses_table(&periods),
            upheld_table(&periods),
            keyed_table(
                "Reasons given for late responses",
                &periods,
                |f| &f.reason_categories,
                reason_label,
            ),
            keyed_table(
                "Complaints by category",
                &periods,
                |f| &f.categories,
                &str::to_owned,
            ),
        ];
        Self {
            title: format!("Complaints report, {}", long_period(&current.period)),
            columns: periods.iter().map(|f| f.period.label()).collect(),
            tables,
            upheld_without_learning: current.upheld_without_learning.clone(),
            comparison: previous.map(|f| format!("Compared with {}.", long_period(&f.period))),
        }
    }

    /// Says that `previous`, the period the report is compared with, had
    /// no figures: it has no column, but a reader should know it was looked at.
    pub fn without_figures_for(mut self, previous: Period) -> Self {
        self.comparison = Some(format!(
            "No figures for {} to compare with.",
            long_period(&previous)
        ));
        self
    }

    /// The layout as Markdown: a heading and one table per section.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        if let Some(comparison) = &self.comparison {
            out.push_str(&format!("\n{comparison}\n"));
        }
        for table in &self.tables {
            out.push_str(&format!("\n## {}\n\n", table.title));
            out.push_str(&md_row("", &self.columns));
            out.push_str(&format!("|---|{}\n", "---:|".repeat(self.columns.len())));
            for row in &table.rows {
                out.push_str(&md_row(&row.label, &row.values));
            }
        }
        out.push_str("\n## Upheld or partly upheld with no learning recorded\n\n");
        if self.upheld_without_learning.is_empty() {
            out.push_str("None.\n");
        }
        for reference in &self.upheld_without_learning {
            out.push_str(&format!("- {}\n", md_item(reference)));
        }
        out
    }
}

/// "1 April 2025 to 31 March 2026".
fn long_period(period: &Period) -> String {
    format!(
        "{} to {}",
        period.from.format("%-d %B %Y"),
        period.to.format("%-d %B %Y")
    )
}

fn md_row(label: &str, values: &[String]) -> String {
    let cells: Vec<String> = values.iter().map(|v| md_cell(v)).collect();
    format!("| {} | {} |\n", md_cell(label), cells.join(" | "))
}

/// Free text (categories, references, reasons' labels) shown as it is
/// written: it must neither break the table nor become markup. `<` and `>`
/// become entities, so `<script>` is text in any renderer; `&` only where
/// it would start an entity (`&lt;`), so "Planning & roads" stays readable;
/// `|` is escaped as GitHub's tables need, and the characters that start
/// emphasis, code or a link (`\ * _ ` [ ] ~`) get a backslash.
fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if starts_entity(&text[i + 1..]) => out.push_str("&amp;"),
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Whether text after an `&` would make it an entity: `amp;`, `#60;`, `#x3C;`.
fn starts_entity(after: &str) -> bool {
    let name_len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
        .unwrap_or(after.len());
    name_len > 0 && after[name_len..].starts_with(';')
}

/// A list item's text: as a cell, and a leading `#`, `+` or `-`, or digits
/// and `.` or `)`, escaped so the item does not turn into a heading or a
/// nested list.
fn md_item(text: &str) -> String {
    let cell = md_cell(text);
    let digits = cell.len() - cell.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = match cell[digits..].chars().next() {
        Some('#' | '+' | '-') if digits == 0 => Some(0),
        Some('.' | ')') if digits > 0 => Some(digits),
        _ => None,
    };
    match marker {
        Some(at) => format!("{}\\{}", &cell[..at], &cell[at..]),
        None => cell,
    }
}

fn row(label: &str, periods: &[&Figures], value: impl Fn(&Figures) -> String) -> Row {
    Row {
        label: label.to_owned(),
        values: periods.iter().map(|f| value(f)).collect(),
    }
}

/// A count with its share, e.g. "5 (62.5%)".
fn share(n: u64, of: Option<f64>) -> String {
    format!("{n} ({})", percent_text(of))
}

fn received_table(periods: &[&Figures]) -> Table {
    let mut rows = vec![row("Complaints", periods, |f| {
        f.complaints.total.to_string()
    })];
    for kind in COMPLAINT_KINDS {
        rows.push(row(kind.label(), periods, |f| {
            f.complaints
                .by_kind
                .get(kind)
                .copied()
                .unwrap_or(0)
                .to_string()
        }));
    }
    rows.extend([
        row("Stage 2 requests", periods, |f| f.stage2.to_string()),
        row("Stage 3 requests", periods, |f| f.stage3.to_string()),
        row("Comments", periods, |f| f.comments.to_string()),
        row("Compliments", periods, |f| f.compliments.to_string()),
        row("Teams complimented", periods, |f| {
            f.compliment_teams.to_string()
        }),
    ]);
    Table {
        title: "Received".to_owned(),
        rows,
    }
}

fn responses_table(periods: &[&Figures]) -> Table {
    Table {
        title: "Responses".to_owned(),
        rows: vec![
            row("Responses", periods, |f| f.responses.to_string()),
            row("Within 20 working days", periods, |f| {
                share(f.within_20_working_days, f.within_20_working_days_pct)
            }),
            row("Over 20 working days", periods, |f| {
                f.over_20_working_days.to_string()
            }),
            row("Over 20, with a reason for the delay", periods, |f| {
                share(f.over_20_with_reason, f.over_20_with_reason_pct)
            }),
            row("Late (after their own deadline)", periods, |f| {
                f.late.to_string()
            }),
            row("Late, with a reason for the delay", periods, |f| {
                share(f.late_with_reason, f.late_with_reason_pct)
            }),
            row(
                "No longer in the case system, no response recorded",
                periods,
                |f| f.left_case_system.to_string(),
            ),
            row("Responses after an extension", periods, |f| {
                f.extended.to_string()
            }),
            row("Acknowledged within the procedure's time", periods, |f| {
                share(f.acknowledged_on_time, f.acknowledged_on_time_pct)
            }),
        ]
        .into_iter()
        .chain((0..3).map(|i| {
            row(
                &format!("Stage {} answered within its procedure's time", i + 1),
                periods,
                move |f| {
                    let s = f.by_stage.all()[i];
                    share(s.within_timescale, s.within_timescale_pct)
                },
            )
        }))
        .collect(),
    }
}

fn upheld_table(periods: &[&Figures]) -> Table {
    let mut rows: Vec<Row> = COMPLAINT_KINDS
        .into_iter()
        .map(|kind| {
            row(kind.label(), periods, |f| {
                percent_text(f.upheld_or_partly_pct.get(kind).copied().flatten())
            })
        })
        .collect();
    rows.push(row("With no learning recorded", periods, |f| {
        f.upheld_without_learning.len().to_string()
    }));
    Table {
        title: "Upheld or partly upheld (of responses with an outcome)".to_owned(),
        rows,
    }
}

/// One row per key found in any period; 0 where a period lacks it.
fn keyed_table(
    title: &str,
    periods: &[&Figures],
    counts: impl Fn(&Figures) -> &BTreeMap<String, u64>,
    label: &dyn Fn(&str) -> String,
) -> Table {
    let keys: BTreeSet<&String> = periods.iter().flat_map(|f| counts(f).keys()).collect();
    let rows = keys
        .into_iter()
        .map(|key| {
            row(&label(key), periods, |f| {
                counts(f).get(key).copied().unwrap_or(0).to_string()
            })
        })
        .collect();
    Table {
        title: title.to_owned(),
        rows,
    }
}

#[cfg(test)]
mod tests;
