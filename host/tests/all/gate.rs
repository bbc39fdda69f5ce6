//! Per-mount concurrency: `max_concurrent` run, `queue` wait, the rest get 503 at once.

use crate::util::{base, client, error_code, start, test_plugin};

#[tokio::test]
async fn excess_requests_queue_then_get_503_never_a_crash() {
    let mounts = format!(
        "[[mount]]\nroute = \"/slow\"\nplugin = {:?}\nlimits = {{ max_concurrent = 2, queue = 2, timeout_ms = 10000 }}\n\n\
         [[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n",
        test_plugin("hostile")
    );
    let server = start(&mounts).await;
    let url = base(&server);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let url = format!("{url}/slow/sleep?ms=700");
            tokio::spawn(async move { client().get(url).send().await.unwrap() })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for task in tasks {
        let response = task.await.unwrap();
        match response.status().as_u16() {
            200 => {
                assert_eq!(response.text().await.unwrap(), "slept 700");
                ok += 1;
            }
            503 => {
                assert_eq!(response.headers()["retry-after"], "1");
                assert_eq!(error_code(response).await, "overloaded");
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((ok, refused), (4, 4), "2 running + 2 queued succeed, the other 4 are refused");

    // Another mount was never affected, and the slow one serves again once idle.
    assert_eq!(client().get(format!("{url}/hello")).send().await.unwrap().status(), 200);
    assert_eq!(client().get(format!("{url}/slow/ok")).send().await.unwrap().text().await.unwrap(), "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn a_queued_request_gives_up_after_the_queue_timeout() {
    let mounts = format!(
        "[[mount]]\nroute = \"/slow\"\nplugin = {:?}\nlimits = {{ max_concurrent = 1, queue = 5, timeout_ms = 5000, queue_timeout_ms = 200 }}\n",
        test_plugin("hostile")
    );
    let server = start(&mounts).await;
    let url = base(&server);
    // The first request holds the only slot for 1.5 s; the second may wait only 0.2 s.
    let first = tokio::spawn({
        let url = url.clone();
        async move { client().get(format!("{url}/slow/sleep?ms=1500")).send().await.unwrap().status() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let second = client().get(format!("{url}/slow/sleep?ms=10")).send().await.unwrap();
    assert_eq!(second.status(), 503);
    assert_eq!(error_code(second).await, "overloaded");
    assert_eq!(first.await.unwrap(), 200);
    server.shutdown().await;
}
