//! `switchboard:pbx/system`: facts about the machine the PBX runs on — uptime, disks, packet
//! filter. Grant: `grants.system = true`.
//!
//! PBX admin APIs (Elastix's `systemresources`, `getharddrivers`, `getiptablesstatus`) answer these by
//! shelling out to `uptime`, `df`, `du` and `iptables`. A plugin must not run programs, and the host
//! should not either: everything here is read from `/proc`, the utmp file and `statvfs(2)`, and the
//! numbers are computed the way those tools compute them, so the answers match what an administrator
//! sees at the shell.
//!
//! - [`uptime()`]: seconds up, logged-in users, load averages, and the `up …` text of procps `uptime`.
//! - [`disk_usage`], [`filesystem_of`], [`tree_bytes`], [`human_size`]: `df`, `du -s` and `-h`.
//! - [`firewall()`]: whether a packet filter is installed and has tables loaded in the kernel.
//!
//! All of these do blocking file I/O (a [`tree_bytes`] walk can take seconds on a big recordings
//! area): call them from `tokio::task::spawn_blocking`, not on the async runtime's threads.

mod disks;
mod firewall;
#[cfg(feature = "engine")]
mod host;
mod uptime;

pub use disks::{DiskUsage, disk_usage, filesystem_of, human_size, tree_bytes};
pub use firewall::{Firewall, firewall};
pub use uptime::{Uptime, uptime};
#[cfg(feature = "engine")]
pub(crate) use self::host::CAPABILITY;

/// Whether a mount's grants lend the system facts.
pub fn granted(grants: &super::Grants) -> bool {
    grants.system
}

#[cfg(test)]
mod tests {
    //! The live functions on this machine: sane invariants, whatever the machine is.

    use std::fs;
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn live_uptime_is_sane() {
        let up = uptime().unwrap();
        assert!(up.seconds > 0);
        assert!(up.load.iter().all(|l| l.is_finite() && *l >= 0.0), "{:?}", up.load);
        assert_eq!(up.now_hms.len(), 8, "{}", up.now_hms);
        assert!(up.text.starts_with("up "), "{}", up.text);
        let datetime = up.elastix_datetime();
        assert!(datetime.starts_with(&up.now_hms) && datetime.contains(" up ") && !datetime.contains(','));
    }

    #[test]
    fn live_filesystem_of_root_is_sane() {
        let (mount, source, size, used, avail) = filesystem_of(std::path::Path::new("/")).unwrap();
        assert_eq!(mount, std::path::Path::new("/"));
        assert!(!source.is_empty());
        assert!(size > 0 && used <= size && avail <= size, "{size} {used} {avail}");
    }

    #[test]
    fn live_tree_bytes_counts_files_and_skips_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("data"), vec![1u8; 100 * 1024]).unwrap();
        let alone = tree_bytes(dir.path());
        assert!(alone >= 100 * 1024, "{alone}");

        // A link to `/`, a loop, and a second name for the same file add nothing worth 100 KiB.
        symlink("/", dir.path().join("root")).unwrap();
        symlink(dir.path(), dir.path().join("loop")).unwrap();
        fs::hard_link(dir.path().join("data"), dir.path().join("again")).unwrap();
        let with_links = tree_bytes(dir.path());
        assert!(with_links >= alone && with_links < alone + 64 * 1024, "{alone} {with_links}");
    }

    #[test]
    fn live_disk_usage_reports_every_area() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("data"), vec![1u8; 100 * 1024]).unwrap();
        let areas = [("tmp".to_string(), dir.path().to_path_buf()), ("gone".to_string(), dir.path().join("missing"))];
        let usage = disk_usage(&areas);
        assert_eq!(usage.len(), 2);
        let tmp = &usage[0];
        assert_eq!(tmp.area, "tmp");
        assert!(tmp.size_bytes > 0 && tmp.used_bytes <= tmp.size_bytes && tmp.area_bytes >= 100 * 1024);
        assert!(dir.path().canonicalize().unwrap().starts_with(&tmp.mount_point));
        let gone = &usage[1];
        assert_eq!((gone.area.as_str(), gone.size_bytes, gone.area_bytes), ("gone", 0, 0));
        assert!(gone.filesystem.is_empty());
    }

    #[test]
    fn live_firewall_is_consistent() {
        let fw = firewall();
        assert!(!fw.status.is_empty());
        assert_eq!(fw.running, fw.status != "firewall: not running", "{fw:?}");
    }
}
