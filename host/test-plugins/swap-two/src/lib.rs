//! Test-only plugin for hot swaps (`host/tests/all/hot_swap.rs`): version `swap-two`, the code of
//! `swap-one` built as a second component.

include!("../../swap-one/src/swap.rs");
