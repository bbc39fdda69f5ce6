//! JSON values as XML, the way the original's (deprecated) XML output shaped them: an element per
//! property, `<item>` per list entry, and null as an empty element — so, as the API documentation
//! warns, a client cannot tell null from an empty string. quick-xml's writer does the escaping.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

pub use crate::ordered::Value;

/// Whether `name` can be an element name as it is (our property names always can).
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.to_ascii_lowercase().starts_with("xml")
}

fn element(w: &mut Writer<Vec<u8>>, name: &str, value: &Value) -> std::io::Result<()> {
    let (name, key) = if is_name(name) { (name, None) } else { ("entry", Some(name)) };
    let mut start = w.create_element(name);
    if let Some(key) = key {
        start = start.with_attribute(("key", key));
    }
    match value {
        Value::Null => {
            start.write_text_content(BytesText::new(""))?;
        }
        Value::Bool(b) => {
            start.write_text_content(BytesText::new(if *b { "true" } else { "false" }))?;
        }
        Value::Number(n) => {
            start.write_text_content(BytesText::new(n))?;
        }
        Value::String(s) => {
            start.write_text_content(BytesText::new(s))?;
        }
        Value::Array(items) => {
            start.write_inner_content(|w| items.iter().try_for_each(|item| element(w, "item", item)))?;
        }
        Value::Object(map) => {
            start.write_inner_content(|w| map.iter().try_for_each(|(k, v)| element(w, k, v)))?;
        }
    }
    Ok(())
}

/// A whole document: the XML declaration, then `value` as element `root`.
pub fn document(root: &str, value: &Value) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = element(&mut w, root, value);
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(root: &str, v: serde_json::Value) -> String {
        let v: Value = serde_json::from_str(&v.to_string()).unwrap();
        String::from_utf8(document(root, &v)).unwrap()
    }

    #[test]
    fn nulls_are_empty_and_lists_are_items() {
        let v: Value = serde_json::from_str(r#"[{"uuid":"u1","full_name":null,"cw":true,"n":3}]"#).unwrap();
        assert_eq!(
            String::from_utf8(document("users", &v)).unwrap(),
            r#"<?xml version="1.0" encoding="UTF-8"?><users><item><uuid>u1</uuid><full_name></full_name><cw>true</cw><n>3</n></item></users>"#
        );
    }

    #[test]
    fn text_is_escaped_and_odd_keys_become_attributes() {
        let v = serde_json::json!({"name": "<Bob & \"Co\">", "event type": 1});
        let out = xml("x", v);
        assert!(out.contains("<name>&lt;Bob &amp; &quot;Co&quot;&gt;</name>"), "{out}");
        assert!(out.contains(r#"<entry key="event type">1</entry>"#), "{out}");
    }
}
