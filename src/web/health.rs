//! `/healthz` and `/metrics`, fed by the daemon's polls.

use std::fmt::Write;
use std::sync::Mutex;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::AppState;
use crate::feed::Freshness;
use crate::store::{OutboxStatus, RunOutcome};

/// What the last polls found, shared by the daemon and the web server.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<PollState>,
}

#[derive(Debug, Clone, Default)]
struct PollState {
    last_success: Option<DateTime<Utc>>,
    last_failed: bool,
    duration_seconds: f64,
    open: usize,
    overdue: usize,
    overdue_with_reason: usize,
    /// Why the last try at the weekly tracker failed, until one works.
    tracker_error: Option<String>,
    /// How old the case data was at the last poll.
    freshness: Option<Freshness>,
    /// The mail server's refusal of the login, until a message goes.
    login_refused: Option<String>,
}

/// One poll's figures.
#[derive(Debug, Clone, Copy)]
pub struct PollFigures {
    pub open: usize,
    pub overdue: usize,
    pub overdue_with_reason: usize,
    pub duration_seconds: f64,
}

impl Health {
    pub fn polled(&self, at: DateTime<Utc>, figures: PollFigures) {
        let mut s = self.lock();
        s.last_success = Some(at);
        s.last_failed = false;
        s.duration_seconds = figures.duration_seconds;
        s.open = figures.open;
        s.overdue = figures.overdue;
        s.overdue_with_reason = figures.overdue_with_reason;
    }

    /// A first reason was given, through the form, for a stage open past
    /// its deadline: the coverage the last poll measured rises now rather
    /// than at the next poll.
    pub fn reason_given(&self) {
        let mut s = self.lock();
        s.overdue_with_reason = (s.overdue_with_reason + 1).min(s.overdue);
    }

    /// A poll that had nothing to do (the sending window had closed).
    pub fn polled_idle(&self, at: DateTime<Utc>) {
        let mut s = self.lock();
        s.last_success = Some(at);
        s.last_failed = false;
    }

    pub fn poll_failed(&self) {
        self.lock().last_failed = true;
    }

    pub fn freshness(&self, freshness: Freshness) {
        self.lock().freshness = Some(freshness);
    }

    /// The mail server refused the login (`Some`), or a message went (`None`).
    pub fn login_refused(&self, reply: Option<String>) {
        self.lock().login_refused = reply;
    }

    pub fn tracker_made(&self) {
        self.lock().tracker_error = None;
    }

    pub fn tracker_failed(&self, error: String) {
        self.lock().tracker_error = Some(error);
    }

    fn snapshot(&self) -> PollState {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PollState> {
        // A panic elsewhere while holding the lock leaves plain numbers behind.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Serialize)]
struct Report {
    status: &'static str,
    database: String,
    last_successful_poll: Option<DateTime<Utc>>,
    last_poll_failed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracker_error: Option<String>,
    /// A feed is set and its data is older than `feed.max_age_hours`.
    feed_stale: bool,
    data_last_refreshed: Option<DateTime<Utc>>,
    /// The mail server refused casewatch's login: nothing is sent until
    /// the settings are mended.
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_auth_failed: Option<String>,
}

/// 200 when the database answers, the last poll worked and the weekly
/// tracker is not failing; 503 otherwise.
pub async fn healthz(State(app): State<AppState>) -> Response {
    let state = app.health.snapshot();
    let database = match app.store.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("unreachable: {e}"),
    };
    let feed_stale = state.freshness.is_some_and(|f| f.stale);
    let healthy = database == "ok"
        && !state.last_failed
        && state.last_success.is_some()
        && state.tracker_error.is_none()
        && state.login_refused.is_none()
        && !feed_stale;
    let report = Report {
        status: match (healthy, &state.login_refused, feed_stale) {
            (true, _, _) => "ok",
            (false, Some(_), _) => "smtp_auth_failed",
            (false, None, true) => "feed_stale",
            (false, None, false) => "unhealthy",
        },
        smtp_auth_failed: state.login_refused.clone(),
        feed_stale,
        data_last_refreshed: state.freshness.and_then(|f| f.last_refresh),
        database,
        last_successful_poll: state.last_success,
        last_poll_failed: state.last_failed,
        tracker_error: state.tracker_error,
    };
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::to_string(&report).unwrap_or_default();
    (code, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Prometheus text format.
pub async fn metrics(State(app): State<AppState>) -> Response {
    let s = app.health.snapshot();
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, value: f64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    };
    gauge(
        "casewatch_open_stages",
        "Complaint stages open at the last poll.",
        s.open as f64,
    );
    gauge(
        "casewatch_overdue_stages",
        "Open stages past their deadline at the last poll.",
        s.overdue as f64,
    );
    gauge(
        "casewatch_overdue_stages_with_reason",
        "Overdue open stages with a reason for the delay.",
        s.overdue_with_reason as f64,
    );
    let coverage = if s.overdue == 0 {
        1.0
    } else {
        s.overdue_with_reason as f64 / s.overdue as f64
    };
    gauge(
        "casewatch_reason_coverage_ratio",
        "Share of overdue open stages with a reason for the delay.",
        coverage,
    );
    gauge(
        "casewatch_poll_duration_seconds",
        "How long the last successful poll took.",
        s.duration_seconds,
    );
    gauge(
        "casewatch_last_successful_poll_timestamp_seconds",
        "When the last successful poll ran (Unix time; 0 if none yet).",
        s.last_success.map_or(0.0, |t| t.timestamp() as f64),
    );
    gauge(
        "casewatch_feed_last_success_timestamp_seconds",
        "When the case data was last refreshed by the feed or an import (Unix time; 0 if never).",
        s.freshness
            .and_then(|f| f.last_refresh)
            .map_or(0.0, |t| t.timestamp() as f64),
    );
    match app.store.feed_run_counts().await {
        Ok(counts) => {
            let _ = writeln!(
                out,
                "# HELP casewatch_feed_runs_total Feed runs (and imports by hand) by outcome.\n# TYPE casewatch_feed_runs_total counter"
            );
            for outcome in RunOutcome::ALL.map(RunOutcome::as_str) {
                let n = counts
                    .iter()
                    .find(|(o, _)| o == outcome)
                    .map_or(0, |(_, n)| *n);
                let _ = writeln!(
                    out,
                    "casewatch_feed_runs_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot count the feed runs for metrics"),
    }
    match app.store.outbox_counts().await {
        Ok(counts) => {
            let _ = writeln!(
                out,
                "# HELP casewatch_emails E-mails in the outbox by status.\n# TYPE casewatch_emails gauge"
            );
            for status in OutboxStatus::ALL.map(OutboxStatus::as_str) {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                let _ = writeln!(out, "casewatch_emails{{status=\"{status}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot count the outbox for metrics"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
