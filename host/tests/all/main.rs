//! Integration tests: the real library and binary, real HTTP on loopback, real wasm components.
//! One test binary (wasmtime's `tests/all` pattern) keeps link time down.

mod ami_client;
mod apply;
mod auth_throttle;
mod ami_codec;
mod capabilities;
mod cdr;
mod cli;
mod config_errors;
mod durability;
mod elastix;
mod axeos;
mod events;
mod files;
mod gate;
mod identity;
mod integrity;
mod isolation;
mod pbx_control;
mod pbx_errors;
mod rate_limit;
mod sandbox;
mod schema_rules;
mod serving;
mod sim;
mod store;
mod system;
mod tls;
mod transcript;
mod util;
mod issabel;
mod streams;
mod reuse;
mod real_calls;
mod least_privilege;
mod disk_full;
