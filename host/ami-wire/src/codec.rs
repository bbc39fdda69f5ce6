//! The AMI wire format, both directions, incremental.
//!
//! A message is `Key: Value\r\n` lines ended by an empty line. The first thing a server sends is a
//! banner line (`Asterisk Call Manager/11.0.0\r\n`) with no empty line after it. Old Asterisk (≤ 13)
//! answers `Command` with `Response: Follows`, a few headers, then raw CLI text up to
//! `--END COMMAND--`. [`Decoder`] accepts bytes split at any point and yields whole messages;
//! [`encode`] writes a message exactly as Asterisk and its clients do.
//!
//! Values are checked before writing: a CR or LF in a key or value would let a caller inject extra
//! headers or whole actions, so [`validate`] refuses them (and over-long values) before a byte goes
//! out.

use crate::message::Message;

/// Longest line the decoder accepts (Asterisk's own limit is 1 KiB of header; CLI output lines and
/// events with many variables run longer, so we allow more, but not unbounded).
pub const MAX_LINE: usize = 64 * 1024;
/// Largest message the decoder assembles (headers plus any legacy CLI output): a peer that never
/// ends its message cannot grow our memory past this.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// Longest value a client may send in one header.
pub const MAX_VALUE: usize = 8 * 1024;
/// Most headers in one action.
pub const MAX_HEADERS: usize = 256;

/// What the decoder produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The server's greeting line, e.g. `Asterisk Call Manager/11.0.0`.
    Banner(String),
    /// A whole message.
    Message(Message),
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A line longer than [`MAX_LINE`] without a line break.
    #[error("an AMI line is longer than {MAX_LINE} bytes")]
    LineTooLong,
    /// A message larger than [`MAX_MESSAGE`] without its closing empty line.
    #[error("an AMI message is larger than {MAX_MESSAGE} bytes")]
    MessageTooLong,
}

/// Incremental decoder: feed bytes as they arrive, take frames out.
#[derive(Debug)]
pub struct Decoder {
    buffer: Vec<u8>,
    expect_banner: bool,
    current: Message,
    /// Inside an old-style `Response: Follows` body.
    follows: Option<String>,
    /// Bytes of the message being assembled.
    size: usize,
}

impl Decoder {
    /// A decoder for the client side: the first line is the banner.
    pub fn client() -> Self {
        Decoder { buffer: Vec::new(), expect_banner: true, current: Message::new(), follows: None, size: 0 }
    }

    /// A decoder for the server side (it reads actions), or for any stream already past its banner.
    pub fn server() -> Self {
        Decoder { buffer: Vec::new(), expect_banner: false, current: Message::new(), follows: None, size: 0 }
    }

    /// Adds bytes read from the socket.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame, if the buffered bytes hold one.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        loop {
            let Some(end) = self.buffer.iter().position(|&b| b == b'\n') else {
                if self.buffer.len() > MAX_LINE {
                    return Err(DecodeError::LineTooLong);
                }
                return Ok(None);
            };
            let raw: Vec<u8> = self.buffer.drain(..=end).collect();
            if raw.len() > MAX_LINE {
                return Err(DecodeError::LineTooLong);
            }
            self.size += raw.len();
            if self.size > MAX_MESSAGE {
                return Err(DecodeError::MessageTooLong);
            }
            let line = String::from_utf8_lossy(&raw);
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let line = line.strip_suffix('\r').unwrap_or(line);

            if self.expect_banner {
                self.expect_banner = false;
                self.size = 0;
                return Ok(Some(Frame::Banner(line.to_string())));
            }

            if let Some(output) = self.follows.as_mut() {
                if let Some(before) = line.strip_suffix("--END COMMAND--") {
                    output.push_str(before);
                    let output = self.follows.take().unwrap_or_default();
                    self.current.legacy_output = Some(output);
                    // The empty line that follows ends the message as usual.
                    continue;
                }
                // Headers (Privilege, ActionID) come before the first output line.
                if output.is_empty() {
                    if let Some((key, value)) = header(line) {
                        if key.eq_ignore_ascii_case("Privilege") || key.eq_ignore_ascii_case("ActionID") {
                            self.current.push(key, value);
                            continue;
                        }
                    }
                }
                output.push_str(line);
                output.push('\n');
                continue;
            }

            if line.is_empty() {
                if self.current.fields().is_empty() && self.current.legacy_output.is_none() {
                    continue; // stray blank line between messages
                }
                let message = std::mem::take(&mut self.current);
                self.size = 0;
                return Ok(Some(Frame::Message(message)));
            }
            match header(line) {
                Some((key, value)) => {
                    let follows = key.eq_ignore_ascii_case("Response") && value.eq_ignore_ascii_case("Follows");
                    self.current.push(key, value);
                    if follows {
                        self.follows = Some(String::new());
                    }
                }
                // A line without a colon: keep it, keyed empty, rather than lose data.
                None => self.current.push("", line),
            }
        }
    }
}

/// Splits `Key: Value` (the space after the colon is optional, as Asterisk accepts). A key with a
/// blank or a control character (a bare CR left by a line that ended in LF alone) is no key: such a
/// key, handed on to a plugin or written back to a PBX, would carry a line break where none may be.
fn header(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    if key.is_empty() || key.contains(|c: char| c == ' ' || c.is_control()) {
        return None;
    }
    Some((key, value.strip_prefix(' ').unwrap_or(value)))
}

/// Why a message may not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A key or value holds CR or LF, which would inject headers.
    #[error("`{0}` contains a line break (CR or LF), which AMI cannot carry")]
    LineBreak(String),
    /// A key is empty or holds a colon or space.
    #[error("`{0}` is not a valid AMI header name")]
    BadKey(String),
    /// A value is longer than [`MAX_VALUE`].
    #[error("the value of `{0}` is longer than {MAX_VALUE} bytes")]
    TooLong(String),
    /// More than [`MAX_HEADERS`] headers.
    #[error("more than {MAX_HEADERS} headers in one action")]
    TooManyHeaders,
    /// `Response: Follows` without the CLI output that must follow it.
    #[error("`Response: Follows` without its command output")]
    FollowsWithoutOutput,
}

/// Checks that `message` can be written safely.
pub fn validate(message: &Message) -> Result<(), EncodeError> {
    if message.fields().len() > MAX_HEADERS {
        return Err(EncodeError::TooManyHeaders);
    }
    // A reader takes every line after `Response: Follows` as CLI output up to `--END COMMAND--`:
    // such a message without that output would swallow whatever is sent after it.
    if message.legacy_output.is_none()
        && message.fields().iter().any(|(k, v)| k.eq_ignore_ascii_case("Response") && v.eq_ignore_ascii_case("Follows"))
    {
        return Err(EncodeError::FollowsWithoutOutput);
    }
    for (key, value) in message.fields() {
        if key.is_empty() || key.contains([':', ' ', '\t']) {
            return Err(EncodeError::BadKey(key.escape_debug().to_string()));
        }
        if key.contains(['\r', '\n']) {
            return Err(EncodeError::LineBreak(key.escape_debug().to_string()));
        }
        // The decoder takes no key with a control character (see `header`): what is written must
        // read back as written.
        if key.contains(|c: char| c.is_control()) {
            return Err(EncodeError::BadKey(key.escape_debug().to_string()));
        }
        if value.contains(['\r', '\n']) {
            return Err(EncodeError::LineBreak(key.clone()));
        }
        if value.len() > MAX_VALUE {
            return Err(EncodeError::TooLong(key.clone()));
        }
    }
    Ok(())
}

/// The wire bytes of `message`, after [`validate`].
pub fn encode(message: &Message) -> Result<Vec<u8>, EncodeError> {
    validate(message)?;
    Ok(message.to_string().into_bytes())
}
