//! Test-only plugin for hot swaps (`host/tests/all/hot_swap.rs`): version `swap-one`. `swap-two`
//! is the same code (`swap.rs`) built as a second crate, so the two are different components that
//! tell which of them answered.

include!("swap.rs");
