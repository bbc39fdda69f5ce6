//! HTTP requests from the fuzzer's bytes, for the SDK and plugin targets: mostly well-shaped
//! (known methods, paths under the mount, the headers the code reads, form or JSON bodies) so the
//! fuzzer reaches deep, with arbitrary text anywhere a client could put it.

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use switchboard_sdk::Request;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
const HEADERS: [&str; 5] = ["authorization", "content-type", "accept", "x-device-state", "x-api-key"];
const CONTENT_TYPES: [&str; 4] =
    ["application/json", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8", "text/plain"];

/// What a target knows about the plugin it feeds.
pub struct Shape<'a> {
    /// The mount route (`/pbxapi`).
    pub mount: &'a str,
    /// Paths under the mount the plugin serves (`/extensions/{id}` style ids are filled in).
    pub paths: &'a [&'a str],
    /// Query and form field names the plugin reads.
    pub fields: &'a [&'a str],
    /// Credentials worth trying (a key, a user name, a password).
    pub secrets: &'a [&'a str],
}

/// A string: one of `known`, or arbitrary text, or one of `known` with arbitrary text appended.
pub fn pick(u: &mut Unstructured<'_>, known: &[&str]) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 | 1 if !known.is_empty() => (*u.choose(known)?).to_string(),
        2 if !known.is_empty() => format!("{}{}", u.choose(known)?, String::arbitrary(u)?),
        _ => String::arbitrary(u)?,
    })
}

/// `key=value&…`, percent-encoding some of the time (and leaving stray `%`s the rest).
fn pairs(u: &mut Unstructured<'_>, shape: &Shape<'_>) -> arbitrary::Result<String> {
    let mut out = String::new();
    for _ in 0..u.int_in_range(0..=6)? {
        if !out.is_empty() {
            out.push('&');
        }
        let key = pick(u, shape.fields)?;
        let value = pick(u, shape.secrets)?;
        if u.ratio(1, 2)? {
            out.push_str(&encode_pair(&key, &value));
        } else {
            out.push_str(&format!("{key}={value}"));
        }
    }
    Ok(out)
}

fn encode_pair(key: &str, value: &str) -> String {
    let enc = |s: &str| s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>();
    format!("{}={}", enc(key), enc(value))
}

/// A JSON object body with the plugin's field names.
fn json_body(u: &mut Unstructured<'_>, shape: &Shape<'_>) -> arbitrary::Result<String> {
    let mut map = serde_json::Map::new();
    for _ in 0..u.int_in_range(0..=6)? {
        let key = pick(u, shape.fields)?;
        let value = match u.int_in_range(0..=5)? {
            0 => serde_json::Value::Null,
            1 => serde_json::Value::Bool(bool::arbitrary(u)?),
            2 => serde_json::Value::from(i64::arbitrary(u)?),
            3 => serde_json::Value::from(f64::arbitrary(u)?),
            4 => serde_json::Value::Array((0..u.int_in_range(0..=4)?).map(|_| pick(u, shape.secrets).map(Into::into)).collect::<Result<_, _>>()?),
            _ => serde_json::Value::String(pick(u, shape.secrets)?),
        };
        map.insert(key, value);
    }
    Ok(serde_json::Value::Object(map).to_string())
}

/// An `Authorization` value: Basic of a user and password, Bearer of `token`, or anything.
pub fn authorization(u: &mut Unstructured<'_>, shape: &Shape<'_>, token: Option<&str>) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => {
            let (user, password) = (pick(u, shape.secrets)?, pick(u, shape.secrets)?);
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
        }
        1 if token.is_some() => format!("Bearer {}", token.unwrap_or_default()),
        2 => pick(u, shape.secrets)?,
        _ => format!("{} {}", pick(u, &["Basic", "Bearer", "bearer", "BASIC"])?, String::arbitrary(u)?),
    })
}

/// A request for a plugin of `shape`; `token` is a bearer token the request may carry.
pub fn request(u: &mut Unstructured<'_>, shape: &Shape<'_>, token: Option<&str>) -> arbitrary::Result<Request> {
    let method = pick(u, &METHODS)?;
    let mut target = if u.ratio(7, 8)? {
        let path = pick(u, shape.paths)?;
        let id = pick(u, &["1001", "600", "1001,1002", "%31%30", "", "..", "a%2Fb"])?;
        format!("{}{}", shape.mount.trim_end_matches('/'), path.replace("{id}", &id))
    } else {
        // Arbitrary bytes after the `/` every origin-form request target starts with (the host
        // hands plugins nothing else: hyper refuses other targets, and `*` matches no mount).
        format!("/{}", String::arbitrary(u)?)
    };
    if u.ratio(1, 2)? {
        target = format!("{target}?{}", pairs(u, shape)?);
    }
    let mut req = Request::new(&method, &target).with_mount_route(shape.mount);
    for _ in 0..u.int_in_range(0..=4)? {
        let name = pick(u, &HEADERS)?;
        let value: Vec<u8> = match name.as_str() {
            "authorization" => authorization(u, shape, token)?.into_bytes(),
            "content-type" => pick(u, &CONTENT_TYPES)?.into_bytes(),
            "accept" => pick(u, &["application/json", "application/xml", "text/xml;q=0.9, */*", "*/*"])?.into_bytes(),
            _ => Vec::<u8>::arbitrary(u)?,
        };
        req = req.with_header(&name, value);
    }
    let body: Vec<u8> = match u.int_in_range(0..=3)? {
        0 => Vec::new(),
        1 => pairs(u, shape)?.into_bytes(),
        2 => json_body(u, shape)?.into_bytes(),
        _ => Vec::arbitrary(u)?,
    };
    Ok(req.with_body(body))
}
