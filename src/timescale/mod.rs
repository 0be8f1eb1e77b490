//! Complaint procedures: for a kind of complaint and a stage, when the
//! complaint must be acknowledged, when the response clock starts, how
//! many working days the response may take and how far an extension may go.
//!
//! The procedures are named presets (`presets.rs`) chosen per kind in the
//! settings, with the council's own numbers laid over them; this module
//! only applies them. It reads no clock: dates are always arguments.
//!
//! What the import works out for a stage (its [`Terms`]) is stored with it,
//! so a stage keeps the rule it was received under when the settings
//! change, and the poll, tracker and report need no settings to count its
//! deadlines ([`StoredTerms::deadlines`]).

mod presets;
#[cfg(test)]
mod tests;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::calendar::{Calendar, CalendarError};
pub use crate::domain::{ClockStart, Preset, Terms};
use crate::domain::{Kind, Stage};

/// How far a stage's response time may be extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Extension {
    /// Not at all.
    None,
    /// To at most this many working days in all.
    To(u16),
    /// By at most this many working days more.
    More(u16),
    /// To a revised time agreed with the complainant: no cap in days.
    Agreed,
}

/// How a stage's response is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Within this many working days of the clock's start.
    WorkingDays(u16),
    /// On a date agreed with the complainant (adult social care).
    AgreedDate,
}

/// One stage of a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StageRule {
    pub response: Response,
    /// Working days from receipt to acknowledge the complaint, if the
    /// procedure sets a limit.
    pub acknowledge_within: Option<u16>,
    pub clock_starts: ClockStart,
    pub extension: Extension,
}

impl StageRule {
    /// The standard working days, `None` for an agreed date.
    pub fn working_days(&self) -> Option<u16> {
        match self.response {
            Response::WorkingDays(n) => Some(n),
            Response::AgreedDate => None,
        }
    }

    /// The most working days an extension may give a stage of `standard`
    /// working days in all; `None` where it may not be extended, or only to
    /// a time agreed with the complainant (no cap in days). The annual
    /// report counts responses within it.
    pub fn extendable_to(&self, standard: u16) -> Option<u16> {
        match self.extension_cap(standard) {
            Cap::InAll(cap) => Some(cap),
            Cap::NotExtendable | Cap::None => None,
        }
    }

    /// How far an extension of a stage of `standard` working days may go.
    fn extension_cap(&self, standard: u16) -> Cap {
        match self.extension {
            Extension::None => Cap::NotExtendable,
            Extension::To(cap) => Cap::InAll(cap),
            Extension::More(more) => Cap::InAll(standard.saturating_add(more)),
            Extension::Agreed => Cap::None,
        }
    }
}

/// The most working days an extension may give a stage in all.
enum Cap {
    NotExtendable,
    InAll(u16),
    /// Agreed with the complainant: no cap in days.
    None,
}

/// A procedure as a council runs it: a preset with the council's numbers
/// laid over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    pub preset: Preset,
    pub stages: [Option<StageRule>; 3],
}

impl Procedure {
    pub fn preset(preset: Preset) -> Self {
        Self {
            preset,
            stages: presets::stages(preset),
        }
    }

    pub fn stage(&self, stage: Stage) -> Option<StageRule> {
        let index = usize::from(stage.number()).checked_sub(1)?;
        self.stages.get(index).copied().flatten()
    }
}

/// The procedure for one kind of complaint: the one chosen, and, when it
/// took effect on a date, the one before it for stages received earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindProcedure {
    pub current: Procedure,
    pub before: Option<(NaiveDate, Procedure)>,
}

impl KindProcedure {
    pub fn new(current: Procedure) -> Self {
        let before = current
            .preset
            .takes_effect()
            .map(|(from, earlier)| (from, Procedure::preset(earlier)));
        Self { current, before }
    }

    /// The procedure of a stage received on `received_on`.
    pub fn on(&self, received_on: NaiveDate) -> &Procedure {
        match &self.before {
            Some((from, earlier)) if received_on < *from => earlier,
            _ => &self.current,
        }
    }
}

/// The procedures in force, one per kind of complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timescales {
    pub statutory: KindProcedure,
    pub corporate: KindProcedure,
    pub send: KindProcedure,
    pub adult: KindProcedure,
    pub housing: KindProcedure,
    /// Stages due on an agreed date with none agreed: this many calendar
    /// months after receipt.
    pub agreed_default_months: u32,
}

impl Default for Timescales {
    /// The defaults of `config/default.toml`.
    fn default() -> Self {
        let kind = |preset| KindProcedure::new(Procedure::preset(preset));
        Self {
            statutory: kind(Preset::ChildrenStatutory2006),
            corporate: kind(Preset::Lgsco2024),
            send: kind(Preset::Send),
            adult: kind(Preset::Adults2009),
            housing: kind(Preset::HousingOmbudsman2024),
            agreed_default_months: 6,
        }
    }
}

/// A stage's facts that decide its terms, as read from a file.
#[derive(Debug, Clone, Copy)]
pub struct StageTerms {
    pub kind: Kind,
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub extended_to: Option<u16>,
    pub agreed_response_on: Option<NaiveDate>,
}

/// Why a stage's terms do not fit its procedure; each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimescaleError {
    #[error("{kind} complaints have no stage {stage} under their procedure, {procedure}")]
    NoSuchStage {
        kind: Kind,
        procedure: Preset,
        stage: u8,
    },
    #[error("{kind} complaints need a stage (1-3)")]
    StageRequired { kind: Kind },
    #[error("{kind} records have no stage; leave it blank")]
    StageNotAllowed { kind: Kind },
    #[error("{kind} stage {stage} cannot be extended under {procedure}")]
    NotExtendable {
        kind: Kind,
        procedure: Preset,
        stage: u8,
    },
    #[error(
        "extension to {asked} working days is above the cap of {cap} for {kind} stage {stage} under {procedure}"
    )]
    AboveCap {
        kind: Kind,
        procedure: Preset,
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
    #[error(
        "{procedure} gives this stage working days, not a date agreed with the complainant; leave it blank"
    )]
    AgreedDateNotAllowed { procedure: Preset },
    #[error("{kind} records have no deadline, so they cannot be extended")]
    NoDeadlineToExtend { kind: Kind },
    #[error("{kind} records have no deadline, so no response date is agreed; leave it blank")]
    NoDeadlineToAgree { kind: Kind },
    #[error("a stage due on an agreed date is not extended: change the agreed date instead")]
    ExtendAgreedDate,
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
            | Self::NoDeadlineToExtend { .. }
            | Self::ExtendAgreedDate => "extended_working_days",
            Self::AgreedDateNotAllowed { .. }
            | Self::NoDeadlineToAgree { .. }
            | Self::AgreedBeforeReceipt => "agreed_response_on",
        }
    }
}

impl Timescales {
    /// The procedure of `kind` (a complaint) for a stage received on
    /// `received_on`.
    pub fn procedure(&self, kind: Kind, received_on: NaiveDate) -> Option<&Procedure> {
        let chosen = match kind {
            Kind::Statutory => &self.statutory,
            Kind::Corporate => &self.corporate,
            Kind::Send => &self.send,
            Kind::Adult => &self.adult,
            Kind::Housing => &self.housing,
            Kind::Comment | Kind::Compliment => return None,
        };
        Some(chosen.on(received_on))
    }

    /// Works out a stage's terms, refusing those its procedure does not allow.
    pub fn terms(&self, t: &StageTerms) -> Result<Terms, TimescaleError> {
        let kind = t.kind;
        let Some(procedure) = self.procedure(kind, t.received_on) else {
            if !t.stage.is_none() {
                return Err(TimescaleError::StageNotAllowed { kind });
            }
            if t.extended_to.is_some() {
                return Err(TimescaleError::NoDeadlineToExtend { kind });
            }
            if t.agreed_response_on.is_some() {
                return Err(TimescaleError::NoDeadlineToAgree { kind });
            }
            return Ok(Terms::NONE);
        };
        if t.stage.is_none() {
            return Err(TimescaleError::StageRequired { kind });
        }
        let number = t.stage.number();
        let rule = procedure
            .stage(t.stage)
            .ok_or(TimescaleError::NoSuchStage {
                kind,
                procedure: procedure.preset,
                stage: number,
            })?;
        let terms = Terms {
            procedure: Some(procedure.preset),
            working_days_allowed: None,
            standard_working_days: rule.working_days(),
            acknowledge_within: rule.acknowledge_within,
            clock_starts: rule.clock_starts,
        };
        let Response::WorkingDays(standard) = rule.response else {
            if t.extended_to.is_some() {
                return Err(TimescaleError::ExtendAgreedDate);
            }
            if t.agreed_response_on.is_some_and(|d| d < t.received_on) {
                return Err(TimescaleError::AgreedBeforeReceipt);
            }
            return Ok(terms);
        };
        if t.agreed_response_on.is_some() {
            return Err(TimescaleError::AgreedDateNotAllowed {
                procedure: procedure.preset,
            });
        }
        let allowed = match t.extended_to {
            None => standard,
            Some(asked) => {
                match rule.extension_cap(standard) {
                    Cap::NotExtendable => {
                        return Err(TimescaleError::NotExtendable {
                            kind,
                            procedure: procedure.preset,
                            stage: number,
                        });
                    }
                    Cap::InAll(cap) if asked > cap => {
                        return Err(TimescaleError::AboveCap {
                            kind,
                            procedure: procedure.preset,
                            stage: number,
                            asked,
                            cap,
                        });
                    }
                    Cap::InAll(_) | Cap::None => {}
                }
                if asked <= standard {
                    return Err(TimescaleError::NotAboveStandard {
                        kind,
                        stage: number,
                        asked,
                        standard,
                    });
                }
                asked
            }
        };
        Ok(Terms {
            working_days_allowed: Some(allowed),
            ..terms
        })
    }
}

/// A stage's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// The last day to acknowledge the complaint, where the procedure sets one.
    pub acknowledge_by: Option<NaiveDate>,
    /// The day the response is due; `None` for comments and compliments.
    pub respond_by: Option<NaiveDate>,
    /// The response deadline is counted from the acknowledgement deadline
    /// because the stage is not acknowledged yet: the latest it can be.
    pub provisional: bool,
}

/// What is stored about a stage's terms: what its procedure set when it
/// was loaded, and the dates that move its deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredTerms {
    pub terms: Terms,
    pub agreed_response_on: Option<NaiveDate>,
    pub acknowledged_on: Option<NaiveDate>,
}

impl StoredTerms {
    /// The same terms without any extension: the procedure's own timescale.
    pub fn unextended(&self) -> Self {
        let mut own = *self;
        if own.terms.standard_working_days.is_some() {
            own.terms.working_days_allowed = own.terms.standard_working_days;
        }
        own
    }

    /// A stage under `preset` with `working_days` from receipt, not
    /// extended and with no acknowledgement limit.
    pub fn from_receipt(preset: Preset, working_days: u16) -> Self {
        Self {
            terms: Terms {
                procedure: Some(preset),
                working_days_allowed: Some(working_days),
                standard_working_days: Some(working_days),
                acknowledge_within: None,
                clock_starts: ClockStart::Received,
            },
            agreed_response_on: None,
            acknowledged_on: None,
        }
    }

    /// The deadlines of a stage received on `received_on`, on `calendar`:
    /// working days count from the clock's start as day 0; a stage due on
    /// an agreed date with none agreed is due `agreed_default_months`
    /// calendar months after receipt (31 August + 6 months = 28 or 29
    /// February). Comments and compliments (no procedure) have none.
    pub fn deadlines(
        &self,
        received_on: NaiveDate,
        calendar: &Calendar,
        agreed_default_months: u32,
    ) -> Result<Deadlines, CalendarError> {
        let t = &self.terms;
        let acknowledge_by = t
            .acknowledge_within
            .map(|n| calendar.deadline(received_on, u32::from(n)))
            .transpose()?;
        let (start, provisional) = match (t.clock_starts, self.acknowledged_on) {
            (ClockStart::Received, _) => (received_on, false),
            (ClockStart::Acknowledged, Some(on)) => (on, false),
            (ClockStart::Acknowledged, None) => (acknowledge_by.unwrap_or(received_on), true),
        };
        let respond_by = match (t.procedure, t.working_days_allowed) {
            (None, _) => None,
            (Some(_), Some(allowed)) => Some(calendar.deadline(start, u32::from(allowed))?),
            (Some(_), None) => Some(self.agreed_response_on.unwrap_or_else(|| {
                received_on
                    .checked_add_months(Months::new(agreed_default_months))
                    .unwrap_or(NaiveDate::MAX)
            })),
        };
        Ok(Deadlines {
            acknowledge_by,
            respond_by,
            provisional: provisional && respond_by.is_some(),
        })
    }
}

/// What starts a stage's clock, in words for managers' e-mails.
pub fn clock_starts(kind: Kind, stage: Stage, start: ClockStart) -> &'static str {
    match (kind, stage.number(), start) {
        (Kind::Comment | Kind::Compliment, _, _) => "no deadline",
        (_, 1, ClockStart::Acknowledged) => "the complaint was acknowledged",
        (_, _, ClockStart::Acknowledged) => "the request to escalate was acknowledged",
        (Kind::Statutory, 2, _) => "the statement of complaint was agreed",
        (Kind::Statutory, 3, _) => "the review panel was requested",
        (_, 2.., _) => "the request to escalate was received",
        _ => "the complaint was received",
    }
}
