//! Who a plugin is: the key its private data is stored under.
//!
//! A plugin loaded from a file is identified by its content, the SHA-256 of the component's bytes:
//! renaming the file or moving its mount keeps the identity, and two different components never
//! share one by accident (a JS and a Python build both called `plugin.wasm`) or on purpose (a file
//! shipped under another plugin's name). A built-in plugin ships inside the host binary, which
//! vouches for it, so it is identified by its built-in name and keeps its data across host
//! upgrades that rebuild it. The two kinds are told apart by where the bytes came from
//! ([`PluginSource`]), never by anything the bytes say, so no file can obtain a built-in's identity.
//!
//! An identity is only ever a key in the host's registry (`store::registry`); it never becomes
//! part of a path. Parsing one back from text accepts only the two exact shapes it prints.

use std::borrow::Cow;
use std::fmt;

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

use crate::builtin;
use crate::config::PluginSource;

/// A plugin's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PluginIdentity {
    /// A built-in plugin, by name (`builtin:elastix`).
    Builtin(String),
    /// A component loaded from a file, by the SHA-256 of its bytes (`sha256:<64 hex digits>`).
    Component([u8; 32]),
}

/// The longest built-in name an identity accepts (crate names are far shorter).
const MAX_BUILTIN_NAME: usize = 64;

impl PluginIdentity {
    /// The identity of `bytes` loaded from `source`.
    pub fn of(source: &PluginSource, bytes: &[u8]) -> PluginIdentity {
        PluginIdentity::from_digest(source, Sha256::digest(bytes).into())
    }

    /// The identity of the component whose bytes hash to `digest` (SHA-256), loaded from `source`:
    /// for a caller that needs the digest anyway (the compile cache keys on it too).
    pub fn from_digest(source: &PluginSource, digest: [u8; 32]) -> PluginIdentity {
        match source {
            PluginSource::Builtin(name) => PluginIdentity::Builtin(name.clone()),
            PluginSource::File(_) => PluginIdentity::Component(digest),
        }
    }

    /// Reads `source` and names it (the admin's `plugin adopt` needs the identity, not a compile).
    pub fn read(source: &PluginSource) -> anyhow::Result<PluginIdentity> {
        Ok(PluginIdentity::of(source, &source_bytes(source)?))
    }

    /// Parses the text [`fmt::Display`] writes; anything else is refused.
    pub fn parse(text: &str) -> anyhow::Result<PluginIdentity> {
        if let Some(hex) = text.strip_prefix("sha256:") {
            let digest = decode_hex(hex).with_context(|| format!("`{}` is not a plugin identity", text.escape_debug()))?;
            return Ok(PluginIdentity::Component(digest));
        }
        if let Some(name) = text.strip_prefix("builtin:") {
            if is_builtin_name(name) {
                return Ok(PluginIdentity::Builtin(name.to_string()));
            }
        }
        bail!("`{}` is not a plugin identity (`sha256:<64 hex digits>` or `builtin:<name>`)", text.escape_debug())
    }

    /// The first 12 hex digits of a component's hash, or the built-in's name: for messages.
    pub fn short(&self) -> String {
        match self {
            PluginIdentity::Builtin(name) => format!("builtin:{name}"),
            PluginIdentity::Component(digest) => format!("sha256:{}", &hex(digest)[..12]),
        }
    }
}

impl fmt::Display for PluginIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginIdentity::Builtin(name) => write!(f, "builtin:{name}"),
            PluginIdentity::Component(digest) => write!(f, "sha256:{}", hex(digest)),
        }
    }
}

/// A built-in's name as crate names go: lowercase ASCII letters, digits, `-` and `_`.
fn is_builtin_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_BUILTIN_NAME
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Exactly 64 lowercase hex digits (one spelling per hash, so one text per identity).
fn decode_hex(text: &str) -> anyhow::Result<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        bail!("a component identity is 64 lowercase hex digits");
    }
    let mut digest = [0u8; 32];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("checked hex");
    }
    Ok(digest)
}

/// The component bytes of `source`: the built-in's embedded bytes or the file's.
pub fn source_bytes(source: &PluginSource) -> anyhow::Result<Cow<'static, [u8]>> {
    Ok(match source {
        PluginSource::Builtin(name) => builtin::find(name).with_context(|| format!("no built-in plugin `{name}`"))?.wasm.into(),
        PluginSource::File(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?.into(),
    })
}

/// The name the host keyed a plugin's private database on before identities (the built-in's name
/// or the file's stem, characters other than ASCII letters, digits, `-` and `_` made `_`), so an
/// existing `plugins/<stem>.sqlite` can be migrated to the component that mounts under that stem.
pub fn legacy_stem(source: &PluginSource) -> String {
    let name = match source {
        PluginSource::Builtin(name) => name.clone(),
        PluginSource::File(path) => path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned()),
    };
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn a_file_is_its_content_and_a_builtin_its_name() {
        let a = PluginIdentity::of(&PluginSource::File(PathBuf::from("/x/plugin.wasm")), b"one");
        let renamed = PluginIdentity::of(&PluginSource::File(PathBuf::from("/y/other.wasm")), b"one");
        let other = PluginIdentity::of(&PluginSource::File(PathBuf::from("/x/plugin.wasm")), b"two");
        assert_eq!(a, renamed);
        assert_ne!(a, other);
        let builtin = PluginIdentity::of(&PluginSource::Builtin("hello".into()), b"one");
        assert_eq!(builtin.to_string(), "builtin:hello");
        // A file named after a built-in, even with the built-in's very bytes, is a component.
        let hello = builtin::find("hello").unwrap().wasm;
        let copy = PluginIdentity::of(&PluginSource::File(PathBuf::from("hello")), hello);
        assert!(matches!(copy, PluginIdentity::Component(_)));
        assert_ne!(copy, PluginIdentity::of(&PluginSource::Builtin("hello".into()), hello));
    }

    #[test]
    fn identities_round_trip_and_nothing_else_parses() {
        let id = PluginIdentity::of(&PluginSource::File(PathBuf::from("p.wasm")), b"x");
        assert_eq!(PluginIdentity::parse(&id.to_string()).unwrap(), id);
        assert_eq!(PluginIdentity::parse("builtin:axeos").unwrap(), PluginIdentity::Builtin("axeos".into()));
        let upper = id.to_string().to_uppercase().replace("SHA256", "sha256");
        for hostile in [
            "builtin:../../etc/passwd", "builtin:a/b", "builtin:a\0b", "builtin:", "builtin:A", "builtin:..",
            "sha256:..", "sha256:/etc", "sha256:", &upper, "sha256:00", "hello", "", "\0",
            "sha256:000000000000000000000000000000000000000000000000000000000000000/",
        ] {
            assert!(PluginIdentity::parse(hostile).is_err(), "{hostile:?} parsed");
        }
    }

    #[test]
    fn legacy_stems_are_the_old_sanitized_names() {
        assert_eq!(legacy_stem(&PluginSource::File(PathBuf::from("/p/a.b.wasm"))), "a_b");
        assert_eq!(legacy_stem(&PluginSource::File(PathBuf::from("/p/store_probe.wasm"))), "store_probe");
        assert_eq!(legacy_stem(&PluginSource::Builtin("elastix".into())), "elastix");
    }
}
