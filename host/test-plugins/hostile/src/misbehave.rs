//! Misbehaviours shared by the hostile test plugins (`hostile`, and `stream-probe`'s event handler,
//! which includes this file by path).

use std::hint::black_box;

/// Spins the CPU forever: only the epoch deadline stops it.
pub fn spin() -> ! {
    let mut x: u64 = 0;
    loop {
        x = black_box(x.wrapping_add(1));
    }
}

/// Allocates and touches 1 MiB at a time forever: only the memory limit stops it.
pub fn hoard() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // vec![1; n] writes every byte, so the pages are really used.
        hoard.push(black_box(vec![1u8; 1 << 20]));
        black_box(&hoard);
    }
}
