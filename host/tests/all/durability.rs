//! Nothing answered as written is lost: `kill -9` the host while many clients write, then check
//! that every write that got a success answer is in the database and the file is intact.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{client, serve, served_url, test_plugin, write_config};

#[test]
fn kill_9_during_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[store]\ndir = {store:?}\n\
         [[mount]]\nroute = \"/w\"\nplugin = {p:?}\ngrants = {{ sqlite = {{ pbx = \"read-write\" }} }}\n",
        store = dir.path().join("store").display().to_string(),
        p = test_plugin("store-probe"),
    );
    let path = write_config(dir.path(), &text);
    let (mut child, lines) = serve(&path, "-> http://");
    let url = served_url(lines.last().unwrap());

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let mut writers = Vec::new();
        for writer in 0..32 {
            let (url, acknowledged) = (url.clone(), acknowledged.clone());
            writers.push(tokio::spawn(async move {
                let client = client();
                for i in 0.. {
                    let key = format!("w{writer}-{i}");
                    // Two tables in one transaction: both or neither must survive.
                    let body = serde_json::json!([
                        {"sql": "INSERT INTO astdb (family, key, value) VALUES ('durability', ?, 'x')", "params": [key]},
                        {"sql": "INSERT INTO cdr (calldate, end, src, uniqueid) VALUES ('2024-01-01 00:00:00', '2024-01-01 00:00:01', 'durability', ?)", "params": [key]},
                    ]);
                    match client.post(format!("{url}/tx")).json(&body).send().await {
                        Ok(r) if r.status() == 200 => acknowledged.lock().unwrap().push(key),
                        _ => break, // the host is gone
                    }
                }
            }));
        }
        // Let the writers run until enough writes are acknowledged for the check to mean something
        // (on a loaded machine each fsync takes longer), then kill the host without warning.
        let started = std::time::Instant::now();
        while acknowledged.lock().unwrap().len() < 300 && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().unwrap(); // SIGKILL
        for w in writers {
            w.await.unwrap();
        }
    });
    child.wait().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 100, "only {} writes were acknowledged before the kill", acknowledged.len());

    // Open the file as the next start would (WAL recovery), check every acknowledged write.
    let conn = rusqlite::Connection::open(dir.path().join("store/pbx.sqlite")).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mut in_astdb = conn.prepare("SELECT count(*) FROM astdb WHERE family = 'durability' AND key = ?").unwrap();
    let mut in_cdr = conn.prepare("SELECT count(*) FROM cdr WHERE src = 'durability' AND uniqueid = ?").unwrap();
    for key in &acknowledged {
        let a: i64 = in_astdb.query_row([key], |r| r.get(0)).unwrap();
        let c: i64 = in_cdr.query_row([key], |r| r.get(0)).unwrap();
        assert_eq!((a, c), (1, 1), "acknowledged write {key} is missing after kill -9");
    }
    // Transactions are whole: no half-written pair (astdb row without its cdr row, or the reverse).
    let orphans: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM astdb a WHERE a.family = 'durability' AND NOT EXISTS (SELECT 1 FROM cdr c WHERE c.uniqueid = a.key)) + \
                    (SELECT count(*) FROM cdr c WHERE c.src = 'durability' AND NOT EXISTS (SELECT 1 FROM astdb a WHERE a.family = 'durability' AND a.key = c.uniqueid))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    eprintln!("{} acknowledged transactions, all present after kill -9", acknowledged.len());
}

/// The same through a flavor, as an Issabel client sees it: a thousand extension writes at once
/// through `/pbxapi`, `kill -9` while they run, then the host started again on the same store.
/// Every extension answered `201 Created` is listed by the restarted host, the database file is
/// intact, and nothing half-written exists (an extension without its PJSIP endpoint).
#[test]
fn kill_9_during_a_thousand_issabel_writes_then_restart_keeps_every_created_extension() {
    const PASSWORD: &str = "durability-admin-password";
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[store]\ndir = {store:?}\n\
         [[mount]]\nroute = \"/pbxapi\"\nplugin = \"issabel\"\n\
         settings = {{ jwt-secret = \"durability-jwt-secret-0123456789abcdef\", admin-password = \"{PASSWORD}\" }}\n\
         limits = {{ max_concurrent = 64, queue = 2000, queue_timeout_ms = 60000 }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\", \"queues\", \"tenants\"], \
         write = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\"] }} }}, apply_changes = true }}\n",
        store = dir.path().join("store").display().to_string(),
    );
    let path = write_config(dir.path(), &text);
    let serve = || {
        let (child, lines) = crate::util::serve(&path, "-> http://");
        (child, served_url(lines.last().unwrap()))
    };
    let (mut child, url) = serve();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let token = |url: String| async move {
        let response = client()
            .post(format!("{url}/authenticate"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("user=admin&password={PASSWORD}"))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        body["access_token"].as_str().expect("a token").to_string()
    };
    let acknowledged = Arc::new(Mutex::new(Vec::<u32>::new()));
    let refused = Arc::new(Mutex::new(Vec::<u16>::new()));
    rt.block_on(async {
        let token = token(url.clone()).await;
        let writes: Vec<_> = (0..1000u32)
            .map(|i| {
                let (url, token, acknowledged, refused) = (url.clone(), token.clone(), acknowledged.clone(), refused.clone());
                tokio::spawn(async move {
                    let number = 20_000 + i;
                    let body = format!(r#"{{"name":"Durable {number}","secret":"s{number}x","reload":0}}"#);
                    let sent = client()
                        .put(format!("{url}/extensions/{number}"))
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 201 => acknowledged.lock().unwrap().push(number),
                        Ok(r) => refused.lock().unwrap().push(r.status().as_u16()),
                        Err(_) => {} // the host is gone
                    }
                })
            })
            .collect();
        // Kill once some writes are answered and others are still running.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while acknowledged.lock().unwrap().len() < 150 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.kill().unwrap(); // SIGKILL
        for w in writes {
            w.await.unwrap();
        }
    });
    child.wait().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let refused = refused.lock().unwrap().clone();
    assert!(acknowledged.len() >= 150, "only {} writes were acknowledged before the kill", acknowledged.len());
    assert!(acknowledged.len() < 1000, "the kill came after every write: nothing was in flight");
    assert!(refused.is_empty(), "writes were refused before the kill: {refused:?}");

    // Started again on the same store: every created extension is there, through the flavor.
    let (mut child, url) = serve();
    let listed: std::collections::BTreeSet<u32> = rt.block_on(async {
        let token = token(url.clone()).await;
        let body: serde_json::Value =
            client().get(format!("{url}/extensions")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        body["results"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .filter_map(|e| e["extension"].as_str()?.parse().ok())
            .collect()
    });
    for number in &acknowledged {
        assert!(listed.contains(number), "extension {number} was answered 201 Created and is gone after kill -9");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("store/pbx.sqlite")).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let half: i64 = conn
        .query_row(
            "SELECT count(*) FROM extensions e WHERE e.number >= '20000' AND NOT EXISTS (SELECT 1 FROM ps_endpoints p WHERE p.id = e.number)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(half, 0, "an extension without its endpoint");
    eprintln!("{} of 1000 Issabel writes acknowledged before kill -9; all {} listed after the restart", acknowledged.len(), listed.len());
}
