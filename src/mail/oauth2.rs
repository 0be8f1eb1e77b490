//! OAuth2 access tokens for SMTP's XOAUTH2, from the client-credentials
//! grant at an identity platform's token endpoint (Microsoft Entra ID's,
//! for Exchange Online).
//!
//! A token is kept in memory and reused until it has less than
//! [`RENEW_BEFORE`] left: Exchange refuses tokens about to expire, and a
//! login that is refused drops the token so the next login fetches a fresh
//! one. Neither the client secret nor a token ever reaches a log line or an
//! error: the errors carry the endpoint's `error` and `error_description`.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::settings::OAuth2Settings;

/// How long before its expiry a token is renewed.
pub const RENEW_BEFORE: Duration = Duration::from_secs(10 * 60);

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The endpoint refused the client: its settings are wrong, and asking
    /// again will not help until they change.
    #[error("the token endpoint {url} refused the client: {error}{}", in_brackets(.description))]
    Refused {
        url: String,
        error: String,
        description: Option<String>,
    },
    /// The endpoint could not be reached, was slow, failed or answered
    /// something that is not a token: worth trying again later.
    #[error("no token from {url}: {reason}")]
    Unavailable { url: String, reason: String },
}

fn in_brackets(text: &Option<String>) -> String {
    text.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()
}

/// A token endpoint and the token it last gave.
pub struct TokenSource {
    url: url::Url,
    client_id: String,
    client_secret: SecretString,
    scope: String,
    http: reqwest::Client,
    cached: Mutex<Option<Token>>,
}

struct Token {
    value: SecretString,
    expires: Instant,
}

/// The endpoint's answer, success or error (RFC 6749, sections 5.1 and 5.2).
#[derive(Deserialize)]
struct Reply {
    access_token: Option<String>,
    expires_in: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

impl std::fmt::Debug for TokenSource {
    // Without the secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("url", &self.url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A source for `settings`; `None` when they name no endpoint or lack
    /// the secret (the settings refuse that for `xoauth2`). `timeout`
    /// bounds each request.
    pub fn new(settings: &OAuth2Settings, timeout: Duration) -> Option<Self> {
        // reqwest is built without a crypto provider: ring is the one
        // lettre and sqlx use. Installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().timeout(timeout).build().ok()?;
        Some(Self {
            url: settings.token_url.clone()?,
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone()?,
            scope: settings.scope.clone(),
            http,
            cached: Mutex::new(None),
        })
    }

    /// A token with at least [`RENEW_BEFORE`] left, fetched if need be.
    pub async fn token(&self) -> Result<SecretString, TokenError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && token.expires > Instant::now() + RENEW_BEFORE
        {
            return Ok(token.value.clone());
        }
        let token = self.fetch().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Drops the token in hand: the server refused it.
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }

    async fn fetch(&self) -> Result<Token, TokenError> {
        let url = self.url.as_str();
        let unavailable = |reason: String| TokenError::Unavailable {
            url: url.to_owned(),
            reason,
        };
        let asked = Instant::now();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", self.scope.as_str()),
        ];
        let response = self
            .http
            .post(self.url.clone())
            .form(&form)
            .send()
            .await
            // reqwest's error names the URL, never the form.
            .map_err(|e| unavailable(without_url(&e)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| unavailable(without_url(&e)))?;
        let reply: Option<Reply> = serde_json::from_slice(&body).ok();
        match (status, reply) {
            (s, Some(reply)) if s.is_success() => {
                let value = reply
                    .access_token
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| unavailable("the reply has no access_token".to_owned()))?;
                let lifetime = Duration::from_secs(reply.expires_in.unwrap_or(3600));
                Ok(Token {
                    value: SecretString::from(value),
                    expires: asked + lifetime,
                })
            }
            (
                s,
                Some(Reply {
                    error: Some(error),
                    error_description,
                    ..
                }),
            ) if s.is_client_error() => Err(TokenError::Refused {
                url: url.to_owned(),
                error,
                description: error_description.map(|d| first_line(&d)),
            }),
            (s, _) if s.is_success() => Err(unavailable("the reply is not JSON".to_owned())),
            (s, _) => Err(unavailable(format!("HTTP {s}"))),
        }
    }
}

/// reqwest's words for a failed request, without the URL it repeats.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "no answer in time (mail.smtp.connect_timeout_seconds)".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind,
    }
}

/// Microsoft's descriptions run on with trace ids over several lines: the
/// first says what is wrong.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}
