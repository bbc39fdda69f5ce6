//! The configuration `switchboard demo` serves: every built-in plugin on its usual route, with
//! demo settings, on one listener. Later capabilities (the PBX simulator, the five API flavors)
//! add their mounts here.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::config::{Config, Grants, Limits, Listener, Mount, PluginSource, RuntimeOptions};

/// The demo's mounts on `listen`.
pub fn config(listen: SocketAddr, cache_dir: Option<PathBuf>) -> Config {
    let hello = Mount {
        route: "/hello".into(),
        plugin: PluginSource::Builtin("hello".into()),
        listeners: Vec::new(),
        settings: BTreeMap::from([("greeting".to_string(), "Hello from the Switchboard demo".to_string())]),
        grants: Grants::default(),
        limits: Limits::default(),
    };
    Config {
        listeners: vec![Listener { name: "main".into(), address: listen }],
        runtime: RuntimeOptions { cache_dir },
        mounts: vec![hello],
    }
}

/// What the demo prints once it is listening: every URL to try, and credentials where needed.
pub fn banner(server: &crate::Server) -> String {
    let base = server.address("main").map(|a| format!("http://{a}")).unwrap_or_default();
    let mut out = String::from("Switchboard demo is running.\n\n");
    out.push_str(&format!("  health           {base}/_switchboard/health\n"));
    for mount in server.mounts() {
        out.push_str(&format!("  {:<16} {base}{}   (plugin `{}`)\n", mount.route, mount.route, mount.plugin));
        if mount.plugin == "hello" {
            out.push_str(&format!("  {:<16} {base}{}/Ada\n", "", mount.route));
            out.push_str(&format!("  {:<16} curl -d 'any body' '{base}{}/echo?x=1'\n", "", mount.route));
        }
    }
    out.push_str("\nCredentials: none needed yet (the hello plugin is public).\nPress Ctrl-C to stop.\n");
    out
}
