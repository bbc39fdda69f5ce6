//! Outside programs some tests drive (Prometheus' `promtool`, Debian's `chromium`), installed from
//! Debian's packages the first time a test needs them, so `cargo test` on a fresh machine with only
//! the Rust toolchain sets itself up, as the README promises.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// One installation at a time within this test run; apt-get's own lock covers other processes.
static INSTALLING: Mutex<()> = Mutex::new(());

/// The path of `binary`, installing Debian package `package` with apt-get when it is not on the
/// `PATH` yet. Panics, saying what failed, when it cannot be installed: the test that needs the tool
/// cannot run without it, and skipping would hide that.
pub fn debian(binary: &str, package: &str) -> PathBuf {
    let _one = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = which(binary) {
        return path;
    }
    let apt = |args: &[&str]| {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .unwrap_or_else(|e| panic!("running apt-get to install {package} (for {binary}): {e}"));
        assert!(status.success(), "apt-get {} failed ({status}) while installing {package} for {binary}", args.join(" "));
    };
    // A fresh machine's package lists may be empty or stale: update once, then install.
    apt(&["update", "-qq"]);
    apt(&["install", "-y", "-qq", "--no-install-recommends", package]);
    which(binary).unwrap_or_else(|| panic!("apt-get installed {package}, but {binary} is still not on the PATH"))
}

fn which(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(binary)).find(|candidate| candidate.is_file())
}
