//! `GET /system_information`.

use serde::Serialize;
use switchboard_sdk::prelude::*;
use switchboard_sdk::{ami, settings};

use super::ok;
use crate::auth::{self, Caller};
use crate::ids::{self, Kind};
use crate::model;

#[derive(Serialize)]
struct SystemInformation {
    uuid: String,
    version: String,
    language: String,
    time_zone: String,
    hostname: String,
    external_ipaddr: String,
    number: String,
}

fn setting(name: &str, default: &str) -> String {
    settings::get(name).filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
}

/// The number part of `"Name" <number>` or a bare number.
fn cid_number(cid: &str) -> String {
    match (cid.find('<'), cid.rfind('>')) {
        (Some(l), Some(r)) if l < r => cid[l + 1..r].trim().to_string(),
        _ => cid.trim().to_string(),
    }
}

pub fn information(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    // The PBX software's version is Asterisk's; a `version` setting overrides it. Without the
    // setting, a PBX that cannot be asked is the request's error, not an empty version.
    let version = match settings::get("version") {
        Some(v) => v,
        None => ami::info()?.version,
    };
    let host_header = req.header("host").map(|h| h.rsplit_once(':').map_or(h, |(host, _)| host).to_string());
    let pbx_number = setting("number", "");
    let number = match &caller {
        Caller::Admin => pbx_number,
        Caller::User(ext) => {
            let own = model::extension(&model::pbx()?, ext)?.map(|e| cid_number(&e.outbound_cid)).unwrap_or_default();
            if own.is_empty() { pbx_number } else { own }
        }
    };
    ok(&SystemInformation {
        uuid: ids::uuid(Kind::Pbx, "pbx")?,
        version,
        language: setting("language", "en"),
        time_zone: setting("time-zone", "UTC"),
        hostname: settings::get("hostname").filter(|h| !h.is_empty()).or(host_header).unwrap_or_default(),
        external_ipaddr: setting("external-ipaddr", ""),
        number,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn caller_id_numbers() {
        assert_eq!(super::cid_number("\"Sales\" <+31201234567>"), "+31201234567");
        assert_eq!(super::cid_number("0201234567"), "0201234567");
        assert_eq!(super::cid_number(""), "");
    }
}
