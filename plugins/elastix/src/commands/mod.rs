//! One module per command group; [`run`] dispatches on `cmd`.

mod asterisk;
mod cdr;
mod extension_writes;
mod extensions;
mod followme;
mod recordings;
mod system;

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection};
use switchboard_sdk::pbx;

use switchboard_sdk::php_json::Json;

/// A 200 `application/json` answer with PHP-style JSON.
pub fn json(value: &Json) -> Response {
    Response::php_json(value)
}

/// Runs `write` in one `pbx` transaction; if it reports a change, applies the configuration to the
/// PBX; then answers the original's `{"status": "<status>", "code": 200}` (which it sent whether or
/// not anything changed). A failed write rolls back and answers the error instead.
pub fn write_then_apply(status: &str, write: impl FnOnce(&Connection) -> Result<bool, Error>) -> Result<Response, Error> {
    let changed = sqlite::open("pbx")?.transaction(write)?;
    if changed {
        pbx::apply_changes_allow_pending()?;
    }
    Ok(Response::bytes("application/json", format!(r#"{{"status": "{status}", "code": 200}}"#)))
}

/// An extension number from form field `key`: digits, letters and `_+*#-`, as the `pbx` model allows.
pub fn number_field(form: &Params, key: &str) -> Result<String, Error> {
    let n = form.get(key).unwrap_or_default().trim();
    if n.is_empty() || n.len() > 40 || !n.chars().all(|c| c.is_ascii_alphanumeric() || "_+*#-".contains(c)) {
        return Err(Error::unprocessable(format!("`{key}` must be an extension number")));
    }
    Ok(n.to_string())
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
        "getwavfile" => Ok(recordings::getwavfile(req)),
        "systemresources" => system::systemresources(),
        "getharddrivers" => system::getharddrivers(),
        "getiptablesstatus" => system::getiptablesstatus(),
        _ => Ok(Response::text("cmd not matched")),
    }
}
