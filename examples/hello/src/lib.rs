//! The smallest useful Switchboard plugin: a greeting, a greeting by name, and an echo of the request.

use switchboard_sdk::prelude::*;
use switchboard_sdk::settings;

fn router() -> Router {
    Router::new()
        .get("/", |_: &Request| {
            Ok(Response::text(
                settings::get("greeting").unwrap_or_else(|| "Hello from Switchboard!".into()),
            ))
        })
        .get("/{name}", |req: &Request| {
            let greeting = settings::get("greeting").unwrap_or_else(|| "Hello".into());
            let name = req.param("name").unwrap_or_default();
            Response::json(&serde_json::json!({ "greeting": format!("{greeting}, {name}!") }))
        })
        .any("/echo", echo)
        .any("/echo/{*rest}", echo)
}

/// Everything the plugin received, unchanged: tests compare it with what they sent.
fn echo(req: &Request) -> Result<Response, Error> {
    let headers: Vec<(&str, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n, String::from_utf8_lossy(v).into_owned()))
        .collect();
    Response::json(&serde_json::json!({
        "method": req.method(),
        "path": req.path(),
        "query": req.query_string(),
        "headers": headers,
        "body": String::from_utf8_lossy(req.body()),
    }))
}

switchboard_sdk::plugin!(router: router);
