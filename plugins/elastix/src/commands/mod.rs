//! One module per command group; [`run`] dispatches on `cmd`.

mod asterisk;
mod cdr;
mod extension_writes;
mod extensions;
mod followme;
mod recordings;
mod system;

use switchboard_sdk::prelude::*;

use crate::php_json::Json;

/// A 200 `application/json` answer with PHP-style JSON.
pub fn json(value: &Json) -> Response {
    Response::bytes("application/json", value.encode())
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
