//! What the two forms behind signed links share: opening a link, the
//! stage it is about, checking free text and dates, and the pages that
//! refuse or report a problem.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::AppState;
use crate::calendar::Calendar;
use crate::domain::{london_time, parse_date};
use crate::format::{long_date, status};
use crate::links::{Claims, TokenError};
use crate::store::{ReasonTarget, StageRow};
use crate::views::pages::{FieldError, MAX_TEXT, RefusedPage, StageFacts};

/// A verified link: today, the calendar, and what the link leads to.
pub(super) struct Opened {
    pub today: NaiveDate,
    pub calendar: Calendar,
    pub target: ReasonTarget,
}

/// Verifies the token and finds what it leads to, or the page refusing it.
pub(super) async fn open(app: &AppState, token: &str) -> Result<Opened, Response> {
    let (today, _) = london_time(Utc::now());
    let claims: Claims = app
        .live
        .current()
        .keys
        .verify(token, today)
        .map_err(|e| match e {
            TokenError::Invalid => invalid_link(app),
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
        Ok(Some(target)) => Ok(Opened {
            today,
            calendar,
            target,
        }),
        Ok(None) => Err(refuse(
            app,
            StatusCode::GONE,
            "This case is no longer in casewatch",
            "The reminder this link came from is no longer on record.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "cannot look up a form link");
            Err(unavailable(app))
        }
    }
}

/// The page for a link that is not one casewatch made (or was changed).
pub(super) fn invalid_link(app: &AppState) -> Response {
    refuse(
        app,
        StatusCode::FORBIDDEN,
        "This link is not valid",
        "The link may have been copied incompletely or changed. Open it again from the e-mail, \
         checking that the whole link was used.",
    )
}

/// The stage's response deadline, if it has one.
pub(super) fn respond_by(
    app: &AppState,
    stage: &StageRow,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    let months = app.live.current().settings.timescales.agreed_default_months;
    stage
        .terms
        .deadlines(stage.received_on, calendar, months)
        .ok()
        .and_then(|d| d.respond_by)
}

/// The stage as the forms show it.
pub(super) fn facts(
    stage: &StageRow,
    due: Option<NaiveDate>,
    calendar: &Calendar,
    today: NaiveDate,
) -> StageFacts {
    let status = match (stage.responded_on, due) {
        (Some(day), Some(due)) if day > due => {
            let late = calendar.working_days_between(due, day).unwrap_or(0);
            format!(
                "Answered on {}, {late} working day{} after the deadline",
                long_date(day),
                if late == 1 { "" } else { "s" }
            )
        }
        (Some(day), _) => format!("Answered on {}", long_date(day)),
        (None, Some(due)) => calendar
            .working_days_between(today, due)
            .map(status)
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    StageFacts {
        reference: stage.reference.as_str().to_owned(),
        kind: stage.kind.label().to_owned(),
        stage: stage.stage.number(),
        team: stage.team.clone(),
        due_on: due.map_or_else(|| "none".to_owned(), long_date),
        status,
    }
}

/// A free-text field of at least `min` and at most [`MAX_TEXT`] characters.
pub(super) fn required_text(
    raw: &str,
    field: &'static str,
    min: u32,
    empty: &str,
    errors: &mut Vec<FieldError>,
) -> String {
    let text = raw.trim();
    let count = text.chars().count();
    let message = if text.is_empty() {
        empty.to_owned()
    } else if count < usize::try_from(min).unwrap_or(usize::MAX) {
        format!("Give a few more words: at least {min} characters")
    } else if count > MAX_TEXT {
        format!("Keep this to {MAX_TEXT} characters or fewer")
    } else {
        return text.to_owned();
    };
    errors.push(FieldError { field, message });
    String::new()
}

/// An optional free-text field of at most [`MAX_TEXT`] characters.
pub(super) fn optional_text(
    raw: &str,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let text = raw.trim();
    if text.chars().count() > MAX_TEXT {
        errors.push(FieldError {
            field,
            message: format!("Keep this to {MAX_TEXT} characters or fewer"),
        });
        return None;
    }
    (!text.is_empty()).then(|| text.to_owned())
}

/// An optional date that must be a working day from today on.
pub(super) fn working_day_from_today(
    raw: &str,
    field: &'static str,
    calendar: &Calendar,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let message = match parse_date(raw) {
        Err(_) => format!(
            "Enter a real date, for example {}",
            example_date(calendar, today)
        ),
        Ok(day) if day < today => "The date must be today or later".to_owned(),
        Ok(day) if !calendar.is_working_day(day).unwrap_or(false) => format!(
            "{} is not a working day; choose a weekday that is not a bank holiday",
            long_date(day)
        ),
        Ok(day) => return Some(day),
    };
    errors.push(FieldError { field, message });
    None
}

/// A date a week of working days on, written as the hints write dates:
/// "11 December 2026", which no reader takes for the 12th of November.
pub(super) fn example_date(calendar: &Calendar, today: NaiveDate) -> String {
    calendar
        .deadline(today, 5)
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_default()
}

/// The day a reason or learning was given, in London.
pub(super) fn given_on(at: chrono::DateTime<Utc>) -> String {
    long_date(london_time(at).0)
}

pub(super) fn refuse(app: &AppState, code: StatusCode, title: &str, explanation: &str) -> Response {
    let page = RefusedPage {
        title: title.to_owned(),
        explanation: explanation.to_owned(),
        complaints_team: complaints_team(app),
    };
    render(app, code, "refused.html", &page)
}

pub(super) fn unavailable(app: &AppState) -> Response {
    refuse(
        app,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sorry, there is a problem with the service",
        "casewatch cannot reach its database just now. Try again in a few minutes.",
    )
}

pub(super) fn complaints_team(app: &AppState) -> String {
    app.live.current().settings.mail.complaints_team.to_string()
}

pub(super) fn render(
    app: &AppState,
    code: StatusCode,
    name: &str,
    page: &impl Serialize,
) -> Response {
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
