//! The Axeos plugin's request parsing (`axeos::fuzzing`): the caller is the administrator only
//! with the configured key (HTTP Basic `apiKey:<key>` or `?key=<key>`); format negotiation,
//! options, dialable numbers (never a line break, `,`, `&` or `/` in one that passes) and device
//! states never panic; an XML answer is well-formed XML with one root.

use arbitrary::Unstructured;
use axeos::fuzzing::{self, API_KEY};

use crate::request::{Shape, request};

const SHAPE: Shape<'static> = Shape {
    mount: "/apis/pbx",
    paths: &["/users", "/users.xml", "/users/{id}.json", "/phones", "/call", "/voicemail/{id}", "/switches.xml", "/acd/{id}"],
    fields: &["key", "status", "from", "to", "number", "destination", "format"],
    secrets: &[API_KEY, "apiKey", "1001", "+15551234", "*97", "0", "no"],
};

pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(req) = request(&mut u, &SHAPE, None) else { return };
    fuzzing::configure(SHAPE.mount);
    if fuzzing::request(&req) == Some(true) {
        let by_basic = req.basic_auth().is_some_and(|(user, key)| user == "apiKey" && key == API_KEY);
        let by_query = req.basic_auth().is_none() && req.query().get("key") == Some(API_KEY);
        assert!(by_basic || by_query, "administrator without the key: {req:?}");
    }
}
