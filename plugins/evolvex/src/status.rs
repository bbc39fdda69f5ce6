//! `status`: the PBX's live channels, from AMI `Status` with `AllVariables: true`.
//!
//! Each `Status` event becomes one JSON object of its headers in wire order. Every
//! `Variable: NAME=value` line is also flattened in as `"NAME": "value"` right after it, and the
//! first one is kept as `"Variable"` too (Evolvex answered both). A variable never replaces a
//! header Asterisk sent, so a channel variable called `Context` cannot change what the context
//! filter sees.
//!
//! Filters `calleridnum`, `connectedlinenum`, `context` and `exten` match exactly. Only channels in
//! the caller's contexts are listed; asking for another context is 403 `context_denied`. A PBX that
//! cannot answer is an error (502/503), never an empty list.

use serde::ser::{Serialize, SerializeMap, Serializer};
use switchboard_sdk::ami;
use switchboard_sdk::prelude::*;

use crate::access::{self, Caller};
use crate::answer;
use crate::params::Input;

/// One channel's fields, in the order they are answered.
pub struct Channel(Vec<(String, String)>);

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Channel {
    /// The value of `key` (exact name).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A `Status` event's headers with its variables flattened in (see the module docs).
pub fn flatten(event: &[(String, String)]) -> Channel {
    let sent: Vec<&str> = event.iter().filter(|(k, _)| k != "Variable").map(|(k, _)| k.as_str()).collect();
    let mut out: Vec<(String, String)> = Vec::with_capacity(event.len() * 2);
    let taken = |out: &[(String, String)], key: &str| out.iter().any(|(k, _)| k == key);
    for (key, value) in event {
        if key != "Variable" {
            if !taken(&out, key) {
                out.push((key.clone(), value.clone()));
            }
            continue;
        }
        if !taken(&out, "Variable") {
            out.push(("Variable".into(), value.clone()));
        }
        let Some((name, val)) = value.split_once('=') else { continue };
        if !name.is_empty() && name != "Variable" && !sent.contains(&name) && !taken(&out, name) {
            out.push((name.to_string(), val.to_string()));
        }
    }
    Channel(out)
}

/// The filters a request asks for.
#[derive(Default)]
struct Filters {
    calleridnum: Option<String>,
    connectedlinenum: Option<String>,
    context: Option<String>,
    exten: Option<String>,
}

impl Filters {
    fn of(input: &Input) -> Filters {
        let get = |name: &str| input.non_empty(name).map(str::to_string);
        Filters { calleridnum: get("calleridnum"), connectedlinenum: get("connectedlinenum"), context: get("context"), exten: get("exten") }
    }

    /// Whether `channel` is one the caller may see and the filters ask for.
    fn admit(&self, caller: &Caller, channel: &Channel) -> bool {
        let is = |key: &str, wanted: &Option<String>| wanted.as_deref().is_none_or(|w| channel.get(key) == Some(w));
        channel.get("Context").is_some_and(|c| caller.may_use(c))
            && is("CallerIDNum", &self.calleridnum)
            && is("ConnectedLineNum", &self.connectedlinenum)
            && is("Context", &self.context)
            && is("Exten", &self.exten)
    }
}

/// `GET|POST …/status?api_key=…[&calleridnum=…][&connectedlinenum=…][&context=…][&exten=…]`.
pub fn status(req: &Request) -> Result<Response, Error> {
    let caller = access::authenticate(req)?;
    let filters = Filters::of(&Input::of(req));
    if let Some(context) = &filters.context {
        caller.require(context)?;
    }
    let answer = ami::send("Status", &[("AllVariables", "true")])?;
    let channels: Vec<Channel> = answer
        .events
        .iter()
        .filter(|e| ami::field(e, "Event").is_some_and(|n| n.eq_ignore_ascii_case("Status")))
        .map(|e| flatten(e))
        .filter(|c| filters.admit(&caller, c))
        .collect();
    answer::data(channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn variables_are_flattened_after_their_line_and_the_first_is_kept() {
        let event = fields(&[
            ("Event", "Status"),
            ("Context", "outgoing"),
            ("Variable", "DIALEDPEERNUMBER=user/sip:user@1.1.1.1:5937"),
            ("Variable", "SIPDOMAIN=pbx1.ru"),
            ("Variable", "EMPTY="),
            ("Variable", "EQ=a=b"),
            ("ActionID", "66000f44594c1"),
        ]);
        let json = serde_json::to_string(&flatten(&event)).unwrap();
        assert_eq!(
            json,
            r#"{"Event":"Status","Context":"outgoing","Variable":"DIALEDPEERNUMBER=user/sip:user@1.1.1.1:5937","DIALEDPEERNUMBER":"user/sip:user@1.1.1.1:5937","SIPDOMAIN":"pbx1.ru","EMPTY":"","EQ":"a=b","ActionID":"66000f44594c1"}"#
        );
    }

    #[test]
    fn a_variable_never_replaces_a_header() {
        let event = fields(&[
            ("Event", "Status"),
            ("Variable", "Context=from-internal"),
            ("Variable", "ActionID=spoofed"),
            ("Variable", "Variable=x"),
            ("Variable", "A=1"),
            ("Variable", "A=2"),
            ("Context", "secret-ctx"),
            ("ActionID", "1"),
        ]);
        let channel = flatten(&event);
        assert_eq!(channel.get("Context"), Some("secret-ctx"));
        assert_eq!(channel.get("ActionID"), Some("1"));
        assert_eq!(channel.get("Variable"), Some("Context=from-internal"));
        assert_eq!(channel.get("A"), Some("1"));
        let keys: Vec<&str> = channel.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["Event", "Variable", "A", "Context", "ActionID"]);
    }
}
