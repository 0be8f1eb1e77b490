//! The line a person sees a CSV record on in a text editor.
//!
//! The csv crate's `position().line()` counts `\n` bytes read before the
//! record *began to be read*, and that is not where the record starts: a
//! record ends at the first byte of its terminator, so with CRLF the `\n`
//! is read as the start of the next record (one line too low per record
//! read, i.e. always one too low after the header); blank lines it skips
//! are read the same way; and a lone CR, which ends a record, is never
//! counted. `LineTracker` sits between the input and the csv reader, notes
//! each line break as an editor counts them (LF, CRLF and a lone CR are one
//! break each), and gives a record's line from the byte offset where csv
//! started reading it (`position().byte()`), after the terminators and
//! blank lines there.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that notes where its line breaks are.
///
/// It keeps only the breaks not yet behind the last record asked about, so
/// its memory is bounded by the csv reader's read-ahead and one record, and
/// a batch of any length streams through it.
#[derive(Debug)]
pub struct LineTracker<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// The offset of a CR that ended the last read: whether it is a CRLF
    /// or a lone CR depends on the next byte.
    pending_cr: Option<u64>,
    /// Breaks after those counted, as (first byte, byte after the break).
    breaks: VecDeque<(u64, u64)>,
    /// Breaks before the last record asked about.
    counted: u64,
}

impl<R> LineTracker<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            pending_cr: None,
            breaks: VecDeque::new(),
            counted: 0,
        }
    }

    /// The line (from 1) of the record the csv reader started reading at
    /// `byte` (its `position().byte()`). Records must be asked about in
    /// the order they were read.
    pub fn record_line(&mut self, byte: u64) -> u64 {
        // Breaks begun before `byte` are behind the record. A CRLF whose CR
        // ended the record before is among them: csv resumes at its LF, and
        // the record (or a blank line) starts after it.
        let mut at = byte;
        while let Some(&(start, end)) = self.breaks.front() {
            if start >= byte {
                break;
            }
            at = at.max(end);
            self.breaks.pop_front();
            self.counted += 1;
        }
        // Then the terminators and blank lines csv skips before the record.
        while let Some(&(start, end)) = self.breaks.front() {
            if start != at {
                break;
            }
            at = end;
            self.breaks.pop_front();
            self.counted += 1;
        }
        self.counted + 1
    }

    fn note_breaks(&mut self, bytes: &[u8]) {
        let base = self.offset;
        let mut rest = 0;
        if let Some(cr) = self.pending_cr.take() {
            if bytes.first() == Some(&b'\n') {
                self.breaks.push_back((cr, base + 1));
                rest = 1;
            } else {
                self.breaks.push_back((cr, cr + 1));
            }
        }
        let mut found = memchr::memchr2_iter(b'\r', b'\n', &bytes[rest..]).map(|i| i + rest);
        while let Some(i) = found.next() {
            let at = base + i as u64;
            if bytes[i] == b'\n' {
                self.breaks.push_back((at, at + 1));
            } else if i + 1 == bytes.len() {
                self.pending_cr = Some(at);
            } else if bytes[i + 1] == b'\n' {
                self.breaks.push_back((at, at + 2));
                // The LF is part of this break, not one of its own.
                found.next();
            } else {
                self.breaks.push_back((at, at + 1));
            }
        }
        self.offset += bytes.len() as u64;
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            // The end: a CR last in the input is a lone one.
            if let Some(cr) = self.pending_cr.take() {
                self.breaks.push_back((cr, cr + 1));
            }
        }
        self.note_breaks(&buf[..n]);
        Ok(n)
    }
}

/// A csv reader over `input` that can say each record's line through
/// `reader.get_mut().record_line(position.byte())`.
pub fn csv_reader<R: Read>(builder: &csv::ReaderBuilder, input: R) -> csv::Reader<LineTracker<R>> {
    builder.from_reader(LineTracker::new(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each record (and error), as `Table` and the batches ask.
    fn lines(text: &[u8], chunk: usize) -> Vec<u64> {
        let input = Chunked { text, chunk };
        let mut reader = csv_reader(
            csv::ReaderBuilder::new().has_headers(false).flexible(true),
            input,
        );
        let mut record = csv::ByteRecord::new();
        let mut found = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let byte = record.position().unwrap().byte();
            found.push(reader.get_mut().record_line(byte));
        }
        found
    }

    /// Hands out `chunk` bytes per read, so a CRLF can fall across two.
    struct Chunked<'a> {
        text: &'a [u8],
        chunk: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    #[test]
    fn every_line_ending_gives_the_editors_line() {
        for text in [
            &b"h,h\na,1\nb,2\nc,3\n"[..],
            b"h,h\r\na,1\r\nb,2\r\nc,3\r\n",
            b"h,h\ra,1\rb,2\rc,3\r",
            b"h,h\r\na,1\nb,2\rc,3",
        ] {
            for chunk in [1, 2, 3, 1024] {
                assert_eq!(lines(text, chunk), [1, 2, 3, 4], "{text:?} by {chunk}");
            }
        }
    }

    #[test]
    fn quoted_line_breaks_and_blank_lines_move_later_records_down() {
        // Line 2 holds a cell over three lines (CRLF, then LF); a blank
        // line and a CRLF blank line come before the last record.
        let text = b"h,h\r\na,\"one\r\ntwo\nthree\"\r\nb,2\r\n\r\n\nc,3\r\n";
        for chunk in [1, 2, 5, 1024] {
            assert_eq!(lines(text, chunk), [1, 2, 5, 8], "by {chunk}");
        }
    }

    #[test]
    fn a_byte_order_mark_and_leading_blank_lines_are_not_lines_of_their_own() {
        assert_eq!(lines(b"\xef\xbb\xbfh\r\na\r\n", 1024), [1, 2]);
        assert_eq!(lines(b"\r\n\nh\na\n", 1), [3, 4]);
    }
}
