//! `[learning]`: asking the manager who answered an upheld complaint what
//! was learnt from it.

use serde::Serialize;

use super::reader::{Reader, int_in};

#[derive(Debug, Clone, Default, Serialize)]
pub struct LearningSettings {
    /// Working days after an upheld or partly upheld response with no
    /// learning before the responding manager is first asked.
    pub ask_after_days: u32,
    /// Working days between one request and the next.
    pub repeat_days: u32,
    /// Requests in all; after the last, the stage is listed for the
    /// complaints team instead.
    pub max_asks: u32,
}

impl LearningSettings {
    /// The request that fits a response `since` working days old: the
    /// first from `ask_after_days`, the next `repeat_days` later, and so on
    /// to `max_asks`. Each is recorded once, so a poll that missed a day
    /// makes up for it the next, and a response older than the last
    /// request's turn (a backlog when casewatch goes live) is not asked
    /// about at all.
    pub fn ask_due(&self, since: i64) -> Option<u32> {
        let after = i64::from(self.ask_after_days);
        let every = i64::from(self.repeat_days.max(1));
        if since < after {
            return None;
        }
        let ask = u32::try_from((since - after) / every + 1).ok()?;
        (ask <= self.max_asks).then_some(ask)
    }

    /// Working days after the response when the requests have run out:
    /// learning still missing then is the complaints team's to chase.
    pub fn asks_end_after(&self) -> i64 {
        i64::from(self.ask_after_days) + i64::from(self.repeat_days) * i64::from(self.max_asks)
    }
}

pub(super) fn read_learning(r: &mut Reader) -> LearningSettings {
    LearningSettings {
        ask_after_days: r.get("learning.ask_after_days", |v| int_in(v, 0, 250)),
        repeat_days: r.get("learning.repeat_days", |v| int_in(v, 1, 250)),
        max_asks: r.get("learning.max_asks", |v| int_in(v, 0, 20)),
    }
}
