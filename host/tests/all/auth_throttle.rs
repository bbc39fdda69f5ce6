//! Authentication throttling on the real server: wrong Elastix keys, Issabel passwords, Axeos API
//! keys, PINs and mailbox passwords lock the client address and the principal out with back-off,
//! a right secret during a lock counts for nothing, locks end, and the client address comes from
//! the peer — or from `X-Forwarded-For` only when the peer is a trusted proxy.

use std::time::{Duration, Instant};

use reqwest::RequestBuilder;
use switchboard_sim::PbxSeed;

use crate::util::{client, test_plugin};

const ELASTIX_KEY: &str = "elastix-throttle-key";
const AXEOS_KEY: &str = "axeos-throttle-key";
const ISSABEL_PASSWORD: &str = "issabel-throttle-password";
/// Free failures before the first lock.
const FREE: usize = 3;
/// The first lock; each further failure doubles it, up to `MAX_LOCK`.
const FIRST_LOCK: Duration = Duration::from_millis(1000);
const MAX_LOCK: Duration = Duration::from_millis(2000);

struct Rig {
    host: crate::util::Rig,
    /// The listener that trusts 127.0.0.1 as a proxy: `X-Forwarded-For` names the client.
    proxied: String,
    /// The listener that trusts no proxy: the peer is the client, whatever it claims.
    direct: String,
}

async fn rig() -> Rig {
    let host = crate::util::Rig::builder()
        .listeners(
            "[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\ntrusted_proxies = [\"127.0.0.1\"]\n\n\
             [[listener]]\nname = \"direct\"\naddress = \"127.0.0.1:0\"\n",
        )
        .pbx(PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .pbx_reads_conf()
        .store()
        .toml(&format!(
            "[auth_throttle]\nfree_failures = {FREE}\nfirst_lock_ms = {first}\nmax_lock_ms = {max}\nforget_after_s = 60\n",
            first = FIRST_LOCK.as_millis(),
            max = MAX_LOCK.as_millis(),
        ))
        .mount("/api/api.php", "elastix", &format!("settings = {{ api-key = \"{ELASTIX_KEY}\" }}\ngrants = {{ ami = [\"Command core show channels verbose\"] }}\n"))
        .mount(
            "/pbxapi",
            "issabel",
            &format!(
                "settings = {{ jwt-secret = \"a-jwt-secret-of-at-least-32-bytes!!\", admin-password = \"{ISSABEL_PASSWORD}\" }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\"] }} }} }}\n"
            ),
        )
        .mount(
            "/apis/pbx",
            "axeos",
            &format!(
                "settings = {{ api-key = \"{AXEOS_KEY}\" }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"voicemail\", \"device_options\", \"trunks\"], write = [\"astdb\"] }}, own = true }}, ami = [\"MailboxCount\"] }}\n"
            ),
        )
        .mount("/probe", &test_plugin("probe"), "")
        .seed(
            "INSERT INTO extensions (number, name, secret, voicemail) VALUES ('1001', 'Alice', 's', 'default'), ('1002', 'Bob', 's', 'default');\n\
             INSERT INTO voicemail (mailbox, password) VALUES ('1001', '1234'), ('1002', '4321');",
        )
        .start()
        .await;
    let (proxied, direct) = (host.listener("main"), host.listener("direct"));
    Rig { host, proxied, direct }
}

/// `request` as sent by client `from` through the trusted proxy.
fn from(request: RequestBuilder, from: &str) -> RequestBuilder {
    request.header("x-forwarded-for", from)
}

async fn status_of(request: RequestBuilder) -> (u16, Option<String>, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, retry, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_wrong_issabel_passwords_lock_the_address_and_the_user_out() {
    let rig = rig().await;
    let c = client();
    let login = |who: &str, user: &str, password: &str| {
        from(c.post(format!("{}/pbxapi/authenticate", rig.proxied)), who)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("user={user}&password={password}"))
    };
    let attacker = "203.0.113.7";
    let started = Instant::now();
    let mut answers = Vec::new();
    for i in 0..1000 {
        answers.push(status_of(login(attacker, "admin", &format!("guess{i}"))).await);
    }
    let elapsed = started.elapsed();
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert_eq!(&statuses[..FREE], &[403; FREE], "the free failures are the original's 403");
    assert_eq!(statuses[FREE], 429, "the next failure starts a lock");
    let refused = answers.iter().filter(|a| a.0 == 403).count();
    // After the free ones, at most one guess is looked at per `FIRST_LOCK` (locks only grow).
    let looked_at_most = FREE + 1 + (elapsed.as_millis() / FIRST_LOCK.as_millis()) as usize;
    assert!(refused <= looked_at_most, "{refused} guesses were checked in {elapsed:?} (at most {looked_at_most})");
    assert!(statuses.iter().all(|s| *s == 403 || *s == 429), "only refusals: {statuses:?}");
    for (status, retry, body) in answers.iter().filter(|a| a.0 == 429) {
        let secs: u64 = retry.as_deref().expect("Retry-After on every 429").parse().unwrap();
        assert!((1..=2).contains(&secs), "Retry-After {secs}");
        assert!(body.is_empty(), "Issabel refusals have no body: {status} {body:?}");
    }

    // Locked: the right password counts for nothing, from the attacker's address and — the user
    // `admin` being locked too — from anywhere.
    assert_eq!(status_of(login(attacker, "admin", ISSABEL_PASSWORD)).await.0, 429);
    assert_eq!(status_of(login("198.51.100.2", "admin", ISSABEL_PASSWORD)).await.0, 429);
    // Another user name from another address is not locked (it is just wrong).
    assert_eq!(status_of(login("198.51.100.2", "root", "x")).await.0, 403);

    // Locks end: the admin logs in from their own address, which clears the user's failures …
    tokio::time::sleep(MAX_LOCK + Duration::from_millis(100)).await;
    let (status, _, body) = status_of(login("198.51.100.2", "admin", ISSABEL_PASSWORD)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("access_token"), "{body}");
    // … but not the attacker's address, whose next wrong guess locks it again at once.
    assert_eq!(status_of(login(attacker, "root", "again")).await.0, 429);
    rig.host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_elastix_keys_lock_the_address_in_the_original_style_and_spoofing_does_not_help() {
    let rig = rig().await;
    let c = client();
    let url = |base: &str| format!("{base}/api/api.php?cmd=channels");
    let attempt = |base: &str, who: &str, key: &str| from(c.post(url(base)), who).header("authorization", key.to_string());

    for i in 0..FREE {
        let (status, _, body) = status_of(attempt(&rig.proxied, "203.0.113.8", &format!("wrong{i}"))).await;
        assert_eq!((status, body.as_str()), (200, "key not matched"));
    }
    let (status, retry, body) = status_of(attempt(&rig.proxied, "203.0.113.8", "wrong")).await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("1"));
    assert!(body.starts_with("too many wrong keys"), "{body}");
    // The right key from the locked address counts for nothing; from another address it works.
    assert_eq!(status_of(attempt(&rig.proxied, "203.0.113.8", ELASTIX_KEY)).await.0, 429);
    let (status, _, body) = status_of(attempt(&rig.proxied, "192.0.2.50", ELASTIX_KEY)).await;
    assert_eq!(status, 200);
    assert!(!body.contains("key not matched") && !body.starts_with("too many"), "{body}");

    // On the listener that trusts no proxy, the peer (127.0.0.1) is the client: a new
    // X-Forwarded-For or a forged client-address header per request buys no fresh attempts.
    let mut statuses = Vec::new();
    for i in 0..(FREE + 3) {
        let request = c
            .post(url(&rig.direct))
            .header("authorization", "wrong")
            .header("x-forwarded-for", format!("10.9.8.{i}"))
            .header("x-switchboard-client-addr", format!("10.9.9.{i}"));
        statuses.push(status_of(request).await.0);
    }
    assert_eq!(&statuses[..FREE], &[200; FREE]);
    assert!(statuses[FREE..].iter().all(|s| *s == 429), "{statuses:?}");
    rig.host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn axeos_pins_api_keys_and_mailbox_passwords_lock_per_address_and_per_principal() {
    let rig = rig().await;
    let c = client();
    let get = |who: &str, path: &str, user: &str, password: &str| {
        from(c.get(format!("{}/apis/pbx{path}", rig.proxied)), who).basic_auth(user, Some(password))
    };
    // Guessing Alice's PIN from one address.
    for _ in 0..FREE {
        assert_eq!(status_of(get("203.0.113.9", "/users", "1001", "0000")).await.0, 401);
    }
    let (status, retry, body) = status_of(get("203.0.113.9", "/users", "1001", "0000")).await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "too_many_failures", "{body}");
    // Alice is locked wherever she comes from; Bob, from an unlocked address, is not; neither is the
    // API key.
    assert_eq!(status_of(get("192.0.2.60", "/users", "1001", "1234")).await.0, 429);
    assert_eq!(status_of(get("192.0.2.60", "/users", "1002", "4321")).await.0, 200);
    assert_eq!(status_of(get("192.0.2.60", "/users", "apiKey", AXEOS_KEY)).await.0, 200);
    // The attacker's address is locked for every principal.
    assert_eq!(status_of(get("203.0.113.9", "/users", "apiKey", AXEOS_KEY)).await.0, 429);
    // `?key=` counts against the same `apiKey` principal.
    for _ in 0..FREE {
        let r = from(c.get(format!("{}/apis/pbx/users?key=nope", rig.proxied)), "192.0.2.70");
        assert_eq!(status_of(r).await.0, 401);
    }
    let r = from(c.get(format!("{}/apis/pbx/users?key=nope", rig.proxied)), "192.0.2.70");
    assert_eq!(status_of(r).await.0, 429);
    let r = from(c.get(format!("{}/apis/pbx/users?key={AXEOS_KEY}", rig.proxied)), "192.0.2.71");
    assert_eq!(status_of(r).await.0, 429, "the API key principal is locked");

    // Bob guessing Alice's mailbox password: counted per box.
    let mailboxes: serde_json::Value = get("192.0.2.80", "/voicemail", "1002", "4321").send().await.unwrap().json().await.unwrap();
    assert_eq!(mailboxes.as_array().unwrap().len(), 1, "Bob sees his own mailbox only: {mailboxes}");
    tokio::time::sleep(MAX_LOCK + Duration::from_millis(100)).await;
    let admin: serde_json::Value = get("192.0.2.80", "/voicemail", "apiKey", AXEOS_KEY).send().await.unwrap().json().await.unwrap();
    let alice_box = admin.as_array().unwrap().iter().find(|m| m["mailbox_number"] == "1001").unwrap()["uuid"].as_str().unwrap().to_string();
    let guess = |pin: &str| get("192.0.2.81", &format!("/voicemail/{alice_box}?password={pin}"), "1002", "4321");
    for pin in ["0000", "1111", "2222"] {
        assert_eq!(status_of(guess(pin)).await.0, 403);
    }
    assert_eq!(status_of(guess("3333")).await.0, 429);
    assert_eq!(status_of(guess("1234")).await.0, 429, "the right password during the lock counts for nothing");
    tokio::time::sleep(MAX_LOCK + Duration::from_millis(100)).await;
    let (status, _, body) = status_of(guess("1234")).await;
    assert_eq!(status, 200, "{body} (boxes: {admin})");
    rig.host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_address_reaches_plugins_from_the_host_only() {
    let rig = rig().await;
    let c = client();
    let whoami = |request: RequestBuilder| async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() };
    // Behind the trusted proxy: the right-most untrusted hop, not what the client wrote first.
    let seen = whoami(from(c.get(format!("{}/probe/whoami", rig.proxied)), "6.6.6.6, 203.0.113.10")).await;
    assert_eq!(seen, serde_json::json!({ "header": "203.0.113.10", "host": "203.0.113.10" }));
    // Direct: the peer, whatever the headers say.
    let forged = c
        .get(format!("{}/probe/whoami", rig.direct))
        .header("x-forwarded-for", "203.0.113.11")
        .header("x-switchboard-client-addr", "203.0.113.12");
    assert_eq!(whoami(forged).await, serde_json::json!({ "header": "127.0.0.1", "host": "127.0.0.1" }));
    rig.host.stop().await;
}
