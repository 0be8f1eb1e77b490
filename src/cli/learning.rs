//! `casewatch add-learning`: learning from an upheld complaint, and the
//! action it leads to, recorded by the complaints team.

use std::io::Write;

use anyhow::anyhow;
use chrono::{NaiveDate, Utc};

use super::Failure;
use crate::domain::{Email, Reference, Stage, Via};
use crate::settings::Settings;
use crate::store::{NewLearning, Store};
use crate::views::pages::MAX_TEXT;

pub(super) struct Given {
    pub reference: String,
    pub stage: u8,
    pub text: String,
    pub action: Option<String>,
    pub owner: Option<String>,
    pub action_due: Option<NaiveDate>,
    pub given_by: Option<String>,
}

fn bad(message: String) -> Failure {
    Failure::bad_input(anyhow!(message))
}

/// `raw` trimmed, `None` when blank; refused over [`MAX_TEXT`] characters.
fn optional_text(flag: &str, raw: Option<String>) -> Result<Option<String>, Failure> {
    let Some(text) = raw.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_TEXT {
        return Err(bad(format!("{flag}: at most {MAX_TEXT} characters")));
    }
    Ok(Some(text))
}

pub(super) async fn record(settings: &Settings, given: Given) -> Result<(), Failure> {
    let reference =
        Reference::parse(&given.reference).map_err(|e| bad(format!("REFERENCE: {e}")))?;
    let stage = Stage::new(given.stage).map_err(|e| bad(format!("--stage: {e}")))?;
    let text = given.text.trim();
    let fewest = settings.delay_reasons.min_text_length as usize;
    if text.chars().count() < fewest || text.chars().count() > MAX_TEXT {
        return Err(bad(format!(
            "--text: give the learning in {fewest} to {MAX_TEXT} characters"
        )));
    }
    let action = optional_text("--action", given.action)?;
    let owner = optional_text("--owner", given.owner)?;
    let given_by = optional_text("--given-by", given.given_by)?;
    let store = Store::open(&settings.database).await?;
    let name = format!("case {} stage {}", reference.as_str(), stage.number());
    let found = store.find_stage(&reference, stage).await?.ok_or_else(|| {
        bad(format!(
            "there is no stage {} of case {}",
            stage.number(),
            reference.as_str()
        ))
    })?;
    let upheld = found.outcome.is_some_and(|o| o.is_upheld());
    if found.responded_on.is_none() || !upheld {
        let outcome = found.outcome.map_or("no outcome", |o| o.as_str());
        return Err(bad(format!(
            "{name} was not answered upheld or partly upheld ({}, {outcome}): learning is recorded for those only",
            if found.responded_on.is_some() {
                "answered"
            } else {
                "not answered"
            }
        )));
    }
    // An owner on the staff list is reminded of the action, so is stored
    // as the address the reminders go to; anyone else only as given.
    let staff = store.staff_emails().await?;
    let known = owner
        .as_deref()
        .and_then(|o| Email::parse(o).ok())
        .filter(|e| staff.contains(e));
    let action_owner = known
        .as_ref()
        .map(|e| e.as_str().to_owned())
        .or(owner.clone());
    let learning = NewLearning {
        stage_id: found.stage_id,
        text: text.to_owned(),
        action,
        action_owner,
        action_due_on: given.action_due,
        given_by,
        via: Via::Cli,
    };
    let added = store.add_learning(&learning, Utc::now()).await?;
    let count = store.learning_of(found.stage_id).await?.len();
    store.close().await;
    let mut out = super::out();
    let what = if added {
        "learning recorded"
    } else {
        "this learning was already on record, nothing added"
    };
    writeln!(
        out,
        "{name}: {what}; {count} entr{} on record",
        if count == 1 { "y" } else { "ies" }
    )?;
    if let (Some(owner), None) = (owner, known) {
        writeln!(
            out,
            "The action's owner {owner:?} is not a member of staff by e-mail address: no reminder will go to them."
        )?;
    }
    Ok(())
}
