//! The built-in `elastix` plugin (`/api/api.php?cmd=…`) against a real store, a recordings area and
//! the PBX simulator: auth failures, PHP-style JSON, CDR filters, recordings, system facts, AMI.

use std::time::Duration;

use rusqlite::Connection;
use switchboard_sim::{PbxSeed, Scenario};

use crate::util::{base, client};

const KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";

crate::util::local_rig!(
    /// The host with Elastix on `/api/api.php`, and the API's URL.
    Rig { url: String }
);

async fn rig() -> Rig {
    rig_on(PbxSeed::demo().with_ring(Duration::from_millis(10))).await
}

/// The rig with the simulator playing `pbx`.
async fn rig_on(pbx: PbxSeed) -> Rig {
    let host = crate::util::Rig::builder()
        .prepare(|root| {
            let rec = root.join("recordings");
            std::fs::create_dir_all(rec.join("2024/05/01")).unwrap();
            std::fs::write(rec.join("2024/05/01/call.wav"), b"RIFF-recording-bytes").unwrap();
            std::fs::write(root.join("secret.txt"), b"TOP SECRET").unwrap();
            std::os::unix::fs::symlink(root.join("secret.txt"), rec.join("link-out.wav")).unwrap();
            std::os::unix::fs::symlink("../secret.txt", rec.join("relative-out.wav")).unwrap();
        })
        .pbx(pbx)
        .store()
        .asterisk("")
        .toml_with(|env| format!("[areas]\nrecordings = {:?}\n", env.root.join("recordings").display().to_string()))
        .mount_with("/api/api.php", "elastix", |env| {
            let (user, secret) = env.sim().credentials();
            format!(
                "settings = {{ api-key = \"{KEY}\", ami-username = \"{user}\", ami-secret = \"{secret}\" }}\n\
                 grants = {{ sqlite = {{ pbx = \"read-write\" }}, files = {{ recordings = \"read-only\" }}, system = true, apply_changes = true, \
                 ami = [\"SIPpeers\", \"PJSIPShowEndpoints\", \"PJSIPShowContacts\", \"Command\", \"ParkedCalls\", \"Status\"] }}\n"
            )
        })
        .start()
        .await;
    let url = format!("{}/api/api.php", host.base);
    Rig { host, url }
}

impl Rig {
    async fn post(&self, query: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = client().post(format!("{}?{query}", self.url)).header("authorization", KEY).form(form).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn json(&self, query: &str, form: &[(&str, &str)]) -> serde_json::Value {
        let (status, body) = self.post(query, form).await;
        assert_eq!(status, 200, "{query}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{query}: {e}: {body}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_auth_failures_are_plain_text_in_the_original_order() {
    let rig = rig().await;
    let c = client();
    let text = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (status, ct.starts_with("text/plain"), r.text().await.unwrap())
    };
    // No cmd, even without a key: `test`.
    assert_eq!(text(c.get(&rig.url).send().await.unwrap()).await, (200, true, "test".into()));
    // cmd in the body only does not count.
    assert_eq!(text(c.post(&rig.url).header("authorization", KEY).form(&[("cmd", "auth")]).send().await.unwrap()).await, (200, true, "test".into()));
    assert_eq!(text(c.get(format!("{}?cmd=auth", rig.url)).send().await.unwrap()).await, (200, true, "key not found".into()));
    for wrong in ["nope", &KEY[..49], &format!("Bearer {KEY}"), &format!("{KEY}x")] {
        let r = c.get(format!("{}?cmd=auth", rig.url)).header("authorization", wrong).send().await.unwrap();
        assert_eq!(text(r).await, (200, true, "key not matched".into()), "{wrong}");
    }
    // Wrong key before an unknown command.
    let r = c.get(format!("{}?cmd=bogus", rig.url)).header("authorization", "nope").send().await.unwrap();
    assert_eq!(text(r).await, (200, true, "key not matched".into()));
    let r = c.get(format!("{}?cmd=bogus", rig.url)).header("authorization", KEY).send().await.unwrap();
    assert_eq!(text(r).await, (200, true, "cmd not matched".into()));
    // Commands are matched exactly, as PHP's switch did.
    for cmd in ["AUTH", "auth%20", "cdrreport2"] {
        assert_eq!(rig.post(&format!("cmd={cmd}"), &[]).await, (200, "cmd not matched".into()), "{cmd}");
    }

    // auth: base64 of the AMI credentials; GET, POST and HEAD alike.
    let (user, secret) = rig.sim().credentials();
    assert_eq!((user, secret), ("switchboard", "switchboard-secret"));
    let expected = r#"{"lordword":"c3dpdGNoYm9hcmQ6c3dpdGNoYm9hcmQtc2VjcmV0"}"#;
    assert_eq!(rig.post("cmd=auth", &[]).await, (200, expected.into()));
    let r = c.get(format!("{}?cmd=auth", rig.url)).header("authorization", KEY).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.text().await.unwrap(), expected);
    let r = c.head(format!("{}?cmd=auth", rig.url)).header("authorization", KEY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    rig.stop().await;
}

fn seed_cdrs(rig: &Rig) {
    rig.sql(
        "INSERT INTO cdr (calldate, end, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, accountcode, uniqueid, recordingfile, did) VALUES
         ('2024-05-01 09:00:00', '2024-05-01 09:01:00', '\"Alice Smith\" <1001>', '1001', '1002', 'from-internal', 'PJSIP/1001-00000001', 'PJSIP/1002-00000002', 'Dial', 'PJSIP/1002,30', 60, 50, 'ANSWERED', 'sales', '1714554000.1', '2024/05/01/call.wav', ''),
         ('2024-05-02 10:00:00', '2024-05-02 10:00:10', '\"+15551234567\" <+15551234567>', '+15551234567', 's', 'ivr-1', 'PJSIP/trunk-provider-00000003', '', 'WaitExten', '10,', 10, 10, 'ANSWERED', '', '1714644000.3', '', '5550100'),
         ('2024-05-03 11:00:00', '2024-05-03 11:00:30', '\"Carol White\" <1003>', '1003', '1001', 'from-internal', 'PJSIP/1003-00000004', 'PJSIP/1001-00000005', 'Dial', 'PJSIP/1001,30', 30, 0, 'NO ANSWER', '', '1714734000.4', '', ''),
         ('2024-05-04 12:00:00', '2024-05-04 12:00:05', '\"Zoë Ørsted\" <1002>', '1002', '5550100', 'from-internal', 'PJSIP/1002-00000006', 'PJSIP/trunk-provider-00000007', 'Dial', 'PJSIP/5550100@trunk-provider', 5, 0, 'BUSY', 'sales', '1714824000.6', '', ''),
         ('2024-05-05 13:00:00', '2024-05-05 13:00:01', '\"Dave 😀 Brown\" <1004>', '1004', '1005', 'from-internal', 'PJSIP/1004-00000008', '', 'Dial', 'PJSIP/1005,30', 1, 0, 'FAILED', '', '1714914000.8', '', ''),
         ('2024-05-06 14:00:00', '2024-05-06 14:00:20', '\"Alice Smith\" <1001>', '1001', '1003', 'from-internal', 'PJSIP/1001-00000009', 'PJSIP/1003-0000000a', 'Dial', 'PJSIP/1003,30', 20, 15, 'ANSWERED', '', '1715004000.9', '2024/05/06/x.wav', '');",
    );
}

fn calldays(v: &serde_json::Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|r| r["calldate"].as_str().unwrap()[8..10].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_cdrreport_filters_the_known_rows() {
    let rig = rig().await;
    seed_cdrs(&rig);

    // Newest first, never `dst = 's'`; exact PHP-style body for one row.
    let (status, body) = rig.post("cmd=cdrreport", &[("limit", "1")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"[{"calldate":"2024-05-06 14:00:00","clid":"\"Alice Smith\" <1001>","src":"1001","dst":"1003","dcontext":"from-internal","channel":"PJSIP\/1001-00000009","dstchannel":"PJSIP\/1003-0000000a","lastapp":"Dial","lastdata":"PJSIP\/1003,30","duration":"20","billsec":"15","disposition":"ANSWERED","amaflags":"3","accountcode":"","uniqueid":"1715004000.9","userfield":"","recordingfile":"2024\/05\/06\/x.wav","cnum":"","cnam":"","outbound_cnum":"","outbound_cnam":"","dst_cnam":"","did":""}]"#
    );
    let all = rig.json("cmd=cdrreport", &[]).await;
    assert_eq!(calldays(&all), ["06", "05", "04", "03", "01"]);
    // Non-ASCII as \u escapes (lowercase hex), `/` escaped.
    let (_, busy) = rig.post("cmd=cdrreport", &[("status", "BUSY")]).await;
    assert!(busy.contains(r#""clid":"\"Zo\u00eb \u00d8rsted\" <1002>""#), "{busy}");
    assert!(busy.contains(r#""lastdata":"PJSIP\/5550100@trunk-provider""#), "{busy}");
    // Outside the BMP: a UTF-16 surrogate pair.
    let (_, failed) = rig.post("cmd=cdrreport", &[("status", "FAILED")]).await;
    assert!(failed.contains(r#""clid":"\"Dave \ud83d\ude00 Brown\" <1004>""#), "{failed}");

    for (status, days) in [("ALL", vec!["06", "05", "04", "03", "01"]), ("ANSWERED", vec!["06", "01"]), ("BUSY", vec!["04"]), ("FAILED", vec!["05"]), ("NO ANSWER", vec!["03"])] {
        assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("status", status)]).await), days, "{status}");
    }
    let range = [("start_date", "2024-05-02 00:00:00"), ("end_date", "2024-05-04 23:59:59")];
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &range).await), ["04", "03"]);
    // Only one of the two dates: no date filter.
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("start_date", "2024-05-05 00:00:00")]).await).len(), 5);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "src"), ("field_pattern", "100")]).await), ["06", "05", "04", "03", "01"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "src"), ("field_pattern", "1001")]).await), ["06", "01"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "dst"), ("field_pattern", "1001")]).await), ["03"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "accountcode"), ("field_pattern", "sales")]).await), ["04", "01"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "dstchannel"), ("field_pattern", "trunk")]).await), ["04"]);
    // Case-insensitive like MySQL's LIKE, but `%` and `_` are literal.
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "channel"), ("field_pattern", "pjsip/1003")]).await), ["03"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "channel"), ("field_pattern", "%")]).await).len(), 0);
    // CONGESTION is not among ALL's dispositions (as in the original), but can be asked for.
    rig.sql("INSERT INTO cdr (calldate, end, src, dst, disposition) VALUES ('2024-05-07 09:00:00', '2024-05-07 09:00:01', '1001', '1009', 'CONGESTION');");
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[]).await), ["06", "05", "04", "03", "01"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("status", "CONGESTION")]).await), ["07"]);
    // A field outside the allow-list is ignored, and values are bound, never spliced.
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "1=1 OR src"), ("field_pattern", "x")]).await).len(), 5);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("field_name", "src"), ("field_pattern", "' OR '1'='1")]).await).len(), 0);
    // An unknown status is compared as given (bound): nothing matches, as in the original.
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("status", "ANSWERED' OR 1=1 --")]).await).len(), 0);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("status", "")]).await).len(), 5);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("limit", "2")]).await), ["06", "05"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("limit", "2; DROP TABLE cdr")]).await).len(), 5);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("recordings", "only")]).await), ["06", "01"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("recordings", "without")]).await), ["05", "04", "03"]);
    assert_eq!(calldays(&rig.json("cmd=cdrreport", &[("recordings", "all"), ("status", "ANSWERED"), ("limit", "1")]).await), ["06"]);
    // The default limit is 100.
    let many: String = (0..120)
        .map(|i| format!("('2023-01-01 00:{:02}:{:02}', '2023-01-01 01:00:00', '1', 'x', 'ANSWERED'),", i / 60, i % 60))
        .collect();
    rig.sql(&format!("INSERT INTO cdr (calldate, end, src, dst, disposition) VALUES {};", many.trim_end_matches(',')));
    assert_eq!(rig.json("cmd=cdrreport", &[]).await.as_array().unwrap().len(), 100);
    assert_eq!(rig.json("cmd=cdrreport", &[("limit", "1000")]).await.as_array().unwrap().len(), 125, "CONGESTION left out");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_getwavfile_serves_recordings_and_nothing_else() {
    let rig = rig().await;
    let c = client();
    let r = c.post(format!("{}?cmd=getwavfile&name=/2024/05/01/call.wav", rig.url)).header("authorization", KEY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"call.wav\"");
    assert_eq!(r.headers()["content-length"], "20");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"RIFF-recording-bytes");
    // Without the leading slash too.
    assert_eq!(rig.post("cmd=getwavfile&name=2024/05/01/call.wav", &[]).await, (200, "RIFF-recording-bytes".into()));

    let not_found = r#"{"status": "File not found", "code": 404}"#;
    for name in [
        "/2024/05/01/missing.wav",
        "",
        "/2024/05/01",
        "/../secret.txt",
        "%2e%2e/secret.txt",
        "%2e%2e%2fsecret.txt",
        "2024/05/01/../../../../secret.txt",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "/link-out.wav",
        "/relative-out.wav",
    ] {
        let r = c.get(format!("{}?cmd=getwavfile&name={name}", rig.url)).header("authorization", KEY).send().await.unwrap();
        assert_eq!(r.status(), 404, "{name}");
        assert_eq!(r.headers()["content-type"], "application/json", "{name}");
        assert_eq!(r.text().await.unwrap(), not_found, "{name}");
    }
    // `name` in the body is not read.
    let (status, body) = rig.post("cmd=getwavfile", &[("name", "/2024/05/01/call.wav")]).await;
    assert_eq!((status, body.as_str()), (404, not_found));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_sippeers_from_pjsip_and_sipextensions_from_the_model() {
    let rig = rig().await;
    let peers = rig.json("cmd=sippeers", &[]).await;
    let peers = peers.as_array().unwrap();
    assert_eq!(peers.len(), 11, "ten phones and the trunk");
    let (_, body) = rig.post("cmd=sippeers", &[]).await;
    assert!(body.contains(
        r#"{"Event":"PeerEntry","Channeltype":"SIP","ObjectName":"1001","ChanObjectType":"peer","IPaddress":"192.0.2.11","IPport":"5060","Dynamic":"yes","AutoForcerport":"no","Forcerport":"no","AutoComedia":"no","Comedia":"no","VideoSupport":"no","TextSupport":"no","ACL":"no","Status":"OK (2 ms)","RealtimeDevice":"no","Description":""}"#
    ), "{body}");
    let by_name = |n: &str| peers.iter().find(|p| p["ObjectName"] == n).unwrap_or_else(|| panic!("{n} in {body}"));
    assert_eq!((by_name("1009")["IPaddress"].as_str(), by_name("1009")["Status"].as_str()), (Some("-none-"), Some("UNKNOWN")));
    let trunk = by_name("trunk-provider");
    assert_eq!((trunk["IPaddress"].as_str(), trunk["IPport"].as_str(), trunk["Dynamic"].as_str()), (Some("sip.provider.example"), Some("5060"), Some("no")));

    rig.sql(
        "INSERT INTO extensions (number, name, secret, voicemail) VALUES ('100', 'Lowis', 'strongpassword', 'device');
         INSERT INTO device_options (number, key, value) VALUES ('100', 'nat', 'no'), ('100', 'dtmfmode', 'rfc2833'), ('100', 'faxdetect', 'yes'), ('100', 'videosupport', 'no');
         INSERT INTO extensions (number, name, secret, technology, callerid) VALUES ('101', 'Jöhn', 'pw2', 'sip', 'John <101>');
         INSERT INTO extensions (number, name, technology) VALUES ('200', 'Fax', 'iax2');
         INSERT INTO trunks (name, host, username, secret, context, codecs) VALUES ('900000000000', '10.10.10.10', '900000000000', 'strongpassword', 'from-trunk-sip-900000000000', 'alaw');",
    );
    let (status, body) = rig.post("cmd=sipextensions", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        concat!(
            r#"{"100":{"deny":"0.0.0.0\/0.0.0.0","secret":"strongpassword","dtmfmode":"rfc2833","canreinvite":"no","context":"from-internal","host":"dynamic","trustrpid":"yes","sendrpid":"no","type":"friend","nat":"no","port":"5060","qualify":"yes","qualifyfreq":"60","transport":"udp","avpf":"no","icesupport":"no","encryption":"no","callgroup":"","pickupgroup":"","dial":"PJSIP\/100","mailbox":"100@device","permit":"0.0.0.0\/0.0.0.0","callerid":"Lowis <100>","callcounter":"yes","faxdetect":"yes","videosupport":"no"},"#,
            r#""101":{"deny":"0.0.0.0\/0.0.0.0","secret":"pw2","dtmfmode":"rfc2833","canreinvite":"no","context":"from-internal","host":"dynamic","trustrpid":"yes","sendrpid":"no","type":"friend","nat":"yes","port":"5060","qualify":"yes","qualifyfreq":"60","transport":"udp","avpf":"no","icesupport":"no","encryption":"no","callgroup":"","pickupgroup":"","dial":"SIP\/101","mailbox":"101@device","permit":"0.0.0.0\/0.0.0.0","callerid":"John <101>","callcounter":"yes","faxdetect":"no"},"#,
            r#""900000000000":{"disallow":"all","username":"900000000000","type":"peer","qualify":"yes","secret":"strongpassword","nat":"auto","insecure":"port,invite","host":"10.10.10.10","fromuser":"900000000000","fromdomain":"10.10.10.10","dtmfmode":"rfc2833","allow":"alaw","context":"from-trunk-sip-900000000000"}}"#
        )
    );
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_system_facts_have_the_original_shapes() {
    let rig = rig().await;
    let (status, body) = rig.post("cmd=systemresources", &[]).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert!(body.starts_with(r#"{"datetime":""#) && body.contains(r#"","users":""#) && body.contains(r#"","usage":""#), "{body}");
    assert_eq!(keys.len(), 3, "{body}");
    let datetime = v["datetime"].as_str().unwrap();
    let (time, up) = datetime.split_once(' ').unwrap();
    assert!(time.len() == 8 && time.as_bytes()[2] == b':' && time.as_bytes()[5] == b':', "{datetime}");
    assert!(up.starts_with("up ") && !up.contains(','), "{datetime}");
    v["users"].as_str().unwrap().parse::<u32>().expect("users is a number in a string");
    let usage: Vec<&str> = v["usage"].as_str().unwrap().split(", ").collect();
    assert_eq!(usage.len(), 3, "{body}");
    assert!(usage.iter().all(|u| u.parse::<f64>().is_ok() && u.split_once('.').unwrap().1.len() == 2), "{body}");

    let (status, body) = rig.post("cmd=getharddrivers", &[]).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(body.starts_with(r#"{"harddisk":{"size":""#), "{body}");
    let disk = &v["harddisk"];
    for key in ["size", "used", "avail", "usepercent", "mount"] {
        assert!(disk[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {body}");
    }
    assert!(disk["usepercent"].as_str().unwrap().ends_with('%'), "{body}");
    assert!(disk["size"].as_str().unwrap().ends_with(['k', 'M', 'G', 'T', 'P']), "{body}");
    let rec = rig.root.path().join("recordings").display().to_string().replace('/', "\\/");
    assert!(body.contains(&format!(r#""recording":["#)) && body.contains(&format!(r#"","{rec}"]"#)), "{body}");
    for key in ["logs", "thirdparty", "voicemails", "backups", "configuration"] {
        assert_eq!(v[key], serde_json::json!([]), "{key}: not configured here: {body}");
    }
    assert_eq!(v["recording"][0].as_str().map(|s| s.chars().last().unwrap().is_ascii_digit() || s.ends_with('K')), Some(true), "{body}");

    let (status, body) = rig.post("cmd=getiptablesstatus", &[]).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).expect("always valid JSON");
    assert!(body.starts_with(r#"{"pid":""#) && v["pid"].is_string() && v["is_exist"].is_boolean(), "{body}");
    assert_eq!(v.as_object().unwrap().len(), 2);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_activecall_parses_live_channels_and_status_lists_them() {
    let rig = rig().await;
    let idle = rig.json("cmd=activecall", &[]).await;
    assert_eq!(idle, serde_json::json!(["0 active channels", "0 active calls", "0 calls processed"]));

    let sim = rig.sim_arc();
    let call = tokio::spawn(async move {
        sim.run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_secs(4) }).await
    });
    let mut live = serde_json::Value::Null;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        live = rig.json("cmd=activecall", &[]).await;
        if live.as_array().unwrap().iter().filter(|v| v.is_object()).count() == 2 {
            break;
        }
    }
    let items = live.as_array().unwrap();
    let objects: Vec<_> = items.iter().filter(|v| v.is_object()).collect();
    assert_eq!(objects.len(), 2, "{live}");
    let keys: Vec<&str> = objects[0].as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = vec!["Channel", "Context", "Extension", "Prio", "State", "Application", "Data", "CallerID", "Duration", "Accountcode", "PeerAccount", "BridgeID"];
    sorted.sort();
    let mut got = keys.clone();
    got.sort();
    assert_eq!(got, sorted, "{live}");
    let caller = objects.iter().find(|o| o["Channel"].as_str().unwrap().starts_with("PJSIP/1001-")).expect("caller leg");
    assert_eq!((caller["Context"].as_str(), caller["Extension"].as_str(), caller["State"].as_str()), (Some("from-internal"), Some("1002"), Some("Up")), "{live}");
    assert_eq!((caller["Application"].as_str(), caller["Data"].as_str(), caller["CallerID"].as_str()), (Some("Dial"), Some("PJSIP/1002,30"), Some("1001")), "{live}");
    assert!(caller["Duration"].as_str().unwrap().starts_with("00:00:0"), "{live}");
    assert_eq!(&items[items.len() - 3..], &[serde_json::json!("2 active channels"), serde_json::json!("1 active call"), serde_json::json!("1 call processed")], "{live}");
    let (_, raw) = rig.post("cmd=activecall", &[]).await;
    assert!(raw.contains(r#""Data":"PJSIP\/1002,30""#), "{raw}");

    // channelstatus: the AMI answer as manager text (text/html), as the original printed it.
    let r = client().post(format!("{}?cmd=channelstatus", rig.url)).header("authorization", KEY).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html");
    let text = r.text().await.unwrap();
    let blocks: Vec<&str> = text.split("\r\n\r\n").filter(|b| !b.is_empty()).collect();
    assert!(text.ends_with("\r\n\r\n") && !text.contains("ActionID"), "{text:?}");
    assert!(blocks[0].starts_with("Response: Success\r\n"), "{text:?}");
    assert_eq!(blocks.iter().filter(|b| b.starts_with("Event: Status\r\n")).count(), 2, "{text:?}");
    assert!(blocks.iter().any(|b| b.starts_with("Event: Status\r\n") && b.contains("\r\nChannel: PJSIP/1001-")), "{text:?}");
    assert!(blocks.last().unwrap().starts_with("Event: StatusComplete\r\n"), "{text:?}");

    call.await.unwrap().unwrap();
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_sippeers_passes_chan_sip_peer_entries_through() {
    // An Asterisk 13 with chan_sip, as Elastix ran: the PeerEntry events as they are, minus the
    // host's ActionID, in the seed's key order.
    let rig = rig_on(PbxSeed::demo().with_chan_sip()).await;
    let (status, body) = rig.post("cmd=sippeers", &[]).await;
    assert_eq!(status, 200);
    assert!(body.starts_with(
        r#"[{"Event":"PeerEntry","Channeltype":"SIP","ObjectName":"1001","ChanObjectType":"peer","IPaddress":"192.0.2.11","IPport":"5060","Dynamic":"yes","AutoForcerport":"no","Forcerport":"no","AutoComedia":"no","Comedia":"no","VideoSupport":"no","TextSupport":"no","ACL":"yes","Status":"OK (2 ms)","RealtimeDevice":"no","Description":""},"#
    ), "{body}");
    let peers: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(peers.as_array().unwrap().len(), 11, "{body}");
    assert!(!body.contains("ActionID") && !body.contains("PeerlistComplete"), "{body}");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_parkedcalls_shows_a_parked_call_as_manager_text() {
    let rig = rig().await;
    let text = |rig: &Rig| {
        let url = format!("{}?cmd=parkedcalls", rig.url);
        async move {
            let r = client().post(url).header("authorization", KEY).send().await.unwrap();
            assert_eq!(r.headers()["content-type"], "text/html");
            r.text().await.unwrap()
        }
    };
    let idle = text(&rig).await;
    assert_eq!(
        idle,
        "Response: Success\r\nEventList: start\r\nMessage: Parked calls will follow\r\n\r\n\
         Event: ParkedCallsComplete\r\nEventList: Complete\r\nListItems: 0\r\n\r\n"
    );

    let sim = rig.sim_arc();
    let call = tokio::spawn(async move {
        sim.run(Scenario::Park { from: "1001".into(), to: "1002".into(), talk: Duration::from_millis(20), parked: Duration::from_secs(3) }).await
    });
    let mut live = String::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        live = text(&rig).await;
        if live.contains("Event: ParkedCall\r\n") {
            break;
        }
    }
    let blocks: Vec<&str> = live.split("\r\n\r\n").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), 3, "{live:?}");
    let parked = blocks[1];
    assert!(parked.starts_with("Event: ParkedCall\r\nParkeeChannel: PJSIP/1001-"), "{live:?}");
    for line in ["ParkeeCallerIDNum: 1001", "ParkerDialString: PJSIP/1002", "Parkinglot: default", "ParkingSpace: 701", "ParkingTimeout: 4"] {
        assert!(parked.contains(&format!("\r\n{line}")), "{line} in {live:?}");
    }
    assert!(!live.contains("ActionID"), "{live:?}");
    assert_eq!(blocks[2], "Event: ParkedCallsComplete\r\nEventList: Complete\r\nListItems: 1");
    call.await.unwrap().unwrap();
    assert_eq!(text(&rig).await, idle);
    rig.stop().await;
}

const PEER_104: [(&str, &str); 27] = [
    ("name", "104"),
    ("deny", "0.0.0.0/0.0.0.0"),
    ("secret", "strongpassword"),
    ("dtmfmode", "rfc2833"),
    ("canreinvite", "no"),
    ("context", "from-internal"),
    ("host", "dynamic"),
    ("trustrpid", "yes"),
    ("sendrpid", "no"),
    ("type", "friend"),
    ("nat", "no"),
    ("port", "5060"),
    ("qualify", "yes"),
    ("qualifyfreq", "60"),
    ("transport", "udp"),
    ("avpf", "no"),
    ("icesupport", "no"),
    ("encryption", "no"),
    ("callgroup", ""),
    ("pickupgroup", ""),
    ("dial", "SIP/104"),
    ("mailbox", "104@device"),
    ("permit", "0.0.0.0/0.0.0.0"),
    ("callerid", "John <104>"),
    ("callcounter", "yes"),
    ("faxdetect", "no"),
    ("account", "104"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_extensions_are_added_updated_and_deleted_through_the_model() {
    let rig = rig().await;
    let pjsip = || std::fs::read_to_string(rig.root.path().join("asterisk/pjsip.switchboard.conf")).unwrap_or_default();
    rig.sql("INSERT INTO extensions (number, name, secret) VALUES ('105', 'Other', 'other-secret');");

    assert_eq!(rig.post("cmd=addextension", &PEER_104).await, (200, r#"{"status": "INSERT OK", "code": 200}"#.into()));
    let ext = rig.json("cmd=sipextensions", &[]).await;
    let expected: serde_json::Map<String, serde_json::Value> =
        PEER_104.iter().filter(|(k, _)| !matches!(*k, "name" | "account")).map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect();
    assert_eq!(ext["104"], serde_json::Value::Object(expected), "{ext}");
    let (_, body) = rig.post("cmd=sipextensions", &[]).await;
    assert!(body.contains(r#""104":{"deny":"0.0.0.0\/0.0.0.0","secret":"strongpassword","dtmfmode":"rfc2833","#), "{body}");
    assert!(pjsip().contains("[104]"), "rendered by apply-changes: {}", pjsip());

    // Adding an existing one changes nothing (and still says INSERT OK, as the original did).
    let mut again = PEER_104;
    again[2] = ("secret", "changed");
    assert_eq!(rig.post("cmd=addextension", &again).await.1, r#"{"status": "INSERT OK", "code": 200}"#);
    assert_eq!(rig.json("cmd=sipextensions", &[]).await["104"]["secret"], "strongpassword");

    // Update touches only the named extension.
    let (status, body) = rig.post("cmd=updateextension", &[("account", "104"), ("secret", "n3w"), ("nat", "yes"), ("callerid", "Johnny <104>")]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status": "UPDATE OK", "code": 200}"#));
    let ext = rig.json("cmd=sipextensions", &[]).await;
    assert_eq!((ext["104"]["secret"].as_str(), ext["104"]["nat"].as_str(), ext["104"]["callerid"].as_str()), (Some("n3w"), Some("yes"), Some("Johnny <104>")));
    assert_eq!(ext["104"]["dial"], "SIP/104", "options not posted are kept");
    assert_eq!((ext["105"]["secret"].as_str(), ext["105"]["callerid"].as_str()), (Some("other-secret"), Some("Other <105>")), "{ext}");
    assert!(pjsip().contains("password=n3w"), "{}", pjsip());

    assert_eq!(rig.post("cmd=deleteextension", &[("account", "104")]).await, (200, r#"{"status": "DELETE OK", "code": 200}"#.into()));
    let ext = rig.json("cmd=sipextensions", &[]).await;
    assert!(ext.get("104").is_none() && ext.get("105").is_some(), "{ext}");
    assert!(!pjsip().contains("[104]"), "{}", pjsip());
    let left: i64 = Connection::open(rig.root.path().join("store/pbx.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM device_options WHERE number = '104'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);

    // A bad account is refused before any SQL.
    for bad in ["", "10 4", "104'; DROP TABLE extensions; --"] {
        let (status, _) = rig.post("cmd=addextension", &[("account", bad), ("secret", "x")]).await;
        assert_eq!(status, 422, "{bad:?}");
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_followme_is_added_read_updated_and_deleted() {
    let rig = rig().await;
    rig.sql("INSERT INTO extensions (number, name) VALUES ('100', 'A'), ('101', 'B'), ('102', 'C');");
    assert_eq!(rig.post("cmd=getallfollowmeextensions", &[]).await, (200, "[]".into()));
    assert_eq!(rig.post("cmd=getfollowmeextension", &[("grpnum", "100")]).await, (200, "[]".into()));

    let form = [
        ("grpnum", "100"),
        ("strategy", "ringallv2"),
        ("grptime", "20"),
        ("grppre", ""),
        ("grplist", "101, 105, 90539999999#, 908509999999#"),
        ("annmsg_id", "0"),
        ("postdest", ""),
        ("dring", ""),
        ("remotealert_id", "0"),
        ("needsconf", ""),
        ("toolate_id", "0"),
        ("pre_ring", "0"),
        ("ringing", "Ring"),
    ];
    assert_eq!(rig.post("cmd=addfollowmeextension", &form).await, (200, r#"{"status": "INSERT OK", "code": 200}"#.into()));
    let one = r#"[{"grpnum":"100","strategy":"ringallv2","grptime":"20","grppre":"","grplist":"101-105-90539999999#-908509999999#","annmsg_id":"0","postdest":"","dring":"","remotealert_id":"0","needsconf":"","toolate_id":"0","pre_ring":"0","ringing":"Ring"}]"#;
    assert_eq!(rig.post("cmd=getfollowmeextension", &[("grpnum", "100")]).await, (200, one.into()));
    assert!(std::fs::read_to_string(rig.root.path().join("asterisk/extensions.switchboard.conf")).unwrap_or_default().contains("90539999999"), "rendered");

    let mut other = form;
    other[0] = ("grpnum", "102");
    other[1] = ("strategy", "hunt");
    other[4] = ("grplist", "100");
    assert_eq!(rig.post("cmd=addfollowmeextension", &other).await.0, 200);
    let all = rig.json("cmd=getallfollowmeextensions", &[]).await;
    assert_eq!(all.as_array().unwrap().iter().map(|r| r["grpnum"].as_str().unwrap()).collect::<Vec<_>>(), ["100", "102"]);

    // Update one; the other is untouched.
    let mut changed = form;
    changed[2] = ("grptime", "45");
    changed[4] = ("grplist", "101-0612345678#");
    changed[11] = ("pre_ring", "5");
    assert_eq!(rig.post("cmd=updatefollowmeextension", &changed).await, (200, r#"{"status": "UPDATE OK", "code": 200}"#.into()));
    let got = rig.json("cmd=getfollowmeextension", &[("grpnum", "100")]).await;
    assert_eq!((got[0]["grptime"].as_str(), got[0]["grplist"].as_str(), got[0]["pre_ring"].as_str()), (Some("45"), Some("101-0612345678#"), Some("5")));
    let got = rig.json("cmd=getfollowmeextension", &[("grpnum", "102")]).await;
    assert_eq!((got[0]["strategy"].as_str(), got[0]["grplist"].as_str()), (Some("hunt"), Some("100")));

    // Invalid values are refused; nothing changes.
    for (key, bad) in [("strategy", "everyone"), ("grptime", "61"), ("pre_ring", "x")] {
        let mut f = form;
        let i = f.iter().position(|(k, _)| *k == key).unwrap();
        f[i] = (key, bad);
        assert_eq!(rig.post("cmd=updatefollowmeextension", &f).await.0, 422, "{key}={bad}");
    }
    let (status, _) = rig.post("cmd=addfollowmeextension", &[("grpnum", "999")]).await;
    assert_eq!(status, 422, "no such extension");

    assert_eq!(rig.post("cmd=deletefollowmeextension", &[("grpnum", "100")]).await, (200, r#"{"status": "DELETE OK", "code": 200}"#.into()));
    assert_eq!(rig.post("cmd=getfollowmeextension", &[("grpnum", "100")]).await, (200, "[]".into()));
    assert_eq!(rig.json("cmd=getallfollowmeextensions", &[]).await.as_array().unwrap().len(), 1);
    rig.stop().await;
}

/// Appends what the socket has next to `buf`.
async fn read_more(buf: &mut Vec<u8>, stream: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut chunk = vec![0u8; 65536];
    let n = stream.read(&mut chunk).await.unwrap();
    assert!(n > 0, "connection closed mid-response: {:?}", String::from_utf8_lossy(buf));
    buf.extend_from_slice(&chunk[..n]);
}

/// Sends one request byte for byte as `curl -X POST -H 'Authorization: …' -H 'Content-Type:
/// application/x-www-form-urlencoded' [-d 'BODY'] URL` does (curl 8: its header order, `-d`
/// sent as typed — spaces, `/`, `#` and `,` unencoded — and no body or `Content-Length` without
/// `-d`), and reads one HTTP/1.1 response (Content-Length or chunked).
async fn curl_post(rig: &Rig, query: &str, body: Option<&str>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::AsyncWriteExt;
    let addr = base(&rig.server).trim_start_matches("http://").to_string();
    let mut request = format!(
        "POST /api/api.php?{query} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\
         Authorization: {KEY}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    );
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();

    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        read_more(&mut buf, &mut stream).await;
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| l.split_once(':').unwrap())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut rest = buf[head_end + 4..].to_vec();
    let body = if let Some(len) = header("content-length") {
        let len: usize = len.parse().unwrap();
        while rest.len() < len {
            read_more(&mut rest, &mut stream).await;
        }
        rest[..len].to_vec()
    } else {
        assert_eq!(header("transfer-encoding").as_deref(), Some("chunked"), "{head}");
        let mut body = Vec::new();
        loop {
            while !rest.windows(2).any(|w| w == b"\r\n") {
                read_more(&mut rest, &mut stream).await;
            }
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap().trim(), 16).unwrap();
            while rest.len() < line_end + 2 + size + 2 {
                read_more(&mut rest, &mut stream).await;
            }
            body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest.drain(..line_end + 2 + size + 2);
            if size == 0 {
                break body;
            }
        }
    };
    (status, headers, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_every_seed_example_succeeds_as_curl_sends_it() {
    let rig = rig().await;
    // The seed's CDR example row (with a real `dst`: the original's query leaves out `dst = 's'`
    // rows such as the example itself) and its recording, where the seed puts them.
    let wav = "out-05333333333-101-20151208-102449-1449563089.106.wav";
    let dir = rig.root.path().join("recordings/2015/12/08");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(wav), b"RIFF....WAVEfmt seed example").unwrap();
    rig.sql(&format!(
        "INSERT INTO cdr (calldate, end, clid, src, dst, dcontext, channel, lastapp, lastdata, duration, billsec, disposition, uniqueid, recordingfile, did) VALUES
         ('2017-12-06 10:07:05', '2017-12-06 10:07:46', '\"02164440375\" <02164440375>', '02164440375', '7001', 'ivr-4', 'SIP/902422277777-00000031', 'WaitExten', '10,', 41, 41, 'ANSWERED', '1512554825.65', '', '902422277777'),
         ('2015-12-08 10:24:49', '2015-12-08 10:25:30', '\"101\" <101>', '101', '05333333333', 'from-internal', 'SIP/101-00000040', 'Dial', 'SIP/trunk/05333333333', 41, 30, 'ANSWERED', '1449563089.106', '{wav}', '');"
    ));
    let json = |body: &[u8]| -> serde_json::Value { serde_json::from_slice(body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body))) };

    // Every read command, bodiless as the seed shows them.
    for cmd in ["auth", "sippeers", "sipextensions", "systemresources", "getharddrivers", "getiptablesstatus", "activecall", "cdrreport", "getallfollowmeextensions"] {
        let (status, headers, body) = curl_post(&rig, &format!("cmd={cmd}"), None).await;
        assert_eq!(status, 200, "{cmd}");
        assert!(headers.contains(&("content-type".into(), "application/json".into())), "{cmd}: {headers:?}");
        let v = json(&body);
        assert!(v.is_object() || v.is_array(), "{cmd}: {v}");
    }
    let (_, _, body) = curl_post(&rig, "cmd=auth", None).await;
    assert!(json(&body)["lordword"].is_string());

    // cdrreport with every parameter the seed lists, typed as the seed shows them.
    let (status, _, body) = curl_post(
        &rig,
        "cmd=cdrreport",
        Some("start_date=2017-12-05 00:00:00&end_date=2017-12-07 23:59:59&field_name=src&field_pattern=02164440375&status=ANSWERED&limit=100&recordings=all"),
    )
    .await;
    assert_eq!(status, 200);
    let rows = json(&body);
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!((rows[0]["uniqueid"].as_str(), rows[0]["channel"].as_str()), (Some("1512554825.65"), Some("SIP/902422277777-00000031")));
    assert!(String::from_utf8_lossy(&body).contains(r#""channel":"SIP\/902422277777-00000031""#));

    // getwavfile with the seed's name, and its 404 for a missing one.
    let (status, headers, body) = curl_post(&rig, &format!("cmd=getwavfile&name=/2015/12/08/{wav}"), None).await;
    assert_eq!(status, 200);
    // Quoted, as the original code sent it (the seed's text shows it unquoted).
    assert!(headers.contains(&("content-disposition".into(), format!("attachment; filename=\"{wav}\""))), "{headers:?}");
    assert_eq!(body, b"RIFF....WAVEfmt seed example");
    let (status, _, body) = curl_post(&rig, "cmd=getwavfile&name=/2015/12/08/missing.wav", None).await;
    assert_eq!((status, body.as_slice()), (404, br#"{"status": "File not found", "code": 404}"#.as_slice()));

    // addextension / updateextension / deleteextension with the seed's 27 fields.
    let peer = "name=100&deny=0.0.0.0/0.0.0.0&secret=strongpassword&dtmfmode=rfc2833&canreinvite=no&context=from-internal\
        &host=dynamic&trustrpid=yes&sendrpid=no&type=friend&nat=no&port=5060&qualify=yes&qualifyfreq=60&transport=udp&avpf=no\
        &icesupport=no&encryption=no&callgroup=&pickupgroup=&dial=SIP/104&mailbox=104@device&permit=0.0.0.0/0.0.0.0\
        &callerid=John <104>&callcounter=yes&faxdetect=no&account=100";
    let (status, _, body) = curl_post(&rig, "cmd=addextension", Some(peer)).await;
    assert_eq!((status, String::from_utf8(body).unwrap()), (200, r#"{"status": "INSERT OK", "code": 200}"#.into()));
    let (_, _, body) = curl_post(&rig, "cmd=sipextensions", None).await;
    assert_eq!(json(&body)["100"]["callerid"], "John <104>");
    let (status, _, body) = curl_post(&rig, "cmd=updateextension", Some(&peer.replace("secret=strongpassword", "secret=changed"))).await;
    assert_eq!((status, String::from_utf8(body).unwrap()), (200, r#"{"status": "UPDATE OK", "code": 200}"#.into()));

    // The follow-me commands with the seed's fields (grplist typed with spaces and `#`).
    let followme = "grpnum=100&strategy=ringallv2&grptime=20&grppre=&grplist=101, 105, 90539999999#, 908509999999#&annmsg_id=0\
        &postdest=&dring=&remotealert_id=0&needsconf=&toolate_id=0&pre_ring=0&ringing=Ring";
    for (cmd, body, want) in [
        ("addfollowmeextension", followme, r#"{"status": "INSERT OK", "code": 200}"#),
        ("updatefollowmeextension", &followme.replace("grptime=20", "grptime=30") as &str, r#"{"status": "UPDATE OK", "code": 200}"#),
    ] {
        let (status, _, got) = curl_post(&rig, &format!("cmd={cmd}"), Some(body)).await;
        assert_eq!((status, String::from_utf8(got).unwrap()), (200, want.to_string()), "{cmd}");
    }
    let (status, _, body) = curl_post(&rig, "cmd=getfollowmeextension", Some("grpnum=100")).await;
    assert_eq!(status, 200);
    let got = json(&body);
    let one = if got.is_array() { got[0].clone() } else { got.clone() };
    assert_eq!((one["grptime"].as_str(), one["grplist"].as_str()), (Some("30"), Some("101-105-90539999999#-908509999999#")), "{got}");
    let (status, _, body) = curl_post(&rig, "cmd=deletefollowmeextension", Some("grpnum=100")).await;
    assert_eq!((status, String::from_utf8(body).unwrap()), (200, r#"{"status": "DELETE OK", "code": 200}"#.into()));
    let (status, _, body) = curl_post(&rig, "cmd=deleteextension", Some("account=100")).await;
    assert_eq!((status, String::from_utf8(body).unwrap()), (200, r#"{"status": "DELETE OK", "code": 200}"#.into()));
    let (_, _, body) = curl_post(&rig, "cmd=sipextensions", None).await;
    assert!(json(&body).get("100").is_none());
    rig.stop().await;
}
