//! One module per command group; [`run`] dispatches on `cmd`.

pub(crate) mod asterisk;
pub(crate) mod cdr;
pub(crate) mod extension_writes;
mod extensions;
mod followme;
mod recordings;
mod system;

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection};
use switchboard_sdk::{pbx, php_json, schema};

use switchboard_sdk::php_json::Json;

/// A 200 `application/json` answer with PHP-style JSON.
pub fn json(value: &Json) -> Response {
    Response::php_json(value)
}

/// Runs `write` in one `pbx` transaction; if it reports a change, applies the configuration to the
/// PBX; then answers the original's `{"status": "<status>", "code": 200}` (which it sent whether or
/// not anything changed).
///
/// All or nothing: a failed write rolls back and answers the error, having changed nothing (a
/// value the database refuses becomes the 4xx [`refusal`] names). Once the write commits, the
/// answer is the success, even if the PBX cannot take it yet: the change is durable and the next
/// apply-changes that succeeds renders it ([`pbx::apply_after_commit`] logs why it is pending).
/// A mount that may not apply at all (no `apply_changes` grant) is refused before the write, so
/// it never answers success for a change that could not reach the PBX.
pub fn write_then_apply(status: &str, write: impl FnOnce(&Connection) -> Result<bool, Error>) -> Result<Response, Error> {
    pbx::can_apply()?;
    let changed = sqlite::open("pbx")?.transaction(write).map_err(named)?;
    if changed {
        pbx::apply_after_commit();
    }
    Ok(Response::bytes("application/json", format!(r#"{{"status": "{status}", "code": 200}}"#)))
}

/// The form of a write: a field that is not UTF-8 is refused, naming it (400), never stored
/// altered.
pub fn form(req: &Request) -> Result<Params, Error> {
    req.form_strict()
}

/// An extension number from form field `key`: 1 to 20 digits, as the `pbx` model holds them.
pub fn number_field(form: &Params, key: &str) -> Result<String, Error> {
    let n = form.get(key).unwrap_or_default().trim();
    checked(key, "extensions", "number", n)?;
    Ok(n.to_string())
}

/// `value` of form field `field`, checked against the schema's rule for `table.column`: a 422
/// naming the field, in the API's words, when the database would refuse it.
pub fn checked<'v>(field: &str, table: &str, column: &str, value: &'v str) -> Result<&'v str, Error> {
    schema::check(table, column, value).map_err(|refusal| Error::unprocessable(format!("`{field}` {}", refusal.why)))?;
    Ok(value)
}

/// The form field each column is written from, for refusals the database makes itself (a rule
/// the command did not check first, such as an extension number that is a trunk's name).
const FIELDS: [(&str, &str, &str); 15] = [
    ("extensions", "number", "account"),
    ("extensions", "name", "callerid"),
    ("extensions", "callerid", "callerid"),
    ("extensions", "context", "context"),
    ("extensions", "secret", "secret"),
    ("device_options", "number", "account"),
    ("follow_me", "extension", "grpnum"),
    ("follow_me", "strategy", "strategy"),
    ("follow_me", "ring_time", "grptime"),
    ("follow_me", "prefix", "grppre"),
    ("follow_me", "post_destination", "postdest"),
    ("follow_me", "alert_info", "dring"),
    ("follow_me", "confirm_calls", "needsconf"),
    ("follow_me", "music_on_hold_ringing", "ringing"),
    ("follow_me_numbers", "number", "grplist"),
];

/// A refusal of the database's schema rules, reworded to name the form field it came from.
fn named(error: Error) -> Error {
    let Some(refusal) = schema::Refusal::parse(error.message()) else { return error };
    let field = FIELDS
        .iter()
        .find(|(t, c, _)| *t == refusal.table && *c == refusal.column)
        .map_or_else(|| format!("{}.{}", refusal.table, refusal.column), |(_, _, f)| f.to_string());
    Error::new(error.status(), error.code().to_string(), format!("`{field}` {}", refusal.why))
}

/// An error as the original answered its one error (`{"status": "File not found", "code": 404}`,
/// with that HTTP status): a request it refuses (400, 404, 409, 413, 422). Errors the original
/// never had (a grant missing, the PBX or database failing) keep the SDK's JSON error.
pub fn refusal(error: Error) -> Response {
    if !matches!(error.status(), 400 | 404 | 409 | 413 | 422) {
        return error.into_response();
    }
    let mut body = String::from(r#"{"status": "#);
    php_json::write_str(&mut body, error.message());
    body.push_str(&format!(r#", "code": {}}}"#, error.status()));
    Response::bytes("application/json", body).with_status(error.status())
}

/// An AMI message as a JSON object of strings, without the host's `ActionID`.
pub fn fields_object(fields: &[(String, String)]) -> Json {
    Json::Obj(
        fields
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("ActionID"))
            .map(|(k, v)| (k.clone(), Json::Str(v.clone())))
            .collect(),
    )
}

/// Runs `cmd`; an unknown command is the original's plain-text `cmd not matched`.
pub fn run(cmd: &str, req: &Request) -> Result<Response, Error> {
    match cmd {
        "auth" => asterisk::auth(),
        "sippeers" => asterisk::sippeers(),
        "activecall" => asterisk::activecall(),
        "parkedcalls" => asterisk::parkedcalls(),
        "channelstatus" => asterisk::channelstatus(),
        "sipextensions" => extensions::sipextensions(),
        "addextension" => extension_writes::add(req),
        "updateextension" => extension_writes::update(req),
        "deleteextension" => extension_writes::delete(req),
        "addfollowmeextension" => followme::add(req),
        "updatefollowmeextension" => followme::update(req),
        "deletefollowmeextension" => followme::delete(req),
        "getfollowmeextension" => followme::get(req),
        "getallfollowmeextensions" => followme::get_all(),
        "cdrreport" => cdr::cdrreport(req),
        "getwavfile" => recordings::getwavfile(req),
        "systemresources" => system::systemresources(),
        "getharddrivers" => system::getharddrivers(),
        "getiptablesstatus" => system::getiptablesstatus(),
        _ => Ok(Response::text("cmd not matched")),
    }
}
