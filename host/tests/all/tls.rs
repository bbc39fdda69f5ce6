//! HTTPS listeners on the real server over loopback: a client that trusts nothing but the
//! persisted self-signed certificate verifies it, and still does after a restart (the same
//! certificate, byte for byte); a certificate and key the admin gives are served, and replaced
//! ones are served without a restart while a broken replacement is not; a client that offers `h2`
//! gets HTTP/2 (a plugin's streamed body included) and one that does not gets HTTP/1.1; a `tls` table
//! with a missing key file, or a self-signed listener without a store, is a located config error.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::Arc;

use http_body_util::{BodyExt as _, Empty};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use switchboard::config;

use crate::util::Rig;

/// What one HTTPS request saw.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// The protocol ALPN settled on.
    alpn: Option<Vec<u8>>,
}

/// A client configuration that trusts exactly the certificates in `pem` and offers `h2` and
/// `http/1.1`, as browsers do.
pub(crate) fn trusting(pem: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

/// `GET path` over TLS to `address`, verifying the server as `name`.
async fn get(client: Arc<rustls::ClientConfig>, address: SocketAddr, name: &str, path: &str) -> Result<Answer, String> {
    get_with(client, address, name, path, &[]).await
}

/// [`get`] with more request headers. The request is HTTP/1.1, so the client offers only that
/// (whatever `client` offers otherwise).
pub(crate) async fn get_with(
    client: Arc<rustls::ClientConfig>,
    address: SocketAddr,
    name: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Answer, String> {
    let mut client = (*client).clone();
    client.alpn_protocols = vec![b"http/1.1".to_vec()];
    let client = Arc::new(client);
    let tcp = tokio::net::TcpStream::connect(address).await.map_err(|e| e.to_string())?;
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let tls = tokio_rustls::TlsConnector::from(client).connect(server_name, tcp).await.map_err(|e| e.to_string())?;
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let mut request = hyper::Request::get(path).header("host", name);
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    let request = request.body(Empty::<bytes::Bytes>::new()).unwrap();
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Answer { status, body: String::from_utf8_lossy(&body).into_owned(), alpn })
}

const SELF_SIGNED: &str = "[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\n\n\
                           [[listener]]\nname = \"secure\"\naddress = \"127.0.0.1:0\"\ntls = { self_signed = true }\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trusting_only_the_persisted_self_signed_certificate_verifies_it_across_a_restart() {
    let rig = Rig::builder().listeners(SELF_SIGNED).store().start().await;
    let (cert_path, key_path) = (rig.path("store/tls/secure.crt"), rig.path("store/tls/secure.key"));
    let pem = std::fs::read(&cert_path).expect("the certificate is persisted in the store");
    assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600, "the key is the owner's alone");
    let der = CertificateDer::from_pem_slice(&pem).unwrap();
    assert_eq!(rig.server.fingerprint("secure"), Some(switchboard::http::fingerprint(&der).as_str()));
    assert_eq!(rig.server.fingerprint("main"), None, "the plain listener has no certificate");

    let client = trusting(&pem);
    let address = rig.server.address("secure").unwrap();
    for name in ["localhost", "127.0.0.1"] {
        let answer = get(client.clone(), address, name, "/_switchboard/health").await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.body.contains(r#""status":"ok""#), "{}", answer.body);
        assert_eq!(answer.alpn.as_deref(), Some(&b"http/1.1"[..]), "a client that offers only HTTP/1.1 gets it");
    }
    // A name the certificate does not carry, and a client that trusts another certificate, fail.
    assert!(get(client.clone(), address, "switchboard.invalid", "/_switchboard/health").await.is_err());
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let stranger = trusting(other.cert.pem().as_bytes());
    let refused = get(stranger, address, "localhost", "/_switchboard/health").await.err().expect("an unknown certificate is refused");
    assert!(refused.contains("certificate"), "{refused}");
    // Plain HTTP on the HTTPS port gets no HTTP answer, and a client that connects and says
    // nothing holds up no one: the listener goes on serving TLS meanwhile.
    let plain_to_tls = crate::util::client().get(format!("http://{address}/_switchboard/health")).send().await;
    assert!(plain_to_tls.is_err(), "{plain_to_tls:?}");
    let silent = tokio::net::TcpStream::connect(address).await.unwrap();
    let answer = get(client.clone(), address, "localhost", "/_switchboard/health").await.expect("served beside a silent client");
    assert_eq!(answer.status, 200);
    drop(silent);
    // The plain listener still speaks plain HTTP.
    let plain = crate::util::client().get(format!("{}/_switchboard/health", rig.base)).send().await.unwrap();
    assert_eq!(plain.status(), 200);

    let fingerprint = rig.server.fingerprint("secure").unwrap().to_string();
    let rig = rig.restart().await;
    assert_eq!(std::fs::read(&cert_path).unwrap(), pem, "the same certificate after a restart");
    assert_eq!(rig.server.fingerprint("secure"), Some(fingerprint.as_str()));
    let address = rig.server.address("secure").unwrap();
    let answer = get(client, address, "localhost", "/_switchboard/health").await.expect("the old trust still verifies");
    assert_eq!(answer.status, 200);
    rig.stop().await;
}

/// A reqwest client over `tls` (its roots and ALPN offer).
fn reqwest_over(tls: &rustls::ClientConfig) -> reqwest::Client {
    reqwest::Client::builder().use_preconfigured_tls(tls.clone()).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_offering_h2_gets_http2_with_a_streamed_plugin_body_and_http1_still_works() {
    let rig = Rig::builder().listeners(SELF_SIGNED).store().mount("/probe", &crate::util::test_plugin("probe"), "").start().await;
    let pem = std::fs::read(rig.path("store/tls/secure.crt")).unwrap();
    let url = format!("https://localhost:{}", rig.server.address("secure").unwrap().port());
    let h2 = trusting(&pem);
    let mut http1 = (*h2).clone();
    http1.alpn_protocols = vec![b"http/1.1".to_vec()];
    for (client, version) in [(reqwest_over(&h2), reqwest::Version::HTTP_2), (reqwest_over(&http1), reqwest::Version::HTTP_11)] {
        // Several requests on one client: over HTTP/2 they share its connection.
        for n in [3, 50] {
            let response = client.get(format!("{url}/probe/log?n={n}")).send().await.unwrap();
            assert_eq!(response.version(), version);
            assert_eq!(response.status(), 200);
            assert!(response.headers().contains_key("x-request-id"));
            let expected: String = (0..n).map(|i| format!("chunk {i}\n")).collect();
            assert_eq!(response.text().await.unwrap(), expected, "{version:?}");
        }
        let health = client.get(format!("{url}/_switchboard/health")).send().await.unwrap();
        assert_eq!((health.version(), health.status().as_u16()), (version, 200));
        let missing = client.get(format!("{url}/nowhere")).send().await.unwrap();
        assert_eq!((missing.version(), missing.status().as_u16()), (version, 404));
    }
    rig.stop().await;
}

/// A certificate for `localhost` and its key, written as PEM files into `dir`.
fn write_pair(dir: &Path) -> (String, Vec<u8>) {
    let pair = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("given.crt"), pair.cert.pem()).unwrap();
    std::fs::write(dir.join("given.key"), pair.signing_key.serialize_pem()).unwrap();
    (dir.display().to_string(), pair.cert.pem().into_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_certificate_and_key_are_served() {
    let files = tempfile::tempdir().unwrap();
    let (dir, pem) = write_pair(files.path());
    let listeners = format!(
        "[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\ntls = {{ cert = \"{dir}/given.crt\", key = \"{dir}/given.key\" }}\n"
    );
    let server = crate::util::start_config(&crate::util::config_text(Some(&listeners), "")).await;
    let der = CertificateDer::from_pem_slice(&pem).unwrap();
    assert_eq!(server.fingerprint("main"), Some(switchboard::http::fingerprint(&der).as_str()));
    let answer = get(trusting(&pem), server.address("main").unwrap(), "localhost", "/_switchboard/health").await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    server.shutdown().await;
}

#[test]
fn check_locates_a_missing_key_file_and_lists_https_listeners() {
    let files = tempfile::tempdir().unwrap();
    let (dir, _) = write_pair(files.path());
    let listeners = |key: &str| {
        format!(
            "[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\ntls = {{ cert = \"{dir}/given.crt\", key = \"{dir}/{key}\" }}\n\n\
             [[listener]]\nname = \"secure\"\naddress = \"127.0.0.1:0\"\ntls = {{ self_signed = true }}\n\n\
             [store]\ndir = \"{dir}/store\"\n"
        )
    };
    let check = |text: String| {
        let path = files.path().join("switchboard.toml");
        std::fs::write(&path, text).unwrap();
        std::process::Command::new(crate::util::BIN).args(["check", "--config"]).arg(&path).output().unwrap()
    };
    let out = check(listeners("missing.key"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("switchboard.toml:4:") && stderr.contains("tls.key") && stderr.contains("missing.key"), "{stderr}");
    let out = check(listeners("given.key"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("listener main: https://127.0.0.1:0 (certificate {dir}/given.crt)")), "{stdout}");
    assert!(stdout.contains(&format!("listener secure: https://127.0.0.1:0 (self-signed certificate {dir}/store/tls/secure.crt")), "{stdout}");
    assert!(!files.path().join("store/tls").exists(), "check generates nothing");
}

fn problems(text: &str) -> Vec<config::Problem> {
    match config::parse(text, Path::new("sb.toml")) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(e) => e.0,
    }
}

#[test]
fn a_missing_key_file_and_a_self_signed_listener_without_a_store_are_located_errors() {
    let files = tempfile::tempdir().unwrap();
    let (dir, _) = write_pair(files.path());
    let text = format!(
        "[[listener]]\naddress = \"127.0.0.1:0\"\ntls = {{ cert = \"{dir}/given.crt\", key = \"{dir}/missing.key\" }}\n\n\
         [[listener]]\nname = \"b\"\naddress = \"127.0.0.1:0\"\ntls = {{ self_signed = true }}\n\n\
         [[listener]]\nname = \"c\"\naddress = \"127.0.0.1:0\"\ntls = {{ cert = \"{dir}/given.key\" }}\n\n\
         [[listener]]\nname = \"d\"\naddress = \"127.0.0.1:0\"\ntls = {{ cert = \"{dir}/given.key\", key = \"{dir}/given.key\" }}\n"
    );
    let found = problems(&text);
    let key_column = text.lines().nth(2).unwrap().find("\"{dir}/missing.key\"".replace("{dir}", &dir).as_str()).unwrap() + 1;
    let at = |line: usize, column: usize| format!("sb.toml:{line}:{column}");
    let has = |location: &str, needle: &str| found.iter().any(|p| p.location == location && p.message.contains(needle));
    assert!(has(&at(3, key_column), "tls.key"), "{found:#?}");
    assert!(has(&at(3, key_column), "cannot be read"), "{found:#?}");
    assert!(has(&at(8, 7), "[store]"), "{found:#?}");
    assert!(has(&at(13, 7), "tls.cert is given without tls.key"), "{found:#?}");
    assert!(found.iter().any(|p| p.location.starts_with("sb.toml:18:") && p.message.contains("tls.cert") && p.message.contains("holds no PEM certificate")), "{found:#?}");
    assert_eq!(found.len(), 4, "{found:#?}");
}

/// The leaf certificate a new TLS connection to `address` is shown.
async fn served_certificate(client: Arc<rustls::ClientConfig>, address: SocketAddr) -> Vec<u8> {
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(client).connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

#[test]
fn a_replaced_certificate_is_served_without_a_restart_and_a_broken_one_is_not() {
    let files = tempfile::tempdir().unwrap();
    let (dir, first) = write_pair(files.path());
    let config = files.path().join("switchboard.toml");
    let listeners = format!(
        "[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\ntls = {{ cert = \"{dir}/given.crt\", key = \"{dir}/given.key\" }}\n"
    );
    std::fs::write(&config, crate::util::config_text(Some(&listeners), "[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n")).unwrap();
    let mut child = std::process::Command::new(crate::util::BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, log) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stderr).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| loop {
        let line = log.recv_timeout(std::time::Duration::from_secs(60)).unwrap_or_else(|_| panic!("no `{needle}` logged"));
        if line.contains(needle) {
            break;
        }
    };
    let printed = crate::util::read_until(&mut child, "/hello", std::time::Duration::from_secs(60));
    let url = crate::util::served_url(&printed[printed.len() - 1]);
    let address: SocketAddr = url.trim_start_matches("https://").trim_end_matches("/hello").parse().unwrap();

    // A new pair, key first, each renamed into place as certbot's deploy hooks do.
    let second = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let replace = |name: &str, text: &str| {
        let temp = files.path().join(format!("{name}.new"));
        std::fs::write(&temp, text).unwrap();
        std::fs::rename(&temp, files.path().join(name)).unwrap();
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut both = first.clone();
    both.extend_from_slice(second.cert.pem().as_bytes());
    let client = trusting(&both);
    let der = |pem: &[u8]| CertificateDer::from_pem_slice(pem).unwrap().to_vec();
    assert_eq!(runtime.block_on(served_certificate(client.clone(), address)), der(&first));

    replace("given.key", &second.signing_key.serialize_pem());
    replace("given.crt", &second.cert.pem());
    wait_for("serving a new TLS certificate");
    assert_eq!(runtime.block_on(served_certificate(client.clone(), address)), der(second.cert.pem().as_bytes()), "the new certificate, no restart");

    // A certificate whose key is not beside it: refused, and the second pair goes on being served.
    let third = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    replace("given.crt", &third.cert.pem());
    wait_for("cannot be served");
    assert_eq!(runtime.block_on(served_certificate(client, address)), der(second.cert.pem().as_bytes()), "the last good pair");
    assert!(crate::util::terminate(&mut child).success());
}
