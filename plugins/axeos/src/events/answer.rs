//! The `GET /events` answer: the stream's items (the translator's JSON) with their `seq` and
//! `timestamp` put right after `event_type`, as the API document lists them, and the query's options.

use switchboard_sdk::Error;

use crate::ordered::Value;

/// One item of the mount's stream.
pub struct Item<'a> {
    pub seq: u64,
    pub timestamp: &'a str,
    pub data: &'a str,
}

/// Whether the stream item `data` concerns someone whose user, phone and mailbox UUIDs are
/// `mine`: a call they take part in (its `_parties`), their phone's or their own status, their
/// mailbox. List-changed notices name nobody and concern only the administrator.
pub fn concerns(data: &str, mine: &[String]) -> bool {
    let Ok(serde_json::Value::Object(event)) = serde_json::from_str::<serde_json::Value>(data) else { return false };
    let is_mine = |v: &serde_json::Value| v.as_str().is_some_and(|s| mine.iter().any(|m| m == s));
    if event.get("_parties").and_then(|p| p.as_array()).is_some_and(|parties| parties.iter().any(is_mine)) {
        return true;
    }
    ["user_uuid", "phone_uuid", "voicemail_uuid"].iter().any(|key| event.get(*key).is_some_and(is_mine))
}

/// The JSON array of the API document's event objects.
pub fn render(items: &[Item]) -> String {
    let events: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut entries = match serde_json::from_str::<Value>(item.data) {
                Ok(Value::Object(entries)) => entries,
                _ => vec![("event_type".to_string(), Value::String("unknown".into()))],
            };
            // The plugin's own bookkeeping (`_parties`) is not part of the API.
            entries.retain(|(k, _)| !k.starts_with('_'));
            let at = entries.iter().position(|(k, _)| k == "event_type").map_or(0, |i| i + 1);
            entries.insert(at, ("seq".into(), Value::Number(item.seq.to_string())));
            entries.insert(at + 1, ("timestamp".into(), Value::String(item.timestamp.to_string())));
            Value::Object(entries)
        })
        .collect();
    serde_json::to_string(&events).unwrap_or_else(|_| "[]".into())
}

/// `last`, `timeout` and `limit` from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub last: Option<u64>,
    /// Milliseconds to wait.
    pub timeout_ms: u32,
    /// At most this many events; 0 for all the buffer holds.
    pub limit: u32,
}

/// Longest wait: under the mount's request deadline (60 s in the demo) with room to answer.
pub const MAX_TIMEOUT_S: u32 = 50;
/// Wait when `timeout` is not given.
pub const DEFAULT_TIMEOUT_S: u32 = 30;

pub fn query(last: Option<&str>, timeout: Option<&str>, limit: Option<&str>) -> Result<Query, Error> {
    let number = |v: Option<&str>, name: &str| -> Result<Option<u64>, Error> {
        v.filter(|v| !v.is_empty())
            .map(|v| v.trim().parse::<u64>().map_err(|_| Error::bad_request(format!("`{name}` must be a non-negative integer"))))
            .transpose()
    };
    let timeout = number(timeout, "timeout")?.map_or(DEFAULT_TIMEOUT_S, |t| t.min(u64::from(MAX_TIMEOUT_S)) as u32);
    Ok(Query {
        last: number(last, "last")?,
        timeout_ms: timeout * 1000,
        limit: number(limit, "limit")?.map_or(0, |l| l.min(u64::from(u32::MAX)) as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_and_timestamp_follow_the_event_type() {
        let data = r#"{"event_type":"phone status update","phone_uuid":"p","status_code":1,"status":"In Use"}"#;
        let out = render(&[Item { seq: 7, timestamp: "2026-11-22T06:30:00.123Z", data }]);
        assert_eq!(
            out,
            r#"[{"event_type":"phone status update","seq":7,"timestamp":"2026-11-22T06:30:00.123Z","phone_uuid":"p","status_code":1,"status":"In Use"}]"#
        );
        assert_eq!(render(&[]), "[]");
        let call = r#"{"event_type":"call finished","unique_id":"1.1","_parties":["user-1","phone-1"],"reason":"hangup"}"#;
        assert_eq!(
            render(&[Item { seq: 1, timestamp: "t", data: call }]),
            r#"[{"event_type":"call finished","seq":1,"timestamp":"t","unique_id":"1.1","reason":"hangup"}]"#
        );
    }

    #[test]
    fn a_user_sees_their_calls_phones_and_mailbox_only() {
        let mine = ["user-1".to_string(), "phone-1".to_string(), "mbox-1".to_string()];
        let yes = [
            r#"{"event_type":"call finished","_parties":["user-2","phone-2","user-1"]}"#,
            r#"{"event_type":"phone status update","phone_uuid":"phone-1","status_code":0}"#,
            r#"{"event_type":"user logged in","user_uuid":"user-1","phone_uuid":"phone-9"}"#,
            r#"{"event_type":"voicemail status","voicemail_uuid":"mbox-1"}"#,
        ];
        let no = [
            r#"{"event_type":"call finished","_parties":["user-2","phone-2"]}"#,
            r#"{"event_type":"phone status update","phone_uuid":"phone-2","status_code":0}"#,
            r#"{"event_type":"user list changed"}"#,
            r#"{"event_type":"voicemail status","voicemail_uuid":"mbox-2"}"#,
            r#"not json"#,
            r#"{"event_type":"call finished","caller":{"user_uuid":"user-1"}}"#,
        ];
        assert!(yes.iter().all(|d| concerns(d, &mine)));
        assert!(no.iter().all(|d| !concerns(d, &mine)), "{:?}", no.iter().filter(|d| concerns(d, &mine)).collect::<Vec<_>>());
    }

    #[test]
    fn query_defaults_caps_and_errors() {
        assert_eq!(query(None, None, None).unwrap(), Query { last: None, timeout_ms: 30_000, limit: 0 });
        assert_eq!(query(Some("41"), Some("0"), Some("1")).unwrap(), Query { last: Some(41), timeout_ms: 0, limit: 1 });
        assert_eq!(query(None, Some("3600"), None).unwrap().timeout_ms, 50_000);
        assert_eq!(query(Some("-1"), None, None).unwrap_err().status(), 400);
        assert_eq!(query(None, Some("soon"), None).unwrap_err().status(), 400);
    }
}
