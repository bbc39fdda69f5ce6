//! PHP-style JSON (`switchboard_sdk::php_json`): any value encodes to pure-ASCII JSON with every
//! `/` escaped, which a standard JSON parser reads back to the same value — same strings, same
//! integers, and object keys in the same order, duplicates included.

use arbitrary::{Arbitrary, Unstructured};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use switchboard_sdk::php_json::Json;

/// Deeper than this the parser (serde_json stops at 128 levels) could not read it back.
const MAX_DEPTH: usize = 100;

pub fn check(data: &[u8]) {
    let Ok(value) = json(&mut Unstructured::new(data), 0) else { return };
    let text = value.encode();
    assert!(text.is_ascii(), "non-ASCII output {text:?}");
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '/' => panic!("an unescaped `/` in {text:?}"),
            _ => {}
        }
    }
    let Ordered(back) = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text:?} is not JSON: {e}"));
    assert_eq!(back, value, "{text:?} reads back as another value");
}

fn text(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    // Mostly arbitrary Unicode; sometimes a string made of what PHP escapes.
    if u.ratio(1, 4)? {
        const SPECIAL: [&str; 10] = ["/", "\\", "\"", "\u{0}", "\u{1f}", "\u{7f}", "é", "😀", "\u{2028}", "\u{ffff}"];
        let mut s = String::new();
        for _ in 0..u.int_in_range(0..=24)? {
            s.push_str(if u.ratio(1, 2)? { u.choose(&SPECIAL)? } else { "abcdefgh" });
        }
        return Ok(s);
    }
    String::arbitrary(u)
}

fn json(u: &mut Unstructured<'_>, depth: usize) -> arbitrary::Result<Json> {
    let leaf = depth >= MAX_DEPTH;
    Ok(match u.int_in_range(0..=if leaf { 3 } else { 5 })? {
        0 => Json::Null,
        1 => Json::Bool(bool::arbitrary(u)?),
        2 => Json::Int(i64::arbitrary(u)?),
        3 => Json::Str(text(u)?),
        4 => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=64usize)? {
                items.push(json(u, depth + 1)?);
            }
            Json::Arr(items)
        }
        _ => {
            let mut entries = Vec::new();
            for _ in 0..u.int_in_range(0..=64usize)? {
                entries.push((text(u)?, json(u, depth + 1)?));
            }
            Json::Obj(entries)
        }
    })
}

/// A parsed value that keeps object keys in order, duplicates included.
struct Ordered(Json);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor).map(Ordered)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value without fractions")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
        Ok(Json::Int(i))
    }
    fn visit_u64<E: serde::de::Error>(self, i: u64) -> Result<Json, E> {
        i64::try_from(i).map(Json::Int).map_err(E::custom)
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(Ordered(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut pairs = Vec::new();
        while let Some((key, Ordered(value))) = map.next_entry::<String, Ordered>()? {
            pairs.push((key, value));
        }
        Ok(Json::Obj(pairs))
    }
}
