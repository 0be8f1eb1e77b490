//! iCalendar (RFC 5545) entries for deadlines, attached to "due soon"
//! reminders so a manager can put the deadline in their calendar.

use chrono::{DateTime, Days, Utc};

use crate::store::UnsentReminder;

/// One all-day event per deadline. Each event's UID depends only on the
/// stage and the deadline, so a second reminder updates the same entry
/// instead of adding another.
pub fn deadlines(reminders: &[&UnsentReminder], domain: &str, now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//casewatch//complaint deadlines//EN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
    ];
    for r in reminders {
        let stage = &r.stage;
        let day_after = r.due_on.checked_add_days(Days::new(1)).unwrap_or(r.due_on);
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!(
                "UID:casewatch-stage-{}-due-{}@{domain}",
                stage.stage_id,
                r.due_on.format("%Y%m%d")
            ),
            format!("DTSTAMP:{}", now.format("%Y%m%dT%H%M%SZ")),
            format!("DTSTART;VALUE=DATE:{}", r.due_on.format("%Y%m%d")),
            format!("DTEND;VALUE=DATE:{}", day_after.format("%Y%m%d")),
            format!(
                "SUMMARY:{}",
                escape(&format!(
                    "Complaint response due: {} stage {}",
                    stage.reference.as_str(),
                    stage.stage.number()
                ))
            ),
            format!(
                "DESCRIPTION:{}",
                escape(&format!("{}, {}", stage.kind.label(), stage.team))
            ),
            "TRANSP:TRANSPARENT".to_owned(),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|l| fold(l)).collect::<Vec<_>>().join("")
}

/// TEXT values escape backslashes, semicolons, commas and newlines.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Lines end in CRLF and are folded at 75 octets, never inside a character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        for part in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(part.len() <= 75, "{part:?}");
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }
}
