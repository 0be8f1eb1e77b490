//! The tracker's figures and tables as of one day. Pure: stages stream in,
//! and only the rows the tracker lists are kept, so memory follows the
//! size of the tracker, not of the case history.
//!
//! Stages arrive with only what the figures need; what a listed row shows
//! besides (reference, manager, reasons, reminders) is read afterwards for
//! the listed stages alone, and handed to [`Builder::finish`].

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::domain::{Outcome, StageDates, Standing};
use crate::format::percent;
pub use crate::store::{Details, TrackedStage, Undelivered};
use crate::timescale::{Deadlines, Timescales};

/// The headline numbers as of one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Headline {
    pub open: usize,
    pub due_soon: usize,
    pub overdue: usize,
    pub answered_last_week_on_time: usize,
    pub answered_last_week_late: usize,
    /// Year to date (from 1 April): responses, those within 20 working days,
    /// late ones (after their own deadline) and those late with a reason.
    pub ytd_responses: usize,
    pub ytd_within_20: usize,
    pub ytd_late: usize,
    pub ytd_late_with_reason: usize,
    /// Year to date: open stages that a complete extract no longer listed
    /// (closed in the case system with no response recorded here).
    pub ytd_left_case_system: usize,
    /// Year to date: stages with an acknowledgement deadline that were
    /// acknowledged or are past it, and those acknowledged by it.
    pub ytd_acknowledgements: usize,
    pub ytd_acknowledged_on_time: usize,
    /// Year to date: responses to stages whose time was extended.
    pub ytd_extended: usize,
    /// Year to date: responses upheld or partly upheld, and those with
    /// learning on record.
    pub ytd_upheld: usize,
    pub ytd_upheld_with_learning: usize,
}

impl Headline {
    pub fn ytd_within_20_pct(&self) -> Option<f64> {
        percent(self.ytd_within_20 as u64, self.ytd_responses as u64)
    }

    pub fn ytd_reason_pct(&self) -> Option<f64> {
        percent(self.ytd_late_with_reason as u64, self.ytd_late as u64)
    }

    pub fn ytd_learning_pct(&self) -> Option<f64> {
        percent(self.ytd_upheld_with_learning as u64, self.ytd_upheld as u64)
    }

    pub fn ytd_acknowledged_pct(&self) -> Option<f64> {
        percent(
            self.ytd_acknowledged_on_time as u64,
            self.ytd_acknowledgements as u64,
        )
    }
}

/// A listed stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub stage_id: i64,
    pub kind: &'static str,
    pub team: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Working days from the tracker's day to the deadline (negative: overdue).
    pub working_days_left: i64,
    pub responded_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    /// The deadline counts from the acknowledgement deadline, as the stage
    /// is not acknowledged yet.
    pub provisional: bool,
    /// For a stage no longer in the case system: the day it left.
    pub left_source_on: Option<NaiveDate>,
    #[serde(flatten)]
    pub details: Details,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TeamFigures {
    pub open: usize,
    pub overdue: usize,
    pub ytd_responses: usize,
    pub ytd_on_time: usize,
}

/// One week of the 12-week chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeekPoint {
    /// The Monday the week starts.
    pub monday: NaiveDate,
    pub responses: usize,
    pub on_time: usize,
    pub late: usize,
    pub late_with_reason: usize,
}

/// Everything the tracker shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tracker {
    pub as_of: NaiveDate,
    /// ISO week, e.g. "2026-W48".
    pub week: String,
    pub headline: Headline,
    pub last_week: Headline,
    pub overdue: Vec<Row>,
    pub due_soon: Vec<Row>,
    pub answered_last_week: Vec<Row>,
    /// Open stages not yet acknowledged whose acknowledgement deadline has
    /// passed or falls within [`DUE_SOON_DAYS`]; the row's deadline is the
    /// acknowledgement's.
    pub acknowledgements: Vec<Row>,
    /// Open stages that left the case system this financial year.
    pub left_case_system: Vec<Row>,
    /// Responses this financial year, upheld or partly upheld, with no
    /// learning on record: after the requests to their managers run out,
    /// the complaints team's to chase.
    pub no_learning: Vec<Row>,
    pub teams: BTreeMap<String, TeamFigures>,
    pub undelivered: Vec<Undelivered>,
    pub weeks: Vec<WeekPoint>,
    /// When the case data was last refreshed (a feed run or an import).
    pub data_refreshed: Option<chrono::DateTime<chrono::Utc>>,
}

/// How many working days ahead counts as "due soon".
pub const DUE_SOON_DAYS: i64 = 5;
const CHART_WEEKS: usize = 12;

/// Builds a tracker from stages fed one at a time.
pub struct Builder<'a> {
    calendar: &'a Calendar,
    timescales: &'a Timescales,
    tracker: Tracker,
    /// The first day of the financial year, for both this week and last.
    year_start: [NaiveDate; 2],
    last_week_day: NaiveDate,
}

impl<'a> Builder<'a> {
    pub fn new(as_of: NaiveDate, calendar: &'a Calendar, timescales: &'a Timescales) -> Self {
        let last_week_day = as_of - Days::new(7);
        let monday = monday_of(as_of);
        let weeks = (1..=CHART_WEEKS)
            .rev()
            .map(|i| WeekPoint {
                monday: monday - Days::new(7 * i as u64),
                responses: 0,
                on_time: 0,
                late: 0,
                late_with_reason: 0,
            })
            .collect();
        Self {
            calendar,
            timescales,
            year_start: [year_start(as_of), year_start(last_week_day)],
            last_week_day,
            tracker: Tracker {
                as_of,
                week: iso_week(as_of),
                headline: Headline::default(),
                last_week: Headline::default(),
                overdue: Vec::new(),
                due_soon: Vec::new(),
                answered_last_week: Vec::new(),
                acknowledgements: Vec::new(),
                left_case_system: Vec::new(),
                no_learning: Vec::new(),
                teams: BTreeMap::new(),
                undelivered: Vec::new(),
                weeks,
                data_refreshed: None,
            },
        }
    }

    /// The first response day any figure or table counts: stages answered
    /// before it need not be read (stages still open are always read).
    pub fn answered_since(&self) -> NaiveDate {
        let mondays = [self.tracker.as_of, self.last_week_day].map(monday_of);
        let earliest_last_week = mondays.iter().min().copied().unwrap_or(self.tracker.as_of);
        let chart_start = self
            .tracker
            .weeks
            .first()
            .map_or(earliest_last_week, |w| w.monday);
        [
            self.year_start[0],
            self.year_start[1],
            earliest_last_week - Days::new(7),
            chart_start,
        ]
        .into_iter()
        .min()
        .unwrap_or(chart_start)
    }

    /// Takes one stage into account. Stages without a deadline (comments,
    /// compliments) and stages received after the day are left out.
    pub fn add(&mut self, t: &TrackedStage) {
        if !t.kind.is_complaint() {
            return;
        }
        let deadlines = t.terms.deadlines(
            t.received_on,
            self.calendar,
            self.timescales.agreed_default_months,
        );
        let Ok(Deadlines {
            respond_by: Some(due_on),
            acknowledge_by,
            provisional,
        }) = deadlines
        else {
            return;
        };
        let as_of = self.tracker.as_of;
        self.count(t, due_on, as_of, 0);
        self.count(t, due_on, self.last_week_day, 1);
        if let Some(by) = acknowledge_by {
            self.count_acknowledgement(t, by, as_of, 0);
            self.count_acknowledgement(t, by, self.last_week_day, 1);
            if let Some(row) = self.acknowledgement_row(t, by) {
                self.tracker.acknowledgements.push(row);
            }
        }
        self.chart(t, due_on);
        if let Some(row) = self.no_learning_row(t, due_on) {
            self.tracker.no_learning.push(row);
        }
        if let Some(row) = self.row(t, due_on, provisional) {
            let open = row.responded_on.is_none();
            if row.left_source_on.is_some() {
                self.tracker.left_case_system.push(row);
            } else if open && row.working_days_left < 0 {
                self.tracker.overdue.push(row);
            } else if open && row.working_days_left <= DUE_SOON_DAYS {
                self.tracker.due_soon.push(row);
            } else if !open {
                self.tracker.answered_last_week.push(row);
            }
        }
    }

    pub fn undelivered(&mut self, failed: Vec<Undelivered>) {
        self.tracker.undelivered = failed;
    }

    /// The stages listed so far, whose details [`Builder::finish`] needs.
    pub fn listed(&self) -> Vec<i64> {
        let t = &self.tracker;
        [
            &t.overdue,
            &t.due_soon,
            &t.answered_last_week,
            &t.acknowledgements,
            &t.left_case_system,
            &t.no_learning,
        ]
        .into_iter()
        .flatten()
        .map(|r| r.stage_id)
        .collect()
    }

    /// The tracker, each listed row with its details (left blank for a
    /// stage deleted since it was read), the tables in order. A stage may
    /// be listed twice: due soon, and not yet acknowledged.
    pub fn finish(mut self, details: HashMap<i64, Details>) -> Tracker {
        let t = &mut self.tracker;
        for row in t
            .overdue
            .iter_mut()
            .chain(&mut t.due_soon)
            .chain(&mut t.answered_last_week)
            .chain(&mut t.acknowledgements)
            .chain(&mut t.left_case_system)
            .chain(&mut t.no_learning)
        {
            row.details = details.get(&row.stage_id).cloned().unwrap_or_default();
        }
        // Ties go by stage id: stages arrive in no set order (the store
        // reads them in parts at once).
        let by_days_left = |a: &Row, b: &Row| {
            (a.working_days_left, &a.details.reference, a.stage_id).cmp(&(
                b.working_days_left,
                &b.details.reference,
                b.stage_id,
            ))
        };
        t.overdue.sort_by(by_days_left);
        t.due_soon.sort_by(by_days_left);
        t.acknowledgements.sort_by(by_days_left);
        let by_answer = |a: &Row, b: &Row| {
            (a.responded_on, &a.details.reference, a.stage_id).cmp(&(
                b.responded_on,
                &b.details.reference,
                b.stage_id,
            ))
        };
        t.answered_last_week.sort_by(by_answer);
        t.no_learning.sort_by(by_answer);
        t.left_case_system.sort_by(|a, b| {
            (a.left_source_on, &a.details.reference, a.stage_id).cmp(&(
                b.left_source_on,
                &b.details.reference,
                b.stage_id,
            ))
        });
        self.tracker
    }

    /// Headline and team figures as of `day` (index 0: the tracker's day,
    /// 1: a week before).
    fn count(&mut self, s: &TrackedStage, due_on: NaiveDate, day: NaiveDate, which: usize) {
        let standing = dates(s).standing(day);
        if standing == Standing::NotReceived {
            return;
        }
        let responded = s.responded_on.filter(|r| *r <= day);
        let withdrawn = s.outcome == Some(Outcome::Withdrawn);
        let year_start = self.year_start[which];
        let h = if which == 0 {
            &mut self.tracker.headline
        } else {
            &mut self.tracker.last_week
        };
        let mut team_open = false;
        let mut team_overdue = false;
        // Open by the rule `cases --open` lists with (`domain::Standing`).
        match (standing, responded) {
            (Standing::LeftCaseSystem(left), _) => {
                h.ytd_left_case_system += usize::from(left >= year_start);
            }
            (Standing::Open, _) => {
                h.open += 1;
                team_open = true;
                let left = self.calendar.working_days_between(day, due_on).unwrap_or(0);
                if left < 0 {
                    h.overdue += 1;
                    team_overdue = true;
                } else if left <= DUE_SOON_DAYS {
                    h.due_soon += 1;
                }
            }
            (_, Some(r)) => {
                let late = r > due_on;
                let monday = monday_of(day);
                if r < monday && r >= monday - Days::new(7) {
                    if late {
                        h.answered_last_week_late += 1;
                    } else {
                        h.answered_last_week_on_time += 1;
                    }
                }
                if r >= year_start && !withdrawn {
                    h.ytd_responses += 1;
                    h.ytd_extended += usize::from(s.terms.terms.extended());
                    if s.outcome.is_some_and(Outcome::is_upheld) {
                        h.ytd_upheld += 1;
                        h.ytd_upheld_with_learning += usize::from(s.has_learning);
                    }
                    let within = self
                        .calendar
                        .working_days_between(s.received_on, r)
                        .unwrap_or(i64::MAX)
                        <= 20;
                    h.ytd_within_20 += usize::from(within);
                    if late {
                        h.ytd_late += 1;
                        h.ytd_late_with_reason += usize::from(s.has_reason);
                    }
                    if which == 0 {
                        let team = team_figures(&mut self.tracker.teams, &s.team);
                        team.ytd_responses += 1;
                        team.ytd_on_time += usize::from(!late);
                    }
                }
            }
            // Withdrawn on a day not recorded, or not yet received.
            _ => {}
        }
        if which == 0 && (team_open || team_overdue) {
            let team = team_figures(&mut self.tracker.teams, &s.team);
            team.open += usize::from(team_open);
            team.overdue += usize::from(team_overdue);
        }
    }

    /// Acknowledgement figures as of `day` (index as for [`Builder::count`]):
    /// a stage received this financial year counts once it is acknowledged
    /// or its acknowledgement deadline has passed.
    fn count_acknowledgement(
        &mut self,
        s: &TrackedStage,
        by: NaiveDate,
        day: NaiveDate,
        which: usize,
    ) {
        if s.received_on > day
            || s.received_on < self.year_start[which]
            || s.outcome == Some(Outcome::Withdrawn)
        {
            return;
        }
        let h = if which == 0 {
            &mut self.tracker.headline
        } else {
            &mut self.tracker.last_week
        };
        match s.terms.acknowledged_on.filter(|a| *a <= day) {
            Some(on) => {
                h.ytd_acknowledgements += 1;
                h.ytd_acknowledged_on_time += usize::from(on <= by);
            }
            None if by < day => h.ytd_acknowledgements += 1,
            None => {}
        }
    }

    /// The row for a stage still open and not acknowledged on the
    /// tracker's day whose acknowledgement is due within
    /// [`DUE_SOON_DAYS`] or overdue.
    fn acknowledgement_row(&self, s: &TrackedStage, by: NaiveDate) -> Option<Row> {
        let as_of = self.tracker.as_of;
        let open = dates(s).standing(as_of) == Standing::Open
            && s.terms.acknowledged_on.is_none_or(|a| a > as_of);
        let left = self.calendar.working_days_between(as_of, by).ok()?;
        (open && left <= DUE_SOON_DAYS).then(|| Row {
            stage_id: s.stage_id,
            kind: s.kind.as_str(),
            team: s.team.clone(),
            received_on: s.received_on,
            due_on: by,
            working_days_left: left,
            responded_on: None,
            on_time: None,
            provisional: false,
            left_source_on: None,
            details: Details::default(),
        })
    }

    fn chart(&mut self, t: &TrackedStage, due_on: NaiveDate) {
        let Some(r) = t.responded_on else {
            return;
        };
        if t.outcome == Some(Outcome::Withdrawn) {
            return;
        }
        if let Some(week) = self
            .tracker
            .weeks
            .iter_mut()
            .find(|w| r >= w.monday && r < w.monday + Days::new(7))
        {
            week.responses += 1;
            if r > due_on {
                week.late += 1;
                week.late_with_reason += usize::from(t.has_reason);
            } else {
                week.on_time += 1;
            }
        }
    }

    /// The row for a stage the tracker lists: open and overdue or due soon,
    /// answered last week, or no longer in the case system this year (its
    /// working days left counted on the day it left).
    fn row(&self, s: &TrackedStage, due_on: NaiveDate, provisional: bool) -> Option<Row> {
        let as_of = self.tracker.as_of;
        let standing = dates(s).standing(as_of);
        if standing == Standing::NotReceived {
            return None;
        }
        let responded = s.responded_on.filter(|r| *r <= as_of);
        let withdrawn = standing == Standing::Withdrawn;
        let left_source_on = match standing {
            Standing::LeftCaseSystem(on) => Some(on),
            _ => None,
        };
        let counted_on = left_source_on.unwrap_or(as_of);
        let left = self
            .calendar
            .working_days_between(counted_on, due_on)
            .ok()?;
        let monday = monday_of(as_of);
        let listed = match (responded, left_source_on) {
            (None, Some(l)) => l >= self.year_start[0],
            (None, None) => !withdrawn && left <= DUE_SOON_DAYS,
            (Some(r), _) => r < monday && r >= monday - Days::new(7),
        };
        listed.then(|| Row {
            stage_id: s.stage_id,
            kind: s.kind.as_str(),
            team: s.team.clone(),
            received_on: s.received_on,
            due_on,
            working_days_left: left,
            responded_on: responded,
            on_time: responded.map(|r| r <= due_on),
            provisional: provisional && responded.is_none(),
            left_source_on,
            details: Details::default(),
        })
    }
}

impl Builder<'_> {
    /// The row for an upheld or partly upheld response this financial
    /// year (by the tracker's day) with no learning on record.
    fn no_learning_row(&self, s: &TrackedStage, due_on: NaiveDate) -> Option<Row> {
        let as_of = self.tracker.as_of;
        let responded = s
            .responded_on
            .filter(|r| *r <= as_of && *r >= self.year_start[0])?;
        if s.has_learning || !s.outcome.is_some_and(|o| o.is_upheld()) {
            return None;
        }
        Some(Row {
            stage_id: s.stage_id,
            kind: s.kind.as_str(),
            team: s.team.clone(),
            received_on: s.received_on,
            due_on,
            working_days_left: self.calendar.working_days_between(as_of, due_on).ok()?,
            responded_on: Some(responded),
            on_time: Some(responded <= due_on),
            provisional: false,
            left_source_on: None,
            details: Details::default(),
        })
    }
}

/// The stage's dates, for the rule of what is open on a day.
fn dates(s: &TrackedStage) -> StageDates {
    StageDates {
        received_on: s.received_on,
        responded_on: s.responded_on,
        outcome: s.outcome,
        left_source_on: s.left_source_on,
    }
}

/// A team's figures; allocates the team's name only the first time, as
/// most stages belong to a team seen before.
fn team_figures<'t>(
    teams: &'t mut BTreeMap<String, TeamFigures>,
    team: &str,
) -> &'t mut TeamFigures {
    if !teams.contains_key(team) {
        teams.insert(team.to_owned(), TeamFigures::default());
    }
    teams.get_mut(team).expect("inserted above")
}

/// The Monday of `day`'s ISO week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// 1 April on or before `day`: the council's financial year.
pub fn year_start(day: NaiveDate) -> NaiveDate {
    let this_year = NaiveDate::from_ymd_opt(day.year(), 4, 1).unwrap_or(day);
    if day >= this_year {
        this_year
    } else {
        NaiveDate::from_ymd_opt(day.year() - 1, 4, 1).unwrap_or(day)
    }
}

/// "2026-W48".
pub fn iso_week(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;
    use crate::domain::{ClockStart, Kind, Preset};
    use crate::timescale::StoredTerms;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Statutory stage 1 (10 working days); its id is `id`.
    fn stage(
        id: i64,
        team: &'static str,
        received: &str,
        responded: Option<&str>,
        has_reason: bool,
    ) -> TrackedStage {
        TrackedStage {
            stage_id: id,
            kind: Kind::Statutory,
            team: team.to_owned(),
            received_on: date(received),
            terms: StoredTerms::from_receipt(Preset::ChildrenStatutory2006, 10),
            responded_on: responded.map(date),
            outcome: None,
            has_reason,
            has_learning: false,
            left_source_on: None,
        }
    }

    /// Details naming stage `id` by the letter in `refs` at that index.
    fn details(refs: &str) -> HashMap<i64, Details> {
        (0..)
            .zip(refs.chars())
            .map(|(id, letter)| {
                let reference = letter.to_string();
                (
                    id,
                    Details {
                        reference,
                        ..Details::default()
                    },
                )
            })
            .collect()
    }

    #[test]
    fn figures_worked_out_by_hand() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let timescales = Timescales::default();
        let mut withdrawn = stage(5, "T2", "2026-11-20", None, false);
        withdrawn.outcome = Some(Outcome::Withdrawn);
        let stages = [
            // Due 16 Nov; open: five working days overdue on Monday 23rd.
            stage(0, "T1", "2026-11-02", None, false),
            // Due 30 Nov: 24, 25, 26, 27, 30 — five working days left.
            stage(1, "T1", "2026-11-16", None, false),
            // Due 16 Nov, answered 18 Nov (last week): late, with a reason;
            // 12 working days from receipt, so within 20.
            stage(2, "T2", "2026-11-02", Some("2026-11-18"), true),
            // Due 23 Nov, answered 20 Nov: on time.
            stage(3, "T2", "2026-11-09", Some("2026-11-20"), false),
            // Due 15 Oct, answered 14 Oct: on time, earlier this year.
            stage(4, "T2", "2026-10-01", Some("2026-10-14"), false),
            withdrawn,
        ];
        let mut builder = Builder::new(date("2026-11-23"), &calendar, &timescales);
        stages.iter().for_each(|s| builder.add(s));
        let mut listed = builder.listed();
        listed.sort_unstable();
        assert_eq!(listed, [0, 1, 2, 3]);
        let t = builder.finish(details("ABCDEF"));
        assert_eq!(t.week, "2026-W48");
        assert_eq!(
            t.headline,
            Headline {
                open: 2,
                due_soon: 1,
                overdue: 1,
                answered_last_week_on_time: 1,
                answered_last_week_late: 1,
                ytd_responses: 3,
                ytd_within_20: 3,
                ytd_late: 1,
                ytd_late_with_reason: 1,
                ytd_left_case_system: 0,
                ytd_acknowledgements: 0,
                ytd_acknowledged_on_time: 0,
                ytd_extended: 0,
                ytd_upheld: 0,
                ytd_upheld_with_learning: 0,
            }
        );
        // As of the 16th: A (due that day), C (due that day) and D (five
        // left) were due soon; B had ten left; E was answered weeks before.
        assert_eq!(
            t.last_week,
            Headline {
                open: 4,
                due_soon: 3,
                ytd_responses: 1,
                ytd_within_20: 1,
                ..Headline::default()
            }
        );
        let refs = |rows: &[Row]| {
            rows.iter()
                .map(|r| r.details.reference.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(refs(&t.overdue), ["A"]);
        assert_eq!(t.overdue[0].working_days_left, -5);
        assert_eq!(refs(&t.due_soon), ["B"]);
        assert_eq!(refs(&t.answered_last_week), ["C", "D"]);
        assert_eq!(t.answered_last_week[0].on_time, Some(false));
        assert_eq!(
            t.teams["T1"],
            TeamFigures {
                open: 2,
                overdue: 1,
                ytd_responses: 0,
                ytd_on_time: 0
            }
        );
        assert_eq!(
            t.teams["T2"],
            TeamFigures {
                open: 0,
                overdue: 0,
                ytd_responses: 3,
                ytd_on_time: 2
            }
        );
        assert_eq!(t.headline.ytd_within_20_pct(), Some(100.0));
        // The chart's last week (16-22 Nov): C late with a reason, D on time.
        let last = t.weeks.last().unwrap();
        assert_eq!(
            (
                last.monday,
                last.responses,
                last.on_time,
                last.late_with_reason
            ),
            (date("2026-11-16"), 2, 1, 1)
        );
    }

    #[test]
    fn upheld_responses_this_year_with_no_learning_are_listed_for_the_team() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let timescales = Timescales::default();
        let answered = |id, responded: &str, outcome, has_learning| TrackedStage {
            outcome: Some(outcome),
            has_learning,
            ..stage(id, "T1", "2026-09-01", Some(responded), false)
        };
        let stages = [
            answered(0, "2026-10-05", Outcome::PartiallyUpheld, false),
            answered(1, "2026-09-10", Outcome::Upheld, false),
            // Learning on record, not upheld, last financial year, after
            // the tracker's day: none of them listed.
            answered(2, "2026-09-10", Outcome::Upheld, true),
            answered(3, "2026-09-10", Outcome::NotUpheld, false),
            TrackedStage {
                received_on: date("2026-02-02"),
                ..answered(4, "2026-03-02", Outcome::Upheld, false)
            },
            answered(5, "2026-11-24", Outcome::Upheld, false),
        ];
        let mut builder = Builder::new(date("2026-11-23"), &calendar, &timescales);
        stages.iter().for_each(|s| builder.add(s));
        let t = builder.finish(details("ABCDEF"));
        let listed: Vec<(&str, Option<bool>)> = t
            .no_learning
            .iter()
            .map(|r| (r.details.reference.as_str(), r.on_time))
            .collect();
        // Oldest answer first; B on time (due 15 September), A late.
        assert_eq!(listed, [("B", Some(true)), ("A", Some(false))]);
        assert_eq!(
            (t.headline.ytd_upheld, t.headline.ytd_upheld_with_learning),
            (3, 1)
        );
    }

    #[test]
    fn stages_no_longer_in_the_case_system_are_listed_apart() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let timescales = Timescales::default();
        let left = |id, received: &str, left_on: &str| TrackedStage {
            left_source_on: Some(date(left_on)),
            ..stage(id, "T1", received, None, false)
        };
        let stages = [
            // Due 16 Nov, left on Friday 20th: four working days overdue
            // then; a week before the tracker's day it was still open.
            left(0, "2026-11-02", "2026-11-20"),
            // Left in March, last financial year: neither listed nor counted.
            left(1, "2026-02-02", "2026-03-02"),
            // Still open and overdue.
            stage(2, "T1", "2026-11-02", None, false),
        ];
        let mut builder = Builder::new(date("2026-11-23"), &calendar, &timescales);
        stages.iter().for_each(|s| builder.add(s));
        let t = builder.finish(details("ABC"));
        assert_eq!(
            (
                t.headline.open,
                t.headline.overdue,
                t.headline.ytd_left_case_system
            ),
            (1, 1, 1)
        );
        assert_eq!((t.last_week.open, t.last_week.ytd_left_case_system), (2, 0));
        assert_eq!(t.overdue.len(), 1);
        assert_eq!(t.overdue[0].details.reference, "C");
        assert_eq!(t.left_case_system.len(), 1);
        let row = &t.left_case_system[0];
        assert_eq!(row.details.reference, "A");
        assert_eq!(row.left_source_on, Some(date("2026-11-20")));
        assert_eq!(row.working_days_left, -4);
        assert_eq!(t.teams["T1"].open, 1);
    }

    #[test]
    fn acknowledgements_are_counted_and_the_ones_due_listed() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let timescales = Timescales::default();
        // Housing complaints: acknowledge within five working days, the
        // response counted from the acknowledgement.
        let housing = |id, received: &str, acknowledged: Option<&str>, extended: bool| {
            let mut terms = StoredTerms::from_receipt(Preset::HousingOmbudsman2024, 10);
            terms.terms.acknowledge_within = Some(5);
            terms.terms.clock_starts = ClockStart::Acknowledged;
            if extended {
                terms.terms.working_days_allowed = Some(20);
            }
            terms.acknowledged_on = acknowledged.map(date);
            TrackedStage {
                kind: Kind::Housing,
                terms,
                ..stage(id, "Homes", received, None, false)
            }
        };
        let mut answered = housing(3, "2026-10-01", Some("2026-10-02"), true);
        answered.responded_on = Some(date("2026-10-20"));
        let stages = [
            // Received Monday 16 November: acknowledge by the 23rd, today.
            housing(0, "2026-11-16", None, false),
            // Received 2 November: acknowledge by the 9th; not done: overdue.
            housing(1, "2026-11-02", None, false),
            // Acknowledged on the 10th, a day late.
            housing(2, "2026-11-02", Some("2026-11-10"), false),
            // Acknowledged the next day, extended and answered.
            answered,
        ];
        let mut builder = Builder::new(date("2026-11-23"), &calendar, &timescales);
        stages.iter().for_each(|s| builder.add(s));
        let t = builder.finish(details("ABCD"));
        let refs: Vec<(&str, i64)> = t
            .acknowledgements
            .iter()
            .map(|r| (r.details.reference.as_str(), r.working_days_left))
            .collect();
        assert_eq!(refs, [("B", -10), ("A", 0)]);
        // B (late, not done), C (late), D (on time); A is not due yet.
        assert_eq!(
            (
                t.headline.ytd_acknowledgements,
                t.headline.ytd_acknowledged_on_time
            ),
            (3, 1)
        );
        assert_eq!(t.headline.ytd_extended, 1);
    }

    #[test]
    fn responses_before_the_year_and_the_chart_are_not_read() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let timescales = Timescales::default();
        let since = |day: &str| Builder::new(date(day), &calendar, &timescales).answered_since();
        // The financial year began on 1 April; the chart starts later.
        assert_eq!(since("2026-11-23"), date("2026-04-01"));
        // A week before 6 April 2026 was last year: its year began in 2025.
        assert_eq!(since("2026-04-06"), date("2025-04-01"));
        // Early in a year the 12-week chart reaches back further.
        assert_eq!(since("2026-05-04"), date("2026-02-09"));
    }
}
