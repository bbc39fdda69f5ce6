//! File areas: a granted area is a preopened directory in the plugin's filesystem, read-only or
//! read-write; nothing outside it is reachable (`..`, absolute paths, symlinks); large files
//! stream in bounded memory.

use std::io::Read as _;
use std::path::Path;

use crate::util::{base, client, peak_rss_kib, start, terminate, test_plugin};

/// `[areas]` under `root` and two mounts: `/f` (recordings read-only, uploads read-write), `/bare`.
fn config(root: &Path) -> String {
    let p = test_plugin("store-probe");
    format!(
        "[areas]\nrecordings = {rec:?}\nuploads = {up:?}\n\n\
         [[mount]]\nroute = \"/f\"\nplugin = {p:?}\ngrants = {{ files = {{ recordings = \"read-only\", uploads = \"read-write\" }} }}\n\n\
         [[mount]]\nroute = \"/bare\"\nplugin = {p:?}\n",
        rec = root.join("recordings").display().to_string(),
        up = root.join("uploads").display().to_string(),
    )
}

/// A recording, a secret outside the areas, and symlinks that point out.
fn layout(root: &Path) {
    let day = root.join("recordings/2024/05/01");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(day.join("call.wav"), b"RIFF-recording-bytes").unwrap();
    std::fs::write(root.join("secret.txt"), b"TOP SECRET").unwrap();
    std::os::unix::fs::symlink(root.join("secret.txt"), root.join("recordings/link-out")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.join("recordings/relative-out")).unwrap();
    std::os::unix::fs::symlink("/etc", root.join("recordings/etc")).unwrap();
    std::os::unix::fs::symlink("2024/05/01/call.wav", root.join("recordings/inside")).unwrap();
}

async fn get(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn granted_areas_are_readable_and_nothing_outside_them_is() {
    let root = tempfile::tempdir().unwrap();
    layout(root.path());
    let server = start(&config(root.path())).await;
    let url = base(&server);

    let response = client().get(format!("{url}/f/file?path=/recordings/2024/05/01/call.wav")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "20");
    assert_eq!(response.text().await.unwrap(), "RIFF-recording-bytes");
    // A symlink that stays inside the area is followed.
    assert_eq!(get(&format!("{url}/f/file?path=/recordings/inside")).await, (200, "RIFF-recording-bytes".into()));
    let (status, body) = get(&format!("{url}/f/list?path=/recordings")).await;
    assert_eq!((status, body.as_str()), (200, r#"["2024","etc","inside","link-out","relative-out"]"#));

    let escapes = [
        "/recordings/../secret.txt",
        "/recordings/2024/../../secret.txt",
        "/recordings/link-out",
        "/recordings/relative-out",
        "/recordings/etc/passwd",
        "/etc/passwd",
        &format!("{}", root.path().join("secret.txt").display()),
        "/uploads/../recordings/../secret.txt",
        "secret.txt",
    ];
    for path in escapes {
        for op in ["file", "read"] {
            let (status, body) = get(&format!("{url}/f/{op}?path={}", urlencode(path))).await;
            assert!(status == 403 || status == 404 || status == 400, "{op} {path}: {status} {body}");
            assert!(!body.contains("TOP SECRET") && !body.contains("root:"), "{op} {path}: {body}");
        }
    }
    // A mount without the grant sees no area at all.
    let (status, _) = get(&format!("{url}/bare/file?path=/recordings/2024/05/01/call.wav")).await;
    assert!(status == 403 || status == 404, "{status}");
    server.shutdown().await;
}

#[tokio::test]
async fn writes_need_a_read_write_grant_and_stay_inside_the_area() {
    let root = tempfile::tempdir().unwrap();
    layout(root.path());
    let server = start(&config(root.path())).await;
    let url = base(&server);
    let write = |path: &str| client().post(format!("{url}/f/write?path={}", urlencode(path))).body("uploaded").send();

    assert_eq!(write("/uploads/new.txt").await.unwrap().status(), 201);
    assert_eq!(std::fs::read_to_string(root.path().join("uploads/new.txt")).unwrap(), "uploaded");

    for path in ["/recordings/new.txt", "/recordings/2024/05/01/call.wav", "/uploads/../evil.txt", "/uploads/../recordings/x.txt"] {
        let response = write(path).await.unwrap();
        assert!(!response.status().is_success(), "{path}: {}", response.status());
    }
    assert!(!root.path().join("recordings/new.txt").exists());
    assert!(!root.path().join("evil.txt").exists());
    assert!(!root.path().join("recordings/x.txt").exists());
    assert_eq!(std::fs::read(root.path().join("recordings/2024/05/01/call.wav")).unwrap(), b"RIFF-recording-bytes");
    server.shutdown().await;
}

/// Streams a 100 MB recording through the real binary and checks the host's peak memory stays
/// far below the file's size (the plugin reads and writes 64 KiB at a time).
#[test]
fn a_100_mb_recording_streams_with_bounded_memory() {
    const SIZE: u64 = 100 * 1000 * 1000;
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("recordings")).unwrap();
    let big = std::fs::File::create(root.path().join("recordings/big.wav")).unwrap();
    big.set_len(SIZE).unwrap();
    let path = crate::util::write_config(root.path(), &config(root.path()));
    let (mut child, lines) = crate::util::serve(&path, "-> http://");
    let url = crate::util::served_url(lines.iter().find(|l| l.contains("/f")).unwrap());
    let url = url.trim_end_matches("/f").to_string();

    let before = peak_rss_kib(child.id());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let received = rt.block_on(async {
        let mut response = client().get(format!("{url}/f/file?path=/recordings/big.wav")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-length"], SIZE.to_string().as_str());
        let mut received = 0u64;
        while let Some(chunk) = response.chunk().await.unwrap() {
            received += chunk.len() as u64;
        }
        received
    });
    assert_eq!(received, SIZE);
    let peak = peak_rss_kib(child.id());
    terminate(&mut child);
    eprintln!("host peak RSS: {before} KiB before, {peak} KiB after streaming {SIZE} bytes");
    assert!(peak < 80 * 1024, "the host's peak RSS grew to {peak} KiB streaming a 100 MB file (before: {before} KiB)");
    assert!(peak.saturating_sub(before) < 32 * 1024, "peak RSS grew by {} KiB", peak - before);
    let mut _rest = String::new();
    let _ = child.stdout.take().map(|mut s| s.read_to_string(&mut _rest));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
