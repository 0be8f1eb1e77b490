//! `cargo bench --bench calendar`: the time of one deadline or working-day
//! query, and of building a calendar, which the service does again whenever
//! the holiday data changes.

use casewatch::calendar::{Calendar, DIVISIONS, Division};
use chrono::{Days, NaiveDate};
use divan::Bencher;

fn main() {
    divan::main();
}

/// Distinct inputs per benchmark: too many for the branch predictor to learn
/// the answers, few enough to generate in a moment. The tables they index
/// are the same size whatever the number of inputs.
const INPUTS: usize = 1 << 16;

/// A fixed seed, so every run asks the same questions.
const SEED: u64 = 0x00ca_5e0a_7c4e;

/// Received days span 2000–2035 (the range `bench/numpy_compare.sh` uses).
fn random_day(rng: &mut fastrand::Rng) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    let last = NaiveDate::from_ymd_opt(2035, 12, 31).expect("valid date");
    let span = last.signed_duration_since(first).num_days().unsigned_abs();
    first + Days::new(rng.u64(0..=span))
}

/// Queries one at a time, cycling through the pre-generated inputs; divan
/// lays each sample's inputs out before it starts the clock, so the time
/// reported is per query.
#[divan::bench]
fn deadline(bencher: Bencher) {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut rng = fastrand::Rng::with_seed(SEED);
    // N from 1 to 65: the statutory stages run from 10 to 65 working days.
    let inputs: Vec<(NaiveDate, u32)> = (0..INPUTS)
        .map(|_| (random_day(&mut rng), rng.u32(1..=65)))
        .collect();
    let mut next = inputs.iter().copied().cycle();
    bencher
        .with_inputs(|| next.next().expect("a cycle never ends"))
        .bench_local_values(|(received, n)| calendar.deadline(received, n));
}

/// As [`deadline`], for pairs of days in either order.
#[divan::bench]
fn working_days_between(bencher: Bencher) {
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    let mut rng = fastrand::Rng::with_seed(SEED);
    let inputs: Vec<(NaiveDate, NaiveDate)> = (0..INPUTS)
        .map(|_| (random_day(&mut rng), random_day(&mut rng)))
        .collect();
    let mut next = inputs.iter().copied().cycle();
    bencher
        .with_inputs(|| next.next().expect("a cycle never ends"))
        .bench_local_values(|(a, b)| calendar.working_days_between(a, b));
}

/// Building a calendar: merging the shipped history with the rules, then
/// laying out the lookup tables.
#[divan::bench(args = DIVISIONS)]
fn builtin(division: Division) -> Calendar {
    Calendar::builtin(divan::black_box(division))
}
