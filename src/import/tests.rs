use super::*;
use crate::domain::Preset;

fn date(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn managers() -> HashSet<Email> {
    ["ann@example.org", "bo@example.org"]
        .iter()
        .map(|e| Email::parse(e).unwrap())
        .collect()
}

fn cases(csv: &str) -> Result<Vec<CaseRecord>, ImportError> {
    let managers = managers();
    let timescales = Timescales::default();
    let reasons = crate::settings::Settings::load_from(None, Some(HashMap::new()))
        .unwrap()
        .delay_reasons;
    let ctx = CaseContext {
        managers: &managers,
        timescales: &timescales,
        reasons: &reasons,
        today: date("2026-11-25"),
    };
    parse_cases("cases.csv", csv.as_bytes(), &ctx).map(|parsed| parsed.records)
}

fn problems(csv: &str) -> Vec<String> {
    cases(csv)
        .unwrap_err()
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEADER: &str = "reference,kind,stage,received_on,team,manager_email,category,extended_working_days,agreed_response_on,responded_on,outcome,learning";

#[test]
fn reads_what_excel_writes() {
    // BOM, CRLF, columns in another order, an unknown column, optional columns
    // absent, a quoted field holding a comma, a quote and a line break.
    let csv = "\u{feff}Manager_Email,Reference,Kind,Stage,Received On,Team,Notes,Learning,Responded_On,Outcome\r\n\
               ann@example.org,CS-1,Statutory,1,02/11/2026,Fostering,x,\"Said \"\"sorry\"\", and\r\nmeant it\",2026-11-10,Partially Upheld\r\n\
               bo@example.org,CM-9,compliment,,2026-11-03,Parks,,,,\r\n\
               ,,,,,,,,,\r\n";
    let cases = cases(csv).unwrap();
    assert_eq!(cases.len(), 2);
    let cs1 = &cases[0];
    assert_eq!(cs1.reference.as_str(), "CS-1");
    assert_eq!(cs1.kind, Kind::Statutory);
    let stage = &cs1.stages[0];
    assert_eq!(stage.received_on, date("2026-11-02"));
    assert_eq!(stage.terms.working_days_allowed, Some(10));
    assert_eq!(stage.outcome, Some(Outcome::PartiallyUpheld));
    assert_eq!(
        stage.learning.as_deref(),
        Some("Said \"sorry\", and\r\nmeant it")
    );
    assert_eq!(cases[1].stages[0].stage, Stage::NONE);
    assert_eq!(cases[1].stages[0].terms.working_days_allowed, None);
}

#[test]
fn every_bad_row_is_reported_with_file_line_and_field() {
    let csv = format!(
        "{HEADER}\n\
         CS-1,moan,1,2026-11-02,Fostering,ann@example.org,,,,,,\n\
         CS-2,statutory,4,2026-11-02,Fostering,ann@example.org,,,,,,\n\
         CS-3,statutory,1,2026-02-30,Fostering,ann@example.org,,,,,,\n\
         CS-4,statutory,1,2026-12-01,Fostering,ann@example.org,,,,,,\n\
         CS-5,statutory,1,2026-11-10,Fostering,ann@example.org,,,,2026-11-09,upheld,\n\
         CS-6,statutory,1,2026-11-02,Fostering,ann@example.org,,21,,,,\n\
         CS-7,statutory,1,2026-11-02,Fostering,ann@example.org,,10,,,,\n\
         CS-8,corporate,1,2026-11-02,Fostering,zed@example.org,,,,,,\n\
         CS-9,corporate,1,2026-11-02,Fostering,ann@example.org,,,,2026-11-20,sorted,\n\
         CS-9,corporate,1,2026-11-02,Fostering,ann@example.org,,,,,,\n"
    );
    let found = problems(&csv);
    let expected = [
        "cases.csv:2: kind: unknown kind \"moan\"",
        "cases.csv:3: stage: stage 4 is out of range 1-3",
        "cases.csv:4: received_on: \"2026-02-30\" is not a date",
        "cases.csv:5: received_on: 2026-12-01 is in the future (today is 2026-11-25)",
        "cases.csv:6: responded_on: 2026-11-09 is before the stage was received (2026-11-10)",
        "cases.csv:7: extended_working_days: extension to 21 working days is above the cap of 20",
        "cases.csv:8: extended_working_days: extension to 10 working days is not above the standard 10",
        "cases.csv:9: manager_email: unknown manager zed@example.org",
        "cases.csv:10: outcome: unknown outcome \"sorted\"",
        "cases.csv:11: stage: CS-9 stage 1 is also on line 10",
    ];
    for want in expected {
        assert!(
            found.iter().any(|f| f.starts_with(want)),
            "missing {want:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

#[test]
fn line_numbers_count_line_breaks_inside_quotes() {
    let csv = format!(
        "{HEADER}\n\
         CS-1,statutory,1,2026-11-02,Fostering,ann@example.org,,,,,,\"two\nlines\"\n\
         CS-2,statutory,9,2026-11-02,Fostering,ann@example.org,,,,,,\n"
    );
    assert_eq!(
        problems(&csv)[0],
        "cases.csv:4: stage: stage 9 is out of range 1-3"
    );
}

#[test]
fn kinds_stages_and_dates_must_agree() {
    let csv = format!(
        "{HEADER}\n\
         CS-1,statutory,1,2026-11-02,Fostering,ann@example.org,,,,2026-11-05,,\n\
         CS-1,corporate,2,2026-11-09,Fostering,ann@example.org,,,,,,\n\
         CM-1,comment,1,2026-11-02,Parks,ann@example.org,,,,,,\n\
         CS-2,send,2,2026-11-02,SEND,ann@example.org,,,,,,\n\
         CS-3,corporate,1,2026-11-02,Parks,ann@example.org,,,2026-12-01,,,\n\
         CS-4,corporate,1,2026-11-02,Parks,ann@example.org,,,,,upheld,\n"
    );
    let found = problems(&csv);
    for want in [
        "cases.csv:3: kind: corporate here, but statutory on line 2",
        "cases.csv:4: stage: comment records have no stage",
        "cases.csv:5: stage: send complaints have no stage 2 under their procedure, send",
        "cases.csv:6: agreed_response_on: lgsco-2024 gives this stage working days",
        "cases.csv:7: responded_on: is needed with the outcome upheld",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(want)),
            "missing {want:?} in {found:#?}"
        );
    }
}

#[test]
fn missing_columns_and_wrong_cell_counts_are_named() {
    let found = problems("reference,kind,received_on\nCS-1,statutory,2026-11-02\n");
    assert_eq!(
        found,
        ["cases.csv:1: missing column(s): stage, team, manager_email"]
    );
    let found = problems(&format!("{HEADER}\nCS-1,statutory,1\n"));
    assert_eq!(found, ["cases.csv:2: has 3 cells but the header has 12"]);
}

#[test]
fn stages_group_into_cases_and_the_latest_stage_holds_the_case() {
    let csv = format!(
        "{HEADER},delay_reason_category,delay_reason\n\
         CS-1,statutory,1,2026-09-01,Fostering,ann@example.org,Delay,20,,2026-10-01,not upheld,,Staff capacity,Officer on leave\n\
         CS-2,corporate,1,2026-09-01,Parks,bo@example.org,,,,,,,,\n\
         CS-1,statutory,2,2026-10-05,Children in Care,bo@example.org,,,,,,,,\n"
    );
    let cases = cases(&csv).unwrap();
    assert_eq!(cases.len(), 2);
    let cs1 = &cases[0];
    assert_eq!(cs1.stages.len(), 2);
    assert_eq!(cs1.team.as_str(), "Children in Care");
    assert_eq!(cs1.manager.as_str(), "bo@example.org");
    assert_eq!(cs1.category.as_deref(), Some("Delay"));
    assert_eq!(cs1.stages[0].terms.working_days_allowed, Some(20));
    assert_eq!(
        cs1.stages[0].delay_reason,
        Some(("staff_capacity".to_owned(), "Officer on leave".to_owned()))
    );
    assert_eq!(cs1.stages[1].terms.working_days_allowed, Some(25));
}

#[test]
fn delay_reasons_need_text_and_a_known_category() {
    let csv = format!(
        "{HEADER},delay_reason_category,delay_reason\n\
         CS-1,statutory,1,2026-09-01,Fostering,ann@example.org,,,,,,,astrology,It was Mercury\n\
         CS-2,statutory,1,2026-09-01,Fostering,ann@example.org,,,,,,,other,\n"
    );
    let found = problems(&csv);
    assert!(
        found[0].starts_with("cases.csv:2: delay_reason_category: unknown category \"astrology\""),
        "{found:?}"
    );
    assert_eq!(
        found[1],
        "cases.csv:3: delay_reason: is needed with delay_reason_category"
    );
    let csv = format!(
        "{HEADER},delay_reason\nCS-1,statutory,1,2026-09-01,Fostering,ann@example.org,,,,,,,Waiting for the GP\n"
    );
    let reason = cases(&csv).unwrap()[0].stages[0].delay_reason.clone();
    assert_eq!(
        reason,
        Some(("other".to_owned(), "Waiting for the GP".to_owned()))
    );
}

#[test]
fn staff_rows_are_checked_whole() {
    let csv = "email,name,team,escalation_email\n\
               ann@example.org,Ann Lee,Fostering,head@example.org\n\
               bo@example,Bo,Parks,\n\
               ANN@example.org,Ann again,Parks,\n\
               cy@example.org,,Parks,cy@example.org\n";
    let err = parse_staff("staff.csv", csv.as_bytes()).unwrap_err();
    let found: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("staff.csv:3: email: \"bo@example\" is not an e-mail address"));
    assert_eq!(
        found[1],
        "staff.csv:4: email: ann@example.org is also on line 2"
    );
    assert_eq!(found[2], "staff.csv:5: name: is empty");
    assert!(found[3].starts_with("staff.csv:5: escalation_email: must be someone else"));

    let ok = parse_staff(
        "staff.csv",
        "email,name,team\nann@example.org,Ann Lee,Fostering\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(ok.records[0].escalation_email, None);
    assert_eq!(ok.read_as, ReadAs::PLAIN);
    assert_eq!(ok.read_as.note(), None);
}

/// `cases(csv)` for bytes, with how the file was read.
fn cases_from(bytes: &[u8]) -> Result<Parsed<Vec<CaseRecord>>, ImportError> {
    let managers = managers();
    let timescales = Timescales::default();
    let reasons = DelayReasons::default();
    let ctx = CaseContext {
        managers: &managers,
        timescales: &timescales,
        reasons: &reasons,
        today: date("2026-11-25"),
    };
    parse_cases("cases.csv", bytes, &ctx)
}

/// Three good rows and a bad one after them, in `ending`'s line endings;
/// the second row's learning runs over three lines.
fn rows_then_a_bad_one(ending: &str) -> String {
    [
        HEADER,
        "CS-1,statutory,1,2026-11-02,Fostering,ann@example.org,,,,,,plain",
        "CS-2,statutory,1,2026-11-02,Fostering,ann@example.org,,,,,,\"one",
        "two",
        "three\"",
        "CS-3,statutory,1,2026-11-02,Fostering,ann@example.org,,,,,,",
        "CS-4,statutory,9,2026-11-02,Fostering,ann@example.org,,,,,,",
        "",
    ]
    .join(ending)
}

#[test]
fn errors_name_the_editors_line_whatever_the_line_endings() {
    for ending in ["\n", "\r\n", "\r"] {
        let found = problems(&rows_then_a_bad_one(ending));
        assert_eq!(
            found,
            ["cases.csv:7: stage: stage 9 is out of range 1-3"],
            "{ending:?}"
        );
    }
    // Blank lines are skipped but still counted, and a short row is named
    // at its own line after them.
    let csv = format!(
        "{HEADER}\r\n\r\nCS-1,statutory,1,2026-11-02,Fostering,ann@example.org,,,,,,\r\n\r\nCS-2,statutory\r\n"
    );
    assert_eq!(
        problems(&csv),
        ["cases.csv:5: has 2 cells but the header has 12"]
    );
}

#[test]
fn windows_1252_is_read_and_said() {
    let mut bytes = format!("{HEADER}\r\nCS-1,statutory,1,2026-11-02,Caf").into_bytes();
    bytes.extend_from_slice(b"\xe9 \xa3,ann@example.org,,,,,,The council\x92s letter\r\n");
    let parsed = cases_from(&bytes).unwrap();
    let case = &parsed.records[0];
    assert_eq!(case.team.as_str(), "Café £");
    assert_eq!(
        case.stages[0].learning.as_deref(),
        Some("The council’s letter")
    );
    assert_eq!(
        parsed.read_as.note().as_deref(),
        Some("read as Windows-1252 (Excel's \"CSV (Comma delimited)\")")
    );
}

#[test]
fn excels_unicode_text_is_utf16_with_tabs() {
    let text = format!(
        "{}\r\nCS-1\tstatutory\t1\t2026-11-02\tCafé\tann@example.org\r\n",
        CASE_REQUIRED.join("\t")
    );
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let parsed = cases_from(&bytes).unwrap();
    assert_eq!(parsed.records[0].team.as_str(), "Café");
    assert_eq!(
        parsed.read_as,
        ReadAs {
            encoding: Encoding::Utf16Le,
            delimiter: Delimiter::Tab
        }
    );
    assert_eq!(
        parsed.read_as.note().as_deref(),
        Some("read as UTF-16LE (Excel's \"Unicode Text\"), cells separated by tabs")
    );
}

#[test]
fn semicolons_are_found_from_the_header() {
    // A European Excel: semicolons between cells, commas inside them.
    let csv = format!(
        "{}\nCS-1;statutory;1;2026-11-02;Parks, north;ann@example.org;Delay, and more\n",
        CASE_COLUMNS[..7].join(";")
    );
    let parsed = cases_from(csv.as_bytes()).unwrap();
    let case = &parsed.records[0];
    assert_eq!(case.team.as_str(), "Parks, north");
    assert_eq!(case.category.as_deref(), Some("Delay, and more"));
    assert_eq!(parsed.read_as.delimiter, Delimiter::Semicolon);
    assert_eq!(
        parsed.read_as.note().as_deref(),
        Some("read as UTF-8, cells separated by semicolons")
    );
    // A comma file missing a column is still read with commas, and says so.
    let found = problems("reference;kind,stage,received_on,team,manager_email\n");
    assert_eq!(found, ["cases.csv:1: missing column(s): reference, kind"]);
}

#[test]
fn files_in_no_encoding_we_read_are_refused_saying_so() {
    let mut workbook = b"PK\x03\x04".to_vec();
    workbook.extend_from_slice(&[0; 40]);
    let err = cases_from(&workbook).unwrap_err().to_string();
    assert!(
        err.starts_with("cases.csv: is an Excel workbook (.xlsx)")
            && err.ends_with("\"CSV UTF-8 (Comma delimited)\""),
        "{err}"
    );
    let mut undefined = format!("{HEADER}\nCS-1,statutory,1,2026-11-02,Parks").into_bytes();
    undefined.extend_from_slice(b"\x8f,ann@example.org,,,,,,\n");
    let err = cases_from(&undefined).unwrap_err().to_string();
    assert!(
        err.starts_with("cases.csv:2: byte 0x8F is neither UTF-8 nor Windows-1252"),
        "{err}"
    );
    assert!(!err.contains("control character"), "{err}");
    let utf16_without_bom: Vec<u8> = HEADER.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let err = cases_from(&utf16_without_bom).unwrap_err().to_string();
    assert!(
        err.starts_with("cases.csv:1: contains NUL bytes") && err.contains("UTF-16"),
        "{err}"
    );
}

#[test]
fn acknowledgements_come_between_receipt_and_response() {
    let csv = "reference,kind,stage,received_on,team,manager_email,responded_on,outcome,acknowledged_on\n\
               HO-1,housing,1,2026-11-02,Homes,ann@example.org,,,2026-11-04\n\
               HO-2,housing,1,2026-11-02,Homes,ann@example.org,,,2026-10-30\n\
               HO-3,housing,1,2026-11-02,Homes,ann@example.org,2026-11-10,upheld,2026-11-12\n\
               HO-4,housing,1,2026-11-02,Homes,ann@example.org,,,2026-11-26\n\
               CM-5,comment,,2026-11-02,Homes,ann@example.org,,,2026-11-04\n";
    let found = problems(csv);
    assert_eq!(
        found,
        [
            "cases.csv:3: acknowledged_on: 2026-10-30 is before the stage was received (2026-11-02)",
            "cases.csv:4: acknowledged_on: 2026-11-12 is after the response (2026-11-10)",
            "cases.csv:5: acknowledged_on: 2026-11-26 is in the future (today is 2026-11-25)",
            "cases.csv:6: acknowledged_on: comment records are not acknowledged; leave it blank",
        ]
    );
    let good = cases(&csv.lines().take(2).collect::<Vec<_>>().join("\n")).unwrap();
    let stage = &good[0].stages[0];
    assert_eq!(stage.acknowledged_on, Some(date("2026-11-04")));
    assert_eq!(stage.terms.procedure, Some(Preset::HousingOmbudsman2024));
    assert_eq!(stage.terms.acknowledge_within, Some(5));
}

#[test]
fn an_extension_beyond_the_procedures_cap_names_both() {
    let csv = format!(
        "{HEADER}\n\
         HO-1,housing,1,2026-11-02,Homes,ann@example.org,,21,,,,\n"
    );
    assert_eq!(
        problems(&csv),
        [
            "cases.csv:2: extended_working_days: extension to 21 working days is above the cap of 20 for housing stage 1 under housing-ombudsman-2024"
        ]
    );
}
