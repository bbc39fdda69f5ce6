//! Switchboard: one process beside an Asterisk PBX that lends the PBX's capabilities to sandboxed
//! WebAssembly plugins mounted on URL routes. `host/ARCHITECTURE.md` maps the whole.
//!
//! - [`server`]: the composition root — builds the services and mounts from a config and hands
//!   the mount table to the listeners.
//! - [`control`]: the live mount table — enable, disable, hot swap, add, remove, reload.
//! - [`http`]: listeners — accept, route to a mount, admit, answer plugin failures as JSON errors.
//! - [`runtime`]: the engine — compile cache, instances, invocation under limits, warm pool, event
//!   handlers.
//! - [`capabilities`]: one room per WIT interface — its grant, its `Host` impl, its linker entry.
//! - [`config`]: `switchboard.toml`, validated with every problem located.
//! - [`ami`]: the AMI client (one link to the PBX); [`events`]: the event bus and mount streams.
//! - [`store`]: the `pbx` database and plugins' own; [`apply`]: Asterisk's config from it;
//!   [`cdr`]: call records into it, once each.
//! - [`identity`]: who a plugin is; [`builtin`]: plugins compiled into the binary.
//! - [`metrics`]: what the host counts (per mount, AMI, event bus, SQLite), as Prometheus text.
//! - [`demo`]: what `switchboard demo` serves.
//! - [`failures`]: the recent plugin failures the admin console shows.
//! - [`sse`]: server-sent events of the bus or a mount's stream, for plugins and the console.
//! - [`needs`]: what a plugin declares it needs, embedded in its component.
//! - [`admin`]: the admin listener — API, console, `/metrics`; [`check`]: the one validation
//!   `switchboard check` and the admin API share.
//!
//! Without the default `engine` feature only the PBX side builds (no wasm engine, listeners or
//! demo), which is what the fuzz targets need.

#![deny(missing_docs)]

#[cfg(feature = "engine")]
pub mod admin;
pub mod ami;
pub mod apply;
pub mod builtin;
pub mod capabilities;
pub mod cdr;
#[cfg(feature = "engine")]
pub mod check;
#[cfg(feature = "engine")]
pub mod needs;
#[cfg(feature = "engine")]
pub mod sse;
pub mod config;
#[cfg(feature = "engine")]
pub mod control;
#[cfg(feature = "engine")]
pub mod demo;
pub mod events;
pub mod failures;
#[cfg(feature = "engine")]
pub mod http;
pub mod identity;
pub mod metrics;
#[cfg(feature = "engine")]
pub mod runtime;
pub mod scaffold;
pub mod store;

#[cfg(feature = "engine")]
pub mod server;

#[cfg(feature = "engine")]
pub use server::Server;
