//! `originate`: a call from `channel` into `exten`@`context`, through AMI `Originate` (never an
//! application: the grant it needs is `Originate Application=`).
//!
//! Every value is checked before anything is sent, because each becomes an AMI header and a
//! header is a line: no CR, LF, NUL or other control character anywhere, no `${`/`$[` (the
//! dialplan would evaluate them where the values end up), and each field in its own shape. The
//! caller's groups must grant `context`, and for a `Local/exten@ctx` channel `ctx` too (a Local
//! channel runs the dialplan there). `variable=a=1,b=2` is split on `,` into one `Variable:`
//! header per pair, as Asterisk itself would split a single header, so a value can hold `=` but
//! never a `,`.

use serde::Serialize;
use switchboard_sdk::ami;
use switchboard_sdk::prelude::*;

use crate::access::{self, Caller};
use crate::admin::is_context;
use crate::answer::{self, invalid};
use crate::params::Input;

/// Channel technologies a call may be placed from.
const TECHNOLOGIES: &[&str] = &["PJSIP", "SIP", "IAX2", "Local", "DAHDI"];

/// The most `variable` pairs one call takes.
const MAX_VARIABLES: usize = 32;

/// The longest value of any one field, in bytes (an AMI header line stays well under Asterisk's
/// 1024-byte line buffer).
const MAX_VALUE: usize = 512;

/// A checked originate request.
#[derive(Debug, PartialEq, Eq)]
pub struct Call {
    pub channel: String,
    pub exten: String,
    pub context: String,
    pub priority: String,
    pub callerid: Option<String>,
    pub variables: Vec<String>,
    pub is_async: bool,
}

impl Call {
    /// The `Originate` headers, in order: one `Variable` per pair.
    pub fn headers(&self) -> Vec<(&str, &str)> {
        let mut headers = vec![("Channel", self.channel.as_str()), ("Exten", self.exten.as_str()), ("Context", self.context.as_str()), ("Priority", self.priority.as_str())];
        if let Some(callerid) = &self.callerid {
            headers.push(("CallerID", callerid));
        }
        if self.is_async {
            headers.push(("Async", "true"));
        }
        headers.extend(self.variables.iter().map(|v| ("Variable", v.as_str())));
        headers
    }
}

/// A value fit for an AMI header: not too long, no control character, no dialplan expression.
fn plain<'a>(name: &str, value: &'a str) -> Result<&'a str, Error> {
    if value.len() > MAX_VALUE {
        return Err(invalid(name, format!("is longer than {MAX_VALUE} bytes")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(name, "holds a line break or another control character"));
    }
    if value.contains("${") || value.contains("$[") {
        return Err(invalid(name, "holds a dialplan expression (`${` or `$[`)"));
    }
    Ok(value)
}

/// Whether `resource` (what follows `TECH/`) is a plain dial string: letters, digits and
/// `_ . @ : + * # / = -`, no separators Asterisk would read as more devices or arguments.
fn is_resource(resource: &str) -> bool {
    !resource.is_empty() && resource.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.@:+*#/=-".contains(&b))
}

/// `TECH/resource`, and the context a `Local/exten@ctx[/opts]` channel dials into.
fn channel(value: &str) -> Result<(String, Option<String>), Error> {
    let value = plain("channel", value)?;
    let shape = "must be TECH/resource with TECH one of PJSIP, SIP, IAX2, Local, DAHDI";
    let (tech, resource) = value.split_once('/').ok_or_else(|| invalid("channel", shape))?;
    let tech = TECHNOLOGIES.iter().find(|t| t.eq_ignore_ascii_case(tech)).ok_or_else(|| invalid("channel", shape))?;
    if !is_resource(resource) {
        return Err(invalid("channel", "may hold only letters, digits and _ . @ : + * # / = - after TECH/"));
    }
    let local_context = (*tech == "Local").then(|| {
        let dest = resource.split('/').next().unwrap_or_default();
        // Asterisk dials a Local channel without `@context` in `default`.
        dest.split_once('@').map_or("default", |(_, ctx)| ctx).to_string()
    });
    if let Some(ctx) = local_context.as_deref().filter(|c| !is_context(c)) {
        return Err(invalid("channel", format!("names the context `{ctx}`, which is not a context name")));
    }
    Ok((value.to_string(), local_context))
}

/// `exten`: `[0-9A-Za-z*#+_.-]{1,80}`.
fn exten(value: &str) -> Result<String, Error> {
    let ok = (1..=80).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"*#+_.-".contains(&b));
    if ok { Ok(value.to_string()) } else { Err(invalid("exten", "may hold only 1 to 80 of 0-9 A-Z a-z * # + _ . -")) }
}

/// `priority`: a whole number from 1.
fn priority(value: &str) -> Result<String, Error> {
    match value.parse::<u32>() {
        Ok(p) if p >= 1 && value.bytes().all(|b| b.is_ascii_digit()) => Ok(p.to_string()),
        _ => Err(invalid("priority", "must be a whole number from 1")),
    }
}

/// `async`: `true/1/yes/on` or `false/0/no/off`.
fn flag(value: &str) -> Result<bool, Error> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid("async", "must be true, 1, yes, on, false, 0, no or off")),
    }
}

/// Whether `name` is a channel variable name, with an optional `_`/`__` inheritance prefix.
fn is_variable_name(name: &str) -> bool {
    let bare = name.strip_prefix("__").or_else(|| name.strip_prefix('_')).unwrap_or(name);
    let mut bytes = bare.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bare.len() <= 64
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `variable=a=1,b=2` → `["a=1", "b=2"]`, each piece checked.
fn variables(value: &str) -> Result<Vec<String>, Error> {
    if value.len() > MAX_VARIABLES * (MAX_VALUE + 70) {
        return Err(invalid("variable", "is too long"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid("variable", "holds a line break or another control character"));
    }
    let pieces: Vec<&str> = value.split(',').collect();
    if pieces.len() > MAX_VARIABLES {
        return Err(invalid("variable", format!("holds more than {MAX_VARIABLES} variables")));
    }
    pieces
        .into_iter()
        .map(|piece| {
            let (name, val) = piece.split_once('=').ok_or_else(|| invalid("variable", format!("piece `{piece}` is not NAME=value")))?;
            if !is_variable_name(name) {
                return Err(invalid("variable", format!("name `{name}` is not a variable name ([A-Za-z_][A-Za-z0-9_]*, at most 64, optional _ or __ prefix)")));
            }
            plain("variable", val)?;
            Ok(format!("{name}={val}"))
        })
        .collect()
}

/// Reads and checks the request's call; 403 `context_denied` for a context the caller may not use.
pub fn call_of(caller: &Caller, input: &Input) -> Result<Call, Error> {
    let (channel, local_context) = channel(input.required("channel")?)?;
    let exten = exten(input.required("exten")?)?;
    let context = plain("context", input.required("context")?)?;
    if !is_context(context) {
        return Err(invalid("context", "must be a context name: 1 to 80 of A-Z a-z 0-9 _ -"));
    }
    let priority = priority(input.required("priority")?)?;
    let callerid = input.non_empty("callerid").map(|c| plain("callerid", c).map(str::to_string)).transpose()?;
    let variables = input.non_empty("variable").map(variables).transpose()?.unwrap_or_default();
    let is_async = input.non_empty("async").map(flag).transpose()?.unwrap_or(false);
    caller.require(context)?;
    if let Some(ctx) = &local_context {
        caller.require(ctx)?;
    }
    Ok(Call { channel, exten, context: context.to_string(), priority, callerid, variables, is_async })
}

#[derive(Serialize)]
struct Originated {
    response: String,
    message: String,
    uniqueid: Option<String>,
}

/// `GET|POST …/originate?api_key=…&channel=…&exten=…&context=…&priority=…[&callerid=…][&variable=…][&async=…]`.
pub fn originate(req: &Request) -> Result<Response, Error> {
    let caller = access::authenticate(req)?;
    let call = call_of(&caller, &Input::of(req))?;
    let answer = ami::send("Originate", &call.headers())?;
    let field = |key: &str| ami::field(&answer.response, key).map(str::to_string);
    answer::data(Originated {
        response: field("Response").unwrap_or_else(|| "Success".into()),
        message: field("Message").unwrap_or_default(),
        uniqueid: field("Uniqueid").filter(|u| !u.is_empty() && u != "<null>"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        crate::access::test_caller(&["from-internal", "local-evolvex"])
    }

    fn input(query: &str) -> Input {
        Input::of(&Request::new("GET", &format!("/originate?{query}")))
    }

    const BASE: &str = "channel=PJSIP/1001&exten=1002&context=from-internal&priority=1";

    fn refused(query: &str) -> (u16, String, String) {
        let e = call_of(&caller(), &input(query)).unwrap_err();
        (e.status(), e.code().to_string(), e.message().to_string())
    }

    #[test]
    fn a_call_becomes_headers_with_one_variable_each() {
        let call = call_of(&caller(), &input(&format!("{BASE}&callerid=%22Sales%22+%3C100%3E&variable=file=123,idcall=a%3Db%3Dc,__INHERIT=x&async=yes"))).unwrap();
        assert_eq!(
            call.headers(),
            [
                ("Channel", "PJSIP/1001"),
                ("Exten", "1002"),
                ("Context", "from-internal"),
                ("Priority", "1"),
                ("CallerID", "\"Sales\" <100>"),
                ("Async", "true"),
                ("Variable", "file=123"),
                ("Variable", "idcall=a=b=c"),
                ("Variable", "__INHERIT=x"),
            ]
        );
    }

    #[test]
    fn line_breaks_and_control_bytes_are_refused_in_every_field() {
        for (field, bad) in [
            ("channel", "PJSIP/1001%0D%0AAction:+Hangup"),
            ("exten", "1002%0A"),
            ("context", "from-internal%0D"),
            ("priority", "1%0A"),
            ("callerid", "x%0D%0AVariable:+EVIL=1"),
            ("variable", "a=1%0D%0AAction:+Command"),
            ("variable", "a=%00"),
            ("callerid", "x%C2%85y"),
        ] {
            let query = BASE.split('&').filter(|p| !p.starts_with(&format!("{field}="))).collect::<Vec<_>>().join("&");
            let (status, code, message) = refused(&format!("{query}&{field}={bad}"));
            assert_eq!((status, code.as_str()), (400, "invalid_parameter"), "{field}={bad}");
            assert!(message.contains(&format!("`{field}`")), "{message}");
        }
    }

    #[test]
    fn variables_are_strict() {
        for bad in ["a", "a=1,", ",a=1", "=1", "1a=1", "a-b=1", "a b=1", "a=${EVIL}", "a=$[1+1]"] {
            let (status, code, _) = refused(&format!("{BASE}&variable={}", bad.replace('$', "%24").replace('[', "%5B").replace('{', "%7B").replace('}', "%7D")));
            assert_eq!((status, code.as_str()), (400, "invalid_parameter"), "{bad}");
        }
        let many = (0..33).map(|i| format!("v{i}=1")).collect::<Vec<_>>().join(",");
        assert!(refused(&format!("{BASE}&variable={many}")).2.contains("more than 32"));
        let huge = format!("a={}", "x".repeat(MAX_VALUE + 1));
        assert!(refused(&format!("{BASE}&variable={huge}")).2.contains("longer than"));
        assert!(call_of(&caller(), &input(&format!("{BASE}&variable=_A=1,B={}", "x".repeat(MAX_VALUE)))).is_ok());
    }

    #[test]
    fn channels_exten_priority_and_async_have_their_shapes() {
        for bad in ["1001", "XMPP/1001", "PJSIP/", "PJSIP/1001&PJSIP/1002", "PJSIP/1001,30", "PJSIP/a b", "PJSIP/${X}"] {
            let (_, code, message) = refused(&format!("channel={}&exten=1&context=from-internal&priority=1", bad.replace('&', "%26").replace('$', "%24").replace('{', "%7B").replace('}', "%7D")));
            assert_eq!(code, "invalid_parameter", "{bad}: {message}");
        }
        for (field, bad) in [("exten", "1%2C2"), ("exten", "a%40b"), ("priority", "0"), ("priority", "-1"), ("priority", "n"), ("priority", "%2B1"), ("async", "maybe")] {
            let query = BASE.split('&').filter(|p| !p.starts_with(&format!("{field}="))).collect::<Vec<_>>().join("&");
            assert_eq!(refused(&format!("{query}&{field}={bad}")).1, "invalid_parameter", "{field}={bad}");
        }
        for missing in ["channel", "exten", "context", "priority"] {
            let query = BASE.split('&').filter(|p| !p.starts_with(&format!("{missing}="))).collect::<Vec<_>>().join("&");
            assert_eq!(refused(&query).1, "missing_parameter", "{missing}");
        }
    }

    #[test]
    fn contexts_and_local_channels_must_be_the_callers() {
        assert_eq!(refused("channel=PJSIP/1001&exten=1&context=other&priority=1").1, "context_denied");
        assert_eq!(refused("channel=Local/100@other&exten=1&context=from-internal&priority=1").1, "context_denied");
        assert_eq!(refused("channel=Local/100&exten=1&context=from-internal&priority=1").1, "context_denied");
        assert_eq!(refused("channel=Local/100@other/n&exten=1&context=from-internal&priority=1").1, "context_denied");
        let call = call_of(&caller(), &input("channel=local/100@local-evolvex/n&exten=1&context=from-internal&priority=2")).unwrap();
        assert_eq!((call.channel.as_str(), call.priority.as_str(), call.is_async), ("local/100@local-evolvex/n", "2", false));
    }
}
