//! Switchboard: one process beside an Asterisk PBX that lends the PBX's capabilities to sandboxed
//! WebAssembly plugins mounted on URL routes.
//!
//! - [`config`]: `switchboard.toml`, validated with every problem located.
//! - [`runtime`]: the wasm sandbox — engine, limits, per-request instances, the WIT host side.
//! - [`http`]: listeners and the mount table.
//! - [`builtin`]: plugins compiled into the binary.
//! - [`identity`]: who a plugin is (its component's hash, or a built-in's name), which keys its private data.
//! - [`system`]: uptime, disks and firewall facts from `/proc` and `statvfs`, for the `system` interface.
//! - [`demo`]: the configuration `switchboard demo` serves.
//! - [`apply`]: renders Asterisk's config from the `pbx` database and reloads what changed.
//! - [`cdr`]: call records from Asterisk (`Cdr` events, Master.csv) into the `cdr` table, once each.

#![deny(missing_docs)]

pub mod ami;
pub mod apply;
pub mod auth_throttle;
pub mod builtin;
pub mod cdr;
pub mod config;
#[cfg(feature = "engine")]
pub mod demo;
pub mod events;
#[cfg(feature = "engine")]
pub mod http;
pub mod identity;
#[cfg(feature = "engine")]
pub mod runtime;
pub mod store;
pub mod system;

#[cfg(feature = "engine")]
pub use http::Server;
