//! Sending as a Microsoft 365 mailbox with OAuth2 (SMTP's XOAUTH2): a real
//! SMTP server (aiosmtpd, taking XOAUTH2 logins as Exchange Online does)
//! and, standing in for Microsoft Entra ID's token endpoint, which these
//! machines cannot reach, a local HTTP server that answers the documented
//! request and replies of the client-credentials grant.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use casewatch::calendar::{Calendar, Division};
use casewatch::domain::london_instant;
use casewatch::mail::{SendReport, Sender, Transport};
use casewatch::settings::Settings;
use casewatch::store::{NewMessage, OutboxStatus, Store};
use chrono::{DateTime, NaiveTime, Utc};

use crate::helpers::TestDb;
use crate::mail::tls_files;
use crate::smtp::SmtpServer;

const MAILBOX: &str = "casewatch@northmere.gov.uk";
const SECRET: &str = "s3cret-client-value~Q8";

/// What the stand-in token endpoint answers next.
#[derive(Clone, Copy)]
enum Answer {
    /// A token, valid this many seconds.
    Token { expires_in: u64 },
    /// 400 `invalid_client`, as Entra ID answers a wrong secret.
    InvalidClient,
    /// 200 with no `access_token`.
    NoToken,
    /// 200 with an HTML page.
    NotJson,
    /// A token, after this long.
    Slow(Duration),
}

struct Endpoint {
    answer: Answer,
    /// Each request's form fields.
    asked: Vec<HashMap<String, String>>,
    issued: usize,
    /// The tokens the SMTP server accepts, one per line.
    tokens: PathBuf,
}

type Shared = Arc<Mutex<Endpoint>>;

async fn token(
    State(endpoint): State<Shared>,
    form: axum::Form<HashMap<String, String>>,
) -> Response {
    let answer = {
        let mut e = endpoint.lock().unwrap();
        e.asked.push(form.0);
        e.answer
    };
    let json = |status: StatusCode, body: serde_json::Value| {
        (
            status,
            [("content-type", "application/json")],
            body.to_string(),
        )
            .into_response()
    };
    match answer {
        Answer::Token { expires_in } => issue(&endpoint, expires_in, json),
        Answer::Slow(wait) => {
            tokio::time::sleep(wait).await;
            issue(&endpoint, 3599, json)
        }
        Answer::InvalidClient => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 0b1f\r\nCorrelation ID: 77e2\r\nTimestamp: 2026-11-30 08:00:00Z",
                "error_codes": [7000215],
            }),
        ),
        Answer::NoToken => json(StatusCode::OK, serde_json::json!({"token_type": "Bearer"})),
        Answer::NotJson => (StatusCode::OK, "<html>Sign in</html>").into_response(),
    }
}

fn issue(
    endpoint: &Shared,
    expires_in: u64,
    json: impl Fn(StatusCode, serde_json::Value) -> Response,
) -> Response {
    let mut e = endpoint.lock().unwrap();
    e.issued += 1;
    let value = format!("eyJ0eXAi.token-{}.sig", e.issued);
    let mut valid = std::fs::read_to_string(&e.tokens).unwrap_or_default();
    valid.push_str(&value);
    valid.push('\n');
    std::fs::write(&e.tokens, valid).unwrap();
    json(
        StatusCode::OK,
        serde_json::json!({
            "token_type": "Bearer",
            "expires_in": expires_in,
            "ext_expires_in": expires_in,
            "access_token": value,
        }),
    )
}

/// The stand-in endpoint, an SMTP server taking XOAUTH2, and settings
/// that join them.
struct Microsoft365 {
    endpoint: Shared,
    smtp: SmtpServer,
    settings: Settings,
    _dir: tempfile::TempDir,
}

impl Microsoft365 {
    async fn start(answer: Answer) -> Self {
        let dir = tempfile::TempDir::new().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::write(&tokens, "").unwrap();
        let endpoint = Arc::new(Mutex::new(Endpoint {
            answer,
            asked: Vec::new(),
            issued: 0,
            tokens: tokens.clone(),
        }));
        let app = axum::Router::new()
            .route(
                "/northmere.onmicrosoft.com/oauth2/v2.0/token",
                axum::routing::post(token),
            )
            .with_state(endpoint.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let url = format!("http://127.0.0.1:{port}/northmere.onmicrosoft.com/oauth2/v2.0/token");
        Self::with_token_url(dir, endpoint, tokens, &url)
    }

    fn with_token_url(
        dir: tempfile::TempDir,
        endpoint: Shared,
        tokens: PathBuf,
        url: &str,
    ) -> Self {
        let (ca, cert, key) = tls_files(dir.path());
        let smtp = SmtpServer::start(&[
            "--tls",
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            "--xoauth2",
            MAILBOX,
            tokens.to_str().unwrap(),
        ]);
        let vars: HashMap<String, String> = [
            ("CASEWATCH__MAIL__TRANSPORT", "smtp"),
            (
                "CASEWATCH__MAIL__FROM",
                "casewatch <casewatch@northmere.gov.uk>",
            ),
            ("CASEWATCH__MAIL__REPLY_TO", "complaints@northmere.gov.uk"),
            (
                "CASEWATCH__MAIL__COMPLAINTS_TEAM",
                "complaints@northmere.gov.uk",
            ),
            ("CASEWATCH__MAIL__SMTP__HOST", "localhost"),
            ("CASEWATCH__MAIL__SMTP__PORT", &smtp.port.to_string()),
            ("CASEWATCH__MAIL__SMTP__SECURITY", "starttls"),
            ("CASEWATCH__MAIL__SMTP__CA_FILE", ca.to_str().unwrap()),
            ("CASEWATCH__MAIL__SMTP__AUTH", "xoauth2"),
            ("CASEWATCH__MAIL__SMTP__USERNAME", MAILBOX),
            ("CASEWATCH__MAIL__SMTP__CONNECT_TIMEOUT_SECONDS", "2"),
            ("CASEWATCH__MAIL__OAUTH2__TOKEN_URL", url),
            ("CASEWATCH__MAIL__OAUTH2__CLIENT_ID", "6f1c0d2e-app"),
            ("CASEWATCH__MAIL__OAUTH2__CLIENT_SECRET", SECRET),
            (
                "CASEWATCH__WEB__PUBLIC_URL",
                "https://complaints.northmere.gov.uk",
            ),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let settings = Settings::load_from(None, Some(vars)).unwrap();
        Self {
            endpoint,
            smtp,
            settings,
            _dir: dir,
        }
    }

    fn answer(&self, answer: Answer) {
        self.endpoint.lock().unwrap().answer = answer;
    }

    fn issued(&self) -> usize {
        self.endpoint.lock().unwrap().issued
    }

    /// The SMTP server forgets every token it was told of (revoked).
    fn revoke(&self) {
        std::fs::write(&self.endpoint.lock().unwrap().tokens, "").unwrap();
    }
}

fn now() -> DateTime<Utc> {
    london_instant(
        "2026-11-30".parse().unwrap(),
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
    )
}

async fn queue(store: &Store, recipients: &[&str]) {
    let messages: Vec<NewMessage> = recipients
        .iter()
        .map(|r| NewMessage {
            recipient: (*r).to_owned(),
            cc: None,
            subject: format!("Complaint response overdue: for {r}"),
            body_text: "Text body".to_owned(),
            body_html: "<p>HTML body</p>".to_owned(),
            ics: None,
            reminder_ids: Vec::new(),
        })
        .collect();
    let stored = store
        .add_messages(&messages, now().date_naive(), now())
        .await
        .unwrap();
    assert!(stored.iter().all(|s| *s));
}

async fn drain(store: &Store, transport: &Transport, settings: &Settings) -> SendReport {
    let sender = Sender::new(store.clone(), transport.clone(), settings.mail.clone());
    let (_keep, stop) = tokio::sync::watch::channel(false);
    let calendar = Calendar::builtin(Division::EnglandAndWales);
    sender.drain(&calendar, now(), &stop).await.unwrap()
}

/// Every e-mail's reply so far, for checking that no secret is in one.
async fn replies(store: &Store) -> String {
    format!("{:?}", store.messages_of(now().date_naive()).await.unwrap())
}

/// A token is fetched with the client-credentials grant, reused while it
/// has more than ten minutes left and fetched again when it has less; a
/// revoked token is refused once, dropped, and a fresh one logs in.
#[tokio::test]
async fn xoauth2_logs_in_with_a_token_kept_until_ten_minutes_before_it_expires() {
    let m365 = Microsoft365::start(Answer::Token { expires_in: 3599 }).await;
    let db = TestDb::sqlite().await;
    let store = db.store().await;
    let transport = Transport::from_settings(&m365.settings.mail).unwrap();

    queue(&store, &["ann.lee@example.org", "bo.khan@example.org"]).await;
    let report = drain(&store, &transport, &m365.settings).await;
    assert_eq!(
        (report.sent, report.login_refused.as_deref()),
        (2, None),
        "{report:?}"
    );
    assert_eq!(m365.issued(), 1);
    let asked = m365.endpoint.lock().unwrap().asked[0].clone();
    assert_eq!(asked["grant_type"], "client_credentials");
    assert_eq!(asked["client_id"], "6f1c0d2e-app");
    assert_eq!(asked["client_secret"], SECRET);
    assert_eq!(asked["scope"], "https://outlook.office365.com/.default");

    // Still an hour left: the same token.
    queue(&store, &["cy.day@example.org"]).await;
    assert_eq!(drain(&store, &transport, &m365.settings).await.sent, 1);
    assert_eq!(m365.issued(), 1);

    // Revoked: refused once, then a fresh token goes through.
    m365.revoke();
    let before = m365.smtp.login_attempts();
    queue(&store, &["di.eve@example.org"]).await;
    let report = drain(&store, &transport, &m365.settings).await;
    assert_eq!(
        (report.sent, report.login_refused.as_deref()),
        (1, None),
        "{report:?}"
    );
    assert_eq!(m365.issued(), 2);
    assert_eq!(m365.smtp.login_attempts() - before, 2);

    // Tokens that expire within ten minutes are not reused.
    m365.answer(Answer::Token { expires_in: 300 });
    m365.revoke();
    queue(&store, &["ed.fox@example.org"]).await;
    assert_eq!(drain(&store, &transport, &m365.settings).await.sent, 1);
    let issued = m365.issued();
    queue(&store, &["flo.gee@example.org"]).await;
    assert_eq!(drain(&store, &transport, &m365.settings).await.sent, 1);
    assert_eq!(m365.issued(), issued + 1);
    assert_eq!(m365.smtp.received().len(), 6);
    assert!(!replies(&store).await.contains(SECRET));
}

/// A token endpoint that refuses the client is a settings error: sending
/// stops with nothing marked failed and no login tried, and the refusal
/// is named by its `error` and the first line of its description.
#[tokio::test]
async fn a_token_endpoint_refusing_the_client_stops_sending() {
    let m365 = Microsoft365::start(Answer::InvalidClient).await;
    let db = TestDb::sqlite().await;
    let store = db.store().await;
    let transport = Transport::from_settings(&m365.settings.mail).unwrap();
    queue(&store, &["ann.lee@example.org", "bo.khan@example.org"]).await;
    let report = drain(&store, &transport, &m365.settings).await;
    let refused = report.login_refused.clone().unwrap_or_default();
    assert!(
        refused.contains("refused the client: invalid_client")
            && refused.contains("AADSTS7000215: Invalid client secret provided")
            && !refused.contains("Trace ID")
            && !refused.contains(SECRET),
        "{refused}"
    );
    assert_eq!((report.sent, report.failed, report.retrying), (0, 0, 0));
    let outbox = store.messages_of(now().date_naive()).await.unwrap();
    assert!(
        outbox
            .iter()
            .all(|m| m.status == OutboxStatus::Pending && m.attempts == 0),
        "{outbox:?}"
    );
    assert_eq!(m365.smtp.login_attempts(), 0);

    // Mended (a new secret), the same e-mails go.
    m365.answer(Answer::Token { expires_in: 3599 });
    let report = drain(&store, &transport, &m365.settings).await;
    assert_eq!(report.sent, 2, "{report:?}");
}

/// A token endpoint that is down, too slow, or answers without a token is
/// a temporary failure: the e-mail is tried again later, and the reason
/// is kept with it, never the secret.
#[tokio::test]
async fn a_token_endpoint_down_slow_or_without_a_token_is_tried_again() {
    let m365 = Microsoft365::start(Answer::NoToken).await;
    let db = TestDb::sqlite().await;
    let store = db.store().await;
    let transport = Transport::from_settings(&m365.settings.mail).unwrap();
    for (answer, reason) in [
        (Answer::NoToken, "the reply has no access_token"),
        (Answer::NotJson, "the reply is not JSON"),
        (Answer::Slow(Duration::from_secs(5)), "no answer in time"),
    ] {
        m365.answer(answer);
        queue(&store, &["ann.lee@example.org"]).await;
        let report = drain(&store, &transport, &m365.settings).await;
        assert_eq!(
            (report.sent, report.retrying, report.failed),
            (0, 1, 0),
            "{report:?}"
        );
        let outbox = store.messages_of(now().date_naive()).await.unwrap();
        let reply = outbox
            .last()
            .unwrap()
            .last_reply
            .clone()
            .unwrap_or_default();
        assert!(reply.contains(reason), "{reply}");
    }
    // Down: nothing listens where the endpoint was.
    let closed = crate::helpers::HeldPort::new();
    let down = Microsoft365::with_token_url(
        tempfile::TempDir::new().unwrap(),
        m365.endpoint.clone(),
        m365.endpoint.lock().unwrap().tokens.clone(),
        &format!("http://127.0.0.1:{}/t/oauth2/v2.0/token", closed.port),
    );
    drop(closed);
    let transport = Transport::from_settings(&down.settings.mail).unwrap();
    queue(&store, &["bo.khan@example.org"]).await;
    let report = drain(&store, &transport, &down.settings).await;
    assert_eq!((report.sent, report.retrying), (0, 1), "{report:?}");
    let outbox = replies(&store).await;
    assert!(outbox.contains("cannot connect"), "{outbox}");
    assert!(!outbox.contains(SECRET), "{outbox}");
    assert_eq!(m365.smtp.login_attempts() + down.smtp.login_attempts(), 0);
}
