//! `switchboard:pbx/settings`: the mount's settings from the config file. Needs no grant.
//! Also links `switchboard:pbx/types`, the shared records, which have no functions.

use wasmtime::component::HasSelf;

use super::Capability;
use super::bindings::settings::Host;
use crate::runtime::InstanceState;

/// `settings`: every plugin reads its own mount's settings.
pub const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/settings"],
    grant: None,
    granted: |_| true,
    link: Some(|linker| super::bindings::settings::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

/// `types`: records the other interfaces share.
pub const TYPES: Capability = Capability {
    interfaces: &["switchboard:pbx/types"],
    grant: None,
    granted: |_| true,
    link: Some(|linker| super::bindings::types::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl Host for InstanceState {
    fn get(&mut self, name: String) -> Option<String> {
        self.mount.settings.get(&name).cloned()
    }

    fn get_all(&mut self) -> Vec<(String, String)> {
        self.mount.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn mount_route(&mut self) -> String {
        self.mount.route.to_string()
    }
}

impl super::bindings::types::Host for InstanceState {}
