//! The AMI codec (`switchboard::ami::codec`).
//!
//! The first byte picks the property:
//! - even: the rest is a byte stream (eight bytes of chunk sizes, then the stream). Decoding it in
//!   those chunks yields exactly the frames and the error that decoding it whole does — a frame
//!   never depends on where the socket happened to split the bytes — and no decoded header key
//!   holds a colon or a line break.
//! - odd: the rest is a [`Message`]. [`validate`] accepts it exactly when no key is empty or holds
//!   `:`, a blank or a control character, no value holds CR or LF or is over-long, there are not too many
//!   headers, and no `Response: Follows` promises CLI output the message does not carry; what it
//!   accepts [`encode`]s to one line per header plus the closing empty line, and
//!   decodes back to the same message.

use arbitrary::{Arbitrary, Unstructured};
use switchboard::ami::Message;
use switchboard::ami::codec::{DecodeError, Decoder, Frame, MAX_HEADERS, MAX_VALUE, encode, validate};

pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        split_invariance(rest);
    } else {
        round_trip(rest);
    }
}

/// Frames until the first error (or the end of the bytes), and that error.
fn decode_all(decoder: &mut Decoder, frames: &mut Vec<Frame>) -> Result<(), DecodeError> {
    while let Some(frame) = decoder.next_frame()? {
        frames.push(frame);
    }
    Ok(())
}

fn split_invariance(data: &[u8]) {
    let (sizes, stream) = data.split_at(data.len().min(8));
    let client = sizes.first().is_some_and(|b| b & 0x80 != 0);
    let new = || if client { Decoder::client() } else { Decoder::server() };

    let mut whole = new();
    whole.extend(stream);
    let mut expected = Vec::new();
    let expected_end = decode_all(&mut whole, &mut expected);

    let mut chunked = new();
    let mut frames = Vec::new();
    let mut end = Ok(());
    let mut at = 0;
    for size in sizes.iter().map(|s| usize::from(s & 0x3f) + 1).cycle() {
        if at >= stream.len() || end.is_err() {
            break;
        }
        let next = (at + size).min(stream.len());
        chunked.extend(&stream[at..next]);
        at = next;
        end = decode_all(&mut chunked, &mut frames);
    }
    if stream.is_empty() {
        end = decode_all(&mut chunked, &mut frames);
    }
    assert_eq!(frames, expected, "frames differ when the stream is split");
    assert_eq!(end, expected_end, "the error differs when the stream is split");
    for frame in &frames {
        if let Frame::Message(message) = frame {
            for (key, _) in message.fields() {
                assert!(!key.contains(|c: char| c == ':' || c == ' ' || c.is_control()), "decoded key {key:?}");
            }
        }
    }
}

/// A message from the fuzzer: pairs drawn from realistic keys and values or arbitrary text.
fn message(u: &mut Unstructured<'_>) -> arbitrary::Result<Message> {
    const KEYS: [&str; 8] = ["Action", "ActionID", "Channel", "Variable", "Response", "Event", "Command", "Output"];
    const VALUES: [&str; 6] = ["Originate", "Success", "Follows", "PJSIP/1001", "core show channels", ""];
    let mut message = Message::new();
    let count = u.int_in_range(0..=u8::MAX)?;
    for _ in 0..count {
        if u.is_empty() {
            break;
        }
        let key = if u.ratio(3, 4)? { (*u.choose(&KEYS)?).to_string() } else { String::arbitrary(u)? };
        let value = match u.int_in_range(0..=3)? {
            0 => (*u.choose(&VALUES)?).to_string(),
            1 => "v".repeat(u.int_in_range(MAX_VALUE - 2..=MAX_VALUE + 2)?),
            _ => String::arbitrary(u)?,
        };
        message.push(key, value);
    }
    Ok(message)
}

fn round_trip(data: &[u8]) {
    let Ok(message) = message(&mut Unstructured::new(data)) else { return };
    let follows = message.fields().iter().any(|(k, v)| k.eq_ignore_ascii_case("Response") && v.eq_ignore_ascii_case("Follows"));
    let expected_ok = message.fields().len() <= MAX_HEADERS
        && !follows
        && message.fields().iter().all(|(k, v)| {
            !k.is_empty()
                && !k.contains([':', ' ', '\t', '\r', '\n'])
                && !k.contains(|c: char| c.is_control())
                && !v.contains(['\r', '\n'])
                && v.len() <= MAX_VALUE
        });
    let verdict = validate(&message);
    assert_eq!(verdict.is_ok(), expected_ok, "validate said {verdict:?} for {message:?}");
    let Ok(bytes) = encode(&message) else {
        assert!(!expected_ok);
        return;
    };
    // One CRLF per header and one for the end: no value added a line.
    let text = std::str::from_utf8(&bytes).expect("encoded text is UTF-8");
    assert_eq!(text.matches('\n').count(), message.fields().len() + 1, "{text:?}");
    assert_eq!(text.matches('\r').count(), message.fields().len() + 1, "{text:?}");
    if message.fields().is_empty() {
        return;
    }
    let mut decoder = Decoder::server();
    decoder.extend(&bytes);
    let mut frames = Vec::new();
    decode_all(&mut decoder, &mut frames).expect("encoded bytes decode");
    assert_eq!(frames, vec![Frame::Message(message)], "{text:?}");
}
