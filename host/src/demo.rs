//! The configuration `switchboard demo` serves: the built-in PBX simulator as the PBX, and every
//! built-in plugin on its usual route with demo settings and credentials. Later capabilities (the
//! five API flavors) add their mounts here.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::ami::AmiConfig;
use crate::config::{Config, Grants, Limits, Listener, Mount, PluginSource, RuntimeOptions};

/// The API key the demo's click-to-call mount expects in `X-Api-Key`.
pub const CLICK_TO_CALL_KEY: &str = "demo-click-to-call-key";

/// The demo's mounts on `listen`, talking to the PBX at `ami`.
pub fn config(listen: SocketAddr, cache_dir: Option<PathBuf>, ami: Option<AmiConfig>) -> Config {
    let hello = Mount {
        route: "/hello".into(),
        plugin: PluginSource::Builtin("hello".into()),
        listeners: Vec::new(),
        settings: BTreeMap::from([("greeting".to_string(), "Hello from the Switchboard demo".to_string())]),
        grants: Grants::default(),
        limits: Limits::default(),
    };
    let click_to_call = Mount {
        route: "/click-to-call".into(),
        plugin: PluginSource::Builtin("click-to-call".into()),
        listeners: Vec::new(),
        settings: BTreeMap::from([
            ("api-key".to_string(), CLICK_TO_CALL_KEY.to_string()),
            ("context".to_string(), "from-internal".to_string()),
        ]),
        grants: Grants {
            ami: vec!["Originate".into(), "CoreShowChannels".into()],
            events: true,
            ..Grants::default()
        },
        // Its event long-polls wait up to 55 s.
        limits: Limits { timeout: Duration::from_secs(60), ..Limits::default() },
    };
    Config {
        listeners: vec![Listener { name: "main".into(), address: listen }],
        runtime: RuntimeOptions { cache_dir },
        mounts: vec![hello, click_to_call],
        ami,
        events: Default::default(),
        store: None,
        areas: BTreeMap::new(),
        asterisk: Default::default(),
    }
}

/// What the demo prints once it is listening: every URL to try, and the credentials.
pub fn banner(server: &crate::Server, ami: Option<(SocketAddr, &str, &str)>) -> String {
    let base = server.address("main").map(|a| format!("http://{a}")).unwrap_or_default();
    let mut out = String::from("Switchboard demo is running.\n\n");
    out.push_str(&format!("  health           {base}/_switchboard/health\n"));
    for mount in server.mounts() {
        out.push_str(&format!("  {:<16} {base}{}   (plugin `{}`)\n", mount.route, mount.route, mount.plugin));
        match mount.plugin.as_str() {
            "hello" => {
                out.push_str(&format!("  {:<16} {base}{}/Ada\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl -d 'any body' '{base}{}/echo?x=1'\n", "", mount.route));
            }
            "click-to-call" => {
                let key = format!("-H 'X-Api-Key: {CLICK_TO_CALL_KEY}'");
                out.push_str(&format!("  {:<16} curl {key} -d from=1001 -d to=1002 {base}{}/call\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl {key} {base}{}/calls\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl {key} '{base}{}/events?timeout=20'\n", "", mount.route));
            }
            _ => {}
        }
    }
    out.push_str("\nCredentials:\n");
    out.push_str(&format!("  click-to-call    header X-Api-Key: {CLICK_TO_CALL_KEY}\n"));
    if let Some((address, user, secret)) = ami {
        out.push_str(&format!("  PBX simulator    AMI at {address}, user `{user}`, secret `{secret}`\n"));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}
