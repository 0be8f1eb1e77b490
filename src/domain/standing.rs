//! Where a stage stood at the end of a day: the one rule `cases`, the
//! tracker and the learning listing share, so their counts agree.

use chrono::NaiveDate;

use super::Outcome;

/// Where a stage stood at the end of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Received after the day.
    NotReceived,
    /// Received by the day and not answered, withdrawn or gone from the
    /// case system by its end.
    Open,
    /// Answered on or before the day.
    Answered(NaiveDate),
    /// Withdrawn on or before the day (or on a day not recorded).
    Withdrawn,
    /// A complete extract stopped listing it, on or before the day.
    LeftCaseSystem(NaiveDate),
}

/// The sentence the tracker prints under its title, so readers know what
/// "open" counts.
pub const OPEN_RULE: &str = "A stage counts as open on a day when it was received by then \
    and, by the end of that day, had not been answered or withdrawn and was still listed \
    by the case system.";

/// A stage's dates and outcome, as the store keeps them.
#[derive(Debug, Clone, Copy)]
pub struct StageDates {
    pub received_on: NaiveDate,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub left_source_on: Option<NaiveDate>,
}

impl StageDates {
    /// Where the stage stood at the end of `day` ([`OPEN_RULE`]). A
    /// withdrawal with a date counts from that date; one without, always.
    pub fn standing(&self, day: NaiveDate) -> Standing {
        let responded = self.responded_on.filter(|d| *d <= day);
        if self.received_on > day {
            Standing::NotReceived
        } else if self.outcome == Some(Outcome::Withdrawn)
            && self.responded_on.is_none_or(|d| d <= day)
        {
            Standing::Withdrawn
        } else if let Some(on) = responded {
            Standing::Answered(on)
        } else if let Some(on) = self.left_source_on.filter(|d| *d <= day) {
            Standing::LeftCaseSystem(on)
        } else {
            Standing::Open
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_stage_is_open_until_answered_withdrawn_or_gone() {
        let stage = |responded: Option<&str>, outcome, left: Option<&str>| StageDates {
            received_on: date("2026-11-02"),
            responded_on: responded.map(date),
            outcome,
            left_source_on: left.map(date),
        };
        let answered = stage(Some("2026-11-10"), Some(Outcome::Upheld), None);
        assert_eq!(answered.standing(date("2026-11-01")), Standing::NotReceived);
        assert_eq!(answered.standing(date("2026-11-09")), Standing::Open);
        assert_eq!(
            answered.standing(date("2026-11-10")),
            Standing::Answered(date("2026-11-10"))
        );
        let withdrawn = stage(Some("2026-11-10"), Some(Outcome::Withdrawn), None);
        assert_eq!(withdrawn.standing(date("2026-11-09")), Standing::Open);
        assert_eq!(withdrawn.standing(date("2026-11-10")), Standing::Withdrawn);
        let undated = stage(None, Some(Outcome::Withdrawn), None);
        assert_eq!(undated.standing(date("2026-11-03")), Standing::Withdrawn);
        let gone = stage(None, None, Some("2026-11-20"));
        assert_eq!(gone.standing(date("2026-11-19")), Standing::Open);
        assert_eq!(
            gone.standing(date("2026-11-20")),
            Standing::LeftCaseSystem(date("2026-11-20"))
        );
    }
}
