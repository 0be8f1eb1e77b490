//! The report's finer figures, for the publishable document: each stage's
//! timeliness against its own procedure, outcomes, working days to
//! respond, teams, learning, quarters and rates. [`Breakdown`] is fed by
//! the tally one stage at a time and keeps counts, a histogram of working
//! days and the learning entries it lists, never the stages.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::Period;
use super::figures::{ByKind, StageFact};
use crate::domain::{Kind, Outcome, Preset};
use crate::format::percent;

/// The timescale a stage is answered against, as its stored terms (and
/// its procedure's extension rule) give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Timescale {
    pub procedure: Preset,
    /// The procedure's working days before any extension; `None` for a
    /// date agreed with the complainant (adult social care).
    pub working_days: Option<u16>,
    /// The most working days an extension may give, in all; `None` where
    /// the procedure allows none, or only a time agreed with the
    /// complainant.
    pub extendable_to: Option<u16>,
    /// Working days from receipt to acknowledge, where the procedure sets it.
    pub acknowledge_within: Option<u16>,
}

/// Responses at one stage of one kind under one timescale (a period
/// across a change of code has a row for each).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageTimeliness {
    #[serde(serialize_with = "word")]
    pub kind: Kind,
    pub stage: u8,
    #[serde(flatten)]
    pub timescale: Timescale,
    pub responses: u64,
    /// By the procedure's own deadline, before any extension (the agreed
    /// date, for adult social care).
    pub within_working_days: u64,
    pub within_working_days_pct: Option<f64>,
    /// Within the longest extension the procedure allows, counted from the
    /// clock's start; `None` where it allows none in days.
    pub within_extension: Option<u64>,
    pub within_extension_pct: Option<f64>,
    /// Acknowledged by the acknowledgement deadline; `None` where the
    /// procedure sets none. Of `responses`.
    pub acknowledged_on_time: Option<u64>,
    pub acknowledged_on_time_pct: Option<f64>,
}

/// How the stages of one kind and stage number ended in the period.
/// Shares are of the responses with an outcome (`decided`); withdrawals
/// are not responses and are counted apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageOutcomes {
    #[serde(serialize_with = "word")]
    pub kind: Kind,
    pub stage: u8,
    pub responses: u64,
    pub decided: u64,
    pub upheld: u64,
    pub upheld_pct: Option<f64>,
    pub partially_upheld: u64,
    pub partially_upheld_pct: Option<f64>,
    pub not_upheld: u64,
    pub not_upheld_pct: Option<f64>,
    /// Responses with no outcome recorded.
    pub no_outcome: u64,
    pub withdrawn: u64,
}

/// Working days from receipt to response, counted on the calendar, one
/// decimal; `None` with no responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Average {
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseDays {
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub by_kind: ByKind<Average>,
}

/// One team's (or service's) figures for the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TeamFigures {
    /// Complaints whose stage 1 was received.
    pub received: u64,
    /// Responses, and those by their own deadline (extensions included).
    pub answered: u64,
    pub answered_on_time: u64,
    pub answered_on_time_pct: Option<f64>,
    /// Responses upheld or partially upheld.
    pub upheld: u64,
    pub compliments: u64,
}

/// One learning entry, as the document lists it: no complainant, no
/// reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearningEntry {
    pub team: String,
    #[serde(serialize_with = "word")]
    pub kind: Kind,
    pub stage: u8,
    pub text: String,
    pub action: Option<String>,
    pub action_owner: Option<String>,
    pub action_due_on: Option<NaiveDate>,
}

/// What the upheld responses taught.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Learning {
    /// Responses upheld or partially upheld.
    pub upheld: u64,
    /// Of those, the ones with learning recorded.
    pub with_learning: u64,
    pub with_learning_pct: Option<f64>,
    /// Their entries with an action.
    pub actions: u64,
    /// Their entries, by team, kind and stage.
    pub entries: Vec<LearningEntry>,
}

/// Responses in one calendar quarter of the period (cut to the period),
/// and those by their own deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quarter {
    /// Such as "Apr–Jun 2026".
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub responses: u64,
    pub on_time: u64,
    pub on_time_pct: Option<f64>,
}

/// The council's size, from the settings (`report.contacts`,
/// `report.population`); `None` where not set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Denominators {
    pub contacts: Option<u64>,
    pub population: Option<u64>,
}

/// Complaints per 1,000 contacts and per 1,000 residents, one decimal;
/// `None` where the settings give no number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rates {
    pub contacts: Option<u64>,
    pub population: Option<u64>,
    pub complaints_per_1000_contacts: Option<f64>,
    pub complaints_per_1000_residents: Option<f64>,
}

impl Rates {
    pub fn new(complaints: u64, of: Denominators) -> Self {
        let per_1000 = |n: Option<u64>| n.and_then(|n| tenths(i128::from(complaints) * 1000, n));
        Self {
            contacts: of.contacts,
            population: of.population,
            complaints_per_1000_contacts: per_1000(of.contacts),
            complaints_per_1000_residents: per_1000(of.population),
        }
    }
}

/// `numerator / denominator` to one decimal place, halves up (away from
/// minus infinity); `None` when `denominator` is 0. Integer arithmetic, as
/// [`percent`], so 12.25 is not taken for 12.2499.
fn tenths(numerator: i128, denominator: u64) -> Option<f64> {
    let d = i128::from(denominator);
    (d > 0).then(|| (numerator * 20 + d).div_euclid(2 * d) as f64 / 10.0)
}

#[derive(Debug, Clone, Default)]
struct TimelinessCounts {
    responses: u64,
    within_working_days: u64,
    within_extension: u64,
    acknowledged_on_time: u64,
}

#[derive(Debug, Clone, Default)]
struct OutcomeCounts {
    responses: u64,
    upheld: u64,
    partially_upheld: u64,
    not_upheld: u64,
    withdrawn: u64,
}

/// Working days to respond, as a histogram: memory grows with the
/// distinct numbers of days, not with the responses.
type Histogram = BTreeMap<i64, u64>;

/// The running counts behind the finer figures.
#[derive(Debug, Clone)]
pub(super) struct Breakdown {
    timeliness: BTreeMap<(Kind, u8, Timescale), TimelinessCounts>,
    outcomes: BTreeMap<(Kind, u8), OutcomeCounts>,
    pub(super) extended: ByKind<u64>,
    days: ByKind<Histogram>,
    teams: BTreeMap<String, TeamFigures>,
    learning: Vec<LearningEntry>,
    with_learning: u64,
    quarters: Vec<(Period, u64, u64)>,
}

impl Breakdown {
    pub(super) fn new(period: Period) -> Self {
        Self {
            timeliness: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            extended: ByKind::default(),
            days: ByKind::default(),
            teams: BTreeMap::new(),
            learning: Vec::new(),
            with_learning: 0,
            quarters: period.quarters().into_iter().map(|q| (q, 0, 0)).collect(),
        }
    }

    /// A complaint's stage 1, or a compliment, received in the period.
    pub(super) fn received(&mut self, fact: &StageFact<'_>) {
        match fact.kind {
            Kind::Compliment => self.team(fact.team).compliments += 1,
            Kind::Comment => {}
            _ if fact.stage.number() == 1 => self.team(fact.team).received += 1,
            _ => {}
        }
    }

    /// A complaint stage withdrawn in the period: not a response.
    pub(super) fn withdrawn(&mut self, fact: &StageFact<'_>) {
        self.outcome(fact).withdrawn += 1;
    }

    /// A response in the period, `days` working days after receipt, late
    /// or not against its own deadline.
    pub(super) fn answered(&mut self, fact: &StageFact<'_>, days: i64, late: bool) {
        let responded = fact.responded_on.unwrap_or(fact.received_on);
        self.timeliness(fact, responded);
        let outcome = self.outcome(fact);
        outcome.responses += 1;
        match fact.outcome {
            Some(Outcome::Upheld) => outcome.upheld += 1,
            Some(Outcome::PartiallyUpheld) => outcome.partially_upheld += 1,
            Some(Outcome::NotUpheld) => outcome.not_upheld += 1,
            Some(Outcome::Withdrawn) | None => {}
        }
        if fact.extended
            && let Some(n) = self.extended.get_mut(fact.kind)
        {
            *n += 1;
        }
        if let Some(histogram) = self.days.get_mut(fact.kind) {
            *histogram.entry(days).or_default() += 1;
        }
        let upheld = fact.outcome.is_some_and(Outcome::is_upheld);
        let team = self.team(fact.team);
        team.answered += 1;
        team.answered_on_time += u64::from(!late);
        team.upheld += u64::from(upheld);
        if upheld {
            self.learnt(fact);
        }
        if let Some(q) = self.quarters.iter_mut().find(|q| q.0.contains(responded)) {
            q.1 += 1;
            q.2 += u64::from(!late);
        }
    }

    fn timeliness(&mut self, fact: &StageFact<'_>, responded: NaiveDate) {
        let Some(timescale) = fact.timescale else {
            return;
        };
        let key = (fact.kind, fact.stage.number(), timescale);
        let row = self.timeliness.entry(key).or_default();
        let by = |due: Option<NaiveDate>| u64::from(due.is_some_and(|d| responded <= d));
        row.responses += 1;
        row.within_working_days += by(fact.due_unextended);
        row.within_extension += by(fact.due_longest);
        row.acknowledged_on_time += u64::from(matches!(
            (fact.acknowledged_on, fact.acknowledge_by),
            (Some(on), Some(by)) if on <= by
        ));
    }

    fn outcome(&mut self, fact: &StageFact<'_>) -> &mut OutcomeCounts {
        self.outcomes
            .entry((fact.kind, fact.stage.number()))
            .or_default()
    }

    /// Allocates only for a team not seen before: most stages repeat one.
    fn team(&mut self, name: &str) -> &mut TeamFigures {
        if !self.teams.contains_key(name) {
            self.teams.insert(name.to_owned(), TeamFigures::default());
        }
        self.teams.get_mut(name).expect("inserted above")
    }

    fn learnt(&mut self, fact: &StageFact<'_>) {
        self.with_learning += u64::from(fact.has_learning);
        self.learning
            .extend(fact.learning.iter().map(|l| LearningEntry {
                team: fact.team.to_owned(),
                kind: fact.kind,
                stage: fact.stage.number(),
                text: l.text.clone(),
                action: l.action.clone(),
                action_owner: l.action_owner.clone(),
                action_due_on: l.action_due_on,
            }));
    }

    pub(super) fn timeliness_rows(&self) -> Vec<StageTimeliness> {
        self.timeliness
            .iter()
            .map(|(&(kind, stage, timescale), c)| {
                let extension = timescale.extendable_to.map(|_| c.within_extension);
                let acknowledged = timescale.acknowledge_within.map(|_| c.acknowledged_on_time);
                StageTimeliness {
                    kind,
                    stage,
                    timescale,
                    responses: c.responses,
                    within_working_days: c.within_working_days,
                    within_working_days_pct: percent(c.within_working_days, c.responses),
                    within_extension: extension,
                    within_extension_pct: extension.and_then(|n| percent(n, c.responses)),
                    acknowledged_on_time: acknowledged,
                    acknowledged_on_time_pct: acknowledged.and_then(|n| percent(n, c.responses)),
                }
            })
            .collect()
    }

    pub(super) fn outcome_rows(&self) -> Vec<StageOutcomes> {
        self.outcomes
            .iter()
            .map(|(&(kind, stage), c)| {
                let decided = c.upheld + c.partially_upheld + c.not_upheld;
                StageOutcomes {
                    kind,
                    stage,
                    responses: c.responses,
                    decided,
                    upheld: c.upheld,
                    upheld_pct: percent(c.upheld, decided),
                    partially_upheld: c.partially_upheld,
                    partially_upheld_pct: percent(c.partially_upheld, decided),
                    not_upheld: c.not_upheld,
                    not_upheld_pct: percent(c.not_upheld, decided),
                    no_outcome: c.responses - decided,
                    withdrawn: c.withdrawn,
                }
            })
            .collect()
    }

    pub(super) fn withdrawn_total(&self) -> u64 {
        self.outcomes.values().map(|c| c.withdrawn).sum()
    }

    pub(super) fn response_days(&self) -> ResponseDays {
        let d = &self.days;
        let mut all = Histogram::new();
        for histogram in [&d.statutory, &d.corporate, &d.send, &d.adult, &d.housing] {
            for (&days, &n) in histogram {
                *all.entry(days).or_default() += n;
            }
        }
        let overall = average(&all);
        ResponseDays {
            mean: overall.mean,
            median: overall.median,
            by_kind: ByKind {
                statutory: average(&d.statutory),
                corporate: average(&d.corporate),
                send: average(&d.send),
                adult: average(&d.adult),
                housing: average(&d.housing),
            },
        }
    }

    pub(super) fn teams(&self) -> BTreeMap<String, TeamFigures> {
        let mut teams = self.teams.clone();
        for team in teams.values_mut() {
            team.answered_on_time_pct = percent(team.answered_on_time, team.answered);
        }
        teams
    }

    pub(super) fn learning(&self, upheld: u64) -> Learning {
        let mut entries = self.learning.clone();
        // Stable: a stage's entries stay oldest first.
        entries.sort_by(|a, b| (&a.team, a.kind, a.stage).cmp(&(&b.team, b.kind, b.stage)));
        Learning {
            upheld,
            with_learning: self.with_learning,
            with_learning_pct: percent(self.with_learning, upheld),
            actions: entries.iter().filter(|e| e.action.is_some()).count() as u64,
            entries,
        }
    }

    pub(super) fn quarters(&self) -> Vec<Quarter> {
        self.quarters
            .iter()
            .map(|&(q, responses, on_time)| Quarter {
                label: q.quarter_label(),
                from: q.from,
                to: q.to,
                responses,
                on_time,
                on_time_pct: percent(on_time, responses),
            })
            .collect()
    }
}

/// The mean and median of a histogram of working days; the median of an
/// even count is halfway between the two middle values.
fn average(histogram: &Histogram) -> Average {
    let count: u64 = histogram.values().sum();
    if count == 0 {
        return Average::default();
    }
    let sum: i128 = histogram
        .iter()
        .map(|(&days, &n)| i128::from(days) * i128::from(n))
        .sum();
    let middle = |rank: u64| {
        let mut seen = 0;
        histogram
            .iter()
            .find(|&(_, &n)| {
                seen += n;
                seen > rank
            })
            .map_or(0, |(&days, _)| days)
    };
    // Ranks from 0: the middle one of an odd count, the two of an even.
    let (low, high) = (middle((count - 1) / 2), middle(count / 2));
    Average {
        mean: tenths(sum, count),
        median: Some((low + high) as f64 / 2.0),
    }
}

fn word<S: Serializer>(kind: &Kind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}
