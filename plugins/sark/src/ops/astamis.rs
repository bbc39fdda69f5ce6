//! `/astamis`: Asterisk manager actions, as SARK exposed them.
//!
//! - `GET /astamis` lists what is supported (`GetEventList`, `GetEventItem`, `PutItem`).
//! - `GET /astamis/<ListAction>` (and `ConfbridgeList/{room}`) answers a JSON array as SARK built
//!   it from the raw AMI text: the action's response headers first, then one flat object per list
//!   event, the closing `…Complete` event left out, `EventList`/`ListItems` dropped (and the
//!   `ActionID`, which SARK never sent). Nothing to list is 404 `Empty Object set returned from
//!   AMI`.
//! - `GET /astamis/<InstanceAction>/{id?}` answers one flat object: every header of the answer
//!   (response and events) merged, later ones winning, as SARK merged them.
//! - `POST /astamis/originate`, `GET /astamis/DBget/{id}/{key}`, `PUT /astamis/DBput/{id}/{key}/{value}`,
//!   `DELETE /astamis/DBdel/{id}/{key}`, `DELETE /astamis/Hangup/{channel}` (the channel keeps
//!   its `/`), `GET /astamis/Reload`.
//!
//! Action names are case-sensitive (`CoreShowChannels`, not `coreshowchannels`): an unknown one is
//! 404 `AMI Action invalid or unsupported`. Every value taken from the path or the body reaches
//! AMI only after [`argument`] admitted it (no CR, LF or other control character), so a request
//! can never add a header to an action. The PBX not reachable is 503 `AMI connect failed`; an
//! error Asterisk answers is never read as an empty list.

use switchboard_sdk::ami::{self, ActionResult, AmiError, AmiFailure, SipDriver};
use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;

use crate::laravel;

/// List actions, as SARK's index names them (plus `PJSIPShowEndpoints`, which SARK's later
/// releases list instead of `SIPpeers`).
pub const LIST_ACTIONS: &[&str] = &[
    "Agents",
    "ConfbridgeList",
    "ConfbridgeListRooms",
    "CoreShowChannels",
    "DeviceStateList",
    "ExtensionStateList",
    "IAXpeers",
    "IAXregistry",
    "PJSIPShowEndpoints",
    "QueueStatus",
    "QueueSummary",
    "SIPpeers",
    "SIPshowregistry",
    "Status",
    "VoicemailUsersList",
];

/// The hint context `ExtensionState` asks about when the request names none: where the host's
/// renderer writes the extensions' hints (SARK's was `extensions`).
pub const HINT_CONTEXT: &str = "switchboard-extensions";

/// The longest value taken from a request into an AMI header.
const MAX_ARGUMENT: usize = 128;

pub fn routes(router: Router) -> Router {
    router
        .get("/astamis", index)
        .get("/astamis/{action}", |req: &Request| get(req, None))
        .get("/astamis/{action}/{id}", |req: &Request| get(req, req.param("id")))
        .get("/astamis/ExtensionState/{id}/{context}", |req: &Request| extension_state(req.param("id"), req.param("context")))
        .get("/astamis/DBget/{id}/{key}", dbget)
        .put("/astamis/DBput/{id}/{key}/{value}", dbput)
        .delete("/astamis/DBdel/{id}/{key}", dbdel)
        .delete("/astamis/Hangup/{*channel}", hangup)
        .put("/astamis/Reload", |_: &Request| reload())
        .post("/astamis/originate", originate)
}

/// What SARK's index listed.
fn index(_: &Request) -> Result<Response, Error> {
    let item = |pairs: &[(&str, Json)]| obj(pairs.iter().cloned());
    Ok(laravel::ok(&obj([
        ("GetEventList", Json::Arr(LIST_ACTIONS.iter().map(|a| Json::from(*a)).collect())),
        (
            "GetEventItem",
            obj([
                ("ExtensionState", item(&[("Exten", Json::Null), ("Context", Json::from(HINT_CONTEXT))])),
                ("MailboxCount", item(&[("Mailbox", Json::Null)])),
                ("MailboxStatus", item(&[("Mailbox", Json::Null)])),
                ("QueueStatus", item(&[("Queue", Json::Null), ("Member", Json::Null)])),
                ("QueueSummary", item(&[("Queue", Json::Null)])),
                ("SIPshowpeer", item(&[("Peer", Json::Null)])),
            ]),
        ),
        ("PutItem", obj([("Reload", Json::Null)])),
    ])))
}

/// `GET /astamis/{action}/{id?}`: an instance action by its exact name, else a list action.
fn get(req: &Request, id: Option<&str>) -> Result<Response, Error> {
    let action = req.param("action").unwrap_or_default();
    match (action, id) {
        ("CoreSettings" | "CoreStatus", None) => instance(action, &[]),
        ("Reload", None) => reload(),
        ("ExtensionState", Some(_)) => extension_state(id, req.query().get("Context")),
        ("MailboxCount", Some(id)) => instance("MailboxCount", &[("Mailbox", &format!("{}@default", argument("id", id)?))]),
        ("MailboxStatus", Some(id)) => instance("MailboxStatus", &[("Mailbox", argument("id", id)?)]),
        ("QueueStatus" | "QueueSummary", Some(id)) => instance(action, &[("Queue", argument("id", id)?)]),
        ("SIPshowpeer", Some(id)) => sip_show_peer(argument("id", id)?),
        ("ConfbridgeList", Some(id)) => list(action, &[("Conference", argument("id", id)?)]),
        ("ConfbridgeList", None) => Err(unsupported()),
        (action, _) if LIST_ACTIONS.contains(&action) => list(action, &[]),
        _ => Err(unsupported()),
    }
}

fn unsupported() -> Error {
    message(404, "AMI Action invalid or unsupported")
}

fn message(status: u16, text: impl Into<String>) -> Error {
    laravel::error_body(status, &obj([("message", Json::Str(text.into()))]))
}

/// `value` from the request as an AMI header value, or a 422 naming `field`: no control
/// character (a CR or LF would end the header and start another), at most [`MAX_ARGUMENT`]
/// characters, not empty.
pub fn argument<'a>(field: &str, value: &'a str) -> Result<&'a str, Error> {
    if value.is_empty() || value.len() > MAX_ARGUMENT || value.chars().any(char::is_control) {
        return Err(laravel::invalid(field, format!("The {} format is invalid.", laravel::attribute(field))));
    }
    Ok(value)
}

/// An AMI failure as SARK's API answers it.
pub fn ami_error(error: AmiError) -> Error {
    match error {
        AmiError::NotConnected => message(503, "AMI connect failed"),
        AmiError::ConnectionLost => message(502, "AMI connection lost; the action may have run"),
        AmiError::Timeout => message(504, "AMI did not answer in time"),
        AmiError::Denied(why) => message(403, format!("AMI action not granted to this mount: {why}")),
        AmiError::Invalid(why) => message(422, why),
        AmiError::Failed(why) => match ami::classify("", &why) {
            AmiFailure::ShuttingDown => message(503, "PBX not running"),
            AmiFailure::NotLoaded => message(503, "AMI Action not available now: the PBX is starting, or the module behind it is not loaded"),
            _ => message(502, why.trim()),
        },
    }
}

/// A failure to an action about one thing (`SIPshowpeer/1001`): Asterisk refusing it means that
/// thing is not there, a 404 with Asterisk's words.
fn instance_error(error: AmiError) -> Error {
    match error {
        AmiError::Failed(why) if ami::classify("", &why) == AmiFailure::Refused => message(404, why.trim()),
        other => ami_error(other),
    }
}

/// Headers as one flat object: `ActionID`, `EventList` and `ListItems` left out, a repeated key
/// keeping its first place and its last value (a PHP array written key by key).
fn flat<'a>(messages: impl IntoIterator<Item = &'a [(String, String)]>) -> Json {
    let mut out: Vec<(String, Json)> = Vec::new();
    for fields in messages {
        for (key, value) in fields {
            if matches!(key.as_str(), "ActionID" | "EventList" | "ListItems") {
                continue;
            }
            match out.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = Json::Str(value.clone()),
                None => out.push((key.clone(), Json::Str(value.clone()))),
            }
        }
    }
    Json::Obj(out)
}

/// The list answer: the response's headers, then each event's.
fn list_json(result: &ActionResult) -> Json {
    let mut items = vec![flat([result.response.as_slice()])];
    items.extend(result.events.iter().map(|e| flat([e.as_slice()])));
    Json::Arr(items)
}

/// Asterisk's own "nothing to list" answers for actions the SDK's table does not know.
fn empty_answer(action: &str, why: &str) -> bool {
    let why = why.trim();
    matches!(action, "ConfbridgeList" | "ConfbridgeListRooms") && (why.eq_ignore_ascii_case("No active conferences.") || why.eq_ignore_ascii_case("No Conference by that name found."))
}

fn list(action: &str, headers: &[(&str, &str)]) -> Result<Response, Error> {
    let result = match action {
        "SIPpeers" => sip_peers()?,
        "SIPshowregistry" if !chan_sip()? => send_list("PJSIPShowRegistrationsOutbound", headers)?,
        _ => send_list(action, headers)?,
    };
    if result.events.is_empty() {
        return Err(message(404, "Empty Object set returned from AMI"));
    }
    Ok(laravel::ok(&list_json(&result)))
}

fn send_list(action: &str, headers: &[(&str, &str)]) -> Result<ActionResult, Error> {
    match ami::list(action, headers) {
        Err(AmiError::Failed(why)) if empty_answer(action, &why) => Ok(ActionResult { response: Vec::new(), events: Vec::new(), complete: None }),
        other => other.map_err(ami_error),
    }
}

fn instance(action: &str, headers: &[(&str, &str)]) -> Result<Response, Error> {
    let result = ami::send(action, headers).map_err(instance_error)?;
    Ok(laravel::ok(&instance_json(&result)))
}

fn instance_json(result: &ActionResult) -> Json {
    let messages = std::iter::once(result.response.as_slice())
        .chain(result.events.iter().map(Vec::as_slice))
        .chain(result.complete.iter().map(Vec::as_slice));
    flat(messages)
}

fn extension_state(id: Option<&str>, context: Option<&str>) -> Result<Response, Error> {
    let exten = argument("id", id.unwrap_or_default())?;
    let context = match context {
        Some(c) => argument("Context", c)?,
        None => HINT_CONTEXT,
    };
    instance("ExtensionState", &[("Exten", exten), ("Context", context)])
}

/// Whether the PBX has chan_sip (`SIPpeers`, `SIPshowpeer`); Asterisk 21 and later have only PJSIP.
fn chan_sip() -> Result<bool, Error> {
    let info = ami::info().map_err(ami_error)?;
    Ok(matches!(info.sip, SipDriver::ChanSip | SipDriver::Both))
}

/// `SIPpeers`: chan_sip's own list, or on a PJSIP-only PBX the same `PeerEntry` objects built
/// from the endpoints and their contacts, so clients written for SARK's Asterisk keep working.
fn sip_peers() -> Result<ActionResult, Error> {
    if chan_sip()? {
        return send_list("SIPpeers", &[]);
    }
    let endpoints = send_list("PJSIPShowEndpoints", &[])?;
    let contacts = send_list("PJSIPShowContacts", &[])?;
    let events = endpoints
        .events
        .iter()
        .map(|e| {
            let name = ami::field(e, "ObjectName").unwrap_or_default();
            let contact = contacts.events.iter().find(|c| ami::field(c, "Endpoint") == Some(name));
            let (address, port) = contact.map(|c| ami::contact_address(c)).unwrap_or_else(|| ("-none-".into(), "0".into()));
            let status = match contact.and_then(|c| ami::field(c, "Status")) {
                Some(s) if s.eq_ignore_ascii_case("Reachable") => {
                    let usec: u64 = contact.and_then(|c| ami::field(c, "RoundtripUsec")).and_then(|u| u.parse().ok()).unwrap_or(0);
                    format!("OK ({} ms)", usec / 1000)
                }
                Some(s) if s.eq_ignore_ascii_case("Unreachable") => "UNREACHABLE".into(),
                _ => "UNKNOWN".into(),
            };
            let dynamic = ami::field(e, "OutboundAuths").unwrap_or_default().is_empty();
            [
                ("Event", "PeerEntry".to_string()),
                ("Channeltype", "SIP".into()),
                ("ObjectName", name.to_string()),
                ("ChanObjectType", "peer".into()),
                ("IPaddress", address),
                ("IPport", port),
                ("Dynamic", if dynamic { "yes" } else { "no" }.into()),
                ("Status", status),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    Ok(ActionResult {
        response: vec![("Response".into(), "Success".into()), ("Message".into(), "Peer status list will follow".into())],
        events,
        complete: None,
    })
}

/// `SIPshowpeer/{id}`: chan_sip's answer, or on a PJSIP-only PBX the endpoint's details.
fn sip_show_peer(peer: &str) -> Result<Response, Error> {
    if chan_sip()? {
        return instance("SIPshowpeer", &[("Peer", peer)]);
    }
    instance("PJSIPShowEndpoint", &[("Endpoint", peer)])
}

fn reload() -> Result<Response, Error> {
    ami::send("Reload", &[]).map_err(ami_error)?;
    Ok(laravel::ok(&obj([("Response", "Reload sent")])))
}

/// The two path values of the astdb routes.
fn family_and_key(req: &Request) -> Result<(&str, &str), Error> {
    let family = argument("id", req.param("id").unwrap_or_default())?;
    let key = argument("key", req.param("key").unwrap_or_default())?;
    if family.contains('/') || key.contains('/') {
        return Err(laravel::invalid(if family.contains('/') { "id" } else { "key" }, "The format is invalid."));
    }
    Ok((family, key))
}

/// Asterisk's answer when the astdb has no such entry.
fn no_entry(why: &str) -> bool {
    let why = why.trim();
    why.eq_ignore_ascii_case("Database entry not found") || why.eq_ignore_ascii_case("Database entry does not exist")
}

/// `{"<key>":"<value>"}`; `""` when there is no such entry, as SARK answered.
fn dbget(req: &Request) -> Result<Response, Error> {
    let (family, key) = family_and_key(req)?;
    let value = match ami::send("DBGet", &[("Family", family), ("Key", key)]) {
        Ok(result) => result.events.iter().find_map(|e| ami::field(e, "Val")).unwrap_or_default().to_string(),
        Err(AmiError::Failed(why)) if no_entry(&why) => String::new(),
        Err(e) => return Err(ami_error(e)),
    };
    Ok(laravel::ok(&obj([(key, value)])))
}

/// `{"<key>":true}`.
fn dbput(req: &Request) -> Result<Response, Error> {
    let (family, key) = family_and_key(req)?;
    let value = argument("value", req.param("value").unwrap_or_default())?;
    ami::send("DBPut", &[("Family", family), ("Key", key), ("Val", value)]).map_err(ami_error)?;
    Ok(laravel::ok(&obj([(key, true)])))
}

/// `{"<key>":true}`, or `false` when there was no such entry.
fn dbdel(req: &Request) -> Result<Response, Error> {
    let (family, key) = family_and_key(req)?;
    let deleted = match ami::send("DBDel", &[("Family", family), ("Key", key)]) {
        Ok(_) => true,
        Err(AmiError::Failed(why)) if no_entry(&why) => false,
        Err(e) => return Err(ami_error(e)),
    };
    Ok(laravel::ok(&obj([(key, deleted)])))
}

/// A channel name from the path: `TECH/resource`, nothing that Asterisk's `Hangup` would read as
/// a `/regex/` of channels to hang up (a leading `/`), no blank or control character.
pub fn channel_name(channel: &str) -> Option<&str> {
    let (tech, resource) = channel.split_once('/')?;
    let ok = !tech.is_empty()
        && tech.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !resource.is_empty()
        && !resource.ends_with('/')
        && channel.len() <= MAX_ARGUMENT
        && !channel.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(channel)
}

/// `DELETE /astamis/Hangup/PJSIP/1001-00000001`: a soft hangup. SARK answered Asterisk's raw
/// reply keyed by the part after the technology; so does this.
fn hangup(req: &Request) -> Result<Response, Error> {
    let channel = req.param("channel").unwrap_or_default();
    let channel = channel_name(channel).ok_or_else(|| laravel::invalid("channel", "The channel format is invalid."))?;
    let key = channel.split_once('/').map(|(_, rest)| rest).unwrap_or(channel);
    match ami::send("Hangup", &[("Channel", channel)]) {
        Ok(result) => {
            let raw: String = result.response.iter().filter(|(k, _)| k != "ActionID").map(|(k, v)| format!("{k}: {v}\r\n")).collect();
            Ok(laravel::ok(&obj([(key, format!("{raw}\r\n"))])))
        }
        Err(AmiError::Failed(why)) if why.trim().eq_ignore_ascii_case("No such channel") => Err(message(404, "No such channel")),
        Err(e) => Err(ami_error(e)),
    }
}

/// `POST /astamis/originate`: `caller`'s phone rings first (a Local channel into `context`),
/// then, answered, it is connected to `target` in the same `context`, showing caller id `clid`.
/// SARK dialled both in its fixed `internal` context whatever was sent; this uses the context
/// given, validated as the documentation says (`alpha_dash`).
fn originate(req: &Request) -> Result<Response, Error> {
    let input = laravel::Input::from_request(req)?;
    laravel::validate(
        &input,
        &[("target", &["required|integer"]), ("caller", &["required|numeric"]), ("context", &["required|alpha_dash"]), ("clid", &["required|numeric"])],
        &laravel::no_lookup,
    )?;
    let text = |field: &str| input.text(field).unwrap_or_default();
    let (target, caller, context, clid) = (text("target"), text("caller"), text("context"), text("clid"));
    for (field, value) in [("target", &target), ("caller", &caller), ("context", &context), ("clid", &clid)] {
        argument(field, value)?;
        if value.contains(['/', '@', ',', ';', '&']) {
            return Err(laravel::invalid(field, format!("The {field} format is invalid.")));
        }
    }
    let channel = format!("Local/{caller}@{context}");
    ami::send(
        "Originate",
        &[
            ("Channel", &channel),
            ("Context", &context),
            ("Exten", &target),
            ("Priority", "1"),
            ("CallerID", &clid),
            ("Timeout", "30000"),
            ("Async", "true"),
        ],
    )
    .map_err(ami_error)?;
    Ok(laravel::ok(&obj([("message", "Request Sent")])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn lists_read_as_sark_built_them() {
        let result = ActionResult {
            response: fields(&[("Response", "Success"), ("ActionID", "7"), ("EventList", "start"), ("Message", "Channels will follow")]),
            events: vec![fields(&[("Event", "CoreShowChannel"), ("ActionID", "7"), ("Channel", "PJSIP/1001-00000001"), ("Context", "from-internal")])],
            complete: Some(fields(&[("Event", "CoreShowChannelsComplete"), ("EventList", "Complete"), ("ListItems", "1")])),
        };
        assert_eq!(
            list_json(&result).encode(),
            r#"[{"Response":"Success","Message":"Channels will follow"},{"Event":"CoreShowChannel","Channel":"PJSIP\/1001-00000001","Context":"from-internal"}]"#
        );
        assert_eq!(
            instance_json(&result).encode(),
            r#"{"Response":"Success","Message":"Channels will follow","Event":"CoreShowChannelsComplete","Channel":"PJSIP\/1001-00000001","Context":"from-internal"}"#
        );
    }

    #[test]
    fn arguments_never_carry_a_line_break() {
        assert_eq!(argument("id", "1001").unwrap(), "1001");
        for bad in ["", "1001\r\nAction: Command", "a\nb", "x\0", &"9".repeat(129)] {
            let err = argument("id", bad).unwrap_err();
            assert_eq!(err.status(), 422, "{bad:?}");
            assert_eq!(err.message(), r#"{"id":["The id format is invalid."]}"#);
        }
    }

    #[test]
    fn channels_are_one_channel_never_a_pattern() {
        assert_eq!(channel_name("PJSIP/44107-00000155"), Some("PJSIP/44107-00000155"));
        assert_eq!(channel_name("Local/1001@from-internal-00000001;1"), Some("Local/1001@from-internal-00000001;1"));
        for bad in ["/.*/", "PJSIP", "PJSIP/", "/PJSIP/1", "PJSIP/1 2", "PJSIP/1\r\nAction: Command", "PJ SIP/1", "PJSIP/x/"] {
            assert_eq!(channel_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn action_names_are_case_sensitive() {
        let router = routes(Router::new());
        for path in ["/astamis/coreshowchannels", "/astamis/CORESTATUS", "/astamis/Nope", "/astamis/Originate", "/astamis/ExtensionState"] {
            let err = router.dispatch(&Request::new("GET", path)).unwrap_err();
            assert_eq!((err.status(), err.message()), (404, r#"{"message":"AMI Action invalid or unsupported"}"#), "{path}");
        }
    }

    #[test]
    fn the_index_lists_the_actions() {
        let res = routes(Router::new()).handle(&Request::new("GET", "/astamis"));
        let body = String::from_utf8(res.into_body_bytes().unwrap()).unwrap();
        assert!(body.starts_with(r#"{"GetEventList":["Agents","ConfbridgeList""#), "{body}");
        assert!(body.ends_with(r#""PutItem":{"Reload":null}}"#), "{body}");
    }
}
