//! `uploads`: a multipart upload into the `uploads` area. Placeholder until the upload code lands:
//! answers 501 `not_implemented`.

use switchboard_sdk::prelude::*;

/// Stores the request's `file` part in the uploads area.
pub fn upload(_req: &Request) -> Result<Response, Error> {
    Err(Error::new(501, "not_implemented", "`uploads` is not implemented yet"))
}
