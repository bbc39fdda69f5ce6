//! Integration tests: the real library and binary, real HTTP on loopback, real wasm components.
//! One test binary (wasmtime's `tests/all` pattern) keeps link time down.

mod ami_codec;
mod cli;
mod config_errors;
mod gate;
mod sandbox;
mod serving;
mod transcript;
mod util;
