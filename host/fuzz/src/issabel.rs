//! The Issabel plugin's request parsing (`issabel::fuzzing`): with its settings in place, no
//! request gets a 5xx; `POST /authenticate` issues tokens only for `admin` and the configured
//! password; the bearer check passes only tokens signed with the mount's secret (the generator
//! signs some, whose claims are arbitrary bytes, so the JSON behind a valid signature is fuzzed
//! too); and the parsing of ids and write bodies never panics.

use arbitrary::{Arbitrary, Unstructured};
use issabel::fuzzing::{self, ADMIN_PASSWORD};

use crate::request::{Shape, request};

const SHAPE: Shape<'static> = Shape {
    mount: "/pbxapi",
    paths: &["/", "/authenticate", "/authenticate/renewtoken", "/extensions", "/extensions/{id}", "/ringgroups", "/ringgroups/{id}"],
    fields: &[
        "user", "username", "password", "refresh_token", "access_token", "reload", "name", "secret", "tech", "context",
        "extension_list", "strategy", "ring_time", "callerid", "fixed_callerid", "change_callerid", "destination",
    ],
    secrets: &["admin", ADMIN_PASSWORD, "1001", "600", "on", "true", "ringall", "default"],
};

const CLAIMS: [&str; 4] = [
    r#"{"iat":1700000000,"exp":4102444800,"data":{"name":"admin"}}"#,
    r#"{"iat":1700000000,"exp":1700000001,"data":{"name":"admin"}}"#,
    r#"{"iat":1700000000,"exp":4102444800,"data":[]}"#,
    r#"{"exp":"4102444800","data":{"name":1}}"#,
];

pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(claims) = (|| -> arbitrary::Result<Vec<u8>> {
        Ok(if u.ratio(1, 2)? { u.choose(&CLAIMS)?.as_bytes().to_vec() } else { Vec::arbitrary(&mut u)? })
    })() else {
        return;
    };
    let token = fuzzing::sign(&claims);
    let Ok(req) = request(&mut u, &SHAPE, Some(&token)) else { return };
    fuzzing::configure(SHAPE.mount);
    let (response, passed) = fuzzing::request(&req);
    assert!(response.status() < 500, "{} for {req:?}", response.status());
    if passed {
        assert_eq!(req.bearer_token(), Some(token.as_str()), "a token not signed with the secret passed");
    }
    if req.method() == "POST" && req.relative_path() == "/authenticate" && response.status() == 200 {
        let form = req.form();
        let user = form.get("user").or_else(|| form.get("username"));
        assert_eq!((user, form.get("password")), (Some("admin"), Some(ADMIN_PASSWORD)), "tokens issued for {form:?}");
    }
    let _ = fuzzing::decode(&String::from_utf8_lossy(data), 1_700_000_000);
}
