//! `casewatch reason`: a reason for a delay given by phone or e-mail,
//! recorded by the complaints team.

use std::io::Write;

use anyhow::anyhow;
use chrono::{NaiveDate, Utc};

use super::Failure;
use crate::domain::{Reference, Stage, Via};
use crate::settings::Settings;
use crate::store::{NewReason, Store};
use crate::views::pages::MAX_TEXT;

pub(super) struct Given {
    pub reference: String,
    pub stage: u8,
    pub category: String,
    pub text: String,
    pub expected: Option<NaiveDate>,
    pub given_by: Option<String>,
}

pub(super) async fn record(settings: &Settings, given: Given) -> Result<(), Failure> {
    let bad = |message: String| Failure::bad_input(anyhow!(message));
    let reference =
        Reference::parse(&given.reference).map_err(|e| bad(format!("REFERENCE: {e}")))?;
    let stage = Stage::new(given.stage).map_err(|e| bad(format!("--stage: {e}")))?;
    let category = settings
        .delay_reasons
        .find(&given.category)
        .ok_or_else(|| {
            bad(format!(
                "--category: {:?} is not a reason category; use one of {}",
                given.category,
                settings.delay_reasons.names().join(", ")
            ))
        })?;
    let text = given.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(bad(format!(
            "--text: give the reason in 1 to {MAX_TEXT} characters"
        )));
    }
    let store = Store::open(&settings.database).await?;
    let found = store.find_stage(&reference, stage).await?.ok_or_else(|| {
        bad(format!(
            "there is no stage {} of case {}",
            stage.number(),
            reference.as_str()
        ))
    })?;
    // Stages already answered are accepted: reasons are often recorded after the fact.
    let reason = NewReason {
        stage_id: found.stage_id,
        category: category.name.clone(),
        text: text.to_owned(),
        expected_response_on: given.expected,
        given_by: given.given_by,
        via: Via::Cli,
    };
    let added = store.add_reason(&reason, Utc::now()).await?;
    let count = store.reasons_of(found.stage_id).await?.len();
    store.close().await;
    let what = if added {
        "reason recorded"
    } else {
        "this reason was already on record, nothing added"
    };
    writeln!(
        super::out(),
        "{} stage {}: {what} ({}); {count} reason(s) on record",
        reference.as_str(),
        stage.number(),
        category.label
    )?;
    Ok(())
}
