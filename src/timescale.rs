//! Statutory timescales: for a kind of complaint and a stage, how many
//! working days a response may take and how far an extension may go.
//!
//! The numbers come from settings (`[timescales]`); this module only applies
//! them. It reads no clock: the received date is always an argument.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::calendar::{Calendar, CalendarError};
use crate::domain::{Kind, Stage};

/// The allowance for one stage of one kind of complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StageRule {
    pub working_days: u16,
    /// The most an extension may allow; `None` when the stage cannot be extended.
    pub extendable_to: Option<u16>,
}

/// Working-day allowances for every kind and stage, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timescales {
    pub statutory: [Option<StageRule>; 3],
    pub corporate: [Option<StageRule>; 3],
    pub send: [Option<StageRule>; 3],
    /// Adult social care: stage 1 only, due on an agreed date or this many
    /// calendar months after receipt.
    pub adult_default_months: u32,
}

impl Default for Timescales {
    /// The statutory defaults, the same as `config/default.toml`.
    fn default() -> Self {
        let rule = |working_days, extendable_to| {
            Some(StageRule {
                working_days,
                extendable_to,
            })
        };
        Self {
            statutory: [rule(10, Some(20)), rule(25, Some(65)), rule(30, None)],
            corporate: [rule(10, Some(20)), rule(20, Some(40)), None],
            send: [rule(20, None), None, None],
            adult_default_months: 6,
        }
    }
}

/// When a stage's response is due, before any calendar is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Due `allowed` working days after the clock started (extensions included).
    WorkingDays { allowed: u16 },
    /// Due on a calendar date (adult social care).
    OnDate(NaiveDate),
    /// Comments and compliments.
    NoDeadline,
}

impl Clock {
    /// The day the response is due, counting `WorkingDays` from
    /// `received_on` (day 0) on `calendar`; `None` when nothing is due.
    pub fn due(
        self,
        received_on: NaiveDate,
        calendar: &Calendar,
    ) -> Result<Option<NaiveDate>, CalendarError> {
        match self {
            Clock::WorkingDays { allowed } => {
                calendar.deadline(received_on, u32::from(allowed)).map(Some)
            }
            Clock::OnDate(date) => Ok(Some(date)),
            Clock::NoDeadline => Ok(None),
        }
    }
}

/// What starts a stage's clock: the event whose date is the stage's
/// `received_on`. Managers' e-mails and the README quote it.
pub fn clock_starts(kind: Kind, stage: Stage) -> &'static str {
    match (kind, stage.number()) {
        (Kind::Comment | Kind::Compliment, _) => "no deadline",
        (Kind::Statutory, 2) => "the statement of complaint was agreed",
        (Kind::Statutory, 3) => "the review panel was requested",
        (Kind::Corporate, 2..) => "the request to escalate was received",
        _ => "the complaint was received",
    }
}

/// A stage's facts that decide its clock, as loaded from a file or the store.
#[derive(Debug, Clone, Copy)]
pub struct StageTerms {
    pub kind: Kind,
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub extended_to: Option<u16>,
    pub agreed_response_on: Option<NaiveDate>,
}

/// Why a stage's terms do not fit the timescales; each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimescaleError {
    #[error("{kind} complaints have no stage {stage} in the configured timescales")]
    NoSuchStage { kind: Kind, stage: u8 },
    #[error("{kind} complaints need a stage (1-3)")]
    StageRequired { kind: Kind },
    #[error("{kind} records have no stage; leave it blank")]
    StageNotAllowed { kind: Kind },
    #[error("{kind} stage {stage} cannot be extended")]
    NotExtendable { kind: Kind, stage: u8 },
    #[error("extension to {asked} working days is above the cap of {cap} for {kind} stage {stage}")]
    AboveCap {
        kind: Kind,
        stage: u8,
        asked: u16,
        cap: u16,
    },
    #[error(
        "extension to {asked} working days is not above the standard {standard} for {kind} stage {stage}"
    )]
    NotAboveStandard {
        kind: Kind,
        stage: u8,
        asked: u16,
        standard: u16,
    },
    #[error("only adult social care cases have an agreed response date")]
    AgreedDateNotAdult,
    #[error("{kind} records have no deadline, so they cannot be extended")]
    NoDeadlineToExtend { kind: Kind },
    #[error("the agreed response date is before the complaint was received")]
    AgreedBeforeReceipt,
}

impl TimescaleError {
    /// The CSV column the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoSuchStage { .. }
            | Self::StageRequired { .. }
            | Self::StageNotAllowed { .. } => "stage",
            Self::NotExtendable { .. }
            | Self::AboveCap { .. }
            | Self::NotAboveStandard { .. }
            | Self::NoDeadlineToExtend { .. } => "extended_working_days",
            Self::AgreedDateNotAdult | Self::AgreedBeforeReceipt => "agreed_response_on",
        }
    }
}

impl Timescales {
    /// The configured rule for a kind and stage, or `None` when that stage
    /// does not exist for that kind (or the kind has no working-day clock).
    pub fn rule(&self, kind: Kind, stage: Stage) -> Option<StageRule> {
        let table = match kind {
            Kind::Statutory => &self.statutory,
            Kind::Corporate => &self.corporate,
            Kind::Send => &self.send,
            Kind::Adult | Kind::Comment | Kind::Compliment => return None,
        };
        let index = usize::from(stage.number()).checked_sub(1)?;
        table.get(index).copied().flatten()
    }

    /// Works out a stage's clock, refusing terms that break the timescales.
    pub fn clock(&self, terms: &StageTerms) -> Result<Clock, TimescaleError> {
        let StageTerms {
            kind,
            stage,
            received_on,
            extended_to,
            agreed_response_on,
        } = *terms;
        if !kind.is_complaint() {
            if !stage.is_none() {
                return Err(TimescaleError::StageNotAllowed { kind });
            }
            if extended_to.is_some() {
                return Err(TimescaleError::NoDeadlineToExtend { kind });
            }
            if agreed_response_on.is_some() {
                return Err(TimescaleError::AgreedDateNotAdult);
            }
            return Ok(Clock::NoDeadline);
        }
        if stage.is_none() {
            return Err(TimescaleError::StageRequired { kind });
        }
        let number = stage.number();
        if kind == Kind::Adult {
            if number != 1 {
                return Err(TimescaleError::NoSuchStage {
                    kind,
                    stage: number,
                });
            }
            if extended_to.is_some() {
                return Err(TimescaleError::NotExtendable {
                    kind,
                    stage: number,
                });
            }
            return self
                .adult_due(received_on, agreed_response_on)
                .map(Clock::OnDate);
        }
        if agreed_response_on.is_some() {
            return Err(TimescaleError::AgreedDateNotAdult);
        }
        let rule = self.rule(kind, stage).ok_or(TimescaleError::NoSuchStage {
            kind,
            stage: number,
        })?;
        let Some(asked) = extended_to else {
            return Ok(Clock::WorkingDays {
                allowed: rule.working_days,
            });
        };
        let cap = rule.extendable_to.ok_or(TimescaleError::NotExtendable {
            kind,
            stage: number,
        })?;
        if asked > cap {
            return Err(TimescaleError::AboveCap {
                kind,
                stage: number,
                asked,
                cap,
            });
        }
        if asked <= rule.working_days {
            return Err(TimescaleError::NotAboveStandard {
                kind,
                stage: number,
                asked,
                standard: rule.working_days,
            });
        }
        Ok(Clock::WorkingDays { allowed: asked })
    }

    /// The clock of a stage as stored: the allowance fixed when it was
    /// imported or, for adult social care, the agreed date (else the
    /// configured number of months after receipt).
    pub fn stored_clock(
        &self,
        kind: Kind,
        received_on: NaiveDate,
        working_days_allowed: Option<u16>,
        agreed_response_on: Option<NaiveDate>,
    ) -> Clock {
        match (kind, working_days_allowed) {
            (Kind::Adult, _) => Clock::OnDate(
                agreed_response_on.unwrap_or_else(|| self.adult_default_due(received_on)),
            ),
            (Kind::Comment | Kind::Compliment, _) | (_, None) => Clock::NoDeadline,
            (_, Some(allowed)) => Clock::WorkingDays { allowed },
        }
    }

    fn adult_due(
        &self,
        received_on: NaiveDate,
        agreed: Option<NaiveDate>,
    ) -> Result<NaiveDate, TimescaleError> {
        match agreed {
            Some(date) if date < received_on => Err(TimescaleError::AgreedBeforeReceipt),
            Some(date) => Ok(date),
            None => Ok(self.adult_default_due(received_on)),
        }
    }

    /// Calendar months, clamped to the month's end (31 Aug + 6 months = 28/29 Feb).
    fn adult_default_due(&self, received_on: NaiveDate) -> NaiveDate {
        received_on
            .checked_add_months(Months::new(self.adult_default_months))
            .unwrap_or(NaiveDate::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn terms(kind: Kind, stage: u8, extended_to: Option<u16>) -> StageTerms {
        StageTerms {
            kind,
            stage: if stage == 0 {
                Stage::NONE
            } else {
                Stage::new(stage).unwrap()
            },
            received_on: date(2026, 8, 31),
            extended_to,
            agreed_response_on: None,
        }
    }

    #[test]
    fn standard_and_extended_allowances() {
        let t = Timescales::default();
        assert_eq!(
            t.clock(&terms(Kind::Statutory, 1, None)),
            Ok(Clock::WorkingDays { allowed: 10 })
        );
        assert_eq!(
            t.clock(&terms(Kind::Statutory, 2, Some(65))),
            Ok(Clock::WorkingDays { allowed: 65 })
        );
        assert_eq!(
            t.clock(&terms(Kind::Corporate, 2, None)),
            Ok(Clock::WorkingDays { allowed: 20 })
        );
    }

    #[test]
    fn extensions_stay_between_standard_and_cap() {
        let t = Timescales::default();
        let above = t.clock(&terms(Kind::Statutory, 1, Some(21))).unwrap_err();
        assert_eq!(above.field(), "extended_working_days");
        assert!(above.to_string().contains("cap of 20"), "{above}");
        assert!(matches!(
            t.clock(&terms(Kind::Statutory, 1, Some(10))),
            Err(TimescaleError::NotAboveStandard { .. })
        ));
        assert!(matches!(
            t.clock(&terms(Kind::Statutory, 3, Some(40))),
            Err(TimescaleError::NotExtendable { .. })
        ));
    }

    #[test]
    fn stages_must_exist_for_the_kind() {
        let t = Timescales::default();
        assert!(matches!(
            t.clock(&terms(Kind::Corporate, 3, None)),
            Err(TimescaleError::NoSuchStage { .. })
        ));
        assert!(matches!(
            t.clock(&terms(Kind::Send, 2, None)),
            Err(TimescaleError::NoSuchStage { .. })
        ));
        assert_eq!(
            t.clock(&terms(Kind::Comment, 0, None)),
            Ok(Clock::NoDeadline)
        );
        assert!(t.clock(&terms(Kind::Compliment, 1, None)).is_err());
        assert!(t.clock(&terms(Kind::Statutory, 0, None)).is_err());
    }

    #[test]
    fn stored_stages_are_due_on_the_calendar() {
        let t = Timescales::default();
        let calendar = Calendar::builtin(crate::calendar::Division::EnglandAndWales);
        // Received Friday 18 Dec 2026: ten working days skip Christmas, Boxing
        // Day's substitute (Mon 28) and New Year's Day.
        let received = date(2026, 12, 18);
        let clock = t.stored_clock(Kind::Statutory, received, Some(10), None);
        assert_eq!(clock.due(received, &calendar), Ok(Some(date(2027, 1, 6))));
        let adult = t.stored_clock(Kind::Adult, date(2026, 8, 31), None, None);
        assert_eq!(adult, Clock::OnDate(date(2027, 2, 28)));
        let agreed = t.stored_clock(Kind::Adult, received, None, Some(date(2027, 1, 4)));
        assert_eq!(agreed.due(received, &calendar), Ok(Some(date(2027, 1, 4))));
        let none = t.stored_clock(Kind::Compliment, received, None, None);
        assert_eq!(none.due(received, &calendar), Ok(None));
    }

    #[test]
    fn each_stage_names_what_starts_its_clock() {
        assert_eq!(
            clock_starts(Kind::Statutory, Stage::new(2).unwrap()),
            "the statement of complaint was agreed"
        );
        assert_eq!(
            clock_starts(Kind::Corporate, Stage::new(2).unwrap()),
            "the request to escalate was received"
        );
        assert_eq!(
            clock_starts(Kind::Send, Stage::new(1).unwrap()),
            "the complaint was received"
        );
        assert_eq!(clock_starts(Kind::Compliment, Stage::NONE), "no deadline");
    }

    #[test]
    fn adult_cases_default_to_six_calendar_months_clamped() {
        let t = Timescales::default();
        assert_eq!(
            t.clock(&terms(Kind::Adult, 1, None)),
            Ok(Clock::OnDate(date(2027, 2, 28)))
        );
        let mut agreed = terms(Kind::Adult, 1, None);
        agreed.agreed_response_on = Some(date(2026, 10, 1));
        assert_eq!(t.clock(&agreed), Ok(Clock::OnDate(date(2026, 10, 1))));
        agreed.agreed_response_on = Some(date(2026, 8, 1));
        assert_eq!(t.clock(&agreed), Err(TimescaleError::AgreedBeforeReceipt));
    }
}
