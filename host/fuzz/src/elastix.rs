//! The Elastix plugin's request parsing (`elastix::fuzzing`): a command runs only when the whole
//! `Authorization` header is the configured key; the form checks and the CDR report's query
//! builder never panic and bind a parameter for every placeholder; the `core show channels
//! verbose` parser takes any CLI output.

use arbitrary::{Arbitrary, Unstructured};
use elastix::fuzzing::{self, API_KEY};

use crate::request::{Shape, request};

const SHAPE: Shape<'static> = Shape {
    mount: "/api",
    paths: &["/api.php", "/"],
    fields: &[
        "cmd", "extension", "secret", "context", "callerid", "nat", "qualify", "dtmfmode", "start_date", "end_date",
        "field_name", "field_pattern", "status", "recordings", "limit", "src", "dst",
    ],
    secrets: &[API_KEY, "auth", "cdrreport", "addextension", "1001", "ALL", "only", "without", "channel", "10"],
};

pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if u.ratio(1, 4).unwrap_or(false) {
        let Ok(lines) = Vec::<String>::arbitrary(&mut u) else { return };
        fuzzing::channels(&lines);
        return;
    }
    let Ok(req) = request(&mut u, &SHAPE, None) else { return };
    fuzzing::configure(SHAPE.mount);
    if let Ok(cmd) = fuzzing::request(&req) {
        assert_eq!(req.header("authorization"), Some(API_KEY), "{cmd:?} ran without the key");
        assert_eq!(req.query().get("cmd"), Some(cmd.as_str()));
    }
}
