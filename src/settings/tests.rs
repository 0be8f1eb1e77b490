use super::*;
use crate::timescale::{Extension, Preset};

fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn defaults_alone_are_valid() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.data_dir, PathBuf::from("./data"));
    assert!(
        matches!(&s.database.url, DatabaseUrl::Sqlite(p) if p == Path::new("./data/casewatch.db"))
    );
    assert_eq!(s.timescales, Timescales::default());
    assert_eq!(s.delay_reasons.categories.len(), 7);
    assert_eq!(
        s.delay_reasons.find("Sign-off").unwrap().label,
        "Sign-off delay"
    );
}

#[test]
fn environment_overrides_and_strings_become_numbers() {
    let s = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__DATABASE__MAX_CONNECTIONS", "12"),
            (
                "CASEWATCH__TIMESCALES__CORPORATE__STAGE3__WORKING_DAYS",
                "15",
            ),
            ("CASEWATCH__DATA_DIR", "/var/lib/casewatch"),
        ]),
    )
    .unwrap();
    assert_eq!(s.database.max_connections, 12);
    let stage3 = s.timescales.corporate.current.stages[2].unwrap();
    assert_eq!(stage3.working_days(), Some(15));
    assert_eq!(s.data_dir, PathBuf::from("/var/lib/casewatch"));
}

#[test]
fn every_problem_is_reported_with_key_and_origin() {
    let err = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__LOG__FORMAT", "xml"),
            ("CASEWATCH__LOG__LEVELL", "debug"),
            ("CASEWATCH__DATABASE__MAX_CONNECTIONS", "many"),
            (
                "CASEWATCH__TIMESCALES__STATUTORY__STAGE1__EXTENDABLE_TO",
                "5",
            ),
        ]),
    )
    .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.problems.len(), 4, "{text}");
    assert!(
        text.contains("log.format (from environment variable CASEWATCH__LOG__FORMAT)"),
        "{text}"
    );
    assert!(
        text.contains(
            "log.levell (from environment variable CASEWATCH__LOG__LEVELL): unknown setting"
        ),
        "{text}"
    );
    assert!(text.contains("database.max_connections"), "{text}");
    assert!(
        text.contains("timescales.statutory.stage1.extendable_to"),
        "{text}"
    );
}

#[test]
fn database_passwords_never_show() {
    let secret = "s3cr3t-pw";
    let s = Settings::load_from(
        None,
        env(&[(
            "CASEWATCH__DATABASE__URL",
            &format!("postgres://cw:{secret}@db.example.org:5433/cw"),
        )]),
    )
    .unwrap();
    let shown = s.to_toml();
    assert!(!shown.contains(secret), "{shown}");
    assert!(
        shown.contains("postgres://cw:[redacted]@db.example.org:5433/cw"),
        "{shown}"
    );
    assert!(!format!("{s:?}").contains(secret));

    let err = Settings::load_from(
        None,
        env(&[(
            "CASEWATCH__DATABASE__URL",
            &format!("mysql://cw:{secret}@db/cw"),
        )]),
    )
    .unwrap_err();
    assert!(!err.to_string().contains(secret), "{err}");
    assert!(err.to_string().contains("database.url"), "{err}");
}

#[test]
fn syntax_errors_name_the_place_but_do_not_quote_the_line() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[database]\nurl = \"postgres://u:pw-in-file@h/db\n").unwrap();
    let err = Settings::load_from(Some(&path), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2"), "{err}");
    assert!(!err.contains("pw-in-file"), "{err}");
}

#[test]
fn a_missing_settings_file_is_an_error() {
    let err = settings_file(Some(PathBuf::from("/nonexistent/cw.toml")), None).unwrap_err();
    assert!(err.to_string().contains("--config"), "{err}");
    let err = settings_file(None, Some(PathBuf::from("/nonexistent/cw.toml"))).unwrap_err();
    assert!(err.to_string().contains("CASEWATCH_CONFIG"), "{err}");
}

#[test]
fn mail_and_web_secrets_are_never_shown() {
    let password = "smtp-Pa55word";
    let key = "a-link-key-that-is-long-enough-0123456789";
    let s = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__MAIL__SMTP__USERNAME", "casewatch"),
            ("CASEWATCH__MAIL__SMTP__PASSWORD", password),
            ("CASEWATCH__WEB__LINK_KEYS", &format!("{key},{key}-older")),
        ]),
    )
    .unwrap();
    assert_eq!(s.web.link_keys.len(), 2);
    let shown = format!("{}{s:?}", s.to_toml());
    assert!(!shown.contains(password) && !shown.contains(key), "{shown}");
    assert!(shown.contains("password = \"[redacted]\""), "{shown}");

    let err = Settings::load_from(None, env(&[("CASEWATCH__WEB__LINK_KEYS", "short-secret")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("web.link_keys") && err.contains("at least 32"),
        "{err}"
    );
    assert!(!err.contains("short-secret"), "{err}");
}

#[test]
fn smtp_needs_real_addresses_and_both_credentials() {
    let err = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__MAIL__TRANSPORT", "smtp"),
            ("CASEWATCH__MAIL__SMTP__USERNAME", "casewatch"),
            ("CASEWATCH__MAIL__WINDOW_START", "8am"),
            ("CASEWATCH__WEB__PUBLIC_URL", "ftp://casewatch"),
        ]),
    )
    .unwrap_err()
    .to_string();
    for want in [
        "mail.from (from built-in defaults): casewatch@council.example is the example address",
        "mail.complaints_team",
        "mail.smtp.username",
        "mail.window_start (from environment variable CASEWATCH__MAIL__WINDOW_START): \"8am\" is not a time",
        "web.public_url",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
}

#[test]
fn log_levels_are_the_usual_words_in_any_case() {
    let level = |raw: &str| {
        Settings::load_from(None, env(&[("CASEWATCH__LOG__LEVEL", raw)]))
            .map(|s| s.log.level)
            .map_err(|e| e.to_string())
    };
    for (raw, want) in [
        ("warning", "warn"),
        ("WARNING", "warn"),
        ("Warn", "warn"),
        ("error", "error"),
        ("INFO", "info"),
        ("debug", "debug"),
        ("trace", "trace"),
        // Filters still work, their levels spelt either way.
        ("info,sqlx=warning", "info,sqlx=warn"),
        ("info, casewatch::mail=DEBUG", "info,casewatch::mail=debug"),
    ] {
        assert_eq!(level(raw).as_deref(), Ok(want), "{raw}");
    }
    // "warning" used to pass as a filter naming a target, turning every
    // log line off; any other unknown word must not do the same.
    // Empty, as by default, leaves the level to the command.
    assert_eq!(level(" ").as_deref(), Ok(""));
    for raw in ["verbose", "info,sqlx=loud", ",", "info,[", "casewatch"] {
        let err = level(raw).unwrap_err();
        assert!(
            err.contains("log.level (from environment variable CASEWATCH__LOG__LEVEL)"),
            "{raw}: {err}"
        );
    }
    assert!(
        level("verbose")
            .unwrap_err()
            .contains("\"verbose\" is not a log level")
    );
}

#[test]
fn procedures_are_chosen_by_name_and_numbers_laid_over_them() {
    let err = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__PROCEDURES__CORPORATE", "lgsco-2025"),
            ("CASEWATCH__TIMESCALES__SEND__STAGE2__EXTENDABLE_BY", "5"),
        ]),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("procedures.corporate (from environment variable CASEWATCH__PROCEDURES__CORPORATE): unknown procedure \"lgsco-2025\"; the presets are: children-statutory-2006,"),
        "{text}"
    );
    assert!(
        text.contains("timescales.send.stage2.working_days")
            && text.contains("send has no such stage"),
        "{text}"
    );

    let s = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__PROCEDURES__CORPORATE", "spso-2020"),
            (
                "CASEWATCH__TIMESCALES__CORPORATE__STAGE1__ACKNOWLEDGE_WITHIN",
                "2",
            ),
            ("CASEWATCH__TIMESCALES__HOUSING__STAGE1__EXTENDABLE_BY", "5"),
        ]),
    )
    .unwrap();
    let corporate = &s.timescales.corporate;
    assert_eq!(corporate.current.preset, Preset::Spso2020);
    assert_eq!(corporate.before, None, "spso-2020 governs every stage");
    let stage1 = corporate.current.stages[0].unwrap();
    assert_eq!(
        (stage1.working_days(), stage1.acknowledge_within),
        (Some(5), Some(2))
    );
    let housing = s.timescales.housing.current.stages[0].unwrap();
    assert_eq!(housing.extension, Extension::More(5));
    assert_eq!(housing.working_days(), Some(10));
}

#[test]
fn xoauth2_needs_its_app_registration_and_keeps_its_secret() {
    let err = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__MAIL__SMTP__AUTH", "xoauth2"),
            (
                "CASEWATCH__MAIL__SMTP__USERNAME",
                "casewatch@northmere.gov.uk",
            ),
        ]),
    )
    .unwrap_err()
    .to_string();
    for key in [
        "mail.oauth2.tenant",
        "mail.oauth2.client_id",
        "mail.oauth2.client_secret",
    ] {
        assert!(err.contains(key), "no {key} in {err}");
    }
    let secret = "client-secret-Value~1";
    let s = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__MAIL__SMTP__AUTH", "xoauth2"),
            (
                "CASEWATCH__MAIL__SMTP__USERNAME",
                "casewatch@northmere.gov.uk",
            ),
            (
                "CASEWATCH__MAIL__OAUTH2__TENANT",
                "northmere.onmicrosoft.com",
            ),
            ("CASEWATCH__MAIL__OAUTH2__CLIENT_ID", "6f1c0d2e"),
            ("CASEWATCH__MAIL__OAUTH2__CLIENT_SECRET", secret),
        ]),
    )
    .unwrap();
    assert_eq!(
        s.mail.oauth2.token_url.as_ref().map(url::Url::as_str),
        Some("https://login.microsoftonline.com/northmere.onmicrosoft.com/oauth2/v2.0/token")
    );
    let shown = format!("{}{s:?}", s.to_toml());
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("client_secret = \"[redacted]\""), "{shown}");
    // A password is not used with XOAUTH2.
    let err = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__MAIL__SMTP__AUTH", "xoauth2"),
            (
                "CASEWATCH__MAIL__SMTP__USERNAME",
                "casewatch@northmere.gov.uk",
            ),
            ("CASEWATCH__MAIL__SMTP__PASSWORD", "old-Pa55"),
            (
                "CASEWATCH__MAIL__OAUTH2__TENANT",
                "northmere.onmicrosoft.com",
            ),
            ("CASEWATCH__MAIL__OAUTH2__CLIENT_ID", "6f1c0d2e"),
            ("CASEWATCH__MAIL__OAUTH2__CLIENT_SECRET", secret),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("mail.smtp.password") && !err.contains("old-Pa55"),
        "{err}"
    );
}

#[test]
fn report_rates_are_not_set_by_default_and_zero_or_empty_unsets_them() {
    let s = Settings::load_from(None, env(&[])).unwrap();
    assert_eq!(s.report, ReportSettings::default());
    let s = Settings::load_from(
        None,
        env(&[
            ("CASEWATCH__REPORT__CONTACTS", "125,000"),
            ("CASEWATCH__REPORT__POPULATION", "0"),
        ]),
    )
    .unwrap();
    assert_eq!(s.report.contacts, Some(125_000));
    assert_eq!(s.report.population, None);
    let s = Settings::load_from(None, env(&[("CASEWATCH__REPORT__CONTACTS", "")])).unwrap();
    assert_eq!(s.report.contacts, None);
    let err = Settings::load_from(None, env(&[("CASEWATCH__REPORT__POPULATION", "lots")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("report.population"), "{err}");
}
