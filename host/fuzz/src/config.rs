//! The configuration reader (`switchboard::config::parse`): any text is either a configuration or
//! a non-empty list of problems, each located at the file (`path`) or a `path:line:column` inside
//! the text — never a panic.

use std::path::Path;

use switchboard::config::parse;

const PATH: &str = "/etc/switchboard/switchboard.toml";

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Err(error) = parse(text, Path::new(PATH)) else { return };
    assert!(!error.0.is_empty(), "an error without problems for {text:?}");
    let lines = text.split('\n').count();
    for problem in &error.0 {
        assert!(!problem.message.is_empty(), "a problem without a message: {problem:?}");
        let Some(position) = problem.location.strip_prefix(PATH) else {
            panic!("problem not located in the file: {problem:?}");
        };
        if position.is_empty() {
            continue;
        }
        let mut parts = position.strip_prefix(':').unwrap_or_else(|| panic!("bad location {problem:?}")).split(':');
        let line: usize = parts.next().and_then(|l| l.parse().ok()).unwrap_or_else(|| panic!("bad line in {problem:?}"));
        let column: usize = parts.next().and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("bad column in {problem:?}"));
        assert!(parts.next().is_none(), "bad location {problem:?}");
        assert!((1..=lines).contains(&line) && column >= 1, "{problem:?} is outside the text ({lines} lines)");
    }
}
