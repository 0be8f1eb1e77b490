//! Where messages go: `.eml` files in a folder (the default, so a fresh
//! machine can run everything), or an SMTP relay.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use secrecy::ExposeSecret;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::smtp::{Encryption, SmtpClient};

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
    Smtp(Arc<SmtpClient>),
}

impl Transport {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, TransportError> {
        match settings.transport {
            TransportKind::File => Ok(Self::File(settings.dir.clone())),
            TransportKind::Smtp => smtp(settings).map(|c| Self::Smtp(Arc::new(c))),
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
        self.send_through(name, &Formatted::of(message), limit, &mut Gate::open())
            .await
    }

    /// [`Transport::send`] of a message already formatted, passing `gate`
    /// just before the receiver can take it: everything up to there may go
    /// on while the gate is shut.
    pub async fn send_through(
        &self,
        name: &str,
        message: &Formatted,
        limit: Duration,
        gate: &mut Gate,
    ) -> Result<String, SendError> {
        match tokio::time::timeout(limit, self.send_unbounded(name, message, gate)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Temporary(format!(
                "no answer within {} seconds (mail.send_timeout_seconds)",
                limit.as_secs()
            ))),
        }
    }

    async fn send_unbounded(
        &self,
        name: &str,
        message: &Formatted,
        gate: &mut Gate,
    ) -> Result<String, SendError> {
        match self {
            Self::File(dir) => {
                gate.pass().await;
                write_eml(dir, name, &message.bytes)
            }
            Self::Smtp(smtp) => {
                let reply = smtp.send(&message.envelope, &message.bytes, gate).await?;
                Ok(format!(
                    "{} {}",
                    reply.code(),
                    reply.message().collect::<Vec<_>>().join(" ")
                ))
            }
        }
    }

    /// Closes the connections kept open for more messages: a drain that
    /// found nothing more to send leaves none lingering.
    pub async fn close_idle(&self) {
        if let Self::Smtp(smtp) = self {
            smtp.close_idle().await;
        }
    }
}

/// A message as it goes over the wire, with the envelope it goes in.
pub struct Formatted {
    pub envelope: lettre::address::Envelope,
    pub bytes: Vec<u8>,
}

impl Formatted {
    pub fn of(message: &Message) -> Self {
        Self {
            envelope: message.envelope().clone(),
            bytes: message.formatted(),
        }
    }
}

/// A send waits here, just before the message can be delivered, for one
/// of a number of permits, and keeps it: the sender gives it back once the
/// result is recorded, so that no more than that many e-mails are ever
/// delivered but not recorded (`Sender::drain`). A send that fails before
/// the gate takes none: nothing was delivered. The wait, about one commit,
/// counts in the send's time limit.
pub struct Gate {
    permits: Option<Arc<Semaphore>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Gate {
    /// A gate that is always open.
    pub fn open() -> Self {
        Self {
            permits: None,
            permit: None,
        }
    }

    /// A gate that takes one of `permits`.
    pub fn new(permits: Arc<Semaphore>) -> Self {
        Self {
            permits: Some(permits),
            permit: None,
        }
    }

    /// Waits for a permit, unless one is held already or none is needed.
    pub async fn pass(&mut self) {
        if let (Some(permits), None) = (&self.permits, &self.permit) {
            // Never closed, so never an error.
            self.permit = permits.clone().acquire_owned().await.ok();
        }
    }

    /// The permit taken, if the send got as far as the gate.
    pub fn into_permit(self) -> Option<OwnedSemaphorePermit> {
        self.permit
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

fn smtp(settings: &MailSettings) -> Result<SmtpClient, TransportError> {
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
        Security::Tls => Encryption::Wrapper(tls()?),
    };
    let credentials = match (&s.username, &s.password) {
        (Some(user), Some(password)) => Some(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        )),
        _ => None,
    };
    Ok(SmtpClient::new(
        s.host.clone(),
        s.port,
        encryption,
        credentials,
        s.connect_timeout,
        usize::try_from(s.pool_size).unwrap_or(1),
    ))
}
