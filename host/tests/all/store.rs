//! The `sqlite` interface through real mounts: a real SQLite file, the real authorizer, grants per
//! mount, transactions, change events, and the schema page that documents the `pbx` tables.

use std::path::Path;

use serde_json::json;

use crate::util::{base, client, start, test_plugin};

/// Mounts of the store probe with different sqlite grants, sharing one store in `dir`.
fn mounts(dir: &Path) -> String {
    let p = test_plugin("store-probe");
    format!(
        "[store]\ndir = {dir:?}\n\n\
         [[mount]]\nroute = \"/rw\"\nplugin = {p:?}\ngrants = {{ sqlite = {{ pbx = \"read-write\", own = true }}, events = true }}\n\n\
         [[mount]]\nroute = \"/ro\"\nplugin = {p:?}\ngrants = {{ sqlite = {{ pbx = \"read-only\" }} }}\n\n\
         [[mount]]\nroute = \"/tables\"\nplugin = {p:?}\ngrants = {{ sqlite = {{ pbx = {{ read = [\"cdr\"], write = [\"extensions\"] }} }} }}\n\n\
         [[mount]]\nroute = \"/none\"\nplugin = {p:?}\n",
        dir = dir.display().to_string()
    )
}

async fn sql(url: &str, mount: &str, statement: &str, params: serde_json::Value) -> (u16, serde_json::Value) {
    let response = client()
        .post(format!("{url}{mount}/sql"))
        .json(&json!({ "sql": statement, "params": params }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

fn code(body: &serde_json::Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn granted_statements_run_with_bound_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&mounts(dir.path())).await;
    let url = base(&server);

    let (status, body) = sql(&url, "/rw", "INSERT INTO extensions (number, name, secret) VALUES (?, ?, ?)", json!(["2001", "Robert'); DROP TABLE extensions;--", "pw"])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changes"], 1);
    // The hostile name is data, not SQL; the trigger created the endpoint.
    let (status, body) = sql(&url, "/ro", "SELECT e.name, p.callerid FROM extensions e JOIN ps_endpoints p ON p.id = e.number WHERE e.number = ?", json!(["2001"])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["columns"], json!(["name", "callerid"]));
    assert_eq!(body["rows"], json!([["Robert'); DROP TABLE extensions;--", "\"Robert'); DROP TABLE extensions;--\" <2001>"]]));

    // Typed values round-trip.
    let (status, body) = sql(&url, "/ro", "SELECT ?, ?, ?, ?", json!([42, 2.5, "text", null])).await;
    assert_eq!((status, &body["rows"]), (200, &json!([[42, 2.5, "text", null]])));

    // Every kind of value, several rows, through `execute-packed` (the SDK's `query`) and through
    // `execute` (`?raw`): the same answer. Text that is not UTF-8 arrives with U+FFFD either way.
    let statement = "SELECT 1 AS n, -9223372036854775808, 1e300, 'Zoë \"/\"', '', x'00ff10', NULL, CAST(x'41ff' AS TEXT) \
                     UNION ALL SELECT 2, 0, -0.5, 'two', 'x', x'', 7, 'ok' ORDER BY n";
    let want = json!([
        [1, i64::MIN, 1e300, "Zoë \"/\"", "", [0, 255, 16], null, "A\u{fffd}"],
        [2, 0, -0.5, "two", "x", [], 7, "ok"]
    ]);
    let (status, packed) = sql(&url, "/ro", statement, json!([])).await;
    assert_eq!((status, &packed["rows"]), (200, &want), "{packed}");
    let raw = client().post(format!("{url}/ro/sql?raw")).json(&json!({ "sql": statement, "params": [] })).send().await.unwrap();
    assert_eq!(raw.json::<serde_json::Value>().await.unwrap(), packed);

    // Per-table grant: write extensions, read cdr (and extensions, implied by write).
    let (status, body) = sql(&url, "/tables", "UPDATE extensions SET name = ? WHERE number = ?", json!(["Bob", "2001"])).await;
    assert_eq!((status, body["changes"].as_u64()), (200, Some(1)), "{body}");
    let (status, body) = sql(&url, "/tables", "SELECT count(*) FROM cdr", json!([])).await;
    assert_eq!((status, &body["rows"]), (200, &json!([[0]])));
    server.shutdown().await;
}

/// Pooled connections keep prepared statements, and the authorizer only runs while a statement is
/// prepared: the same SQL text sent by mounts with different grants, alternating on the same
/// connections, must still be judged by each mount's own grant every time.
#[tokio::test]
async fn cached_statements_are_judged_by_each_mounts_own_grant() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&mounts(dir.path())).await;
    let url = base(&server);
    let (status, body) = sql(&url, "/rw", "INSERT INTO extensions (number, name, secret) VALUES ('3001', 'A', 'pw')", json!([])).await;
    assert_eq!(status, 200, "{body}");

    let update = "UPDATE extensions SET name = ? WHERE number = '3001'";
    let read_cdr = "SELECT count(*) FROM cdr";
    for round in 0..4 {
        let name = format!("round {round}");
        let (status, body) = sql(&url, "/rw", update, json!([name])).await;
        assert_eq!((status, body["changes"].as_u64()), (200, Some(1)), "round {round}: {body}");
        // Read-only: the statement /rw just ran (and left prepared) is refused, and changes nothing.
        let (status, body) = sql(&url, "/ro", update, json!(["from ro"])).await;
        assert_eq!((status, code(&body)), (403, "sqlite_denied"), "round {round}: {body}");
        // Per-table grant: writes extensions, reads cdr; /none has no sqlite grant at all.
        let (status, body) = sql(&url, "/tables", update, json!([name])).await;
        assert_eq!((status, body["changes"].as_u64()), (200, Some(1)), "round {round}: {body}");
        let (status, _) = sql(&url, "/tables", read_cdr, json!([])).await;
        assert_eq!(status, 200);
        let (status, body) = sql(&url, "/tables", "SELECT count(*) FROM ps_endpoints", json!([])).await;
        assert_eq!((status, code(&body)), (403, "sqlite_denied"), "round {round}: {body}");
        let (status, body) = sql(&url, "/ro", "SELECT count(*) FROM ps_endpoints", json!([])).await;
        assert_eq!((status, &body["rows"]), (200, &json!([[1]])), "round {round}: {body}");
    }
    let (_, body) = sql(&url, "/ro", "SELECT name FROM extensions WHERE number = '3001'", json!([])).await;
    assert_eq!(body["rows"], json!([["round 3"]]), "the refused updates changed nothing");
    server.shutdown().await;
}

#[tokio::test]
async fn the_authorizer_refuses_everything_beyond_the_grant_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&mounts(dir.path())).await;
    let url = base(&server);
    let attach = format!("ATTACH DATABASE '{}' AS other", dir.path().join("other.sqlite").display());

    let refused: &[(&str, &str, &str)] = &[
        ("/ro", "INSERT INTO extensions (number) VALUES ('3001')", "writing table `extensions`"),
        ("/ro", "DELETE FROM cdr", "writing table `cdr`"),
        ("/ro", "UPDATE extensions SET name = 'x'", "writing table `extensions`"),
        ("/tables", "SELECT * FROM trunks", "reading table `trunks`"),
        ("/tables", "INSERT INTO cdr (calldate, end) VALUES ('2024-01-01', '2024-01-01')", "writing table `cdr`"),
        ("/rw", "UPDATE cdr_sources SET offset = offset + 1000000", "written only by the host"),
        ("/rw", "INSERT INTO cdr_sources (path, inode, offset, tail, updated) VALUES ('x', 1, 1, x'', '')", "written only by the host"),
        ("/rw", "DROP TABLE extensions", "changing the schema"),
        ("/rw", "CREATE TABLE mine (x)", "changing the schema"),
        ("/rw", "ALTER TABLE extensions ADD COLUMN x", "changing the schema"),
        ("/rw", "CREATE TRIGGER t AFTER INSERT ON cdr BEGIN DELETE FROM extensions; END", "changing the schema"),
        ("/rw", &attach, "ATTACH"),
        ("/rw", "PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"),
        ("/rw", "PRAGMA writable_schema = ON", "PRAGMA writable_schema"),
        ("/rw", "PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys"),
        ("/rw", "SELECT load_extension('/tmp/evil.so')", "load_extension"),
        ("/rw", "CREATE VIRTUAL TABLE v USING fts5(x)", ""),
    ];
    for (mount, statement, reason) in refused {
        let (status, body) = sql(&url, mount, statement, json!([])).await;
        assert_eq!((status, code(&body)), (403, "sqlite_denied"), "{mount}: {statement}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(reason), "{mount}: {statement}: {body}");
    }
    // Not granted at all, or no such label.
    let (status, body) = sql(&url, "/none", "SELECT 1", json!([])).await;
    assert_eq!((status, code(&body)), (403, "sqlite_not_granted"), "{body}");
    let response = client().post(format!("{url}/ro/sql?db=own")).json(&json!({"sql": "SELECT 1"})).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let response = client().post(format!("{url}/rw/sql?db=main")).json(&json!({"sql": "SELECT 1"})).send().await.unwrap();
    assert_eq!(response.status(), 403);

    // Nothing of the refused statements ran: the schema, the data and the file set are intact.
    let (_, body) = sql(&url, "/ro", "SELECT count(*) FROM sqlite_schema WHERE name IN ('mine', 't', 'v')", json!([])).await;
    assert_eq!(body["rows"], json!([[0]]));
    assert!(!dir.path().join("other.sqlite").exists(), "ATTACH created no file");
    let (_, body) = sql(&url, "/ro", "PRAGMA journal_mode", json!([])).await;
    assert_eq!(body["rows"], json!([["wal"]]));
    let (_, body) = sql(&url, "/ro", "PRAGMA foreign_keys", json!([])).await;
    assert_eq!(body["rows"], json!([[1]]));

    // Granted reads of pragmas and the schema work.
    let (status, body) = sql(&url, "/ro", "SELECT name FROM pragma_table_info('extensions') WHERE name = 'number'", json!([])).await;
    assert_eq!((status, &body["rows"]), (200, &json!([["number"]])), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn own_databases_are_private_and_allow_their_own_schema() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&mounts(dir.path())).await;
    let url = base(&server);
    let batch = client()
        .post(format!("{url}/rw/batch?db=own"))
        .body("CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY, token TEXT UNIQUE); PRAGMA user_version = 3;")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status(), 204, "{}", batch.text().await.unwrap());
    let response = client()
        .post(format!("{url}/rw/sql?db=own"))
        .json(&json!({"sql": "INSERT INTO tokens (token) VALUES (?)", "params": ["abc"]}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["last_insert_rowid"], 1, "{body}");
    let response = client().post(format!("{url}/rw/sql?db=own")).json(&json!({"sql": "PRAGMA user_version"})).send().await.unwrap();
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["rows"], json!([[3]]));
    // A duplicate is a constraint violation → 409.
    let response = client()
        .post(format!("{url}/rw/sql?db=own"))
        .json(&json!({"sql": "INSERT INTO tokens (token) VALUES (?)", "params": ["abc"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    // Still no ATTACH on the own database, and the pbx never sees the plugin's tables.
    let response = client().post(format!("{url}/rw/sql?db=own")).json(&json!({"sql": "ATTACH 'x.db' AS x"})).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let (_, body) = sql(&url, "/ro", "SELECT count(*) FROM sqlite_schema WHERE name = 'tokens'", json!([])).await;
    assert_eq!(body["rows"], json!([[0]]));
    // Keyed on the component's identity by the registry, not on the file's name.
    assert!(dir.path().join("plugins/data.1.sqlite").is_file(), "the first database the registry handed out");
    assert!(!dir.path().join("plugins/store_probe.sqlite").exists(), "not named after the file");
    server.shutdown().await;
}

#[tokio::test]
async fn transactions_commit_whole_or_not_at_all_and_an_abandoned_one_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&mounts(dir.path())).await;
    let url = base(&server);
    let insert = |n: &str| json!({"sql": "INSERT INTO extensions (number, name) VALUES (?, ?)", "params": [n, "T"]});

    let response = client().post(format!("{url}/rw/tx")).json(&json!([insert("4001"), insert("4002")])).send().await.unwrap();
    assert_eq!(response.status(), 200);
    // The second statement violates the primary key: the first is rolled back too.
    let response = client().post(format!("{url}/rw/tx")).json(&json!([insert("4003"), insert("4001")])).send().await.unwrap();
    assert_eq!(response.status(), 409);
    // A transaction left open by a finished request is rolled back, and the database is not locked.
    let response = client().post(format!("{url}/rw/leave-open")).json(&insert("4004")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = sql(&url, "/rw", "INSERT INTO extensions (number) VALUES ('4005')", json!([])).await;
    assert_eq!(status, 200, "the write lock was released: {body}");
    let (_, body) = sql(&url, "/ro", "SELECT number FROM extensions WHERE number LIKE '400%' ORDER BY number", json!([])).await;
    assert_eq!(body["rows"], json!([["4001"], ["4002"], ["4005"]]));
    server.shutdown().await;
}

async fn snapshot(url: &str, mount: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = client().post(format!("{url}{mount}/snapshot")).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// `read-snapshot`: several reads answered in order from one read transaction, which ends with the
/// call; writes refused and named; the rows of all statements held to the memory limit together;
/// inside a plugin's own transaction, the reads see its writes.
#[tokio::test]
async fn snapshots_answer_several_reads_at_once_and_never_write() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&format!(
        "{}\n[[mount]]\nroute = \"/small\"\nplugin = {:?}\ngrants = {{ sqlite = {{ pbx = \"read-only\" }} }}\nlimits = {{ memory_mb = 16 }}\n",
        mounts(dir.path()),
        test_plugin("store-probe")
    ))
    .await;
    let url = base(&server);
    for n in ["5001", "5002"] {
        assert_eq!(sql(&url, "/rw", "INSERT INTO extensions (number, name) VALUES (?, 'S')", json!([n])).await.0, 200);
    }
    let statement = |sql: &str, params: serde_json::Value| json!({ "sql": sql, "params": params });

    let (status, body) = snapshot(
        &url,
        "/ro",
        json!({ "statements": [
            statement("SELECT count(*) AS n FROM extensions WHERE number LIKE '500%'", json!([])),
            statement("SELECT number, name FROM extensions WHERE number = ?", json!(["5002"])),
            statement("SELECT ?, ?", json!([7, null])),
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["answers"],
        json!([
            { "columns": ["n"], "rows": [[2]] },
            { "columns": ["number", "name"], "rows": [["5002", "S"]] },
            { "columns": ["?", "?"], "rows": [[7, null]] },
        ])
    );
    assert_eq!(body["out_of_transaction"], true, "the read transaction ends with the call");
    let (status, body) = snapshot(&url, "/ro", json!({ "statements": [] })).await;
    assert_eq!((status, &body["answers"]), (200, &json!([])));

    // A statement that could write is refused, by position, even where the grant allows writing.
    let (status, body) = snapshot(
        &url,
        "/rw",
        json!({ "statements": [statement("SELECT 1", json!([])), statement("DELETE FROM extensions WHERE number = ?", json!(["5001"]))] }),
    )
    .await;
    assert_eq!((status, code(&body)), (500, "sqlite_invalid_statement"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("statement 2: "), "{body}");
    let (_, body) = sql(&url, "/ro", "SELECT count(*) FROM extensions WHERE number LIKE '500%'", json!([])).await;
    assert_eq!(body["rows"], json!([[2]]), "nothing was deleted");
    // Grants still apply, and name the statement.
    let (status, body) = snapshot(&url, "/tables", json!({ "statements": [statement("SELECT count(*) FROM trunks", json!([]))] })).await;
    assert_eq!((status, code(&body)), (403, "sqlite_denied"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("statement 1: "), "{body}");

    // Inside a transaction the plugin began, the reads see its uncommitted write (rolled back after).
    let (status, body) = snapshot(
        &url,
        "/rw",
        json!({
            "within": "INSERT INTO extensions (number) VALUES ('5003')",
            "statements": [statement("SELECT count(*) FROM extensions WHERE number LIKE '500%'", json!([]))],
        }),
    )
    .await;
    assert_eq!((status, &body["answers"][0]["rows"]), (200, &json!([[3]])), "{body}");
    let (_, body) = sql(&url, "/ro", "SELECT count(*) FROM extensions WHERE number LIKE '500%'", json!([])).await;
    assert_eq!(body["rows"], json!([[2]]));

    // About 10 MB of rows fits a 16 MiB mount; twice that in one snapshot does not.
    let blobs = statement("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2500) SELECT randomblob(4000) FROM c", json!([]));
    let (status, body) = snapshot(&url, "/small", json!({ "counts": true, "statements": [blobs.clone()] })).await;
    assert_eq!((status, &body["answers"]), (200, &json!([2500])), "{body}");
    let (status, body) = snapshot(&url, "/small", json!({ "counts": true, "statements": [blobs.clone(), blobs] })).await;
    assert_eq!((status, code(&body)), (500, "sqlite_too_large"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("statement 2: "), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn committed_changes_are_published_on_the_event_bus() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&mounts(dir.path())).await;
    let url = base(&server);
    let bus = server.services().bus.clone();
    assert_eq!(bus.next_seq(), 0, "a fresh bus");
    let (status, _) = sql(&url, "/rw", "INSERT INTO extensions (number, name) VALUES ('5001', 'E')", json!([])).await;
    assert_eq!(status, 200);
    // A rolled-back change publishes nothing.
    let insert = |n: &str| json!({"sql": "INSERT INTO extensions (number) VALUES (?)", "params": [n]});
    client().post(format!("{url}/rw/tx")).json(&json!([insert("5002"), insert("5001")])).send().await.unwrap();

    let events = bus
        .poll(&switchboard::events::Poll {
            last: None, // everything the bus holds
            timeout: std::time::Duration::ZERO,
            limit: 0,
            filter: vec!["ConfigChanged".into()],
        })
        .await;
    let field = |e: &switchboard::events::BusEvent, key: &str| e.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let tables: Vec<String> = events.iter().filter_map(|e| field(e, "Table")).collect();
    assert!(tables.contains(&"extensions".to_string()) && tables.contains(&"ps_endpoints".to_string()), "{tables:?}");
    let extension = events.iter().find(|e| field(e, "Table").as_deref() == Some("extensions")).unwrap();
    assert_eq!(field(extension, "Inserted").as_deref(), Some("1"));
    assert_eq!(field(extension, "Source").as_deref(), Some("/rw"));
    let published = events.iter().filter(|e| field(e, "Table").as_deref() == Some("extensions")).count();
    assert_eq!(published, 1, "the rolled-back insert was not published");
    server.shutdown().await;
}

/// `wit/pbx-schema.md` documents every table and column of the migrated schema, no more, no less.
#[test]
fn the_schema_page_matches_the_schema() {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/pbx-schema.md")).unwrap();
    let mut documented: Vec<(String, Vec<String>)> = Vec::new();
    for line in page.lines() {
        if let Some(table) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            documented.push((table.to_string(), Vec::new()));
        } else if let (Some(last), Some(row)) = (documented.last_mut(), line.strip_prefix("| `")) {
            last.1.push(row.split('`').next().unwrap().to_string());
        }
    }
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    switchboard::store::migrate::migrate(&mut conn).unwrap();
    let mut actual: Vec<(String, Vec<String>)> = Vec::new();
    for table in switchboard::store::migrate::schema_tables() {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid").unwrap();
        let columns = stmt.query_map([table], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        actual.push((table.clone(), columns));
    }
    documented.sort();
    assert_eq!(documented, actual, "wit/pbx-schema.md and the migrations disagree");
}
