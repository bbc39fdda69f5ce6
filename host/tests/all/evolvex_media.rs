//! The `evolvex` plugin's recordings (`get_file_wav`, `get_file_mp3`) and `uploads` against a real
//! store, real file areas and the real component: keys, disabled users and calls outside the
//! caller's contexts; `Range` requests; MP3 encoded on the fly, decoded here by symphonia (another
//! decoder than the encoder's own) and checked against the WAV; an answer that starts long before
//! the recording could have been read whole; GSM recordings refused; uploads' limits and hostile
//! names.

use std::io::Write as _;

use serde_json::{Value, json};

use crate::util::client;

/// The mount's admin key.
const ADMIN: &str = "media-test-admin-key";
/// An enabled user of the `from-internal` group.
const KEY: &str = "0b6f2d4e-1111-4222-8333-944455556666";
/// A disabled user of the same group.
const DISABLED_KEY: &str = "0b6f2d4e-aaaa-4bbb-8ccc-9dddeeeeffff";

crate::util::local_rig!(
    /// The host with Evolvex on `/api/index` (and on `/small/api/index` with a 1000-byte upload
    /// limit), its recordings and uploads areas, and the calls below in the CDR table.
    Rig {}
);

/// One call: uniqueid, dcontext, recordingfile.
const CALLS: &[(&str, &str, &str)] = &[
    ("1700000000.1", "from-internal", "2024/10/30/pcm8k.wav"),
    ("1700000000.2", "from-internal", "2024/10/30/pcm16k.wav"),
    ("1700000000.3", "from-internal", "ulaw.wav"),
    ("1700000000.4", "from-internal", "only.mp3"),
    ("1700000000.5", "from-internal", "gsm.WAV"),
    ("1700000000.6", "secret-ctx", "secret.wav"),
    ("1700000000.7", "from-internal", "both.wav"),
    ("1700000000.8", "from-internal", ""),
    ("1700000000.9", "from-internal", "live.wav"),
    ("1700000000.10", "from-internal", "pcm8-stereo.wav"),
    ("1700000000.11", "from-internal", "cd.wav"),
];

/// Seconds of tone in each test recording.
const SECONDS: f32 = 3.0;

async fn rig() -> Rig {
    let host = crate::util::Rig::builder()
        .prepare(|root| {
            let rec = root.join("recordings");
            std::fs::create_dir_all(rec.join("2024/10/30")).unwrap();
            std::fs::create_dir_all(root.join("uploads")).unwrap();
            std::fs::write(rec.join("2024/10/30/pcm8k.wav"), wav(1, 1, 8000, 16, &pcm16(&tone(8000, 1)))).unwrap();
            std::fs::write(rec.join("2024/10/30/pcm16k.wav"), wav(1, 1, 16000, 16, &pcm16(&tone(16000, 1)))).unwrap();
            std::fs::write(rec.join("ulaw.wav"), wav(7, 1, 8000, 8, &ulaw(&tone(8000, 1)))).unwrap();
            std::fs::write(rec.join("pcm8-stereo.wav"), wav(1, 2, 8000, 8, &tone(8000, 2).iter().map(|s| ((s >> 8) + 128) as u8).collect::<Vec<_>>())).unwrap();
            std::fs::write(rec.join("cd.wav"), wav(1, 2, 44100, 16, &pcm16(&tone(44100, 2)))).unwrap();
            std::fs::write(rec.join("only.mp3"), mp3_bytes()).unwrap();
            std::fs::write(rec.join("gsm.WAV"), wav(0x31, 1, 8000, 0, &[0x5a; 650])).unwrap();
            std::fs::write(rec.join("secret.wav"), wav(1, 1, 8000, 16, &pcm16(&tone(8000, 1)))).unwrap();
            std::fs::write(rec.join("both.wav"), wav(1, 1, 8000, 16, &pcm16(&tone(8000, 1)))).unwrap();
            std::fs::write(rec.join("both.mp3"), b"not really an mp3, but the file beside the wav").unwrap();
        })
        .store()
        .toml_with(|env| {
            let area = |name: &str| env.root.join(name).display().to_string();
            format!("[areas]\nrecordings = {:?}\nuploads = {:?}\n", area("recordings"), area("uploads"))
        })
        .mount("/api/index", "evolvex", &mount_keys(&format!("admin-key = \"{ADMIN}\", rate-limit = \"off\"")))
        .mount("/small/api/index", "evolvex", &mount_keys("upload-max-bytes = \"1000\""))
        .start()
        .await;
    let rig = Rig { host };
    for (uniqueid, context, file) in CALLS {
        rig.sql(&format!(
            "INSERT INTO cdr (calldate, end, src, dst, dcontext, disposition, uniqueid, linkedid, recordingfile) \
             VALUES ('2024-10-30 10:00:00', '2024-10-30 10:00:03', '1001', '1002', '{context}', 'ANSWERED', '{uniqueid}', '{uniqueid}', '{file}')"
        ));
    }
    rig.users().await;
    rig
}

/// A mount's other keys with `settings`.
fn mount_keys(settings: &str) -> String {
    format!(
        "settings = {{ {settings} }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"cdr\"] }}, own = true }}, files = {{ recordings = \"read-only\", uploads = \"read-write\" }} }}\n"
    )
}

impl Rig {
    fn url(&self, path: &str) -> String {
        format!("{}/api/index{path}", self.base)
    }

    /// The group `from-internal` with an enabled and a disabled user, made through the admin
    /// resource as an operator would.
    async fn users(&self) {
        let group = self.admin("/admin/groups", json!({"name": "media", "description": "recordings tests"})).await;
        let group = group["data"]["uuid"].as_str().unwrap().to_string();
        self.admin("/admin/access", json!({"name": "from-internal", "group_uuid": group})).await;
        self.admin("/admin/users", json!({"name": "listener", "api_key": KEY, "group_uuid": group})).await;
        self.admin("/admin/users", json!({"name": "gone", "enable": "no", "api_key": DISABLED_KEY, "group_uuid": group})).await;
    }

    async fn admin(&self, path: &str, body: Value) -> Value {
        let response = client().post(self.url(path)).header("x-admin-key", ADMIN).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 201, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// `GET <method>?api_key=<key>&uniqueid=<id>` with extra headers.
    async fn get(&self, method: &str, key: Option<&str>, uniqueid: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut query = vec![("uniqueid", uniqueid)];
        if let Some(key) = key {
            query.push(("api_key", key));
        }
        let mut request = client().get(self.url(&format!("/{method}"))).query(&query);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    fn recording(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path("recordings").join(name)).unwrap()
    }
}

/// Status, headers and body of a response.
async fn parts(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// The `error.code` of a JSON error body.
fn code(body: &[u8]) -> String {
    let value: Value = serde_json::from_slice(body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)));
    value["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {value}")).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_need_a_valid_enabled_key_and_a_call_in_the_callers_contexts() {
    let rig = rig().await;
    for method in ["get_file_wav", "get_file_mp3"] {
        let (status, _, body) = parts(rig.get(method, None, "1700000000.1", &[]).await).await;
        assert_eq!((status, code(&body).as_str()), (401, "unauthorized"), "{method} without a key");
        let (status, _, body) = parts(rig.get(method, Some("not-a-key"), "1700000000.1", &[]).await).await;
        assert_eq!((status, code(&body).as_str()), (401, "unauthorized"), "{method} with a wrong key");
        let (status, _, body) = parts(rig.get(method, Some(DISABLED_KEY), "1700000000.1", &[]).await).await;
        assert_eq!((status, code(&body).as_str()), (403, "user_disabled"), "{method} for a disabled user");
        // A call of another context is as unknown as a call that never was.
        for uniqueid in ["1700000000.6", "1700000000.8", "1699999999.1"] {
            let (status, _, body) = parts(rig.get(method, Some(KEY), uniqueid, &[]).await).await;
            assert_eq!((status, code(&body).as_str()), (404, "not_found"), "{method} {uniqueid}");
        }
        for hostile in ["../secret", "1700000000.6/../../x", "1700000000.1\0", "", "1700000000.1 OR 1=1"] {
            let (status, _, body) = parts(rig.get(method, Some(KEY), hostile, &[]).await).await;
            assert_eq!(status, 400, "{method} {hostile:?}: {}", String::from_utf8_lossy(&body));
        }
    }
    // With the key, the WAV as it is on disk.
    let (status, headers, body) = parts(rig.get("get_file_wav", Some(KEY), "1700000000.1", &[]).await).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("audio/wav"));
    assert_eq!(header(&headers, "accept-ranges"), Some("bytes"));
    assert_eq!(header(&headers, "content-disposition"), Some("inline; filename=\"1700000000.1.wav\""));
    assert_eq!(body, rig.recording("2024/10/30/pcm8k.wav"));
    // WAV means WAV: a call recorded only as MP3 has none.
    let (status, _, _) = parts(rig.get("get_file_wav", Some(KEY), "1700000000.4", &[]).await).await;
    assert_eq!(status, 404);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wav_and_mp3_files_answer_range_requests() {
    let rig = rig().await;
    let file = rig.recording("2024/10/30/pcm8k.wav");
    let len = file.len();
    let ranged = async |range: &str| rig.get("get_file_wav", Some(KEY), "1700000000.1", &[("range", range)]).await;

    let (status, headers, body) = parts(ranged("bytes=0-43").await).await;
    assert_eq!(status, 206);
    assert_eq!(header(&headers, "content-range"), Some(format!("bytes 0-43/{len}").as_str()));
    assert_eq!(header(&headers, "content-length"), Some("44"));
    assert_eq!(body, file[..44]);

    let (status, headers, body) = parts(ranged("bytes=-100").await).await;
    assert_eq!(status, 206);
    assert_eq!(header(&headers, "content-range"), Some(format!("bytes {}-{}/{len}", len - 100, len - 1).as_str()));
    assert_eq!(body, file[len - 100..]);

    let (status, headers, body) = parts(ranged("bytes=1000-").await).await;
    assert_eq!(status, 206);
    assert_eq!(header(&headers, "content-range"), Some(format!("bytes 1000-{}/{len}", len - 1).as_str()));
    assert_eq!(body, file[1000..]);

    let (status, headers, body) = parts(ranged("bytes=99999999-").await).await;
    assert_eq!(status, 416);
    assert_eq!(header(&headers, "content-range"), Some(format!("bytes */{len}").as_str()));
    assert_eq!(code(&body), "range_not_satisfiable");

    for whole in ["bytes=0-1,10-20", "bytes=20-10", "lines=1-2", "bytes=x-"] {
        let (status, headers, body) = parts(ranged(whole).await).await;
        assert_eq!((status, header(&headers, "content-range")), (200, None), "{whole}");
        assert_eq!(body, file, "{whole}");
    }

    // HEAD: the same headers, no body.
    let head = client()
        .head(rig.url("/get_file_wav"))
        .query(&[("uniqueid", "1700000000.1"), ("api_key", KEY)])
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    let (status, headers, body) = parts(head).await;
    assert_eq!((status, header(&headers, "content-range"), body.len()), (206, Some(format!("bytes 0-9/{len}").as_str()), 0));

    // An MP3 on disk is sent as it is, ranges included; one beside a WAV wins over encoding.
    let mp3 = rig.recording("only.mp3");
    let (status, headers, body) = parts(rig.get("get_file_mp3", Some(KEY), "1700000000.4", &[]).await).await;
    assert_eq!((status, header(&headers, "content-type")), (200, Some("audio/mpeg")));
    assert_eq!(header(&headers, "content-length"), Some(mp3.len().to_string().as_str()));
    assert_eq!(body, mp3);
    let (status, _, body) = parts(rig.get("get_file_mp3", Some(KEY), "1700000000.4", &[("range", "bytes=4-7")]).await).await;
    assert_eq!((status, body.as_slice()), (206, &mp3[4..8]));
    let (status, _, body) = parts(rig.get("get_file_mp3", Some(KEY), "1700000000.7", &[]).await).await;
    assert_eq!((status, body), (200, rig.recording("both.mp3")));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mp3_encoded_on_the_fly_decodes_to_the_wavs_rate_and_length() {
    let rig = rig().await;
    let cases = [("1700000000.1", 8000, 1), ("1700000000.2", 16000, 1), ("1700000000.3", 8000, 1), ("1700000000.10", 8000, 2), ("1700000000.11", 44100, 2)];
    for (uniqueid, rate, channels) in cases {
        // A Range is ignored: the MP3 does not exist yet to take a part of.
        let (status, headers, body) = parts(rig.get("get_file_mp3", Some(KEY), uniqueid, &[("range", "bytes=0-99")]).await).await;
        assert_eq!(status, 200, "{uniqueid}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]));
        assert_eq!(header(&headers, "content-type"), Some("audio/mpeg"));
        assert_eq!(header(&headers, "accept-ranges"), Some("none"));
        assert_eq!(header(&headers, "content-length"), None, "{uniqueid}: streamed, so no length");
        assert_eq!(header(&headers, "content-disposition"), Some(format!("inline; filename=\"{uniqueid}.mp3\"").as_str()));
        let decoded = decode_mp3(body);
        assert_eq!((decoded.rate, decoded.channels), (rate, channels), "{uniqueid}");
        let input = (rate as f32 * SECONDS) as usize;
        // The decoded stream holds the input plus the encoder's delay (528 samples), the padding to
        // whole frames and the last frame's flush: never less, and at most that much more.
        let frame = if rate >= 32_000 { 1152 } else { 576 };
        assert!(decoded.frames >= input && decoded.frames <= input + 528 + 2 * frame, "{uniqueid}: {} frames for {input}", decoded.frames);
        // The tone is there: the loudest decoded sample is near the input's amplitude (0.37).
        assert!((0.25..0.5).contains(&decoded.peak), "{uniqueid}: peak {}", decoded.peak);
    }

    // HEAD: the headers of the encoded answer, nothing encoded.
    let head = client().head(rig.url("/get_file_mp3")).query(&[("uniqueid", "1700000000.1"), ("api_key", KEY)]).send().await.unwrap();
    let (status, headers, body) = parts(head).await;
    assert_eq!((status, header(&headers, "content-type"), body.len()), (200, Some("audio/mpeg"), 0));
    // POST with the parameters in a form, as the original API took them.
    let posted = client()
        .post(rig.url("/get_file_mp3"))
        .form(&[("uniqueid", "1700000000.2"), ("api_key", KEY)])
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(posted).await;
    assert_eq!(status, 200);
    assert_eq!(decode_mp3(body).rate, 16000);

    // A GSM recording cannot be encoded: 415, while its WAV is still served as it is.
    let (status, _, body) = parts(rig.get("get_file_mp3", Some(KEY), "1700000000.5", &[]).await).await;
    assert_eq!((status, code(&body).as_str()), (415, "unsupported_recording"));
    let (status, _, body) = parts(rig.get("get_file_wav", Some(KEY), "1700000000.5", &[]).await).await;
    assert_eq!((status, body), (200, rig.recording("gsm.WAV")));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mp3_starts_before_the_recording_is_read() {
    let rig = rig().await;
    // A recording as MixMonitor leaves it while the call goes on (sizes 0xFFFFFFFF) that holds
    // 4 GiB of audio, 74 hours at 8 kHz (a sparse file: it costs no disk). Its MP3 would be about
    // 1 GiB: more than the plugin's memory, and more than the test would wait for. MP3 frames that
    // arrive at all were sent before the end of the recording was read, so the answer is streamed.
    let mut recording = std::fs::File::create(rig.path("recordings").join("live.wav")).unwrap();
    recording.write_all(&wav_recording(&[])).unwrap();
    recording.set_len(44 + (4u64 << 30)).unwrap();
    drop(recording);

    let mut response = rig.get("get_file_mp3", Some(KEY), "1700000000.9", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(response.headers(), "content-length"), None);
    assert_eq!(header(response.headers(), "transfer-encoding"), Some("chunked"));
    let mut body = Vec::new();
    // A guard against a plugin that never answers (a failure, not a timing check).
    let first = tokio::time::timeout(std::time::Duration::from_secs(300), async {
        while body.len() < 64 * 1024 {
            match response.chunk().await.unwrap() {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => break,
            }
        }
    })
    .await;
    assert!(first.is_ok(), "no MP3 came: the plugin waits for the whole recording");
    assert!(body.len() >= 64 * 1024, "the answer ended after {} bytes", body.len());
    // MPEG-2.5 Layer III frames (8 kHz), the first one audio rather than a tag claiming 0 frames.
    assert_eq!((body[0], body[1] & 0xE6), (0xFF, 0xE2), "{:02x?}", &body[..4]);
    assert!(!body[..200].windows(4).any(|w| w == b"Xing" || w == b"Info"));
    drop(response);

    // The client went away mid-answer; the mount still serves.
    let (status, _, _) = parts(rig.get("get_file_wav", Some(KEY), "1700000000.1", &[("range", "bytes=0-3")]).await).await;
    assert_eq!(status, 206);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_store_exactly_what_was_sent_under_a_safe_free_name() {
    let rig = rig().await;
    let uploads = rig.path("uploads");
    let sound = wav(1, 1, 8000, 16, &pcm16(&tone(8000, 1)));

    let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", b"prompt.wav", &sound).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"data": {"file": "prompt.wav", "size": sound.len()}}));
    assert_eq!(std::fs::read(uploads.join("prompt.wav")).unwrap(), sound);

    // The same name again: stored beside, the first untouched.
    let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", b"prompt.wav", b"second").await;
    assert_eq!((status, &answer["data"]["file"]), (200, &json!("prompt-1.wav")));
    let (_, answer) = upload(&rig, "/api/index", Some(KEY), "file", b"prompt.wav", b"third").await;
    assert_eq!(answer["data"]["file"], "prompt-2.wav");
    assert_eq!(std::fs::read(uploads.join("prompt.wav")).unwrap(), sound);
    assert_eq!(std::fs::read(uploads.join("prompt-1.wav")).unwrap(), b"second");

    // Hostile names: cleaned into one plain name inside the area, or refused.
    let long = format!("{}.wav", "x".repeat(5000));
    let cleaned: &[(&[u8], &str)] = &[
        (b"../../etc/passwd.wav", "passwd.wav"),
        (b"..\\..\\boot.ini.gsm", "boot.ini.gsm"),
        (b"a\0b.wav", "a_b.wav"),
        (b"caf\xc3\xa9 \xff\xfe.mp3", "caf____.mp3"),
        (b"..hidden.ulaw", "hidden.ulaw"),
        (b"Loud.WAV", "Loud.wav"),
    ];
    for (name, stored) in cleaned {
        let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", name, b"bytes").await;
        assert_eq!((status, answer["data"]["file"].as_str()), (200, Some(*stored)), "{}", String::from_utf8_lossy(name));
        assert_eq!(std::fs::read(uploads.join(stored)).unwrap(), b"bytes");
    }
    let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", long.as_bytes(), b"long").await;
    let stored = answer["data"]["file"].as_str().unwrap();
    assert!(status == 200 && stored.len() <= 128 && stored.ends_with(".wav"), "{answer}");
    // A CR LF in the name breaks the part's header line: refused or cleaned, never a header.
    let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", b"a\r\nX-Injected: 1\r\nb.wav", b"crlf").await;
    assert!(status == 400 || status == 200, "{status} {answer}");

    for refused in [b"../../etc/passwd".as_slice(), b".htaccess", b"shell.php", b"x.wav.php", b"..", b".", b"", b"dir/", b"noext"] {
        let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", refused, b"nope").await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_parameter")), "{}", String::from_utf8_lossy(refused));
    }

    // Eight uploads of one name at once: eight files, none replaced, each holding what was sent.
    let mut uploads_at_once = tokio::task::JoinSet::new();
    for i in 0..8u8 {
        let base = rig.base.clone();
        uploads_at_once.spawn(async move {
            let (status, answer) = upload_to(&base, "/api/index", Some(KEY), "file", b"same.wav", &[i; 100]).await;
            assert_eq!(status, 200, "{answer}");
            (answer["data"]["file"].as_str().unwrap().to_string(), i)
        });
    }
    let mut names = Vec::new();
    while let Some(done) = uploads_at_once.join_next().await {
        let (name, i) = done.unwrap();
        assert_eq!(std::fs::read(uploads.join(&name)).unwrap(), [i; 100], "{name}");
        names.push(name);
    }
    names.sort();
    let mut expected: Vec<String> = (1..8).map(|n| format!("same-{n}.wav")).collect();
    expected.insert(0, "same.wav".to_string());
    expected.sort();
    assert_eq!(names, expected);

    // Every file in the area has a plain, visible name: no temporary file left, nothing hidden.
    for entry in std::fs::read_dir(&uploads).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.starts_with('.') && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)), "{name:?}");
    }
    assert!(!rig.root.path().join("etc").exists());
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_refuse_without_a_key_beyond_the_limit_and_without_a_file() {
    let rig = rig().await;
    let uploads = rig.path("uploads");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&uploads).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    };

    let (status, answer) = upload(&rig, "/api/index", None, "file", b"a.wav", b"x").await;
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, answer) = upload(&rig, "/api/index", Some(DISABLED_KEY), "file", b"a.wav", b"x").await;
    assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("user_disabled")));

    // The small mount takes 1000 bytes and not one more.
    let (status, answer) = upload(&rig, "/small/api/index", Some(KEY), "file", b"big.wav", &[7; 1001]).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("file_too_large")), "{answer}");
    assert_eq!(listing(), Vec::<String>::new(), "nothing written");
    let (status, _) = upload(&rig, "/small/api/index", Some(KEY), "file", b"fits.wav", &[7; 1000]).await;
    assert_eq!(status, 200);
    assert_eq!(listing(), ["fits.wav"]);

    // The default mount: 10 MiB.
    let (status, answer) = upload(&rig, "/api/index", Some(KEY), "file", b"huge.wav", &vec![1; 10 * 1024 * 1024 + 1]).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("file_too_large")), "{answer}");
    assert_eq!(listing(), ["fits.wav"], "nothing written");

    // Beyond what the plugin reads of a body at all: the same 413, nothing written. Only the head is
    // sent (a 17 MiB Content-Length): the answer comes from the declared length, so the client is
    // not still writing when the server answers and closes.
    let (status, answer) = declared_upload(&rig, 17 * 1024 * 1024).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("file_too_large")), "{answer}");
    assert_eq!(listing(), ["fits.wav"], "nothing written");

    // The key may come as a form field, as a browser form sends it.
    let boundary = "k";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n{KEY}\r\n").into_bytes();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"keyed.wav\"\r\n\r\nRIFF\r\n--{boundary}--\r\n").as_bytes());
    let keyed = client()
        .post(rig.url("/uploads"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status().as_u16(), 200, "{}", keyed.text().await.unwrap());
    assert_eq!(std::fs::read(uploads.join("keyed.wav")).unwrap(), b"RIFF");
    std::fs::remove_file(uploads.join("keyed.wav")).unwrap();

    // No `file` field, or a plain value in it.
    let (status, answer) = upload(&rig, "/api/index", Some(KEY), "other", b"a.wav", b"x").await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("missing_parameter")), "{answer}");
    let plain = client()
        .post(rig.url("/uploads"))
        .query(&[("api_key", KEY)])
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nnot a file\r\n--b--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status().as_u16(), 400);
    let urlencoded = client().post(rig.url("/uploads")).form(&[("api_key", KEY), ("file", "a.wav")]).send().await.unwrap();
    let (status, _, body) = parts(urlencoded).await;
    assert_eq!((status, code(&body).as_str()), (400, "missing_parameter"));
    let broken = client()
        .post(rig.url("/uploads"))
        .query(&[("api_key", KEY)])
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nnever ends")
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(broken).await;
    assert_eq!((status, code(&body).as_str()), (400, "invalid_parameter"));
    assert_eq!(listing(), ["fits.wav"]);
    rig.stop().await;
}

/// Posts one multipart part `field` with file name `filename` (raw bytes, as a hostile client
/// would send them) to `<mount>/uploads`; the status and the JSON answer.
async fn upload(rig: &Rig, mount: &str, key: Option<&str>, field: &str, filename: &[u8], data: &[u8]) -> (u16, Value) {
    upload_to(&rig.base, mount, key, field, filename, data).await
}

/// A multipart upload whose head declares `length` bytes and whose body is never sent; the status
/// and JSON answer.
async fn declared_upload(rig: &Rig, length: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = rig.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/index/uploads?api_key={KEY} HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{answer}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}")))
}

/// [`upload`] to the host at `base`.
async fn upload_to(base: &str, mount: &str, key: Option<&str>, field: &str, filename: &[u8], data: &[u8]) -> (u16, Value) {
    let boundary = "evolvex-media-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"").into_bytes();
    body.extend_from_slice(filename);
    body.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = client()
        .post(format!("{base}{mount}/uploads"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    if let Some(key) = key {
        request = request.query(&[("api_key", key)]);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

/// `SECONDS` of a 440 Hz tone at 0.37 of full scale, `channels` interleaved.
fn tone(rate: u32, channels: usize) -> Vec<i16> {
    let n = (rate as f32 * SECONDS) as usize;
    (0..n)
        .flat_map(|i| {
            let s = ((i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 12_000.0) as i16;
            std::iter::repeat_n(s, channels)
        })
        .collect()
}

fn pcm16(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// G.711 µ-law codes of `samples` (the encoder of ITU-T G.711).
fn ulaw(samples: &[i16]) -> Vec<u8> {
    samples
        .iter()
        .map(|&s| {
            let sign = if s < 0 { 0x80 } else { 0 };
            let magnitude = (i32::from(s).abs().min(32635) + 0x84) as u32;
            let exponent = 31 - magnitude.leading_zeros() - 7;
            let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
            !(sign | (exponent << 4) as u8 | mantissa as u8)
        })
        .collect()
}

/// A WAV file of format `tag`.
fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut out = wav_header(tag, channels, rate, bits, data.len() as u32);
    out.extend_from_slice(data);
    out
}

/// 8 kHz 16-bit mono as MixMonitor writes it while recording: RIFF and data sizes 0xFFFFFFFF.
fn wav_recording(data: &[u8]) -> Vec<u8> {
    let mut out = wav_header(1, 1, 8000, 16, u32::MAX);
    out[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn wav_header(tag: u16, channels: u16, rate: u32, bits: u16, data_len: u32) -> Vec<u8> {
    let align = channels * bits.div_ceil(8).max(1);
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&data_len.wrapping_add(36).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    out.extend_from_slice(&align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out
}

/// Bytes standing for an MP3 someone else made: served as they are, never decoded.
fn mp3_bytes() -> Vec<u8> {
    let mut bytes = b"ID3\x04\0\0\0\0\0\0".to_vec();
    bytes.extend((0..5000u32).map(|i| (i * 7 % 251) as u8));
    bytes
}

/// What symphonia makes of an MP3 stream.
struct Decoded {
    rate: u32,
    channels: usize,
    /// Samples per channel.
    frames: usize,
    /// The largest absolute sample, in [0, 1].
    peak: f32,
}

fn decode_mp3(bytes: Vec<u8>) -> Decoded {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let source = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let probed = symphonia::default::get_probe()
        .format(&hint, source, &FormatOptions::default(), &MetadataOptions::default())
        .expect("symphonia recognises the stream as MP3");
    let mut format = probed.format;
    let track = format.default_track().expect("an audio track").clone();
    let mut decoder = symphonia::default::get_codecs().make(&track.codec_params, &DecoderOptions::default()).unwrap();
    let mut decoded = Decoded { rate: track.codec_params.sample_rate.unwrap(), channels: 0, frames: 0, peak: 0.0 };
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(symphonia::core::errors::Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => panic!("reading the MP3: {e}"),
        };
        let audio = decoder.decode(&packet).unwrap_or_else(|e| panic!("decoding the MP3: {e}"));
        decoded.channels = audio.spec().channels.count();
        decoded.frames += audio.frames();
        let mut samples = SampleBuffer::<f32>::new(audio.capacity() as u64, *audio.spec());
        samples.copy_interleaved_ref(audio);
        decoded.peak = samples.samples().iter().fold(decoded.peak, |peak, s| peak.max(s.abs()));
    }
    decoded
}

