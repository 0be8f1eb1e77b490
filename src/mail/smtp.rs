//! SMTP over connections casewatch opens itself, so that they can be
//! given `TCP_NODELAY`.
//!
//! lettre 0.11's own transport leaves Nagle's algorithm on, and writes a
//! message's body and then, on its own, the five bytes `\r\n.\r\n` that
//! end it: the kernel holds those bytes until the body is acknowledged,
//! and the server delays that acknowledgement (40 ms on Linux), so every
//! message waited 40 ms. lettre's executor, which opens its connections, is
//! sealed; its connection type can run over a stream we open, so this
//! module opens the socket with the option set, hands it to lettre's
//! `AsyncSmtpConnection` for the SMTP dialogue (EHLO, STARTTLS, AUTH,
//! MAIL/RCPT/DATA), and keeps a small pool of idle connections as lettre's
//! pool did: one that sat idle is checked with NOOP before reuse, and a
//! broken one is dropped.
//!
//! Where the relay offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in
//! one write and their replies are read together: two round trips a
//! message instead of four. lettre's connection has no pipelining of its
//! own, but its public `command` and `read_response` are all it takes.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

// lettre's stream implements futures-io's traits, not tokio's.
use futures_util::io::{AsyncRead as _, AsyncWrite as _};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::transport::{Gate, SendError};

/// How the connection to the relay is protected.
#[derive(Clone)]
pub enum Encryption {
    None,
    /// Plain text upgraded by STARTTLS, which the server must offer.
    StartTls(TlsParameters),
    /// TLS from the first byte ("SMTPS").
    Wrapper(TlsParameters),
}

/// Where and how to connect, and the idle connections kept for reuse.
pub struct SmtpClient {
    host: String,
    port: u16,
    encryption: Encryption,
    credentials: Option<Credentials>,
    /// Covers everything up to a connection ready to send: TCP, greeting,
    /// EHLO, TLS and AUTH.
    connect_timeout: Duration,
    /// Idle connections kept at most; more are closed when returned.
    max_idle: usize,
    idle: Mutex<Vec<Idle>>,
}

/// A connection waiting for the next message, and since when.
struct Idle {
    conn: Connection,
    since: Instant,
}

/// An open connection, and whether its server takes commands pipelined.
struct Connection {
    smtp: AsyncSmtpConnection,
    pipelining: bool,
}

/// How long a connection may sit idle before it is checked with NOOP. A
/// relay closes idle connections after seconds or minutes, not between
/// one message and the next; a check on every reuse would add a round trip
/// to every message.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);

impl std::fmt::Debug for SmtpClient {
    // Without the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpClient")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

impl SmtpClient {
    pub fn new(
        host: String,
        port: u16,
        encryption: Encryption,
        credentials: Option<Credentials>,
        connect_timeout: Duration,
        max_idle: usize,
    ) -> Self {
        Self {
            host,
            port,
            encryption,
            credentials,
            connect_timeout,
            max_idle,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message over an idle connection, or a new one, passing
    /// `gate` before the message itself goes.
    pub async fn send(
        &self,
        envelope: &Envelope,
        email: &[u8],
        gate: &mut Gate,
    ) -> Result<Response, SendError> {
        let mut conn = self.connection().await?;
        // Pipelining would need lettre's checks for SMTPUTF8 and 8BITMIME
        // redone; casewatch's own messages are ASCII, so leave the rest to it.
        let ascii = std::str::from_utf8(email).ok().filter(|e| e.is_ascii());
        let result = if let Some(email) = ascii
            && conn.pipelining
            && envelope_is_ascii(envelope)
        {
            send_pipelined(&mut conn.smtp, envelope, email, gate).await
        } else {
            gate.pass().await;
            conn.smtp.send(envelope, email).await
        };
        self.recycle(conn).await;
        result.map_err(classify)
    }

    /// Says goodbye on every idle connection, so none lingers until the
    /// relay times it out.
    pub async fn close_idle(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        for mut idle in idle {
            let _ = idle.conn.smtp.quit().await;
        }
    }

    async fn connection(&self) -> Result<Connection, SendError> {
        while let Some(Idle { mut conn, since }) = self.take_idle() {
            // The relay may have closed it while it sat idle.
            if since.elapsed() < CHECK_AFTER_IDLE || conn.smtp.test_connected().await {
                return Ok(conn);
            }
            conn.smtp.abort().await;
        }
        match tokio::time::timeout(self.connect_timeout, self.connect()).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Temporary(format!(
                "could not connect to {}:{} within {} seconds (mail.smtp.connect_timeout_seconds)",
                self.host,
                self.port,
                self.connect_timeout.as_secs()
            ))),
        }
    }

    fn take_idle(&self) -> Option<Idle> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    async fn recycle(&self, mut conn: Connection) {
        if conn.smtp.has_broken() {
            conn.smtp.abort().await;
            return;
        }
        let surplus = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < self.max_idle {
                idle.push(Idle {
                    conn,
                    since: Instant::now(),
                });
                None
            } else {
                Some(conn)
            }
        };
        if let Some(mut conn) = surplus {
            let _ = conn.smtp.quit().await;
        }
    }

    async fn connect(&self) -> Result<Connection, SendError> {
        let unreachable = |e: io::Error| {
            SendError::Temporary(format!(
                "cannot connect to {}:{}: {e}",
                self.host, self.port
            ))
        };
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(unreachable)?;
        tcp.set_nodelay(true).map_err(unreachable)?;
        let hello = ClientId::default();
        let mut conn = match &self.encryption {
            Encryption::Wrapper(tls) => {
                AsyncSmtpConnection::connect_with_transport(
                    Box::new(tls_first(tcp, tls).await?),
                    &hello,
                )
                .await
            }
            Encryption::None | Encryption::StartTls(_) => {
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello).await
            }
        }
        .map_err(classify)?;
        if let Encryption::StartTls(tls) = &self.encryption {
            conn.starttls(tls.clone(), &hello).await.map_err(classify)?;
        }
        // lettre keeps only the EHLO keywords it knows, so ask again for
        // the whole list; before AUTH, which a fresh EHLO might undo.
        let pipelining = offers_pipelining(&mut conn, hello).await?;
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(classify)?;
        }
        Ok(Connection {
            smtp: conn,
            pipelining,
        })
    }
}

async fn offers_pipelining(
    conn: &mut AsyncSmtpConnection,
    hello: ClientId,
) -> Result<bool, SendError> {
    let reply = conn.command(Ehlo::new(hello)).await.map_err(classify)?;
    // The first line is the server's name; each other line a keyword and
    // its parameters.
    Ok(reply.message().skip(1).any(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|keyword| keyword.eq_ignore_ascii_case("PIPELINING"))
    }))
}

fn envelope_is_ascii(envelope: &Envelope) -> bool {
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    envelope.from().is_none_or(ascii) && envelope.to().iter().all(ascii)
}

/// MAIL, every RCPT and DATA in one write (RFC 2920), each reply read in
/// turn, then, once through `gate`, the message. Every reply is read even
/// after a refusal, so the first refusal is the one reported; after any
/// refusal the connection is closed, as lettre does, rather than left
/// mid-transaction (or in the message, had DATA been accepted all the
/// same).
async fn send_pipelined(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    email: &str,
    gate: &mut Gate,
) -> Result<Response, lettre::transport::smtp::Error> {
    let mut commands = Mail::new(envelope.from().cloned(), Vec::new()).to_string();
    for to in envelope.to() {
        commands.push_str(&Rcpt::new(to.clone(), Vec::new()).to_string());
    }
    commands.push_str(&Data.to_string());
    let expected = envelope.to().len() + 2;
    let mut replies = vec![conn.command(commands).await];
    // A failure that is not a refusal (the stream broke, or the reply was
    // not SMTP) leaves nothing worth reading.
    let in_step = |r: &Result<Response, lettre::transport::smtp::Error>| {
        r.as_ref()
            .map_or_else(|e| e.is_transient() || e.is_permanent(), |_| true)
    };
    while replies.len() < expected && replies.last().is_some_and(in_step) {
        replies.push(conn.read_response().await);
    }
    if let Some(e) = replies.into_iter().find_map(Result::err) {
        conn.abort().await;
        return Err(e);
    }
    gate.pass().await;
    let sent = conn.command(DataSection(&data_section(email))).await;
    if sent.is_err() {
        // Broken or not, lettre's own send would not reuse it either.
        conn.abort().await;
    }
    sent
}

/// The message as DATA carries it (RFC 5321, 4.5.2): a dot that begins
/// a line doubled, then the end marker, so that it goes in one write.
/// lettre's own `message` doubles dots one byte at a time and writes the
/// end marker on its own, a second packet for every message.
fn data_section(email: &str) -> String {
    let mut out = String::with_capacity(email.len() + email.len() / 64 + 5);
    let mut rest = email;
    if rest.starts_with('.') {
        out.push('.');
    }
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), b"\r\n.") {
        let (line, after) = rest.split_at(at + 3);
        out.push_str(line);
        out.push('.');
        rest = after;
    }
    out.push_str(rest);
    out.push_str("\r\n.\r\n");
    out
}

/// Text sent as it is: lettre's `command` writes what it is given and
/// reads the reply, which is all the end of DATA needs.
struct DataSection<'a>(&'a str);

impl std::fmt::Display for DataSection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
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

/// TLS over `tcp` before the server's greeting, by lettre's own TLS code:
/// its network stream is deprecated as public API, but it is the one way
/// to reach lettre's TLS set-up (trusted roots, the private CA) without a
/// TLS stack of our own.
#[allow(deprecated)]
async fn tls_first(tcp: TcpStream, tls: &TlsParameters) -> Result<TlsFirst, SendError> {
    use lettre::transport::smtp::client::AsyncNetworkStream;
    let peer = tcp
        .peer_addr()
        .map_err(|e| SendError::Temporary(e.to_string()))?;
    let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
    stream.upgrade_tls(tls.clone()).await.map_err(classify)?;
    Ok(TlsFirst { stream, peer })
}

/// lettre's encrypted stream (futures-io) seen as the tokio stream its
/// SMTP connection is built over.
#[allow(deprecated)]
#[derive(Debug)]
struct TlsFirst {
    stream: lettre::transport::smtp::client::AsyncNetworkStream,
    peer: SocketAddr,
}

impl AsyncTokioStream for TlsFirst {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

impl AsyncRead for TlsFirst {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let read = Pin::new(&mut self.stream).poll_read(cx, buf.initialize_unfilled());
        read.map_ok(|n| buf.advance(n))
    }
}

impl AsyncWrite for TlsFirst {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dot_that_begins_a_line_is_doubled_and_the_end_marker_follows() {
        assert_eq!(data_section("a\r\nb"), "a\r\nb\r\n.\r\n");
        assert_eq!(data_section(".a\r\n.\r\n..b"), "..a\r\n..\r\n...b\r\n.\r\n");
        // A line begins only after CR LF, as lettre's own encoder has it.
        assert_eq!(data_section("a\n.b\r.c"), "a\n.b\r.c\r\n.\r\n");
        assert_eq!(data_section("a\r\r\n.b"), "a\r\r\n..b\r\n.\r\n");
        assert_eq!(data_section(""), "\r\n.\r\n");
    }
}
