//! `casewatch holidays`: what an imported GOV.UK file changed, and the
//! non-working days in force with where each comes from.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Format;
use crate::calendar::{Calendar, DayInForce, Source};

/// One listed day, in the order and with the names of the CSV columns.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    date: NaiveDate,
    weekday: String,
    title: &'a str,
    source: &'static str,
}

const HEADERS: [&str; 4] = ["date", "weekday", "title", "source"];

pub(super) fn render(days: &[DayInForce], format: Format) -> anyhow::Result<String> {
    let listed: Vec<Listed<'_>> = days
        .iter()
        .map(|d| Listed {
            date: d.day.date,
            weekday: d.day.date.format("%A").to_string(),
            title: &d.day.title,
            source: d.source.as_str(),
        })
        .collect();
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(&listed)? + "\n"),
        Format::Csv => {
            let mut out = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            out.write_record(HEADERS)?;
            for l in &listed {
                out.serialize(l)?;
            }
            Ok(String::from_utf8(out.into_inner()?)?)
        }
        Format::Table => {
            let rows: Vec<[String; 4]> = listed
                .iter()
                .map(|l| {
                    [
                        l.date.to_string(),
                        l.weekday.clone(),
                        l.title.to_owned(),
                        l.source.to_owned(),
                    ]
                })
                .collect();
            let mut out = super::table::render(["DATE", "DAY", "TITLE", "SOURCE"], &rows);
            out.push_str(&format!("{} day(s)\n", listed.len()));
            Ok(out)
        }
    }
}

/// The days in `years` that an import added to or removed from the
/// calendar, as `+ DATE TITLE` / `- DATE TITLE` lines, by date. Local
/// closures are left out: the import does not touch them.
pub(super) fn changes(before: &Calendar, after: &Calendar, years: &[i32]) -> Vec<String> {
    let closed = |calendar: &Calendar| -> BTreeMap<NaiveDate, String> {
        years
            .iter()
            .flat_map(|&y| calendar.days_in_force(y))
            .filter(|d| d.source != Source::Local)
            .map(|d| (d.day.date, d.day.title))
            .collect()
    };
    let (old, new) = (closed(before), closed(after));
    let mut lines: Vec<(NaiveDate, String)> = Vec::new();
    for (date, title) in &new {
        if !old.contains_key(date) {
            lines.push((*date, format!("+ {date} {} {title}", date.weekday())));
        }
    }
    for (date, title) in &old {
        if !new.contains_key(date) {
            lines.push((*date, format!("- {date} {} {title}", date.weekday())));
        }
    }
    lines.sort();
    lines.into_iter().map(|(_, line)| line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Division, HolidayDay};

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn changes_list_added_and_removed_days_in_date_order() {
        let before = Calendar::builtin(Division::EnglandAndWales);
        let mut imported: Vec<HolidayDay> = before
            .days_in_force(2026)
            .into_iter()
            .map(|d| d.day)
            .filter(|d| d.date != date("2026-05-04"))
            .collect();
        imported.push(HolidayDay::new(date("2026-06-15"), "A one-off day"));
        let after = Calendar::build(Division::EnglandAndWales, &imported, &[2026], &[]);
        assert_eq!(
            changes(&before, &after, &[2026]),
            [
                "- 2026-05-04 Mon Early May bank holiday",
                "+ 2026-06-15 Mon A one-off day"
            ]
        );
        assert!(changes(&before, &before, &[2026]).is_empty());
    }
}
