//! A mount to add, as the admin API receives it: the `[[mount]]` keys of the config file as JSON.
//!
//! It is validated by the config parser itself, not by a second set of rules: the mount is written
//! as a `[[mount]]` table after the running server's listeners, store and areas, and that text is
//! parsed like a config file, so an added mount is refused exactly when the same table in the file
//! would be, with the same messages.

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use super::ControlError;
use crate::config::{self, Config, Mount};

/// One mount, with the config file's `[[mount]]` keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountSpec {
    /// Route prefix.
    pub route: String,
    /// A built-in's name or a `.wasm` path (relative paths are read from the config file's directory).
    pub plugin: String,
    /// A listener name or a list of them; absent: every listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener: Option<serde_json::Value>,
    /// `settings`: values are strings, or `{"env": "NAME", "default": "…"}`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// `grants`, as in the file.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub grants: serde_json::Map<String, serde_json::Value>,
    /// `limits`, as in the file.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub limits: serde_json::Map<String, serde_json::Value>,
    /// `enabled`; absent: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl MountSpec {
    /// The `[[mount]]` table, as the config file gets it (nested values as inline tables).
    pub fn to_toml(&self) -> Table {
        let mut table = Table::new();
        table.insert("route", Item::Value(self.route.as_str().into()));
        table.insert("plugin", Item::Value(self.plugin.as_str().into()));
        if let Some(listener) = &self.listener {
            if let Some(v) = to_value(listener) {
                table.insert("listener", Item::Value(v));
            }
        }
        for (key, map) in [("settings", &self.settings), ("grants", &self.grants), ("limits", &self.limits)] {
            if !map.is_empty() {
                if let Some(v) = to_value(&serde_json::Value::Object(map.clone())) {
                    table.insert(key, Item::Value(v));
                }
            }
        }
        if let Some(enabled) = self.enabled {
            table.insert("enabled", Item::Value(enabled.into()));
        }
        table
    }

    /// The mount, validated against the running server's listeners, store and areas; relative
    /// plugin paths are read from `dir` (the config file's directory, else the working directory).
    pub(crate) fn validate(&self, running: &Config, dir: Option<&Path>) -> Result<Mount, ControlError> {
        if let Some(null) = self.nulls() {
            return Err(ControlError::invalid(format!("`{null}` is null; TOML has no null: leave the key out instead")));
        }
        let mut text = String::new();
        for listener in &running.listeners {
            text.push_str(&format!("[[listener]]\nname = {}\naddress = \"127.0.0.1:0\"\n\n", quoted(&listener.name)));
        }
        if let Some(store) = &running.store {
            text.push_str(&format!("[store]\ndir = {}\n\n", quoted(&store.dir.display().to_string())));
        }
        if !running.areas.is_empty() {
            text.push_str("[areas]\n");
            for (name, area) in &running.areas {
                text.push_str(&format!("{} = {}\n", quoted(name), quoted(&area.display().to_string())));
            }
            text.push('\n');
        }
        let mut doc = DocumentMut::new();
        let mut mounts = toml_edit::ArrayOfTables::new();
        mounts.push(self.to_toml());
        doc.insert("mount", Item::ArrayOfTables(mounts));
        text.push_str(&doc.to_string());
        let cwd = std::env::current_dir().unwrap_or_default();
        let base = dir.map_or(cwd, Path::to_path_buf);
        let parsed = config::parse(&text, &base.join("(added mount)")).map_err(|e| ControlError::invalid(e.to_string()))?;
        parsed.mounts.into_iter().next().ok_or_else(|| ControlError::invalid("the mount did not validate"))
    }

    /// The first key whose value is JSON null, if any.
    fn nulls(&self) -> Option<String> {
        fn find(prefix: &str, value: &serde_json::Value) -> Option<String> {
            match value {
                serde_json::Value::Null => Some(prefix.to_string()),
                serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| find(&format!("{prefix}.{k}"), v)),
                serde_json::Value::Array(items) => items.iter().find_map(|v| find(prefix, v)),
                _ => None,
            }
        }
        let listener = self.listener.as_ref().and_then(|l| find("listener", l));
        listener.or_else(|| {
            [("settings", &self.settings), ("grants", &self.grants), ("limits", &self.limits)]
                .into_iter()
                .find_map(|(key, map)| map.iter().find_map(|(k, v)| find(&format!("{key}.{k}"), v)))
        })
    }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    Value::from(text).to_string().trim().to_string()
}

/// JSON as a TOML value (objects as inline tables); `None` for null.
fn to_value(json: &serde_json::Value) -> Option<Value> {
    Some(match json {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(b) => (*b).into(),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        serde_json::Value::String(s) => s.as_str().into(),
        serde_json::Value::Array(items) => {
            let mut array = Array::new();
            for item in items.iter().filter_map(to_value) {
                array.push(item);
            }
            Value::Array(array)
        }
        serde_json::Value::Object(map) => {
            let mut table = InlineTable::new();
            for (key, value) in map {
                if let Some(value) = to_value(value) {
                    table.insert(key, value);
                }
            }
            Value::InlineTable(table)
        }
    })
}
