//! The casewatch side of `bench/numpy_compare.sh`: how many deadline queries
//! a second the calendar answers on one thread, over a file of questions, and
//! the holiday list it uses, so numpy can be given the very same one.
//!
//! ```text
//! calendar_throughput holidays OUT
//!     writes every England and Wales holiday in the calendar's range,
//!     one YYYY-MM-DD a line
//! calendar_throughput deadlines PAIRS ANSWERS [REPETITIONS]
//!     PAIRS holds (received, N) pairs as little-endian i32 pairs, the date
//!     as days since 1970-01-01; writes each deadline to ANSWERS the same
//!     way and prints the best throughput of REPETITIONS (default 10) runs
//! ```
//!
//! Days since 1970-01-01 as i32 is numpy's `datetime64[D]` cast to `<i4`,
//! so the script reads and writes the files without any parsing.

use std::fs;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use casewatch::calendar::{Calendar, Division, FIRST_DAY, LAST_DAY};
use chrono::{Datelike, NaiveDate, TimeDelta};

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["holidays", out] => write_holidays(&calendar, out),
        ["deadlines", pairs, answers] => deadlines(&calendar, pairs, answers, 10),
        ["deadlines", pairs, answers, repetitions] => {
            let repetitions = repetitions
                .parse()
                .with_context(|| format!("repetitions: {repetitions:?} is not a count"))?;
            ensure!(repetitions > 0, "repetitions: at least one run is needed");
            deadlines(&calendar, pairs, answers, repetitions)
        }
        _ => bail!(
            "usage: calendar_throughput holidays OUT\n       \
             calendar_throughput deadlines PAIRS ANSWERS [REPETITIONS]"
        ),
    }
}

fn write_holidays(calendar: &Calendar, out: &str) -> anyhow::Result<()> {
    let mut file = BufWriter::new(fs::File::create(out).with_context(|| out.to_owned())?);
    for year in FIRST_DAY.year()..=LAST_DAY.year() {
        for holiday in calendar.days_in_force(year) {
            writeln!(file, "{}", holiday.day.date)?;
        }
    }
    file.flush().with_context(|| out.to_owned())
}

fn deadlines(
    calendar: &Calendar,
    pairs_path: &str,
    answers_path: &str,
    repetitions: u32,
) -> anyhow::Result<()> {
    let bytes = fs::read(pairs_path).with_context(|| pairs_path.to_owned())?;
    ensure!(
        bytes.len() % 8 == 0,
        "{pairs_path}: {} bytes is not a whole number of (i32, i32) pairs",
        bytes.len()
    );
    // Decoded before the clock starts, as numpy is handed ready-made arrays.
    let pairs = bytes
        .chunks_exact(8)
        .map(|pair| {
            let (day, n) = pair.split_at(4);
            let day = i32::from_le_bytes(day.try_into().expect("four bytes"));
            let n = i32::from_le_bytes(n.try_into().expect("four bytes"));
            let date = TimeDelta::try_days(i64::from(day))
                .and_then(|days| EPOCH.checked_add_signed(days))
                .with_context(|| format!("day {day} since 1970-01-01 is not a date"))?;
            let n = u32::try_from(n).with_context(|| format!("N = {n} is negative"))?;
            Ok((date, n))
        })
        .collect::<anyhow::Result<Vec<(NaiveDate, u32)>>>()?;

    let mut best = Duration::MAX;
    let mut answers = Vec::new();
    for _ in 0..repetitions {
        let start = Instant::now();
        // A fresh output each run, as numpy allocates its result array each
        // call. black_box keeps the compiler from assuming the inputs are the
        // same as last run's or that the answers go unused.
        let run: Vec<Option<NaiveDate>> = black_box(&pairs)
            .iter()
            .map(|&(received, n)| calendar.deadline(received, n).ok())
            .collect();
        best = best.min(start.elapsed());
        answers = black_box(run);
    }

    let mut out =
        BufWriter::new(fs::File::create(answers_path).with_context(|| answers_path.to_owned())?);
    for (answer, (received, n)) in answers.iter().zip(&pairs) {
        // The script's inputs all have answers; a missing one is a bug in it.
        let date =
            answer.with_context(|| format!("no deadline {n} working days after {received}"))?;
        let day = i32::try_from(date.signed_duration_since(EPOCH).num_days())?;
        out.write_all(&day.to_le_bytes())?;
    }
    out.flush().with_context(|| answers_path.to_owned())?;

    let seconds = best.as_secs_f64();
    println!(
        "{} queries, best of {repetitions} runs: {seconds:.6} s, {:.0} queries/s",
        pairs.len(),
        pairs.len() as f64 / seconds
    );
    Ok(())
}
