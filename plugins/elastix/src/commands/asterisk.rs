//! Commands answered from the manager interface: `auth`, `sippeers`, `activecall`, `parkedcalls`,
//! `channelstatus`.

use switchboard_sdk::ami::{self, SipDriver};
use switchboard_sdk::prelude::*;
use switchboard_sdk::settings;

use super::{fields_object, json};
use switchboard_sdk::php_json::{Json, obj};

/// `{"lordword":"<base64 of user:secret>"}`.
pub fn auth() -> Result<Response, Error> {
    let user = settings::get("ami-username").unwrap_or_default();
    let secret = settings::get("ami-secret").unwrap_or_default();
    Ok(json(&obj([("lordword", base64(format!("{user}:{secret}").as_bytes()))])))
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One object per peer. With chan_sip: the `PeerEntry` events as they are. PJSIP only: the same
/// shape built from the endpoints and their contacts.
///
/// `[]` only when Asterisk says it has no endpoints (`No endpoints found`); no contacts
/// (`No Contacts found`) leaves every peer unregistered. Any other error — Asterisk shutting down,
/// or starting and not knowing `PJSIPShowEndpoints` yet — is an error answer, never an empty list.
pub fn sippeers() -> Result<Response, Error> {
    let info = ami::info()?;
    if matches!(info.sip, SipDriver::ChanSip | SipDriver::Both) {
        let peers = ami::list("SIPpeers", &[])?;
        return Ok(json(&Json::Arr(peers.events.iter().map(|e| fields_object(e)).collect())));
    }
    let endpoints = ami::list("PJSIPShowEndpoints", &[])?.events;
    let contacts = ami::list("PJSIPShowContacts", &[])?.events;
    let peers = endpoints
        .iter()
        .map(|e| {
            let name = ami::field(e, "ObjectName").unwrap_or_default();
            let contact = contacts.iter().find(|c| ami::field(c, "Endpoint") == Some(name));
            let (address, port) = contact.map(|c| ami::contact_address(c)).unwrap_or_else(|| ("-none-".into(), "0".into()));
            let status = match contact {
                Some(c) if ami::field(c, "Status").is_some_and(|s| s.eq_ignore_ascii_case("Reachable")) => {
                    let usec: u64 = ami::field(c, "RoundtripUsec").and_then(|u| u.parse().ok()).unwrap_or(0);
                    format!("OK ({} ms)", usec / 1000)
                }
                Some(c) if ami::field(c, "Status").is_some_and(|s| s.eq_ignore_ascii_case("Unreachable")) => "UNREACHABLE".into(),
                _ => "UNKNOWN".into(),
            };
            // Phones register (dynamic); trunks have a static contact and an outbound auth.
            let dynamic = ami::field(e, "OutboundAuths").unwrap_or_default().is_empty()
                && !ami::field(e, "Auths").unwrap_or_default().is_empty();
            let yes_no = |b: bool| if b { "yes" } else { "no" };
            obj([
                ("Event", "PeerEntry".to_string()),
                ("Channeltype", "SIP".into()),
                ("ObjectName", name.to_string()),
                ("ChanObjectType", "peer".into()),
                ("IPaddress", address),
                ("IPport", port),
                ("Dynamic", yes_no(dynamic).into()),
                ("AutoForcerport", "no".into()),
                ("Forcerport", "no".into()),
                ("AutoComedia", "no".into()),
                ("Comedia", "no".into()),
                ("VideoSupport", "no".into()),
                ("TextSupport", "no".into()),
                ("ACL", "no".into()),
                ("Status", status),
                ("RealtimeDevice", "no".into()),
                ("Description", String::new()),
            ])
        })
        .collect();
    Ok(json(&Json::Arr(peers)))
}

/// `core show channels verbose`, parsed by the header's column widths.
pub fn activecall() -> Result<Response, Error> {
    let lines = ami::command("core show channels verbose")?;
    Ok(json(&Json::Arr(parse_channels(&lines))))
}

/// Columns are a header word plus the spaces after it; data lines over 100 characters become
/// objects (the last column takes the rest of the line), shorter ones are passed through.
pub fn parse_channels(lines: &[String]) -> Vec<Json> {
    let mut lines = lines.iter().map(|l| l.trim_end_matches(['\r', '\n'])).filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else { return Vec::new() };
    let chars: Vec<char> = header.chars().collect();
    let mut columns: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i] != ' ' {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        columns.push((name, start));
    }
    lines
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            if chars.len() <= 100 {
                return Json::Str(line.to_string());
            }
            let cut = |from: usize, to: usize| -> String {
                let from = from.min(chars.len());
                let to = to.min(chars.len());
                chars[from..to].iter().collect::<String>().trim().to_string()
            };
            Json::Obj(
                columns
                    .iter()
                    .enumerate()
                    .map(|(n, (name, start))| {
                        let end = columns.get(n + 1).map_or(chars.len(), |c| c.1);
                        (name.clone(), Json::Str(cut(*start, end)))
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The whole answer of a list action as manager-protocol text (`Key: Value` lines, a blank line
/// after each message), without the host's `ActionID` — the original `print_r`-ed the raw AMI text
/// as `text/html`.
pub fn ami_text(result: &ami::ActionResult) -> String {
    let mut out = String::new();
    let messages = std::iter::once(&result.response).chain(result.events.iter()).chain(result.complete.iter());
    for message in messages {
        for (key, value) in message.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("ActionID")) {
            out.push_str(&format!("{key}: {value}\r\n"));
        }
        out.push_str("\r\n");
    }
    out
}

/// AMI `ParkedCalls`, as manager text.
pub fn parkedcalls() -> Result<Response, Error> {
    let list = ami::list("ParkedCalls", &[])?;
    Ok(Response::bytes("text/html", ami_text(&list)))
}

/// AMI `Status` (every channel), as manager text.
pub fn channelstatus() -> Result<Response, Error> {
    let list = ami::list("Status", &[])?;
    Ok(Response::bytes("text/html", ami_text(&list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"admin:123456"), "YWRtaW46MTIzNDU2");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn channels_are_cut_at_header_columns() {
        let header = format!("{:<60} {:<40} Data", "Channel", "State");
        let row = format!("{:<60} {:<40} Dial(PJSIP/1002,30) x", "PJSIP/1001-00000001", "Up");
        let out = parse_channels(&[header, row, "1 active channel".into()]);
        assert_eq!(
            Json::Arr(out).encode(),
            r#"[{"Channel":"PJSIP\/1001-00000001","State":"Up","Data":"Dial(PJSIP\/1002,30) x"},"1 active channel"]"#
        );
    }
}
