//! The weekly tracker's page, as `tracker.html` is given it.

use serde::Serialize;

/// How many rows of each table the HTML shows. The HTML is the e-mail the
/// complaints team reads on Monday: the most overdue stages are the ones to
/// chase, and a list of thousands is read by nobody. The XLSX and the CSV
/// list every stage, and every count is exact.
pub const HTML_ROWS: usize = 100;

/// What `tracker.html` is given.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub week: String,
    pub day: String,
    /// Which stages count as open on the day (`domain::OPEN_RULE`).
    pub open_rule: String,
    /// When the case data was last refreshed, e.g. "Friday 4 December
    /// 2026 at 07:00", or "never".
    pub data_refreshed: String,
    pub headline: Vec<HeadlineLine>,
    pub overdue: Listing,
    pub due_soon: Listing,
    pub answered: Listing,
    /// Stages to acknowledge: due within five working days, or overdue.
    pub acknowledgements: Listing,
    pub left_case_system: Listing,
    /// Upheld or partly upheld responses this year with no learning.
    pub no_learning: Listing,
    pub teams: Vec<TeamLine>,
    pub undelivered: Vec<UndeliveredLine>,
    pub chart_svg: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeadlineLine {
    pub label: String,
    pub now: String,
    pub last_week: String,
}

/// One table of the HTML: its first rows and how many it has in all.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub total: usize,
    /// The first [`HTML_ROWS`] rows.
    pub rows: Vec<RowText>,
    /// How many more rows the XLSX and CSV list.
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowText {
    pub reference: String,
    pub team: String,
    pub manager: String,
    pub stage: u8,
    pub received_on: String,
    pub due_on: String,
    pub status: String,
    pub reminders_sent: i64,
    /// The latest reason as "label: text", "no reason given" on a late or
    /// overdue row without one, else empty.
    pub reason: String,
    /// The response date the latest reason expects (open rows), or empty.
    pub expected_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamLine {
    pub team: String,
    pub open: usize,
    pub overdue: usize,
    pub on_time: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UndeliveredLine {
    pub day: String,
    pub recipient: String,
    pub subject: String,
    pub reply: String,
}

impl Page {
    pub fn sample() -> Self {
        let row = RowText {
            reference: "CSC-1".to_owned(),
            team: "Fostering".to_owned(),
            manager: "Ann Lee".to_owned(),
            stage: 1,
            received_on: "02/11/2026".to_owned(),
            due_on: "16/11/2026".to_owned(),
            status: "3 working days overdue".to_owned(),
            reminders_sent: 2,
            reason: "no reason given".to_owned(),
            expected_on: "11/12/2026".to_owned(),
        };
        Self {
            week: "2026-W48".to_owned(),
            day: "Monday 23 November 2026".to_owned(),
            open_rule: crate::domain::OPEN_RULE.to_owned(),
            headline: vec![HeadlineLine {
                label: "Open complaint stages".to_owned(),
                now: "3".to_owned(),
                last_week: "2".to_owned(),
            }],
            overdue: Listing {
                total: HTML_ROWS + 2,
                rows: vec![row.clone()],
                more: 2,
            },
            due_soon: Listing {
                total: 1,
                rows: vec![row.clone()],
                more: 0,
            },
            answered: Listing {
                total: 1,
                rows: vec![row.clone()],
                more: 0,
            },
            acknowledgements: Listing {
                total: 1,
                rows: vec![row.clone()],
                more: 0,
            },
            left_case_system: Listing {
                total: 1,
                rows: vec![row.clone()],
                more: 0,
            },
            no_learning: Listing {
                total: 1,
                rows: vec![row],
                more: 0,
            },
            teams: vec![TeamLine {
                team: "Fostering".to_owned(),
                open: 1,
                overdue: 1,
                on_time: "50.0%".to_owned(),
            }],
            undelivered: vec![UndeliveredLine {
                day: "23/11/2026".to_owned(),
                recipient: "gone@example.org".to_owned(),
                subject: "Complaint response overdue".to_owned(),
                reply: "550 5.1.1 unknown".to_owned(),
            }],
            chart_svg: "<svg></svg>".to_owned(),
            data_refreshed: "Monday 23 November 2026 at 07:00".to_owned(),
        }
    }
}
