//! The web server inside `run`: the delay-reason and learning forms behind
//! signed links, `/healthz` and `/metrics`.

mod forms;
pub mod health;
pub mod learning;
pub mod reasons;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;

pub use health::Health;

use crate::live::Live;
use crate::store::Store;

/// The form is a few fields; anything much larger is not a manager typing.
pub const BODY_LIMIT: usize = 16 * 1024;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The settings, templates and link keys in force (SIGHUP replaces them).
    pub live: Live,
    pub health: Arc<Health>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/reasons/{token}", get(reasons::show).post(reasons::submit))
        .route(
            "/learning/{token}",
            get(learning::show).post(learning::submit),
        )
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn not_found() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "Not found. Links to casewatch come in reminder e-mails.\n",
    )
}

/// On every response: no scripts, no framing, no referrer (the token is in
/// the address), nothing cached.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
