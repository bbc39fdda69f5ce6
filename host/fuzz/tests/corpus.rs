//! Replays every committed seed (`corpus/<target>/`) and crash reproducer (`regressions/<target>/`)
//! through its target's check with plain `cargo test`: no fuzzer needed, and a bug the fuzzer
//! found stays fixed.

use std::fs;
use std::path::Path;

fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut count = 0;
    for (target, check) in switchboard_fuzz::TARGETS {
        let Ok(entries) = fs::read_dir(root.join(target)) else { continue };
        let mut files: Vec<_> = entries.map(|e| e.expect("corpus entry").path()).collect();
        files.sort();
        for file in files {
            let data = fs::read(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            eprintln!("{target}: {}", file.display());
            check(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn seed_corpora_pass() {
    let count = replay("corpus");
    // Every target has seeds.
    for (target, _) in switchboard_fuzz::TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
        assert!(fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some()), "no seeds in {}", dir.display());
    }
    assert!(count >= switchboard_fuzz::TARGETS.len());
}

#[test]
fn crash_reproducers_pass() {
    replay("regressions");
}
