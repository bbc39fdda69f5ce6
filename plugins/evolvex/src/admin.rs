//! The admin resource (`…/admin/…`): API users, groups and the contexts groups grant.

use switchboard_sdk::prelude::*;
use switchboard_sdk::settings;

/// Every `/admin…` request: 404 unless the mount sets `admin-key`.
pub fn handle(req: &Request) -> Result<Response, Error> {
    if settings::get("admin-key").is_none() {
        return Err(Error::not_found(format!("no route for {} {}", req.method(), req.relative_path())));
    }
    Err(Error::new(501, "not_implemented", "the admin resource is not implemented yet"))
}
