//! Which reminders an open stage needs on a given day. Pure: the day, the
//! calendar and the rules are all arguments.
//!
//! The policy looks only at where the stage stands today, never at the days
//! before. A reminder is identified by its kind and the deadline it refers
//! to, so the poll can record it once: polling again the same day, or after
//! the service was down for a week, yields the reminder that fits today and
//! nothing it missed (a stage first seen overdue gets one overdue notice, and
//! a "due soon" reminder is never sent after the deadline). An extension or
//! an agreed date changes the deadline, and so starts a fresh schedule.

use chrono::NaiveDate;

use crate::calendar::{Calendar, CalendarError};
pub use crate::domain::Reminder;
use crate::settings::{LearningSettings, ReminderSettings};

/// What the policy needs to know about an open stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenStage {
    pub due_on: NaiveDate,
    /// A reason for the delay has been given for this deadline.
    pub reason_given: bool,
    /// The day the first overdue notice about this deadline was recorded,
    /// if one was.
    pub first_notice_on: Option<NaiveDate>,
}

/// The reminders `stage` needs on `today`, with the working days left
/// (negative when overdue). Nothing is due on a non-working day: the next
/// working day's poll catches up.
///
/// # Errors
/// When `today` or the deadline is outside the calendar.
pub fn reminders_due(
    stage: OpenStage,
    today: NaiveDate,
    calendar: &Calendar,
    rules: &ReminderSettings,
) -> Result<(i64, Vec<Reminder>), CalendarError> {
    let left = calendar.working_days_between(today, stage.due_on)?;
    if !calendar.is_working_day(today)? {
        return Ok((left, Vec::new()));
    }
    let mut due = Vec::new();
    if left > 0 {
        // The tightest threshold the stage is within: at 4 days left with
        // thresholds [5, 2], the 5-day reminder.
        let threshold = rules
            .due_soon_days
            .iter()
            .copied()
            .filter(|&d| i64::from(d) >= left)
            .min();
        due.extend(threshold.map(|days| Reminder::DueSoon { days }));
    } else if left == 0 {
        if rules.due_today {
            due.push(Reminder::DueToday);
        }
    } else {
        let overdue = -left;
        if !stage.reason_given {
            let every = i64::from(rules.overdue_repeat_days.max(1));
            let notice = u32::try_from((overdue - 1) / every + 1).unwrap_or(u32::MAX);
            due.push(Reminder::Overdue { notice });
        }
        if overdue >= i64::from(rules.escalate_after_days)
            && noticed_for(stage, today, overdue, calendar)? >= i64::from(rules.escalate_after_days)
        {
            due.push(Reminder::Escalation);
        }
    }
    Ok((left, due))
}

/// How many working days, today included, the manager has known the stage
/// overdue: from the first overdue notice. An escalation waits until the
/// manager has had `escalate_after_days` of them to answer, so a backlog
/// found overdue when casewatch goes live gets its first notice before
/// anyone above the manager hears of it. With no notice recorded, today's
/// is the first; a stage whose reason was given before any notice counts
/// from the deadline, as the manager knew it was late.
fn noticed_for(
    stage: OpenStage,
    today: NaiveDate,
    overdue: i64,
    calendar: &Calendar,
) -> Result<i64, CalendarError> {
    Ok(match stage.first_notice_on {
        Some(day) => calendar.working_days_between(day, today)? + 1,
        None if stage.reason_given => overdue,
        None => 1,
    })
}

/// What the policy needs to know about an answered stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnsweredStage {
    /// The response deadline; `None` for a stage with none.
    pub due_on: Option<NaiveDate>,
    pub responded_on: NaiveDate,
    /// Upheld or partly upheld.
    pub upheld: bool,
    pub reason_given: bool,
    pub learning_given: bool,
}

/// What an answered stage needs on `today`, each with the date it is
/// about: a late answer with no reason is asked about once (its deadline),
/// if it was answered at most `answered_late_within_days` working days ago;
/// an upheld one with no learning is asked for it (the day it was
/// answered) on the turns `learning` sets. Nothing on a non-working day.
///
/// # Errors
/// When a date is outside the calendar.
pub fn after_response(
    stage: AnsweredStage,
    today: NaiveDate,
    calendar: &Calendar,
    rules: &ReminderSettings,
    learning: &LearningSettings,
) -> Result<Vec<(Reminder, NaiveDate)>, CalendarError> {
    let mut due = Vec::new();
    if !calendar.is_working_day(today)? || stage.responded_on > today {
        return Ok(due);
    }
    // Working days since the answer: 0 on the day itself.
    let since = -calendar.working_days_between(today, stage.responded_on)?;
    if let Some(deadline) = stage.due_on.filter(|d| *d < stage.responded_on)
        && !stage.reason_given
        && since <= i64::from(rules.answered_late_within_days)
        && rules.answered_late_within_days > 0
    {
        due.push((Reminder::AnsweredLate, deadline));
    }
    if stage.upheld
        && !stage.learning_given
        && let Some(ask) = learning.ask_due(since)
    {
        due.push((Reminder::LearningRequest { ask }, stage.responded_on));
    }
    Ok(due)
}

/// The reminder an action's owner needs on `today`: on its due date, and
/// once after it. Nothing on a non-working day.
///
/// # Errors
/// When a date is outside the calendar.
pub fn action_due(
    due_on: NaiveDate,
    today: NaiveDate,
    calendar: &Calendar,
) -> Result<Option<Reminder>, CalendarError> {
    if !calendar.is_working_day(today)? {
        return Ok(None);
    }
    Ok(match calendar.working_days_between(today, due_on)? {
        0 => Some(Reminder::ActionDue),
        ..0 => Some(Reminder::ActionOverdue),
        _ => None,
    })
}

/// The acknowledgement reminder an unacknowledged stage needs on `today`:
/// on its acknowledgement deadline, and once when that has passed (the
/// reminder is recorded once per deadline). Nothing on a non-working day.
///
/// # Errors
/// When `today` or the deadline is outside the calendar.
pub fn acknowledgement_due(
    acknowledge_by: NaiveDate,
    today: NaiveDate,
    calendar: &Calendar,
) -> Result<Option<Reminder>, CalendarError> {
    if !calendar.is_working_day(today)? {
        return Ok(None);
    }
    let left = calendar.working_days_between(today, acknowledge_by)?;
    Ok(match left {
        0 => Some(Reminder::AcknowledgementDue),
        ..0 => Some(Reminder::AcknowledgementOverdue),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::calendar::Division;
    use crate::settings::Batching;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn rules() -> ReminderSettings {
        ReminderSettings {
            due_soon_days: vec![5, 2],
            due_today: true,
            overdue_repeat_days: 5,
            escalate_after_days: 10,
            answered_late_within_days: 10,
            batch: Batching::Recipient,
            acknowledge_to: crate::settings::AcknowledgeTo::Team,
            cases_per_section: 100,
        }
    }

    /// Every reminder the poll would record if it ran on each of `days`,
    /// remembering the first overdue notice as the store does.
    fn recorded(
        mut stage: OpenStage,
        days: impl Iterator<Item = NaiveDate>,
    ) -> Vec<(NaiveDate, Reminder)> {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for day in days {
            let (_, due) = reminders_due(stage, day, &calendar, &rules()).unwrap();
            for r in due {
                if seen.insert(r) {
                    out.push((day, r));
                }
                if matches!(r, Reminder::Overdue { .. }) && stage.first_notice_on.is_none() {
                    stage.first_notice_on = Some(day);
                }
            }
        }
        out
    }

    #[test]
    fn a_stage_polled_every_day_gets_each_reminder_once_on_its_day() {
        // Due Wednesday 6 January 2027 (10 working days from Friday 18
        // December 2026, over Christmas).
        let stage = OpenStage {
            due_on: date("2027-01-06"),
            reason_given: false,
            first_notice_on: None,
        };
        let days = date("2026-12-18")
            .iter_days()
            .take_while(|d| *d <= date("2027-02-10"));
        let got: Vec<(String, String)> = recorded(stage, days)
            .into_iter()
            .map(|(d, r)| (d.to_string(), r.to_string()))
            .collect();
        let want = [
            // 29, 30, 31 December, 4, 5, 6 January: five working days left.
            ("2026-12-29", "due_soon_5"),
            ("2027-01-04", "due_soon_2"),
            ("2027-01-06", "due_today"),
            ("2027-01-07", "overdue_1"),
            ("2027-01-14", "overdue_2"),
            ("2027-01-20", "escalation"),
            ("2027-01-21", "overdue_3"),
            ("2027-01-28", "overdue_4"),
            ("2027-02-04", "overdue_5"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(d, r)| ((*d).to_owned(), (*r).to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn nothing_is_due_on_weekends_and_bank_holidays() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let stage = OpenStage {
            due_on: date("2026-12-29"),
            reason_given: false,
            first_notice_on: None,
        };
        for day in ["2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28"] {
            let (_, due) = reminders_due(stage, date(day), &calendar, &rules()).unwrap();
            assert!(due.is_empty(), "{day}: {due:?}");
        }
        let (left, due) = reminders_due(stage, date("2026-12-24"), &calendar, &rules()).unwrap();
        assert_eq!((left, due), (1, vec![Reminder::DueSoon { days: 2 }]));
    }

    #[test]
    fn a_stage_first_seen_overdue_gets_one_notice_not_a_back_fill() {
        let stage = OpenStage {
            due_on: date("2026-11-02"),
            reason_given: false,
            first_notice_on: None,
        };
        let got = recorded(stage, std::iter::once(date("2026-11-25")));
        // 17 working days overdue: the fourth notice, and no escalation yet.
        assert_eq!(
            got.iter().map(|(_, r)| *r).collect::<Vec<_>>(),
            [Reminder::Overdue { notice: 4 }]
        );
    }

    #[test]
    fn a_backlog_found_overdue_is_escalated_only_after_its_first_notice_has_had_its_turn() {
        // Going live on Wednesday 25 November 2026 with a stage due on 2
        // November: the manager gets a notice that day, and the escalation
        // comes on the tenth working day counting it (Tuesday 8 December),
        // not on day one.
        let stage = OpenStage {
            due_on: date("2026-11-02"),
            reason_given: false,
            first_notice_on: None,
        };
        let days = date("2026-11-25")
            .iter_days()
            .take_while(|d| *d <= date("2026-12-09"));
        let got: Vec<(String, String)> = recorded(stage, days)
            .into_iter()
            .map(|(d, r)| (d.to_string(), r.to_string()))
            .collect();
        let want = [
            // 17 working days overdue; the notices keep their five-day
            // turns from the deadline (21 and 26 days overdue).
            ("2026-11-25", "overdue_4"),
            ("2026-12-01", "overdue_5"),
            ("2026-12-08", "overdue_6"),
            ("2026-12-08", "escalation"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(d, r)| ((*d).to_owned(), (*r).to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_stage_whose_reason_came_before_any_notice_is_escalated_on_time() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let stage = OpenStage {
            due_on: date("2026-11-02"),
            reason_given: true,
            first_notice_on: None,
        };
        let (_, due) = reminders_due(stage, date("2026-11-16"), &calendar, &rules()).unwrap();
        assert_eq!(due, [Reminder::Escalation]);
    }

    #[test]
    fn a_missed_due_soon_reminder_is_not_sent_after_the_deadline() {
        let stage = OpenStage {
            due_on: date("2026-11-20"),
            reason_given: false,
            first_notice_on: None,
        };
        // Down from the Friday a week before to the Monday after the deadline.
        let days = [date("2026-11-13"), date("2026-11-23")];
        let got = recorded(stage, days.into_iter());
        assert_eq!(
            got,
            [
                (date("2026-11-13"), Reminder::DueSoon { days: 5 }),
                (date("2026-11-23"), Reminder::Overdue { notice: 1 }),
            ]
        );
    }

    #[test]
    fn a_reason_stops_the_notices_but_not_the_escalation() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let stage = OpenStage {
            due_on: date("2026-11-02"),
            reason_given: true,
            first_notice_on: None,
        };
        let (left, due) = reminders_due(stage, date("2026-11-03"), &calendar, &rules()).unwrap();
        assert_eq!((left, due), (-1, vec![]));
        let (_, due) = reminders_due(stage, date("2026-11-16"), &calendar, &rules()).unwrap();
        assert_eq!(due, [Reminder::Escalation]);
    }

    #[test]
    fn rules_come_from_the_settings() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let stage = OpenStage {
            due_on: date("2026-11-30"),
            reason_given: false,
            first_notice_on: None,
        };
        let mut custom = rules();
        custom.due_soon_days = vec![10];
        custom.due_today = false;
        let (_, due) = reminders_due(stage, date("2026-11-16"), &calendar, &custom).unwrap();
        assert_eq!(due, [Reminder::DueSoon { days: 10 }]);
        let (_, due) = reminders_due(stage, date("2026-11-30"), &calendar, &custom).unwrap();
        assert!(due.is_empty());
    }

    #[test]
    fn reminder_names_round_trip() {
        for r in [
            Reminder::DueSoon { days: 5 },
            Reminder::DueToday,
            Reminder::Overdue { notice: 12 },
            Reminder::Escalation,
            Reminder::AcknowledgementDue,
            Reminder::AcknowledgementOverdue,
            Reminder::AnsweredLate,
            Reminder::LearningRequest { ask: 2 },
            Reminder::ActionDue,
            Reminder::ActionOverdue,
        ] {
            assert_eq!(Reminder::parse(&r.to_string()), Some(r));
        }
        assert_eq!(Reminder::parse("overdue_x"), None);
    }

    fn learning() -> LearningSettings {
        LearningSettings {
            ask_after_days: 5,
            repeat_days: 10,
            max_asks: 3,
        }
    }

    /// Every reminder the poll would record for an answered stage, polled
    /// every day of `days`.
    fn after(stage: AnsweredStage, from: &str, to: &str) -> Vec<(String, String, String)> {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for day in date(from).iter_days().take_while(|d| *d <= date(to)) {
            for (r, about) in after_response(stage, day, &calendar, &rules(), &learning()).unwrap()
            {
                if seen.insert((r, about)) {
                    out.push((day.to_string(), r.to_string(), about.to_string()));
                }
            }
        }
        out
    }

    fn strings(want: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        want.iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect()
    }

    #[test]
    fn a_late_answer_with_no_reason_is_asked_about_once() {
        // Due Friday 4 December 2026, answered Tuesday 8th.
        let stage = AnsweredStage {
            due_on: Some(date("2026-12-04")),
            responded_on: date("2026-12-08"),
            upheld: false,
            reason_given: false,
            learning_given: false,
        };
        assert_eq!(
            after(stage, "2026-12-01", "2027-02-26"),
            strings(&[("2026-12-08", "answered_late", "2026-12-04")])
        );
        // A reason given, or an answer on time: nothing.
        let reasoned = AnsweredStage {
            reason_given: true,
            ..stage
        };
        assert!(after(reasoned, "2026-12-01", "2027-02-26").is_empty());
        let on_time = AnsweredStage {
            responded_on: date("2026-12-04"),
            ..stage
        };
        assert!(after(on_time, "2026-12-01", "2027-02-26").is_empty());
    }

    #[test]
    fn a_late_answer_found_after_its_window_is_not_asked_about() {
        // Answered Tuesday 8 December; casewatch first polls it on Wednesday
        // 23rd (11 working days later): past answered_late_within_days (10).
        let stage = AnsweredStage {
            due_on: Some(date("2026-12-04")),
            responded_on: date("2026-12-08"),
            upheld: false,
            reason_given: false,
            learning_given: false,
        };
        assert!(after(stage, "2026-12-23", "2027-01-29").is_empty());
        // On the 22nd (10 working days), it is.
        assert_eq!(
            after(stage, "2026-12-22", "2026-12-22"),
            strings(&[("2026-12-22", "answered_late", "2026-12-04")])
        );
    }

    #[test]
    fn an_upheld_answer_is_asked_for_its_learning_three_times_over_christmas() {
        // Answered (on time) Friday 11 December 2026, upheld, no learning:
        // asked 5 working days later (Friday 18th), then every 10 working
        // days (Wednesday 6 January, over Christmas, Boxing Day's Monday 28
        // December and New Year's Day; Wednesday 20 January), and not again.
        let stage = AnsweredStage {
            due_on: Some(date("2026-12-11")),
            responded_on: date("2026-12-11"),
            upheld: true,
            reason_given: false,
            learning_given: false,
        };
        assert_eq!(
            after(stage, "2026-12-11", "2027-03-31"),
            strings(&[
                ("2026-12-18", "learning_1", "2026-12-11"),
                ("2027-01-06", "learning_2", "2026-12-11"),
                ("2027-01-20", "learning_3", "2026-12-11"),
            ])
        );
        let learnt = AnsweredStage {
            learning_given: true,
            ..stage
        };
        assert!(after(learnt, "2026-12-11", "2027-03-31").is_empty());
    }

    #[test]
    fn a_request_for_learning_missed_on_its_day_is_made_the_next_and_old_ones_never() {
        let rules = learning();
        assert_eq!(rules.ask_due(4), None);
        assert_eq!(rules.ask_due(5), Some(1));
        assert_eq!(rules.ask_due(6), Some(1), "a poll that missed day 5");
        assert_eq!(rules.ask_due(15), Some(2));
        assert_eq!(rules.ask_due(34), Some(3));
        assert_eq!(rules.ask_due(35), None, "past the last request's turn");
        assert_eq!(rules.asks_end_after(), 35);
    }

    #[test]
    fn an_action_is_reminded_on_its_day_and_once_after() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        let by = date("2026-12-24");
        let on = |day: &str| action_due(by, date(day), &calendar).unwrap();
        assert_eq!(on("2026-12-23"), None);
        assert_eq!(on("2026-12-24"), Some(Reminder::ActionDue));
        assert_eq!(on("2026-12-25"), None, "Christmas Day");
        assert_eq!(on("2026-12-29"), Some(Reminder::ActionOverdue));
    }

    #[test]
    fn an_acknowledgement_is_reminded_on_its_day_and_after() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        // Received Monday 21 December 2026, to be acknowledged by Wednesday
        // 30th (five working days over Christmas): one reminder that day,
        // and from the next working day (Thursday 31st) an overdue one.
        let by = date("2026-12-30");
        let on = |day: &str| acknowledgement_due(by, date(day), &calendar).unwrap();
        assert_eq!(on("2026-12-29"), None);
        assert_eq!(on("2026-12-30"), Some(Reminder::AcknowledgementDue));
        assert_eq!(on("2026-12-31"), Some(Reminder::AcknowledgementOverdue));
        assert_eq!(
            on("2027-01-01"),
            None,
            "New Year's Day is not a working day"
        );
        assert_eq!(on("2027-01-04"), Some(Reminder::AcknowledgementOverdue));
    }
}
