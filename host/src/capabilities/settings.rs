//! `switchboard:pbx/settings`: the mount's settings from the config file. Needs no grant.

use super::bindings::settings::Host;
use super::state::RequestState;

impl Host for RequestState {
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

impl super::bindings::types::Host for RequestState {}
