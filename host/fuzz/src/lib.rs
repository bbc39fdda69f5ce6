//! The fuzz targets' bodies: one module per target, each with `check(data)`, which turns the
//! fuzzer's bytes into an input, runs the code under test and panics when a property fails.
//!
//! `fuzz_targets/*.rs` call them under libFuzzer; `tests/corpus.rs` calls them on the committed
//! seed corpora and crash reproducers with plain `cargo test`, so a fixed bug stays fixed without
//! a fuzzer on the machine.

pub mod ami_codec;
pub mod apply;
pub mod asterisk_conf;
pub mod axeos;
pub mod config;
pub mod elastix;
pub mod issabel;
pub mod php_json;
pub mod request;
pub mod sdk_request;

/// Every target, by the name of its binary and corpus directory.
pub const TARGETS: [(&str, fn(&[u8])); 8] = [
    ("ami_codec", ami_codec::check),
    ("config", config::check),
    ("sdk_request", sdk_request::check),
    ("php_json", php_json::check),
    ("issabel", issabel::check),
    ("axeos", axeos::check),
    ("elastix", elastix::check),
    ("apply", apply::check),
];
