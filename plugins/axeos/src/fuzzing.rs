//! What `host/fuzz` drives natively: everything this plugin makes of a request before it opens the
//! database or asks the PBX — format negotiation, the API-key check, options and dialable numbers —
//! and the XML rendering of an answer. Not part of the plugin's interface.

use switchboard_sdk::prelude::*;

use crate::{auth, devstate, format, routes, xml};

/// The `api-key` the fuzz targets configure.
pub const API_KEY: &str = "fuzzing-api-key-0123456789";

/// The settings a mount would give the plugin.
pub fn configure(mount_route: &str) {
    switchboard_sdk::settings::set_native(&[("api-key", API_KEY)], mount_route);
}

/// Parses `req` as far as it goes without the database: answers whether the caller is the
/// administrator (`None` when only a user look-up, which needs the database, could tell).
pub fn request(req: &Request) -> Option<bool> {
    let (format, req) = format::negotiate(req);
    let _ = routes::flag(&req, "status");
    for field in ["from", "to", "number", "destination"] {
        if let Some(value) = req.query().get(field) {
            if let Ok(number) = routes::dial_number(value, field) {
                assert!(!number.contains(['\r', '\n', ',', '&', '/']), "{number:?} passed as a dialable number");
            }
        }
    }
    if let Some(state) = req.header("x-device-state") {
        let _ = devstate::from_token(state);
        let _ = devstate::from_number(state);
    }
    if format == format::Format::Xml {
        if let Ok(value) = req.json::<xml::Value>() {
            well_formed(&xml::document("response", &value));
        }
    }
    // A user name other than `apiKey` is looked up in the database; stop short of that.
    if req.basic_auth().is_some_and(|(user, _)| user != "apiKey") {
        return None;
    }
    Some(auth::caller(&req).is_ok_and(|caller| caller.is_admin()))
}

/// Panics unless `document` reads back as well-formed XML with one root element.
fn well_formed(document: &[u8]) {
    let mut reader = quick_xml::Reader::from_reader(document);
    reader.config_mut().check_end_names = true;
    let (mut depth, mut roots) = (0usize, 0usize);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                roots += usize::from(depth == 0);
                depth += 1;
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Empty(_)) => roots += usize::from(depth == 0),
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the XML answer is not well-formed ({e}): {}", String::from_utf8_lossy(document)),
        }
    }
    assert_eq!((depth, roots), (0, 1), "{}", String::from_utf8_lossy(document));
}
