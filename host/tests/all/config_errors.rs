//! Every configuration problem is reported with its file, line and column, all at once.

use std::path::Path;
use std::time::Duration;

use switchboard::config::{self, Problem};

fn problems(text: &str) -> Vec<Problem> {
    match config::parse(text, Path::new("sb.toml")) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(e) => e.0,
    }
}

fn assert_problem(problems: &[Problem], location: &str, needle: &str) {
    assert!(
        problems.iter().any(|p| p.location == location && p.message.contains(needle)),
        "no problem at {location} containing {needle:?} in {problems:#?}"
    );
}

#[test]
fn every_problem_is_reported_with_its_location() {
    let text = r#"[[listener]]
address = "127.0.0.1:8080"

[[mount]]
route = "/hello"
plugin = "helo"

[[mount]]
route = "no-slash"
plugin = "hello"

[[mount]]
route = "/hello/"
plugin = "hello"

[[mount]]
route = "/x"
plugin = "hello"
limits = { timeout_ms = 0, memory_mb = 99999, max_concurrent = -1 }

[[mount]]
route = "/y"
plugin = "./missing.wasm"
listener = "nope"
grants = { outbound_http = ["ftp://files.example.com"] }

[[mount]]
route = "/a/../b"
plugin = "hello"
"#;
    let found = problems(text);
    assert_problem(&found, "sb.toml:6:10", "unknown plugin `helo`");
    assert_problem(&found, "sb.toml:6:10", "hello");
    assert_problem(&found, "sb.toml:9:9", "a route starts with `/`");
    assert_problem(&found, "sb.toml:13:9", "route `/hello` is already mounted on listener `main` at sb.toml:5:9");
    assert_problem(&found, "sb.toml:19:25", "limits.timeout_ms = 0 is out of range");
    assert_problem(&found, "sb.toml:19:40", "limits.memory_mb = 99999 is out of range");
    assert_problem(&found, "sb.toml:19:64", "limits.max_concurrent = -1 is out of range");
    assert_problem(&found, "sb.toml:23:10", "plugin file");
    assert_problem(&found, "sb.toml:24:12", "unknown listener `nope`");
    assert_problem(&found, "sb.toml:25:29", "scheme `ftp` is not http or https");
    assert_problem(&found, "sb.toml:28:9", "`.` and `..` segments are not allowed");
    assert_eq!(found.len(), 10, "{found:#?}");
}

#[test]
fn syntax_and_unknown_keys_are_located() {
    let found = problems("[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\nlimit = { timeout_ms = 5 }\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].location.starts_with("sb.toml:4:"), "{found:?}");
    assert!(found[0].message.contains("unknown field `limit`"), "{found:?}");

    let found = problems("[[mount]\nroute = \"/a\"\n");
    assert_eq!(found[0].location, "sb.toml:1:9", "{found:?}");
}

#[test]
fn reserved_and_duplicate_routes_across_listeners() {
    let text = r#"[[listener]]
name = "main"
address = "127.0.0.1:0"

[[listener]]
name = "sark"
address = "127.0.0.1:0"

[[mount]]
route = "/api"
plugin = "hello"
listener = "main"

[[mount]]
route = "/api"
plugin = "hello"
listener = "sark"

[[mount]]
route = "/_switchboard/x"
plugin = "hello"
"#;
    let found = problems(text);
    assert_eq!(found.len(), 1, "the same route on two listeners is fine: {found:#?}");
    assert_problem(&found, "sb.toml:20:9", "reserved for the host");
}

#[test]
fn settings_come_from_the_environment() {
    // SAFETY: tests touching this variable are only this one.
    unsafe { std::env::set_var("SWITCHBOARD_TEST_KEY", "s3cret") };
    let text = "[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\n\
                settings = { key = { env = \"SWITCHBOARD_TEST_KEY\" }, opt = { env = \"SWITCHBOARD_TEST_UNSET\", default = \"d\" }, plain = \"p\" }\n";
    let config = config::parse(text, Path::new("sb.toml")).unwrap();
    let settings = &config.mounts[0].settings;
    assert_eq!(settings["key"], "s3cret");
    assert_eq!(settings["opt"], "d");
    assert_eq!(settings["plain"], "p");

    let found = problems("[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\nsettings = { key = { env = \"SWITCHBOARD_TEST_UNSET\" } }\n");
    assert_problem(&found, "sb.toml:4:20", "environment variable `SWITCHBOARD_TEST_UNSET`, which is not set");
}

#[test]
fn defaults_are_sane() {
    let config = config::parse("[[mount]]\nroute = \"/a/\"\nplugin = \"hello\"\n", Path::new("sb.toml")).unwrap();
    assert_eq!(config.listeners.len(), 1);
    assert_eq!(config.listeners[0].address.to_string(), "127.0.0.1:8080");
    let mount = &config.mounts[0];
    assert_eq!(mount.route, "/a");
    // A built-in's instances are reused; everything else is the plain default.
    assert_eq!(mount.limits, config::Limits { reuse: config::BUILTIN_REUSE, ..config::Limits::default() });
    assert!(mount.grants.outbound_http.is_empty(), "nothing is granted by default");

    // A plugin file gets a fresh instance per request unless its mount says otherwise.
    let file = crate::util::test_plugin("hostile");
    let config = config::parse(&format!("[[mount]]\nroute = \"/f\"\nplugin = {file:?}\n"), Path::new("sb.toml")).unwrap();
    assert_eq!(config.mounts[0].limits, config::Limits::default());
    assert_eq!(config::Limits::default().reuse, 1);
    let text = format!("[[mount]]\nroute = \"/f\"\nplugin = {file:?}\nlimits = {{ reuse = 50 }}\n");
    let config = config::parse(&text, Path::new("sb.toml")).unwrap();
    assert_eq!(config.mounts[0].limits.reuse, 50);
    let found = problems("[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\nlimits = { reuse = 0 }\n");
    assert_problem(&found, "sb.toml:4:20", "limits.reuse = 0 is out of range");
}

#[test]
fn idle_and_event_batch_timeouts_default_parse_and_are_located() {
    let defaults = config::Limits::default();
    assert_eq!(defaults.idle_timeout, config::DEFAULT_IDLE_TIMEOUT);
    assert_eq!(defaults.event_batch_timeout, config::DEFAULT_EVENT_BATCH_TIMEOUT);
    let text = "[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\nlimits = { idle_timeout_ms = 250, event_batch_timeout_ms = 750 }\n";
    let limits = config::parse(text, Path::new("sb.toml")).unwrap().mounts[0].limits;
    assert_eq!((limits.idle_timeout, limits.event_batch_timeout), (Duration::from_millis(250), Duration::from_millis(750)));

    let found = problems(
        "[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\nlimits = { idle_timeout_ms = 0, event_batch_timeout_ms = 3600001 }\n",
    );
    assert_problem(&found, "sb.toml:4:30", "limits.idle_timeout_ms = 0 is out of range");
    assert_problem(&found, "sb.toml:4:58", "limits.event_batch_timeout_ms = 3600001 is out of range");
    let found = problems("[[mount]]\nroute = \"/a\"\nplugin = \"hello\"\nlimits = { idle_timeout_ms = \"5m\" }\n");
    assert!(!found.is_empty(), "a duration is written in milliseconds, as the other limits: {found:?}");
}

#[test]
fn store_area_and_sqlite_grant_problems_are_located() {
    let text = r#"[areas]
recordings = "/tmp/rec"
Bad-Name = "/tmp/x"

[[mount]]
route = "/a"
plugin = "hello"
grants = { files = { voicemail = "read-only", recordings = "rw" }, sqlite = { pbx = "write-only" } }

[[mount]]
route = "/b"
plugin = "hello"
grants = { sqlite = { pbx = { read = ["cdr", "no_such_table"] } } }
"#;
    let found = problems(text);
    assert_problem(&found, "sb.toml:3:12", "bad area name `Bad-Name`");
    assert_problem(&found, "sb.toml:8:34", "file area `voicemail`, which `[areas]` does not define");
    assert_problem(&found, "sb.toml:8:60", r#"file grant `recordings = "rw"`"#);
    assert_problem(&found, "sb.toml:8:85", r#"sqlite.pbx = "write-only""#);
    assert_problem(&found, "sb.toml:13:29", "table `no_such_table`");
    assert_problem(&found, "sb.toml:10:1", "mount /b is granted sqlite, but the file has no `[store]`");
}

#[test]
fn a_full_store_configuration_parses() {
    let config = config::parse(
        r#"[store]
dir = "data"
[areas]
recordings = "/var/spool/asterisk/monitor"
[asterisk]
config_dir = "/etc/asterisk/switchboard"
[[mount]]
route = "/a"
plugin = "hello"
grants = { files = { recordings = "read-only" }, sqlite = { pbx = { read = ["*"], write = ["extensions"] }, own = true }, system = true, apply_changes = true }
"#,
        Path::new("/etc/switchboard/sb.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.store.unwrap().dir, Path::new("/etc/switchboard/data"));
    let grants = &config.mounts[0].grants;
    assert_eq!(grants.files.get("recordings"), Some(&config::FileAccess::ReadOnly));
    assert_eq!(
        grants.sqlite.pbx,
        Some(config::PbxAccess::Tables { read: vec!["*".into()], write: vec!["extensions".into()] })
    );
    assert!(grants.sqlite.own && grants.system && grants.apply_changes);
    assert_eq!(config.asterisk.config_dir.as_deref(), Some(Path::new("/etc/asterisk/switchboard")));
}

#[test]
fn ami_event_classes_and_the_pjsip_transport() {
    let text = r#"[ami]
address = "127.0.0.1:5038"
username = "switchboard"
secret = "s"
events = ["call", "calls", "security"]

[asterisk]
transport = "udp;evil"
"#;
    let found = problems(text);
    assert_problem(&found, "sb.toml:5:19", "ami.events: `calls` is not an AMI event class (one of: system, call,");
    assert_problem(&found, "sb.toml:8:13", "asterisk.transport \"udp;evil\" is not a PJSIP transport name");
    assert_eq!(found.len(), 2, "{found:#?}");

    let config = config::parse(
        "[ami]\naddress = \"127.0.0.1:5038\"\nusername = \"u\"\nsecret = \"s\"\n[asterisk]\ntransport = \"transport-udp\"\n",
        Path::new("sb.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ami = config.ami.expect("[ami]");
    assert_eq!(ami.events.login_value(), "system,call,agent,user,dtmf,cdr,dialplan,message", "the default leaves security out");
    assert_eq!(config.asterisk.transport.as_deref(), Some("transport-udp"));

    let config = config::parse(
        "[ami]\naddress = \"127.0.0.1:5038\"\nusername = \"u\"\nsecret = \"s\"\nevents = [\"call\", \"reporting\"]\n",
        Path::new("sb.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.ami.unwrap().events.login_value(), "system,call,reporting,cdr", "`system` and `cdr` are always asked for");
}

#[test]
fn ami_grants_are_checked_when_the_file_is_read() {
    let text = r#"[[mount]]
route = "/a"
plugin = "hello"
grants = { ami = ["Status", "Logoff", "Originate Context", "* Context=x", "Command core show *", "Bad-Name"] }
"#;
    let found = problems(text);
    assert_problem(&found, "sb.toml:4:29", "bad ami grant `Logoff`: `Logoff` is sent only by the host");
    assert_problem(&found, "sb.toml:4:39", "is not HEADER=PATTERN");
    assert_problem(&found, "sb.toml:4:60", "`*` takes no arguments");
    assert_problem(&found, "sb.toml:4:98", "bad ami grant `Bad-Name`");
    assert_eq!(found.len(), 4, "{found:#?}");
}

/// `[asterisk] transport` is written into pjsip.conf as it is, so it takes exactly what the schema
/// takes in `ps_endpoints.transport` (the config reader cannot call the SDK's rules, which the host
/// has only as a dev-dependency; this holds the two to one verdict).
#[test]
fn the_transport_setting_takes_what_the_schema_takes() {
    for value in ["transport-udp", "t_1", "udp", "-udp", "_x", "udp;x", "udp x", "a.b", "", &"a".repeat(80), &"a".repeat(81), "tr\nansport"] {
        let text = format!("[asterisk]\ntransport = {value:?}\n");
        let config_takes = config::parse(&text, Path::new("sb.toml")).is_ok();
        let schema_takes = switchboard_sdk::schema::check("ps_endpoints", "transport", value).is_ok() && !value.is_empty();
        assert_eq!(config_takes, schema_takes, "{value:?}");
    }
}
