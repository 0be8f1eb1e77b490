//! The tally of one period's stages, and the figures it gives.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::breakdown::{
    Breakdown, Denominators, Learning, Quarter, Rates, ResponseDays, StageOutcomes,
    StageTimeliness, TeamFigures, Timescale,
};
use super::{Period, ReportPeriod};
use crate::calendar::{Calendar, CalendarError};
use crate::domain::{Kind, Outcome, Stage};
use crate::format::percent;
use crate::store::ReportLearning;

/// The council's headline measure: answered within this many working days,
/// whatever the stage's own deadline.
pub const HEADLINE_WORKING_DAYS: i64 = 20;

/// How `categories` names complaints that have none.
pub const UNCATEGORISED: &str = "uncategorised";

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
    /// The deadline the longest extension its procedure allows would give
    /// (whether or not the stage was extended); `None` where it allows none
    /// in working days.
    pub due_longest: Option<NaiveDate>,
    /// The timescale it is answered against; `None` for comments and
    /// compliments.
    pub timescale: Option<Timescale>,
    /// Whether the stage's time was extended.
    pub extended: bool,
    /// Where the procedure sets one, the acknowledgement deadline, and when
    /// the stage was acknowledged.
    pub acknowledge_by: Option<NaiveDate>,
    pub acknowledged_on: Option<NaiveDate>,
    /// The category of each delay reason recorded for the stage.
    pub reason_categories: &'a [String],
    /// The learning recorded for the stage, oldest first.
    pub learning: &'a [ReportLearning],
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

    pub(super) fn get_mut(&mut self, kind: Kind) -> Option<&mut T> {
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

    pub(super) fn all(&self) -> [&StageFigures; 3] {
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
    pub period: ReportPeriod,
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
    /// Late responses with no reason recorded: the "no reason given" beside
    /// the reason categories.
    pub late_without_reason: u64,
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
    pub extended_by_kind: ByKind<u64>,
    /// Complaint stages withdrawn in the period: not responses.
    pub withdrawn: u64,
    /// Responses at each stage, and those within the time their procedure
    /// sets before any extension.
    pub by_stage: ByStage,
    pub upheld_or_partly_pct: ByKind<Option<f64>>,
    pub reason_categories: BTreeMap<String, u64>,
    pub categories: BTreeMap<String, u64>,
    pub upheld_without_learning: Vec<String>,
    /// Each kind and stage against its own procedure's timescale.
    pub timeliness: Vec<StageTimeliness>,
    /// Outcomes by kind and stage.
    pub outcomes: Vec<StageOutcomes>,
    pub working_days_to_respond: ResponseDays,
    pub by_team: BTreeMap<String, TeamFigures>,
    pub learning: Learning,
    pub by_quarter: Vec<Quarter>,
    /// Complaints per 1,000 contacts and residents: the report period's
    /// only, as the settings give one council year's numbers.
    pub rates: Rates,
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
    /// It starts before the first data casewatch holds, or runs past
    /// today: its figures are not the whole period's.
    pub partial: bool,
    /// The same keys as the report's own figures; `None` (null) when
    /// nothing at all happened in the period, as when casewatch holds no
    /// cases that old: zeros would claim a year without complaints.
    pub figures: Option<&'a Figures>,
}

/// The running counts of one period.
#[derive(Debug, Clone)]
pub struct Tally {
    period: Period,
    today: NaiveDate,
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
    more: Breakdown,
    denominators: Denominators,
}

impl Tally {
    /// `today`, the day the report is made, tells whether the period is
    /// over.
    pub fn new(period: Period, today: NaiveDate) -> Self {
        Self {
            period,
            today,
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
            more: Breakdown::new(period),
            denominators: Denominators::default(),
        }
    }

    /// Gives the period's rates per 1,000 contacts and residents.
    pub fn with_denominators(mut self, denominators: Denominators) -> Self {
        self.denominators = denominators;
        self
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
            (Some(day), _) if self.period.contains(day) && is_withdrawal(fact) => {
                self.more.withdrawn(fact);
                Ok(())
            }
            (None, Some(day)) if self.period.contains(day) && is_response(fact) => {
                self.left_case_system += 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn received(&mut self, fact: &StageFact<'_>) {
        self.more.received(fact);
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
        let late = fact.due_on.is_some_and(|due| responded > due);
        self.more.answered(fact, days, late);
        if late {
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
        let total = c.statutory + c.corporate + c.send + c.adult + c.housing;
        let upheld = &self.upheld;
        let more = &self.more;
        Figures {
            period: ReportPeriod::new(self.period, self.today),
            complaints: Complaints { total, by_kind: *c },
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
            late_without_reason: self.late - self.late_with_reason,
            left_case_system: self.left_case_system,
            acknowledgements: self.acknowledgements,
            acknowledged_on_time: self.acknowledged_on_time,
            acknowledged_on_time_pct: percent(self.acknowledged_on_time, self.acknowledgements),
            extended: self.extended,
            extended_by_kind: more.extended,
            withdrawn: more.withdrawn_total(),
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
            timeliness: more.timeliness_rows(),
            outcomes: more.outcome_rows(),
            working_days_to_respond: more.response_days(),
            by_team: more.teams(),
            learning: more.learning(
                upheld.statutory + upheld.corporate + upheld.send + upheld.adult + upheld.housing,
            ),
            by_quarter: more.quarters(),
            rates: Rates::new(total, self.denominators),
        }
    }
}

/// A complaint stage answered (or gone from the case system): not a comment
/// or compliment, not withdrawn.
fn is_response(fact: &StageFact<'_>) -> bool {
    fact.kind.is_complaint() && fact.outcome != Some(Outcome::Withdrawn)
}

/// A complaint stage withdrawn: counted apart from the responses.
fn is_withdrawal(fact: &StageFact<'_>) -> bool {
    fact.kind.is_complaint() && fact.outcome == Some(Outcome::Withdrawn)
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
    /// `today` is the day the report is made (the CLI's `--as-of`); the
    /// denominators give the report period's rates, not the previous
    /// period's, which the settings say nothing about.
    pub fn new(
        current: Period,
        previous: Option<Period>,
        today: NaiveDate,
        denominators: Denominators,
    ) -> Self {
        Self {
            current: Tally::new(current, today).with_denominators(denominators),
            previous: previous.map(|p| Tally::new(p, today)),
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
