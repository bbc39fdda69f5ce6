//! What the host lends plugins, one room per capability.
//!
//! A room holds everything one WIT interface means to the host: its grant (the typed value, how
//! `[mounts.grants]` spells it, and its validation with located problems), whether a mount's grants
//! lend it, the service behind it, the linker registration of its functions and their `Host` impl.
//! The runtime knows no capability by name: it iterates [`ALL`] to link them and to report what a
//! plugin requests against what its mount grants. Adding a capability is a WIT file, one room here,
//! one line in [`ALL`] (and one field in [`Grants`] if it needs a grant), and one SDK module.
//!
//! The grant half of each room is plain data and builds without the `engine` feature, so the
//! config parser (and the fuzz targets over it) need no wasm engine; the `Host` halves do.
//!
//! Rooms: [`ami`], [`apply`] (the `pbx` interface: apply-changes), [`auth_throttle`], [`events`]
//! (the bus, and a mount's own `event-stream`), [`files`] (WASI preopens of file areas),
//! [`outbound_http`], [`pbx_control`], [`rate_limit`], [`sqlite`], [`system`], and the grant-free
//! `settings`, `log` and `types`.

pub mod ami;
pub mod apply;
pub mod auth_throttle;
#[cfg(feature = "engine")]
pub(crate) mod bindings;
pub mod events;
pub mod files;
#[cfg(feature = "engine")]
pub(crate) mod log;
#[cfg(feature = "engine")]
mod mount;
pub mod outbound_http;
pub mod pbx_control;
pub mod rate_limit;
#[cfg(feature = "engine")]
mod settings;
pub mod sqlite;
pub mod system;

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;

pub use self::ami::AmiGrant;
pub use self::files::FileAccess;
pub use self::pbx_control::PbxControlGrant;
pub use self::sqlite::{PbxAccess, SqliteGrant};
use crate::config::Problems;

/// Capabilities a mount lends its plugin. Everything is denied unless listed. One field per
/// capability that needs a grant, each of its room's own type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Outbound HTTP destinations: `https://host`, `http://host:port`, `https://*.example.com`,
    /// or `*` for anywhere. Empty: no outbound HTTP. See [`outbound_http`].
    pub outbound_http: Vec<String>,
    /// AMI actions the plugin may send (`Status`, `Originate`, …; `*` allows every action but the
    /// host's own), each optionally with patterns its arguments must match (`Command core show *`,
    /// `Originate Context=from-internal, Application=`; see [`AmiGrant`]). Empty: no AMI.
    pub ami: Vec<AmiGrant>,
    /// Whether the plugin may poll the event bus (and, with an event handler, has a stream).
    pub events: bool,
    /// Database access (`grants.sqlite`).
    pub sqlite: SqliteGrant,
    /// File areas the plugin sees in its filesystem, by area name.
    pub files: BTreeMap<String, FileAccess>,
    /// Whether the plugin may read system facts (uptime, disks, firewall).
    pub system: bool,
    /// Whether the plugin may call `pbx.apply-changes`.
    pub apply_changes: bool,
    /// Which of the PBX's start, stop and reboot commands the plugin may run.
    pub pbx_control: PbxControlGrant,
}

/// `[mounts.grants]` as written, each value with its place in the file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGrants {
    #[serde(default)]
    outbound_http: outbound_http::RawGrant,
    #[serde(default)]
    pub(crate) ami: ami::RawGrant,
    #[serde(default)]
    events: bool,
    #[serde(default)]
    pub(crate) sqlite: sqlite::RawGrant,
    #[serde(default)]
    pub(crate) files: files::RawGrant,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    apply_changes: bool,
    #[serde(default)]
    pbx_control: pbx_control::RawGrant,
}

impl RawGrants {
    /// The typed grants, every problem of every room added to `problems` (so one run of `check`
    /// shows them all); the value is only meaningful when none were added.
    pub(crate) fn validate(&self, problems: &mut Problems<'_>) -> Grants {
        Grants {
            outbound_http: outbound_http::validate_grant(&self.outbound_http, problems),
            ami: ami::validate_grant(&self.ami, problems),
            events: self.events,
            sqlite: sqlite::validate_grant(&self.sqlite, problems),
            files: files::validate_grant(&self.files, problems),
            system: self.system,
            apply_changes: self.apply_changes,
            pbx_control: pbx_control::validate_grant(&self.pbx_control, problems),
        }
    }
}

/// The block a client address counts as, for the rooms that count per client: an IPv6 address's
/// /64 (the block one subscriber usually holds, so rotating through a prefix buys nothing), an
/// IPv4-mapped IPv6 address as its IPv4 address, any other IPv4 address as itself.
pub fn client_block(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
        v4 => v4,
    }
}

#[cfg(feature = "engine")]
pub use self::engine::{ALL, Capability, CapabilityUse, requested_vs_granted};
#[cfg(feature = "engine")]
pub use self::mount::{MountContext, Services};

#[cfg(feature = "engine")]
mod engine {
    use wasmtime::component::Linker;

    use super::Grants;
    use crate::runtime::InstanceState;

    /// One capability as the runtime sees it.
    pub struct Capability {
        /// The WIT interfaces it serves, without version (`switchboard:pbx/ami`).
        pub interfaces: &'static [&'static str],
        /// The `grants` key that lends it; `None` when every plugin has it.
        pub grant: Option<&'static str>,
        /// Whether a mount's grants lend it. The room's `Host` impl refuses with the same test.
        pub granted: fn(&Grants) -> bool,
        /// Adds its functions to the linker; `None` for WASI interfaces the engine links itself
        /// (the room then only decides, per call, what they may reach).
        pub link: Option<fn(&mut Linker<InstanceState>) -> wasmtime::Result<()>>,
    }

    /// Every capability, in the order the linker registers them.
    pub const ALL: &[&Capability] = &[
        &super::settings::TYPES,
        &super::settings::CAPABILITY,
        &super::log::CAPABILITY,
        &super::auth_throttle::CAPABILITY,
        &super::rate_limit::CAPABILITY,
        &super::ami::CAPABILITY,
        &super::events::CAPABILITY,
        &super::events::STREAM_CAPABILITY,
        &super::events::SSE_CAPABILITY,
        &super::events::WAKE_CAPABILITY,
        &super::sqlite::CAPABILITY,
        &super::system::CAPABILITY,
        &super::apply::CAPABILITY,
        &super::pbx_control::CAPABILITY,
        &super::outbound_http::CAPABILITY,
        &super::files::CAPABILITY,
    ];

    /// A capability that needs a grant, and whether the mount gives it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CapabilityUse {
        /// The WIT interface the plugin imports (without version).
        pub interface: String,
        /// The config key that grants it.
        pub grant: &'static str,
        /// Whether this mount grants it.
        pub granted: bool,
    }

    /// A plugin's imports (`switchboard:pbx/ami@0.1.0`, …) compared with what `grants` lend:
    /// one entry per imported interface that needs a grant. Interfaces that need none (WASI
    /// basics, `settings`, `log`) are left out.
    pub fn requested_vs_granted(imports: &[String], grants: &Grants) -> Vec<CapabilityUse> {
        let mut uses = Vec::new();
        for import in imports {
            let interface = import.split('@').next().unwrap_or(import);
            let Some(capability) = ALL.iter().find(|c| c.interfaces.contains(&interface)) else { continue };
            if let Some(grant) = capability.grant {
                uses.push(CapabilityUse { interface: interface.to_string(), grant, granted: (capability.granted)(grants) });
            }
        }
        uses
    }
}
