//! The delay-reason form: a signed link shows the stage and the reasons
//! already given, and a valid answer is added to the stage's history.
//!
//! The link works after the response too: a stage answered late is asked
//! for its reason once, and most reasons are given after the event. For a
//! stage answered on time, what is sent is kept as a note and not counted
//! as a reason for a delay (the report counts reasons for late responses
//! only).

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::AppState;
use super::forms::{
    self, Opened, complaints_team, given_on, invalid_link, refuse, render, unavailable,
};
use crate::domain::{Outcome, Via};
use crate::format::long_date;
use crate::store::{NewReason, StoredReason};
use crate::views::pages::{
    Asking, Category, DonePage, FieldError, FieldErrors, FormPage, GivenReason, MAX_TEXT,
};

/// The form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    expected_response_on: String,
    #[serde(default)]
    add_another: String,
}

pub async fn show(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let (opened, asking, given) = match open(&app, &token).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let page = form_page(&app, &opened, asking, given, &Answer::default(), Vec::new());
    render(&app, StatusCode::OK, "reason_form.html", &page)
}

pub async fn submit(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Form(answer): Form<Answer>,
) -> Response {
    let (opened, asking, given) = match open(&app, &token).await {
        Ok(found) => found,
        Err(mut refusal) => {
            if refusal.status() == StatusCode::OK {
                *refusal.status_mut() = StatusCode::CONFLICT;
            }
            return refusal;
        }
    };
    let reason = match check(&app, &opened, asking, &given, &answer) {
        Ok(reason) => reason,
        Err(errors) => {
            let page = form_page(&app, &opened, asking, given, &answer, errors);
            return render(
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "reason_form.html",
                &page,
            );
        }
    };
    let stage = &opened.target.stage;
    let new = NewReason {
        stage_id: stage.stage_id,
        category: reason.category,
        text: reason.text,
        expected_response_on: reason.expected,
        given_by: Some(opened.target.recipient.clone()),
        via: Via::Web,
    };
    let added = match app.store.add_reason(&new, Utc::now()).await {
        Ok(added) => added,
        Err(e) => {
            tracing::error!(error = %e, "cannot store a delay reason");
            return unavailable(&app);
        }
    };
    if added && asking == Asking::Overdue && given.is_empty() {
        app.health.reason_given();
    }
    tracing::info!(
        case = stage.reference.as_str(),
        added,
        "delay reason received"
    );
    let page = DonePage {
        reference: stage.reference.as_str().to_owned(),
        stage: stage.stage.number(),
        asking,
        expected_response_on: reason.expected.map(long_date),
        already: !added,
        complaints_team: complaints_team(&app),
    };
    render(&app, StatusCode::OK, "reason_done.html", &page)
}

/// The link's stage, what the form asks of it, and the reasons on record;
/// or the page refusing the link.
async fn open(
    app: &AppState,
    token: &str,
) -> Result<(Opened, Asking, Vec<StoredReason>), Response> {
    let opened = forms::open(app, token).await?;
    // A link to the learning form with its path changed.
    if opened.target.kind.asks_for_learning() {
        return Err(invalid_link(app));
    }
    let asking = asking(app, &opened).map_err(|explanation| {
        refuse(
            app,
            StatusCode::OK,
            "This complaint stage is closed",
            &format!("{explanation} If you want something recorded, tell the complaints team."),
        )
    })?;
    let given = app
        .store
        .reasons_of(opened.target.stage.stage_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the reasons given");
            unavailable(app)
        })?;
    Ok((opened, asking, given))
}

/// What the form asks for, from where the stage stands today; or why a
/// withdrawn stage, or one gone from the case system, takes no reason.
fn asking(app: &AppState, opened: &Opened) -> Result<Asking, String> {
    let s = &opened.target.stage;
    match (s.responded_on, s.outcome, s.left_source_on) {
        (None, Some(Outcome::Withdrawn), _) => {
            return Err(format!(
                "{} stage {} was withdrawn, so no reason for a delay is needed.",
                s.reference.as_str(),
                s.stage.number()
            ));
        }
        (None, _, Some(day)) => {
            return Err(format!(
                "{} stage {} has not been in the case system since {}, so casewatch no \
                 longer follows it.",
                s.reference.as_str(),
                s.stage.number(),
                long_date(day)
            ));
        }
        _ => {}
    }
    let due = forms::respond_by(app, s, &opened.calendar);
    Ok(match (s.responded_on, due) {
        (Some(day), Some(due)) if day > due => Asking::AnsweredLate,
        (Some(_), _) => Asking::Note,
        (None, Some(due)) if due < opened.today => Asking::Overdue,
        (None, _) => Asking::NotYetDue,
    })
}

/// The checked answer.
struct Reason {
    category: String,
    text: String,
    expected: Option<NaiveDate>,
}

fn check(
    app: &AppState,
    opened: &Opened,
    asking: Asking,
    given: &[StoredReason],
    answer: &Answer,
) -> Result<Reason, Vec<FieldError>> {
    let loaded = app.live.current();
    let settings = &loaded.settings;
    let mut errors = Vec::new();
    let category = settings
        .delay_reasons
        .find(&answer.category)
        .map(|c| c.name.clone());
    if category.is_none() {
        errors.push(FieldError {
            field: "category",
            message: match asking {
                Asking::Note => "Choose what the note is about".to_owned(),
                _ => "Choose the main reason for the delay".to_owned(),
            },
        });
    }
    let text = forms::required_text(
        &answer.text,
        "text",
        settings.delay_reasons.min_text_length,
        "Say what has held the response up",
        &mut errors,
    );
    // Only a response still to come has a date to expect.
    let expected = match asking {
        Asking::Overdue | Asking::NotYetDue => forms::working_day_from_today(
            &answer.expected_response_on,
            "expected_response_on",
            &opened.calendar,
            opened.today,
            &mut errors,
        ),
        Asking::AnsweredLate | Asking::Note => None,
    };
    let Some(category) = category.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let repeated = given
        .iter()
        .any(|g| g.category == category && g.text == text);
    if !given.is_empty() && !repeated && answer.add_another != "yes" {
        return Err(vec![FieldError {
            field: "add_another",
            message: "A reason has already been given for this stage: tick the box to add this \
                      one as well"
                .to_owned(),
        }]);
    }
    Ok(Reason {
        category,
        text,
        expected,
    })
}

fn form_page(
    app: &AppState,
    opened: &Opened,
    asking: Asking,
    given: Vec<StoredReason>,
    answer: &Answer,
    errors: Vec<FieldError>,
) -> FormPage {
    let loaded = app.live.current();
    let settings = &loaded.settings;
    let s = &opened.target.stage;
    let due = forms::respond_by(app, s, &opened.calendar);
    let label = |name: &str| {
        settings
            .delay_reasons
            .find(name)
            .map_or_else(|| name.to_owned(), |c| c.label.clone())
    };
    FormPage {
        stage: forms::facts(s, due, &opened.calendar, opened.today),
        asking,
        given: given
            .into_iter()
            .map(|g| GivenReason {
                category: label(&g.category),
                text: g.text,
                expected_response_on: g.expected_response_on.map(long_date),
                given_on: given_on(g.given_at),
            })
            .collect(),
        categories: settings
            .delay_reasons
            .categories
            .iter()
            .map(|c| Category {
                name: c.name.clone(),
                label: c.label.clone(),
            })
            .collect(),
        category: settings
            .delay_reasons
            .find(&answer.category)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        text: answer.text.clone(),
        expected_response_on: answer.expected_response_on.clone(),
        add_another: answer.add_another == "yes",
        example_date: forms::example_date(&opened.calendar, opened.today),
        min_text: settings.delay_reasons.min_text_length,
        max_text: MAX_TEXT,
        error_for: FieldErrors::from_list(&errors),
        errors,
        complaints_team: settings.mail.complaints_team.to_string(),
    }
}
