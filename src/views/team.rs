//! What an e-mail to the complaints team about the case feed says: a file
//! set aside, a run that failed, data gone stale.

use serde::Serialize;

/// What the `team_notice` templates are given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamNotice {
    /// The subject line, e.g. "casewatch: cases-2026-12-04.csv was rejected".
    pub subject: String,
    /// What happened, in a sentence or two.
    pub summary: String,
    /// The problems, the first `MAX_PROBLEMS` of them.
    pub problems: Vec<String>,
    /// How many more problems there are than listed.
    pub more: usize,
    /// What to do about it.
    pub advice: String,
}

/// Problems listed in one e-mail; the rest are counted.
pub const MAX_PROBLEMS: usize = 50;

impl TeamNotice {
    pub fn sample() -> Self {
        Self {
            subject: "casewatch: cases.csv from the case feed was rejected".to_owned(),
            summary: "The file cases.csv in the feed folder had 2 problems, so none of it \
                      was imported. It was moved to rejected/2026-12-04/."
                .to_owned(),
            problems: vec![
                "cases.csv:3: received_on: \"31/02/2026\" is not a date".to_owned(),
                "cases.csv:7: manager_email: unknown manager a@b.example".to_owned(),
            ],
            more: 1,
            advice: "Correct the export and drop it in the folder again.".to_owned(),
        }
    }
}
