//! `sipextensions`: every SIP/PJSIP extension and trunk as `sip_additional.conf` would list it,
//! from the `pbx` model (extensions, their PJSIP endpoint/AOR rows, and the chan_sip options kept
//! in `device_options`, which override the derived values).

use std::collections::HashMap;

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection};

use super::json;
use switchboard_sdk::php_json::Json;

const EXTENSIONS: &str = "SELECT e.number, e.name, e.secret, e.technology, e.context, e.callerid, \
    COALESCE(p.dtmf_mode, 'rfc4733'), COALESCE(p.direct_media, 'no'), COALESCE(p.trust_id_inbound, 'yes'), \
    COALESCE(p.send_rpid, 'no'), COALESCE(p.force_rport, 'yes'), COALESCE(a.qualify_frequency, 60), \
    COALESCE(p.transport, ''), COALESCE(p.ice_support, 'no'), COALESCE(p.media_encryption, 'no'), \
    COALESCE(p.call_group, ''), COALESCE(p.pickup_group, ''), COALESCE(p.mailboxes, '') \
    FROM extensions e LEFT JOIN ps_endpoints p ON p.id = e.number LEFT JOIN ps_aors a ON a.id = e.number \
    WHERE e.technology IN ('sip', 'pjsip') ORDER BY e.number";

const ALL_OPTIONS: &str = "SELECT number, key, value FROM device_options ORDER BY number, rowid";

const TRUNKS: &str = "SELECT name, host, port, username, secret, context, codecs FROM trunks \
    WHERE technology IN ('sip', 'pjsip') ORDER BY name";

fn dtmf(mode: &str) -> String {
    if mode == "rfc4733" { "rfc2833".into() } else { mode.into() }
}

fn transport(t: &str) -> String {
    let t = t.strip_prefix("transport-").unwrap_or(t);
    if t.is_empty() { "udp".into() } else { t.into() }
}

/// Every extension's `device_options`, in the order they were written: one query for all of
/// them rather than one per extension (each query is a trip through the sandbox boundary).
fn all_options(db: &Connection) -> Result<HashMap<String, Vec<(String, String)>>, Error> {
    let mut options: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for row in db.query(ALL_OPTIONS, &[])?.rows() {
        options.entry(row.text(0)).or_default().push((row.text(1), row.text(2)));
    }
    Ok(options)
}

/// `(key, value)` pairs, the extension's `options` replacing or extending them.
fn with_options(options: Option<&Vec<(String, String)>>, mut pairs: Vec<(String, String)>) -> Json {
    for (key, value) in options.into_iter().flatten() {
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.clone(),
            None => pairs.push((key.clone(), value.clone())),
        }
    }
    Json::Obj(pairs.into_iter().map(|(k, v)| (k, Json::Str(v))).collect())
}

pub fn sipextensions() -> Result<Response, Error> {
    let db = sqlite::open("pbx")?;
    let options = all_options(&db)?;
    let mut out = Vec::new();
    for row in db.query(EXTENSIONS, &[])?.rows() {
        let t = |i| row.text(i);
        let number = t(0);
        let tech = if t(3) == "sip" { "SIP" } else { "PJSIP" };
        let callerid = if t(5).is_empty() { format!("{} <{}>", t(1), number) } else { t(5) };
        let mailbox = if t(17).is_empty() { format!("{number}@device") } else { t(17) };
        let qualify = row.int(11).unwrap_or(0);
        let pairs: Vec<(String, String)> = [
            ("deny", "0.0.0.0/0.0.0.0".to_string()),
            ("secret", t(2)),
            ("dtmfmode", dtmf(&t(6))),
            ("canreinvite", t(7)),
            ("context", t(4)),
            ("host", "dynamic".into()),
            ("trustrpid", t(8)),
            ("sendrpid", t(9)),
            ("type", "friend".into()),
            ("nat", t(10)),
            ("port", "5060".into()),
            ("qualify", if qualify > 0 { "yes" } else { "no" }.into()),
            ("qualifyfreq", qualify.to_string()),
            ("transport", transport(&t(12))),
            ("avpf", "no".into()),
            ("icesupport", t(13)),
            ("encryption", if t(14) == "no" || t(14).is_empty() { "no" } else { "yes" }.into()),
            ("callgroup", t(15)),
            ("pickupgroup", t(16)),
            ("dial", format!("{tech}/{number}")),
            ("mailbox", mailbox),
            ("permit", "0.0.0.0/0.0.0.0".into()),
            ("callerid", callerid),
            ("callcounter", "yes".into()),
            ("faxdetect", "no".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let value = with_options(options.get(&number), pairs);
        out.push((number, value));
    }
    for row in db.query(TRUNKS, &[])?.rows() {
        let t = |i| row.text(i);
        let name = t(0);
        let codecs = t(6);
        let pairs = [
            ("disallow", "all".to_string()),
            ("username", t(3)),
            ("type", "peer".into()),
            ("qualify", "yes".into()),
            ("secret", t(4)),
            ("nat", "auto".into()),
            ("insecure", "port,invite".into()),
            ("host", t(1)),
            ("fromuser", t(3)),
            ("fromdomain", t(1)),
            ("dtmfmode", "rfc2833".into()),
            ("allow", if codecs.is_empty() { "ulaw,alaw".into() } else { codecs.clone() }),
            ("context", t(5)),
        ];
        let value = Json::Obj(pairs.into_iter().map(|(k, v)| (k.to_string(), Json::Str(v))).collect());
        out.push((name, value));
    }
    Ok(json(&Json::Obj(out)))
}
