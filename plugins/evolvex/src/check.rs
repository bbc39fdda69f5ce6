//! `check`: who the key belongs to, whether their group grants `context`, and whether call
//! `uniqueid` has a recording they may hear.

use serde::Serialize;
use switchboard_sdk::prelude::*;

use crate::access::{self, Access, ApiUser};
use crate::params::Input;
use crate::{answer, recordings};

#[derive(Serialize)]
struct Check<'a> {
    api_user: &'a ApiUser,
    /// The grant of the asked context; `null` without one or when it is not granted.
    access: Option<&'a Access>,
    /// Whether `uniqueid` has a recording this user may hear; `false` without one.
    file: bool,
}

/// `GET|POST …/check?api_key=…[&context=…][&uniqueid=…]`.
pub fn check(req: &Request) -> Result<Response, Error> {
    let caller = access::authenticate(req)?;
    let input = Input::of(req);
    let access = input.non_empty("context").and_then(|c| caller.grant(c));
    let file = match input.non_empty("uniqueid") {
        Some(uniqueid) => recordings::find(&caller, uniqueid)?.is_some(),
        None => false,
    };
    answer::data(Check { api_user: &caller.user, access, file })
}
