//! The complaint procedures casewatch knows by name, and what starts a
//! stage's response clock: stored with each stage, read from settings.
//! What each procedure allows is `timescale`'s.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

/// A named procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Preset {
    /// Children Act 1989 Representations Procedure (England) Regulations
    /// 2006: three stages, from receipt.
    ChildrenStatutory2006,
    /// Local Authority Social Services and NHS Complaints (England)
    /// Regulations 2009: one stage, due on a date agreed with the
    /// complainant (six months when none is agreed).
    Adults2009,
    /// Special educational needs: one stage of 20 working days.
    Send,
    /// The two-stage corporate procedure councils ran before the 2024
    /// codes (the one casewatch was first built for).
    Corporate2019,
    /// The Local Government and Social Care Ombudsman's Complaint Handling
    /// Code (2024), used in its investigations from 1 April 2026.
    Lgsco2024,
    /// The Housing Ombudsman's Complaint Handling Code, statutory for
    /// social landlords from 1 April 2024.
    HousingOmbudsman2024,
    /// The Scottish Public Services Ombudsman's model complaints handling
    /// procedure (2020 revision).
    Spso2020,
    /// The Public Services Ombudsman for Wales's model concerns and
    /// complaints policy.
    Psow,
    /// Social Services Complaints Procedure (Wales) Regulations 2014.
    WalesSocialServices2014,
    /// The Northern Ireland Public Services Ombudsman's model complaints
    /// handling procedure for local government.
    Nipso,
}

impl Preset {
    pub const ALL: [Preset; 10] = [
        Preset::ChildrenStatutory2006,
        Preset::Adults2009,
        Preset::Send,
        Preset::Corporate2019,
        Preset::Lgsco2024,
        Preset::HousingOmbudsman2024,
        Preset::Spso2020,
        Preset::Psow,
        Preset::WalesSocialServices2014,
        Preset::Nipso,
    ];

    /// The name settings and stored stages use.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::ChildrenStatutory2006 => "children-statutory-2006",
            Preset::Adults2009 => "adults-2009",
            Preset::Send => "send",
            Preset::Corporate2019 => "corporate-2019",
            Preset::Lgsco2024 => "lgsco-2024",
            Preset::HousingOmbudsman2024 => "housing-ombudsman-2024",
            Preset::Spso2020 => "spso-2020",
            Preset::Psow => "psow",
            Preset::WalesSocialServices2014 => "wales-social-services-2014",
            Preset::Nipso => "nipso",
        }
    }

    /// The preset named `name`, or a message listing them all.
    pub fn parse(name: &str) -> Result<Self, String> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "unknown procedure {name:?}; the presets are: {}",
                    Self::ALL.map(Preset::name).join(", ")
                )
            })
    }

    /// The first day of receipt the procedure governs, and the preset that
    /// governs stages received before it; `None` when it governs every
    /// stage. A report over a year that spans the date shows each stage
    /// under the rule of its own day.
    pub fn takes_effect(self) -> Option<(NaiveDate, Preset)> {
        match self {
            Preset::Lgsco2024 => Some((
                NaiveDate::from_ymd_opt(2026, 4, 1).expect("a real date"),
                Preset::Corporate2019,
            )),
            _ => None,
        }
    }
}

impl Serialize for Preset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What starts a stage's response clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    /// The day the complaint (or the request to escalate) was received.
    Received,
    /// The day it was acknowledged: the 2024 codes count from there.
    Acknowledged,
}

impl ClockStart {
    pub const fn as_str(self) -> &'static str {
        match self {
            ClockStart::Received => "received",
            ClockStart::Acknowledged => "acknowledged",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "received" => Ok(ClockStart::Received),
            "acknowledged" => Ok(ClockStart::Acknowledged),
            other => Err(format!(
                "{other:?} is not a clock start; use \"received\" or \"acknowledged\""
            )),
        }
    }
}

/// What the import works out for a stage under its procedure, and stores
/// with it, so the stage keeps the rule it was received under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// `None` for comments and compliments.
    pub procedure: Option<Preset>,
    /// The working days allowed, extension included; `None` for a stage
    /// due on an agreed date, and for comments and compliments.
    pub working_days_allowed: Option<u16>,
    /// The procedure's own working days, before any extension.
    pub standard_working_days: Option<u16>,
    /// Working days from receipt to acknowledge, if the procedure sets a limit.
    pub acknowledge_within: Option<u16>,
    pub clock_starts: ClockStart,
}

impl Terms {
    /// The terms of a comment or compliment: no deadline at all.
    pub const NONE: Terms = Terms {
        procedure: None,
        working_days_allowed: None,
        standard_working_days: None,
        acknowledge_within: None,
        clock_starts: ClockStart::Received,
    };

    /// Whether the stage was given more than its procedure's working days.
    pub fn extended(&self) -> bool {
        matches!(
            (self.working_days_allowed, self.standard_working_days),
            (Some(allowed), Some(standard)) if allowed > standard
        )
    }
}
