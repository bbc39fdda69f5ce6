//! Whether a packet filter is installed and loaded, from the file system and the kernel's `/proc`
//! files, without running `iptables` (which needs root and may load modules as a side effect).
//!
//! What can and cannot be seen this way:
//! - `/proc/net/ip_tables_names` lists the legacy iptables tables the kernel holds (`filter`, `nat`,
//!   …). It is readable only by root; unreadable counts as saying nothing.
//! - `/proc/modules` lists loaded modules: `nf_tables` (nftables, and iptables-nft on top of it) or
//!   `ip_tables` (legacy iptables). A loaded module means the filter is in use, not that it has
//!   rules that drop anything.
//! - A kernel with netfilter built in, not as modules, shows no modules; without root its tables
//!   cannot be seen either, and the filter reads as not running.

use std::fs;
use std::path::Path;

/// The packet filter, read from the kernel's /proc files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firewall {
    /// An `iptables`, `iptables-legacy`, `iptables-nft` or `nft` program is installed in
    /// `/usr/sbin`, `/sbin`, `/usr/bin` or `/bin`.
    pub present: bool,
    /// The kernel has packet-filter tables loaded (see `status`).
    pub running: bool,
    /// What was found, `; `-separated:
    /// - `iptables: tables filter, nat loaded`: the kernel holds these legacy iptables tables;
    /// - `nftables: nf_tables module loaded`: nftables (or iptables-nft) is in use;
    /// - `iptables: ip_tables module loaded`: legacy iptables is in use, its tables not readable;
    /// - `firewall: not running`: none of those.
    pub status: String,
}

const BIN_DIRS: [&str; 4] = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
const PROGRAMS: [&str; 4] = ["iptables", "iptables-legacy", "iptables-nft", "nft"];
const TABLE_NAMES: &str = "/proc/net/ip_tables_names";
const MODULES: &str = "/proc/modules";
/// The status when nothing is loaded.
const NOT_RUNNING: &str = "firewall: not running";

/// Looks for the packet filter now.
pub fn firewall() -> Firewall {
    let present = installed(&BIN_DIRS.map(Path::new));
    let tables = fs::read_to_string(TABLE_NAMES).ok();
    let modules = fs::read_to_string(MODULES).ok();
    let (running, status) = kernel_state(tables.as_deref(), modules.as_deref());
    Firewall { present, running, status }
}

/// Whether any of the filter programs exists in any of the directories (not executed, not even
/// checked for being executable).
fn installed(dirs: &[&Path]) -> bool {
    dirs.iter().any(|dir| PROGRAMS.iter().any(|program| dir.join(program).exists()))
}

/// `(running, status)` from the contents of `ip_tables_names` and `/proc/modules` (`None`: unreadable).
fn kernel_state(table_names: Option<&str>, modules: Option<&str>) -> (bool, String) {
    let tables: Vec<&str> = table_names.map(|t| t.split_whitespace().collect()).unwrap_or_default();
    let loaded =
        |name: &str| modules.is_some_and(|m| m.lines().any(|line| line.split_whitespace().next() == Some(name)));
    let mut found = Vec::new();
    if !tables.is_empty() {
        found.push(format!("iptables: tables {} loaded", tables.join(", ")));
    }
    if loaded("nf_tables") {
        found.push("nftables: nf_tables module loaded".to_string());
    }
    if tables.is_empty() && loaded("ip_tables") {
        found.push("iptables: ip_tables module loaded".to_string());
    }
    if found.is_empty() { (false, NOT_RUNNING.to_string()) } else { (true, found.join("; ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULES_NFT: &str = "\
nft_chain_nat 12288 1 - Live 0x0000000000000000
nf_tables 376832 215 nft_chain_nat,nft_ct, Live 0x0000000000000000
nfnetlink 20480 3 nf_tables, Live 0x0000000000000000
";
    const MODULES_LEGACY: &str = "\
iptable_filter 12288 1 - Live 0x0000000000000000
ip_tables 32768 1 iptable_filter, Live 0x0000000000000000
x_tables 53248 2 iptable_filter,ip_tables, Live 0x0000000000000000
";
    const MODULES_NONE: &str = "ext4 1007616 1 - Live 0x0000000000000000\nnf_tables_helper 1 0 - Live 0x0\n";

    #[test]
    fn legacy_tables_are_named() {
        assert_eq!(
            kernel_state(Some("filter\nnat\n"), Some(MODULES_LEGACY)),
            (true, "iptables: tables filter, nat loaded".to_string())
        );
        assert_eq!(kernel_state(Some("filter\n"), None), (true, "iptables: tables filter loaded".to_string()));
    }

    #[test]
    fn modules_tell_when_tables_cannot_be_read() {
        assert_eq!(kernel_state(None, Some(MODULES_NFT)), (true, "nftables: nf_tables module loaded".to_string()));
        assert_eq!(
            kernel_state(Some(""), Some(MODULES_LEGACY)),
            (true, "iptables: ip_tables module loaded".to_string())
        );
        let both = format!("{MODULES_NFT}{MODULES_LEGACY}");
        assert_eq!(
            kernel_state(Some("filter\n"), Some(&both)),
            (true, "iptables: tables filter loaded; nftables: nf_tables module loaded".to_string())
        );
    }

    #[test]
    fn nothing_loaded_is_not_running() {
        let off = (false, NOT_RUNNING.to_string());
        assert_eq!(kernel_state(None, None), off);
        assert_eq!(kernel_state(Some("\n"), Some(MODULES_NONE)), off); // a name prefix is not the module
    }

    #[test]
    fn programs_are_found_by_name_only() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        fs::write(a.path().join("iptables-save"), "").unwrap();
        assert!(!installed(&[a.path(), b.path()]));
        fs::write(b.path().join("nft"), "").unwrap();
        assert!(installed(&[a.path(), b.path()]));
        assert!(!installed(&[Path::new("/nonexistent")]));
    }
}
