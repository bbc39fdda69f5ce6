//! Requests reach plugins through mounts, unchanged, and the mount table routes by longest prefix.

use crate::util::{base, client, error_code, start};

#[tokio::test]
async fn hello_answers_through_its_mount_with_its_settings() {
    let server = start("[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\nsettings = { greeting = \"Hi there\" }\n").await;
    let url = base(&server);
    let response = client().get(format!("{url}/hello")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "Hi there");

    let named: serde_json::Value = client().get(format!("{url}/hello/Ada")).send().await.unwrap().json().await.unwrap();
    assert_eq!(named, serde_json::json!({ "greeting": "Hi there, Ada!" }));
    server.shutdown().await;
}

#[tokio::test]
async fn path_query_headers_and_body_reach_the_plugin_unchanged() {
    let server = start("[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n").await;
    let body = "päivää {\"x\": [1,2]}\r\nline two";
    let response = client()
        .put(format!("{}/hello/echo/a%2Fb/c?q=%20space&q=two&empty=&utf=%C3%A4", base(&server)))
        .header("X-Custom", "one")
        .header("x-custom", "two")
        .header("Authorization", "Bearer abc.def")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let echo: serde_json::Value = response.json().await.unwrap();
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["path"], "/hello/echo/a%2Fb/c", "the original path, prefix and encoding kept");
    assert_eq!(echo["query"], "q=%20space&q=two&empty=&utf=%C3%A4");
    assert_eq!(echo["body"], body);
    let headers: Vec<(String, String)> = echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_string(), pair[1].as_str().unwrap().to_string()))
        .collect();
    let custom: Vec<&str> = headers.iter().filter(|(n, _)| n == "x-custom").map(|(_, v)| v.as_str()).collect();
    assert_eq!(custom, ["one", "two"], "repeated headers keep their order");
    assert!(headers.contains(&("authorization".into(), "Bearer abc.def".into())));
    assert!(headers.contains(&("content-length".into(), body.len().to_string())));
    server.shutdown().await;
}

/// Sends `request` as raw bytes on a new connection (with `Connection: close`) and answers the
/// hello echo's JSON body.
async fn raw_echo(server: &switchboard::Server, request: String) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base(server).trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(request.replace("{addr}", &addr).as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn content_length(echo: &serde_json::Value) -> Vec<&str> {
    let headers = echo["headers"].as_array().unwrap();
    headers.iter().filter(|pair| pair[0] == "content-length").map(|pair| pair[1].as_str().unwrap()).collect()
}

/// The host tells a plugin that a request has no body with `Content-Length: 0` (the SDK then skips
/// reading it), and never claims it for a body it cannot see the end of: a chunked body (its
/// `Transfer-Encoding` is hidden from plugins) arrives whole.
#[tokio::test]
async fn request_bodies_arrive_whole_however_they_are_framed() {
    let server = start("[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n").await;

    let get = raw_echo(&server, "GET /hello/echo HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n".into()).await;
    assert_eq!((get["method"].as_str(), get["body"].as_str()), (Some("GET"), Some("")));
    assert_eq!(content_length(&get), ["0"], "a request without a body says so");

    let chunked = raw_echo(
        &server,
        "POST /hello/echo HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
            .into(),
    )
    .await;
    assert_eq!(chunked["body"], "hello, world");
    assert!(content_length(&chunked).is_empty(), "no length is made up for a chunked body");

    let get_with_body = raw_echo(
        &server,
        "GET /hello/echo HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n\
         3\r\nabc\r\n0\r\n\r\n"
            .into(),
    )
    .await;
    assert_eq!(get_with_body["body"], "abc", "a GET with a body is read too");

    // Both framings at once (a smuggling shape): the chunked body wins, no `Content-Length` is passed
    // on, and the SDK does not take the body for empty.
    let both = raw_echo(
        &server,
        "POST /hello/echo HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n0\r\n\r\n"
            .into(),
    )
    .await;
    assert_eq!((both["body"].as_str(), content_length(&both)), (Some("hello"), vec![]));

    let empty_post = raw_echo(&server, "POST /hello/echo HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".into()).await;
    assert_eq!((empty_post["body"].as_str(), content_length(&empty_post)), (Some(""), vec!["0"]));
    server.shutdown().await;
}

#[tokio::test]
async fn longest_prefix_wins_and_routes_match_whole_segments() {
    let server = start(
        "[[mount]]\nroute = \"/api\"\nplugin = \"hello\"\nsettings = { greeting = \"outer\" }\n\n\
         [[mount]]\nroute = \"/api/index\"\nplugin = \"hello\"\nsettings = { greeting = \"inner\" }\n",
    )
    .await;
    let url = base(&server);
    let get = |path: &str| client().get(format!("{url}{path}")).send();
    assert_eq!(get("/api/index").await.unwrap().text().await.unwrap(), "inner");
    let inner: serde_json::Value = get("/api/index/x").await.unwrap().json().await.unwrap();
    assert_eq!(inner["greeting"], "inner, x!");
    let outer: serde_json::Value = get("/api/indexed").await.unwrap().json().await.unwrap();
    assert_eq!(outer["greeting"], "outer, indexed!", "`/api/indexed` is not under `/api/index`");
    assert_eq!(get("/api").await.unwrap().text().await.unwrap(), "outer");

    let unmounted = get("/apix").await.unwrap();
    assert_eq!(unmounted.status(), 404);
    assert_eq!(error_code(unmounted).await, "no_mount");
    server.shutdown().await;
}

#[tokio::test]
async fn dot_segments_never_reach_a_plugin() {
    let server = start("[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n").await;
    let url = base(&server);
    for path in ["/hello/../_switchboard/health", "/hello/%2e%2e/x", "/hello/./echo", "/hello/%2E/echo"] {
        // reqwest would normalise `..` itself; send the raw request line.
        let response = raw_get(&url, path).await;
        assert!(response.starts_with("HTTP/1.1 400"), "{path}: {response}");
        assert!(response.contains("\"bad_path\""), "{path}: {response}");
    }
    server.shutdown().await;
}

/// Sends `GET path` byte for byte, returns the raw response.
async fn raw_get(base: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn health_lists_the_mounts() {
    let server = start("[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n").await;
    let health: serde_json::Value =
        client().get(format!("{}/_switchboard/health", base(&server))).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    // No request has run yet, so no instance is idle.
    assert_eq!(health["mounts"], serde_json::json!([{ "route": "/hello", "plugin": "hello", "idle_instances": 0 }]));
    server.shutdown().await;
}

#[tokio::test]
async fn a_plugin_loads_from_a_wasm_file_and_is_cached_compiled() {
    let cache = tempfile::tempdir().unwrap();
    let text = format!(
        "[[listener]]\naddress = \"127.0.0.1:0\"\n[runtime]\ncache_dir = {:?}\n[[mount]]\nroute = \"/h\"\nplugin = {:?}\n",
        cache.path().display().to_string(),
        crate::util::test_plugin("hostile"),
    );
    let config = switchboard::config::parse(&text, std::path::Path::new("t.toml")).unwrap();
    let server = switchboard::Server::start(&config).await.unwrap();
    let response = client().get(format!("{}/h/ok", base(&server))).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    server.shutdown().await;
    let entries: Vec<_> = std::fs::read_dir(cache.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].extension().unwrap(), "cwasm");

    // A corrupt entry is not trusted: it is recompiled and replaced.
    std::fs::write(&entries[0], b"not a compiled component").unwrap();
    let server = switchboard::Server::start(&config).await.unwrap();
    let response = client().get(format!("{}/h/ok", base(&server))).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    server.shutdown().await;
    assert!(std::fs::metadata(&entries[0]).unwrap().len() > 1000, "the corrupt entry was replaced");
}
