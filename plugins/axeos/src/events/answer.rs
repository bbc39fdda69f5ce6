//! The `GET /events` answer: the stream's items (the translator's JSON) with their `seq` and
//! `timestamp` put right after `event_type`, as the seed lists them, and the query's options.

use switchboard_sdk::Error;

use crate::ordered::Value;

/// One item of the mount's stream.
pub struct Item<'a> {
    pub seq: u64,
    pub timestamp: &'a str,
    pub data: &'a str,
}

/// The JSON array of the seed's event objects.
pub fn render(items: &[Item]) -> String {
    let events: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut entries = match serde_json::from_str::<Value>(item.data) {
                Ok(Value::Object(entries)) => entries,
                _ => vec![("event_type".to_string(), Value::String("unknown".into()))],
            };
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
