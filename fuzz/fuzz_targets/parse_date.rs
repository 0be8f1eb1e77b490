//! `parse_date`, the one date parser behind CSV cells, command-line dates,
//! the delay-reason form and the settings, on arbitrary text. It must not
//! panic, and a date it accepts, written back as ISO (or as DD/MM/YYYY),
//! must parse again to the same date.
#![no_main]

use casewatch::domain::parse_date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(date) = parse_date(text) else {
        return;
    };
    for written in [
        date.to_string(),
        date.format("%Y-%m-%d").to_string(),
        date.format("%d/%m/%Y").to_string(),
    ] {
        assert_eq!(
            parse_date(&written).ok(),
            Some(date),
            "{text:?} read as {date}, written as {written:?}"
        );
    }
});
