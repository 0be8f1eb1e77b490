//! The delay-reason form: a signed link shows the case and asks why it is
//! late; a valid answer is added to the stage's history.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::calendar::Calendar;
use crate::domain::{Outcome, Via, london_time, parse_date};
use crate::format::{long_date, status};
use crate::links::{Claims, TokenError};
use crate::store::{NewReason, ReasonTarget};
use crate::views::pages::{
    Category, DonePage, FieldError, FieldErrors, FormPage, MAX_TEXT, RefusedPage,
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
}

pub async fn show(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let (today, calendar, target) = match open(&app, &token).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    if let Some(refusal) = answered(&app, &target) {
        return refusal;
    }
    let page = form_page(
        &app,
        &target,
        &calendar,
        today,
        &Answer::default(),
        Vec::new(),
    );
    render(&app, StatusCode::OK, "reason_form.html", &page)
}

pub async fn submit(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Form(answer): Form<Answer>,
) -> Response {
    let (today, calendar, target) = match open(&app, &token).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    if let Some(mut refusal) = answered(&app, &target) {
        *refusal.status_mut() = StatusCode::CONFLICT;
        return refusal;
    }
    let reason = match check(&app, &calendar, today, &answer) {
        Ok(reason) => reason,
        Err(errors) => {
            let page = form_page(&app, &target, &calendar, today, &answer, errors);
            return render(
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "reason_form.html",
                &page,
            );
        }
    };
    let new = NewReason {
        stage_id: target.stage.stage_id,
        category: reason.category,
        text: reason.text,
        expected_response_on: reason.expected,
        given_by: Some(target.recipient.clone()),
        via: Via::Web,
    };
    if let Err(e) = app.store.add_reason(&new, Utc::now()).await {
        tracing::error!(error = %e, "cannot store a delay reason");
        return unavailable(&app);
    }
    tracing::info!(
        case = target.stage.reference.as_str(),
        "delay reason received"
    );
    let page = DonePage {
        reference: target.stage.reference.as_str().to_owned(),
        stage: target.stage.stage.number(),
        expected_response_on: reason.expected.map(long_date),
        complaints_team: app.live.current().settings.mail.complaints_team.to_string(),
    };
    render(&app, StatusCode::OK, "reason_done.html", &page)
}

/// Verifies the token and finds what it leads to, or the page refusing it.
async fn open(
    app: &AppState,
    token: &str,
) -> Result<(NaiveDate, Calendar, ReasonTarget), Response> {
    let (today, _) = london_time(Utc::now());
    let claims: Claims = app.live.current().keys.verify(token, today).map_err(|e| match e {
        TokenError::Invalid => refuse(
            app,
            StatusCode::FORBIDDEN,
            "This link is not valid",
            "The link may have been copied incompletely or changed. Open it again from the e-mail, \
             checking that the whole link was used.",
        ),
        TokenError::Expired(day) => refuse(
            app,
            StatusCode::GONE,
            "This link has expired",
            &format!(
                "Links in reminders work for a limited time; this one ended on {}.",
                long_date(day)
            ),
        ),
    })?;
    let settings = &app.live.current().settings;
    let calendar = app
        .store
        .calendar(&settings.calendar, settings.calendar.division)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the calendar");
            unavailable(app)
        })?;
    match app
        .store
        .reason_target(claims.reminder_id, claims.stage_id)
        .await
    {
        Ok(Some(target)) => Ok((today, calendar, target)),
        Ok(None) => Err(refuse(
            app,
            StatusCode::GONE,
            "This case is no longer in casewatch",
            "The reminder this link came from is no longer on record.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "cannot look up a reason link");
            Err(unavailable(app))
        }
    }
}

/// A stage already answered (or withdrawn) takes no reason through the form.
fn answered(app: &AppState, target: &ReasonTarget) -> Option<Response> {
    let s = &target.stage;
    let done = match (s.responded_on, s.outcome) {
        (Some(day), _) => format!(
            "The response for {} stage {} was sent on {}.",
            s.reference.as_str(),
            s.stage.number(),
            long_date(day)
        ),
        (None, Some(Outcome::Withdrawn)) => format!(
            "{} stage {} was withdrawn.",
            s.reference.as_str(),
            s.stage.number()
        ),
        (None, _) => return None,
    };
    Some(refuse(
        app,
        StatusCode::OK,
        "This complaint stage has been answered",
        &format!(
            "{done} No reason is needed through this form; if you want one recorded, tell the complaints team."
        ),
    ))
}

/// The checked answer.
struct Reason {
    category: String,
    text: String,
    expected: Option<NaiveDate>,
}

fn check(
    app: &AppState,
    calendar: &Calendar,
    today: NaiveDate,
    answer: &Answer,
) -> Result<Reason, Vec<FieldError>> {
    let mut errors = Vec::new();
    let category = app
        .live
        .current()
        .settings
        .delay_reasons
        .find(&answer.category)
        .map(|c| c.name.clone());
    if category.is_none() {
        errors.push(FieldError {
            field: "category",
            message: "Choose the main reason for the delay".to_owned(),
        });
    }
    let text = answer.text.trim();
    if text.is_empty() {
        errors.push(FieldError {
            field: "text",
            message: "Say what has held the response up".to_owned(),
        });
    } else if text.chars().count() > MAX_TEXT {
        errors.push(FieldError {
            field: "text",
            message: format!("Keep the explanation to {MAX_TEXT} characters or fewer"),
        });
    }
    let expected = match answer.expected_response_on.trim() {
        "" => None,
        raw => match parse_date(raw) {
            Err(_) => {
                errors.push(FieldError {
                    field: "expected_response_on",
                    message: "Enter the expected date as a real date, for example 31/12/2026"
                        .to_owned(),
                });
                None
            }
            Ok(day) if day < today => {
                errors.push(FieldError {
                    field: "expected_response_on",
                    message: "The expected date must be today or later".to_owned(),
                });
                None
            }
            Ok(day) if !calendar.is_working_day(day).unwrap_or(false) => {
                errors.push(FieldError {
                    field: "expected_response_on",
                    message: format!(
                        "{} is not a working day; choose a weekday that is not a bank holiday",
                        long_date(day)
                    ),
                });
                None
            }
            Ok(day) => Some(day),
        },
    };
    match category {
        Some(category) if errors.is_empty() => Ok(Reason {
            category,
            text: text.to_owned(),
            expected,
        }),
        _ => Err(errors),
    }
}

fn form_page(
    app: &AppState,
    target: &ReasonTarget,
    calendar: &Calendar,
    today: NaiveDate,
    answer: &Answer,
    errors: Vec<FieldError>,
) -> FormPage {
    let s = &target.stage;
    let loaded = app.live.current();
    let settings = &loaded.settings;
    let due = s
        .terms
        .deadlines(
            s.received_on,
            calendar,
            settings.timescales.agreed_default_months,
        )
        .ok()
        .and_then(|d| d.respond_by);
    let left = due.and_then(|d| calendar.working_days_between(today, d).ok());
    FormPage {
        reference: s.reference.as_str().to_owned(),
        kind: s.kind.label().to_owned(),
        stage: s.stage.number(),
        team: s.team.clone(),
        due_on: due.map_or_else(|| "none".to_owned(), long_date),
        status: left.map_or_else(String::new, status),
        reasons_given: target.reasons_given,
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
        example_date: calendar
            .deadline(today, 5)
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        max_text: MAX_TEXT,
        error_for: FieldErrors::from_list(&errors),
        errors,
        complaints_team: settings.mail.complaints_team.to_string(),
    }
}

pub(super) fn refuse(app: &AppState, code: StatusCode, title: &str, explanation: &str) -> Response {
    let page = RefusedPage {
        title: title.to_owned(),
        explanation: explanation.to_owned(),
        complaints_team: app.live.current().settings.mail.complaints_team.to_string(),
    };
    render(app, code, "refused.html", &page)
}

fn unavailable(app: &AppState) -> Response {
    refuse(
        app,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sorry, there is a problem with the service",
        "casewatch cannot reach its database just now. Try again in a few minutes.",
    )
}

fn render(app: &AppState, code: StatusCode, name: &str, page: &impl Serialize) -> Response {
    match app.live.current().templates.render(name, page) {
        Ok(html) => (code, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "casewatch could not show this page.",
            )
                .into_response()
        }
    }
}
