//! `get_log_cdr`: the call records of the caller's contexts.

use switchboard_sdk::prelude::*;

/// `GET|POST …/get_log_cdr`.
pub fn get_log_cdr(_req: &Request) -> Result<Response, Error> {
    Err(Error::new(501, "not_implemented", "`get_log_cdr` is not implemented yet"))
}
