//! `status`: the PBX's live channels.

use switchboard_sdk::prelude::*;

/// `GET|POST …/status`.
pub fn status(_req: &Request) -> Result<Response, Error> {
    Err(Error::new(501, "not_implemented", "`status` is not implemented yet"))
}
