//! Facts about the PBX's machine (WIT `switchboard:pbx/system`): uptime and load, disk usage of
//! the configured file areas, firewall state. Needs `grants.system = true`.
//!
//! ```no_run
//! use switchboard_sdk::system;
//! let up = system::uptime().unwrap();
//! println!("{} {}, load {:.2}", up.time, up.up, up.load1);
//! ```

pub use crate::bindings::switchboard::pbx::system::{DiskUsage, Error as SystemError, FirewallState, UptimeInfo};
#[cfg(target_family = "wasm")]
pub use crate::bindings::switchboard::pbx::system::{disks, firewall, uptime};

/// Uptime, users and load (natively: what the test's [`testing::Host`](crate::testing::Host) says).
#[cfg(not(target_family = "wasm"))]
pub fn uptime() -> Result<UptimeInfo, SystemError> {
    crate::testing::uptime()
}

/// Disk usage of each granted file area (natively: the test's [`testing::Host`](crate::testing::Host)).
#[cfg(not(target_family = "wasm"))]
pub fn disks() -> Result<Vec<DiskUsage>, SystemError> {
    crate::testing::disks()
}

/// Whether a firewall is present and running (natively: none).
#[cfg(not(target_family = "wasm"))]
pub fn firewall() -> Result<FirewallState, SystemError> {
    crate::testing::firewall()
}

impl From<SystemError> for crate::Error {
    fn from(error: SystemError) -> Self {
        match error {
            SystemError::Denied => crate::Error::new(403, "system_denied", "this mount's grants do not include system = true"),
            SystemError::Unavailable(why) => crate::Error::new(500, "system_unavailable", why),
        }
    }
}
