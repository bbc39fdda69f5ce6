//! Nothing answered as written is lost: `kill -9` the host while many clients write, then check
//! that every write that got a success answer is in the database and the file is intact.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{BIN, cache_dir, client, read_until, test_plugin};

#[test]
fn kill_9_during_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[[listener]]\naddress = \"127.0.0.1:0\"\n[runtime]\ncache_dir = {cache:?}\n[store]\ndir = {store:?}\n\
         [[mount]]\nroute = \"/w\"\nplugin = {p:?}\ngrants = {{ sqlite = {{ pbx = \"read-write\" }} }}\n",
        cache = cache_dir().display().to_string(),
        store = dir.path().join("store").display().to_string(),
        p = test_plugin("store-probe"),
    );
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, text).unwrap();
    let mut child = Command::new(BIN).args(["serve", "--config"]).arg(&path).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let lines = read_until(&mut child, "-> http://", Duration::from_secs(60));
    let url = lines.last().unwrap().split(" -> ").nth(1).unwrap().to_string();

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
        // Let the writers run, then kill the host without warning.
        tokio::time::sleep(Duration::from_millis(1500)).await;
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
