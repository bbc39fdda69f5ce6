//! `df`, `du -s` and their `-h` sizes, from `/proc/self/mountinfo`, `statvfs(2)` and `lstat(2)`.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

/// One configured file area and the filesystem holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskUsage {
    /// The area's name (`recording`, `logs`, …).
    pub area: String,
    /// The area's path as configured.
    pub path: PathBuf,
    /// Where the filesystem holding the area is mounted (empty if it could not be read).
    pub mount_point: PathBuf,
    /// The mounted source as `df` shows it: a device such as `/dev/sda1`, or `tmpfs`, `overlay`, ….
    pub filesystem: String,
    /// The filesystem's size.
    pub size_bytes: u64,
    /// Bytes in use on the filesystem (`df`'s Used: blocks not free). Root's reserve counts as free
    /// but not as available, so used + available can be well under size.
    pub used_bytes: u64,
    /// Bytes an unprivileged user can still write (`df`'s Avail).
    pub available_bytes: u64,
    /// Bytes the area's tree occupies on disk, as `du -s` counts them.
    pub area_bytes: u64,
}

const MOUNTINFO: &str = "/proc/self/mountinfo";
/// A walk stops after this many entries, so a runaway tree costs bounded time and memory.
const TREE_LIMIT: usize = 1_000_000;

/// The filesystem and tree size of every area, in order. Never fails as a whole: an area that
/// cannot be read reports zeros (and an empty mount point and filesystem) and logs a warning.
pub fn disk_usage(areas: &[(String, PathBuf)]) -> Vec<DiskUsage> {
    areas.iter().map(|(area, path)| area_usage(area, path)).collect()
}

fn area_usage(area: &str, path: &Path) -> DiskUsage {
    let (mount_point, filesystem, size_bytes, used_bytes, available_bytes) = filesystem_of(path).unwrap_or_else(|e| {
        tracing::warn!(area, path = %path.display(), error = format!("{e:#}"), "cannot read the area's filesystem");
        (PathBuf::new(), String::new(), 0, 0, 0)
    });
    DiskUsage {
        area: area.to_string(),
        path: path.to_path_buf(),
        mount_point,
        filesystem,
        size_bytes,
        used_bytes,
        available_bytes,
        area_bytes: tree_bytes(path),
    }
}

/// The filesystem holding `path` (symlinks resolved): `(mount point, source, size, used, available)`
/// in bytes, as `df` computes them: size = blocks × frsize, used = (blocks − bfree) × frsize,
/// available = bavail × frsize.
pub fn filesystem_of(path: &Path) -> anyhow::Result<(PathBuf, String, u64, u64, u64)> {
    let real = fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
    let mountinfo = fs::read(MOUNTINFO).with_context(|| format!("reading {MOUNTINFO}"))?;
    let mounts = parse_mountinfo(&mountinfo);
    let mount = mount_of(&mounts, &real).ok_or_else(|| anyhow!("no mount in {MOUNTINFO} holds {}", real.display()))?;
    let st = rustix::fs::statvfs(&real).with_context(|| format!("statvfs {}", real.display()))?;
    let (size, used, avail) = df_numbers(st.f_blocks, st.f_bfree, st.f_bavail, st.f_frsize);
    Ok((mount.mount_point.clone(), mount.source.clone(), size, used, avail))
}

/// `(size, used, available)` in bytes from `statvfs` counts, as coreutils `df` reports them.
fn df_numbers(blocks: u64, bfree: u64, bavail: u64, frsize: u64) -> (u64, u64, u64) {
    (blocks.saturating_mul(frsize), blocks.saturating_sub(bfree).saturating_mul(frsize), bavail.saturating_mul(frsize))
}

/// One line of mountinfo, the parts we use.
#[derive(Debug, PartialEq)]
struct Mount {
    mount_point: PathBuf,
    source: String,
}

/// The mounts in `/proc/self/mountinfo` text, in file order (later lines are mounted over earlier
/// ones). A line is `id parent major:minor root mount-point options [optional…] - fstype source
/// super-options`; malformed lines are skipped.
fn parse_mountinfo(text: &[u8]) -> Vec<Mount> {
    text.split(|&b| b == b'\n').filter_map(parse_mount_line).collect()
}

fn parse_mount_line(line: &[u8]) -> Option<Mount> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b' ').filter(|f| !f.is_empty()).collect();
    let mount_point = fields.get(4)?;
    let dash = fields.iter().skip(6).position(|f| *f == b"-")? + 6;
    let source = fields.get(dash + 2)?;
    Some(Mount {
        mount_point: PathBuf::from(OsString::from_vec(unescape(mount_point))),
        source: String::from_utf8_lossy(&unescape(source)).into_owned(),
    })
}

/// Undoes the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash).
fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let octal =
            field.get(i + 1..i + 4).filter(|d| field[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push(d.iter().fold(0u8, |acc, c| acc.wrapping_mul(8).wrapping_add(c - b'0')));
                i += 4;
            }
            None => {
                out.push(field[i]);
                i += 1;
            }
        }
    }
    out
}

/// The mount holding a canonical path: the longest mount point that is a prefix of it by whole
/// components (`/var` holds `/var/log`, not `/variable`); of equal ones, the last mounted.
fn mount_of<'a>(mounts: &'a [Mount], path: &Path) -> Option<&'a Mount> {
    let depth = |m: &Mount| m.mount_point.components().count();
    mounts.iter().filter(|m| path.starts_with(&m.mount_point)).fold(None, |best: Option<&Mount>, m| match best {
        Some(b) if depth(b) > depth(m) => Some(b),
        _ => Some(m),
    })
}

/// Bytes a tree occupies on disk, like `du -s`: the sum of `st_blocks × 512` over the tree,
/// symlinks counted as links and never followed (except `path` itself, as `du -sH` does, so an area
/// configured as a link is measured), every inode once (hard links, bind-mount loops), unreadable
/// parts skipped (logged at debug level; the sum is then a lower bound, as `du`'s is). Stops after
/// 1,000,000 entries with a warning and returns what it counted. A missing path is 0.
pub fn tree_bytes(path: &Path) -> u64 {
    let walk = walk_tree(path, TREE_LIMIT);
    if walk.truncated {
        tracing::warn!(path = %path.display(), entries = TREE_LIMIT, "tree too large; its size is a lower bound");
    }
    if let Some(first) = &walk.first_error {
        // Routine for a host that is not root (parts of /etc, /var/log): not worth a warning per call.
        tracing::debug!(path = %path.display(), errors = walk.errors, first, "parts of the tree could not be read");
    }
    walk.bytes
}

#[derive(Debug, Default)]
struct Walk {
    bytes: u64,
    entries: usize,
    truncated: bool,
    errors: usize,
    first_error: Option<String>,
}

impl Walk {
    fn error(&mut self, path: &Path, e: std::io::Error) {
        self.errors += 1;
        self.first_error.get_or_insert_with(|| format!("{}: {e}", path.display()));
    }
}

/// Depth-first walk with an explicit stack (deep trees cannot overflow ours), at most `limit`
/// entries.
fn walk_tree(root: &Path, limit: usize) -> Walk {
    let mut walk = Walk::default();
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return walk,
        Err(e) => {
            walk.error(root, e);
            return walk;
        }
    };
    let mut seen = HashSet::new();
    let mut dirs = Vec::new();
    walk.entries = 1;
    count(&mut walk, &mut seen, &mut dirs, root.to_path_buf(), &meta);
    while let Some(dir) = dirs.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                walk.error(&dir, e);
                continue;
            }
        };
        for entry in entries {
            if walk.entries >= limit {
                walk.truncated = true;
                return walk;
            }
            walk.entries += 1;
            // `DirEntry::metadata` is an `lstat`: a symlink is the link itself.
            match entry.and_then(|e| Ok((e.path(), e.metadata()?))) {
                Ok((path, meta)) => count(&mut walk, &mut seen, &mut dirs, path, &meta),
                Err(e) => walk.error(&dir, e),
            }
        }
    }
    walk
}

/// Adds one entry's blocks, once per inode, and queues it if it is a directory.
fn count(walk: &mut Walk, seen: &mut HashSet<(u64, u64)>, dirs: &mut Vec<PathBuf>, path: PathBuf, meta: &fs::Metadata) {
    let shared = meta.is_dir() || meta.nlink() > 1;
    if shared && !seen.insert((meta.dev(), meta.ino())) {
        return;
    }
    walk.bytes = walk.bytes.saturating_add(meta.blocks().saturating_mul(512));
    if meta.is_dir() {
        dirs.push(path);
    }
}

/// A size as `df -h` and `du -h` print it (GNU coreutils, powers of 1024, rounded up): under 1024
/// the plain number (`0`, `1023`); otherwise one decimal while under 10 (`1.0K`, `1.5M`, `9.9K`) and
/// whole numbers from 10 (`10K`, `252G`), with suffixes K, M, G, T, P, E.
pub fn human_size(bytes: u64) -> String {
    const SUFFIXES: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let bytes = u128::from(bytes);
    let mut exp = 1;
    while bytes >> (10 * exp) >= 1024 {
        exp += 1;
    }
    let unit = 1u128 << (10 * exp);
    let suffix = SUFFIXES[exp as usize - 1];
    if bytes / unit < 10 {
        let tenths = (bytes * 10).div_ceil(unit);
        if tenths < 100 {
            return format!("{}.{}{suffix}", tenths / 10, tenths % 10);
        }
        return format!("10{suffix}");
    }
    let whole = bytes.div_ceil(unit);
    match SUFFIXES.get(exp as usize) {
        Some(next) if whole == 1024 => format!("1.0{next}"),
        _ => format!("{whole}{suffix}"),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn human_size_matches_coreutils() {
        // Each pair checked with `du -h --apparent-size` on a file of that size and with
        // `numfmt --to=iec --round=up` (coreutils 9.1).
        let cases: [(u64, &str); 30] = [
            (0, "0"),
            (1, "1"),
            (1023, "1023"),
            (1024, "1.0K"),
            (1025, "1.1K"),
            (1536, "1.5K"),
            (9216, "9.0K"),
            (9217, "9.1K"),
            (9999, "9.8K"),
            (10137, "9.9K"),
            (10138, "10K"),
            (10239, "10K"),
            (10240, "10K"),
            (10241, "11K"),
            (102_400, "100K"),
            (1_047_552, "1023K"),
            (1_047_553, "1.0M"),
            (1_048_575, "1.0M"),
            (1_048_576, "1.0M"),
            (1_572_864, "1.5M"),
            (10_485_760, "10M"),
            (1_073_741_824, "1.0G"),
            (5_000_000_000, "4.7G"),
            (21_474_836_480, "20G"),
            (25_679_609_856, "24G"),
            (71_893_139_456, "67G"),
            (270_553_174_016, "252G"),
            (1_099_511_627_776, "1.0T"),
            (1 << 60, "1.0E"),
            (u64::MAX, "16E"),
        ];
        for (bytes, text) in cases {
            assert_eq!(human_size(bytes), text, "{bytes}");
        }
        assert_eq!(human_size((1 << 60) - 1), "1.0E"); // numfmt; 1023.99…P rounds up to the next unit
    }

    #[test]
    fn df_numbers_like_df() {
        // statvfs of / on the dev machine; `df -B1 /` printed 270553174016 25679609856 71893139456.
        let (size, used, avail) = df_numbers(66_053_021, 66_053_021 - 6_269_436, 17_552_036, 4096);
        assert_eq!(size, 270_553_174_016);
        assert_eq!(used, 25_679_609_856);
        assert_eq!(avail, 71_893_139_456);
        assert_eq!(df_numbers(10, 20, 0, 4096), (40_960, 0, 0)); // bfree > blocks never underflows
    }

    #[test]
    fn octal_escapes_decode() {
        assert_eq!(unescape(br"/mnt/my\040disk"), b"/mnt/my disk");
        assert_eq!(unescape(br"a\011b\012c\134d"), b"a\tb\nc\\d");
        assert_eq!(unescape(br"\04"), br"\04"); // too short: kept as it is
        assert_eq!(unescape(br"\089"), br"\089"); // not octal
        assert_eq!(unescape(b"/plain"), b"/plain");
    }

    const MOUNTINFO_FIXTURE: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
30 27 8:17 / /var rw,relatime shared:2 master:1 - xfs /dev/sdb1 rw
31 30 8:33 / /var/spool/asterisk/monitor\\040calls rw - ext4 /dev/sdc1 rw
32 27 0:40 / /variable rw - tmpfs tmpfs rw
33 30 8:49 / /var/log rw - ext4 /dev/sdd1 rw
34 30 8:65 / /var/log rw - ext4 /dev/md0 rw
garbage line
";

    #[test]
    fn mountinfo_parses_with_escapes_and_optional_fields() {
        let mounts = parse_mountinfo(MOUNTINFO_FIXTURE.as_bytes());
        assert_eq!(mounts.len(), 7);
        assert_eq!(mounts[1], Mount { mount_point: "/".into(), source: "/dev/vda".into() });
        assert_eq!(mounts[2], Mount { mount_point: "/var".into(), source: "/dev/sdb1".into() });
        assert_eq!(mounts[3].mount_point, Path::new("/var/spool/asterisk/monitor calls"));
    }

    #[test]
    fn mount_of_takes_the_longest_component_prefix() {
        let mounts = parse_mountinfo(MOUNTINFO_FIXTURE.as_bytes());
        let source = |p: &str| mount_of(&mounts, Path::new(p)).map(|m| m.source.as_str());
        assert_eq!(source("/etc/asterisk"), Some("/dev/vda"));
        assert_eq!(source("/"), Some("/dev/vda"));
        assert_eq!(source("/var/spool/asterisk/monitor calls/2026/11"), Some("/dev/sdc1"));
        assert_eq!(source("/var/spool/asterisk/monitor"), Some("/dev/sdb1"));
        assert_eq!(source("/variable/x"), Some("tmpfs"));
        assert_eq!(source("/var/lib"), Some("/dev/sdb1"));
        assert_eq!(source("/var/log/asterisk"), Some("/dev/md0")); // mounted over /dev/sdd1
        assert_eq!(mount_of(&mounts[2..3], Path::new("/etc")), None);
    }

    #[test]
    fn walk_counts_every_inode_once_and_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b/c")).unwrap();
        fs::write(root.join("a/b/c/file"), vec![7u8; 64 * 1024]).unwrap();
        let one = walk_tree(root, TREE_LIMIT);
        assert_eq!((one.entries, one.truncated, one.errors), (5, false, 0));
        assert!(one.bytes >= 64 * 1024);

        fs::hard_link(root.join("a/b/c/file"), root.join("a/link")).unwrap();
        symlink(root, root.join("a/b/up")).unwrap();
        let linked = walk_tree(root, TREE_LIMIT);
        assert_eq!(linked.entries, 7);
        let symlink_bytes = fs::symlink_metadata(root.join("a/b/up")).unwrap().blocks() * 512;
        assert_eq!(linked.bytes, one.bytes + symlink_bytes);

        let cut = walk_tree(root, 2); // the root and `a`: the 64 KiB file is never reached
        assert!(cut.truncated && cut.entries == 2 && cut.bytes < 64 * 1024, "{cut:?}");
        assert_eq!(walk_tree(&root.join("missing"), TREE_LIMIT).bytes, 0);
    }

    #[test]
    fn tree_bytes_measures_a_linked_area_root() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        fs::write(dir.path().join("real/data"), vec![1u8; 100 * 1024]).unwrap();
        symlink(dir.path().join("real"), dir.path().join("area")).unwrap();
        assert_eq!(tree_bytes(&dir.path().join("area")), tree_bytes(&dir.path().join("real")));
        assert!(tree_bytes(&dir.path().join("area")) >= 100 * 1024);
    }
}
