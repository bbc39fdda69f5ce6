//! The store's disk fills up under the real binary: the store directory (and the Asterisk config
//! directory beside it) is a small tmpfs, filled to the last byte while clients write through
//! Issabel, Elastix and Axeos and calls end on the PBX. Writes are refused cleanly — 507
//! `storage_full` in each flavor's own format, nothing half-written, the PBX's astdb untouched —
//! reads keep working, apply-changes into the full config directory replaces no file, and once
//! space is freed writes succeed again, the call records that could not be stored arrive, every
//! acknowledged write is there and `PRAGMA integrity_check` is ok.
//!
//! The tmpfs is mounted by the test (root, as here and on CI); where mounting is not permitted
//! the host runs in its own user and mount namespace (`unshare --user --map-root-user --mount`)
//! that mounts it, and the test reaches the files through `/proc/<pid>/root`. Neither possible:
//! the test fails and says so.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::{Value, json};
use switchboard::ami::{AmiClient, AmiConfig, Message};
use switchboard_sim::{PbxSeed, Scenario, SimConfig, Simulator};

use crate::util::{BIN, client, read_until, terminate, test_plugin};

const SIZE: &str = "6m";
const ISSABEL_PASSWORD: &str = "disk-full-admin";
const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";
const AXEOS_KEY: &str = "disk-full-axeos-key";

/// Where the small filesystem is mounted, and how the test reaches it.
enum Tmpfs {
    /// Mounted by the test at this path (unmounted on drop).
    Here(PathBuf),
    /// Mounted inside the host's own mount namespace at this path.
    InNamespace(PathBuf),
}

impl Tmpfs {
    fn mount(at: &Path) -> Tmpfs {
        let status = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={SIZE}"), "tmpfs"]).arg(at).stderr(Stdio::null()).status();
        if status.is_ok_and(|s| s.success()) {
            return Tmpfs::Here(at.to_path_buf());
        }
        let probe = Command::new("unshare")
            .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
            .arg(format!("mount -t tmpfs -o size={SIZE} tmpfs {}", at.display()))
            .status();
        assert!(
            probe.is_ok_and(|s| s.success()),
            "the disk-full test needs a small tmpfs: neither `mount -t tmpfs` (needs root) nor \
             `unshare --user --map-root-user --mount` (needs unprivileged user namespaces) is permitted here"
        );
        Tmpfs::InNamespace(at.to_path_buf())
    }

    /// The command that runs the host with the tmpfs mounted where it expects it.
    fn host(&self, config: &Path) -> Command {
        match self {
            Tmpfs::Here(_) => {
                let mut c = Command::new(BIN);
                c.args(["serve", "--config"]).arg(config);
                c
            }
            Tmpfs::InNamespace(at) => {
                let mut c = Command::new("unshare");
                c.args(["--user", "--map-root-user", "--mount", "sh", "-c"]).arg(format!(
                    "mount -t tmpfs -o size={SIZE} tmpfs {} && exec {BIN} serve --config {}",
                    at.display(),
                    config.display()
                ));
                c
            }
        }
    }

    /// `path` (inside the tmpfs) as the test process reaches it while the host `pid` runs.
    fn reach(&self, pid: u32, path: &Path) -> PathBuf {
        match self {
            Tmpfs::Here(_) => path.to_path_buf(),
            Tmpfs::InNamespace(_) => Path::new(&format!("/proc/{pid}/root")).join(path.strip_prefix("/").unwrap()),
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if let Tmpfs::Here(at) = self {
            let _ = Command::new("umount").arg("-l").arg(at).status();
        }
    }
}

/// Fills the filesystem holding `dir` to the last byte with `dir/filler`; returns its size.
fn fill(dir: &Path) -> u64 {
    let mut file = std::fs::File::create(dir.join("filler")).unwrap();
    let chunk = vec![0xA5u8; 64 << 10];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("filling the tmpfs: {e}"),
        }
    }
    // The last partial block too.
    for size in [4096usize, 512, 1] {
        while file.write(&chunk[..size]).is_ok_and(|n| n > 0) {
            written += size as u64;
        }
    }
    written
}

/// What a `cdr` count, the extension numbers and the astdb hold.
fn count(db: &Path, sql: &str) -> i64 {
    let c = Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_disk_refuses_writes_cleanly_and_recovers() {
    let _solo = crate::util::solo();
    let root = tempfile::tempdir().unwrap();
    let space = root.path().join("space");
    std::fs::create_dir_all(&space).unwrap();
    let tmpfs = Tmpfs::mount(&space);
    let (store, conf) = (space.join("store"), space.join("asterisk"));
    if let Tmpfs::Here(_) = tmpfs {
        std::fs::create_dir_all(&conf).unwrap();
    }

    // The PBX reads the rendered configuration only when the test can hand it the directory.
    let sim = Simulator::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        pbx: PbxSeed::demo().with_ring(Duration::from_millis(10)),
        config_dir: matches!(tmpfs, Tmpfs::Here(_)).then(|| conf.clone()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (user, secret) = sim.credentials();
    let text = format!(
        "[store]\ndir = {store:?}\n\
         [asterisk]\nconfig_dir = {conf:?}\n\
         [ami]\naddress = \"{addr}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n\
         [[mount]]\nroute = \"/pbxapi\"\nplugin = \"issabel\"\n\
         settings = {{ jwt-secret = \"disk-full-jwt-secret-0123456789\", admin-password = \"{ISSABEL_PASSWORD}\" }}\n\
         grants = {{ apply_changes = true, sqlite = {{ pbx = {{ read = [\"queues\", \"tenants\"], write = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\"] }} }} }}\n\
         [[mount]]\nroute = \"/api/api.php\"\nplugin = \"elastix\"\nsettings = {{ api-key = \"{ELASTIX_KEY}\" }}\n\
         grants = {{ apply_changes = true, sqlite = {{ pbx = {{ read = [\"ps_endpoints\", \"ps_aors\", \"trunks\", \"cdr\", \"tenants\"], write = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\"] }} }} }}\n\
         [[mount]]\nroute = \"/apis/pbx\"\nplugin = \"axeos\"\nsettings = {{ api-key = \"{AXEOS_KEY}\" }}\n\
         grants = {{ events = true, ami = [\"DBPut Family=DAYNIGHT\", \"DBDel Family=DAYNIGHT\"], sqlite = {{ own = true, pbx = {{ read = [\"extensions\"], write = [\"astdb\", \"day_timers\"] }} }} }}\n\
         [[mount]]\nroute = \"/probe\"\nplugin = {probe:?}\ngrants = {{ apply_changes = true }}\n",
        store = store.display().to_string(),
        conf = conf.display().to_string(),
        addr = sim.address(),
        probe = test_plugin("store-probe"),
    );
    let config = crate::util::write_config(root.path(), &text);
    let mut child = tmpfs.host(&config).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let lines = read_until(&mut child, "-> http://", Duration::from_secs(60));
    let base = lines.last().unwrap().split(" -> ").nth(1).unwrap().trim_end_matches('/').to_string();
    let base = base.split('/').take(3).collect::<Vec<_>>().join("/");
    let pid = child.id();
    let (db, conf_seen, space_seen) = (tmpfs.reach(pid, &store.join("pbx.sqlite")), tmpfs.reach(pid, &conf), tmpfs.reach(pid, &space));
    let c = client();

    // Issabel: a token, and PUTs of chosen numbers (201 when stored).
    let login: Value = c.post(format!("{base}/pbxapi/authenticate")).form(&[("user", "admin"), ("password", ISSABEL_PASSWORD)]).send().await.unwrap().json().await.unwrap();
    let token = login["access_token"].as_str().expect("an Issabel token").to_string();
    let issabel_put = |n: u32| c.put(format!("{base}/pbxapi/extensions/{n}")).bearer_auth(&token).json(&json!({"name": format!("Disk {n}")})).send();
    let elastix_add = |n: u32| {
        c.post(format!("{base}/api/api.php?cmd=addextension"))
            .header("authorization", ELASTIX_KEY)
            .form(&[("account", n.to_string()), ("secret", "S3cret-pw".into()), ("callerid", format!("Disk <{n}>"))])
            .send()
    };
    let mut acknowledged = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r = issabel_put(2000).await.unwrap();
        if r.status() == 201 {
            break;
        }
        assert!(Instant::now() < deadline, "the host never took a write: {}", r.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    acknowledged.push(2000);
    for n in 2001..2005 {
        assert_eq!(issabel_put(n).await.unwrap().status(), 201);
        acknowledged.push(n);
    }
    for n in 3000..3005 {
        let r = elastix_add(n).await.unwrap();
        assert_eq!(r.text().await.unwrap(), r#"{"status": "INSERT OK", "code": 200}"#);
        acknowledged.push(n);
    }

    // Axeos: a day/night switch, its UUID learned (and stored) while there is room.
    Connection::open(&db).unwrap().execute("INSERT INTO day_timers (name) VALUES ('Office hours')", []).unwrap();
    let axeos = |r: reqwest::RequestBuilder| r.basic_auth("apiKey", Some(AXEOS_KEY));
    let switches: Value = axeos(c.get(format!("{base}/apis/pbx/switches"))).send().await.unwrap().json().await.unwrap();
    let switch = switches[0]["uuid"].as_str().expect("the switch").to_string();
    let force = |value: Value| axeos(c.post(format!("{base}/apis/pbx/switches/{switch}"))).json(&json!({ "value": value })).send();
    assert_eq!(force(json!("closed")).await.unwrap().status(), 200);
    let pbx = AmiClient::start(
        AmiConfig { address: sim.address().to_string(), username: user.into(), secret: secret.into(), ..AmiConfig::default() },
        std::sync::Arc::new(NoEvents),
    );
    pbx.wait_up(Duration::from_secs(10)).await.expect("the test's own AMI link");
    let daynight = |pbx: &AmiClient| {
        let pbx = pbx.clone();
        async move {
            let r = pbx.send(Message::new().with("Action", "DBGet").with("Family", "DAYNIGHT").with("Key", "C1")).await.unwrap();
            r.events.first().and_then(|e| e.get("Val").map(str::to_string))
        }
    };
    assert_eq!(daynight(&pbx).await.as_deref(), Some("NIGHT"));

    // A change in the database not yet rendered, for apply-changes into the full directory.
    Connection::open(&db).unwrap().execute("INSERT INTO extensions (number, name, secret) VALUES ('4000', 'Pending', 'S3cret-pw')", []).unwrap();
    let files_before = snapshot(&conf_seen);
    assert!(!files_before.is_empty(), "apply-changes rendered the configuration");

    // Full.
    let filled = fill(&space_seen);
    assert!(filled > 0);

    // Issabel: writes until the disk refuses one (the WAL may still have room for a few).
    let mut refused = None;
    for n in 2100..2600 {
        let r = issabel_put(n).await.unwrap();
        match r.status().as_u16() {
            201 => acknowledged.push(n),
            507 => {
                refused = Some((n, r.text().await.unwrap()));
                break;
            }
            other => panic!("Issabel PUT {n} on a full disk: {other} {}", r.text().await.unwrap()),
        }
    }
    let (n, text) = refused.expect("a full disk refused an Issabel write");
    assert!(text.starts_with("storage full: "), "Issabel's 5xx are its plain-text message: {text}");
    assert_eq!(count(&db, &format!("SELECT count(*) FROM extensions WHERE number = '{n}'")), 0, "a refused write left nothing");

    // Elastix: the SDK's JSON error, 507 `storage_full`.
    let r = elastix_add(3100).await.unwrap();
    assert_eq!(r.status(), 507);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "storage_full", "{body}");
    assert_eq!(count(&db, "SELECT count(*) FROM extensions WHERE number = '3100'"), 0);

    // Axeos: refused, and the PBX's astdb put back (the model could not commit).
    let r = force(json!("open")).await.unwrap();
    assert_eq!(r.status(), 507);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "storage_full", "{body}");
    assert_eq!(daynight(&pbx).await.as_deref(), Some("NIGHT"), "a refused switch change left the PBX as it was");
    assert_eq!(count(&db, "SELECT count(*) FROM day_timers WHERE state = 'closed'"), 1);

    // Apply-changes into the full config directory: fails, and replaces no file.
    let r = c.post(format!("{base}/probe/apply")).send().await.unwrap();
    assert_eq!(r.status(), 500, "{}", r.text().await.unwrap());
    assert_eq!(snapshot(&conf_seen), files_before, "the old configuration is intact, no temp file left");

    // Calls end while the disk is full: their records wait.
    for (from, to) in [("1001", "1002"), ("1003", "1004"), ("1005", "1002")] {
        sim.run(Scenario::Internal { from: from.into(), to: to.into(), answer: true, talk: Duration::from_millis(50) }).await.unwrap();
    }

    // Reads keep working.
    let r = c.get(format!("{base}/pbxapi/extensions")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let listed = r.text().await.unwrap();
    assert!(listed.contains("\"2000\"") && listed.contains("\"3004\""), "{listed}");
    let r = c.post(format!("{base}/api/api.php?cmd=sipextensions")).header("authorization", ELASTIX_KEY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(axeos(c.get(format!("{base}/apis/pbx/switches"))).send().await.unwrap().status(), 200);

    // Space again: writes succeed, apply-changes renders the pending change, the records arrive.
    std::fs::remove_file(space_seen.join("filler")).unwrap();
    assert_eq!(issabel_put(2700).await.unwrap().status(), 201);
    acknowledged.push(2700);
    let r = elastix_add(3100).await.unwrap();
    assert_eq!(r.text().await.unwrap(), r#"{"status": "INSERT OK", "code": 200}"#);
    acknowledged.push(3100);
    assert_eq!(force(json!("open")).await.unwrap().status(), 200);
    assert_eq!(daynight(&pbx).await.as_deref(), Some("DAY"));
    let r = c.post(format!("{base}/probe/apply")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let pjsip = std::fs::read_to_string(conf_seen.join("pjsip.switchboard.conf")).unwrap();
    assert!(pjsip.contains("[4000]") && pjsip.contains("[3100]"), "the pending and the new extension are rendered");
    let calls = sim.cdrs().len() as i64;
    let deadline = Instant::now() + Duration::from_secs(45);
    while count(&db, "SELECT count(*) FROM cdr") < calls {
        assert!(Instant::now() < deadline, "call records lost: {} of {calls} stored", count(&db, "SELECT count(*) FROM cdr"));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // (Checked while the host runs: in a namespace of its own, the tmpfs goes with it.)
    let conn = Connection::open(&db).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    for n in &acknowledged {
        let found: i64 = conn.query_row("SELECT count(*) FROM extensions WHERE number = ?1", [n.to_string()], |r| r.get(0)).unwrap();
        assert_eq!(found, 1, "acknowledged extension {n} is stored");
    }
    drop(conn);
    assert!(terminate(&mut child).success());
    pbx.stop();
    sim.stop().await;
    drop(tmpfs);
}

/// The test's own AMI link only sends actions.
struct NoEvents;

impl switchboard::ami::EventSink for NoEvents {
    fn event(&self, _: Message) {}
    fn reconnected(&self, _: Duration) {}
}

/// Every file of the config directory with its bytes (temp files included, so a leftover shows).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}
