//! Test-only plugin: the `sqlite`, file-area, `system` and `pbx` capabilities over HTTP.
//!
//! | path | does |
//! |------|------|
//! | `POST /sql?db=pbx` `{"sql":…,"params":[…]}` | one statement → `{columns, rows, changes, last_insert_rowid}` |
//! | `POST /batch?db=own` (SQL text) | `execute-batch` |
//! | `POST /tx?db=pbx` `[{"sql":…,"params":[…]},…]` | all in one transaction (rolled back on the first error) |
//! | `POST /leave-open?db=pbx` `{"sql":…}` | `BEGIN IMMEDIATE`, the statement, and return without `COMMIT` |
//! | `POST /snapshot?db=pbx` `{"statements":[{"sql":…,"params":[…]},…]}` | `read-snapshot` → `{answers, out_of_transaction}` (see `snapshot`) |
//! | `GET /file?path=/recordings/…` | stream the file (`Response::file`) |
//! | `GET /read?path=…` | read it whole and answer its length |
//! | `POST /write?path=…` (body) | write the body to the file |
//! | `GET /list?path=…` | directory entries |
//! | `GET /system/uptime`, `/system/disks`, `/system/firewall` | the `system` interface as JSON |
//! | `GET /cdr?start=&end=&field=&pattern=&status=&limit=` | an Elastix-shaped CDR report (benchmarks) |
//! | `GET /extensions` | every extension with its endpoint (benchmarks) |
//! | `POST /apply` | `pbx.apply-changes` → `{changed_files, reloaded_modules}` |
//! | `POST /extension` | create the next free extension from 10000 and apply (benchmarks) |
//!
//! Interface errors come back through the SDK's conversions (403 denied, 409 conflict, …); file
//! errors as `{"error":{"code":"<io error kind>"}}` with 404 for not-found, 403 for permission.

use std::io::ErrorKind;

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Value};
use switchboard_sdk::{pbx, system};

fn to_value(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer((*b).into()),
        serde_json::Value::Number(n) => n.as_i64().map_or_else(|| Value::Real(n.as_f64().unwrap_or(0.0)), Value::Integer),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

fn params(json: &serde_json::Value) -> Vec<Value> {
    json.get("params").and_then(|p| p.as_array()).map(|a| a.iter().map(to_value).collect()).unwrap_or_default()
}

fn db(req: &Request) -> Result<sqlite::Connection, Error> {
    Ok(sqlite::open(req.query().get("db").unwrap_or("pbx"))?)
}

fn result_json(columns: &[String], rows: Vec<Vec<serde_json::Value>>, conn: &sqlite::Connection) -> serde_json::Value {
    serde_json::json!({ "columns": columns, "rows": rows, "changes": conn.changes(), "last_insert_rowid": conn.last_insert_rowid() })
}

fn sql(req: &Request) -> Result<Response, Error> {
    let body: serde_json::Value = req.json()?;
    let conn = db(req)?;
    let statement = body["sql"].as_str().ok_or_else(|| Error::bad_request("need sql"))?;
    // `?raw` answers through the WIT `execute` (owned values), otherwise through the SDK's
    // `query` (`execute-packed`): the same JSON either way.
    if req.query().contains("raw") {
        let result = conn.execute(statement, &params(&body))?;
        let rows = result.rows().iter().map(|r| r.values.iter().map(Value::to_json).collect()).collect();
        return Response::json(&result_json(&result.columns, rows, &conn));
    }
    let result = conn.query(statement, &params(&body))?;
    let rows = result.rows().iter().map(|r| r.values().map(|v| v.to_json()).collect()).collect();
    Response::json(&result_json(result.columns(), rows, &conn))
}

fn batch(req: &Request) -> Result<Response, Error> {
    let conn = db(req)?;
    conn.execute_batch(&req.text()?)?;
    Ok(Response::empty(204))
}

fn tx(req: &Request) -> Result<Response, Error> {
    let body: Vec<serde_json::Value> = req.json()?;
    let conn = db(req)?;
    let changes = conn.transaction(|tx| {
        let mut changes = 0;
        for statement in &body {
            tx.query(statement["sql"].as_str().unwrap_or_default(), &params(statement))?;
            changes += tx.changes();
        }
        Ok::<_, Error>(changes)
    })?;
    Response::json(&serde_json::json!({ "changes": changes }))
}

fn leave_open(req: &Request) -> Result<Response, Error> {
    let body: serde_json::Value = req.json()?;
    let conn = db(req)?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    conn.query(body["sql"].as_str().unwrap_or_default(), &params(&body))?;
    Ok(Response::text("left open"))
}

/// `read-snapshot` (the SDK's `query_snapshot`) of `{"statements": [{"sql", "params"}, …]}`:
/// answers each statement's columns and rows (only the row counts with `"counts": true`). With
/// `"within": "<sql>"`, first runs that in a transaction the probe begins (rolled back when the
/// request ends). Afterwards reports whether the connection is out of any transaction
/// (`BEGIN IMMEDIATE` works), which it must be unless `within` began one.
fn snapshot(req: &Request) -> Result<Response, Error> {
    let body: serde_json::Value = req.json()?;
    let conn = db(req)?;
    if let Some(write) = body["within"].as_str() {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.query(write, &[])?;
    }
    let list = body["statements"].as_array().cloned().unwrap_or_default();
    let values: Vec<Vec<Value>> = list.iter().map(params).collect();
    let statements: Vec<(&str, &[Value])> = list.iter().zip(&values).map(|(s, v)| (s["sql"].as_str().unwrap_or_default(), v.as_slice())).collect();
    let answers = conn.query_snapshot(&statements)?;
    let answers: Vec<serde_json::Value> = answers
        .iter()
        .map(|rows| {
            if body["counts"] == true {
                return serde_json::json!(rows.rows().len());
            }
            let values: Vec<Vec<serde_json::Value>> = rows.rows().iter().map(|r| r.values().map(|v| v.to_json()).collect()).collect();
            serde_json::json!({ "columns": rows.columns(), "rows": values })
        })
        .collect();
    let out_of_transaction = body["within"].is_null() && conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK").is_ok();
    Response::json(&serde_json::json!({ "answers": answers, "out_of_transaction": out_of_transaction }))
}

fn io_error(e: std::io::Error) -> Error {
    let status = match e.kind() {
        ErrorKind::NotFound => 404,
        ErrorKind::PermissionDenied => 403,
        _ => 400,
    };
    Error::new(status, format!("{:?}", e.kind()), e.to_string())
}

fn path(req: &Request) -> Result<String, Error> {
    req.query().get("path").map(str::to_string).ok_or_else(|| Error::bad_request("need ?path="))
}

fn file(req: &Request) -> Result<Response, Error> {
    Response::file(path(req)?, "application/octet-stream").map_err(io_error)
}

fn read(req: &Request) -> Result<Response, Error> {
    let bytes = std::fs::read(path(req)?).map_err(io_error)?;
    Response::json(&serde_json::json!({ "length": bytes.len() }))
}

fn write(req: &Request) -> Result<Response, Error> {
    std::fs::write(path(req)?, req.body()).map_err(io_error)?;
    Ok(Response::empty(201))
}

fn list(req: &Request) -> Result<Response, Error> {
    let mut names: Vec<String> = std::fs::read_dir(path(req)?)
        .map_err(io_error)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io_error)?;
    names.sort();
    Response::json(&names)
}

fn uptime(_: &Request) -> Result<Response, Error> {
    let up = system::uptime()?;
    Response::json(&serde_json::json!({
        "seconds": up.seconds, "users": up.users, "load": [up.load1, up.load5, up.load15], "time": up.time, "up": up.up,
    }))
}

fn disks(_: &Request) -> Result<Response, Error> {
    let disks: Vec<_> = system::disks()?
        .into_iter()
        .map(|d| serde_json::json!({
            "area": d.area, "path": d.path, "mount_point": d.mount_point, "filesystem": d.filesystem,
            "size": d.size, "used": d.used, "available": d.available, "area_bytes": d.area_bytes,
        }))
        .collect();
    Response::json(&disks)
}

fn firewall(_: &Request) -> Result<Response, Error> {
    let fw = system::firewall()?;
    Response::json(&serde_json::json!({ "present": fw.present, "running": fw.running, "status": fw.status }))
}

/// The Elastix `cdrreport` query shape: optional date range, field substring, status, newest first.
fn cdr(req: &Request) -> Result<Response, Error> {
    let q = req.query();
    let mut sql = String::from(
        "SELECT calldate, src, dst, channel, dstchannel, disposition, uniqueid, duration, billsec, accountcode, recordingfile \
         FROM cdr WHERE dst <> 's'",
    );
    let mut args: Vec<Value> = Vec::new();
    if let (Some(start), Some(end)) = (q.get("start"), q.get("end")) {
        sql.push_str(" AND calldate BETWEEN ? AND ?");
        args.push(start.into());
        args.push(end.into());
    }
    if let (Some(field), Some(pattern)) = (q.get("field"), q.get("pattern")) {
        let column = match field {
            "src" | "dst" | "channel" | "dstchannel" | "accountcode" => field,
            _ => return Err(Error::bad_request("bad field")),
        };
        sql.push_str(&format!(" AND {column} LIKE '%' || ? || '%'"));
        args.push(pattern.into());
    }
    if let Some(status) = q.get("status").filter(|s| *s != "ALL") {
        sql.push_str(" AND disposition = ?");
        args.push(status.into());
    }
    sql.push_str(" ORDER BY calldate DESC LIMIT ?");
    args.push(q.get("limit").and_then(|l| l.parse::<i64>().ok()).unwrap_or(100).into());
    let conn = sqlite::open("pbx")?;
    let result = conn.query(&sql, &args)?;
    Response::json(&result.to_json())
}

fn extensions(_: &Request) -> Result<Response, Error> {
    let conn = sqlite::open("pbx")?;
    let result = conn.query(
        "SELECT e.number, e.name, e.secret, e.technology, e.context, e.voicemail, p.callerid, p.allow \
         FROM extensions e LEFT JOIN ps_endpoints p ON p.id = e.number ORDER BY e.number",
        &[],
    )?;
    Response::json(&result.to_json())
}

fn apply(_: &Request) -> Result<Response, Error> {
    let applied = pbx::apply_changes()?;
    Response::json(&serde_json::json!({ "changed_files": applied.changed_files, "reloaded_modules": applied.reloaded_modules }))
}

/// What an API's "create extension" does: pick a number, write the row, apply.
fn create_extension(_: &Request) -> Result<Response, Error> {
    let conn = sqlite::open("pbx")?;
    let number = conn.transaction(|tx| {
        let next = tx.query("SELECT CAST(coalesce(max(CAST(number AS INTEGER)), 9999) + 1 AS TEXT) FROM extensions WHERE CAST(number AS INTEGER) >= 10000", &[])?;
        let number = next.rows()[0].text(0);
        tx.query(
            "INSERT INTO extensions (number, name, secret, voicemail) VALUES (?, ?, ?, 'default')",
            &[number.as_str().into(), format!("Bench {number}").into(), "bench-secret".into()],
        )?;
        Ok::<_, Error>(number)
    })?;
    pbx::apply_changes()?;
    Ok(Response::json(&serde_json::json!({ "number": number }))?.with_status(201))
}

fn router() -> Router {
    Router::new()
        .post("/sql", sql)
        .post("/batch", batch)
        .post("/tx", tx)
        .post("/leave-open", leave_open)
        .post("/snapshot", snapshot)
        .get("/file", file)
        .get("/read", read)
        .post("/write", write)
        .get("/list", list)
        .get("/system/uptime", uptime)
        .get("/system/disks", disks)
        .get("/system/firewall", firewall)
        .get("/cdr", cdr)
        .get("/extensions", extensions)
        .post("/apply", apply)
        .post("/extension", create_extension)
}

switchboard_sdk::plugin!(router: router);
