use chrono::NaiveDate;

use super::{Email, Kind, Outcome, Reference, Stage, Team, Terms};

/// A member of staff who can be responsible for cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub email: Email,
    pub name: String,
    pub team: Team,
    /// Who hears when this person's cases stay overdue (a senior manager).
    pub escalation_email: Option<Email>,
}

/// A case with the stages loaded for it, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub reference: Reference,
    pub kind: Kind,
    pub category: Option<String>,
    pub team: Team,
    pub manager: Email,
    pub stages: Vec<StageRecord>,
}

/// One stage of a case, with the terms of its procedure fixed when the
/// stage is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRecord {
    pub stage: Stage,
    pub received_on: NaiveDate,
    pub terms: Terms,
    pub acknowledged_on: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub agreed_response_on: Option<NaiveDate>,
    pub responded_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub learning: Option<String>,
    /// A reason for delay carried by the import file: (category, text).
    pub delay_reason: Option<(String, String)>,
}
