//! Plugin identity: a plugin's private database follows its component's content, not its file
//! name or route; a component swap at a route with data stops the server until an admin adopts
//! (or starts fresh) with `switchboard plugin adopt`, which the registry's audit records.
//!
//! Two different components come from one test plugin: the store probe as built, and the same
//! bytes with a custom section appended (a valid component that behaves the same, hashes apart).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use switchboard::Server;
use switchboard::config;
use switchboard::store::Registry;

use crate::util::{base, client, test_plugin};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// The store probe's bytes, or a variant of them that differs by a custom section named `tag`.
fn probe(tag: Option<&str>) -> Vec<u8> {
    let mut bytes = std::fs::read(test_plugin("store-probe")).unwrap();
    if let Some(tag) = tag {
        let name = b"switchboard-test-variant";
        let mut payload = vec![name.len() as u8];
        payload.extend_from_slice(name);
        payload.extend_from_slice(tag.as_bytes());
        bytes.push(0); // custom section id
        let mut size = payload.len();
        loop {
            let byte = (size & 0x7f) as u8;
            size >>= 7;
            bytes.push(if size == 0 { byte } else { byte | 0x80 });
            if size == 0 {
                break;
            }
        }
        bytes.extend_from_slice(&payload);
    }
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `bytes` to `path` (creating its directory).
fn put(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// A configuration with a store in `root/store` and one mount per `(route, plugin file)`, each
/// granted its own database; written to `root/switchboard.toml`.
fn config_text(root: &Path, mounts: &[(&str, &Path)]) -> (PathBuf, String) {
    let mut text = crate::util::config_text(None, &format!("[store]\ndir = {:?}\n\n", root.join("store").display().to_string()));
    for (route, plugin) in mounts {
        text.push_str(&format!(
            "[[mount]]\nroute = {route:?}\nplugin = {:?}\ngrants = {{ sqlite = {{ own = true, pbx = {{ read = [\"*\"] }} }} }}\n\n",
            plugin.display().to_string()
        ));
    }
    let path = root.join("switchboard.toml");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

async fn try_start(root: &Path, mounts: &[(&str, &Path)]) -> anyhow::Result<Server> {
    let (path, text) = config_text(root, mounts);
    let config = config::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    Server::start(&config).await
}

async fn start(root: &Path, mounts: &[(&str, &Path)]) -> Server {
    try_start(root, mounts).await.expect("server starts")
}

/// Runs one statement on the mount's own database: (status, body).
async fn own_sql(server: &Server, route: &str, sql: &str) -> (u16, serde_json::Value) {
    let response = client().post(format!("{}{route}/sql?db=own", base(server))).json(&json!({ "sql": sql })).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Creates `notes` in the mount's own database and stores `text` in it.
async fn write_note(server: &Server, route: &str, text: &str) {
    let (status, body) = own_sql(server, route, "CREATE TABLE IF NOT EXISTS notes (text TEXT)").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = own_sql(server, route, &format!("INSERT INTO notes VALUES ('{text}')")).await;
    assert_eq!(status, 200, "{body}");
}

/// The tables of the mount's own database.
async fn own_tables(server: &Server, route: &str) -> serde_json::Value {
    let (status, body) = own_sql(server, route, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").await;
    assert_eq!(status, 200, "{body}");
    body["rows"].clone()
}

async fn notes(server: &Server, route: &str) -> serde_json::Value {
    let (status, body) = own_sql(server, route, "SELECT text FROM notes").await;
    assert_eq!(status, 200, "{body}");
    body["rows"].clone()
}

fn registry(root: &Path) -> Registry {
    Registry::open_read_only(&root.join("store")).unwrap()
}

#[tokio::test]
async fn a_renamed_file_on_a_moved_route_keeps_its_data() {
    let root = tempfile::tempdir().unwrap();
    let a = put(&root.path().join("plugins-in/first.wasm"), &probe(None));
    let server = start(root.path(), &[("/p", &a)]).await;
    write_note(&server, "/p", "kept").await;
    server.shutdown().await;

    let b = root.path().join("elsewhere/renamed.wasm");
    std::fs::create_dir_all(b.parent().unwrap()).unwrap();
    std::fs::rename(&a, &b).unwrap();
    let server = start(root.path(), &[("/moved", &b)]).await;
    assert_eq!(notes(&server, "/moved").await, json!([["kept"]]));
    server.shutdown().await;
    let bindings = registry(root.path()).bindings().unwrap();
    assert_eq!(bindings.len(), 1, "{bindings:?}");
    assert_eq!(bindings[0].0, format!("sha256:{}", sha256(&probe(None))));
}

#[tokio::test]
async fn different_components_under_one_file_name_or_one_old_key_never_share() {
    let root = tempfile::tempdir().unwrap();
    // Two builds both called plugin.wasm, and two names the old file-name key made one (`a.b`, `a_b`).
    let js = put(&root.path().join("js/plugin.wasm"), &probe(None));
    let py = put(&root.path().join("py/plugin.wasm"), &probe(Some("python")));
    let dotted = put(&root.path().join("a.b.wasm"), &probe(Some("dotted")));
    let underscored = put(&root.path().join("a_b.wasm"), &probe(Some("underscored")));
    let server = start(root.path(), &[("/js", &js), ("/py", &py), ("/dotted", &dotted), ("/underscored", &underscored)]).await;
    write_note(&server, "/js", "from js").await;
    write_note(&server, "/dotted", "from dotted").await;
    assert_eq!(own_tables(&server, "/py").await, json!([]), "the second plugin.wasm does not see the first's tables");
    assert_eq!(own_tables(&server, "/underscored").await, json!([]), "a_b does not see a.b's tables");
    write_note(&server, "/py", "from py").await;
    assert_eq!(notes(&server, "/js").await, json!([["from js"]]));
    assert_eq!(notes(&server, "/py").await, json!([["from py"]]));
    // Mounting the same component twice is one identity: one database.
    server.shutdown().await;
    let twin = put(&root.path().join("copy/of-js.wasm"), &probe(None));
    let server = start(root.path(), &[("/js", &js), ("/twin", &twin), ("/py", &py)]).await;
    assert_eq!(notes(&server, "/twin").await, json!([["from js"]]));
    server.shutdown().await;
    let files: Vec<String> = registry(root.path()).bindings().unwrap().into_iter().map(|(_, f)| f.name().to_string()).collect();
    let distinct: std::collections::BTreeSet<_> = files.iter().collect();
    assert_eq!(distinct.len(), 4, "four components, four databases: {files:?}");
}

/// The swap a route with data refuses: the library error, `serve` and `check` all name the route,
/// both identities and the adopt command.
#[tokio::test]
async fn a_component_swap_at_a_route_with_data_refuses_to_start() {
    let root = tempfile::tempdir().unwrap();
    let path = put(&root.path().join("plugin.wasm"), &probe(None));
    let server = start(root.path(), &[("/p", &path)]).await;
    write_note(&server, "/p", "old").await;
    server.shutdown().await;
    put(&path, &probe(Some("v2")));
    let (old, new) = (sha256(&probe(None)), sha256(&probe(Some("v2"))));

    let err = match try_start(root.path(), &[("/p", &path)]).await {
        Ok(_) => panic!("the server started over a route whose data it would have dropped"),
        Err(err) => format!("{err:#}"),
    };
    for needle in [&*old, &*new, "`/p`", "plugin adopt", "--route /p", "--fresh", "plugins/data.1.sqlite"] {
        assert!(err.contains(needle), "{needle} missing from: {err}");
    }
    let (config, _) = config_text(root.path(), &[("/p", &path)]);
    for command in ["serve", "check"] {
        let out = Command::new(BIN).args([command, "--config"]).arg(&config).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command} succeeded: {stderr}");
        let adopt = format!("switchboard plugin adopt --config {} --route /p", config.display());
        for needle in [&*old, &*new, &*adopt, &*config.display().to_string()] {
            assert!(stderr.contains(needle), "{command}: {needle} missing from: {stderr}");
        }
    }
    // Refusing changed nothing: the old component still owns the route and its data.
    let registry = registry(root.path());
    assert_eq!(registry.routes().unwrap(), [("/p".to_string(), format!("sha256:{old}"))]);
    // The old component mounted again starts and finds its data.
    put(&path, &probe(None));
    let server = start(root.path(), &[("/p", &path)]).await;
    assert_eq!(notes(&server, "/p").await, json!([["old"]]));
    server.shutdown().await;
}

/// Swaps the component at `/p` (which wrote a note) for a variant; returns the two hashes.
async fn swapped(root: &Path) -> (PathBuf, PathBuf, String, String) {
    let path = put(&root.join("plugin.wasm"), &probe(None));
    let server = start(root, &[("/p", &path)]).await;
    write_note(&server, "/p", "before the upgrade").await;
    server.shutdown().await;
    put(&path, &probe(Some("v2")));
    let (config, _) = config_text(root, &[("/p", &path)]);
    (path, config, sha256(&probe(None)), sha256(&probe(Some("v2"))))
}

#[tokio::test]
async fn adopt_keeps_the_data_and_is_audited() {
    let root = tempfile::tempdir().unwrap();
    let (path, config, old, new) = swapped(root.path()).await;
    let out = Command::new(BIN).args(["plugin", "adopt", "--config"]).arg(&config).args(["--route", "/p/"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = start(root.path(), &[("/p", &path)]).await;
    assert_eq!(notes(&server, "/p").await, json!([["before the upgrade"]]));
    server.shutdown().await;

    let audit = registry(root.path()).audit().unwrap();
    let adopt = audit.iter().find(|e| e.action == "adopt").unwrap_or_else(|| panic!("no adopt row: {audit:?}"));
    assert_eq!(adopt.route.as_deref(), Some("/p"));
    assert_eq!(adopt.before.as_deref(), Some(&*format!("sha256:{old}")));
    assert_eq!(adopt.after, format!("sha256:{new}"));
    assert_eq!((adopt.data_before.as_deref(), &*adopt.data_after), (Some("plugins/data.1.sqlite"), "plugins/data.1.sqlite"));
    let uid = rustix::process::getuid().as_raw();
    assert!(adopt.actor.starts_with("os:") && adopt.actor.contains(&format!("(uid {uid})")), "{}", adopt.actor);
    assert_eq!(adopt.at.len(), "YYYY-MM-DD HH:MM:SS".len(), "{}", adopt.at);
    // The first start was recorded too, by the server.
    assert!(audit[0].action == "new" && audit[0].actor.starts_with("switchboard serve, os:"), "{audit:?}");

    // Adopting again has nothing left to settle; `plugin list` shows the binding and the row.
    let again = Command::new(BIN).args(["plugin", "adopt", "--config"]).arg(&config).args(["--route", "/p"]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to adopt"), "{}", String::from_utf8_lossy(&again.stderr));
    let list = Command::new(BIN).args(["plugin", "list", "--config"]).arg(&config).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains(&format!("sha256:{new}  plugins/data.1.sqlite")), "{list}");
    assert!(list.contains(" adopt route=/p "), "{list}");
}

#[tokio::test]
async fn fresh_starts_empty_and_keeps_the_old_database_for_the_old_component() {
    let root = tempfile::tempdir().unwrap();
    let (path, config, old, new) = swapped(root.path()).await;
    let out = Command::new(BIN).args(["plugin", "adopt", "--fresh", "--config"]).arg(&config).args(["--route", "/p"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let old_file = root.path().join("store/plugins/data.1.sqlite");
    let server = start(root.path(), &[("/p", &path)]).await;
    assert_eq!(own_tables(&server, "/p").await, json!([]));
    write_note(&server, "/p", "new life").await;
    server.shutdown().await;
    assert!(old_file.is_file(), "the old database is still on disk");
    let fresh = registry(root.path()).audit().unwrap().into_iter().find(|e| e.action == "fresh").expect("a fresh row");
    assert_eq!((fresh.before, fresh.after), (Some(format!("sha256:{old}")), format!("sha256:{new}")));
    assert_eq!(fresh.data_before.as_deref(), Some("plugins/data.1.sqlite"));
    assert_eq!(fresh.data_after, "plugins/data.2.sqlite");

    // The old component, mounted on another route, still finds its own data.
    let old_copy = put(&root.path().join("old/plugin.wasm"), &probe(None));
    let server = start(root.path(), &[("/p", &path), ("/old", &old_copy)]).await;
    assert_eq!(notes(&server, "/old").await, json!([["before the upgrade"]]));
    assert_eq!(notes(&server, "/p").await, json!([["new life"]]));
    server.shutdown().await;
}

#[tokio::test]
async fn a_database_from_before_identities_is_migrated_once_to_the_first_component_under_its_stem() {
    let root = tempfile::tempdir().unwrap();
    // As an earlier Switchboard left it: `plugins/<stem>.sqlite`.
    let legacy = root.path().join("store/plugins/legacy.sqlite");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    rusqlite::Connection::open(&legacy).unwrap().execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('from 1.x');").unwrap();
    let path = put(&root.path().join("legacy.wasm"), &probe(None));
    let other = put(&root.path().join("other/legacy.wasm"), &probe(Some("another build")));
    let server = start(root.path(), &[("/p", &path), ("/q", &other)]).await;
    assert_eq!(notes(&server, "/p").await, json!([["from 1.x"]]));
    assert_eq!(own_tables(&server, "/q").await, json!([]), "only the first component under the stem takes it");
    server.shutdown().await;
    let audit = registry(root.path()).audit().unwrap();
    let migrated: Vec<_> = audit.iter().filter(|e| e.action == "migrated").collect();
    assert_eq!(migrated.len(), 1, "{audit:?}");
    assert_eq!(migrated[0].after, format!("sha256:{}", sha256(&probe(None))));
    assert_eq!(migrated[0].data_after, "plugins/legacy.sqlite");
    assert!(migrated[0].note.contains("migrated from file-name key `legacy`"), "{}", migrated[0].note);
    // Later components under the same stem never take it again.
    let third = put(&root.path().join("third/legacy.wasm"), &probe(Some("third")));
    let server = start(root.path(), &[("/p", &path), ("/r", &third)]).await;
    assert_eq!(own_tables(&server, "/r").await, json!([]));
    server.shutdown().await;
    assert_eq!(registry(root.path()).audit().unwrap().iter().filter(|e| e.action == "migrated").count(), 1);
}

/// A plugin granted every table of `pbx` cannot see the registry (it is another database, and
/// ATTACH is refused), and no name a plugin or an admin picks becomes a database path: the files
/// under `plugins/` are the registry's numbered names, whatever the plugin files are called.
#[tokio::test]
async fn the_registry_is_out_of_plugins_reach_and_file_names_never_become_paths() {
    let root = tempfile::tempdir().unwrap();
    let odd = put(&root.path().join("..data.1.sqlite..wasm"), &probe(None));
    let spaced = put(&root.path().join("a b/%2e%2e%2fpbx.wasm"), &probe(Some("spaced")));
    let server = start(root.path(), &[("/odd", &odd), ("/spaced", &spaced)]).await;
    write_note(&server, "/odd", "x").await;
    write_note(&server, "/spaced", "y").await;
    for sql in ["SELECT * FROM identities", "SELECT * FROM audit", "SELECT * FROM main.routes"] {
        let response = client().post(format!("{}/odd/sql?db=pbx", base(&server))).json(&json!({ "sql": sql })).send().await.unwrap();
        let (status, body) = (response.status().as_u16(), response.text().await.unwrap());
        assert!(status >= 400 && body.contains("no such table"), "{sql}: {status} {body}");
    }
    let attach = format!("ATTACH DATABASE '{}' AS r", root.path().join("store/registry.sqlite").display());
    let (status, _) = own_sql(&server, "/odd", &attach).await;
    assert_eq!(status, 403);
    server.shutdown().await;
    let mut names: Vec<String> =
        std::fs::read_dir(root.path().join("store/plugins")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.retain(|n| n.ends_with(".sqlite"));
    names.sort();
    assert_eq!(names, ["data.1.sqlite", "data.2.sqlite"]);
    let mut beside: Vec<String> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    beside.sort();
    assert_eq!(beside, ["..data.1.sqlite..wasm", "a b", "store", "switchboard.toml"], "nothing written outside the store");
}
