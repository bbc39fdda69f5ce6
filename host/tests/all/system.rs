//! The `system` interface through a real mount: facts read by the host, denied without the grant.

use crate::util::{base, client, start, test_plugin};

async fn get(url: &str) -> (u16, serde_json::Value) {
    let response = client().get(url).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn uptime_disks_and_firewall_are_reported_to_granted_mounts_only() {
    let root = tempfile::tempdir().unwrap();
    let recordings = root.path().join("recordings");
    std::fs::create_dir_all(&recordings).unwrap();
    std::fs::write(recordings.join("a.wav"), vec![7u8; 200 * 1024]).unwrap();
    let p = test_plugin("store-probe");
    let server = start(&format!(
        "[areas]\nrecordings = {rec:?}\nbackups = {bak:?}\n\n\
         [[mount]]\nroute = \"/s\"\nplugin = {p:?}\ngrants = {{ system = true }}\n\n\
         [[mount]]\nroute = \"/bare\"\nplugin = {p:?}\n",
        rec = recordings.display().to_string(),
        bak = root.path().join("backups").display().to_string(),
    ))
    .await;
    let url = base(&server);

    let (status, up) = get(&format!("{url}/s/system/uptime")).await;
    assert_eq!(status, 200, "{up}");
    let proc_uptime: f64 = std::fs::read_to_string("/proc/uptime").unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!((up["seconds"].as_f64().unwrap() - proc_uptime).abs() < 5.0, "{up} vs /proc/uptime {proc_uptime}");
    assert!(up["up"].as_str().unwrap().starts_with("up "), "{up}");
    assert_eq!(up["time"].as_str().unwrap().len(), 8, "HH:MM:SS: {up}");
    assert_eq!(up["load"].as_array().unwrap().len(), 3);

    let (status, disks) = get(&format!("{url}/s/system/disks")).await;
    assert_eq!(status, 200, "{disks}");
    let disks = disks.as_array().unwrap();
    assert_eq!(disks.iter().map(|d| d["area"].as_str().unwrap()).collect::<Vec<_>>(), ["backups", "recordings"]);
    let rec = &disks[1];
    assert!(rec["area_bytes"].as_u64().unwrap() >= 200 * 1024, "{rec}");
    assert!(rec["used"].as_u64().unwrap() <= rec["size"].as_u64().unwrap(), "{rec}");
    assert!(rec["size"].as_u64().unwrap() > 0 && !rec["mount_point"].as_str().unwrap().is_empty(), "{rec}");

    let (status, fw) = get(&format!("{url}/s/system/firewall")).await;
    assert_eq!(status, 200, "{fw}");
    assert!(fw["present"].is_boolean() && fw["running"].is_boolean() && !fw["status"].as_str().unwrap().is_empty(), "{fw}");

    for fact in ["uptime", "disks", "firewall"] {
        let (status, body) = get(&format!("{url}/bare/system/{fact}")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("system_denied")), "{fact}: {body}");
    }
    server.shutdown().await;
}
