//! Asterisk's config-file syntax read back, line by line, as `main/config.c` reads it: a `;` not
//! preceded by `\` starts a comment, a line starting with `[` opens a section, one starting with
//! `#` is a directive (`#include`, `#exec`), anything else is `key = value` or `key => value`.

/// One line of a config file, after its comment is cut off and blanks are trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// Nothing but blanks.
    Blank,
    /// A line that is all comment (`;` first).
    Comment,
    /// `[name]`, and whatever follows the `]` (template options, which we never write).
    Section { name: &'a str, rest: &'a str },
    /// `#include …`, `#exec …`, `#tryinclude …`.
    Directive(&'a str),
    /// `key=value` or `key => value` (`arrow`).
    Set { key: &'a str, arrow: bool, value: &'a str },
    /// Anything else (Asterisk warns and skips it).
    Other(&'a str),
}

/// The byte offset of the first `;` that starts a comment (one not escaped by a `\` before it).
pub fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b';' && (i == 0 || bytes[i - 1] != b'\\'))
}

/// Reads one line (without its `\n`).
pub fn line(raw: &str) -> Line<'_> {
    if raw.trim_start().starts_with(';') {
        return Line::Comment;
    }
    let code = &raw[..comment_start(raw).unwrap_or(raw.len())];
    let code = code.trim_matches([' ', '\t']);
    if code.is_empty() {
        return Line::Blank;
    }
    if let Some(body) = code.strip_prefix('[') {
        return match body.split_once(']') {
            Some((name, rest)) => Line::Section { name, rest },
            None => Line::Other(code),
        };
    }
    if code.starts_with('#') {
        return Line::Directive(code);
    }
    match code.split_once('=') {
        Some((key, value)) => {
            let (arrow, value) = match value.strip_prefix('>') {
                Some(v) => (true, v),
                None => (false, value),
            };
            Line::Set { key: key.trim_matches([' ', '\t']), arrow, value: value.trim_matches([' ', '\t']) }
        }
        None => Line::Other(code),
    }
}

/// Whether `c` may appear in an object, section, extension or queue name as the renderer writes
/// them.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.+*#@-".contains(c)
}
