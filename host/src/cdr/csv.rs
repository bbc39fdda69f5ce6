//! Asterisk's `Master.csv`, as cdr_csv writes it, read from a byte offset on.
//!
//! cdr_csv appends one line per CDR row: every text column in double quotes with a `"` inside
//! doubled (nothing else is escaped, so a comma, CR or LF inside a value stays as it is, within
//! the quotes), the three times as `"YYYY-MM-DD HH:MM:SS"` (an answer time that never was is an
//! empty, unquoted field), and duration and billsec as bare integers:
//!
//! ```text
//! "accountcode","src","dst","dcontext","clid","channel","dstchannel","lastapp","lastdata","start","answer","end",duration,billsec,"disposition","amaflags"
//! ```
//!
//! With `loguniqueid = yes` a `"uniqueid"` column follows, with `loguserfield = yes` a
//! `"userfield"` column (both: uniqueid first). There is no header line.
//!
//! The file is read while Asterisk appends to it, so [`parse`] takes only records that are
//! complete: a record ends at its line feed, and bytes after the last complete record are left
//! for the next read (a row being written). A record that is not a CDR row — wrong number of
//! columns, a time that is not a time; what a crash in the middle of a write or a hand-edited file
//! leaves — is skipped up to the end of its line, and reading goes on with the next line, so no
//! row after it is lost. Bytes that are not UTF-8 are taken lossily (U+FFFD).

use csv_core::{ReadRecordResult, Reader, ReaderBuilder, Terminator};

use super::CdrRow;

/// Most columns a CDR row has (16, plus uniqueid and userfield); a record with more is not one.
const MAX_FIELDS: usize = 18;

/// What [`parse`] found in a buffer.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    /// The rows, in file order.
    pub rows: Vec<CdrRow>,
    /// How many bytes from the start of the buffer were consumed: every complete record (rows and
    /// skipped ones). The rest is an incomplete record, to be read again with what follows it.
    pub consumed: usize,
    /// Byte ranges (relative to the buffer) of lines skipped because they are not CDR rows.
    pub skipped: Vec<(usize, usize)>,
}

fn reader() -> Reader {
    ReaderBuilder::new().delimiter(b',').quote(b'"').double_quote(true).terminator(Terminator::Any(b'\n')).build()
}

/// One record at the start of `input`: its fields and the bytes it took (with its line feed), or
/// `None` when `input` ends before the record does.
fn record(reader: &mut Reader, input: &[u8], output: &mut Vec<u8>) -> Option<(Vec<Vec<u8>>, usize, bool)> {
    // An empty input would tell the parser the data ended, and it would close the record.
    if input.is_empty() {
        return None;
    }
    reader.reset();
    // A field is never longer than the input it came from.
    output.clear();
    output.resize(input.len() + 1, 0);
    let mut ends = [0usize; MAX_FIELDS + 1];
    let (result, nin, _nout, nend) = reader.read_record(input, output, &mut ends);
    match result {
        ReadRecordResult::Record => {
            let mut fields = Vec::with_capacity(nend);
            let mut start = 0;
            for &end in &ends[..nend] {
                fields.push(output[start..end].to_vec());
                start = end;
            }
            Some((fields, nin, true))
        }
        // More columns than a CDR row has: still a complete record if its line ends in `input`;
        // find where, to skip it.
        ReadRecordResult::OutputEndsFull => Some((Vec::new(), nin, false)),
        ReadRecordResult::InputEmpty | ReadRecordResult::OutputFull | ReadRecordResult::End => None,
    }
}

/// Parses the complete records of `input` (bytes of Master.csv from a record boundary on).
/// `at_eof`: `input` reaches the end of the file as it is now, so an incomplete record at its end
/// may be a row being written (left for later) or garbage whose quote never closes (skipped when
/// a valid row follows on a later line, so it cannot hold back every row after it).
pub fn parse(input: &[u8], at_eof: bool) -> Parsed {
    let mut reader = reader();
    let mut output = Vec::new();
    let mut parsed = Parsed::default();
    let mut at = 0;
    while at < input.len() {
        let rest = &input[at..];
        match record(&mut reader, rest, &mut output) {
            Some((fields, len, true)) if len > 0 => match row(&fields) {
                Some(row) => {
                    parsed.rows.push(row);
                    at += len;
                }
                None if fields.iter().all(Vec::is_empty) && blank(&rest[..len]) => at += len,
                None => match line_end(rest) {
                    Some(end) => {
                        parsed.skipped.push((at, at + end));
                        at += end;
                    }
                    None => break,
                },
            },
            Some(_) => match line_end(rest) {
                Some(end) => {
                    parsed.skipped.push((at, at + end));
                    at += end;
                }
                None => break,
            },
            None => {
                // Incomplete. Garbage only if the next line on starts a valid, complete row.
                let Some(end) = line_end(rest) else { break };
                let next = &rest[end..];
                let valid_next = record(&mut reader, next, &mut output).is_some_and(|(f, _, complete)| complete && row(&f).is_some());
                if at_eof && valid_next {
                    parsed.skipped.push((at, at + end));
                    at += end;
                } else {
                    break;
                }
            }
        }
    }
    parsed.consumed = at;
    parsed
}

/// Bytes up to and with the first line feed of `bytes`, if it has one.
fn line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n').map(|i| i + 1)
}

fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

/// A CDR row from a record's fields, or `None` when they are not one.
fn row(fields: &[Vec<u8>]) -> Option<CdrRow> {
    if !(16..=MAX_FIELDS).contains(&fields.len()) {
        return None;
    }
    let text = |i: usize| String::from_utf8_lossy(&fields[i]).into_owned();
    // A file edited on Windows ends its lines with CR LF; the CR is not part of the last value.
    let last = |i: usize| {
        let mut value = text(i);
        if i + 1 == fields.len() && value.ends_with('\r') {
            value.pop();
        }
        value
    };
    let (start, answer, end) = (text(9), text(10), text(11));
    if !super::is_time(&start) || !super::is_time(&end) || !(answer.is_empty() || super::is_time(&answer)) {
        return None;
    }
    let int = |i: usize| last(i).trim().parse::<i64>().ok();
    let (duration, billsec) = (int(12)?, int(13)?);
    let disposition = last(14);
    if disposition.is_empty() {
        return None;
    }
    // 17 columns: only one of loguniqueid and loguserfield is on. A uniqueid is `<seconds>.<n>`.
    let (uniqueid, userfield) = match fields.len() {
        18 => (text(16), last(17)),
        17 => {
            let extra = last(16);
            if super::is_uniqueid(&extra) { (extra, String::new()) } else { (String::new(), extra) }
        }
        _ => (String::new(), String::new()),
    };
    Some(CdrRow {
        accountcode: text(0),
        src: text(1),
        dst: text(2),
        dcontext: text(3),
        clid: text(4),
        channel: text(5),
        dstchannel: text(6),
        lastapp: text(7),
        lastdata: text(8),
        start,
        answer,
        end,
        duration,
        billsec,
        disposition,
        amaflags: last(15),
        uniqueid,
        userfield,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const S1: &str = "\"\",\"1001\",\"1002\",\"fidelity\",\"\"\"Alice Smith\"\" <1001>\",\"PJSIP/1001-00000004\",\"PJSIP/1002-00000005\",\"Dial\",\"PJSIP/1002,20\",\"2026-12-05 20:52:50\",\"2026-12-05 20:52:51\",\"2026-12-05 20:52:55\",5,4,\"ANSWERED\",\"DOCUMENTATION\"\n";
    const NO_ANSWER: &str = "\"\",\"1001\",\"1002\",\"fidelity\",\"\",\"PJSIP/1001-00000006\",\"\",\"Dial\",\"PJSIP/1002,20\",\"2026-12-05 20:53:15\",,\"2026-12-05 20:53:36\",21,0,\"NO ANSWER\",\"DOCUMENTATION\",\"1796503995.14\",\"\"\n";

    #[test]
    fn a_row_as_cdr_csv_writes_it() {
        let parsed = parse(S1.as_bytes(), true);
        assert_eq!(parsed.consumed, S1.len());
        let row = &parsed.rows[0];
        assert_eq!(row.clid, "\"Alice Smith\" <1001>");
        assert_eq!(row.lastdata, "PJSIP/1002,20");
        assert_eq!((row.start.as_str(), row.answer.as_str(), row.end.as_str()), ("2026-12-05 20:52:50", "2026-12-05 20:52:51", "2026-12-05 20:52:55"));
        assert_eq!((row.duration, row.billsec, row.disposition.as_str(), row.amaflags.as_str()), (5, 4, "ANSWERED", "DOCUMENTATION"));
        assert_eq!((row.uniqueid.as_str(), row.userfield.as_str()), ("", ""));

        let parsed = parse(NO_ANSWER.as_bytes(), true);
        let row = &parsed.rows[0];
        assert_eq!((row.answer.as_str(), row.uniqueid.as_str(), row.disposition.as_str()), ("", "1796503995.14", "NO ANSWER"));
    }

    #[test]
    fn a_row_being_written_waits_and_line_breaks_inside_quotes_are_values() {
        let odd = S1.replace("PJSIP/1002,20", "a,\"\"b\"\"\r\nc");
        let odd = odd.replace("\"\"\"Alice", "\"\"\"Al,\nice");
        let text = format!("{S1}{odd}");
        let parsed = parse(text.as_bytes(), true);
        assert_eq!(parsed.rows.len(), 2, "{parsed:?}");
        assert_eq!(parsed.rows[1].lastdata, "a,\"b\"\r\nc");
        assert_eq!(parsed.rows[1].clid, "\"Al,\nice Smith\" <1001>");
        for cut in 1..odd.len() {
            let partial = format!("{S1}{}", &odd[..cut]);
            let parsed = parse(partial.as_bytes(), true);
            assert_eq!(parsed.rows.len(), 1, "cut at {cut}");
            assert_eq!(parsed.consumed, S1.len(), "cut at {cut}");
        }
    }

    #[test]
    fn garbage_is_skipped_and_the_rows_after_it_are_kept() {
        let mut text = b"not a row\n\"unclosed,\"x\n".to_vec();
        text.extend_from_slice(S1.as_bytes());
        text.extend_from_slice(b"\xff\xfe\n\n");
        text.extend_from_slice(NO_ANSWER.as_bytes());
        // A crash cut a row short and the next row was appended to it.
        text.extend_from_slice(format!("\"\",\"1001\",\"10{S1}").as_bytes());
        text.extend_from_slice(S1.as_bytes());
        let parsed = parse(&text, true);
        let channels: Vec<&str> = parsed.rows.iter().map(|r| r.channel.as_str()).collect();
        assert_eq!(channels, ["PJSIP/1001-00000004", "PJSIP/1001-00000006", "PJSIP/1001-00000004"], "{parsed:?}");
        assert_eq!(parsed.skipped.len(), 4, "{parsed:?}");
        assert_eq!(parsed.consumed, text.len());
    }

    #[test]
    fn an_unclosed_quote_holds_back_nothing_once_a_valid_row_follows() {
        let text = format!("\"x\",\"unclosed\n{S1}");
        let parsed = parse(text.as_bytes(), true);
        assert_eq!(parsed.rows.len(), 1, "{parsed:?}");
        assert_eq!(parsed.consumed, text.len());
        // Not at the end of the file yet: wait for more.
        let parsed = parse(b"\"x\",\"unclosed\n\"\",\"1001\"", true);
        assert_eq!((parsed.rows.len(), parsed.consumed), (0, 0));
    }

    #[test]
    fn invalid_utf8_is_kept_lossily() {
        let text = S1.replace("Alice", "Al\u{0}ice").into_bytes();
        let mut bytes = text.clone();
        let at = bytes.windows(5).position(|w| w == b"Smith").unwrap();
        bytes[at] = 0xff;
        let parsed = parse(&bytes, true);
        assert_eq!(parsed.rows[0].clid, "\"Al\u{0}ice \u{fffd}mith\" <1001>");
    }
}
