//! An outbox row as an Internet message: headers that keep auto-replies
//! away and make retries recognisable, text and HTML bodies, and the
//! calendar entry when there is one.

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::settings::MailSettings;
use crate::store::OutboxMessage;

/// Why a row cannot become a message; no attempt will fix it.
#[derive(Debug, thiserror::Error)]
#[error("message {id} cannot be built: {reason}")]
pub struct BuildError {
    pub id: i64,
    pub reason: String,
}

/// The same Message-ID on every attempt, so a message repeated after a crash
/// is recognisable as the same one.
pub fn message_id(row: &OutboxMessage, settings: &MailSettings) -> String {
    format!(
        "<casewatch.{}.{}@{}>",
        row.id,
        row.for_day.format("%Y%m%d"),
        settings.from.email.domain()
    )
}

pub fn build(row: &OutboxMessage, settings: &MailSettings) -> Result<Message, BuildError> {
    let fail = |reason: String| BuildError { id: row.id, reason };
    let mailbox = |raw: &str| -> Result<Mailbox, BuildError> {
        raw.parse()
            .map_err(|e| fail(format!("bad address {raw:?}: {e}")))
    };
    let mut builder = Message::builder()
        .from(settings.from.clone())
        .reply_to(settings.reply_to.clone())
        .to(mailbox(&row.recipient)?)
        .subject(row.subject.clone())
        .message_id(Some(message_id(row, settings)))
        .date_now()
        // RFC 3834: out-of-office replies must not answer this.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ))
        // Exchange ignores Auto-Submitted but honours this.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".to_owned(),
        ));
    if let Some(cc) = &row.cc {
        builder = builder.cc(mailbox(cc)?);
    }
    let bodies = MultiPart::alternative_plain_html(crlf(&row.body_text), crlf(&row.body_html));
    let body = match &row.ics {
        None => bodies,
        Some(ics) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(|e| fail(e.to_string()))?;
            MultiPart::mixed()
                .multipart(bodies)
                .singlepart(attach(ics, calendar))
        }
    };
    builder.multipart(body).map_err(|e| fail(e.to_string()))
}

fn attach(ics: &str, content_type: ContentType) -> SinglePart {
    Attachment::new("deadline.ics".to_owned()).body(ics.to_owned(), content_type)
}

/// The weekly tracker: its HTML as the body, files attached.
pub fn tracker_message(
    settings: &MailSettings,
    recipients: &[Mailbox],
    subject: &str,
    html: &str,
    attachments: &[(String, &str, Vec<u8>)],
) -> Result<Message, BuildError> {
    let fail = |reason: String| BuildError { id: 0, reason };
    let text = "This week's complaints tracker is attached as a spreadsheet (XLSX) and as CSV; \
                the HTML version of this e-mail shows it in full."
        .to_owned();
    let mut body =
        MultiPart::mixed().multipart(MultiPart::alternative_plain_html(crlf(&text), crlf(html)));
    for (name, content_type, bytes) in attachments {
        let content_type = ContentType::parse(content_type).map_err(|e| fail(e.to_string()))?;
        body = body.singlepart(Attachment::new(name.clone()).body(bytes.clone(), content_type));
    }
    let mut builder = Message::builder()
        .from(settings.from.clone())
        .reply_to(settings.reply_to.clone())
        .subject(subject)
        .date_now()
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    for to in recipients {
        builder = builder.to(to.clone());
    }
    builder.multipart(body).map_err(|e| fail(e.to_string()))
}

/// `text` with CRLF line endings, as a message needs them. lettre converts
/// a body itself, but by inserting one `\r` at a time, in time growing with
/// the square of its size: minutes in all for the e-mails of a large
/// council's first poll. Given CRLF already, it has nothing to insert. It
/// picks the transfer encoding from what it is given; for the built-in
/// templates, whose bodies always have lines too long for 7bit, that is
/// quoted-printable either way, and the text decoded is the same in any case.
/// (The iCalendar part is written with CRLF already.)
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        if lines.peek().is_some() {
            out.push_str(if line.ends_with('\r') { "\n" } else { "\r\n" });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use lettre::message::Body;

    use super::*;
    use crate::templates::Templates;
    use crate::views::notice::Notice;

    #[test]
    fn crlf_ends_every_line_with_cr_lf_once() {
        assert_eq!(crlf("a\nb\r\nc\n\n"), "a\r\nb\r\nc\r\n\r\n");
        assert_eq!(crlf("\nlone \r stays"), "\r\nlone \r stays");
        assert_eq!(crlf("é\n"), "é\r\n");
    }

    #[test]
    fn lettre_encodes_the_built_in_bodies_alike_given_either_line_ending() {
        let rendered = Templates::load(None)
            .unwrap()
            .reminder(&Notice::sample())
            .unwrap();
        for text in [rendered.text, rendered.html] {
            let theirs = Body::new(text.clone());
            let ours = Body::new(crlf(&text));
            assert_eq!(ours.encoding(), theirs.encoding());
            assert_eq!(ours.into_vec(), theirs.into_vec());
        }
    }
}
