//! How old the case data is, and whether it is too old to trust with
//! overdue notices (pure).

use chrono::{DateTime, Days, NaiveTime, TimeDelta, Utc};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::domain::{london_instant, london_time};
use crate::settings::FeedSettings;

/// The data's age as the daemon, the poll, `/healthz` and the tracker see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// The last refresh: a feed run that imported data, or an import by hand.
    pub last_refresh: Option<DateTime<Utc>>,
    /// Whether a feed is set and its data is older than `feed.max_age_hours`
    /// (or it never brought any).
    pub stale: bool,
}

/// Judges `last_refresh` at `now`. With no feed set, data is never stale:
/// the complaints team imports by hand, as before the feed existed.
pub fn judge(
    feed: &FeedSettings,
    last_refresh: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Freshness {
    let stale = feed.source.is_some()
        && last_refresh.is_none_or(|last| {
            working_age(last, now, calendar) > TimeDelta::hours(i64::from(feed.max_age_hours))
        });
    Freshness {
        last_refresh,
        stale,
    }
}

/// The time from `from` to `to`, less the whole non-working days between
/// them (weekends, bank holidays, local closures): a nightly export last
/// taken on Friday is not stale on Monday morning. Each day is taken out as
/// it is in London, so a day the clocks change is 23 or 25 hours long. A
/// day the calendar does not cover counts as a working day.
pub fn working_age(from: DateTime<Utc>, to: DateTime<Utc>, calendar: &Calendar) -> TimeDelta {
    let (first, _) = london_time(from);
    let (last, _) = london_time(to);
    let mut age = to - from;
    let mut day = first + Days::new(1);
    while day < last {
        if matches!(calendar.is_working_day(day), Ok(false)) {
            let next = day + Days::new(1);
            age -= london_instant(next, NaiveTime::MIN) - london_instant(day, NaiveTime::MIN);
        }
        day = day + Days::new(1);
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;
    use chrono::NaiveDate;

    fn at(day: &str, time: &str) -> DateTime<Utc> {
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        london_instant(day, NaiveTime::parse_from_str(time, "%H:%M").unwrap())
    }

    #[test]
    fn weekends_and_bank_holidays_do_not_age_the_data() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        // Friday 19:00 to Monday 07:00: 12 working hours.
        let age = working_age(
            at("2026-12-04", "19:00"),
            at("2026-12-07", "07:00"),
            &calendar,
        );
        assert_eq!(age, TimeDelta::hours(12));
        // Over Christmas: Thursday 24th 19:00 to Tuesday 29th 07:00 skips
        // Friday 25th (Christmas), Saturday, Sunday and Monday 28th (Boxing
        // Day substitute).
        let age = working_age(
            at("2026-12-24", "19:00"),
            at("2026-12-29", "07:00"),
            &calendar,
        );
        assert_eq!(age, TimeDelta::hours(12));
        // Tuesday to Thursday: every hour counts.
        let age = working_age(
            at("2026-12-01", "07:00"),
            at("2026-12-03", "09:00"),
            &calendar,
        );
        assert_eq!(age, TimeDelta::hours(50));
    }

    #[test]
    fn a_day_the_clocks_change_is_taken_out_at_its_real_length() {
        let calendar = Calendar::builtin(Division::EnglandAndWales);
        // Sunday 29 March 2026 has 23 hours; Saturday 24. Friday 12:00 to
        // Monday 12:00 is 71 real hours, of which 47 are the weekend.
        let age = working_age(
            at("2026-03-27", "12:00"),
            at("2026-03-30", "12:00"),
            &calendar,
        );
        assert_eq!(age, TimeDelta::hours(24));
    }
}
