//! `originate`: a call placed through AMI.

use switchboard_sdk::prelude::*;

/// `GET|POST …/originate`.
pub fn originate(_req: &Request) -> Result<Response, Error> {
    Err(Error::new(501, "not_implemented", "`originate` is not implemented yet"))
}
