//! What the admin resource accepts in each field, checked before anything is written.

use switchboard_sdk::prelude::*;

use crate::answer::invalid;

/// A UUID given on create (migrations keep the original ones), as its lowercase hyphenated form;
/// a fresh v4 UUID when none is given.
pub fn uuid_or_new(given: Option<&str>) -> Result<String, Error> {
    match given {
        None => Ok(new_uuid()),
        Some(text) => parse_uuid(text).ok_or_else(|| invalid("uuid", "must be a UUID such as 5485137a-3c6d-454e-9801-d3b875f7a5e0")),
    }
}

/// A UUID in its lowercase hyphenated form, or `None` when `text` is not a hyphenated UUID.
pub fn parse_uuid(text: &str) -> Option<String> {
    (text.len() == 36).then(|| uuid::Uuid::try_parse(text).ok()).flatten().map(|u| u.hyphenated().to_string())
}

/// A fresh lowercase v4 UUID.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// Whether `text` holds a control character (C0, DEL or C1).
pub fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// A name or description: at most `max` characters, no control characters; `required` ones not
/// empty after trimming.
pub fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String, Error> {
    if required && value.trim().is_empty() {
        return Err(crate::answer::missing(field));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("is longer than {max} characters")));
    }
    if has_control(value) {
        return Err(invalid(field, "holds a line break or another control character"));
    }
    Ok(value.to_string())
}

/// A routing context name, as Asterisk's dialplan names them here: `[A-Za-z0-9_-]{1,80}`.
pub fn is_context(name: &str) -> bool {
    (1..=80).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `enable`: `"yes"` or `"no"`.
pub fn enable(value: &str) -> Result<String, Error> {
    match value {
        "yes" | "no" => Ok(value.to_string()),
        _ => Err(invalid("enable", "must be \"yes\" or \"no\"")),
    }
}

/// An API key an admin sets (a migrated user's original key): 16 to 255 printable ASCII
/// characters without spaces, so it travels in a query string as is.
pub fn api_key(value: &str) -> Result<String, Error> {
    if !(16..=255).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid("api_key", "must be 16 to 255 printable ASCII characters without spaces (or \"new\" to generate one)"));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_kept_lowercase_or_made_v4() {
        assert_eq!(uuid_or_new(Some("5485137A-3C6D-454E-9801-D3B875F7A5E0")).unwrap(), "5485137a-3c6d-454e-9801-d3b875f7a5e0");
        for bad in ["", "5485137a3c6d454e9801d3b875f7a5e0", "{5485137a-3c6d-454e-9801-d3b875f7a5e0}", "x485137a-3c6d-454e-9801-d3b875f7a5e0"] {
            assert_eq!(uuid_or_new(Some(bad)).unwrap_err().code(), "invalid_parameter", "{bad}");
        }
        let made = uuid_or_new(None).unwrap();
        let parsed = uuid::Uuid::parse_str(&made).unwrap();
        assert_eq!((parsed.get_version_num(), made.to_lowercase() == made), (4, true));
        assert_ne!(new_uuid(), new_uuid());
    }

    #[test]
    fn contexts_names_and_keys() {
        assert!(is_context("from-internal") && is_context("local_evolvex") && is_context(&"a".repeat(80)));
        for bad in ["", "a b", "ctx,x", "ctx\n", "${X}", "ctx@x", &"a".repeat(81)] {
            assert!(!is_context(bad), "{bad:?}");
        }
        assert_eq!(text("name", "Отдел продаж", 255, true).unwrap(), "Отдел продаж");
        assert_eq!(text("name", " ", 255, true).unwrap_err().code(), "missing_parameter");
        assert_eq!(text("name", "a\nb", 255, true).unwrap_err().code(), "invalid_parameter");
        assert_eq!(text("name", "a\u{85}b", 255, false).unwrap_err().code(), "invalid_parameter");
        assert!(api_key("84f8fc34-82ad-46b0-b5f3-3cfd0462beeb").is_ok());
        for bad in ["short", "has a space in it ok", "ключ-ключ-ключ-ключ", &"k".repeat(256)] {
            assert!(api_key(bad).is_err(), "{bad}");
        }
        assert!(enable("yes").is_ok() && enable("no").is_ok() && enable("YES").is_err());
    }
}
