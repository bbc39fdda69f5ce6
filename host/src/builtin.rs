//! Plugins compiled into the `switchboard` binary.
//!
//! `host/build.rs` builds every crate under `plugins/` and `examples/` for `wasm32-wasip2` and embeds
//! the components here, so one self-contained binary can mount them by name (`plugin = "hello"`).
//! The same components can be loaded from `.wasm` files instead.

use std::path::Path;

/// A plugin embedded in the binary.
#[derive(Debug)]
pub struct Builtin {
    /// The name a mount uses (`plugin = "hello"`): the crate's package name.
    pub name: &'static str,
    /// The crate's description.
    pub description: &'static str,
    /// `plugin` (a product plugin from `plugins/`) or `example` (from `examples/`).
    pub kind: &'static str,
    /// The component's bytes.
    pub wasm: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));

/// The built-in plugin called `name`.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Names of all built-in plugins, for messages.
pub fn names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.name).collect()
}

/// Path of a test-only plugin's component (from `host/test-plugins/`), for the test suite.
#[doc(hidden)]
pub fn test_plugin_path(name: &str) -> Option<&'static Path> {
    TEST_PLUGINS.iter().find(|(n, _)| *n == name).map(|(_, p)| Path::new(*p))
}
