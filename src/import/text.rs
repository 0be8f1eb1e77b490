//! The text of a CSV file in the encodings Excel saves: UTF-8 ("CSV UTF-8
//! (Comma delimited)", with a byte-order mark), Windows-1252 ("CSV (Comma
//! delimited)" on English Windows) and UTF-16 with a byte-order mark
//! ("Unicode Text"). Anything else is refused saying the encoding or the
//! format is the problem, rather than reading it the wrong way and
//! refusing a cell later as "contains a control character".

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

/// What to do in Excel, the end of every refusal here.
const SAVE_AS: &str = "in Excel use File > Save As and choose \"CSV UTF-8 (Comma delimited)\"";

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// Which of Excel's "Save as type" choices writes this encoding, to
    /// help a person recognise what they did.
    fn excel_name(self) -> Option<&'static str> {
        match self {
            Encoding::Utf8 => Some("CSV UTF-8 (Comma delimited)"),
            Encoding::Windows1252 => Some("CSV (Comma delimited)"),
            Encoding::Utf16Le => Some("Unicode Text"),
            Encoding::Utf16Be => None,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1252 => "Windows-1252",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        })?;
        match self.excel_name() {
            Some(name) if *self != Encoding::Utf8 => write!(f, " (Excel's \"{name}\")"),
            _ => Ok(()),
        }
    }
}

/// A file's text, without its byte-order mark, and the encoding it was in.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// Borrowed from the file's bytes when they were UTF-8.
    pub text: Cow<'a, str>,
    pub encoding: Encoding,
}

/// Why a file's bytes are not text we can read: the line of the first bad
/// byte (0 when the whole file is the problem) and what to say.
pub type Refusal = (u64, String);

/// Reads `bytes` as text: by its byte-order mark when it has one, else as
/// UTF-8 when it is valid UTF-8, else as Windows-1252.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, Refusal> {
    refuse_workbooks(bytes)?;
    match encoding_rs::Encoding::for_bom(bytes) {
        Some((bom, len)) if bom == UTF_16LE || bom == UTF_16BE => utf16(bom, &bytes[len..]),
        Some((_, len)) => utf8(&bytes[len..], true),
        None => utf8(bytes, false),
    }
}

/// An Excel workbook is a zip (.xlsx) or an OLE2 file (.xls), not text.
fn refuse_workbooks(bytes: &[u8]) -> Result<(), Refusal> {
    let kind = if bytes.starts_with(b"PK\x03\x04") {
        "an Excel workbook (.xlsx) or another zip file"
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        "an Excel 97-2003 workbook (.xls)"
    } else {
        return Ok(());
    };
    Err((0, format!("is {kind}, not a CSV file: {SAVE_AS}")))
}

fn utf16<'a>(
    encoding: &'static encoding_rs::Encoding,
    bytes: &'a [u8],
) -> Result<Decoded<'a>, Refusal> {
    let name = if encoding == UTF_16LE {
        Encoding::Utf16Le
    } else {
        Encoding::Utf16Be
    };
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Decoded {
            text,
            encoding: name,
        }),
        None => Err((
            0,
            format!(
                "begins with a {0} byte-order mark but is not {0} text throughout: \
                 the file's encoding is mixed up; {SAVE_AS}",
                encoding.name()
            ),
        )),
    }
}

fn utf8(bytes: &[u8], had_bom: bool) -> Result<Decoded<'_>, Refusal> {
    // UTF-16 without a byte-order mark is valid UTF-8 when it is all
    // ASCII, one NUL byte beside each character.
    if let Some(at) = memchr::memchr(0, bytes) {
        return Err((
            line_of_byte(bytes, at),
            format!(
                "contains NUL bytes, so it is not CSV text: most likely UTF-16 \
                 (\"Unicode Text\") without a byte-order mark, whose encoding cannot be \
                 told; {SAVE_AS}"
            ),
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: Cow::Borrowed(text),
            encoding: Encoding::Utf8,
        }),
        Err(e) => {
            let at = e.valid_up_to();
            let line = line_of_byte(bytes, at);
            let byte = bytes[at];
            if had_bom || has_utf8_beyond_ascii(bytes) {
                Err((
                    line,
                    format!(
                        "byte 0x{byte:02X} is not UTF-8, but the file is UTF-8 elsewhere \
                         ({}): its encoding is mixed up; {SAVE_AS}",
                        if had_bom {
                            "it begins with UTF-8's byte-order mark"
                        } else {
                            "in other text"
                        }
                    ),
                ))
            } else {
                windows_1252(bytes)
            }
        }
    }
}

/// Whether any valid UTF-8 sequence of two or more bytes is in `bytes`:
/// in a file that is not UTF-8 throughout, that means text pasted in from
/// elsewhere, and reading the file as Windows-1252 would garble it.
fn has_utf8_beyond_ascii(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii())
}

/// Windows-1252 leaves five bytes undefined; a file holding one is in some
/// other encoding.
fn windows_1252(bytes: &[u8]) -> Result<Decoded<'_>, Refusal> {
    const UNDEFINED: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];
    if let Some(at) = bytes.iter().position(|b| UNDEFINED.contains(b)) {
        return Err((
            line_of_byte(bytes, at),
            format!(
                "byte 0x{:02X} is neither UTF-8 nor Windows-1252 text: the file's \
                 encoding is not one casewatch reads; {SAVE_AS}",
                bytes[at]
            ),
        ));
    }
    let text = WINDOWS_1252
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| (0, format!("is not Windows-1252 text; {SAVE_AS}")))?;
    Ok(Decoded {
        text,
        encoding: Encoding::Windows1252,
    })
}

/// The line (from 1) holding byte `at`, counting LF, CRLF and a lone CR as
/// one line break each, as editors do.
fn line_of_byte(bytes: &[u8], at: usize) -> u64 {
    let before = &bytes[..at];
    let crlf = before.windows(2).filter(|w| w == b"\r\n").count();
    let breaks = memchr::memchr2_iter(b'\r', b'\n', before).count() - crlf;
    breaks as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed_and_its_byte_order_mark_dropped() {
        let plain = decode("café\n".as_bytes()).unwrap();
        assert!(matches!(plain.text, Cow::Borrowed("café\n")));
        assert_eq!(plain.encoding, Encoding::Utf8);
        let marked = decode(b"\xef\xbb\xbfcaf\xc3\xa9\n").unwrap();
        assert!(matches!(marked.text, Cow::Borrowed("café\n")));
    }

    #[test]
    fn excel_encodings_give_the_right_characters() {
        let ansi = decode(b"\xa3100, caf\xe9, council\x92s\r\n").unwrap();
        assert_eq!(ansi.text, "£100, café, council’s\r\n");
        assert_eq!(ansi.encoding, Encoding::Windows1252);
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a\t£é’\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let read = decode(&le).unwrap();
        assert_eq!(
            (&*read.text, read.encoding),
            ("a\t£é’\r\n", Encoding::Utf16Le)
        );
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("é’".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let read = decode(&be).unwrap();
        assert_eq!((&*read.text, read.encoding), ("é’", Encoding::Utf16Be));
    }

    #[test]
    fn what_is_neither_is_refused_naming_the_encoding_and_the_line() {
        let refused = |bytes: &[u8]| decode(bytes).unwrap_err();
        for (bytes, line, says) in [
            (
                &b"a\r\nb\x81c\n"[..],
                2,
                "byte 0x81 is neither UTF-8 nor Windows-1252",
            ),
            (b"a\nb\n\x9d", 3, "byte 0x9D is neither"),
            (b"a\x00,\x00b\x00", 1, "contains NUL bytes"),
            (b"PK\x03\x04\x14\x00", 0, "is an Excel workbook (.xlsx)"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "(.xls)"),
            (b"caf\xc3\xa9\rcaf\xe9", 2, "byte 0xE9 is not UTF-8"),
            (b"\xef\xbb\xbfcaf\xe9", 1, "encoding is mixed up"),
            (b"\xff\xfe\x00\xd8", 0, "not UTF-16LE text throughout"),
        ] {
            let (at, message) = refused(bytes);
            assert_eq!(at, line, "{bytes:?}: {message}");
            assert!(message.contains(says), "{bytes:?}: {message}");
            assert!(message.ends_with(SAVE_AS), "{message}");
        }
    }
}
