//! One entry of a mount's `grants.ami`: an action, and optionally what its arguments may be.
//!
//! For most actions the name says how much a plugin can do, but for some the arguments decide:
//! `Command` runs any CLI command (`core show channels` and `core stop now` alike), `Originate`
//! with `Application: System` runs a shell command, `DBPut` writes any astdb family. So an entry
//! may constrain headers with glob patterns:
//!
//! | entry | allows |
//! |-------|--------|
//! | `*` | every action (but the host-only ones below) with any arguments |
//! | `Status` | `Status` with any arguments |
//! | `Command core show *` | CLI commands matching `core show *` (for `Command` the rest is its `Command` header) |
//! | `Originate Context=from-internal, Application=` | `Originate` into `from-internal` only, and without an `Application` |
//! | `DBPut Family=CF*` | `DBPut` into families starting with `CF` |
//!
//! Patterns: `*` matches any run of characters, `?` one; letters match either case, and runs of
//! blanks in the value count as one space (as Asterisk's CLI splits words). A named header must be
//! present and *every* occurrence must match (a repeated header cannot smuggle a second value);
//! `Header=` with nothing after it means the header must be absent or empty. Headers not named are
//! not constrained. Several entries for one action: any one allowing the call is enough.
//!
//! Host-only actions ([`HOST_ONLY`]) are never granted: they change the connection every mount
//! shares (`Logoff` ends it, `Events` changes which events the bus receives, `WaitEvent` holds the
//! session's action queue).

use std::fmt;

/// Actions only the host sends, whatever a mount is granted.
pub const HOST_ONLY: [&str; 5] = ["Login", "Logoff", "Challenge", "Events", "WaitEvent"];

/// Whether `action` is one only the host sends (case-insensitive, as Asterisk matches names).
pub fn host_only(action: &str) -> bool {
    HOST_ONLY.iter().any(|a| a.eq_ignore_ascii_case(action))
}

/// One `grants.ami` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmiGrant {
    text: String,
    /// The action name, or `*`.
    action: String,
    /// Constrained headers and their patterns, in the order written.
    arguments: Vec<(String, String)>,
}

impl AmiGrant {
    /// Parses an entry (see the module docs); the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<AmiGrant, String> {
        let trimmed = text.trim();
        let (action, rest) = match trimmed.split_once(char::is_whitespace) {
            Some((action, rest)) => (action, rest.trim()),
            None => (trimmed, ""),
        };
        if action != "*" && (action.is_empty() || !action.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            return Err("an AMI action name (e.g. `Status`) or `*`, optionally followed by arguments".into());
        }
        if host_only(action) {
            return Err(format!(
                "`{action}` is sent only by the host (it would change the connection every mount shares); it cannot be granted"
            ));
        }
        if action == "*" && !rest.is_empty() {
            return Err("`*` takes no arguments: name the action whose arguments you constrain".into());
        }
        if text.chars().any(char::is_control) {
            return Err("holds a control character".into());
        }
        let mut arguments = Vec::new();
        let first_word_is_header = rest.split_whitespace().next().is_some_and(|w| w.contains('='));
        if action.eq_ignore_ascii_case("Command") && !rest.is_empty() && !first_word_is_header {
            arguments.push(("Command".to_string(), rest.to_string()));
        } else if !rest.is_empty() {
            for part in rest.split(',') {
                let (header, pattern) = part
                    .split_once('=')
                    .ok_or_else(|| format!("`{}` is not HEADER=PATTERN (e.g. `Context=from-internal`)", part.trim()))?;
                let header = header.trim();
                if header.is_empty() || !header.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    return Err(format!("`{header}` is not an AMI header name"));
                }
                arguments.push((header.to_string(), pattern.trim().to_string()));
            }
        }
        Ok(AmiGrant { text: trimmed.to_string(), action: action.to_string(), arguments })
    }

    /// The entry as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether this entry of a mount's grants lends everything `need` (an entry of a plugin's
    /// declared needs, `crate::needs`) asks for: the same action (or `*` here) without argument
    /// patterns, or exactly the same entry. Patterns are not compared for inclusion: an admin who
    /// narrows a need's arguments writes the narrowed entry, and `check` shows both.
    pub fn covers(&self, need: &AmiGrant) -> bool {
        if need.action == "*" {
            return self.action == "*" && self.arguments.is_empty();
        }
        self.names(&need.action) && (self.arguments.is_empty() || self.text.split_whitespace().eq(need.text.split_whitespace()))
    }

    /// Whether the entry names `action` (or is `*`), whatever it says of the arguments.
    pub fn names(&self, action: &str) -> bool {
        !host_only(action) && (self.action == "*" || self.action.eq_ignore_ascii_case(action))
    }

    /// Whether the entry allows `action` with `headers`.
    pub fn allows(&self, action: &str, headers: &[(String, String)]) -> bool {
        self.names(action)
            && self.arguments.iter().all(|(header, pattern)| {
                let mut values = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(header)).map(|(_, v)| v.as_str()).peekable();
                if pattern.is_empty() {
                    return values.all(|v| v.trim().is_empty());
                }
                values.peek().is_some() && values.all(|v| glob(pattern, v))
            })
    }
}

impl fmt::Display for AmiGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `pattern` (`*`, `?`, letters in either case) against `value` with its blank runs collapsed.
fn glob(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = collapse(pattern).chars().map(|c| c.to_ascii_lowercase()).collect();
    let value: Vec<char> = collapse(value).chars().map(|c| c.to_ascii_lowercase()).collect();
    // Iterative wildcard matching with one backtrack point: linear in practice, never exponential.
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == value[v]) {
            p += 1;
            v += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, v));
            p += 1;
        } else if let Some((sp, sv)) = star {
            p = sp + 1;
            v = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_cli_pattern_allows_only_matching_commands() {
        let g = AmiGrant::parse("Command core show *").unwrap();
        assert!(g.allows("Command", &h(&[("Command", "core show channels verbose")])));
        assert!(g.allows("command", &h(&[("Command", "CORE   show\tchannels")])), "case and blank runs as Asterisk reads them");
        assert!(!g.allows("Command", &h(&[("Command", "core stop now")])));
        assert!(!g.allows("Command", &h(&[("Command", " core stop now core show x")])));
        assert!(!g.allows("Command", &[]), "the constrained header must be there");
        assert!(!g.allows("Command", &h(&[("Command", "core show x"), ("Command", "core stop now")])), "every occurrence matches");
        assert!(!g.allows("Status", &h(&[("Command", "core show x")])));
        assert_eq!(AmiGrant::parse("Command Command=core show *").unwrap().allows("Command", &h(&[("Command", "core show x")])), true);
    }

    #[test]
    fn header_patterns_and_absent_headers() {
        let g = AmiGrant::parse("Originate Context=from-internal, Application=").unwrap();
        let ok = h(&[("Channel", "PJSIP/1001"), ("Context", "from-internal"), ("Exten", "1002")]);
        assert!(g.allows("Originate", &ok));
        let mut shell = ok.clone();
        shell.push(("Application".into(), "System".into()));
        assert!(!g.allows("Originate", &shell), "Application must be absent");
        assert!(!g.allows("Originate", &h(&[("Channel", "PJSIP/1001"), ("Context", "from-trunk")])));
        assert!(!g.allows("Originate", &h(&[("Channel", "PJSIP/1001")])), "Context must be given");
        let db = AmiGrant::parse("DBPut Family=CF*").unwrap();
        assert!(db.allows("DBPut", &h(&[("Family", "CFB"), ("Key", "1001")])));
        assert!(!db.allows("DBPut", &h(&[("Family", "AMPUSER")])));
    }

    #[test]
    fn plain_entries_and_star_but_never_the_host_only_actions() {
        assert!(AmiGrant::parse("Status").unwrap().allows("status", &h(&[("Channel", "x")])));
        let star = AmiGrant::parse("*").unwrap();
        assert!(star.allows("Originate", &h(&[("Application", "System")])));
        for action in HOST_ONLY {
            assert!(!star.allows(action, &[]), "{action}");
            assert!(!star.allows(&action.to_ascii_lowercase(), &[]), "{action}");
            assert!(AmiGrant::parse(action).unwrap_err().contains("only by the host"), "{action}");
        }
    }

    #[test]
    fn bad_entries_say_why() {
        assert!(AmiGrant::parse("").is_err());
        assert!(AmiGrant::parse("Originate Context").unwrap_err().contains("HEADER=PATTERN"));
        assert!(AmiGrant::parse("Originate Con text=x").unwrap_err().contains("not an AMI header name"));
        assert!(AmiGrant::parse("* Context=x").unwrap_err().contains("takes no arguments"));
        assert!(AmiGrant::parse("Bad-Name").is_err());
    }

    #[test]
    fn globbing() {
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob(&"*a".repeat(20), &"a".repeat(200)), "no exponential blow-up");
    }
}
