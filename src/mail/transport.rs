//! Where messages go: `.eml` files in a folder (the default, so a fresh
//! machine can run everything), or an SMTP relay.
//!
//! SMTP is lettre's: its connection speaks the protocol (EHLO, STARTTLS,
//! AUTH, MAIL, RCPT, DATA and the dot-stuffing of the message). casewatch
//! opens the TCP connection itself, for one reason: lettre 0.11 leaves
//! Nagle's algorithm on, and writes the end of a message's data on its own
//! after the message, so every message waited for the relay's delayed
//! acknowledgement (40 ms on Linux) and a connection sent at most 25
//! messages a second (BENCHMARKS.md). A socket opened here gets
//! `TCP_NODELAY` before lettre takes it over. Implicit TLS is left to
//! lettre, which opens that socket itself: such connections go at lettre's
//! pace until a lettre release sets the option (then this can go, and
//! `AsyncSmtpTransport` do all of it). Each of the sender's workers keeps
//! its connection from one message to the next ([`Session`]), so no pool
//! is needed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpStream;

use super::oauth2::{TokenError, TokenSource};
use crate::settings::{MailSettings, Security, SmtpAuth, TransportKind};

/// How one attempt to hand a message over failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: a 4xx reply, a refused or dropped
    /// connection, a time-out, a full disk.
    #[error("{0}")]
    Temporary(String),
    /// Trying again will not help: a 5xx reply such as an unknown mailbox.
    #[error("{0}")]
    Permanent(String),
    /// The relay refused casewatch's login (a 5xx reply to AUTH): the
    /// fault is the connection's settings, not the message's, and every
    /// further attempt would fail the same way and count against the
    /// mailbox's lock-out.
    #[error("{0}")]
    Auth(String),
}

/// A transport that cannot be set up from the settings.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct TransportError {
    pub key: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum Transport {
    File(PathBuf),
    Smtp(Arc<Relay>),
}

/// Where the SMTP relay is, and how to connect and log in.
pub struct Relay {
    host: String,
    port: u16,
    encryption: Encryption,
    login: Option<Login>,
    /// Covers everything up to a connection ready to send: TCP, greeting,
    /// EHLO, TLS and AUTH.
    connect_timeout: Duration,
}

impl std::fmt::Debug for Relay {
    // Without the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// How to log in, as which mailbox.
enum Login {
    Password {
        user: String,
        credentials: Credentials,
    },
    /// SASL XOAUTH2 with a token from the identity platform.
    Xoauth2 { user: String, tokens: TokenSource },
}

enum Encryption {
    None,
    /// Plain text upgraded by STARTTLS, which the relay must offer.
    StartTls(TlsParameters),
    /// TLS from the first byte ("SMTPS").
    Implicit(TlsParameters),
}

impl Transport {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, TransportError> {
        match settings.transport {
            TransportKind::File => Ok(Self::File(settings.dir.clone())),
            TransportKind::Smtp => relay(settings).map(|r| Self::Smtp(Arc::new(r))),
        }
    }

    /// A session, for messages sent one after another on one connection.
    pub fn session(&self) -> Session<'_> {
        Session {
            transport: self,
            open: None,
        }
    }

    /// Hands one message over, on a connection of its own.
    pub async fn send(
        &self,
        name: &str,
        message: &Message,
        limit: Duration,
    ) -> Result<String, SendError> {
        let mut session = self.session();
        let sent = session.send(name, message, limit).await;
        session.close().await;
        sent
    }
}

/// Messages handed over one after another; for SMTP on one connection,
/// opened for the first message and again after one breaks.
pub struct Session<'t> {
    transport: &'t Transport,
    open: Option<AsyncSmtpConnection>,
}

impl Session<'_> {
    /// Hands `message` over, within `limit` in all (lettre's own time-out
    /// covers only connecting). Returns the receiver's words: the SMTP
    /// reply, or the file written.
    pub async fn send(
        &mut self,
        name: &str,
        message: &Message,
        limit: Duration,
    ) -> Result<String, SendError> {
        match tokio::time::timeout(limit, self.send_unbounded(name, message)).await {
            Ok(result) => result,
            Err(_) => {
                // Cut off mid-dialogue: the connection is of no more use.
                self.open = None;
                Err(SendError::Temporary(format!(
                    "no answer within {} seconds (mail.send_timeout_seconds)",
                    limit.as_secs()
                )))
            }
        }
    }

    async fn send_unbounded(&mut self, name: &str, message: &Message) -> Result<String, SendError> {
        let relay = match self.transport {
            Transport::File(dir) => return write_eml(dir, name, &message.formatted()),
            Transport::Smtp(relay) => relay,
        };
        // lettre closes a connection after any error, a refusal included.
        let conn = match &mut self.open {
            Some(conn) if !conn.has_broken() => conn,
            _ => self.open.insert(relay.connect().await?),
        };
        let reply = conn
            .send(message.envelope(), &message.formatted())
            .await
            .map_err(classify)?;
        Ok(format!(
            "{} {}",
            reply.code(),
            reply.message().collect::<Vec<_>>().join(" ")
        ))
    }

    /// Says goodbye to the relay, so that no connection lingers.
    pub async fn close(mut self) {
        if let Some(mut conn) = self.open.take() {
            let _ = conn.quit().await;
        }
    }
}

impl Relay {
    /// A connection ready to send. With XOAUTH2, a refused login is tried
    /// once more with a fresh token (the one in hand may have been revoked).
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        match self.connect_once().await {
            Err(SendError::Auth(_)) if matches!(self.login, Some(Login::Xoauth2 { .. })) => {
                self.connect_once().await
            }
            other => other,
        }
    }

    async fn connect_once(&self) -> Result<AsyncSmtpConnection, SendError> {
        // The token first, within its own time-out, so a slow token
        // endpoint is not taken for a slow relay.
        let token = match &self.login {
            Some(Login::Xoauth2 { tokens, .. }) => {
                Some(tokens.token().await.map_err(|e| match e {
                    TokenError::Refused { .. } => SendError::Auth(e.to_string()),
                    TokenError::Unavailable { .. } => SendError::Temporary(e.to_string()),
                })?)
            }
            _ => None,
        };
        match tokio::time::timeout(self.connect_timeout, self.open(token)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Temporary(format!(
                "could not connect to {}:{} within {} seconds (mail.smtp.connect_timeout_seconds)",
                self.host,
                self.port,
                self.connect_timeout.as_secs()
            ))),
        }
    }

    /// As lettre's own transport connects, but for the socket (above);
    /// `token` is the XOAUTH2 login's.
    async fn open(&self, token: Option<SecretString>) -> Result<AsyncSmtpConnection, SendError> {
        let hello = ClientId::default();
        let mut conn = match &self.encryption {
            Encryption::Implicit(tls) => AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(self.connect_timeout),
                &hello,
                Some(tls.clone()),
                None,
            )
            .await
            .map_err(classify)?,
            Encryption::None | Encryption::StartTls(_) => {
                let unreachable = |e: std::io::Error| {
                    SendError::Temporary(format!(
                        "cannot connect to {}:{}: {e}",
                        self.host, self.port
                    ))
                };
                let tcp = TcpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(unreachable)?;
                tcp.set_nodelay(true).map_err(unreachable)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello)
                    .await
                    .map_err(classify)?
            }
        };
        if let Encryption::StartTls(tls) = &self.encryption {
            conn.starttls(tls.clone(), &hello).await.map_err(classify)?;
        }
        // A 5xx reply, or a dialogue lettre cannot go on with (no mechanism
        // in common, a challenge XOAUTH2 does not expect): the settings'
        // fault, not the message's.
        let refused = |user: &str, e: lettre::transport::smtp::Error| {
            if e.is_permanent() || e.is_client() {
                SendError::Auth(format!(
                    "{}:{} refused the login as {user}: {e}",
                    self.host, self.port
                ))
            } else {
                classify(e)
            }
        };
        match &self.login {
            None => {}
            Some(Login::Password { user, credentials }) => {
                conn.auth(DEFAULT_MECHANISMS, credentials)
                    .await
                    .map_err(|e| refused(user, e))?;
            }
            Some(Login::Xoauth2 { user, tokens }) => {
                let token = token.map_or_else(String::new, |t| t.expose_secret().to_owned());
                let credentials = Credentials::new(user.clone(), token);
                if let Err(e) = conn.auth(&[Mechanism::Xoauth2], &credentials).await {
                    tokens.forget().await;
                    return Err(refused(user, e));
                }
            }
        }
        Ok(conn)
    }
}

/// A 5xx reply will be the same next time; anything else may not be.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent(e.to_string())
    } else {
        SendError::Temporary(e.to_string())
    }
}

/// Writes through a temporary file and renames it, so a reader never sees
/// half a message; a repeat after a crash overwrites the same file.
fn write_eml(dir: &Path, name: &str, bytes: &[u8]) -> Result<String, SendError> {
    let failed = |what: &str, path: &Path, e: std::io::Error| {
        SendError::Temporary(format!("cannot {what} {}: {e}", path.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| failed("create the folder", dir, e))?;
    let path = dir.join(format!("{name}.eml"));
    let partial = dir.join(format!(".{name}.eml.partial"));
    std::fs::write(&partial, bytes).map_err(|e| failed("write", &partial, e))?;
    std::fs::rename(&partial, &path).map_err(|e| failed("write", &path, e))?;
    Ok(format!("written to {}", path.display()))
}

fn relay(settings: &MailSettings) -> Result<Relay, TransportError> {
    let s = &settings.smtp;
    let tls = || -> Result<TlsParameters, TransportError> {
        let mut builder = TlsParameters::builder(s.host.clone());
        if let Some(file) = &s.ca_file {
            let pem = std::fs::read(file).map_err(|e| TransportError {
                key: "mail.smtp.ca_file",
                message: format!("cannot read {}: {e}", file.display()),
            })?;
            let cert = Certificate::from_pem(&pem).map_err(|e| TransportError {
                key: "mail.smtp.ca_file",
                message: format!("{} is not a PEM certificate: {e}", file.display()),
            })?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build_rustls().map_err(|e| TransportError {
            key: "mail.smtp.security",
            message: e.to_string(),
        })
    };
    let encryption = match s.security {
        Security::None => Encryption::None,
        Security::Starttls => Encryption::StartTls(tls()?),
        Security::Tls => Encryption::Implicit(tls()?),
    };
    let login = match (s.auth, &s.username, &s.password) {
        (SmtpAuth::Password, Some(user), Some(password)) => Some(Login::Password {
            user: user.clone(),
            credentials: Credentials::new(user.clone(), password.expose_secret().to_owned()),
        }),
        (SmtpAuth::Xoauth2, Some(user), _) => Some(Login::Xoauth2 {
            user: user.clone(),
            tokens: TokenSource::new(&settings.oauth2, s.connect_timeout).ok_or(
                TransportError {
                    key: "mail.oauth2",
                    message: "needs a tenant (or token_url) and a client secret".to_owned(),
                },
            )?,
        }),
        _ => None,
    };
    Ok(Relay {
        host: s.host.clone(),
        port: s.port,
        encryption,
        login,
        connect_timeout: s.connect_timeout,
    })
}
