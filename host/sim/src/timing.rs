//! Time conditions and expressions as the dialplan evaluates them: `GotoIfTime`'s time spec
//! (`09:00-17:00,mon-fri,1-15,jan-mar`) and `$[…]` expressions (comparisons, `&`, `|`).
//!
//! Times are UTC (the simulator has no time zone). A time range includes its last minute, and a
//! range whose end comes before its start wraps (`22:00-06:00`, `fri-mon`), as Asterisk's
//! `ast_build_timing` reads them.

use std::time::SystemTime;

use super::clock;

const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Whether `now` is inside `times,weekdays,mdays,months` (a missing field is `*`; a fifth, the
/// time zone, is ignored: the simulator's times are UTC).
pub fn in_time_spec(spec: &str, now: SystemTime) -> bool {
    let fields: Vec<&str> = spec.split(',').map(str::trim).collect();
    let field = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty()).unwrap_or("*");
    let secs = clock::epoch(now).0;
    let days = (secs / 86_400) as i64;
    let (_, month, mday) = clock::civil(days);
    let minute = (secs % 86_400 / 60) as u32;
    // 1970-01-01 was a Thursday.
    let weekday = ((days + 4).rem_euclid(7)) as u32;
    in_ranges(field(0), minute, clock_minute)
        && in_ranges(field(1), weekday, |v| WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(v)).map(|i| i as u32))
        && in_ranges(field(2), mday - 1, |v| v.parse::<u32>().ok().filter(|d| (1..=31).contains(d)).map(|d| d - 1))
        && in_ranges(field(3), month - 1, |v| MONTHS.iter().position(|m| m.eq_ignore_ascii_case(v)).map(|i| i as u32))
}

/// `HH:MM` as minutes since midnight.
fn clock_minute(v: &str) -> Option<u32> {
    let (h, m) = v.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Whether `value` (0-based) is in `ranges`: `*`, or `&`-joined items and `a-b` ranges (both
/// ends included; a range whose end is before its start wraps). A part that cannot be read matches nothing.
fn in_ranges(ranges: &str, value: u32, read: impl Fn(&str) -> Option<u32>) -> bool {
    if ranges == "*" {
        return true;
    }
    ranges.split('&').any(|range| {
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (read(a.trim()), read(b.trim())),
            None => (read(range.trim()), read(range.trim())),
        };
        let (Some(a), Some(b)) = (a, b) else { return false };
        if a <= b { (a..=b).contains(&value) } else { value >= a || value <= b }
    })
}

/// Whether a condition is true, as `GotoIf` reads it: empty is false, a number is true unless
/// it is 0, any other text is true.
pub fn truthy(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    match v.parse::<f64>() {
        Ok(n) => n != 0.0,
        Err(_) => true,
    }
}

/// Evaluates every `$[…]` in `text` (innermost first), as the dialplan does after expanding
/// `${…}`.
pub fn expand_expressions(text: &str) -> String {
    let mut out = text.to_string();
    // Each pass evaluates one innermost expression; a text without `$[` is left as it is.
    while let Some(start) = out.rfind("$[") {
        let Some(len) = out[start + 2..].find(']') else { break };
        let inner = &out[start + 2..start + 2 + len];
        let value = evaluate(inner);
        out.replace_range(start..start + 2 + len + 1, &value);
    }
    out
}

/// One token of an expression.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Text(String),
    Op(&'static str),
    Open,
    Close,
}

fn tokens(expr: &str) -> Vec<Token> {
    const OPS: [&str; 10] = ["!=", "<=", ">=", "==", "=", "<", ">", "&", "|", "!"];
    let mut out = Vec::new();
    let mut rest = expr.trim_start();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('(') {
            out.push(Token::Open);
            rest = r;
        } else if let Some(r) = rest.strip_prefix(')') {
            out.push(Token::Close);
            rest = r;
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            out.push(Token::Text(r[..end].to_string()));
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || "()\"=!<>&|".contains(c)).unwrap_or(rest.len());
            out.push(Token::Text(rest[..end].to_string()));
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    out
}

/// An expression's value: `a | b` is `a` unless it is empty or 0, else `b`; `a & b` is `a`
/// unless either is empty or 0, else `0`; comparisons are numeric when both sides are numbers,
/// else textual, and give `1` or `0`.
pub fn evaluate(expr: &str) -> String {
    let tokens = tokens(expr);
    let mut at = 0;
    or(&tokens, &mut at)
}

fn or(t: &[Token], at: &mut usize) -> String {
    let mut left = and(t, at);
    while t.get(*at) == Some(&Token::Op("|")) {
        *at += 1;
        let right = and(t, at);
        if !truthy(&left) {
            left = right;
        }
    }
    left
}

fn and(t: &[Token], at: &mut usize) -> String {
    let mut left = compare(t, at);
    while t.get(*at) == Some(&Token::Op("&")) {
        *at += 1;
        let right = compare(t, at);
        if !truthy(&left) || !truthy(&right) {
            left = "0".into();
        }
    }
    left
}

fn compare(t: &[Token], at: &mut usize) -> String {
    let left = term(t, at);
    let Some(Token::Op(op)) = t.get(*at).cloned() else { return left };
    if matches!(op, "&" | "|") {
        return left;
    }
    *at += 1;
    let right = term(t, at);
    let ordering = match (left.trim().parse::<f64>(), right.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b),
        _ => Some(left.cmp(&right)),
    };
    let yes = match (op, ordering) {
        ("=" | "==", Some(o)) => o.is_eq(),
        ("!=", Some(o)) => o.is_ne(),
        ("<", Some(o)) => o.is_lt(),
        ("<=", Some(o)) => o.is_le(),
        (">", Some(o)) => o.is_gt(),
        (">=", Some(o)) => o.is_ge(),
        _ => false,
    };
    if yes { "1".into() } else { "0".into() }
}

fn term(t: &[Token], at: &mut usize) -> String {
    match t.get(*at).cloned() {
        Some(Token::Open) => {
            *at += 1;
            let value = or(t, at);
            if t.get(*at) == Some(&Token::Close) {
                *at += 1;
            }
            value
        }
        Some(Token::Op("!")) => {
            *at += 1;
            if truthy(&term(t, at)) { "0".into() } else { "1".into() }
        }
        Some(Token::Text(s)) => {
            *at += 1;
            s
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn time_specs_match_as_asterisk_reads_them() {
        // Wednesday 2026-01-14 10:30 UTC.
        let now = UNIX_EPOCH + Duration::from_secs(1_768_386_600);
        assert!(in_time_spec("09:00-17:00,mon-fri,*,*", now));
        assert!(in_time_spec("10:30-10:30,wed,14,jan", now), "the end minute is included");
        assert!(in_time_spec("22:00-11:00,*,*,*", now), "a range past midnight wraps");
        assert!(in_time_spec("*,fri-wed,1-15&20,dec-feb", now));
        assert!(!in_time_spec("11:00-17:00,*,*,*", now));
        assert!(!in_time_spec("*,sat-sun,*,*", now));
        assert!(!in_time_spec("*,*,15-31,*", now));
        assert!(!in_time_spec("*,*,*,feb", now));
        assert!(!in_time_spec("nonsense,*,*,*", now));
    }

    #[test]
    fn expressions_compare_and_combine() {
        assert_eq!(expand_expressions("$[1767300000 >= 1767225600 & 1767300000 <= 1767311999]"), "1");
        assert_eq!(expand_expressions("$[1767400000 >= 1767225600 & 1767400000 <= 1767311999]"), "0");
        assert_eq!(expand_expressions(r#"$["1002" = "1001" | "1002" = "1002"]"#), "1");
        assert_eq!(expand_expressions(r#"$["" = "1001"]"#), "0");
        assert_eq!(expand_expressions("x$[2 > 10]y"), "x0y", "numbers compare as numbers");
        assert_eq!(expand_expressions("$[(1 | 0) & !0]"), "1");
        assert!(truthy("abc") && !truthy("0") && !truthy(" "));
    }
}
