//! Asterisk device states as the API's phone status codes.
//!
//! The documented codes are Asterisk's extension-state bits: -2 error reading status, -1 not
//! found, 0 Idle, 1 In Use, 2 Busy, 4 Unavailable, 8 Ringing, 16 On Hold. Device states map the
//! way `ast_devstate_to_extenstate` maps them, except that the combined "in use and ringing" (9)
//! is not in the documented list and is answered as Ringing (8), the part a wallboard acts on.

/// A status code and its text.
pub type Status = (i32, &'static str);

/// Reading the state failed.
pub const ERROR: Status = (-2, "Error");
/// No such device.
pub const NOT_FOUND: Status = (-1, "Not found");
/// Not reachable: not registered, or not answering qualify.
pub const UNAVAILABLE: Status = (4, "Unavailable");

/// From a `DeviceStateChange`/`DeviceStateList` token (`NOT_INUSE`, `RINGINUSE`, …).
pub fn from_token(token: &str) -> Status {
    match token.trim().to_ascii_uppercase().as_str() {
        // Asterisk counts an unknown device state as not in use.
        "NOT_INUSE" | "UNKNOWN" => (0, "Idle"),
        "INUSE" => (1, "In Use"),
        "BUSY" => (2, "Busy"),
        "UNAVAILABLE" => UNAVAILABLE,
        "RINGING" | "RINGINUSE" => (8, "Ringing"),
        "ONHOLD" => (16, "On Hold"),
        "INVALID" => NOT_FOUND,
        _ => ERROR,
    }
}

/// From the numeric `AST_DEVICE_*` state of a `QueueMember` `Status`.
pub fn from_number(n: &str) -> Status {
    let token = match n.trim() {
        "0" => "UNKNOWN",
        "1" => "NOT_INUSE",
        "2" => "INUSE",
        "3" => "BUSY",
        "4" => "INVALID",
        "5" => "UNAVAILABLE",
        "6" => "RINGING",
        "7" => "RINGINUSE",
        "8" => "ONHOLD",
        _ => "",
    };
    from_token(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asterisk_state_has_a_documented_code() {
        let documented = [-2, -1, 0, 1, 2, 4, 8, 16];
        for t in ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD", "?"] {
            assert!(documented.contains(&from_token(t).0), "{t}");
        }
        assert_eq!(from_token("not_inuse"), (0, "Idle"));
        assert_eq!(from_token("ONHOLD"), (16, "On Hold"));
        assert_eq!(from_number("5"), (4, "Unavailable"));
        assert_eq!(from_number("x"), ERROR);
    }
}
