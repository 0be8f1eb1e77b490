//! `casewatch demo`: a synthetic council year to try casewatch on.
//!
//! The demo writes `staff.csv` and `cases.csv` in the formats a complaints
//! team uses, and a settings file pointing at a SQLite database beside them;
//! the command then loads the files through the ordinary import. The shape
//! follows a real annual report: about 200 complaints over 28 teams, about
//! 110 compliments and some comments, a minority answered late and few late
//! answers with a reason. All names and addresses are invented (example.org).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::domain::Kind;
use crate::import;

/// The files a demo wrote.
#[derive(Debug, Clone)]
pub struct DemoFiles {
    pub settings: PathBuf,
    pub staff: PathBuf,
    pub cases: PathBuf,
}

const TEAMS: [&str; 28] = [
    "Assessment and Intervention",
    "Children in Care",
    "Fostering",
    "Adoption",
    "Leaving Care",
    "Children with Disabilities",
    "Early Help",
    "SEND Assessment",
    "School Admissions",
    "Home to School Transport",
    "Adult Reablement",
    "Adult Community Teams",
    "Housing Options",
    "Housing Repairs",
    "Council Tax",
    "Housing Benefit",
    "Waste and Recycling",
    "Street Cleansing",
    "Highways",
    "Parking",
    "Planning",
    "Building Control",
    "Environmental Health",
    "Libraries",
    "Leisure",
    "Customer Services",
    "Registrars",
    "Parks",
];

const FIRST: [&str; 14] = [
    "Alex", "Sam", "Priya", "Tom", "Aisha", "Gareth", "Helen", "Marek", "Nia", "Owen", "Ruth",
    "Tariq", "Zoe", "Dev",
];
const LAST: [&str; 12] = [
    "Morgan", "Patel", "Hughes", "Khan", "Davies", "Nowak", "Evans", "Okafor", "Price", "Reid",
    "Shah", "Turner",
];
const HEADS: [&str; 4] = ["children", "adults", "place", "resources"];

/// The teams each kind of complaint is made about: children's statutory
/// complaints in children's social care, SEND in education, adult and
/// housing complaints in their services, and corporate ones across the
/// council's other services (school admissions and transport included).
fn teams_for(kind: Kind) -> std::ops::RangeInclusive<usize> {
    match kind {
        Kind::Statutory => 0..=6,
        Kind::Send => 7..=9,
        Kind::Adult => 10..=11,
        Kind::Housing => 12..=13,
        _ => 8..=27,
    }
}

/// What complaints are about, as councils' reports group them.
const CARE_CATEGORIES: [&str; 6] = [
    "Quality of support",
    "Communication",
    "Staff behaviour or attitude",
    "Delay",
    "Decision",
    "Assessment",
];
const SERVICE_CATEGORIES: [&str; 7] = [
    "Service not provided",
    "Communication",
    "Staff behaviour or attitude",
    "Delay",
    "Decision",
    "Policy",
    "Quality of work",
];

/// Reasons managers give for late responses: (category, text).
const REASONS: [(&str, &str); 6] = [
    ("staff_capacity", "Investigating officer on leave"),
    (
        "complex_case",
        "Several services had to contribute to the response",
    ),
    (
        "awaiting_complainant",
        "Waiting for the complainant to confirm the points",
    ),
    (
        "awaiting_other_agency",
        "Waiting for the health trust's records",
    ),
    ("legal_advice", "Legal advice needed before responding"),
    ("sign_off", "Director sign-off delayed"),
];

const LEARNING: [&str; 5] = [
    "Letters now give a named contact",
    "Team briefed on returning calls within two working days",
    "Missed collections are logged the same day",
    "Care plans are shared with families before reviews",
    "Refund process shortened",
];

/// Writes the demo into `dir` and returns the paths. Dates end on `today`.
pub fn write(dir: &Path, today: NaiveDate) -> anyhow::Result<DemoFiles> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot find {}", dir.display()))?;
    let files = DemoFiles {
        settings: dir.join("casewatch.toml"),
        staff: dir.join("staff.csv"),
        cases: dir.join("cases.csv"),
    };
    let data = dir.join("data");
    let settings = format!(
        "# Settings for the casewatch demo; see config/default.toml for every setting.\n\
         data_dir = {data:?}\n\n[database]\nurl = \"sqlite://{}\"\n",
        data.join("casewatch.db").display()
    );
    write_file(&files.settings, settings.as_bytes())?;
    write_file(&files.staff, &staff_csv()?)?;
    write_file(&files.cases, &cases_csv(today)?)?;
    Ok(files)
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn manager_email(team: usize) -> String {
    format!(
        "{}.{}@example.org",
        FIRST[team % FIRST.len()].to_lowercase(),
        LAST[team % LAST.len()].to_lowercase()
    )
}

fn head_of_service(team: usize) -> String {
    format!(
        "head.of.{}@example.org",
        HEADS[team * HEADS.len() / TEAMS.len()]
    )
}

fn staff_csv() -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(import::STAFF_COLUMNS)?;
    for (i, team) in TEAMS.iter().enumerate() {
        let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[i % LAST.len()]);
        out.write_record([manager_email(i).as_str(), &name, team, &head_of_service(i)])?;
    }
    for head in HEADS {
        let email = format!("head.of.{head}@example.org");
        let name = format!("Head of {head} services");
        out.write_record([email.as_str(), &name, "Senior Leadership", ""])?;
    }
    Ok(out.into_inner()?)
}

/// Adds `n` weekdays. Bank holidays are ignored here: the demo only needs
/// plausible dates, and every deadline is worked out by casewatch itself.
fn add_weekdays(mut date: NaiveDate, n: u64) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        date = date + Days::new(1);
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

/// A row of `cases.csv`, before it is written.
#[derive(Default)]
struct Row {
    reference: String,
    kind: &'static str,
    stage: String,
    received_on: Option<NaiveDate>,
    team: usize,
    category: &'static str,
    extended: Option<u16>,
    agreed: Option<NaiveDate>,
    responded: Option<NaiveDate>,
    acknowledged: Option<NaiveDate>,
    outcome: &'static str,
    learning: &'static str,
    reason: Option<(&'static str, &'static str)>,
}

fn cases_csv(today: NaiveDate) -> anyhow::Result<Vec<u8>> {
    let mut rng = fastrand::Rng::with_seed(2020);
    let start = today - Days::new(364);
    let mut rows = Vec::new();
    let mut stage3_done = false;
    for n in 1..=200 {
        let kind = match rng.u8(0..100) {
            0..=29 => Kind::Statutory,
            30..=74 => Kind::Corporate,
            75..=84 => Kind::Housing,
            85..=94 => Kind::Send,
            _ => Kind::Adult,
        };
        let team = rng.usize(teams_for(kind));
        let received = add_weekdays(start, rng.u64(0..255));
        let reference = format!("{}-{}-{n:04}", prefix(kind), received.year());
        let first = complaint_stage(&mut rng, &reference, kind, 1, received, team, today);
        let escalate = first
            .responded
            .filter(|_| kind != Kind::Adult && kind != Kind::Send && rng.u8(0..100) < 12);
        rows.push(first);
        if let Some(answered) = escalate {
            let stage2 = add_weekdays(answered, rng.u64(3..15));
            if stage2 <= today {
                let second = complaint_stage(&mut rng, &reference, kind, 2, stage2, team, today);
                let third = second
                    .responded
                    .filter(|_| kind == Kind::Statutory && !stage3_done);
                rows.push(second);
                if let Some(answered) = third.map(|d| add_weekdays(d, 10)).filter(|d| *d <= today) {
                    stage3_done = true;
                    rows.push(complaint_stage(
                        &mut rng, &reference, kind, 3, answered, team, today,
                    ));
                }
            }
        }
    }
    for (n, kind) in (1..=110)
        .map(|n| (n, "compliment"))
        .chain((111..=140).map(|n| (n, "comment")))
    {
        let received = add_weekdays(start, rng.u64(0..260));
        rows.push(Row {
            reference: format!(
                "{}-{}-{n:04}",
                if kind == "comment" { "CMT" } else { "CPL" },
                received.year()
            ),
            kind,
            received_on: Some(received),
            team: rng.usize(0..TEAMS.len()),
            ..Row::default()
        });
    }
    write_cases(&rows)
}

fn prefix(kind: Kind) -> &'static str {
    match kind {
        Kind::Statutory => "CSC",
        Kind::Corporate => "CORP",
        Kind::Send => "SEND",
        Kind::Housing => "HSG",
        _ => "ASC",
    }
}

/// One complaint stage: a mix of prompt, extended and late answers, and
/// stages still open (some overdue) when received recently.
fn complaint_stage(
    rng: &mut fastrand::Rng,
    reference: &str,
    kind: Kind,
    stage: u8,
    received: NaiveDate,
    team: usize,
    today: NaiveDate,
) -> Row {
    let standard: u64 = match (kind, stage) {
        (Kind::Statutory, 2) => 25,
        (Kind::Statutory, 3) => 30,
        (Kind::Corporate | Kind::Housing, 2) | (Kind::Send, _) => 20,
        _ => 10,
    };
    let extendable = matches!(
        (kind, stage),
        (Kind::Statutory | Kind::Corporate | Kind::Housing, 1 | 2)
    );
    let categories: &[&'static str] = match kind {
        Kind::Statutory | Kind::Adult | Kind::Send => &CARE_CATEGORIES,
        _ => &SERVICE_CATEGORIES,
    };
    let mut row = Row {
        reference: reference.to_owned(),
        kind: kind.as_str(),
        stage: stage.to_string(),
        received_on: Some(received),
        team,
        // A case's subject is the case's, whichever stage it is at.
        category: categories[reference.bytes().map(usize::from).sum::<usize>() % categories.len()],
        ..Row::default()
    };
    let roll = rng.u8(0..100);
    let took = match roll {
        0..=49 => rng.u64(2..=standard),
        50..=59 if extendable => {
            row.extended = Some(u16::try_from(standard * 2).unwrap_or(u16::MAX));
            rng.u64(standard + 1..=standard * 2)
        }
        _ => rng.u64(standard + 1..=standard * 3),
    };
    if kind == Kind::Adult {
        row.agreed = Some(add_weekdays(received, 30));
    }
    let answered = add_weekdays(received, took);
    // Complaints under the 2024 codes and adult social care are
    // acknowledged, most within their five (or three) working days, some
    // later, and the newest not yet.
    if matches!(kind, Kind::Corporate | Kind::Housing | Kind::Adult) {
        let acknowledged = add_weekdays(received, rng.u64(1..=7));
        row.acknowledged = Some(acknowledged).filter(|d| *d <= today && *d <= answered);
    }
    if answered <= today {
        row.responded = Some(answered);
        row.outcome = [
            "upheld",
            "partially_upheld",
            "not_upheld",
            "not_upheld",
            "withdrawn",
        ][rng.usize(0..5)];
        // Learning is recorded for most upheld answers, fewer partly
        // upheld ones: the gap the council's report says needs progress.
        let learnt = match row.outcome {
            "upheld" => rng.u8(0..100) < 70,
            "partially_upheld" => rng.u8(0..100) < 40,
            _ => false,
        };
        if learnt {
            row.learning = LEARNING[rng.usize(0..LEARNING.len())];
        }
        // Few late answers come with a reason: that is the problem casewatch solves.
        if took > standard && row.extended.is_none() && rng.u8(0..100) < 20 {
            row.reason = Some(REASONS[rng.usize(0..REASONS.len())]);
        }
    }
    row
}

fn write_cases(rows: &[Row]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(import::CASE_COLUMNS)?;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for r in rows {
        let (reason_category, reason) = r.reason.unwrap_or_default();
        out.write_record([
            r.reference.as_str(),
            r.kind,
            &r.stage,
            &date(r.received_on),
            TEAMS[r.team],
            &manager_email(r.team),
            r.category,
            &r.extended.map(|n| n.to_string()).unwrap_or_default(),
            &date(r.agreed),
            &date(r.responded),
            r.outcome,
            r.learning,
            "",
            reason_category,
            reason,
            &date(r.acknowledged),
        ])?;
    }
    Ok(out.into_inner()?)
}
