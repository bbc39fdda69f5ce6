//! The demo's grants are the narrowest that work, proven: each built-in (elastix, issabel, axeos)
//! and the click-to-call example runs with exactly its `demo::config` grants against the simulator
//! and the seeded demo PBX, and every request it serves succeeds; then, for each grant item taken
//! away alone (one SQL table, one AMI entry, a file area, `system`, `apply_changes`, `events`,
//! `own`), the requests that need it fail cleanly — 403 (or 503) in the flavor's own error format,
//! no trap, nothing half-written in the database — and the requests that do not need it still
//! work. An item whose removal no request notices fails the test: it should not be granted.
//!
//! Every variant is a mount of its own on one server (`/lp/<plugin>/<n>/…`), sharing one store,
//! so the whole matrix costs one start-up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use rusqlite::Connection;
use serde_json::{Value, json};
use switchboard::ami::AmiConfig;
use switchboard::config::{Config, Grants, Mount, PbxAccess, PluginSource};
use switchboard::demo;
use switchboard_sim::{PbxSeed, SimConfig, Simulator};

use crate::util::{base, client};

/// `assert_eq!` that notes the mismatch and goes on, so one run reports every problem.
macro_rules! check_eq {
    ($ctx:expr, $l:expr, $r:expr $(, $($msg:tt)+)?) => {{
        match (&$l, &$r) {
            (l, r) if l != r => {
                let why: String = String::new() $(+ &format!($($msg)+))?;
                $ctx.problem(format!("{why} (line {}): {l:?} != {r:?}", line!()));
            }
            _ => {}
        }
    }};
}

/// `assert!` that notes the failure and goes on.
macro_rules! check {
    ($ctx:expr, $c:expr $(, $($msg:tt)+)?) => {{
        if !$c {
            let why: String = String::new() $(+ &format!($($msg)+))?;
            $ctx.problem(format!("{why} (line {}): {}", line!(), stringify!($c)));
        }
    }};
}

/// One grant item of a mount, as its label (`sqlite:extensions`, `ami:DBPut Family=CF`,
/// `files:recordings`, `system`, `apply_changes`, `events`, `own`).
fn items(grants: &Grants) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(PbxAccess::Tables { read, write }) = &grants.sqlite.pbx {
        out.extend(read.iter().chain(write).map(|t| format!("sqlite:{t}")));
    }
    assert!(
        !matches!(grants.sqlite.pbx, Some(PbxAccess::ReadOnly | PbxAccess::ReadWrite)),
        "a demo mount grants the whole pbx database; list its tables"
    );
    if grants.sqlite.own {
        out.push("own".into());
    }
    out.extend(grants.ami.iter().map(|g| format!("ami:{g}")));
    out.extend(grants.files.keys().map(|a| format!("files:{a}")));
    for (flag, label) in [(grants.system, "system"), (grants.apply_changes, "apply_changes"), (grants.events, "events")] {
        if flag {
            out.push(label.into());
        }
    }
    out
}

/// `grants` without item `label`.
fn without(grants: &Grants, label: &str) -> Grants {
    let mut g = grants.clone();
    match label.split_once(':') {
        Some(("sqlite", table)) => {
            if let Some(PbxAccess::Tables { read, write }) = &mut g.sqlite.pbx {
                read.retain(|t| t != table);
                write.retain(|t| t != table);
            }
        }
        Some(("ami", entry)) => g.ami.retain(|e| e.to_string() != entry),
        Some(("files", area)) => {
            g.files.remove(area);
        }
        _ => match label {
            "own" => g.sqlite.own = false,
            "system" => g.system = false,
            "apply_changes" => g.apply_changes = false,
            "events" => g.events = false,
            other => panic!("unknown grant item {other}"),
        },
    }
    assert_ne!(&g, grants, "removing {label} changed nothing");
    g
}

/// How a flavor answers a request its mount's grants refuse.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flavor {
    /// The SDK's JSON error (`{"error":{"code":"…_denied"}}`): Elastix for errors the original
    /// never had, Axeos, click-to-call.
    SdkJson,
    /// Issabel pbxapi: the status with an empty body.
    Empty,
}

/// One mount of the matrix: the grants it runs with and, for variants, the item it lacks.
struct Variant {
    route: String,
    removed: Option<String>,
    /// A number the variant's writes use, unique across the matrix.
    n: usize,
}

/// What the matrix saw: for each removed item, the requests that failed without it.
#[derive(Default)]
struct Seen {
    failed_without: BTreeMap<String, BTreeSet<String>>,
    /// Answers that were not what the grants call for, reported together at the end.
    problems: Vec<String>,
}

struct Ctx {
    base: String,
    db: PathBuf,
    flavor: Flavor,
    seen: Arc<Mutex<Seen>>,
}

impl Ctx {
    fn sql(&self) -> Connection {
        let c = Connection::open(&self.db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c
    }

    fn problem(&self, what: String) {
        self.seen.lock().unwrap().problems.push(what);
    }

    fn count(&self, sql: &str, params: impl rusqlite::Params) -> i64 {
        self.sql().query_row(sql, params, |r| r.get(0)).unwrap()
    }

    /// Sends `request` (named `step`, needing the grant items `needs`) on variant `v` and checks
    /// the answer: a success when `v` lacks none of `needs`, else a clean refusal. Returns whether
    /// it succeeded, and the body.
    async fn expect(&self, v: &Variant, step: &str, needs: &[&str], request: RequestBuilder) -> (bool, Value) {
        let response = request.send().await.unwrap_or_else(|e| panic!("{step} on {}: {e}", v.route));
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        let missing = v.removed.as_deref().filter(|r| needs.contains(r));
        let Some(missing) = missing else {
            if !status.is_success() {
                self.problem(format!("{step} on {} (without {:?}) should succeed: {status} {text}", v.route, v.removed));
            }
            return (status.is_success(), body);
        };
        if status.is_success() {
            self.problem(format!("{step} without {missing} succeeded: {status} {text}"));
            return (true, body);
        }
        if status != StatusCode::FORBIDDEN && status != StatusCode::SERVICE_UNAVAILABLE {
            self.problem(format!("{step} without {missing} answered {status} {text}, not a refusal"));
        }
        let clean = match self.flavor {
            Flavor::SdkJson => body["error"]["code"].as_str().is_some_and(|code| code.ends_with("_denied") || code.ends_with("_not_granted")),
            Flavor::Empty => text.is_empty(),
        };
        if !clean {
            self.problem(format!("{step} without {missing}: not the flavor's refusal: {status} {text}"));
        }
        self.seen.lock().unwrap().failed_without.entry(missing.to_string()).or_default().insert(step.to_string());
        (false, body)
    }
}

/// The store, simulator and areas of the matrix: the demo's layout, seeded as `switchboard demo`
/// seeds it, and the demo PBX in the simulator.
struct World {
    _root: tempfile::TempDir,
    layout: demo::Layout,
    sim: Simulator,
}

async fn world(seed: PbxSeed) -> World {
    let root = tempfile::tempdir().unwrap();
    let layout = demo::Layout { root: root.path().to_path_buf() };
    layout.prepare().await.expect("the demo data prepares");
    let sim = Simulator::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        pbx: seed.with_ring(Duration::from_millis(10)),
        config_dir: Some(layout.asterisk()),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    World { _root: root, layout, sim }
}

/// The demo's configuration for `world`, with each of `plugins`' mounts repeated once per grant
/// item it holds, without that item, on `/lp/<plugin>/<n>`. Returns the config and each plugin's
/// variants (the full grants first).
fn matrix(world: &World, plugins: &[&str], only: Option<&[&str]>) -> (Config, BTreeMap<String, Vec<Variant>>) {
    let (user, secret) = world.sim.credentials();
    let ami = AmiConfig { address: world.sim.address().to_string(), username: user.into(), secret: secret.into(), ..AmiConfig::default() };
    let any_port = "127.0.0.1:0".parse().unwrap();
    let mut config = demo::config(any_port, any_port, Some(crate::util::cache_dir()), Some(ami), &world.layout);
    let demo_mounts = std::mem::take(&mut config.mounts);
    let mut variants = BTreeMap::new();
    let mut n = 0;
    for plugin in plugins {
        let mount = demo_mounts
            .iter()
            .find(|m| m.plugin == PluginSource::Builtin(plugin.to_string()))
            .unwrap_or_else(|| panic!("the demo mounts no {plugin}"));
        let mut list = Vec::new();
        let removals = items(&mount.grants).into_iter().filter(|i| only.is_none_or(|o| o.contains(&i.as_str())));
        for removed in std::iter::once(None).chain(removals.map(Some)) {
            n += 1;
            let route = format!("/lp/{plugin}/{n}");
            let grants = removed.as_deref().map_or_else(|| mount.grants.clone(), |r| without(&mount.grants, r));
            let mut limits = mount.limits;
            // Limits are not under test; keep the pool the many mounts reserve small.
            limits.max_concurrent = limits.max_concurrent.min(8);
            config.mounts.push(Mount { route: route.clone(), grants, limits, ..mount.clone() });
            list.push(Variant { route, removed, n });
        }
        variants.insert(plugin.to_string(), list);
    }
    (config, variants)
}

/// Asserts that every item of `plugin`'s demo grants was needed by some request.
fn assert_all_needed(seen: &Seen, variants: &[Variant], plugin: &str) {
    for v in variants.iter().filter_map(|v| v.removed.as_ref()) {
        assert!(
            seen.failed_without.get(v).is_some_and(|s| !s.is_empty()),
            "{plugin}: no request needed grant item {v}; the demo should not grant it"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Elastix

async fn elastix(ctx: &Ctx, v: &Variant, wav: &str) {
    let url = format!("{}{}", ctx.base, v.route);
    let post = |query: &str, form: &[(&str, &str)]| {
        client().post(format!("{url}?{query}")).header("authorization", demo::ELASTIX_KEY).form(form)
    };
    ctx.expect(v, "auth", &[], post("cmd=auth", &[])).await;
    ctx.expect(v, "sippeers", &["ami:PJSIPShowEndpoints", "ami:PJSIPShowContacts"], post("cmd=sippeers", &[])).await;
    ctx.expect(v, "activecall", &["ami:Command core show channels verbose"], post("cmd=activecall", &[])).await;
    ctx.expect(v, "parkedcalls", &["ami:ParkedCalls"], post("cmd=parkedcalls", &[])).await;
    ctx.expect(v, "channelstatus", &["ami:Status"], post("cmd=channelstatus", &[])).await;
    let (ok, body) = ctx
        .expect(
            v,
            "sipextensions",
            &["sqlite:extensions", "sqlite:ps_endpoints", "sqlite:ps_aors", "sqlite:device_options", "sqlite:trunks"],
            post("cmd=sipextensions", &[]),
        )
        .await;
    if ok {
        check!(ctx, body["1001"].is_object() && body["trunk-provider"].is_object(), "{body}");
    }
    ctx.expect(v, "cdrreport", &["sqlite:cdr"], post("cmd=cdrreport", &[("recordings", "only"), ("limit", "1")])).await;
    let (ok, body) = ctx.expect(v, "getwavfile", &["files:recordings"], post(&format!("cmd=getwavfile&name={wav}"), &[])).await;
    if ok {
        check!(ctx, body.as_str().is_some_and(|b| b.starts_with("RIFF")), "getwavfile answers the WAV");
    }
    ctx.expect(v, "systemresources", &["system"], post("cmd=systemresources", &[])).await;
    ctx.expect(v, "getharddrivers", &["system"], post("cmd=getharddrivers", &[])).await;

    // Writes: a new extension with a chan_sip option, and its follow-me.
    let number = format!("{}", 7000 + v.n);
    let add = [("account", number.as_str()), ("secret", "S3cret-pw"), ("callerid", "Least <7000>"), ("nat", "yes")];
    // Writing an extension row also reads its child tables (their foreign keys) and `tenants`.
    let needs = ["sqlite:extensions", "sqlite:device_options", "sqlite:follow_me", "sqlite:tenants", "apply_changes"];
    let (ok, _) = ctx.expect(v, "addextension", &needs, post("cmd=addextension", &add)).await;
    let rows = ctx.count("SELECT count(*) FROM extensions WHERE number = ?1", [&number]);
    let options = ctx.count("SELECT count(*) FROM device_options WHERE number = ?1", [&number]);
    check_eq!(ctx, (rows, options), if ok { (1, 1) } else { (0, 0) }, "addextension without {:?}: all or nothing", v.removed);
    if !ok {
        // The follow-me below needs its extension.
        ctx.sql().execute("INSERT INTO extensions (number, name, secret) VALUES (?1, 'Least', 'S3cret-pw')", [&number]).unwrap();
    }
    let fm = [("grpnum", number.as_str()), ("grplist", "1001-1002"), ("strategy", "ringallv2"), ("grptime", "20")];
    let needs = ["sqlite:extensions", "sqlite:follow_me", "sqlite:follow_me_numbers", "apply_changes"];
    let (ok, _) = ctx.expect(v, "addfollowmeextension", &needs, post("cmd=addfollowmeextension", &fm)).await;
    let rows = ctx.count("SELECT count(*) FROM follow_me WHERE extension = ?1", [&number]);
    let numbers = ctx.count("SELECT count(*) FROM follow_me_numbers WHERE extension = ?1", [&number]);
    check_eq!(ctx, (rows, numbers), if ok { (1, 2) } else { (0, 0) }, "addfollowmeextension without {:?}: all or nothing", v.removed);
    ctx.expect(v, "getfollowmeextension", &["sqlite:follow_me", "sqlite:follow_me_numbers"], post("cmd=getfollowmeextension", &[("grpnum", "1001")])).await;
}

// ---------------------------------------------------------------------------------------------
// Issabel

async fn issabel(ctx: &Ctx, v: &Variant) {
    let url = format!("{}{}", ctx.base, v.route);
    let login = client()
        .post(format!("{url}/authenticate"))
        .form(&[("user", "admin"), ("password", demo::ISSABEL_ADMIN_PASSWORD)]);
    let (_, body) = ctx.expect(v, "authenticate", &[], login).await;
    let token = body["access_token"].as_str().expect("a token").to_string();
    let call = |method: Method, path: &str, body: Option<Value>| {
        let r = client().request(method, format!("{url}{path}")).bearer_auth(&token);
        match body {
            Some(b) => r.json(&b),
            None => r,
        }
    };
    ctx.expect(v, "list extensions", &["sqlite:extensions"], call(Method::GET, "/extensions", None)).await;
    ctx.expect(v, "list ring groups", &["sqlite:ring_groups", "sqlite:ring_group_members"], call(Method::GET, "/ringgroups?fields=*", None)).await;

    // PUT creates an extension at a number no other destination has (extensions, ring groups and
    // queues are checked).
    let number = format!("{}", 7000 + v.n);
    // Writing an extension row also reads its child tables (their foreign keys) and `tenants`.
    let needs = ["sqlite:extensions", "sqlite:device_options", "sqlite:follow_me", "sqlite:ring_groups", "sqlite:queues", "sqlite:tenants", "apply_changes"];
    let (ok, _) = ctx.expect(v, "put extension", &needs, call(Method::PUT, &format!("/extensions/{number}"), Some(json!({"name": "Least Privilege"})))).await;
    check_eq!(ctx, ctx.count("SELECT count(*) FROM extensions WHERE number = ?1", [&number]), i64::from(ok), "put without {:?}", v.removed);

    // A ring group of two demo extensions.
    let group = format!("{}", 8000 + v.n);
    let needs = ["sqlite:extensions", "sqlite:ring_groups", "sqlite:ring_group_members", "sqlite:queues", "sqlite:tenants", "apply_changes"];
    let body = json!({"name": "Least", "strategy": "ringall", "extension_list": ["1001", "1002"]});
    let (ok, _) = ctx.expect(v, "put ring group", &needs, call(Method::PUT, &format!("/ringgroups/{group}"), Some(body))).await;
    let rows = ctx.count("SELECT count(*) FROM ring_groups WHERE number = ?1", [&group]);
    let members = ctx.count("SELECT count(*) FROM ring_group_members WHERE group_number = ?1", [&group]);
    check_eq!(ctx, (rows, members), if ok { (1, 2) } else { (0, 0) }, "ring group without {:?}: all or nothing", v.removed);

    // Deleting an extension deletes its options and follow-me with it.
    let doomed = format!("{}", 9000 + v.n);
    {
        let db = ctx.sql();
        db.execute("INSERT INTO extensions (number, name, secret) VALUES (?1, 'Doomed', 'S3cret-pw')", [&doomed]).unwrap();
        db.execute("INSERT INTO device_options (number, key, value) VALUES (?1, 'nat', 'yes')", [&doomed]).unwrap();
        db.execute("INSERT INTO follow_me (extension) VALUES (?1)", [&doomed]).unwrap();
        db.execute("INSERT INTO follow_me_numbers (extension, position, number) VALUES (?1, 0, '1001')", [&doomed]).unwrap();
    }
    let needs = ["sqlite:extensions", "sqlite:device_options", "sqlite:follow_me", "sqlite:follow_me_numbers", "sqlite:tenants", "apply_changes"];
    let (ok, _) = ctx.expect(v, "delete extension", &needs, call(Method::DELETE, &format!("/extensions/{doomed}"), None)).await;
    let left = ctx.count(
        "SELECT (SELECT count(*) FROM extensions WHERE number = ?1) + (SELECT count(*) FROM device_options WHERE number = ?1) \
         + (SELECT count(*) FROM follow_me WHERE extension = ?1) + (SELECT count(*) FROM follow_me_numbers WHERE extension = ?1)",
        [&doomed],
    );
    check_eq!(ctx, left, if ok { 0 } else { 4 }, "delete without {:?}: all or nothing", v.removed);
}

// ---------------------------------------------------------------------------------------------
// Axeos

/// The UUIDs Axeos gave the demo's users and switches (asked of the full mount).
struct AxeosIds {
    users: BTreeMap<String, String>,
    phones: BTreeMap<String, String>,
    switch: String,
}

fn axeos_req(method: Method, url: String) -> RequestBuilder {
    client().request(method, url).basic_auth("apiKey", Some(demo::AXEOS_KEY))
}

async fn axeos_ids(ctx: &Ctx, full: &Variant) -> AxeosIds {
    let url = format!("{}{}", ctx.base, full.route);
    let users: Value = axeos_req(Method::GET, format!("{url}/users")).send().await.unwrap().json().await.unwrap();
    let users = users.as_array().unwrap().iter().map(|u| (u["username"].as_str().unwrap().to_string(), u["uuid"].as_str().unwrap().to_string())).collect();
    let phones: Value = axeos_req(Method::GET, format!("{url}/phones")).send().await.unwrap().json().await.unwrap();
    let phones = phones.as_array().unwrap().iter().map(|p| (p["phone_username"].as_str().unwrap().to_string(), p["uuid"].as_str().unwrap().to_string())).collect();
    let switches: Value = axeos_req(Method::GET, format!("{url}/switches")).send().await.unwrap().json().await.unwrap();
    AxeosIds { users, phones, switch: switches[0]["uuid"].as_str().expect("a demo day/night switch").to_string() }
}

fn astdb(ctx: &Ctx, family: &str, key: &str) -> Option<String> {
    ctx.sql().query_row("SELECT value FROM astdb WHERE family = ?1 AND key = ?2", [family, key], |r| r.get(0)).ok()
}

async fn axeos(ctx: &Ctx, v: &Variant, ids: &AxeosIds, user_set: &str, user_clear: &str, desk: &str) {
    let url = format!("{}{}", ctx.base, v.route);
    let get = |path: &str| axeos_req(Method::GET, format!("{url}{path}"));
    ctx.expect(v, "system_information", &["own"], get("/system_information")).await;
    ctx.expect(v, "users", &["sqlite:extensions", "own"], get("/users")).await;
    let phones = ["sqlite:extensions", "sqlite:device_options", "sqlite:astdb", "own", "ami:DeviceStateList"];
    ctx.expect(v, "phones", &phones, get("/phones?status=1")).await;
    ctx.expect(v, "voicemail", &["sqlite:voicemail", "own", "ami:MailboxCount"], get("/voicemail?status=1")).await;
    ctx.expect(v, "switches", &["sqlite:day_timers", "own"], get("/switches")).await;
    ctx.expect(v, "acd stats", &["sqlite:extensions", "own", "ami:QueueStatus"], get("/acd/stats?agents=1")).await;
    ctx.expect(v, "events", &["events"], get("/events?limit=1&timeout=0")).await;

    // User settings: forward, waiting, do-not-disturb and a hot desk set on one user, cleared on
    // another (whose keys the model holds).
    let needs = [
        "sqlite:extensions", "sqlite:astdb", "sqlite:device_options", "own",
        "ami:DBPut Family=CF", "ami:DBPut Family=CW", "ami:DBPut Family=DND", "ami:DBPut Family=HOTDESK",
    ];
    let body = json!({"call_forward": "1002", "cw": true, "dnd": true, "hot_desk": ids.phones[desk]});
    let request = axeos_req(Method::POST, format!("{url}/users/{}", ids.users[user_set])).json(&body);
    let (ok, body) = ctx.expect(v, "set user", &needs, request).await;
    let state = |user: &str| ["CF", "CW", "DND"].map(|f| astdb(ctx, f, user));
    if ok {
        check_eq!(ctx, state(user_set), [Some("1002".into()), Some("ENABLED".into()), Some("YES".into())], "{body}");
        check_eq!(ctx, astdb(ctx, "HOTDESK", user_set).as_deref(), Some(desk));
    } else {
        check_eq!(ctx, state(user_set), [None, None, None], "set user without {:?} left a partial write", v.removed);
        check_eq!(ctx, astdb(ctx, "HOTDESK", user_set), None);
    }
    let needs = [
        "sqlite:extensions", "sqlite:astdb", "own",
        "ami:DBDel Family=CF", "ami:DBDel Family=CW", "ami:DBDel Family=DND", "ami:DBDel Family=HOTDESK",
    ];
    let body = json!({"call_forward": null, "cw": false, "dnd": false, "hot_desk": null});
    let request = axeos_req(Method::POST, format!("{url}/users/{}", ids.users[user_clear])).json(&body);
    let (ok, _) = ctx.expect(v, "clear user", &needs, request).await;
    let all = [state(user_clear).to_vec(), vec![astdb(ctx, "HOTDESK", user_clear)]].concat();
    check!(ctx, all.iter().all(|s| s.is_some() != ok), "clear user without {:?}: {all:?}", v.removed);
}

/// Switches and calls: one switch and the phones' calls are shared, so these run one variant
/// after another.
async fn axeos_switch_and_call(ctx: &Ctx, v: &Variant, ids: &AxeosIds, full: &Variant, phone: &str) {
    let url = format!("{}{}", ctx.base, v.route);
    let timer = || ctx.count("SELECT count(*) FROM day_timers WHERE state = 'closed'", []);
    let needs = ["sqlite:day_timers", "sqlite:astdb", "own", "ami:DBPut Family=DAYNIGHT"];
    let request = axeos_req(Method::POST, format!("{url}/switches/{}", ids.switch)).json(&json!({"value": "closed"}));
    let (ok, _) = ctx.expect(v, "force switch", &needs, request).await;
    check_eq!(ctx, timer(), i64::from(ok), "force switch without {:?}", v.removed);
    if !ok {
        // The reset below needs a forced switch: force it through the full mount.
        let request = axeos_req(Method::POST, format!("{}{}/switches/{}", ctx.base, full.route, ids.switch)).json(&json!({"value": "closed"}));
        check!(ctx, request.send().await.unwrap().status().is_success());
    }
    let needs = ["sqlite:day_timers", "sqlite:astdb", "own", "ami:DBDel Family=DAYNIGHT"];
    let request = axeos_req(Method::POST, format!("{url}/switches/{}", ids.switch)).json(&json!({"value": null}));
    let (ok, _) = ctx.expect(v, "reset switch", &needs, request).await;
    check_eq!(ctx, timer(), i64::from(!ok), "reset switch without {:?}", v.removed);
    if !ok {
        let request = axeos_req(Method::POST, format!("{}{}/switches/{}", ctx.base, full.route, ids.switch)).json(&json!({"value": null}));
        check!(ctx, request.send().await.unwrap().status().is_success());
    }

    // A call to the demo's hold line (100), then its status and hang-up.
    let needs = ["sqlite:extensions", "sqlite:astdb", "events", "ami:DeviceStateList", "ami:Originate Context=from-internal, Application="];
    let request = axeos_req(Method::POST, format!("{url}/call")).json(&json!({"user_name": phone, "number": "100"}));
    let (ok, body) = ctx.expect(v, "call", &needs, request).await;
    let uid = if ok {
        body["unique_id"].as_str().expect("a placed call").to_string()
    } else {
        let request = axeos_req(Method::POST, format!("{}{}/call", ctx.base, full.route)).json(&json!({"user_name": phone, "number": "100"}));
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        body["unique_id"].as_str().unwrap_or_else(|| panic!("the full mount places a call: {body}")).to_string()
    };
    let needs = ["sqlite:extensions", "own", "ami:Status"];
    ctx.expect(v, "call status", &needs, axeos_req(Method::GET, format!("{url}/call/{uid}"))).await;
    let needs = ["ami:Status", "ami:Hangup"];
    let (ok, _) = ctx.expect(v, "hang up", &needs, axeos_req(Method::DELETE, format!("{url}/call/{uid}"))).await;
    if !ok {
        let r = axeos_req(Method::DELETE, format!("{}{}/call/{uid}", ctx.base, full.route)).send().await.unwrap();
        check!(ctx, r.status().is_success(), "the full mount hangs up");
    }
}

// ---------------------------------------------------------------------------------------------
// Click-to-call

async fn click_to_call(ctx: &Ctx, v: &Variant, phone: &str) {
    let url = format!("{}{}", ctx.base, v.route);
    let key = |r: RequestBuilder| r.header("x-api-key", demo::CLICK_TO_CALL_KEY);
    let (ok, _) = ctx
        .expect(v, "call", &["ami:Originate Context=from-internal, Application="], key(client().post(format!("{url}/call"))).form(&[("from", phone), ("to", "100")]))
        .await;
    let _ = ok;
    ctx.expect(v, "calls", &["ami:CoreShowChannels"], key(client().get(format!("{url}/calls")))).await;
    ctx.expect(v, "events", &["events"], key(client().get(format!("{url}/events?timeout=0")))).await;
}

// ---------------------------------------------------------------------------------------------

async fn run(plugins: &[&str], seed: PbxSeed, only: Option<&[&str]>) -> (Arc<Mutex<Seen>>, BTreeMap<String, Vec<Variant>>) {
    let world = world(seed).await;
    let (config, variants) = matrix(&world, plugins, only);
    let server = switchboard::Server::start(&config).await.expect("the server starts");
    server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("AMI link up");
    let db = world.layout.store().join("pbx.sqlite");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let ctx = |flavor| Ctx { base: base(&server), db: db.clone(), flavor, seen: seen.clone() };
    let mut tasks = Vec::new();
    for (plugin, list) in &variants {
        match plugin.as_str() {
            "elastix" => {
                let ctx = ctx(Flavor::SdkJson);
                tasks.push(Box::pin(async move {
                    // A recording the demo's call records name, as the full mount reports it.
                    let url = format!("{}{}?cmd=cdrreport", ctx.base, list[0].route);
                    let report = client().post(url).header("authorization", demo::ELASTIX_KEY).form(&[("recordings", "only"), ("limit", "1")]);
                    let report: Value = report.send().await.unwrap().json().await.unwrap();
                    // Sent in a query string, where a `+` (an inbound caller's number) reads as a blank.
                    let wav = report[0]["recordingfile"].as_str().expect("a demo call record with a recording").replace('+', "%2B");
                    for chunk in list.chunks(6) {
                        futures_join(chunk.iter().map(|v| elastix(&ctx, v, &wav))).await;
                    }
                }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>);
            }
            "issabel" => {
                let ctx = ctx(Flavor::Empty);
                tasks.push(Box::pin(async move { futures_join(list.iter().map(|v| issabel(&ctx, v))).await }));
            }
            "axeos" => {
                let ctx = ctx(Flavor::SdkJson);
                tasks.push(Box::pin(async move {
                    // Two users per variant, one to set and one to clear, and a hot-desk phone,
                    // in the model only (the simulator keeps astdb keys of any name).
                    let mut plans = Vec::new();
                    {
                        let db = ctx.sql();
                        for (i, v) in list.iter().enumerate() {
                            let (set, clear) = (format!("{}", 5000 + 2 * i), format!("{}", 5001 + 2 * i));
                            let desk = format!("{}", 6000 + v.n);
                            for user in [&set, &clear] {
                                db.execute("INSERT INTO extensions (number, name, secret) VALUES (?1, 'User', 'S3cret-pw')", [user]).unwrap();
                            }
                            for (f, val) in [("CF", "1003"), ("CW", "ENABLED"), ("DND", "YES"), ("HOTDESK", "1001")] {
                                db.execute("INSERT INTO astdb (family, key, value) VALUES (?1, ?2, ?3)", [f, &clear, val]).unwrap();
                            }
                            db.execute("INSERT INTO extensions (number, name, secret, technology) VALUES (?1, 'Desk', 'S3cret-pw', 'pjsip')", [&desk]).unwrap();
                            db.execute("INSERT INTO device_options (number, key, value) VALUES (?1, 'hot_desk', 'yes')", [&desk]).unwrap();
                            plans.push((set, clear, desk));
                        }
                    }
                    let ids = axeos_ids(&ctx, &list[0]).await;
                    for (chunk, plans) in list.chunks(6).zip(plans.chunks(6)) {
                        futures_join(chunk.iter().zip(plans).map(|(v, (s, c, d))| axeos(&ctx, v, &ids, s, c, d))).await;
                    }
                    for v in list {
                        axeos_switch_and_call(&ctx, v, &ids, &list[0], "1001").await;
                    }
                }));
            }
            "click-to-call" => {
                let ctx = ctx(Flavor::SdkJson);
                tasks.push(Box::pin(async move {
                    for (i, v) in list.iter().enumerate() {
                        click_to_call(&ctx, v, &format!("{}", 1002 + i % 5)).await;
                    }
                }));
            }
            other => panic!("no requests for {other}"),
        }
    }
    futures_join(tasks).await;
    let integrity: String = Connection::open(&db).unwrap().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    server.shutdown().await;
    world.sim.stop().await;
    (seen, variants)
}

/// Runs futures concurrently on this task (the requests are I/O; the server does the work).
async fn futures_join<F: std::future::Future<Output = ()>>(futures: impl IntoIterator<Item = F>) {
    let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut pending: Vec<_> = futures.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                if f.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    done = false;
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await
}

/// Runs `test` on a runtime whose threads have room for the matrix's deep futures.
fn on_big_stacks<F: std::future::Future<Output = ()> + 'static>(test: fn() -> F) {
    std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_stack_size(32 << 20).enable_all().build().unwrap();
            rt.block_on(test())
        })
        .unwrap()
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn demo_grants_are_each_needed_and_enough() {
    let _solo = crate::util::solo();
    on_big_stacks(demo_grants);
}

async fn demo_grants() {
    let plugins = ["elastix", "issabel", "axeos", "click-to-call"];
    let (seen, variants) = run(&plugins, PbxSeed::demo(), None).await;
    let seen = seen.lock().unwrap();
    assert!(seen.problems.is_empty(), "{} problems:\n{}", seen.problems.len(), seen.problems.join("\n"));
    for plugin in plugins {
        let list = &variants[plugin];
        // `SIPpeers` is what Elastix asks a chan_sip PBX; the PJSIP simulator never hears it
        // (the chan_sip test below covers it).
        let list: Vec<_> = list.iter().filter(|v| v.removed.as_deref() != Some("ami:SIPpeers")).map(|v| Variant { route: v.route.clone(), removed: v.removed.clone(), n: v.n }).collect();
        assert_all_needed(&seen, &list, plugin);
    }
}

#[test]
fn elastix_on_chan_sip_needs_sippeers() {
    on_big_stacks(elastix_chan_sip);
}

async fn elastix_chan_sip() {
    let world = world(PbxSeed::demo().with_chan_sip()).await;
    let (config, variants) = matrix(&world, &["elastix"], Some(&["ami:SIPpeers"]));
    let server = switchboard::Server::start(&config).await.expect("the server starts");
    server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("AMI link up");
    let ctx = Ctx { base: base(&server), db: world.layout.store().join("pbx.sqlite"), flavor: Flavor::SdkJson, seen: Default::default() };
    for v in &variants["elastix"] {
        let request = client().post(format!("{}{}?cmd=sippeers", ctx.base, v.route)).header("authorization", demo::ELASTIX_KEY);
        let (ok, body) = ctx.expect(v, "sippeers", &["ami:SIPpeers"], request).await;
        if ok {
            assert!(body.as_array().is_some_and(|peers| !peers.is_empty()), "{body}");
        }
    }
    let seen = ctx.seen.lock().unwrap();
    assert!(seen.problems.is_empty(), "{}", seen.problems.join("\n"));
    assert_all_needed(&seen, &variants["elastix"], "elastix");
    drop(seen);
    server.shutdown().await;
    world.sim.stop().await;
}

