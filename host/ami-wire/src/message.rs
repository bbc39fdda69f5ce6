//! An AMI message: an ordered multimap of `Key: Value` lines.
//!
//! Keys repeat (`Variable:` in Originate, `Output:` in Command answers, `ChanVariable:` in events) and
//! their order means something, so a message is a list of pairs, not a map. Key lookups ignore ASCII
//! case, as Asterisk does.

use std::fmt;

/// One AMI message (action, response or event).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    fields: Vec<(String, String)>,
    /// Raw CLI output of an old-style `Response: Follows` … `--END COMMAND--` answer (Asterisk ≤ 13).
    pub legacy_output: Option<String>,
}

/// What a message from the server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Has a `Response:` key.
    Response,
    /// Has an `Event:` key.
    Event,
    /// Neither (malformed, or an action read by a server).
    Other,
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// A message with the given pairs, in order.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Message { fields: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), legacy_output: None }
    }

    /// Appends a pair (keys may repeat).
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.fields.push((key.into(), value.into()));
    }

    /// Builder form of [`Message::push`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(key, value);
        self
    }

    /// The first value of `key` (ASCII case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// All pairs in order.
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// Consumes the message into its pairs.
    pub fn into_fields(self) -> Vec<(String, String)> {
        self.fields
    }

    /// Removes every pair with `key`.
    pub fn remove(&mut self, key: &str) {
        self.fields.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    }

    /// Sets `key` to `value`: replaces the first pair with that key, or appends one.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.fields.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(pair) => pair.1 = value,
            None => self.fields.push((key.to_string(), value)),
        }
    }

    /// Response, event, or neither.
    pub fn kind(&self) -> Kind {
        match self.fields.first().map(|(k, _)| k.as_str()) {
            Some(k) if k.eq_ignore_ascii_case("Response") => Kind::Response,
            Some(k) if k.eq_ignore_ascii_case("Event") => Kind::Event,
            _ if self.get("Response").is_some() => Kind::Response,
            _ if self.get("Event").is_some() => Kind::Event,
            _ => Kind::Other,
        }
    }

    /// The `ActionID`, if any.
    pub fn action_id(&self) -> Option<&str> {
        self.get("ActionID")
    }

    /// The event name, for events.
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// Whether the number of bytes this message takes on the wire fits `limit`.
    pub fn wire_len(&self) -> usize {
        self.fields.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() + 2
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in &self.fields {
            write!(f, "{k}: {v}\r\n")?;
        }
        if let Some(output) = &self.legacy_output {
            write!(f, "{output}--END COMMAND--\r\n")?;
        }
        f.write_str("\r\n")
    }
}
