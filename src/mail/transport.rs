//! Where messages go: `.eml` files in a folder (the default, so a fresh
//! machine can run everything), or an SMTP relay.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::settings::{MailSettings, Security, TransportKind};

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
    /// lettre's transport, with a pool of up to `mail.smtp.pool_size`
    /// connections that the sender's workers share.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, TransportError> {
        match settings.transport {
            TransportKind::File => Ok(Self::File(settings.dir.clone())),
            TransportKind::Smtp => smtp(settings).map(Self::Smtp),
        }
    }

    /// Hands `message` over, within `limit` in all (lettre's own time-out
    /// covers only connecting and each command). Returns the receiver's
    /// words: the SMTP reply, or the file written.
    pub async fn send(
        &self,
        name: &str,
        message: &Message,
        limit: Duration,
    ) -> Result<String, SendError> {
        match tokio::time::timeout(limit, self.send_unbounded(name, message)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Temporary(format!(
                "no answer within {} seconds (mail.send_timeout_seconds)",
                limit.as_secs()
            ))),
        }
    }

    async fn send_unbounded(&self, name: &str, message: &Message) -> Result<String, SendError> {
        match self {
            Self::File(dir) => write_eml(dir, name, &message.formatted()),
            Self::Smtp(smtp) => match smtp.send(message.clone()).await {
                Ok(reply) => Ok(format!(
                    "{} {}",
                    reply.code(),
                    reply.message().collect::<Vec<_>>().join(" ")
                )),
                // A 5xx reply will be the same next time; anything else may not be.
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Temporary(e.to_string())),
            },
        }
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

fn smtp(settings: &MailSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
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
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
        .port(s.port)
        .timeout(Some(s.connect_timeout))
        // Idle connections are closed soon after a drain: relays drop them
        // anyway, and a closed one costs a reconnect, not a failed send.
        .pool_config(
            PoolConfig::new()
                .max_size(s.pool_size)
                .idle_timeout(IDLE_TIMEOUT),
        );
    builder = match s.security {
        Security::None => builder.tls(Tls::None),
        Security::Starttls => builder.tls(Tls::Required(tls()?)),
        Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
    };
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// How long a pooled SMTP connection may stay idle.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
