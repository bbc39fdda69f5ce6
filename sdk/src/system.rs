//! Facts about the PBX's machine (WIT `switchboard:pbx/system`): uptime and load, disk usage of
//! the configured file areas, firewall state. Needs `grants.system = true`.
//!
//! ```no_run
//! use switchboard_sdk::system;
//! let up = system::uptime().unwrap();
//! println!("{} {}, load {:.2}", up.time, up.up, up.load1);
//! ```

pub use crate::bindings::switchboard::pbx::system::{DiskUsage, Error as SystemError, FirewallState, UptimeInfo, disks, firewall, uptime};

impl From<SystemError> for crate::Error {
    fn from(error: SystemError) -> Self {
        match error {
            SystemError::Denied => crate::Error::new(403, "system_denied", "this mount's grants do not include system = true"),
            SystemError::Unavailable(why) => crate::Error::new(500, "system_unavailable", why),
        }
    }
}
