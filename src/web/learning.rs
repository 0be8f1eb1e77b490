//! The learning form: a signed link in a request for learning shows an
//! upheld or partly upheld stage and the learning already recorded; a
//! valid answer (what was learnt, and optionally an action, its owner and
//! its date) is added to the stage's history, never over what was said.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::AppState;
use super::forms::{
    self, Opened, complaints_team, given_on, invalid_link, refuse, render, unavailable,
};
use crate::domain::{Email, Outcome, Via};
use crate::format::long_date;
use crate::store::{NewLearning, StoredLearning};
use crate::views::pages::{
    FieldError, FieldErrors, GivenLearning, LearningDonePage, LearningPage, MAX_TEXT,
};

/// The form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    #[serde(default)]
    text: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    action_owner: String,
    #[serde(default)]
    action_due_on: String,
    #[serde(default)]
    add_another: String,
}

pub async fn show(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let (opened, given) = match open(&app, &token).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let page = form_page(&app, &opened, given, &Answer::default(), Vec::new());
    render(&app, StatusCode::OK, "learning_form.html", &page)
}

pub async fn submit(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Form(answer): Form<Answer>,
) -> Response {
    let (opened, given) = match open(&app, &token).await {
        Ok(found) => found,
        Err(mut refusal) => {
            if refusal.status() == StatusCode::OK {
                *refusal.status_mut() = StatusCode::CONFLICT;
            }
            return refusal;
        }
    };
    let checked = match check(&app, &opened, &given, &answer) {
        Ok(checked) => checked,
        Err(errors) => {
            let page = form_page(&app, &opened, given, &answer, errors);
            return render(
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "learning_form.html",
                &page,
            );
        }
    };
    let owner = match owner(&app, checked.owner.as_deref()).await {
        Ok(owner) => owner,
        Err(refusal) => return refusal,
    };
    let stage = &opened.target.stage;
    let new = NewLearning {
        stage_id: stage.stage_id,
        text: checked.text,
        action: checked.action,
        action_owner: owner.stored(),
        action_due_on: checked.due,
        given_by: Some(opened.target.recipient.clone()),
        via: Via::Web,
    };
    let added = match app.store.add_learning(&new, Utc::now()).await {
        Ok(added) => added,
        Err(e) => {
            tracing::error!(error = %e, "cannot store learning");
            return unavailable(&app);
        }
    };
    tracing::info!(case = stage.reference.as_str(), added, "learning received");
    let page = LearningDonePage {
        reference: stage.reference.as_str().to_owned(),
        stage: stage.stage.number(),
        action_due_on: checked.due.map(long_date),
        reminded: match &owner {
            Owner::Staff(email) => Some(email.to_string()),
            _ => None,
        },
        not_reminded: match owner {
            Owner::Unknown(text) => Some(text),
            _ => None,
        },
        already: !added,
        complaints_team: complaints_team(&app),
    };
    render(&app, StatusCode::OK, "learning_done.html", &page)
}

/// The link's stage and the learning on record; or the page refusing the
/// link (a reason link with its path changed, or a stage not upheld).
async fn open(app: &AppState, token: &str) -> Result<(Opened, Vec<StoredLearning>), Response> {
    let opened = forms::open(app, token).await?;
    if !opened.target.kind.asks_for_learning() {
        return Err(invalid_link(app));
    }
    let s = &opened.target.stage;
    if outcome_words(s.outcome).is_none() || s.responded_on.is_none() {
        return Err(refuse(
            app,
            StatusCode::OK,
            "No learning is asked for this stage",
            &format!(
                "The case system no longer shows {} stage {} as answered upheld or partly \
                 upheld, so casewatch is not asking for its learning.",
                s.reference.as_str(),
                s.stage.number()
            ),
        ));
    }
    let given = app.store.learning_of(s.stage_id).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the learning given");
        unavailable(app)
    })?;
    Ok((opened, given))
}

fn outcome_words(outcome: Option<Outcome>) -> Option<&'static str> {
    match outcome {
        Some(Outcome::Upheld) => Some("upheld"),
        Some(Outcome::PartiallyUpheld) => Some("partly upheld"),
        _ => None,
    }
}

/// The checked answer; the owner is looked up apart.
struct Checked {
    text: String,
    action: Option<String>,
    owner: Option<String>,
    due: Option<NaiveDate>,
}

fn check(
    app: &AppState,
    opened: &Opened,
    given: &[StoredLearning],
    answer: &Answer,
) -> Result<Checked, Vec<FieldError>> {
    let min = app.live.current().settings.delay_reasons.min_text_length;
    let mut errors = Vec::new();
    let text = forms::required_text(
        &answer.text,
        "text",
        min,
        "Say what the service has learnt",
        &mut errors,
    );
    let action = forms::optional_text(&answer.action, "action", &mut errors);
    let owner = forms::optional_text(&answer.action_owner, "action_owner", &mut errors);
    let due = forms::working_day_from_today(
        &answer.action_due_on,
        "action_due_on",
        &opened.calendar,
        opened.today,
        &mut errors,
    );
    if action.is_none() && (owner.is_some() || due.is_some()) {
        errors.push(FieldError {
            field: "action",
            message: "Say what the action is, or leave its owner and date empty".to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let repeated = given.iter().any(|g| g.text == text && g.action == action);
    if !given.is_empty() && !repeated && answer.add_another != "yes" {
        return Err(vec![FieldError {
            field: "add_another",
            message: "Learning has already been recorded for this stage: tick the box to add \
                      this as well"
                .to_owned(),
        }]);
    }
    Ok(Checked {
        text,
        action,
        owner,
        due,
    })
}

/// Who owns an action: a member of staff (reminded when it is due), or a
/// name or address casewatch does not know (kept as written).
enum Owner {
    None,
    Staff(Email),
    Unknown(String),
}

impl Owner {
    fn stored(&self) -> Option<String> {
        match self {
            Self::None => None,
            Self::Staff(email) => Some(email.to_string()),
            Self::Unknown(text) => Some(text.clone()),
        }
    }
}

async fn owner(app: &AppState, given: Option<&str>) -> Result<Owner, Response> {
    let Some(given) = given else {
        return Ok(Owner::None);
    };
    let Ok(email) = Email::parse(given) else {
        return Ok(Owner::Unknown(given.to_owned()));
    };
    match app.store.is_staff(email.as_str()).await {
        Ok(true) => Ok(Owner::Staff(email)),
        Ok(false) => Ok(Owner::Unknown(given.to_owned())),
        Err(e) => {
            tracing::error!(error = %e, "cannot look up an action's owner");
            Err(unavailable(app))
        }
    }
}

fn form_page(
    app: &AppState,
    opened: &Opened,
    given: Vec<StoredLearning>,
    answer: &Answer,
    errors: Vec<FieldError>,
) -> LearningPage {
    let loaded = app.live.current();
    let settings = &loaded.settings;
    let s = &opened.target.stage;
    let due = forms::respond_by(app, s, &opened.calendar);
    LearningPage {
        stage: forms::facts(s, due, &opened.calendar, opened.today),
        outcome: outcome_words(s.outcome).unwrap_or("upheld").to_owned(),
        given: given
            .into_iter()
            .map(|g| GivenLearning {
                text: g.text,
                action: g.action,
                action_owner: g.action_owner,
                action_due_on: g.action_due_on.map(long_date),
                given_on: given_on(g.given_at),
            })
            .collect(),
        text: answer.text.clone(),
        action: answer.action.clone(),
        action_owner: answer.action_owner.clone(),
        action_due_on: answer.action_due_on.clone(),
        add_another: answer.add_another == "yes",
        example_date: forms::example_date(&opened.calendar, opened.today),
        min_text: settings.delay_reasons.min_text_length,
        max_text: MAX_TEXT,
        error_for: FieldErrors::from_list(&errors),
        errors,
        complaints_team: settings.mail.complaints_team.to_string(),
    }
}
