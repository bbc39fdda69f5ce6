//! SARK's operational routes (AMI bridge, system commands, logs, greetings, backups, snapshots,
//! firewalls) live in this module set; [`routes`] adds them to the plugin's router.

use switchboard_sdk::Router;

/// Adds the operational routes to `router`.
pub fn routes(router: Router) -> Router {
    router
}
