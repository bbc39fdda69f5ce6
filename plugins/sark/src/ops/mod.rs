//! SARK's operational routes: the AMI bridge (`astamis`), system commands, call records,
//! greetings, backups, snapshots and firewall rules. [`routes`] adds them to the plugin's router.
//!
//! Each route module has one job; what several share has its own module: the file areas
//! ([`area`]), zips ([`archive`]), the configuration as a document ([`model`]), backups' and
//! snapshots' common handling ([`saved`]), multipart uploads ([`multipart`]), the host's PBX
//! control ([`control`]) and time ([`clock`]).

mod archive;
mod area;
mod astamis;
mod backups;
pub(crate) mod clock;
mod control;
mod firewalls;
mod greetings;
mod logs;
mod model;
mod multipart;
mod saved;
mod snapshots;
mod syscommands;

use switchboard_sdk::Router;

/// Adds the operational routes to `router`.
pub fn routes(router: Router) -> Router {
    let router = astamis::routes(router);
    let router = syscommands::routes(router);
    let router = logs::routes(router);
    let router = greetings::routes(router);
    let router = backups::routes(router);
    let router = snapshots::routes(router);
    firewalls::routes(router)
}
