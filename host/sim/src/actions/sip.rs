//! chan_sip's `SIPpeers`, answered in chan_sip mode ([`SipDriver::ChanSip`](super::super::seed::SipDriver)).

use switchboard_ami_wire::Message;

use super::pjsip::{host_of, roundtrip};
use super::session::{Reply, Session, action_id, list_start};

/// `SIPpeers`: the listack, one `PeerEntry` per endpoint, `PeerlistComplete` — chan_sip's
/// `_sip_show_peers` in manager mode. Its `ActionID` sits right after `Event:` in each entry and
/// last in the closing event; the entry's fields are the Asterisk 13 set the Elastix API document
/// shows (through `Description`).
pub fn peers(s: &Session, action: &Message) -> Reply {
    let id = action_id(action);
    let entries: Vec<Message> = s.pbx.with(|st| {
        st.endpoints
            .iter()
            .map(|e| {
                let mut m = Message::new().with("Event", "PeerEntry");
                if let Some(id) = id {
                    m.push("ActionID", id);
                }
                let (address, port) = match &e.contact {
                    Some(uri) => (
                        host_of(uri).unwrap_or_default(),
                        uri.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).unwrap_or(5060).to_string(),
                    ),
                    None => ("-none-".to_string(), "0".to_string()),
                };
                // A phone registers (host=dynamic) and is guarded by permit/deny; a trunk has a host.
                let dynamic = !e.trunk;
                let status = match &e.contact {
                    Some(_) => format!("OK ({} ms)", roundtrip(e) / 1000),
                    None => "UNKNOWN".to_string(),
                };
                let yes_no = |b: bool| if b { "yes" } else { "no" };
                m.with("Channeltype", "SIP")
                    .with("ObjectName", e.name.clone())
                    .with("ChanObjectType", "peer")
                    .with("IPaddress", address)
                    .with("IPport", port)
                    .with("Dynamic", yes_no(dynamic))
                    .with("AutoForcerport", "no")
                    .with("Forcerport", "no")
                    .with("AutoComedia", "no")
                    .with("Comedia", "no")
                    .with("VideoSupport", "no")
                    .with("TextSupport", "no")
                    .with("ACL", yes_no(dynamic))
                    .with("Status", status)
                    .with("RealtimeDevice", "no")
                    .with("Description", "")
            })
            .collect()
    });
    let mut complete =
        Message::new().with("Event", "PeerlistComplete").with("EventList", "Complete").with("ListItems", entries.len().to_string());
    if let Some(id) = id {
        complete.push("ActionID", id);
    }
    let mut out = vec![list_start(action, "Peer status list will follow")];
    out.extend(entries);
    out.push(complete);
    Reply::many(out)
}
